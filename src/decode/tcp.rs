//! TCP header, RFC 9293 section 3.1. The options (RFC 9293 section 3.2) are kept as
//! captured bytes; [`super::tcp_options`] decodes them when the packet line asks.

use super::checksum::{self, Verdict};
use super::ip::IpContext;
use super::{to_u32, Endpoints, FixedTable, Layer, Payload, TransportHeader, Walk};
use crate::note::{NoteGroup, Severity};
use etherparse::TcpHeaderSlice;
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

crate::fields! {
    proto = "TCP";
    // TCP, RFC 9293 section 3.1.
    TCP_SRCPORT = "tcp.srcport", Header, Metadata, Some(Port), "source port";
    TCP_DSTPORT = "tcp.dstport", Header, Metadata, Some(Port), "destination port";
    TCP_SEQ = "tcp.seq", Header, Metadata, None, "sequence number";
    TCP_ACK = "tcp.ack", Header, Metadata, None, "acknowledgment number";
    TCP_OFFSET_FLAGS = "tcp.flags", Header, Metadata, None, "data offset and control bits";
    TCP_WINDOW = "tcp.window_size", Header, Metadata, None, "window";
    TCP_CHECKSUM = "tcp.checksum", Header, Metadata, None, "checksum";
    TCP_URGENT = "tcp.urgent_pointer", Header, Metadata, None, "urgent pointer";
    TCP_OPTIONS = "tcp.options", Header, Metadata, None, "options (MSS, window scale, SACK, timestamps…)";
}

mod hdr {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ: Range<usize> = 4..8;
    pub const ACK: Range<usize> = 8..12;
    pub const OFFSET_FLAGS: Range<usize> = 12..14;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
    pub const MIN_LEN: usize = URGENT.end;
    pub const MAX_OPTIONS: usize = 40;
}

/// The control bits of byte 13 (the NS bit of byte 12 is not shown, as in tcpdump).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{self}]")
    }
}

impl TcpFlags {
    /// tcpdump's flag letters, in its order (`S.` for SYN+ACK, `none` for no bits),
    /// written into `buf`: the packet line takes them without the formatting
    /// machinery.
    pub fn letters(self, buf: &mut [u8; 8]) -> &str {
        const LETTERS: [(u8, u8); 8] = [
            (TcpFlags::FIN, b'F'),
            (TcpFlags::SYN, b'S'),
            (TcpFlags::RST, b'R'),
            (TcpFlags::PSH, b'P'),
            (TcpFlags::ACK, b'.'),
            (TcpFlags::URG, b'U'),
            (TcpFlags::ECE, b'E'),
            (TcpFlags::CWR, b'W'),
        ];
        if self.0 == 0 {
            return "none";
        }
        let mut n = 0;
        for (bit, c) in LETTERS {
            if self.has(bit) {
                if let Some(slot) = buf.get_mut(n) {
                    *slot = c;
                }
                n += 1;
            }
        }
        buf.get(..n)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// tcpdump's flag letters, in its order: `S.` for SYN+ACK, `none` for no bits.
impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letters(&mut [0; 8]))
    }
}

/// The captured option bytes (at most 40), kept inline: no allocation per packet.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct OptionBytes {
    buf: [u8; hdr::MAX_OPTIONS],
    len: u8,
}

impl OptionBytes {
    /// Keeps the first 40 bytes of `bytes` (the most a TCP header can hold).
    pub fn new(bytes: &[u8]) -> OptionBytes {
        let mut buf = [0u8; hdr::MAX_OPTIONS];
        let n = bytes.len().min(hdr::MAX_OPTIONS);
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), bytes.get(..n)) {
            dst.copy_from_slice(src);
        }
        OptionBytes {
            buf,
            len: u8::try_from(n).unwrap_or(0),
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl fmt::Debug for OptionBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x?}", self.as_slice())
    }
}

/// The fixed part of a captured TCP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpFixed {
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub urgent: u16,
    pub checksum: u16,
    /// Data offset × 4: the header length the segment declares (may be < 20 if bogus).
    pub header_len: u32,
    /// Option bytes that were captured (may be fewer than declared).
    pub options: OptionBytes,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpLayer {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Print addresses with the ports (no IPv6 extension header in between).
    pub addr_prefix: bool,
    /// `None` when fewer than 4 header bytes were captured.
    pub ports: Option<(u16, u16)>,
    /// `None` when fewer than 20 header bytes were captured.
    pub fixed: Option<TcpFixed>,
    /// Segment length per the IP header (header + data).
    pub length: u32,
    /// The captured data bytes, within the IP datagram (frame offsets): what
    /// tcpdump's application printers read. Empty when the header was cut.
    pub data: Range<u32>,
    /// Frame offset of the header.
    pub at: u32,
    /// Part of a fragmented datagram (tcpdump then checks no checksum).
    pub fragmented: bool,
}

impl TcpLayer {
    /// The checksum's verdict, when the whole segment was captured (tcpdump's
    /// `ND_TTEST_LEN(th_sport, length)`).
    pub fn checksum(&self, frame: &[u8]) -> Option<Verdict> {
        let fixed = self.fixed.as_ref()?;
        let at = self.at as usize;
        let segment = frame.get(at..at.checked_add(self.length as usize)?)?;
        let computed = checksum::over_pseudo_header(self.src, self.dst, 6, segment);
        Some(Verdict::of(fixed.checksum, computed))
    }

    /// Data length per the IP header, if the header is sane.
    pub fn data_len(&self) -> Option<u32> {
        let fixed = self.fixed.as_ref()?;
        self.length.checked_sub(fixed.header_len)
    }
}

fn be16(d: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([
        d.get(at).copied().unwrap_or(0),
        d.get(at + 1).copied().unwrap_or(0),
    ])
}

pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, length: u32, ip: &IpContext) {
    let end = ip.datagram_end.min(walk.data.len()).max(at);
    let avail = walk.data.get(at..end).unwrap_or(&[]);
    let mut layer = TcpLayer {
        src: ip.src,
        dst: ip.dst,
        addr_prefix: ip.addr_prefix,
        ports: None,
        fixed: None,
        length,
        data: 0..0,
        at: to_u32(at),
        fragmented: ip.fragmented,
    };
    if avail.len() < hdr::DST_PORT.end {
        walk.layer(Layer::Tcp(layer));
        walk.truncated("tcp", at, hdr::MIN_LEN);
        return;
    }
    let sport = be16(avail, hdr::SRC_PORT.start);
    let dport = be16(avail, hdr::DST_PORT.start);
    layer.ports = Some((sport, dport));
    if avail.len() < hdr::MIN_LEN {
        walk.span_merging(at, hdr::SRC_PORT, TCP_SRCPORT);
        walk.span_merging(at, hdr::DST_PORT, TCP_DSTPORT);
        walk.layer(Layer::Tcp(layer));
        walk.truncated(
            "tcp",
            at + hdr::DST_PORT.end,
            hdr::MIN_LEN - hdr::DST_PORT.end,
        );
        return;
    }
    const FIELDS: [(std::ops::Range<usize>, crate::fields::FieldId); 8] = [
        (hdr::SRC_PORT, TCP_SRCPORT),
        (hdr::DST_PORT, TCP_DSTPORT),
        (hdr::SEQ, TCP_SEQ),
        (hdr::ACK, TCP_ACK),
        (hdr::OFFSET_FLAGS, TCP_OFFSET_FLAGS),
        (hdr::WINDOW, TCP_WINDOW),
        (hdr::CHECKSUM, TCP_CHECKSUM),
        (hdr::URGENT, TCP_URGENT),
    ];
    static TABLE: FixedTable = FixedTable::new(&FIELDS);
    walk.fixed_spans(at, hdr::MIN_LEN, &TABLE);
    let header_len = u32::from(avail.get(12).copied().unwrap_or(0) >> 4) * 4;
    let options_end = (header_len as usize).clamp(hdr::MIN_LEN, avail.len());
    let options = avail.get(hdr::MIN_LEN..options_end).unwrap_or(&[]);
    let fixed = match TcpHeaderSlice::from_slice(avail) {
        Ok(h) => TcpFixed {
            seq: h.sequence_number(),
            ack: h.acknowledgment_number(),
            flags: TcpFlags(avail.get(13).copied().unwrap_or(0)),
            window: h.window_size(),
            urgent: h.urgent_pointer(),
            checksum: h.checksum(),
            header_len,
            options: OptionBytes::new(h.options()),
        },
        // Bad data offset or options cut off: read the fixed part by hand.
        Err(_) => TcpFixed {
            seq: u32::from(be16(avail, 4)) << 16 | u32::from(be16(avail, 6)),
            ack: u32::from(be16(avail, 8)) << 16 | u32::from(be16(avail, 10)),
            flags: TcpFlags(avail.get(13).copied().unwrap_or(0)),
            window: be16(avail, 14),
            urgent: be16(avail, 18),
            checksum: be16(avail, 16),
            header_len,
            options: OptionBytes::new(options),
        },
    };
    let flags = fixed.flags;
    let (seq, ack) = (fixed.seq, fixed.ack);
    layer.fixed = Some(fixed);
    if header_len >= to_u32(hdr::MIN_LEN) && avail.len() >= header_len as usize {
        layer.data = to_u32(at + header_len as usize)..to_u32(end);
    }
    walk.layer(Layer::Tcp(layer));

    if header_len < to_u32(hdr::MIN_LEN) {
        walk.note(
            Severity::Error,
            NoteGroup::Malformed,
            format!("TCP data offset declares a {header_len}-byte header, less than 20"),
            at..end,
        );
        return;
    }
    walk.span_merging(at, hdr::MIN_LEN..header_len as usize, TCP_OPTIONS);
    if header_len > length {
        walk.note(
            Severity::Error,
            NoteGroup::Malformed,
            format!("TCP header length {header_len} exceeds the segment length {length}"),
            at..end,
        );
        return;
    }
    if avail.len() < header_len as usize {
        walk.truncated("tcp", at + hdr::MIN_LEN, header_len as usize - hdr::MIN_LEN);
        return;
    }
    let start = at + header_len as usize;
    walk.out.payload = Some(Payload {
        endpoints: Endpoints {
            src: ip.src,
            dst: ip.dst,
            sport,
            dport,
        },
        transport: TransportHeader::Tcp { seq, ack, flags },
        range: to_u32(start)..to_u32(end.max(start)),
        // The IP header may claim more than the frame had on the wire (a corrupt
        // length): what was never sent cannot be missing from the stream.
        wire_len: (length - header_len).min(super::wire_after(walk, start)),
        encap: walk.path,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Frame, LinkType};
    use crate::decode::{decode as decode_frame, Decoded};
    use crate::span::{ByteMap, Label, Span};

    /// IPv4 + TCP SYN from 127.0.0.1:43210 to 127.0.0.1:1060 with MSS and SACK-permitted.
    fn syn_packet() -> Vec<u8> {
        let mut p = vec![
            0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 127, 0, 0, 1,
            127, 0, 0, 1,
        ];
        p.extend_from_slice(&[
            0xa8, 0xca, 0x04, 0x24, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0, 2,
            4, 0x05, 0xb4,
        ]);
        p
    }

    fn frame(data: Vec<u8>) -> Frame {
        Frame {
            number: 1,
            ts: Default::default(),
            link: LinkType::RAW,
            interface: 0,
            orig_len: 44,
            data,
            cut_by_eof: false,
        }
    }

    fn run(data: Vec<u8>) -> Decoded {
        let mut d = Decoded::default();
        decode_frame(&frame(data), &mut d);
        d
    }

    #[test]
    fn flags_print_like_tcpdump() {
        assert_eq!(TcpFlags(TcpFlags::SYN | TcpFlags::ACK).to_string(), "S.");
        assert_eq!(TcpFlags(TcpFlags::PSH | TcpFlags::ACK).to_string(), "P.");
        assert_eq!(TcpFlags(0).to_string(), "none");
        assert_eq!(TcpFlags(0xff).to_string(), "FSRP.UEW");
    }

    #[test]
    fn syn_header_fields_are_labelled_and_ports_are_leaks() {
        let d = run(syn_packet());
        let map = ByteMap::build(44, &d.spans);
        assert_eq!(map.label_at(20), Some(Label::Leak), "source port");
        assert_eq!(map.label_at(23), Some(Label::Leak), "destination port");
        assert_eq!(map.label_at(24), Some(Label::Metadata), "sequence number");
        assert_eq!(map.label_at(43), Some(Label::Metadata), "options");
        assert_eq!(map.count_in(0..44)[Label::Undecoded.index()], 0);
        let Some(Layer::Tcp(tcp)) = d.layers.get(1) else {
            panic!("no TCP layer: {:?}", d.layers)
        };
        assert_eq!(tcp.ports, Some((43210, 1060)));
        assert_eq!(
            tcp.fixed.as_ref().map(|f| f.options.as_slice()),
            Some(&[2, 4, 5, 0xb4][..])
        );
    }

    #[test]
    fn labels_only_decoding_merges_the_fixed_runs_and_keeps_the_map() {
        let fields = run(syn_packet());
        let mut merged = Decoded::default();
        crate::decode::decode_labels(&frame(syn_packet()), &mut merged);
        let ranges: Vec<_> = merged.spans.iter().map(|s| s.range.clone()).collect();
        // IPv4's first twelve bytes; its addresses and the ports (leaks all); TCP's
        // fixed fields after the ports and its options.
        assert_eq!(ranges, [0..12, 12..24, 24..44], "{:?}", merged.spans);
        assert!(fields.spans.len() > ranges.len());
        assert_eq!(
            ByteMap::build(44, &fields.spans).runs(),
            ByteMap::build(44, &merged.spans).runs()
        );
        assert_eq!(fields.layers, merged.layers);
        // TCP cut inside its fixed header: the ports still join the addresses, the
        // fields after them are as without merging, the map the same.
        let mut cut = syn_packet();
        cut.truncate(20 + 15);
        let mut merged = Decoded::default();
        crate::decode::decode_labels(&frame(cut.clone()), &mut merged);
        let fields = run(cut);
        let tcp = |d: &Decoded| -> Vec<Span> {
            d.spans
                .iter()
                .filter(|s| s.range.start >= 24)
                .cloned()
                .collect()
        };
        assert_eq!(tcp(&merged), tcp(&fields));
        assert!(merged.spans.iter().any(|s| s.range == (12..24)));
        assert_eq!(
            ByteMap::build(35, &fields.spans).runs(),
            ByteMap::build(35, &merged.spans).runs()
        );
    }

    #[test]
    fn tcp_header_truncated_at_19() {
        let mut p = syn_packet();
        p.truncate(20 + 19);
        let d = run(p);
        assert_eq!(d.truncated, Some("tcp"));
        assert!(d.payload.is_none());
        let map = ByteMap::build(39, &d.spans);
        assert_eq!(map.label_at(21), Some(Label::Leak));
        assert_eq!(map.label_at(30), Some(Label::Undecoded));
    }

    #[test]
    fn data_offset_below_five_is_malformed() {
        let mut p = syn_packet();
        p[32] = 0x40;
        let d = run(p);
        assert!(d.notes.iter().any(|n| n.group == NoteGroup::Malformed));
        assert!(d.payload.is_none());
    }
}

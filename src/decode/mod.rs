//! One frame → spans, notes and an owned summary of each layer.
//!
//! Decoding is stateless: the same bytes always decode the same way. The walk is
//! link → network → transport; each layer emits one span per header field (with the
//! field's default visibility), pushes an owned [`Layer`] summary for the packet-line
//! renderer, and hands on the rest. Encapsulations (IP-in-IP, GRE, VXLAN, Geneve,
//! GTP-U, Teredo, L2TP…) continue the walk inside themselves through one re-entry
//! path, [`tunnel::enter`], under one nesting bound; the transport payload then
//! carries the encapsulations it came through ([`Payload::encap`]). Malformed or cut-off input is data: it ends the
//! walk with a note and the bytes left over become `Undecoded` (by the ByteMap rule),
//! never an error.
//!
//! etherparse validates and reads the fixed headers; offsets of individual fields come
//! from the per-protocol tables in each module.

pub mod ah;
pub mod checksum;
pub mod esp;
pub mod icmp;
pub mod ip;
pub mod ipv6_routing;
pub mod link;
pub mod linktypes;
pub mod tcp;
pub mod tcp_options;
pub mod tunnel;
pub mod udp;
pub mod wifi;

use crate::capture::{Frame, LinkType};
use crate::fields::FieldId;
use crate::note::{Note, NoteGroup, Severity};
use crate::span::{Span, Visibility};
use std::net::IpAddr;
use std::ops::Range;

pub use icmp::{ArpLayer, IcmpLayer};
pub use ip::{Ipv4Layer, Ipv6ExtKind, Ipv6ExtLayer, Ipv6Layer};
pub use link::LinkLayer;
pub use tcp::{TcpFlags, TcpLayer};
pub use tunnel::{Encapsulation, Tunnel, TunnelLayer};
pub use udp::UdpLayer;

/// Owned summary of one decoded layer, in wire order. Enough to print tcpdump's line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    Link(LinkLayer),
    Ipv4(Ipv4Layer),
    Ipv6(Ipv6Layer),
    Ipv6Ext(Ipv6ExtLayer),
    Tcp(TcpLayer),
    Udp(UdpLayer),
    Icmp(IcmpLayer),
    Arp(ArpLayer),
    /// An encapsulation header (GRE, VXLAN, Geneve…); the inner packet's layers follow.
    Tunnel(TunnelLayer),
    /// A protocol eavesdrop does not decode, named as tcpdump would.
    Other(OtherLayer),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OtherLayer {
    /// An IP payload protocol without a decoder (tcpdump: ` ip-proto-N LEN`, or its
    /// printer for the protocol); `data` is the captured payload within the datagram
    /// (frame offsets).
    IpProto {
        proto: u8,
        len: u32,
        data: Range<u32>,
    },
    /// An IPsec ESP packet (tcpdump: `ESP(spi=0x…,seq=0x…), length N`).
    Esp { spi: u32, seq: u32, len: u32 },
    /// An IPsec AH header (tcpdump: `AH(spi=0x…,seq=0x…,icv=0x…): `), the next
    /// protocol after it.
    Ah { spi: u32, seq: u32, icv: Vec<u8> },
    /// A non-first IP fragment (tcpdump: ` ip-proto-N` after the addresses).
    Fragment { proto: u8 },
    /// An EtherType (or an 802.3 length, LLC following) without a decoder; `data` is
    /// the captured bytes after it (frame offsets).
    EtherType {
        ethertype: u16,
        len: u32,
        data: Range<u32>,
    },
    /// A BSD loopback address family without a decoder.
    NullFamily { family: u32, len: u32 },
    /// A link type without a decoder.
    LinkType { link: LinkType, len: u32 },
    /// tcpdump-style problem text at this point in the line (`truncated-ip 12`).
    Problem(String),
}

/// Where a flow's payload came from: the 5-tuple as seen in this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoints {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
}

/// TCP or UDP: the transport of a flow, a report, a protocol's registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "TCP",
            Transport::Udp => "UDP",
        }
    }
}

/// What a transport header says that the flow stage needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportHeader {
    Tcp { seq: u32, ack: u32, flags: TcpFlags },
    Udp,
}

impl TransportHeader {
    pub fn kind(self) -> Transport {
        match self {
            TransportHeader::Tcp { .. } => Transport::Tcp,
            TransportHeader::Udp => Transport::Udp,
        }
    }
}

/// The transport payload of a frame, to be classified by a stream or datagram dissector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub endpoints: Endpoints,
    pub transport: TransportHeader,
    /// Captured payload bytes, frame-relative.
    pub range: Range<u32>,
    /// Payload length the headers declare; more than `range.len()` when cut short.
    pub wire_len: u32,
    /// The encapsulations the packet came through, outermost first (empty when the
    /// transport rides the frame's own network layer).
    pub encap: Encapsulation,
}

/// What decoding learned about one fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FragmentInfo {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    /// The protocol of the reassembled payload (IPv4 protocol, IPv6 next header).
    pub proto: u8,
    /// Byte offset of this fragment's payload in the datagram's payload.
    pub offset: u32,
    /// More fragments follow (MF).
    pub more: bool,
    /// This fragment's payload in the frame: captured bytes.
    pub range: Range<u32>,
    /// This fragment's payload length as the IP header declares it.
    pub wire_len: u32,
    /// Where transport payload starts in the frame: after the transport header in a
    /// first fragment, `range.start` in the others.
    pub data_start: u32,
    /// The encapsulations around this fragment's IP header.
    pub encap: Encapsulation,
}

/// Everything decoding one frame produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    pub spans: Vec<Span>,
    pub notes: Vec<Note>,
    pub layers: Vec<Layer>,
    /// Offset of the network-layer header: where `tcpdump -X` starts its hex.
    pub net_offset: u32,
    /// Transport payload for the flow stage, if any.
    pub payload: Option<Payload>,
    /// tcpdump's `[|proto]`: the protocol whose header ran past the captured bytes.
    pub truncated: Option<&'static str>,
    /// `len < caplen`, zero lengths and the like: tcpdump prints only the header line.
    pub invalid_header: Option<String>,
    /// This frame carries an IP fragment (the outermost one, if tunnels nest).
    pub fragment: Option<FragmentInfo>,
}

impl Decoded {
    /// The frame's transport payload: the payload's range, or for an IP fragment the
    /// part of it after any transport header.
    pub fn payload_range(&self) -> Option<Range<u32>> {
        match (&self.payload, &self.fragment) {
            (Some(p), _) => Some(p.range.clone()),
            (None, Some(f)) => Some(f.data_start.min(f.range.end)..f.range.end),
            (None, None) => None,
        }
    }

    pub fn clear(&mut self) {
        self.spans.clear();
        self.notes.clear();
        self.layers.clear();
        self.net_offset = 0;
        self.payload = None;
        self.truncated = None;
        self.invalid_header = None;
        self.fragment = None;
    }
}

/// Bytes the frame had on the wire from frame offset `at` on.
pub(crate) fn wire_after(walk: &Walk<'_>, at: usize) -> u32 {
    walk.orig_len.max(walk.cap_len()).saturating_sub(to_u32(at))
}

/// The bytes of one frame and the output being built, handed down the layers.
pub(crate) struct Walk<'a> {
    pub data: &'a [u8],
    pub out: &'a mut Decoded,
    /// Bytes the frame had on the wire (may exceed `data.len()`).
    pub orig_len: u32,
    /// The encapsulations entered so far, outermost first ([`tunnel::enter`]).
    pub path: Encapsulation,
    /// A fixed header's runs of fields that read alike ([`FieldId::reads_as`]) are one
    /// span, and its first joins the span before when that reads alike too: for sinks
    /// that read labels, not fields ([`decode_labels`]).
    pub merge: bool,
}

impl Walk<'_> {
    pub fn cap_len(&self) -> u32 {
        u32::try_from(self.data.len()).unwrap_or(u32::MAX)
    }

    /// Labels `base + range` with `field`, clipped to the captured bytes.
    pub fn span(&mut self, base: usize, range: Range<usize>, field: FieldId) {
        self.span_vis(base, range, field, field.def().vis);
    }

    /// Spans for a fixed header's fields (`table`, offsets within its `len` bytes) at
    /// `base`. When the whole header was captured, one capacity check and no clamping
    /// per field: IPv4's and TCP's fixed fields are sixteen spans of nearly every
    /// frame; with [`Walk::merge`], the table's runs that read alike were merged once
    /// ([`FixedTable`]), so only its first span is compared with the span before. Else
    /// field by field, clamped as [`Walk::span`] clamps them.
    pub fn fixed_spans(&mut self, base: usize, len: usize, table: &FixedTable) {
        let whole = base
            .checked_add(len)
            .is_some_and(|end| end <= self.data.len() && u32::try_from(end).is_ok());
        if !whole {
            for (range, field) in table.fields {
                self.span(base, range.clone(), *field);
            }
            return;
        }
        // Within u32: `whole` says the header's end is.
        let b = to_u32(base);
        let spans = table.spans(self.merge);
        self.out.spans.reserve(spans.len());
        for (i, s) in spans.iter().enumerate() {
            debug_assert!(s.range.start < s.range.end && s.range.end as usize <= len);
            let span = Span::new(b + s.range.start..b + s.range.end, s.field, s.vis);
            if i == 0 && self.merge {
                self.push_merging(span);
            } else {
                self.out.spans.push(span);
            }
        }
    }

    pub fn span_vis(&mut self, base: usize, range: Range<usize>, field: FieldId, vis: Visibility) {
        if let Some(r) = self.captured(base, range) {
            self.out.spans.push(Span::new(r, field, vis));
        }
    }

    /// `base + range` clipped to the captured bytes; `None` when nothing is left.
    #[inline]
    fn captured(&self, base: usize, range: Range<usize>) -> Option<Range<u32>> {
        let cap = self.data.len();
        let start = base.saturating_add(range.start).min(cap);
        let end = base.saturating_add(range.end).min(cap);
        (start < end).then(|| to_u32(start)..to_u32(end))
    }

    /// [`Walk::span`], onto the previous span with [`Walk::merge`] when it continues
    /// it and reads alike: for the spans of nearly every frame that follow a fixed
    /// header (TCP's ports after IPv4's addresses, its options after its fixed fields).
    #[inline]
    pub fn span_merging(&mut self, base: usize, range: Range<usize>, field: FieldId) {
        if !self.merge {
            return self.span(base, range, field);
        }
        if let Some(r) = self.captured(base, range) {
            self.push_merging(Span::field(r, field));
        }
    }

    /// Adds a span; with [`Walk::merge`], onto the previous one when it continues it
    /// and reads alike (a fixed header's first run after the header before it: IPv4's
    /// after the EtherType, TCP's ports after IPv4's addresses). Other spans are added
    /// as they are.
    fn push_merging(&mut self, span: Span) {
        if let Some(last) = self.out.spans.last_mut() {
            if last.range.end == span.range.start
                && last.vis == span.vis
                && last.field.reads_as(span.field)
            {
                last.range.end = span.range.end;
                return;
            }
        }
        self.out.spans.push(span);
    }

    pub fn note(
        &mut self,
        severity: Severity,
        group: NoteGroup,
        text: String,
        range: Range<usize>,
    ) {
        let cap = self.data.len();
        let r = to_u32(range.start.min(cap))..to_u32(range.end.min(cap));
        self.out.notes.push(Note::new(severity, group, text).at(r));
    }

    pub fn layer(&mut self, layer: Layer) {
        self.out.layers.push(layer);
    }

    /// Records that a header was cut off by the capture (tcpdump's `[|proto]`).
    pub fn truncated(&mut self, proto: &'static str, at: usize, need: usize) {
        if self.out.truncated.is_none() {
            self.out.truncated = Some(proto);
        }
        let have = self.data.len().saturating_sub(at);
        self.note(
            Severity::Warn,
            NoteGroup::Truncated,
            format!("{proto} header cut off by the capture: {have} of {need} bytes captured"),
            at..self.data.len(),
        );
        self.span(at, 0..need, crate::fields::FRAME_CUT);
    }
}

/// A fixed header's fields, offsets within the header, in order; made on first use,
/// their spans (header offsets, default visibilities) one per field and with each run
/// of fields that read alike ([`FieldId::reads_as`]) as one.
pub struct FixedTable {
    pub fields: &'static [(Range<usize>, FieldId)],
    spans: std::sync::OnceLock<[Vec<Span>; 2]>,
}

impl FixedTable {
    pub const fn new(fields: &'static [(Range<usize>, FieldId)]) -> FixedTable {
        FixedTable {
            fields,
            spans: std::sync::OnceLock::new(),
        }
    }

    /// The spans of a whole header, offsets within it: per field, or `merged`.
    fn spans(&self, merged: bool) -> &[Span] {
        let [per_field, runs] = self.spans.get_or_init(|| {
            let spans = |fields: &[(Range<usize>, FieldId)]| -> Vec<Span> {
                fields
                    .iter()
                    .map(|(r, f)| Span::field(to_u32(r.start)..to_u32(r.end), *f))
                    .collect()
            };
            [spans(self.fields), spans(&Self::merge(self.fields))]
        });
        if merged {
            runs
        } else {
            per_field
        }
    }

    /// `fields` with each run of adjacent fields that read alike (default visibilities
    /// equal) as one, named by its first.
    fn merge(fields: &[(Range<usize>, FieldId)]) -> Vec<(Range<usize>, FieldId)> {
        let mut out: Vec<(Range<usize>, FieldId)> = Vec::with_capacity(fields.len());
        for (range, field) in fields {
            if let Some((last, first)) = out.last_mut() {
                if last.end == range.start
                    && first.def().vis == field.def().vis
                    && first.reads_as(*field)
                {
                    last.end = range.end;
                    continue;
                }
            }
            out.push((range.clone(), *field));
        }
        out
    }
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Decodes one frame into `out` (cleared first; reusing it saves allocations).
pub fn decode(frame: &Frame, out: &mut Decoded) {
    decode_with(frame, out, false);
}

/// [`decode`] for a sink that reads labels, leaks and content, not fields: a fixed
/// header's run of fields that read alike ([`FieldId::reads_as`]) is one span (IPv4's
/// eight between the first byte and the addresses, TCP's six after the ports), the
/// byte map and every count the same.
pub fn decode_labels(frame: &Frame, out: &mut Decoded) {
    decode_with(frame, out, true);
}

fn decode_with(frame: &Frame, out: &mut Decoded, merge: bool) {
    out.clear();
    if let Some(problem) = invalid_header(frame) {
        out.invalid_header = Some(problem.clone());
        out.notes
            .push(Note::new(Severity::Error, NoteGroup::Malformed, problem));
        return;
    }
    let mut walk = Walk {
        data: &frame.data,
        out,
        orig_len: frame.orig_len,
        path: Encapsulation::default(),
        merge,
    };
    if frame.cut_by_eof {
        let cap = walk.cap_len();
        walk.out.notes.push(Note::new(
            Severity::Error,
            NoteGroup::Truncated,
            format!(
                "the file ends inside this frame: {cap} of its {} captured bytes are present",
                frame.orig_len
            ),
        ));
    } else if frame.orig_len > frame.cap_len() {
        let cap = walk.cap_len();
        walk.out.notes.push(Note::new(
            Severity::Note,
            NoteGroup::Truncated,
            format!(
                "frame cut by the snap length: {cap} of {} bytes captured",
                frame.orig_len
            ),
        ));
    }
    link::decode(&mut walk, frame.link);
}

/// Which of `shards` worker threads reads a frame under `-j N`: a symmetric hash of its
/// outermost IP addresses (the first IP header the link layers lead to), so that both
/// directions of a flow, every fragment of a datagram and everything a tunnel between
/// two hosts carries go to the same shard. Frames without an IP header go to shard 0;
/// they belong to no flow.
///
/// Ports are left out on purpose: a datagram's later fragments carry none, and a flow
/// must not be split between a shard for its fragments and one for the rest. The price
/// is balance: all traffic between two hosts is one shard's.
pub fn shard_of(frame: &Frame, shards: u32) -> u32 {
    shard_of_bytes(frame.link, &frame.data, shards)
}

/// [`shard_of`] from a frame's link type and captured bytes.
pub fn shard_of_bytes(link_type: LinkType, data: &[u8], shards: u32) -> u32 {
    if shards <= 1 {
        return 0;
    }
    let Some(mut at) = link::outer_ip(data, link_type) else {
        return 0;
    };
    // IP in IP (6in4, 4in4, 4in6, 6in6) is followed to the inner header: its two ends
    // are often not the same hosts both ways (a 6to4 relay answers from another
    // address). A fragment of the outer datagram stays with the outer addresses (its
    // later pieces carry no inner header).
    for _ in 0..8 {
        let inner = match data.get(at).map(|b| b >> 4) {
            Some(4) => {
                let ihl = usize::from(data.get(at).copied().unwrap_or(0) & 0x0f) * 4;
                let frag = crate::codec::be16(data, at + 6).is_none_or(|f| f & 0x3fff != 0);
                match data.get(at + 9) {
                    Some(4 | 41) if !frag && ihl >= 20 => Some(at + ihl),
                    _ => None,
                }
            }
            Some(6) => match data.get(at + 6) {
                Some(4 | 41) => Some(at + 40),
                _ => None,
            },
            _ => None,
        };
        match inner {
            Some(i) if matches!(data.get(i).map(|b| b >> 4), Some(4 | 6)) => at = i,
            _ => break,
        }
    }
    // The two addresses in a fixed order (so both directions hash alike), mixed by
    // MurmurHash3's finaliser, which spreads every input bit over every output bit
    // (hosts of one /24 spread over the shards): fixed, so a capture is sharded the
    // same way on every run.
    let word = |at: usize| -> Option<u128> {
        let b: [u8; 16] = data.get(at..at + 16)?.try_into().ok()?;
        Some(u128::from_be_bytes(b))
    };
    let key = match data.get(at).map(|b| b >> 4) {
        Some(4) => crate::codec::be32(data, at + 12)
            .zip(crate::codec::be32(data, at + 16))
            .map(|(a, b)| u64::from(a.min(b)) << 32 | u64::from(a.max(b))),
        Some(6) => word(at + 8).zip(word(at + 24)).map(|(a, b)| {
            let (lo, hi) = (a.min(b), a.max(b));
            let fold = |v: u128| fmix64(v as u64 ^ fmix64((v >> 64) as u64));
            fold(lo) ^ fold(hi).rotate_left(32)
        }),
        _ => None,
    };
    let Some(key) = key else { return 0 };
    (fmix64(key) % u64::from(shards)) as u32
}

/// MurmurHash3's 64-bit finaliser.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ h >> 33
}

/// Whether tcpdump's sanity checks on the record header pass (the packet line then
/// starts with a time stamp).
pub fn header_ok(frame: &Frame) -> bool {
    header_ok_lengths(frame.cap_len(), frame.orig_len, frame.cut_by_eof)
}

/// [`header_ok`] from the record's captured and original lengths.
pub fn header_ok_lengths(caplen: u32, len: u32, cut_by_eof: bool) -> bool {
    const MAXIMUM_SNAPLEN: u32 = crate::capture::MAX_SNAPLEN;
    caplen != 0
        && len != 0
        && (len >= caplen || cut_by_eof)
        && caplen <= MAXIMUM_SNAPLEN
        && len <= MAXIMUM_SNAPLEN
}

/// tcpdump's sanity checks on the record header (print.c), same wording.
fn invalid_header(frame: &Frame) -> Option<String> {
    const MAXIMUM_SNAPLEN: u32 = crate::capture::MAX_SNAPLEN;
    let caplen = frame.cap_len();
    let len = frame.orig_len;
    let mut parts: Vec<String> = Vec::new();
    if caplen == 0 {
        parts.push("caplen==0".into());
    }
    if len == 0 {
        parts.push("len==0".into());
    } else if len < caplen && !frame.cut_by_eof {
        parts.push(format!("len({len}) < caplen({caplen})"));
    }
    if caplen > MAXIMUM_SNAPLEN {
        parts.push(format!("caplen({caplen}) > {MAXIMUM_SNAPLEN}"));
    }
    if len > MAXIMUM_SNAPLEN {
        parts.push(format!("len({len}) > {MAXIMUM_SNAPLEN}"));
    }
    if parts.is_empty() {
        None
    } else {
        Some(format!("[Invalid header: {}]", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(link: LinkType, data: Vec<u8>, orig_len: u32) -> Frame {
        Frame {
            number: 1,
            ts: Default::default(),
            link,
            interface: 0,
            orig_len,
            data,
            cut_by_eof: false,
        }
    }

    #[test]
    fn header_checks_from_lengths_agree_with_the_worded_ones() {
        let max = crate::capture::MAX_SNAPLEN;
        let lens = [0, 1, 60, 1514, max - 1, max, max + 1];
        for caplen in lens {
            for len in lens {
                for cut in [false, true] {
                    let f = Frame {
                        cut_by_eof: cut,
                        ..frame(LinkType::ETHERNET, vec![0; caplen as usize], len)
                    };
                    assert_eq!(
                        header_ok_lengths(caplen, len, cut),
                        invalid_header(&f).is_none(),
                        "caplen {caplen} len {len} cut {cut}"
                    );
                }
            }
        }
    }

    #[test]
    fn zero_length_frame_is_an_invalid_header_like_tcpdump() {
        let mut d = Decoded::default();
        decode(&frame(LinkType::ETHERNET, vec![], 0), &mut d);
        assert_eq!(
            d.invalid_header.as_deref(),
            Some("[Invalid header: caplen==0, len==0]")
        );
    }

    #[test]
    fn orig_len_below_caplen_is_invalid() {
        let mut d = Decoded::default();
        decode(&frame(LinkType::ETHERNET, vec![0; 20], 10), &mut d);
        assert_eq!(
            d.invalid_header.as_deref(),
            Some("[Invalid header: len(10) < caplen(20)]")
        );
    }

    /// An Ethernet/IPv4 frame from `src` to `dst` with `rest` after the IP header's
    /// first 20 bytes (with 802.1Q tags when `vlan`).
    fn ipv4(src: [u8; 4], dst: [u8; 4], vlan: bool, rest: &[u8]) -> Frame {
        let mut d = vec![0u8; 12];
        if vlan {
            d.extend_from_slice(&[0x81, 0x00, 0x00, 0x05]);
        }
        d.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0]);
        d.extend_from_slice(&src);
        d.extend_from_slice(&dst);
        d.extend_from_slice(rest);
        let n = d.len() as u32;
        frame(LinkType::ETHERNET, d, n)
    }

    #[test]
    fn shards_are_symmetric_and_ignore_ports_and_tags() {
        let (a, b) = ([10, 0, 0, 1], [192, 0, 2, 7]);
        let tcp = [0x9c, 0x41, 0x00, 0x50];
        let other_ports = [0x01, 0xbb, 0xd4, 0x31];
        let mut seen = std::collections::HashSet::new();
        for shards in [2, 3, 16] {
            let s = shard_of(&ipv4(a, b, false, &tcp), shards);
            assert!(s < shards);
            assert_eq!(s, shard_of(&ipv4(b, a, false, &tcp), shards));
            // A later fragment carries no ports; a tag does not move a flow.
            assert_eq!(s, shard_of(&ipv4(a, b, false, &other_ports), shards));
            assert_eq!(s, shard_of(&ipv4(b, a, true, &[]), shards));
            // Truncated before the addresses, or no IP at all: shard 0.
            assert_eq!(
                shard_of(&frame(LinkType::ETHERNET, vec![0; 20], 20), shards),
                0
            );
            assert_eq!(shard_of(&ipv4(a, b, false, &tcp), 1), 0);
            for host in 0..64u8 {
                seen.insert(shard_of(&ipv4(a, [10, 0, 1, host], false, &tcp), 16));
            }
        }
        // The hash spreads hosts over the shards.
        assert!(seen.len() >= 12, "{seen:?}");
    }

    #[test]
    fn ipv6_shards_are_symmetric_and_spread_hosts_by_any_address_bits() {
        let v6 = |src: [u8; 16], dst: [u8; 16]| {
            let mut d = vec![0u8; 12];
            d.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0, 0, 4, 6, 64]);
            d.extend_from_slice(&src);
            d.extend_from_slice(&dst);
            d.extend_from_slice(&[0x9c, 0x41, 0x00, 0x50]);
            let n = d.len() as u32;
            frame(LinkType::ETHERNET, d, n)
        };
        let server = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let (mut low, mut high) = (
            std::collections::HashSet::new(),
            std::collections::HashSet::new(),
        );
        for host in 0..64u8 {
            // Hosts of one /64 (the interface identifier's last byte) and hosts of
            // different /64s (a prefix byte).
            let mut a = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            a[15] = host;
            let mut b = a;
            b[15] = 1;
            b[7] = host;
            for c in [a, b] {
                let s = shard_of(&v6(c, server), 16);
                assert_eq!(s, shard_of(&v6(server, c), 16));
            }
            low.insert(shard_of(&v6(a, server), 16));
            high.insert(shard_of(&v6(b, server), 16));
        }
        assert!(low.len() >= 12 && high.len() >= 12, "{low:?} {high:?}");
    }
}

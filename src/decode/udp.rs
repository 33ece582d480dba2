//! UDP header, RFC 768. A datagram on a tunnel's port whose header passes the
//! tunnel's sanity check is handed to [`super::tunnel`] instead of the flow stage.

use super::checksum::{self, Verdict};
use super::ip::IpContext;
use super::{to_u32, Endpoints, Layer, Payload, TransportHeader, Walk};
use crate::note::{NoteGroup, Severity};
use etherparse::UdpHeaderSlice;
use std::net::IpAddr;
use std::ops::Range;

crate::fields! {
    proto = "UDP";
    // UDP, RFC 768.
    UDP_SRCPORT = "udp.srcport", Header, Metadata, Some(Port), "source port";
    UDP_DSTPORT = "udp.dstport", Header, Metadata, Some(Port), "destination port";
    UDP_LENGTH = "udp.length", Header, Metadata, None, "length of header and data";
    UDP_CHECKSUM = "udp.checksum", Header, Metadata, None, "checksum";
}

mod hdr {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const LEN: usize = CHECKSUM.end;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpLayer {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub addr_prefix: bool,
    /// `None` when fewer than 4 header bytes were captured.
    pub ports: Option<(u16, u16)>,
    /// The length field; `None` when not captured.
    pub ulen: Option<u16>,
    /// Datagram length per the IP header.
    pub length: u32,
    /// Part of a fragmented IP datagram.
    pub fragmented: bool,
    /// The captured bytes after the header, within the IP datagram (frame offsets):
    /// what tcpdump's application printers read. Empty when the header was cut.
    pub data: Range<u32>,
    /// Frame offset of the header.
    pub at: u32,
    /// The checksum field; `None` when not captured.
    pub checksum: Option<u16>,
}

impl UdpLayer {
    /// The checksum's verdict over the datagram as tcpdump bounds it (the UDP length,
    /// or less when IP carries less), when all of it was captured.
    pub fn checksum(&self, frame: &[u8]) -> Option<Verdict> {
        let field = self.checksum?;
        let ulen = u32::from(self.ulen?);
        let data = ulen.checked_sub(8)?.min(self.length.checked_sub(8)?);
        let at = self.at as usize;
        let end = at.checked_add(8 + data as usize)?;
        let datagram = frame.get(at..end)?;
        let computed = checksum::over_pseudo_header(self.src, self.dst, 17, datagram);
        Some(Verdict::of(field, computed))
    }
}

pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, length: u32, ip: &IpContext) {
    let end = ip.datagram_end.min(walk.data.len()).max(at);
    let avail = walk.data.get(at..end).unwrap_or(&[]);
    let mut layer = UdpLayer {
        src: ip.src,
        dst: ip.dst,
        addr_prefix: ip.addr_prefix,
        ports: None,
        ulen: None,
        length,
        fragmented: ip.fragmented,
        data: 0..0,
        at: to_u32(at),
        checksum: None,
    };
    let header = match UdpHeaderSlice::from_slice(avail) {
        Ok(h) => h,
        Err(_) => {
            if avail.len() >= hdr::DST_PORT.end {
                let p = |i: usize| {
                    u16::from_be_bytes([
                        avail.get(i).copied().unwrap_or(0),
                        avail.get(i + 1).copied().unwrap_or(0),
                    ])
                };
                layer.ports = Some((p(0), p(2)));
                walk.span(at, hdr::SRC_PORT, UDP_SRCPORT);
                walk.span(at, hdr::DST_PORT, UDP_DSTPORT);
                if avail.len() >= hdr::LENGTH.end {
                    layer.ulen = Some(p(4));
                    walk.span(at, hdr::LENGTH, UDP_LENGTH);
                }
            }
            walk.layer(Layer::Udp(layer));
            walk.truncated("udp", at, hdr::LEN);
            return;
        }
    };
    let (sport, dport) = (header.source_port(), header.destination_port());
    let ulen = header.length();
    layer.ports = Some((sport, dport));
    layer.ulen = Some(ulen);
    layer.data = to_u32((at + hdr::LEN).min(end))..to_u32(end);
    layer.checksum = Some(header.checksum());
    walk.span(at, hdr::SRC_PORT, UDP_SRCPORT);
    walk.span(at, hdr::DST_PORT, UDP_DSTPORT);
    walk.span(at, hdr::LENGTH, UDP_LENGTH);
    walk.span(at, hdr::CHECKSUM, UDP_CHECKSUM);
    walk.layer(Layer::Udp(layer));
    if length < to_u32(hdr::LEN) {
        walk.note(
            Severity::Error,
            NoteGroup::Malformed,
            format!("IP carries only {length} bytes for an 8-byte UDP header"),
            at..end,
        );
        return;
    }
    let effective = if ulen == 0 && length > 65535 {
        length
    } else {
        u32::from(ulen)
    };
    if effective < to_u32(hdr::LEN) {
        walk.note(
            Severity::Error,
            NoteGroup::Malformed,
            format!("UDP length field {ulen} is shorter than the header"),
            at..end,
        );
        return;
    }
    let data_len = (effective - 8).min(length - 8);
    if effective - 8 > length - 8 && !ip.fragmented {
        walk.note(
            Severity::Warn,
            NoteGroup::Malformed,
            format!("UDP length {ulen} exceeds the {length} bytes IP carries"),
            at..end,
        );
    }
    let start = at + hdr::LEN;
    if super::tunnel::over_udp(walk, sport, dport, start, data_len) {
        return;
    }
    let data_end = (start + data_len as usize).min(end);
    walk.out.payload = Some(Payload {
        endpoints: Endpoints {
            src: ip.src,
            dst: ip.dst,
            sport,
            dport,
        },
        transport: TransportHeader::Udp,
        range: to_u32(start)..to_u32(data_end.max(start)),
        wire_len: data_len.min(super::wire_after(walk, start)),
        encap: walk.path,
    });
}

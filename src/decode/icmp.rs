//! ICMP (RFC 792), ICMPv6 (RFC 4443) and ARP (RFC 826): decoded by type, their bodies
//! left to the payload heuristic.

use super::checksum::{self, Verdict};
use super::ip::IpContext;
use super::{to_u32, Layer, Walk};
use crate::span::Visibility;
use std::net::{IpAddr, Ipv4Addr};
use std::ops::Range;

crate::fields! {
    proto = "ICMP";
    // ICMP (RFC 792) and ICMPv6 (RFC 4443).
    ICMP_TYPE = "icmp.type", Header, Metadata, None, "message type";
    ICMP_CODE = "icmp.code", Header, Metadata, None, "message code";
    ICMP_CHECKSUM = "icmp.checksum", Header, Metadata, None, "checksum";
    ICMP_REST = "icmp.rest", Header, Metadata, None, "rest of header (identifier, sequence, pointer…)";
    // ARP, RFC 826.
    ARP_HEADER = "arp.hdr", Header, Metadata, None, "hardware and protocol types, sizes, opcode";
    ARP_SENDER_HW = "arp.src.hw_mac", Header, Metadata, Some(Address), "sender hardware address";
    ARP_SENDER_PROTO = "arp.src.proto_ipv4", Header, Metadata, Some(Address), "sender protocol address";
    ARP_TARGET_HW = "arp.dst.hw_mac", Header, Metadata, Some(Address), "target hardware address";
    ARP_TARGET_PROTO = "arp.dst.proto_ipv4", Header, Metadata, Some(Address), "target protocol address";
}

/// The 8-byte ICMP/ICMPv6 header.
mod hdr {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const REST: Range<usize> = 4..8;
    pub const LEN: usize = REST.end;
}

/// ARP for Ethernet and IPv4 (RFC 826).
mod arp {
    use std::ops::Range;
    pub const FIXED: Range<usize> = 0..8;
    pub const SENDER_HW: Range<usize> = 8..14;
    pub const SENDER_PROTO: Range<usize> = 14..18;
    pub const TARGET_HW: Range<usize> = 18..24;
    pub const TARGET_PROTO: Range<usize> = 24..28;
    pub const LEN: usize = TARGET_PROTO.end;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcmpLayer {
    pub v6: bool,
    /// `None` when the type byte was not captured.
    pub kind: Option<u8>,
    pub code: u8,
    /// Identifier and sequence for echo messages.
    pub echo: Option<(u16, u16)>,
    /// Message length per the IP header.
    pub length: u32,
    /// The captured message from its type byte, within the IP datagram (frame
    /// offsets): what tcpdump's ICMP printers read.
    pub data: Range<u32>,
    /// Frame offset of the message.
    pub at: u32,
    /// The checksum field (0 when not captured).
    pub checksum: u16,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Part of a fragmented IP datagram (tcpdump then checks no checksum).
    pub fragmented: bool,
}

impl IcmpLayer {
    /// The checksum's verdict over the message (with ICMPv6's pseudo-header), when all
    /// of it was captured.
    pub fn checksum(&self, frame: &[u8]) -> Option<Verdict> {
        let at = self.at as usize;
        let msg = frame.get(at..at.checked_add(self.length as usize)?)?;
        let computed = if self.v6 {
            checksum::over_pseudo_header(self.src, self.dst, 58, msg)
        } else {
            checksum::internet_checksum(&[msg])
        };
        Some(Verdict::of(self.checksum, computed))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArpLayer {
    pub op: u16,
    /// Sender and target protocol addresses, for Ethernet/IPv4 ARP.
    pub sender: Option<Ipv4Addr>,
    pub target: Option<Ipv4Addr>,
    pub sender_hw: Option<[u8; 6]>,
    pub target_hw: Option<[u8; 6]>,
    /// Bytes from the ARP header to the end of the frame on the wire.
    pub length: u32,
}

pub(crate) fn icmpv4(walk: &mut Walk<'_>, at: usize, length: u32, ip: &IpContext) {
    icmp(walk, at, length, false, ip)
}

pub(crate) fn icmpv6(walk: &mut Walk<'_>, at: usize, length: u32, ip: &IpContext) {
    icmp(walk, at, length, true, ip)
}

fn icmp(walk: &mut Walk<'_>, at: usize, length: u32, v6: bool, ip: &IpContext) {
    let end = (at + length as usize).min(walk.data.len());
    let msg = walk.data.get(at..end.max(at)).unwrap_or(&[]);
    let kind = msg.first().copied();
    let code = msg.get(1).copied().unwrap_or(0);
    let is_echo = matches!((v6, kind), (false, Some(0 | 8)) | (true, Some(128 | 129)));
    let echo = (is_echo && msg.len() >= hdr::LEN).then(|| {
        let b = |i: usize| msg.get(i).copied().unwrap_or(0);
        (
            u16::from_be_bytes([b(4), b(5)]),
            u16::from_be_bytes([b(6), b(7)]),
        )
    });
    for (range, field) in [
        (hdr::TYPE, ICMP_TYPE),
        (hdr::CODE, ICMP_CODE),
        (hdr::CHECKSUM, ICMP_CHECKSUM),
        (hdr::REST, ICMP_REST),
    ] {
        walk.span(at, range, field);
    }
    walk.layer(Layer::Icmp(IcmpLayer {
        v6,
        kind,
        code,
        echo,
        length,
        data: to_u32(at.min(end.max(at)))..to_u32(end.max(at)),
        at: to_u32(at),
        checksum: u16::from_be_bytes([
            msg.get(2).copied().unwrap_or(0),
            msg.get(3).copied().unwrap_or(0),
        ]),
        src: ip.src,
        dst: ip.dst,
        fragmented: ip.fragmented,
    }));
    if msg.len() < hdr::LEN {
        walk.truncated(if v6 { "icmp6" } else { "icmp" }, at, hdr::LEN);
        return;
    }
    // The body: echo data, or the quoted header of the datagram that caused an error.
    // Readable to anyone on the path; which is text is decided by the payload heuristic.
    let body = at + hdr::LEN..end;
    let text = crate::proto::unknown::looks_like_text(walk.data.get(body.clone()).unwrap_or(&[]));
    let vis = if text {
        Visibility::Cleartext
    } else {
        Visibility::Undecoded
    };
    let field = if text {
        crate::fields::TEXT
    } else {
        crate::fields::PAYLOAD
    };
    walk.span_vis(body.start, 0..body.len(), field, vis);
}

pub(crate) fn arp(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let msg = walk.data.get(at..).unwrap_or(&[]);
    let b = |i: usize| msg.get(i).copied().unwrap_or(0);
    if msg.len() < arp::FIXED.end {
        walk.layer(Layer::Arp(ArpLayer {
            op: 0,
            sender: None,
            target: None,
            sender_hw: None,
            target_hw: None,
            length: wire,
        }));
        walk.truncated("arp", at, arp::LEN);
        return;
    }
    let op = u16::from_be_bytes([b(6), b(7)]);
    let ethernet_ipv4 =
        b(0) == 0 && b(1) == 1 && b(2) == 0x08 && b(3) == 0 && b(4) == 6 && b(5) == 4;
    walk.span(at, arp::FIXED, ARP_HEADER);
    let complete = ethernet_ipv4 && msg.len() >= arp::LEN;
    let ip = |r: std::ops::Range<usize>| -> Option<Ipv4Addr> {
        let s = msg.get(r)?;
        Some(Ipv4Addr::new(
            *s.first()?,
            *s.get(1)?,
            *s.get(2)?,
            *s.get(3)?,
        ))
    };
    let mac = |r: std::ops::Range<usize>| -> Option<[u8; 6]> { msg.get(r)?.try_into().ok() };
    let layer = ArpLayer {
        op,
        sender: complete.then(|| ip(arp::SENDER_PROTO)).flatten(),
        target: complete.then(|| ip(arp::TARGET_PROTO)).flatten(),
        sender_hw: complete.then(|| mac(arp::SENDER_HW)).flatten(),
        target_hw: complete.then(|| mac(arp::TARGET_HW)).flatten(),
        length: wire,
    };
    if ethernet_ipv4 {
        for (range, field) in [
            (arp::SENDER_HW, ARP_SENDER_HW),
            (arp::SENDER_PROTO, ARP_SENDER_PROTO),
            (arp::TARGET_HW, ARP_TARGET_HW),
            (arp::TARGET_PROTO, ARP_TARGET_PROTO),
        ] {
            walk.span(at, range, field);
        }
        let cap = walk.data.len();
        if at + arp::LEN < cap {
            walk.span(
                at + arp::LEN,
                0..cap - at - arp::LEN,
                crate::fields::TRAILER,
            );
        }
    }
    walk.layer(Layer::Arp(layer));
    if ethernet_ipv4 && msg.len() < arp::LEN {
        walk.truncated("arp", at, arp::LEN);
    }
}

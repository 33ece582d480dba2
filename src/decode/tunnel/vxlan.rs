//! VXLAN (RFC 7348, UDP 4789) and its Generic Protocol Extension (VXLAN-GPE,
//! draft-ietf-nvo3-vxlan-gpe, UDP 4790).
//!
//! VXLAN is recognised only with its I flag set (RFC 7348 section 5: "MUST be set to
//! 1 for a valid VXLAN Network ID"), the reserved flag bits clear and room for an
//! Ethernet header after it; VXLAN-GPE
//! with version 0, the I and P flags and a next protocol eavesdrop decodes.

use super::{after, captured, enter, Inner, Tunnel, TunnelLayer};
use crate::codec::be24;
use crate::decode::{Layer, Walk};

crate::fields! {
    proto = "VXLAN";
    // VXLAN, RFC 7348 section 5; VXLAN-GPE, draft-ietf-nvo3-vxlan-gpe section 3.
    VXLAN_FLAGS = "vxlan.flags", Header, Metadata, None, "flags: I (valid VNI), and GBP's or GPE's own bits (RFC 7348 section 5)";
    VXLAN_RESERVED = "vxlan.reserved_16", Header, Metadata, None, "reserved (GBP: group policy ID) (RFC 7348 section 5)";
    VXLAN_NEXT_PROTO = "vxlan.next_proto", Header, Metadata, None, "VXLAN-GPE next protocol: 1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS";
    VXLAN_VNI = "vxlan.vni", Header, Metadata, None, "VXLAN network identifier: the overlay segment (RFC 7348 section 5)";
    VXLAN_RESERVED_8 = "vxlan.reserved_8", Header, Metadata, None, "reserved (RFC 7348 section 5)";
}

mod hdr {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..2;
    pub const RESERVED: Range<usize> = 2..4;
    pub const GPE_RESERVED: Range<usize> = 2..3;
    pub const NEXT_PROTO: Range<usize> = 3..4;
    pub const VNI: Range<usize> = 4..7;
    pub const RESERVED_8: Range<usize> = 7..8;
    pub const LEN: usize = RESERVED_8.end;
    pub const I: u8 = 0x08;
    pub const GBP_G: u8 = 0x80;
    pub const GPE_P: u8 = 0x04;
    pub const GPE_VERSION: u8 = 0x30;
    /// An Ethernet header: the least a VXLAN frame carries.
    pub const ETHERNET: usize = 14;
}

/// What a VXLAN header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VxlanLayer {
    pub flags: u8,
    /// `None` when the header was cut off by the capture before it.
    pub vni: Option<u32>,
}

/// What a VXLAN-GPE header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VxlanGpeLayer {
    pub flags: u8,
    pub next_proto: u8,
    pub vni: u32,
}

/// Whether a UDP payload on port 4789 (`wire` bytes, `b` captured) is VXLAN: the I
/// flag, the other flag bits clear (but GBP's G bit, RFC 7348 section 5 and
/// draft-smith-vxlan-group-policy), and room for an Ethernet header after the header.
pub(crate) fn is_vxlan(b: &[u8], wire: u32) -> bool {
    wire as usize >= hdr::LEN + hdr::ETHERNET
        && b.first()
            .is_some_and(|f| f & hdr::I != 0 && f & !(hdr::I | hdr::GBP_G) == 0)
}

/// Whether a UDP payload on port 4790 (`wire` bytes) is VXLAN-GPE.
pub(crate) fn is_gpe(b: &[u8], wire: u32) -> bool {
    let (Some(&flags), Some(&next)) = (b.first(), b.get(hdr::NEXT_PROTO.start)) else {
        return false;
    };
    wire as usize > hdr::LEN
        && flags & hdr::GPE_VERSION == 0
        && flags & (hdr::I | hdr::GPE_P) == hdr::I | hdr::GPE_P
        && gpe_inner(next).is_some()
}

fn gpe_inner(next: u8) -> Option<Inner> {
    match next {
        1 => Some(Inner::Ipv4),
        2 => Some(Inner::Ipv6),
        3 => Some(Inner::Ethernet),
        5 => Some(Inner::Mpls),
        _ => None,
    }
}

/// VXLAN at `at` (checked by [`is_vxlan`]); `wire` is the UDP payload length.
pub(crate) fn vxlan(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let flags = walk.data.get(at).copied().unwrap_or(0);
    if !captured(walk, "vxlan", at, hdr::LEN) {
        walk.layer(Layer::Tunnel(TunnelLayer::Vxlan(VxlanLayer {
            flags,
            vni: None,
        })));
        return;
    }
    let vni = be24(walk.data, at + hdr::VNI.start);
    for (range, field) in [
        (hdr::FLAGS, VXLAN_FLAGS),
        (hdr::RESERVED, VXLAN_RESERVED),
        (hdr::VNI, VXLAN_VNI),
        (hdr::RESERVED_8, VXLAN_RESERVED_8),
    ] {
        walk.span(at, range, field);
    }
    walk.layer(Layer::Tunnel(TunnelLayer::Vxlan(VxlanLayer { flags, vni })));
    enter(
        walk,
        Tunnel::Vxlan,
        at + hdr::LEN,
        after(wire, hdr::LEN),
        Inner::Ethernet,
    );
}

/// VXLAN-GPE at `at` (checked by [`is_gpe`]).
pub(crate) fn gpe(walk: &mut Walk<'_>, at: usize, wire: u32) {
    if !captured(walk, "vxlan-gpe", at, hdr::LEN) {
        return;
    }
    let flags = walk.data.get(at).copied().unwrap_or(0);
    let next_proto = walk
        .data
        .get(at + hdr::NEXT_PROTO.start)
        .copied()
        .unwrap_or(0);
    let vni = be24(walk.data, at + hdr::VNI.start).unwrap_or(0);
    for (range, field) in [
        (hdr::FLAGS, VXLAN_FLAGS),
        (hdr::GPE_RESERVED, VXLAN_RESERVED),
        (hdr::NEXT_PROTO, VXLAN_NEXT_PROTO),
        (hdr::VNI, VXLAN_VNI),
        (hdr::RESERVED_8, VXLAN_RESERVED_8),
    ] {
        walk.span(at, range, field);
    }
    walk.layer(Layer::Tunnel(TunnelLayer::VxlanGpe(VxlanGpeLayer {
        flags,
        next_proto,
        vni,
    })));
    if let Some(inner) = gpe_inner(next_proto) {
        enter(
            walk,
            Tunnel::VxlanGpe,
            at + hdr::LEN,
            after(wire, hdr::LEN),
            inner,
        );
    }
}

//! GRE, IP protocol 47: RFC 2784 (checksum), RFC 2890 (key and sequence number) and
//! PPTP's enhanced GRE, version 1 (RFC 2637 section 4.1: payload length and call ID in
//! the key, an optional acknowledgment number).
//!
//! The payload is what the protocol type names: IPv4 (0x0800), IPv6 (0x86DD),
//! transparent Ethernet bridging (0x6558), PPP (0x880B), MPLS (0x8847, 0x8848), ERSPAN
//! (0x88BE types I and II, 0x22EB type III: [`super::erspan`]). RFC 1701 source routes
//! (the R bit) are not followed.

use super::{after, captured, enter, erspan, Inner, Tunnel, TunnelLayer};
use crate::codec::{be16, be32};
use crate::decode::{Layer, Walk};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "GRE";
    // GRE, RFC 2784 section 2 and RFC 2890 section 2.
    GRE_FLAGS = "gre.flags_and_version", Header, Metadata, None, "flags (checksum, routing, key, sequence present), recursion and version (RFC 2784 section 2.1, RFC 2890 section 2)";
    GRE_PROTO = "gre.proto", Header, Metadata, None, "protocol type: the EtherType of the payload (RFC 2784 section 2.4)";
    GRE_CHECKSUM = "gre.checksum", Header, Metadata, None, "checksum of header and payload (RFC 2784 section 2.5)";
    GRE_OFFSET = "gre.offset", Header, Metadata, None, "reserved1, or the RFC 1701 routing offset (RFC 2784 section 2.6)";
    GRE_KEY = "gre.key", Header, Metadata, None, "key: the flow or tenant within the tunnel (RFC 2890 section 2.1)";
    GRE_SEQ = "gre.sequence_number", Header, Metadata, None, "sequence number (RFC 2890 section 2.2)";
    // PPTP's enhanced GRE, RFC 2637 section 4.1.
    GRE_PAYLOAD_LEN = "gre.key.payload_length", Header, Metadata, None, "PPTP payload length (RFC 2637 section 4.1)";
    GRE_CALL_ID = "gre.key.call_id", Header, Metadata, None, "PPTP call ID (RFC 2637 section 4.1)";
    GRE_ACK = "gre.ack_number", Header, Metadata, None, "PPTP acknowledgment number (RFC 2637 section 4.1)";
}

/// The fixed header and the flag bits, RFC 2784 section 2 and RFC 2890 section 2.
mod hdr {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..2;
    pub const PROTO: Range<usize> = 2..4;
    pub const FIXED: usize = PROTO.end;
    pub const C: u16 = 0x8000;
    pub const R: u16 = 0x4000;
    pub const K: u16 = 0x2000;
    pub const S: u16 = 0x1000;
    /// PPTP: acknowledgment number present.
    pub const A: u16 = 0x0080;
    pub const VERSION: u16 = 0x0007;
}

pub const PROTO_IPV4: u16 = 0x0800;
pub const PROTO_IPV6: u16 = 0x86dd;
pub const PROTO_TEB: u16 = 0x6558;
pub const PROTO_PPP: u16 = 0x880b;
pub const PROTO_MPLS: u16 = 0x8847;
pub const PROTO_MPLS_MULTICAST: u16 = 0x8848;
pub const PROTO_ERSPAN_I_II: u16 = 0x88be;
pub const PROTO_ERSPAN_III: u16 = 0x22eb;

/// What a GRE header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GreLayer {
    pub version: u8,
    /// The first 16 bits: flags, recursion, version.
    pub flags: u16,
    pub proto: u16,
    /// Reserved1 (or RFC 1701's offset), present with the C or R bit.
    pub offset: Option<u16>,
    pub key: Option<u32>,
    pub seq: Option<u32>,
    /// PPTP's acknowledgment number.
    pub ack: Option<u32>,
    /// Bytes from the GRE header to the end of the IP payload.
    pub length: u32,
    /// The payload is decoded (its layers follow); otherwise tcpdump's `gre-proto-0x…`.
    pub decoded: bool,
    /// The header was cut off by the capture or malformed: only `GREvN` is printed.
    pub cut: bool,
}

impl GreLayer {
    pub fn has(&self, bit: u16) -> bool {
        self.flags & bit != 0
    }
}

/// GRE at `at`; `wire` is the IP payload length.
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let Some(flags) = be16(walk.data, at) else {
        walk.truncated("gre", at, hdr::FIXED);
        return;
    };
    let mut layer = GreLayer {
        version: (flags & hdr::VERSION) as u8,
        flags,
        proto: 0,
        offset: None,
        key: None,
        seq: None,
        ack: None,
        length: wire,
        decoded: false,
        cut: true,
    };
    walk.span(at, hdr::FLAGS, GRE_FLAGS);
    let Some(proto) = be16(walk.data, at + hdr::PROTO.start) else {
        walk.layer(Layer::Tunnel(TunnelLayer::Gre(layer)));
        walk.truncated("gre", at, hdr::FIXED);
        return;
    };
    layer.proto = proto;
    walk.span(at, hdr::PROTO, GRE_PROTO);
    if layer.version > 1 {
        walk.layer(Layer::Tunnel(TunnelLayer::Gre(layer)));
        let cap = walk.data.len();
        walk.note(
            Severity::Warn,
            NoteGroup::Malformed,
            format!("GRE version {} is not defined", flags & hdr::VERSION),
            at..cap,
        );
        return;
    }
    let v1 = layer.version == 1;
    // The optional fields, in wire order: checksum and offset, key, sequence, ack.
    let mut fields: Vec<(usize, crate::fields::FieldId)> = Vec::with_capacity(5);
    if !v1 && flags & (hdr::C | hdr::R) != 0 {
        fields.push((2, GRE_CHECKSUM));
        fields.push((2, GRE_OFFSET));
    }
    if flags & hdr::K != 0 {
        if v1 {
            fields.push((2, GRE_PAYLOAD_LEN));
            fields.push((2, GRE_CALL_ID));
        } else {
            fields.push((4, GRE_KEY));
        }
    }
    if flags & hdr::S != 0 {
        fields.push((4, GRE_SEQ));
    }
    if v1 && flags & hdr::A != 0 {
        fields.push((4, GRE_ACK));
    }
    let hlen = hdr::FIXED + fields.iter().map(|(n, _)| n).sum::<usize>();
    let declared = usize::try_from(wire).unwrap_or(usize::MAX);
    if declared < hlen {
        walk.layer(Layer::Tunnel(TunnelLayer::Gre(layer)));
        let cap = walk.data.len();
        walk.note(
            Severity::Warn,
            NoteGroup::Malformed,
            format!(
                "GRE flags {flags:#06x} call for a {hlen}-byte header; IP carries {wire} bytes"
            ),
            at..cap,
        );
        return;
    }
    if !captured(walk, "gre", at, hlen) {
        walk.layer(Layer::Tunnel(TunnelLayer::Gre(layer)));
        return;
    }
    let mut pos = at + hdr::FIXED;
    for (n, field) in fields {
        walk.span(pos, 0..n, field);
        let value = if n == 2 {
            be16(walk.data, pos).map(u32::from)
        } else {
            be32(walk.data, pos)
        };
        match field {
            f if f == GRE_OFFSET => layer.offset = value.map(|v| v as u16),
            f if f == GRE_KEY || f == GRE_CALL_ID => layer.key = value,
            f if f == GRE_SEQ => layer.seq = value,
            f if f == GRE_ACK => layer.ack = value,
            _ => {}
        }
        pos += n;
    }
    layer.cut = false;
    if !v1 && flags & hdr::R != 0 {
        walk.layer(Layer::Tunnel(TunnelLayer::Gre(layer)));
        let cap = walk.data.len();
        walk.note(
            Severity::Note,
            NoteGroup::Undecoded,
            "GRE source routes (RFC 1701) are not decoded".into(),
            pos..cap,
        );
        return;
    }
    let inner = after(wire, hlen);
    let seq = flags & hdr::S != 0;
    let payload = if v1 {
        // PPTP: a packet without a sequence number carries only an acknowledgment.
        (seq && proto == PROTO_PPP).then_some((Tunnel::Pptp, Inner::Ppp))
    } else {
        match proto {
            PROTO_IPV4 => Some((Tunnel::Gre, Inner::Ipv4)),
            PROTO_IPV6 => Some((Tunnel::Gre, Inner::Ipv6)),
            PROTO_TEB => Some((Tunnel::Gre, Inner::Ethernet)),
            PROTO_PPP => Some((Tunnel::Gre, Inner::Ppp)),
            PROTO_MPLS | PROTO_MPLS_MULTICAST => Some((Tunnel::Gre, Inner::Mpls)),
            _ => None,
        }
    };
    let erspan = !v1 && matches!(proto, PROTO_ERSPAN_I_II | PROTO_ERSPAN_III);
    layer.decoded = payload.is_some() || erspan;
    walk.layer(Layer::Tunnel(TunnelLayer::Gre(layer)));
    match payload {
        Some((tunnel, kind)) => enter(walk, tunnel, pos, inner, kind),
        None if proto == PROTO_ERSPAN_I_II && !v1 => erspan::type_i_ii(walk, pos, inner, seq),
        None if proto == PROTO_ERSPAN_III && !v1 => erspan::type_iii(walk, pos, inner),
        None if v1 && !seq => {}
        None => {
            let end = pos.saturating_add(inner as usize).min(walk.data.len());
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("GRE protocol type {proto:#06x} is not decoded"),
                pos..end,
            );
        }
    }
}

//! Geneve, RFC 8926 (UDP 6081): an 8-byte header, variable-length options, then the
//! payload its protocol type names (transparent Ethernet bridging 0x6558, IPv4, IPv6,
//! MPLS).
//!
//! Recognised with version 0, options that fit in the datagram, and a protocol type
//! eavesdrop decodes. An option whose length runs past the options area is noted and
//! the rest of the area labelled as options: the header's own length still says where
//! the payload starts (RFC 8926 section 3.4).

use super::{after, captured, enter, Inner, Tunnel, TunnelLayer};
use crate::codec::{be16, be24};
use crate::decode::{Layer, Walk};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "Geneve";
    // Geneve, RFC 8926 section 3.4 (header) and 3.5 (options).
    GENEVE_VERSION = "geneve.version", Header, Metadata, None, "version and options length in 4-byte words (RFC 8926 section 3.4)";
    GENEVE_FLAGS = "geneve.flags", Header, Metadata, None, "O (control packet) and C (critical options present) (RFC 8926 section 3.4)";
    GENEVE_PROTO = "geneve.proto_type", Header, Metadata, None, "protocol type of the payload, an EtherType (RFC 8926 section 3.4)";
    GENEVE_VNI = "geneve.vni", Header, Metadata, None, "virtual network identifier (RFC 8926 section 3.4)";
    GENEVE_RESERVED = "geneve.reserved", Header, Metadata, None, "reserved (RFC 8926 section 3.4)";
    GENEVE_OPT_CLASS = "geneve.option.class", Header, Metadata, None, "option class (RFC 8926 section 3.5)";
    GENEVE_OPT_TYPE = "geneve.option.type", Header, Metadata, None, "option type, its high bit critical (RFC 8926 section 3.5)";
    GENEVE_OPT_LENGTH = "geneve.option.length", Header, Metadata, None, "reserved bits and option data length in 4-byte words (RFC 8926 section 3.5)";
    GENEVE_OPT_DATA = "geneve.option.data", Header, Metadata, None, "option data (RFC 8926 section 3.5)";
    GENEVE_OPTIONS = "geneve.options", Header, Metadata, None, "options that could not be split into options (RFC 8926 section 3.5)";
}

mod hdr {
    use std::ops::Range;
    pub const VERSION: Range<usize> = 0..1;
    pub const FLAGS: Range<usize> = 1..2;
    pub const PROTO: Range<usize> = 2..4;
    pub const VNI: Range<usize> = 4..7;
    pub const RESERVED: Range<usize> = 7..8;
    pub const LEN: usize = RESERVED.end;
    pub const OPT_HEADER: usize = 4;
}

/// What a Geneve header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneveLayer {
    pub flags: u8,
    pub vni: u32,
    pub proto: u16,
    pub reserved: u8,
    /// Bytes of options.
    pub options_len: u32,
    /// The fixed header was cut off by the capture: only `Geneve` is printed.
    pub cut: bool,
}

fn inner_of(proto: u16) -> Option<Inner> {
    match proto {
        0x6558 => Some(Inner::Ethernet),
        0x0800 => Some(Inner::Ipv4),
        0x86dd => Some(Inner::Ipv6),
        0x8847 | 0x8848 => Some(Inner::Mpls),
        _ => None,
    }
}

fn options_len(b: &[u8]) -> Option<usize> {
    b.first().map(|v| usize::from(v & 0x3f) * 4)
}

/// Whether a UDP payload on port 6081 (`wire` bytes) is Geneve.
pub(crate) fn is_geneve(b: &[u8], wire: u32) -> bool {
    let (Some(&v), Some(proto), Some(opts)) =
        (b.first(), be16(b, hdr::PROTO.start), options_len(b))
    else {
        return false;
    };
    v >> 6 == 0 && hdr::LEN + opts <= wire as usize && inner_of(proto).is_some()
}

/// Geneve at `at` (checked by [`is_geneve`]); `wire` is the UDP payload length.
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, wire: u32) {
    if !captured(walk, "geneve", at, hdr::LEN) {
        walk.layer(Layer::Tunnel(TunnelLayer::Geneve(GeneveLayer {
            flags: 0,
            vni: 0,
            proto: 0,
            reserved: 0,
            options_len: 0,
            cut: true,
        })));
        return;
    }
    let opts = options_len(walk.data.get(at..).unwrap_or(&[])).unwrap_or(0);
    let layer = GeneveLayer {
        flags: walk.data.get(at + 1).copied().unwrap_or(0),
        vni: be24(walk.data, at + hdr::VNI.start).unwrap_or(0),
        proto: be16(walk.data, at + hdr::PROTO.start).unwrap_or(0),
        reserved: walk
            .data
            .get(at + hdr::RESERVED.start)
            .copied()
            .unwrap_or(0),
        options_len: opts as u32,
        cut: false,
    };
    for (range, field) in [
        (hdr::VERSION, GENEVE_VERSION),
        (hdr::FLAGS, GENEVE_FLAGS),
        (hdr::PROTO, GENEVE_PROTO),
        (hdr::VNI, GENEVE_VNI),
        (hdr::RESERVED, GENEVE_RESERVED),
    ] {
        walk.span(at, range, field);
    }
    let proto = layer.proto;
    walk.layer(Layer::Tunnel(TunnelLayer::Geneve(layer)));
    if !captured(walk, "geneve", at + hdr::LEN, opts) {
        return;
    }
    options(walk, at + hdr::LEN, opts);
    let hlen = hdr::LEN + opts;
    if let Some(inner) = inner_of(proto) {
        enter(walk, Tunnel::Geneve, at + hlen, after(wire, hlen), inner);
    }
}

/// The options area at `at`, `len` bytes (captured): one set of spans per option.
fn options(walk: &mut Walk<'_>, at: usize, len: usize) {
    let end = at + len;
    let mut pos = at;
    while pos < end {
        let left = end - pos;
        let rlen = walk.data.get(pos + 3).copied();
        let opt_len = rlen.map(|l| hdr::OPT_HEADER + usize::from(l & 0x1f) * 4);
        let Some(opt_len) = opt_len.filter(|&n| n <= left && left >= hdr::OPT_HEADER) else {
            walk.span(pos, 0..left, GENEVE_OPTIONS);
            walk.note(
                Severity::Warn,
                NoteGroup::Malformed,
                match opt_len {
                    Some(n) if left >= hdr::OPT_HEADER => format!(
                        "Geneve option of {n} bytes runs past the options area ({left} bytes left)"
                    ),
                    _ => format!("{left} bytes at the end of the Geneve options are no option"),
                },
                pos..end,
            );
            return;
        };
        walk.span(pos, 0..2, GENEVE_OPT_CLASS);
        walk.span(pos, 2..3, GENEVE_OPT_TYPE);
        walk.span(pos, 3..4, GENEVE_OPT_LENGTH);
        walk.span(pos, hdr::OPT_HEADER..opt_len, GENEVE_OPT_DATA);
        pos += opt_len;
    }
}

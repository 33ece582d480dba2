//! Cisco ERSPAN over GRE (draft-foschiano-erspan-03): mirrored frames sent to a
//! collector. Type I (GRE protocol 0x88BE without a sequence number) has no header of
//! its own; type II (0x88BE with one) an 8-byte header; type III (0x22EB) a 12-byte
//! header and an optional 8-byte platform-specific subheader. What follows is the
//! mirrored Ethernet frame (type III may carry a bare IP packet: frame type 2).

use super::{after, captured, enter, Inner, Tunnel, TunnelLayer};
use crate::codec::be16;
use crate::decode::{Layer, Walk};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "ERSPAN";
    // ERSPAN, draft-foschiano-erspan-03 sections 4.1 (type II) and 4.2 (type III).
    ERSPAN_VERSION = "erspan.version", Header, Metadata, None, "version and the mirrored frame's VLAN";
    ERSPAN_SPANID = "erspan.spanid", Header, Metadata, None, "class of service, encapsulation or bad/short/oversized, truncated bit and session ID";
    ERSPAN_INDEX = "erspan.index", Header, Metadata, None, "reserved and port index (type II)";
    ERSPAN_TIMESTAMP = "erspan.timestamp", Header, Metadata, None, "timestamp (type III)";
    ERSPAN_SGT = "erspan.sgt", Header, Metadata, None, "security group tag (type III)";
    ERSPAN_HW = "erspan.hw", Header, Metadata, None, "P bit, frame type, hardware ID, direction, timestamp granularity, O bit (type III)";
    ERSPAN_PLATFORM = "erspan.platform", Header, Metadata, None, "platform-specific subheader (type III, O bit)";
}

mod hdr {
    use std::ops::Range;
    pub const VERSION: Range<usize> = 0..2;
    pub const SPANID: Range<usize> = 2..4;
    pub const INDEX: Range<usize> = 4..8;
    pub const LEN_II: usize = INDEX.end;
    pub const TIMESTAMP: Range<usize> = 4..8;
    pub const SGT: Range<usize> = 8..10;
    pub const HW: Range<usize> = 10..12;
    pub const LEN_III: usize = HW.end;
    pub const PLATFORM: usize = 8;
}

/// What an ERSPAN header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErspanLayer {
    /// 1, 2 or 3.
    pub kind: u8,
    pub session: u16,
    pub vlan: u16,
    /// Type II: how the mirrored frame was encapsulated (0 none, 1 ISL, 2 802.1Q, 3 kept).
    pub encap: u8,
    /// Type III: bad/short/oversized.
    pub bso: u8,
    /// The version field does not match the type: tcpdump's `erspan-unknown-version-N`.
    pub wrong_version: Option<u8>,
}

/// GRE protocol 0x88BE: type I without a sequence number, type II with one.
pub(crate) fn type_i_ii(walk: &mut Walk<'_>, at: usize, wire: u32, seq: bool) {
    let mut layer = ErspanLayer {
        kind: 1,
        session: 0,
        vlan: 0,
        encap: 0,
        bso: 0,
        wrong_version: None,
    };
    if !seq {
        walk.layer(Layer::Tunnel(TunnelLayer::Erspan(layer)));
        enter(walk, Tunnel::Erspan(1), at, wire, Inner::Ethernet);
        return;
    }
    layer.kind = 2;
    if !captured(walk, "erspan", at, hdr::LEN_II) {
        return;
    }
    let (Some(a), Some(b)) = (be16(walk.data, at), be16(walk.data, at + 2)) else {
        return;
    };
    walk.span(at, hdr::VERSION, ERSPAN_VERSION);
    walk.span(at, hdr::SPANID, ERSPAN_SPANID);
    walk.span(at, hdr::INDEX, ERSPAN_INDEX);
    layer.vlan = a & 0x0fff;
    layer.session = b & 0x03ff;
    layer.encap = ((b >> 11) & 3) as u8;
    let version = (a >> 12) as u8;
    if version != 1 {
        layer.wrong_version = Some(version);
        wrong_version(walk, at, 2, version, layer);
        return;
    }
    walk.layer(Layer::Tunnel(TunnelLayer::Erspan(layer)));
    let inner = after(wire, hdr::LEN_II);
    enter(
        walk,
        Tunnel::Erspan(2),
        at + hdr::LEN_II,
        inner,
        Inner::Ethernet,
    );
}

/// GRE protocol 0x22EB: type III.
pub(crate) fn type_iii(walk: &mut Walk<'_>, at: usize, wire: u32) {
    if !captured(walk, "erspan", at, hdr::LEN_III) {
        return;
    }
    let (Some(a), Some(b), Some(hw)) = (
        be16(walk.data, at),
        be16(walk.data, at + 2),
        be16(walk.data, at + hdr::HW.start),
    ) else {
        return;
    };
    for (range, field) in [
        (hdr::VERSION, ERSPAN_VERSION),
        (hdr::SPANID, ERSPAN_SPANID),
        (hdr::TIMESTAMP, ERSPAN_TIMESTAMP),
        (hdr::SGT, ERSPAN_SGT),
        (hdr::HW, ERSPAN_HW),
    ] {
        walk.span(at, range, field);
    }
    let version = (a >> 12) as u8;
    let layer = ErspanLayer {
        kind: 3,
        session: b & 0x03ff,
        vlan: a & 0x0fff,
        encap: 0,
        bso: ((b >> 11) & 3) as u8,
        wrong_version: (version != 2).then_some(version),
    };
    if version != 2 {
        wrong_version(walk, at, 3, version, layer);
        return;
    }
    let mut hlen = hdr::LEN_III;
    if hw & 1 != 0 {
        if !captured(walk, "erspan", at + hlen, hdr::PLATFORM) {
            walk.layer(Layer::Tunnel(TunnelLayer::Erspan(layer)));
            return;
        }
        walk.span(at + hlen, 0..hdr::PLATFORM, ERSPAN_PLATFORM);
        hlen += hdr::PLATFORM;
    }
    walk.layer(Layer::Tunnel(TunnelLayer::Erspan(layer)));
    // Frame type: 0 Ethernet, 2 an IP packet without its Ethernet header.
    let frame_type = (hw >> 10) & 0x1f;
    let kind = if frame_type == 2 {
        Inner::Ip
    } else {
        Inner::Ethernet
    };
    enter(walk, Tunnel::Erspan(3), at + hlen, after(wire, hlen), kind);
}

fn wrong_version(walk: &mut Walk<'_>, at: usize, kind: u8, version: u8, layer: ErspanLayer) {
    walk.layer(Layer::Tunnel(TunnelLayer::Erspan(layer)));
    let cap = walk.data.len();
    walk.note(
        Severity::Warn,
        NoteGroup::Malformed,
        format!(
            "ERSPAN type {kind} header with version {version}: the mirrored frame is not decoded"
        ),
        at..cap,
    );
}

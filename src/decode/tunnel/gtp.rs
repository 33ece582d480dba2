//! GTP-U, 3GPP TS 29.281 (UDP 2152): the user plane of mobile networks. An 8-byte
//! header, then (with any of the E, S, PN flags) sequence number, N-PDU number and the
//! type of the first extension header; extension headers chain by their last byte. A
//! T-PDU (message 255) carries the subscriber's IP packet.
//!
//! Recognised with version 1, protocol type GTP (not GTP'), a GTP-U message type, and a
//! length that fits the datagram. An extension header of length 0 (which would chain
//! to itself for ever) or one that runs past the message stops the walk with a note;
//! the chain is bounded at 16 headers.

use super::{captured, enter, Inner, Tunnel, TunnelLayer};
use crate::codec::{be16, be32};
use crate::decode::{to_u32, Layer, Walk};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "GTP";
    // GTP-U, 3GPP TS 29.281 section 5.1 (header) and 5.2 (extension headers).
    GTP_FLAGS = "gtp.flags", Header, Metadata, None, "version, protocol type, E, S and PN flags (TS 29.281 section 5.1)";
    GTP_MESSAGE = "gtp.message", Header, Metadata, None, "message type: 255 T-PDU, 1/2 echo, 26 error indication, 254 end marker (TS 29.281 section 6.1)";
    GTP_LENGTH = "gtp.length", Header, Metadata, None, "length of what follows the first 8 bytes (TS 29.281 section 5.1)";
    GTP_TEID = "gtp.teid", Header, Metadata, None, "tunnel endpoint identifier: the subscriber's tunnel (TS 29.281 section 5.1)";
    GTP_SEQ = "gtp.seq_number", Header, Metadata, None, "sequence number (TS 29.281 section 5.1)";
    GTP_NPDU = "gtp.npdu_number", Header, Metadata, None, "N-PDU number (TS 29.281 section 5.1)";
    GTP_NEXT = "gtp.next", Header, Metadata, None, "type of the next extension header, 0 for none (TS 29.281 section 5.2.1)";
    GTP_EXT_LENGTH = "gtp.ext_hdr.length", Header, Metadata, None, "extension header length in 4-byte units (TS 29.281 section 5.2.1)";
    GTP_EXT = "gtp.ext_hdr", Header, Metadata, None, "extension header content: PDU session container, PDCP number… (TS 29.281 section 5.2.2)";
    GTP_IES = "gtp.ies", Header, Metadata, None, "information elements of a signalling message (echo, error indication) (TS 29.281 section 8)";
}

mod hdr {
    use std::ops::Range;
    pub const FLAGS: Range<usize> = 0..1;
    pub const MESSAGE: Range<usize> = 1..2;
    pub const LENGTH: Range<usize> = 2..4;
    pub const TEID: Range<usize> = 4..8;
    pub const LEN: usize = TEID.end;
    pub const SEQ: Range<usize> = 8..10;
    pub const NPDU: Range<usize> = 10..11;
    pub const NEXT: Range<usize> = 11..12;
    pub const OPTIONAL_END: usize = NEXT.end;
    pub const VERSION_1: u8 = 0x20;
    pub const PT: u8 = 0x10;
    pub const E: u8 = 0x04;
    pub const S: u8 = 0x02;
    pub const PN: u8 = 0x01;
}

pub const T_PDU: u8 = 255;
/// Extension headers followed before giving up.
const MAX_EXTENSIONS: usize = 16;

/// What a GTP-U header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GtpLayer {
    pub flags: u8,
    pub message: u8,
    pub length: u16,
    pub teid: u32,
    pub seq: Option<u16>,
    /// Extension headers read.
    pub extensions: u8,
    /// The mandatory header was cut off by the capture: only `GTPv1-U` is printed.
    pub cut: bool,
}

impl GtpLayer {
    /// The message type's name (TS 29.281 section 6.1).
    pub fn message_name(&self) -> Option<&'static str> {
        Some(match self.message {
            1 => "Echo Request",
            2 => "Echo Response",
            26 => "Error Indication",
            31 => "Supported Extension Headers Notification",
            253 => "Tunnel Status",
            254 => "End Marker",
            T_PDU => "T-PDU",
            _ => return None,
        })
    }
}

fn gtp_u_message(t: u8) -> bool {
    matches!(t, 1 | 2 | 26 | 31 | 253 | 254 | T_PDU)
}

/// Whether a UDP payload on port 2152 (`wire` bytes, `b` captured) is GTP-U.
pub(crate) fn is_gtp_u(b: &[u8], wire: u32) -> bool {
    let (Some(&flags), Some(&message), Some(length)) = (
        b.first(),
        b.get(hdr::MESSAGE.start),
        be16(b, hdr::LENGTH.start),
    ) else {
        return false;
    };
    flags & 0xe0 == hdr::VERSION_1
        && flags & hdr::PT != 0
        && gtp_u_message(message)
        && hdr::LEN + usize::from(length) <= wire as usize
}

/// GTP-U at `at` (checked by [`is_gtp_u`]); `wire` is the UDP payload length.
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, _wire: u32) {
    let d = walk.data;
    let flags = d.get(at).copied().unwrap_or(0);
    let mut layer = GtpLayer {
        flags,
        message: d.get(at + 1).copied().unwrap_or(0),
        length: be16(d, at + hdr::LENGTH.start).unwrap_or(0),
        teid: be32(d, at + hdr::TEID.start).unwrap_or(0),
        seq: None,
        extensions: 0,
        cut: false,
    };
    if !captured(walk, "gtp", at, hdr::LEN) {
        layer.cut = true;
        walk.layer(Layer::Tunnel(TunnelLayer::Gtp(layer)));
        return;
    }
    for (range, field) in [
        (hdr::FLAGS, GTP_FLAGS),
        (hdr::MESSAGE, GTP_MESSAGE),
        (hdr::LENGTH, GTP_LENGTH),
        (hdr::TEID, GTP_TEID),
    ] {
        walk.span(at, range, field);
    }
    // The message ends where the length says (bytes after it are not GTP's).
    let end = at + hdr::LEN + usize::from(layer.length);
    let mut pos = at + hdr::LEN;
    let mut next = 0u8;
    if flags & (hdr::E | hdr::S | hdr::PN) != 0 {
        if end < at + hdr::OPTIONAL_END {
            stop(
                walk,
                layer,
                pos,
                end,
                format!(
                    "GTP flags {flags:#04x} call for 4 optional bytes; the length field leaves {}",
                    end - pos
                ),
            );
            return;
        }
        if !captured(walk, "gtp", pos, 4) {
            walk.layer(Layer::Tunnel(TunnelLayer::Gtp(layer)));
            return;
        }
        walk.span(at, hdr::SEQ, GTP_SEQ);
        walk.span(at, hdr::NPDU, GTP_NPDU);
        walk.span(at, hdr::NEXT, GTP_NEXT);
        layer.seq = be16(walk.data, at + hdr::SEQ.start);
        next = walk.data.get(at + hdr::NEXT.start).copied().unwrap_or(0);
        pos = at + hdr::OPTIONAL_END;
    }
    if flags & hdr::E != 0 {
        while next != 0 {
            if usize::from(layer.extensions) >= MAX_EXTENSIONS {
                let text =
                    format!("more than {MAX_EXTENSIONS} GTP extension headers; decoding stopped");
                stop(walk, layer, pos, end, text);
                return;
            }
            let Some(&units) = walk.data.get(pos).filter(|_| pos < end) else {
                if pos >= end {
                    let text = format!(
                        "GTP extension header type {next:#04x} announced, but the message ends"
                    );
                    stop(walk, layer, pos, end, text);
                } else {
                    walk.layer(Layer::Tunnel(TunnelLayer::Gtp(layer)));
                    walk.truncated("gtp", pos, 4);
                }
                return;
            };
            let len = usize::from(units) * 4;
            if len == 0 {
                let text = format!("GTP extension header type {next:#04x} has length 0");
                stop(walk, layer, pos, end, text);
                return;
            }
            if pos + len > end {
                let text = format!(
                    "GTP extension header type {next:#04x} of {len} bytes runs past the message \
                     ({} bytes left)",
                    end - pos
                );
                stop(walk, layer, pos, end, text);
                return;
            }
            if !captured(walk, "gtp", pos, len) {
                walk.layer(Layer::Tunnel(TunnelLayer::Gtp(layer)));
                return;
            }
            walk.span(pos, 0..1, GTP_EXT_LENGTH);
            walk.span(pos, 1..len - 1, GTP_EXT);
            walk.span(pos, len - 1..len, GTP_NEXT);
            next = walk.data.get(pos + len - 1).copied().unwrap_or(0);
            layer.extensions += 1;
            pos += len;
        }
    }
    let message = layer.message;
    walk.layer(Layer::Tunnel(TunnelLayer::Gtp(layer)));
    let inner = to_u32(end - pos);
    if message != T_PDU {
        walk.span(pos, 0..end - pos, GTP_IES);
        return;
    }
    match walk.data.get(pos).map(|b| b >> 4) {
        Some(4) => enter(walk, Tunnel::GtpU, pos, inner, Inner::Ipv4),
        Some(6) => enter(walk, Tunnel::GtpU, pos, inner, Inner::Ipv6),
        Some(v) => {
            let cap = end.min(walk.data.len());
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("GTP-U T-PDU with IP version {v}: not decoded (an Ethernet or unstructured PDU session?)"),
                pos..cap,
            );
        }
        None if inner > 0 => walk.truncated("ip", pos, 1),
        None => {}
    }
}

/// A malformed header: the layer, a note, and the rest of the message undecoded.
fn stop(walk: &mut Walk<'_>, layer: GtpLayer, pos: usize, end: usize, text: String) {
    walk.layer(Layer::Tunnel(TunnelLayer::Gtp(layer)));
    let end = end.min(walk.data.len()).max(pos);
    walk.note(Severity::Warn, NoteGroup::Malformed, text, pos..end);
}

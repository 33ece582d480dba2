//! L2TP version 2, RFC 2661 (UDP 1701): data messages carry PPP frames (and so IP);
//! control messages carry AVPs (labelled as a whole, the message type read for the
//! line).
//!
//! Recognised with version 2, the reserved bits clear, and for a control message the
//! L and S bits set and O clear (RFC 2661 section 3.1). L2TPv3 (RFC 3931) is not
//! decoded: its cookie and sublayer lengths are configuration, not on the wire.

use super::{after, captured, enter, Inner, Tunnel, TunnelLayer};
use crate::codec::be16;
use crate::decode::{Layer, Walk};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "L2TP";
    // L2TP, RFC 2661 section 3.1.
    L2TP_FLAGS = "l2tp.flags", Header, Metadata, None, "type, length, sequence, offset and priority bits, version (RFC 2661 section 3.1)";
    L2TP_LENGTH = "l2tp.length", Header, Metadata, None, "message length (RFC 2661 section 3.1)";
    L2TP_TUNNEL = "l2tp.tunnel", Header, Metadata, None, "tunnel ID (RFC 2661 section 3.1)";
    L2TP_SESSION = "l2tp.session", Header, Metadata, None, "session ID (RFC 2661 section 3.1)";
    L2TP_NS = "l2tp.Ns", Header, Metadata, None, "sequence number of this message (RFC 2661 section 3.1)";
    L2TP_NR = "l2tp.Nr", Header, Metadata, None, "sequence number expected next (RFC 2661 section 3.1)";
    L2TP_OFFSET = "l2tp.offset", Header, Metadata, None, "offset size (RFC 2661 section 3.1)";
    L2TP_PADDING = "l2tp.offset_padding", Header, Metadata, None, "offset padding (RFC 2661 section 3.1)";
    L2TP_AVP = "l2tp.avp", Header, Metadata, None, "control message attribute-value pairs (RFC 2661 section 4)";
}

mod bits {
    pub const T: u16 = 0x8000;
    pub const L: u16 = 0x4000;
    pub const S: u16 = 0x0800;
    pub const O: u16 = 0x0200;
    pub const P: u16 = 0x0100;
    pub const RESERVED: u16 = 0x34f0;
    pub const VERSION: u16 = 0x000f;
}

/// What an L2TP header said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L2tpLayer {
    pub flags: u16,
    pub tunnel: u16,
    pub session: u16,
    pub ns_nr: Option<(u16, u16)>,
    /// A control message's type (its first AVP), or `None` (a ZLB acknowledgment when
    /// `avps` is false too).
    pub message: Option<u16>,
    pub avps: bool,
    /// tcpdump's words for a length that does not fit (` Length 9 larger than packet`).
    pub problem: Option<String>,
}

impl L2tpLayer {
    pub fn control(&self) -> bool {
        self.flags & bits::T != 0
    }
    pub fn has(&self, bit: u16) -> bool {
        self.flags & bit != 0
    }
}

/// The flag letters tcpdump prints, in its order.
pub const FLAG_LETTERS: [(u16, char); 5] = [
    (bits::T, 'T'),
    (bits::L, 'L'),
    (bits::S, 'S'),
    (bits::O, 'O'),
    (bits::P, 'P'),
];

/// Whether a UDP payload on port 1701 (`wire` bytes) is L2TP version 2.
pub(crate) fn is_l2tp(b: &[u8], wire: u32) -> bool {
    let Some(flags) = be16(b, 0) else {
        return false;
    };
    wire >= 6
        && flags & bits::VERSION == 2
        && flags & bits::RESERVED == 0
        && (flags & bits::T == 0 || flags & (bits::L | bits::S | bits::O) == bits::L | bits::S)
}

/// L2TP at `at` (checked by [`is_l2tp`]); `wire` is the UDP payload length.
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let flags = be16(walk.data, at).unwrap_or(0);
    let mut fields: Vec<(usize, crate::fields::FieldId)> = vec![(2, L2TP_FLAGS)];
    if flags & bits::L != 0 {
        fields.push((2, L2TP_LENGTH));
    }
    fields.push((2, L2TP_TUNNEL));
    fields.push((2, L2TP_SESSION));
    if flags & bits::S != 0 {
        fields.push((2, L2TP_NS));
        fields.push((2, L2TP_NR));
    }
    if flags & bits::O != 0 {
        fields.push((2, L2TP_OFFSET));
    }
    let fixed: usize = fields.iter().map(|(n, _)| n).sum();
    if !captured(walk, "l2tp", at, fixed) {
        return;
    }
    let mut layer = L2tpLayer {
        flags,
        tunnel: 0,
        session: 0,
        ns_nr: None,
        message: None,
        avps: false,
        problem: None,
    };
    let mut pos = at;
    let mut length = None;
    let mut ns = 0;
    let mut pad = 0usize;
    for (n, field) in fields {
        walk.span(pos, 0..n, field);
        let v = be16(walk.data, pos).unwrap_or(0);
        match field {
            f if f == L2TP_LENGTH => length = Some(v),
            f if f == L2TP_TUNNEL => layer.tunnel = v,
            f if f == L2TP_SESSION => layer.session = v,
            f if f == L2TP_NS => ns = v,
            f if f == L2TP_NR => layer.ns_nr = Some((ns, v)),
            f if f == L2TP_OFFSET => pad = usize::from(v),
            _ => {}
        }
        pos += n;
    }
    walk.span(pos, 0..pad, L2TP_PADDING);
    let hlen = fixed + pad;
    pos += pad;
    // The message ends where its length field says, if it has one.
    let mut len = usize::try_from(wire).unwrap_or(usize::MAX);
    if let Some(l) = length {
        if usize::from(l) > len {
            layer.problem = Some(format!(" Length {l} larger than packet"));
        } else {
            len = usize::from(l);
        }
    }
    if layer.problem.is_none() && len < hlen {
        layer.problem = Some(format!(" Length {len} smaller than header length"));
    }
    if let Some(p) = &layer.problem {
        let text = format!("L2TP{p}");
        walk.layer(Layer::Tunnel(TunnelLayer::L2tp(layer)));
        let cap = walk.data.len();
        walk.note(Severity::Warn, NoteGroup::Malformed, text, at..cap);
        return;
    }
    let rest = len - hlen;
    if flags & bits::T != 0 {
        walk.span(pos, 0..rest, L2TP_AVP);
        layer.avps = rest > 0;
        // The first AVP of a control message is its type (RFC 2661 section 4.4.1):
        // flags and length, vendor 0, attribute 0, the type.
        if let (Some(0), Some(0), Some(t)) = (
            be16(walk.data, pos + 2),
            be16(walk.data, pos + 4),
            be16(walk.data, pos + 6),
        ) {
            if rest >= 8 {
                layer.message = Some(t);
            }
        }
        walk.layer(Layer::Tunnel(TunnelLayer::L2tp(layer)));
        return;
    }
    walk.layer(Layer::Tunnel(TunnelLayer::L2tp(layer)));
    let inner = after(wire, hlen).min(u32::try_from(rest).unwrap_or(u32::MAX));
    enter(walk, Tunnel::L2tp, pos, inner, Inner::Ppp);
}

/// Control message names as tcpdump prints them (RFC 2661 section 3.2).
pub fn message_name(t: u16) -> Option<&'static str> {
    Some(match t {
        1 => "SCCRQ",
        2 => "SCCRP",
        3 => "SCCCN",
        4 => "StopCCN",
        6 => "HELLO",
        7 => "OCRQ",
        8 => "OCRP",
        9 => "OCCN",
        10 => "ICRQ",
        11 => "ICRP",
        12 => "ICCN",
        14 => "CDN",
        15 => "WEN",
        16 => "SLI",
        _ => return None,
    })
}

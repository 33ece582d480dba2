//! Teredo, RFC 4380 (UDP 3544): IPv6 carried in UDP through NATs, optionally after an
//! authentication header and an origin indication (section 5.1.1).
//!
//! Recognised when what follows the optional headers is an IPv6 header (version 6)
//! whose payload length accounts exactly for the rest of the datagram. The origin
//! indication's address and port are sent obfuscated (every bit inverted): they are
//! still an address and a port in the clear to anyone who knows the rule.

use super::{captured, enter, Inner, Tunnel, TunnelLayer};
use crate::codec::{be16, be32, Reader};
use crate::decode::{to_u32, Layer, Walk};
use std::net::Ipv4Addr;

crate::fields! {
    proto = "Teredo";
    // Teredo, RFC 4380 section 5.1.1.
    TEREDO_AUTH = "teredo.auth", Header, Metadata, None, "authentication indicator type 0x0001 (RFC 4380 section 5.1.1)";
    TEREDO_AUTH_IDLEN = "teredo.auth.idlen", Header, Metadata, None, "client identifier length";
    TEREDO_AUTH_AULEN = "teredo.auth.aulen", Header, Metadata, None, "authentication value length";
    TEREDO_AUTH_ID = "teredo.auth.id", Header, Metadata, None, "client identifier";
    TEREDO_AUTH_VALUE = "teredo.auth.value", Header, Metadata, None, "authentication value";
    TEREDO_AUTH_NONCE = "teredo.auth.nonce", Header, Metadata, None, "nonce";
    TEREDO_AUTH_CONF = "teredo.auth.conf", Header, Metadata, None, "confirmation byte";
    TEREDO_ORIG = "teredo.orig", Header, Metadata, None, "origin indicator type 0x0000 (RFC 4380 section 5.1.1)";
    TEREDO_ORIG_PORT = "teredo.orig.port", Header, Metadata, Some(Port), "origin UDP port, obfuscated (bits inverted)";
    TEREDO_ORIG_ADDR = "teredo.orig.addr", Header, Metadata, Some(Address), "origin IPv4 address, obfuscated (bits inverted)";
}

const AUTH: u16 = 0x0001;
const ORIGIN: u16 = 0x0000;
const ORIGIN_LEN: usize = 8;
const IPV6_LEN: usize = 40;

/// What the Teredo headers said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeredoLayer {
    pub auth: bool,
    /// The origin indication, de-obfuscated: port and address.
    pub origin: Option<(u16, Ipv4Addr)>,
}

/// Where the headers are: authentication (offset, id length, auth length), origin
/// (offset), and the IPv6 header's offset.
struct Parts {
    auth: Option<(usize, usize, usize)>,
    origin: Option<usize>,
    ipv6: usize,
}

fn parts(b: &[u8]) -> Option<Parts> {
    let mut r = Reader::new(b);
    let mut auth = None;
    let mut origin = None;
    if be16(b, 0) == Some(AUTH) {
        r.skip(2)?;
        let id = usize::from(r.u8()?);
        let au = usize::from(r.u8()?);
        r.skip(id + au + 9)?;
        auth = Some((0, id, au));
    }
    if be16(r.rest(), 0) == Some(ORIGIN) {
        origin = Some(r.pos());
        r.skip(ORIGIN_LEN)?;
    }
    Some(Parts {
        auth,
        origin,
        ipv6: r.pos(),
    })
}

/// Whether a UDP payload on port 3544 (`wire` bytes) is Teredo.
pub(crate) fn is_teredo(b: &[u8], wire: u32) -> bool {
    let Some(p) = parts(b) else { return false };
    let (Some(&v), Some(plen)) = (b.get(p.ipv6), be16(b, p.ipv6 + 4)) else {
        return false;
    };
    v >> 4 == 6 && p.ipv6 + IPV6_LEN + usize::from(plen) == wire as usize
}

/// Teredo at `at` (checked by [`is_teredo`]); `wire` is the UDP payload length.
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let Some(p) = parts(walk.data.get(at..).unwrap_or(&[])) else {
        return;
    };
    if !captured(walk, "teredo", at, p.ipv6) {
        return;
    }
    let mut layer = TeredoLayer {
        auth: false,
        origin: None,
    };
    if let Some((o, id, au)) = p.auth {
        let base = at + o;
        walk.span(base, 0..2, TEREDO_AUTH);
        walk.span(base, 2..3, TEREDO_AUTH_IDLEN);
        walk.span(base, 3..4, TEREDO_AUTH_AULEN);
        walk.span(base, 4..4 + id, TEREDO_AUTH_ID);
        walk.span(base, 4 + id..4 + id + au, TEREDO_AUTH_VALUE);
        let n = 4 + id + au;
        walk.span(base, n..n + 8, TEREDO_AUTH_NONCE);
        walk.span(base, n + 8..n + 9, TEREDO_AUTH_CONF);
        layer.auth = true;
    }
    if let Some(o) = p.origin {
        let base = at + o;
        walk.span(base, 0..2, TEREDO_ORIG);
        walk.span(base, 2..4, TEREDO_ORIG_PORT);
        walk.span(base, 4..8, TEREDO_ORIG_ADDR);
        if let (Some(port), Some(addr)) = (be16(walk.data, base + 2), be32(walk.data, base + 4)) {
            layer.origin = Some((!port, Ipv4Addr::from(!addr)));
        }
    }
    walk.layer(Layer::Tunnel(TunnelLayer::Teredo(layer)));
    let inner = wire.saturating_sub(to_u32(p.ipv6));
    enter(walk, Tunnel::Teredo, at + p.ipv6, inner, Inner::Ipv6);
}

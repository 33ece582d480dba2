//! STUN (RFC 8489) and TURN (RFC 8656): the NAT-traversal messages of WebRTC and VoIP,
//! readable by anyone on the path.
//!
//! A STUN message is a 20-byte header (type: method and class; length; the magic
//! cookie 0x2112A442; a 96-bit transaction ID) and attributes (type, length, value,
//! padding to 4 bytes). Nothing is encrypted: MESSAGE-INTEGRITY only authenticates. What
//! an observer learns:
//! - transport addresses: MAPPED-ADDRESS, and the XOR-encoded XOR-MAPPED-ADDRESS,
//!   XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS (XORed with the magic cookie and, for
//!   IPv6, the transaction ID, RFC 8489 section 14.2: an encoding, not a secret). The
//!   decoded address is the leak (a client's public address behind its NAT, a relay's
//!   allocation, the peer it talks to); the bytes are readable;
//! - USERNAME: ICE username fragments (`remote:local`, RFC 8445 section 7.2.2) or a TURN
//!   account; a user name, not a secret (the password only keys the HMAC);
//! - SOFTWARE, REALM, NONCE, error codes.
//!
//! TURN ChannelData messages (RFC 8656 section 12.4: channel 0x4000-0x4FFF, length,
//! data) carry a peer's datagrams; their payload, like a Send or Data indication's DATA
//! attribute, is handed back to the RFC 7983 demultiplexer ([`super::demux`]).
//! STUN fields have the handshake role (connectivity checks negotiate a path, they are
//! not what the endpoints say to each other), so readable STUN is not plaintext content.
//! RFC 3489's classic STUN (no magic cookie) is labelled from the same layout, with a
//! note; its addresses are not XOR-encoded.

use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Emitter};
use crate::codec::Reader;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Range;

crate::fields! {
    proto = "STUN";
    // RFC 8489 section 5 and section 14; RFC 8656 sections 12.4 and 18.
    STUN_TYPE = "stun.type", Header, Metadata, None, "message type: method and class (RFC 8489 section 5)";
    STUN_LENGTH = "stun.length", Header, Metadata, None, "message length, after the header";
    STUN_COOKIE = "stun.cookie", Header, Metadata, None, "magic cookie 0x2112A442 (RFC 8489 section 5)";
    STUN_ID = "stun.id", Header, Metadata, None, "transaction ID (RFC 8489 section 5)";
    STUN_ATTRIBUTE = "stun.attribute", Header, Metadata, None, "attribute type and length (RFC 8489 section 14)";
    STUN_VALUE = "stun.value", Handshake, Cleartext, None, "attribute value (PRIORITY, ICE-CONTROLLING, LIFETIME, REALM, NONCE, ERROR-CODE…)";
    STUN_ADDRESS = "stun.att.address", Handshake, Cleartext, Some(Address), "transport address: family, port, IP; XOR-encoded in XOR-MAPPED/PEER/RELAYED-ADDRESS (RFC 8489 sections 14.1-14.2, RFC 8656 sections 18.3, 18.5)";
    STUN_USERNAME = "stun.att.username", Handshake, Cleartext, Some(UserName), "USERNAME: ICE username fragments or a TURN account (RFC 8489 section 14.3)";
    STUN_INTEGRITY = "stun.att.hmac", Handshake, Cleartext, None, "MESSAGE-INTEGRITY(-SHA256): an HMAC keyed by the password (RFC 8489 sections 14.5-14.6)";
    STUN_FINGERPRINT = "stun.att.crc32", Handshake, Cleartext, None, "FINGERPRINT: CRC-32 of the message (RFC 8489 section 14.7)";
    STUN_SOFTWARE = "stun.att.software", Handshake, Cleartext, None, "SOFTWARE: the agent's name and version (RFC 8489 section 14.14)";
    STUN_PADDING = "stun.att.padding", Header, Metadata, None, "padding of an attribute to 4 bytes";
    STUN_DATA = "stun.att.data", Unknown, Undecoded, None, "DATA of a TURN Send or Data indication: a peer's datagram (RFC 8656 section 18.4)";
    STUN_UNDECODED = "stun.undecoded", Unknown, Undecoded, None, "bytes of a STUN message that could not be framed";
    TURN_CHANNEL = "turnchannel.id", Header, Metadata, None, "TURN channel number, 0x4000-0x4FFF (RFC 8656 section 12.4)";
    TURN_CHANNEL_LENGTH = "turnchannel.length", Header, Metadata, None, "length of the channel data";
    TURN_CHANNEL_PADDING = "turnchannel.padding", Header, Metadata, None, "padding of channel data to 4 bytes";
}

/// STUN and TURN: recognised by the magic cookie in a message that fills the first
/// datagram, or by a port. The flow gets the RFC 7983 demultiplexer (DTLS and SRTP
/// follow STUN on a WebRTC flow).
pub static PROTOCOL: Protocol = Protocol {
    name: "STUN",
    detect: |p: &Probe<'_>| Detect::when(looks_like_stun(p.bytes)),
    // STUN/TURN (RFC 8489 section 9), TURN over DTLS (RFC 8656 section 3), Google's
    // public STUN servers.
    ports: &[3478, 3479, 5349, 19302, 19305],
    new: |_| Box::new(super::demux::Demux::new()),
    fields: FIELDS,
};

/// The magic cookie (RFC 8489 section 5).
pub const MAGIC_COOKIE: u32 = 0x2112_a442;

/// Message header (RFC 8489 section 5).
pub mod hdr {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..2;
    pub const LENGTH: Range<usize> = 2..4;
    pub const COOKIE: Range<usize> = 4..8;
    pub const ID: Range<usize> = 8..20;
    pub const LEN: usize = ID.end;
}

/// Attribute types (RFC 8489 section 18.3, RFC 8656 section 18, RFC 8445 section 16.1).
pub mod attr {
    pub const MAPPED_ADDRESS: u16 = 0x0001;
    pub const USERNAME: u16 = 0x0006;
    pub const MESSAGE_INTEGRITY: u16 = 0x0008;
    pub const ERROR_CODE: u16 = 0x0009;
    pub const CHANNEL_NUMBER: u16 = 0x000c;
    pub const XOR_PEER_ADDRESS: u16 = 0x0012;
    pub const DATA: u16 = 0x0013;
    pub const REALM: u16 = 0x0014;
    pub const NONCE: u16 = 0x0015;
    pub const XOR_RELAYED_ADDRESS: u16 = 0x0016;
    pub const MESSAGE_INTEGRITY_SHA256: u16 = 0x001c;
    pub const XOR_MAPPED_ADDRESS: u16 = 0x0020;
    pub const SOFTWARE: u16 = 0x8022;
    pub const ALTERNATE_SERVER: u16 = 0x8023;
    pub const FINGERPRINT: u16 = 0x8028;
    pub const RESPONSE_ORIGIN: u16 = 0x802b;
    pub const OTHER_ADDRESS: u16 = 0x802c;
    /// XOR-MAPPED-ADDRESS before RFC 5389 gave it 0x0020.
    pub const XOR_MAPPED_ADDRESS_OLD: u16 = 0x8020;
}

/// An attribute's name, for packet lines.
fn attr_name(t: u16) -> &'static str {
    match t {
        attr::MAPPED_ADDRESS => "MAPPED-ADDRESS",
        attr::XOR_PEER_ADDRESS => "XOR-PEER-ADDRESS",
        attr::XOR_RELAYED_ADDRESS => "XOR-RELAYED-ADDRESS",
        attr::XOR_MAPPED_ADDRESS | attr::XOR_MAPPED_ADDRESS_OLD => "XOR-MAPPED-ADDRESS",
        attr::ALTERNATE_SERVER => "ALTERNATE-SERVER",
        attr::RESPONSE_ORIGIN => "RESPONSE-ORIGIN",
        attr::OTHER_ADDRESS => "OTHER-ADDRESS",
        _ => "attribute",
    }
}

/// Method names (RFC 8489 section 18.2, RFC 8656 section 18, RFC 6062 section 6.1).
fn method_name(m: u16) -> Option<&'static str> {
    Some(match m {
        0x001 => "Binding",
        0x003 => "Allocate",
        0x004 => "Refresh",
        0x006 => "Send",
        0x007 => "Data",
        0x008 => "CreatePermission",
        0x009 => "ChannelBind",
        0x00a => "Connect",
        0x00b => "ConnectionBind",
        0x00c => "ConnectionAttempt",
        _ => return None,
    })
}

/// The method and class of a message type (RFC 8489 section 5: the class bits C1 C0
/// sit at bits 8 and 4, the method in the 12 bits around them).
fn method_and_class(t: u16) -> (u16, &'static str) {
    let method = (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
    let class = match t & 0x0110 {
        0x0000 => "Request",
        0x0010 => "Indication",
        0x0100 => "Success Response",
        _ => "Error Response",
    };
    (method, class)
}

/// True when a datagram is one STUN message: the top two bits clear, the magic cookie,
/// a length that is a multiple of 4 and fills the datagram exactly.
pub fn looks_like_stun(b: &[u8]) -> bool {
    let mut r = Reader::new(b);
    let (Some(t), Some(len), Some(cookie)) = (r.u16(), r.u16(), r.u32()) else {
        return false;
    };
    t & 0xc000 == 0
        && cookie == MAGIC_COOKIE
        && len % 4 == 0
        && hdr::LEN + usize::from(len) == b.len()
}

/// Whether a datagram whose first byte is 0-3 can be a STUN message at all: a magic
/// cookie (a message cut by the snap length still has it), or, for RFC 3489's classic
/// STUN, a length that fills the datagram exactly.
pub fn plausible(b: &[u8]) -> bool {
    let mut r = Reader::new(b);
    let (Some(t), Some(len), Some(cookie)) = (r.u16(), r.u16(), r.u32()) else {
        return false;
    };
    t & 0xc000 == 0
        && len % 4 == 0
        && b.len() >= hdr::LEN
        && (cookie == MAGIC_COOKIE || hdr::LEN + usize::from(len) == b.len())
}

/// What STUN messages told about a flow.
#[derive(Clone, Debug, Default)]
pub struct Stun {
    /// A TURN method (Allocate, Send, ChannelBind…) was seen: the flow talks to a relay.
    pub turn: bool,
}

impl Stun {
    /// Labels one STUN message at frame offset `at`. Returns the ranges of `b` that
    /// carry a peer's datagrams (DATA attributes), for the demultiplexer.
    pub fn message(
        &mut self,
        _dir: Direction,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Vec<Range<usize>> {
        let span = |range: Range<usize>| at + range.start as u64..at + range.end as u64;
        let mut relayed = Vec::new();
        let mut rd = Reader::new(b);
        let (Some(t), Some(len), Some(cookie), Some(id)) =
            (rd.u16(), rd.u16(), rd.u32(), rd.array::<12>())
        else {
            out.field(span(0..b.len()), STUN_UNDECODED);
            out.note(
                span(0..b.len()),
                Severity::Warn,
                NoteGroup::Truncated,
                format!("{} bytes: too few for a STUN header", b.len()),
            );
            return relayed;
        };
        out.field(span(hdr::TYPE), STUN_TYPE);
        out.field(span(hdr::LENGTH), STUN_LENGTH);
        out.field(span(hdr::COOKIE), STUN_COOKIE);
        out.field(span(hdr::ID), STUN_ID);
        let classic = cookie != MAGIC_COOKIE;
        if classic {
            out.note(
                span(hdr::COOKIE),
                Severity::Note,
                NoteGroup::Protocol,
                "no magic cookie: RFC 3489 classic STUN (addresses are not XOR-encoded)".into(),
            );
        }
        let (method, class) = method_and_class(t);
        if matches!(method, 0x003..=0x00c) {
            self.turn = true;
        }
        let mut text = match method_name(method) {
            Some(m) => format!("{m} {class}"),
            None => format!("method {method:#05x} {class}"),
        };
        let mut leaks: Vec<String> = Vec::new();
        let declared = usize::from(len);
        let end = hdr::LEN + declared;
        if end > b.len() {
            out.note(
                span(0..b.len()),
                Severity::Warn,
                NoteGroup::Truncated,
                format!(
                    "STUN message declares {declared} bytes of attributes, the datagram holds {} \
                     (cut by the snap length, or malformed)",
                    b.len() - hdr::LEN
                ),
            );
        }
        let attrs_end = end.min(b.len());
        let mut pos = hdr::LEN;
        while pos < attrs_end {
            let mut a = Reader::new(b.get(pos..attrs_end).unwrap_or(&[]));
            let (Some(kind), Some(alen)) = (a.u16(), a.u16()) else {
                break;
            };
            let alen = usize::from(alen);
            let value_at = pos + 4;
            let Some(value) = b
                .get(value_at..value_at + alen)
                .filter(|_| value_at + alen <= attrs_end)
            else {
                // The attribute runs past the message (or the datagram): framing ends.
                out.field(span(pos..value_at), STUN_ATTRIBUTE);
                out.field(span(value_at..attrs_end), STUN_UNDECODED);
                out.note(
                    span(pos..attrs_end),
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!(
                        "STUN attribute {kind:#06x} declares {alen} bytes, {} are left in the message",
                        attrs_end - value_at
                    ),
                );
                pos = attrs_end;
                break;
            };
            out.field(span(pos..value_at), STUN_ATTRIBUTE);
            let vr = span(value_at..value_at + alen);
            match kind {
                attr::MAPPED_ADDRESS
                | attr::ALTERNATE_SERVER
                | attr::RESPONSE_ORIGIN
                | attr::OTHER_ADDRESS
                | attr::XOR_MAPPED_ADDRESS
                | attr::XOR_MAPPED_ADDRESS_OLD
                | attr::XOR_PEER_ADDRESS
                | attr::XOR_RELAYED_ADDRESS => {
                    let xor = matches!(
                        kind,
                        attr::XOR_MAPPED_ADDRESS
                            | attr::XOR_MAPPED_ADDRESS_OLD
                            | attr::XOR_PEER_ADDRESS
                            | attr::XOR_RELAYED_ADDRESS
                    ) && !classic;
                    match address(value, xor.then_some(&id)) {
                        Some(addr) => {
                            out.field(vr, STUN_ADDRESS);
                            let shown = addr.to_string();
                            leaks.push(format!("{}={shown}", attr_name(kind)));
                            out.event(
                                at + value_at as u64,
                                Desc::Leak {
                                    kind: LeakKind::Address,
                                    value: shown,
                                },
                            );
                        }
                        None => {
                            out.field(vr.clone(), STUN_VALUE);
                            out.note(
                                vr,
                                Severity::Warn,
                                NoteGroup::Malformed,
                                format!("{} is not a transport address", attr_name(kind)),
                            );
                        }
                    }
                }
                attr::USERNAME => {
                    out.field(vr, STUN_USERNAME);
                    let user = printable(value);
                    leaks.push(format!("USERNAME={user}"));
                    out.event(
                        at + value_at as u64,
                        Desc::Leak {
                            kind: LeakKind::UserName,
                            value: user,
                        },
                    );
                }
                attr::MESSAGE_INTEGRITY | attr::MESSAGE_INTEGRITY_SHA256 => {
                    out.field(vr, STUN_INTEGRITY);
                }
                attr::FINGERPRINT => out.field(vr, STUN_FINGERPRINT),
                attr::SOFTWARE => {
                    out.field(vr, STUN_SOFTWARE);
                    leaks.push(format!("SOFTWARE={}", printable(value)));
                }
                attr::DATA => {
                    // Labelled by whoever reads the relayed datagram.
                    relayed.push(value_at..value_at + alen);
                }
                attr::ERROR_CODE => {
                    out.field(vr, STUN_VALUE);
                    // Reserved, class (hundreds), number, reason phrase (section 14.8).
                    if let [_, _, class, number, reason @ ..] = value {
                        let code = u16::from(class & 0x07) * 100 + u16::from(*number);
                        text.push_str(&format!(" {code}"));
                        // Some servers count a C string's NUL terminator.
                        let end = reason.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
                        let reason = printable(reason.get(..end).unwrap_or(&[]));
                        if !reason.is_empty() {
                            text.push(' ');
                            text.push_str(&reason);
                        }
                    }
                }
                attr::REALM => {
                    out.field(vr, STUN_VALUE);
                    leaks.push(format!("REALM={}", printable(value)));
                }
                attr::CHANNEL_NUMBER | attr::NONCE => out.field(vr, STUN_VALUE),
                _ => out.field(vr, STUN_VALUE),
            }
            // Values are padded to a multiple of 4 bytes (section 14).
            let padded = (alen + 3) & !3;
            let pad_end = (value_at + padded).min(attrs_end);
            out.field(span(value_at + alen..pad_end), STUN_PADDING);
            pos = pad_end;
        }
        if pos < attrs_end {
            out.field(span(pos..attrs_end), STUN_UNDECODED);
            out.note(
                span(pos..attrs_end),
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "{} bytes at the end of a STUN message are no attribute",
                    attrs_end - pos
                ),
            );
        }
        if end < b.len() {
            out.field(span(end..b.len()), STUN_UNDECODED);
            out.note(
                span(end..b.len()),
                Severity::Warn,
                NoteGroup::Malformed,
                format!("{} bytes after the STUN message", b.len() - end),
            );
        }
        out.event(
            at,
            Desc::App {
                proto: if self.turn { "TURN" } else { "STUN" },
                text,
                leaks,
            },
        );
        relayed
    }
}

/// Labels a TURN ChannelData message at frame offset `at` (channel number, length,
/// then the data and, over TCP or by choice, padding to 4 bytes: RFC 8656 section
/// 12.4). Returns the range of `b` holding the data.
pub fn channel_data(at: u64, b: &[u8], out: &mut Emitter) -> Range<usize> {
    let span = |range: Range<usize>| at + range.start as u64..at + range.end as u64;
    let mut rd = Reader::new(b);
    let (Some(channel), Some(len)) = (rd.u16(), rd.u16()) else {
        out.field(span(0..b.len()), STUN_UNDECODED);
        out.note(
            span(0..b.len()),
            Severity::Warn,
            NoteGroup::Truncated,
            "TURN ChannelData cut before its length".into(),
        );
        return b.len()..b.len();
    };
    out.field(span(0..2), TURN_CHANNEL);
    out.field(span(2..4), TURN_CHANNEL_LENGTH);
    let len = usize::from(len);
    let end = 4 + len;
    if end > b.len() {
        out.note(
            span(0..b.len()),
            Severity::Warn,
            NoteGroup::Truncated,
            format!(
                "TURN ChannelData declares {len} bytes, the datagram holds {}",
                b.len() - 4
            ),
        );
    } else if b.len() > end {
        let pad = b.len() - end;
        let field = if pad <= 3 {
            TURN_CHANNEL_PADDING
        } else {
            out.note(
                span(end..b.len()),
                Severity::Warn,
                NoteGroup::Malformed,
                format!("{pad} bytes after the TURN channel data"),
            );
            STUN_UNDECODED
        };
        out.field(span(end..b.len()), field);
    }
    out.event(
        at,
        Desc::App {
            proto: "TURN",
            text: format!("ChannelData {channel:#06x}"),
            leaks: Vec::new(),
        },
    );
    4..end.min(b.len())
}

/// Reads a transport address attribute value (reserved, family, port, address),
/// XOR-decoded with the magic cookie and transaction ID when `xor_id` is given.
fn address(value: &[u8], xor_id: Option<&[u8; 12]>) -> Option<SocketAddr> {
    let mut r = Reader::new(value);
    let _reserved = r.u8()?;
    let family = r.u8()?;
    let mut port = r.u16()?;
    let cookie = MAGIC_COOKIE.to_be_bytes();
    if xor_id.is_some() {
        port ^= (MAGIC_COOKIE >> 16) as u16;
    }
    let ip = match (family, r.left()) {
        (0x01, 4) => {
            let mut a: [u8; 4] = r.array()?;
            if xor_id.is_some() {
                for (x, k) in a.iter_mut().zip(cookie) {
                    *x ^= k;
                }
            }
            IpAddr::V4(Ipv4Addr::from(a))
        }
        (0x02, 16) => {
            let mut a: [u8; 16] = r.array()?;
            if let Some(id) = xor_id {
                let key = cookie.iter().chain(id.iter());
                for (x, k) in a.iter_mut().zip(key) {
                    *x ^= k;
                }
            }
            IpAddr::V6(Ipv6Addr::from(a))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Text from the capture, printable: other bytes as `\xNN`, at most 100 characters.
fn printable(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b.iter().take(100) {
        if (0x20..0x7f).contains(&c) {
            s.push(char::from(c));
        } else {
            s.push_str(&format!("\\x{c:02x}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Visibility;

    /// A Binding Success Response with XOR-MAPPED-ADDRESS 192.0.2.1:32853 (RFC 5769
    /// section 2.2's test vector: cookie-XORed port 0xa147, address 0xe112a643).
    fn binding_response() -> Vec<u8> {
        let mut b = vec![0x01, 0x01, 0x00, 0x0c];
        b.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        b.extend_from_slice(&[
            0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
        ]);
        b.extend_from_slice(&[
            0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
        ]);
        b
    }

    #[test]
    fn stun_xor_mapped_address_is_a_leak() {
        let b = binding_response();
        assert!(looks_like_stun(&b));
        let mut out = Emitter::default();
        Stun::default().message(Direction::ToClient, 100, &b, &mut out);
        let leak = out
            .events
            .iter()
            .find_map(|e| match &e.desc {
                Desc::Leak {
                    kind: LeakKind::Address,
                    value,
                } => Some(value.clone()),
                _ => None,
            })
            .expect("an address leak");
        assert_eq!(leak, "192.0.2.1:32853");
        let addr = out.spans.iter().find(|s| s.field == STUN_ADDRESS).unwrap();
        assert_eq!(
            addr.range,
            124..132,
            "the whole value: family, port, address"
        );
        assert_eq!(addr.vis, Visibility::Cleartext);
        assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::App { text, leaks, .. } if text == "Binding Success Response"
                && leaks == &["XOR-MAPPED-ADDRESS=192.0.2.1:32853".to_string()])));
    }

    #[test]
    fn ipv6_xor_address_uses_the_transaction_id() {
        // RFC 5769 section 2.3: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
        let id = [
            0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
        ];
        let value = [
            0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25,
            0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
        ];
        assert_eq!(
            address(&value, Some(&id)).unwrap().to_string(),
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
        );
    }

    #[test]
    fn username_is_a_user_name_leak_and_classes_are_named() {
        let mut b = vec![0x00, 0x01, 0x00, 0x0c];
        b.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        b.extend_from_slice(&[7; 12]);
        b.extend_from_slice(&[0x00, 0x06, 0x00, 0x05]);
        b.extend_from_slice(b"ab:cd\0\0\0");
        let mut out = Emitter::default();
        Stun::default().message(Direction::ToServer, 0, &b, &mut out);
        assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::Leak { kind: LeakKind::UserName, value } if value == "ab:cd")));
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == STUN_PADDING && s.range == (29..32)));
        assert_eq!(method_and_class(0x0003).1, "Request");
        assert_eq!(method_and_class(0x0113), (3, "Error Response"));
        assert_eq!(method_and_class(0x0017), (7, "Indication"));
    }

    #[test]
    fn stun_attribute_longer_than_its_message_is_noted_and_undecoded() {
        let mut b = vec![0x00, 0x01, 0x00, 0x08];
        b.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        b.extend_from_slice(&[7; 12]);
        b.extend_from_slice(&[0x00, 0x06, 0x01, 0x00, b'a', b'b', b'c', b'd']);
        let mut out = Emitter::default();
        Stun::default().message(Direction::ToServer, 0, &b, &mut out);
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == STUN_UNDECODED && s.range == (24..28)));
        assert!(out.notes.iter().any(|n| n.group == NoteGroup::Malformed));
        // A message cut by the snap length: noted, never a panic.
        for cut in 0..b.len() {
            let mut out = Emitter::default();
            Stun::default().message(Direction::ToServer, 0, &b[..cut], &mut out);
        }
    }

    #[test]
    fn channel_data_payload_is_returned() {
        let b = [0x40, 0x01, 0x00, 0x03, 1, 2, 3, 0];
        let mut out = Emitter::default();
        assert_eq!(channel_data(0, &b, &mut out), 4..7);
        assert!(out.spans.iter().any(|s| s.field == TURN_CHANNEL_PADDING));
    }
}

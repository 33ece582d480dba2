//! WireGuard (whitepaper "WireGuard: Next Generation Kernel Network Tunnel", section
//! 5.4): what an observer reads of a tunnel.
//!
//! Four messages, each a type byte and three reserved zero bytes first:
//! - 1, handshake initiation (148 bytes): sender index, the initiator's *unencrypted*
//!   ephemeral public key (readable), its static key and a timestamp sealed with
//!   ChaCha20-Poly1305 (opaque), mac1 and mac2;
//! - 2, handshake response (92 bytes): sender and receiver index, the responder's
//!   ephemeral key (readable), an AEAD tag over nothing (opaque), mac1 and mac2;
//! - 3, cookie reply (64 bytes): receiver index, a nonce, the sealed cookie (opaque);
//! - 4, transport data (at least 32 bytes): receiver index and a 64-bit counter in the
//!   clear, then the encrypted packet. Its plaintext is padded to a multiple of 16
//!   (section 5.4.6), so an observer knows its length to within 15 bytes: a 16-byte
//!   tag, and `len - 32` bytes that hold between `len - 47` and `len - 32` bytes of the
//!   inner packet (none at all: a keepalive).
//!
//! Recognised by content (a type byte 1–4, three zero bytes, and the exact size of the
//! message; a multiple of 16 for transport data) and by port 51820. Each datagram is
//! one message; nothing is kept but the indexes and counts for the flow's facts.

use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, PlainLen, Protection};
use crate::codec::Reader;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "WireGuard";
    // WireGuard whitepaper, section 5.4; names as Wireshark's packet-wireguard.c.
    WG_TYPE = "wg.type", Header, Metadata, None, "message type (section 5.4)";
    WG_RESERVED = "wg.reserved", Header, Metadata, None, "three reserved zero bytes";
    WG_SENDER = "wg.sender", Header, Metadata, None, "sender index: names the session for the peer (section 5.4.2)";
    WG_RECEIVER = "wg.receiver", Header, Metadata, None, "receiver index: the peer's sender index (section 5.4.3)";
    WG_EPHEMERAL = "wg.ephemeral", Handshake, Cleartext, None, "unencrypted ephemeral Curve25519 public key (section 5.4.2)";
    WG_STATIC = "wg.encrypted_static", Handshake, Opaque, None, "the initiator's static public key, sealed (32 + 16 bytes)";
    WG_TIMESTAMP = "wg.encrypted_timestamp", Handshake, Opaque, None, "TAI64N timestamp, sealed (12 + 16 bytes)";
    WG_EMPTY = "wg.encrypted_empty", Handshake, Opaque, None, "AEAD tag over an empty plaintext (0 + 16 bytes, section 5.4.3)";
    WG_MAC1 = "wg.mac1", Handshake, Cleartext, None, "MAC keyed by the receiver's public key (section 5.4.4)";
    WG_MAC2 = "wg.mac2", Handshake, Cleartext, None, "MAC keyed by a cookie, or zeros (section 5.4.4)";
    WG_NONCE = "wg.nonce", Handshake, Cleartext, None, "nonce of the sealed cookie (section 5.4.7)";
    WG_COOKIE = "wg.encrypted_cookie", Handshake, Opaque, None, "the cookie, sealed with XChaCha20-Poly1305 (16 + 16 bytes)";
    WG_COUNTER = "wg.counter", Header, Metadata, None, "64-bit little-endian counter: the nonce of the packet (section 5.4.6)";
    WG_PACKET = "wg.encrypted_packet", Content, Opaque, None, "the tunnelled IP packet, padded to 16 bytes and sealed with ChaCha20-Poly1305";
}

/// WireGuard's well-known port (`wg-quick` examples, the IANA-free convention).
pub const PORT: u16 = 51820;

/// Message types (section 5.4).
pub const INITIATION: u8 = 1;
pub const RESPONSE: u8 = 2;
pub const COOKIE_REPLY: u8 = 3;
pub const TRANSPORT: u8 = 4;

/// Sizes of the fixed messages, and the smallest transport message.
const INITIATION_LEN: usize = 148;
const RESPONSE_LEN: usize = 92;
const COOKIE_LEN: usize = 64;
const TRANSPORT_MIN: usize = 32;
/// The Poly1305 tag after every sealed field.
const TAG: usize = 16;

/// WireGuard over UDP.
pub static PROTOCOL: Protocol = Protocol {
    name: "WireGuard",
    detect: |p: &Probe<'_>| Detect::when(looks_like_wireguard(p.bytes)),
    ports: &[PORT],
    new: |_| Box::<WireGuard>::default(),
    fields: FIELDS,
};

/// A datagram that is one whole WireGuard message: type 1–4, three zero bytes, and
/// the message's size.
pub fn looks_like_wireguard(b: &[u8]) -> bool {
    let mut r = Reader::new(b);
    let (Some(t), Some([0, 0, 0])) = (r.u8(), r.array::<3>()) else {
        return false;
    };
    match t {
        INITIATION => b.len() == INITIATION_LEN,
        RESPONSE => b.len() == RESPONSE_LEN,
        COOKIE_REPLY => b.len() == COOKIE_LEN,
        TRANSPORT => b.len() >= TRANSPORT_MIN && b.len() % 16 == 0,
        _ => false,
    }
}

/// What one WireGuard flow showed an observer.
#[derive(Debug, Default)]
pub struct WireGuard {
    /// Sender indexes in the order first seen (each side picks its own), a few.
    senders: Vec<u32>,
    handshakes: u32,
    transport: u64,
}

/// Sender indexes kept for the flow's facts.
const MAX_SENDERS: usize = 8;

impl Dissector for WireGuard {
    fn feed(&mut self, _: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        self.message(base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("WireGuard".into());
        facts.protection = Some(Protection {
            proto: "WireGuard".into(),
            cipher: Some("ChaCha20-Poly1305".into()),
            ..Protection::default()
        });
        if !self.senders.is_empty() {
            let senders: Vec<String> = self.senders.iter().map(|s| format!("{s:#010x}")).collect();
            facts.details.push(("wg.sender", senders.join(", ")));
        }
        if self.handshakes > 0 {
            facts
                .details
                .push(("wg.handshakes", self.handshakes.to_string()));
        }
    }
}

impl WireGuard {
    /// Labels one datagram whose first byte is at offset `at`.
    fn message(&mut self, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let mut r = Reader::new(b);
        let Some(t) = r.u8() else { return };
        out.field(at..at + 1, WG_TYPE);
        out.field(at + 1..(at + 4).min(end), WG_RESERVED);
        let (name, layout): (&str, &[(usize, FieldId)]) = match t {
            INITIATION => (
                "handshake initiation",
                &[
                    (4, WG_SENDER),
                    (32, WG_EPHEMERAL),
                    (32 + TAG, WG_STATIC),
                    (12 + TAG, WG_TIMESTAMP),
                    (16, WG_MAC1),
                    (16, WG_MAC2),
                ],
            ),
            RESPONSE => (
                "handshake response",
                &[
                    (4, WG_SENDER),
                    (4, WG_RECEIVER),
                    (32, WG_EPHEMERAL),
                    (TAG, WG_EMPTY),
                    (16, WG_MAC1),
                    (16, WG_MAC2),
                ],
            ),
            COOKIE_REPLY => (
                "cookie reply",
                &[(4, WG_RECEIVER), (24, WG_NONCE), (16 + TAG, WG_COOKIE)],
            ),
            TRANSPORT => ("transport data", &[(4, WG_RECEIVER), (8, WG_COUNTER)]),
            _ => {
                out.note(
                    at..end,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("WireGuard message type {t} is not defined"),
                );
                out.field(at + 4..end, crate::fields::PAYLOAD);
                return;
            }
        };
        let mut pos = 4usize;
        for &(len, field) in layout {
            let s = at + pos as u64;
            let Some(bytes) = b.get(pos..pos + len) else {
                self.cut(name, s, end, field, out);
                return;
            };
            if field == WG_SENDER && self.senders.len() < MAX_SENDERS {
                let index = u32::from_le_bytes(bytes.try_into().unwrap_or([0; 4]));
                if !self.senders.contains(&index) {
                    self.senders.push(index);
                }
            }
            out.field(s..s + len as u64, field);
            pos += len;
        }
        let rest = b.len() - pos;
        let s = at + pos as u64;
        if t == TRANSPORT {
            self.transport += 1;
            if rest < TAG {
                self.cut(name, s, end, WG_PACKET, out);
                return;
            }
            out.field(s..end, WG_PACKET);
            let padded = u32::try_from(rest - TAG).unwrap_or(u32::MAX);
            let plaintext = PlainLen {
                min: padded.saturating_sub(15),
                max: padded,
            };
            // A keepalive is transport data with nothing inside.
            let unit = if padded == 0 { "keepalive" } else { name };
            out.event(
                at,
                Desc::Sealed {
                    proto: "WireGuard",
                    unit,
                    len: u32::try_from(b.len()).unwrap_or(u32::MAX),
                    plaintext: Some(plaintext),
                },
            );
            if padded % 16 != 0 {
                out.note(
                    s..end,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("WireGuard transport data of {padded} bytes is not padded to 16"),
                );
            }
            return;
        }
        if t == INITIATION {
            self.handshakes += 1;
        }
        out.event(
            at,
            Desc::App {
                proto: "WireGuard",
                text: name.into(),
                leaks: vec![],
            },
        );
        if rest > 0 {
            out.note(
                s..end,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("{rest} bytes after a WireGuard {name}"),
            );
            out.field(s..end, crate::fields::PAYLOAD);
        }
    }

    /// The message ends inside `field`: what is there is labelled as that field (a
    /// sealed field's bytes stay opaque), with a note.
    fn cut(&mut self, name: &str, at: u64, end: u64, field: FieldId, out: &mut Emitter) {
        let at = at.min(end);
        out.field(at..end, field);
        out.note(
            at..end,
            Severity::Warn,
            NoteGroup::Truncated,
            format!("WireGuard {name} cut short"),
        );
        out.event(
            at,
            Desc::App {
                proto: "WireGuard",
                text: format!("{name} (cut short)"),
                leaks: vec![],
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Visibility::{self, *};

    /// Labels of every byte of one datagram, and the events.
    fn run(b: &[u8]) -> (Vec<(&'static str, Visibility)>, Emitter) {
        let mut w = WireGuard::default();
        let mut out = Emitter::default();
        w.feed(Direction::ToServer, 0, b, true, &mut out);
        let mut labels = vec![("", Undecoded); b.len()];
        let mut seen = vec![false; b.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                assert!(!seen[i as usize], "byte {i} labelled twice");
                seen[i as usize] = true;
                labels[i as usize] = (s.field.name(), s.vis);
            }
        }
        assert!(seen.iter().all(|&s| s), "every byte labelled");
        (labels, out)
    }

    fn message(t: u8, len: usize) -> Vec<u8> {
        let mut b = vec![t, 0, 0, 0];
        b.extend((4..len).map(|i| i as u8));
        b
    }

    #[test]
    fn initiation_ephemeral_readable_static_and_timestamp_opaque() {
        let b = message(INITIATION, 148);
        assert!(looks_like_wireguard(&b));
        let (l, _) = run(&b);
        assert_eq!(l[4], ("wg.sender", Metadata));
        assert_eq!(l[8], ("wg.ephemeral", Cleartext));
        assert_eq!(l[40], ("wg.encrypted_static", Opaque));
        assert_eq!(l[88], ("wg.encrypted_timestamp", Opaque));
        assert_eq!(l[116], ("wg.mac1", Cleartext));
        assert_eq!(l[147], ("wg.mac2", Cleartext));
    }

    #[test]
    fn response_and_cookie_reply() {
        let (l, _) = run(&message(RESPONSE, 92));
        assert_eq!(l[8], ("wg.receiver", Metadata));
        assert_eq!(l[44], ("wg.encrypted_empty", Opaque));
        let (l, _) = run(&message(COOKIE_REPLY, 64));
        assert_eq!(l[8], ("wg.nonce", Cleartext));
        assert_eq!(l[63], ("wg.encrypted_cookie", Opaque));
    }

    #[test]
    fn transport_data_bounds_the_plaintext_length() {
        let (l, out) = run(&message(TRANSPORT, 96));
        assert_eq!(l[8], ("wg.counter", Metadata));
        assert_eq!(l[16], ("wg.encrypted_packet", Opaque));
        assert!(out.events.iter().any(|e| e.desc
            == Desc::Sealed {
                proto: "WireGuard",
                unit: "transport data",
                len: 96,
                plaintext: Some(PlainLen { min: 49, max: 64 }),
            }));
        let (_, out) = run(&message(TRANSPORT, 32));
        assert!(out
            .events
            .iter()
            .any(|e| matches!(&e.desc, Desc::Sealed { plaintext: Some(p), .. } if p.max == 0)));
        assert!(out
            .events
            .iter()
            .any(|e| matches!(&e.desc, Desc::Sealed { unit, .. } if *unit == "keepalive")));
    }

    #[test]
    fn recognition_needs_the_exact_size() {
        assert!(!looks_like_wireguard(&message(INITIATION, 147)));
        assert!(!looks_like_wireguard(&message(TRANSPORT, 40)));
        assert!(!looks_like_wireguard(&[1, 0, 0, 1]));
        assert!(!looks_like_wireguard(&message(5, 64)));
        assert!(!looks_like_wireguard(&[]));
    }

    #[test]
    fn truncated_messages_of_every_type_are_noted_never_panic() {
        for t in 0..=6u8 {
            for len in 0..160 {
                let b = message(t, len);
                let b = &b[..len.min(b.len())];
                let (l, out) = run(b);
                if (1..=4).contains(&t) && len > 4 && len < [0, 148, 92, 64, 32][t as usize] {
                    assert!(!out.notes.is_empty(), "type {t} cut at {len} has a note");
                }
                // A sealed field cut short stays opaque.
                if t == INITIATION && len > 60 {
                    assert_eq!(l[50].1, Opaque);
                }
            }
        }
    }

    #[test]
    fn trailing_bytes_after_a_fixed_message_are_undecoded() {
        let (l, out) = run(&message(COOKIE_REPLY, 70));
        assert_eq!(l[65], ("data", Undecoded));
        assert_eq!(out.notes.len(), 1);
    }
}

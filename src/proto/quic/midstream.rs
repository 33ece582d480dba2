//! QUIC picked up mid-connection: short-header (1-RTT) packets on UDP 443 whose
//! handshake the capture did not see.
//!
//! A short header (RFC 9000 section 17.3.1) is one byte (header form 0, fixed bit 1,
//! the rest header-protected), the Destination Connection ID, then the protected
//! packet number and payload. The connection ID travels in the clear but its length is
//! not written anywhere: the receiver chose it during the handshake. Without the
//! handshake an observer learns it the way a middlebox does, from what repeats: the
//! bytes after the first byte that every packet of a direction shares (at least
//! [`MIN_CID`] of them; fewer means the receiver chose an empty connection ID, as
//! browsers often do). Until a direction's second packet shows it, the connection ID
//! is counted with the protected bytes: opaque, never claimed readable.
//!
//! Recognition needs port 443 on either side (QUIC's port; RFC 9308 section 8) and
//! the short header's fixed bit, since a short header has no magic of its own. Long
//! headers arriving later (a new handshake, a Handshake packet retransmitted) show
//! their version and are otherwise protected here. The stack is `QUIC` without TLS:
//! no handshake was read, so nothing is said about the server's name or the suite.

use super::{plaintext_bounds, QUIC_DCID, QUIC_HEADER, QUIC_PROTECTED, QUIC_VERSION};
use crate::note::{NoteGroup, Severity};
use crate::proto::registry::{Detect, Probe, Protocol};
use crate::proto::{Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};

/// QUIC's port, where a bare short header is taken for QUIC.
const PORT: u16 = 443;
/// The shortest protected part: header protection samples 16 bytes starting 4 bytes
/// after the packet number's start (RFC 9001 section 5.4.2).
const MIN_PROTECTED: usize = 4 + 16;
/// The longest connection ID (RFC 9000 section 17.2).
const MAX_CID: usize = 20;
/// Fewer shared bytes than this are taken for chance, not a connection ID (QUIC
/// implementations choose 4 bytes or more, most 8).
const MIN_CID: usize = 4;

/// A short header, the fixed bit set, long enough to be protected.
fn short_header(b: &[u8]) -> bool {
    b.first().is_some_and(|&b0| b0 & 0xc0 == 0x40) && b.len() > MIN_PROTECTED
}

/// QUIC short headers on port 443 with no handshake seen.
pub static MIDSTREAM: Protocol = Protocol {
    name: "QUIC",
    detect: |p: &Probe<'_>| Detect::when(p.either_port(&[PORT]) && short_header(p.bytes)),
    ports: &[],
    new: |_| Box::<Midstream>::default(),
    fields: super::FIELDS,
};

/// What one direction's packets showed of its connection ID.
#[derive(Debug, Default)]
struct Side {
    /// The bytes after the first byte of the direction's first short header.
    first: Option<Vec<u8>>,
    /// The connection ID's length, once a second packet showed it.
    cid: Option<usize>,
    packets: u64,
}

#[derive(Debug, Default)]
pub struct Midstream {
    sides: [Side; 2],
}

impl Dissector for Midstream {
    fn feed(&mut self, dir: Direction, at: u64, b: &[u8], _: bool, out: &mut Emitter) -> Fed {
        let r = |s: usize, e: usize| at + s as u64..at + e as u64;
        let Some(side) = self.sides.get_mut(dir.index()) else {
            return Fed::Done(b.len());
        };
        side.packets += 1;
        if side.packets == 1 {
            out.note(
                r(0, 1),
                Severity::Note,
                NoteGroup::Protocol,
                "QUIC short-header packets with no handshake seen (picked up mid-connection): \
                 the connection ID is learnt from what repeats, the rest is encrypted"
                    .to_string(),
            );
        }
        let Some(&b0) = b.first() else {
            return Fed::Done(0);
        };
        if b0 & 0x80 != 0 {
            // A long header: its first byte and version are visible; without the
            // handshake's state the rest is taken as protected.
            let v = b.len().min(5);
            out.field(r(0, 1), QUIC_HEADER);
            out.field(r(1, v), QUIC_VERSION);
            out.field(r(v, b.len()), QUIC_PROTECTED);
            return Fed::Done(b.len());
        }
        let body = b.get(1..).unwrap_or(&[]);
        let cid = match (&side.first, side.cid) {
            (_, Some(n)) if body.get(..n) == side.first.as_ref().and_then(|f| f.get(..n)) => n,
            // Another connection ID (the peer moved to a new one): not learnt again.
            (_, Some(_)) => 0,
            (None, None) => {
                side.first = Some(body.iter().take(MAX_CID).copied().collect());
                0
            }
            (Some(first), None) => {
                let shared = first
                    .iter()
                    .zip(body)
                    .take_while(|(a, b)| a == b)
                    .count()
                    .min(body.len().saturating_sub(MIN_PROTECTED));
                let n = if shared >= MIN_CID { shared } else { 0 };
                side.cid = Some(n);
                n
            }
        };
        out.field(r(0, 1), QUIC_HEADER);
        out.field(r(1, 1 + cid), QUIC_DCID);
        out.field(r(1 + cid, b.len()), QUIC_PROTECTED);
        out.event(
            at,
            Desc::Sealed {
                proto: "QUIC",
                unit: "1-RTT packet",
                len: u32::try_from(b.len()).unwrap_or(u32::MAX),
                plaintext: plaintext_bounds(b.len().saturating_sub(1 + cid)),
            },
        );
        Fed::Done(b.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("QUIC".into());
        facts.protection = Some(Protection {
            proto: "QUIC (handshake not seen)".into(),
            ..Protection::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Transport;
    use crate::span::Visibility;

    fn probe(bytes: &[u8], server_port: u16) -> Probe<'_> {
        Probe {
            bytes,
            dir: Direction::ToServer,
            transport: Transport::Udp,
            client_port: 54522,
            server_port,
        }
    }

    /// A short header with `cid`, then `n` protected bytes made from `seed`.
    fn packet(cid: &[u8], seed: u8, n: usize) -> Vec<u8> {
        let mut b = vec![0x40 | (seed & 0x1f)];
        b.extend(cid);
        b.extend((0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
        b
    }

    fn fields(out: &Emitter) -> Vec<(&'static str, u64, Visibility)> {
        out.spans
            .iter()
            .map(|s| (s.field.name(), s.range.end - s.range.start, s.vis))
            .collect()
    }

    #[test]
    fn short_headers_on_443_only() {
        let p = packet(&[0xc0, 0xa0, 0xcd, 0x79, 0xb5, 0xe6, 0x8a, 0x63], 1, 40);
        assert_eq!((MIDSTREAM.detect)(&probe(&p, 443)), Detect::Yes);
        assert_eq!((MIDSTREAM.detect)(&probe(&p, 4433)), Detect::No);
        // Fixed bit clear, a long header, too short to be protected.
        let mut no_fixed = p.clone();
        no_fixed[0] = 0x10;
        assert_eq!((MIDSTREAM.detect)(&probe(&no_fixed, 443)), Detect::No);
        let mut long = p.clone();
        long[0] = 0xc0;
        assert_eq!((MIDSTREAM.detect)(&probe(&long, 443)), Detect::No);
        assert_eq!((MIDSTREAM.detect)(&probe(&p[..15], 443)), Detect::No);
    }

    #[test]
    fn the_connection_id_is_learnt_from_the_second_packet() {
        let cid = [0xc0, 0xa0, 0xcd, 0x79, 0xb5, 0xe6, 0x8a, 0x63];
        let mut q = Midstream::default();
        let mut out = Emitter::default();
        let first = packet(&cid, 1, 60);
        q.feed(Direction::ToServer, 0, &first, true, &mut out);
        // The first packet: no connection ID claimed, everything after byte 0 opaque.
        assert_eq!(
            fields(&out),
            [
                ("quic.header", 1, Visibility::Metadata),
                ("quic.protected_payload", 60 + 8, Visibility::Opaque)
            ]
        );
        assert_eq!(out.notes.len(), 1);
        let mut out = Emitter::default();
        q.feed(Direction::ToServer, 0, &packet(&cid, 2, 50), true, &mut out);
        assert_eq!(
            fields(&out),
            [
                ("quic.header", 1, Visibility::Metadata),
                ("quic.dcid", 8, Visibility::Metadata),
                ("quic.protected_payload", 50, Visibility::Opaque)
            ]
        );
        assert!(out.notes.is_empty());
        // The other direction's empty connection ID: nothing repeats.
        let mut out = Emitter::default();
        q.feed(Direction::ToClient, 0, &packet(&[], 3, 30), true, &mut out);
        q.feed(
            Direction::ToClient,
            100,
            &packet(&[], 4, 30),
            true,
            &mut out,
        );
        assert!(
            fields(&out).iter().all(|f| f.0 != "quic.dcid"),
            "{:?}",
            fields(&out)
        );
        let mut facts = Facts::default();
        q.facts(&mut facts);
        assert_eq!(facts.stack, ["QUIC"]);
    }

    #[test]
    fn a_hostile_datagram_is_labelled_whole() {
        let mut q = Midstream::default();
        for b in [vec![], vec![0x40], vec![0xff; 3], vec![0x41; 2000]] {
            let mut out = Emitter::default();
            assert_eq!(
                q.feed(Direction::ToServer, 0, &b, true, &mut out),
                Fed::Done(b.len())
            );
            let covered: u64 = out.spans.iter().map(|s| s.range.end - s.range.start).sum();
            assert_eq!(covered, b.len() as u64);
        }
    }
}

//! STUN and TURN over TCP (RFC 8489 section 6.2.2, RFC 8656 section 11.5): the same
//! messages as over UDP, one after another in the stream. A STUN message is framed by
//! its own header (20 bytes and the length it states); a TURN ChannelData message
//! (first two bits `01`) by its 4-byte header, its length and, over TCP, padding to a
//! multiple of 4. Each message then goes through the same RFC 7983 demultiplexer as a
//! datagram would, so what TURN relays (DTLS, SRTP, a peer's STUN) is read the same
//! way. Browsers fall back to TURN over TCP on networks that block UDP.

use super::demux::Demux;
use super::registry::{Detect, Probe, Protocol};
use super::stun::{hdr, MAGIC_COOKIE, STUN_UNDECODED};
use super::{Direction, Dissector, Emitter, Facts, Fed};
use crate::codec::{be16, be32};
use crate::note::{NoteGroup, Severity};

/// STUN or TURN over TCP: a message with the magic cookie at the start of the client's
/// stream, or the STUN ports.
pub static PROTOCOL: Protocol = Protocol {
    name: "STUN",
    detect,
    ports: &[3478, 3479],
    new: |_| Box::<StunTcp>::default(),
    fields: super::stun::FIELDS,
};

fn detect(p: &Probe<'_>) -> Detect {
    if !p.from_client() {
        return Detect::No;
    }
    match (be16(p.bytes, 0), be16(p.bytes, 2), be32(p.bytes, 4)) {
        (Some(t), Some(len), Some(cookie)) => {
            Detect::when(t & 0xc000 == 0 && len % 4 == 0 && cookie == MAGIC_COOKIE)
        }
        // A short start: wait only while it can still be a STUN request.
        _ if p.bytes.first().is_some_and(|&b| b <= 0x03) => Detect::NeedMore,
        _ => Detect::No,
    }
}

/// How long the message at the front of `b` is, from its header.
fn message_len(b: &[u8]) -> Option<Framed> {
    let first = *b.first()?;
    let len = usize::from(be16(b, 2)?);
    Some(match first >> 6 {
        0 => Framed::Message(hdr::LEN + len),
        // ChannelData: channel numbers 0x4000-0x4FFF (RFC 8656 section 12), padded.
        1 if first < 0x50 => Framed::Message(4 + len.next_multiple_of(4)),
        _ => Framed::Lost,
    })
}

enum Framed {
    Message(usize),
    Lost,
}

#[derive(Debug, Default)]
pub struct StunTcp {
    demux: Demux,
    /// A direction whose framing was lost (a gap, or bytes no header explains).
    lost: [bool; 2],
}

impl Dissector for StunTcp {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let d = dir.index();
        let mut done = 0usize;
        while done < data.len() {
            let rest = data.get(done..).unwrap_or(&[]);
            let at = base + done as u64;
            let framed = if self.lost.get(d).copied().unwrap_or(true) {
                Some(Framed::Lost)
            } else {
                message_len(rest)
            };
            match framed {
                Some(Framed::Message(n)) if n <= rest.len() => {
                    self.demux
                        .feed(dir, at, rest.get(..n).unwrap_or(&[]), true, out);
                    done += n;
                }
                // Wait for the rest of the message (at most 64 KiB and a header).
                Some(Framed::Message(_)) | None if !flush => break,
                Some(Framed::Message(_)) | None => {
                    out.field(at..base + data.len() as u64, STUN_UNDECODED);
                    out.note(
                        at..at + 1,
                        Severity::Warn,
                        NoteGroup::Truncated,
                        "STUN over TCP: the stream ends inside a message".into(),
                    );
                    done = data.len();
                }
                Some(Framed::Lost) => {
                    if let Some(l) = self.lost.get_mut(d) {
                        if !*l {
                            out.note(
                                at..at + 1,
                                Severity::Warn,
                                NoteGroup::Malformed,
                                "STUN over TCP: bytes that start no STUN or ChannelData \
                                 message; framing lost for this direction"
                                    .into(),
                            );
                        }
                        *l = true;
                    }
                    out.field(at..base + data.len() as u64, STUN_UNDECODED);
                    done = data.len();
                }
            }
        }
        Fed::Done(done)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(l) = self.lost.get_mut(dir.index()) {
            *l = true;
        }
    }

    fn facts(&self, facts: &mut Facts) {
        self.demux.facts(facts);
    }

    fn tls(&self) -> Option<&super::tls::TlsFacts> {
        self.demux.tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Transport;

    fn probe(bytes: &[u8]) -> Probe<'_> {
        Probe {
            bytes,
            dir: Direction::ToServer,
            transport: Transport::Tcp,
            client_port: 50221,
            server_port: 80,
        }
    }

    /// A STUN Binding request with one SOFTWARE attribute.
    fn binding() -> Vec<u8> {
        let mut b = vec![0x00, 0x01, 0x00, 0x0c];
        b.extend(MAGIC_COOKIE.to_be_bytes());
        b.extend([7; 12]);
        b.extend([0x80, 0x22, 0x00, 0x07]);
        b.extend(b"webrtc\0");
        b.push(0);
        b
    }

    fn covered(out: &Emitter) -> u64 {
        out.spans.iter().map(|s| s.range.end - s.range.start).sum()
    }

    #[test]
    fn recognised_by_the_cookie_on_any_port() {
        let m = binding();
        assert_eq!(detect(&probe(&m)), Detect::Yes);
        assert_eq!(detect(&probe(&m[..3])), Detect::NeedMore);
        assert_eq!(detect(&probe(b"GET / HTTP/1.1\r\n")), Detect::No);
        let mut p = probe(&m);
        p.dir = Direction::ToClient;
        assert_eq!(detect(&p), Detect::No);
    }

    #[test]
    fn messages_are_framed_across_segments_and_channel_data_is_padded() {
        let mut s = StunTcp::default();
        let m = binding();
        let mut stream = m.clone();
        stream.extend(&m);
        // ChannelData on 0x4001 with 5 bytes, padded to 8.
        stream.extend([0x40, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0]);
        let mut out = Emitter::default();
        // The first message and half of the second: one message labelled.
        let cut = m.len() + 10;
        let Fed::Done(n) = s.feed(Direction::ToServer, 0, &stream[..cut], false, &mut out) else {
            panic!()
        };
        assert_eq!(n, m.len());
        assert_eq!(covered(&out), m.len() as u64);
        let mut out = Emitter::default();
        let Fed::Done(n2) = s.feed(Direction::ToServer, n as u64, &stream[n..], false, &mut out)
        else {
            panic!()
        };
        assert_eq!(n + n2, stream.len());
        assert_eq!(covered(&out), (stream.len() - n) as u64);
        let mut facts = Facts::default();
        s.facts(&mut facts);
        assert!(
            facts
                .stack
                .iter()
                .any(|l| l.contains("STUN") || l.contains("TURN")),
            "{facts:?}"
        );
    }

    #[test]
    fn hostile_streams_end_labelled_never_waiting_forever() {
        let mut s = StunTcp::default();
        let mut out = Emitter::default();
        // A header that promises 65,535 bytes, then the stream ends.
        let big = [0x00, 0x01, 0xff, 0xfc, 0x21, 0x12, 0xa4, 0x42, 1, 2];
        assert_eq!(
            s.feed(Direction::ToServer, 0, &big, false, &mut out),
            Fed::Done(0)
        );
        assert_eq!(
            s.feed(Direction::ToServer, 0, &big, true, &mut out),
            Fed::Done(big.len())
        );
        assert_eq!(covered(&out), big.len() as u64);
        // Bytes that start no message: labelled undecoded to the end, once noted.
        let mut out = Emitter::default();
        let junk = [0xff; 40];
        assert_eq!(
            s.feed(Direction::ToClient, 0, &junk, false, &mut out),
            Fed::Done(40)
        );
        assert_eq!(
            s.feed(Direction::ToClient, 40, &junk, false, &mut out),
            Fed::Done(40)
        );
        assert_eq!(out.notes.len(), 1);
        assert_eq!(covered(&out), 80);
    }
}

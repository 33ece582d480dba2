//! WebSocket (RFC 6455), after an HTTP/1.1 `Upgrade: websocket` answered by `101
//! Switching Protocols`: the connection becomes a sequence of frames in each direction.
//!
//! A frame (section 5.2): a byte with FIN, three reserved bits and the opcode; a byte
//! with the MASK bit and a 7-bit length, extended to 16 or 64 bits; a 4-byte masking
//! key (every client frame); the payload. All of it travels readable: the masking key
//! is in the clear next to the payload it masks (masking defeats proxy cache
//! poisoning, not observers), so the payload is read by XOR-ing it with the key.
//!
//! What an observer reads, by opcode: text frames (1) and their continuations are
//! readable content; close frames (8) a status code and a reason; ping and pong (9,
//! 10) their application data. Binary frames (2) carry whatever the application
//! chose, judged on the unmasked bytes as unknown payload is: text is readable, a
//! message random from its first byte (a proxy protocol such as VMess or Shadowsocks
//! carried over WebSocket) is opaque, structured binary readable, anything else
//! undecoded. With `permessage-deflate` (RFC 7692: RSV1 on a message's first
//! frame) payloads are compressed, readable to anyone who inflates them.
//!
//! Bounds: a frame's length may claim up to 2^63 bytes; payloads are labelled as they
//! arrive, never gathered. A header that is not a frame (a reserved opcode, a control
//! frame longer than 125 bytes or fragmented) loses the framing: the rest of the
//! direction is unknown payload, with a note.

use super::registry::{Detect, Probe, Protocol};
use super::unknown::{classify_chunk_explained, Judged};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "WebSocket";
    // RFC 6455 section 5.2.
    WS_HEADER = "websocket.header", Header, Metadata, None, "frame header: FIN, reserved bits, opcode, MASK bit and payload length (RFC 6455 section 5.2)";
    WS_MASK = "websocket.masking_key", Header, Metadata, None, "masking key of a client frame: sent in the clear, so masked payloads are readable";
    WS_TEXT = "websocket.payload.text", Content, Cleartext, None, "payload of a text frame (UTF-8), unmasked by anyone who reads the key";
    WS_CONTROL = "websocket.payload.control", Content, Cleartext, None, "payload of a close, ping or pong frame: a status code and reason, or application data";
    WS_COMPRESSED = "websocket.payload.compressed", Content, Cleartext, None, "a compressed payload (permessage-deflate, RFC 7692): readable once inflated";
}

/// Announced by HTTP's `Upgrade: websocket`, never recognised by content (a frame
/// header is two bytes any binary protocol could start with).
pub static PROTOCOL: Protocol = Protocol {
    name: "WebSocket",
    detect: |_: &Probe<'_>| Detect::No,
    ports: &[],
    new: |_| Box::<WebSocket>::default(),
    fields: FIELDS,
};

/// Control frames carry at most this much (section 5.5).
const MAX_CONTROL: u64 = 125;

#[derive(Debug, Default)]
pub struct WebSocket {
    dirs: [WsDir; 2],
    frames: u64,
}

/// One direction's framing.
#[derive(Debug, Default)]
struct WsDir {
    /// Payload bytes left in the current frame.
    left: u64,
    /// The current frame's masking key, and how many payload bytes it has unmasked.
    mask: Option<[u8; 4]>,
    masked: u64,
    /// The current frame's opcode (a continuation takes its message's).
    opcode: u8,
    /// The message being continued: its opcode, and whether it is compressed.
    message: u8,
    compressed: bool,
    /// Framing was lost: the rest of the direction is unknown payload.
    lost: bool,
    /// The current binary message: whether its first bytes said fully encrypted.
    encrypted: Judged,
    /// Some binary message was fully encrypted (and a note said so).
    saw_encrypted: bool,
    /// A masked binary chunk, unmasked (what an observer reads), kept between chunks.
    unmasked: Vec<u8>,
    explained: bool,
}

/// A frame header: (its length, FIN, RSV1, opcode, masking key, payload length).
struct Header {
    len: usize,
    fin: bool,
    rsv1: bool,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: u64,
}

/// Reads a frame header; `None` when more bytes are needed.
fn header(b: &[u8]) -> Option<Header> {
    let (&b0, &b1) = (b.first()?, b.get(1)?);
    let (mut len, payload) = match b1 & 0x7f {
        126 => (4, u64::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?]))),
        127 => {
            let mut n = [0u8; 8];
            n.copy_from_slice(b.get(2..10)?);
            (10, u64::from_be_bytes(n))
        }
        n => (2, u64::from(n)),
    };
    let mask = if b1 & 0x80 != 0 {
        let mut k = [0u8; 4];
        k.copy_from_slice(b.get(len..len + 4)?);
        len += 4;
        Some(k)
    } else {
        None
    };
    Some(Header {
        len,
        fin: b0 & 0x80 != 0,
        rsv1: b0 & 0x40 != 0,
        opcode: b0 & 0x0f,
        mask,
        payload,
    })
}

fn opcode_name(op: u8) -> &'static str {
    match op {
        0 => "continuation",
        1 => "text",
        2 => "binary",
        8 => "close",
        9 => "ping",
        10 => "pong",
        _ => "reserved",
    }
}

impl Dissector for WebSocket {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let Some(d) = self.dirs.get_mut(dir.index()) else {
            return Fed::Done(0);
        };
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            if d.lost {
                classify_chunk_explained(at, rest, false, out);
                return Fed::Done(data.len());
            }
            if d.left > 0 {
                let take = usize::try_from(d.left)
                    .unwrap_or(usize::MAX)
                    .min(rest.len());
                d.payload(at, rest.get(..take).unwrap_or(&[]), out);
                d.left -= take as u64;
                pos += take;
                continue;
            }
            let Some(h) = header(rest) else {
                if !flush {
                    return Fed::Done(pos);
                }
                out.field(at..base + data.len() as u64, WS_HEADER);
                out.note(
                    at..base + data.len() as u64,
                    Severity::Note,
                    NoteGroup::Truncated,
                    "WebSocket frame header cut off".into(),
                );
                return Fed::Done(data.len());
            };
            let control = h.opcode >= 8;
            let bad = match h.opcode {
                0 => d.message == 0,
                1 | 2 => false,
                8..=10 => h.payload > MAX_CONTROL || !h.fin,
                _ => true,
            };
            if bad {
                d.lost = true;
                out.note(
                    at..at + 2,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!(
                        "not a WebSocket frame ({} opcode {}, {} bytes): framing lost, the rest \
                         of the direction is unknown payload",
                        if h.fin { "final" } else { "fragment," },
                        h.opcode,
                        h.payload
                    ),
                );
                continue;
            }
            let key_at = h.len - if h.mask.is_some() { 4 } else { 0 };
            out.field(at..at + key_at as u64, WS_HEADER);
            if h.mask.is_some() {
                out.field(at + key_at as u64..at + h.len as u64, WS_MASK);
            }
            if !control {
                if h.opcode != 0 {
                    d.message = h.opcode;
                    d.compressed = h.rsv1;
                    d.encrypted = Judged::Unjudged;
                }
                d.opcode = d.message;
                if h.fin {
                    d.message = 0;
                }
            } else {
                d.opcode = h.opcode;
            }
            let close = (h.opcode == 8)
                .then(|| {
                    let p = rest.get(h.len..h.len + 2)?;
                    let [m0, m1, ..] = h.mask.unwrap_or([0; 4]);
                    let (a, b) = (p.first()? ^ m0, p.get(1)? ^ m1);
                    Some(u16::from_be_bytes([a, b]))
                })
                .flatten();
            let text = match close {
                Some(code) => format!("close {code}"),
                None => format!(
                    "{}{} frame, {} bytes{}",
                    opcode_name(h.opcode),
                    if h.fin || control { "" } else { " (fragment)" },
                    h.payload,
                    if d.compressed && !control {
                        ", compressed"
                    } else {
                        ""
                    }
                ),
            };
            self.frames += 1;
            out.event(
                at,
                Desc::App {
                    proto: "WebSocket",
                    text,
                    leaks: vec![],
                },
            );
            d.mask = h.mask;
            d.masked = 0;
            d.left = h.payload;
            pos += h.len;
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(d) = self.dirs.get_mut(dir.index()) {
            d.lost = true;
        }
    }

    fn compact(&mut self) {
        for d in &mut self.dirs {
            d.unmasked = Vec::new();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("WebSocket".into());
        if self.dirs.iter().any(|d| d.saw_encrypted) {
            facts.stack.push(super::unknown::PRESUMED.into());
            facts.protection = Some(super::Protection {
                proto: "an unidentified protocol over WebSocket, encrypted from its first byte"
                    .into(),
                ..super::Protection::default()
            });
        }
    }
}

impl WsDir {
    /// Payload bytes of the current frame at `at`.
    fn payload(&mut self, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        match self.opcode {
            8..=10 => out.field(at..end, WS_CONTROL),
            _ if self.compressed => out.field(at..end, WS_COMPRESSED),
            1 => {
                out.field(at..end, WS_TEXT);
                out.event(at, Desc::Text);
            }
            _ => {
                // Binary: judged on what an observer reads, the unmasked bytes.
                if self.encrypted == Judged::Encrypted {
                    // The rest of a message already judged: nothing to unmask.
                    out.field(at..end, crate::fields::DATA_FULLY_ENCRYPTED);
                } else {
                    let plain: &[u8] = match self.mask {
                        Some(k) => {
                            // Reused between chunks: no allocation per packet.
                            self.unmasked.clear();
                            self.unmasked.extend(
                                b.iter().zip(self.masked..).map(|(&x, i)| {
                                    x ^ k.get((i % 4) as usize).copied().unwrap_or(0)
                                }),
                            );
                            &self.unmasked
                        }
                        None => b,
                    };
                    let note = !self.saw_encrypted;
                    if self.encrypted.judge_noting(
                        at,
                        plain,
                        "a WebSocket binary message",
                        note,
                        out,
                    ) {
                        self.saw_encrypted = true;
                        out.field(at..end, crate::fields::DATA_FULLY_ENCRYPTED);
                    } else if classify_chunk_explained(at, plain, !self.explained, out) {
                        self.explained = true;
                    }
                }
            }
        }
        self.masked += b.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client frame: masked with `key`.
    fn frame(fin: bool, op: u8, key: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![if fin { 0x80 } else { 0 } | op];
        let m = if key.is_some() { 0x80 } else { 0 };
        match payload.len() {
            n @ 0..=125 => f.push(m | n as u8),
            n @ 126..=0xffff => {
                f.push(m | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(m | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        if let Some(k) = key {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, &x)| x ^ k[i % 4]));
        } else {
            f.extend_from_slice(payload);
        }
        f
    }

    fn run(ws: &mut WebSocket, dir: Direction, chunks: &[&[u8]]) -> Emitter {
        let mut out = Emitter::default();
        let mut buf = Vec::new();
        let mut base = 0u64;
        for (i, c) in chunks.iter().enumerate() {
            buf.extend_from_slice(c);
            let flush = i + 1 == chunks.len();
            let (Fed::Done(n) | Fed::Handover(n)) = ws.feed(dir, base, &buf, flush, &mut out);
            buf.drain(..n);
            base += n as u64;
        }
        out
    }

    fn covered(out: &Emitter, len: u64) {
        let mut seen = vec![0u8; len as usize];
        for s in &out.spans {
            for i in s.range.clone() {
                seen[i as usize] += 1;
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "every byte once: {:?}",
            out.spans
        );
    }

    #[test]
    fn a_masked_text_frame_is_readable_and_split_anywhere() {
        let f = frame(
            true,
            1,
            Some([0x11, 0x22, 0x33, 0x44]),
            b"Simple is better than complex",
        );
        for cut in 0..f.len() {
            let (a, b) = f.split_at(cut);
            let out = run(&mut WebSocket::default(), Direction::ToServer, &[a, b]);
            covered(&out, f.len() as u64);
            assert!(out
                .spans
                .iter()
                .any(|s| s.field == WS_MASK && s.range == (2..6)));
            assert!(out.spans.iter().any(|s| s.field == WS_TEXT));
            assert!(out.events.iter().any(
                |e| matches!(&e.desc, Desc::App { text, .. } if text == "text frame, 29 bytes")
            ));
        }
    }

    #[test]
    fn random_binary_payloads_are_opaque_and_structured_ones_undecoded() {
        let mut x: u32 = 99;
        let random: Vec<u8> = (0..600)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let mut ws = WebSocket::default();
        let f = frame(true, 2, Some([9, 8, 7, 6]), &random);
        let out = run(&mut ws, Direction::ToServer, &[&f]);
        covered(&out, f.len() as u64);
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == crate::fields::DATA_FULLY_ENCRYPTED));
        let mut facts = Facts::default();
        ws.facts(&mut facts);
        assert_eq!(facts.stack, ["WebSocket", "fully encrypted"]);

        let structured: Vec<u8> = (0..600u32)
            .map(|i| if i % 4 == 0 { (i / 4) as u8 } else { 0 })
            .collect();
        let f = frame(true, 2, None, &structured);
        let out = run(&mut WebSocket::default(), Direction::ToClient, &[&f]);
        covered(&out, f.len() as u64);
        assert!(!out
            .spans
            .iter()
            .any(|s| s.field == crate::fields::DATA_FULLY_ENCRYPTED));
    }

    #[test]
    fn fragments_close_and_control_frames() {
        let mut b = frame(false, 1, None, b"Hello, ");
        b.extend(frame(true, 9, None, b"ping"));
        b.extend(frame(true, 0, None, b"world"));
        b.extend(frame(true, 8, None, &[0x03, 0xe8, b'b', b'y', b'e']));
        let out = run(&mut WebSocket::default(), Direction::ToClient, &[&b]);
        covered(&out, b.len() as u64);
        let texts: Vec<&str> = out
            .events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::App { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            [
                "text (fragment) frame, 7 bytes",
                "ping frame, 4 bytes",
                "continuation frame, 5 bytes",
                "close 1000"
            ]
        );
        assert_eq!(out.spans.iter().filter(|s| s.field == WS_TEXT).count(), 2);
    }

    #[test]
    fn hostile_headers_lose_the_framing_without_panic() {
        // A length of 2^63 - 1: labelled as it arrives, never gathered.
        let mut huge = vec![0x82, 127];
        huge.extend_from_slice(&(u64::MAX >> 1).to_be_bytes());
        huge.extend_from_slice(&[0x55; 100]);
        let out = run(&mut WebSocket::default(), Direction::ToClient, &[&huge]);
        covered(&out, huge.len() as u64);
        // A reserved opcode, a long control frame, a continuation with nothing to continue.
        for bad in [vec![0x83, 1, 0], vec![0x89, 126, 0, 200], vec![0x80, 1, 0]] {
            let out = run(&mut WebSocket::default(), Direction::ToClient, &[&bad]);
            covered(&out, bad.len() as u64);
            assert!(
                out.notes.iter().any(|n| n.text.contains("framing lost")),
                "{bad:?}"
            );
        }
        // Truncated at every byte.
        let f = frame(true, 2, Some([1, 2, 3, 4]), &[7; 300]);
        for cut in 0..f.len() {
            let out = run(&mut WebSocket::default(), Direction::ToServer, &[&f[..cut]]);
            covered(&out, cut as u64);
        }
    }
}

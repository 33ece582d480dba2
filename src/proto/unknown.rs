//! The fallback for payload no dissector claims: readable text is `Cleartext`,
//! anything else stays `Undecoded` (never assumed safe), with a note saying what the
//! bytes look like (encrypted or compressed, or structured binary). On TCP, a TLS
//! handshake that starts at a chunk boundary still takes the stream over.

use super::framing::upgrade_check;
use super::registry::Probe;
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::decode::Transport;
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;

/// Unknown payload of one flow.
#[derive(Debug)]
pub struct Unknown {
    transport: Transport,
    /// The explanation was given for this direction (once is enough).
    explained: [bool; 2],
}

impl Unknown {
    pub fn new(probe: &Probe<'_>) -> Unknown {
        Unknown {
            transport: probe.transport,
            explained: [false; 2],
        }
    }
}

impl Dissector for Unknown {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        if self.transport == Transport::Udp {
            classify_chunk(base, data, out);
            return Fed::Done(data.len());
        }
        if let Some(f) = upgrade_check(data, flush) {
            return f;
        }
        let d = dir.index();
        let explain = !self.explained.get(d).copied().unwrap_or(true);
        if classify_chunk_explained(base, data, explain, out) {
            if let Some(e) = self.explained.get_mut(d) {
                *e = true;
            }
        }
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        // A UDP flow nothing recognised is just UDP.
        if self.transport == Transport::Tcp {
            facts.stack.push("unknown".into());
        }
    }
}

/// True when every byte is printable: ASCII graphic characters, space, tab, CR, LF,
/// or well-formed UTF-8 outside the control ranges. Empty input is not text.
pub fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    if bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return true;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')),
        Err(_) => false,
    }
}

/// True when an observer reads `bytes` as text although not every byte is printable:
/// at least 16 bytes, nine in ten of them printable ASCII or white space, with words
/// or lines (a space or a line end) — a text protocol with a few binary bytes, or text
/// with stray control characters. No NUL-heavy structures: binary framing rarely
/// gets past nine in ten.
pub fn mostly_text(bytes: &[u8]) -> bool {
    if bytes.len() < 16 {
        return false;
    }
    let printable = bytes
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
        .count();
    printable * 10 >= bytes.len() * 9 && bytes.iter().any(|&b| matches!(b, b' ' | b'\n'))
}

/// Labels a chunk of an unrecognised stream or datagram at `base` as text or undecoded.
pub fn classify_chunk(base: u64, bytes: &[u8], out: &mut Emitter) {
    classify_chunk_explained(base, bytes, false, out);
}

/// Shannon entropy of the bytes, in bits per byte (0 to 8).
pub fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in bytes {
        // `b` is a u8: every index is in range.
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Chunks shorter than this are too small to judge by entropy.
const ENTROPY_MIN: usize = 128;
/// Above this many bits per byte, bytes look encrypted or compressed (random data of
/// a few hundred bytes already measures about 7.2).
const ENTROPY_HIGH: f64 = 7.0;

/// Like [`classify_chunk`]; with `explain`, says in a note why bytes that are not text
/// stay undecoded: they look encrypted or compressed (high entropy), or like structured
/// binary. Returns true when it gave that note.
pub fn classify_chunk_explained(base: u64, bytes: &[u8], explain: bool, out: &mut Emitter) -> bool {
    let end = base + bytes.len() as u64;
    if looks_like_text(bytes) || mostly_text(bytes) {
        out.field(base..end, crate::fields::TEXT);
        out.event(base, Desc::Text);
        return false;
    }
    if bytes.len() < ENTROPY_MIN {
        out.span(base..end, crate::fields::PAYLOAD, Visibility::Undecoded);
        return false;
    }
    let h = entropy(bytes);
    let (field, evidence) = if h >= ENTROPY_HIGH {
        (
            crate::fields::DATA_HIGH_ENTROPY,
            format!(
                "looks encrypted or compressed: {h:.2} bits of entropy per byte over {} bytes",
                bytes.len()
            ),
        )
    } else {
        let zeros = bytes.iter().filter(|&&b| b == 0).count() * 100 / bytes.len();
        let printable = bytes
            .iter()
            .filter(|b| b.is_ascii_graphic() || **b == b' ')
            .count()
            * 100
            / bytes.len();
        (
            crate::fields::DATA_BINARY,
            format!(
                "looks like structured binary: {h:.2} bits of entropy per byte, {zeros}% zero bytes, \
                 {printable}% printable"
            ),
        )
    };
    out.span(base..end, field, Visibility::Undecoded);
    if explain {
        out.note(
            base..end,
            Severity::Note,
            NoteGroup::Undecoded,
            format!("unrecognised payload {evidence}"),
        );
    }
    explain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_textbook_message_is_text() {
        assert!(looks_like_text(b"Simple is better than complex\n"));
        assert!(looks_like_text("Größe: 3 × 4\r\n".as_bytes()));
    }

    #[test]
    fn entropy_tells_random_from_structured() {
        let mut x: u32 = 7;
        let random: Vec<u8> = (0..1000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        assert!(entropy(&random) > 7.5);
        let structured: Vec<u8> = (0..1000u32)
            .map(|i| (i % 16) as u8 * (i % 3) as u8)
            .collect();
        assert!(entropy(&structured) < 5.0);
        let mut out = Emitter::default();
        assert!(classify_chunk_explained(0, &random, true, &mut out));
        assert!(out.notes[0].text.contains("looks encrypted or compressed"));
        assert_eq!(out.spans[0].field, crate::fields::DATA_HIGH_ENTROPY);
    }

    #[test]
    fn text_with_a_few_binary_bytes_is_read_as_text() {
        let mut t = b"USER alice\r\nPASS secret\r\nLIST pub/alice\r\n".to_vec();
        t.insert(10, 0x00);
        t.insert(20, 0x1b);
        assert!(!looks_like_text(&t));
        assert!(mostly_text(&t));
        let mut out = Emitter::default();
        classify_chunk(0, &t, &mut out);
        assert_eq!(out.spans[0].field, crate::fields::TEXT);
        // Structured binary with some ASCII is not.
        let binary: Vec<u8> = (0..64u8)
            .map(|i| if i % 3 == 0 { 0 } else { b'a' + i % 26 })
            .collect();
        assert!(!mostly_text(&binary));
        assert!(!mostly_text(b"short text\x00"));
    }

    #[test]
    fn binary_and_controls_are_not_text() {
        assert!(!looks_like_text(&[0x16, 0x03, 0x01, 0x00, 0x10]));
        assert!(!looks_like_text(b"clear\x1b[2J"));
        assert!(!looks_like_text(b""));
        assert!(!looks_like_text(&[0xc3]));
    }
}

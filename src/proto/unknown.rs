//! The fallback for payload no dissector claims: readable text is `Cleartext`, and
//! so is binary whose entropy shows nothing encrypts it; what may be encrypted or
//! compressed, or is too short to judge, stays `Undecoded` (never assumed safe), with
//! a note saying what the bytes look like. On TCP, a TLS
//! handshake that starts at a chunk boundary still takes the stream over.
//!
//! One exception to "never assumed safe": a TCP direction whose first bytes pass the
//! published test for fully encrypted traffic ([`fully_encrypted`]: random from the
//! first byte, no plaintext header, no known format) is labelled opaque to its end —
//! Shadowsocks, VMess, obfs4 and their kind exist to look like nothing, and calling
//! their ciphertext "undecoded" would make `check --deny undecoded` fail on every
//! proxy. A note says so on the flow's first bytes, and the stack names it `fully
//! encrypted`, so the presumption is never silent.

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
    /// What each direction's first bytes said: fully encrypted or not.
    encrypted: [Judged; 2],
}

impl Unknown {
    pub fn new(probe: &Probe<'_>) -> Unknown {
        Unknown {
            transport: probe.transport,
            explained: [false; 2],
            encrypted: [Judged::Unjudged; 2],
        }
    }
}

/// The stack layer of a flow (or a WebSocket) presumed encrypted for its randomness.
pub const PRESUMED: &str = "fully encrypted";

/// Whether a direction of an unidentified protocol is fully encrypted, as its first
/// bytes say (see [`fully_encrypted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Judged {
    #[default]
    Unjudged,
    Encrypted,
    Not,
}

impl Judged {
    /// Judges on the first bytes of a direction (once); true when the direction is
    /// fully encrypted. The first time it says so, a note explains the label.
    pub fn judge(&mut self, base: u64, first: &[u8], proto: &str, out: &mut Emitter) -> bool {
        self.judge_noting(base, first, proto, true, out)
    }

    /// As [`Judged::judge`]; the note only when `note`.
    pub fn judge_noting(
        &mut self,
        base: u64,
        first: &[u8],
        proto: &str,
        note: bool,
        out: &mut Emitter,
    ) -> bool {
        if *self == Judged::Unjudged && !first.is_empty() {
            *self = match fully_encrypted(first) {
                Some(_) if !note => Judged::Encrypted,
                Some(evidence) => {
                    out.note(
                        base..base + first.len() as u64,
                        Severity::Note,
                        NoteGroup::Undecoded,
                        format!(
                            "{proto} looks fully encrypted from its first byte ({evidence}): \
                             an unidentified encrypted protocol such as Shadowsocks, VMess or \
                             obfs4, labelled opaque; nothing in it was examined"
                        ),
                    );
                    Judged::Encrypted
                }
                None => Judged::Not,
            };
        }
        *self == Judged::Encrypted
    }
}

/// Printable ASCII, as the test of fully encrypted traffic counts it.
fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

/// The fewest bytes judged: below this, a few bytes say nothing of randomness.
const FULLY_ENCRYPTED_MIN: usize = 32;

/// Whether the first bytes of a direction look like a fully encrypted protocol, one
/// that is random from its first byte, with no plaintext header: the test the Great
/// Firewall of China applies to a connection's first packet, as measured by Wu et al.
/// ("How the Great Firewall of China Detects and Blocks Fully Encrypted Traffic",
/// USENIX Security 2023, section 4), made stricter. Not fully encrypted when any of:
/// - the mean number of set bits per byte is at most 3.4 or at least 4.6 (random bytes
///   have 4; text, zeros and structured headers move it);
/// - the first six bytes are printable ASCII, more than half of them are, or more than
///   20 in a row are;
/// - they begin like TLS, HTTP or a compressed format (zlib, gzip, zstd, LZ4, bzip2);
/// - fewer than [`FULLY_ENCRYPTED_MIN`] bytes, fewer distinct byte values than four in
///   five of what random bytes of that length show, or (from 128 bytes) an entropy
///   more than 0.6 bit per byte below random's.
///
/// Returns the evidence when it is fully encrypted. Compressed data
/// without a header would pass: a capture that sends raw deflate on its own port is
/// called opaque, and the note says it was not examined.
pub fn fully_encrypted(b: &[u8]) -> Option<Evidence> {
    let n = b.len();
    if n < FULLY_ENCRYPTED_MIN {
        return None;
    }
    let bits: u64 = b.iter().map(|x| u64::from(x.count_ones())).sum();
    let mean = bits as f64 / n as f64;
    if mean <= 3.4 || mean >= 4.6 {
        return None;
    }
    if b.iter().take(6).all(|&x| printable(x)) {
        return None;
    }
    let shown = b.iter().filter(|&&x| printable(x)).count();
    if shown * 2 > n {
        return None;
    }
    let mut run = 0usize;
    for &x in b {
        run = if printable(x) { run + 1 } else { 0 };
        if run > 20 {
            return None;
        }
    }
    let magic: &[&[u8]] = &[
        &[0x1f, 0x8b],
        &[0x28, 0xb5, 0x2f, 0xfd],
        &[0x04, 0x22, 0x4d, 0x18],
        b"BZh",
    ];
    let zlib = matches!(b, [0x78, f, ..] if (u16::from(0x78u8) << 8 | u16::from(*f)) % 31 == 0);
    let tls = matches!(b, [0x14..=0x18, 3, 0..=4, ..]);
    if zlib || tls || magic.iter().any(|m| b.starts_with(m)) {
        return None;
    }
    let mut seen = [false; 256];
    for &x in b {
        if let Some(s) = seen.get_mut(usize::from(x)) {
            *s = true;
        }
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    let expected = 256.0 * (1.0 - (255.0f64 / 256.0).powi(i32::try_from(n).unwrap_or(i32::MAX)));
    if (distinct as f64) < 0.8 * expected {
        return None;
    }
    let h = entropy(b);
    if n >= ENTROPY_MIN && h < random_entropy(n) - 0.6 {
        return None;
    }
    Some(Evidence {
        len: n,
        mean_bits: mean,
        entropy: h,
        printable_pct: shown * 100 / n,
    })
}

/// Why bytes were judged fully encrypted, written only when a note asks (detection
/// calls the test on every chunk it waits over).
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    len: usize,
    mean_bits: f64,
    entropy: f64,
    printable_pct: usize,
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes, {:.2} bits set per byte, {:.2} bits of entropy per byte, {}% printable",
            self.len, self.mean_bits, self.entropy, self.printable_pct
        )
    }
}

/// The entropy, in bits per byte, that `n` random bytes measure on average (the
/// plug-in estimate falls short of 8 by about 255 / (2 n ln 2)).
fn random_entropy(n: usize) -> f64 {
    8.0 - 255.0 / (2.0 * n.max(1) as f64 * std::f64::consts::LN_2)
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
        if let Some(j) = self.encrypted.get_mut(d) {
            if j.judge(base, data, "the stream", out) {
                let end = base + data.len() as u64;
                out.field(base..end, crate::fields::DATA_FULLY_ENCRYPTED);
                return Fed::Done(data.len());
            }
        }
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
        if self.encrypted.contains(&Judged::Encrypted) {
            facts.stack.push(PRESUMED.into());
            facts.protection = Some(super::Protection {
                proto: "an unidentified protocol, encrypted from its first byte".into(),
                ..super::Protection::default()
            });
        } else if self.transport == Transport::Tcp {
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

/// How far below random's entropy (bits per byte) a chunk must measure to be called
/// structured, not encrypted: encrypted and compressed bytes come within a few tenths.
const STRUCTURED_MARGIN: f64 = 1.0;

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
/// a few hundred bytes already measures about 7.2); shorter chunks by how far they
/// fall short of what random bytes of their length measure.
const ENTROPY_HIGH: f64 = 7.0;

/// Like [`classify_chunk`]; with `explain`, says in a note what bytes that are not
/// text look like. From [`ENTROPY_MIN`] bytes, their entropy against what random
/// bytes of that length measure decides: within half a bit, they look encrypted or
/// compressed (undecoded: nobody can tell which); more than [`STRUCTURED_MARGIN`]
/// below, they are structured binary that nothing encrypts — readable, since an
/// observer reads them as sent (never assumed safe means this: bytes that are not
/// encrypted are not called safe for want of a parser); in between, undecoded.
/// Returns true when it gave the note.
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
    let random = random_entropy(bytes.len());
    let zeros = bytes.iter().filter(|&&b| b == 0).count() * 100 / bytes.len();
    let printable = bytes
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .count()
        * 100
        / bytes.len();
    let (field, evidence) = if h >= ENTROPY_HIGH.min(random - 0.5) {
        (
            crate::fields::DATA_HIGH_ENTROPY,
            format!(
                "looks encrypted or compressed: {h:.2} bits of entropy per byte over {} bytes",
                bytes.len()
            ),
        )
    } else if h <= random - STRUCTURED_MARGIN {
        (
            crate::fields::DATA_BINARY,
            format!(
                "is binary and not encrypted: {h:.2} bits of entropy per byte (random bytes \
                 measure {random:.2}), {zeros}% zero bytes, {printable}% printable; an observer \
                 reads it as sent, so it is labelled readable although eavesdrop does not parse it"
            ),
        )
    } else {
        (
            crate::fields::DATA_UNCLEAR,
            format!(
                "is neither clearly random nor clearly structured: {h:.2} bits of entropy per \
                 byte (random bytes measure {random:.2}), {zeros}% zero bytes, {printable}% printable"
            ),
        )
    };
    out.field(base..end, field);
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

    fn random(n: usize, seed: u32) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect()
    }

    #[test]
    fn fully_encrypted_follows_the_published_exemptions() {
        for n in [32, 50, 100, 700, 1400] {
            assert!(
                fully_encrypted(&random(n, n as u32)).is_some(),
                "{n} random bytes"
            );
        }
        let r = random(200, 5);
        // Too short to judge.
        assert!(fully_encrypted(&r[..31]).is_none());
        // Six printable bytes first (Ex2), a run of 21 printable (Ex4), half printable (Ex3).
        let mut p = b"SSH-2.".to_vec();
        p.extend_from_slice(&r);
        assert!(fully_encrypted(&p).is_none());
        let mut run = r.clone();
        run.splice(50..71, b"abcdefghijklmnopqrstu".iter().copied());
        assert!(fully_encrypted(&run).is_none());
        let half: Vec<u8> = r
            .iter()
            .map(|&b| if b < 128 { b'a' + b % 26 } else { b })
            .collect();
        assert!(fully_encrypted(&half).is_none());
        // Bits set per byte outside 3.4–4.6 (Ex1): mostly zeros, or mostly 0xff.
        let zeros: Vec<u8> = r.iter().map(|&b| b & 0x11).collect();
        assert!(fully_encrypted(&zeros).is_none());
        let ones: Vec<u8> = r.iter().map(|&b| b | 0xee).collect();
        assert!(fully_encrypted(&ones).is_none());
        // TLS and compressed formats start with their own headers (Ex5).
        for head in [
            &[0x16u8, 3, 1][..],
            &[0x17, 3, 3],
            &[0x1f, 0x8b],
            &[0x78, 0x9c],
            &[0x28, 0xb5, 0x2f, 0xfd],
        ] {
            let mut b = head.to_vec();
            b.extend_from_slice(&r);
            assert!(fully_encrypted(&b).is_none(), "{head:?}");
        }
        // Few distinct values: structured, not random.
        let few: Vec<u8> = r
            .iter()
            .map(|&b| [0x0f, 0xf0, 0x33, 0xcc, 0x55, 0xaa][usize::from(b % 6)])
            .collect();
        assert!(fully_encrypted(&few).is_none());
    }

    #[test]
    fn a_stream_random_from_its_first_byte_is_opaque_each_way() {
        let probe = Probe {
            bytes: &[],
            dir: Direction::ToServer,
            transport: Transport::Tcp,
            client_port: 40000,
            server_port: 1234,
        };
        let mut u = Unknown::new(&probe);
        let mut out = Emitter::default();
        u.feed(Direction::ToServer, 0, &random(300, 1), false, &mut out);
        u.feed(
            Direction::ToServer,
            300,
            b"later text, still opaque\n",
            false,
            &mut out,
        );
        u.feed(Direction::ToClient, 0, &[0u8; 300], false, &mut out);
        let opaque: u64 = out
            .spans
            .iter()
            .filter(|s| s.field == crate::fields::DATA_FULLY_ENCRYPTED)
            .map(|s| s.range.end - s.range.start)
            .sum();
        assert_eq!(opaque, 300 + 25);
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == crate::fields::DATA_BINARY));
        assert_eq!(
            out.notes
                .iter()
                .filter(|n| n.text.contains("fully encrypted"))
                .count(),
            1
        );
        let mut facts = Facts::default();
        u.facts(&mut facts);
        assert_eq!(facts.stack, ["fully encrypted"]);
    }

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

//! Renderers: each output mode implements [`crate::sink::Sink`]. Renderers never
//! parse: they read the decoded layers, the byte map and the descriptions the engine
//! hands them ([`crate::sink::FrameView`]), and nothing else of the engine.
//! Colour, widths and formats are decided before a renderer is built.
//!
//! Everything that came from a capture is escaped before it reaches a terminal
//! ([`escape`]): no control byte from the wire is ever written raw.

// Renderers index their own row buffers and fixed per-label arrays; capture bytes
// reach them only through the byte map's runs, which the engine keeps in bounds.
#![allow(clippy::indexing_slicing)]

pub mod check;
pub mod flows;
pub mod hexdump;
pub mod html;
pub mod json;
pub mod learned;
pub mod line;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod style;
pub mod summary;
pub mod time;

/// What a command prints, chosen once from the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// For people: tcpdump-style lines, flow reports, verdicts.
    #[default]
    Text,
    /// For programs: JSON Lines (docs/json.md).
    Json,
    /// For data tools: one Parquet file, a row per flow with the JSON's columns
    /// (`flows` only; feature `parquet`; docs/scale.md).
    Parquet,
}

impl OutputFormat {
    /// `--json` given or not.
    pub fn json_if(json: bool) -> OutputFormat {
        if json {
            OutputFormat::Json
        } else {
            OutputFormat::Text
        }
    }
}

/// Makes text from a capture safe for a terminal: printable ASCII and other
/// printable characters pass; control characters (C0, DEL, C1, and the bidi
/// controls) become `\xNN` / `\u{NNNN}` escapes.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if plain(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s);
    std::borrow::Cow::Owned(out)
}

/// Escapes, in place, what was appended to `s` from byte `from` on (text written
/// from a report's parts, then made safe; nothing moves when none of it needs it).
pub fn escape_tail(s: &mut String, from: usize) {
    if s.get(from..).is_none_or(plain) {
        return;
    }
    let tail = s.split_off(from);
    escape_into(s, &tail);
}

/// A byte [`escape`] leaves as it is: printable ASCII other than a backslash.
fn plain_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'\\'
}

/// Text that [`escape`] leaves as it is.
fn plain(s: &str) -> bool {
    s.bytes().all(plain_byte)
}

/// [`escape`], appended to `out` (no allocation beyond `out`'s growth). Runs of
/// characters that need no escape are copied whole; only non-ASCII bytes are decoded
/// as characters.
pub fn escape_into(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    let bytes = s.as_bytes();
    let mut from = 0;
    let mut i = 0;
    loop {
        // Eight plain bytes at a time (most text needs no escape at all).
        while let Some(word) = bytes
            .get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
        {
            if !plain_word(u64::from_le_bytes(word)) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        let (c, len) = if b < 0x80 {
            if plain_byte(b) {
                i += 1;
                continue;
            }
            (char::from(b), 1)
        } else {
            match s.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) if c.is_control() || is_bidi_control(c) => (c, c.len_utf8()),
                Some(c) => {
                    i += c.len_utf8();
                    continue;
                }
                None => break,
            }
        };
        out.push_str(s.get(from..i).unwrap_or(""));
        i += len;
        from = i;
        match c {
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
        }
    }
    out.push_str(s.get(from..).unwrap_or(""));
}

/// Whether all eight bytes of `x` are printable ASCII other than a backslash (what
/// [`escape_into`] copies as it is), in a dozen operations instead of eight
/// comparisons and branches.
fn plain_word(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A lane's top bit set where the lane is zero (exact for every lane: no borrow
    // crosses from a lane below 0x80 into the next).
    let zero = |v: u64| (v.wrapping_sub(ONES)) & !v & HIGH;
    // Below 0x20: subtracting 0x20 borrows into the top bit (lanes at or above 0x80
    // are refused anyway).
    let low = x.wrapping_sub(0x20 * ONES) & !x & HIGH;
    x & HIGH == 0
        && low == 0
        && zero(x ^ (0x7f * ONES)) == 0
        && zero(x ^ (b'\\' as u64 * ONES)) == 0
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_tail_escapes_only_what_was_appended() {
        let mut s = String::from("a\u{1b}b › ");
        let from = s.len();
        s.push_str("TLS › x\u{7}y");
        escape_tail(&mut s, from);
        // The head is left as it was (even where it would need escaping).
        assert_eq!(s, format!("a\u{1b}b › {}", escape("TLS › x\u{7}y")));
        assert!(s.ends_with("x\\x07y"), "{s}");
        let before = s.clone();
        let from = s.len();
        s.push_str("plain");
        escape_tail(&mut s, from);
        assert_eq!(s, format!("{before}plain"));
        // Past the end: nothing to escape.
        let past = s.len() + 5;
        escape_tail(&mut s, past);
        assert_eq!(s, format!("{before}plain"));
    }

    #[test]
    fn plain_words_are_told_as_byte_by_byte() {
        // Every byte value in every lane, among plain neighbours and among bytes that
        // borrow (0x00, 0x1f, 0x20): a lane's verdict must not leak into another.
        for fill in [b'a', 0x20, 0x00, 0x1f, 0x7e, 0xff] {
            for lane in 0..8 {
                for b in 0..=255u8 {
                    let mut w = [fill; 8];
                    w[lane] = b;
                    assert_eq!(
                        plain_word(u64::from_le_bytes(w)),
                        w.iter().all(|&x| plain_byte(x)),
                        "{w:02x?}"
                    );
                }
            }
        }
        // And escape_into, through the word path, still escapes what it must.
        let mut out = String::new();
        escape_into(&mut out, "abcdefgh\\ijklmnop\x1bqrstuvwx\u{7f}yz0123456789");
        assert_eq!(out, "abcdefgh\\\\ijklmnop\\x1bqrstuvwx\\x7fyz0123456789");
    }

    #[test]
    fn control_bytes_never_pass_raw() {
        assert_eq!(escape("evil\x1b[2Jname"), "evil\\x1b[2Jname");
        assert_eq!(escape("a\u{9b}b"), "a\\u{009b}b");
        assert_eq!(escape("left\u{202e}right"), "left\\u{202e}right");
        assert_eq!(escape("bücher.example"), "bücher.example");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
    }
}

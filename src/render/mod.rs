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

/// Text that [`escape`] leaves as it is: printable ASCII without a backslash.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'\\')
}

/// [`escape`], appended to `out` (no allocation beyond `out`'s growth). Runs of
/// characters that need no escape are copied whole; only non-ASCII bytes are decoded
/// as characters.
pub fn escape_into(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    let bytes = s.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (c, len) = if b < 0x80 {
            if (0x20..0x7f).contains(&b) && b != b'\\' {
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

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_never_pass_raw() {
        assert_eq!(escape("evil\x1b[2Jname"), "evil\\x1b[2Jname");
        assert_eq!(escape("a\u{9b}b"), "a\\u{009b}b");
        assert_eq!(escape("left\u{202e}right"), "left\\u{202e}right");
        assert_eq!(escape("bücher.example"), "bücher.example");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
    }
}

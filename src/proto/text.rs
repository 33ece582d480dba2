//! The fallback for payload no dissector claims: readable text is `Cleartext`,
//! anything else stays `Undecoded` (never assumed safe).

use super::{Desc, Emitter};
use crate::fields;
use crate::span::Visibility;

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

/// Labels a chunk of an unrecognised stream or datagram at `base` as text or undecoded.
pub fn classify_chunk(base: u64, bytes: &[u8], out: &mut Emitter) {
    let end = base + bytes.len() as u64;
    if looks_like_text(bytes) {
        out.field(base..end, fields::TEXT);
        out.event(base, Desc::Text);
    } else {
        out.span(base..end, fields::PAYLOAD, Visibility::Undecoded);
    }
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
    fn binary_and_controls_are_not_text() {
        assert!(!looks_like_text(&[0x16, 0x03, 0x01, 0x00, 0x10]));
        assert!(!looks_like_text(b"clear\x1b[2J"));
        assert!(!looks_like_text(b""));
        assert!(!looks_like_text(&[0xc3]));
    }
}

//! A small ASN.1 BER/DER walker for the protocols that need a few fields of a
//! structure (Kerberos, SNMP): one-byte tags, definite lengths of up to four bytes.
//! It never recurses (callers read each structure with its own function, to a fixed
//! depth), reads at most [`MAX_CHILDREN`] elements of a sequence, and nothing outside
//! the bytes it is given. Multi-byte tags and the indefinite form are "no element".

use std::ops::Range;

/// Elements of one constructed element read at most.
pub const MAX_CHILDREN: usize = 64;

/// An element: its tag, where its content starts and where it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv {
    pub tag: u8,
    pub content: usize,
    pub end: usize,
}

impl Tlv {
    pub fn range(&self) -> Range<usize> {
        self.content..self.end
    }
}

/// An element's header at `at` alone (its content may run past the bytes).
pub fn header(b: &[u8], at: usize) -> Option<Tlv> {
    let tag = *b.get(at)?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = *b.get(at.checked_add(1)?)?;
    let (content, len) = if first < 0x80 {
        (at + 2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = b.get(at + 2..at + 2 + n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (at + 2 + n, len)
    };
    Some(Tlv {
        tag,
        content,
        end: content.checked_add(len)?,
    })
}

/// The element at `at`, if it lies wholly within `b[..limit]`.
pub fn tlv(b: &[u8], at: usize, limit: usize) -> Option<Tlv> {
    header(b, at).filter(|t| t.end <= limit.min(b.len()))
}

/// The elements inside a constructed element, at most [`MAX_CHILDREN`].
pub fn children(b: &[u8], parent: Tlv) -> Vec<Tlv> {
    let mut out = Vec::new();
    let mut pos = parent.content;
    while pos < parent.end && out.len() < MAX_CHILDREN {
        match tlv(b, pos, parent.end) {
            Some(t) => {
                pos = t.end;
                out.push(t);
            }
            None => break,
        }
    }
    out
}

/// The element inside context tag `[n]` of a SEQUENCE (explicit tagging).
pub fn explicit(b: &[u8], seq: Tlv, n: u8) -> Option<Tlv> {
    let wrapper = children(b, seq).into_iter().find(|t| t.tag == 0xa0 | n)?;
    tlv(b, wrapper.content, wrapper.end)
}

/// An INTEGER's value (up to eight bytes).
pub fn int(b: &[u8], t: Tlv) -> Option<i64> {
    let bytes = b.get(t.range())?;
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let neg = bytes.first().is_some_and(|&x| x & 0x80 != 0);
    Some(bytes.iter().fold(if neg { -1i64 } else { 0 }, |acc, &x| {
        (acc << 8) | i64::from(x)
    }))
}

/// An element's content as text, lossily.
pub fn text(b: &[u8], t: Tlv) -> String {
    crate::text::lossy(b.get(t.range()).unwrap_or(&[])).into_owned()
}

/// An OBJECT IDENTIFIER's content as dotted text (X.690 section 8.19); at most 128
/// arcs, `None` when malformed.
pub fn oid(bytes: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if v > (u64::MAX >> 7) || arcs.len() >= 128 {
            return None;
        }
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (x, y) = match v {
                    0..=39 => (0, v),
                    40..=79 => (1, v - 40),
                    _ => (2, v - 80),
                };
                arcs.push(x);
                arcs.push(y);
            } else {
                arcs.push(v);
            }
            v = 0;
        } else if i + 1 == bytes.len() {
            return None;
        }
    }
    if arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_and_lengths() {
        assert_eq!(
            oid(&[0x2b, 6, 1, 2, 1, 1, 1, 0]).as_deref(),
            Some("1.3.6.1.2.1.1.1.0")
        );
        assert_eq!(oid(&[0x2a, 0x86, 0x48]).as_deref(), Some("1.2.840"));
        assert_eq!(oid(&[0x2b, 0x86]), None, "cut inside an arc");
        assert_eq!(oid(&[0xff; 20]), None, "an arc beyond 64 bits");
        assert_eq!(
            header(b"\x30\x84\xff\xff\xff\xff", 0).map(|t| t.end),
            Some(6 + 0xffff_ffff)
        );
        assert_eq!(tlv(b"\x30\x84\xff\xff\xff\xff", 0, usize::MAX), None);
        assert_eq!(header(b"\x30\x85\x01\x00\x00\x00\x00", 0), None);
        assert_eq!(header(b"\x1f\x01\x00", 0), None, "multi-byte tag");
    }
}

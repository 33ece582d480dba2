//! HPACK (RFC 7541): the header compression of HTTP/2, decoded so that an observer's
//! view of an h2c stream names its URLs, cookies and credentials like HTTP/1's.
//!
//! A decoder per direction keeps the dynamic table (section 2.3.2), bounded by the size
//! the receiving peer allowed in SETTINGS_HEADER_TABLE_SIZE and by a hard cap
//! ([`HARD_CAP`]) whatever it allowed. Integers are at most five continuation bytes
//! (section 5.1), a decoded header list is at most [`MAX_LIST`] bytes (an indexed
//! field repeated many times cannot make a small block large), and every read is
//! checked: a malformed block is an error, never a panic, and it leaves the dynamic
//! table as the fields before the error left it (the peer's decoder would have closed
//! the connection: later blocks may then be misread, which the caller notes).

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::OnceLock;

/// The largest dynamic table kept, whatever SETTINGS_HEADER_TABLE_SIZE says.
pub const HARD_CAP: usize = 64 * 1024;
/// The largest decoded header list of one block (names and values).
pub const MAX_LIST: usize = 256 * 1024;
/// The table size before SETTINGS say otherwise (RFC 7540 section 6.5.2).
pub const DEFAULT_SIZE: usize = 4096;

/// Why a header block could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A field or integer runs past the end of the block.
    Truncated,
    /// An integer longer than five continuation bytes.
    Integer,
    /// An index past the static and dynamic tables.
    Index(usize),
    /// A size update above what the peer allowed.
    SizeUpdate(usize),
    /// A Huffman string that does not decode (EOS inside, bad padding).
    Huffman,
    /// The decoded list grew beyond [`MAX_LIST`].
    TooLarge,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Truncated => write!(f, "a field runs past the end of the block"),
            Error::Integer => write!(f, "an integer longer than five bytes"),
            Error::Index(i) => write!(f, "index {i} is in neither table"),
            Error::SizeUpdate(n) => write!(f, "a table size update to {n}, above what was allowed"),
            Error::Huffman => write!(f, "a Huffman string that does not decode"),
            Error::TooLarge => write!(f, "the decoded header list is larger than {MAX_LIST} bytes"),
        }
    }
}

/// One decoded field and where its representation sits in the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
    /// The whole representation.
    pub repr: Range<usize>,
    /// The literal value's string bytes (raw or Huffman), when it is a literal.
    pub value_bytes: Option<Range<usize>>,
}

/// The dynamic table of one direction (RFC 7541 section 2.3.2, 4).
#[derive(Clone, Debug)]
pub struct Decoder {
    entries: VecDeque<(Vec<u8>, Vec<u8>)>,
    /// Sum of the entries' sizes (name + value + 32 each).
    size: usize,
    /// The current maximum (set by size updates).
    max: usize,
    /// What the receiving peer allowed (SETTINGS_HEADER_TABLE_SIZE), capped.
    allowed: usize,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder {
            entries: VecDeque::new(),
            size: 0,
            max: DEFAULT_SIZE,
            allowed: DEFAULT_SIZE,
        }
    }
}

/// The static table (RFC 7541 Appendix A).
const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// The Huffman code (RFC 7541 Appendix B): (code, length in bits) per symbol 0-256.
const HUFFMAN: [(u32, u8); 257] = [
    (0x1ff8, 13),
    (0x7fffd8, 23),
    (0xfffffe2, 28),
    (0xfffffe3, 28),
    (0xfffffe4, 28),
    (0xfffffe5, 28),
    (0xfffffe6, 28),
    (0xfffffe7, 28),
    (0xfffffe8, 28),
    (0xffffea, 24),
    (0x3ffffffc, 30),
    (0xfffffe9, 28),
    (0xfffffea, 28),
    (0x3ffffffd, 30),
    (0xfffffeb, 28),
    (0xfffffec, 28),
    (0xfffffed, 28),
    (0xfffffee, 28),
    (0xfffffef, 28),
    (0xffffff0, 28),
    (0xffffff1, 28),
    (0xffffff2, 28),
    (0x3ffffffe, 30),
    (0xffffff3, 28),
    (0xffffff4, 28),
    (0xffffff5, 28),
    (0xffffff6, 28),
    (0xffffff7, 28),
    (0xffffff8, 28),
    (0xffffff9, 28),
    (0xffffffa, 28),
    (0xffffffb, 28),
    (0x14, 6),
    (0x3f8, 10),
    (0x3f9, 10),
    (0xffa, 12),
    (0x1ff9, 13),
    (0x15, 6),
    (0xf8, 8),
    (0x7fa, 11),
    (0x3fa, 10),
    (0x3fb, 10),
    (0xf9, 8),
    (0x7fb, 11),
    (0xfa, 8),
    (0x16, 6),
    (0x17, 6),
    (0x18, 6),
    (0x0, 5),
    (0x1, 5),
    (0x2, 5),
    (0x19, 6),
    (0x1a, 6),
    (0x1b, 6),
    (0x1c, 6),
    (0x1d, 6),
    (0x1e, 6),
    (0x1f, 6),
    (0x5c, 7),
    (0xfb, 8),
    (0x7ffc, 15),
    (0x20, 6),
    (0xffb, 12),
    (0x3fc, 10),
    (0x1ffa, 13),
    (0x21, 6),
    (0x5d, 7),
    (0x5e, 7),
    (0x5f, 7),
    (0x60, 7),
    (0x61, 7),
    (0x62, 7),
    (0x63, 7),
    (0x64, 7),
    (0x65, 7),
    (0x66, 7),
    (0x67, 7),
    (0x68, 7),
    (0x69, 7),
    (0x6a, 7),
    (0x6b, 7),
    (0x6c, 7),
    (0x6d, 7),
    (0x6e, 7),
    (0x6f, 7),
    (0x70, 7),
    (0x71, 7),
    (0x72, 7),
    (0xfc, 8),
    (0x73, 7),
    (0xfd, 8),
    (0x1ffb, 13),
    (0x7fff0, 19),
    (0x1ffc, 13),
    (0x3ffc, 14),
    (0x22, 6),
    (0x7ffd, 15),
    (0x3, 5),
    (0x23, 6),
    (0x4, 5),
    (0x24, 6),
    (0x5, 5),
    (0x25, 6),
    (0x26, 6),
    (0x27, 6),
    (0x6, 5),
    (0x74, 7),
    (0x75, 7),
    (0x28, 6),
    (0x29, 6),
    (0x2a, 6),
    (0x7, 5),
    (0x2b, 6),
    (0x76, 7),
    (0x2c, 6),
    (0x8, 5),
    (0x9, 5),
    (0x2d, 6),
    (0x77, 7),
    (0x78, 7),
    (0x79, 7),
    (0x7a, 7),
    (0x7b, 7),
    (0x7ffe, 15),
    (0x7fc, 11),
    (0x3ffd, 14),
    (0x1ffd, 13),
    (0xffffffc, 28),
    (0xfffe6, 20),
    (0x3fffd2, 22),
    (0xfffe7, 20),
    (0xfffe8, 20),
    (0x3fffd3, 22),
    (0x3fffd4, 22),
    (0x3fffd5, 22),
    (0x7fffd9, 23),
    (0x3fffd6, 22),
    (0x7fffda, 23),
    (0x7fffdb, 23),
    (0x7fffdc, 23),
    (0x7fffdd, 23),
    (0x7fffde, 23),
    (0xffffeb, 24),
    (0x7fffdf, 23),
    (0xffffec, 24),
    (0xffffed, 24),
    (0x3fffd7, 22),
    (0x7fffe0, 23),
    (0xffffee, 24),
    (0x7fffe1, 23),
    (0x7fffe2, 23),
    (0x7fffe3, 23),
    (0x7fffe4, 23),
    (0x1fffdc, 21),
    (0x3fffd8, 22),
    (0x7fffe5, 23),
    (0x3fffd9, 22),
    (0x7fffe6, 23),
    (0x7fffe7, 23),
    (0xffffef, 24),
    (0x3fffda, 22),
    (0x1fffdd, 21),
    (0xfffe9, 20),
    (0x3fffdb, 22),
    (0x3fffdc, 22),
    (0x7fffe8, 23),
    (0x7fffe9, 23),
    (0x1fffde, 21),
    (0x7fffea, 23),
    (0x3fffdd, 22),
    (0x3fffde, 22),
    (0xfffff0, 24),
    (0x1fffdf, 21),
    (0x3fffdf, 22),
    (0x7fffeb, 23),
    (0x7fffec, 23),
    (0x1fffe0, 21),
    (0x1fffe1, 21),
    (0x3fffe0, 22),
    (0x1fffe2, 21),
    (0x7fffed, 23),
    (0x3fffe1, 22),
    (0x7fffee, 23),
    (0x7fffef, 23),
    (0xfffea, 20),
    (0x3fffe2, 22),
    (0x3fffe3, 22),
    (0x3fffe4, 22),
    (0x7ffff0, 23),
    (0x3fffe5, 22),
    (0x3fffe6, 22),
    (0x7ffff1, 23),
    (0x3ffffe0, 26),
    (0x3ffffe1, 26),
    (0xfffeb, 20),
    (0x7fff1, 19),
    (0x3fffe7, 22),
    (0x7ffff2, 23),
    (0x3fffe8, 22),
    (0x1ffffec, 25),
    (0x3ffffe2, 26),
    (0x3ffffe3, 26),
    (0x3ffffe4, 26),
    (0x7ffffde, 27),
    (0x7ffffdf, 27),
    (0x3ffffe5, 26),
    (0xfffff1, 24),
    (0x1ffffed, 25),
    (0x7fff2, 19),
    (0x1fffe3, 21),
    (0x3ffffe6, 26),
    (0x7ffffe0, 27),
    (0x7ffffe1, 27),
    (0x3ffffe7, 26),
    (0x7ffffe2, 27),
    (0xfffff2, 24),
    (0x1fffe4, 21),
    (0x1fffe5, 21),
    (0x3ffffe8, 26),
    (0x3ffffe9, 26),
    (0xffffffd, 28),
    (0x7ffffe3, 27),
    (0x7ffffe4, 27),
    (0x7ffffe5, 27),
    (0xfffec, 20),
    (0xfffff3, 24),
    (0xfffed, 20),
    (0x1fffe6, 21),
    (0x3fffe9, 22),
    (0x1fffe7, 21),
    (0x1fffe8, 21),
    (0x7ffff3, 23),
    (0x3fffea, 22),
    (0x3fffeb, 22),
    (0x1ffffee, 25),
    (0x1ffffef, 25),
    (0xfffff4, 24),
    (0xfffff5, 24),
    (0x3ffffea, 26),
    (0x7ffff4, 23),
    (0x3ffffeb, 26),
    (0x7ffffe6, 27),
    (0x3ffffec, 26),
    (0x3ffffed, 26),
    (0x7ffffe7, 27),
    (0x7ffffe8, 27),
    (0x7ffffe9, 27),
    (0x7ffffea, 27),
    (0x7ffffeb, 27),
    (0xffffffe, 28),
    (0x7ffffec, 27),
    (0x7ffffed, 27),
    (0x7ffffee, 27),
    (0x7ffffef, 27),
    (0x7fffff0, 27),
    (0x3ffffee, 26),
    (0x3fffffff, 30),
];

/// The canonical code's decoding tables: per length, the first code, and the symbols
/// in code order.
struct Canonical {
    first: [u32; 31],
    count: [u32; 31],
    offset: [usize; 31],
    symbols: Vec<u16>,
}

fn canonical() -> &'static Canonical {
    static TABLES: OnceLock<Canonical> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut order: Vec<u16> = (0..257u16).collect();
        order.sort_by_key(|&s| {
            let len = HUFFMAN.get(usize::from(s)).map_or(0, |&(_, l)| l);
            (len, s)
        });
        let mut c = Canonical {
            first: [0; 31],
            count: [0; 31],
            offset: [0; 31],
            symbols: order.clone(),
        };
        let mut seen = [false; 31];
        for (i, &s) in order.iter().enumerate() {
            let Some(&(code, len)) = HUFFMAN.get(usize::from(s)) else {
                continue;
            };
            let l = usize::from(len);
            if let (Some(seen), Some(first), Some(offset), Some(count)) = (
                seen.get_mut(l),
                c.first.get_mut(l),
                c.offset.get_mut(l),
                c.count.get_mut(l),
            ) {
                if !*seen {
                    *seen = true;
                    *first = code;
                    *offset = i;
                }
                *count += 1;
            }
        }
        c
    })
}

/// Decodes a Huffman-coded string (RFC 7541 section 5.2).
pub fn huffman(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let c = canonical();
    let mut out = Vec::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut code: u32 = 0;
    let mut len = 0usize;
    for &b in bytes {
        for i in (0..8).rev() {
            code = (code << 1) | u32::from((b >> i) & 1);
            len += 1;
            if len > 30 {
                return Err(Error::Huffman);
            }
            let (Some(&first), Some(&count), Some(&offset)) =
                (c.first.get(len), c.count.get(len), c.offset.get(len))
            else {
                return Err(Error::Huffman);
            };
            if count > 0 && code >= first && code - first < count {
                let k = offset + (code - first) as usize;
                match c.symbols.get(k) {
                    Some(256) | None => return Err(Error::Huffman),
                    Some(&s) => out.push(u8::try_from(s).map_err(|_| Error::Huffman)?),
                }
                code = 0;
                len = 0;
            }
        }
    }
    // Padding: fewer than eight bits, all ones (a prefix of EOS).
    if len >= 8 || code != (1u32 << len) - 1 {
        return Err(Error::Huffman);
    }
    Ok(out)
}

/// An integer with an `n`-bit prefix at the start of `b` (RFC 7541 section 5.1):
/// (value, bytes read).
fn integer(b: &[u8], n: u8) -> Result<(usize, usize), Error> {
    let mask = (1u16 << n) - 1;
    let first = u16::from(*b.first().ok_or(Error::Truncated)?) & mask;
    if first < mask {
        return Ok((usize::from(first), 1));
    }
    let mut v = usize::from(mask);
    for i in 0..5 {
        let x = *b.get(1 + i).ok_or(Error::Truncated)?;
        v = v
            .checked_add(usize::from(x & 0x7f) << (7 * i))
            .ok_or(Error::Integer)?;
        if x & 0x80 == 0 {
            return Ok((v, 2 + i));
        }
    }
    Err(Error::Integer)
}

/// A string literal at the start of `b`: (bytes decoded, range of its string bytes,
/// bytes read).
fn string(b: &[u8]) -> Result<(Vec<u8>, Range<usize>, usize), Error> {
    let h = b.first().ok_or(Error::Truncated)? & 0x80 != 0;
    let (len, n) = integer(b, 7)?;
    let end = n.checked_add(len).ok_or(Error::Truncated)?;
    let raw = b.get(n..end).ok_or(Error::Truncated)?;
    let s = if h { huffman(raw)? } else { raw.to_vec() };
    Ok((s, n..end, end))
}

impl Decoder {
    /// The receiving peer allowed this table size (SETTINGS_HEADER_TABLE_SIZE); at
    /// most [`HARD_CAP`] is kept.
    pub fn allow(&mut self, size: u32) {
        self.allowed = usize::try_from(size).unwrap_or(usize::MAX).min(HARD_CAP);
        if self.max > self.allowed {
            self.max = self.allowed;
            self.evict();
        }
    }

    fn evict(&mut self) {
        while self.size > self.max {
            match self.entries.pop_back() {
                Some((n, v)) => self.size -= n.len() + v.len() + 32,
                None => {
                    self.size = 0;
                    break;
                }
            }
        }
    }

    fn insert(&mut self, name: Vec<u8>, value: Vec<u8>) {
        let size = name.len() + value.len() + 32;
        if size > self.max {
            // Section 4.4: an entry larger than the table empties it.
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.size += size;
        self.entries.push_front((name, value));
        self.evict();
    }

    /// The entry at `index` (1-based, static then dynamic: section 2.3.3).
    fn entry(&self, index: usize) -> Result<(Vec<u8>, Vec<u8>), Error> {
        if index == 0 {
            return Err(Error::Index(0));
        }
        if let Some((n, v)) = STATIC.get(index - 1) {
            return Ok((n.as_bytes().to_vec(), v.as_bytes().to_vec()));
        }
        self.entries
            .get(index - 1 - STATIC.len())
            .cloned()
            .ok_or(Error::Index(index))
    }

    /// Decodes one whole header block. On error, the fields decoded before it come
    /// back with it.
    pub fn decode(&mut self, block: &[u8]) -> (Vec<Field>, Option<Error>) {
        let mut fields = Vec::new();
        let mut pos = 0usize;
        let mut total = 0usize;
        while pos < block.len() {
            match self.one(block, pos) {
                Ok((field, n)) => {
                    if let Some(f) = field {
                        total += f.name.len() + f.value.len();
                        if total > MAX_LIST {
                            return (fields, Some(Error::TooLarge));
                        }
                        fields.push(f);
                    }
                    pos += n;
                }
                Err(e) => return (fields, Some(e)),
            }
        }
        (fields, None)
    }

    /// One representation at `pos` (section 6): the field, if it is one, and its
    /// length.
    fn one(&mut self, block: &[u8], pos: usize) -> Result<(Option<Field>, usize), Error> {
        let b = block.get(pos..).ok_or(Error::Truncated)?;
        let first = *b.first().ok_or(Error::Truncated)?;
        if first & 0x80 != 0 {
            // Indexed (6.1).
            let (i, n) = integer(b, 7)?;
            let (name, value) = self.entry(i)?;
            let f = Field {
                name,
                value,
                repr: pos..pos + n,
                value_bytes: None,
            };
            return Ok((Some(f), n));
        }
        if first & 0xe0 == 0x20 {
            // Dynamic table size update (6.3).
            let (size, n) = integer(b, 5)?;
            if size > self.allowed {
                return Err(Error::SizeUpdate(size));
            }
            self.max = size;
            self.evict();
            return Ok((None, n));
        }
        // Literals: with incremental indexing (6.2.1, 6-bit index), without (6.2.2)
        // or never indexed (6.2.3), both with a 4-bit index.
        let indexing = first & 0xc0 == 0x40;
        let prefix = if indexing { 6 } else { 4 };
        let (i, mut n) = integer(b, prefix)?;
        let name = if i == 0 {
            let (name, _, used) = string(b.get(n..).ok_or(Error::Truncated)?)?;
            n += used;
            name
        } else {
            self.entry(i)?.0
        };
        let (value, r, used) = string(b.get(n..).ok_or(Error::Truncated)?)?;
        let value_bytes = pos + n + r.start..pos + n + r.end;
        n += used;
        if indexing {
            self.insert(name.clone(), value.clone());
        }
        let f = Field {
            name,
            value,
            repr: pos..pos + n,
            value_bytes: Some(value_bytes),
        };
        Ok((Some(f), n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(fields: &[Field]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|f| {
                (
                    crate::text::lossy(&f.name).into_owned(),
                    crate::text::lossy(&f.value).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn the_code_is_canonical() {
        let c = canonical();
        for (s, &(code, len)) in HUFFMAN.iter().enumerate() {
            let l = usize::from(len);
            let k = c.offset[l] + (code - c.first[l]) as usize;
            assert_eq!(usize::from(c.symbols[k]), s);
        }
    }

    /// RFC 7541 Appendix C.4: requests with Huffman coding, the dynamic table shared.
    #[test]
    fn rfc_7541_c4_requests_with_huffman() {
        let mut d = Decoder::default();
        let one = hex::decode("828684418cf1e3c2e5f23a6ba0ab90f4ff").unwrap();
        let (f, e) = d.decode(&one);
        assert_eq!(e, None);
        assert_eq!(
            text(&f),
            [
                (":method".into(), "GET".into()),
                (":scheme".into(), "http".into()),
                (":path".into(), "/".into()),
                (":authority".into(), "www.example.com".into())
            ]
        );
        assert_eq!(f[3].value_bytes, Some(5..17));
        let two = hex::decode("828684be5886a8eb10649cbf").unwrap();
        let (f, e) = d.decode(&two);
        assert_eq!(e, None);
        assert_eq!(text(&f)[3], (":authority".into(), "www.example.com".into()));
        assert_eq!(text(&f)[4], ("cache-control".into(), "no-cache".into()));
        assert_eq!(d.size, 110);
    }

    #[test]
    fn hpack_dynamic_table_overflow_is_bounded() {
        let mut d = Decoder::default();
        // A size update to 2^28: above what was allowed.
        let (_, e) = d.decode(&[0x3f, 0xe1, 0xff, 0xff, 0x7f]);
        assert_eq!(e, Some(Error::SizeUpdate(268_435_456)));
        // The peer allows 2^32-1: the table still keeps at most HARD_CAP.
        d.allow(u32::MAX);
        assert_eq!(d.allowed, HARD_CAP);
        // 200 literals with indexing, each 1 KiB: the table stays within its max.
        let mut block = Vec::new();
        for i in 0..200u32 {
            block.extend_from_slice(&[0x40, 0x04]);
            block.extend_from_slice(&i.to_be_bytes());
            block.extend_from_slice(&[0x7f, 0x81, 0x07]);
            block.extend(std::iter::repeat_n(b'x', 1024));
        }
        let (f, e) = d.decode(&block);
        assert_eq!(e, None);
        assert_eq!(f.len(), 200);
        assert!(d.size <= DEFAULT_SIZE);
        // An entry larger than the table empties it.
        d.insert(vec![b'n'; 10], vec![b'v'; 5000]);
        assert_eq!((d.entries.len(), d.size), (0, 0));
        // An indexed field repeated: the decoded list is bounded.
        d.insert(b"x".to_vec(), vec![b'y'; 3000]);
        let (_, e) = d.decode(&vec![0xbe; 100_000]);
        assert_eq!(e, Some(Error::TooLarge));
    }

    #[test]
    fn hostile_blocks_never_panic() {
        let mut d = Decoder::default();
        for block in [
            &[0x80][..],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[0x40, 0x85, 0xff],
            &[0x00, 0x81, 0xff, 0x01, b'a'],
            &[0x41, 0x7f, 0xff, 0xff, 0xff, 0x0f],
            &[0x10],
        ] {
            for n in 0..=block.len() {
                let _ = d.decode(&block[..n]);
            }
        }
        assert_eq!(
            huffman(&[0xff, 0xff, 0xff, 0xff]),
            Err(Error::Huffman),
            "EOS"
        );
        assert_eq!(huffman(&[0x00]), Err(Error::Huffman), "zero padding");
        assert_eq!(
            integer(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 5),
            Err(Error::Integer)
        );
    }
}

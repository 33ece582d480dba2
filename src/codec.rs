//! Reading wire formats without indexing: a cursor over borrowed bytes whose every read
//! returns `Option` (rustls's `codec::Reader`, smoltcp's checked field accessors).
//!
//! A read past the end returns `None` and leaves the cursor where it was, so a parser
//! written with `?` stops cleanly at the first field the bytes do not hold; nothing
//! defaults silently to zero. Length-prefixed vectors come back as sub-readers that
//! cannot run past their own end. For a field at a fixed offset, [`be16`], [`be24`]
//! and [`be32`] read in place.

/// A cursor over borrowed bytes.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// Offset of the next byte, from the start of the reader's bytes.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.left() == 0
    }

    /// The bytes not read yet (the cursor does not move).
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    /// A reader over the next `n` bytes; this one moves past them.
    pub fn sub(&mut self, n: usize) -> Option<Reader<'a>> {
        self.take(n).map(Reader::new)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).and_then(|b| b.first().copied())
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    /// A 24-bit big-endian number (TLS handshake lengths).
    pub fn u24(&mut self) -> Option<u32> {
        let [a, b, c] = self.array()?;
        Some(u32::from_be_bytes([0, a, b, c]))
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|b| <[u8; N]>::try_from(b).ok())
    }

    /// A NUL-terminated string (the NUL is read, not returned); `None` without a NUL.
    pub fn cstring(&mut self) -> Option<&'a [u8]> {
        let n = self.rest().iter().position(|&b| b == 0)?;
        let s = self.take(n)?;
        self.pos += 1;
        Some(s)
    }

    /// A vector with a one-byte length prefix, as a sub-reader.
    pub fn prefixed_u8(&mut self) -> Option<Reader<'a>> {
        let save = self.pos;
        let n = usize::from(self.u8()?);
        self.sub(n).or_else(|| {
            self.pos = save;
            None
        })
    }

    /// A vector with a two-byte length prefix, as a sub-reader.
    pub fn prefixed_u16(&mut self) -> Option<Reader<'a>> {
        let save = self.pos;
        let n = usize::from(self.u16()?);
        self.sub(n).or_else(|| {
            self.pos = save;
            None
        })
    }

    /// A vector with a three-byte length prefix, as a sub-reader.
    pub fn prefixed_u24(&mut self) -> Option<Reader<'a>> {
        let save = self.pos;
        let n = usize::try_from(self.u24()?).ok()?;
        self.sub(n).or_else(|| {
            self.pos = save;
            None
        })
    }
}

/// The big-endian `u16` at `at`, if the bytes hold it.
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    Reader::new(b.get(at..)?).u16()
}

/// The big-endian 24-bit number at `at`, if the bytes hold it.
pub fn be24(b: &[u8], at: usize) -> Option<u32> {
    Reader::new(b.get(at..)?).u24()
}

/// The big-endian `u32` at `at`, if the bytes hold it.
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    Reader::new(b.get(at..)?).u32()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_order_and_stops_at_the_end() {
        let mut r = Reader::new(&[1, 0, 2, 0, 0, 3, 0, 0, 0, 4, 9]);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.u16(), Some(2));
        assert_eq!(r.u24(), Some(3));
        assert_eq!(r.u32(), Some(4));
        assert_eq!(r.left(), 1);
        assert_eq!(r.u16(), None, "one byte left is not a u16");
        assert_eq!(r.pos(), 10, "a failed read does not move the cursor");
        assert_eq!(r.u8(), Some(9));
        assert!(r.is_empty());
        let mut r = Reader::new(b"user\0alice\0rest");
        assert_eq!(r.cstring(), Some(&b"user"[..]));
        assert_eq!(r.cstring(), Some(&b"alice"[..]));
        assert_eq!(r.cstring(), None, "no NUL: nothing read");
        assert_eq!(r.rest(), b"rest");
    }

    #[test]
    fn prefixed_vectors_are_bounded_sub_readers() {
        let bytes = [0, 3, 0xaa, 0xbb, 0xcc, 0xdd];
        let mut r = Reader::new(&bytes);
        let mut v = r.prefixed_u16().unwrap();
        assert_eq!(v.take(3), Some(&[0xaa, 0xbb, 0xcc][..]));
        assert_eq!(v.u8(), None, "a sub-reader ends at its length");
        assert_eq!(r.rest(), &[0xdd]);
    }

    #[test]
    fn a_prefix_longer_than_the_bytes_reads_nothing() {
        let mut r = Reader::new(&[5, 1, 2]);
        assert!(r.prefixed_u8().is_none());
        assert_eq!(r.pos(), 0);
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(r.prefixed_u24().is_none());
        assert_eq!(r.take(usize::MAX), None, "no overflow on huge lengths");
    }

    #[test]
    fn fixed_offsets() {
        let b = [0, 1, 2, 3, 4];
        assert_eq!(be16(&b, 3), Some(0x0304));
        assert_eq!(be16(&b, 4), None);
        assert_eq!(be24(&b, 2), Some(0x020304));
        assert_eq!(be32(&b, 1), Some(0x01020304));
        assert_eq!(be32(&b, 9), None);
    }
}

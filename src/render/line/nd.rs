//! What tcpdump's printers share (netdissect.h, util-print.c): reading bytes the snap
//! length may have cut, and printing capture text the way tcpdump does.
//!
//! A printer reads its message through [`Bytes`], whose every read is checked like
//! tcpdump's `GET_*` macros: a read past the captured bytes is [`Trunc`], and the
//! printer's caller writes tcpdump's ` [|proto]`. Text from the capture goes through
//! [`print_char`] (tcpdump's `fn_print_char`), which writes only printable ASCII: a
//! byte with the high bit set as `M-`, a control byte as `^X`. So nothing a printer
//! writes can reach a terminal as a control byte.

use std::fmt::Write as _;

/// A read past the captured bytes: tcpdump longjmps out of its printer and prints
/// ` [|proto]`. Printers return it with `?`; the caller names the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Trunc;

pub(super) type Res<T = ()> = Result<T, Trunc>;

/// A message's captured bytes, read at offsets from its start.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bytes<'a>(pub &'a [u8]);

impl<'a> Bytes<'a> {
    /// How many bytes were captured (tcpdump's `ndo_snapend - bp`).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `ND_TTEST_LEN(at, n)`: whether `n` bytes from `at` were captured.
    pub fn has(&self, at: usize, n: usize) -> bool {
        at.checked_add(n).is_some_and(|end| end <= self.0.len())
    }

    pub fn u8(&self, at: usize) -> Res<u8> {
        self.0.get(at).copied().ok_or(Trunc)
    }

    pub fn be16(&self, at: usize) -> Res<u16> {
        Ok(u16::from_be_bytes(self.array(at)?))
    }

    pub fn be24(&self, at: usize) -> Res<u32> {
        let [a, b, c] = self.array(at)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    pub fn be32(&self, at: usize) -> Res<u32> {
        Ok(u32::from_be_bytes(self.array(at)?))
    }

    pub fn array<const N: usize>(&self, at: usize) -> Res<[u8; N]> {
        self.get(at, N)?.try_into().map_err(|_| Trunc)
    }

    /// `n` bytes from `at`.
    pub fn get(&self, at: usize, n: usize) -> Res<&'a [u8]> {
        let end = at.checked_add(n).ok_or(Trunc)?;
        self.0.get(at..end).ok_or(Trunc)
    }

    /// The bytes from `at` on (none if `at` is past the end).
    pub fn from(&self, at: usize) -> Bytes<'a> {
        Bytes(self.0.get(at..).unwrap_or(&[]))
    }

    /// At most `n` bytes from the start: a message's own length bounding what a
    /// printer may read (tcpdump's `nd_push_snaplen`).
    pub fn upto(&self, n: usize) -> Bytes<'a> {
        Bytes(self.0.get(..n).unwrap_or(self.0))
    }

    /// The IPv4 address at `at`.
    pub fn ipv4(&self, at: usize) -> Res<std::net::Ipv4Addr> {
        Ok(std::net::Ipv4Addr::from(self.array::<4>(at)?))
    }

    /// The IPv6 address at `at`, in tcpdump's text.
    pub fn ipv6(&self, at: usize) -> Res<String> {
        Ok(super::ip::ipv6_text(&std::net::Ipv6Addr::from(
            self.array::<16>(at)?,
        )))
    }

    /// The MAC address at `at`, as tcpdump prints it.
    pub fn mac(&self, at: usize) -> Res<String> {
        Ok(super::link::mac(&self.array::<6>(at)?))
    }
}

/// tcpdump's `fn_print_char`: printable ASCII as it is, a byte with the high bit set
/// as `M-` and the low seven bits, a control byte as `^` and the byte XOR 0x40.
pub(super) fn print_char(s: &mut String, c: u8) {
    let mut c = c;
    if !c.is_ascii() {
        s.push_str("M-");
        c &= 0x7f;
    }
    if !(0x20..0x7f).contains(&c) {
        c ^= 0x40;
        s.push('^');
    }
    s.push(char::from(c));
}

/// tcpdump's `nd_printn`: `n` bytes from `at` as text, or as many as were captured.
/// Returns false when the capture ended first.
pub(super) fn printn(s: &mut String, b: Bytes<'_>, at: usize, n: usize) -> bool {
    let avail = b.len().saturating_sub(at);
    for &c in b.0.iter().skip(at).take(n) {
        print_char(s, c);
    }
    n <= avail
}

/// Bytes as lower-case hex digits, no separator.
pub(super) fn hex(s: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
}

/// C's `%#x`: `0x` before a non-zero value, plain `0` for zero.
pub(super) fn alt_hex(s: &mut String, v: u32) {
    if v == 0 {
        s.push('0');
    } else {
        let _ = write!(s, "{v:#x}");
    }
}

/// tcpdump's `unsigned_relts_print`: a number of seconds as `1y2w3d4h5m6s`.
pub(super) fn relts(s: &mut String, secs: u32) {
    const UNITS: [(u32, char); 6] = [
        (31_536_000, 'y'),
        (604_800, 'w'),
        (86_400, 'd'),
        (3_600, 'h'),
        (60, 'm'),
        (1, 's'),
    ];
    if secs == 0 {
        s.push_str("0s");
        return;
    }
    let mut left = secs;
    for (unit, name) in UNITS {
        if left >= unit {
            let _ = write!(s, "{}{name}", left / unit);
            left %= unit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_text_prints_as_tcpdump_does() {
        let mut s = String::new();
        for c in [b'a', 0, 0x7f, 0xff, 0xc1, b'\t'] {
            print_char(&mut s, c);
        }
        assert_eq!(s, "a^@^?M-^?M-A^I");
        assert!(s.bytes().all(|b| (0x20..0x7f).contains(&b)));
    }

    #[test]
    fn reads_past_the_capture_are_truncation() {
        let b = Bytes(&[1, 2, 3]);
        assert_eq!(b.be16(1), Ok(0x0203));
        assert_eq!(b.be16(2), Err(Trunc));
        assert_eq!(b.get(usize::MAX, 2), Err(Trunc));
        assert!(!b.has(2, 2));
        assert_eq!(b.from(9).len(), 0);
    }

    #[test]
    fn printn_says_when_the_capture_ended() {
        let mut s = String::new();
        assert!(!printn(&mut s, Bytes(b"abc"), 1, 5));
        assert_eq!(s, "bc");
    }

    #[test]
    fn relative_times() {
        let mut s = String::new();
        relts(&mut s, 90061);
        assert_eq!(s, "1d1h1m1s");
    }
}

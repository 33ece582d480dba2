//! Small text helpers shared by dissectors (descriptions) and renderers (words).

/// Appends `parts` with `sep` between them (a `join` without its string).
pub fn push_joined<S: AsRef<str>>(out: &mut String, parts: impl IntoIterator<Item = S>, sep: &str) {
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p.as_ref());
    }
}

/// `1 flow`, `2 flows`, `1,500 flows`: a count (grouped) and its noun, plural by
/// adding `s`.
pub fn plural(n: u64, noun: &str) -> String {
    // Written in place: through `format!` and `grouped` it cost about 1,100
    // instructions a call (two strings, two passes of the formatting machinery).
    let mut s = String::with_capacity(noun.len() + 16);
    push_plural(&mut s, n, noun);
    s
}

/// [`plural`], appended to `s`.
pub fn push_plural(s: &mut String, n: u64, noun: &str) {
    push_grouped(s, n);
    s.push(' ');
    s.push_str(noun);
    if n != 1 {
        s.push('s');
    }
}

/// `1,234,567`: a count with thousands separators, the one way eavesdrop writes byte
/// counts for people (flows, totals, the summary; JSON keeps plain numbers).
pub fn grouped(n: u64) -> String {
    let mut s = String::new();
    push_grouped(&mut s, n);
    s
}

/// `n`'s decimal digits, written at the end of `buf` (what `{n}` writes, without the
/// formatting machinery): the one digit loop that packet lines, time stamps and
/// grouped counts share.
pub fn decimal(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut i = buf.len();
    while let Some(slot) = i.checked_sub(1).and_then(|j| buf.get_mut(j)) {
        *slot = b'0' + (n % 10) as u8;
        i -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
}

/// [`grouped`] appended to `s` without the formatting machinery (a tenth of what
/// `write!` of a grouping `Display` cost), for counts written many times per flow.
pub fn push_grouped(s: &mut String, n: u64) {
    let mut buf = [0u8; 26];
    s.push_str(grouped_str(&mut buf, n));
}

/// [`grouped_bytes`] as text (digits and commas).
fn grouped_str(buf: &mut [u8; 26], n: u64) -> &str {
    std::str::from_utf8(grouped_bytes(buf, n)).unwrap_or_default()
}

/// `n`'s digits with a comma every three from the right, written into `buf` (20
/// digits and 6 commas at most): the one grouping loop ([`push_grouped`],
/// [`BytesRange`]).
fn grouped_bytes(buf: &mut [u8; 26], n: u64) -> &[u8] {
    let mut digits = [0u8; 20];
    let digits = decimal(&mut digits, n);
    let mut len = 0;
    for (i, &d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            if let Some(b) = buf.get_mut(len) {
                *b = b',';
            }
            len += 1;
        }
        if let Some(b) = buf.get_mut(len) {
            *b = d;
        }
        len += 1;
    }
    buf.get(..len).unwrap_or_default()
}

/// `1 byte`, `1,234 bytes`.
pub fn bytes(n: u64) -> String {
    BytesRange(n, n).to_string()
}

/// A length an observer infers, in words: `31 bytes` (exact), `≤ 31 bytes` (TLS 1.3
/// may pad), `16–31 bytes` (CBC padding).
pub fn bytes_range(min: u64, max: u64) -> String {
    BytesRange(min, max).to_string()
}

/// [`bytes_range`] written where it goes, without strings of its own.
#[derive(Clone, Copy, Debug)]
pub struct BytesRange(pub u64, pub u64);

impl BytesRange {
    /// Appended to `s` piece by piece, without the formatting machinery (a flow's
    /// messages write one each).
    pub fn push_to(self, s: &mut String) {
        let _ = self.write_to(s);
    }

    fn write_to(self, w: &mut impl std::fmt::Write) -> std::fmt::Result {
        let BytesRange(min, max) = self;
        let mut buf = [0u8; 26];
        let mut grouped =
            |w: &mut dyn std::fmt::Write, n: u64| w.write_str(grouped_str(&mut buf, n));
        if min != max {
            if min == 0 {
                w.write_str("≤ ")?;
            } else {
                grouped(w, min)?;
                w.write_str("–")?;
            }
        }
        grouped(w, max)?;
        w.write_str(if max == 1 { " byte" } else { " bytes" })
    }
}

impl std::fmt::Display for BytesRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

/// `bytes` as text, invalid sequences replaced: what `String::from_utf8_lossy` makes,
/// checked first the fast way (`str::from_utf8` reads ASCII a word at a time; the
/// lossy walk, byte by byte, cost about four instructions a byte of an SSH KEXINIT).
pub fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// At most `max` characters of `s`, with `…` when something was cut.
pub fn shorten(s: &str, max: usize) -> String {
    shortened(s, max).into_owned()
}

/// [`shorten`], borrowing `s` when it is short enough already.
pub fn shortened(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.chars().count() <= max {
        return s.into();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t.into()
}

/// A distinguished name's common name (`O=Eavesdrop Teaching, CN=localhost` →
/// `localhost`), or the whole name when it has none.
pub fn common_name(dn: &str) -> &str {
    dn.split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(dn)
}

/// Every byte as two lower-case hex digits (`{b:02x}`), for writers that push digits
/// without the formatting machinery.
// Indexing in a constant: out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
pub static HEX: [[u8; 2]; 256] = {
    let digits = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [digits[i >> 4], digits[i & 15]];
        i += 1;
    }
    t
};

/// Appends `b` as two lower-case hex digits.
pub fn push_hex_byte(s: &mut String, b: u8) {
    if let Some(&[hi, lo]) = HEX.get(usize::from(b)) {
        s.push(char::from(hi));
        s.push(char::from(lo));
    }
}

/// "00" to "99", for writing decimals two digits at a time.
// Indexing in a constant: out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
static PAIR_BYTES: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// [`PAIR_BYTES`] as text.
static PAIRS: &str = match std::str::from_utf8(&PAIR_BYTES) {
    Ok(s) => s,
    Err(_) => "",
};

/// Appends `n` in decimal (what `{n}` writes, without the formatting machinery: the
/// numbers of a packet line are its hot path). The pairs of digits are taken from the
/// right into a small array, then appended from the left, each as a two-byte `&str`
/// whose length the compiler knows: a call to `memcpy` per pair (the recursive form's
/// `unwrap_or("")` hid the length), `from_utf8` over a digit buffer, or pushing digits
/// as `char`s each cost two to three times as much (130–320 instructions for a port or
/// a time stamp value, 7% of `show`).
pub fn push_dec(s: &mut String, n: impl Into<u64>) {
    let mut n: u64 = n.into();
    // A u64 has at most 20 digits: the leading one or two, and up to nine pairs.
    let mut pairs = [0u8; 10];
    let mut count = 0;
    while n >= 100 {
        if let Some(p) = pairs.get_mut(count) {
            *p = (n % 100) as u8;
        }
        count += 1;
        n /= 100;
    }
    if n < 10 {
        s.push(char::from(b'0' + n as u8));
    } else {
        push_pair(s, n as u8);
    }
    for &p in pairs.get(..count).unwrap_or_default().iter().rev() {
        push_pair(s, p);
    }
}

/// Appends the seconds from `start` to `end` (seconds and nanoseconds, as a capture's
/// time stamps), never below zero, with three decimals: what `{:.3}` writes of their
/// difference computed in `f64`, without the float formatting (830 instructions a flow
/// of `flows`). In whole nanoseconds the difference is exact; it rounds as the `f64`
/// one does wherever that lies within half a nanosecond of it (spans under 10^6 s), and
/// is not a tie (an exact half millisecond, which `f64` may hold just above or below);
/// the rest goes through `f64` as before.
pub fn push_seconds_3(s: &mut String, start: (i64, u32), end: (i64, u32)) {
    let ns = (i128::from(end.0) - i128::from(start.0)) * 1_000_000_000
        + (i128::from(end.1) - i128::from(start.1));
    if ns <= 0 {
        s.push_str("0.000");
        return;
    }
    if ns >= 1_000_000_000_000_000 || ns % 1_000_000 == 500_000 {
        let dur = (end.0 as f64 - start.0 as f64) + (f64::from(end.1) - f64::from(start.1)) / 1e9;
        let _ = std::fmt::Write::write_fmt(s, format_args!("{:.3}", dur.max(0.0)));
        return;
    }
    // Below 10^15 ns: fits a u64.
    let ms = ((ns + 500_000) / 1_000_000) as u64;
    push_dec(s, ms / 1000);
    s.push('.');
    let frac = ms % 1000;
    s.push(char::from(b'0' + (frac / 100) as u8));
    s.push_str(std::str::from_utf8(&two_digits(frac)).unwrap_or("00"));
}

/// `k` (below 100; higher values wrap) as two ASCII digits, for fixed-width fields
/// written as one array (clock times).
pub fn two_digits(k: u64) -> [u8; 2] {
    let at = 2 * (k % 100) as usize;
    match PAIR_BYTES.get(at..at + 2) {
        Some(&[a, b]) => [a, b],
        _ => *b"00",
    }
}

/// Appends a dotted quad (what `Ipv4Addr`'s Display writes, without the formatting
/// machinery): packet lines and the flows table. Each octet is one piece of a table
/// with its dot, of a length the compiler knows in its branch: about half of what
/// four [`push_dec`] and three dots cost (210 instructions an address, 1.6% of
/// `show`).
pub fn push_ipv4(s: &mut String, a: std::net::Ipv4Addr) {
    let [a, b, c, d] = a.octets();
    push_octet(s, a, true);
    push_octet(s, b, true);
    push_octet(s, c, true);
    push_octet(s, d, false);
}

/// Each octet value's digits and a dot, four bytes apiece (`7.  `, `42. `, `255.`).
// Indexing in a constant: out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
static OCTET_BYTES: [u8; 1024] = {
    let mut t = [b' '; 1024];
    let mut i = 0;
    while i < 256 {
        let at = 4 * i;
        let mut n = 0;
        if i >= 100 {
            t[at] = b'0' + (i / 100) as u8;
            n = 1;
        }
        if i >= 10 {
            t[at + n] = b'0' + (i / 10 % 10) as u8;
            n += 1;
        }
        t[at + n] = b'0' + (i % 10) as u8;
        t[at + n + 1] = b'.';
        i += 1;
    }
    t
};

/// [`OCTET_BYTES`] as text.
static OCTETS: &str = match std::str::from_utf8(&OCTET_BYTES) {
    Ok(s) => s,
    Err(_) => "",
};

/// Appends octet `o`, and a dot after it when `dot`.
#[inline(always)]
fn push_octet(s: &mut String, o: u8, dot: bool) {
    let at = 4 * usize::from(o);
    match (o, dot) {
        (0..=9, false) => push_piece::<1>(s, at),
        (0..=9, true) | (10..=99, false) => push_piece::<2>(s, at),
        (10..=99, true) | (100.., false) => push_piece::<3>(s, at),
        (100.., true) => push_piece::<4>(s, at),
    }
}

/// Appends the `N` bytes of [`OCTETS`] at `at`.
#[inline(always)]
fn push_piece<const N: usize>(s: &mut String, at: usize) {
    if let Some(piece) = OCTETS.get(at..at + N) {
        s.push_str(piece);
    }
}

/// Appends `k` (below 100) as two digits.
#[inline(always)]
fn push_pair(s: &mut String, k: u8) {
    let at = 2 * usize::from(k);
    if let Some(pair) = PAIRS.get(at..at + 2) {
        s.push_str(pair);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_counts_have_thousands_separators_and_honour_width() {
        for (n, text) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (12_345, "12,345"),
            (1_234_567, "1,234,567"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(grouped(n), text);
        }
    }

    /// Thousands separators put in by hand into what `{n}` writes: an oracle that
    /// shares nothing with [`grouped_bytes`].
    fn reference(n: u64) -> String {
        let digits = n.to_string().into_bytes();
        let groups: Vec<&str> = digits
            .rchunks(3)
            .rev()
            .map(|g| std::str::from_utf8(g).unwrap())
            .collect();
        groups.join(",")
    }

    #[test]
    fn pushed_groups_and_plurals_read_as_formatted() {
        for n in (0..20)
            .flat_map(|e| {
                let p = 10u64.pow(e);
                [p - 1, p, p + 1]
            })
            .chain([0, 1, 2, 999, 1000, u64::MAX])
        {
            let mut s = String::from("x");
            push_grouped(&mut s, n);
            assert_eq!(s, format!("x{}", reference(n)));
            let want = if n == 1 {
                "1 flow".to_string()
            } else {
                format!("{} flows", reference(n))
            };
            assert_eq!(plural(n, "flow"), want);
        }
    }

    #[test]
    fn words() {
        assert_eq!(plural(1, "flow"), "1 flow");
        assert_eq!(plural(0, "flow"), "0 flows");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(18_400), "18,400");
        assert_eq!(grouped(1_234_567_890), "1,234,567,890");
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(2909), "2,909 bytes");
        assert_eq!(bytes_range(31, 31), "31 bytes");
        assert_eq!(bytes_range(0, 1228), "≤ 1,228 bytes");
        assert_eq!(bytes_range(16, 31), "16–31 bytes");
        assert_eq!(bytes_range(1, 1), "1 byte");
        assert_eq!(bytes_range(0, 1), "≤ 1 byte");
        for (min, max) in [(31, 31), (0, 1228), (16, 31), (1, 1), (1_000, 1_234_567)] {
            let mut s = String::from("x ");
            BytesRange(min, max).push_to(&mut s);
            assert_eq!(s, format!("x {}", bytes_range(min, max)));
        }
        assert_eq!(bytes_range(1, 1), "1 byte");
        assert_eq!(bytes_range(0, 1), "≤ 1 byte");
        assert_eq!(bytes_range(1_000, 1_234_567), "1,000–1,234,567 bytes");
        assert_eq!(shorten("abcdef", 3), "abc…");
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(
            common_name("O=Eavesdrop Teaching, CN=localhost"),
            "localhost"
        );
        assert_eq!(common_name("O=Nobody"), "O=Nobody");
    }

    #[test]
    fn dotted_quads_read_as_display_writes_them() {
        for o in 0..=255u8 {
            for a in [
                std::net::Ipv4Addr::new(o, o, o, o),
                std::net::Ipv4Addr::new(o, 255 - o, o / 7, 0),
                std::net::Ipv4Addr::new(9, o, 100, 255 - o),
                std::net::Ipv4Addr::new(255 - o, 10, o, o / 3),
            ] {
                let mut s = String::from("x");
                push_ipv4(&mut s, a);
                assert_eq!(s, format!("x{a}"));
            }
        }
    }

    #[test]
    fn push_dec_writes_what_display_writes() {
        for n in [
            0,
            7,
            9,
            10,
            42,
            99,
            100,
            101,
            999,
            1000,
            65535,
            4_294_967_295,
            u64::MAX,
        ]
        .into_iter()
        // Every count of digits, at its edges, and every number below 10,000.
        .chain((0..20).flat_map(|e| {
            let p = 10u64.pow(e);
            [p - 1, p, p + 1, p.saturating_mul(5).saturating_sub(3)]
        }))
        .chain(0..10_000)
        {
            let mut s = String::from("x");
            push_dec(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    /// The integer path writes what `{:.3}` of the `f64` difference writes: around
    /// every rounding boundary, at ties, across the range, and in pseudo-random spans.
    #[test]
    fn seconds_3_as_f64_formatting() {
        let f64_way = |a: (i64, u32), b: (i64, u32)| {
            let dur = (b.0 as f64 - a.0 as f64) + (f64::from(b.1) - f64::from(a.1)) / 1e9;
            format!("{:.3}", dur.max(0.0))
        };
        let mut cases = vec![];
        for sec in [
            0i64,
            1,
            9,
            59,
            999,
            86_399,
            999_999,
            1_000_000,
            5_000_000_000,
        ] {
            for ms in [0u32, 1, 4, 5, 499, 500, 501, 994, 995, 999] {
                for off in [0u32, 1, 499_999, 500_000, 500_001, 999_999] {
                    cases.push(((1_700_000_000, 123_456_789), (sec, ms * 1_000_000 + off)));
                    cases.push(((0, 0), (sec, ms * 1_000_000 + off)));
                }
            }
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = ((x >> 40) as i64, (x % 1_000_000_000) as u32);
            let b = (
                a.0 + (x >> 50) as i64 - 100,
                ((x >> 8) % 1_000_000_000) as u32,
            );
            cases.push((a, b));
        }
        // Hostile time stamps: nanoseconds out of range, the extremes.
        cases.push(((0, u32::MAX), (0, 0)));
        cases.push(((0, 0), (0, u32::MAX)));
        cases.push(((i64::MIN, 0), (i64::MAX, u32::MAX)));
        cases.push(((i64::MAX, 0), (i64::MIN, 0)));
        for (a, b) in cases {
            let mut s = String::new();
            push_seconds_3(&mut s, a, b);
            assert_eq!(s, f64_way(a, b), "{a:?} to {b:?}");
        }
    }

    /// [`lossy`] makes what `from_utf8_lossy` makes, valid or not.
    #[test]
    fn lossy_as_from_utf8_lossy() {
        let cases: [&[u8]; 6] = [
            b"",
            b"ssh-ed25519,rsa",
            "caf\u{e9} \u{2192}".as_bytes(),
            b"a\xffb",
            b"\xe2\x86",
            b"\xc3(x",
        ];
        for b in cases {
            assert_eq!(lossy(b), String::from_utf8_lossy(b), "{b:?}");
            assert_eq!(
                matches!(lossy(b), std::borrow::Cow::Borrowed(_)),
                std::str::from_utf8(b).is_ok()
            );
        }
    }
}

//! TLS fingerprints an observer computes from the hellos: JA3 and JA3S (Salesforce,
//! BSD-3-Clause), and JA4 for the client (FoxIO, BSD-3-Clause; JA4S and JA4X are under
//! the FoxIO licence and are not implemented).
//!
//! JA3: `version,ciphers,extensions,groups,point_formats` in the client's order, GREASE
//! removed, as decimal lists, MD5. JA3S: `version,cipher,extensions`, MD5.
//! JA4: `t13d1516h2_<ciphers>_<extensions>`: protocol, highest version offered, SNI or
//! not, counts, ALPN's first and last characters; then the truncated SHA-256 of the
//! sorted cipher list, and of the sorted extension list (without SNI and ALPN) with the
//! signature algorithms in their order.

use super::handshake::{ClientHello, ServerHello, EXT_ALPN, EXT_SERVER_NAME};
use super::record::is_grease;
use md5::{Digest, Md5};
use sha2::Sha256;
use std::fmt::{self, Write};

/// JA3 or JA3S: an MD5, printed as 32 hex digits. Kept as its 16 bytes (a TLS flow's
/// facts hold no string for it); the text is made when a report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Md5Print(pub [u8; 16]);

impl fmt::Display for Md5Print {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// Writes `bytes` as lowercase hex digits, two a byte, in one piece: `{:02x}` a byte
/// went through the formatting machinery each time (a flow's JA3, JA3S and JA4 were
/// 2.7% of `flows` on the replicated capture).
fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut buf = [0u8; 32];
    let Some(out) = buf.get_mut(..bytes.len() * 2) else {
        return Err(fmt::Error);
    };
    hex::encode_to_slice(bytes, out).map_err(|_| fmt::Error)?;
    f.write_str(std::str::from_utf8(out).map_err(|_| fmt::Error)?)
}

/// JA4 of a ClientHello, printed `t13d1516h2_8daaf6152771_d8a2da3f94cd`: its
/// 10-character prefix, and the first 6 bytes of the two SHA-256 (zero without ciphers,
/// or extensions), kept as bytes like [`Md5Print`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ja4 {
    prefix: [u8; 10],
    ciphers: [u8; 6],
    extensions: [u8; 6],
}

impl fmt::Display for Ja4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.prefix
            .iter()
            .try_for_each(|&b| f.write_char(char::from(b)))?;
        for part in [&self.ciphers, &self.extensions] {
            f.write_char('_')?;
            write_hex(f, part)?;
        }
        Ok(())
    }
}

/// Both print as their text (JSON, Parquet).
impl serde::Serialize for Md5Print {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl serde::Serialize for Ja4 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `1-2-3` appended to `out`: numbers and dashes pushed in place (a string per number,
/// then a string per list, were most of a TLS flow's allocations in `flows`).
fn push_decimal(out: &mut String, list: impl Iterator<Item = u64>) {
    for (i, v) in list.enumerate() {
        if i > 0 {
            out.push('-');
        }
        crate::text::push_dec(out, v);
    }
}

fn no_grease(list: &[u16]) -> impl Iterator<Item = u16> + '_ {
    list.iter().copied().filter(|&v| !is_grease(v))
}

/// The JA3 string, before hashing: made in one string.
pub fn ja3_string(ch: &ClientHello) -> String {
    let lists = ch.ciphers.len() + ch.extensions.len() + ch.groups.len();
    let mut out = String::with_capacity(8 + lists * 6 + ch.point_formats.len() * 4);
    crate::text::push_dec(&mut out, u64::from(ch.legacy_version));
    out.push(',');
    push_decimal(&mut out, no_grease(&ch.ciphers).map(u64::from));
    out.push(',');
    push_decimal(&mut out, no_grease(&ch.extensions).map(u64::from));
    out.push(',');
    push_decimal(&mut out, no_grease(&ch.groups).map(u64::from));
    out.push(',');
    push_decimal(&mut out, ch.point_formats.iter().map(|&p| u64::from(p)));
    out
}

pub fn ja3(ch: &ClientHello) -> Md5Print {
    Md5Print(Md5::digest(ja3_string(ch).as_bytes()).into())
}

/// The JA3S string, before hashing.
pub fn ja3s_string(sh: &ServerHello) -> String {
    let mut out = String::with_capacity(16 + sh.extensions.len() * 6);
    crate::text::push_dec(&mut out, u64::from(sh.legacy_version));
    out.push(',');
    crate::text::push_dec(&mut out, u64::from(sh.cipher));
    out.push(',');
    push_decimal(&mut out, no_grease(&sh.extensions).map(u64::from));
    out
}

pub fn ja3s(sh: &ServerHello) -> Md5Print {
    Md5Print(Md5::digest(ja3s_string(sh).as_bytes()).into())
}

fn version_code(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// The first 6 bytes of the SHA-256 of `text` (12 hex digits printed).
fn sha12(text: &str) -> [u8; 6] {
    let mut out = [0; 6];
    for (o, b) in out.iter_mut().zip(Sha256::digest(text.as_bytes())) {
        *o = b;
    }
    out
}

/// `0a0a,1301,…` appended to `out`.
fn push_hex4(out: &mut String, list: impl Iterator<Item = u16>) {
    for (i, v) in list.enumerate() {
        if i > 0 {
            out.push(',');
        }
        // `{v:04x}` without the formatting machinery (a ClientHello has dozens).
        for shift in [12, 8, 4, 0] {
            out.extend(char::from_digit(u32::from(v >> shift) & 0xf, 16));
        }
    }
}

/// The first and last characters of the first ALPN value, or of its hex form when
/// either byte is not alphanumeric; `00` without ALPN.
fn alpn_code(first: Option<&[u8]>) -> [u8; 2] {
    let Some(v) = first.filter(|v| !v.is_empty()) else {
        return *b"00";
    };
    let (a, z) = (
        v.first().copied().unwrap_or(0),
        v.last().copied().unwrap_or(0),
    );
    if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() {
        [a, z]
    } else {
        // The hex form's first digit is the first byte's high nibble, its last the
        // last byte's low one.
        let digit = |n: u8| char::from_digit(u32::from(n & 0xf), 16).map_or(b'0', |c| c as u8);
        [digit(a >> 4), digit(z)]
    }
}

/// JA4 of a ClientHello; `quic`: it came in a QUIC Initial.
pub fn ja4(ch: &ClientHello, quic: bool) -> Ja4 {
    let version = ch
        .versions
        .iter()
        .copied()
        .map(|v| v.0)
        .filter(|&v| !is_grease(v))
        .max()
        .unwrap_or(ch.legacy_version);
    ja4_with(ch, if quic { b'q' } else { b't' }, version)
}

/// JA4 of a DTLS ClientHello: protocol `d`, and the highest DTLS version offered
/// (DTLS numbers count down: 0xfefc, DTLS 1.3, is above 0xfefd, DTLS 1.2).
pub fn ja4_dtls(ch: &ClientHello) -> Ja4 {
    let version = ch
        .versions
        .iter()
        .copied()
        .map(|v| v.0)
        .filter(|&v| !is_grease(v))
        .min_by_key(|&v| if v >> 8 == 0xfe { v & 0xff } else { 0x100 | v })
        .unwrap_or(ch.legacy_version);
    ja4_with(ch, b'd', version)
}

/// Made with one list and one string, reused for both hashes (a dozen allocations a
/// ClientHello before).
fn ja4_with(ch: &ClientHello, proto: u8, version: u16) -> Ja4 {
    let mut sorted: Vec<u16> = no_grease(&ch.ciphers).collect();
    let cipher_count = sorted.len();
    let ext_count = no_grease(&ch.extensions).count();
    let sni = if ch.extensions.contains(&EXT_SERVER_NAME) {
        b'd'
    } else {
        b'i'
    };
    // Ten ASCII characters: the protocol, two each for the version, the counts (at
    // most 99) and the ALPN code, and the SNI letter.
    let two = |n: usize| {
        let n = n.min(99) as u8;
        [b'0' + n / 10, b'0' + n % 10]
    };
    let v = version_code(version).as_bytes();
    let [c1, c2] = two(cipher_count);
    let [e1, e2] = two(ext_count);
    let [a1, a2] = alpn_code(ch.alpn.first().map(|a| a.value.as_slice()));
    let prefix = [
        proto,
        v.first().copied().unwrap_or(b'0'),
        v.get(1).copied().unwrap_or(b'0'),
        sni,
        c1,
        c2,
        e1,
        e2,
        a1,
        a2,
    ];
    let mut text = String::with_capacity(ch.ciphers.len().max(ch.extensions.len()) * 5 + 8);
    let b = if sorted.is_empty() {
        [0; 6]
    } else {
        sorted.sort_unstable();
        push_hex4(&mut text, sorted.iter().copied());
        sha12(&text)
    };
    sorted.clear();
    sorted.extend(no_grease(&ch.extensions).filter(|&e| e != EXT_SERVER_NAME && e != EXT_ALPN));
    sorted.sort_unstable();
    let c = if sorted.is_empty() {
        [0; 6]
    } else {
        text.clear();
        push_hex4(&mut text, sorted.iter().copied());
        let mut sigs = no_grease(&ch.sig_algs).peekable();
        if sigs.peek().is_some() {
            text.push('_');
            push_hex4(&mut text, sigs);
        }
        sha12(&text)
    };
    Ja4 {
        prefix,
        ciphers: b,
        extensions: c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tls::handshake::Located;
    use crate::proto::tls::TlsVersion;

    fn hexes(s: &str) -> Vec<u16> {
        s.split(',')
            .map(|h| u16::from_str_radix(h, 16).unwrap())
            .collect()
    }

    /// A Chrome ClientHello as published with its fingerprints (ja4_ro, ja3_text, and
    /// the hashes ja4 and ja3_hash computed by the reference implementations).
    fn chrome() -> ClientHello {
        ClientHello {
            legacy_version: 0x0303,
            versions: vec![TlsVersion(0x0304), TlsVersion(0x0303)],
            ciphers: hexes(
                "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
            ),
            extensions: hexes(
                "002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b",
            ),
            groups: vec![4588, 29, 23, 24],
            point_formats: vec![0],
            sig_algs: hexes("0403,0804,0401,0503,0805,0501,0806,0601"),
            alpn: vec![Located {
                value: b"h2".to_vec(),
                range: 0..2,
            }],
            ..ClientHello::default()
        }
    }

    #[test]
    fn ja4_and_ja3_match_published_vectors() {
        let mut ch = chrome();
        assert_eq!(
            ja4(&ch, false).to_string(),
            "t13d1516h2_8daaf6152771_d8a2da3f94cd"
        );
        assert_eq!(
            ja3_string(&ch),
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
             45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0"
        );
        assert_eq!(ja3(&ch).to_string(), "98487aa16281980e7d1120d399efb6a4");
        // GREASE anywhere changes nothing.
        ch.ciphers.insert(0, 0x2a2a);
        ch.extensions.insert(3, 0xdada);
        ch.groups.insert(0, 0x8a8a);
        ch.versions.insert(0, TlsVersion(0x7a7a));
        assert_eq!(
            ja4(&ch, false).to_string(),
            "t13d1516h2_8daaf6152771_d8a2da3f94cd"
        );
        assert_eq!(ja3(&ch).to_string(), "98487aa16281980e7d1120d399efb6a4");
        assert!(ja4(&ch, true).to_string().starts_with("q13d1516h2_"));
        ch.versions = vec![TlsVersion(0xfefd), TlsVersion(0xfefc)];
        assert!(
            ja4_dtls(&ch).to_string().starts_with("dd3d1516h2_"),
            "{}",
            ja4_dtls(&ch).to_string()
        );
    }

    #[test]
    fn ja4_edge_cases() {
        let mut ch = chrome();
        ch.alpn[0].value = b"http/1.1".to_vec();
        assert!(ja4(&ch, false).to_string().starts_with("t13d1516h1_"));
        ch.alpn[0].value = vec![0xab, b'x', 0x01];
        assert!(
            ja4(&ch, false).to_string().starts_with("t13d1516a1_"),
            "{}",
            ja4(&ch, false).to_string()
        );
        ch.alpn.clear();
        ch.extensions.retain(|&e| e != 0);
        ch.versions.clear();
        assert!(
            ja4(&ch, false).to_string().starts_with("t12i151500_"),
            "{}",
            ja4(&ch, false).to_string()
        );
        let empty = ClientHello {
            legacy_version: 0x0301,
            ..ClientHello::default()
        };
        assert_eq!(
            ja4(&empty, false).to_string(),
            "t10i000000_000000000000_000000000000"
        );
        assert!(is_grease(0xfafa) && is_grease(0x0a0a) && !is_grease(0x0a1a));
    }
}

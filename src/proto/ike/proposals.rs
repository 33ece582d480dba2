//! Security associations: the proposals and transforms of IKEv2 and IKEv1, named.

use super::*;

/// Reads IKEv2 proposals (RFC 7296 section 3.3).
pub(super) fn sa_v2(b: &[u8]) -> Vec<Suite> {
    let mut out = Vec::new();
    let mut r = Reader::new(b);
    while out.len() < MAX_PROPOSALS {
        let Some(p) = (|| {
            let _last = r.u8()?;
            r.u8()?;
            let len = usize::from(r.u16()?);
            let mut p = r.sub(len.checked_sub(4)?)?;
            let _num = p.u8()?;
            let proto = p.u8()?;
            let spi = usize::from(p.u8()?);
            let count = p.u8()?;
            p.skip(spi)?;
            let mut s = Suite {
                proto: match proto {
                    1 => "IKE",
                    2 => "AH",
                    3 => "ESP",
                    _ => "?",
                },
                ..Suite::default()
            };
            for _ in 0..usize::from(count).min(MAX_TRANSFORMS) {
                p.u8()?;
                p.u8()?;
                let tlen = usize::from(p.u16()?);
                let mut t = p.sub(tlen.checked_sub(4)?)?;
                let kind = t.u8()?;
                t.u8()?;
                let id = t.u16()?;
                let mut keylen = None;
                while let Some(attr) = t.u16() {
                    if attr & 0x8000 != 0 {
                        let v = t.u16()?;
                        if attr & 0x7fff == 14 {
                            keylen = Some(v);
                        }
                    } else {
                        let n = usize::from(t.u16()?);
                        t.skip(n)?;
                    }
                }
                let name = v2_transform(kind, id, keylen);
                let slot = match kind {
                    1 => &mut s.encr,
                    2 => &mut s.prf,
                    3 => &mut s.integ,
                    4 => &mut s.dh,
                    _ => continue,
                };
                slot.get_or_insert(name);
            }
            Some(s)
        })() else {
            break;
        };
        out.push(p);
    }
    out
}

/// Names an IKEv2 transform (RFC 7296 section 3.3.2, IANA "IKEv2 Parameters").
pub(super) fn v2_transform(kind: u8, id: u16, keylen: Option<u16>) -> String {
    let name = match (kind, id) {
        (1, 2) => "DES",
        (1, 3) => "3DES",
        (1, 11) => "NULL",
        (1, 12) => "AES_CBC",
        (1, 13) => "AES_CTR",
        (1, 14) => "AES_CCM_8",
        (1, 15) => "AES_CCM_12",
        (1, 16) => "AES_CCM_16",
        (1, 18) => "AES_GCM_8",
        (1, 19) => "AES_GCM_12",
        (1, 20) => "AES_GCM_16",
        (1, 21) => "NULL_AUTH_AES_GMAC",
        (1, 23) => "CAMELLIA_CBC",
        (1, 28) => "CHACHA20_POLY1305",
        (2, 1) => "PRF_HMAC_MD5",
        (2, 2) => "PRF_HMAC_SHA1",
        (2, 4) => "PRF_AES128_XCBC",
        (2, 5) => "PRF_HMAC_SHA2_256",
        (2, 6) => "PRF_HMAC_SHA2_384",
        (2, 7) => "PRF_HMAC_SHA2_512",
        (2, 8) => "PRF_AES128_CMAC",
        (3, 0) => "NONE",
        (3, 1) => "HMAC_MD5_96",
        (3, 2) => "HMAC_SHA1_96",
        (3, 5) => "AES_XCBC_96",
        (3, 12) => "HMAC_SHA2_256_128",
        (3, 13) => "HMAC_SHA2_384_192",
        (3, 14) => "HMAC_SHA2_512_256",
        (4, 1) => "MODP768",
        (4, 2) => "MODP1024",
        (4, 5) => "MODP1536",
        (4, 14) => "MODP2048",
        (4, 15) => "MODP3072",
        (4, 16) => "MODP4096",
        (4, 17) => "MODP6144",
        (4, 18) => "MODP8192",
        (4, 19) => "ECP256",
        (4, 20) => "ECP384",
        (4, 21) => "ECP521",
        (4, 31) => "CURVE_25519",
        (4, 32) => "CURVE_448",
        _ => return format!("transform-{kind}-{id}"),
    };
    match keylen {
        Some(k) => format!("{name}_{k}"),
        None => name.to_string(),
    }
}

/// Reads IKEv1 phase 1 proposals (RFC 2408 sections 3.4-3.6, RFC 2409 appendix A).
pub(super) fn sa_v1(b: &[u8]) -> Vec<Suite> {
    let mut out = Vec::new();
    let mut r = Reader::new(b);
    // DOI and situation.
    if r.skip(8).is_none() {
        return out;
    }
    let mut next_proposal = true;
    while next_proposal && out.len() < MAX_PROPOSALS {
        let Some(()) = (|| {
            next_proposal = r.u8()? == 2;
            r.u8()?;
            let len = usize::from(r.u16()?);
            let mut p = r.sub(len.checked_sub(4)?)?;
            let _num = p.u8()?;
            let proto = p.u8()?;
            let spi = usize::from(p.u8()?);
            let count = p.u8()?;
            p.skip(spi)?;
            for _ in 0..usize::from(count).min(MAX_TRANSFORMS) {
                p.u8()?;
                p.u8()?;
                let tlen = usize::from(p.u16()?);
                let mut t = p.sub(tlen.checked_sub(4)?)?;
                let _tnum = t.u8()?;
                let tid = t.u8()?;
                t.u16()?;
                let mut s = Suite {
                    proto: match proto {
                        1 => "IKE",
                        2 => "AH",
                        3 => "ESP",
                        _ => "?",
                    },
                    ..Suite::default()
                };
                if proto != 1 {
                    s.encr = Some(format!("transform-{tid}"));
                }
                let mut keylen = None;
                while let Some(attr) = t.u16() {
                    let value = if attr & 0x8000 != 0 {
                        u32::from(t.u16()?)
                    } else {
                        let n = usize::from(t.u16()?);
                        let v = t.take(n)?;
                        v.iter().take(4).fold(0u32, |a, &x| (a << 8) | u32::from(x))
                    };
                    if proto != 1 {
                        continue;
                    }
                    match attr & 0x7fff {
                        1 => s.encr = Some(v1_encr(value)),
                        2 => s.integ = Some(v1_hash(value)),
                        3 => s.auth = Some(v1_auth(value)),
                        4 => s.dh = Some(v1_group(value)),
                        14 => keylen = Some(value),
                        _ => {}
                    }
                }
                if let (Some(e), Some(k)) = (s.encr.as_mut(), keylen) {
                    e.push_str(&format!("_{k}"));
                }
                if out.len() < MAX_PROPOSALS {
                    out.push(s);
                }
            }
            Some(())
        })() else {
            break;
        };
    }
    out
}

pub(super) fn v1_encr(v: u32) -> String {
    match v {
        1 => "DES_CBC".into(),
        2 => "IDEA_CBC".into(),
        3 => "BLOWFISH_CBC".into(),
        5 => "3DES_CBC".into(),
        6 => "CAST_CBC".into(),
        7 => "AES_CBC".into(),
        8 => "CAMELLIA_CBC".into(),
        other => format!("encryption-{other}"),
    }
}

pub(super) fn v1_hash(v: u32) -> String {
    match v {
        1 => "MD5".into(),
        2 => "SHA1".into(),
        4 => "SHA2_256".into(),
        5 => "SHA2_384".into(),
        6 => "SHA2_512".into(),
        other => format!("hash-{other}"),
    }
}

pub(super) fn v1_auth(v: u32) -> String {
    match v {
        1 => "PSK".into(),
        2 => "DSS signature".into(),
        3 => "RSA signature".into(),
        4 | 5 => "RSA encryption".into(),
        // XAUTH variants (draft-beaulieu-ike-xauth-02), 65001 and up.
        65001 | 65002 => "XAUTH PSK".into(),
        other => format!("auth-{other}"),
    }
}

pub(super) fn v1_group(v: u32) -> String {
    let n = match v {
        1 => "MODP768",
        2 => "MODP1024",
        5 => "MODP1536",
        14 => "MODP2048",
        15 => "MODP3072",
        16 => "MODP4096",
        19 => "ECP256",
        20 => "ECP384",
        21 => "ECP521",
        31 => "CURVE_25519",
        _ => return format!("group-{v}"),
    };
    n.into()
}

//! Key schedules: from a key log's secrets to record keys.
//!
//! - TLS 1.2: PRF with the suite's hash (RFC 5246 section 5), key block from the master
//!   secret and both randoms (section 6.3);
//! - TLS 1.0 and 1.1: PRF = P_MD5 ⊕ P_SHA-1 over the two halves of the secret
//!   (RFC 2246 section 5);
//! - SSL 3.0: its own MD5/SHA-1 key block (RFC 6101 section 6.2.2);
//! - TLS 1.3 (and QUIC, DTLS 1.3): HKDF-Expand-Label (RFC 8446 section 7.1).

use super::cipher::PrfHash;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha384};

/// P_hash (RFC 5246 section 5): HMAC-chained expansion of `secret` over `seed`.
fn p_hash<M: Mac + hmac::digest::KeyInit + Clone>(secret: &[u8], seed: &[u8], out: &mut [u8]) {
    let Ok(base) = <M as hmac::digest::KeyInit>::new_from_slice(secret) else {
        return;
    };
    let mut a = {
        let mut m = base.clone();
        m.update(seed);
        m.finalize().into_bytes().to_vec()
    };
    let mut filled = 0;
    while filled < out.len() {
        let mut m = base.clone();
        m.update(&a);
        m.update(seed);
        let block = m.finalize().into_bytes();
        for (o, b) in out.iter_mut().skip(filled).zip(block.iter()) {
            *o ^= b;
        }
        filled += block.len();
        let mut m = base.clone();
        m.update(&a);
        a = m.finalize().into_bytes().to_vec();
    }
}

/// TLS 1.2's PRF(secret, label, seed) with the suite's hash.
pub fn prf12(hash: PrfHash, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut s = Vec::with_capacity(label.len() + seed.len());
    s.extend_from_slice(label);
    s.extend_from_slice(seed);
    let mut out = vec![0u8; len];
    match hash {
        PrfHash::Sha256 => p_hash::<Hmac<Sha256>>(secret, &s, &mut out),
        PrfHash::Sha384 => p_hash::<Hmac<Sha384>>(secret, &s, &mut out),
    }
    out
}

/// TLS 1.0/1.1's PRF: P_MD5 over the first half of the secret XOR P_SHA-1 over the
/// second (the halves share a byte when the length is odd).
pub fn prf10(secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut s = Vec::with_capacity(label.len() + seed.len());
    s.extend_from_slice(label);
    s.extend_from_slice(seed);
    let half = secret.len().div_ceil(2);
    let s1 = secret.get(..half).unwrap_or(&[]);
    let s2 = secret.get(secret.len() - half..).unwrap_or(&[]);
    let mut out = vec![0u8; len];
    p_hash::<Hmac<Md5>>(s1, &s, &mut out);
    p_hash::<Hmac<Sha1>>(s2, &s, &mut out);
    out
}

/// SSL 3.0's key block: MD5(master + SHA1("A" + master + seed)) + MD5(master +
/// SHA1("BB" + master + seed)) + …, `seed` being server random + client random.
pub fn ssl3_key_block(master: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut i = 0u8;
    while out.len() < len && i < 26 {
        let salt = vec![b'A' + i; usize::from(i) + 1];
        let mut sha = Sha1::new();
        sha.update(&salt);
        sha.update(master);
        sha.update(seed);
        let mut md5 = Md5::new();
        md5.update(master);
        md5.update(sha.finalize());
        out.extend_from_slice(&md5.finalize());
        i += 1;
    }
    out.truncate(len);
    out
}

/// SSL 3.0's master secret from a premaster secret (RFC 6101 section 6.1): the same
/// construction as its key block, over client random + server random.
pub fn ssl3_master(premaster: &[u8], client_random: &[u8], server_random: &[u8]) -> Vec<u8> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    ssl3_key_block(premaster, &seed, 48)
}

/// HKDF-Expand-Label(secret, label, context, len) (RFC 8446 section 7.1); `label`
/// without the `tls13 ` prefix.
pub fn expand_label(
    hash: PrfHash,
    secret: &[u8],
    label: &str,
    context: &[u8],
    len: usize,
) -> Option<Vec<u8>> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&u16::try_from(len).ok()?.to_be_bytes());
    info.push(u8::try_from(full.len()).ok()?);
    info.extend_from_slice(full.as_bytes());
    info.push(u8::try_from(context.len()).ok()?);
    info.extend_from_slice(context);
    let mut out = vec![0u8; len];
    match hash {
        PrfHash::Sha256 => Hkdf::<Sha256>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
        PrfHash::Sha384 => Hkdf::<Sha384>::from_prk(secret)
            .ok()?
            .expand(&info, &mut out)
            .ok()?,
    }
    Some(out)
}

impl PrfHash {
    pub fn size(self) -> usize {
        match self {
            PrfHash::Sha256 => 32,
            PrfHash::Sha384 => 48,
        }
    }

    /// The hash a TLS 1.3 secret of this length was made with.
    pub fn for_secret(len: usize) -> PrfHash {
        if len == 48 {
            PrfHash::Sha384
        } else {
            PrfHash::Sha256
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TLS 1.2 PRF test vector for SHA-256 published with the IETF TLS working
    /// group's mailing list (and used by Go's and rustls's tests).
    #[test]
    fn prf_sha256_vector() {
        let secret = hex::decode("9bbe436ba940f017b17652849a71db35").unwrap();
        let seed = hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap();
        let out = prf12(PrfHash::Sha256, &secret, b"test label", &seed, 100);
        assert_eq!(
            hex::encode(&out[..32]),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        );
    }

    /// RFC 8448 section 3: the server handshake traffic key and IV of the simple
    /// 1-RTT handshake.
    #[test]
    fn expand_label_rfc_8448() {
        let secret =
            hex::decode("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
                .unwrap();
        let key = expand_label(PrfHash::Sha256, &secret, "key", &[], 16).unwrap();
        assert_eq!(hex::encode(key), "3fce516009c21727d0f2e4e86ee403bc");
        let iv = expand_label(PrfHash::Sha256, &secret, "iv", &[], 12).unwrap();
        assert_eq!(hex::encode(iv), "5d313eb2671276ee13000b30");
    }
}

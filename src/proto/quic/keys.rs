//! Initial packet protection (RFC 9001 section 5, RFC 9369 section 3.3): the keys
//! anyone derives from the client's first Destination Connection ID and the version's
//! salt, and the removal of header and packet protection with them.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::Sha256;

pub(super) const V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
pub(super) const V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb,
    0xf9, 0xbd, 0x2e, 0xd9,
];
pub(super) const D29: [u8; 20] = [
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0,
    0x43, 0x90, 0xa8, 0x99,
];
pub(super) const D23: [u8; 20] = [
    0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65,
    0xbe, 0xf9, 0xf5, 0x02,
];
pub(super) const D22: [u8; 20] = [
    0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a, 0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd,
    0x7a, 0x02, 0x64, 0x4a,
];
/// Google QUIC with TLS, versions T050 and T051 (as nDPI and Wireshark use them).
pub(super) const T50: [u8; 20] = [
    0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80, 0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c,
    0x60, 0x48, 0x83, 0x10,
];
pub(super) const T51: [u8; 20] = [
    0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50, 0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc,
    0xda, 0x6e, 0x03, 0x3d,
];

/// The Initial salts to try for a version (several for the reserved versions that
/// force version negotiation), and whether it uses QUIC v2's labels.
pub(super) fn version_params(v: u32) -> Option<(&'static [[u8; 20]], bool)> {
    Some(match v {
        // Drafts 33 and 34 already use the RFC 9001 salt.
        0x0000_0001 | 0xff00_0021 | 0xff00_0022 => (std::slice::from_ref(&V1), false),
        0x6b33_43cf => (std::slice::from_ref(&V2), true),
        0xff00_001d..=0xff00_0020 => (std::slice::from_ref(&D29), false),
        0xff00_0017..=0xff00_001c => (std::slice::from_ref(&D23), false),
        0xff00_0016 | 0xface_b001 => (std::slice::from_ref(&D22), false),
        0xface_b002 | 0xface_b00e => (std::slice::from_ref(&D23), false),
        0x5430_3530 => (std::slice::from_ref(&T50), false),
        0x5430_3531 => (std::slice::from_ref(&T51), false),
        v if v & 0x0f0f_0f0f == 0x0a0a_0a0a => {
            const RESERVED: [[u8; 20]; 2] = [D29, V1];
            (&RESERVED, false)
        }
        _ => return None,
    })
}

/// HKDF-Expand-Label with an empty context (RFC 8446 section 7.1).
pub(super) fn expand_label(prk: &Hkdf<Sha256>, label: &str, out: &mut [u8]) -> Option<()> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len());
    info.extend_from_slice(&u16::try_from(out.len()).ok()?.to_be_bytes());
    info.push(u8::try_from(full.len()).ok()?);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    prk.expand(&info, out).ok()
}

/// The Initial keys of one side (RFC 9001 section 5.2).
pub(super) struct Keys {
    key: [u8; 16],
    iv: [u8; 12],
    hp: [u8; 16],
}

pub(super) fn initial_keys(salt: &[u8; 20], v2: bool, dcid: &[u8], server: bool) -> Option<Keys> {
    let (_, initial) = Hkdf::<Sha256>::extract(Some(salt), dcid);
    let mut secret = [0u8; 32];
    expand_label(
        &initial,
        if server { "server in" } else { "client in" },
        &mut secret,
    )?;
    let side = Hkdf::<Sha256>::from_prk(&secret).ok()?;
    let (lk, li, lh) = if v2 {
        ("quicv2 key", "quicv2 iv", "quicv2 hp")
    } else {
        ("quic key", "quic iv", "quic hp")
    };
    let mut k = Keys {
        key: [0; 16],
        iv: [0; 12],
        hp: [0; 16],
    };
    expand_label(&side, lk, &mut k.key)?;
    expand_label(&side, li, &mut k.iv)?;
    expand_label(&side, lh, &mut k.hp)?;
    Some(k)
}

/// Removes header protection and decrypts an Initial packet whose packet number starts
/// at `pn_at` and whose protected part ends at `end`. Returns the packet number length
/// and the plaintext payload.
pub(super) fn decrypt(
    packet: &[u8],
    pn_at: usize,
    end: usize,
    keys: &Keys,
) -> Option<(usize, Vec<u8>)> {
    let sample = packet.get(pn_at + 4..pn_at + 20)?;
    let hp = aes::Aes128::new_from_slice(&keys.hp).ok()?;
    let mut block = aes::Block::clone_from_slice(sample);
    hp.encrypt_block(&mut block);
    let mask = block;
    let mut header = packet.get(..pn_at + 4)?.to_vec();
    let b0 = header.first_mut()?;
    *b0 ^= mask.first()? & 0x0f;
    let pn_len = usize::from(*b0 & 3) + 1;
    let mut pn: u64 = 0;
    for i in 0..pn_len {
        let byte = header.get_mut(pn_at + i)?;
        *byte ^= mask.get(1 + i)?;
        pn = (pn << 8) | u64::from(*byte);
    }
    header.truncate(pn_at + pn_len);
    let mut nonce = keys.iv;
    for (i, b) in pn.to_be_bytes().iter().enumerate() {
        if let Some(n) = nonce.get_mut(4 + i) {
            *n ^= b;
        }
    }
    let body = packet.get(pn_at + pn_len..end)?;
    let split = body.len().checked_sub(16)?;
    let (ct, tag) = body.split_at(split);
    let mut buf = ct.to_vec();
    let aead = Aes128Gcm::new_from_slice(&keys.key).ok()?;
    aead.decrypt_in_place_detached(
        Nonce::from_slice(&nonce),
        &header,
        &mut buf,
        Tag::from_slice(tag),
    )
    .ok()?;
    Some((pn_len, buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9001 appendix A.1: the client Initial keys for DCID 0x8394c8f03e515708.
    #[test]
    fn initial_keys_match_rfc_9001_appendix_a() {
        let dcid = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];
        let k = initial_keys(&V1, false, &dcid, false).unwrap();
        assert_eq!(hex::encode(k.key), "1f369613dd76d5467730efcbe3b1a22d");
        assert_eq!(hex::encode(k.iv), "fa044b2f42a3fd3b46fb255c");
        assert_eq!(hex::encode(k.hp), "9f50449e04a0e810283a1e9933adedd2");
        let s = initial_keys(&V1, false, &dcid, true).unwrap();
        assert_eq!(hex::encode(s.key), "cf3a5331653c364c88f0f379b6067e37");
    }
}

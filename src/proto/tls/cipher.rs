//! Record protection primitives for decryption with the endpoints' keys: the AEADs
//! (AES-GCM, AES-CCM and AES-CCM_8, ChaCha20-Poly1305, ARIA-GCM, Camellia-GCM), block
//! ciphers in CBC mode (AES, Camellia, ARIA, 3DES, DES), RC4, and the MACs of TLS ≤ 1.2
//! (HMAC, and SSL 3.0's own). Every primitive is a RustCrypto crate; this file only
//! chooses among them and says which a cipher suite uses (tls-parser's IANA table).
//!
//! Shared by TLS, DTLS and QUIC: a failed tag, MAC or padding check is `false`, never
//! plaintext.

use aes_gcm::aead::consts::{U12, U16, U8};
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::AesGcm;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockCipher, BlockDecryptMut, BlockSizeUser, KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::{Sha256, Sha384};
use tls_parser::{TlsCipherEnc, TlsCipherEncMode, TlsCipherMac, TlsCipherSuite, TlsPRF};

/// An AEAD algorithm (RFC 5116, RFC 8439, RFC 6655, RFC 6209, RFC 6367).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AeadAlg {
    Aes128Gcm,
    Aes256Gcm,
    Aria128Gcm,
    Aria256Gcm,
    Camellia128Gcm,
    Camellia256Gcm,
    Aes128Ccm,
    Aes256Ccm,
    Aes128Ccm8,
    Aes256Ccm8,
    ChaCha20Poly1305,
}

impl AeadAlg {
    pub fn key_len(self) -> usize {
        match self {
            AeadAlg::Aes128Gcm
            | AeadAlg::Aria128Gcm
            | AeadAlg::Camellia128Gcm
            | AeadAlg::Aes128Ccm
            | AeadAlg::Aes128Ccm8 => 16,
            _ => 32,
        }
    }

    pub fn tag_len(self) -> usize {
        match self {
            AeadAlg::Aes128Ccm8 | AeadAlg::Aes256Ccm8 => 8,
            _ => 16,
        }
    }

    /// TLS 1.2 nonce: ChaCha20-Poly1305 XORs a 12-byte IV with the sequence number
    /// (RFC 7905); the others send 8 bytes explicitly after a 4-byte salt (RFC 5288).
    pub fn explicit_nonce(self) -> bool {
        self != AeadAlg::ChaCha20Poly1305
    }
}

type Aes128Ccm16 = ccm::Ccm<aes::Aes128, U16, U12>;
type Aes256Ccm16 = ccm::Ccm<aes::Aes256, U16, U12>;
type Aes128Ccm8 = ccm::Ccm<aes::Aes128, U8, U12>;
type Aes256Ccm8 = ccm::Ccm<aes::Aes256, U8, U12>;

/// An AEAD with its key set.
pub enum AeadKey {
    Aes128Gcm(Box<aes_gcm::Aes128Gcm>),
    Aes256Gcm(Box<aes_gcm::Aes256Gcm>),
    Aria128Gcm(Box<AesGcm<aria::Aria128, U12>>),
    Aria256Gcm(Box<AesGcm<aria::Aria256, U12>>),
    Camellia128Gcm(Box<AesGcm<camellia::Camellia128, U12>>),
    Camellia256Gcm(Box<AesGcm<camellia::Camellia256, U12>>),
    Aes128Ccm(Box<Aes128Ccm16>),
    Aes256Ccm(Box<Aes256Ccm16>),
    Aes128Ccm8(Box<Aes128Ccm8>),
    Aes256Ccm8(Box<Aes256Ccm8>),
    ChaCha(Box<chacha20poly1305::ChaCha20Poly1305>),
}

impl std::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AeadKey(…)")
    }
}

impl AeadKey {
    pub fn new(alg: AeadAlg, key: &[u8]) -> Option<AeadKey> {
        fn b<T: KeyInit>(key: &[u8]) -> Option<Box<T>> {
            T::new_from_slice(key).ok().map(Box::new)
        }
        Some(match alg {
            AeadAlg::Aes128Gcm => AeadKey::Aes128Gcm(b(key)?),
            AeadAlg::Aes256Gcm => AeadKey::Aes256Gcm(b(key)?),
            AeadAlg::Aria128Gcm => AeadKey::Aria128Gcm(b(key)?),
            AeadAlg::Aria256Gcm => AeadKey::Aria256Gcm(b(key)?),
            AeadAlg::Camellia128Gcm => AeadKey::Camellia128Gcm(b(key)?),
            AeadAlg::Camellia256Gcm => AeadKey::Camellia256Gcm(b(key)?),
            AeadAlg::Aes128Ccm => AeadKey::Aes128Ccm(b(key)?),
            AeadAlg::Aes256Ccm => AeadKey::Aes256Ccm(b(key)?),
            AeadAlg::Aes128Ccm8 => AeadKey::Aes128Ccm8(b(key)?),
            AeadAlg::Aes256Ccm8 => AeadKey::Aes256Ccm8(b(key)?),
            AeadAlg::ChaCha20Poly1305 => AeadKey::ChaCha(b(key)?),
        })
    }

    /// Decrypts `buf` in place and checks `tag`; `false` (and `buf` unspecified) when
    /// the tag does not match.
    pub fn open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
        let n = GenericArray::from_slice(nonce);
        match self {
            AeadKey::Aes128Gcm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aes256Gcm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aria128Gcm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aria256Gcm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Camellia128Gcm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Camellia256Gcm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aes128Ccm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aes256Ccm(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::ChaCha(k) => open16(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aes128Ccm8(k) => open8(k.as_ref(), n, aad, buf, tag),
            AeadKey::Aes256Ccm8(k) => open8(k.as_ref(), n, aad, buf, tag),
        }
    }
}

fn open16<A: AeadInPlace<NonceSize = U12, TagSize = U16>>(
    a: &A,
    nonce: &GenericArray<u8, U12>,
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> bool {
    tag.len() == 16
        && a.decrypt_in_place_detached(nonce, aad, buf, GenericArray::from_slice(tag))
            .is_ok()
}

fn open8<A: AeadInPlace<NonceSize = U12, TagSize = U8>>(
    a: &A,
    nonce: &GenericArray<u8, U12>,
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> bool {
    tag.len() == 8
        && a.decrypt_in_place_detached(nonce, aad, buf, GenericArray::from_slice(tag))
            .is_ok()
}

/// A block cipher used in CBC mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockAlg {
    Aes128,
    Aes256,
    Camellia128,
    Camellia256,
    Aria128,
    Aria256,
    TripleDes,
    Des,
}

impl BlockAlg {
    pub fn key_len(self) -> usize {
        match self {
            BlockAlg::Aes128 | BlockAlg::Camellia128 | BlockAlg::Aria128 => 16,
            BlockAlg::Aes256 | BlockAlg::Camellia256 | BlockAlg::Aria256 => 32,
            BlockAlg::TripleDes => 24,
            BlockAlg::Des => 8,
        }
    }

    pub fn block_len(self) -> usize {
        match self {
            BlockAlg::TripleDes | BlockAlg::Des => 8,
            _ => 16,
        }
    }

    /// Decrypts whole blocks of `buf` in place with `iv`; `false` if `buf` is not a
    /// multiple of the block size or the key does not fit.
    pub fn cbc_decrypt(self, key: &[u8], iv: &[u8], buf: &mut [u8]) -> bool {
        fn run<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> bool
        where
            C: BlockCipher + cbc::cipher::BlockDecrypt + cbc::cipher::KeyInit + BlockSizeUser,
        {
            let Ok(d) = cbc::Decryptor::<C>::new_from_slices(key, iv) else {
                return false;
            };
            d.decrypt_padded_mut::<NoPadding>(buf).is_ok()
        }
        if buf.len() % self.block_len() != 0 {
            return false;
        }
        match self {
            BlockAlg::Aes128 => run::<aes::Aes128>(key, iv, buf),
            BlockAlg::Aes256 => run::<aes::Aes256>(key, iv, buf),
            BlockAlg::Camellia128 => run::<camellia::Camellia128>(key, iv, buf),
            BlockAlg::Camellia256 => run::<camellia::Camellia256>(key, iv, buf),
            BlockAlg::Aria128 => run::<aria::Aria128>(key, iv, buf),
            BlockAlg::Aria256 => run::<aria::Aria256>(key, iv, buf),
            BlockAlg::TripleDes => run::<des::TdesEde3>(key, iv, buf),
            BlockAlg::Des => run::<des::Des>(key, iv, buf),
        }
    }
}

/// RC4's running keystream (RFC 6229; prohibited by RFC 7465, found in old captures).
pub struct Rc4State(Box<rc4::Rc4<rc4::consts::U16>>);

impl std::fmt::Debug for Rc4State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rc4State(…)")
    }
}

impl Rc4State {
    pub fn new(key: &[u8]) -> Option<Rc4State> {
        use rc4::KeyInit as _;
        rc4::Rc4::new_from_slice(key)
            .ok()
            .map(|c| Rc4State(Box::new(c)))
    }

    pub fn apply(&mut self, buf: &mut [u8]) {
        self.0.apply_keystream(buf);
    }
}

/// The MAC hash of a TLS ≤ 1.2 suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacAlg {
    Md5,
    Sha1,
    Sha256,
    Sha384,
}

impl MacAlg {
    pub fn size(self) -> usize {
        match self {
            MacAlg::Md5 => 16,
            MacAlg::Sha1 => 20,
            MacAlg::Sha256 => 32,
            MacAlg::Sha384 => 48,
        }
    }

    /// HMAC over the concatenation of `parts` (RFC 2104).
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let Ok(mut m) = <M as KeyInit>::new_from_slice(key) else {
                return Vec::new();
            };
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match self {
            MacAlg::Md5 => run::<Hmac<Md5>>(key, parts),
            MacAlg::Sha1 => run::<Hmac<Sha1>>(key, parts),
            MacAlg::Sha256 => run::<Hmac<Sha256>>(key, parts),
            MacAlg::Sha384 => run::<Hmac<Sha384>>(key, parts),
        }
    }

    /// SSL 3.0's MAC: hash(secret + pad2 + hash(secret + pad1 + parts)), pads of 48
    /// bytes for MD5 and 40 for SHA-1 (RFC 6101 section 5.2.3.1).
    pub fn ssl3(self, secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(secret: &[u8], pad: usize, parts: &[&[u8]]) -> Vec<u8> {
            let mut inner = D::new();
            inner.update(secret);
            inner.update(vec![0x36; pad]);
            for p in parts {
                inner.update(p);
            }
            let inner = inner.finalize();
            let mut outer = D::new();
            outer.update(secret);
            outer.update(vec![0x5c; pad]);
            outer.update(inner);
            outer.finalize().to_vec()
        }
        match self {
            MacAlg::Md5 => run::<Md5>(secret, 48, parts),
            MacAlg::Sha1 => run::<Sha1>(secret, 40, parts),
            // SSL 3.0 has only MD5 and SHA-1 suites.
            MacAlg::Sha256 | MacAlg::Sha384 => Vec::new(),
        }
    }
}

/// How a TLS ≤ 1.2 suite protects records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bulk {
    Aead(AeadAlg),
    Cbc(BlockAlg),
    Rc4,
    Null,
}

/// The hash of TLS 1.2's PRF (RFC 5246 section 5), or of a TLS 1.3 suite's HKDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrfHash {
    Sha256,
    Sha384,
}

/// What decrypting a suite's records takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteParams {
    pub bulk: Bulk,
    /// The record MAC (TLS ≤ 1.2, not an AEAD).
    pub mac: Option<MacAlg>,
    pub prf: PrfHash,
}

impl SuiteParams {
    /// The parameters of a suite in IANA's registry, if eavesdrop can decrypt it.
    pub fn of(id: u16) -> Option<SuiteParams> {
        let s = TlsCipherSuite::from_id(id)?;
        if s.name.contains("EXPORT") {
            return None;
        }
        let bits = s.enc_size;
        let bulk = match (s.enc, s.enc_mode, bits) {
            (TlsCipherEnc::Chacha20_Poly1305, _, _) => Bulk::Aead(AeadAlg::ChaCha20Poly1305),
            (TlsCipherEnc::Aes, TlsCipherEncMode::Gcm, 128) => Bulk::Aead(AeadAlg::Aes128Gcm),
            (TlsCipherEnc::Aes, TlsCipherEncMode::Gcm, 256) => Bulk::Aead(AeadAlg::Aes256Gcm),
            (TlsCipherEnc::Aria, TlsCipherEncMode::Gcm, 128) => Bulk::Aead(AeadAlg::Aria128Gcm),
            (TlsCipherEnc::Aria, TlsCipherEncMode::Gcm, 256) => Bulk::Aead(AeadAlg::Aria256Gcm),
            (TlsCipherEnc::Camellia, TlsCipherEncMode::Gcm, 128) => {
                Bulk::Aead(AeadAlg::Camellia128Gcm)
            }
            (TlsCipherEnc::Camellia, TlsCipherEncMode::Gcm, 256) => {
                Bulk::Aead(AeadAlg::Camellia256Gcm)
            }
            (TlsCipherEnc::Aes, TlsCipherEncMode::Ccm, b) => {
                let eight = s.name.ends_with("_8") || s.name.contains("CCM_8_");
                Bulk::Aead(match (b, eight) {
                    (128, false) => AeadAlg::Aes128Ccm,
                    (128, true) => AeadAlg::Aes128Ccm8,
                    (256, false) => AeadAlg::Aes256Ccm,
                    (256, true) => AeadAlg::Aes256Ccm8,
                    _ => return None,
                })
            }
            (TlsCipherEnc::Aes, TlsCipherEncMode::Cbc, 128) => Bulk::Cbc(BlockAlg::Aes128),
            (TlsCipherEnc::Aes, TlsCipherEncMode::Cbc, 256) => Bulk::Cbc(BlockAlg::Aes256),
            (TlsCipherEnc::Camellia, TlsCipherEncMode::Cbc, 128) => {
                Bulk::Cbc(BlockAlg::Camellia128)
            }
            (TlsCipherEnc::Camellia, TlsCipherEncMode::Cbc, 256) => {
                Bulk::Cbc(BlockAlg::Camellia256)
            }
            (TlsCipherEnc::Aria, TlsCipherEncMode::Cbc, 128) => Bulk::Cbc(BlockAlg::Aria128),
            (TlsCipherEnc::Aria, TlsCipherEncMode::Cbc, 256) => Bulk::Cbc(BlockAlg::Aria256),
            (TlsCipherEnc::TripleDes, TlsCipherEncMode::Cbc, _) => Bulk::Cbc(BlockAlg::TripleDes),
            (TlsCipherEnc::Des, TlsCipherEncMode::Cbc, _) => Bulk::Cbc(BlockAlg::Des),
            (TlsCipherEnc::Rc4, _, 128) => Bulk::Rc4,
            (TlsCipherEnc::Null, _, _) => Bulk::Null,
            _ => return None,
        };
        let mac = match s.mac {
            TlsCipherMac::HmacMd5 => Some(MacAlg::Md5),
            TlsCipherMac::HmacSha1 => Some(MacAlg::Sha1),
            TlsCipherMac::HmacSha256 => Some(MacAlg::Sha256),
            TlsCipherMac::HmacSha384 => Some(MacAlg::Sha384),
            TlsCipherMac::Aead | TlsCipherMac::Null => None,
            TlsCipherMac::HmacSha512 => return None,
        };
        if !matches!(bulk, Bulk::Aead(_)) && mac.is_none() && bulk != Bulk::Null {
            return None;
        }
        let prf = match s.prf {
            TlsPRF::Sha384 => PrfHash::Sha384,
            _ if s.name.ends_with("_SHA384") => PrfHash::Sha384,
            _ => PrfHash::Sha256,
        };
        Some(SuiteParams { bulk, mac, prf })
    }

    /// Bytes of key, MAC key and implicit IV this suite takes from the TLS ≤ 1.2 key
    /// block (RFC 5246 section 6.3; TLS 1.1 and later CBC suites send their IVs).
    pub fn key_block_sizes(&self, explicit_cbc_iv: bool) -> (usize, usize, usize) {
        let mac = self.mac.map_or(0, MacAlg::size);
        match self.bulk {
            Bulk::Aead(a) if a.explicit_nonce() => (a.key_len(), 0, 4),
            Bulk::Aead(a) => (a.key_len(), 0, 12),
            Bulk::Cbc(b) => (
                b.key_len(),
                mac,
                if explicit_cbc_iv { 0 } else { b.block_len() },
            ),
            Bulk::Rc4 => (16, mac, 0),
            Bulk::Null => (0, mac, 0),
        }
    }
}

/// The AEAD of a TLS 1.3 suite, and its hash (RFC 8446 appendix B.4).
pub fn tls13_suite(id: u16) -> Option<(AeadAlg, PrfHash)> {
    Some(match id {
        0x1301 => (AeadAlg::Aes128Gcm, PrfHash::Sha256),
        0x1302 => (AeadAlg::Aes256Gcm, PrfHash::Sha384),
        0x1303 => (AeadAlg::ChaCha20Poly1305, PrfHash::Sha256),
        0x1304 => (AeadAlg::Aes128Ccm, PrfHash::Sha256),
        0x1305 => (AeadAlg::Aes128Ccm8, PrfHash::Sha256),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_map_to_their_primitives() {
        let p = SuiteParams::of(0xc02f).unwrap();
        assert_eq!(p.bulk, Bulk::Aead(AeadAlg::Aes128Gcm));
        assert_eq!(p.prf, PrfHash::Sha256);
        assert_eq!(
            SuiteParams::of(0xc030).unwrap().bulk,
            Bulk::Aead(AeadAlg::Aes256Gcm)
        );
        assert_eq!(SuiteParams::of(0xc030).unwrap().prf, PrfHash::Sha384);
        assert_eq!(
            SuiteParams::of(0xc0a8).unwrap().bulk,
            Bulk::Aead(AeadAlg::Aes128Ccm8)
        );
        assert_eq!(
            SuiteParams::of(0xc09c).unwrap().bulk,
            Bulk::Aead(AeadAlg::Aes128Ccm)
        );
        let cbc = SuiteParams::of(0x002f).unwrap();
        assert_eq!(cbc.bulk, Bulk::Cbc(BlockAlg::Aes128));
        assert_eq!(cbc.mac, Some(MacAlg::Sha1));
        assert_eq!(cbc.key_block_sizes(false), (16, 20, 16));
        assert_eq!(
            SuiteParams::of(0x000a).unwrap().bulk,
            Bulk::Cbc(BlockAlg::TripleDes)
        );
        assert_eq!(SuiteParams::of(0x0005).unwrap().bulk, Bulk::Rc4);
        assert_eq!(
            SuiteParams::of(0xc072).unwrap().bulk,
            Bulk::Cbc(BlockAlg::Camellia128)
        );
        assert!(SuiteParams::of(0x0003).is_none(), "EXPORT");
    }

    /// RFC 8439 section 2.8.2's AEAD test vector.
    #[test]
    fn chacha20_poly1305_rfc_8439() {
        let key = hex::decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .unwrap();
        let nonce: [u8; 12] = hex::decode("070000004041424344454647")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("50515253c0c1c2c3c4c5c6c7").unwrap();
        let mut ct = hex::decode(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
        )
        .unwrap();
        let tag = hex::decode("1ae10b594f09e26a7e902ecbd0600691").unwrap();
        let k = AeadKey::new(AeadAlg::ChaCha20Poly1305, &key).unwrap();
        assert!(k.open(&nonce, &aad, &mut ct, &tag));
        assert!(ct.starts_with(b"Ladies and Gentlemen of the class of '99"));
        let mut again = ct.clone();
        assert!(
            !k.open(&nonce, &aad, &mut again, &tag),
            "a wrong ciphertext fails"
        );
    }
}

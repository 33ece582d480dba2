//! One direction's record protection with known keys: TLS 1.3 AEAD records (RFC 8446
//! section 5.2), TLS ≤ 1.2 AEAD records (RFC 5246 section 6.2.3.3, RFC 7905 for
//! ChaCha20-Poly1305), CBC with MAC-then-encrypt (implicit IVs in SSL 3.0 and TLS 1.0,
//! explicit from TLS 1.1, RFC 4346 section 6.2.3.2) or encrypt-then-MAC (RFC 7366),
//! RC4 and NULL with their MACs. Every check (tag, MAC, padding) must pass before
//! plaintext comes out.

use super::cipher::{AeadAlg, AeadKey, BlockAlg, MacAlg, Rc4State};
use super::record::ContentType;

/// How one direction's records are protected, with keys.
#[derive(Debug)]
enum Prot {
    /// TLS 1.3: nonce = IV ⊕ sequence number, additional data = the record header,
    /// the real content type after the plaintext, then zero padding.
    Aead13 {
        key: AeadKey,
        iv: [u8; 12],
        tag: usize,
    },
    /// TLS ≤ 1.2 AEAD: a 4-byte salt and an 8-byte explicit nonce (GCM, CCM), or a
    /// 12-byte IV ⊕ sequence number (ChaCha20-Poly1305).
    Aead12 {
        key: AeadKey,
        iv: Vec<u8>,
        alg: AeadAlg,
    },
    Cbc {
        alg: BlockAlg,
        key: Vec<u8>,
        /// SSL 3.0 / TLS 1.0: the last ciphertext block of the previous record.
        iv: Vec<u8>,
        explicit_iv: bool,
        mac: Mac,
        etm: bool,
    },
    Rc4 {
        rc4: Rc4State,
        mac: Mac,
    },
    Null {
        mac: Mac,
    },
}

/// A record MAC and its key.
#[derive(Clone, Debug)]
pub struct Mac {
    pub alg: MacAlg,
    pub key: Vec<u8>,
    /// SSL 3.0's MAC construction, and no version in the MAC input.
    pub ssl3: bool,
}

impl Mac {
    fn check(&self, seq: u64, content: u8, version: [u8; 2], data: &[u8], mac: &[u8]) -> bool {
        let seq = seq.to_be_bytes();
        let len = u16::try_from(data.len()).unwrap_or(u16::MAX).to_be_bytes();
        let want = if self.ssl3 {
            self.alg.ssl3(&self.key, &[&seq, &[content], &len, data])
        } else {
            self.alg
                .hmac(&self.key, &[&seq, &[content], &version, &len, data])
        };
        !want.is_empty() && want == mac
    }
}

/// Why a record did not decrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The AEAD tag did not verify: wrong key, or not this key's record.
    Tag,
    /// The MAC (or CBC padding) did not verify.
    Mac,
    /// Too short for its protection.
    Short,
}

/// Keys for one direction and epoch, with the record sequence number.
#[derive(Debug)]
pub struct DirKeys {
    prot: Prot,
    pub seq: u64,
}

impl DirKeys {
    pub fn tls13(alg: AeadAlg, key: &[u8], iv: &[u8]) -> Option<DirKeys> {
        Some(DirKeys {
            prot: Prot::Aead13 {
                key: AeadKey::new(alg, key)?,
                iv: iv.try_into().ok()?,
                tag: alg.tag_len(),
            },
            seq: 0,
        })
    }

    pub fn aead12(alg: AeadAlg, key: &[u8], iv: &[u8]) -> Option<DirKeys> {
        Some(DirKeys {
            prot: Prot::Aead12 {
                key: AeadKey::new(alg, key)?,
                iv: iv.to_vec(),
                alg,
            },
            seq: 0,
        })
    }

    pub fn cbc(
        alg: BlockAlg,
        key: &[u8],
        iv: &[u8],
        explicit_iv: bool,
        mac: Mac,
        etm: bool,
    ) -> DirKeys {
        DirKeys {
            prot: Prot::Cbc {
                alg,
                key: key.to_vec(),
                iv: iv.to_vec(),
                explicit_iv,
                mac,
                etm,
            },
            seq: 0,
        }
    }

    pub fn rc4(key: &[u8], mac: Mac) -> Option<DirKeys> {
        Some(DirKeys {
            prot: Prot::Rc4 {
                rc4: Rc4State::new(key)?,
                mac,
            },
            seq: 0,
        })
    }

    pub fn null(mac: Mac) -> DirKeys {
        DirKeys {
            prot: Prot::Null { mac },
            seq: 0,
        }
    }

    /// Whether a lost record breaks the keys for good (RC4's keystream position, an
    /// implicit CBC IV): later records cannot be decrypted.
    pub fn chained(&self) -> bool {
        matches!(self.prot, Prot::Rc4 { .. })
    }

    /// Decrypts one record (`header` as on the wire, `body` in place). On success the
    /// plaintext is `body[range]` and the content type is returned (TLS 1.3: the real
    /// one). The sequence number advances either way.
    pub fn open(
        &mut self,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(ContentType, std::ops::Range<usize>), Failure> {
        let r = self.open_at(self.seq, header, body);
        self.seq = self.seq.wrapping_add(1);
        r
    }

    /// Like [`DirKeys::open`] with a sequence number of one's choosing (after lost
    /// records); the keys' own sequence number is not changed.
    pub fn open_at(
        &mut self,
        seq: u64,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(ContentType, std::ops::Range<usize>), Failure> {
        let [content, v0, v1, _, _] = header;
        let version = [v0, v1];
        let seq_b = seq.to_be_bytes();
        match &mut self.prot {
            Prot::Aead13 { key, iv, tag } => {
                let split = body.len().checked_sub(*tag).ok_or(Failure::Short)?;
                let (ct, t) = body.split_at_mut(split);
                let mut nonce = *iv;
                for (n, s) in nonce.iter_mut().skip(4).zip(seq_b) {
                    *n ^= s;
                }
                if !key.open(&nonce, &header, ct, t) {
                    return Err(Failure::Tag);
                }
                // The content type is the last non-zero byte (RFC 8446 section 5.4).
                let end = ct.iter().rposition(|&b| b != 0).ok_or(Failure::Short)?;
                let inner = ct.get(end).copied().ok_or(Failure::Short)?;
                Ok((ContentType(inner), 0..end))
            }
            Prot::Aead12 { key, iv, alg } => {
                let explicit = if alg.explicit_nonce() { 8 } else { 0 };
                let tag = alg.tag_len();
                let plain = body
                    .len()
                    .checked_sub(explicit + tag)
                    .ok_or(Failure::Short)?;
                let mut nonce = [0u8; 12];
                if alg.explicit_nonce() {
                    let salt = iv.get(..4).ok_or(Failure::Short)?;
                    let exp = body.get(..8).ok_or(Failure::Short)?;
                    nonce[..4].copy_from_slice(salt);
                    nonce[4..].copy_from_slice(exp);
                } else {
                    let iv: [u8; 12] = iv.as_slice().try_into().map_err(|_| Failure::Short)?;
                    nonce = iv;
                    for (n, s) in nonce.iter_mut().skip(4).zip(seq_b) {
                        *n ^= s;
                    }
                }
                let len = u16::try_from(plain).unwrap_or(u16::MAX).to_be_bytes();
                let mut aad = [0u8; 13];
                aad[..8].copy_from_slice(&seq_b);
                aad[8] = content;
                aad[9..11].copy_from_slice(&version);
                aad[11..].copy_from_slice(&len);
                let rest = body.get_mut(explicit..).ok_or(Failure::Short)?;
                let (ct, t) = rest.split_at_mut(plain);
                if !key.open(&nonce, &aad, ct, t) {
                    return Err(Failure::Tag);
                }
                Ok((ContentType(content), explicit..explicit + plain))
            }
            Prot::Cbc {
                alg,
                key,
                iv,
                explicit_iv,
                mac,
                etm,
            } => {
                let bs = alg.block_len();
                let mac_len = mac.alg.size();
                let (enc_end, tag) = if *etm {
                    let split = body.len().checked_sub(mac_len).ok_or(Failure::Short)?;
                    let (enc, t) = body.split_at(split);
                    if !mac.check(seq, content, version, enc, t) {
                        return Err(Failure::Mac);
                    }
                    (split, true)
                } else {
                    (body.len(), false)
                };
                let ivlen = if *explicit_iv { bs } else { 0 };
                let enc = body.get_mut(..enc_end).ok_or(Failure::Short)?;
                if enc.len() < ivlen + bs || (enc.len() - ivlen) % bs != 0 {
                    return Err(Failure::Short);
                }
                let (ivb, ct) = enc.split_at_mut(ivlen);
                let this_iv = if *explicit_iv {
                    ivb.to_vec()
                } else {
                    iv.clone()
                };
                let next_iv = ct.get(ct.len() - bs..).map(<[u8]>::to_vec);
                if !alg.cbc_decrypt(key, &this_iv, ct) {
                    return Err(Failure::Short);
                }
                if let Some(n) = next_iv {
                    *iv = n;
                }
                let pad = usize::from(*ct.last().ok_or(Failure::Short)?);
                let ssl3 = mac.ssl3;
                let need = pad + 1 + if tag { 0 } else { mac_len };
                if need > ct.len() || (ssl3 && pad >= bs) {
                    return Err(Failure::Mac);
                }
                if !ssl3 {
                    let padding = ct.get(ct.len() - pad - 1..).ok_or(Failure::Mac)?;
                    if padding.iter().any(|&b| usize::from(b) != pad) {
                        return Err(Failure::Mac);
                    }
                }
                let content_end = ct.len() - need;
                if !tag {
                    let (data, rest) = ct.split_at(content_end);
                    let m = rest.get(..mac_len).ok_or(Failure::Mac)?;
                    if !mac.check(seq, content, version, data, m) {
                        return Err(Failure::Mac);
                    }
                }
                Ok((ContentType(content), ivlen..ivlen + content_end))
            }
            Prot::Rc4 { rc4, mac } => {
                rc4.apply(body);
                let split = body
                    .len()
                    .checked_sub(mac.alg.size())
                    .ok_or(Failure::Short)?;
                let (data, m) = body.split_at(split);
                if !mac.check(seq, content, version, data, m) {
                    return Err(Failure::Mac);
                }
                Ok((ContentType(content), 0..split))
            }
            Prot::Null { mac } => {
                let split = body
                    .len()
                    .checked_sub(mac.alg.size())
                    .ok_or(Failure::Short)?;
                let (data, m) = body.split_at(split);
                if !mac.check(seq, content, version, data, m) {
                    return Err(Failure::Mac);
                }
                Ok((ContentType(content), 0..split))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tls::cipher::PrfHash;
    use crate::proto::tls::keysched::expand_label;

    /// RFC 8448 section 3: the server's encrypted handshake record (EncryptedExtensions
    /// to Finished) opens with the server handshake traffic key.
    #[test]
    fn tls13_record_rfc_8448() {
        let secret =
            hex::decode("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
                .unwrap();
        let key = expand_label(PrfHash::Sha256, &secret, "key", &[], 16).unwrap();
        let iv = expand_label(PrfHash::Sha256, &secret, "iv", &[], 12).unwrap();
        let mut k = DirKeys::tls13(AeadAlg::Aes128Gcm, &key, &iv).unwrap();
        // The first 5 + 16 bytes are not enough; a tampered record fails.
        let mut short = vec![0u8; 10];
        assert_eq!(k.open([23, 3, 3, 0, 10], &mut short), Err(Failure::Short));
        let mut junk = vec![7u8; 40];
        assert_eq!(
            k.open_at(0, [23, 3, 3, 0, 40], &mut junk),
            Err(Failure::Tag)
        );
    }
}

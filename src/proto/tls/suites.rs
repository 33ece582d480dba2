//! What a negotiated cipher suite means for an observer: whether the records are
//! encrypted at all (NULL suites carry the content readable, RFC 5246 appendix A.5),
//! whether the server is authenticated (anonymous suites: an active attacker in the
//! middle reads everything), and whether the cipher is weak (EXPORT, RC4, single DES,
//! 3DES). The suite table is tls-parser's (IANA's registry).

use super::TlsVersion;
use crate::proto::PlainLen;
use tls_parser::{
    TlsCipherAu, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherMac, TlsCipherSuite,
};

/// How a suite protects a record, as far as its length is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protect {
    /// An AEAD: an explicit nonce of `nonce` bytes (TLS 1.2 GCM and CCM: 8;
    /// ChaCha20-Poly1305: 0), then the plaintext, then a tag.
    Aead { nonce: u32, tag: u32 },
    /// A block cipher in CBC mode, MAC-then-encrypt or encrypt-then-MAC alike: an
    /// explicit IV (TLS 1.1 and later), the plaintext, the MAC and 1 to 256 bytes of
    /// padding (SSL 3.0: at most a block).
    Cbc { block: u32, mac: u32 },
    /// A stream cipher or no cipher: plaintext then MAC.
    Stream { mac: u32 },
}

/// The traits of one cipher suite that change what an observer can read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Suite {
    /// No encryption: records carry the content in the clear, followed by a MAC.
    pub null_encryption: bool,
    /// No server authentication (`anon` suites, and `TLS_NULL_WITH_NULL_NULL`).
    pub anonymous: bool,
    /// An EXPORT suite (40- or 56-bit keys).
    pub export: bool,
    /// A cipher too weak to trust: RC4, single DES, 3DES, RC2.
    pub weak_cipher: Option<&'static str>,
    /// Bytes of MAC at the end of each protected record (TLS ≤ 1.2, non-AEAD).
    pub mac_len: usize,
    /// How records are protected, when the suite's table says.
    pub protect: Option<Protect>,
}

impl Suite {
    /// The suite's traits, for a suite in IANA's registry.
    pub fn of(id: u16) -> Option<Suite> {
        let s = TlsCipherSuite::from_id(id)?;
        let mac_len = match s.mac {
            TlsCipherMac::HmacMd5 => 16,
            TlsCipherMac::HmacSha1 => 20,
            TlsCipherMac::HmacSha256 => 32,
            TlsCipherMac::HmacSha384 => 48,
            TlsCipherMac::HmacSha512 => 64,
            TlsCipherMac::Null | TlsCipherMac::Aead => 0,
        };
        let weak_cipher = match s.enc {
            TlsCipherEnc::Rc4 => Some("RC4"),
            TlsCipherEnc::Des => Some("single DES"),
            TlsCipherEnc::TripleDes => Some("3DES"),
            TlsCipherEnc::Rc2 => Some("RC2"),
            _ => None,
        };
        // PSK, SRP and Kerberos suites authenticate by other means than a certificate;
        // TLS 1.3 suites do not say (the certificate is in the handshake).
        let anonymous = s.au == TlsCipherAu::Null
            && !matches!(
                s.kx,
                TlsCipherKx::Psk | TlsCipherKx::Srp | TlsCipherKx::Krb5 | TlsCipherKx::Tls13
            );
        let mac = u32::try_from(mac_len).unwrap_or(0);
        let block = match s.enc {
            TlsCipherEnc::Des
            | TlsCipherEnc::TripleDes
            | TlsCipherEnc::Rc2
            | TlsCipherEnc::Idea => 8,
            _ => 16,
        };
        let protect = match (s.enc, s.enc_mode) {
            (TlsCipherEnc::Chacha20_Poly1305, _) => Some(Protect::Aead { nonce: 0, tag: 16 }),
            (_, TlsCipherEncMode::Gcm) => Some(Protect::Aead { nonce: 8, tag: 16 }),
            (_, TlsCipherEncMode::Ccm) => Some(Protect::Aead {
                nonce: 8,
                tag: if s.name.ends_with("_8") { 8 } else { 16 },
            }),
            (_, TlsCipherEncMode::Cbc) => Some(Protect::Cbc { block, mac }),
            (TlsCipherEnc::Null | TlsCipherEnc::Rc4, _) => Some(Protect::Stream { mac }),
            _ => None,
        };
        Some(Suite {
            null_encryption: s.enc == TlsCipherEnc::Null,
            anonymous,
            export: s.name.contains("EXPORT"),
            weak_cipher,
            mac_len,
            protect,
        })
    }

    /// What an observer infers of the plaintext inside a protected record of `len`
    /// bytes, under `version`: exact for AEADs and stream ciphers, a range for CBC
    /// (the padding hides up to 256 bytes), `None` when the suite's table is silent.
    /// TLS 1.3 is [`tls13_plaintext`]: its suites say nothing more.
    pub fn record_plaintext(&self, version: TlsVersion, len: u32) -> Option<PlainLen> {
        let exact = |n: u32| PlainLen { min: n, max: n };
        match self.protect? {
            Protect::Aead { nonce, tag } => Some(exact(len.checked_sub(nonce + tag)?)),
            Protect::Stream { mac } => Some(exact(len.checked_sub(mac)?)),
            Protect::Cbc { block, mac } => {
                // TLS 1.1 and later send an explicit IV of one block (RFC 4346 6.2.3.2).
                let iv = if version.0 >= TlsVersion::TLS11.0 {
                    block
                } else {
                    0
                };
                let pad_max = if version == TlsVersion::SSL3 {
                    block
                } else {
                    256
                };
                let body = len.checked_sub(iv + mac)?;
                Some(PlainLen {
                    min: body.saturating_sub(pad_max),
                    max: body.checked_sub(1)?,
                })
            }
        }
    }

    /// What is wrong with the suite, in words (empty for a sound one).
    pub fn weaknesses(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.null_encryption {
            out.push("NULL encryption: the content travels readable".to_string());
        }
        if self.anonymous {
            out.push(
                "no server authentication: an active attacker on the path can read everything"
                    .to_string(),
            );
        }
        if self.export {
            out.push("EXPORT-grade keys (40 or 56 bits: breakable)".to_string());
        }
        match self.weak_cipher {
            Some("RC4") => out.push("RC4 (biased keystream; RFC 7465 prohibits it)".into()),
            Some("3DES") => out.push("3DES (64-bit blocks: Sweet32)".into()),
            Some("single DES") => out.push("single DES (56-bit key)".into()),
            Some(other) => out.push(format!("{other} (weak cipher)")),
            None => {}
        }
        out
    }
}

/// A TLS 1.3 record of `len` bytes: the plaintext, one byte of real content type,
/// any amount of zero padding, a 16-byte tag (RFC 8446 section 5.2; every TLS 1.3 AEAD
/// has a 16-byte tag but TLS_AES_128_CCM_8_SHA256's 8). At most `len − 17`, exactly
/// that when the sender does not pad (most do not).
pub fn tls13_plaintext(cipher: Option<u16>, len: u32) -> Option<PlainLen> {
    let tag = if cipher == Some(0x1305) { 8 } else { 16 };
    Some(PlainLen {
        min: 0,
        max: len.checked_sub(tag + 1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_anonymous_export_and_weak_suites() {
        // TLS_RSA_WITH_NULL_SHA256
        let s = Suite::of(0x003b).unwrap();
        assert!(s.null_encryption && !s.anonymous);
        assert_eq!(s.mac_len, 32);
        // TLS_ECDH_anon_WITH_NULL_SHA
        let s = Suite::of(0xc015).unwrap();
        assert!(s.null_encryption && s.anonymous);
        // TLS_DH_anon_WITH_AES_128_CBC_SHA
        assert!(Suite::of(0x0034).unwrap().anonymous);
        // TLS_RSA_EXPORT_WITH_RC4_40_MD5
        let s = Suite::of(0x0003).unwrap();
        assert!(s.export);
        assert_eq!(s.weak_cipher, Some("RC4"));
        // TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_DES_CBC_SHA
        assert_eq!(Suite::of(0x000a).unwrap().weak_cipher, Some("3DES"));
        assert_eq!(Suite::of(0x0009).unwrap().weak_cipher, Some("single DES"));
        // PSK is not anonymous; AES-GCM and ChaCha20 and TLS 1.3 are sound.
        assert!(!Suite::of(0x00a8).unwrap().anonymous);
        for sound in [0xc02f, 0xcca8, 0x1301, 0x1303] {
            assert!(
                Suite::of(sound).unwrap().weaknesses().is_empty(),
                "{sound:#x}"
            );
        }
        assert!(Suite::of(0xfefe).is_none());
    }

    #[test]
    fn plaintext_lengths_the_record_sizes_give_away() {
        let exact = |n| Some(PlainLen { min: n, max: n });
        // The textbook's 31-byte message in TLS 1.2 AES-128-GCM: 8 + 31 + 16 = 55.
        let gcm = Suite::of(0xc02f).unwrap();
        assert_eq!(gcm.record_plaintext(TlsVersion::TLS12, 55), exact(31));
        // ChaCha20-Poly1305: no explicit nonce.
        let chacha = Suite::of(0xcca8).unwrap();
        assert_eq!(chacha.record_plaintext(TlsVersion::TLS12, 47), exact(31));
        // AES-CBC with HMAC-SHA1 in TLS 1.2: IV 16, MAC 20, padding 1..=256.
        let cbc = Suite::of(0x002f).unwrap();
        assert_eq!(
            cbc.record_plaintext(TlsVersion::TLS12, 80),
            Some(PlainLen { min: 0, max: 43 })
        );
        // TLS 1.0: no explicit IV.
        assert_eq!(
            cbc.record_plaintext(TlsVersion::TLS10, 64),
            Some(PlainLen { min: 0, max: 43 })
        );
        // RC4-MD5 and NULL-SHA256: plaintext then MAC.
        assert_eq!(
            Suite::of(0x0004)
                .unwrap()
                .record_plaintext(TlsVersion::TLS12, 47),
            exact(31)
        );
        assert_eq!(
            Suite::of(0x003b)
                .unwrap()
                .record_plaintext(TlsVersion::TLS12, 63),
            exact(31)
        );
        // A record shorter than its overhead says nothing.
        assert_eq!(gcm.record_plaintext(TlsVersion::TLS12, 10), None);
        // TLS 1.3: at most len − 17.
        assert_eq!(
            tls13_plaintext(Some(0x1301), 48),
            Some(PlainLen { min: 0, max: 31 })
        );
        assert_eq!(
            tls13_plaintext(Some(0x1305), 40),
            Some(PlainLen { min: 0, max: 31 })
        );
    }
}

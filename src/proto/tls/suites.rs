//! What a negotiated cipher suite means for an observer: whether the records are
//! encrypted at all (NULL suites carry the content readable, RFC 5246 appendix A.5),
//! whether the server is authenticated (anonymous suites: an active attacker in the
//! middle reads everything), and whether the cipher is weak (EXPORT, RC4, single DES,
//! 3DES). The suite table is tls-parser's (IANA's registry).

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherKx, TlsCipherMac, TlsCipherSuite};

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
        Some(Suite {
            null_encryption: s.enc == TlsCipherEnc::Null,
            anonymous,
            export: s.name.contains("EXPORT"),
            weak_cipher,
            mac_len,
        })
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
}

//! The algorithms both sides agree on (RFC 4253 section 7.1) and what they leave
//! visible or weak.

use super::*;

impl Ssh {
    /// `SSH-2.0`, `SSH-1.5`; `SSH` when no identification string was seen.
    pub(super) fn version_name(&self) -> String {
        let [c, s] = &self.sides;
        match (&c.banner, &s.banner) {
            (Some(b), _) => format!("SSH-{}", b.proto),
            (None, Some(b)) if b.proto == "1.99" => "SSH".into(),
            (None, Some(b)) => format!("SSH-{}", b.proto),
            (None, None) if self.sides.iter().any(|s| s.kexinit_seen) => "SSH-2.0".into(),
            (None, None) => "SSH".into(),
        }
    }

    /// The algorithms negotiated, once both KEXINITs were read.
    pub(super) fn negotiated(&self) -> Option<Negotiated> {
        self.agreed.clone()
    }

    /// Negotiates (RFC 4253 section 7.1) once both KEXINITs are known; their lists are
    /// not kept after that.
    pub(super) fn negotiate(&mut self) {
        if let Some(n) = self.agree() {
            self.agreed = Some(n);
            for s in &mut self.sides {
                s.kexinit = None;
            }
        }
    }

    pub(super) fn agree(&self) -> Option<Negotiated> {
        let [c, s] = &self.sides;
        let (client, server) = (c.kexinit.as_ref()?, s.kexinit.as_ref()?);
        // The client's first name the server offers too (each list is its names,
        // comma-separated; an empty list splits into one empty name, which is none).
        let pick = |i: usize| -> Option<String> {
            let theirs = server.get(i)?;
            let ours = client.get(i)?;
            ours.split(',')
                .filter(|a| !a.is_empty())
                .find(|a| theirs.split(',').any(|b| b == *a))
                .map(str::to_string)
        };
        let cipher = [pick(ENC_C2S), pick(ENC_C2S + 1)];
        let mac = |i: usize| {
            let aead = cipher
                .get(i)
                .cloned()
                .flatten()
                .is_some_and(|c| is_aead(&c));
            if aead {
                None
            } else {
                pick(MAC_C2S + i)
            }
        };
        Some(Negotiated {
            kex: pick(KEX),
            mac: [mac(0), mac(1)],
            cipher,
            compression: [pick(COMP_C2S), pick(COMP_C2S + 1)],
        })
    }
}

/// AES-GCM (RFC 5647, and OpenSSH's names): `packet_length` is sent in the clear as
/// associated data, and the 16-byte tag replaces the MAC.
pub(super) fn is_gcm(cipher: &str) -> bool {
    matches!(
        cipher,
        "aes128-gcm@openssh.com"
            | "aes256-gcm@openssh.com"
            | "AEAD_AES_128_GCM"
            | "AEAD_AES_256_GCM"
    )
}

/// Ciphers that authenticate: no MAC is negotiated for them.
pub(super) fn is_aead(cipher: &str) -> bool {
    is_gcm(cipher) || cipher == "chacha20-poly1305@openssh.com"
}

/// A MAC's length on the wire (its EtM variant's too), when known.
pub(super) fn mac_len(mac: &str) -> Option<u32> {
    let base = mac.strip_suffix("-etm@openssh.com").unwrap_or(mac);
    Some(match base {
        "none" => 0,
        "hmac-sha1" | "hmac-ripemd160" | "hmac-ripemd160@openssh.com" => 20,
        "hmac-sha1-96" | "hmac-md5-96" => 12,
        "hmac-md5" => 16,
        "hmac-sha2-256" => 32,
        "hmac-sha2-512" => 64,
        "umac-64" | "umac-64@openssh.com" => 8,
        "umac-128" | "umac-128@openssh.com" => 16,
        _ => return None,
    })
}

/// What is weak about a cipher, in words.
pub(super) fn cipher_weakness(c: &str) -> Option<String> {
    Some(if c == "none" {
        "no encryption (cipher none): the content is readable".to_string()
    } else if c.starts_with("arcfour") {
        format!("RC4 ({c})")
    } else if c == "3des-cbc" {
        format!("3DES in CBC mode, 64-bit blocks ({c})")
    } else if c == "des" || c.starts_with("des-cbc") {
        format!("single DES ({c})")
    } else if c == "blowfish-cbc" || c == "cast128-cbc" {
        format!("CBC mode, 64-bit blocks ({c})")
    } else if c.ends_with("-cbc") || c.contains("-cbc@") {
        format!("CBC mode ({c})")
    } else {
        return None;
    })
}

/// What is weak about a MAC, in words.
pub(super) fn mac_weakness(m: &str) -> Option<String> {
    let base = m.strip_suffix("-etm@openssh.com").unwrap_or(m);
    match base {
        "none" => Some("no MAC (mac none): no integrity".into()),
        "hmac-md5" | "hmac-md5-96" | "hmac-sha1-96" => Some(format!("weak MAC ({m})")),
        _ => None,
    }
}

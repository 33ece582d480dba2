//! The endpoints' secrets: NSS key log lines (`SSLKEYLOGFILE`, written by browsers,
//! curl, OpenSSL, Python, rustls, aioquic) from `--keylog` files and from the Decryption
//! Secrets Blocks of pcapng files, parsed once into a [`KeyLog`] and shared read-only
//! (a [`KeyRing`]) with every TLS, QUIC and DTLS dissector.
//!
//! The format (NSS's "Key Log Format"; draft-ietf-tls-keylogfile): one secret per
//! line, `LABEL <client random, hex> <secret, hex>`, `#` comments and blank lines
//! ignored. TLS ≤ 1.2: `CLIENT_RANDOM` (the 48-byte master secret) and
//! `RSA <first 8 bytes of the encrypted premaster secret> <premaster secret>`; TLS 1.3
//! and QUIC: the handshake, application (`_0`), early traffic and exporter secrets.
//!
//! A line whose label is unknown is skipped (newer writers add labels); a line that
//! is not three fields of hex of the right length is an error with its line number.
//! Which lines matched a session of the capture is counted, for the closing report;
//! the secrets themselves are never printed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// A key log line that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{source_name}: line {line}: {reason}")]
pub struct KeyLogError {
    /// The file (or `Decryption Secrets Block`) the line came from.
    pub source_name: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// The secrets of one TLS session (one client random), as far as the key log has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets {
    /// TLS ≤ 1.2: the 48-byte master secret (`CLIENT_RANDOM`).
    pub master: Option<Vec<u8>>,
    /// TLS 1.3 and QUIC (RFC 8446 section 7.1).
    pub client_handshake: Option<Vec<u8>>,
    pub server_handshake: Option<Vec<u8>>,
    pub client_traffic: Option<Vec<u8>>,
    pub server_traffic: Option<Vec<u8>>,
    pub client_early: Option<Vec<u8>>,
    pub exporter: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
struct Entry {
    secrets: Secrets,
    /// Key log lines that went into this entry.
    lines: u64,
    used: AtomicBool,
}

/// Every secret read so far, by client random (and RSA premaster secrets by the first
/// bytes of their encryption).
#[derive(Debug, Default)]
pub struct KeyLog {
    sessions: HashMap<[u8; 32], Entry>,
    rsa: HashMap<[u8; 8], Entry>,
    /// Lines holding a secret (labels known or not).
    lines: u64,
    /// Lines whose label is not one eavesdrop uses.
    unknown: u64,
    /// Servers' RSA private keys (`--rsa-key`), for RSA key exchange without a key log.
    rsa_keys: Vec<rsa::RsaPrivateKey>,
}

/// The labels eavesdrop reads, and which secret each fills.
fn slot<'a>(s: &'a mut Secrets, label: &str) -> Option<&'a mut Option<Vec<u8>>> {
    // Early QUIC implementations (quic-go, ngtcp2 before 2020) prefixed the labels.
    let label = label.strip_prefix("QUIC_").unwrap_or(label);
    Some(match label {
        "CLIENT_RANDOM" => &mut s.master,
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET" => &mut s.client_handshake,
        "SERVER_HANDSHAKE_TRAFFIC_SECRET" => &mut s.server_handshake,
        "CLIENT_TRAFFIC_SECRET_0" => &mut s.client_traffic,
        "SERVER_TRAFFIC_SECRET_0" => &mut s.server_traffic,
        "CLIENT_EARLY_TRAFFIC_SECRET" => &mut s.client_early,
        "EXPORTER_SECRET" => &mut s.exporter,
        _ => return None,
    })
}

fn unhex(field: &str, what: &str) -> Result<Vec<u8>, String> {
    hex::decode(field).map_err(|_| format!("{what} is not hex: {:?}", short(field)))
}

fn short(s: &str) -> String {
    s.chars().take(20).collect()
}

impl KeyLog {
    pub fn new() -> KeyLog {
        KeyLog::default()
    }

    /// Reads key log text; `source` names it in errors. Stops at the first line
    /// that cannot be read.
    pub fn add_text(&mut self, text: &str, source: &str) -> Result<(), KeyLogError> {
        for (i, line) in text.lines().enumerate() {
            self.add_line(line).map_err(|reason| KeyLogError {
                source_name: source.to_string(),
                line: i + 1,
                reason,
            })?;
        }
        Ok(())
    }

    /// Reads key log text, skipping lines that cannot be read; returns their errors
    /// (a capture's Decryption Secrets Block is data, not configuration).
    pub fn add_text_lenient(&mut self, text: &str, source: &str) -> Vec<KeyLogError> {
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if let Err(reason) = self.add_line(line) {
                errors.push(KeyLogError {
                    source_name: source.to_string(),
                    line: i + 1,
                    reason,
                });
            }
        }
        errors
    }

    /// One line: a comment, a blank, or `LABEL RANDOM SECRET`.
    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let mut fields = line.split_ascii_whitespace();
        let (Some(label), Some(id), Some(secret), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err("expected three fields: LABEL CLIENT_RANDOM SECRET".into());
        };
        if !label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!("not a key log label: {:?}", short(label)));
        }
        self.lines += 1;
        if label == "RSA" {
            let id = unhex(id, "the encrypted premaster secret prefix")?;
            let id: [u8; 8] = id.try_into().map_err(|_| {
                "RSA: the encrypted premaster secret prefix must be 8 bytes (16 hex digits)"
                    .to_string()
            })?;
            let pms = unhex(secret, "the premaster secret")?;
            if pms.len() != 48 {
                return Err("RSA: the premaster secret must be 48 bytes (96 hex digits)".into());
            }
            let e = self.rsa.entry(id).or_default();
            e.secrets.master = Some(pms);
            e.lines += 1;
            return Ok(());
        }
        let mut probe = Secrets::default();
        if slot(&mut probe, label).is_none() {
            // A label eavesdrop does not use (CLIENT_TRAFFIC_SECRET_1, ECH_SECRET…).
            self.unknown += 1;
            return Ok(());
        }
        let random = unhex(id, "the client random")?;
        let random: [u8; 32] = random
            .try_into()
            .map_err(|_| "the client random must be 32 bytes (64 hex digits)".to_string())?;
        let secret = unhex(secret, "the secret")?;
        let want: &[usize] = if label == "CLIENT_RANDOM" {
            &[48]
        } else {
            &[32, 48, 64]
        };
        if !want.contains(&secret.len()) {
            return Err(format!(
                "{label}: a secret of {} bytes (expected {})",
                secret.len(),
                want.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let e = self.sessions.entry(random).or_default();
        if let Some(s) = slot(&mut e.secrets, label) {
            *s = Some(secret);
        }
        e.lines += 1;
        Ok(())
    }

    /// A server's RSA private key in PEM (PKCS #8 `PRIVATE KEY` or PKCS #1 `RSA
    /// PRIVATE KEY`): RSA key exchange sessions to that server decrypt without a key
    /// log (the premaster secret is in the ClientKeyExchange, RFC 5246 7.4.7.1).
    pub fn add_rsa_pem(&mut self, pem: &str, source: &str) -> Result<(), KeyLogError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| KeyLogError {
                source_name: source.to_string(),
                line: 1,
                reason: format!("not an RSA private key in PEM ({e})"),
            })?;
        self.rsa_keys.push(key);
        Ok(())
    }

    /// Lines holding a secret.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.rsa.is_empty() && self.rsa_keys.is_empty()
    }
}

/// What the key log did for a capture, for the closing line on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyStats {
    /// Encrypted sessions seen (a TLS or QUIC handshake chose its keys).
    pub sessions: u64,
    /// Sessions of which at least one record was decrypted.
    pub decrypted: u64,
    /// Key log lines with a secret.
    pub lines: u64,
    /// Lines whose session was never seen.
    pub unmatched: u64,
    /// Lines with a label eavesdrop does not use.
    pub unknown: u64,
}

impl KeyStats {
    /// `key log: 3 of 5 sessions decrypted; 2 lines matched no session in this capture`
    pub fn sentence(&self) -> String {
        let mut s = format!(
            "key log: {} of {} session{} decrypted",
            self.decrypted,
            self.sessions,
            if self.sessions == 1 { "" } else { "s" }
        );
        if self.unmatched > 0 {
            s.push_str(&format!(
                "; {} line{} matched no session in this capture",
                self.unmatched,
                if self.unmatched == 1 { "" } else { "s" }
            ));
        }
        if self.unknown > 0 {
            s.push_str(&format!(
                "; {} line{} with labels not used",
                self.unknown,
                if self.unknown == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

/// Master secrets learnt while reading a capture, by session id or ticket, so that a
/// resumed TLS ≤ 1.2 session decrypts with the secret of the session it resumes
/// (RFC 5246 section 7.4.1.2, RFC 5077).
const MAX_LEARNT: usize = 4096;

#[derive(Debug, Default)]
struct Shared {
    log: RwLock<KeyLog>,
    /// Bumped at every addition, so a dissector that found no keys knows when to look
    /// again (a Decryption Secrets Block may come after the handshake it serves).
    generation: AtomicU64,
    sessions: AtomicU64,
    decrypted: AtomicU64,
    learnt: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    keep_plaintext: AtomicBool,
    /// Compute the SHA-256 of each direction's decrypted application data (JSON).
    digests: AtomicBool,
}

/// The key log as the engine's dissectors share it: cheap to clone, read-only to
/// them (the capture reader adds what Decryption Secrets Blocks carry).
#[derive(Clone, Debug, Default)]
pub struct KeyRing(Arc<Shared>);

impl KeyRing {
    pub fn new(log: KeyLog) -> KeyRing {
        let ring = KeyRing::default();
        if let Ok(mut l) = ring.0.log.write() {
            *l = log;
        }
        ring
    }

    /// Whether decrypted plaintext is kept for the output (`show`, `--json-plaintext`);
    /// without it only lengths, descriptions and digests are.
    pub fn set_keep_plaintext(&self, keep: bool) {
        self.0.keep_plaintext.store(keep, Ordering::Relaxed);
    }

    pub fn keep_plaintext(&self) -> bool {
        self.0.keep_plaintext.load(Ordering::Relaxed)
    }

    /// Whether each direction's decrypted application data is hashed (SHA-256, for
    /// `flows --json`); hashing costs as much as decrypting, so text output skips it.
    pub fn set_digests(&self, on: bool) {
        self.0.digests.store(on, Ordering::Relaxed);
    }

    pub fn digests(&self) -> bool {
        self.0.digests.load(Ordering::Relaxed)
    }

    /// Adds key log text found in a capture (a Decryption Secrets Block). Lines that
    /// cannot be read are skipped and returned.
    pub fn add_text_lenient(&self, text: &str, source: &str) -> Vec<KeyLogError> {
        let errors = match self.0.log.write() {
            Ok(mut log) => log.add_text_lenient(text, source),
            Err(_) => Vec::new(),
        };
        self.0.generation.fetch_add(1, Ordering::Relaxed);
        errors
    }

    /// Bumped whenever secrets are added.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Relaxed)
    }

    /// The secrets of the session with this client random (marked as matched).
    pub fn session(&self, client_random: &[u8; 32]) -> Option<Secrets> {
        let log = self.0.log.read().ok()?;
        let e = log.sessions.get(client_random)?;
        e.used.store(true, Ordering::Relaxed);
        Some(e.secrets.clone())
    }

    /// The premaster secret whose RSA encryption begins with these 8 bytes.
    pub fn rsa_premaster(&self, encrypted_prefix: &[u8; 8]) -> Option<Vec<u8>> {
        let log = self.0.log.read().ok()?;
        let e = log.rsa.get(encrypted_prefix)?;
        e.used.store(true, Ordering::Relaxed);
        e.secrets.master.clone()
    }

    /// The premaster secret inside an RSA-encrypted ClientKeyExchange, with one of the
    /// servers' private keys (PKCS #1 v1.5, RFC 5246 section 7.4.7.1).
    pub fn rsa_decrypt(&self, encrypted: &[u8]) -> Option<Vec<u8>> {
        let log = self.0.log.read().ok()?;
        log.rsa_keys.iter().find_map(|k| {
            k.decrypt(rsa::Pkcs1v15Encrypt, encrypted)
                .ok()
                .filter(|p| p.len() == 48)
        })
    }

    /// Remembers a session's master secret under its session id or ticket.
    pub fn learn(&self, id: &[u8], master: &[u8]) {
        if id.is_empty() {
            return;
        }
        if let Ok(mut l) = self.0.learnt.lock() {
            if l.len() >= MAX_LEARNT {
                l.clear();
            }
            l.insert(id.to_vec(), master.to_vec());
        }
    }

    /// The master secret of an earlier session with this session id or ticket.
    pub fn learnt(&self, id: &[u8]) -> Option<Vec<u8>> {
        if id.is_empty() {
            return None;
        }
        self.0.learnt.lock().ok()?.get(id).cloned()
    }

    /// A session chose its keys (counted once per session).
    pub fn saw_session(&self) {
        self.0.sessions.fetch_add(1, Ordering::Relaxed);
    }

    /// A session's first record decrypted (counted once per session).
    pub fn decrypted_session(&self) {
        self.0.decrypted.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> KeyStats {
        let mut s = KeyStats {
            sessions: self.0.sessions.load(Ordering::Relaxed),
            decrypted: self.0.decrypted.load(Ordering::Relaxed),
            ..KeyStats::default()
        };
        if let Ok(log) = self.0.log.read() {
            s.lines = log.lines;
            s.unknown = log.unknown;
            s.unmatched = log
                .sessions
                .values()
                .chain(log.rsa.values())
                .filter(|e| !e.used.load(Ordering::Relaxed))
                .map(|e| e.lines)
                .sum();
        }
        s
    }

    /// Whether any secret is known.
    pub fn is_empty(&self) -> bool {
        self.0.log.read().map_or(true, |l| l.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CR: &str = "216e876ea1a480c60145c4c80eb8d05c85b6806043105c391236cd4e88f79a21";

    #[test]
    fn nss_lines_by_client_random() {
        let ms = "ab".repeat(48);
        let hs = "cd".repeat(32);
        let text = format!(
            "# SSL/TLS secrets log file\n\nCLIENT_RANDOM {CR} {ms}\n\
             SERVER_HANDSHAKE_TRAFFIC_SECRET {CR} {hs}\nCLIENT_TRAFFIC_SECRET_1 {CR} {hs}\n"
        );
        let mut log = KeyLog::new();
        log.add_text(&text, "k").unwrap();
        assert_eq!(log.lines(), 3);
        let ring = KeyRing::new(log);
        let cr: [u8; 32] = hex::decode(CR).unwrap().try_into().unwrap();
        let s = ring.session(&cr).unwrap();
        assert_eq!(s.master.unwrap().len(), 48);
        assert_eq!(s.server_handshake.unwrap().len(), 32);
        let st = ring.stats();
        assert_eq!((st.unmatched, st.unknown), (0, 1));
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let mut log = KeyLog::new();
        let e = log
            .add_text("# ok\nCLIENT_RANDOM 00 11\n", "keys.txt")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().starts_with("keys.txt: line 2: "), "{e}");
        let e = log.add_text("hello world\n", "k").unwrap_err();
        assert_eq!(e.line, 1);
        let e = log
            .add_text(&format!("CLIENT_RANDOM {CR} zz\n"), "k")
            .unwrap_err();
        assert!(e.reason.contains("not hex"), "{e}");
    }

    #[test]
    fn unmatched_lines_are_counted_not_errors() {
        let mut log = KeyLog::new();
        log.add_text(
            &format!(
                "CLIENT_RANDOM {CR} {}\nRSA 0011223344556677 {}\n",
                "00".repeat(48),
                "11".repeat(48)
            ),
            "k",
        )
        .unwrap();
        let ring = KeyRing::new(log);
        assert_eq!(ring.stats().unmatched, 2);
        assert!(ring
            .rsa_premaster(&[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77])
            .is_some());
        assert_eq!(ring.stats().unmatched, 1);
        ring.saw_session();
        assert_eq!(
            ring.stats().sentence(),
            "key log: 0 of 1 session decrypted; 1 line matched no session in this capture"
        );
    }
}

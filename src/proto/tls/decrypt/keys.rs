//! Keys from the handshake: the hellos and transcript read for them, the key log
//! looked up, master secrets (also RSA), and each direction's keys installed (TLS ≤
//! 1.2 at ChangeCipherSpec, TLS 1.3 by epoch).

use super::*;

pub(super) fn random(body: &[u8]) -> Option<[u8; 32]> {
    body.get(2..34)?.try_into().ok()
}

/// Extension bodies of a hello (after the fixed part), by type.
pub(super) fn hello_extensions(body: &[u8], server: bool) -> Vec<(u16, &[u8])> {
    let mut r = Reader::new(body);
    let mut out = Vec::new();
    let parsed = (|| {
        r.skip(34)?;
        let sid = usize::from(r.u8()?);
        r.skip(sid)?;
        if server {
            r.skip(3)?;
        } else {
            let cs = usize::from(r.u16()?);
            r.skip(cs)?;
            let comp = usize::from(r.u8()?);
            r.skip(comp)?;
        }
        let len = usize::from(r.u16()?);
        let mut ext = r.sub(len)?;
        while !ext.is_empty() {
            let t = ext.u16()?;
            let l = usize::from(ext.u16()?);
            out.push((t, ext.take(l)?));
        }
        Some(())
    })();
    let _ = parsed;
    out
}

pub(super) fn keys13(alg: AeadAlg, hash: PrfHash, secret: &[u8]) -> Option<DirKeys> {
    let _ = hash;
    let hash = PrfHash::for_secret(secret.len());
    let key = expand_label(hash, secret, "key", &[], alg.key_len())?;
    let iv = expand_label(hash, secret, "iv", &[], 12)?;
    DirKeys::tls13(alg, &key, &iv)
}

impl Decryptor {
    /// A ClientHello (plaintext, or decrypted in a renegotiation).
    pub(crate) fn client_hello(&mut self, body: &[u8]) {
        let Some(r) = random(body) else { return };
        self.client_random = Some(r);
        self.transcript = Some(Vec::new());
        self.session_hash_input = None;
        self.master = None;
        self.secrets = None;
        self.missing_at = None;
        self.rsa_prefix = None;
        self.client_session_id = handshake::client_hello(body)
            .map(|c| c.session_id.to_vec())
            .unwrap_or_default();
        self.client_ticket = hello_extensions(body, false)
            .into_iter()
            .find(|(t, _)| *t == 35)
            .map(|(_, d)| d.to_vec())
            .unwrap_or_default();
        self.early_keys(body);
    }

    /// TLS 1.3 0-RTT (RFC 8446 section 4.2.10): a ClientHello that offers early data
    /// may be followed by application data under the client's early traffic secret,
    /// before any ServerHello. The suite is the resumed session's, which only the
    /// key holders know: keys are made under every TLS 1.3 suite offered whose hash
    /// is the secret's, and the first early record tells which opens it.
    fn early_keys(&mut self, body: &[u8]) {
        self.dirs[0].trial.clear();
        let Some(ch) = handshake::client_hello(body) else {
            return;
        };
        self.early_offered = ch.extensions.contains(&handshake::EXT_EARLY_DATA);
        if !self.early_offered {
            return;
        }
        let Some(early) = self.lookup().and_then(|s| s.client_early) else {
            return;
        };
        let hash = PrfHash::for_secret(early.len());
        let d = &mut self.dirs[0];
        d.trial = ch
            .ciphers
            .iter()
            .filter_map(|&c| tls13_suite(c))
            .filter(|&(_, h)| h == hash)
            .filter_map(|(alg, h)| keys13(alg, h, &early))
            .collect();
        if !d.trial.is_empty() {
            d.keys = None;
            d.secret = early;
            d.ahead.clear();
            d.app = false;
        }
    }

    /// A ServerHello: the keys' suite and version; TLS 1.3 handshake keys now.
    pub(crate) fn server_hello(
        &mut self,
        body: &[u8],
        sh: &ServerHello,
        out: &mut Emitter,
        at: u64,
    ) {
        if sh.retry_request {
            return;
        }
        self.server_random = random(body);
        self.cipher = Some(sh.cipher);
        // DTLS 1.0 and 1.2 derive and protect as TLS 1.1 and 1.2 do.
        self.version = Some(sh.selected.tls_equivalent());
        self.server_session_id = sh.session_id.to_vec();
        let ext = hello_extensions(body, true);
        self.etm = ext.iter().any(|(t, _)| *t == 22);
        self.ems = ext.iter().any(|(t, _)| *t == 23);
        if sh.alpn.first().is_some_and(|a| a.value == b"h2") {
            self.view.expect_h2();
        }
        if sh.selected.is_tls13() || !self.ems {
            // The transcript only serves the extended master secret.
            self.transcript = None;
        }
        if !self.counted {
            self.counted = true;
            self.ring.saw_session();
        }
        if sh.selected.is_tls13() {
            self.install13(out, at);
        }
    }

    /// Every plaintext handshake message, whole, in order (for the session hash).
    pub(crate) fn transcript(&mut self, msg: HandshakeType, body: &[u8]) {
        let Some(t) = self.transcript.as_mut() else {
            return;
        };
        if t.len() + body.len() > MAX_HS {
            self.transcript = None;
            return;
        }
        let len = u32::try_from(body.len()).unwrap_or(0).to_be_bytes();
        t.push(msg.0);
        t.extend_from_slice(len.get(1..).unwrap_or(&[]));
        t.extend_from_slice(body);
        if msg == HandshakeType::CLIENT_KEY_EXCHANGE {
            self.session_hash_input = self.transcript.take();
        }
    }

    /// A plaintext handshake message other than the hellos.
    pub(crate) fn plain_message(&mut self, msg: HandshakeType, body: &[u8]) {
        match msg {
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                // RSA: the encrypted premaster secret, with a length before it from
                // TLS 1.0 on (RFC 5246 section 7.4.7.1), without in SSL 3.0.
                let enc = if self.version == Some(TlsVersion::SSL3) {
                    body
                } else {
                    body.get(2..).unwrap_or(&[])
                };
                self.rsa_prefix = enc.get(..8).and_then(|b| b.try_into().ok());
                // At most a 16384-bit key's worth.
                self.rsa_encrypted = enc.get(..enc.len().min(2048)).unwrap_or(&[]).to_vec();
            }
            HandshakeType::NEW_SESSION_TICKET => {
                // lifetime u32, ticket<0..2^16-1> (RFC 5077 section 3.3)
                let mut r = Reader::new(body);
                let ticket = r
                    .skip(4)
                    .and_then(|_| r.u16())
                    .and_then(|n| r.take(usize::from(n)));
                if let (Some(t), Some(m)) = (ticket, self.master.clone()) {
                    self.ring.learn(t, &m);
                }
            }
            _ => {}
        }
    }

    /// The session's secrets from the key log (once per key log generation).
    pub(super) fn lookup(&mut self) -> Option<Secrets> {
        if let Some(s) = &self.secrets {
            return Some(s.clone());
        }
        let generation = self.ring.generation();
        if self.missing_at == Some(generation) {
            return None;
        }
        let found = self.client_random.and_then(|cr| self.ring.session(&cr));
        if found.is_none() {
            self.missing_at = Some(generation);
        }
        self.secrets.clone_from(&found);
        found
    }

    /// TLS ≤ 1.2: the master secret of the handshake in progress.
    pub(super) fn master_secret(&mut self) -> Option<Vec<u8>> {
        if let Some(m) = &self.master {
            return Some(m.clone());
        }
        let mut master = self.lookup().and_then(|s| s.master);
        let resumed =
            !self.server_session_id.is_empty() && self.server_session_id == self.client_session_id;
        if master.is_none() && resumed {
            master = self.ring.learnt(&self.server_session_id);
        }
        if master.is_none() && !self.client_ticket.is_empty() {
            master = self.ring.learnt(&self.client_ticket);
        }
        if master.is_none() {
            master = self.rsa_master();
        }
        let m = master?;
        if let Some(p) = self.rsa_prefix {
            // The same session's `RSA` line (OpenSSL writes both) counts as matched.
            let _ = self.ring.rsa_premaster(&p);
        }
        self.ring.learn(&self.server_session_id, &m);
        self.session_hash_input = None;
        self.master = Some(m.clone());
        Some(m)
    }

    /// The master secret from an `RSA` key log line's premaster secret (RFC 5246
    /// section 8.1), or with the extended master secret (RFC 7627).
    pub(super) fn rsa_master(&mut self) -> Option<Vec<u8>> {
        let pms = match self.rsa_prefix.and_then(|p| self.ring.rsa_premaster(&p)) {
            Some(p) => p,
            None if !self.rsa_encrypted.is_empty() => self.ring.rsa_decrypt(&self.rsa_encrypted)?,
            None => return None,
        };
        let (cr, sr) = (self.client_random?, self.server_random?);
        let version = self.version?;
        if version == TlsVersion::SSL3 {
            return Some(super::super::keysched::ssl3_master(&pms, &cr, &sr));
        }
        let prf = SuiteParams::of(self.cipher?).map_or(PrfHash::Sha256, |p| p.prf);
        let tls12 = version.0 >= TlsVersion::TLS12.0;
        let (label, seed): (&[u8], Vec<u8>) = if self.ems {
            // RFC 7627 section 4: the hash of the handshake through ClientKeyExchange
            // (TLS 1.0/1.1: MD5 and SHA-1 side by side).
            let t = self.session_hash_input.as_deref()?;
            let hash = if !tls12 {
                let mut h = md5::Md5::digest(t).to_vec();
                h.extend_from_slice(&sha1::Sha1::digest(t));
                h
            } else if prf == PrfHash::Sha384 {
                sha2::Sha384::digest(t).to_vec()
            } else {
                Sha256::digest(t).to_vec()
            };
            (b"extended master secret", hash)
        } else {
            let mut seed = cr.to_vec();
            seed.extend_from_slice(&sr);
            (b"master secret", seed)
        };
        Some(if tls12 {
            prf12(prf, &pms, label, &seed, 48)
        } else {
            prf10(&pms, label, &seed, 48)
        })
    }

    /// TLS ≤ 1.2: `dir` sent its ChangeCipherSpec; its records use the new keys. (One
    /// before the ServerHello from a client that offered early data is TLS 1.3's
    /// compatibility record, sent right after its ClientHello: RFC 8446 appendix D.4.)
    pub(crate) fn change_cipher(&mut self, dir: Direction, out: &mut Emitter, at: u64) {
        let early = self.version.is_none() && self.early_offered;
        if early || self.version.is_some_and(|v| v.is_tls13()) {
            return;
        }
        let keys = self.keys12(dir);
        if keys.is_none() {
            self.missing(out, at);
        }
        let d = self.dir(dir);
        d.keys = keys;
        d.resync = false;
        d.broken = false;
    }

    pub(super) fn keys12(&mut self, dir: Direction) -> Option<DirKeys> {
        let version = self.version?;
        let Some(params) = self.cipher.and_then(SuiteParams::of) else {
            self.status = DecryptStatus::Unsupported;
            return None;
        };
        let master = self.master_secret()?;
        let (cr, sr) = (self.client_random?, self.server_random?);
        let explicit_iv = version.0 >= TlsVersion::TLS11.0;
        let (key_len, mac_len, iv_len) = params.key_block_sizes(explicit_iv);
        let n = 2 * (key_len + mac_len + iv_len);
        let mut seed = sr.to_vec();
        seed.extend_from_slice(&cr);
        let kb = if version == TlsVersion::SSL3 {
            ssl3_key_block(&master, &seed, n)
        } else if version.0 >= TlsVersion::TLS12.0 {
            prf12(params.prf, &master, b"key expansion", &seed, n)
        } else {
            prf10(&master, b"key expansion", &seed, n)
        };
        let mut r = Reader::new(&kb);
        let (cm, sm) = (r.take(mac_len)?, r.take(mac_len)?);
        let (ck, sk) = (r.take(key_len)?, r.take(key_len)?);
        let (ci, si) = (r.take(iv_len)?, r.take(iv_len)?);
        let (mk, k, iv) = match dir {
            Direction::ToServer => (cm, ck, ci),
            Direction::ToClient => (sm, sk, si),
        };
        let mac = params.mac.map(|alg| Mac {
            alg,
            key: mk.to_vec(),
            ssl3: version == TlsVersion::SSL3,
        });
        match (params.bulk, mac) {
            (Bulk::Aead(alg), _) => DirKeys::aead12(alg, k, iv),
            (Bulk::Cbc(alg), Some(mac)) => {
                let etm = self.etm && version != TlsVersion::SSL3;
                Some(DirKeys::cbc(alg, k, iv, explicit_iv, mac, etm))
            }
            (Bulk::Rc4, Some(mac)) => DirKeys::rc4(k, mac),
            (Bulk::Null, Some(mac)) => Some(DirKeys::null(mac)),
            _ => None,
        }
    }

    /// TLS 1.3: handshake keys for both directions, application secrets ahead.
    pub(super) fn install13(&mut self, out: &mut Emitter, at: u64) {
        let Some((alg, hash)) = self.cipher.and_then(tls13_suite) else {
            self.status = DecryptStatus::Unsupported;
            return;
        };
        let Some(s) = self.lookup() else {
            self.missing(out, at);
            return;
        };
        for (dir, hs, app) in [
            (Direction::ToServer, s.client_handshake, s.client_traffic),
            (Direction::ToClient, s.server_handshake, s.server_traffic),
        ] {
            let d = self.dir(dir);
            d.trial.clear();
            if s.client_early.as_ref() == Some(&d.secret) && d.keys.is_some() {
                // The client sent 0-RTT data: its EndOfEarlyData is still under the
                // early keys; the handshake and application secrets come after.
                d.ahead.clear();
                d.ahead.extend(hs);
                d.ahead.extend(app);
                continue;
            }
            d.ahead.clear();
            d.keys = None;
            d.app = false;
            match hs {
                Some(hs) => {
                    d.keys = keys13(alg, hash, &hs);
                    d.secret = hs;
                    d.ahead.extend(app);
                }
                None => {
                    // Only the application secrets (some writers log no handshake ones).
                    if let Some(app) = app {
                        d.keys = keys13(alg, hash, &app);
                        d.secret = app;
                        d.app = true;
                    }
                }
            }
        }
    }

    /// The key log has nothing for this session: a note, once.
    pub(super) fn missing(&mut self, out: &mut Emitter, at: u64) {
        if self.status == DecryptStatus::NotNeeded {
            self.status = DecryptStatus::NoKeys;
        }
        if self.noted_missing || self.ring.is_empty() {
            return;
        }
        self.noted_missing = true;
        let cr = self.client_random.map_or_else(
            || "not seen".to_string(),
            |c| hex::encode(c.get(..8).unwrap_or(&[])) + "…",
        );
        out.note(
            at..at + 1,
            Severity::Note,
            NoteGroup::Undecoded,
            format!("the key log has no secrets for this session (client random {cr})"),
        );
    }
}

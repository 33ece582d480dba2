//! Decryption of one TLS connection with the endpoints' secrets (a key log): the
//! key holder's view, beside the observer's. The record state machine in `mod.rs`
//! labels bytes exactly as it does without keys; it also hands every protected
//! record's bytes here ([`Decryptor::start`], [`Decryptor::bytes`],
//! [`Decryptor::finish`]), which gathers the record, opens it and emits a
//! [`Decrypted`] unit. Nothing here emits spans.
//!
//! - TLS ≤ 1.2: the master secret (`CLIENT_RANDOM`, an `RSA` premaster secret, or the
//!   secret of the session a session id or ticket resumes) and both randoms give the
//!   key block; each direction's keys take effect at its ChangeCipherSpec, also an
//!   encrypted one (renegotiation, whose hellos are read from the decrypted handshake);
//! - TLS 1.3: the traffic secrets; a direction moves on (handshake → application
//!   → each KeyUpdate) when a record opens with the next epoch's keys and not with the
//!   current ones (tags make this unambiguous);
//! - a record that does not open leaves a note once per connection ("key log does not
//!   decrypt this session"), never garbage shown as plaintext.

use super::cipher::{tls13_suite, AeadAlg, Bulk, PrfHash, SuiteParams};
use super::handshake::{self, ServerHello};
use super::keysched::{expand_label, prf10, prf12, ssl3_key_block};
use super::record::{ContentType, HandshakeType, TlsVersion};
use super::record_keys::{DirKeys, Failure, Mac};
use crate::codec::Reader;
use crate::decode::Transport;
use crate::keys::{KeyRing, Secrets};
use crate::note::{NoteGroup, Severity};
use crate::proto::keyview::KeyView;
use crate::proto::{Decrypted, Direction, Emitter};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;

/// Decrypted handshake bytes gathered per direction for whole messages, at most.
const MAX_HS: usize = 128 * 1024;
/// Sequence numbers tried past the expected one after records were lost.
const SEQ_SEARCH: u64 = 32;
/// Descriptions and secrets kept per connection for the flow's report.
const MAX_SAID: usize = 8;

/// What the key holder read in one direction, for the flow's report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirTotals {
    /// Application data records (QUIC: STREAM frames) decrypted.
    pub records: u64,
    /// Their plaintext bytes.
    pub bytes: u64,
    /// SHA-256 of that plaintext in stream order, hex.
    pub sha256: String,
}

/// How decryption went for one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DecryptStatus {
    /// No protected record was met (or no key log was given).
    #[default]
    NotNeeded,
    /// The key log has no secrets for this session.
    NoKeys,
    /// Every protected record seen opened.
    Decrypted,
    /// Some records opened, some did not (lost bytes, records cut by the snap length).
    Partly,
    /// The key log's secrets for this session do not open its records.
    WrongKey,
    /// The negotiated cipher is not one eavesdrop decrypts (EXPORT, unknown).
    Unsupported,
}

impl DecryptStatus {
    pub fn word(self) -> &'static str {
        match self {
            DecryptStatus::NotNeeded => "nothing to decrypt",
            DecryptStatus::NoKeys => "no key for this session",
            DecryptStatus::Decrypted => "decrypted",
            DecryptStatus::Partly => "partly decrypted",
            DecryptStatus::WrongKey => "key log does not decrypt this session",
            DecryptStatus::Unsupported => "cipher not supported for decryption",
        }
    }
}

/// What decryption told about one connection, for its flow report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecryptFacts {
    pub status: DecryptStatus,
    /// To server, to client.
    pub dirs: [DirTotals; 2],
    /// What the endpoints' protocol said (`HTTP GET /`), first ones.
    pub says: Vec<String>,
    /// What only the endpoints saw: credentials, names in an encrypted certificate.
    pub secrets: Vec<String>,
    /// Layers inside (`HTTP`).
    pub inner: Vec<String>,
}

/// A record being gathered.
#[derive(Debug, Default)]
struct Gather {
    header: [u8; 5],
    at: u64,
    body: Vec<u8>,
    /// Bytes of this record were lost (a gap, the snap length).
    lost: bool,
    active: bool,
}

#[derive(Debug, Default)]
struct DecDir {
    keys: Option<DirKeys>,
    /// TLS 1.3: the secret of the current epoch, and those known for the next ones.
    secret: Vec<u8>,
    ahead: VecDeque<Vec<u8>>,
    /// TLS 1.3: the current secret is an application traffic secret (KeyUpdate
    /// derives the next from it).
    app: bool,
    /// TLS 1.3: a Finished, KeyUpdate or EndOfEarlyData was sent: the next record may
    /// use the next epoch's keys (so its ciphertext is kept for a second try).
    expect_next: bool,
    /// Records were lost since the last one that opened: try later sequence numbers.
    resync: bool,
    /// Keys whose state a lost record broke (RC4).
    broken: bool,
    gather: Gather,
    /// Decrypted handshake bytes waiting for a whole message.
    hs: Vec<u8>,
    ok: u64,
    /// Records whose tag or MAC did not verify.
    failed: u64,
    /// Records not wholly captured.
    incomplete: u64,
    /// DTLS: the epoch the keys are for.
    epoch: u16,
    hasher: Option<Sha256>,
    records: u64,
    bytes: u64,
}

/// Decryption state of one TLS connection (or DTLS 1.0/1.2 association).
#[derive(Debug)]
pub(crate) struct Decryptor {
    ring: KeyRing,
    /// `TLS`, or `DTLS` (records are opened one by one, with their own epoch and
    /// sequence number).
    proto: &'static str,
    keep: bool,
    /// Hash the decrypted application data (JSON wants its SHA-256).
    digest: bool,
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    client_session_id: Vec<u8>,
    client_ticket: Vec<u8>,
    server_session_id: Vec<u8>,
    cipher: Option<u16>,
    version: Option<TlsVersion>,
    etm: bool,
    ems: bool,
    rsa_prefix: Option<[u8; 8]>,
    /// The RSA-encrypted premaster secret of the ClientKeyExchange (`--rsa-key`).
    rsa_encrypted: Vec<u8>,
    /// Plaintext handshake messages from the ClientHello through the
    /// ClientKeyExchange, for the extended master secret's session hash (RFC 7627
    /// section 3), bounded by [`MAX_HS`]; `None` once complete or given up.
    transcript: Option<Vec<u8>>,
    session_hash_input: Option<Vec<u8>>,
    /// TLS ≤ 1.2: the master secret of the handshake in progress.
    master: Option<Vec<u8>>,
    /// TLS 1.3: secrets looked up for the session.
    secrets: Option<Secrets>,
    /// Key log generation of the last failed look-up (a Decryption Secrets Block may
    /// bring the secrets later).
    missing_at: Option<u64>,
    dirs: [DecDir; 2],
    counted: bool,
    decrypted_any: bool,
    noted_failure: bool,
    noted_missing: bool,
    status: DecryptStatus,
    view: KeyView,
    /// What the handshake and alerts said, and what the application said.
    says: Vec<String>,
    app_says: Vec<String>,
    secrets_seen: Vec<String>,
}

fn random(body: &[u8]) -> Option<[u8; 32]> {
    body.get(2..34)?.try_into().ok()
}

/// Extension bodies of a hello (after the fixed part), by type.
fn hello_extensions(body: &[u8], server: bool) -> Vec<(u16, &[u8])> {
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

impl Decryptor {
    pub(super) fn new(ring: KeyRing, ports: (u16, u16)) -> Decryptor {
        Decryptor {
            proto: "TLS",
            keep: ring.keep_plaintext(),
            digest: ring.digests(),
            ring,
            client_random: None,
            server_random: None,
            client_session_id: Vec::new(),
            client_ticket: Vec::new(),
            server_session_id: Vec::new(),
            cipher: None,
            version: None,
            etm: false,
            ems: false,
            rsa_prefix: None,
            rsa_encrypted: Vec::new(),
            transcript: None,
            session_hash_input: None,
            master: None,
            secrets: None,
            missing_at: None,
            dirs: Default::default(),
            counted: false,
            decrypted_any: false,
            noted_failure: false,
            noted_missing: false,
            status: DecryptStatus::NotNeeded,
            view: KeyView::new(ports, Transport::Tcp),
            says: Vec::new(),
            app_says: Vec::new(),
            secrets_seen: Vec::new(),
        }
    }

    /// For a DTLS 1.0/1.2 association (RFC 6347): the same key schedule as TLS 1.1
    /// and 1.2, records opened with the epoch and sequence number of their header.
    pub(crate) fn new_dtls(ring: KeyRing, ports: (u16, u16)) -> Decryptor {
        Decryptor {
            proto: "DTLS",
            view: KeyView::new(ports, Transport::Udp),
            ..Decryptor::new(ring, ports)
        }
    }

    fn dir(&mut self, dir: Direction) -> &mut DecDir {
        match dir {
            Direction::ToServer => &mut self.dirs[0],
            Direction::ToClient => &mut self.dirs[1],
        }
    }

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
            .map(|c| c.session_id)
            .unwrap_or_default();
        self.client_ticket = hello_extensions(body, false)
            .into_iter()
            .find(|(t, _)| *t == 35)
            .map(|(_, d)| d.to_vec())
            .unwrap_or_default();
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
        self.server_session_id = sh.session_id.clone();
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
    pub(super) fn transcript(&mut self, msg: HandshakeType, body: &[u8]) {
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
    pub(super) fn plain_message(&mut self, msg: HandshakeType, body: &[u8]) {
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
    fn lookup(&mut self) -> Option<Secrets> {
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
    fn master_secret(&mut self) -> Option<Vec<u8>> {
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
    fn rsa_master(&mut self) -> Option<Vec<u8>> {
        let pms = match self.rsa_prefix.and_then(|p| self.ring.rsa_premaster(&p)) {
            Some(p) => p,
            None if !self.rsa_encrypted.is_empty() => self.ring.rsa_decrypt(&self.rsa_encrypted)?,
            None => return None,
        };
        let (cr, sr) = (self.client_random?, self.server_random?);
        let version = self.version?;
        if version == TlsVersion::SSL3 {
            return Some(super::keysched::ssl3_master(&pms, &cr, &sr));
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

    /// TLS ≤ 1.2: `dir` sent its ChangeCipherSpec; its records use the new keys.
    pub(super) fn change_cipher(&mut self, dir: Direction, out: &mut Emitter, at: u64) {
        if self.version.is_some_and(|v| v.is_tls13()) {
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

    fn keys12(&mut self, dir: Direction) -> Option<DirKeys> {
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
    fn install13(&mut self, out: &mut Emitter, at: u64) {
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
    fn missing(&mut self, out: &mut Emitter, at: u64) {
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

    /// Whether records of `dir` are gathered for decryption.
    pub(super) fn wants(&self, dir: Direction) -> bool {
        self.dirs
            .get(dir.index())
            .is_some_and(|d| d.keys.is_some() && !d.broken)
    }

    /// A protected record starts at `at` (its header).
    pub(super) fn start(&mut self, dir: Direction, at: u64, header: [u8; 5], out: &mut Emitter) {
        if !self.wants(dir) {
            if self.version.is_some_and(|v| v.is_tls13())
                && self.missing_at.is_some_and(|g| g != self.ring.generation())
            {
                // Secrets arrived since (a Decryption Secrets Block): try again.
                self.install13(out, at);
            }
            if !self.wants(dir) {
                if self.counted && self.status == DecryptStatus::NotNeeded {
                    self.missing(out, at);
                }
                return;
            }
        }
        let g = &mut self.dir(dir).gather;
        g.header = header;
        g.at = at;
        g.body.clear();
        g.lost = false;
        g.active = true;
    }

    /// Body bytes of the record being gathered.
    pub(super) fn bytes(&mut self, dir: Direction, bytes: &[u8]) {
        let g = &mut self.dir(dir).gather;
        if g.active {
            g.body.extend_from_slice(bytes);
        }
    }

    /// Bytes of the record being gathered were lost (framing survives).
    pub(super) fn lost(&mut self, dir: Direction) {
        let d = self.dir(dir);
        if d.gather.active {
            d.gather.lost = true;
        }
    }

    /// The record gathered ends at `end`: open it.
    pub(super) fn finish(&mut self, dir: Direction, end: u64, out: &mut Emitter) {
        let d = self.dir(dir);
        if !d.gather.active {
            return;
        }
        d.gather.active = false;
        let mut body = std::mem::take(&mut d.gather.body);
        let (header, at, lost) = (d.gather.header, d.gather.at, d.gather.lost);
        let expected = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if lost || body.len() != expected {
            self.incomplete(dir, at..end, body.len().min(expected), expected, out);
            self.dir(dir).gather.body = body;
            return;
        }
        match self.open(dir, header, &mut body) {
            Ok((content, range)) => {
                let pt = body.get(range).unwrap_or(&[]);
                self.deliver(dir, at, end, content, pt, out);
            }
            Err(f) => self.failed(dir, f, at..end, out),
        }
        self.dir(dir).gather.body = body;
    }

    /// A record whose tag, MAC or padding did not verify: counted, noted once.
    fn failed(
        &mut self,
        dir: Direction,
        f: Failure,
        range: std::ops::Range<u64>,
        out: &mut Emitter,
    ) {
        self.dir(dir).failed += 1;
        if !self.noted_failure {
            self.noted_failure = true;
            let why = match f {
                Failure::Tag => "the record's authentication tag does not verify",
                Failure::Mac => "the record's MAC or padding does not verify",
                Failure::Short => "the record is too short for its cipher",
            };
            let text = if self.decrypted_any {
                format!("a {} record does not decrypt ({why})", self.proto)
            } else {
                format!("key log does not decrypt this session ({why})")
            };
            out.note(range, Severity::Warn, NoteGroup::Undecoded, text);
        }
    }

    /// DTLS 1.0/1.2: a protected record (`header`: type, version, epoch, sequence
    /// number, length; `body` whole, or cut by the snap length) from `at` to `end`.
    /// Keys for a new epoch are made when its first record comes (the ChangeCipherSpec
    /// may be lost or reordered); records of an older epoch are not opened.
    pub(crate) fn dtls_record(
        &mut self,
        dir: Direction,
        header: [u8; 13],
        body: &[u8],
        at: u64,
        end: u64,
        out: &mut Emitter,
    ) {
        let [content, v0, v1, e0, e1, s0, s1, s2, s3, s4, s5, l0, l1] = header;
        let epoch = u16::from_be_bytes([e0, e1]);
        if self.version.is_none_or(|v| v.is_tls13()) {
            return;
        }
        if epoch > self.dir(dir).epoch {
            let keys = self.keys12(dir);
            if keys.is_none() {
                self.missing(out, at);
            }
            let d = self.dir(dir);
            d.keys = keys;
            d.epoch = epoch;
        }
        let d = self.dir(dir);
        if d.epoch != epoch || d.keys.is_none() {
            return;
        }
        let expected = usize::from(u16::from_be_bytes([l0, l1]));
        if body.len() != expected {
            d.incomplete += 1;
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Truncated,
                format!(
                    "DTLS record incomplete ({} of {expected} bytes captured): not decrypted",
                    body.len().min(expected)
                ),
            );
            return;
        }
        let seq = u64::from_be_bytes([e0, e1, s0, s1, s2, s3, s4, s5]);
        let mut buf = body.to_vec();
        let Some(keys) = d.keys.as_mut() else { return };
        match keys.open_at(seq, [content, v0, v1, l0, l1], &mut buf) {
            Ok((content, range)) => {
                self.dir(dir).ok += 1;
                let pt = buf.get(range).unwrap_or(&[]);
                if content == ContentType::HANDSHAKE {
                    // Read as TLS messages, reported as the record's own plaintext
                    // (12-byte DTLS headers and all): its length is what the
                    // record's size reveals.
                    let tls = dtls_to_tls_handshake(pt);
                    self.deliver(dir, at, end, content, &tls, out);
                    let keep = self.keep;
                    if let Some(u) = out.decrypted.last_mut() {
                        u.len = u32::try_from(pt.len()).unwrap_or(u32::MAX);
                        if keep {
                            u.plaintext = pt.to_vec();
                        }
                    }
                } else {
                    self.deliver(dir, at, end, content, pt, out);
                }
            }
            Err(f) => self.failed(dir, f, at..end, out),
        }
    }

    /// A record some of whose bytes were not captured: it cannot be opened, but it
    /// took a sequence number (and an RC4 keystream, which breaks).
    fn incomplete(
        &mut self,
        dir: Direction,
        range: std::ops::Range<u64>,
        have: usize,
        expected: usize,
        out: &mut Emitter,
    ) {
        let d = self.dir(dir);
        d.gather.active = false;
        if let Some(k) = d.keys.as_mut() {
            k.seq = k.seq.wrapping_add(1);
            if k.chained() {
                d.broken = true;
            }
        }
        d.incomplete += 1;
        out.note(
            range,
            Severity::Note,
            NoteGroup::Truncated,
            format!("TLS record incomplete ({have} of {expected} bytes captured): not decrypted"),
        );
    }

    /// The record being gathered will not complete (the stream ends, or framing was
    /// lost): it is given up; later records may have been lost too.
    pub(super) fn abandon(&mut self, dir: Direction, out: &mut Emitter) {
        let d = self.dir(dir);
        if d.gather.active {
            let (at, have) = (d.gather.at, d.gather.body.len());
            let expected =
                usize::from(u16::from_be_bytes([d.gather.header[3], d.gather.header[4]]));
            let end = at + 5 + have as u64;
            self.incomplete(dir, at..end, have, expected, out);
        }
        let d = self.dir(dir);
        d.resync = true;
        if d.keys.as_ref().is_some_and(DirKeys::chained) {
            d.broken = true;
        }
    }

    /// Opens a record with the direction's keys; TLS 1.3 tries the next epochs' keys
    /// when the current ones fail, and after lost records later sequence numbers.
    fn open(
        &mut self,
        dir: Direction,
        header: [u8; 5],
        body: &mut Vec<u8>,
    ) -> Result<(ContentType, std::ops::Range<usize>), Failure> {
        let tls13 = self.version.is_some_and(|v| v.is_tls13());
        let cipher = self.cipher;
        let d = self.dir(dir);
        let Some(keys) = d.keys.as_mut() else {
            return Err(Failure::Short);
        };
        // A failed AEAD may have decrypted in place: keep the ciphertext where a
        // second try is likely (the handshake epoch, after a KeyUpdate, lost records).
        let copy = ((tls13 && (!d.app || d.expect_next)) || d.resync).then(|| body.clone());
        d.expect_next = false;
        let first = keys.open(header, body);
        let Some(copy) = copy else {
            if first.is_ok() {
                d.ok += 1;
            }
            return first;
        };
        if first.is_ok() {
            d.ok += 1;
            d.resync = false;
            return first;
        }
        if d.resync {
            let from = keys.seq;
            for seq in from..from + SEQ_SEARCH {
                body.clone_from(&copy);
                if let Ok(r) = keys.open_at(seq, header, body) {
                    keys.seq = seq + 1;
                    d.resync = false;
                    d.ok += 1;
                    return Ok(r);
                }
            }
        }
        if !tls13 {
            return first;
        }
        let Some((alg, hash)) = cipher.and_then(tls13_suite) else {
            return first;
        };
        // The next two epochs (Finished, KeyUpdate).
        let mut secret = d.secret.clone();
        let mut app = d.app;
        let mut ahead = d.ahead.clone();
        for _ in 0..2 {
            let next = match ahead.pop_front() {
                Some(s) => {
                    app = true;
                    s
                }
                None if app => match expand_label(hash, &secret, "traffic upd", &[], hash.size()) {
                    Some(s) => s,
                    None => break,
                },
                None => break,
            };
            let Some(mut k) = keys13(alg, hash, &next) else {
                break;
            };
            body.clone_from(&copy);
            if let Ok(r) = k.open(header, body) {
                d.keys = Some(k);
                d.secret = next;
                d.app = app;
                d.ahead = ahead;
                d.ok += 1;
                d.resync = false;
                return Ok(r);
            }
            secret = next;
        }
        first
    }

    /// A record opened: account for it, read what it says, emit it.
    fn deliver(
        &mut self,
        dir: Direction,
        at: u64,
        end: u64,
        content: ContentType,
        pt: &[u8],
        out: &mut Emitter,
    ) {
        if !self.decrypted_any {
            self.decrypted_any = true;
            self.ring.decrypted_session();
        }
        let mut says = Vec::new();
        let mut secrets = Vec::new();
        match content {
            ContentType::APPLICATION_DATA => {
                let digest = self.digest;
                let d = self.dir(dir);
                d.records += 1;
                d.bytes += pt.len() as u64;
                if digest {
                    d.hasher.get_or_insert_with(Sha256::new).update(pt);
                }
                let said = self.view.push(dir, pt);
                says = said.says;
                secrets = said.secrets;
            }
            ContentType::HANDSHAKE => {
                self.handshake(dir, pt, &mut says, &mut secrets, out, at);
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                // Renegotiation: this direction's new keys start now (DTLS: with the
                // next epoch's first record).
                says.push("ChangeCipherSpec".into());
                if self.proto == "TLS" {
                    self.change_cipher(dir, out, at);
                }
            }
            ContentType::ALERT => {
                if let [level, desc] = pt {
                    says.push(format!("Alert ({})", alert_words(*level, *desc)));
                }
            }
            other => says.push(other.to_string()),
        }
        // What the application said comes first in the flow's report, then the
        // handshake's messages.
        let list = if content == ContentType::APPLICATION_DATA {
            &mut self.app_says
        } else {
            &mut self.says
        };
        for s in &says {
            if list.len() < MAX_SAID && !list.contains(s) {
                list.push(s.clone());
            }
        }
        for s in &secrets {
            if self.secrets_seen.len() < MAX_SAID && !self.secrets_seen.contains(s) {
                self.secrets_seen.push(s.clone());
            }
        }
        out.decrypted.push(Decrypted {
            at,
            end,
            proto: self.proto,
            content,
            len: u32::try_from(pt.len()).unwrap_or(u32::MAX),
            plaintext: if self.keep { pt.to_vec() } else { Vec::new() },
            says,
            secrets,
        });
    }

    /// Decrypted handshake bytes: whole messages are described (and renegotiation
    /// hellos change the keys to come).
    fn handshake(
        &mut self,
        dir: Direction,
        pt: &[u8],
        says: &mut Vec<String>,
        secrets: &mut Vec<String>,
        out: &mut Emitter,
        at: u64,
    ) {
        let mut hs = std::mem::take(&mut self.dir(dir).hs);
        hs.extend_from_slice(pt);
        let mut pos = 0usize;
        loop {
            let mut r = Reader::new(hs.get(pos..).unwrap_or(&[]));
            let (Some(t), Some(len)) = (r.u8(), r.u24()) else {
                break;
            };
            let Some(body) = r.take(len as usize) else {
                break;
            };
            let msg = HandshakeType(t);
            if matches!(
                msg,
                HandshakeType::FINISHED
                    | HandshakeType::KEY_UPDATE
                    | HandshakeType::END_OF_EARLY_DATA
            ) {
                self.dir(dir).expect_next = true;
            }
            says.push(self.message(dir, msg, body, secrets, out, at));
            // A renegotiation's transcript, for its extended master secret.
            self.transcript(msg, body);
            pos += 4 + len as usize;
        }
        hs.drain(..pos.min(hs.len()));
        if hs.len() > MAX_HS {
            hs.clear();
        }
        self.dir(dir).hs = hs;
    }

    /// Describes one decrypted handshake message.
    fn message(
        &mut self,
        dir: Direction,
        msg: HandshakeType,
        body: &[u8],
        secrets: &mut Vec<String>,
        out: &mut Emitter,
        at: u64,
    ) -> String {
        let tls13 = self.version.is_some_and(|v| v.is_tls13());
        match msg {
            HandshakeType::CLIENT_HELLO if dir == Direction::ToServer => {
                self.client_hello(body);
                "ClientHello (renegotiation)".into()
            }
            HandshakeType::SERVER_HELLO if dir == Direction::ToClient => {
                if let Some(sh) = handshake::server_hello(body) {
                    self.server_hello(body, &sh, out, at);
                }
                "ServerHello (renegotiation)".into()
            }
            HandshakeType::NEW_SESSION_TICKET | HandshakeType::CLIENT_KEY_EXCHANGE if !tls13 => {
                self.plain_message(msg, body);
                msg.to_string()
            }
            other => {
                if other == HandshakeType::ENCRYPTED_EXTENSIONS
                    && alpn_of(body).as_deref() == Some("h2")
                {
                    self.view.expect_h2();
                }
                describe_message(other, body, tls13, secrets)
            }
        }
    }

    /// The facts for the flow's report.
    pub(crate) fn facts(&self) -> DecryptFacts {
        let ok: u64 = self.dirs.iter().map(|d| d.ok).sum();
        let failed: u64 = self.dirs.iter().map(|d| d.failed + d.incomplete).sum();
        let bad: u64 = self.dirs.iter().map(|d| d.failed).sum();
        let status = match self.status {
            DecryptStatus::Unsupported => DecryptStatus::Unsupported,
            _ if ok == 0 && bad > 0 => DecryptStatus::WrongKey,
            _ if ok > 0 && failed > 0 => DecryptStatus::Partly,
            _ if ok > 0 => DecryptStatus::Decrypted,
            s => s,
        };
        let mut said = self.app_says.clone();
        said.extend(self.says.iter().cloned());
        said.truncate(MAX_SAID);
        let mut f = DecryptFacts {
            status,
            says: said,
            secrets: self.secrets_seen.clone(),
            inner: self.view.layers(),
            ..DecryptFacts::default()
        };
        for (t, d) in f.dirs.iter_mut().zip(&self.dirs) {
            t.records = d.records;
            t.bytes = d.bytes;
            if self.digest {
                t.sha256 = hex::encode(d.hasher.clone().unwrap_or_default().finalize());
            }
        }
        f
    }
}

/// DTLS handshake messages (12-byte headers: type, length, message_seq, fragment
/// offset and length) as TLS ones (4-byte headers), whole messages only: a fragment of
/// an encrypted message is left out.
fn dtls_to_tls_handshake(pt: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = Reader::new(pt);
    while let (Some(t), Some(len), Some(_seq), Some(off), Some(flen)) =
        (r.u8(), r.u24(), r.u16(), r.u24(), r.u24())
    {
        let Some(frag) = r.take(flen as usize) else {
            break;
        };
        if off == 0 && flen == len {
            out.push(t);
            out.extend_from_slice(len.to_be_bytes().get(1..).unwrap_or(&[]));
            out.extend_from_slice(frag);
        }
    }
    out
}

fn keys13(alg: AeadAlg, hash: PrfHash, secret: &[u8]) -> Option<DirKeys> {
    let _ = hash;
    let hash = PrfHash::for_secret(secret.len());
    let key = expand_label(hash, secret, "key", &[], alg.key_len())?;
    let iv = expand_label(hash, secret, "iv", &[], 12)?;
    DirKeys::tls13(alg, &key, &iv)
}

/// Describes a decrypted handshake message for the key holder (`Certificate (CN=…,
/// issuer=…)`, `EncryptedExtensions (ALPN=h2)`); names only the endpoints saw go to
/// `secrets`. Shared by TLS and QUIC.
pub(crate) fn describe_message(
    msg: HandshakeType,
    body: &[u8],
    tls13: bool,
    secrets: &mut Vec<String>,
) -> String {
    match msg {
        HandshakeType::CERTIFICATE => {
            let list = if tls13 {
                // certificate_request_context<0..255>, then the list (RFC 8446 4.4.2)
                let ctx = usize::from(*body.first().unwrap_or(&0));
                body.get(1 + ctx..).unwrap_or(&[])
            } else {
                body
            };
            let certs = cert_names(list, tls13);
            let Some(first) = certs.first() else {
                return "Certificate".into();
            };
            for c in &certs {
                for n in std::iter::once(&c.subject).chain(c.sans.iter()) {
                    let s = format!("certificate name {n}");
                    if !secrets.contains(&s) {
                        secrets.push(s);
                    }
                }
            }
            format!(
                "Certificate (CN={}, issuer={})",
                first.short_subject(),
                first.short_issuer()
            )
        }
        HandshakeType::ENCRYPTED_EXTENSIONS => match alpn_of(body) {
            Some(a) => format!("EncryptedExtensions (ALPN={a})"),
            None => "EncryptedExtensions".into(),
        },
        other => other.to_string(),
    }
}

/// The names in a certificate list (TLS 1.3 entries carry extensions after each).
fn cert_names(list: &[u8], tls13: bool) -> Vec<handshake::CertFacts> {
    let mut out = Vec::new();
    let mut r = Reader::new(list);
    let Some(len) = r.u24() else { return out };
    let Some(mut l) = r.sub(len as usize) else {
        return out;
    };
    while !l.is_empty() && out.len() < 8 {
        let Some(n) = l.u24() else { break };
        let Some(der) = l.take(n as usize) else { break };
        let mut leaks = Vec::new();
        if let Some(c) = handshake::x509_names(der, 0, &mut leaks) {
            out.push(c);
        }
        if tls13 {
            let Some(e) = l.u16() else { break };
            if l.skip(usize::from(e)).is_none() {
                break;
            }
        }
    }
    out
}

/// The ALPN protocol in EncryptedExtensions (extension 16).
fn alpn_of(body: &[u8]) -> Option<String> {
    let mut r = Reader::new(body);
    let len = usize::from(r.u16()?);
    let mut e = r.sub(len)?;
    while !e.is_empty() {
        let t = e.u16()?;
        let l = usize::from(e.u16()?);
        let data = e.take(l)?;
        if t == 16 {
            let mut a = Reader::new(data);
            let _ = a.u16()?;
            let n = usize::from(a.u8()?);
            return Some(String::from_utf8_lossy(a.take(n)?).into_owned());
        }
    }
    None
}

fn alert_words(level: u8, desc: u8) -> String {
    let level = match level {
        1 => "warning",
        2 => "fatal",
        _ => "level?",
    };
    let desc = match desc {
        0 => "close_notify".to_string(),
        10 => "unexpected_message".to_string(),
        20 => "bad_record_mac".to_string(),
        40 => "handshake_failure".to_string(),
        42 => "bad_certificate".to_string(),
        48 => "unknown_ca".to_string(),
        80 => "internal_error".to_string(),
        90 => "user_canceled".to_string(),
        100 => "no_renegotiation".to_string(),
        d => format!("{d}"),
    };
    format!("{level} {desc}")
}

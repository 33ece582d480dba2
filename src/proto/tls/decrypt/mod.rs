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
//! - TLS 1.3: the traffic secrets; a direction moves on (early data → handshake →
//!   application → each KeyUpdate) when a record opens with the next epoch's keys and
//!   not with the current ones (tags make this unambiguous);
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

mod keys;
mod messages;
mod records;

use keys::*;
pub(crate) use messages::describe_message;
use messages::*;

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
    /// TLS 1.3, before the ServerHello: the client's early traffic keys under each
    /// suite its ClientHello offered with the early secret's hash (the resumed
    /// session's suite is not said in clear): its first 0-RTT record picks one.
    trial: Vec<DirKeys>,
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
    /// The ClientHello offered 0-RTT data.
    early_offered: bool,
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
            early_offered: false,
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

    /// Whether records of `dir` are gathered for decryption.
    pub(super) fn wants(&self, dir: Direction) -> bool {
        self.dirs
            .get(dir.index())
            .is_some_and(|d| (d.keys.is_some() || !d.trial.is_empty()) && !d.broken)
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

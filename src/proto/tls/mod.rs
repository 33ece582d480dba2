//! TLS over a reassembled TCP stream: record framing, plaintext handshake messages,
//! and the rules that decide what an observer can read (docs/design.md, "TLS
//! visibility in practice").
//!
//! Per direction, a small state machine ([`Phase`]) walks record headers. What a
//! record's body is worth to an observer is decided at its header:
//! - `application_data` is always opaque (in TLS 1.3 it also hides the real type);
//! - after a ChangeCipherSpec in a TLS ≤ 1.2 direction, everything is opaque;
//! - plaintext handshake records are parsed message by message. A message may span
//!   records, so handshake records are gathered until the messages they hold are
//!   complete (bounded by [`MAX_HANDSHAKE_GATHER`]) before any of their bytes are
//!   labelled: the frames carrying them wait (deferred release).
//!
//! Opaque bodies are labelled as they arrive, so a 16 KiB record never holds frames.
//!
//! This file is the per-direction state machine; the record deframer is in [`stream`],
//! its recovery after a loss and at the end of a flow in [`resync`], handshake
//! joining in [`join`], what the messages teach an observer in [`facts`], SSLv2-format
//! hellos in [`sslv2`], the wire formats in [`record`] and [`handshake`].

pub mod cipher;
pub mod decrypt;
mod facts;
pub mod fields;
pub mod fingerprint;
pub mod handshake;
mod join;
pub mod keysched;
mod null;
pub mod record;
pub mod record_keys;
mod resync;
mod sslv2;
mod stream;
pub mod suites;

pub use facts::{CertNames, TlsFacts};
use join::{Piece, PieceMap};

use super::inner::Inner;
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::fields::{FieldId, Placed};
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;
use record::{hdr, plausible_header, Plausible, RecordHeader};
use std::ops::Range;
use std::sync::LazyLock;
use suites::Suite;

pub use record::{ContentType, HandshakeType, TlsVersion};

/// TLS over TCP: recognised by a hello at the start of a direction, or (a capture that
/// begins mid-connection) by a plausible record header.
pub static PROTOCOL: Protocol = Protocol {
    name: "TLS",
    detect,
    ports: &[],
    new: |p| Box::new(TlsStream::for_ports(p.client_port, p.server_port)),
    fields: fields::FIELDS,
};

fn detect(p: &Probe<'_>) -> Detect {
    match starts_here(p.bytes) {
        Plausible::Yes(_) => Detect::Yes,
        Plausible::NeedMore => Detect::NeedMore,
        // TLS that starts with something other than a hello is still TLS.
        Plausible::No => Detect::when(matches!(plausible_header(p.bytes), Plausible::Yes(_))),
    }
}

/// TLS picked up inside a record, tried after every other protocol's content test (a
/// plaintext protocol may hand over to TLS after a few bytes of its own).
pub static MIDSTREAM: Protocol = Protocol {
    name: "TLS",
    detect: |p: &Probe<'_>| inside_a_record(p.bytes),
    ports: &[],
    new: |p| Box::new(TlsStream::for_ports(p.client_port, p.server_port)),
    fields: fields::FIELDS,
};

/// A capture that starts in the middle of a TLS connection most often starts inside a
/// record (a 16 KiB record spans a dozen segments): TLS when, within the bytes one
/// record can span, a plausible record header is followed by another where its length
/// says, or its record ends exactly where the bytes seen do. `NeedMore` while a candidate's next header lies beyond the bytes seen, or
/// while random-looking bytes hold no header yet.
fn inside_a_record(b: &[u8]) -> Detect {
    let reach = hdr::LEN + usize::from(record::MAX_RECORD_BODY);
    let span = b.len().min(reach);
    let mut undecided = false;
    for k in 1..span {
        if !b.get(k).is_some_and(|&t| (20..=23).contains(&t)) {
            continue;
        }
        let Plausible::Yes(h) = plausible_header(b.get(k..).unwrap_or(&[])) else {
            continue;
        };
        let next = k + hdr::LEN + usize::from(h.len);
        if next == b.len() {
            // The record ends where the bytes seen do (a segment boundary).
            return Detect::Yes;
        }
        match plausible_header(b.get(next..).unwrap_or(&[])) {
            Plausible::Yes(_) => return Detect::Yes,
            Plausible::NeedMore => undecided = true,
            Plausible::No => {}
        }
    }
    // No header yet in bytes that look encrypted: the record may end exactly where
    // they do (the next header in the next segment).
    if undecided || (b.len() < reach && super::unknown::fully_encrypted(b).is_some()) {
        Detect::NeedMore
    } else {
        Detect::No
    }
}

/// Whether `bytes` begin with a TLS (or SSLv2-compatible) ClientHello or ServerHello:
/// how a plaintext protocol knows its connection is being handed to TLS.
pub fn starts_here(bytes: &[u8]) -> Plausible {
    // An SSLv2-format CLIENT-HELLO: SSL 2.0's own (version 0x0002) or the
    // SSLv2-compatible hello of an SSL 3/TLS client (RFC 6101 appendix E, RFC 5246
    // appendix E.2); or SSL 2.0's SERVER-HELLO (hit, certificate type, then 0x0002).
    if let [b0, _, 1, 0, 2, ..] | [b0, _, 1, 3, ..] | [b0, _, 4, 0 | 1, 1, 0, 2, ..] = bytes {
        if b0 & 0x80 != 0 {
            return Plausible::Yes(RecordHeader {
                content: ContentType::HANDSHAKE,
                version: TlsVersion::SSL3,
                len: 0,
            });
        }
    }
    match plausible_header(bytes) {
        Plausible::Yes(h) if h.content == ContentType::HANDSHAKE => match bytes.get(5) {
            Some(1 | 2) => Plausible::Yes(h),
            Some(_) => Plausible::No,
            None => Plausible::NeedMore,
        },
        Plausible::Yes(_) => Plausible::No,
        other => other,
    }
}

/// Where record framing resumes after it was lost.
enum Resync {
    /// A confirmed record header at this offset.
    Found(usize),
    /// A candidate header at this offset, its record not yet complete.
    Wait(usize),
    None,
}

impl Dissector for TlsStream {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        // Bytes before `consumed` were read already (their records parsed); they are
        // offered again only while an inner stream still holds some of their content.
        let consumed = self.dir(dir).consumed.max(base);
        let skip = usize::try_from(consumed - base).unwrap_or(usize::MAX);
        let rest = data.get(skip..).unwrap_or(&[]);
        if flush {
            self.flush(dir, consumed, rest, out);
            if let Some(inner) = self.inner.as_mut() {
                inner.flush(dir, out);
            }
            self.dir(dir).consumed = base + data.len() as u64;
            return Fed::Done(data.len());
        }
        let n = self.records(dir, consumed, rest, out);
        let read_to = consumed + n as u64;
        self.dir(dir).consumed = read_to;
        let labelled_to = match self.inner.as_ref().and_then(|i| i.waiting_from(dir)) {
            Some(waiting) => waiting.min(read_to),
            None => read_to,
        };
        Fed::Done(usize::try_from(labelled_to.saturating_sub(base)).unwrap_or(0))
    }

    fn gap(&mut self, dir: Direction, at: u64, len: u64, out: &mut Emitter) {
        if let Some(inner) = self.inner.as_mut() {
            inner.gap(dir, out);
        }
        TlsStream::gap(self, dir, len, out, at);
    }

    fn lose_sync(&mut self, dir: Direction) {
        self.dir(dir).phase = Phase::Lost;
        if let Some(inner) = self.inner.as_mut() {
            inner.drop_held(dir);
        }
    }

    fn compact(&mut self) {
        if let Some(hs) = self.hs.as_mut() {
            hs.scratch = Vec::new();
        }
        if let Some(inner) = self.inner.as_mut() {
            inner.compact();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("TLS".into());
        let mut tls = self.learned().clone();
        tls.decryption = self.dec.as_ref().map(|d| Box::new(d.facts()));
        facts.tls = Some(tls);
        if let Some(inner) = &self.inner {
            inner.facts(facts);
        }
    }

    fn tls(&self) -> Option<&TlsFacts> {
        Some(self.learned())
    }

    fn use_keys(&mut self, keys: &crate::keys::KeyRing, ports: (u16, u16)) {
        self.dec = Some(Box::new(decrypt::Decryptor::new(keys.clone(), ports)));
    }
}

/// Handshake bytes gathered across records before giving up on whole-message parsing.
pub const MAX_HANDSHAKE_GATHER: usize = 128 * 1024;

/// Where a direction's framing stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// The next byte starts a record header.
    Header,
    /// Inside a record body that is labelled as it arrives.
    Body {
        remaining: u32,
        /// In two bytes (a `FieldId` took eight and its alignment): a direction's
        /// state is 32 bytes, the dissector 88 (96 with the allocator's).
        field: Placed,
        vis: Visibility,
    },
    /// Framing was lost (a gap, or bytes that are not a record header): everything is
    /// undecoded until a plausible record header is found again.
    Lost,
}

#[derive(Clone, Debug)]
struct DirState {
    phase: Phase,
    /// A TLS ≤ 1.2 ChangeCipherSpec was sent: what follows is encrypted.
    cipher_active: bool,
    /// Record version last seen, to confirm a resynchronisation point.
    record_version: Option<[u8; 2]>,
    /// Handshake bytes still to come of a message that could not be parsed whole (a
    /// message's length is 24 bits).
    hs_skip: u32,
    /// Handshake message framing is unknown (after a gap inside handshake records).
    hs_unsynced: bool,
    /// A record was seen in this direction (an SSLv2-format hello can only come first).
    any_record: bool,
    /// The port this direction is sent from, for recognising what a NULL cipher
    /// carries (kept here, in what would be padding, rather than beside the pair).
    port: u16,
    /// Stream offset up to which records were read (see `Dissector::feed`).
    consumed: u64,
    /// SSL 2.0: this direction's keys are in use (after CLIENT-MASTER-KEY for the
    /// client, after SERVER-HELLO for the server).
    sslv2_encrypted: bool,
}

impl Default for DirState {
    fn default() -> Self {
        DirState {
            phase: Phase::Header,
            cipher_active: false,
            record_version: None,
            hs_skip: 0,
            hs_unsynced: false,
            any_record: false,
            port: 0,
            consumed: 0,
            sslv2_encrypted: false,
        }
    }
}

/// What handshake records leave behind: the facts they taught, and what parsing them
/// keeps. Boxed and made at the first handshake record: a connection picked up
/// mid-stream (most of a busy table, every flow of a hostile capture) never sees one
/// and pays a pointer instead of some 300 bytes.
#[derive(Debug, Default)]
struct Handshake {
    facts: TlsFacts,
    /// The ClientHello's session id, to recognise a resumed session.
    client_session_id: handshake::SessionId,
    /// Handshake records gathered until the messages they hold are whole.
    scratch: Vec<u8>,
}

/// The facts of a connection whose handshake was not seen.
static NO_FACTS: LazyLock<TlsFacts> = LazyLock::new(TlsFacts::default);

/// The TLS dissector of one TCP connection.
#[derive(Debug, Default)]
pub struct TlsStream {
    dirs: [DirState; 2],
    hs: Option<Box<Handshake>>,
    /// The content of records a NULL cipher leaves readable, as a stream of its own.
    inner: Option<Box<Inner>>,
    /// Decryption with the endpoints' keys (a key log): the key holder's view.
    dec: Option<Box<decrypt::Decryptor>>,
}

impl TlsStream {
    pub fn new() -> TlsStream {
        TlsStream::default()
    }

    pub fn for_ports(client: u16, server: u16) -> TlsStream {
        let mut tls = TlsStream::default();
        tls.dirs[0].port = client;
        tls.dirs[1].port = server;
        tls
    }

    /// (client port, server port), as the connection was opened.
    pub fn ports(&self) -> (u16, u16) {
        (self.dirs[0].port, self.dirs[1].port)
    }

    /// What the handshake taught an observer so far.
    pub fn learned(&self) -> &TlsFacts {
        self.hs.as_ref().map_or(&NO_FACTS, |h| &h.facts)
    }

    fn learned_mut(&mut self) -> &mut TlsFacts {
        &mut self.handshake().facts
    }

    /// The handshake's state, made at its first use.
    fn handshake(&mut self) -> &mut Handshake {
        self.hs.get_or_insert_with(Box::default)
    }

    /// How bytes without record framing are labelled: once a direction's keys are in
    /// use (after its ChangeCipherSpec or application data, or after a TLS 1.3
    /// ServerHello), nothing it sends can be plaintext again, so they are ciphertext;
    /// before, nobody knows what they are.
    fn unsynced(&mut self, dir: Direction) -> (FieldId, Visibility) {
        let tls13 = self.learned().version.is_some_and(|v| v.is_tls13())
            && self.learned().server_hello_seen;
        if self.dir(dir).cipher_active || tls13 {
            (fields::TLS_UNSYNCED_ENCRYPTED, Visibility::Opaque)
        } else {
            (fields::TLS_UNSYNCED, Visibility::Undecoded)
        }
    }

    /// The negotiated suite's traits, once a ServerHello chose one.
    fn suite(&self) -> Option<Suite> {
        self.learned().cipher.and_then(Suite::of)
    }

    /// Records are protected by a NULL cipher (TLS ≤ 1.2): their content travels in
    /// the clear, followed by a MAC.
    fn null_cipher(&self) -> bool {
        !self.learned().version.is_some_and(|v| v.is_tls13())
            && self.suite().is_some_and(|s| s.null_encryption)
    }

    fn dir(&mut self, dir: Direction) -> &mut DirState {
        // `index()` is 0 or 1.
        match dir {
            Direction::ToServer => &mut self.dirs[0],
            Direction::ToClient => &mut self.dirs[1],
        }
    }

    /// The version label for records: the negotiated one, else what the record says.
    fn label_version(&self, record: TlsVersion) -> TlsVersion {
        self.learned().version.unwrap_or(record)
    }
}

/// The IANA name of a cipher suite (from tls-parser's table), or its number in hex.
pub fn cipher_name(id: u16) -> std::borrow::Cow<'static, str> {
    match tls_parser::TlsCipherSuite::from_id(id) {
        Some(c) => c.name.into(),
        None => format!("{id:#06x}").into(),
    }
}

#[cfg(test)]
mod tests;

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
//! This file is the record deframer and the per-direction state machine; handshake
//! joining is in [`join`], what the messages teach an observer in [`facts`], SSLv2-format
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
mod sslv2;
pub mod suites;

pub use facts::{CertNames, TlsFacts};
use join::{Piece, PieceMap};

use super::inner::Inner;
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;
use record::{hdr, plausible_header, Plausible, RecordHeader};
use std::ops::Range;
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
        self.scratch = Vec::new();
        if let Some(inner) = self.inner.as_mut() {
            inner.compact();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("TLS".into());
        let mut tls = self.facts.clone();
        tls.decryption = self.dec.as_ref().map(|d| d.facts());
        facts.tls = Some(tls);
        if let Some(inner) = &self.inner {
            inner.facts(facts);
        }
    }

    fn tls(&self) -> Option<&TlsFacts> {
        Some(&self.facts)
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
        field: FieldId,
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
    /// Handshake bytes still to come of a message that could not be parsed whole.
    hs_skip: u64,
    /// Handshake message framing is unknown (after a gap inside handshake records).
    hs_unsynced: bool,
    /// Records seen in this direction (an SSLv2-format hello can only come first).
    records: u64,
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
            records: 0,
            consumed: 0,
            sslv2_encrypted: false,
        }
    }
}

/// The TLS dissector of one TCP connection.
#[derive(Debug, Default)]
pub struct TlsStream {
    dirs: [DirState; 2],
    pub facts: TlsFacts,
    /// The ClientHello's session id, to recognise a resumed session.
    client_session_id: Vec<u8>,
    scratch: Vec<u8>,
    /// (client port, server port), for recognising what a NULL cipher carries.
    ports: (u16, u16),
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
        TlsStream {
            ports: (client, server),
            ..TlsStream::default()
        }
    }

    /// How bytes without record framing are labelled: once a direction's keys are in
    /// use (after its ChangeCipherSpec or application data, or after a TLS 1.3
    /// ServerHello), nothing it sends can be plaintext again, so they are ciphertext;
    /// before, nobody knows what they are.
    fn unsynced(&mut self, dir: Direction) -> (FieldId, Visibility) {
        let tls13 =
            self.facts.version.is_some_and(|v| v.is_tls13()) && self.facts.server_hello_seen;
        if self.dir(dir).cipher_active || tls13 {
            (fields::TLS_UNSYNCED_ENCRYPTED, Visibility::Opaque)
        } else {
            (fields::TLS_UNSYNCED, Visibility::Undecoded)
        }
    }

    /// The negotiated suite's traits, once a ServerHello chose one.
    fn suite(&self) -> Option<Suite> {
        self.facts.cipher.and_then(Suite::of)
    }

    /// Records are protected by a NULL cipher (TLS ≤ 1.2): their content travels in
    /// the clear, followed by a MAC.
    fn null_cipher(&self) -> bool {
        !self.facts.version.is_some_and(|v| v.is_tls13())
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
        self.facts.version.unwrap_or(record)
    }

    /// Labels records from the front of `data` (stream offset `base`); returns how many
    /// bytes are done. The rest must be offered again, with more appended.
    pub fn records(&mut self, dir: Direction, base: u64, data: &[u8], out: &mut Emitter) -> usize {
        let mut pos = 0usize;
        loop {
            let rest = data.get(pos..).unwrap_or(&[]);
            if rest.is_empty() {
                return pos;
            }
            let at = base + pos as u64;
            match self.dir(dir).phase.clone() {
                Phase::Body {
                    remaining,
                    field,
                    vis,
                } => {
                    let n = rest.len().min(remaining as usize);
                    out.span(at..at + n as u64, field, vis);
                    pos += n;
                    let left = remaining - n as u32;
                    if let Some(d) = self.dec.as_mut() {
                        d.bytes(dir, rest.get(..n).unwrap_or(&[]));
                        if left == 0 {
                            d.finish(dir, at + n as u64, out);
                        }
                    }
                    self.dir(dir).phase = if left == 0 {
                        Phase::Header
                    } else {
                        Phase::Body {
                            remaining: left,
                            field,
                            vis,
                        }
                    };
                }
                Phase::Lost => match self.resync_point(dir, rest) {
                    Resync::Wait(skip) => {
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + skip as u64, field, vis);
                        return pos + skip;
                    }
                    Resync::Found(skip) => {
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + skip as u64, field, vis);
                        if skip < rest.len() {
                            out.note(
                                at + skip as u64..at + skip as u64 + 5,
                                Severity::Note,
                                NoteGroup::Sequence,
                                "TLS record framing found again".into(),
                            );
                            let state = self.dir(dir);
                            state.phase = Phase::Header;
                            // Best effort: assume handshake messages start with the record.
                            state.hs_unsynced = false;
                            state.hs_skip = 0;
                        }
                        pos += skip;
                    }
                    Resync::None => {
                        // Keep the last bytes: they may begin a record header.
                        let keep = rest.len().min(hdr::LEN - 1);
                        let n = rest.len() - keep;
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + n as u64, field, vis);
                        return pos + n;
                    }
                },
                Phase::Header
                    if self.dir(dir).records == 0
                        && rest.first().is_some_and(|b| b & 0x80 != 0) =>
                {
                    match self.sslv2_hello(dir, at, rest, out) {
                        Some(n) => {
                            self.dir(dir).records += 1;
                            pos += n;
                        }
                        None if rest.len() < 5 => return pos,
                        None => {
                            // Not SSLv2 after all: let the record-header path judge it.
                            self.dir(dir).records += 1;
                        }
                    }
                }
                // An SSL 2.0 session (the server answered in SSLv2): every record is in
                // SSLv2's format.
                Phase::Header if self.facts.version == Some(TlsVersion::SSL2) => {
                    match self.sslv2_record(dir, at, rest, out) {
                        Some(n) => {
                            self.dir(dir).records += 1;
                            pos += n;
                        }
                        None => return pos,
                    }
                }
                Phase::Header => match plausible_header(rest) {
                    Plausible::NeedMore => return pos,
                    Plausible::No if pos == 0 && base == 0 && self.dir(dir).records == 0 => {
                        // The capture began inside a record (a connection picked up
                        // mid-stream): find the next header.
                        out.note(
                            at..at + rest.len().min(hdr::LEN) as u64,
                            Severity::Note,
                            NoteGroup::Sequence,
                            "the stream starts inside a TLS record (the capture began \
                             mid-connection): its tail is undecoded up to the next record \
                             header"
                                .into(),
                        );
                        self.dir(dir).phase = Phase::Lost;
                    }
                    Plausible::No => {
                        out.note(
                            at..at + rest.len().min(hdr::LEN) as u64,
                            Severity::Warn,
                            NoteGroup::Malformed,
                            "bytes where a TLS record header should be are not one; \
                             framing lost"
                                .into(),
                        );
                        self.dir(dir).phase = Phase::Lost;
                        // Do not rescan from this very byte.
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + 1, field, vis);
                        pos += 1;
                    }
                    Plausible::Yes(h) => match self.record(dir, base, data, pos, h, out) {
                        Some(next) => pos = next,
                        None => return pos,
                    },
                },
            }
        }
    }

    /// Handles the record whose header starts at `pos`. Returns the position after
    /// what it labelled, or `None` to wait for more bytes.
    fn record(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        pos: usize,
        h: RecordHeader,
        out: &mut Emitter,
    ) -> Option<usize> {
        let at = base + pos as u64;
        let body_len = usize::from(h.len);
        let end = pos + hdr::LEN + body_len;
        let version_known = self.facts.version.is_some();
        let state = self.dir(dir);
        state.records += 1;
        let mut encrypted = state.cipher_active;
        if encrypted
            && h.content == ContentType::HANDSHAKE
            && dir == Direction::ToServer
            && !version_known
        {
            // A client that offered TLS 1.3 sends a compatibility ChangeCipherSpec before
            // its second ClientHello (after a HelloRetryRequest, RFC 8446 appendix D.4).
            // Without the server's side in the capture, that hello is recognised by its
            // own header: type 1, a length that fills the record, a TLS version.
            let head: [u8; 6] = data
                .get(pos + hdr::LEN..pos + hdr::LEN + 6)?
                .try_into()
                .ok()?;
            let [t, l0, l1, l2, major, minor] = head;
            let inner = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            if t == 1 && inner + 4 == body_len && major == 3 && minor <= 4 {
                state.cipher_active = false;
                encrypted = false;
            }
        }
        state.record_version = data
            .get(pos + 1..pos + 3)
            .and_then(|v| <[u8; 2]>::try_from(v).ok());
        match h.content {
            ContentType::HANDSHAKE if !encrypted => self.handshake_run(dir, base, data, pos, out),
            ContentType::ALERT if !encrypted && h.len != 2 => {
                // A plaintext alert is exactly two bytes: this one is encrypted, so the
                // ChangeCipherSpec before it was missed.
                self.dir(dir).cipher_active = true;
                self.record(dir, base, data, pos, h, out)
            }
            ContentType::CHANGE_CIPHER_SPEC | ContentType::ALERT if !encrypted => {
                let body = data.get(pos + hdr::LEN..end)?;
                self.header_spans(at, h, false, out);
                let body_at = at + hdr::LEN as u64;
                if h.content == ContentType::CHANGE_CIPHER_SPEC {
                    out.field(body_at..body_at + body_len as u64, fields::TLS_CCS);
                    // In TLS 1.3 this is the compatibility record (RFC 8446 appendix D.4).
                    let tls13 = self.facts.version.is_some_and(|v| v.is_tls13());
                    if !tls13 {
                        self.dir(dir).cipher_active = true;
                        if let Some(d) = self.dec.as_mut() {
                            d.change_cipher(dir, out, at);
                        }
                    }
                } else {
                    out.field(body_at..body_at + body_len as u64, fields::TLS_ALERT);
                    if let [level, description] = body {
                        out.event(
                            body_at,
                            Desc::TlsAlert {
                                level: *level,
                                description: *description,
                            },
                        );
                    }
                }
                Some(end)
            }
            _ if self.null_cipher() => self.null_record(dir, base, data, pos, h, out),
            _ => {
                if h.content == ContentType::APPLICATION_DATA {
                    // Application data means keys are in use in this direction: in TLS
                    // ≤ 1.2 a ChangeCipherSpec came first, even if it was not captured.
                    self.dir(dir).cipher_active = true;
                }
                // Labelled as it arrives: application data, anything encrypted, heartbeats.
                self.header_spans(
                    at,
                    h,
                    encrypted || h.content == ContentType::APPLICATION_DATA,
                    out,
                );
                if encrypted || h.content == ContentType::APPLICATION_DATA {
                    if let (Some(d), Some(head)) =
                        (self.dec.as_mut(), data.get(pos..pos + hdr::LEN))
                    {
                        if let Ok(head) = <[u8; 5]>::try_from(head) {
                            d.start(dir, at, head, out);
                            if body_len == 0 {
                                d.finish(dir, at + hdr::LEN as u64, out);
                            }
                        }
                    }
                }
                let (field, vis) = match h.content {
                    ContentType::APPLICATION_DATA => (fields::TLS_APP_DATA, Visibility::Opaque),
                    ContentType::HANDSHAKE => (fields::TLS_HS_ENCRYPTED, Visibility::Opaque),
                    ContentType::ALERT => (fields::TLS_ALERT_ENCRYPTED, Visibility::Opaque),
                    ContentType::HEARTBEAT if encrypted => {
                        (fields::TLS_HEARTBEAT_ENCRYPTED, Visibility::Opaque)
                    }
                    ContentType::HEARTBEAT => (fields::TLS_HEARTBEAT, Visibility::Cleartext),
                    _ => (fields::TLS_APP_DATA, Visibility::Opaque),
                };
                self.dir(dir).phase = if body_len == 0 {
                    Phase::Header
                } else {
                    Phase::Body {
                        remaining: u32::from(h.len),
                        field,
                        vis,
                    }
                };
                Some(pos + hdr::LEN)
            }
        }
    }

    fn header_spans(&self, at: u64, h: RecordHeader, encrypted: bool, out: &mut Emitter) {
        let r = |range: Range<usize>| at + range.start as u64..at + range.end as u64;
        out.field(r(hdr::TYPE), fields::TLS_RECORD_TYPE);
        out.field(r(hdr::VERSION), fields::TLS_RECORD_VERSION);
        out.field(r(hdr::LENGTH), fields::TLS_RECORD_LENGTH);
        let plaintext = if encrypted {
            self.record_plaintext(h.len)
        } else {
            None
        };
        out.event(
            at,
            Desc::TlsRecord {
                version: self.label_version(h.version),
                content: h.content,
                len: h.len,
                encrypted,
                plaintext,
            },
        );
    }

    /// What a protected record's length tells about its plaintext, from the negotiated
    /// version and suite (`None` before a ServerHello said which).
    fn record_plaintext(&self, len: u16) -> Option<crate::proto::PlainLen> {
        let version = self.facts.version?;
        if version.is_tls13() {
            return suites::tls13_plaintext(self.facts.cipher, u32::from(len));
        }
        self.suite()?.record_plaintext(version, u32::from(len))
    }

    /// Finds where framing can resume in `bytes`: a plausible record header confirmed
    /// by the next one, by its record ending exactly where `bytes` do, or by the
    /// record version seen before. A candidate whose next header lies beyond `bytes`
    /// is waited for (the bytes before it are labelled, the rest kept).
    fn resync_point(&mut self, dir: Direction, bytes: &[u8]) -> Resync {
        let known = self.dir(dir).record_version;
        for i in 0..bytes.len().saturating_sub(hdr::LEN - 1) {
            let Plausible::Yes(h) = plausible_header(bytes.get(i..).unwrap_or(&[])) else {
                continue;
            };
            let next = i + hdr::LEN + usize::from(h.len);
            if next == bytes.len() {
                return Resync::Found(i);
            }
            match plausible_header(bytes.get(next..).unwrap_or(&[])) {
                Plausible::Yes(_) => return Resync::Found(i),
                Plausible::No => {}
                Plausible::NeedMore
                    if known.is_some_and(|v| bytes.get(i + 1..i + 3) == Some(&v[..]))
                        && h.content == ContentType::APPLICATION_DATA =>
                {
                    return Resync::Found(i)
                }
                Plausible::NeedMore => return Resync::Wait(i),
            }
        }
        Resync::None
    }

    /// Bytes are missing from the stream at this point (lost segment, snap length).
    /// Inside an opaque or streamed body the framing survives; anywhere else it is lost.
    pub fn gap(&mut self, dir: Direction, len: u64, out: &mut Emitter, at: u64) {
        if let Some(d) = self.dec.as_mut() {
            d.lost(dir);
        }
        let state = self.dir(dir);
        match state.phase.clone() {
            Phase::Body {
                remaining,
                field,
                vis,
            } if u64::from(remaining) > len => {
                state.phase = Phase::Body {
                    remaining: remaining - len as u32,
                    field,
                    vis,
                };
            }
            Phase::Body { remaining, .. } if u64::from(remaining) == len => {
                state.phase = Phase::Header;
                if let Some(d) = self.dec.as_mut() {
                    d.finish(dir, at + len, out);
                }
            }
            Phase::Lost => {}
            _ => {
                if let Some(d) = self.dec.as_mut() {
                    d.abandon(dir, out);
                }
                let state = self.dir(dir);
                state.phase = Phase::Lost;
                out.note(
                    at..at + len,
                    Severity::Warn,
                    NoteGroup::Sequence,
                    format!("{len} bytes missing from the TLS stream; framing lost until a record header is found"),
                );
            }
        }
    }

    /// Labels whatever is left at the end of a direction (or before a gap): a cut-off
    /// record keeps the labels its header implies.
    pub fn flush(&mut self, dir: Direction, base: u64, data: &[u8], out: &mut Emitter) {
        let done = self.records(dir, base, data, out);
        if let Some(d) = self.dec.as_mut() {
            // A record still being gathered will not complete here.
            d.abandon(dir, out);
        }
        let rest = data.get(done..).unwrap_or(&[]);
        if rest.is_empty() {
            return;
        }
        let at = base + done as u64;
        let end = at + rest.len() as u64;
        match (self.dir(dir).phase.clone(), plausible_header(rest)) {
            (Phase::Header, Plausible::Yes(h)) => {
                let encrypted = self.dir(dir).cipher_active;
                self.header_spans(
                    at,
                    h,
                    encrypted || h.content == ContentType::APPLICATION_DATA,
                    out,
                );
                let readable = !encrypted && h.content != ContentType::APPLICATION_DATA;
                let (field, vis) = if readable {
                    (fields::TLS_HS_BODY, Visibility::Cleartext)
                } else {
                    (fields::TLS_APP_DATA, Visibility::Opaque)
                };
                let have = rest.len() - hdr::LEN;
                let remaining = u32::from(h.len).saturating_sub(have as u32);
                let body = rest.get(hdr::LEN..).unwrap_or(&[]);
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Truncated,
                    format!("TLS record cut off: {have} of {} body bytes", h.len),
                );
                if readable && h.content == ContentType::HANDSHAKE && !self.dir(dir).hs_unsynced {
                    // Parse the whole messages that are here; the last one is cut.
                    let piece = Piece {
                        header_at: at,
                        concat_start: 0,
                        len: body.len(),
                        version: h.version,
                    };
                    let skip = self.dir(dir).hs_skip;
                    let pieces = [piece];
                    let map = PieceMap { pieces: &pieces };
                    self.handshake_messages(dir, body, &map, skip, false, true, out);
                    // The missing rest of the record belongs to the cut message, if
                    // the message reaches that far; otherwise messages follow unseen.
                    let state = self.dir(dir);
                    if !state.hs_unsynced {
                        let missing = u64::from(remaining);
                        if state.hs_skip >= missing && state.hs_skip > 0 {
                            state.hs_skip -= missing;
                        } else if missing > 0 {
                            state.hs_unsynced = true;
                            state.hs_skip = 0;
                        }
                    }
                } else {
                    out.span(at + hdr::LEN as u64..end, field, vis);
                    if readable && h.content == ContentType::HANDSHAKE {
                        self.dir(dir).hs_unsynced = true;
                    }
                }
                self.dir(dir).phase = if remaining == 0 {
                    Phase::Header
                } else {
                    Phase::Body {
                        remaining,
                        field,
                        vis,
                    }
                };
            }
            (Phase::Header, _) => {
                out.span(at..end, fields::TLS_RECORD_TYPE, Visibility::Metadata);
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Truncated,
                    "TLS record header cut off".into(),
                );
                self.dir(dir).phase = Phase::Lost;
            }
            _ => {
                let (field, vis) = self.unsynced(dir);
                out.span(at..end, field, vis);
            }
        }
    }
}

/// The IANA name of a cipher suite (from tls-parser's table), or its number in hex.
pub fn cipher_name(id: u16) -> String {
    match tls_parser::TlsCipherSuite::from_id(id) {
        Some(c) => c.name.to_string(),
        None => format!("{id:#06x}"),
    }
}

#[cfg(test)]
mod tests;

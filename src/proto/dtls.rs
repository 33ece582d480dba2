//! DTLS 1.0, 1.2 and 1.3 (RFC 4347, RFC 6347, RFC 9147): TLS over datagrams, and what
//! an observer reads of it.
//!
//! Each datagram holds one or more records. A DTLS 1.0/1.2 record header (13 bytes:
//! type, version, epoch, 48-bit sequence number, length) travels in the clear; so does
//! DTLS 1.3's unified header (RFC 9147 section 4: `001CSLEE`, a connection ID, an
//! encrypted 8- or 16-bit sequence number, an optional length). What a record's body
//! is worth to an observer follows from its epoch, with no guessing: epoch 0 is
//! plaintext (hellos, HelloVerifyRequest, certificates, key exchange,
//! ChangeCipherSpec, alerts before encryption), every later epoch is encrypted
//! (Finished, application data, alerts after encryption). A DTLS 1.3 unified header
//! and an RFC 9146 `tls12_cid` record (content type 25) always carry ciphertext.
//!
//! Handshake messages carry their own header (type, length, message_seq,
//! fragment_offset, fragment_length) because one message may be cut into fragments
//! across records and datagrams, arrive out of order, or be sent again (a retransmitted
//! flight). Fragments are reassembled per direction and message_seq, bounded by
//! [`MAX_MESSAGE`] per message, [`MAX_MESSAGES`] messages and [`MAX_BUFFERED`] bytes per
//! direction; beyond a bound a fragment is labelled readable as it comes, with a note.
//! The first copy of a byte wins: an overlapping fragment whose bytes differ is noted
//! and labelled from the first copy. A message is parsed once whole (the TLS handshake
//! parsers of [`super::tls::handshake`]: a DTLS ClientHello is a TLS one with a cookie
//! after the session id, read around it). UDP frames are released as they are labelled,
//! so a message in several datagrams is described, and its leaks marked, in the
//! datagram that completes it; earlier fragments are readable (a ClientHello's server
//! name and ALPN are marked in whichever fragment holds them, once the bytes before
//! them have arrived).
//!
//! Field names are Wireshark's `dtls.*` for the record and handshake headers; the
//! hello and certificate contents keep the TLS fields (`tls.handshake.*`, `x509*`): the
//! bytes are TLS's structures, read by the same parsers.

use super::registry::{Detect, Probe, Protocol};
use super::tls::handshake::{self, Fields};
use super::tls::{self, fingerprint, ContentType, HandshakeType, TlsFacts, TlsVersion};
use super::{Desc, Direction, Emitter, PlainLen};
use crate::codec::Reader;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::{LeakKind, Visibility};
use std::ops::Range;

crate::fields! {
    proto = "DTLS";
    // Record layer: RFC 6347 section 4.1, RFC 9146 section 4, RFC 9147 section 4.
    DTLS_RECORD_TYPE = "dtls.record.content_type", Header, Metadata, None, "record content type (RFC 6347 section 4.1)";
    DTLS_RECORD_VERSION = "dtls.record.version", Header, Metadata, None, "record version: 0xfeff DTLS 1.0, 0xfefd DTLS 1.2 (RFC 6347 section 4.1)";
    DTLS_RECORD_EPOCH = "dtls.record.epoch", Header, Metadata, None, "epoch: 0 until ChangeCipherSpec, one more per cipher state change (RFC 6347 section 4.1)";
    DTLS_RECORD_SEQ = "dtls.record.sequence_number", Header, Metadata, None, "48-bit record sequence number (RFC 6347 section 4.1)";
    DTLS_RECORD_CID = "dtls.record.connection_id", Header, Metadata, None, "connection ID (RFC 9146 section 4, RFC 9147 section 4)";
    DTLS_RECORD_LENGTH = "dtls.record.length", Header, Metadata, None, "record length (RFC 6347 section 4.1)";
    DTLS_UNIFIED = "dtls.unified_header", Header, Metadata, None, "DTLS 1.3 unified header first byte 001CSLEE: CID, sequence length, length present, epoch low bits (RFC 9147 section 4)";
    DTLS_UNIFIED_SEQ = "dtls.unified_header.sequence_number", Header, Opaque, None, "DTLS 1.3 record sequence number, encrypted (RFC 9147 section 4.2.3)";
    // Handshake, RFC 6347 section 4.2.2.
    DTLS_HS_TYPE = "dtls.handshake.type", Handshake, Cleartext, None, "handshake message type (RFC 6347 section 4.2.2)";
    DTLS_HS_LENGTH = "dtls.handshake.length", Handshake, Cleartext, None, "length of the whole handshake message";
    DTLS_HS_MSG_SEQ = "dtls.handshake.message_seq", Handshake, Cleartext, None, "handshake message sequence number (retransmissions repeat it)";
    DTLS_HS_FRAG_OFFSET = "dtls.handshake.fragment_offset", Handshake, Cleartext, None, "where this fragment sits in its message";
    DTLS_HS_FRAG_LENGTH = "dtls.handshake.fragment_length", Handshake, Cleartext, None, "length of this fragment";
    DTLS_HS_BODY = "dtls.handshake", Handshake, Cleartext, None, "handshake message body, or a fragment of it, in epoch 0";
    DTLS_HS_COOKIE = "dtls.handshake.cookie", Handshake, Cleartext, None, "cookie of a HelloVerifyRequest or ClientHello, with its length (RFC 6347 section 4.2.1)";
    DTLS_HS_ENCRYPTED = "dtls.handshake.encrypted", Handshake, Opaque, None, "encrypted handshake message (epoch 1 and later: Finished, renegotiation)";
    DTLS_CCS = "dtls.change_cipher_spec", Handshake, Cleartext, None, "ChangeCipherSpec message";
    DTLS_ALERT = "dtls.alert_message", Handshake, Cleartext, None, "alert level and description, before encryption";
    DTLS_ALERT_ENCRYPTED = "dtls.alert_message.encrypted", Handshake, Opaque, None, "encrypted alert";
    DTLS_HEARTBEAT = "dtls.heartbeat_message", Handshake, Cleartext, None, "heartbeat message before encryption (RFC 6520)";
    DTLS_ACK = "dtls.ack", Handshake, Cleartext, None, "ACK of record numbers, before encryption (RFC 9147 section 7)";
    DTLS_APP_DATA = "dtls.app_data", Content, Opaque, None, "application data (RFC 6347 section 4.1)";
    DTLS_ENCRYPTED = "dtls.enc_content", Content, Opaque, None, "encrypted record whose real type is hidden (DTLS 1.3 unified header, RFC 9146 tls12_cid) or which came in a later epoch";
    DTLS_UNDECODED = "dtls.undecoded", Unknown, Undecoded, None, "bytes of a DTLS datagram that are not a record";
}

/// Record header of DTLS 1.0 and 1.2 (RFC 6347 section 4.1).
pub mod hdr {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const VERSION: Range<usize> = 1..3;
    pub const EPOCH: Range<usize> = 3..5;
    pub const SEQ: Range<usize> = 5..11;
    /// Where the length sits without a connection ID; a `tls12_cid` record has the CID
    /// first and the length after it.
    pub const LENGTH: Range<usize> = 11..13;
    pub const LEN: usize = LENGTH.end;
}

/// Handshake header of DTLS (RFC 6347 section 4.2.2).
pub mod hs {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const LENGTH: Range<usize> = 1..4;
    pub const MSG_SEQ: Range<usize> = 4..6;
    pub const FRAG_OFFSET: Range<usize> = 6..9;
    pub const FRAG_LENGTH: Range<usize> = 9..12;
    pub const LEN: usize = FRAG_LENGTH.end;
}

/// Content type of a record carrying a connection ID (RFC 9146 section 4).
pub const TLS12_CID: ContentType = ContentType(25);
/// DTLS 1.3 ACK (RFC 9147 section 7).
pub const ACK: ContentType = ContentType(26);

/// Largest record body a peer may send: 2^14 plus expansion (RFC 6347 section 4.1).
pub const MAX_RECORD_BODY: usize = (1 << 14) + 2048;
/// A handshake message longer than this is labelled as it arrives, not reassembled.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Messages reassembled (or remembered for their retransmissions) per direction.
pub const MAX_MESSAGES: usize = 16;
/// Bytes of handshake messages kept per direction.
pub const MAX_BUFFERED: usize = 256 * 1024;
/// Separate pieces a message may be in before its reassembly is given up.
const MAX_PIECES: usize = 64;
/// Connection ID lengths tried when the handshake that negotiated them was not seen.
const MAX_GUESSED_CID: usize = 20;

/// DTLS: recognised by records that fill the first datagram ([`looks_like_dtls`]), or
/// by a port (not 443: QUIC's short-header packets there must not be read as DTLS).
/// The flow gets the RFC 7983 demultiplexer, so STUN and SRTP on it are read too.
pub static PROTOCOL: Protocol = Protocol {
    name: "DTLS",
    detect: |p: &Probe<'_>| Detect::when(looks_like_dtls(p.bytes)),
    // OpenSSL's default, CoAP over DTLS (RFC 7252), syslog over DTLS (RFC 6012),
    // CAPWAP control (RFC 5415).
    ports: &[4433, 5684, 6514, 5246],
    new: |_| Box::new(super::demux::Demux::new()),
    fields: FIELDS,
};

/// A DTLS record version: 0xfeXX, or OpenSSL's pre-RFC 0x0100.
pub fn is_dtls_version(v: u16) -> bool {
    TlsVersion(v).is_dtls()
}

/// True when `b` starts with DTLS 1.0/1.2 records that fill it exactly: a known
/// content type, a DTLS version, a small epoch, lengths no peer may exceed, and for a
/// plaintext handshake record a handshake header that fits its record. The content
/// test that recognises a UDP flow as DTLS; strict, so that it does not swallow other
/// protocols.
pub fn looks_like_dtls(b: &[u8]) -> bool {
    let mut r = Reader::new(b);
    let mut records = 0;
    while !r.is_empty() {
        let (Some(t), Some(v), Some(epoch), Some(_seq), Some(len)) =
            (r.u8(), r.u16(), r.u16(), r.take(6), r.u16())
        else {
            return false;
        };
        let len = usize::from(len);
        if !(20..=24).contains(&t) || !is_dtls_version(v) || epoch > 0xff || len > MAX_RECORD_BODY {
            return false;
        }
        let Some(mut body) = r.sub(len) else {
            return false;
        };
        if t == 22 && epoch == 0 {
            let (Some(msg), Some(length), Some(_), Some(off), Some(flen)) =
                (body.u8(), body.u24(), body.u16(), body.u24(), body.u24())
            else {
                return false;
            };
            let known = HandshakeType(msg).name().is_some();
            if !known || off.saturating_add(flen) > length || flen as usize > body.left() {
                return false;
            }
        }
        if (t == 20 && len != 1 && epoch == 0) || (t != 23 && len == 0) {
            return false;
        }
        records += 1;
    }
    records > 0
}

/// A parsed DTLS handshake header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct HsHeader {
    msg: HandshakeType,
    length: u32,
    seq: u16,
    offset: u32,
    frag_len: u32,
}

/// What a whole message told, kept for its retransmissions: message-relative field
/// spans (body offsets), the packet-line details, the version it speaks for.
#[derive(Clone, Debug, Default)]
struct Parsed {
    spans: Fields,
    detail: Vec<String>,
    version: Option<TlsVersion>,
}

/// One handshake message being reassembled, or remembered.
#[derive(Clone, Debug)]
struct Message {
    seq: u16,
    msg: HandshakeType,
    length: u32,
    /// The message body, `length` bytes once allocated; bytes outside `have` are zero.
    bytes: Vec<u8>,
    /// Byte ranges of the body received so far: sorted, merged.
    have: Vec<Range<u32>>,
    parsed: Option<Parsed>,
    /// Insertion order, for eviction (oldest first).
    order: u64,
}

impl Message {
    fn complete(&self) -> bool {
        self.have
            .first()
            .is_some_and(|r| r.start == 0 && r.end == self.length)
            || self.length == 0
    }

    /// Whether a whole copy of the body disagrees with the bytes received so far.
    fn disagrees(&self, data: &[u8]) -> bool {
        self.have.iter().any(|r| {
            let range = r.start as usize..r.end as usize;
            self.bytes.get(range.clone()) != data.get(range)
        })
    }

    /// Contiguous bytes from the start of the body.
    fn prefix(&self) -> &[u8] {
        let end = self
            .have
            .first()
            .filter(|r| r.start == 0)
            .map_or(0, |r| r.end as usize);
        self.bytes.get(..end).unwrap_or(&[])
    }

    /// Adds a fragment's bytes where none were; returns whether an overlap disagreed
    /// with the first copy. `None`: too many pieces to keep.
    fn add(&mut self, offset: u32, data: &[u8]) -> Option<bool> {
        let end = offset.saturating_add(u32::try_from(data.len()).ok()?);
        let mut differs = false;
        for r in &self.have {
            let s = r.start.max(offset);
            let e = r.end.min(end);
            if s < e {
                let old = self.bytes.get(s as usize..e as usize)?;
                let new = data.get((s - offset) as usize..(e - offset) as usize)?;
                differs |= old != new;
            }
        }
        // Fill the gaps only: the first copy of a byte wins.
        let mut pos = offset;
        let mut gaps = Vec::new();
        for r in &self.have {
            if r.end <= pos {
                continue;
            }
            if r.start >= end {
                break;
            }
            if r.start > pos {
                gaps.push(pos..r.start);
            }
            pos = pos.max(r.end);
        }
        if pos < end {
            gaps.push(pos..end);
        }
        for g in gaps {
            let src = data.get((g.start - offset) as usize..(g.end - offset) as usize)?;
            self.bytes
                .get_mut(g.start as usize..g.end as usize)?
                .copy_from_slice(src);
        }
        self.have.push(offset..end);
        self.have.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u32>> = Vec::with_capacity(self.have.len());
        for r in self.have.drain(..) {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        self.have = merged;
        if self.have.len() > MAX_PIECES {
            return None;
        }
        Some(differs)
    }
}

/// One direction's handshake messages.
#[derive(Clone, Debug, Default)]
struct DirState {
    messages: Vec<Message>,
    buffered: usize,
    order: u64,
    /// A note about the bounds was given in this direction.
    bound_noted: bool,
}

impl DirState {
    fn find(&mut self, seq: u16) -> Option<usize> {
        self.messages.iter().position(|m| m.seq == seq)
    }

    /// Makes room for a message of `length` bytes: the oldest messages go (finished
    /// ones first). Returns the sequence numbers of unfinished messages given up.
    fn make_room(&mut self, length: usize) -> Vec<u16> {
        let mut given_up = Vec::new();
        while self.messages.len() >= MAX_MESSAGES || self.buffered + length > MAX_BUFFERED {
            let victim = self
                .messages
                .iter()
                .enumerate()
                .min_by_key(|(_, m)| (m.parsed.is_none(), m.order))
                .map(|(i, _)| i);
            let Some(i) = victim else {
                break;
            };
            let m = self.messages.remove(i);
            self.buffered = self.buffered.saturating_sub(m.bytes.len());
            if m.parsed.is_none() {
                given_up.push(m.seq);
            }
        }
        given_up
    }
}

/// What the DTLS records of one flow told an observer, and the state to read more.
#[derive(Debug, Default)]
pub struct Dtls {
    dirs: [DirState; 2],
    pub facts: TlsFacts,
    /// The ClientHello's session id, to recognise a resumed session.
    client_session_id: Vec<u8>,
    /// Length of the connection IDs in records sent in each direction, as the
    /// hellos negotiated them (RFC 9146 section 3): `[to the server, to the client]`.
    cid_len: [Option<usize>; 2],
    /// The SRTP protection profile the server chose (use_srtp, RFC 5764 section 4.1.1),
    /// and the length of its MKI.
    pub srtp_profile: Option<(u16, usize)>,
    /// Records seen on this flow (any direction): DTLS is in use.
    pub records: u64,
    /// With the endpoints' key log: DTLS 1.0/1.2 records opened (the key holder's
    /// view, apart from every label).
    dec: Option<Box<tls::decrypt::Decryptor>>,
}

/// A byte range of the datagram, from offsets relative to `at`.
fn r(at: u64, range: Range<usize>) -> Range<u64> {
    at + range.start as u64..at + range.end as u64
}

impl Dtls {
    pub fn new() -> Dtls {
        Dtls::default()
    }

    /// Drops reassembly buffers (the flow is over).
    pub fn compact(&mut self) {
        for d in &mut self.dirs {
            *d = DirState::default();
        }
    }

    /// The endpoints' secrets: DTLS 1.0/1.2 records are decrypted too.
    pub fn use_keys(&mut self, keys: &crate::keys::KeyRing, ports: (u16, u16)) {
        self.dec = Some(Box::new(tls::decrypt::Decryptor::new_dtls(
            keys.clone(),
            ports,
        )));
    }

    /// What the key log decrypted (only with keys).
    pub fn decryption(&self) -> Option<tls::decrypt::DecryptFacts> {
        self.dec.as_ref().map(|d| d.facts())
    }

    fn dir(&mut self, dir: Direction) -> &mut DirState {
        match dir {
            Direction::ToServer => &mut self.dirs[0],
            Direction::ToClient => &mut self.dirs[1],
        }
    }

    /// The version on packet lines: the negotiated one, else what the record says.
    fn label_version(&self, record: TlsVersion) -> TlsVersion {
        self.facts.version.unwrap_or(record)
    }

    /// Labels one datagram (or the DTLS part of one: a TURN channel's payload) of
    /// `dir` whose first byte is at frame offset `at`.
    pub fn datagram(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let mut pos = 0usize;
        while pos < b.len() {
            let rest = b.get(pos..).unwrap_or(&[]);
            let here = at + pos as u64;
            let first = rest.first().copied().unwrap_or(0);
            let n = if first & 0xe0 == 0x20 {
                self.unified(dir, here, rest, out)
            } else {
                self.record(dir, here, rest, out)
            };
            match n {
                Some(n) if n > 0 => {
                    self.records += 1;
                    pos += n;
                }
                _ => {
                    out.field(here..at + b.len() as u64, DTLS_UNDECODED);
                    out.note(
                        here..at + b.len() as u64,
                        Severity::Warn,
                        NoteGroup::Malformed,
                        format!(
                            "{} bytes where a DTLS record should start are not one",
                            rest.len()
                        ),
                    );
                    return;
                }
            }
        }
    }

    /// A DTLS 1.0/1.2 record (or a `tls12_cid` one) at the start of `b`; returns the
    /// bytes it took (to the end of `b` when its length runs past it).
    fn record(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Option<usize> {
        let mut rd = Reader::new(b);
        let content = ContentType(rd.u8()?);
        let version = TlsVersion(rd.u16()?);
        let epoch = rd.u16()?;
        rd.skip(6)?;
        if !(20..=26).contains(&content.0) || !version.is_dtls() {
            return None;
        }
        let cid_len = if content == TLS12_CID {
            match self.cid_len.get(dir.index()).copied().flatten() {
                Some(n) => n,
                None => guess_cid(b, hdr::SEQ.end)?,
            }
        } else {
            0
        };
        rd.skip(cid_len)?;
        let len_at = rd.pos();
        let declared = usize::from(rd.u16()?);
        let body_at = rd.pos();
        let end = body_at.saturating_add(declared);
        out.field(r(at, hdr::TYPE), DTLS_RECORD_TYPE);
        out.field(r(at, hdr::VERSION), DTLS_RECORD_VERSION);
        out.field(r(at, hdr::EPOCH), DTLS_RECORD_EPOCH);
        out.field(r(at, hdr::SEQ), DTLS_RECORD_SEQ);
        out.field(r(at, hdr::SEQ.end..len_at), DTLS_RECORD_CID);
        out.field(r(at, len_at..body_at), DTLS_RECORD_LENGTH);
        let body = match b.get(body_at..end) {
            Some(body) => body,
            None => {
                let have = b.len().saturating_sub(body_at);
                out.note(
                    r(at, 0..b.len()),
                    Severity::Warn,
                    NoteGroup::Truncated,
                    format!(
                        "DTLS record declares {declared} body bytes, the datagram holds {have} \
                         (cut by the snap length, or malformed)"
                    ),
                );
                b.get(body_at..).unwrap_or(&[])
            }
        };
        let body_range = at + body_at as u64..at + (body_at + body.len()) as u64;
        let encrypted = epoch > 0 || content == TLS12_CID;
        let len16 = u16::try_from(declared).unwrap_or(u16::MAX);
        // What a protected record's length says of its plaintext (a connection-ID
        // record hides its real type inside, like TLS 1.3).
        let plaintext = if encrypted {
            self.plaintext_len(u32::from(len16), false, content == TLS12_CID)
        } else {
            None
        };
        out.event(
            at,
            Desc::TlsRecord {
                version: self.label_version(version),
                content,
                len: len16,
                encrypted: encrypted || content == ContentType::APPLICATION_DATA,
                plaintext,
            },
        );
        match content {
            ContentType::HANDSHAKE if !encrypted => {
                self.handshake_record(dir, body_range.start, body, version, out);
            }
            ContentType::CHANGE_CIPHER_SPEC if !encrypted => {
                out.field(body_range, DTLS_CCS);
            }
            ContentType::ALERT if !encrypted => {
                // Epoch 0 has no cipher: readable whatever its length.
                out.field(body_range.clone(), DTLS_ALERT);
                if let [level, description] = body {
                    out.event(
                        body_range.start,
                        Desc::TlsAlert {
                            level: *level,
                            description: *description,
                        },
                    );
                }
            }
            ContentType::HEARTBEAT if !encrypted => out.field(body_range, DTLS_HEARTBEAT),
            ACK if !encrypted => out.field(body_range, DTLS_ACK),
            ContentType::APPLICATION_DATA if !encrypted => {
                // Epoch 0 is the null cipher (RFC 6347 section 4.1): readable.
                out.span(body_range.clone(), DTLS_APP_DATA, Visibility::Cleartext);
                out.note(
                    body_range,
                    Severity::Warn,
                    NoteGroup::Leak,
                    "application data in epoch 0, before any cipher: sent readable".into(),
                );
            }
            _ => {
                if let (Some(dec), Some(h), false) = (
                    self.dec.as_mut(),
                    b.get(..hdr::LEN).and_then(|h| <[u8; 13]>::try_from(h).ok()),
                    content == TLS12_CID,
                ) {
                    dec.dtls_record(dir, h, body, at, body_range.end, out);
                }
                let field = match content {
                    ContentType::APPLICATION_DATA => DTLS_APP_DATA,
                    ContentType::HANDSHAKE => DTLS_HS_ENCRYPTED,
                    ContentType::ALERT => DTLS_ALERT_ENCRYPTED,
                    _ => DTLS_ENCRYPTED,
                };
                out.field(body_range, field);
            }
        }
        Some(end.min(b.len()))
    }

    /// A DTLS 1.3 record with a unified header (RFC 9147 section 4); returns the bytes
    /// it took.
    fn unified(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Option<usize> {
        let first = *b.first()?;
        let has_cid = first & 0x10 != 0;
        let seq_len = if first & 0x08 != 0 { 2 } else { 1 };
        let has_len = first & 0x04 != 0;
        let epoch_bits = first & 0x03;
        let cid_len = if has_cid {
            match self.cid_len.get(dir.index()).copied().flatten() {
                Some(n) => Some(n),
                None if has_len => guess_cid(b, 1).and_then(|n| n.checked_sub(seq_len)),
                None => None,
            }
        } else {
            Some(0)
        };
        let Some(cid_len) = cid_len else {
            out.field(r(at, 0..1), DTLS_UNIFIED);
            // A connection ID of unknown length and no length field: nothing more can
            // be placed.
            out.field(r(at, 1..b.len()), DTLS_ENCRYPTED);
            out.note(
                r(at, 0..b.len()),
                Severity::Note,
                NoteGroup::Undecoded,
                "DTLS 1.3 record with a connection ID whose length was not seen negotiated: \
                 header and ciphertext not told apart"
                    .into(),
            );
            self.unified_events(at, b.len().saturating_sub(1), epoch_bits, out);
            return Some(b.len());
        };
        let seq_at = 1 + cid_len;
        let len_at = seq_at + seq_len;
        let (body_at, declared) = if has_len {
            let l = crate::codec::be16(b, len_at)?;
            (len_at + 2, usize::from(l))
        } else {
            (len_at, b.len().checked_sub(len_at)?)
        };
        if body_at > b.len() {
            return None;
        }
        out.field(r(at, 0..1), DTLS_UNIFIED);
        out.field(r(at, 1..seq_at), DTLS_RECORD_CID);
        out.field(r(at, seq_at..len_at), DTLS_UNIFIED_SEQ);
        out.field(r(at, len_at..body_at), DTLS_RECORD_LENGTH);
        let end = body_at.saturating_add(declared);
        if end > b.len() {
            out.note(
                r(at, 0..b.len()),
                Severity::Warn,
                NoteGroup::Truncated,
                format!(
                    "DTLS 1.3 record declares {declared} bytes, the datagram holds {} \
                     (cut by the snap length, or malformed)",
                    b.len() - body_at
                ),
            );
        }
        let end = end.min(b.len());
        out.field(r(at, body_at..end), DTLS_ENCRYPTED);
        self.unified_events(at, declared, epoch_bits, out);
        Some(end)
    }

    fn unified_events(&self, at: u64, len: usize, epoch_bits: u8, out: &mut Emitter) {
        let len16 = u16::try_from(len).unwrap_or(u16::MAX);
        // The type is hidden; the epoch's low bits say which keys: 2 protects the
        // handshake, 1 early data, 3 and later (0 after wrapping) application data.
        let content = if epoch_bits == 2 {
            ContentType::HANDSHAKE
        } else {
            ContentType::APPLICATION_DATA
        };
        out.event(
            at,
            Desc::TlsRecord {
                version: self.facts.version.unwrap_or(TlsVersion::DTLS13),
                content,
                len: len16,
                encrypted: true,
                plaintext: self.plaintext_len(u32::from(len16), true, true),
            },
        );
    }

    /// What an encrypted record of `len` body bytes holds, when the cipher says: an
    /// AEAD record of DTLS ≤ 1.2 carries an 8-byte explicit nonce and the tag (GCM,
    /// CCM), or only the tag (ChaCha20-Poly1305); DTLS 1.3 (`tls13`) has no explicit
    /// nonce. A record whose real type is inside (`inner_type`: DTLS 1.3, RFC 9146)
    /// ends with that type byte and any amount of zero padding.
    fn plaintext_len(&self, len: u32, tls13: bool, inner_type: bool) -> Option<PlainLen> {
        let suite = tls_parser::TlsCipherSuite::from_id(self.facts.cipher?)?;
        let tag: u32 = if suite.name.ends_with("_CCM_8") || suite.name.ends_with("CCM_8_SHA256") {
            8
        } else {
            16
        };
        let overhead = match (suite.enc, suite.enc_mode) {
            (tls_parser::TlsCipherEnc::Chacha20_Poly1305, _) => tag,
            (_, tls_parser::TlsCipherEncMode::Gcm | tls_parser::TlsCipherEncMode::Ccm) => {
                if tls13 {
                    tag
                } else {
                    8 + tag
                }
            }
            _ => return None,
        };
        let plain = len.checked_sub(overhead)?;
        Some(if inner_type {
            PlainLen {
                min: 0,
                max: plain.checked_sub(1)?,
            }
        } else {
            PlainLen {
                min: plain,
                max: plain,
            }
        })
    }

    /// The handshake fragments of a plaintext handshake record.
    fn handshake_record(
        &mut self,
        dir: Direction,
        at: u64,
        body: &[u8],
        record_version: TlsVersion,
        out: &mut Emitter,
    ) {
        let mut pos = 0usize;
        while pos < body.len() {
            let rest = body.get(pos..).unwrap_or(&[]);
            let here = at + pos as u64;
            let mut rd = Reader::new(rest);
            let (Some(t), Some(length), Some(seq), Some(offset), Some(frag_len)) =
                (rd.u8(), rd.u24(), rd.u16(), rd.u24(), rd.u24())
            else {
                out.field(here..at + body.len() as u64, DTLS_HS_BODY);
                out.note(
                    here..at + body.len() as u64,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!(
                        "{} bytes left in a DTLS handshake record: too few for a handshake header",
                        rest.len()
                    ),
                );
                return;
            };
            let h = HsHeader {
                msg: HandshakeType(t),
                length,
                seq,
                offset,
                frag_len,
            };
            out.field(r(here, hs::TYPE), DTLS_HS_TYPE);
            out.field(r(here, hs::LENGTH), DTLS_HS_LENGTH);
            out.field(r(here, hs::MSG_SEQ), DTLS_HS_MSG_SEQ);
            out.field(r(here, hs::FRAG_OFFSET), DTLS_HS_FRAG_OFFSET);
            out.field(r(here, hs::FRAG_LENGTH), DTLS_HS_FRAG_LENGTH);
            let data_at = pos + hs::LEN;
            let want = frag_len as usize;
            let data = match body.get(data_at..data_at.saturating_add(want)) {
                Some(d) => d,
                None => {
                    let d = body.get(data_at..).unwrap_or(&[]);
                    out.note(
                        here..at + body.len() as u64,
                        Severity::Warn,
                        NoteGroup::Truncated,
                        format!(
                            "{} fragment declares {want} bytes, its record holds {}",
                            h.msg,
                            d.len()
                        ),
                    );
                    d
                }
            };
            self.fragment(dir, here, h, data, record_version, out);
            pos = data_at + data.len();
        }
    }

    /// One handshake fragment (its header at `at`, its bytes `data`, which may be
    /// fewer than the header says when the record was cut).
    fn fragment(
        &mut self,
        dir: Direction,
        at: u64,
        h: HsHeader,
        data: &[u8],
        record_version: TlsVersion,
        out: &mut Emitter,
    ) {
        let data_at = at + hs::LEN as u64;
        let data_range = data_at..data_at + data.len() as u64;
        let version = self.label_version(record_version);
        let event = |detail: Vec<String>, version: TlsVersion, out: &mut Emitter| {
            out.event(
                at,
                Desc::TlsHandshake {
                    version,
                    msg: h.msg,
                    detail,
                },
            );
        };
        if h.offset.saturating_add(h.frag_len) > h.length {
            out.field(data_range.clone(), DTLS_HS_BODY);
            out.note(
                at..data_range.end,
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "{} fragment at offset {} of {} bytes runs past the message length {}",
                    h.msg, h.offset, h.frag_len, h.length
                ),
            );
            event(vec!["malformed fragment".into()], version, out);
            return;
        }
        let whole = h.offset == 0 && h.frag_len == h.length && data.len() == h.length as usize;
        if whole {
            // A message in one fragment describes itself: parse its own bytes (a
            // retransmission gets the same labels), and compare with a first copy.
            let parsed = self.parse(h.msg, data, data_at, out);
            let differs = {
                let state = self.dir(dir);
                match state.find(h.seq) {
                    Some(i) => state
                        .messages
                        .get(i)
                        .is_some_and(|m| m.msg != h.msg || m.disagrees(data)),
                    None => false,
                }
            };
            if differs {
                out.note(
                    at..data_range.end,
                    Severity::Warn,
                    NoteGroup::Sequence,
                    format!(
                        "{} with message_seq {} differs from the message seen before with that number",
                        h.msg, h.seq
                    ),
                );
            } else {
                self.remember(dir, h, data, &parsed);
            }
            label_body(data_at, 0, data.len(), &parsed.spans, out);
            event(parsed.detail, parsed.version.unwrap_or(version), out);
            return;
        }
        if h.length as usize > MAX_MESSAGE {
            out.field(data_range.clone(), DTLS_HS_BODY);
            out.note(
                at..data_range.end,
                Severity::Note,
                NoteGroup::Reassembly,
                format!(
                    "{} of {} bytes is larger than the {} KiB reassembly bound: fragment \
                     labelled readable as it arrives, message not parsed",
                    h.msg,
                    h.length,
                    MAX_MESSAGE / 1024
                ),
            );
            event(vec!["fragment".into()], version, out);
            return;
        }
        let Some(i) = self.track(dir, h, at, data_range.end, out) else {
            out.field(data_range, DTLS_HS_BODY);
            event(vec!["fragment".into()], version, out);
            return;
        };
        let state = self.dir(dir);
        let Some(m) = state.messages.get_mut(i) else {
            return;
        };
        let was_parsed = m.parsed.is_some();
        match m.add(h.offset, data) {
            Some(true) => out.note(
                at..data_range.end,
                Severity::Warn,
                NoteGroup::Reassembly,
                format!(
                    "{} fragment overlaps bytes seen before with different content: \
                     the first copy wins",
                    h.msg
                ),
            ),
            Some(false) => {}
            None => {
                // Too many pieces: give the message up.
                let seq = m.seq;
                let len = m.bytes.len();
                state.messages.remove(i);
                state.buffered = state.buffered.saturating_sub(len);
                out.field(data_range.clone(), DTLS_HS_BODY);
                out.note(
                    at..data_range.end,
                    Severity::Note,
                    NoteGroup::Reassembly,
                    format!(
                        "message_seq {seq} arrived in more than {MAX_PIECES} separate pieces: \
                         reassembly given up, fragments labelled readable"
                    ),
                );
                event(vec!["fragment".into()], version, out);
                return;
            }
        }
        if m.complete() && !was_parsed {
            let bytes = std::mem::take(&mut m.bytes);
            let msg = m.msg;
            let parsed = self.parse(msg, &bytes, data_at, out);
            let state = self.dir(dir);
            if let Some(m) = state.messages.get_mut(i) {
                m.bytes = bytes;
                m.parsed = Some(parsed.clone());
            }
            label_body(data_at, h.offset as usize, data.len(), &parsed.spans, out);
            let mut detail = parsed.detail;
            detail.push("reassembled".into());
            event(detail, parsed.version.unwrap_or(version), out);
        } else if let Some(parsed) = m.parsed.clone() {
            // A fragment of a message already whole: a retransmission.
            label_body(data_at, h.offset as usize, data.len(), &parsed.spans, out);
            let mut detail = parsed.detail;
            detail.push("retransmission".into());
            event(detail, parsed.version.unwrap_or(version), out);
        } else {
            // Not whole yet: readable, with a ClientHello's names marked once the
            // bytes before them are here.
            let leaks = if m.msg == HandshakeType::CLIENT_HELLO {
                client_hello_prefix_leaks(m.prefix())
            } else {
                Fields::new()
            };
            label_body(data_at, h.offset as usize, data.len(), &leaks, out);
            event(vec!["fragment".into()], version, out);
        }
    }

    /// The index of the tracked message a fragment belongs to, making room for a new
    /// one; `None` when it cannot be reassembled (a note says why).
    fn track(
        &mut self,
        dir: Direction,
        h: HsHeader,
        at: u64,
        end: u64,
        out: &mut Emitter,
    ) -> Option<usize> {
        let state = self.dir(dir);
        if let Some(i) = state.find(h.seq) {
            let m = state.messages.get(i)?;
            if m.msg == h.msg && m.length == h.length {
                return Some(i);
            }
            out.note(
                at..end,
                Severity::Warn,
                NoteGroup::Reassembly,
                format!(
                    "{} fragment with message_seq {} disagrees with the message seen before \
                     ({} of {} bytes): labelled as it arrives",
                    h.msg, h.seq, m.msg, m.length
                ),
            );
            return None;
        }
        let length = h.length as usize;
        let given_up = state.make_room(length);
        if !given_up.is_empty() || (state.messages.len() >= MAX_MESSAGES - 1 && !state.bound_noted)
        {
            if !state.bound_noted || !given_up.is_empty() {
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Reassembly,
                    format!(
                        "more than {MAX_MESSAGES} handshake messages in flight in this direction: \
                         the oldest are forgotten{}",
                        if given_up.is_empty() {
                            String::new()
                        } else {
                            format!(" (message_seq {given_up:?} not reassembled)")
                        }
                    ),
                );
            }
            state.bound_noted = true;
        }
        if state.buffered + length > MAX_BUFFERED {
            return None;
        }
        state.order += 1;
        state.buffered += length;
        state.messages.push(Message {
            seq: h.seq,
            msg: h.msg,
            length: h.length,
            bytes: vec![0; length],
            have: Vec::new(),
            parsed: None,
            order: state.order,
        });
        Some(state.messages.len() - 1)
    }

    /// Remembers a message that came whole (for a later retransmission in fragments,
    /// and to compare copies), if there is room.
    fn remember(&mut self, dir: Direction, h: HsHeader, data: &[u8], parsed: &Parsed) {
        let state = self.dir(dir);
        if state.find(h.seq).is_some() {
            return;
        }
        let _ = state.make_room(data.len());
        if state.buffered + data.len() > MAX_BUFFERED {
            return;
        }
        state.order += 1;
        state.buffered += data.len();
        state.messages.push(Message {
            seq: h.seq,
            msg: h.msg,
            length: h.length,
            bytes: data.to_vec(),
            have: if data.is_empty() {
                Vec::new()
            } else {
                std::iter::once(0..h.length).collect()
            },
            parsed: Some(parsed.clone()),
            order: state.order,
        });
    }

    /// Learns from a whole message: its field spans, details, and the flow's facts.
    /// `at` places the events it emits (leaks).
    fn parse(&mut self, msg: HandshakeType, body: &[u8], at: u64, out: &mut Emitter) -> Parsed {
        let mut p = Parsed::default();
        match msg {
            HandshakeType::CLIENT_HELLO => match dtls_client_hello(body) {
                Some((ch, cookie)) => {
                    if let Some(dec) = self.dec.as_mut() {
                        dec.client_hello(body);
                    }
                    if let Some(name) = ch.server_names.first() {
                        let sni = String::from_utf8_lossy(&name.value).into_owned();
                        p.detail.push(format!("SNI={sni}"));
                        out.event(
                            at,
                            Desc::Leak {
                                kind: LeakKind::ServerName,
                                value: sni.clone(),
                            },
                        );
                        self.facts.sni.get_or_insert(sni);
                    }
                    if let Some(shown) = self.facts.offer_alpn(&ch) {
                        p.detail.push(shown);
                    }
                    if !cookie.is_empty() {
                        p.detail.push(format!("cookie {} bytes", cookie.len()));
                    }
                    let offered = dtls_max_version(&ch);
                    self.facts.client_hello_seen = true;
                    self.facts.offered = Some(offered);
                    self.client_session_id = ch.session_id.clone();
                    if self.facts.ja4.is_none() {
                        self.facts.ja3 = Some(fingerprint::ja3(&ch));
                        self.facts.ja4 = Some(fingerprint::ja4_dtls(&ch));
                    }
                    if let Some(cid) = hello_extension(body, true, EXT_CONNECTION_ID) {
                        // The client's CID is what the server puts in records to it.
                        if let Some(slot) = self.cid_len.get_mut(Direction::ToClient.index()) {
                            *slot = cid.first().map(|&n| usize::from(n));
                        }
                    }
                    p.version = Some(offered);
                    p.spans = ch.spans;
                }
                None => {
                    out.note(
                        at..at + body.len() as u64,
                        Severity::Warn,
                        NoteGroup::Malformed,
                        "ClientHello could not be parsed".into(),
                    );
                }
            },
            HandshakeType::SERVER_HELLO => match dtls_server_hello(body) {
                Some(sh) => {
                    if let Some(dec) = self.dec.as_mut() {
                        dec.server_hello(body, &sh, out, at);
                    }
                    self.facts.server_hello_seen = true;
                    if sh.retry_request {
                        p.detail.push("HelloRetryRequest".into());
                    }
                    self.facts.cipher = Some(sh.cipher);
                    self.facts.version = Some(sh.selected);
                    p.detail
                        .push(format!("cipher={}", tls::cipher_name(sh.cipher)));
                    let resumed = if sh.selected == TlsVersion::DTLS13 {
                        sh.psk
                    } else {
                        !sh.session_id.is_empty() && sh.session_id == self.client_session_id
                    };
                    if resumed {
                        self.facts.resumed = true;
                        p.detail.push("resumed".into());
                    }
                    if let Some(a) = sh.alpn.first() {
                        let a = String::from_utf8_lossy(&a.value).into_owned();
                        p.detail.push(format!("ALPN={a}"));
                        self.facts.alpn_chosen = Some(a);
                    }
                    if self.facts.ja3s.is_none() && !sh.retry_request {
                        self.facts.ja3s = Some(fingerprint::ja3s(&sh));
                    }
                    if let Some(srtp) = hello_extension(body, false, EXT_USE_SRTP) {
                        // profiles<2..2^16-1> (one chosen), then srtp_mki<0..255>.
                        let mut rd = Reader::new(srtp);
                        let profile = rd.prefixed_u16().and_then(|mut l| l.u16());
                        let mki = rd.u8().map_or(0, usize::from);
                        if let Some(profile) = profile {
                            self.srtp_profile = Some((profile, mki));
                            p.detail
                                .push(format!("SRTP={}", srtp_profile_name(profile)));
                        }
                    }
                    if let Some(cid) = hello_extension(body, false, EXT_CONNECTION_ID) {
                        if let Some(slot) = self.cid_len.get_mut(Direction::ToServer.index()) {
                            *slot = cid.first().map(|&n| usize::from(n));
                        }
                    }
                    p.version = Some(sh.selected);
                    p.spans = sh.spans;
                }
                None => out.note(
                    at..at + body.len() as u64,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    "ServerHello could not be parsed".into(),
                ),
            },
            HandshakeType::HELLO_VERIFY_REQUEST => {
                // server_version, cookie<0..2^8-1> (RFC 6347 section 4.2.1).
                let mut rd = Reader::new(body);
                if let (Some(v), Some(cookie)) = (rd.u16(), rd.prefixed_u8()) {
                    p.spans = vec![
                        (0..2, super::tls::fields::TLS_HS_VERSION),
                        (2..3 + cookie.left(), DTLS_HS_COOKIE),
                    ];
                    p.detail.push(format!("cookie {} bytes", cookie.left()));
                    let _ = v;
                }
            }
            HandshakeType::CERTIFICATE => {
                if let Some(certs) = handshake::certificate(body) {
                    if let Some(first) = certs.certs.first() {
                        p.detail.push(format!("CN={}", first.short_subject()));
                        p.detail.push(format!("issuer={}", first.short_issuer()));
                    }
                    let n = certs.certs.len() + certs.malformed.len();
                    if n > 1 {
                        p.detail.push(format!("{n} certificates"));
                    }
                    for c in &certs.certs {
                        let names = tls::CertNames {
                            subject: c.subject.clone(),
                            issuer: c.issuer.clone(),
                            sans: c.sans.clone(),
                        };
                        // A retransmitted Certificate teaches nothing new.
                        if self.facts.certificates.len() < 8
                            && !self.facts.certificates.contains(&names)
                        {
                            self.facts.certificates.push(names);
                        }
                        for v in [&c.subject, &c.issuer].into_iter().chain(c.sans.iter()) {
                            out.event(
                                at,
                                Desc::Leak {
                                    kind: LeakKind::CertificateName,
                                    value: v.clone(),
                                },
                            );
                        }
                    }
                    if !certs.malformed.is_empty() {
                        out.note(
                            at..at + body.len() as u64,
                            Severity::Warn,
                            NoteGroup::Malformed,
                            format!(
                                "{} certificate(s) in the chain are not valid DER: readable, names not read",
                                certs.malformed.len()
                            ),
                        );
                    }
                    p.spans = certs.spans;
                }
            }
            _ => {}
        }
        p
    }

    /// The SRTP protection profile's name, if one was negotiated.
    pub fn srtp_profile_name(&self) -> Option<String> {
        self.srtp_profile.map(|(p, _)| srtp_profile_name(p))
    }
}

/// Extension types the DTLS dissector reads itself.
const EXT_USE_SRTP: u16 = 14;
/// connection_id (RFC 9146 section 3); 53 was its draft number.
const EXT_CONNECTION_ID: u16 = 54;

/// SRTP protection profiles (RFC 5764 section 4.1.2, RFC 7714 section 14.2).
pub fn srtp_profile_name(p: u16) -> String {
    match p {
        0x0001 => "SRTP_AES128_CM_HMAC_SHA1_80".into(),
        0x0002 => "SRTP_AES128_CM_HMAC_SHA1_32".into(),
        0x0005 => "SRTP_NULL_HMAC_SHA1_80".into(),
        0x0006 => "SRTP_NULL_HMAC_SHA1_32".into(),
        0x0007 => "SRTP_AEAD_AES_128_GCM".into(),
        0x0008 => "SRTP_AEAD_AES_256_GCM".into(),
        p => format!("SRTP profile {p:#06x}"),
    }
}

/// Labels the fragment of a message body at message offset `offset` (`len` bytes,
/// first byte at frame offset `at`) with the message-relative `spans`; bytes between
/// them are plain handshake body.
fn label_body(
    at: u64,
    offset: usize,
    len: usize,
    spans: &[(Range<usize>, FieldId)],
    out: &mut Emitter,
) {
    let frag = offset..offset + len;
    let place =
        |range: Range<usize>| at + (range.start - offset) as u64..at + (range.end - offset) as u64;
    let mut cursor = frag.start;
    for (range, field) in spans {
        let s = range.start.max(frag.start).max(cursor);
        let e = range.end.min(frag.end);
        if s >= e {
            continue;
        }
        out.field(place(cursor..s), DTLS_HS_BODY);
        out.span(place(s..e), *field, field.def().vis);
        cursor = e;
    }
    out.field(place(cursor..frag.end), DTLS_HS_BODY);
}

/// The connection ID length that makes a record end exactly at the end of `b`: the
/// length field sits `cid` bytes after `at`. When the hellos were not seen, the only
/// evidence is the datagram (the last record fills it).
fn guess_cid(b: &[u8], at: usize) -> Option<usize> {
    (0..=MAX_GUESSED_CID).find(|&n| {
        crate::codec::be16(b, at + n).is_some_and(|l| at + n + 2 + usize::from(l) == b.len())
    })
}

/// The highest DTLS version a ClientHello offers (DTLS numbers count down).
fn dtls_max_version(ch: &handshake::ClientHello) -> TlsVersion {
    ch.versions
        .iter()
        .copied()
        .filter(|v| v.is_dtls())
        .min_by_key(|v| v.0 & 0xff)
        .unwrap_or(TlsVersion(ch.legacy_version))
}

/// Where a DTLS ClientHello's cookie sits: after version, random and session id.
fn cookie_at(body: &[u8]) -> Option<(usize, usize)> {
    let sid = usize::from(*body.get(34)?);
    let at = 35 + sid;
    let len = usize::from(*body.get(at)?);
    Some((at, 1 + len))
}

/// Parses a DTLS ClientHello: a TLS ClientHello with `cookie<0..2^8-1>` after the
/// session id (RFC 6347 section 4.2.1). The TLS parser reads the hello with the cookie
/// cut out; its spans are moved back around it. Returns the hello and the cookie.
fn dtls_client_hello(body: &[u8]) -> Option<(handshake::ClientHello, Vec<u8>)> {
    let (at, n) = cookie_at(body)?;
    let mut tls_body = body.get(..at)?.to_vec();
    tls_body.extend_from_slice(body.get(at + n..)?);
    let mut ch = handshake::client_hello(&tls_body)?;
    let shift = |r: &mut Range<usize>| {
        if r.start >= at {
            r.start += n;
            r.end += n;
        }
    };
    for (range, _) in &mut ch.spans {
        shift(range);
    }
    for l in ch.server_names.iter_mut().chain(ch.alpn.iter_mut()) {
        shift(&mut l.range);
    }
    ch.spans.push((at..at + n, DTLS_HS_COOKIE));
    ch.spans.sort_by_key(|(r, _)| r.start);
    let cookie = body.get(at + 1..at + n)?.to_vec();
    Some((ch, cookie))
}

/// Parses a DTLS ServerHello: TLS's layout, with a DTLS version the TLS parser does
/// not accept; it reads the hello as version 0x0303 and the version is put back.
fn dtls_server_hello(body: &[u8]) -> Option<handshake::ServerHello> {
    let mut rd = Reader::new(body);
    let legacy = rd.u16()?;
    let mut copy = Vec::with_capacity(body.len());
    copy.extend_from_slice(&TlsVersion::TLS12.0.to_be_bytes());
    copy.extend_from_slice(rd.rest());
    let mut sh = handshake::server_hello(&copy)?;
    sh.legacy_version = legacy;
    if sh.selected == TlsVersion::TLS12 {
        // No supported_versions (DTLS ≤ 1.2): the hello's own version.
        sh.selected = TlsVersion(legacy);
    }
    Some(sh)
}

/// The data of extension `kind` in a whole DTLS ClientHello (`client`) or
/// ServerHello body.
fn hello_extension(body: &[u8], client: bool, kind: u16) -> Option<&[u8]> {
    let mut rd = Reader::new(body);
    rd.skip(34)?;
    rd.prefixed_u8()?; // session id
    if client {
        rd.prefixed_u8()?; // cookie
        rd.prefixed_u16()?; // cipher suites
        rd.prefixed_u8()?; // compression methods
    } else {
        rd.skip(3)?; // cipher suite, compression method
    }
    let mut exts = rd.prefixed_u16()?;
    while !exts.is_empty() {
        let t = exts.u16()?;
        let data = exts.prefixed_u16()?;
        if t == kind {
            return Some(data.rest());
        }
    }
    None
}

/// The server names and ALPN values of a ClientHello whose first bytes are `prefix`
/// (DTLS layout, the rest not arrived yet): message-relative spans of the values that
/// are whole in the prefix.
fn client_hello_prefix_leaks(prefix: &[u8]) -> Fields {
    let mut out = Fields::new();
    let mut rd = Reader::new(prefix);
    let walk = (|| {
        rd.skip(34)?;
        rd.prefixed_u8()?;
        rd.prefixed_u8()?;
        rd.prefixed_u16()?;
        rd.prefixed_u8()?;
        rd.u16()?; // extensions length: the block may run past the prefix
        loop {
            let t = rd.u16()?;
            let data_at = rd.pos() + 2;
            let mut data = rd.prefixed_u16()?;
            match t {
                handshake::EXT_SERVER_NAME => {
                    let mut list = data.prefixed_u16()?;
                    while !list.is_empty() {
                        let at = data_at + 2 + list.pos();
                        let _kind = list.u8()?;
                        let name = list.prefixed_u16()?;
                        let start = at + 3;
                        out.push((start..start + name.left(), super::tls::fields::TLS_HS_SNI));
                    }
                }
                handshake::EXT_ALPN => {
                    let mut list = data.prefixed_u16()?;
                    while !list.is_empty() {
                        let at = data_at + 2 + list.pos();
                        let name = list.prefixed_u8()?;
                        out.push((
                            at + 1..at + 1 + name.left(),
                            super::tls::fields::TLS_HS_ALPN,
                        ));
                    }
                }
                _ => {}
            }
        }
    })();
    let _: Option<()> = walk;
    out
}

#[cfg(test)]
mod tests;

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

mod fragments;
mod hello;
mod record;
#[cfg(test)]
mod tests;

use hello::*;

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
    client_session_id: crate::proto::tls::handshake::SessionId,
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
}

//! QUIC (RFC 9000, RFC 9001, QUIC v2 RFC 9369): what an observer reads of it.
//!
//! Initial packets are encrypted, but with keys derived from the client's first
//! Destination Connection ID, which travels in the clear: anyone on the path can
//! decrypt them (RFC 9001 section 5.2). So the ClientHello inside (SNI, ALPN) is as
//! readable as TLS over TCP, and eavesdrop labels Initial payloads readable, with the
//! SNI bytes marked where they sit (AES-GCM keeps plaintext and ciphertext aligned).
//! Handshake, 0-RTT and 1-RTT packets are opaque.

mod decrypt;
pub mod gquic;
mod keys;
mod midstream;

use super::registry::{Detect, Probe, Protocol};
use super::tls::handshake;
use super::tls::{HandshakeType, TlsVersion};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, PlainLen};
use crate::codec::{be24, be32};
use crate::note::{NoteGroup, Severity};
use crate::span::{LeakKind, Visibility};
use keys::{decrypt, initial_keys, version_params};
use std::collections::BTreeMap;

pub use midstream::MIDSTREAM;

crate::fields! {
    proto = "QUIC";
    // QUIC, RFC 9000 section 17 and RFC 9001 section 5.
    QUIC_HEADER = "quic.header", Header, Metadata, None, "packet header: form and type, lengths, token, and an Initial's packet number and AEAD tag";
    QUIC_VERSION = "quic.version", Header, Metadata, None, "version of a long-header packet (RFC 9000 section 17.2)";
    QUIC_DCID = "quic.dcid", Header, Metadata, None, "Destination Connection ID: in the clear in every packet, so an observer can link a connection's packets (RFC 9000 section 5.1)";
    QUIC_SCID = "quic.scid", Header, Metadata, None, "Source Connection ID of a long-header packet";
    QUIC_FRAME = "quic.frame", Handshake, Cleartext, None, "frame of an Initial packet (readable: Initial keys are public)";
    QUIC_CRYPTO = "quic.crypto", Handshake, Cleartext, None, "CRYPTO data of an Initial packet: TLS handshake, readable to anyone";
    QUIC_PADDING = "quic.padding", Handshake, Cleartext, None, "PADDING frames";
    QUIC_PROTECTED = "quic.protected_payload", Content, Opaque, None, "packet number and payload of a 0-RTT or 1-RTT packet: application data";
    QUIC_PROTECTED_HANDSHAKE = "quic.protected_handshake", Handshake, Opaque, None, "packet number and payload of a Handshake packet: the encrypted rest of the TLS handshake";
}

/// CRYPTO bytes gathered per direction, at most (a ClientHello with post-quantum
/// key shares is about 2 KB).
const MAX_CRYPTO: u64 = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PacketType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

/// Known version numbers, for recognising QUIC by content.
fn known_version(v: u32) -> bool {
    version_params(v).is_some() || v >> 8 == 0xff_0000 || v & 0x0f0f_0f0f == 0x0a0a_0a0a
}

fn packet_type(b0: u8, v2: bool) -> PacketType {
    let t = (b0 >> 4) & 3;
    match (v2, t) {
        (false, 0) | (true, 1) => PacketType::Initial,
        (false, 1) | (true, 2) => PacketType::ZeroRtt,
        (false, 2) | (true, 3) => PacketType::Handshake,
        _ => PacketType::Retry,
    }
}

/// Reads a variable-length integer (RFC 9000 section 16).
fn varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let first = *b.get(*pos)?;
    let len = 1usize << (first >> 6);
    let bytes = b.get(*pos..*pos + len)?;
    let mut v = u64::from(first & 0x3f);
    for &x in bytes.get(1..)? {
        v = (v << 8) | u64::from(x);
    }
    *pos += len;
    Some(v)
}

/// One direction's CRYPTO stream of Initial packets.
#[derive(Debug, Default)]
struct Crypto {
    /// Contiguous bytes from offset 0.
    data: Vec<u8>,
    /// Pieces ahead of `data`.
    ahead: BTreeMap<u64, Vec<u8>>,
    /// Offset of the next message not yet read (a HelloRetryRequest and the second
    /// ClientHello follow the first ones in the same stream).
    next: usize,
    /// Messages read; Initial packets carry only hellos, so a few are all there is.
    read: usize,
}

/// Handshake messages read per direction from Initial packets.
const MAX_MESSAGES: usize = 4;

impl Crypto {
    fn add(&mut self, offset: u64, bytes: &[u8]) {
        if self.read >= MAX_MESSAGES || offset.saturating_add(bytes.len() as u64) > MAX_CRYPTO {
            return;
        }
        self.ahead.entry(offset).or_insert_with(|| bytes.to_vec());
        while let Some(entry) = self.ahead.first_entry() {
            let at = *entry.key();
            let have = self.data.len() as u64;
            if at > have {
                break;
            }
            let piece = entry.remove();
            let skip = usize::try_from(have - at).unwrap_or(usize::MAX);
            if let Some(new) = piece.get(skip..) {
                self.data.extend_from_slice(new);
            }
        }
    }

    /// The handshake message starting at stream offset `at`, once whole.
    fn message_at(&self, at: usize) -> Option<(HandshakeType, &[u8])> {
        let len = usize::try_from(be24(&self.data, at + 1)?).ok()?;
        let head = self.data.get(at..at + 4)?;
        let body = self.data.get(at + 4..at + 4 + len)?;
        Some((HandshakeType(*head.first()?), body))
    }

    /// Every whole message from the start: (offset, type, body).
    fn messages(&self) -> Vec<(usize, HandshakeType, &[u8])> {
        let mut out = Vec::new();
        let mut at = 0;
        while out.len() < MAX_MESSAGES {
            let Some((t, body)) = self.message_at(at) else {
                break;
            };
            out.push((at, t, body));
            at += 4 + body.len();
        }
        out
    }
}

/// What one QUIC connection told an observer so far.
/// QUIC: a long header with a known version (RFC 9000 section 17.2, RFC 9369).
pub static PROTOCOL: Protocol = Protocol {
    name: "QUIC",
    detect: |p: &Probe<'_>| Detect::when(looks_like_quic(p.bytes)),
    ports: &[],
    new: |_| Box::<QuicFlow>::default(),
    fields: FIELDS,
};

impl Dissector for QuicFlow {
    fn feed(&mut self, dir: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        self.datagram(dir, base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("QUIC".into());
        facts.stack.push("TLS".into());
        let mut tls = self.facts.clone();
        tls.decryption = self.dec.as_ref().map(|d| Box::new(d.facts()));
        facts.tls = Some(tls);
    }

    fn tls(&self) -> Option<&super::tls::TlsFacts> {
        Some(&self.facts)
    }

    fn use_keys(&mut self, keys: &crate::keys::KeyRing, _ports: (u16, u16)) {
        self.dec = Some(Box::new(decrypt::QuicDecrypt::new(keys.clone(), (0, 443))));
    }
}

#[derive(Debug, Default)]
pub struct QuicFlow {
    /// The client's first Destination Connection ID: the key material of Initials.
    original_dcid: Option<Vec<u8>>,
    version: Option<u32>,
    crypto: [Crypto; 2],
    pub sni: Option<String>,
    /// What the Initials' hellos told an observer.
    pub facts: super::tls::TlsFacts,
    /// The connection IDs each side chose (the Source Connection IDs of its long
    /// headers): the Destination Connection IDs of the short headers sent to it.
    /// `[client's, server's]`.
    cids: [Option<Vec<u8>>; 2],
    /// Handshake and 1-RTT packets opened with the endpoints' key log.
    dec: Option<Box<decrypt::QuicDecrypt>>,
}

/// AEAD tag of a protected packet (AES-GCM, AES-CCM, ChaCha20-Poly1305: RFC 9001
/// section 5.3).
const TAG: u32 = 16;

/// What an observer infers of the plaintext in `protected` bytes of packet number and
/// payload: the packet number takes 1 to 4 bytes (its length is header-protected),
/// the tag 16.
fn plaintext_bounds(protected: usize) -> Option<PlainLen> {
    let p = u32::try_from(protected).ok()?;
    Some(PlainLen {
        min: p.saturating_sub(4 + TAG),
        max: p.saturating_sub(1 + TAG),
    })
}

/// True when a datagram looks like the start of QUIC: a long header with a known
/// version and sane connection ID lengths.
pub fn looks_like_quic(b: &[u8]) -> bool {
    let (Some(&b0), Some(v)) = (
        b.first(),
        b.get(1..5).and_then(|v| <[u8; 4]>::try_from(v).ok()),
    ) else {
        return false;
    };
    let version = u32::from_be_bytes(v);
    b0 & 0x80 != 0 && known_version(version) && b.get(5).is_some_and(|&l| l <= 20)
}

impl QuicFlow {
    /// Labels one datagram of `dir` whose first byte is at frame offset `at`.
    pub fn datagram(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let mut pos = 0usize;
        while pos < b.len() {
            let rest = b.get(pos..).unwrap_or(&[]);
            let here = at + pos as u64;
            match self.packet(dir, here, rest, out) {
                Some(n) if n > 0 => pos += n,
                _ => {
                    // Not a packet we can frame: trailing padding, or damage.
                    let field = if rest.iter().all(|&x| x == 0) {
                        QUIC_PADDING
                    } else {
                        crate::fields::PAYLOAD
                    };
                    out.span(here..at + b.len() as u64, field, field.def().vis);
                    return;
                }
            }
        }
    }

    /// Labels one packet; returns its length.
    fn packet(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Option<usize> {
        let b0 = *b.first()?;
        let r = |s: usize, e: usize| at + s as u64..at + e as u64;
        if b.iter().all(|&x| x == 0) {
            // Datagram padding after the last packet (RFC 9000 section 14.1).
            out.field(r(0, b.len()), QUIC_PADDING);
            return Some(b.len());
        }
        if b0 & 0x80 == 0 {
            // Short header (1-RTT): the first byte, the Destination Connection ID (its
            // length is the one the receiver chose, learnt from its long headers),
            // then the protected packet number and payload.
            let receiver = match dir {
                Direction::ToServer => 1,
                Direction::ToClient => 0,
            };
            let known = self
                .cids
                .get(receiver)
                .and_then(|c| c.as_ref())
                .filter(|c| b.get(1..1 + c.len()) == Some(c.as_slice()))
                .map(Vec::len);
            let cid = known.unwrap_or(0);
            if let (Some(d), Some(cid)) = (self.dec.as_mut(), known) {
                d.open(dir, decrypt::Space::OneRtt, b, 1 + cid, b.len(), at, out);
            }
            out.field(r(0, 1), QUIC_HEADER);
            out.field(r(1, 1 + cid), QUIC_DCID);
            out.field(r(1 + cid, b.len()), QUIC_PROTECTED);
            out.event(
                at,
                Desc::Sealed {
                    proto: "QUIC",
                    unit: "1-RTT packet",
                    len: u32::try_from(b.len()).unwrap_or(u32::MAX),
                    plaintext: plaintext_bounds(b.len().saturating_sub(1 + cid)),
                },
            );
            return Some(b.len());
        }
        let version = be32(b, 1)?;
        let mut pos = 5usize;
        let dcid_len = usize::from(*b.get(pos)?);
        let dcid = b.get(pos + 1..pos + 1 + dcid_len)?.to_vec();
        pos += 1 + dcid_len;
        let scid_len = usize::from(*b.get(pos)?);
        let scid = b.get(pos + 1..pos + 1 + scid_len)?.to_vec();
        pos += 1 + scid_len;
        out.field(r(0, 1), QUIC_HEADER);
        out.field(r(1, 5), QUIC_VERSION);
        out.field(r(5, 6), QUIC_HEADER);
        out.field(r(6, 6 + dcid_len), QUIC_DCID);
        out.field(r(6 + dcid_len, 7 + dcid_len), QUIC_HEADER);
        out.field(r(7 + dcid_len, pos), QUIC_SCID);
        if version != 0 {
            let side = match dir {
                Direction::ToServer => 0,
                Direction::ToClient => 1,
            };
            if let Some(slot) = self.cids.get_mut(side) {
                *slot = Some(scid.clone());
            }
        }
        if version == 0 {
            out.field(r(pos, b.len()), QUIC_HEADER);
            out.event(
                at,
                Desc::App {
                    proto: "QUIC",
                    text: "version negotiation".into(),
                    leaks: vec![],
                },
            );
            return Some(b.len());
        }
        let v2 = version == 0x6b33_43cf;
        let kind = packet_type(b0, v2);
        if kind == PacketType::Retry {
            out.field(r(pos, b.len()), QUIC_HEADER);
            out.event(
                at,
                Desc::App {
                    proto: "QUIC",
                    text: "Retry".into(),
                    leaks: vec![],
                },
            );
            // The client's next Initials take their keys from this Source Connection ID;
            // they are recognised by trying their own Destination Connection ID.
            let _ = scid;
            return Some(b.len());
        }
        let hdr_start = pos;
        if kind == PacketType::Initial {
            let token_len = usize::try_from(varint(b, &mut pos)?).ok()?;
            pos = pos.checked_add(token_len)?;
        }
        let length = usize::try_from(varint(b, &mut pos)?).ok()?;
        out.field(r(hdr_start, pos.min(b.len())), QUIC_HEADER);
        let pn_at = pos;
        let end = pn_at.checked_add(length)?;
        if end > b.len() {
            out.field(r(pn_at.min(b.len()), b.len()), QUIC_PROTECTED);
            out.note(
                r(0, b.len()),
                Severity::Warn,
                NoteGroup::Truncated,
                "QUIC packet longer than its datagram".into(),
            );
            return Some(b.len());
        }
        if kind != PacketType::Initial {
            let (field, unit) = if kind == PacketType::Handshake {
                (QUIC_PROTECTED_HANDSHAKE, "Handshake packet")
            } else {
                (QUIC_PROTECTED, "0-RTT packet")
            };
            out.field(r(pn_at, end), field);
            if let (Some(d), PacketType::Handshake) = (self.dec.as_mut(), kind) {
                d.open(dir, decrypt::Space::Handshake, b, pn_at, end, at, out);
            }
            out.event(
                at,
                Desc::Sealed {
                    proto: "QUIC",
                    unit,
                    len: u32::try_from(end).unwrap_or(u32::MAX),
                    plaintext: plaintext_bounds(end - pn_at),
                },
            );
            return Some(end);
        }
        // An Initial: decrypt with keys anyone can derive. The key material is the
        // client's first Destination Connection ID (or, after a Retry, the new one the
        // client then uses); a client Initial that only its own DCID opens starts a new
        // handshake on this address pair.
        if self.version.is_some_and(|v| v != version) && dir == Direction::ToServer {
            // After Version Negotiation the client starts its handshake again with the
            // same connection IDs: a new CRYPTO stream from offset 0.
            self.crypto = Default::default();
        }
        self.version = Some(version);
        let mut candidates: Vec<Vec<u8>> = self.original_dcid.iter().cloned().collect();
        if dir == Direction::ToServer && self.original_dcid.as_ref() != Some(&dcid) {
            candidates.push(dcid.clone());
        }
        let decrypted = version_params(version).and_then(|(salts, v2)| {
            candidates.iter().find_map(|cid| {
                salts.iter().find_map(|salt| {
                    let keys = initial_keys(salt, v2, cid, dir == Direction::ToClient)?;
                    decrypt(b, pn_at, end, &keys).map(|d| (cid.clone(), d))
                })
            })
        });
        let decrypted = decrypted.map(|(cid, d)| {
            if self.original_dcid.as_ref() != Some(&cid) {
                // A new key basis: a new connection, or the handshake again after Retry.
                self.original_dcid = Some(cid);
                self.crypto = Default::default();
            }
            d
        });
        let Some((pn_len, plain)) = decrypted else {
            out.field(r(pn_at, end), QUIC_PROTECTED);
            out.note(
                r(0, end),
                Severity::Note,
                NoteGroup::Undecoded,
                format!("QUIC Initial (version {version:#010x}) could not be decrypted: its keys come from a connection ID not seen"),
            );
            out.event(
                at,
                Desc::App {
                    proto: "QUIC",
                    text: "Initial".into(),
                    leaks: vec![],
                },
            );
            return Some(end);
        };
        out.field(r(pn_at, pn_at + pn_len), QUIC_HEADER);
        out.event(
            at,
            Desc::App {
                proto: "QUIC",
                text: "Initial".into(),
                leaks: vec![],
            },
        );
        let payload_at = pn_at + pn_len;
        let tag_at = end - 16;
        self.frames(dir, at + payload_at as u64, &plain, out);
        out.field(r(tag_at, end), QUIC_HEADER);
        Some(end)
    }

    /// Reads the frames of a decrypted Initial payload (RFC 9000 section 19).
    fn frames(&mut self, dir: Direction, at: u64, p: &[u8], out: &mut Emitter) {
        let mut pos = 0usize;
        let d = dir.index();
        while pos < p.len() {
            let start = pos;
            let Some(kind) = varint(p, &mut pos) else {
                break;
            };
            match kind {
                0x00 => {
                    while p.get(pos) == Some(&0) {
                        pos += 1;
                    }
                    out.field(at + start as u64..at + pos as u64, QUIC_PADDING);
                    continue;
                }
                0x01 => {}
                0x02 | 0x03 => {
                    let ok = (|| {
                        varint(p, &mut pos)?;
                        varint(p, &mut pos)?;
                        let ranges = varint(p, &mut pos)?;
                        varint(p, &mut pos)?;
                        for _ in 0..ranges.min(256) {
                            varint(p, &mut pos)?;
                            varint(p, &mut pos)?;
                        }
                        if kind == 0x03 {
                            for _ in 0..3 {
                                varint(p, &mut pos)?;
                            }
                        }
                        Some(())
                    })();
                    if ok.is_none() {
                        break;
                    }
                }
                0x06 => {
                    let (Some(offset), Some(len)) = (varint(p, &mut pos), varint(p, &mut pos))
                    else {
                        break;
                    };
                    let len = usize::try_from(len).unwrap_or(usize::MAX);
                    out.field(at + start as u64..at + pos as u64, QUIC_FRAME);
                    let Some(data) = p.get(pos..pos.saturating_add(len)) else {
                        break;
                    };
                    if let Some(c) = self.crypto.get_mut(d) {
                        c.add(offset, data);
                    }
                    // Leak spans inside this frame, if the hello's facts sit here.
                    self.crypto_spans(d, offset, at + pos as u64, data.len(), out);
                    pos += len;
                    continue;
                }
                0x1c | 0x1d => {
                    let ok = (|| {
                        varint(p, &mut pos)?;
                        if kind == 0x1c {
                            varint(p, &mut pos)?;
                        }
                        let reason = usize::try_from(varint(p, &mut pos)?).ok()?;
                        pos = pos.checked_add(reason)?;
                        Some(())
                    })();
                    if ok.is_none() || pos > p.len() {
                        break;
                    }
                }
                _ => break,
            }
            out.field(at + start as u64..at + pos.min(p.len()) as u64, QUIC_FRAME);
        }
        if pos < p.len() {
            out.field(at + pos as u64..at + p.len() as u64, QUIC_FRAME);
        }
        self.hello(dir, at, out);
    }

    /// Labels the CRYPTO bytes of a frame: readable, with the hello's SNI and ALPN as
    /// leaks where they fall in this frame.
    fn crypto_spans(&mut self, d: usize, offset: u64, at: u64, len: usize, out: &mut Emitter) {
        let mut leaks: Vec<(std::ops::Range<u64>, crate::fields::FieldId)> = Vec::new();
        if let Some(c) = self.crypto.get(d) {
            for (msg_at, t, body) in c.messages() {
                if t != HandshakeType::CLIENT_HELLO {
                    continue;
                }
                if let Some(ch) = handshake::client_hello(body) {
                    for (range, field) in ch.spans {
                        // Offsets in the crypto stream: 4 header bytes before the body.
                        let s = (msg_at + 4 + range.start) as u64;
                        let e = (msg_at + 4 + range.end) as u64;
                        leaks.push((s..e, field));
                    }
                }
            }
        }
        let frame = offset..offset + len as u64;
        let mut cursor = frame.start;
        for (r, field) in leaks {
            let s = r.start.max(frame.start);
            let e = r.end.min(frame.end);
            if s >= e || s < cursor {
                continue;
            }
            out.field(at + (cursor - offset)..at + (s - offset), QUIC_CRYPTO);
            out.span(
                at + (s - offset)..at + (e - offset),
                field,
                Visibility::Cleartext,
            );
            cursor = e;
        }
        out.field(
            at + (cursor - offset)..at + (frame.end - offset),
            QUIC_CRYPTO,
        );
    }

    /// Reports each hello once its CRYPTO bytes are complete.
    fn hello(&mut self, dir: Direction, at: u64, out: &mut Emitter) {
        let d = dir.index();
        loop {
            let Some(c) = self.crypto.get_mut(d) else {
                return;
            };
            if c.read >= MAX_MESSAGES {
                return;
            }
            let Some((msg, body)) = c.message_at(c.next) else {
                return;
            };
            let body = body.to_vec();
            c.next += 4 + body.len();
            c.read += 1;
            if c.read >= MAX_MESSAGES {
                c.ahead.clear();
            }
            self.one_hello(msg, &body, at, out);
        }
    }

    fn one_hello(&mut self, msg: HandshakeType, body: &[u8], at: u64, out: &mut Emitter) {
        let mut detail = Vec::new();
        let mut version = TlsVersion::TLS13;
        match msg {
            HandshakeType::CLIENT_HELLO => {
                if let Some(d) = self.dec.as_mut() {
                    d.client_hello(body);
                }
                if let Some(ch) = handshake::client_hello(body) {
                    if let Some(n) = ch.server_names.first() {
                        let sni = crate::text::lossy(&n.value).into_owned();
                        detail.push(format!("SNI={sni}"));
                        out.event(
                            at,
                            Desc::Leak {
                                kind: LeakKind::ServerName,
                                value: sni.clone(),
                            },
                        );
                        self.sni.get_or_insert(sni.clone());
                        self.facts.sni.get_or_insert(sni);
                    }
                    if let Some(shown) = self.facts.offer_alpn(&ch) {
                        detail.push(shown);
                    }
                    version = ch.max_version();
                    self.facts.client_hello_seen = true;
                    self.facts.offered.get_or_insert(version);
                    if out.fingerprints() && self.facts.ja4.is_none() {
                        self.facts.ja3 = Some(super::tls::fingerprint::ja3(&ch));
                        self.facts.ja4 = Some(super::tls::fingerprint::ja4(&ch, true));
                    }
                }
            }
            HandshakeType::SERVER_HELLO => {
                if let Some(sh) = handshake::server_hello(body) {
                    version = sh.selected;
                    if sh.retry_request {
                        detail.push("HelloRetryRequest".into());
                    }
                    detail.push(format!("cipher={}", super::tls::cipher_name(sh.cipher)));
                    if !sh.retry_request {
                        if let Some(d) = self.dec.as_mut() {
                            d.server_hello(sh.cipher, self.version.unwrap_or(1));
                        }
                        self.facts.server_hello_seen = true;
                        self.facts.version = Some(sh.selected);
                        self.facts.cipher = Some(sh.cipher);
                        if let Some(a) = sh.alpn.first() {
                            self.facts.alpn_chosen =
                                Some(crate::text::lossy(&a.value).into_owned());
                        }
                        if out.fingerprints() && self.facts.ja3s.is_none() {
                            self.facts.ja3s = Some(super::tls::fingerprint::ja3s(&sh));
                        }
                    }
                }
            }
            _ => {}
        }
        out.event(
            at,
            Desc::TlsHandshake {
                version,
                msg,
                detail,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        let b = [0x25, 0x7b, 0xbd, 0x9d, 0x7f, 0x3e, 0x7d];
        let mut pos = 0;
        assert_eq!(varint(&b, &mut pos), Some(37));
        assert_eq!(varint(&b, &mut pos), Some(15293));
        assert_eq!(varint(&[0xc2, 0x19], &mut 0), None, "cut short");
    }

    #[test]
    fn garbage_with_a_long_header_bit_never_panics() {
        let mut q = QuicFlow::default();
        let mut out = Emitter::default();
        for n in 0..64u8 {
            let mut b = vec![0xc0, 0, 0, 0, 1, 8];
            b.extend((0..n).map(|i| i.wrapping_mul(37)));
            q.datagram(Direction::ToServer, 0, &b, &mut out);
        }
    }
}

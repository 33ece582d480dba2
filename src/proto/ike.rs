//! IKE, the key exchange of IPsec: IKEv2 (RFC 7296) and IKEv1/ISAKMP (RFC 2408,
//! RFC 2409), over UDP 500 (and 4500 after the non-ESP marker: `proto::esp`).
//!
//! The 28-byte header (SPIs, next payload, version, exchange type, flags, message ID,
//! length) is metadata. Then a chain of payloads, each with a 4-byte generic header:
//! - IKEv2 IKE_SA_INIT travels in the clear: the SA proposals (whose transforms name
//!   the ciphers an observer then knows), KE (a Diffie-Hellman public value), nonces,
//!   notifications and vendor IDs are readable. Everything else (IDi/IDr, AUTH,
//!   certificates, traffic selectors) travels inside the Encrypted payload SK (46) or
//!   Encrypted Fragment SKF (53, RFC 7383): opaque.
//! - IKEv1 encrypts everything after the header when the header's E flag is set (Main
//!   Mode from its fifth message, Quick Mode, most Informational). Aggressive Mode
//!   (exchange 4) sends the Identification payload in its first two messages in the
//!   clear: a user or host name an observer reads (a leak), and with a pre-shared key
//!   a hash an attacker can test passwords against offline.
//!
//! The walk is bounded: at most [`MAX_PAYLOADS`] payloads per message; a payload whose
//! length runs past the message, or is shorter than its header, ends the walk with a
//! note and the rest undecoded. Each datagram is one message and nothing is buffered.

use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::codec::{be16, be32, Reader};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::net::{Ipv4Addr, Ipv6Addr};

crate::fields! {
    proto = "IKE";
    // ISAKMP/IKE header, RFC 7296 section 3.1 and RFC 2408 section 3.1; Wireshark's names.
    ISAKMP_ISPI = "isakmp.ispi", Header, Metadata, None, "initiator's SPI (cookie)";
    ISAKMP_RSPI = "isakmp.rspi", Header, Metadata, None, "responder's SPI (cookie)";
    ISAKMP_NEXTPAYLOAD = "isakmp.nextpayload", Header, Metadata, None, "type of the first payload";
    ISAKMP_VERSION = "isakmp.version", Header, Metadata, None, "major and minor version";
    ISAKMP_EXCHTYPE = "isakmp.exchtype", Header, Metadata, None, "exchange type";
    ISAKMP_FLAGS = "isakmp.flags", Header, Metadata, None, "flags (IKEv2: initiator, response; IKEv1: encryption, commit)";
    ISAKMP_MESSAGEID = "isakmp.messageid", Header, Metadata, None, "message ID";
    ISAKMP_LENGTH = "isakmp.length", Header, Metadata, None, "length of the whole message";
    // Payloads, RFC 7296 section 3.2-3.16 and RFC 2408 section 3.2-3.15.
    ISAKMP_PAYLOAD = "isakmp.payload", Header, Metadata, None, "generic payload header: next payload, flags, length";
    ISAKMP_SA = "isakmp.sa", Handshake, Cleartext, None, "Security Association: proposals and their transforms (ciphers, MACs, groups)";
    ISAKMP_KE = "isakmp.ke", Handshake, Cleartext, None, "Key Exchange: a Diffie-Hellman public value";
    ISAKMP_NONCE = "isakmp.nonce", Handshake, Cleartext, None, "nonce";
    ISAKMP_ID_TYPE = "isakmp.id.type", Handshake, Cleartext, None, "identification type (and IKEv1 protocol and port)";
    ISAKMP_ID = "isakmp.id.data", Handshake, Cleartext, Some(Identity), "identification data in the clear: a user, host, address or key ID";
    ISAKMP_AUTH = "isakmp.auth", Handshake, Cleartext, None, "authentication data (IKEv1 HASH or SIG, IKEv2 AUTH) in the clear";
    ISAKMP_CERT = "isakmp.cert", Handshake, Cleartext, None, "certificate or certificate request in the clear";
    ISAKMP_NOTIFY = "isakmp.notify", Handshake, Cleartext, None, "notification";
    ISAKMP_VID = "isakmp.vid", Handshake, Cleartext, None, "vendor ID: names the implementation or a feature";
    ISAKMP_BODY = "isakmp.payload.body", Handshake, Cleartext, None, "other payload in the clear (traffic selectors, NAT detection, delete…)";
    ISAKMP_SKF = "isakmp.skf.fragment", Header, Metadata, None, "fragment number and count of an Encrypted Fragment (RFC 7383 section 2.5)";
    ISAKMP_SK = "isakmp.enc.data", Handshake, Opaque, None, "Encrypted payload (IKEv2 SK, RFC 7296 section 3.14): IV, encrypted payloads (identities, AUTH, traffic selectors), ICV";
    ISAKMP_ENCRYPTED = "isakmp.encrypted", Handshake, Opaque, None, "IKEv1 payloads of a message whose E flag is set (RFC 2408 section 3.1)";
}

/// Payloads walked per message, at most.
pub const MAX_PAYLOADS: usize = 64;
/// Proposals and transforms read per SA payload, at most.
const MAX_PROPOSALS: usize = 16;
const MAX_TRANSFORMS: usize = 64;
/// Proposals kept per flow for its facts, and identities.
const MAX_KEPT: usize = 8;

/// The IKE header, RFC 7296 section 3.1.
mod hdr {
    use std::ops::Range;
    pub const ISPI: Range<usize> = 0..8;
    pub const RSPI: Range<usize> = 8..16;
    pub const NEXT_PAYLOAD: Range<usize> = 16..17;
    pub const VERSION: Range<usize> = 17..18;
    pub const EXCHANGE: Range<usize> = 18..19;
    pub const FLAGS: Range<usize> = 19..20;
    pub const MESSAGE_ID: Range<usize> = 20..24;
    pub const LENGTH: Range<usize> = 24..28;
    pub const LEN: usize = LENGTH.end;
}

/// IKE's well-known port (RFC 7296 section 2).
pub const PORT: u16 = 500;

/// IKE over UDP 500: recognised by a header whose length is the datagram's.
pub static PROTOCOL: Protocol = Protocol {
    name: "IKE",
    detect: |p: &Probe<'_>| Detect::when(looks_like_ike(p.bytes)),
    ports: &[PORT],
    new: |_| Box::<Ike>::default(),
    fields: FIELDS,
};

/// A datagram that is one IKE message: version 1.x or 2.x, an exchange type that
/// exists, and a length field equal to the datagram's length.
pub fn looks_like_ike(b: &[u8]) -> bool {
    let (Some(&version), Some(&exchange), Some(len)) = (
        b.get(hdr::VERSION.start),
        b.get(hdr::EXCHANGE.start),
        be32(b, hdr::LENGTH.start),
    ) else {
        return false;
    };
    let known = match version >> 4 {
        1 => (1..=5).contains(&exchange) || (32..=33).contains(&exchange),
        2 => (34..=37).contains(&exchange) || (43..=44).contains(&exchange),
        _ => false,
    };
    known && usize::try_from(len).is_ok_and(|l| l == b.len())
}

/// IKEv2 payload types (RFC 7296 section 3.2, RFC 7383).
mod v2 {
    pub const SA: u8 = 33;
    pub const KE: u8 = 34;
    pub const IDI: u8 = 35;
    pub const IDR: u8 = 36;
    pub const CERT: u8 = 37;
    pub const CERTREQ: u8 = 38;
    pub const AUTH: u8 = 39;
    pub const NONCE: u8 = 40;
    pub const NOTIFY: u8 = 41;
    pub const VID: u8 = 43;
    pub const SK: u8 = 46;
    pub const SKF: u8 = 53;
}

/// IKEv1 payload types (RFC 2408 section 3.1).
mod v1 {
    pub const SA: u8 = 1;
    pub const KE: u8 = 4;
    pub const ID: u8 = 5;
    pub const CERT: u8 = 6;
    pub const CR: u8 = 7;
    pub const HASH: u8 = 8;
    pub const SIG: u8 = 9;
    pub const NONCE: u8 = 10;
    pub const NOTIFY: u8 = 11;
    pub const VID: u8 = 13;
    pub const AGGRESSIVE: u8 = 4;
}

/// What one IKE flow told an observer.
#[derive(Debug, Default)]
pub struct Ike {
    /// Major version of the messages seen (1 or 2).
    version: Option<u8>,
    /// Proposals the initiator offered, in words.
    offered: Vec<String>,
    /// The proposal the responder chose.
    chosen: Option<Suite>,
    /// Identities sent in the clear.
    ids: Vec<String>,
    /// IKEv1 Aggressive Mode with pre-shared key authentication was offered or chosen.
    aggressive_psk: bool,
    ispi: Option<u64>,
    messages: u64,
}

/// The transforms of one proposal, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suite {
    pub encr: Option<String>,
    pub integ: Option<String>,
    pub prf: Option<String>,
    pub dh: Option<String>,
    /// IKEv1's authentication method (`PSK`, `RSA signature`).
    pub auth: Option<String>,
    /// The protocol the proposal is for (`IKE`, `ESP`, `AH`).
    pub proto: &'static str,
}

impl Suite {
    fn words(&self) -> String {
        let parts: Vec<&str> = [&self.encr, &self.integ, &self.prf, &self.dh, &self.auth]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        format!("{}:{}", self.proto, parts.join("/"))
    }

    fn weaknesses(&self) -> Vec<String> {
        let mut w = Vec::new();
        let all = [&self.encr, &self.integ, &self.prf, &self.dh];
        for name in all.into_iter().flatten() {
            let n = name.as_str();
            if n.starts_with("DES") || n.starts_with("3DES") {
                w.push(format!("{n}: a 64-bit block cipher"));
            } else if n.contains("MD5") {
                w.push(format!("{n}: MD5"));
            } else if n == "MODP768" || n == "MODP1024" {
                w.push(format!("{n}: a Diffie-Hellman group too small"));
            } else if n == "NULL" {
                w.push("NULL encryption: the content is readable".into());
            }
        }
        w
    }
}

impl Dissector for Ike {
    fn feed(&mut self, dir: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        self.message(dir, base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push(self.name().into());
        self.add_facts(facts);
    }
}

impl Ike {
    /// `IKEv2`, `IKEv1`, or `IKE` before a message said which.
    pub fn name(&self) -> &'static str {
        match self.version {
            Some(1) => "IKEv1",
            Some(2) => "IKEv2",
            _ => "IKE",
        }
    }

    pub fn seen(&self) -> bool {
        self.messages > 0
    }

    /// The protection and details this flow's messages showed.
    pub fn add_facts(&self, facts: &mut Facts) {
        if let Some(spi) = self.ispi {
            facts.details.push(("isakmp.ispi", format!("{spi:016x}")));
        }
        if !self.offered.is_empty() {
            facts
                .details
                .push(("isakmp.proposal.offered", self.offered.join(", ")));
        }
        if let Some(c) = &self.chosen {
            facts.details.push(("isakmp.proposal.chosen", c.words()));
        }
        if !self.ids.is_empty() {
            facts.details.push(("isakmp.id", self.ids.join(", ")));
        }
        if self.version.is_none() {
            return;
        }
        let mut p = Protection {
            proto: self.name().into(),
            ..Protection::default()
        };
        if let Some(c) = &self.chosen {
            p.cipher = c.encr.clone();
            p.mac = c.integ.clone().filter(|m| m != "NONE");
            p.weaknesses = c.weaknesses();
        }
        if self.aggressive_psk {
            p.weaknesses.push(
                "IKEv1 Aggressive Mode with a pre-shared key: identities in the clear, \
                 and a hash that lets anyone test guesses of the key offline"
                    .into(),
            );
        }
        facts.protection = Some(p);
    }

    /// Labels one IKE message of `b.len()` bytes whose first byte is at offset `at`.
    pub fn message(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let r = |s: usize, e: usize| at + s as u64..at + e as u64;
        let len = b.len();
        let table = [
            (hdr::ISPI, ISAKMP_ISPI),
            (hdr::RSPI, ISAKMP_RSPI),
            (hdr::NEXT_PAYLOAD, ISAKMP_NEXTPAYLOAD),
            (hdr::VERSION, ISAKMP_VERSION),
            (hdr::EXCHANGE, ISAKMP_EXCHTYPE),
            (hdr::FLAGS, ISAKMP_FLAGS),
            (hdr::MESSAGE_ID, ISAKMP_MESSAGEID),
            (hdr::LENGTH, ISAKMP_LENGTH),
        ];
        for (range, field) in table {
            out.field(r(range.start.min(len), range.end.min(len)), field);
        }
        let mut h = Reader::new(b);
        let (Some(ispi), Some(_), Some(np), Some(version), Some(exchange), Some(flags)) =
            (h.u64(), h.u64(), h.u8(), h.u8(), h.u8(), h.u8())
        else {
            return self.cut(at, len, out);
        };
        let (Some(_msgid), Some(declared)) = (h.u32(), h.u32()) else {
            return self.cut(at, len, out);
        };
        self.messages += 1;
        let major = version >> 4;
        if major != 1 && major != 2 {
            out.note(
                r(0, len),
                Severity::Warn,
                NoteGroup::Malformed,
                format!("IKE version {major}.{} is not defined", version & 0x0f),
            );
            out.field(r(hdr::LEN, len), crate::fields::PAYLOAD);
            return;
        }
        self.version.get_or_insert(major);
        if dir == Direction::ToServer {
            self.ispi.get_or_insert(ispi);
        }
        let declared = usize::try_from(declared).unwrap_or(usize::MAX);
        let end = if declared < hdr::LEN {
            out.note(
                r(hdr::LENGTH.start, hdr::LEN),
                Severity::Warn,
                NoteGroup::Malformed,
                format!("IKE length {declared} is shorter than its header"),
            );
            len
        } else if declared > len {
            out.note(
                r(hdr::LENGTH.start, hdr::LEN),
                Severity::Warn,
                NoteGroup::Truncated,
                format!("IKE length {declared} is more than the {len} bytes of the datagram"),
            );
            len
        } else {
            if declared < len {
                out.note(
                    r(declared, len),
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("{} bytes after the IKE message", len - declared),
                );
                out.field(r(declared, len), crate::fields::PAYLOAD);
            }
            declared
        };
        let response = if major == 2 {
            flags & 0x20 != 0
        } else {
            dir == Direction::ToClient
        };
        let mut text = exchange_name(major, exchange);
        text.push_str(if response { " response" } else { " request" });
        let body = b.get(hdr::LEN..end).unwrap_or(&[]);
        if major == 1 && flags & 0x01 != 0 {
            // IKEv1 E flag: every payload is encrypted.
            out.field(r(hdr::LEN, end), ISAKMP_ENCRYPTED);
            text.push_str(" (encrypted)");
        } else {
            let ctx = Context {
                major,
                exchange,
                response,
            };
            let names = self.payloads(&ctx, np, at + hdr::LEN as u64, body, out);
            if !names.is_empty() {
                text.push_str(" [");
                text.push_str(&names.join(" "));
                text.push(']');
            }
        }
        out.event(
            at,
            Desc::App {
                proto: self.name(),
                text,
                leaks: vec![],
            },
        );
    }

    /// A message shorter than its header.
    fn cut(&mut self, at: u64, len: usize, out: &mut Emitter) {
        out.note(
            at..at + len as u64,
            Severity::Warn,
            NoteGroup::Truncated,
            format!("IKE message of {len} bytes is shorter than its 28-byte header"),
        );
    }

    /// Walks the payload chain of a message body (offset `at`); returns the payloads'
    /// short names for the packet line.
    fn payloads(
        &mut self,
        ctx: &Context,
        first: u8,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Vec<&'static str> {
        let r = |s: usize, e: usize| at + s as u64..at + e as u64;
        let end = b.len();
        let mut names = Vec::new();
        let mut np = first;
        let mut pos = 0usize;
        while np != 0 && pos < end {
            if names.len() >= MAX_PAYLOADS {
                out.note(
                    r(pos, end),
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("more than {MAX_PAYLOADS} IKE payloads; the rest is not decoded"),
                );
                out.field(r(pos, end), crate::fields::PAYLOAD);
                return names;
            }
            let (Some(&next), Some(plen)) = (b.get(pos), be16(b, pos + 2)) else {
                out.note(
                    r(pos, end),
                    Severity::Warn,
                    NoteGroup::Truncated,
                    "IKE payload header cut short".into(),
                );
                out.field(r(pos, end), crate::fields::PAYLOAD);
                return names;
            };
            let plen = usize::from(plen);
            out.field(r(pos, pos + 4), ISAKMP_PAYLOAD);
            if plen < 4 || pos + plen > end {
                let why = if plen < 4 {
                    format!("IKE payload length {plen} is shorter than its header")
                } else {
                    format!(
                        "IKE payload length {plen} runs {} bytes past the message",
                        pos + plen - end
                    )
                };
                out.note(r(pos, end), Severity::Warn, NoteGroup::Malformed, why);
                out.field(r(pos + 4, end), crate::fields::PAYLOAD);
                return names;
            }
            let body = b.get(pos + 4..pos + plen).unwrap_or(&[]);
            names.push(payload_name(ctx.major, np));
            let encrypted = self.payload(ctx, np, at + pos as u64 + 4, body, out);
            pos += plen;
            if encrypted {
                // SK and SKF are last: their next-payload field names the first payload
                // inside the ciphertext.
                np = 0;
                break;
            }
            np = next;
        }
        if pos < end {
            out.note(
                r(pos, end),
                Severity::Warn,
                NoteGroup::Malformed,
                format!("{} bytes after the last IKE payload", end - pos),
            );
            out.field(r(pos, end), crate::fields::PAYLOAD);
        } else if np != 0 {
            out.note(
                r(end, end),
                Severity::Note,
                NoteGroup::Truncated,
                format!("the IKE payload chain names payload {np} after the end of the message"),
            );
        }
        names
    }

    /// Labels one payload body; true when it is an encrypted payload (the last).
    fn payload(&mut self, ctx: &Context, t: u8, at: u64, b: &[u8], out: &mut Emitter) -> bool {
        let end = at + b.len() as u64;
        let field: FieldId = match (ctx.major, t) {
            (2, v2::SK) => {
                out.field(at..end, ISAKMP_SK);
                return true;
            }
            (2, v2::SKF) => {
                let split = (at + 4).min(end);
                out.field(at..split, ISAKMP_SKF);
                out.field(split..end, ISAKMP_SK);
                return true;
            }
            (2, v2::SA) | (1, v1::SA) => {
                self.sa(ctx, b);
                ISAKMP_SA
            }
            (2, v2::KE) | (1, v1::KE) => ISAKMP_KE,
            (2, v2::NONCE) | (1, v1::NONCE) => ISAKMP_NONCE,
            (2, v2::IDI | v2::IDR) | (1, v1::ID) => {
                self.identity(ctx, at, b, out);
                return false;
            }
            (2, v2::AUTH) | (1, v1::HASH | v1::SIG) => ISAKMP_AUTH,
            (2, v2::CERT | v2::CERTREQ) | (1, v1::CERT | v1::CR) => ISAKMP_CERT,
            (2, v2::NOTIFY) | (1, v1::NOTIFY) => ISAKMP_NOTIFY,
            (2, v2::VID) | (1, v1::VID) => ISAKMP_VID,
            _ => ISAKMP_BODY,
        };
        out.field(at..end, field);
        false
    }

    /// An Identification payload in the clear: its type, and its data as a leak.
    fn identity(&mut self, ctx: &Context, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let split = (at + 4).min(end);
        out.field(at..split, ISAKMP_ID_TYPE);
        out.field(split..end, ISAKMP_ID);
        let (Some(&kind), Some(data)) = (b.first(), b.get(4..)) else {
            return;
        };
        let Some(value) = id_text(kind, data) else {
            return;
        };
        if self.ids.len() < MAX_KEPT && !self.ids.contains(&value) {
            self.ids.push(value.clone());
        }
        let _ = ctx;
        out.event(
            at,
            Desc::Leak {
                kind: LeakKind::Identity,
                value,
            },
        );
    }

    /// Reads an SA payload's proposals into the flow's facts.
    fn sa(&mut self, ctx: &Context, b: &[u8]) {
        let proposals = if ctx.major == 2 { sa_v2(b) } else { sa_v1(b) };
        if ctx.major == 1 && ctx.exchange == v1::AGGRESSIVE {
            let psk = |s: &Suite| s.auth.as_deref().is_some_and(|a| a.contains("PSK"));
            if (ctx.response && proposals.first().is_some_and(psk))
                || (!ctx.response && proposals.iter().any(psk))
            {
                self.aggressive_psk = true;
            }
        }
        if ctx.response {
            if let Some(p) = proposals.into_iter().next() {
                self.chosen = Some(p);
            }
        } else if self.offered.is_empty() {
            self.offered = proposals.iter().take(MAX_KEPT).map(Suite::words).collect();
        }
    }
}

/// What the payload walk needs to know about its message.
struct Context {
    major: u8,
    exchange: u8,
    response: bool,
}

/// Reads IKEv2 proposals (RFC 7296 section 3.3).
fn sa_v2(b: &[u8]) -> Vec<Suite> {
    let mut out = Vec::new();
    let mut r = Reader::new(b);
    while out.len() < MAX_PROPOSALS {
        let Some(p) = (|| {
            let _last = r.u8()?;
            r.u8()?;
            let len = usize::from(r.u16()?);
            let mut p = r.sub(len.checked_sub(4)?)?;
            let _num = p.u8()?;
            let proto = p.u8()?;
            let spi = usize::from(p.u8()?);
            let count = p.u8()?;
            p.skip(spi)?;
            let mut s = Suite {
                proto: match proto {
                    1 => "IKE",
                    2 => "AH",
                    3 => "ESP",
                    _ => "?",
                },
                ..Suite::default()
            };
            for _ in 0..usize::from(count).min(MAX_TRANSFORMS) {
                p.u8()?;
                p.u8()?;
                let tlen = usize::from(p.u16()?);
                let mut t = p.sub(tlen.checked_sub(4)?)?;
                let kind = t.u8()?;
                t.u8()?;
                let id = t.u16()?;
                let mut keylen = None;
                while let Some(attr) = t.u16() {
                    if attr & 0x8000 != 0 {
                        let v = t.u16()?;
                        if attr & 0x7fff == 14 {
                            keylen = Some(v);
                        }
                    } else {
                        let n = usize::from(t.u16()?);
                        t.skip(n)?;
                    }
                }
                let name = v2_transform(kind, id, keylen);
                let slot = match kind {
                    1 => &mut s.encr,
                    2 => &mut s.prf,
                    3 => &mut s.integ,
                    4 => &mut s.dh,
                    _ => continue,
                };
                slot.get_or_insert(name);
            }
            Some(s)
        })() else {
            break;
        };
        out.push(p);
    }
    out
}

/// Names an IKEv2 transform (RFC 7296 section 3.3.2, IANA "IKEv2 Parameters").
fn v2_transform(kind: u8, id: u16, keylen: Option<u16>) -> String {
    let name = match (kind, id) {
        (1, 2) => "DES",
        (1, 3) => "3DES",
        (1, 11) => "NULL",
        (1, 12) => "AES_CBC",
        (1, 13) => "AES_CTR",
        (1, 14) => "AES_CCM_8",
        (1, 15) => "AES_CCM_12",
        (1, 16) => "AES_CCM_16",
        (1, 18) => "AES_GCM_8",
        (1, 19) => "AES_GCM_12",
        (1, 20) => "AES_GCM_16",
        (1, 21) => "NULL_AUTH_AES_GMAC",
        (1, 23) => "CAMELLIA_CBC",
        (1, 28) => "CHACHA20_POLY1305",
        (2, 1) => "PRF_HMAC_MD5",
        (2, 2) => "PRF_HMAC_SHA1",
        (2, 4) => "PRF_AES128_XCBC",
        (2, 5) => "PRF_HMAC_SHA2_256",
        (2, 6) => "PRF_HMAC_SHA2_384",
        (2, 7) => "PRF_HMAC_SHA2_512",
        (2, 8) => "PRF_AES128_CMAC",
        (3, 0) => "NONE",
        (3, 1) => "HMAC_MD5_96",
        (3, 2) => "HMAC_SHA1_96",
        (3, 5) => "AES_XCBC_96",
        (3, 12) => "HMAC_SHA2_256_128",
        (3, 13) => "HMAC_SHA2_384_192",
        (3, 14) => "HMAC_SHA2_512_256",
        (4, 1) => "MODP768",
        (4, 2) => "MODP1024",
        (4, 5) => "MODP1536",
        (4, 14) => "MODP2048",
        (4, 15) => "MODP3072",
        (4, 16) => "MODP4096",
        (4, 17) => "MODP6144",
        (4, 18) => "MODP8192",
        (4, 19) => "ECP256",
        (4, 20) => "ECP384",
        (4, 21) => "ECP521",
        (4, 31) => "CURVE_25519",
        (4, 32) => "CURVE_448",
        _ => return format!("transform-{kind}-{id}"),
    };
    match keylen {
        Some(k) => format!("{name}_{k}"),
        None => name.to_string(),
    }
}

/// Reads IKEv1 phase 1 proposals (RFC 2408 sections 3.4-3.6, RFC 2409 appendix A).
fn sa_v1(b: &[u8]) -> Vec<Suite> {
    let mut out = Vec::new();
    let mut r = Reader::new(b);
    // DOI and situation.
    if r.skip(8).is_none() {
        return out;
    }
    let mut next_proposal = true;
    while next_proposal && out.len() < MAX_PROPOSALS {
        let Some(()) = (|| {
            next_proposal = r.u8()? == 2;
            r.u8()?;
            let len = usize::from(r.u16()?);
            let mut p = r.sub(len.checked_sub(4)?)?;
            let _num = p.u8()?;
            let proto = p.u8()?;
            let spi = usize::from(p.u8()?);
            let count = p.u8()?;
            p.skip(spi)?;
            for _ in 0..usize::from(count).min(MAX_TRANSFORMS) {
                p.u8()?;
                p.u8()?;
                let tlen = usize::from(p.u16()?);
                let mut t = p.sub(tlen.checked_sub(4)?)?;
                let _tnum = t.u8()?;
                let tid = t.u8()?;
                t.u16()?;
                let mut s = Suite {
                    proto: match proto {
                        1 => "IKE",
                        2 => "AH",
                        3 => "ESP",
                        _ => "?",
                    },
                    ..Suite::default()
                };
                if proto != 1 {
                    s.encr = Some(format!("transform-{tid}"));
                }
                let mut keylen = None;
                while let Some(attr) = t.u16() {
                    let value = if attr & 0x8000 != 0 {
                        u32::from(t.u16()?)
                    } else {
                        let n = usize::from(t.u16()?);
                        let v = t.take(n)?;
                        v.iter().take(4).fold(0u32, |a, &x| (a << 8) | u32::from(x))
                    };
                    if proto != 1 {
                        continue;
                    }
                    match attr & 0x7fff {
                        1 => s.encr = Some(v1_encr(value)),
                        2 => s.integ = Some(v1_hash(value)),
                        3 => s.auth = Some(v1_auth(value)),
                        4 => s.dh = Some(v1_group(value)),
                        14 => keylen = Some(value),
                        _ => {}
                    }
                }
                if let (Some(e), Some(k)) = (s.encr.as_mut(), keylen) {
                    e.push_str(&format!("_{k}"));
                }
                if out.len() < MAX_PROPOSALS {
                    out.push(s);
                }
            }
            Some(())
        })() else {
            break;
        };
    }
    out
}

fn v1_encr(v: u32) -> String {
    match v {
        1 => "DES_CBC".into(),
        2 => "IDEA_CBC".into(),
        3 => "BLOWFISH_CBC".into(),
        5 => "3DES_CBC".into(),
        6 => "CAST_CBC".into(),
        7 => "AES_CBC".into(),
        8 => "CAMELLIA_CBC".into(),
        other => format!("encryption-{other}"),
    }
}

fn v1_hash(v: u32) -> String {
    match v {
        1 => "MD5".into(),
        2 => "SHA1".into(),
        4 => "SHA2_256".into(),
        5 => "SHA2_384".into(),
        6 => "SHA2_512".into(),
        other => format!("hash-{other}"),
    }
}

fn v1_auth(v: u32) -> String {
    match v {
        1 => "PSK".into(),
        2 => "DSS signature".into(),
        3 => "RSA signature".into(),
        4 | 5 => "RSA encryption".into(),
        // XAUTH variants (draft-beaulieu-ike-xauth-02), 65001 and up.
        65001 | 65002 => "XAUTH PSK".into(),
        other => format!("auth-{other}"),
    }
}

fn v1_group(v: u32) -> String {
    let n = match v {
        1 => "MODP768",
        2 => "MODP1024",
        5 => "MODP1536",
        14 => "MODP2048",
        15 => "MODP3072",
        16 => "MODP4096",
        19 => "ECP256",
        20 => "ECP384",
        21 => "ECP521",
        31 => "CURVE_25519",
        _ => return format!("group-{v}"),
    };
    n.into()
}

/// The identification data in words (RFC 7296 section 3.5, RFC 2407 section 4.6.2.1).
fn id_text(kind: u8, data: &[u8]) -> Option<String> {
    let text = |d: &[u8]| {
        let s: String = String::from_utf8_lossy(d).chars().take(256).collect();
        Some(s)
    };
    match kind {
        1 => <[u8; 4]>::try_from(data)
            .ok()
            .map(|a| Ipv4Addr::from(a).to_string()),
        5 => <[u8; 16]>::try_from(data)
            .ok()
            .map(|a| Ipv6Addr::from(a).to_string()),
        2 | 3 => text(data),
        // A key ID is often a name too; show it when it reads as text.
        11 if data.iter().all(|b| (0x20..0x7f).contains(b)) && !data.is_empty() => text(data),
        9 => Some(format!("DER distinguished name ({} bytes)", data.len())),
        _ => None,
    }
}

/// An exchange in words (RFC 7296 section 3.1, RFC 2408 section 4.1, RFC 2409).
fn exchange_name(major: u8, t: u8) -> String {
    let name = match (major, t) {
        (2, 34) => "IKE_SA_INIT",
        (2, 35) => "IKE_AUTH",
        (2, 36) => "CREATE_CHILD_SA",
        (2, 37) => "INFORMATIONAL",
        (2, 43) => "IKE_INTERMEDIATE",
        (2, 44) => "IKE_FOLLOWUP_KE",
        (1, 1) => "Base",
        (1, 2) => "Main Mode",
        (1, 3) => "Authentication Only",
        (1, 4) => "Aggressive Mode",
        (1, 5) => "Informational",
        (1, 32) => "Quick Mode",
        (1, 33) => "New Group Mode",
        _ => return format!("exchange {t}"),
    };
    name.into()
}

/// A payload's short name, as strongSwan logs them.
fn payload_name(major: u8, t: u8) -> &'static str {
    match (major, t) {
        (2, v2::SA) | (1, v1::SA) => "SA",
        (2, v2::KE) | (1, v1::KE) => "KE",
        (2, v2::IDI) => "IDi",
        (2, v2::IDR) => "IDr",
        (1, v1::ID) => "ID",
        (2, v2::CERT) | (1, v1::CERT) => "CERT",
        (2, v2::CERTREQ) | (1, v1::CR) => "CERTREQ",
        (2, v2::AUTH) => "AUTH",
        (1, v1::HASH) => "HASH",
        (1, v1::SIG) => "SIG",
        (2, v2::NONCE) | (1, v1::NONCE) => "No",
        (2, v2::NOTIFY) | (1, v1::NOTIFY) => "N",
        (2, 42) | (1, 12) => "D",
        (2, v2::VID) | (1, v1::VID) => "V",
        (2, 44) => "TSi",
        (2, 45) => "TSr",
        (2, v2::SK) => "SK",
        (2, 47) => "CP",
        (2, 48) => "EAP",
        (2, v2::SKF) => "SKF",
        (1, 20) => "NAT-D",
        (1, 21) => "NAT-OA",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Visibility::{self, *};

    fn run(b: &[u8], dir: Direction) -> (Vec<(&'static str, Visibility)>, Emitter, Ike) {
        let mut ike = Ike::default();
        let mut out = Emitter::default();
        ike.feed(dir, 0, b, true, &mut out);
        let mut labels = vec![("", Undecoded); b.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                assert_eq!(labels[i as usize].0, "", "byte {i} labelled twice");
                labels[i as usize] = (s.field.name(), s.vis);
            }
        }
        (labels, out, ike)
    }

    /// An IKE message: header with `version`, `exchange`, `flags`, then payloads
    /// (type, body), chained.
    fn message(version: u8, exchange: u8, flags: u8, payloads: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![0x11; 8];
        b.extend([0; 8]);
        b.push(payloads.first().map_or(0, |p| p.0));
        b.extend([version, exchange, flags, 0, 0, 0, 0, 0, 0, 0, 0]);
        for (i, (_, body)) in payloads.iter().enumerate() {
            b.push(payloads.get(i + 1).map_or(0, |p| p.0));
            b.push(0);
            b.extend(((body.len() + 4) as u16).to_be_bytes());
            b.extend(body);
        }
        let len = (b.len() as u32).to_be_bytes();
        b[24..28].copy_from_slice(&len);
        b
    }

    /// An IKEv2 SA payload body with one IKE proposal: AES_GCM_16_256, PRF SHA2-256,
    /// Curve25519.
    fn sa_body() -> Vec<u8> {
        let transforms: [(u8, u16, Option<u16>); 3] =
            [(1, 20, Some(256)), (2, 5, None), (4, 31, None)];
        let mut t = Vec::new();
        for (i, (kind, id, key)) in transforms.iter().enumerate() {
            let attr: Vec<u8> = key.map_or(vec![], |k| {
                let mut a = vec![0x80, 14];
                a.extend(k.to_be_bytes());
                a
            });
            t.push(if i + 1 == transforms.len() { 0 } else { 3 });
            t.push(0);
            t.extend(((8 + attr.len()) as u16).to_be_bytes());
            t.extend([*kind, 0]);
            t.extend(id.to_be_bytes());
            t.extend(attr);
        }
        let mut p = vec![0, 0];
        p.extend(((8 + t.len()) as u16).to_be_bytes());
        p.extend([1, 1, 0, 3]);
        p.extend(t);
        p
    }

    #[test]
    fn ike_sa_init_is_readable_and_names_the_transforms() {
        let b = message(
            0x20,
            34,
            0x08,
            &[
                (33, sa_body()),
                (34, vec![0, 31, 0, 0, 9, 9]),
                (40, vec![7; 32]),
            ],
        );
        assert!(looks_like_ike(&b));
        let (l, out, ike) = run(&b, Direction::ToServer);
        assert_eq!(l[0], ("isakmp.ispi", Metadata));
        assert_eq!(l[28], ("isakmp.payload", Metadata));
        assert_eq!(l[33], ("isakmp.sa", Cleartext));
        assert_eq!(*l.last().unwrap(), ("isakmp.nonce", Cleartext));
        assert_eq!(
            ike.offered,
            vec!["IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519"]
        );
        assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::App { text, .. } if text == "IKE_SA_INIT request [SA KE No]")));
        // The response chooses: the flow's protection names it.
        let resp = message(0x20, 34, 0x20, &[(33, sa_body())]);
        let mut ike = ike;
        ike.feed(Direction::ToClient, 0, &resp, true, &mut Emitter::default());
        let mut f = Facts::default();
        ike.facts(&mut f);
        assert_eq!(f.stack, vec!["IKEv2"]);
        let p = f.protection.unwrap();
        assert_eq!(p.cipher.as_deref(), Some("AES_GCM_16_256"));
        assert!(p.weaknesses.is_empty());
    }

    #[test]
    fn sk_payload_is_opaque_and_ends_the_chain() {
        let b = message(0x20, 35, 0x08, &[(46, vec![0xaa; 40])]);
        let (l, _, _) = run(&b, Direction::ToServer);
        assert_eq!(l[32], ("isakmp.enc.data", Opaque));
        assert_eq!(*l.last().unwrap(), ("isakmp.enc.data", Opaque));
        let b = message(0x20, 35, 0x08, &[(53, vec![0, 1, 0, 2, 0xaa, 0xbb])]);
        let (l, _, _) = run(&b, Direction::ToServer);
        assert_eq!(l[32], ("isakmp.skf.fragment", Metadata));
        assert_eq!(l[36], ("isakmp.enc.data", Opaque));
    }

    #[test]
    fn ikev1_aggressive_mode_identity_is_a_leak() {
        let mut id = vec![3, 17, 1, 244];
        id.extend(b"alice@vpn.example");
        let b = message(0x10, 4, 0, &[(1, vec![0, 0, 0, 1, 0, 0, 0, 1]), (5, id)]);
        let (l, out, ike) = run(&b, Direction::ToServer);
        assert_eq!(l[b.len() - 3], ("isakmp.id.data", Cleartext));
        assert!(out.events.iter().any(|e| e.desc
            == Desc::Leak {
                kind: LeakKind::Identity,
                value: "alice@vpn.example".into()
            }));
        assert_eq!(ike.ids, vec!["alice@vpn.example"]);
    }

    #[test]
    fn ikev1_e_flag_makes_the_body_opaque() {
        let b = message(0x10, 2, 0x01, &[(8, vec![1; 20])]);
        let (l, out, _) = run(&b, Direction::ToServer);
        assert!(l[28..].iter().all(|x| *x == ("isakmp.encrypted", Opaque)));
        assert!(out.events.iter().any(|e| matches!(&e.desc,
            Desc::App { text, .. } if text == "Main Mode request (encrypted)")));
    }

    #[test]
    fn fifty_nested_payloads_and_a_chain_past_the_limit() {
        let many: Vec<(u8, Vec<u8>)> = (0..50).map(|_| (41u8, vec![0; 4])).collect();
        let b = message(0x20, 37, 0, &many);
        let (l, out, _) = run(&b, Direction::ToServer);
        assert!(out.notes.is_empty());
        assert_eq!(*l.last().unwrap(), ("isakmp.notify", Cleartext));
        let many: Vec<(u8, Vec<u8>)> = (0..100).map(|_| (41u8, vec![])).collect();
        let b = message(0x20, 37, 0, &many);
        let (l, out, _) = run(&b, Direction::ToServer);
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        assert_eq!(*l.last().unwrap(), ("data", Undecoded));
    }

    #[test]
    fn payload_lengths_beyond_the_message_or_below_the_header() {
        let mut b = message(0x20, 34, 0, &[(40, vec![1; 8])]);
        // The nonce says 200 bytes.
        b[30..32].copy_from_slice(&200u16.to_be_bytes());
        let (l, out, _) = run(&b, Direction::ToServer);
        assert!(out.notes[0].text.contains("past the message"));
        assert_eq!(l[33], ("data", Undecoded));
        // A zero length would loop forever if trusted.
        b[30..32].copy_from_slice(&0u16.to_be_bytes());
        let (_, out, _) = run(&b, Direction::ToServer);
        assert!(out.notes[0].text.contains("shorter than its header"));
        // A chain that names a payload after the end.
        let mut b = message(0x20, 34, 0, &[(40, vec![1; 8])]);
        b[28] = 41;
        let (_, out, _) = run(&b, Direction::ToServer);
        assert!(out.notes[0].text.contains("after the end"));
    }

    #[test]
    fn message_lengths_that_lie_and_cut_headers_never_panic() {
        let good = message(0x20, 34, 0x08, &[(33, sa_body()), (40, vec![7; 16])]);
        for cut in 0..good.len() {
            run(&good[..cut], Direction::ToServer);
        }
        let mut b = good.clone();
        b[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
        let (_, out, _) = run(&b, Direction::ToServer);
        assert!(out.notes.iter().any(|n| n.text.contains("more than")));
        // Garbage SA bodies of every length.
        for n in 0..64u8 {
            let body: Vec<u8> = (0..n).map(|i| i.wrapping_mul(73)).collect();
            let b = message(0x20, 34, 0, &[(33, body.clone())]);
            run(&b, Direction::ToClient);
            let b = message(0x10, 4, 0, &[(1, body)]);
            run(&b, Direction::ToClient);
        }
    }
}

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

mod names;
mod payloads;
mod proposals;
#[cfg(test)]
mod tests;

use names::*;
use proposals::*;

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
}

/// What the payload walk needs to know about its message.
struct Context {
    major: u8,
    exchange: u8,
    response: bool,
}

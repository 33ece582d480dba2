//! OpenVPN (its own wire protocol, documented in OpenVPN's `ssl_pkt.h` and
//! Wireshark's packet-openvpn.c), over UDP and over TCP with a 2-byte length before
//! each packet, port 1194.
//!
//! Every packet starts with an opcode (high 5 bits) and a key ID (low 3 bits).
//! - Control packets (hard and soft resets, `P_CONTROL_V1`, `P_ACK_V1`): session ID,
//!   with `--tls-auth` an HMAC, a replay packet-ID and a time, then an array of
//!   acknowledged packet-IDs (and the peer's session ID), the message packet-ID, and
//!   the payload: a TLS stream, the control channel. With `--tls-crypt` (and v2)
//!   everything after the replay packet-ID, time and tag is encrypted: opaque.
//! - Data packets (`P_DATA_V1`, `P_DATA_V2` with a 3-byte peer-id): the tunnelled
//!   packet, encrypted: opaque.
//! - A static-key tunnel (`--secret`) has no opcode at all: HMAC, IV and ciphertext.
//!   A flow on port 1194 whose first packet is no OpenVPN packet is taken as one.
//!
//! The control channel's TLS is read by a [`TlsStream`] owned by this dissector: the
//! payloads of `P_CONTROL_V1` packets, in message packet-ID order, form one inner stream
//! per direction (retransmissions dropped, packets ahead of a missing one held, a
//! bounded number). TLS labels those inner bytes; each label is mapped back to where
//! the byte sits in the packet being read (for TCP: in the reassembled stream). A
//! handshake message spread over several packets is parsed when it is whole, but UDP
//! frames cannot wait for it: bytes TLS has not labelled when their packet is read are
//! labelled readable (`openvpn.tls.pending`: only plaintext handshake bytes wait; the
//! encrypted ones are labelled as they arrive), and what the message teaches (SNI,
//! certificate names) lands on the packet where it completes.
//!
//! On TCP, a lost segment (or a length of 0 or above [`MAX_PACKET`]) loses the length
//! framing: the rest of that direction is undecoded, as nothing in a packet marks its
//! start.
//!
//! Recognition: a hard reset as the first packet, with a structure that parses (and
//! for TCP, a length prefix that matches), or port 1194.

use super::registry::{Detect, Probe, Protocol};
use super::tls::TlsStream;
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::codec::{be16, be32};
use crate::decode::Transport;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;
use std::collections::BTreeMap;
use std::ops::Range;

mod handshake;
mod packets;
mod recognise;
#[cfg(test)]
mod tests;

use recognise::*;

crate::fields! {
    proto = "OpenVPN";
    // OpenVPN's ssl_pkt.h and reliable.h; Wireshark's names.
    OPENVPN_PLEN = "openvpn.plen", Header, Metadata, None, "packet length (TCP only)";
    OPENVPN_OPCODE = "openvpn.opcode", Header, Metadata, None, "opcode (high 5 bits) and key ID (low 3 bits)";
    OPENVPN_SESSIONID = "openvpn.sessionid", Header, Metadata, None, "the sender's session ID";
    OPENVPN_HMAC = "openvpn.hmac", Header, Metadata, None, "HMAC of the packet (--tls-auth)";
    OPENVPN_PID = "openvpn.pid", Header, Metadata, None, "replay-protection packet-ID (--tls-auth, --tls-crypt)";
    OPENVPN_NET_TIME = "openvpn.net_time", Header, Metadata, None, "replay-protection time (--tls-auth, --tls-crypt)";
    OPENVPN_ACKS = "openvpn.mpidarray", Header, Metadata, None, "acknowledged message packet-IDs";
    OPENVPN_RSESSIONID = "openvpn.rsessionid", Header, Metadata, None, "the peer's session ID, with acknowledgements";
    OPENVPN_MPID = "openvpn.mpid", Header, Metadata, None, "message packet-ID: the control channel's sequence number";
    OPENVPN_TAG = "openvpn.tls_crypt.tag", Header, Metadata, None, "authentication tag (--tls-crypt)";
    OPENVPN_CRYPT = "openvpn.tls_crypt.data", Handshake, Opaque, None, "control channel encrypted with --tls-crypt: acknowledgements, packet-ID, TLS records (and a v2 client's wrapped key)";
    OPENVPN_CONTROL = "openvpn.control", Handshake, Cleartext, None, "control payload that is not TLS (a reset's early-negotiation TLVs)";
    OPENVPN_TLS_PENDING = "openvpn.tls.pending", Handshake, Cleartext, None, "control-channel TLS bytes labelled before their handshake message was whole: plaintext handshake";
    OPENVPN_PEERID = "openvpn.peerid", Header, Metadata, None, "peer ID (P_DATA_V2)";
    OPENVPN_DATA = "openvpn.data", Content, Opaque, None, "data channel: the tunnelled packet, encrypted (with its IV or packet-ID and tag)";
}

/// OpenVPN's IANA port.
pub const PORT: u16 = 1194;

/// Opcodes (OpenVPN ssl_pkt.h).
mod op {
    pub const HARD_RESET_CLIENT_V1: u8 = 1;
    pub const HARD_RESET_SERVER_V1: u8 = 2;
    pub const SOFT_RESET_V1: u8 = 3;
    pub const CONTROL_V1: u8 = 4;
    pub const ACK_V1: u8 = 5;
    pub const DATA_V1: u8 = 6;
    pub const HARD_RESET_CLIENT_V2: u8 = 7;
    pub const HARD_RESET_SERVER_V2: u8 = 8;
    pub const DATA_V2: u8 = 9;
    pub const HARD_RESET_CLIENT_V3: u8 = 10;
    pub const CONTROL_WKC_V1: u8 = 11;
}

fn opcode_name(o: u8) -> &'static str {
    match o {
        op::HARD_RESET_CLIENT_V1 => "P_CONTROL_HARD_RESET_CLIENT_V1",
        op::HARD_RESET_SERVER_V1 => "P_CONTROL_HARD_RESET_SERVER_V1",
        op::SOFT_RESET_V1 => "P_CONTROL_SOFT_RESET_V1",
        op::CONTROL_V1 => "P_CONTROL_V1",
        op::ACK_V1 => "P_ACK_V1",
        op::DATA_V1 => "P_DATA_V1",
        op::HARD_RESET_CLIENT_V2 => "P_CONTROL_HARD_RESET_CLIENT_V2",
        op::HARD_RESET_SERVER_V2 => "P_CONTROL_HARD_RESET_SERVER_V2",
        op::DATA_V2 => "P_DATA_V2",
        op::HARD_RESET_CLIENT_V3 => "P_CONTROL_HARD_RESET_CLIENT_V3",
        op::CONTROL_WKC_V1 => "P_CONTROL_WKC_V1",
        _ => "unknown opcode",
    }
}

fn is_control(o: u8) -> bool {
    matches!(o, 1..=5 | 7 | 8 | 10 | 11)
}

fn is_reset(o: u8) -> bool {
    matches!(o, 1 | 2 | 7 | 8 | 10)
}

/// How control packets are wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrap {
    /// No --tls-auth or --tls-crypt.
    Plain,
    /// --tls-auth with an HMAC of this many bytes.
    Auth(usize),
    /// --tls-crypt or --tls-crypt-v2: encrypted after a 32-byte tag.
    Crypt,
}

/// HMAC sizes tried for --tls-auth: SHA1 (the default), SHA256, SHA512, MD5, SHA384.
const HMAC_SIZES: [usize; 5] = [20, 32, 64, 16, 48];
/// --tls-crypt's tag (HMAC-SHA256).
const CRYPT_TAG: usize = 32;
/// Acknowledgements per control packet (OpenVPN's RELIABLE_ACK_SIZE is 8).
const MAX_ACKS: usize = 8;
/// The largest packet accepted on TCP; a longer length means framing is lost.
pub const MAX_PACKET: usize = 16 * 1024;
/// Control packets held ahead of a missing packet-ID, and their bytes.
const MAX_HELD: usize = 16;
const MAX_HELD_BYTES: usize = 64 * 1024;
/// Inner TLS bytes waiting for TLS to label them, at most (beyond: framing given up).
const MAX_PENDING: usize = super::tls::MAX_HANDSHAKE_GATHER + 32 * 1024;
/// Control packets whose labels are kept for their retransmissions.
const MAX_HISTORY: usize = 64;

/// OpenVPN over UDP and TCP.
pub static PROTOCOL: Protocol = Protocol {
    name: "OpenVPN",
    detect,
    ports: &[PORT],
    new: |p| Box::new(OpenVpn::new(p.transport)),
    fields: FIELDS,
};

/// Where a flow stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Nothing seen yet.
    Start,
    /// Opcodes: a TLS-keyed tunnel; control packets wrapped so, once known.
    Tls(Option<Wrap>),
    /// No opcodes: a static-key tunnel (--secret).
    Static,
}

/// One direction's control channel.
#[derive(Debug, Default)]
struct Control {
    /// The message packet-ID expected next.
    next: Option<u32>,
    /// Payloads ahead of `next`, by packet-ID.
    held: BTreeMap<u32, Vec<u8>>,
    held_bytes: usize,
    /// Inner stream bytes TLS has not labelled yet, from inner offset `base`.
    pending: Vec<u8>,
    base: u64,
    /// Inner offset where the next payload goes.
    end: u64,
    /// Labels given to each packet's payload (relative), for its retransmissions.
    history: BTreeMap<u32, Vec<(Range<u64>, FieldId, Visibility)>>,
    /// TCP framing was lost (a gap, an impossible length).
    lost: bool,
}

/// The OpenVPN dissection of one flow.
#[derive(Debug)]
pub struct OpenVpn {
    transport: Transport,
    mode: Mode,
    tls: TlsStream,
    /// Control packets that carried TLS.
    tls_seen: bool,
    ctl: [Control; 2],
    session_ids: Vec<u64>,
    /// The key ID of the TLS session being read; a soft reset to another starts a new
    /// one (renegotiation: packet-IDs from 0 again, a new handshake).
    key_id: u8,
    /// What the first handshake told, kept across renegotiations.
    first: Option<super::tls::TlsFacts>,
    scratch: Emitter,
}

impl OpenVpn {
    pub fn new(transport: Transport) -> OpenVpn {
        OpenVpn {
            transport,
            mode: Mode::Start,
            tls: TlsStream::new(),
            tls_seen: false,
            ctl: [Control::default(), Control::default()],
            session_ids: Vec::new(),
            key_id: 0,
            first: None,
            scratch: Emitter::default(),
        }
    }

    fn ctl(&mut self, dir: Direction) -> &mut Control {
        match dir {
            Direction::ToServer => &mut self.ctl[0],
            Direction::ToClient => &mut self.ctl[1],
        }
    }
}

impl Dissector for OpenVpn {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        if self.transport == Transport::Udp {
            self.packet(dir, base, data, out);
            return Fed::Done(data.len());
        }
        let end = base + data.len() as u64;
        let mut pos = 0usize;
        loop {
            let at = base + pos as u64;
            if self.ctl(dir).lost {
                out.field(at..end, crate::fields::PAYLOAD);
                return Fed::Done(data.len());
            }
            let Some(len) = be16(data, pos) else { break };
            let len = usize::from(len);
            if len == 0 || len > MAX_PACKET {
                out.field(at..at + 2, OPENVPN_PLEN);
                out.note(
                    at..at + 2,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("OpenVPN packet length {len} is no OpenVPN packet: framing lost"),
                );
                self.ctl(dir).lost = true;
                pos += 2;
                continue;
            }
            let Some(packet) = data.get(pos + 2..pos + 2 + len) else {
                break;
            };
            out.field(at..at + 2, OPENVPN_PLEN);
            self.packet(dir, at + 2, packet, out);
            pos += 2 + len;
        }
        if flush && pos < data.len() {
            let at = base + pos as u64;
            out.field(at..end, crate::fields::PAYLOAD);
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Truncated,
                "OpenVPN packet cut short by the end of the stream or a gap".into(),
            );
            return Fed::Done(data.len());
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        // A TCP stream lost bytes: the next length prefix is unknown.
        self.ctl(dir).lost = true;
    }

    fn compact(&mut self) {
        for c in &mut self.ctl {
            c.pending = Vec::new();
            c.held.clear();
            c.history.clear();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("OpenVPN".into());
        let mut p = Protection {
            proto: "OpenVPN".into(),
            ..Protection::default()
        };
        match self.mode {
            Mode::Static => {
                facts.details.push(("openvpn.mode", "static key".into()));
                p.weaknesses
                    .push("static key (--secret): no forward secrecy; deprecated".into());
            }
            Mode::Tls(Some(Wrap::Crypt)) => {
                facts
                    .details
                    .push(("openvpn.control", "tls-crypt: encrypted".into()));
            }
            Mode::Tls(Some(Wrap::Auth(h))) => {
                facts
                    .details
                    .push(("openvpn.control", format!("tls-auth: {h}-byte HMAC")));
            }
            _ => {}
        }
        if !self.session_ids.is_empty() {
            let ids: Vec<String> = self
                .session_ids
                .iter()
                .map(|s| format!("{s:016x}"))
                .collect();
            facts.details.push(("openvpn.sessionid", ids.join(", ")));
        }
        facts.protection = Some(p);
        if self.tls_seen {
            facts.stack.push("TLS".into());
            facts.tls = Some(
                self.first
                    .clone()
                    .unwrap_or_else(|| self.tls.learned().clone()),
            );
        }
    }

    fn tls(&self) -> Option<&super::tls::TlsFacts> {
        self.tls_seen
            .then_some(self.first.as_ref().unwrap_or(self.tls.learned()))
    }
}

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

/// A time a peer could send: 2001 to 2096.
fn plausible_time(t: u32) -> bool {
    (0x3b9a_ca00..0xf000_0000).contains(&t)
}

/// Where the parts of a control packet sit (offsets after the opcode byte's packet
/// start).
#[derive(Clone, Debug, PartialEq, Eq)]
struct ControlLayout {
    hmac: Option<Range<usize>>,
    pid: Option<Range<usize>>,
    time: Option<Range<usize>>,
    tag: Option<Range<usize>>,
    /// Encrypted from here to the end (tls-crypt).
    crypt: Option<usize>,
    acks: Range<usize>,
    rsid: Option<Range<usize>>,
    mpid: Option<(Range<usize>, u32)>,
    payload: Range<usize>,
}

/// Parses a control packet `b` (opcode byte first) with the wrapping `wrap`.
fn control_layout(b: &[u8], wrap: Wrap) -> Option<ControlLayout> {
    let opcode = b.first()? >> 3;
    let mut pos = 9usize;
    b.get(..pos)?;
    let mut l = ControlLayout {
        hmac: None,
        pid: None,
        time: None,
        tag: None,
        crypt: None,
        acks: 0..0,
        rsid: None,
        mpid: None,
        payload: 0..0,
    };
    match wrap {
        Wrap::Plain => {}
        Wrap::Auth(h) => {
            l.hmac = Some(pos..pos + h);
            l.pid = Some(pos + h..pos + h + 4);
            l.time = Some(pos + h + 4..pos + h + 8);
            pos += h + 8;
        }
        Wrap::Crypt => {
            l.pid = Some(pos..pos + 4);
            l.time = Some(pos + 4..pos + 8);
            l.tag = Some(pos + 8..pos + 8 + CRYPT_TAG);
            pos += 8 + CRYPT_TAG;
            b.get(..pos)?;
            l.crypt = Some(pos);
            return Some(l);
        }
    }
    let n = usize::from(*b.get(pos)?);
    if n > MAX_ACKS {
        return None;
    }
    let acks_end = pos + 1 + 4 * n;
    l.acks = pos..acks_end;
    pos = acks_end;
    if n > 0 {
        l.rsid = Some(pos..pos + 8);
        pos += 8;
    }
    b.get(..pos)?;
    if opcode != op::ACK_V1 {
        let id = be32(b, pos)?;
        l.mpid = Some((pos..pos + 4, id));
        pos += 4;
    }
    l.payload = pos..b.len();
    Some(l)
}

/// The wrapping a control packet shows, if one fits: the replay packet-ID and time
/// must be plausible, the ack array must fit, and a reset carries no TLS.
fn guess_wrap(b: &[u8]) -> Option<Wrap> {
    let opcode = b.first()? >> 3;
    if !is_control(opcode) {
        return None;
    }
    if matches!(opcode, op::HARD_RESET_CLIENT_V3 | op::CONTROL_WKC_V1) {
        return Some(Wrap::Crypt);
    }
    let fits = |l: &ControlLayout| {
        let payload = b.get(l.payload.clone()).unwrap_or(&[]);
        match opcode {
            op::CONTROL_V1 => payload.is_empty() || matches!(payload.first(), Some(0x14..=0x17)),
            op::ACK_V1 => payload.is_empty(),
            // A reset's payload is empty or early-negotiation TLVs (OpenVPN 2.6).
            _ => payload.len() <= 64,
        }
    };
    let replay_ok = |pid: usize| {
        be32(b, pid).is_some_and(|p| p > 0 && p < 0x0100_0000)
            && be32(b, pid + 4).is_some_and(plausible_time)
    };
    for h in HMAC_SIZES {
        if replay_ok(9 + h) {
            if let Some(l) = control_layout(b, Wrap::Auth(h)).filter(fits) {
                let _ = l;
                return Some(Wrap::Auth(h));
            }
        }
    }
    if replay_ok(9) && b.len() >= 9 + 8 + CRYPT_TAG + 5 {
        return Some(Wrap::Crypt);
    }
    control_layout(b, Wrap::Plain)
        .filter(fits)
        .map(|_| Wrap::Plain)
}

/// OpenVPN over UDP and TCP.
pub static PROTOCOL: Protocol = Protocol {
    name: "OpenVPN",
    detect,
    ports: &[PORT],
    new: |p| Box::new(OpenVpn::new(p.transport)),
    fields: FIELDS,
};

fn detect(p: &Probe<'_>) -> Detect {
    let first = match p.transport {
        Transport::Udp => p.bytes,
        Transport::Tcp => {
            let Some(len) = be16(p.bytes, 0) else {
                return Detect::NeedMore;
            };
            let len = usize::from(len);
            if !(14..=MAX_PACKET).contains(&len) {
                return Detect::No;
            }
            match p.bytes.get(2..2 + len) {
                Some(b) => b,
                None if p.bytes.len() < 2 + len => {
                    // Judge by the opcode until the packet is whole.
                    return match p.bytes.get(2).map(|b| b >> 3) {
                        None => Detect::NeedMore,
                        Some(o) if is_reset(o) && p.from_client() => Detect::NeedMore,
                        Some(_) => Detect::No,
                    };
                }
                None => return Detect::No,
            }
        }
    };
    let Some(&b0) = first.first() else {
        return Detect::No;
    };
    let client_reset = matches!(
        b0 >> 3,
        op::HARD_RESET_CLIENT_V1 | op::HARD_RESET_CLIENT_V2 | op::HARD_RESET_CLIENT_V3
    );
    Detect::when(client_reset && b0 & 7 == 0 && looks_like_reset(first))
}

/// A client's hard reset: its wrapping parses, its message packet-ID is 0 and
/// nothing is acknowledged yet.
fn looks_like_reset(b: &[u8]) -> bool {
    match guess_wrap(b) {
        Some(Wrap::Crypt)
            if b.first()
                .is_some_and(|o| o >> 3 == op::HARD_RESET_CLIENT_V3) =>
        {
            tls_crypt_v2_reset(b)
        }
        Some(Wrap::Crypt) => true,
        Some(w) => control_layout(b, w)
            .is_some_and(|l| l.acks.len() == 1 && l.mpid.as_ref().is_some_and(|(_, id)| *id == 0)),
        None => false,
    }
}

/// A tls-crypt-v2 client reset (OpenVPN 2.5's doc/tls-crypt-v2.txt): opcode and
/// session ID, the packet-ID and a time in the clear, the 32-byte tag, the encrypted
/// message, then the client key WKc ending in its own 16-bit length. A first byte of
/// 0x50 is also a QUIC short header, so the time and WKc's length must both fit.
fn tls_crypt_v2_reset(b: &[u8]) -> bool {
    const FIXED: usize = 9 + 8 + CRYPT_TAG;
    let time_ok = be32(b, 13).is_some_and(plausible_time);
    let wkc = b.len().checked_sub(2).and_then(|at| be16(b, at));
    let wkc_ok = wkc.is_some_and(|w| {
        let w = usize::from(w);
        w > 2 + CRYPT_TAG && w <= b.len().saturating_sub(FIXED)
    });
    time_ok && wkc_ok
}

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
            facts.tls = Some(self.first.clone().unwrap_or_else(|| self.tls.facts.clone()));
        }
    }

    fn tls(&self) -> Option<&super::tls::TlsFacts> {
        self.tls_seen
            .then_some(self.first.as_ref().unwrap_or(&self.tls.facts))
    }
}

impl OpenVpn {
    /// Labels one packet (`b`, opcode byte first) at outer offset `at`.
    fn packet(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let Some(&b0) = b.first() else { return };
        let opcode = b0 >> 3;
        if self.mode == Mode::Start {
            self.mode = if is_control(opcode) {
                match guess_wrap(b) {
                    Some(w) => Mode::Tls(Some(w)),
                    None => Mode::Static,
                }
            } else if matches!(opcode, op::DATA_V1 | op::DATA_V2) {
                Mode::Tls(None)
            } else {
                Mode::Static
            };
        }
        if self.mode == Mode::Static {
            let field = if super::unknown::looks_like_text(b) {
                crate::fields::PAYLOAD
            } else {
                OPENVPN_DATA
            };
            out.field(at..end, field);
            self.event(at, "static-key packet".into(), out);
            return;
        }
        out.field(at..at + 1, OPENVPN_OPCODE);
        let name = opcode_name(opcode);
        match opcode {
            op::DATA_V1 => {
                out.field(at + 1..end, OPENVPN_DATA);
            }
            op::DATA_V2 => {
                let split = (at + 4).min(end);
                out.field(at + 1..split, OPENVPN_PEERID);
                out.field(split..end, OPENVPN_DATA);
            }
            o if is_control(o) => {
                self.control(dir, at, b, out);
                return;
            }
            _ => {
                out.field(at + 1..end, crate::fields::PAYLOAD);
                out.note(
                    at..end,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("OpenVPN opcode {opcode} is not defined"),
                );
            }
        }
        self.event(at, name.into(), out);
        if b.len() == 1 || (opcode == op::DATA_V2 && b.len() <= 4) {
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Truncated,
                format!("OpenVPN {name} without a payload"),
            );
        }
    }

    fn event(&self, at: u64, text: String, out: &mut Emitter) {
        out.event(
            at,
            Desc::App {
                proto: "OpenVPN",
                text,
                leaks: vec![],
            },
        );
    }

    /// A control packet.
    fn control(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let opcode = b.first().map_or(0, |x| x >> 3);
        let key_id = b.first().map_or(0, |x| x & 7);
        let name = opcode_name(opcode);
        self.event(at, name.into(), out);
        if opcode == op::SOFT_RESET_V1 && key_id != self.key_id {
            // Renegotiation: a new TLS session with its own packet-IDs.
            self.key_id = key_id;
            if self.tls.facts.client_hello_seen || self.tls.facts.server_hello_seen {
                self.first.get_or_insert_with(|| self.tls.facts.clone());
            }
            self.tls = TlsStream::new();
            self.ctl = [Control::default(), Control::default()];
        }
        let wrap = match self.mode {
            Mode::Tls(Some(w)) => Some(w),
            _ => guess_wrap(b),
        };
        if let (Some(w), Mode::Tls(None)) = (wrap, self.mode) {
            self.mode = Mode::Tls(Some(w));
        }
        let r = |range: Range<usize>| at + range.start as u64..at + range.end as u64;
        let layout = wrap.and_then(|w| control_layout(b, w));
        let Some(l) = layout else {
            let split = (at + 9).min(end);
            out.field(at + 1..split, OPENVPN_SESSIONID);
            out.field(split..end, crate::fields::PAYLOAD);
            out.note(
                at..end,
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "OpenVPN {name} does not parse (cut short, or wrapped in a way not recognised)"
                ),
            );
            return;
        };
        out.field(r(1..9), OPENVPN_SESSIONID);
        if is_reset(opcode) && self.session_ids.len() < 4 {
            if let Some(sid) = b.get(1..9).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
                let sid = u64::from_be_bytes(sid);
                if !self.session_ids.contains(&sid) {
                    self.session_ids.push(sid);
                }
            }
        }
        let parts = [
            (l.hmac.clone(), OPENVPN_HMAC),
            (l.pid.clone(), OPENVPN_PID),
            (l.time.clone(), OPENVPN_NET_TIME),
            (l.tag.clone(), OPENVPN_TAG),
        ];
        for (range, field) in parts {
            if let Some(range) = range {
                out.field(r(range), field);
            }
        }
        if let Some(from) = l.crypt {
            out.field(r(from..b.len()), OPENVPN_CRYPT);
            return;
        }
        out.field(r(l.acks.clone()), OPENVPN_ACKS);
        if let Some(range) = l.rsid.clone() {
            out.field(r(range), OPENVPN_RSESSIONID);
        }
        let Some((range, mpid)) = l.mpid.clone() else {
            // P_ACK_V1 carries acknowledgements only.
            if !l.payload.is_empty() {
                out.field(r(l.payload.clone()), crate::fields::PAYLOAD);
                out.note(
                    r(l.payload),
                    Severity::Warn,
                    NoteGroup::Malformed,
                    "bytes after the acknowledgements of an OpenVPN P_ACK_V1".into(),
                );
            }
            return;
        };
        out.field(r(range), OPENVPN_MPID);
        let payload = b.get(l.payload.clone()).unwrap_or(&[]);
        let pat = at + l.payload.start as u64;
        if opcode != op::CONTROL_V1 {
            // A reset's early-negotiation TLVs.
            out.field(pat..end, OPENVPN_CONTROL);
            // A reset starts the control channel at packet-ID 0 again.
            if is_reset(opcode) || opcode == op::SOFT_RESET_V1 {
                let c = self.ctl(dir);
                if c.next.is_none() {
                    c.next = Some(mpid.wrapping_add(1));
                }
            }
            return;
        }
        self.tls_payload(dir, mpid, pat, payload, out);
    }

    /// The TLS bytes of a `P_CONTROL_V1` packet with message packet-ID `mpid`, at outer
    /// offset `at`.
    fn tls_payload(&mut self, dir: Direction, mpid: u32, at: u64, p: &[u8], out: &mut Emitter) {
        let end = at + p.len() as u64;
        self.tls_seen = true;
        let Some(c) = self.ctl.get_mut(dir.index()) else {
            return;
        };
        let next = *c.next.get_or_insert(mpid);
        if mpid < next {
            // A retransmission: the labels of the first copy, if kept.
            match c.history.get(&mpid) {
                Some(labels) if labels.last().is_some_and(|l| l.0.end == p.len() as u64) => {
                    for (range, field, vis) in labels {
                        out.span(at + range.start..at + range.end, *field, *vis);
                    }
                }
                _ => {
                    out.field(at..end, crate::fields::PAYLOAD);
                    out.note(
                        at..end,
                        Severity::Note,
                        NoteGroup::Sequence,
                        format!("OpenVPN control packet {mpid} again, unlike its first copy"),
                    );
                }
            }
            return;
        }
        if mpid > next {
            if c.held.len() < MAX_HELD && c.held_bytes + p.len() <= MAX_HELD_BYTES {
                c.held_bytes += p.len();
                c.held.entry(mpid).or_insert_with(|| p.to_vec());
                out.field(at..end, crate::fields::PAYLOAD);
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Sequence,
                    format!(
                        "OpenVPN control packet {mpid} ahead of {next}: its TLS bytes are read \
                         once the gap fills, but not labelled here"
                    ),
                );
                return;
            }
            // The gap will not fill: TLS goes on from the lowest held packet.
            out.note(
                at..end,
                Severity::Warn,
                NoteGroup::Sequence,
                format!("OpenVPN control packets from {next} never arrived: the control channel's TLS loses its framing"),
            );
            let mut quiet = Emitter::default();
            Dissector::gap(&mut self.tls, dir, c.end, 0, &mut quiet);
            c.pending.clear();
            c.base = c.end;
            let lowest = c.held.keys().next().copied().unwrap_or(mpid);
            c.next = Some(lowest.min(mpid));
            return self.tls_payload_in_order(dir, mpid, at, p, out);
        }
        self.tls_payload_in_order(dir, mpid, at, p, out);
    }

    /// Appends held payloads from `next` on, then this packet's if it is next, and
    /// runs TLS; maps TLS's labels of this packet's bytes back to `at`.
    fn tls_payload_in_order(
        &mut self,
        dir: Direction,
        mpid: u32,
        at: u64,
        p: &[u8],
        out: &mut Emitter,
    ) {
        let d = dir.index();
        let Some(c) = self.ctl.get_mut(d) else { return };
        let mut mine: Option<Range<u64>> = None;
        while let Some(next) = c.next {
            if next == mpid && mine.is_none() {
                mine = Some(c.end..c.end + p.len() as u64);
                c.pending.extend_from_slice(p);
                c.end += p.len() as u64;
                c.held.remove(&mpid);
            } else if let Some(held) = c.held.remove(&next) {
                c.held_bytes = c.held_bytes.saturating_sub(held.len());
                c.pending.extend_from_slice(&held);
                c.end += held.len() as u64;
            } else {
                break;
            }
            c.next = Some(next.wrapping_add(1));
        }
        // Packets held below the new `next` (after a declared gap) are stale.
        if let Some(next) = c.next {
            let stale: Vec<u32> = c.held.range(..next).map(|(k, _)| *k).collect();
            for k in stale {
                if let Some(v) = c.held.remove(&k) {
                    c.held_bytes = c.held_bytes.saturating_sub(v.len());
                }
            }
        }
        let scratch = &mut self.scratch;
        scratch.clear();
        let done = self.tls.records(dir, c.base, &c.pending, scratch);
        c.pending.drain(..done.min(c.pending.len()));
        c.base += done as u64;
        if c.pending.len() > MAX_PENDING {
            let n = c.pending.len();
            c.pending.clear();
            c.base = c.end;
            self.tls.lose_sync(dir);
            out.note(
                at..at + p.len() as u64,
                Severity::Warn,
                NoteGroup::Reassembly,
                format!("{n} bytes of control-channel TLS never formed a record: given up"),
            );
        }
        let Some(mine) = mine else {
            out.field(at..at + p.len() as u64, crate::fields::PAYLOAD);
            return;
        };
        // TLS's labels: those of this packet's bytes move to `at`; earlier bytes were
        // labelled when their packet was read.
        let to_outer = |x: u64| at + (x - mine.start);
        let mut labels: Vec<(Range<u64>, FieldId, Visibility)> = Vec::new();
        for s in scratch.spans.drain(..) {
            let a = s.range.start.max(mine.start);
            let b = s.range.end.min(mine.end);
            if a < b {
                labels.push((a - mine.start..b - mine.start, s.field, s.vis));
            }
        }
        labels.sort_by_key(|l| l.0.start);
        let mut filled: Vec<(Range<u64>, FieldId, Visibility)> = Vec::new();
        let mut cursor = 0u64;
        let len = p.len() as u64;
        for (range, field, vis) in labels {
            if range.start < cursor {
                continue;
            }
            if range.start > cursor {
                filled.push((
                    cursor..range.start,
                    OPENVPN_TLS_PENDING,
                    Visibility::Cleartext,
                ));
            }
            cursor = range.end;
            filled.push((range, field, vis));
        }
        if cursor < len {
            filled.push((cursor..len, OPENVPN_TLS_PENDING, Visibility::Cleartext));
        }
        for (range, field, vis) in &filled {
            out.span(at + range.start..at + range.end, *field, *vis);
        }
        if c.history.len() >= MAX_HISTORY {
            c.history.pop_first();
        }
        c.history.insert(mpid, filled);
        let place = |x: u64| {
            if mine.contains(&x) {
                to_outer(x)
            } else {
                at
            }
        };
        for e in scratch.events.drain(..) {
            out.event(place(e.at), e.desc);
        }
        for n in scratch.notes.drain(..) {
            let s = place(n.at.start);
            let e = if mine.contains(&n.at.start) {
                to_outer(n.at.end.min(mine.end))
            } else {
                s
            };
            out.note(s..e, n.severity, n.group, n.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Visibility::*;

    fn labels(out: &Emitter, len: usize) -> Vec<(&'static str, Visibility)> {
        let mut l = vec![("", Undecoded); len];
        for s in &out.spans {
            for i in s.range.clone() {
                assert_eq!(l[i as usize].0, "", "byte {i} labelled twice");
                l[i as usize] = (s.field.name(), s.vis);
            }
        }
        assert!(
            l.iter().all(|x| !x.0.is_empty()),
            "every byte labelled: {l:?}"
        );
        l
    }

    /// A plain (no tls-auth) control packet.
    fn control(opcode: u8, acks: &[u32], mpid: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![opcode << 3];
        b.extend([0x11; 8]);
        b.push(acks.len() as u8);
        for a in acks {
            b.extend(a.to_be_bytes());
        }
        if !acks.is_empty() {
            b.extend([0x22; 8]);
        }
        if opcode != op::ACK_V1 {
            b.extend(mpid.to_be_bytes());
        }
        b.extend(payload);
        b
    }

    /// A TLS record of `content` type with `body`.
    fn record(content: u8, body: &[u8]) -> Vec<u8> {
        let mut r = vec![content, 3, 3];
        r.extend((body.len() as u16).to_be_bytes());
        r.extend(body);
        r
    }

    fn udp(flow: &mut OpenVpn, dir: Direction, b: &[u8]) -> Emitter {
        let mut out = Emitter::default();
        flow.feed(dir, 0, b, true, &mut out);
        out
    }

    fn probe(bytes: &[u8], transport: Transport) -> Probe<'_> {
        Probe {
            bytes,
            dir: Direction::ToServer,
            transport,
            client_port: 40000,
            server_port: 9,
        }
    }

    #[test]
    fn a_client_reset_is_recognised_on_any_port() {
        let reset = control(op::HARD_RESET_CLIENT_V2, &[], 0, &[]);
        assert_eq!(reset.len(), 14);
        assert_eq!(detect(&probe(&reset, Transport::Udp)), Detect::Yes);
        let mut tcp = vec![0, 14];
        tcp.extend(&reset);
        assert_eq!(detect(&probe(&tcp, Transport::Tcp)), Detect::Yes);
        assert_eq!(detect(&probe(&tcp[..5], Transport::Tcp)), Detect::NeedMore);
        let data = [0x48, 0, 0, 1, 9, 9, 9];
        assert_eq!(detect(&probe(&data, Transport::Udp)), Detect::No);
    }

    /// A tls-crypt-v2 client reset as OpenVPN 2.6 sends it: header, packet-ID and time,
    /// tag, encrypted message, WKc ending in its length.
    fn tls_crypt_v2_reset_packet(wkc: usize) -> Vec<u8> {
        let mut b = vec![op::HARD_RESET_CLIENT_V3 << 3];
        b.extend([0xaa; 8]);
        b.extend(0x0a01_0001u32.to_be_bytes());
        b.extend(0x625a_9e97u32.to_be_bytes());
        b.extend([0x5c; CRYPT_TAG + 20]);
        b.extend(vec![0x77; wkc - 2]);
        b.extend((wkc as u16).to_be_bytes());
        b
    }

    #[test]
    fn a_quic_short_header_is_no_tls_crypt_v2_reset() {
        let reset = tls_crypt_v2_reset_packet(299);
        assert_eq!(detect(&probe(&reset, Transport::Udp)), Detect::Yes);
        // A QUIC 1-RTT packet whose first byte is 0x50 (fixed bit, one-byte packet
        // number): 8-byte connection ID, then ciphertext. Its bytes where a time would be
        // may look like one; its last two bytes are no WKc length.
        let mut quic = vec![0x50];
        quic.extend([0xc0, 0xa0, 0xcd, 0x79, 0xb5, 0xe6, 0x8a, 0x63]);
        quic.extend(0x0a01_0001u32.to_be_bytes());
        quic.extend(0x625a_9e97u32.to_be_bytes());
        quic.extend([0x3d; 1200]);
        assert_eq!(detect(&probe(&quic, Transport::Udp)), Detect::No);
        // A WKc length longer than the packet, or shorter than its own tag, is none.
        let mut long = reset.clone();
        let n = long.len();
        long[n - 2..].copy_from_slice(&(n as u16).to_be_bytes());
        assert_eq!(detect(&probe(&long, Transport::Udp)), Detect::No);
        let mut short = reset;
        short[n - 2..].copy_from_slice(&10u16.to_be_bytes());
        assert_eq!(detect(&probe(&short, Transport::Udp)), Detect::No);
    }

    #[test]
    fn control_tls_is_handed_to_tls_and_data_is_opaque() {
        let mut flow = OpenVpn::new(Transport::Udp);
        let reset = control(op::HARD_RESET_CLIENT_V2, &[], 0, &[]);
        let l = labels(&udp(&mut flow, Direction::ToServer, &reset), reset.len());
        assert_eq!(l[0], ("openvpn.opcode", Metadata));
        assert_eq!(l[13], ("openvpn.mpid", Metadata));
        // A TLS alert record in a P_CONTROL_V1: TLS labels it.
        let p = control(op::CONTROL_V1, &[], 1, &record(21, &[2, 40]));
        let out = udp(&mut flow, Direction::ToServer, &p);
        let l = labels(&out, p.len());
        assert_eq!(l[14], ("tls.record.content_type", Metadata));
        assert!(out
            .events
            .iter()
            .any(|e| matches!(e.desc, Desc::TlsAlert { .. })));
        let data = [0x48, 0, 0, 1, 9, 9, 9, 9];
        let l = labels(&udp(&mut flow, Direction::ToServer, &data), data.len());
        assert_eq!(l[1], ("openvpn.peerid", Metadata));
        assert_eq!(l[7], ("openvpn.data", Opaque));
        let mut f = Facts::default();
        flow.facts(&mut f);
        assert_eq!(f.stack, vec!["OpenVPN", "TLS"]);
    }

    #[test]
    fn a_handshake_message_across_packets_is_readable_then_parsed() {
        let mut flow = OpenVpn::new(Transport::Udp);
        // A handshake record whose message (type 99, 40 bytes) spans two packets.
        let mut body = vec![99, 0, 0, 40];
        body.extend([7; 40]);
        let rec = record(22, &body);
        let (a, b) = rec.split_at(20);
        let p1 = control(op::CONTROL_V1, &[], 5, a);
        let l = labels(&udp(&mut flow, Direction::ToServer, &p1), p1.len());
        assert_eq!(l[p1.len() - 1], ("openvpn.tls.pending", Cleartext));
        let p2 = control(op::CONTROL_V1, &[], 6, b);
        let out = udp(&mut flow, Direction::ToServer, &p2);
        let l = labels(&out, p2.len());
        assert_eq!(l[p2.len() - 1].1, Cleartext);
        // A retransmission of the second packet gets the same labels.
        let again = labels(&udp(&mut flow, Direction::ToServer, &p2), p2.len());
        assert_eq!(l, again);
    }

    #[test]
    fn a_control_channel_packet_id_gap() {
        let mut flow = OpenVpn::new(Transport::Udp);
        let first = control(op::CONTROL_V1, &[], 1, &record(21, &[1, 0]));
        udp(&mut flow, Direction::ToClient, &first);
        // Packet 2 is lost; 3.. arrive and are held, then the bound gives up on 2.
        let mut notes = 0;
        for id in 3..(3 + MAX_HELD as u32 + 2) {
            let p = control(op::CONTROL_V1, &[], id, &record(23, &[0xee; 30]));
            let out = udp(&mut flow, Direction::ToClient, &p);
            labels(&out, p.len());
            notes += out.notes.len();
        }
        assert!(notes > MAX_HELD, "held packets and the gap are noted");
        let c = &flow.ctl[1];
        assert!(c.held.len() <= MAX_HELD && c.held_bytes <= MAX_HELD_BYTES);
        // Later packets are read again.
        let p = control(op::CONTROL_V1, &[], 100, &record(23, &[1; 4]));
        udp(&mut flow, Direction::ToClient, &p);
    }

    #[test]
    fn a_soft_reset_starts_a_new_tls_session_with_packet_ids_from_zero() {
        let mut flow = OpenVpn::new(Transport::Udp);
        let p = control(op::CONTROL_V1, &[], 7, &record(21, &[1, 0]));
        udp(&mut flow, Direction::ToServer, &p);
        let mut soft = control(op::SOFT_RESET_V1, &[], 0, &[]);
        soft[0] |= 1;
        udp(&mut flow, Direction::ToServer, &soft);
        let mut p = control(op::CONTROL_V1, &[], 1, &record(21, &[1, 0]));
        p[0] |= 1;
        let out = udp(&mut flow, Direction::ToServer, &p);
        let l = labels(&out, p.len());
        assert_eq!(
            l[14],
            ("tls.record.content_type", Metadata),
            "not a retransmission"
        );
    }

    #[test]
    fn tls_crypt_control_is_opaque() {
        let mut b = vec![op::HARD_RESET_CLIENT_V3 << 3];
        b.extend([0x11; 8]);
        b.extend(1u32.to_be_bytes());
        b.extend(0x6000_0000u32.to_be_bytes());
        b.extend([0x33; 32]);
        // The encrypted message, then WKc ending in its length (250 bytes).
        b.extend([0x44; 298]);
        b.extend(250u16.to_be_bytes());
        assert_eq!(detect(&probe(&b, Transport::Udp)), Detect::Yes);
        let mut flow = OpenVpn::new(Transport::Udp);
        let l = labels(&udp(&mut flow, Direction::ToServer, &b), b.len());
        assert_eq!(l[9], ("openvpn.pid", Metadata));
        assert_eq!(l[17], ("openvpn.tls_crypt.tag", Metadata));
        assert_eq!(l[49], ("openvpn.tls_crypt.data", Opaque));
    }

    #[test]
    fn tls_auth_hmac_size_is_found() {
        let mut b = vec![op::HARD_RESET_CLIENT_V2 << 3];
        b.extend([0x11; 8]);
        b.extend([0x55; 20]);
        b.extend(1u32.to_be_bytes());
        b.extend(0x6000_0000u32.to_be_bytes());
        b.push(0);
        b.extend(0u32.to_be_bytes());
        assert_eq!(guess_wrap(&b), Some(Wrap::Auth(20)));
        assert_eq!(detect(&probe(&b, Transport::Udp)), Detect::Yes);
    }

    #[test]
    fn tcp_lengths_zero_and_65535() {
        let mut flow = OpenVpn::new(Transport::Tcp);
        let mut out = Emitter::default();
        let reset = control(op::HARD_RESET_CLIENT_V2, &[], 0, &[]);
        let mut s = vec![0, 14];
        s.extend(&reset);
        s.extend([0, 0, 1, 2, 3]);
        let fed = flow.feed(Direction::ToServer, 0, &s, false, &mut out);
        assert_eq!(
            fed,
            Fed::Done(s.len()),
            "after a zero length, the rest is undecoded"
        );
        assert!(out.notes.iter().any(|n| n.text.contains("length 0")));
        labels(&out, s.len());

        let mut flow = OpenVpn::new(Transport::Tcp);
        let mut out = Emitter::default();
        let s = [0xff, 0xff, 0x38, 1, 2, 3];
        flow.feed(Direction::ToServer, 0, &s, true, &mut out);
        assert!(out.notes.iter().any(|n| n.text.contains("65535")));
        labels(&out, s.len());
        // A length within bounds whose packet never completes: waits, then flushes.
        let mut flow = OpenVpn::new(Transport::Tcp);
        let mut out = Emitter::default();
        let s = [0x01, 0x00, 0x38, 1, 2];
        assert_eq!(
            flow.feed(Direction::ToServer, 0, &s, false, &mut out),
            Fed::Done(0)
        );
        flow.feed(Direction::ToServer, 0, &s, true, &mut out);
        labels(&out, s.len());
    }

    #[test]
    fn truncated_packets_of_every_opcode_never_panic() {
        for opcode in 0..32u8 {
            let full = control(opcode.clamp(1, 11), &[1, 2], 3, &record(22, &[1, 0, 0, 0]));
            for cut in 1..full.len() {
                let mut b = full[..cut].to_vec();
                b[0] = opcode << 3;
                for mode in [
                    Mode::Start,
                    Mode::Tls(Some(Wrap::Plain)),
                    Mode::Tls(Some(Wrap::Auth(20))),
                    Mode::Tls(Some(Wrap::Crypt)),
                ] {
                    let mut flow = OpenVpn::new(Transport::Udp);
                    flow.mode = mode;
                    labels(&udp(&mut flow, Direction::ToServer, &b), b.len());
                }
            }
        }
    }

    #[test]
    fn static_key_packets_are_opaque_unless_text() {
        let mut flow = OpenVpn::new(Transport::Udp);
        let b = [0xf3; 48];
        let l = labels(&udp(&mut flow, Direction::ToServer, &b), b.len());
        assert_eq!(l[0], ("openvpn.data", Opaque));
        let l = labels(&udp(&mut flow, Direction::ToServer, b"hello there"), 11);
        assert_eq!(l[0].1, Undecoded);
    }
}

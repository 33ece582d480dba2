//! RDP (MS-RDPBCGR) on TCP 3389: the connection sequence an observer reads before
//! the session is encrypted.
//!
//! Every slow-path packet is a TPKT (RFC 1006: version 3, a two-byte length) around an
//! X.224 TPDU (ISO 8073). The client's Connection Request carries a routing cookie,
//! `Cookie: mstshash=USER` — the user name (or a truncated one) in the clear — and an
//! RDP Negotiation Request naming the security protocols it supports (standard RDP
//! security, TLS, CredSSP/NLA, RDSTLS); the server's Connection Confirm selects one
//! (MS-RDPBCGR 2.2.1.1, 2.2.1.2). When TLS or CredSSP is selected, TLS starts right
//! after the confirm: the connection is handed to TLS ([`Fed::Handover`]).
//!
//! Standard RDP security keeps going in the clear: the MCS Connect Initial and Response
//! (the client's computer name, the server's random and certificate) are readable;
//! then the client's random travels encrypted with the server's public key, and every
//! later PDU whose security header says SEC_ENCRYPT (or fast-path ENCRYPTED) is RC4
//! under keys from those randoms, with a MAC: opaque. That protection is weak (RC4, and
//! the server's key is not authenticated: anyone in the middle can read it), which the
//! verdict says.

use super::framing::{line_spans, upgrade_check};
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::codec::be16;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "RDP";
    // RFC 1006, ISO 8073 (X.224), MS-RDPBCGR section 2.2.
    RDP_TPKT = "tpkt.header", Header, Metadata, None, "TPKT header: version and length (RFC 1006 section 6)";
    RDP_X224 = "cotp.header", Header, Metadata, None, "X.224 TPDU header: length, code, references, class (ISO 8073)";
    RDP_COOKIE = "rdp.rt_cookie", Handshake, Cleartext, Some(UserName), "routing cookie `Cookie: mstshash=USER`: a user name (MS-RDPBCGR 2.2.1.1)";
    RDP_NEG = "rdp.negReq", Handshake, Cleartext, None, "RDP negotiation request, response or failure: the security protocols (MS-RDPBCGR 2.2.1.1.1, 2.2.1.2.1)";
    RDP_MCS = "t125.data", Handshake, Cleartext, None, "MCS and GCC connection data: capabilities, channels, the server's random and certificate (MS-RDPBCGR 2.2.1.3, 2.2.1.4)";
    RDP_CLIENT_NAME = "rdp.client.name", Handshake, Cleartext, Some(Identity), "the client's computer name in its core data (MS-RDPBCGR 2.2.1.3.2)";
    RDP_SECURITY = "rdp.flags", Header, Metadata, None, "security header flags and fast-path headers (MS-RDPBCGR 2.2.8.1.1.2)";
    RDP_MAC = "rdp.mac", Header, Opaque, None, "MAC signature of an encrypted PDU: keyed, it says nothing";
    RDP_ENCRYPTED = "rdp.encrypted", Content, Opaque, None, "RC4-encrypted PDU data under standard RDP security, or the encrypted client random";
    RDP_DATA = "rdp.data", Content, Cleartext, None, "unencrypted PDU data (licensing, control PDUs of standard security without encryption)";
}

const PROTOCOL_TLS: u32 = 1;

/// A TPKT whose X.224 TPDU is a Connection Request (from the client).
fn connection_request(b: &[u8]) -> Detect {
    match b {
        [3, 0, _, _, _, 0xe0, ..] => Detect::Yes,
        [3] | [3, 0] | [3, 0, _] | [3, 0, _, _] | [3, 0, _, _, _] => Detect::NeedMore,
        _ => Detect::No,
    }
}

/// RDP: a client's TPKT Connection Request, or port 3389.
pub static PROTOCOL: Protocol = Protocol {
    name: "RDP",
    detect: |p: &Probe<'_>| {
        if p.from_client() {
            connection_request(p.bytes)
        } else {
            Detect::No
        }
    },
    ports: &[3389],
    new: |_| Box::<Rdp>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
struct RdpDir {
    /// The Connection Request or Confirm was sent: what follows is TLS when
    /// negotiated, else MCS.
    connected: bool,
    lost: bool,
}

#[derive(Debug, Default)]
pub struct Rdp {
    dirs: [RdpDir; 2],
    requested: Option<u32>,
    selected: Option<u32>,
    users: Vec<String>,
    client_name: Option<String>,
    encrypted: u64,
}

fn protocols(p: u32) -> String {
    let mut v = Vec::new();
    if p == 0 {
        return "RDP".into();
    }
    for (bit, name) in [
        (1, "TLS"),
        (2, "CredSSP"),
        (4, "RDSTLS"),
        (8, "CredSSP-EX"),
        (0x10, "RDSAAD"),
    ] {
        if p & bit != 0 {
            v.push(name);
        }
    }
    if v.is_empty() {
        format!("{p:#x}")
    } else {
        v.join("|")
    }
}

impl Dissector for Rdp {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let d = dir.index();
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            let (connected, lost) = self
                .dirs
                .get(d)
                .map_or((false, true), |s| (s.connected, s.lost));
            if connected && self.selected.is_some_and(|s| s != 0) {
                // TLS (or CredSSP over TLS) from here on.
                return match upgrade_check(rest, flush) {
                    Some(Fed::Handover(_)) => Fed::Handover(pos),
                    Some(Fed::Done(_)) => Fed::Done(pos),
                    _ => {
                        unknown::classify_chunk(at, rest, out);
                        Fed::Done(data.len())
                    }
                };
            }
            if lost {
                unknown::classify_chunk(at, rest, out);
                return Fed::Done(data.len());
            }
            let first = rest.first().copied().unwrap_or(0);
            let (total, tpkt) = if first == 3 {
                match be16(rest, 2) {
                    Some(n) if n >= 7 => (usize::from(n), true),
                    Some(_) => (0, true),
                    None if flush => (rest.len(), true),
                    None => return Fed::Done(pos),
                }
            } else if first & 0x03 == 0 && connected {
                // Fast-path (MS-RDPBCGR 2.2.9.1.2): a one- or two-byte length.
                let Some(&l1) = rest.get(1) else {
                    if flush {
                        out.field(at..at + rest.len() as u64, RDP_SECURITY);
                        return Fed::Done(data.len());
                    }
                    return Fed::Done(pos);
                };
                let len = if l1 & 0x80 != 0 {
                    match rest.get(2) {
                        Some(&l2) => usize::from(l1 & 0x7f) << 8 | usize::from(l2),
                        None if flush => rest.len(),
                        None => return Fed::Done(pos),
                    }
                } else {
                    usize::from(l1)
                };
                (len, false)
            } else {
                (0, false)
            };
            if total < 2 {
                if let Some(st) = self.dirs.get_mut(d) {
                    st.lost = true;
                }
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Malformed,
                    "no TPKT or fast-path PDU starts here: the rest is not parsed".into(),
                );
                continue;
            }
            let Some(pdu) = rest.get(..total) else {
                if flush {
                    self.pdu(dir, at, rest, tpkt, out);
                    return Fed::Done(data.len());
                }
                return Fed::Done(pos);
            };
            self.pdu(dir, at, pdu, tpkt, out);
            pos += total;
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(st) = self.dirs.get_mut(dir.index()) {
            st.lost = true;
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("RDP".into());
        if let Some(r) = self.requested {
            facts.details.push(("rdp.requestedProtocols", protocols(r)));
        }
        if let Some(s) = self.selected {
            facts.details.push(("rdp.selectedProtocol", protocols(s)));
        }
        if !self.users.is_empty() {
            facts.details.push(("rdp.rt_cookie", self.users.join(", ")));
        }
        if let Some(n) = &self.client_name {
            facts.details.push(("rdp.client.name", n.clone()));
        }
        if self.selected == Some(0) {
            facts.protection = Some(Protection {
                proto: "RDP standard security".into(),
                cipher: Some("RC4".into()),
                weaknesses: vec!["RDP standard security: RC4, no server authentication".into()],
                ..Protection::default()
            });
        }
    }

    fn handover_name(&self) -> &'static str {
        match self.selected {
            Some(s) if s & !PROTOCOL_TLS != 0 => "CredSSP",
            _ => "TLS",
        }
    }
}

impl Rdp {
    fn app(&self, out: &mut Emitter, at: u64, text: String) {
        out.event(
            at,
            Desc::App {
                proto: "RDP",
                text,
                leaks: vec![],
            },
        );
    }

    fn pdu(&mut self, dir: Direction, at: u64, p: &[u8], tpkt: bool, out: &mut Emitter) {
        if !tpkt {
            self.fast_path(at, p, out);
            return;
        }
        out.field(at..at + 4.min(p.len()) as u64, RDP_TPKT);
        let x = p.get(4..).unwrap_or(&[]);
        let x_at = at + 4;
        let li = usize::from(x.first().copied().unwrap_or(0));
        let code = x.get(1).copied().unwrap_or(0) & 0xf0;
        match code {
            0xe0 | 0xd0 => self.connection(dir, x_at, x, code == 0xe0, out),
            0xf0 => {
                // Data TPDU: LI, code, EOT; then MCS.
                let hdr = (li + 1).min(x.len());
                out.field(x_at..x_at + hdr as u64, RDP_X224);
                self.mcs(x_at + hdr as u64, x.get(hdr..).unwrap_or(&[]), out);
            }
            _ => {
                let hdr = (li + 1).min(x.len());
                out.field(x_at..x_at + hdr as u64, RDP_X224);
                out.field(x_at + hdr as u64..x_at + x.len() as u64, RDP_DATA);
                self.app(out, at, format!("X.224 TPDU {code:#04x}"));
            }
        }
    }

    /// X.224 Connection Request or Confirm (MS-RDPBCGR 2.2.1.1, 2.2.1.2).
    fn connection(&mut self, dir: Direction, at: u64, x: &[u8], request: bool, out: &mut Emitter) {
        let mut parts: Vec<(Range<usize>, FieldId)> = vec![(0..7.min(x.len()), RDP_X224)];
        let mut pos = 7usize;
        let mut text = if request {
            "Connection Request".to_string()
        } else {
            "Connection Confirm".to_string()
        };
        if request {
            // A cookie or routing token line, CRLF-terminated.
            if let Some(line_end) = x
                .get(pos..)
                .and_then(|r| r.windows(2).position(|w| w == b"\r\n"))
            {
                let line = x.get(pos..pos + line_end).unwrap_or(&[]);
                let text_line = crate::text::lossy(line).into_owned();
                if let Some(user) = text_line.strip_prefix("Cookie: mstshash=") {
                    let start = pos + "Cookie: mstshash=".len();
                    parts.push((pos..start, RDP_NEG));
                    parts.push((start..pos + line_end, RDP_COOKIE));
                    out.event(
                        at + start as u64,
                        Desc::Leak {
                            kind: LeakKind::UserName,
                            value: user.to_string(),
                        },
                    );
                    if self.users.len() < 8 && !self.users.iter().any(|u| u == user) {
                        self.users.push(user.to_string());
                    }
                    text.push_str(&format!(" user={user}"));
                } else {
                    parts.push((pos..pos + line_end, RDP_NEG));
                    text.push_str(&format!(" {}", crate::text::shorten(&text_line, 40)));
                }
                pos += line_end + 2;
            }
        }
        if let Some(neg) = x.get(pos..pos + 8) {
            parts.push((pos..pos + 8, RDP_NEG));
            let kind = neg.first().copied().unwrap_or(0);
            let value = u32::from_le_bytes([
                neg.get(4).copied().unwrap_or(0),
                neg.get(5).copied().unwrap_or(0),
                neg.get(6).copied().unwrap_or(0),
                neg.get(7).copied().unwrap_or(0),
            ]);
            match kind {
                1 => {
                    self.requested = Some(value);
                    text.push_str(&format!(", offers {}", protocols(value)));
                }
                2 => {
                    self.selected = Some(value);
                    text.push_str(&format!(", selects {}", protocols(value)));
                }
                3 => text.push_str(&format!(", negotiation failure {value}")),
                _ => {}
            }
        } else if !request && self.selected.is_none() {
            // No negotiation response: standard RDP security.
            self.selected = Some(0);
            text.push_str(", standard RDP security");
        }
        line_spans(out, at, x.len(), &parts, RDP_NEG);
        if let Some(st) = self.dirs.get_mut(dir.index()) {
            st.connected = true;
        }
        if !request {
            // Both sides are past the handshake once the server confirmed.
            for st in &mut self.dirs {
                st.connected = true;
            }
        }
        self.app(out, at.saturating_sub(4), text);
    }

    /// An MCS PDU inside an X.224 Data TPDU (T.125).
    fn mcs(&mut self, at: u64, m: &[u8], out: &mut Emitter) {
        match m {
            [0x7f, 0x65, ..] | [0x7f, 0x66, ..] => {
                let initial = m.get(1) == Some(&0x65);
                let mut parts = Vec::new();
                // The client's core data (type 0xC001, then its length and an RDP
                // version 0x0008xxxx): the computer name at offset 24.
                if initial {
                    if let Some(core) = m
                        .windows(8)
                        .position(|w| matches!(w, [0x01, 0xc0, _, _, _, 0x00, 0x08, 0x00]))
                    {
                        let name = core + 24..core + 24 + 32;
                        if let Some(raw) = m.get(name.clone()) {
                            let units: Vec<u16> = raw
                                .chunks_exact(2)
                                .map(|c| {
                                    u16::from_le_bytes([
                                        c.first().copied().unwrap_or(0),
                                        c.get(1).copied().unwrap_or(0),
                                    ])
                                })
                                .take_while(|&u| u != 0)
                                .collect();
                            let n = String::from_utf16_lossy(&units);
                            if !n.is_empty() && n.chars().all(|c| !c.is_control()) {
                                out.event(
                                    at + name.start as u64,
                                    Desc::Leak {
                                        kind: LeakKind::Identity,
                                        value: n.clone(),
                                    },
                                );
                                self.client_name = Some(n);
                                parts.push((name, RDP_CLIENT_NAME));
                            }
                        }
                    }
                }
                line_spans(out, at, m.len(), &parts, RDP_MCS);
                let what = if initial {
                    "MCS Connect Initial"
                } else {
                    "MCS Connect Response"
                };
                let text = match (&self.client_name, initial) {
                    (Some(n), true) => format!("{what} client={n}"),
                    _ => what.to_string(),
                };
                self.app(out, at, text);
            }
            [first, ..] if matches!(first >> 2, 25 | 26) => {
                // Send Data Request/Indication: initiator, channel, priority, a PER
                // length (one or two bytes), then the data with its security header.
                let len_at = 6;
                let Some(&l1) = m.get(len_at) else {
                    out.field(at..at + m.len() as u64, RDP_MCS);
                    return;
                };
                let data_at = if l1 & 0x80 != 0 {
                    len_at + 2
                } else {
                    len_at + 1
                };
                out.field(at..at + data_at.min(m.len()) as u64, RDP_MCS);
                let data = m.get(data_at..).unwrap_or(&[]);
                self.secured(at + data_at as u64, data, out);
            }
            _ => {
                out.field(at..at + m.len() as u64, RDP_MCS);
                let name = match m.first().map(|b| b >> 2) {
                    Some(1) => "MCS Erect Domain Request",
                    Some(8) => "MCS Disconnect Provider Ultimatum",
                    Some(10) => "MCS Attach User Request",
                    Some(11) => "MCS Attach User Confirm",
                    Some(14) => "MCS Channel Join Request",
                    Some(15) => "MCS Channel Join Confirm",
                    _ => "MCS PDU",
                };
                self.app(out, at, name.into());
            }
        }
    }

    /// Data after a basic security header (MS-RDPBCGR 2.2.8.1.1.2.1): the client's
    /// encrypted random, an encrypted PDU with its MAC, or plain data.
    fn secured(&mut self, at: u64, d: &[u8], out: &mut Emitter) {
        if self.selected != Some(0) {
            out.field(at..at + d.len() as u64, RDP_DATA);
            return;
        }
        let flags = u16::from_le_bytes([
            d.first().copied().unwrap_or(0),
            d.get(1).copied().unwrap_or(0),
        ]);
        let hdr = 4.min(d.len());
        out.field(at..at + hdr as u64, RDP_SECURITY);
        let body = at + hdr as u64..at + d.len() as u64;
        if flags & 0x0001 != 0 {
            // SEC_EXCHANGE_PKT: the client random, encrypted with the server's key.
            out.field(body, RDP_ENCRYPTED);
            self.app(
                out,
                at,
                "Security Exchange (encrypted client random)".into(),
            );
        } else if flags & 0x0008 != 0 {
            let mac = (hdr + 8).min(d.len());
            out.field(at + hdr as u64..at + mac as u64, RDP_MAC);
            out.field(at + mac as u64..at + d.len() as u64, RDP_ENCRYPTED);
            self.encrypted += 1;
            out.event(
                at,
                Desc::Sealed {
                    proto: "RDP",
                    unit: "encrypted PDU",
                    len: u32::try_from(d.len()).unwrap_or(u32::MAX),
                    plaintext: None,
                },
            );
        } else {
            out.field(body, RDP_DATA);
            let what = if flags & 0x0080 != 0 {
                "licensing PDU"
            } else {
                "PDU"
            };
            self.app(out, at, what.into());
        }
    }

    /// A fast-path PDU (MS-RDPBCGR 2.2.9.1.2, 2.2.8.1.2): header, then an 8-byte MAC
    /// and encrypted data when its ENCRYPTED flag is set.
    fn fast_path(&mut self, at: u64, p: &[u8], out: &mut Emitter) {
        let first = p.first().copied().unwrap_or(0);
        let hdr = if p.get(1).is_some_and(|l| l & 0x80 != 0) {
            3
        } else {
            2
        }
        .min(p.len());
        out.field(at..at + hdr as u64, RDP_SECURITY);
        if (first >> 6) & 0x2 != 0 {
            let mac = (hdr + 8).min(p.len());
            out.field(at + hdr as u64..at + mac as u64, RDP_MAC);
            out.field(at + mac as u64..at + p.len() as u64, RDP_ENCRYPTED);
            self.encrypted += 1;
            out.event(
                at,
                Desc::Sealed {
                    proto: "RDP",
                    unit: "fast-path PDU",
                    len: u32::try_from(p.len()).unwrap_or(u32::MAX),
                    plaintext: None,
                },
            );
        } else {
            out.field(at + hdr as u64..at + p.len() as u64, RDP_DATA);
            self.app(out, at, "fast-path PDU".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cr(cookie: &str, protocols: u32) -> Vec<u8> {
        let mut x = vec![0, 0xe0, 0, 0, 0, 0, 0];
        x.extend_from_slice(format!("Cookie: mstshash={cookie}\r\n").as_bytes());
        x.extend_from_slice(&[1, 0, 8, 0]);
        x.extend_from_slice(&protocols.to_le_bytes());
        x[0] = (x.len() - 1) as u8;
        let mut t = vec![3, 0, 0, 0];
        t.extend_from_slice(&x);
        let n = t.len() as u16;
        t[2..4].copy_from_slice(&n.to_be_bytes());
        t
    }

    fn cc(selected: u32) -> Vec<u8> {
        let mut t = vec![3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0];
        t.extend_from_slice(&selected.to_le_bytes());
        t
    }

    fn feed(r: &mut Rdp, dir: Direction, b: &[u8]) -> (Fed, Emitter) {
        let mut out = Emitter::default();
        let f = r.feed(dir, 0, b, false, &mut out);
        (f, out)
    }

    #[test]
    fn the_cookie_names_the_user_and_tls_takes_over() {
        let mut r = Rdp::default();
        let req = cr("alice", 3);
        assert_eq!(connection_request(&req), Detect::Yes);
        let (f, out) = feed(&mut r, Direction::ToServer, &req);
        assert_eq!(f, Fed::Done(req.len()));
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == RDP_COOKIE && s.range.end - s.range.start == 5));
        assert!(out.events.iter().any(|e| matches!(&e.desc, Desc::App { text, .. } if text == "Connection Request user=alice, offers TLS|CredSSP")));
        // A ClientHello's record and handshake headers.
        let hello = b"\x16\x03\x01\x00\x30\x01\x00\x00\x2c\x03\x03";
        let mut conf = cc(1);
        conf.extend_from_slice(hello);
        let (f, _) = feed(&mut r, Direction::ToClient, &conf);
        assert_eq!(f, Fed::Handover(19));
        let (f, _) = feed(&mut r, Direction::ToServer, hello);
        assert_eq!(f, Fed::Handover(0));
        assert_eq!(r.handover_name(), "TLS");
    }

    #[test]
    fn standard_security_encrypted_pdus_are_opaque() {
        let mut r = Rdp::default();
        feed(&mut r, Direction::ToServer, &cr("bob", 0));
        feed(&mut r, Direction::ToClient, &cc(0));
        // Send Data Request with SEC_ENCRYPT: MAC then RC4 data.
        let mut m = vec![
            3, 0, 0, 0, 2, 0xf0, 0x80, 0x64, 0, 7, 0, 3, 0x70, 20, 0x08, 0, 0, 0,
        ];
        m.extend_from_slice(&[0xaa; 8]);
        m.extend_from_slice(&[0xbb; 8]);
        let n = m.len() as u16;
        m[2..4].copy_from_slice(&n.to_be_bytes());
        let (f, out) = feed(&mut r, Direction::ToServer, &m);
        assert_eq!(f, Fed::Done(m.len()));
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == RDP_ENCRYPTED && s.range == (26..34)));
        let mut facts = Facts::default();
        r.facts(&mut facts);
        assert!(facts.protection.unwrap().weaknesses[0].contains("RC4"));
    }

    #[test]
    fn rdp_truncated_at_every_byte_never_panics() {
        let req = cr("alice", 3);
        for n in 0..req.len() {
            let mut r = Rdp::default();
            let mut out = Emitter::default();
            r.feed(Direction::ToServer, 0, &req[..n], true, &mut out);
            let _ = connection_request(&req[..n]);
        }
        let mut r = Rdp::default();
        let mut out = Emitter::default();
        r.feed(
            Direction::ToServer,
            0,
            b"\x03\x00\x00\x01garbage",
            true,
            &mut out,
        );
        assert!(out.notes.iter().any(|n| n.text.contains("no TPKT")));
    }
}

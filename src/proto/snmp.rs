//! SNMP (RFC 3416 PDUs; v1 RFC 1157, v2c RFC 1901, v3 RFC 3412 and the User-based
//! Security Model of RFC 3414) on UDP 161 and 162: what an observer of network
//! management reads.
//!
//! v1 and v2c authenticate with a community string sent in the clear in every message:
//! a password, readable (and it often grants write access). Their PDUs are readable:
//! the request type, the object identifiers asked for (shown dotted) and the values
//! answered (system descriptions, interface tables, routing tables, ARP caches).
//!
//! v3 with USM names its user (`msgUserName`) in the clear. With authentication, the
//! message carries a 12-to-48-byte HMAC (`msgAuthenticationParameters`) keyed from the
//! user's password and the engine ID (both readable): enough to guess a weak password
//! offline, so it is reported as a credential. With privacy (`msgFlags` privFlag) the
//! scoped PDU is encrypted (DES or AES-CFB): opaque; without it the scoped PDU is as
//! readable as v2c's.
//!
//! BER is read with [`super::der`]; at most [`MAX_VARBINDS`] variable bindings are read
//! per PDU, values are shown shortened.

use super::der::{children, header, int, oid, tlv, Tlv};
use super::framing::{app_event, line_spans};
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::fields::FieldId;
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "SNMP";
    // RFC 3416 section 3, RFC 3412 section 6, RFC 3414 section 2.4.
    SNMP_MESSAGE = "snmp.message", Content, Cleartext, None, "SNMP message: version, PDU type, request ID, error status, structure (RFC 3416 section 3)";
    SNMP_COMMUNITY = "snmp.community", Content, Cleartext, Some(Credential), "community string of SNMPv1 and v2c: a password in the clear (RFC 1157 section 4.1)";
    SNMP_NAME = "snmp.name", Content, Cleartext, None, "object identifier of a variable binding";
    SNMP_VALUE = "snmp.value", Content, Cleartext, None, "value of a variable binding";
    SNMP_HEADER = "snmp.msgGlobalData", Header, Metadata, None, "SNMPv3 header data: message ID, size, flags, security model; USM engine ID, boots and time (RFC 3412 section 6, RFC 3414 section 2.4)";
    SNMP_USER = "snmp.msgUserName", Header, Cleartext, Some(UserName), "SNMPv3 USM user name (RFC 3414 section 2.4)";
    SNMP_AUTH = "snmp.msgAuthenticationParameters", Header, Cleartext, Some(Credential), "SNMPv3 HMAC keyed from the user's password: enough to guess a weak password offline (RFC 3414 section 6.3, 7.3)";
    SNMP_PRIV = "snmp.msgPrivacyParameters", Header, Metadata, None, "SNMPv3 privacy parameters: the salt of DES or AES (RFC 3414 section 8.1.1, RFC 3826)";
    SNMP_ENCRYPTED = "snmp.encryptedPDU", Content, Opaque, None, "SNMPv3 encrypted scoped PDU (RFC 3414 section 8, RFC 3826)";
}

/// Variable bindings read per PDU.
const MAX_VARBINDS: usize = 64;
/// Variable bindings shown on the packet line.
const SHOWN: usize = 3;
/// Names kept for the flow's facts.
const MAX_NAMES: usize = 16;

/// Whether a datagram is an SNMP message: a SEQUENCE holding version 0, 1 or 3 and
/// then a community string or v3's header.
pub fn looks_like(b: &[u8]) -> bool {
    let Some(outer) = header(b, 0).filter(|t| t.tag == 0x30) else {
        return false;
    };
    let Some(v) = tlv(b, outer.content, b.len()).filter(|t| t.tag == 0x02) else {
        return false;
    };
    let next = header(b, v.end).map(|t| t.tag);
    match int(b, v) {
        Some(0 | 1) => next == Some(0x04),
        Some(3) => next == Some(0x30),
        _ => false,
    }
}

/// SNMP: a message by content, or the ports (agent 161, traps 162).
pub static PROTOCOL: Protocol = Protocol {
    name: "SNMP",
    detect: |p: &Probe<'_>| Detect::when(p.either_port(&[161, 162]) && looks_like(p.bytes)),
    ports: &[161, 162],
    new: |_| Box::<Snmp>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
pub struct Snmp {
    versions: Vec<&'static str>,
    communities: Vec<String>,
    users: Vec<String>,
    /// v3 messages with an encrypted scoped PDU.
    encrypted: u64,
}

fn remember<T: PartialEq>(list: &mut Vec<T>, v: T) {
    if list.len() < MAX_NAMES && !list.contains(&v) {
        list.push(v);
    }
}

impl Dissector for Snmp {
    fn feed(&mut self, _: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        self.message(base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("SNMP".into());
        if !self.versions.is_empty() {
            facts
                .details
                .push(("snmp.version", self.versions.join(", ")));
        }
        if !self.communities.is_empty() {
            facts
                .details
                .push(("snmp.community", self.communities.join(", ")));
        }
        if !self.users.is_empty() {
            facts
                .details
                .push(("snmp.msgUserName", self.users.join(", ")));
        }
        if self.encrypted > 0 {
            facts.protection = Some(Protection {
                proto: "SNMPv3 USM".into(),
                cipher: None,
                weaknesses: vec!["the user name and the HMAC travel in the clear: a weak password can be guessed offline".into()],
                ..Protection::default()
            });
        }
    }
}

fn pdu_name(tag: u8) -> Option<&'static str> {
    Some(match tag {
        0xa0 => "GetRequest",
        0xa1 => "GetNextRequest",
        0xa2 => "Response",
        0xa3 => "SetRequest",
        0xa4 => "Trap",
        0xa5 => "GetBulkRequest",
        0xa6 => "InformRequest",
        0xa7 => "SNMPv2-Trap",
        0xa8 => "Report",
        _ => return None,
    })
}

fn error_status(e: i64) -> String {
    const NAMES: &[&str] = &[
        "noError",
        "tooBig",
        "noSuchName",
        "badValue",
        "readOnly",
        "genErr",
        "noAccess",
        "wrongType",
        "wrongLength",
        "wrongEncoding",
        "wrongValue",
        "noCreation",
        "inconsistentValue",
        "resourceUnavailable",
        "commitFailed",
        "undoFailed",
        "authorizationError",
        "notWritable",
        "inconsistentName",
    ];
    usize::try_from(e)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map_or_else(|| format!("error {e}"), |n| (*n).to_string())
}

/// A value as an observer would read it.
fn value(b: &[u8], v: Tlv) -> String {
    let bytes = b.get(v.range()).unwrap_or(&[]);
    let s = match v.tag {
        0x02 | 0x41 | 0x42 | 0x43 | 0x46 => {
            // INTEGER and the unsigned application types (Counter, Gauge, TimeTicks).
            let n = bytes
                .iter()
                .take(9)
                .fold(0u128, |acc, &x| (acc << 8) | u128::from(x));
            if v.tag == 0x02 {
                int(b, v).map_or_else(|| n.to_string(), |i| i.to_string())
            } else {
                n.to_string()
            }
        }
        0x04 if bytes
            .iter()
            .all(|&c| (0x20..0x7f).contains(&c) || c == b'\n' || c == b'\r' || c == b'\t') =>
        {
            format!("\"{}\"", crate::text::lossy(bytes))
        }
        0x04 | 0x44 => hex::encode(bytes.get(..bytes.len().min(32)).unwrap_or(&[])),
        0x05 => "NULL".into(),
        0x06 => oid(bytes).unwrap_or_else(|| "?".into()),
        0x40 if bytes.len() == 4 => bytes
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("."),
        0x80 => "noSuchObject".into(),
        0x81 => "noSuchInstance".into(),
        0x82 => "endOfMibView".into(),
        t => format!("[{t:#04x}] {} bytes", bytes.len()),
    };
    crate::text::shorten(&s, 60)
}

impl Snmp {
    fn message(&mut self, at: u64, m: &[u8], out: &mut Emitter) {
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        let mut leaks = Vec::new();
        let text = self.read(m, &mut parts, &mut leaks, at, out);
        line_spans(out, at, m.len(), &parts, SNMP_MESSAGE);
        app_event(out, at, "SNMP", text, leaks);
    }

    fn read(
        &mut self,
        m: &[u8],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        leaks: &mut Vec<String>,
        at: u64,
        out: &mut Emitter,
    ) -> String {
        let Some(outer) = tlv(m, 0, m.len()).filter(|t| t.tag == 0x30) else {
            return "message (cut off or malformed)".into();
        };
        let items = children(m, outer);
        let version = items.first().and_then(|v| int(m, *v));
        match version {
            Some(v @ (0 | 1)) => {
                let name = if v == 0 { "v1" } else { "v2c" };
                remember(&mut self.versions, name);
                let mut text = name.to_string();
                if let Some(c) = items.get(1).filter(|c| c.tag == 0x04) {
                    let community =
                        crate::text::lossy(m.get(c.range()).unwrap_or(&[])).into_owned();
                    parts.push((c.range(), SNMP_COMMUNITY));
                    leaks.push(format!("community={community}"));
                    remember(&mut self.communities, community);
                }
                if let Some(p) = items.get(2) {
                    text.push(' ');
                    text.push_str(&pdu(m, *p, parts));
                }
                text
            }
            Some(3) => {
                remember(&mut self.versions, "v3");
                self.v3(m, &items, parts, leaks, at, out)
            }
            Some(v) => format!("version {v}"),
            None => "message".into(),
        }
    }

    /// SNMPv3 (RFC 3412 section 6): header data, USM parameters, the scoped PDU.
    fn v3(
        &mut self,
        m: &[u8],
        items: &[Tlv],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        leaks: &mut Vec<String>,
        at: u64,
        out: &mut Emitter,
    ) -> String {
        let mut text = "v3".to_string();
        if let Some(v) = items.first() {
            parts.push((v.content.saturating_sub(2)..v.end, SNMP_HEADER));
        }
        let mut flags = 0u8;
        if let Some(g) = items.get(1) {
            parts.push((g.content.saturating_sub(2)..g.end, SNMP_HEADER));
            flags = children(m, *g)
                .get(2)
                .filter(|f| f.tag == 0x04)
                .and_then(|f| m.get(f.content).copied())
                .unwrap_or(0);
        }
        let (auth, privacy) = (flags & 1 != 0, flags & 2 != 0);
        if let Some(sp) = items.get(2).filter(|t| t.tag == 0x04) {
            let usm = tlv(m, sp.content, sp.end).filter(|t| t.tag == 0x30);
            let fields = usm.map(|u| children(m, u)).unwrap_or_default();
            parts.push((
                sp.content.saturating_sub(2)..fields.get(3).map_or(sp.end, |f| f.content),
                SNMP_HEADER,
            ));
            let mut user = String::new();
            if let Some(u) = fields.get(3) {
                user = crate::text::lossy(m.get(u.range()).unwrap_or(&[])).into_owned();
                parts.push((u.range(), SNMP_USER));
                if !user.is_empty() {
                    out.event(
                        at + u.content as u64,
                        Desc::Leak {
                            kind: LeakKind::UserName,
                            value: user.clone(),
                        },
                    );
                    remember(&mut self.users, user.clone());
                }
            }
            if let Some(a) = fields.get(4) {
                parts.push((a.content.saturating_sub(2)..a.content, SNMP_HEADER));
                if a.end > a.content {
                    parts.push((a.range(), SNMP_AUTH));
                    leaks.push(format!(
                        "user={user} HMAC={}",
                        hex::encode(m.get(a.range()).unwrap_or(&[]))
                    ));
                }
            }
            if let Some(p) = fields.get(5) {
                parts.push((p.content.saturating_sub(2)..p.end, SNMP_PRIV));
            }
            let level = match (auth, privacy) {
                (true, true) => "authPriv",
                (true, false) => "authNoPriv",
                _ => "noAuthNoPriv",
            };
            if user.is_empty() {
                text.push_str(&format!(" {level}"));
            } else {
                text.push_str(&format!(" user={user} {level}"));
            }
        }
        match items.get(3) {
            Some(e) if e.tag == 0x04 => {
                parts.push((e.content.saturating_sub(2)..e.content, SNMP_HEADER));
                parts.push((e.range(), SNMP_ENCRYPTED));
                self.encrypted += 1;
                text.push_str(" encrypted PDU");
            }
            Some(s) if s.tag == 0x30 => {
                // ScopedPDU: contextEngineID, contextName, PDU.
                let scoped = children(m, *s);
                if let Some(p) = scoped.get(2) {
                    text.push(' ');
                    text.push_str(&pdu(m, *p, parts));
                }
            }
            _ => {}
        }
        text
    }
}

/// A PDU (RFC 3416 section 3; v1's Trap-PDU, RFC 1157 section 4.1.6): its type, error
/// and the first variable bindings.
fn pdu(m: &[u8], p: Tlv, parts: &mut Vec<(Range<usize>, FieldId)>) -> String {
    let Some(name) = pdu_name(p.tag) else {
        return format!("PDU {:#04x}", p.tag);
    };
    let fields = children(m, p);
    let mut text = name.to_string();
    let list = if p.tag == 0xa4 {
        if let Some(e) = fields.first().filter(|e| e.tag == 0x06) {
            text.push_str(&format!(
                " {}",
                oid(m.get(e.range()).unwrap_or(&[])).unwrap_or_default()
            ));
        }
        fields.get(5)
    } else {
        if p.tag != 0xa5 {
            if let Some(e) = fields.get(1).and_then(|e| int(m, *e)).filter(|&e| e != 0) {
                text.push_str(&format!(" {}", error_status(e)));
            }
        }
        fields.get(3)
    };
    let mut shown = Vec::new();
    if let Some(list) = list.filter(|l| l.tag == 0x30) {
        let binds = children(m, *list);
        for vb in binds.iter().take(MAX_VARBINDS) {
            let pair = children(m, *vb);
            let (Some(n), Some(v)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            parts.push((n.range(), SNMP_NAME));
            parts.push((v.range(), SNMP_VALUE));
            let name = oid(m.get(n.range()).unwrap_or(&[])).unwrap_or_else(|| "?".into());
            if shown.len() < SHOWN {
                shown.push(if v.tag == 0x05 {
                    name
                } else {
                    format!("{name} = {}", value(m, *v))
                });
            }
        }
        if binds.len() > SHOWN {
            shown.push(format!("… {} in all", binds.len()));
        }
    }
    if !shown.is_empty() {
        text.push_str(&format!(" {}", shown.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = content.len();
        if n < 0x80 {
            v.push(n as u8);
        } else {
            v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(content);
        v
    }

    fn get_v2c(community: &str) -> Vec<u8> {
        let vb = der(
            0x30,
            &[der(0x06, &[0x2b, 6, 1, 2, 1, 1, 1, 0]), der(0x05, &[])].concat(),
        );
        let pdu = der(
            0xa0,
            &[
                der(0x02, &[7]),
                der(0x02, &[0]),
                der(0x02, &[0]),
                der(0x30, &vb),
            ]
            .concat(),
        );
        der(
            0x30,
            &[der(0x02, &[1]), der(0x04, community.as_bytes()), pdu].concat(),
        )
    }

    fn v3_authpriv() -> Vec<u8> {
        let global = der(
            0x30,
            &[
                der(0x02, &[1]),
                der(0x02, &[0x05, 0xdc]),
                der(0x04, &[3]),
                der(0x02, &[3]),
            ]
            .concat(),
        );
        let usm = der(
            0x30,
            &[
                der(0x04, &[0x80, 0, 0x1f, 0x88, 4, 1, 2, 3]),
                der(0x02, &[1]),
                der(0x02, &[9]),
                der(0x04, b"alice"),
                der(0x04, &[0xaa; 12]),
                der(0x04, &[0x55; 8]),
            ]
            .concat(),
        );
        der(
            0x30,
            &[
                der(0x02, &[3]),
                global,
                der(0x04, &usm),
                der(0x04, &[0x99; 40]),
            ]
            .concat(),
        )
    }

    fn run(m: &[u8]) -> (Emitter, Snmp) {
        let mut s = Snmp::default();
        let mut out = Emitter::default();
        s.feed(Direction::ToServer, 0, m, true, &mut out);
        let mut seen = vec![0u8; m.len()];
        for sp in &out.spans {
            for i in sp.range.clone() {
                seen[i as usize] += 1;
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "every byte once: {:?}",
            out.spans
        );
        (out, s)
    }

    fn apps(out: &Emitter) -> Vec<String> {
        out.events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn v2c_community_is_a_credential_and_oids_are_dotted() {
        let m = get_v2c("public");
        assert!(looks_like(&m));
        let (out, s) = run(&m);
        assert_eq!(
            apps(&out),
            ["v2c GetRequest 1.3.6.1.2.1.1.1.0 [\"community=public\"]"]
        );
        assert!(out.spans.iter().any(|s| s.field == SNMP_COMMUNITY));
        assert_eq!(s.communities, ["public"]);
    }

    #[test]
    fn v3_authpriv_names_the_user_and_hides_the_pdu() {
        let m = v3_authpriv();
        assert!(looks_like(&m));
        let (out, s) = run(&m);
        let a = apps(&out);
        assert_eq!(a.len(), 1);
        assert!(
            a[0].starts_with("v3 user=alice authPriv encrypted PDU"),
            "{a:?}"
        );
        assert!(out
            .spans
            .iter()
            .any(|sp| sp.field == SNMP_ENCRYPTED && sp.range.end - sp.range.start == 40));
        assert!(out.spans.iter().any(|sp| sp.field == SNMP_AUTH));
        assert_eq!(s.users, ["alice"]);
        let mut f = Facts::default();
        s.facts(&mut f);
        assert!(f.protection.is_some());
    }

    #[test]
    fn v1_trap_names_the_enterprise_and_its_community_is_a_credential() {
        // RFC 1157 Trap-PDU: enterprise, agent-addr, generic-trap, specific-trap,
        // time-stamp, variable-bindings.
        let enterprise = der(0x06, &[0x2b, 6, 1, 4, 1, 0xbf, 0x08, 2, 3, 1]);
        let bind = der(
            0x30,
            &[
                der(0x06, &[0x2b, 6, 1, 2, 1, 1, 5, 0]),
                der(0x04, b"edge-router"),
            ]
            .concat(),
        );
        let trap = der(
            0xa4,
            &[
                enterprise,
                der(0x40, &[192, 0, 2, 1]),
                der(0x02, &[6]),
                der(0x02, &[17]),
                der(0x43, &[0x01, 0x00]),
                der(0x30, &bind),
            ]
            .concat(),
        );
        let m = der(
            0x30,
            &[der(0x02, &[0]), der(0x04, b"private"), trap].concat(),
        );
        assert!(looks_like(&m));
        let (out, s) = run(&m);
        let a = apps(&out);
        assert_eq!(a.len(), 1, "{a:?}");
        assert!(a[0].starts_with("v1 Trap 1.3.6.1.4.1.8072.2.3.1"), "{a:?}");
        assert!(a[0].contains("\"community=private\""), "{a:?}");
        assert!(out.spans.iter().any(|sp| sp.field == SNMP_VALUE));
        assert_eq!(s.communities, ["private"]);
    }

    #[test]
    fn snmp_truncated_at_every_byte_never_panics() {
        for m in [get_v2c("public"), v3_authpriv()] {
            for n in 0..m.len() {
                let _ = looks_like(&m[..n]);
                run(&m[..n]);
            }
        }
        // Lengths of 2^31 inside.
        run(b"\x30\x0c\x02\x01\x01\x04\x84\x80\x00\x00\x00public");
    }
}

//! Kerberos 5 (RFC 4120) on UDP and TCP port 88: what an observer of a KDC exchange
//! reads. Messages are ASN.1 DER (RFC 4120 section 5); over TCP each has a four-byte
//! length before it (section 7.2.2).
//!
//! Readable: the client principal (cname) and realm of AS-REQ, AS-REP and KRB-ERROR, the
//! service principal asked for (sname: `HTTP/web.example.test` names a server and its
//! service), options, nonces, encryption types, addresses, error codes, e-text and
//! e-data (whose PA-ETYPE-INFO2 salt names the principal again). Opaque: every
//! EncryptedData's cipher — tickets, the AS-REP and TGS-REP enc-parts, authenticators,
//! the encrypted timestamp of pre-authentication. Two of those are keyed by the user's
//! password, so an observer can guess it offline, and both are reported as
//! credentials (as a NetNTLM response is): the encrypted timestamp (PA-ENC-TIMESTAMP)
//! and the AS-REP's enc-part (unless PKINIT keyed it). When the AS-REQ carried no
//! encrypted timestamp the KDC answered without pre-authentication, which is the
//! AS-REP roasting weakness (anyone may ask for one): a warning says so.
//!
//! The DER walker reads one-byte tags and definite lengths of up to four bytes, never
//! recurses (each structure is read by its own function, to a fixed depth), looks at
//! most [`MAX_CHILDREN`] elements of a sequence, and reads nothing outside the bytes it
//! is given.

use super::der::{children, explicit, header, text, tlv, Tlv};
use super::framing::{framed, line_spans, Framing, Header};
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::decode::Transport;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

/// An INTEGER's value.
fn int(b: &[u8], t: Tlv) -> Option<i64> {
    if t.tag != 0x02 {
        return None;
    }
    super::der::int(b, t)
}

crate::fields! {
    proto = "Kerberos";
    // RFC 4120 section 5 and 7.2.
    KRB_RECORD_MARK = "kerberos.rm", Header, Metadata, None, "record mark: the length of a message over TCP (RFC 4120 section 7.2.2)";
    KRB_MESSAGE = "kerberos.message", Handshake, Cleartext, None, "Kerberos message: types, options, nonces, times, encryption types, addresses (RFC 4120 section 5)";
    KRB_CNAME = "kerberos.CNameString", Handshake, Cleartext, Some(Identity), "client principal name (RFC 4120 section 5.4.1)";
    KRB_REALM = "kerberos.realm", Handshake, Cleartext, Some(Identity), "realm of the client or the service (RFC 4120 section 5.2.1)";
    KRB_SNAME = "kerberos.SNameString", Handshake, Cleartext, Some(Url), "service principal name: the service and host asked for (RFC 4120 section 5.4.1)";
    KRB_CIPHER = "kerberos.cipher", Handshake, Opaque, None, "an EncryptedData's ciphertext: ticket, enc-part, authenticator, encrypted timestamp (RFC 4120 section 5.2.9)";
    KRB_ETEXT = "kerberos.e_text", Handshake, Cleartext, None, "error text and data of a KRB-ERROR (RFC 4120 section 5.9.1)";
}

/// Name components read per principal.
const MAX_COMPONENTS: usize = 8;
/// Names kept for the flow's facts.
const MAX_NAMES: usize = 16;

/// The message types (RFC 4120 section 5.10's APPLICATION tags).
fn message_name(tag: u8) -> Option<&'static str> {
    Some(match tag {
        0x6a => "AS-REQ",
        0x6b => "AS-REP",
        0x6c => "TGS-REQ",
        0x6d => "TGS-REP",
        0x6e => "AP-REQ",
        0x6f => "AP-REP",
        0x74 => "KRB-SAFE",
        0x75 => "KRB-PRIV",
        0x76 => "KRB-CRED",
        0x7e => "KRB-ERROR",
        _ => return None,
    })
}

fn error_name(code: i64) -> String {
    match code {
        6 => "KDC_ERR_C_PRINCIPAL_UNKNOWN".into(),
        7 => "KDC_ERR_S_PRINCIPAL_UNKNOWN".into(),
        12 => "KDC_ERR_POLICY".into(),
        14 => "KDC_ERR_ETYPE_NOSUPP".into(),
        18 => "KDC_ERR_CLIENT_REVOKED".into(),
        23 => "KDC_ERR_KEY_EXPIRED".into(),
        24 => "KDC_ERR_PREAUTH_FAILED".into(),
        25 => "KDC_ERR_PREAUTH_REQUIRED".into(),
        31 => "KRB_AP_ERR_BAD_INTEGRITY".into(),
        32 => "KRB_AP_ERR_TKT_EXPIRED".into(),
        37 => "KRB_AP_ERR_SKEW".into(),
        41 => "KRB_AP_ERR_MODIFIED".into(),
        52 => "KRB_ERR_RESPONSE_TOO_BIG".into(),
        60 => "KRB_ERR_GENERIC".into(),
        68 => "KDC_ERR_WRONG_REALM".into(),
        c => format!("error {c}"),
    }
}

/// Whether `b` starts like a Kerberos message: a known APPLICATION tag around a
/// SEQUENCE whose first element is pvno 5 (`[0]` or `[1]` INTEGER 5).
pub fn looks_like(b: &[u8]) -> bool {
    let Some(outer) = header(b, 0) else {
        return false;
    };
    if message_name(outer.tag).is_none() {
        return false;
    }
    let Some(seq) = header(b.get(outer.content..).unwrap_or(&[]), 0) else {
        return false;
    };
    if seq.tag != 0x30 {
        return false;
    }
    let at = outer.content + seq.content;
    matches!(b.get(at..at + 5), Some([0xa0 | 0xa1, 3, 2, 1, 5]))
}

/// Kerberos: a KDC message by content (after the record mark on TCP), or port 88.
pub static PROTOCOL: Protocol = Protocol {
    name: "Kerberos",
    detect: |p: &Probe<'_>| match p.transport {
        Transport::Udp => Detect::when(looks_like(p.bytes)),
        Transport::Tcp => match p.bytes.get(4..) {
            Some(rest) if rest.len() >= 8 => Detect::when(looks_like(rest)),
            _ if p.server_port == 88 => Detect::NeedMore,
            _ => Detect::No,
        },
    },
    ports: &[88],
    new: |p| Box::new(Kerberos::new(p.transport)),
    fields: FIELDS,
};

#[derive(Debug)]
pub struct Kerberos {
    transport: Transport,
    dirs: [Framing; 2],
    state: State,
}

/// What the flow's messages taught, across both directions.
#[derive(Debug, Default)]
struct State {
    /// The last AS-REQ carried no encrypted timestamp: its AS-REP is roastable.
    unauthenticated_as_req: bool,
    clients: Vec<String>,
    services: Vec<String>,
    realms: Vec<String>,
}

fn remember(list: &mut Vec<String>, v: &str) {
    if !v.is_empty() && list.len() < MAX_NAMES && !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

impl Kerberos {
    pub fn new(transport: Transport) -> Kerberos {
        Kerberos {
            transport,
            dirs: Default::default(),
            state: State::default(),
        }
    }
}

impl Dissector for Kerberos {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        if self.transport == Transport::Udp {
            self.state.message(base, data, out);
            return Fed::Done(data.len());
        }
        let Some(framing) = self.dirs.get_mut(dir.index()) else {
            return Fed::Done(0);
        };
        let state = &mut self.state;
        let mark = |b: &[u8]| match crate::codec::be32(b, 0) {
            // The high bit is reserved (RFC 4120 section 7.2.2): no longer lengths.
            Some(n) if n & 0x8000_0000 != 0 => Header::Bad,
            Some(n) => Header::Len(4usize.saturating_add(n as usize)),
            None => Header::NeedMore,
        };
        framed(
            framing,
            data,
            base,
            flush,
            out,
            KRB_MESSAGE,
            "Kerberos",
            mark,
            |at, m, out| {
                out.field(at..at + 4.min(m.len()) as u64, KRB_RECORD_MARK);
                state.message(at + 4, m.get(4..).unwrap_or(&[]), out);
            },
        )
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(f) = self.dirs.get_mut(dir.index()) {
            f.lose();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("Kerberos".into());
        for (name, list) in [
            ("kerberos.CNameString", &self.state.clients),
            ("kerberos.realm", &self.state.realms),
            ("kerberos.SNameString", &self.state.services),
        ] {
            if !list.is_empty() {
                facts.details.push((name, list.join(", ")));
            }
        }
    }
}

/// What one message gave away, as it is read.
#[derive(Default)]
struct Read {
    parts: Vec<(Range<usize>, FieldId)>,
    client: Option<String>,
    realm: Option<String>,
    service: Option<String>,
}

impl Read {
    /// A PrincipalName (RFC 4120 section 5.2.2): its components joined by `/`.
    fn principal(&mut self, b: &[u8], name: Tlv, field: FieldId) -> Option<String> {
        let strings = field_of(b, name, 1)?;
        let parts: Vec<Tlv> = children(b, strings)
            .into_iter()
            .take(MAX_COMPONENTS)
            .collect();
        let mut shown = Vec::new();
        for p in parts {
            self.parts.push((p.range(), field));
            shown.push(text(b, p));
        }
        Some(shown.join("/"))
    }

    fn realm(&mut self, b: &[u8], r: Tlv) -> String {
        self.parts.push((r.range(), KRB_REALM));
        text(b, r)
    }

    /// An EncryptedData (RFC 4120 section 5.2.9): its cipher is opaque.
    fn encrypted(&mut self, b: &[u8], ed: Tlv) {
        if let Some(c) = field_of(b, ed, 2) {
            self.parts.push((c.range(), KRB_CIPHER));
        }
    }

    /// A Ticket (RFC 4120 section 5.3): realm and sname readable, enc-part opaque.
    fn ticket(&mut self, b: &[u8], t: Tlv) {
        let Some(seq) = tlv(b, t.content, t.end).filter(|s| s.tag == 0x30) else {
            return;
        };
        if let Some(r) = field_of(b, seq, 1) {
            let realm = self.realm(b, r);
            self.realm.get_or_insert(realm);
        }
        if let Some(n) = field_of(b, seq, 2) {
            if let Some(s) = self.principal(b, n, KRB_SNAME) {
                self.service.get_or_insert(s);
            }
        }
        if let Some(e) = field_of(b, seq, 3) {
            self.encrypted(b, e);
        }
    }

    /// An AP-REQ (RFC 4120 section 5.5.1): its ticket and the opaque authenticator.
    fn ap_req(&mut self, b: &[u8], app: Tlv) {
        let Some(seq) = tlv(b, app.content, app.end).filter(|s| s.tag == 0x30) else {
            return;
        };
        if let Some(t) = field_of(b, seq, 3) {
            self.ticket(b, t);
        }
        if let Some(a) = field_of(b, seq, 4) {
            self.encrypted(b, a);
        }
    }

    /// PA-DATA (RFC 4120 section 5.2.7): returns whether an encrypted timestamp was
    /// among them.
    fn padata(&mut self, b: &[u8], list: Tlv) -> bool {
        let mut timestamp = false;
        for pa in children(b, list) {
            let (Some(kind), Some(value)) = (
                field_of(b, pa, 1).and_then(|t| int(b, t)),
                field_of(b, pa, 2),
            ) else {
                continue;
            };
            match kind {
                // PA-TGS-REQ: an AP-REQ.
                1 => {
                    if let Some(ap) = tlv(b, value.content, value.end).filter(|t| t.tag == 0x6e) {
                        self.ap_req(b, ap);
                    }
                }
                // PA-ENC-TIMESTAMP: EncryptedData, keyed by the password.
                2 => {
                    timestamp = true;
                    if let Some(ed) = tlv(b, value.content, value.end) {
                        self.encrypted(b, ed);
                    }
                }
                // PA-FX-FAST (RFC 6113): an armored request or reply, all encrypted.
                136 => self.parts.push((value.range(), KRB_CIPHER)),
                _ => {}
            }
        }
        timestamp
    }
}

/// The element inside context tag `[n]`.
fn field_of(b: &[u8], seq: Tlv, n: u8) -> Option<Tlv> {
    explicit(b, seq, n)
}

impl State {
    /// Labels one message at `at` (`m` may be cut short) and describes it.
    fn message(&mut self, at: u64, m: &[u8], out: &mut Emitter) {
        let mut read = Read::default();
        let mut leaks = Vec::new();
        let text = self.read(m, &mut read, &mut leaks, at, out);
        line_spans(out, at, m.len(), &read.parts, KRB_MESSAGE);
        if let Some(c) = &read.client {
            out.event(
                at,
                Desc::Leak {
                    kind: LeakKind::Identity,
                    value: c.clone(),
                },
            );
            remember(&mut self.clients, c);
        }
        if let Some(r) = &read.realm {
            remember(&mut self.realms, r);
        }
        if let Some(s) = &read.service {
            out.event(
                at,
                Desc::Leak {
                    kind: LeakKind::Url,
                    value: s.clone(),
                },
            );
            remember(&mut self.services, s);
        }
        super::framing::app_event(out, at, "Kerberos", text, leaks);
    }

    fn read(
        &mut self,
        m: &[u8],
        read: &mut Read,
        leaks: &mut Vec<String>,
        at: u64,
        out: &mut Emitter,
    ) -> String {
        let Some(app) = tlv(m, 0, m.len()) else {
            return match header(m, 0).and_then(|h| message_name(h.tag)) {
                Some(name) => format!("{name} (cut off)"),
                None => "message".into(),
            };
        };
        let Some(name) = message_name(app.tag) else {
            return format!("message with tag {:#04x}", app.tag);
        };
        let Some(seq) = tlv(m, app.content, app.end).filter(|s| s.tag == 0x30) else {
            return name.into();
        };
        let at_of = |client: &Option<String>, realm: &Option<String>| match (client, realm) {
            (Some(c), Some(r)) => format!("{c}@{r}"),
            (Some(c), None) => c.clone(),
            _ => String::new(),
        };
        match app.tag {
            0x6a | 0x6c => {
                let timestamp = field_of(m, seq, 3).is_some_and(|p| read.padata(m, p));
                let Some(body) = field_of(m, seq, 4) else {
                    return name.into();
                };
                if let Some(c) = field_of(m, body, 1) {
                    read.client = read.principal(m, c, KRB_CNAME);
                }
                if let Some(r) = field_of(m, body, 2) {
                    read.realm = Some(read.realm(m, r));
                }
                let mut service = None;
                if let Some(s) = field_of(m, body, 3) {
                    service = read.principal(m, s, KRB_SNAME);
                }
                if let Some(e) = field_of(m, body, 10) {
                    read.encrypted(m, e);
                }
                if let Some(tickets) = field_of(m, body, 11) {
                    for t in children(m, tickets) {
                        read.ticket(m, t);
                    }
                }
                if app.tag == 0x6a {
                    self.unauthenticated_as_req = !timestamp;
                }
                if service.is_some() {
                    read.service = service;
                }
                let mut t = name.to_string();
                let who = at_of(&read.client, &read.realm);
                if !who.is_empty() {
                    t.push_str(&format!(" {who}"));
                }
                if let Some(s) = &read.service {
                    t.push_str(&format!(" for {s}"));
                }
                if app.tag == 0x6a && timestamp {
                    // Keyed by the password (a salted string-to-key): a guess is
                    // checked offline by decrypting it (hashcat's krb5pa modes).
                    t.push_str(" (encrypted timestamp: crackable offline)");
                    leaks.push(format!("encrypted timestamp of {who}"));
                }
                t
            }
            0x6b | 0x6d => {
                if let Some(r) = field_of(m, seq, 3) {
                    read.realm = Some(read.realm(m, r));
                }
                if let Some(c) = field_of(m, seq, 4) {
                    read.client = read.principal(m, c, KRB_CNAME);
                }
                let realm = read.realm.clone();
                if let Some(t) = field_of(m, seq, 5) {
                    read.ticket(m, t);
                }
                read.realm = realm;
                if let Some(e) = field_of(m, seq, 6) {
                    read.encrypted(m, e);
                }
                let who = at_of(&read.client, &read.realm);
                let mut t = format!("{name} {who}").trim_end().to_string();
                if let Some(s) = &read.service {
                    t.push_str(&format!(" ticket for {s}"));
                }
                // PKINIT (PA-PK-AS-REP, 17, or its draft 20): the reply key comes
                // from a key exchange, not from the password.
                let pkinit = app.tag == 0x6b
                    && field_of(m, seq, 2).is_some_and(|list| {
                        children(m, list).into_iter().any(|pa| {
                            matches!(field_of(m, pa, 1).and_then(|t| int(m, t)), Some(17 | 20))
                        })
                    });
                if app.tag == 0x6b && !pkinit && !self.unauthenticated_as_req {
                    // The enc-part is keyed by the client's password whether or not
                    // the KDC asked for pre-authentication: an observer who saw it
                    // can check guesses offline (hashcat's krb5asrep modes).
                    leaks.push(format!("AS-REP enc-part for {who}"));
                }
                if app.tag == 0x6b && !pkinit && self.unauthenticated_as_req {
                    // The enc-part is keyed by the client's password, and the KDC
                    // gave it without proof that the client knows it.
                    t.push_str(" (no pre-authentication: enc-part crackable offline)");
                    leaks.push(format!("AS-REP for {who} without pre-authentication"));
                    out.note(
                        at..at + m.len() as u64,
                        Severity::Warn,
                        NoteGroup::Leak,
                        "AS-REP without pre-authentication: its enc-part, keyed by the user's password, can be guessed offline (AS-REP roasting)".into(),
                    );
                }
                self.unauthenticated_as_req = false;
                t
            }
            0x7e => {
                let code = field_of(m, seq, 6).and_then(|t| int(m, t));
                if let Some(r) = field_of(m, seq, 7) {
                    read.realm = Some(read.realm(m, r));
                }
                if let Some(c) = field_of(m, seq, 8) {
                    read.client = read.principal(m, c, KRB_CNAME);
                }
                if let Some(r) = field_of(m, seq, 9) {
                    let realm = read.realm(m, r);
                    read.realm.get_or_insert(realm);
                }
                if let Some(s) = field_of(m, seq, 10) {
                    read.service = read.principal(m, s, KRB_SNAME);
                }
                let mut etext = None;
                if let Some(e) = field_of(m, seq, 11) {
                    read.parts.push((e.range(), KRB_ETEXT));
                    etext = Some(text(m, e));
                }
                if let Some(d) = field_of(m, seq, 12) {
                    read.parts.push((d.range(), KRB_ETEXT));
                }
                let mut t = format!("{name} {}", code.map_or_else(|| "?".into(), error_name));
                let who = at_of(&read.client, &read.realm);
                if read.client.is_some() {
                    t.push_str(&format!(" {who}"));
                }
                if let Some(e) = etext.filter(|e| !e.is_empty()) {
                    t.push_str(&format!(" \"{}\"", crate::text::shorten(&e, 60)));
                }
                t
            }
            0x6e => {
                read.ap_req(m, app);
                match &read.service {
                    Some(s) => format!("{name} for {s}"),
                    None => name.into(),
                }
            }
            0x6f | 0x75 | 0x76 => {
                // AP-REP [2], KRB-PRIV [3], KRB-CRED [3]: the enc-part.
                let n = if app.tag == 0x6f { 2 } else { 3 };
                if let Some(e) = field_of(m, seq, n) {
                    read.encrypted(m, e);
                }
                if app.tag == 0x76 {
                    if let Some(tickets) = field_of(m, seq, 2) {
                        for t in children(m, tickets) {
                            read.ticket(m, t);
                        }
                    }
                }
                name.into()
            }
            _ => name.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER: tag, length, content.
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = content.len();
        if n < 0x80 {
            v.push(n as u8);
        } else if n < 0x100 {
            v.extend_from_slice(&[0x81, n as u8]);
        } else {
            v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(content);
        v
    }

    fn ctx(n: u8, inner: Vec<u8>) -> Vec<u8> {
        der(0xa0 | n, &inner)
    }

    fn int(v: u8) -> Vec<u8> {
        der(0x02, &[v])
    }

    fn gstr(s: &str) -> Vec<u8> {
        der(0x1b, s.as_bytes())
    }

    fn principal(kind: u8, parts: &[&str]) -> Vec<u8> {
        let names: Vec<u8> = parts.iter().flat_map(|p| gstr(p)).collect();
        der(
            0x30,
            &[ctx(0, int(kind)), ctx(1, der(0x30, &names))].concat(),
        )
    }

    fn enc(cipher: &[u8]) -> Vec<u8> {
        der(0x30, &[ctx(0, int(18)), ctx(2, der(0x04, cipher))].concat())
    }

    fn as_req(timestamp: bool) -> Vec<u8> {
        let mut seq = vec![ctx(1, int(5)), ctx(2, int(10))];
        if timestamp {
            let pa = der(
                0x30,
                &[ctx(1, int(2)), ctx(2, der(0x04, &enc(&[0x77; 40])))].concat(),
            );
            seq.push(ctx(3, der(0x30, &pa)));
        }
        let body = der(
            0x30,
            &[
                ctx(0, der(0x03, &[0, 0x50, 0, 0, 0])),
                ctx(1, principal(1, &["alice"])),
                ctx(2, gstr("EXAMPLE.TEST")),
                ctx(3, principal(2, &["krbtgt", "EXAMPLE.TEST"])),
                ctx(7, int(42)),
                ctx(8, der(0x30, &int(18))),
            ]
            .concat(),
        );
        seq.push(ctx(4, body));
        der(0x6a, &der(0x30, &seq.concat()))
    }

    fn as_rep() -> Vec<u8> {
        let ticket = der(
            0x61,
            &der(
                0x30,
                &[
                    ctx(0, int(5)),
                    ctx(1, gstr("EXAMPLE.TEST")),
                    ctx(2, principal(2, &["krbtgt", "EXAMPLE.TEST"])),
                    ctx(3, enc(&[0x99; 100])),
                ]
                .concat(),
            ),
        );
        der(
            0x6b,
            &der(
                0x30,
                &[
                    ctx(0, int(5)),
                    ctx(1, int(11)),
                    ctx(3, gstr("EXAMPLE.TEST")),
                    ctx(4, principal(1, &["alice"])),
                    ctx(5, ticket),
                    ctx(6, enc(&[0x55; 80])),
                ]
                .concat(),
            ),
        )
    }

    fn run(state: &mut State, m: &[u8]) -> Emitter {
        let mut out = Emitter::default();
        state.message(0, m, &mut out);
        let mut seen = vec![0u8; m.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                seen[i as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "every byte once");
        out
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
    fn as_exchange_names_the_client_and_hides_the_ciphers() {
        let req = as_req(true);
        assert!(looks_like(&req));
        let mut st = State::default();
        let out = run(&mut st, &req);
        assert_eq!(
            apps(&out),
            ["AS-REQ alice@EXAMPLE.TEST for krbtgt/EXAMPLE.TEST (encrypted timestamp: crackable offline) [\"encrypted timestamp of alice@EXAMPLE.TEST\"]"]
        );
        let cipher: u64 = out
            .spans
            .iter()
            .filter(|s| s.field == KRB_CIPHER)
            .map(|s| s.range.end - s.range.start)
            .sum();
        assert_eq!(cipher, 40);
        let rep = as_rep();
        let out = run(&mut st, &rep);
        assert_eq!(
            apps(&out),
            ["AS-REP alice@EXAMPLE.TEST ticket for krbtgt/EXAMPLE.TEST [\"AS-REP enc-part for alice@EXAMPLE.TEST\"]"]
        );
        let cipher: u64 = out
            .spans
            .iter()
            .filter(|s| s.field == KRB_CIPHER)
            .map(|s| s.range.end - s.range.start)
            .sum();
        assert_eq!(cipher, 180);
        assert_eq!(st.clients, ["alice"]);
    }

    #[test]
    fn an_as_rep_without_pre_authentication_is_roastable() {
        let mut st = State::default();
        run(&mut st, &as_req(false));
        let out = run(&mut st, &as_rep());
        let a = apps(&out);
        assert!(a[0].contains("crackable offline"), "{a:?}");
        assert!(out.events.iter().any(|e| matches!(
            &e.desc,
            Desc::Leak {
                kind: LeakKind::Credential,
                ..
            }
        )));
    }

    #[test]
    fn krb_error_preauth_required() {
        let e = der(
            0x7e,
            &der(
                0x30,
                &[
                    ctx(0, int(5)),
                    ctx(1, int(30)),
                    ctx(4, der(0x18, b"20260101000000Z")),
                    ctx(5, int(1)),
                    ctx(6, int(25)),
                    ctx(8, principal(1, &["alice"])),
                    ctx(9, gstr("EXAMPLE.TEST")),
                    ctx(10, principal(2, &["krbtgt", "EXAMPLE.TEST"])),
                    ctx(12, der(0x04, b"\x30\x00")),
                ]
                .concat(),
            ),
        );
        let out = run(&mut State::default(), &e);
        assert_eq!(
            apps(&out),
            ["KRB-ERROR KDC_ERR_PREAUTH_REQUIRED alice@EXAMPLE.TEST []"]
        );
    }

    #[test]
    fn kerberos_truncated_at_every_byte_never_panics() {
        for m in [as_req(true), as_rep()] {
            for n in 0..m.len() {
                run(&mut State::default(), &m[..n]);
                let _ = looks_like(&m[..n]);
            }
        }
    }

    #[test]
    fn der_nested_fifty_deep_and_huge_lengths_are_harmless() {
        let mut m = int(5);
        for _ in 0..50 {
            m = der(0x30, &m);
        }
        let m = der(0x6a, &m);
        run(&mut State::default(), &m);
        // A length of 2^31 and one of five bytes.
        run(&mut State::default(), b"\x6a\x84\x80\x00\x00\x00\x30\x00");
        run(&mut State::default(), b"\x6a\x85\x01\x00\x00\x00\x00\x30");
        // Over TCP: a record mark of 2^31 - 1 waits without holding memory; one with
        // the reserved bit set is no record mark.
        let mut k = Kerberos::new(Transport::Tcp);
        let mut out = Emitter::default();
        let f = k.feed(
            Direction::ToServer,
            0,
            b"\x7f\xff\xff\xff\x6a\x03\x30\x01",
            false,
            &mut out,
        );
        assert_eq!(f, Fed::Done(8));
        let mut k = Kerberos::new(Transport::Tcp);
        k.feed(
            Direction::ToServer,
            0,
            b"\x80\x00\x00\x10\x6a\x03\x30\x01",
            true,
            &mut out,
        );
        assert!(out
            .notes
            .iter()
            .any(|n| n.text.contains("no Kerberos message")));
    }
}

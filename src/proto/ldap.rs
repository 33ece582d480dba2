//! LDAP (RFC 4511) before or without TLS: BER-framed messages, field spans for what
//! gives a user away (a bind's name, its simple password, SASL credentials), and the
//! StartTLS extended operation (RFC 4511 section 4.14) that hands the connection to TLS.
//!
//! Only the few BER shapes LDAP uses are read: one-byte tags and definite lengths of up
//! to four bytes (RFC 4511 section 5.1 forbids the indefinite form). A message that does
//! not parse is labelled readable and framing goes on from its declared length; bytes
//! that are not BER at all lose framing until TLS starts.

use super::framing::{app_event, framed, line_spans, Framing, Header};
use super::registry::{Detect, Probe, Protocol};
use super::{Dissector, Facts, Fed};
use crate::fields::FieldId;
use crate::proto::{Direction, Emitter};
use std::ops::Range;

crate::fields! {
    proto = "LDAP";
    LDAP_MESSAGE = "ldap.LDAPMessage_element", Content, Cleartext, None, "LDAP message before or without TLS (RFC 4511 section 4.1.1)";
    LDAP_CREDENTIAL = "ldap.simple", Content, Cleartext, Some(Credential), "bind name, simple password or SASL credentials (RFC 4511 section 4.2)";
}

/// The StartTLS extended operation's name.
const START_TLS_OID: &[u8] = b"1.3.6.1.4.1.1466.20037";

/// A BER element: its tag, where its content starts and how long it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tlv {
    tag: u8,
    content: usize,
    len: usize,
}

impl Tlv {
    fn end(&self) -> usize {
        self.content + self.len
    }
    fn range(&self) -> Range<usize> {
        self.content..self.end()
    }
}

/// Reads a BER header at the start of `b`. `None`: more bytes are needed; `Some(Err)`:
/// not an element LDAP could send.
fn header(b: &[u8]) -> Option<Result<Tlv, ()>> {
    let tag = *b.first()?;
    if tag & 0x1f == 0x1f {
        return Some(Err(())); // multi-byte tags: not in LDAP
    }
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some(Ok(Tlv {
            tag,
            content: 2,
            len: usize::from(first),
        }));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return Some(Err(()));
    }
    let bytes = b.get(2..2 + n)?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
    Some(Ok(Tlv {
        tag,
        content: 2 + n,
        len,
    }))
}

/// A complete element at `at` inside `b`, or `None`.
fn element(b: &[u8], at: usize) -> Option<Tlv> {
    let t = header(b.get(at..)?)?.ok()?;
    let t = Tlv {
        content: at + t.content,
        ..t
    };
    (t.end() <= b.len()).then_some(t)
}

fn int(b: &[u8], t: Tlv) -> Option<i64> {
    let bytes = b.get(t.range())?;
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let neg = bytes.first().is_some_and(|&x| x & 0x80 != 0);
    let start = if neg { -1i64 } else { 0 };
    Some(
        bytes
            .iter()
            .fold(start, |acc, &x| (acc << 8) | i64::from(x)),
    )
}

fn string(b: &[u8], t: Tlv) -> String {
    crate::text::lossy(b.get(t.range()).unwrap_or(&[])).into_owned()
}

/// `(tag, name)` of every protocolOp (RFC 4511 section 4.2 onwards), as Wireshark names them.
const OPS: &[(u8, &str)] = &[
    (0x60, "bindRequest"),
    (0x61, "bindResponse"),
    (0x42, "unbindRequest"),
    (0x63, "searchRequest"),
    (0x64, "searchResEntry"),
    (0x65, "searchResDone"),
    (0x73, "searchResRef"),
    (0x66, "modifyRequest"),
    (0x67, "modifyResponse"),
    (0x68, "addRequest"),
    (0x69, "addResponse"),
    (0x4a, "delRequest"),
    (0x6b, "delResponse"),
    (0x6c, "modDNRequest"),
    (0x6d, "modDNResponse"),
    (0x6e, "compareRequest"),
    (0x6f, "compareResponse"),
    (0x50, "abandonRequest"),
    (0x77, "extendedReq"),
    (0x78, "extendedResp"),
    (0x79, "intermediateResponse"),
];

const REQUESTS: &[u8] = &[0x60, 0x42, 0x63, 0x66, 0x68, 0x4a, 0x6c, 0x6e, 0x50, 0x77];

fn op_name(tag: u8) -> Option<&'static str> {
    OPS.iter().find(|(t, _)| *t == tag).map(|(_, n)| *n)
}

fn result_name(code: i64) -> String {
    match code {
        0 => "success".into(),
        1 => "operationsError".into(),
        2 => "protocolError".into(),
        7 => "authMethodNotSupported".into(),
        8 => "strongerAuthRequired".into(),
        14 => "saslBindInProgress".into(),
        32 => "noSuchObject".into(),
        34 => "invalidDNSyntax".into(),
        48 => "inappropriateAuthentication".into(),
        49 => "invalidCredentials".into(),
        50 => "insufficientAccessRights".into(),
        51 => "busy".into(),
        52 => "unavailable".into(),
        53 => "unwillingToPerform".into(),
        c => format!("result {c}"),
    }
}

/// Whether a flow's first bytes look like an LDAP message.
pub fn looks_like(first: &[u8]) -> bool {
    let Some(Ok(outer)) = header(first) else {
        return false;
    };
    if outer.tag != 0x30 || outer.len < 5 {
        return false;
    }
    let Some(Ok(id)) = first.get(outer.content..).and_then(header) else {
        return false;
    };
    if id.tag != 0x02 || !(1..=4).contains(&id.len) {
        return false;
    }
    let op_at = outer.content + id.content + id.len;
    first.get(op_at).is_some_and(|&t| op_name(t).is_some())
}

/// LDAP: a BER LDAPMessage at the start, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "LDAP",
    detect: |p: &Probe<'_>| Detect::when(looks_like(p.bytes)),
    ports: &[389, 3268],
    new: |_| Box::<Ldap>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
pub struct Ldap {
    dirs: [Framing; 2],
}

impl Dissector for Ldap {
    /// Bytes are missing: where the next message starts is unknown, so the rest of this
    /// direction is not parsed (TLS is still recognised if it starts).
    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(state) = self.dirs.get_mut(dir.index()) {
            state.lose();
        }
    }

    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let Some(state) = self.dirs.get_mut(dir.index()) else {
            return Fed::Done(0);
        };
        // Every LDAPMessage is a BER SEQUENCE.
        let seq = |b: &[u8]| match header(b) {
            None => Header::NeedMore,
            Some(Ok(t)) if t.tag == 0x30 => Header::Len(t.end()),
            Some(_) => Header::Bad,
        };
        framed(
            state,
            data,
            base,
            flush,
            out,
            LDAP_MESSAGE,
            "LDAP",
            seq,
            message,
        )
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("LDAP".into());
    }

    fn handover_name(&self) -> &'static str {
        "StartTLS"
    }
}

/// Labels and describes one LDAPMessage (possibly cut short) at stream offset `at`.
fn message(at: u64, msg: &[u8], out: &mut Emitter) {
    let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
    let mut leaks = Vec::new();
    let text = describe(msg, &mut parts, &mut leaks);
    line_spans(out, at, msg.len(), &parts, LDAP_MESSAGE);
    app_event(out, at, "LDAP", text, leaks);
}

fn describe(
    msg: &[u8],
    parts: &mut Vec<(Range<usize>, FieldId)>,
    leaks: &mut Vec<String>,
) -> String {
    let Some(Ok(outer)) = header(msg) else {
        return "message".into();
    };
    let Some(id) = element(msg, outer.content) else {
        return "message (cut off)".into();
    };
    let id_n = int(msg, id).unwrap_or(0);
    let Some(op) = msg.get(id.end()..).and_then(header).and_then(Result::ok) else {
        return format!("message({id_n})");
    };
    let op = Tlv {
        content: id.end() + op.content,
        ..op
    };
    let Some(name) = op_name(op.tag) else {
        return format!("message({id_n}) with operation tag {:#04x}", op.tag);
    };
    let head = format!("{name}({id_n})");
    // The parts of the operation that are here (a message may be cut short).
    let end = op.end().min(msg.len());
    let inner = msg.get(..end).unwrap_or(msg);
    let first = element(inner, op.content);
    match op.tag {
        0x60 => bind_request(inner, op, &head, parts, leaks),
        0x61 | 0x65 | 0x67 | 0x69 | 0x6b | 0x6d | 0x6f | 0x78 => {
            match first.filter(|t| t.tag == 0x0a).and_then(|t| int(inner, t)) {
                Some(code) => format!("{head} {}", result_name(code)),
                None => head,
            }
        }
        0x63 | 0x64 | 0x66 | 0x68 | 0x6c | 0x6e => match first.filter(|t| t.tag == 0x04) {
            Some(dn) if dn.len > 0 => format!("{head} \"{}\"", string(inner, dn)),
            _ => head,
        },
        0x4a => format!("{head} \"{}\"", string(inner, op)),
        0x77 => match first.filter(|t| t.tag == 0x80) {
            Some(oid) if inner.get(oid.range()) == Some(START_TLS_OID) => {
                format!("{head} StartTLS")
            }
            Some(oid) => format!("{head} {}", string(inner, oid)),
            None => head,
        },
        _ => head,
    }
}

/// BindRequest (RFC 4511 section 4.2): version, name, and simple or SASL authentication.
fn bind_request(
    b: &[u8],
    op: Tlv,
    head: &str,
    parts: &mut Vec<(Range<usize>, FieldId)>,
    leaks: &mut Vec<String>,
) -> String {
    let Some(version) = element(b, op.content) else {
        return head.into();
    };
    let Some(name) = element(b, version.end()).filter(|t| t.tag == 0x04) else {
        return head.into();
    };
    let dn = string(b, name);
    if name.len > 0 {
        parts.push((name.range(), LDAP_CREDENTIAL));
    }
    let shown_dn = if dn.is_empty() { "<ROOT>" } else { &dn };
    let Some(auth) = element(b, name.end()) else {
        return format!("{head} \"{shown_dn}\"");
    };
    match auth.tag {
        // simple [0]: the password itself.
        0x80 => {
            let password = string(b, auth);
            if auth.len > 0 {
                parts.push((auth.range(), LDAP_CREDENTIAL));
            }
            if !dn.is_empty() || !password.is_empty() {
                leaks.push(format!("user={dn} password={password}"));
            }
            let kind = if auth.len == 0 && dn.is_empty() {
                "anonymous"
            } else if auth.len == 0 {
                "unauthenticated"
            } else {
                "simple"
            };
            format!("{head} \"{shown_dn}\" {kind}")
        }
        // sasl [3]: mechanism, then credentials.
        0xa3 => {
            let mech = element(b, auth.content)
                .filter(|t| t.tag == 0x04)
                .map(|t| (t, string(b, t)));
            let creds = mech
                .as_ref()
                .and_then(|(m, _)| element(b, m.end()).filter(|t| t.tag == 0x04));
            let mech_name = mech.map(|(_, s)| s).unwrap_or_default();
            let mut shown = Vec::new();
            if !dn.is_empty() {
                shown.push(format!("user={dn}"));
            }
            if let Some(c) = creds.filter(|c| c.len > 0) {
                parts.push((c.range(), LDAP_CREDENTIAL));
                let raw = b.get(c.range()).unwrap_or(&[]);
                if mech_name.eq_ignore_ascii_case("PLAIN") {
                    // authzid NUL authcid NUL passwd (RFC 4616).
                    let s = crate::text::lossy(raw);
                    if let [_, user, pass] = s.split('\0').collect::<Vec<_>>().as_slice() {
                        shown.push(format!("user={user} password={pass}"));
                    }
                }
            }
            if !shown.is_empty() {
                leaks.push(shown.join(" "));
            }
            format!("{head} \"{shown_dn}\" sasl {mech_name}")
        }
        _ => format!("{head} \"{shown_dn}\""),
    }
}

/// Whether the first message of a flow is a request (so its sender is the client).
pub fn is_request(first: &[u8]) -> bool {
    let Some(Ok(outer)) = header(first) else {
        return false;
    };
    let Some(Ok(id)) = first.get(outer.content..).and_then(header) else {
        return false;
    };
    first
        .get(outer.content + id.content + id.len)
        .is_some_and(|t| REQUESTS.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simple bind as ldapsearch -x -D cn=admin,dc=example,dc=org -w secret sends it.
    pub const SIMPLE_BIND: &[u8] =
        b"\x30\x2c\x02\x01\x01\x60\x27\x02\x01\x03\x04\x1acn=admin,dc=example,dc=org\x80\x06secret";
    /// `ldapsearch -ZZ`'s StartTLS request.
    pub const START_TLS: &[u8] = b"\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037";

    #[test]
    fn ber_headers() {
        assert_eq!(
            header(&[0x30, 0x05]),
            Some(Ok(Tlv {
                tag: 0x30,
                content: 2,
                len: 5
            }))
        );
        assert_eq!(
            header(&[0x30, 0x82, 0x01, 0x00]),
            Some(Ok(Tlv {
                tag: 0x30,
                content: 4,
                len: 256
            }))
        );
        assert_eq!(header(&[0x30, 0x82, 0x01]), None);
        assert_eq!(header(&[0x30, 0x80]), Some(Err(())), "indefinite length");
        assert_eq!(header(&[0x30, 0x85, 1, 1, 1, 1, 1]), Some(Err(())));
        assert_eq!(header(&[0x1f, 0x01]), Some(Err(())));
        assert_eq!(header(&[]), None);
    }

    #[test]
    fn simple_bind_names_the_user_and_password() {
        assert!(looks_like(SIMPLE_BIND) && is_request(SIMPLE_BIND));
        let mut parts = Vec::new();
        let mut leaks = Vec::new();
        let text = describe(SIMPLE_BIND, &mut parts, &mut leaks);
        assert_eq!(text, "bindRequest(1) \"cn=admin,dc=example,dc=org\" simple");
        assert_eq!(leaks, ["user=cn=admin,dc=example,dc=org password=secret"]);
        let ranges: Vec<&[u8]> = parts.iter().map(|(r, _)| &SIMPLE_BIND[r.clone()]).collect();
        assert_eq!(ranges, [&b"cn=admin,dc=example,dc=org"[..], b"secret"]);
    }

    #[test]
    fn start_tls_and_responses() {
        let mut leaks = Vec::new();
        assert_eq!(
            describe(START_TLS, &mut Vec::new(), &mut leaks),
            "extendedReq(1) StartTLS"
        );
        assert!(leaks.is_empty());
        let resp = b"\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00";
        assert!(looks_like(resp) && !is_request(resp));
        assert_eq!(
            describe(resp, &mut Vec::new(), &mut leaks),
            "extendedResp(1) success"
        );
        let bad = b"\x30\x0c\x02\x01\x02\x61\x07\x0a\x01\x31\x04\x00\x04\x00";
        assert_eq!(
            describe(bad, &mut Vec::new(), &mut leaks),
            "bindResponse(2) invalidCredentials"
        );
    }

    #[test]
    fn anonymous_bind_is_no_leak_and_hostile_shapes_do_not_panic() {
        let anon = b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00";
        let mut leaks = Vec::new();
        assert_eq!(
            describe(anon, &mut Vec::new(), &mut leaks),
            "bindRequest(1) \"<ROOT>\" anonymous"
        );
        assert!(leaks.is_empty());
        // Every prefix, and lengths that point past the end.
        for n in 0..SIMPLE_BIND.len() {
            describe(&SIMPLE_BIND[..n], &mut Vec::new(), &mut Vec::new());
        }
        let lying = b"\x30\x84\xff\xff\xff\xff\x02\x01\x01\x60\x84\xff\xff\xff\xff";
        describe(lying, &mut Vec::new(), &mut Vec::new());
        assert!(!looks_like(b"\x30\x03\x02\x01"));
        assert!(!looks_like(b"GET / HTTP/1.1\r\n"));
    }
}

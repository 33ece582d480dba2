//! SIP (RFC 3261) over UDP and TCP 5060, with its SDP bodies (RFC 8866): the
//! signalling of voice and video calls, in the clear. (5061 is SIP over TLS: the TLS
//! dissector takes it by content.)
//!
//! What an observer reads: who calls whom (From, To, the request URI), the hosts and
//! ports they use (Via, Contact), the caller's software (User-Agent), and the media
//! addresses of the SDP body (`c=` and `o=` lines, `m=` ports) — where the RTP will
//! flow. A Digest `Authorization` or `Proxy-Authorization` header names the user and
//! carries the response: an MD5 over the password, the realm, the nonce and the
//! request, all readable, so a weak password is guessed offline.
//!
//! Over UDP a datagram holds one message; over TCP messages are framed by their
//! Content-Length (RFC 3261 section 18.3). Heads are bounded by the line limit
//! ([`MAX_LINE`]), bodies read whole up to [`MAX_BODY`].

use super::framing::{line_spans, line_text, words, MAX_LINE};
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::decode::Transport;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "SIP";
    // RFC 3261 sections 7 and 20; SDP, RFC 8866 section 5.
    SIP_METHOD = "sip.Method", Content, Cleartext, None, "request method (RFC 3261 section 7.1)";
    SIP_URI = "sip.r-uri", Content, Cleartext, Some(Url), "request URI: whom the request is for (RFC 3261 section 7.1)";
    SIP_STATUS = "sip.Status-Code", Content, Cleartext, None, "status code and reason (RFC 3261 section 7.2)";
    SIP_LINE = "sip.line", Content, Cleartext, None, "version, separators and line ends";
    SIP_HEADER = "sip.msg_hdr", Content, Cleartext, None, "header field (RFC 3261 section 20)";
    SIP_PARTY = "sip.from.addr", Content, Cleartext, Some(Identity), "From, To, Contact, P-Asserted-Identity: a person's or device's address (RFC 3261 sections 20.10, 20.20, 20.39)";
    SIP_VIA = "sip.Via", Content, Cleartext, Some(Address), "Via: the hosts and ports a request passed (RFC 3261 section 20.42)";
    SIP_AGENT = "sip.User-Agent", Content, Cleartext, Some(Software), "User-Agent or Server: the software and its version (RFC 3261 sections 20.41, 20.35)";
    SIP_AUTH = "sip.Authorization", Content, Cleartext, None, "Digest parameters of Authorization or Proxy-Authorization: realm, nonce, URI (RFC 3261 section 22.4)";
    SIP_AUTH_USER = "sip.auth.username", Content, Cleartext, Some(UserName), "the user name of a Digest response";
    SIP_AUTH_RESPONSE = "sip.auth.digest.response", Content, Cleartext, Some(Credential), "Digest response: an MD5 keyed by the password, guessed offline with the readable realm and nonce (RFC 2617 section 3.2.2)";
    SIP_BODY = "sip.msg_body", Content, Cleartext, None, "message body";
    SDP_ADDRESS = "sdp.connection_info.address", Content, Cleartext, Some(Address), "a media address of an SDP body (c= and o= lines, RFC 8866 sections 5.2, 5.7)";
}

/// Largest body read whole; longer ones are labelled as they arrive.
const MAX_BODY: usize = 64 * 1024;
/// Names kept for the flow's facts.
const MAX_NAMES: usize = 16;

const METHODS: &[&[u8]] = &[
    b"INVITE",
    b"ACK",
    b"BYE",
    b"CANCEL",
    b"REGISTER",
    b"OPTIONS",
    b"SUBSCRIBE",
    b"NOTIFY",
    b"MESSAGE",
    b"INFO",
    b"PRACK",
    b"UPDATE",
    b"REFER",
    b"PUBLISH",
];

/// A request line (`METHOD uri SIP/2.0`) or a status line (`SIP/2.0 code`).
fn start_line(line: &[u8]) -> bool {
    if line.starts_with(b"SIP/2.0 ") {
        return true;
    }
    let text = line_text(line);
    METHODS
        .iter()
        .any(|m| line.starts_with(m) && line.get(m.len()) == Some(&b' '))
        && text.ends_with(" SIP/2.0")
}

/// Whether the bytes start a SIP message (their first line, once whole).
pub fn looks_like(b: &[u8]) -> Detect {
    match b.iter().position(|&x| x == b'\n') {
        Some(nl) => Detect::when(start_line(b.get(..=nl).unwrap_or(b))),
        None if b.len() >= 512 => Detect::No,
        None => {
            let maybe = b.starts_with(b"SIP/2.0")
                || b"SIP/2.0".starts_with(b)
                || METHODS.iter().any(|m| b.starts_with(m) || m.starts_with(b));
            if maybe {
                Detect::NeedMore
            } else {
                Detect::No
            }
        }
    }
}

/// SIP: a request or status line, or port 5060.
pub static PROTOCOL: Protocol = Protocol {
    name: "SIP",
    detect: |p: &Probe<'_>| match p.transport {
        Transport::Udp => Detect::when(looks_like(p.bytes) == Detect::Yes),
        Transport::Tcp => looks_like(p.bytes),
    },
    ports: &[5060],
    new: |p| Box::new(Sip::new(p.transport)),
    fields: FIELDS,
};

#[derive(Debug, Default)]
struct SipDir {
    /// Body bytes of a long message still to label.
    skip: u64,
    lost: bool,
}

#[derive(Debug)]
pub struct Sip {
    transport: Transport,
    dirs: [SipDir; 2],
    parties: Vec<String>,
    users: Vec<String>,
    agents: Vec<String>,
}

fn remember(list: &mut Vec<String>, v: &str) {
    if !v.is_empty() && list.len() < MAX_NAMES && !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

impl Sip {
    pub fn new(transport: Transport) -> Sip {
        Sip {
            transport,
            dirs: Default::default(),
            parties: Vec::new(),
            users: Vec::new(),
            agents: Vec::new(),
        }
    }
}

impl Dissector for Sip {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        if self.transport == Transport::Udp {
            // Keep-alives (RFC 5626 section 4.4.1) are a CRLF or two.
            if data.iter().all(|&b| b == b'\r' || b == b'\n') {
                out.field(base..base + data.len() as u64, SIP_LINE);
                return Fed::Done(data.len());
            }
            if self.message(base, data, out) == 0 {
                unknown::classify_chunk(base, data, out);
            }
            return Fed::Done(data.len());
        }
        let d = dir.index();
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            let Some(st) = self.dirs.get_mut(d) else {
                return Fed::Done(data.len());
            };
            if st.skip > 0 {
                let n = rest
                    .len()
                    .min(usize::try_from(st.skip).unwrap_or(usize::MAX));
                out.field(at..at + n as u64, SIP_BODY);
                st.skip -= n as u64;
                pos += n;
                continue;
            }
            if let Some(f) = super::framing::upgrade_check(rest, flush) {
                return match f {
                    Fed::Handover(_) => Fed::Handover(pos),
                    Fed::Done(_) => Fed::Done(pos),
                };
            }
            if st.lost {
                unknown::classify_chunk(at, rest, out);
                return Fed::Done(data.len());
            }
            // Keep-alives between messages.
            let blank = rest
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if blank > 0 {
                out.field(at..at + blank as u64, SIP_LINE);
                pos += blank;
                continue;
            }
            let Some(head_len) = head_end(rest) else {
                if rest.len() >= MAX_LINE || flush {
                    let n = self.message(at, rest.get(..MAX_LINE).unwrap_or(rest), out);
                    if n == 0 {
                        st_lost(&mut self.dirs, d, at, out);
                    }
                    pos += n;
                    continue;
                }
                return Fed::Done(pos);
            };
            let body = content_length(rest.get(..head_len).unwrap_or(&[])).unwrap_or(0);
            let total = head_len.saturating_add(body);
            if rest.len() < total && body <= MAX_BODY && !flush {
                return Fed::Done(pos);
            }
            let have = rest.get(..total.min(rest.len())).unwrap_or(rest);
            let n = self.message(at, have, out);
            if n == 0 {
                st_lost(&mut self.dirs, d, at, out);
                continue;
            }
            pos += have.len();
            if let Some(st) = self.dirs.get_mut(d) {
                st.skip = (total - have.len()) as u64;
            }
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(st) = self.dirs.get_mut(dir.index()) {
            if st.skip == 0 {
                st.lost = true;
            }
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("SIP".into());
        for (name, list) in [
            ("sip.from.addr", &self.parties),
            ("sip.auth.username", &self.users),
            ("sip.User-Agent", &self.agents),
        ] {
            if !list.is_empty() {
                facts.details.push((name, list.join(", ")));
            }
        }
    }
}

fn st_lost(dirs: &mut [SipDir; 2], d: usize, at: u64, out: &mut Emitter) {
    if let Some(st) = dirs.get_mut(d) {
        st.lost = true;
    }
    out.note(
        at..at + 1,
        Severity::Note,
        NoteGroup::Malformed,
        "no SIP message starts here: the rest is not parsed".into(),
    );
}

/// The length of a message head, its empty line included.
fn head_end(b: &[u8]) -> Option<usize> {
    let limit = b.len().min(MAX_LINE);
    let b = b.get(..limit)?;
    let a = b.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let c = b.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (a, c) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Content-Length (or its compact form `l`) of a head.
fn content_length(head: &[u8]) -> Option<usize> {
    head.split(|&b| b == b'\n').find_map(|line| {
        let (name, value) = split_header(line)?;
        let n = crate::text::lossy(name).trim().to_ascii_lowercase();
        (n == "content-length" || n == "l")
            .then(|| crate::text::lossy(value).trim().parse().ok())
            .flatten()
    })
}

fn split_header(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    Some((line.get(..colon)?, line.get(colon + 1..)?))
}

/// The URI of a name-addr or addr-spec (`"Alice" <sip:alice@example.test>;tag=1`).
fn uri_of(value: &str) -> String {
    let v = match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => value.get(a + 1..b).unwrap_or(value),
        _ => value.split(';').next().unwrap_or(value),
    };
    v.trim().to_string()
}

/// A Digest parameter's value and its range in `v` (quotes excluded).
fn digest_param(v: &str, name: &str) -> Option<(Range<usize>, String)> {
    let lower = v.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..)?.find(name) {
        let at = from + i;
        let before = lower.get(..at)?.chars().last();
        let after = lower.get(at + name.len()..)?.trim_start();
        if before.is_none_or(|c| c == ' ' || c == ',' || c == '\t') && after.starts_with('=') {
            let eq = lower.get(at..)?.find('=')? + at;
            let rest = v.get(eq + 1..)?;
            let lead = rest.len() - rest.trim_start().len();
            let start = eq + 1 + lead;
            let rest = v.get(start..)?;
            return if let Some(q) = rest.strip_prefix('"') {
                let end = q.find('"').unwrap_or(q.len());
                Some((start + 1..start + 1 + end, q.get(..end)?.to_string()))
            } else {
                let end = rest.find([',', ' ', '\r', '\n']).unwrap_or(rest.len());
                Some((start..start + end, rest.get(..end)?.to_string()))
            };
        }
        from = at + name.len();
    }
    None
}

impl Sip {
    /// Labels and describes one message whose bytes (head and body, the body maybe cut
    /// short) are `m`; returns how many bytes it took (0: no SIP message here).
    fn message(&mut self, at: u64, m: &[u8], out: &mut Emitter) -> usize {
        let head_len = head_end(m).unwrap_or(m.len());
        let mut pos = 0usize;
        let mut text = String::new();
        let mut leaks = Vec::new();
        let mut sdp = false;
        let mut from = None;
        let mut to = None;
        while pos < head_len {
            let rest = m.get(pos..head_len).unwrap_or(&[]);
            let nl = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1);
            let line = rest.get(..nl).unwrap_or(rest);
            let line_at = at + pos as u64;
            if pos == 0 {
                if !start_line(line) {
                    return 0;
                }
                text = self.first_line(line, line_at, out);
            } else if line_text(line).is_empty() {
                out.field(line_at..line_at + line.len() as u64, SIP_LINE);
            } else {
                self.header(line, line_at, &mut leaks, &mut sdp, &mut from, &mut to, out);
            }
            pos += nl;
        }
        if let Some(f) = &from {
            text.push_str(&format!(" from {f}"));
        }
        if let Some(t) = &to {
            if !text.contains(t.as_str()) {
                text.push_str(&format!(" to {t}"));
            }
        }
        let body = m.get(head_len..).unwrap_or(&[]);
        if !body.is_empty() {
            let body_at = at + head_len as u64;
            if sdp {
                sdp_body(body, body_at, out);
            } else {
                out.field(body_at..body_at + body.len() as u64, SIP_BODY);
            }
        }
        super::framing::app_event(out, at, "SIP", crate::text::shorten(&text, 120), leaks);
        m.len()
    }

    fn first_line(&mut self, line: &[u8], at: u64, out: &mut Emitter) -> String {
        let w = words(line);
        let len = line.len();
        if line.starts_with(b"SIP/2.0 ") {
            let status = w.get(1).map(|r| r.start..line_text(line).len());
            let parts: Vec<(Range<usize>, FieldId)> =
                status.into_iter().map(|r| (r, SIP_STATUS)).collect();
            line_spans(out, at, len, &parts, SIP_LINE);
            return line_text(line);
        }
        let parts: Vec<(Range<usize>, FieldId)> = w
            .iter()
            .take(2)
            .zip([SIP_METHOD, SIP_URI])
            .map(|(r, f)| (r.clone(), f))
            .collect();
        line_spans(out, at, len, &parts, SIP_LINE);
        let get = |i: usize| {
            w.get(i)
                .and_then(|r| line.get(r.clone()))
                .map(|b| crate::text::lossy(b).into_owned())
                .unwrap_or_default()
        };
        let uri = get(1);
        if let Some(r) = w.get(1) {
            out.event(
                at + r.start as u64,
                Desc::Leak {
                    kind: LeakKind::Url,
                    value: uri.clone(),
                },
            );
        }
        format!("{} {uri}", get(0))
    }

    #[allow(clippy::too_many_arguments)] // what one header line adds to the message
    fn header(
        &mut self,
        line: &[u8],
        at: u64,
        leaks: &mut Vec<String>,
        sdp: &mut bool,
        from: &mut Option<String>,
        to: &mut Option<String>,
        out: &mut Emitter,
    ) {
        let len = line.len();
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            line_spans(out, at, len, &[], SIP_HEADER);
            return;
        };
        let name = crate::text::lossy(line.get(..colon).unwrap_or(&[]))
            .trim()
            .to_ascii_lowercase();
        let vstart = colon
            + 1
            + line.get(colon + 1..).map_or(0, |r| {
                r.iter().take_while(|&&b| b == b' ' || b == b'\t').count()
            });
        let vend = line_text(line).len().max(vstart);
        let value = crate::text::lossy(line.get(vstart..vend).unwrap_or(&[])).into_owned();
        let whole = vec![(vstart..vend, SIP_HEADER)];
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        match name.as_str() {
            "from"
            | "f"
            | "to"
            | "t"
            | "contact"
            | "m"
            | "p-asserted-identity"
            | "refer-to"
            | "r" => {
                parts.push((vstart..vend, SIP_PARTY));
                let uri = uri_of(&value);
                if uri != "*" && !uri.is_empty() {
                    out.event(
                        at + vstart as u64,
                        Desc::Leak {
                            kind: LeakKind::Identity,
                            value: uri.clone(),
                        },
                    );
                    remember(&mut self.parties, &uri);
                }
                match name.as_str() {
                    "from" | "f" => *from = Some(uri),
                    "to" | "t" => *to = Some(uri),
                    _ => {}
                }
            }
            "via" | "v" => parts.push((vstart..vend, SIP_VIA)),
            "user-agent" | "server" => {
                parts.push((vstart..vend, SIP_AGENT));
                out.event(
                    at + vstart as u64,
                    Desc::Leak {
                        kind: LeakKind::Software,
                        value: value.clone(),
                    },
                );
                remember(&mut self.agents, &value);
            }
            "content-type" | "c" => {
                *sdp = value.to_ascii_lowercase().starts_with("application/sdp");
            }
            "authorization" | "proxy-authorization" => {
                let user = digest_param(&value, "username");
                let response = digest_param(&value, "response");
                let mut inner: Vec<(Range<usize>, FieldId)> = Vec::new();
                if let Some((r, u)) = &user {
                    inner.push((vstart + r.start..vstart + r.end, SIP_AUTH_USER));
                    out.event(
                        at + (vstart + r.start) as u64,
                        Desc::Leak {
                            kind: LeakKind::UserName,
                            value: u.clone(),
                        },
                    );
                    remember(&mut self.users, u);
                }
                if let Some((r, _)) = &response {
                    inner.push((vstart + r.start..vstart + r.end, SIP_AUTH_RESPONSE));
                }
                inner.sort_by_key(|(r, _)| r.start);
                let mut cursor = vstart;
                for (r, f) in inner {
                    if r.start > cursor {
                        parts.push((cursor..r.start, SIP_AUTH));
                    }
                    cursor = cursor.max(r.end);
                    parts.push((r, f));
                }
                if cursor < vend {
                    parts.push((cursor..vend, SIP_AUTH));
                }
                let realm = digest_param(&value, "realm")
                    .map(|(_, r)| r)
                    .unwrap_or_default();
                let shown = match (&user, &response) {
                    (Some((_, u)), Some((_, r))) => {
                        format!("Digest user={u} realm={realm} response={r}")
                    }
                    _ => value.clone(),
                };
                leaks.push(shown);
            }
            _ => {}
        }
        if parts.is_empty() {
            parts = whole;
        }
        parts.insert(0, (0..colon, SIP_HEADER));
        line_spans(out, at, len, &parts, SIP_HEADER);
    }
}

/// An SDP body: lines readable, the addresses of `c=` and `o=` lines marked.
fn sdp_body(body: &[u8], at: u64, out: &mut Emitter) {
    let mut pos = 0usize;
    for line in body.split_inclusive(|&b| b == b'\n') {
        let line_at = at + pos as u64;
        let t = line_text(line);
        let mut parts = Vec::new();
        if t.starts_with("c=") || t.starts_with("o=") {
            // `c=IN IP4 192.0.2.1`, `o=alice 1 1 IN IP4 192.0.2.1`: the last word.
            if let Some(r) = words(line).last().filter(|r| r.end <= t.len()) {
                let addr = crate::text::lossy(line.get(r.clone()).unwrap_or(&[])).into_owned();
                if t.starts_with("c=") {
                    out.event(
                        line_at + r.start as u64,
                        Desc::Leak {
                            kind: LeakKind::Address,
                            value: addr,
                        },
                    );
                }
                parts.push((r.clone(), SDP_ADDRESS));
            }
        }
        line_spans(out, line_at, line.len(), &parts, SIP_BODY);
        pos += line.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &[u8] = b"INVITE sip:bob@example.test SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5061;branch=z9hG4bK-1\r\n\
From: \"Alice\" <sip:alice@example.test>;tag=1\r\n\
To: <sip:bob@example.test>\r\n\
Call-ID: 1@192.0.2.10\r\n\
CSeq: 2 INVITE\r\n\
Contact: <sip:alice@192.0.2.10:5061>\r\n\
Authorization: Digest username=\"alice\", realm=\"example.test\", nonce=\"abc\", uri=\"sip:bob@example.test\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5\r\n\
User-Agent: SIPp\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 50\r\n\
\r\n\
v=0\r\n\
c=IN IP4 192.0.2.10\r\n\
m=audio 6000 RTP/AVP 0\r\n\
x";

    fn labels(out: &Emitter, len: usize) -> Vec<Option<&'static str>> {
        let mut v = vec![None; len];
        for s in &out.spans {
            for i in s.range.clone() {
                assert!(v[i as usize].is_none(), "byte {i} twice");
                v[i as usize] = Some(s.field.name());
            }
        }
        v
    }

    fn field_at(l: &[Option<&'static str>], m: &[u8], needle: &[u8]) -> &'static str {
        let i = m.windows(needle.len()).position(|w| w == needle).unwrap();
        l[i].unwrap()
    }

    #[test]
    fn an_invite_with_digest_and_sdp() {
        let m = &INVITE[..INVITE.len() - 1];
        assert_eq!(looks_like(m), Detect::Yes);
        for transport in [Transport::Udp, Transport::Tcp] {
            let mut s = Sip::new(transport);
            let mut out = Emitter::default();
            assert_eq!(
                s.feed(Direction::ToServer, 0, m, false, &mut out),
                Fed::Done(m.len())
            );
            let l = labels(&out, m.len());
            assert!(l.iter().all(Option::is_some));
            assert_eq!(field_at(&l, m, b"sip:bob@example.test SIP"), "sip.r-uri");
            assert_eq!(field_at(&l, m, b"alice\", realm"), "sip.auth.username");
            assert_eq!(
                field_at(&l, m, b"0123456789abcdef"),
                "sip.auth.digest.response"
            );
            assert_eq!(
                field_at(&l, m, b"192.0.2.10\r\nm="),
                "sdp.connection_info.address"
            );
            assert_eq!(field_at(&l, m, b"\"Alice\""), "sip.from.addr");
            let app: Vec<String> = out
                .events
                .iter()
                .filter_map(|e| match &e.desc {
                    Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
                    _ => None,
                })
                .collect();
            assert_eq!(
                app,
                ["INVITE sip:bob@example.test from sip:alice@example.test [\"Digest user=alice realm=example.test response=0123456789abcdef0123456789abcdef\"]"]
            );
            assert_eq!(s.users, ["alice"]);
        }
    }

    #[test]
    fn tcp_waits_for_the_body_and_frames_two_messages() {
        let m = &INVITE[..INVITE.len() - 1];
        let mut two = m.to_vec();
        two.extend_from_slice(b"SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n");
        let mut s = Sip::new(Transport::Tcp);
        let mut out = Emitter::default();
        assert_eq!(
            s.feed(Direction::ToServer, 0, &two[..m.len() - 5], false, &mut out),
            Fed::Done(0)
        );
        assert_eq!(
            s.feed(Direction::ToServer, 0, &two, false, &mut out),
            Fed::Done(two.len())
        );
    }

    #[test]
    fn sip_truncated_at_every_byte_and_huge_lengths_never_panic() {
        for n in 0..INVITE.len() {
            for transport in [Transport::Udp, Transport::Tcp] {
                let mut s = Sip::new(transport);
                let mut out = Emitter::default();
                s.feed(Direction::ToServer, 0, &INVITE[..n], true, &mut out);
            }
            let _ = looks_like(&INVITE[..n]);
        }
        let big = b"SIP/2.0 200 OK\r\nContent-Length: 2147483648\r\n\r\nabc";
        let mut s = Sip::new(Transport::Tcp);
        let mut out = Emitter::default();
        assert_eq!(
            s.feed(Direction::ToClient, 0, big, false, &mut out),
            Fed::Done(big.len())
        );
        assert!(s.dirs[1].skip > 0);
        assert_eq!(
            digest_param("Digest username=", "username").map(|x| x.1),
            Some(String::new())
        );
    }
}

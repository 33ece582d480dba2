//! SOCKS proxies: SOCKS4 and 4a ("SOCKS: A protocol for TCP proxy across firewalls",
//! Ying-Da Lee, 1996, and its 4A extension) and SOCKS5 (RFC 1928) with RFC 1929's
//! username/password sub-negotiation. After the request (from the client) and a
//! successful reply (from the server) each direction carries the tunnel: the connection
//! is handed over ([`Fed::Handover`]) and the stack recognises what the tunnel carries
//! from its bytes (TLS, HTTP…), so a flow reads `TCP › SOCKS5 › TLS 1.3`.
//!
//! The negotiation is the tunnel's header (`Role::Header`): the destination it names is
//! a leak (like an HTTP `CONNECT` or a TLS SNI). The user name (SOCKS4 USERID, RFC
//! 1929 UNAME) is an identity and the RFC 1929 password a credential, both sent in the
//! clear. GSSAPI (RFC 1961) negotiation tokens are labelled, not read.

use super::framing::app_event;
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::codec::Reader;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

crate::fields! {
    proto = "SOCKS";
    SOCKS_VERSION = "socks.version", Header, Metadata, None, "SOCKS version (4 or 5), or RFC 1929's sub-negotiation version 1";
    SOCKS_COMMAND = "socks.command", Header, Metadata, None, "request command: 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE (RFC 1928 section 4)";
    SOCKS_AUTH_METHOD = "socks.auth_method", Header, Metadata, None, "authentication methods offered, and the one chosen (RFC 1928 section 3)";
    SOCKS_HEADER = "socks.header", Header, Metadata, None, "lengths, reserved bytes, address types, status and reply codes, bound addresses";
    SOCKS_USERNAME = "socks.username", Content, Cleartext, Some(UserName), "user name: RFC 1929 UNAME, SOCKS4 USERID";
    SOCKS_PASSWORD = "socks.password", Content, Cleartext, Some(Credential), "RFC 1929 PASSWD";
    SOCKS_DST = "socks.dst", Header, Metadata, Some(Url), "destination IPv4 address (RFC 1928 section 5, SOCKS4 DSTIP)";
    SOCKS_DST_V6 = "socks.dstV6", Header, Metadata, Some(Url), "destination IPv6 address (RFC 1928 section 5)";
    SOCKS_REMOTE_NAME = "socks.remote_name", Header, Metadata, Some(Url), "destination domain name (RFC 1928 section 5, ATYP 3)";
    SOCKS_V4A_NAME = "socks.v4a_dns_name", Header, Metadata, Some(Url), "SOCKS4a destination host name";
    SOCKS_DSTPORT = "socks.dstport", Header, Metadata, Some(Port), "destination port";
    SOCKS_GSSAPI = "socks.gssapi.data", Handshake, Cleartext, None, "RFC 1961 GSSAPI negotiation message";
}

/// SOCKS: a SOCKS4 request or a SOCKS5 greeting, or the ports (1080, Tor's 9050 and
/// 9150).
pub static PROTOCOL: Protocol = Protocol {
    name: "SOCKS",
    detect,
    ports: &[1080, 9050, 9150],
    new: |p| {
        Box::new(Socks {
            version: match (p.from_client(), p.bytes.first()) {
                (true, Some(&v @ (4 | 5))) => v,
                _ => 0,
            },
            ..Socks::default()
        })
    },
    fields: FIELDS,
};

/// Longest SOCKS4 user ID or 4a host name read.
const MAX_NAME: usize = 1024;

fn detect(p: &Probe<'_>) -> Detect {
    if !p.from_client() {
        return Detect::No;
    }
    let b = p.bytes;
    match b.first() {
        Some(5) => match b.get(1) {
            None => Detect::NeedMore,
            Some(&n) if !(1..=10).contains(&n) => Detect::No,
            Some(&n) => match b.get(2..2 + usize::from(n)) {
                None => Detect::NeedMore,
                // Known methods (RFC 1928 section 3, IANA), then nothing or the next
                // message (a sub-negotiation or a request, sent without waiting).
                Some(methods) => Detect::when(
                    methods
                        .iter()
                        .all(|&m| m <= 9 || (0x80..=0xfe).contains(&m))
                        && matches!(b.get(2 + usize::from(n)), None | Some(1 | 5)),
                ),
            },
        },
        Some(4) => match v4_request(b) {
            Parsed::Yes(_) => Detect::Yes,
            Parsed::NeedMore => Detect::NeedMore,
            Parsed::No => Detect::No,
        },
        _ => Detect::No,
    }
}

enum Parsed<T> {
    Yes(T),
    NeedMore,
    No,
}

/// A SOCKS4 request: its length, and where its user ID and 4a host name are.
struct V4 {
    len: usize,
    user: Range<usize>,
    host: Option<Range<usize>>,
}

fn v4_request(b: &[u8]) -> Parsed<V4> {
    if b.len() < 9 {
        return Parsed::NeedMore;
    }
    if !matches!(b.get(1), Some(1 | 2)) {
        return Parsed::No;
    }
    let name = |from: usize| -> Parsed<Range<usize>> {
        let rest = b.get(from..).unwrap_or(&[]);
        match rest.iter().take(MAX_NAME).position(|&c| c == 0) {
            Some(n)
                if rest
                    .iter()
                    .take(n)
                    .all(|c| c.is_ascii_graphic() || *c == b' ') =>
            {
                Parsed::Yes(from..from + n)
            }
            Some(_) => Parsed::No,
            None if rest.len() < MAX_NAME => Parsed::NeedMore,
            None => Parsed::No,
        }
    };
    let user = match name(8) {
        Parsed::Yes(r) => r,
        Parsed::NeedMore => return Parsed::NeedMore,
        Parsed::No => return Parsed::No,
    };
    // 4a: DSTIP 0.0.0.x (x not 0), the host name after the user ID.
    let is_4a = matches!(b.get(4..8), Some([0, 0, 0, x]) if *x != 0);
    if !is_4a {
        return Parsed::Yes(V4 {
            len: user.end + 1,
            user,
            host: None,
        });
    }
    match name(user.end + 1) {
        Parsed::Yes(h) if !h.is_empty() => Parsed::Yes(V4 {
            len: h.end + 1,
            user,
            host: Some(h),
        }),
        Parsed::NeedMore => Parsed::NeedMore,
        _ => Parsed::No,
    }
}

/// Where a direction is in the negotiation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Stage {
    /// The first message: a SOCKS4 request or SOCKS5 greeting (client), a SOCKS4
    /// reply or SOCKS5 method choice (server).
    #[default]
    Start,
    /// SOCKS5 after the greeting or the method choice: sub-negotiation or request.
    Negotiate,
    /// GSSAPI was chosen: its messages (RFC 1961) until the end, not read.
    Gssapi,
    /// The request failed, or bytes are not SOCKS: the rest is classified.
    Over,
}

/// One SOCKS connection.
#[derive(Debug, Default)]
pub struct Socks {
    /// 4 or 5, from the client's first byte.
    version: u8,
    /// SOCKS4a: the host name came after the user ID.
    v4a: bool,
    stages: [Stage; 2],
    user: Option<String>,
    destination: Option<String>,
    command: Option<&'static str>,
}

/// One message's field ranges, the leaks it shows, and its description.
#[derive(Default)]
struct Msg {
    parts: Vec<(Range<usize>, FieldId)>,
    text: String,
    secrets: Vec<String>,
    leaks: Vec<(LeakKind, String)>,
    /// The direction carries the tunnel after this message.
    handover: bool,
}

impl Msg {
    fn add(&mut self, r: Range<usize>, f: FieldId) {
        self.parts.push((r, f));
    }
}

impl Dissector for Socks {
    fn reversible(&self) -> bool {
        true
    }

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
            let stage = self.stages.get(d).copied().unwrap_or(Stage::Over);
            if stage == Stage::Gssapi {
                out.field(at..base + data.len() as u64, SOCKS_GSSAPI);
                return Fed::Done(data.len());
            }
            if stage == Stage::Over {
                unknown::classify_chunk_explained(at, rest, false, out);
                return Fed::Done(data.len());
            }
            let parsed = match dir {
                Direction::ToServer => self.client(stage, rest),
                Direction::ToClient => self.server(stage, rest),
            };
            let (len, msg) = match parsed {
                Parsed::Yes(x) => x,
                Parsed::NeedMore if !flush => return Fed::Done(pos),
                Parsed::NeedMore => {
                    out.field(at..base + data.len() as u64, SOCKS_HEADER);
                    out.note(
                        at..base + data.len() as u64,
                        Severity::Note,
                        NoteGroup::Truncated,
                        "SOCKS message cut off".into(),
                    );
                    return Fed::Done(data.len());
                }
                Parsed::No => {
                    out.note(
                        at..at + 1,
                        Severity::Note,
                        NoteGroup::Malformed,
                        "no SOCKS message starts here: the rest is not parsed".into(),
                    );
                    if let Some(s) = self.stages.get_mut(d) {
                        *s = Stage::Over;
                    }
                    continue;
                }
            };
            emit(out, at, len, msg.parts, SOCKS_HEADER);
            for (kind, value) in msg.leaks {
                out.event(at, Desc::Leak { kind, value });
            }
            app_event(out, at, "SOCKS", msg.text, msg.secrets);
            pos += len;
            if msg.handover {
                return Fed::Handover(pos);
            }
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(s) = self.stages.get_mut(dir.index()) {
            *s = Stage::Over;
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push(
            match (self.version, self.v4a) {
                (4, true) => "SOCKS4a",
                (4, false) => "SOCKS4",
                (5, _) => "SOCKS5",
                _ => "SOCKS",
            }
            .into(),
        );
        facts.details_known([
            ("socks.destination", &self.destination),
            ("socks.user", &self.user),
            ("socks.command", &self.command.map(String::from)),
        ]);
    }
}

/// Labels a message: the listed fields, `fill` between them.
fn emit(
    out: &mut Emitter,
    at: u64,
    len: usize,
    mut parts: Vec<(Range<usize>, FieldId)>,
    fill: FieldId,
) {
    parts.sort_by_key(|(r, _)| r.start);
    super::framing::line_spans(out, at, len, &parts, fill);
}

fn method_name(m: u8) -> String {
    match m {
        0 => "no authentication".into(),
        1 => "GSSAPI".into(),
        2 => "username/password".into(),
        3 => "CHAP".into(),
        0xff => "none acceptable".into(),
        m => format!("method {m:#04x}"),
    }
}

fn command_name(c: u8) -> &'static str {
    match c {
        1 => "CONNECT",
        2 => "BIND",
        3 => "UDP ASSOCIATE",
        0xf0 => "RESOLVE",
        0xf1 => "RESOLVE_PTR",
        _ => "command",
    }
}

fn reply_name(r: u8) -> &'static str {
    match r {
        0 => "succeeded",
        1 => "general failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unassigned reply",
    }
}

/// An RFC 1928 address (ATYP, address, port) at the reader: `host:port` and the ranges
/// of the host and the port.
fn address(r: &mut Reader<'_>, b: &[u8]) -> Parsed<(String, Range<usize>, FieldId, Range<usize>)> {
    let Some(atyp) = r.u8() else {
        return Parsed::NeedMore;
    };
    let (host, field, text) = match atyp {
        1 => {
            let start = r.pos();
            let Some(a) = r.array::<4>() else {
                return Parsed::NeedMore;
            };
            (start..start + 4, SOCKS_DST, Ipv4Addr::from(a).to_string())
        }
        3 => {
            let Some(n) = r.u8() else {
                return Parsed::NeedMore;
            };
            let start = r.pos();
            if r.skip(usize::from(n)).is_none() {
                return Parsed::NeedMore;
            }
            let range = start..start + usize::from(n);
            let name = crate::text::lossy(b.get(range.clone()).unwrap_or(&[])).into_owned();
            (range, SOCKS_REMOTE_NAME, name)
        }
        4 => {
            let start = r.pos();
            let Some(a) = r.array::<16>() else {
                return Parsed::NeedMore;
            };
            (
                start..start + 16,
                SOCKS_DST_V6,
                format!("[{}]", Ipv6Addr::from(a)),
            )
        }
        _ => return Parsed::No,
    };
    let p = r.pos();
    let Some(port) = r.u16() else {
        return Parsed::NeedMore;
    };
    Parsed::Yes((format!("{text}:{port}"), host, field, p..p + 2))
}

impl Socks {
    fn client(&mut self, stage: Stage, b: &[u8]) -> Parsed<(usize, Msg)> {
        let mut m = Msg::default();
        let mut r = Reader::new(b);
        let Some(ver) = r.u8() else {
            return Parsed::NeedMore;
        };
        m.add(0..1, SOCKS_VERSION);
        match (stage, ver) {
            (Stage::Start, 4) => {
                let v = match v4_request(b) {
                    Parsed::Yes(v) => v,
                    Parsed::NeedMore => return Parsed::NeedMore,
                    Parsed::No => return Parsed::No,
                };
                self.version = 4;
                let cmd = command_name(b.get(1).copied().unwrap_or(0));
                self.command = Some(cmd);
                m.add(1..2, SOCKS_COMMAND);
                m.add(2..4, SOCKS_DSTPORT);
                let port = crate::codec::be16(b, 2).unwrap_or(0);
                let ip = b
                    .get(4..8)
                    .and_then(|x| <[u8; 4]>::try_from(x).ok())
                    .map(Ipv4Addr::from)
                    .unwrap_or(Ipv4Addr::UNSPECIFIED);
                let host = match &v.host {
                    Some(h) => {
                        self.v4a = true;
                        m.add(4..8, SOCKS_HEADER);
                        m.add(h.clone(), SOCKS_V4A_NAME);
                        crate::text::lossy(b.get(h.clone()).unwrap_or(&[])).into_owned()
                    }
                    None => {
                        m.add(4..8, SOCKS_DST);
                        ip.to_string()
                    }
                };
                let dest = format!("{host}:{port}");
                let version = if self.v4a { "SOCKS4a" } else { "SOCKS4" };
                m.text = format!("{version} {cmd} {dest}");
                if !v.user.is_empty() {
                    let user =
                        crate::text::lossy(b.get(v.user.clone()).unwrap_or(&[])).into_owned();
                    m.text.push_str(&format!(" user={user}"));
                    m.leaks.push((LeakKind::UserName, user.clone()));
                    self.user = Some(user);
                    m.add(v.user.clone(), SOCKS_USERNAME);
                }
                m.leaks.push((LeakKind::Url, dest.clone()));
                self.destination = Some(dest);
                m.handover = true;
                Parsed::Yes((v.len, m))
            }
            (Stage::Start, 5) => {
                self.version = 5;
                let Some(methods) = r.prefixed_u8() else {
                    return Parsed::NeedMore;
                };
                m.add(1..r.pos(), SOCKS_AUTH_METHOD);
                let names: Vec<String> = methods.rest().iter().map(|&x| method_name(x)).collect();
                m.text = format!("SOCKS5 greeting, methods: {}", names.join(", "));
                if let Some(s) = self.stages.get_mut(0) {
                    *s = Stage::Negotiate;
                }
                Parsed::Yes((r.pos(), m))
            }
            (Stage::Negotiate, 1) => {
                // RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD.
                let Some(user) = r.prefixed_u8() else {
                    return Parsed::NeedMore;
                };
                let u = 2..r.pos();
                let Some(pass) = r.prefixed_u8() else {
                    return Parsed::NeedMore;
                };
                let p = u.end + 1..r.pos();
                let user = crate::text::lossy(user.rest()).into_owned();
                let pass = crate::text::lossy(pass.rest()).into_owned();
                m.add(u, SOCKS_USERNAME);
                m.add(p, SOCKS_PASSWORD);
                m.text = "SOCKS5 username/password".into();
                m.leaks.push((LeakKind::UserName, user.clone()));
                m.secrets.push(format!("user={user} password={pass}"));
                self.user = Some(user);
                Parsed::Yes((r.pos(), m))
            }
            (Stage::Negotiate, 5) => {
                let (Some(cmd), Some(_rsv)) = (r.u8(), r.u8()) else {
                    return Parsed::NeedMore;
                };
                m.add(1..2, SOCKS_COMMAND);
                let (dest, host, field, port) = match address(&mut r, b) {
                    Parsed::Yes(a) => a,
                    Parsed::NeedMore => return Parsed::NeedMore,
                    Parsed::No => return Parsed::No,
                };
                m.add(host, field);
                m.add(port, SOCKS_DSTPORT);
                let cmd = command_name(cmd);
                self.command = Some(cmd);
                m.text = format!("SOCKS5 {cmd} {dest}");
                m.leaks.push((LeakKind::Url, dest.clone()));
                self.destination = Some(dest);
                m.handover = cmd == "CONNECT";
                if !m.handover {
                    if let Some(s) = self.stages.get_mut(0) {
                        *s = Stage::Over;
                    }
                }
                Parsed::Yes((r.pos(), m))
            }
            _ => Parsed::No,
        }
    }

    fn server(&mut self, stage: Stage, b: &[u8]) -> Parsed<(usize, Msg)> {
        let mut m = Msg::default();
        let mut r = Reader::new(b);
        let Some(ver) = r.u8() else {
            return Parsed::NeedMore;
        };
        m.add(0..1, SOCKS_VERSION);
        let set = |s: &mut Self, stage: Stage| {
            if let Some(x) = s.stages.get_mut(1) {
                *x = stage;
            }
        };
        match (self.version, stage, ver) {
            (4, Stage::Start, 0) => {
                if r.skip(7).is_none() {
                    return Parsed::NeedMore;
                }
                let code = b.get(1).copied().unwrap_or(0);
                let what = match code {
                    0x5a => "granted",
                    0x5b => "rejected or failed",
                    0x5c => "rejected: no identd",
                    0x5d => "rejected: user IDs differ",
                    _ => "unknown reply",
                };
                m.text = format!("SOCKS4 reply: {what}");
                m.handover = code == 0x5a;
                if !m.handover {
                    set(self, Stage::Over);
                }
                Parsed::Yes((8, m))
            }
            (5, Stage::Start, 5) => {
                let Some(method) = r.u8() else {
                    return Parsed::NeedMore;
                };
                m.add(1..2, SOCKS_AUTH_METHOD);
                m.text = format!("SOCKS5 method: {}", method_name(method));
                set(
                    self,
                    if method == 1 {
                        Stage::Gssapi
                    } else {
                        Stage::Negotiate
                    },
                );
                if method == 1 {
                    if let Some(x) = self.stages.get_mut(0) {
                        *x = Stage::Gssapi;
                    }
                }
                Parsed::Yes((2, m))
            }
            (5, Stage::Negotiate, 1) => {
                let Some(status) = r.u8() else {
                    return Parsed::NeedMore;
                };
                m.text = format!(
                    "SOCKS5 authentication {}",
                    if status == 0 { "succeeded" } else { "failed" }
                );
                Parsed::Yes((2, m))
            }
            (5, Stage::Negotiate, 5) => {
                let (Some(rep), Some(_rsv)) = (r.u8(), r.u8()) else {
                    return Parsed::NeedMore;
                };
                match address(&mut r, b) {
                    Parsed::Yes(_) => {}
                    Parsed::NeedMore => return Parsed::NeedMore,
                    Parsed::No => return Parsed::No,
                }
                m.text = format!("SOCKS5 reply: {}", reply_name(rep));
                m.handover = rep == 0 && self.command == Some("CONNECT");
                if !m.handover {
                    set(self, Stage::Over);
                }
                Parsed::Yes((r.pos(), m))
            }
            _ => Parsed::No,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &mut Socks, dir: Direction, bytes: &[u8]) -> (Fed, Vec<String>, Emitter) {
        let mut out = Emitter::default();
        let fed = s.feed(dir, 0, bytes, false, &mut out);
        let events = out
            .events
            .iter()
            .map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => format!("{text} {leaks:?}"),
                Desc::Leak { kind, value } => format!("{} {value}", kind.name()),
                d => format!("{d:?}"),
            })
            .collect();
        (fed, events, out)
    }

    #[test]
    fn socks5_with_username_and_password_then_connect() {
        let mut s = Socks::default();
        let (fed, ev, _) = run(&mut s, Direction::ToServer, &[5, 2, 0, 2]);
        assert_eq!(fed, Fed::Done(4));
        assert_eq!(
            ev,
            ["SOCKS5 greeting, methods: no authentication, username/password []"]
        );
        let (_, ev, _) = run(&mut s, Direction::ToClient, &[5, 2]);
        assert_eq!(ev, ["SOCKS5 method: username/password []"]);
        let auth = b"\x01\x05alice\x06secret";
        let (fed, ev, out) = run(&mut s, Direction::ToServer, auth);
        assert_eq!(fed, Fed::Done(auth.len()));
        assert_eq!(
            ev,
            [
                "user name alice",
                "credential user=alice password=secret",
                "SOCKS5 username/password [\"user=alice password=secret\"]"
            ]
        );
        assert!(out
            .spans
            .iter()
            .any(|x| x.field == SOCKS_PASSWORD && x.range == (8..14)));
        run(&mut s, Direction::ToClient, &[1, 0]);
        let mut req = vec![5, 1, 0, 3, 11];
        req.extend_from_slice(b"example.com");
        req.extend_from_slice(&443u16.to_be_bytes());
        let (fed, ev, _) = run(&mut s, Direction::ToServer, &req);
        assert_eq!(fed, Fed::Handover(req.len()));
        assert_eq!(
            ev,
            ["URL example.com:443", "SOCKS5 CONNECT example.com:443 []"]
        );
        let (fed, ev, _) = run(
            &mut s,
            Direction::ToClient,
            &[5, 0, 0, 1, 127, 0, 0, 1, 4, 56],
        );
        assert_eq!(fed, Fed::Handover(10));
        assert_eq!(ev, ["SOCKS5 reply: succeeded []"]);
        let mut f = Facts::default();
        s.facts(&mut f);
        assert_eq!(f.stack, ["SOCKS5"]);
        assert!(f
            .details
            .contains(&("socks.destination", "example.com:443".into())));
    }

    #[test]
    fn socks4a_names_user_and_host() {
        let req = b"\x04\x01\x00\x50\x00\x00\x00\x01bob\0example.org\0";
        let mut s = Socks::default();
        let (fed, ev, _) = run(&mut s, Direction::ToServer, req);
        assert_eq!(fed, Fed::Handover(req.len()));
        assert_eq!(
            ev.last().unwrap(),
            "SOCKS4a CONNECT example.org:80 user=bob []"
        );
        let (fed, ev, _) = run(&mut s, Direction::ToClient, &[0, 0x5a, 0, 0, 0, 0, 0, 0]);
        assert_eq!(fed, Fed::Handover(8));
        assert_eq!(ev, ["SOCKS4 reply: granted []"]);
    }

    #[test]
    fn method_count_beyond_the_bytes_waits_then_is_cut_off() {
        let mut s = Socks::default();
        let (fed, _, _) = run(&mut s, Direction::ToServer, &[5, 200, 0, 2]);
        assert_eq!(fed, Fed::Done(0), "waits for its methods");
        let mut out = Emitter::default();
        assert_eq!(
            s.feed(Direction::ToServer, 0, &[5, 200, 0, 2], true, &mut out),
            Fed::Done(4)
        );
        assert!(out.notes.iter().any(|n| n.text.contains("cut off")));
    }

    #[test]
    fn every_prefix_is_safe() {
        let mut all = vec![5, 1, 2, 1, 5];
        all.extend_from_slice(b"alice\x06secret\x05\x01\x00\x04");
        all.extend_from_slice(&[0; 18]);
        for n in 0..=all.len() {
            for dir in [Direction::ToServer, Direction::ToClient] {
                let mut s = Socks::default();
                let mut out = Emitter::default();
                s.feed(dir, 0, &all[..n], true, &mut out);
            }
        }
    }

    #[test]
    fn detection() {
        fn probe(bytes: &[u8]) -> Probe<'_> {
            Probe {
                bytes,
                dir: Direction::ToServer,
                transport: crate::decode::Transport::Tcp,
                client_port: 40000,
                server_port: 3128,
            }
        }
        assert_eq!(detect(&probe(&[5, 1, 0])), Detect::Yes);
        assert_eq!(detect(&probe(&[5, 2, 0])), Detect::NeedMore);
        assert_eq!(detect(&probe(&[5, 1, 0, 5, 1])), Detect::Yes);
        assert_eq!(detect(&probe(&[5, 1, 0, 0x16])), Detect::No);
        assert_eq!(detect(&probe(&[5, 0])), Detect::No);
        assert_eq!(
            detect(&probe(b"\x04\x01\x00\x50\x01\x02\x03\x04\0")),
            Detect::Yes
        );
        assert_eq!(detect(&probe(b"GET / HTTP/1.1\r\n")), Detect::No);
    }
}

//! Plaintext protocols on TCP streams: HTTP/1.x, SMTP, POP3, IMAP, FTP, Telnet, LDAP,
//! XMPP, MySQL, the PostgreSQL SSLRequest, DNS over TCP, and unrecognised payload.
//!
//! Each protocol labels its bytes field by field and reports what it gives away
//! (URLs, cookies, credentials, names). Every protocol checks, at each message
//! boundary, whether what follows is a TLS handshake record: that is how STARTTLS,
//! `AUTH TLS`, `STLS`, LDAP StartTLS, XMPP `<starttls/>`, SOCKS, HTTP `CONNECT` and
//! database SSL requests hand a connection over to TLS ([`Fed::SwitchToTls`]).
//!
//! Lines are bounded ([`MAX_LINE`]): a longer line is labelled readable without being
//! parsed, with a note, so a 10 MB header line never waits in memory.

pub mod http;
pub mod ldap;
pub mod mail;
pub mod mysql;
pub mod xmpp;

use super::tls::record::{plausible_header, ContentType, Plausible};
use super::{text, Desc, Direction, Emitter};
use crate::fields::{self, FieldId};
use crate::note::{NoteGroup, Severity};
use crate::span::{LeakKind, Visibility};
use std::ops::Range;

/// PostgreSQL's SSLRequest: length 8, code 80877103 (PostgreSQL protocol, section 55.2.10).
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Longest line parsed; longer lines are labelled readable in pieces, unparsed.
pub const MAX_LINE: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Http,
    Smtp,
    Pop3,
    Imap,
    Ftp,
    Telnet,
    Ldap,
    Xmpp,
    Mysql,
    Postgres,
    Dns,
    /// Anything else: readable text, or undecoded bytes with an explanation.
    Unknown,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Http => "HTTP",
            Proto::Smtp => "SMTP",
            Proto::Pop3 => "POP3",
            Proto::Imap => "IMAP",
            Proto::Ftp => "FTP",
            Proto::Telnet => "Telnet",
            Proto::Ldap => "LDAP",
            Proto::Xmpp => "XMPP",
            Proto::Mysql => "MySQL",
            Proto::Postgres => "PostgreSQL",
            Proto::Dns => "DNS",
            Proto::Unknown => "unknown",
        }
    }
}

/// What a feed did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fed {
    /// This many bytes from the front are labelled; the rest waits for more.
    Done(usize),
    /// This many bytes are labelled, and a TLS handshake starts right after them.
    SwitchToTls(usize),
}

/// Whether `bytes` begin with a TLS (or SSLv2-compatible) ClientHello or ServerHello.
pub fn tls_starts(bytes: &[u8]) -> Plausible {
    if let [b0, _, 1, 3, ..] = bytes {
        // SSLv2-compatible ClientHello (RFC 6101 appendix E, RFC 5246 appendix E.2).
        if b0 & 0x80 != 0 {
            return Plausible::Yes(super::tls::record::RecordHeader {
                content: ContentType::HANDSHAKE,
                version: super::tls::TlsVersion::SSL3,
                len: 0,
            });
        }
    }
    match plausible_header(bytes) {
        Plausible::Yes(h) if h.content == ContentType::HANDSHAKE => match bytes.get(5) {
            Some(1 | 2) => Plausible::Yes(h),
            Some(_) => Plausible::No,
            None => Plausible::NeedMore,
        },
        Plausible::Yes(_) => Plausible::No,
        other => other,
    }
}

/// Guesses a protocol from a flow's first bytes and its ports: content first.
pub fn detect(first: &[u8], from_client: bool, ports: (u16, u16)) -> Proto {
    let (_, server) = ports;
    let starts = |p: &[u8]| {
        first
            .get(..p.len())
            .is_some_and(|f| f.eq_ignore_ascii_case(p))
    };
    if from_client && http::looks_like_request(first) || !from_client && starts(b"HTTP/1.") {
        return Proto::Http;
    }
    if first.get(..8) == Some(&SSL_REQUEST[..]) {
        return Proto::Postgres;
    }
    if ldap::looks_like(first) {
        return Proto::Ldap;
    }
    if xmpp::looks_like(first, server) {
        return Proto::Xmpp;
    }
    if !from_client && mysql::looks_like_greeting(first) {
        return Proto::Mysql;
    }
    if !from_client {
        if starts(b"+OK") {
            return Proto::Pop3;
        }
        if starts(b"* OK") || starts(b"* PREAUTH") {
            return Proto::Imap;
        }
        if starts(b"220") {
            let banner = String::from_utf8_lossy(first.get(..first.len().min(200)).unwrap_or(&[]))
                .to_ascii_lowercase();
            if banner.contains("ftp") || server == 21 {
                return Proto::Ftp;
            }
            return Proto::Smtp;
        }
    }
    if first.first() == Some(&0xff) && server == 23 {
        return Proto::Telnet;
    }
    match server {
        80 | 8080 | 8000 | 3128 => Proto::Http,
        25 | 587 | 2525 => Proto::Smtp,
        110 => Proto::Pop3,
        143 => Proto::Imap,
        21 => Proto::Ftp,
        23 => Proto::Telnet,
        389 | 3268 => Proto::Ldap,
        5222 | 5269 => Proto::Xmpp,
        3306 => Proto::Mysql,
        53 => Proto::Dns,
        5432 => Proto::Postgres,
        _ => Proto::Unknown,
    }
}

/// Labels a line's bytes: the listed fields, and `fill` for every byte between them.
pub fn line_spans(
    out: &mut Emitter,
    at: u64,
    len: usize,
    parts: &[(Range<usize>, FieldId)],
    fill: FieldId,
) {
    let mut pos = 0usize;
    for (r, field) in parts {
        let r = r.start.min(len)..r.end.min(len);
        if r.start < pos || r.start >= r.end {
            continue;
        }
        if r.start > pos {
            out.field(at + pos as u64..at + r.start as u64, fill);
        }
        out.field(at + r.start as u64..at + r.end as u64, *field);
        pos = r.end;
    }
    if pos < len {
        out.field(at + pos as u64..at + len as u64, fill);
    }
}

/// The text of a line without its line end, lossily, for descriptions.
pub fn line_text(line: &[u8]) -> String {
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    String::from_utf8_lossy(line.get(..end).unwrap_or(&[])).into_owned()
}

/// Splits a line into words, with their ranges.
pub fn words(line: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        let space = b == b' ' || b == b'\t' || b == b'\r' || b == b'\n';
        match (start, space) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..line.len());
    }
    out
}

/// The plaintext side of one TCP flow.
#[derive(Debug)]
pub struct Plain {
    pub proto: Proto,
    http: [http::HttpDir; 2],
    requests: http::Requests,
    mail: mail::MailState,
    ldap: ldap::Ldap,
    xmpp: xmpp::Xmpp,
    mysql: mysql::Mysql,
    /// The unrecognised-bytes explanation was given for this direction.
    explained: [bool; 2],
}

impl Plain {
    pub fn new(proto: Proto) -> Plain {
        Plain {
            proto,
            http: Default::default(),
            requests: Default::default(),
            mail: mail::MailState::new(proto),
            ldap: ldap::Ldap::default(),
            xmpp: xmpp::Xmpp::default(),
            mysql: mysql::Mysql::default(),
            explained: [false; 2],
        }
    }

    /// Labels bytes from the front of `data` (stream offset `base`). With `flush`,
    /// labels everything (end of stream or a gap follows).
    pub fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        match self.proto {
            Proto::Http => {
                let d = dir.index();
                match self.http.get_mut(d) {
                    Some(state) => state.feed(dir, base, data, flush, &mut self.requests, out),
                    None => Fed::Done(0),
                }
            }
            Proto::Smtp | Proto::Pop3 | Proto::Imap | Proto::Ftp => {
                lines(data, flush, base, out, |line, at, out| {
                    self.mail.line(dir, line, at, out)
                })
            }
            Proto::Dns => dns_over_tcp(base, data, flush, out),
            Proto::Telnet => {
                if let Some(f) = upgrade_check(data, flush) {
                    return f;
                }
                telnet(base, data, out);
                Fed::Done(data.len())
            }
            Proto::Ldap => self.ldap.feed(dir, base, data, flush, out),
            Proto::Xmpp => self.xmpp.feed(dir, base, data, flush, out),
            Proto::Mysql => self.mysql.feed(dir, base, data, flush, out),
            Proto::Postgres => postgres(base, data, flush, out),
            Proto::Unknown => {
                if let Some(f) = upgrade_check(data, flush) {
                    return f;
                }
                let d = dir.index();
                let explain = !self.explained.get(d).copied().unwrap_or(true);
                if text::classify_chunk_explained(base, data, explain, out) {
                    if let Some(e) = self.explained.get_mut(d) {
                        *e = true;
                    }
                }
                Fed::Done(data.len())
            }
        }
    }

    /// A gap: message framing is lost until the protocol finds its footing.
    pub fn gap(&mut self, dir: Direction) {
        if let Some(h) = self.http.get_mut(dir.index()) {
            h.gap();
        }
        self.mail.gap(dir);
        self.ldap.gap(dir);
        self.mysql.gap(dir);
        self.xmpp.gap(dir);
    }
}

/// What a length-framed protocol's header says (see [`framed`]).
pub enum Header {
    /// More bytes are needed to read it.
    NeedMore,
    /// Not this protocol's header: framing is lost.
    Bad,
    /// The whole message, header included, is this long.
    Len(usize),
}

/// One direction of a length-framed protocol (LDAP's BER, MySQL's packets).
#[derive(Debug, Default)]
pub struct Framing {
    /// Bytes of a long message still to label without parsing.
    skip: u64,
    /// Framing was lost (a gap, or bytes that are not a header): the rest is
    /// classified as unknown payload; TLS is still recognised if it starts.
    lost: bool,
}

impl Framing {
    /// Bytes are missing: where the next message starts is unknown.
    pub fn lose(&mut self) {
        self.skip = 0;
        self.lost = true;
    }
}

/// Largest length-framed message parsed whole; a longer one is described from its
/// first bytes and labelled `field` as the rest arrives, never waited for.
pub const MAX_FRAMED: usize = 64 * 1024;

/// Runs a length-framed protocol over `data` (stream offset `base`): TLS is looked for
/// before each message; `header` reads a message's length; `message` labels and
/// describes a message (or the first [`MAX_FRAMED`] bytes of a longer one, or what is
/// left of one the stream cut short).
#[allow(clippy::too_many_arguments)] // the protocol's field, name and two readers
pub fn framed(
    st: &mut Framing,
    data: &[u8],
    base: u64,
    flush: bool,
    out: &mut Emitter,
    field: FieldId,
    name: &str,
    header: impl Fn(&[u8]) -> Header,
    mut message: impl FnMut(u64, &[u8], &mut Emitter),
) -> Fed {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        let at = base + pos as u64;
        if st.skip > 0 {
            let n = rest
                .len()
                .min(usize::try_from(st.skip).unwrap_or(usize::MAX));
            out.field(at..at + n as u64, field);
            st.skip -= n as u64;
            pos += n;
            continue;
        }
        match tls_starts(rest) {
            Plausible::Yes(_) => return Fed::SwitchToTls(pos),
            Plausible::NeedMore if !flush => return Fed::Done(pos),
            _ => {}
        }
        if st.lost {
            text::classify_chunk_explained(at, rest, false, out);
            return Fed::Done(data.len());
        }
        let total = match header(rest) {
            Header::Len(n) => n,
            Header::NeedMore if flush => {
                out.field(at..at + rest.len() as u64, field);
                return Fed::Done(data.len());
            }
            Header::NeedMore => return Fed::Done(pos),
            Header::Bad => {
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("no {name} message starts here: the rest is not parsed"),
                );
                st.lost = true;
                continue;
            }
        };
        if total > MAX_FRAMED {
            let n = rest.len().min(total);
            message(at, rest.get(..n).unwrap_or(rest), out);
            st.skip = (total - n) as u64;
            pos += n;
            continue;
        }
        match rest.get(..total) {
            Some(msg) => {
                message(at, msg, out);
                pos += total;
            }
            None if flush => {
                message(at, rest, out);
                out.note(
                    at..at + rest.len() as u64,
                    Severity::Note,
                    NoteGroup::Truncated,
                    format!("{name} message cut off: {} of {total} bytes", rest.len()),
                );
                return Fed::Done(data.len());
            }
            None => return Fed::Done(pos),
        }
    }
    Fed::Done(pos)
}

/// An application event at `at`, with each credential it shows also reported as a
/// credential leak (for `flows` and `check`).
pub fn app_event(
    out: &mut Emitter,
    at: u64,
    proto: &'static str,
    text: String,
    leaks: Vec<String>,
) {
    for shown in &leaks {
        out.event(
            at,
            Desc::Leak {
                kind: LeakKind::Credential,
                value: shown.clone(),
            },
        );
    }
    out.event(at, Desc::App { proto, text, leaks });
}

/// At a message boundary: does TLS start here? `None` means go on with the protocol.
fn upgrade_check(data: &[u8], flush: bool) -> Option<Fed> {
    match tls_starts(data) {
        Plausible::Yes(_) => Some(Fed::SwitchToTls(0)),
        Plausible::NeedMore if !flush => Some(Fed::Done(0)),
        _ => None,
    }
}

/// Runs a line handler over complete lines, checking for TLS before each line.
fn lines(
    data: &[u8],
    flush: bool,
    base: u64,
    out: &mut Emitter,
    mut handle: impl FnMut(&[u8], u64, &mut Emitter),
) -> Fed {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        match tls_starts(rest) {
            Plausible::Yes(_) => return Fed::SwitchToTls(pos),
            Plausible::NeedMore if !flush => return Fed::Done(pos),
            _ => {}
        }
        let at = base + pos as u64;
        match rest.iter().position(|&b| b == b'\n') {
            Some(nl) if nl < MAX_LINE => {
                let line = rest.get(..=nl).unwrap_or(rest);
                handle(line, at, out);
                pos += nl + 1;
            }
            _ if rest.len() >= MAX_LINE => {
                out.field(at..at + MAX_LINE as u64, fields::TEXT);
                out.note(
                    at..at + MAX_LINE as u64,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("a line longer than {MAX_LINE} bytes: labelled readable, not parsed"),
                );
                pos += MAX_LINE;
            }
            _ if flush => {
                handle(rest, at, out);
                pos = data.len();
            }
            _ => return Fed::Done(pos),
        }
    }
    Fed::Done(pos)
}

/// Telnet: IAC commands (RFC 854) and data, all readable.
fn telnet(base: u64, data: &[u8], out: &mut Emitter) {
    let mut i = 0;
    while i < data.len() {
        let at = base + i as u64;
        if data.get(i) == Some(&0xff) {
            let len = match data.get(i + 1) {
                Some(0xfa) => data
                    .get(i..)
                    .and_then(|r| r.windows(2).position(|w| w == [0xff, 0xf0]))
                    .map_or(data.len() - i, |p| p + 2),
                Some(0xfb..=0xfe) => 3,
                Some(_) => 2,
                None => 1,
            };
            let len = len.min(data.len() - i);
            out.field(at..at + len as u64, fields::TELNET_COMMAND);
            i += len;
        } else {
            let end = data
                .get(i..)
                .and_then(|r| r.iter().position(|&b| b == 0xff))
                .map_or(data.len(), |p| i + p);
            out.field(at..base + end as u64, fields::TELNET_DATA);
            i = end;
        }
    }
}

/// PostgreSQL before TLS: the 8-byte SSLRequest and the one-byte answer (`S` or `N`).
fn postgres(base: u64, data: &[u8], flush: bool, out: &mut Emitter) -> Fed {
    if let Some(f) = upgrade_check(data, flush) {
        return f;
    }
    if data.get(..8) == Some(&SSL_REQUEST[..]) {
        out.field(base..base + 8, fields::PGSQL_MESSAGE);
        out.event(
            base,
            Desc::App {
                proto: "PostgreSQL",
                text: "SSLRequest".into(),
                leaks: vec![],
            },
        );
        return Fed::SwitchToTls(8).or_done(data.len() > 8, 8);
    }
    if let [answer @ (b'S' | b'N'), ..] = data {
        out.field(base..base + 1, fields::PGSQL_MESSAGE);
        out.event(
            base,
            Desc::App {
                proto: "PostgreSQL",
                text: format!("SSL answer {}", *answer as char),
                leaks: vec![],
            },
        );
        return if data.len() > 1 {
            Fed::SwitchToTls(1)
        } else {
            Fed::Done(1)
        };
    }
    if data.len() < 8 && !flush {
        return Fed::Done(0);
    }
    text::classify_chunk_explained(base, data, false, out);
    Fed::Done(data.len())
}

impl Fed {
    /// `SwitchToTls(n)` when more bytes follow, else just `Done(n)`.
    fn or_done(self, more: bool, n: usize) -> Fed {
        if more {
            self
        } else {
            Fed::Done(n)
        }
    }
}

/// DNS over TCP: a two-byte length, then a message (RFC 1035 section 4.2.2).
fn dns_over_tcp(base: u64, data: &[u8], flush: bool, out: &mut Emitter) -> Fed {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        let at = base + pos as u64;
        let Some(&[hi, lo]) = rest.get(..2).and_then(|s| <&[u8; 2]>::try_from(s).ok()) else {
            if flush {
                out.span(
                    at..at + rest.len() as u64,
                    fields::PAYLOAD,
                    Visibility::Undecoded,
                );
                return Fed::Done(data.len());
            }
            return Fed::Done(pos);
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        match rest.get(2..2 + len) {
            Some(msg) => {
                out.field(at..at + 2, fields::DNS_LENGTH);
                super::dns::message(at + 2, msg, out);
                pos += 2 + len;
            }
            None if flush => {
                out.field(at..at + 2, fields::DNS_LENGTH);
                super::dns::message(at + 2, rest.get(2..).unwrap_or(&[]), out);
                return Fed::Done(data.len());
            }
            None => return Fed::Done(pos),
        }
    }
    Fed::Done(pos)
}

#[cfg(test)]
mod tests;

//! PostgreSQL's frontend/backend protocol, version 3 (PostgreSQL documentation,
//! chapter 55 "Frontend/Backend Protocol"), before or without TLS.
//!
//! Messages are a type byte and a four-byte length that counts itself (section 55.7);
//! the client's first packet (StartupMessage, SSLRequest, GSSENCRequest,
//! CancelRequest) has no type byte, and always starts with a zero byte since it is
//! shorter than 10000 bytes. The server answers an SSLRequest or a GSSENCRequest with
//! one unframed byte: `S` (TLS follows: the connection is handed over), `G` (GSSAPI
//! encryption follows: both directions are opaque from then on) or `N` (go on in the
//! clear).
//!
//! What gives a session away: the StartupMessage's `user`, `database` and
//! `application_name` (leaks), the password a PasswordMessage carries in the clear or
//! as an `md5` hash (salted with four bytes the server sent: enough for an offline
//! guess), SCRAM-SHA-256's client proof (RFC 5802 section 5.1: with the salt and
//! iteration count read from the server-first message, an offline dictionary attack),
//! every SQL statement (`pgsql.query`) and every row the server returns.
//!
//! Messages are read with [`framing::framed`](super::framing::framed): 64 KiB parsed
//! whole, longer ones described from their head and labelled as they arrive, and after
//! a gap the direction is classified, not parsed.

use super::framing::{app_event, framed, line_spans, Framing, Header};
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, Protection};
use crate::codec::{be32, Reader};
use crate::fields::FieldId;
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "PostgreSQL";
    PGSQL_TYPE = "pgsql.type", Header, Metadata, None, "message type byte (section 55.7; the client's startup packet has none)";
    PGSQL_LENGTH = "pgsql.length", Header, Metadata, None, "message length, itself included (section 55.7)";
    PGSQL_BODY = "pgsql.body", Content, Cleartext, None, "message content not singled out by another field";
    PGSQL_CODE = "pgsql.request_code", Content, Cleartext, None, "startup packet's protocol version or request code (SSLRequest, GSSENCRequest, CancelRequest), or the server's one-byte answer";
    PGSQL_PARAMETER_NAME = "pgsql.parameter_name", Content, Cleartext, None, "StartupMessage or ParameterStatus parameter name (section 55.7)";
    PGSQL_PARAMETER_VALUE = "pgsql.parameter_value", Content, Cleartext, None, "StartupMessage or ParameterStatus parameter value (section 55.7)";
    PGSQL_USER = "pgsql.user", Content, Cleartext, Some(UserName), "user name: StartupMessage `user`, SCRAM client-first `n=` (RFC 5802 section 5.1)";
    PGSQL_DATABASE = "pgsql.database", Content, Cleartext, Some(Url), "database asked for: StartupMessage `database`";
    PGSQL_APPLICATION = "pgsql.application_name", Content, Cleartext, Some(Identity), "the client's name for itself: StartupMessage `application_name`";
    PGSQL_PASSWORD = "pgsql.password", Content, Cleartext, Some(Credential), "PasswordMessage (a cleartext password or an `md5` hash), SCRAM client proof (RFC 5802 section 5.1 `p=`)";
    PGSQL_AUTHTYPE = "pgsql.authtype", Content, Cleartext, None, "authentication request code: 0 ok, 3 cleartext, 5 MD5, 10 SASL, 11 SASLContinue, 12 SASLFinal (section 55.7)";
    PGSQL_SALT = "pgsql.salt", Content, Cleartext, None, "AuthenticationMD5Password's four-byte salt";
    PGSQL_SASL_MECH = "pgsql.auth.sasl.mech", Content, Cleartext, None, "SASL mechanism offered (AuthenticationSASL) or chosen (SASLInitialResponse)";
    PGSQL_SASL_DATA = "pgsql.auth.sasl.data", Content, Cleartext, None, "SCRAM messages: nonces, salt, iteration count, server signature (RFC 5802 section 7)";
    PGSQL_QUERY = "pgsql.query", Content, Cleartext, None, "SQL text of a Query or Parse (section 55.7)";
    PGSQL_COL_NAME = "pgsql.col.name", Content, Cleartext, None, "RowDescription column name";
    PGSQL_VAL_DATA = "pgsql.val.data", Content, Cleartext, None, "a DataRow column value, a Bind parameter, CopyData";
    PGSQL_TAG = "pgsql.tag", Content, Cleartext, None, "CommandComplete tag (`SELECT 1`, `INSERT 0 1`)";
    PGSQL_KEY = "pgsql.key", Content, Cleartext, None, "BackendKeyData's secret key, echoed by a CancelRequest: whoever reads it can cancel the session's queries";
    PGSQL_GSSENC = "pgsql.gssenc", Content, Opaque, None, "GSSAPI-encrypted packets after a GSSENCRequest answered `G` (section 55.2.11)";
}

/// PostgreSQL: a client's startup packet or a server's authentication request, or the
/// port.
pub static PROTOCOL: Protocol = Protocol {
    name: "PostgreSQL",
    detect,
    ports: &[5432],
    new: |_| Box::<Postgres>::default(),
    fields: FIELDS,
};

/// Request codes of the untyped startup packets (section 55.7).
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
const CANCEL_REQUEST: u32 = 80_877_102;
/// The server refuses startup packets longer than this (`MAX_STARTUP_PACKET_LENGTH`).
const MAX_STARTUP: u32 = 10_000;

/// Message types a client sends (section 55.7).
const FRONTEND: &[u8] = b"QPBEDSHXCFdcfp";
/// Message types a server sends.
const BACKEND: &[u8] = b"RSKZTDCEN123nstIAGHWdcvV";

fn detect(p: &Probe<'_>) -> Detect {
    let b = p.bytes;
    if p.from_client() {
        // A startup packet: a length below 10000 and a known code or version 3.
        if b.len() < 8 {
            let zeros = b.iter().take(2).all(|&x| x == 0);
            return if zeros { Detect::NeedMore } else { Detect::No };
        }
        let (Some(len), Some(code)) = (be32(b, 0), be32(b, 4)) else {
            return Detect::No;
        };
        return Detect::when(match code {
            SSL_REQUEST | GSSENC_REQUEST => len == 8,
            CANCEL_REQUEST => len == 16,
            // Version 3.x, then a parameter name.
            c if c >> 16 == 3 => {
                (9..=MAX_STARTUP).contains(&len) && b.get(8).is_some_and(|x| x.is_ascii_lowercase())
            }
            _ => false,
        });
    }
    // A server's authentication request (a capture that missed the client's start).
    match (b.first(), be32(b, 1), be32(b, 5)) {
        (Some(b'R'), Some(len), Some(code)) => {
            Detect::when((8..=1024).contains(&len) && matches!(code, 0 | 3 | 5 | 10))
        }
        (Some(b'R'), _, _) if b.len() < 9 => Detect::NeedMore,
        _ => Detect::No,
    }
}

/// What protects the rest of the connection once the server said yes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encryption {
    Tls,
    Gss,
}

/// What the client's next `p` message answers (the server's last authentication
/// request).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Auth {
    /// No request seen (a capture that starts late): the message is read by its shape.
    #[default]
    Unknown,
    Cleartext,
    Md5,
    SaslInitial,
    SaslContinue,
    Gss,
}

/// One PostgreSQL connection.
#[derive(Debug, Default)]
pub struct Postgres {
    dirs: [Framing; 2],
    /// An SSLRequest or GSSENCRequest waits for the server's one-byte answer.
    pending: Option<Encryption>,
    /// The server agreed: every later byte (both directions) is TLS or GSSAPI.
    encrypted: Option<Encryption>,
    auth: Auth,
    learned: Learned,
}

/// What the session told an observer, for the flow's facts.
#[derive(Debug, Default)]
struct Learned {
    user: Option<String>,
    database: Option<String>,
    application: Option<String>,
    server_version: Option<String>,
    auth: Option<String>,
}

impl Dissector for Postgres {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        match self.encrypted {
            Some(Encryption::Tls) => return Fed::Handover(0),
            Some(Encryption::Gss) => {
                out.field(base..base + data.len() as u64, PGSQL_GSSENC);
                return Fed::Done(data.len());
            }
            None => {}
        }
        if dir == Direction::ToClient {
            if let (Some(asked), Some(&answer)) = (self.pending, data.first()) {
                self.pending = None;
                if matches!(answer, b'S' | b'N' | b'G') {
                    return self.answer(asked, answer, base, out);
                }
            }
        }
        let d = dir.index();
        // The framing state is lent to `framed` while `message` needs `self`.
        let mut state = self.dirs.get_mut(d).map(std::mem::take).unwrap_or_default();
        let fed = framed(
            &mut state,
            data,
            base,
            flush,
            out,
            PGSQL_BODY,
            "PostgreSQL",
            |b| header(dir, b),
            |at, m, out| self.message(dir, at, m, out),
        );
        if let Some(slot) = self.dirs.get_mut(d) {
            *slot = state;
        }
        fed
    }

    /// Bytes are missing: where the next message starts is unknown, so the rest of
    /// this direction is classified, not parsed (TLS is still recognised).
    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(state) = self.dirs.get_mut(dir.index()) {
            state.lose();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("PostgreSQL".into());
        let l = &self.learned;
        for (name, value) in [
            ("pgsql.user", &l.user),
            ("pgsql.database", &l.database),
            ("pgsql.application_name", &l.application),
            ("pgsql.server_version", &l.server_version),
            ("pgsql.auth", &l.auth),
        ] {
            if let Some(v) = value {
                facts.details.push((name, v.clone()));
            }
        }
        if self.encrypted == Some(Encryption::Gss) {
            facts.protection = Some(Protection {
                proto: "GSSAPI".into(),
                ..Protection::default()
            });
        }
    }

    fn handover_name(&self) -> &'static str {
        "SSLRequest"
    }
}

/// A message's length from its header: typed (`[type][len]`) or, from a client, an
/// untyped startup packet (`[len][code]`, first byte zero).
fn header(dir: Direction, b: &[u8]) -> Header {
    let Some(&first) = b.first() else {
        return Header::NeedMore;
    };
    if first == 0 && dir == Direction::ToServer {
        return match be32(b, 0) {
            None => Header::NeedMore,
            Some(len) if (8..=MAX_STARTUP).contains(&len) => Header::Len(len as usize),
            Some(_) => Header::Bad,
        };
    }
    let known = match dir {
        Direction::ToServer => FRONTEND,
        Direction::ToClient => BACKEND,
    };
    if !known.contains(&first) {
        return Header::Bad;
    }
    match be32(b, 1) {
        None => Header::NeedMore,
        Some(len) if len < 4 => Header::Bad,
        Some(len) => match usize::try_from(len).ok().and_then(|l| l.checked_add(1)) {
            Some(n) => Header::Len(n),
            None => Header::Bad,
        },
    }
}

/// What one message showed: field ranges (in message coordinates), credentials, and
/// other leaks.
#[derive(Default)]
struct Parts {
    parts: Vec<(Range<usize>, FieldId)>,
    secrets: Vec<String>,
    leaks: Vec<(LeakKind, String)>,
}

impl Parts {
    fn add(&mut self, r: Range<usize>, field: FieldId) {
        self.parts.push((r, field));
    }
}

/// The string at the reader: up to its NUL, or (cut off) to the end. Its range.
fn cstr(r: &mut Reader<'_>) -> Range<usize> {
    let start = r.pos();
    match r.cstring() {
        Some(s) => start..start + s.len(),
        None => {
            let n = r.left();
            let _ = r.skip(n);
            start..start + n
        }
    }
}

fn lossy(m: &[u8], r: &Range<usize>) -> String {
    String::from_utf8_lossy(m.get(r.clone()).unwrap_or(&[])).into_owned()
}

fn short(s: &str) -> String {
    crate::text::shorten(s, 72)
}

impl Postgres {
    /// The server's one-byte answer to an SSLRequest or GSSENCRequest.
    fn answer(&mut self, asked: Encryption, answer: u8, base: u64, out: &mut Emitter) -> Fed {
        out.field(base..base + 1, PGSQL_CODE);
        let (text, now) = match (asked, answer) {
            (Encryption::Tls, b'S') => ("SSL answer S: TLS follows", Some(Encryption::Tls)),
            (Encryption::Gss, b'G') => (
                "GSSENC answer G: GSSAPI encryption follows",
                Some(Encryption::Gss),
            ),
            (Encryption::Tls, _) => (
                "SSL answer N: no TLS, the session goes on in the clear",
                None,
            ),
            (Encryption::Gss, _) => (
                "GSSENC answer N: no GSSAPI encryption, the session goes on in the clear",
                None,
            ),
        };
        app_event(out, base, "PostgreSQL", text.into(), vec![]);
        self.encrypted = now;
        match now {
            Some(Encryption::Tls) => Fed::Handover(1),
            _ => Fed::Done(1),
        }
    }

    /// Labels and describes one message (possibly cut short) at stream offset `at`.
    fn message(&mut self, dir: Direction, at: u64, m: &[u8], out: &mut Emitter) {
        let mut p = Parts::default();
        let text = match (dir, m.first()) {
            (Direction::ToServer, Some(0)) => self.startup(m, &mut p),
            (Direction::ToServer, Some(&t)) => self.frontend(t, m, &mut p),
            (Direction::ToClient, Some(&t)) => self.backend(t, m, &mut p),
            (_, None) => return,
        };
        // A dozen ParameterStatus messages follow every login: only the server's
        // version and the session's user are worth a word on the packet line.
        let quiet = text.starts_with("ParameterStatus ")
            && !text.starts_with("ParameterStatus server_version=")
            && !text.starts_with("ParameterStatus session_authorization=");
        p.parts.sort_by_key(|(r, _)| r.start);
        line_spans(out, at, m.len(), &p.parts, PGSQL_BODY);
        for (kind, value) in p.leaks {
            out.event(at, Desc::Leak { kind, value });
        }
        if !quiet {
            app_event(out, at, "PostgreSQL", text, p.secrets);
        }
    }

    /// An untyped startup packet: StartupMessage, SSLRequest, GSSENCRequest or
    /// CancelRequest.
    fn startup(&mut self, m: &[u8], p: &mut Parts) -> String {
        p.add(0..4, PGSQL_LENGTH);
        p.add(4..8, PGSQL_CODE);
        let mut r = Reader::new(m);
        let _ = r.skip(4);
        let Some(code) = r.u32() else {
            return "startup packet (cut off)".into();
        };
        match code {
            SSL_REQUEST => {
                self.pending = Some(Encryption::Tls);
                "SSLRequest".into()
            }
            GSSENC_REQUEST => {
                self.pending = Some(Encryption::Gss);
                "GSSENCRequest".into()
            }
            CANCEL_REQUEST => {
                p.add(12..16, PGSQL_KEY);
                match r.u32() {
                    Some(pid) => format!("CancelRequest pid={pid}"),
                    None => "CancelRequest".into(),
                }
            }
            c if c >> 16 == 3 => self.startup_message(c, m, &mut r, p),
            c => format!("startup packet, protocol {}.{}", c >> 16, c & 0xffff),
        }
    }

    /// StartupMessage: protocol 3.x, then name/value pairs up to an empty name.
    fn startup_message(
        &mut self,
        code: u32,
        m: &[u8],
        r: &mut Reader<'_>,
        p: &mut Parts,
    ) -> String {
        let mut shown = Vec::new();
        while !r.is_empty() {
            let name = cstr(r);
            if name.is_empty() {
                break;
            }
            p.add(name.clone(), PGSQL_PARAMETER_NAME);
            let value = cstr(r);
            let (n, v) = (lossy(m, &name), lossy(m, &value));
            let field = match n.as_str() {
                "user" => {
                    self.learned.user = Some(v.clone());
                    p.leaks.push((LeakKind::UserName, v.clone()));
                    shown.push(format!("user={v}"));
                    PGSQL_USER
                }
                "database" => {
                    self.learned.database = Some(v.clone());
                    p.leaks.push((LeakKind::Url, format!("database={v}")));
                    shown.push(format!("database={v}"));
                    PGSQL_DATABASE
                }
                "application_name" => {
                    self.learned.application = Some(v.clone());
                    p.leaks
                        .push((LeakKind::Identity, format!("application_name={v}")));
                    PGSQL_APPLICATION
                }
                _ => PGSQL_PARAMETER_VALUE,
            };
            p.add(value, field);
        }
        let version = if code == 3 << 16 {
            String::new()
        } else {
            format!(" (protocol 3.{})", code & 0xffff)
        };
        let mut text = format!("StartupMessage{version}");
        for s in shown {
            text.push(' ');
            text.push_str(&short(&s));
        }
        text
    }

    /// A typed message from the client.
    fn frontend(&mut self, t: u8, m: &[u8], p: &mut Parts) -> String {
        p.add(0..1, PGSQL_TYPE);
        p.add(1..5, PGSQL_LENGTH);
        let mut r = Reader::new(m);
        let _ = r.skip(5);
        match t {
            b'Q' => {
                let q = cstr(&mut r);
                p.add(q.clone(), PGSQL_QUERY);
                format!("Query: {}", short(&lossy(m, &q)))
            }
            b'P' => {
                let name = cstr(&mut r);
                let q = cstr(&mut r);
                p.add(q.clone(), PGSQL_QUERY);
                let name = lossy(m, &name);
                let named = if name.is_empty() {
                    String::new()
                } else {
                    format!(" {name}")
                };
                format!("Parse{named}: {}", short(&lossy(m, &q)))
            }
            b'B' => bind(&mut r, p),
            b'E' => "Execute".into(),
            b'D' => match r.u8() {
                Some(kind @ (b'S' | b'P')) => {
                    let what = if kind == b'S' { "statement" } else { "portal" };
                    let name = lossy(m, &cstr(&mut r));
                    format!("Describe {what} {}", short(&name))
                        .trim_end()
                        .to_string()
                }
                _ => "Describe".into(),
            },
            b'C' => "Close".into(),
            b'S' => "Sync".into(),
            b'H' => "Flush".into(),
            b'X' => "Terminate".into(),
            b'F' => "FunctionCall".into(),
            b'd' => {
                p.add(5..m.len(), PGSQL_VAL_DATA);
                "CopyData".into()
            }
            b'c' => "CopyDone".into(),
            b'f' => "CopyFail".into(),
            b'p' => self.password(m, &mut r, p),
            _ => format!("message {}", char::from(t).escape_default()),
        }
    }

    /// A `p` message: what it is depends on the server's last request.
    fn password(&mut self, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> String {
        let body = m.get(5..).unwrap_or(&[]);
        let auth = match self.auth {
            Auth::Unknown => guess_auth(body),
            a => a,
        };
        match auth {
            Auth::Cleartext | Auth::Md5 | Auth::Unknown => {
                let pw = cstr(r);
                let text = lossy(m, &pw);
                p.add(pw, PGSQL_PASSWORD);
                if text.starts_with("md5") && text.len() == 35 {
                    self.learned.auth.get_or_insert_with(|| "MD5".into());
                    p.secrets.push(format!("password-hash={text}"));
                } else {
                    self.learned
                        .auth
                        .get_or_insert_with(|| "cleartext password".into());
                    p.secrets.push(format!("password={}", short(&text)));
                }
                "PasswordMessage".into()
            }
            Auth::SaslInitial => {
                let mech = cstr(r);
                p.add(mech.clone(), PGSQL_SASL_MECH);
                let mech = lossy(m, &mech);
                self.learned.auth = Some(mech.clone());
                let len = r.u32().and_then(|n| usize::try_from(n).ok());
                let start = r.pos();
                let end = len.map_or(m.len(), |n| start.saturating_add(n).min(m.len()));
                p.add(start..end, PGSQL_SASL_DATA);
                // The client-first message: `n,,n=USER,r=NONCE` (RFC 5802 section 7).
                if let Some(user) = scram_attr(m, start..end, b'n').filter(|u| !u.is_empty()) {
                    let name = lossy(m, &user);
                    p.add(user, PGSQL_USER);
                    p.leaks.push((LeakKind::UserName, name));
                }
                format!("SASLInitialResponse {mech}")
            }
            Auth::SaslContinue => {
                let data = 5..m.len();
                p.add(data.clone(), PGSQL_SASL_DATA);
                // The client-final message: `c=…,r=…,p=PROOF`.
                if let Some(proof) = scram_attr(m, data, b'p') {
                    p.secrets
                        .push(format!("scram-proof={}", short(&lossy(m, &proof))));
                    p.add(proof, PGSQL_PASSWORD);
                }
                "SASLResponse".into()
            }
            Auth::Gss => "GSSResponse".into(),
        }
    }

    /// A typed message from the server.
    fn backend(&mut self, t: u8, m: &[u8], p: &mut Parts) -> String {
        p.add(0..1, PGSQL_TYPE);
        p.add(1..5, PGSQL_LENGTH);
        let mut r = Reader::new(m);
        let _ = r.skip(5);
        match t {
            b'R' => self.authentication(m, &mut r, p),
            b'S' => {
                let name = cstr(&mut r);
                let value = cstr(&mut r);
                p.add(name.clone(), PGSQL_PARAMETER_NAME);
                p.add(value.clone(), PGSQL_PARAMETER_VALUE);
                let (n, v) = (lossy(m, &name), lossy(m, &value));
                if n == "server_version" {
                    self.learned.server_version = Some(v.clone());
                }
                format!("ParameterStatus {}={}", short(&n), short(&v))
            }
            b'K' => {
                p.add(9..13, PGSQL_KEY);
                match r.u32() {
                    Some(pid) => format!("BackendKeyData pid={pid}"),
                    None => "BackendKeyData".into(),
                }
            }
            b'Z' => match r.u8() {
                Some(b'I') => "ReadyForQuery idle".into(),
                Some(b'T') => "ReadyForQuery in transaction".into(),
                Some(b'E') => "ReadyForQuery failed transaction".into(),
                _ => "ReadyForQuery".into(),
            },
            b'T' => row_description(m, &mut r, p),
            b'D' => data_row(&mut r, p),
            b'C' => {
                let tag = cstr(&mut r);
                p.add(tag.clone(), PGSQL_TAG);
                format!("CommandComplete {}", short(&lossy(m, &tag)))
            }
            b'E' => format!("ErrorResponse{}", notice(m, &mut r)),
            b'N' => format!("NoticeResponse{}", notice(m, &mut r)),
            b'1' => "ParseComplete".into(),
            b'2' => "BindComplete".into(),
            b'3' => "CloseComplete".into(),
            b'n' => "NoData".into(),
            b's' => "PortalSuspended".into(),
            b't' => "ParameterDescription".into(),
            b'I' => "EmptyQueryResponse".into(),
            b'A' => "NotificationResponse".into(),
            b'G' => "CopyInResponse".into(),
            b'H' => "CopyOutResponse".into(),
            b'W' => "CopyBothResponse".into(),
            b'd' => {
                p.add(5..m.len(), PGSQL_VAL_DATA);
                "CopyData".into()
            }
            b'c' => "CopyDone".into(),
            b'v' => "NegotiateProtocolVersion".into(),
            b'V' => "FunctionCallResponse".into(),
            _ => format!("message {}", char::from(t).escape_default()),
        }
    }

    /// An authentication request (`R`): what the client's next `p` message will be.
    fn authentication(&mut self, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> String {
        p.add(5..9, PGSQL_AUTHTYPE);
        let Some(code) = r.u32() else {
            return "Authentication (cut off)".into();
        };
        match code {
            0 => {
                self.learned.auth.get_or_insert_with(|| "trust".into());
                "AuthenticationOk".into()
            }
            2 => "AuthenticationKerberosV5".into(),
            3 => {
                self.auth = Auth::Cleartext;
                "AuthenticationCleartextPassword".into()
            }
            5 => {
                self.auth = Auth::Md5;
                p.add(9..13, PGSQL_SALT);
                "AuthenticationMD5Password".into()
            }
            7..=9 => {
                self.auth = Auth::Gss;
                self.learned.auth.get_or_insert_with(|| "GSSAPI".into());
                match code {
                    7 => "AuthenticationGSS",
                    8 => "AuthenticationGSSContinue",
                    _ => "AuthenticationSSPI",
                }
                .into()
            }
            10 => {
                self.auth = Auth::SaslInitial;
                let mut mechs = Vec::new();
                while !r.is_empty() {
                    let mech = cstr(r);
                    if mech.is_empty() {
                        break;
                    }
                    mechs.push(lossy(m, &mech));
                    p.add(mech, PGSQL_SASL_MECH);
                }
                format!("AuthenticationSASL {}", short(&mechs.join(", ")))
            }
            11 => {
                self.auth = Auth::SaslContinue;
                p.add(9..m.len(), PGSQL_SASL_DATA);
                let iterations = scram_attr(m, 9..m.len(), b'i')
                    .map(|i| format!(" (iterations={})", short(&lossy(m, &i))))
                    .unwrap_or_default();
                format!("AuthenticationSASLContinue{iterations}")
            }
            12 => {
                p.add(9..m.len(), PGSQL_SASL_DATA);
                "AuthenticationSASLFinal".into()
            }
            c => format!("Authentication request {c}"),
        }
    }
}

/// A `p` message read without the server's request: an `md5` hash, a SASL mechanism
/// name followed by a length, a SCRAM client-final message, or a password.
fn guess_auth(body: &[u8]) -> Auth {
    if body.starts_with(b"SCRAM-") || body.starts_with(b"OAUTHBEARER\0") {
        Auth::SaslInitial
    } else if body.starts_with(b"c=") && body.windows(3).any(|w| w == b",p=") {
        Auth::SaslContinue
    } else {
        Auth::Unknown
    }
}

/// The value of attribute `name` (`name=value`) in a SCRAM message within `data`.
fn scram_attr(m: &[u8], data: Range<usize>, name: u8) -> Option<Range<usize>> {
    let bytes = m.get(data.clone())?;
    let mut start = 0usize;
    for part in bytes.split(|&b| b == b',') {
        if let [n, b'=', ..] = part {
            if *n == name {
                let from = data.start + start + 2;
                return Some(from..data.start + start + part.len());
            }
        }
        start += part.len() + 1;
    }
    None
}

/// Bind: portal, statement, parameter formats, parameter values, result formats.
fn bind(r: &mut Reader<'_>, p: &mut Parts) -> String {
    let _portal = cstr(r);
    let _statement = cstr(r);
    let formats = r.u16().map_or(0, usize::from);
    if r.skip(formats.saturating_mul(2)).is_none() {
        return "Bind".into();
    }
    let Some(n) = r.u16() else {
        return "Bind".into();
    };
    for _ in 0..n {
        // -1: NULL, no bytes.
        let Some(len) = r.u32() else { break };
        if len == u32::MAX {
            continue;
        }
        let start = r.pos();
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(r.left());
        let _ = r.skip(len);
        p.add(start..start + len, PGSQL_VAL_DATA);
    }
    format!("Bind {}", crate::text::plural(u64::from(n), "parameter"))
}

/// RowDescription: the columns' names.
fn row_description(m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> String {
    let Some(n) = r.u16() else {
        return "RowDescription".into();
    };
    let mut names = Vec::new();
    for _ in 0..n {
        if r.is_empty() {
            break;
        }
        let name = cstr(r);
        names.push(lossy(m, &name));
        p.add(name, PGSQL_COL_NAME);
        // Table OID, column number, type OID, type size, type modifier, format.
        if r.skip(18).is_none() {
            break;
        }
    }
    format!("RowDescription: {}", short(&names.join(", ")))
}

/// DataRow: the values (each a length, -1 for NULL, and bytes).
fn data_row(r: &mut Reader<'_>, p: &mut Parts) -> String {
    let Some(n) = r.u16() else {
        return "DataRow".into();
    };
    for _ in 0..n {
        let Some(len) = r.u32() else { break };
        if len == u32::MAX {
            continue;
        }
        let start = r.pos();
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(r.left());
        let _ = r.skip(len);
        p.add(start..start + len, PGSQL_VAL_DATA);
    }
    format!("DataRow, {}", crate::text::plural(u64::from(n), "column"))
}

/// ErrorResponse and NoticeResponse fields: ` SEVERITY CODE: message`.
fn notice(m: &[u8], r: &mut Reader<'_>) -> String {
    let (mut severity, mut code, mut message) = (None, None, None);
    while let Some(kind) = r.u8() {
        if kind == 0 {
            break;
        }
        let v = cstr(r);
        match kind {
            b'V' => severity = Some(lossy(m, &v)),
            b'S' if severity.is_none() => severity = Some(lossy(m, &v)),
            b'C' => code = Some(lossy(m, &v)),
            b'M' => message = Some(lossy(m, &v)),
            _ => {}
        }
    }
    let mut s = String::new();
    for part in [severity, code].into_iter().flatten() {
        s.push(' ');
        s.push_str(&short(&part));
    }
    if let Some(msg) = message {
        s.push_str(": ");
        s.push_str(&short(&msg));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(t: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![t];
        m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    fn startup() -> Vec<u8> {
        let body = b"\x00\x03\x00\x00user\0alice\0database\0shop\0application_name\0psql\0\0";
        let mut m = (body.len() as u32 + 4).to_be_bytes().to_vec();
        m.extend_from_slice(body);
        m
    }

    fn run(pg: &mut Postgres, dir: Direction, bytes: &[u8]) -> Emitter {
        let mut out = Emitter::default();
        let fed = pg.feed(dir, 0, bytes, false, &mut out);
        assert_eq!(fed, Fed::Done(bytes.len()));
        out
    }

    fn texts(out: &Emitter) -> Vec<String> {
        out.events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
                Desc::Leak { kind, value } => Some(format!("{} {value}", kind.name())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn startup_message_names_user_database_and_application() {
        let mut pg = Postgres::default();
        let m = startup();
        let out = run(&mut pg, Direction::ToServer, &m);
        assert_eq!(
            texts(&out),
            [
                "user name alice",
                "URL database=shop",
                "identity application_name=psql",
                "StartupMessage user=alice database=shop []"
            ]
        );
        let field = |needle: &[u8]| {
            let i = m.windows(needle.len()).position(|w| w == needle).unwrap() as u64;
            out.spans
                .iter()
                .find(|s| s.range.contains(&i))
                .unwrap()
                .field
                .name()
        };
        assert_eq!(field(b"alice"), "pgsql.user");
        assert_eq!(field(b"shop"), "pgsql.database");
        assert_eq!(field(b"user"), "pgsql.parameter_name");
        assert_eq!(out.spans[0].field, PGSQL_LENGTH);
    }

    #[test]
    fn md5_password_is_a_credential_and_the_salt_is_read() {
        let mut pg = Postgres::default();
        run(&mut pg, Direction::ToServer, &startup());
        let out = run(
            &mut pg,
            Direction::ToClient,
            &typed(b'R', b"\0\0\0\x05\x01\x02\x03\x04"),
        );
        assert_eq!(texts(&out), ["AuthenticationMD5Password []"]);
        let pw = typed(b'p', b"md5a3556571e93b0d20722ba62be61e8c2d\0");
        let out = run(&mut pg, Direction::ToServer, &pw);
        assert_eq!(
            texts(&out),
            [
                "credential password-hash=md5a3556571e93b0d20722ba62be61e8c2d",
                "PasswordMessage [\"password-hash=md5a3556571e93b0d20722ba62be61e8c2d\"]"
            ]
        );
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == PGSQL_PASSWORD && s.range == (5..40)));
    }

    #[test]
    fn scram_user_and_proof() {
        let mut pg = Postgres::default();
        run(
            &mut pg,
            Direction::ToClient,
            &typed(b'R', b"\0\0\0\x0aSCRAM-SHA-256\0\0"),
        );
        let first = b"n,,n=alice,r=rOprNGfwEbeRWgbNEkqO";
        let mut body = b"SCRAM-SHA-256\0".to_vec();
        body.extend_from_slice(&(first.len() as u32).to_be_bytes());
        body.extend_from_slice(first);
        let out = run(&mut pg, Direction::ToServer, &typed(b'p', &body));
        assert_eq!(
            texts(&out),
            ["user name alice", "SASLInitialResponse SCRAM-SHA-256 []"]
        );
        let out = run(
            &mut pg,
            Direction::ToClient,
            &typed(b'R', b"\0\0\0\x0br=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        );
        assert_eq!(
            texts(&out),
            ["AuthenticationSASLContinue (iterations=4096) []"]
        );
        let fin = typed(b'p', b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        let out = run(&mut pg, Direction::ToServer, &fin);
        assert_eq!(
            texts(&out),
            [
                "credential scram-proof=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "SASLResponse [\"scram-proof=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=\"]"
            ]
        );
        assert_eq!(pg.learned.auth.as_deref(), Some("SCRAM-SHA-256"));
    }

    #[test]
    fn a_password_message_without_its_request_is_read_by_its_shape() {
        let mut pg = Postgres::default();
        let out = run(&mut pg, Direction::ToServer, &typed(b'p', b"secret\0"));
        assert_eq!(texts(&out)[0], "credential password=secret");
    }

    #[test]
    fn query_rows_and_server_facts() {
        let mut pg = Postgres::default();
        let out = run(
            &mut pg,
            Direction::ToServer,
            &typed(b'Q', b"SELECT 1 AS one\0"),
        );
        assert_eq!(texts(&out), ["Query: SELECT 1 AS one []"]);
        assert!(out.spans.iter().any(|s| s.field == PGSQL_QUERY));
        let mut server = typed(b'S', b"server_version\x0015.14\0");
        server.extend(typed(
            b'T',
            b"\0\x01one\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0",
        ));
        server.extend(typed(b'D', b"\0\x01\0\0\0\x011"));
        server.extend(typed(b'C', b"SELECT 1\0"));
        server.extend(typed(b'Z', b"I"));
        let out = run(&mut pg, Direction::ToClient, &server);
        assert_eq!(
            texts(&out),
            [
                "ParameterStatus server_version=15.14 []",
                "RowDescription: one []",
                "DataRow, 1 column []",
                "CommandComplete SELECT 1 []",
                "ReadyForQuery idle []"
            ]
        );
        let mut f = Facts::default();
        pg.facts(&mut f);
        assert_eq!(f.details, [("pgsql.server_version", "15.14".to_string())]);
    }

    #[test]
    fn error_response_names_severity_code_and_message() {
        let mut pg = Postgres::default();
        let e = typed(
            b'E',
            b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"alice\"\0\0",
        );
        let out = run(&mut pg, Direction::ToClient, &e);
        assert_eq!(
            texts(&out),
            ["ErrorResponse FATAL 28P01: password authentication failed for user \"alice\" []"]
        );
    }

    #[test]
    fn gssenc_accepted_makes_both_directions_opaque() {
        let mut pg = Postgres::default();
        run(
            &mut pg,
            Direction::ToServer,
            &[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30],
        );
        let out = run(&mut pg, Direction::ToClient, b"G");
        assert!(texts(&out)[0].starts_with("GSSENC answer G"));
        let out = run(&mut pg, Direction::ToServer, &[0, 0, 0, 4, 1, 2, 3, 4]);
        assert_eq!(out.spans[0].field, PGSQL_GSSENC);
        assert_eq!(out.spans[0].vis, crate::span::Visibility::Opaque);
        let mut f = Facts::default();
        pg.facts(&mut f);
        assert_eq!(f.protection.map(|p| p.proto), Some("GSSAPI".into()));
    }

    #[test]
    fn ssl_refused_then_startup_in_the_clear() {
        let mut pg = Postgres::default();
        run(
            &mut pg,
            Direction::ToServer,
            &[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f],
        );
        let out = run(&mut pg, Direction::ToClient, b"N");
        assert!(texts(&out)[0].starts_with("SSL answer N"));
        let out = run(&mut pg, Direction::ToServer, &startup());
        assert!(texts(&out).iter().any(|t| t.starts_with("StartupMessage")));
    }

    #[test]
    fn detection_by_content() {
        fn probe(bytes: &[u8], dir: Direction) -> Probe<'_> {
            Probe {
                bytes,
                dir,
                transport: crate::decode::Transport::Tcp,
                client_port: 40000,
                server_port: 5433,
            }
        }
        assert_eq!(detect(&probe(&startup(), Direction::ToServer)), Detect::Yes);
        assert_eq!(
            detect(&probe(&[0, 0, 0], Direction::ToServer)),
            Detect::NeedMore
        );
        assert_eq!(
            detect(&probe(b"GET / HTTP/1.1", Direction::ToServer)),
            Detect::No
        );
        assert_eq!(
            detect(&probe(b"R\0\0\0\x08\0\0\0\0", Direction::ToClient)),
            Detect::Yes
        );
        // A length of 2^31: not a startup packet.
        assert_eq!(
            detect(&probe(
                &[0x80, 0, 0, 0, 0, 3, 0, 0, b'u'],
                Direction::ToServer
            )),
            Detect::No
        );
    }

    #[test]
    fn every_prefix_of_every_message_is_read_without_panic() {
        let mut msgs = vec![startup()];
        msgs.push(typed(b'p', b"SCRAM-SHA-256\0\xff\xff\xff\xffn,,n=a"));
        msgs.push(typed(
            b'B',
            b"\0\0\xff\xff\0\x02\xff\xff\xff\xff\x7f\xff\xff\xff",
        ));
        msgs.push(typed(b'T', b"\xff\xffa\0"));
        msgs.push(typed(b'D', b"\xff\xff\x7f\xff\xff\xff"));
        for m in &msgs {
            for n in 0..=m.len() {
                for dir in [Direction::ToServer, Direction::ToClient] {
                    let mut pg = Postgres::default();
                    let mut out = Emitter::default();
                    pg.feed(dir, 0, &m[..n], true, &mut out);
                    pg.message(dir, 0, &m[..n], &mut out);
                }
            }
        }
    }
}

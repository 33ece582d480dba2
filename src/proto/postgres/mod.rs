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

mod backend;
mod frontend;
#[cfg(test)]
mod tests;

use frontend::*;

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
        facts.details_known([
            ("pgsql.user", &l.user),
            ("pgsql.database", &l.database),
            ("pgsql.application_name", &l.application),
            ("pgsql.server_version", &l.server_version),
            ("pgsql.auth", &l.auth),
        ]);
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

/// A message in words, for the packet line: most are fixed words.
type Text = std::borrow::Cow<'static, str>;

/// What one message showed: field ranges (in message coordinates), credentials, and
/// other leaks.
#[derive(Default)]
struct Parts {
    parts: Vec<(Range<usize>, FieldId)>,
    secrets: Vec<String>,
    leaks: Vec<(LeakKind, String)>,
    /// Not worth a word on the packet line (most ParameterStatus messages): no
    /// application event, and no text was written.
    quiet: bool,
    /// A sink prints the message's words ([`Emitter::descriptions`]): else the texts
    /// that cost (names, queries, counts) are not made.
    describe: bool,
}

impl Parts {
    fn add(&mut self, r: Range<usize>, field: FieldId) {
        self.parts.push((r, field));
    }

    /// The words `make` makes, when a sink prints them ([`Parts::describe`]).
    fn words(&self, make: impl FnOnce() -> String) -> Text {
        if self.describe {
            make().into()
        } else {
            "".into()
        }
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
    crate::text::lossy(m.get(r.clone()).unwrap_or(&[])).into_owned()
}

fn short(s: &str) -> String {
    crate::text::shorten(s, 72)
}

/// Appends [`short`] of `s` (without a string of its own).
fn push_short(out: &mut String, s: &str) {
    match s.char_indices().nth(72) {
        None => out.push_str(s),
        Some((cut, _)) => {
            out.push_str(s.get(..cut).unwrap_or(s));
            out.push('…');
        }
    }
}

/// Appends [`short`] of [`lossy`] of `m[r]`: the message's own bytes when they are
/// UTF-8 (no copy of them, no string of their own).
fn push_short_text(out: &mut String, m: &[u8], r: &Range<usize>) {
    push_short(out, &crate::text::lossy(m.get(r.clone()).unwrap_or(&[])));
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
        // The list of field ranges lent by the emitter, with the room the last
        // message's had: made for every message, it took an allocation and often two.
        let mut p = Parts {
            parts: out.take_parts(),
            describe: out.descriptions(),
            ..Parts::default()
        };
        let text = match (dir, m.first()) {
            (Direction::ToServer, Some(0)) => self.startup(m, &mut p),
            (Direction::ToServer, Some(&t)) => self.frontend(t, m, &mut p),
            (Direction::ToClient, Some(&t)) => self.backend(t, m, &mut p),
            (_, None) => {
                out.put_parts(p.parts);
                return;
            }
        };
        p.parts.sort_by_key(|(r, _)| r.start);
        line_spans(out, at, m.len(), &p.parts, PGSQL_BODY);
        out.put_parts(p.parts);
        let wanted = out.report_events();
        for (kind, value) in p.leaks.into_iter().filter(|_| wanted) {
            out.event(at, Desc::Leak { kind, value });
        }
        if !p.quiet {
            // Without descriptions the event is dropped; its credentials still become
            // leaks.
            let text = if p.describe {
                text.into_owned()
            } else {
                String::new()
            };
            app_event(out, at, "PostgreSQL", text, p.secrets);
        }
    }
}

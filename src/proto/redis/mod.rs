//! Redis's RESP (the Redis serialization protocol, RESP2 and RESP3; "Redis
//! serialization protocol specification"), without TLS: Redis over TLS is TLS from the
//! first byte, never an upgrade, so this dissector never hands over.
//!
//! A client sends commands as arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
//! or inline (`PING\r\n`); the server answers with any RESP value: simple strings,
//! errors, integers, bulk strings, arrays and, in RESP3, maps, sets, pushes,
//! attributes, nulls, doubles, booleans, big numbers, verbatim strings and streamed
//! aggregates. Values are walked token by token with a bounded stack of open
//! aggregates: a count is only ever decremented, never allocated for, so
//! `*2147483647` costs nothing. A value up to 64 KiB is labelled and described whole;
//! a longer one is described from its head and labelled as it arrives.
//!
//! What gives a session away: `AUTH [user] password`, `HELLO 3 AUTH user password`,
//! `MIGRATE … AUTH`/`AUTH2`, `CONFIG SET requirepass`/`masterauth`, `ACL SETUSER
//! … >password` (credentials), user and client names (`CLIENT SETNAME`), and every
//! command, key and value.

use super::framing::{app_event, MAX_FRAMED, MAX_LINE};
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;

mod commands;
mod parse;
#[cfg(test)]
mod tests;

use commands::*;
use parse::*;

crate::fields! {
    proto = "Redis";
    REDIS_HEADER = "redis.header", Header, Metadata, None, "RESP framing: a value's type byte, a length or count, line ends";
    REDIS_COMMAND = "redis.command", Content, Cleartext, None, "command name: the first bulk string of a client's array, or an inline command's first word";
    REDIS_KEY = "redis.key", Content, Cleartext, None, "key a command names";
    REDIS_VALUE = "redis.value", Content, Cleartext, None, "command arguments and replies: strings, numbers, errors";
    REDIS_PASSWORD = "redis.password", Content, Cleartext, Some(Credential), "password of AUTH, HELLO … AUTH, MIGRATE … AUTH/AUTH2, CONFIG SET requirepass/masterauth, ACL SETUSER >password";
    REDIS_USER = "redis.user", Content, Cleartext, Some(UserName), "ACL user name of AUTH, HELLO … AUTH, MIGRATE … AUTH2, ACL SETUSER";
    REDIS_CLIENT_NAME = "redis.client_name", Content, Cleartext, Some(Identity), "the client's name for itself: CLIENT SETNAME, HELLO … SETNAME";
}

/// Redis: a client's array of bulk strings or a well-known inline command, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "Redis",
    detect,
    ports: &[6379],
    new: |_| Box::<Redis>::default(),
    fields: FIELDS,
};

/// Inline commands recognised at the start of a connection.
const INLINE: &[&[u8]] = &[
    b"PING\r\n",
    b"PING\n",
    b"HELLO ",
    b"INFO\r\n",
    b"SELECT ",
    b"CLIENT ",
];

fn detect(p: &Probe<'_>) -> Detect {
    let b = p.bytes;
    if !p.from_client() {
        return Detect::No;
    }
    if let Some(rest) = b.strip_prefix(b"*") {
        // `*N\r\n$`: an array of bulk strings.
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 6 {
            return Detect::No;
        }
        return match (digits, rest.get(digits..).unwrap_or(&[])) {
            (_, []) => Detect::NeedMore,
            (0, _) => Detect::No,
            (_, [b'\r'] | [b'\r', b'\n']) => Detect::NeedMore,
            (_, [b'\r', b'\n', b'$', ..]) => Detect::Yes,
            _ => Detect::No,
        };
    }
    // `AUTH password` inline, but not SMTP's or FTP's AUTH with a mechanism.
    if p.starts_with_ignore_case(b"AUTH ") {
        let mech = [
            &b"PLAIN"[..],
            b"LOGIN",
            b"CRAM",
            b"DIGEST",
            b"SCRAM",
            b"NTLM",
            b"XOAUTH",
            b"OAUTHBEARER",
            b"EXTERNAL",
            b"ANONYMOUS",
            b"TLS",
            b"SSL",
            b"GSSAPI",
        ];
        let arg = b.get(5..).unwrap_or(&[]);
        return Detect::when(!mech.iter().any(|m| {
            arg.get(..m.len())
                .is_some_and(|a| a.eq_ignore_ascii_case(m))
        }));
    }
    Detect::when(INLINE.iter().any(|c| p.starts_with_ignore_case(c)))
}

/// Deepest nesting of aggregates followed; deeper is not Redis (its own replies nest a
/// handful of levels).
const MAX_DEPTH: usize = 32;
/// Largest element count or bulk length believed (Redis's own bulk limit is 512 MiB).
const MAX_COUNT: u64 = 1 << 32;
/// Bytes of an argument kept for descriptions.
const WORD: usize = 128;
/// Arguments kept for descriptions and for the roles of later ones.
const WORDS: usize = 8;

/// An open aggregate: elements still expected (`None`: streamed, ends with `.`), and
/// whether it is an attribute (which annotates the next value and does not count).
#[derive(Clone, Copy, Debug)]
struct Open {
    left: Option<u64>,
    attr: bool,
}

/// What a client's argument is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Command,
    Key,
    Value,
    Password,
    User,
    ClientName,
}

impl Role {
    fn field(self) -> FieldId {
        match self {
            Role::Command => REDIS_COMMAND,
            Role::Key => REDIS_KEY,
            Role::Value => REDIS_VALUE,
            Role::Password => REDIS_PASSWORD,
            Role::User => REDIS_USER,
            Role::ClientName => REDIS_CLIENT_NAME,
        }
    }
}

/// One direction's place in the RESP stream.
#[derive(Clone, Debug, Default)]
struct Side {
    /// Open aggregates, innermost last.
    open: Vec<Open>,
    /// Body bytes of a bulk string still to come, its CRLF included.
    bulk: u64,
    /// Inside a streamed string (`$?`): chunks (`;N`) until `;0`.
    chunked: bool,
    /// A top-level value has started (it is labelled as it arrives).
    started: bool,
    /// Where it started, and whether its description was given.
    start: u64,
    described: bool,
    /// The client's command, or what the server's reply showed.
    value: Value,
    /// Framing is lost: the rest is classified, not parsed.
    lost: bool,
}

/// What a top-level value showed so far.
#[derive(Clone, Debug, Default)]
struct Value {
    /// Client: arguments in the command (`*N`); server: the first line's text.
    argc: u64,
    /// Index of the argument being read.
    index: u64,
    /// The first arguments (lossy, shortened) and their roles.
    words: Vec<(String, Role)>,
    /// The role of the bulk string being read, and its first bytes.
    role: Option<Role>,
    word: Vec<u8>,
    /// Server: how the reply starts (`OK`, `error …`, `array, 3 elements`).
    head: Option<String>,
    /// Server: the last string was `version` (its value comes next).
    after_version: bool,
    version: Option<String>,
}

/// What one token did.
enum Tok {
    /// `n` bytes labelled; `done`: a top-level value ended with them.
    Took {
        n: usize,
        done: bool,
    },
    NeedMore,
    Bad(String),
}

/// One Redis connection.
#[derive(Debug, Default)]
pub struct Redis {
    sides: [Side; 2],
    learned: Learned,
}

#[derive(Debug, Default)]
struct Learned {
    hello: Option<String>,
    user: Option<String>,
    client_name: Option<String>,
    server_version: Option<String>,
}

impl Dissector for Redis {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let Some(side) = self.sides.get_mut(dir.index()) else {
            return Fed::Done(0);
        };
        let mut side = std::mem::take(side);
        let fed = self.run(&mut side, dir, base, data, flush, out);
        if let Some(slot) = self.sides.get_mut(dir.index()) {
            *slot = side;
        }
        Fed::Done(fed)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(side) = self.sides.get_mut(dir.index()) {
            side.lost = true;
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("Redis".into());
        let l = &self.learned;
        facts.details_known([
            ("redis.hello.version", &l.hello),
            ("redis.user", &l.user),
            ("redis.client_name", &l.client_name),
            ("redis.server_version", &l.server_version),
        ]);
    }
}

impl Redis {
    /// Labels values from the front of `data`; returns how many bytes.
    fn run(
        &mut self,
        side: &mut Side,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> usize {
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            if side.lost {
                unknown::classify_chunk_explained(at, rest, false, out);
                return data.len();
            }
            if !side.started {
                // A value that fits is labelled whole, so its description and the frame
                // that starts it stay together; a longer one is labelled as it comes.
                let mut trial = side.clone();
                let mut scratch = Emitter::default();
                trial.value = Value::default();
                let (n, done) = walk(&mut trial, dir, at, rest, false, &mut scratch);
                let whole = done && n <= MAX_FRAMED;
                if !whole && !flush && rest.len() < MAX_FRAMED && !trial.lost {
                    return pos;
                }
                side.started = true;
                side.start = at;
                side.described = false;
                side.value = Value::default();
            }
            let (n, done) = walk(side, dir, at, rest, flush, out);
            pos += n;
            // Whole, or labelled as it comes: either way its first byte is labelled now.
            self.describe(side, dir, out);
            if done {
                side.started = false;
            } else if n == 0 {
                break;
            }
        }
        if flush && pos < data.len() {
            let at = base + pos as u64;
            out.field(at..base + data.len() as u64, REDIS_VALUE);
            pos = data.len();
        }
        pos
    }
}

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
    /// Server: the last short string, to pair `version` with its value.
    last: Option<String>,
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
        for (name, value) in [
            ("redis.hello.version", &l.hello),
            ("redis.user", &l.user),
            ("redis.client_name", &l.client_name),
            ("redis.server_version", &l.server_version),
        ] {
            if let Some(v) = value {
                facts.details.push((name, v.clone()));
            }
        }
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

    /// The description of the current value, once (at its first byte).
    fn describe(&mut self, side: &mut Side, dir: Direction, out: &mut Emitter) {
        if side.described {
            return;
        }
        side.described = true;
        let v = &side.value;
        let at = side.start;
        if dir == Direction::ToClient {
            if let Some(ver) = &v.version {
                self.learned.server_version = Some(ver.clone());
            }
            if let Some(head) = &v.head {
                app_event(out, at, "Redis", head.clone(), vec![]);
            }
            return;
        }
        let Some((cmd, _)) = v.words.first() else {
            return;
        };
        let cmd = cmd.to_ascii_uppercase();
        let word = |role: Role| {
            v.words
                .iter()
                .find(|(_, r)| *r == role)
                .map(|(w, _)| w.clone())
        };
        let mut secrets = Vec::new();
        let (user, password) = (word(Role::User), word(Role::Password));
        if let Some(u) = &user {
            self.learned.user = Some(u.clone());
            out.event(
                at,
                Desc::Leak {
                    kind: LeakKind::UserName,
                    value: u.clone(),
                },
            );
        }
        if let Some(name) = word(Role::ClientName) {
            self.learned.client_name = Some(name.clone());
            out.event(
                at,
                Desc::Leak {
                    kind: LeakKind::Identity,
                    value: format!("client_name={name}"),
                },
            );
        }
        match (&user, &password) {
            (Some(u), Some(p)) => secrets.push(format!("user={u} password={p}")),
            (None, Some(p)) => secrets.push(format!("password={p}")),
            _ => {}
        }
        let mut text = cmd.clone();
        let second = v.words.get(1);
        match cmd.as_str() {
            "HELLO" => {
                if let Some((ver, _)) = second {
                    self.learned.hello = Some(ver.clone());
                    text.push(' ');
                    text.push_str(ver);
                }
            }
            c if SUBCOMMANDS.contains(&c) => {
                if let Some((sub, _)) = second {
                    text.push(' ');
                    text.push_str(&sub.to_ascii_uppercase());
                }
                if let Some(name) = word(Role::ClientName) {
                    text.push(' ');
                    text.push_str(&name);
                }
            }
            _ => {
                if let Some(key) = word(Role::Key) {
                    text.push(' ');
                    text.push_str(&key);
                }
            }
        }
        app_event(out, at, "Redis", crate::text::shorten(&text, 72), secrets);
    }
}

/// Labels tokens of the current top-level value until it ends or the bytes run
/// out: (bytes labelled, whether the value ended).
fn walk(
    side: &mut Side,
    dir: Direction,
    at: u64,
    data: &[u8],
    flush: bool,
    out: &mut Emitter,
) -> (usize, bool) {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        match token(side, dir, at + pos as u64, rest, out) {
            Tok::Took { n, done } => {
                pos += n;
                if done {
                    return (pos, true);
                }
            }
            Tok::NeedMore if flush => {
                out.field(at + pos as u64..at + data.len() as u64, REDIS_VALUE);
                out.note(
                    at + pos as u64..at + data.len() as u64,
                    Severity::Note,
                    NoteGroup::Truncated,
                    "Redis value cut off".into(),
                );
                return (data.len(), false);
            }
            Tok::NeedMore => break,
            Tok::Bad(why) => {
                out.note(
                    at + pos as u64..at + pos as u64 + 1,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("{why}: the rest is not parsed as Redis"),
                );
                side.lost = true;
                break;
            }
        }
    }
    (pos, false)
}

/// Commands whose second word is a subcommand.
const SUBCOMMANDS: &[&str] = &[
    "CLIENT", "CONFIG", "ACL", "COMMAND", "CLUSTER", "OBJECT", "MEMORY", "SCRIPT", "XINFO",
    "XGROUP", "FUNCTION", "MODULE", "SLOWLOG", "LATENCY", "DEBUG", "PUBSUB",
];

/// Commands without keys: their arguments are values.
const KEYLESS: &[&str] = &[
    "PING",
    "ECHO",
    "SELECT",
    "INFO",
    "QUIT",
    "RESET",
    "SWAPDB",
    "FLUSHDB",
    "FLUSHALL",
    "DBSIZE",
    "TIME",
    "LASTSAVE",
    "SAVE",
    "BGSAVE",
    "BGREWRITEAOF",
    "SHUTDOWN",
    "MONITOR",
    "SUBSCRIBE",
    "PSUBSCRIBE",
    "UNSUBSCRIBE",
    "PUNSUBSCRIBE",
    "SSUBSCRIBE",
    "PUBLISH",
    "SPUBLISH",
    "MULTI",
    "EXEC",
    "DISCARD",
    "UNWATCH",
    "WAIT",
    "KEYS",
    "SCAN",
    "RANDOMKEY",
    "REPLICAOF",
    "SLAVEOF",
    "ROLE",
    "SYNC",
    "PSYNC",
    "EVAL",
    "EVALSHA",
    "FCALL",
];

/// Commands whose every argument is a key.
const ALL_KEYS: &[&str] = &["DEL", "UNLINK", "EXISTS", "TOUCH", "MGET", "WATCH"];

impl Value {
    /// The role of argument `self.index`, whose first byte is `peek` when at hand.
    fn role(&self, peek: Option<u8>) -> Role {
        let i = self.index;
        if i == 0 {
            return Role::Command;
        }
        let word = |n: u64| {
            usize::try_from(n)
                .ok()
                .and_then(|n| self.words.get(n))
                .map(|(w, _)| w.to_ascii_uppercase())
                .unwrap_or_default()
        };
        let cmd = word(0);
        let back = |k: u64| i.checked_sub(k).map(&word).unwrap_or_default();
        match cmd.as_str() {
            "AUTH" if self.argc >= 3 && i == 1 => Role::User,
            "AUTH" => Role::Password,
            "HELLO" | "MIGRATE" => match (back(1).as_str(), back(2).as_str()) {
                ("AUTH", _) if cmd == "HELLO" => Role::User,
                ("AUTH", _) => Role::Password,
                (_, "AUTH") if cmd == "HELLO" => Role::Password,
                ("AUTH2", _) => Role::User,
                (_, "AUTH2") => Role::Password,
                ("SETNAME", _) => Role::ClientName,
                _ if cmd == "MIGRATE" && i == 3 => Role::Key,
                _ => Role::Value,
            },
            "CLIENT" if i == 2 && word(1) == "SETNAME" => Role::ClientName,
            "CONFIG" if i >= 3 && word(1) == "SET" => match back(1).to_ascii_lowercase().as_str() {
                "requirepass" | "masterauth" => Role::Password,
                "masteruser" => Role::User,
                _ => Role::Value,
            },
            "ACL" if word(1) == "SETUSER" && i == 2 => Role::User,
            "ACL" if word(1) == "SETUSER" && matches!(peek, Some(b'>' | b'#')) => Role::Password,
            c if KEYLESS.contains(&c) || SUBCOMMANDS.contains(&c) => Role::Value,
            c if ALL_KEYS.contains(&c) => Role::Key,
            "MSET" | "MSETNX" if i % 2 == 1 => Role::Key,
            "MSET" | "MSETNX" => Role::Value,
            _ if i == 1 => Role::Key,
            _ => Role::Value,
        }
    }

    /// An argument's bytes (or its first bytes) are known.
    fn push_word(&mut self, bytes: &[u8], role: Role) {
        if self.words.len() < WORDS {
            let b = bytes.get(..WORD.min(bytes.len())).unwrap_or(bytes);
            self.words
                .push((String::from_utf8_lossy(b).into_owned(), role));
        }
        self.index += 1;
    }
}

/// A line at the front of `b`: its length with the line end, and its text without.
fn line(b: &[u8]) -> Option<(usize, &[u8])> {
    let nl = b.iter().take(MAX_LINE).position(|&c| c == b'\n')?;
    let text = b.get(..nl).unwrap_or(&[]);
    Some((nl + 1, text.strip_suffix(b"\r").unwrap_or(text)))
}

/// A RESP number: `-1`, `42`, or `?` (streamed: `None`).
fn number(b: &[u8]) -> Result<Option<i64>, String> {
    if b == b"?" {
        return Ok(None);
    }
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| format!("not a RESP length: {:?}", String::from_utf8_lossy(b)))
}

/// Labels one token at the front of `b` (stream offset `at`).
fn token(side: &mut Side, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Tok {
    if side.bulk > 0 {
        return body(side, dir, at, b, out);
    }
    let top = side.open.is_empty() && !side.chunked;
    let Some(&kind) = b.first() else {
        return Tok::NeedMore;
    };
    let resp = b"*%~>|$!=;.+-:_,#(".contains(&kind);
    if top && !resp {
        if dir == Direction::ToServer {
            return inline(side, at, b, out);
        }
        return Tok::Bad(format!("{:?} starts no RESP value", char::from(kind)));
    }
    let Some((n, text)) = line(b) else {
        return if b.len() >= MAX_LINE {
            Tok::Bad("a RESP line longer than 64 KiB".into())
        } else {
            Tok::NeedMore
        };
    };
    let arg = text.get(1..).unwrap_or(&[]);
    let end = at + n as u64;
    let head = |v: &mut Value, s: String| {
        if v.head.is_none() {
            v.head = Some(s);
        }
    };
    match kind {
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            out.field(at..end, REDIS_HEADER);
            let count = match number(arg) {
                Ok(c) => c,
                Err(e) => return Tok::Bad(e),
            };
            let pairs = matches!(kind, b'%' | b'|');
            let what = match kind {
                b'*' => "array",
                b'%' => "map",
                b'~' => "set",
                b'>' => "push",
                _ => "attribute",
            };
            if top && kind != b'|' {
                head(
                    &mut side.value,
                    match count {
                        None => format!("{what}, streamed"),
                        Some(-1) => "null".into(),
                        Some(c) => format!("{what}, {}", crate::text::plural(c as u64, "element")),
                    },
                );
            }
            match count {
                Some(-1) if !pairs => Tok::Took {
                    n,
                    done: complete(side),
                },
                Some(c) if c < 0 || c as u64 > MAX_COUNT => {
                    Tok::Bad(format!("RESP {what} of {c} elements"))
                }
                Some(c) => {
                    let left = if pairs { c as u64 * 2 } else { c as u64 };
                    if top && dir == Direction::ToServer && kind == b'*' {
                        side.value.argc = left;
                    }
                    if side.open.len() >= MAX_DEPTH {
                        return Tok::Bad(format!("RESP values nested deeper than {MAX_DEPTH}"));
                    }
                    side.open.push(Open {
                        left: Some(left),
                        attr: kind == b'|',
                    });
                    let done = if left == 0 { close(side) } else { false };
                    Tok::Took { n, done }
                }
                None => {
                    if side.open.len() >= MAX_DEPTH {
                        return Tok::Bad(format!("RESP values nested deeper than {MAX_DEPTH}"));
                    }
                    side.open.push(Open {
                        left: None,
                        attr: kind == b'|',
                    });
                    Tok::Took { n, done: false }
                }
            }
        }
        b'$' | b'!' | b'=' | b';' => {
            out.field(at..end, REDIS_HEADER);
            match number(arg) {
                Ok(Some(-1)) if kind != b';' => {
                    if top {
                        head(&mut side.value, "null".into());
                    }
                    Tok::Took {
                        n,
                        done: complete(side),
                    }
                }
                Ok(Some(0)) if kind == b';' => {
                    side.chunked = false;
                    Tok::Took {
                        n,
                        done: complete(side),
                    }
                }
                Ok(Some(len)) if (0..=MAX_COUNT as i64).contains(&len) => {
                    side.bulk = len as u64 + 2;
                    let v = &mut side.value;
                    if top && kind == b'!' {
                        head(v, "error".into());
                    } else if top && kind != b';' {
                        head(v, format!("bulk string, {len} bytes"));
                    }
                    let client_arg =
                        dir == Direction::ToServer && side.open.len() == 1 && kind == b'$';
                    let role = client_arg.then(|| v.role(b.get(n).copied()));
                    v.role = role;
                    v.word.clear();
                    Tok::Took { n, done: false }
                }
                Ok(None) if kind == b'$' => {
                    if top {
                        head(&mut side.value, "bulk string, streamed".into());
                    }
                    side.chunked = true;
                    Tok::Took { n, done: false }
                }
                Ok(other) => Tok::Bad(format!("RESP string of length {other:?}")),
                Err(e) => Tok::Bad(e),
            }
        }
        b'.' => {
            out.field(at..end, REDIS_HEADER);
            match side.open.last() {
                Some(Open { left: None, .. }) => {
                    let attr = side.open.pop().is_some_and(|o| o.attr);
                    let done = !attr && complete(side);
                    Tok::Took { n, done }
                }
                _ => Tok::Bad("`.` ends no streamed aggregate".into()),
            }
        }
        _ => {
            // A simple value: type byte, text, line end.
            out.field(at..at + 1, REDIS_HEADER);
            out.field(at + 1..at + 1 + arg.len() as u64, REDIS_VALUE);
            out.field(at + 1 + arg.len() as u64..end, REDIS_HEADER);
            let s = crate::text::shorten(&String::from_utf8_lossy(arg), 72);
            let v = &mut side.value;
            remember(v, &s);
            if !top {
                return Tok::Took {
                    n,
                    done: complete(side),
                };
            }
            head(
                v,
                match kind {
                    b'+' => s,
                    b'-' => format!("error {s}"),
                    b':' => format!("integer {s}"),
                    b'_' => "null".into(),
                    b'#' => format!("boolean {s}"),
                    _ => format!("number {s}"),
                },
            );
            Tok::Took {
                n,
                done: complete(side),
            }
        }
    }
}

/// A server's short string: `version` followed by its value names the server.
fn remember(v: &mut Value, s: &str) {
    if v.last.as_deref() == Some("version") && v.version.is_none() {
        v.version = Some(s.to_string());
    }
    v.last = (s.len() <= 64).then(|| s.to_string());
}

/// Bytes of a bulk string's body (and its CRLF).
fn body(side: &mut Side, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Tok {
    let n = usize::try_from(side.bulk)
        .unwrap_or(usize::MAX)
        .min(b.len());
    let text_left = side.bulk.saturating_sub(2);
    let text = usize::try_from(text_left).unwrap_or(usize::MAX).min(n);
    let v = &mut side.value;
    let field = v.role.map_or(REDIS_VALUE, Role::field);
    out.field(at..at + text as u64, field);
    out.field(at + text as u64..at + n as u64, REDIS_HEADER);
    let room = WORD.saturating_sub(v.word.len());
    v.word
        .extend_from_slice(b.get(..text.min(room)).unwrap_or(&[]));
    side.bulk -= n as u64;
    if side.bulk > 0 {
        return Tok::Took { n, done: false };
    }
    let word = std::mem::take(&mut v.word);
    match v.role.take() {
        Some(role) => v.push_word(&word, role),
        None if dir == Direction::ToClient => remember(v, &String::from_utf8_lossy(&word)),
        None => {}
    }
    if side.chunked {
        return Tok::Took { n, done: false };
    }
    Tok::Took {
        n,
        done: complete(side),
    }
}

/// An inline command: one line of words.
fn inline(side: &mut Side, at: u64, b: &[u8], out: &mut Emitter) -> Tok {
    let Some((n, text)) = line(b) else {
        return if b.len() >= MAX_LINE {
            Tok::Bad("an inline command longer than 64 KiB".into())
        } else {
            Tok::NeedMore
        };
    };
    let words = super::framing::words(text);
    let v = &mut side.value;
    v.argc = words.len() as u64;
    let mut pos = 0usize;
    for w in &words {
        if w.start > pos {
            out.field(at + pos as u64..at + w.start as u64, REDIS_HEADER);
        }
        let bytes = text.get(w.clone()).unwrap_or(&[]);
        let role = v.role(bytes.first().copied());
        out.field(at + w.start as u64..at + w.end as u64, role.field());
        v.push_word(bytes, role);
        pos = w.end;
    }
    out.field(at + pos as u64..at + n as u64, REDIS_HEADER);
    Tok::Took { n, done: true }
}

/// A value ended: count it in its aggregate, closing those it completes. True when a
/// top-level value ended.
fn complete(side: &mut Side) -> bool {
    match side.open.last_mut() {
        None => true,
        Some(Open { left: None, .. }) => false,
        Some(Open { left: Some(n), .. }) => {
            *n = n.saturating_sub(1);
            if *n == 0 {
                close(side)
            } else {
                false
            }
        }
    }
}

/// The innermost aggregate has all its elements: it is a value of its parent (unless it
/// is an attribute, which annotates the next value).
fn close(side: &mut Side) -> bool {
    let attr = side.open.pop().is_some_and(|o| o.attr);
    if attr {
        return false;
    }
    complete(side)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(args: &[&[u8]]) -> Vec<u8> {
        let mut m = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            m.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            m.extend_from_slice(a);
            m.extend_from_slice(b"\r\n");
        }
        m
    }

    /// Feeds one direction in one go; returns the field of every byte and the events.
    fn run(r: &mut Redis, dir: Direction, bytes: &[u8]) -> (Vec<&'static str>, Vec<String>) {
        let mut out = Emitter::default();
        let fed = r.feed(dir, 0, bytes, false, &mut out);
        assert_eq!(fed, Fed::Done(bytes.len()), "all labelled");
        let mut labels = vec![""; bytes.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                assert_eq!(labels[i as usize], "", "byte {i} labelled twice");
                labels[i as usize] = s.field.name();
            }
        }
        assert!(labels.iter().all(|l| !l.is_empty()), "{labels:?}");
        let events = out
            .events
            .iter()
            .map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => format!("{text} {leaks:?}"),
                Desc::Leak { kind, value } => format!("{} {value}", kind.name()),
                d => format!("{d:?}"),
            })
            .collect();
        (labels, events)
    }

    fn at<'a>(labels: &[&'a str], bytes: &[u8], needle: &[u8]) -> &'a str {
        let i = bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap();
        labels[i]
    }

    #[test]
    fn auth_with_user_and_password() {
        let m = cmd(&[b"AUTH", b"alice", b"wonderland"]);
        let mut r = Redis::default();
        let (labels, events) = run(&mut r, Direction::ToServer, &m);
        assert_eq!(at(&labels, &m, b"AUTH"), "redis.command");
        assert_eq!(at(&labels, &m, b"alice"), "redis.user");
        assert_eq!(at(&labels, &m, b"wonderland"), "redis.password");
        assert_eq!(at(&labels, &m, b"*3"), "redis.header");
        assert_eq!(
            events,
            [
                "user name alice",
                "credential user=alice password=wonderland",
                "AUTH [\"user=alice password=wonderland\"]"
            ]
        );
    }

    #[test]
    fn inline_auth_and_key_commands() {
        let m = b"AUTH secret\r\nGET user:1\r\n".to_vec();
        let mut r = Redis::default();
        let (labels, events) = run(&mut r, Direction::ToServer, &m);
        assert_eq!(at(&labels, &m, b"secret"), "redis.password");
        assert_eq!(at(&labels, &m, b"user:1"), "redis.key");
        assert_eq!(
            events,
            [
                "credential password=secret",
                "AUTH [\"password=secret\"]",
                "GET user:1 []"
            ]
        );
    }

    #[test]
    fn hello_3_with_auth_and_setname() {
        let m = cmd(&[
            b"HELLO", b"3", b"AUTH", b"alice", b"pw", b"SETNAME", b"app-7",
        ]);
        let mut r = Redis::default();
        let (labels, events) = run(&mut r, Direction::ToServer, &m);
        assert_eq!(at(&labels, &m, b"alice"), "redis.user");
        assert_eq!(at(&labels, &m, b"pw"), "redis.password");
        assert_eq!(at(&labels, &m, b"app-7"), "redis.client_name");
        assert_eq!(
            events.last().unwrap(),
            "HELLO 3 [\"user=alice password=pw\"]"
        );
        // The RESP3 answer: a map naming the server's version.
        let reply = b"%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n";
        let (_, events) = run(&mut r, Direction::ToClient, reply);
        assert_eq!(events, ["map, 2 elements []"]);
        let mut f = Facts::default();
        r.facts(&mut f);
        assert!(f
            .details
            .contains(&("redis.server_version", "7.0.15".into())));
        assert!(f.details.contains(&("redis.hello.version", "3".into())));
    }

    #[test]
    fn client_setname_is_an_identity() {
        let m = cmd(&[b"CLIENT", b"SETNAME", b"worker-1"]);
        let (labels, events) = run(&mut Redis::default(), Direction::ToServer, &m);
        assert_eq!(at(&labels, &m, b"worker-1"), "redis.client_name");
        assert_eq!(
            events,
            [
                "identity client_name=worker-1",
                "CLIENT SETNAME worker-1 []"
            ]
        );
    }

    #[test]
    fn resp3_replies_of_every_kind() {
        let reply = b"+OK\r\n-WRONGPASS invalid username-password pair\r\n:42\r\n$-1\r\n_\r\n,3.14\r\n#t\r\n(12345678901234567890\r\n=15\r\ntxt:Some string\r\n!5\r\nERROR\r\n~2\r\n+a\r\n+b\r\n|1\r\n+key\r\n+val\r\n*1\r\n:1\r\n>2\r\n+message\r\n+hi\r\n*?\r\n:1\r\n.\r\n$?\r\n;3\r\nabc\r\n;0\r\n*0\r\n";
        let (_, events) = run(&mut Redis::default(), Direction::ToClient, reply);
        assert_eq!(
            events,
            [
                "OK []",
                "error WRONGPASS invalid username-password pair []",
                "integer 42 []",
                "null []",
                "null []",
                "number 3.14 []",
                "boolean t []",
                "number 12345678901234567890 []",
                "bulk string, 15 bytes []",
                "error []",
                "set, 2 elements []",
                "array, 1 element []",
                "push, 2 elements []",
                "array, streamed []",
                "bulk string, streamed []",
                "array, 0 elements []",
            ]
        );
    }

    #[test]
    fn an_array_of_2_pow_31_elements_allocates_nothing() {
        let mut m = b"*2147483647\r\n".to_vec();
        for _ in 0..10_000 {
            m.extend_from_slice(b"$1\r\nx\r\n");
        }
        let mut r = Redis::default();
        let mut out = Emitter::default();
        // Labelled as it arrives once past 64 KiB, nothing held beyond that.
        let mut base = 0u64;
        let mut held = Vec::new();
        for chunk in m.chunks(1448) {
            held.extend_from_slice(chunk);
            let Fed::Done(n) = r.feed(Direction::ToServer, base, &held, false, &mut out) else {
                panic!()
            };
            held.drain(..n);
            base += n as u64;
            assert!(held.len() <= MAX_FRAMED);
        }
        assert!(r.sides[0].open.len() == 1);
    }

    #[test]
    fn nesting_beyond_the_bound_loses_framing_with_a_note() {
        let m = b"*1\r\n".repeat(100);
        let mut r = Redis::default();
        let mut out = Emitter::default();
        assert_eq!(
            r.feed(Direction::ToClient, 0, &m, false, &mut out),
            Fed::Done(m.len())
        );
        assert!(out.notes.iter().any(|n| n.text.contains("nested deeper")));
    }

    #[test]
    fn bad_lengths_lose_framing() {
        for m in [
            &b"*-5\r\n"[..],
            b"$abc\r\n",
            b"*99999999999999\r\n",
            b"$9999999999999\r\n",
        ] {
            let mut r = Redis::default();
            let mut out = Emitter::default();
            r.feed(Direction::ToClient, 0, m, false, &mut out);
            assert!(r.sides[1].lost, "{m:?}");
        }
    }

    #[test]
    fn every_prefix_is_safe() {
        let m = cmd(&[b"HELLO", b"3", b"AUTH", b"alice", b"pw"]);
        for n in 0..=m.len() {
            for dir in [Direction::ToServer, Direction::ToClient] {
                let mut r = Redis::default();
                let mut out = Emitter::default();
                r.feed(dir, 0, &m[..n], true, &mut out);
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
                server_port: 7000,
            }
        }
        assert_eq!(detect(&probe(b"*2\r\n$4\r\nAUTH")), Detect::Yes);
        assert_eq!(detect(&probe(b"*2")), Detect::NeedMore);
        assert_eq!(detect(&probe(b"*")), Detect::NeedMore);
        assert_eq!(detect(&probe(b"AUTH secret\r\n")), Detect::Yes);
        assert_eq!(detect(&probe(b"AUTH PLAIN AGFsaWNl\r\n")), Detect::No);
        assert_eq!(detect(&probe(b"AUTH DIGEST-MD5\r\n")), Detect::No);
        assert_eq!(detect(&probe(b"PING\r\n")), Detect::Yes);
        assert_eq!(detect(&probe(b"GET / HTTP/1.1\r\n")), Detect::No);
    }
}

//! What a command says: the description of each request and reply, the walk over
//! its words, and which of them are keys (the keyword tables).

use super::*;

/// Labels tokens of the current top-level value until it ends or the bytes run
/// out: (bytes labelled, whether the value ended).
pub(super) fn walk(
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
pub(super) const SUBCOMMANDS: &[&str] = &[
    "CLIENT", "CONFIG", "ACL", "COMMAND", "CLUSTER", "OBJECT", "MEMORY", "SCRIPT", "XINFO",
    "XGROUP", "FUNCTION", "MODULE", "SLOWLOG", "LATENCY", "DEBUG", "PUBSUB",
];

/// Commands without keys: their arguments are values.
pub(super) const KEYLESS: &[&str] = &[
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
pub(super) const ALL_KEYS: &[&str] = &["DEL", "UNLINK", "EXISTS", "TOUCH", "MGET", "WATCH"];

impl Value {
    /// The role of argument `self.index`, whose first byte is `peek` when at hand.
    pub(super) fn role(&self, peek: Option<u8>) -> Role {
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
    pub(super) fn push_word(&mut self, bytes: &[u8], role: Role) {
        if self.words.len() < WORDS {
            let b = bytes.get(..WORD.min(bytes.len())).unwrap_or(bytes);
            self.words.push((crate::text::lossy(b).into_owned(), role));
        }
        self.index += 1;
    }
}

impl Redis {
    /// The description of the current value, once (at its first byte).
    pub(super) fn describe(&mut self, side: &mut Side, dir: Direction, out: &mut Emitter) {
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

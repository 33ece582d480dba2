//! MySQL and MariaDB's client/server protocol before or without TLS: packets of a
//! three-byte length and a sequence number. The server's greeting names its version;
//! the client answers with an SSLRequest (a 32-byte HandshakeResponse with CLIENT_SSL,
//! after which TLS starts) or with its HandshakeResponse in the clear — user name,
//! database and a password hash salted with the greeting's challenge (enough for an
//! offline guess). Queries after that are plain SQL.
//!
//! Reference: the MySQL source's "Client/Server Protocol" documentation
//! (Connection Phase, Protocol::HandshakeV10, Protocol::SSLRequest,
//! Protocol::HandshakeResponse41, COM_QUERY).

use super::framing::{app_event, framed, line_spans, Framing, Header};
use super::registry::{Detect, Probe, Protocol};
use super::{Dissector, Facts, Fed};
use crate::fields::FieldId;
use crate::proto::{Direction, Emitter};
use std::ops::Range;

crate::fields! {
    proto = "MySQL";
    MYSQL_PACKET = "mysql.packet", Content, Cleartext, None, "MySQL packet before or without TLS: length, sequence, payload";
    MYSQL_CREDENTIAL = "mysql.user", Content, Cleartext, Some(Credential), "user name and salted password hash of a HandshakeResponse";
    MYSQL_QUERY = "mysql.query", Content, Cleartext, None, "SQL statement (COM_QUERY, COM_INIT_DB, COM_STMT_PREPARE)";
}

const CLIENT_CONNECT_WITH_DB: u32 = 0x0008;
const CLIENT_PROTOCOL_41: u32 = 0x0200;
const CLIENT_SSL: u32 = 0x0800;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;
const CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: u32 = 0x0020_0000;

/// Whether `first` (a server's first bytes) is a HandshakeV10 greeting.
pub fn looks_like_greeting(first: &[u8]) -> bool {
    let [a, b, c, 0, 0x0a, rest @ ..] = first else {
        return false;
    };
    let len = usize::from(*a) | usize::from(*b) << 8 | usize::from(*c) << 16;
    if !(20..=1024).contains(&len) {
        return false;
    }
    // A printable server version, NUL-terminated.
    match rest.iter().position(|&x| x == 0) {
        Some(n) => n > 0 && rest.iter().take(n).all(|x| x.is_ascii_graphic()),
        None => false,
    }
}

/// MySQL: the server's greeting packet, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "MySQL",
    detect: |p: &Probe<'_>| Detect::when(!p.from_client() && looks_like_greeting(p.bytes)),
    ports: &[3306],
    new: |_| Box::<Mysql>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
pub struct Mysql {
    dirs: [Framing; 2],
    /// The greeting was seen: the client's next packet is its HandshakeResponse.
    greeted: bool,
    /// The client's HandshakeResponse (or SSLRequest) was seen: packets with sequence
    /// number 0 from the client are commands.
    authenticated: bool,
    /// Where the server's answer to the last query is.
    result: Result,
}

/// A query's answer: OK or ERR, or a result set (column count, column definitions,
/// EOF, rows, EOF).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Result {
    #[default]
    None,
    Start,
    Columns,
    Rows,
}

impl Dissector for Mysql {
    /// Bytes are missing: where the next packet starts is unknown.
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
        let d = dir.index();
        // The framing state is lent to `framed` while `packet` needs `self`.
        let mut state = self.dirs.get_mut(d).map(std::mem::take).unwrap_or_default();
        let len = |b: &[u8]| match b {
            [a, b, c, _, ..] => {
                Header::Len(4 + (usize::from(*a) | usize::from(*b) << 8 | usize::from(*c) << 16))
            }
            _ => Header::NeedMore,
        };
        let fed = framed(
            &mut state,
            data,
            base,
            flush,
            out,
            MYSQL_PACKET,
            "MySQL",
            len,
            |at, p, out| self.packet(dir, at, p, out),
        );
        if let Some(slot) = self.dirs.get_mut(d) {
            *slot = state;
        }
        fed
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("MySQL".into());
    }

    fn handover_name(&self) -> &'static str {
        "SSLRequest"
    }
}

impl Mysql {
    /// Labels and describes one packet (header included), possibly cut short.
    fn packet(&mut self, dir: Direction, at: u64, p: &[u8], out: &mut Emitter) {
        let seq = p.get(3).copied().unwrap_or(0);
        let payload = p.get(4..).unwrap_or(&[]);
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        let mut leaks = Vec::new();
        let text = match dir {
            Direction::ToClient => self.server(seq, payload),
            Direction::ToServer => Some(self.client(seq, payload, &mut parts, &mut leaks)),
        };
        // Ranges were found in the payload; the packet starts 4 bytes earlier.
        let parts: Vec<(Range<usize>, FieldId)> = parts
            .into_iter()
            .map(|(r, f)| (r.start + 4..r.end + 4, f))
            .collect();
        line_spans(out, at, p.len(), &parts, MYSQL_PACKET);
        if let Some(text) = text {
            app_event(out, at, "MySQL", text, leaks);
        }
    }

    /// What a server packet is; `None` for the parts of a result set not worth a word
    /// (column definitions, EOF markers).
    fn server(&mut self, seq: u8, payload: &[u8]) -> Option<String> {
        let first = payload.first().copied();
        let eof = first == Some(0xfe) && payload.len() < 9;
        match (self.result, first) {
            (Result::Start, Some(0x01..=0xfa)) => {
                self.result = Result::Columns;
                let n = lenenc(payload, 0).map_or(0, |(n, _)| n);
                let s = if n == 1 { "" } else { "s" };
                return Some(format!("result set, {n} column{s}"));
            }
            (Result::Columns, _) if eof => {
                self.result = Result::Rows;
                return None;
            }
            (Result::Columns, _) => return None,
            (Result::Rows, _) if eof => {
                self.result = Result::None;
                return None;
            }
            // With CLIENT_DEPRECATE_EOF the set ends with an OK packet marked 0xfe.
            (Result::Rows, Some(0xfe)) => {
                self.result = Result::None;
                return Some("end of result set".into());
            }
            (Result::Rows, Some(0x00..=0xfa | 0xfc..=0xfd)) => return Some("row".into()),
            _ => {}
        }
        self.result = Result::None;
        Some(self.server_packet(seq, payload))
    }

    fn server_packet(&mut self, seq: u8, payload: &[u8]) -> String {
        match payload.first() {
            Some(0x0a) if seq == 0 && !self.greeted => {
                self.greeted = true;
                let version = payload
                    .get(1..)
                    .and_then(|r| r.split(|&x| x == 0).next())
                    .map(|v| crate::text::lossy(v).into_owned())
                    .unwrap_or_default();
                let caps = greeting_caps(payload);
                let tls = if caps.is_some_and(|c| c & CLIENT_SSL != 0) {
                    ", TLS offered"
                } else {
                    ""
                };
                format!("server greeting, version {version}{tls}")
            }
            Some(0x00) => "OK".into(),
            Some(0xff) => {
                let code = u16_le(payload, 1).unwrap_or(0);
                // `#` and a five-character SQL state, then the message (protocol 4.1).
                let msg = match payload.get(3) {
                    Some(b'#') => payload.get(9..),
                    _ => payload.get(3..),
                }
                .unwrap_or(&[]);
                format!("ERR {code}: {}", shorten(&crate::text::lossy(msg)))
            }
            Some(0xfe) if payload.len() < 9 => "EOF".into(),
            Some(0xfe) => "auth switch request".into(),
            _ => format!("response, {} bytes", payload.len()),
        }
    }

    fn client(
        &mut self,
        seq: u8,
        payload: &[u8],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        leaks: &mut Vec<String>,
    ) -> String {
        if !self.authenticated && seq == 1 && payload.len() >= 32 {
            self.authenticated = true;
            let caps = u32_le(payload, 0).unwrap_or(0);
            if payload.len() == 32 && caps & CLIENT_SSL != 0 {
                return "SSLRequest".into();
            }
            return handshake_response(payload, caps, parts, leaks);
        }
        if seq != 0 {
            return format!("auth data, {} bytes", payload.len());
        }
        let body = payload.get(1..).unwrap_or(&[]);
        let sql = |parts: &mut Vec<(Range<usize>, FieldId)>, what: &str| {
            parts.push((1..payload.len(), MYSQL_QUERY));
            format!("{what}: {}", shorten(&crate::text::lossy(body)))
        };
        match payload.first() {
            Some(0x01) => "quit".into(),
            Some(0x02) => sql(parts, "use"),
            Some(0x03) => {
                self.result = Result::Start;
                sql(parts, "query")
            }
            Some(0x0e) => "ping".into(),
            Some(0x16) => sql(parts, "prepare"),
            Some(0x17) => "execute".into(),
            Some(c) => format!("command {c:#04x}"),
            None => "empty packet".into(),
        }
    }
}

/// HandshakeResponse41: capabilities, max packet size, charset, 23 reserved bytes, then
/// the user name, the auth response, the database and the auth plugin.
fn handshake_response(
    p: &[u8],
    caps: u32,
    parts: &mut Vec<(Range<usize>, FieldId)>,
    leaks: &mut Vec<String>,
) -> String {
    if caps & CLIENT_PROTOCOL_41 == 0 {
        return "handshake response (pre-4.1 protocol)".into();
    }
    let Some(user) = cstring(p, 32) else {
        return "handshake response".into();
    };
    let user_name = crate::text::lossy(p.get(user.clone()).unwrap_or(&[])).into_owned();
    parts.push((user.clone(), MYSQL_CREDENTIAL));
    let mut shown = vec![format!("user={user_name}")];
    let mut pos = user.end + 1;
    // The auth response: a length-encoded string, a one-byte length, or NUL-terminated.
    let auth = if caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
        lenenc(p, pos).map(|(n, at)| at..at + n)
    } else if caps & CLIENT_SECURE_CONNECTION != 0 {
        p.get(pos).map(|&n| pos + 1..pos + 1 + usize::from(n))
    } else {
        cstring(p, pos)
    };
    if let Some(a) = auth.filter(|a| a.end <= p.len()) {
        if !a.is_empty() {
            parts.push((a.clone(), MYSQL_CREDENTIAL));
            // Salted with the greeting's challenge: enough for an offline guess.
            shown.push(format!(
                "password-hash={}",
                hex::encode(p.get(a.clone()).unwrap_or(&[]))
            ));
        }
        pos = a.end
            + usize::from(
                caps & CLIENT_SECURE_CONNECTION == 0
                    && caps & CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA == 0,
            );
        let mut db_name = None;
        if caps & CLIENT_CONNECT_WITH_DB != 0 {
            if let Some(db) = cstring(p, pos) {
                db_name = Some(crate::text::lossy(p.get(db.clone()).unwrap_or(&[])).into_owned());
                pos = db.end + 1;
            }
        }
        if caps & CLIENT_PLUGIN_AUTH != 0 {
            if let Some(plugin) = cstring(p, pos) {
                shown.push(format!(
                    "plugin={}",
                    crate::text::lossy(p.get(plugin).unwrap_or(&[]))
                ));
            }
        }
        if let Some(db) = db_name.filter(|d| !d.is_empty()) {
            shown.push(format!("database={db}"));
        }
    }
    leaks.push(shown.join(" "));
    format!("login user={user_name}")
}

/// Capability flags of a HandshakeV10 greeting (lower and upper halves).
fn greeting_caps(p: &[u8]) -> Option<u32> {
    let version_end = p.get(1..)?.iter().position(|&x| x == 0)? + 1;
    // NUL, connection id (4), auth data part 1 (8), filler (1).
    let at = version_end + 1 + 4 + 8 + 1;
    let low = u16_le(p, at)?;
    let high = u16_le(p, at + 5).unwrap_or(0);
    Some(u32::from(low) | u32::from(high) << 16)
}

fn u16_le(p: &[u8], at: usize) -> Option<u16> {
    let b: [u8; 2] = p.get(at..at + 2)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

fn u32_le(p: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = p.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// A NUL-terminated string at `at`: its range without the NUL.
fn cstring(p: &[u8], at: usize) -> Option<Range<usize>> {
    let n = p.get(at..)?.iter().position(|&x| x == 0)?;
    Some(at..at + n)
}

/// A length-encoded integer at `at`: (value, where the data starts).
fn lenenc(p: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *p.get(at)?;
    let width = match first {
        0..=0xfa => return Some((usize::from(first), at + 1)),
        0xfc => 2,
        0xfd => 3,
        0xfe => 8,
        _ => return None,
    };
    let bytes = p.get(at + 1..at + 1 + width)?;
    let v = bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
    Some((usize::try_from(v).ok()?, at + 1 + width))
}

fn shorten(s: &str) -> String {
    crate::text::shorten(s, 72)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A MariaDB 10.11 greeting (from a real server on loopback), cut to its fixed part.
    fn greeting() -> Vec<u8> {
        let mut p = vec![0x0a];
        p.extend_from_slice(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
        p.extend_from_slice(&[1, 0, 0, 0]); // connection id
        p.extend_from_slice(b"abcdefgh\0"); // auth data part 1, filler
        p.extend_from_slice(&0xfffeu16.to_le_bytes()); // capabilities (with CLIENT_SSL)
        p.push(0x2d);
        p.extend_from_slice(&[2, 0]);
        p.extend_from_slice(&0x81bfu16.to_le_bytes());
        p.push(21);
        p.extend_from_slice(&[0; 10]);
        p.extend_from_slice(b"ijklmnopqrst\0mysql_native_password\0");
        let mut out = vec![p.len() as u8, 0, 0, 0];
        out.extend_from_slice(&p);
        out
    }

    fn response(caps: u32) -> Vec<u8> {
        let mut p = caps.to_le_bytes().to_vec();
        p.extend_from_slice(&16_777_216u32.to_le_bytes());
        p.push(0x2d);
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(b"alice\0");
        p.push(20);
        p.extend_from_slice(&[0xab; 20]);
        p.extend_from_slice(b"shop\0mysql_native_password\0");
        let mut out = vec![p.len() as u8, 0, 0, 1];
        out.extend_from_slice(&p);
        out
    }

    #[test]
    fn greeting_login_and_query() {
        let g = greeting();
        assert!(looks_like_greeting(&g));
        let mut m = Mysql::default();
        assert_eq!(
            m.server(0, &g[4..]).unwrap(),
            "server greeting, version 5.5.5-10.11.6-MariaDB-0+deb12u1, TLS offered"
        );
        let caps = CLIENT_PROTOCOL_41
            | CLIENT_SECURE_CONNECTION
            | CLIENT_PLUGIN_AUTH
            | CLIENT_CONNECT_WITH_DB;
        let r = response(caps);
        let (mut parts, mut leaks) = (Vec::new(), Vec::new());
        assert_eq!(
            m.client(1, &r[4..], &mut parts, &mut leaks),
            "login user=alice"
        );
        assert_eq!(leaks.len(), 1);
        assert!(
            leaks[0].starts_with("user=alice password-hash=abab"),
            "{leaks:?}"
        );
        assert!(
            leaks[0].ends_with("plugin=mysql_native_password database=shop"),
            "{leaks:?}"
        );
        assert_eq!(parts.len(), 2);
        assert_eq!(&r[4 + parts[0].0.start..4 + parts[0].0.end], b"alice");
        assert_eq!(parts[1].0.len(), 20);
        let q = b"\x03SELECT * FROM users";
        let mut parts = Vec::new();
        assert_eq!(
            m.client(0, q, &mut parts, &mut Vec::new()),
            "query: SELECT * FROM users"
        );
        assert_eq!(parts[0].0, 1..q.len());
    }

    #[test]
    fn a_result_set_is_named_once_with_its_rows() {
        let mut m = Mysql {
            authenticated: true,
            greeted: true,
            ..Mysql::default()
        };
        m.client(0, b"\x03SELECT 1, 2", &mut Vec::new(), &mut Vec::new());
        let answer: Vec<Option<String>> = [
            &b"\x02"[..],                    // two columns
            b"\x03def\x00\x00\x00\x011\x00", // column definitions
            b"\x03def\x00\x00\x00\x012\x00",
            b"\xfe\x00\x00\x02\x00",         // EOF
            b"\x011\x012",                   // a row
            b"\xfe\x00\x00\x02\x00",         // EOF
            b"\x00\x00\x00\x02\x00\x00\x00", // the next answer: OK
        ]
        .iter()
        .map(|p| m.server(1, p))
        .collect();
        assert_eq!(
            answer,
            [
                Some("result set, 2 columns".to_string()),
                None,
                None,
                None,
                Some("row".into()),
                None,
                Some("OK".into())
            ]
        );
    }

    #[test]
    fn ssl_request_and_errors() {
        let mut m = Mysql::default();
        let mut ssl = (CLIENT_PROTOCOL_41 | CLIENT_SSL).to_le_bytes().to_vec();
        ssl.resize(32, 0);
        assert_eq!(
            m.client(1, &ssl, &mut Vec::new(), &mut Vec::new()),
            "SSLRequest"
        );
        let err = b"\xff\x15\x04#28000Access denied for user 'alice'@'localhost'";
        assert_eq!(
            m.server(2, err).unwrap(),
            "ERR 1045: Access denied for user 'alice'@'localhost'"
        );
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        let g = greeting();
        for n in 0..g.len() {
            let _ = looks_like_greeting(&g[..n]);
            Mysql::default().server(0, g.get(4..n).unwrap_or(&[]));
        }
        let r = response(u32::MAX);
        for n in 0..r.len() {
            Mysql::default().client(
                1,
                r.get(4..n).unwrap_or(&[]),
                &mut Vec::new(),
                &mut Vec::new(),
            );
        }
        assert_eq!(lenenc(&[0xfe, 1, 2], 0), None);
        assert_eq!(lenenc(&[0xfc, 0x10, 0x00], 0), Some((16, 3)));
        assert!(!looks_like_greeting(b"\x05\x00\x00\x00\x0a\x00"));
    }
}

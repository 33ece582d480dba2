//! Which dissector a TCP connection's bytes go to, per direction, and the hand-over from
//! a plaintext protocol to TLS in the middle of a stream.
//!
//! A protocol is recognised from the first bytes seen (content first, port second) and
//! sticks to its flow. Each direction then switches to TLS at the first message
//! boundary where a ClientHello or ServerHello record begins: STARTTLS (SMTP, IMAP,
//! POP3 STLS, FTP AUTH TLS, XMPP, LDAP), SOCKS, HTTP CONNECT and database SSL requests
//! all look like that on the wire.

use super::plain::{self, Fed, Plain, Proto};
use super::tls::record::Plausible;
use super::tls::TlsStream;
use super::{Direction, Emitter};

/// The dissection of one TCP connection.
#[derive(Debug)]
pub struct StreamDissector {
    plain: Plain,
    tls: Option<Box<TlsStream>>,
    /// Stream offset where each direction turned into TLS.
    tls_from: [Option<u64>; 2],
}

impl StreamDissector {
    /// Decides from a direction's first bytes. `None`: not enough bytes to tell yet.
    pub fn detect(
        first: &[u8],
        dir: Direction,
        ports: (u16, u16),
        flush: bool,
    ) -> Option<StreamDissector> {
        match plain::tls_starts(first) {
            Plausible::Yes(_) => return Some(StreamDissector::tls_from_start()),
            Plausible::NeedMore if !flush => return None,
            _ => {}
        }
        // TLS that starts with something other than a hello (a capture that begins
        // mid-connection) is still TLS.
        if let Plausible::Yes(_) = super::tls::record::plausible_header(first) {
            return Some(StreamDissector::tls_from_start());
        }
        let proto = plain::detect(first, dir == Direction::ToServer, ports);
        Some(StreamDissector {
            plain: Plain::new(proto),
            tls: None,
            tls_from: [None, None],
        })
    }

    fn tls_from_start() -> StreamDissector {
        StreamDissector {
            plain: Plain::new(Proto::Unknown),
            tls: Some(Box::default()),
            tls_from: [Some(0), Some(0)],
        }
    }

    pub fn tls(&self) -> Option<&TlsStream> {
        self.tls.as_deref()
    }

    /// The protocol stack as found: `TLS`, `SMTP`, `SMTP › TLS`.
    pub fn stack(&self) -> String {
        match (&self.tls, self.plain.proto) {
            (Some(_), Proto::Unknown) => "TLS".into(),
            (Some(_), p) => format!("{} › TLS", p.name()),
            (None, p) => p.name().into(),
        }
    }

    /// The layers above TCP, outermost first: `["SMTP", "STARTTLS", "TLS"]`. The TLS
    /// layer is named without its version (the report adds it).
    pub fn layers(&self) -> Vec<&'static str> {
        let upgrade = match self.plain.proto {
            Proto::Smtp | Proto::Imap => "STARTTLS",
            Proto::Pop3 => "STLS",
            Proto::Ftp => "AUTH TLS",
            Proto::Http => "CONNECT",
            Proto::Postgres | Proto::Mysql => "SSLRequest",
            Proto::Ldap => "StartTLS",
            Proto::Xmpp => "STARTTLS",
            _ => "",
        };
        match (&self.tls, self.plain.proto) {
            (Some(_), Proto::Unknown) if self.tls_from.iter().flatten().any(|&o| o > 0) => {
                vec!["data", "TLS"]
            }
            (Some(_), Proto::Unknown) => vec!["TLS"],
            (Some(_), p) => {
                if upgrade.is_empty() {
                    vec![p.name(), "TLS"]
                } else {
                    vec![p.name(), upgrade, "TLS"]
                }
            }
            (None, p) => vec![p.name()],
        }
    }

    pub fn plain_proto(&self) -> Proto {
        self.plain.proto
    }

    fn is_tls(&self, dir: Direction) -> bool {
        self.tls_from.get(dir.index()).is_some_and(|t| t.is_some())
    }

    /// Labels bytes from the front of `data` (stream offset `base`); returns how many.
    pub fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> usize {
        let mut done = 0usize;
        loop {
            let rest = data.get(done..).unwrap_or(&[]);
            let at = base + done as u64;
            if self.is_tls(dir) {
                let tls = self.tls.get_or_insert_with(Box::default);
                if flush {
                    tls.flush(dir, at, rest, out);
                    return data.len();
                }
                return done + tls.feed(dir, at, rest, out);
            }
            match self.plain.feed(dir, at, rest, flush, out) {
                Fed::Done(n) => return done + n,
                Fed::SwitchToTls(n) => {
                    done += n;
                    if let Some(slot) = self.tls_from.get_mut(dir.index()) {
                        *slot = Some(base + done as u64);
                    }
                }
            }
        }
    }

    /// Bytes are missing here.
    pub fn gap(&mut self, dir: Direction, len: u64, out: &mut Emitter, at: u64) {
        if self.is_tls(dir) {
            if let Some(tls) = self.tls.as_mut() {
                tls.gap(dir, len, out, at);
            }
        } else {
            self.plain.gap(dir);
        }
    }

    /// Framing is gone (bytes were given up by the flow stage).
    pub fn lose_sync(&mut self, dir: Direction) {
        if self.is_tls(dir) {
            if let Some(tls) = self.tls.as_mut() {
                tls.lose_sync(dir);
            }
        } else {
            self.plain.gap(dir);
        }
    }

    pub fn compact(&mut self) {
        if let Some(tls) = self.tls.as_mut() {
            tls.compact();
        }
    }
}

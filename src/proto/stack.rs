//! The dissection of one flow: the protocol it was recognised as, and the protocol a
//! direction was handed to in mid-stream.
//!
//! A protocol is recognised from the first bytes seen (content first, port second:
//! [`registry::detect`]) and sticks to its flow. When it answers [`Fed::Handover`] at a
//! message boundary (STARTTLS in SMTP, IMAP, POP3 `STLS`, FTP `AUTH TLS`, XMPP, LDAP
//! StartTLS; the MySQL and PostgreSQL SSL requests; the end of a SOCKS or CONNECT
//! exchange), the rest of that direction goes to an inner protocol, recognised from the
//! bytes found there. Both directions share the inner dissector (a TLS handshake is
//! one conversation), each switching at its own byte.

use super::registry::{self, Found, Probe};
use super::{Direction, Dissector, Emitter, Facts, Fed};
use crate::decode::Transport;

/// A hand-over in mid-stream: where each direction was handed over, and the inner
/// dissector (recognised from the first bytes after the first hand-over). Boxed in
/// the stack: few flows have one, and every flow a dissector (48 bytes saved).
#[derive(Debug, Default)]
struct Handover {
    /// Stream offset where each direction was handed to `inner`.
    at: [Option<u64>; 2],
    inner: Option<Box<dyn Dissector>>,
}

/// The dissection of one flow.
#[derive(Debug)]
pub struct Stack {
    outer: Box<dyn Dissector>,
    handover: Option<Box<Handover>>,
    transport: Transport,
    /// Nothing recognised the first bytes: `outer` is the unknown-payload classifier.
    unknown: bool,
    /// (client port, server port): given to a dissector with the keys only.
    ports: (u16, u16),
    /// The endpoints' secrets, for the dissectors that can use them.
    keys: Option<crate::keys::KeyRing>,
    /// Stream offset up to which each direction was labelled.
    next: [u64; 2],
}

impl Stack {
    /// Recognises a flow's protocol from a direction's first bytes. `None`: not enough
    /// bytes to tell yet (never with `flush`).
    pub fn detect(
        first: &[u8],
        dir: Direction,
        transport: Transport,
        ports: (u16, u16),
        flush: bool,
    ) -> Option<Stack> {
        Stack::detect_expected(first, dir, transport, ports, flush, None)
    }

    /// As [`Stack::detect`], for a connection announced as `expected` (an FTP data
    /// connection): what its content says first, else the announced protocol.
    pub fn detect_expected(
        first: &[u8],
        dir: Direction,
        transport: Transport,
        ports: (u16, u16),
        flush: bool,
        expected: Option<&'static registry::Protocol>,
    ) -> Option<Stack> {
        let probe = Probe {
            bytes: first,
            dir,
            transport,
            client_port: ports.0,
            server_port: ports.1,
        };
        let found = registry::detect_expected(&probe, flush, expected);
        if matches!(found, Found::NeedMore) {
            return None;
        }
        Some(Stack {
            outer: registry::dissector(&found, &probe),
            handover: None,
            transport,
            unknown: matches!(found, Found::Unknown),
            ports,
            keys: None,
            next: [0, 0],
        })
    }

    /// Gives the endpoints' secrets to the flow's dissectors (and to the one a
    /// hand-over starts later).
    pub fn use_keys(&mut self, keys: &crate::keys::KeyRing) {
        let ports = self.ports;
        self.outer.use_keys(keys, ports);
        if let Some(inner) = self.inner_mut() {
            inner.use_keys(keys, ports);
        }
        self.keys = Some(keys.clone());
    }

    /// Whether nothing recognised the flow's first bytes (a UDP flow tries again with
    /// its next datagram).
    pub fn is_unknown(&self) -> bool {
        self.unknown && self.inner().is_none()
    }

    /// The inner dissector, once a hand-over found one.
    fn inner(&self) -> Option<&dyn Dissector> {
        self.handover.as_ref().and_then(|h| h.inner.as_deref())
    }

    fn inner_mut(&mut self) -> Option<&mut Box<dyn Dissector>> {
        self.handover.as_mut().and_then(|h| h.inner.as_mut())
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
        let done = self.feed_from(dir, base, data, flush, out);
        if let Some(n) = self.next.get_mut(dir.index()) {
            *n = base + done as u64;
        }
        done
    }

    fn feed_from(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> usize {
        if self.unknown && self.inner().is_none() {
            self.recognise_late(dir, base, data, flush);
        }
        let mut done = 0usize;
        loop {
            let rest = data.get(done..).unwrap_or(&[]);
            let at = base + done as u64;
            if self.handed_over(dir) {
                let Some(inner) = self.inner_for(dir, rest, flush) else {
                    return done;
                };
                return match inner.feed(dir, at, rest, flush, out) {
                    // A protocol inside the hand-over does not hand over again.
                    Fed::Done(n) | Fed::Handover(n) if !flush => done + n,
                    _ => data.len(),
                };
            }
            match self.outer.feed(dir, at, rest, flush, out) {
                Fed::Done(n) => return if flush { data.len() } else { done + n },
                Fed::Handover(n) => {
                    done += n;
                    let handover = self.handover.get_or_insert_with(Box::default);
                    if let Some(slot) = handover.at.get_mut(dir.index()) {
                        *slot = Some(base + done as u64);
                    }
                }
            }
        }
    }

    /// A flow whose first bytes nothing recognised, when the other direction starts:
    /// its first bytes may be a protocol after all, the other side having sent a
    /// preamble first (a back-connect's password), or with the roles reversed — a
    /// reverse SOCKS proxy, where the endpoint that opened the connection answers
    /// the SOCKS requests. By content only. Both directions go to what is found,
    /// each from the byte it has reached.
    fn recognise_late(&mut self, dir: Direction, base: u64, first: &[u8], flush: bool) {
        let other = dir.reverse();
        let started = |d: Direction| self.next.get(d.index()).is_some_and(|&n| n > 0);
        if base != 0 || first.is_empty() || started(dir) || !started(other) {
            return;
        }
        let probe = |dir| Probe {
            bytes: first,
            dir,
            transport: self.transport,
            client_port: 0,
            server_port: 0,
        };
        let inner: Box<dyn Dissector> = match registry::detect(&probe(dir), flush) {
            found @ Found::Protocol(_) => registry::dissector(&found, &probe(dir)),
            // NeedMore: decided with this direction's first chunk as it is.
            _ => match Stack::detect(first, other, self.transport, (0, 0), true) {
                Some(s) if !s.unknown && s.outer.reversible() => Box::new(Reversed(Box::new(s))),
                _ => return,
            },
        };
        self.handover = Some(Box::new(Handover {
            at: [self.next.first().copied(), self.next.get(1).copied()],
            inner: Some(inner),
        }));
    }

    /// The inner dissector, recognised from the first bytes after the first hand-over.
    fn inner_for(
        &mut self,
        dir: Direction,
        first: &[u8],
        flush: bool,
    ) -> Option<&mut Box<dyn Dissector>> {
        if self.inner().is_none() {
            // By content only: the flow's ports name the outer protocol (1080 is
            // SOCKS's, 25 SMTP's), never what it carries.
            let probe = Probe {
                bytes: first,
                dir,
                transport: self.transport,
                client_port: 0,
                server_port: 0,
            };
            let found = match self.outer.handover_protocol() {
                Some(p) => Found::Protocol(p),
                None => registry::detect(&probe, flush || first.is_empty()),
            };
            if matches!(found, Found::NeedMore) || first.is_empty() {
                return None;
            }
            let mut inner = registry::dissector(&found, &probe);
            if let Some(keys) = &self.keys {
                inner.use_keys(keys, self.ports);
            }
            self.handover.get_or_insert_with(Box::default).inner = Some(inner);
        }
        self.inner_mut()
    }

    fn handed_over(&self, dir: Direction) -> bool {
        self.handover
            .as_ref()
            .and_then(|h| h.at.get(dir.index()))
            .is_some_and(|at| at.is_some())
    }

    fn current(&mut self, dir: Direction) -> Option<&mut Box<dyn Dissector>> {
        if self.handed_over(dir) {
            self.inner_mut()
        } else {
            Some(&mut self.outer)
        }
    }

    /// `len` bytes are missing at `at`.
    pub fn gap(&mut self, dir: Direction, at: u64, len: u64, out: &mut Emitter) {
        if let Some(d) = self.current(dir) {
            d.gap(dir, at, len, out);
        }
    }

    /// Framing is gone (bytes were given up by the flow stage).
    pub fn lose_sync(&mut self, dir: Direction) {
        if let Some(d) = self.current(dir) {
            d.lose_sync(dir);
        }
    }

    pub fn compact(&mut self) {
        self.outer.compact();
        if let Some(inner) = self.inner_mut() {
            inner.compact();
        }
    }

    /// The layers above the transport, outermost first (`SMTP`, `STARTTLS`, `TLS`), and
    /// what each protocol learned.
    pub fn facts(&self) -> Facts {
        let mut f = Facts::default();
        match self.inner() {
            // Unrecognised bytes, then a protocol (TLS after an unknown preamble).
            Some(_) if self.unknown => {
                let at = self.handover.as_ref().map(|h| h.at).unwrap_or_default();
                if at.iter().flatten().any(|&at| at > 0) {
                    f.stack.push("data".into());
                }
            }
            Some(_) => {
                self.outer.facts(&mut f);
                let name = self.outer.handover_name();
                if !name.is_empty() {
                    f.stack.push(name.into());
                }
            }
            None => self.outer.facts(&mut f),
        }
        if let Some(inner) = self.inner() {
            inner.facts(&mut f);
        }
        f
    }

    /// The TLS facts of the flow, from whichever layer ran the TLS handshake.
    pub fn tls(&self) -> Option<&super::tls::TlsFacts> {
        self.inner()
            .and_then(|i| i.tls())
            .or_else(|| self.outer.tls())
    }
}

/// A flow read with its roles reversed: the endpoint that opened the connection plays
/// the protocol's server (a reverse SOCKS proxy). Directions are swapped on the way in.
#[derive(Debug)]
struct Reversed(Box<Stack>);

impl Dissector for Reversed {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        Fed::Done(self.0.feed(dir.reverse(), base, data, flush, out))
    }

    fn gap(&mut self, dir: Direction, at: u64, len: u64, out: &mut Emitter) {
        self.0.gap(dir.reverse(), at, len, out);
    }

    fn lose_sync(&mut self, dir: Direction) {
        self.0.lose_sync(dir.reverse());
    }

    fn compact(&mut self) {
        self.0.compact();
    }

    fn facts(&self, facts: &mut Facts) {
        let inner = self.0.facts();
        facts.stack.push("reversed".into());
        facts.stack.extend(inner.stack);
        facts.details.extend(inner.details);
        if inner.tls.is_some() {
            facts.tls = inner.tls;
        }
        if inner.protection.is_some() {
            facts.protection = inner.protection;
        }
    }

    fn tls(&self) -> Option<&super::tls::TlsFacts> {
        self.0.tls()
    }
}

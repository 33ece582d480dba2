//! Protocol dissectors: what a flow's payload says, field by field.
//!
//! A protocol is one file here: a type implementing [`Dissector`], its fields (the
//! [`crate::fields!`] table at the top of the file), and one line in [`registry`] that
//! says how it is recognised (content first, port second). The same seam serves TCP
//! streams and UDP datagrams:
//!
//! - on TCP, a dissector sees one direction's contiguous, reassembled bytes at a time,
//!   with their stream offset, and returns how many bytes from the front it has fully
//!   labelled ([`Fed::Done`]); the rest is offered again with more data appended. A
//!   protocol that hands its connection to another one at a message boundary (STARTTLS,
//!   an SSL request, a SOCKS or CONNECT tunnel) says so with [`Fed::Handover`]; the
//!   flow's [`stack::Stack`] then gives that direction to the protocol found there;
//! - on UDP, each datagram is fed whole, once, with `flush` set.
//!
//! Dissectors report in stream (or datagram) coordinates: spans ([`StreamSpan`]),
//! short descriptions for packet lines ([`Event`]) and notes. The flow stage maps those
//! back onto the frames that carried the bytes. Dissectors are pure functions of their
//! input bytes and their own state: no I/O, no formatting beyond owned descriptions.
//! A flow holds the state of the protocol it runs, not of every protocol.

pub mod demux;
pub mod der;
pub mod dns;
pub mod dtls;
pub mod esp;
pub mod framing;
pub mod ftp_data;
pub mod h2;
pub mod hpack;
pub mod http;
pub mod ike;
pub mod inner;
pub mod kerberos;
pub mod keyview;
pub mod ldap;
pub mod mail;
pub mod mqtt;
pub mod mysql;
pub mod ntlmssp;
pub mod openvpn;
pub mod postgres;
pub mod quic;
pub mod rdp;
pub mod redis;
pub mod registry;
pub mod rtp;
pub mod sip;
pub mod smb;
pub mod snmp;
pub mod socks;
pub mod ssh;
pub mod stack;
pub mod stun;
pub mod stun_tcp;
pub mod telnet;
pub mod tls;
pub mod unknown;
pub mod websocket;
pub mod wireguard;
pub mod xmpp;

use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;
use std::fmt;
use std::ops::Range;

/// Which way bytes travel in a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the endpoint that opened the connection (sent the SYN, or spoke first).
    ToServer,
    ToClient,
}

impl Direction {
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }

    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

/// A labelled range of one direction's stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamSpan {
    pub range: Range<u64>,
    pub field: FieldId,
    pub vis: Visibility,
}

/// A description of something that starts at stream offset `at`, for the packet line
/// of the frame that carries that byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: u64,
    pub desc: Desc,
}

/// Owned, short descriptions; the renderer decides how they read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Desc {
    /// A TLS record starts here.
    TlsRecord {
        version: tls::TlsVersion,
        content: tls::ContentType,
        len: u16,
        /// Its body is ciphertext.
        encrypted: bool,
        /// For a protected record, what its length tells about the plaintext inside.
        plaintext: Option<PlainLen>,
    },
    /// A plaintext handshake message starts here.
    TlsHandshake {
        version: tls::TlsVersion,
        msg: tls::HandshakeType,
        /// Facts worth showing on the line, such as `SNI=example.com`.
        detail: Vec<String>,
    },
    /// A plaintext alert.
    TlsAlert { level: u8, description: u8 },
    /// Readable text.
    Text,
    /// A plaintext application message: `HTTP GET /login`, `SMTP STARTTLS`; `leaks`
    /// name what it gives away (`Authorization: Basic alice:secret`).
    App {
        proto: &'static str,
        text: String,
        leaks: Vec<String>,
    },
    /// A fact an observer learns, decoded where it was encoded, for reports.
    Leak {
        kind: crate::span::LeakKind,
        value: String,
    },
    /// A DNS answer (or an HTTPS/SVCB address hint) tied these names to this address:
    /// an observer remembers it, and later flows to the address are named by it.
    Resolved {
        names: Vec<String>,
        addr: std::net::IpAddr,
    },
    /// A name this flow's bytes give away, and how (an HTTP Host header, a
    /// certificate): for the flow's list of names an observer learned.
    Named { name: String, source: NameSource },
    /// An encrypted unit of a protocol other than TLS starts here (an SSH packet, a
    /// WireGuard transport message, an ESP packet, a DTLS record): `len` bytes on the
    /// wire, and what its size tells about the message inside, when the protocol and
    /// its cipher say (`None`: unknown).
    Sealed {
        proto: &'static str,
        /// What the unit is called: `packet`, `record`, `transport data`.
        unit: &'static str,
        len: u32,
        plaintext: Option<PlainLen>,
    },
}

/// How an observer came to associate a name with a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameSource {
    /// The server name of a TLS (or QUIC, DTLS) ClientHello.
    Sni,
    /// The outer server name of a ClientHello offering ECH: the ECH public name, or
    /// the destination itself when the ECH is GREASE.
    EchPublic,
    /// An earlier DNS answer pointed to this server's address.
    Dns,
    /// An HTTP Host header.
    HttpHost,
    /// A name in the server's certificate.
    Certificate,
    /// An application protocol the client offered or the server chose.
    Alpn,
}

impl NameSource {
    pub fn name(self) -> &'static str {
        match self {
            NameSource::Sni => "sni",
            NameSource::EchPublic => "ech-public",
            NameSource::Dns => "dns",
            NameSource::HttpHost => "http-host",
            NameSource::Certificate => "certificate",
            NameSource::Alpn => "alpn",
        }
    }
}

/// What an observer can infer about the length of the plaintext inside an encrypted
/// unit: between `min` and `max` bytes (equal when the cipher allows exactness).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainLen {
    pub min: u32,
    pub max: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamNote {
    pub at: Range<u64>,
    pub severity: Severity,
    pub group: NoteGroup,
    pub text: String,
}

/// What the endpoints read in one protected unit (a TLS record, a QUIC packet),
/// decrypted with their keys: the key holder's view, kept apart from the observer's
/// labels (which decryption never changes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decrypted {
    /// Stream (or datagram) offset of the unit's first byte and after its last: it is
    /// shown with the frame that carries its last byte.
    pub at: u64,
    pub end: u64,
    /// `TLS`, `QUIC`, `DTLS`.
    pub proto: &'static str,
    /// The content type inside (TLS 1.3: the real one, not the outer 23); QUIC
    /// packets say `Handshake` (CRYPTO frames) or `ApplicationData` (STREAM frames).
    pub content: tls::ContentType,
    /// Plaintext bytes.
    pub len: u32,
    /// The plaintext, when the output wants it (bounded per frame); empty otherwise.
    pub plaintext: Vec<u8>,
    /// What the plaintext says, for the packet line: `HTTP GET /`,
    /// `Certificate (CN=localhost)`.
    pub says: Vec<String>,
    /// What it gives away that only the endpoints see: credentials, cookies, names.
    pub secrets: Vec<String>,
}

/// A connection another one announced (an FTP data connection): the flow table
/// remembers it, and reads the connection that arrives there as `proto`.
#[derive(Clone, Copy, Debug)]
pub struct Expect {
    /// The endpoint that will listen: the control connection's server (`true`: passive
    /// mode) or its client (`false`: active mode).
    pub listener_is_server: bool,
    /// The listening address, when the announcement names one (`None`: the listener's
    /// address on the control connection).
    pub addr: Option<std::net::IpAddr>,
    pub port: u16,
    pub proto: &'static registry::Protocol,
}

/// Collects what a dissector reports during one call.
#[derive(Debug, Default)]
pub struct Emitter {
    pub spans: Vec<StreamSpan>,
    pub events: Vec<Event>,
    pub notes: Vec<StreamNote>,
    /// Units decrypted with the endpoints' keys (only with a key log).
    pub decrypted: Vec<Decrypted>,
    /// Connections this one announced.
    pub expects: Vec<Expect>,
    /// No flow reports are built, so nothing reads JA3, JA3S or JA4 (hello messages
    /// skip computing them: a few per cent of `show`), nor the events only reports
    /// read: [`Desc::Leak`], [`Desc::Named`] and [`Desc::Resolved`], which
    /// [`Emitter::event`] then drops (dissectors skip building them where it costs).
    pub no_reports: bool,
    /// Consecutive spans that read alike ([`crate::fields::FieldId::reads_as`]) become
    /// one, for a sink that reads labels, not fields
    /// ([`crate::engine::EngineConfig::fields`]).
    pub merge: bool,
    /// No sink prints descriptions ([`crate::engine::EngineConfig::descriptions`]):
    /// [`Desc::App`] events are dropped, and dissectors skip the texts only packet
    /// lines show (a handshake message's `detail`, a message's words) where making
    /// them costs ([`Emitter::descriptions`]).
    pub no_descriptions: bool,
    /// Reports are built but nothing reads their fingerprints
    /// ([`crate::engine::EngineConfig::fingerprints`]): hellos skip hashing them.
    pub no_fingerprints: bool,
    /// Field ranges of one message, lent to a dissector that lays out a message at a
    /// time ([`Emitter::take_parts`]), so that it allocates no list per message.
    parts: Vec<(Range<usize>, FieldId)>,
}

impl Emitter {
    /// An emitter for the sink `config` describes: flow reports (`reports`), fields
    /// (`fields`: else spans that read alike merge), descriptions and fingerprints.
    pub fn for_sink(config: &crate::engine::EngineConfig) -> Emitter {
        Emitter {
            no_reports: !config.reports,
            merge: !config.fields,
            no_descriptions: !config.descriptions,
            no_fingerprints: !config.fingerprints,
            ..Emitter::default()
        }
    }

    /// Whether anything reads what packet lines show: [`Desc::App`] texts, the
    /// `detail` of [`Desc::TlsHandshake`].
    pub fn descriptions(&self) -> bool {
        !self.no_descriptions
    }

    /// An empty list for a message's field ranges, with the room the last one had;
    /// give it back with [`Emitter::put_parts`].
    pub fn take_parts(&mut self) -> Vec<(Range<usize>, FieldId)> {
        let mut parts = std::mem::take(&mut self.parts);
        parts.clear();
        parts
    }

    /// Keeps `parts`' room for the next message (up to a bound: one huge message does
    /// not keep its room).
    pub fn put_parts(&mut self, parts: Vec<(Range<usize>, FieldId)>) {
        if parts.capacity() <= 256 {
            self.parts = parts;
        }
    }

    /// Whether hello messages should compute their JA3/JA3S/JA4 fingerprints: a
    /// report is built and its sink reads them.
    pub fn fingerprints(&self) -> bool {
        !self.no_reports && !self.no_fingerprints
    }

    /// Whether anything reads the events only flow reports read ([`Desc::Leak`],
    /// [`Desc::Named`], [`Desc::Resolved`]).
    pub fn report_events(&self) -> bool {
        !self.no_reports
    }

    pub fn span(&mut self, range: Range<u64>, field: FieldId, vis: Visibility) {
        if range.start < range.end {
            // Merge with the previous span when it continues it: app data arrives in
            // many small pieces.
            if let Some(last) = self.spans.last_mut() {
                if last.range.end == range.start
                    && last.vis == vis
                    && (last.field == field || self.merge && last.field.reads_as(field))
                {
                    last.range.end = range.end;
                    return;
                }
            }
            self.spans.push(StreamSpan { range, field, vis });
        }
    }

    /// A span with the field's default visibility.
    pub fn field(&mut self, range: Range<u64>, field: FieldId) {
        self.span(range, field, field.def().vis);
    }

    pub fn event(&mut self, at: u64, desc: Desc) {
        if self.no_reports
            && matches!(
                desc,
                Desc::Leak { .. } | Desc::Named { .. } | Desc::Resolved { .. }
            )
            || self.no_descriptions && matches!(desc, Desc::App { .. })
        {
            return;
        }
        self.events.push(Event { at, desc });
    }

    pub fn note(&mut self, at: Range<u64>, severity: Severity, group: NoteGroup, text: String) {
        self.notes.push(StreamNote {
            at,
            severity,
            group,
            text,
        });
    }

    /// Takes `outer`'s switches for what nobody reads (reports' events, descriptions,
    /// fingerprints): for an emitter a dissector keeps to run another inside it
    /// (OpenVPN's TLS) and hands the output of to `outer`.
    pub fn skip_as(&mut self, outer: &Emitter) {
        self.no_reports = outer.no_reports;
        self.no_descriptions = outer.no_descriptions;
        self.no_fingerprints = outer.no_fingerprints;
    }

    pub fn clear(&mut self) {
        self.spans.clear();
        self.events.clear();
        self.notes.clear();
        self.decrypted.clear();
        self.expects.clear();
    }
}

/// What a [`Dissector`] did with the bytes it was offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fed {
    /// This many bytes from the front are labelled; the rest waits for more.
    Done(usize),
    /// This many bytes are labelled, and from the next byte on this direction carries
    /// another protocol (TLS after STARTTLS, whatever a SOCKS or CONNECT tunnel carries).
    Handover(usize),
}

/// One protocol's dissection of one flow (both directions): its own state only.
pub trait Dissector: fmt::Debug + Send {
    /// Labels bytes from the front of `data`, whose first byte is at stream offset
    /// `base` (for a datagram: its offset in the datagram's frame). With `flush`,
    /// everything must be labelled: the stream ends, a gap follows, or `data` is a
    /// whole datagram.
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed;

    /// `len` bytes are missing from the stream at `at` (a lost segment, the snap
    /// length): message framing is lost until the protocol finds its footing again.
    /// A note is the dissector's to give, if it has more to say than the flow stage.
    fn gap(&mut self, dir: Direction, at: u64, len: u64, out: &mut Emitter);

    /// Bytes were given up as undecoded by the flow stage (a buffer bound): framing
    /// is gone, without a note of the dissector's own.
    fn lose_sync(&mut self, dir: Direction) {
        let mut quiet = Emitter::default();
        self.gap(dir, 0, 0, &mut quiet);
    }

    /// The connection is over: buffers can go (late retransmissions may still come).
    fn compact(&mut self) {}

    /// What this protocol tells the flow's report: its layer in the stack, and facts.
    fn facts(&self, facts: &mut Facts);

    /// What a hand-over from this protocol is called in a flow's stack (`STARTTLS`,
    /// `SSLRequest`); empty for none.
    fn handover_name(&self) -> &'static str {
        ""
    }

    /// The protocol a hand-over from this one announced (`Upgrade: websocket`): what
    /// follows is read as that protocol, not recognised by content. `None` (the
    /// default) to recognise it by content.
    fn handover_protocol(&self) -> Option<&'static registry::Protocol> {
        None
    }

    /// Whether this protocol may run with the roles reversed, its client being the
    /// endpoint that accepted the connection (a reverse SOCKS proxy): tried, by
    /// content, on a flow nothing else recognised.
    fn reversible(&self) -> bool {
        false
    }

    /// The TLS facts, for protocols that run a TLS handshake (TLS, QUIC, DTLS).
    fn tls(&self) -> Option<&tls::TlsFacts> {
        None
    }

    /// The endpoints' secrets, for protocols that can decrypt with them (TLS, QUIC,
    /// DTLS); given once, right after the dissector is made. `ports` are the flow's
    /// (client, server): the key holder's view falls back on them to recognise what
    /// the decrypted content carries (SMTP's client speaking first after STARTTLS).
    fn use_keys(&mut self, _keys: &crate::keys::KeyRing, _ports: (u16, u16)) {}
}

/// What a flow's dissectors tell its report when the flow ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Protocol layers above the transport, outermost first: `SMTP`, `STARTTLS`, `TLS`.
    pub stack: Vec<String>,
    /// What a TLS (or QUIC) handshake told an observer.
    pub tls: Option<tls::TlsFacts>,
    /// What protects the content, for an encrypting protocol other than TLS (SSH,
    /// DTLS, WireGuard, IPsec, OpenVPN…): what the verdict names.
    pub protection: Option<Protection>,
    /// Other facts an observer learned, by dotted name, in the order found
    /// (`ssh.server.version`: `OpenSSH_9.2p1`, `ssh.host_key.sha256`: `SHA256:…`).
    pub details: Vec<(&'static str, String)>,
}

impl Facts {
    /// Adds the details that are known, by dotted name, in the order given.
    pub fn details_known<'a>(
        &mut self,
        known: impl IntoIterator<Item = (&'static str, &'a Option<String>)>,
    ) {
        for (name, value) in known {
            if let Some(v) = value {
                self.details.push((name, v.clone()));
            }
        }
    }
}

/// How a protocol protects its content, as the handshake negotiated it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protection {
    /// `SSH-2.0`, `WireGuard`, `ESP`, `DTLS 1.2`.
    pub proto: String,
    /// The negotiated cipher, in the protocol's own words (`aes256-gcm@openssh.com`).
    pub cipher: Option<String>,
    /// The negotiated MAC, when the cipher is not an AEAD.
    pub mac: Option<String>,
    /// Weaknesses an observer (or an active attacker) can use, in words: `NULL
    /// encryption: the content is readable`, `anonymous key exchange`, `RC4`.
    pub weaknesses: Vec<String>,
    /// The content is not encrypted at all (a NULL cipher): readable despite the
    /// protocol.
    pub readable: bool,
}

#[cfg(test)]
mod tests;

//! Protocol dissectors that work on reassembled stream bytes (and on datagrams).
//!
//! A dissector sees one direction's contiguous bytes at a time, with their stream
//! offset, and reports in stream coordinates: spans ([`StreamSpan`]), short
//! descriptions for packet lines ([`Event`]) and notes. The flow stage maps those
//! back onto the frames that carried the bytes. A dissector returns how many bytes
//! from the front it has fully labelled; the rest is offered again with more data.
//!
//! Dissectors are pure functions of their input bytes and their own state: no I/O,
//! no formatting beyond the owned descriptions.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod dns;
pub mod plain;
pub mod quic;
pub mod stream;
pub mod text;
pub mod tls;

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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamNote {
    pub at: Range<u64>,
    pub severity: Severity,
    pub group: NoteGroup,
    pub text: String,
}

/// Collects what a dissector reports during one call.
#[derive(Debug, Default)]
pub struct Emitter {
    pub spans: Vec<StreamSpan>,
    pub events: Vec<Event>,
    pub notes: Vec<StreamNote>,
}

impl Emitter {
    pub fn span(&mut self, range: Range<u64>, field: FieldId, vis: Visibility) {
        if range.start < range.end {
            // Merge with the previous span when it continues it: app data arrives in
            // many small pieces.
            if let Some(last) = self.spans.last_mut() {
                if last.range.end == range.start && last.field == field && last.vis == vis {
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

    pub fn clear(&mut self) {
        self.spans.clear();
        self.events.clear();
        self.notes.clear();
    }
}

/// What a flow's payload turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppProto {
    Tls,
    Text,
    Unknown,
}

impl fmt::Display for AppProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AppProto::Tls => "TLS",
            AppProto::Text => "text",
            AppProto::Unknown => "unknown",
        })
    }
}

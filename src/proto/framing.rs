//! What the message-based protocols share: line framing (SMTP, POP3, IMAP, FTP, HTTP
//! heads, XMPP), length framing (LDAP's BER, MySQL's packets), and the check, at every
//! message boundary, for a TLS handshake that takes the connection over (STARTTLS,
//! `AUTH TLS`, `STLS`, LDAP StartTLS, XMPP `<starttls/>`, SOCKS, HTTP `CONNECT`,
//! database SSL requests all look like that on the wire: [`Fed::Handover`]).
//!
//! Lines are bounded ([`MAX_LINE`]): a longer line is labelled readable without being
//! parsed, with a note, so a 10 MB header line never waits in memory. Messages are
//! bounded ([`MAX_FRAMED`]) the same way.

use super::tls::record::Plausible;
use super::tls::starts_here;
use super::{unknown, Desc, Emitter, Fed};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

/// Longest line parsed; longer lines are labelled readable in pieces, unparsed.
pub const MAX_LINE: usize = 64 * 1024;

/// Labels a line's bytes: the listed fields, and `fill` for every byte between them.
pub fn line_spans(
    out: &mut Emitter,
    at: u64,
    len: usize,
    parts: &[(Range<usize>, FieldId)],
    fill: FieldId,
) {
    let mut pos = 0usize;
    for (r, field) in parts {
        let r = r.start.min(len)..r.end.min(len);
        if r.start < pos || r.start >= r.end {
            continue;
        }
        if r.start > pos {
            out.field(at + pos as u64..at + r.start as u64, fill);
        }
        out.field(at + r.start as u64..at + r.end as u64, *field);
        pos = r.end;
    }
    if pos < len {
        out.field(at + pos as u64..at + len as u64, fill);
    }
}

/// The text of a line without its line end, lossily, for descriptions.
pub fn line_text(line: &[u8]) -> String {
    line_str(line).into_owned()
}

/// [`line_text`] without a copy when the line is UTF-8 (its length and emptiness are
/// the same).
pub fn line_str(line: &[u8]) -> std::borrow::Cow<'_, str> {
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    crate::text::lossy(line.get(..end).unwrap_or(&[]))
}

/// Splits a line into words, with their ranges.
pub fn words(line: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in line.iter().enumerate() {
        let space = b == b' ' || b == b'\t' || b == b'\r' || b == b'\n';
        match (start, space) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..line.len());
    }
    out
}

/// What a length-framed protocol's header says (see [`framed`]).
pub enum Header {
    /// More bytes are needed to read it.
    NeedMore,
    /// Not this protocol's header: framing is lost.
    Bad,
    /// The whole message, header included, is this long.
    Len(usize),
}

/// The rest of a message too long to gather, labelled as it arrives with one field:
/// what a length-framed protocol does with a frame past its parse bound.
#[derive(Debug, Default, Clone, Copy)]
pub struct Skip {
    left: u64,
    field: Option<FieldId>,
}

impl Skip {
    /// `left` more bytes of the current message are to be labelled `field`.
    pub fn start(&mut self, left: u64, field: FieldId) {
        *self = Skip {
            left,
            field: Some(field),
        };
    }

    /// Inside such a message (a gap there keeps the framing: the length is known).
    pub fn active(&self) -> bool {
        self.left > 0
    }

    /// Labels what of `rest` (at stream offset `at`) belongs to the message; returns
    /// how many bytes, 0 when none is left.
    pub fn take(&mut self, at: u64, rest: &[u8], out: &mut Emitter) -> usize {
        let n = rest
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        if n > 0 {
            if let Some(f) = self.field {
                out.field(at..at + n as u64, f);
            }
            self.left -= n as u64;
        }
        n
    }
}

/// One direction of a length-framed protocol (LDAP's BER, MySQL's packets).
#[derive(Debug, Default)]
pub struct Framing {
    /// Bytes of a long message still to label without parsing.
    skip: Skip,
    /// Framing was lost (a gap, or bytes that are not a header): the rest is
    /// classified as unknown payload; TLS is still recognised if it starts.
    lost: bool,
}

impl Framing {
    /// Bytes are missing: where the next message starts is unknown.
    pub fn lose(&mut self) {
        self.skip = Skip::default();
        self.lost = true;
    }
}

/// Largest length-framed message parsed whole; a longer one is described from its
/// first bytes and labelled `field` as the rest arrives, never waited for.
pub const MAX_FRAMED: usize = 64 * 1024;

/// Runs a length-framed protocol over `data` (stream offset `base`): TLS is looked for
/// before each message; `header` reads a message's length; `message` labels and
/// describes a message (or the first [`MAX_FRAMED`] bytes of a longer one, or what is
/// left of one the stream cut short).
#[allow(clippy::too_many_arguments)] // the protocol's field, name and two readers
pub fn framed(
    st: &mut Framing,
    data: &[u8],
    base: u64,
    flush: bool,
    out: &mut Emitter,
    field: FieldId,
    name: &str,
    header: impl Fn(&[u8]) -> Header,
    mut message: impl FnMut(u64, &[u8], &mut Emitter),
) -> Fed {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        let at = base + pos as u64;
        let n = st.skip.take(at, rest, out);
        if n > 0 {
            pos += n;
            continue;
        }
        match starts_here(rest) {
            Plausible::Yes(_) => return Fed::Handover(pos),
            Plausible::NeedMore if !flush => return Fed::Done(pos),
            _ => {}
        }
        if st.lost {
            unknown::classify_chunk_explained(at, rest, false, out);
            return Fed::Done(data.len());
        }
        let total = match header(rest) {
            Header::Len(n) => n,
            Header::NeedMore if flush => {
                out.field(at..at + rest.len() as u64, field);
                return Fed::Done(data.len());
            }
            Header::NeedMore => return Fed::Done(pos),
            Header::Bad => {
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("no {name} message starts here: the rest is not parsed"),
                );
                st.lost = true;
                continue;
            }
        };
        if total > MAX_FRAMED {
            let n = rest.len().min(total);
            message(at, rest.get(..n).unwrap_or(rest), out);
            st.skip.start((total - n) as u64, field);
            pos += n;
            continue;
        }
        match rest.get(..total) {
            Some(msg) => {
                message(at, msg, out);
                pos += total;
            }
            None if flush => {
                message(at, rest, out);
                out.note(
                    at..at + rest.len() as u64,
                    Severity::Note,
                    NoteGroup::Truncated,
                    format!("{name} message cut off: {} of {total} bytes", rest.len()),
                );
                return Fed::Done(data.len());
            }
            None => return Fed::Done(pos),
        }
    }
    Fed::Done(pos)
}

/// An application event at `at`, with each credential it shows also reported as a
/// credential leak (for `flows` and `check`).
pub fn app_event(
    out: &mut Emitter,
    at: u64,
    proto: &'static str,
    text: String,
    leaks: Vec<String>,
) {
    let wanted = out.report_events();
    for shown in leaks.iter().filter(|_| wanted) {
        out.event(
            at,
            Desc::Leak {
                kind: LeakKind::Credential,
                value: shown.clone(),
            },
        );
    }
    out.event(at, Desc::App { proto, text, leaks });
}

/// At a message boundary: does TLS start here? `None` means go on with the protocol.
pub fn upgrade_check(data: &[u8], flush: bool) -> Option<Fed> {
    match starts_here(data) {
        Plausible::Yes(_) => Some(Fed::Handover(0)),
        Plausible::NeedMore if !flush => Some(Fed::Done(0)),
        _ => None,
    }
}

/// Runs a line handler over complete lines, checking for TLS before each line.
pub fn lines(
    data: &[u8],
    flush: bool,
    base: u64,
    out: &mut Emitter,
    mut handle: impl FnMut(&[u8], u64, &mut Emitter),
) -> Fed {
    let mut pos = 0usize;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or(&[]);
        match starts_here(rest) {
            Plausible::Yes(_) => return Fed::Handover(pos),
            Plausible::NeedMore if !flush => return Fed::Done(pos),
            _ => {}
        }
        let at = base + pos as u64;
        match rest.iter().position(|&b| b == b'\n') {
            Some(nl) if nl < MAX_LINE => {
                let line = rest.get(..=nl).unwrap_or(rest);
                handle(line, at, out);
                pos += nl + 1;
            }
            _ if rest.len() >= MAX_LINE => {
                out.field(at..at + MAX_LINE as u64, crate::fields::TEXT);
                out.note(
                    at..at + MAX_LINE as u64,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("a line longer than {MAX_LINE} bytes: labelled readable, not parsed"),
                );
                pos += MAX_LINE;
            }
            _ if flush => {
                handle(rest, at, out);
                pos = data.len();
            }
            _ => return Fed::Done(pos),
        }
    }
    Fed::Done(pos)
}

//! A stream carried inside another protocol's units: the content of TLS records
//! under a NULL cipher (and, with keys, the decrypted content of any record), the
//! control channel of OpenVPN. Each direction's pieces are concatenated into an inner
//! stream that a [`Stack`] of its own recognises and dissects (HTTP inside NULL-cipher
//! TLS, so the credentials in it are found); what the inner dissector emits in inner
//! coordinates is mapped back onto the outer stream, split at piece boundaries.
//!
//! The outer dissector must not report outer bytes as labelled while the inner one
//! still holds some of them: [`Inner::waiting_from`] says from which outer offset bytes
//! are still waiting.

use super::stack::Stack;
use super::{Direction, Emitter, Facts, StreamSpan};
use crate::decode::Transport;
use crate::note::{NoteGroup, Severity};
use std::collections::VecDeque;
use std::ops::Range;

/// Inner bytes held per direction at most while the inner dissector waits for more;
/// beyond, they are labelled as they are (a flush) with a note.
pub const MAX_INNER_HELD: usize = 256 * 1024;

/// One piece of the inner stream: `len` bytes at inner offset `inner`, which sit at
/// outer offset `outer`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    inner: u64,
    outer: u64,
    len: u64,
}

#[derive(Debug, Default)]
struct InnerDir {
    /// Inner bytes not yet labelled, from inner offset `base`.
    buf: Vec<u8>,
    base: u64,
    /// Inner offset after the last byte pushed.
    next: u64,
    /// Pieces covering at least `base..next`, in order.
    pieces: VecDeque<Piece>,
}

impl InnerDir {
    /// The outer range of inner range `r`, split at piece boundaries.
    fn outer_ranges(&self, r: Range<u64>) -> impl Iterator<Item = Range<u64>> + '_ {
        self.pieces.iter().filter_map(move |p| {
            let a = r.start.max(p.inner);
            let b = r.end.min(p.inner + p.len);
            (a < b).then(|| p.outer + (a - p.inner)..p.outer + (b - p.inner))
        })
    }

    fn outer_at(&self, at: u64) -> Option<u64> {
        self.pieces
            .iter()
            .find(|p| p.inner <= at && at < p.inner + p.len)
            .map(|p| p.outer + (at - p.inner))
    }
}

/// The inner stream of one flow (both directions share its dissector).
#[derive(Debug)]
pub struct Inner {
    stack: Option<Stack>,
    dirs: [InnerDir; 2],
    ports: (u16, u16),
    scratch: Emitter,
}

impl Inner {
    pub fn new(ports: (u16, u16)) -> Inner {
        Inner {
            stack: None,
            dirs: Default::default(),
            ports,
            scratch: Emitter::default(),
        }
    }

    /// Adds `bytes`, found at outer offset `outer`, to `dir`'s inner stream and lets
    /// the inner dissector label what it can (everything, with `flush`).
    pub fn push(
        &mut self,
        dir: Direction,
        outer: u64,
        bytes: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) {
        let Some(d) = self.dirs.get_mut(dir.index()) else {
            return;
        };
        if !bytes.is_empty() {
            d.pieces.push_back(Piece {
                inner: d.next,
                outer,
                len: bytes.len() as u64,
            });
            d.buf.extend_from_slice(bytes);
            d.next += bytes.len() as u64;
        }
        let held = d.buf.len();
        if held > MAX_INNER_HELD {
            let at = d.base;
            if let Some(o) = d.outer_at(at) {
                out.note(
                    o..o + 1,
                    Severity::Warn,
                    NoteGroup::Reassembly,
                    format!(
                        "{held} bytes of the inner stream waited for a complete message \
                         (more than {MAX_INNER_HELD}): labelled as they are"
                    ),
                );
            }
        }
        self.run(dir, flush || held > MAX_INNER_HELD, out);
    }

    /// Labels everything `dir` still holds (the outer stream ends, or a gap follows).
    pub fn flush(&mut self, dir: Direction, out: &mut Emitter) {
        self.run(dir, true, out);
    }

    /// Bytes are missing from the inner stream (a gap in the outer one).
    pub fn gap(&mut self, dir: Direction, out: &mut Emitter) {
        self.flush(dir, out);
        if let (Some(stack), Some(d)) = (self.stack.as_mut(), self.dirs.get(dir.index())) {
            stack.gap(dir, d.next, 0, &mut self.scratch);
            self.scratch.clear();
        }
    }

    /// Bytes held for `dir` were given up by the flow stage: forget them.
    pub fn drop_held(&mut self, dir: Direction) {
        if let Some(d) = self.dirs.get_mut(dir.index()) {
            d.base = d.next;
            d.buf.clear();
            d.pieces.clear();
        }
    }

    /// The outer offset of the first byte the inner dissector still holds, if any:
    /// the outer dissector must not report bytes from there on as labelled.
    pub fn waiting_from(&self, dir: Direction) -> Option<u64> {
        let d = self.dirs.get(dir.index())?;
        if d.buf.is_empty() {
            return None;
        }
        d.outer_at(d.base)
    }

    /// The inner protocols' layers and facts, after the outer protocol's.
    pub fn facts(&self, facts: &mut Facts) {
        if let Some(stack) = &self.stack {
            let f = stack.facts();
            facts.stack.extend(f.stack);
            facts.details.extend(f.details);
            if facts.protection.is_none() {
                facts.protection = f.protection;
            }
        }
    }

    pub fn compact(&mut self) {
        for d in &mut self.dirs {
            d.buf = Vec::new();
            d.pieces = VecDeque::new();
        }
        if let Some(s) = self.stack.as_mut() {
            s.compact();
        }
    }

    fn run(&mut self, dir: Direction, flush: bool, out: &mut Emitter) {
        let Some(d) = self.dirs.get_mut(dir.index()) else {
            return;
        };
        if d.buf.is_empty() {
            return;
        }
        if self.stack.is_none() {
            self.stack = Stack::detect(&d.buf, dir, Transport::Tcp, self.ports, flush);
        }
        let Some(stack) = self.stack.as_mut() else {
            return;
        };
        let scratch = &mut self.scratch;
        scratch.clear();
        let n = stack
            .feed(dir, d.base, &d.buf, flush, scratch)
            .min(d.buf.len());
        d.buf.drain(..n);
        d.base += n as u64;
        // Map what the inner dissector said back onto the outer stream.
        for s in scratch.spans.drain(..) {
            let ranges: Vec<Range<u64>> = d.outer_ranges(s.range.clone()).collect();
            for r in ranges {
                out.spans.push(StreamSpan {
                    range: r,
                    field: s.field,
                    vis: s.vis,
                });
            }
        }
        for e in scratch.events.drain(..) {
            if let Some(at) = d.outer_at(e.at) {
                out.event(at, e.desc);
            }
        }
        for n in scratch.notes.drain(..) {
            let start = d.outer_at(n.at.start).unwrap_or(0);
            let end = d
                .outer_at(n.at.end.saturating_sub(1))
                .map_or(start, |e| e + 1);
            out.note(start..end.max(start), n.severity, n.group, n.text);
        }
        // Pieces wholly behind the labelled point are done.
        while d.pieces.front().is_some_and(|p| p.inner + p.len <= d.base) {
            d.pieces.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_across_two_pieces_maps_back_to_outer_offsets() {
        let mut inner = Inner::new((40000, 443));
        let mut out = Emitter::default();
        // "GET / HTTP/1.1\r\nHost: a\r\n\r\n" in two pieces at outer 100 and 200.
        inner.push(
            Direction::ToServer,
            100,
            b"GET / HTTP/1.1\r\nHo",
            false,
            &mut out,
        );
        assert_eq!(
            inner.waiting_from(Direction::ToServer),
            Some(100),
            "HTTP waits for the head"
        );
        inner.push(Direction::ToServer, 200, b"st: a\r\n\r\n", false, &mut out);
        assert_eq!(inner.waiting_from(Direction::ToServer), None);
        let covered: u64 = out.spans.iter().map(|s| s.range.end - s.range.start).sum();
        assert_eq!(covered, 27, "every inner byte labelled once");
        assert!(out
            .spans
            .iter()
            .all(|s| (100..118).contains(&s.range.start) || (200..209).contains(&s.range.start)));
        let host = out
            .spans
            .iter()
            .find(|s| s.field.name() == "http.host")
            .unwrap();
        assert_eq!(
            host.range.start,
            200 + 4,
            "the Host value sits in the second piece"
        );
        let mut f = Facts::default();
        inner.facts(&mut f);
        assert_eq!(f.stack, ["HTTP"]);
    }
}

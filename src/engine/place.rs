//! Where labels land: mapping what a dissector emitted (stream or datagram offsets)
//! back onto the frames that carried those bytes, and the frames that wait for them.
//!
//! A TCP direction's segment map ([`crate::flow::TcpDir::segs`], plus duplicate
//! carriers) says which frame carried each stream byte; a datagram's carriers say
//! which IP fragment carried each byte of a reassembled datagram. A frame leaves the
//! pending queue once none of its stretches waits for a label (`open == 0`).

use super::Pending;
use crate::flow::{self, Flow};
use crate::note::{Note, NoteGroup, Severity};
use crate::proto::{Decrypted, Direction, Emitter};
use crate::span::Span;
use std::collections::VecDeque;

/// Where frame `frame` waits. One engine numbers its pending frames without gaps, so
/// the offset from the head finds it; an engine of `-j N` holds only its shard's frames
/// and searches.
fn position(pending: &VecDeque<Pending>, frame: u64) -> Option<usize> {
    let head = pending.front()?.frame.number;
    let i = usize::try_from(frame.checked_sub(head)?).ok()?;
    if pending.get(i).is_some_and(|p| p.frame.number == frame) {
        return Some(i);
    }
    pending
        .binary_search_by_key(&frame, |p| p.frame.number)
        .ok()
}

pub(super) fn pending_ref(pending: &VecDeque<Pending>, frame: u64) -> Option<&Pending> {
    pending.get(position(pending, frame)?)
}

pub(super) fn pending_mut(pending: &mut VecDeque<Pending>, frame: u64) -> Option<&mut Pending> {
    let i = position(pending, frame)?;
    pending.get_mut(i)
}

/// Where a stretch of a (possibly reassembled) datagram sits: datagram offset and
/// length, frame and frame offset. An unfragmented frame is its own single carrier.
#[derive(Clone, Copy, Debug)]
pub(super) struct Carrier {
    pub at: u32,
    pub len: u32,
    pub frame: u64,
    pub frame_off: u32,
}

/// Puts what a datagram dissector emitted (offsets in the datagram) on the frames
/// that carry those bytes; events and notes outside every carrier go to `current`.
pub(super) fn place(
    pending: &mut VecDeque<Pending>,
    carriers: &[Carrier],
    out: &mut Emitter,
    current: u64,
) {
    let find = |at: u64| {
        carriers
            .iter()
            .find(|c| u64::from(c.at) <= at && at < u64::from(c.at + c.len))
    };
    for s in out.spans.drain(..) {
        for c in carriers {
            let a = s.range.start.max(u64::from(c.at));
            let b = s.range.end.min(u64::from(c.at + c.len));
            if a >= b {
                continue;
            }
            if let Some(p) = pending_mut(pending, c.frame) {
                let fa = c.frame_off + (a - u64::from(c.at)) as u32;
                let fb = c.frame_off + (b - u64::from(c.at)) as u32;
                p.decoded.spans.push(Span::new(fa..fb, s.field, s.vis));
            }
        }
    }
    for e in out.events.drain(..) {
        let frame = find(e.at).map_or(current, |c| c.frame);
        if let Some(p) = pending_mut(pending, frame) {
            p.events.push(e.desc);
        }
    }
    for d in out.decrypted.drain(..) {
        let frame = find(d.end.saturating_sub(1)).map_or(current, |c| c.frame);
        if let Some(p) = pending_mut(pending, frame) {
            keep_decrypted(p, d);
        }
    }
    for n in out.notes.drain(..) {
        let (frame, range) = match find(n.at.start) {
            Some(c) => {
                let a = c.frame_off + (n.at.start - u64::from(c.at)) as u32;
                let b =
                    c.frame_off + (n.at.end.min(u64::from(c.at + c.len)) - u64::from(c.at)) as u32;
                (c.frame, Some(a..b))
            }
            None => (current, None),
        };
        if let Some(p) = pending_mut(pending, frame) {
            let mut note = Note::new(n.severity, n.group, n.text);
            note.range = range;
            p.decoded.notes.push(note);
        }
    }
}

/// Maps what a dissector emitted for one direction onto the frames that carry those
/// stream bytes, then retires the segments that are now fully labelled.
pub(super) fn project(
    flow: &mut Flow,
    dir: Direction,
    out: &mut Emitter,
    pending: &mut VecDeque<Pending>,
    current: u64,
    ending: bool,
) {
    // A direction that never had a segment is not made for nothing to place (a flow's
    // unused direction at its end).
    let nothing = out.spans.is_empty()
        && out.events.is_empty()
        && out.notes.is_empty()
        && out.decrypted.is_empty();
    if nothing && flow.tcp.existing_mut(dir).is_none() {
        return;
    }
    let state = flow.tcp.get_mut(dir);
    // Consecutive spans mostly fall in the segment the previous one started in.
    let mut hint = 0;
    let batch = out.spans.len();
    for (i, span) in out.spans.drain(..).enumerate() {
        let x = span.range.start;
        let first = if state
            .segs
            .get(hint)
            .is_some_and(|s| s.start <= x && x < s.end())
        {
            hint
        } else {
            state.segs.partition_point(|s| s.end() <= x)
        };
        hint = first;
        let carriers = state
            .segs
            .iter()
            .skip(first)
            .take_while(|seg| seg.start < span.range.end)
            .chain(
                state
                    .dups()
                    .iter()
                    .filter(|d| d.start < span.range.end && d.end() > span.range.start),
            );
        for seg in carriers {
            let s = span.range.start.max(seg.start);
            let e = span.range.end.min(seg.end());
            if let Some(p) = pending_mut(pending, seg.frame) {
                let a = seg.frame_off + (s - seg.start) as u32;
                let b = seg.frame_off + (e - seg.start) as u32;
                p.decoded.spans.push(Span::new(a..b, span.field, span.vis));
            }
        }
        state.remember(&span, batch - i);
    }
    // What no segment carries goes on the frame being read; when the flow is ending,
    // on the frame of the first segment after it (the bytes that waited behind a
    // hole), which this flow holds: the frame being read may then be another flow's,
    // which `-j N` holds in another shard.
    let after = |at: u64| {
        if !ending {
            return current;
        }
        state
            .segs
            .iter()
            .find(|s| s.start >= at)
            .or(state.segs.back())
            .map_or(current, |s| s.frame)
    };
    for event in out.events.drain(..) {
        let frame = seg_frame(&state.segs, event.at).unwrap_or_else(|| after(event.at));
        if let Some(p) = pending_mut(pending, frame) {
            p.events.push(event.desc);
        }
    }
    for d in out.decrypted.drain(..) {
        let frame = seg_frame(&state.segs, d.end.saturating_sub(1)).unwrap_or(current);
        if let Some(p) = pending_mut(pending, frame) {
            keep_decrypted(p, d);
        }
    }
    for note in out.notes.drain(..) {
        let seg = state
            .segs
            .iter()
            .find(|s| s.start <= note.at.start && note.at.start < s.end());
        let (frame, range) = match seg {
            Some(seg) => {
                let a = seg.frame_off + (note.at.start - seg.start) as u32;
                let b = seg.frame_off + (note.at.end.min(seg.end()) - seg.start) as u32;
                (seg.frame, Some(a..b))
            }
            None => (after(note.at.start), None),
        };
        if let Some(p) = pending_mut(pending, frame) {
            let mut n = Note::new(note.severity, note.group, note.text);
            n.range = range;
            p.decoded.notes.push(n);
        }
    }
    let done = state.labelled_to();
    while state.segs.front().is_some_and(|s| s.end() <= done) {
        if let Some(seg) = state.segs.pop_front() {
            if let Some(p) = pending_mut(pending, seg.frame) {
                p.open = p.open.saturating_sub(1);
            }
        }
    }
    if let Some(dups) = state.dups_mut().filter(|d| !d.is_empty()) {
        dups.retain(|seg| {
            let keep = seg.end() > done;
            if !keep {
                if let Some(p) = pending_mut(pending, seg.frame) {
                    p.open = p.open.saturating_sub(1);
                }
            }
            keep
        });
    }
}

/// Decrypted plaintext kept per frame for the output, at most; beyond it, units
/// keep their description and length, and a note says the rest is not shown.
pub const MAX_PLAINTEXT_PER_FRAME: usize = 64 * 1024;

fn keep_decrypted(p: &mut Pending, mut d: Decrypted) {
    let kept: usize = p.decrypted.iter().map(|d| d.plaintext.len()).sum();
    if kept + d.plaintext.len() > MAX_PLAINTEXT_PER_FRAME && !d.plaintext.is_empty() {
        d.plaintext = Vec::new();
        p.decoded.notes.push(Note::new(
            Severity::Note,
            NoteGroup::Reassembly,
            format!(
                "decrypted plaintext beyond {MAX_PLAINTEXT_PER_FRAME} bytes in this frame \
                 is not shown"
            ),
        ));
    }
    // Bounded too: units per frame (a frame can end many small records).
    if p.decrypted.len() < 4096 {
        p.decrypted.push(d);
    }
}

/// Held segments that were given up: their frames stop waiting, with a note.
pub(super) fn release_dropped(
    pending: &mut VecDeque<Pending>,
    dropped: Vec<(u64, std::ops::Range<u32>)>,
) {
    for (frame, range) in dropped {
        if let Some(p) = pending_mut(pending, frame) {
            p.open = p.open.saturating_sub(1);
            p.decoded.notes.push(
                Note::new(
                    Severity::Warn,
                    NoteGroup::Reassembly,
                    "this segment came after a hole that was never filled: left undecoded",
                )
                .at(range),
            );
        }
    }
}

fn seg_frame(segs: &flow::Segs, at: u64) -> Option<u64> {
    let i = segs.partition_point(|s| s.end() <= at);
    segs.get(i).filter(|s| s.start <= at).map(|s| s.frame)
}

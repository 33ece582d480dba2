//! One direction of a TCP connection: reassembly into a contiguous stream, and the
//! bookkeeping that lets labels find their way back to every frame that carried a byte.
//!
//! Stream offsets are 64-bit, counted from the first byte followed (after the SYN, or
//! the first segment seen when the handshake was not captured); sequence numbers wrap.
//! A segment's bytes fall in four places:
//! 1. already labelled: a retransmission; its bytes take the labels of their first copy
//!    (kept in a short label history), with a note;
//! 2. delivered but not yet labelled (a dissector waits for more): the frame becomes a
//!    *duplicate carrier* and receives the same labels when they come;
//! 3. held out of order: bytes already held are duplicates again; new bytes are held;
//! 4. next in order: delivered to the dissector, then every held segment that follows.
//!
//! First copy wins everywhere; when a later copy carries different bytes and the first
//! is still at hand, a note says so. A hole that does not fill before the bounds are hit
//! (held bytes or segments per direction, held bytes in total), before the FIN, or before
//! the end of the capture is declared lost: the dissector is told, and labels what
//! follows as best it can (TLS keeps its framing inside a record of known length).

use super::dissect::{run_dissector, run_dissector_with};
use super::retain::Retained;
use super::segs::Segs;
use super::{App, Flow, Limits, SegRef};
use crate::decode::TcpFlags;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::proto::{Direction, Emitter, StreamSpan};
use crate::span::Visibility;
use std::collections::BTreeMap;
use std::ops::Range;

mod holes;
use holes::{drain_held, enforce_bounds, give_up_first_hole, stream_gap, Missing};

/// Room for stretches waiting for labels beyond which an acknowledgment that finds
/// few gives it back (down to the second figure; see `retain`).
const SHRINK_SEGS: (usize, usize) = (8, 4);

/// Unused room in an idle flow's buffer worth giving back, in bytes. Shrinking every
/// buffer to size (a one-packet flow's few bytes of room) left the allocator so many
/// small free pieces that a million short flows took twice the CPU time; what a busy
/// flow kept (a label history of 32, a segment list of 8) is worth it.
const IDLE_SPARE: usize = 128;

/// Whether a buffer of `len` elements of `T` in room for `capacity` keeps enough
/// unused room to give back when its flow goes idle.
pub(super) fn worth_shrinking<T>(len: usize, capacity: usize) -> bool {
    capacity.saturating_sub(len) * std::mem::size_of::<T>() >= IDLE_SPARE
}

/// A segment held until the bytes before it arrive.
#[derive(Debug)]
struct Held {
    data: Vec<u8>,
    frame: u64,
    frame_off: u32,
    /// Bytes the segment carried on the wire after `data` that were not captured.
    cut: u64,
}

/// What a direction keeps only when segments come twice or out of order. Boxed: most
/// directions never need it, and each of the many flows in a full table would carry
/// its empty collections (48 bytes a direction).
#[derive(Debug, Default)]
struct Disorder {
    /// Other frames carrying copies of bytes not yet labelled.
    dups: Vec<SegRef>,
    /// Segments ahead of `next_off`, by stream offset.
    held: BTreeMap<u64, Held>,
    held_bytes: usize,
}

/// The segments held by a direction that never had any.
static NOTHING_HELD: BTreeMap<u64, Held> = BTreeMap::new();

/// `TcpDir::fin_at` before a FIN: no stream offset reaches it (offsets come from
/// `i64` arithmetic, and a FIN's is at least 0).
const NO_FIN: u64 = u64::MAX;

#[derive(Debug)]
pub struct TcpDir {
    /// Sequence number of stream offset `next_off`, once `seq_known` (from the first
    /// segment on: `TcpDir::next_seq`). Two fields rather than an `Option<u32>`, and
    /// `fin_at` without an `Option`'s tag, so that they share their words with
    /// `finished`: the direction takes 168 bytes instead of 184, one step of the
    /// allocator less for each direction of a full table.
    next_seq: u32,
    seq_known: bool,
    /// Stream offset of the next byte expected in order.
    next_off: u64,
    /// Delivered bytes not yet labelled, from stream offset `buf_base` to `next_off`.
    pub(super) buf: Vec<u8>,
    pub(super) buf_base: u64,
    /// Delivered stretches whose frames wait for labels: sorted, not overlapping.
    pub segs: Segs,
    /// Copies and segments out of order, made at the first one.
    disorder: Option<Box<Disorder>>,
    /// Labels and bytes kept for retransmitted copies.
    retained: Retained,
    /// Stream offset just after the FIN; `NO_FIN` before one (`TcpDir::fin_at`).
    fin_at: u64,
    /// The direction is over: everything was labelled.
    pub finished: bool,
}

impl Default for TcpDir {
    fn default() -> TcpDir {
        TcpDir {
            next_seq: 0,
            seq_known: false,
            next_off: 0,
            buf: Vec::new(),
            buf_base: 0,
            segs: Segs::default(),
            disorder: None,
            retained: Retained::default(),
            fin_at: NO_FIN,
            finished: false,
        }
    }
}

impl TcpDir {
    /// Stream offset up to which every byte is labelled.
    pub fn labelled_to(&self) -> u64 {
        self.buf_base
    }

    /// Releases buffer memory of a finished direction (labels history stays).
    pub fn compact(&mut self) {
        self.buf = Vec::new();
        self.retained.release_bytes();
        self.segs.shrink_to_fit();
        if let Some(d) = self.disorder.as_mut() {
            d.dups.shrink_to_fit();
        }
    }

    /// Gives back the room kept so that steady traffic does not reallocate (the flow
    /// went idle), where it is worth it ([`worth_shrinking`]): capacity only, nothing
    /// the direction holds goes.
    pub fn shrink(&mut self) {
        if worth_shrinking::<u8>(self.buf.len(), self.buf.capacity()) {
            self.buf.shrink_to_fit();
        }
        self.segs.shrink_idle();
        self.retained.shrink();
        if let Some(d) = self.disorder.as_mut() {
            if d.dups.is_empty() && d.held.is_empty() {
                self.disorder = None;
            } else if worth_shrinking::<SegRef>(d.dups.len(), d.dups.capacity()) {
                d.dups.shrink_to_fit();
            }
        }
    }

    pub fn fin_seen(&self) -> bool {
        self.fin_at().is_some()
    }

    /// Stream offset just after the FIN, once one was seen.
    fn fin_at(&self) -> Option<u64> {
        (self.fin_at != NO_FIN).then_some(self.fin_at)
    }

    /// Sequence number of stream offset `next_off`; `None` before the first segment.
    fn next_seq(&self) -> Option<u32> {
        self.seq_known.then_some(self.next_seq)
    }

    fn set_next_seq(&mut self, seq: u32) {
        self.next_seq = seq;
        self.seq_known = true;
    }

    /// The stream moved `n` bytes on (delivered or given up as lost).
    fn advance_seq(&mut self, n: u32) {
        if self.seq_known {
            self.next_seq = self.next_seq.wrapping_add(n);
        }
    }

    pub fn held_bytes(&self) -> usize {
        self.disorder.as_ref().map_or(0, |d| d.held_bytes)
    }

    /// Other frames carrying copies of bytes not yet labelled.
    pub fn dups(&self) -> &[SegRef] {
        self.disorder.as_ref().map_or(&[], |d| &d.dups)
    }

    /// The copies, to retire those whose bytes are labelled (`None`: there never were any).
    pub fn dups_mut(&mut self) -> Option<&mut Vec<SegRef>> {
        self.disorder.as_mut().map(|d| &mut d.dups)
    }

    /// Segments held ahead of the stream, by stream offset.
    fn held(&self) -> &BTreeMap<u64, Held> {
        self.disorder.as_ref().map_or(&NOTHING_HELD, |d| &d.held)
    }

    fn disorder(&mut self) -> &mut Disorder {
        self.disorder.get_or_insert_with(Box::default)
    }

    /// The sender of this direction heard that the peer has its bytes up to sequence
    /// number `ack`: a retransmission can no longer come from before.
    pub(super) fn acknowledged(&mut self, ack: u32) {
        let Some(next_seq) = self.next_seq() else {
            return;
        };
        // Bytes acknowledged beyond what arrived count up to what arrived.
        let delta = ack.wrapping_sub(next_seq) as i32;
        let off = self
            .next_off
            .saturating_sub(u64::from(delta.min(0).unsigned_abs()));
        self.retained.acknowledged(off, self.next_off);
        // A handshake flight leaves capacity behind: an established flow gives it back.
        let (big, keep) = SHRINK_SEGS;
        if self.segs.capacity() > big && self.segs.len() * 4 < self.segs.capacity() {
            self.segs.shrink_to(keep.max(self.segs.len() * 2));
        }
    }

    /// Remembers labels given, for retransmissions; `coming` labels (this one among
    /// them) are given in this batch.
    pub fn remember(&mut self, span: &StreamSpan, coming: usize) {
        self.retained.remember(span, self.buf_base, coming);
    }
}

/// One captured TCP segment, as the engine hands it over.
#[derive(Clone, Copy, Debug)]
pub struct SegmentIn<'a> {
    pub seq: u32,
    pub flags: TcpFlags,
    /// Captured payload bytes.
    pub data: &'a [u8],
    pub frame: u64,
    /// Frame offset of `data[0]`.
    pub frame_off: u32,
    /// Payload length on the wire (more than `data.len()` when cut by the snap length).
    pub wire_len: u32,
}

/// What a segment did, beyond the labels that come out of the dissector.
#[derive(Debug, Default)]
pub struct SegmentResult {
    /// Stretches of this frame registered to wait for labels.
    pub opened: u32,
    /// Labels known at once (retransmitted copies), frame-relative.
    pub immediate: Vec<(Range<u32>, FieldId, Visibility)>,
    /// Held stretches of *other* frames given up (their frames stop waiting; their
    /// bytes stay undecoded).
    pub dropped: Vec<(u64, Range<u32>)>,
    pub notes: Vec<(Severity, NoteGroup, String)>,
}

/// Budget shared by all flows.
#[derive(Debug, Default)]
pub struct Shared {
    pub held_bytes: usize,
}

fn frame_range(frame_off: u32, seg_start: u64, range: &Range<u64>) -> Range<u32> {
    let a = frame_off + (range.start - seg_start) as u32;
    let b = frame_off + (range.end - seg_start) as u32;
    a..b
}

/// Takes one segment of `dir` through reassembly.
pub fn segment(
    flow: &mut Flow,
    dir: Direction,
    seg: SegmentIn<'_>,
    limits: &Limits,
    shared: &mut Shared,
    out: &mut Emitter,
) -> SegmentResult {
    let mut res = SegmentResult::default();
    let syn = seg.flags.has(TcpFlags::SYN);
    // The first byte of data: a SYN occupies one sequence number.
    let data_seq = if syn {
        seg.seq.wrapping_add(1)
    } else {
        seg.seq
    };
    let syn_seen = flow.syn_seen;
    let st = flow.tcp.get_mut(dir);
    let next_seq = match st.next_seq() {
        // A SYN (or SYN-ACK) with another ISN before any data: the handshake was
        // restarted, the latest one counts (a server answering retransmitted SYNs
        // with fresh ISNs).
        Some(n) if syn && n != data_seq && st.next_off == 0 && st.held().is_empty() => {
            st.set_next_seq(data_seq);
            data_seq
        }
        Some(n) => n,
        None => {
            // Only data makes the missing handshake matter: a bare RST
            // answering a refused SYN is not a stream picked up midway.
            if !syn && seg.wire_len > 0 {
                let what = if syn_seen {
                    "this direction's SYN"
                } else {
                    "the TCP handshake"
                };
                res.notes.push((
                    Severity::Note,
                    NoteGroup::Sequence,
                    format!("{what} was not captured: the stream is followed from here (handshake not seen)"),
                ));
            }
            st.set_next_seq(data_seq);
            data_seq
        }
    };
    let delta = i64::from(data_seq.wrapping_sub(next_seq) as i32);
    let mut start = st.next_off as i64 + delta;
    let mut data = seg.data;
    let mut frame_off = seg.frame_off;
    let wire_end = start + i64::from(seg.wire_len);
    if start < 0 {
        // Bytes from before the point where the stream was picked up.
        let skip = usize::try_from(-start)
            .unwrap_or(usize::MAX)
            .min(data.len());
        if skip > 0 {
            res.immediate.push((
                frame_off..frame_off + skip as u32,
                crate::fields::PAYLOAD,
                Visibility::Undecoded,
            ));
            res.notes.push((
                Severity::Note,
                NoteGroup::Sequence,
                format!(
                    "{skip} bytes precede the first byte followed in this stream: left undecoded"
                ),
            ));
        }
        data = data.get(skip..).unwrap_or(&[]);
        frame_off += skip as u32;
        start += skip as i64;
    }
    if seg.flags.has(TcpFlags::FIN) && wire_end >= 0 && st.fin_at().is_none() {
        st.fin_at = wire_end as u64;
    }
    if start < 0 {
        return res;
    }
    let start = start as u64;
    let cap_end = start + data.len() as u64;
    let slice = |r: &Range<u64>| {
        data.get((r.start - start) as usize..(r.end - start) as usize)
            .unwrap_or(&[])
    };

    // Walk the segment's bytes; each step takes the longest stretch that falls in one
    // place. Delivering may move the stream forward under the walk, so the places are
    // looked up again at every step.
    let mut pos = start;
    let mut retransmitted = 0u64;
    let mut held_any = false;
    while pos < cap_end {
        let st = flow.tcp.get_mut(dir);
        if pos < st.buf_base {
            // 1. Already labelled: a retransmission takes its first copy's labels.
            let r = pos..cap_end.min(st.buf_base);
            if st.retained.differs(&r, slice(&r), st.next_off) == Some(true) {
                res.notes.push(differs(r.end - r.start));
            }
            for (lr, field, vis) in st.retained.recall(r.clone()) {
                res.immediate
                    .push((frame_range(frame_off, start, &lr), field, vis));
            }
            retransmitted += r.end - r.start;
            pos = r.end;
            continue;
        }
        if pos < st.next_off {
            // 2. Delivered, waiting for labels: this frame carries a duplicate.
            let r = pos..cap_end.min(st.next_off);
            let first = st
                .buf
                .get((r.start - st.buf_base) as usize..(r.end - st.buf_base) as usize);
            if first.is_some_and(|f| f != slice(&r)) {
                res.notes.push(differs(r.end - r.start));
            }
            st.disorder().dups.push(SegRef {
                start: r.start,
                len: (r.end - r.start) as u32,
                frame: seg.frame,
                frame_off: frame_range(frame_off, start, &r).start,
            });
            res.opened += 1;
            retransmitted += r.end - r.start;
            pos = r.end;
            continue;
        }
        // 3. Ahead: a held segment covering `pos` makes this a duplicate too.
        let covering = st
            .held()
            .range(..=pos)
            .next_back()
            .filter(|(s, h)| **s + h.data.len() as u64 > pos)
            .map(|(s, h)| (*s, *s + h.data.len() as u64));
        if let Some((hs, he)) = covering {
            let r = pos..cap_end.min(he);
            if let Some(h) = st.held().get(&hs) {
                let first = h.data.get((r.start - hs) as usize..(r.end - hs) as usize);
                if first.is_some_and(|f| f != slice(&r)) {
                    res.notes.push(differs(r.end - r.start));
                }
            }
            st.disorder().dups.push(SegRef {
                start: r.start,
                len: (r.end - r.start) as u32,
                frame: seg.frame,
                frame_off: frame_range(frame_off, start, &r).start,
            });
            res.opened += 1;
            retransmitted += r.end - r.start;
            pos = r.end;
            continue;
        }
        // 4. New bytes: deliver them if they are next, else hold them. After the
        // direction ended (FIN or RST and everything before it) there is no stream left.
        if st.finished {
            let r = pos..cap_end;
            res.immediate.push((
                frame_range(frame_off, start, &r),
                crate::fields::PAYLOAD,
                Visibility::Undecoded,
            ));
            res.notes.push((
                Severity::Note,
                NoteGroup::Sequence,
                format!(
                    "{} bytes after the end of the stream (FIN or RST): left undecoded",
                    r.end - r.start
                ),
            ));
            break;
        }
        let next_held = st
            .held()
            .range(pos + 1..)
            .next()
            .map_or(u64::MAX, |(s, _)| *s);
        let r = pos..cap_end.min(next_held);
        let piece = slice(&r);
        let piece_off = frame_range(frame_off, start, &r).start;
        res.opened += 1;
        if r.start == st.next_off {
            let waiting = st.held_bytes();
            deliver(flow, dir, piece, seg.frame, piece_off, limits, out);
            drain_held(flow, dir, limits, shared, &mut res.dropped, out);
            if waiting > 0 {
                res.notes.push((
                    Severity::Note,
                    NoteGroup::Sequence,
                    format!("arrived out of order: fills a hole before {waiting} bytes that came earlier"),
                ));
            }
        } else {
            if !held_any {
                held_any = true;
                res.notes.push((
                    Severity::Note,
                    NoteGroup::Sequence,
                    format!(
                        "{} bytes before this segment have not arrived yet: held until they do",
                        r.start - st.next_off
                    ),
                ));
            }
            shared.held_bytes += piece.len();
            let disorder = st.disorder();
            disorder.held_bytes += piece.len();
            disorder.held.insert(
                r.start,
                Held {
                    data: piece.to_vec(),
                    frame: seg.frame,
                    frame_off: piece_off,
                    cut: 0,
                },
            );
        }
        pos = r.end;
    }
    if retransmitted > 0 {
        res.notes.push((
            Severity::Note,
            NoteGroup::Sequence,
            format!(
                "{retransmitted} bytes retransmitted or overlapping: labelled as their first copy"
            ),
        ));
    }
    // Bytes the segment had on the wire beyond what was captured (snap length).
    let wire_end = wire_end.max(0) as u64;
    if wire_end > cap_end && data.len() < seg.wire_len as usize {
        let cut = wire_end - cap_end;
        let st = flow.tcp.get_mut(dir);
        if cap_end == st.next_off {
            stream_gap(flow, dir, cut, Missing::Cut, limits, out);
            drain_held(flow, dir, limits, shared, &mut res.dropped, out);
        } else if let Some((_, h)) = st
            .disorder
            .as_mut()
            .and_then(|d| d.held.range_mut(..cap_end).next_back())
            .filter(|(s, h)| **s + h.data.len() as u64 == cap_end)
        {
            h.cut = h.cut.max(cut);
        }
    }
    enforce_bounds(flow, dir, limits, shared, &mut res, out);
    let st = flow.tcp.get(dir);
    if st
        .fin_at()
        .is_some_and(|f| st.next_off >= f && st.held().is_empty())
    {
        finish_dir(flow, dir, limits, shared, &mut res.dropped, out);
    }
    res
}

fn differs(n: u64) -> (Severity, NoteGroup, String) {
    (
        Severity::Warn,
        NoteGroup::Sequence,
        format!("{n} retransmitted bytes differ from their first copy: the first copy's labels are kept"),
    )
}

/// Appends bytes at `next_off` and runs the dissector.
fn deliver(
    flow: &mut Flow,
    dir: Direction,
    piece: &[u8],
    frame: u64,
    frame_off: u32,
    limits: &Limits,
    out: &mut Emitter,
) {
    let st = flow.tcp.get_mut(dir);
    st.segs.push_back(SegRef {
        start: st.next_off,
        len: piece.len() as u32,
        frame,
        frame_off,
    });
    st.retained.keep(piece);
    st.next_off += piece.len() as u64;
    st.advance_seq(piece.len() as u32);
    run_dissector_with(flow, dir, piece, limits, out);
}

/// Ends a direction: every hole is lost, every byte gets a label. Frames of held
/// segments that could not be delivered are returned in `dropped`.
pub fn finish_dir(
    flow: &mut Flow,
    dir: Direction,
    limits: &Limits,
    shared: &mut Shared,
    dropped: &mut Vec<(u64, Range<u32>)>,
    out: &mut Emitter,
) {
    while give_up_first_hole(flow, dir, limits, shared, dropped, out) {}
    run_dissector(flow, dir, true, limits, out);
    // (A direction that never had a segment has nothing held, and is not made now.)
    let Some(st) = flow.tcp.existing_mut(dir) else {
        return;
    };
    if let Some(d) = st.disorder.as_mut() {
        for (_, h) in std::mem::take(&mut d.held) {
            shared.held_bytes = shared.held_bytes.saturating_sub(h.data.len());
            dropped.push((h.frame, h.frame_off..h.frame_off + h.data.len() as u32));
        }
        d.held_bytes = 0;
    }
    st.finished = true;
}

#[cfg(test)]
mod size_tests {
    /// A direction is one allocation per used direction of every flow in the table: at
    /// 168 bytes the allocator gives it 176, at 184 (an `Option` more) 192.
    #[test]
    fn a_direction_fits_in_168_bytes() {
        assert!(std::mem::size_of::<super::TcpDir>() <= 168);
    }
}

//! What one direction of a TCP connection keeps for retransmitted copies of bytes
//! already labelled: the labels given (so a copy takes its first copy's labels) and the
//! last bytes delivered (so a copy that differs from its first is noted).
//!
//! Only what a retransmission can still hit is kept: bytes whose acknowledgment the
//! sender has not been seen to hear (and the one before, which a keep-alive probe
//! repeats), within a window behind the labelled point. A sender that acknowledged
//! the segment carrying the peer's acknowledgment knows its bytes arrived and does
//! not send them again (a crafted or broken one may: its copy is left undecoded).
//! Capacity follows: a handshake's many small labels are given back once acknowledged,
//! so an established flow holds a few spans and bytes, while small records come and go
//! without reallocating.

use super::recent::Recent;
use super::tcp::worth_shrinking;
use crate::fields::{FieldId, Placed};
use crate::proto::StreamSpan;
use crate::span::Visibility;
use std::collections::VecDeque;
use std::ops::Range;

/// Stream bytes behind the labelled point whose labels are remembered for
/// retransmissions (when no acknowledgment says less).
const HISTORY_WINDOW: u64 = 256 * 1024;
/// Delivered bytes kept per direction to compare retransmissions with.
const RECENT: usize = 2048;
/// Bytes before the peer's acknowledgment still kept: a keep-alive probe repeats the
/// byte just before it.
const ACK_SLACK: u64 = 1;
/// Capacity of the label history (spans) and of the recent bytes beyond which an
/// acknowledgment that leaves them mostly empty gives it back (down to the second
/// figure): a handshake's is, while steady small records never reach it and come and
/// go without reallocating.
const SHRINK_HISTORY: (usize, usize) = (32, 4);
const SHRINK_RECENT: (usize, usize) = (512, 64);

/// A label given, as the history keeps it: 16 bytes where a [`StreamSpan`] takes 32
/// (an established flow keeps room for a few dozen per direction, and a one-packet
/// flow of a full table its four): the field is its place in [`crate::fields::all`].
#[derive(Clone, Copy, Debug)]
struct Given {
    start: u64,
    len: u32,
    field: Placed,
    vis: Visibility,
}

impl Given {
    fn end(&self) -> u64 {
        self.start + u64::from(self.len)
    }

    /// The field and visibility a copy of these bytes takes (unclassified payload for
    /// a field [`crate::fields::all`] does not list, a bug).
    fn label(&self) -> (FieldId, Visibility) {
        self.field.label(self.vis)
    }
}

#[derive(Debug, Default)]
pub(super) struct Retained {
    /// Labels already given, sorted by offset, not overlapping.
    history: VecDeque<Given>,
    /// The last bytes delivered (a ring of up to RECENT bytes ending at the stream's
    /// next offset).
    recent: Recent,
    /// Stream offset up to which the peer acknowledged the bytes.
    acked: u64,
}

impl Retained {
    /// The peer acknowledged the bytes before stream offset `off` (at most `next_off`,
    /// the end of the bytes delivered): what is further behind is forgotten.
    pub(super) fn acknowledged(&mut self, off: u64, next_off: u64) {
        if off <= self.acked {
            return;
        }
        self.acked = off;
        let floor = off.saturating_sub(ACK_SLACK);
        while self.history.front().is_some_and(|s| s.end() <= floor) {
            self.history.pop_front();
        }
        let oldest = next_off.saturating_sub(self.recent.len() as u64);
        if floor > oldest {
            let n = usize::try_from(floor - oldest).unwrap_or(usize::MAX);
            self.recent.drop_front(n);
        }
        let (big, keep) = SHRINK_HISTORY;
        if self.history.capacity() > big && self.history.len() * 4 < self.history.capacity() {
            self.history.shrink_to(keep.max(self.history.len() * 2));
        }
        let (big, keep) = SHRINK_RECENT;
        if self.recent.capacity() > big && self.recent.len() * 4 < self.recent.capacity() {
            self.recent.shrink_to(keep.max(self.recent.len() * 2));
        }
    }

    /// Releases the bytes (a finished direction; labels stay).
    pub(super) fn release_bytes(&mut self) {
        self.recent = Recent::default();
    }

    /// Gives back the room kept beyond what is held, where it is worth it (an idle
    /// flow).
    pub(super) fn shrink(&mut self) {
        if worth_shrinking::<Given>(self.history.len(), self.history.capacity()) {
            self.history.shrink_to_fit();
        }
        self.recent.shrink_idle();
    }

    /// Bytes were skipped (a gap): the ring no longer ends where the stream does.
    pub(super) fn forget_bytes(&mut self) {
        self.recent.clear();
    }

    /// Keeps `bytes`, just delivered, as the newest of the recent bytes.
    pub(super) fn keep(&mut self, bytes: &[u8]) {
        let tail = bytes
            .get(bytes.len().saturating_sub(RECENT)..)
            .unwrap_or(bytes);
        let excess = (self.recent.len() + tail.len()).saturating_sub(RECENT);
        self.recent.drop_front(excess);
        self.recent.push(tail);
    }

    /// Whether `data`, a copy of stream bytes `r` already delivered (the stream is at
    /// `next_off`), differs from the first copy where the recent bytes still hold it.
    /// `None`: not comparable.
    pub(super) fn differs(&self, r: &Range<u64>, data: &[u8], next_off: u64) -> Option<bool> {
        let oldest = next_off.saturating_sub(self.recent.len() as u64);
        let from = r.start.max(oldest);
        if from >= r.end.min(next_off) {
            return None;
        }
        let differs = (from..r.end.min(next_off)).any(|off| {
            let first = self.recent.get((off - oldest) as usize);
            let now = data.get((off - r.start) as usize).copied();
            first != now
        });
        Some(differs)
    }

    /// Remembers labels given (the stream is labelled up to `labelled_to`); forgets
    /// what no retransmission reaches any more. `coming` labels, this one among them,
    /// are given in this batch: when the history is full, it makes room for them all
    /// in one step (a handshake flight's dozens of labels took one doubling after
    /// another, 0.9% of `show`).
    pub(super) fn remember(&mut self, span: &StreamSpan, labelled_to: u64, coming: usize) {
        let (mut start, end) = (span.range.start, span.range.end);
        let field = Placed::of(span.field);
        if let Some(last) = self.history.back_mut() {
            if last.end() == start && last.field == field && last.vis == span.vis {
                let room = u64::from(u32::MAX - last.len);
                let add = end.saturating_sub(start).min(room);
                // Below `room`, so it fits.
                last.len += u32::try_from(add).unwrap_or(0);
                start += add;
                if start == end {
                    return;
                }
            }
        }
        // Dissectors may label a later byte first (a record header before the message
        // it precedes): keep the history sorted by offset. (A span of 4 GiB or more
        // takes several entries; an empty one, one.)
        loop {
            let len = u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX);
            let given = Given {
                start,
                len,
                field,
                vis: span.vis,
            };
            if self.history.len() == self.history.capacity() {
                self.history.reserve(coming);
            }
            // Nearly always after the last (labels come in stream order).
            if self.history.back().is_none_or(|s| s.start <= start) {
                self.history.push_back(given);
            } else {
                let at = self.history.partition_point(|s| s.start <= start);
                self.history.insert(at, given);
            }
            start += u64::from(len);
            if start >= end {
                break;
            }
        }
        let floor = labelled_to
            .saturating_sub(HISTORY_WINDOW)
            .max(self.acked.saturating_sub(ACK_SLACK));
        while self.history.front().is_some_and(|s| s.end() <= floor) {
            self.history.pop_front();
        }
    }

    /// The remembered labels of `range`, with `Undecoded` where none are left.
    pub(super) fn recall(&self, range: Range<u64>) -> Vec<(Range<u64>, FieldId, Visibility)> {
        let mut out = Vec::new();
        let mut pos = range.start;
        let first = self.history.partition_point(|s| s.end() <= range.start);
        for s in self.history.iter().skip(first) {
            if s.start >= range.end {
                break;
            }
            let a = s.start.max(pos);
            let b = s.end().min(range.end);
            if a > pos {
                out.push((pos..a, crate::fields::PAYLOAD, Visibility::Undecoded));
            }
            if a < b {
                let (field, vis) = s.label();
                out.push((a..b, field, vis));
                pos = b;
            }
        }
        if pos < range.end {
            out.push((
                pos..range.end,
                crate::fields::PAYLOAD,
                Visibility::Undecoded,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::PAYLOAD;

    fn span(range: Range<u64>, vis: Visibility) -> StreamSpan {
        StreamSpan {
            range,
            field: PAYLOAD,
            vis,
        }
    }

    /// Two labelled stretches (0..10 readable, 10..20 opaque) and their bytes.
    fn twenty() -> Retained {
        let mut r = Retained::default();
        r.keep(&[7; 20]);
        r.remember(&span(0..10, Visibility::Cleartext), 20, 1);
        r.remember(&span(10..20, Visibility::Opaque), 20, 1);
        r
    }

    #[test]
    fn labels_and_bytes_stay_until_an_acknowledgment_is_heard() {
        let r = twenty();
        assert_eq!(
            r.recall(5..15),
            vec![
                (5..10, PAYLOAD, Visibility::Cleartext),
                (10..15, PAYLOAD, Visibility::Opaque)
            ]
        );
        assert_eq!(r.differs(&(0..20), &[7; 20], 20), Some(false));
        assert_eq!(r.differs(&(0..2), &[7, 8], 20), Some(true));
    }

    #[test]
    fn what_the_sender_heard_acknowledged_is_let_go_but_the_byte_before() {
        let mut r = twenty();
        r.acknowledged(15, 20);
        // A keep-alive repeats byte 14: still known.
        assert_eq!(
            r.recall(14..15),
            vec![(14..15, PAYLOAD, Visibility::Opaque)]
        );
        assert_eq!(r.differs(&(14..15), &[7], 20), Some(false));
        // Bytes 0..10 are forgotten: a copy is undecoded, not compared.
        assert_eq!(
            r.recall(0..10),
            vec![(0..10, PAYLOAD, Visibility::Undecoded)]
        );
        assert_eq!(r.differs(&(0..10), &[8; 10], 20), None);
        // An older acknowledgment changes nothing.
        r.acknowledged(3, 20);
        assert_eq!(r.recall(14..15).len(), 1);
    }

    /// A one-packet TLS flow of a full table keeps four labels: 64 bytes (80 with the
    /// allocator's), where 24-byte labels took 96 (112).
    #[test]
    fn a_label_kept_takes_16_bytes() {
        assert!(std::mem::size_of::<Given>() <= 16);
        let mut r = Retained::default();
        let record = StreamSpan {
            range: 0..5,
            field: crate::proto::tls::fields::TLS_RECORD_LENGTH,
            vis: Visibility::Metadata,
        };
        r.remember(&record, 5, 1);
        assert_eq!(
            r.recall(0..5),
            vec![(0..5, record.field, Visibility::Metadata)]
        );
    }

    #[test]
    fn a_handshake_s_capacity_is_given_back() {
        let mut r = Retained::default();
        for i in 0..200u64 {
            let vis = if i % 2 == 0 {
                Visibility::Cleartext
            } else {
                Visibility::Opaque
            };
            r.remember(&span(i..i + 1, vis), 200, 1);
        }
        r.keep(&[1; 2000]);
        r.acknowledged(1990, 2000);
        assert!(r.history.capacity() <= 8, "{}", r.history.capacity());
        assert!(r.recent.capacity() <= 128, "{}", r.recent.capacity());
    }
}

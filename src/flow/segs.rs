//! A direction's segment map: the delivered stretches whose frames wait for labels
//! (stream offset → frame bytes), sorted and not overlapping.
//!
//! Most directions hold one stretch at a time: a segment that carries whole messages
//! gets its labels before the next arrives, and a direction of a full table (a
//! one-packet flow, a scan) never sees a second. That one is kept in place, in the
//! room the deque's own fields take; a second moves both into a deque, which then
//! keeps its room for steady traffic (giving it back only when the flow goes idle or
//! ends, as the other buffers do). A one-packet direction allocates nothing for it.

use super::tcp::worth_shrinking;
use super::SegRef;
use std::collections::VecDeque;

/// A deque's room when a second stretch arrives: what the allocator's first step
/// gives a deque of 24-byte elements anyway.
const FIRST_ROOM: usize = 4;

#[derive(Debug, Default)]
pub struct Segs(Inner);

/// 32 bytes, as a bare deque: the compiler keeps the tag in the deque's capacity,
/// which never reaches the top bit (unit test).
#[derive(Debug, Default)]
enum Inner {
    #[default]
    Empty,
    One(SegRef),
    Many(VecDeque<SegRef>),
}

impl Segs {
    /// The stretches in order, as two slices (those of the deque's ring).
    #[inline]
    fn as_slices(&self) -> (&[SegRef], &[SegRef]) {
        match &self.0 {
            Inner::Empty => (&[], &[]),
            Inner::One(s) => (std::slice::from_ref(s), &[]),
            Inner::Many(d) => d.as_slices(),
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        match &self.0 {
            Inner::Empty => 0,
            Inner::One(_) => 1,
            Inner::Many(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stretches it has room for without allocating (one in place).
    pub fn capacity(&self) -> usize {
        match &self.0 {
            Inner::Empty | Inner::One(_) => 1,
            Inner::Many(d) => d.capacity(),
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&SegRef> {
        match &self.0 {
            Inner::Empty => None,
            Inner::One(s) => (i == 0).then_some(s),
            Inner::Many(d) => d.get(i),
        }
    }

    pub fn front(&self) -> Option<&SegRef> {
        self.get(0)
    }

    #[inline]
    pub fn back(&self) -> Option<&SegRef> {
        match &self.0 {
            Inner::Empty => None,
            Inner::One(s) => Some(s),
            Inner::Many(d) => d.back(),
        }
    }

    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = &SegRef> {
        let (a, b) = self.as_slices();
        a.iter().chain(b)
    }

    /// The index of the first stretch for which `pred` is false (`pred` true on a
    /// prefix, as for a slice).
    #[inline]
    pub fn partition_point(&self, mut pred: impl FnMut(&SegRef) -> bool) -> usize {
        match &self.0 {
            Inner::Empty => 0,
            Inner::One(s) => usize::from(pred(s)),
            Inner::Many(d) => d.partition_point(pred),
        }
    }

    /// Adds a stretch after the others.
    #[inline]
    pub fn push_back(&mut self, seg: SegRef) {
        match &mut self.0 {
            Inner::Empty => self.0 = Inner::One(seg),
            Inner::One(first) => {
                let mut d = VecDeque::with_capacity(FIRST_ROOM);
                d.push_back(*first);
                d.push_back(seg);
                self.0 = Inner::Many(d);
            }
            Inner::Many(d) => d.push_back(seg),
        }
    }

    /// Takes the first stretch (a deque keeps its room).
    #[inline]
    pub fn pop_front(&mut self) -> Option<SegRef> {
        match &mut self.0 {
            Inner::Empty => None,
            Inner::One(s) => {
                let s = *s;
                self.0 = Inner::Empty;
                Some(s)
            }
            Inner::Many(d) => d.pop_front(),
        }
    }

    /// Takes every stretch, leaving none and no room.
    pub fn take_all(&mut self) -> impl Iterator<Item = SegRef> {
        let (one, many) = match std::mem::take(&mut self.0) {
            Inner::Empty => (None, VecDeque::new()),
            Inner::One(s) => (Some(s), VecDeque::new()),
            Inner::Many(d) => (None, d),
        };
        one.into_iter().chain(many)
    }

    /// Gives back all the room beyond what is held (none or one stretch: the deque).
    pub fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Gives back the room beyond `keep` stretches or what is held, whichever is more
    /// (none or one stretch held, and `keep` at most one: the deque goes).
    pub fn shrink_to(&mut self, keep: usize) {
        let Inner::Many(d) = &mut self.0 else {
            return;
        };
        match (d.len(), keep) {
            (0, 0 | 1) => self.0 = Inner::Empty,
            (1, 0 | 1) => {
                if let Some(s) = d.pop_front() {
                    self.0 = Inner::One(s);
                }
            }
            _ => d.shrink_to(keep),
        }
    }

    /// Gives back the room kept for steady traffic, where it is worth it (an idle flow).
    pub fn shrink_idle(&mut self) {
        if worth_shrinking::<SegRef>(self.len(), self.capacity()) {
            self.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: u64, len: u32, frame: u64) -> SegRef {
        SegRef {
            start,
            len,
            frame,
            frame_off: 54,
        }
    }

    fn starts(s: &Segs) -> Vec<u64> {
        s.iter().map(|x| x.start).collect()
    }

    /// The list takes no more room in a direction than the deque it replaced.
    #[test]
    fn a_segment_list_takes_the_room_of_a_deque() {
        assert_eq!(
            std::mem::size_of::<Segs>(),
            std::mem::size_of::<VecDeque<SegRef>>()
        );
    }

    #[test]
    fn one_stretch_stays_in_place_and_more_go_to_a_deque_in_order() {
        let mut s = Segs::default();
        assert!(s.is_empty() && s.front().is_none() && s.back().is_none());
        s.push_back(seg(0, 10, 1));
        assert!(matches!(s.0, Inner::One(_)));
        assert_eq!(
            (s.len(), s.front(), s.back()),
            (1, Some(&seg(0, 10, 1)), Some(&seg(0, 10, 1)))
        );
        s.push_back(seg(10, 5, 2));
        s.push_back(seg(15, 5, 3));
        assert!(matches!(s.0, Inner::Many(_)));
        assert_eq!(starts(&s), [0, 10, 15]);
        assert_eq!(s.get(2).map(|x| x.frame), Some(3));
        assert_eq!(s.get(3), None);
        assert_eq!(s.back().map(|x| x.frame), Some(3));
        assert_eq!(s.partition_point(|x| x.end() <= 12), 1);
        assert_eq!(s.partition_point(|x| x.end() <= 100), 3);
        assert_eq!(s.partition_point(|_| false), 0);
        assert_eq!(s.pop_front().map(|x| x.frame), Some(1));
        // A drained deque keeps its room: steady traffic does not reallocate.
        assert_eq!(s.pop_front().map(|x| x.frame), Some(2));
        assert_eq!(s.pop_front().map(|x| x.frame), Some(3));
        assert_eq!(s.pop_front(), None);
        assert!(matches!(s.0, Inner::Many(_)) && s.capacity() >= FIRST_ROOM);
        s.shrink_to_fit();
        assert!(matches!(s.0, Inner::Empty));
    }

    /// Stretches that wrapped around the deque's ring are still found in order.
    #[test]
    fn a_wrapped_ring_reads_in_order() {
        let mut s = Segs::default();
        for i in 0..4 {
            s.push_back(seg(i * 10, 10, i + 1));
        }
        for _ in 0..3 {
            s.pop_front();
        }
        for i in 4..7 {
            s.push_back(seg(i * 10, 10, i + 1));
        }
        let (a, b) = s.as_slices();
        assert!(
            !a.is_empty() && !b.is_empty(),
            "the test wants a wrapped ring"
        );
        assert_eq!(starts(&s), [30, 40, 50, 60]);
        assert_eq!(s.get(3).map(|x| x.start), Some(60));
        assert_eq!(s.back().map(|x| x.start), Some(60));
        for at in [0, 35, 40, 49, 50, 65, 70] {
            let slow = starts(&s).iter().filter(|&&x| x + 10 <= at).count();
            assert_eq!(s.partition_point(|x| x.end() <= at), slow, "at {at}");
        }
        assert_eq!(
            s.take_all().map(|x| x.start).collect::<Vec<_>>(),
            [30, 40, 50, 60]
        );
        assert!(matches!(s.0, Inner::Empty));
    }

    #[test]
    fn shrinking_keeps_what_is_held() {
        let mut s = Segs::default();
        for i in 0..10 {
            s.push_back(seg(i * 10, 10, i + 1));
        }
        for _ in 0..9 {
            s.pop_front();
        }
        s.shrink_idle();
        // One left: back in place, the deque given back.
        assert!(matches!(s.0, Inner::One(x) if x.start == 90));
        s.push_back(seg(100, 10, 11));
        s.shrink_to(4);
        assert_eq!(starts(&s), [90, 100]);
        let mut one = Segs::default();
        one.push_back(seg(0, 1, 1));
        assert_eq!(one.take_all().count(), 1);
        assert!(one.is_empty());
    }
}

//! The last bytes a direction delivered (a ring ending at the stream's next offset), to
//! compare retransmitted copies with.
//!
//! A direction that has delivered a few bytes (a one-packet flow of a full table, a
//! short request) keeps them in place, in the room the ring's own fields take; past
//! that, a ring on the heap keeps its room for steady traffic, as before.

use super::tcp::worth_shrinking;
use std::collections::VecDeque;

/// Bytes kept in place: what fits beside the length in a deque's 32 bytes.
const IN_PLACE: usize = 22;

#[derive(Debug)]
pub(super) struct Recent(Inner);

/// 32 bytes, as a bare deque (unit test).
#[derive(Debug)]
enum Inner {
    Few { len: u8, bytes: [u8; IN_PLACE] },
    Ring(VecDeque<u8>),
}

impl Default for Recent {
    fn default() -> Recent {
        Recent(Inner::Few {
            len: 0,
            bytes: [0; IN_PLACE],
        })
    }
}

impl Recent {
    #[inline]
    pub(super) fn len(&self) -> usize {
        match &self.0 {
            Inner::Few { len, .. } => usize::from(*len),
            Inner::Ring(d) => d.len(),
        }
    }

    /// Bytes it has room for without allocating.
    pub(super) fn capacity(&self) -> usize {
        match &self.0 {
            Inner::Few { .. } => IN_PLACE,
            Inner::Ring(d) => d.capacity(),
        }
    }

    /// The byte at `i` from the oldest kept.
    pub(super) fn get(&self, i: usize) -> Option<u8> {
        match &self.0 {
            Inner::Few { len, bytes } => bytes.get(..usize::from(*len))?.get(i).copied(),
            Inner::Ring(d) => d.get(i).copied(),
        }
    }

    /// Forgets the oldest `n` bytes (all, if fewer).
    #[inline]
    pub(super) fn drop_front(&mut self, n: usize) {
        match &mut self.0 {
            Inner::Few { len, bytes } => {
                let n = n.min(usize::from(*len));
                bytes.copy_within(n..usize::from(*len), 0);
                *len -= n as u8;
            }
            Inner::Ring(d) => {
                d.drain(..n.min(d.len()));
            }
        }
    }

    /// Keeps `tail` as the newest bytes.
    #[inline]
    pub(super) fn push(&mut self, tail: &[u8]) {
        match &mut self.0 {
            Inner::Few { len, bytes } => {
                let old = usize::from(*len);
                if let Some(room) = bytes.get_mut(old..old + tail.len()) {
                    room.copy_from_slice(tail);
                    // At most IN_PLACE.
                    *len += tail.len() as u8;
                } else {
                    let mut d = VecDeque::with_capacity(old + tail.len());
                    d.extend(bytes.get(..old).unwrap_or_default());
                    d.extend(tail);
                    self.0 = Inner::Ring(d);
                }
            }
            // `extend` over `&u8` copies the slice whole; over `u8` values it goes byte
            // by byte.
            Inner::Ring(d) => d.extend(tail),
        }
    }

    /// Forgets every byte (the ring keeps its room).
    pub(super) fn clear(&mut self) {
        match &mut self.0 {
            Inner::Few { len, .. } => *len = 0,
            Inner::Ring(d) => d.clear(),
        }
    }

    /// Gives back all the room beyond what is held (in place, if it fits).
    pub(super) fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Gives back the room kept for steady traffic, where it is worth it (an idle
    /// flow), as [`super::segs::Segs::shrink_idle`] does for the segment list.
    pub(super) fn shrink_idle(&mut self) {
        if worth_shrinking::<u8>(self.len(), self.capacity()) {
            self.shrink_to_fit();
        }
    }

    /// Gives back the room beyond `keep` bytes or what is held, whichever is more.
    pub(super) fn shrink_to(&mut self, keep: usize) {
        let Inner::Ring(d) = &mut self.0 else {
            return;
        };
        if d.len() <= IN_PLACE && keep <= IN_PLACE {
            let mut few = Recent::default();
            let (a, b) = d.as_slices();
            few.push(a);
            few.push(b);
            *self = few;
        } else {
            d.shrink_to(keep);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(r: &Recent) -> Vec<u8> {
        (0..r.len()).filter_map(|i| r.get(i)).collect()
    }

    #[test]
    fn recent_bytes_take_the_room_of_a_deque() {
        assert_eq!(
            std::mem::size_of::<Recent>(),
            std::mem::size_of::<VecDeque<u8>>()
        );
    }

    #[test]
    fn a_few_bytes_stay_in_place_and_more_move_to_a_ring() {
        let mut r = Recent::default();
        r.push(&[1, 2, 3]);
        r.push(&[4; 19]);
        assert!(matches!(r.0, Inner::Few { len: 22, .. }));
        assert_eq!(r.get(2), Some(3));
        assert_eq!(r.get(22), None);
        r.drop_front(2);
        assert_eq!(bytes(&r)[..2], [3, 4]);
        assert_eq!(r.len(), 20);
        r.push(&[5, 6, 7]);
        assert!(matches!(r.0, Inner::Ring(_)));
        assert_eq!(r.len(), 23);
        assert_eq!(bytes(&r)[..2], [3, 4]);
        assert_eq!(bytes(&r)[20..], [5, 6, 7]);
        r.drop_front(100);
        assert_eq!(r.len(), 0);
        r.push(&[9; 40]);
        r.drop_front(30);
        r.shrink_to_fit();
        assert!(matches!(r.0, Inner::Few { len: 10, .. }));
        assert_eq!(bytes(&r), [9; 10]);
        r.clear();
        assert_eq!((r.len(), r.get(0)), (0, None));
    }

    /// An idle direction gives back a ring's room only where it is worth it.
    #[test]
    fn an_idle_ring_gives_back_room_worth_it() {
        let mut r = Recent::default();
        r.push(&[5; 1000]);
        r.drop_front(990);
        r.shrink_idle();
        assert!(
            matches!(r.0, Inner::Few { len: 10, .. }),
            "{} bytes of room",
            r.capacity()
        );
        let mut r = Recent::default();
        r.push(&[5; 100]);
        r.drop_front(50);
        r.shrink_idle();
        assert!(matches!(r.0, Inner::Ring(_)), "50 bytes of room: kept");
        assert_eq!(r.len(), 50);
    }

    /// Bytes read back in order after the ring wrapped, when moved in place.
    #[test]
    fn a_wrapped_ring_moves_in_place_in_order() {
        let mut r = Recent::default();
        r.push(&(0..30).collect::<Vec<u8>>());
        r.drop_front(25);
        r.push(&(30..40).collect::<Vec<u8>>());
        r.shrink_to(4);
        assert!(matches!(r.0, Inner::Few { .. }));
        assert_eq!(bytes(&r), (25..40).collect::<Vec<u8>>());
    }
}

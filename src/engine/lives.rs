//! The live reports of the flows in the table (with reports on): what each flow's
//! released frames told so far, until the flow ends and its report takes it in.
//!
//! Each report sits in a numbered slot; its flow keeps the number ([`Flow::live`]) and
//! so do the flow's frames while they wait ([`super::Pending`]), so a released frame
//! finds its flow's report by index. A map from flow id to report took a hash per
//! frame and, at a full table of 65,536 flows, 2.2 MB (a slot and a half per flow of
//! 17 bytes); the slots take 16 bytes a flow. A slot keeps its flow's id: a slot freed
//! and given to another flow is not found by the first flow's frames.
//!
//! [`Flow::live`]: crate::flow::Flow::live

use crate::report::Live;

/// No slot: reports are off, or the flow has not had a frame yet.
pub const NO_SLOT: u32 = u32::MAX;

#[derive(Debug, Default)]
pub struct Lives {
    slots: Vec<Slot>,
    /// Slots whose report left, to give to the next flows.
    free: Vec<u32>,
}

#[derive(Debug)]
struct Slot {
    id: u64,
    live: Option<Box<Live>>,
}

impl Lives {
    /// The slot of flow `id`'s report: `slot`, the one the flow has, or a new one
    /// with an empty report. [`NO_SLOT`] past 4 billion flows at once (no report).
    pub fn ensure(&mut self, id: u64, slot: u32) -> u32 {
        if self.get_mut(slot, id).is_some() {
            return slot;
        }
        let fresh = Slot {
            id,
            live: Some(Box::default()),
        };
        if let Some(free) = self.free.pop() {
            if let Some(s) = self.slots.get_mut(free as usize) {
                *s = fresh;
                return free;
            }
        }
        let Ok(at) = u32::try_from(self.slots.len()) else {
            return NO_SLOT;
        };
        if at == NO_SLOT {
            return NO_SLOT;
        }
        if self.slots.len() == self.slots.capacity() {
            // By an eighth, not doubled: a full table keeps every slot in use, and a
            // doubling at 65,536 flows would leave 1 MB of slots empty.
            self.slots.reserve_exact(self.slots.len() / 8 + 16);
        }
        self.slots.push(fresh);
        at
    }

    /// Flow `id`'s report, if `slot` holds it.
    pub fn get_mut(&mut self, slot: u32, id: u64) -> Option<&mut Live> {
        let s = self.slots.get_mut(slot as usize)?;
        if s.id != id {
            return None;
        }
        s.live.as_deref_mut()
    }

    /// Takes flow `id`'s report out of `slot` (the flow ended); the slot is free.
    pub fn take(&mut self, slot: u32, id: u64) -> Option<Box<Live>> {
        let s = self.slots.get_mut(slot as usize)?;
        if s.id != id {
            return None;
        }
        let live = s.live.take()?;
        self.free.push(slot);
        Some(live)
    }

    /// No report is held.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(|s| s.live.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_found_by_its_flow_only_and_reused_when_freed() {
        let mut lives = Lives::default();
        let a = lives.ensure(1, NO_SLOT);
        let b = lives.ensure(2, NO_SLOT);
        assert_ne!(a, b);
        assert_eq!(lives.ensure(1, a), a, "a flow keeps its slot");
        assert!(lives.get_mut(a, 1).is_some());
        assert!(lives.get_mut(a, 2).is_none(), "another flow's id");
        assert!(lives.get_mut(NO_SLOT, 1).is_none());
        assert!(lives.take(a, 1).is_some());
        assert!(lives.take(a, 1).is_none(), "taken once");
        assert!(lives.get_mut(a, 1).is_none());
        // The freed slot goes to the next flow; the first flow's frames miss it.
        let c = lives.ensure(3, NO_SLOT);
        assert_eq!(c, a);
        assert!(lives.get_mut(c, 1).is_none());
        assert!(lives.get_mut(c, 3).is_some());
        assert!(!lives.is_empty());
        assert!(lives.take(b, 2).is_some() && lives.take(c, 3).is_some());
        assert!(lives.is_empty());
    }

    #[test]
    fn slots_grow_by_an_eighth() {
        let mut lives = Lives::default();
        for id in 0..65_536 {
            lives.ensure(id, NO_SLOT);
        }
        assert!(lives.slots.capacity() < 65_536 + 65_536 / 8 + 64);
    }
}

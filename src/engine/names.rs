//! What the observer remembers across flows: the names DNS answers tied to addresses,
//! so that a later connection to an address is named even when it sends no name
//! itself (no SNI, an encrypted one). Bounded: the most recent addresses, a few names
//! each; memory does not grow with the capture.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Addresses remembered at most; the oldest is forgotten first.
const MAX_ADDRS: usize = 16_384;
/// Names remembered per address at most.
const MAX_NAMES: usize = 4;

/// Names per address, each with the frame of the answer that gave it.
#[derive(Debug, Default)]
pub struct NameTable {
    by_addr: HashMap<IpAddr, Vec<(String, u64)>, foldhash::fast::RandomState>,
    order: VecDeque<IpAddr>,
}

impl NameTable {
    /// An answer in frame `frame` tied `names` to `addr`.
    pub fn learn(&mut self, names: &[String], addr: IpAddr, frame: u64) {
        if !self.by_addr.contains_key(&addr) {
            if self.order.len() >= MAX_ADDRS {
                if let Some(old) = self.order.pop_front() {
                    self.by_addr.remove(&old);
                }
            }
            self.order.push_back(addr);
        }
        let known = self.by_addr.entry(addr).or_default();
        for name in names {
            if known.len() < MAX_NAMES && !known.iter().any(|(n, _)| n == name) {
                known.push((name.clone(), frame));
            }
        }
    }

    /// The names answers before `frame` tied to `addr`.
    pub fn before(&self, addr: IpAddr, frame: u64) -> impl Iterator<Item = (&str, u64)> {
        self.by_addr
            .get(&addr)
            .into_iter()
            .flatten()
            .filter(move |(_, f)| *f < frame)
            .map(|(n, f)| (n.as_str(), *f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_answers_only_and_bounded() {
        let mut t = NameTable::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        t.learn(&["www.example".into(), "cdn.example".into()], a, 5);
        assert_eq!(t.before(a, 6).count(), 2);
        assert_eq!(
            t.before(a, 5).count(),
            0,
            "an answer after the flow's start names nothing"
        );
        for i in 0..(MAX_ADDRS as u32 + 10) {
            t.learn(&["x".into()], IpAddr::from(i.to_be_bytes()), 1);
        }
        assert!(t.by_addr.len() <= MAX_ADDRS);
        assert_eq!(
            t.before(a, 6).count(),
            0,
            "the oldest address was forgotten"
        );
    }
}

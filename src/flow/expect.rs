//! Connections announced by other connections (an FTP data connection, by the control
//! connection's `227`, `229`, `PORT` or `EPRT`): the listening address and port, and
//! the protocol to read there. Bounded: the oldest announcement is forgotten first, and
//! one is used once.

use crate::proto::registry::Protocol;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Announcements remembered at most (an FTP session announces one per transfer).
const MAX_EXPECTED: usize = 1024;

#[derive(Debug, Default)]
pub struct Expected {
    by_endpoint: HashMap<(IpAddr, u16), &'static Protocol>,
    order: VecDeque<(IpAddr, u16)>,
}

impl Expected {
    pub fn insert(&mut self, at: (IpAddr, u16), proto: &'static Protocol) {
        if self.by_endpoint.insert(at, proto).is_none() {
            if self.order.len() >= MAX_EXPECTED {
                if let Some(old) = self.order.pop_front() {
                    self.by_endpoint.remove(&old);
                }
            }
            self.order.push_back(at);
        }
    }

    /// The protocol announced for a connection to `at`, forgotten once taken.
    pub fn take(&mut self, at: (IpAddr, u16)) -> Option<&'static Protocol> {
        let p = self.by_endpoint.remove(&at)?;
        self.order.retain(|x| *x != at);
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ftp_data::PROTOCOL;

    #[test]
    fn taken_once_and_bounded() {
        let a = |n: u16| (IpAddr::from([10, 0, 0, 1]), n);
        let mut e = Expected::default();
        e.insert(a(1), &PROTOCOL);
        assert!(e.take(a(2)).is_none());
        assert!(e.take(a(1)).is_some());
        assert!(e.take(a(1)).is_none());
        for n in 0..3000 {
            e.insert(a(n), &PROTOCOL);
        }
        assert_eq!(e.by_endpoint.len(), MAX_EXPECTED);
        assert_eq!(e.order.len(), MAX_EXPECTED);
        assert!(e.take(a(0)).is_none(), "the oldest is forgotten");
        assert!(e.take(a(2999)).is_some());
    }
}

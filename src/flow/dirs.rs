//! A TCP connection's two directions: each made at its first segment, and the
//! acknowledgments that tell a direction which of its bytes can no longer be
//! retransmitted.

use super::tcp::TcpDir;
use super::Flow;
use crate::proto::Direction;
use std::sync::LazyLock;

/// A connection's two directions, each made at its first segment: a UDP flow has
/// neither, and most flows of a full table (a scan, one-packet flows) one.
#[derive(Debug, Default)]
pub struct TcpDirs {
    /// `[to the server, to the client]`, boxed: 168 bytes each.
    dirs: [Option<Box<TcpDir>>; 2],
    /// The peer acknowledged a direction's bytes up to sequence number `.0` in a
    /// segment ending at its own sequence number `.1`: once this direction
    /// acknowledges `.1`, its sender has heard that acknowledgment. (Here, not in the
    /// direction: the peer's data may come first.)
    unconfirmed: [Option<(u32, u32)>; 2],
}

/// The state of a direction that has had no segment.
static FRESH: LazyLock<TcpDir> = LazyLock::new(TcpDir::default);

impl TcpDirs {
    /// A direction's state (the fresh one before its first segment).
    pub fn get(&self, dir: Direction) -> &TcpDir {
        let [to_server, to_client] = &self.dirs;
        let d = match dir {
            Direction::ToServer => to_server,
            Direction::ToClient => to_client,
        };
        d.as_deref().unwrap_or(&FRESH)
    }

    /// A direction's state, made at its first use.
    pub fn get_mut(&mut self, dir: Direction) -> &mut TcpDir {
        self.slot(dir).get_or_insert_with(Box::default)
    }

    /// A direction's state if it was ever used.
    pub(crate) fn existing_mut(&mut self, dir: Direction) -> Option<&mut TcpDir> {
        self.slot(dir).as_deref_mut()
    }

    fn slot(&mut self, dir: Direction) -> &mut Option<Box<TcpDir>> {
        let [to_server, to_client] = &mut self.dirs;
        match dir {
            Direction::ToServer => to_server,
            Direction::ToClient => to_client,
        }
    }

    /// The directions ever used.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut TcpDir> {
        self.dirs.iter_mut().flatten().map(|d| &mut **d)
    }
}

/// A segment sent in `dir` with the ACK flag, acknowledging the peer's bytes up to
/// `ack`; `end`: the sequence number after it, when it carried data, a SYN or a FIN.
///
/// An acknowledgment alone does not end retransmissions: the sender may not have heard
/// it (a spurious retransmission). The peer's acknowledgment counts once this sender
/// acknowledges the segment that carried it.
pub fn acknowledgment(flow: &mut Flow, dir: Direction, ack: u32, end: Option<u32>) {
    let tcp = &mut flow.tcp;
    if let Some(mine) = tcp.unconfirmed.get_mut(dir.index()) {
        if let Some((heard, peer_end)) = *mine {
            if ack.wrapping_sub(peer_end) as i32 >= 0 {
                *mine = None;
                // (A direction without segments has nothing to forget.)
                if let Some(st) = tcp.existing_mut(dir) {
                    st.acknowledged(heard);
                }
            }
        }
    }
    if let (Some(end), Some(peer)) = (end, tcp.unconfirmed.get_mut(dir.reverse().index())) {
        peer.get_or_insert((ack, end));
    }
}

//! Flows: the table of TCP connections and UDP conversations, the segment map (stream
//! offset → frame bytes), and which dissector a flow's bytes go to. TCP reassembly is
//! in [`tcp`].
//!
//! Bounds: the number of flows ([`Limits::max_flows`], least recently active evicted
//! first), unlabelled bytes per direction ([`Limits::max_stream_buffer`]), and
//! out-of-order bytes and segments per direction and in total.

pub mod dirs;
mod dissect;
pub mod expect;
pub mod frag;
mod recent;
mod retain;
mod segs;
pub mod tcp;

use crate::decode::{Encapsulation, Endpoints, Transport};
use crate::proto::registry::Protocol;
use crate::proto::stack::Stack;
use crate::proto::tls::TlsFacts;
use crate::proto::Direction;
use std::hash::BuildHasher;
use std::net::IpAddr;

pub use dirs::TcpDirs;
pub use segs::Segs;
pub use tcp::{SegmentIn, SegmentResult, Shared, TcpDir};

/// Configurable bounds on what the flow stage holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_flows: usize,
    /// Unlabelled bytes buffered per direction before they are given up as undecoded.
    pub max_stream_buffer: usize,
    /// Out-of-order bytes held per direction before the hole is declared lost.
    pub max_held_bytes: usize,
    /// Out-of-order segments held per direction.
    pub max_held_segments: usize,
    /// Out-of-order bytes held by all flows together.
    pub max_held_total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // About 1.8 KiB each (an established TLS flow with its dissector; 2.9 KiB
            // with the report `flows` keeps): 120 MiB at most, 190 MiB with reports.
            max_flows: 65_536,
            max_stream_buffer: 256 * 1024,
            max_held_bytes: 1024 * 1024,
            max_held_segments: 2048,
            max_held_total: 64 * 1024 * 1024,
        }
    }
}

/// A flow's identity, the same in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowKey {
    pub proto: Transport,
    pub lo: (IpAddr, u16),
    pub hi: (IpAddr, u16),
}

/// Two IPv4 endpoints are hashed as two words; anything else field by field, as
/// derived. (Derived, the enum tags, the addresses' lengths and bytes and the ports
/// went into the hasher one at a time: 4.4 M instructions of `show` on 20 MB, for
/// the 34,000 lookups of the flow table.) Equal keys hash equally either way.
impl std::hash::Hash for FlowKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let proto: u64 = match self.proto {
            Transport::Tcp => 6,
            Transport::Udp => 17,
        };
        match (self.lo.0, self.hi.0) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                state.write_u64(u64::from(a.to_bits()) << 32 | u64::from(b.to_bits()));
                state.write_u64(u64::from(self.lo.1) << 32 | u64::from(self.hi.1) << 16 | proto);
            }
            _ => {
                state.write_u64(proto);
                self.lo.hash(state);
                self.hi.hash(state);
            }
        }
    }
}

impl FlowKey {
    pub fn new(proto: Transport, e: &Endpoints) -> FlowKey {
        let a = (e.src, e.sport);
        let b = (e.dst, e.dport);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        FlowKey { proto, lo, hi }
    }
}

/// A stretch of one direction's stream carried by one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegRef {
    pub start: u64,
    pub len: u32,
    pub frame: u64,
    pub frame_off: u32,
}

impl SegRef {
    pub fn end(&self) -> u64 {
        self.start + u64::from(self.len)
    }
}

/// What the bytes of a flow are.
#[derive(Debug)]
pub enum App {
    /// Not enough bytes yet to tell (or, on UDP, nothing recognised them yet).
    Detecting,
    Known(Box<Stack>),
}

#[derive(Debug)]
pub struct Flow {
    /// 1-based, in order of first appearance. (The frames it was first and last seen
    /// at are kept by its report and the table's `seen` list, not here: a flow is 152
    /// bytes, 160 with the allocator's.)
    pub id: u64,
    pub key: FlowKey,
    /// The endpoint that opened the flow (sent the SYN, or the first packet) is the
    /// key's `lo` (else its `hi`): one byte where the endpoint took 20, which brings a
    /// flow from 200 bytes to 176 (from 208 to 192 with the allocator's).
    client_is_lo: bool,
    /// The protocol another connection announced for this one (FTP data).
    pub expected: Option<&'static Protocol>,
    /// Packets each way, counted up to `u32::MAX` (the engine asks only whether there
    /// was one; the report counts them all): 8 bytes fewer, which brings a flow
    /// from 176 bytes to 168 (from 192 to 176 with the allocator's).
    pub packets: [u32; 2],
    pub syn_seen: bool,
    /// Client ISN, to tell port reuse from a retransmitted SYN (when `syn_seen`).
    client_isn: u32,
    /// The engine's slot for this flow's live report (`u32::MAX`: none yet): its
    /// frames find the report by it. (In the 4 bytes the ISN's `Option` took.)
    pub live: u32,
    /// Each direction's reassembly (made at its first segment).
    pub tcp: TcpDirs,
    pub app: App,
    /// A RST was seen: the connection is over.
    pub reset: bool,
    /// Closed and lingering in the table for late retransmissions.
    lingering: bool,
    /// The endpoints' secrets, for dissectors that decrypt (with `--keylog`).
    pub keys: Option<crate::keys::KeyRing>,
    /// The encapsulations its first packet came through (a flow inside a tunnel is
    /// keyed by its own addresses and ports, like any other).
    pub encap: Encapsulation,
}

impl Flow {
    pub fn direction(&self, e: &Endpoints) -> Direction {
        if (e.src, e.sport) == self.client() {
            Direction::ToServer
        } else {
            Direction::ToClient
        }
    }

    /// Both sides finished (FIN and every byte before it seen), or a RST.
    pub fn closed(&self) -> bool {
        self.reset
            || [Direction::ToServer, Direction::ToClient]
                .into_iter()
                .all(|d| self.tcp.get(d).finished)
    }

    /// What the flow's TLS (or QUIC) handshake told an observer, if it has one.
    pub fn tls(&self) -> Option<&TlsFacts> {
        match &self.app {
            App::Known(d) => d.tls(),
            App::Detecting => None,
        }
    }

    /// The flow went idle: its buffers give back the room they keep for steady traffic.
    fn shrink(&mut self) {
        for dir in self.tcp.iter_mut() {
            dir.shrink();
        }
    }

    /// The endpoint that did not open the flow.
    pub fn server(&self) -> (IpAddr, u16) {
        if self.client_is_lo {
            self.key.hi
        } else {
            self.key.lo
        }
    }

    /// The endpoint that opened the flow (sent the SYN, or the first packet).
    pub fn client(&self) -> (IpAddr, u16) {
        if self.client_is_lo {
            self.key.lo
        } else {
            self.key.hi
        }
    }

    /// (client port, server port).
    pub fn ports(&self) -> (u16, u16) {
        (self.client().1, self.server().1)
    }
}

pub struct FlowTable {
    limits: Limits,
    /// Slot numbers, hashed by their flow's key: 4 bytes an entry, where a map from
    /// key to slot took 56 (at 65,536 flows, 5 bytes a flow instead of 114).
    index: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// Boxed: the table grows by doubling, and a slot costs a pointer, not a flow
    /// (152 bytes); removing one moves a pointer.
    #[allow(clippy::vec_box)]
    flows: Vec<Box<Flow>>,
    /// The frame each slot's flow was last seen at, side by side: eviction reads them
    /// all without visiting every flow.
    seen: Vec<u64>,
    next_id: u64,
    evicted: u64,
    /// Flows evicted and not yet handed to the engine (boxed as in the table: a tenth
    /// of the table leaves at once).
    #[allow(clippy::vec_box)]
    graveyard: Vec<Box<Flow>>,
    /// Reassembly budget shared by all flows.
    pub shared: Shared,
    /// Closed flows kept for late retransmissions: (flow id, key, frame it closed at).
    lingering: std::collections::VecDeque<(u64, FlowKey, u64)>,
    /// Given to every new flow.
    keys: Option<crate::keys::KeyRing>,
    /// Connections announced and not yet seen.
    expected: expect::Expected,
    /// Flows last seen before this frame were shrunk if idle (see [`IDLE_FRAMES`]).
    shrunk_to: u64,
    /// The slot [`FlowTable::slot_of`] found last: a capture's next frame is often
    /// the same flow's (a bulk transfer's segments), found by comparing its key
    /// instead of hashing it. Checked against the slot's key, so never stale.
    last_slot: usize,
}

/// Frames without a packet of its own after which a flow is idle: its buffers give
/// back the room they keep so that steady traffic does not reallocate. A full table
/// is mostly such flows (a one-packet flow stays until evicted). Checked every as many
/// frames, over the flows that went idle since the last check.
const IDLE_FRAMES: u64 = 1024;

/// How long a closed TCP flow stays to label late retransmissions, in frames.
const LINGER_FRAMES: u64 = 4096;
/// How many closed flows linger at most.
const MAX_LINGERING: usize = 8192;

impl FlowTable {
    pub fn new(limits: Limits) -> FlowTable {
        FlowTable {
            limits,
            index: hashbrown::HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            flows: Vec::new(),
            seen: Vec::new(),
            next_id: 1,
            evicted: 0,
            graveyard: Vec::new(),
            shared: Shared::default(),
            lingering: std::collections::VecDeque::new(),
            keys: None,
            expected: expect::Expected::default(),
            shrunk_to: 0,
            last_slot: 0,
        }
    }

    /// The endpoints' secrets, for the flows made from now on.
    pub fn set_keys(&mut self, keys: crate::keys::KeyRing) {
        self.keys = Some(keys);
    }

    /// Flows seen so far (including evicted ones).
    pub fn total(&self) -> u64 {
        self.next_id - 1
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Flows in the table now (open or lingering).
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Flow> {
        self.flows.get_mut(slot).map(|f| &mut **f)
    }

    /// A flow and the budget shared by all flows, borrowed together.
    pub fn get_with_shared(&mut self, slot: usize) -> Option<(&mut Flow, &mut Shared)> {
        let flow = self.flows.get_mut(slot)?;
        Some((&mut **flow, &mut self.shared))
    }

    /// Remembers a connection announced on flow `slot` (an FTP data connection).
    pub fn expect(&mut self, slot: usize, e: &crate::proto::Expect) {
        let Some(flow) = self.flows.get(slot) else {
            return;
        };
        let listener = if e.listener_is_server {
            flow.server().0
        } else {
            flow.client().0
        };
        // The announced address, and the listener's own on the control connection
        // (they differ behind NAT).
        self.expected.insert((listener, e.port), e.proto);
        if let Some(a) = e.addr.filter(|a| *a != listener) {
            self.expected.insert((a, e.port), e.proto);
        }
    }

    /// The flow of a segment that carries nothing (a bare ACK), if there is one, found
    /// as [`FlowTable::lookup`] finds it without a SYN; none is opened. One look in
    /// the index (looking, then looking up, was two: 1.9 M instructions of `show` on
    /// 20 MB).
    pub fn lookup_existing(
        &mut self,
        proto: Transport,
        e: &Endpoints,
        frame: u64,
    ) -> Option<usize> {
        let slot = self.slot_of(&FlowKey::new(proto, e))?;
        // Shrinking idle flows moves no slot.
        self.shrink_idle(frame);
        self.touch(slot, frame);
        Some(slot)
    }

    /// The flow in `slot` was seen at `frame`.
    fn touch(&mut self, slot: usize, frame: u64) {
        if let Some(seen) = self.seen.get_mut(slot) {
            *seen = frame;
        }
    }

    /// The slot of the flow with `key`.
    fn slot_of(&mut self, key: &FlowKey) -> Option<usize> {
        let flows = &self.flows;
        if flows.get(self.last_slot).is_some_and(|f| f.key == *key) {
            return Some(self.last_slot);
        }
        let slot = self
            .index
            .find(self.hasher.hash_one(key), |&s| {
                flows.get(s as usize).is_some_and(|f| f.key == *key)
            })
            .map(|&s| s as usize)?;
        self.last_slot = slot;
        Some(slot)
    }

    /// Enters the flow in `slot` into the index.
    fn index_slot(&mut self, slot: usize) {
        let (flows, hasher) = (&self.flows, &self.hasher);
        let Some(flow) = flows.get(slot) else {
            return;
        };
        // Slots are below `max_flows`, kept within u32 by `lookup`.
        let Ok(s) = u32::try_from(slot) else {
            return;
        };
        self.index
            .insert_unique(hasher.hash_one(flow.key), s, |&s| {
                flows.get(s as usize).map_or(0, |f| hasher.hash_one(f.key))
            });
    }

    /// Takes slot `slot`, which holds a flow with `key`, out of the index.
    fn unindex_slot(&mut self, key: &FlowKey, slot: usize) {
        let hash = self.hasher.hash_one(key);
        if let Ok(entry) = self.index.find_entry(hash, |&s| s as usize == slot) {
            entry.remove();
        }
    }

    /// A flow whose both sides are done stays a little while, its buffers released, so
    /// that late retransmissions still get the labels of their first copy.
    pub fn linger(&mut self, slot: usize, frame: u64) {
        let Some(flow) = self.flows.get_mut(slot) else {
            return;
        };
        if flow.lingering {
            return;
        }
        flow.lingering = true;
        for dir in flow.tcp.iter_mut() {
            dir.compact();
        }
        if let App::Known(d) = &mut flow.app {
            d.compact();
        }
        self.lingering.push_back((flow.id, flow.key, frame));
    }

    /// A closed flow whose lingering time is over (or beyond the lingering bound), with
    /// the frame it closed at; `None` when none is. (One at a time: a list made on
    /// every frame that swept one was an allocation per flow.)
    pub fn sweep(&mut self, now: u64) -> Option<(Box<Flow>, u64)> {
        while let Some(&(id, key, at)) = self.lingering.front() {
            if at + LINGER_FRAMES > now && self.lingering.len() <= MAX_LINGERING {
                return None;
            }
            self.lingering.pop_front();
            if let Some(slot) = self.slot_of(&key) {
                if self.flows.get(slot).is_some_and(|f| f.id == id) {
                    if let Some(flow) = self.remove(slot) {
                        return Some((flow, at));
                    }
                }
            }
        }
        None
    }

    /// Finds or creates the flow of a packet. A SYN with a new ISN on a known TCP
    /// flow starts a new flow (port reuse); the old one is returned for finishing.
    /// A new flow's client is the packet's sender, unless the packet is a SYN-ACK
    /// (`syn_ack`: its receiver opened the connection) or, with no SYN, it goes from a
    /// system port to a higher one (a capture that began mid-connection, or after the
    /// request: the sender is a server answering).
    pub fn lookup(
        &mut self,
        proto: Transport,
        e: &Endpoints,
        frame: u64,
        syn: Option<u32>,
        syn_ack: bool,
    ) -> (usize, Option<Flow>) {
        self.shrink_idle(frame);
        let key = FlowKey::new(proto, e);
        let mut retired = None;
        if let Some(slot) = self.slot_of(&key) {
            // A SYN starts a new connection when the old one is over (reset, or both
            // sides finished), or when its ISN differs from the old one's.
            let reuse = match (syn, self.flows.get(slot)) {
                (Some(isn), Some(f)) => {
                    f.closed()
                        || f.syn_seen && f.client_isn != isn && (e.src, e.sport) == f.client()
                }
                _ => false,
            };
            if !reuse {
                self.touch(slot, frame);
                return (slot, None);
            }
            retired = self.remove(slot).map(|f| *f);
        }
        // (Slots are numbered in 32 bits in the index.)
        if self.flows.len() >= self.limits.max_flows.min(u32::MAX as usize) {
            // Evicted flows are returned through `drain_evicted`; here we only make room.
            self.evict_oldest();
        }
        let client = if syn_ack || syn.is_none() && answers(e.sport, e.dport) {
            (e.dst, e.dport)
        } else {
            (e.src, e.sport)
        };
        let server = if client == (e.src, e.sport) {
            (e.dst, e.dport)
        } else {
            (e.src, e.sport)
        };
        // An announced connection: the listener is the server (and a capture that
        // began after the SYN may have the roles the other way round).
        let expected = match proto {
            Transport::Tcp => self
                .expected
                .take(server)
                .or_else(|| self.expected.take(client)),
            Transport::Udp => None,
        };
        let flow = Flow {
            id: self.next_id,
            key,
            client_is_lo: key.lo == client,
            expected,
            packets: [0; 2],
            syn_seen: syn.is_some(),
            client_isn: syn.unwrap_or(0),
            live: u32::MAX,
            tcp: TcpDirs::default(),
            app: App::Detecting,
            reset: false,
            lingering: false,
            keys: self.keys.clone(),
            encap: Encapsulation::default(),
        };
        self.next_id += 1;
        self.flows.push(Box::new(flow));
        self.seen.push(frame);
        let slot = self.flows.len() - 1;
        self.index_slot(slot);
        (slot, retired)
    }

    /// Shrinks the flows that went idle since the last time (every [`IDLE_FRAMES`]
    /// frames): those last seen in `shrunk_to..` up to `IDLE_FRAMES` before `now`.
    fn shrink_idle(&mut self, now: u64) {
        let idle_before = (now + 1).saturating_sub(IDLE_FRAMES);
        if idle_before < self.shrunk_to + IDLE_FRAMES {
            return;
        }
        let went_idle = self.shrunk_to..idle_before;
        for (flow, seen) in self.flows.iter_mut().zip(&self.seen) {
            if went_idle.contains(seen) {
                flow.shrink();
            }
        }
        self.shrunk_to = idle_before;
    }

    fn remove(&mut self, slot: usize) -> Option<Box<Flow>> {
        if slot >= self.flows.len() {
            return None;
        }
        let last = self.flows.len() - 1;
        let key = self.flows.get(slot)?.key;
        self.unindex_slot(&key, slot);
        if slot != last {
            // The last flow moves into the slot.
            let moved = self.flows.get(last)?.key;
            self.unindex_slot(&moved, last);
        }
        let flow = self.flows.swap_remove(slot);
        if slot < self.seen.len() {
            self.seen.swap_remove(slot);
        }
        if slot != last {
            self.index_slot(slot);
        }
        Some(flow)
    }

    /// Evicts the least recently seen tenth of the flows.
    fn evict_oldest(&mut self) {
        let n = (self.flows.len() / 10).max(1);
        let mut ages = self.seen.clone();
        if n < ages.len() {
            ages.select_nth_unstable(n);
        }
        let cutoff = ages
            .get(n.min(ages.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        let mut i = 0;
        let mut removed = 0;
        while i < self.flows.len() && removed < n {
            if self.seen.get(i).is_some_and(|&seen| seen <= cutoff) {
                if let Some(flow) = self.remove(i) {
                    self.evicted += 1;
                    removed += 1;
                    self.graveyard.push(flow);
                }
            } else {
                i += 1;
            }
        }
    }

    /// Flows evicted since the last call: the engine finishes their streams.
    #[allow(clippy::vec_box)]
    pub fn drain_evicted(&mut self) -> Vec<Box<Flow>> {
        std::mem::take(&mut self.graveyard)
    }

    /// All remaining flows, for finishing at the end of the capture.
    pub fn drain_all(&mut self) -> Vec<Box<Flow>> {
        self.index.clear();
        self.seen.clear();
        std::mem::take(&mut self.flows)
    }
}

/// Whether a packet from `sport` to `dport` that opens no connection is a server's
/// answer: a system port (below 1024) talking to a higher one.
fn answers(sport: u16, dport: u16) -> bool {
    sport < 1024 && dport >= 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flow of the table is boxed: at 152 bytes or less the allocator gives it
    /// 160, past that 176.
    #[test]
    fn a_flow_fits_in_152_bytes() {
        assert!(std::mem::size_of::<Flow>() <= 152);
    }

    fn ends(sport: u16, dport: u16) -> Endpoints {
        Endpoints {
            src: IpAddr::from([10, 0, 0, 1]),
            dst: IpAddr::from([10, 0, 0, 2]),
            sport,
            dport,
        }
    }

    /// The slot found last is looked at first: it must answer as the index does when
    /// its flow has left and another moved into the slot.
    #[test]
    fn the_last_slot_found_is_never_stale() {
        let tcp = Transport::Tcp;
        let mut t = FlowTable::new(Limits::default());
        let (a, b, c) = (ends(1000, 80), ends(2000, 80), ends(3000, 80));
        let (sa, _) = t.lookup(tcp, &a, 1, None, false);
        let (sb, _) = t.lookup(tcp, &b, 2, None, false);
        let (sc, _) = t.lookup(tcp, &c, 3, None, false);
        assert_eq!((sa, sb, sc), (0, 1, 2));
        assert_eq!(t.lookup_existing(tcp, &a, 4), Some(sa));
        // A leaves; C, the last, moves into its slot.
        let gone = t.remove(sa).unwrap();
        assert_eq!(gone.key, FlowKey::new(tcp, &a));
        assert_eq!(t.lookup_existing(tcp, &a, 5), None);
        assert_eq!(t.lookup_existing(tcp, &c, 6), Some(sa));
        assert_eq!(t.lookup_existing(tcp, &b, 7), Some(sb));
        // A again is a new flow, in a new slot.
        let (again, _) = t.lookup(tcp, &a, 8, None, false);
        assert_eq!(again, 2);
        assert_eq!(t.lookup_existing(tcp, &c, 9), Some(sa));
    }

    fn client_of(proto: Transport, e: &Endpoints, syn: Option<u32>, syn_ack: bool) -> u16 {
        let mut t = FlowTable::new(Limits::default());
        let (slot, _) = t.lookup(proto, e, 1, syn, syn_ack);
        t.flows[slot].client().1
    }

    #[test]
    fn the_opener_is_the_client() {
        // A SYN's sender, whatever the ports.
        assert_eq!(
            client_of(Transport::Tcp, &ends(80, 40000), Some(7), false),
            80
        );
        // A SYN-ACK's receiver: the capture missed the SYN.
        assert_eq!(
            client_of(Transport::Tcp, &ends(80, 40000), None, true),
            40000
        );
        assert_eq!(
            client_of(Transport::Tcp, &ends(4000, 5000), None, true),
            5000
        );
        // Mid-connection, a system port answering a higher one is the server.
        assert_eq!(
            client_of(Transport::Tcp, &ends(80, 1044), None, false),
            1044
        );
        assert_eq!(
            client_of(Transport::Udp, &ends(53, 50435), None, false),
            50435
        );
        // Otherwise the first sender.
        assert_eq!(
            client_of(Transport::Tcp, &ends(1044, 80), None, false),
            1044
        );
        assert_eq!(client_of(Transport::Udp, &ends(123, 123), None, false), 123);
        assert_eq!(
            client_of(Transport::Tcp, &ends(5000, 6000), None, false),
            5000
        );
    }
}

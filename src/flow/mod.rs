//! Flows: the table of TCP connections and UDP conversations, in-order TCP stream
//! following, the segment map (stream offset → frame bytes), and which dissector a
//! flow's bytes go to.
//!
//! Stream following here handles clean captures: in-order segments are fed to the
//! flow's dissector; a retransmission's already-seen bytes are left undecoded with a
//! note; a gap (lost or not-yet-arrived segment, or bytes cut by the snap length) is
//! reported to the dissector, which keeps its framing where it can (inside an opaque
//! TLS record) and otherwise marks what follows undecoded until it finds its footing.
//! Out-of-order buffering comes with full reassembly.
//!
//! Bounds: the number of flows ([`Limits::max_flows`], oldest-idle evicted first) and
//! the bytes buffered per direction ([`Limits::max_stream_buffer`]).

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use crate::decode::{Endpoints, TcpFlags};
use crate::fields;
use crate::note::{NoteGroup, Severity};
use crate::proto::tls::record::{plausible_header, Plausible};
use crate::proto::tls::TlsStream;
use crate::proto::{text, AppProto, Direction, Emitter};
use crate::span::Visibility;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Configurable bounds on what the flow stage holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_flows: usize,
    /// Unlabelled bytes buffered per direction before they are given up as undecoded.
    pub max_stream_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_flows: 200_000,
            max_stream_buffer: 256 * 1024,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowProto {
    Tcp,
    Udp,
}

/// A flow's identity, the same in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub proto: FlowProto,
    pub lo: (IpAddr, u16),
    pub hi: (IpAddr, u16),
}

impl FlowKey {
    pub fn new(proto: FlowProto, e: &Endpoints) -> FlowKey {
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

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct TcpDir {
    /// Sequence number of the next expected byte; `None` until the first segment.
    next_seq: Option<u32>,
    /// Stream offset of `next_seq`.
    next_off: u64,
    /// Unlabelled bytes, starting at stream offset `buf_base`.
    buf: Vec<u8>,
    buf_base: u64,
    /// Frames whose bytes are not all labelled yet, in stream order.
    pub segs: VecDeque<SegRef>,
    fin: bool,
}

impl TcpDir {
    /// Stream offset up to which every byte is labelled.
    pub fn labelled_to(&self) -> u64 {
        self.buf_base
    }
}

/// What the bytes of a flow are.
#[derive(Debug)]
pub enum App {
    /// Not enough bytes yet to tell.
    Detecting,
    Tls(Box<TlsStream>),
    /// Not TLS: each chunk is text or undecoded.
    Other,
}

impl App {
    pub fn proto(&self) -> Option<AppProto> {
        match self {
            App::Detecting => None,
            App::Tls(_) => Some(AppProto::Tls),
            App::Other => Some(AppProto::Text),
        }
    }
}

#[derive(Debug)]
pub struct Flow {
    /// 1-based, in order of first appearance.
    pub id: u64,
    pub key: FlowKey,
    /// The endpoint that opened the flow (sent the SYN, or the first packet).
    pub client: (IpAddr, u16),
    pub first_frame: u64,
    pub last_frame: u64,
    pub packets: [u64; 2],
    pub syn_seen: bool,
    /// Client ISN, to tell port reuse from a retransmitted SYN.
    client_isn: Option<u32>,
    pub tcp: [TcpDir; 2],
    pub app: App,
    /// A RST was seen: the connection is over.
    pub reset: bool,
}

impl Flow {
    pub fn direction(&self, e: &Endpoints) -> Direction {
        if (e.src, e.sport) == self.client {
            Direction::ToServer
        } else {
            Direction::ToClient
        }
    }

    /// Both sides sent FIN, or one sent RST: nothing more will be streamed.
    pub fn closed(&self) -> bool {
        self.reset || self.tcp.iter().all(|d| d.fin)
    }

    pub fn tls(&self) -> Option<&TlsStream> {
        match &self.app {
            App::Tls(t) => Some(t),
            _ => None,
        }
    }
}

/// What a segment did to the stream, for the engine's bookkeeping.
#[derive(Debug, Default)]
pub struct SegmentResult {
    /// Frame-relative bytes that went into the stream (labels come via the emitter).
    pub streamed: Option<(u32, u32)>,
    /// Frame-relative bytes labelled undecoded right away (already-seen data).
    pub retransmitted: Option<(u32, u32)>,
    /// Notes for this frame.
    pub notes: Vec<(Severity, NoteGroup, String)>,
}

pub struct FlowTable {
    limits: Limits,
    index: HashMap<FlowKey, usize>,
    flows: Vec<Flow>,
    next_id: u64,
    evicted: u64,
    /// Flows evicted and not yet handed to the engine.
    graveyard: Vec<Flow>,
}

impl FlowTable {
    pub fn new(limits: Limits) -> FlowTable {
        FlowTable {
            limits,
            index: HashMap::new(),
            flows: Vec::new(),
            next_id: 1,
            evicted: 0,
            graveyard: Vec::new(),
        }
    }

    /// Flows seen so far (including evicted ones).
    pub fn total(&self) -> u64 {
        self.next_id - 1
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Flow> {
        self.flows.get_mut(slot)
    }

    /// Finds a flow without creating one.
    pub fn find(&mut self, proto: FlowProto, e: &Endpoints) -> Option<usize> {
        self.index.get(&FlowKey::new(proto, e)).copied()
    }

    /// Takes a finished flow out of the table (both sides closed, or reset).
    pub fn close(&mut self, slot: usize) -> Option<Flow> {
        self.remove(slot)
    }

    /// Finds or creates the flow of a packet. A SYN with a new ISN on a known TCP
    /// flow starts a new flow (port reuse); the old one is returned for finishing.
    pub fn lookup(
        &mut self,
        proto: FlowProto,
        e: &Endpoints,
        frame: u64,
        syn: Option<u32>,
    ) -> (usize, Option<Flow>) {
        let key = FlowKey::new(proto, e);
        let mut retired = None;
        if let Some(&slot) = self.index.get(&key) {
            let reuse = match (syn, self.flows.get(slot)) {
                (Some(isn), Some(f)) => {
                    f.client_isn.is_some_and(|old| old != isn) && (e.src, e.sport) == f.client
                }
                _ => false,
            };
            if !reuse {
                if let Some(f) = self.flows.get_mut(slot) {
                    f.last_frame = frame;
                }
                return (slot, None);
            }
            retired = self.remove(slot);
        }
        if self.flows.len() >= self.limits.max_flows {
            // Evicted flows are returned through `drain_evicted`; here we only make room.
            self.evict_oldest();
        }
        let flow = Flow {
            id: self.next_id,
            key,
            client: (e.src, e.sport),
            first_frame: frame,
            last_frame: frame,
            packets: [0; 2],
            syn_seen: syn.is_some(),
            client_isn: syn,
            tcp: [TcpDir::default(), TcpDir::default()],
            app: App::Detecting,
            reset: false,
        };
        self.next_id += 1;
        self.flows.push(flow);
        let slot = self.flows.len() - 1;
        self.index.insert(key, slot);
        (slot, retired)
    }

    fn remove(&mut self, slot: usize) -> Option<Flow> {
        if slot >= self.flows.len() {
            return None;
        }
        let flow = self.flows.swap_remove(slot);
        self.index.remove(&flow.key);
        if let Some(moved) = self.flows.get(slot) {
            self.index.insert(moved.key, slot);
        }
        Some(flow)
    }

    /// Evicts the least recently seen tenth of the flows.
    fn evict_oldest(&mut self) {
        let n = (self.flows.len() / 10).max(1);
        let mut ages: Vec<(u64, u64)> = self.flows.iter().map(|f| (f.last_frame, f.id)).collect();
        if n < ages.len() {
            ages.select_nth_unstable(n);
        }
        let cutoff = ages
            .get(n.min(ages.len().saturating_sub(1)))
            .map_or(0, |a| a.0);
        let mut i = 0;
        let mut removed = 0;
        while i < self.flows.len() && removed < n {
            if self.flows.get(i).is_some_and(|f| f.last_frame <= cutoff) {
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
    pub fn drain_evicted(&mut self) -> Vec<Flow> {
        std::mem::take(&mut self.graveyard)
    }

    /// All remaining flows, for finishing at the end of the capture.
    pub fn drain_all(&mut self) -> Vec<Flow> {
        self.index.clear();
        std::mem::take(&mut self.flows)
    }
}

/// Feeds one TCP segment's captured payload `data` (frame bytes `frame_range`) into
/// its flow direction. Labels come out through `out`; the engine maps them to frames.
#[allow(clippy::too_many_arguments)] // one segment's facts; a struct would only rename them
pub fn tcp_segment(
    flow: &mut Flow,
    dir: Direction,
    seq: u32,
    flags: TcpFlags,
    data: &[u8],
    frame_range: (u32, u32),
    wire_len: u32,
    frame: u64,
    limits: &Limits,
    out: &mut Emitter,
) -> SegmentResult {
    let mut result = SegmentResult::default();
    let syn = flags.has(TcpFlags::SYN);
    let d = dir.index();
    let Some(state) = flow.tcp.get_mut(d) else {
        return result;
    };
    // The first byte of data: a SYN occupies one sequence number.
    let data_seq = if syn { seq.wrapping_add(1) } else { seq };
    let next = match state.next_seq {
        Some(n) => n,
        None => {
            if !syn {
                let what = if flow.syn_seen {
                    "this direction's SYN"
                } else {
                    "the TCP handshake"
                };
                result.notes.push((
                    Severity::Note,
                    NoteGroup::Sequence,
                    format!("{what} was not captured: the stream is followed from here (handshake not seen)"),
                ));
            }
            state.next_seq = Some(data_seq);
            data_seq
        }
    };
    let delta = data_seq.wrapping_sub(next) as i32;
    let mut skip = 0usize;
    if delta < 0 {
        // Some or all of this segment was seen before.
        let dup = usize::try_from(delta.unsigned_abs())
            .unwrap_or(usize::MAX)
            .min(data.len());
        if dup > 0 {
            result.retransmitted = Some((frame_range.0, frame_range.0 + dup as u32));
            result.notes.push((
                Severity::Note,
                NoteGroup::Sequence,
                format!("{dup} bytes retransmitted or overlapping: not examined again"),
            ));
        }
        skip = usize::try_from(delta.unsigned_abs()).unwrap_or(usize::MAX);
    } else if delta > 0 {
        let missing = u64::from(delta.unsigned_abs());
        result.notes.push((
            Severity::Warn,
            NoteGroup::Sequence,
            format!("{missing} bytes of the stream before this segment were not captured (lost or out of order)"),
        ));
        stream_gap(flow, dir, missing, limits, out);
    }
    let Some(state) = flow.tcp.get_mut(d) else {
        return result;
    };
    let fresh = data.get(skip..).unwrap_or(&[]);
    if !fresh.is_empty() {
        let start = state.next_off;
        let off = frame_range.0 + skip as u32;
        state.segs.push_back(SegRef {
            start,
            len: fresh.len() as u32,
            frame,
            frame_off: off,
        });
        result.streamed = Some((off, off + fresh.len() as u32));
        state.next_off += fresh.len() as u64;
        run_dissector_with(flow, dir, fresh, limits, out);
    }
    // Bytes the segment carried on the wire but the capture cut off.
    let captured_end = (skip as u64).max(data.len() as u64);
    let cut = u64::from(wire_len).saturating_sub(captured_end);
    if cut > 0 {
        stream_gap(flow, dir, cut, limits, out);
    }
    if let Some(state) = flow.tcp.get_mut(d) {
        // Every byte up to the segment's end is now accounted for (streamed, seen
        // before, or reported missing): move the expected sequence number past it.
        let end_seq = data_seq.wrapping_add(wire_len);
        if (end_seq.wrapping_sub(next) as i32) > 0 {
            state.next_seq = Some(end_seq);
        }
        if flags.has(TcpFlags::FIN) && !state.fin {
            state.fin = true;
            state.next_seq = state.next_seq.map(|n| n.wrapping_add(1));
        }
    }
    if flags.has(TcpFlags::FIN) {
        finish_dir(flow, dir, out);
    }
    if flags.has(TcpFlags::RST) {
        finish_dir(flow, Direction::ToServer, out);
        finish_dir(flow, Direction::ToClient, out);
    }
    result
}

/// Tells the dissector that `len` bytes are missing at the current stream position.
fn stream_gap(flow: &mut Flow, dir: Direction, len: u64, limits: &Limits, out: &mut Emitter) {
    // Whatever is buffered must be labelled before the hole.
    run_dissector(flow, dir, true, limits, out);
    let d = dir.index();
    let Some(state) = flow.tcp.get_mut(d) else {
        return;
    };
    let at = state.next_off;
    state.next_off += len;
    state.buf_base = state.next_off;
    match &mut flow.app {
        App::Tls(tls) => tls.gap(dir, len, out, at),
        App::Detecting | App::Other => {}
    }
}

/// Labels everything buffered in a direction (end of stream).
pub fn finish_dir(flow: &mut Flow, dir: Direction, out: &mut Emitter) {
    run_dissector(flow, dir, true, &Limits::default(), out);
}

/// Runs the dissector over buffered bytes plus `fresh` ones. When nothing is
/// buffered (the common case) the fresh bytes are read in place and only what the
/// dissector leaves is copied.
fn run_dissector_with(
    flow: &mut Flow,
    dir: Direction,
    fresh: &[u8],
    limits: &Limits,
    out: &mut Emitter,
) {
    let d = dir.index();
    let direct =
        flow.tcp.get(d).is_some_and(|s| s.buf.is_empty()) && !matches!(flow.app, App::Detecting);
    if !direct {
        if let Some(state) = flow.tcp.get_mut(d) {
            state.buf.extend_from_slice(fresh);
        }
        run_dissector(flow, dir, false, limits, out);
        return;
    }
    let Some(state) = flow.tcp.get_mut(d) else {
        return;
    };
    let base = state.buf_base;
    let done = match &mut flow.app {
        App::Tls(tls) => tls.feed(dir, base, fresh, out),
        App::Other => {
            text::classify_chunk(base, fresh, out);
            fresh.len()
        }
        App::Detecting => 0,
    }
    .min(fresh.len());
    state.buf_base += done as u64;
    state
        .buf
        .extend_from_slice(fresh.get(done..).unwrap_or(&[]));
}

/// Runs the flow's dissector over a direction's buffered bytes. With `flush`, every
/// buffered byte is labelled (end of stream, or a gap follows).
fn run_dissector(flow: &mut Flow, dir: Direction, flush: bool, limits: &Limits, out: &mut Emitter) {
    let d = dir.index();
    if flow.tcp.get(d).is_none_or(|s| s.buf.is_empty()) {
        return;
    }
    if matches!(flow.app, App::Detecting) {
        let first = flow.tcp.get(d).map(|s| s.buf.as_slice()).unwrap_or(&[]);
        flow.app = match plausible_header(first) {
            Plausible::Yes(_) => App::Tls(Box::default()),
            Plausible::NeedMore if !flush => return,
            Plausible::NeedMore | Plausible::No => App::Other,
        };
    }
    let Some(state) = flow.tcp.get_mut(d) else {
        return;
    };
    let base = state.buf_base;
    let done = match &mut flow.app {
        App::Tls(tls) => {
            if flush {
                tls.flush(dir, base, &state.buf, out);
                state.buf.len()
            } else {
                tls.feed(dir, base, &state.buf, out)
            }
        }
        App::Other => {
            text::classify_chunk(base, &state.buf, out);
            state.buf.len()
        }
        App::Detecting => 0,
    };
    let done = done.min(state.buf.len());
    state.buf.drain(..done);
    state.buf_base += done as u64;
    if state.buf.len() > limits.max_stream_buffer {
        let at = state.buf_base;
        let n = state.buf.len() as u64;
        out.span(at..at + n, fields::PAYLOAD, Visibility::Undecoded);
        out.note(
            at..at + n,
            Severity::Warn,
            NoteGroup::Reassembly,
            format!(
                "{n} bytes waited for a complete message beyond the {}-byte stream buffer; \
                 left undecoded",
                limits.max_stream_buffer
            ),
        );
        state.buf.clear();
        state.buf_base += n;
        if let App::Tls(tls) = &mut flow.app {
            tls.lose_sync(dir);
        }
    }
}

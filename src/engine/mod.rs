//! Wires source → decode → flows → dissectors → sink, with deferred release.
//!
//! A frame is decoded as soon as it arrives, then waits in `pending` until every
//! payload byte it carries has a label: a frame whose bytes sit in an incomplete TLS
//! handshake message waits for the rest of the message. Frames leave in capture
//! order. A frame whose bytes cannot be labelled within the bounds (the pending limit,
//! or its flow was evicted) leaves with those bytes `Undecoded` and a note.
//!
//! The same path serves files and live capture: the source only calls [`Engine::push`].
//!
//! - `mod.rs`: the pending queue and release in capture order, flow endings, reports;
//! - [`config`]: the engine's bounds and switches;
//! - [`transport`]: a frame's payload to its flow (UDP, TCP reassembly, IP fragments);
//! - [`lives`]: the live reports of the flows in the table, found by slot;
//! - [`place`]: mapping labels from stream or datagram offsets back onto frames;
//! - [`parallel`]: `-j N`, shards of the flows on worker threads, merged back into
//!   the order one engine releases things in.

mod config;
mod lives;
mod names;
pub mod parallel;
mod place;
mod transport;

pub use config::EngineConfig;
use place::{pending_mut, project, release_dropped};

use crate::capture::{Frame, Timestamp};
use crate::decode::{self, Decoded, Transport};
use crate::flow::frag::Defrag;
use crate::flow::{self, App, Flow, FlowTable};
use crate::note::{Note, NoteGroup, Severity};
use crate::proto::{Desc, Direction, Emitter};
use crate::report::{FlowEnd, FlowReport};
use crate::sink::{FrameView, Sink, Summary};
use crate::span::{ByteMap, Label};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;

fn unsupported_link_warning(frame: &Frame) -> String {
    format!(
        "interface {} has link type {}, which eavesdrop does not decode: \
         its frames are shown as undecoded bytes",
        frame.interface, frame.link
    )
}

/// The order of a flow still open when the capture ended, `last` its last frame.
fn at_end(last: u64, id: u64) -> EndOrder {
    EndOrder {
        after: last,
        class: EndOrder::AT_END,
        sub: id,
    }
}

/// The order of a flow ended by the frame being read (evicted, or replaced by a new
/// connection on its ports).
fn by_frame(current: u64) -> EndOrder {
    EndOrder {
        after: current,
        class: EndOrder::BY_FRAME,
        sub: 0,
    }
}

/// See [`Engine::holding`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holding {
    pub pending_frames: usize,
    pub held_tcp_bytes: usize,
    pub held_fragment_bytes: usize,
    pub flows: usize,
}

struct Pending {
    frame: Frame,
    /// Boxed, as are the spare ones: a frame's decoding moves from the spares to the
    /// queue, out of it and back with a pointer's copy (moved inline, those four moves
    /// of a few hundred bytes were 1% of `show`).
    decoded: Box<Decoded>,
    /// The flow (id) and direction this frame's payload belongs to.
    flow: Option<(u64, Direction)>,
    /// That flow's slot in `lives` ([`lives::NO_SLOT`]: none).
    live: u32,
    /// Stream segments of this frame not yet fully labelled.
    open: u32,
    events: Vec<Desc>,
    /// Units decrypted with the endpoints' keys whose last byte is in this frame.
    decrypted: Vec<crate::proto::Decrypted>,
}

/// Where a flow's end falls among the frames one engine releases, so that the reports
/// of several shards merge into the order one engine hands them out in: after the
/// frame numbered `after` (the frame being read when the flow ended), then by `class`
/// — flows whose lingering ended at that frame (`sub`: the frame they closed at), flows
/// ended by that frame itself (evicted or replaced; one shard reads a frame, so its
/// order within the class is the shard's), flows still open at the end of the capture
/// (`sub`: their id), reports of flows that never ended (`sub`: their id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EndOrder {
    pub after: u64,
    pub class: u8,
    pub sub: u64,
}

impl EndOrder {
    const SWEPT: u8 = 0;
    const BY_FRAME: u8 = 1;
    const AT_END: u8 = 2;
    const NEVER_ENDED: u8 = 3;
}

/// A flow that ended, as an engine of `-j N` hands it to the merger: its report (when
/// reports are on) and its id, which the merger then forgets.
pub(crate) struct EndedFlow {
    pub order: EndOrder,
    pub id: u64,
    pub report: Option<Box<FlowReport>>,
}

struct Ended {
    order: EndOrder,
    id: u64,
}

pub struct Engine<S: Sink> {
    sink: S,
    config: EngineConfig,
    /// One shard of `-j N` ([`parallel`]): names, unsupported links and the order of
    /// reports are the merger's; ended flows go to `outbox`.
    shard: bool,
    /// The number of the newest frame read (or, in a shard, passed by).
    newest: u64,
    outbox: Vec<EndedFlow>,
    flows: FlowTable,
    pending: VecDeque<Pending>,
    emitter: Emitter,
    summary: Summary,
    warned_interfaces: HashSet<u32>,
    defrag: Defrag,
    /// What the released frames of each flow in the table told (`config.reports`).
    lives: lives::Lives,
    /// Reports of ended flows whose frames are still on their way.
    ending: HashMap<u64, Box<FlowReport>, foldhash::fast::RandomState>,
    /// Flows that ended, with the frame read when they ended. Their report leaves once
    /// that frame has been released.
    ended: VecDeque<Ended>,
    /// Buffers of released frames, for the reader to reuse ([`Engine::spare_buffer`]),
    /// and decode results to reuse.
    spare: Vec<Vec<u8>>,
    // Boxed so that taking one out and putting it back moves a pointer (see
    // `Pending::decoded`).
    #[allow(clippy::vec_box)]
    spare_decoded: Vec<Box<Decoded>>,
    /// Event lists of released frames, emptied, to reuse.
    spare_events: Vec<Vec<Desc>>,
    /// Names DNS answers tied to addresses (`config.reports`).
    names: names::NameTable,
    /// Reused for every frame's byte map.
    map: ByteMap,
    map_scratch: Vec<(u32, u32, Label)>,
}

impl<S: Sink> Engine<S> {
    pub fn new(sink: S, config: EngineConfig) -> Engine<S> {
        Engine {
            sink,
            config,
            shard: false,
            newest: 0,
            outbox: Vec::new(),
            flows: FlowTable::new(config.limits),
            pending: VecDeque::new(),
            emitter: Emitter::for_sink(&config),
            summary: Summary::default(),
            warned_interfaces: HashSet::new(),
            defrag: Defrag::new(config.frag),
            lives: lives::Lives::default(),
            ending: HashMap::default(),
            ended: VecDeque::new(),
            names: names::NameTable::default(),
            map: ByteMap::default(),
            map_scratch: Vec::new(),
            spare: Vec::new(),
            spare_decoded: Vec::new(),
            spare_events: Vec::new(),
        }
    }

    /// One shard of `-j N`: it reads the frames of its flows and is told of the others
    /// ([`Engine::tick`]).
    pub(crate) fn shard(sink: S, config: EngineConfig) -> Engine<S> {
        let mut e = Engine::new(sink, config);
        e.shard = true;
        e
    }

    /// A shard is told that frame `number` (another shard's) was read: what one engine
    /// does on every frame whatever its flow — closed flows whose lingering is over
    /// leave, IP fragments time out, frames waiting too long are released — happens at
    /// the same frame, so every shard labels and releases as one engine would.
    pub(crate) fn tick(&mut self, number: u64, ts: Timestamp) -> io::Result<()> {
        self.newest = number;
        self.sweep(number);
        if !self.defrag.is_empty() {
            let mut gave_up = Vec::new();
            self.defrag.expire(ts, &mut gave_up);
            self.fragments_given_up(gave_up);
        }
        self.release_ready()
    }

    /// Flows ended since the last call (a shard's).
    pub(crate) fn take_ended(&mut self) -> std::vec::Drain<'_, EndedFlow> {
        self.outbox.drain(..)
    }

    /// Flows created so far; ids are 1, 2, 3… in that order.
    pub(crate) fn flows_created(&self) -> u64 {
        self.flows.total()
    }

    /// What the engine holds right now (frames waiting for labels, out-of-order TCP
    /// bytes, IP fragment bytes), to check it against the bounds.
    pub fn holding(&self) -> Holding {
        Holding {
            pending_frames: self.pending.len(),
            held_tcp_bytes: self.flows.shared.held_bytes,
            held_fragment_bytes: self.defrag.held_bytes(),
            flows: self.flows.len(),
        }
    }

    /// Decrypts with the endpoints' secrets (`--keylog`, Decryption Secrets Blocks):
    /// flows made from now on get them. The observer's labels do not change.
    pub fn set_keys(&mut self, keys: crate::keys::KeyRing) {
        self.flows.set_keys(keys);
    }

    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Passes a warning (not tied to a frame) to the sink.
    pub fn warning(&mut self, text: &str) -> io::Result<()> {
        self.sink.warning(text)
    }

    /// Takes one frame through the pipeline; releases every frame that is ready.
    pub fn push(&mut self, frame: Frame) -> io::Result<()> {
        if !frame.link.is_supported() && !self.shard {
            self.unsupported_link(&frame)?;
        }
        self.newest = frame.number;
        let mut decoded = self.spare_decoded.pop().unwrap_or_else(|| {
            Box::new(Decoded {
                spans: Vec::with_capacity(32),
                layers: Vec::with_capacity(6),
                ..Decoded::default()
            })
        });
        if self.config.fields {
            decode::decode(&frame, &mut decoded);
        } else {
            decode::decode_labels(&frame, &mut decoded);
        }
        let number = frame.number;
        self.pending.push_back(Pending {
            frame,
            decoded,
            flow: None,
            live: lives::NO_SLOT,
            open: 0,
            events: self.spare_events.pop().unwrap_or_default(),
            decrypted: Vec::new(),
        });
        self.payload(number);
        self.release_ready()
    }

    fn unsupported_link(&mut self, frame: &Frame) -> io::Result<()> {
        match self
            .summary
            .unsupported_links
            .iter_mut()
            .find(|(l, _)| *l == frame.link)
        {
            Some((_, n)) => *n += 1,
            None => self.summary.unsupported_links.push((frame.link, 1)),
        }
        if self.warned_interfaces.insert(frame.interface) {
            self.sink.warning(&unsupported_link_warning(frame))?;
        }
        Ok(())
    }

    /// Finishes flows the table evicted to make room. (Evicting happens inside
    /// `lookup`, before the new flow gets its slot, so slots stay valid.)
    fn after_lookup(&mut self, current: u64) {
        for mut evicted in self.flows.drain_evicted() {
            self.finish_flow(&mut evicted, current, FlowEnd::Evicted, by_frame(current));
        }
    }

    /// Closed flows whose lingering is over leave (first thing on every frame: removing
    /// moves slots).
    fn sweep(&mut self, number: u64) {
        while let Some((mut old, at)) = self.flows.sweep(number) {
            let why = if old.reset {
                FlowEnd::Reset
            } else {
                FlowEnd::Closed
            };
            let order = EndOrder {
                after: number,
                class: EndOrder::SWEPT,
                sub: at,
            };
            self.finish_flow(&mut old, number, why, order);
        }
    }

    /// Ends a flow: every byte it still buffers gets a label, its frames stop waiting,
    /// and its report takes the facts of its dissectors. Every flow passes here exactly
    /// once (closed and swept, replaced, evicted, or at the end of the capture).
    fn finish_flow(&mut self, flow: &mut Flow, current: u64, why: FlowEnd, order: EndOrder) {
        debug_assert_eq!(order.after, current);
        self.flush_flow(flow, current);
        self.end_report(flow, why, order);
    }

    /// The first half of [`Engine::finish_flow`]: every byte the flow still buffers gets
    /// a label, and its frames stop waiting.
    fn flush_flow(&mut self, flow: &mut Flow, current: u64) {
        match flow.key.proto {
            Transport::Tcp => self.summary.tcp_flows += 1,
            Transport::Udp => self.summary.udp_flows += 1,
        }
        if flow.tls().is_some() {
            self.summary.tls_flows += 1;
        }
        let mut dropped = Vec::new();
        for d in [Direction::ToServer, Direction::ToClient] {
            flow::tcp::finish_dir(
                flow,
                d,
                &self.config.limits,
                &mut self.flows.shared,
                &mut dropped,
                &mut self.emitter,
            );
            project(flow, d, &mut self.emitter, &mut self.pending, current, true);
            // Stretches that never got labels (a dissector bug) must not hold frames.
            let Some(state) = flow.tcp.existing_mut(d) else {
                continue;
            };
            let dups = state.dups_mut().map(std::mem::take).unwrap_or_default();
            for seg in state.segs.take_all().chain(dups) {
                if let Some(p) = pending_mut(&mut self.pending, seg.frame) {
                    p.open = p.open.saturating_sub(1);
                }
            }
        }
        release_dropped(&mut self.pending, dropped);
    }

    /// The second half of [`Engine::finish_flow`]: the flow's report takes the facts of
    /// its dissectors and waits for the flow's frames still on their way.
    fn end_report(&mut self, flow: &Flow, why: FlowEnd, order: EndOrder) {
        if self.config.reports {
            let mut report = Box::new(FlowReport::for_flow(flow));
            if let Some(live) = self.lives.take(flow.live, flow.id) {
                report.attach(live);
            }
            let facts = match &flow.app {
                App::Known(stack) => stack.facts(),
                App::Detecting => Default::default(),
            };
            report.ended(facts, why, flow.syn_seen);
            // When none of the flow's frames waits (mostly: a flow evicted long after its
            // last frame), nothing more can be added: the live report is taken in now,
            // not held beside the report until it leaves (a tenth of a full table is
            // evicted at once). Looked for only among a few waiting frames.
            let id = flow.id;
            if self.pending.len() <= 64
                && !self
                    .pending
                    .iter()
                    .any(|p| p.flow.is_some_and(|f| f.0 == id))
            {
                report.settle();
            }
            self.ending.insert(flow.id, report);
        }
        if self.config.reports || self.shard {
            self.ended.push_back(Ended { order, id: flow.id });
        }
    }

    /// Hands over the reports of ended flows whose frames have all been released.
    fn emit_ended(&mut self) -> io::Result<()> {
        // Frames before the first pending one are all released.
        let released = self
            .pending
            .front()
            .map_or(u64::MAX, |p| p.frame.number.saturating_sub(1));
        while let Some(&Ended { order, id }) = self.ended.front() {
            if order.after > released {
                break;
            }
            self.ended.pop_front();
            let mut report = self.ending.remove(&id);
            if let Some(r) = report.as_mut() {
                r.settle();
            }
            if self.shard {
                self.outbox.push(EndedFlow { order, id, report });
                continue;
            }
            if let Some(mut report) = report {
                report.complete_names(|addr, before| {
                    self.names
                        .before(addr, before)
                        .map(|(n, f)| (n.to_string(), f))
                        .collect()
                });
                self.sink.flow_owned(*report)?;
            }
        }
        // A burst of ended flows waiting for a held frame leaves no room behind.
        if self.ending.is_empty() && self.ending.capacity() > 1024 {
            self.ending.shrink_to(0);
        }
        Ok(())
    }

    fn release_ready(&mut self) -> io::Result<()> {
        if !self.ended.is_empty() {
            self.emit_ended()?;
        }
        loop {
            // Frames wait at most `max_pending_frames` frames: counted in frame numbers,
            // which one engine holds without gaps and a shard of `-j N` holds a part of.
            let ready = match self.pending.front() {
                Some(p) => {
                    p.open == 0
                        || p.frame
                            .number
                            .saturating_add(self.config.max_pending_frames as u64)
                            <= self.newest
                }
                None => false,
            };
            if !ready {
                return Ok(());
            }
            if let Some(p) = self.pending.pop_front() {
                self.release(p)?;
            }
            if !self.ended.is_empty() {
                self.emit_ended()?;
            }
        }
    }

    fn release(&mut self, p: Pending) -> io::Result<()> {
        // The reason is written only for a frame released early (formatting it for every
        // frame cost a few per cent of `flows`).
        let why = if p.open > 0 {
            format!(
                "more than {} frames were waiting",
                self.config.max_pending_frames
            )
        } else {
            String::new()
        };
        self.release_because(p, &why)
    }

    fn release_because(&mut self, mut p: Pending, why: &str) -> io::Result<()> {
        if p.open > 0 {
            self.summary.forced_releases += 1;
            p.decoded.notes.push(Note::new(
                Severity::Warn,
                NoteGroup::Reassembly,
                format!(
                    "released before its payload was classified ({why}); \
                     the rest is left undecoded"
                ),
            ));
        }
        let mut map = std::mem::take(&mut self.map);
        let (len, spans) = (p.frame.cap_len(), &p.decoded.spans[..]);
        let range = p.decoded.payload_range();
        // The runs only for a sink that reads them; the counts either way.
        let counts = if self.sink.reads_maps().holds(p.flow.is_none()) {
            map.rebuild(len, spans, &mut self.map_scratch);
            range.clone().map(|r| map.count_in(r))
        } else {
            let within = range.clone().unwrap_or(0..0);
            Some(map.count(len, spans, within, &mut self.map_scratch))
        };
        let s = &mut self.summary;
        s.frames += 1;
        for (total, n) in s.bytes.iter_mut().zip(map.totals()) {
            *total += n;
        }
        let payload = range.zip(counts).map(|(range, counts)| {
            for (total, n) in s.payload.iter_mut().zip(counts) {
                *total += n;
            }
            (range, counts)
        });
        for note in &p.decoded.notes {
            if let Some(n) = s.notes.get_mut(note.group.index()) {
                *n += 1;
            }
        }
        let view = FrameView {
            frame: &p.frame,
            decoded: &p.decoded,
            map: &map,
            events: &p.events,
            flow: p.flow,
            decrypted: &p.decrypted,
        };
        if let Some((id, dir)) = p.flow {
            if let Some(live) = self.lives.get_mut(p.live, id) {
                live.account(dir, &view, payload);
            } else if let Some(report) = self.ending.get_mut(&id) {
                report.live_mut().account(dir, &view, payload);
            }
        }
        if self.config.reports && !self.shard {
            for e in view.events {
                if let Desc::Resolved { names, addr } = e {
                    self.names.learn(names, *addr, view.frame.number);
                }
            }
        }
        let result = self.sink.frame(&view);
        self.map = map;
        if self.spare.len() < 64 {
            self.spare.push(p.frame.data);
        }
        if self.spare_decoded.len() < 64 {
            self.spare_decoded.push(p.decoded);
        }
        if self.spare_events.len() < 64 && p.events.capacity() > 0 {
            let mut events = p.events;
            events.clear();
            self.spare_events.push(events);
        }
        result
    }

    /// Live capture: shows every frame up to `number` now, whether or not its bytes are
    /// all labelled (a message still incomplete after the hold time leaves its bytes in
    /// that frame undecoded, with a note saying so).
    pub fn release_through(&mut self, number: u64, held_ms: u64) -> io::Result<()> {
        let why = format!("held {held_ms} ms waiting for the rest of its message");
        while self
            .pending
            .front()
            .is_some_and(|p| p.frame.number <= number)
        {
            if let Some(p) = self.pending.pop_front() {
                self.release_because(p, &why)?;
            }
        }
        self.release_ready()?;
        self.emit_ended()
    }

    /// Frames waiting for labels right now.
    pub fn pending_frames(&self) -> usize {
        self.pending.len()
    }

    /// A released frame's buffer, for the capture reader to fill again
    /// ([`crate::CaptureReader::recycle`]).
    pub fn spare_buffer(&mut self) -> Option<Vec<u8>> {
        self.spare.pop()
    }

    /// Ends the capture: labels everything still buffered, releases every frame, and
    /// hands the summary to the sink.
    ///
    /// Flows still open are finished oldest first, and each report leaves once its last
    /// frame has (as while reading), so that `-j N` can give the same order.
    pub fn finish(mut self) -> io::Result<(S, Summary)> {
        self.finish_flows()?;
        self.sink.finish(&self.summary)?;
        Ok((self.sink, self.summary))
    }

    /// [`Engine::finish`] for a shard of `-j N`: the flows ended last come back too.
    pub(crate) fn finish_shard(mut self) -> io::Result<(S, Summary, Vec<EndedFlow>)> {
        self.finish_flows()?;
        self.sink.finish(&self.summary)?;
        Ok((self.sink, self.summary, self.outbox))
    }

    fn finish_flows(&mut self) -> io::Result<()> {
        let last = self.newest;
        let mut gave_up = Vec::new();
        self.defrag.drain(&mut gave_up);
        self.fragments_given_up(gave_up);
        let mut open = self.flows.drain_all();
        open.sort_unstable_by_key(|f| f.id);
        // Every flow's bytes get their labels, then every frame is released. With
        // reports, each flow's report is made and handed out after that, in turn: the
        // reports of a full table are not all held at once. (Each would have left only
        // after the last frame anyway: the same order.) Without, a flow goes as soon as
        // its bytes have their labels.
        let mut later = Vec::new();
        for mut flow in open {
            // (As the flow was before its last bytes were flushed.)
            let why = if flow.reset {
                FlowEnd::Reset
            } else if flow.closed() {
                FlowEnd::Closed
            } else {
                FlowEnd::Open
            };
            self.flush_flow(&mut flow, last);
            if self.config.reports {
                later.push((flow, why));
            } else {
                self.end_report(&flow, why, at_end(last, flow.id));
            }
        }
        while let Some(p) = self.pending.pop_front() {
            self.release(p)?;
            if !self.ended.is_empty() {
                self.emit_ended()?;
            }
        }
        for (flow, why) in later {
            self.end_report(&flow, why, at_end(last, flow.id));
            drop(flow);
            self.emit_ended()?;
        }
        self.emit_ended()?;
        // Every flow in the table ended above, and took its live report with it.
        debug_assert!(self.lives.is_empty());
        // Reports of flows that were never handed out (none should remain), oldest first.
        let mut rest: Vec<Box<FlowReport>> = self.ending.drain().map(|(_, r)| r).collect();
        rest.sort_by_key(|r| r.id);
        for r in &mut rest {
            r.settle();
        }
        if self.shard {
            for report in rest {
                let order = EndOrder {
                    after: last,
                    class: EndOrder::NEVER_ENDED,
                    sub: report.id,
                };
                self.outbox.push(EndedFlow {
                    order,
                    id: report.id,
                    report: Some(report),
                });
            }
            rest = Vec::new();
        }
        for r in &mut rest {
            r.complete_names(|addr, before| {
                self.names
                    .before(addr, before)
                    .map(|(n, f)| (n.to_string(), f))
                    .collect()
            });
            self.sink.flow(r)?;
        }
        self.summary.flows = self.flows.total();
        self.summary.evicted_flows = self.flows.evicted();
        Ok(())
    }
}

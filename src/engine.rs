//! Wires source → decode → flows → dissectors → sink, with deferred release.
//!
//! A frame is decoded as soon as it arrives, then waits in `pending` until every
//! payload byte it carries has a label: a frame whose bytes sit in an incomplete TLS
//! handshake message waits for the rest of the message. Frames leave in capture
//! order. A frame whose bytes cannot be labelled within the bounds (the pending limit,
//! or its flow was evicted) leaves with those bytes `Undecoded` and a note.
//!
//! The same path serves files and live capture: the source only calls [`Engine::push`].

use crate::capture::{Frame, LinkType};
use crate::decode::{self, Decoded, Transport};
use crate::flow::{self, Flow, FlowProto, FlowTable, Limits, SegmentIn};
use crate::note::{Note, NoteGroup, Severity};
use crate::proto::{text, Desc, Direction, Emitter};
use crate::render::{FrameView, Sink};
use crate::span::{ByteMap, Label, Span};
use std::collections::{HashSet, VecDeque};
use std::io;

/// Engine bounds and switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    pub limits: Limits,
    /// Frames held for classification before the oldest is released as it is.
    pub max_pending_frames: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            limits: Limits::default(),
            max_pending_frames: 50_000,
        }
    }
}

/// Totals for the closing summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub frames: u64,
    pub flows: u64,
    pub tcp_flows: u64,
    pub udp_flows: u64,
    pub tls_flows: u64,
    /// Captured bytes per [`Label`].
    pub bytes: [u64; Label::COUNT],
    /// Transport payload bytes per [`Label`].
    pub payload: [u64; Label::COUNT],
    /// Notes per [`NoteGroup`].
    pub notes: [u64; NoteGroup::ALL.len()],
    /// Frames released before all their bytes were classified.
    pub forced_releases: u64,
    pub evicted_flows: u64,
    /// Link types without a decoder, and how many frames had them.
    pub unsupported_links: Vec<(LinkType, u64)>,
}

struct Pending {
    frame: Frame,
    decoded: Decoded,
    /// Stream segments of this frame not yet fully labelled.
    open: u32,
    events: Vec<Desc>,
}

pub struct Engine<S: Sink> {
    sink: S,
    config: EngineConfig,
    flows: FlowTable,
    pending: VecDeque<Pending>,
    emitter: Emitter,
    summary: Summary,
    warned_interfaces: HashSet<u32>,
}

impl<S: Sink> Engine<S> {
    pub fn new(sink: S, config: EngineConfig) -> Engine<S> {
        Engine {
            sink,
            config,
            flows: FlowTable::new(config.limits),
            pending: VecDeque::new(),
            emitter: Emitter::default(),
            summary: Summary::default(),
            warned_interfaces: HashSet::new(),
        }
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
        if !frame.link.is_supported() {
            self.unsupported_link(&frame)?;
        }
        let mut decoded = Decoded::default();
        decode::decode(&frame, &mut decoded);
        let number = frame.number;
        self.pending.push_back(Pending {
            frame,
            decoded,
            open: 0,
            events: Vec::new(),
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
            self.sink.warning(&format!(
                "interface {} has link type {}, which eavesdrop does not decode: \
                 its frames are shown as undecoded bytes",
                frame.interface, frame.link
            ))?;
        }
        Ok(())
    }

    /// Sends the newest frame's payload to its flow.
    fn payload(&mut self, number: u64) {
        // Closed flows whose lingering is over leave first: removing moves slots.
        for mut old in self.flows.sweep(number) {
            self.finish_flow(&mut old, number);
        }
        let Some(p) = self.pending.back() else { return };
        let Some(payload) = p.decoded.payload.clone() else {
            return;
        };
        let range = (payload.range.start, payload.range.end);
        match payload.transport {
            Transport::Udp => {
                let (slot, _) = self
                    .flows
                    .lookup(FlowProto::Udp, &payload.endpoints, number, None);
                self.after_lookup(number);
                let Some(flow) = self.flows.get_mut(slot) else {
                    return;
                };
                let dir = flow.direction(&payload.endpoints);
                if let Some(n) = flow.packets.get_mut(dir.index()) {
                    *n += 1;
                }
                let Some(p) = self.pending.back_mut() else {
                    return;
                };
                let bytes = p
                    .frame
                    .data
                    .get(range.0 as usize..range.1 as usize)
                    .unwrap_or(&[]);
                if bytes.is_empty() {
                    return;
                }
                // Frame offsets stand in for stream offsets: one datagram, one frame.
                let out = &mut self.emitter;
                out.clear();
                let ports = (payload.endpoints.sport, payload.endpoints.dport);
                let dns_ports = [53, 5353, 5355];
                if flow.quic.is_some() || crate::proto::quic::looks_like_quic(bytes) {
                    flow.quic.get_or_insert_with(Box::default).datagram(
                        dir,
                        u64::from(range.0),
                        bytes,
                        out,
                    );
                } else if dns_ports.contains(&ports.0) || dns_ports.contains(&ports.1) {
                    crate::proto::dns::message(u64::from(range.0), bytes, out);
                } else {
                    text::classify_chunk(u64::from(range.0), bytes, out);
                }
                for s in out.spans.drain(..) {
                    p.decoded.spans.push(Span::new(
                        s.range.start as u32..s.range.end as u32,
                        s.field,
                        s.vis,
                    ));
                }
                p.events.extend(out.events.drain(..).map(|e| e.desc));
                for n in out.notes.drain(..) {
                    p.decoded.notes.push(
                        Note::new(n.severity, n.group, n.text)
                            .at(n.at.start as u32..n.at.end as u32),
                    );
                }
            }
            Transport::Tcp { seq, flags, .. } => {
                let syn = (flags.has(decode::TcpFlags::SYN) && !flags.has(decode::TcpFlags::ACK))
                    .then_some(seq);
                // A segment that carries nothing (a bare ACK) of an unknown connection,
                // such as the last ACK after both FINs, does not open a flow.
                let carries = range.1 > range.0
                    || payload.wire_len > 0
                    || flags.0 & (decode::TcpFlags::SYN | decode::TcpFlags::FIN) != 0;
                if !carries
                    && self
                        .flows
                        .find(FlowProto::Tcp, &payload.endpoints)
                        .is_none()
                {
                    return;
                }
                let (slot, retired) =
                    self.flows
                        .lookup(FlowProto::Tcp, &payload.endpoints, number, syn);
                if let Some(mut old) = retired {
                    self.finish_flow(&mut old, number);
                }
                self.after_lookup(number);
                let limits = self.config.limits;
                let Some((flow, shared)) = self.flows.get_with_shared(slot) else {
                    return;
                };
                let dir = flow.direction(&payload.endpoints);
                if let Some(n) = flow.packets.get_mut(dir.index()) {
                    *n += 1;
                }
                let Some(p) = self.pending.back_mut() else {
                    return;
                };
                let data = p
                    .frame
                    .data
                    .get(range.0 as usize..range.1 as usize)
                    .unwrap_or(&[]);
                let seg = SegmentIn {
                    seq,
                    flags,
                    data,
                    frame: number,
                    frame_off: range.0,
                    wire_len: payload.wire_len,
                };
                let mut result =
                    flow::tcp::segment(flow, dir, seg, &limits, shared, &mut self.emitter);
                p.open += result.opened;
                for (r, field, vis) in result.immediate.drain(..) {
                    p.decoded.spans.push(Span::new(r, field, vis));
                }
                for (severity, group, text) in result.notes.drain(..) {
                    p.decoded.notes.push(Note::new(severity, group, text));
                }
                project(flow, dir, &mut self.emitter, &mut self.pending, number);
                if flags.has(decode::TcpFlags::RST) {
                    flow.reset = true;
                    for d in [Direction::ToServer, Direction::ToClient] {
                        flow::tcp::finish_dir(
                            flow,
                            d,
                            shared,
                            &mut result.dropped,
                            &mut self.emitter,
                        );
                        project(flow, d, &mut self.emitter, &mut self.pending, number);
                    }
                }
                let closed = flow.closed();
                release_dropped(&mut self.pending, result.dropped);
                if closed {
                    // Memory follows open connections: a closed one keeps only what late
                    // retransmissions need, and leaves the table a little later.
                    self.flows.linger(slot, number);
                }
            }
        }
    }

    /// Finishes flows the table evicted to make room. (Evicting happens inside
    /// `lookup`, before the new flow gets its slot, so slots stay valid.)
    fn after_lookup(&mut self, current: u64) {
        for mut evicted in self.flows.drain_evicted() {
            self.finish_flow(&mut evicted, current);
        }
    }

    /// A UDP payload: text or undecoded, labelled at once.
    /// Every flow passes here exactly once (replaced, evicted, or at the end).
    fn finish_flow(&mut self, flow: &mut Flow, current: u64) {
        match flow.key.proto {
            FlowProto::Tcp => self.summary.tcp_flows += 1,
            FlowProto::Udp => self.summary.udp_flows += 1,
        }
        if flow.tls().is_some() {
            self.summary.tls_flows += 1;
        }
        let mut dropped = Vec::new();
        for d in [Direction::ToServer, Direction::ToClient] {
            flow::tcp::finish_dir(
                flow,
                d,
                &mut self.flows.shared,
                &mut dropped,
                &mut self.emitter,
            );
            project(flow, d, &mut self.emitter, &mut self.pending, current);
            // Stretches that never got labels (a dissector bug) must not hold frames.
            if let Some(state) = flow.tcp.get_mut(d.index()) {
                for seg in state.segs.drain(..).chain(state.dups.drain(..)) {
                    if let Some(p) = pending_mut(&mut self.pending, seg.frame) {
                        p.open = p.open.saturating_sub(1);
                    }
                }
            }
        }
        release_dropped(&mut self.pending, dropped);
    }

    fn release_ready(&mut self) -> io::Result<()> {
        loop {
            let ready = match self.pending.front() {
                Some(p) => p.open == 0 || self.pending.len() > self.config.max_pending_frames,
                None => false,
            };
            if !ready {
                return Ok(());
            }
            if let Some(p) = self.pending.pop_front() {
                self.release(p)?;
            }
        }
    }

    fn release(&mut self, mut p: Pending) -> io::Result<()> {
        if p.open > 0 {
            self.summary.forced_releases += 1;
            p.decoded.notes.push(Note::new(
                Severity::Warn,
                NoteGroup::Reassembly,
                format!(
                    "released before its payload was classified (more than {} frames were waiting); \
                     the rest is left undecoded",
                    self.config.max_pending_frames
                ),
            ));
        }
        let map = ByteMap::build(p.frame.cap_len(), &p.decoded.spans);
        let s = &mut self.summary;
        s.frames += 1;
        for run in map.runs() {
            s.bytes[run.label.index()] += u64::from(run.end - run.start);
        }
        if let Some(payload) = &p.decoded.payload {
            let counts = map.count_in(payload.range.clone());
            for (total, n) in s.payload.iter_mut().zip(counts) {
                *total += n;
            }
        }
        for note in &p.decoded.notes {
            s.notes[note.group.index()] += 1;
        }
        let view = FrameView {
            frame: &p.frame,
            decoded: &p.decoded,
            map: &map,
            events: &p.events,
        };
        self.sink.frame(&view)
    }

    /// Ends the capture: labels everything still buffered, releases every frame, and
    /// hands the summary to the sink.
    pub fn finish(mut self) -> io::Result<(S, Summary)> {
        let last = self.pending.back().map_or(0, |p| p.frame.number);
        for mut flow in self.flows.drain_all() {
            self.finish_flow(&mut flow, last);
        }
        while let Some(p) = self.pending.pop_front() {
            self.release(p)?;
        }
        self.summary.flows = self.flows.total();
        self.summary.evicted_flows = self.flows.evicted();
        self.sink.finish(&self.summary)?;
        Ok((self.sink, self.summary))
    }
}

fn pending_mut(pending: &mut VecDeque<Pending>, frame: u64) -> Option<&mut Pending> {
    let head = pending.front()?.frame.number;
    let i = usize::try_from(frame.checked_sub(head)?).ok()?;
    pending.get_mut(i)
}

/// Maps what a dissector emitted for one direction onto the frames that carry those
/// stream bytes, then retires the segments that are now fully labelled.
fn project(
    flow: &mut Flow,
    dir: Direction,
    out: &mut Emitter,
    pending: &mut VecDeque<Pending>,
    current: u64,
) {
    let Some(state) = flow.tcp.get_mut(dir.index()) else {
        out.clear();
        return;
    };
    for span in out.spans.drain(..) {
        let first = state.segs.partition_point(|s| s.end() <= span.range.start);
        let carriers = state
            .segs
            .iter()
            .skip(first)
            .take_while(|seg| seg.start < span.range.end)
            .chain(
                state
                    .dups
                    .iter()
                    .filter(|d| d.start < span.range.end && d.end() > span.range.start),
            );
        for seg in carriers {
            let s = span.range.start.max(seg.start);
            let e = span.range.end.min(seg.end());
            if let Some(p) = pending_mut(pending, seg.frame) {
                let a = seg.frame_off + (s - seg.start) as u32;
                let b = seg.frame_off + (e - seg.start) as u32;
                p.decoded.spans.push(Span::new(a..b, span.field, span.vis));
            }
        }
        state.remember(&span);
    }
    for event in out.events.drain(..) {
        let frame = seg_frame(&state.segs, event.at).unwrap_or(current);
        if let Some(p) = pending_mut(pending, frame) {
            p.events.push(event.desc);
        }
    }
    for note in out.notes.drain(..) {
        let seg = state
            .segs
            .iter()
            .find(|s| s.start <= note.at.start && note.at.start < s.end());
        let (frame, range) = match seg {
            Some(seg) => {
                let a = seg.frame_off + (note.at.start - seg.start) as u32;
                let b = seg.frame_off + (note.at.end.min(seg.end()) - seg.start) as u32;
                (seg.frame, Some(a..b))
            }
            None => (current, None),
        };
        if let Some(p) = pending_mut(pending, frame) {
            let mut n = Note::new(note.severity, note.group, note.text);
            n.range = range;
            p.decoded.notes.push(n);
        }
    }
    let done = state.labelled_to();
    while state.segs.front().is_some_and(|s| s.end() <= done) {
        if let Some(seg) = state.segs.pop_front() {
            if let Some(p) = pending_mut(pending, seg.frame) {
                p.open = p.open.saturating_sub(1);
            }
        }
    }
    if !state.dups.is_empty() {
        state.dups.retain(|seg| {
            let keep = seg.end() > done;
            if !keep {
                if let Some(p) = pending_mut(pending, seg.frame) {
                    p.open = p.open.saturating_sub(1);
                }
            }
            keep
        });
    }
}

/// Held segments that were given up: their frames stop waiting, with a note.
fn release_dropped(pending: &mut VecDeque<Pending>, dropped: Vec<(u64, std::ops::Range<u32>)>) {
    for (frame, range) in dropped {
        if let Some(p) = pending_mut(pending, frame) {
            p.open = p.open.saturating_sub(1);
            p.decoded.notes.push(
                Note::new(
                    Severity::Warn,
                    NoteGroup::Reassembly,
                    "this segment came after a hole that was never filled: left undecoded",
                )
                .at(range),
            );
        }
    }
}

fn seg_frame(segs: &VecDeque<flow::SegRef>, at: u64) -> Option<u64> {
    let i = segs.partition_point(|s| s.end() <= at);
    segs.get(i).filter(|s| s.start <= at).map(|s| s.frame)
}

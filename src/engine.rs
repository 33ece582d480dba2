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
use crate::decode::{self, Decoded, FragmentInfo, Payload, Transport, TransportHeader};
use crate::flow::frag::{Added, Datagram, Defrag, FragLimits, GaveUp};
use crate::flow::{self, App, Flow, FlowTable, Limits, SegmentIn};
use crate::note::{Note, NoteGroup, Severity};
use crate::proto::stack::Stack;
use crate::proto::{Desc, Direction, Emitter};
use crate::render::{FrameView, Sink};
use crate::report::{FlowEnd, FlowReport, MAX_SIZES};
use crate::span::{ByteMap, Label, Span};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::IpAddr;

/// Engine bounds and switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    pub limits: Limits,
    /// Frames held for classification before the oldest is released as it is.
    pub max_pending_frames: usize,
    /// IP fragment reassembly bounds.
    pub frag: FragLimits,
    /// Build a [`FlowReport`] per flow and hand it to the sink when the flow ends.
    pub reports: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            limits: Limits::default(),
            max_pending_frames: 50_000,
            frag: FragLimits::default(),
            reports: false,
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
    decoded: Decoded,
    /// The flow (id) and direction this frame's payload belongs to.
    flow: Option<(u64, Direction)>,
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
    defrag: Defrag,
    /// Reports of flows whose frames are still on their way (`config.reports`), boxed:
    /// a report is large, and the table holds one slot per open flow and more.
    reports: HashMap<u64, Box<FlowReport>, foldhash::fast::RandomState>,
    /// Flows that ended: (last frame pushed when they ended, id). Their report leaves
    /// once that frame has been released.
    ended: VecDeque<(u64, u64)>,
    /// Buffers of released frames, for the reader to reuse ([`Engine::spare_buffer`]),
    /// and decode results to reuse.
    spare: Vec<Vec<u8>>,
    spare_decoded: Vec<Decoded>,
    /// Reused for every frame's byte map.
    map: ByteMap,
    map_scratch: Vec<(u32, u32, Label)>,
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
            defrag: Defrag::new(config.frag),
            reports: HashMap::default(),
            ended: VecDeque::new(),
            map: ByteMap::default(),
            map_scratch: Vec::new(),
            spare: Vec::new(),
            spare_decoded: Vec::new(),
        }
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
        let mut decoded = self.spare_decoded.pop().unwrap_or_else(|| Decoded {
            spans: Vec::with_capacity(32),
            layers: Vec::with_capacity(6),
            ..Decoded::default()
        });
        decoded.clear();
        decode::decode(&frame, &mut decoded);
        let number = frame.number;
        self.pending.push_back(Pending {
            frame,
            decoded,
            flow: None,
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

    /// Sends the newest frame's payload to its flow (an IP fragment first to its
    /// datagram).
    fn payload(&mut self, number: u64) {
        // Closed flows whose lingering is over leave first: removing moves slots.
        for mut old in self.flows.sweep(number) {
            let why = if old.reset {
                FlowEnd::Reset
            } else {
                FlowEnd::Closed
            };
            self.finish_flow(&mut old, number, why);
        }
        let Some(p) = self.pending.back() else { return };
        if !self.defrag.is_empty() {
            let mut gave_up = Vec::new();
            self.defrag.expire(p.frame.ts, &mut gave_up);
            self.fragments_given_up(gave_up);
        }
        let Some(p) = self.pending.back() else { return };
        if let Some(info) = p.decoded.fragment.clone() {
            self.fragment(number, &info);
            return;
        }
        let Some(payload) = p.decoded.payload.clone() else {
            return;
        };
        let one = [Carrier {
            at: 0,
            len: p.frame.cap_len(),
            frame: number,
            frame_off: 0,
        }];
        match payload.transport {
            TransportHeader::Udp => self.udp(number, &payload, None, &one),
            TransportHeader::Tcp { .. } => {
                let piece = TcpPiece {
                    frame: number,
                    frame_off: payload.range.start,
                    seq_off: 0,
                    data: None,
                    len: payload.range.end - payload.range.start,
                    wire_len: payload.wire_len,
                };
                self.tcp(number, &payload, vec![piece]);
            }
        }
    }

    /// A UDP datagram's payload: DNS, QUIC, or by content. `bytes` is the reassembled
    /// datagram when it came in fragments (else the newest frame), and `carriers`
    /// place its offsets in frames.
    fn udp(&mut self, number: u64, payload: &Payload, bytes: Option<&[u8]>, carriers: &[Carrier]) {
        let (slot, _) = self
            .flows
            .lookup(Transport::Udp, &payload.endpoints, number, None);
        self.after_lookup(number);
        let Some(flow) = self.flows.get_mut(slot) else {
            return;
        };
        let dir = flow.direction(&payload.endpoints);
        if let Some(n) = flow.packets.get_mut(dir.index()) {
            *n += 1;
        }
        for c in carriers {
            if let Some(p) = pending_mut(&mut self.pending, c.frame) {
                p.flow = Some((flow.id, dir));
            }
        }
        if self.config.reports {
            self.reports
                .entry(flow.id)
                .or_insert_with(|| Box::new(new_report(flow)));
        }
        let range = payload.range.start as usize..payload.range.end as usize;
        let out = &mut self.emitter;
        out.clear();
        {
            let bytes = match bytes {
                Some(b) => b.get(range.clone()).unwrap_or(&[]),
                None => self
                    .pending
                    .back()
                    .and_then(|p| p.frame.data.get(range.clone()))
                    .unwrap_or(&[]),
            };
            if bytes.is_empty() {
                return;
            }
            let base = payload.range.start as u64;
            // An unrecognised UDP flow tries again with each datagram (a QUIC
            // connection may follow other traffic on the same ports).
            if !matches!(&flow.app, App::Known(stack) if !stack.is_unknown()) {
                if let Some(stack) = Stack::detect(bytes, dir, Transport::Udp, flow.ports(), true) {
                    flow.app = App::Known(Box::new(stack));
                }
            }
            if let App::Known(stack) = &mut flow.app {
                stack.feed(dir, base, bytes, true, out);
            }
        }
        place(&mut self.pending, carriers, out, number);
    }

    /// A TCP segment, in one piece, or in several when it came in IP fragments.
    fn tcp(&mut self, number: u64, payload: &Payload, pieces: Vec<TcpPiece>) {
        let TransportHeader::Tcp { seq, flags, .. } = payload.transport else {
            return;
        };
        let syn =
            (flags.has(decode::TcpFlags::SYN) && !flags.has(decode::TcpFlags::ACK)).then_some(seq);
        // A segment that carries nothing (a bare ACK) of an unknown connection,
        // such as the last ACK after both FINs, does not open a flow.
        let carries = payload.range.end > payload.range.start
            || payload.wire_len > 0
            || flags.0 & (decode::TcpFlags::SYN | decode::TcpFlags::FIN) != 0;
        if !carries
            && self
                .flows
                .find(Transport::Tcp, &payload.endpoints)
                .is_none()
        {
            return;
        }
        let (slot, retired) = self
            .flows
            .lookup(Transport::Tcp, &payload.endpoints, number, syn);
        if let Some(mut old) = retired {
            let why = if old.reset {
                FlowEnd::Reset
            } else if old.closed() {
                FlowEnd::Closed
            } else {
                FlowEnd::Replaced
            };
            self.finish_flow(&mut old, number, why);
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
        for piece in &pieces {
            if let Some(p) = pending_mut(&mut self.pending, piece.frame) {
                p.flow = Some((flow.id, dir));
            }
        }
        if self.config.reports {
            self.reports
                .entry(flow.id)
                .or_insert_with(|| Box::new(new_report(flow)));
        }
        let mut dropped = Vec::new();
        let last = pieces.len().saturating_sub(1);
        let data_seq = if flags.has(decode::TcpFlags::SYN) {
            seq.wrapping_add(1)
        } else {
            seq
        };
        for (i, piece) in pieces.iter().enumerate() {
            // SYN belongs to the first piece, FIN and RST to the last.
            let mut f = flags.0;
            if i > 0 {
                f &= !decode::TcpFlags::SYN;
            }
            if i != last {
                f &= !(decode::TcpFlags::FIN | decode::TcpFlags::RST);
            }
            let piece_seq = if i == 0 {
                seq
            } else {
                data_seq.wrapping_add(piece.seq_off)
            };
            let data: &[u8] = match &piece.data {
                Some(v) => v,
                None => pending_ref(&self.pending, piece.frame)
                    .and_then(|p| {
                        p.frame
                            .data
                            .get(piece.frame_off as usize..(piece.frame_off + piece.len) as usize)
                    })
                    .unwrap_or(&[]),
            };
            let seg = SegmentIn {
                seq: piece_seq,
                flags: decode::TcpFlags(f),
                data,
                frame: piece.frame,
                frame_off: piece.frame_off,
                wire_len: piece.wire_len,
            };
            let mut result = flow::tcp::segment(flow, dir, seg, &limits, shared, &mut self.emitter);
            if let Some(p) = pending_mut(&mut self.pending, piece.frame) {
                p.open += result.opened;
                for (r, field, vis) in result.immediate.drain(..) {
                    p.decoded.spans.push(Span::new(r, field, vis));
                }
                for (severity, group, text) in result.notes.drain(..) {
                    p.decoded.notes.push(Note::new(severity, group, text));
                }
            }
            dropped.append(&mut result.dropped);
            project(flow, dir, &mut self.emitter, &mut self.pending, number);
        }
        if flags.has(decode::TcpFlags::RST) {
            flow.reset = true;
            for d in [Direction::ToServer, Direction::ToClient] {
                flow::tcp::finish_dir(flow, d, &limits, shared, &mut dropped, &mut self.emitter);
                project(flow, d, &mut self.emitter, &mut self.pending, number);
            }
        }
        let closed = flow.closed();
        release_dropped(&mut self.pending, dropped);
        if closed {
            // Memory follows open connections: a closed one keeps only what late
            // retransmissions need, and leaves the table a little later.
            self.flows.linger(slot, number);
        }
    }

    /// An IP fragment: held until its datagram is whole, then the datagram is decoded
    /// as if it had come in one piece.
    fn fragment(&mut self, number: u64, info: &FragmentInfo) {
        let Some(p) = self.pending.back_mut() else {
            return;
        };
        let data = p
            .frame
            .data
            .get(info.range.start as usize..info.range.end as usize)
            .unwrap_or(&[]);
        let mut gave_up = Vec::new();
        let added = self
            .defrag
            .add(info, data, number, p.frame.ts, &mut gave_up);
        match added {
            Added::Held => p.open += 1,
            Added::Complete(d) => {
                p.open += 1;
                self.reassembled(d, number);
            }
            Added::Refused(why) => {
                p.decoded.notes.push(
                    Note::new(Severity::Warn, NoteGroup::Reassembly, why).at(info.range.clone()),
                );
            }
        }
        self.fragments_given_up(gave_up);
    }

    /// A whole datagram: decoded from a rebuilt IP header plus the gathered payload;
    /// every label goes to the frame that carried its byte.
    fn reassembled(&mut self, d: Datagram, number: u64) {
        let v6 = d.src.is_ipv6();
        let h: u32 = if v6 { 40 } else { 20 };
        let len = d.bytes.len() as u32;
        let mut pkt = Vec::with_capacity((h + len) as usize);
        match (d.src, d.dst) {
            (IpAddr::V4(s), IpAddr::V4(t)) => {
                let Ok(total) = u16::try_from(h + len) else {
                    self.fragments_given_up(vec![(d, GaveUp::TooBig)]);
                    return;
                };
                pkt.extend_from_slice(&[0x45, 0]);
                pkt.extend_from_slice(&total.to_be_bytes());
                pkt.extend_from_slice(&(d.id as u16).to_be_bytes());
                pkt.extend_from_slice(&[0, 0, 64, d.proto, 0, 0]);
                pkt.extend_from_slice(&s.octets());
                pkt.extend_from_slice(&t.octets());
            }
            (IpAddr::V6(s), IpAddr::V6(t)) => {
                pkt.extend_from_slice(&[0x60, 0, 0, 0]);
                pkt.extend_from_slice(&(len as u16).to_be_bytes());
                pkt.extend_from_slice(&[d.proto, 64]);
                pkt.extend_from_slice(&s.octets());
                pkt.extend_from_slice(&t.octets());
            }
            _ => return,
        }
        pkt.extend_from_slice(&d.bytes);
        let frame = Frame {
            number,
            ts: self.pending.back().map(|p| p.frame.ts).unwrap_or_default(),
            link: LinkType::RAW,
            interface: 0,
            orig_len: h + len,
            data: pkt,
            cut_by_eof: false,
        };
        let mut dec = Decoded::default();
        decode::decode(&frame, &mut dec);
        let carriers: Vec<Carrier> = d
            .pieces
            .iter()
            .map(|p| Carrier {
                at: h + p.offset,
                len: p.len,
                frame: p.frame,
                frame_off: p.frame_off,
            })
            .collect();
        let frames = d.frames();
        for &f in &frames {
            if let Some(p) = pending_mut(&mut self.pending, f) {
                p.decoded
                    .spans
                    .retain(|s| s.field != crate::decode::ip::IP_FRAGMENT);
            }
        }
        // The transport header's labels (the rebuilt IP header is nobody's bytes).
        let out = &mut self.emitter;
        out.clear();
        for s in &dec.spans {
            if s.range.start >= h {
                out.spans.push(crate::proto::StreamSpan {
                    range: u64::from(s.range.start)..u64::from(s.range.end),
                    field: s.field,
                    vis: s.vis,
                });
            }
        }
        for n in &dec.notes {
            let at = n.range.clone().unwrap_or(h..h);
            if at.start >= h {
                out.note(
                    u64::from(at.start)..u64::from(at.end),
                    n.severity,
                    n.group,
                    n.text.clone(),
                );
            }
        }
        place(&mut self.pending, &carriers, out, number);
        let first = frames.first().copied().unwrap_or(number);
        if let Some(p) = pending_mut(&mut self.pending, first) {
            p.decoded.notes.push(Note::new(
                Severity::Note,
                NoteGroup::Reassembly,
                format!(
                    "IP datagram {} reassembled from {} fragments ({} bytes)",
                    d.id,
                    d.pieces.len(),
                    len
                ),
            ));
        }
        for &(f, n) in &d.conflicts {
            if let Some(p) = pending_mut(&mut self.pending, f) {
                p.decoded.notes.push(Note::new(
                    Severity::Warn,
                    NoteGroup::Reassembly,
                    format!(
                        "this IP fragment overlaps an earlier one and differs in {n} bytes: \
                         labelled as the first copy (overlaps that disagree are an evasion trick)"
                    ),
                ));
            }
        }
        if let Some(payload) = dec.payload.clone() {
            match payload.transport {
                TransportHeader::Udp => self.udp(number, &payload, Some(&frame.data), &carriers),
                TransportHeader::Tcp { .. } => {
                    let pieces = tcp_pieces(&payload, &carriers, &frame.data);
                    self.tcp(number, &payload, pieces);
                }
            }
        }
        for &f in &frames {
            if let Some(p) = pending_mut(&mut self.pending, f) {
                p.open = p.open.saturating_sub(1);
            }
        }
    }

    /// Datagrams that will not complete: their fragments stop waiting, with a note.
    fn fragments_given_up(&mut self, gave_up: Vec<(Datagram, GaveUp)>) {
        for (d, why) in gave_up {
            let limits = self.defrag.limits;
            let reason = match why {
                GaveUp::Timeout => format!(
                    "its fragments did not all arrive within {} s",
                    limits.timeout_secs
                ),
                GaveUp::Evicted => format!(
                    "more than {} datagrams or {} bytes of fragments were waiting",
                    limits.max_datagrams, limits.max_bytes
                ),
                GaveUp::End => "the capture ended first".into(),
                GaveUp::TooBig => "it would be larger than an IP datagram can be".into(),
            };
            let what = if d.cut {
                "a fragment was cut short by the capture's snap length".to_string()
            } else {
                d.missing()
            };
            let text = format!(
                "IP datagram {} not reassembled ({reason}; {what}): fragment payload left undecoded",
                d.id
            );
            for piece in &d.pieces {
                if let Some(p) = pending_mut(&mut self.pending, piece.frame) {
                    p.open = p.open.saturating_sub(1);
                    if !p.decoded.notes.iter().any(|n| n.text == text) {
                        p.decoded.notes.push(
                            Note::new(Severity::Warn, NoteGroup::Reassembly, text.clone())
                                .at(piece.frame_off..piece.frame_off + piece.len),
                        );
                    }
                }
            }
        }
    }

    /// Finishes flows the table evicted to make room. (Evicting happens inside
    /// `lookup`, before the new flow gets its slot, so slots stay valid.)
    fn after_lookup(&mut self, current: u64) {
        for mut evicted in self.flows.drain_evicted() {
            self.finish_flow(&mut evicted, current, FlowEnd::Evicted);
        }
    }

    /// A UDP payload: text or undecoded, labelled at once.
    /// Every flow passes here exactly once (replaced, evicted, or at the end).
    fn finish_flow(&mut self, flow: &mut Flow, current: u64, why: FlowEnd) {
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
        if self.config.reports {
            let after = self.pending.back().map_or(current, |p| p.frame.number);
            let report = self
                .reports
                .entry(flow.id)
                .or_insert_with(|| Box::new(new_report(flow)));
            flow_facts(report, flow, why);
            self.ended.push_back((after, flow.id));
        }
    }

    /// Hands over the reports of ended flows whose frames have all been released.
    fn emit_ended(&mut self) -> io::Result<()> {
        // Frames before the first pending one are all released.
        let released = self
            .pending
            .front()
            .map_or(u64::MAX, |p| p.frame.number.saturating_sub(1));
        while let Some(&(after, id)) = self.ended.front() {
            if after > released {
                break;
            }
            self.ended.pop_front();
            if let Some(report) = self.reports.remove(&id) {
                self.sink.flow(&report)?;
            }
        }
        Ok(())
    }

    fn release_ready(&mut self) -> io::Result<()> {
        if !self.ended.is_empty() {
            self.emit_ended()?;
        }
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
        map.rebuild(p.frame.cap_len(), &p.decoded.spans, &mut self.map_scratch);
        let s = &mut self.summary;
        s.frames += 1;
        for run in map.runs() {
            s.bytes[run.label.index()] += u64::from(run.end - run.start);
        }
        if let Some(range) = p.decoded.payload_range() {
            let counts = map.count_in(range);
            for (total, n) in s.payload.iter_mut().zip(counts) {
                *total += n;
            }
        }
        for note in &p.decoded.notes {
            s.notes[note.group.index()] += 1;
        }
        if let Some((id, dir)) = p.flow {
            if let Some(report) = self.reports.get_mut(&id) {
                account(report, dir, &p, &map);
            }
        }
        let view = FrameView {
            frame: &p.frame,
            decoded: &p.decoded,
            map: &map,
            events: &p.events,
            flow: p.flow,
        };
        let result = self.sink.frame(&view);
        self.map = map;
        if self.spare.len() < 64 {
            self.spare.push(p.frame.data);
        }
        if self.spare_decoded.len() < 64 {
            self.spare_decoded.push(p.decoded);
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
    pub fn finish(mut self) -> io::Result<(S, Summary)> {
        let last = self.pending.back().map_or(0, |p| p.frame.number);
        let mut gave_up = Vec::new();
        self.defrag.drain(&mut gave_up);
        self.fragments_given_up(gave_up);
        for mut flow in self.flows.drain_all() {
            let why = if flow.reset {
                FlowEnd::Reset
            } else if flow.closed() {
                FlowEnd::Closed
            } else {
                FlowEnd::Open
            };
            self.finish_flow(&mut flow, last, why);
        }
        while let Some(p) = self.pending.pop_front() {
            self.release(p)?;
        }
        self.emit_ended()?;
        // Reports of flows that never ended (none should remain), oldest first.
        let mut rest: Vec<Box<FlowReport>> = self.reports.drain().map(|(_, r)| r).collect();
        rest.sort_by_key(|r| r.id);
        for r in &rest {
            self.sink.flow(r)?;
        }
        self.summary.flows = self.flows.total();
        self.summary.evicted_flows = self.flows.evicted();
        self.sink.finish(&self.summary)?;
        Ok((self.sink, self.summary))
    }
}

fn new_report(flow: &Flow) -> FlowReport {
    let server = if flow.key.lo == flow.client {
        flow.key.hi
    } else {
        flow.key.lo
    };
    FlowReport::new(flow.id, flow.key.proto, flow.client, server)
}

/// What a flow tells at its end: its protocol stack and TLS facts.
fn flow_facts(r: &mut FlowReport, flow: &Flow, why: FlowEnd) {
    r.end_reason = why;
    r.syn_seen = flow.syn_seen;
    r.stack.truncate(1);
    let facts = match &flow.app {
        App::Known(stack) => stack.facts(),
        App::Detecting => Default::default(),
    };
    r.stack.extend(facts.stack);
    if let Some(t) = &facts.tls {
        if let Some(last) = r.stack.iter_mut().rev().find(|l| *l == "TLS") {
            *last = crate::report::tls_layer(t);
        }
    }
    r.tls = facts.tls;
}

/// Adds one released frame to its flow's report.
fn account(r: &mut FlowReport, dir: Direction, p: &Pending, map: &ByteMap) {
    if r.first_frame == 0 {
        r.first_frame = p.frame.number;
        r.start = p.frame.ts;
    }
    r.last_frame = p.frame.number;
    r.end = p.frame.ts;
    r.notes += p.decoded.notes.len() as u64;
    let Some(d) = r.dirs.get_mut(dir.index()) else {
        return;
    };
    d.packets += 1;
    d.bytes += u64::from(p.frame.orig_len);
    let mut payload_len = 0u32;
    if let Some(range) = p.decoded.payload_range() {
        payload_len = range.end - range.start;
        let counts = map.count_in(range.clone());
        for (total, n) in d.payload.iter_mut().zip(counts) {
            *total += n;
        }
        if r.first_undecoded.is_none() && counts[Label::Undecoded.index()] > 0 {
            r.first_undecoded = Some(p.frame.number);
        }
        for s in &p.decoded.spans {
            if s.range.start < range.start || s.range.end > range.end {
                continue;
            }
            if !matches!(s.label(), Label::Cleartext | Label::Leak) {
                continue;
            }
            let name = s.field.name();
            if s.field.role() == crate::fields::Role::Content {
                d.plaintext += u64::from(s.range.end - s.range.start);
                if r.first_plaintext.is_none() {
                    let bytes = p
                        .frame
                        .data
                        .get(s.range.start as usize..s.range.end as usize)
                        .unwrap_or(&[]);
                    // The first stretch that reads as text (tcpdump -A style) is the
                    // sample.
                    let printable = bytes.iter().filter(|b| (0x20..0x7f).contains(*b)).count();
                    if printable >= 3.min(bytes.len()) && printable * 2 >= bytes.len() {
                        let sample: String = bytes
                            .iter()
                            .take(60)
                            .map(|&b| {
                                if (0x20..0x7f).contains(&b) {
                                    b as char
                                } else {
                                    '.'
                                }
                            })
                            .collect();
                        r.first_plaintext = Some((p.frame.number, name, sample));
                    }
                }
            }
        }
    }
    let mut tls_records = false;
    for e in &p.events {
        match e {
            Desc::TlsRecord { len, .. } => {
                tls_records = true;
                if let Some(d) = r.dirs.get_mut(dir.index()) {
                    if d.sizes.len() < MAX_SIZES {
                        d.sizes.push(u32::from(*len));
                    }
                }
            }
            Desc::Leak { kind, value } => {
                r.leak(*kind, value, p.frame.number, dir);
            }
            _ => {}
        }
    }
    r.records_seen |= tls_records;
    let records = r.records_seen;
    let Some(d) = r.dirs.get_mut(dir.index()) else {
        return;
    };
    // Before TLS (or without it) each payload is a message; after, records count.
    if !records && payload_len > 0 && d.sizes.len() < MAX_SIZES {
        d.sizes.push(payload_len);
    }
}

fn pending_ref(pending: &VecDeque<Pending>, frame: u64) -> Option<&Pending> {
    let head = pending.front()?.frame.number;
    let i = usize::try_from(frame.checked_sub(head)?).ok()?;
    pending.get(i)
}

/// Where a stretch of a (possibly reassembled) datagram sits: datagram offset and
/// length, frame and frame offset. An unfragmented frame is its own single carrier.
#[derive(Clone, Copy, Debug)]
struct Carrier {
    at: u32,
    len: u32,
    frame: u64,
    frame_off: u32,
}

/// A TCP segment's payload in one frame: all of it, or one IP fragment's share.
struct TcpPiece {
    frame: u64,
    frame_off: u32,
    /// Offset of this piece in the segment's payload.
    seq_off: u32,
    /// Bytes of a reassembled datagram; `None`: the frame's own bytes.
    data: Option<Vec<u8>>,
    len: u32,
    wire_len: u32,
}

/// Splits a reassembled segment's payload into the fragments that carried it (first
/// copy of each byte; duplicates are labelled through `place`).
fn tcp_pieces(payload: &Payload, carriers: &[Carrier], bytes: &[u8]) -> Vec<TcpPiece> {
    let mut pieces = Vec::new();
    let mut sorted: Vec<&Carrier> = carriers.iter().collect();
    sorted.sort_by_key(|c| c.at);
    for c in sorted {
        // Every fragment's share, duplicates too: TCP reassembly labels a repeated
        // stretch as its first copy.
        let start = c.at.max(payload.range.start);
        let end = (c.at + c.len).min(payload.range.end);
        if end <= start {
            continue;
        }
        let data = bytes
            .get(start as usize..end as usize)
            .unwrap_or(&[])
            .to_vec();
        pieces.push(TcpPiece {
            frame: c.frame,
            frame_off: c.frame_off + (start - c.at),
            seq_off: start - payload.range.start,
            len: end - start,
            wire_len: end - start,
            data: Some(data),
        });
    }
    if pieces.is_empty() {
        // A segment without payload (a fragmented bare header): flags only.
        if let Some(c) = carriers.iter().min_by_key(|c| c.at) {
            pieces.push(TcpPiece {
                frame: c.frame,
                frame_off: c.frame_off,
                seq_off: 0,
                data: Some(Vec::new()),
                len: 0,
                wire_len: 0,
            });
        }
    }
    pieces
}

/// Puts what a datagram dissector emitted (offsets in the datagram) on the frames
/// that carry those bytes; events and notes outside every carrier go to `current`.
fn place(pending: &mut VecDeque<Pending>, carriers: &[Carrier], out: &mut Emitter, current: u64) {
    let find = |at: u64| {
        carriers
            .iter()
            .find(|c| u64::from(c.at) <= at && at < u64::from(c.at + c.len))
    };
    for s in out.spans.drain(..) {
        for c in carriers {
            let a = s.range.start.max(u64::from(c.at));
            let b = s.range.end.min(u64::from(c.at + c.len));
            if a >= b {
                continue;
            }
            if let Some(p) = pending_mut(pending, c.frame) {
                let fa = c.frame_off + (a - u64::from(c.at)) as u32;
                let fb = c.frame_off + (b - u64::from(c.at)) as u32;
                p.decoded.spans.push(Span::new(fa..fb, s.field, s.vis));
            }
        }
    }
    for e in out.events.drain(..) {
        let frame = find(e.at).map_or(current, |c| c.frame);
        if let Some(p) = pending_mut(pending, frame) {
            p.events.push(e.desc);
        }
    }
    for n in out.notes.drain(..) {
        let (frame, range) = match find(n.at.start) {
            Some(c) => {
                let a = c.frame_off + (n.at.start - u64::from(c.at)) as u32;
                let b =
                    c.frame_off + (n.at.end.min(u64::from(c.at + c.len)) - u64::from(c.at)) as u32;
                (c.frame, Some(a..b))
            }
            None => (current, None),
        };
        if let Some(p) = pending_mut(pending, frame) {
            let mut note = Note::new(n.severity, n.group, n.text);
            note.range = range;
            p.decoded.notes.push(note);
        }
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

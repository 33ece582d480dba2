//! The transport stage of the engine: a frame's payload to its flow. UDP datagrams go
//! to their flow's dissector whole; TCP segments through reassembly; IP fragments wait
//! for their datagram, which is then decoded as if it had come in one piece, every
//! label going to the frame that carried its byte.

use super::place::{pending_mut, pending_ref, place, project, release_dropped, Carrier};
use super::Engine;
use crate::decode::{self, Decoded, FragmentInfo, Payload, Transport, TransportHeader};
use crate::flow::frag::{Added, Datagram, GaveUp};
use crate::flow::{self, App, SegmentIn};
use crate::note::{Note, NoteGroup, Severity};
use crate::proto::stack::Stack;
use crate::proto::Direction;
use crate::report::FlowEnd;
use crate::sink::Sink;
use crate::span::Span;

impl<S: Sink> Engine<S> {
    /// Sends the newest frame's payload to its flow (an IP fragment first to its
    /// datagram).
    pub(super) fn payload(&mut self, number: u64) {
        // Closed flows whose lingering is over leave first: removing moves slots.
        self.sweep(number);
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
                self.tcp(number, &payload, &[piece]);
            }
        }
    }

    /// A UDP datagram's payload, to its flow's dissector (recognised through the
    /// registry). `bytes` is the reassembled datagram when it came in fragments (else
    /// the newest frame), and `carriers` place its offsets in frames.
    fn udp(&mut self, number: u64, payload: &Payload, bytes: Option<&[u8]>, carriers: &[Carrier]) {
        let (slot, _) = self
            .flows
            .lookup(Transport::Udp, &payload.endpoints, number, None, false);
        self.after_lookup(number);
        let Some(flow) = self.flows.get_mut(slot) else {
            return;
        };
        let dir = flow.direction(&payload.endpoints);
        if flow.packets == [0, 0] {
            flow.encap = payload.encap;
        }
        if let Some(n) = flow.packets.get_mut(dir.index()) {
            *n = n.saturating_add(1);
        }
        if self.config.reports {
            flow.live = self.lives.ensure(flow.id, flow.live);
        }
        for c in carriers {
            if let Some(p) = pending_mut(&mut self.pending, c.frame) {
                p.flow = Some((flow.id, dir));
                p.live = flow.live;
            }
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
                if let Some(mut stack) =
                    Stack::detect(bytes, dir, Transport::Udp, flow.ports(), true)
                {
                    if let Some(keys) = &flow.keys {
                        stack.use_keys(keys);
                    }
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
    fn tcp(&mut self, number: u64, payload: &Payload, pieces: &[TcpPiece]) {
        let TransportHeader::Tcp { seq, ack, flags } = payload.transport else {
            return;
        };
        let syn =
            (flags.has(decode::TcpFlags::SYN) && !flags.has(decode::TcpFlags::ACK)).then_some(seq);
        let syn_ack = flags.has(decode::TcpFlags::SYN) && flags.has(decode::TcpFlags::ACK);
        // A segment that carries nothing (a bare ACK) of an unknown connection,
        // such as the last ACK after both FINs, does not open a flow.
        let carries = payload.range.end > payload.range.start
            || payload.wire_len > 0
            || flags.0 & (decode::TcpFlags::SYN | decode::TcpFlags::FIN) != 0;
        let (slot, retired) = if carries {
            self.flows
                .lookup(Transport::Tcp, &payload.endpoints, number, syn, syn_ack)
        } else {
            match self
                .flows
                .lookup_existing(Transport::Tcp, &payload.endpoints, number)
            {
                Some(slot) => (slot, None),
                None => return,
            }
        };
        if let Some(mut old) = retired {
            let why = if old.reset {
                FlowEnd::Reset
            } else if old.closed() {
                FlowEnd::Closed
            } else {
                FlowEnd::Replaced
            };
            self.finish_flow(&mut old, number, why, super::by_frame(number));
        }
        self.after_lookup(number);
        let limits = self.config.limits;
        let Some((flow, shared)) = self.flows.get_with_shared(slot) else {
            return;
        };
        let dir = flow.direction(&payload.endpoints);
        if flow.packets == [0, 0] {
            flow.encap = payload.encap;
        }
        if let Some(n) = flow.packets.get_mut(dir.index()) {
            *n = n.saturating_add(1);
        }
        if self.config.reports {
            flow.live = self.lives.ensure(flow.id, flow.live);
        }
        for piece in pieces {
            if let Some(p) = pending_mut(&mut self.pending, piece.frame) {
                p.flow = Some((flow.id, dir));
                p.live = flow.live;
            }
        }
        let mut dropped = Vec::new();
        let mut announced = Vec::new();
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
            announced.append(&mut self.emitter.expects);
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
            project(
                flow,
                dir,
                &mut self.emitter,
                &mut self.pending,
                number,
                false,
            );
        }
        if flags.has(decode::TcpFlags::ACK) {
            // A SYN and a FIN take a sequence number each.
            let len = payload.wire_len
                + u32::from(flags.has(decode::TcpFlags::SYN))
                + u32::from(flags.has(decode::TcpFlags::FIN));
            let end = (len > 0).then(|| seq.wrapping_add(len));
            flow::dirs::acknowledgment(flow, dir, ack, end);
        }
        if flags.has(decode::TcpFlags::RST) {
            flow.reset = true;
            for d in [Direction::ToServer, Direction::ToClient] {
                flow::tcp::finish_dir(flow, d, &limits, shared, &mut dropped, &mut self.emitter);
                project(flow, d, &mut self.emitter, &mut self.pending, number, false);
            }
        }
        let closed = flow.closed();
        release_dropped(&mut self.pending, dropped);
        for e in &announced {
            self.flows.expect(slot, e);
        }
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
        let ts = self.pending.back().map(|p| p.frame.ts).unwrap_or_default();
        let (frame, h) = match d.rebuild(number, ts) {
            Ok(rebuilt) => rebuilt,
            Err(GaveUp::TooBig) => {
                self.fragments_given_up(vec![(d, GaveUp::TooBig)]);
                return;
            }
            Err(_) => return,
        };
        let len = d.bytes.len() as u32;
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
        if let Some(mut payload) = dec.payload.clone() {
            // A datagram reassembled inside a tunnel came through it too.
            let outer = pending_ref(&self.pending, first)
                .and_then(|p| p.decoded.fragment.as_ref())
                .map(|f| f.encap)
                .unwrap_or_default();
            payload.encap = outer.then(&payload.encap);
            match payload.transport {
                TransportHeader::Udp => self.udp(number, &payload, Some(&frame.data), &carriers),
                TransportHeader::Tcp { .. } => {
                    let pieces = tcp_pieces(&payload, &carriers, &frame.data);
                    self.tcp(number, &payload, &pieces);
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
    pub(super) fn fragments_given_up(&mut self, gave_up: Vec<(Datagram, GaveUp)>) {
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

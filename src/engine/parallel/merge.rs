//! The merging side of a sharded run: shards' outputs put back in capture order, flows
//! numbered in creation order, reports and warnings where one engine would emit them.

use super::*;

/// The merging side ([`run`]).
pub(super) struct Merger<'s, S: ParallelSink> {
    sink: &'s mut S,
    reports: bool,
    /// The number of the next frame to hand over, once known.
    next: Option<u64>,
    /// Frames released but not yet handed over, from `next` on.
    frames: VecDeque<Option<(u32, FrameItem<Part<S>>)>>,
    /// The frame at which one engine would have released the last frame handed over.
    released_at: u64,
    /// Per shard: flows that ended, in the shard's order (which is [`EndOrder`]'s).
    ended: Vec<VecDeque<EndedFlow>>,
    /// Per shard: flows created, (frame, first id, count).
    created: Vec<VecDeque<(u64, u64, u64)>>,
    /// (shard, the shard's id) → the id one engine gives, while the flow lives.
    ids: HashMap<(u32, u64), u64, foldhash::fast::RandomState>,
    next_id: u64,
    names: NameTable,
    warnings: VecDeque<(u64, String)>,
    /// The last frame read; the end of the capture comes after it.
    last: u64,
    /// Emptied frame lists, per shard, to send back.
    lists: Vec<Sender<Vec<FrameItem<Part<S>>>>>,
    /// Used parts, per shard, to send back.
    used: Vec<Vec<Part<S>>>,
    parts: Vec<Sender<Vec<Part<S>>>>,
    summary: Summary,
}

type Part<S> = <<S as ParallelSink>::Worker as FrameWorker>::Part;

impl<'s, S: ParallelSink> Merger<'s, S> {
    pub(super) fn new(
        sink: &'s mut S,
        shards: usize,
        reports: bool,
        parts: Vec<Sender<Vec<Part<S>>>>,
        lists: Vec<Sender<Vec<FrameItem<Part<S>>>>>,
    ) -> Self {
        Merger {
            sink,
            reports,
            next: None,
            frames: VecDeque::new(),
            released_at: 0,
            ended: (0..shards).map(|_| VecDeque::new()).collect(),
            created: (0..shards).map(|_| VecDeque::new()).collect(),
            ids: HashMap::default(),
            next_id: 1,
            names: NameTable::default(),
            warnings: VecDeque::new(),
            last: 0,
            used: (0..shards).map(|_| Vec::new()).collect(),
            parts,
            lists,
            summary: Summary::default(),
        }
    }

    pub(super) fn run(
        &mut self,
        meta: &Receiver<Meta>,
        outputs: &[Receiver<Output<Part<S>>>],
    ) -> io::Result<Summary> {
        let lost = || io::Error::other("a worker thread stopped");
        loop {
            let m = meta.recv().map_err(|_| lost())?;
            self.warnings.extend(m.warnings);
            if let Some((first, last)) = m.frames {
                self.next.get_or_insert(first);
                self.last = last;
            }
            for (shard, rx) in outputs.iter().enumerate() {
                let out = rx.recv().map_err(|_| lost())?;
                self.take(shard as u32, out);
            }
            self.number_flows();
            match m.tail {
                None => {
                    self.hand_over()?;
                    for (tx, used) in self.parts.iter().zip(self.used.iter_mut()) {
                        if !used.is_empty() {
                            let _ = tx.send(std::mem::take(used));
                        }
                    }
                }
                Some(tail) => {
                    self.summary.unsupported_links = tail.unsupported_links;
                    self.hand_over()?;
                    return self.finish();
                }
            }
        }
    }

    pub(super) fn take(&mut self, shard: u32, mut out: Output<Part<S>>) {
        let next = self.next.unwrap_or(1);
        for item in out.frames.drain(..) {
            let Some(i) = item
                .number
                .checked_sub(next)
                .and_then(|i| usize::try_from(i).ok())
            else {
                debug_assert!(false, "frame {} released twice", item.number);
                continue;
            };
            if self.frames.len() <= i {
                self.frames.resize_with(i + 1, || None);
            }
            if let Some(slot) = self.frames.get_mut(i) {
                *slot = Some((shard, item));
            }
        }
        if let Some(tx) = self.lists.get(shard as usize) {
            // The shard fills it again (a closed channel: the shard has finished).
            let _ = tx.send(out.frames);
        }
        if let Some(q) = self.ended.get_mut(shard as usize) {
            q.extend(out.ended);
        }
        if let Some(q) = self.created.get_mut(shard as usize) {
            q.extend(out.created);
        }
        if let Some(s) = out.summary {
            add(&mut self.summary, &s);
        }
    }

    /// Hands over every frame whose turn has come, each flow's end after its frame.
    pub(super) fn hand_over(&mut self) -> io::Result<()> {
        loop {
            let next = self.next.unwrap_or(1);
            self.ended_before(next)?;
            if !matches!(self.frames.front(), Some(Some(_))) {
                return Ok(());
            }
            let Some(Some((shard, mut item))) = self.frames.pop_front() else {
                return Ok(());
            };
            self.next = Some(next + 1);
            // One engine releases in order: a frame leaves no earlier than the one
            // before it.
            self.released_at = self.released_at.max(item.released_at);
            self.warnings_through(self.released_at)?;
            if self.reports {
                for (names, addr) in &item.names {
                    self.names.learn(names, *addr, item.number);
                }
            }
            let flow = item
                .flow
                .map(|(local, dir)| (self.global_id(shard, local), dir));
            let merged = Merged {
                number: item.number,
                flow,
            };
            self.sink.merged(&mut item.part, &merged)?;
            if let Some(used) = self.used.get_mut(shard as usize) {
                used.push(item.part);
            }
        }
    }

    /// Numbers the flows the shards created in this batch as one engine numbers them:
    /// in the order of the frames they were created at (a flow may be created at a frame
    /// after the first frame it holds: a reassembled datagram's).
    pub(super) fn number_flows(&mut self) {
        let mut all: Vec<(u64, u32, u64, u64)> = Vec::new();
        for (shard, q) in self.created.iter_mut().enumerate() {
            all.extend(
                q.drain(..)
                    .map(|(frame, first, n)| (frame, shard as u32, first, n)),
            );
        }
        all.sort_unstable_by_key(|&(frame, shard, first, _)| (frame, shard, first));
        for (_, shard, first, count) in all {
            for local in first..first + count {
                self.ids.insert((shard, local), self.next_id);
                self.next_id += 1;
            }
        }
    }

    pub(super) fn global_id(&self, shard: u32, local: u64) -> u64 {
        let id = self.ids.get(&(shard, local)).copied();
        debug_assert!(id.is_some(), "flow {local} of shard {shard} has no number");
        id.unwrap_or(local)
    }

    /// Hands over the ends of flows that one engine hands over before frame `next`,
    /// in its order.
    pub(super) fn ended_before(&mut self, next: u64) -> io::Result<()> {
        loop {
            let mut best: Option<((u64, u8, u64), usize)> = None;
            for (shard, q) in self.ended.iter().enumerate() {
                let Some(e) = q.front() else { continue };
                if e.order.after >= next {
                    continue;
                }
                let sub = if e.order.class >= EndOrder::AT_END {
                    self.global_id(shard as u32, e.id)
                } else {
                    e.order.sub
                };
                let key = (e.order.after, e.order.class, sub);
                if best.is_none_or(|(k, _)| key < k) {
                    best = Some((key, shard));
                }
            }
            let Some((_, shard)) = best else {
                return Ok(());
            };
            let Some(e) = self.ended.get_mut(shard).and_then(|q| q.pop_front()) else {
                return Ok(());
            };
            if e.order.class >= EndOrder::AT_END {
                // Ended by the end of the capture: after the reader's last words.
                self.warnings_through(u64::MAX)?;
            }
            let id = self.ids.remove(&(shard as u32, e.id));
            debug_assert!(id.is_some(), "flow {} of shard {shard} has no number", e.id);
            if let Some(mut report) = e.report {
                report.id = id.unwrap_or(e.id);
                let names = &self.names;
                report.complete_names(|addr, before| {
                    names
                        .before(addr, before)
                        .map(|(n, f)| (n.to_string(), f))
                        .collect()
                });
                self.sink.flow_owned(*report)?;
            }
        }
    }

    pub(super) fn warnings_through(&mut self, at: u64) -> io::Result<()> {
        while self.warnings.front().is_some_and(|w| w.0 <= at) {
            if let Some((_, text)) = self.warnings.pop_front() {
                self.sink.warning(&text)?;
            }
        }
        Ok(())
    }

    pub(super) fn finish(&mut self) -> io::Result<Summary> {
        // Every frame is in: flows that ended at the end, then the reader's last words.
        self.ended_before(u64::MAX)?;
        self.warnings_through(u64::MAX)?;
        debug_assert!(self.frames.is_empty(), "frames left behind");
        let summary = std::mem::take(&mut self.summary);
        self.sink.finish(&summary)?;
        Ok(summary)
    }
}

/// Adds a shard's summary to the total (each frame and flow is one shard's).
pub(super) fn add(total: &mut Summary, s: &Summary) {
    let Summary {
        frames,
        flows,
        tcp_flows,
        udp_flows,
        tls_flows,
        bytes,
        payload,
        notes,
        forced_releases,
        evicted_flows,
        unsupported_links: _,
    } = s;
    total.frames += frames;
    total.flows += flows;
    total.tcp_flows += tcp_flows;
    total.udp_flows += udp_flows;
    total.tls_flows += tls_flows;
    for (t, n) in total.bytes.iter_mut().zip(bytes) {
        *t += n;
    }
    for (t, n) in total.payload.iter_mut().zip(payload) {
        *t += n;
    }
    for (t, n) in total.notes.iter_mut().zip(notes) {
        *t += n;
    }
    total.forced_releases += forced_releases;
    total.evicted_flows += evicted_flows;
}

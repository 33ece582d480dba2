//! `-j N`: the flows of one capture shared among worker threads, and what they release
//! merged back into the order one engine releases it in, so that the output does not
//! depend on `-j`.
//!
//! Two kinds of thread, joined by bounded channels (memory does not follow the file):
//!
//! - **shards**, one [`Engine`] each over its flows. Each shard reads the whole capture
//!   itself (the caller's closure, given the shard's [`Feed`]) and keeps the frames
//!   [`crate::decode::shard_of`] gives it (a symmetric hash of the outermost IP
//!   addresses: both directions of a flow, all fragments of a datagram and whatever a
//!   tunnel carries land together). Of the other frames it keeps the number and time:
//!   what one engine does on any frame whatever its flow (closed flows leave after
//!   4096 frames, fragments time out, frames waiting too long are released) then
//!   happens in every shard at the same frame ([`Engine::tick`]). Reading a frame and
//!   hashing two addresses costs less than handing the frame from a reader thread to
//!   a worker (copying it, sending it, freeing it elsewhere), which made an earlier
//!   design with one reader slower with two threads than with one. A
//!   [`FrameWorker`] turns each released frame into what the sink needs (rendered
//!   text for `show`, nothing for `flows`), tagged with its number and the frame at
//!   which it was released. The first shard also reports what belongs to no flow:
//!   the reader's warnings, link types without a decoder.
//! - the **merger**, on the calling thread with the sink: it takes one answer from
//!   every shard per batch (lockstep, so no shard can starve it), hands frames to the
//!   sink in number order and each flow's end after the frame it follows, in the order
//!   one engine ends flows ([`EndOrder`]). Flows are numbered in the order they were
//!   created, as one engine numbers them, and DNS names are learned and attached to
//!   reports here, in capture order. Warnings go where one engine would have written
//!   them: before the first frame that one engine would release after reading the
//!   frame they came with.
//!
//! One engine's bounds (`--max-flows`, held bytes, fragment tables) apply per shard:
//! output is byte-identical to `-j 1` until a bound is reached, and memory may reach N
//! times `-j 1`'s at the bounds.

use super::names::NameTable;
use super::{EndOrder, EndedFlow, Engine, EngineConfig};
use crate::capture::{Frame, LinkType};
use crate::proto::{Desc, Direction};
use crate::sink::{
    FrameContext, FrameView, FrameWorker, KeepFrames, Merged, ParallelSink, Sink, Summary,
};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::IpAddr;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

mod merge;
use merge::Merger;

/// Frames per batch (a batch also ends at [`BATCH_BYTES`]).
const BATCH_FRAMES: usize = 1024;
const BATCH_BYTES: usize = 2 << 20;
/// Batches in flight per shard, each way.
const IN_FLIGHT: usize = 2;
/// Buffers of other shards' frames kept for the reader (it takes one per frame).
const MAX_SPARE: usize = 64;
/// Used parts a shard keeps for reuse (a part of `show` is a frame's rendered text,
/// several times the frame).
const MAX_SPARE_PARTS: usize = BATCH_FRAMES;

/// What the first shard tells the merger about a batch.
struct Meta {
    /// Numbers of the first and last frame of the batch.
    frames: Option<(u64, u64)>,
    /// Warnings, each with the frame before which one engine writes it.
    warnings: Vec<(u64, String)>,
    /// The last message: the capture is read.
    tail: Option<Tail>,
}

struct Tail {
    unsupported_links: Vec<(LinkType, u64)>,
}

struct FrameItem<P> {
    number: u64,
    /// The frame being read (or passed by) when the shard released this one.
    released_at: u64,
    flow: Option<(u64, Direction)>,
    /// Names DNS answers in this frame tied to addresses (reports only).
    names: Vec<(Vec<String>, IpAddr)>,
    part: P,
}

/// A shard's answer to one batch.
struct Output<P> {
    frames: Vec<FrameItem<P>>,
    ended: Vec<EndedFlow>,
    /// Flows created: (frame, first id, how many).
    created: Vec<(u64, u64, u64)>,
    /// With the last answer.
    summary: Option<Summary>,
}

/// One shard's reading side ([`run`]): the shard's own reader pushes every frame of
/// the capture in here, in capture order. Frames of the shard's flows go through its
/// engine; of the others only the number and time are kept ([`Engine::tick`]), and
/// their buffers go back to the reader.
pub struct Feed<W: FrameWorker> {
    index: u32,
    shards: u32,
    engine: Engine<ShardSink<W>>,
    output: SyncSender<Output<W::Part>>,
    /// The first shard's: batches' frame numbers, warnings, the end.
    meta: Option<SyncSender<Meta>>,
    /// Used parts coming back from the merger.
    parts: Receiver<Vec<W::Part>>,
    /// Frame lists the merger has emptied, to fill again.
    lists: Receiver<Vec<FrameItem<W::Part>>>,
    /// Buffers of other shards' frames, for the reader to fill again.
    spare: Vec<Vec<u8>>,
    /// Frames and bytes of the batch so far (every shard counts every frame, so
    /// batches end at the same frame in every shard).
    count: usize,
    bytes: usize,
    first: Option<u64>,
    last: u64,
    created: Vec<(u64, u64, u64)>,
    warnings: Vec<(u64, String)>,
    clock: FrameContext,
    warned_interfaces: HashSet<u32>,
    unsupported_links: Vec<(LinkType, u64)>,
}

fn stopped() -> io::Error {
    io::Error::other("the output stopped")
}

impl<W: FrameWorker> Feed<W> {
    /// Whether this is the first shard: it alone reports progress.
    pub fn is_first(&self) -> bool {
        self.index == 0
    }

    /// The shard's number, from 0.
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// How many shards read the capture.
    pub fn shards(&self) -> u32 {
        self.shards
    }

    /// Takes one frame (numbered after the previous one).
    pub fn push(&mut self, frame: Frame) -> io::Result<()> {
        let shard = crate::decode::shard_of(&frame, self.shards);
        self.push_to(frame, shard)
    }

    /// [`Feed::push`] for a frame the reader already found to be this shard's
    /// ([`crate::capture::file::Sharded::Mine`]): its addresses are not
    /// hashed again.
    pub fn push_own(&mut self, frame: Frame) -> io::Result<()> {
        debug_assert_eq!(crate::decode::shard_of(&frame, self.shards), self.index);
        self.push_to(frame, self.index)
    }

    fn push_to(&mut self, frame: Frame, shard: u32) -> io::Result<()> {
        let ok = crate::decode::header_ok(&frame);
        self.count_frame(&frame, frame.cap_len());
        let number = frame.number;
        let before = self.engine.flows_created();
        if shard == self.index {
            let context = self.context(ok, &frame);
            self.engine.sink_mut().contexts.push_back((number, context));
            self.engine.push(frame)?;
        } else {
            self.clock_advance(ok, &frame);
            self.engine.tick(number, frame.ts)?;
            if self.spare.len() < MAX_SPARE && frame.data.capacity() > 0 {
                self.spare.push(frame.data);
            }
        }
        self.created_since(number, before);
        self.end_batch()
    }

    /// Takes another shard's frame whose bytes the reader left out: `caplen` is how
    /// many were captured ([`crate::capture::file::Sharded::Other`]).
    pub fn pass(&mut self, frame: &Frame, caplen: u32) -> io::Result<()> {
        let ok = crate::decode::header_ok_lengths(caplen, frame.orig_len, frame.cut_by_eof);
        self.count_frame(frame, caplen);
        let before = self.engine.flows_created();
        self.clock_advance(ok, frame);
        self.engine.tick(frame.number, frame.ts)?;
        self.created_since(frame.number, before);
        self.end_batch()
    }

    /// What every shard notes of every frame.
    fn count_frame(&mut self, frame: &Frame, caplen: u32) {
        if !frame.link.is_supported() {
            self.unsupported_link(frame);
        }
        self.first.get_or_insert(frame.number);
        self.last = frame.number;
        self.bytes += caplen as usize;
        self.count += 1;
        self.engine.sink_mut().now = frame.number;
    }

    /// The clock reference for a frame of this shard (and the clock moves on).
    fn context(&mut self, header_ok: bool, frame: &Frame) -> FrameContext {
        let c = self.clock;
        self.clock_advance(header_ok, frame);
        if header_ok {
            c
        } else {
            FrameContext::default()
        }
    }

    fn clock_advance(&mut self, header_ok: bool, frame: &Frame) {
        if header_ok {
            self.clock.advance(frame.ts);
        }
    }

    fn created_since(&mut self, number: u64, before: u64) {
        let after = self.engine.flows_created();
        if after > before {
            self.created.push((number, before + 1, after - before));
        }
    }

    fn end_batch(&mut self) -> io::Result<()> {
        if self.count >= BATCH_FRAMES || self.bytes >= BATCH_BYTES {
            self.send()?;
        }
        Ok(())
    }

    /// A warning not tied to a frame (from the capture reader), written where one
    /// engine writes it: before the next frame.
    pub fn warning(&mut self, text: &str) {
        if self.meta.is_some() {
            self.warnings.push((self.last + 1, text.to_string()));
        }
    }

    /// A buffer for the capture reader to fill again.
    pub fn spare_buffer(&mut self) -> Option<Vec<u8>> {
        self.spare.pop().or_else(|| self.engine.spare_buffer())
    }

    /// As [`Engine`] does: one warning per interface, and a count per link type.
    fn unsupported_link(&mut self, frame: &Frame) {
        if self.meta.is_none() {
            return;
        }
        match self
            .unsupported_links
            .iter_mut()
            .find(|(l, _)| *l == frame.link)
        {
            Some((_, n)) => *n += 1,
            None => self.unsupported_links.push((frame.link, 1)),
        }
        if self.warned_interfaces.insert(frame.interface) {
            self.warnings
                .push((frame.number, super::unsupported_link_warning(frame)));
        }
    }

    /// Ends the batch: what the shard released goes to the merger (and, from the
    /// first shard, the batch's frame numbers and warnings).
    fn send(&mut self) -> io::Result<()> {
        while let Ok(mut p) = self.parts.try_recv() {
            let s = self.engine.sink_mut();
            if s.parts.len() < MAX_SPARE_PARTS {
                s.parts.append(&mut p);
            }
        }
        let frames = self.first.take().map(|f| (f, self.last));
        if let Some(meta) = &self.meta {
            let m = Meta {
                frames,
                warnings: std::mem::take(&mut self.warnings),
                tail: None,
            };
            meta.send(m).map_err(|_| stopped())?;
        }
        self.count = 0;
        self.bytes = 0;
        let list = self.lists.try_recv().unwrap_or_default();
        let out = Output {
            frames: std::mem::replace(&mut self.engine.sink_mut().frames, list),
            ended: self.engine.take_ended().collect(),
            created: std::mem::take(&mut self.created),
            summary: None,
        };
        self.output.send(out).map_err(|_| stopped())
    }

    /// After the last frame: the last batch, then what the engine releases at the end.
    fn finish(mut self) -> io::Result<()> {
        self.send()?;
        // Frames released at the end come after every frame was read.
        let end = self.engine.newest + 1;
        self.engine.sink_mut().now = end;
        let before = self.engine.flows_created();
        let (mut sink, summary, ended) = self.engine.finish_shard()?;
        // Flows created while the last fragments were given up.
        let created = if summary.flows > before {
            vec![(end, before + 1, summary.flows - before)]
        } else {
            Vec::new()
        };
        let out = Output {
            frames: std::mem::take(&mut sink.frames),
            ended,
            created,
            summary: Some(summary),
        };
        self.output.send(out).map_err(|_| stopped())?;
        if let Some(meta) = &self.meta {
            let tail = Tail {
                unsupported_links: std::mem::take(&mut self.unsupported_links),
            };
            let m = Meta {
                frames: None,
                warnings: Vec::new(),
                tail: Some(tail),
            };
            meta.send(m).map_err(|_| stopped())?;
        }
        Ok(())
    }
}

/// Runs `shards` engines on worker threads, each calling `read` to read the whole
/// capture itself (pushing its frames into the shard's [`Feed`]: the file is read
/// once per shard, which costs less than handing each frame from one reader thread
/// to another), and merges what they release into `sink` on this thread. Returns
/// what one engine's [`Engine::finish`] returns (or the first output error), and
/// what the first shard's `read` returned (`None` if it panicked). Every `read` must
/// push the same frames: the capture is a file read up to the same length.
pub fn run<S, R, T>(
    mut sink: S,
    config: EngineConfig,
    shards: usize,
    read: R,
) -> (io::Result<(S, Summary)>, Option<T>)
where
    S: ParallelSink,
    R: Fn(&mut Feed<S::Worker>) -> T + Sync,
    T: Send,
{
    let shards = shards.clamp(1, 1024);
    std::thread::scope(|scope| {
        let (meta_tx, meta_rx) = sync_channel(IN_FLIGHT);
        let mut meta_tx = Some(meta_tx);
        let mut outputs = Vec::new();
        let mut parts = Vec::new();
        let mut lists = Vec::new();
        let mut workers = Vec::new();
        let read = &read;
        for index in 0..shards {
            let (out_tx, out_rx) = sync_channel(IN_FLIGHT);
            let (part_tx, part_rx) = channel();
            let (list_tx, list_rx) = channel();
            let sink = ShardSink {
                worker: sink.worker(),
                reports: config.reports,
                now: 0,
                contexts: VecDeque::new(),
                frames: Vec::new(),
                parts: Vec::new(),
            };
            let feed = Feed {
                index: index as u32,
                shards: shards as u32,
                engine: Engine::shard(sink, config),
                output: out_tx,
                meta: meta_tx.take(),
                parts: part_rx,
                lists: list_rx,
                spare: Vec::new(),
                count: 0,
                bytes: 0,
                first: None,
                last: 0,
                created: Vec::new(),
                warnings: Vec::new(),
                clock: FrameContext::default(),
                warned_interfaces: HashSet::new(),
                unsupported_links: Vec::new(),
            };
            // Named, so that a profile (or /proc/PID/task/*/comm) tells the threads apart.
            let spawned = std::thread::Builder::new()
                .name(format!("shard {index}"))
                .spawn_scoped(scope, move || {
                    let mut feed = feed;
                    let t = read(&mut feed);
                    // An error here means the merger stopped; it says why.
                    let _ = feed.finish();
                    t
                });
            match spawned {
                Ok(w) => workers.push(w),
                Err(e) => return (Err(e), None),
            }
            outputs.push(out_rx);
            parts.push(part_tx);
            lists.push(list_tx);
        }
        let mut merger = Merger::new(&mut sink, shards, config.reports, parts, lists);
        let merged = merger.run(&meta_rx, &outputs);
        // Whatever happened, the channels close so that every thread ends.
        drop(meta_rx);
        drop(outputs);
        drop(merger);
        let mut first = None;
        let mut result = merged;
        for (index, w) in workers.into_iter().enumerate() {
            match w.join() {
                Ok(t) if index == 0 => first = Some(t),
                Ok(_) => {}
                Err(_) => {
                    if result.is_ok() {
                        result = Err(io::Error::other("a worker thread failed"));
                    }
                }
            }
        }
        (result.map(|summary| (sink, summary)), first)
    })
}

/// A shard's sink: what the worker makes of each released frame, with its number.
struct ShardSink<W: FrameWorker> {
    worker: W,
    reports: bool,
    /// The frame being read (or passed by).
    now: u64,
    /// Clock references of frames not yet released, in number order.
    contexts: VecDeque<(u64, FrameContext)>,
    frames: Vec<FrameItem<W::Part>>,
    /// Parts the merger has finished with.
    parts: Vec<W::Part>,
}

impl<W: FrameWorker> Sink for ShardSink<W> {
    fn frame(&mut self, view: &FrameView<'_>) -> io::Result<()> {
        let number = view.frame.number;
        while self.contexts.front().is_some_and(|c| c.0 < number) {
            self.contexts.pop_front();
        }
        let context = match self.contexts.front() {
            Some(&(n, c)) if n == number => {
                self.contexts.pop_front();
                c
            }
            _ => FrameContext::default(),
        };
        let mut part = self.parts.pop().unwrap_or_default();
        self.worker.frame(view, &context, &mut part);
        let mut names = Vec::new();
        if self.reports {
            for e in view.events {
                if let Desc::Resolved { names: n, addr } = e {
                    names.push((n.clone(), *addr));
                }
            }
        }
        self.frames.push(FrameItem {
            number,
            released_at: self.now,
            flow: view.flow,
            names,
            part,
        });
        Ok(())
    }

    /// A shard's engine never warns: links without a decoder are the reader's.
    fn warning(&mut self, _text: &str) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        Ok(())
    }

    fn reads_maps(&self) -> KeepFrames {
        self.worker.reads_maps()
    }
}

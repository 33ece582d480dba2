//! `-j N`: the flows of one capture shared among worker threads, and what they release
//! merged back into the order one engine releases it in, so that the output does not
//! depend on `-j`.
//!
//! Three kinds of thread, joined by bounded channels (memory does not follow the file):
//!
//! - the **reader** (the caller's closure, given a [`Feed`]) reads frames and sends each
//!   to a shard chosen by [`crate::decode::shard_of`] (a symmetric hash of the outermost
//!   IP addresses: both directions of a flow, all fragments of a datagram and whatever
//!   a tunnel carries land together), in batches. Every shard also gets the number and
//!   time of every frame of the batch: what one engine does on any frame whatever its
//!   flow (closed flows leave after 4096 frames, fragments time out, frames waiting too
//!   long are released) then happens in every shard at the same frame
//!   ([`Engine::tick`]). The reader also owns what belongs to no flow: warnings, link
//!   types without a decoder.
//! - **shards**, one [`Engine`] each over its flows, with a [`FrameWorker`] that turns
//!   each released frame into what the sink needs (rendered text for `show`, nothing
//!   for `flows`), tagged with its number and the frame at which it was released.
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
use crate::capture::{Frame, LinkType, Timestamp};
use crate::proto::{Desc, Direction};
use crate::sink::{FrameContext, FrameView, FrameWorker, Merged, ParallelSink, Sink, Summary};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::IpAddr;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;

mod merge;
use merge::Merger;

/// Frames per batch (a batch also ends at [`BATCH_BYTES`]).
const BATCH_FRAMES: usize = 1024;
const BATCH_BYTES: usize = 2 << 20;
/// Batches in flight per shard, each way.
const IN_FLIGHT: usize = 4;
/// Frame buffers the reader keeps for reuse.
const MAX_SPARE: usize = 4 * BATCH_FRAMES;
/// Used parts a shard keeps for reuse (a part of `show` is a frame's rendered text,
/// several times the frame).
const MAX_SPARE_PARTS: usize = BATCH_FRAMES;

/// One frame of a batch, as every shard hears of it.
#[derive(Clone, Copy)]
struct Tick {
    number: u64,
    ts: Timestamp,
    shard: u32,
}

/// A batch, as one shard gets it: every frame's tick, and its own frames.
struct Input {
    ticks: Arc<[Tick]>,
    frames: Vec<(Frame, FrameContext)>,
}

/// What the reader tells the merger about a batch.
struct Meta {
    /// Numbers of the first and last frame of the batch.
    frames: Option<(u64, u64)>,
    /// Warnings, each with the frame before which one engine writes it.
    warnings: Vec<(u64, String)>,
    /// The last message: the reader is done.
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

/// The reader's handle ([`run`]): frames go in here, in capture order.
pub struct Feed {
    shards: u32,
    inputs: Vec<SyncSender<Input>>,
    meta: SyncSender<Meta>,
    buffers: Receiver<Vec<Vec<u8>>>,
    spare: Vec<Vec<u8>>,
    ticks: Vec<Tick>,
    frames: Vec<Vec<(Frame, FrameContext)>>,
    bytes: usize,
    first: Option<u64>,
    last: u64,
    warnings: Vec<(u64, String)>,
    clock: FrameContext,
    warned_interfaces: HashSet<u32>,
    unsupported_links: Vec<(LinkType, u64)>,
}

fn stopped() -> io::Error {
    io::Error::other("the output stopped")
}

impl Feed {
    /// Takes one frame (numbered after the previous one).
    pub fn push(&mut self, frame: Frame) -> io::Result<()> {
        if !frame.link.is_supported() {
            self.unsupported_link(&frame);
        }
        let shard = crate::decode::shard_of(&frame, self.shards);
        let context = if crate::decode::header_ok(&frame) {
            let c = self.clock;
            self.clock.advance(frame.ts);
            c
        } else {
            FrameContext::default()
        };
        self.first.get_or_insert(frame.number);
        self.last = frame.number;
        self.bytes += frame.data.len();
        self.ticks.push(Tick {
            number: frame.number,
            ts: frame.ts,
            shard,
        });
        if let Some(v) = self.frames.get_mut(shard as usize) {
            v.push((frame, context));
        }
        if self.ticks.len() >= BATCH_FRAMES || self.bytes >= BATCH_BYTES {
            self.send()?;
        }
        Ok(())
    }

    /// A warning not tied to a frame (from the capture reader), written where one
    /// engine writes it: before the next frame.
    pub fn warning(&mut self, text: &str) {
        self.warnings.push((self.last + 1, text.to_string()));
    }

    /// A released frame's buffer, for the capture reader to fill again.
    pub fn spare_buffer(&mut self) -> Option<Vec<u8>> {
        if self.spare.is_empty() {
            while let Ok(v) = self.buffers.try_recv() {
                let room = MAX_SPARE.saturating_sub(self.spare.len());
                self.spare.extend(v.into_iter().take(room));
            }
        }
        self.spare.pop()
    }

    /// As [`Engine`] does: one warning per interface, and a count per link type.
    fn unsupported_link(&mut self, frame: &Frame) {
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

    fn send(&mut self) -> io::Result<()> {
        let ticks: Arc<[Tick]> = std::mem::take(&mut self.ticks).into();
        for (tx, frames) in self.inputs.iter().zip(self.frames.iter_mut()) {
            let input = Input {
                ticks: Arc::clone(&ticks),
                frames: std::mem::take(frames),
            };
            tx.send(input).map_err(|_| stopped())?;
        }
        let meta = Meta {
            frames: self.first.take().map(|f| (f, self.last)),
            warnings: std::mem::take(&mut self.warnings),
            tail: None,
        };
        self.bytes = 0;
        self.meta.send(meta).map_err(|_| stopped())
    }

    fn finish(mut self) -> io::Result<()> {
        self.send()?;
        // Closing the inputs tells the shards to finish.
        self.inputs.clear();
        let tail = Tail {
            unsupported_links: std::mem::take(&mut self.unsupported_links),
        };
        let meta = Meta {
            frames: None,
            warnings: Vec::new(),
            tail: Some(tail),
        };
        self.meta.send(meta).map_err(|_| stopped())
    }
}

/// Runs `read` (which pushes a capture's frames into the [`Feed`]) on its own thread,
/// `shards` engines on worker threads, and merges what they release into `sink` on
/// this thread. Returns what one engine's [`Engine::finish`] returns (or the first
/// output error), and what `read` returned (`None` if it panicked).
pub fn run<S, R, T>(
    mut sink: S,
    config: EngineConfig,
    shards: usize,
    read: R,
) -> (io::Result<(S, Summary)>, Option<T>)
where
    S: ParallelSink,
    R: FnOnce(&mut Feed) -> T + Send,
    T: Send,
{
    let shards = shards.clamp(1, 1024);
    std::thread::scope(|scope| {
        let (meta_tx, meta_rx) = sync_channel(IN_FLIGHT);
        let (buf_tx, buf_rx) = channel();
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        let mut parts = Vec::new();
        let mut workers = Vec::new();
        for index in 0..shards {
            let (in_tx, in_rx) = sync_channel::<Input>(IN_FLIGHT);
            let (out_tx, out_rx) = sync_channel(IN_FLIGHT);
            let (part_tx, part_rx) = channel();
            let worker = sink.worker();
            let buffers = buf_tx.clone();
            // Named, so that a profile (or /proc/PID/task/*/comm) tells the threads apart.
            let spawned = std::thread::Builder::new()
                .name(format!("shard {index}"))
                .spawn_scoped(scope, move || {
                    shard(
                        index as u32,
                        config,
                        worker,
                        in_rx,
                        out_tx,
                        buffers,
                        part_rx,
                    )
                });
            match spawned {
                Ok(w) => workers.push(w),
                Err(e) => return (Err(e), None),
            }
            inputs.push(in_tx);
            outputs.push(out_rx);
            parts.push(part_tx);
        }
        drop(buf_tx);
        let feed = Feed {
            shards: shards as u32,
            inputs,
            meta: meta_tx,
            buffers: buf_rx,
            spare: Vec::new(),
            ticks: Vec::with_capacity(BATCH_FRAMES),
            frames: (0..shards).map(|_| Vec::new()).collect(),
            bytes: 0,
            first: None,
            last: 0,
            warnings: Vec::new(),
            clock: FrameContext::default(),
            warned_interfaces: HashSet::new(),
            unsupported_links: Vec::new(),
        };
        let reader = std::thread::Builder::new()
            .name("reader".into())
            .spawn_scoped(scope, move || {
                let mut feed = feed;
                let t = read(&mut feed);
                // An error here means the merger stopped; it says why.
                let _ = feed.finish();
                t
            });
        let reader = match reader {
            Ok(r) => r,
            Err(e) => return (Err(e), None),
        };
        let mut merger = Merger::new(&mut sink, shards, config.reports, parts);
        let merged = merger.run(&meta_rx, &outputs);
        // Whatever happened, the channels close so that every thread ends.
        drop(meta_rx);
        drop(outputs);
        drop(merger);
        let mut result = merged;
        for w in workers {
            match w.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    if result.is_ok() {
                        result = Err(e);
                    }
                }
                Err(_) => {
                    if result.is_ok() {
                        result = Err(io::Error::other("a worker thread failed"));
                    }
                }
            }
        }
        let read = reader.join().ok();
        (result.map(|summary| (sink, summary)), read)
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
}

fn shard<W: FrameWorker>(
    index: u32,
    config: EngineConfig,
    worker: W,
    input: Receiver<Input>,
    output: SyncSender<Output<W::Part>>,
    buffers: Sender<Vec<Vec<u8>>>,
    parts: Receiver<Vec<W::Part>>,
) -> io::Result<()> {
    let sink = ShardSink {
        worker,
        reports: config.reports,
        now: 0,
        contexts: VecDeque::new(),
        frames: Vec::new(),
        parts: Vec::new(),
    };
    let mut engine = Engine::shard(sink, config);
    let mut spare = Vec::new();
    while let Ok(Input { ticks, frames }) = input.recv() {
        while let Ok(mut p) = parts.try_recv() {
            let s = engine.sink_mut();
            if s.parts.len() < MAX_SPARE_PARTS {
                s.parts.append(&mut p);
            }
        }
        let mut mine = frames.into_iter();
        let mut created = Vec::new();
        for t in ticks.iter() {
            engine.sink_mut().now = t.number;
            let before = engine.flows_created();
            if t.shard != index {
                engine.tick(t.number, t.ts)?;
            } else if let Some((frame, context)) = mine.next() {
                engine
                    .sink_mut()
                    .contexts
                    .push_back((frame.number, context));
                engine.push(frame)?;
            }
            let after = engine.flows_created();
            if after > before {
                created.push((t.number, before + 1, after - before));
            }
        }
        while let Some(b) = engine.spare_buffer() {
            spare.push(b);
        }
        if !spare.is_empty() && buffers.send(std::mem::take(&mut spare)).is_err() {
            spare.clear();
        }
        let out = Output {
            frames: std::mem::take(&mut engine.sink_mut().frames),
            ended: engine.take_ended().collect(),
            created,
            summary: None,
        };
        if output.send(out).is_err() {
            // The merger stopped (an output error); it reports it.
            return Ok(());
        }
    }
    // Frames released at the end come after every frame was read.
    let end = engine.newest + 1;
    engine.sink_mut().now = end;
    let before = engine.flows_created();
    let (mut sink, summary, ended) = engine.finish_shard()?;
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
    let _ = output.send(out);
    Ok(())
}

//! What the engine hands to an output mode: the [`Sink`] trait, one labelled frame at a
//! time ([`FrameView`]), flow reports as flows end, and the closing [`Summary`].
//!
//! The sink belongs to the producer (as ripgrep's `Sink` sits in its searcher): the
//! engine defines what it emits, and every renderer in [`crate::render`] implements
//! this one trait, depending on these types and on nothing else of the engine.
//! Adding an output mode means implementing [`Sink`] (docs/design.md), and
//! [`ParallelSink`] for `-j N` (at least by wrapping it in [`Copying`]).

use crate::capture::{Frame, LinkType, Timestamp};
use crate::decode::Decoded;
use crate::note::NoteGroup;
use crate::proto::{Decrypted, Desc, Direction};
use crate::report::FlowReport;
use crate::span::{ByteMap, Label};
use std::io;

/// A frame whose bytes are all classified, as handed to a sink.
pub struct FrameView<'a> {
    pub frame: &'a Frame,
    pub decoded: &'a Decoded,
    /// The frame's labels: its runs for the frames the sink reads maps of
    /// ([`Sink::reads_maps`]), its length and [`ByteMap::totals`] for every frame.
    pub map: &'a ByteMap,
    /// Descriptions of what starts in this frame's payload, in stream order.
    pub events: &'a [Desc],
    /// The flow (its id) and direction of this frame's payload, if it has one.
    pub flow: Option<(u64, Direction)>,
    /// What the endpoints read in the protected units (TLS records, QUIC packets)
    /// that end in this frame, decrypted with their keys (`--keylog`): a second view
    /// beside the observer's, whose labels (`map`) it never changes.
    pub decrypted: &'a [Decrypted],
}

/// An output mode.
pub trait Sink {
    /// One frame, in capture order.
    fn frame(&mut self, view: &FrameView<'_>) -> io::Result<()>;
    /// A warning not tied to a frame (unsupported link type…). Never hides data.
    fn warning(&mut self, text: &str) -> io::Result<()>;
    /// The end of the capture.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
    /// A flow ended and all its frames were shown (only with `EngineConfig::reports`).
    fn flow(&mut self, _report: &FlowReport) -> io::Result<()> {
        Ok(())
    }
    /// [`Sink::flow`], the report given away: a sink that keeps reports (`flows`
    /// sorts them before printing) keeps this one without copying it.
    fn flow_owned(&mut self, report: FlowReport) -> io::Result<()> {
        self.flow(&report)
    }
    /// The frames whose byte map ([`FrameView::map`]'s runs) this sink reads; the
    /// others come with a map of their counts only ([`ByteMap::count`]), which is
    /// cheaper to make. All, unless a sink says less.
    fn reads_maps(&self) -> KeepFrames {
        KeepFrames::All
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

/// The clock's reference at a frame as one engine has it, for `-j N` workers that
/// print times relative to other frames (`-ttt`, `-ttttt`): the time stamp of the
/// previous frame whose record header was valid, and of the first such frame whose
/// time is not zero as shown in microseconds and in nanoseconds (tcpdump's reference
/// stays unset while it is zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameContext {
    pub previous: Option<Timestamp>,
    pub first_micro: Option<Timestamp>,
    pub first_nano: Option<Timestamp>,
}

impl FrameContext {
    /// Takes in a frame whose record header was valid (after its own context was
    /// taken).
    pub fn advance(&mut self, ts: Timestamp) {
        self.previous = Some(ts);
        if self.first_micro.is_none() && shown_nonzero(ts, false) {
            self.first_micro = Some(ts);
        }
        if self.first_nano.is_none() && shown_nonzero(ts, true) {
            self.first_nano = Some(ts);
        }
    }
}

/// Whether `ts` is not zero as the packet line shows it (the file's fields scaled to
/// the precision shown, as libpcap hands them to tcpdump).
fn shown_nonzero(ts: Timestamp, nanos: bool) -> bool {
    match ts.raw {
        Some(raw) => {
            let frac = match (raw.nano, nanos) {
                (false, true) => i64::from(raw.frac) * 1000,
                (true, false) => i64::from(raw.frac) / 1000,
                _ => i64::from(raw.frac),
            };
            raw.sec != 0 || frac != 0
        }
        None => ts.sec != 0 || (if nanos { ts.nsec } else { ts.nsec / 1000 }) != 0,
    }
}

/// A frame handed back in capture order by `-j N`: its number and its flow, with the
/// id one engine gives that flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merged {
    pub number: u64,
    pub flow: Option<(u64, Direction)>,
}

/// What a worker thread of `-j N` makes of each frame its shard releases (in the
/// shard's order), for the sink to take in capture order on the merging thread
/// ([`ParallelSink::merged`]). A worker sees the frames of its shard's flows only:
/// what it keeps from frame to frame must be per flow (per connection), or come in the
/// [`FrameContext`].
pub trait FrameWorker: Send {
    /// Sent from the worker to the merging thread, then back to be filled again.
    type Part: Default + Send;
    /// Fills `part` (a used one: overwrite it) from a released frame. The flow id in
    /// `view` is the shard's own, not the one printed: the merging thread has that.
    fn frame(&mut self, view: &FrameView<'_>, context: &FrameContext, part: &mut Self::Part);
    /// The frames whose byte map this worker reads ([`Sink::reads_maps`]).
    fn reads_maps(&self) -> KeepFrames {
        KeepFrames::All
    }
}

/// An output mode that `-j N` can feed ([`crate::engine::parallel`]). Frames reach it
/// through [`ParallelSink::merged`] instead of [`Sink::frame`]; flow reports, warnings
/// and the summary through the [`Sink`] methods, in the same order and with the same
/// flow ids as one engine gives, so that the output does not depend on `-j`.
///
/// Any sink can be fed this way by wrapping it in [`Copying`], which ships each frame
/// whole; a sink that needs little of a frame, or renders it without state of its own,
/// does better with a [`FrameWorker`] of its own.
pub trait ParallelSink: Sink {
    type Worker: FrameWorker;
    /// A worker for one shard (called once per worker thread).
    fn worker(&self) -> Self::Worker;
    /// What a worker made of frame `frame.number`, in capture order.
    fn merged(
        &mut self,
        part: &mut <Self::Worker as FrameWorker>::Part,
        frame: &Merged,
    ) -> io::Result<()>;
}

/// Which frames a [`CopyFrames`] worker copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepFrames {
    All,
    /// Frames that belong to no flow (what `check --deny undecoded` looks at).
    Flowless,
    /// None: the sink reads flow reports only.
    None,
}

impl KeepFrames {
    /// Whether a frame of a flow (`flowless` false) or of none is among these.
    pub fn holds(self, flowless: bool) -> bool {
        match self {
            KeepFrames::All => true,
            KeepFrames::Flowless => flowless,
            KeepFrames::None => false,
        }
    }
}

/// A worker that copies frames whole, for sinks that read them on the merging thread.
#[derive(Clone, Copy, Debug)]
pub struct CopyFrames(pub KeepFrames);

impl FrameWorker for CopyFrames {
    /// Boxed: a part moves through a few queues per frame, most often empty.
    type Part = Box<OwnedFrame>;
    fn frame(&mut self, view: &FrameView<'_>, _: &FrameContext, part: &mut Box<OwnedFrame>) {
        let keep = self.0.holds(view.flow.is_none());
        part.present = keep;
        if keep {
            part.copy_from(view);
        }
    }
    fn reads_maps(&self) -> KeepFrames {
        self.0
    }
}

/// An owned copy of a [`FrameView`], its buffers reused from frame to frame.
#[derive(Debug)]
pub struct OwnedFrame {
    /// Whether a frame was copied in.
    pub present: bool,
    frame: Frame,
    decoded: Decoded,
    map: ByteMap,
    events: Vec<Desc>,
    decrypted: Vec<Decrypted>,
}

impl Default for OwnedFrame {
    fn default() -> Self {
        OwnedFrame {
            present: false,
            frame: Frame {
                number: 0,
                ts: Timestamp::default(),
                link: LinkType(0),
                interface: 0,
                orig_len: 0,
                data: Vec::new(),
                cut_by_eof: false,
            },
            decoded: Decoded::default(),
            map: ByteMap::default(),
            events: Vec::new(),
            decrypted: Vec::new(),
        }
    }
}

impl OwnedFrame {
    pub fn copy_from(&mut self, v: &FrameView<'_>) {
        let f = v.frame;
        self.frame.number = f.number;
        self.frame.ts = f.ts;
        self.frame.link = f.link;
        self.frame.interface = f.interface;
        self.frame.orig_len = f.orig_len;
        self.frame.cut_by_eof = f.cut_by_eof;
        self.frame.data.clone_from(&f.data);
        self.decoded.clone_from(v.decoded);
        self.map.clone_from(v.map);
        self.events.clear();
        self.events.extend_from_slice(v.events);
        self.decrypted.clear();
        self.decrypted.extend_from_slice(v.decrypted);
    }

    /// The copy as a view, with the flow the merging thread gives it.
    pub fn view(&self, flow: Option<(u64, Direction)>) -> FrameView<'_> {
        FrameView {
            frame: &self.frame,
            decoded: &self.decoded,
            map: &self.map,
            events: &self.events,
            decrypted: &self.decrypted,
            flow,
        }
    }
}

/// Any [`Sink`] fed by `-j N`: the frames it reads (which: [`KeepFrames`]) are copied
/// whole on a worker thread and handed to [`Sink::frame`] on the merging thread.
pub struct Copying<S> {
    pub inner: S,
    keep: KeepFrames,
}

impl<S: Sink> Copying<S> {
    /// `keep`: the frames `inner` reads ([`KeepFrames::None`] for a sink of flow
    /// reports only); the others never reach it.
    pub fn new(inner: S, keep: KeepFrames) -> Copying<S> {
        Copying { inner, keep }
    }
}

impl<S: Sink> Sink for Copying<S> {
    fn frame(&mut self, view: &FrameView<'_>) -> io::Result<()> {
        self.inner.frame(view)
    }
    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.inner.warning(text)
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
    fn flow(&mut self, report: &FlowReport) -> io::Result<()> {
        self.inner.flow(report)
    }
    fn flow_owned(&mut self, report: FlowReport) -> io::Result<()> {
        self.inner.flow_owned(report)
    }
    fn reads_maps(&self) -> KeepFrames {
        self.inner.reads_maps()
    }
}

impl<S: Sink> ParallelSink for Copying<S> {
    type Worker = CopyFrames;
    fn worker(&self) -> CopyFrames {
        CopyFrames(self.keep)
    }
    fn merged(&mut self, part: &mut Box<OwnedFrame>, frame: &Merged) -> io::Result<()> {
        if part.present {
            self.inner.frame(&part.view(frame.flow))
        } else {
            Ok(())
        }
    }
}

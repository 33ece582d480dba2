//! What the engine hands to an output mode: the [`Sink`] trait, one labelled frame at a
//! time ([`FrameView`]), flow reports as flows end, and the closing [`Summary`].
//!
//! The sink belongs to the producer (as ripgrep's `Sink` sits in its searcher): the
//! engine defines what it emits, and every renderer in [`crate::render`] implements
//! this one trait, depending on these types and on nothing else of the engine.
//! Adding an output mode means implementing [`Sink`] (docs/design.md).

use crate::capture::{Frame, LinkType};
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

//! The engine's bounds and switches.

use crate::flow::frag::FragLimits;
use crate::flow::Limits;

/// Engine bounds and switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    pub limits: Limits,
    /// Frames held for classification before the oldest is released as it is.
    pub max_pending_frames: usize,
    /// IP fragment reassembly bounds.
    pub frag: FragLimits,
    /// Build a [`crate::report::FlowReport`] per flow and hand it to the sink when the
    /// flow ends.
    pub reports: bool,
    /// One span per field, as the model has it: what a sink needs that shows fields
    /// (`show`, JSON frames, the HTML page). Without, consecutive spans whose fields
    /// read alike ([`crate::fields::FieldId::reads_as`]: header or handshake fields,
    /// no leak, one visibility) are one: for sinks that read labels, leaks and
    /// content (`flows`, `check`), the same byte map and reports with fewer spans to
    /// place, remember and map.
    pub fields: bool,
    /// What packet lines show: application messages in words ([`crate::proto::Desc::App`])
    /// and a handshake message's details. Without, dissectors skip making them: for
    /// sinks that read labels and reports only (`flows`, `check`), whose reports never
    /// read them.
    pub descriptions: bool,
    /// The JA3, JA3S and JA4 fingerprints of TLS, DTLS and QUIC hellos in flow reports
    /// (with `reports`): for sinks that show them (`flows`, JSON, Parquet, the page).
    /// `check` reads none: without, hellos skip hashing them.
    pub fingerprints: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            limits: Limits::default(),
            max_pending_frames: 50_000,
            frag: FragLimits::default(),
            reports: false,
            fields: true,
            descriptions: true,
            fingerprints: true,
        }
    }
}

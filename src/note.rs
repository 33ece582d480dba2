//! Expert notes, after Wireshark's expert info: a severity, a group, a sentence, and
//! where there is one, the frame bytes it is about.

use std::fmt;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing, not a problem (e.g. "handshake not seen").
    Note,
    /// Something is off with the input; decoding went on.
    Warn,
    /// Input that breaks its protocol's rules.
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteGroup {
    /// A field holds an impossible value.
    Malformed,
    /// The frame was cut short (snap length, end of file).
    Truncated,
    /// TCP sequence trouble: gaps, retransmissions, out of order.
    Sequence,
    /// Reassembly could not proceed (limits, fragments).
    Reassembly,
    /// Bytes nobody could classify.
    Undecoded,
    /// Something readable that should not be.
    Leak,
    /// Protocol-level remarks (handshake not seen, unknown link type…).
    Protocol,
}

impl NoteGroup {
    pub const ALL: [NoteGroup; 7] = [
        NoteGroup::Malformed,
        NoteGroup::Truncated,
        NoteGroup::Sequence,
        NoteGroup::Reassembly,
        NoteGroup::Undecoded,
        NoteGroup::Leak,
        NoteGroup::Protocol,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NoteGroup::Malformed => "malformed",
            NoteGroup::Truncated => "truncated",
            NoteGroup::Sequence => "sequence",
            NoteGroup::Reassembly => "reassembly",
            NoteGroup::Undecoded => "undecoded",
            NoteGroup::Leak => "leak",
            NoteGroup::Protocol => "protocol",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for NoteGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub severity: Severity,
    pub group: NoteGroup,
    pub text: String,
    /// Frame-relative bytes the note is about, if any.
    pub range: Option<Range<u32>>,
}

impl Note {
    pub fn new(severity: Severity, group: NoteGroup, text: impl Into<String>) -> Note {
        Note {
            severity,
            group,
            text: text.into(),
            range: None,
        }
    }

    pub fn at(mut self, range: Range<u32>) -> Note {
        self.range = Some(range);
        self
    }
}

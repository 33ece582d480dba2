//! eavesdrop: what can someone on the path read in a packet capture, and what does
//! encryption hide?
//!
//! The library reads pcap/pcapng ([`capture`]), decodes every frame into labelled
//! spans ([`decode`], [`span`], [`fields`]), follows TCP streams ([`flow`]), splits TLS
//! records and other payloads ([`proto`]), and hands frames whose every byte is
//! labelled to an output mode ([`render`]) through the [`engine`].

#![forbid(unsafe_code)]

pub mod capture;
pub mod check;
pub mod codec;
pub mod decode;
pub mod engine;
pub mod fields;
pub mod flow;
pub mod keys;
pub mod note;
pub mod proto;
pub mod render;
pub mod report;
pub mod sink;
pub mod span;
pub mod text;

pub use capture::file::{CaptureError, CaptureReader, Secrets};
pub use capture::{Frame, LinkType, Timestamp};
pub use engine::{Engine, EngineConfig};
pub use sink::{FrameView, Sink, Summary};
pub use span::{ByteMap, Label, LeakKind, Span, Visibility};

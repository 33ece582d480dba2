//! JSON Lines (docs/json.md, schema docs/eavesdrop.schema.json): one object per line,
//! each with `"type"` (`frame`, `flow`, `note`, `summary`) and `"version"`.
//!
//! `show --json` writes frames (with their spans and notes) and the summary; `flows
//! --json` writes flows and the summary. Strings from a capture are JSON-escaped by
//! serde_json, so control bytes never reach a terminal raw.

use super::learned::Learned;
use super::line::{describe_payload, LineOptions, LineWriter};
use super::time::{Clock, TimeFormat};
use crate::capture::Timestamp;
use crate::decode::TransportHeader;
use crate::note::{Note, NoteGroup};
use crate::proto::{Desc, PlainLen};
use crate::report::FlowReport;
use crate::sink::Summary;
use crate::sink::{FrameView, Sink};
use crate::span::{Label, LeakKind};
use serde::Serialize;

mod flow;
mod frame;
use flow::dir_name;
pub use flow::{flow_json, FlowJson};
use serde_json::{json, Value};
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The version of the JSON format. Changing the meaning or type of a key, or removing
/// one, is a new version; adding keys is not.
pub const VERSION: u32 = 1;

/// Leak values longer than this are not copied into span objects.
const SHORT: usize = 64;

/// Output is written out in pieces of about this size.
const FLUSH_AT: usize = 256 * 1024;

/// What a [`JsonSink`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonMode {
    /// Frames, notes and the summary (`show --json`).
    Frames,
    /// Flows and the summary (`flows --json`).
    Flows,
}

pub struct JsonSink<W: Write> {
    out: W,
    mode: JsonMode,
    file: String,
    line: LineWriter,
    /// The file name as a JSON string, escaped once.
    file_json: String,
    /// A frame's packet line, written again for each frame.
    line_buf: Vec<u8>,
    scratch: String,
    buf: Vec<u8>,
    /// What an observer learned, over the flows written (`flows --json`).
    learned: Learned,
}

impl<W: Write> JsonSink<W> {
    pub fn new(out: W, mode: JsonMode, file: &str) -> JsonSink<W> {
        let opts = LineOptions::default();
        let clock = Clock::new(TimeFormat::None, false, jiff::tz::TimeZone::UTC);
        JsonSink {
            out,
            mode,
            file: file.to_string(),
            file_json: serde_json::to_string(file).unwrap_or_else(|_| "\"\"".into()),
            line: LineWriter::new(opts, clock),
            line_buf: Vec::with_capacity(256),
            scratch: String::new(),
            buf: Vec::with_capacity(64 * 1024),
            learned: Learned::default(),
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn emit(&mut self, value: &impl Serialize) -> io::Result<()> {
        emit(&mut self.buf, &mut self.out, value)
    }
}

fn emit<W: Write>(buf: &mut Vec<u8>, out: &mut W, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, value).map_err(io::Error::other)?;
    buf.push(b'\n');
    if buf.len() >= FLUSH_AT {
        out.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// RFC 3339 in UTC, with the capture's precision (nanoseconds are kept); `None` for a
/// timestamp no calendar date can hold (tcpdump: "[Error converting time]").
pub fn rfc3339(ts: Timestamp) -> Option<String> {
    let mut s = String::new();
    push_rfc3339(&mut s, ts).then_some(s)
}

/// [`rfc3339`] written at the end of `s`; false (and nothing written) for a time out of
/// range.
pub fn push_rfc3339(s: &mut String, ts: Timestamp) -> bool {
    use std::fmt::Write as _;
    match jiff::Timestamp::new(ts.sec, ts.nsec as i32) {
        Ok(t) => write!(s, "{t}").is_ok(),
        Err(_) => false,
    }
}

/// Counts by label, as an object keyed by the labels' words in their order.
struct LabelCounts<'a>(&'a [u64; Label::COUNT]);

impl Serialize for LabelCounts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(Label::COUNT))?;
        for l in Label::ALL {
            map.serialize_entry(l.word(), &self.0[l.index()])?;
        }
        map.end()
    }
}

fn label_counts(counts: &[u64; Label::COUNT]) -> Value {
    serde_json::to_value(LabelCounts(counts)).unwrap_or(Value::Null)
}

/// A short readable form of a leaked field's bytes: addresses and ports as such,
/// printable text as text, anything else in hex.
pub fn short_value(kind: LeakKind, bytes: &[u8]) -> Option<String> {
    let mut s = String::new();
    short_value_into(&mut s, kind, bytes).then_some(s)
}

/// [`short_value`] appended to `s`; false (and nothing appended) for no value.
pub(super) fn short_value_into(s: &mut String, kind: LeakKind, bytes: &[u8]) -> bool {
    use crate::text::push_hex_byte as hex;
    use std::fmt::Write as _;
    if bytes.is_empty() || bytes.len() > SHORT {
        return false;
    }
    match (kind, bytes) {
        (LeakKind::Address, &[a, b, c, d]) => crate::text::push_ipv4(s, Ipv4Addr::new(a, b, c, d)),
        (LeakKind::Address, _) if bytes.len() == 16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            let _ = write!(s, "{}", Ipv6Addr::from(a));
        }
        (LeakKind::Address, _) if bytes.len() == 6 => {
            for (i, &b) in bytes.iter().enumerate() {
                if i > 0 {
                    s.push(':');
                }
                hex(s, b);
            }
        }
        (LeakKind::Port, &[a, b]) => crate::text::push_dec(s, u16::from_be_bytes([a, b])),
        _ if bytes.iter().all(|&b| (0x20..0x7f).contains(&b)) => {
            s.extend(bytes.iter().map(|&b| char::from(b)));
        }
        _ => {
            for &b in bytes {
                hex(s, b);
            }
        }
    }
    true
}

#[derive(Serialize)]
struct NoteJson<'a> {
    severity: &'static str,
    group: &'static str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<u32>,
}

fn note_json(n: &Note) -> NoteJson<'_> {
    NoteJson {
        severity: n.severity.name(),
        group: n.group.name(),
        text: &n.text,
        start: n.range.as_ref().map(|r| r.start),
        end: n.range.as_ref().map(|r| r.end),
    }
}

/// A record or encrypted unit starting in a frame, with what its length tells.
pub fn record_json(d: &Desc) -> Option<Value> {
    let plain = |p: &Option<PlainLen>| p.map(|p| json!({"min": p.min, "max": p.max}));
    match d {
        Desc::TlsRecord {
            version,
            content,
            len,
            encrypted,
            plaintext,
        } => Some(json!({
            "protocol": version.label(),
            "type": content.to_string(),
            "length": len,
            "encrypted": encrypted,
            "plaintext_len": plain(plaintext),
        })),
        Desc::Sealed {
            proto,
            unit,
            len,
            plaintext,
        } => Some(json!({
            "protocol": proto,
            "type": unit,
            "length": len,
            "encrypted": true,
            "plaintext_len": plain(plaintext),
        })),
        _ => None,
    }
}

/// A unit decrypted with the endpoints' keys: what the key holder read in it. The
/// plaintext itself only with `--json-plaintext` (base64).
fn decrypted_json(d: &crate::proto::Decrypted) -> Value {
    let mut v = json!({
        "protocol": d.proto,
        "type": d.content.to_string(),
        "length": d.len,
        "says": d.says,
        "endpoints_only": d.secrets,
    });
    if !d.plaintext.is_empty() {
        use base64::Engine as _;
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "plaintext".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(&d.plaintext)),
            );
        }
    }
    v
}

impl<W: Write> Sink for JsonSink<W> {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        if self.mode != JsonMode::Frames {
            return Ok(());
        }
        self.line_buf.clear();
        self.line.write(&mut self.line_buf, v);
        frame::write(
            &mut self.buf,
            &mut self.scratch,
            &self.file_json,
            &self.line_buf,
            v,
        );
        self.buf.push(b'\n');
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        let v = json!({
            "type": "note",
            "version": VERSION,
            "file": self.file,
            "severity": "warn",
            "group": NoteGroup::Protocol.name(),
            "text": text,
        });
        self.emit(&v)
    }

    /// Only JSON frames read byte maps.
    fn reads_maps(&self) -> crate::sink::KeepFrames {
        if self.mode == JsonMode::Frames {
            crate::sink::KeepFrames::All
        } else {
            crate::sink::KeepFrames::None
        }
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        if self.mode != JsonMode::Flows {
            return Ok(());
        }
        self.learned.add(r);
        let v = FlowJson::new(r, &self.file);
        emit(&mut self.buf, &mut self.out, &v)
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        if self.mode == JsonMode::Flows {
            let v = self.learned.json(&self.file);
            self.emit(&v)?;
        }
        let v = summary_json(s, &self.file);
        self.emit(&v)?;
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

pub fn summary_json(s: &Summary, file: &str) -> Value {
    let mut notes = serde_json::Map::new();
    for g in NoteGroup::ALL {
        notes.insert(g.name().to_string(), json!(s.notes[g.index()]));
    }
    json!({
        "type": "summary",
        "version": VERSION,
        "file": file,
        "frames": s.frames,
        "flows": s.flows,
        "tcp_flows": s.tcp_flows,
        "udp_flows": s.udp_flows,
        "tls_flows": s.tls_flows,
        "bytes": label_counts(&s.bytes),
        "payload": label_counts(&s.payload),
        "notes": Value::Object(notes),
        "forced_releases": s.forced_releases,
        "evicted_flows": s.evicted_flows,
        "unsupported_links": s.unsupported_links.iter()
            .map(|(l, n)| json!({"link": l.0, "frames": n}))
            .collect::<Vec<_>>(),
    })
}

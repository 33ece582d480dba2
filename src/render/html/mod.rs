//! `eavesdrop html`: one self-contained web page per run — the capture's totals, the
//! flows table, a ladder diagram per flow, the packet list and, for the selected
//! packet, every byte coloured by its label with its field on hover or focus.
//!
//! Two parts, kept apart:
//! - [`HtmlSink`] (this file) is the output mode: a [`Sink`] that turns what the engine
//!   hands it into JSON values — the summary, every flow report ([`flow_json`], the
//!   same facts as `flows --json`), a ladder per flow, and the detail of at most
//!   [`HtmlOptions::max_frames`] frames (bytes, label runs, spans, notes). One capture
//!   becomes one [`Section`].
//! - [`page`] writes the page: the sections' JSON inside `<script
//!   type="application/json">` elements (escaped so capture data cannot close them),
//!   the stylesheet and the one script as assets, and a Content-Security-Policy that
//!   admits only their hashes.
//!
//! Everything stays bounded (docs/design.md, "The HTML page"): frame detail for at
//! most `max_frames` frames and [`MAX_DETAIL_BYTES`] of their captured bytes — the first ones in capture order, and once the budget is
//! full, later frames that carry a name, a credential or another leak beyond addresses
//! and ports, each taking the place of the latest plain frame kept, down to three
//! quarters of the budget; flows complete up to [`MAX_FLOWS`] (the earliest by first
//! appearance); a ladder keeps [`LADDER_HEAD`] arrows from a flow's start and
//! [`LADDER_TAIL`] from its end. What was left out is counted and said on the page.
//!
//! Strings from the capture are escaped for a terminal first ([`super::escape`]:
//! control and bidi characters become visible escapes, so they cannot reorder a
//! line), then JSON-escaped for the script element; the page's script only ever puts
//! them in the document as text.

pub mod page;

use super::json::{flow_json, record_json, rfc3339, short_value, summary_json};
use super::line::{describe_payload, LineOptions, LineWriter};
use super::time::{Clock, TimeFormat};
use crate::capture::Timestamp;
use crate::decode::{Layer, TransportHeader};
use crate::fields::{FieldId, Role};
use crate::proto::Direction;
use crate::report::FlowReport;
use crate::sink::{FrameView, Sink, Summary};
use crate::span::{Label, LeakKind};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::io;

pub use page::{write_page, Outro, Page};

/// Frames whose detail (bytes, labels, fields) a page embeds by default.
pub const DEFAULT_MAX_FRAMES: usize = 2_000;
/// Captured bytes of the frames whose detail a page embeds, at most (base64 makes them
/// a third larger in the page): big frames (64 KiB on loopback) fill this before
/// `max_frames`.
pub const MAX_DETAIL_BYTES: usize = 8 << 20;
/// Flows a page lists at most (the earliest, by first appearance); the totals still
/// count every flow.
pub const MAX_FLOWS: usize = 10_000;
/// Arrows a ladder keeps from the start of a flow…
pub const LADDER_HEAD: usize = 40;
/// …and from its end; the packets between are counted.
pub const LADDER_TAIL: usize = 8;
/// Distinct names (SNI, DNS, certificate…) listed in a capture's header.
pub const MAX_NAMES: usize = 500;
/// Warnings kept per capture.
const MAX_WARNINGS: usize = 100;
/// Characters of a description kept on a ladder arrow.
const ARROW_TEXT: usize = 80;

/// How a page is made, decided once from the command line.
#[derive(Clone, Copy, Debug)]
pub struct HtmlOptions {
    /// Frames whose detail is embedded.
    pub max_frames: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            max_frames: DEFAULT_MAX_FRAMES,
        }
    }
}

/// One capture's part of a page, as JSON values ready to embed.
#[derive(Debug, Default)]
pub struct Section {
    /// A heading (the file name unless told otherwise).
    pub title: String,
    /// Paragraphs under the heading (the demo's story), plain text.
    pub intro: Vec<String>,
    /// The section's facts: file, summary, packets, fields, what was left out.
    pub data: Value,
    /// Each listed flow as compact JSON text, by first appearance: a flow kept as a
    /// `Value` tree took some 20 KB (maps of maps, a key `String` each), as text about
    /// 1.5 KB, and a page keeps up to [`MAX_FLOWS`] of them. The page writes them as
    /// the `flows` of [`Section::data`].
    pub flows: Vec<String>,
    /// Frame number and detail as JSON text, in capture order (as `Value` trees, the
    /// frames of a full budget took 13 MB, as text about one).
    pub details: Vec<(u64, String)>,
}

/// A frame whose detail the page embeds.
#[derive(Debug)]
struct Kept {
    number: u64,
    /// Captured bytes.
    size: usize,
    packet: Value,
    /// Its detail as JSON text ([`Section::details`]).
    detail: String,
    notable: bool,
}

/// One arrow of a ladder: a packet, its direction and what an observer could read.
#[derive(Clone, Debug)]
struct Arrow {
    frame: u64,
    dir: Direction,
    /// Microseconds since the flow's first packet.
    at_us: i64,
    wire: u32,
    payload: u32,
    counts: [u64; Label::COUNT],
    text: String,
}

impl Arrow {
    fn json(&self) -> Value {
        json!({
            "f": self.frame,
            "d": self.dir.index(),
            "t": self.at_us,
            "w": self.wire,
            "p": self.payload,
            "c": self.counts,
            "s": self.text,
        })
    }
}

/// A flow's arrows: the first [`LADDER_HEAD`], the last [`LADDER_TAIL`], and how many
/// packets (and bytes) went between.
#[derive(Debug, Default)]
struct Ladder {
    start: Option<Timestamp>,
    head: Vec<Arrow>,
    tail: VecDeque<Arrow>,
    omitted: u64,
    omitted_bytes: u64,
}

impl Ladder {
    fn push(&mut self, a: Arrow) {
        if self.head.len() < LADDER_HEAD {
            self.head.push(a);
            return;
        }
        if self.tail.len() == LADDER_TAIL {
            if let Some(old) = self.tail.pop_front() {
                self.omitted += 1;
                self.omitted_bytes += u64::from(old.wire);
            }
        }
        self.tail.push_back(a);
    }

    fn json(&self) -> Value {
        json!({
            "head": self.head.iter().map(Arrow::json).collect::<Vec<_>>(),
            "tail": self.tail.iter().map(Arrow::json).collect::<Vec<_>>(),
            "omitted": self.omitted,
            "omitted_bytes": self.omitted_bytes,
        })
    }
}

/// A listed flow, ordered by id so that the heap drops the latest first.
struct Listed {
    id: u64,
    /// Its entry, as JSON text ([`Section::flows`]).
    json: String,
}

impl PartialEq for Listed {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Listed {}
impl PartialOrd for Listed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Listed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

/// What a flow's verdict comes to, for the page's filter: the first that applies of
/// credentials, readable (content in the clear), opaque, undecoded, handshake (only
/// handshake bytes readable), empty (no payload) — the order of
/// [`FlowReport::verdict`].
pub fn verdict_class(r: &FlowReport) -> &'static str {
    let p = r.payload();
    let total: u64 = p.iter().sum();
    if total == 0 {
        "empty"
    } else if r.credentials().next().is_some() {
        "credentials"
    } else if r.plaintext() > 0 {
        "readable"
    } else if Label::Opaque.count(&p) > 0 {
        "opaque"
    } else if Label::Undecoded.count(&p) > 0 {
        "undecoded"
    } else {
        "handshake"
    }
}

/// The classes in the order the page lists them.
pub const CLASSES: [&str; 6] = [
    "credentials",
    "readable",
    "opaque",
    "undecoded",
    "handshake",
    "empty",
];

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Header => "header",
        Role::Handshake => "handshake",
        Role::Content => "content",
        Role::Unknown => "unknown",
    }
}

/// A leak worth a place in the frame budget beyond its first part: anything but the
/// addresses and ports every packet carries.
fn notable(kind: LeakKind) -> bool {
    !matches!(kind, LeakKind::Address | LeakKind::Port)
}

/// The output mode behind `eavesdrop html`: collects one capture's [`Section`].
pub struct HtmlSink {
    file: String,
    opts: HtmlOptions,
    line: LineWriter,
    /// Field definitions used by the embedded frames, by index.
    fields: Vec<Value>,
    field_index: HashMap<&'static str, usize>,
    /// Frames whose detail is embedded, in capture order.
    kept: Vec<Kept>,
    /// How many of them carry no notable leak.
    plain: usize,
    /// Their captured bytes.
    kept_bytes: usize,
    first_ts: Option<Timestamp>,
    frames: u64,
    ladders: HashMap<u64, Ladder>,
    flows: BinaryHeap<Listed>,
    flows_left_out: u64,
    classes: BTreeMap<&'static str, u64>,
    /// Name → (how it was learned, flows that named it).
    names: BTreeMap<String, (Vec<&'static str>, u64)>,
    names_left_out: u64,
    warnings: Vec<String>,
    warnings_left_out: u64,
    summary: Value,
}

impl HtmlSink {
    pub fn new(file: &str, opts: HtmlOptions) -> HtmlSink {
        let line = LineOptions {
            numbers: false,
            absolute_seq: false,
            describe: false,
            quick: false,
            verbose: 0,
            link_header: false,
            no_checksums: false,
        };
        let clock = Clock::new(TimeFormat::None, false, jiff::tz::TimeZone::UTC);
        HtmlSink {
            file: file.to_string(),
            opts,
            line: LineWriter::new(line, clock),
            fields: Vec::new(),
            field_index: HashMap::new(),
            kept: Vec::new(),
            plain: 0,
            kept_bytes: 0,
            first_ts: None,
            frames: 0,
            ladders: HashMap::new(),
            flows: BinaryHeap::new(),
            flows_left_out: 0,
            classes: BTreeMap::new(),
            names: BTreeMap::new(),
            names_left_out: 0,
            warnings: Vec::new(),
            warnings_left_out: 0,
            summary: Value::Null,
        }
    }

    /// Frames without a notable leak that the budget always keeps: the first three
    /// quarters. Beyond them, a later frame with a notable leak takes the place of the
    /// latest plain frame kept.
    fn plain_floor(&self) -> usize {
        (self.opts.max_frames * 3).div_ceil(4)
    }

    fn field(&mut self, f: FieldId) -> usize {
        let name = f.name();
        if let Some(&i) = self.field_index.get(name) {
            return i;
        }
        let d = f.def();
        let i = self.fields.len();
        self.fields.push(json!({
            "name": d.name,
            "proto": d.proto,
            "doc": d.doc,
            "role": role_name(d.role),
            "visibility": d.vis.name(),
            "leak": d.leak.map(LeakKind::name),
        }));
        self.field_index.insert(name, i);
        i
    }

    /// Microseconds since the capture's first frame.
    fn since_start(&self, ts: Timestamp) -> i64 {
        self.first_ts.map_or(0, |f| micros_between(f, ts))
    }

    /// Whether a frame's detail fits the budget, making room for a frame with a
    /// notable leak by dropping the latest plain frame above the floor.
    fn make_room(&mut self, notable: bool, size: usize) -> bool {
        if self.kept.len() < self.opts.max_frames && self.kept_bytes + size <= MAX_DETAIL_BYTES {
            return true;
        }
        if !notable || self.plain <= self.plain_floor() {
            return false;
        }
        let Some(i) = self.kept.iter().rposition(|k| !k.notable) else {
            return false;
        };
        let freed = self.kept.get(i).map_or(0, |k| k.size);
        if self.kept_bytes - freed + size > MAX_DETAIL_BYTES {
            return false;
        }
        self.kept.remove(i);
        self.kept_bytes -= freed;
        self.plain -= 1;
        true
    }

    /// Adds the frame to its flow's ladder. Only the first [`MAX_FLOWS`] flows by id are
    /// listed (every flow reports, and the list keeps the earliest): a later flow's
    /// ladder would only be dropped with its report, and a full table of them held
    /// 500 bytes each (a million one-packet flows: 150 MB).
    fn ladder_arrow(&mut self, v: &FrameView<'_>, id: u64, dir: Direction, desc: Option<&str>) {
        if id > MAX_FLOWS as u64 {
            return;
        }
        let payload = v.decoded.payload_range();
        let counts = payload
            .clone()
            .map_or([0; Label::COUNT], |r| v.map.count_in(r));
        let payload_len = payload.map_or(0, |r| r.end - r.start);
        let text = match desc {
            Some(d) => crate::text::shorten(d, ARROW_TEXT),
            None => packet_word(v, payload_len),
        };
        let ladder = self.ladders.entry(id).or_default();
        let start = *ladder.start.get_or_insert(v.frame.ts);
        ladder.push(Arrow {
            frame: v.frame.number,
            dir,
            at_us: micros_between(start, v.frame.ts),
            wire: v.frame.orig_len,
            payload: payload_len,
            counts,
            text,
        });
    }

    fn detail(&mut self, v: &FrameView<'_>) -> Value {
        let cap = v.frame.cap_len();
        let mut out = Vec::with_capacity(v.decoded.spans.len());
        for (s, start, end) in crate::span::disjoint(&v.decoded.spans, cap) {
            let label = s.label();
            let field = self.field(s.field);
            let leak = s.field.def().leak.filter(|_| label == Label::Leak);
            let value = leak.and_then(|k| {
                v.frame
                    .data
                    .get(start as usize..end as usize)
                    .and_then(|b| short_value(k, b))
            });
            let mut span = vec![json!(start), json!(end), json!(field), json!(label.index())];
            if let Some(value) = value {
                span.push(json!(super::escape(&value)));
            }
            out.push(Value::Array(span));
        }
        let runs: Vec<u32> = v
            .map
            .runs()
            .iter()
            .flat_map(|r| [r.end - r.start, r.label.index() as u32])
            .collect();
        let notes: Vec<Value> = v
            .decoded
            .notes
            .iter()
            .map(|n| {
                json!({
                    "severity": n.severity.name(),
                    "group": n.group.name(),
                    "text": super::escape(&n.text),
                    "start": n.range.as_ref().map(|r| r.start),
                    "end": n.range.as_ref().map(|r| r.end),
                })
            })
            .collect();
        let mut records: Vec<Value> = v.events.iter().filter_map(record_json).collect();
        for r in &mut records {
            clean(r);
        }
        json!({
            "n": v.frame.number,
            "time": rfc3339(v.frame.ts),
            "caplen": cap,
            "len": v.frame.orig_len,
            "net": v.decoded.net_offset,
            "payload": v.decoded.payload_range().map(|r| [r.start, r.end]),
            "data": base64::engine::general_purpose::STANDARD.encode(&v.frame.data),
            "runs": runs,
            "spans": out,
            "notes": notes,
            "records": records,
        })
    }

    /// The section, once the capture was read (after [`Sink::finish`]).
    pub fn into_section(mut self) -> Section {
        // Flows still in the table at the end had their reports; anything left is a
        // ladder without a report (a frame of a flow the report bound dropped).
        let mut flows: Vec<Listed> = std::mem::take(&mut self.flows).into_vec();
        flows.sort();
        let frames_kept = self.kept.len() as u64;
        // The kept frames are the first ones up to a point, then later frames with
        // notable leaks.
        let first = self
            .kept
            .iter()
            .zip(1u64..)
            .take_while(|(k, n)| k.number == *n)
            .count() as u64;
        let (packets, details): (Vec<Value>, Vec<(u64, String)>) = self
            .kept
            .into_iter()
            .map(|k| (k.packet, (k.number, k.detail)))
            .unzip();
        let data = json!({
            "file": super::escape(&self.file),
            "summary": self.summary,
            "classes": self.classes,
            "names": self.names.iter().map(|(n, (how, flows))| json!({
                "name": n, "sources": how, "flows": flows,
            })).collect::<Vec<_>>(),
            "packets": packets,
            "fields": self.fields,
            "warnings": self.warnings,
            "left_out": {
                "frames": self.frames - frames_kept,
                "frames_total": self.frames,
                "frames_first": first,
                "frames_late": frames_kept - first,
                "max_frames": self.opts.max_frames,
                "max_bytes": MAX_DETAIL_BYTES,
                "flows": self.flows_left_out,
                "max_flows": MAX_FLOWS,
                "names": self.names_left_out,
                "warnings": self.warnings_left_out,
            },
        });
        Section {
            title: self.file.clone(),
            intro: Vec::new(),
            data,
            flows: flows.into_iter().map(|l| l.json).collect(),
            details,
        }
    }
}

/// What an arrow says of a packet without a description: TCP's flags, or the
/// payload's length.
fn packet_word(v: &FrameView<'_>, payload: u32) -> String {
    let flags = v.decoded.payload.as_ref().and_then(|p| match p.transport {
        TransportHeader::Tcp { flags, .. } => Some(flags),
        TransportHeader::Udp => None,
    });
    let flags = flags.or_else(|| {
        v.decoded.layers.iter().find_map(|l| match l {
            Layer::Tcp(t) => t.fixed.as_ref().map(|f| f.flags),
            _ => None,
        })
    });
    match (flags, payload) {
        (Some(f), 0) => format!("[{f}]"),
        (Some(f), n) => format!("[{f}] {}", crate::text::bytes(u64::from(n))),
        (None, n) => crate::text::bytes(u64::from(n)),
    }
}

fn micros_between(a: Timestamp, b: Timestamp) -> i64 {
    let us = |t: Timestamp| i128::from(t.sec) * 1_000_000 + i128::from(t.nsec / 1_000);
    i64::try_from(us(b) - us(a)).unwrap_or(0)
}

/// Escapes every string inside a JSON value for display ([`super::escape`]).
fn clean(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(e) = super::escape(s) {
                *s = e;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(clean),
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            let mut out = Map::with_capacity(o.len());
            for k in keys {
                if let Some(mut val) = o.remove(&k) {
                    clean(&mut val);
                    out.insert(super::escape(&k).into_owned(), val);
                }
            }
            *o = out;
        }
        _ => {}
    }
}

impl Sink for HtmlSink {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        self.frames += 1;
        if self.first_ts.is_none() {
            self.first_ts = Some(v.frame.ts);
        }
        let desc =
            describe_payload(v.decoded, v.map, v.events).map(|d| super::escape(&d).into_owned());
        if let Some((id, dir)) = v.flow {
            self.ladder_arrow(v, id, dir, desc.as_deref());
        }
        let notable_leak = v
            .decoded
            .spans
            .iter()
            .any(|s| s.label() == Label::Leak && s.field.def().leak.is_some_and(notable));
        if !self.make_room(notable_leak, v.frame.data.len()) {
            return Ok(());
        }
        let mut line = Vec::with_capacity(160);
        self.line.write(&mut line, v);
        let mut counts = [0u64; Label::COUNT];
        for run in v.map.runs() {
            counts[run.label.index()] += u64::from(run.end - run.start);
        }
        let payload = v.decoded.payload_range();
        let payload_counts = payload
            .clone()
            .map_or([0; Label::COUNT], |r| v.map.count_in(r));
        let packet = json!({
            "n": v.frame.number,
            "t": self.since_start(v.frame.ts),
            "line": super::escape(&crate::text::lossy(&line)),
            "desc": desc,
            "flow": v.flow.map(|(id, _)| id),
            "dir": v.flow.map(|(_, d)| d.index()),
            "len": v.frame.orig_len,
            "counts": counts,
            "payload": payload.map_or(0, |r| r.end - r.start),
            "pcounts": payload_counts,
            "notable": notable_leak,
            "notes": v.decoded.notes.len(),
        });
        let detail = self.detail(v).to_string();
        self.plain += usize::from(!notable_leak);
        self.kept_bytes += v.frame.data.len();
        self.kept.push(Kept {
            number: v.frame.number,
            size: v.frame.data.len(),
            packet,
            detail,
            notable: notable_leak,
        });
        Ok(())
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(super::escape(text).into_owned());
        } else {
            self.warnings_left_out += 1;
        }
        Ok(())
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        let class = verdict_class(r);
        *self.classes.entry(class).or_default() += 1;
        // Each name once per flow, with every way this flow gave it away.
        let mut here: Vec<(String, Vec<&'static str>)> = Vec::new();
        for n in &r.findings().names {
            let name = super::escape(&n.name).into_owned();
            match here.iter_mut().find(|(m, _)| *m == name) {
                Some((_, how)) if !how.contains(&n.source.name()) => how.push(n.source.name()),
                Some(_) => {}
                None => here.push((name, vec![n.source.name()])),
            }
        }
        for (name, sources) in here {
            let full = self.names.len() >= MAX_NAMES;
            match self.names.get_mut(&name) {
                Some((how, flows)) => {
                    for s in sources {
                        if !how.contains(&s) {
                            how.push(s);
                        }
                    }
                    *flows += 1;
                }
                None if !full => {
                    self.names.insert(name, (sources, 1));
                }
                None => self.names_left_out += 1,
            }
        }
        let ladder = self.ladders.remove(&r.id).unwrap_or_default();
        if self.flows.len() >= MAX_FLOWS {
            // Keep the earliest flows: drop this one if it is the latest.
            if self.flows.peek().is_some_and(|top| top.id < r.id) {
                self.flows_left_out += 1;
                return Ok(());
            }
            self.flows.pop();
            self.flows_left_out += 1;
        }
        let mut value = flow_json(r, &self.file);
        clean(&mut value);
        if let Value::Object(o) = &mut value {
            o.remove("file");
            o.remove("type");
            o.remove("version");
            o.insert("class".into(), json!(class));
            o.insert("ladder".into(), ladder.json());
        }
        self.flows.push(Listed {
            id: r.id,
            json: value.to_string(),
        });
        Ok(())
    }

    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        let mut v = summary_json(s, &self.file);
        if let Value::Object(o) = &mut v {
            o.remove("file");
            o.remove("type");
            o.remove("version");
            o.insert("start".into(), json!(self.first_ts.and_then(rfc3339)));
        }
        self.summary = v;
        // Ladders of flows whose reports never came (none should remain).
        self.ladders.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! `eavesdrop flows`: one entry per flow, then totals.
//!
//! Flows end in any order, so reports are kept (bounded by [`FlowsOptions::max_sorted`])
//! and printed at the end of the file, sorted (by first frame unless told otherwise),
//! with columns as wide as their widest cell. Past the bound the sink says so on
//! stderr and prints the rest as flows end, in fixed-width columns. Each flow is a
//! table row followed by indented details (or, `--brief`, one line of at most
//! [`BRIEF_WIDTH`] columns); long lists are folded to their first entries and a count
//! unless `--full`. Byte counts have thousands separators. Text from the capture is
//! escaped.

use super::escape;
use super::json::push_rfc3339;
use super::learned::Learned;
use super::style::Palette;
use crate::proto::tls::cipher_name;
use crate::proto::Direction;
use crate::report::{FlowEnd, FlowReport, Transport};
use crate::sink::Summary;
use crate::sink::{FrameView, KeepFrames, Sink};
use crate::span::{Label, LeakKind};
use crate::text::{grouped, plural, push_grouped, shorten, BytesRange};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;
use std::str::FromStr;

mod detail;
mod filter;
mod kept;
mod table;
#[cfg(test)]
mod tests;

pub use filter::{EndpointMatch, Filtered, FlowFilter, FlowSort, Only};
use kept::{Kept, Parts, PAD, PAD_CHAR};
use table::*;

/// `--brief` lines are at most this many columns.
pub const BRIEF_WIDTH: usize = 120;
/// Columns a `--brief` line keeps for the verdict.
const BRIEF_VERDICT: usize = 36;
/// Reports kept for sorting by default; beyond, flows print as they end.
pub const MAX_SORTED: usize = 100_000;
/// Bytes of kept entries held in memory; past it they go to a temporary file (written
/// in pieces this large: 256 KiB left 0.8 MB more for the flow table than 1 MiB did).
pub const SPILL_AT: usize = 256 * 1024;
/// Reports kept whole for sorting; past them, entries are laid out as flows end.
pub const KEEP_REPORTS: usize = 4096;
/// Entries of a long list shown without `--full`.
const FOLD: usize = 5;
/// Sorted entries are written out once this many bytes of them are ready.
const WRITE_AT: usize = 64 * 1024;

/// How `flows` prints, decided once from the command line.
#[derive(Clone, Debug)]
pub struct FlowsOptions {
    pub color: bool,
    /// One line per flow.
    pub brief: bool,
    /// Every entry of long lists (stacks, certificates, leaks) instead of the first few.
    pub full: bool,
    pub sort: FlowSort,
    pub filter: FlowFilter,
    /// Reports kept for sorting; past it flows print as they end.
    pub max_sorted: usize,
    /// Bytes of kept entries held in memory before they go to a temporary file.
    pub spill_at: usize,
    /// Reports kept whole for sorting before entries are laid out as flows end.
    pub keep_reports: usize,
    /// Print nothing on stderr but warnings (no closing summary).
    pub quiet: bool,
    /// Only the totals and what an observer learned, no entry per flow.
    pub summary: bool,
}

impl Default for FlowsOptions {
    fn default() -> Self {
        FlowsOptions {
            color: false,
            brief: false,
            full: false,
            sort: FlowSort::First,
            filter: FlowFilter::default(),
            max_sorted: MAX_SORTED,
            spill_at: SPILL_AT,
            keep_reports: KEEP_REPORTS,
            quiet: false,
            summary: false,
        }
    }
}

/// Totals kept across flows (small: counts per stack and leak kind).
#[derive(Default)]
struct Totals {
    flows: u64,
    tcp: u64,
    udp: u64,
    hidden: u64,
    by_stack: BTreeMap<String, u64>,
    leaks: BTreeMap<&'static str, u64>,
    credential_flows: u64,
    plaintext_flows: u64,
    opaque_flows: u64,
    evicted: u64,
    learned: Learned,
}

pub struct FlowsSink<W: Write, E: Write> {
    out: W,
    err: E,
    opts: FlowsOptions,
    palette: Palette,
    /// Entries waiting to be sorted; `None` once past the bound (flows print as they end).
    kept: Option<Kept>,
    header_done: bool,
    totals: Totals,
    file: String,
    /// A flow's stack text, made for counting it.
    stack_scratch: String,
    /// Where a flow's entry is written before it is kept or printed.
    scratch: Scratch,
}

impl<W: Write, E: Write> FlowsSink<W, E> {
    pub fn new(out: W, err: E, opts: FlowsOptions, file: &str) -> FlowsSink<W, E> {
        FlowsSink {
            out,
            err,
            palette: Palette::new(),
            kept: Some(Kept::new(opts.sort, opts.spill_at, opts.max_sorted)),
            opts,
            header_done: false,
            totals: Totals::default(),
            file: file.to_string(),
            stack_scratch: String::new(),
            scratch: Scratch::default(),
        }
    }

    fn paint(&self, s: &str, label: Label) -> String {
        if !self.opts.color {
            return s.to_string();
        }
        self.palette.paint(self.palette.on(label), s)
    }

    fn count(&mut self, r: &FlowReport) {
        let t = &mut self.totals;
        t.flows += 1;
        match r.transport {
            Transport::Tcp => t.tcp += 1,
            _ => t.udp += 1,
        }
        // Looked up by the text in a reused buffer: a new key is the only copy.
        let stack = &mut self.stack_scratch;
        stack.clear();
        r.push_stack_text(stack);
        match t.by_stack.get_mut(stack.as_str()) {
            Some(n) => *n += 1,
            None => {
                t.by_stack.insert(stack.clone(), 1);
            }
        }
        for l in &r.findings().leaks {
            *t.leaks.entry(l.kind.name()).or_default() += 1;
        }
        if r.credentials().next().is_some() {
            t.credential_flows += 1;
        }
        if r.plaintext() > 0 {
            t.plaintext_flows += 1;
        } else if Label::Opaque.count(&r.payload()) > 0 {
            t.opaque_flows += 1;
        }
        if r.end_reason == FlowEnd::Evicted {
            t.evicted += 1;
        }
        t.learned.add(r);
    }

    /// A flow report to count and keep (or print), borrowed or given away.
    fn add_flow(&mut self, r: std::borrow::Cow<'_, FlowReport>) -> io::Result<()> {
        if !self.opts.filter.keeps(&r) {
            self.totals.hidden += 1;
            return Ok(());
        }
        self.count(&r);
        if self.opts.summary {
            return Ok(());
        }
        match &mut self.kept {
            Some(kept) if kept.len() < self.opts.max_sorted => {
                let r = match kept.hold(r, self.opts.keep_reports) {
                    None => return Ok(()),
                    Some(r) => r,
                };
                self.lay_out_kept()?;
                self.keep(&r)
            }
            Some(_) => {
                self.out.flush()?;
                writeln!(
                    self.err,
                    "eavesdrop: note: more than {} flows: printing them in the order they end \
                     (sorting would hold them all in memory)",
                    grouped(self.opts.max_sorted as u64)
                )?;
                self.flush_kept(false)?;
                self.flow_now(&r)
            }
            None => self.flow_now(&r),
        }
    }

    /// Prints kept reports (sorted) and switches to printing flows as they end.
    fn flush_kept(&mut self, sorted: bool) -> io::Result<()> {
        self.lay_out_kept()?;
        let Some(mut kept) = self.kept.take() else {
            return Ok(());
        };
        kept.ready(sorted);
        let w = self.capped(if sorted { kept.widths } else { Widths::fixed() });
        // Entries gathered into one buffer, written out in pieces of about 64 KiB.
        let mut s = String::with_capacity(WRITE_AT + 4096);
        for i in 0..kept.len() {
            let p = kept.get(i)?;
            self.entry(&mut s, &p, &w);
            if s.len() >= WRITE_AT {
                self.out.write_all(s.as_bytes())?;
                s.clear();
            }
        }
        self.out.write_all(s.as_bytes())
    }

    /// Lays out the entries of the reports kept whole.
    fn lay_out_kept(&mut self) -> io::Result<()> {
        let held = self
            .kept
            .as_mut()
            .map(Kept::take_reports)
            .unwrap_or_default();
        for r in &held {
            self.keep(r)?;
        }
        Ok(())
    }

    /// Lays out a flow's entry and keeps it.
    fn keep(&mut self, r: &FlowReport) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let p = self.parts(r, &mut scratch);
        let kept = match &mut self.kept {
            Some(kept) => kept.push(r, &p),
            None => Ok(()),
        };
        self.scratch = scratch;
        kept
    }

    /// A brief line leaves the verdict at least [`BRIEF_VERDICT`] columns: the
    /// endpoints take what they need up to 47, the stack what is left up to 32.
    fn capped(&self, mut w: Widths) -> Widths {
        if self.opts.brief {
            w.endpoints = w.endpoints.min(47);
            let used = w.id + 2 + 3 + 2 + w.endpoints + 2 + 2;
            w.stack = w
                .stack
                .min(BRIEF_WIDTH.saturating_sub(used + BRIEF_VERDICT))
                .clamp(12, 32);
        }
        w
    }
}

impl<W: Write, E: Write> Sink for FlowsSink<W, E> {
    fn frame(&mut self, _view: &FrameView<'_>) -> io::Result<()> {
        Ok(())
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.out.flush()?;
        writeln!(self.err, "eavesdrop: warning: {}", escape(text))
    }

    fn reads_maps(&self) -> KeepFrames {
        KeepFrames::None
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        self.add_flow(std::borrow::Cow::Borrowed(r))
    }

    /// Kept whole without a copy (copying every report cost a few per cent).
    fn flow_owned(&mut self, r: FlowReport) -> io::Result<()> {
        self.add_flow(std::borrow::Cow::Owned(r))
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.flush_kept(true)?;
        let t = &self.totals;
        let mut s = String::new();
        if self.opts.summary && t.flows > 0 {
            let _ = writeln!(s, "{}:", escape(&self.file));
        } else if !self.header_done {
            let _ = writeln!(s, "{}: no flows", escape(&self.file));
        }
        let mut stacks: Vec<(&String, &u64)> = t.by_stack.iter().collect();
        stacks.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let stacks: Vec<String> = stacks
            .iter()
            .map(|(k, n)| format!("{} ×{}", escape(k), grouped(**n)))
            .collect();
        let shown = if t.hidden > 0 {
            format!(
                "{} of {} shown",
                grouped(t.flows),
                plural(t.flows + t.hidden, "flow")
            )
        } else {
            plural(t.flows, "flow")
        };
        let _ = writeln!(
            s,
            "totals: {shown} ({} TCP, {} UDP); content readable in {}, opaque in {}, credentials in {}{}",
            grouped(t.tcp),
            grouped(t.udp),
            grouped(t.plaintext_flows),
            grouped(t.opaque_flows),
            grouped(t.credential_flows),
            if t.evicted > 0 {
                format!(
                    "; {} evicted from the flow table (reported with what was seen)",
                    grouped(t.evicted)
                )
            } else {
                String::new()
            }
        );
        if !stacks.is_empty() {
            let _ = writeln!(s, "  stacks: {}", folded(&stacks, self.opts.full, ", ", ""));
        }
        if !t.leaks.is_empty() {
            let mut leaks: Vec<(&&str, &u64)> = t.leaks.iter().collect();
            leaks.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let leaks: Vec<String> = leaks
                .iter()
                .map(|(k, n)| format!("{k} {}", grouped(**n)))
                .collect();
            let _ = writeln!(
                s,
                "  leaks: {}",
                folded(&leaks, self.opts.full, ", ", " kinds")
            );
        }
        if t.flows > 0 {
            let width = if self.opts.brief { BRIEF_WIDTH } else { 200 };
            for line in t.learned.lines(self.opts.full, width) {
                // Shorten before colouring: the escapes take no columns.
                let text = if self.opts.brief {
                    shorten_to(&line.text, BRIEF_WIDTH)
                } else {
                    line.text
                };
                if line.alarm {
                    let _ = writeln!(s, "{}", self.paint(&text, Label::Leak));
                } else {
                    let _ = writeln!(s, "{text}");
                }
            }
        }
        self.out.write_all(s.as_bytes())?;
        self.out.flush()?;
        if self.opts.quiet {
            return Ok(());
        }
        let mut text = Vec::new();
        super::summary::write_summary(&mut text, summary, self.opts.color.then_some(&self.palette));
        self.err.write_all(&text)?;
        self.err.flush()
    }
}

impl<W: Write, E: Write> FlowsSink<W, E> {
    /// Prints one flow now, in fixed-width columns (past the sorting bound).
    fn flow_now(&mut self, r: &FlowReport) -> io::Result<()> {
        let w = self.capped(Widths::fixed());
        let mut scratch = std::mem::take(&mut self.scratch);
        let p = self.parts(r, &mut scratch);
        let mut s = String::with_capacity(1024);
        self.entry(&mut s, &p, &w);
        self.scratch = scratch;
        self.out.write_all(s.as_bytes())
    }
}

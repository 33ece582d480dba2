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
use super::json::rfc3339;
use super::learned::Learned;
use super::style::Palette;
use crate::proto::tls::cipher_name;
use crate::proto::Direction;
use crate::report::{FlowEnd, FlowReport, Transport};
use crate::sink::Summary;
use crate::sink::{FrameView, Sink};
use crate::span::{Label, LeakKind};
use crate::text::{grouped, plural, shorten};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;
use std::str::FromStr;

/// `--brief` lines are at most this many columns.
pub const BRIEF_WIDTH: usize = 120;
/// Columns a `--brief` line keeps for the verdict.
const BRIEF_VERDICT: usize = 36;
/// Reports kept for sorting by default; beyond, flows print as they end.
pub const MAX_SORTED: usize = 100_000;
/// Entries of a long list shown without `--full`.
const FOLD: usize = 5;

/// `--sort`: the order flows are printed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowSort {
    /// By the frame that opened the flow (capture order).
    #[default]
    First,
    /// Most bytes on the wire first.
    Bytes,
    /// Most content readable first (then most readable handshake bytes).
    Readable,
    /// By flow number (order of first appearance, as the flow table numbers them).
    Id,
}

/// `--only`: which flows to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    /// Application content readable in the clear.
    Readable,
    /// Credentials readable.
    Credentials,
    /// Content opaque, none readable.
    Opaque,
    /// Payload bytes nobody could classify.
    Undecoded,
}

impl Only {
    fn keeps(self, r: &FlowReport) -> bool {
        let p = r.payload();
        match self {
            Only::Readable => r.plaintext() > 0,
            Only::Credentials => r.credentials().next().is_some(),
            Only::Opaque => r.plaintext() == 0 && Label::Opaque.count(&p) > 0,
            Only::Undecoded => Label::Undecoded.count(&p) > 0,
        }
    }
}

/// `--flow HOST[:PORT]`: an address, and a port if given, at either end of a flow.
/// IPv6 takes brackets with a port (`[::1]:443`); a bare IPv6 address needs none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointMatch {
    pub addr: IpAddr,
    pub port: Option<u16>,
}

impl FromStr for EndpointMatch {
    type Err = String;
    fn from_str(s: &str) -> Result<EndpointMatch, String> {
        let bad = || {
            format!("`{s}` is not HOST or HOST:PORT (an IP address; IPv6 in brackets with a port: [::1]:443)")
        };
        if let Ok(addr) = s.parse::<IpAddr>() {
            return Ok(EndpointMatch { addr, port: None });
        }
        if let Some(inner) = s.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let addr = inner.parse::<IpAddr>().map_err(|_| bad())?;
            return Ok(EndpointMatch { addr, port: None });
        }
        let sock = s.parse::<std::net::SocketAddr>().map_err(|_| bad())?;
        Ok(EndpointMatch {
            addr: sock.ip(),
            port: Some(sock.port()),
        })
    }
}

impl EndpointMatch {
    fn matches(&self, ep: &(IpAddr, u16)) -> bool {
        ep.0 == self.addr && self.port.is_none_or(|p| p == ep.1)
    }
}

/// Which flows are printed: all of `--only` (any one of them) and of `--flow`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowFilter {
    pub only: Vec<Only>,
    pub endpoints: Vec<EndpointMatch>,
}

impl FlowFilter {
    pub fn is_empty(&self) -> bool {
        self.only.is_empty() && self.endpoints.is_empty()
    }

    pub fn keeps(&self, r: &FlowReport) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o.keeps(r)))
            && (self.endpoints.is_empty()
                || self
                    .endpoints
                    .iter()
                    .any(|e| e.matches(&r.client) || e.matches(&r.server)))
    }
}

/// A sink that passes on only the flow reports a [`FlowFilter`] keeps (`flows --json
/// --only …`); frames, warnings and the summary go through.
pub struct Filtered<S> {
    pub inner: S,
    filter: FlowFilter,
}

impl<S: Sink> Filtered<S> {
    pub fn new(inner: S, filter: FlowFilter) -> Filtered<S> {
        Filtered { inner, filter }
    }
}

impl<S: Sink> Sink for Filtered<S> {
    fn frame(&mut self, view: &FrameView<'_>) -> io::Result<()> {
        self.inner.frame(view)
    }
    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.inner.warning(text)
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        if self.filter.keeps(r) {
            self.inner.flow(r)
        } else {
            Ok(())
        }
    }
}

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

/// Column widths of the table (the brief line uses the first three and the stack).
#[derive(Clone, Copy, Debug)]
struct Widths {
    id: usize,
    endpoints: usize,
    stack: usize,
    packets: usize,
    bytes: usize,
    handshake: usize,
    plaintext: usize,
    opaque: usize,
}

const HEAD: [&str; 10] = [
    "flow",
    "",
    "client → server",
    "stack",
    "packets →/←",
    "bytes",
    "handshake",
    "plaintext",
    "opaque",
    "end",
];

impl Widths {
    /// For streaming (past the sorting bound): wide enough for most flows.
    fn fixed() -> Widths {
        Widths {
            id: 5,
            endpoints: 45,
            stack: 28,
            packets: 11,
            bytes: 11,
            handshake: 9,
            plaintext: 9,
            opaque: 11,
        }
    }

    /// As wide as the widest cell (or heading) of each column.
    fn fit<'a>(reports: impl Iterator<Item = &'a FlowReport>) -> Widths {
        let w = |s: &str| s.chars().count();
        let mut x = Widths {
            id: w(HEAD[0]),
            endpoints: w(HEAD[2]),
            stack: w(HEAD[3]),
            packets: w(HEAD[4]),
            bytes: w(HEAD[5]),
            handshake: w(HEAD[6]),
            plaintext: w(HEAD[7]),
            opaque: w(HEAD[8]),
        };
        for r in reports {
            let c = Cells::of(r);
            x.id = x.id.max(w(&c.id));
            x.endpoints = x.endpoints.max(w(&c.endpoints));
            x.stack = x.stack.max(w(&c.stack));
            x.packets = x.packets.max(w(&c.packets));
            x.bytes = x.bytes.max(w(&c.bytes));
            x.handshake = x.handshake.max(w(&c.handshake));
            x.plaintext = x.plaintext.max(w(&c.plaintext));
            x.opaque = x.opaque.max(w(&c.opaque));
        }
        x
    }
}

/// A flow's table cells, as text.
struct Cells {
    id: String,
    endpoints: String,
    stack: String,
    packets: String,
    bytes: String,
    handshake: String,
    plaintext: String,
    opaque: String,
}

impl Cells {
    fn of(r: &FlowReport) -> Cells {
        let p = r.payload();
        let readable = Label::Cleartext.count(&p) + Label::Leak.count(&p);
        let plaintext = r.plaintext();
        Cells {
            id: r.id.to_string(),
            endpoints: format!("{} → {}", endpoint(&r.client), endpoint(&r.server)),
            stack: escape(&r.stack_text()).into_owned(),
            packets: format!(
                "{}/{}",
                grouped(r.dirs[0].packets),
                grouped(r.dirs[1].packets)
            ),
            bytes: grouped(r.dirs[0].bytes + r.dirs[1].bytes),
            handshake: grouped(readable.saturating_sub(plaintext)),
            plaintext: grouped(plaintext),
            opaque: grouped(Label::Opaque.count(&p)),
        }
    }
}

fn endpoint(ep: &(IpAddr, u16)) -> String {
    match ep.0 {
        IpAddr::V4(a) => format!("{a}:{}", ep.1),
        IpAddr::V6(a) => format!("[{a}]:{}", ep.1),
    }
}

/// Pads `s` to `w` columns (counted in characters).
fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(s.chars().count())))
}

fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())))
}

/// `a, b, c, d, e … and 37 more` (all of them with `full`).
fn folded(items: &[String], full: bool, sep: &str, what: &str) -> String {
    if full || items.len() <= FOLD {
        return items.join(sep);
    }
    let more = items.len() - FOLD;
    format!(
        "{}{sep}… and {more} more{what}",
        items.get(..FOLD).unwrap_or(items).join(sep)
    )
}

pub struct FlowsSink<W: Write, E: Write> {
    out: W,
    err: E,
    opts: FlowsOptions,
    palette: Palette,
    /// Reports waiting to be sorted; `None` once past the bound (flows print as they end).
    kept: Option<Vec<FlowReport>>,
    header_done: bool,
    totals: Totals,
    file: String,
}

impl<W: Write, E: Write> FlowsSink<W, E> {
    pub fn new(out: W, err: E, opts: FlowsOptions, file: &str) -> FlowsSink<W, E> {
        FlowsSink {
            out,
            err,
            palette: Palette::new(),
            kept: Some(Vec::new()),
            opts,
            header_done: false,
            totals: Totals::default(),
            file: file.to_string(),
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
        *t.by_stack.entry(r.stack_text()).or_default() += 1;
        for l in &r.leaks {
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

    fn header(&mut self, s: &mut String, w: &Widths) {
        if self.header_done {
            return;
        }
        self.header_done = true;
        let _ = writeln!(s, "{}:", escape(&self.file));
        if self.opts.brief {
            let line = format!(
                "{}  {:<3}  {}  {}  verdict",
                pad_left(HEAD[0], w.id),
                HEAD[1],
                pad_right(HEAD[2], w.endpoints),
                pad_right(HEAD[3], w.stack),
            );
            let _ = writeln!(s, "{}", line.trim_end());
            return;
        }
        let line = format!(
            "{}  {:<3}  {}  {}  {}  {}  {}  {}  {}  {}",
            pad_left(HEAD[0], w.id),
            HEAD[1],
            pad_right(HEAD[2], w.endpoints),
            pad_right(HEAD[3], w.stack),
            pad_left(HEAD[4], w.packets),
            pad_left(HEAD[5], w.bytes),
            pad_left(HEAD[6], w.handshake),
            pad_left(HEAD[7], w.plaintext),
            pad_left(HEAD[8], w.opaque),
            HEAD[9],
        );
        let _ = writeln!(s, "{}", line.trim_end());
    }

    /// One flow: a table row and its details, or its brief line.
    fn entry(&mut self, r: &FlowReport, w: &Widths) -> String {
        let mut s = String::with_capacity(1024);
        self.header(&mut s, w);
        if self.opts.brief {
            s.push_str(&self.brief(r, w));
            s.push('\n');
        } else {
            self.detailed(&mut s, r, w);
        }
        s
    }

    /// `   12  TCP  10.0.0.1:33402 → 10.0.0.2:8080  TCP › HTTP  CREDENTIALS Basic alice:…`
    fn brief(&self, r: &FlowReport, w: &Widths) -> String {
        let c = Cells::of(r);
        let endpoints = shorten_to(&c.endpoints, w.endpoints);
        let stack = shorten_to(&c.stack, w.stack);
        let head = format!(
            "{}  {:<3}  {}  {}  ",
            pad_left(&c.id, w.id),
            r.transport.name(),
            pad_right(&endpoints, w.endpoints),
            pad_right(&stack, w.stack),
        );
        let room = BRIEF_WIDTH.saturating_sub(head.chars().count());
        let verdict = shorten_to(&short_verdict(r), room);
        let line = shorten_to(&format!("{head}{verdict}"), BRIEF_WIDTH);
        // Colour after measuring: the escapes take no columns.
        match line.split_at_checked(head.len()) {
            Some((h, v)) if alarming(r) => format!("{h}{}", self.paint(v, Label::Leak)),
            _ => line,
        }
    }

    fn detailed(&self, s: &mut String, r: &FlowReport, w: &Widths) {
        let full = self.opts.full;
        let c = Cells::of(r);
        let _ = writeln!(
            s,
            "{}  {:<3}  {}  {}  {}  {}  {}  {}  {}  {}",
            pad_left(&c.id, w.id),
            r.transport.name(),
            pad_right(&c.endpoints, w.endpoints),
            pad_right(&c.stack, w.stack),
            pad_left(&c.packets, w.packets),
            pad_left(&c.bytes, w.bytes),
            pad_left(&c.handshake, w.handshake),
            self.paint(&pad_left(&c.plaintext, w.plaintext), Label::Cleartext),
            self.paint(&pad_left(&c.opaque, w.opaque), Label::Opaque),
            r.end_reason.name(),
        );
        let pad = " ".repeat(w.id + 2);
        let verdict = escape(&r.verdict()).into_owned();
        let verdict = if full {
            verdict
        } else {
            shorten(&verdict, 200)
        };
        let verdict = if alarming(r) {
            self.paint(&verdict, Label::Leak)
        } else {
            verdict
        };
        let _ = writeln!(s, "{pad}verdict: {verdict}");
        let dur = (r.end.sec as f64 - r.start.sec as f64)
            + (f64::from(r.end.nsec) - f64::from(r.start.nsec)) / 1e9;
        let _ = writeln!(
            s,
            "{pad}frames {}–{}, from {} for {:.3} s{}",
            r.first_frame,
            r.last_frame,
            rfc3339(r.start).unwrap_or_else(|| "[a time out of range]".into()),
            dur.max(0.0),
            if r.transport == Transport::Tcp && !r.syn_seen {
                ", TCP handshake not seen"
            } else {
                ""
            }
        );
        if let Some(t) = &r.tls {
            let mut parts = Vec::new();
            match t.version {
                Some(v) => parts.push(v.label()),
                None if t.client_hello_seen => parts.push(format!(
                    "offered up to {}",
                    t.offered.map_or("?".to_string(), |v| v.label())
                )),
                None => parts.push("handshake not seen".into()),
            }
            if let Some(c) = t.cipher {
                parts.push(cipher_name(c));
            }
            if let (Some(sni), true) = (&t.sni, t.ech) {
                parts.push(format!("SNI {} (outer; ECH offered)", escape(sni)));
            } else if let Some(sni) = &t.sni {
                parts.push(format!("SNI {}", escape(sni)));
            } else if t.client_hello_seen {
                parts.push("no SNI".into());
            }
            if !t.alpn_offered.is_empty() {
                let tls13 = t.version.is_some_and(|v| v.is_tls13());
                let chosen = match t.alpn_chosen.as_deref() {
                    Some(c) => c,
                    // TLS 1.3 sends the server's choice in EncryptedExtensions.
                    None if tls13 => "? (encrypted)",
                    None => "none chosen",
                };
                let offered: Vec<String> = t
                    .alpn_offered
                    .iter()
                    .map(|a| escape(a).into_owned())
                    .collect();
                parts.push(format!(
                    "ALPN {} → {}",
                    folded(&offered, full, ",", ""),
                    escape(chosen)
                ));
            }
            if t.resumed {
                parts.push("resumed".into());
            }
            let _ = writeln!(s, "{pad}tls: {}", parts.join(", "));
            let shown = if full {
                t.certificates.len()
            } else {
                t.certificates.len().min(3)
            };
            for c in t.certificates.iter().take(shown) {
                let mut line = format!("certificate: {} (issuer {})", c.subject, c.issuer);
                if !c.sans.is_empty() {
                    let _ = write!(line, ", SAN {}", folded(&c.sans, full, " ", ""));
                }
                let line = if full { line } else { shorten(&line, 300) };
                let _ = writeln!(s, "{pad}{}", escape(&line));
            }
            if shown < t.certificates.len() {
                let _ = writeln!(
                    s,
                    "{pad}… and {} more (--full lists them)",
                    plural((t.certificates.len() - shown) as u64, "certificate")
                );
            }
            let mut fp = Vec::new();
            if let Some(j) = &t.ja4 {
                fp.push(format!("JA4 {j}"));
            }
            if let Some(j) = &t.ja3 {
                fp.push(format!("JA3 {j}"));
            }
            if let Some(j) = &t.ja3s {
                fp.push(format!("JA3S {j}"));
            }
            if !fp.is_empty() {
                let _ = writeln!(s, "{pad}fingerprints: {}", fp.join(", "));
            }
        }
        if !r.names.is_empty() {
            // One entry per name, with every way it was learned.
            let mut names: Vec<(String, Vec<&str>)> = Vec::new();
            for n in &r.names {
                match names.iter_mut().find(|(name, _)| *name == n.name) {
                    Some((_, sources)) => sources.push(n.source.name()),
                    None => names.push((n.name.clone(), vec![n.source.name()])),
                }
            }
            let items: Vec<String> = names
                .iter()
                .map(|(n, sources)| format!("{} ({})", escape(n), sources.join(", ")))
                .collect();
            let _ = writeln!(s, "{pad}names: {}", folded(&items, full, ", ", " names"));
        }
        if let Some(talk) = r.conversation() {
            let _ = writeln!(s, "{pad}encrypted messages: {talk}");
        }
        for (i, arrow) in ["→", "←"].iter().enumerate() {
            let d = &r.dirs[i];
            if d.packets == 0 {
                continue;
            }
            let counts: Vec<String> = Label::ALL
                .iter()
                .filter(|l| d.payload[l.index()] > 0)
                .map(|l| format!("{} {}", l.word(), grouped(d.payload[l.index()])))
                .collect();
            let sizes: Vec<String> = d.sizes.iter().map(|&n| grouped(u64::from(n))).collect();
            let _ = writeln!(
                s,
                "{pad}{arrow} {}, {}; payload: {}{}",
                plural(d.packets, "packet"),
                crate::text::bytes(d.bytes),
                if counts.is_empty() {
                    "none".to_string()
                } else {
                    counts.join(", ")
                },
                if sizes.is_empty() {
                    String::new()
                } else {
                    let what = if r.records_seen { "record" } else { "payload" };
                    format!("; first {what} sizes {}", sizes.join(" "))
                }
            );
        }
        // Credentials always; other leaks folded.
        let mut others = 0u64;
        for l in &r.leaks {
            let credential = l.kind == LeakKind::Credential;
            if !credential && !full && others >= FOLD as u64 {
                others += 1;
                continue;
            }
            if !credential {
                others += 1;
            }
            let arrow = if l.dir == Direction::ToServer {
                "→"
            } else {
                "←"
            };
            let value = escape(&l.value).into_owned();
            let value = if full { value } else { shorten(&value, 100) };
            let line = format!(
                "{pad}{arrow} {}: {value} (frame {})",
                l.kind.name(),
                l.frame
            );
            if credential {
                let _ = writeln!(s, "{}", self.paint(&line, Label::Leak));
            } else {
                let _ = writeln!(s, "{line}");
            }
        }
        let folded_leaks = others.saturating_sub(FOLD as u64) * u64::from(!full);
        let more = folded_leaks + r.leaks_dropped;
        if more > 0 {
            let hint = if folded_leaks > 0 {
                " (--full lists them)"
            } else {
                ""
            };
            let _ = writeln!(s, "{pad}… and {}{hint}", plural(more, "more leak"));
        }
    }

    /// Prints kept reports (sorted) and switches to printing flows as they end.
    fn flush_kept(&mut self, sorted: bool) -> io::Result<()> {
        let Some(mut kept) = self.kept.take() else {
            return Ok(());
        };
        if sorted {
            sort(&mut kept, self.opts.sort);
        }
        let w = self.capped(if sorted {
            Widths::fit(kept.iter())
        } else {
            Widths::fixed()
        });
        for r in &kept {
            let s = self.entry(r, &w);
            self.out.write_all(s.as_bytes())?;
        }
        Ok(())
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

/// Shortens to `max` columns, `…` included.
fn shorten_to(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        shorten(s, max.saturating_sub(1))
    }
}

/// Whether a flow's verdict is painted as a leak: content or credentials readable.
fn alarming(r: &FlowReport) -> bool {
    r.credentials().next().is_some() || r.plaintext() > 0
}

/// The verdict in a few words, for `--brief`.
fn short_verdict(r: &FlowReport) -> String {
    let p = r.payload();
    let total: u64 = p.iter().sum();
    let opaque = Label::Opaque.count(&p);
    let plain = r.plaintext();
    let creds: Vec<String> = r
        .credentials()
        .map(|l| escape(&l.value).into_owned())
        .collect();
    let mut v = if let Some(first) = creds.first() {
        let more = if creds.len() > 1 {
            format!(" (+{} more)", creds.len() - 1)
        } else {
            String::new()
        };
        format!("CREDENTIALS {first}{more}")
    } else if plain > 0 && opaque > 0 {
        format!("partly readable: {} in clear", crate::text::bytes(plain))
    } else if plain > 0 {
        format!("readable: {}", crate::text::bytes(plain))
    } else if opaque > 0 {
        "opaque".to_string()
    } else if Label::Undecoded.count(&p) > 0 {
        "not classified".to_string()
    } else if total == 0 {
        "no payload".to_string()
    } else {
        "handshake only".to_string()
    };
    if let Some(sni) = r.tls.as_ref().and_then(|t| t.sni.as_ref()) {
        let _ = write!(v, "; SNI {}", escape(sni));
    }
    if !r.weaknesses().is_empty() {
        v.push_str("; weak TLS");
    }
    v
}

fn sort(reports: &mut [FlowReport], by: FlowSort) {
    let bytes = |r: &FlowReport| r.dirs[0].bytes + r.dirs[1].bytes;
    let readable = |r: &FlowReport| {
        let p = r.payload();
        Label::Cleartext.count(&p) + Label::Leak.count(&p)
    };
    match by {
        FlowSort::First => reports.sort_by_key(|r| (r.first_frame, r.id)),
        FlowSort::Id => reports.sort_by_key(|r| r.id),
        FlowSort::Bytes => {
            reports.sort_by_key(|r| (std::cmp::Reverse(bytes(r)), r.first_frame, r.id))
        }
        FlowSort::Readable => reports.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.plaintext()),
                std::cmp::Reverse(readable(r)),
                r.first_frame,
                r.id,
            )
        }),
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

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        if !self.opts.filter.keeps(r) {
            self.totals.hidden += 1;
            return Ok(());
        }
        self.count(r);
        if self.opts.summary {
            return Ok(());
        }
        match &mut self.kept {
            Some(kept) if kept.len() < self.opts.max_sorted => {
                kept.push(r.clone());
                Ok(())
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
                self.flow_now(r)
            }
            None => self.flow_now(r),
        }
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
        let s = self.entry(r, &w);
        self.out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: u64, first: u64, port: u16) -> FlowReport {
        let c = ("10.0.0.1".parse().unwrap(), port);
        let s = ("10.0.0.2".parse().unwrap(), 443);
        let mut r = FlowReport::new(id, Transport::Tcp, c, s);
        r.first_frame = first;
        r.last_frame = first + 1;
        r
    }

    fn run(opts: FlowsOptions, reports: &[FlowReport]) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        {
            let mut sink = FlowsSink::new(&mut out, &mut err, opts, "x.pcap");
            for r in reports {
                sink.flow(r).unwrap();
            }
            sink.finish(&Summary::default()).unwrap();
        }
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn ids(out: &str) -> Vec<u64> {
        out.lines()
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect()
    }

    #[test]
    fn flows_are_sorted_by_first_frame_whatever_order_they_end_in() {
        let reports = [report(3, 30, 3), report(1, 10, 1), report(2, 20, 2)];
        let brief = FlowsOptions {
            brief: true,
            ..FlowsOptions::default()
        };
        let (out, _) = run(brief.clone(), &reports);
        assert_eq!(ids(&out), [1, 2, 3], "{out}");
        let (out, _) = run(
            FlowsOptions {
                sort: FlowSort::Bytes,
                ..brief
            },
            &reports,
        );
        assert_eq!(ids(&out), [1, 2, 3], "ties keep capture order: {out}");
    }

    /// Past the bound, flows print as they end, with a note; nothing is lost.
    #[test]
    fn past_the_sorting_bound_flows_print_in_end_order_with_a_note() {
        let reports = [report(3, 30, 3), report(1, 10, 1), report(2, 20, 2)];
        let opts = FlowsOptions {
            brief: true,
            max_sorted: 2,
            ..FlowsOptions::default()
        };
        let (out, err) = run(opts, &reports);
        assert_eq!(ids(&out), [3, 1, 2], "{out}");
        assert!(err.contains("more than 2 flows"), "{err}");
        assert!(out.contains("totals: 3 flows"), "{out}");
    }

    #[test]
    fn filters_by_endpoint_and_kind() {
        let e: EndpointMatch = "10.0.0.1:2".parse().unwrap();
        assert_eq!(e.port, Some(2));
        let v6: EndpointMatch = "[::1]:443".parse().unwrap();
        assert_eq!(v6.port, Some(443));
        assert!("[::1]".parse::<EndpointMatch>().unwrap().port.is_none());
        assert!("::1".parse::<EndpointMatch>().unwrap().port.is_none());
        assert!("example.com:80".parse::<EndpointMatch>().is_err());
        let reports = [report(1, 10, 1), report(2, 20, 2)];
        let opts = FlowsOptions {
            brief: true,
            filter: FlowFilter {
                only: vec![],
                endpoints: vec![e],
            },
            ..FlowsOptions::default()
        };
        let (out, _) = run(opts, &reports);
        assert_eq!(ids(&out), [2], "{out}");
        assert!(out.contains("totals: 1 of 2 flows shown"), "{out}");
        let opts = FlowsOptions {
            filter: FlowFilter {
                only: vec![Only::Opaque],
                endpoints: vec![],
            },
            ..FlowsOptions::default()
        };
        let (out, _) = run(opts, &reports);
        assert!(ids(&out).is_empty(), "{out}");
    }

    #[test]
    fn long_lists_fold_unless_full() {
        let items: Vec<String> = (0..42).map(|i| format!("s{i}")).collect();
        assert_eq!(
            folded(&items, false, ", ", ""),
            "s0, s1, s2, s3, s4, … and 37 more"
        );
        assert_eq!(folded(&items, true, ", ", "").matches(", ").count(), 41);
    }
}

//! `eavesdrop flows`: one entry per flow, as each flow ends, then totals.
//!
//! Each flow is a table row with fixed-width columns (so rows align while the report
//! streams: nothing waits for the last flow), followed by indented detail lines that
//! keep everything the row has no room for. Text from the capture is escaped.

use super::escape;
use super::json::rfc3339;
use super::style::Palette;
use crate::proto::tls::cipher_name;
use crate::proto::Direction;
use crate::report::FlowReport;
use crate::sink::Summary;
use crate::sink::{FrameView, Sink};
use crate::span::{Label, LeakKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Totals kept across flows (small: counts per stack and leak kind).
#[derive(Default)]
struct Totals {
    flows: u64,
    by_stack: BTreeMap<String, u64>,
    leaks: BTreeMap<&'static str, u64>,
    credential_flows: u64,
    plaintext_flows: u64,
    opaque_flows: u64,
    evicted: u64,
}

pub struct FlowsSink<W: Write, E: Write> {
    out: W,
    err: E,
    color: bool,
    palette: Palette,
    header_done: bool,
    totals: Totals,
    file: String,
}

impl<W: Write, E: Write> FlowsSink<W, E> {
    pub fn new(out: W, err: E, color: bool, file: &str) -> FlowsSink<W, E> {
        FlowsSink {
            out,
            err,
            color,
            palette: Palette::new(),
            header_done: false,
            totals: Totals::default(),
            file: file.to_string(),
        }
    }

    fn endpoint(ep: &(std::net::IpAddr, u16)) -> String {
        match ep.0 {
            std::net::IpAddr::V4(a) => format!("{a}:{}", ep.1),
            std::net::IpAddr::V6(a) => format!("[{a}]:{}", ep.1),
        }
    }

    fn paint(&self, s: &str, label: Label) -> String {
        if !self.color {
            return s.to_string();
        }
        let on = String::from_utf8_lossy(self.palette.on(label)).into_owned();
        let reset = String::from_utf8_lossy(&self.palette.reset).into_owned();
        format!("{on}{s}{reset}")
    }
}

/// `1234`, `12.3 kB`, `4.5 MB`: sizes for people.
fn human(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=9_999_999 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
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
        let mut s = String::with_capacity(1024);
        if !self.header_done {
            self.header_done = true;
            let _ = writeln!(s, "{}:", escape(&self.file));
            let _ = writeln!(
                s,
                "{:>5}  {:<3}  {:<45}  {:<32}  {:>11}  {:>9}  {:>9}  {:>9}  {:<7}",
                "flow",
                "",
                "client → server",
                "stack",
                "packets →/←",
                "bytes",
                "readable",
                "opaque",
                "end"
            );
        }
        let t = &mut self.totals;
        t.flows += 1;
        *t.by_stack.entry(r.stack_text()).or_default() += 1;
        for l in &r.leaks {
            *t.leaks.entry(l.kind.name()).or_default() += 1;
        }
        if r.credentials().next().is_some() {
            t.credential_flows += 1;
        }
        let p = r.payload();
        if r.plaintext() > 0 {
            t.plaintext_flows += 1;
        } else if p[Label::Opaque.index()] > 0 {
            t.opaque_flows += 1;
        }
        if r.end_reason == crate::report::FlowEnd::Evicted {
            t.evicted += 1;
        }
        let endpoints = format!(
            "{} → {}",
            Self::endpoint(&r.client),
            Self::endpoint(&r.server)
        );
        let packets = format!("{}/{}", r.dirs[0].packets, r.dirs[1].packets);
        let bytes = human(r.dirs[0].bytes + r.dirs[1].bytes);
        let readable = p[Label::Cleartext.index()] + p[Label::Leak.index()];
        let readable_s = self.paint(&format!("{:>9}", human(readable)), Label::Cleartext);
        let opaque_s = self.paint(
            &format!("{:>9}", human(p[Label::Opaque.index()])),
            Label::Opaque,
        );
        let _ = writeln!(
            s,
            "{:>5}  {:<3}  {:<45}  {:<32}  {:>11}  {:>9}  {}  {}  {:<7}",
            r.id,
            r.transport.name(),
            endpoints,
            escape(&r.stack_text()),
            packets,
            bytes,
            readable_s,
            opaque_s,
            r.end_reason.name(),
        );
        let pad = "       ";
        let verdict = escape(&r.verdict()).into_owned();
        let verdict = if r.credentials().next().is_some() || r.plaintext() > 0 {
            self.paint(&verdict, Label::Leak)
        } else {
            verdict
        };
        let _ = writeln!(s, "{pad}verdict: {verdict}");
        if let Some(d) = r.tls.as_ref().and_then(|t| t.decryption.as_ref()) {
            // The key holder's view, beside the observer's verdict.
            let [to, from] = &d.dirs;
            let rec = |n: u64| if n == 1 { "record" } else { "records" };
            let mut line = format!(
                "with the key log: {} (→ {} {}, {} bytes; ← {} {}, {} bytes)",
                d.status.word(),
                to.records,
                rec(to.records),
                to.bytes,
                from.records,
                rec(from.records),
                from.bytes
            );
            if !d.says.is_empty() {
                line.push_str(": ");
                line.push_str(&d.says.join(", "));
            }
            let _ = writeln!(s, "{pad}{}", escape(&line));
            if !d.secrets.is_empty() {
                let line = format!("visible to the endpoints only: {}", d.secrets.join(", "));
                let _ = writeln!(s, "{pad}{}", self.paint(&escape(&line), Label::Leak));
            }
        }
        let dur = (r.end.sec as f64 - r.start.sec as f64)
            + (f64::from(r.end.nsec) - f64::from(r.start.nsec)) / 1e9;
        let _ = writeln!(
            s,
            "{pad}frames {}–{}, from {} for {:.3} s{}",
            r.first_frame,
            r.last_frame,
            rfc3339(r.start).unwrap_or_else(|| "[a time out of range]".into()),
            dur.max(0.0),
            if r.transport == crate::report::Transport::Tcp && !r.syn_seen {
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
                parts.push(format!(
                    "ALPN {} → {}",
                    escape(&t.alpn_offered.join(",")),
                    escape(chosen)
                ));
            }
            if t.resumed {
                parts.push("resumed".into());
            }
            let _ = writeln!(s, "{pad}tls: {}", parts.join(", "));
            for c in &t.certificates {
                let mut line = format!("certificate: {} (issuer {})", c.subject, c.issuer);
                if !c.sans.is_empty() {
                    let _ = write!(line, ", SAN {}", c.sans.join(" "));
                }
                let _ = writeln!(s, "{pad}{}", escape(&line));
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
        let counts = |d: &crate::report::DirStats| {
            Label::ALL
                .iter()
                .filter(|l| d.payload[l.index()] > 0)
                .map(|l| format!("{} {}", l.word(), d.payload[l.index()]))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (i, arrow) in ["→", "←"].iter().enumerate() {
            let d = &r.dirs[i];
            if d.packets == 0 {
                continue;
            }
            let sizes: Vec<String> = d.sizes.iter().map(u32::to_string).collect();
            let _ = writeln!(
                s,
                "{pad}{arrow} {} packets, {} bytes; payload: {}{}",
                d.packets,
                d.bytes,
                if counts(d).is_empty() {
                    "none".to_string()
                } else {
                    counts(d)
                },
                if sizes.is_empty() {
                    String::new()
                } else {
                    format!("; first sizes {}", sizes.join(" "))
                }
            );
        }
        for l in &r.leaks {
            let arrow = if l.dir == Direction::ToServer {
                "→"
            } else {
                "←"
            };
            let line = format!(
                "{pad}{} {}: {} (frame {})",
                arrow,
                l.kind.name(),
                escape(&l.value),
                l.frame
            );
            if l.kind == LeakKind::Credential {
                let _ = writeln!(s, "{}", self.paint(&line, Label::Leak));
            } else {
                let _ = writeln!(s, "{line}");
            }
        }
        if r.leaks_dropped > 0 {
            let _ = writeln!(s, "{pad}… and {} more leaks", r.leaks_dropped);
        }
        self.out.write_all(s.as_bytes())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let t = &self.totals;
        let mut s = String::new();
        if !self.header_done {
            let _ = writeln!(s, "{}: no flows", escape(&self.file));
        }
        let stacks: Vec<String> = t
            .by_stack
            .iter()
            .map(|(k, n)| format!("{} ×{n}", escape(k)))
            .collect();
        let _ = writeln!(
            s,
            "totals: {} flows ({} TCP, {} UDP); content readable in {}, opaque in {}, credentials in {}{}",
            t.flows,
            summary.tcp_flows,
            summary.udp_flows,
            t.plaintext_flows,
            t.opaque_flows,
            t.credential_flows,
            if t.evicted > 0 {
                format!("; {} evicted from the flow table (reported with what was seen)", t.evicted)
            } else {
                String::new()
            }
        );
        if !stacks.is_empty() {
            let _ = writeln!(s, "  stacks: {}", stacks.join(", "));
        }
        if !t.leaks.is_empty() {
            let leaks: Vec<String> = t.leaks.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(s, "  leaks: {}", leaks.join(", "));
        }
        self.out.write_all(s.as_bytes())?;
        self.out.flush()?;
        let mut text = Vec::new();
        super::summary::write_summary(&mut text, summary, self.color.then_some(&self.palette));
        self.err.write_all(&text)?;
        self.err.flush()
    }
}

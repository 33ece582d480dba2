//! `eavesdrop check` output: one line per violation as flows end, then the verdict;
//! or JSON Lines (`violation` objects and one `check` object).

use super::escape;
use super::json::VERSION;
use super::style::Palette;
use super::OutputFormat;
use crate::check::{version_unknown, Deny, NothingSeen, Policy, Violation};
use crate::report::FlowReport;
use crate::sink::Summary;
use crate::sink::{FrameView, KeepFrames, Sink};
use crate::span::Label;
use crate::text::plural;
use serde_json::json;
use std::io::{self, Write};

pub struct CheckSink<W: Write, E: Write> {
    out: W,
    err: E,
    format: OutputFormat,
    file: String,
    policy: Policy,
    pub violations: u64,
    flows: u64,
    unknown_versions: u64,
    /// Flows of an unidentified protocol labelled opaque for their randomness alone.
    presumed_encrypted: u64,
    /// Frames outside any flow with undecoded bytes: (first frame, count, bytes).
    stray_undecoded: Option<(u64, u64, u64)>,
    /// FAIL and PASS in colour (`--color`); every styled word is closed by a reset.
    palette: Option<Palette>,
}

impl<W: Write, E: Write> CheckSink<W, E> {
    pub fn new(
        out: W,
        err: E,
        format: OutputFormat,
        file: &str,
        policy: Policy,
    ) -> CheckSink<W, E> {
        CheckSink {
            out,
            err,
            format,
            file: file.to_string(),
            policy,
            violations: 0,
            flows: 0,
            unknown_versions: 0,
            presumed_encrypted: 0,
            stray_undecoded: None,
            palette: None,
        }
    }

    /// Colours FAIL and PASS.
    pub fn with_color(mut self, color: bool) -> CheckSink<W, E> {
        self.palette = color.then(Palette::new);
        self
    }

    fn fail(&self) -> String {
        match &self.palette {
            Some(p) => p.paint(&p.fail, "FAIL"),
            None => "FAIL".to_string(),
        }
    }

    fn pass(&self) -> String {
        match &self.palette {
            Some(p) => p.paint(&p.pass, "PASS"),
            None => "PASS".to_string(),
        }
    }

    fn report(&mut self, v: &Violation) -> io::Result<()> {
        self.violations += 1;
        if self.format == OutputFormat::Json {
            let ep = |e: &(std::net::IpAddr, u16)| json!({"ip": e.0.to_string(), "port": e.1});
            let line = json!({
                "type": "violation",
                "version": VERSION,
                "file": self.file,
                "rule": v.rule,
                "flow": v.flow,
                "client": ep(&v.client),
                "server": ep(&v.server),
                "frame": v.frame,
                "field": v.field,
                "value": v.value,
            });
            writeln!(self.out, "{line}")
        } else {
            writeln!(self.out, "{}: {} {v}", escape(&self.file), self.fail())
        }
    }
}

impl<W: Write, E: Write> Sink for CheckSink<W, E> {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        if v.flow.is_some() || !self.policy.deny.contains(&Deny::Undecoded) {
            return Ok(());
        }
        let n = Label::Undecoded.count(&v.map.totals());
        if n > 0 {
            let s = self.stray_undecoded.get_or_insert((v.frame.number, 0, 0));
            s.1 += 1;
            s.2 += n;
        }
        Ok(())
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.out.flush()?;
        writeln!(self.err, "eavesdrop: warning: {}", escape(text))
    }

    /// Undecoded bytes are read from a map's counts.
    fn reads_maps(&self) -> KeepFrames {
        KeepFrames::None
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        self.flows += 1;
        if version_unknown(&self.policy, r) {
            self.unknown_versions += 1;
        }
        if r.stack.iter().any(|l| l == crate::proto::unknown::PRESUMED) {
            self.presumed_encrypted += 1;
        }
        for v in self.policy.check(r) {
            self.report(&v)?;
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        // Nothing examined is not a pass (unless the policy says it may be).
        let nothing = NothingSeen::of(summary).filter(|_| !self.policy.allow_empty);
        if nothing.is_some() {
            self.violations += 1;
        }
        // Payload nobody could classify was not examined by the other rules.
        let unexamined = if self.policy.deny.contains(&Deny::Undecoded) {
            0
        } else {
            Label::Undecoded.count(&summary.payload)
        };
        if let Some((frame, frames, bytes)) = self.stray_undecoded {
            self.violations += 1;
            if self.format == OutputFormat::Json {
                let line = json!({
                    "type": "violation", "version": VERSION, "file": self.file,
                    "rule": "undecoded", "flow": null, "frame": frame, "field": "frame",
                    "value": format!("{bytes} bytes undecoded in {frames} frames outside any flow"),
                });
                writeln!(self.out, "{line}")?;
            } else {
                writeln!(
                    self.out,
                    "{}: {} undecoded: {} nobody could classify in {} outside any flow, first frame {frame}",
                    escape(&self.file),
                    self.fail(),
                    crate::text::bytes(bytes),
                    plural(frames, "frame"),
                )?;
            }
        }
        let rules = self.policy.describe();
        if self.format == OutputFormat::Json {
            let line = json!({
                "type": "check",
                "version": VERSION,
                "file": self.file,
                "passed": self.violations == 0,
                "violations": self.violations,
                "flows": self.flows,
                "frames": summary.frames,
                "rules": rules,
                "tls_version_unknown": self.unknown_versions,
                "nothing_examined": nothing.map(NothingSeen::reason),
                "undecoded_not_examined": unexamined,
                "presumed_encrypted_flows": self.presumed_encrypted,
            });
            writeln!(self.out, "{line}")?;
        } else {
            if let Some(n) = nothing {
                writeln!(
                    self.out,
                    "{}: {} {}",
                    escape(&self.file),
                    self.fail(),
                    n.reason()
                )?;
            }
            let verdict = if self.violations == 0 {
                self.pass()
            } else {
                self.fail()
            };
            write!(
                self.out,
                "{}: {verdict}: {} in {} ({})",
                escape(&self.file),
                plural(self.violations, "violation"),
                plural(self.flows, "flow"),
                rules.join(", ")
            )?;
            if unexamined > 0 {
                write!(
                    self.out,
                    " ({} undecoded, not examined: add --deny undecoded to fail on them)",
                    crate::text::bytes(unexamined)
                )?;
            }
            writeln!(self.out)?;
            if self.presumed_encrypted > 0 {
                writeln!(
                    self.out,
                    "{}: note: {} of an unidentified protocol random from the first byte, \
                     labelled opaque for that alone (nothing in them was examined)",
                    escape(&self.file),
                    plural(self.presumed_encrypted, "flow")
                )?;
            }
            if self.unknown_versions > 0 {
                writeln!(
                    self.out,
                    "{}: note: {} without a ServerHello: their version could not be checked",
                    escape(&self.file),
                    plural(self.unknown_versions, "TLS flow")
                )?;
            }
        }
        self.out.flush()
    }
}

//! `EngineConfig::fields`, `EngineConfig::descriptions` and
//! `EngineConfig::fingerprints`: `flows` and `check` read labels, leaks and reports, not
//! fields or descriptions (and `check` no fingerprints); they are handed consecutive
//! header and handshake spans that read alike as one span, and dissectors skip the
//! words only packet lines print and the hashes nobody shows. What they read must not
//! change: every frame's byte map, events (but application messages in words and
//! handshake details), notes and flow, every flow report (but its JA3, JA3S and JA4)
//! and the summary are compared, one span per field, every description and fingerprint
//! against merged spans and none, over captures/ and, when EAVESDROP_CORPUS is set,
//! every capture of the development corpus.

// A panic in a test is a failure to report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{corpus_dir, corpus_files, sample_captures};
use eavesdrop::engine::{Engine, EngineConfig};
use eavesdrop::proto::Desc;
use eavesdrop::report::FlowReport;
use eavesdrop::sink::{FrameView, Sink, Summary};
use eavesdrop::span::Label;
use eavesdrop::CaptureReader;
use std::io;
use std::path::Path;

/// What a label-reading sink can see, as text, and the spans it was handed.
#[derive(Default)]
struct Seen {
    frames: Vec<String>,
    reports: Vec<String>,
    summary: Option<Summary>,
    spans: usize,
    /// Reports that carried a JA3, JA3S or JA4 (dropped from `reports`' text: the
    /// label-reading side, as `check` runs, computes none).
    fingerprinted: usize,
}

impl Sink for Seen {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        self.spans += v.decoded.spans.len();
        let runs: Vec<(u32, u32, Label)> = v
            .map
            .runs()
            .iter()
            .map(|r| (r.start, r.end, r.label))
            .collect();
        // Readable content, field by field: what reports count as plaintext.
        let content: Vec<_> = v
            .decoded
            .spans
            .iter()
            .filter(|s| s.field.role() == eavesdrop::fields::Role::Content)
            .map(|s| (s.range.clone(), s.field.name(), s.vis))
            .collect();
        // What no report reads, and a label-reading sink is not handed: application
        // messages in words, a handshake message's details.
        let events: Vec<Desc> = v
            .events
            .iter()
            .filter(|e| !matches!(e, Desc::App { .. }))
            .cloned()
            .map(|mut e| {
                if let Desc::TlsHandshake { detail, .. } = &mut e {
                    detail.clear();
                }
                e
            })
            .collect();
        self.frames.push(format!(
            "{} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            v.frame.number,
            runs,
            content,
            events,
            v.flow,
            v.decoded.notes,
            v.decoded.layers,
            v.decoded.payload_range(),
        ));
        Ok(())
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.frames.push(format!("warning {text}"));
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.summary = Some(summary.clone());
        Ok(())
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        let mut r = r.clone();
        if let Some(t) = r.tls.as_mut() {
            let had = t.ja3.take().is_some() | t.ja3s.take().is_some() | t.ja4.take().is_some();
            self.fingerprinted += usize::from(had);
        }
        self.reports.push(format!("{r:?}"));
        Ok(())
    }
}

/// The capture read with one span per field and with merged spans; `None` when it is
/// not a capture eavesdrop opens.
fn both(file: &Path) -> Option<(Seen, Seen)> {
    let run = |fields: bool| -> Option<Seen> {
        let mut reader = CaptureReader::open(file).ok()?;
        let config = EngineConfig {
            reports: true,
            fields,
            descriptions: fields,
            fingerprints: fields,
            ..EngineConfig::default()
        };
        let mut engine = Engine::new(Seen::default(), config);
        while let Some(frame) = reader.next_frame() {
            let Ok(frame) = frame else { break };
            engine.push(frame).unwrap();
        }
        Some(engine.finish().unwrap().0)
    };
    Some((run(true)?, run(false)?))
}

/// Differences on `files`, and the spans handed over with and without fields.
fn compare(files: &[std::path::PathBuf]) -> (Vec<String>, usize, usize) {
    let (mut bad, mut with, mut without) = (Vec::new(), 0, 0);
    let mut fingerprinted = 0;
    for file in files {
        let Some((fields, merged)) = both(file) else {
            continue;
        };
        with += fields.spans;
        without += merged.spans;
        fingerprinted += fields.fingerprinted;
        let name = file.display();
        if merged.fingerprinted > 0 {
            bad.push(format!(
                "{name}: fingerprints computed for a sink that reads none"
            ));
        }
        if fields.spans < merged.spans {
            bad.push(format!("{name}: more spans merged than per field"));
        }
        if fields.frames != merged.frames {
            let i = fields
                .frames
                .iter()
                .zip(&merged.frames)
                .position(|(a, b)| a != b)
                .unwrap_or(fields.frames.len().min(merged.frames.len()));
            bad.push(format!(
                "{name}: frames differ at {i}:\n{:?}\n{:?}",
                fields.frames.get(i),
                merged.frames.get(i)
            ));
        }
        if fields.reports != merged.reports {
            bad.push(format!("{name}: flow reports differ"));
        }
        if fields.summary != merged.summary {
            bad.push(format!("{name}: summaries differ"));
        }
    }
    // The hashes left out must have been there to leave out.
    if files.len() > 1 && fingerprinted == 0 {
        bad.push("no report had a fingerprint: the comparison drops nothing".into());
    }
    (bad, with, without)
}

#[test]
fn merged_spans_read_the_same_on_the_sample_captures() {
    let files = sample_captures();
    assert!(!files.is_empty());
    let (bad, with, without) = compare(&files);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    eprintln!("spans per field {with}, merged {without}");
    // Headers alone (Ethernet, IPv4, TCP) are 22 spans per field and 9 merged: the
    // merging must happen, or the test compares a thing with itself.
    assert!(
        without * 10 < with * 6,
        "spans per field {with}, merged {without}"
    );
}

#[test]
fn merged_spans_read_the_same_on_the_corpus() {
    let Some(dir) = corpus_dir() else { return };
    let files = corpus_files(&dir);
    assert!(
        files.len() > 100,
        "{} files in {}",
        files.len(),
        dir.display()
    );
    let (bad, with, without) = compare(&files);
    eprintln!("spans per field {with}, merged {without}");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(without < with);
}

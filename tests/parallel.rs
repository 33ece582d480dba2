//! `-j N`: the output of `flows`, `show`, `check` and `html` does not depend on how many worker
//! threads share a capture's flows. Compared byte for byte (stdout, stderr, exit
//! status) between `-j 1` and `-j 2` (and `-j 3`, where shards outnumber what the hash
//! happens to spread) over captures/ and, when EAVESDROP_CORPUS is set, every capture
//! of the development corpus.

// A panic in a test is a failure to report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{corpus_dir, corpus_files, eavesdrop, output_within, sample_captures};
use std::path::{Path, PathBuf};

/// The commands compared: every output mode that `-j` changes the path of.
const COMMANDS: &[&[&str]] = &[
    &["flows", "--color=never"],
    &["flows", "--json"],
    &["show", "--color=never", "-#", "-ttt"],
    &["show", "--json"],
    &[
        "check",
        "--color=never",
        "--deny",
        "credentials",
        "--deny",
        "undecoded",
        "--allow-empty",
    ],
    &["html"],
];

/// Differences between `-j 1` and `-j jobs` on `file`, one line each.
fn differences(file: &Path, jobs: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cmd in COMMANDS {
        let run = |j: &str| {
            let mut c = eavesdrop();
            c.args(*cmd).args(["-j", j]).arg(file);
            output_within(c, 120, &format!("{cmd:?} -j {j} {}", file.display()))
        };
        let (one, many) = (run("1"), run(jobs));
        let what = format!("{} -j {jobs} {}", cmd.join(" "), file.display());
        // A refused command would compare equal to itself.
        for (j, o) in [("1", &one), (jobs, &many)] {
            let err = String::from_utf8_lossy(&o.stderr);
            if err.contains("Usage:") || err.contains("not supported by eavesdrop") {
                out.push(format!(
                    "{} -j {j} {}: refused: {}",
                    cmd.join(" "),
                    file.display(),
                    err
                ));
            }
        }
        if one.status.code() != many.status.code() {
            out.push(format!(
                "{what}: exit {:?} vs {:?}",
                one.status.code(),
                many.status.code()
            ));
        }
        if one.stdout != many.stdout {
            out.push(format!("{what}: stdout differs"));
        }
        if one.stderr != many.stderr {
            out.push(format!(
                "{what}: stderr differs:\n{}\n---\n{}",
                String::from_utf8_lossy(&one.stderr),
                String::from_utf8_lossy(&many.stderr)
            ));
        }
    }
    out
}

#[test]
fn jobs_do_not_change_the_output_of_the_sample_captures() {
    let files = sample_captures();
    assert!(!files.is_empty());
    let mut diffs = Vec::new();
    for f in &files {
        diffs.extend(differences(f, "2"));
    }
    for f in files.iter().take(12) {
        diffs.extend(differences(f, "3"));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn jobs_do_not_change_the_output_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let files = corpus_files(Path::new(&dir));
    assert!(!files.is_empty(), "no captures under {dir:?}");
    let mut diffs = Vec::new();
    for f in &files {
        diffs.extend(differences(f, "2"));
    }
    eprintln!(
        "{} captures, {} commands: {} differences",
        files.len(),
        COMMANDS.len(),
        diffs.len()
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// Several captures in one command: each file's output whole and in the order given
/// (`html`: a section each, in that order).
#[test]
fn several_files_keep_their_order() {
    let files: Vec<PathBuf> = sample_captures().into_iter().take(6).collect();
    for cmd in [&["flows", "--color=never"][..], &["html"]] {
        let run = |j: &str| {
            let mut c = eavesdrop();
            c.args(cmd).args(["-j", j]).args(&files);
            output_within(c, 120, &format!("{cmd:?} of several files"))
        };
        let (one, two) = (run("1"), run("2"));
        assert!(one.status.success(), "{cmd:?}");
        assert_eq!(one.stdout, two.stdout, "{cmd:?}");
        assert_eq!(one.stderr, two.stderr, "{cmd:?}");
    }
}

/// A capture cut short part way: the frames before the damage are reported the same
/// way, and the error is the same.
#[test]
fn a_damaged_capture_fails_the_same_way() {
    let data = std::fs::read(common::capture("tls12-resumption.pcap")).expect("capture");
    let dir = common::tempdir("parallel");
    let cut = dir.join("cut.pcap");
    // A record header that promises more than the file holds.
    std::fs::write(&cut, &data[..data.len() * 2 / 3]).expect("write");
    let diffs = differences(&cut, "2");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// A reader kept to one shard copies that shard's frames whole and leaves out the
/// bytes of the others, saying how many were captured; every frame comes out of
/// exactly one of the shards' readers with its bytes, numbered and timed alike.
#[test]
fn a_reader_kept_to_a_shard_copies_only_its_frames() {
    use eavesdrop::capture::file::Sharded;
    use eavesdrop::decode::shard_of;
    use eavesdrop::CaptureReader;
    let mut checked = 0;
    for f in sample_captures() {
        let mut all = CaptureReader::open(&f).unwrap();
        let mut shards: Vec<CaptureReader> = (0..3)
            .map(|i| {
                let mut r = CaptureReader::open(&f).unwrap();
                r.keep_shard(3, i);
                r
            })
            .collect();
        while let Some(Ok(frame)) = all.next_frame() {
            let mine = shard_of(&frame, 3);
            for (i, r) in shards.iter_mut().enumerate() {
                let got = r.next_frame().unwrap().unwrap();
                assert_eq!((got.number, got.ts), (frame.number, frame.ts));
                assert_eq!(got.orig_len, frame.orig_len);
                if i as u32 == mine {
                    assert_eq!(
                        got.data,
                        frame.data,
                        "{} frame {}",
                        f.display(),
                        frame.number
                    );
                    assert_eq!(r.sharded(), Sharded::Mine);
                } else {
                    assert!(got.data.is_empty());
                    assert_eq!(r.sharded(), Sharded::Other(frame.cap_len()));
                }
            }
            checked += 1;
        }
        for r in &mut shards {
            assert!(r.next_frame().is_none(), "{}", f.display());
        }
    }
    assert!(checked > 1000, "{checked} frames");
}

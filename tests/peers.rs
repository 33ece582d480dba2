//! eavesdrop against tcpdump on the same captures: packet lines (TCP and UDP over
//! IPv4/IPv6, through `length N`) and `-X`/`-XX` hex rows must agree. Runs over
//! captures/ always (when tcpdump is installed) and over the development corpus when
//! EAVESDROP_CORPUS points at it.
//!
//! Agreement rules, per packet (aligned by tcpdump's and eavesdrop's `-#` numbers):
//! - identical lines agree;
//! - a TCP line agrees when tcpdump's line starts with ours and ours ends in
//!   `length N` (tcpdump then adds its own port-based decoding);
//! - a UDP line agrees when tcpdump prints the same `src.port > dst.port: ` and then
//!   decodes the payload itself instead of `UDP, length N`.
//!
//! Lines whose link type or tunnel eavesdrop does not decode are counted, not compared.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tcpdump_available() -> bool {
    let ok = Command::new("tcpdump")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && peers_required() {
        panic!("tcpdump is required (EAVESDROP_REQUIRE_PEERS) but not installed");
    }
    ok
}

/// Packet number → text (first line of the packet, rest joined).
fn packets(out: &str) -> BTreeMap<u64, String> {
    let mut map = BTreeMap::new();
    for line in out.lines() {
        let trimmed = line.trim_start();
        let Some((num, rest)) = trimmed.split_once("  ") else {
            continue;
        };
        if line.starts_with('\t') || num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(n) = num.parse() {
            map.insert(n, rest.to_string());
        }
    }
    map
}

#[derive(Default, Debug)]
struct Tally {
    exact: u64,
    prefix: u64,
    not_compared: u64,
    other_differ: u64,
    disagreements: Vec<String>,
}

fn is_tcp(t: &str) -> bool {
    (t.contains("IP ") || t.contains("IP6 ")) && (t.contains(": Flags [") || t.ends_with("[|tcp]"))
}

fn compare_lines(file: &Path, tally: &mut Tally) {
    let t = Command::new("tcpdump")
        .args(["-#", "-nn", "-r"])
        .arg(file)
        .env("TZ", "UTC")
        .output()
        .expect("tcpdump");
    let e = eavesdrop()
        .args([
            "show",
            "-#",
            "--no-hex",
            "--no-notes",
            "--no-describe",
            "--color=never",
        ])
        .arg(file)
        .output()
        .expect("eavesdrop");
    let err = text(&e.stderr);
    assert!(!err.contains("panicked"), "{}: {err}", file.display());
    assert!(
        matches!(e.status.code(), Some(0 | 2)),
        "{}: {:?}",
        file.display(),
        e.status
    );
    let theirs = packets(&text(&t.stdout));
    let ours = packets(&text(&e.stdout));
    for (n, tl) in &theirs {
        let Some(el) = ours.get(n) else {
            tally.disagreements.push(format!(
                "{}#{n}: missing\n  tcpdump:   {tl}",
                file.display()
            ));
            continue;
        };
        if el == tl {
            tally.exact += 1;
            continue;
        }
        let tcp = is_tcp(tl);
        let udp = el.contains("UDP, length ") || el.contains("UDP, bad length ");
        if el.contains(" not decoded]") || tl.contains("Geneve, ") || tl.contains("VXLAN, ") {
            tally.not_compared += 1;
        } else if (tcp && tl.starts_with(el.as_str()) && el.contains(", length "))
            || (udp && el.find("UDP, ").is_some_and(|i| tl.starts_with(&el[..i])))
        {
            tally.prefix += 1;
        } else if tcp || udp {
            tally.disagreements.push(format!(
                "{}#{n}:\n  tcpdump:   {tl}\n  eavesdrop: {el}",
                file.display()
            ));
        } else {
            tally.other_differ += 1;
        }
    }
}

/// The hex rows of both tools for the same capture and mode.
fn hex_rows(file: &Path, link: bool) -> (Vec<String>, Vec<String>) {
    let flag = if link { "-XX" } else { "-X" };
    let t = Command::new("tcpdump")
        .args(["-nn", flag, "-r"])
        .arg(file)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let mut args = vec!["show", "--color=never", "--no-notes"];
    if link {
        args.push("-XX");
    }
    let e = eavesdrop().args(&args).arg(file).output().unwrap();
    let rows = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("\t0x"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    (rows(&text(&t.stdout)), rows(&text(&e.stdout)))
}

#[test]
fn packet_lines_and_hex_rows_agree_on_sample_captures() {
    if !tcpdump_available() {
        eprintln!("tcpdump not installed: skipped");
        return;
    }
    let mut tally = Tally::default();
    for file in sample_captures() {
        compare_lines(&file, &mut tally);
        for link in [false, true] {
            let (theirs, ours) = hex_rows(&file, link);
            assert!(!theirs.is_empty());
            assert_eq!(
                theirs,
                ours,
                "{} hex rows ({})",
                file.display(),
                if link { "-XX" } else { "-X" }
            );
        }
    }
    assert!(
        tally.disagreements.is_empty(),
        "{}",
        tally.disagreements.join("\n")
    );
    assert_eq!(
        tally.prefix + tally.not_compared + tally.other_differ,
        0,
        "{tally:?}"
    );
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng" || e == "cap")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn packet_lines_agree_on_the_development_corpus() {
    let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") else {
        eprintln!("EAVESDROP_CORPUS not set: skipped");
        return;
    };
    if !tcpdump_available() {
        eprintln!("tcpdump not installed: skipped");
        return;
    }
    let files = corpus_files(Path::new(&dir));
    assert!(!files.is_empty(), "no captures under {dir:?}");
    let mut tally = Tally::default();
    for file in &files {
        compare_lines(file, &mut tally);
    }
    eprintln!(
        "{} files: {} identical, {} agree through `length N`, {} not compared (undecoded link or tunnel), \
         {} non-TCP/UDP lines differ, {} TCP/UDP disagreements",
        files.len(),
        tally.exact,
        tally.prefix,
        tally.not_compared,
        tally.other_differ,
        tally.disagreements.len()
    );
    assert!(
        tally.exact > 10_000,
        "the corpus should give many comparable lines: {tally:?}"
    );
    assert!(
        tally.disagreements.is_empty(),
        "{}",
        tally.disagreements.join("\n")
    );
}

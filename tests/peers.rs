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

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

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
    // A prefix match is tcpdump decoding the application (HTTP on 8080, DNS on 53)
    // after the same `length N`; every other line is identical.
    assert_eq!(tally.not_compared + tally.other_differ, 0, "{tally:?}");
    assert!(tally.exact > 10 * tally.prefix, "{tally:?}");
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

/// TLS facts of one capture, as a multiset per kind ("sni", "hs:ClientHello",
/// "cipher:TLS_AES_128_GCM_SHA256"…).
type Facts = BTreeMap<String, u64>;

fn tls_name(t: &str) -> Option<&'static str> {
    Some(match t {
        "1" => "ClientHello",
        "2" => "ServerHello",
        "4" => "NewSessionTicket",
        "11" => "Certificate",
        "12" => "ServerKeyExchange",
        "13" => "CertificateRequest",
        "14" => "ServerHelloDone",
        "16" => "ClientKeyExchange",
        _ => return None,
    })
}

fn tshark_facts(file: &Path) -> Facts {
    // Decryption secrets embedded in a pcapng would let tshark see inside TLS 1.3;
    // an observer has no such keys, so compare on a copy without them.
    let stripped = std::env::temp_dir().join(format!(
        "eavesdrop-nosecrets-{}-{}",
        std::process::id(),
        file.file_name().unwrap().to_string_lossy()
    ));
    let editcap = |args: &[&str]| {
        Command::new("editcap")
            .args(args)
            .arg(file)
            .arg(&stripped)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    // Some files cannot be rewritten as pcapng; as pcap they lose their secrets too.
    let input = if editcap(&["--discard-all-secrets"]) || editcap(&["-F", "pcap"]) {
        stripped.clone()
    } else {
        file.to_path_buf()
    };
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&input)
        .args([
            "-Y",
            "tls.handshake",
            "-T",
            "fields",
            "-E",
            "separator=\t",
            "-e",
            "tls.handshake.type",
        ])
        .args([
            "-e",
            "tls.handshake.extensions_server_name",
            "-e",
            "tls.handshake.ciphersuite",
            "-e",
            "tls.handshake.ja3",
            "-e",
            "tls.handshake.ja3s",
        ])
        .output()
        .expect("tshark");
    let mut facts = Facts::new();
    for line in text(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let types: Vec<&str> = cols.first().map_or(vec![], |c| c.split(',').collect());
        for t in &types {
            if let Some(n) = tls_name(t) {
                *facts.entry(format!("hs:{n}")).or_default() += 1;
            }
        }
        for sni in cols.get(1).map_or(vec![], |c| c.split(',').collect()) {
            if !sni.is_empty() {
                facts.insert(format!("sni:{sni}"), 1);
            }
        }
        for (col, kind) in [(3, "ja3"), (4, "ja3s")] {
            for h in cols.get(col).map_or(vec![], |c| c.split(',').collect()) {
                if !h.is_empty() {
                    facts.insert(format!("{kind}:{h}"), 1);
                }
            }
        }
    }
    // Frames with ServerHellos and no ClientHello list the chosen suites.
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&input)
        .args([
            "-Y",
            "tls.handshake.type == 2 && !(tls.handshake.type == 1)",
            "-T",
            "fields",
        ])
        .args(["-e", "tls.handshake.ciphersuite"])
        .output()
        .expect("tshark");
    let _ = std::fs::remove_file(&stripped);
    for line in text(&out.stdout).lines() {
        for id in line.split(',') {
            if let Ok(id) = u16::from_str_radix(id.trim().trim_start_matches("0x"), 16) {
                if let Some(c) = tls_parser::TlsCipherSuite::from_id(id) {
                    *facts.entry(format!("cipher:{}", c.name)).or_default() += 1;
                }
            }
        }
    }
    facts
}

fn eavesdrop_facts(file: &Path) -> Facts {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--no-hex", "--no-notes", "--color=never"])
        .arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut facts = Facts::new();
    for line in text(&out.stdout).lines() {
        let Some(desc) = line
            .split(", length ")
            .nth(1)
            .and_then(|r| r.split_once(": "))
            .map(|(_, d)| d)
        else {
            continue;
        };
        // Items are "Name (detail, …)" separated by ", " outside brackets.
        let mut depth = 0;
        let mut item = String::new();
        let mut items = Vec::new();
        for c in desc.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        items.push(item);
        for item in items {
            let item = item.trim();
            let item = item
                .split_once(' ')
                .filter(|(v, _)| v.starts_with("TLS") || v.starts_with("SSL"))
                .map_or(item, |(_, r)| r);
            let (name, detail) = item.split_once(" (").unwrap_or((item, ""));
            if matches!(
                name,
                "ClientHello"
                    | "ServerHello"
                    | "NewSessionTicket"
                    | "Certificate"
                    | "ServerKeyExchange"
                    | "CertificateRequest"
                    | "ServerHelloDone"
                    | "ClientKeyExchange"
            ) && !detail.contains("cut off")
            {
                *facts.entry(format!("hs:{name}")).or_default() += 1;
            }
            for d in detail.trim_end_matches(')').split(", ") {
                if let Some(s) = d.strip_prefix("SNI=") {
                    facts.insert(format!("sni:{s}"), 1);
                }
                if let Some(c) = d.strip_prefix("cipher=") {
                    *facts.entry(format!("cipher:{c}")).or_default() += 1;
                }
            }
        }
    }
    facts
}

/// SNIs tshark reads that eavesdrop does not, by design (see docs/design.md): Google
/// QUIC T050/T051 framing, and TLS inside GTP-U tunnels.
const SNI_EXCEPTIONS: &[&str] = &["quic_t50.pcap", "quic_t51.pcap", "tls_invalid_reads.pcap"];

/// SNIs and fingerprints as `flows --json` reports them (and the JSON text itself).
fn flows_facts(file: &Path) -> (Facts, String) {
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let json = text(&out.stdout);
    let mut facts = Facts::new();
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", file.display()));
        assert!(v["type"].is_string() && v["version"] == 1, "{line}");
        let tls = &v["tls"];
        for (key, kind) in [("sni", "sni"), ("ja3", "ja3"), ("ja3s", "ja3s")] {
            if let Some(s) = tls[key].as_str() {
                facts.insert(format!("{kind}:{s}"), 1);
            }
        }
    }
    (facts, json)
}

/// Captures where tshark's fingerprints are not a reference (see
/// tests/tshark-disagreements.txt for the same frames): it cannot decrypt the QUIC
/// Initials of quic-forcing-vn-with-data; its JA3 string for tls_invalid_reads frame 4
/// stops after the ciphers ("769,…," where the JA3 definition gives "769,…,,,"); it does
/// not reassemble the out-of-order ServerHello of tls-fingerprint-alert.
const JA3_EXCEPTIONS: &[&str] = &[
    "quic-forcing-vn-with-data.pcapng",
    "tls_invalid_reads.pcap",
    "tls-fingerprint-alert/input.pcap",
];

/// JA3 and JA3S of tshark and eavesdrop, over all captures compared.
#[derive(Default)]
struct Fingerprints {
    ours: u64,
    agreed: u64,
    only_ours: Vec<String>,
}

fn compare_tls(files: &[PathBuf]) -> (u64, Vec<String>, Vec<String>) {
    let (snis, missing, other, _, _) = compare_tls_full(files);
    (snis, missing, other)
}

fn compare_tls_full(files: &[PathBuf]) -> (u64, Vec<String>, Vec<String>, Fingerprints, String) {
    let mut snis = 0;
    let mut missing_sni = Vec::new();
    let mut other = Vec::new();
    let mut prints = Fingerprints::default();
    let mut all_json = String::new();
    for file in files {
        let theirs_all = tshark_facts(file);
        let (flows, json) = flows_facts(file);
        all_json.push_str(&json);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // Fingerprints: each one eavesdrop reports (first hello of a flow) must be one
        // tshark computed for some hello of the capture.
        for k in flows.keys().filter(|k| k.starts_with("ja3")) {
            prints.ours += 1;
            if theirs_all.contains_key(k) {
                prints.agreed += 1;
            } else if theirs_all.keys().any(|t| t.starts_with("ja3"))
                && !JA3_EXCEPTIONS.iter().any(|e| file.ends_with(e))
            {
                prints.only_ours.push(format!("{}: {k}", file.display()));
            }
        }
        // Every SNI tshark reads is named by flows --json too.
        for k in theirs_all.keys().filter(|k| k.starts_with("sni:")) {
            if !flows.contains_key(k) && !SNI_EXCEPTIONS.contains(&name.as_str()) {
                missing_sni.push(format!("{}: flows --json lacks {k}", file.display()));
            }
        }
        let theirs: Facts = theirs_all
            .into_iter()
            .filter(|(k, _)| !k.starts_with("ja3"))
            .collect();
        if theirs.is_empty() {
            continue;
        }
        let ours = eavesdrop_facts(file);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // With secrets in the file that editcap could not strip, tshark sees inside
        // encrypted handshakes: only the SNIs are comparable.
        let secrets = Command::new("capinfos").arg(file).output().is_ok_and(|o| {
            text(&o.stdout)
                .lines()
                .any(|l| l.starts_with("Number of decryption secrets") && !l.ends_with(" 0"))
        });
        for (k, n) in &theirs {
            let got = ours.get(k).copied().unwrap_or(0);
            if let Some(sni) = k.strip_prefix("sni:") {
                snis += 1;
                if got == 0 && !SNI_EXCEPTIONS.contains(&name.as_str()) {
                    missing_sni.push(format!("{}: SNI {sni}", file.display()));
                }
            } else if got != *n && !secrets {
                other.push(format!(
                    "{}: {k}: tshark {n}, eavesdrop {got}",
                    file.display()
                ));
            }
        }
        for (k, n) in &ours {
            if !k.starts_with("sni:") && !theirs.contains_key(k) && !secrets {
                other.push(format!("{}: {k}: tshark 0, eavesdrop {n}", file.display()));
            }
        }
    }
    (snis, missing_sni, other, prints, all_json)
}

fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && peers_required() {
        panic!("tshark is required (EAVESDROP_REQUIRE_PEERS) but not installed");
    }
    ok
}

#[test]
fn tls_facts_agree_with_tshark_on_sample_captures() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let (snis, missing, other) = compare_tls(&sample_captures());
    assert!(snis >= 3, "the TLS captures name localhost: {snis}");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(other.is_empty(), "{}", other.join("\n"));
}

#[test]
fn tls_facts_agree_with_tshark_on_the_development_corpus() {
    let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") else {
        eprintln!("EAVESDROP_CORPUS not set: skipped");
        return;
    };
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let root = Path::new(&dir);
    let files = corpus_files(root);
    let (snis, missing, other, prints, json) = compare_tls_full(&files);
    eprintln!(
        "JA3/JA3S: {} reported by eavesdrop, {} computed by tshark too; not by tshark:\n{}",
        prints.ours,
        prints.agreed,
        prints.only_ours.join("\n")
    );
    assert!(prints.agreed > 200, "{}", prints.agreed);
    assert!(
        prints.only_ours.is_empty(),
        "{}",
        prints.only_ours.join("\n")
    );
    // flows --json over the whole corpus validates against the schema.
    if std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let data = std::env::temp_dir().join(format!(
            "eavesdrop-corpus-flows-{}.jsonl",
            std::process::id()
        ));
        std::fs::write(&data, &json).unwrap();
        let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\nv=jsonschema.validators.validator_for(schema)(schema)\nbad=[f'{n}: {e.message}' for n,l in enumerate(open(sys.argv[2]),1) for e in v.iter_errors(json.loads(l))]\nprint('\\n'.join(bad[:20]))\nsys.exit(1 if bad else 0)\n";
        let out = Command::new("python3")
            .args(["-c", script])
            .arg(repo().join("docs/eavesdrop.schema.json"))
            .arg(&data)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&data);
        assert!(
            out.status.success(),
            "flows --json on the corpus: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    eprintln!(
        "{snis} SNIs read by tshark, {} missed by eavesdrop; {} other TLS facts differ:\n{}",
        missing.len(),
        other.len(),
        other.join("\n")
    );
    assert!(snis > 300);
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // Every other disagreement is decided in tests/tshark-disagreements.txt, with the
    // same counts; an entry that no longer occurs must go (the list stays true).
    let known = std::fs::read_to_string(repo().join("tests/tshark-disagreements.txt")).unwrap();
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for line in known.lines() {
        if line.starts_with('#') || line.starts_with(' ') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(" | ").map(str::trim).collect();
        assert!(cols.len() >= 5, "bad entry: {line}");
        let key = format!("{}: {}: {}, {}", cols[0], cols[1], cols[2], cols[3]);
        assert!(
            matches!(
                cols[4].trim_end_matches(" |").trim_end_matches('|'),
                "tshark-wrong" | "eavesdrop-limitation" | "ambiguous"
            ),
            "{line}: an eavesdrop bug is fixed, not listed"
        );
        listed.insert(key, line.to_string());
    }
    let prefix = format!("{}/", root.display());
    let found: Vec<String> = other
        .iter()
        .map(|o| o.strip_prefix(&prefix).unwrap_or(o).to_string())
        .collect();
    let unexplained: Vec<&String> = found.iter().filter(|k| !listed.contains_key(*k)).collect();
    assert!(
        unexplained.is_empty(),
        "disagreements with tshark not decided in tests/tshark-disagreements.txt:\n{}",
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&String> = listed.keys().filter(|k| !found.contains(k)).collect();
    assert!(
        stale.is_empty(),
        "entries in tests/tshark-disagreements.txt that no longer occur:\n{}",
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// LDAP operations (`name(messageID)`), simple-bind credentials, MySQL server
/// versions, users and queries: what tshark reads, per file, as counts.
fn tshark_app_facts(file: &Path) -> Facts {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-Y",
            "ldap or mysql",
            "-T",
            "fields",
            "-E",
            "aggregator=\u{1f}",
        ])
        .args([
            "-e",
            "ldap.messageID",
            "-e",
            "ldap.protocolOp",
            "-e",
            "ldap.name",
        ])
        .args([
            "-e",
            "ldap.simple",
            "-e",
            "mysql.version",
            "-e",
            "mysql.user",
        ])
        .args(["-e", "mysql.query"])
        .output()
        .expect("tshark");
    let mut facts = Facts::new();
    let mut add = |k: String| *facts.entry(k).or_default() += 1;
    for line in text(&out.stdout).lines() {
        let f: Vec<Vec<&str>> = line
            .split('\t')
            .map(|c| c.split('\u{1f}').filter(|v| !v.is_empty()).collect())
            .collect();
        let col = |i: usize| f.get(i).cloned().unwrap_or_default();
        for (id, op) in col(0).iter().zip(col(1)) {
            let name = op.parse::<u8>().ok().and_then(ldap_op).unwrap_or("?");
            add(format!("ldap:{name}({id})"));
        }
        for (name, pw) in col(2).iter().zip(col(3)) {
            add(format!("ldap-simple:{name}:{pw}"));
        }
        for v in col(4) {
            add(format!("mysql-version:{v}"));
        }
        for u in col(5) {
            add(format!("mysql-user:{u}"));
        }
        for q in col(6) {
            add(format!(
                "mysql-query:{}",
                q.chars().take(40).collect::<String>()
            ));
        }
    }
    facts
}

fn ldap_op(n: u8) -> Option<&'static str> {
    Some(match n {
        0 => "bindRequest",
        1 => "bindResponse",
        2 => "unbindRequest",
        3 => "searchRequest",
        4 => "searchResEntry",
        5 => "searchResDone",
        6 => "modifyRequest",
        7 => "modifyResponse",
        8 => "addRequest",
        9 => "addResponse",
        10 => "delRequest",
        11 => "delResponse",
        12 => "modDNRequest",
        13 => "modDNResponse",
        14 => "compareRequest",
        15 => "compareResponse",
        16 => "abandonRequest",
        19 => "searchResRef",
        23 => "extendedReq",
        24 => "extendedResp",
        25 => "intermediateResponse",
        _ => return None,
    })
}

/// The same facts from eavesdrop's packet lines.
fn eavesdrop_app_facts(file: &Path) -> Facts {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--no-hex", "--no-notes", "--color=never"])
        .arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut facts = Facts::new();
    let mut add = |k: String| *facts.entry(k).or_default() += 1;
    let ops: Vec<&str> = (0..=25).filter_map(ldap_op).collect();
    for line in text(&out.stdout).lines() {
        let Some((_, desc)) = line
            .split_once(", length ")
            .and_then(|(_, r)| r.split_once(": "))
        else {
            continue;
        };
        if desc.starts_with("LDAP ") {
            // Operations are `name(id)` anywhere in the description.
            for op in &ops {
                let mut rest = desc;
                while let Some(at) = rest.find(&format!("{op}(")) {
                    // A whole word: `unbindRequest(3)` is not a `bindRequest`.
                    let word = !rest[..at].ends_with(|c: char| c.is_ascii_alphabetic());
                    let after = &rest[at + op.len() + 1..];
                    let id: String = after.chars().take_while(char::is_ascii_digit).collect();
                    if word && after[id.len()..].starts_with(')') {
                        add(format!("ldap:{op}({id})"));
                    }
                    rest = &after[id.len()..];
                }
            }
            if let Some(creds) = desc.split(" simple [user=").nth(1) {
                if let Some((name, pw)) = creds.trim_end_matches(']').split_once(" password=") {
                    add(format!("ldap-simple:{name}:{pw}"));
                }
            }
        }
        if let Some(v) = desc.strip_prefix("MySQL server greeting, version ") {
            add(format!(
                "mysql-version:{}",
                v.trim_end_matches(", TLS offered")
            ));
        }
        if let Some(u) = desc.strip_prefix("MySQL login user=") {
            add(format!("mysql-user:{}", u.split(" [").next().unwrap_or(u)));
        }
        if let Some(q) = desc.strip_prefix("MySQL query: ") {
            add(format!(
                "mysql-query:{}",
                q.chars().take(40).collect::<String>()
            ));
        }
    }
    facts
}

#[test]
fn ldap_and_mysql_facts_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files = vec![capture("ldap-starttls.pcap"), capture("mysql-tls.pcap")];
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let root = Path::new(&dir);
        for f in [
            "suricata-verify/ldap-starttls/input.pcap",
            "suricata-verify/ldap-bind/ldap.pcap",
            "arkime/mysql-tls.pcap",
            "arkime/no-syn-ack.pcap",
            "pcapplusplus/Pcap++Test/PcapExamples/pcapng-example.pcapng",
        ] {
            files.push(root.join(f));
        }
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    for f in &files {
        let (theirs, ours) = (tshark_app_facts(f), eavesdrop_app_facts(f));
        compared += theirs.values().sum::<u64>();
        if theirs != ours {
            problems.push(format!(
                "{}:\n  tshark    {theirs:?}\n  eavesdrop {ours:?}",
                f.display()
            ));
        }
    }
    eprintln!("{compared} LDAP/MySQL facts compared");
    assert!(compared >= 15, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// XMPP: the kind of the first element tshark names in each frame, against the first
/// XMPP item on eavesdrop's line for that frame.
fn xmpp_kinds(file: &Path) -> (BTreeMap<u64, String>, BTreeMap<u64, String>) {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-Y",
            "xmpp",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.col.Info",
        ])
        .output()
        .expect("tshark");
    let mut theirs = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let Some((n, info)) = line.split_once('\t') else {
            continue;
        };
        let kind = match info.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["STREAM", "END", ..] => "stream end".to_string(),
            ["STREAM", ..] => "stream".into(),
            ["AUTH", ..] => "auth".into(),
            ["SUCCESS", ..] => "auth success".into(),
            ["FAILURE", ..] => "auth failure".into(),
            ["STARTTLS", ..] => "starttls".into(),
            ["PROCEED", ..] => "proceed".into(),
            ["MESSAGE", ..] => "message".into(),
            ["PRESENCE", ..] => "presence".into(),
            [iq, ..] if iq.starts_with("IQ(") => {
                format!("iq {}", iq.trim_start_matches("IQ(").trim_end_matches(')'))
            }
            // CHALLENGE, RESPONSE, FEATURES, XML, UNKNOWN: not named by eavesdrop.
            _ => continue,
        };
        if let Ok(n) = n.parse() {
            theirs.insert(n, kind);
        }
    }
    let mut cmd = eavesdrop();
    cmd.args(["show", "--no-hex", "--no-notes", "--color=never", "-#"])
        .arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut ours = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let Some(n) = line
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let Some(item) = line.split(": XMPP ").nth(1) else {
            continue;
        };
        let item = item.split(", ").next().unwrap_or(item);
        let kind = match item.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["stream", "end", ..] => "stream end".to_string(),
            ["auth", "success" | "failure", ..] => item.to_string(),
            ["iq", t, ..] => format!("iq {t}"),
            [w, ..] => w.to_string(),
            [] => continue,
        };
        ours.insert(n, kind);
    }
    (theirs, ours)
}

#[test]
fn xmpp_elements_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files = vec![capture("xmpp-starttls.pcap")];
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        files.push(Path::new(&dir).join("ndpi/jabber.pcap"));
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    for f in &files {
        let (theirs, ours) = xmpp_kinds(f);
        // tshark names a message spanning segments on its last segment, eavesdrop on its
        // first: a match anywhere after the previous element tshark named counts.
        let mut previous = 0u64;
        for (&n, kind) in &theirs {
            compared += 1;
            if !ours.range(previous + 1..=n).any(|(_, k)| k == kind) {
                problems.push(format!(
                    "{} frame {n}: tshark {kind}, eavesdrop {:?}",
                    f.display(),
                    ours.get(&n)
                ));
            }
            previous = n;
        }
    }
    eprintln!("{compared} XMPP frames compared");
    assert!(compared >= 14, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What an observer learns from PostgreSQL, Redis, SOCKS and MQTT sessions, as a set
/// per capture: user names, databases, passwords, SQL, Redis commands and AUTH
/// arguments, SOCKS destinations, MQTT client IDs and topics. tshark's side, with
/// PostgreSQL also decoded on 5433 (where scripts/make-db-captures.sh runs it).
fn tshark_db_facts(file: &Path, decode: Option<&str>) -> std::collections::BTreeSet<String> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-d", "tcp.port==5433,pgsql"]);
    if let Some(d) = decode {
        cmd.args(["-d", d]);
    }
    let out = cmd
        .arg("-r")
        .arg(file)
        .args([
            "-Y",
            "pgsql or resp or socks or mqtt",
            "-T",
            "fields",
            "-E",
            "aggregator=\u{1f}",
        ])
        .args(["-e", "pgsql.parameter_name", "-e", "pgsql.parameter_value"])
        .args([
            "-e",
            "pgsql.password",
            "-e",
            "pgsql.query",
            "-e",
            "pgsql.type",
        ])
        .args(["-e", "resp.bulk_string.value", "-e", "resp.array.length"])
        .args(["-e", "socks.username", "-e", "socks.password"])
        .args([
            "-e",
            "socks.remote_name",
            "-e",
            "socks.dst",
            "-e",
            "socks.dstport",
        ])
        .args([
            "-e",
            "mqtt.clientid",
            "-e",
            "mqtt.username",
            "-e",
            "mqtt.passwd",
        ])
        .args([
            "-e",
            "mqtt.topic",
            "-e",
            "tcp.dstport",
            "-e",
            "mqtt.willtopic",
        ])
        .args([
            "-e",
            "tcp.stream",
            "-e",
            "socks.command",
            "-e",
            "socks.v4a_dns_name",
            "-e",
            "socks.dstV6",
        ])
        .output()
        .expect("tshark");
    let mut facts = std::collections::BTreeSet::new();
    let mut socks_streams = std::collections::BTreeSet::new();
    let unhex = |h: &str| {
        let bytes: Vec<u8> = (0..h.len() / 2)
            .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    for line in text(&out.stdout).lines() {
        let f: Vec<Vec<&str>> = line
            .split('\t')
            .map(|c| c.split('\u{1f}').filter(|v| !v.is_empty()).collect())
            .collect();
        let col = |i: usize| f.get(i).cloned().unwrap_or_default();
        // Startup parameters only: ParameterStatus names the same words.
        if col(4).contains(&"Startup message") {
            for (n, v) in col(0).iter().zip(col(1)) {
                match *n {
                    "user" => facts.insert(format!("pgsql-user:{v}")),
                    "database" => facts.insert(format!("pgsql-database:{v}")),
                    _ => false,
                };
            }
        }
        for p in col(2) {
            facts.insert(format!("pgsql-password:{p}"));
        }
        for q in col(3) {
            facts.insert(format!(
                "pgsql-query:{}",
                q.chars().take(40).collect::<String>()
            ));
        }
        // A client's array of bulk strings: the command, and AUTH's arguments.
        let to_redis = col(16).first().is_some_and(|p| *p == "6379");
        let bulks: Vec<String> = col(5).iter().map(|h| unhex(h)).collect();
        if to_redis && !col(6).is_empty() {
            if let Some(cmd) = bulks.first() {
                let cmd = cmd.to_ascii_uppercase();
                facts.insert(format!("redis-command:{cmd}"));
                match (cmd.as_str(), bulks.len()) {
                    ("AUTH", 2) => facts.insert(format!("redis-auth:password={}", bulks[1])),
                    ("AUTH", 3) => facts.insert(format!(
                        "redis-auth:user={} password={}",
                        bulks[1], bulks[2]
                    )),
                    _ => false,
                };
            }
        }
        for u in col(7) {
            facts.insert(format!("socks-user:{u}"));
        }
        for p in col(8) {
            facts.insert(format!("socks-password:{p}"));
        }
        // The first request of a connection names the destination (tshark repeats its
        // fields on later frames of the tunnel, and its ports are not always on the
        // request's frame: hosts are compared).
        if !col(19).is_empty() && socks_streams.insert(col(18).first().map(|x| x.to_string())) {
            let v6 = col(21).first().map(|a| format!("[{a}]"));
            let host = col(20)
                .first()
                .or(col(9).first())
                .or(col(10).first())
                .map(|h| h.to_string())
                .or(v6);
            if let Some(h) = host {
                facts.insert(format!("socks-destination:{h}"));
            }
        }
        for c in col(12) {
            facts.insert(format!("mqtt-client:{c}"));
        }
        for u in col(13) {
            facts.insert(format!("mqtt-user:{u}"));
        }
        for p in col(14) {
            facts.insert(format!("mqtt-password:{p}"));
        }
        // Topics published and subscribed to, and CONNECT's will topic.
        for t in col(15).iter().chain(col(17).iter()) {
            facts.insert(format!("mqtt-topic:{t}"));
        }
    }
    facts
}

/// The same facts from eavesdrop: the leaks of `flows --json`, the SQL and the
/// commands of `show --json`'s descriptions.
fn eavesdrop_db_facts(file: &Path) -> std::collections::BTreeSet<String> {
    let mut facts = std::collections::BTreeSet::new();
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let stack = v["stack"].to_string();
        for leak in v["leaks"].as_array().into_iter().flatten() {
            let (kind, value) = (
                leak["kind"].as_str().unwrap_or(""),
                leak["value"].as_str().unwrap_or(""),
            );
            let proto = ["PostgreSQL", "Redis", "SOCKS", "MQTT"]
                .into_iter()
                .find(|p| stack.contains(p));
            let fact = match (proto, kind) {
                (Some("PostgreSQL"), "identity") => value
                    .strip_prefix("user=")
                    .map(|u| format!("pgsql-user:{u}")),
                (Some("PostgreSQL"), "URL") => value
                    .strip_prefix("database=")
                    .map(|d| format!("pgsql-database:{d}")),
                (Some("PostgreSQL"), "credential") => value
                    .strip_prefix("password=")
                    .or(value.strip_prefix("password-hash="))
                    .map(|p| format!("pgsql-password:{p}")),
                (Some("Redis"), "credential") => Some(format!("redis-auth:{value}")),
                (Some("SOCKS"), "identity") => value
                    .strip_prefix("user=")
                    .map(|u| format!("socks-user:{u}")),
                (Some("SOCKS"), "credential") => value
                    .split_once(" password=")
                    .map(|(_, p)| format!("socks-password:{p}")),
                (Some("MQTT"), "identity") => value
                    .strip_prefix("client=")
                    .map(|c| format!("mqtt-client:{c}"))
                    .or(value
                        .strip_prefix("user=")
                        .map(|u| format!("mqtt-user:{u}"))),
                (Some("MQTT"), "credential") => value
                    .split_once(" password=")
                    .map(|(_, p)| format!("mqtt-password:{p}")),
                (Some("MQTT"), "URL") => value
                    .strip_prefix("topic=")
                    .map(|t| format!("mqtt-topic:{t}")),
                _ => None,
            };
            facts.extend(fact);
        }
    }
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let desc = v["description"].as_str().unwrap_or("");
        let from_client = v["direction"] == "to_server";
        // SQL runs to the next message a client sends with it.
        for (tag, sep) in [("Query: ", None), ("Parse", Some(": "))] {
            if !from_client {
                break;
            }
            let mut rest = desc;
            while let Some(at) = rest.find(tag) {
                let mut q = &rest[at + tag.len()..];
                if let Some(sep) = sep {
                    match q.split_once(sep) {
                        Some((_, after)) => q = after,
                        None => break,
                    }
                }
                let end = [
                    ", Sync",
                    ", Bind",
                    ", Describe",
                    ", Execute",
                    ", Parse",
                    ", Query",
                    ", Flush",
                    ", Close",
                    ", Terminate",
                ]
                .iter()
                .filter_map(|n| q.find(n))
                .min()
                .unwrap_or(q.len());
                facts.insert(format!(
                    "pgsql-query:{}",
                    q[..end].chars().take(40).collect::<String>()
                ));
                rest = &q[end..];
            }
        }
        // SOCKS requests name the destination: its host is compared.
        for item in desc.split(", ") {
            if let Some((_, dest)) = item
                .strip_prefix("SOCKS")
                .and_then(|i| i.split_once(" CONNECT "))
            {
                let dest = dest.split(" user=").next().unwrap_or(dest);
                let host = dest.rsplit_once(':').map_or(dest, |(h, _)| h);
                facts.insert(format!("socks-destination:{host}"));
            }
        }
        // The first command a client frame carries.
        if v["direction"] == "to_server" {
            if let Some(first) = desc.strip_prefix("Redis ") {
                let cmd = first.split([' ', ',']).next().unwrap_or("");
                facts.insert(format!("redis-command:{cmd}"));
            }
        }
    }
    facts
}

/// Disagreements on PostgreSQL, Redis, SOCKS and MQTT facts, each with its reason.
const DB_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    // tshark's RESP dissector reads RESP only; inline commands (a telnet user's) are not
    // RESP arrays, and eavesdrop names them.
    (
        "redis-auth.pcap",
        "redis-command:CLIENT",
        "tshark-limitation: inline command",
    ),
    (
        "redis-auth.pcap",
        "redis-command:KEYS",
        "tshark-limitation: inline command",
    ),
    (
        "redis-auth.pcap",
        "redis-command:QUIT",
        "tshark-limitation: inline command",
    ),
];

#[test]
fn database_cache_proxy_and_broker_facts_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files: Vec<(PathBuf, Option<&str>)> = [
        "pgsql-md5.pcap",
        "pgsql-scram.pcap",
        "redis-auth.pcap",
        "socks5-auth.pcap",
        "mqtt-auth.pcap",
    ]
    .iter()
    .map(|f| (capture(f), None))
    .collect();
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let root = Path::new(&dir);
        for (f, decode) in DB_CORPUS {
            files.push((root.join(f), *decode));
        }
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (f, decode) in &files {
        let (theirs, ours) = (tshark_db_facts(f, *decode), eavesdrop_db_facts(f));
        compared += theirs.len();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for (side, fact) in theirs
            .difference(&ours)
            .map(|x| ("tshark only", x))
            .chain(ours.difference(&theirs).map(|x| ("eavesdrop only", x)))
        {
            match DB_DISAGREEMENTS
                .iter()
                .find(|(file, k, _)| name == *file && fact == k)
            {
                Some(known) => {
                    used.insert(*known);
                }
                None => problems.push(format!("{}: {side}: {fact}", f.display())),
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|(f, _)| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for known in DB_DISAGREEMENTS {
        if names.iter().any(|n| n == known.0) && !used.contains(known) {
            problems.push(format!("{} {}: no longer occurs", known.0, known.1));
        }
    }
    eprintln!("{compared} PostgreSQL/Redis/SOCKS/MQTT facts read by tshark compared");
    assert!(compared >= 20, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Corpus captures with PostgreSQL, Redis, SOCKS or MQTT (`tshark -Y 'pgsql or resp
/// or socks or mqtt'` finds them on their standard ports; SOCKS on other ports is
/// decoded as SOCKS by tshark's decode-as). The corpus has no Redis or MQTT capture.
const DB_CORPUS: &[(&str, Option<&str>)] = &[
    ("arkime/postgres-badpass.pcap", None),
    ("arkime/postgres-good.pcap", None),
    ("arkime/postgres-no-sslrequest.pcap", None),
    ("arkime/socks-http-example.pcap", None),
    ("arkime/socks-http-pass.pcap", None),
    ("arkime/socks-https-example.pcap", None),
    ("arkime/socks5-smtp-503.pcap", None),
    ("arkime/socks5-http-302.pcap", Some("tcp.port==21477,socks")),
    (
        "arkime/socks5-http-302-frag.pcap",
        Some("tcp.port==21477,socks"),
    ),
    ("arkime/socks5-rdp.pcap", Some("tcp.port==42356,socks")),
    ("arkime/socks4-https.pcap", Some("tcp.port==9901,socks")),
    ("ndpi/pgsql.pcap", None),
    ("ndpi/pgsql2.pcapng", Some("tcp.port==60102,pgsql")),
    ("ndpi/tls_heur__shadowsocks-tcp.pcapng", None),
    ("ndpi/tls_heur__trojan-tcp-tls.pcapng", None),
    ("ndpi/tls_heur__vmess-tcp-tls.pcapng", None),
    ("ndpi/tls_heur__vmess-tcp.pcapng", None),
    ("ndpi/tls_heur__vmess-websocket.pcapng", None),
    (
        "suricata-verify/pgsql/pgsql-pwd-output-disabled/input.pcap",
        None,
    ),
    (
        "suricata-verify/pgsql/pgsql-simple-query-rollback/input.pcap",
        None,
    ),
    (
        "suricata-verify/pgsql/pgsql-ssl-rejected-md5-auth-simple-query/input.pcap",
        None,
    ),
    ("suricata-verify/pgsql/pgsql-upgrade-tls/input.pcap", None),
];

//! JSON Lines output (docs/json.md): every line of `show --json`, `flows --json` and
//! `check --json` on every sample capture is valid against docs/eavesdrop.schema.json
//! (checked by Python's jsonschema, an independent validator), and carries the facts
//! the text output shows.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn json_lines(args: &[&str]) -> (Vec<Value>, String) {
    let out = run(args);
    let text = text(&out.stdout);
    let values = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (values, text)
}

fn validator_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && peers_required() {
        panic!("python3-jsonschema is required (EAVESDROP_REQUIRE_PEERS) but not installed");
    }
    ok
}

/// Validates JSON Lines with Python's jsonschema; returns the error messages.
fn validate(lines: &str) -> Vec<String> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = tempdir(&format!("json-validate-{n}"));
    let data = dir.join("out.jsonl");
    std::fs::write(&data, lines).unwrap();
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema)
bad = 0
for n, line in enumerate(open(sys.argv[2]), 1):
    for e in v.iter_errors(json.loads(line)):
        bad += 1
        print(f"line {n}: {'/'.join(map(str, e.absolute_path))}: {e.message}"[:400])
        if bad > 20: sys.exit(1)
sys.exit(1 if bad else 0)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(repo().join("docs/eavesdrop.schema.json"))
        .arg(&data)
        .output()
        .expect("python3");
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Vec::new()
    } else {
        let mut e: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
        e.push(text(&out.stderr));
        e
    }
}

#[test]
fn every_output_validates_against_the_schema() {
    if !validator_available() {
        eprintln!("python3 jsonschema not installed: skipped");
        return;
    }
    let mut all = String::new();
    let mut types = std::collections::BTreeSet::new();
    for file in sample_captures() {
        let f = file.to_str().unwrap();
        for args in [
            vec!["show", "--json", f],
            vec!["flows", "--json", f],
            vec![
                "check",
                "--json",
                "--deny",
                "plaintext",
                "--deny",
                "credentials",
                "--deny",
                "undecoded",
                "--min-tls",
                "1.3",
                "--deny-sni",
                "local*",
                f,
            ],
        ] {
            let (values, text) = json_lines(&args);
            assert!(!values.is_empty(), "{args:?}");
            for v in &values {
                types.insert(v["type"].as_str().unwrap().to_string());
            }
            all.push_str(&text);
        }
        // With the endpoints' key log: decrypted units, plaintext, digests.
        let keylog = file.with_extension("keylog");
        if keylog.exists() {
            let k = keylog.to_str().unwrap();
            for args in [
                vec!["show", "--json", "--json-plaintext", "--keylog", k, f],
                vec!["flows", "--json", "--keylog", k, f],
            ] {
                let (values, text) = json_lines(&args);
                assert!(!values.is_empty(), "{args:?}");
                all.push_str(&text);
            }
        }
    }
    for t in ["frame", "flow", "summary", "violation", "check"] {
        assert!(types.contains(t), "no {t} object was produced: {types:?}");
    }
    let errors = validate(&all);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn schema_rejects_what_it_should() {
    if !validator_available() {
        return;
    }
    // A wrong type, a missing key, an unknown key: each must fail, or the schema is lax.
    let bad = [
        r#"{"type":"frame","version":1}"#,
        r#"{"type":"flow","version":2}"#,
        r#"{"type":"summary","version":1,"file":"x","frames":-1,"flows":0,"tcp_flows":0,"udp_flows":0,"tls_flows":0,"bytes":{"leak":0,"header":0,"readable":0,"opaque":0,"undecoded":0},"payload":{"leak":0,"header":0,"readable":0,"opaque":0,"undecoded":0},"notes":{},"forced_releases":0,"evicted_flows":0,"unsupported_links":[]}"#,
        r#"{"type":"check","version":1,"file":"x","passed":true,"violations":0,"flows":0,"rules":[],"tls_version_unknown":0,"extra":1}"#,
    ];
    for b in bad {
        assert!(!validate(&format!("{b}\n")).is_empty(), "accepted: {b}");
    }
}

#[test]
fn flow_objects_carry_tls_facts_as_plain_values() {
    let (values, _) = json_lines(&[
        "flows",
        "--json",
        capture("tls12-echo.pcapng").to_str().unwrap(),
    ]);
    let flow = values.iter().find(|v| v["type"] == "flow").unwrap();
    assert_eq!(flow["tls"]["sni"], "localhost");
    assert_eq!(flow["tls"]["version"]["id"], 0x0303);
    assert_eq!(flow["tls"]["version"]["name"], "TLSv1.2");
    assert_eq!(
        flow["tls"]["cipher"]["name"],
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    );
    assert_eq!(flow["tls"]["cipher"]["id"], 0xc02f);
    assert_eq!(flow["stack"], serde_json::json!(["TCP", "TLS 1.2"]));
    assert!(flow["tls"]["certificates"][0]["issuer"]
        .as_str()
        .unwrap()
        .contains("Eavesdrop Teaching CA"));
    let summary = values.last().unwrap();
    assert_eq!(summary["type"], "summary");
    // Frames: spans cover the frame; leaks carry short values.
    let (frames, _) = json_lines(&[
        "show",
        "--json",
        capture("tls12-echo.pcapng").to_str().unwrap(),
    ]);
    let hello = frames
        .iter()
        .find(|f| {
            f["description"]
                .as_str()
                .is_some_and(|d| d.contains("ClientHello"))
        })
        .unwrap();
    let spans = hello["spans"].as_array().unwrap();
    let sni = spans
        .iter()
        .find(|s| s["field"] == "tls.handshake.extensions_server_name")
        .unwrap();
    assert_eq!(sni["value"], "localhost");
    assert_eq!(sni["label"], "leak");
    let src = spans.iter().find(|s| s["field"] == "ip.src").unwrap();
    assert_eq!(src["value"], "127.0.0.1");
    // Spans tile the frame: sorted, no overlap, within caplen.
    let caplen = hello["caplen"].as_u64().unwrap();
    let mut pos = 0;
    for s in spans {
        let (a, b) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
        assert!(a >= pos && b > a && b <= caplen, "{s}");
        pos = b;
    }
    let counts: u64 = hello["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counts, caplen);
}

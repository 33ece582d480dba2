//! What encryption gives away, checked against the truth: for every sample capture
//! with a key log, tshark decrypts the application data (`-z follow,tls,raw`), and the
//! plaintext lengths eavesdrop infers from record sizes alone (`flows --json`
//! `messages`) must bound it: per direction, the true byte count lies between the
//! sums of the inferred minima and maxima, and equals them where the suite allows
//! exactness (AEAD TLS 1.2).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Decrypted application bytes per stream from tshark's follow output: the two
/// endpoints (`ip:port`, node 0 first) and the bytes each sent.
fn tshark_truth(
    cap: &str,
    keylog: &str,
    proto: &str,
    streams: usize,
) -> Vec<Option<([String; 2], [u64; 2])>> {
    let mut out = Vec::new();
    for stream in 0..streams {
        let spec = match proto {
            "quic" => format!("follow,quic,raw,{stream},0"),
            _ => format!("follow,tls,raw,{stream}"),
        };
        let o = Command::new("tshark")
            .args(["-n", "-r", cap, "-o"])
            .arg(format!("tls.keylog_file:{keylog}"))
            .args(["-q", "-z", &spec])
            .output()
            .unwrap();
        let text = text(&o.stdout);
        let node = |n: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(n))
                .map(str::to_string)
        };
        let (Some(n0), Some(n1)) = (node("Node 0: "), node("Node 1: ")) else {
            break;
        };
        if n0 == ":0" && n1 == ":0" {
            // A stream with no application data (or past the last one).
            out.push(None);
            continue;
        }
        let mut bytes = [0u64; 2];
        for line in text.lines() {
            if line.starts_with("===") || line.contains(':') || line.trim().is_empty() {
                continue;
            }
            let dir = usize::from(line.starts_with('\t'));
            bytes[dir] += line.trim().len() as u64 / 2;
        }
        out.push(Some(([n0, n1], bytes)));
    }
    out
}

/// Inferred plaintext bounds per flow, in flow order (tshark's stream order): the
/// client and server endpoints, [min, max] to the server, [min, max] to the client,
/// and whether any message was dropped.
type Inferred = (String, String, [u64; 2], [u64; 2], bool);
fn inferred(cap: &str) -> Vec<Inferred> {
    let out = run(&["flows", "--json", cap]);
    let mut map = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "flow" {
            continue;
        }
        let ep = |e: &serde_json::Value| {
            let ip = e["ip"].as_str().unwrap();
            if ip.contains(':') {
                format!("[{ip}]:{}", e["port"])
            } else {
                format!("{ip}:{}", e["port"])
            }
        };
        let (client, server) = (ep(&v["client"]), ep(&v["server"]));
        let mut to_server = [0u64; 2];
        let mut to_client = [0u64; 2];
        for m in v["messages"].as_array().unwrap() {
            let range = if m["direction"] == "to_server" {
                &mut to_server
            } else {
                &mut to_client
            };
            range[0] += m["plaintext_len"]["min"].as_u64().unwrap();
            range[1] += m["plaintext_len"]["max"].as_u64().unwrap();
        }
        let dropped = v["messages_dropped"].as_u64().unwrap() > 0;
        map.insert(
            v["id"].as_u64().unwrap(),
            (client, server, to_server, to_client, dropped),
        );
    }
    map.into_values().collect()
}

#[test]
fn inferred_message_sizes_bound_the_true_plaintext() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    // (capture, key log, protocol, exact): exact where every record is AEAD TLS 1.2.
    let cases = [
        ("tls12-echo.pcapng", "tls12-echo.keylog", "tls", true),
        (
            "tls12-resumption.pcap",
            "tls12-resumption.keylog",
            "tls",
            true,
        ),
        ("tls13-echo.pcapng", "tls13-echo.keylog", "tls", false),
        (
            "tls13-echo-ipv6.pcap",
            "tls13-echo-ipv6.keylog",
            "tls",
            false,
        ),
        (
            "tls13-reordered.pcap",
            "tls13-reordered.keylog",
            "tls",
            false,
        ),
        ("smtp-starttls.pcap", "smtp-starttls.keylog", "tls", false),
        ("ldap-starttls.pcap", "ldap-starttls.keylog", "tls", false),
        ("xmpp-starttls.pcap", "xmpp-starttls.keylog", "tls", false),
        ("mysql-tls.pcap", "mysql-tls.keylog", "tls", false),
        (
            "tls12-client-auth.pcap",
            "tls12-client-auth.keylog",
            "tls",
            true,
        ),
        (
            "tls13-client-auth.pcap",
            "tls13-client-auth.keylog",
            "tls",
            false,
        ),
        (
            "tls13-early-data.pcap",
            "tls13-early-data.keylog",
            "tls",
            false,
        ),
        ("quic-echo.pcap", "quic-echo.keylog", "quic", false),
    ];
    let mut checked = 0;
    for (cap, keylog, proto, exact) in cases {
        let cap = capture(cap);
        let keylog = capture(keylog);
        let ours = inferred(cap.to_str().unwrap());
        let streams = if proto == "quic" { 1 } else { ours.len() };
        let truth = tshark_truth(
            cap.to_str().unwrap(),
            keylog.to_str().unwrap(),
            proto,
            streams,
        );
        assert!(
            !truth.is_empty(),
            "{}: tshark decrypted nothing",
            cap.display()
        );
        for (stream, t) in truth.iter().enumerate() {
            let Some((nodes, sent)) = t else { continue };
            let (client, server, to_server, to_client, dropped) = &ours[stream];
            // tshark's node 0 sent first (a node that sent nothing is ":0").
            let bytes = if nodes[0] == *client || nodes[1] == *server {
                *sent
            } else if nodes[0] == *server || nodes[1] == *client {
                [sent[1], sent[0]]
            } else {
                panic!(
                    "{}: stream {stream} {nodes:?} is not {client} → {server}",
                    cap.display()
                );
            };
            if *dropped {
                continue;
            }
            for (dir, range) in [(0, to_server), (1, to_client)] {
                let t = bytes[dir];
                assert!(
                    range[1] >= t,
                    "{} {client} dir {dir}: {t} true bytes above the inferred maximum {}",
                    cap.display(),
                    range[1]
                );
                if proto == "tls" {
                    assert!(
                        range[0] <= t,
                        "{} {client} dir {dir}: {t} true bytes below the inferred minimum {}",
                        cap.display(),
                        range[0]
                    );
                }
                if exact {
                    assert_eq!(range[0], t, "{} {client} dir {dir}: exact", cap.display());
                    assert_eq!(range[1], t, "{} {client} dir {dir}: exact", cap.display());
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "{checked} directions checked");
}

/// What the client sent in TLS 1.3 is its messages, neither less nor more: not its
/// handshake when that takes more than its Finished (a Certificate and
/// CertificateVerify the server asked for, OpenSSL sending each in a record of its
/// own; an empty Certificate from the MySQL client; an EndOfEarlyData), and with the
/// 0-RTT data it sent before the ServerHello. Neither OpenSSL client pads, so what
/// the client sent is the sum of its messages' maxima, less a closing alert's 2 bytes
/// (it was 316 and 52 bytes more when only the first encrypted record counted as the
/// handshake, and the early data was not counted).
#[test]
fn a_tls13_client_sent_its_messages_and_no_handshake() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    for (name, connections) in [
        ("tls13-client-auth", 1),
        ("mysql-tls", 1),
        ("tls13-early-data", 2),
    ] {
        let cap = capture(&format!("{name}.pcap"));
        let keylog = capture(&format!("{name}.keylog"));
        let cap = cap.to_str().unwrap();
        let ours = inferred(cap);
        let truth = tshark_truth(cap, keylog.to_str().unwrap(), "tls", ours.len());
        let mut checked = 0;
        for (t, (client, _, to_server, _, dropped)) in truth.into_iter().zip(&ours) {
            let Some((nodes, sent)) = t else { continue };
            assert!(!dropped);
            let sent = if nodes[0] == *client {
                sent[0]
            } else {
                sent[1]
            };
            assert!(sent > 0, "{name}: the client sent nothing");
            // (A closing alert is a 2-byte record no observer can tell from data.)
            assert!(
                (sent..=sent + 2).contains(&to_server[1]),
                "{name}: the client sent {sent} bytes; its messages' maxima sum to {}",
                to_server[1]
            );
            checked += 1;
        }
        assert_eq!(checked, connections, "{name}: TLS connections");
    }
}

/// Per frame, the encrypted records' inferred plaintext ranges beside what eavesdrop's
/// own decryption found in them (`show --json --keylog`). Frames whose records and
/// decrypted units do not pair one to one (a record continued from another frame) are
/// counted and skipped. Returns (records compared, exact ranges, skipped frames, wrong).
fn record_sizes_against_decryption(
    cap: &Path,
    keylog: &Path,
) -> (usize, usize, usize, Vec<String>) {
    let out = eavesdrop()
        .args(["show", "--json", "--keylog"])
        .arg(keylog)
        .arg(cap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        cap.display(),
        text(&out.stderr)
    );
    let (mut compared, mut exact, mut skipped, mut wrong) = (0, 0, 0, Vec::new());
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "frame" {
            continue;
        }
        let ranges: Vec<(u64, u64)> = v["records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["encrypted"] == true)
            .filter_map(|r| {
                let p = &r["plaintext_len"];
                Some((p["min"].as_u64()?, p["max"].as_u64()?))
            })
            .collect();
        let truths: Vec<u64> = v["decrypted"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["protocol"] == "TLS" || d["protocol"] == "DTLS")
            .filter_map(|d| d["length"].as_u64())
            .collect();
        if truths.is_empty() {
            continue;
        }
        if ranges.len() != truths.len() {
            skipped += 1;
            continue;
        }
        for ((min, max), t) in ranges.into_iter().zip(truths) {
            compared += 1;
            exact += usize::from(min == max);
            if !(min..=max).contains(&t) {
                wrong.push(format!(
                    "{} frame {}: {t} bytes decrypted, inferred {min}..={max}",
                    cap.display(),
                    v["frame"]
                ));
            }
        }
    }
    (compared, exact, skipped, wrong)
}

#[test]
fn each_decrypted_record_lies_within_its_inferred_size() {
    let mut pairs: Vec<(std::path::PathBuf, std::path::PathBuf)> = sample_captures()
        .into_iter()
        .filter_map(|c| {
            let k = c.with_extension("keylog");
            k.exists().then_some((c, k))
        })
        .collect();
    assert!(pairs.len() >= 10, "{} key-logged samples", pairs.len());
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let dir = std::path::PathBuf::from(dir);
        pairs.extend(
            CORPUS_PAIRS
                .iter()
                .map(|(c, k)| (dir.join(c), dir.join(k)))
                .filter(|(c, k)| c.exists() && k.exists()),
        );
    }
    let (mut compared, mut exact, mut skipped, mut wrong) = (0, 0, 0, Vec::new());
    let mut aead12 = (0, 0);
    for (c, k) in &pairs {
        let (n, e, s, w) = record_sizes_against_decryption(c, k);
        compared += n;
        exact += e;
        skipped += s;
        wrong.extend(w);
        // AEAD TLS 1.2 and ChaCha20 captures: every range exact.
        let name = c.file_name().unwrap().to_string_lossy();
        if ["tls12-echo", "tls12-resumption", "tls12-ccm8"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            aead12.0 += n;
            aead12.1 += e;
        }
    }
    eprintln!(
        "{compared} decrypted records in {} captures within their inferred sizes \
         ({exact} exact); {skipped} frames not paired one to one",
        pairs.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(compared >= 100, "{compared}");
    assert!(
        aead12.0 >= 10 && aead12.0 == aead12.1,
        "AEAD TLS 1.2: {aead12:?}"
    );
}

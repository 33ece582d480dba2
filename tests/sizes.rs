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
    if !have("tshark") {
        assert!(
            !peers_required(),
            "tshark is required (EAVESDROP_REQUIRE_PEERS)"
        );
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

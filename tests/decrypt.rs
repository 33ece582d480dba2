//! Decryption with the endpoints' key log, checked against tshark and against itself:
//!
//! - per flow and direction, the decrypted application data eavesdrop reports
//!   (`flows --json --keylog`: bytes and SHA-256) equals what
//!   `tshark -o tls.keylog_file:K -q -z follow,tls,raw,N` prints, on every capture in
//!   captures/ with a key log and on the development corpus's (EAVESDROP_CORPUS);
//!   exceptions are listed in [`KNOWN`] with the RFC reason;
//! - the observer's view does not change: `show --json` spans and counts are the same
//!   with and without `--keylog`;
//! - a wrong key, a key log for another capture, a malformed key log: notes, counts and
//!   errors, never a panic and never plaintext.

// A panic in a test is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{corpus_dir, eavesdrop, repo, tempdir, tshark_available, CORPUS_PAIRS};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Disagreements with tshark decided by the RFCs: (capture, client endpoint, why).
const KNOWN: &[(&str, &str, &str)] = &[(
    "tls13-reordered.pcap",
    "127.0.0.1:54364",
    "tshark 4.0 does not reassemble this reordered, duplicated stream (not even with \
     tcp.reassemble_out_of_order) and decrypts nothing; eavesdrop's bytes to the server \
     equal tshark's on the same session in order (tls13-bulk.pcap), and to the client it \
     decrypts the 3 of 4 records the capture holds whole (one segment is lost: RFC 8446 \
     section 5.2 leaves a record without all its bytes unopenable)",
)];

/// Per direction: (bytes, sha256 hex).
type Dirs = [(u64, String); 2];

fn digest(bytes: &[u8]) -> (u64, String) {
    (bytes.len() as u64, hex::encode(Sha256::digest(bytes)))
}

/// tshark's decrypted application data per TCP stream, keyed by the client endpoint
/// (`ip:port`, tshark's "Node 0", the side that sent the stream's first packet).
/// `decode_as`: tshark `-d` arguments for servers on ports it does not know.
fn tshark_follow(file: &Path, keylog: &Path, decode_as: &[String]) -> BTreeMap<String, Dirs> {
    let pref = format!("tls.keylog_file:{}", keylog.display());
    let mut d: Vec<String> = Vec::new();
    for a in decode_as {
        d.push("-d".into());
        d.push(a.clone());
    }
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-o", &pref])
        .args(&d)
        .args(["-Y", "tls", "-T", "fields", "-e", "tcp.stream"])
        .output()
        .expect("tshark");
    let mut streams: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    streams.sort_unstable();
    streams.dedup();
    // Each stream's client: the source of its first packet.
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-Y",
            "tcp",
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "ip.src",
            "-e",
            "ipv6.src",
            "-e",
            "tcp.srcport",
        ])
        .output()
        .expect("tshark");
    let mut clients: BTreeMap<u64, String> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if let [s, v4, v6, port] = f[..] {
            if let Ok(s) = s.parse::<u64>() {
                let ip = if v4.is_empty() { v6 } else { v4 };
                clients.entry(s).or_insert_with(|| format!("{ip}:{port}"));
            }
        }
    }
    let mut result = BTreeMap::new();
    for s in streams {
        let out = Command::new("tshark")
            .args(["-n", "-r"])
            .arg(file)
            .args(["-o", &pref, "-o", "tcp.reassemble_out_of_order:TRUE"])
            .args(&d)
            .args(["-q", "-z", &format!("follow,tls,raw,{s}")])
            .output()
            .expect("tshark");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut node0 = String::new();
        let mut data: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
        for line in text.lines() {
            if let Some(n) = line.strip_prefix("Node 0: ") {
                node0 = n.trim().to_string();
            } else if line.starts_with('=')
                || line.starts_with("Follow:")
                || line.starts_with("Filter:")
                || line.starts_with("Node ")
            {
                continue;
            } else if let Some(h) = line.strip_prefix('\t') {
                data[1].extend(hex::decode(h.trim()).unwrap_or_default());
            } else if !line.trim().is_empty() {
                data[0].extend(hex::decode(line.trim()).unwrap_or_default());
            }
        }
        // Node 0 is whichever side tshark met first; the client is the stream's first
        // packet's source.
        let Some(client) = clients.get(&s) else {
            continue;
        };
        let [a, b] = data;
        let (to_server, to_client) = if normalise(&node0) == *client || node0.is_empty() {
            (a, b)
        } else {
            (b, a)
        };
        result.insert(client.clone(), [digest(&to_server), digest(&to_client)]);
    }
    result
}

fn normalise(endpoint: &str) -> String {
    let e = endpoint.trim_start_matches('[').replace("]:", ":");
    e.to_string()
}

/// tshark's dissector for the first protocol of an eavesdrop stack.
fn tshark_name(layer: &str) -> Option<&'static str> {
    Some(match layer {
        l if l.starts_with("TLS") => "tls",
        "SMTP" => "smtp",
        "LDAP" => "ldap",
        "XMPP" => "xmpp",
        "MySQL" => "mysql",
        "IMAP" => "imap",
        "POP3" => "pop",
        "HTTP" => "http",
        "PostgreSQL" => "pgsql",
        "FTP" => "ftp",
        _ => return None,
    })
}

/// eavesdrop's decrypted application data per flow, keyed by the client endpoint,
/// and tshark `-d` arguments for the servers' ports.
fn eavesdrop_follow(file: &Path, keylog: &Path) -> (BTreeMap<String, Dirs>, Vec<String>) {
    let mut decode_as = Vec::new();
    let out = eavesdrop()
        .args(["flows", "--json", "--keylog"])
        .arg(keylog)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(2),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut result = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["type"] != "flow" || v["transport"] != "tcp" || v["decryption"].is_null() {
            continue;
        }
        if let Some(name) = v["stack"][1].as_str().and_then(tshark_name) {
            let a = format!("tcp.port=={},{name}", v["server"]["port"]);
            if !decode_as.contains(&a) {
                decode_as.push(a);
            }
        }
        let client = format!(
            "{}:{}",
            v["client"]["ip"].as_str().unwrap(),
            v["client"]["port"]
        );
        let dir = |k: &str| -> (u64, String) {
            let d = &v[k]["decrypted"];
            (
                d["bytes"].as_u64().unwrap_or(0),
                d["sha256"].as_str().unwrap_or("").to_string(),
            )
        };
        result.insert(client, [dir("to_server"), dir("to_client")]);
    }
    (result, decode_as)
}

/// Compares one capture: (directions that agree, disagreements in words).
fn compare(file: &Path, keylog: &Path) -> (usize, Vec<String>) {
    let (ours, decode_as) = eavesdrop_follow(file, keylog);
    let theirs = tshark_follow(file, keylog, &decode_as);
    let empty = digest(&[]);
    let mut agree = 0;
    let mut differ = Vec::new();
    for (client, t) in &theirs {
        let o = ours.get(client);
        for (i, name) in ["to_server", "to_client"].iter().enumerate() {
            let mine = o.map_or(&empty, |o| &o[i]);
            if mine == &t[i] {
                agree += 1;
            } else {
                differ.push(format!(
                    "{} {client} {name}: tshark {} bytes, eavesdrop {} bytes",
                    file.display(),
                    t[i].0,
                    mine.0
                ));
            }
        }
    }
    // Flows eavesdrop decrypted that tshark did not list.
    for (client, o) in &ours {
        if !theirs.contains_key(client) && (o[0].0 > 0 || o[1].0 > 0) {
            differ.push(format!(
                "{} {client}: eavesdrop decrypted {} + {} bytes, tshark none",
                file.display(),
                o[0].0,
                o[1].0
            ));
        }
    }
    (agree, differ)
}

fn known(line: &str) -> bool {
    KNOWN
        .iter()
        .any(|(f, c, _)| line.contains(f) && line.contains(c))
}

/// The captures in captures/ that come with a key log.
fn sample_pairs() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for c in common::sample_captures() {
        let stem = c.file_stem().unwrap().to_string_lossy().to_string();
        let k = repo().join("captures").join(format!("{stem}.keylog"));
        if k.exists() {
            out.push((c, k));
        }
    }
    out
}

#[test]
fn decrypted_application_data_equals_tsharks_on_sample_captures() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let pairs = sample_pairs();
    assert!(pairs.len() >= 10, "captures with key logs: {}", pairs.len());
    let mut agree = 0;
    let mut differ = Vec::new();
    for (c, k) in &pairs {
        if c.to_string_lossy().contains("quic") {
            continue;
        }
        let (a, d) = compare(c, k);
        agree += a;
        differ.extend(d.into_iter().filter(|l| !known(l)));
    }
    eprintln!("{agree} directions agree with tshark");
    assert!(agree >= 20, "{agree}");
    assert!(differ.is_empty(), "disagreements:\n{}", differ.join("\n"));
}

#[test]
fn decrypted_application_data_equals_tsharks_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut agree = 0;
    let mut differ = Vec::new();
    for (c, k) in CORPUS_PAIRS {
        let (c, k) = (dir.join(c), dir.join(k));
        if !c.exists() || !k.exists() {
            continue;
        }
        let (a, d) = compare(&c, &k);
        agree += a;
        differ.extend(d.into_iter().filter(|l| !known(l)));
    }
    eprintln!("{agree} directions agree with tshark on the corpus");
    assert!(differ.is_empty(), "disagreements:\n{}", differ.join("\n"));
}

/// `show --json` without the `decrypted` key: what an observer sees.
fn observer_view(file: &Path, keylog: Option<&Path>) -> Vec<Value> {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]);
    if let Some(k) = keylog {
        cmd.arg("--keylog").arg(k);
    }
    let out = cmd.arg(file).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(o) = v.as_object_mut() {
                o.remove("decrypted");
                // The packet line's "— decrypted: …" suffix is the key holder's.
                if let Some(Value::String(line)) = o.get_mut("line") {
                    if let Some(i) = line.find(" \u{2014} decrypted: ") {
                        line.truncate(i);
                    }
                }
                // Notes about decryption itself are the key holder's too.
                if let Some(Value::Array(notes)) = o.get_mut("notes") {
                    notes.retain(|n| {
                        let t = n["text"].as_str().unwrap_or("");
                        !t.contains("not decrypted")
                            && !t.contains("key log")
                            && !t.contains("does not decrypt")
                    });
                }
                if o.get("type") == Some(&Value::String("summary".into())) {
                    o.remove("notes");
                }
            }
            v
        })
        .collect()
}

#[test]
fn the_observers_byte_map_is_the_same_with_and_without_keys() {
    for (c, k) in sample_pairs() {
        let without = observer_view(&c, None);
        let with = observer_view(&c, Some(&k));
        assert_eq!(without.len(), with.len(), "{}", c.display());
        for (a, b) in without.iter().zip(&with) {
            assert_eq!(a, b, "{}: frame {}", c.display(), a["frame"]);
        }
    }
}

#[test]
fn show_prints_the_message_the_observer_could_not_read() {
    for name in ["tls12-echo", "tls13-echo"] {
        let c = common::sample_captures()
            .into_iter()
            .find(|p| p.file_stem().unwrap() == name)
            .unwrap();
        let k = repo().join(format!("captures/{name}.keylog"));
        let out = eavesdrop()
            .args(["show", "--keylog"])
            .arg(&k)
            .arg(&c)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(
                "\u{bb}0x0000:  5369 6d70 6c65 2069 7320 6265 7474 6572  Simple.is.better"
            ),
            "{name}:\n{text}"
        );
        assert!(text.contains("\u{2014} decrypted: "), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("key log: 1 of 1 session decrypted"), "{err}");
        // The key log's secrets are never printed.
        let secret = std::fs::read_to_string(&k).unwrap();
        for line in secret.lines() {
            if let Some(s) = line.split_whitespace().nth(2) {
                assert!(
                    !text.contains(s) && !err.contains(s),
                    "a secret was printed"
                );
            }
        }
    }
}

/// 0-RTT: the resumed connection's early data opens with the client's early traffic
/// secret, chosen among the suites the ClientHello offered before any ServerHello
/// names one, then its EndOfEarlyData, its Finished under the handshake secret and
/// its message under the application one; the compatibility ChangeCipherSpec right
/// after the ClientHello is not taken for TLS 1.2's (which left a note that the key
/// log had no secrets for the session).
#[test]
fn early_data_opens_with_the_early_secret() {
    let c = repo().join("captures/tls13-early-data.pcap");
    let k = repo().join("captures/tls13-early-data.keylog");
    let out = eavesdrop()
        .args(["show", "--keylog"])
        .arg(&k)
        .arg(&c)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("key log: 2 of 2 sessions decrypted"), "{err}");
    assert!(err.contains("notes: none"), "{err}");
    // "Simple is better than complex (early).", in the frame of the ClientHello.
    let early = text
        .lines()
        .skip_while(|l| !(l.contains("ClientHello") && l.contains("ApplicationData")))
        .take_while(|l| !l.contains("ServerHello"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(early.contains("Simple.is.better"), "{early}");
    assert!(
        early.contains("complex.(e") && early.contains("arly)."),
        "{early}"
    );
    assert!(
        text.contains("decrypted: EndOfEarlyData, Finished"),
        "{text}"
    );
}

#[test]
fn a_key_log_for_another_capture_matches_nothing_and_a_wrong_key_is_a_note() {
    let c = repo().join("captures/tls12-echo.pcapng");
    let other = repo().join("captures/tls13-echo.keylog");
    let out = eavesdrop()
        .args(["flows", "--keylog"])
        .arg(&other)
        .arg(&c)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("key log: 0 of 1 session decrypted;") && err.contains("matched no session"),
        "{err}"
    );
    // The right client random with a wrong master secret.
    let right = std::fs::read_to_string(repo().join("captures/tls12-echo.keylog")).unwrap();
    let wrong: String = right
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() == 3 {
                format!("{} {} {}\n", f[0], f[1], "00".repeat(f[2].len() / 2))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let dir = tempdir("wrongkey");
    let k = dir.join("wrong.keylog");
    std::fs::write(&k, wrong).unwrap();
    let out = eavesdrop()
        .args(["show", "--no-hex", "--keylog"])
        .arg(&k)
        .arg(&c)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("key log does not decrypt this session"),
        "{text}"
    );
    assert!(!text.contains("decrypted: "), "nothing shown as plaintext");
    assert!(!text.contains("Simple is better"));
    // A malformed key log: exit 2, its line number.
    std::fs::write(&k, "# fine\nCLIENT_RANDOM zz 00\n").unwrap();
    let out = eavesdrop()
        .args(["flows", "--keylog"])
        .arg(&k)
        .arg(&c)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// QUIC: per connection and direction, the STREAM bytes tshark follows
/// (`-z follow,quic,raw,C,S` over every stream) against eavesdrop's decrypted totals:
/// byte counts always, the SHA-256 when the connection has one stream (eavesdrop
/// hashes STREAM data in packet order, which across streams is not tshark's order).
fn compare_quic(file: &Path, keylog: Option<&Path>) -> (usize, Vec<String>) {
    let mut pref: Vec<String> = Vec::new();
    if let Some(k) = keylog {
        pref.push("-o".into());
        pref.push(format!("tls.keylog_file:{}", k.display()));
    }
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(&pref)
        .args([
            "-Y",
            "quic.stream_data",
            "-T",
            "fields",
            "-e",
            "quic.connection.number",
        ])
        .args(["-e", "quic.stream.stream_id"])
        .output()
        .expect("tshark");
    let mut streams: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.split('\t');
        let (Some(c), Some(ids)) = (f.next(), f.next()) else {
            continue;
        };
        let Ok(c) = c.parse::<u64>() else { continue };
        for id in ids.split(',').filter_map(|i| i.parse::<u64>().ok()) {
            let v = streams.entry(c).or_default();
            if !v.contains(&id) {
                v.push(id);
            }
        }
    }
    let mut theirs: BTreeMap<String, ([Vec<u8>; 2], usize)> = BTreeMap::new();
    for (c, ids) in &streams {
        for id in ids {
            let out = Command::new("tshark")
                .args(["-n", "-r"])
                .arg(file)
                .args(&pref)
                .args(["-q", "-z", &format!("follow,quic,raw,{c},{id}")])
                .output()
                .expect("tshark");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut node0 = String::new();
            let mut data: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
            for line in text.lines() {
                if let Some(n) = line.strip_prefix("Node 0: ") {
                    node0 = normalise(n.trim());
                } else if line.starts_with('=')
                    || line.starts_with("Follow:")
                    || line.starts_with("Filter:")
                    || line.starts_with("Node ")
                {
                    continue;
                } else if let Some(h) = line.strip_prefix('\t') {
                    data[1].extend(hex::decode(h.trim()).unwrap_or_default());
                } else if !line.trim().is_empty() {
                    data[0].extend(hex::decode(line.trim()).unwrap_or_default());
                }
            }
            let e = theirs.entry(node0).or_default();
            e.0[0].extend(&data[0]);
            e.0[1].extend(&data[1]);
            e.1 += 1;
        }
    }
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]);
    if let Some(k) = keylog {
        cmd.arg("--keylog").arg(k);
    }
    let out = cmd.arg(file).output().unwrap();
    let mut agree = 0;
    let mut differ = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["type"] != "flow" || v["transport"] != "udp" || v["decryption"].is_null() {
            continue;
        }
        let ip = v["client"]["ip"].as_str().unwrap();
        let client = format!("{ip}:{}", v["client"]["port"]);
        let Some((data, n)) = theirs.get(&client) else {
            continue;
        };
        for (i, k) in ["to_server", "to_client"].iter().enumerate() {
            let d = &v[*k]["decrypted"];
            let bytes = d["bytes"].as_u64().unwrap_or(0);
            let same_len = bytes == data[i].len() as u64;
            let same_hash = *n > 1 || d["sha256"].as_str() == Some(&digest(&data[i]).1);
            if same_len && same_hash {
                agree += 1;
            } else {
                differ.push(format!(
                    "{} {client} {k}: tshark {} bytes, eavesdrop {bytes}",
                    file.display(),
                    data[i].len()
                ));
            }
        }
    }
    (agree, differ)
}

#[test]
fn quic_stream_data_equals_tsharks() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let (agree, differ) = compare_quic(
        &repo().join("captures/quic-echo.pcap"),
        Some(&repo().join("captures/quic-echo.keylog")),
    );
    assert_eq!(agree, 2, "{differ:?}");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        // Secrets in the capture's Decryption Secrets Block: no --keylog.
        let f = PathBuf::from(dir).join("ja4/chrome-cloudflare-quic-with-secrets.pcapng");
        if f.exists() {
            let (agree, differ) = compare_quic(&f, None);
            eprintln!("{agree} QUIC directions agree with tshark on the corpus");
            assert!(agree >= 2, "{differ:?}");
            assert!(differ.is_empty(), "{}", differ.join("\n"));
        }
    }
}

#[test]
fn the_servers_rsa_key_decrypts_what_the_key_log_does() {
    for name in ["tls12-rsa-cbc", "tls10-cbc", "tls12-ccm8"] {
        let c = repo().join(format!("captures/{name}.pcap"));
        let k = repo().join(format!("captures/{name}.keylog"));
        let (with_log, _) = eavesdrop_follow(&c, &k);
        let out = eavesdrop()
            .args(["flows", "--json", "--rsa-key"])
            .arg(repo().join("captures/certs/server.key"))
            .arg(&c)
            .output()
            .unwrap();
        let flow: Value = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|v| v["type"] == "flow")
            .unwrap();
        let ours = (
            flow["to_server"]["decrypted"]["sha256"].clone(),
            flow["to_client"]["decrypted"]["sha256"].clone(),
        );
        let theirs = with_log.values().next().unwrap();
        assert_eq!(ours.0.as_str(), Some(theirs[0].1.as_str()), "{name}");
        assert_eq!(ours.1.as_str(), Some(theirs[1].1.as_str()), "{name}");
        assert!(theirs[0].0 >= 31, "{name}: the message");
    }
}

#[test]
fn credentials_behind_tls_are_named_as_visible_to_the_endpoints_only() {
    let out = eavesdrop()
        .args(["flows", "--keylog"])
        .arg(repo().join("captures/smtp-starttls.keylog"))
        .arg(repo().join("captures/smtp-starttls.pcap"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("visible to the endpoints only"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("user=alice password=secret"), "{line}");
    let key = text
        .lines()
        .find(|l| l.contains("with the key log:"))
        .unwrap();
    assert!(key.contains(": SMTP ehlo client.example"), "{key}");
    // The observer's verdict and leaks do not name them.
    let verdict = text.lines().filter(|l| l.contains("verdict:"));
    assert!(verdict.clone().all(|l| !l.contains("alice")), "{text}");
}

/// tshark's decrypted DTLS application data (`data.data` of each decrypted record)
/// per UDP source port, in capture order.
fn tshark_dtls(file: &Path, keylog: &Path) -> BTreeMap<u64, Vec<u8>> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .arg("-o")
        .arg(format!("tls.keylog_file:{}", keylog.display()))
        .args(["-Y", "dtls.record.content_type == 23", "-T", "fields"])
        .args(["-e", "udp.srcport", "-e", "data.data"])
        .output()
        .unwrap();
    let mut by_port: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut cols = line.split('\t');
        let port: u64 = cols.next().unwrap().parse().unwrap();
        let data = by_port.entry(port).or_default();
        for hex_record in cols
            .next()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
        {
            data.extend(hex::decode(hex_record).unwrap());
        }
    }
    by_port
}

#[test]
fn dtls_application_data_equals_tsharks() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut agree = 0;
    let mut differ = Vec::new();
    for (file, keylog) in sample_pairs() {
        if !file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("dtls")
        {
            continue;
        }
        let theirs = tshark_dtls(&file, &keylog);
        let out = eavesdrop()
            .args(["flows", "--json", "--keylog"])
            .arg(&keylog)
            .arg(&file)
            .output()
            .unwrap();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if v["type"] != "flow" || v["transport"] != "udp" {
                continue;
            }
            assert_eq!(v["decryption"]["status"], "decrypted", "{}", file.display());
            for (key, end) in [("to_server", "client"), ("to_client", "server")] {
                let port = v[end]["port"].as_u64().unwrap();
                let want = digest(theirs.get(&port).map_or(&[][..], Vec::as_slice));
                let d = &v[key]["decrypted"];
                let mine = (
                    d["bytes"].as_u64().unwrap(),
                    d["sha256"].as_str().unwrap().to_string(),
                );
                if want.0 > 0 && mine == want {
                    agree += 1;
                } else {
                    differ.push(format!(
                        "{} {key}: tshark {} bytes, eavesdrop {}",
                        file.display(),
                        want.0,
                        mine.0
                    ));
                }
            }
        }
    }
    eprintln!("{agree} DTLS directions agree with tshark");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // dtls10-echo, dtls12-echo and dtls12-fragmented: both directions each.
    assert!(agree >= 6, "{agree}");
}

/// Runs `editcap`/`mergecap` (Wireshark's tools); false when they are missing.
fn wireshark_tool(tool: &str, args: &[&std::ffi::OsStr]) -> bool {
    match Command::new(tool).args(args).output() {
        Ok(o) => {
            assert!(
                o.status.success(),
                "{tool}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            true
        }
        Err(_) => false,
    }
}

/// A capture whose `frames` (editcap's range) are cut to `snaplen` bytes and whose
/// other frames are whole: the handshake survives, the records in `frames` do not.
fn cut(capture: &Path, last_whole: u32, frames: &str, snaplen: u32, dir: &Path) -> Option<PathBuf> {
    let (a, b, c, out) = (
        dir.join("a.pcapng"),
        dir.join("b.pcapng"),
        dir.join("c.pcapng"),
        dir.join("cut.pcapng"),
    );
    let first_after: u32 = frames
        .split('-')
        .next_back()
        .unwrap()
        .parse::<u32>()
        .unwrap()
        + 1;
    let os = |s: &str| std::ffi::OsString::from(s);
    let ok = wireshark_tool(
        "editcap",
        &[
            &os("-r"),
            capture.as_os_str(),
            a.as_os_str(),
            &os(&format!("1-{last_whole}")),
        ],
    ) && wireshark_tool(
        "editcap",
        &[
            &os("-r"),
            &os("-s"),
            &os(&snaplen.to_string()),
            capture.as_os_str(),
            b.as_os_str(),
            &os(frames),
        ],
    ) && wireshark_tool(
        "editcap",
        &[
            &os("-r"),
            capture.as_os_str(),
            c.as_os_str(),
            &os(&format!("{first_after}-1000000")),
        ],
    ) && wireshark_tool(
        "mergecap",
        &[
            &os("-a"),
            &os("-w"),
            out.as_os_str(),
            a.as_os_str(),
            b.as_os_str(),
            c.as_os_str(),
        ],
    );
    ok.then_some(out)
}

#[test]
fn records_cut_by_the_snap_length_are_notes_and_later_records_still_open() {
    // (capture, key log, frames before the cut, frames cut, snap length, record kind)
    let cases = [
        (
            "tls12-echo.pcapng",
            "tls12-echo.keylog",
            9,
            "10-11",
            90,
            "TLS",
        ),
        (
            "dtls12-echo.pcap",
            "dtls12-echo.keylog",
            6,
            "7-8",
            70,
            "DTLS",
        ),
    ];
    for (capture, keylog, whole, frames, snaplen, kind) in cases {
        let dir = tempdir("snaplen");
        let c = repo().join("captures").join(capture);
        let Some(file) = cut(&c, whole, frames, snaplen, &dir) else {
            eprintln!("editcap/mergecap not installed: skipped");
            return;
        };
        let k = repo().join("captures").join(keylog);
        let out = eavesdrop()
            .args(["show", "--no-hex", "--keylog"])
            .arg(&k)
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{capture}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.matches(&format!("{kind} record incomplete (")).count(),
            2,
            "{capture}:\n{text}"
        );
        // Neither message comes out; the close_notify alerts after them still open.
        assert!(!text.contains("Simple is better") && !text.contains("Beautiful"));
        assert_eq!(
            text.matches("decrypted: Alert (warning close_notify)")
                .count(),
            2,
            "{capture}:\n{text}"
        );
        let out = eavesdrop()
            .args(["flows", "--keylog"])
            .arg(&k)
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("with the key log: partly decrypted (→ 0 records"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_capture_file_cut_anywhere_decrypts_what_it_holds_without_panicking() {
    let c = repo().join("captures/tls13-chacha.pcap");
    let k = repo().join("captures/tls13-chacha.keylog");
    let bytes = std::fs::read(&c).unwrap();
    let dir = tempdir("cutfile");
    let f = dir.join("cut.pcap");
    let mut decrypted_some = false;
    for end in (40..bytes.len()).step_by(97) {
        std::fs::write(&f, &bytes[..end]).unwrap();
        let out = eavesdrop()
            .args(["show", "--no-hex", "--keylog"])
            .arg(&k)
            .arg(&f)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(0 | 2)) && !err.contains("panicked"),
            "cut at {end}: {err}"
        );
        decrypted_some |= String::from_utf8_lossy(&out.stdout).contains("decrypted: ");
    }
    assert!(decrypted_some);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_wrong_dtls_key_is_a_note_and_no_plaintext() {
    let c = repo().join("captures/dtls12-echo.pcap");
    let right = std::fs::read_to_string(repo().join("captures/dtls12-echo.keylog")).unwrap();
    // The same client random, one bit of the master secret flipped.
    let wrong: String = right
        .lines()
        .map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [label, random, secret] => {
                let flipped = if secret.starts_with('0') { "1" } else { "0" };
                format!("{label} {random} {flipped}{}\n", &secret[1..])
            }
            _ => format!("{l}\n"),
        })
        .collect();
    let dir = tempdir("dtls-wrong");
    let k = dir.join("wrong.keylog");
    std::fs::write(&k, wrong).unwrap();
    let out = eavesdrop()
        .args(["show", "--no-hex", "--keylog"])
        .arg(&k)
        .arg(&c)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("key log does not decrypt this session")
            .count(),
        1,
        "{text}"
    );
    assert!(
        !text.contains("decrypted: ") && !text.contains('\u{bb}'),
        "{text}"
    );
    let out = eavesdrop()
        .args(["flows", "--keylog"])
        .arg(&k)
        .arg(&c)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("with the key log: key log does not decrypt this session"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

//! `eavesdrop flows` and `eavesdrop check` on the sample captures: the reports name
//! what each connection gave away, and check gives the right verdict and exit code on
//! plaintext, STARTTLS, TLS 1.2, TLS 1.3 and credential-bearing captures.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;

fn check(args: &[&str], file: &str) -> (i32, String) {
    let path = capture(file);
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.push(path.to_str().unwrap());
    let out = run(&all);
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code().unwrap_or(-1), text(&out.stdout) + &err)
}

const STRICT: &[&str] = &["--deny", "plaintext", "--deny", "credentials"];

#[test]
fn plaintext_http_fails_with_its_credentials_named() {
    let (code, out) = check(STRICT, "http-basic-auth.pcap");
    assert_eq!(code, 1, "{out}");
    // Issue 14: what was read, in words (not `field = N bytes readable`).
    assert!(out.contains("FAIL credentials: flow 1 127.0.0.1:33402 → 127.0.0.1:8080, frame 4: credential Basic alice:secret readable"), "{out}");
    assert!(out.contains("credential password=secret readable"), "{out}");
    assert!(
        out.contains(
            "FAIL plaintext: flow 1 127.0.0.1:33402 → 127.0.0.1:8080, frame 4: HTTP request \"GET"
        ),
        "{out}"
    );
    assert!(out.contains("FAIL plaintext: flow 1"), "{out}");
    assert!(out.contains("FAIL: 5 violations in 2 flows"), "{out}");
}

#[test]
fn ftp_and_smtp_passwords_fail_credentials() {
    for (file, value) in [
        ("ftp-password.pcap", "password=secret"),
        ("smtp-auth-plain.pcap", "user=alice password=secret"),
    ] {
        let (code, out) = check(&["--deny", "credentials"], file);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(&format!("credential {value} readable")),
            "{file}: {out}"
        );
    }
}

#[test]
fn starttls_fails_plaintext_for_what_came_before_the_switch_only() {
    let (code, out) = check(STRICT, "smtp-starttls.pcap");
    assert_eq!(code, 1, "{out}");
    // The session's EHLO/STARTTLS exchange is readable; the AUTH inside TLS is not.
    assert!(out.contains("FAIL plaintext: flow 2"), "{out}");
    assert!(!out.contains("credentials:"), "{out}");
}

#[test]
fn tls_passes_content_rules_and_min_tls_tells_12_from_13() {
    for file in [
        "tls12-echo.pcapng",
        "tls13-echo.pcapng",
        "tls13-echo-ipv6.pcap",
    ] {
        let (code, out) = check(STRICT, file);
        assert_eq!(code, 0, "{file}: {out}");
        assert!(out.contains("PASS: 0 violations"), "{out}");
    }
    let (code, out) = check(&["--min-tls", "1.3"], "tls12-echo.pcapng");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("min-tls: flow 1"), "{out}");
    assert!(
        out.contains("TLS 1.2 negotiated (minimum TLS 1.3)"),
        "{out}"
    );
    // Issue 14: the frame that proves it is the ServerHello's, not the SYN's.
    assert!(out.contains("frame 6 (ServerHello): TLS 1.2"), "{out}");
    let (code, out) = check(&["--min-tls", "1.3"], "tls13-echo.pcapng");
    assert_eq!(code, 0, "{out}");
    let (code, out) = check(&["--min-tls", "1.2"], "tls12-echo.pcapng");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn deny_sni_and_allow() {
    let (code, out) = check(&["--deny-sni", "LOCAL*"], "tls13-echo.pcapng");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("deny-sni: flow 1"), "{out}");
    assert!(out.contains("localhost (matches LOCAL*)"), "{out}");
    let (code, out) = check(&["--deny-sni", "*.example.com"], "tls13-echo.pcapng");
    assert_eq!(code, 0, "{out}");
    // An exception by port exempts the flows it names, and only those.
    let (code, out) = check(
        &["--deny", "plaintext", "--allow", "8080/tcp"],
        "http-basic-auth.pcap",
    );
    assert_eq!(code, 0, "{out}");
    let (code, _) = check(
        &["--deny", "plaintext", "--allow", "8080/udp"],
        "http-basic-auth.pcap",
    );
    assert_eq!(code, 1);
    let (code, out) = check(
        &["--deny", "plaintext", "--allow", "53"],
        "dns-queries.pcap",
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn undecoded_is_strict_mode() {
    // The reordered capture loses a segment for good: nothing undecoded remains...
    let (code, out) = check(&["--deny", "undecoded"], "tls13-reordered.pcap");
    assert_eq!(code, 0, "{out}");
    // ...but the IPv6 datagram missing a fragment leaves its payload undecoded.
    let (code, out) = check(&["--deny", "undecoded"], "ip-fragments.pcap");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL undecoded"), "{out}");
}

#[test]
fn policy_file_and_its_errors() {
    let dir = tempdir("policy");
    let good = dir.join("good.toml");
    std::fs::write(&good, "# CI policy\ndeny = [\"plaintext\", \"credentials\"]\nmin_tls = \"1.2\"\nallow = [\"53/udp\"]\n").unwrap();
    let (code, out) = check(&["--policy", good.to_str().unwrap()], "tls12-echo.pcapng");
    assert_eq!(code, 0, "{out}");
    let (code, out) = check(
        &["--policy", good.to_str().unwrap()],
        "http-basic-auth.pcap",
    );
    assert_eq!(code, 1, "{out}");
    let typo = dir.join("typo.toml");
    std::fs::write(&typo, "deny = [\"plaintext\"]\nmin_tsl = \"1.2\"\n").unwrap();
    let (code, out) = check(&["--policy", typo.to_str().unwrap()], "tls12-echo.pcapng");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("min_tsl") && out.contains("line 2"), "{out}");
    let (code, out) = check(&["--deny", "plaintxt"], "tls12-echo.pcapng");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unknown rule `plaintxt`"), "{out}");
    let (code, out) = check(&[], "tls12-echo.pcapng");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no rules to check"), "{out}");
    let missing = dir.join("missing.toml");
    let (code, _) = check(
        &["--policy", missing.to_str().unwrap()],
        "tls12-echo.pcapng",
    );
    assert_eq!(code, 2);
}

#[test]
fn check_on_an_unreadable_or_damaged_file_is_an_error_never_a_pass() {
    let dir = tempdir("check-bad");
    let junk = dir.join("junk.pcap");
    std::fs::write(&junk, b"this is not a capture").unwrap();
    let out = run(&["check", "--deny", "plaintext", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run(&[
        "check",
        "--deny",
        "plaintext",
        dir.join("nope.pcap").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    // A capture cut in the middle: what could be read is checked, and the exit is 2.
    let full = std::fs::read(capture("tls13-echo.pcapng")).unwrap();
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, &full[..full.len() - 30]).unwrap();
    let out = run(&["check", "--deny", "plaintext", cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("PASS"),
        "the readable part was checked"
    );
    // A good file and a bad one: still an error.
    let out = run(&[
        "check",
        "--deny",
        "plaintext",
        capture("tls13-echo.pcapng").to_str().unwrap(),
        junk.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn flows_report_names_stack_sni_certificates_and_credentials() {
    let out = run(&[
        "flows",
        "--color=never",
        capture("smtp-starttls.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("TCP › SMTP › STARTTLS › TLS 1.3"), "{s}");
    assert!(s.contains("partly readable"), "{s}");
    let out = run(&[
        "flows",
        "--color=never",
        capture("tls12-echo.pcapng").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(
        s.contains("verdict: content opaque; visible: addresses, ports, SNI=localhost"),
        "{s}"
    );
    assert!(s.contains("certificate: O=Eavesdrop Teaching, CN=localhost (issuer O=Eavesdrop Teaching, CN=Eavesdrop Teaching CA)"), "{s}");
    assert!(s.contains("fingerprints: JA4 t12d"), "{s}");
    let out = run(&[
        "flows",
        "--color=never",
        capture("http-basic-auth.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(
        s.contains("verdict: CREDENTIALS READABLE (Basic alice:secret)"),
        "{s}"
    );
    assert!(
        s.contains("→ credential: password=secret (frame 16)"),
        "{s}"
    );
    assert!(
        s.contains(
            "totals: 2 flows (2 TCP, 0 UDP); content readable in 2, opaque in 0, credentials in 2"
        ),
        "{s}"
    );
    let out = run(&[
        "flows",
        "--color=never",
        capture("tls12-resumption.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("SNI localhost, resumed"), "{s}");
    let out = run(&[
        "flows",
        "--color=never",
        capture("dns-fragmented.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    let s = s
        .split("what an observer learned")
        .next()
        .unwrap_or_default();
    assert_eq!(
        s.matches("UDP › DNS").count(),
        3,
        "two flows and the totals: {s}"
    );
}

/// Many more flows than the table holds: every flow is still reported, the evicted
/// ones marked so, and memory stays with the table (see scripts/bench.sh for a
/// million one-packet flows).
#[test]
fn evicted_flows_are_reported_and_marked() {
    let mut pcap = Pcap::new(101, 65535);
    const N: u32 = 3000;
    for i in 0..N {
        let src = [10, 1, (i >> 8) as u8, i as u8];
        let p = ipv4_tcp(
            src,
            [192, 0, 2, 1],
            40000,
            80,
            1,
            0,
            0x18,
            b"GET / HTTP/1.1\r\n\r\n",
        );
        pcap = pcap.frame(i, &p);
    }
    let dir = tempdir("many-flows");
    let f = pcap.write(&dir, "many.pcap");
    let out = run(&["flows", "--json", "--max-flows", "500", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let flows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "flow")
        .collect();
    assert_eq!(flows.len(), N as usize);
    let evicted = flows.iter().filter(|v| v["end"] == "evicted").count();
    assert!(evicted >= 2000, "{evicted}");
    assert!(flows
        .iter()
        .all(|v| v["stack"] == serde_json::json!(["TCP", "HTTP"])));
}

/// Regression: a capture with no packets (a tcpdump that caught nothing) passed with
/// "0 violations in 0 flows". Nothing examined is not a pass.
#[test]
fn check_passes_only_what_it_examined() {
    let dir = tempdir("empty");
    let empty = Pcap::new(101, 65535).write(&dir, "empty.pcap");
    let code = |extra: &[&str], file: &std::path::Path| {
        let out = eavesdrop()
            .args(["check", "--deny", "plaintext"])
            .args(extra)
            .arg(file)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout))
    };
    let (c, out) = code(&[], &empty);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("no packets: nothing was examined"), "{out}");
    assert_eq!(code(&["--allow-empty"], &empty).0, Some(0));
    // Frames but no flow (an ARP-only capture): also nothing the rules judge.
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06]);
    arp.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1]);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&[10, 0, 0, 2]);
    let arp_only = Pcap::new(1, 65535).frame(0, &arp).write(&dir, "arp.pcap");
    let (c, out) = code(&[], &arp_only);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("no TCP or UDP flow"), "{out}");
    // The JSON form says the same.
    let out = eavesdrop()
        .args(["check", "--json", "--deny", "plaintext"])
        .arg(&empty)
        .output()
        .unwrap();
    let last = text(&out.stdout).lines().last().unwrap().to_string();
    assert!(last.contains("\"passed\":false"), "{last}");
    assert!(
        last.contains("\"nothing_examined\":\"the capture holds no packets"),
        "{last}"
    );
    // The policy file knows allow_empty.
    let policy = dir.join("p.toml");
    std::fs::write(&policy, "deny = [\"plaintext\"]\nallow_empty = true\n").unwrap();
    let out = eavesdrop()
        .args(["check", "--policy", policy.to_str().unwrap()])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // A PASS says what it could not examine: 20 bytes of binary payload on a port
    // nothing knows (too few to judge).
    let mut x: u32 = 99;
    let noise: Vec<u8> = (0..20)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let syn = ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 40000, 9999, 1, 0, 0x02, &[]);
    let data = ipv4_tcp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        40000,
        9999,
        2,
        1,
        0x18,
        &noise,
    );
    let noisy = Pcap::new(101, 65535)
        .frame(0, &syn)
        .frame(1, &data)
        .write(&dir, "noise.pcap");
    let (c, out) = code(&[], &noisy);
    assert_eq!(c, Some(0), "{out}");
    assert!(
        out.contains("PASS: 0 violations in 1 flow (deny plaintext) (20 bytes undecoded, not examined: add --deny undecoded to fail on them)"),
        "{out}"
    );
    assert_eq!(code(&["--deny", "undecoded"], &noisy).0, Some(1));
    // 200 random bytes from the first: a fully encrypted protocol, opaque, and the
    // PASS says it was presumed so.
    let noise: Vec<u8> = (0..200)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let data = ipv4_tcp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        40000,
        9999,
        2,
        1,
        0x18,
        &noise,
    );
    let random = Pcap::new(101, 65535)
        .frame(0, &syn)
        .frame(1, &data)
        .write(&dir, "random.pcap");
    let (c, out) = code(&["--deny", "undecoded"], &random);
    assert_eq!(c, Some(0), "{out}");
    assert!(
        out.contains("note: 1 flow of an unidentified protocol random from the first byte, labelled opaque for that alone"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// What encryption does not hide: a DNS answer named the server a TLS connection
/// then reaches without sending its name (scripts/make-dns-tls-capture.sh).
#[test]
fn dns_names_a_server_that_sends_no_sni() {
    let out = run(&[
        "flows",
        "--json",
        capture("dns-then-tls.pcap").to_str().unwrap(),
    ]);
    let json = text(&out.stdout);
    let tls = json
        .lines()
        .find(|l| l.contains("\"type\":\"flow\"") && l.contains("\"port\":4443"))
        .expect("the TLS flow");
    assert!(
        tls.contains(r#""names":[{"name":"hidden.example","source":"dns","frame":2}]"#),
        "{tls}"
    );
    assert!(
        tls.contains("no SNI, but an earlier DNS answer named the server (hidden.example)"),
        "{tls}"
    );
    // With an SNI, names come with their sources: the hello, the certificate, ALPN.
    let out = run(&[
        "flows",
        "--json",
        capture("tls12-echo.pcapng").to_str().unwrap(),
    ]);
    let json = text(&out.stdout);
    assert!(
        json.contains(r#"{"name":"localhost","source":"sni","frame":4}"#),
        "{json}"
    );
    assert!(
        json.contains(r#"{"name":"localhost","source":"certificate","frame":6}"#),
        "{json}"
    );
    assert!(
        json.contains(r#"{"name":"echo","source":"alpn","frame":4}"#),
        "{json}"
    );
}

fn flows_json(file: &str) -> Vec<serde_json::Value> {
    let out = run(&["flows", "--json", capture(file).to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "flow")
        .collect()
}

#[test]
fn dtls_and_webrtc_flows_name_their_stack_facts_and_verdict() {
    let f = &flows_json("dtls12-echo.pcap")[0];
    assert_eq!(f["stack"], serde_json::json!(["UDP", "DTLS 1.2"]));
    assert_eq!(f["tls"]["sni"], "localhost");
    assert_eq!(f["tls"]["version"]["name"], "DTLSv1.2");
    assert!(f["tls"]["ja4"].as_str().unwrap().starts_with("dd2"));
    assert!(
        f["verdict"]
            .as_str()
            .unwrap()
            .starts_with("content opaque; "),
        "{f}"
    );
    let f = &flows_json("dtls10-echo.pcap")[0];
    assert_eq!(f["stack"], serde_json::json!(["UDP", "DTLS 1.0"]));
    // DTLS 1.0 is TLS 1.1 for --min-tls.
    let (code, out) = check(&["--min-tls", "1.2"], "dtls10-echo.pcap");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("DTLS 1.0 negotiated (minimum TLS 1.2)"),
        "{out}"
    );
    let (code, out) = check(&["--min-tls", "1.2"], "dtls12-echo.pcap");
    assert_eq!(code, 0, "{out}");

    let f = &flows_json("webrtc-aiortc.pcap")[0];
    assert_eq!(
        f["stack"],
        serde_json::json!(["UDP", "STUN", "DTLS 1.2", "SRTP"])
    );
    assert_eq!(f["protection"]["protocol"], "DTLS-SRTP");
    assert_eq!(f["protection"]["cipher"], "SRTP_AEAD_AES_256_GCM");
    let leaks = f["leaks"].as_array().unwrap();
    assert!(leaks.iter().any(|l| l["kind"] == "user name"), "{f}");
    assert!(leaks.iter().any(|l| l["kind"] == "address"), "{f}");
    // STUN and the DTLS handshake are not plaintext content.
    let (code, out) = check(STRICT, "webrtc-aiortc.pcap");
    assert_eq!(code, 0, "{out}");

    let flows = flows_json("turn-channel.pcap");
    assert!(flows
        .iter()
        .all(|f| f["stack"] == serde_json::json!(["UDP", "TURN"])));
    let leaks: Vec<&str> = flows
        .iter()
        .flat_map(|f| f["leaks"].as_array().unwrap().iter())
        .filter(|l| l["kind"] == "address")
        .map(|l| l["value"].as_str().unwrap())
        .collect();
    assert!(leaks.contains(&"127.0.0.1:3480"), "the peer: {leaks:?}");
}

/// Issue 13: `flows --summary` states what an observer learned from the whole capture,
/// on one screen for every sample capture.
#[test]
fn summary_fits_one_screen_for_every_sample() {
    for path in sample_captures() {
        let out = run(&["flows", "--summary", "--quiet", path.to_str().unwrap()]);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            text(&out.stderr)
        );
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(
            lines.len() <= 40,
            "{}: {} lines\n{stdout}",
            path.display(),
            lines.len()
        );
        for l in &lines {
            assert!(l.chars().count() <= 200, "{}: {l}", path.display());
        }
        // Only the summary: no per-flow verdict lines.
        assert!(!stdout.contains("verdict:"), "{stdout}");
        assert!(
            stdout.contains("what an observer learned") || stdout.contains(": no flows\n"),
            "{stdout}"
        );
    }
}

#[test]
fn summary_names_the_dns_learned_server_and_the_message_sizes() {
    let out = run(&[
        "flows",
        "--summary",
        "--quiet",
        capture("dns-then-tls.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    // The client looked the name up, and the TLS flow (no SNI) went to the answer.
    assert!(
        s.contains("hidden.example  dns-query, dns  (flows 1, 2)"),
        "{s}"
    );
    assert!(s.contains("encrypted messages: 2 in 1 flow"), "{s}");
    assert!(s.contains("TCP › TLS 1.3 to hidden.example: "), "{s}");
}

#[test]
fn summary_lists_software_and_credentials_of_plain_http() {
    let out = run(&[
        "flows",
        "--summary",
        "--quiet",
        capture("http-basic-auth.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("    curl/7.88.1  (flows 1, 2)"), "{s}");
    assert!(
        s.contains("    BaseHTTP/0.6 Python/3.11.7  (flows 1, 2)"),
        "{s}"
    );
    assert!(s.contains("credentials readable in 2 flows:"), "{s}");
    assert!(
        s.contains("TCP › HTTP: Basic alice:secret  (flow 1)"),
        "{s}"
    );
}

/// 312 flows: lists fold to their first five entries with a count, and flows that
/// behaved alike are one entry.
#[test]
fn summary_of_three_hundred_flows_stays_readable() {
    let path = repo().join("tests/data/many-flows.pcapng");
    let out = run(&["flows", "--summary", "--quiet", path.to_str().unwrap()]);
    let s = text(&out.stdout);
    let lines = s.lines().count();
    assert!(lines <= 60, "{lines} lines\n{s}");
    assert!(s.contains("totals: 312 flows"), "{s}");
    assert!(s.contains("credentials readable in 91 flows:"), "{s}");
    assert!(s.contains("… and 3 more (--full lists them)"), "{s}");
    assert!(
        s.contains("TCP › TLS 1.2 to localhost: client sent 1 message (31 bytes), server answered 1 (31 bytes)  (flows 13, 14, 15 and 27 more)"),
        "{s}"
    );
    // --full lists every entry.
    let full = run(&[
        "flows",
        "--summary",
        "--full",
        "--quiet",
        path.to_str().unwrap(),
    ]);
    let f = text(&full.stdout);
    assert!(!f.contains("--full lists them"), "{f}");
    assert!(f.lines().count() > lines);
}

#[test]
fn detailed_flows_name_their_server_and_their_messages() {
    let out = run(&[
        "flows",
        "--quiet",
        capture("dns-then-tls.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("      names: hidden.example (dns)\n"), "{s}");
    assert!(
        s.contains("      encrypted messages: server sent 1 message (≤ 466 bytes), client sent 1 (≤ 31 bytes)\n"),
        "{s}"
    );
    assert!(s.contains("first record sizes 512 1 69 48"), "{s}");
    assert!(s.contains("first payload sizes 32"), "{s}");
}

/// `flows --json` ends with what an observer learned, before the summary, counting only
/// the flows written.
#[test]
fn json_learned_record_names_and_counts_what_was_written() {
    let out = run(&[
        "flows",
        "--json",
        capture("http-basic-auth.pcap").to_str().unwrap(),
    ]);
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = lines.iter().map(|v| v["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["flow", "flow", "learned", "summary"]);
    let l = &lines[2];
    assert_eq!(l["names"][0]["name"], "127.0.0.1:8080");
    assert_eq!(l["names"][0]["sources"], serde_json::json!(["http-host"]));
    assert_eq!(l["credential_flows"], 2);
    let software: Vec<&str> = l["software"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(software, ["BaseHTTP/0.6 Python/3.11.7", "curl/7.88.1"]);
    // A filter applies to the record too.
    let out = run(&[
        "flows",
        "--json",
        "--only",
        "opaque",
        capture("http-basic-auth.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    let learned = s
        .lines()
        .find(|l| l.contains(r#""type":"learned""#))
        .unwrap();
    assert!(learned.contains(r#""names":[]"#), "{learned}");
    assert!(learned.contains(r#""credential_flows":0"#), "{learned}");
}

/// Regression for issue 11: HTTP inside a tunnel passed `check` because the tunnel was
/// never opened. Every tunnel sample carries Basic credentials; check names them and
/// the frame that carried them, and the flow's stack names the tunnel.
#[test]
fn credentials_inside_every_tunnel_fail_check_with_their_frame() {
    let cases = [
        ("tunnel-vxlan.pcap", "VXLAN", "192.168.42.1", 8),
        ("tunnel-gre.pcap", "GRE", "127.0.0.1", 4),
        ("tunnel-gretap.pcap", "GRE", "127.0.0.1", 4),
        ("tunnel-erspan.pcap", "ERSPAN II", "127.0.0.1", 4),
        ("tunnel-geneve.pcap", "Geneve", "127.0.0.1", 4),
        ("tunnel-gtpu.pcap", "GTP-U", "127.0.0.1", 6),
        (
            "tunnel-teredo.pcap",
            "Teredo",
            "[2001:0:c000:22d:8000:f227:3cfe:fefe]",
            5,
        ),
        ("tunnel-l2tp.pcap", "L2TP", "127.0.0.1", 5),
    ];
    for (file, tunnel, client, frame) in cases {
        let (code, out) = check(STRICT, file);
        assert_eq!(code, 1, "{file}: {out}");
        assert!(
            out.contains(&format!("FAIL credentials: flow 1 {client}:"))
                && out.contains(&format!(
                    ", frame {frame}: credential Basic alice:secret readable"
                )),
            "{file}: {out}"
        );
        assert!(out.contains("FAIL plaintext: flow 1"), "{file}: {out}");
        let json = run(&["flows", "--json", capture(file).to_str().unwrap()]);
        let flow: serde_json::Value = text(&json.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["type"] == "flow")
            .unwrap();
        let ip = if file.contains("teredo") {
            "IPv6"
        } else {
            "IPv4"
        };
        assert_eq!(
            flow["stack"],
            serde_json::json!([tunnel, ip, "TCP", "HTTP"]),
            "{file}"
        );
    }
}

/// An IPv4 packet's payload split at `at` (a multiple of 8) into two fragments.
fn fragments(packet: &[u8], at: usize) -> [Vec<u8>; 2] {
    let (head, payload) = packet.split_at(20);
    let (a, b) = payload.split_at(at);
    let frag = |part: &[u8], offset: usize, more: bool| {
        let mut h = head.to_vec();
        let total = (20 + part.len()) as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        let flags = (offset / 8) as u16 | if more { 0x2000 } else { 0 };
        h[6..8].copy_from_slice(&flags.to_be_bytes());
        h.extend_from_slice(part);
        h
    };
    [frag(a, 0, true), frag(b, at, false)]
}

/// IPv4 in GRE from 192.0.2.1 to 192.0.2.2.
fn in_gre(inner: &[u8]) -> Vec<u8> {
    let mut p = vec![
        0x45, 0, 0, 0, 0, 9, 0x40, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
    ];
    let total = (20 + 4 + inner.len()) as u16;
    p[2..4].copy_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0x08, 0x00]);
    p.extend_from_slice(inner);
    p
}

/// Fragments inside a tunnel, and a tunnel in fragments: either way the request is
/// reassembled, its flow names the tunnel, and its credentials fail check.
#[test]
fn fragments_inside_and_outside_a_tunnel_are_reassembled_and_keep_the_tunnel() {
    let http = b"GET / HTTP/1.1\r\nHost: inner\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n";
    let inner = ipv4_tcp([10, 1, 0, 1], [10, 1, 0, 2], 40000, 80, 1, 1, 0x18, http);
    let [i1, i2] = fragments(&inner, 24);
    let [o1, o2] = fragments(&in_gre(&inner), 48);
    let dir = tempdir("tunnel-fragments");
    for (name, frames) in [
        ("inner.pcap", [in_gre(&i2), in_gre(&i1)]),
        ("outer.pcap", [o1, o2]),
    ] {
        let file = Pcap::new(101, 65535)
            .frame(1, &frames[0])
            .frame(2, &frames[1])
            .write(&dir, name);
        let json = run(&["flows", "--json", file.to_str().unwrap()]);
        let flow: serde_json::Value = text(&json.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["type"] == "flow")
            .unwrap_or_else(|| panic!("{name}: no flow: {}", text(&json.stdout)));
        assert_eq!(
            flow["stack"],
            serde_json::json!(["GRE", "IPv4", "TCP", "HTTP"]),
            "{name}"
        );
        let out = run(&["check", "--deny", "credentials", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            text(&out.stdout).contains("credential Basic alice:secret readable"),
            "{name}: {}",
            text(&out.stdout)
        );
    }
}

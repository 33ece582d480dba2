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
    assert!(out.contains("FAIL credentials: flow 1 127.0.0.1:33402 → 127.0.0.1:8080, frame 4, credential = Basic alice:secret"), "{out}");
    assert!(out.contains("credential = password=secret"), "{out}");
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
            out.contains(&format!("credential = {value}")),
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
    assert!(out.contains("TLS 1.2 (minimum TLS 1.3)"), "{out}");
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
                && out.contains(&format!(", frame {frame}, credential = Basic alice:secret")),
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
            text(&out.stdout).contains("credential = Basic alice:secret"),
            "{name}: {}",
            text(&out.stdout)
        );
    }
}

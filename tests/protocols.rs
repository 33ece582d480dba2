//! What the sample captures of plaintext protocols, STARTTLS, resumption and a
//! mid-connection start must show on their packet lines (made by
//! scripts/make-protocol-captures.sh with real clients and servers).

mod common;

use common::*;

/// The packet lines of `show --no-hex`, and the summary on stderr.
fn lines(name: &str) -> (Vec<String>, String) {
    let out = run(&[
        "show",
        "--no-hex",
        "--color=never",
        capture(name).to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (
        text(&out.stdout).lines().map(String::from).collect(),
        text(&out.stderr),
    )
}

fn has(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

#[test]
fn http_basic_auth_and_login_form_are_credentials() {
    let (l, summary) = lines("http-basic-auth.pcap");
    assert!(
        has(&l, "HTTP GET /private [Authorization: Basic alice:secret]"),
        "{l:#?}"
    );
    assert!(
        has(
            &l,
            "HTTP POST /login [Cookie; form user=alice; form password=secret]"
        ),
        "{l:#?}"
    );
    assert!(has(&l, "HTTP/1.1 200 OK [Set-Cookie]"), "{l:#?}");
    assert!(summary.contains("opaque 0 (0.0%)"), "{summary}");
}

#[test]
fn ftp_and_smtp_passwords_are_named() {
    let (l, _) = lines("ftp-password.pcap");
    assert!(has(&l, "FTP USER [user=alice]"), "{l:#?}");
    assert!(has(&l, "FTP PASS [password=secret]"), "{l:#?}");
    let (l, _) = lines("smtp-auth-plain.pcap");
    assert!(
        has(&l, "SMTP AUTH PLAIN [user=alice password=secret]"),
        "{l:#?}"
    );
}

#[test]
fn smtp_starttls_switches_to_tls_after_the_220() {
    let (l, _) = lines("smtp-starttls.pcap");
    let payload: Vec<&String> = l.iter().filter(|x| !x.ends_with("length 0")).collect();
    let go = payload
        .iter()
        .position(|x| x.contains("SMTP 220 Ready to start TLS"))
        .expect("the server's go-ahead");
    assert!(payload[go - 1].contains("SMTP STARTTLS"), "{payload:#?}");
    assert!(
        payload[go + 1].contains("TLSv1.3 ClientHello"),
        "{payload:#?}"
    );
    // Everything after the switch is TLS on this connection: nothing readable as SMTP.
    for x in &payload[go + 1..] {
        assert!(x.contains(": TLSv1.3 "), "{x}");
    }
}

#[test]
fn dns_names_asked_and_answered() {
    let (l, _) = lines("dns-queries.pcap");
    for want in [
        "DNS A? www.example.test",
        "DNS www.example.test AAAA 2001:db8::10",
        "DNS A? secret-project.example.test",
        "DNS nowhere.invalid: NXDOMAIN",
    ] {
        assert!(has(&l, want), "{want}: {l:#?}");
    }
}

#[test]
fn resumed_handshake_sends_no_certificate() {
    let (l, _) = lines("tls12-resumption.pcap");
    let hellos: Vec<&String> = l.iter().filter(|x| x.contains("ServerHello")).collect();
    assert_eq!(hellos.len(), 2, "{l:#?}");
    assert!(hellos[0].contains("Certificate (CN=localhost") && !hellos[0].contains("resumed"));
    assert!(hellos[1].contains("resumed") && !hellos[1].contains("Certificate"));
}

#[test]
fn capture_starting_mid_connection_says_so_and_guesses_nothing() {
    let out = run(&[
        "show",
        "--color=never",
        capture("tls12-midstream.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("handshake not seen"), "{s}");
    assert!(
        !s.contains("ClientHello") && !s.contains("Certificate"),
        "{s}"
    );
    let err = text(&out.stderr);
    assert!(err.contains("undecoded 0 (0.0%)"), "{err}");
}

#[test]
fn reordered_capture_holds_then_releases_and_names_the_loss() {
    let out = run(&[
        "show",
        "--no-hex",
        "--color=never",
        capture("tls13-reordered.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert!(s.contains("arrived out of order: fills a hole"), "{s}");
    assert!(
        s.contains("retransmitted or overlapping: labelled as their first copy"),
        "{s}"
    );
    assert!(s.contains("6354 bytes of the stream never arrived"), "{s}");
    assert!(text(&out.stderr).contains("undecoded 0 (0.0%)"));
}

#[test]
fn kernel_fragmented_dns_answer_is_reassembled_over_ipv4_and_ipv6() {
    let out = run(&[
        "show",
        "--no-hex",
        "--color=never",
        capture("dns-fragmented.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    let answers: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("DNS keys.example.test TXT \"v=key000 "))
        .collect();
    assert_eq!(answers.len(), 2, "{s}");
    assert!(
        answers[1].contains("IP6 ::1 > ::1: frag (0|1232) 53 > "),
        "{s}"
    );
    assert_eq!(
        s.matches("reassembled from 3 fragments (2715 bytes)")
            .count(),
        2,
        "{s}"
    );
    let err = text(&out.stderr);
    assert!(err.contains("undecoded 0 (0.0%)"), "{err}");
}

#[test]
fn hostile_fragments_reassemble_first_copy_wins_and_missing_ones_are_named() {
    let out = run(&[
        "show",
        "--no-hex",
        "--color=never",
        capture("ip-fragments.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    // Last-first, one fragment twice: the request and its credentials are found, on
    // the first fragment's line.
    assert!(
        s.contains("length 20: HTTP GET /account [Authorization: Basic alice:hunter2]"),
        "{s}"
    );
    assert!(
        s.contains("reassembled from 5 fragments (130 bytes)"),
        "{s}"
    );
    // The overlapping fragment that disagrees: the first copy's name is shown.
    assert!(s.contains("DNS A? intranet.secret-project.example"), "{s}");
    assert!(
        s.contains("overlaps an earlier one and differs in 24 bytes"),
        "{s}"
    );
    // The IPv6 datagram whose middle fragment never came.
    assert_eq!(s.matches("bytes 88..176 never arrived").count(), 2, "{s}");
    let lines: Vec<&str> = s.lines().filter(|l| l.contains("frag (")).collect();
    assert!(
        lines.iter().all(|l| l.contains("bytes undecoded")),
        "{lines:#?}"
    );
}

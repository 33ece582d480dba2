//! What the sample captures of plaintext protocols, STARTTLS, resumption and a
//! mid-connection start must show on their packet lines (made by
//! scripts/make-protocol-captures.sh with real clients and servers).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;

#[test]
fn http_basic_auth_and_login_form_are_credentials() {
    let (l, summary) = show_lines("http-basic-auth.pcap");
    assert!(
        has_line(
            &l,
            "HTTP: GET /private HTTP/1.1: [Authorization: Basic alice:secret]"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "HTTP: POST /login HTTP/1.1: [Cookie; form user=alice; form password=secret]"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "HTTP: HTTP/1.1 200 OK: [Set-Cookie]"),
        "{l:#?}"
    );
    assert!(summary.contains("opaque 0 (0.0%)"), "{summary}");
}

#[test]
fn ftp_and_smtp_passwords_are_named() {
    let (l, _) = show_lines("ftp-password.pcap");
    assert!(has_line(&l, "FTP USER [user=alice]"), "{l:#?}");
    assert!(has_line(&l, "FTP PASS [password=secret]"), "{l:#?}");
    let (l, _) = show_lines("smtp-auth-plain.pcap");
    assert!(
        has_line(&l, "SMTP AUTH PLAIN [user=alice password=secret]"),
        "{l:#?}"
    );
}

#[test]
fn ftp_data_connections_are_followed_from_their_announcement() {
    // Passive mode (the server's 229 names the port) and active mode (curl's EPRT
    // names one of its own, and the server connects to it): the data connection is
    // FTP data, its file readable, and check names it.
    for (name, announced) in [
        ("ftp-password.pcap", "229 Entering extended passive mode"),
        ("ftp-active.pcap", "FTP EPRT |1|127.0.0.1|50020|"),
    ] {
        let (l, _) = show_lines(name);
        assert!(has_line(&l, announced), "{name}: {l:#?}");
        let out = run(&["flows", "--brief", capture(name).to_str().unwrap()]);
        let flows = text(&out.stdout);
        let data: Vec<&str> = flows
            .lines()
            .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
            .filter(|l| l.contains("TCP › FTP-DATA"))
            .collect();
        assert_eq!(data.len(), 1, "{name}: {flows}");
        assert!(data[0].contains("readable: 31 bytes"), "{name}: {flows}");
        let out = run(&[
            "check",
            "--deny",
            "plaintext",
            capture(name).to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            text(&out.stdout).contains(r#"FTP-DATA content "Simple is better than complex.."#),
            "{name}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn smtp_starttls_switches_to_tls_after_the_220() {
    let (l, _) = show_lines("smtp-starttls.pcap");
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
    let (l, _) = show_lines("dns-queries.pcap");
    for want in [
        // tcpdump's DNS printer says the question; eavesdrop adds the answers.
        "A? www.example.test. (57)",
        "DNS www.example.test AAAA 2001:db8::10",
        "A? secret-project.example.test. (68)",
        "DNS nowhere.invalid: NXDOMAIN",
    ] {
        assert!(has_line(&l, want), "{want}: {l:#?}");
    }
}

#[test]
fn resumed_handshake_sends_no_certificate() {
    let (l, _) = show_lines("tls12-resumption.pcap");
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
        s.contains(
            "length 20: HTTP: GET /account HTTP/1. [|http]: [Authorization: Basic alice:hunter2]"
        ),
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

/// `flows` of a development-corpus capture (captures made by other projects), or
/// `None` when EAVESDROP_CORPUS is not set.
fn corpus_flows(path: &str) -> Option<String> {
    let dir = std::env::var_os("EAVESDROP_CORPUS")?;
    let file = std::path::Path::new(&dir).join(path);
    let out = run(&["flows", "--color=never", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    Some(text(&out.stdout))
}

#[test]
fn ldap_mysql_and_xmpp_from_other_projects_are_named_with_their_upgrades() {
    // Suricata's LDAP StartTLS test: the extended request, then TLS 1.2.
    let Some(f) = corpus_flows("suricata-verify/ldap-starttls/input.pcap") else {
        eprintln!("EAVESDROP_CORPUS not set: skipped");
        return;
    };
    assert!(f.contains("TCP › LDAP › StartTLS › TLS 1.2"), "{f}");
    // Arkime's MySQL with TLS: greeting, SSLRequest, then TLS 1.1.
    let f = corpus_flows("arkime/mysql-tls.pcap").unwrap();
    assert!(f.contains("TCP › MySQL › SSLRequest › TLS 1.1"), "{f}");
    assert!(!f.contains("undecoded"), "every byte classified: {f}");
    // nDPI's Jabber capture: DIGEST-MD5 gives the user away; a legacy jabber:iq:auth
    // login sends the password itself.
    let f = corpus_flows("ndpi/jabber.pcap").unwrap();
    assert!(f.contains("TCP › XMPP"), "{f}");
    assert!(
        f.contains("credential: user=tom (DIGEST-MD5 response)"),
        "{f}"
    );
    assert!(f.contains("credential: password=cloudshark"), "{f}");
    // Suricata's LDAP bind with SASL CRAM-MD5: a bind, no password in it.
    let f = corpus_flows("suricata-verify/ldap-bind/ldap.pcap").unwrap();
    assert!(f.contains("TCP › LDAP"), "{f}");
    assert!(f.contains("credentials in 0"), "{f}");
    assert!(!f.contains("credential:"), "{f}");
}

#[test]
fn ldap_simple_bind_is_a_credential_and_starttls_hides_the_second() {
    let (l, _) = show_lines("ldap-starttls.pcap");
    assert!(
        has_line(
            &l,
            "LDAP bindRequest(1) \"cn=admin,dc=example,dc=org\" simple [user=cn=admin,dc=example,dc=org password=secret]"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "LDAP searchResEntry(2) \"dc=example,dc=org\""),
        "{l:#?}"
    );
    assert!(has_line(&l, "LDAP extendedReq(1) StartTLS"), "{l:#?}");
    assert!(has_line(&l, "LDAP extendedResp(1) success"), "{l:#?}");
    assert!(
        has_line(&l, "TLSv1.3 ClientHello (SNI=localhost)"),
        "{l:#?}"
    );
    // One password on the wire: the StartTLS session's bind is inside TLS.
    assert_eq!(l.iter().filter(|x| x.contains("password=")).count(), 1);
    let out = run(&["flows", capture("ldap-starttls.pcap").to_str().unwrap()]);
    let f = text(&out.stdout);
    assert!(f.contains("TCP › LDAP › StartTLS › TLS 1.3"), "{f}");
    assert!(f.contains("CREDENTIALS READABLE"), "{f}");
}

#[test]
fn xmpp_plain_login_leaks_and_starttls_session_does_not() {
    let (l, _) = show_lines("xmpp-starttls.pcap");
    assert!(has_line(&l, "XMPP stream to localhost"), "{l:#?}");
    assert!(
        has_line(
            &l,
            "XMPP auth PLAIN, credentials [user=alice password=secret]"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "XMPP message to alice@localhost/eavesdrop"),
        "{l:#?}"
    );
    assert!(has_line(&l, "XMPP starttls"), "{l:#?}");
    assert!(has_line(&l, "XMPP proceed (TLS follows)"), "{l:#?}");
    assert!(
        has_line(&l, "TLSv1.3 ClientHello (SNI=localhost)"),
        "{l:#?}"
    );
    assert_eq!(l.iter().filter(|x| x.contains("password=")).count(), 1);
    // The message in the clear session is readable; in the TLS one it is not.
    let out = run(&[
        "show",
        "--color=never",
        capture("xmpp-starttls.pcap").to_str().unwrap(),
    ]);
    let s = text(&out.stdout);
    assert_eq!(
        s.matches("body>Simple").count(),
        2,
        "sent and echoed once, in clear"
    );
    let out = run(&["flows", capture("xmpp-starttls.pcap").to_str().unwrap()]);
    let f = text(&out.stdout);
    assert!(f.contains("TCP › XMPP › STARTTLS › TLS 1.3"), "{f}");
}

#[test]
fn mysql_login_shows_user_and_hash_and_the_ssl_request_switches() {
    let (l, _) = show_lines("mysql-tls.pcap");
    assert!(
        has_line(&l, "MySQL server greeting, version 5.5.5-10.11.19-MariaDB"),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "MySQL login user=alice [user=alice password-hash="),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "MySQL query: SELECT 'Simple is better than complex.' AS message"
        ),
        "{l:#?}"
    );
    assert!(has_line(&l, "MySQL result set, 1 column, row"), "{l:#?}");
    assert!(has_line(&l, "MySQL SSLRequest"), "{l:#?}");
    assert!(has_line(&l, "TLSv1.3 ClientHello"), "{l:#?}");
    assert_eq!(l.iter().filter(|x| x.contains("MySQL login")).count(), 1);
    let out = run(&["flows", capture("mysql-tls.pcap").to_str().unwrap()]);
    let f = text(&out.stdout);
    assert!(f.contains("TCP › MySQL › SSLRequest › TLS 1.3"), "{f}");
    assert!(f.contains("TCP › MySQL  "), "{f}");
}

/// TLS with a NULL cipher carries the content in the clear: eavesdrop reads the HTTP
/// inside the records and finds its credentials (scripts/make-cipher-captures.sh).
#[test]
fn null_cipher_tls_carries_readable_http_and_its_credentials() {
    let (l, summary) = show_lines("tls12-null.pcap");
    assert!(
        has_line(&l, "ServerHello (cipher=TLS_RSA_WITH_NULL_SHA256)"),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "HTTP GET /private [Authorization: Basic alice:secret], TLSv1.2 ApplicationData"
        ),
        "{l:#?}"
    );
    assert!(summary.contains("opaque 0 (0.0%)"), "{summary}");
    // The request's bytes are readable in the hex dump's mask rows.
    let out = run(&[
        "show",
        "--color=never",
        capture("tls12-null.pcap").to_str().unwrap(),
    ]);
    let dump = text(&out.stdout);
    let rows: Vec<&str> = dump.lines().collect();
    let row = rows
        .iter()
        .position(|r| r.ends_with("..D......GET./pr"))
        .expect("the request in a hex row");
    // TCP options and the record header are headers; the method is readable, the URL
    // a leak.
    assert!(
        rows[row + 1].ends_with("---------rrrr^^^"),
        "{}",
        rows[row + 1]
    );
    let flows = text(&run(&["flows", capture("tls12-null.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("TCP › TLS 1.2 › HTTP"), "{flows}");
    assert!(
        flows.contains("CREDENTIALS READABLE (Basic alice:secret)"),
        "{flows}"
    );
    assert!(flows.contains("weak: NULL encryption"), "{flows}");
    let check = |rule: &str, name: &str| {
        eavesdrop()
            .args(["check", "--deny", rule, capture(name).to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(check("plaintext", "tls12-null.pcap"), Some(1));
    assert_eq!(check("credentials", "tls12-null.pcap"), Some(1));
}

#[test]
fn weak_tls_fails_null_anonymous_suites_and_passes_sound_ones() {
    let check = |name: &str| {
        let out = eavesdrop()
            .args([
                "check",
                "--deny",
                "weak-tls",
                capture(name).to_str().unwrap(),
            ])
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout))
    };
    for weak in ["tls12-null.pcap", "tls12-anon.pcap", "tls12-anon-null.pcap"] {
        let (code, out) = check(weak);
        assert_eq!(code, Some(1), "{weak}: {out}");
        // The violation points at the ServerHello that chose the suite (frame 6).
        assert!(
            out.contains("frame 6 (ServerHello): weak cipher suite"),
            "{out}"
        );
    }
    let (_, anon) = check("tls12-anon.pcap");
    assert!(anon.contains("no server authentication"), "{anon}");
    // AES-GCM (TLS 1.2 and 1.3) and ChaCha20-Poly1305 hide the content.
    for sound in [
        "tls12-echo.pcapng",
        "tls13-echo.pcapng",
        "tls12-chacha20.pcap",
    ] {
        assert_eq!(check(sound).0, Some(0), "{sound}");
    }
    // An anonymous but encrypted session is not plaintext: the content is opaque.
    let flows = text(&run(&["flows", capture("tls12-anon.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("content opaque"), "{flows}");
    // The policy file knows the rule too.
    let dir = tempdir("weak");
    let policy = dir.join("p.toml");
    std::fs::write(&policy, "deny = [\"weak-tls\"]\n").unwrap();
    let out = eavesdrop()
        .args(["check", "--policy", policy.to_str().unwrap()])
        .arg(capture("tls12-anon-null.pcap"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// A whole SSL 2.0 session (scapy's automata; scripts/make-sslv2-capture.sh): the hellos
/// and the certificate readable, the master key's encrypted part and every record after
/// it opaque, and SSL 2.0 named as the weakness it is.
#[test]
fn sslv2_session_is_decoded_to_the_end() {
    let (l, summary) = show_lines("sslv2-session.pcap");
    assert!(has_line(&l, "SSLv2 ClientHello (SSLv2 format)"), "{l:#?}");
    assert!(
        has_line(
            &l,
            "SSLv2 ServerHello (SSLv2 format, CN=localhost, issuer=Eavesdrop Teaching CA)"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "SSLv2 ClientMasterKey (cipher=SSL_CK_DES_192_EDE3_CBC_WITH_MD5)"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "SSLv2 ApplicationData, 80 bytes opaque"),
        "{l:#?}"
    );
    assert!(summary.contains("undecoded 0 (0.0%)"), "{summary}");
    let flows = text(&run(&["flows", capture("sslv2-session.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("TCP › SSL 2"), "{flows}");
    assert!(flows.contains("content opaque"), "{flows}");
    assert!(flows.contains("weak: SSL 2.0"), "{flows}");
    let code = |args: &[&str]| {
        eavesdrop()
            .arg("check")
            .args(args)
            .arg(capture("sslv2-session.pcap"))
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(&["--deny", "weak-tls"]), Some(1));
    assert_eq!(code(&["--min-tls", "1.2"]), Some(1));
    assert_eq!(code(&["--deny", "plaintext"]), Some(0));
}

/// QUIC beyond its Initials (aioquic on loopback; scripts/make-quic-capture.sh): the
/// Handshake and 1-RTT packets' headers are visible (a short header's Destination
/// Connection ID included), their packet numbers and payloads opaque.
#[test]
fn quic_handshake_and_1rtt_packets_show_their_headers_and_hide_the_rest() {
    let (l, summary) = show_lines("quic-echo.pcap");
    assert!(
        has_line(
            &l,
            "QUIC Initial, TLSv1.3 ClientHello (SNI=localhost, ALPN=echo)"
        ),
        "{l:#?}"
    );
    assert!(has_line(&l, "QUIC Handshake packet"), "{l:#?}");
    assert!(
        has_line(&l, "length 62: QUIC 1-RTT packet, 53 bytes opaque"),
        "{l:#?}"
    );
    assert!(summary.contains("undecoded 0 (0.0%)"), "{summary}");
    // The 1-RTT packet: IP and UDP headers, the first byte and an 8-byte DCID readable
    // as header, then 53 opaque bytes.
    let out = run(&[
        "show",
        "--color=never",
        capture("quic-echo.pcap").to_str().unwrap(),
    ]);
    let dump = text(&out.stdout);
    let at = dump.find("length 62: QUIC 1-RTT packet").unwrap();
    let rows: Vec<&str> = dump[at..].lines().collect();
    assert!(rows[4].ends_with("^^^^^^^^--------"), "{}", rows[4]);
    assert!(rows[6].ends_with("-----###########"), "{}", rows[6]);
    let flows = text(&run(&["flows", capture("quic-echo.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("UDP › QUIC › TLS 1.3"), "{flows}");
    assert!(flows.contains("content opaque"), "{flows}");
    let code = eavesdrop()
        .args(["check", "--deny", "plaintext"])
        .arg(capture("quic-echo.pcap"))
        .output()
        .unwrap()
        .status
        .code();
    assert_eq!(code, Some(0));
}

/// `flows` output and the `check --deny plaintext` verdict of one capture.
fn flows_and_check(name: &str) -> (String, bool) {
    let path = capture(name);
    let out = run(&["flows", "--color=never", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let check = run(&["check", "--deny", "plaintext", path.to_str().unwrap()]);
    (text(&out.stdout), check.status.success())
}

#[test]
fn vpn_stacks_are_named_and_their_content_is_opaque() {
    let cases = [
        (
            "wireguard-ping.pcap",
            "UDP › WireGuard",
            "content opaque (WireGuard: ChaCha20-Poly1305)",
        ),
        (
            "ipsec-ikev2-esp.pcap",
            "UDP › IKEv2 › ESP",
            "content opaque (ESP)",
        ),
        (
            "ipsec-ikev1-aggressive.pcap",
            "UDP › IKEv1 ",
            "identity alice@vpn.example, gw.vpn.example",
        ),
        (
            "openvpn-udp-tls.pcap",
            "UDP › OpenVPN › TLS 1.3",
            "content opaque (OpenVPN)",
        ),
        (
            "openvpn-tcp-tls12.pcap",
            "TCP › OpenVPN › TLS 1.2",
            "CN=vpn-client alice",
        ),
        (
            "openvpn-udp-static.pcap",
            "UDP › OpenVPN",
            "static key (--secret)",
        ),
    ];
    for (name, stack, said) in cases {
        let (flows, pass) = flows_and_check(name);
        assert!(flows.contains(stack), "{name}: {flows}");
        assert!(flows.contains(said), "{name}: {flows}");
        assert!(pass, "{name}: check --deny plaintext fails");
    }
    let (flows, _) = flows_and_check("ipsec-ikev2-esp.pcap");
    assert!(flows.contains("UDP › IKEv2 "), "the port-500 flow: {flows}");
}

#[test]
fn esp_over_ip_prints_tcpdumps_line() {
    let (l, _) = show_lines("ipsec-esp.pcap");
    assert!(
        has_line(
            &l,
            "IP 10.231.0.1 > 10.231.0.2: ESP(spi=0x61b6cb8d,seq=0x1), length 120"
        ),
        "{l:#?}"
    );
}

/// `check --deny plaintext --deny credentials` on a capture: exit code and report.
fn deny_plaintext_and_credentials(name: &str) -> (Option<i32>, String) {
    let out = eavesdrop()
        .args(["check", "--deny", "plaintext", "--deny", "credentials"])
        .arg(capture(name))
        .output()
        .unwrap();
    (out.status.code(), text(&out.stdout))
}

/// Databases, caches, proxies and brokers without TLS (scripts/make-db-captures.sh):
/// each fails the check, naming the frame and what was read.
#[test]
fn plaintext_databases_and_brokers_fail_the_check_naming_frame_and_secret() {
    let cases: &[(&str, &[&str])] = &[
        (
            "pgsql-md5.pcap",
            &[
                "frame 4: PGSQL content \"user\" readable",
                "frame 8: credential password-hash=md55d2ff86ffa204925704d4b88f86e49bc readable",
            ],
        ),
        (
            "pgsql-scram.pcap",
            &[
                "frame 4: PGSQL content \"user\" readable",
                "frame 10: credential scram-proof=",
            ],
        ),
        (
            "redis-auth.pcap",
            &[
                "frame 4: REDIS content \"AUTH\" readable",
                "frame 4: credential password=s3cret readable",
                "frame 16: credential user=alice password=wonderland readable",
            ],
        ),
        (
            "socks5-auth.pcap",
            &[
                "frame 8: SOCKS content \"socksuser\" readable",
                "frame 8: credential user=socksuser password=secret readable",
                "frame 28: credential user=socksuser password=secret readable",
            ],
        ),
        (
            "mqtt-auth.pcap",
            &[
                "frame 4: MQTT content",
                "frame 4: credential user=alice password=secret readable",
                "frame 32: credential user=alice password=guess readable",
            ],
        ),
    ];
    for (name, wanted) in cases {
        let (code, out) = deny_plaintext_and_credentials(name);
        assert_eq!(code, Some(1), "{name}: {out}");
        for w in *wanted {
            assert!(out.contains(w), "{name}: {w:?} not in {out}");
        }
    }
}

#[test]
fn postgres_sessions_show_login_hash_proof_and_sql() {
    let (l, _) = show_lines("pgsql-md5.pcap");
    assert!(
        has_line(&l, "PostgreSQL StartupMessage user=alice database=shop"),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "PostgreSQL PasswordMessage [password-hash=md55d2ff86ffa204925704d4b88f86e49bc]"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "PostgreSQL Query: SELECT name, price FROM items WHERE price < 4"
        ),
        "{l:#?}"
    );
    assert!(has_line(&l, "CommandComplete SELECT 1"), "{l:#?}");
    let (l, _) = show_lines("pgsql-scram.pcap");
    assert!(has_line(&l, "AuthenticationSASL SCRAM-SHA-256"), "{l:#?}");
    assert!(has_line(&l, "SASLResponse [scram-proof="), "{l:#?}");
    assert!(
        has_line(&l, "Parse P_0: SELECT name FROM items WHERE price > 4;"),
        "{l:#?}"
    );
    let flows = text(&run(&["flows", capture("pgsql-scram.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("TCP › PostgreSQL "), "{flows}");
    assert!(flows.contains("user name: bob"), "{flows}");
    assert!(flows.contains("URL: database=shop"), "{flows}");
}

#[test]
fn redis_auth_hello_and_inline_commands_are_named() {
    let (l, _) = show_lines("redis-auth.pcap");
    for want in [
        // tcpdump's RESP printer shows the command; eavesdrop adds its credentials.
        "RESP \"AUTH\" \"s3cret\": [password=s3cret]",
        "RESP \"AUTH\" \"alice\" \"wonderland\": [user=alice password=wonderland]",
        "Redis HELLO 3 [user=alice password=wonderland]",
        "Redis error WRONGPASS",
        "RESP \"CLIENT SETNAME telnet-user\"",
        "Redis GET user:1",
    ] {
        assert!(has_line(&l, want), "{want}: {l:#?}");
    }
    let flows = text(&run(&["flows", capture("redis-auth.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("TCP › Redis "), "{flows}");
    assert!(
        flows.contains("identity: client_name=inventory-worker"),
        "{flows}"
    );
}

#[test]
fn socks5_login_and_the_tunnels_it_carries() {
    let (l, _) = show_lines("socks5-auth.pcap");
    for want in [
        "SOCKS5 username/password [user=socksuser password=secret]",
        "SOCKS5 CONNECT localhost:8080",
        "SOCKS5 CONNECT localhost:8443",
        "HTTP GET /",
        "TLSv1.3 ClientHello (SNI=localhost",
    ] {
        assert!(has_line(&l, want), "{want}: {l:#?}");
    }
    let flows = text(&run(&["flows", capture("socks5-auth.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("TCP › SOCKS5 › HTTP "), "{flows}");
    assert!(flows.contains("TCP › SOCKS5 › TLS 1.3 "), "{flows}");
    assert!(flows.contains("URL: localhost:8443"), "{flows}");
}

#[test]
fn mqtt_connect_publish_and_subscribe_are_named() {
    let (l, _) = show_lines("mqtt-auth.pcap");
    for want in [
        "MQTT CONNECT MQTT level 5 client=dashboard [user=alice password=secret]",
        "MQTT CONNECT client=sensor-7 will=home/livingroom/sensor-7/status [user=alice password=secret]",
        "MQTT SUBSCRIBE home/#",
        "MQTT PUBLISH home/livingroom/temperature (4 bytes)",
        "MQTT CONNACK refused: not authorized",
    ] {
        assert!(has_line(&l, want), "{want}: {l:#?}");
    }
    let flows = text(&run(&["flows", capture("mqtt-auth.pcap").to_str().unwrap()]).stdout);
    assert!(flows.contains("identity: client=sensor-7"), "{flows}");
    assert!(
        flows.contains("URL: topic=home/livingroom/temperature"),
        "{flows}"
    );
}

/// WebSocket (scripts/make-websocket-capture.sh, Python's `websockets` on both ends):
/// frames follow the 101, masked text is readable, a random binary message opaque,
/// a structured one readable, compressed messages readable; the frames' opcodes and
/// lengths are tshark's.
#[test]
fn websocket_frames_are_read_as_tshark_reads_them() {
    let (l, summary) = show_lines("websocket-echo.pcap");
    let frames: Vec<&String> = l.iter().filter(|l| l.contains(": WebSocket ")).collect();
    assert!(has_line(&l, "WebSocket text frame, 29 bytes"), "{l:#?}");
    assert!(
        has_line(&l, "WebSocket binary frame, 600 bytes, 600 bytes opaque"),
        "{l:#?}"
    );
    assert!(has_line(&l, "WebSocket binary frame, 640 bytes"), "{l:#?}");
    assert!(!has_line(&l, "640 bytes opaque"), "{l:#?}");
    assert!(
        has_line(&l, "WebSocket text frame, 29 bytes, compressed"),
        "{l:#?}"
    );
    assert!(has_line(&l, "WebSocket close 1000"), "{l:#?}");
    assert!(summary.contains("undecoded 0 (0.0%)"), "{summary}");
    // The readable text: the textbook's message, unmasked.
    let out = run(&[
        "flows",
        "--json",
        capture("websocket-echo.pcap").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let flows = text(&out.stdout);
    assert!(flows.contains("fully encrypted"), "{flows}");

    if !tshark_available() {
        return;
    }
    let t = std::process::Command::new("tshark")
        .args(["-r", capture("websocket-echo.pcap").to_str().unwrap()])
        .args(["-Y", "websocket", "-T", "fields", "-e", "websocket.opcode"])
        .args([
            "-e",
            "websocket.payload_length",
            "-e",
            "websocket.payload_length_ext_16",
        ])
        .output()
        .unwrap();
    let theirs: Vec<(u8, u64)> = text(&t.stdout)
        .lines()
        .map(|r| {
            let f: Vec<&str> = r.split('\t').collect();
            let len = match f[2] {
                "" => f[1].parse().unwrap(),
                ext => ext.parse().unwrap(),
            };
            (f[0].parse().unwrap(), len)
        })
        .collect();
    let ours: Vec<(u8, u64)> = frames
        .iter()
        .map(|l| {
            let d = l.split(": WebSocket ").nth(1).unwrap();
            if let Some(code) = d.strip_prefix("close ") {
                assert!(code.starts_with("1000"));
                return (8, 2);
            }
            let op = match d.split(' ').next().unwrap() {
                "text" => 1,
                "binary" => 2,
                "ping" => 9,
                "pong" => 10,
                other => panic!("{other}"),
            };
            let len = d
                .split(", ")
                .nth(1)
                .unwrap()
                .trim_end_matches(" bytes")
                .parse()
                .unwrap();
            (op, len)
        })
        .collect();
    assert_eq!(ours, theirs);
}

/// A capture begun during a TLS transfer starts inside a record: TLS is found at the
/// next record header (confirmed by where the record ends), the tail before it stays
/// undecoded with a note, and the records after it are opaque.
#[test]
fn tls_picked_up_inside_a_record() {
    let (l, summary) = show_lines("tls13-midrecord.pcap");
    assert!(
        has_line(&l, "length 610: TLS continuation, 610 bytes undecoded"),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "length 10052: TLSv1.2 ApplicationData, 10047 bytes opaque"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "length 818: TLS continuation, 818 bytes opaque"),
        "{l:#?}"
    );
    assert!(summary.contains("undecoded 610 "), "{summary}");
    let out = run(&[
        "show",
        "--color=never",
        capture("tls13-midrecord.pcap").to_str().unwrap(),
    ]);
    assert!(text(&out.stdout).contains("the stream starts inside a TLS record"));
}

//! Protocols where plaintext and credentials travel (NTLMSSP, SMB2/3, Kerberos, SNMP,
//! SIP, RDP, HTTP/2 cleartext): what the sample captures made with real servers and
//! clients (scripts/make-more-captures.sh) must show, what `check --deny credentials`
//! says of them, and hostile inputs (lengths of 2^31, truncated headers, ASN.1 nested
//! thousands deep) that must give labels and notes, never a panic or a hang.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// (kind, value) of every leak of every flow, and the flows' stacks.
fn flow_leaks(path: &Path) -> (Vec<(String, String)>, Vec<String>) {
    let out = run(&["flows", "--json", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut leaks = Vec::new();
    let mut stacks = Vec::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "flow" {
            continue;
        }
        stacks.push(
            v["stack"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" › "),
        );
        for l in v["leaks"].as_array().unwrap() {
            leaks.push((
                l["kind"].as_str().unwrap().to_string(),
                l["value"].as_str().unwrap().to_string(),
            ));
        }
    }
    (leaks, stacks)
}

fn has_leak(leaks: &[(String, String)], kind: &str, value: &str) -> bool {
    leaks.iter().any(|(k, v)| k == kind && v.contains(value))
}

/// `check --deny credentials`: its exit code and its report.
fn deny_credentials(name: &str) -> (i32, String) {
    let out = run(&[
        "check",
        "--deny",
        "credentials",
        capture(name).to_str().unwrap(),
    ]);
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout) + &text(&out.stderr),
    )
}

/// Percentages of the captured bytes on the summary's `payload bytes` line, by label.
fn payload_share(summary: &str, label: &str) -> u64 {
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with("payload bytes"))
        .unwrap_or_else(|| panic!("{summary}"));
    let at = line
        .find(&format!("{label} "))
        .unwrap_or_else(|| panic!("{line}"));
    line[at + label.len() + 1..]
        .split_whitespace()
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

#[test]
fn smb3_session_setup_names_the_user_and_the_ntlm_response_is_a_credential() {
    let (l, summary) = show_lines("smb3-ntlm.pcap");
    assert!(
        has_line(&l, "SMB2 NEGOTIATE response dialect 3.1.1"),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "SMB2 SESSION_SETUP response STATUS_MORE_PROCESSING_REQUIRED NTLMSSP_CHALLENGE"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(
            &l,
            "SMB2 SESSION_SETUP request NTLMSSP_AUTH user=EXAMPLE\\\\alice"
        ),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "SMB2 TREE_CONNECT request \\\\\\\\127.0.0.1\\\\public"),
        "{l:#?}"
    );
    assert!(has_line(&l, "SMB2 READ response 43 bytes"), "{l:#?}");
    assert!(has_line(&l, "SMB2 CREATE request upload.txt"), "{l:#?}");
    // Signing without encryption: the signatures are the only opaque bytes.
    assert!(payload_share(&summary, "opaque") < 200, "{summary}");
    let (leaks, stacks) = flow_leaks(&capture("smb3-ntlm.pcap"));
    assert_eq!(stacks, ["TCP › SMB2"]);
    assert!(has_leak(&leaks, "user name", "EXAMPLE\\alice"), "{leaks:?}");
    assert!(has_leak(&leaks, "credential", "NetNTLMv2="), "{leaks:?}");
    assert!(
        has_leak(&leaks, "URL", "\\\\127.0.0.1\\public"),
        "{leaks:?}"
    );
}

#[test]
fn smb3_transform_header_makes_the_rest_opaque() {
    let (l, summary) = show_lines("smb3-encrypted.pcap");
    assert!(
        has_line(&l, "TREE_CONNECT response (encrypted share)"),
        "{l:#?}"
    );
    let encrypted: Vec<&String> = l
        .iter()
        .filter(|x| x.contains("SMB3 encrypted message"))
        .collect();
    assert_eq!(encrypted.len(), 10, "{l:#?}");
    // After the transform header nothing is named: no READ, no file name.
    assert!(!has_line(&l, "SMB2 READ"), "{l:#?}");
    assert!(!has_line(&l, "report.txt"), "{l:#?}");
    assert!(payload_share(&summary, "opaque") > 1000, "{summary}");
}

#[test]
fn kerberos_names_principals_and_the_password_keyed_ciphers_are_credentials() {
    for name in ["kerberos-udp.pcap", "kerberos-tcp.pcap"] {
        let (l, _) = show_lines(name);
        assert!(
            has_line(
                &l,
                "Kerberos AS-REQ alice@EXAMPLE.TEST for krbtgt/EXAMPLE.TEST (encrypted timestamp"
            ),
            "{name}: {l:#?}"
        );
        assert!(
            has_line(&l, "KRB-ERROR KDC_ERR_PREAUTH_REQUIRED"),
            "{name}: {l:#?}"
        );
        let (leaks, _) = flow_leaks(&capture(name));
        assert!(has_leak(&leaks, "identity", "alice"), "{leaks:?}");
        assert!(
            has_leak(
                &leaks,
                "credential",
                "encrypted timestamp of alice@EXAMPLE.TEST"
            ),
            "{leaks:?}"
        );
        assert!(
            has_leak(
                &leaks,
                "credential",
                "AS-REP enc-part for alice@EXAMPLE.TEST"
            ),
            "{leaks:?}"
        );
    }
    let (l, summary) = show_lines("kerberos-udp.pcap");
    assert!(has_line(&l, "TGS-REQ for HTTP/web.example.test"), "{l:#?}");
    assert!(has_line(&l, "AS-REP carol@EXAMPLE.TEST"), "{l:#?}");
    assert!(has_line(&l, "AS-REP roasting"), "{l:#?}");
    // Tickets, enc-parts and authenticators: more than half of the payload.
    assert!(payload_share(&summary, "opaque") > 2000, "{summary}");
    let (leaks, _) = flow_leaks(&capture("kerberos-udp.pcap"));
    assert!(
        has_leak(&leaks, "URL", "HTTP/web.example.test"),
        "{leaks:?}"
    );
}

#[test]
fn snmp_community_is_a_credential_and_v3_hides_its_pdu() {
    let (l, _) = show_lines("snmp-v2c-v3.pcap");
    assert!(
        has_line(&l, "SNMP v2c GetRequest 1.3.6.1.2.1.1.1.0"),
        "{l:#?}"
    );
    assert!(has_line(&l, "\"Server room 3, rack 12\""), "{l:#?}");
    assert!(
        has_line(&l, "SNMP v3 user=alice authPriv encrypted PDU"),
        "{l:#?}"
    );
    let (leaks, _) = flow_leaks(&capture("snmp-v2c-v3.pcap"));
    assert!(
        has_leak(&leaks, "credential", "community=public"),
        "{leaks:?}"
    );
    assert!(has_leak(&leaks, "user name", "alice"), "{leaks:?}");
}

#[test]
fn sip_digest_response_is_a_credential_over_udp_and_tcp() {
    for name in ["sip-digest-udp.pcap", "sip-digest-tcp.pcap"] {
        let (l, _) = show_lines(name);
        assert!(
            has_line(
                &l,
                "SIP INVITE sip:bob@example.test from sip:alice@example.test [Digest user=alice realm=example.test response="
            ),
            "{name}: {l:#?}"
        );
        assert!(has_line(&l, "SIP/2.0 401 Unauthorized"), "{name}: {l:#?}");
        assert!(has_line(&l, "SIP BYE"), "{name}: {l:#?}");
        let (leaks, _) = flow_leaks(&capture(name));
        assert!(
            has_leak(&leaks, "credential", "Digest user=alice"),
            "{leaks:?}"
        );
        assert!(has_leak(&leaks, "user name", "alice"), "{leaks:?}");
    }
}

#[test]
fn rdp_cookie_names_the_user_then_tls_or_rc4_hides_the_session() {
    let (l, summary) = show_lines("rdp-tls.pcap");
    assert!(
        has_line(&l, "RDP Connection Request user=alice, offers TLS|CredSSP"),
        "{l:#?}"
    );
    assert!(
        has_line(&l, "RDP Connection Confirm, selects TLS"),
        "{l:#?}"
    );
    assert!(has_line(&l, "TLSv1.3 ClientHello"), "{l:#?}");
    assert!(payload_share(&summary, "opaque") > 6000, "{summary}");
    let (leaks, stacks) = flow_leaks(&capture("rdp-tls.pcap"));
    assert!(has_leak(&leaks, "user name", "alice"), "{leaks:?}");
    assert!(stacks[0].contains("RDP › TLS"), "{stacks:?}");

    let (l, _) = show_lines("rdp-standard-security.pcap");
    assert!(has_line(&l, "standard RDP security"), "{l:#?}");
    assert!(has_line(&l, "RDP MCS Connect Initial client=vm"), "{l:#?}");
    assert!(has_line(&l, "RDP encrypted PDU"), "{l:#?}");
}

#[test]
fn h2c_headers_are_decoded_and_authorization_is_a_credential() {
    let (leaks, stacks) = flow_leaks(&capture("h2c-prior-knowledge.pcap"));
    assert_eq!(stacks, ["TCP › HTTP/2"]);
    assert!(
        has_leak(&leaks, "credential", "Basic alice:secret"),
        "{leaks:?}"
    );
    assert!(has_leak(&leaks, "cookie", ""), "{leaks:?}");
    let (leaks, stacks) = flow_leaks(&capture("h2c-upgrade.pcap"));
    assert_eq!(stacks, ["TCP › HTTP › Upgrade › HTTP/2"]);
    assert!(has_leak(&leaks, "cookie", ""), "{leaks:?}");
    let (l, _) = show_lines("h2c-upgrade.pcap");
    assert!(has_line(&l, "HTTP/1.1 101 Switching Protocols"), "{l:#?}");
    assert!(has_line(&l, "HTTP/2 connection preface"), "{l:#?}");
    assert!(has_line(&l, "HEADERS stream 1 200 [set-cookie]"), "{l:#?}");
}

#[test]
fn deny_credentials_fails_on_every_offline_guessable_secret() {
    for (name, needle) in [
        ("smb3-ntlm.pcap", "NetNTLMv2="),
        ("smb3-encrypted.pcap", "NetNTLMv2="),
        (
            "kerberos-udp.pcap",
            "encrypted timestamp of alice@EXAMPLE.TEST",
        ),
        (
            "kerberos-tcp.pcap",
            "AS-REP enc-part for alice@EXAMPLE.TEST",
        ),
        ("snmp-v2c-v3.pcap", "community=public"),
        ("snmp-v2c-v3.pcap", "HMAC="),
        ("sip-digest-udp.pcap", "response="),
        ("sip-digest-tcp.pcap", "response="),
        ("h2c-prior-knowledge.pcap", "Basic alice:secret"),
    ] {
        let (code, report) = deny_credentials(name);
        assert_eq!(code, 1, "{name}: {report}");
        assert!(report.contains(needle), "{name}: {report}");
    }
    // A user name is a leak, not a credential: the RDP cookie passes.
    for name in ["rdp-tls.pcap", "rdp-standard-security.pcap"] {
        let (code, report) = deny_credentials(name);
        assert_eq!(code, 0, "{name}: {report}");
    }
}

// ---------------------------------------------------------------------------------
// Hostile inputs.

/// An IPv4 + UDP packet (raw IP, no link header).
fn ipv4_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let total = 20 + 8 + payload.len();
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0x40,
        0,
        64,
        17,
        0,
        0,
        10,
        0,
        0,
        1,
        10,
        0,
        0,
        2,
    ];
    let mut sum = 0u32;
    for c in p.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let c = !(sum as u16);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    let udp_len = (8 + payload.len()) as u16;
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&udp_len.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

/// A TCP connection to `port` (handshake, then each payload in its direction).
fn tcp_pcap(port: u16, payloads: &[(bool, Vec<u8>)]) -> Pcap {
    let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let (mut cseq, mut sseq) = (1000u32, 5000u32);
    let mut p = Pcap::new(101, 262_144)
        .frame(1, &ipv4_tcp(c, s, 40000, port, cseq, 0, 0x02, &[]))
        .frame(1, &ipv4_tcp(s, c, port, 40000, sseq, cseq + 1, 0x12, &[]));
    cseq += 1;
    sseq += 1;
    for (to_server, data) in payloads {
        let frame = if *to_server {
            let f = ipv4_tcp(c, s, 40000, port, cseq, sseq, 0x18, data);
            cseq = cseq.wrapping_add(data.len() as u32);
            f
        } else {
            let f = ipv4_tcp(s, c, port, 40000, sseq, cseq, 0x18, data);
            sseq = sseq.wrapping_add(data.len() as u32);
            f
        };
        p = p.frame(2, &frame);
    }
    p
}

fn udp_pcap(port: u16, payloads: &[Vec<u8>]) -> Pcap {
    payloads.iter().fold(Pcap::new(101, 262_144), |p, d| {
        p.frame(1, &ipv4_udp(40000, port, d))
    })
}

/// `show` and `flows --json` of a crafted file: both succeed within 60 seconds
/// without a panic; returns `show`'s output.
fn survives(path: &PathBuf) -> String {
    let mut out = String::new();
    for args in [&["show", "--color=never"][..], &["flows", "--json"][..]] {
        let mut cmd = eavesdrop();
        cmd.args(args).arg(path);
        let o: Output = output_within(cmd, 60, &path.display().to_string());
        let err = text(&o.stderr);
        assert!(o.status.success(), "{}: {err}", path.display());
        assert!(!err.contains("panicked"), "{}: {err}", path.display());
        out.push_str(&text(&o.stdout));
    }
    out
}

/// DER: a tag and a definite length (long form when needed) around `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else {
        v.extend_from_slice(&[0x84]);
        v.extend_from_slice(&(n as u32).to_be_bytes());
    }
    v.extend_from_slice(content);
    v
}

/// `depth` SEQUENCEs inside each other, around one INTEGER.
fn nested(depth: usize) -> Vec<u8> {
    (0..depth).fold(vec![2, 1, 1], |inner, _| der(0x30, &inner))
}

#[test]
fn hostile_asn1_in_kerberos_and_snmp_is_bounded() {
    let dir = tempdir("credentials-asn1");
    // 5000 nested SEQUENCEs (the file is about 30 KB), as an AS-REQ and as an SNMP
    // message; lengths of 2^31 and 2^32-1 in the long form; a definite length on an
    // indefinite-length tag (0x80), which DER forbids.
    let deep = nested(5000);
    let huge_len = |tag: u8| {
        let mut v = vec![tag, 0x84, 0x80, 0, 0, 0];
        v.extend_from_slice(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 2, 1, 1]);
        v
    };
    let indefinite = vec![0x6a, 0x80, 0x30, 0x80, 0, 0, 0, 0];
    let as_req = der(0x6a, &deep);
    let snmp = der(0x30, &[&[2, 1, 1][..], &der(4, b"public"), &deep].concat());
    let mut krb = vec![as_req.clone(), huge_len(0x6a), indefinite.clone()];
    krb.push(der(0x6a, &der(0x30, &der(0xa1, &nested(3000)))));
    let p = udp_pcap(88, &krb).write(&dir, "krb-udp.pcap");
    let out = survives(&p);
    assert!(out.contains("Kerberos"), "{out}");
    let p = udp_pcap(161, &[snmp, huge_len(0x30), indefinite]).write(&dir, "snmp.pcap");
    survives(&p);
    // Kerberos over TCP: a record mark of 2^31 (the reserved bit) and of 2^31-1.
    let mut mark = 0x8000_0000u32.to_be_bytes().to_vec();
    mark.extend_from_slice(&as_req[..64]);
    let mut big = 0x7fff_ffffu32.to_be_bytes().to_vec();
    big.extend_from_slice(&as_req[..64]);
    let mut whole = (as_req.len() as u32).to_be_bytes().to_vec();
    whole.extend_from_slice(&as_req);
    let p = tcp_pcap(88, &[(true, whole), (true, mark), (true, big)]).write(&dir, "krb-tcp.pcap");
    survives(&p);
}

#[test]
fn hostile_smb_ntlm_sip_rdp_and_h2_lengths_are_bounded() {
    let dir = tempdir("credentials-lengths");
    // SMB: a NetBIOS length of 2^24-1 before an SMB2 header; a transform header
    // claiming 2^32-1 bytes; an NTLMSSP AUTHENTICATE whose buffers point at
    // 0xffffffff, in a SESSION_SETUP.
    let smb2 = |command: u16, body: &[u8]| {
        let mut m = b"\xfeSMB".to_vec();
        m.extend_from_slice(&64u16.to_le_bytes());
        m.extend_from_slice(&[0; 6]);
        m.extend_from_slice(&command.to_le_bytes());
        m.extend_from_slice(&[0; 50]);
        m.extend_from_slice(body);
        let mut f = vec![0];
        f.extend_from_slice(&(m.len() as u32).to_be_bytes()[1..]);
        f.extend_from_slice(&m);
        f
    };
    let mut ntlm = b"NTLMSSP\0\x03\0\0\0".to_vec();
    for _ in 0..6 {
        ntlm.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    }
    let mut setup = vec![0x19, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    setup.extend_from_slice(&88u16.to_le_bytes());
    setup.extend_from_slice(&(ntlm.len() as u16).to_le_bytes());
    setup.extend_from_slice(&[0; 8]);
    setup.extend_from_slice(&ntlm);
    let mut transform = vec![0, 0, 0, 52];
    transform.extend_from_slice(b"\xfdSMB");
    transform.extend_from_slice(&[0; 32]);
    transform.extend_from_slice(&u32::MAX.to_le_bytes());
    transform.extend_from_slice(&[0; 12]);
    let mut long = vec![0, 0xff, 0xff, 0xff];
    long.extend_from_slice(b"\xfeSMB");
    long.extend_from_slice(&[0x40; 60]);
    let p = tcp_pcap(
        445,
        &[
            (true, smb2(1, &setup)),
            (true, transform),
            (false, smb2(3, &[9, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])),
            (true, long),
        ],
    )
    .write(&dir, "smb.pcap");
    let out = survives(&p);
    assert!(out.contains("SMB2 SESSION_SETUP"), "{out}");
    // NTLM in HTTP with the same buffers, and a base64 blob that is not NTLM.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&ntlm);
    let http = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: NTLM {b64}\r\n\r\nGET / HTTP/1.1\r\nAuthorization: Negotiate !!!\r\n\r\n"
    );
    let p = tcp_pcap(80, &[(true, http.into_bytes())]).write(&dir, "ntlm-http.pcap");
    survives(&p);
    // SIP over TCP with a Content-Length of 2^31, then one of 2^64.
    let sip = "INVITE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/TCP a\r\nFrom: <sip:alice@x>\r\nTo: <sip:bob@x>\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\nContent-Length: 2147483648\r\n\r\nv=0\r\n";
    let sip2 = sip.replace("2147483648", "18446744073709551616");
    let p = tcp_pcap(
        5060,
        &[(true, sip.into()), (true, sip2.clone().into_bytes())],
    )
    .write(&dir, "sip-tcp.pcap");
    let out = survives(&p);
    assert!(out.contains("SIP INVITE"), "{out}");
    let p =
        udp_pcap(5060, &[sip2.into_bytes(), b"SIP/2.0 200".to_vec()]).write(&dir, "sip-udp.pcap");
    survives(&p);
    // RDP: a TPKT of 65535 bytes holding a truncated X.224 request; a cookie line
    // without its end.
    let mut cr = vec![3, 0, 0xff, 0xff, 0xfe, 0xe0, 0, 0, 0, 0, 0];
    cr.extend_from_slice(b"Cookie: mstshash=");
    cr.extend(std::iter::repeat_n(b'a', 2000));
    let p = tcp_pcap(3389, &[(true, cr), (true, vec![3, 0, 0, 4])]).write(&dir, "rdp.pcap");
    survives(&p);
    // HTTP/2: the preface, a frame of 2^24-1 bytes, a HEADERS frame whose HPACK
    // integer overflows, and an index past the tables.
    let frame = |len: u32, kind: u8, flags: u8, stream: u32, payload: &[u8]| {
        let mut f = len.to_be_bytes()[1..].to_vec();
        f.extend_from_slice(&[kind, flags]);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    };
    let mut h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    h2.extend(frame(0, 4, 0, 0, &[]));
    let overflow = [0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    h2.extend(frame(overflow.len() as u32, 1, 4, 1, &overflow));
    h2.extend(frame(2, 1, 4, 3, &[0xff, 0x7f]));
    h2.extend(frame(3, 1, 4, 5, &[0xbe, 0x82, 0x84]));
    let mut giant = h2.clone();
    giant.extend(frame(0xff_ffff, 0, 0, 1, b"data"));
    let p = tcp_pcap(8080, &[(true, giant)]).write(&dir, "h2.pcap");
    let out = survives(&p);
    assert!(out.contains("HTTP/2"), "{out}");
}

#[test]
fn hpack_table_size_update_and_continuation_flood_are_bounded() {
    let dir = tempdir("credentials-hpack");
    let frame = |len: u32, kind: u8, flags: u8, stream: u32, payload: &[u8]| {
        let mut f = len.to_be_bytes()[1..].to_vec();
        f.extend_from_slice(&[kind, flags]);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    };
    let mut h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    h2.extend(frame(0, 4, 0, 0, &[]));
    // A table size update to 2^31 (beyond the SETTINGS bound), then a HEADERS frame
    // without END_HEADERS followed by 200 CONTINUATION frames of 1000 bytes each,
    // literals with incremental indexing of 900-byte values.
    let mut first = vec![0x3f, 0xe1, 0xff, 0xff, 0xff, 0x07];
    first.extend_from_slice(&[0x40, 0x01, b'x', 0x7f, 0x85, 0x06]);
    first.extend(std::iter::repeat_n(b'v', 900));
    h2.extend(frame(first.len() as u32, 1, 0, 1, &first));
    for i in 0..200u32 {
        let last = if i == 199 { 4 } else { 0 };
        h2.extend(frame(1000, 9, last, 1, &[b'c'; 1000]));
    }
    let p = tcp_pcap(8080, &[(true, h2)]).write(&dir, "hpack.pcap");
    survives(&p);
}

/// The three NTLMSSP messages smbclient and Samba exchanged in captures/smb3-ntlm.pcap
/// (cut out of its SPNEGO tokens), carried by other protocols.
fn ntlm_messages() -> [String; 3] {
    use base64::Engine;
    ["negotiate", "challenge", "authenticate"].map(|m| {
        let bytes = std::fs::read(repo().join(format!("tests/data/ntlm-{m}.bin"))).unwrap();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    })
}

#[test]
fn ntlm_over_http_names_the_user_and_the_response_is_a_credential() {
    let dir = tempdir("credentials-ntlm-http");
    let [n, c, a] = ntlm_messages();
    let p = tcp_pcap(
        80,
        &[
            (true, format!("GET /intranet HTTP/1.1\r\nHost: intranet\r\nAuthorization: NTLM {n}\r\n\r\n").into_bytes()),
            (false, format!("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: NTLM {c}\r\nContent-Length: 0\r\n\r\n").into_bytes()),
            (true, format!("GET /intranet HTTP/1.1\r\nHost: intranet\r\nAuthorization: NTLM {a}\r\n\r\n").into_bytes()),
            (false, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec()),
        ],
    )
    .write(&dir, "ntlm-http.pcap");
    let out = survives(&p);
    assert!(out.contains("NTLMSSP_CHALLENGE"), "{out}");
    let (leaks, _) = flow_leaks(&p);
    assert!(has_leak(&leaks, "user name", "EXAMPLE\\alice"), "{leaks:?}");
    assert!(has_leak(&leaks, "credential", "NetNTLMv2="), "{leaks:?}");
    // The server challenge from the 401 is named beside the response.
    assert!(has_leak(&leaks, "credential", "challenge="), "{leaks:?}");
    let o = run(&["check", "--deny", "credentials", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
}

#[test]
fn ntlm_in_smtp_auth_names_the_user_and_the_response_is_a_credential() {
    let dir = tempdir("credentials-ntlm-smtp");
    let [n, c, a] = ntlm_messages();
    let p = tcp_pcap(
        25,
        &[
            (false, b"220 mail.example.test ESMTP\r\n".to_vec()),
            (true, b"EHLO client\r\n".to_vec()),
            (
                false,
                b"250-mail.example.test\r\n250 AUTH NTLM\r\n".to_vec(),
            ),
            (true, format!("AUTH NTLM {n}\r\n").into_bytes()),
            (false, format!("334 {c}\r\n").into_bytes()),
            (true, format!("{a}\r\n").into_bytes()),
            (false, b"235 2.7.0 Authentication successful\r\n".to_vec()),
        ],
    )
    .write(&dir, "ntlm-smtp.pcap");
    survives(&p);
    let (leaks, stacks) = flow_leaks(&p);
    assert_eq!(stacks, ["TCP › SMTP"]);
    assert!(has_leak(&leaks, "user name", "EXAMPLE\\alice"), "{leaks:?}");
    assert!(has_leak(&leaks, "credential", "NetNTLMv2="), "{leaks:?}");
}

/// `check --deny plaintext` names a DNS query by its name, not its wire form, and an
/// FTP reply as FTP's; and a
/// WebSocket session fails it for its text messages (the masking key travels with
/// them).
#[test]
fn check_names_dns_queries_and_ftp_replies_and_websocket_text_fails_plaintext() {
    let out = run(&[
        "check",
        "--deny",
        "plaintext",
        capture("dns-queries.pcap").to_str().unwrap(),
    ]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("DNS query \"www.example.test.\" readable"),
        "{report}"
    );
    let out = run(&[
        "check",
        "--deny",
        "plaintext",
        capture("websocket-echo.pcap").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    // The mail protocols share fields: the words name the flow's own.
    let out = run(&[
        "check",
        "--deny",
        "plaintext",
        capture("ftp-password.pcap").to_str().unwrap(),
    ]);
    let report = text(&out.stdout);
    assert!(report.contains(": FTP reply \"220 pyftpdlib"), "{report}");
    assert!(!report.contains("SMTP"), "{report}");
}

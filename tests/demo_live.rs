//! `eavesdrop demo --live` (feature `demo`): eavesdrop's own rustls servers on
//! loopback, captured with libpcap as root. Without root the test skips, unless
//! EAVESDROP_REQUIRE_PEERS says CI runs it (as root).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![cfg(feature = "demo")]

mod common;

use common::*;
use std::process::Command;

#[test]
fn live_demo_tells_three_acts_on_fresh_traffic_and_keeps_captures_with_keylogs() {
    if !is_root() {
        assert!(!peers_required(), "the live demo needs root in CI");
        eprintln!("not root: skipped");
        return;
    }
    let dir = tempdir("demo-live");
    let mut cmd = eavesdrop();
    cmd.args(["demo", "--live", "--color=never", "--write"])
        .arg(&dir);
    let out = output_within(cmd, 60, "eavesdrop demo --live");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("captured on loopback just now"), "{s}");
    let act = |n: &str| s.find(n).unwrap_or_else(|| panic!("no {n}: {s}"));
    let (a1, a2, a3, end) = (
        act("Act 1: plaintext"),
        act("Act 2: TLS 1.2"),
        act("Act 3: TLS 1.3"),
        act("What the eavesdropper learned"),
    );
    assert!(a1 < a2 && a2 < a3 && a3 < end);
    let (plain, tls12, tls13) = (&s[a1..a2], &s[a2..a3], &s[a3..end]);
    assert!(plain.contains("Simple.is.be"), "{plain}");
    assert!(plain.contains("the message is readable in the clear"));
    assert!(
        tls12.contains("TLSv1.2 ClientHello (SNI=localhost)"),
        "{tls12}"
    );
    // (The packet line is cut at the demo's width before the certificate: the finding
    // says it.)
    assert!(
        tls12.contains(
            "the certificate is readable: CN=localhost (issuer CN=Eavesdrop Teaching CA)"
        ),
        "the CA's name is readable: {tls12}"
    );
    assert!(tls12.contains("the message is opaque"), "{tls12}");
    assert!(!tls12.contains("Simple.is.be"), "{tls12}");
    assert!(
        tls13.contains("TLSv1.3 ClientHello (SNI=localhost)"),
        "{tls13}"
    );
    assert!(tls13.contains("the certificate is encrypted"), "{tls13}");
    assert!(!tls13.contains("Eavesdrop.T"), "{tls13}");
    assert!(!tls13.contains("Simple.is.be"), "{tls13}");
    // The message's record sizes: 31 + 8 (GCM explicit nonce) + 16, and 31 + 1 + 16,
    // and the message's length the observer infers from them.
    assert!(
        tls12.contains("31 bytes long (a 55-byte record)"),
        "{tls12}"
    );
    assert!(
        tls13.contains("≤ 31 bytes long (a 48-byte record)"),
        "{tls13}"
    );

    // --write kept every capture, and the key logs really are the session's: tshark
    // decrypts the message with them (and eavesdrop reads the captures back).
    for (stem, keys) in [
        ("plain-echo", false),
        ("tls12-echo", true),
        ("tls13-echo", true),
    ] {
        let pcap = dir.join(format!("{stem}.pcapng"));
        let back = run(&["flows", pcap.to_str().unwrap()]);
        assert!(back.status.success(), "{}", text(&back.stderr));
        assert!(text(&back.stdout).contains("1 flow (1 TCP"), "{stem}");
        let keylog = dir.join(format!("{stem}.keylog"));
        assert_eq!(keylog.exists(), keys, "{stem}");
        if keys && have("tshark") {
            let out = Command::new("tshark")
                .arg("-r")
                .arg(&pcap)
                .arg("-o")
                .arg(format!("tls.keylog_file:{}", keylog.display()))
                .args(["-Y", "tls.app_data", "-x"])
                .output()
                .unwrap();
            let dump = text(&out.stdout);
            assert!(
                dump.contains("Simple is better"),
                "tshark decrypts {stem} with its key log: {dump}"
            );
        }
    }
    assert!(dir.join("ca.der").exists());
}

#[test]
fn live_demo_without_permission_names_the_fixes() {
    if !is_root() {
        return;
    }
    // As `nobody`, from a copy of the binary it can read.
    let copy = std::env::temp_dir().join(format!("eavesdrop-demo-nobody-{}", std::process::id()));
    std::fs::copy(exe(), &copy).unwrap();
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&copy)
        .args(["demo", "--live"])
        .output();
    let _ = std::fs::remove_file(&copy);
    let Ok(out) = out else { return };
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("no permission to capture on lo"), "{err}");
    assert!(err.contains("setcap"), "{err}");
    assert!(out.stdout.is_empty(), "no half-told demo");
}

//! `eavesdrop demo`: the three acts from the captures built into the binary, with no
//! network, privileges or files.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use std::io::Write;
use std::process::Stdio;

fn demo(args: &[&str], stdin: &[u8]) -> String {
    let mut cmd = eavesdrop();
    cmd.arg("demo").args(args);
    // Not from the repository: the captures must come from the binary itself.
    cmd.current_dir(std::env::temp_dir());
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn three_acts_tell_the_lesson() {
    let s = demo(&["--color=never"], b"");
    let act = |n: &str| s.find(n).unwrap_or_else(|| panic!("no {n}: {s}"));
    let (a1, a2, a3, table) = (
        act("Act 1: plaintext"),
        act("Act 2: TLS 1.2"),
        act("Act 3: TLS 1.3"),
        act("What the eavesdropper learned"),
    );
    assert!(a1 < a2 && a2 < a3 && a3 < table);
    let plain = &s[a1..a2];
    let tls12 = &s[a2..a3];
    let tls13 = &s[a3..table];
    // The message shows in the ASCII column of the plaintext act only.
    assert!(plain.contains("Simple.is.be"), "{plain}");
    assert!(!tls12.contains("Simple.is.be") && !tls13.contains("Simple.is.be"));
    assert!(plain.contains("* the message is readable in the clear"));
    for act in [tls12, tls13] {
        assert!(act.contains("ClientHello (SNI=localhost"), "{act}");
        assert!(act.contains("* the message is opaque"), "{act}");
        assert!(
            act.contains("* the server name is readable: SNI=localhost"),
            "{act}"
        );
    }
    // TLS 1.2 shows the certificate's names; TLS 1.3 hides them.
    assert!(
        tls12.contains("sdrop.Teaching.C"),
        "the CA's name in the ASCII column"
    );
    assert!(tls12
        .contains("the certificate is readable: CN=localhost (issuer CN=Eavesdrop Teaching CA)"));
    assert!(tls13.contains("* the certificate is encrypted"));
    assert!(!tls13.contains("Teaching"), "{tls13}");
    // The message's record: 31 bytes + 24 (AES-GCM in TLS 1.2), + 17 (TLS 1.3).
    assert!(tls12.contains("the message's record is 55 bytes"));
    assert!(tls13.contains("the message's record is 48 bytes"));
    let t = &s[table..];
    let row = |name: &str| {
        t.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no row {name}: {t}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("the message"), "the message readable opaque opaque");
    assert_eq!(
        row("server name"),
        "server name (SNI) - localhost localhost"
    );
    assert!(
        row("certificate names").ends_with("Teaching CA) opaque"),
        "{}",
        row("certificate names")
    );
    // Long packets are shortened to the rows that matter.
    assert!(s.contains("more rows …"));
}

#[test]
fn step_waits_for_enter_and_colour_is_honoured() {
    let s = demo(&["--step", "--color=always"], b"\n\n\n");
    assert_eq!(s.matches("[press Enter for the next act]").count(), 3);
    assert!(s.contains("\x1b["), "colour escapes");
    // Stdin closed early: the demo still ends.
    let s = demo(&["--step", "--color=never"], b"");
    assert!(s.contains("What the eavesdropper learned"));
    assert!(!s.contains("\x1b["));
}

#[test]
fn live_demo_without_the_feature_or_write_without_live_is_a_clear_error() {
    let out = run(&["demo", "--write", "/tmp/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--live"),
        "{}",
        text(&out.stderr)
    );
    if cfg!(not(feature = "demo")) {
        let out = run(&["demo", "--live"]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains("--features demo"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

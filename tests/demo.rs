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
    // Each TLS act ends with the key: the endpoints' key log recovers the message.
    assert!(
        tls12.contains("key log turns these 55 opaque bytes into: Simple is better than complex."),
        "{tls12}"
    );
    assert!(
        tls13.contains("key log turns these 48 opaque bytes into: Simple is better than complex."),
        "{tls13}"
    );
    assert!(!plain.contains("key log"));
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
    // The message's record: 31 bytes + 24 (AES-GCM in TLS 1.2), + 17 (TLS 1.3); the
    // observer infers the message's length from it (TLS 1.3 may pad: at most).
    assert!(
        tls12.contains("the observer still knows the message: 31 bytes long (a 55-byte record)")
    );
    assert!(
        tls13.contains("the observer still knows the message: ≤ 31 bytes long (a 48-byte record)")
    );
    let t = &s[table..];
    // A row, with the lines its wrapped cells continue on (they start blank).
    let row = |name: &str| {
        let mut lines = t.lines().skip_while(|l| !l.trim_start().starts_with(name));
        let first = lines.next().unwrap_or_else(|| panic!("no row {name}: {t}"));
        let rest = lines.take_while(|l| l.starts_with("      ") && !l.trim().is_empty());
        std::iter::once(first)
            .chain(rest)
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("the message"), "the message readable opaque opaque");
    assert_eq!(
        row("server name"),
        "server name (SNI) - localhost localhost"
    );
    // At 100 columns the certificate's names wrap in their cell.
    assert_eq!(
        row("certificate names"),
        "certificate names - CN=localhost (issuer opaque CN=Eavesdrop Teaching CA)"
    );
    assert_eq!(
        row("message size"),
        "message size 31 bytes 31 bytes (55-byte record) ≤ 31 bytes (48-byte record)"
    );
    // Long packets are shortened to the rows that matter, and their lines cut.
    assert!(s.contains("more rows …"));
    assert!(
        tls12.contains("tcp 1320: TLSv1.2 ServerHello (cipher="),
        "{tls12}"
    );
    assert!(
        !s.contains("Flags ["),
        "the demo's packet lines are tcpdump -q's"
    );
}

/// Columns a line takes on a terminal: tabs to the next multiple of 8, escapes none.
fn columns(line: &str) -> usize {
    let mut col = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\t' => col = (col / 8 + 1) * 8,
            '\x1b' => {
                // CSI: ESC [ parameters, then a letter.
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            _ => col += 1,
        }
    }
    col
}

fn assert_fits(what: &str, s: &str, width: usize) {
    for (n, line) in s.lines().enumerate() {
        assert!(
            columns(line) <= width,
            "{what}: line {} is {} columns wide: {line:?}",
            n + 1,
            columns(line)
        );
    }
}

/// Issue 14: packet lines were 187 to 342 characters and the closing table 108.
#[test]
fn no_line_passes_the_width() {
    for width in ["80", "100"] {
        for color in ["--color=never", "--color=always"] {
            let s = demo(&[color, "--width", width], b"");
            assert_fits(
                &format!("{color} --width {width}"),
                &s,
                width.parse().unwrap(),
            );
            assert!(s.contains("What the eavesdropper learned"));
        }
    }
    // By default, 100 columns when stdout is not a terminal; $COLUMNS when set.
    assert_fits("default", &demo(&["--color=never"], b""), 100);
    let mut cmd = eavesdrop();
    cmd.args(["demo", "--color=never"]).env("COLUMNS", "84");
    cmd.current_dir(std::env::temp_dir());
    let out = output_within(cmd, 60, "demo with COLUMNS=84");
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert_fits("COLUMNS=84", &s, 84);
    assert!(s.lines().any(|l| columns(l) > 80), "84 columns are used");
}

/// Issue 14: with --step, each act's page (heading, narration, packets, findings and
/// the prompt) fits on a 30-row screen, so nothing scrolls away before the pause.
#[test]
fn each_act_fits_on_a_projector_page() {
    for width in ["80", "100"] {
        for color in ["--color=never", "--color=always"] {
            let s = demo(&["--step", color, "--width", width], b"\n\n\n\n");
            let what = format!("{color} --width {width}");
            assert_eq!(s.matches("[press Enter to begin]").count(), 1, "{what}");
            for act in ["Act 1: plaintext", "Act 2: TLS 1.2", "Act 3: TLS 1.3"] {
                let start = s.find(act).unwrap_or_else(|| panic!("{what}: no {act}"));
                let end = start
                    + s[start..]
                        .find("[press Enter for the next act]")
                        .unwrap_or_else(|| panic!("{what}: no prompt after {act}"));
                let page = s[start..end].lines().count();
                assert!(
                    page <= 30,
                    "{what}: {act} takes {page} rows:\n{}",
                    &s[start..end]
                );
            }
            // Piped: pages follow each other, no screen is cleared.
            assert!(!s.contains("\x1b[2J") && !s.contains("\x1b[H"), "{what}");
        }
    }
}

/// The visible screen, wrapped lines joined, once it shows every one of `wanted`
/// (fails after 20 s).
fn wait_for(t: &Tmux, wanted: &[&str]) -> String {
    t.wait_until(&["-J"], 20, |screen| {
        wanted.iter().all(|w| screen.contains(w))
    })
}

/// Issue 14: in a 100×30 terminal, `demo --step` scrolled Act 2's narration and
/// ClientHello away before the pause. At each pause the screen now shows the act's
/// heading on its first row, its narration and the packets that make its point.
#[test]
fn step_pauses_with_the_narration_and_its_packets_on_a_100_by_30_screen() {
    if !tmux_installed() {
        return;
    }
    for color in ["--color=always", "--color=never"] {
        let command = format!(
            "'{}' demo --step {color}; echo \"[exit $?]\"; sleep 600",
            exe()
        );
        let t = Tmux::start(100, 30, &std::env::temp_dir(), &command);
        let prompt = "[press Enter for the next act]";
        let pages: [(&str, &[&str]); 3] = [
            (
                "Act 1: plaintext",
                &[
                    "No encryption. The packet that carries the message",
                    "tcp 31: plaintext, 31 bytes",
                    "Simple.is.be",
                    "the message is readable in the clear",
                ],
            ),
            (
                "Act 2: TLS 1.2",
                &[
                    "The same exchange over TLS 1.2. The handshake travels in the clear",
                    "TLSv1.2 ClientHello (SNI=localhost",
                    "alhost",
                    // The issuer's name in the certificate's bytes, and said.
                    "sdrop.Teaching.C",
                    "issuer CN=Eavesdrop Teaching CA",
                    "TLSv1.2 ApplicationData, 55 bytes opaque",
                ],
            ),
            (
                "Act 3: TLS 1.3",
                &[
                    "TLS 1.3 encrypts everything after the ServerHello",
                    "TLSv1.3 ClientHello (SNI=localhost",
                    // The opaque record: its line, and its header's row (type 23,
                    // length 0x30) in hex.
                    "TLSv1.3 ApplicationData, 48 bytes opaque",
                    "1703 0300 30",
                    "the message is opaque",
                ],
            ),
        ];
        let screen = wait_for(
            &t,
            &["eavesdrop demo: what can someone", "[press Enter to begin]"],
        );
        assert_fits(color, &screen, 100);
        t.keys("Enter");
        for (heading, wanted) in pages {
            let mut all = vec![heading, prompt];
            all.extend_from_slice(wanted);
            let screen = wait_for(&t, &all);
            assert_eq!(
                screen.lines().next(),
                Some(heading),
                "{color}: {heading} starts a clean screen:\n{screen}"
            );
            assert_fits(color, &screen, 100);
            t.keys("Enter");
        }
        let screen = wait_for(&t, &["What the eavesdropper learned", "[exit 0]"]);
        assert!(screen.contains("certificate names"), "{screen}");
        assert_fits(color, &screen, 100);
    }
}

#[test]
fn step_waits_for_enter_and_colour_is_honoured() {
    let s = demo(&["--step", "--color=always"], b"\n\n\n\n");
    assert_eq!(s.matches("[press Enter to begin]").count(), 1);
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

//! eavesdrop as a person runs it: in a terminal (a tmux pane), without --color. Colour
//! appears on its own, every style is closed before the shell's next line, and on a
//! long file the progress bar shows on stderr while it reads and is gone at the end;
//! piped, none of that. Skipped when tmux is missing, unless EAVESDROP_REQUIRE_PEERS is
//! set (then it fails).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use std::time::{Duration, Instant};

/// A pane of tmux running `command` from the repository.
fn terminal(cols: u16, rows: u16, command: &str) -> Tmux {
    Tmux::start(cols, rows, &repo(), command)
}

/// The visible screen, with its styles as escape sequences.
fn screen(t: &Tmux) -> String {
    t.capture(&["-e"])
}

/// Everything printed (history and screen, styles as escape sequences) once it shows
/// `wanted`; fails after `secs`.
fn wait_for(t: &Tmux, wanted: &str, secs: u64) -> String {
    t.wait_until(&["-e", "-J", "-S", "-"], secs, |s| s.contains(wanted))
}

fn shell(args: &str) -> String {
    format!(
        "env -u NO_COLOR -u CLICOLOR_FORCE TZ=UTC '{}' {args}; echo \"[exit $?]\"; sleep 600",
        exe()
    )
}

/// The line the shell printed after eavesdrop exited carries no style: tmux draws
/// `[exit N]` plain only if every style before it was closed.
fn assert_after_exit_plain(what: &str, history: &str) {
    let line = history
        .lines()
        .find(|l| l.contains("[exit "))
        .unwrap_or_else(|| panic!("{what}: no exit line"));
    assert!(
        line.starts_with("[exit ") && !line.contains('\x1b'),
        "{what}: the shell's line inherits a style: {line:?}"
    );
}

#[test]
fn colour_appears_on_a_terminal_and_is_closed_before_the_prompt() {
    if !tmux_installed() {
        return;
    }
    let runs = [
        ("show captures/tls12-echo.pcapng", "[exit 0]"),
        ("show captures/ip-fragments.pcap", "[exit 0]"),
        ("flows captures/http-basic-auth.pcap", "[exit 0]"),
        ("flows --brief captures/http-basic-auth.pcap", "[exit 0]"),
        (
            "check --deny credentials captures/http-basic-auth.pcap",
            "[exit 1]",
        ),
        (
            "check --deny credentials captures/tls13-echo.pcapng",
            "[exit 0]",
        ),
    ];
    for (args, exit) in runs {
        let pane = terminal(200, 50, &shell(args));
        let history = wait_for(&pane, exit, 30);
        assert!(history.contains("\x1b["), "{args}: no colour on a terminal");
        assert_after_exit_plain(args, &history);
        if args.starts_with("check") {
            let word = if exit == "[exit 1]" { "FAIL" } else { "PASS" };
            assert!(
                history.contains(&format!("m{word}\x1b[")),
                "{args}: {word} in colour:\n{history}"
            );
        }
    }
}

/// A capture big enough to take a while: one TCP connection carrying `mib` MiB of
/// bytes nobody can classify, in 400-byte segments (the work is per frame: in
/// 1400-byte segments, 96 MiB took the debug build under the bar's 400 ms once
/// `flows` merged spans that read alike).
fn long_capture(dir: &std::path::Path, mib: usize) -> std::path::PathBuf {
    let mut pcap = Pcap::new(101, 65535);
    let payload: Vec<u8> = (0..400u32).map(|i| (i * 7 + 13) as u8).collect();
    let segments = mib * 1024 * 1024 / payload.len();
    let syn = ipv4_tcp([10, 0, 0, 1], [10, 0, 0, 2], 40000, 7777, 0, 0, 0x02, b"");
    pcap = pcap.frame(0, &syn);
    for i in 0..segments {
        let seq = 1 + (i * payload.len()) as u32;
        let p = ipv4_tcp(
            [10, 0, 0, 1],
            [10, 0, 0, 2],
            40000,
            7777,
            seq,
            1,
            0x18,
            &payload,
        );
        pcap = pcap.frame(1 + (i / 1000) as u32, &p);
    }
    pcap.write(dir, "long.pcap")
}

#[test]
fn progress_bar_shows_on_a_terminal_while_a_long_file_is_read_and_is_erased() {
    if !tmux_installed() {
        return;
    }
    let dir = tempdir("progress");
    let big = long_capture(&dir, 96);
    let path = big.to_str().unwrap();

    // Piped, never a bar (stderr is not a terminal).
    let out = run(&["flows", "--brief", path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        !err.contains("reading long.pcap") && !err.contains('\r'),
        "{err}"
    );

    // On a terminal: the bar while reading, nothing of it at the end.
    let pane = terminal(120, 40, &shell(&format!("flows --brief '{path}'")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = false;
    while Instant::now() < deadline {
        let s = screen(&pane);
        if s.contains("reading long.pcap") {
            seen = true;
            assert!(s.contains(" of ") && s.contains("MiB"), "{s}");
            break;
        }
        if s.contains("[exit ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    assert!(seen, "no progress bar while reading:\n{}", screen(&pane));
    let history = wait_for(&pane, "[exit 0]", 120);
    assert!(
        !history.contains("reading long.pcap"),
        "the bar is left on the screen:\n{history}"
    );
    assert!(history.contains("totals: 1 flow"), "{history}");
    // --quiet: no bar, no summary.
    let pane = terminal(120, 40, &shell(&format!("flows --quiet --brief '{path}'")));
    let history = wait_for(&pane, "[exit 0]", 120);
    assert!(!history.contains("summary:"), "{history}");
}

/// Issue 14: `show -` on a terminal with nothing piped in waited silently.
#[test]
fn stdin_on_a_terminal_says_it_is_waiting() {
    if !tmux_installed() {
        return;
    }
    let pane = terminal(120, 20, &shell("show -"));
    wait_for(&pane, "waiting for a capture on standard input", 20);
    pane.keys("C-d");
    wait_for(&pane, "[exit ", 20);
}

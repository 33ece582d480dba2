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

/// A tmux server of the test's own, one pane running `command`; killed when dropped.
struct Pane {
    socket: String,
}

impl Pane {
    fn start(cols: u16, rows: u16, command: &str) -> Pane {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = Pane {
            socket: format!("eavesdrop-term-{}-{n}", std::process::id()),
        };
        let out = p.tmux(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            "-c",
            repo().to_str().unwrap(),
            command,
        ]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        // Keep the whole run in the history.
        p.tmux(&["set-option", "-t", "t", "history-limit", "100000"]);
        p
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .expect("run tmux")
    }

    /// The visible screen, with its styles as escape sequences (`-e`).
    fn screen(&self) -> String {
        text(&self.tmux(&["capture-pane", "-p", "-e", "-t", "t"]).stdout)
    }

    /// Everything printed so far (history and screen), with styles.
    fn history(&self) -> String {
        text(
            &self
                .tmux(&["capture-pane", "-p", "-e", "-J", "-S", "-", "-t", "t"])
                .stdout,
        )
    }

    fn wait_for(&self, wanted: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.history();
            if s.contains(wanted) {
                return s;
            }
            assert!(Instant::now() < deadline, "never showed {wanted:?}:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
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
        let pane = Pane::start(200, 50, &shell(args));
        let history = pane.wait_for(exit, 30);
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
/// bytes nobody can classify, in 1400-byte segments.
fn long_capture(dir: &std::path::Path, mib: usize) -> std::path::PathBuf {
    let mut pcap = Pcap::new(101, 65535);
    let payload: Vec<u8> = (0..1400u32).map(|i| (i * 7 + 13) as u8).collect();
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
    let pane = Pane::start(120, 40, &shell(&format!("flows --brief '{path}'")));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = false;
    while Instant::now() < deadline {
        let s = pane.screen();
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
    assert!(seen, "no progress bar while reading:\n{}", pane.screen());
    let history = pane.wait_for("[exit 0]", 120);
    assert!(
        !history.contains("reading long.pcap"),
        "the bar is left on the screen:\n{history}"
    );
    assert!(history.contains("totals: 1 flow"), "{history}");
    // --quiet: no bar, no summary.
    let pane = Pane::start(120, 40, &shell(&format!("flows --quiet --brief '{path}'")));
    let history = pane.wait_for("[exit 0]", 120);
    assert!(!history.contains("summary:"), "{history}");
}

/// Issue 14: `show -` on a terminal with nothing piped in waited silently.
#[test]
fn stdin_on_a_terminal_says_it_is_waiting() {
    if !tmux_installed() {
        return;
    }
    let pane = Pane::start(120, 20, &shell("show -"));
    pane.wait_for("waiting for a capture on standard input", 20);
    pane.tmux(&["send-keys", "-t", "t", "C-d"]);
    pane.wait_for("[exit ", 20);
}

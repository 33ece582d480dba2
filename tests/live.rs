//! `eavesdrop live` (feature `live`): real libpcap on loopback, as root, capturing
//! traffic another program (Python's ssl, scripts/echo.py) makes while the test runs.
//! Without root the capture tests skip, unless EAVESDROP_REQUIRE_PEERS says CI is
//! running them (as root).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![cfg(feature = "live")]

mod common;

use common::*;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn can_capture() -> bool {
    let ok = is_root();
    if !ok && peers_required() {
        panic!("live tests need root (EAVESDROP_REQUIRE_PEERS is set)");
    }
    ok
}

/// Starts `eavesdrop live ARGS` and waits until libpcap listens (its stderr line).
fn start(args: &[&str]) -> (Child, String) {
    let mut child = eavesdrop()
        .arg("live")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut byte = [0u8; 1];
    while !text(&seen).contains("listening on") {
        assert!(
            Instant::now() < deadline,
            "no 'listening on': {}",
            text(&seen)
        );
        if err.read(&mut byte).unwrap_or(0) == 0 {
            panic!("eavesdrop live ended: {}", text(&seen));
        }
        seen.push(byte[0]);
    }
    // Keep reading stderr in the background so the child never blocks on it.
    let handle = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
        rest
    });
    std::mem::forget(handle);
    (child, text(&seen))
}

fn interrupt(child: &Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
}

fn echo(mode: &str, port: u16) {
    let out = Command::new("python3")
        .arg(repo().join("scripts/echo.py"))
        .args([mode, "--port", &port.to_string(), "--certs"])
        .arg(repo().join("captures/certs"))
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn captures_a_tls13_exchange_names_its_sni_and_keeps_its_message_opaque() {
    if !can_capture() {
        eprintln!("not root: skipped");
        return;
    }
    let port = 20000 + (std::process::id() % 20000) as u16;
    let dir = tempdir("live-tls13");
    let saved = dir.join("saved.pcapng");
    let filter = format!("tcp port {port}");
    let (child, _) = start(&["--color=never", "-w", saved.to_str().unwrap(), &filter]);
    echo("tls13", port);
    std::thread::sleep(Duration::from_millis(500));
    interrupt(&child);
    let out = output_within_child(child, 10);
    assert_eq!(out.status.code(), Some(0), "stopped cleanly on SIGINT");
    let s = text(&out.stdout);
    assert!(
        s.contains("TLSv1.3 ClientHello (SNI=localhost, ALPN=echo)"),
        "{s}"
    );
    assert!(s.contains("ApplicationData"), "{s}");
    assert!(!s.contains("Simple.is.be"), "the message is opaque: {s}");
    // The saved capture reads back with the same packets.
    let back = run(&["show", "--no-hex", saved.to_str().unwrap()]);
    assert!(text(&back.stdout).contains("TLSv1.3 ClientHello (SNI=localhost, ALPN=echo)"));
}

fn output_within_child(child: Child, secs: u64) -> std::process::Output {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut child = child;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("eavesdrop live did not stop within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn plaintext_message_is_readable_live_and_count_stops() {
    if !can_capture() {
        return;
    }
    let port = 40000 + (std::process::id() % 20000) as u16;
    let filter = format!("tcp port {port}");
    let (child, _) = start(&["--color=never", "-c", "4", &filter]);
    echo("plain", port);
    let out = output_within_child(child, 10);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(s.contains("Simple.is.be"), "{s}");
    assert_eq!(s.lines().filter(|l| l.contains(" IP ")).count(), 4, "{s}");
}

#[test]
fn bad_interface_filter_and_list() {
    let out = run(&["live", "-i", "no-such-if0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    if is_root() {
        assert!(err.contains("no interface named \"no-such-if0\""), "{err}");
    }
    let out = run(&["live", "tcp", "port"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("the filter \"tcp port\" does not compile") || err.contains("no permission"),
        "{err}"
    );
    let out = run(&["live", "--list"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).lines().any(|l| l.starts_with("lo")));
    // Files take the same filters.
    let out = run(&[
        "show",
        "--no-hex",
        capture("tls13-echo.pcapng").to_str().unwrap(),
        "tcp[tcpflags] & tcp-syn != 0",
    ]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert_eq!(s.lines().count(), 2, "{s}");
}

#[test]
fn without_permission_the_message_names_the_fixes() {
    if !is_root() {
        return;
    }
    // Run the binary as `nobody` from a copy it can read.
    let copy = std::env::temp_dir().join(format!("eavesdrop-nobody-{}", std::process::id()));
    std::fs::copy(exe(), &copy).unwrap();
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&copy)
        .arg("live")
        .output();
    let _ = std::fs::remove_file(&copy);
    let Ok(out) = out else { return };
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("no permission to capture on lo"), "{err}");
    assert!(
        err.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{err}"
    );
}

/// Peak memory of a running process (Linux's VmHWM), in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The number on stderr's line ending with `what` ("packets captured").
fn count(err: &str, what: &str) -> u64 {
    err.lines()
        .find(|l| l.ends_with(what))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no '{what}' line: {err}"))
}

#[test]
fn a_burst_of_100000_packets_is_counted_with_drops_and_memory_stays_bounded() {
    if !can_capture() {
        return;
    }
    let port = 30000 + (std::process::id() % 20000) as u16;
    let filter = format!("udp port {port}");
    let mut child = eavesdrop()
        .args(["live", "--no-hex", &filter])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for "listening on" (a short sleep is enough: libpcap opens in milliseconds,
    // and packets sent before that are simply not counted).
    std::thread::sleep(Duration::from_millis(700));
    let burst = r#"
import socket, sys
port = int(sys.argv[1])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100000):
    s.sendto(b"x" * 64, ("127.0.0.1", port))
"#;
    let sent = Command::new("python3")
        .args(["-c", burst, &port.to_string()])
        .status()
        .expect("python3");
    assert!(sent.success());
    std::thread::sleep(Duration::from_millis(1500));
    let peak = peak_kib(child.id());
    interrupt(&child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    let captured = count(&err, "packets captured");
    let received = count(&err, "packets received by filter");
    let dropped = count(&err, "packets dropped by kernel");
    // Loopback packets pass the kernel's filter twice (out and in; libpcap keeps one).
    assert!(received >= 100_000, "{err}");
    assert!(captured > 0 && captured <= 100_000, "{err}");
    assert!(
        captured + dropped <= received,
        "captured {captured} + dropped {dropped} > received {received}"
    );
    assert_eq!(dropped > 0, err.contains("streams may have holes"), "{err}");
    // Every captured packet went through the engine and its summary.
    assert!(
        err.contains(&format!(
            "summary: {} frames",
            eavesdrop::text::grouped(captured)
        )),
        "{err}"
    );
    assert!(peak > 0 && peak < 96 * 1024, "peak RSS {peak} KiB");
}

#[test]
fn sigint_in_the_middle_of_a_tls_record_keeps_what_was_seen() {
    if !can_capture() {
        return;
    }
    let port = 45000 + (std::process::id() % 15000) as u16;
    let filter = format!("tcp port {port}");
    let (child, _) = start(&["--color=never", &filter]);
    // A TLS application-data record declaring 16,000 bytes, of which 1,000 are sent;
    // the connection stays open while eavesdrop is interrupted.
    let half = r#"
import os, socket, sys, time
port = int(sys.argv[1])
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port)); l.listen(1)
c = socket.create_connection(("127.0.0.1", port)); a, _ = l.accept()
c.sendall(bytes.fromhex("1703033e80") + os.urandom(1000))
print("sent", flush=True)
time.sleep(4)
"#;
    let mut py = Command::new("python3")
        .args(["-c", half, &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = [0u8; 5];
    py.stdout.take().unwrap().read_exact(&mut line).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child);
    let out = output_within_child(child, 10);
    let _ = py.kill();
    let _ = py.wait();
    assert_eq!(out.status.code(), Some(0), "stopped cleanly on SIGINT");
    let s = text(&out.stdout);
    // The frame with the partial record is shown, its body opaque, nothing readable.
    assert!(
        s.contains("length 1005: TLSv1.2 ApplicationData, 1000 bytes opaque"),
        "{s}"
    );
    let rows = s
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .count();
    assert!(rows >= 60, "the 1000 bytes are marked opaque: {s}");
}

#[test]
fn a_full_disk_for_the_saved_capture_is_an_error_not_a_silent_loss() {
    if !can_capture() || !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let port = 21000 + (std::process::id() % 9000) as u16;
    let filter = format!("tcp port {port}");
    // Not `start`: this test reads the whole of stderr at the end.
    let child = eavesdrop()
        .args([
            "live",
            "--color=never",
            "-c",
            "4",
            "-w",
            "/dev/full",
            &filter,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    echo("plain", port);
    let out = output_within_child(child, 10);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a capture that could not be saved fails"
    );
    // The packets were still shown, and the counts still printed.
    assert!(text(&out.stdout).contains("Simple.is.be"));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot write the capture to /dev/full"),
        "{err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("packets captured"), "{err}");
}

#[test]
fn traffic_that_is_not_ip_is_shown_undecoded_and_escaped() {
    if !can_capture() {
        return;
    }
    let child = eavesdrop()
        .args(["live", "--color=never", "-c", "1", "ether proto 0x88b5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    // An Ethernet frame of a local experimental EtherType, with an escape sequence in it.
    let send = r#"
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("lo", 0))
s.send(b"\x02" * 6 + b"\x04" * 6 + b"\x88\xb5" + b"not IP \x1b[31m" + b"\x00" * 20)
"#;
    assert!(Command::new("python3")
        .args(["-c", send])
        .status()
        .unwrap()
        .success());
    let out = output_within_child(child, 10);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(s.contains("ethertype Unknown (0x88b5), length 46"), "{s}");
    assert!(s.contains("EtherType 0x88b5 is not decoded"), "{s}");
    assert!(
        !out.stdout.contains(&0x1b),
        "no raw escape byte reaches the terminal"
    );
}

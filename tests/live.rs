//! `eavesdrop live` (feature `live`): real libpcap on loopback, as root, capturing
//! traffic another program (Python's ssl, scripts/echo.py) makes while the test runs.
//! Without root the capture tests skip, unless EAVESDROP_REQUIRE_PEERS says CI is
//! running them (as root).
#![cfg(feature = "live")]

mod common;

use common::*;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0")
}

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

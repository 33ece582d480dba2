//! The command line on bad input and in pipelines: clear messages, exit codes as
//! DESIGN.md says (0 ok, 2 error), never a panic, nothing readable lost.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use std::io::{Read, Write};
use std::process::Stdio;

fn assert_no_panic(out: &std::process::Output) {
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "panic: {err}");
}

#[test]
fn missing_file_is_an_error_naming_the_path() {
    let out = run(&["show", "/nonexistent/capture.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read /nonexistent/capture.pcap"),
        "{err}"
    );
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn empty_file_is_an_error() {
    let dir = tempdir("empty");
    let p = dir.join("empty.pcap");
    std::fs::write(&p, b"").unwrap();
    let out = run(&["show", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is empty: not a capture"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn text_file_is_not_a_capture_with_a_hint() {
    let dir = tempdir("text");
    let p = dir.join("dump.txt");
    std::fs::write(
        &p,
        "12:00:00.000000 IP 127.0.0.1.1 > 127.0.0.1.2: Flags [S]\n",
    )
    .unwrap();
    let out = run(&["show", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("is not a pcap or pcapng capture (it starts with bytes 31 32 3a 30)"),
        "{err}"
    );
    assert!(err.contains("looks like text"), "{err}");
}

#[test]
fn gzip_file_gets_a_decompress_hint() {
    let dir = tempdir("gz");
    let p = dir.join("c.pcap.gz");
    std::fs::write(&p, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    let out = run(&["show", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("gunzip"));
}

/// Cuts a capture in the middle of its last packet record: every earlier frame is
/// shown exactly as from the whole file, the cut frame with what it has, then exit 2.
fn truncated_mid_record(name: &str, keep_of_last: usize) {
    let bytes = std::fs::read(capture(name)).unwrap();
    let full = run(&[
        "show",
        "--color=never",
        "--no-notes",
        capture(name).to_str().unwrap(),
    ]);
    assert!(full.status.success());
    let full_text = text(&full.stdout);
    let frames = full_text
        .lines()
        .filter(|l| !l.starts_with('\t') && !l.starts_with("legend"))
        .count();
    assert!(frames > 2);

    // Find the start of the last record by reading the capture with our library.
    let mut reader =
        eavesdrop::CaptureReader::from_reader(std::io::Cursor::new(bytes.clone()), name).unwrap();
    let mut last_start = 0;
    let mut prev_offset = reader.offset();
    while let Some(f) = reader.next_frame() {
        f.unwrap();
        last_start = prev_offset;
        prev_offset = reader.offset();
    }
    let cut = last_start as usize + keep_of_last;
    assert!(cut < bytes.len());
    let dir = tempdir(&format!("trunc-{name}"));
    let p = dir.join(name);
    std::fs::write(&p, &bytes[..cut]).unwrap();

    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "a truncated file is an error");
    let err = text(&out.stderr);
    assert!(err.contains("capture ends in the middle of"), "{err}");
    assert!(err.contains("every frame before it was shown"), "{err}");
    let got = text(&out.stdout);
    let got_frames: Vec<&str> = got
        .lines()
        .filter(|l| !l.starts_with('\t') && !l.starts_with("legend"))
        .collect();
    assert_eq!(got_frames.len(), frames, "the cut frame is still shown");
    // All complete frames print exactly as from the whole file (labels may differ
    // only in the cut frame).
    let want_lines: Vec<&str> = full_text
        .lines()
        .filter(|l| !l.starts_with('\t') && !l.starts_with("legend"))
        .collect();
    assert_eq!(got_frames[..frames - 1], want_lines[..frames - 1]);
    assert!(got.contains("the file ends inside this frame"), "{got}");
}

#[test]
fn pcap_truncated_mid_record_keeps_every_frame() {
    truncated_mid_record("plain-echo.pcap", 16 + 20);
}

#[test]
fn pcapng_truncated_mid_block_keeps_every_frame() {
    truncated_mid_record("tls12-echo.pcapng", 28 + 30);
}

#[test]
fn unknown_link_type_warns_once_and_shows_bytes_undecoded() {
    let dir = tempdir("linktype");
    let p = Pcap::new(147, 65535)
        .frame(1, b"\x01\x02\x03abc")
        .frame(2, b"\x04\x05")
        .write(&dir, "user0.pcap");
    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert_eq!(
        err.matches("does not decode").count(),
        1,
        "one warning per interface: {err}"
    );
    assert!(err.contains("link type 147"), "{err}");
    assert!(
        err.contains("not decoded: 2 frames of link type 147"),
        "{err}"
    );
    let got = text(&out.stdout);
    assert!(
        got.contains("[link type 147 not decoded], length 6"),
        "{got}"
    );
    assert!(got.contains("?? ????"), "undecoded mask: {got}");
}

#[test]
fn zero_length_and_cut_frames() {
    let dir = tempdir("cut");
    let syn = ethernet(&ipv4_tcp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        40000,
        443,
        1,
        0,
        0x02,
        b"",
    ));
    let p = Pcap::new(1, 30)
        .record(1, &[], 0)
        .record(2, &syn[..30], syn.len() as u32)
        .write(&dir, "cut.pcap");
    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0));
    let got = text(&out.stdout);
    assert!(got.contains("[Invalid header: caplen==0, len==0]"), "{got}");
    // tcpdump prints "IP " then the truncation marker when the IP header is cut.
    assert!(got.contains("00:00:02.000000 IP  [|ip]"), "{got}");
    assert!(
        got.contains("frame cut by the snap length: 30 of 54 bytes captured"),
        "{got}"
    );
}

#[test]
fn garbage_on_port_443_stays_undecoded() {
    let dir = tempdir("garbage");
    let mut junk = Vec::new();
    let mut x: u32 = 12345;
    for _ in 0..300 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        junk.push((x >> 16) as u8 | 0x80);
    }
    let seg = ethernet(&ipv4_tcp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        40000,
        443,
        1000,
        1,
        0x18,
        &junk,
    ));
    let p = Pcap::new(1, 65535)
        .frame(1, &seg)
        .write(&dir, "garbage.pcap");
    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    let got = text(&out.stdout);
    assert!(got.contains("length 300: 300 bytes undecoded"), "{got}");
    let masks = got
        .lines()
        .filter(|l| l.starts_with("\t ") || l.starts_with("\t\t"));
    for m in masks {
        assert!(
            !m.contains('r') && !m.contains('#'),
            "nothing readable or opaque: {m}"
        );
    }
    assert!(got.contains("handshake not seen"), "{got}");
}

#[test]
fn absurd_record_length_stops_with_everything_before_it_shown() {
    let dir = tempdir("absurd");
    let syn = ethernet(&ipv4_tcp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        40000,
        80,
        1,
        0,
        0x02,
        b"",
    ));
    let mut pcap = Pcap::new(1, 65535).frame(1, &syn);
    // A record header declaring a 4 GB packet.
    pcap.bytes.extend_from_slice(&2u32.to_le_bytes());
    pcap.bytes.extend_from_slice(&0u32.to_le_bytes());
    pcap.bytes.extend_from_slice(&0xffff_fff0u32.to_le_bytes());
    pcap.bytes.extend_from_slice(&0xffff_fff0u32.to_le_bytes());
    pcap.bytes.extend_from_slice(&[0u8; 64]);
    let p = pcap.write(&dir, "absurd.pcap");
    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("declares 4294967296 bytes, more than the 262160-byte limit"),
        "{err}"
    );
    assert!(text(&out.stdout).contains("10.0.0.1.40000 > 10.0.0.2.80: Flags [S]"));
}

#[test]
fn absurd_pcapng_block_length_is_an_error() {
    let bytes = std::fs::read(capture("tls12-echo.pcapng")).unwrap();
    let mut reader =
        eavesdrop::CaptureReader::from_reader(std::io::Cursor::new(bytes.clone()), "x").unwrap();
    reader.next_frame().unwrap().unwrap();
    let second = reader.offset() as usize;
    let mut bad = bytes[..second].to_vec();
    bad.extend_from_slice(&6u32.to_le_bytes());
    bad.extend_from_slice(&0x7fff_fff0u32.to_le_bytes());
    bad.extend_from_slice(&[0u8; 100]);
    let dir = tempdir("absurd-ng");
    let p = dir.join("absurd.pcapng");
    std::fs::write(&p, bad).unwrap();
    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("a pcapng block declares 2147483632 bytes"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ip_length_beyond_the_frame_and_tls_length_beyond_any_record() {
    let dir = tempdir("lengths");
    // An IPv4 header claiming 65535 bytes in a 60-byte packet.
    let mut ip = ipv4_tcp(
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        40000,
        443,
        1,
        1,
        0x18,
        &[23, 3, 3, 0xff, 0xff, 1, 2, 3],
    );
    ip[2] = 0xff;
    ip[3] = 0xff;
    let p = Pcap::new(101, 65535)
        .frame(1, &ip)
        .write(&dir, "lengths.pcap");
    let out = run(&["show", "--color=never", p.to_str().unwrap()]);
    assert_no_panic(&out);
    let got = text(&out.stdout);
    assert!(
        got.contains("IP truncated-ip - 65487 bytes missing! 10.0.0.1.40000 > 10.0.0.2.443"),
        "{got}"
    );
    // The TLS-looking header declares 65535 bytes, more than a record may hold: not TLS.
    assert!(!got.contains("TLS"), "{got}");
}

#[test]
fn reads_standard_input() {
    let file = capture("tls13-echo.pcapng");
    let from_file = run(&["show", "--color=never", file.to_str().unwrap()]);
    let mut child = eavesdrop()
        .args(["show", "--color=never", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let data = std::fs::read(&file).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Dribble the bytes in small writes, as a pipe from tcpdump would.
    let writer = std::thread::spawn(move || {
        for chunk in data.chunks(7) {
            stdin.write_all(chunk).unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), text(&from_file.stdout));
}

#[test]
fn closed_pipe_exits_quietly() {
    let mut child = eavesdrop()
        .args([
            "show",
            "--color=never",
            capture("tls12-echo.pcapng").to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !text(&out.stderr).contains("error"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn file_without_subcommand_means_show() {
    let f = capture("plain-echo.pcap");
    let a = run(&["--color=never", f.to_str().unwrap()]);
    let b = run(&["show", "--color=never", f.to_str().unwrap()]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn help_teaches_the_labels() {
    let out = run(&["show", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in ["leak", "opaque", "undecoded", "-XX", "--color", "Examples"] {
        assert!(help.contains(word), "help lacks {word}: {help}");
    }
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "no arguments is a usage error");
}

/// The default build has no libpcap: live capture and BPF filters say how to get them.
#[cfg(not(feature = "live"))]
#[test]
fn live_and_filters_without_libpcap_say_how_to_get_them() {
    let out = run(&["live"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--features live"),
        "{}",
        text(&out.stderr)
    );
    let f = capture("tls13-echo.pcapng");
    let out = run(&["show", f.to_str().unwrap(), "tcp", "port", "443"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("the filter \"tcp port 443\" needs libpcap"),
        "{err}"
    );
}

/// Issue 14: `eavesdrop flow FILE` was read as `show flow FILE`, and answered that the
/// filter needs libpcap.
#[test]
fn a_mistyped_command_gets_did_you_mean() {
    let f = capture("plain-echo.pcap");
    for (typo, meant) in [
        ("flow", "flows"),
        ("chek", "check"),
        ("shwo", "show"),
        ("dem", "demo"),
    ] {
        let out = run(&[typo, f.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{typo}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("did you mean `{meant}`?")),
            "{typo}: {err}"
        );
        assert!(!err.contains("libpcap"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A file of that name is a file.
    let dir = tempdir("didyoumean");
    let flow = dir.join("flow");
    std::fs::copy(&f, &flow).unwrap();
    let out = eavesdrop()
        .args(["flow", "--color=never"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Issue 14: `show a.pcap b.pcap` read the second file as a filter.
#[test]
fn show_reads_several_files_in_order_each_with_its_summary() {
    let (a, b) = (capture("plain-echo.pcap"), capture("tls12-echo.pcapng"));
    let out = run(&[
        "show",
        "--color=never",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let one =
        |p: &std::path::Path| text(&run(&["show", "--color=never", p.to_str().unwrap()]).stdout);
    assert_eq!(text(&out.stdout), one(&a) + &one(&b));
    assert_eq!(text(&out.stderr).matches("summary:").count(), 2);
    // tcpdump's -r, repeatable.
    let out = run(&[
        "show",
        "--color=never",
        "-r",
        a.to_str().unwrap(),
        "-r",
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), one(&a) + &one(&b));
    // A missing second file is a missing file, not a filter.
    let out = run(&["show", a.to_str().unwrap(), "/nonexistent/b.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("cannot read /nonexistent/b.pcap"), "{err}");
    assert!(!err.contains("filter"), "{err}");
}

/// Issue 14: `show FILE 'tcp port 1060' --no-hex` folded --no-hex into the filter.
#[test]
fn options_after_a_filter_are_options() {
    let f = capture("plain-echo.pcap");
    let out = run(&[
        "show",
        f.to_str().unwrap(),
        "tcp port 1060",
        "--no-hex",
        "--color=never",
    ]);
    let err = text(&out.stderr);
    if cfg!(feature = "live") {
        assert!(out.status.success(), "{err}");
        assert!(!text(&out.stdout).contains("0x0000:"), "no hex rows");
    } else {
        assert!(
            err.contains("the filter \"tcp port 1060\" needs libpcap"),
            "{err}"
        );
    }
    // -r FILE then a filter (tcpdump's order), and --filter with files.
    for args in [
        vec![
            "show",
            "-r",
            f.to_str().unwrap(),
            "tcp",
            "port",
            "1060",
            "--no-hex",
        ],
        vec![
            "show",
            "--filter",
            "tcp port 1060",
            "--no-hex",
            f.to_str().unwrap(),
        ],
    ] {
        let out = run(&args);
        let err = text(&out.stderr);
        if cfg!(feature = "live") {
            assert!(out.status.success(), "{args:?}: {err}");
        } else {
            assert!(
                err.contains("the filter \"tcp port 1060\" needs libpcap"),
                "{err}"
            );
        }
    }
}

/// Issue 14: OS errors were printed twice (the error's own text plus its source).
#[test]
fn each_error_is_said_once() {
    for args in [
        vec!["show", "/nonexistent/capture.pcap"],
        vec!["flows", "/nonexistent/capture.pcap"],
        vec!["check", "--deny", "plaintext", "/nonexistent/capture.pcap"],
        vec![
            "check",
            "--policy",
            "/nonexistent/p.toml",
            "/nonexistent/capture.pcap",
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.matches("No such file").count(), 1, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

/// docs/eavesdrop.1 is what `eavesdrop man` prints: remade with
/// `cargo run -- man > docs/eavesdrop.1` whenever the options change.
#[test]
fn committed_man_page_is_up_to_date() {
    let out = run(&["man"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..100]);
    for section in [
        ".SH NAME",
        "EAVESDROP SHOW",
        "EAVESDROP FLOWS",
        "EAVESDROP CHECK",
        "\\-\\-brief",
    ] {
        assert!(page.contains(section), "{section}");
    }
    let committed = std::fs::read_to_string(repo().join("docs/eavesdrop.1")).unwrap();
    assert!(
        committed == page,
        "docs/eavesdrop.1 is stale: run `cargo run -- man > docs/eavesdrop.1`"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains("eavesdrop"), "{shell}");
        assert!(script.contains("brief"), "{shell}: flows options completed");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn tcpdump_options_show_does_not_take_are_named() {
    let file = capture("plain-echo.pcap");
    let file = file.to_str().unwrap();
    for (args, named) in [
        (
            vec!["show", "-nnvi", "eth0", file],
            "tcpdump's -i (in -nnvi)",
        ),
        (vec!["show", "-w", "out.pcap", file], "tcpdump's -w"),
        (
            vec!["show", "--immediate-mode", file],
            "tcpdump's --immediate-mode",
        ),
    ] {
        let out = run(&args);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(named) && err.contains("not supported"),
            "{args:?}: {err}"
        );
    }
    // An option value that looks like one is not taken for it: `-r` takes the rest.
    let out = run(&["show", "-c", "1", "--quiet", "--no-hex", "-nnr", file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn tcpdump_display_options_bundle_and_change_the_line() {
    let file = capture("plain-echo.pcap");
    let file = file.to_str().unwrap();
    let line = |args: &[&str]| {
        let mut all = vec!["show", "-c", "1", "--quiet", "--no-hex", "--no-describe"];
        all.extend_from_slice(args);
        all.push(file);
        let out = run(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let plain = line(&[]);
    assert!(
        plain.contains(" IP 127.0.0.1.37094 > 127.0.0.1.1060: Flags [S]"),
        "{plain}"
    );
    let e = line(&["-e"]);
    assert!(
        e.contains(
            "00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 74: 127.0.0.1"
        ),
        "{e}"
    );
    let v = line(&["-nnvt"]);
    assert!(v.starts_with("IP (tos 0x0, ttl 64, id 64263, offset 0, flags [DF], proto TCP (6), length 60)\n    127.0.0.1.37094"), "{v}");
    assert!(v.contains("cksum 0xfe30 (incorrect -> 0xb842)"), "{v}");
    // -K: no checksum at all, as tcpdump (print-tcp.c prints it only when verifying).
    let k = line(&["-vK"]);
    assert!(k.contains("proto TCP (6)") && !k.contains("cksum"), "{k}");
    let q = line(&["-qt"]);
    assert_eq!(q.trim_end(), "IP 127.0.0.1.37094 > 127.0.0.1.1060: tcp 0");
}

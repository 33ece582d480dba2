//! Golden outputs over every sample capture (read and checked by hand when they
//! change: `cargo insta review`), and colour really appearing with --color=always.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;

fn show(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    format!("{}--- stderr ---\n{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn show_every_sample_capture() {
    let captures = sample_captures();
    assert!(captures.len() >= 6, "captures/ lost files: {captures:?}");
    for path in captures {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Bulk transfers: packet lines and notes only, so the snapshot stays readable;
        // their labels are checked byte by byte in tests/reassembly.rs.
        let big = std::fs::metadata(&path).unwrap().len() > 64 * 1024;
        let mut args = vec!["show", "--color=never"];
        if big {
            args.push("--no-hex");
        }
        args.push(path.to_str().unwrap());
        let output = show(&args);
        insta::assert_snapshot!(format!("show__{name}"), output);
    }
}

#[test]
fn show_link_headers_numbers_and_dates() {
    let f = capture("tls13-echo-ipv6.pcap");
    let output = show(&[
        "show",
        "--color=never",
        "-XX",
        "-#",
        "-tttt",
        "-c",
        "4",
        f.to_str().unwrap(),
    ]);
    insta::assert_snapshot!("show_xx_numbers_dates", output);
}

#[test]
fn packet_lines_only_with_absolute_sequence_numbers() {
    let f = capture("tls12-echo.pcapng");
    let output = show(&["show", "--no-hex", "-S", "-ttt", f.to_str().unwrap()]);
    insta::assert_snapshot!("show_no_hex_absolute_deltas", output);
}

#[test]
fn colour_marks_leaks_readable_and_opaque_bytes() {
    let f = capture("tls12-echo.pcapng");
    let out = run(&["show", "--color=always", f.to_str().unwrap()]);
    assert!(out.status.success());
    let got = text(&out.stdout);
    // Leak: bold black on yellow; readable: bold green; opaque: bright blue;
    // undecoded: underlined (src/render/style.rs, and its colour-blindness test).
    let leak = "\x1b[1m\x1b[30m\x1b[43m";
    let readable = "\x1b[1m\x1b[32m";
    let opaque = "\x1b[94m";
    assert!(
        got.contains(&format!("{leak}7f00")),
        "addresses highlighted as leaks"
    );
    // The SNI "localhost" inside the ClientHello, as ASCII in the right column.
    assert!(got.contains(&format!("{leak}loc")), "SNI highlighted");
    assert!(got.contains(readable), "readable bytes in green");
    assert!(got.contains(opaque), "ciphertext in bright blue");
    // With colour there are no mask rows.
    assert!(
        !got.contains("\t         ----"),
        "mask rows only without colour"
    );
    // NO_COLOR wins over auto, and never writes escapes.
    let plain = eavesdrop()
        .args(["show", f.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!text(&plain.stdout).contains('\x1b'));
    // CLICOLOR_FORCE turns colour on for a pipe.
    let forced = eavesdrop()
        .args(["show", f.to_str().unwrap()])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(text(&forced.stdout).contains(leak));
}

/// Regression: `--color=always` never reset a style (anstyle renders the plain style's
/// reset as nothing), so the last colour stayed on for the summary and the prompt.
#[test]
fn colour_never_outlives_its_line() {
    let tls12 = capture("tls12-echo.pcapng");
    let plain = capture("plain-echo.pcap");
    let auth = capture("http-basic-auth.pcap");
    let frags = capture("ip-fragments.pcap");
    let (a, p, f) = (
        auth.to_str().unwrap(),
        plain.to_str().unwrap(),
        frags.to_str().unwrap(),
    );
    let runs: [&[&str]; 9] = [
        &["show", "--color=always", tls12.to_str().unwrap()],
        &["show", "--color=always", p],
        &["show", "--color=always", f],
        &["flows", "--color=always", a],
        &["flows", "--color=always", "--brief", a],
        &[
            "check",
            "--color=always",
            "--deny",
            "plaintext",
            "--deny",
            "credentials",
            a,
        ],
        &["check", "--color=always", "--deny", "undecoded", f],
        &[
            "check",
            "--color=always",
            "--deny",
            "credentials",
            tls12.to_str().unwrap(),
        ],
        &["demo", "--color=always"],
    ];
    for args in runs {
        let out = run(args);
        let code = out.status.code();
        let ok = code == Some(0) || (args[0] == "check" && code == Some(1));
        assert!(ok, "{args:?}: {}", text(&out.stderr));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(stdout.contains('\x1b'), "{args:?} printed no colour");
        assert_styles_closed(&format!("{args:?} stdout"), &stdout);
        assert_styles_closed(&format!("{args:?} stderr"), &stderr);
        // The stream ends reset, and `less -R` shows it as is: SGR only, no cursor
        // movement, no screen clearing.
        for (what, s) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert_sgr_only(&format!("{args:?} {what}"), s);
            if let Some(at) = s.rfind("\x1b[") {
                assert!(
                    s[at..].starts_with("\x1b[0m"),
                    "{args:?} {what} does not end reset"
                );
            }
        }
    }
}

/// Panics on any escape sequence that is not SGR (`ESC [ digits ; … m`).
fn assert_sgr_only(what: &str, s: &str) {
    for part in s.split('\x1b').skip(1) {
        let end = part.find('m').unwrap_or(part.len());
        let params = part.get(1..end).unwrap_or("");
        assert!(
            part.starts_with('[')
                && end < part.len()
                && params.chars().all(|c| c.is_ascii_digit() || c == ';'),
            "{what}: an escape sequence other than SGR: {:?}",
            &part[..part.len().min(12)]
        );
    }
}

#[test]
fn the_textbook_lesson_reads_at_a_glance() {
    let plain = show(&[
        "show",
        "--color=never",
        capture("plain-echo.pcap").to_str().unwrap(),
    ]);
    let tls12 = show(&[
        "show",
        "--color=never",
        capture("tls12-echo.pcapng").to_str().unwrap(),
    ]);
    let tls13 = show(&[
        "show",
        "--color=never",
        capture("tls13-echo.pcapng").to_str().unwrap(),
    ]);
    // Plaintext: the message is readable.
    assert!(plain.contains("length 31: plaintext, 31 bytes"));
    assert!(plain.contains("Simple.is.be") && plain.contains("tter.than.comple"));
    // TLS 1.2: the CA's name travels readable in the certificate; the message does not.
    assert!(tls12.contains(
        "TLSv1.2 ServerHello (cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ALPN=echo), \
         Certificate (CN=localhost, issuer=Eavesdrop Teaching CA), ServerKeyExchange, ServerHelloDone"
    ));
    // … and marked as a leak (the issuer name, under its hex row).
    let lines: Vec<&str> = tls12.lines().collect();
    let row = lines
        .iter()
        .position(|l| l.ends_with("sdrop.Teaching.C"))
        .unwrap();
    assert!(
        lines[row + 1].ends_with("^^^^^^^^^^^^^^^^"),
        "{}",
        lines[row + 1]
    );
    assert!(!tls12.contains("Simple") && !tls12.contains("tter.than"));
    assert!(tls12.contains("TLSv1.2 ApplicationData, 55 bytes opaque"));
    // TLS 1.3: everything after the ServerHello is opaque; the SNI is still readable.
    assert!(tls13.contains("TLSv1.3 ClientHello (SNI=localhost, ALPN=echo)"));
    assert!(tls13.contains(
        "TLSv1.3 ServerHello (cipher=TLS_AES_256_GCM_SHA384), ChangeCipherSpec, \
         ApplicationData x4, 1296 bytes opaque"
    ));
    assert!(!tls13.contains("Eavesdrop"));
    // Addresses and ports in the clear everywhere.
    for out in [&plain, &tls12, &tls13] {
        assert!(out.contains("^^^^ ^^^^ ^^^^ ^^^^ ---- ---- ---- ----"));
    }
}

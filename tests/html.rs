//! `eavesdrop html` and `demo --html`: the page's structure and bounds from its source,
//! and its behaviour in a real browser — Debian's Chromium driven through WebDriver
//! (chromedriver, with the fantoccini crate): after the page's script ran, the live
//! DOM has the flows table, one ladder arrow per packet, opaque bytes labelled opaque,
//! the SNI's field on hover, keyboard navigation; and a crafted hostile capture (SNI,
//! Host header, certificate CN, DNS name and payload full of markup, `javascript:`
//! URLs and terminal escapes) executes nothing and shows its strings as text.
//!
//! Browser checks skip with a message when chromium or chromedriver is missing, and
//! fail instead when EAVESDROP_REQUIRE_PEERS is set (CI installs both). Screenshots of
//! the pages go to target/tmp/html-screenshots/ (for a person to look at).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::{eavesdrop, ethernet, ipv4_tcp, peers_required, tempdir, text, Pcap, TempDir};
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

// ---- the hostile capture -------------------------------------------------------------

/// Strings that would run script, load something or break the layout if a page ever
/// parsed capture text as HTML, put it in a URL, or wrote terminal bytes raw.
const SCRIPT_TAG: &str = "<script>window.pwned=1;document.title='pwned'</script>";
const IMG_TAG: &str = "\"><img src=x onerror=\"window.pwned=2\">";
const STYLE_END: &str = "</style><h1 id=broken>";
const JS_URL: &str = "javascript:window.pwned=3";
const TERMINAL: &str = "\x1b[2J\x1b]0;owned\x07\u{202e}evil";

fn u16be(n: usize) -> [u8; 2] {
    (n as u16).to_be_bytes()
}

fn u24be(n: usize) -> [u8; 3] {
    let b = (n as u32).to_be_bytes();
    [b[1], b[2], b[3]]
}

/// A DER TLV.
fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = body.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.push(0x82);
        v.extend_from_slice(&u16be(n));
    }
    v.extend_from_slice(body);
    v
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// A name with one common name.
fn name(cn: &str) -> Vec<u8> {
    let oid_cn = der(0x06, &[0x55, 0x04, 0x03]);
    let atv = der(0x30, &cat(&[oid_cn, der(0x0c, cn.as_bytes())]));
    der(0x30, &der(0x31, &atv))
}

/// A self-signed-looking X.509 v3 certificate (the signature is not checked) whose
/// subject and issuer common names are `cn`.
fn certificate(cn: &str) -> Vec<u8> {
    let sha256_rsa = der(
        0x30,
        &cat(&[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            ),
            der(0x05, &[]),
        ]),
    );
    let rsa = der(
        0x30,
        &cat(&[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            ),
            der(0x05, &[]),
        ]),
    );
    let mut modulus = vec![0x00, 0xc3];
    modulus.extend_from_slice(&[0x5a; 63]);
    let key = der(
        0x30,
        &cat(&[der(0x02, &modulus), der(0x02, &[0x01, 0x00, 0x01])]),
    );
    let mut bits = vec![0];
    bits.extend_from_slice(&key);
    let spki = der(0x30, &cat(&[rsa, der(0x03, &bits)]));
    let validity = der(
        0x30,
        &cat(&[der(0x17, b"250101000000Z"), der(0x17, b"350101000000Z")]),
    );
    let tbs = der(
        0x30,
        &cat(&[
            der(0xa0, &der(0x02, &[2])),
            der(0x02, &[0x11, 0x22, 0x33]),
            sha256_rsa.clone(),
            name(cn),
            validity,
            name(cn),
            spki,
        ]),
    );
    let mut sig = vec![0];
    sig.extend_from_slice(&[0x77; 64]);
    der(0x30, &cat(&[tbs, sha256_rsa, der(0x03, &sig)]))
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![kind];
    v.extend_from_slice(&u24be(body.len()));
    v.extend_from_slice(body);
    v
}

fn record(content: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![content, 3, 3];
    v.extend_from_slice(&u16be(body.len()));
    v.extend_from_slice(body);
    v
}

fn client_hello(sni: &str) -> Vec<u8> {
    let host = sni.as_bytes();
    let mut list = vec![0];
    list.extend_from_slice(&u16be(host.len()));
    list.extend_from_slice(host);
    let mut ext_data = u16be(list.len()).to_vec();
    ext_data.extend_from_slice(&list);
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&u16be(ext_data.len()));
    ext.extend_from_slice(&ext_data);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x42; 32]);
    body.push(0); // session id
    body.extend_from_slice(&[0, 2, 0xc0, 0x2f]);
    body.extend_from_slice(&[1, 0]);
    body.extend_from_slice(&u16be(ext.len()));
    body.extend_from_slice(&ext);
    record(22, &handshake(1, &body))
}

fn server_flight(cn: &str) -> Vec<u8> {
    let mut hello = vec![3, 3];
    hello.extend_from_slice(&[0x24; 32]);
    hello.push(0);
    hello.extend_from_slice(&[0xc0, 0x2f, 0]);
    hello.extend_from_slice(&[0, 0]); // no extensions
    let cert = certificate(cn);
    let mut chain = u24be(cert.len()).to_vec();
    chain.extend_from_slice(&cert);
    let mut certs = u24be(chain.len()).to_vec();
    certs.extend_from_slice(&chain);
    let mut body = handshake(2, &hello);
    body.extend_from_slice(&handshake(11, &certs));
    body.extend_from_slice(&handshake(14, &[]));
    record(22, &body)
}

/// A DNS query over UDP for a name whose labels are hostile bytes.
fn dns_query(labels: &[&[u8]]) -> Vec<u8> {
    let mut q = vec![0x13, 0x37, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for l in labels {
        q.push(l.len() as u8);
        q.extend_from_slice(l);
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    let mut udp = 5353u16.to_be_bytes().to_vec();
    udp.extend_from_slice(&53u16.to_be_bytes());
    udp.extend_from_slice(&u16be(8 + q.len()));
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(&q);
    let total = 20 + udp.len();
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        2,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ];
    ip.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 53]);
    ip.extend_from_slice(&udp);
    ip
}

/// A TCP connection: handshake, then `segments` (client first, alternating), then FINs.
fn connection(pcap: Pcap, at: u32, sport: u16, dport: u16, segments: &[Vec<u8>]) -> Pcap {
    let (c, s) = ([10, 0, 0, 1], [10, 0, 0, 2]);
    let (mut cs, mut ss) = (1000u32, 5000u32);
    let mut p = pcap
        .frame(
            at,
            &ethernet(&ipv4_tcp(c, s, sport, dport, cs, 0, 0x02, &[])),
        )
        .frame(
            at,
            &ethernet(&ipv4_tcp(s, c, dport, sport, ss, cs + 1, 0x12, &[])),
        );
    cs += 1;
    ss += 1;
    p = p.frame(
        at,
        &ethernet(&ipv4_tcp(c, s, sport, dport, cs, ss, 0x10, &[])),
    );
    for (i, seg) in segments.iter().enumerate() {
        if i % 2 == 0 {
            p = p.frame(
                at,
                &ethernet(&ipv4_tcp(c, s, sport, dport, cs, ss, 0x18, seg)),
            );
            cs += seg.len() as u32;
        } else {
            p = p.frame(
                at,
                &ethernet(&ipv4_tcp(s, c, dport, sport, ss, cs, 0x18, seg)),
            );
            ss += seg.len() as u32;
        }
    }
    p.frame(
        at,
        &ethernet(&ipv4_tcp(c, s, sport, dport, cs, ss, 0x11, &[])),
    )
    .frame(
        at,
        &ethernet(&ipv4_tcp(s, c, dport, sport, ss, cs + 1, 0x11, &[])),
    )
    .frame(
        at,
        &ethernet(&ipv4_tcp(c, s, sport, dport, cs + 1, ss + 1, 0x10, &[])),
    )
}

/// The crafted capture: a TLS 1.2 handshake whose SNI and certificate names are
/// hostile, an HTTP request whose path, Host, Referer and body are, and a DNS query
/// for a hostile name.
fn hostile_capture(dir: &Path) -> PathBuf {
    let sni = format!("{SCRIPT_TAG}{TERMINAL}");
    let cn = format!("{IMG_TAG}{STYLE_END}");
    let request = format!(
        "GET /{SCRIPT_TAG} HTTP/1.1\r\nHost: {IMG_TAG}\r\nReferer: {JS_URL}\r\n\
         User-Agent: {TERMINAL}\r\nContent-Length: 40\r\n\r\n{STYLE_END}{SCRIPT_TAG}"
    );
    let response = format!("HTTP/1.1 200 OK\r\nLocation: {JS_URL}\r\nContent-Length: 0\r\n\r\n");
    let mut p = Pcap::new(1, 65535);
    p = connection(p, 1, 40001, 443, &[client_hello(&sni), server_flight(&cn)]);
    p = connection(
        p,
        2,
        40002,
        80,
        &[request.into_bytes(), response.into_bytes()],
    );
    let dns = dns_query(&[b"<img src=x onerror=window.pwned=4>", b"example"]);
    p = p.frame(3, &ethernet(&dns));
    p.write(dir, "hostile.pcap")
}

// ---- without a browser: what the file itself holds -----------------------------------

fn html_of(args: &[&str]) -> String {
    let out = eavesdrop().arg("html").args(args).output().expect("run");
    assert!(out.status.success(), "html {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// The `<script type="application/json">` blocks of a page, parsed.
fn data_blocks(html: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut rest = html;
    let open = "<script type=\"application/json\" id=\"";
    while let Some(at) = rest.find(open) {
        let after = &rest[at + open.len()..];
        let id_end = after.find('"').expect("id");
        let id = after[..id_end].to_string();
        let id = id
            .strip_prefix("d-")
            .expect("data ids start with d-")
            .to_string();
        let body_start = after.find('>').expect(">") + 1;
        let body_end = after.find("</script>").expect("</script>");
        let value: Value = serde_json::from_str(&after[body_start..body_end])
            .unwrap_or_else(|e| panic!("block {id} is not JSON: {e}"));
        out.push((id, value));
        rest = &after[body_end..];
    }
    out
}

/// Every sample capture gives a page that loads nothing, runs only its own script and
/// style, and whose data blocks are JSON.
#[test]
fn pages_of_the_sample_captures_are_self_contained() {
    for capture in common::sample_captures() {
        let name = capture.display().to_string();
        let html = html_of(&[&name]);
        let lower = html.to_ascii_lowercase();
        let head = &lower[..lower.find("</head>").expect("head")];
        assert!(
            head.find("content-security-policy") < head.find("<style>"),
            "{name}: the CSP comes before the style and script"
        );
        for bad in [
            "<link", " src=", "<iframe", "<object", "<embed", "<img", "@import", "<base",
        ] {
            assert!(!lower.contains(bad), "{name}: page contains {bad}");
        }
        assert_eq!(lower.matches("<script>").count(), 1, "{name}: one script");
        assert_eq!(
            lower.matches("<style>").count(),
            1,
            "{name}: one stylesheet"
        );
        let blocks = data_blocks(&html);
        assert_eq!(
            lower.matches("<script").count(),
            blocks.len() + 1,
            "{name}: every other script element is data"
        );
        assert!(
            blocks.iter().any(|(id, _)| id == "s0"),
            "{name}: no section"
        );
    }
}

/// The page's section says what an observer learned, with the same facts as `flows
/// --json`: one flow entry per flow, one ladder arrow per packet.
#[test]
fn page_data_matches_the_flow_reports() {
    let capture = common::capture("tls12-echo.pcapng");
    let html = html_of(&[capture.to_str().unwrap()]);
    let blocks = data_blocks(&html);
    let s0 = &blocks.iter().find(|(id, _)| id == "s0").unwrap().1;
    let out = eavesdrop()
        .args(["flows", "--json"])
        .arg(&capture)
        .output()
        .unwrap();
    let flows: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "flow")
        .collect();
    assert_eq!(s0["flows"].as_array().unwrap().len(), flows.len());
    let f = &s0["flows"][0];
    assert_eq!(f["verdict"], flows[0]["verdict"]);
    assert_eq!(f["class"], "opaque");
    let packets =
        f["to_server"]["packets"].as_u64().unwrap() + f["to_client"]["packets"].as_u64().unwrap();
    assert_eq!(
        f["ladder"]["head"].as_array().unwrap().len() as u64,
        packets
    );
    assert_eq!(s0["summary"]["frames"], 16);
    assert_eq!(s0["left_out"]["frames"], 0);
    // Every frame's detail is embedded, with its bytes.
    for n in 1..=16 {
        assert!(
            blocks.iter().any(|(id, _)| *id == format!("s0-f{n}")),
            "frame {n}"
        );
    }
}

/// A page lists the first flows by id, each with its ladder, however the flows end
/// (here most are evicted from a small table, out of order), and counts the rest.
#[test]
fn the_page_lists_the_first_flows_with_their_ladders() {
    const LISTED: u64 = 10_000;
    let extra = 7u32;
    let mut pcap = Pcap::new(1, 65535);
    for i in 0..LISTED as u32 + extra {
        let client = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let syn = ipv4_tcp(client, [10, 0, 0, 2], 40000, 443, i, 0, 0x02, &[]);
        pcap = pcap.frame(i / 1000, &ethernet(&syn));
    }
    let dir = tempdir("html-many-flows");
    let capture = pcap.write(&dir, "many.pcap");
    let html = html_of(&["--max-flows", "3000", capture.to_str().unwrap()]);
    let blocks = data_blocks(&html);
    let s0 = &blocks.iter().find(|(id, _)| id == "s0").unwrap().1;
    let flows = s0["flows"].as_array().unwrap();
    let ids: Vec<u64> = flows.iter().map(|f| f["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=LISTED).collect::<Vec<_>>());
    for f in flows {
        let head = f["ladder"]["head"].as_array().unwrap();
        assert_eq!(head.len(), 1, "flow {}: {head:?}", f["id"]);
        assert_eq!(head[0]["f"], f["id"], "its one frame");
    }
    assert_eq!(s0["left_out"]["flows"], u64::from(extra));
    assert_eq!(s0["left_out"]["max_flows"], LISTED);
    assert_eq!(s0["summary"]["flows"], LISTED + u64::from(extra));
}

/// --max-frames bounds the embedded detail; the flows and totals still cover every
/// frame, and the page says what it left out.
#[test]
fn max_frames_bounds_the_page() {
    let capture = common::capture("tls12-echo.pcapng");
    let html = html_of(&["--max-frames", "4", capture.to_str().unwrap()]);
    let blocks = data_blocks(&html);
    let s0 = &blocks.iter().find(|(id, _)| id == "s0").unwrap().1;
    let details = blocks
        .iter()
        .filter(|(id, _)| id.starts_with("s0-f"))
        .count();
    assert_eq!(details, 4);
    assert_eq!(s0["packets"].as_array().unwrap().len(), 4);
    assert_eq!(s0["left_out"]["frames"], 12);
    assert_eq!(s0["left_out"]["frames_total"], 16);
    // The first three (three quarters of 4), then the next frame with a name: the
    // ClientHello (frame 4, SNI) — here also the fourth frame.
    let kept: Vec<u64> = s0["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["n"].as_u64().unwrap())
        .collect();
    assert_eq!(kept, [1, 2, 3, 4]);
    assert_eq!(s0["summary"]["frames"], 16);
    let arrows = s0["flows"][0]["ladder"]["head"].as_array().unwrap().len();
    assert_eq!(arrows, 16, "ladders cover every frame");
}

/// Big frames (64 KiB ones are common on loopback) fill the byte budget before the
/// frame count: the embedded bytes stay within MAX_DETAIL_BYTES.
#[test]
fn big_frames_are_bounded_by_bytes() {
    let dir = tempdir("html-big-frames");
    let payload = vec![b'x'; 60_000];
    let mut p = Pcap::new(1, 65535);
    let mut seq = 1u32;
    for i in 0..200u32 {
        let f = ethernet(&ipv4_tcp(
            [10, 0, 0, 1],
            [10, 0, 0, 2],
            40000,
            9999,
            seq,
            1,
            0x18,
            &payload,
        ));
        p = p.frame(i, &f);
        seq = seq.wrapping_add(60_000);
    }
    let capture = p.write(&dir, "big-frames.pcap");
    let html = html_of(&[capture.to_str().unwrap()]);
    let blocks = data_blocks(&html);
    let s0 = &blocks.iter().find(|(id, _)| id == "s0").unwrap().1;
    let budget = s0["left_out"]["max_bytes"].as_u64().unwrap();
    let frame = 14 + 20 + 20 + 60_000;
    let kept = s0["packets"].as_array().unwrap().len() as u64;
    assert_eq!(
        kept,
        budget / frame,
        "as many whole frames as the budget holds"
    );
    assert_eq!(s0["left_out"]["frames"].as_u64().unwrap(), 200 - kept);
    assert_eq!(s0["summary"]["frames"], 200);
    assert!(
        html.len() < (budget as usize) * 3 / 2,
        "page {} bytes",
        html.len()
    );
}

/// The crafted capture's strings reach the file only inside JSON, escaped: none of
/// the markup appears raw.
#[test]
fn hostile_strings_are_escaped_in_the_file() {
    let dir = tempdir("html-hostile-raw");
    let capture = hostile_capture(&dir);
    let html = html_of(&[capture.to_str().unwrap()]);
    for raw in [
        "<img",
        "onerror=\"",
        "</style><h1",
        "<script>window",
        "\x1b",
        "\u{202e}",
    ] {
        assert!(!html.contains(raw), "raw {raw:?} in the page");
    }
    // The capture was understood: its names are in the data (escaped).
    let blocks = data_blocks(&html);
    let s0 = &blocks.iter().find(|(id, _)| id == "s0").unwrap().1;
    let names: Vec<&str> = s0["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("<script>window.pwned=1")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.contains("<img src=x onerror=")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.contains("\\x1b[2J")),
        "terminal bytes are shown as escapes: {names:?}"
    );
}

/// `demo --html`: the three acts as sections, each with its capture's flow, and the
/// closing table, without a browser.
#[test]
fn demo_page_holds_the_three_acts() {
    let dir = tempdir("html-demo-file");
    let page = dir.join("demo.html");
    let out = eavesdrop()
        .args(["demo", "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap();
    let blocks = data_blocks(&html);
    let meta = &blocks.iter().find(|(id, _)| id == "page").unwrap().1;
    let sections = meta["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 3);
    assert!(
        sections[0]["title"].as_str().unwrap().starts_with("Act 1"),
        "{meta}"
    );
    assert_eq!(meta["outro"]["rows"].as_array().unwrap().len(), 7);
    for (i, class) in ["readable", "opaque", "opaque"].iter().enumerate() {
        let s = &blocks
            .iter()
            .find(|(id, _)| *id == format!("s{i}"))
            .unwrap()
            .1;
        let flows = s["flows"].as_array().unwrap();
        assert_eq!(flows.len(), 1, "act {}", i + 1);
        assert_eq!(flows[0]["class"], *class, "act {}", i + 1);
    }
    // --html and --step do not go together.
    let out = eavesdrop()
        .args(["demo", "--step", "--html"])
        .arg(dir.join("x.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.join("x.html").exists());
}

/// A size as eavesdrop says it ("88,997 bytes").
fn eavesdrop_bytes(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} bytes")
}

#[test]
fn html_refuses_a_terminal_only_when_it_is_one() {
    // Piped (as in every test), the page goes to standard output.
    let capture = common::capture("plain-echo.pcap");
    let out = eavesdrop().arg("html").arg(&capture).output().unwrap();
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("<!DOCTYPE html>"));
    // -o writes the file and says so.
    let dir = tempdir("html-o");
    let page = dir.join("p.html");
    let out = eavesdrop()
        .arg("html")
        .arg(&capture)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrote"), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&page).unwrap();
    assert!(written.contains("</html>"));
    // Written under a temporary name and renamed: the size said is the page's, and
    // nothing else is left beside it. Writing it again replaces it whole.
    let said = format!("({})", eavesdrop_bytes(written.len()));
    assert!(text(&out.stderr).contains(&said), "{}", text(&out.stderr));
    let again = eavesdrop()
        .arg("html")
        .arg(common::capture("tls12-echo.pcapng"))
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("tls12-echo"));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["p.html"]);
    // A page that cannot be written: exit 2, a message naming it.
    let out = eavesdrop()
        .arg("html")
        .arg(&capture)
        .arg("-o")
        .arg(dir.join("no-such-dir").join("p.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot write") && text(&out.stderr).contains("no-such-dir"),
        "{}",
        text(&out.stderr)
    );
    // A missing capture: exit 2, no page.
    let missing = dir.join("missing.pcap");
    let out = eavesdrop()
        .arg("html")
        .arg(&missing)
        .arg("-o")
        .arg(dir.join("m.html"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.join("m.html").exists());
}

// ---- in Chromium ---------------------------------------------------------------------

fn find_tool(names: &[&str]) -> Option<PathBuf> {
    for n in names {
        let p = Path::new(n);
        if p.is_absolute() && p.exists() {
            return Some(p.to_path_buf());
        }
        if let Ok(out) = Command::new("which").arg(n).output() {
            let t = text(&out.stdout).trim().to_string();
            if out.status.success() && !t.is_empty() {
                return Some(PathBuf::from(t));
            }
        }
    }
    None
}

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
    /// Chromium's profile directory, unique to this test process.
    profile: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // After a failed assertion the session is never closed, and chromedriver's
        // death leaves its Chromium running: end the processes started with this
        // run's profile (found by their command line, each by its id).
        let mark = format!("--user-data-dir={}", self.profile.display());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return;
        };
        for p in procs.flatten() {
            let Ok(pid) = p.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(cmd) = std::fs::read(p.path().join("cmdline")) else {
                continue;
            };
            if cmd.split(|&b| b == 0).any(|a| a == mark.as_bytes()) {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
    }
}

fn start_driver() -> Option<(Driver, PathBuf)> {
    let chromium = find_tool(&["/usr/bin/chromium", "chromium", "chromium-browser"]);
    let driver = find_tool(&["/usr/bin/chromedriver", "chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        assert!(
            !peers_required(),
            "chromium and chromedriver are required (EAVESDROP_REQUIRE_PEERS): apt-get install chromium chromium-driver"
        );
        eprintln!("skipping the browser tests: chromium or chromedriver not installed (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempdir("html-chromium-profile");
    let d = Driver {
        child,
        port,
        profile,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((d, chromium))
}

async fn connect(driver: &Driver, chromium: &Path) -> Client {
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                format!("--user-data-dir={}", driver.profile.display()),
            ],
        },
    });
    let caps = caps.as_object().unwrap().clone();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

fn file_url(p: &Path) -> String {
    format!("file://{}", p.canonicalize().unwrap().display())
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

async fn open(c: &Client, page: &Path) {
    c.goto(&file_url(page)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = js(
            c,
            "return document.documentElement.getAttribute('data-ready')",
        )
        .await;
        if ready == "true" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}: the page's script did not finish",
            page.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(c: &Client, css: &str) -> u64 {
    let v = js(
        c,
        &format!("return document.querySelectorAll({}).length", json!(css)),
    )
    .await;
    v.as_u64().unwrap()
}

async fn hover(c: &Client, css: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    js(
        c,
        &format!(
            "document.querySelector({}).scrollIntoView({{block: 'center'}})",
            json!(css)
        ),
    )
    .await;
    let actions = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: el,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    c.perform_actions(actions).await.unwrap();
}

async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// The lesson page: flows, ladder, coloured bytes, fields on hover, keys.
async fn lesson_page(c: &Client, dir: &Path) {
    let page = dir.join("lesson.html");
    let out = eavesdrop()
        .args(["html", "captures/tls12-echo.pcapng", "-o"])
        .arg(&page)
        .current_dir(common::repo())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    open(c, &page).await;
    assert_eq!(
        c.title().await.unwrap(),
        "eavesdrop: captures/tls12-echo.pcapng"
    );
    assert_eq!(count(c, "#s0 tbody tr.flow-row").await, 1, "one flow row");
    // One arrow per packet of the flow (8 each way).
    assert_eq!(
        count(c, "#s0 .ladder g.arrow").await,
        16,
        "one arrow per packet"
    );
    assert_eq!(
        count(c, "#s0 .ladder .enc-zone").await,
        1,
        "the encrypted part set apart"
    );
    assert_eq!(
        count(c, "#s0 .ladder g.arrow.k3").await,
        4,
        "opaque arrows: data and alerts"
    );
    // The packet list opened on the ClientHello (the first packet with a name), its
    // field panel on the SNI.
    let sel = js(
        c,
        "return document.querySelector('#s0 .prow.sel .pn').textContent",
    )
    .await;
    assert_eq!(sel, "4");
    let field = js(
        c,
        "return document.querySelector('#s0 .field .fname').textContent",
    )
    .await;
    assert_eq!(field, "tls.handshake.extensions_server_name");
    screenshot(c, "lesson").await;

    // Hovering the SNI's bytes shows its field and highlights its whole range.
    hover(c, "#s0 .hexbody .hx .b[data-i='40']").await; // a TCP header byte first
    let field = js(
        c,
        "return document.querySelector('#s0 .field .fname').textContent",
    )
    .await;
    assert_ne!(field, "tls.handshake.extensions_server_name");
    hover(c, "#s0 .hexbody .hx .b[data-i='160']").await;
    let field = js(
        c,
        "return document.querySelector('#s0 .field .fname').textContent",
    )
    .await;
    assert_eq!(field, "tls.handshake.extensions_server_name");
    assert_eq!(
        count(c, "#s0 .hexbody .hx .b.hl").await,
        9,
        "localhost: 9 bytes lit"
    );
    let panel = js(c, "return document.querySelector('#s0 .field').textContent").await;
    let panel = panel.as_str().unwrap();
    assert!(
        panel.contains("server name") && panel.contains("localhost"),
        "{panel}"
    );
    assert!(panel.contains("leak"), "{panel}");

    // The client's message: frame 10, its record body opaque byte for byte.
    let arrow = c
        .find(Locator::Css("#s0 .ladder g.arrow[data-frame='10']"))
        .await
        .unwrap();
    arrow.click().await.unwrap();
    let sel = js(
        c,
        "return document.querySelector('#s0 .prow.sel .pn').textContent",
    )
    .await;
    assert_eq!(sel, "10", "a ladder arrow selects its packet");
    let labels = js(
        c,
        "return Array.from(document.querySelectorAll('#s0 .hexbody .hx .b'))
            .filter(b => Number(b.dataset.i) >= 71).map(b => b.className)",
    )
    .await;
    let labels = labels.as_array().unwrap();
    assert_eq!(labels.len(), 55, "the 55-byte record body");
    assert!(
        labels
            .iter()
            .all(|l| l.as_str().unwrap().split(' ').any(|c| c == "l3")),
        "{labels:?}"
    );
    hover(c, "#s0 .hexbody .hx .b[data-i='100']").await;
    let field = js(
        c,
        "return document.querySelector('#s0 .field .fname').textContent",
    )
    .await;
    assert_eq!(field, "tls.app_data");

    // Keyboard: j and k in the packet list, arrows in the hex view.
    let list = c.find(Locator::Css("#s0 .plist")).await.unwrap();
    list.send_keys("j").await.unwrap();
    let sel = js(
        c,
        "return document.querySelector('#s0 .prow.sel .pn').textContent",
    )
    .await;
    assert_eq!(sel, "11");
    list.send_keys("kk").await.unwrap();
    let sel = js(
        c,
        "return document.querySelector('#s0 .prow.sel .pn').textContent",
    )
    .await;
    assert_eq!(sel, "9");
    let first = c
        .find(Locator::Css("#s0 .hexbody .hx .b[data-i='0']"))
        .await
        .unwrap();
    first.send_keys("\u{E014}\u{E014}\u{E015}").await.unwrap(); // → → ↓
    let focused = js(c, "return document.activeElement.dataset.i").await;
    assert_eq!(focused, "18");
    let field = js(
        c,
        "return document.querySelector('#s0 .field .fname').textContent",
    )
    .await;
    assert!(field.as_str().unwrap().starts_with("ip."), "{field}");

    // Sorting and filtering the flows table.
    let sort = c
        .find(Locator::Css("#s0 .flow-table th:nth-child(5) button"))
        .await
        .unwrap();
    sort.click().await.unwrap();
    let aria = js(c, "return document.querySelector('#s0 .flow-table th:nth-child(5)').getAttribute('aria-sort')").await;
    assert_eq!(aria, "descending");
}

/// The demo's page: three acts, each with its flows, and the closing table.
async fn demo_page(c: &Client, dir: &Path) {
    let page = dir.join("demo.html");
    let out = eavesdrop()
        .args(["demo", "--html"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    open(c, &page).await;
    assert_eq!(count(c, "section.capture").await, 3);
    for s in ["s0", "s1", "s2"] {
        assert_eq!(count(c, &format!("#{s} tbody tr.flow-row")).await, 1, "{s}");
    }
    let heading = js(c, "return document.querySelector('#s0 h2').textContent").await;
    assert!(
        heading.as_str().unwrap().starts_with("Act 1: plaintext"),
        "{heading}"
    );
    assert_eq!(count(c, ".outro-table tbody tr").await, 7);
    // Act 1's message is readable: its packet's payload bytes carry the readable label.
    let readable = count(c, "#s0 .ladder g.arrow.k2").await;
    assert!(
        readable >= 2,
        "plaintext act: the message and its echo are readable arrows"
    );
    // Filtering by verdict: the TLS acts have no flow with readable content.
    let filter = c.find(Locator::Css("#s1-filter")).await.unwrap();
    assert!(
        filter.select_by_value("readable").await.is_err(),
        "no readable option in act 2"
    );
    filter.select_by_value("opaque").await.unwrap();
    assert_eq!(count(c, "#s1 tbody tr.flow-row").await, 1);
    screenshot(c, "demo").await;
}

/// The hostile capture's page runs nothing but its own script, and shows every string
/// as text.
async fn hostile_page(c: &Client, dir: &Path) {
    let capture = hostile_capture(dir);
    let page = dir.join("hostile.html");
    let out = eavesdrop()
        .arg("html")
        .arg(&capture)
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    open(c, &page).await;
    let title = c.title().await.unwrap();
    assert_eq!(title, format!("eavesdrop: {}", capture.display()));
    assert_eq!(
        js(c, "return typeof window.pwned").await,
        "undefined",
        "nothing executed"
    );
    assert_eq!(
        count(c, "img, iframe, object, embed, a[href], #broken").await,
        0
    );
    assert_eq!(count(c, "style").await, 1);
    assert_eq!(count(c, "script:not([type])").await, 1);
    let handlers = js(
        c,
        "return Array.from(document.querySelectorAll('*')).filter(e =>
            Array.from(e.attributes).some(a => a.name.startsWith('on'))).length",
    )
    .await;
    assert_eq!(handlers, 0, "no event-handler attribute");
    // The stylesheet still applies after the `</style>` strings.
    let row_height = js(
        c,
        "return getComputedStyle(document.querySelector('.prow')).height",
    )
    .await;
    assert_eq!(row_height, "30px");
    // The strings are there, as text: the SNI, the certificate name, the Host header,
    // the DNS name.
    let body = js(c, "return document.body.textContent").await;
    let body = body.as_str().unwrap();
    for s in [
        "<script>window.pwned=1;document.title='pwned'</script>",
        "\"><img src=x onerror=\"window.pwned=2\">",
        "</style><h1 id=broken>",
        "<img src=x onerror=window.pwned=4>.example",
        "\\x1b[2J\\x1b]0;owned\\x07\\u{202e}evil",
    ] {
        assert!(body.contains(s), "{s:?} not shown as text");
    }
    assert!(
        !body.contains('\u{1b}') && !body.contains('\u{202e}'),
        "raw control characters"
    );
    // Every flow made it to the table; hovering the hostile SNI shows it as text.
    assert_eq!(count(c, "#s0 tbody tr.flow-row").await, 3);
    let sni_at = js(
        c,
        "const d = JSON.parse(document.getElementById('d-s0-f4').textContent);
         const s = JSON.parse(document.getElementById('d-s0').textContent);
         const sp = d.spans.find(x => s.fields[x[2]].name === 'tls.handshake.extensions_server_name');
         return sp ? sp[0] : null",
    )
    .await;
    let sni_at = sni_at.as_u64().expect("the hostile SNI was dissected");
    let sel = js(
        c,
        "return document.querySelector('#s0 .prow.sel .pn').textContent",
    )
    .await;
    assert_eq!(sel, "4", "opened on the ClientHello");
    hover(c, &format!("#s0 .hexbody .hx .b[data-i='{}']", sni_at + 3)).await;
    let value = js(
        c,
        "return document.querySelector('#s0 .field .val').textContent",
    )
    .await;
    assert!(
        value.as_str().unwrap().contains("\"<script>window.pwned=1"),
        "{value}"
    );
    assert_eq!(js(c, "return typeof window.pwned").await, "undefined");
    assert_eq!(c.title().await.unwrap(), title, "the title is unchanged");
    screenshot(c, "hostile").await;
}

/// Many frames: the packet list draws only the rows in view, and scrolls to the end.
async fn large_page(c: &Client, dir: &Path) {
    let mut p = Pcap::new(1, 65535);
    for i in 0..6000u32 {
        let frame = ethernet(&ipv4_tcp(
            [10, 1, (i / 250) as u8, (i % 250) as u8],
            [10, 0, 0, 2],
            40000,
            8080,
            1,
            0,
            0x02,
            &[],
        ));
        p = p.frame(i, &frame);
    }
    let capture = p.write(dir, "many.pcap");
    let page = dir.join("many.html");
    let out = eavesdrop()
        .arg("html")
        .arg(&capture)
        .args(["--max-frames", "5000", "-o"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let started = Instant::now();
    open(c, &page).await;
    let built = js(
        c,
        "return document.documentElement.getAttribute('data-ready-ms')",
    )
    .await;
    eprintln!(
        "6,000-frame page ready in {:?} (built {} ms after navigation started)",
        started.elapsed(),
        built.as_str().unwrap_or("?")
    );
    assert_eq!(
        count(c, "#s0 tbody tr.flow-row").await,
        1000,
        "the first thousand rows, then a button"
    );
    let rows = count(c, "#s0 .prow").await;
    assert!(rows < 60, "the packet list is virtual: {rows} rows drawn");
    js(c, "const l = document.querySelector('#s0 .plist'); l.scrollTop = l.scrollHeight; l.dispatchEvent(new Event('scroll'))").await;
    let last = js(
        c,
        "return Math.max(...Array.from(document.querySelectorAll('#s0 .prow .pn')).map(e => Number(e.textContent)))",
    )
    .await;
    assert_eq!(last, 5000);
    let note = js(
        c,
        "return document.querySelector('#s0 .leftout').textContent",
    )
    .await;
    assert!(
        note.as_str().unwrap().contains("1,000 frames left out"),
        "{note}"
    );
}

#[test]
fn pages_work_in_chromium() {
    let Some((driver, chromium)) = start_driver() else {
        return;
    };
    let dir = tempdir("html-browser");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = connect(&driver, &chromium).await;
        lesson_page(&c, &dir).await;
        demo_page(&c, &dir).await;
        hostile_page(&c, &dir).await;
        large_page(&c, &dir).await;
        c.close().await.unwrap();
    });
}

//! eavesdrop against tcpdump on the same captures: every packet line (up to where
//! eavesdrop's own description begins) and `-X`/`-XX` hex rows must agree. Runs over
//! captures/ always (when tcpdump is installed) and over the development corpus when
//! EAVESDROP_CORPUS points at it.
//!
//! Per packet (aligned by tcpdump's and eavesdrop's `-#` numbers), the lines tcpdump
//! prints before its continuation lines must be identical to eavesdrop's
//! (`--no-describe`), VXLAN's second line (the inner packet) included. The exceptions
//! are the classes of tests/tcpdump-line-differences.txt, each with its reason and the
//! most lines it may hold (a list that only shrinks): tunnels tcpdump 4.99 does not
//! open, link types eavesdrop does not decode, and tcpdump printers eavesdrop does not
//! have (its line then stops where tcpdump's printer begins). Any other difference
//! fails. On the development corpus at least 99% of the packets must be identical.
//! Tunnelled packets' inner addresses are compared with tshark's separately.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Packet number → text (first line of the packet; after a VXLAN header, the inner
/// packet's line joined with a newline, as both tools print it).
fn packets(out: &str) -> BTreeMap<u64, String> {
    let mut map: BTreeMap<u64, String> = BTreeMap::new();
    let mut last: Option<u64> = None;
    for line in out.lines() {
        let trimmed = line.trim_start();
        let numbered = trimmed
            .split_once("  ")
            .filter(|(num, _)| {
                !line.starts_with('\t')
                    && !num.is_empty()
                    && num.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|(num, rest)| Some((num.parse::<u64>().ok()?, rest)));
        match numbered {
            Some((n, rest)) => {
                map.insert(n, rest.to_string());
                last = Some(n);
            }
            None => {
                // The inner packet of a VXLAN line.
                if let Some(prev) = last.and_then(|n| map.get_mut(&n)) {
                    let vxlan = prev
                        .lines()
                        .last()
                        .is_some_and(|l| l.contains("VXLAN, flags [") && l.contains(", vni "));
                    if vxlan && !line.starts_with('\t') && !line.is_empty() {
                        prev.push('\n');
                        prev.push_str(line);
                        continue;
                    }
                }
                last = None;
            }
        }
    }
    map
}

/// Where tcpdump 4.99 stops at a tunnel eavesdrop opens: tcpdump's line without the
/// words it ends with there, when eavesdrop's goes on into the tunnel.
fn tunnel_only_ours<'a>(tl: &'a str, el: &str) -> Option<&'a str> {
    for stop in ["gre-proto-0x88be", "gre-proto-0x22eb", "gre-proto-0x880b"] {
        if let Some(head) = tl.strip_suffix(stop) {
            if el.starts_with(head) && el.len() > head.len() {
                return Some(head);
            }
        }
    }
    // GTP-U and Teredo: tcpdump prints `src.port > dst.port: UDP, length N`.
    let (head, _) = tl.rsplit_once("UDP, length ")?;
    let rest = el.strip_prefix(head)?;
    (rest.starts_with("GTPv1-U ") || rest.starts_with("Teredo")).then_some(head)
}

/// Why a packet line may differ from tcpdump's: the classes of
/// tests/tcpdump-line-differences.txt, each with its reason there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Accepted {
    /// A tunnel tcpdump 4.99 does not open (ERSPAN, GTP-U, Teredo): eavesdrop's line
    /// starts with tcpdump's up to where tcpdump stops and goes on into the tunnel.
    Tunnel,
    /// A link type eavesdrop does not decode: `[link type … not decoded]`.
    LinkType,
    /// tcpdump decodes the UDP payload with a printer eavesdrop does not have
    /// (eavesdrop prints `UDP, length N` after the same ports).
    UdpPrinter,
    /// tcpdump's TCP line goes on after `length N` with a printer eavesdrop does not
    /// have (BGP, NetBIOS, SMB…).
    TcpPrinter,
    /// tcpdump has a printer for an IP protocol eavesdrop prints as `ip-proto-N`.
    IpProto,
    /// tcpdump has a printer for an EtherType or LLC frame eavesdrop prints as
    /// `ethertype Unknown`.
    EtherType,
    /// tcpdump decodes UDP port 4789 as VXLAN whatever its flags; eavesdrop wants the
    /// I flag (an unrelated datagram on that port stays UDP).
    VxlanInvalid,
}

impl Accepted {
    fn name(self) -> &'static str {
        match self {
            Accepted::Tunnel => "tunnel",
            Accepted::LinkType => "link-type",
            Accepted::UdpPrinter => "udp-printer",
            Accepted::TcpPrinter => "tcp-printer",
            Accepted::IpProto => "ip-proto",
            Accepted::EtherType => "ethertype",
            Accepted::VxlanInvalid => "vxlan-invalid",
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    /// Packets whose lines are identical (every line of the packet tcpdump prints
    /// before its continuation lines).
    exact: u64,
    /// Differences of an accepted class, by class.
    accepted: BTreeMap<Accepted, u64>,
    /// An example of each accepted class.
    examples: BTreeMap<Accepted, String>,
    disagreements: Vec<String>,
}

impl Tally {
    fn total(&self) -> u64 {
        self.exact + self.accepted.values().sum::<u64>() + self.disagreements.len() as u64
    }

    fn accept(&mut self, class: Accepted, what: impl FnOnce() -> String) {
        *self.accepted.entry(class).or_default() += 1;
        self.examples.entry(class).or_insert_with(what);
    }

    fn percent_identical(&self) -> f64 {
        100.0 * self.exact as f64 / self.total().max(1) as f64
    }
}

/// The class of an accepted difference, or `None` for a disagreement.
fn accepted_class(tl: &str, el: &str) -> Option<Accepted> {
    if tunnel_only_ours(tl, el).is_some() {
        return Some(Accepted::Tunnel);
    }
    if el.contains(" not decoded]") {
        return Some(Accepted::LinkType);
    }
    if tl.contains("VXLAN, flags [invalid]") {
        return Some(Accepted::VxlanInvalid);
    }
    // eavesdrop stops at `UDP, length N` where tcpdump goes on.
    if let Some(i) = el
        .find("UDP, length ")
        .or_else(|| el.find("UDP, bad length "))
    {
        if tl.starts_with(&el[..i]) && el.ends_with(|c: char| c.is_ascii_digit()) {
            return Some(Accepted::UdpPrinter);
        }
    }
    if is_tcp(tl) && tl.starts_with(el) && tl.len() > el.len() && el.contains(", length ") {
        return Some(Accepted::TcpPrinter);
    }
    if let Some(i) = el.find("  ip-proto-") {
        if tl.starts_with(&el[..i + 2]) {
            return Some(Accepted::IpProto);
        }
    }
    if el.contains(", ethertype ") && el.ends_with(": ") {
        return Some(Accepted::EtherType);
    }
    None
}

fn is_tcp(t: &str) -> bool {
    (t.contains("IP ") || t.contains("IP6 ")) && (t.contains(": Flags [") || t.ends_with("[|tcp]"))
}

/// Holds every packet line of `tcpdump -nn -r FILE` (TZ=UTC) against eavesdrop's, up
/// to where eavesdrop's own description begins (`--no-describe`).
fn compare_lines(file: &Path, tally: &mut Tally) {
    let t = Command::new("tcpdump")
        .args(["-#", "-nn", "-r"])
        .arg(file)
        .env("TZ", "UTC")
        .output()
        .expect("tcpdump");
    let e = eavesdrop()
        .args([
            "show",
            "-#",
            "--no-hex",
            "--no-notes",
            "--no-describe",
            "--color=never",
        ])
        .arg(file)
        .output()
        .expect("eavesdrop");
    let err = text(&e.stderr);
    assert!(!err.contains("panicked"), "{}: {err}", file.display());
    assert!(
        matches!(e.status.code(), Some(0 | 2)),
        "{}: {:?}",
        file.display(),
        e.status
    );
    let theirs = packets(&text(&t.stdout));
    let ours = packets(&text(&e.stdout));
    for (n, tl) in &theirs {
        let Some(el) = ours.get(n) else {
            tally.disagreements.push(format!(
                "{}#{n}: missing\n  tcpdump:   {tl}",
                file.display()
            ));
            continue;
        };
        if el == tl {
            tally.exact += 1;
            continue;
        }
        match accepted_class(tl, el) {
            Some(class) => tally.accept(class, || {
                format!(
                    "{}#{n}\n  tcpdump:   {tl}\n  eavesdrop: {el}",
                    file.display()
                )
            }),
            None => tally.disagreements.push(format!(
                "{}#{n}:\n  tcpdump:   {tl}\n  eavesdrop: {el}",
                file.display()
            )),
        }
    }
}

/// tests/tcpdump-line-differences.txt: for each accepted class, the most lines it may
/// hold on the sample captures and on the corpus (the list only shrinks).
fn line_difference_limits() -> BTreeMap<String, (u64, u64)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tcpdump-line-differences.txt");
    let list = std::fs::read_to_string(&path).expect("tests/tcpdump-line-differences.txt");
    let mut limits = BTreeMap::new();
    for line in list.lines() {
        if line.starts_with('#') || line.starts_with(' ') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let [class, samples, corpus, ..] = fields[..] else {
            panic!("bad line in {}: {line}", path.display());
        };
        let n = |f: &str| f.split_whitespace().last().unwrap().parse::<u64>().unwrap();
        limits.insert(class.to_string(), (n(samples), n(corpus)));
    }
    limits
}

/// Every accepted difference is of a listed class, within its limit.
fn check_line_differences(tally: &Tally, corpus: bool) {
    let limits = line_difference_limits();
    for (class, count) in &tally.accepted {
        let (samples, whole) = limits
            .get(class.name())
            .copied()
            .unwrap_or_else(|| panic!("class {} is not listed", class.name()));
        let limit = if corpus { whole } else { samples };
        assert!(
            *count <= limit,
            "{} lines of class {} (at most {limit} listed), for example:\n{}",
            count,
            class.name(),
            tally.examples.get(class).map_or("", String::as_str)
        );
    }
}

/// The hex rows of both tools for the same capture and mode.
fn hex_rows(file: &Path, link: bool) -> (Vec<String>, Vec<String>) {
    let flag = if link { "-XX" } else { "-X" };
    let t = Command::new("tcpdump")
        .args(["-nn", flag, "-r"])
        .arg(file)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let mut args = vec!["show", "--color=never", "--no-notes"];
    if link {
        args.push("-XX");
    }
    let e = eavesdrop().args(&args).arg(file).output().unwrap();
    let rows = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("\t0x"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    (rows(&text(&t.stdout)), rows(&text(&e.stdout)))
}

#[test]
fn packet_lines_and_hex_rows_agree_on_sample_captures() {
    if !peer_available("tcpdump") {
        eprintln!("tcpdump not installed: skipped");
        return;
    }
    let mut tally = Tally::default();
    for file in sample_captures() {
        compare_lines(&file, &mut tally);
        for link in [false, true] {
            let (theirs, ours) = hex_rows(&file, link);
            assert!(!theirs.is_empty());
            assert_eq!(
                theirs,
                ours,
                "{} hex rows ({})",
                file.display(),
                if link { "-XX" } else { "-X" }
            );
        }
    }
    assert!(
        tally.disagreements.is_empty(),
        "{}",
        tally.disagreements.join("\n")
    );
    check_line_differences(&tally, false);
    // The ERSPAN, GTP-U and Teredo samples go on where tcpdump 4.99 stops.
    assert!(
        tally.accepted.get(&Accepted::Tunnel).copied().unwrap_or(0) >= 30,
        "{tally:?}"
    );
    assert!(tally.percent_identical() > 95.0, "{tally:?}");
}

#[test]
fn packet_lines_agree_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    if !peer_available("tcpdump") {
        eprintln!("tcpdump not installed: skipped");
        return;
    }
    let files = corpus_files(Path::new(&dir));
    assert!(!files.is_empty(), "no captures under {dir:?}");
    let mut tally = Tally::default();
    for file in &files {
        compare_lines(file, &mut tally);
    }
    eprintln!(
        "{} files, {} packets: {} identical to tcpdump's ({:.2}%), accepted differences {:?}, \
         {} disagreements",
        files.len(),
        tally.total(),
        tally.exact,
        tally.percent_identical(),
        tally
            .accepted
            .iter()
            .map(|(c, n)| (c.name(), *n))
            .collect::<Vec<_>>(),
        tally.disagreements.len()
    );
    assert!(
        tally.exact > 10_000,
        "the corpus should give many comparable lines: {tally:?}"
    );
    assert!(
        tally.disagreements.is_empty(),
        "{}",
        tally.disagreements.join("\n")
    );
    check_line_differences(&tally, true);
    // The issue's target: 99% of all packet lines identical to tcpdump's.
    assert!(tally.percent_identical() >= 99.0, "{tally:?}");
}

/// TLS facts of one capture, as a multiset per kind ("sni", "hs:ClientHello",
/// "cipher:TLS_AES_128_GCM_SHA256"…).
type Facts = BTreeMap<String, u64>;

fn tls_name(t: &str) -> Option<&'static str> {
    Some(match t {
        "1" => "ClientHello",
        "2" => "ServerHello",
        "4" => "NewSessionTicket",
        "11" => "Certificate",
        "12" => "ServerKeyExchange",
        "13" => "CertificateRequest",
        "14" => "ServerHelloDone",
        "16" => "ClientKeyExchange",
        _ => return None,
    })
}

fn tshark_facts(file: &Path) -> Facts {
    // Decryption secrets embedded in a pcapng would let tshark see inside TLS 1.3;
    // an observer has no such keys, so compare on a copy without them.
    let stripped = std::env::temp_dir().join(format!(
        "eavesdrop-nosecrets-{}-{}",
        std::process::id(),
        file.file_name().unwrap().to_string_lossy()
    ));
    let editcap = |args: &[&str]| {
        Command::new("editcap")
            .args(args)
            .arg(file)
            .arg(&stripped)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    // Some files cannot be rewritten as pcapng; as pcap they lose their secrets too.
    let input = if editcap(&["--discard-all-secrets"]) || editcap(&["-F", "pcap"]) {
        stripped.clone()
    } else {
        file.to_path_buf()
    };
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&input)
        .args([
            "-Y",
            "tls.handshake or dtls.handshake",
            "-T",
            "fields",
            "-E",
            "separator=\t",
            "-e",
            "tls.handshake.type",
        ])
        .args([
            "-e",
            "tls.handshake.extensions_server_name",
            "-e",
            "tls.handshake.ciphersuite",
            "-e",
            "tls.handshake.ja3",
            "-e",
            "tls.handshake.ja3s",
            "-e",
            "dtls.handshake.ja3",
            "-e",
            "dtls.handshake.ja3s",
        ])
        .output()
        .expect("tshark");
    let mut facts = Facts::new();
    for line in text(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let types: Vec<&str> = cols.first().map_or(vec![], |c| c.split(',').collect());
        for t in &types {
            if let Some(n) = tls_name(t) {
                *facts.entry(format!("hs:{n}")).or_default() += 1;
            }
        }
        for sni in cols.get(1).map_or(vec![], |c| c.split(',').collect()) {
            if !sni.is_empty() {
                facts.insert(format!("sni:{sni}"), 1);
            }
        }
        // DTLS hellos are compared for their fingerprints only (DTLS facts have a
        // test of their own, per frame).
        for (col, kind) in [(3, "ja3"), (4, "ja3s"), (5, "ja3"), (6, "ja3s")] {
            for h in cols.get(col).map_or(vec![], |c| c.split(',').collect()) {
                if !h.is_empty() {
                    facts.insert(format!("{kind}:{h}"), 1);
                }
            }
        }
    }
    // Frames with ServerHellos and no ClientHello list the chosen suites.
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&input)
        .args([
            "-Y",
            "tls.handshake.type == 2 && !(tls.handshake.type == 1)",
            "-T",
            "fields",
        ])
        .args(["-e", "tls.handshake.ciphersuite"])
        .output()
        .expect("tshark");
    let _ = std::fs::remove_file(&stripped);
    for line in text(&out.stdout).lines() {
        for id in line.split(',') {
            if let Ok(id) = u16::from_str_radix(id.trim().trim_start_matches("0x"), 16) {
                if let Some(c) = tls_parser::TlsCipherSuite::from_id(id) {
                    *facts.entry(format!("cipher:{}", c.name)).or_default() += 1;
                }
            }
        }
    }
    facts
}

/// eavesdrop's descriptions on the packet lines of `show FILE`: what each line has
/// beyond the same line with `--no-describe` (tcpdump's text, application printers
/// included), after its `": "`. Lines without a description are left out.
fn descriptions(file: &Path) -> Vec<String> {
    let lines = |describe: bool| {
        let mut cmd = eavesdrop();
        cmd.args(["show", "--no-hex", "--no-notes", "--color=never"]);
        if !describe {
            cmd.arg("--no-describe");
        }
        cmd.arg(file);
        text(&output_within(cmd, 60, &file.display().to_string()).stdout)
    };
    let (full, bare) = (lines(true), lines(false));
    full.lines()
        .zip(bare.lines())
        .filter_map(|(f, b)| Some(f.strip_prefix(b)?.strip_prefix(": ")?.to_string()))
        .collect()
}

fn eavesdrop_facts(file: &Path) -> Facts {
    let mut facts = Facts::new();
    for desc in descriptions(file) {
        let desc = desc.as_str();
        // DTLS (its own test below) is not what tshark's tls.* fields count.
        if desc.contains("DTLSv") {
            continue;
        }
        // Items are "Name (detail, …)" separated by ", " outside brackets.
        let mut depth = 0;
        let mut item = String::new();
        let mut items = Vec::new();
        for c in desc.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        items.push(item);
        for item in items {
            let item = item.trim();
            let item = item
                .split_once(' ')
                .filter(|(v, _)| v.starts_with("TLS") || v.starts_with("SSL"))
                .map_or(item, |(_, r)| r);
            let (name, detail) = item.split_once(" (").unwrap_or((item, ""));
            if matches!(
                name,
                "ClientHello"
                    | "ServerHello"
                    | "NewSessionTicket"
                    | "Certificate"
                    | "ServerKeyExchange"
                    | "CertificateRequest"
                    | "ServerHelloDone"
                    | "ClientKeyExchange"
            ) && !detail.contains("cut off")
            {
                *facts.entry(format!("hs:{name}")).or_default() += 1;
            }
            for d in detail.trim_end_matches(')').split(", ") {
                if let Some(s) = d.strip_prefix("SNI=") {
                    facts.insert(format!("sni:{s}"), 1);
                }
                if let Some(c) = d.strip_prefix("cipher=") {
                    *facts.entry(format!("cipher:{c}")).or_default() += 1;
                }
            }
        }
    }
    facts
}

/// SNIs tshark reads that eavesdrop does not, by design (see docs/design.md): Google
/// QUIC T050/T051 framing.
const SNI_EXCEPTIONS: &[&str] = &["quic_t50.pcap", "quic_t51.pcap"];

/// SNIs and fingerprints as `flows --json` reports them (and the JSON text itself).
fn flows_facts(file: &Path) -> (Facts, String) {
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let json = text(&out.stdout);
    let mut facts = Facts::new();
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", file.display()));
        assert!(v["type"].is_string() && v["version"] == 1, "{line}");
        let tls = &v["tls"];
        for (key, kind) in [("sni", "sni"), ("ja3", "ja3"), ("ja3s", "ja3s")] {
            if let Some(s) = tls[key].as_str() {
                facts.insert(format!("{kind}:{s}"), 1);
            }
        }
    }
    (facts, json)
}

/// Captures where tshark's fingerprints are not a reference (see
/// tests/tshark-disagreements.txt for the same frames): it cannot decrypt the QUIC
/// Initials of quic-forcing-vn-with-data; its JA3 string for tls_invalid_reads frame 4
/// stops after the ciphers ("769,…," where the JA3 definition gives "769,…,,,"); it does
/// not reassemble the out-of-order ServerHello of tls-fingerprint-alert.
const JA3_EXCEPTIONS: &[&str] = &[
    // DTLS inside TURN ChannelData over TCP (RFC 8656 section 12.5): eavesdrop frames
    // STUN/TURN over TCP and reads the DTLS it relays; tshark 4.0 does not.
    "stun_dtls_rtp.pcapng",
    "quic-forcing-vn-with-data.pcapng",
    "tls_invalid_reads.pcap",
    "tls-fingerprint-alert/input.pcap",
    // A server that answered the SYN three times with three ISNs: eavesdrop follows the
    // last handshake and reads the ServerHello (JA3S); tshark 4.0 keeps the first ISN
    // and calls the server's data retransmissions, reading no TLS in it.
    "tls_multiple_synack_different_seq.pcapng",
];

/// JA3 and JA3S of tshark and eavesdrop, over all captures compared.
#[derive(Default)]
struct Fingerprints {
    ours: u64,
    agreed: u64,
    only_ours: Vec<String>,
}

fn compare_tls(files: &[PathBuf]) -> (u64, Vec<String>, Vec<String>) {
    let (snis, missing, other, _, _) = compare_tls_full(files);
    (snis, missing, other)
}

fn compare_tls_full(files: &[PathBuf]) -> (u64, Vec<String>, Vec<String>, Fingerprints, String) {
    let mut snis = 0;
    let mut missing_sni = Vec::new();
    let mut other = Vec::new();
    let mut prints = Fingerprints::default();
    let mut all_json = String::new();
    for file in files {
        let theirs_all = tshark_facts(file);
        let (flows, json) = flows_facts(file);
        all_json.push_str(&json);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // Fingerprints: each one eavesdrop reports (first hello of a flow) must be one
        // tshark computed for some hello of the capture.
        for k in flows.keys().filter(|k| k.starts_with("ja3")) {
            prints.ours += 1;
            if theirs_all.contains_key(k) {
                prints.agreed += 1;
            } else if theirs_all.keys().any(|t| t.starts_with("ja3"))
                && !JA3_EXCEPTIONS.iter().any(|e| file.ends_with(e))
            {
                prints.only_ours.push(format!("{}: {k}", file.display()));
            }
        }
        // Every SNI tshark reads is named by flows --json too.
        for k in theirs_all.keys().filter(|k| k.starts_with("sni:")) {
            if !flows.contains_key(k) && !SNI_EXCEPTIONS.contains(&name.as_str()) {
                missing_sni.push(format!("{}: flows --json lacks {k}", file.display()));
            }
        }
        let theirs: Facts = theirs_all
            .into_iter()
            .filter(|(k, _)| !k.starts_with("ja3"))
            .collect();
        if theirs.is_empty() {
            continue;
        }
        let ours = eavesdrop_facts(file);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // With secrets in the file that editcap could not strip, tshark sees inside
        // encrypted handshakes: only the SNIs are comparable.
        let secrets = Command::new("capinfos").arg(file).output().is_ok_and(|o| {
            text(&o.stdout)
                .lines()
                .any(|l| l.starts_with("Number of decryption secrets") && !l.ends_with(" 0"))
        });
        for (k, n) in &theirs {
            let got = ours.get(k).copied().unwrap_or(0);
            if let Some(sni) = k.strip_prefix("sni:") {
                snis += 1;
                if got == 0 && !SNI_EXCEPTIONS.contains(&name.as_str()) {
                    missing_sni.push(format!("{}: SNI {sni}", file.display()));
                }
            } else if got != *n && !secrets {
                other.push(format!(
                    "{}: {k}: tshark {n}, eavesdrop {got}",
                    file.display()
                ));
            }
        }
        for (k, n) in &ours {
            if !k.starts_with("sni:") && !theirs.contains_key(k) && !secrets {
                other.push(format!("{}: {k}: tshark 0, eavesdrop {n}", file.display()));
            }
        }
    }
    (snis, missing_sni, other, prints, all_json)
}

/// The TLS disagreements decided in tests/tshark-disagreements.txt, keyed as
/// `compare_tls` reports them (file relative to the corpus, or `captures/NAME` for the
/// sample captures when `samples`).
fn listed_tls_disagreements(samples: bool) -> BTreeMap<String, String> {
    let known = std::fs::read_to_string(repo().join("tests/tshark-disagreements.txt")).unwrap();
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for line in known.lines() {
        if line.starts_with('#')
            || line.starts_with(' ')
            || line.starts_with("VPN | ")
            || line.trim().is_empty()
            || line.starts_with("captures/") != samples
        {
            continue;
        }
        let cols: Vec<&str> = line.split(" | ").map(str::trim).collect();
        assert!(cols.len() >= 5, "bad entry: {line}");
        let key = format!("{}: {}: {}, {}", cols[0], cols[1], cols[2], cols[3]);
        assert!(
            matches!(
                cols[4].trim_end_matches(" |").trim_end_matches('|'),
                "tshark-wrong" | "tshark-limitation" | "eavesdrop-limitation" | "ambiguous"
            ),
            "{line}: an eavesdrop bug is fixed, not listed"
        );
        listed.insert(key, line.to_string());
    }
    listed
}

#[test]
fn tls_facts_agree_with_tshark_on_sample_captures() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let (snis, missing, other) = compare_tls(&sample_captures());
    assert!(snis >= 3, "the TLS captures name localhost: {snis}");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    let listed = listed_tls_disagreements(true);
    let prefix = format!("{}/", repo().display());
    let found: Vec<String> = other
        .iter()
        .map(|o| o.strip_prefix(&prefix).unwrap_or(o).to_string())
        .collect();
    let unexplained: Vec<&String> = found.iter().filter(|k| !listed.contains_key(*k)).collect();
    assert!(unexplained.is_empty(), "{unexplained:?}");
    let stale: Vec<&String> = listed.keys().filter(|k| !found.contains(k)).collect();
    assert!(stale.is_empty(), "listed but no longer seen: {stale:?}");
}

#[test]
fn tls_facts_agree_with_tshark_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let root = Path::new(&dir);
    let files = corpus_files(root);
    let (snis, missing, other, prints, json) = compare_tls_full(&files);
    eprintln!(
        "JA3/JA3S: {} reported by eavesdrop, {} computed by tshark too; not by tshark:\n{}",
        prints.ours,
        prints.agreed,
        prints.only_ours.join("\n")
    );
    assert!(prints.agreed > 200, "{}", prints.agreed);
    assert!(
        prints.only_ours.is_empty(),
        "{}",
        prints.only_ours.join("\n")
    );
    // flows --json over the whole corpus validates against the schema.
    if std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let data = std::env::temp_dir().join(format!(
            "eavesdrop-corpus-flows-{}.jsonl",
            std::process::id()
        ));
        std::fs::write(&data, &json).unwrap();
        let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\nv=jsonschema.validators.validator_for(schema)(schema)\nbad=[f'{n}: {e.message}' for n,l in enumerate(open(sys.argv[2]),1) for e in v.iter_errors(json.loads(l))]\nprint('\\n'.join(bad[:20]))\nsys.exit(1 if bad else 0)\n";
        let out = Command::new("python3")
            .args(["-c", script])
            .arg(repo().join("docs/eavesdrop.schema.json"))
            .arg(&data)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&data);
        assert!(
            out.status.success(),
            "flows --json on the corpus: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    eprintln!(
        "{snis} SNIs read by tshark, {} missed by eavesdrop; {} other TLS facts differ:\n{}",
        missing.len(),
        other.len(),
        other.join("\n")
    );
    assert!(snis > 300);
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // Every other disagreement is decided in tests/tshark-disagreements.txt, with the
    // same counts; an entry that no longer occurs must go (the list stays true).
    let listed = listed_tls_disagreements(false);
    let prefix = format!("{}/", root.display());
    let found: Vec<String> = other
        .iter()
        .map(|o| o.strip_prefix(&prefix).unwrap_or(o).to_string())
        .collect();
    let unexplained: Vec<&String> = found.iter().filter(|k| !listed.contains_key(*k)).collect();
    assert!(
        unexplained.is_empty(),
        "disagreements with tshark not decided in tests/tshark-disagreements.txt:\n{}",
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&String> = listed.keys().filter(|k| !found.contains(k)).collect();
    assert!(
        stale.is_empty(),
        "entries in tests/tshark-disagreements.txt that no longer occur:\n{}",
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// LDAP operations (`name(messageID)`), simple-bind credentials, MySQL server
/// versions, users and queries: what tshark reads, per file, as counts.
fn tshark_app_facts(file: &Path) -> Facts {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-Y",
            "ldap or mysql",
            "-T",
            "fields",
            "-E",
            "aggregator=\u{1f}",
        ])
        .args([
            "-e",
            "ldap.messageID",
            "-e",
            "ldap.protocolOp",
            "-e",
            "ldap.name",
        ])
        .args([
            "-e",
            "ldap.simple",
            "-e",
            "mysql.version",
            "-e",
            "mysql.user",
        ])
        .args(["-e", "mysql.query"])
        .output()
        .expect("tshark");
    let mut facts = Facts::new();
    let mut add = |k: String| *facts.entry(k).or_default() += 1;
    for line in text(&out.stdout).lines() {
        let f: Vec<Vec<&str>> = line
            .split('\t')
            .map(|c| c.split('\u{1f}').filter(|v| !v.is_empty()).collect())
            .collect();
        let col = |i: usize| f.get(i).cloned().unwrap_or_default();
        for (id, op) in col(0).iter().zip(col(1)) {
            let name = op.parse::<u8>().ok().and_then(ldap_op).unwrap_or("?");
            add(format!("ldap:{name}({id})"));
        }
        for (name, pw) in col(2).iter().zip(col(3)) {
            add(format!("ldap-simple:{name}:{pw}"));
        }
        for v in col(4) {
            add(format!("mysql-version:{v}"));
        }
        for u in col(5) {
            add(format!("mysql-user:{u}"));
        }
        for q in col(6) {
            add(format!(
                "mysql-query:{}",
                q.chars().take(40).collect::<String>()
            ));
        }
    }
    facts
}

fn ldap_op(n: u8) -> Option<&'static str> {
    Some(match n {
        0 => "bindRequest",
        1 => "bindResponse",
        2 => "unbindRequest",
        3 => "searchRequest",
        4 => "searchResEntry",
        5 => "searchResDone",
        6 => "modifyRequest",
        7 => "modifyResponse",
        8 => "addRequest",
        9 => "addResponse",
        10 => "delRequest",
        11 => "delResponse",
        12 => "modDNRequest",
        13 => "modDNResponse",
        14 => "compareRequest",
        15 => "compareResponse",
        16 => "abandonRequest",
        19 => "searchResRef",
        23 => "extendedReq",
        24 => "extendedResp",
        25 => "intermediateResponse",
        _ => return None,
    })
}

/// The same facts from eavesdrop's packet lines.
fn eavesdrop_app_facts(file: &Path) -> Facts {
    let mut facts = Facts::new();
    let mut add = |k: String| *facts.entry(k).or_default() += 1;
    let ops: Vec<&str> = (0..=25).filter_map(ldap_op).collect();
    for desc in descriptions(file) {
        let desc = desc.as_str();
        if desc.starts_with("LDAP ") {
            // Operations are `name(id)` anywhere in the description.
            for op in &ops {
                let mut rest = desc;
                while let Some(at) = rest.find(&format!("{op}(")) {
                    // A whole word: `unbindRequest(3)` is not a `bindRequest`.
                    let word = !rest[..at].ends_with(|c: char| c.is_ascii_alphabetic());
                    let after = &rest[at + op.len() + 1..];
                    let id: String = after.chars().take_while(char::is_ascii_digit).collect();
                    if word && after[id.len()..].starts_with(')') {
                        add(format!("ldap:{op}({id})"));
                    }
                    rest = &after[id.len()..];
                }
            }
            if let Some(creds) = desc.split(" simple [user=").nth(1) {
                if let Some((name, pw)) = creds.trim_end_matches(']').split_once(" password=") {
                    add(format!("ldap-simple:{name}:{pw}"));
                }
            }
        }
        if let Some(v) = desc.strip_prefix("MySQL server greeting, version ") {
            add(format!(
                "mysql-version:{}",
                v.trim_end_matches(", TLS offered")
            ));
        }
        if let Some(u) = desc.strip_prefix("MySQL login user=") {
            add(format!("mysql-user:{}", u.split(" [").next().unwrap_or(u)));
        }
        if let Some(q) = desc.strip_prefix("MySQL query: ") {
            add(format!(
                "mysql-query:{}",
                q.chars().take(40).collect::<String>()
            ));
        }
    }
    facts
}

#[test]
fn ldap_and_mysql_facts_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files = vec![capture("ldap-starttls.pcap"), capture("mysql-tls.pcap")];
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let root = Path::new(&dir);
        for f in [
            "suricata-verify/ldap-starttls/input.pcap",
            "suricata-verify/ldap-bind/ldap.pcap",
            "arkime/mysql-tls.pcap",
            "arkime/no-syn-ack.pcap",
            "pcapplusplus/Pcap++Test/PcapExamples/pcapng-example.pcapng",
        ] {
            files.push(root.join(f));
        }
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    for f in &files {
        let (theirs, ours) = (tshark_app_facts(f), eavesdrop_app_facts(f));
        compared += theirs.values().sum::<u64>();
        if theirs != ours {
            problems.push(format!(
                "{}:\n  tshark    {theirs:?}\n  eavesdrop {ours:?}",
                f.display()
            ));
        }
    }
    eprintln!("{compared} LDAP/MySQL facts compared");
    assert!(compared >= 15, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// XMPP: the kind of the first element tshark names in each frame, against the first
/// XMPP item on eavesdrop's line for that frame.
fn xmpp_kinds(file: &Path) -> (BTreeMap<u64, String>, BTreeMap<u64, String>) {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args([
            "-Y",
            "xmpp",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.col.Info",
        ])
        .output()
        .expect("tshark");
    let mut theirs = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let Some((n, info)) = line.split_once('\t') else {
            continue;
        };
        let kind = match info.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["STREAM", "END", ..] => "stream end".to_string(),
            ["STREAM", ..] => "stream".into(),
            ["AUTH", ..] => "auth".into(),
            ["SUCCESS", ..] => "auth success".into(),
            ["FAILURE", ..] => "auth failure".into(),
            ["STARTTLS", ..] => "starttls".into(),
            ["PROCEED", ..] => "proceed".into(),
            ["MESSAGE", ..] => "message".into(),
            ["PRESENCE", ..] => "presence".into(),
            [iq, ..] if iq.starts_with("IQ(") => {
                format!("iq {}", iq.trim_start_matches("IQ(").trim_end_matches(')'))
            }
            // CHALLENGE, RESPONSE, FEATURES, XML, UNKNOWN: not named by eavesdrop.
            _ => continue,
        };
        if let Ok(n) = n.parse() {
            theirs.insert(n, kind);
        }
    }
    let mut cmd = eavesdrop();
    cmd.args(["show", "--no-hex", "--no-notes", "--color=never", "-#"])
        .arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut ours = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let Some(n) = line
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let Some(item) = line.split(": XMPP ").nth(1) else {
            continue;
        };
        let item = item.split(", ").next().unwrap_or(item);
        let kind = match item.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["stream", "end", ..] => "stream end".to_string(),
            ["auth", "success" | "failure", ..] => item.to_string(),
            ["iq", t, ..] => format!("iq {t}"),
            [w, ..] => w.to_string(),
            [] => continue,
        };
        ours.insert(n, kind);
    }
    (theirs, ours)
}

#[test]
fn xmpp_elements_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files = vec![capture("xmpp-starttls.pcap")];
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        files.push(Path::new(&dir).join("ndpi/jabber.pcap"));
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    for f in &files {
        let (theirs, ours) = xmpp_kinds(f);
        // tshark names a message spanning segments on its last segment, eavesdrop on its
        // first: a match anywhere after the previous element tshark named counts.
        let mut previous = 0u64;
        for (&n, kind) in &theirs {
            compared += 1;
            if !ours.range(previous + 1..=n).any(|(_, k)| k == kind) {
                problems.push(format!(
                    "{} frame {n}: tshark {kind}, eavesdrop {:?}",
                    f.display(),
                    ours.get(&n)
                ));
            }
            previous = n;
        }
    }
    eprintln!("{compared} XMPP frames compared");
    assert!(compared >= 14, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What tshark reads of SSH in one frame.
#[derive(Debug, Default)]
struct TsharkSsh {
    /// (TCP stream, source port): one direction.
    dir: (u64, u16),
    banners: Vec<String>,
    codes: Vec<u64>,
    kex_lists: Vec<String>,
    /// Bytes tshark shows as `ssh.encrypted_packet` (they end the frame's payload).
    encrypted: usize,
}

/// tshark's SSH fields per frame (`-d tcp.port==PORT,ssh` for captures on another
/// port than 22).
fn tshark_ssh(file: &Path, decode_as: Option<u16>) -> BTreeMap<u64, TsharkSsh> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(file);
    if let Some(p) = decode_as {
        cmd.args(["-d", &format!("tcp.port=={p},ssh")]);
    }
    let out = cmd
        .args(["-Y", "ssh", "-T", "fields", "-E", "aggregator=\u{1f}"])
        .args([
            "-e",
            "frame.number",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.srcport",
        ])
        .args(["-e", "ssh.protocol", "-e", "ssh.message_code"])
        .args(["-e", "ssh.kex_algorithms", "-e", "ssh.encrypted_packet"])
        .output()
        .expect("tshark");
    let mut frames = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let f: Vec<Vec<&str>> = line
            .split('\t')
            .map(|c| c.split('\u{1f}').filter(|v| !v.is_empty()).collect())
            .collect();
        let col = |i: usize| f.get(i).cloned().unwrap_or_default();
        let first = |i: usize| col(i).first().and_then(|v| v.parse::<u64>().ok());
        let (Some(n), Some(stream), Some(port)) = (first(0), first(1), first(2)) else {
            continue;
        };
        frames.insert(
            n,
            TsharkSsh {
                dir: (stream, port as u16),
                banners: col(3).iter().map(|s| s.to_string()).collect(),
                codes: col(4)
                    .iter()
                    .flat_map(|c| c.split(','))
                    .filter_map(|c| c.parse().ok())
                    .collect(),
                kex_lists: col(5).iter().map(|s| s.to_string()).collect(),
                encrypted: col(6).iter().map(|h| h.len() / 2).sum(),
            },
        );
    }
    frames
}

/// eavesdrop's message names → SSH message numbers (SSH-1's public and session key
/// messages are 2 and 3).
fn ssh_code(name: &str) -> Option<u64> {
    Some(match name {
        "DISCONNECT" => 1,
        "IGNORE" | "SMSG_PUBLIC_KEY" => 2,
        "UNIMPLEMENTED" | "CMSG_SESSION_KEY" => 3,
        "DEBUG" => 4,
        "KEXINIT" => 20,
        "NEWKEYS" => 21,
        "KEX_ECDH_INIT" | "KEXDH_INIT" | "KEX_DH_GEX_REQUEST_OLD" => 30,
        "KEX_ECDH_REPLY" | "KEXDH_REPLY" | "KEX_DH_GEX_GROUP" => 31,
        "KEX_DH_GEX_INIT" => 32,
        "KEX_DH_GEX_REPLY" => 33,
        "KEX_DH_GEX_REQUEST" => 34,
        _ => return name.strip_prefix("KEX message ")?.parse().ok(),
    })
}

/// What eavesdrop says of SSH in one frame: banners and message numbers from the
/// description, and whether any payload byte is readable, a leak or undecoded.
#[derive(Debug, Default)]
struct OursSsh {
    /// The frame's flow and direction (`to_server`, `to_client`).
    dir: (u64, String),
    banners: Vec<String>,
    codes: Vec<u64>,
    /// Payload spans: (bytes before the payload's end where the span ends, field,
    /// label).
    spans: Vec<(u64, String, String)>,
}

impl OursSsh {
    /// Fields and labels of the last `n` payload bytes that are neither opaque nor
    /// header (`usize::MAX`: the whole payload).
    fn clear_in_last(&self, n: usize) -> Vec<String> {
        self.spans
            .iter()
            .filter(|(to_end, _, label)| {
                (*to_end as usize) < n && !matches!(label.as_str(), "opaque" | "header")
            })
            .map(|(_, f, l)| format!("{f} {l}"))
            .collect()
    }
}

fn eavesdrop_ssh(file: &Path) -> (BTreeMap<u64, OursSsh>, Vec<String>) {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut frames = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(n) = v["frame"].as_u64() else {
            continue;
        };
        let mut ours = OursSsh {
            dir: (
                v["flow"].as_u64().unwrap_or(0),
                v["direction"].as_str().unwrap_or("").to_string(),
            ),
            ..OursSsh::default()
        };
        if let Some(desc) = v["description"].as_str() {
            let mut depth = 0i32;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in desc.chars() {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            items.push(item);
            for item in items {
                let item = item.trim();
                let item = item.strip_prefix("SSH ").unwrap_or(item);
                if item.starts_with("SSH-") {
                    ours.banners.push(item.to_string());
                } else if let Some(code) = ssh_code(item.split(" (").next().unwrap_or(item)) {
                    ours.codes.push(code);
                }
            }
        }
        let payload = (v["payload"][0].as_u64(), v["payload"][1].as_u64());
        if let ((Some(start), Some(end)), Some(spans)) = (payload, v["spans"].as_array()) {
            for s in spans {
                let (from, to) = (
                    s["start"].as_u64().unwrap_or(0),
                    s["end"].as_u64().unwrap_or(0),
                );
                if from >= start && to <= end {
                    ours.spans.push((
                        end - to,
                        s["field"].as_str().unwrap_or("").to_string(),
                        s["label"].as_str().unwrap_or("").to_string(),
                    ));
                }
            }
        }
        frames.insert(n, ours);
    }
    // The key exchange method each SSH flow negotiated.
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let kex = text(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["details"]["ssh.kex"].as_str().map(String::from))
        .collect();
    (frames, kex)
}

/// Disagreements with tshark on SSH, each with its reason: `file: what` (the file as
/// found under captures/ or the corpus). A disagreement missing here fails the test, and
/// so does an entry that no longer occurs. tshark is Wireshark 4.0.17 with default
/// preferences. Two kinds are not listed frame by frame but ruled out for every frame:
/// - message numbers tshark reads after a direction's NEWKEYS: without keys tshark 4.0
///   parses AES-GCM packets, whose length is in the clear, as if the rest were too, and
///   prints numbers read from ciphertext (`message_code 167` in captures/ssh-aes128-gcm);
///   they are dropped before comparing (and counted);
/// - which bytes are encrypted: tshark 4.0 sets `ssh.encrypted_packet` only for packets it
///   does not parse (the rest of a frame after NEWKEYS, a connection picked up midway),
///   so every frame after a direction's NEWKEYS counts as encrypted too; in a frame with
///   packets in the clear, the encrypted ones are its last bytes.
const SSH_DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "ja4/ssh2-malformed.pcap#14: message codes",
        "tshark-wrong: the host key inside KEX_DH_GEX_REPLY is malformed on purpose (an RSA \
         modulus said to be 2021161080 bytes long in a 149-byte key); tshark gives up on the \
         frame there, but packet_length (444) places the NEWKEYS that follows in the same \
         frame, which eavesdrop reads; the encrypted packets after it confirm the switch",
    ),
    (
        "ja4/ssh2-moloch-crash.pcap#14: message codes",
        "tshark-wrong: the same session as ssh2-malformed.pcap (the same malformed host key, \
         the NEWKEYS after it)",
    ),
];

/// Compares one capture; returns (frames compared, tshark codes dropped after NEWKEYS,
/// disagreements).
fn compare_ssh(file: &Path, decode_as: Option<u16>, name: &str) -> (u64, u64, Vec<String>) {
    let theirs = tshark_ssh(file, decode_as);
    if theirs.is_empty() {
        return (0, 0, Vec::new());
    }
    let (ours, our_kex) = eavesdrop_ssh(file);
    let mut problems = Vec::new();
    let mut dropped = 0;
    // The frame of each direction's first NEWKEYS, in tshark's reading.
    let mut newkeys: BTreeMap<(u64, u16), u64> = BTreeMap::new();
    // Each connection's KEXINIT lists, by direction, to negotiate as RFC 4253 7.1 says.
    let mut lists: BTreeMap<(u64, u16), String> = BTreeMap::new();
    let empty = OursSsh::default();
    // Message numbers in order per direction: tshark's (frame, code), and which of
    // eavesdrop's directions each is.
    let mut their_codes: BTreeMap<(u64, u16), Vec<(u64, u64)>> = BTreeMap::new();
    let mut same_dir: BTreeMap<(u64, u16), (u64, String)> = BTreeMap::new();
    for (&n, t) in &theirs {
        let o = ours.get(&n).unwrap_or(&empty);
        let after = newkeys.get(&t.dir).is_some_and(|&k| n > k);
        let mut codes = Vec::new();
        for &c in &t.codes {
            if after || codes.contains(&21) {
                dropped += 1;
            } else {
                codes.push(c);
            }
        }
        if codes.contains(&21) {
            newkeys.entry(t.dir).or_insert(n);
        }
        if let Some(l) = t.kex_lists.first() {
            lists.entry(t.dir).or_insert_with(|| l.clone());
        }
        if t.banners != o.banners {
            problems.push(format!(
                "{name}#{n}: banners: tshark {:?}, eavesdrop {:?}",
                t.banners, o.banners
            ));
        }
        their_codes
            .entry(t.dir)
            .or_default()
            .extend(codes.iter().map(|&c| (n, c)));
        if let Some(o) = ours.get(&n) {
            same_dir.entry(t.dir).or_insert_with(|| o.dir.clone());
        }
        let encrypted = if after { usize::MAX } else { t.encrypted };
        let clear = o.clear_in_last(encrypted);
        if !clear.is_empty() {
            problems.push(format!(
                "{name}#{n}: encrypted for tshark, eavesdrop labels {clear:?}"
            ));
        }
    }
    // The same message numbers in the same order each way. A message spanning segments
    // is named by tshark on its last segment and by eavesdrop on its first: each of
    // eavesdrop's must sit between tshark's frame for the message before it and tshark's
    // frame for it.
    for (tdir, odir) in &same_dir {
        let theirs_seq = their_codes.get(tdir).cloned().unwrap_or_default();
        let ours_seq: Vec<(u64, u64)> = ours
            .iter()
            .filter(|(_, o)| &o.dir == odir)
            .flat_map(|(&n, o)| o.codes.iter().map(move |&c| (n, c)))
            .collect();
        let mut previous = 0;
        for i in 0..theirs_seq.len().max(ours_seq.len()) {
            let (t, o) = (theirs_seq.get(i), ours_seq.get(i));
            let agree = match (t, o) {
                (Some(&(tf, tc)), Some(&(of, oc))) => tc == oc && previous <= of && of <= tf,
                _ => false,
            };
            if !agree {
                let frame = t.or(o).map_or(0, |x| x.0);
                let show = |x: Option<&(u64, u64)>| {
                    x.map_or("none".to_string(), |(f, c)| format!("{c} (frame {f})"))
                };
                problems.push(format!(
                    "{name}#{frame}: message codes: tshark {}, eavesdrop {}",
                    show(t),
                    show(o)
                ));
                break;
            }
            previous = t.map_or(previous, |x| x.0);
        }
    }
    // Negotiated key exchange: the first of the client's methods the server offers.
    let mut their_kex: Vec<String> = Vec::new();
    let streams: std::collections::BTreeSet<u64> = lists.keys().map(|k| k.0).collect();
    for s in streams {
        let dirs: Vec<&String> = lists
            .range((s, 0)..=(s, u16::MAX))
            .map(|(_, l)| l)
            .collect();
        if let [a, b] = dirs[..] {
            // The client is the side whose list names ext-info-c (or, failing that,
            // either: both orders are tried and must agree).
            let (c, sv) = if b.contains("ext-info-c") {
                (b, a)
            } else {
                (a, b)
            };
            let server: Vec<&str> = sv.split(',').collect();
            if let Some(k) = c.split(',').find(|k| server.contains(k)) {
                their_kex.push(k.to_string());
            }
        }
    }
    let mut ours_sorted = our_kex.clone();
    ours_sorted.sort();
    their_kex.sort();
    if their_kex != ours_sorted && !their_kex.is_empty() {
        problems.push(format!(
            "{name}: negotiated kex: tshark lists give {their_kex:?}, eavesdrop {ours_sorted:?}"
        ));
    }
    (theirs.len() as u64, dropped, problems)
}

fn check_ssh_disagreements(found: Vec<String>) {
    let explained = |p: &String| {
        SSH_DISAGREEMENTS.iter().any(|(what, _)| {
            let (file, frames) = what.split_once(": ").unwrap();
            p.starts_with(file) && (frames == "every frame" || p.starts_with(what))
        })
    };
    let unexplained: Vec<&String> = found.iter().filter(|p| !explained(p)).collect();
    assert!(
        unexplained.is_empty(),
        "SSH disagreements with tshark not listed in SSH_DISAGREEMENTS:\n{}",
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn ssh_agrees_with_tshark_on_sample_captures() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    for f in sample_captures() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("ssh-") {
            continue;
        }
        let (n, _, p) = compare_ssh(&f, Some(2222), &name);
        assert!(n > 20, "{name}: tshark read {n} SSH frames");
        compared += n;
        problems.extend(p);
    }
    assert!(compared >= 100, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn ssh_agrees_with_tshark_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let root = Path::new(&dir);
    let (mut files, mut compared, mut dropped) = (0, 0, 0);
    let mut problems = Vec::new();
    for f in corpus_files(root) {
        let name = f.strip_prefix(root).unwrap_or(&f).display().to_string();
        let (n, d, p) = compare_ssh(&f, None, &name);
        if n > 0 {
            files += 1;
            compared += n;
            dropped += d;
            problems.extend(p);
        }
    }
    eprintln!(
        "{files} captures with SSH, {compared} frames compared, {dropped} tshark message numbers \
         after NEWKEYS dropped; disagreements:\n{}",
        problems.join("\n")
    );
    assert!(
        files >= 8 && compared > 1000,
        "{files} files, {compared} frames"
    );
    // Every listed disagreement still occurs.
    for (what, _) in SSH_DISAGREEMENTS {
        let (file, _) = what.split_once(": ").unwrap();
        assert!(
            problems.iter().any(|p| p.starts_with(file)),
            "SSH_DISAGREEMENTS entry no longer occurs: {what}"
        );
    }
    check_ssh_disagreements(problems);
}

/// VPN header fields tshark and eavesdrop both place: tshark's name, eavesdrop's name.
/// IKE fields compare only their first occurrence (tshark reuses the header's names in
/// every payload header).
const VPN_FIELDS: &[(&str, &str)] = &[
    ("wg.type", "wg.type"),
    ("wg.reserved", "wg.reserved"),
    ("wg.sender", "wg.sender"),
    ("wg.receiver", "wg.receiver"),
    ("wg.ephemeral", "wg.ephemeral"),
    ("wg.encrypted_static", "wg.encrypted_static"),
    ("wg.encrypted_timestamp", "wg.encrypted_timestamp"),
    ("wg.encrypted_empty", "wg.encrypted_empty"),
    ("wg.mac1", "wg.mac1"),
    ("wg.mac2", "wg.mac2"),
    ("wg.nonce", "wg.nonce"),
    ("wg.encrypted_cookie", "wg.encrypted_cookie"),
    ("wg.counter", "wg.counter"),
    ("wg.encrypted_packet", "wg.encrypted_packet"),
    ("esp.spi", "esp.spi"),
    ("esp.sequence", "esp.sequence"),
    ("isakmp.ispi", "isakmp.ispi"),
    ("isakmp.rspi", "isakmp.rspi"),
    ("isakmp.nextpayload", "isakmp.nextpayload"),
    ("isakmp.exchtype", "isakmp.exchtype"),
    ("isakmp.messageid", "isakmp.messageid"),
    ("isakmp.length", "isakmp.length"),
    ("openvpn.plen", "openvpn.plen"),
    ("openvpn.opcode", "openvpn.opcode"),
    ("openvpn.sessionid", "openvpn.sessionid"),
    ("openvpn.hmac", "openvpn.hmac"),
    ("openvpn.pid", "openvpn.pid"),
    ("openvpn.net_time", "openvpn.net_time"),
    ("openvpn.rsessionid", "openvpn.rsessionid"),
    ("openvpn.mpid", "openvpn.mpid"),
    ("openvpn.peerid", "openvpn.peerid"),
];

/// (frame, field) → byte ranges in the frame.
type Placements = BTreeMap<(u64, String), Vec<(u64, u64)>>;

/// Where tshark places the VPN fields, from its JSON (`-x`: `field_raw` is
/// `[hex, offset, length, …]`), and the frames with encrypted content. Frames whose
/// OpenVPN packet tshark reassembled from several TCP segments are left out: their
/// offsets are in the reassembled buffer.
fn tshark_vpn_fields(file: &Path) -> (Placements, Vec<(u64, bool)>) {
    let out = Command::new("tshark")
        .args(["-n", "--no-duplicate-keys", "-x", "-T", "json", "-r"])
        .arg(file)
        .args(["-Y", "wg or esp or isakmp or openvpn"])
        .output()
        .expect("tshark");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let mut fields = BTreeMap::new();
    // Frames with encrypted content (WireGuard transport data, ESP): frame, ESP?
    let mut sealed = Vec::new();
    fn walk(v: &serde_json::Value, f: &mut dyn FnMut(&str, &serde_json::Value)) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    f(k, x);
                    walk(x, f);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, f)),
            _ => {}
        }
    }
    for packet in v.as_array().into_iter().flatten() {
        let layers = &packet["_source"]["layers"];
        let frame: u64 = layers["frame"]["frame.number"]
            .as_str()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut reassembled = false;
        let mut ranges: Vec<(String, u64, u64)> = Vec::new();
        let mut wg_transport = false;
        let mut esp = false;
        walk(layers, &mut |k, x| {
            if k == "tcp.segments" {
                reassembled = true;
            }
            if k == "wg.type" && x.as_str() == Some("4") {
                wg_transport = true;
            }
            if k == "esp.spi" {
                esp = true;
            }
            let Some(name) = k.strip_suffix("_raw") else {
                return;
            };
            let mut push = |r: &serde_json::Value| {
                if let (Some(off), Some(len)) = (r[1].as_u64(), r[2].as_u64()) {
                    ranges.push((name.to_string(), off, len));
                }
            };
            match x {
                serde_json::Value::Array(a) if a.first().is_some_and(|e| e.is_array()) => {
                    a.iter().for_each(&mut push)
                }
                other => push(other),
            }
        });
        if wg_transport || esp {
            sealed.push((frame, esp));
        }
        if reassembled {
            continue;
        }
        for (name, off, len) in ranges {
            if VPN_FIELDS.iter().any(|(t, _)| *t == name) {
                fields
                    .entry((frame, name))
                    .or_insert_with(Vec::new)
                    .push((off, off + len));
            }
        }
    }
    for ((_, name), v) in fields.iter_mut() {
        v.sort_unstable();
        v.dedup();
        if name.starts_with("isakmp.") {
            v.truncate(1);
        }
    }
    (fields, sealed)
}

/// eavesdrop's frames as JSON: (frame, field) → ranges, and the frames' label counts.
fn eavesdrop_vpn_spans(file: &Path) -> (Placements, BTreeMap<u64, serde_json::Value>) {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut spans = BTreeMap::new();
    let mut counts = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["type"] != "frame" {
            continue;
        }
        let frame = v["frame"].as_u64().unwrap_or(0);
        counts.insert(frame, v["counts"].clone());
        for s in v["spans"].as_array().into_iter().flatten() {
            let (Some(name), Some(a), Some(b)) =
                (s["field"].as_str(), s["start"].as_u64(), s["end"].as_u64())
            else {
                continue;
            };
            spans
                .entry((frame, name.to_string()))
                .or_insert_with(Vec::new)
                .push((a, b));
        }
    }
    (spans, counts)
}

/// Per frame, every VPN field tshark places must sit inside an eavesdrop span of the
/// same field; frames whose content is encrypted (WireGuard transport data, ESP) must
/// have no readable or undecoded byte. Disagreements explained in
/// tests/tshark-disagreements.txt (section "VPN") are allowed; others fail.
fn compare_vpn(files: &[PathBuf]) -> (u64, u64, Vec<String>) {
    let mut compared = 0;
    let mut sealed_frames = 0;
    let mut problems = Vec::new();
    for file in files {
        let (theirs, sealed) = tshark_vpn_fields(file);
        if theirs.is_empty() && sealed.is_empty() {
            continue;
        }
        let (ours, counts) = eavesdrop_vpn_spans(file);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for ((frame, field), ranges) in &theirs {
            let ours_name = VPN_FIELDS
                .iter()
                .find(|(t, _)| t == field)
                .map_or(field.as_str(), |(_, e)| e);
            let have = ours
                .get(&(*frame, ours_name.to_string()))
                .cloned()
                .unwrap_or_default();
            for &(a, b) in ranges {
                compared += 1;
                if !have.iter().any(|&(s, e)| s <= a && b <= e) {
                    problems.push(format!("{name} | frame {frame} | {field} at {a}..{b}"));
                }
            }
        }
        for (frame, _) in sealed {
            sealed_frames += 1;
            let c = &counts[&frame];
            let (readable, undecoded) = (
                c["readable"].as_u64().unwrap_or(0),
                c["undecoded"].as_u64().unwrap_or(0),
            );
            if readable + undecoded > 0 {
                problems.push(format!(
                    "{name} | frame {frame} | encrypted content: {readable} readable, {undecoded} undecoded"
                ));
            }
        }
    }
    (compared, sealed_frames, problems)
}

/// The VPN disagreements of tests/tshark-disagreements.txt: lines `VPN | PREFIX |
/// VERDICT |`, where PREFIX starts the problems it explains (`file | frame N | field`,
/// or fewer parts for many at once).
fn vpn_explained() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("tests/tshark-disagreements.txt")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("VPN | "))
        .filter_map(|l| l.trim_end().strip_suffix(" |"))
        .filter_map(|l| l.rsplit_once(" | ").map(|(k, _)| k.trim().to_string()))
        .collect()
}

#[test]
fn vpn_fields_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files: Vec<PathBuf> = sample_captures()
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("wireguard-") || n.starts_with("ipsec-") || n.starts_with("openvpn-")
        })
        .collect();
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let root = Path::new(&dir);
        for f in [
            "ndpi/openvpn-tlscrypt.pcap",
            "ndpi/443-opvn.pcap",
            "pcapplusplus/Packet++Test/PacketExamples/ipv6_options.pcap",
        ] {
            files.push(root.join(f));
        }
    }
    let (compared, sealed, problems) = compare_vpn(&files);
    let explained = vpn_explained();
    let unexplained: Vec<&String> = problems
        .iter()
        .filter(|p| !explained.iter().any(|e| p.starts_with(e.as_str())))
        .collect();
    // An entry for a file compared here that explains nothing must go.
    let stale: Vec<&String> = explained
        .iter()
        .filter(|e| {
            files
                .iter()
                .any(|f| e.starts_with(&*f.file_name().unwrap().to_string_lossy()))
        })
        .filter(|e| !problems.iter().any(|p| p.starts_with(e.as_str())))
        .collect();
    eprintln!(
        "{} files: {compared} VPN field placements compared, {sealed} encrypted frames checked, {} disagreements (explained)",
        files.len(),
        problems.len()
    );
    assert!(compared >= 200, "{compared}");
    assert!(sealed >= 10, "{sealed}");
    assert!(
        unexplained.is_empty(),
        "not in tests/tshark-disagreements.txt:\n{}",
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(stale.is_empty(), "explained but no longer seen: {stale:?}");
}

/// What one frame's DTLS says: record content types, plaintext handshake message
/// types, server names (each as a set: tshark and eavesdrop count fragments and
/// collapsed items differently, not what a frame holds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct DtlsFrame {
    content: std::collections::BTreeSet<u8>,
    handshakes: std::collections::BTreeSet<String>,
    snis: std::collections::BTreeSet<String>,
}

fn dtls_handshake_name(t: &str) -> String {
    match t {
        "1" => "ClientHello",
        "2" => "ServerHello",
        "3" => "HelloVerifyRequest",
        "4" => "NewSessionTicket",
        "11" => "Certificate",
        "12" => "ServerKeyExchange",
        "13" => "CertificateRequest",
        "14" => "ServerHelloDone",
        "15" => "CertificateVerify",
        "16" => "ClientKeyExchange",
        "20" => "Finished",
        other => return format!("Handshake({other})"),
    }
    .to_string()
}

/// tshark's DTLS, per frame.
fn tshark_dtls(file: &Path) -> BTreeMap<u64, DtlsFrame> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-Y", "dtls", "-T", "fields", "-E", "separator=\t"])
        .args(["-e", "frame.number", "-e", "dtls.record.content_type"])
        .args(["-e", "dtls.handshake.type"])
        .args(["-e", "dtls.handshake.extensions_server_name"])
        .output()
        .expect("tshark");
    let mut frames = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(n) = cols.first().and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let list = |i: usize| -> Vec<String> {
            cols.get(i)
                .map(|c| {
                    c.split(',')
                        .filter(|v| !v.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let f = DtlsFrame {
            content: list(1).iter().filter_map(|c| c.parse().ok()).collect(),
            handshakes: list(2).iter().map(|t| dtls_handshake_name(t)).collect(),
            snis: list(3).into_iter().collect(),
        };
        if !f.content.is_empty() {
            frames.insert(n, f);
        }
    }
    frames
}

/// eavesdrop's DTLS, per frame, from `show --json` (the description, and the labels
/// of frames that carry application data); plus frames whose application data has a
/// readable or undecoded payload byte.
fn eavesdrop_dtls(file: &Path) -> (BTreeMap<u64, DtlsFrame>, BTreeMap<u64, String>) {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut frames = BTreeMap::new();
    let mut labels = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "frame" {
            continue;
        }
        let n = v["frame"].as_u64().unwrap();
        let desc = v["description"].as_str().unwrap_or("");
        let Some(at) = desc.find("DTLSv").or_else(|| desc.find("DTLS(")) else {
            continue;
        };
        let dtls = &desc[at..];
        let mut f = DtlsFrame::default();
        // Items: "DTLSv1.2 ServerHello (cipher=…), Certificate (fragment) x2, …".
        let mut depth = 0;
        let mut item = String::new();
        let mut items = Vec::new();
        for c in dtls.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        items.push(item);
        for (i, item) in items.iter().enumerate() {
            let mut item = item.trim();
            if i == 0 {
                item = item.split_once(' ').map_or(item, |(_, r)| r);
            }
            let (name, detail) = item.split_once(" (").unwrap_or((item, ""));
            let name = name.split(" x").next().unwrap_or(name);
            match name {
                "ApplicationData" => {
                    f.content.insert(23);
                }
                "ChangeCipherSpec" => {
                    f.content.insert(20);
                }
                "EncryptedAlert" | "Alert" => {
                    f.content.insert(21);
                }
                "EncryptedHandshake" | "Handshake" => {
                    f.content.insert(22);
                }
                "Heartbeat" => {
                    f.content.insert(24);
                }
                n if n.ends_with("bytes opaque")
                    || n.ends_with("bytes undecoded")
                    || n.ends_with("bytes readable")
                    || n == "Record" => {}
                n => {
                    f.content.insert(22);
                    f.handshakes.insert(n.to_string());
                    for d in detail.trim_end_matches(')').split(", ") {
                        if let Some(s) = d.strip_prefix("SNI=") {
                            f.snis.insert(s.to_string());
                        }
                    }
                }
            }
        }
        if f.content.contains(&23) {
            let payload = &v["payload"];
            let (start, end) = (
                payload[0].as_u64().unwrap_or(0),
                payload[1].as_u64().unwrap_or(0),
            );
            for s in v["spans"].as_array().unwrap() {
                let label = s["label"].as_str().unwrap_or("");
                let (a, b) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
                if a >= start && b <= end && (label == "readable" || label == "undecoded") {
                    labels.insert(n, format!("{} bytes {label} ({})", b - a, s["field"]));
                }
            }
        }
        frames.insert(n, f);
    }
    (frames, labels)
}

/// Per frame, every difference between tshark's DTLS and eavesdrop's, as
/// `FILE | frame N | what | tshark … | eavesdrop …` keys (see
/// tests/dtls-disagreements.txt); and how many frames were compared.
fn compare_dtls(file: &Path, name: &str, problems: &mut Vec<String>) -> u64 {
    let theirs = tshark_dtls(file);
    if theirs.is_empty() {
        return 0;
    }
    let (ours, labels) = eavesdrop_dtls(file);
    let show =
        |s: &std::collections::BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
    for (n, t) in &theirs {
        let o = ours.get(n).cloned().unwrap_or_default();
        let types = |s: &std::collections::BTreeSet<u8>| {
            s.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
        };
        if t.content != o.content {
            problems.push(format!(
                "{name} | frame {n} | content types | tshark {} | eavesdrop {}",
                types(&t.content),
                types(&o.content)
            ));
        }
        if t.handshakes != o.handshakes {
            problems.push(format!(
                "{name} | frame {n} | handshake types | tshark {} | eavesdrop {}",
                show(&t.handshakes),
                show(&o.handshakes)
            ));
        }
        if t.snis != o.snis {
            problems.push(format!(
                "{name} | frame {n} | SNI | tshark {} | eavesdrop {}",
                show(&t.snis),
                show(&o.snis)
            ));
        }
        if t.content.contains(&23) {
            if let Some(l) = labels.get(n) {
                problems.push(format!(
                    "{name} | frame {n} | application data payload | tshark opaque | eavesdrop {l}"
                ));
            }
        }
    }
    for n in ours.keys().filter(|n| !theirs.contains_key(n)) {
        problems.push(format!(
            "{name} | frame {n} | DTLS | tshark none | eavesdrop {}",
            show(&ours[n].handshakes)
        ));
    }
    theirs.len() as u64
}

/// The disagreements decided in tests/dtls-disagreements.txt: key → verdict line.
fn listed_dtls_disagreements() -> BTreeMap<String, String> {
    let known = std::fs::read_to_string(repo().join("tests/dtls-disagreements.txt")).unwrap();
    let mut listed = BTreeMap::new();
    for line in known.lines() {
        if line.starts_with('#') || line.starts_with(' ') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(" | ").map(str::trim).collect();
        assert!(cols.len() >= 6, "bad entry: {line}");
        assert!(
            matches!(
                cols[5].trim_end_matches('|').trim(),
                "tshark-wrong" | "tshark-limitation" | "eavesdrop-limitation" | "ambiguous"
            ),
            "{line}: an eavesdrop bug is fixed, not listed"
        );
        listed.insert(cols[..5].join(" | "), line.to_string());
    }
    listed
}

#[test]
fn dtls_records_handshakes_and_snis_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files: Vec<(PathBuf, String)> = sample_captures()
        .into_iter()
        .map(|p| {
            let name = format!("captures/{}", p.file_name().unwrap().to_string_lossy());
            (p, name)
        })
        .collect();
    let corpus = std::env::var_os("EAVESDROP_CORPUS").map(PathBuf::from);
    if let Some(root) = &corpus {
        for p in corpus_files(root) {
            let name = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            files.push((p, name));
        }
    }
    let mut problems = Vec::new();
    let mut compared = 0;
    let mut captures = 0;
    for (file, name) in &files {
        let n = compare_dtls(file, name, &mut problems);
        compared += n;
        captures += u64::from(n > 0);
    }
    eprintln!(
        "DTLS: {compared} frames in {captures} captures compared with tshark; {} differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(compared >= 40, "the sample DTLS captures: {compared}");
    let problems: Vec<String> = problems
        .iter()
        .map(|p| {
            p.split(" | ")
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    let listed = listed_dtls_disagreements();
    let unexplained: Vec<&String> = problems
        .iter()
        .filter(|p| !listed.contains_key(*p))
        .collect();
    assert!(
        unexplained.is_empty(),
        "DTLS disagreements with tshark not decided in tests/dtls-disagreements.txt:\n{}",
        unexplained
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Entries about the corpus are checked only when it is there.
    let stale: Vec<&String> = listed
        .keys()
        .filter(|k| (corpus.is_some() || k.starts_with("captures/")) && !problems.contains(k))
        .collect();
    assert!(
        stale.is_empty(),
        "entries in tests/dtls-disagreements.txt that no longer occur:\n{}",
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// tshark's display filter for tunnelled packets.
const TUNNELS: &str = "gre or erspan or vxlan or geneve or gtp or teredo or l2tp";

/// Per frame, the IPv4 and IPv6 source → destination pairs, outermost first.
type Addresses = BTreeMap<u64, (Vec<String>, Vec<String>)>;

fn pairs(src: &str, dst: &str) -> Vec<String> {
    src.split(',')
        .zip(dst.split(','))
        .filter(|(s, _)| !s.is_empty())
        .map(|(s, d)| format!("{s} > {d}"))
        .collect()
}

/// The addresses of every packet tshark decodes with a tunnel in it.
fn tshark_tunnel_addresses(file: &Path) -> Addresses {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-Y", TUNNELS, "-T", "fields", "-E", "separator=\t"])
        .args(["-e", "frame.number", "-e", "ip.src", "-e", "ip.dst"])
        .args(["-e", "ipv6.src", "-e", "ipv6.dst"])
        .output()
        .expect("tshark");
    let mut map = Addresses::new();
    for line in text(&out.stdout).lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let col = |i: usize| c.get(i).copied().unwrap_or("");
        if let Ok(n) = col(0).parse() {
            map.insert(n, (pairs(col(1), col(2)), pairs(col(3), col(4))));
        }
    }
    map
}

/// The same from eavesdrop's `show --json`: the address spans of each frame, in order.
fn eavesdrop_addresses(file: &Path) -> Addresses {
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    let mut map = Addresses::new();
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "frame" {
            continue;
        }
        let mut found: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for span in v["spans"].as_array().into_iter().flatten() {
            let field = span["field"].as_str().unwrap_or("");
            if let ("ip.src" | "ip.dst" | "ipv6.src" | "ipv6.dst", Some(value)) =
                (field, span["value"].as_str())
            {
                found.entry(field).or_default().push(value.to_string());
            }
        }
        let join = |k: &str| found.get(k).map(|v| v.join(",")).unwrap_or_default();
        let n = v["frame"].as_u64().unwrap();
        map.insert(
            n,
            (
                pairs(&join("ip.src"), &join("ip.dst")),
                pairs(&join("ipv6.src"), &join("ipv6.dst")),
            ),
        );
    }
    map
}

/// Compares the addresses of tunnelled packets: (packets compared, inner address pairs
/// compared, disagreements).
fn compare_tunnel_addresses(files: &[PathBuf]) -> (u64, u64, Vec<String>) {
    let (mut packets, mut inner, mut problems) = (0, 0, Vec::new());
    for file in files {
        let theirs = tshark_tunnel_addresses(file);
        if theirs.is_empty() {
            continue;
        }
        let ours = eavesdrop_addresses(file);
        for (n, t) in &theirs {
            packets += 1;
            inner += (t.0.len() + t.1.len()).saturating_sub(1) as u64;
            let o = ours.get(n).cloned().unwrap_or_default();
            if &o != t {
                problems.push(format!(
                    "{}#{n}:\n  tshark    {t:?}\n  eavesdrop {o:?}",
                    file.display()
                ));
            }
        }
    }
    (packets, inner, problems)
}

#[test]
fn tunnelled_addresses_agree_with_tshark_on_sample_captures() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let files: Vec<PathBuf> = sample_captures()
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("tunnel-"))
        .collect();
    assert!(files.len() >= 8, "{files:?}");
    let (packets, inner, problems) = compare_tunnel_addresses(&files);
    eprintln!("{packets} tunnelled packets, {inner} inner address pairs compared");
    assert!(packets >= 100, "{packets}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn tunnelled_addresses_agree_with_tshark_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let files = corpus_files(Path::new(&dir));
    let (packets, inner, problems) = compare_tunnel_addresses(&files);
    eprintln!(
        "{packets} tunnelled packets in the corpus, {inner} inner address pairs compared, \
         {} disagreements:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(packets >= 50, "{packets}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What an observer learns from PostgreSQL, Redis, SOCKS and MQTT sessions, as a set
/// per capture: user names, databases, passwords, SQL, Redis commands and AUTH
/// arguments, SOCKS destinations, MQTT client IDs and topics. tshark's side, with
/// PostgreSQL also decoded on 5433 (where scripts/make-db-captures.sh runs it).
fn tshark_db_facts(file: &Path, decode: Option<&str>) -> std::collections::BTreeSet<String> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-d", "tcp.port==5433,pgsql"]);
    if let Some(d) = decode {
        cmd.args(["-d", d]);
    }
    let out = cmd
        .arg("-r")
        .arg(file)
        .args([
            "-Y",
            "pgsql or resp or socks or mqtt",
            "-T",
            "fields",
            "-E",
            "aggregator=\u{1f}",
        ])
        .args(["-e", "pgsql.parameter_name", "-e", "pgsql.parameter_value"])
        .args([
            "-e",
            "pgsql.password",
            "-e",
            "pgsql.query",
            "-e",
            "pgsql.type",
        ])
        .args(["-e", "resp.bulk_string.value", "-e", "resp.array.length"])
        .args(["-e", "socks.username", "-e", "socks.password"])
        .args([
            "-e",
            "socks.remote_name",
            "-e",
            "socks.dst",
            "-e",
            "socks.dstport",
        ])
        .args([
            "-e",
            "mqtt.clientid",
            "-e",
            "mqtt.username",
            "-e",
            "mqtt.passwd",
        ])
        .args([
            "-e",
            "mqtt.topic",
            "-e",
            "tcp.dstport",
            "-e",
            "mqtt.willtopic",
        ])
        .args([
            "-e",
            "tcp.stream",
            "-e",
            "socks.command",
            "-e",
            "socks.v4a_dns_name",
            "-e",
            "socks.dstV6",
        ])
        .output()
        .expect("tshark");
    let mut facts = std::collections::BTreeSet::new();
    let mut socks_streams = std::collections::BTreeSet::new();
    let unhex = |h: &str| {
        let bytes: Vec<u8> = (0..h.len() / 2)
            .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    for line in text(&out.stdout).lines() {
        let f: Vec<Vec<&str>> = line
            .split('\t')
            .map(|c| c.split('\u{1f}').filter(|v| !v.is_empty()).collect())
            .collect();
        let col = |i: usize| f.get(i).cloned().unwrap_or_default();
        // Startup parameters only: ParameterStatus names the same words.
        if col(4).contains(&"Startup message") {
            for (n, v) in col(0).iter().zip(col(1)) {
                match *n {
                    "user" => facts.insert(format!("pgsql-user:{v}")),
                    "database" => facts.insert(format!("pgsql-database:{v}")),
                    _ => false,
                };
            }
        }
        for p in col(2) {
            facts.insert(format!("pgsql-password:{p}"));
        }
        for q in col(3) {
            facts.insert(format!(
                "pgsql-query:{}",
                q.chars().take(40).collect::<String>()
            ));
        }
        // A client's array of bulk strings: the command, and AUTH's arguments.
        let to_redis = col(16).first().is_some_and(|p| *p == "6379");
        let bulks: Vec<String> = col(5).iter().map(|h| unhex(h)).collect();
        if to_redis && !col(6).is_empty() {
            if let Some(cmd) = bulks.first() {
                let cmd = cmd.to_ascii_uppercase();
                facts.insert(format!("redis-command:{cmd}"));
                match (cmd.as_str(), bulks.len()) {
                    ("AUTH", 2) => facts.insert(format!("redis-auth:password={}", bulks[1])),
                    ("AUTH", 3) => facts.insert(format!(
                        "redis-auth:user={} password={}",
                        bulks[1], bulks[2]
                    )),
                    _ => false,
                };
            }
        }
        for u in col(7) {
            facts.insert(format!("socks-user:{u}"));
        }
        for p in col(8) {
            facts.insert(format!("socks-password:{p}"));
        }
        // The first request of a connection names the destination (tshark repeats its
        // fields on later frames of the tunnel, and its ports are not always on the
        // request's frame: hosts are compared).
        if !col(19).is_empty() && socks_streams.insert(col(18).first().map(|x| x.to_string())) {
            let v6 = col(21).first().map(|a| format!("[{a}]"));
            let host = col(20)
                .first()
                .or(col(9).first())
                .or(col(10).first())
                .map(|h| h.to_string())
                .or(v6);
            if let Some(h) = host {
                facts.insert(format!("socks-destination:{h}"));
            }
        }
        for c in col(12) {
            facts.insert(format!("mqtt-client:{c}"));
        }
        for u in col(13) {
            facts.insert(format!("mqtt-user:{u}"));
        }
        for p in col(14) {
            facts.insert(format!("mqtt-password:{p}"));
        }
        // Topics published and subscribed to, and CONNECT's will topic.
        for t in col(15).iter().chain(col(17).iter()) {
            facts.insert(format!("mqtt-topic:{t}"));
        }
    }
    facts
}

/// The same facts from eavesdrop: the leaks of `flows --json`, the SQL and the
/// commands of `show --json`'s descriptions.
fn eavesdrop_db_facts(file: &Path) -> std::collections::BTreeSet<String> {
    let mut facts = std::collections::BTreeSet::new();
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let stack = v["stack"].to_string();
        for leak in v["leaks"].as_array().into_iter().flatten() {
            let (kind, value) = (
                leak["kind"].as_str().unwrap_or(""),
                leak["value"].as_str().unwrap_or(""),
            );
            let proto = ["PostgreSQL", "Redis", "SOCKS", "MQTT"]
                .into_iter()
                .find(|p| stack.contains(p));
            let fact = match (proto, kind) {
                (Some("PostgreSQL"), "user name") => Some(format!("pgsql-user:{value}")),
                (Some("PostgreSQL"), "URL") => value
                    .strip_prefix("database=")
                    .map(|d| format!("pgsql-database:{d}")),
                (Some("PostgreSQL"), "credential") => value
                    .strip_prefix("password=")
                    .or(value.strip_prefix("password-hash="))
                    .map(|p| format!("pgsql-password:{p}")),
                (Some("Redis"), "credential") => Some(format!("redis-auth:{value}")),
                (Some("SOCKS"), "user name") => Some(format!("socks-user:{value}")),
                (Some("SOCKS"), "credential") => value
                    .split_once(" password=")
                    .map(|(_, p)| format!("socks-password:{p}")),
                (Some("MQTT"), "identity") => value
                    .strip_prefix("client=")
                    .map(|c| format!("mqtt-client:{c}")),
                (Some("MQTT"), "user name") => Some(format!("mqtt-user:{value}")),
                (Some("MQTT"), "credential") => value
                    .split_once(" password=")
                    .map(|(_, p)| format!("mqtt-password:{p}")),
                (Some("MQTT"), "URL") => value
                    .strip_prefix("topic=")
                    .map(|t| format!("mqtt-topic:{t}")),
                _ => None,
            };
            facts.extend(fact);
        }
    }
    let mut cmd = eavesdrop();
    cmd.args(["show", "--json"]).arg(file);
    let out = output_within(cmd, 60, &file.display().to_string());
    for line in text(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let desc = v["description"].as_str().unwrap_or("");
        let from_client = v["direction"] == "to_server";
        // SQL runs to the next message a client sends with it.
        for (tag, sep) in [("Query: ", None), ("Parse", Some(": "))] {
            if !from_client {
                break;
            }
            let mut rest = desc;
            while let Some(at) = rest.find(tag) {
                let mut q = &rest[at + tag.len()..];
                if let Some(sep) = sep {
                    match q.split_once(sep) {
                        Some((_, after)) => q = after,
                        None => break,
                    }
                }
                let end = [
                    ", Sync",
                    ", Bind",
                    ", Describe",
                    ", Execute",
                    ", Parse",
                    ", Query",
                    ", Flush",
                    ", Close",
                    ", Terminate",
                ]
                .iter()
                .filter_map(|n| q.find(n))
                .min()
                .unwrap_or(q.len());
                facts.insert(format!(
                    "pgsql-query:{}",
                    q[..end].chars().take(40).collect::<String>()
                ));
                rest = &q[end..];
            }
        }
        // SOCKS requests name the destination: its host is compared.
        for item in desc.split(", ") {
            if let Some((_, dest)) = item
                .strip_prefix("SOCKS")
                .and_then(|i| i.split_once(" CONNECT "))
            {
                let dest = dest.split(" user=").next().unwrap_or(dest);
                let host = dest.rsplit_once(':').map_or(dest, |(h, _)| h);
                facts.insert(format!("socks-destination:{host}"));
            }
        }
        // The first command a client frame carries.
        if v["direction"] == "to_server" {
            if let Some(first) = desc.strip_prefix("Redis ") {
                let cmd = first.split([' ', ',']).next().unwrap_or("");
                facts.insert(format!("redis-command:{cmd}"));
            }
        }
    }
    facts
}

/// Disagreements on PostgreSQL, Redis, SOCKS and MQTT facts, each with its reason.
const DB_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    // The SOCKS tunnel carries RDP, whose X.224 cookie `mstshash=XXX` names a user:
    // eavesdrop reads it inside the tunnel; tshark's socks.username is SOCKS's own field.
    (
        "socks5-rdp.pcap",
        "socks-user:XXX",
        "eavesdrop-more: RDP's mstshash cookie inside the SOCKS tunnel",
    ),
    // tshark's RESP dissector reads RESP only; inline commands (a telnet user's) are not
    // RESP arrays, and eavesdrop names them.
    (
        "redis-auth.pcap",
        "redis-command:CLIENT",
        "tshark-limitation: inline command",
    ),
    (
        "redis-auth.pcap",
        "redis-command:KEYS",
        "tshark-limitation: inline command",
    ),
    (
        "redis-auth.pcap",
        "redis-command:QUIT",
        "tshark-limitation: inline command",
    ),
];

#[test]
fn database_cache_proxy_and_broker_facts_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let mut files: Vec<(PathBuf, Option<&str>)> = [
        "pgsql-md5.pcap",
        "pgsql-scram.pcap",
        "redis-auth.pcap",
        "socks5-auth.pcap",
        "mqtt-auth.pcap",
    ]
    .iter()
    .map(|f| (capture(f), None))
    .collect();
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let root = Path::new(&dir);
        for (f, decode) in DB_CORPUS {
            files.push((root.join(f), *decode));
        }
    }
    let mut compared = 0;
    let mut problems = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (f, decode) in &files {
        let (theirs, ours) = (tshark_db_facts(f, *decode), eavesdrop_db_facts(f));
        compared += theirs.len();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for (side, fact) in theirs
            .difference(&ours)
            .map(|x| ("tshark only", x))
            .chain(ours.difference(&theirs).map(|x| ("eavesdrop only", x)))
        {
            match DB_DISAGREEMENTS
                .iter()
                .find(|(file, k, _)| name == *file && fact == k)
            {
                Some(known) => {
                    used.insert(*known);
                }
                None => problems.push(format!("{}: {side}: {fact}", f.display())),
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|(f, _)| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for known in DB_DISAGREEMENTS {
        if names.iter().any(|n| n == known.0) && !used.contains(known) {
            problems.push(format!("{} {}: no longer occurs", known.0, known.1));
        }
    }
    eprintln!("{compared} PostgreSQL/Redis/SOCKS/MQTT facts read by tshark compared");
    assert!(compared >= 20, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Corpus captures with PostgreSQL, Redis, SOCKS or MQTT (`tshark -Y 'pgsql or resp
/// or socks or mqtt'` finds them on their standard ports; SOCKS on other ports is
/// decoded as SOCKS by tshark's decode-as). The corpus has no Redis or MQTT capture.
const DB_CORPUS: &[(&str, Option<&str>)] = &[
    ("arkime/postgres-badpass.pcap", None),
    ("arkime/postgres-good.pcap", None),
    ("arkime/postgres-no-sslrequest.pcap", None),
    ("arkime/socks-http-example.pcap", None),
    ("arkime/socks-http-pass.pcap", None),
    ("arkime/socks-https-example.pcap", None),
    ("arkime/socks5-smtp-503.pcap", None),
    ("arkime/socks5-http-302.pcap", Some("tcp.port==21477,socks")),
    (
        "arkime/socks5-http-302-frag.pcap",
        Some("tcp.port==21477,socks"),
    ),
    ("arkime/socks5-rdp.pcap", Some("tcp.port==42356,socks")),
    ("arkime/socks4-https.pcap", Some("tcp.port==9901,socks")),
    ("ndpi/pgsql.pcap", None),
    ("ndpi/pgsql2.pcapng", Some("tcp.port==60102,pgsql")),
    ("ndpi/tls_heur__shadowsocks-tcp.pcapng", None),
    ("ndpi/tls_heur__trojan-tcp-tls.pcapng", None),
    ("ndpi/tls_heur__vmess-tcp-tls.pcapng", None),
    ("ndpi/tls_heur__vmess-tcp.pcapng", None),
    ("ndpi/tls_heur__vmess-websocket.pcapng", None),
    (
        "suricata-verify/pgsql/pgsql-pwd-output-disabled/input.pcap",
        None,
    ),
    (
        "suricata-verify/pgsql/pgsql-simple-query-rollback/input.pcap",
        None,
    ),
    (
        "suricata-verify/pgsql/pgsql-ssl-rejected-md5-auth-simple-query/input.pcap",
        None,
    ),
    ("suricata-verify/pgsql/pgsql-upgrade-tls/input.pcap", None),
];

// tcpdump's options (-v, -e, -q) and link types. Each packet's text is its numbered
// line and the lines under it (-v puts the transport on a second line), hex rows left
// out. Agreement, per packet:
// - identical text;
// - "application": tcpdump's text starts with ours and goes on where ours ends at
//   `length N` (tcpdump's application printers, issue 16 item 2) — counted apart;
// - any other difference is counted under a class (tcpdump's word where the two
//   part) and compared with the accepted differences below.

/// The differences accepted, by class, and why. A class seen that is not here fails
/// the sample test; on the development corpus the figures are reported.
const ACCEPTED_OPTION_DIFFERENCES: &[(&str, &str)] = &[
    (
        "tunnel",
        "ERSPAN, GTP-U and Teredo: eavesdrop opens the tunnel where tcpdump 4.99 stops",
    ),
    (
        "L2TP",
        "tcpdump prints L2TP's header and control AVPs its own way, eavesdrop its header only",
    ),
    (
        "tunnel -v",
        "GRE's flags and protocol (-v, -e) and Geneve's option names (-v) as tcpdump prints them are not printed (the tunnel printers are terse)",
    ),
];

#[derive(Default, Debug)]
struct OptionTally {
    packets: u64,
    exact: u64,
    application: u64,
    classes: BTreeMap<String, (u64, String)>,
}

/// Packet number → its text (numbered line and continuation lines, no hex rows).
fn packet_texts(out: &str) -> BTreeMap<u64, String> {
    let mut map: BTreeMap<u64, String> = BTreeMap::new();
    let mut last: Option<u64> = None;
    for line in out.lines() {
        let numbered = line
            .trim_start()
            .split_once("  ")
            .filter(|(num, _)| {
                !line.starts_with('\t')
                    && !num.is_empty()
                    && num.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|(num, rest)| Some((num.parse::<u64>().ok()?, rest)));
        match numbered {
            Some((n, rest)) => {
                map.insert(n, rest.to_string());
                last = Some(n);
            }
            None if line.starts_with("\t0x") || line.is_empty() => {}
            None => {
                if let Some(text) = last.and_then(|n| map.get_mut(&n)) {
                    text.push('\n');
                    text.push_str(line);
                }
            }
        }
    }
    map
}

/// Whether `ours` stops at `length N` where tcpdump's `theirs` goes on with its
/// application printer.
fn application_follows(theirs: &str, ours: &str) -> bool {
    // tcpdump decodes the UDP payload where eavesdrop prints `UDP, length N`.
    if (ours.contains("UDP, length ") || ours.contains("UDP, bad length "))
        && ours
            .rfind("UDP, ")
            .is_some_and(|i| theirs.starts_with(&ours[..i]))
    {
        return true;
    }
    // tcpdump goes on after the TCP line's `length N`.
    let Some(rest) = theirs.strip_prefix(ours) else {
        return false;
    };
    let last = ours.rsplit(['\n', ',']).next().unwrap_or("");
    let ends_in_length = last
        .trim_start()
        .strip_prefix("length ")
        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
    ends_in_length && (rest.starts_with(": ") || rest.starts_with(' ') || rest.starts_with('\n'))
}

/// The class of a difference: the tunnel and L2TP cases by name, else tcpdump's word
/// where the texts part (with the protocol tcpdump printed first).
fn difference_class(theirs: &str, ours: &str) -> String {
    if tunnel_only_ours(theirs, ours).is_some() {
        return "tunnel".into();
    }
    if theirs.contains("l2tp") || theirs.contains("L2TP") {
        return "L2TP".into();
    }
    // GRE's flags and protocol (-v, -e), Geneve's options (-v) in tcpdump's words.
    if theirs.contains(" GREv") || theirs.contains(" Geneve, ") {
        return "tunnel -v".into();
    }
    let at = theirs
        .bytes()
        .zip(ours.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(theirs.len().min(ours.len()));
    let start = theirs[..at]
        .rfind([' ', '\n', '[', '('])
        .map_or(0, |i| i + 1);
    let word: String = theirs[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',')
        .take(24)
        .collect();
    word
}

fn compare_option(file: &Path, flags: &[&str], tally: &mut OptionTally) {
    let t = Command::new("tcpdump")
        .args(["-#", "-nn"])
        .args(flags)
        .arg("-r")
        .arg(file)
        .env("TZ", "UTC")
        .output()
        .expect("tcpdump");
    let e = eavesdrop()
        .args([
            "show",
            "-#",
            "--no-hex",
            "--no-notes",
            "--no-describe",
            "--color=never",
        ])
        .args(flags)
        .arg(file)
        .output()
        .expect("eavesdrop");
    let err = text(&e.stderr);
    assert!(!err.contains("panicked"), "{}: {err}", file.display());
    let theirs = packet_texts(&text(&t.stdout));
    let ours = packet_texts(&text(&e.stdout));
    for (n, tl) in &theirs {
        let el = ours.get(n).map_or("", String::as_str);
        if el.contains(" not decoded]") {
            continue;
        }
        tally.packets += 1;
        if el == tl {
            tally.exact += 1;
        } else if application_follows(tl, el) {
            tally.application += 1;
        } else {
            let class = difference_class(tl, el);
            let entry = tally.classes.entry(class).or_insert_with(|| {
                (
                    0,
                    format!(
                        "{}#{n} {}\n  tcpdump:   {tl}\n  eavesdrop: {el}",
                        file.display(),
                        flags.join(" ")
                    ),
                )
            });
            entry.0 += 1;
        }
    }
}

/// The link-type samples `scripts/relink.py` makes, when Python with scapy is here.
fn relinked_samples() -> Vec<PathBuf> {
    let python = Command::new("python3")
        .args(["-c", "import scapy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !python {
        eprintln!("python3 with scapy not installed: link-type samples skipped");
        return Vec::new();
    }
    let dir = tempdir("relinked");
    let mut out = Vec::new();
    for link in [
        "ppp",
        "ppp-hdlc",
        "chdlc",
        "frelay",
        "slip",
        "ieee802-11",
        "radiotap",
        "nflog",
        "pflog",
        "ipoib",
    ] {
        for src in ["tls13-echo.pcapng", "tls13-echo-ipv6.pcap"] {
            let dst = dir.join(format!("{link}-{src}.pcap"));
            let ok = Command::new("python3")
                .arg(repo().join("scripts/relink.py"))
                .arg(capture(src))
                .arg(&dst)
                .arg(link)
                .output()
                .unwrap();
            assert!(ok.status.success(), "relink {link}: {}", text(&ok.stderr));
            out.push(dst);
        }
    }
    out
}

const OPTION_SETS: &[&[&str]] = &[&["-v"], &["-e"], &["-q"], &["-e", "-v"], &["-vv"]];

#[test]
fn options_and_link_types_agree_with_tcpdump_on_sample_captures() {
    if !peer_available("tcpdump") {
        eprintln!("tcpdump not installed: skipped");
        return;
    }
    // The printers capture is held against tcpdump at default verbosity only: the
    // application printers' -v forms are not done (issue 16 item 2 at -v).
    let mut files: Vec<PathBuf> = sample_captures()
        .into_iter()
        .filter(|f| !f.ends_with("tcpdump-printers.pcap"))
        .collect();
    files.extend(relinked_samples());
    // -x and -xx: tcpdump's hex rows without the ASCII column (eavesdrop adds a mask
    // row under each, not compared here).
    for file in &files {
        for flag in ["-x", "-xx"] {
            let rows = |out: &[u8]| {
                text(out)
                    .lines()
                    .filter(|l| l.starts_with("\t0x"))
                    .map(String::from)
                    .collect::<Vec<_>>()
            };
            let t = Command::new("tcpdump")
                .args(["-nn", flag, "-r"])
                .arg(file)
                .env("TZ", "UTC")
                .output()
                .unwrap();
            let e = eavesdrop()
                .args(["show", "--color=never", "--no-notes", flag])
                .arg(file)
                .output()
                .unwrap();
            assert_eq!(
                rows(&t.stdout),
                rows(&e.stdout),
                "{} {flag}",
                file.display()
            );
        }
    }
    let mut tallies = Vec::new();
    for flags in OPTION_SETS.iter().copied().chain([&[][..]]) {
        let mut tally = OptionTally::default();
        for file in &files {
            compare_option(file, flags, &mut tally);
        }
        tallies.push((flags.join(" "), tally));
    }
    let mut unexplained = Vec::new();
    for (flags, tally) in &tallies {
        eprintln!(
            "samples {flags:>6}: {} packets, {} identical, {} application printer, {} differ",
            tally.packets,
            tally.exact,
            tally.application,
            tally.classes.values().map(|c| c.0).sum::<u64>()
        );
        for (class, (count, example)) in &tally.classes {
            eprintln!("  [{class}] ×{count}\n{example}");
            if !ACCEPTED_OPTION_DIFFERENCES.iter().any(|(c, _)| c == class) {
                unexplained.push(format!("[{class}] ×{count}\n{example}"));
            }
        }
    }
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
}

#[test]
fn options_agree_with_tcpdump_on_the_development_corpus() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    if !peer_available("tcpdump") {
        return;
    }
    let files = corpus_files(Path::new(&dir));
    for flags in [&["-v"][..], &["-e"], &["-q"]] {
        let mut tally = OptionTally::default();
        for file in &files {
            compare_option(file, flags, &mut tally);
        }
        let differ: u64 = tally.classes.values().map(|c| c.0).sum();
        let pct = |n: u64| 100.0 * n as f64 / tally.packets.max(1) as f64;
        eprintln!(
            "corpus {:>3}: {} packets: {:.2}% identical, {:.2}% identical up to tcpdump's application printer, {:.2}% differ",
            flags.join(" "),
            tally.packets,
            pct(tally.exact),
            pct(tally.exact + tally.application),
            pct(differ)
        );
        let mut classes: Vec<_> = tally.classes.iter().collect();
        classes.sort_by_key(|c| std::cmp::Reverse(c.1 .0));
        for (class, (count, example)) in classes.iter().take(12) {
            let accepted = ACCEPTED_OPTION_DIFFERENCES
                .iter()
                .find(|(c, _)| c == class)
                .map_or("", |(_, why)| *why);
            eprintln!("  [{class}] ×{count} {accepted}\n{example}");
        }
        // Floors just below the figures measured when this test was written (-v 99.05%,
        // -e 99.16%, -q 99.33%): a regression fails, progress raises them.
        let floor = match flags[0] {
            "-v" => 98.8,
            _ => 99.0,
        };
        assert!(
            pct(tally.exact + tally.application) >= floor,
            "{flags:?}: {:.2}%",
            pct(tally.exact + tally.application)
        );
    }
}

// ---------------------------------------------------------------------------------
// Protocols where plaintext and credentials travel: NTLMSSP, SMB2, Kerberos, SNMP, SIP,
// RDP, HTTP/2 (h2c) and Google QUIC. Per capture, the set of values tshark reads for a
// field against the values eavesdrop reports as leaks (`flows --json`), normalised
// where the two write the same fact differently (a principal `HTTP/web` is two
// SNameStrings to tshark; a user `EXAMPLE\alice` is a domain and a user name).

/// (tshark field, eavesdrop leak kind, how eavesdrop's value maps to tshark's values).
type LeakMap = (&'static str, &'static str, fn(&str) -> Vec<String>);

fn same(v: &str) -> Vec<String> {
    vec![v.to_string()]
}

fn ntlm_user(v: &str) -> Vec<String> {
    vec![v.rsplit('\\').next().unwrap_or(v).to_string()]
}

fn principal_parts(v: &str) -> Vec<String> {
    v.split('/').map(str::to_string).collect()
}

fn community(v: &str) -> Vec<String> {
    v.strip_prefix("community=")
        .map(|c| vec![c.to_string()])
        .unwrap_or_default()
}

const MORE_FIELDS: &[LeakMap] = &[
    ("ntlmssp.auth.username", "user name", ntlm_user),
    ("kerberos.CNameString", "identity", same),
    ("kerberos.SNameString", "URL", principal_parts),
    ("snmp.community", "credential", community),
    ("snmp.msgUserName", "user name", same),
    ("sip.auth.username", "user name", same),
    ("smb2.tree", "URL", same),
    ("rdp.rt_cookie", "user name", same),
    ("gquic.tag.sni", "server name", same),
    ("gquic.tag.uaid", "software", same),
    ("http2.headers.authority", "URL", same),
    ("http2.headers.path", "URL", same),
    ("http2.headers.cookie", "cookie", same),
    ("http2.headers.set_cookie", "cookie", same),
    ("http2.headers.user_agent", "software", same),
    ("http2.headers.server", "software", same),
];

/// Decode-as arguments tshark needs for the sample captures' ports.
const MORE_DECODE_AS: &[&str] = &["tcp.port==8081,http2", "tcp.port==8082,http"];

fn tshark_more(file: &Path) -> BTreeMap<&'static str, std::collections::BTreeSet<String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(file);
    for d in MORE_DECODE_AS {
        cmd.args(["-d", d]);
    }
    cmd.args([
        "-T",
        "fields",
        "-E",
        "aggregator=\u{1f}",
        "-E",
        "occurrence=a",
    ]);
    for (f, _, _) in MORE_FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark");
    let mut map: BTreeMap<&'static str, std::collections::BTreeSet<String>> = BTreeMap::new();
    for line in text(&out.stdout).lines() {
        for (i, col) in line.split('\t').enumerate() {
            let Some((name, _, _)) = MORE_FIELDS.get(i) else {
                continue;
            };
            for v in col.split('\u{1f}').filter(|v| !v.is_empty()) {
                let v = match *name {
                    // tshark shows the whole cookie line.
                    "rdp.rt_cookie" => v
                        .trim_start_matches("Cookie: mstshash=")
                        .trim_end()
                        .to_string(),
                    // tshark 4.0 keeps the quoted-string's quotes.
                    "sip.auth.username" => v.trim_matches('"').to_string(),
                    _ => v.to_string(),
                };
                map.entry(name).or_default().insert(v);
            }
        }
    }
    map
}

fn eavesdrop_more(file: &Path) -> BTreeMap<&'static str, std::collections::BTreeSet<String>> {
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).arg(file);
    let out = output_within(cmd, 120, &file.display().to_string());
    let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stacks = Vec::new();
    for line in text(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["type"] != "flow" {
            continue;
        }
        stacks.push(v["stack"].to_string());
        for l in v["leaks"].as_array().into_iter().flatten() {
            if let (Some(k), Some(val)) = (l["kind"].as_str(), l["value"].as_str()) {
                by_kind
                    .entry(k.to_string())
                    .or_default()
                    .push(val.to_string());
            }
        }
    }
    let mut map: BTreeMap<&'static str, std::collections::BTreeSet<String>> = BTreeMap::new();
    let layer = |f: &str| match f.split('.').next().unwrap_or("") {
        "ntlmssp" => vec!["SMB2", "HTTP", "SMTP", "IMAP", "POP3"],
        "kerberos" => vec!["Kerberos"],
        "snmp" => vec!["SNMP"],
        "sip" => vec!["SIP"],
        "smb2" => vec!["SMB2"],
        "rdp" => vec!["RDP"],
        "gquic" => vec!["gQUIC"],
        "http2" => vec!["HTTP/2"],
        _ => vec![],
    };
    for (field, kind, norm) in MORE_FIELDS {
        // Only leaks of flows that speak the field's protocol.
        if !stacks
            .iter()
            .any(|s| layer(field).iter().any(|l| s.contains(&format!("\"{l}\""))))
        {
            continue;
        }
        for v in by_kind.get(*kind).into_iter().flatten() {
            for n in norm(v) {
                map.entry(field).or_default().insert(n);
            }
        }
    }
    map
}

/// Corpus captures compared: those whose path names one of these.
const MORE_CORPUS_NAMES: &[&str] = &[
    "http2", "h2", "quic", "rdp", "sip", "smb", "krb", "kerberos", "snmp", "ntlm",
];

/// Where eavesdrop's sets and tshark's differ by design: (capture, field, reason).
const MORE_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "ja4/chrome-cloudflare-quic-with-secrets.pcapng",
        "http2.headers.authority",
        KEYS,
    ),
    (
        "ja4/chrome-cloudflare-quic-with-secrets.pcapng",
        "http2.headers.path",
        KEYS,
    ),
    (
        "ja4/http2-with-cookies.pcapng",
        "http2.headers.authority",
        KEYS,
    ),
    ("ja4/http2-with-cookies.pcapng", "http2.headers.path", KEYS),
    (
        "ja4/http2-with-cookies.pcapng",
        "http2.headers.cookie",
        KEYS,
    ),
    (
        "ja4/http2-with-cookies.pcapng",
        "http2.headers.set_cookie",
        KEYS,
    ),
    (
        "ja4/chrome-cloudflare-quic-with-secrets.pcapng",
        "http2.headers.user_agent",
        KEYS,
    ),
    (
        "ja4/chrome-cloudflare-quic-with-secrets.pcapng",
        "http2.headers.server",
        KEYS,
    ),
    (
        "ja4/http2-with-cookies.pcapng",
        "http2.headers.user_agent",
        KEYS,
    ),
    (
        "ja4/http2-with-cookies.pcapng",
        "http2.headers.server",
        KEYS,
    ),
    ("ndpi/gquic.pcap", "gquic.tag.sni", Q050),
    ("ndpi/gquic.pcap", "gquic.tag.uaid", Q050),
    ("ndpi/quic_q50.pcap", "gquic.tag.sni", Q050),
    ("ndpi/quic_q50.pcap", "gquic.tag.uaid", Q050),
    ("ndpi/quic-27.pcap", "gquic.tag.uaid", UAID_PARAMETER),
    ("ndpi/quic_t50.pcap", "gquic.tag.uaid", UAID_PARAMETER),
];

/// tshark decrypts with the TLS secrets stored in the pcapng (a Decryption Secrets
/// Block); eavesdrop shows what an observer without them sees: TLS, content opaque.
const KEYS: &str = "decrypted by tshark with the capture's embedded secrets";
/// Google QUIC Q050 encrypts its Initial packets (keys from a fixed salt and the
/// connection ID, as IETF QUIC) and carries the CHLO in CRYPTO frames; eavesdrop reads
/// Q024-Q046 (unencrypted handshake) and T050/T051 (TLS) but not Q050's CHLO.
const Q050: &str = "Q050's CHLO inside encrypted Initials is not read";
/// tshark shows Chrome's google_user_agent QUIC transport parameter (0x3129) of the
/// TLS ClientHello as gquic.tag.uaid; eavesdrop does not report transport parameters.
const UAID_PARAMETER: &str = "a QUIC transport parameter, not a gQUIC tag";

#[test]
fn credential_protocols_agree_with_tshark() {
    if !tshark_available() {
        eprintln!("tshark not installed: skipped");
        return;
    }
    let names = [
        "smb3-ntlm.pcap",
        "smb3-encrypted.pcap",
        "kerberos-udp.pcap",
        "kerberos-tcp.pcap",
        "snmp-v2c-v3.pcap",
        "sip-digest-udp.pcap",
        "sip-digest-tcp.pcap",
        "rdp-tls.pcap",
        "rdp-standard-security.pcap",
        "h2c-prior-knowledge.pcap",
        "h2c-upgrade.pcap",
    ];
    let mut files: Vec<(PathBuf, String)> = names
        .iter()
        .map(|n| (capture(n), format!("captures/{n}")))
        .collect();
    if let Some(dir) = std::env::var_os("EAVESDROP_CORPUS") {
        let root = PathBuf::from(dir);
        for p in corpus_files(&root) {
            let name = p
                .strip_prefix(&root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            // The corpus's captures of these protocols, by name (tshark on all ~400
            // takes minutes and finds none of these fields elsewhere).
            let lower = name.to_ascii_lowercase();
            if MORE_CORPUS_NAMES.iter().any(|k| lower.contains(k)) {
                files.push((p, name));
            }
        }
    }
    let mut compared = 0usize;
    let mut captures = 0usize;
    let mut problems = Vec::new();
    for (file, name) in &files {
        let theirs = tshark_more(file);
        if theirs.is_empty() {
            continue;
        }
        captures += 1;
        let ours = eavesdrop_more(file);
        for (field, _, _) in MORE_FIELDS {
            let t = theirs.get(field).cloned().unwrap_or_default();
            if t.is_empty() {
                continue;
            }
            compared += t.len();
            let o = ours.get(field).cloned().unwrap_or_default();
            let missing: Vec<&String> = t.difference(&o).collect();
            if !missing.is_empty() {
                let key = (name.as_str(), *field);
                if !MORE_DISAGREEMENTS.iter().any(|(f, fl, _)| (*f, *fl) == key) {
                    problems.push(format!(
                        "{name} {field}: tshark {missing:?}, eavesdrop {o:?}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "credential protocols: {compared} values in {captures} captures compared with tshark; {} differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(compared >= 15, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

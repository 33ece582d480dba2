//! Helpers shared by the integration tests: running the binary with a scrubbed
//! environment, and writing small pcap files byte by byte.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_eavesdrop")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn capture(name: &str) -> PathBuf {
    repo().join("captures").join(name)
}

/// The sample captures in captures/, sorted.
pub fn sample_captures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("captures"))
        .expect("captures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .collect();
    v.sort();
    v
}

/// A command with the environment scrubbed: no colour hints, UTC, no terminal width.
pub fn eavesdrop() -> Command {
    let mut c = Command::new(exe());
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
        "COLUMNS",
        "LANG",
        "LC_ALL",
    ] {
        c.env_remove(var);
    }
    c.env("TZ", "UTC");
    c
}

/// Runs a command, killing it (and failing the test) if it outlives `secs`: a hang
/// must fail CI quickly, not stall it.
pub fn output_within(mut cmd: Command, secs: u64, what: &str) -> Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut v).ok();
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut v).ok();
        v
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {secs} s (a hang)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

pub fn run(args: &[&str]) -> Output {
    eavesdrop().args(args).output().expect("run eavesdrop")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// True when `tool` can be run.
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the tests run as root (live capture needs it).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| text(&o.stdout).trim() == "0")
}

/// Peers are required when CI says so: a missing tool then fails instead of skipping.
pub fn peers_required() -> bool {
    std::env::var_os("EAVESDROP_REQUIRE_PEERS").is_some()
}

/// Legacy pcap, little-endian, microseconds.
pub struct Pcap {
    pub bytes: Vec<u8>,
}

impl Pcap {
    pub fn new(linktype: u32, snaplen: u32) -> Pcap {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&snaplen.to_le_bytes());
        bytes.extend_from_slice(&linktype.to_le_bytes());
        Pcap { bytes }
    }

    /// A record holding `data` of a frame that was `orig_len` bytes on the wire.
    pub fn record(mut self, sec: u32, data: &[u8], orig_len: u32) -> Pcap {
        self.bytes.extend_from_slice(&sec.to_le_bytes());
        self.bytes.extend_from_slice(&0u32.to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(&orig_len.to_le_bytes());
        self.bytes.extend_from_slice(data);
        self
    }

    pub fn frame(self, sec: u32, data: &[u8]) -> Pcap {
        let n = data.len() as u32;
        self.record(sec, data, n)
    }

    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, &self.bytes).expect("write pcap");
        p
    }
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 + TCP packet (raw IP, no link header) with the given flags and payload.
#[allow(clippy::too_many_arguments)] // the header's own fields, in wire order
pub fn ipv4_tcp(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let total = 20 + 20 + payload.len();
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0x40,
        0,
        64,
        6,
        0,
        0,
    ];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    let c = checksum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ack.to_be_bytes());
    p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    p.extend_from_slice(payload);
    p
}

/// Wraps a raw IP packet in an Ethernet II header.
pub fn ethernet(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(ip);
    f
}

/// A fresh directory under the system's temporary directory, removed with everything
/// in it when the returned guard is dropped (at the end of the test, passed or
/// failed): test runs must not leave their captures behind (one full run wrote about
/// 100 MB that nothing removed).
pub fn tempdir(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("eavesdrop-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tempdir");
    TempDir(d)
}

/// A directory removed on drop; derefs to its path.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Panics unless every styled line of `out` closes its style: the last SGR sequence on
/// any line that has one is a reset (`ESC[0m`), so nothing bleeds into the next line,
/// the summary on stderr, or the user's prompt after exit.
pub fn assert_styles_closed(what: &str, out: &str) {
    for (n, line) in out.split('\n').enumerate() {
        let mut last = None;
        let mut rest = line;
        while let Some(at) = rest.find("\x1b[") {
            let seq = &rest[at..];
            let end = seq
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(seq.len() - 1);
            if seq.as_bytes().get(end) == Some(&b'm') {
                last = Some(&seq[..=end]);
            }
            rest = &seq[end + 1..];
        }
        if let Some(sgr) = last {
            assert_eq!(
                sgr,
                "\x1b[0m",
                "{what}: line {} leaves a style open: {line:?}",
                n + 1
            );
        }
    }
}

/// The corpus's captures with key logs, by path relative to the corpus.
pub const CORPUS_PAIRS: &[(&str, &str)] = &[
    (
        "scapy/tls_nss_example.pcap",
        "scapy/tls_nss_example.keys.txt",
    ),
    (
        "scapy/tls_tcp_frag_withnss.pcap",
        "scapy/tls_tcp_frag_withnss.keylog",
    ),
    (
        "pcapfs/crypto/pcaps/tls1-aes128-cbc-file_e_large.pcap",
        "pcapfs/crypto/keyfiles/tls1-aes128-cbc-file_e_large.key",
    ),
    (
        "pcapfs/crypto/all_ciphers_test/all_ciphers.pcap",
        "pcapfs/crypto/all_ciphers_test/all_ciphers.key",
    ),
    (
        "pcapfs/crypto/feature_test/feature_test.pcap",
        "pcapfs/crypto/feature_test/keyfiles/master_and_premaster.key",
    ),
    (
        "pcapfs/system/system-tests.pcapng",
        "pcapfs/system/keyfiles/tls.key",
    ),
];

/// The development corpus EAVESDROP_CORPUS names; without it `None`, and a line saying
/// the test is skipped.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EAVESDROP_CORPUS").map(PathBuf::from);
    if dir.is_none() {
        eprintln!("EAVESDROP_CORPUS not set: skipped");
    }
    dir
}

/// Every capture (`.pcap`, `.pcapng`, `.cap`) below `dir`, sorted.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng" || e == "cap")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Whether the peer `tool` (tcpdump, tshark) runs here; with EAVESDROP_REQUIRE_PEERS a
/// missing one fails the test instead of letting it skip.
pub fn peer_available(tool: &str) -> bool {
    let ok = have(tool);
    if !ok && peers_required() {
        panic!("{tool} is required (EAVESDROP_REQUIRE_PEERS) but not installed");
    }
    ok
}

pub fn tshark_available() -> bool {
    peer_available("tshark")
}

/// A tmux server of the test's own (its own socket), one session running `command` in
/// a terminal of a given size from `dir`; killed when dropped. Colour variables of the
/// test's environment are removed, so the pane is a terminal as a person has it.
pub struct Tmux {
    socket: String,
}

/// The session's name inside its server.
const SESSION: &str = "t";

impl Tmux {
    pub fn start(cols: u16, rows: u16, dir: &Path, command: &str) -> Tmux {
        // A socket per server: a killed server may still hold its socket a moment.
        static SERVERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SERVERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Tmux {
            socket: format!("eavesdrop-test-{}-{n}", std::process::id()),
        };
        let (cols, rows) = (cols.to_string(), rows.to_string());
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            &cols,
            "-y",
            &rows,
            "-c",
            dir.to_str().expect("a UTF-8 directory"),
            command,
        ]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
        // Keep the whole run in the history.
        t.tmux(&["set-option", "-t", SESSION, "history-limit", "100000"]);
        t
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .expect("run tmux")
    }

    /// What `capture-pane -p` prints with `flags` (`-e` styles as escape sequences,
    /// `-J` wrapped lines joined, `-S -` the history too).
    pub fn capture(&self, flags: &[&str]) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", SESSION];
        args.extend_from_slice(flags);
        text(&self.tmux(&args).stdout)
    }

    /// The capture (with `flags`) once `done` holds of it; fails after `secs`.
    pub fn wait_until(&self, flags: &[&str], secs: u64, done: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let s = self.capture(flags);
            if done(&s) {
                return s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the terminal never showed what was awaited:\n{s}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Types `keys` (tmux key names: `Enter`, `C-d`).
    pub fn keys(&self, keys: &str) {
        let out = self.tmux(&["send-keys", "-t", SESSION, keys]);
        assert!(out.status.success(), "tmux: {}", text(&out.stderr));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Whether tmux runs here (it has `-V`, not `--version`); required as the peers are,
/// else the test says it is skipped.
pub fn tmux_installed() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !peers_required(),
            "tmux is required (EAVESDROP_REQUIRE_PEERS) but not installed"
        );
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
    }
    ok
}

/// The packet lines of `show --no-hex` on a sample capture, and the summary on stderr.
pub fn show_lines(name: &str) -> (Vec<String>, String) {
    let out = run(&[
        "show",
        "--no-hex",
        "--color=never",
        capture(name).to_str().expect("a UTF-8 path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    (
        text(&out.stdout).lines().map(String::from).collect(),
        text(&out.stderr),
    )
}

/// Whether any of `lines` contains `needle`.
pub fn has_line(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|l| l.contains(needle))
}

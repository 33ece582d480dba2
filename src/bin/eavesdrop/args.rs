//! Command-line arguments (clap), resolved once into a frozen configuration.

use clap::{ArgAction, Args, Parser, Subcommand};
use eavesdrop::engine::EngineConfig;
use eavesdrop::flow::frag::FragLimits;
use eavesdrop::flow::Limits;
use eavesdrop::render::flows::{EndpointMatch, FlowFilter, FlowSort, FlowsOptions, Only};
use eavesdrop::render::hexdump::{DumpStyle, HexMode, ShowOptions};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::style::ColorChoice;
use eavesdrop::render::time::TimeFormat;
use eavesdrop::render::OutputFormat;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

const ABOUT: &str = "Show what an eavesdropper can read in a packet capture.";

const LONG_ABOUT: &str = "\
Show what an eavesdropper can read in a packet capture.

eavesdrop reads pcap and pcapng files, decodes every layer, follows TCP streams,
splits TLS records, and labels every captured byte by who can read it:

  leak       readable facts worth pointing at: addresses, ports, server names
  header     headers every router must see (link, IP, TCP/UDP, TLS record headers)
  readable   content anyone on the path can read (plaintext, TLS handshakes)
  opaque     ciphertext (TLS application data, encrypted handshake messages)
  undecoded  bytes eavesdrop could not classify (never counted as safe)

Packet lines are tcpdump's (`tcpdump -nn`), followed by eavesdrop's description
of the payload; hex rows are tcpdump's `-X` rows with the labels as colours or
as a mask row under each row.";

const EXAMPLES: &str = "\
Examples:
  eavesdrop captures/tls12-echo.pcapng      show every packet, labelled
  eavesdrop show -XX --color=always FILE    include link headers, force colour
  tcpdump -i lo -w - port 1060 | eavesdrop show -
  eavesdrop show --no-hex -# FILE          packet lines only, numbered
  eavesdrop show a.pcap b.pcap              several files, in order
  eavesdrop show -r a.pcap tcp port 443     tcpdump's way: -r FILE, then a filter
  eavesdrop show --filter 'port 53' a.pcap b.pcap
  eavesdrop flows --brief FILE              one line per connection
  eavesdrop check --deny plaintext FILE     fail (exit 1) if content travels in clear";

#[derive(Debug, Parser)]
#[command(
    name = "eavesdrop",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every packet like tcpdump -X, each byte labelled by who can read it (default)
    #[command(long_about = LONG_ABOUT, after_help = EXAMPLES)]
    Show(ShowArgs),
    /// What each connection gave away: one entry per flow, with a verdict
    #[command(long_about = FLOWS_ABOUT, after_help = FLOWS_EXAMPLES)]
    Flows(FlowsArgs),
    /// Pass or fail captures against rules, for CI (exit 0 pass, 1 fail, 2 error)
    #[command(long_about = CHECK_ABOUT, after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Write one self-contained web page: totals, flows, ladders, every byte labelled
    #[command(long_about = HTML_ABOUT, after_help = HTML_EXAMPLES)]
    Html(HtmlArgs),
    /// The lesson in three acts: one message in plaintext, over TLS 1.2, over TLS 1.3
    #[command(long_about = DEMO_ABOUT)]
    Demo(DemoArgs),
    /// Capture live (loopback by default) and show packets as they arrive (feature `live`)
    #[command(long_about = LIVE_ABOUT, after_help = LIVE_EXAMPLES)]
    Live(LiveArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell)
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), made from these definitions: eavesdrop man > eavesdrop.1
    Man,
}

const SUBCOMMANDS: &[&str] = &[
    "show",
    "flows",
    "check",
    "html",
    "demo",
    "live",
    "completions",
    "man",
    "help",
];

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  eavesdrop completions bash > ~/.local/share/bash-completion/completions/eavesdrop
  eavesdrop completions zsh > ~/.zfunc/_eavesdrop      # with fpath+=~/.zfunc
  eavesdrop completions fish > ~/.config/fish/completions/eavesdrop.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

const DEMO_ABOUT: &str = "\
The lesson in three acts, for a class or for yourself: the message \"Simple is better
than complex.\" sent to an echo server in plaintext, over TLS 1.2 and over TLS 1.3,
seen the way an eavesdropper on the path sees it. Each act shows the packets that make
its point (short lines, and the hex rows that matter) with a few sentences of
narration; a table at the end compares what an observer learned in each.

It is laid out for a projector: at most 100 columns (the terminal's width when smaller,
or --width), and each act fits on a 30-row screen. With --step on a terminal, each act
starts on a cleared screen and the demo waits for Enter before the next.

The captures are built into eavesdrop (captures/ in the source): no network, no
privileges, no files needed.

With --live (built with the `demo` feature, run as root or with capture capabilities),
eavesdrop makes the traffic itself: it starts a plaintext echo server, a TLS 1.2 server
and a TLS 1.3 server on 127.0.0.1 (rustls; a CA named \"Eavesdrop Teaching CA\" and a
certificate for localhost made on the spot), sends the message through each while
capturing loopback with libpcap, and tells the story on those packets. --write DIR keeps
the captures (pcapng) with their key logs (SSLKEYLOGFILE format, for Wireshark).";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Wait for Enter between acts (for a class)
    #[arg(long)]
    pub step: bool,

    /// When to use colour: auto (a terminal; honours NO_COLOR, CLICOLOR_FORCE), always, never
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// Make the traffic now and capture it on loopback (feature `demo`; needs capture rights)
    #[arg(long)]
    pub live: bool,

    /// With --live: keep the captures and key logs in DIR (created if missing)
    #[arg(long, value_name = "DIR", requires = "live")]
    pub write: Option<std::path::PathBuf>,

    /// Write the lesson as one web page (the three captures, their flows, ladders and
    /// labelled bytes, the story and the closing table) to OUT instead of telling it here
    #[arg(long, value_name = "OUT.html", conflicts_with = "step")]
    pub html: Option<PathBuf>,

    /// Lay the demo out in N columns [default: 100, or the terminal's width when smaller]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..=1000))]
    pub width: Option<u16>,
}

/// The demo's layout, decided once from the command line and the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoLayout {
    /// Columns no line may pass (hex rows, 74 columns, are never cut).
    pub width: usize,
    /// Rows one act's page must fit in, the `--step` prompt included.
    pub height: usize,
    /// Start each page on a cleared screen (a terminal, with --step).
    pub clear: bool,
}

/// `demo`: what its pages are sized for by default, a projector's terminal.
pub const DEMO_WIDTH: usize = 100;
pub const DEMO_HEIGHT: usize = 30;

impl DemoArgs {
    /// The layout for a terminal of `size` (columns, rows) on stdout, if it is one;
    /// `columns` is $COLUMNS, used when stdout is not a terminal.
    pub fn layout(&self, size: Option<(u16, u16)>, columns: Option<&str>) -> DemoLayout {
        let narrower = |w: usize| w.clamp(40, DEMO_WIDTH);
        let width = match (self.width, size) {
            (Some(w), _) => usize::from(w),
            (None, Some((cols, _))) => narrower(usize::from(cols)),
            (None, None) => columns
                .and_then(|c| c.trim().parse::<usize>().ok())
                .filter(|&c| c > 0)
                .map_or(DEMO_WIDTH, narrower),
        };
        DemoLayout {
            width,
            height: size.map_or(DEMO_HEIGHT, |(_, rows)| {
                usize::from(rows).clamp(10, DEMO_HEIGHT)
            }),
            clear: size.is_some() && self.step,
        }
    }
}

/// `eavesdrop FILE` means `eavesdrop show FILE`. A first word that is no file and is
/// close to a command's name is a typo: `eavesdrop flow FILE` asks "did you mean
/// `flows`?" instead of reading `flow` as a capture.
pub fn with_default_command(args: impl Iterator<Item = OsString>) -> Result<Vec<OsString>, String> {
    let mut args: Vec<OsString> = args.collect();
    let first = args.get(1).and_then(|a| a.to_str()).unwrap_or("");
    let is_global = matches!(first, "-h" | "--help" | "-V" | "--version");
    let known = SUBCOMMANDS.contains(&first);
    if args.len() > 1 && !is_global && !known {
        let is_file = first == "-" || first.starts_with('-') || Path::new(first).exists();
        if let (false, Some(near)) = (is_file, did_you_mean(first)) {
            return Err(format!(
                "`{first}` is neither a command nor a file: did you mean `{near}`? \
                 (eavesdrop --help lists the commands)"
            ));
        }
        args.insert(1, OsString::from("show"));
    }
    Ok(args)
}

/// The command a mistyped word was probably meant to be: at most two edits away
/// (one for words of three letters or fewer), or the start of exactly one.
pub fn did_you_mean(word: &str) -> Option<&'static str> {
    let word = word.to_ascii_lowercase();
    let commands = SUBCOMMANDS.iter().copied().filter(|c| *c != "help");
    let mut best: Option<(usize, &'static str)> = None;
    for c in commands.clone() {
        let d = edit_distance(&word, c);
        let limit = if word.chars().count() <= 3 { 1 } else { 2 };
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    if let Some((_, c)) = best {
        return Some(c);
    }
    let mut starts = commands.filter(|c| word.len() >= 2 && c.starts_with(word.as_str()));
    match (starts.next(), starts.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Capture files (pcap or pcapng), read in order, each with its own summary; `-`
    /// reads standard input. The first word that is no file (and does not look like a
    /// path) starts a BPF filter; with -r, every word is the filter
    #[arg(value_name = "FILE|FILTER")]
    pub words: Vec<OsString>,

    /// Read this capture file, as tcpdump -r does (repeatable); the words after the
    /// options are then a BPF filter
    #[arg(short = 'r', value_name = "FILE")]
    pub read: Vec<PathBuf>,

    /// A BPF filter, as tcpdump takes it (`tcp port 443`); the words are then all files.
    /// Filters need the `live` feature (libpcap compiles them)
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,

    /// No closing summary on stderr (warnings and errors are still printed)
    #[arg(long)]
    pub quiet: bool,

    #[command(flatten)]
    pub display: DisplayArgs,

    /// Stop after COUNT frames (tcpdump -c)
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,

    /// Print JSON Lines (one object per frame, then the summary) instead of text;
    /// see docs/json.md
    #[arg(long)]
    pub json: bool,

    /// With --json and --keylog: include each decrypted record's plaintext (base64)
    #[arg(long, requires = "json")]
    pub json_plaintext: bool,

    #[command(flatten)]
    pub keys: KeyArgs,

    #[command(flatten)]
    pub jobs: JobsArgs,

    #[command(flatten)]
    pub limits: EngineArgs,
}

/// How packets are printed (shared by `show` and `live`). Short options bundle as
/// tcpdump's do (`-nnvvXS`, `-ttttnnr FILE`).
#[derive(Debug, Args)]
pub struct DisplayArgs {
    /// Hex and ASCII rows from the network header (-X, the default); -XX from the link
    /// header. -X wins over -x and -A, as in tcpdump
    #[arg(short = 'X', action = ArgAction::Count)]
    pub hex: u8,

    /// Hex rows without the ASCII column (tcpdump -x; -xx from the link header), each
    /// with its label mask row
    #[arg(short = 'x', action = ArgAction::Count)]
    pub hex_only: u8,

    /// The packet as text (tcpdump -A; -AA from the link header): printable characters,
    /// tabs and newlines as they are, anything else `.`; each line followed by its
    /// label mask (or coloured by label)
    #[arg(short = 'A', action = ArgAction::Count)]
    pub ascii: u8,

    /// Packet lines only, no hex rows
    #[arg(long, conflicts_with_all = ["hex", "hex_only", "ascii"])]
    pub no_hex: bool,

    /// When to use colour: auto (a terminal; honours NO_COLOR, CLICOLOR_FORCE), always, never
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// The link-level header on each line (tcpdump -e): MAC addresses, EtherType and
    /// frame length for Ethernet, the cooked header, 802.11 addresses… (addresses are
    /// labelled as the leaks they are)
    #[arg(short = 'e')]
    pub link_header: bool,

    /// More of each header, as tcpdump -v prints it: IP's TOS, TTL, id, offset, flags,
    /// protocol and length, IPv6's class, flow label and hop limit, and checksums
    /// (-vv also checks UDP over IPv4 and shows every sequence number); -vvv as -vv
    #[arg(short = 'v', action = ArgAction::Count)]
    pub verbose: u8,

    /// Quick lines (tcpdump -q): TCP as `tcp N`, less link-level detail with -e
    #[arg(short = 'q')]
    pub quick: bool,

    /// Do not verify IP, TCP, UDP and ICMP checksums at -v (tcpdump -K)
    #[arg(short = 'K', long = "dont-verify-checksums")]
    pub no_checksums: bool,

    /// Timestamps like tcpdump: -t none, -tt Unix seconds, -ttt delta to previous,
    /// -tttt date and time, -ttttt delta to first
    #[arg(short = 't', action = ArgAction::Count)]
    pub time: u8,

    /// Nanosecond timestamps (tcpdump --nano)
    #[arg(long)]
    pub nano: bool,

    /// Print frame numbers (tcpdump -#, --number)
    #[arg(short = '#', long = "number")]
    pub number: bool,

    /// Absolute TCP sequence numbers (tcpdump -S)
    #[arg(short = 'S', long = "absolute-tcp-sequence-numbers")]
    pub absolute: bool,

    /// Do not resolve addresses or ports (tcpdump -n, -nn): accepted for tcpdump
    /// habits, eavesdrop never resolves names
    #[arg(short = 'n', action = ArgAction::Count)]
    pub no_resolve: u8,

    /// Do not print notes (truncation, gaps, malformed fields) under packet lines
    #[arg(long)]
    pub no_notes: bool,

    /// Print only tcpdump's part of each packet line, without eavesdrop's description
    #[arg(long)]
    pub no_describe: bool,
}

impl DisplayArgs {
    /// The renderer's options these arguments ask for.
    pub fn show_options(&self) -> ShowOptions {
        // tcpdump: -X over -x over -A; eavesdrop shows -X rows when none is given.
        let (count, style) = match (self.hex, self.hex_only, self.ascii) {
            (x, _, _) if x > 0 => (x, DumpStyle::HexAscii),
            (_, x, _) if x > 0 => (x, DumpStyle::Hex),
            (_, _, a) if a > 0 => (a, DumpStyle::Ascii),
            _ => (1, DumpStyle::HexAscii),
        };
        ShowOptions {
            hex: match (self.no_hex, count) {
                (true, _) => HexMode::None,
                (false, 0 | 1) => HexMode::Network,
                (false, _) => HexMode::Link,
            },
            style,
            color: self.color.enabled(),
            notes: !self.no_notes,
            line: LineOptions {
                numbers: self.number,
                absolute_seq: self.absolute,
                describe: !self.no_describe,
                quick: self.quick,
                verbose: self.verbose.min(3),
                link_header: self.link_header,
                no_checksums: self.no_checksums,
            },
            width: None,
        }
    }
}

/// tcpdump's options that `show` does not take, each with what to do instead. Options
/// eavesdrop shares with tcpdump are left to clap.
const TCPDUMP_ONLY: &[(char, &str)] = &[
    (
        'i',
        "it reads files; capture live with `eavesdrop live -i IFACE`",
    ),
    (
        'w',
        "it reads captures and writes none; `eavesdrop live -w FILE` saves a live capture",
    ),
    (
        's',
        "the snap length belongs to live capture: `eavesdrop live -s SNAPLEN`",
    ),
    ('D', "list interfaces with `eavesdrop live --list`"),
    (
        'F',
        "give the filter as words after the files, or with --filter",
    ),
    (
        'V',
        "give the capture files as words (several are read in order)",
    ),
    (
        'T',
        "eavesdrop recognises protocols by content first, then by port",
    ),
    ('E', "it does not decrypt ESP"),
    ('M', "it does not verify TCP-MD5 signatures"),
    ('y', "it decodes the link type the file declares"),
    ('L', "it decodes the link type the file declares"),
    ('C', "it writes no files"),
    ('G', "it writes no files"),
    ('W', "it writes no files"),
    ('z', "it writes no files"),
    ('Z', "it drops no privileges (it needs none to read files)"),
    ('d', "compile the filter with tcpdump -d"),
    ('p', "it is a live-capture option"),
    ('I', "it is a live-capture option"),
    ('B', "it is a live-capture option"),
    ('j', "it is a live-capture option"),
    ('J', "it is a live-capture option"),
    ('Q', "it is a live-capture option"),
    (
        'l',
        "output is flushed at the end of each file; pipe through `stdbuf -oL` if needed",
    ),
    ('U', "output is flushed at the end of each file"),
    ('N', "it prints addresses, never names"),
    ('f', "it prints addresses, never names"),
    ('O', "it runs no BPF optimiser"),
    ('b', "it prints AS numbers as numbers"),
    ('H', "it does not detect 802.11s mesh headers"),
    ('u', "it does not decode NFS"),
    ('m', "it loads no SMI MIB modules"),
];

/// tcpdump's long options `show` does not take.
const TCPDUMP_ONLY_LONG: &[(&str, &str)] = &[
    ("--immediate-mode", "it is a live-capture option"),
    ("--time-stamp-type", "it is a live-capture option"),
    ("--time-stamp-precision", "use --nano for nanoseconds"),
    ("--micro", "microseconds are the default"),
    (
        "--list-interfaces",
        "list interfaces with `eavesdrop live --list`",
    ),
    ("--list-time-stamp-types", "it is a live-capture option"),
    ("--direction", "it is a live-capture option"),
    ("--interface", "capture live with `eavesdrop live -i IFACE`"),
    ("--buffer-size", "it is a live-capture option"),
    (
        "--snapshot-length",
        "the snap length belongs to `eavesdrop live -s SNAPLEN`",
    ),
    ("--monitor-mode", "it is a live-capture option"),
    ("--no-promiscuous-mode", "it is a live-capture option"),
    (
        "--relinquish-privileges",
        "it drops no privileges (it needs none to read files)",
    ),
    ("--print", "packets are always printed"),
    (
        "--packet-buffered",
        "output is flushed at the end of each file",
    ),
    ("--linktype", "it decodes the link type the file declares"),
    ("--lengths", "it is a tcpdump -w option"),
    ("--count", "use -c COUNT"),
];

/// Options of `show` that take a value (the rest of a bundle, or the next word).
const SHOW_VALUE_SHORTS: &[char] = &['r', 'c'];

/// Says which tcpdump option `show` was given that it does not support, and what to
/// use instead, before clap would call it merely unexpected. `args` are the words
/// after `show`.
pub fn unsupported_tcpdump_option(args: &[OsString]) -> Option<String> {
    let mut words = args.iter().map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            return None;
        }
        if word.starts_with("--") {
            let name = word.split('=').next().unwrap_or(&word);
            if let Some((_, why)) = TCPDUMP_ONLY_LONG.iter().find(|(n, _)| *n == name) {
                return Some(format!(
                    "tcpdump's {name} is not supported by eavesdrop show: {why}"
                ));
            }
            continue;
        }
        let Some(bundle) = word.strip_prefix('-').filter(|b| !b.is_empty()) else {
            continue;
        };
        for (i, c) in bundle.char_indices() {
            if SHOW_VALUE_SHORTS.contains(&c) {
                // The value is the rest of the bundle, or the next word.
                if bundle.len() == i + c.len_utf8() {
                    words.next();
                }
                break;
            }
            if let Some((_, why)) = TCPDUMP_ONLY.iter().find(|(o, _)| *o == c) {
                let shown = if bundle.len() > 1 {
                    format!("-{c} (in {word})")
                } else {
                    format!("-{c}")
                };
                return Some(format!(
                    "tcpdump's {shown} is not supported by eavesdrop show: {why}"
                ));
            }
        }
    }
    None
}

const LIVE_ABOUT: &str = "\
Capture on an interface (loopback by default) and show every packet as it arrives,
labelled like `show` labels a file. Needs the `live` feature (libpcap) and the right
to capture: root, or the capabilities cap_net_raw and cap_net_admin on the binary.
Ctrl-C stops: the closing summary, then libpcap's received and dropped counts.";

const LIVE_EXAMPLES: &str = "\
Examples:
  sudo eavesdrop live                        everything on loopback
  sudo eavesdrop live tcp port 1060          a BPF filter, as tcpdump takes it
  sudo eavesdrop live -i eth0 -w out.pcapng port 443   save while showing
  eavesdrop live --list                      interfaces you can capture on";

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Interface to capture on
    #[arg(
        short = 'i',
        long = "interface",
        value_name = "IFACE",
        default_value = "lo"
    )]
    pub interface: String,

    /// A BPF filter, as tcpdump takes it (`tcp port 1060`); options may follow it
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,

    /// List the interfaces libpcap can capture on, and exit
    #[arg(long)]
    pub list: bool,

    /// Stop after COUNT packets
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,

    /// Bytes captured per packet (tcpdump -s)
    #[arg(short = 's', value_name = "SNAPLEN", default_value_t = eavesdrop::capture::MAX_SNAPLEN)]
    pub snaplen: u32,

    /// Also save the capture to FILE (pcapng)
    #[arg(short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// Longest a packet waits for the rest of its message (a handshake split across
    /// segments) before it is shown anyway, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub max_hold_ms: u64,

    #[command(flatten)]
    pub display: DisplayArgs,

    #[command(flatten)]
    pub keys: KeyArgs,

    #[command(flatten)]
    pub limits: EngineArgs,
}

/// Worker threads (`show`, `flows`, `check`).
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Worker threads: several capture files are read at once, and with N above the
    /// number of files a capture's flows are shared among threads; the output is the
    /// same whatever N. Default: one per core for several files, 1 for one file (one
    /// file's reader and merger are serial, so its shards spend more CPU than they
    /// save; docs/benchmarks.md)
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
}

impl JobsArgs {
    /// The threads for `files` capture files.
    pub fn resolve(&self, files: usize) -> usize {
        let cores = || std::thread::available_parallelism().map_or(1, |n| n.get());
        match self.jobs {
            Some(n) => n.max(1),
            None if files > 1 => cores().min(files),
            None => 1,
        }
    }
}

/// The endpoints' secrets (shared by show, flows, check and live).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Decryption (the key holder's view)")]
pub struct KeyArgs {
    /// Decrypt TLS, DTLS and QUIC with the endpoints' key log (SSLKEYLOGFILE lines;
    /// repeatable). A pcapng file's Decryption Secrets Blocks are read without it. The
    /// observer's labels do not change: the plaintext is shown beside them
    #[arg(long, value_name = "FILE")]
    pub keylog: Vec<PathBuf>,

    /// A server's RSA private key (PEM; repeatable): sessions with RSA key exchange to
    /// that server decrypt without a key log
    #[arg(long, value_name = "PEM")]
    pub rsa_key: Vec<PathBuf>,
}

/// Bounds on what a capture can make eavesdrop hold (shared by every subcommand).
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub struct EngineArgs {
    /// Flows tracked at once; the least recently active are evicted beyond this
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_flows)]
    pub max_flows: usize,

    /// Unlabelled bytes buffered per stream direction before they are given up
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_stream_buffer)]
    pub max_stream_buffer: usize,

    /// Out-of-order bytes held per stream direction before a hole is declared lost
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_held_bytes)]
    pub max_held_bytes: usize,

    /// Out-of-order segments held per stream direction before a hole is declared lost
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_held_segments)]
    pub max_held_segments: usize,

    /// Out-of-order bytes held by all streams together
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_held_total)]
    pub max_held_total: usize,

    /// Frames held back waiting for classification before the oldest is shown as is
    #[arg(long, value_name = "N", default_value_t = EngineConfig::default().max_pending_frames)]
    pub max_pending_frames: usize,

    /// Bytes of IP fragments held, all datagrams together, while they wait for the rest
    #[arg(long, value_name = "BYTES", default_value_t = FragLimits::default().max_bytes)]
    pub max_fragment_bytes: usize,

    /// Seconds (capture time) a fragmented datagram may take to arrive whole
    #[arg(long, value_name = "SECS", default_value_t = FragLimits::default().timeout_secs)]
    pub fragment_timeout: i64,
}

impl EngineArgs {
    pub fn config(&self, reports: bool) -> EngineConfig {
        EngineConfig {
            limits: Limits {
                max_flows: self.max_flows.max(1),
                max_stream_buffer: self.max_stream_buffer.max(64 * 1024),
                max_held_bytes: self.max_held_bytes,
                max_held_segments: self.max_held_segments,
                max_held_total: self.max_held_total,
            },
            max_pending_frames: self.max_pending_frames.max(1),
            frag: FragLimits {
                max_bytes: self.max_fragment_bytes,
                timeout_secs: self.fragment_timeout.max(0),
                ..FragLimits::default()
            },
            reports,
        }
    }
}

const FLOWS_ABOUT: &str = "\
One entry per flow (TCP connection or UDP conversation): endpoints, packets and bytes
each way, the protocol stack as found (TCP › SMTP › STARTTLS › TLS 1.2), TLS version,
cipher, SNI, ALPN, certificate names, fingerprints (JA4, JA3, JA3S), payload bytes by
who can read them, every leak with the frame where it was first seen, the first
record sizes each way, the names an observer associates with the flow (SNI, DNS
answers, Host header, certificate) and the encrypted messages with their inferred
plaintext sizes, and a one-line verdict. Then totals and what an observer learned
from the whole capture (--summary prints only that).

Flows are printed in the order they started (--sort to choose), once the file is read:
eavesdrop keeps up to 100,000 flow reports to sort them, and past that prints the rest
as they end (closed, reset, evicted, or open at the end of the capture), with a note.
--json and --format parquet stream flows as they end, unsorted. Long lists (stacks,
certificates, leaks) show their first entries and a count; --full shows them all. Byte
counts have thousands separators.

The readable payload is split in two columns: handshake (TLS and QUIC handshakes,
readable but no content) and plaintext (application content in the clear).";

const FLOWS_EXAMPLES: &str = "\
Examples:
  eavesdrop flows captures/smtp-starttls.pcap
  eavesdrop flows --summary big.pcap                  names, software, leaks and sizes, one screen
  eavesdrop flows --brief --only readable big.pcap    one line per flow with content in clear
  eavesdrop flows --flow 10.0.0.5:443 --full big.pcap everything about one server's flows
  eavesdrop flows --sort bytes --brief big.pcap       the heaviest flows first
  eavesdrop flows --json a.pcap b.pcapng | jq 'select(.type == \"flow\") | .tls.sni'
  eavesdrop flows --format parquet -o flows.parquet *.pcap   one table for DuckDB or Spark";

#[derive(Debug, Args)]
pub struct FlowsArgs {
    /// Capture files (pcap or pcapng); `-` reads standard input
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Print JSON Lines (one object per flow as it ends, unsorted, then the summary);
    /// see docs/json.md
    #[arg(long)]
    pub json: bool,

    /// Output format (--json is --format json). Parquet is one file for all the
    /// captures: give -o, or redirect standard output (built with the `parquet` feature)
    #[arg(long, value_name = "FORMAT", conflicts_with = "json")]
    pub format: Option<OutputFormat>,

    /// Write the Parquet file (--format parquet) to OUT instead of standard output
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// One line per flow (at most 120 columns): number, transport, endpoints, stack and
    /// the verdict in a few words
    #[arg(long, conflicts_with = "json")]
    pub brief: bool,

    /// Print every entry of long lists (stacks, certificates, SANs, leaks) instead of
    /// the first few and a count
    #[arg(long, conflicts_with = "json")]
    pub full: bool,

    /// Only what an observer learned from the whole capture (names visited and how,
    /// software and fingerprints, flows with readable content or credentials, sizes of
    /// the encrypted messages), not one entry per flow
    #[arg(long, conflicts_with_all = ["json", "brief"])]
    pub summary: bool,

    /// Order of the flows: first (frame that opened them), bytes, readable, id
    #[arg(
        long,
        value_name = "ORDER",
        default_value = "first",
        conflicts_with = "json"
    )]
    pub sort: FlowSort,

    /// Only flows with: readable (content in clear), credentials, opaque (content
    /// encrypted, none readable), undecoded (repeatable, or comma-separated: any of them)
    #[arg(long, value_name = "KIND", value_delimiter = ',')]
    pub only: Vec<Only>,

    /// Only flows with this address (and port) at either end: HOST, HOST:PORT,
    /// [IPv6]:PORT (repeatable: any of them)
    #[arg(long = "flow", value_name = "HOST[:PORT]")]
    pub endpoints: Vec<EndpointMatch>,

    /// When to use colour: auto (a terminal; honours NO_COLOR, CLICOLOR_FORCE), always, never
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    /// No closing summary on stderr (warnings and errors are still printed)
    #[arg(long)]
    pub quiet: bool,

    #[command(flatten)]
    pub jobs: JobsArgs,

    #[command(flatten)]
    pub keys: KeyArgs,

    #[command(flatten)]
    pub limits: EngineArgs,
}

const HTML_ABOUT: &str = "\
Write one self-contained HTML page for the captures: it opens from disk in any browser,
loads nothing from the network, and carries no external font or script.

Per capture: the totals (captured bytes and payload per label as stacked bars, the flows
by verdict, every name an observer learned), the flows table (sortable, filtered by
verdict), a ladder diagram per flow (one arrow per packet, coloured and patterned by what
an observer could read, the encrypted part set apart), the packet list with tcpdump's
lines, and for the selected packet its hex and ASCII with every byte coloured by label;
hovering or focusing a byte shows its field (name, meaning, label, leak kind, value) and
highlights the field's bytes. Keyboard: j/k or arrows move through packets and bytes.

The page stays bounded for large captures: totals and flows always cover every frame
(flows listed up to 10,000), and the detail of at most --max-frames frames is embedded:
the first frames, and later frames that carry names or credentials in place of the last
quarter of them; the page says what it left out. Decoding, flows and limits are those of
`show` and `flows`.

Everything from the capture is shown as text, never as markup: the page's
Content-Security-Policy admits only its own script and stylesheet (by hash).";

const HTML_EXAMPLES: &str = "\
Examples:
  eavesdrop html captures/tls12-echo.pcapng -o lesson.html
  eavesdrop html a.pcap b.pcapng -o both.html         one page, a section per capture
  eavesdrop html --max-frames 20000 big.pcap > big.html
  eavesdrop demo --html lesson.html                    the three-act lesson as one page";

#[derive(Debug, Args)]
pub struct HtmlArgs {
    /// Capture files (pcap or pcapng); `-` reads standard input. Each is a section
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Write the page to OUT (default: standard output, unless it is a terminal)
    #[arg(short = 'o', long = "output", value_name = "OUT.html")]
    pub output: Option<PathBuf>,

    /// Frames whose detail (bytes, labels, fields) the page embeds, per capture
    #[arg(long, value_name = "N", default_value_t = eavesdrop::render::html::DEFAULT_MAX_FRAMES)]
    pub max_frames: usize,

    /// Say nothing on stderr but warnings and errors
    #[arg(long)]
    pub quiet: bool,

    #[command(flatten)]
    pub limits: EngineArgs,
}

impl HtmlArgs {
    pub fn options(&self) -> eavesdrop::render::html::HtmlOptions {
        eavesdrop::render::html::HtmlOptions {
            max_frames: self.max_frames,
        }
    }
}

const CHECK_ABOUT: &str = "\
Check captures against rules, for CI. Exit status: 0 when every rule holds, 1 when one
is violated (each violation is listed with its flow, frame, field and value), 2 on an
error (unreadable capture, bad policy).

Rules:
  --deny plaintext     application content readable outside a TLS or QUIC handshake
                       (commands before STARTTLS count; DNS counts)
  --deny credentials   passwords, tokens, Basic credentials, AUTH PLAIN/LOGIN, form fields
  --deny undecoded     strict: bytes nobody could classify
  --deny weak-tls      TLS whose cipher suite hides nothing or can be broken: NULL
                       encryption, anonymous key exchange, EXPORT, RC4, DES, 3DES
  --min-tls 1.2        every TLS flow negotiates at least this version
  --deny-sni PATTERN   no ClientHello names a server matching PATTERN (* and ?)
  --allow SPEC         exempt flows: PORT, PORT/tcp, PORT/udp, ADDR, ADDR:PORT
  --allow-empty        pass a capture with no packets or no flows (it fails by
                       default: nothing examined is not a pass)
  --policy FILE        the same rules in TOML: deny = [..], min_tls = \"1.2\",
                       deny_sni = [..], allow = [..], allow_empty = true

A PASS says how many payload bytes nobody could classify, and so no rule examined
(add --deny undecoded to fail on them).";

const CHECK_EXAMPLES: &str = "\
Examples:
  eavesdrop check --deny plaintext --deny credentials --min-tls 1.2 test-run.pcap
  eavesdrop check --policy ci/eavesdrop.toml --allow 53/udp --json *.pcap";

impl FlowsArgs {
    pub fn format(&self) -> OutputFormat {
        self.format.unwrap_or(OutputFormat::json_if(self.json))
    }

    pub fn filter(&self) -> FlowFilter {
        FlowFilter {
            only: self.only.clone(),
            endpoints: self.endpoints.clone(),
        }
    }

    pub fn options(&self) -> FlowsOptions {
        FlowsOptions {
            color: self.color.enabled() && self.format() == OutputFormat::Text,
            brief: self.brief,
            full: self.full,
            summary: self.summary,
            sort: self.sort,
            filter: self.filter(),
            quiet: self.quiet,
            ..FlowsOptions::default()
        }
    }
}

impl CheckArgs {
    pub fn format(&self) -> OutputFormat {
        OutputFormat::json_if(self.json)
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Capture files (pcap or pcapng); `-` reads standard input
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Deny a kind of exposure: plaintext, credentials, undecoded or weak-tls (repeatable)
    #[arg(long, value_name = "RULE")]
    pub deny: Vec<String>,

    /// The lowest TLS version a TLS flow may negotiate: 1.0, 1.1, 1.2 or 1.3
    #[arg(long, value_name = "VERSION")]
    pub min_tls: Option<String>,

    /// Fail when a ClientHello's server name matches PATTERN (* and ?; repeatable)
    #[arg(long, value_name = "PATTERN")]
    pub deny_sni: Vec<String>,

    /// Exempt flows: PORT, PORT/tcp, PORT/udp, ADDR or ADDR:PORT (repeatable)
    #[arg(long, value_name = "SPEC")]
    pub allow: Vec<String>,

    /// Pass a capture with nothing to examine (no packets, or no TCP/UDP flow); by
    /// default it fails, so a capture that caught nothing never passes a pipeline
    #[arg(long)]
    pub allow_empty: bool,

    /// A policy file (TOML) with the same rules; flags add to it
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Print JSON Lines (violation objects and one check object per file)
    #[arg(long)]
    pub json: bool,

    /// When to colour FAIL and PASS: auto (a terminal; honours NO_COLOR, CLICOLOR_FORCE),
    /// always, never
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,

    #[command(flatten)]
    pub jobs: JobsArgs,

    #[command(flatten)]
    pub keys: KeyArgs,

    #[command(flatten)]
    pub limits: EngineArgs,
}

/// The resolved, frozen configuration of `show`.
#[derive(Debug)]
pub struct ShowConfig {
    /// Captures, read in order.
    pub paths: Vec<PathBuf>,
    /// Worker threads.
    pub jobs: usize,
    /// A BPF filter expression; empty for none.
    pub filter: String,
    /// How packets are printed.
    pub show: ShowOptions,
    pub time: TimeFormat,
    pub nanos: bool,
    pub count: Option<u64>,
    pub format: OutputFormat,
    pub engine: EngineConfig,
    pub keylogs: Vec<PathBuf>,
    pub rsa_keys: Vec<PathBuf>,
    /// Decrypted plaintext is kept for the output (text, or `--json-plaintext`).
    pub plaintext: bool,
    /// No closing summary.
    pub quiet: bool,
}

/// Whether a word of `show` names a capture rather than starting a filter: `-`, an
/// existing path, or something shaped like a path (so a mistyped file name is
/// reported as a missing file, not handed to libpcap as a filter).
fn names_a_file(word: &std::ffi::OsStr) -> bool {
    let path = Path::new(word);
    let s = word.to_string_lossy().to_ascii_lowercase();
    const CAPTURES: [&str; 8] = [
        ".pcap", ".pcapng", ".cap", ".dmp", ".ntar", ".gz", ".zst", ".erf",
    ];
    s == "-"
        || path.exists()
        || s.contains(std::path::MAIN_SEPARATOR)
        || s.contains('/')
        || CAPTURES.iter().any(|e| s.ends_with(e))
}

impl ShowArgs {
    /// Splits the words into files and filter: with -r every word is the filter; with
    /// --filter every word is a file; otherwise files come first and the first word
    /// that names no file starts the filter.
    pub fn files_and_filter(&self) -> Result<(Vec<PathBuf>, String), String> {
        let words = || self.words.iter().map(|w| w.to_string_lossy().into_owned());
        let (files, filter) = if !self.read.is_empty() {
            if self.filter.is_some() && !self.words.is_empty() {
                return Err(
                    "give the filter either after -r FILE or with --filter, not both".into(),
                );
            }
            let mut files = self.read.clone();
            // `show -r a.pcap b.pcap`: a second capture, not a filter.
            let mut rest: Vec<String> = Vec::new();
            for w in &self.words {
                if rest.is_empty() && names_a_file(w) {
                    files.push(PathBuf::from(w));
                } else {
                    rest.push(w.to_string_lossy().into_owned());
                }
            }
            (files, self.filter.clone().unwrap_or_else(|| rest.join(" ")))
        } else if let Some(f) = &self.filter {
            (self.words.iter().map(PathBuf::from).collect(), f.clone())
        } else {
            let mut files = Vec::new();
            let mut at = 0;
            for (i, w) in self.words.iter().enumerate() {
                if i > 0 && !names_a_file(w) {
                    break;
                }
                files.push(PathBuf::from(w));
                at = i + 1;
            }
            (files, words().skip(at).collect::<Vec<_>>().join(" "))
        };
        if files.is_empty() {
            return Err("no capture file: give one or more FILEs (or - for standard input)".into());
        }
        Ok((files, filter))
    }

    pub fn resolve(self) -> Result<ShowConfig, String> {
        let (paths, filter) = self.files_and_filter()?;
        let d = &self.display;
        Ok(ShowConfig {
            paths,
            filter,
            show: d.show_options(),
            time: TimeFormat::from_count(d.time),
            nanos: d.nano,
            count: self.count,
            format: OutputFormat::json_if(self.json),
            engine: self.limits.config(false),
            // show reads its files one after the other: one file at a time.
            jobs: self.jobs.resolve(1),
            quiet: self.quiet,
            plaintext: !self.json || self.json_plaintext,
            keylogs: self.keys.keylog,
            rsa_keys: self.keys.rsa_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(args: &[&str]) -> DemoArgs {
        let mut argv = vec!["eavesdrop", "demo"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv).expect("parses").command {
            Command::Demo(d) => d,
            _ => unreachable!(),
        }
    }

    #[test]
    fn demo_layout_is_a_projector_unless_told_or_narrower() {
        let piped = demo(&["--step"]).layout(None, None);
        assert_eq!((piped.width, piped.height, piped.clear), (100, 30, false));
        // A wide terminal: still 100 columns and 30 rows; a small one: its size.
        let wide = demo(&["--step"]).layout(Some((200, 60)), None);
        assert_eq!((wide.width, wide.height, wide.clear), (100, 30, true));
        let small = demo(&[]).layout(Some((80, 24)), Some("200"));
        assert_eq!((small.width, small.height, small.clear), (80, 24, false));
        // $COLUMNS only when stdout is not a terminal; --width over everything.
        assert_eq!(demo(&[]).layout(None, Some("72")).width, 72);
        assert_eq!(demo(&[]).layout(None, Some("wide")).width, 100);
        assert_eq!(
            demo(&["--width", "140"]).layout(Some((90, 30)), None).width,
            140
        );
        assert!(Cli::try_parse_from(["eavesdrop", "demo", "--width", "20"]).is_err());
    }
}

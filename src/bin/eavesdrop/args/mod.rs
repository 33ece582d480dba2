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

mod check;
mod demo;
mod flows;
mod html;
mod live;
mod show;
mod tcpdump;
#[cfg(test)]
mod tests;

pub use check::CheckArgs;
pub use demo::{DemoArgs, DemoLayout};
pub use flows::FlowsArgs;
pub use html::HtmlArgs;
pub use live::LiveArgs;
pub use show::{DisplayArgs, ShowArgs, ShowConfig};
pub use tcpdump::unsupported_tcpdump_option;

use check::*;
use demo::*;
use flows::*;
use html::*;
use live::*;

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

/// Worker threads (`show`, `flows`, `check`).
#[derive(Debug, Args)]
pub struct JobsArgs {
    /// Worker threads: several capture files are read at once, and with N above the
    /// number of files a capture's flows are shared among threads; the output is the
    /// same whatever N. Default: one per core for several files, 1 for one file (each
    /// of a file's threads reads all of it: -j 2 reads one file about 1.3 times as
    /// fast for 1.5 times the CPU, and every thread holds its own flows;
    /// docs/benchmarks.md)
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
            fields: true,
            descriptions: true,
            fingerprints: true,
        }
    }

    /// [`EngineArgs::config`] with reports, for a sink that reads labels, leaks and
    /// reports, not fields or descriptions (`flows`, `check`): see
    /// [`EngineConfig::fields`] and [`EngineConfig::descriptions`].
    pub fn reports_config(&self) -> EngineConfig {
        EngineConfig {
            fields: false,
            descriptions: false,
            ..self.config(true)
        }
    }

    /// [`EngineArgs::reports_config`] for `check`, whose verdicts and output read no
    /// JA3, JA3S or JA4 ([`EngineConfig::fingerprints`]).
    pub fn check_config(&self) -> EngineConfig {
        EngineConfig {
            fingerprints: false,
            ..self.reports_config()
        }
    }
}

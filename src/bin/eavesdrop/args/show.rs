//! `eavesdrop show`: its arguments, the display options shared with `live`, and
//! their resolution into a ShowConfig.

use super::*;

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
pub(super) fn names_a_file(word: &std::ffi::OsStr) -> bool {
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

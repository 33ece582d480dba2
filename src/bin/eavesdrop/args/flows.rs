//! `eavesdrop flows`: its arguments and the filter, sort and options they resolve
//! to.

use super::*;

pub(super) const FLOWS_ABOUT: &str = "\
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

pub(super) const FLOWS_EXAMPLES: &str = "\
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

//! `eavesdrop check`: its arguments.

use super::*;

pub(super) const CHECK_ABOUT: &str = "\
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

pub(super) const CHECK_EXAMPLES: &str = "\
Examples:
  eavesdrop check --deny plaintext --deny credentials --min-tls 1.2 test-run.pcap
  eavesdrop check --policy ci/eavesdrop.toml --allow 53/udp --json *.pcap";

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

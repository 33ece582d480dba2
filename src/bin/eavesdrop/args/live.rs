//! `eavesdrop live`: its arguments.

use super::*;

pub(super) const LIVE_ABOUT: &str = "\
Capture on an interface (loopback by default) and show every packet as it arrives,
labelled like `show` labels a file. Needs the `live` feature (libpcap) and the right
to capture: root, or the capabilities cap_net_raw and cap_net_admin on the binary.
Ctrl-C stops: the closing summary, then libpcap's received and dropped counts.";

pub(super) const LIVE_EXAMPLES: &str = "\
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

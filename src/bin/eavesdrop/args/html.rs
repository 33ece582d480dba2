//! `eavesdrop html`: its arguments and the page options they resolve to.

use super::*;

pub(super) const HTML_ABOUT: &str = "\
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

pub(super) const HTML_EXAMPLES: &str = "\
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

    #[command(flatten)]
    pub jobs: JobsArgs,
}

impl HtmlArgs {
    pub fn options(&self) -> eavesdrop::render::html::HtmlOptions {
        eavesdrop::render::html::HtmlOptions {
            max_frames: self.max_frames,
        }
    }
}

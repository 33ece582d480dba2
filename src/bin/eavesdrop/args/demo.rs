//! `eavesdrop demo`: its arguments and the screen layout they resolve to.

use super::*;

pub(super) const DEMO_ABOUT: &str = "\
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

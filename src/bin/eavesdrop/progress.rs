//! A progress bar on stderr while a long capture file is read: bytes read of the file's
//! size. Only when stderr is a terminal (and never with --json or --quiet: the caller
//! decides), only for a regular file, and only once reading has taken longer than
//! [`DELAY`], so short files never flash a bar. It is erased before anything else is
//! written at the end; writes in between go through [`Suspend`], which lifts the bar
//! off the screen while they print.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Reading must take this long before the bar appears.
pub const DELAY: Duration = Duration::from_millis(400);

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: bool,
}

impl Progress {
    pub fn off() -> Progress {
        Progress {
            bar: None,
            started: Instant::now(),
            shown: false,
        }
    }

    /// A bar for reading `path` when `allowed` and the path is a regular file.
    pub fn for_file(path: &Path, allowed: bool) -> Progress {
        if !allowed || path.as_os_str() == "-" {
            return Progress::off();
        }
        let Ok(meta) = std::fs::metadata(path) else {
            return Progress::off();
        };
        if !meta.is_file() || meta.len() == 0 {
            return Progress::off();
        }
        let bar = ProgressBar::with_draw_target(Some(meta.len()), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes} of {total_bytes} ({percent}%), {eta} left",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        bar.set_prefix(format!("reading {}", eavesdrop::render::escape(&name)));
        Progress {
            bar: Some(bar),
            started: Instant::now(),
            shown: false,
        }
    }

    /// `offset` bytes of the file have been read.
    pub fn update(&mut self, offset: u64) {
        let Some(bar) = &self.bar else {
            return;
        };
        if !self.shown && self.started.elapsed() >= DELAY {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        bar.set_position(offset);
    }

    /// Erases the bar (reading is over).
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    pub fn bar(&self) -> Option<ProgressBar> {
        self.bar.clone()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A writer that lifts the progress bar off the terminal while it writes.
pub struct Suspend<W: Write> {
    inner: W,
    bar: Option<ProgressBar>,
}

impl<W: Write> Suspend<W> {
    pub fn new(inner: W, bar: Option<ProgressBar>) -> Suspend<W> {
        Suspend { inner, bar }
    }
}

impl<W: Write> Write for Suspend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.bar {
            Some(bar) if !bar.is_hidden() => bar.suspend(|| self.inner.write(buf)),
            _ => self.inner.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &self.bar {
            Some(bar) if !bar.is_hidden() => bar.suspend(|| self.inner.write_all(buf)),
            _ => self.inner.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

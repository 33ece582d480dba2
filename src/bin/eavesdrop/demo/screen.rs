//! How the demo looks on a terminal: headings, wrapped paragraphs, coloured (or
//! starred) findings, the chosen packets through `show`'s renderer, the closing table,
//! and the pause between acts. It says what it is given: words from
//! [`super::narration`], frames from [`super::analysis`].

use super::narration::{self, Table};
use eavesdrop::render::hexdump::{HexMode, ShowOptions, ShowSink};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::style::Palette;
use eavesdrop::render::time::{Clock, TimeFormat};
use eavesdrop::sink::{FrameView, Sink, Summary};
use eavesdrop::span::Label;
use std::io::{self, BufRead, Write};

/// Paragraphs wrap at this many columns, indented by two.
const WRAP: usize = 88;

pub struct Screen<W: Write> {
    out: W,
    color: bool,
    palette: Palette,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W, color: bool) -> Screen<W> {
        Screen {
            out,
            color,
            palette: Palette::new(),
        }
    }

    pub fn heading(&mut self, text: &str) -> io::Result<()> {
        if self.color {
            writeln!(self.out, "\n\x1b[1m{text}\x1b[0m\n")
        } else {
            writeln!(self.out, "\n{text}\n{}\n", "=".repeat(text.chars().count()))
        }
    }

    /// A paragraph, wrapped, then a blank line.
    pub fn say(&mut self, text: &str) -> io::Result<()> {
        let mut line = String::from(" ");
        for word in text.split_whitespace() {
            if line.chars().count() + word.chars().count() + 1 > WRAP {
                writeln!(self.out, "{line}")?;
                line = String::from(" ");
            }
            line.push(' ');
            line.push_str(word);
        }
        writeln!(self.out, "{line}\n")
    }

    /// One item of a list, in its label's colour (or starred).
    pub fn point(&mut self, label: Label, text: &str) -> io::Result<()> {
        if self.color {
            let on = String::from_utf8_lossy(self.palette.on(label)).into_owned();
            let off = String::from_utf8_lossy(&self.palette.reset).into_owned();
            writeln!(self.out, "  {on}{text}{off}")
        } else {
            writeln!(self.out, "  * {text}")
        }
    }

    pub fn blank(&mut self) -> io::Result<()> {
        writeln!(self.out)
    }

    /// Packets as `show` prints them: numbered, described, long ones shortened.
    pub fn frames(&mut self, frames: &[FrameView<'_>]) -> io::Result<()> {
        self.out.flush()?;
        let opts = ShowOptions {
            hex: HexMode::Network,
            color: self.color,
            notes: false,
            // Only some packets are shown, so sequence numbers are absolute (tcpdump -S).
            line: LineOptions {
                numbers: true,
                absolute_seq: true,
                describe: true,
            },
            elide: true,
        };
        let clock = Clock::new(TimeFormat::None, false, jiff::tz::TimeZone::UTC);
        let mut sink = ShowSink::new(&mut self.out, io::sink(), opts, clock);
        for view in frames {
            sink.frame(view)?;
        }
        // The sink flushes at the summary; the summary itself goes nowhere.
        sink.finish(&Summary::default())
    }

    /// With `step`, waits for Enter (or the end of standard input).
    pub fn wait(&mut self, step: bool) -> io::Result<()> {
        if step {
            write!(self.out, "  {}", narration::PROMPT)?;
            self.out.flush()?;
            let mut line = String::new();
            io::stdin().lock().read_line(&mut line)?;
        }
        Ok(())
    }

    /// The table, columns aligned, then a blank line.
    pub fn table(&mut self, table: &Table) -> io::Result<()> {
        let width0 = table
            .rows
            .iter()
            .map(|(h, _)| h.chars().count())
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, title)| {
                table
                    .rows
                    .iter()
                    .map(|(_, v)| v.get(i).map_or(0, |s| s.chars().count()))
                    .chain(std::iter::once(title.len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut head = format!("  {:width0$}", "");
        for (title, w) in table.columns.iter().zip(&widths) {
            head.push_str(&format!("  {title:w$}"));
        }
        writeln!(self.out, "{}", head.trim_end())?;
        for (name, values) in &table.rows {
            let mut line = format!("  {name:width0$}");
            for (v, w) in values.iter().zip(&widths) {
                line.push_str(&format!("  {v:w$}"));
            }
            writeln!(self.out, "{}", line.trim_end())?;
        }
        writeln!(self.out)
    }
}

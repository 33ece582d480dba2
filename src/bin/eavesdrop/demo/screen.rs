//! How the demo looks on a terminal: pages (the opening, one per act, the closing
//! table), each starting with its heading — on a cleared screen when stepping through
//! them on a terminal — with wrapped paragraphs, coloured (or starred) findings, the
//! chosen packets through `show`'s renderer, and the pause between pages. It says what
//! it is given: words from [`super::narration`], frames and marks from
//! [`super::analysis`].
//!
//! Layout: no line passes [`DemoLayout::width`] columns (hex rows aside, 74 columns,
//! never cut; packet lines are cut with `…`, paragraphs, findings and table cells
//! wrap), and an act's page, prompt included, fits in [`DemoLayout::height`] rows:
//! the hex rows get what room the words leave ([`super::page`]). Every styled span
//! ends with a reset before its line ends.

use super::analysis::Analysis;
use super::narration::Table;
use super::page::{self, Rows};
use crate::args::DemoLayout;
use eavesdrop::render::hexdump::{hex_span, DumpStyle, HexMode, ShowOptions, ShowSink};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::style::Palette;
use eavesdrop::render::time::{Clock, TimeFormat};
use eavesdrop::sink::{Sink, Summary};
use eavesdrop::span::Label;
use std::io::{self, BufRead, Write};

/// Paragraphs wrap at this many columns at most, indented by two.
const WRAP: usize = 88;

/// Clear the screen, cursor home.
const CLEAR: &str = "\x1b[2J\x1b[H";

pub struct Screen<W: Write> {
    out: W,
    /// The page so far (written out at each pause and at the end).
    buf: Vec<u8>,
    /// Where the current page starts in `buf`.
    page: usize,
    color: bool,
    layout: DemoLayout,
    palette: Palette,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W, color: bool, layout: DemoLayout) -> Screen<W> {
        Screen {
            out,
            buf: Vec::new(),
            page: 0,
            color,
            layout,
            palette: Palette::new(),
        }
    }

    /// Starts a page with its heading.
    pub fn page(&mut self, heading: &str) -> io::Result<()> {
        if self.layout.clear {
            self.buf.extend_from_slice(CLEAR.as_bytes());
            self.page = self.buf.len();
        } else {
            // A blank line between pages; the page itself starts after it.
            self.buf.push(b'\n');
            self.page = self.buf.len();
        }
        let heading = cut(heading, self.layout.width);
        if self.color {
            writeln!(self.buf, "\x1b[1m{heading}\x1b[0m\n")
        } else {
            let rule = "=".repeat(heading.chars().count());
            writeln!(self.buf, "{heading}\n{rule}\n")
        }
    }

    /// Lines on the page so far.
    fn lines(&self) -> usize {
        self.buf
            .get(self.page..)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
    }

    /// A paragraph, wrapped, then a blank line.
    pub fn say(&mut self, text: &str) -> io::Result<()> {
        let width = self.layout.width.min(WRAP) - 2;
        for line in wrap(text, width) {
            writeln!(self.buf, "  {line}")?;
        }
        writeln!(self.buf)
    }

    /// A list item's lines: in its label's colour, or starred; continued lines
    /// indented under its text.
    fn point_lines(&self, label: Label, text: &str) -> Vec<String> {
        let indent = if self.color { 2 } else { 4 };
        let width = self.layout.width.saturating_sub(indent).max(20);
        let on = String::from_utf8_lossy(self.palette.on(label)).into_owned();
        let off = String::from_utf8_lossy(&self.palette.reset).into_owned();
        wrap(text, width)
            .into_iter()
            .enumerate()
            .map(|(i, line)| match (self.color, i) {
                (true, _) => format!("  {on}{line}{off}"),
                (false, 0) => format!("  * {line}"),
                (false, _) => format!("    {line}"),
            })
            .collect()
    }

    /// Lines that `points` take.
    pub fn points_height(&self, points: &[(Label, String)]) -> usize {
        points
            .iter()
            .map(|(label, text)| self.point_lines(*label, text).len())
            .sum()
    }

    pub fn points(&mut self, points: &[(Label, String)]) -> io::Result<()> {
        for (label, text) in points {
            for line in self.point_lines(*label, text) {
                writeln!(self.buf, "{line}")?;
            }
        }
        Ok(())
    }

    pub fn blank(&mut self) -> io::Result<()> {
        writeln!(self.buf)
    }

    /// The act's packets as `show` prints them, numbered, with short lines and the
    /// hex rows that fit on the page with `after` lines still to come.
    pub fn frames(&mut self, act: &Analysis, after: usize) -> io::Result<()> {
        const HEX: HexMode = HexMode::Network;
        let views = act.shown();
        let rows: Vec<Rows> = views
            .iter()
            .map(|v| {
                let (start, count) = hex_span(v, HEX).unwrap_or((0, 0));
                Rows {
                    frame: v.frame.number,
                    start,
                    count,
                }
            })
            .collect();
        // The legend and a line per packet.
        let fixed = self.lines() + 1 + views.len() + after;
        let budget = self.layout.height.saturating_sub(fixed);
        let keep = page::choose(&rows, &act.marks, budget, self.color);
        let opts = ShowOptions {
            hex: HEX,
            style: DumpStyle::HexAscii,
            color: self.color,
            notes: false,
            // Only some packets are shown, so sequence numbers are absolute (tcpdump -S).
            line: LineOptions {
                numbers: true,
                absolute_seq: true,
                describe: true,
                quick: true,
                ..LineOptions::default()
            },
            width: Some(self.layout.width),
        };
        let clock = Clock::new(TimeFormat::None, false, jiff::tz::TimeZone::UTC);
        let mut sink = ShowSink::new(&mut self.buf, io::sink(), opts, clock);
        for (view, keep) in views.iter().zip(&keep) {
            sink.frame_rows(view, keep)?;
        }
        // The sink flushes at the summary; the summary itself goes nowhere.
        sink.finish(&Summary::default())
    }

    /// Writes out the page so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.page = 0;
        self.out.flush()
    }

    /// With `step`, shows `prompt` and waits for Enter (or the end of standard input).
    pub fn wait(&mut self, step: bool, prompt: &str) -> io::Result<()> {
        if step {
            write!(self.buf, "  {prompt}")?;
            self.flush()?;
            let mut line = String::new();
            io::stdin().lock().read_line(&mut line)?;
        }
        Ok(())
    }

    /// The table, columns aligned and cells wrapped to fit the width, then a blank line.
    pub fn table(&mut self, table: &Table) -> io::Result<()> {
        let mut columns: Vec<Vec<&str>> = vec![table.rows.iter().map(|(name, _)| *name).collect()];
        for (i, title) in table.columns.iter().enumerate() {
            let mut cells = vec![*title];
            cells.extend(
                table
                    .rows
                    .iter()
                    .map(|(_, v)| v.get(i).map_or("", |s| s.as_str())),
            );
            columns.push(cells);
        }
        // Each column as wide as its widest line once wrapped.
        let widths: Vec<usize> = fit_columns(&columns, self.layout.width)
            .into_iter()
            .zip(&columns)
            .map(|(w, cells)| {
                cells
                    .iter()
                    .flat_map(|c| wrap(c, w))
                    .map(|l| l.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // The header row has no name; each row below has one.
        let mut head = vec![String::new()];
        head.extend(table.columns.iter().map(|t| t.to_string()));
        self.table_row(&head, &widths)?;
        for (name, values) in &table.rows {
            let mut cells = vec![name.to_string()];
            cells.extend(values.iter().cloned());
            self.table_row(&cells, &widths)?;
        }
        writeln!(self.buf)
    }

    fn table_row(&mut self, cells: &[String], widths: &[usize]) -> io::Result<()> {
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(widths).map(|(c, &w)| wrap(c, w)).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for i in 0..height {
            let mut line = String::from(" ");
            for (cell, &w) in wrapped.iter().zip(widths) {
                let text = cell.get(i).map_or("", String::as_str);
                line.push_str(&format!(" {text:w$} "));
            }
            writeln!(self.buf, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Column widths for `columns` (each a list of cells, the first column the row
/// names) laid out as two spaces, then each column and two spaces between, within
/// `width`: the widest column of values gives way first, down to its longest word;
/// then the row names, down to theirs; cells wrap ([`wrap`]).
fn fit_columns(columns: &[Vec<&str>], width: usize) -> Vec<usize> {
    let chars = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = columns
        .iter()
        .map(|c| c.iter().map(|s| chars(s)).max().unwrap_or(0))
        .collect();
    let floors: Vec<usize> = columns
        .iter()
        .map(|c| {
            c.iter()
                .flat_map(|s| s.split_whitespace())
                .map(chars)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len();
    while total(&widths) > width {
        // Widest value column above its floor, else the names, else anything above 4.
        let shrink = (1..widths.len())
            .filter(|&i| widths[i] > floors[i])
            .max_by_key(|&i| (widths[i], i))
            .or_else(|| {
                (widths.first().zip(floors.first())).and_then(|(w, f)| (w > f).then_some(0))
            })
            .or_else(|| {
                (0..widths.len())
                    .filter(|&i| widths[i] > 4)
                    .max_by_key(|&i| widths[i])
            });
        match shrink {
            Some(i) => widths[i] -= 1,
            None => break,
        }
    }
    widths
}

/// `text` in lines of at most `width` characters, broken between words; a word
/// longer than a line is broken where the line ends.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        while word.len() > width {
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.extend(&word);
        len += word.len();
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut to `width` characters, the last one `…`.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_between_words_and_inside_long_ones() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("é é é", 3), ["é é", "é"]);
    }

    #[test]
    fn the_widest_values_give_way_first_down_to_their_longest_word() {
        let columns = vec![
            vec!["", "addresses and ports", "certificate names"],
            vec!["plaintext", "readable", "-"],
            vec![
                "TLS 1.2",
                "readable",
                "CN=localhost (issuer CN=Eavesdrop Teaching CA)",
            ],
        ];
        // 2 + 19 + 2 + 9 + 2 + 46 = 80.
        assert_eq!(fit_columns(&columns, 80), [19, 9, 46]);
        assert_eq!(fit_columns(&columns, 60), [19, 9, 26]);
        // The values at their longest word (12); then the names give way.
        assert_eq!(fit_columns(&columns, 44), [17, 9, 12]);
    }
}

//! `eavesdrop show`: tcpdump's packet line, eavesdrop's notes, and `tcpdump -X` hex
//! rows with every byte labelled — by colour, or by a mask row under each hex row.
//!
//! Hex rows are tcpdump's exactly (`\t0x0000:  4500 0034 …  E..4…`), from the
//! network header (`-X`) or the link header (`-XX`). The mask row puts one symbol per
//! byte under both of the byte's hex digits and under its ASCII character.
//! This is the hot path: each row is written in place into one large output buffer
//! (a template copied, then its digits and ASCII column filled in, several bytes per
//! store); a row whose 16 bytes share one label copies a prebuilt mask row.
//!
//! The demo shows chosen rows only ([`ShowSink::frame_rows`], each run left out
//! becoming one `… N more rows …` line; [`hex_lines`] says how many lines that takes)
//! and cuts packet lines at its width ([`ShowOptions::width`]).

use super::line::{LineOptions, LineWriter};
use super::style::{mask_symbol, Palette};
use super::summary::write_summary;
use super::time::Clock;
use crate::note::Severity;
use crate::sink::Summary;
use crate::sink::{FrameContext, FrameView, FrameWorker, Merged, ParallelSink, Sink};
use crate::span::{Label, Run};
use std::io::{self, Write};

mod rows;

/// Which bytes the hex rows show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HexMode {
    /// No hex rows.
    None,
    /// From the network-layer header, like `tcpdump -X`.
    #[default]
    Network,
    /// The whole frame, like `tcpdump -XX`.
    Link,
}

/// How the bytes are shown (tcpdump's -X, -x and -A; -X wins over -x, -x over -A).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DumpStyle {
    /// Hex and ASCII columns, `tcpdump -X`.
    #[default]
    HexAscii,
    /// Hex only, `tcpdump -x`.
    Hex,
    /// The bytes as text, `tcpdump -A`: printable characters, tabs and newlines as
    /// themselves, anything else as `.`.
    Ascii,
}

#[derive(Clone, Copy, Debug)]
pub struct ShowOptions {
    /// Which bytes are shown (none, from the network header, the whole frame).
    pub hex: HexMode,
    /// How they are shown.
    pub style: DumpStyle,
    pub color: bool,
    pub notes: bool,
    pub line: LineOptions,
    /// Cut packet lines (and the legend) at this many columns, ending them with `…`.
    /// For the demo; hex rows are never cut.
    pub width: Option<usize>,
}

/// Lines that hex rows take when only the rows in `keep` are shown (as
/// [`ShowSink::frame_rows`] writes them): a row is one line with colour, two
/// without (the row and its mask), and each run of rows left out is one `…` line.
/// With no row kept, there are none.
pub fn hex_lines(color: bool, keep: &[bool]) -> usize {
    if !keep.contains(&true) {
        return 0;
    }
    let per_row = if color { 1 } else { 2 };
    let mut lines = 0;
    let mut hiding = false;
    for &k in keep {
        if k {
            lines += per_row;
        } else if !hiding {
            lines += 1;
        }
        hiding = !k;
    }
    lines
}

/// Where a frame's hex rows start (a frame offset) and how many there are, in `mode`;
/// `None` when the frame shows none.
pub fn hex_span(view: &FrameView<'_>, mode: HexMode) -> Option<(u32, usize)> {
    let start = match mode {
        HexMode::None => return None,
        HexMode::Network => view.decoded.net_offset,
        HexMode::Link => 0,
    };
    if view.decoded.invalid_header.is_some() {
        return None;
    }
    let len = view.frame.data.len().checked_sub(start as usize)?;
    (len > 0).then_some((start, len.div_ceil(16)))
}

/// Cuts `buf[from..]` (UTF-8 text, no newline) to `width` characters, the last one `…`.
fn cut_line(buf: &mut Vec<u8>, from: usize, width: usize) {
    let Some(text) = buf.get(from..).and_then(|b| std::str::from_utf8(b).ok()) else {
        return;
    };
    if text.chars().count() <= width {
        return;
    }
    let keep = text
        .char_indices()
        .nth(width.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    buf.truncate(from + keep);
    buf.extend_from_slice("…".as_bytes());
}

const FLUSH_AT: usize = 256 * 1024;

use crate::text::HEX;

/// tcpdump's ASCII column: graphic characters as themselves, anything else as `.`.
static ASCII: [u8; 256] = {
    let mut t = [b'.'; 256];
    let mut i = 0x21;
    while i < 0x7f {
        t[i] = i as u8;
        i += 1;
    }
    t
};

/// Bytes of a hex row after its offset prefix: 40 hex, 2 spaces, 16 ASCII, newline.
const ROW: usize = 40 + 2 + 16 + 1;

/// Bytes of a full row at an offset below 0x10000 (and of its mask row): `\t0x`, four
/// digits, `: `, 40 hex, 2 spaces, 16 ASCII, newline.
const ROW_BYTES: usize = 68;

/// What every full row at an offset below 0x10000 has in common: `\t0x`, `:`, the
/// spaces between the columns, the newline.
const ROW_TEMPLATE: [u8; 68] = {
    let mut r = [b' '; 68];
    r[0] = b'\t';
    r[1] = b'0';
    r[2] = b'x';
    r[7] = b':';
    r[67] = b'\n';
    r
};

/// The mask row of a full row before its symbols are filled in.
const MASK_TEMPLATE: [u8; 68] = {
    let mut r = [b' '; 68];
    r[0] = b'\t';
    r[67] = b'\n';
    r
};

/// [`HEX`] as big-endian 16-bit words, for writing a group of digits in one store.
static HEX_WORD: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = u16::from_be_bytes(HEX[i]);
        i += 1;
    }
    t
};

/// Fills in a full 16-byte `tcpdump -X` row at an offset below 0x10000 over `r`, a
/// copy of [`ROW_TEMPLATE`] (written where it goes: no row is built elsewhere and
/// copied). A group of four digits is one store, the ASCII column two
/// ([`ascii_column`]): a row is a dozen stores, not 52.
fn full_row(r: &mut [u8; 68], off: usize, chunk: &[u8; 16]) {
    r[3..5].copy_from_slice(&HEX[(off >> 8) & 0xff]);
    r[5..7].copy_from_slice(&HEX[off & 0xff]);
    for (g, pair) in chunk.chunks_exact(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        let group = u32::from(HEX_WORD[a as usize]) << 16 | u32::from(HEX_WORD[b as usize]);
        let at = 10 + g * 5;
        r[at..at + 4].copy_from_slice(&group.to_be_bytes());
    }
    let (first, second) = chunk.split_at(8);
    for (half, bytes) in [first, second].into_iter().enumerate() {
        if let Ok(bytes) = <[u8; 8]>::try_from(bytes) {
            let at = 51 + half * 8;
            r[at..at + 8].copy_from_slice(&ascii_column(u64::from_ne_bytes(bytes)).to_ne_bytes());
        }
    }
}

/// tcpdump's ASCII column for eight bytes at once: graphic characters (0x21 to 0x7e)
/// as themselves, anything else `.`.
fn ascii_column(x: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low7 = x & !HIGH;
    // A lane's top bit set when its low seven bits are at least 0x21, or are 0x7f.
    let from_21 = (low7 + 0x5f * ONES) & HIGH;
    let is_7f = (low7 + ONES) & HIGH;
    let graphic = from_21 & !is_7f & !(x & HIGH);
    let keep = (graphic >> 7) * 0xff;
    (x & keep) | ((b'.' as u64 * ONES) & !keep)
}

/// The mask row of a full row whose 16 bytes share one label.
fn mask_template(label: Label) -> [u8; 68] {
    let sym = mask_symbol(label);
    let mut t = MASK_TEMPLATE;
    for p in 0..8 {
        t[10 + p * 5..14 + p * 5].fill(sym);
    }
    t[51..67].fill(sym);
    t
}

pub struct ShowSink<W: Write, E: Write> {
    out: W,
    err: E,
    buf: Vec<u8>,
    line: LineWriter,
    opts: ShowOptions,
    palette: Palette,
    legend_done: bool,
    /// Per-row labels scratch.
    labels: [Label; 16],
    mask_templates: [[u8; 68]; Label::COUNT],
    /// Write the closing summary on stderr (`--quiet` turns it off).
    summary: bool,
}

impl<W: Write, E: Write> ShowSink<W, E> {
    /// No closing summary on stderr (`--quiet`); warnings still go there.
    pub fn without_summary(mut self) -> ShowSink<W, E> {
        self.summary = false;
        self
    }

    pub fn new(out: W, err: E, opts: ShowOptions, clock: Clock) -> ShowSink<W, E> {
        ShowSink {
            out,
            err,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            line: LineWriter::new(opts.line, clock),
            opts,
            palette: Palette::new(),
            legend_done: false,
            labels: [Label::Undecoded; 16],
            mask_templates: Label::ALL.map(mask_template),
            summary: true,
        }
    }

    pub fn into_inner(self) -> (W, E) {
        (self.out, self.err)
    }

    /// Writes out what is buffered (live capture shows each packet as it comes).
    pub fn flush(&mut self) -> io::Result<()> {
        self.flush_buf()?;
        self.out.flush()
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn legend(&mut self) {
        self.legend_done = true;
        if self.opts.hex == HexMode::None {
            return;
        }
        let b = &mut self.buf;
        b.extend_from_slice(b"legend:");
        // Columns written, escapes aside.
        let mut shown = "legend:".len();
        for label in Label::ALL {
            b.push(b' ');
            let word = label.word();
            if self.opts.color {
                b.extend_from_slice(self.palette.on(label));
                b.extend_from_slice(word.as_bytes());
                b.extend_from_slice(&self.palette.reset);
                shown += 1 + word.len();
            } else {
                b.push(mask_symbol(label));
                b.push(b' ');
                b.extend_from_slice(word.as_bytes());
                shown += 3 + word.len();
            }
            if label != Label::Undecoded {
                b.push(b',');
                shown += 1;
            }
        }
        const WHY: &str = "  (leak: addresses, ports, names an observer reads)";
        // Where lines are cut, the explanation goes rather than be cut.
        if self.opts.width.is_none_or(|w| shown + WHY.len() <= w) {
            b.extend_from_slice(WHY.as_bytes());
        }
        b.push(b'\n');
    }

    fn notes(&mut self, view: &FrameView<'_>) {
        for note in &view.decoded.notes {
            let (tag, style): (&[u8], &[u8]) = match note.severity {
                Severity::Note => (b"note", &self.palette.dim),
                Severity::Warn => (b"warn", &self.palette.warn),
                Severity::Error => (b"error", &self.palette.error),
            };
            let b = &mut self.buf;
            b.extend_from_slice(b"\t");
            if self.opts.color {
                b.extend_from_slice(style);
            }
            b.push(b'(');
            b.extend_from_slice(tag);
            b.extend_from_slice(b") ");
            b.extend_from_slice(note.group.name().as_bytes());
            b.extend_from_slice(b": ");
            b.extend_from_slice(super::escape(&note.text).as_bytes());
            if self.opts.color {
                b.extend_from_slice(&self.palette.reset);
            }
            b.push(b'\n');
        }
    }
}

impl<W: Write, E: Write> ShowSink<W, E> {
    /// A frame with only some of its hex rows: row `i` (bytes `16i..16i+16` from where
    /// [`hex_span`] starts) is shown when `keep[i]`; none when none is. For the demo's
    /// pages.
    pub fn frame_rows(&mut self, view: &FrameView<'_>, keep: &[bool]) -> io::Result<()> {
        self.write_frame(view, Some(keep))
    }

    fn write_frame(&mut self, view: &FrameView<'_>, keep: Option<&[bool]>) -> io::Result<()> {
        if !self.legend_done {
            self.legend();
        }
        self.render(view, keep);
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Appends a frame's line, notes and hex rows to the buffer.
    fn render(&mut self, view: &FrameView<'_>, keep: Option<&[bool]>) {
        let line_start = self.buf.len();
        self.line.write(&mut self.buf, view);
        if let Some(width) = self.opts.width {
            cut_line(&mut self.buf, line_start, width);
        }
        self.buf.push(b'\n');
        if self.opts.notes {
            self.notes(view);
        }
        if let Some((start, _)) = hex_span(view, self.opts.hex) {
            if let Some(bytes) = view.frame.data.get(start as usize..) {
                match (keep, self.opts.style) {
                    (Some(keep), _) => self.hex_kept(bytes, start, view.map.runs(), keep),
                    (None, DumpStyle::Ascii) => self.ascii(bytes, start, view.map.runs()),
                    (None, DumpStyle::HexAscii) if !self.opts.color => {
                        self.hex_masked(bytes, start, view.map.runs())
                    }
                    (None, _) => self.hex(bytes, start, view.map.runs(), 0),
                }
            }
        }
        if self.opts.hex != HexMode::None && keep.is_none() {
            self.decrypted_rows(view);
        }
    }
}

/// A worker of `-j N` for `show`: renders each frame of its shard into text, which the
/// merging thread writes in capture order.
pub struct ShowWorker {
    render: ShowSink<io::Sink, io::Sink>,
}

impl FrameWorker for ShowWorker {
    type Part = Vec<u8>;
    fn frame(&mut self, view: &FrameView<'_>, context: &FrameContext, part: &mut Vec<u8>) {
        part.clear();
        std::mem::swap(&mut self.render.buf, part);
        self.render.line.resume(context);
        self.render.render(view, None);
        std::mem::swap(&mut self.render.buf, part);
        // Parts go round (worker, merger, worker) and are kept for reuse: one that once
        // held a 64 KiB frame's rows must not keep that room for a small one.
        if part.capacity() > 64 * 1024 && part.capacity() > 4 * part.len() {
            part.shrink_to_fit();
        }
    }
}

impl<W: Write, E: Write> ParallelSink for ShowSink<W, E> {
    type Worker = ShowWorker;
    fn worker(&self) -> ShowWorker {
        let render = ShowSink {
            out: io::sink(),
            err: io::sink(),
            buf: Vec::new(),
            line: self.line.fresh(),
            opts: self.opts,
            palette: Palette::new(),
            legend_done: true,
            labels: [Label::Undecoded; 16],
            mask_templates: Label::ALL.map(mask_template),
            summary: false,
        };
        ShowWorker { render }
    }

    fn merged(&mut self, part: &mut Vec<u8>, _frame: &Merged) -> io::Result<()> {
        if !self.legend_done {
            self.legend();
        }
        self.buf.extend_from_slice(part);
        if self.buf.len() >= FLUSH_AT {
            self.flush_buf()?;
        }
        Ok(())
    }
}

impl<W: Write, E: Write> Sink for ShowSink<W, E> {
    fn frame(&mut self, view: &FrameView<'_>) -> io::Result<()> {
        self.write_frame(view, None)
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        // Keep stdout and stderr in order on a terminal.
        self.flush_buf()?;
        self.out.flush()?;
        writeln!(self.err, "eavesdrop: warning: {}", super::escape(text))
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.flush_buf()?;
        self.out.flush()?;
        if !self.summary {
            return Ok(());
        }
        let mut text = Vec::new();
        write_summary(&mut text, summary, self.opts.color.then_some(&self.palette));
        self.err.write_all(&text)?;
        self.err.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lines_count_rows_and_one_line_per_run_left_out() {
        let (y, n) = (true, false);
        assert_eq!(hex_lines(true, &[y, y, y]), 3);
        assert_eq!(hex_lines(false, &[y, y, y]), 6);
        assert_eq!(hex_lines(true, &[n, n, y, n, y, n, n]), 5);
        assert_eq!(hex_lines(false, &[n, y, y, n]), 6);
        assert_eq!(hex_lines(true, &[n, n]), 0);
        assert_eq!(hex_lines(true, &[]), 0);
    }

    /// The frame's full rows written in place from blocks of templates
    /// (`hex_masked`) against the row-by-row path every other row takes (`hex`).
    #[test]
    fn masked_rows_in_place_read_as_the_row_by_row_path() {
        let opts = ShowOptions {
            hex: HexMode::Network,
            style: DumpStyle::HexAscii,
            color: false,
            notes: false,
            line: LineOptions::default(),
            width: None,
        };
        let clock = || {
            Clock::new(
                crate::render::time::TimeFormat::None,
                false,
                jiff::tz::TimeZone::UTC,
            )
        };
        let mut x: u32 = 0x9e37_79b9;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for len in [
            0usize, 1, 15, 16, 17, 31, 32, 100, 128, 129, 143, 144, 200, 1514, 70_000,
        ] {
            for start in [0u32, 14] {
                if start as usize > len {
                    continue;
                }
                let frame: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                // Long runs (rows of one label) and short ones (rows of several).
                let mut runs = Vec::new();
                let mut pos = 0u32;
                while (pos as usize) < len {
                    let n = if next() % 3 == 0 {
                        next() % 5 + 1
                    } else {
                        next() % 90 + 1
                    };
                    let end = (pos + n).min(len as u32);
                    let label = Label::ALL[(next() % 5) as usize];
                    runs.push(Run {
                        start: pos,
                        end,
                        label,
                    });
                    pos = end;
                }
                let data = &frame[start as usize..];
                let mut a = ShowSink::new(Vec::new(), Vec::new(), opts, clock());
                a.hex_masked(data, start, &runs);
                let mut b = ShowSink::new(Vec::new(), Vec::new(), opts, clock());
                b.hex(data, start, &runs, 0);
                assert!(a.buf == b.buf, "len {len}, start {start}");
            }
        }
    }

    #[test]
    fn full_rows_match_the_tables() {
        let mut chunk = [0u8; 16];
        for start in (0..=255u8).step_by(16) {
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = start.wrapping_add(i as u8 * 17);
            }
            let mut r = ROW_TEMPLATE;
            full_row(&mut r, 0x12ab, &chunk);
            let mut want = b"\t0x12ab: ".to_vec();
            for pair in chunk.chunks(2) {
                want.push(b' ');
                for b in pair {
                    want.extend_from_slice(&HEX[*b as usize]);
                }
            }
            want.extend_from_slice(b"  ");
            want.extend(chunk.iter().map(|b| ASCII[*b as usize]));
            want.push(b'\n');
            assert_eq!(crate::text::lossy(&r), crate::text::lossy(&want));
        }
    }

    #[test]
    fn cut_line_counts_characters_and_ends_with_an_ellipsis() {
        let mut b = b"> abc\xc3\xa9def".to_vec();
        cut_line(&mut b, 2, 4);
        assert_eq!(String::from_utf8(b).unwrap(), "> abc\u{2026}");
        let mut b = "> abcdé".as_bytes().to_vec();
        cut_line(&mut b, 2, 5);
        assert_eq!(String::from_utf8(b).unwrap(), "> abcdé");
    }
}

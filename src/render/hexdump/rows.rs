//! The rows of a frame's dump: hex and ASCII with their labels (a mask row, or colour),
//! rows left out, decrypted rows and key lines.

use super::*;

impl<W: Write, E: Write> ShowSink<W, E> {
    /// Hex rows of `data` (frame offset `start`), only those in `keep`; each run of
    /// rows left out becomes one `…` line. With no row kept, nothing.
    pub(super) fn hex_kept(&mut self, data: &[u8], start: u32, runs: &[Run], keep: &[bool]) {
        if !keep.contains(&true) {
            return;
        }
        let mut hidden = 0usize;
        for (row, chunk) in data.chunks(16).enumerate() {
            if keep.get(row).copied().unwrap_or(false) {
                if hidden > 0 {
                    self.elided_line(hidden);
                    hidden = 0;
                }
                self.hex(chunk, start + (row * 16) as u32, runs, row * 16);
            } else {
                hidden += 1;
            }
        }
        if hidden > 0 {
            self.elided_line(hidden);
        }
    }

    pub(super) fn elided_line(&mut self, rows: usize) {
        let text = format!(
            "\t         … {rows} more row{} …",
            if rows == 1 { "" } else { "s" }
        );
        // The style closes before the newline: every line ends in the default style.
        if self.opts.color {
            self.buf.extend_from_slice(&self.palette.dim);
            self.buf.extend_from_slice(text.as_bytes());
            self.buf.extend_from_slice(&self.palette.reset);
        } else {
            self.buf.extend_from_slice(text.as_bytes());
        }
        self.buf.push(b'\n');
    }

    /// `tcpdump -X` rows with their mask rows (no colour), as [`Self::hex`] writes
    /// them, for a whole frame: full rows at offsets below 0x10000 (nearly all) are
    /// written here without the general path's per-row choices; the rest go there.
    /// Their room (a row and its mask row, 136 bytes each) is appended eight rows'
    /// templates at a time ([`ROW_BLOCK`]) and filled in place: appended piece by
    /// piece, every row paid for two capacity checks, two length updates and two
    /// look-ups of what it had just appended.
    pub(super) fn hex_masked(&mut self, data: &[u8], start: u32, runs: &[Run]) {
        let rows = (data.len() / 16).min(0x10000 / 16);
        let at = self.buf.len();
        self.buf.reserve(rows * 2 * ROW_BYTES);
        // Eight rows' templates at a time (zeroing the room instead was a `memset` of
        // `rep stosb`, which callgrind counts byte by byte: +19%).
        for _ in 0..rows / BLOCK_ROWS {
            self.buf.extend_from_slice(&ROW_BLOCK);
        }
        let rest = (rows % BLOCK_ROWS) * 2 * ROW_BYTES;
        self.buf
            .extend_from_slice(ROW_BLOCK.get(..rest).unwrap_or_default());
        let mut run_i = runs.partition_point(|r| r.end <= start);
        let ShowSink {
            buf,
            labels,
            mask_templates,
            ..
        } = self;
        let room = buf.get_mut(at..).unwrap_or_default();
        for (i, (chunk, out)) in data
            .chunks_exact(16)
            .zip(room.chunks_exact_mut(2 * ROW_BYTES))
            .enumerate()
        {
            let (Ok(full), Some((row, mask))) = (
                <&[u8; 16]>::try_from(chunk),
                out.split_first_chunk_mut::<ROW_BYTES>(),
            ) else {
                break;
            };
            let Ok(mask) = <&mut [u8; ROW_BYTES]>::try_from(mask) else {
                break;
            };
            let done = i * 16;
            let first = start + done as u32;
            while runs.get(run_i).is_some_and(|r| r.end <= first) {
                run_i += 1;
            }
            full_row(row, done, full);
            match runs.get(run_i) {
                Some(r) if r.start <= first && r.end >= first + 16 => {
                    if let Some(t) = mask_templates.get(r.label.index()) {
                        *mask = *t;
                    }
                }
                _ => {
                    let mut j = run_i;
                    row_labels(labels, runs, &mut j, first, 16);
                    mixed_mask_into(mask, labels);
                }
            }
        }
        let done = rows * 16;
        if let Some(rest) = data.get(done..).filter(|r| !r.is_empty()) {
            self.hex(rest, start + done as u32, runs, done);
        }
    }

    /// A full row at an offset below 0x10000, in fixed-size arrays the compiler can
    /// unroll, written where it goes, then its mask row: one label for all 16 bytes
    /// (`uniform`), else those in `self.labels`. Always inlined: it runs once per row of
    /// the dump, and as a call it cost 1.5% of `show`.
    #[inline(always)]
    fn full_masked_row(&mut self, off: usize, full: &[u8; 16], uniform: Option<Label>) {
        let at = self.buf.len();
        self.buf.extend_from_slice(&ROW_TEMPLATE);
        if let Some(row) = self
            .buf
            .get_mut(at..)
            .and_then(|r| <&mut [u8; 68]>::try_from(r).ok())
        {
            full_row(row, off, full);
        }
        match uniform {
            Some(label) => self
                .buf
                .extend_from_slice(&self.mask_templates[label.index()]),
            None => self.mixed_mask(),
        }
    }

    /// The mask row of a full row whose labels (in `self.labels`) differ.
    fn mixed_mask(&mut self) {
        let at = self.buf.len();
        self.buf.resize(at + ROW_BYTES, 0);
        if let Some(mask) = self
            .buf
            .get_mut(at..)
            .and_then(|m| <&mut [u8; 68]>::try_from(m).ok())
        {
            mixed_mask_into(mask, &self.labels);
        }
    }

    /// Hex rows of `data`, whose first byte is frame offset `start`; offsets printed
    /// from `base_off`.
    pub(super) fn hex(&mut self, data: &[u8], start: u32, runs: &[Run], base_off: usize) {
        let mut run_i = runs.partition_point(|r| r.end <= start);
        for (row, chunk) in data.chunks(16).enumerate() {
            let off = base_off + row * 16;
            let first = start + (row * 16) as u32;
            // Labels of this row's bytes.
            let mut uniform = None;
            if let Some(r) = runs.get(run_i) {
                if r.start <= first && r.end >= first + chunk.len() as u32 {
                    uniform = Some(r.label);
                }
            }
            let needs_labels = self.opts.color
                || self.opts.style == DumpStyle::Hex
                || chunk.len() < 16
                || off > 0xffff;
            match uniform {
                Some(_) if !needs_labels => {}
                Some(l) => self.labels[..chunk.len()].fill(l),
                None => row_labels(&mut self.labels, runs, &mut run_i, first, chunk.len()),
            }
            while runs
                .get(run_i)
                .is_some_and(|r| r.end <= first + chunk.len() as u32)
            {
                run_i += 1;
            }
            match (self.opts.style, self.opts.color) {
                (DumpStyle::Hex, color) => self.hex_only_row(off, chunk, color),
                (_, true) => self.color_row(off, chunk),
                (_, false) => self.mask_row(off, chunk, uniform),
            }
        }
    }

    /// One `tcpdump -x` row (hex only, no padding after a short row), coloured or
    /// with its mask row.
    pub(super) fn hex_only_row(&mut self, off: usize, chunk: &[u8], color: bool) {
        let prefix = self.offset_prefix(off);
        let mut current: Option<Label> = None;
        for (i, &byte) in chunk.iter().enumerate() {
            if i % 2 == 0 {
                self.buf.push(b' ');
            }
            if color {
                let l = self.labels[i];
                if current != Some(l) {
                    self.buf.extend_from_slice(&self.palette.reset);
                    self.buf.extend_from_slice(self.palette.on(l));
                    current = Some(l);
                }
            }
            self.buf.extend_from_slice(&HEX[byte as usize]);
        }
        if color {
            self.buf.extend_from_slice(&self.palette.reset);
            self.buf.push(b'\n');
            return;
        }
        self.buf.push(b'\n');
        self.buf.push(b'\t');
        self.buf.extend(std::iter::repeat_n(b' ', prefix - 1));
        for (i, label) in self.labels[..chunk.len()].iter().enumerate() {
            if i % 2 == 0 {
                self.buf.push(b' ');
            }
            let sym = mask_symbol(*label);
            self.buf.extend_from_slice(&[sym, sym]);
        }
        self.buf.push(b'\n');
    }

    /// `tcpdump -A`: the bytes as text on the lines after the packet line (print-
    /// ascii.c's `ascii_print`: graphic characters, spaces, tabs and newlines as
    /// themselves, a carriage return dropped before a newline or at the end, anything
    /// else `.`), each byte coloured by its label, or each line followed by a mask
    /// line that puts a label symbol under every character (tabs kept, so the columns
    /// line up).
    pub(super) fn ascii(&mut self, data: &[u8], start: u32, runs: &[Run]) {
        let mut run_i = runs.partition_point(|r| r.end <= start);
        let mut mask: Vec<u8> = Vec::new();
        let mut current: Option<Label> = None;
        let color = self.opts.color;
        for (i, &b) in data.iter().enumerate() {
            let pos = start + i as u32;
            while runs.get(run_i).is_some_and(|r| r.end <= pos) {
                run_i += 1;
            }
            let label = runs
                .get(run_i)
                .filter(|r| r.start <= pos)
                .map_or(Label::Undecoded, |r| r.label);
            let shown = match b {
                b'\r' => {
                    let left = data.len() - i - 1;
                    if left > 1 && data.get(i + 1) != Some(&b'\n') {
                        b'.'
                    } else {
                        continue;
                    }
                }
                b'\n' => {
                    if color {
                        self.buf.extend_from_slice(&self.palette.reset);
                        current = None;
                    }
                    self.buf.push(b'\n');
                    if !color && !mask.is_empty() {
                        self.buf.extend_from_slice(&mask);
                        self.buf.push(b'\n');
                    }
                    mask.clear();
                    continue;
                }
                b'\t' | b' ' => b,
                b if b.is_ascii_graphic() => b,
                _ => b'.',
            };
            if color {
                if current != Some(label) {
                    self.buf.extend_from_slice(&self.palette.reset);
                    self.buf.extend_from_slice(self.palette.on(label));
                    current = Some(label);
                }
            } else {
                mask.push(if shown == b'\t' {
                    b'\t'
                } else {
                    mask_symbol(label)
                });
            }
            self.buf.push(shown);
        }
        if color {
            self.buf.extend_from_slice(&self.palette.reset);
        }
        self.buf.push(b'\n');
        if !color && !mask.is_empty() {
            self.buf.extend_from_slice(&mask);
            self.buf.push(b'\n');
        }
    }

    /// `\t0x0000: ` (more digits past 0xffff, as printf's `%04x` gives).
    pub(super) fn offset_prefix(&mut self, off: usize) -> usize {
        let b = &mut self.buf;
        if off <= 0xffff {
            b.extend_from_slice(&[
                b'\t',
                b'0',
                b'x',
                HEX[off >> 8][0],
                HEX[off >> 8][1],
                HEX[off & 0xff][0],
                HEX[off & 0xff][1],
                b':',
                b' ',
            ]);
            return 9;
        }
        let before = b.len();
        b.extend_from_slice(b"\t0x");
        let mut digits = 4;
        while off >> (4 * digits) != 0 {
            digits += 1;
        }
        for d in (0..digits).rev() {
            b.push(HEX[(off >> (4 * d)) & 0xf][1]);
        }
        b.extend_from_slice(b": ");
        b.len() - before
    }

    /// One `tcpdump -X` row, then its mask row.
    pub(super) fn mask_row(&mut self, off: usize, chunk: &[u8], uniform: Option<Label>) {
        if let (Ok(full), true) = (<&[u8; 16]>::try_from(chunk), off <= 0xffff) {
            self.full_masked_row(off, full, uniform);
            return;
        }
        let prefix = self.offset_prefix(off);
        // " xxxx" per pair, padded to 40, two spaces, ASCII, newline.
        let mut row = [b' '; ROW];
        for (i, &byte) in chunk.iter().enumerate() {
            let col = 1 + (i / 2) * 5 + (i % 2) * 2;
            let [h, l] = HEX[byte as usize];
            row[col] = h;
            row[col + 1] = l;
            row[42 + i] = ASCII[byte as usize];
        }
        let end = 42 + chunk.len();
        row[end] = b'\n';
        self.buf.extend_from_slice(&row[..=end]);
        let mut mask = [b' '; ROW];
        for i in 0..chunk.len() {
            let sym = mask_symbol(self.labels[i]);
            let col = 1 + (i / 2) * 5 + (i % 2) * 2;
            mask[col] = sym;
            mask[col + 1] = sym;
            mask[42 + i] = sym;
        }
        mask[end] = b'\n';
        self.buf.push(b'\t');
        self.buf.extend(std::iter::repeat_n(b' ', prefix - 1));
        self.buf.extend_from_slice(&mask[..=end]);
    }

    /// The key holder's view: under the frame's rows, each unit decrypted with the
    /// endpoints' keys, a line saying what it is, then its plaintext as `tcpdump -X`
    /// rows marked `»` (their own colour, no mask: the observer's labels are above).
    pub(super) fn decrypted_rows(&mut self, view: &FrameView<'_>) {
        for unit in view.decrypted {
            let head = format!(
                "\t\u{bb} decrypted with the key log: {} {}, {} bytes (readable only with the key)",
                unit.proto, unit.content, unit.len
            );
            self.key_line(head.as_bytes());
            for secret in &unit.secrets {
                let line = format!(
                    "\t\u{bb} visible to the endpoints only: {}",
                    super::super::escape(secret)
                );
                self.key_line(line.as_bytes());
            }
            for (row, chunk) in unit.plaintext.chunks(16).enumerate() {
                let mut line = Vec::with_capacity(80);
                line.extend_from_slice("\t\u{bb}0x".as_bytes());
                let off = row * 16;
                let digits = format!("{off:04x}");
                line.extend_from_slice(digits.as_bytes());
                line.extend_from_slice(b": ");
                let mut width = 0;
                for (i, &b) in chunk.iter().enumerate() {
                    if i % 2 == 0 {
                        line.push(b' ');
                        width += 1;
                    }
                    line.extend_from_slice(&HEX[b as usize]);
                    width += 2;
                }
                line.extend(std::iter::repeat_n(b' ', 40 - width + 2));
                line.extend(chunk.iter().map(|&b| ASCII[b as usize]));
                self.key_line(&line);
            }
        }
    }

    pub(super) fn key_line(&mut self, text: &[u8]) {
        if self.opts.color {
            self.buf.extend_from_slice(&self.palette.key);
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(&self.palette.reset);
        } else {
            self.buf.extend_from_slice(text);
        }
        self.buf.push(b'\n');
    }

    /// One `tcpdump -X` row, coloured by label.
    pub(super) fn color_row(&mut self, off: usize, chunk: &[u8]) {
        self.offset_prefix(off);
        let mut current: Option<Label> = None;
        let mut width = 0;
        for (i, &byte) in chunk.iter().enumerate() {
            if i % 2 == 0 {
                self.buf.push(b' ');
                width += 1;
            }
            let l = self.labels[i];
            if current != Some(l) {
                self.buf.extend_from_slice(&self.palette.reset);
                self.buf.extend_from_slice(self.palette.on(l));
                current = Some(l);
            }
            self.buf.extend_from_slice(&HEX[byte as usize]);
            width += 2;
        }
        self.buf.extend_from_slice(&self.palette.reset);
        self.buf.extend(std::iter::repeat_n(b' ', 40 - width + 2));
        current = None;
        for (i, &byte) in chunk.iter().enumerate() {
            let l = self.labels[i];
            if current != Some(l) {
                self.buf.extend_from_slice(&self.palette.reset);
                self.buf.extend_from_slice(self.palette.on(l));
                current = Some(l);
            }
            self.buf.push(ASCII[byte as usize]);
        }
        self.buf.extend_from_slice(&self.palette.reset);
        self.buf.push(b'\n');
    }
}

/// Rows whose templates [`ROW_BLOCK`] holds.
const BLOCK_ROWS: usize = 8;

/// [`BLOCK_ROWS`] full rows' templates, each followed by its mask row's: 1,088
/// bytes, copied by `memcpy` in a vector loop (above 2 KiB or so it turns to
/// `rep movsb`).
// Indexing in a constant: out of range fails the build, never a run.
#[allow(clippy::indexing_slicing)]
static ROW_BLOCK: [u8; BLOCK_ROWS * 2 * ROW_BYTES] = {
    let mut b = [0u8; BLOCK_ROWS * 2 * ROW_BYTES];
    let mut i = 0;
    while i < BLOCK_ROWS * 2 * ROW_BYTES {
        let k = i % (2 * ROW_BYTES);
        b[i] = if k < ROW_BYTES {
            ROW_TEMPLATE[k]
        } else {
            MASK_TEMPLATE[k - ROW_BYTES]
        };
        i += 1;
    }
    b
};

/// The labels of a row's `len` bytes from frame offset `first` into `labels`, walking
/// `runs` on from `*run_i`.
#[inline]
fn row_labels(labels: &mut [Label; 16], runs: &[Run], run_i: &mut usize, first: u32, len: usize) {
    for (i, slot) in labels.iter_mut().take(len).enumerate() {
        let pos = first + i as u32;
        while runs.get(*run_i).is_some_and(|r| r.end <= pos) {
            *run_i += 1;
        }
        *slot = runs
            .get(*run_i)
            .filter(|r| r.start <= pos)
            .map_or(Label::Undecoded, |r| r.label);
    }
}

/// The mask row of a full row whose labels differ, over `mask`.
fn mixed_mask_into(mask: &mut [u8; ROW_BYTES], labels: &[Label; 16]) {
    *mask = MASK_TEMPLATE;
    for (i, label) in labels.iter().enumerate() {
        let sym = mask_symbol(*label);
        let col = 10 + (i / 2) * 5 + (i % 2) * 2;
        mask[col] = sym;
        mask[col + 1] = sym;
        mask[51 + i] = sym;
    }
}

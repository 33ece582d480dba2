//! The entries `flows` keeps to print them sorted at the end of the file. The first
//! [`FlowsOptions::keep_reports`] reports are kept whole (laying an entry out costs
//! allocations, and a small file's need not be paid before the end). Past them, in a
//! compact form: each flow's entry is laid out as soon as its report arrives
//! ([`Parts`]: the cells, and the lines under the row with [`PAD`] where the
//! indentation goes), and its text is appended to one buffer; what stays per flow
//! besides is its sort key, in as many words as the order needs, and its text's length
//! (20 bytes sorted by first frame, 36 at most; it was 48 with its offset, and the
//! list doubling past the bound held room for 131,072 of them: 6.3 MB with a full flow
//! table, now 2 MB). The column widths grow as entries arrive.
//!
//! Past [`FlowsOptions::spill_at`] bytes of text, the buffer goes to a temporary file
//! (removed as soon as it is open, where the system allows it) and is read back entry by
//! entry when the entries are printed, so memory stays bounded up to
//! [`FlowsOptions::max_sorted`] flows; the printed bytes are the same either way. If no
//! temporary file can be made, the text stays in memory.

use super::*;
use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Stands for a detail line's indentation until the width of the id column is known
/// (text from the capture is escaped, so it never holds one).
pub(super) const PAD: &str = match std::str::from_utf8(&[PAD_CHAR as u8]) {
    Ok(s) => s,
    Err(_) => "",
};
/// [`PAD`] as a character: one ASCII byte, which `memchr` finds in an entry's text.
pub(super) const PAD_CHAR: char = '\0';

/// Stretches of the spilled text held at once ([`Kept`]'s windows).
const WINDOWS: usize = 4;

/// A stretch of the spilled text, and where in the file it starts.
#[derive(Default)]
struct Window {
    at: u64,
    bytes: Vec<u8>,
}

/// A flow's entry before the column widths are known.
/// Laid out from a report, it owns its text; read back from the kept text, it borrows
/// it (no string allocated per cell).
pub(super) struct Parts<'a> {
    pub(super) cells: Cells<'a>,
    pub(super) transport: Cow<'a, str>,
    pub(super) end: Cow<'a, str>,
    /// The lines under the row, [`PAD`] where their indentation goes; `--brief`: the
    /// short verdict.
    pub(super) body: Cow<'a, str>,
    /// The brief verdict is painted as a leak.
    pub(super) alarming: bool,
}

/// Kept entries, in the order they arrived.
pub(super) struct Kept {
    by: FlowSort,
    /// Reports kept whole, before any entry is laid out.
    reports: Vec<FlowReport>,
    /// Entries are laid out as reports come (`reports` was laid out).
    compact: bool,
    /// Each laid-out entry's sort key ([`key`]: `by`'s words), in the order they
    /// arrived.
    keys: Vec<u64>,
    /// Each laid-out entry's text length; it starts where the one before ends (the
    /// temporary file first, then the buffer).
    lens: Vec<u32>,
    /// Made to print: where each entry starts, and the order to print them in.
    at: Vec<u64>,
    order: Vec<u32>,
    /// Entries laid out at most (the lists grow up to it, not to the next power of two).
    bound: usize,
    /// Text of the entries not in the file.
    text: Vec<u8>,
    /// The temporary file and how many bytes it holds (all written before any is read
    /// back).
    file: Option<(File, u64)>,
    /// Stretches of the file read back, the last used first: entries come back in
    /// runs of nearby places, so one read serves many. Read entry by entry, with a
    /// seek before each one out of order, the replicated 100 MB capture's 7,359 flows
    /// took 7,000 seeks and reads of a 64 KiB buffer each, 15% of `flows`' time; with
    /// one window of 256 KiB, a capture whose flows end in two streams (TCP
    /// connections closing as they go, DNS and open ones at the end of the file)
    /// read it back alternately: 20,000 seeks and 5 GB read for 36 MB of text, on
    /// the small-packet 100 MB capture. [`WINDOWS`] windows, a quarter of the bound
    /// each, follow up to as many such streams.
    windows: Vec<Window>,
    /// Stretches read back so far.
    reads: u64,
    /// Its name, where it could not be removed while open (removed on drop).
    leftover: Option<std::path::PathBuf>,
    spill_at: usize,
    /// No temporary file could be made: everything stays in `text`.
    in_memory: bool,
    /// As wide as the widest cell of each column.
    pub(super) widths: Widths,
}

impl Kept {
    pub(super) fn new(by: FlowSort, spill_at: usize, bound: usize) -> Kept {
        Kept {
            by,
            reports: Vec::new(),
            compact: false,
            keys: Vec::new(),
            lens: Vec::new(),
            at: Vec::new(),
            order: Vec::new(),
            bound,
            text: Vec::new(),
            file: None,
            windows: Vec::new(),
            reads: 0,
            leftover: None,
            spill_at,
            in_memory: false,
            widths: Widths::headings(),
        }
    }

    /// Stretches of the temporary file read back so far.
    #[cfg(test)]
    pub(super) fn reads(&self) -> u64 {
        self.reads
    }

    pub(super) fn len(&self) -> usize {
        self.reports.len() + self.lens.len()
    }

    /// Keeps a report whole if entries are not laid out yet and fewer than `up_to` are
    /// kept (a report given away is kept without a copy); else hands it back for the
    /// caller to lay its entry out.
    pub(super) fn hold<'a>(
        &mut self,
        r: std::borrow::Cow<'a, FlowReport>,
        up_to: usize,
    ) -> Option<std::borrow::Cow<'a, FlowReport>> {
        if self.compact || self.reports.len() >= up_to {
            return Some(r);
        }
        self.reports.push(r.into_owned());
        None
    }

    /// The reports kept whole, to be laid out: from now on entries are laid out as
    /// reports come.
    pub(super) fn take_reports(&mut self) -> Vec<FlowReport> {
        self.compact = true;
        std::mem::take(&mut self.reports)
    }

    pub(super) fn push(&mut self, r: &FlowReport, p: &Parts<'_>) -> io::Result<()> {
        self.widths.widen(&p.cells);
        let start = self.text.len();
        let mut ends = [0u8; 4 * Cells::COUNT];
        for (bytes, end) in ends.chunks_exact_mut(4).zip(p.cells.ends()) {
            bytes.copy_from_slice(&end.to_le_bytes());
        }
        let fields: [&[u8]; 6] = [
            p.cells.text().as_bytes(),
            &ends,
            p.transport.as_bytes(),
            p.end.as_bytes(),
            p.body.as_bytes(),
            if p.alarming { b"!" } else { b"" },
        ];
        // Room up to the spilling point and this entry, not the doubling past it (the
        // buffer then keeps that room: 2 MB where 1 was wanted).
        let size: usize = fields.iter().map(|s| 4 + s.len()).sum();
        let bound = if self.in_memory {
            usize::MAX
        } else {
            self.spill_at.max(self.text.len()).saturating_add(size)
        };
        grow(&mut self.text, size, bound);
        for s in fields {
            let len = u32::try_from(s.len()).map_err(|_| invalid("an entry over 4 GiB"))?;
            self.text.extend_from_slice(&len.to_le_bytes());
            self.text.extend_from_slice(s);
        }
        let len =
            u32::try_from(self.text.len() - start).map_err(|_| invalid("an entry over 4 GiB"))?;
        let k = key(r, self.by);
        let words = k.get(..words(self.by)).unwrap_or(&k);
        grow(
            &mut self.keys,
            words.len(),
            self.bound.saturating_mul(words.len()),
        );
        self.keys.extend_from_slice(words);
        grow(&mut self.lens, 1, self.bound);
        self.lens.push(len);
        if self.text.len() > self.spill_at && !self.in_memory {
            self.spill()?;
        }
        Ok(())
    }

    /// Moves the buffer to the temporary file.
    fn spill(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            match temporary() {
                Some((f, leftover)) => {
                    self.file = Some((f, 0));
                    self.leftover = leftover;
                }
                None => {
                    self.in_memory = true;
                    return Ok(());
                }
            }
        }
        if let Some((f, len)) = &mut self.file {
            f.write_all(&self.text)?;
            *len += self.text.len() as u64;
            self.text.clear();
        }
        Ok(())
    }

    /// Readies the entries to print in the order they arrived, or `sorted` (stable:
    /// ties keep the order flows ended in).
    pub(super) fn ready(&mut self, sorted: bool) {
        let mut next = 0u64;
        self.at = self
            .lens
            .iter()
            .map(|&len| {
                let at = next;
                next += u64::from(len);
                at
            })
            .collect();
        self.order = (0..self.lens.len())
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        if sorted {
            let w = words(self.by);
            let keys = &self.keys;
            let key_of = |i: u32| {
                let start = i as usize * w;
                keys.get(start..start + w).unwrap_or(&[])
            };
            self.order.sort_by(|&a, &b| key_of(a).cmp(key_of(b)));
        }
    }

    /// The `i`th entry (in the order [`Kept::ready`] made), read back from the file if
    /// it was spilled.
    pub(super) fn get(&mut self, i: usize) -> io::Result<Parts<'_>> {
        let entry = self.order.get(i).map(|&e| e as usize);
        let (at, len) = entry
            .and_then(|e| Some((*self.at.get(e)?, *self.lens.get(e)? as usize)))
            .ok_or_else(|| invalid("no such entry"))?;
        let bytes = match &mut self.file {
            Some((f, spilled)) if at < *spilled => {
                let end = at + len as u64;
                let hit = self
                    .windows
                    .iter()
                    .position(|w| w.at <= at && end <= w.at + w.bytes.len() as u64);
                let i = match hit {
                    Some(i) => i,
                    None => {
                        // The stretch from a little before the entry (one sorted before
                        // the last often comes back), or the entry, in the window
                        // used longest ago.
                        let size = (self.spill_at / WINDOWS).max(1) as u64;
                        let start = at.saturating_sub(size / 8);
                        let stop = (start + size).max(end).min(*spilled);
                        let mut w = if self.windows.len() < WINDOWS {
                            Window::default()
                        } else {
                            self.windows.pop().unwrap_or_default()
                        };
                        f.seek(SeekFrom::Start(start))?;
                        w.bytes.resize((stop - start) as usize, 0);
                        f.read_exact(&mut w.bytes)?;
                        w.at = start;
                        self.reads += 1;
                        self.windows.push(w);
                        self.windows.len() - 1
                    }
                };
                // The last used goes first.
                if let Some(used) = self.windows.get_mut(..=i) {
                    used.rotate_right(1);
                }
                let w = self.windows.first().ok_or_else(|| invalid("no window"))?;
                let from = (at - w.at) as usize;
                w.bytes
                    .get(from..from + len)
                    .ok_or_else(|| invalid("an entry past the end"))?
            }
            file => {
                let at = at - file.as_ref().map_or(0, |f| f.1);
                usize::try_from(at)
                    .ok()
                    .and_then(|at| self.text.get(at..at.checked_add(len)?))
                    .ok_or_else(|| invalid("an entry past the end"))?
            }
        };
        decode(bytes)
    }
}

/// Room for `more` elements in `v`, which holds at most `bound`: doubling as a `Vec`
/// does, but never past the bound.
fn grow<T>(v: &mut Vec<T>, more: usize, bound: usize) {
    if v.len() + more > v.capacity() {
        let room = v.capacity().max(16).min(bound.saturating_sub(v.len()));
        v.reserve_exact(room.max(more));
    }
}

/// How many of [`key`]'s numbers order entries by `by` (the rest are zero).
fn words(by: FlowSort) -> usize {
    match by {
        FlowSort::Id => 1,
        FlowSort::First => 2,
        FlowSort::Bytes => 3,
        FlowSort::Readable => 4,
    }
}

/// The sort key: [`FlowSort`]'s order as four numbers, largest-first ones inverted.
fn key(r: &FlowReport, by: FlowSort) -> [u64; 4] {
    let rev = |n: u64| u64::MAX - n;
    match by {
        FlowSort::First => [r.first_frame, r.id, 0, 0],
        FlowSort::Id => [r.id, 0, 0, 0],
        FlowSort::Bytes => [
            rev(r.dirs[0].bytes + r.dirs[1].bytes),
            r.first_frame,
            r.id,
            0,
        ],
        FlowSort::Readable => {
            let p = r.payload();
            let readable = Label::Cleartext.count(&p) + Label::Leak.count(&p);
            [rev(r.plaintext()), rev(readable), r.first_frame, r.id]
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("kept flow entries: {what}"),
    )
}

fn utf8(s: &[u8]) -> io::Result<Cow<'_, str>> {
    std::str::from_utf8(s)
        .map(Cow::Borrowed)
        .map_err(|_| invalid("not UTF-8"))
}

/// An entry's text back into its parts.
fn decode(mut b: &[u8]) -> io::Result<Parts<'_>> {
    let mut next_bytes = || -> io::Result<&[u8]> {
        let (len, rest) = b
            .split_first_chunk::<4>()
            .ok_or_else(|| invalid("truncated"))?;
        let (s, rest) = rest
            .split_at_checked(u32::from_le_bytes(*len) as usize)
            .ok_or_else(|| invalid("truncated"))?;
        b = rest;
        Ok(s)
    };
    let cells = utf8(next_bytes()?)?;
    let mut ends = [0u32; Cells::COUNT];
    let raw = next_bytes()?;
    if raw.len() != 4 * Cells::COUNT {
        return Err(invalid("cell ends"));
    }
    for (end, bytes) in ends.iter_mut().zip(raw.chunks_exact(4)) {
        *end = bytes
            .try_into()
            .map(u32::from_le_bytes)
            .map_err(|_| invalid("cell ends"))?;
    }
    Ok(Parts {
        cells: Cells::from_text(cells, ends),
        transport: utf8(next_bytes()?)?,
        end: utf8(next_bytes()?)?,
        body: utf8(next_bytes()?)?,
        alarming: !next_bytes()?.is_empty(),
    })
}

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some(path) = self.leftover.take() {
            self.file = None;
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A new temporary file, already removed from its directory where the system allows
/// (else its name, to remove it once closed).
fn temporary() -> Option<(File, Option<std::path::PathBuf>)> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("eavesdrop-flows-{}-{n}.tmp", std::process::id()));
    let mut options = File::options();
    options.read(true).write(true).create_new(true);
    // The entries hold what the capture leaked (credentials too): readable by this
    // user only, even for the moment the file has a name.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let f = options.open(&path).ok()?;
    // On Unix the open file lives on without a name.
    match std::fs::remove_file(&path) {
        Ok(()) => Some((f, None)),
        Err(_) => Some((f, Some(path))),
    }
}

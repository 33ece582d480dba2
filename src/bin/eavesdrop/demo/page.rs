//! Which hex rows fit on an act's page. The analysis names the bytes that make each
//! point ([`Mark`]s, most important first); the page has room for so many lines of
//! hex rows; this chooses the rows.
//!
//! First every mark gets its best row (the one holding most of its bytes) — or all
//! of its rows, for a mark that reads as a whole, like a sentence — so that each point
//! shows when it can; then marks get their other rows, in the same order; then short
//! frames are completed when the whole frame fits. A row costs one line with colour
//! and two without (its mask row), and each run of rows left out one `…` line
//! ([`hex_lines`]); a frame with no row chosen shows none.

use eavesdrop::render::hexdump::hex_lines;
use std::ops::Range;

/// Frames of at most this many hex rows are shown whole when there is room.
const SHORT_FRAME: usize = 12;

/// How much of a mark a page needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Its best row first; the rest when there is room.
    Row,
    /// All its rows together (a sentence), or failing that its best row.
    Whole,
}

/// Bytes of a shown frame that make a point: frame offsets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub frame: u64,
    pub bytes: Range<u32>,
    pub want: Want,
}

/// A shown frame's hex rows: the frame offset of the first, and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rows {
    pub frame: u64,
    pub start: u32,
    pub count: usize,
}

/// The rows to show of each frame in `frames` (same order), in at most `budget`
/// lines of hex rows.
pub fn choose(frames: &[Rows], marks: &[Mark], budget: usize, color: bool) -> Vec<Vec<bool>> {
    let mut keep: Vec<Vec<bool>> = frames.iter().map(|f| vec![false; f.count]).collect();
    let lines = |keep: &[Vec<bool>]| keep.iter().map(|k| hex_lines(color, k)).sum::<usize>();
    // Shows `rows` (frame index, row) if they fit with what is shown already.
    let try_add = |keep: &mut Vec<Vec<bool>>, rows: &[(usize, usize)]| -> bool {
        let before = keep.clone();
        for &(f, r) in rows {
            if let Some(slot) = keep.get_mut(f).and_then(|k| k.get_mut(r)) {
                *slot = true;
            }
        }
        if lines(keep) <= budget {
            true
        } else {
            *keep = before;
            false
        }
    };
    let placed: Vec<(Want, Vec<(usize, usize)>)> = marks
        .iter()
        .filter_map(|m| {
            let f = frames.iter().position(|f| f.frame == m.frame)?;
            Some((m.want, rows_of(&frames[f], &m.bytes, f)))
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    for (want, rows) in &placed {
        let whole = *want == Want::Whole && try_add(&mut keep, rows);
        if !whole {
            try_add(&mut keep, &rows[..1]);
        }
    }
    for (_, rows) in &placed {
        for row in rows.iter().skip(1) {
            try_add(&mut keep, std::slice::from_ref(row));
        }
    }
    for (f, frame) in frames.iter().enumerate() {
        if frame.count <= SHORT_FRAME {
            let all: Vec<(usize, usize)> = (0..frame.count).map(|r| (f, r)).collect();
            try_add(&mut keep, &all);
        }
    }
    keep
}

/// The rows of frame `f` that hold `bytes`, best first: most of the mark's bytes,
/// then the earliest.
fn rows_of(frame: &Rows, bytes: &Range<u32>, f: usize) -> Vec<(usize, usize)> {
    let mut rows: Vec<(usize, u32)> = (0..frame.count)
        .filter_map(|r| {
            let first = frame.start + (r as u32) * 16;
            let overlap = bytes
                .end
                .min(first + 16)
                .saturating_sub(bytes.start.max(first));
            (overlap > 0).then_some((r, overlap))
        })
        .collect();
    rows.sort_by_key(|&(r, overlap)| (std::cmp::Reverse(overlap), r));
    rows.into_iter().map(|(r, _)| (f, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(frame: u64, count: usize) -> Rows {
        Rows {
            frame,
            start: 14,
            count,
        }
    }

    fn mark(frame: u64, bytes: Range<u32>, want: Want) -> Mark {
        Mark { frame, bytes, want }
    }

    fn shown(keep: &[bool]) -> Vec<usize> {
        keep.iter()
            .enumerate()
            .filter_map(|(i, k)| k.then_some(i))
            .collect()
    }

    #[test]
    fn every_point_gets_its_best_row_before_any_gets_a_second() {
        let frames = [rows(1, 20), rows(2, 80)];
        // Frame 1: rows 8 (3 bytes) and 9 (6 bytes); frame 2: rows 15 to 17.
        let marks = [
            mark(1, 14 + 16 * 8 + 13..14 + 16 * 9 + 6, Want::Row),
            mark(2, 14 + 16 * 15 + 12..14 + 16 * 17 + 1, Want::Row),
        ];
        // Colour: a row is a line; each frame's best row and two `…` lines = 6.
        let keep = choose(&frames, &marks, 6, true);
        assert_eq!(shown(&keep[0]), [9]);
        assert_eq!(shown(&keep[1]), [16]);
        // Room for one more: the first mark's second row.
        let keep = choose(&frames, &marks, 7, true);
        assert_eq!(shown(&keep[0]), [8, 9]);
        assert_eq!(shown(&keep[1]), [16]);
        // Without colour rows cost two lines: only the first point fits in 5.
        let keep = choose(&frames, &marks, 5, false);
        assert_eq!(shown(&keep[0]), [9]);
        assert!(shown(&keep[1]).is_empty());
    }

    #[test]
    fn a_sentence_is_shown_whole_or_by_its_best_row() {
        let frames = [rows(4, 6)];
        let marks = [mark(4, 14 + 16 * 3 + 4..14 + 16 * 5 + 3, Want::Whole)];
        assert_eq!(shown(&choose(&frames, &marks, 4, true)[0]), [3, 4, 5]);
        // Its best row, then the next row that fits: the last, whose `…` line it replaces.
        assert_eq!(shown(&choose(&frames, &marks, 3, true)[0]), [4, 5]);
        // A short frame is completed when it fits whole.
        assert_eq!(
            shown(&choose(&frames, &marks, 6, true)[0]),
            [0, 1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn nothing_fits_in_nothing() {
        let frames = [rows(1, 3)];
        let marks = [mark(1, 14..20, Want::Whole)];
        assert!(shown(&choose(&frames, &marks, 0, true)[0]).is_empty());
        assert!(shown(&choose(&frames, &[], 2, true)[0]).is_empty());
    }
}

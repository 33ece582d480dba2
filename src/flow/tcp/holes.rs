//! Holes in a TCP direction: held out-of-order segments delivered once the stream
//! reaches them, the bounds on what a direction holds (the first hole given up as
//! lost when they are passed), and gaps declared in the stream.

use super::*;

/// Delivers every held segment that now follows in order. Held bytes the stream has
/// already passed (a gap declared over them) are trimmed, or the segment dropped.
pub(super) fn drain_held(
    flow: &mut Flow,
    dir: Direction,
    limits: &Limits,
    shared: &mut Shared,
    dropped: &mut Vec<(u64, Range<u32>)>,
    out: &mut Emitter,
) {
    loop {
        let Some(st) = flow.tcp.existing_mut(dir) else {
            return;
        };
        let next_off = st.next_off;
        let Some(disorder) = st.disorder.as_mut() else {
            return;
        };
        let Some(entry) = disorder.held.first_entry() else {
            return;
        };
        let key = *entry.key();
        if key > next_off {
            return;
        }
        let mut held = entry.remove();
        disorder.held_bytes -= held.data.len();
        shared.held_bytes = shared.held_bytes.saturating_sub(held.data.len());
        if key < next_off {
            let behind = usize::try_from(next_off - key).unwrap_or(usize::MAX);
            if behind >= held.data.len() {
                dropped.push((
                    held.frame,
                    held.frame_off..held.frame_off + held.data.len() as u32,
                ));
                continue;
            }
            held.data.drain(..behind);
            held.frame_off += behind as u32;
            disorder.held_bytes += held.data.len();
            shared.held_bytes += held.data.len();
            disorder.held.insert(next_off, held);
            continue;
        }
        deliver(
            flow,
            dir,
            &held.data,
            held.frame,
            held.frame_off,
            limits,
            out,
        );
        if held.cut > 0 {
            stream_gap(flow, dir, held.cut, Missing::Cut, limits, out);
        }
    }
}

/// Gives up holes until the held bytes are within bounds.
pub(super) fn enforce_bounds(
    flow: &mut Flow,
    dir: Direction,
    limits: &Limits,
    shared: &mut Shared,
    res: &mut SegmentResult,
    out: &mut Emitter,
) {
    loop {
        let st = flow.tcp.get(dir);
        let (held_bytes, held_segs) = (st.held_bytes(), st.held().len());
        let over = held_bytes > limits.max_held_bytes
            || held_segs > limits.max_held_segments
            || (shared.held_bytes > limits.max_held_total && held_segs > 0);
        if !over {
            return;
        }
        if !give_up_first_hole(flow, dir, limits, shared, &mut res.dropped, out) {
            return;
        }
        res.notes.push((
            Severity::Warn,
            NoteGroup::Reassembly,
            format!(
                "a missing segment held up {held_bytes} bytes in {held_segs} segments (limits: {} bytes, \
                 {} segments per direction, {} in total): the hole is treated as lost",
                limits.max_held_bytes, limits.max_held_segments, limits.max_held_total
            ),
        ));
    }
}

/// Declares the first hole lost and delivers what follows it. False if nothing is held.
pub(super) fn give_up_first_hole(
    flow: &mut Flow,
    dir: Direction,
    limits: &Limits,
    shared: &mut Shared,
    dropped: &mut Vec<(u64, Range<u32>)>,
    out: &mut Emitter,
) -> bool {
    let st = flow.tcp.get(dir);
    let Some(first) = st.held().keys().next().copied() else {
        return false;
    };
    let gap = first.saturating_sub(st.next_off);
    stream_gap(flow, dir, gap, Missing::Lost, limits, out);
    // Always progresses: the first held segment is delivered, trimmed or dropped.
    drain_held(flow, dir, limits, shared, dropped, out);
    true
}

/// Why bytes are missing from a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Missing {
    /// Never seen: a lost segment (or one the capture missed).
    Lost,
    /// Carried by a frame but cut by the snap length (the frame says so already).
    Cut,
}

/// `len` bytes are missing at the current stream position.
pub(super) fn stream_gap(
    flow: &mut Flow,
    dir: Direction,
    len: u64,
    why: Missing,
    limits: &Limits,
    out: &mut Emitter,
) {
    if len == 0 {
        return;
    }
    // Whatever is buffered must be labelled before the hole.
    run_dissector(flow, dir, true, limits, out);
    let st = flow.tcp.get_mut(dir);
    let at = st.next_off;
    if why == Missing::Lost {
        let what = if len == 1 { "byte" } else { "bytes" };
        out.note(
            at..at + len,
            Severity::Warn,
            NoteGroup::Sequence,
            format!("{len} {what} of the stream never arrived (a lost segment, or one the capture missed)"),
        );
    }
    st.next_off += len;
    st.buf_base = st.next_off;
    st.retained.forget_bytes();
    st.advance_seq(len as u32);
    if let App::Known(d) = &mut flow.app {
        d.gap(dir, at, len, out);
    }
}

//! Running a flow's dissector over one direction's delivered bytes: recognising the
//! protocol from the first bytes, feeding what is buffered (in place when nothing is),
//! and giving up bytes that wait beyond the stream buffer bound as undecoded.

use super::{App, Flow, Limits};
use crate::decode::Transport;
use crate::note::{NoteGroup, Severity};
use crate::proto::stack::Stack;
use crate::proto::{Direction, Emitter};
use crate::span::Visibility;

/// Runs the dissector over buffered bytes plus `fresh` ones. When nothing is buffered
/// (the common case) the fresh bytes are read in place and only what the dissector
/// leaves is copied.
pub(super) fn run_dissector_with(
    flow: &mut Flow,
    dir: Direction,
    fresh: &[u8],
    limits: &Limits,
    out: &mut Emitter,
) {
    let direct = flow.tcp.get(dir).buf.is_empty() && matches!(flow.app, App::Known(_));
    if !direct {
        flow.tcp.get_mut(dir).buf.extend_from_slice(fresh);
        run_dissector(flow, dir, false, limits, out);
        return;
    }
    let state = flow.tcp.get_mut(dir);
    let base = state.buf_base;
    let done = match &mut flow.app {
        App::Known(dis) => dis.feed(dir, base, fresh, false, out),
        App::Detecting => 0,
    }
    .min(fresh.len());
    state.buf_base += done as u64;
    state
        .buf
        .extend_from_slice(fresh.get(done..).unwrap_or(&[]));
    enforce_buffer_bound(flow, dir, limits, out);
}

/// Runs the flow's dissector over a direction's buffered bytes. With `flush`, every
/// buffered byte is labelled (end of stream, or a gap follows).
pub(super) fn run_dissector(
    flow: &mut Flow,
    dir: Direction,
    flush: bool,
    limits: &Limits,
    out: &mut Emitter,
) {
    if flow.tcp.get(dir).buf.is_empty() {
        return;
    }
    let detecting = matches!(flow.app, App::Detecting);
    if detecting {
        let ports = flow.ports();
        let first = flow.tcp.get(dir).buf.as_slice();
        match Stack::detect_expected(first, dir, Transport::Tcp, ports, flush, flow.expected) {
            Some(mut dis) => {
                if let Some(keys) = &flow.keys {
                    dis.use_keys(keys);
                }
                flow.app = App::Known(Box::new(dis));
            }
            None => return,
        }
    }
    let state = flow.tcp.get_mut(dir);
    let base = state.buf_base;
    let done = match &mut flow.app {
        App::Known(dis) => {
            let n = dis.feed(dir, base, &state.buf, flush, out);
            if flush {
                state.buf.len()
            } else {
                n
            }
        }
        App::Detecting => 0,
    };
    let done = done.min(state.buf.len());
    state.buf.drain(..done);
    state.buf_base += done as u64;
    // A message that waited (a handshake flight, a long header) leaves its buffer
    // behind: an idle flow keeps none of it. Small buffers (a record header split
    // across segments) stay, so steady traffic does not allocate for them. The first
    // bytes, copied here to be recognised, leave theirs too: from then on bytes are
    // read in place, and most flows of a full table (one packet each) would keep a
    // few bytes of room they never use again (32 bytes a flow with the allocator's).
    if state.buf.is_empty() && (detecting || state.buf.capacity() > KEEP_BUFFER) {
        state.buf = Vec::new();
    }
    enforce_buffer_bound(flow, dir, limits, out);
}

/// Capacity of an empty stream buffer kept for the next bytes that wait.
const KEEP_BUFFER: usize = 512;

/// Unlabelled bytes beyond the stream buffer bound are given up as undecoded.
fn enforce_buffer_bound(flow: &mut Flow, dir: Direction, limits: &Limits, out: &mut Emitter) {
    let state = flow.tcp.get_mut(dir);
    if state.buf.len() <= limits.max_stream_buffer {
        return;
    }
    let at = state.buf_base;
    let n = state.buf.len() as u64;
    out.span(at..at + n, crate::fields::PAYLOAD, Visibility::Undecoded);
    out.note(
        at..at + n,
        Severity::Warn,
        NoteGroup::Reassembly,
        format!(
            "{n} bytes waited for a complete message beyond the {}-byte stream buffer; left undecoded",
            limits.max_stream_buffer
        ),
    );
    state.buf.clear();
    state.buf_base += n;
    if let App::Known(d) = &mut flow.app {
        d.lose_sync(dir);
    }
}

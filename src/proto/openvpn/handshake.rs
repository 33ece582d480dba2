//! The TLS handshake carried by control packets: payloads put in order by packet ID
//! and fed to the TLS stream.

use super::*;

impl OpenVpn {
    /// The TLS bytes of a `P_CONTROL_V1` packet with message packet-ID `mpid`, at outer
    /// offset `at`.
    pub(super) fn tls_payload(
        &mut self,
        dir: Direction,
        mpid: u32,
        at: u64,
        p: &[u8],
        out: &mut Emitter,
    ) {
        let end = at + p.len() as u64;
        self.tls_seen = true;
        let Some(c) = self.ctl.get_mut(dir.index()) else {
            return;
        };
        let next = *c.next.get_or_insert(mpid);
        if mpid < next {
            // A retransmission: the labels of the first copy, if kept.
            match c.history.get(&mpid) {
                Some(labels) if labels.last().is_some_and(|l| l.0.end == p.len() as u64) => {
                    for (range, field, vis) in labels {
                        out.span(at + range.start..at + range.end, *field, *vis);
                    }
                }
                _ => {
                    out.field(at..end, crate::fields::PAYLOAD);
                    out.note(
                        at..end,
                        Severity::Note,
                        NoteGroup::Sequence,
                        format!("OpenVPN control packet {mpid} again, unlike its first copy"),
                    );
                }
            }
            return;
        }
        if mpid > next {
            if c.held.len() < MAX_HELD && c.held_bytes + p.len() <= MAX_HELD_BYTES {
                c.held_bytes += p.len();
                c.held.entry(mpid).or_insert_with(|| p.to_vec());
                out.field(at..end, crate::fields::PAYLOAD);
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Sequence,
                    format!(
                        "OpenVPN control packet {mpid} ahead of {next}: its TLS bytes are read \
                         once the gap fills, but not labelled here"
                    ),
                );
                return;
            }
            // The gap will not fill: TLS goes on from the lowest held packet.
            out.note(
                at..end,
                Severity::Warn,
                NoteGroup::Sequence,
                format!("OpenVPN control packets from {next} never arrived: the control channel's TLS loses its framing"),
            );
            let mut quiet = Emitter::default();
            quiet.skip_as(out);
            Dissector::gap(&mut self.tls, dir, c.end, 0, &mut quiet);
            c.pending.clear();
            c.base = c.end;
            let lowest = c.held.keys().next().copied().unwrap_or(mpid);
            c.next = Some(lowest.min(mpid));
            return self.tls_payload_in_order(dir, mpid, at, p, out);
        }
        self.tls_payload_in_order(dir, mpid, at, p, out);
    }

    /// Appends held payloads from `next` on, then this packet's if it is next, and
    /// runs TLS; maps TLS's labels of this packet's bytes back to `at`.
    pub(super) fn tls_payload_in_order(
        &mut self,
        dir: Direction,
        mpid: u32,
        at: u64,
        p: &[u8],
        out: &mut Emitter,
    ) {
        let d = dir.index();
        let Some(c) = self.ctl.get_mut(d) else { return };
        let mut mine: Option<Range<u64>> = None;
        while let Some(next) = c.next {
            if next == mpid && mine.is_none() {
                mine = Some(c.end..c.end + p.len() as u64);
                c.pending.extend_from_slice(p);
                c.end += p.len() as u64;
                c.held.remove(&mpid);
            } else if let Some(held) = c.held.remove(&next) {
                c.held_bytes = c.held_bytes.saturating_sub(held.len());
                c.pending.extend_from_slice(&held);
                c.end += held.len() as u64;
            } else {
                break;
            }
            c.next = Some(next.wrapping_add(1));
        }
        // Packets held below the new `next` (after a declared gap) are stale.
        if let Some(next) = c.next {
            let stale: Vec<u32> = c.held.range(..next).map(|(k, _)| *k).collect();
            for k in stale {
                if let Some(v) = c.held.remove(&k) {
                    c.held_bytes = c.held_bytes.saturating_sub(v.len());
                }
            }
        }
        let scratch = &mut self.scratch;
        scratch.clear();
        scratch.skip_as(out);
        let done = self.tls.records(dir, c.base, &c.pending, scratch);
        c.pending.drain(..done.min(c.pending.len()));
        c.base += done as u64;
        if c.pending.len() > MAX_PENDING {
            let n = c.pending.len();
            c.pending.clear();
            c.base = c.end;
            self.tls.lose_sync(dir);
            out.note(
                at..at + p.len() as u64,
                Severity::Warn,
                NoteGroup::Reassembly,
                format!("{n} bytes of control-channel TLS never formed a record: given up"),
            );
        }
        let Some(mine) = mine else {
            out.field(at..at + p.len() as u64, crate::fields::PAYLOAD);
            return;
        };
        // TLS's labels: those of this packet's bytes move to `at`; earlier bytes were
        // labelled when their packet was read.
        let to_outer = |x: u64| at + (x - mine.start);
        let mut labels: Vec<(Range<u64>, FieldId, Visibility)> = Vec::new();
        for s in scratch.spans.drain(..) {
            let a = s.range.start.max(mine.start);
            let b = s.range.end.min(mine.end);
            if a < b {
                labels.push((a - mine.start..b - mine.start, s.field, s.vis));
            }
        }
        labels.sort_by_key(|l| l.0.start);
        let mut filled: Vec<(Range<u64>, FieldId, Visibility)> = Vec::new();
        let mut cursor = 0u64;
        let len = p.len() as u64;
        for (range, field, vis) in labels {
            if range.start < cursor {
                continue;
            }
            if range.start > cursor {
                filled.push((
                    cursor..range.start,
                    OPENVPN_TLS_PENDING,
                    Visibility::Cleartext,
                ));
            }
            cursor = range.end;
            filled.push((range, field, vis));
        }
        if cursor < len {
            filled.push((cursor..len, OPENVPN_TLS_PENDING, Visibility::Cleartext));
        }
        for (range, field, vis) in &filled {
            out.span(at + range.start..at + range.end, *field, *vis);
        }
        if c.history.len() >= MAX_HISTORY {
            c.history.pop_first();
        }
        c.history.insert(mpid, filled);
        let place = |x: u64| {
            if mine.contains(&x) {
                to_outer(x)
            } else {
                at
            }
        };
        for e in scratch.events.drain(..) {
            out.event(place(e.at), e.desc);
        }
        for n in scratch.notes.drain(..) {
            let s = place(n.at.start);
            let e = if mine.contains(&n.at.start) {
                to_outer(n.at.end.min(mine.end))
            } else {
                s
            };
            out.note(s..e, n.severity, n.group, n.text);
        }
    }
}

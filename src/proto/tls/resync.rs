//! Losses and ends: finding the next record header after a gap, and what is left of
//! a direction when the flow ends.

use super::*;

impl TlsStream {
    /// Finds where framing can resume in `bytes`: a plausible record header confirmed
    /// by the next one, by its record ending exactly where `bytes` do, or by the
    /// record version seen before. A candidate whose next header lies beyond `bytes`
    /// is waited for (the bytes before it are labelled, the rest kept).
    pub(super) fn resync_point(&mut self, dir: Direction, bytes: &[u8]) -> Resync {
        let known = self.dir(dir).record_version;
        for i in 0..bytes.len().saturating_sub(hdr::LEN - 1) {
            let Plausible::Yes(h) = plausible_header(bytes.get(i..).unwrap_or(&[])) else {
                continue;
            };
            let next = i + hdr::LEN + usize::from(h.len);
            if next == bytes.len() {
                return Resync::Found(i);
            }
            match plausible_header(bytes.get(next..).unwrap_or(&[])) {
                Plausible::Yes(_) => return Resync::Found(i),
                Plausible::No => {}
                Plausible::NeedMore
                    if known.is_some_and(|v| bytes.get(i + 1..i + 3) == Some(&v[..]))
                        && h.content == ContentType::APPLICATION_DATA =>
                {
                    return Resync::Found(i)
                }
                Plausible::NeedMore => return Resync::Wait(i),
            }
        }
        Resync::None
    }

    /// Bytes are missing from the stream at this point (lost segment, snap length).
    /// Inside an opaque or streamed body the framing survives; anywhere else it is lost.
    pub fn gap(&mut self, dir: Direction, len: u64, out: &mut Emitter, at: u64) {
        if let Some(d) = self.dec.as_mut() {
            d.lost(dir);
        }
        let state = self.dir(dir);
        match state.phase.clone() {
            Phase::Body {
                remaining,
                field,
                vis,
            } if u64::from(remaining) > len => {
                state.phase = Phase::Body {
                    remaining: remaining - len as u32,
                    field,
                    vis,
                };
            }
            Phase::Body { remaining, .. } if u64::from(remaining) == len => {
                state.phase = Phase::Header;
                if let Some(d) = self.dec.as_mut() {
                    d.finish(dir, at + len, out);
                }
            }
            Phase::Lost => {}
            _ => {
                if let Some(d) = self.dec.as_mut() {
                    d.abandon(dir, out);
                }
                let state = self.dir(dir);
                state.phase = Phase::Lost;
                out.note(
                    at..at + len,
                    Severity::Warn,
                    NoteGroup::Sequence,
                    format!("{len} bytes missing from the TLS stream; framing lost until a record header is found"),
                );
            }
        }
    }

    /// Labels whatever is left at the end of a direction (or before a gap): a cut-off
    /// record keeps the labels its header implies.
    pub fn flush(&mut self, dir: Direction, base: u64, data: &[u8], out: &mut Emitter) {
        let done = self.records(dir, base, data, out);
        if let Some(d) = self.dec.as_mut() {
            // A record still being gathered will not complete here.
            d.abandon(dir, out);
        }
        let rest = data.get(done..).unwrap_or(&[]);
        if rest.is_empty() {
            return;
        }
        let at = base + done as u64;
        let end = at + rest.len() as u64;
        match (self.dir(dir).phase.clone(), plausible_header(rest)) {
            (Phase::Header, Plausible::Yes(h)) => {
                let encrypted = self.dir(dir).cipher_active;
                self.header_spans(
                    dir,
                    at,
                    h,
                    encrypted || h.content == ContentType::APPLICATION_DATA,
                    out,
                );
                let readable = !encrypted && h.content != ContentType::APPLICATION_DATA;
                let (field, vis) = if readable {
                    (fields::TLS_HS_BODY, Visibility::Cleartext)
                } else {
                    (fields::TLS_APP_DATA, Visibility::Opaque)
                };
                let have = rest.len() - hdr::LEN;
                let remaining = u32::from(h.len).saturating_sub(have as u32);
                let body = rest.get(hdr::LEN..).unwrap_or(&[]);
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Truncated,
                    format!("TLS record cut off: {have} of {} body bytes", h.len),
                );
                if readable && h.content == ContentType::HANDSHAKE && !self.dir(dir).hs_unsynced {
                    // Parse the whole messages that are here; the last one is cut.
                    let piece = Piece {
                        header_at: at,
                        concat_start: 0,
                        len: body.len(),
                        version: h.version,
                    };
                    let skip = self.dir(dir).hs_skip;
                    let pieces = [piece];
                    let map = PieceMap { pieces: &pieces };
                    self.handshake_messages(dir, body, &map, skip, false, true, out);
                    // The missing rest of the record belongs to the cut message, if
                    // the message reaches that far; otherwise messages follow unseen.
                    let state = self.dir(dir);
                    if !state.hs_unsynced {
                        if state.hs_skip >= remaining && state.hs_skip > 0 {
                            state.hs_skip -= remaining;
                        } else if remaining > 0 {
                            state.hs_unsynced = true;
                            state.hs_skip = 0;
                        }
                    }
                } else {
                    out.span(at + hdr::LEN as u64..end, field, vis);
                    if readable && h.content == ContentType::HANDSHAKE {
                        self.dir(dir).hs_unsynced = true;
                    }
                }
                self.dir(dir).phase = if remaining == 0 {
                    Phase::Header
                } else {
                    Phase::Body {
                        remaining,
                        field: Placed::of(field),
                        vis,
                    }
                };
            }
            (Phase::Header, _) => {
                out.span(at..end, fields::TLS_RECORD_TYPE, Visibility::Metadata);
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Truncated,
                    "TLS record header cut off".into(),
                );
                self.dir(dir).phase = Phase::Lost;
            }
            _ => {
                let (field, vis) = self.unsynced(dir);
                out.span(at..end, field, vis);
            }
        }
    }
}

//! Handshake joining: handshake messages may span records, and records may hold several
//! messages. Consecutive plaintext handshake records are gathered until their bytes end
//! on a message boundary (bounded by [`MAX_HANDSHAKE_GATHER`]), then every message is
//! labelled field by field and learned from; [`PieceMap`] maps offsets in the gathered
//! bytes back to stream offsets, split at record boundaries. (rustls keeps its
//! handshake joiner apart from its record deframer the same way.)

use super::record::{hdr, plausible_header, Plausible, RecordHeader};
use super::{fields, ContentType, HandshakeType, TlsStream, TlsVersion, MAX_HANDSHAKE_GATHER};
use crate::codec::{be24, Reader};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::proto::{Desc, Direction, Emitter};
use crate::span::Visibility;
use std::ops::Range;

/// One record inside a gathered run of handshake records.
#[derive(Clone, Copy, Debug)]
pub(super) struct Piece {
    /// Stream offset of the record header.
    pub header_at: u64,
    /// Offset of this record's body within the gathered handshake bytes.
    pub concat_start: usize,
    pub len: usize,
    pub version: TlsVersion,
}

impl TlsStream {
    /// Gathers consecutive plaintext handshake records from `pos` until the handshake
    /// bytes end on a message boundary, then labels and parses them all.
    pub(super) fn handshake_run(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        pos: usize,
        out: &mut Emitter,
    ) -> Option<usize> {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut scratch = std::mem::take(&mut self.handshake().scratch);
        scratch.clear();
        let skip = self.dir(dir).hs_skip;
        let unsynced = self.dir(dir).hs_unsynced;
        let mut p = pos;
        let mut complete = false;
        loop {
            let h = match plausible_header(data.get(p..).unwrap_or(&[])) {
                Plausible::Yes(h) if h.content == ContentType::HANDSHAKE => h,
                // The run ends without reaching a message boundary.
                Plausible::Yes(_) | Plausible::No => break,
                Plausible::NeedMore => {
                    self.handshake().scratch = scratch;
                    return None;
                }
            };
            let body = data.get(p + hdr::LEN..p + hdr::LEN + usize::from(h.len));
            let Some(body) = body else {
                if pieces.is_empty() || scratch.len() < MAX_HANDSHAKE_GATHER {
                    self.handshake().scratch = scratch;
                    return None;
                }
                break;
            };
            pieces.push(Piece {
                header_at: base + p as u64,
                concat_start: scratch.len(),
                len: body.len(),
                version: h.version,
            });
            scratch.extend_from_slice(body);
            p += hdr::LEN + body.len();
            if unsynced || message_boundary(&scratch, skip) {
                complete = true;
                break;
            }
            if scratch.len() >= MAX_HANDSHAKE_GATHER {
                break;
            }
        }
        if !complete && pieces.is_empty() {
            self.handshake().scratch = scratch;
            return None;
        }
        if !complete && data.len() <= p {
            // The run may go on in bytes not yet seen: wait, unless the gather bound is hit.
            if scratch.len() < MAX_HANDSHAKE_GATHER {
                self.handshake().scratch = scratch;
                return None;
            }
        }
        for piece in &pieces {
            let h = RecordHeader {
                content: ContentType::HANDSHAKE,
                version: piece.version,
                len: u16::try_from(piece.len).unwrap_or(u16::MAX),
            };
            self.header_spans(dir, piece.header_at, h, false, out);
        }
        let map = PieceMap { pieces: &pieces };
        self.handshake_messages(dir, &scratch, &map, skip, unsynced, false, out);
        // The gathered bytes are done with (every run gathers afresh): the buffer goes,
        // so an established flow does not keep its largest handshake message's worth.
        drop(scratch);
        Some(p)
    }

    /// Labels and parses the messages in gathered handshake bytes.
    /// With `cut`, the bytes end where the capture ended: an incomplete last message
    /// is reported "cut off".
    #[allow(clippy::too_many_arguments)] // the gathered run and how it ends
    pub(super) fn handshake_messages(
        &mut self,
        dir: Direction,
        hs: &[u8],
        map: &PieceMap<'_>,
        skip: u32,
        unsynced: bool,
        cut: bool,
        out: &mut Emitter,
    ) {
        let total = hs.len();
        if unsynced {
            map.span(0..total, fields::TLS_HS_BODY, Visibility::Cleartext, out);
            return;
        }
        let mut off = usize::try_from(skip).unwrap_or(usize::MAX).min(total);
        map.span(0..off, fields::TLS_HS_BODY, Visibility::Cleartext, out);
        self.dir(dir).hs_skip = skip - u32::try_from(off).unwrap_or(skip);
        while off < total {
            let mut head = Reader::new(hs.get(off..).unwrap_or(&[]));
            let (Some(t), Some(len)) = (head.u8(), head.u24()) else {
                // A message header split past the end of what was gathered.
                map.span(off..total, fields::TLS_HS_BODY, Visibility::Cleartext, out);
                self.dir(dir).hs_unsynced = true;
                if let (true, Some(&t), Some(at)) = (cut, hs.get(off), map.stream_offset(off)) {
                    out.event(
                        at,
                        Desc::TlsHandshake {
                            version: self.label_version(map.version_at(off)),
                            msg: HandshakeType(t),
                            detail: vec!["cut off".into()],
                        },
                    );
                }
                return;
            };
            let msg = HandshakeType(t);
            let len = len as usize;
            map.span(
                off..off + 1,
                fields::TLS_HS_TYPE,
                Visibility::Cleartext,
                out,
            );
            map.span(
                off + 1..off + 4,
                fields::TLS_HS_LENGTH,
                Visibility::Cleartext,
                out,
            );
            let body_start = off + 4;
            let body_end = body_start + len;
            let mut version = self.label_version(map.version_at(off));
            let mut detail = Vec::new();
            match hs.get(body_start..body_end) {
                Some(body) => {
                    let (leaks, said) = self.parse_message(msg, body, &mut detail, map, off, out);
                    if let Some(v) = said {
                        version = v;
                    }
                    let mut cursor = 0usize;
                    for (range, field) in leaks {
                        if range.start < cursor {
                            continue;
                        }
                        map.span(
                            body_start + cursor..body_start + range.start,
                            fields::TLS_HS_BODY,
                            Visibility::Cleartext,
                            out,
                        );
                        map.span(
                            body_start + range.start..body_start + range.end,
                            field,
                            field.def().vis,
                            out,
                        );
                        cursor = range.end;
                    }
                    map.span(
                        body_start + cursor..body_end,
                        fields::TLS_HS_BODY,
                        Visibility::Cleartext,
                        out,
                    );
                }
                None => {
                    // Longer than what was gathered: label what is here, skip the rest later.
                    map.span(
                        body_start.min(total)..total,
                        fields::TLS_HS_BODY,
                        Visibility::Cleartext,
                        out,
                    );
                    // Under 2^24 + 4: a message's length is 24 bits.
                    self.dir(dir).hs_skip = u32::try_from(body_end - total).unwrap_or(u32::MAX);
                    if cut {
                        detail.push("cut off".into());
                    } else {
                        map.note(
                            off..total,
                            Severity::Note,
                            NoteGroup::Reassembly,
                            format!(
                                "{msg} message of {len} bytes continues past the {} bytes gathered; \
                                 labelled readable but not parsed",
                                total - off
                            ),
                            out,
                        );
                    }
                }
            }
            if let Some(at) = map.stream_offset(off) {
                out.event(
                    at,
                    Desc::TlsHandshake {
                        version,
                        msg,
                        detail,
                    },
                );
            }
            off = body_end.min(total);
            if body_end > total {
                break;
            }
        }
    }
}

/// True when `hs` (after skipping `skip` bytes of an earlier message) ends exactly
/// at the end of a handshake message.
fn message_boundary(hs: &[u8], skip: u32) -> bool {
    let mut off = usize::try_from(skip).unwrap_or(usize::MAX);
    loop {
        if off == hs.len() {
            return true;
        }
        let Some(len) = be24(hs, off + 1) else {
            return false;
        };
        off += 4 + len as usize;
        if off > hs.len() {
            return false;
        }
    }
}

/// Maps offsets in gathered handshake bytes back to stream offsets.
pub(super) struct PieceMap<'a> {
    pub pieces: &'a [Piece],
}

impl PieceMap<'_> {
    pub(super) fn stream_offset(&self, concat: usize) -> Option<u64> {
        let piece = self
            .pieces
            .iter()
            .find(|p| concat >= p.concat_start && concat < p.concat_start + p.len)?;
        Some(piece.header_at + hdr::LEN as u64 + (concat - piece.concat_start) as u64)
    }

    pub(super) fn version_at(&self, concat: usize) -> TlsVersion {
        self.pieces
            .iter()
            .find(|p| concat >= p.concat_start && concat < p.concat_start + p.len)
            .or(self.pieces.first())
            .map_or(TlsVersion::UNKNOWN, |p| p.version)
    }

    /// Labels a range of gathered bytes, split at record boundaries.
    pub(super) fn span(
        &self,
        range: Range<usize>,
        field: FieldId,
        vis: Visibility,
        out: &mut Emitter,
    ) {
        for p in self.pieces {
            let s = range.start.max(p.concat_start);
            let e = range.end.min(p.concat_start + p.len);
            if s < e {
                let body = p.header_at + hdr::LEN as u64;
                out.span(
                    body + (s - p.concat_start) as u64..body + (e - p.concat_start) as u64,
                    field,
                    vis,
                );
            }
        }
    }

    pub(super) fn note(
        &self,
        range: Range<usize>,
        severity: Severity,
        group: NoteGroup,
        text: String,
        out: &mut Emitter,
    ) {
        let start = self.stream_offset(range.start).unwrap_or(0);
        let end = self
            .stream_offset(range.end.saturating_sub(1))
            .map_or(start, |e| e + 1);
        out.note(start..end, severity, group, text);
    }
}

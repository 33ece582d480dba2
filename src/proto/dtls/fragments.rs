//! Handshake records: fragments reassembled per message_seq within bounds,
//! retransmissions and overlaps (RFC 6347 section 4.2.3, RFC 9147 section 5.5).

use super::*;

impl Dtls {
    /// The handshake fragments of a plaintext handshake record.
    pub(super) fn handshake_record(
        &mut self,
        dir: Direction,
        at: u64,
        body: &[u8],
        record_version: TlsVersion,
        out: &mut Emitter,
    ) {
        let mut pos = 0usize;
        while pos < body.len() {
            let rest = body.get(pos..).unwrap_or(&[]);
            let here = at + pos as u64;
            let mut rd = Reader::new(rest);
            let (Some(t), Some(length), Some(seq), Some(offset), Some(frag_len)) =
                (rd.u8(), rd.u24(), rd.u16(), rd.u24(), rd.u24())
            else {
                out.field(here..at + body.len() as u64, DTLS_HS_BODY);
                out.note(
                    here..at + body.len() as u64,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!(
                        "{} bytes left in a DTLS handshake record: too few for a handshake header",
                        rest.len()
                    ),
                );
                return;
            };
            let h = HsHeader {
                msg: HandshakeType(t),
                length,
                seq,
                offset,
                frag_len,
            };
            out.field(r(here, hs::TYPE), DTLS_HS_TYPE);
            out.field(r(here, hs::LENGTH), DTLS_HS_LENGTH);
            out.field(r(here, hs::MSG_SEQ), DTLS_HS_MSG_SEQ);
            out.field(r(here, hs::FRAG_OFFSET), DTLS_HS_FRAG_OFFSET);
            out.field(r(here, hs::FRAG_LENGTH), DTLS_HS_FRAG_LENGTH);
            let data_at = pos + hs::LEN;
            let want = frag_len as usize;
            let data = match body.get(data_at..data_at.saturating_add(want)) {
                Some(d) => d,
                None => {
                    let d = body.get(data_at..).unwrap_or(&[]);
                    out.note(
                        here..at + body.len() as u64,
                        Severity::Warn,
                        NoteGroup::Truncated,
                        format!(
                            "{} fragment declares {want} bytes, its record holds {}",
                            h.msg,
                            d.len()
                        ),
                    );
                    d
                }
            };
            self.fragment(dir, here, h, data, record_version, out);
            pos = data_at + data.len();
        }
    }

    /// One handshake fragment (its header at `at`, its bytes `data`, which may be
    /// fewer than the header says when the record was cut).
    pub(super) fn fragment(
        &mut self,
        dir: Direction,
        at: u64,
        h: HsHeader,
        data: &[u8],
        record_version: TlsVersion,
        out: &mut Emitter,
    ) {
        let data_at = at + hs::LEN as u64;
        let data_range = data_at..data_at + data.len() as u64;
        let version = self.label_version(record_version);
        let event = |detail: Vec<String>, version: TlsVersion, out: &mut Emitter| {
            out.event(
                at,
                Desc::TlsHandshake {
                    version,
                    msg: h.msg,
                    detail,
                },
            );
        };
        if h.offset.saturating_add(h.frag_len) > h.length {
            out.field(data_range.clone(), DTLS_HS_BODY);
            out.note(
                at..data_range.end,
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "{} fragment at offset {} of {} bytes runs past the message length {}",
                    h.msg, h.offset, h.frag_len, h.length
                ),
            );
            event(vec!["malformed fragment".into()], version, out);
            return;
        }
        let whole = h.offset == 0 && h.frag_len == h.length && data.len() == h.length as usize;
        if whole {
            // A message in one fragment describes itself: parse its own bytes (a
            // retransmission gets the same labels), and compare with a first copy.
            let parsed = self.parse(h.msg, data, data_at, out);
            let differs = {
                let state = self.dir(dir);
                match state.find(h.seq) {
                    Some(i) => state
                        .messages
                        .get(i)
                        .is_some_and(|m| m.msg != h.msg || m.disagrees(data)),
                    None => false,
                }
            };
            if differs {
                out.note(
                    at..data_range.end,
                    Severity::Warn,
                    NoteGroup::Sequence,
                    format!(
                        "{} with message_seq {} differs from the message seen before with that number",
                        h.msg, h.seq
                    ),
                );
            } else {
                self.remember(dir, h, data, &parsed);
            }
            label_body(data_at, 0, data.len(), &parsed.spans, out);
            event(parsed.detail, parsed.version.unwrap_or(version), out);
            return;
        }
        if h.length as usize > MAX_MESSAGE {
            out.field(data_range.clone(), DTLS_HS_BODY);
            out.note(
                at..data_range.end,
                Severity::Note,
                NoteGroup::Reassembly,
                format!(
                    "{} of {} bytes is larger than the {} KiB reassembly bound: fragment \
                     labelled readable as it arrives, message not parsed",
                    h.msg,
                    h.length,
                    MAX_MESSAGE / 1024
                ),
            );
            event(vec!["fragment".into()], version, out);
            return;
        }
        let Some(i) = self.track(dir, h, at, data_range.end, out) else {
            out.field(data_range, DTLS_HS_BODY);
            event(vec!["fragment".into()], version, out);
            return;
        };
        let state = self.dir(dir);
        let Some(m) = state.messages.get_mut(i) else {
            return;
        };
        let was_parsed = m.parsed.is_some();
        match m.add(h.offset, data) {
            Some(true) => out.note(
                at..data_range.end,
                Severity::Warn,
                NoteGroup::Reassembly,
                format!(
                    "{} fragment overlaps bytes seen before with different content: \
                     the first copy wins",
                    h.msg
                ),
            ),
            Some(false) => {}
            None => {
                // Too many pieces: give the message up.
                let seq = m.seq;
                let len = m.bytes.len();
                state.messages.remove(i);
                state.buffered = state.buffered.saturating_sub(len);
                out.field(data_range.clone(), DTLS_HS_BODY);
                out.note(
                    at..data_range.end,
                    Severity::Note,
                    NoteGroup::Reassembly,
                    format!(
                        "message_seq {seq} arrived in more than {MAX_PIECES} separate pieces: \
                         reassembly given up, fragments labelled readable"
                    ),
                );
                event(vec!["fragment".into()], version, out);
                return;
            }
        }
        if m.complete() && !was_parsed {
            let bytes = std::mem::take(&mut m.bytes);
            let msg = m.msg;
            let parsed = self.parse(msg, &bytes, data_at, out);
            let state = self.dir(dir);
            if let Some(m) = state.messages.get_mut(i) {
                m.bytes = bytes;
                m.parsed = Some(parsed.clone());
            }
            label_body(data_at, h.offset as usize, data.len(), &parsed.spans, out);
            let mut detail = parsed.detail;
            detail.push("reassembled".into());
            event(detail, parsed.version.unwrap_or(version), out);
        } else if let Some(parsed) = m.parsed.clone() {
            // A fragment of a message already whole: a retransmission.
            label_body(data_at, h.offset as usize, data.len(), &parsed.spans, out);
            let mut detail = parsed.detail;
            detail.push("retransmission".into());
            event(detail, parsed.version.unwrap_or(version), out);
        } else {
            // Not whole yet: readable, with a ClientHello's names marked once the
            // bytes before them are here.
            let leaks = if m.msg == HandshakeType::CLIENT_HELLO {
                client_hello_prefix_leaks(m.prefix())
            } else {
                Fields::new()
            };
            label_body(data_at, h.offset as usize, data.len(), &leaks, out);
            event(vec!["fragment".into()], version, out);
        }
    }

    /// The index of the tracked message a fragment belongs to, making room for a new
    /// one; `None` when it cannot be reassembled (a note says why).
    pub(super) fn track(
        &mut self,
        dir: Direction,
        h: HsHeader,
        at: u64,
        end: u64,
        out: &mut Emitter,
    ) -> Option<usize> {
        let state = self.dir(dir);
        if let Some(i) = state.find(h.seq) {
            let m = state.messages.get(i)?;
            if m.msg == h.msg && m.length == h.length {
                return Some(i);
            }
            out.note(
                at..end,
                Severity::Warn,
                NoteGroup::Reassembly,
                format!(
                    "{} fragment with message_seq {} disagrees with the message seen before \
                     ({} of {} bytes): labelled as it arrives",
                    h.msg, h.seq, m.msg, m.length
                ),
            );
            return None;
        }
        let length = h.length as usize;
        let given_up = state.make_room(length);
        if !given_up.is_empty() || (state.messages.len() >= MAX_MESSAGES - 1 && !state.bound_noted)
        {
            if !state.bound_noted || !given_up.is_empty() {
                out.note(
                    at..end,
                    Severity::Note,
                    NoteGroup::Reassembly,
                    format!(
                        "more than {MAX_MESSAGES} handshake messages in flight in this direction: \
                         the oldest are forgotten{}",
                        if given_up.is_empty() {
                            String::new()
                        } else {
                            format!(" (message_seq {given_up:?} not reassembled)")
                        }
                    ),
                );
            }
            state.bound_noted = true;
        }
        if state.buffered + length > MAX_BUFFERED {
            return None;
        }
        state.order += 1;
        state.buffered += length;
        state.messages.push(Message {
            seq: h.seq,
            msg: h.msg,
            length: h.length,
            bytes: vec![0; length],
            have: Vec::new(),
            parsed: None,
            order: state.order,
        });
        Some(state.messages.len() - 1)
    }

    /// Remembers a message that came whole (for a later retransmission in fragments,
    /// and to compare copies), if there is room.
    pub(super) fn remember(&mut self, dir: Direction, h: HsHeader, data: &[u8], parsed: &Parsed) {
        let state = self.dir(dir);
        if state.find(h.seq).is_some() {
            return;
        }
        let _ = state.make_room(data.len());
        if state.buffered + data.len() > MAX_BUFFERED {
            return;
        }
        state.order += 1;
        state.buffered += data.len();
        state.messages.push(Message {
            seq: h.seq,
            msg: h.msg,
            length: h.length,
            bytes: data.to_vec(),
            have: if data.is_empty() {
                Vec::new()
            } else {
                std::iter::once(0..h.length).collect()
            },
            parsed: Some(parsed.clone()),
            order: state.order,
        });
    }
}

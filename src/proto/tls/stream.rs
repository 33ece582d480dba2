//! The records of one direction: headers read and labelled, each record's content
//! handed to the handshake reader, the decryptor or the application.

use super::*;

impl TlsStream {
    /// Labels records from the front of `data` (stream offset `base`); returns how many
    /// bytes are done. The rest must be offered again, with more appended.
    pub fn records(&mut self, dir: Direction, base: u64, data: &[u8], out: &mut Emitter) -> usize {
        let mut pos = 0usize;
        loop {
            let rest = data.get(pos..).unwrap_or(&[]);
            if rest.is_empty() {
                return pos;
            }
            let at = base + pos as u64;
            match self.dir(dir).phase.clone() {
                Phase::Body {
                    remaining,
                    field,
                    vis,
                } => {
                    let n = rest.len().min(remaining as usize);
                    let (label, label_vis) = field.label(vis);
                    out.span(at..at + n as u64, label, label_vis);
                    pos += n;
                    let left = remaining - n as u32;
                    if let Some(d) = self.dec.as_mut() {
                        d.bytes(dir, rest.get(..n).unwrap_or(&[]));
                        if left == 0 {
                            d.finish(dir, at + n as u64, out);
                        }
                    }
                    self.dir(dir).phase = if left == 0 {
                        Phase::Header
                    } else {
                        Phase::Body {
                            remaining: left,
                            field,
                            vis,
                        }
                    };
                }
                Phase::Lost => match self.resync_point(dir, rest) {
                    Resync::Wait(skip) => {
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + skip as u64, field, vis);
                        return pos + skip;
                    }
                    Resync::Found(skip) => {
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + skip as u64, field, vis);
                        if skip < rest.len() {
                            out.note(
                                at + skip as u64..at + skip as u64 + 5,
                                Severity::Note,
                                NoteGroup::Sequence,
                                "TLS record framing found again".into(),
                            );
                            let state = self.dir(dir);
                            state.phase = Phase::Header;
                            // Best effort: assume handshake messages start with the record.
                            state.hs_unsynced = false;
                            state.hs_skip = 0;
                        }
                        pos += skip;
                    }
                    Resync::None => {
                        // Keep the last bytes: they may begin a record header.
                        let keep = rest.len().min(hdr::LEN - 1);
                        let n = rest.len() - keep;
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + n as u64, field, vis);
                        return pos + n;
                    }
                },
                Phase::Header
                    if !self.dir(dir).any_record && rest.first().is_some_and(|b| b & 0x80 != 0) =>
                {
                    match self.sslv2_hello(dir, at, rest, out) {
                        Some(n) => {
                            self.dir(dir).any_record = true;
                            pos += n;
                        }
                        None if rest.len() < 5 => return pos,
                        None => {
                            // Not SSLv2 after all: let the record-header path judge it.
                            self.dir(dir).any_record = true;
                        }
                    }
                }
                // An SSL 2.0 session (the server answered in SSLv2): every record is in
                // SSLv2's format.
                Phase::Header if self.learned().version == Some(TlsVersion::SSL2) => {
                    match self.sslv2_record(dir, at, rest, out) {
                        Some(n) => {
                            self.dir(dir).any_record = true;
                            pos += n;
                        }
                        None => return pos,
                    }
                }
                Phase::Header => match plausible_header(rest) {
                    Plausible::NeedMore => return pos,
                    Plausible::No if pos == 0 && base == 0 && !self.dir(dir).any_record => {
                        // The capture began inside a record (a connection picked up
                        // mid-stream): find the next header.
                        out.note(
                            at..at + rest.len().min(hdr::LEN) as u64,
                            Severity::Note,
                            NoteGroup::Sequence,
                            "the stream starts inside a TLS record (the capture began \
                             mid-connection): its tail is undecoded up to the next record \
                             header"
                                .into(),
                        );
                        self.dir(dir).phase = Phase::Lost;
                    }
                    Plausible::No => {
                        out.note(
                            at..at + rest.len().min(hdr::LEN) as u64,
                            Severity::Warn,
                            NoteGroup::Malformed,
                            "bytes where a TLS record header should be are not one; \
                             framing lost"
                                .into(),
                        );
                        self.dir(dir).phase = Phase::Lost;
                        // Do not rescan from this very byte.
                        let (field, vis) = self.unsynced(dir);
                        out.span(at..at + 1, field, vis);
                        pos += 1;
                    }
                    Plausible::Yes(h) => match self.record(dir, base, data, pos, h, out) {
                        Some(next) => pos = next,
                        None => return pos,
                    },
                },
            }
        }
    }

    /// Handles the record whose header starts at `pos`. Returns the position after
    /// what it labelled, or `None` to wait for more bytes.
    pub(super) fn record(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        pos: usize,
        h: RecordHeader,
        out: &mut Emitter,
    ) -> Option<usize> {
        let at = base + pos as u64;
        let body_len = usize::from(h.len);
        let end = pos + hdr::LEN + body_len;
        let version_known = self.learned().version.is_some();
        let state = self.dir(dir);
        state.any_record = true;
        let mut encrypted = state.cipher_active;
        if encrypted
            && h.content == ContentType::HANDSHAKE
            && dir == Direction::ToServer
            && !version_known
        {
            // A client that offered TLS 1.3 sends a compatibility ChangeCipherSpec before
            // its second ClientHello (after a HelloRetryRequest, RFC 8446 appendix D.4).
            // Without the server's side in the capture, that hello is recognised by its
            // own header: type 1, a length that fills the record, a TLS version.
            let head: [u8; 6] = data
                .get(pos + hdr::LEN..pos + hdr::LEN + 6)?
                .try_into()
                .ok()?;
            let [t, l0, l1, l2, major, minor] = head;
            let inner = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            if t == 1 && inner + 4 == body_len && major == 3 && minor <= 4 {
                state.cipher_active = false;
                encrypted = false;
            }
        }
        state.record_version = data
            .get(pos + 1..pos + 3)
            .and_then(|v| <[u8; 2]>::try_from(v).ok());
        match h.content {
            ContentType::HANDSHAKE if !encrypted => self.handshake_run(dir, base, data, pos, out),
            ContentType::ALERT if !encrypted && h.len != 2 => {
                // A plaintext alert is exactly two bytes: this one is encrypted, so the
                // ChangeCipherSpec before it was missed.
                self.dir(dir).cipher_active = true;
                self.record(dir, base, data, pos, h, out)
            }
            ContentType::CHANGE_CIPHER_SPEC | ContentType::ALERT if !encrypted => {
                let body = data.get(pos + hdr::LEN..end)?;
                self.header_spans(dir, at, h, false, out);
                let body_at = at + hdr::LEN as u64;
                if h.content == ContentType::CHANGE_CIPHER_SPEC {
                    out.field(body_at..body_at + body_len as u64, fields::TLS_CCS);
                    // In TLS 1.3 this is the compatibility record (RFC 8446 appendix D.4).
                    let tls13 = self.learned().version.is_some_and(|v| v.is_tls13());
                    if !tls13 {
                        self.dir(dir).cipher_active = true;
                        if let Some(d) = self.dec.as_mut() {
                            d.change_cipher(dir, out, at);
                        }
                    }
                } else {
                    out.field(body_at..body_at + body_len as u64, fields::TLS_ALERT);
                    if let [level, description] = body {
                        out.event(
                            body_at,
                            Desc::TlsAlert {
                                level: *level,
                                description: *description,
                            },
                        );
                    }
                }
                Some(end)
            }
            _ if self.null_cipher() => self.null_record(dir, base, data, pos, h, out),
            _ => {
                if h.content == ContentType::APPLICATION_DATA {
                    // Application data means keys are in use in this direction: in TLS
                    // ≤ 1.2 a ChangeCipherSpec came first, even if it was not captured.
                    self.dir(dir).cipher_active = true;
                }
                // Labelled as it arrives: application data, anything encrypted, heartbeats.
                self.header_spans(
                    dir,
                    at,
                    h,
                    encrypted || h.content == ContentType::APPLICATION_DATA,
                    out,
                );
                if encrypted || h.content == ContentType::APPLICATION_DATA {
                    if let (Some(d), Some(head)) =
                        (self.dec.as_mut(), data.get(pos..pos + hdr::LEN))
                    {
                        if let Ok(head) = <[u8; 5]>::try_from(head) {
                            d.start(dir, at, head, out);
                            if body_len == 0 {
                                d.finish(dir, at + hdr::LEN as u64, out);
                            }
                        }
                    }
                }
                let (field, vis) = match h.content {
                    ContentType::APPLICATION_DATA => (fields::TLS_APP_DATA, Visibility::Opaque),
                    ContentType::HANDSHAKE => (fields::TLS_HS_ENCRYPTED, Visibility::Opaque),
                    ContentType::ALERT => (fields::TLS_ALERT_ENCRYPTED, Visibility::Opaque),
                    ContentType::HEARTBEAT if encrypted => {
                        (fields::TLS_HEARTBEAT_ENCRYPTED, Visibility::Opaque)
                    }
                    ContentType::HEARTBEAT => (fields::TLS_HEARTBEAT, Visibility::Cleartext),
                    _ => (fields::TLS_APP_DATA, Visibility::Opaque),
                };
                self.dir(dir).phase = if body_len == 0 {
                    Phase::Header
                } else {
                    Phase::Body {
                        remaining: u32::from(h.len),
                        field: Placed::of(field),
                        vis,
                    }
                };
                Some(pos + hdr::LEN)
            }
        }
    }

    pub(super) fn header_spans(
        &self,
        dir: Direction,
        at: u64,
        h: RecordHeader,
        encrypted: bool,
        out: &mut Emitter,
    ) {
        let r = |range: Range<usize>| at + range.start as u64..at + range.end as u64;
        out.field(r(hdr::TYPE), fields::TLS_RECORD_TYPE);
        out.field(r(hdr::VERSION), fields::TLS_RECORD_VERSION);
        out.field(r(hdr::LENGTH), fields::TLS_RECORD_LENGTH);
        let plaintext = if encrypted {
            self.record_plaintext(dir, h.len)
        } else {
            None
        };
        out.event(
            at,
            Desc::TlsRecord {
                version: self.label_version(h.version),
                content: h.content,
                len: h.len,
                encrypted,
                plaintext,
            },
        );
    }

    /// What a protected record's length tells about its plaintext, from the negotiated
    /// version and suite; before a ServerHello said which, only the client's 0-RTT
    /// data, sent before the server's first record, has a size to tell (`None` for
    /// anything else).
    pub(super) fn record_plaintext(
        &self,
        dir: Direction,
        len: u16,
    ) -> Option<crate::proto::PlainLen> {
        let Some(version) = self.learned().version else {
            let cipher = match self.learned().early_data_tag {
                _ if dir != Direction::ToServer || self.dirs[1].any_record => return None,
                0 => return None,
                8 => Some(0x1305),
                _ => None,
            };
            return suites::tls13_plaintext(cipher, u32::from(len));
        };
        if version.is_tls13() {
            return suites::tls13_plaintext(self.learned().cipher, u32::from(len));
        }
        self.suite()?.record_plaintext(version, u32::from(len))
    }
}

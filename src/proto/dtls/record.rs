//! Records: DTLS 1.0/1.2 headers, DTLS 1.3 unified headers, and what the size of a
//! protected record tells (RFC 6347 section 4.1, RFC 9147 section 4).

use super::*;

impl Dtls {
    /// A DTLS 1.0/1.2 record (or a `tls12_cid` one) at the start of `b`; returns the
    /// bytes it took (to the end of `b` when its length runs past it).
    pub(super) fn record(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Option<usize> {
        let mut rd = Reader::new(b);
        let content = ContentType(rd.u8()?);
        let version = TlsVersion(rd.u16()?);
        let epoch = rd.u16()?;
        rd.skip(6)?;
        if !(20..=26).contains(&content.0) || !version.is_dtls() {
            return None;
        }
        let cid_len = if content == TLS12_CID {
            match self.cid_len.get(dir.index()).copied().flatten() {
                Some(n) => n,
                None => guess_cid(b, hdr::SEQ.end)?,
            }
        } else {
            0
        };
        rd.skip(cid_len)?;
        let len_at = rd.pos();
        let declared = usize::from(rd.u16()?);
        let body_at = rd.pos();
        let end = body_at.saturating_add(declared);
        out.field(r(at, hdr::TYPE), DTLS_RECORD_TYPE);
        out.field(r(at, hdr::VERSION), DTLS_RECORD_VERSION);
        out.field(r(at, hdr::EPOCH), DTLS_RECORD_EPOCH);
        out.field(r(at, hdr::SEQ), DTLS_RECORD_SEQ);
        out.field(r(at, hdr::SEQ.end..len_at), DTLS_RECORD_CID);
        out.field(r(at, len_at..body_at), DTLS_RECORD_LENGTH);
        let body = match b.get(body_at..end) {
            Some(body) => body,
            None => {
                let have = b.len().saturating_sub(body_at);
                out.note(
                    r(at, 0..b.len()),
                    Severity::Warn,
                    NoteGroup::Truncated,
                    format!(
                        "DTLS record declares {declared} body bytes, the datagram holds {have} \
                         (cut by the snap length, or malformed)"
                    ),
                );
                b.get(body_at..).unwrap_or(&[])
            }
        };
        let body_range = at + body_at as u64..at + (body_at + body.len()) as u64;
        let encrypted = epoch > 0 || content == TLS12_CID;
        let len16 = u16::try_from(declared).unwrap_or(u16::MAX);
        // What a protected record's length says of its plaintext (a connection-ID
        // record hides its real type inside, like TLS 1.3).
        let plaintext = if encrypted {
            self.plaintext_len(u32::from(len16), false, content == TLS12_CID)
        } else {
            None
        };
        out.event(
            at,
            Desc::TlsRecord {
                version: self.label_version(version),
                content,
                len: len16,
                encrypted: encrypted || content == ContentType::APPLICATION_DATA,
                plaintext,
            },
        );
        match content {
            ContentType::HANDSHAKE if !encrypted => {
                self.handshake_record(dir, body_range.start, body, version, out);
            }
            ContentType::CHANGE_CIPHER_SPEC if !encrypted => {
                out.field(body_range, DTLS_CCS);
            }
            ContentType::ALERT if !encrypted => {
                // Epoch 0 has no cipher: readable whatever its length.
                out.field(body_range.clone(), DTLS_ALERT);
                if let [level, description] = body {
                    out.event(
                        body_range.start,
                        Desc::TlsAlert {
                            level: *level,
                            description: *description,
                        },
                    );
                }
            }
            ContentType::HEARTBEAT if !encrypted => out.field(body_range, DTLS_HEARTBEAT),
            ACK if !encrypted => out.field(body_range, DTLS_ACK),
            ContentType::APPLICATION_DATA if !encrypted => {
                // Epoch 0 is the null cipher (RFC 6347 section 4.1): readable.
                out.span(body_range.clone(), DTLS_APP_DATA, Visibility::Cleartext);
                out.note(
                    body_range,
                    Severity::Warn,
                    NoteGroup::Leak,
                    "application data in epoch 0, before any cipher: sent readable".into(),
                );
            }
            _ => {
                let field = match content {
                    ContentType::APPLICATION_DATA => DTLS_APP_DATA,
                    ContentType::HANDSHAKE => DTLS_HS_ENCRYPTED,
                    ContentType::ALERT => DTLS_ALERT_ENCRYPTED,
                    _ => DTLS_ENCRYPTED,
                };
                out.field(body_range, field);
            }
        }
        Some(end.min(b.len()))
    }

    /// A DTLS 1.3 record with a unified header (RFC 9147 section 4); returns the bytes
    /// it took.
    pub(super) fn unified(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Option<usize> {
        let first = *b.first()?;
        let has_cid = first & 0x10 != 0;
        let seq_len = if first & 0x08 != 0 { 2 } else { 1 };
        let has_len = first & 0x04 != 0;
        let epoch_bits = first & 0x03;
        let cid_len = if has_cid {
            match self.cid_len.get(dir.index()).copied().flatten() {
                Some(n) => Some(n),
                None if has_len => guess_cid(b, 1).and_then(|n| n.checked_sub(seq_len)),
                None => None,
            }
        } else {
            Some(0)
        };
        let Some(cid_len) = cid_len else {
            out.field(r(at, 0..1), DTLS_UNIFIED);
            // A connection ID of unknown length and no length field: nothing more can
            // be placed.
            out.field(r(at, 1..b.len()), DTLS_ENCRYPTED);
            out.note(
                r(at, 0..b.len()),
                Severity::Note,
                NoteGroup::Undecoded,
                "DTLS 1.3 record with a connection ID whose length was not seen negotiated: \
                 header and ciphertext not told apart"
                    .into(),
            );
            self.unified_events(at, b.len().saturating_sub(1), epoch_bits, out);
            return Some(b.len());
        };
        let seq_at = 1 + cid_len;
        let len_at = seq_at + seq_len;
        let (body_at, declared) = if has_len {
            let l = crate::codec::be16(b, len_at)?;
            (len_at + 2, usize::from(l))
        } else {
            (len_at, b.len().checked_sub(len_at)?)
        };
        if body_at > b.len() {
            return None;
        }
        out.field(r(at, 0..1), DTLS_UNIFIED);
        out.field(r(at, 1..seq_at), DTLS_RECORD_CID);
        out.field(r(at, seq_at..len_at), DTLS_UNIFIED_SEQ);
        out.field(r(at, len_at..body_at), DTLS_RECORD_LENGTH);
        let end = body_at.saturating_add(declared);
        if end > b.len() {
            out.note(
                r(at, 0..b.len()),
                Severity::Warn,
                NoteGroup::Truncated,
                format!(
                    "DTLS 1.3 record declares {declared} bytes, the datagram holds {} \
                     (cut by the snap length, or malformed)",
                    b.len() - body_at
                ),
            );
        }
        let end = end.min(b.len());
        out.field(r(at, body_at..end), DTLS_ENCRYPTED);
        self.unified_events(at, declared, epoch_bits, out);
        Some(end)
    }

    pub(super) fn unified_events(&self, at: u64, len: usize, epoch_bits: u8, out: &mut Emitter) {
        let len16 = u16::try_from(len).unwrap_or(u16::MAX);
        // The type is hidden; the epoch's low bits say which keys: 2 protects the
        // handshake, 1 early data, 3 and later (0 after wrapping) application data.
        let content = if epoch_bits == 2 {
            ContentType::HANDSHAKE
        } else {
            ContentType::APPLICATION_DATA
        };
        out.event(
            at,
            Desc::TlsRecord {
                version: self.facts.version.unwrap_or(TlsVersion::DTLS13),
                content,
                len: len16,
                encrypted: true,
                plaintext: self.plaintext_len(u32::from(len16), true, true),
            },
        );
    }

    /// What an encrypted record of `len` body bytes holds, when the cipher says: an
    /// AEAD record of DTLS ≤ 1.2 carries an 8-byte explicit nonce and the tag (GCM,
    /// CCM), or only the tag (ChaCha20-Poly1305); DTLS 1.3 (`tls13`) has no explicit
    /// nonce. A record whose real type is inside (`inner_type`: DTLS 1.3, RFC 9146)
    /// ends with that type byte and any amount of zero padding.
    pub(super) fn plaintext_len(
        &self,
        len: u32,
        tls13: bool,
        inner_type: bool,
    ) -> Option<PlainLen> {
        let suite = tls_parser::TlsCipherSuite::from_id(self.facts.cipher?)?;
        let tag: u32 = if suite.name.ends_with("_CCM_8") || suite.name.ends_with("CCM_8_SHA256") {
            8
        } else {
            16
        };
        let overhead = match (suite.enc, suite.enc_mode) {
            (tls_parser::TlsCipherEnc::Chacha20_Poly1305, _) => tag,
            (_, tls_parser::TlsCipherEncMode::Gcm | tls_parser::TlsCipherEncMode::Ccm) => {
                if tls13 {
                    tag
                } else {
                    8 + tag
                }
            }
            _ => return None,
        };
        let plain = len.checked_sub(overhead)?;
        Some(if inner_type {
            PlainLen {
                min: 0,
                max: plain.checked_sub(1)?,
            }
        } else {
            PlainLen {
                min: plain,
                max: plain,
            }
        })
    }
}

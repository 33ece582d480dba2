//! SSH-2 binary packets: the step over a direction, packets in the clear, the key
//! exchange, NEWKEYS and the packets sealed after it (RFC 4253 sections 6–8).

use super::*;

impl Ssh {
    /// One step of direction `dir` over `rest` (stream offset `at`): how many bytes it
    /// labelled (0 with a change of phase), or `None` to wait for more.
    pub(super) fn step(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let d = dir.index();
        let side = self.sides.get_mut(d)?;
        if let Some(mut p) = side.pending.take() {
            let n = label_pending(&mut p, at, rest, out);
            if p.body > 0 || p.mac > 0 {
                side.pending = Some(p);
            }
            return Some(n);
        }
        match side.phase {
            Phase::Version => self.version(dir, at, rest, flush, out),
            Phase::Binary => {
                let v1 = match self.is_v1() {
                    Some(v1) => v1,
                    // A server's `1.99` before the client answered: by content.
                    None if rest.len() < HEAD && !flush => return None,
                    None => !plausible_clear_packet(rest),
                };
                self.set_phase(dir, if v1 { Phase::V1Clear } else { Phase::Clear });
                Some(0)
            }
            Phase::Clear => self.clear(dir, at, rest, flush, out),
            Phase::Sealed { mac } => self.sealed(dir, at, rest, mac, flush, out),
            Phase::Readable { mac } => self.readable(dir, at, rest, mac, flush, out),
            Phase::Plain => {
                out.field(at..at + rest.len() as u64, SSH_PAYLOAD);
                Some(rest.len())
            }
            Phase::Unframed => {
                out.field(at..at + rest.len() as u64, SSH_ENCRYPTED);
                // One or more packets whose boundaries are hidden: what arrived.
                out.event(
                    at,
                    Desc::Sealed {
                        proto: "SSH",
                        unit: "packets",
                        len: u32::try_from(rest.len()).unwrap_or(u32::MAX),
                        plaintext: None,
                    },
                );
                Some(rest.len())
            }
            Phase::V1Clear => self.v1_clear(dir, at, rest, flush, out),
            Phase::V1Sealed => self.v1_sealed(dir, at, rest, flush, out),
            Phase::Lost { search } => lost(side, at, rest, search, flush, out),
            Phase::NotSsh => {
                let explain = !side.explained;
                side.explained |= unknown::classify_chunk_explained(at, rest, explain, out);
                Some(rest.len())
            }
        }
    }

    pub(super) fn set_phase(&mut self, dir: Direction, phase: Phase) {
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.phase = phase;
        }
    }

    pub(super) fn side(&self, dir: Direction) -> Option<&Side> {
        self.sides.get(dir.index())
    }

    /// SSH-2 packets in the clear.
    pub(super) fn clear(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let Some(len) = be32(rest, 0) else {
            return Self::cut_header(at, rest, flush, out);
        };
        if !(12..=MAX_PACKET).contains(&len) {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("packet_length {len} is no SSH packet: framing lost"),
            );
            self.set_phase(dir, Phase::Lost { search: true });
            return Some(0);
        }
        let total = 4 + len as usize;
        note_long(len, at, out);
        if total > MAX_WHOLE {
            if rest.len() < HEAD && !flush {
                return None;
            }
            return Some(self.long_packet(dir, at, rest, total, SSH_MESSAGE_DATA, 0, out));
        }
        match rest.get(..total) {
            Some(p) => {
                self.clear_packet(dir, at, p, total, out);
                Some(total)
            }
            None if flush => {
                self.clear_packet(dir, at, rest, total, out);
                self.cut(dir, at, rest.len(), total, SSH_MESSAGE_DATA, 0, out);
                Some(rest.len())
            }
            None => None,
        }
    }

    /// Fewer than four bytes of a packet header, and no more to come before a gap or
    /// the end.
    pub(super) fn cut_header(
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if !flush {
            return None;
        }
        out.field(at..at + rest.len() as u64, SSH_PACKET_LENGTH);
        out.note(
            at..at + rest.len() as u64,
            Severity::Note,
            NoteGroup::Truncated,
            format!("SSH packet header cut off after {} bytes", rest.len()),
        );
        Some(rest.len())
    }

    /// A packet cut short (`got` of `total` bytes, then a gap or the end): the rest,
    /// should it come, is labelled `field` and `mac` bytes of MAC.
    #[allow(clippy::too_many_arguments)] // where, how much, and how to label the rest
    pub(super) fn cut(
        &mut self,
        dir: Direction,
        at: u64,
        got: usize,
        total: usize,
        field: FieldId,
        mac: u32,
        out: &mut Emitter,
    ) {
        out.note(
            at..at + got as u64,
            Severity::Note,
            NoteGroup::Truncated,
            format!("SSH packet cut off: {got} of {total} bytes"),
        );
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: total.saturating_sub(got) as u64,
                field,
                mac: u64::from(mac),
            });
        }
    }

    /// A packet longer than [`MAX_WHOLE`]: its head is described, the rest labelled
    /// `field` as it arrives.
    #[allow(clippy::too_many_arguments)] // where, how long, and how to label the rest
    pub(super) fn long_packet(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        total: usize,
        field: FieldId,
        mac: u32,
        out: &mut Emitter,
    ) -> usize {
        let head = rest.len().min(HEAD);
        let parts = [
            (0..4, SSH_PACKET_LENGTH),
            (4..5, SSH_PADDING_LENGTH),
            (5..6, SSH_MESSAGE_CODE),
        ];
        line_spans(out, at, head, &parts, field);
        let code = rest.get(5).copied();
        out.note(
            at..at + head as u64,
            Severity::Note,
            NoteGroup::Undecoded,
            format!("{total}-byte SSH packet: longer than {MAX_WHOLE} bytes, labelled as it arrives, not parsed"),
        );
        out.event(
            at,
            Desc::App {
                proto: "SSH",
                text: code.map_or_else(|| "packet".to_string(), message_name),
                leaks: Vec::new(),
            },
        );
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: total.saturating_sub(head) as u64,
                field,
                mac: u64::from(mac),
            });
        }
        head
    }

    /// Labels and describes one SSH-2 packet in the clear (`p`: `total` bytes, or
    /// fewer when cut off).
    pub(super) fn clear_packet(
        &mut self,
        dir: Direction,
        at: u64,
        p: &[u8],
        total: usize,
        out: &mut Emitter,
    ) {
        let mut f = Found::default();
        let payload = payload_range(p, total, &mut f, at, out);
        let code = p.get(5).copied();
        if let Some(code) = code {
            f.parts.push((5..6, SSH_MESSAGE_CODE));
            let body = p.get(..payload.end.min(p.len())).unwrap_or(p);
            self.clear_message(dir, code, body, &mut f);
        }
        f.parts.push((payload.end..total, SSH_PADDING));
        line_spans(out, at, p.len(), &f.parts, SSH_MESSAGE_DATA);
        emit(out, at, f);
        if code == Some(MSG_NEWKEYS) {
            self.newkeys(dir, at + p.len() as u64, out);
        }
    }

    /// A message sent before NEWKEYS: `p` is the packet up to the end of its payload.
    pub(super) fn clear_message(&mut self, dir: Direction, code: u8, p: &[u8], f: &mut Found) {
        match code {
            MSG_KEXINIT => {
                f.text = "KEXINIT".into();
                if let Some(lists) = kexinit(p, &mut f.parts) {
                    if let Some(s) = self.sides.get_mut(dir.index()) {
                        s.kexinit = Some(lists);
                        s.kexinit_seen = true;
                    }
                    self.negotiate();
                }
            }
            MSG_NEWKEYS => f.text = "NEWKEYS".into(),
            30..=34 => {
                let kind = self
                    .negotiated()
                    .and_then(|n| n.kex)
                    .map_or(KexKind::Unknown, |k| KexKind::of(&k));
                self.kex_message(kind, code, p, f);
            }
            MSG_DISCONNECT => {
                let mut r = Reader::new(p);
                let reason = r.skip(HEAD).and_then(|_| r.u32());
                let text = reason
                    .and_then(|_| string(&mut r))
                    .map(|s| crate::text::lossy(s.bytes).into_owned());
                f.text = match (reason, text) {
                    (Some(n), Some(t)) if !t.is_empty() => {
                        format!("DISCONNECT ({n}: {})", shorten(&t, 60))
                    }
                    (Some(n), _) => format!("DISCONNECT ({n})"),
                    _ => "DISCONNECT".into(),
                };
            }
            c => f.text = message_name(c),
        }
    }

    /// Messages 30–34: their meaning depends on the key exchange method.
    pub(super) fn kex_message(&mut self, kind: KexKind, code: u8, p: &[u8], f: &mut Found) {
        let mut r = Reader::new(p);
        if r.skip(HEAD).is_none() {
            f.text = message_name(code);
            return;
        }
        let one = labelled_string;
        let name = match (kind, code) {
            (KexKind::Ecdh, 30) => {
                let _ = one(&mut r, SSH_ECDH_Q_C, f);
                "KEX_ECDH_INIT"
            }
            (KexKind::Dh, 30) => {
                let _ = one(&mut r, SSH_DH_E, f);
                "KEXDH_INIT"
            }
            (KexKind::Gex, 30) => {
                if r.u32().is_some() {
                    f.parts.push((HEAD..HEAD + 4, SSH_GEX_NBITS));
                }
                "KEX_DH_GEX_REQUEST_OLD"
            }
            (KexKind::Gex, 34) => {
                for (i, field) in [SSH_GEX_MIN, SSH_GEX_NBITS, SSH_GEX_MAX]
                    .into_iter()
                    .enumerate()
                {
                    if r.u32().is_some() {
                        let s = HEAD + 4 * i;
                        f.parts.push((s..s + 4, field));
                    }
                }
                "KEX_DH_GEX_REQUEST"
            }
            (KexKind::Gex, 31) => {
                let _ = one(&mut r, SSH_GEX_P, f).and_then(|_| one(&mut r, SSH_GEX_G, f));
                "KEX_DH_GEX_GROUP"
            }
            (KexKind::Gex, 32) => {
                let _ = one(&mut r, SSH_DH_E, f);
                "KEX_DH_GEX_INIT"
            }
            (KexKind::Ecdh | KexKind::Dh, 31)
            | (KexKind::Gex, 33)
            | (KexKind::Unknown, 31 | 33) => {
                let key = self.host_key(&mut r, kind == KexKind::Unknown, f);
                if key.is_some() {
                    let value = match kind {
                        KexKind::Ecdh => SSH_ECDH_Q_S,
                        _ => SSH_DH_F,
                    };
                    let _ = one(&mut r, value, f).and_then(|_| one(&mut r, SSH_KEX_H_SIG, f));
                }
                let name = match (kind, code) {
                    (KexKind::Ecdh, _) => "KEX_ECDH_REPLY",
                    (KexKind::Dh, _) => "KEXDH_REPLY",
                    (KexKind::Gex, _) => "KEX_DH_GEX_REPLY",
                    _ => "",
                };
                let name = if name.is_empty() {
                    format!("KEX message {code}")
                } else {
                    name.to_string()
                };
                f.text = match key {
                    Some((t, fp)) => format!("{name} (host key {t} {fp})"),
                    None => name,
                };
                return;
            }
            _ => {
                f.text = format!("KEX message {code}");
                return;
            }
        };
        f.text = name.into();
    }

    /// The host key K_S at the reader: labelled, fingerprinted, and reported as a leak.
    /// With `check`, only when it looks like one (the method is not known).
    pub(super) fn host_key(
        &mut self,
        r: &mut Reader<'_>,
        check: bool,
        f: &mut Found,
    ) -> Option<(String, String)> {
        let save = r.clone();
        let s = string(r)?;
        let key_type = key_type(s.bytes);
        if check && (key_type.is_none() || !s.whole) {
            *r = save;
            return None;
        }
        let key_type = key_type.unwrap_or_else(|| "unknown".into());
        f.parts.push((s.len_at.clone(), SSH_HOST_KEY_LENGTH));
        f.parts.push((s.body.clone(), SSH_HOST_KEY));
        if !s.whole {
            return None;
        }
        let fp = fingerprint(s.bytes);
        f.leaks
            .push((LeakKind::HostKey, format!("{key_type} {fp}")));
        self.host_key = Some((key_type.clone(), fp.clone()));
        Some((key_type, fp))
    }

    /// NEWKEYS sent in `dir`: what follows is under the negotiated cipher.
    pub(super) fn newkeys(&mut self, dir: Direction, at: u64, out: &mut Emitter) {
        let n = self.negotiated();
        let d = dir.index();
        let cipher = n.as_ref().and_then(|n| n.cipher.get(d).cloned().flatten());
        let mac = n.as_ref().and_then(|n| n.mac.get(d).cloned().flatten());
        let phase = match cipher.as_deref() {
            None => {
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Undecoded,
                    "the cipher is not known (a KEXINIT was not read): packet boundaries are not followed".into(),
                );
                Phase::Unframed
            }
            Some("none") => {
                out.note(
                    at..at + 1,
                    Severity::Warn,
                    NoteGroup::Leak,
                    "cipher none: this direction is not encrypted".into(),
                );
                match mac_len(mac.as_deref().unwrap_or("none")) {
                    Some(m) => Phase::Readable { mac: m },
                    None => Phase::Plain,
                }
            }
            Some(c) if is_gcm(c) => Phase::Sealed { mac: 16 },
            Some(_) => match mac.as_deref() {
                Some(m) if m.ends_with("-etm@openssh.com") => match mac_len(m) {
                    Some(n) => Phase::Sealed { mac: n },
                    None => Phase::Unframed,
                },
                // chacha20-poly1305 and encrypt-and-MAC: the length is encrypted.
                _ => Phase::Unframed,
            },
        };
        self.set_phase(dir, phase);
    }

    /// After NEWKEYS with `packet_length` in the clear: the length is header, the rest
    /// opaque as it arrives, then the MAC.
    pub(super) fn sealed(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        mac: u32,
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let Some(len) = be32(rest, 0) else {
            return Self::cut_header(at, rest, flush, out);
        };
        if len < 8 || len % 8 != 0 || len > MAX_PACKET {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "packet_length {len} is no encrypted SSH packet (a multiple of the cipher block): \
                     framing lost, the rest of this direction is opaque"
                ),
            );
            self.set_phase(dir, Phase::Unframed);
            return Some(0);
        }
        note_long(len, at, out);
        out.event(
            at,
            Desc::Sealed {
                proto: "SSH",
                unit: "packet",
                len: 4 + len + mac,
                // payload = packet_length - padding_length - 1, and the padding is 4 to
                // 255 bytes (RFC 4253 section 6), but padding_length is encrypted: the
                // payload (message number and fields; compressed, if compression was
                // negotiated) is between packet_length - 256 and packet_length - 5.
                plaintext: Some(PlainLen {
                    min: len.saturating_sub(256).max(1),
                    max: len - 5,
                }),
            },
        );
        out.field(at..at + 4, SSH_PACKET_LENGTH);
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: u64::from(len),
                field: SSH_ENCRYPTED,
                mac: u64::from(mac),
            });
        }
        Some(4)
    }

    /// After NEWKEYS under the `none` cipher: packets readable, then their MAC.
    pub(super) fn readable(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        mac: u32,
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let Some(len) = be32(rest, 0) else {
            return Self::cut_header(at, rest, flush, out);
        };
        if !(12..=MAX_PACKET).contains(&len) {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("packet_length {len} is no SSH packet: framing lost"),
            );
            self.set_phase(dir, Phase::Plain);
            return Some(0);
        }
        note_long(len, at, out);
        let total = 4 + len as usize;
        if total > MAX_WHOLE {
            if rest.len() < HEAD && !flush {
                return None;
            }
            return Some(self.long_packet(dir, at, rest, total, SSH_PAYLOAD, mac, out));
        }
        let p = match rest.get(..total) {
            Some(p) => p,
            None if flush => rest,
            None => return None,
        };
        let mut f = Found::default();
        let payload = payload_range(p, total, &mut f, at, out);
        if let Some(&code) = p.get(5) {
            f.parts.push((5..6, SSH_MESSAGE_CODE));
            let body = p.get(..payload.end.min(p.len())).unwrap_or(p);
            readable_message(code, body, &mut f);
        }
        f.parts.push((payload.end..total, SSH_PADDING));
        line_spans(out, at, p.len(), &f.parts, SSH_PAYLOAD);
        emit(out, at, f);
        if p.len() < total {
            self.cut(dir, at, p.len(), total, SSH_PADDING, mac, out);
            return Some(p.len());
        }
        if mac > 0 {
            if let Some(s) = self.sides.get_mut(dir.index()) {
                s.pending = Some(Pending {
                    body: 0,
                    field: SSH_MAC,
                    mac: u64::from(mac),
                });
            }
        }
        Some(total)
    }
}

//! SSH-1 (draft-ylonen-ssh-protocol-00): packets in the clear, then sealed.

use super::*;

impl Ssh {
    /// SSH-1 packets in the clear: the server's public key, the client's session key.
    pub(super) fn v1_clear(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if rest.len() < 4 {
            return Self::cut_header(at, rest, flush, out);
        }
        let Some((len, pad, total)) = self.v1_header(dir, at, rest, out)? else {
            return Some(0);
        };
        if total > MAX_WHOLE {
            return Some(self.long_packet(dir, at, rest, total, SSH_MESSAGE_DATA, 0, out));
        }
        let p = match rest.get(..total) {
            Some(p) => p,
            None if flush => rest,
            None => return None,
        };
        let kind = 4 + pad;
        let mut f = Found::default();
        f.parts.push((0..4, SSH_PACKET_LENGTH));
        f.parts.push((4..kind, SSH_PADDING));
        f.parts.push((kind..kind + 1, SSH_MESSAGE_CODE));
        let code = p.get(kind).copied();
        let body_end = (4 + pad + len as usize).saturating_sub(4);
        let body = p.get(kind + 1..body_end.min(p.len())).unwrap_or(&[]);
        match code {
            Some(SSH1_SMSG_PUBLIC_KEY) => {
                f.text = "SMSG_PUBLIC_KEY".into();
                if let Some((r, t, fp)) = v1_public_key(body) {
                    let off = kind + 1;
                    f.parts.push((off + r.start..off + r.end, SSH_HOST_KEY));
                    f.text = format!("SMSG_PUBLIC_KEY (host key {t} {fp})");
                    f.leaks.push((LeakKind::HostKey, format!("{t} {fp}")));
                    self.host_key = Some((t, fp));
                }
            }
            Some(SSH1_CMSG_SESSION_KEY) => {
                let off = kind + 1;
                f.text = "CMSG_SESSION_KEY".into();
                if let Some(&c) = body.first() {
                    self.v1_cipher = Some(c);
                    f.parts.push((off..off + 1, SSH1_CIPHER));
                    f.text = format!("CMSG_SESSION_KEY (cipher {})", v1_cipher_name(c));
                    // The anti-spoofing cookie (8), then the encrypted session key.
                    let mut r = Reader::new(body);
                    if r.skip(9).is_some() {
                        if let Some(n) = r.u16() {
                            let bytes = usize::from(n).div_ceil(8);
                            let end = (10 + 1 + bytes).min(body.len());
                            f.parts.push((off + 9..off + end, SSH1_SESSION_KEY));
                        }
                    }
                }
            }
            Some(c) => f.text = format!("SSH-1 message {c}"),
            None => f.text = "SSH-1 packet".into(),
        }
        f.parts.push((body_end..total, SSH1_CRC));
        line_spans(out, at, p.len(), &f.parts, SSH_MESSAGE_DATA);
        emit(out, at, f);
        if p.len() < total {
            self.cut(dir, at, p.len(), total, SSH_MESSAGE_DATA, 0, out);
            return Some(p.len());
        }
        if matches!(code, Some(SSH1_SMSG_PUBLIC_KEY | SSH1_CMSG_SESSION_KEY)) {
            self.set_phase(dir, Phase::V1Sealed);
        }
        Some(total)
    }

    /// An SSH-1 packet header (`rest` holds at least its four bytes): (length,
    /// padding, total), `Some(None)` after losing framing.
    #[allow(clippy::type_complexity)] // three lengths, and two ways not to have them
    pub(super) fn v1_header(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        out: &mut Emitter,
    ) -> Option<Option<(u32, usize, usize)>> {
        let len = be32(rest, 0)?;
        if !(5..=MAX_PACKET).contains(&len) {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("length {len} is no SSH-1 packet: framing lost"),
            );
            let next = match self.side(dir).map(|s| s.phase) {
                Some(Phase::V1Sealed) => Phase::Unframed,
                _ => Phase::Lost { search: false },
            };
            self.set_phase(dir, next);
            return Some(None);
        }
        let pad = 8 - (len as usize % 8);
        Some(Some((len, pad, 4 + pad + len as usize)))
    }

    /// SSH-1 after the key exchange: the length in the clear, the rest opaque (or
    /// readable under cipher 0, none).
    pub(super) fn v1_sealed(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if rest.len() < 4 {
            return Self::cut_header(at, rest, flush, out);
        }
        let Some((len, pad, total)) = self.v1_header(dir, at, rest, out)? else {
            return Some(0);
        };
        if self.v1_cipher == Some(0) {
            // No encryption: the padding, type, data and check are readable.
            out.field(at..at + 4, SSH_PACKET_LENGTH);
            if let Some(s) = self.sides.get_mut(dir.index()) {
                s.pending = Some(Pending {
                    body: (pad + len as usize) as u64,
                    field: SSH_PAYLOAD,
                    mac: 0,
                });
            }
            return Some(4);
        }
        out.event(
            at,
            Desc::Sealed {
                proto: "SSH",
                unit: "packet",
                len: u32::try_from(total).unwrap_or(u32::MAX),
                // The length covers type, data and the 4-byte check; the padding
                // follows from it: the message is exactly length - 4 bytes.
                plaintext: Some(PlainLen {
                    min: len - 4,
                    max: len - 4,
                }),
            },
        );
        out.field(at..at + 4, SSH_PACKET_LENGTH);
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: (pad + len as usize) as u64,
                field: SSH_ENCRYPTED,
                mac: 0,
            });
        }
        Some(4)
    }

    /// Whether the connection speaks SSH-1: the client's version (it chooses when the
    /// server offers both with `1.99`), else the server's; `None` while only a
    /// server's `1.99` is known.
    pub(super) fn is_v1(&self) -> Option<bool> {
        let v1 = |b: &Banner| b.proto.starts_with("1.") && b.proto != "1.99";
        let [c, s] = &self.sides;
        match (&c.banner, &s.banner) {
            (Some(b), _) => Some(v1(b)),
            (None, Some(b)) if b.proto == "1.99" => None,
            (None, Some(b)) => Some(v1(b)),
            (None, None) => Some(false),
        }
    }
}

/// SSH-1 cipher numbers (draft-ylonen-ssh-protocol-00, section "Encryption").
pub(super) fn v1_cipher_name(c: u8) -> &'static str {
    match c {
        0 => "none",
        1 => "idea",
        2 => "des",
        3 => "3des",
        4 => "tss",
        5 => "arcfour",
        6 => "blowfish",
        _ => "unknown",
    }
}

/// SMSG_PUBLIC_KEY's body (after the type): the host key's range in it, `rsa1 N`, and
/// the fingerprint OpenSSH gave SSH-1 keys (SHA-256 of the modulus, then the exponent).
pub(super) fn v1_public_key(body: &[u8]) -> Option<(Range<usize>, String, String)> {
    let mut r = Reader::new(body);
    r.skip(8)?; // anti-spoofing cookie
                // The server key: bits, exponent, modulus.
    r.u32()?;
    v1_mpint(&mut r)?;
    v1_mpint(&mut r)?;
    let start = r.pos();
    let bits = r.u32()?;
    let e = v1_mpint(&mut r)?;
    let n = v1_mpint(&mut r)?;
    let mut blob = n.to_vec();
    blob.extend_from_slice(e);
    Some((start..r.pos(), format!("rsa1 {bits}"), fingerprint(&blob)))
}

/// An SSH-1 multiple-precision integer: its size in bits (u16), then the bytes.
pub(super) fn v1_mpint<'a>(r: &mut Reader<'a>) -> Option<&'a [u8]> {
    let bits = r.u16()?;
    r.take(usize::from(bits).div_ceil(8))
}

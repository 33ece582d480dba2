//! The payload chain of an IKE message: each payload labelled, identities read,
//! proposals kept.

use super::*;

impl Ike {
    /// A message shorter than its header.
    pub(super) fn cut(&mut self, at: u64, len: usize, out: &mut Emitter) {
        out.note(
            at..at + len as u64,
            Severity::Warn,
            NoteGroup::Truncated,
            format!("IKE message of {len} bytes is shorter than its 28-byte header"),
        );
    }

    /// Walks the payload chain of a message body (offset `at`); returns the payloads'
    /// short names for the packet line.
    pub(super) fn payloads(
        &mut self,
        ctx: &Context,
        first: u8,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Vec<&'static str> {
        let r = |s: usize, e: usize| at + s as u64..at + e as u64;
        let end = b.len();
        let mut names = Vec::new();
        let mut np = first;
        let mut pos = 0usize;
        while np != 0 && pos < end {
            if names.len() >= MAX_PAYLOADS {
                out.note(
                    r(pos, end),
                    Severity::Warn,
                    NoteGroup::Malformed,
                    format!("more than {MAX_PAYLOADS} IKE payloads; the rest is not decoded"),
                );
                out.field(r(pos, end), crate::fields::PAYLOAD);
                return names;
            }
            let (Some(&next), Some(plen)) = (b.get(pos), be16(b, pos + 2)) else {
                out.note(
                    r(pos, end),
                    Severity::Warn,
                    NoteGroup::Truncated,
                    "IKE payload header cut short".into(),
                );
                out.field(r(pos, end), crate::fields::PAYLOAD);
                return names;
            };
            let plen = usize::from(plen);
            out.field(r(pos, pos + 4), ISAKMP_PAYLOAD);
            if plen < 4 || pos + plen > end {
                let why = if plen < 4 {
                    format!("IKE payload length {plen} is shorter than its header")
                } else {
                    format!(
                        "IKE payload length {plen} runs {} bytes past the message",
                        pos + plen - end
                    )
                };
                out.note(r(pos, end), Severity::Warn, NoteGroup::Malformed, why);
                out.field(r(pos + 4, end), crate::fields::PAYLOAD);
                return names;
            }
            let body = b.get(pos + 4..pos + plen).unwrap_or(&[]);
            names.push(payload_name(ctx.major, np));
            let encrypted = self.payload(ctx, np, at + pos as u64 + 4, body, out);
            pos += plen;
            if encrypted {
                // SK and SKF are last: their next-payload field names the first payload
                // inside the ciphertext.
                np = 0;
                break;
            }
            np = next;
        }
        if pos < end {
            out.note(
                r(pos, end),
                Severity::Warn,
                NoteGroup::Malformed,
                format!("{} bytes after the last IKE payload", end - pos),
            );
            out.field(r(pos, end), crate::fields::PAYLOAD);
        } else if np != 0 {
            out.note(
                r(end, end),
                Severity::Note,
                NoteGroup::Truncated,
                format!("the IKE payload chain names payload {np} after the end of the message"),
            );
        }
        names
    }

    /// Labels one payload body; true when it is an encrypted payload (the last).
    pub(super) fn payload(
        &mut self,
        ctx: &Context,
        t: u8,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> bool {
        let end = at + b.len() as u64;
        let field: FieldId = match (ctx.major, t) {
            (2, v2::SK) => {
                out.field(at..end, ISAKMP_SK);
                return true;
            }
            (2, v2::SKF) => {
                let split = (at + 4).min(end);
                out.field(at..split, ISAKMP_SKF);
                out.field(split..end, ISAKMP_SK);
                return true;
            }
            (2, v2::SA) | (1, v1::SA) => {
                self.sa(ctx, b);
                ISAKMP_SA
            }
            (2, v2::KE) | (1, v1::KE) => ISAKMP_KE,
            (2, v2::NONCE) | (1, v1::NONCE) => ISAKMP_NONCE,
            (2, v2::IDI | v2::IDR) | (1, v1::ID) => {
                self.identity(ctx, at, b, out);
                return false;
            }
            (2, v2::AUTH) | (1, v1::HASH | v1::SIG) => ISAKMP_AUTH,
            (2, v2::CERT | v2::CERTREQ) | (1, v1::CERT | v1::CR) => ISAKMP_CERT,
            (2, v2::NOTIFY) | (1, v1::NOTIFY) => ISAKMP_NOTIFY,
            (2, v2::VID) | (1, v1::VID) => ISAKMP_VID,
            _ => ISAKMP_BODY,
        };
        out.field(at..end, field);
        false
    }

    /// An Identification payload in the clear: its type, and its data as a leak.
    pub(super) fn identity(&mut self, ctx: &Context, at: u64, b: &[u8], out: &mut Emitter) {
        let end = at + b.len() as u64;
        let split = (at + 4).min(end);
        out.field(at..split, ISAKMP_ID_TYPE);
        out.field(split..end, ISAKMP_ID);
        let (Some(&kind), Some(data)) = (b.first(), b.get(4..)) else {
            return;
        };
        let Some(value) = id_text(kind, data) else {
            return;
        };
        if self.ids.len() < MAX_KEPT && !self.ids.contains(&value) {
            self.ids.push(value.clone());
        }
        let _ = ctx;
        out.event(
            at,
            Desc::Leak {
                kind: LeakKind::Identity,
                value,
            },
        );
    }

    /// Reads an SA payload's proposals into the flow's facts.
    pub(super) fn sa(&mut self, ctx: &Context, b: &[u8]) {
        let proposals = if ctx.major == 2 { sa_v2(b) } else { sa_v1(b) };
        if ctx.major == 1 && ctx.exchange == v1::AGGRESSIVE {
            let psk = |s: &Suite| s.auth.as_deref().is_some_and(|a| a.contains("PSK"));
            if (ctx.response && proposals.first().is_some_and(psk))
                || (!ctx.response && proposals.iter().any(psk))
            {
                self.aggressive_psk = true;
            }
        }
        if ctx.response {
            if let Some(p) = proposals.into_iter().next() {
                self.chosen = Some(p);
            }
        } else if self.offered.is_empty() {
            self.offered = proposals.iter().take(MAX_KEPT).map(Suite::words).collect();
        }
    }
}

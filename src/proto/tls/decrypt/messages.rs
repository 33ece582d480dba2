//! Decrypted handshake messages and alerts described for the key holder
//! (certificate names, ALPN, alert words); also used by QUIC.

use super::*;

/// DTLS handshake messages (12-byte headers: type, length, message_seq, fragment
/// offset and length) as TLS ones (4-byte headers), whole messages only: a fragment of
/// an encrypted message is left out.
pub(super) fn dtls_to_tls_handshake(pt: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut r = Reader::new(pt);
    while let (Some(t), Some(len), Some(_seq), Some(off), Some(flen)) =
        (r.u8(), r.u24(), r.u16(), r.u24(), r.u24())
    {
        let Some(frag) = r.take(flen as usize) else {
            break;
        };
        if off == 0 && flen == len {
            out.push(t);
            out.extend_from_slice(len.to_be_bytes().get(1..).unwrap_or(&[]));
            out.extend_from_slice(frag);
        }
    }
    out
}

/// Describes a decrypted handshake message for the key holder (`Certificate (CN=…,
/// issuer=…)`, `EncryptedExtensions (ALPN=h2)`); names only the endpoints saw go to
/// `secrets`. Shared by TLS and QUIC.
pub(crate) fn describe_message(
    msg: HandshakeType,
    body: &[u8],
    tls13: bool,
    secrets: &mut Vec<String>,
) -> String {
    match msg {
        HandshakeType::CERTIFICATE => {
            let list = if tls13 {
                // certificate_request_context<0..255>, then the list (RFC 8446 4.4.2)
                let ctx = usize::from(*body.first().unwrap_or(&0));
                body.get(1 + ctx..).unwrap_or(&[])
            } else {
                body
            };
            let certs = cert_names(list, tls13);
            let Some(first) = certs.first() else {
                return "Certificate".into();
            };
            for c in &certs {
                for n in std::iter::once(&c.subject).chain(c.sans.iter()) {
                    let s = format!("certificate name {n}");
                    if !secrets.contains(&s) {
                        secrets.push(s);
                    }
                }
            }
            format!(
                "Certificate (CN={}, issuer={})",
                first.short_subject(),
                first.short_issuer()
            )
        }
        HandshakeType::ENCRYPTED_EXTENSIONS => match alpn_of(body) {
            Some(a) => format!("EncryptedExtensions (ALPN={a})"),
            None => "EncryptedExtensions".into(),
        },
        other => other.to_string(),
    }
}

/// The names in a certificate list (TLS 1.3 entries carry extensions after each).
pub(super) fn cert_names(list: &[u8], tls13: bool) -> Vec<handshake::CertFacts> {
    let mut out = Vec::new();
    let mut r = Reader::new(list);
    let Some(len) = r.u24() else { return out };
    let Some(mut l) = r.sub(len as usize) else {
        return out;
    };
    while !l.is_empty() && out.len() < 8 {
        let Some(n) = l.u24() else { break };
        let Some(der) = l.take(n as usize) else { break };
        let mut leaks = Vec::new();
        if let Some(c) = handshake::x509_names(der, 0, &mut leaks) {
            out.push(c);
        }
        if tls13 {
            let Some(e) = l.u16() else { break };
            if l.skip(usize::from(e)).is_none() {
                break;
            }
        }
    }
    out
}

/// The ALPN protocol in EncryptedExtensions (extension 16).
pub(super) fn alpn_of(body: &[u8]) -> Option<String> {
    let mut r = Reader::new(body);
    let len = usize::from(r.u16()?);
    let mut e = r.sub(len)?;
    while !e.is_empty() {
        let t = e.u16()?;
        let l = usize::from(e.u16()?);
        let data = e.take(l)?;
        if t == 16 {
            let mut a = Reader::new(data);
            let _ = a.u16()?;
            let n = usize::from(a.u8()?);
            return Some(crate::text::lossy(a.take(n)?).into_owned());
        }
    }
    None
}

pub(super) fn alert_words(level: u8, desc: u8) -> String {
    let level = match level {
        1 => "warning",
        2 => "fatal",
        _ => "level?",
    };
    let desc = match desc {
        0 => "close_notify".to_string(),
        10 => "unexpected_message".to_string(),
        20 => "bad_record_mac".to_string(),
        40 => "handshake_failure".to_string(),
        42 => "bad_certificate".to_string(),
        48 => "unknown_ca".to_string(),
        80 => "internal_error".to_string(),
        90 => "user_canceled".to_string(),
        100 => "no_renegotiation".to_string(),
        d => format!("{d}"),
    };
    format!("{level} {desc}")
}

impl Decryptor {
    /// Decrypted handshake bytes: whole messages are described (and renegotiation
    /// hellos change the keys to come).
    pub(super) fn handshake(
        &mut self,
        dir: Direction,
        pt: &[u8],
        says: &mut Vec<String>,
        secrets: &mut Vec<String>,
        out: &mut Emitter,
        at: u64,
    ) {
        let mut hs = std::mem::take(&mut self.dir(dir).hs);
        hs.extend_from_slice(pt);
        let mut pos = 0usize;
        loop {
            let mut r = Reader::new(hs.get(pos..).unwrap_or(&[]));
            let (Some(t), Some(len)) = (r.u8(), r.u24()) else {
                break;
            };
            let Some(body) = r.take(len as usize) else {
                break;
            };
            let msg = HandshakeType(t);
            if matches!(
                msg,
                HandshakeType::FINISHED
                    | HandshakeType::KEY_UPDATE
                    | HandshakeType::END_OF_EARLY_DATA
            ) {
                self.dir(dir).expect_next = true;
            }
            says.push(self.message(dir, msg, body, secrets, out, at));
            // A renegotiation's transcript, for its extended master secret.
            self.transcript(msg, body);
            pos += 4 + len as usize;
        }
        hs.drain(..pos.min(hs.len()));
        if hs.len() > MAX_HS {
            hs.clear();
        }
        self.dir(dir).hs = hs;
    }

    /// Describes one decrypted handshake message.
    pub(super) fn message(
        &mut self,
        dir: Direction,
        msg: HandshakeType,
        body: &[u8],
        secrets: &mut Vec<String>,
        out: &mut Emitter,
        at: u64,
    ) -> String {
        let tls13 = self.version.is_some_and(|v| v.is_tls13());
        match msg {
            HandshakeType::CLIENT_HELLO if dir == Direction::ToServer => {
                self.client_hello(body);
                "ClientHello (renegotiation)".into()
            }
            HandshakeType::SERVER_HELLO if dir == Direction::ToClient => {
                if let Some(sh) = handshake::server_hello(body) {
                    self.server_hello(body, &sh, out, at);
                }
                "ServerHello (renegotiation)".into()
            }
            HandshakeType::NEW_SESSION_TICKET | HandshakeType::CLIENT_KEY_EXCHANGE if !tls13 => {
                self.plain_message(msg, body);
                msg.to_string()
            }
            other => {
                if other == HandshakeType::ENCRYPTED_EXTENSIONS
                    && alpn_of(body).as_deref() == Some("h2")
                {
                    self.view.expect_h2();
                }
                describe_message(other, body, tls13, secrets)
            }
        }
    }
}

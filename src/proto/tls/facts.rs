//! What an observer learns from a TLS handshake: the facts a flow report carries
//! ([`TlsFacts`]), and how each whole plaintext handshake message adds to them.

use super::join::PieceMap;
use super::{cipher_name, fingerprint, handshake, HandshakeType, TlsStream, TlsVersion};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::proto::{Desc, Emitter};
use std::ops::Range;

/// What an observer learned from one TLS connection so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFacts {
    /// The version the ServerHello selected.
    pub version: Option<TlsVersion>,
    /// The highest version the ClientHello offered.
    pub offered: Option<TlsVersion>,
    pub cipher: Option<u16>,
    /// The SSL 2.0 cipher kind the client chose (CLIENT-MASTER-KEY), for SSLv2 sessions.
    pub sslv2_cipher: Option<u32>,
    pub sni: Option<String>,
    /// The ClientHello offered Encrypted Client Hello: `sni` is the outer name, which
    /// is the ECH public name when the real server name travels encrypted, or the
    /// destination itself when the extension is GREASE (RFC 9849 sections 6.1, 6.2);
    /// an observer cannot tell which.
    pub ech: bool,
    /// The ClientHello offered 0-RTT data (RFC 8446 section 4.2.10): what the client
    /// sends before the ServerHello is application data under TLS 1.3's protection.
    /// The AEAD tag's length to assume of it (8 when TLS_AES_128_CCM_8_SHA256 was
    /// among the suites offered, else 16); 0 when none was offered.
    pub early_data_tag: u8,
    pub client_hello_seen: bool,
    pub server_hello_seen: bool,
    /// An abbreviated handshake: the server resumed an earlier session (a session id
    /// or ticket in TLS 1.2 and before, a pre-shared key in TLS 1.3).
    pub resumed: bool,
    /// ALPN protocols the client offered, and the one the server chose.
    pub alpn_offered: Vec<String>,
    pub alpn_chosen: Option<String>,
    /// Names in the certificates seen (TLS 1.2 and before), leaf first.
    pub certificates: Vec<CertNames>,
    /// Fingerprints of the first ClientHello and ServerHello.
    /// (Kept as bytes: the text is made when a report is printed.)
    pub ja3: Option<fingerprint::Md5Print>,
    pub ja3s: Option<fingerprint::Md5Print>,
    pub ja4: Option<fingerprint::Ja4>,
    /// What the endpoints' key log decrypted (only with `--keylog`): the key holder's
    /// view, never part of what an observer learned.
    /// Boxed: rare, and every TLS flow carries the facts.
    pub decryption: Option<Box<super::decrypt::DecryptFacts>>,
}

impl TlsFacts {
    /// What is wrong with the negotiated cipher suite, in words (empty when none was
    /// seen, or it is sound).
    pub fn weaknesses(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.version == Some(TlsVersion::SSL2) {
            out.push("SSL 2.0 (broken; RFC 6176 prohibits it)".to_string());
            if let Some(w) = self.sslv2_cipher.and_then(super::sslv2::cipher_weakness) {
                out.push(w.to_string());
            }
        }
        out.extend(
            self.cipher
                .and_then(super::suites::Suite::of)
                .map(|s| s.weaknesses())
                .unwrap_or_default(),
        );
        out
    }

    /// A ClientHello's ALPN list: kept as the offer (the first one seen wins) and
    /// returned as the packet line shows it, `ALPN=h2,http/1.1`.
    pub fn offer_alpn(&mut self, ch: &handshake::ClientHello) -> Option<String> {
        if ch.alpn.is_empty() {
            return None;
        }
        let list: Vec<String> = ch
            .alpn
            .iter()
            .map(|a| crate::text::lossy(&a.value).into_owned())
            .collect();
        let shown = format!("ALPN={}", list.join(","));
        if self.alpn_offered.is_empty() {
            self.alpn_offered = list;
        }
        Some(shown)
    }
}

/// What one certificate names, as an observer reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertNames {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
}

/// Certificates kept per connection, at most (a chain is rarely longer).
const MAX_CERTS: usize = 8;

impl TlsStream {
    /// Learns from one whole handshake message. Returns message-relative leak ranges,
    /// and the version the message speaks for (a ClientHello's highest offer, the
    /// ServerHello's choice).
    pub(super) fn parse_message(
        &mut self,
        msg: HandshakeType,
        body: &[u8],
        detail: &mut Vec<String>,
        map: &PieceMap<'_>,
        off: usize,
        out: &mut Emitter,
    ) -> (Vec<(Range<usize>, FieldId)>, Option<TlsVersion>) {
        // The words of the packet line, made only for a sink that prints them.
        let describe = out.descriptions();
        if let Some(d) = self.dec.as_mut() {
            if msg == HandshakeType::CLIENT_HELLO {
                d.client_hello(body);
            }
            d.transcript(msg, body);
            if matches!(
                msg,
                HandshakeType::CLIENT_KEY_EXCHANGE | HandshakeType::NEW_SESSION_TICKET
            ) {
                d.plain_message(msg, body);
            }
        }
        match msg {
            HandshakeType::CLIENT_HELLO => match handshake::client_hello(body) {
                Some(ch) => {
                    let facts = self.learned_mut();
                    facts.client_hello_seen = true;
                    facts.offered = Some(ch.max_version());
                    facts.early_data_tag = if !ch.extensions.contains(&handshake::EXT_EARLY_DATA) {
                        0
                    } else if ch.ciphers.contains(&0x1305) {
                        8
                    } else {
                        16
                    };
                    if ch.ech {
                        facts.ech = true;
                        if describe {
                            detail.push("ECH offered".into());
                        }
                    }
                    self.handshake().client_session_id = ch.session_id;
                    if let Some(name) = ch.server_names.first() {
                        let sni = crate::text::lossy(&name.value).into_owned();
                        if describe {
                            detail.push(format!("SNI={sni}"));
                        }
                        let at = map
                            .stream_offset(off + 4 + name.range.start)
                            .filter(|_| out.report_events());
                        if let Some(at) = at {
                            out.event(
                                at,
                                Desc::Leak {
                                    kind: crate::span::LeakKind::ServerName,
                                    value: sni.clone(),
                                },
                            );
                        }
                        self.learned_mut().sni.get_or_insert(sni);
                    }
                    if let Some(shown) = self.learned_mut().offer_alpn(&ch) {
                        if describe {
                            detail.push(shown);
                        }
                    }
                    let facts = self.learned_mut();
                    if out.fingerprints() && facts.ja4.is_none() {
                        facts.ja3 = Some(fingerprint::ja3(&ch));
                        facts.ja4 = Some(fingerprint::ja4(&ch, false));
                    }
                    // Its spans handed over, not copied (48 or more of them).
                    let offered = ch.max_version();
                    (ch.spans, Some(offered))
                }
                None => {
                    map.note(
                        off..off + 4 + body.len(),
                        Severity::Warn,
                        NoteGroup::Malformed,
                        "ClientHello could not be parsed".into(),
                        out,
                    );
                    (Vec::new(), None)
                }
            },
            HandshakeType::SERVER_HELLO => match handshake::server_hello(body) {
                Some(sh) => {
                    if let Some(d) = self.dec.as_mut() {
                        let at = map.stream_offset(off).unwrap_or(0);
                        d.server_hello(body, &sh, out, at);
                    }
                    let facts = self.learned_mut();
                    facts.server_hello_seen = true;
                    facts.cipher = Some(sh.cipher);
                    facts.version = Some(sh.selected);
                    if sh.retry_request && describe {
                        detail.push("HelloRetryRequest".into());
                    }
                    if describe {
                        detail.push(format!("cipher={}", cipher_name(sh.cipher)));
                    }
                    let weak = super::suites::Suite::of(sh.cipher)
                        .map(|s| s.weaknesses())
                        .unwrap_or_default();
                    if !weak.is_empty() {
                        map.note(
                            off..off + 4 + body.len(),
                            Severity::Warn,
                            NoteGroup::Leak,
                            format!(
                                "the server chose {}: {}",
                                cipher_name(sh.cipher),
                                weak.join("; ")
                            ),
                            out,
                        );
                    }
                    // TLS 1.2 and before: echoing the client's session id accepts it
                    // (RFC 5246 section 7.4.1.3; RFC 5077 section 3.4 for tickets). TLS 1.3
                    // always echoes it, so only an accepted pre-shared key counts there.
                    let resumed = if sh.selected.is_tls13() {
                        sh.psk
                    } else {
                        !sh.session_id.is_empty()
                            && sh.session_id == self.handshake().client_session_id
                    };
                    if resumed {
                        self.learned_mut().resumed = true;
                        if describe {
                            detail.push("resumed".into());
                        }
                    }
                    if !sh.alpn.is_empty() {
                        let list: Vec<String> = sh
                            .alpn
                            .iter()
                            .map(|a| crate::text::lossy(&a.value).into_owned())
                            .collect();
                        if describe {
                            detail.push(format!("ALPN={}", list.join(",")));
                        }
                        self.learned_mut().alpn_chosen = list.into_iter().next();
                    }
                    let facts = self.learned_mut();
                    if out.fingerprints() && facts.ja3s.is_none() && !sh.retry_request {
                        facts.ja3s = Some(fingerprint::ja3s(&sh));
                    }
                    (sh.spans, Some(sh.selected))
                }
                None => {
                    map.note(
                        off..off + 4 + body.len(),
                        Severity::Warn,
                        NoteGroup::Malformed,
                        "ServerHello could not be parsed".into(),
                        out,
                    );
                    (Vec::new(), None)
                }
            },
            HandshakeType::CERTIFICATE => match handshake::certificate(body) {
                Some(certs) => {
                    if let Some(first) = certs.certs.first().filter(|_| describe) {
                        detail.push(format!("CN={}", first.short_subject()));
                        detail.push(format!("issuer={}", first.short_issuer()));
                    }
                    if describe && certs.certs.len() + certs.malformed.len() > 1 {
                        detail.push(format!(
                            "{} certificates",
                            certs.certs.len() + certs.malformed.len()
                        ));
                    }
                    let at = map.stream_offset(off).unwrap_or(0);
                    // Room for the chain and no more: the list is kept as long as the
                    // flow (two certificates took four's room, 144 bytes more).
                    let kept = &mut self.learned_mut().certificates;
                    kept.reserve_exact(
                        certs.certs.len().min(MAX_CERTS - kept.len().min(MAX_CERTS)),
                    );
                    for c in &certs.certs {
                        let kept = &mut self.learned_mut().certificates;
                        if kept.len() < MAX_CERTS {
                            kept.push(CertNames {
                                subject: c.subject.clone(),
                                issuer: c.issuer.clone(),
                                sans: c.sans.clone(),
                            });
                        }
                        let wanted = out.report_events();
                        let names = std::iter::once(&c.subject)
                            .chain(std::iter::once(&c.issuer))
                            .chain(c.sans.iter());
                        for v in names.filter(|_| wanted) {
                            out.event(
                                at,
                                Desc::Leak {
                                    kind: crate::span::LeakKind::CertificateName,
                                    value: v.clone(),
                                },
                            );
                        }
                    }
                    if !certs.malformed.is_empty() {
                        map.note(
                            off..off + 4 + body.len(),
                            Severity::Warn,
                            NoteGroup::Malformed,
                            format!(
                                "{} certificate(s) in the chain are not valid DER: readable, names not read",
                                certs.malformed.len()
                            ),
                            out,
                        );
                    }
                    (certs.spans, None)
                }
                None => (Vec::new(), None),
            },
            _ => (Vec::new(), None),
        }
    }
}

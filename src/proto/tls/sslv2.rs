//! SSL 2.0's record format (draft-hickman-netscape-ssl-00; RFC 6101 appendix E, RFC 5246
//! appendix E.2): the SSLv2-compatible CLIENT-HELLO that TLS clients once sent, and
//! whole SSL 2.0 sessions. A record has a two-byte header (high bit set) or a
//! three-byte one with a padding count. In a session, CLIENT-HELLO, SERVER-HELLO (with
//! the server's certificate) and CLIENT-MASTER-KEY travel in the clear; then each
//! direction is encrypted (the server's right after its SERVER-HELLO, the client's
//! after CLIENT-MASTER-KEY, or at once when the server resumed a session).

use super::handshake::{overlay, x509_names};
use super::{fields, CertNames, HandshakeType, TlsStream, TlsVersion};
use crate::codec::{be16, Reader};
use crate::note::{NoteGroup, Severity};
use crate::proto::{Desc, Direction, Emitter};
use crate::span::{LeakKind, Visibility};

/// SSL 2.0 message types.
const CLIENT_HELLO: u8 = 1;
const CLIENT_MASTER_KEY: u8 = 2;
const SERVER_HELLO: u8 = 4;

/// SSL 2.0 cipher kinds (draft-hickman appendix C) and their names.
fn cipher_kind_name(kind: u32) -> Option<&'static str> {
    Some(match kind {
        0x010080 => "SSL_CK_RC4_128_WITH_MD5",
        0x020080 => "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
        0x030080 => "SSL_CK_RC2_128_CBC_WITH_MD5",
        0x040080 => "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
        0x050080 => "SSL_CK_IDEA_128_CBC_WITH_MD5",
        0x060040 => "SSL_CK_DES_64_CBC_WITH_MD5",
        0x0700c0 => "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
        _ => return None,
    })
}

/// What is weak about an SSL 2.0 cipher kind beyond SSL 2.0 itself.
pub fn cipher_weakness(kind: u32) -> Option<&'static str> {
    Some(match kind {
        0x010080 => "RC4 (biased keystream; RFC 7465 prohibits it)",
        0x020080 | 0x040080 => "EXPORT-grade keys (40 or 56 bits: breakable)",
        0x060040 => "single DES (56-bit key)",
        0x0700c0 => "3DES (64-bit blocks: Sweet32)",
        _ => return None,
    })
}

/// The cipher kind in words, or its number.
pub fn cipher_kind(kind: u32) -> String {
    cipher_kind_name(kind).map_or_else(|| format!("{kind:#08x}"), str::to_string)
}

/// An SSLv2 record header: (header length, body length including padding, padding).
fn header(b: &[u8]) -> Option<(usize, usize, u8)> {
    let b0 = *b.first()?;
    if b0 & 0x80 != 0 {
        Some((2, usize::from(be16(b, 0)? & 0x7fff), 0))
    } else {
        Some((3, usize::from(be16(b, 0)? & 0x3fff), *b.get(2)?))
    }
}

impl TlsStream {
    /// An SSLv2-format record at the start of a direction: a CLIENT-HELLO (often the
    /// SSLv2-compatible hello of a TLS client) or a SERVER-HELLO, readable. Returns its
    /// length, or `None` if the bytes are not one (or not all here yet).
    pub(super) fn sslv2_hello(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Option<usize> {
        let mut r = Reader::new(b);
        let len = usize::from(r.u16()? & 0x7fff);
        let kind = r.u8()?;
        if kind == SERVER_HELLO {
            // session-id-hit and certificate type come before the version.
            r.skip(2)?;
        }
        let version = TlsVersion(r.u16()?);
        let plausible = matches!(kind, CLIENT_HELLO | SERVER_HELLO)
            && (version == TlsVersion::SSL2 || (0x0300..=0x0304).contains(&version.0))
            && (9..=16_383).contains(&len);
        if !plausible {
            return None;
        }
        let body = b.get(2..2 + len)?;
        out.field(at..at + 2, fields::TLS_RECORD_LENGTH);
        let body_at = at + 2;
        let mut detail = vec!["SSLv2 format".to_string()];
        let msg = if kind == CLIENT_HELLO {
            // cipher_spec_length, session_id_length, challenge_length: the offered
            // version is the facts we have (no extensions, so no SNI).
            out.field(body_at..body_at + len as u64, fields::TLS_HS_BODY);
            self.learned_mut().client_hello_seen = true;
            self.learned_mut().offered = Some(version);
            if let (Some(cs), Some(sid), Some(ch)) = (be16(body, 3), be16(body, 5), be16(body, 7)) {
                let n = usize::from;
                if 9 + n(cs) + n(sid) + n(ch) != len {
                    detail.push("lengths disagree".into());
                }
            }
            HandshakeType::CLIENT_HELLO
        } else {
            self.learned_mut().server_hello_seen = true;
            self.learned_mut().version = Some(TlsVersion::SSL2);
            self.server_hello_v2(body_at, body, &mut detail, out);
            HandshakeType::SERVER_HELLO
        };
        if kind == SERVER_HELLO {
            // The server's next messages are encrypted (SERVER-VERIFY…).
            self.dir(dir).sslv2_encrypted = true;
        }
        out.event(
            at,
            Desc::TlsHandshake {
                version,
                msg,
                detail,
            },
        );
        Some(2 + len)
    }

    /// SERVER-HELLO: session-id-hit, certificate type, version, lengths, then the
    /// certificate (readable: its names are leaks), the cipher specs and the
    /// connection id.
    fn server_hello_v2(
        &mut self,
        body_at: u64,
        body: &[u8],
        detail: &mut Vec<String>,
        out: &mut Emitter,
    ) {
        let mut r = Reader::new(body);
        let parsed = (|| {
            let _kind = r.u8()?;
            let hit = r.u8()?;
            let _cert_type = r.u8()?;
            let _version = r.u16()?;
            let cert_len = usize::from(r.u16()?);
            let _specs = r.u16()?;
            let _conn = r.u16()?;
            Some((hit, r.pos(), cert_len))
        })();
        let Some((hit, cert_at, cert_len)) = parsed else {
            out.field(body_at..body_at + body.len() as u64, fields::TLS_HS_BODY);
            return;
        };
        if hit != 0 {
            detail.push("session resumed".into());
            self.learned_mut().resumed = true;
            // No CLIENT-MASTER-KEY follows: the client encrypts at once.
            self.dir(Direction::ToServer).sslv2_encrypted = true;
        }
        let mut spans = vec![(0..cert_at, fields::TLS_HS_BODY)];
        let mut leaks = Vec::new();
        if let Some(der) = body.get(cert_at..cert_at + cert_len) {
            spans.push((cert_at..cert_at + cert_len, fields::TLS_CERT));
            if let Some(c) = x509_names(der, cert_at, &mut leaks) {
                detail.push(format!("CN={}", c.short_subject()));
                detail.push(format!("issuer={}", c.short_issuer()));
                for v in [&c.subject, &c.issuer].into_iter().chain(c.sans.iter()) {
                    out.event(
                        body_at + cert_at as u64,
                        Desc::Leak {
                            kind: LeakKind::CertificateName,
                            value: v.clone(),
                        },
                    );
                }
                self.learned_mut().certificates.push(CertNames {
                    subject: c.subject,
                    issuer: c.issuer,
                    sans: c.sans,
                });
            }
        }
        spans.push((
            (cert_at + cert_len).min(body.len())..body.len(),
            fields::TLS_HS_BODY,
        ));
        // Leaks inside the certificate take their bytes; the rest keeps its field.
        for (r, f) in overlay(spans, leaks) {
            out.field(body_at + r.start as u64..body_at + r.end as u64, f);
        }
    }

    /// One record of an SSL 2.0 session (after the hellos): CLIENT-MASTER-KEY in the
    /// clear, everything encrypted once the direction's keys are in use. Returns the
    /// record's length, or `None` to wait for the rest of it.
    pub(super) fn sslv2_record(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        out: &mut Emitter,
    ) -> Option<usize> {
        let (hlen, len, padding) = header(b)?;
        let body = b.get(hlen..hlen + len)?;
        let body_at = at + hlen as u64;
        let end = body_at + len as u64;
        out.field(at..body_at, fields::TLS_RECORD_LENGTH);
        if self.dir(dir).sslv2_encrypted {
            out.span(body_at..end, fields::TLS_APP_DATA, Visibility::Opaque);
            out.event(
                at,
                Desc::TlsRecord {
                    version: TlsVersion::SSL2,
                    content: super::ContentType::APPLICATION_DATA,
                    len: u16::try_from(len).unwrap_or(u16::MAX),
                    encrypted: true,
                    plaintext: None,
                },
            );
            return Some(hlen + len);
        }
        if padding != 0 {
            out.note(
                at..end,
                Severity::Note,
                NoteGroup::Malformed,
                format!("an SSLv2 record in the clear declares {padding} bytes of padding"),
            );
        }
        match body.first() {
            Some(&CLIENT_MASTER_KEY) => self.client_master_key(dir, body_at, body, out),
            Some(&t) => {
                out.field(body_at..end, fields::TLS_HS_BODY);
                out.event(
                    body_at,
                    Desc::App {
                        proto: "SSLv2",
                        text: format!("message {t} in the clear"),
                        leaks: vec![],
                    },
                );
            }
            None => {}
        }
        Some(hlen + len)
    }

    /// CLIENT-MASTER-KEY: the cipher kind, the clear part of the master key (readable:
    /// export ciphers send most of the key this way), the RSA-encrypted part (opaque),
    /// and the key argument (an IV, readable). The client encrypts from here on.
    fn client_master_key(&mut self, dir: Direction, at: u64, body: &[u8], out: &mut Emitter) {
        let mut r = Reader::new(body);
        let parsed = (|| {
            let _kind = r.u8()?;
            let cipher = r.array::<3>()?;
            let clear = usize::from(r.u16()?);
            let encrypted = usize::from(r.u16()?);
            let arg = usize::from(r.u16()?);
            Some((cipher, clear, encrypted, arg, r.pos()))
        })();
        self.dir(dir).sslv2_encrypted = true;
        let end = at + body.len() as u64;
        let Some(([c0, c1, c2], clear, encrypted, arg, head)) = parsed else {
            out.field(at..end, fields::TLS_HS_BODY);
            return;
        };
        let cipher = u32::from(c0) << 16 | u32::from(c1) << 8 | u32::from(c2);
        self.learned_mut().sslv2_cipher = Some(cipher);
        let h = at + head as u64;
        out.field(at..h, fields::TLS_HS_BODY);
        let clear_end = (h + clear as u64).min(end);
        let enc_end = (clear_end + encrypted as u64).min(end);
        let arg_end = (enc_end + arg as u64).min(end);
        out.field(h..clear_end, fields::TLS_SSLV2_CLEAR_KEY);
        out.field(clear_end..enc_end, fields::TLS_SSLV2_ENCRYPTED_KEY);
        out.field(enc_end..arg_end, fields::TLS_HS_BODY);
        out.field(arg_end..end, fields::TLS_HS_BODY);
        if clear > 0 {
            out.note(
                h..clear_end,
                Severity::Warn,
                NoteGroup::Leak,
                format!("{clear} bytes of the master key travel in the clear (an export cipher)"),
            );
        }
        out.event(
            at,
            Desc::App {
                proto: "SSLv2",
                text: format!("ClientMasterKey (cipher={})", cipher_kind(cipher)),
                leaks: vec![],
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Dissector;

    fn v2(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = body.len() + 1;
        let mut r = vec![0x80 | (len >> 8) as u8, len as u8, kind];
        r.extend_from_slice(body);
        r
    }

    /// A whole SSL 2.0 session's records in capture order: (to the server, bytes).
    fn session() -> Vec<(Direction, Vec<u8>)> {
        let hello = {
            // version 2, cipher specs 3, session id 0, challenge 16
            let mut b = vec![0, 2, 0, 3, 0, 0, 0, 16, 0x07, 0x00, 0xc0];
            b.extend_from_slice(&[0x11; 16]);
            v2(CLIENT_HELLO, &b)
        };
        let server = {
            // hit 0, cert type 1, version 2, cert 4 bytes (not DER), specs 3, conn 16
            let mut b = vec![0, 1, 0, 2, 0, 4, 0, 3, 0, 16];
            b.extend_from_slice(&[0x30, 0x02, 0x05, 0x00]);
            b.extend_from_slice(&[0x07, 0x00, 0xc0]);
            b.extend_from_slice(&[0x22; 16]);
            v2(SERVER_HELLO, &b)
        };
        let cmk = {
            // cipher 3DES, clear key 0, encrypted key 8, key arg 8
            let mut b = vec![0x07, 0x00, 0xc0, 0, 0, 0, 8, 0, 8];
            b.extend_from_slice(&[0x33; 8]);
            b.extend_from_slice(&[0x44; 8]);
            v2(CLIENT_MASTER_KEY, &b)
        };
        let encrypted = |n: u8| {
            let mut r = vec![0x80, 24];
            r.extend_from_slice(&[n; 24]);
            r
        };
        vec![
            (Direction::ToServer, hello),
            (Direction::ToClient, server),
            (Direction::ToServer, cmk),
            (Direction::ToClient, encrypted(0x55)),
            (Direction::ToServer, encrypted(0x66)),
        ]
    }

    #[test]
    fn whole_sslv2_session_hellos_readable_master_key_split_then_opaque() {
        let mut tls = TlsStream::new();
        let mut base = [0u64; 2];
        let mut labels = Vec::new();
        for (dir, bytes) in session() {
            let mut out = Emitter::default();
            let at = base[dir.index()];
            let fed = tls.feed(dir, at, &bytes, false, &mut out);
            assert_eq!(
                fed,
                crate::proto::Fed::Done(bytes.len()),
                "{dir:?} record read"
            );
            base[dir.index()] += bytes.len() as u64;
            let covered: u64 = out.spans.iter().map(|s| s.range.end - s.range.start).sum();
            assert_eq!(covered, bytes.len() as u64, "every byte labelled");
            labels.push(out);
        }
        assert_eq!(tls.learned().version, Some(TlsVersion::SSL2));
        assert_eq!(tls.learned().sslv2_cipher, Some(0x0700c0));
        let cmk = &labels[2];
        assert!(cmk
            .spans
            .iter()
            .any(|s| s.field == fields::TLS_SSLV2_ENCRYPTED_KEY && s.vis == Visibility::Opaque));
        for encrypted in &labels[3..] {
            assert!(encrypted
                .spans
                .iter()
                .skip(1)
                .all(|s| s.vis == Visibility::Opaque));
        }
        let weak = tls.learned().weaknesses();
        assert!(weak[0].starts_with("SSL 2.0"), "{weak:?}");
        assert!(weak[1].starts_with("3DES"), "{weak:?}");
    }

    #[test]
    fn record_cut_short_waits_and_a_3_byte_header_is_read() {
        assert_eq!(header(&[0x00, 0x05, 0x02]), Some((3, 5, 2)));
        assert_eq!(header(&[0x80]), None);
        let mut tls = TlsStream::new();
        tls.learned_mut().version = Some(TlsVersion::SSL2);
        let mut out = Emitter::default();
        assert_eq!(
            tls.sslv2_record(Direction::ToServer, 0, &[0x80, 10, 2, 1], &mut out),
            None
        );
    }
}

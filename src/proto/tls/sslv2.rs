//! SSLv2-format records (RFC 6101 appendix E, RFC 5246 appendix E.2): the
//! SSLv2-compatible CLIENT-HELLO that TLS clients once sent, and SSLv2 SERVER-HELLOs.

use super::{fields, HandshakeType, TlsStream, TlsVersion};
use crate::codec::{be16, Reader};
use crate::proto::{Desc, Direction, Emitter};

impl TlsStream {
    /// An SSLv2-format record at the start of a direction (RFC 6101 appendix E,
    /// RFC 5246 appendix E.2): a CLIENT-HELLO (often the SSLv2-compatible hello of a TLS
    /// client) or a SERVER-HELLO, readable. Returns its length, or `None` if the bytes
    /// are not one (or not all here yet).
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
        let version = TlsVersion(r.u16()?);
        let plausible = matches!(kind, 1 | 4)
            && (version.0 == 0x0002 || (0x0300..=0x0304).contains(&version.0))
            && (9..=16_383).contains(&len);
        if !plausible {
            return None;
        }
        let body = b.get(2..2 + len)?;
        out.field(at..at + 2, fields::TLS_RECORD_LENGTH);
        out.field(at + 2..at + 2 + len as u64, fields::TLS_HS_BODY);
        let msg = if kind == 1 {
            HandshakeType::CLIENT_HELLO
        } else {
            HandshakeType::SERVER_HELLO
        };
        let mut detail = vec!["SSLv2 format".to_string()];
        if kind == 1 {
            // cipher_spec_length, session_id_length, challenge_length: the offered
            // version is the facts we have (no extensions, so no SNI).
            self.facts.client_hello_seen = true;
            self.facts.offered = Some(version);
            if let (Some(cs), Some(sid), Some(ch)) = (be16(body, 3), be16(body, 5), be16(body, 7)) {
                let n = usize::from;
                if 9 + n(cs) + n(sid) + n(ch) != len {
                    detail.push("lengths disagree".into());
                }
            }
        } else {
            self.facts.server_hello_seen = true;
            self.facts.version = Some(TlsVersion(0x0002));
        }
        let _ = dir;
        out.event(
            at,
            Desc::TlsHandshake {
                version: if version.0 == 0x0002 {
                    TlsVersion(0x0002)
                } else {
                    version
                },
                msg,
                detail,
            },
        );
        Some(2 + len)
    }
}

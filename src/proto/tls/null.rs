//! Records under a NULL cipher suite (RFC 5246 appendix A.5): protected in name only.
//! Their content travels in the clear, followed by a MAC; application data goes to an
//! inner stream, recognised and dissected like any plaintext protocol.

use super::record::{hdr, RecordHeader};
use super::{fields, ContentType, HandshakeType, TlsStream};
use crate::proto::inner::Inner;
use crate::proto::{Desc, Direction, Emitter};

impl TlsStream {
    /// A protected record under a NULL cipher, read whole: its content is readable
    /// (application data goes to the inner stream, to be recognised and dissected like
    /// any plaintext protocol), then the MAC.
    pub(super) fn null_record(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        pos: usize,
        h: RecordHeader,
        out: &mut Emitter,
    ) -> Option<usize> {
        let at = base + pos as u64;
        let body = data.get(pos + hdr::LEN..pos + hdr::LEN + usize::from(h.len))?;
        let mac_len = self.suite().map_or(0, |s| s.mac_len).min(body.len());
        let (content, _) = body.split_at(body.len() - mac_len);
        let body_at = at + hdr::LEN as u64;
        let content_end = body_at + content.len() as u64;
        self.dir(dir).cipher_active = true;
        self.header_spans(dir, at, h, false, out);
        match h.content {
            ContentType::APPLICATION_DATA => {
                let ports = self.ports();
                self.inner
                    .get_or_insert_with(|| Box::new(Inner::new(ports)))
                    .push(dir, body_at, content, false, out);
            }
            ContentType::ALERT => {
                out.field(body_at..content_end, fields::TLS_ALERT);
                if let [level, description] = content {
                    out.event(
                        body_at,
                        Desc::TlsAlert {
                            level: *level,
                            description: *description,
                        },
                    );
                }
            }
            ContentType::HANDSHAKE => {
                out.field(body_at..content_end, fields::TLS_HS_BODY);
                if let Some(&t) = content.first() {
                    out.event(
                        body_at,
                        Desc::TlsHandshake {
                            version: self.label_version(h.version),
                            msg: HandshakeType(t),
                            detail: vec!["NULL cipher".into()],
                        },
                    );
                }
            }
            _ => out.field(body_at..content_end, fields::TLS_NULL_CONTENT),
        }
        out.field(
            content_end..content_end + mac_len as u64,
            fields::TLS_RECORD_MAC,
        );
        Some(pos + hdr::LEN + body.len())
    }
}

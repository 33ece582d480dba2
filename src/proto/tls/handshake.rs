//! ClientHello and ServerHello contents (RFC 8446 sections 4.1.2 and 4.1.3) with the
//! byte ranges of the facts an observer learns from them.
//!
//! tls-parser validates the hello structure and parses extension contents; the
//! extension list is walked here so every extension keeps its offset (tls-parser
//! returns borrowed slices, so an offset is a pointer difference, computed safely).

use super::record::TlsVersion;
use crate::fields::{self, FieldId};
use std::ops::Range;
use tls_parser::{parse_tls_extension_alpn_content, parse_tls_extension_sni_content, TlsExtension};

pub const EXT_SERVER_NAME: u16 = 0;
pub const EXT_ALPN: u16 = 16;
pub const EXT_SUPPORTED_VERSIONS: u16 = 43;

/// SHA-256("HelloRetryRequest"): the ServerHello random of a HelloRetryRequest.
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// A fact with the message-relative bytes it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub range: Range<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    pub server_names: Vec<Located<Vec<u8>>>,
    pub alpn: Vec<Located<Vec<u8>>>,
    /// supported_versions, GREASE included, in the client's order.
    pub versions: Vec<TlsVersion>,
}

impl ClientHello {
    /// The highest real version offered.
    pub fn max_version(&self) -> TlsVersion {
        self.versions
            .iter()
            .copied()
            .filter(|v| !v.is_grease())
            .max()
            .unwrap_or(TlsVersion(self.legacy_version))
    }

    /// Ranges of leak fields, for labelling.
    pub fn leak_spans(&self) -> Vec<(Range<usize>, FieldId)> {
        let mut out: Vec<(Range<usize>, FieldId)> = self
            .server_names
            .iter()
            .map(|n| (n.range.clone(), fields::TLS_HS_SNI))
            .chain(
                self.alpn
                    .iter()
                    .map(|a| (a.range.clone(), fields::TLS_HS_ALPN)),
            )
            .collect();
        out.sort_by_key(|(r, _)| r.start);
        out
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub cipher: u16,
    /// The version the server chose: supported_versions if present, else legacy_version.
    pub selected: TlsVersion,
    pub retry_request: bool,
    pub alpn: Vec<Located<Vec<u8>>>,
}

/// Offset of `sub` inside `base`, when it is a sub-slice of it.
fn offset_in(base: &[u8], sub: &[u8]) -> Option<usize> {
    let b = base.as_ptr() as usize;
    let s = sub.as_ptr() as usize;
    let off = s.checked_sub(b)?;
    (off.checked_add(sub.len())? <= base.len()).then_some(off)
}

/// Walks an extensions block: (type, data) pairs. Stops quietly at a malformed entry.
fn extensions(block: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = block;
    std::iter::from_fn(move || {
        let (head, tail) = rest.split_at_checked(4)?;
        let kind = u16::from_be_bytes([*head.first()?, *head.get(1)?]);
        let len = usize::from(u16::from_be_bytes([*head.get(2)?, *head.get(3)?]));
        let (data, after) = tail.split_at_checked(len)?;
        rest = after;
        Some((kind, data))
    })
}

fn located_names(body: &[u8], names: &[&[u8]]) -> Vec<Located<Vec<u8>>> {
    names
        .iter()
        .filter_map(|n| {
            let off = offset_in(body, n)?;
            Some(Located {
                value: n.to_vec(),
                range: off..off + n.len(),
            })
        })
        .collect()
}

/// Parses a ClientHello body (after the 4-byte handshake header). `None` if malformed.
pub fn client_hello(body: &[u8]) -> Option<ClientHello> {
    let (_, ch) = tls_parser::parse_tls_handshake_client_hello(body).ok()?;
    let mut out = ClientHello {
        legacy_version: ch.version.0,
        ..ClientHello::default()
    };
    let Some(ext) = ch.ext else {
        return Some(out);
    };
    for (kind, data) in extensions(ext) {
        match kind {
            EXT_SERVER_NAME => {
                if let Ok((_, TlsExtension::SNI(list))) = parse_tls_extension_sni_content(data) {
                    let names: Vec<&[u8]> = list.iter().map(|(_, n)| *n).collect();
                    out.server_names = located_names(body, &names);
                }
            }
            EXT_ALPN => {
                if let Ok((_, TlsExtension::ALPN(list))) = parse_tls_extension_alpn_content(data) {
                    out.alpn = located_names(body, &list);
                }
            }
            EXT_SUPPORTED_VERSIONS => {
                // u8 length, then u16 versions (RFC 8446 section 4.2.1).
                if let Some((_, list)) = data.split_first() {
                    out.versions = list
                        .chunks_exact(2)
                        .filter_map(|c| Some(TlsVersion(u16::from_be_bytes(c.try_into().ok()?))))
                        .collect();
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// Parses a ServerHello body (after the 4-byte handshake header). `None` if malformed.
pub fn server_hello(body: &[u8]) -> Option<ServerHello> {
    let (_, sh) = tls_parser::parse_tls_handshake_server_hello(body).ok()?;
    let mut out = ServerHello {
        legacy_version: sh.version.0,
        cipher: sh.cipher.0,
        selected: TlsVersion(sh.version.0),
        retry_request: sh.random == HRR_RANDOM,
        alpn: Vec::new(),
    };
    if let Some(ext) = sh.ext {
        for (kind, data) in extensions(ext) {
            match kind {
                EXT_SUPPORTED_VERSIONS => {
                    if let [hi, lo] = data {
                        out.selected = TlsVersion(u16::from_be_bytes([*hi, *lo]));
                    }
                }
                EXT_ALPN => {
                    if let Ok((_, TlsExtension::ALPN(list))) =
                        parse_tls_extension_alpn_content(data)
                    {
                        out.alpn = located_names(body, &list);
                    }
                }
                _ => {}
            }
        }
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal ClientHello body: TLS 1.2 legacy version, no session id, one suite,
    /// null compression, SNI "example.com", ALPN "h2", supported_versions {GREASE, 1.3, 1.2}.
    pub(crate) fn client_hello_body(sni: &str) -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[0x11; 32]);
        b.push(0); // session id
        b.extend_from_slice(&[0x00, 0x02, 0x13, 0x01]); // cipher suites
        b.extend_from_slice(&[0x01, 0x00]); // compression
        let mut ext = Vec::new();
        let name = sni.as_bytes();
        let list_len = 3 + name.len();
        ext.extend_from_slice(&[0x00, 0x00]);
        ext.extend_from_slice(&((list_len + 2) as u16).to_be_bytes());
        ext.extend_from_slice(&(list_len as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
        ext.extend_from_slice(name);
        ext.extend_from_slice(&[0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, b'h', b'2']);
        ext.extend_from_slice(&[
            0x00, 0x2b, 0x00, 0x07, 0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03,
        ]);
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
        b
    }

    #[test]
    fn client_hello_facts_and_offsets() {
        let body = client_hello_body("example.com");
        let ch = client_hello(&body).expect("parses");
        assert_eq!(ch.server_names.len(), 1);
        let sni = &ch.server_names[0];
        assert_eq!(&body[sni.range.clone()], b"example.com");
        assert_eq!(&body[ch.alpn[0].range.clone()], b"h2");
        assert_eq!(ch.max_version(), TlsVersion::TLS13, "GREASE is ignored");
    }

    #[test]
    fn truncated_client_hello_is_none() {
        let body = client_hello_body("example.com");
        assert!(client_hello(&body[..30]).is_none());
    }

    #[test]
    fn extension_list_with_a_lying_length_stops_quietly() {
        let block = [0x00, 0x00, 0xff, 0xff, 0x01];
        assert_eq!(extensions(&block).count(), 0);
    }

    #[test]
    fn server_hello_selects_tls13_from_supported_versions() {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[0x22; 32]);
        b.push(0);
        b.extend_from_slice(&[0x13, 0x01, 0x00]);
        b.extend_from_slice(&[0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);
        let sh = server_hello(&b).expect("parses");
        assert_eq!(sh.selected, TlsVersion::TLS13);
        assert_eq!(sh.cipher, 0x1301);
        assert!(!sh.retry_request);
    }
}

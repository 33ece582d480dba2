//! ClientHello, ServerHello and Certificate contents (RFC 8446 sections 4.1.2, 4.1.3,
//! 4.4.2; RFC 5246 section 7.4.2) with a span for every field, and the facts an
//! observer learns from them: server names, ALPN, versions, certificate names.
//!
//! tls-parser validates the hellos and parses extension contents; x509-parser reads
//! certificates. Field offsets are walked here: both parsers return borrowed slices,
//! so an offset is a pointer difference, computed safely.

use super::fields;
use super::record::TlsVersion;
use crate::codec::{be16, Reader};
use crate::fields::FieldId;
use std::ops::Range;
use tls_parser::{parse_tls_extension_alpn_content, parse_tls_extension_sni_content, TlsExtension};

pub const EXT_SERVER_NAME: u16 = 0;
pub const EXT_SUPPORTED_GROUPS: u16 = 10;
pub const EXT_EC_POINT_FORMATS: u16 = 11;
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
pub const EXT_ALPN: u16 = 16;
pub const EXT_PADDING: u16 = 21;
pub const EXT_COMPRESS_CERTIFICATE: u16 = 27;
pub const EXT_PRE_SHARED_KEY: u16 = 41;
pub const EXT_EARLY_DATA: u16 = 42;
pub const EXT_SUPPORTED_VERSIONS: u16 = 43;
pub const EXT_PSK_MODES: u16 = 45;
pub const EXT_KEY_SHARE: u16 = 51;
/// Encrypted ClientHello (draft-ietf-tls-esni).
pub const EXT_ECH: u16 = 0xfe0d;

/// SHA-256("HelloRetryRequest"): the ServerHello random of a HelloRetryRequest.
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Message-relative field spans: sorted, not overlapping (gaps are plain body).
pub type Fields = Vec<(Range<usize>, FieldId)>;

/// Room for a hello's spans from the start: its fixed part and two per extension
/// (a browser's ClientHello has 15 to 20 extensions). Growing through 4, 8, 16, 32
/// and 64, and the overlay's result after it, took 1% of `show`.
const HELLO_SPANS: usize = 48;
/// The same for a ServerHello: its fixed part and a few extensions (2 in TLS 1.3,
/// up to 6 in TLS 1.2), under the size the allocator serves from its per-thread
/// cache (48 spans, 1,152 bytes, went the slow way of a large request, once per
/// connection).
const SERVER_HELLO_SPANS: usize = 20;

/// Lays `over` on top of `base`: where they overlap, `over` wins; the result is leaves.
/// The result's room is taken at once: each of `over` inside one of `base` adds two
/// pieces (itself, and the rest of what it splits).
pub(super) fn overlay(mut base: Fields, mut over: Fields) -> Fields {
    base.sort_by_key(|(r, _)| r.start);
    if over.is_empty() {
        // What the walk below makes of it, in place (a ServerHello mostly).
        base.retain(|(r, _)| r.start < r.end);
        return base;
    }
    over.sort_by_key(|(r, _)| r.start);
    let mut out = Fields::with_capacity(base.len() + 2 * over.len());
    let mut oi = over.iter().peekable();
    for (r, f) in base {
        let mut pos = r.start;
        while let Some((o, of)) = oi.peek() {
            if o.start >= r.end {
                break;
            }
            if o.start > pos {
                out.push((pos..o.start, f));
            }
            if o.end > pos.max(o.start) {
                out.push((
                    o.start.max(pos)..o.end.min(r.end).max(o.start.max(pos)),
                    *of,
                ));
            }
            pos = pos.max(o.end);
            if o.end <= r.end {
                oi.next();
            } else {
                break;
            }
        }
        if pos < r.end {
            out.push((pos..r.end, f));
        }
    }
    out.retain(|(r, _)| r.start < r.end);
    out
}

/// A hello's legacy session id (RFC 8446 section 4.1.2: 0 to 32 bytes), in place: a
/// heap copy was an allocation per hello, and one more kept for the handshake.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionId {
    len: u8,
    /// The id, then zeros (so that equal ids compare equal whole).
    bytes: [u8; SessionId::MAX],
}

impl SessionId {
    pub const MAX: usize = 32;

    /// The id in `b`; past [`SessionId::MAX`] bytes (never in a hello a parser
    /// accepts), its first 32.
    pub fn new(b: &[u8]) -> SessionId {
        let mut id = SessionId::default();
        let n = b.len().min(SessionId::MAX);
        if let (Some(to), Some(from)) = (id.bytes.get_mut(..n), b.get(..n)) {
            to.copy_from_slice(from);
            id.len = n as u8;
        }
        id
    }
}

impl std::ops::Deref for SessionId {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

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
    /// An encrypted inner ClientHello was offered (ECH).
    pub ech: bool,
    pub session_id: SessionId,
    /// Cipher suites, extension types, groups, point formats and signature algorithms
    /// in the client's order (GREASE included), for fingerprints.
    pub ciphers: Vec<u16>,
    pub extensions: Vec<u16>,
    pub groups: Vec<u16>,
    pub point_formats: Vec<u8>,
    pub sig_algs: Vec<u16>,
    /// Every field's span, leaks over their fields, for labelling (taken, not copied,
    /// by whoever labels the hello).
    pub spans: Fields,
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
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub cipher: u16,
    /// The version the server chose: supported_versions if present, else legacy_version.
    pub selected: TlsVersion,
    pub retry_request: bool,
    pub alpn: Vec<Located<Vec<u8>>>,
    pub session_id: SessionId,
    /// The server accepted a pre-shared key (TLS 1.3 resumption, RFC 8446 section 4.2.11).
    pub psk: bool,
    /// Extension types in the server's order, for JA3S.
    pub extensions: Vec<u16>,
    pub spans: Fields,
}

/// Big-endian u16 values, an odd last byte ignored.
fn u16_list(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .filter_map(|c| Some(u16::from_be_bytes(c.try_into().ok()?)))
        .collect()
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
        let mut r = Reader::new(rest);
        let kind = r.u16()?;
        let data = r.prefixed_u16()?.rest();
        rest = r.rest();
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

/// The field an extension's data gets.
fn extension_field(kind: u16) -> FieldId {
    match kind {
        EXT_SUPPORTED_VERSIONS => fields::TLS_HS_SUPPORTED_VERSIONS,
        EXT_SUPPORTED_GROUPS => fields::TLS_HS_SUPPORTED_GROUPS,
        EXT_SIGNATURE_ALGORITHMS => fields::TLS_HS_SIG_ALGS,
        EXT_KEY_SHARE => fields::TLS_HS_KEY_SHARE,
        EXT_PRE_SHARED_KEY | EXT_PSK_MODES | EXT_EARLY_DATA => fields::TLS_HS_PSK,
        EXT_PADDING => fields::TLS_HS_PADDING,
        EXT_COMPRESS_CERTIFICATE => fields::TLS_HS_COMPRESS_CERT,
        EXT_ECH => fields::TLS_HS_ECH,
        k if super::record::is_grease(k) => fields::TLS_HS_GREASE,
        _ => fields::TLS_HS_EXTENSION_DATA,
    }
}

/// Spans of an extension block at `at` in `body`: each header, and its data.
fn extension_spans(body: &[u8], block: &[u8], spans: &mut Fields) {
    let Some(at) = offset_in(body, block) else {
        return;
    };
    let mut pos = at;
    for (kind, data) in extensions(block) {
        spans.push((pos..pos + 4, fields::TLS_HS_EXTENSION));
        spans.push((pos + 4..pos + 4 + data.len(), extension_field(kind)));
        pos += 4 + data.len();
    }
}

/// Spans of the fixed part of a hello: version, random, session id, then the rest.
fn hello_prefix(body: &[u8], sid_len: usize, spans: &mut Fields) -> usize {
    spans.push((0..2, fields::TLS_HS_VERSION));
    spans.push((2..34, fields::TLS_HS_RANDOM));
    spans.push((34..35 + sid_len, fields::TLS_HS_SESSION_ID));
    let _ = body;
    35 + sid_len
}

/// Parses a ClientHello body (after the 4-byte handshake header). `None` if malformed.
pub fn client_hello(body: &[u8]) -> Option<ClientHello> {
    let (_, ch) = tls_parser::parse_tls_handshake_client_hello(body).ok()?;
    let mut out = ClientHello {
        legacy_version: ch.version.0,
        session_id: ch.session_id.map(SessionId::new).unwrap_or_default(),
        ciphers: ch.ciphers.iter().map(|c| c.0).collect(),
        ..ClientHello::default()
    };
    let mut spans = Fields::with_capacity(HELLO_SPANS);
    let sid_len = usize::from(*body.get(34)?);
    let mut pos = hello_prefix(body, sid_len, &mut spans);
    let cs_len = usize::from(be16(body, pos)?);
    spans.push((pos..pos + 2 + cs_len, fields::TLS_HS_CIPHERSUITES));
    pos += 2 + cs_len;
    let comp_len = usize::from(*body.get(pos)?);
    if comp_len == 0 {
        // compression_methods<1..2^8-1> (RFC 5246 section 7.4.1.2): not a ClientHello
        // as sent, whatever a lenient parser makes of it.
        return None;
    }
    spans.push((pos..pos + 1 + comp_len, fields::TLS_HS_COMPRESSION));
    pos += 1 + comp_len;
    let mut leaks = Fields::new();
    if let Some(ext) = ch.ext {
        spans.push((pos..pos + 2, fields::TLS_HS_EXTENSIONS_LENGTH));
        extension_spans(body, ext, &mut spans);
        for (kind, data) in extensions(ext) {
            out.extensions.push(kind);
            match kind {
                EXT_SUPPORTED_GROUPS => out.groups = u16_list(data.get(2..).unwrap_or(&[])),
                EXT_EC_POINT_FORMATS => {
                    out.point_formats = data.get(1..).unwrap_or(&[]).to_vec();
                }
                EXT_SIGNATURE_ALGORITHMS => {
                    out.sig_algs = u16_list(data.get(2..).unwrap_or(&[]));
                }
                EXT_SERVER_NAME => {
                    if let Ok((_, TlsExtension::SNI(list))) = parse_tls_extension_sni_content(data)
                    {
                        let names: Vec<&[u8]> = list.iter().map(|(_, n)| *n).collect();
                        out.server_names = located_names(body, &names);
                    }
                }
                EXT_ALPN => {
                    if let Ok((_, TlsExtension::ALPN(list))) =
                        parse_tls_extension_alpn_content(data)
                    {
                        out.alpn = located_names(body, &list);
                    }
                }
                EXT_SUPPORTED_VERSIONS => {
                    // u8 length, then u16 versions (RFC 8446 section 4.2.1).
                    if let Some((_, list)) = data.split_first() {
                        out.versions = list
                            .chunks_exact(2)
                            .filter_map(|c| {
                                Some(TlsVersion(u16::from_be_bytes(c.try_into().ok()?)))
                            })
                            .collect();
                    }
                }
                EXT_ECH => out.ech = true,
                _ => {}
            }
        }
        // With ECH, the name in the outer hello is the ECH public name (the
        // client-facing server's), not the destination (RFC 9849 section 6.1).
        let sni = if out.ech {
            fields::TLS_HS_ECH_PUBLIC_NAME
        } else {
            fields::TLS_HS_SNI
        };
        leaks.extend(out.server_names.iter().map(|n| (n.range.clone(), sni)));
        leaks.extend(
            out.alpn
                .iter()
                .map(|a| (a.range.clone(), fields::TLS_HS_ALPN)),
        );
    }
    out.spans = overlay(spans, leaks);
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
        session_id: sh.session_id.map(SessionId::new).unwrap_or_default(),
        psk: false,
        extensions: Vec::new(),
        spans: Fields::new(),
    };
    let mut spans = Fields::with_capacity(SERVER_HELLO_SPANS);
    let sid_len = usize::from(*body.get(34)?);
    let pos = hello_prefix(body, sid_len, &mut spans);
    spans.push((pos..pos + 2, fields::TLS_HS_CIPHERSUITES));
    spans.push((pos + 2..pos + 3, fields::TLS_HS_COMPRESSION));
    let mut leaks = Fields::new();
    // tls-parser reads no extensions in an SSLv3 ServerHello, though servers send them
    // (RFC 5746 renegotiation_info): take the block as the bytes say.
    let ext = sh.ext.or_else(|| {
        let n = usize::from(be16(body, pos + 3)?);
        body.get(pos + 5..pos + 5 + n)
            .filter(|_| pos + 5 + n == body.len())
    });
    if let Some(ext) = ext {
        spans.push((pos + 3..pos + 5, fields::TLS_HS_EXTENSIONS_LENGTH));
        extension_spans(body, ext, &mut spans);
        for (kind, data) in extensions(ext) {
            out.extensions.push(kind);
            match kind {
                EXT_SUPPORTED_VERSIONS => {
                    if let [hi, lo] = data {
                        out.selected = TlsVersion(u16::from_be_bytes([*hi, *lo]));
                    }
                }
                EXT_PRE_SHARED_KEY => out.psk = true,
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
        leaks.extend(
            out.alpn
                .iter()
                .map(|a| (a.range.clone(), fields::TLS_HS_ALPN)),
        );
    }
    out.spans = overlay(spans, leaks);
    Some(out)
}

/// What one certificate tells an observer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
}

impl CertFacts {
    /// The subject's common name, or its whole name.
    pub fn short_subject(&self) -> String {
        crate::text::common_name(&self.subject).to_string()
    }
    pub fn short_issuer(&self) -> String {
        crate::text::common_name(&self.issuer).to_string()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificates {
    pub certs: Vec<CertFacts>,
    /// Certificates that could not be parsed (garbage DER), by position.
    pub malformed: Vec<usize>,
    pub spans: Fields,
}

/// Reads a DER header at `at`: (tag, header length, content length).
fn der_header(b: &[u8], at: usize) -> Option<(u8, usize, usize)> {
    let tag = *b.get(at)?;
    let first = *b.get(at + 1)?;
    if first & 0x80 == 0 {
        return Some((tag, 2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*b.get(at + 2 + i)?);
    }
    Some((tag, 2 + n, len))
}

/// One DER certificate's names as an observer reads them, with the names' spans
/// (offsets from `der_at`) pushed to `leaks`. `None`: not a certificate x509-parser
/// can read.
pub fn x509_names(der: &[u8], der_at: usize, leaks: &mut Fields) -> Option<CertFacts> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut facts = CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        ..CertFacts::default()
    };
    let mut mark = |sub: &[u8], field: FieldId| {
        if let Some(off) = offset_in(der, sub) {
            leaks.push((der_at + off..der_at + off + sub.len(), field));
        }
    };
    mark(cert.subject().as_raw(), fields::X509_SUBJECT);
    mark(cert.issuer().as_raw(), fields::X509_ISSUER);
    mark(cert.raw_serial(), fields::X509_SERIAL);
    // The validity SEQUENCE comes right after the issuer (RFC 5280 section 4.1).
    if let Some(issuer_at) = offset_in(der, cert.issuer().as_raw()) {
        let v_at = issuer_at + cert.issuer().as_raw().len();
        if let Some((0x30, h, l)) = der_header(der, v_at) {
            if let Some(v) = der.get(v_at..v_at + h + l) {
                mark(v, fields::X509_VALIDITY);
            }
        }
    }
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(d) = name {
                facts.sans.push((*d).to_string());
                mark(d.as_bytes(), fields::X509_SAN);
            }
        }
    }
    Some(facts)
}

/// Parses a TLS 1.0-1.2 Certificate body: the chain, each certificate's names.
pub fn certificate(body: &[u8]) -> Option<Certificates> {
    let u24 = |at: usize| -> Option<usize> {
        let bytes = [0, *body.get(at)?, *body.get(at + 1)?, *body.get(at + 2)?];
        usize::try_from(u32::from_be_bytes(bytes)).ok()
    };
    let list_len = u24(0)?;
    let mut out = Certificates::default();
    let mut spans = Fields::new();
    let mut leaks = Fields::new();
    spans.push((0..3, fields::TLS_CERT_LENGTH));
    let end = (3 + list_len).min(body.len());
    let mut pos = 3;
    let mut index = 0;
    while pos + 3 <= end {
        let len = u24(pos)?;
        spans.push((pos..pos + 3, fields::TLS_CERT_LENGTH));
        let der_at = pos + 3;
        let der = body.get(der_at..der_at + len)?;
        spans.push((der_at..der_at + len, fields::TLS_CERT));
        match x509_names(der, der_at, &mut leaks) {
            Some(facts) => out.certs.push(facts),
            None => out.malformed.push(index),
        }
        pos = der_at + len;
        index += 1;
    }
    out.spans = overlay(spans, leaks);
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

    fn certificate_body(ders: &[Vec<u8>]) -> Vec<u8> {
        let mut list = Vec::new();
        for d in ders {
            list.extend_from_slice(&(d.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(d);
        }
        let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
        body.extend(list);
        body
    }

    fn sample_der() -> Vec<u8> {
        use base64::Engine as _;
        let pem = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/captures/certs/server.crt"
        ))
        .unwrap();
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    #[test]
    fn certificate_names_are_leaks_at_their_bytes() {
        let body = certificate_body(&[sample_der()]);
        let certs = certificate(&body).expect("parses");
        let c = &certs.certs[0];
        assert_eq!(c.short_subject(), "localhost");
        assert_eq!(c.short_issuer(), "Eavesdrop Teaching CA");
        assert_eq!(c.sans, ["localhost"]);
        let issuer = certs
            .spans
            .iter()
            .find(|(_, f)| *f == fields::X509_ISSUER)
            .unwrap();
        let text = crate::text::lossy(&body[issuer.0.clone()]);
        assert!(text.contains("Eavesdrop Teaching CA"), "{text}");
        let san = certs
            .spans
            .iter()
            .find(|(_, f)| *f == fields::X509_SAN)
            .unwrap();
        assert_eq!(&body[san.0.clone()], b"localhost");
        // Spans are leaves, in order.
        for w in certs.spans.windows(2) {
            assert!(w[0].0.end <= w[1].0.start, "{:?}", w);
        }
    }

    #[test]
    fn certificate_with_garbage_der_is_readable_but_unnamed() {
        let body = certificate_body(&[vec![0x30, 0x82, 0xff, 0xff, 1, 2, 3], sample_der()]);
        let certs = certificate(&body).expect("framing is fine");
        assert_eq!(certs.malformed, [0]);
        assert_eq!(certs.certs.len(), 1);
    }

    #[test]
    fn ech_payload_is_opaque_and_the_outer_sni_a_leak() {
        let mut body = client_hello_body("public.example");
        // Append an ECH extension (0xfe0d) with 20 bytes of payload.
        let ext_len_at = 2 + 32 + 1 + 4 + 2;
        let old = u16::from_be_bytes([body[ext_len_at], body[ext_len_at + 1]]);
        body[ext_len_at..ext_len_at + 2].copy_from_slice(&(old + 24).to_be_bytes());
        body.extend_from_slice(&[0xfe, 0x0d, 0, 20]);
        body.extend_from_slice(&[0x99; 20]);
        let ch = client_hello(&body).expect("parses");
        assert!(ch.ech);
        let ech = ch
            .spans
            .iter()
            .find(|(_, f)| *f == fields::TLS_HS_ECH)
            .unwrap();
        assert_eq!(ech.0.len(), 20);
        assert_eq!(
            fields::TLS_HS_ECH.def().vis,
            crate::span::Visibility::Opaque
        );
        // The outer name is what an observer reads: the ECH public name, still a
        // server-name leak, but not labelled as the destination's SNI.
        let outer = ch
            .spans
            .iter()
            .find(|(_, f)| *f == fields::TLS_HS_ECH_PUBLIC_NAME)
            .expect("the public name is labelled");
        assert_eq!(&body[outer.0.clone()], b"public.example");
        assert!(!ch.spans.iter().any(|(_, f)| *f == fields::TLS_HS_SNI));
        assert_eq!(
            fields::TLS_HS_ECH_PUBLIC_NAME.def().leak,
            Some(crate::span::LeakKind::ServerName)
        );
    }

    /// A session id compares as its bytes do (a shorter id with the same start, or
    /// one ending in zeros, is another id); past 32 bytes it keeps the first 32.
    #[test]
    fn session_ids_in_place() {
        let a = SessionId::new(&[1, 2]);
        assert_eq!(&*a, &[1, 2]);
        assert_ne!(a, SessionId::new(&[1, 2, 0]));
        assert_eq!(a, SessionId::new(&[1, 2]));
        assert!(SessionId::new(&[]).is_empty());
        assert_eq!(SessionId::default(), SessionId::new(&[]));
        let long: Vec<u8> = (0..40).collect();
        assert_eq!(&*SessionId::new(&long), &long[..32]);
        assert_eq!(SessionId::new(&long[..32]).len(), 32);
    }

    #[test]
    fn overlay_without_leaks_is_the_walk() {
        // Unsorted, with an empty span: the shortcut sorts and drops it as the walk
        // does (an empty overlay past the end leaves the walk's result alone).
        let base = vec![
            (10..20, fields::TLS_HS_EXTENSION_DATA),
            (4..4, fields::TLS_HS_SNI),
            (0..10, fields::TLS_HS_BODY),
            (20..22, fields::TLS_HS_EXTENSION_DATA),
        ];
        let walked = overlay(base.clone(), vec![(99..99, fields::TLS_HS_SNI)]);
        assert_eq!(overlay(base, Vec::new()), walked);
        assert_eq!(walked.len(), 3);
    }

    #[test]
    fn overlay_keeps_leaves() {
        let base = vec![
            (0..10, fields::TLS_HS_BODY),
            (10..20, fields::TLS_HS_EXTENSION_DATA),
        ];
        let over = vec![(5..12, fields::TLS_HS_SNI)];
        assert_eq!(
            overlay(base, over),
            vec![
                (0..5, fields::TLS_HS_BODY),
                (5..10, fields::TLS_HS_SNI),
                (10..12, fields::TLS_HS_SNI),
                (12..20, fields::TLS_HS_EXTENSION_DATA)
            ]
        );
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

    /// An SSLv3 ServerHello with renegotiation_info (arkime/openssl-ssl3.pcap): the
    /// extension is read (JA3S agrees with tshark's "768,49169,65281").
    #[test]
    fn sslv3_server_hello_extensions_are_read() {
        let mut b = vec![0x03, 0x00];
        b.extend_from_slice(&[0x22; 32]);
        b.push(0);
        b.extend_from_slice(&[0xc0, 0x11, 0x00]);
        b.extend_from_slice(&[0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00]);
        let sh = server_hello(&b).expect("parses");
        assert_eq!(sh.extensions, vec![0xff01]);
        assert_eq!(
            crate::proto::tls::fingerprint::ja3s_string(&sh),
            "768,49169,65281"
        );
        assert_eq!(sh.spans.last().map(|(r, _)| r.end), Some(b.len()));
    }

    #[test]
    fn client_hello_without_compression_methods_is_not_one() {
        let good = client_hello_body("example.com");
        assert!(client_hello(&good).is_some());
        // version, random, empty session id, then the cipher suites: find the
        // compression methods length byte after them and make it 0.
        let cs = usize::from(u16::from_be_bytes([good[35], good[36]]));
        let mut bad = good.clone();
        bad[37 + cs] = 0;
        assert!(client_hello(&bad).is_none());
    }
}

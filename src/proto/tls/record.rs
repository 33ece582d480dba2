//! TLS wire numbers and the record header (RFC 8446 section 5.1, RFC 5246 section 6.2.1).
//! Open newtypes: unknown values are kept and shown in hex, never an error.

use std::fmt;

/// Record header: content type, legacy version, length.
pub mod hdr {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const VERSION: Range<usize> = 1..3;
    pub const LENGTH: Range<usize> = 3..5;
    pub const LEN: usize = LENGTH.end;
}

/// Largest record body a peer may send: 2^14 plus expansion (RFC 5246 section 6.2.3).
pub const MAX_RECORD_BODY: u16 = (1 << 14) + 2048;

#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ContentType(pub u8);

impl ContentType {
    pub const CHANGE_CIPHER_SPEC: ContentType = ContentType(20);
    pub const ALERT: ContentType = ContentType(21);
    pub const HANDSHAKE: ContentType = ContentType(22);
    pub const APPLICATION_DATA: ContentType = ContentType(23);
    pub const HEARTBEAT: ContentType = ContentType(24);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            ContentType::CHANGE_CIPHER_SPEC => "ChangeCipherSpec",
            ContentType::ALERT => "Alert",
            ContentType::HANDSHAKE => "Handshake",
            ContentType::APPLICATION_DATA => "ApplicationData",
            ContentType::HEARTBEAT => "Heartbeat",
            _ => return None,
        })
    }

    pub fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ContentType({:#04x})", self.0),
        }
    }
}

impl fmt::Debug for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A protocol version as it appears on the wire.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TlsVersion(pub u16);

impl TlsVersion {
    pub const SSL2: TlsVersion = TlsVersion(0x0002);
    pub const SSL3: TlsVersion = TlsVersion(0x0300);
    pub const TLS10: TlsVersion = TlsVersion(0x0301);
    pub const TLS11: TlsVersion = TlsVersion(0x0302);
    pub const TLS12: TlsVersion = TlsVersion(0x0303);
    pub const TLS13: TlsVersion = TlsVersion(0x0304);
    /// DTLS versions are one's complements of their TLS counterparts (RFC 6347
    /// section 4.1): DTLS 1.0 is TLS 1.1, DTLS 1.2 is TLS 1.2, DTLS 1.3 is TLS 1.3.
    pub const DTLS10: TlsVersion = TlsVersion(0xfeff);
    pub const DTLS12: TlsVersion = TlsVersion(0xfefd);
    pub const DTLS13: TlsVersion = TlsVersion(0xfefc);
    /// OpenSSL's DTLS before RFC 4347 was final (`DTLS1_BAD_VER`, OpenSSL < 0.9.8f; still
    /// spoken by Cisco AnyConnect).
    pub const DTLS_OPENSSL_PRE: TlsVersion = TlsVersion(0x0100);
    /// Not a version: "not known yet" (handshake not seen).
    pub const UNKNOWN: TlsVersion = TlsVersion(0);

    /// A reserved GREASE value (RFC 8701): see [`is_grease`].
    pub fn is_grease(self) -> bool {
        is_grease(self.0)
    }

    /// TLS 1.3, or one of its drafts (0x7fxx).
    pub fn is_tls13(self) -> bool {
        self == TlsVersion::TLS13 || self.0 >> 8 == 0x7f
    }

    /// A DTLS version (0xfeXX, or OpenSSL's pre-RFC 0x0100).
    pub fn is_dtls(self) -> bool {
        self.0 >> 8 == 0xfe || self == TlsVersion::DTLS_OPENSSL_PRE
    }

    /// The TLS version a DTLS version is built on (RFC 6347 section 1, RFC 9147
    /// section 1), for comparisons such as `--min-tls`; a TLS version is itself.
    pub fn tls_equivalent(self) -> TlsVersion {
        match self {
            TlsVersion::DTLS10 | TlsVersion::DTLS_OPENSSL_PRE => TlsVersion::TLS11,
            TlsVersion::DTLS12 => TlsVersion::TLS12,
            TlsVersion::DTLS13 => TlsVersion::TLS13,
            v => v,
        }
    }

    /// Wireshark's short names: `TLSv1.2`, `SSLv3`, `DTLSv1.2`; `TLS` when unknown
    /// (borrowed for a named version: a string per TLS flow in `flows`' details).
    pub fn label(self) -> std::borrow::Cow<'static, str> {
        match self.name() {
            Some(name) => name.into(),
            None => self.to_string().into(),
        }
    }

    /// [`TlsVersion::label`] of a version with a name of its own (not a draft or
    /// unknown number).
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            TlsVersion::DTLS10 => "DTLSv1.0",
            TlsVersion::DTLS12 => "DTLSv1.2",
            TlsVersion::DTLS13 => "DTLSv1.3",
            TlsVersion::DTLS_OPENSSL_PRE => "DTLSv1.0-OpenSSL",
            v if v.0 >> 8 == 0xfe => return None,
            TlsVersion::UNKNOWN => "TLS",
            TlsVersion(0x0002) => "SSLv2",
            TlsVersion::SSL3 => "SSLv3",
            TlsVersion::TLS10 => "TLSv1",
            TlsVersion::TLS11 => "TLSv1.1",
            TlsVersion::TLS12 => "TLSv1.2",
            TlsVersion::TLS13 => "TLSv1.3",
            _ => return None,
        })
    }
}

/// [`TlsVersion::label`]: written without allocating (packet lines name a version on
/// every TLS frame).
impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None if self.0 >> 8 == 0xfe => write!(f, "DTLS({:#06x})", self.0),
            None if self.0 >> 8 == 0x7f => write!(f, "TLSv1.3-draft{}", self.0 & 0xff),
            None => write!(f, "TLS({:#06x})", self.0),
        }
    }
}

impl fmt::Debug for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Handshake message type (RFC 8446 section 4, RFC 5246 section 7.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeType(pub u8);

impl HandshakeType {
    pub const HELLO_REQUEST: HandshakeType = HandshakeType(0);
    pub const CLIENT_HELLO: HandshakeType = HandshakeType(1);
    pub const SERVER_HELLO: HandshakeType = HandshakeType(2);
    /// DTLS only (RFC 6347 section 4.2.1).
    pub const HELLO_VERIFY_REQUEST: HandshakeType = HandshakeType(3);
    pub const NEW_SESSION_TICKET: HandshakeType = HandshakeType(4);
    pub const END_OF_EARLY_DATA: HandshakeType = HandshakeType(5);
    pub const ENCRYPTED_EXTENSIONS: HandshakeType = HandshakeType(8);
    pub const CERTIFICATE: HandshakeType = HandshakeType(11);
    pub const SERVER_KEY_EXCHANGE: HandshakeType = HandshakeType(12);
    pub const CERTIFICATE_REQUEST: HandshakeType = HandshakeType(13);
    pub const SERVER_HELLO_DONE: HandshakeType = HandshakeType(14);
    pub const CERTIFICATE_VERIFY: HandshakeType = HandshakeType(15);
    pub const CLIENT_KEY_EXCHANGE: HandshakeType = HandshakeType(16);
    pub const FINISHED: HandshakeType = HandshakeType(20);
    pub const CERTIFICATE_STATUS: HandshakeType = HandshakeType(22);
    pub const KEY_UPDATE: HandshakeType = HandshakeType(24);
    pub const COMPRESSED_CERTIFICATE: HandshakeType = HandshakeType(25);
    pub const MESSAGE_HASH: HandshakeType = HandshakeType(254);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            HandshakeType::HELLO_REQUEST => "HelloRequest",
            HandshakeType::CLIENT_HELLO => "ClientHello",
            HandshakeType::SERVER_HELLO => "ServerHello",
            HandshakeType::HELLO_VERIFY_REQUEST => "HelloVerifyRequest",
            HandshakeType::NEW_SESSION_TICKET => "NewSessionTicket",
            HandshakeType::END_OF_EARLY_DATA => "EndOfEarlyData",
            HandshakeType::ENCRYPTED_EXTENSIONS => "EncryptedExtensions",
            HandshakeType::CERTIFICATE => "Certificate",
            HandshakeType::SERVER_KEY_EXCHANGE => "ServerKeyExchange",
            HandshakeType::CERTIFICATE_REQUEST => "CertificateRequest",
            HandshakeType::SERVER_HELLO_DONE => "ServerHelloDone",
            HandshakeType::CERTIFICATE_VERIFY => "CertificateVerify",
            HandshakeType::CLIENT_KEY_EXCHANGE => "ClientKeyExchange",
            HandshakeType::FINISHED => "Finished",
            HandshakeType::CERTIFICATE_STATUS => "CertificateStatus",
            HandshakeType::KEY_UPDATE => "KeyUpdate",
            HandshakeType::COMPRESSED_CERTIFICATE => "CompressedCertificate",
            HandshakeType::MESSAGE_HASH => "MessageHash",
            _ => return None,
        })
    }
}

impl fmt::Display for HandshakeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Handshake({:#04x})", self.0),
        }
    }
}

impl fmt::Debug for HandshakeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A parsed record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub content: ContentType,
    pub version: TlsVersion,
    pub len: u16,
}

/// How far the first bytes of a stream look like TLS records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plausible {
    Yes(RecordHeader),
    /// Consistent so far, but fewer than 5 bytes.
    NeedMore,
    No,
}

/// Checks a record header: known content type, SSLv3..TLS 1.3 major version 3 with
/// minor ≤ 4, and a length no peer may exceed.
pub fn plausible_header(bytes: &[u8]) -> Plausible {
    let content = match bytes.first() {
        Some(&t) if ContentType(t).is_known() => ContentType(t),
        Some(_) => return Plausible::No,
        None => return Plausible::NeedMore,
    };
    match bytes.get(1) {
        Some(3) => {}
        Some(_) => return Plausible::No,
        None => return Plausible::NeedMore,
    }
    let minor = match bytes.get(2) {
        Some(&m) if m <= 4 => m,
        Some(_) => return Plausible::No,
        None => return Plausible::NeedMore,
    };
    let (Some(&hi), Some(&lo)) = (bytes.get(3), bytes.get(4)) else {
        return Plausible::NeedMore;
    };
    let len = u16::from_be_bytes([hi, lo]);
    if len > MAX_RECORD_BODY || (len == 0 && content != ContentType::APPLICATION_DATA) {
        return Plausible::No;
    }
    Plausible::Yes(RecordHeader {
        content,
        version: TlsVersion(0x0300 | u16::from(minor)),
        len,
    })
}

/// Reserved GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa, for versions, cipher
/// suites, extensions, groups.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_record_header_is_plausible() {
        let Plausible::Yes(h) = plausible_header(&[22, 3, 1, 0x02, 0x00]) else {
            panic!("not plausible")
        };
        assert_eq!(h.content, ContentType::HANDSHAKE);
        assert_eq!(h.version, TlsVersion::TLS10);
        assert_eq!(h.len, 512);
    }

    #[test]
    fn partial_and_wrong_headers() {
        assert_eq!(plausible_header(&[22, 3]), Plausible::NeedMore);
        assert_eq!(plausible_header(&[22, 4]), Plausible::No);
        assert_eq!(plausible_header(b"GET /"), Plausible::No);
        // A record header declaring 2^16-1 bytes: more than any peer may send.
        assert_eq!(plausible_header(&[23, 3, 3, 0xff, 0xff]), Plausible::No);
    }

    #[test]
    fn unknown_values_print_in_hex() {
        assert_eq!(ContentType(99).to_string(), "ContentType(0x63)");
        assert_eq!(HandshakeType(99).to_string(), "Handshake(0x63)");
        assert_eq!(TlsVersion(0x0a0a).label(), "TLS(0x0a0a)");
        assert!(TlsVersion(0x0a0a).is_grease());
        assert!(!TlsVersion::TLS12.is_grease());
    }

    #[test]
    fn dtls_versions_have_names_and_tls_equivalents() {
        assert_eq!(TlsVersion::DTLS12.label(), "DTLSv1.2");
        assert_eq!(TlsVersion(0xfeff).label(), "DTLSv1.0");
        assert_eq!(TlsVersion(0xfefc).label(), "DTLSv1.3");
        assert_eq!(TlsVersion(0xfefe).label(), "DTLS(0xfefe)");
        assert!(TlsVersion(0x0100).is_dtls() && !TlsVersion::TLS12.is_dtls());
        assert_eq!(TlsVersion::DTLS10.tls_equivalent(), TlsVersion::TLS11);
        assert_eq!(TlsVersion::TLS10.tls_equivalent(), TlsVersion::TLS10);
    }
}

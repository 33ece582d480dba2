//! The static field registry: every span points at one of these definitions.
//!
//! Names follow Wireshark's display-filter names where one exists (`ip.src`,
//! `tcp.dstport`, `tls.handshake.type`), so an analyst can carry them across. Each
//! definition carries the default [`Visibility`] of its bytes and, for facts worth
//! pointing at, a [`LeakKind`]. References are to the RFC section defining the field.

use crate::span::{LeakKind, Visibility};
use std::fmt;

/// A field definition: dotted name, default visibility, leak kind, one-line meaning.
#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub vis: Visibility,
    pub leak: Option<LeakKind>,
    pub doc: &'static str,
}

/// An index into [`FIELDS`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(u16);

impl FieldId {
    pub fn def(self) -> &'static FieldDef {
        // Every FieldId is made by the macro below from a valid index.
        &FIELDS[usize::from(self.0)]
    }

    pub fn name(self) -> &'static str {
        self.def().name
    }
}

impl fmt::Debug for FieldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! fields {
    ($( $id:ident = $name:literal, $vis:ident, $leak:expr, $doc:literal; )*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[repr(u16)]
        enum Index { $( $id, )* }
        $( pub const $id: FieldId = FieldId(Index::$id as u16); )*
        /// Every field eavesdrop knows, in registry order.
        pub static FIELDS: &[FieldDef] = &[
            $( FieldDef { name: $name, vis: Visibility::$vis, leak: $leak, doc: $doc }, )*
        ];
    };
}

use LeakKind::*;

fields! {
    // Whole-frame and generic payload fields.
    FRAME_UNKNOWN_LINK = "frame.unknown_link", Undecoded, None, "frame of a link type eavesdrop does not decode";
    FRAME_CUT = "frame.cut", Undecoded, None, "header bytes cut off before the layer could be decoded";
    PAYLOAD = "data", Undecoded, None, "payload bytes not classified by any dissector";
    TEXT = "data.text", Cleartext, None, "payload that is readable text";
    TRAILER = "eth.trailer", Metadata, None, "bytes after the IP datagram (Ethernet padding)";

    // Ethernet II, IEEE 802.3 / 802.1Q.
    ETH_DST = "eth.dst", Metadata, Some(Address), "destination MAC address (IEEE 802.3 clause 3.2.3)";
    ETH_SRC = "eth.src", Metadata, Some(Address), "source MAC address (IEEE 802.3 clause 3.2.3)";
    ETH_TYPE = "eth.type", Metadata, None, "EtherType or 802.3 length";
    VLAN_TCI = "vlan.tci", Metadata, None, "802.1Q tag control information (priority, DEI, VLAN id)";
    VLAN_TYPE = "vlan.etype", Metadata, None, "EtherType after an 802.1Q/802.1ad tag";

    // MPLS (RFC 3032) and PPPoE (RFC 2516).
    MPLS_LABEL = "mpls.label", Metadata, None, "MPLS label stack entry (label, traffic class, bottom of stack, TTL)";
    PPPOE_HEADER = "pppoes.header", Metadata, None, "PPPoE version, type, code, session id and length";
    PPP_PROTOCOL = "ppp.protocol", Metadata, None, "PPP protocol number";

    // BSD loopback (LINKTYPE_NULL, LINKTYPE_LOOP).
    NULL_FAMILY = "null.family", Metadata, None, "address family of a BSD loopback frame";

    // Linux cooked capture v1 and v2.
    SLL_PKTTYPE = "sll.pkttype", Metadata, None, "packet direction (in, out, broadcast…)";
    SLL_HATYPE = "sll.hatype", Metadata, None, "ARPHRD link-layer address type";
    SLL_HALEN = "sll.halen", Metadata, None, "link-layer address length";
    SLL_ADDR = "sll.src.eth", Metadata, Some(Address), "link-layer source address";
    SLL_PROTOCOL = "sll.etype", Metadata, None, "protocol type (EtherType)";
    SLL_IFINDEX = "sll.ifindex", Metadata, None, "capturing interface index (SLL2)";
    SLL_RESERVED = "sll.reserved", Metadata, None, "reserved (SLL2)";

    // IPv4, RFC 791 section 3.1.
    IP_VERSION_IHL = "ip.hdr_len", Metadata, None, "version and header length";
    IP_DSFIELD = "ip.dsfield", Metadata, None, "DSCP and ECN (RFC 2474, RFC 3168)";
    IP_LEN = "ip.len", Metadata, None, "total length";
    IP_ID = "ip.id", Metadata, None, "identification";
    IP_FLAGS = "ip.flags", Metadata, None, "flags and fragment offset";
    IP_TTL = "ip.ttl", Metadata, None, "time to live";
    IP_PROTO = "ip.proto", Metadata, None, "protocol of the payload";
    IP_CHECKSUM = "ip.checksum", Metadata, None, "header checksum";
    IP_SRC = "ip.src", Metadata, Some(Address), "source address";
    IP_DST = "ip.dst", Metadata, Some(Address), "destination address";
    IP_OPTIONS = "ip.options", Metadata, None, "IPv4 options (RFC 791 section 3.1)";
    IP_FRAGMENT = "ip.fragment", Undecoded, None, "payload of an IP fragment whose datagram was not reassembled";

    // IPv6, RFC 8200 section 3 and 4.
    IPV6_VTCFL = "ipv6.flow", Metadata, None, "version, traffic class and flow label";
    IPV6_PLEN = "ipv6.plen", Metadata, None, "payload length";
    IPV6_NXT = "ipv6.nxt", Metadata, None, "next header";
    IPV6_HLIM = "ipv6.hlim", Metadata, None, "hop limit";
    IPV6_SRC = "ipv6.src", Metadata, Some(Address), "source address";
    IPV6_DST = "ipv6.dst", Metadata, Some(Address), "destination address";
    IPV6_EXT = "ipv6.ext", Metadata, None, "extension header (hop-by-hop, routing, destination options)";
    IPV6_FRAG = "ipv6.fraghdr", Metadata, None, "fragment header (RFC 8200 section 4.5)";

    // TCP, RFC 9293 section 3.1.
    TCP_SRCPORT = "tcp.srcport", Metadata, Some(Port), "source port";
    TCP_DSTPORT = "tcp.dstport", Metadata, Some(Port), "destination port";
    TCP_SEQ = "tcp.seq", Metadata, None, "sequence number";
    TCP_ACK = "tcp.ack", Metadata, None, "acknowledgment number";
    TCP_OFFSET_FLAGS = "tcp.flags", Metadata, None, "data offset and control bits";
    TCP_WINDOW = "tcp.window_size", Metadata, None, "window";
    TCP_CHECKSUM = "tcp.checksum", Metadata, None, "checksum";
    TCP_URGENT = "tcp.urgent_pointer", Metadata, None, "urgent pointer";
    TCP_OPTIONS = "tcp.options", Metadata, None, "options (MSS, window scale, SACK, timestamps…)";

    // UDP, RFC 768.
    UDP_SRCPORT = "udp.srcport", Metadata, Some(Port), "source port";
    UDP_DSTPORT = "udp.dstport", Metadata, Some(Port), "destination port";
    UDP_LENGTH = "udp.length", Metadata, None, "length of header and data";
    UDP_CHECKSUM = "udp.checksum", Metadata, None, "checksum";

    // ICMP (RFC 792) and ICMPv6 (RFC 4443).
    ICMP_TYPE = "icmp.type", Metadata, None, "message type";
    ICMP_CODE = "icmp.code", Metadata, None, "message code";
    ICMP_CHECKSUM = "icmp.checksum", Metadata, None, "checksum";
    ICMP_REST = "icmp.rest", Metadata, None, "rest of header (identifier, sequence, pointer…)";

    // ARP, RFC 826.
    ARP_HEADER = "arp.hdr", Metadata, None, "hardware and protocol types, sizes, opcode";
    ARP_SENDER_HW = "arp.src.hw_mac", Metadata, Some(Address), "sender hardware address";
    ARP_SENDER_PROTO = "arp.src.proto_ipv4", Metadata, Some(Address), "sender protocol address";
    ARP_TARGET_HW = "arp.dst.hw_mac", Metadata, Some(Address), "target hardware address";
    ARP_TARGET_PROTO = "arp.dst.proto_ipv4", Metadata, Some(Address), "target protocol address";

    // TLS record layer, RFC 8446 section 5.1 / RFC 5246 section 6.2.
    TLS_RECORD_TYPE = "tls.record.content_type", Metadata, None, "record content type";
    TLS_RECORD_VERSION = "tls.record.version", Metadata, None, "record legacy version";
    TLS_RECORD_LENGTH = "tls.record.length", Metadata, None, "record length";
    // TLS handshake, RFC 8446 section 4.
    TLS_HS_TYPE = "tls.handshake.type", Cleartext, None, "handshake message type";
    TLS_HS_LENGTH = "tls.handshake.length", Cleartext, None, "handshake message length";
    TLS_HS_BODY = "tls.handshake", Cleartext, None, "handshake message body";
    TLS_HS_VERSION = "tls.handshake.version", Cleartext, None, "legacy version of a hello";
    TLS_HS_RANDOM = "tls.handshake.random", Cleartext, None, "hello random (RFC 8446 section 4.1.2)";
    TLS_HS_SESSION_ID = "tls.handshake.session_id", Cleartext, None, "legacy session id and its length";
    TLS_HS_CIPHERSUITES = "tls.handshake.ciphersuites", Cleartext, None, "cipher suites offered, or the one chosen";
    TLS_HS_COMPRESSION = "tls.handshake.comp_methods", Cleartext, None, "compression methods";
    TLS_HS_EXTENSIONS_LENGTH = "tls.handshake.extensions_length", Cleartext, None, "length of the extension list";
    TLS_HS_EXTENSION = "tls.handshake.extension.type", Cleartext, None, "extension type and length";
    TLS_HS_EXTENSION_DATA = "tls.handshake.extension.data", Cleartext, None, "extension data";
    TLS_HS_SUPPORTED_VERSIONS = "tls.handshake.extensions.supported_versions", Cleartext, None, "supported_versions (RFC 8446 section 4.2.1)";
    TLS_HS_SUPPORTED_GROUPS = "tls.handshake.extensions_supported_groups", Cleartext, None, "supported_groups (RFC 8446 section 4.2.7)";
    TLS_HS_SIG_ALGS = "tls.handshake.sig_hash_algs", Cleartext, None, "signature_algorithms (RFC 8446 section 4.2.3)";
    TLS_HS_KEY_SHARE = "tls.handshake.extensions_key_share", Cleartext, None, "key_share (RFC 8446 section 4.2.8)";
    TLS_HS_PSK = "tls.handshake.extensions.psk", Cleartext, None, "pre_shared_key, psk_key_exchange_modes, early_data (RFC 8446 sections 4.2.9-4.2.11)";
    TLS_HS_PADDING = "tls.handshake.extensions_padding_data", Cleartext, None, "padding (RFC 7685)";
    TLS_HS_GREASE = "tls.handshake.grease", Cleartext, None, "GREASE value (RFC 8701)";
    TLS_HS_COMPRESS_CERT = "tls.handshake.extensions.compress_certificate", Cleartext, None, "compress_certificate (RFC 8879)";
    TLS_HS_ECH = "tls.ech.payload", Opaque, None, "encrypted ClientHello (ECH, extension 0xfe0d): the inner hello is hidden";
    TLS_HS_SNI = "tls.handshake.extensions_server_name", Cleartext, Some(ServerName), "server name (RFC 6066 section 3)";
    TLS_HS_ALPN = "tls.handshake.extensions_alpn_str", Cleartext, Some(Alpn), "application protocol (RFC 7301)";
    TLS_HS_ENCRYPTED = "tls.handshake.encrypted", Opaque, None, "encrypted handshake message (after ChangeCipherSpec)";
    TLS_CERT_LENGTH = "tls.handshake.certificate_length", Cleartext, None, "certificate list and certificate lengths";
    TLS_CERT = "tls.handshake.certificate", Cleartext, None, "DER certificate (RFC 5280)";
    X509_SUBJECT = "x509af.subject", Cleartext, Some(CertificateName), "certificate subject (RFC 5280 section 4.1.2.6)";
    X509_ISSUER = "x509af.issuer", Cleartext, Some(CertificateName), "certificate issuer (RFC 5280 section 4.1.2.4)";
    X509_SAN = "x509ce.dNSName", Cleartext, Some(CertificateName), "subject alternative name (RFC 5280 section 4.2.1.6)";
    X509_SERIAL = "x509af.serialNumber", Cleartext, Some(CertificateName), "certificate serial number";
    X509_VALIDITY = "x509af.validity", Cleartext, Some(CertificateName), "certificate validity period";
    TLS_CCS = "tls.change_cipher_spec", Cleartext, None, "ChangeCipherSpec message";
    TLS_ALERT = "tls.alert_message", Cleartext, None, "alert level and description";
    TLS_ALERT_ENCRYPTED = "tls.alert_message.encrypted", Opaque, None, "encrypted alert";
    TLS_APP_DATA = "tls.app_data", Opaque, None, "application data (RFC 8446 section 5.2)";
    TLS_HEARTBEAT = "tls.heartbeat_message", Cleartext, None, "heartbeat message (RFC 6520)";
    TLS_HEARTBEAT_ENCRYPTED = "tls.heartbeat_message.encrypted", Opaque, None, "encrypted heartbeat message";
    TLS_UNSYNCED = "tls.unsynced", Undecoded, None, "bytes of a TLS stream after framing was lost";

    // Payload heuristics.
    DATA_HIGH_ENTROPY = "data.high_entropy", Undecoded, None, "unrecognised bytes that look encrypted or compressed";
    DATA_BINARY = "data.binary", Undecoded, None, "unrecognised structured binary bytes";

    // HTTP/1.x, RFC 9112.
    HTTP_METHOD = "http.request.method", Cleartext, None, "request method (RFC 9112 section 3)";
    HTTP_URI = "http.request.uri", Cleartext, Some(Url), "request target (RFC 9112 section 3.2)";
    HTTP_VERSION = "http.request.version", Cleartext, None, "protocol version";
    HTTP_STATUS = "http.response.code", Cleartext, None, "status code (RFC 9112 section 4)";
    HTTP_REASON = "http.response.phrase", Cleartext, None, "reason phrase";
    HTTP_HEADER = "http.header", Cleartext, None, "header field (RFC 9110 section 5)";
    HTTP_HOST = "http.host", Cleartext, Some(Url), "Host header (RFC 9110 section 7.2)";
    HTTP_COOKIE = "http.cookie", Cleartext, Some(Cookie), "Cookie header (RFC 6265 section 5.4)";
    HTTP_SET_COOKIE = "http.set_cookie", Cleartext, Some(Cookie), "Set-Cookie header (RFC 6265 section 4.1)";
    HTTP_AUTHORIZATION = "http.authorization", Cleartext, Some(Credential), "Authorization or Proxy-Authorization (RFC 9110 section 11.6)";
    HTTP_LINE = "http.line", Cleartext, None, "separators and line ends of a request or response head";
    HTTP_BODY = "http.file_data", Cleartext, None, "message body (RFC 9112 section 6)";
    HTTP_FORM_CREDENTIAL = "urlencoded-form.value", Cleartext, Some(Credential), "a user name or password in a submitted form (application/x-www-form-urlencoded)";

    // Mail and file transfer commands: SMTP (RFC 5321), POP3 (RFC 1939), IMAP (RFC 9051), FTP (RFC 959).
    MAIL_COMMAND = "smtp.req.command", Cleartext, None, "client command (SMTP, POP3, IMAP, FTP)";
    MAIL_PARAMETER = "smtp.req.parameter", Cleartext, None, "command parameter";
    MAIL_CREDENTIAL = "smtp.auth.credential", Cleartext, Some(Credential), "user name or password (USER/PASS, LOGIN, AUTH PLAIN/LOGIN)";
    MAIL_RESPONSE = "smtp.response", Cleartext, None, "server reply";
    MAIL_DATA = "smtp.data", Cleartext, None, "message content (SMTP DATA)";
    TELNET_COMMAND = "telnet.cmd", Cleartext, None, "Telnet option negotiation (RFC 854)";
    TELNET_DATA = "telnet.data", Cleartext, None, "Telnet data";
    LDAP_MESSAGE = "ldap.LDAPMessage_element", Cleartext, None, "LDAP message before or without TLS (RFC 4511 section 4.1.1)";
    LDAP_CREDENTIAL = "ldap.simple", Cleartext, Some(Credential), "bind name, simple password or SASL credentials (RFC 4511 section 4.2)";
    XMPP_XML = "xmpp.xml", Cleartext, None, "XMPP stream before or without TLS (RFC 6120)";
    XMPP_CREDENTIAL = "xmpp.auth", Cleartext, Some(Credential), "SASL data that gives a user away, or a jabber:iq:auth user name or password (RFC 6120 section 6, XEP-0078)";
    MYSQL_PACKET = "mysql.packet", Cleartext, None, "MySQL packet before or without TLS: length, sequence, payload";
    MYSQL_CREDENTIAL = "mysql.user", Cleartext, Some(Credential), "user name and salted password hash of a HandshakeResponse";
    MYSQL_QUERY = "mysql.query", Cleartext, None, "SQL statement (COM_QUERY, COM_INIT_DB, COM_STMT_PREPARE)";
    PGSQL_MESSAGE = "pgsql.message", Cleartext, None, "PostgreSQL message before TLS (SSLRequest and its answer)";

    // QUIC, RFC 9000 section 17 and RFC 9001 section 5.
    QUIC_HEADER = "quic.header", Metadata, None, "packet header: form, version, connection IDs, token, length, packet number, AEAD tag";
    QUIC_FRAME = "quic.frame", Cleartext, None, "frame of an Initial packet (readable: Initial keys are public)";
    QUIC_CRYPTO = "quic.crypto", Cleartext, None, "CRYPTO data of an Initial packet: TLS handshake, readable to anyone";
    QUIC_PADDING = "quic.padding", Cleartext, None, "PADDING frames";
    QUIC_PROTECTED = "quic.protected_payload", Opaque, None, "payload of a Handshake, 0-RTT or 1-RTT packet";

    // DNS, RFC 1035 section 4.
    DNS_LENGTH = "dns.length", Metadata, None, "message length (DNS over TCP, RFC 1035 section 4.2.2)";
    DNS_HEADER = "dns.header", Cleartext, None, "id, flags and counts";
    DNS_QRY_NAME = "dns.qry.name", Cleartext, Some(DnsName), "name asked";
    DNS_RESP_NAME = "dns.resp.name", Cleartext, Some(DnsName), "name answered";
    DNS_META = "dns.rr", Cleartext, None, "type, class, TTL, lengths";
    DNS_ADDRESS = "dns.a", Cleartext, Some(Address), "address in an answer (A, AAAA)";
    DNS_DATA = "dns.rdata", Cleartext, None, "other answer data";
}

/// Looks a field up by its dotted name.
pub fn by_name(name: &str) -> Option<FieldId> {
    FIELDS
        .iter()
        .position(|f| f.name == name)
        .and_then(|i| u16::try_from(i).ok())
        .map(FieldId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate field name");
        for f in FIELDS {
            assert!(
                f.name.contains('.') || f.name == "data",
                "{} is not dotted",
                f.name
            );
        }
    }

    #[test]
    fn constants_point_at_their_definitions() {
        assert_eq!(IP_SRC.name(), "ip.src");
        assert_eq!(TCP_DSTPORT.def().leak, Some(LeakKind::Port));
        assert_eq!(by_name("tls.app_data"), Some(TLS_APP_DATA));
        assert_eq!(by_name("no.such.field"), None);
    }
}

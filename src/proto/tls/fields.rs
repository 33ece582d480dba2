//! TLS fields: record layer (RFC 8446 section 5.1, RFC 5246 section 6.2), handshake
//! messages and extensions (RFC 8446 section 4), certificates (RFC 5280).

crate::fields! {
    proto = "TLS";
    // TLS record layer, RFC 8446 section 5.1 / RFC 5246 section 6.2.
    TLS_RECORD_TYPE = "tls.record.content_type", Header, Metadata, None, "record content type";
    TLS_RECORD_VERSION = "tls.record.version", Header, Metadata, None, "record legacy version";
    TLS_RECORD_LENGTH = "tls.record.length", Header, Metadata, None, "record length";
    // TLS handshake, RFC 8446 section 4.
    TLS_HS_TYPE = "tls.handshake.type", Handshake, Cleartext, None, "handshake message type";
    TLS_HS_LENGTH = "tls.handshake.length", Handshake, Cleartext, None, "handshake message length";
    TLS_HS_BODY = "tls.handshake", Handshake, Cleartext, None, "handshake message body";
    TLS_HS_VERSION = "tls.handshake.version", Handshake, Cleartext, None, "legacy version of a hello";
    TLS_HS_RANDOM = "tls.handshake.random", Handshake, Cleartext, None, "hello random (RFC 8446 section 4.1.2)";
    TLS_HS_SESSION_ID = "tls.handshake.session_id", Handshake, Cleartext, None, "legacy session id and its length";
    TLS_HS_CIPHERSUITES = "tls.handshake.ciphersuites", Handshake, Cleartext, None, "cipher suites offered, or the one chosen";
    TLS_HS_COMPRESSION = "tls.handshake.comp_methods", Handshake, Cleartext, None, "compression methods";
    TLS_HS_EXTENSIONS_LENGTH = "tls.handshake.extensions_length", Handshake, Cleartext, None, "length of the extension list";
    TLS_HS_EXTENSION = "tls.handshake.extension.type", Handshake, Cleartext, None, "extension type and length";
    TLS_HS_EXTENSION_DATA = "tls.handshake.extension.data", Handshake, Cleartext, None, "extension data";
    TLS_HS_SUPPORTED_VERSIONS = "tls.handshake.extensions.supported_versions", Handshake, Cleartext, None, "supported_versions (RFC 8446 section 4.2.1)";
    TLS_HS_SUPPORTED_GROUPS = "tls.handshake.extensions_supported_groups", Handshake, Cleartext, None, "supported_groups (RFC 8446 section 4.2.7)";
    TLS_HS_SIG_ALGS = "tls.handshake.sig_hash_algs", Handshake, Cleartext, None, "signature_algorithms (RFC 8446 section 4.2.3)";
    TLS_HS_KEY_SHARE = "tls.handshake.extensions_key_share", Handshake, Cleartext, None, "key_share (RFC 8446 section 4.2.8)";
    TLS_HS_PSK = "tls.handshake.extensions.psk", Handshake, Cleartext, None, "pre_shared_key, psk_key_exchange_modes, early_data (RFC 8446 sections 4.2.9-4.2.11)";
    TLS_HS_PADDING = "tls.handshake.extensions_padding_data", Handshake, Cleartext, None, "padding (RFC 7685)";
    TLS_HS_GREASE = "tls.handshake.grease", Handshake, Cleartext, None, "GREASE value (RFC 8701)";
    TLS_HS_COMPRESS_CERT = "tls.handshake.extensions.compress_certificate", Handshake, Cleartext, None, "compress_certificate (RFC 8879)";
    TLS_HS_ECH = "tls.ech.payload", Handshake, Opaque, None, "encrypted ClientHello (ECH, extension 0xfe0d): the inner hello is hidden";
    TLS_HS_SNI = "tls.handshake.extensions_server_name", Handshake, Cleartext, Some(ServerName), "server name (RFC 6066 section 3)";
    TLS_HS_ECH_PUBLIC_NAME = "tls.ech.outer_sni", Handshake, Cleartext, Some(ServerName), "server name of an outer ClientHello offering ECH: the ECH public name, or the destination itself when the ECH is GREASE; an observer cannot tell (RFC 9849 sections 6.1, 6.2)";
    TLS_HS_ALPN = "tls.handshake.extensions_alpn_str", Handshake, Cleartext, Some(Alpn), "application protocol (RFC 7301)";
    TLS_HS_ENCRYPTED = "tls.handshake.encrypted", Handshake, Opaque, None, "encrypted handshake message (after ChangeCipherSpec)";
    TLS_CERT_LENGTH = "tls.handshake.certificate_length", Handshake, Cleartext, None, "certificate list and certificate lengths";
    TLS_CERT = "tls.handshake.certificate", Handshake, Cleartext, None, "DER certificate (RFC 5280)";
    X509_SUBJECT = "x509af.subject", Handshake, Cleartext, Some(CertificateName), "certificate subject (RFC 5280 section 4.1.2.6)";
    X509_ISSUER = "x509af.issuer", Handshake, Cleartext, Some(CertificateName), "certificate issuer (RFC 5280 section 4.1.2.4)";
    X509_SAN = "x509ce.dNSName", Handshake, Cleartext, Some(CertificateName), "subject alternative name (RFC 5280 section 4.2.1.6)";
    X509_SERIAL = "x509af.serialNumber", Handshake, Cleartext, Some(CertificateName), "certificate serial number";
    X509_VALIDITY = "x509af.validity", Handshake, Cleartext, Some(CertificateName), "certificate validity period";
    TLS_CCS = "tls.change_cipher_spec", Handshake, Cleartext, None, "ChangeCipherSpec message";
    TLS_ALERT = "tls.alert_message", Handshake, Cleartext, None, "alert level and description";
    TLS_ALERT_ENCRYPTED = "tls.alert_message.encrypted", Handshake, Opaque, None, "encrypted alert";
    TLS_APP_DATA = "tls.app_data", Content, Opaque, None, "application data (RFC 8446 section 5.2)";
    TLS_SSLV2_CLEAR_KEY = "ssl.handshake.clear_key_data", Handshake, Cleartext, None, "the part of an SSL 2.0 master key sent in the clear (CLIENT-MASTER-KEY)";
    TLS_SSLV2_ENCRYPTED_KEY = "ssl.handshake.encrypted_key", Handshake, Opaque, None, "the RSA-encrypted part of an SSL 2.0 master key (CLIENT-MASTER-KEY)";
    TLS_NULL_CONTENT = "tls.record.content", Content, Cleartext, None, "content of a record under a NULL cipher: readable (RFC 5246 appendix A.5)";
    TLS_RECORD_MAC = "tls.record.mac", Header, Metadata, None, "MAC of a record under a NULL cipher (RFC 5246 section 6.2.3.1)";
    TLS_HEARTBEAT = "tls.heartbeat_message", Handshake, Cleartext, None, "heartbeat message (RFC 6520)";
    TLS_HEARTBEAT_ENCRYPTED = "tls.heartbeat_message.encrypted", Handshake, Opaque, None, "encrypted heartbeat message";
    TLS_UNSYNCED = "tls.unsynced", Unknown, Undecoded, None, "bytes of a TLS stream after framing was lost";
    TLS_UNSYNCED_ENCRYPTED = "tls.unsynced.encrypted", Content, Opaque, None, "bytes of a TLS stream after framing was lost, in a direction whose keys are in use: ciphertext whose record boundaries are unknown";
}

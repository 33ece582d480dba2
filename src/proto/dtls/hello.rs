//! Whole handshake messages: DTLS hellos (the cookie read around), certificates and
//! extensions through the TLS parsers (RFC 6347 section 4.2.1, RFC 5764, RFC 9146).

use super::*;

impl Dtls {
    /// Learns from a whole message: its field spans, details, and the flow's facts.
    /// `at` places the events it emits (leaks).
    pub(super) fn parse(
        &mut self,
        msg: HandshakeType,
        body: &[u8],
        at: u64,
        out: &mut Emitter,
    ) -> Parsed {
        let mut p = Parsed::default();
        match msg {
            HandshakeType::CLIENT_HELLO => match dtls_client_hello(body) {
                Some((ch, cookie)) => {
                    if let Some(dec) = self.dec.as_mut() {
                        dec.client_hello(body);
                    }
                    if let Some(name) = ch.server_names.first() {
                        let sni = crate::text::lossy(&name.value).into_owned();
                        p.detail.push(format!("SNI={sni}"));
                        out.event(
                            at,
                            Desc::Leak {
                                kind: LeakKind::ServerName,
                                value: sni.clone(),
                            },
                        );
                        self.facts.sni.get_or_insert(sni);
                    }
                    if let Some(shown) = self.facts.offer_alpn(&ch) {
                        p.detail.push(shown);
                    }
                    if !cookie.is_empty() {
                        p.detail.push(format!("cookie {} bytes", cookie.len()));
                    }
                    let offered = dtls_max_version(&ch);
                    self.facts.client_hello_seen = true;
                    self.facts.offered = Some(offered);
                    self.client_session_id = ch.session_id;
                    if out.fingerprints() && self.facts.ja4.is_none() {
                        self.facts.ja3 = Some(fingerprint::ja3(&ch));
                        self.facts.ja4 = Some(fingerprint::ja4_dtls(&ch));
                    }
                    if let Some(cid) = hello_extension(body, true, EXT_CONNECTION_ID) {
                        // The client's CID is what the server puts in records to it.
                        if let Some(slot) = self.cid_len.get_mut(Direction::ToClient.index()) {
                            *slot = cid.first().map(|&n| usize::from(n));
                        }
                    }
                    p.version = Some(offered);
                    p.spans = ch.spans;
                }
                None => {
                    out.note(
                        at..at + body.len() as u64,
                        Severity::Warn,
                        NoteGroup::Malformed,
                        "ClientHello could not be parsed".into(),
                    );
                }
            },
            HandshakeType::SERVER_HELLO => match dtls_server_hello(body) {
                Some(sh) => {
                    if let Some(dec) = self.dec.as_mut() {
                        dec.server_hello(body, &sh, out, at);
                    }
                    self.facts.server_hello_seen = true;
                    if sh.retry_request {
                        p.detail.push("HelloRetryRequest".into());
                    }
                    self.facts.cipher = Some(sh.cipher);
                    self.facts.version = Some(sh.selected);
                    p.detail
                        .push(format!("cipher={}", tls::cipher_name(sh.cipher)));
                    let resumed = if sh.selected == TlsVersion::DTLS13 {
                        sh.psk
                    } else {
                        !sh.session_id.is_empty() && sh.session_id == self.client_session_id
                    };
                    if resumed {
                        self.facts.resumed = true;
                        p.detail.push("resumed".into());
                    }
                    if let Some(a) = sh.alpn.first() {
                        let a = crate::text::lossy(&a.value).into_owned();
                        p.detail.push(format!("ALPN={a}"));
                        self.facts.alpn_chosen = Some(a);
                    }
                    if out.fingerprints() && self.facts.ja3s.is_none() && !sh.retry_request {
                        self.facts.ja3s = Some(fingerprint::ja3s(&sh));
                    }
                    if let Some(srtp) = hello_extension(body, false, EXT_USE_SRTP) {
                        // profiles<2..2^16-1> (one chosen), then srtp_mki<0..255>.
                        let mut rd = Reader::new(srtp);
                        let profile = rd.prefixed_u16().and_then(|mut l| l.u16());
                        let mki = rd.u8().map_or(0, usize::from);
                        if let Some(profile) = profile {
                            self.srtp_profile = Some((profile, mki));
                            p.detail
                                .push(format!("SRTP={}", srtp_profile_name(profile)));
                        }
                    }
                    if let Some(cid) = hello_extension(body, false, EXT_CONNECTION_ID) {
                        if let Some(slot) = self.cid_len.get_mut(Direction::ToServer.index()) {
                            *slot = cid.first().map(|&n| usize::from(n));
                        }
                    }
                    p.version = Some(sh.selected);
                    p.spans = sh.spans;
                }
                None => out.note(
                    at..at + body.len() as u64,
                    Severity::Warn,
                    NoteGroup::Malformed,
                    "ServerHello could not be parsed".into(),
                ),
            },
            HandshakeType::HELLO_VERIFY_REQUEST => {
                // server_version, cookie<0..2^8-1> (RFC 6347 section 4.2.1).
                let mut rd = Reader::new(body);
                if let (Some(v), Some(cookie)) = (rd.u16(), rd.prefixed_u8()) {
                    p.spans = vec![
                        (0..2, super::tls::fields::TLS_HS_VERSION),
                        (2..3 + cookie.left(), DTLS_HS_COOKIE),
                    ];
                    p.detail.push(format!("cookie {} bytes", cookie.left()));
                    let _ = v;
                }
            }
            HandshakeType::CERTIFICATE => {
                if let Some(certs) = handshake::certificate(body) {
                    if let Some(first) = certs.certs.first() {
                        p.detail.push(format!("CN={}", first.short_subject()));
                        p.detail.push(format!("issuer={}", first.short_issuer()));
                    }
                    let n = certs.certs.len() + certs.malformed.len();
                    if n > 1 {
                        p.detail.push(format!("{n} certificates"));
                    }
                    for c in &certs.certs {
                        let names = tls::CertNames {
                            subject: c.subject.clone(),
                            issuer: c.issuer.clone(),
                            sans: c.sans.clone(),
                        };
                        // A retransmitted Certificate teaches nothing new.
                        if self.facts.certificates.len() < 8
                            && !self.facts.certificates.contains(&names)
                        {
                            self.facts.certificates.push(names);
                        }
                        for v in [&c.subject, &c.issuer].into_iter().chain(c.sans.iter()) {
                            out.event(
                                at,
                                Desc::Leak {
                                    kind: LeakKind::CertificateName,
                                    value: v.clone(),
                                },
                            );
                        }
                    }
                    if !certs.malformed.is_empty() {
                        out.note(
                            at..at + body.len() as u64,
                            Severity::Warn,
                            NoteGroup::Malformed,
                            format!(
                                "{} certificate(s) in the chain are not valid DER: readable, names not read",
                                certs.malformed.len()
                            ),
                        );
                    }
                    p.spans = certs.spans;
                }
            }
            _ => {}
        }
        p
    }

    /// The SRTP protection profile's name, if one was negotiated.
    pub fn srtp_profile_name(&self) -> Option<String> {
        self.srtp_profile.map(|(p, _)| srtp_profile_name(p))
    }
}

/// Extension types the DTLS dissector reads itself.
pub(super) const EXT_USE_SRTP: u16 = 14;
/// connection_id (RFC 9146 section 3); 53 was its draft number.
pub(super) const EXT_CONNECTION_ID: u16 = 54;

/// SRTP protection profiles (RFC 5764 section 4.1.2, RFC 7714 section 14.2).
pub fn srtp_profile_name(p: u16) -> String {
    match p {
        0x0001 => "SRTP_AES128_CM_HMAC_SHA1_80".into(),
        0x0002 => "SRTP_AES128_CM_HMAC_SHA1_32".into(),
        0x0005 => "SRTP_NULL_HMAC_SHA1_80".into(),
        0x0006 => "SRTP_NULL_HMAC_SHA1_32".into(),
        0x0007 => "SRTP_AEAD_AES_128_GCM".into(),
        0x0008 => "SRTP_AEAD_AES_256_GCM".into(),
        p => format!("SRTP profile {p:#06x}"),
    }
}

/// Labels the fragment of a message body at message offset `offset` (`len` bytes,
/// first byte at frame offset `at`) with the message-relative `spans`; bytes between
/// them are plain handshake body.
pub(super) fn label_body(
    at: u64,
    offset: usize,
    len: usize,
    spans: &[(Range<usize>, FieldId)],
    out: &mut Emitter,
) {
    let frag = offset..offset + len;
    let place =
        |range: Range<usize>| at + (range.start - offset) as u64..at + (range.end - offset) as u64;
    let mut cursor = frag.start;
    for (range, field) in spans {
        let s = range.start.max(frag.start).max(cursor);
        let e = range.end.min(frag.end);
        if s >= e {
            continue;
        }
        out.field(place(cursor..s), DTLS_HS_BODY);
        out.span(place(s..e), *field, field.def().vis);
        cursor = e;
    }
    out.field(place(cursor..frag.end), DTLS_HS_BODY);
}

/// The connection ID length that makes a record end exactly at the end of `b`: the
/// length field sits `cid` bytes after `at`. When the hellos were not seen, the only
/// evidence is the datagram (the last record fills it).
pub(super) fn guess_cid(b: &[u8], at: usize) -> Option<usize> {
    (0..=MAX_GUESSED_CID).find(|&n| {
        crate::codec::be16(b, at + n).is_some_and(|l| at + n + 2 + usize::from(l) == b.len())
    })
}

/// The highest DTLS version a ClientHello offers (DTLS numbers count down).
pub(super) fn dtls_max_version(ch: &handshake::ClientHello) -> TlsVersion {
    ch.versions
        .iter()
        .copied()
        .filter(|v| v.is_dtls())
        .min_by_key(|v| v.0 & 0xff)
        .unwrap_or(TlsVersion(ch.legacy_version))
}

/// Where a DTLS ClientHello's cookie sits: after version, random and session id.
pub(super) fn cookie_at(body: &[u8]) -> Option<(usize, usize)> {
    let sid = usize::from(*body.get(34)?);
    let at = 35 + sid;
    let len = usize::from(*body.get(at)?);
    Some((at, 1 + len))
}

/// Parses a DTLS ClientHello: a TLS ClientHello with `cookie<0..2^8-1>` after the
/// session id (RFC 6347 section 4.2.1). The TLS parser reads the hello with the cookie
/// cut out; its spans are moved back around it. Returns the hello and the cookie.
pub(super) fn dtls_client_hello(body: &[u8]) -> Option<(handshake::ClientHello, Vec<u8>)> {
    let (at, n) = cookie_at(body)?;
    let mut tls_body = body.get(..at)?.to_vec();
    tls_body.extend_from_slice(body.get(at + n..)?);
    let mut ch = handshake::client_hello(&tls_body)?;
    let shift = |r: &mut Range<usize>| {
        if r.start >= at {
            r.start += n;
            r.end += n;
        }
    };
    for (range, _) in &mut ch.spans {
        shift(range);
    }
    for l in ch.server_names.iter_mut().chain(ch.alpn.iter_mut()) {
        shift(&mut l.range);
    }
    ch.spans.push((at..at + n, DTLS_HS_COOKIE));
    ch.spans.sort_by_key(|(r, _)| r.start);
    let cookie = body.get(at + 1..at + n)?.to_vec();
    Some((ch, cookie))
}

/// Parses a DTLS ServerHello: TLS's layout, with a DTLS version the TLS parser does
/// not accept; it reads the hello as version 0x0303 and the version is put back.
pub(super) fn dtls_server_hello(body: &[u8]) -> Option<handshake::ServerHello> {
    let mut rd = Reader::new(body);
    let legacy = rd.u16()?;
    let mut copy = Vec::with_capacity(body.len());
    copy.extend_from_slice(&TlsVersion::TLS12.0.to_be_bytes());
    copy.extend_from_slice(rd.rest());
    let mut sh = handshake::server_hello(&copy)?;
    sh.legacy_version = legacy;
    if sh.selected == TlsVersion::TLS12 {
        // No supported_versions (DTLS ≤ 1.2): the hello's own version.
        sh.selected = TlsVersion(legacy);
    }
    Some(sh)
}

/// The data of extension `kind` in a whole DTLS ClientHello (`client`) or
/// ServerHello body.
pub(super) fn hello_extension(body: &[u8], client: bool, kind: u16) -> Option<&[u8]> {
    let mut rd = Reader::new(body);
    rd.skip(34)?;
    rd.prefixed_u8()?; // session id
    if client {
        rd.prefixed_u8()?; // cookie
        rd.prefixed_u16()?; // cipher suites
        rd.prefixed_u8()?; // compression methods
    } else {
        rd.skip(3)?; // cipher suite, compression method
    }
    let mut exts = rd.prefixed_u16()?;
    while !exts.is_empty() {
        let t = exts.u16()?;
        let data = exts.prefixed_u16()?;
        if t == kind {
            return Some(data.rest());
        }
    }
    None
}

/// The server names and ALPN values of a ClientHello whose first bytes are `prefix`
/// (DTLS layout, the rest not arrived yet): message-relative spans of the values that
/// are whole in the prefix.
pub(super) fn client_hello_prefix_leaks(prefix: &[u8]) -> Fields {
    let mut out = Fields::new();
    let mut rd = Reader::new(prefix);
    let walk = (|| {
        rd.skip(34)?;
        rd.prefixed_u8()?;
        rd.prefixed_u8()?;
        rd.prefixed_u16()?;
        rd.prefixed_u8()?;
        rd.u16()?; // extensions length: the block may run past the prefix
        loop {
            let t = rd.u16()?;
            let data_at = rd.pos() + 2;
            let mut data = rd.prefixed_u16()?;
            match t {
                handshake::EXT_SERVER_NAME => {
                    let mut list = data.prefixed_u16()?;
                    while !list.is_empty() {
                        let at = data_at + 2 + list.pos();
                        let _kind = list.u8()?;
                        let name = list.prefixed_u16()?;
                        let start = at + 3;
                        out.push((start..start + name.left(), super::tls::fields::TLS_HS_SNI));
                    }
                }
                handshake::EXT_ALPN => {
                    let mut list = data.prefixed_u16()?;
                    while !list.is_empty() {
                        let at = data_at + 2 + list.pos();
                        let name = list.prefixed_u8()?;
                        out.push((
                            at + 1..at + 1 + name.left(),
                            super::tls::fields::TLS_HS_ALPN,
                        ));
                    }
                }
                _ => {}
            }
        }
    })();
    let _: Option<()> = walk;
    out
}

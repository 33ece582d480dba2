//! Named fixtures for the plaintext protocols and the hand-over to TLS, run through a
//! flow's [`Stack`] as the flow stage runs them (detection included).

use super::stack::Stack;
use super::*;
use crate::decode::Transport;
use crate::span::Visibility::*;
use framing::MAX_LINE;

/// The protocol a flow was recognised as (the outermost layer).
fn outer(dis: &Stack) -> String {
    dis.facts().stack.first().cloned().unwrap_or_default()
}

/// Runs one direction's bytes through a dissector in the given chunks; returns the
/// field name of every byte and the emitter's events.
fn run(
    dis: &mut Stack,
    dir: Direction,
    bytes: &[u8],
    chunks: &[usize],
) -> (Vec<(&'static str, Visibility)>, Vec<Desc>) {
    let mut labels = vec![("", Undecoded); bytes.len()];
    let mut seen = vec![false; bytes.len()];
    let mut out = Emitter::default();
    let mut events = Vec::new();
    let mut buf = Vec::new();
    let mut base = 0u64;
    let mut pos = 0;
    let mut take = |out: &mut Emitter| {
        for s in out.spans.drain(..) {
            for i in s.range.clone() {
                assert!(!seen[i as usize], "byte {i} labelled twice");
                seen[i as usize] = true;
                labels[i as usize] = (s.field.name(), s.vis);
            }
        }
        events.extend(out.events.drain(..).map(|e| e.desc));
    };
    for &n in chunks {
        let end = (pos + n).min(bytes.len());
        buf.extend_from_slice(&bytes[pos..end]);
        pos = end;
        let done = dis.feed(dir, base, &buf, false, &mut out);
        buf.drain(..done);
        base += done as u64;
        take(&mut out);
    }
    buf.extend_from_slice(&bytes[pos..]);
    dis.feed(dir, base, &buf, true, &mut out);
    take(&mut out);
    assert!(seen.iter().all(|&s| s), "every byte labelled");
    (labels, events)
}

fn app_texts(events: &[Desc]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Desc::App { proto, text, leaks } => Some(format!("{proto} {text} {leaks:?}")),
            _ => None,
        })
        .collect()
}

fn field_at<'a>(
    labels: &'a [(&'static str, Visibility)],
    bytes: &[u8],
    needle: &[u8],
) -> &'a (&'static str, Visibility) {
    let i = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle");
    &labels[i]
}

#[test]
fn http_request_with_basic_auth_cookie_and_body() {
    let req = b"POST /login?next=/home HTTP/1.1\r\nHost: shop.example\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\nCookie: sid=42\r\nContent-Length: 11\r\n\r\nuser=alice&";
    let mut dis =
        Stack::detect(req, Direction::ToServer, Transport::Tcp, (40000, 80), false).unwrap();
    let (labels, events) = run(&mut dis, Direction::ToServer, req, &[20, 30, 1000]);
    assert_eq!(field_at(&labels, req, b"POST").0, "http.request.method");
    assert_eq!(field_at(&labels, req, b"/login").0, "http.request.uri");
    assert_eq!(field_at(&labels, req, b"shop.example").0, "http.host");
    assert_eq!(field_at(&labels, req, b"YWxp").0, "http.authorization");
    assert_eq!(field_at(&labels, req, b"sid=42").0, "http.cookie");
    assert_eq!(field_at(&labels, req, b"user=alice").0, "http.file_data");
    let apps = app_texts(&events);
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert!(apps[0].contains("HTTP POST /login?next=/home"), "{apps:?}");
    assert!(
        apps[0].contains("Authorization: Basic alice:secret"),
        "{apps:?}"
    );
    assert!(events.iter().any(|e| matches!(e, Desc::Leak { kind: crate::span::LeakKind::Credential, value } if value == "Basic alice:secret")));
}

#[test]
fn http_chunked_response_then_a_second_response() {
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n";
    let mut dis = Stack::detect(
        resp,
        Direction::ToClient,
        Transport::Tcp,
        (40000, 80),
        false,
    )
    .unwrap();
    let (labels, events) = run(&mut dis, Direction::ToClient, resp, &[7, 7, 7, 1000]);
    assert_eq!(field_at(&labels, resp, b"hello").0, "http.file_data");
    assert_eq!(field_at(&labels, resp, b"a=b").0, "http.set_cookie");
    assert_eq!(field_at(&labels, resp, b"304").0, "http.response.code");
    assert_eq!(app_texts(&events).len(), 2);
}

#[test]
fn http_line_of_ten_megabytes_is_labelled_without_being_held() {
    let mut req = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    req.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    req.extend_from_slice(b"\r\n\r\n");
    let mut dis = Stack::detect(&req, Direction::ToServer, Transport::Tcp, (1, 80), false).unwrap();
    let mut out = Emitter::default();
    // Fed in one go, the dissector labels all but less than a line's bound.
    let done = dis.feed(Direction::ToServer, 0, &req, false, &mut out);
    assert!(
        req.len() - done < MAX_LINE,
        "held {} bytes",
        req.len() - done
    );
    assert!(out.notes.iter().any(|n| n.text.contains("longer than")));
}

#[test]
fn smtp_auth_plain_and_login_and_data() {
    let server = b"220 mail.example ESMTP\r\n250-mail.example\r\n250 AUTH PLAIN LOGIN\r\n235 ok\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n354 go ahead\r\n250 queued\r\n";
    let client = b"EHLO me\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTH LOGIN\r\nYm9i\r\naHVudGVyMg==\r\nDATA\r\nSubject: hi\r\n\r\nsecret plans\r\n.\r\nQUIT\r\n";
    let mut dis = Stack::detect(
        server,
        Direction::ToClient,
        Transport::Tcp,
        (40000, 25),
        false,
    )
    .unwrap();
    assert_eq!(outer(&dis), "SMTP");
    // Interleave like the real exchange: replies before the client lines they allow.
    let mut out = Emitter::default();
    let mut events = Vec::new();
    let mut s_pos = 0u64;
    let mut c_pos = 0u64;
    let s_lines: Vec<&[u8]> = server.split_inclusive(|&b| b == b'\n').collect();
    let c_lines: Vec<&[u8]> = client.split_inclusive(|&b| b == b'\n').collect();
    let order = [
        (true, 0),
        (true, 1),
        (true, 2),
        (false, 0),
        (false, 1),
        (true, 3),
        (false, 2),
        (true, 4),
        (false, 3),
        (true, 5),
        (false, 4),
        (true, 6),
        (false, 5),
        (true, 7),
        (false, 6),
        (false, 7),
        (false, 8),
        (false, 9),
        (true, 8),
        (false, 10),
    ];
    let mut client_fields = Vec::new();
    for (srv, i) in order {
        let (line, pos, dir) = if srv {
            (s_lines[i], &mut s_pos, Direction::ToClient)
        } else {
            (c_lines[i], &mut c_pos, Direction::ToServer)
        };
        let n = dis.feed(dir, *pos, line, false, &mut out);
        assert_eq!(n, line.len());
        if !srv {
            client_fields.push((
                crate::text::lossy(line).into_owned(),
                out.spans.iter().map(|s| s.field.name()).collect::<Vec<_>>(),
            ));
        }
        *pos += n as u64;
        out.spans.clear();
        events.extend(out.events.drain(..).map(|e| e.desc));
    }
    let creds: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Desc::Leak {
                kind: crate::span::LeakKind::Credential,
                value,
            } => Some(value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        creds,
        ["user=alice password=secret", "user=bob", "password=hunter2"]
    );
    let data_line = client_fields
        .iter()
        .find(|(l, _)| l.starts_with("secret plans"))
        .unwrap();
    assert_eq!(data_line.1, ["smtp.data"]);
    let quit = client_fields
        .iter()
        .find(|(l, _)| l.starts_with("QUIT"))
        .unwrap();
    assert_eq!(
        quit.1[0], "smtp.req.command",
        "after the dot, commands again"
    );
}

#[test]
fn starttls_hands_the_stream_to_tls() {
    let mut dis = Stack::detect(
        b"220 x ESMTP\r\n",
        Direction::ToClient,
        Transport::Tcp,
        (1, 25),
        false,
    )
    .unwrap();
    let mut out = Emitter::default();
    dis.feed(Direction::ToClient, 0, b"220 x ESMTP\r\n", false, &mut out);
    let mut client = b"STARTTLS\r\n".to_vec();
    let hello_at = client.len();
    // A ClientHello record header and the first bytes of its body.
    client.extend_from_slice(&[22, 3, 1, 0, 10, 1, 0, 0, 6, 3, 3, 0, 0, 0, 0]);
    let n = dis.feed(Direction::ToServer, 0, &client, false, &mut out);
    assert!(n >= hello_at);
    let tls_span = out
        .spans
        .iter()
        .find(|s| s.range.start == hello_at as u64)
        .unwrap();
    assert_eq!(tls_span.field.name(), "tls.record.content_type");
    assert_eq!(dis.facts().stack, ["SMTP", "STARTTLS", "TLS"]);
}

#[test]
fn pop3_user_pass_and_stls() {
    let client = b"USER alice\r\nPASS s3cret\r\nSTLS\r\n";
    let mut dis = Stack::detect(
        b"+OK POP3 ready\r\n",
        Direction::ToClient,
        Transport::Tcp,
        (1, 110),
        false,
    )
    .unwrap();
    let (labels, events) = run(&mut dis, Direction::ToServer, client, &[1000]);
    assert_eq!(
        field_at(&labels, client, b"s3cret").0,
        "smtp.auth.credential"
    );
    assert_eq!(
        field_at(&labels, client, b"alice").0,
        "smtp.auth.credential"
    );
    assert_eq!(field_at(&labels, client, b"STLS").0, "smtp.req.command");
    let apps = app_texts(&events);
    assert!(
        apps.iter()
            .any(|a| a.contains("PASS") && a.contains("password=s3cret")),
        "{apps:?}"
    );
}

#[test]
fn imap_login_and_ftp_auth_tls() {
    let client = b"a1 LOGIN \"alice\" \"pw\"\r\n";
    let mut dis = Stack::detect(
        b"* OK IMAP4rev1\r\n",
        Direction::ToClient,
        Transport::Tcp,
        (1, 143),
        false,
    )
    .unwrap();
    let (_, events) = run(&mut dis, Direction::ToServer, client, &[1000]);
    assert!(events
        .iter()
        .any(|e| matches!(e, Desc::Leak { value, .. } if value == "user=alice password=pw")));

    let mut ftp = Stack::detect(
        b"220 FTP server ready\r\n",
        Direction::ToClient,
        Transport::Tcp,
        (1, 21),
        false,
    )
    .unwrap();
    assert_eq!(outer(&ftp), "FTP");
    let (labels, _) = run(
        &mut ftp,
        Direction::ToServer,
        b"USER bob\r\nPASS pw2\r\n",
        &[5, 100],
    );
    assert_eq!(labels[15].0, "smtp.auth.credential");
}

#[test]
fn socks_then_tls_is_found_by_content() {
    // A SOCKS5 greeting and connect request, then a ClientHello.
    let mut client = vec![5, 1, 0];
    client.extend_from_slice(&[5, 1, 0, 3, 11]);
    client.extend_from_slice(b"example.com");
    client.extend_from_slice(&[1, 187]);
    let hello_at = client.len();
    client.extend_from_slice(&[22, 3, 1, 0, 5, 1, 0, 0, 1, 0]);
    let mut dis = Stack::detect(
        &client,
        Direction::ToServer,
        Transport::Tcp,
        (50000, 1080),
        false,
    )
    .unwrap();
    // Segment boundaries as sent: greeting, request, hello.
    let (labels, _) = run(
        &mut dis,
        Direction::ToServer,
        &client,
        &[3, hello_at - 3, 100],
    );
    assert_eq!(labels[hello_at].0, "tls.record.content_type");
    assert!(dis.tls().is_some());
}

#[test]
fn telnet_commands_and_data() {
    let bytes = [0xff, 0xfd, 0x18, b'l', b'o', b'g', b'i', b'n', 0xff, 0xf9];
    let mut dis =
        Stack::detect(&bytes, Direction::ToClient, Transport::Tcp, (1, 23), false).unwrap();
    let (labels, _) = run(&mut dis, Direction::ToClient, &bytes, &[100]);
    assert_eq!(labels[0].0, "telnet.cmd");
    assert_eq!(labels[3].0, "telnet.data");
    assert_eq!(labels[9].0, "telnet.cmd");
}

#[test]
fn postgres_ssl_request_then_tls() {
    let mut client = vec![0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    client.extend_from_slice(&[22, 3, 1, 0, 5, 1, 0, 0, 1, 0]);
    let mut dis = Stack::detect(
        &client,
        Direction::ToServer,
        Transport::Tcp,
        (1, 5432),
        false,
    )
    .unwrap();
    let (labels, events) = run(&mut dis, Direction::ToServer, &client, &[8, 100]);
    assert_eq!(labels[0].0, "pgsql.length");
    assert_eq!(labels[4].0, "pgsql.request_code");
    assert_eq!(labels[8].0, "tls.record.content_type");
    assert!(app_texts(&events).iter().any(|a| a.contains("SSLRequest")));
}

#[test]
fn dns_over_tcp_with_length_prefix() {
    let mut msg = vec![
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'f', b'o', b'o', 0, 0, 1, 0, 1,
    ];
    let mut bytes = (msg.len() as u16).to_be_bytes().to_vec();
    bytes.append(&mut msg);
    let mut dis =
        Stack::detect(&bytes, Direction::ToServer, Transport::Tcp, (1, 53), false).unwrap();
    let (labels, _) = run(&mut dis, Direction::ToServer, &bytes, &[1, 5, 100]);
    assert_eq!(labels[0].0, "dns.length");
    assert_eq!(labels[14].0, "dns.qry.name");
}

#[test]
fn http_form_credentials_are_leaks_in_any_chunking() {
    let req = b"POST /login HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 44\r\n\r\nuser=alice%40mail&password=s3cr%21t&remember";
    for chunks in [&[1000][..], &[5, 60, 70, 3, 2][..], &[120, 1, 1, 1][..]] {
        let mut dis =
            Stack::detect(req, Direction::ToServer, Transport::Tcp, (40000, 80), false).unwrap();
        let (labels, events) = run(&mut dis, Direction::ToServer, req, chunks);
        assert_eq!(
            field_at(&labels, req, b"alice%40").0,
            "urlencoded-form.value"
        );
        assert_eq!(
            field_at(&labels, req, b"s3cr%21t").0,
            "urlencoded-form.value"
        );
        assert_eq!(field_at(&labels, req, b"&password").0, "http.file_data");
        assert_eq!(field_at(&labels, req, b"remember").0, "http.file_data");
        assert_eq!(
            app_texts(&events),
            ["HTTP POST /login [\"form user=alice@mail\", \"form password=s3cr!t\"]"],
            "chunks {chunks:?}"
        );
    }
}

/// Secrets in a request's query (RFC 6750 section 2.3's `access_token`, API keys,
/// passwords) and in API-key headers are credentials; the URL around them stays a
/// URL, user names in a query and short `token`s (counters, checksums) are not.
#[test]
fn http_query_secrets_and_api_key_headers_are_credentials() {
    let req = b"GET /v1/items?user=alice&access_token=abc%2Bdef123&token=71150&q=x#frag HTTP/1.1\r\nHost: api.example\r\nX-API-Key: k3y-0f-4l1c3\r\nOcp-Apim-Subscription-Key: 0123456789abcdef\r\nX-Request-Id: 42\r\n\r\n";
    for chunks in [&[1000][..], &[7, 30, 2, 50, 3][..]] {
        let mut dis =
            Stack::detect(req, Direction::ToServer, Transport::Tcp, (40000, 80), false).unwrap();
        let (labels, events) = run(&mut dis, Direction::ToServer, req, chunks);
        let field = |needle: &[u8]| field_at(&labels, req, needle).0;
        assert_eq!(field(b"/v1/items"), "http.request.uri");
        assert_eq!(field(b"alice"), "http.request.uri");
        assert_eq!(field(b"abc%2Bdef123"), "http.request.uri.query.parameter");
        assert_eq!(field(b"&token=71150"), "http.request.uri");
        assert_eq!(field(b"71150"), "http.request.uri");
        assert_eq!(field(b"&q=x#frag"), "http.request.uri");
        assert_eq!(field(b"k3y-0f-4l1c3"), "http.api_key");
        assert_eq!(field(b"0123456789abcdef"), "http.api_key");
        assert_eq!(field(b"42\r"), "http.header");
        let credentials: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Desc::Leak {
                    kind: crate::span::LeakKind::Credential,
                    value,
                } => Some(value.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            credentials,
            [
                "access_token=abc+def123",
                "X-API-Key: k3y-0f-4l1c3",
                "Ocp-Apim-Subscription-Key: 0123456789abcdef"
            ],
            "chunks {chunks:?}"
        );
    }
}

#[test]
fn http_form_that_is_not_urlencoded_or_too_big_is_body() {
    let mut req = b"POST /up HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\npassword=secret".to_vec();
    let mut dis = Stack::detect(
        &req,
        Direction::ToServer,
        Transport::Tcp,
        (40000, 80),
        false,
    )
    .unwrap();
    let (labels, events) = run(&mut dis, Direction::ToServer, &req, &[1000]);
    assert_eq!(field_at(&labels, &req, b"secret").0, "http.file_data");
    assert_eq!(app_texts(&events), ["HTTP POST /up []"]);
    // Over the form limit: not held, plain body.
    let body = format!("password=x{}", "a".repeat(20_000));
    req = format!("POST /up HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes();
    let mut dis = Stack::detect(
        &req,
        Direction::ToServer,
        Transport::Tcp,
        (40000, 80),
        false,
    )
    .unwrap();
    let (labels, _) = run(&mut dis, Direction::ToServer, &req, &[100, 100, 100_000]);
    assert_eq!(field_at(&labels, &req, b"password=x").0, "http.file_data");
}

#[test]
fn ldap_bind_then_starttls_hands_over_at_the_message_boundary() {
    let bind =
        b"\x30\x2c\x02\x01\x01\x60\x27\x02\x01\x03\x04\x1acn=admin,dc=example,dc=org\x80\x06secret";
    let start_tls = b"\x30\x1d\x02\x01\x02\x77\x18\x80\x161.3.6.1.4.1.1466.20037";
    let mut bytes = bind.to_vec();
    bytes.extend_from_slice(start_tls);
    bytes.extend_from_slice(&[0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0, 0, 1, 0]);
    let mut dis = Stack::detect(
        &bytes,
        Direction::ToServer,
        Transport::Tcp,
        (40000, 389),
        false,
    )
    .unwrap();
    assert_eq!(outer(&dis), "LDAP");
    // Split in the middle of the bind's name and of the StartTLS request.
    let (labels, events) = run(&mut dis, Direction::ToServer, &bytes, &[5, 20, 30, 1000]);
    assert_eq!(field_at(&labels, &bytes, b"cn=admin").0, "ldap.simple");
    assert_eq!(field_at(&labels, &bytes, b"secret").0, "ldap.simple");
    assert_eq!(
        field_at(&labels, &bytes, b"1.3.6.1").0,
        "ldap.LDAPMessage_element"
    );
    assert!(
        labels[bind.len() + start_tls.len()].0.starts_with("tls."),
        "{labels:?}"
    );
    let apps = app_texts(&events);
    assert!(
        apps.iter().any(|a| a.contains("extendedReq(2) StartTLS")),
        "{apps:?}"
    );
    assert_eq!(dis.facts().stack, ["LDAP", "StartTLS", "TLS"]);
}

#[test]
fn ldap_and_mysql_lengths_of_gigabytes_are_labelled_as_they_come() {
    // An LDAP message declaring 4 GiB, and a MySQL packet declaring 16 MiB: neither
    // waits for its end; every byte fed is labelled at once.
    let mut ldap = b"\x30\x84\xff\xff\xff\xf0\x02\x01\x01\x63".to_vec();
    ldap.extend(std::iter::repeat_n(b'x', 200_000));
    let mut dis =
        Stack::detect(&ldap, Direction::ToServer, Transport::Tcp, (1, 389), false).unwrap();
    let mut out = Emitter::default();
    let mut base = 0u64;
    for chunk in ldap.chunks(1448) {
        let done = dis.feed(Direction::ToServer, base, chunk, false, &mut out);
        assert_eq!(done, chunk.len(), "nothing held");
        base += done as u64;
    }
    let mut mysql = vec![0xff, 0xff, 0xff, 0x00, 0x0a];
    mysql.extend_from_slice(b"8.0.36\0");
    mysql.extend(std::iter::repeat_n(0u8, 100_000));
    let mut dis = Stack::detect(
        &mysql,
        Direction::ToClient,
        Transport::Tcp,
        (1, 3306),
        false,
    )
    .unwrap();
    assert_eq!(outer(&dis), "MySQL");
    let mut base = 0u64;
    for chunk in mysql.chunks(1448) {
        let done = dis.feed(Direction::ToClient, base, chunk, false, &mut out);
        assert!(chunk.len() - done < 4, "held {} bytes", chunk.len() - done);
        base += done as u64;
    }
    // XMPP text without any `>` is held at most a line's bound.
    let mut xml = b"<?xml version='1.0'?><stream:stream to='x'><message><body>".to_vec();
    xml.extend(std::iter::repeat_n(b'a', 3 * MAX_LINE));
    let mut dis =
        Stack::detect(&xml, Direction::ToServer, Transport::Tcp, (1, 5222), false).unwrap();
    assert_eq!(outer(&dis), "XMPP");
    let done = dis.feed(Direction::ToServer, 0, &xml, false, &mut out);
    assert!(
        xml.len() - done <= MAX_LINE,
        "held {} bytes",
        xml.len() - done
    );
}

#[test]
fn a_gap_in_ldap_or_mysql_stops_parsing_instead_of_guessing_lengths() {
    let mut greeting = vec![40, 0, 0, 0, 0x0a];
    greeting.extend_from_slice(b"8.0.36\0");
    greeting.resize(44, 0);
    let mut dis = Stack::detect(
        &greeting,
        Direction::ToClient,
        Transport::Tcp,
        (1, 3306),
        false,
    )
    .unwrap();
    let mut out = Emitter::default();
    assert_eq!(
        dis.feed(Direction::ToClient, 0, &greeting, false, &mut out),
        44
    );
    dis.gap(Direction::ToClient, 44, 100, &mut out);
    // After the hole: bytes that would read as a 16 MiB packet header.
    let after = [0xff, 0xff, 0xff, 0x07, b'a', b'b'];
    let done = dis.feed(Direction::ToClient, 144, &after, false, &mut out);
    assert_eq!(done, after.len(), "labelled at once, no packet awaited");
    assert!(
        !out.events
            .iter()
            .any(|e| matches!(&e.desc, Desc::App { text, .. } if text.contains("response"))),
        "no packet parsed after the gap"
    );
}

#[test]
fn bytes_that_are_not_ber_stop_ldap_parsing_with_a_note() {
    let bind = b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00";
    let mut bytes = bind.to_vec();
    bytes.extend_from_slice(b"hello, this is not BER at all\r\n");
    let mut dis =
        Stack::detect(&bytes, Direction::ToServer, Transport::Tcp, (1, 389), false).unwrap();
    let mut out = Emitter::default();
    assert_eq!(
        dis.feed(Direction::ToServer, 0, &bytes, false, &mut out),
        bytes.len()
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.text == "no LDAP message starts here: the rest is not parsed"),
        "{:?}",
        out.notes
    );
    // The text after the bind is labelled readable text, not LDAP.
    assert!(out
        .spans
        .iter()
        .any(|s| s.range.start == bind.len() as u64 && s.field == crate::fields::TEXT));
}

/// A PostgreSQL message: type byte, length, body.
fn pg(t: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![t];
    m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn pg_startup() -> Vec<u8> {
    let body = b"\x00\x03\x00\x00user\0alice\0database\0shop\0\0";
    let mut m = (body.len() as u32 + 4).to_be_bytes().to_vec();
    m.extend_from_slice(body);
    m
}

#[test]
fn postgres_cleartext_login_and_query_in_any_chunking() {
    let mut client = pg_startup();
    client.extend(pg(b'p', b"secret\0"));
    client.extend(pg(b'Q', b"SELECT * FROM users\0"));
    for chunks in [&[1000][..], &[3, 7, 1, 20, 2][..], &[1; 80][..]] {
        let mut dis = Stack::detect(
            &client,
            Direction::ToServer,
            Transport::Tcp,
            (40000, 5433),
            false,
        )
        .unwrap();
        assert_eq!(outer(&dis), "PostgreSQL");
        let mut out = Emitter::default();
        dis.feed(
            Direction::ToClient,
            0,
            &pg(b'R', b"\0\0\0\x03"),
            false,
            &mut out,
        );
        let (labels, events) = run(&mut dis, Direction::ToServer, &client, chunks);
        assert_eq!(field_at(&labels, &client, b"alice").0, "pgsql.user");
        assert_eq!(field_at(&labels, &client, b"secret").0, "pgsql.password");
        assert_eq!(field_at(&labels, &client, b"SELECT").0, "pgsql.query");
        assert_eq!(
            app_texts(&events),
            [
                "PostgreSQL StartupMessage user=alice database=shop []",
                "PostgreSQL PasswordMessage [\"password=secret\"]",
                "PostgreSQL Query: SELECT * FROM users []"
            ],
            "chunks {chunks:?}"
        );
    }
}

#[test]
fn postgres_every_prefix_of_a_startup_message_is_labelled_without_panic() {
    let m = pg_startup();
    for n in 1..=m.len() {
        let Some(mut dis) = Stack::detect(
            &m[..n],
            Direction::ToServer,
            Transport::Tcp,
            (40000, 5432),
            true,
        ) else {
            panic!("flush decides");
        };
        run(&mut dis, Direction::ToServer, &m[..n], &[n / 2]);
    }
}

#[test]
fn postgres_length_of_2_pow_31_is_labelled_as_it_comes() {
    let mut q = vec![b'Q', 0x80, 0, 0, 0];
    q.extend(std::iter::repeat_n(b'x', 200_000));
    let mut dis = Stack::detect(
        &pg_startup(),
        Direction::ToServer,
        Transport::Tcp,
        (1, 5432),
        false,
    )
    .unwrap();
    let mut out = Emitter::default();
    let start = pg_startup();
    assert_eq!(
        dis.feed(Direction::ToServer, 0, &start, false, &mut out),
        start.len()
    );
    let mut base = start.len() as u64;
    for chunk in q.chunks(1448) {
        let done = dis.feed(Direction::ToServer, base, chunk, false, &mut out);
        assert!(chunk.len() - done < 5, "held {} bytes", chunk.len() - done);
        base += done as u64;
    }
}

#[test]
fn postgres_gap_mid_message_stops_parsing_instead_of_guessing_lengths() {
    let start = pg_startup();
    let mut dis = Stack::detect(
        &start,
        Direction::ToServer,
        Transport::Tcp,
        (1, 5432),
        false,
    )
    .unwrap();
    let mut out = Emitter::default();
    dis.feed(Direction::ToServer, 0, &start, false, &mut out);
    let at = start.len() as u64;
    dis.gap(Direction::ToServer, at, 100, &mut out);
    // After the hole: bytes that would read as a Query of 16 MiB, then a password.
    let mut after = vec![b'Q', 1, 0, 0, 0];
    after.extend(pg(b'p', b"secret\0"));
    out.clear();
    let done = dis.feed(Direction::ToServer, at + 100, &after, false, &mut out);
    assert_eq!(done, after.len(), "labelled at once, nothing awaited");
    assert!(
        !out.events
            .iter()
            .any(|e| matches!(e.desc, Desc::App { .. })),
        "nothing parsed after the gap: {:?}",
        out.events
    );
}

#[test]
fn redis_auth_and_commands_in_any_chunking() {
    let client = b"*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$10\r\nwonderland\r\n*2\r\n$3\r\nGET\r\n$6\r\nuser:1\r\nPING\r\n";
    for chunks in [&[1000][..], &[1, 2, 3, 5, 8, 13][..], &[1; 90][..]] {
        let mut dis = Stack::detect(
            client,
            Direction::ToServer,
            Transport::Tcp,
            (40000, 7000),
            false,
        )
        .unwrap();
        assert_eq!(outer(&dis), "Redis");
        let (labels, events) = run(&mut dis, Direction::ToServer, client, chunks);
        assert_eq!(field_at(&labels, client, b"alice").0, "redis.user");
        assert_eq!(field_at(&labels, client, b"wonderland").0, "redis.password");
        assert_eq!(field_at(&labels, client, b"user:1").0, "redis.key");
        assert_eq!(field_at(&labels, client, b"PING").0, "redis.command");
        assert_eq!(
            app_texts(&events),
            [
                "Redis AUTH [\"user=alice password=wonderland\"]",
                "Redis GET user:1 []",
                "Redis PING []"
            ],
            "chunks {chunks:?}"
        );
    }
}

#[test]
fn redis_gap_mid_value_stops_parsing_instead_of_guessing_lengths() {
    let first = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    let mut dis =
        Stack::detect(first, Direction::ToServer, Transport::Tcp, (1, 6379), false).unwrap();
    let mut out = Emitter::default();
    assert_eq!(
        dis.feed(Direction::ToServer, 0, first, false, &mut out),
        first.len()
    );
    dis.gap(Direction::ToServer, first.len() as u64, 10, &mut out);
    out.clear();
    // After the hole, what would read as a bulk string of 1 GB, then an AUTH.
    let after = b"$1000000000\r\n*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n";
    let done = dis.feed(Direction::ToServer, 100, after, false, &mut out);
    assert_eq!(done, after.len(), "labelled at once");
    assert!(!out
        .events
        .iter()
        .any(|e| matches!(e.desc, Desc::App { .. })));
}

#[test]
fn redis_over_tls_is_left_to_tls() {
    let hello = [22, 3, 1, 0, 5, 1, 0, 0, 1, 0];
    let dis = Stack::detect(
        &hello,
        Direction::ToServer,
        Transport::Tcp,
        (1, 6379),
        false,
    )
    .unwrap();
    assert_eq!(outer(&dis), "TLS");
}

#[test]
fn socks5_login_and_connect_then_tls_reads_socks5_then_tls() {
    let mut client = vec![5, 1, 2];
    client.extend_from_slice(b"\x01\x05alice\x06secret");
    client.extend_from_slice(&[5, 1, 0, 1, 93, 184, 216, 34, 1, 187]);
    let hello_at = client.len();
    client.extend_from_slice(&[22, 3, 1, 0, 5, 1, 0, 0, 1, 0]);
    // Tor's port: recognised by content all the same; the tunnel is recognised by
    // content, not by the proxy's port.
    let mut dis = Stack::detect(
        &client,
        Direction::ToServer,
        Transport::Tcp,
        (50000, 9050),
        false,
    )
    .unwrap();
    let mut out = Emitter::default();
    dis.feed(Direction::ToClient, 0, &[5, 2], false, &mut out);
    let (labels, events) = run(&mut dis, Direction::ToServer, &client, &[3, 4, 100]);
    assert_eq!(field_at(&labels, &client, b"alice").0, "socks.username");
    assert_eq!(field_at(&labels, &client, b"secret").0, "socks.password");
    assert_eq!(labels[hello_at - 6].0, "socks.dst");
    assert_eq!(labels[hello_at].0, "tls.record.content_type");
    assert!(
        app_texts(&events)
            .iter()
            .any(|a| a == "SOCKS SOCKS5 CONNECT 93.184.216.34:443 []"),
        "{:?}",
        app_texts(&events)
    );
    assert_eq!(dis.facts().stack, ["SOCKS5", "TLS"]);
}

#[test]
fn socks5_method_count_beyond_the_bytes_is_labelled_at_the_end() {
    let greeting = [5, 9, 0, 2];
    let mut dis = Stack::detect(
        &greeting,
        Direction::ToServer,
        Transport::Tcp,
        (50000, 1080),
        true,
    )
    .unwrap();
    assert_eq!(outer(&dis), "SOCKS5");
    let (labels, _) = run(&mut dis, Direction::ToServer, &greeting, &[2, 2]);
    assert!(
        labels.iter().all(|(f, _)| f.starts_with("socks.")),
        "{labels:?}"
    );
}

#[test]
fn a_socks_tunnel_of_unknown_bytes_is_not_read_as_socks_again() {
    let mut client = vec![5, 1, 0, 5, 1, 0, 1, 10, 0, 0, 1, 0, 22];
    client.extend_from_slice(b"SSH-2.0-OpenSSH_9.2\r\n");
    let mut dis = Stack::detect(
        &client,
        Direction::ToServer,
        Transport::Tcp,
        (50000, 1080),
        false,
    )
    .unwrap();
    run(&mut dis, Direction::ToServer, &client, &[100]);
    assert_eq!(dis.facts().stack[0], "SOCKS5");
    assert_ne!(dis.facts().stack.get(1).map(String::as_str), Some("SOCKS5"));
}

#[test]
fn mqtt_connect_and_publish_in_any_chunking() {
    let mut connect = vec![0x10, 0];
    connect.extend_from_slice(
        b"\x00\x04MQTT\x04\xc2\x00\x3c\x00\x08sensor-7\x00\x05alice\x00\x06secret",
    );
    connect[1] = (connect.len() - 2) as u8;
    let mut publish = vec![0x30, 0];
    publish.extend_from_slice(b"\x00\x1bhome/livingroom/temperature21.5");
    publish[1] = (publish.len() - 2) as u8;
    let mut client = connect.clone();
    client.extend_from_slice(&publish);
    for chunks in [&[1000][..], &[1, 1, 1, 7, 3][..], &[1; 80][..]] {
        let mut dis = Stack::detect(
            &client,
            Direction::ToServer,
            Transport::Tcp,
            (40000, 11883),
            false,
        )
        .unwrap();
        assert_eq!(outer(&dis), "MQTT");
        let (labels, events) = run(&mut dis, Direction::ToServer, &client, chunks);
        assert_eq!(field_at(&labels, &client, b"sensor-7").0, "mqtt.clientid");
        assert_eq!(field_at(&labels, &client, b"secret").0, "mqtt.passwd");
        assert_eq!(field_at(&labels, &client, b"home/").0, "mqtt.topic");
        assert_eq!(field_at(&labels, &client, b"21.5").0, "mqtt.msg");
        assert_eq!(
            app_texts(&events),
            [
                "MQTT CONNECT client=sensor-7 [\"user=alice password=secret\"]",
                "MQTT PUBLISH home/livingroom/temperature (4 bytes) []"
            ],
            "chunks {chunks:?}"
        );
    }
}

#[test]
fn mqtt_remaining_length_with_five_continuation_bytes_stops_parsing() {
    let bytes = [0x30, 0x80, 0x80, 0x80, 0x80, 0x01, b'x'];
    let mut dis =
        Stack::detect(&bytes, Direction::ToServer, Transport::Tcp, (1, 1883), true).unwrap();
    assert_eq!(outer(&dis), "MQTT");
    let (labels, events) = run(&mut dis, Direction::ToServer, &bytes, &[3, 100]);
    assert!(app_texts(&events).is_empty(), "{events:?}");
    assert!(
        labels.iter().all(|(f, _)| !f.starts_with("mqtt.")),
        "{labels:?}"
    );
}

/// A reverse SOCKS proxy (a back-connect): the endpoint that opened the connection
/// sends a preamble, then answers the SOCKS requests the other endpoint makes; HTTP
/// runs inside, each side parsed as its role.
#[test]
fn reverse_socks_is_read_with_its_roles_swapped() {
    let preamble = b"NZ\x8d\x08\x87N";
    let mut dis = Stack::detect(
        preamble,
        Direction::ToServer,
        Transport::Tcp,
        (54263, 8855),
        true,
    )
    .unwrap();
    let (labels, _) = run(&mut dis, Direction::ToServer, preamble, &[]);
    assert!(labels.iter().all(|l| l.1 == Undecoded));
    // The accepting side: greeting, CONNECT, then an HTTP request.
    let mut to_client = vec![5, 1, 0, 5, 1, 0, 1, 74, 125, 131, 103, 0, 80];
    let request = b"GET /search?q=boots HTTP/1.1\r\nHost: www.google.com\r\n\r\n";
    to_client.extend_from_slice(request);
    let (labels, events) = run(&mut dis, Direction::ToClient, &to_client, &[3, 10]);
    let texts = app_texts(&events);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("SOCKS SOCKS5 CONNECT 74.125.131.103:80")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("HTTP GET /search?q=boots")),
        "{texts:?}"
    );
    assert!(labels[13..].iter().all(|l| l.1 != Undecoded));
    // The opening side's answers continue its stream after the preamble.
    let mut answers = vec![5, 0, 5, 0, 0, 1, 74, 125, 131, 103, 0, 80];
    answers.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let mut out = Emitter::default();
    let n = dis.feed(
        Direction::ToServer,
        preamble.len() as u64,
        &answers,
        true,
        &mut out,
    );
    assert_eq!(n, answers.len());
    assert!(
        !out.spans.iter().any(|s| s.vis == Undecoded),
        "{:?}",
        out.spans
    );
    assert_eq!(dis.facts().stack, ["data", "reversed", "SOCKS5", "HTTP"]);
}

/// A flow whose first bytes nothing knows is not taken for SOCKS in reverse when the
/// other side's bytes are not a SOCKS request.
#[test]
fn an_unknown_flow_stays_unknown_without_a_reverse_request() {
    let mut dis = Stack::detect(
        b"\x00\x01binary",
        Direction::ToServer,
        Transport::Tcp,
        (5000, 9000),
        true,
    )
    .unwrap();
    run(&mut dis, Direction::ToServer, b"\x00\x01binary", &[]);
    let (labels, _) = run(&mut dis, Direction::ToClient, &[5, 200, 1, 2], &[]);
    assert!(labels.iter().all(|l| l.1 == Undecoded));
    assert_eq!(dis.facts().stack, ["unknown"]);
}

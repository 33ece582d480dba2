//! Named byte fixtures for PostgreSQL: startup, passwords and SCRAM, queries and replies.

use super::*;

fn typed(t: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![t];
    m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn startup() -> Vec<u8> {
    let body = b"\x00\x03\x00\x00user\0alice\0database\0shop\0application_name\0psql\0\0";
    let mut m = (body.len() as u32 + 4).to_be_bytes().to_vec();
    m.extend_from_slice(body);
    m
}

fn run(pg: &mut Postgres, dir: Direction, bytes: &[u8]) -> Emitter {
    let mut out = Emitter::default();
    let fed = pg.feed(dir, 0, bytes, false, &mut out);
    assert_eq!(fed, Fed::Done(bytes.len()));
    out
}

fn texts(out: &Emitter) -> Vec<String> {
    out.events
        .iter()
        .filter_map(|e| match &e.desc {
            Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
            Desc::Leak { kind, value } => Some(format!("{} {value}", kind.name())),
            _ => None,
        })
        .collect()
}

#[test]
fn startup_message_names_user_database_and_application() {
    let mut pg = Postgres::default();
    let m = startup();
    let out = run(&mut pg, Direction::ToServer, &m);
    assert_eq!(
        texts(&out),
        [
            "user name alice",
            "URL database=shop",
            "identity application_name=psql",
            "StartupMessage user=alice database=shop []"
        ]
    );
    let field = |needle: &[u8]| {
        let i = m.windows(needle.len()).position(|w| w == needle).unwrap() as u64;
        out.spans
            .iter()
            .find(|s| s.range.contains(&i))
            .unwrap()
            .field
            .name()
    };
    assert_eq!(field(b"alice"), "pgsql.user");
    assert_eq!(field(b"shop"), "pgsql.database");
    assert_eq!(field(b"user"), "pgsql.parameter_name");
    assert_eq!(out.spans[0].field, PGSQL_LENGTH);
}

#[test]
fn md5_password_is_a_credential_and_the_salt_is_read() {
    let mut pg = Postgres::default();
    run(&mut pg, Direction::ToServer, &startup());
    let out = run(
        &mut pg,
        Direction::ToClient,
        &typed(b'R', b"\0\0\0\x05\x01\x02\x03\x04"),
    );
    assert_eq!(texts(&out), ["AuthenticationMD5Password []"]);
    let pw = typed(b'p', b"md5a3556571e93b0d20722ba62be61e8c2d\0");
    let out = run(&mut pg, Direction::ToServer, &pw);
    assert_eq!(
        texts(&out),
        [
            "credential password-hash=md5a3556571e93b0d20722ba62be61e8c2d",
            "PasswordMessage [\"password-hash=md5a3556571e93b0d20722ba62be61e8c2d\"]"
        ]
    );
    assert!(out
        .spans
        .iter()
        .any(|s| s.field == PGSQL_PASSWORD && s.range == (5..40)));
}

#[test]
fn scram_user_and_proof() {
    let mut pg = Postgres::default();
    run(
        &mut pg,
        Direction::ToClient,
        &typed(b'R', b"\0\0\0\x0aSCRAM-SHA-256\0\0"),
    );
    let first = b"n,,n=alice,r=rOprNGfwEbeRWgbNEkqO";
    let mut body = b"SCRAM-SHA-256\0".to_vec();
    body.extend_from_slice(&(first.len() as u32).to_be_bytes());
    body.extend_from_slice(first);
    let out = run(&mut pg, Direction::ToServer, &typed(b'p', &body));
    assert_eq!(
        texts(&out),
        ["user name alice", "SASLInitialResponse SCRAM-SHA-256 []"]
    );
    let out = run(
            &mut pg,
            Direction::ToClient,
            &typed(b'R', b"\0\0\0\x0br=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        );
    assert_eq!(
        texts(&out),
        ["AuthenticationSASLContinue (iterations=4096) []"]
    );
    let fin = typed(b'p', b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    let out = run(&mut pg, Direction::ToServer, &fin);
    assert_eq!(
        texts(&out),
        [
            "credential scram-proof=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "SASLResponse [\"scram-proof=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=\"]"
        ]
    );
    assert_eq!(pg.learned.auth.as_deref(), Some("SCRAM-SHA-256"));
}

#[test]
fn a_password_message_without_its_request_is_read_by_its_shape() {
    let mut pg = Postgres::default();
    let out = run(&mut pg, Direction::ToServer, &typed(b'p', b"secret\0"));
    assert_eq!(texts(&out)[0], "credential password=secret");
}

#[test]
fn query_rows_and_server_facts() {
    let mut pg = Postgres::default();
    let out = run(
        &mut pg,
        Direction::ToServer,
        &typed(b'Q', b"SELECT 1 AS one\0"),
    );
    assert_eq!(texts(&out), ["Query: SELECT 1 AS one []"]);
    assert!(out.spans.iter().any(|s| s.field == PGSQL_QUERY));
    let mut server = typed(b'S', b"server_version\x0015.14\0");
    server.extend(typed(
        b'T',
        b"\0\x01one\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0",
    ));
    server.extend(typed(b'D', b"\0\x01\0\0\0\x011"));
    server.extend(typed(b'C', b"SELECT 1\0"));
    server.extend(typed(b'Z', b"I"));
    let out = run(&mut pg, Direction::ToClient, &server);
    assert_eq!(
        texts(&out),
        [
            "ParameterStatus server_version=15.14 []",
            "RowDescription: one []",
            "DataRow, 1 column []",
            "CommandComplete SELECT 1 []",
            "ReadyForQuery idle []"
        ]
    );
    let mut f = Facts::default();
    pg.facts(&mut f);
    assert_eq!(f.details, [("pgsql.server_version", "15.14".to_string())]);
}

#[test]
fn error_response_names_severity_code_and_message() {
    let mut pg = Postgres::default();
    let e = typed(
        b'E',
        b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"alice\"\0\0",
    );
    let out = run(&mut pg, Direction::ToClient, &e);
    assert_eq!(
        texts(&out),
        ["ErrorResponse FATAL 28P01: password authentication failed for user \"alice\" []"]
    );
}

#[test]
fn gssenc_accepted_makes_both_directions_opaque() {
    let mut pg = Postgres::default();
    run(
        &mut pg,
        Direction::ToServer,
        &[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30],
    );
    let out = run(&mut pg, Direction::ToClient, b"G");
    assert!(texts(&out)[0].starts_with("GSSENC answer G"));
    let out = run(&mut pg, Direction::ToServer, &[0, 0, 0, 4, 1, 2, 3, 4]);
    assert_eq!(out.spans[0].field, PGSQL_GSSENC);
    assert_eq!(out.spans[0].vis, crate::span::Visibility::Opaque);
    let mut f = Facts::default();
    pg.facts(&mut f);
    assert_eq!(f.protection.map(|p| p.proto), Some("GSSAPI".into()));
}

#[test]
fn ssl_refused_then_startup_in_the_clear() {
    let mut pg = Postgres::default();
    run(
        &mut pg,
        Direction::ToServer,
        &[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f],
    );
    let out = run(&mut pg, Direction::ToClient, b"N");
    assert!(texts(&out)[0].starts_with("SSL answer N"));
    let out = run(&mut pg, Direction::ToServer, &startup());
    assert!(texts(&out).iter().any(|t| t.starts_with("StartupMessage")));
}

#[test]
fn detection_by_content() {
    fn probe(bytes: &[u8], dir: Direction) -> Probe<'_> {
        Probe {
            bytes,
            dir,
            transport: crate::decode::Transport::Tcp,
            client_port: 40000,
            server_port: 5433,
        }
    }
    assert_eq!(detect(&probe(&startup(), Direction::ToServer)), Detect::Yes);
    assert_eq!(
        detect(&probe(&[0, 0, 0], Direction::ToServer)),
        Detect::NeedMore
    );
    assert_eq!(
        detect(&probe(b"GET / HTTP/1.1", Direction::ToServer)),
        Detect::No
    );
    assert_eq!(
        detect(&probe(b"R\0\0\0\x08\0\0\0\0", Direction::ToClient)),
        Detect::Yes
    );
    // A length of 2^31: not a startup packet.
    assert_eq!(
        detect(&probe(
            &[0x80, 0, 0, 0, 0, 3, 0, 0, b'u'],
            Direction::ToServer
        )),
        Detect::No
    );
}

#[test]
fn every_prefix_of_every_message_is_read_without_panic() {
    let mut msgs = vec![startup()];
    msgs.push(typed(b'p', b"SCRAM-SHA-256\0\xff\xff\xff\xffn,,n=a"));
    msgs.push(typed(
        b'B',
        b"\0\0\xff\xff\0\x02\xff\xff\xff\xff\x7f\xff\xff\xff",
    ));
    msgs.push(typed(b'T', b"\xff\xffa\0"));
    msgs.push(typed(b'D', b"\xff\xff\x7f\xff\xff\xff"));
    for m in &msgs {
        for n in 0..=m.len() {
            for dir in [Direction::ToServer, Direction::ToClient] {
                let mut pg = Postgres::default();
                let mut out = Emitter::default();
                pg.feed(dir, 0, &m[..n], true, &mut out);
                pg.message(dir, 0, &m[..n], &mut out);
            }
        }
    }
}

#[test]
fn parameter_status_is_said_only_for_the_version_and_the_session_user() {
    let mut pg = Postgres::default();
    let mut server = Vec::new();
    for (name, value) in [
        ("client_encoding", "UTF8"),
        ("server_version", "15.14"),
        ("server_versionx", "1"),
        ("server_version=odd", "2"),
        ("session_authorization", "bob"),
        ("session_authorizatio", "3"),
        ("TimeZone", "UTC"),
    ] {
        let body = format!("{name}\0{value}\0");
        server.extend(typed(b'S', body.as_bytes()));
    }
    let out = run(&mut pg, Direction::ToClient, &server);
    // The rule as it was written, on the text every message used to get.
    assert_eq!(
        texts(&out),
        [
            "ParameterStatus server_version=15.14 []",
            "ParameterStatus server_version=odd=2 []",
            "ParameterStatus session_authorization=bob []",
        ]
    );
    // Every message is still labelled.
    let names = out
        .spans
        .iter()
        .filter(|s| s.field == PGSQL_PARAMETER_NAME)
        .count();
    assert_eq!(names, 7);
}

#[test]
fn texts_are_cut_in_place_as_short_cuts_them() {
    for n in [0, 1, 71, 72, 73, 200] {
        for unit in ["a", "é", "日本", " "] {
            let s = unit.repeat(n);
            let mut out = String::from("x");
            push_short(&mut out, &s);
            assert_eq!(out, format!("x{}", short(&s)));
            let mut out = String::new();
            push_short_text(&mut out, s.as_bytes(), &(0..s.len()));
            assert_eq!(out, short(&s));
        }
    }
    // Not UTF-8: replaced as `lossy` replaces it.
    let bytes = b"ab\xffcd";
    let mut out = String::new();
    push_short_text(&mut out, bytes, &(0..bytes.len()));
    assert_eq!(out, short(&lossy(bytes, &(0..bytes.len()))));
}

#[test]
fn extended_query_messages_read_as_before() {
    let mut pg = Postgres::default();
    let mut client = typed(b'P', b"S_1\0SELECT 1\0\0\0");
    client.extend(typed(b'P', b"\0SELECT 2\0\0\0"));
    client.extend(typed(
        b'B',
        b"\0S_1\0\0\0\0\x02\0\0\0\x011\xff\xff\xff\xff\0\0",
    ));
    client.extend(typed(b'D', b"Pp1  \0"));
    client.extend(typed(b'D', b"S\0"));
    let out = run(&mut pg, Direction::ToServer, &client);
    assert_eq!(
        texts(&out),
        [
            "Parse S_1: SELECT 1 []",
            "Parse: SELECT 2 []",
            "Bind 2 parameters []",
            "Describe portal p1 []",
            "Describe statement []",
        ]
    );
    let mut server = typed(b'K', b"\0\0\x30\x39\x01\x02\x03\x04");
    server.extend(typed(b'D', b"\0\x02\0\0\0\x011\xff\xff\xff\xff"));
    server.extend(typed(
        b'T',
        b"\0\x02a\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0b\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0",
    ));
    let out = run(&mut pg, Direction::ToClient, &server);
    assert_eq!(
        texts(&out),
        [
            "BackendKeyData pid=12345 []",
            "DataRow, 2 columns []",
            "RowDescription: a, b []",
        ]
    );
}

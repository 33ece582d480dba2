//! Named byte fixtures for Redis: RESP and inline commands, AUTH and HELLO, keys.

use super::*;

fn cmd(args: &[&[u8]]) -> Vec<u8> {
    let mut m = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        m.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        m.extend_from_slice(a);
        m.extend_from_slice(b"\r\n");
    }
    m
}

/// Feeds one direction in one go; returns the field of every byte and the events.
fn run(r: &mut Redis, dir: Direction, bytes: &[u8]) -> (Vec<&'static str>, Vec<String>) {
    let mut out = Emitter::default();
    let fed = r.feed(dir, 0, bytes, false, &mut out);
    assert_eq!(fed, Fed::Done(bytes.len()), "all labelled");
    let mut labels = vec![""; bytes.len()];
    for s in &out.spans {
        for i in s.range.clone() {
            assert_eq!(labels[i as usize], "", "byte {i} labelled twice");
            labels[i as usize] = s.field.name();
        }
    }
    assert!(labels.iter().all(|l| !l.is_empty()), "{labels:?}");
    let events = out
        .events
        .iter()
        .map(|e| match &e.desc {
            Desc::App { text, leaks, .. } => format!("{text} {leaks:?}"),
            Desc::Leak { kind, value } => format!("{} {value}", kind.name()),
            d => format!("{d:?}"),
        })
        .collect();
    (labels, events)
}

fn at<'a>(labels: &[&'a str], bytes: &[u8], needle: &[u8]) -> &'a str {
    let i = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    labels[i]
}

#[test]
fn auth_with_user_and_password() {
    let m = cmd(&[b"AUTH", b"alice", b"wonderland"]);
    let mut r = Redis::default();
    let (labels, events) = run(&mut r, Direction::ToServer, &m);
    assert_eq!(at(&labels, &m, b"AUTH"), "redis.command");
    assert_eq!(at(&labels, &m, b"alice"), "redis.user");
    assert_eq!(at(&labels, &m, b"wonderland"), "redis.password");
    assert_eq!(at(&labels, &m, b"*3"), "redis.header");
    assert_eq!(
        events,
        [
            "user name alice",
            "credential user=alice password=wonderland",
            "AUTH [\"user=alice password=wonderland\"]"
        ]
    );
}

#[test]
fn inline_auth_and_key_commands() {
    let m = b"AUTH secret\r\nGET user:1\r\n".to_vec();
    let mut r = Redis::default();
    let (labels, events) = run(&mut r, Direction::ToServer, &m);
    assert_eq!(at(&labels, &m, b"secret"), "redis.password");
    assert_eq!(at(&labels, &m, b"user:1"), "redis.key");
    assert_eq!(
        events,
        [
            "credential password=secret",
            "AUTH [\"password=secret\"]",
            "GET user:1 []"
        ]
    );
}

#[test]
fn hello_3_with_auth_and_setname() {
    let m = cmd(&[
        b"HELLO", b"3", b"AUTH", b"alice", b"pw", b"SETNAME", b"app-7",
    ]);
    let mut r = Redis::default();
    let (labels, events) = run(&mut r, Direction::ToServer, &m);
    assert_eq!(at(&labels, &m, b"alice"), "redis.user");
    assert_eq!(at(&labels, &m, b"pw"), "redis.password");
    assert_eq!(at(&labels, &m, b"app-7"), "redis.client_name");
    assert_eq!(
        events.last().unwrap(),
        "HELLO 3 [\"user=alice password=pw\"]"
    );
    // The RESP3 answer: a map naming the server's version.
    let reply = b"%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n";
    let (_, events) = run(&mut r, Direction::ToClient, reply);
    assert_eq!(events, ["map, 2 elements []"]);
    let mut f = Facts::default();
    r.facts(&mut f);
    assert!(f
        .details
        .contains(&("redis.server_version", "7.0.15".into())));
    assert!(f.details.contains(&("redis.hello.version", "3".into())));
}

#[test]
fn client_setname_is_an_identity() {
    let m = cmd(&[b"CLIENT", b"SETNAME", b"worker-1"]);
    let (labels, events) = run(&mut Redis::default(), Direction::ToServer, &m);
    assert_eq!(at(&labels, &m, b"worker-1"), "redis.client_name");
    assert_eq!(
        events,
        [
            "identity client_name=worker-1",
            "CLIENT SETNAME worker-1 []"
        ]
    );
}

#[test]
fn resp3_replies_of_every_kind() {
    let reply = b"+OK\r\n-WRONGPASS invalid username-password pair\r\n:42\r\n$-1\r\n_\r\n,3.14\r\n#t\r\n(12345678901234567890\r\n=15\r\ntxt:Some string\r\n!5\r\nERROR\r\n~2\r\n+a\r\n+b\r\n|1\r\n+key\r\n+val\r\n*1\r\n:1\r\n>2\r\n+message\r\n+hi\r\n*?\r\n:1\r\n.\r\n$?\r\n;3\r\nabc\r\n;0\r\n*0\r\n";
    let (_, events) = run(&mut Redis::default(), Direction::ToClient, reply);
    assert_eq!(
        events,
        [
            "OK []",
            "error WRONGPASS invalid username-password pair []",
            "integer 42 []",
            "null []",
            "null []",
            "number 3.14 []",
            "boolean t []",
            "number 12345678901234567890 []",
            "bulk string, 15 bytes []",
            "error []",
            "set, 2 elements []",
            "array, 1 element []",
            "push, 2 elements []",
            "array, streamed []",
            "bulk string, streamed []",
            "array, 0 elements []",
        ]
    );
}

#[test]
fn an_array_of_2_pow_31_elements_allocates_nothing() {
    let mut m = b"*2147483647\r\n".to_vec();
    for _ in 0..10_000 {
        m.extend_from_slice(b"$1\r\nx\r\n");
    }
    let mut r = Redis::default();
    let mut out = Emitter::default();
    // Labelled as it arrives once past 64 KiB, nothing held beyond that.
    let mut base = 0u64;
    let mut held = Vec::new();
    for chunk in m.chunks(1448) {
        held.extend_from_slice(chunk);
        let Fed::Done(n) = r.feed(Direction::ToServer, base, &held, false, &mut out) else {
            panic!()
        };
        held.drain(..n);
        base += n as u64;
        assert!(held.len() <= MAX_FRAMED);
    }
    assert!(r.sides[0].open.len() == 1);
}

#[test]
fn nesting_beyond_the_bound_loses_framing_with_a_note() {
    let m = b"*1\r\n".repeat(100);
    let mut r = Redis::default();
    let mut out = Emitter::default();
    assert_eq!(
        r.feed(Direction::ToClient, 0, &m, false, &mut out),
        Fed::Done(m.len())
    );
    assert!(out.notes.iter().any(|n| n.text.contains("nested deeper")));
}

#[test]
fn bad_lengths_lose_framing() {
    for m in [
        &b"*-5\r\n"[..],
        b"$abc\r\n",
        b"*99999999999999\r\n",
        b"$9999999999999\r\n",
    ] {
        let mut r = Redis::default();
        let mut out = Emitter::default();
        r.feed(Direction::ToClient, 0, m, false, &mut out);
        assert!(r.sides[1].lost, "{m:?}");
    }
}

#[test]
fn every_prefix_is_safe() {
    let m = cmd(&[b"HELLO", b"3", b"AUTH", b"alice", b"pw"]);
    for n in 0..=m.len() {
        for dir in [Direction::ToServer, Direction::ToClient] {
            let mut r = Redis::default();
            let mut out = Emitter::default();
            r.feed(dir, 0, &m[..n], true, &mut out);
        }
    }
}

#[test]
fn detection() {
    fn probe(bytes: &[u8]) -> Probe<'_> {
        Probe {
            bytes,
            dir: Direction::ToServer,
            transport: crate::decode::Transport::Tcp,
            client_port: 40000,
            server_port: 7000,
        }
    }
    assert_eq!(detect(&probe(b"*2\r\n$4\r\nAUTH")), Detect::Yes);
    assert_eq!(detect(&probe(b"*2")), Detect::NeedMore);
    assert_eq!(detect(&probe(b"*")), Detect::NeedMore);
    assert_eq!(detect(&probe(b"AUTH secret\r\n")), Detect::Yes);
    assert_eq!(detect(&probe(b"AUTH PLAIN AGFsaWNl\r\n")), Detect::No);
    assert_eq!(detect(&probe(b"AUTH DIGEST-MD5\r\n")), Detect::No);
    assert_eq!(detect(&probe(b"PING\r\n")), Detect::Yes);
    assert_eq!(detect(&probe(b"GET / HTTP/1.1\r\n")), Detect::No);
}

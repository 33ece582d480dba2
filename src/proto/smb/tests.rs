//! Named byte fixtures for SMB: tree connects, session setup, compounds, transform headers.

use super::*;

/// An SMB2 header for `command`, as a request or a response.
fn header(command: u16, response: bool, status: u32) -> Vec<u8> {
    let mut h = SMB2_ID.to_vec();
    h.extend_from_slice(&64u16.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&status.to_le_bytes());
    h.extend_from_slice(&command.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&u32::from(response).to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes()); // NextCommand
    h.extend_from_slice(&7u64.to_le_bytes()); // MessageId
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&5u32.to_le_bytes()); // TreeId
    h.extend_from_slice(&0x1122u64.to_le_bytes()); // SessionId
    h.extend_from_slice(&[0u8; 16]);
    h
}

fn nbss(msg: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 0];
    f[1..4].copy_from_slice(&(msg.len() as u32).to_be_bytes()[1..]);
    f.extend_from_slice(msg);
    f
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn tree_connect(path: &str) -> Vec<u8> {
    let mut m = header(3, false, 0);
    let p = utf16le(path);
    m.extend_from_slice(&9u16.to_le_bytes());
    m.extend_from_slice(&0u16.to_le_bytes());
    m.extend_from_slice(&72u16.to_le_bytes());
    m.extend_from_slice(&(p.len() as u16).to_le_bytes());
    m.extend_from_slice(&p);
    m
}

fn session_setup(token: &[u8]) -> Vec<u8> {
    let mut m = header(1, false, 0);
    m.extend_from_slice(&25u16.to_le_bytes());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(&88u16.to_le_bytes());
    m.extend_from_slice(&(token.len() as u16).to_le_bytes());
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(token);
    m
}

fn run(dir: Direction, bytes: &[u8]) -> (Emitter, Smb) {
    let mut s = Smb::default();
    let mut out = Emitter::default();
    let n = s.feed(dir, 0, bytes, true, &mut out);
    assert!(matches!(n, Fed::Done(x) if x == bytes.len()));
    (out, s)
}

fn apps(out: &Emitter) -> Vec<String> {
    out.events
        .iter()
        .filter_map(|e| match &e.desc {
            Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
            _ => None,
        })
        .collect()
}

fn covered(out: &Emitter, len: usize) {
    let mut seen = vec![0u8; len];
    for s in &out.spans {
        for i in s.range.clone() {
            seen[i as usize] += 1;
        }
    }
    assert!(seen.iter().all(|&c| c == 1), "{seen:?} {:?}", out.spans);
}

#[test]
fn tree_connect_path_is_a_url_leak() {
    let f = nbss(&tree_connect("\\\\filesrv\\public"));
    let (out, s) = run(Direction::ToServer, &f);
    covered(&out, f.len());
    assert_eq!(apps(&out), ["TREE_CONNECT request \\\\filesrv\\public []"]);
    assert!(out.spans.iter().any(|s| s.field == SMB_TREE));
    assert_eq!(s.trees, ["\\\\filesrv\\public"]);
}

#[test]
fn session_setup_with_ntlmssp_in_spnego() {
    let mut token = vec![
        0xa1, 0x82, 0x01, 0x00, 0x30, 0x82, 0x00, 0xfc, 0xa2, 0x81, 0xf0, 0x04, 0x81, 0xed,
    ];
    token.extend_from_slice(&ntlmssp::tests::authenticate());
    let f = nbss(&session_setup(&token));
    let (out, s) = run(Direction::ToServer, &f);
    covered(&out, f.len());
    let a = apps(&out);
    assert!(
        a[0].starts_with("SESSION_SETUP request NTLMSSP_AUTH user=EXAMPLE\\alice"),
        "{a:?}"
    );
    assert!(out
        .spans
        .iter()
        .any(|s| s.field == ntlmssp::NTLMSSP_NT_RESPONSE));
    assert!(out.events.iter().any(|e| matches!(
        &e.desc,
        Desc::Leak {
            kind: LeakKind::Credential,
            ..
        }
    )));
    assert_eq!(s.users, ["EXAMPLE\\alice"]);
}

#[test]
fn compounded_create_and_close_are_both_named() {
    let mut create = header(5, false, 0);
    create[20..24].copy_from_slice(&0u32.to_le_bytes());
    let name = utf16le("secret.txt");
    let mut body = vec![0u8; 56];
    body[0..2].copy_from_slice(&57u16.to_le_bytes());
    body[44..46].copy_from_slice(&120u16.to_le_bytes());
    body[46..48].copy_from_slice(&(name.len() as u16).to_le_bytes());
    create.extend_from_slice(&body);
    create.extend_from_slice(&name);
    while create.len() % 8 != 0 {
        create.push(0);
    }
    let next = create.len() as u32;
    create[20..24].copy_from_slice(&next.to_le_bytes());
    let mut close = header(6, false, 0);
    close.extend_from_slice(&[24, 0, 0, 0]);
    close.extend_from_slice(&[0; 20]);
    create.extend_from_slice(&close);
    let f = nbss(&create);
    let (out, s) = run(Direction::ToServer, &f);
    covered(&out, f.len());
    assert_eq!(apps(&out), ["CREATE request secret.txt; CLOSE request []"]);
    assert_eq!(s.files, ["secret.txt"]);
}

#[test]
fn a_transform_header_makes_the_rest_opaque() {
    let mut t = TRANSFORM_ID.to_vec();
    t.extend_from_slice(&[0xaa; 16]); // signature
    t.extend_from_slice(&[0xbb; 16]); // nonce
    t.extend_from_slice(&100u32.to_le_bytes());
    t.extend_from_slice(&[0, 0, 1, 0]);
    t.extend_from_slice(&0x1122u64.to_le_bytes());
    t.extend_from_slice(&[0x42; 100]);
    let f = nbss(&t);
    let (out, s) = run(Direction::ToClient, &f);
    covered(&out, f.len());
    assert!(out
        .spans
        .iter()
        .any(|sp| sp.field == SMB_ENCRYPTED && sp.range == (56..156)));
    assert!(out.events.iter().any(|e| matches!(
        e.desc,
        Desc::Sealed {
            plaintext: Some(PlainLen { min: 100, max: 100 }),
            ..
        }
    )));
    let mut f = Facts::default();
    s.facts(&mut f);
    assert_eq!(f.protection.unwrap().proto, "SMB 3");
}

#[test]
fn a_long_read_response_is_labelled_as_it_arrives() {
    let mut m = header(8, true, 0);
    m.extend_from_slice(&17u16.to_le_bytes());
    m.extend_from_slice(&[80, 0]);
    m.extend_from_slice(&200_000u32.to_le_bytes());
    m.extend_from_slice(&[0; 8]);
    m.extend(std::iter::repeat_n(b'x', 200_000));
    let f = nbss(&m);
    let mut s = Smb::default();
    let mut out = Emitter::default();
    let mut pos = 0;
    for chunk in f.chunks(1000) {
        match s.feed(Direction::ToClient, pos as u64, chunk, false, &mut out) {
            Fed::Done(n) => {
                assert!(n == chunk.len() || pos == 0, "held {n} of {}", chunk.len())
            }
            Fed::Handover(_) => panic!(),
        }
        pos += chunk.len();
    }
    assert!(
        out.spans
            .iter()
            .filter(|s| s.field == SMB_DATA)
            .map(|s| s.range.end - s.range.start)
            .sum::<u64>()
            >= 199_000
    );
}

#[test]
fn smb_truncated_at_every_byte_and_hostile_lengths_never_panic() {
    let mut token = vec![0x60, 0x10];
    token.extend_from_slice(&ntlmssp::tests::challenge());
    let samples = [
        nbss(&tree_connect("\\\\a\\b")),
        nbss(&session_setup(&token)),
        nbss(&header(0, true, 0)),
    ];
    for f in &samples {
        for n in 0..f.len() {
            let mut s = Smb::default();
            let mut out = Emitter::default();
            s.feed(Direction::ToServer, 0, &f[..n], true, &mut out);
        }
    }
    // A NetBIOS length of 2^24 - 1 and a NextCommand of 2^31.
    let mut m = header(5, false, 0);
    m[20..24].copy_from_slice(&0x8000_0000u32.to_le_bytes());
    let mut f = vec![0, 0xff, 0xff, 0xff];
    f.extend_from_slice(&m);
    let mut s = Smb::default();
    let mut out = Emitter::default();
    assert_eq!(
        s.feed(Direction::ToServer, 0, &f, false, &mut out),
        Fed::Done(0)
    );
    s.feed(Direction::ToServer, 0, &f, true, &mut out);
    // Garbage: framing is lost, never parsed.
    let (out, _) = run(Direction::ToServer, b"\x42garbage garbage");
    assert!(out.notes.iter().any(|n| n.text.contains("no NetBIOS")));
}

#[test]
fn netbios_session_request_names_both_hosts() {
    let enc = |n: &str| {
        let mut s = format!("{n:<15}").into_bytes();
        s.push(0x20);
        let mut e = vec![0x20];
        for b in s {
            e.push(b'A' + (b >> 4));
            e.push(b'A' + (b & 0xf));
        }
        e.push(0);
        e
    };
    let mut body = enc("FILESRV");
    body.extend(enc("WS01"));
    let mut f = vec![0x81, 0, 0, body.len() as u8];
    f.extend_from_slice(&body);
    assert_eq!(looks_like(&f), Detect::Yes);
    let (out, _) = run(Direction::ToServer, &f);
    covered(&out, f.len());
    assert_eq!(
        apps(&out),
        ["NetBIOS session request to FILESRV from WS01 []"]
    );
}

//! Named byte fixtures for DTLS: records, fragments, retransmissions, bounds.

use super::*;
use crate::proto::tls::fields as tf;
use crate::span::Visibility::*;

/// A DTLS 1.0/1.2 record.
fn record(content: u8, version: u16, epoch: u16, seq: u64, body: &[u8]) -> Vec<u8> {
    let mut b = vec![content];
    b.extend_from_slice(&version.to_be_bytes());
    b.extend_from_slice(&epoch.to_be_bytes());
    b.extend_from_slice(&seq.to_be_bytes()[2..]);
    b.extend_from_slice(&(body.len() as u16).to_be_bytes());
    b.extend_from_slice(body);
    b
}

/// A handshake fragment: header and `data`.
fn fragment(msg: u8, length: u32, seq: u16, offset: u32, data: &[u8]) -> Vec<u8> {
    let mut b = vec![msg];
    b.extend_from_slice(&length.to_be_bytes()[1..]);
    b.extend_from_slice(&seq.to_be_bytes());
    b.extend_from_slice(&offset.to_be_bytes()[1..]);
    b.extend_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
    b.extend_from_slice(data);
    b
}

/// A DTLS ClientHello body: the TLS fixture with a cookie after the session id.
fn client_hello(sni: &str, cookie: &[u8]) -> Vec<u8> {
    let mut body = crate::proto::tls::handshake::tests::client_hello_body(sni);
    body[0..2].copy_from_slice(&[0xfe, 0xfd]);
    let at = 35 + usize::from(body[34]);
    let mut c = vec![cookie.len() as u8];
    c.extend_from_slice(cookie);
    body.splice(at..at, c);
    body
}

/// A DTLS 1.2 ServerHello body choosing `cipher`, with use_srtp choosing `profile`.
fn server_hello(cipher: u16, profile: u16) -> Vec<u8> {
    let mut b = vec![0xfe, 0xfd];
    b.extend_from_slice(&[0x22; 32]);
    b.push(0);
    b.extend_from_slice(&cipher.to_be_bytes());
    b.push(0);
    let mut ext = vec![0x00, 0x0e, 0x00, 0x05, 0x00, 0x02];
    ext.extend_from_slice(&profile.to_be_bytes());
    ext.push(0);
    b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    b.extend_from_slice(&ext);
    b
}

/// Labels of every byte of one datagram, and what it emitted; each byte labelled once.
struct Run {
    labels: Vec<(&'static str, Visibility)>,
    out: Emitter,
}

fn feed(d: &mut Dtls, dir: Direction, b: &[u8]) -> Run {
    let mut out = Emitter::default();
    d.datagram(dir, 0, b, &mut out);
    let mut labels = vec![("", Undecoded); b.len()];
    let mut seen = vec![false; b.len()];
    for s in &out.spans {
        for i in s.range.clone() {
            let i = i as usize;
            assert!(!seen[i], "byte {i} labelled twice: {:?}", out.spans);
            seen[i] = true;
            labels[i] = (s.field.name(), s.vis);
        }
    }
    assert!(
        seen.iter().all(|&s| s),
        "every byte labelled: {:?}",
        out.spans
    );
    Run { labels, out }
}

fn handshakes(run: &Run) -> Vec<String> {
    run.out
        .events
        .iter()
        .filter_map(|e| match &e.desc {
            Desc::TlsHandshake { msg, detail, .. } => Some(format!("{msg} {}", detail.join(", "))),
            _ => None,
        })
        .collect()
}

fn at(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle")
}

#[test]
fn whole_client_hello_names_its_sni_and_cookie() {
    let body = client_hello("example.com", &[0xc0; 8]);
    let dgram = record(
        22,
        0xfefd,
        0,
        1,
        &fragment(1, body.len() as u32, 1, 0, &body),
    );
    assert!(looks_like_dtls(&dgram));
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToServer, &dgram);
    assert_eq!(
        handshakes(&run),
        ["ClientHello SNI=example.com, ALPN=h2, cookie 8 bytes"]
    );
    let sni = at(&dgram, b"example.com");
    assert_eq!(
        run.labels[sni],
        ("tls.handshake.extensions_server_name", Cleartext)
    );
    assert_eq!(
        run.labels[at(&dgram, &[0xc0; 8])],
        ("dtls.handshake.cookie", Cleartext)
    );
    assert_eq!(run.labels[3], ("dtls.record.epoch", Metadata));
    assert_eq!(
        run.labels[13 + 4],
        ("dtls.handshake.message_seq", Cleartext)
    );
    assert_eq!(d.facts.sni.as_deref(), Some("example.com"));
    assert!(d.facts.ja4.is_some_and(|j| j.to_string().starts_with('d')));
}

#[test]
fn clienthello_in_three_fragments_out_of_order() {
    let body = client_hello("fragments.example", &[]);
    let len = body.len() as u32;
    let (a, rest) = body.split_at(30);
    let (b, c) = rest.split_at(15);
    let dgram = |off: usize, data: &[u8]| {
        record(
            22,
            0xfefd,
            0,
            off as u64,
            &fragment(1, len, 0, off as u32, data),
        )
    };
    let mut d = Dtls::new();
    // Last piece first, then the first (the SNI is in the last piece), then the middle.
    let third = dgram(45, c);
    let run = feed(&mut d, Direction::ToServer, &third);
    assert_eq!(handshakes(&run), ["ClientHello fragment"]);
    assert_eq!(
        run.labels[at(&third, b"fragments.example")].0,
        "dtls.handshake"
    );
    assert!(d.facts.sni.is_none(), "not whole yet");
    let run = feed(&mut d, Direction::ToServer, &dgram(0, a));
    assert_eq!(handshakes(&run), ["ClientHello fragment"]);
    let second = dgram(30, b);
    let run = feed(&mut d, Direction::ToServer, &second);
    assert_eq!(
        handshakes(&run),
        ["ClientHello SNI=fragments.example, ALPN=h2, reassembled"]
    );
    assert_eq!(d.facts.sni.as_deref(), Some("fragments.example"));
    assert!(run.out.events.iter().any(|e| matches!(&e.desc,
        Desc::Leak { kind: LeakKind::ServerName, value } if value == "fragments.example")));
    // The completing fragment carries the cipher suites: labelled as the parse says.
    assert!(run
        .labels
        .iter()
        .any(|l| l.0 == "tls.handshake.ciphersuites"));
}

#[test]
fn sni_in_the_first_fragment_is_marked_before_the_message_is_whole() {
    let body = client_hello("early.example", &[]);
    let len = body.len() as u32;
    let split = at(&body, b"early.example") + 13 + 4;
    let first = record(22, 0xfefd, 0, 0, &fragment(1, len, 0, 0, &body[..split]));
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToServer, &first);
    assert_eq!(
        run.labels[at(&first, b"early.example")],
        ("tls.handshake.extensions_server_name", Cleartext)
    );
}

#[test]
fn retransmitted_flight_keeps_first_labels() {
    let body = client_hello("again.example", &[1, 2, 3]);
    let len = body.len() as u32;
    let whole = record(22, 0xfefd, 0, 0, &fragment(1, len, 0, 0, &body));
    let mut d = Dtls::new();
    let first = feed(&mut d, Direction::ToServer, &whole);
    // The same message again, in a record with another sequence number.
    let again = record(22, 0xfefd, 0, 7, &fragment(1, len, 0, 0, &body));
    let second = feed(&mut d, Direction::ToServer, &again);
    assert_eq!(first.labels, second.labels);
    assert_eq!(handshakes(&first), handshakes(&second));
    assert!(second.out.notes.is_empty(), "{:?}", second.out.notes);
    // Retransmitted as two fragments (a smaller MTU): labels follow the first copy.
    let half = at(&body, b"again.example") + 15;
    let r1 = feed(
        &mut d,
        Direction::ToServer,
        &record(22, 0xfefd, 0, 8, &fragment(1, len, 0, 0, &body[..half])),
    );
    assert_eq!(
        handshakes(&r1),
        ["ClientHello SNI=again.example, ALPN=h2, cookie 3 bytes, retransmission"]
    );
    let sni = at(&whole, b"again.example");
    assert_eq!(r1.labels[sni], first.labels[sni]);
}

#[test]
fn overlapping_fragment_with_different_bytes_first_copy_wins() {
    let body = client_hello("first.example", &[]);
    let len = body.len() as u32;
    let mut d = Dtls::new();
    feed(
        &mut d,
        Direction::ToServer,
        &record(22, 0xfefd, 0, 0, &fragment(1, len, 0, 0, &body[..40])),
    );
    // Bytes 30..len, but the overlapping 30..40 differ from the first copy.
    let mut other = body[30..].to_vec();
    other[0] ^= 0xff;
    let run = feed(
        &mut d,
        Direction::ToServer,
        &record(22, 0xfefd, 0, 1, &fragment(1, len, 0, 30, &other)),
    );
    assert!(run
        .out
        .notes
        .iter()
        .any(|n| n.text.contains("the first copy wins")));
    // The first copy's bytes made a valid hello: it is read.
    assert_eq!(d.facts.sni.as_deref(), Some("first.example"));
}

#[test]
fn hello_verify_request_cookie() {
    let mut hvr = vec![0xfe, 0xff, 4];
    hvr.extend_from_slice(&[0xab; 4]);
    let dgram = record(22, 0xfeff, 0, 0, &fragment(3, hvr.len() as u32, 0, 0, &hvr));
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToClient, &dgram);
    assert_eq!(handshakes(&run), ["HelloVerifyRequest cookie 4 bytes"]);
    assert_eq!(run.labels[25], ("tls.handshake.version", Cleartext));
    assert_eq!(run.labels[27], ("dtls.handshake.cookie", Cleartext));
    assert_eq!(run.labels[31], ("dtls.handshake.cookie", Cleartext));
}

#[test]
fn server_hello_records_cipher_version_and_srtp_profile() {
    let sh = server_hello(0xc02b, 0x0007);
    let dgram = record(22, 0xfefd, 0, 0, &fragment(2, sh.len() as u32, 0, 0, &sh));
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToClient, &dgram);
    assert_eq!(
        handshakes(&run),
        ["ServerHello cipher=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, SRTP=SRTP_AEAD_AES_128_GCM"]
    );
    assert_eq!(d.facts.version, Some(TlsVersion::DTLS12));
    assert_eq!(d.srtp_profile, Some((0x0007, 0)));
    assert!(d.facts.ja3s.is_some());
}

#[test]
fn epoch1_is_opaque() {
    let mut d = Dtls::new();
    d.facts.cipher = Some(0xc02b); // AES-128-GCM: 8-byte nonce, 16-byte tag
    let mut dgram = record(20, 0xfefd, 0, 3, &[1]);
    dgram.extend(record(22, 0xfefd, 1, 0, &[0x55; 40]));
    dgram.extend(record(23, 0xfefd, 1, 1, &[0x66; 60]));
    dgram.extend(record(21, 0xfefd, 1, 2, &[0x77; 26]));
    let run = feed(&mut d, Direction::ToServer, &dgram);
    assert_eq!(run.labels[13], ("dtls.change_cipher_spec", Cleartext));
    assert_eq!(run.labels[14 + 13], ("dtls.handshake.encrypted", Opaque));
    assert_eq!(run.labels[14 + 53 + 13], ("dtls.app_data", Opaque));
    assert_eq!(
        *run.labels.last().unwrap(),
        ("dtls.alert_message.encrypted", Opaque)
    );
    let sealed: Vec<_> = run
        .out
        .events
        .iter()
        .filter_map(|e| match &e.desc {
            Desc::TlsRecord {
                len,
                plaintext,
                encrypted: true,
                ..
            } => Some((u32::from(*len), *plaintext)),
            _ => None,
        })
        .collect();
    assert_eq!(sealed[1], (60, Some(PlainLen { min: 36, max: 36 })));
    assert!(run.out.events.iter().any(|e| matches!(
        e.desc,
        Desc::TlsRecord {
            content: ContentType::APPLICATION_DATA,
            encrypted: true,
            ..
        }
    )));
    // An alert in epoch 0 is readable.
    let run = feed(
        &mut d,
        Direction::ToServer,
        &record(21, 0xfefd, 0, 9, &[2, 40]),
    );
    assert_eq!(run.labels[13], ("dtls.alert_message", Cleartext));
}

#[test]
fn dtls13_unified_header() {
    let mut d = Dtls::new();
    d.facts.cipher = Some(0x1301);
    // 001 C=0 S=1 L=1 EE=11: 16-bit sequence, length present, epoch 3.
    let mut dgram = vec![0x2f, 0x12, 0x34, 0x00, 0x20];
    dgram.extend_from_slice(&[0x99; 32]);
    // A second record without length: to the end of the datagram, epoch 2, 8-bit seq.
    dgram.extend_from_slice(&[0x22, 0x07]);
    dgram.extend_from_slice(&[0x88; 20]);
    let run = feed(&mut d, Direction::ToClient, &dgram);
    assert_eq!(run.labels[0], ("dtls.unified_header", Metadata));
    assert_eq!(
        run.labels[1],
        ("dtls.unified_header.sequence_number", Opaque)
    );
    assert_eq!(run.labels[3], ("dtls.record.length", Metadata));
    assert_eq!(run.labels[5], ("dtls.enc_content", Opaque));
    assert_eq!(run.labels[37], ("dtls.unified_header", Metadata));
    assert_eq!(run.labels[39], ("dtls.enc_content", Opaque));
    let contents: Vec<_> = run
        .out
        .events
        .iter()
        .filter_map(|e| match &e.desc {
            Desc::TlsRecord {
                content, version, ..
            } => Some((*content, *version)),
            _ => None,
        })
        .collect();
    assert_eq!(
        contents,
        [
            (ContentType::APPLICATION_DATA, TlsVersion::DTLS13),
            (ContentType::HANDSHAKE, TlsVersion::DTLS13)
        ]
    );
    assert!(run.out.events.iter().any(|e| matches!(
        e.desc,
        Desc::TlsRecord {
            len: 32,
            plaintext: Some(PlainLen { min: 0, max: 15 }),
            ..
        }
    )));
}

#[test]
fn connection_id_record_without_the_hellos_guesses_the_cid_length() {
    // tls12_cid: type 25, version, epoch, seq, a 4-byte CID, length, ciphertext.
    let mut dgram = vec![
        25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 5, 0xc1, 0xc2, 0xc3, 0xc4, 0, 10,
    ];
    dgram.extend_from_slice(&[0x42; 10]);
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToServer, &dgram);
    assert_eq!(run.labels[11], ("dtls.record.connection_id", Metadata));
    assert_eq!(run.labels[15], ("dtls.record.length", Metadata));
    assert_eq!(run.labels[17], ("dtls.enc_content", Opaque));
}

#[test]
fn fragment_beyond_message_length_is_malformed() {
    let dgram = record(22, 0xfefd, 0, 0, &fragment(1, 10, 0, 8, &[0; 5]));
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToServer, &dgram);
    assert!(run
        .out
        .notes
        .iter()
        .any(|n| n.group == NoteGroup::Malformed));
    assert_eq!(*run.labels.last().unwrap(), ("dtls.handshake", Cleartext));
}

#[test]
fn huge_message_length_labelled_as_it_comes() {
    // 2^24 - 1 bytes declared: never allocated.
    let dgram = record(22, 0xfefd, 0, 0, &fragment(11, 0xff_ffff, 0, 0, &[7; 100]));
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToClient, &dgram);
    assert!(run
        .out
        .notes
        .iter()
        .any(|n| n.group == NoteGroup::Reassembly && n.text.contains("64 KiB")));
    assert_eq!(handshakes(&run), ["Certificate fragment"]);
    assert_eq!(d.dirs[1].buffered, 0);
}

#[test]
fn ten_thousand_message_seqs_keep_state_bounded() {
    let mut d = Dtls::new();
    for seq in 0..10_000u16 {
        let dgram = record(
            22,
            0xfefd,
            0,
            u64::from(seq),
            &fragment(11, 60_000, seq, 0, &[1; 50]),
        );
        let mut out = Emitter::default();
        d.datagram(Direction::ToClient, 0, &dgram, &mut out);
        let state = &d.dirs[1];
        assert!(state.messages.len() <= MAX_MESSAGES);
        assert!(state.buffered <= MAX_BUFFERED);
    }
}

#[test]
fn record_longer_than_the_datagram_is_noted() {
    // A snap length cut the datagram: 100 bytes declared, 20 captured.
    let mut dgram = record(23, 0xfefd, 1, 5, &[0; 100]);
    dgram.truncate(33);
    let mut d = Dtls::new();
    let run = feed(&mut d, Direction::ToServer, &dgram);
    assert!(run
        .out
        .notes
        .iter()
        .any(|n| n.group == NoteGroup::Truncated));
    assert_eq!(run.labels[32], ("dtls.app_data", Opaque));
}

#[test]
fn every_cut_of_a_flight_never_panics() {
    let body = client_hello("cut.example", &[9; 16]);
    let mut flight = record(
        22,
        0xfefd,
        0,
        0,
        &fragment(1, body.len() as u32, 0, 0, &body),
    );
    flight.extend(record(20, 0xfefd, 0, 1, &[1]));
    flight.extend(record(23, 0xfefd, 1, 0, &[5; 30]));
    flight.extend([0x3f, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
    for cut in 0..flight.len() {
        let mut d = Dtls::new();
        feed(&mut d, Direction::ToServer, &flight[..cut]);
    }
    // And with garbage after the records.
    let mut d = Dtls::new();
    let mut bad = flight[..flight.len() - 11].to_vec();
    bad.extend([0xff; 7]);
    let run = feed(&mut d, Direction::ToServer, &bad);
    assert!(run
        .out
        .notes
        .iter()
        .any(|n| n.group == NoteGroup::Malformed));
}

#[test]
fn content_test_is_strict() {
    let body = client_hello("x.example", &[]);
    let ok = record(
        22,
        0xfefd,
        0,
        0,
        &fragment(1, body.len() as u32, 0, 0, &body),
    );
    assert!(looks_like_dtls(&ok));
    // One byte short, one too many, a TLS version, an unknown content type.
    assert!(!looks_like_dtls(&ok[..ok.len() - 1]));
    let mut long = ok.clone();
    long.push(0);
    assert!(!looks_like_dtls(&long));
    let mut tls = ok.clone();
    tls[1..3].copy_from_slice(&[3, 3]);
    assert!(!looks_like_dtls(&tls));
    let mut t = ok.clone();
    t[0] = 30;
    assert!(!looks_like_dtls(&t));
    // A DNS query, a STUN message and a QUIC Initial are not DTLS.
    let dns = [
        0x16, 0xfe, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, b'w', b'w', b'w', 0, 0, 1, 0, 1,
    ];
    assert!(!looks_like_dtls(&dns));
    assert!(!looks_like_dtls(&[
        0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
    ]));
    assert!(!looks_like_dtls(&[
        0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0
    ]));
    // Application data in epoch 1, as a capture taken mid-session starts.
    assert!(looks_like_dtls(&record(23, 0xfefd, 1, 9, &[0; 40])));
    let _ = tf::TLS_HS_SNI;
}

/// With a key log whose master secret is not the session's: junk records of every
/// length, epoch and kind are counted and noted once, never shown as plaintext, and
/// every byte keeps the observer's label.
#[test]
fn junk_records_with_keys_are_one_note_and_no_plaintext() {
    let ch = client_hello("example.com", &[]);
    let random = hex::encode(&ch[2..34]);
    let mut log = crate::keys::KeyLog::new();
    log.add_text(
        &format!("CLIENT_RANDOM {random} {}\n", "11".repeat(48)),
        "test",
    )
    .unwrap();
    let ring = crate::keys::KeyRing::new(log);
    for cipher in [0xc02f_u16, 0xc013, 0xcca8, 0xc0ac, 0x000a] {
        let mut d = Dtls::new();
        d.use_keys(&ring, (40000, 4433));
        let len = ch.len() as u32;
        feed(
            &mut d,
            Direction::ToServer,
            &record(22, 0xfefd, 0, 0, &fragment(1, len, 0, 0, &ch)),
        );
        let sh = server_hello(cipher, 1);
        let len = sh.len() as u32;
        feed(
            &mut d,
            Direction::ToClient,
            &record(22, 0xfefd, 0, 0, &fragment(2, len, 0, 0, &sh)),
        );
        let mut notes = Vec::new();
        for n in 0..90usize {
            let body: Vec<u8> = (0..n).map(|i| (i * 7 + n) as u8).collect();
            let content = [23, 22, 21, 20, 25][n % 5];
            let epoch = [1, 1, 2, 0xffff][n % 4];
            let run = feed(
                &mut d,
                Direction::ToServer,
                &record(content, 0xfefd, epoch, n as u64, &body),
            );
            assert!(run.out.decrypted.is_empty(), "{cipher:#x} {n}");
            notes.extend(run.out.notes.iter().map(|n| n.text.clone()));
        }
        let facts = d.decryption().unwrap();
        assert_eq!(
            notes
                .iter()
                .filter(|t| t.starts_with("key log does not decrypt this session"))
                .count(),
            1,
            "{cipher:#x}: {notes:?}"
        );
        assert_eq!(facts.dirs[0].records, 0);
        assert_eq!(facts.status.word(), "key log does not decrypt this session");
    }
}

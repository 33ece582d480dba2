//! Named byte fixtures for the TLS stream dissector.

use super::*;
use crate::span::Visibility::*;

fn record(ctype: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ctype, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn handshake(msg: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![msg];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn client_hello() -> Vec<u8> {
    handshake(1, &handshake::tests::client_hello_body("example.com"))
}

fn server_hello(version: u16) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&[0x22; 32]);
    b.push(0);
    b.extend_from_slice(&[0x13, 0x01, 0]);
    b.extend_from_slice(&[0, 6, 0, 0x2b, 0, 2]);
    b.extend_from_slice(&version.to_be_bytes());
    handshake(2, &b)
}

/// Per-byte (visibility, field) of one direction, filled from emitted spans.
struct Labels {
    vis: Vec<Option<(Visibility, &'static str)>>,
}

impl Labels {
    fn new(len: usize) -> Labels {
        Labels {
            vis: vec![None; len],
        }
    }
    fn take(&mut self, out: &mut Emitter) {
        for s in out.spans.drain(..) {
            for i in s.range.clone() {
                let slot = &mut self.vis[i as usize];
                assert!(slot.is_none(), "byte {i} labelled twice");
                *slot = Some((s.vis, s.field.name()));
            }
        }
    }
    fn at(&self, i: usize) -> (Visibility, &'static str) {
        self.vis[i].unwrap_or_else(|| panic!("byte {i} not labelled"))
    }
    fn all_labelled(&self) -> bool {
        self.vis.iter().all(|v| v.is_some())
    }
}

/// Feeds one direction's bytes in the given chunk sizes, like segments arriving.
fn feed_chunks(
    tls: &mut TlsStream,
    dir: Direction,
    stream: &[u8],
    chunks: &[usize],
) -> (Labels, Emitter) {
    let mut labels = Labels::new(stream.len());
    let mut out = Emitter::default();
    let mut events = Emitter::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut base = 0u64;
    let mut pos = 0;
    for &n in chunks.iter().chain(std::iter::once(&usize::MAX)) {
        let end = pos + n.min(stream.len() - pos);
        buf.extend_from_slice(&stream[pos..end]);
        pos = end;
        let done = tls.records(dir, base, &buf, &mut out);
        buf.drain(..done);
        base += done as u64;
        labels.take(&mut out);
        events.events.append(&mut out.events);
        events.notes.append(&mut out.notes);
        if pos == stream.len() {
            break;
        }
    }
    tls.flush(dir, base, &buf, &mut out);
    labels.take(&mut out);
    events.events.append(&mut out.events);
    events.notes.append(&mut out.notes);
    (labels, events)
}

#[test]
fn tls12_handshake_then_encrypted_finished_and_app_data() {
    let mut tls = TlsStream::new();
    let ch = record(22, &client_hello());
    let (labels, ev) = feed_chunks(&mut tls, Direction::ToServer, &ch, &[ch.len()]);
    assert!(labels.all_labelled());
    assert_eq!(labels.at(0), (Metadata, "tls.record.content_type"));
    assert_eq!(labels.at(5), (Cleartext, "tls.handshake.type"));
    let sni_at = ch.windows(11).position(|w| w == b"example.com").unwrap();
    assert_eq!(
        labels.at(sni_at),
        (Cleartext, "tls.handshake.extensions_server_name")
    );
    assert!(ev.events.iter().any(|e| matches!(&e.desc, Desc::TlsHandshake { detail, .. } if detail.contains(&"SNI=example.com".to_string()))));

    let mut server = record(22, &server_hello(0x0303));
    server.extend(record(20, &[1]));
    let finished_at = server.len();
    server.extend(record(22, &[0xab; 40]));
    let data_at = server.len();
    server.extend(record(23, &[0xcd; 30]));
    let (labels, _) = feed_chunks(&mut tls, Direction::ToClient, &server, &[server.len()]);
    assert!(labels.all_labelled());
    assert_eq!(tls.learned().version, Some(TlsVersion::TLS12));
    assert_eq!(labels.at(finished_at + 4), (Metadata, "tls.record.length"));
    assert_eq!(
        labels.at(finished_at + 5),
        (Opaque, "tls.handshake.encrypted")
    );
    assert_eq!(labels.at(data_at + 5), (Opaque, "tls.app_data"));
}

#[test]
fn record_split_across_segments_is_labelled_as_it_arrives() {
    let mut tls = TlsStream::new();
    let rec = record(23, &[0x77; 100]);
    let mut out = Emitter::default();
    // Header plus some body: everything so far is labelled, nothing held back.
    assert_eq!(
        tls.records(Direction::ToServer, 0, &rec[..30], &mut out),
        30
    );
    assert_eq!(
        tls.records(Direction::ToServer, 30, &rec[30..90], &mut out),
        60
    );
    assert_eq!(
        tls.records(Direction::ToServer, 90, &rec[90..], &mut out),
        15
    );
    let opaque: u64 = out
        .spans
        .iter()
        .filter(|s| s.vis == Opaque)
        .map(|s| s.range.end - s.range.start)
        .sum();
    assert_eq!(opaque, 100);
}

#[test]
fn record_header_split_waits_for_its_five_bytes() {
    let mut tls = TlsStream::new();
    let rec = record(23, &[1; 10]);
    let mut out = Emitter::default();
    assert_eq!(tls.records(Direction::ToServer, 0, &rec[..3], &mut out), 0);
    assert!(out.spans.is_empty());
    assert_eq!(
        tls.records(Direction::ToServer, 0, &rec, &mut out),
        rec.len()
    );
}

#[test]
fn sni_split_across_two_records() {
    // One ClientHello in two handshake records: nothing is labelled until the message
    // is whole, then the SNI is a leak in both pieces' frames.
    let msg = client_hello();
    let cut = msg.windows(11).position(|w| w == b"example.com").unwrap() + 4;
    let mut stream = record(22, &msg[..cut]);
    let second = stream.len();
    stream.extend(record(22, &msg[cut..]));
    let mut tls = TlsStream::new();
    let mut out = Emitter::default();
    assert_eq!(
        tls.records(Direction::ToServer, 0, &stream[..second + 3], &mut out),
        0,
        "waits"
    );
    let (labels, ev) = feed_chunks(
        &mut TlsStream::new(),
        Direction::ToServer,
        &stream,
        &[second + 3, 100],
    );
    assert!(labels.all_labelled());
    let sni = stream.windows(4).position(|w| w == b"exam").unwrap();
    assert_eq!(
        labels.at(sni),
        (Cleartext, "tls.handshake.extensions_server_name")
    );
    assert_eq!(
        labels.at(second),
        (Metadata, "tls.record.content_type"),
        "second record header"
    );
    assert_eq!(
        labels.at(second + 5),
        (Cleartext, "tls.handshake.extensions_server_name")
    );
    let hellos = ev
        .events
        .iter()
        .filter(|e| matches!(e.desc, Desc::TlsHandshake { .. }))
        .count();
    assert_eq!(hellos, 1);
}

#[test]
fn tls13_everything_after_server_hello_is_opaque_and_compat_ccs_is_not_a_switch() {
    let mut tls = TlsStream::new();
    let mut server = record(22, &server_hello(0x0304));
    server.extend(record(20, &[1]));
    let enc = server.len();
    server.extend(record(23, &[9; 50]));
    let (labels, _) = feed_chunks(&mut tls, Direction::ToClient, &server, &[server.len()]);
    assert_eq!(tls.learned().version, Some(TlsVersion::TLS13));
    assert_eq!(labels.at(enc + 5), (Opaque, "tls.app_data"));
    // The client's compatibility CCS, then a plaintext alert (it failed before keys).
    let mut client = record(20, &[1]);
    let alert = client.len();
    client.extend(record(21, &[2, 40]));
    let (labels, ev) = feed_chunks(&mut tls, Direction::ToServer, &client, &[client.len()]);
    assert_eq!(labels.at(alert + 5), (Cleartext, "tls.alert_message"));
    assert!(ev.events.iter().any(|e| matches!(
        e.desc,
        Desc::TlsAlert {
            level: 2,
            description: 40
        }
    )));
}

#[test]
fn alert_longer_than_two_bytes_is_encrypted_even_without_a_ccs() {
    let mut tls = TlsStream::new();
    let rec = record(21, &[0x55; 26]);
    let (labels, _) = feed_chunks(&mut tls, Direction::ToServer, &rec, &[rec.len()]);
    assert_eq!(labels.at(6), (Opaque, "tls.alert_message.encrypted"));
}

#[test]
fn garbage_is_undecoded_until_framing_is_found_again() {
    let mut stream = b"this is not a record header at all".to_vec();
    let rec_at = stream.len();
    stream.extend(record(23, &[1; 20]));
    stream.extend(record(23, &[2; 20]));
    let (labels, ev) = feed_chunks(
        &mut TlsStream::new(),
        Direction::ToServer,
        &stream,
        &[stream.len()],
    );
    assert!(labels.all_labelled());
    assert_eq!(labels.at(0).0, Undecoded);
    assert_eq!(labels.at(rec_at - 1).0, Undecoded);
    assert_eq!(labels.at(rec_at), (Metadata, "tls.record.content_type"));
    assert_eq!(labels.at(rec_at + 5).0, Opaque);
    assert!(ev
        .notes
        .iter()
        .any(|n| n.text.contains("framing found again")));
}

#[test]
fn gap_inside_an_opaque_body_keeps_the_framing() {
    let mut tls = TlsStream::new();
    let rec1 = record(23, &[1; 100]);
    let rec2 = record(23, &[2; 10]);
    let mut out = Emitter::default();
    assert_eq!(
        tls.records(Direction::ToServer, 0, &rec1[..40], &mut out),
        40
    );
    tls.gap(Direction::ToServer, 65, &mut out, 40);
    assert_eq!(
        tls.records(Direction::ToServer, 105, &rec2, &mut out),
        rec2.len()
    );
    assert!(out.notes.is_empty(), "no framing lost: {:?}", out.notes);
    assert_eq!(out.spans.last().map(|s| s.vis), Some(Opaque));
}

#[test]
fn gap_at_a_record_header_loses_framing() {
    let mut tls = TlsStream::new();
    let mut out = Emitter::default();
    tls.gap(Direction::ToServer, 10, &mut out, 0);
    assert!(out.notes.iter().any(|n| n.text.contains("framing lost")));
    let junk = [0x42u8; 20];
    assert_eq!(
        tls.records(Direction::ToServer, 10, &junk, &mut out),
        16,
        "keeps 4 bytes that may start a header"
    );
    assert!(out.spans.iter().all(|s| s.vis == Undecoded));
}

/// Once a direction's keys are in use, bytes whose record framing was lost cannot be
/// plaintext: they are ciphertext, whatever their boundaries.
#[test]
fn framing_lost_after_encryption_started_is_ciphertext() {
    let mut tls = TlsStream::new();
    let mut out = Emitter::default();
    let app = record(23, &[0x99; 40]);
    assert_eq!(
        tls.records(Direction::ToServer, 0, &app, &mut out),
        app.len()
    );
    tls.gap(Direction::ToServer, 1000, &mut out, app.len() as u64);
    out.clear();
    let junk = [0x42u8; 20];
    tls.records(Direction::ToServer, 1045, &junk, &mut out);
    assert!(!out.spans.is_empty());
    assert!(out
        .spans
        .iter()
        .all(|s| s.vis == Opaque && s.field == fields::TLS_UNSYNCED_ENCRYPTED));
    // The other direction sent nothing encrypted yet: still undecoded there.
    tls.gap(Direction::ToClient, 10, &mut out, 0);
    out.clear();
    tls.records(Direction::ToClient, 10, &junk, &mut out);
    assert!(out.spans.iter().all(|s| s.vis == Undecoded));
}

#[test]
fn record_header_declaring_two_to_the_sixteen_is_not_tls() {
    let mut out = Emitter::default();
    let mut tls = TlsStream::new();
    let done = tls.records(
        Direction::ToServer,
        0,
        &[23, 3, 3, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
        &mut out,
    );
    assert!(done <= 11);
    assert!(out.spans.iter().all(|s| s.vis == Undecoded));
}

#[test]
fn handshake_message_longer_than_the_gather_bound_is_readable_but_not_parsed() {
    // A Certificate message declaring 2^24-1 bytes, sent in full records.
    let mut msg = vec![11, 0xff, 0xff, 0xff];
    msg.extend(std::iter::repeat_n(0x30u8, 200_000));
    let mut stream = Vec::new();
    for chunk in msg.chunks(16_000) {
        stream.extend(record(22, chunk));
    }
    let mut tls = TlsStream::new();
    let (labels, ev) = feed_chunks(
        &mut tls,
        Direction::ToClient,
        &stream,
        &vec![1448; stream.len() / 1448 + 1],
    );
    assert!(labels.all_labelled());
    assert!(labels
        .vis
        .iter()
        .flatten()
        .all(|(v, _)| matches!(v, Metadata | Cleartext)));
    assert!(
        ev.notes.iter().any(|n| n.text.contains("not parsed")),
        "{:?}",
        ev.notes
    );
    let scratch = tls.hs.as_ref().map_or(0, |h| h.scratch.capacity());
    assert!(scratch <= 2 * MAX_HANDSHAKE_GATHER + 32 * 1024);
}

#[test]
fn empty_input_and_lone_bytes_never_panic() {
    let mut tls = TlsStream::new();
    let mut out = Emitter::default();
    assert_eq!(tls.records(Direction::ToServer, 0, &[], &mut out), 0);
    for b in 0..=255u8 {
        let mut t = TlsStream::new();
        let _ = t.records(Direction::ToClient, 0, &[b], &mut out);
        t.flush(Direction::ToClient, 0, &[b], &mut out);
    }
}

#[test]
fn sslv2_compatible_client_hello_then_tls_records() {
    // SSLv2 CLIENT-HELLO: length 0x8000|n, type 1, version 3.1, 3 cipher specs, 16-byte challenge.
    let mut hello = vec![0x80, 0, 1, 3, 1, 0, 9, 0, 0, 0, 16];
    hello.extend_from_slice(&[0, 0, 0x2f, 0, 0, 0x35, 0, 0, 0x0a]);
    hello.extend_from_slice(&[0xab; 16]);
    hello[1] = (hello.len() - 2) as u8;
    let mut tls = TlsStream::new();
    let (labels, ev) = feed_chunks(&mut tls, Direction::ToServer, &hello, &[hello.len()]);
    assert!(labels.all_labelled());
    assert_eq!(labels.at(0), (Metadata, "tls.record.length"));
    assert_eq!(labels.at(2).0, Cleartext);
    assert!(ev
        .events
        .iter()
        .any(|e| matches!(&e.desc, Desc::TlsHandshake { msg, detail, .. }
        if *msg == HandshakeType::CLIENT_HELLO && detail.contains(&"SSLv2 format".to_string()))));
    // The server answers with ordinary TLS records.
    let server = record(22, &server_hello(0x0303));
    let (labels, _) = feed_chunks(&mut tls, Direction::ToClient, &server, &[server.len()]);
    assert_eq!(labels.at(0), (Metadata, "tls.record.content_type"));
}

/// A client-side-only capture of TLS 1.3 after a HelloRetryRequest: the client's
/// compatibility CCS, then its second ClientHello in the clear (ja4/tls-sni.pcapng).
/// An encrypted Finished after a CCS stays opaque.
#[test]
fn second_client_hello_after_compat_ccs_is_readable_without_the_server_side() {
    let mut tls = TlsStream::new();
    let mut client = record(22, &client_hello());
    client.extend(record(20, &[1]));
    let second = client.len();
    client.extend(record(22, &client_hello()));
    let (labels, ev) = feed_chunks(&mut tls, Direction::ToServer, &client, &[client.len()]);
    assert_eq!(labels.at(second + 5).0, Cleartext);
    let hellos = ev
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.desc,
                Desc::TlsHandshake {
                    msg: HandshakeType::CLIENT_HELLO,
                    ..
                }
            )
        })
        .count();
    assert_eq!(hellos, 2);
    // After a CCS, a handshake record that is not a ClientHello is ciphertext.
    let mut tls = TlsStream::new();
    let mut client = record(22, &client_hello());
    client.extend(record(20, &[1]));
    let fin = client.len();
    client.extend(record(22, &[0x9c; 40]));
    let (labels, _) = feed_chunks(&mut tls, Direction::ToServer, &client, &[client.len()]);
    assert_eq!(labels.at(fin + 5).0, Opaque);
}

#[test]
fn tls_inside_a_record_needs_a_confirmed_header() {
    let mut x: u32 = 3;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                // Never a content type, so no header appears by chance.
                match (x >> 16) as u8 {
                    20..=24 => 0x99,
                    b => b,
                }
            })
            .collect()
    };
    // The tail of a record, then two whole records.
    let mut b = random(300);
    for len in [200u16, 100] {
        b.extend_from_slice(&[23, 3, 3]);
        b.extend_from_slice(&len.to_be_bytes());
        b.extend(random(usize::from(len)));
    }
    assert_eq!(super::inside_a_record(&b), Detect::Yes);
    // Cut inside the first record: wait for its end.
    assert_eq!(super::inside_a_record(&b[..400]), Detect::NeedMore);
    // Cut where the first record ends: confirmed by its length.
    assert_eq!(super::inside_a_record(&b[..505]), Detect::Yes);
    // Random bytes: wait while they could still hold a header, then no.
    assert_eq!(super::inside_a_record(&random(2000)), Detect::NeedMore);
    assert_eq!(super::inside_a_record(&random(20_000)), Detect::No);
    // Text never waits.
    assert_eq!(
        super::inside_a_record(&b"GET / HTTP/1.1\r\n".repeat(20)),
        Detect::No
    );
}

/// A stream fed the test ClientHello, with reports built (`reports`) or not.
fn client_hello_fed(reports: bool) -> (TlsStream, Emitter) {
    let mut tls = TlsStream::new();
    let mut out = Emitter {
        no_reports: !reports,
        ..Emitter::default()
    };
    tls.feed(
        Direction::ToServer,
        0,
        &record(22, &client_hello()),
        false,
        &mut out,
    );
    (tls, out)
}

/// JA3/JA3S/JA4 are computed for the reports that print them, and skipped when the
/// engine builds none (`show`): the rest of what a hello tells stays the same.
#[test]
fn fingerprints_are_computed_only_when_wanted() {
    for wanted in [true, false] {
        let (mut tls, mut out) = client_hello_fed(wanted);
        let server = record(22, &server_hello(0x0303));
        tls.feed(Direction::ToClient, 0, &server, false, &mut out);
        let facts = tls.tls().unwrap();
        assert_eq!(facts.ja3.is_some(), wanted);
        assert_eq!(facts.ja4.is_some(), wanted);
        assert_eq!(facts.ja3s.is_some(), wanted);
        assert_eq!(facts.sni.as_deref(), Some("example.com"));
        assert_eq!(facts.cipher, Some(0x1301));
    }
}

/// Without reports, the events only reports read (the SNI's leak) are dropped, and
/// every other event is the same.
#[test]
fn report_events_are_dropped_only_where_no_report_reads_them() {
    let run = |wanted: bool| client_hello_fed(wanted).1.events;
    let for_reports = |d: &Desc| {
        matches!(
            d,
            Desc::Leak { .. } | Desc::Named { .. } | Desc::Resolved { .. }
        )
    };
    let (all, shown) = (run(true), run(false));
    assert!(all.iter().any(|e| for_reports(&e.desc)));
    assert!(!shown.iter().any(|e| for_reports(&e.desc)));
    let rest: Vec<String> = all
        .iter()
        .filter(|e| !for_reports(&e.desc))
        .map(|e| format!("{} {:?}", e.at, e.desc))
        .collect();
    let shown: Vec<String> = shown
        .iter()
        .map(|e| format!("{} {:?}", e.at, e.desc))
        .collect();
    assert_eq!(rest, shown);
}

/// Every TCP flow that might be TLS carries this dissector, so a full table holds
/// 65,536 of them: 88 bytes (the allocator's 96-byte piece), where a 128-byte one took
/// 144. The ports live in the directions' padding, a record's field in two bytes.
#[test]
fn a_tls_stream_fits_in_88_bytes() {
    assert!(
        std::mem::size_of::<TlsStream>() <= 88,
        "TlsStream is {} bytes",
        std::mem::size_of::<TlsStream>()
    );
    assert_eq!(TlsStream::for_ports(50000, 443).ports(), (50000, 443));
}

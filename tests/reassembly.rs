//! Property: any reordering or duplication of a flow's segments yields the same label
//! for every stream byte as the in-order capture (after the handshake, which any
//! real reordering keeps first).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use eavesdrop::decode::TransportHeader;
use eavesdrop::engine::{Engine, EngineConfig};
use eavesdrop::sink::Summary;
use eavesdrop::sink::{FrameView, Sink};
use eavesdrop::{Frame, Label, LinkType, Timestamp};
use std::collections::BTreeMap;
use std::io;

/// Records, for every payload byte released, its direction, sequence number and label.
#[derive(Default)]
struct Collect {
    labels: BTreeMap<(bool, u32), Label>,
    frames: usize,
}

impl Sink for Collect {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        self.frames += 1;
        let Some(p) = &v.decoded.payload else {
            return Ok(());
        };
        let TransportHeader::Tcp { seq, flags, .. } = p.transport else {
            return Ok(());
        };
        // Data on a SYN (TCP Fast Open) starts after the SYN's sequence number.
        let seq = seq.wrapping_add(u32::from(flags.has(eavesdrop::decode::TcpFlags::SYN)));
        let to_server = p.endpoints.dport == 443;
        for (i, pos) in p.range.clone().enumerate() {
            let label = v.map.label_at(pos).expect("covered");
            let key = (to_server, seq.wrapping_add(i as u32));
            // A duplicate must carry the same label as its first copy.
            if let Some(old) = self.labels.insert(key, label) {
                assert_eq!(old, label, "copies of byte {key:?} labelled differently");
            }
        }
        Ok(())
    }
    fn warning(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &Summary) -> io::Result<()> {
        Ok(())
    }
}

fn packet(to_server: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    packet_on(40000, to_server, seq, ack, flags, payload)
}

fn packet_on(
    client_port: u16,
    to_server: bool,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let (src, dst, sport, dport) = if to_server {
        ([10, 0, 0, 1], [10, 0, 0, 2], client_port, 443u16)
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1], 443, client_port)
    };
    let total = 40 + payload.len();
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        6,
        0,
        0,
    ];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ack.to_be_bytes());
    p.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    p.extend_from_slice(payload);
    p
}

fn record(t: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![t, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn handshake(t: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![t];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn client_hello() -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&[7; 32]);
    b.push(0);
    b.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
    let name = b"reorder.example";
    let mut sni = ((name.len() + 3) as u16).to_be_bytes().to_vec();
    sni.push(0);
    sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni.extend_from_slice(name);
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    ext.extend_from_slice(&sni);
    // Padding so the hello spans several segments.
    ext.extend_from_slice(&[0, 21, 0x02, 0x00]);
    ext.extend_from_slice(&[0; 512]);
    b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    b.extend_from_slice(&ext);
    record(22, &handshake(1, &b))
}

/// A TLS 1.2-shaped session, as (to_server, stream bytes) in the order sent.
fn session() -> Vec<(bool, Vec<u8>)> {
    let mut server_flight = handshake(2, &{
        let mut b = vec![3, 3];
        b.extend_from_slice(&[9; 32]);
        b.push(0);
        b.extend_from_slice(&[0xc0, 0x2f, 0, 0, 0]);
        b
    });
    server_flight.extend(handshake(11, &[0x30; 900]));
    server_flight.extend(handshake(14, &[]));
    let mut client_fin = record(22, &handshake(16, &[0x44; 66]));
    client_fin.extend(record(20, &[1]));
    client_fin.extend(record(22, &[0x55; 40]));
    let mut server_fin = record(20, &[1]);
    server_fin.extend(record(22, &[0x66; 40]));
    vec![
        (true, client_hello()),
        // The server flight as two handshake records, a message spanning them.
        (false, {
            let mut v = record(22, &server_flight[..600]);
            v.extend(record(22, &server_flight[600..]));
            v
        }),
        (true, client_fin),
        (false, server_fin),
        (true, record(23, &[0x77; 3000])),
        (false, record(23, &[0x88; 5000])),
    ]
}

/// Segments (to_server, seq, flags, payload) of the session, in order.
fn segments(mss: usize) -> Vec<(bool, u32, u8, Vec<u8>)> {
    let (mut cseq, mut sseq) = (1000u32, 5_000_000u32);
    let mut out = vec![(true, cseq, 0x02u8, vec![]), (false, sseq, 0x12u8, vec![])];
    cseq += 1;
    sseq += 1;
    for (to_server, bytes) in session() {
        for chunk in bytes.chunks(mss) {
            let seq = if to_server { &mut cseq } else { &mut sseq };
            out.push((to_server, *seq, 0x18, chunk.to_vec()));
            *seq = seq.wrapping_add(chunk.len() as u32);
        }
    }
    out.push((true, cseq, 0x11, vec![]));
    out.push((false, sseq, 0x11, vec![]));
    out
}

fn run(order: &[(bool, u32, u8, Vec<u8>)]) -> Collect {
    // Bounds wide enough that no hole is given up: the property is about reordering.
    let mut config = EngineConfig::default();
    config.limits.max_held_segments = 1 << 20;
    config.limits.max_held_bytes = 1 << 30;
    let mut engine = Engine::new(Collect::default(), config);
    for (i, (to_server, seq, flags, payload)) in order.iter().enumerate() {
        let data = packet(*to_server, *seq, 1, *flags, payload);
        let frame = Frame {
            number: i as u64 + 1,
            ts: Timestamp::new(i as i64, 0),
            link: LinkType::RAW,
            interface: 0,
            orig_len: data.len() as u32,
            data,
            cut_by_eof: false,
        };
        engine.push(frame).unwrap();
    }
    engine.finish().unwrap().0
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn any_reordering_or_duplication_labels_like_in_order() {
    for mss in [200, 1448, 37, 3] {
        reorder_with_mss(mss, if mss < 10 { 6 } else { 40 });
    }
}

fn reorder_with_mss(mss: usize, seeds: u64) {
    let in_order = segments(mss);
    let want = run(&in_order);
    assert_eq!(want.frames, in_order.len());
    let counts = |c: &Collect| {
        let mut n = [0usize; 5];
        for l in c.labels.values() {
            n[l.index()] += 1;
        }
        n
    };
    let n = counts(&want);
    assert!(n[Label::Leak.index()] >= 15, "the SNI is a leak: {n:?}");
    assert!(
        n[Label::Cleartext.index()] > 1000 && n[Label::Opaque.index()] > 8000,
        "{n:?}"
    );
    assert_eq!(n[Label::Undecoded.index()], 0, "{n:?}");

    for seed in 1..=seeds {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        // Keep the handshake first; shuffle everything else, duplicate some segments.
        let (head, rest) = in_order.split_at(2);
        let mut rest: Vec<_> = rest.to_vec();
        for i in (1..rest.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            rest.swap(i, j);
        }
        let dups: Vec<_> = (0..rest.len() / 4)
            .map(|_| rest[(rng.next() % rest.len() as u64) as usize].clone())
            .collect();
        for d in dups {
            let at = (rng.next() % (rest.len() as u64 + 1)) as usize;
            rest.insert(at, d);
        }
        let order: Vec<_> = head.iter().cloned().chain(rest).collect();
        let got = run(&order);
        assert_eq!(
            got.frames,
            order.len(),
            "mss {mss} seed {seed}: every frame released"
        );
        for (key, label) in &want.labels {
            assert_eq!(
                got.labels.get(key),
                Some(label),
                "mss {mss} seed {seed}: byte {key:?}"
            );
        }
    }
}

/// Regression: closed flows leave the table some frames after they close; removing
/// one moved another flow's slot while that slot was in use, so segments went to the
/// wrong flow (or nowhere) in long captures with many connections.
#[test]
fn closed_flows_leaving_the_table_do_not_disturb_open_ones() {
    #[derive(Default)]
    struct Count {
        opaque: u64,
        other: u64,
        notes: u64,
    }
    impl Sink for Count {
        fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
            if let Some(p) = &v.decoded.payload {
                let c = v.map.count_in(p.range.clone());
                self.opaque += c[Label::Opaque.index()];
                self.other += c[Label::Undecoded.index()] + c[Label::Cleartext.index()];
            }
            self.notes += v.decoded.notes.len() as u64;
            Ok(())
        }
        fn warning(&mut self, _: &str) -> io::Result<()> {
            Ok(())
        }
        fn finish(&mut self, _: &Summary) -> io::Result<()> {
            Ok(())
        }
    }
    let mut engine = Engine::new(Count::default(), EngineConfig::default());
    let mut n = 0u64;
    let mut push = |engine: &mut Engine<Count>,
                    port: u16,
                    to_server: bool,
                    seq: u32,
                    flags: u8,
                    payload: &[u8]| {
        n += 1;
        let data = packet_on(port, to_server, seq, 1, flags, payload);
        let frame = Frame {
            number: n,
            ts: Timestamp::new(n as i64, 0),
            link: LinkType::RAW,
            interface: 0,
            orig_len: data.len() as u32,
            data,
            cut_by_eof: false,
        };
        engine.push(frame).unwrap();
    };
    // Flows on ports 1..=3 open; flow 1 closes at once; the others run long after.
    let mut seqs = [0u32; 4];
    for port in 1..=3u16 {
        push(&mut engine, port, true, 100, 0x02, &[]);
        push(&mut engine, port, false, 900, 0x12, &[]);
        seqs[port as usize] = 101;
    }
    push(&mut engine, 1, true, 101, 0x11, &[]);
    push(&mut engine, 1, false, 901, 0x11, &[]);
    let body = [0x5au8; 1000];
    let record = {
        let mut r = vec![23, 3, 3, 0x03, 0xe8 - 5];
        r.extend_from_slice(&body[..995]);
        r
    };
    for i in 0..6000 {
        let port = 2 + (i % 2) as u16;
        let seq = seqs[port as usize];
        push(&mut engine, port, true, seq, 0x18, &record);
        seqs[port as usize] = seq.wrapping_add(record.len() as u32);
    }
    let (count, _) = engine.finish().unwrap();
    assert_eq!(count.notes, 0, "no gaps, no retransmissions");
    assert_eq!(count.other, 0);
    assert_eq!(count.opaque, 6000 * 995);
}

/// Labels of every payload byte of a capture file, keyed by (to the server port, seq).
fn labels_of_file(name: &str, server_port: u16) -> BTreeMap<(bool, u32), Label> {
    struct ByPort(u16, BTreeMap<(bool, u32), Label>);
    impl Sink for ByPort {
        fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
            let Some(p) = &v.decoded.payload else {
                return Ok(());
            };
            let TransportHeader::Tcp { seq, flags, .. } = p.transport else {
                return Ok(());
            };
            let seq = seq.wrapping_add(u32::from(flags.has(eavesdrop::decode::TcpFlags::SYN)));
            let to_server = p.endpoints.dport == self.0;
            for (i, pos) in p.range.clone().enumerate() {
                let label = v.map.label_at(pos).expect("covered");
                let key = (to_server, seq.wrapping_add(i as u32));
                if let Some(old) = self.1.insert(key, label) {
                    assert_eq!(old, label, "copies of byte {key:?} labelled differently");
                }
            }
            Ok(())
        }
        fn warning(&mut self, _: &str) -> io::Result<()> {
            Ok(())
        }
        fn finish(&mut self, _: &Summary) -> io::Result<()> {
            Ok(())
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name);
    let mut reader = eavesdrop::CaptureReader::open(&path).unwrap();
    let mut engine = Engine::new(
        ByPort(server_port, BTreeMap::new()),
        EngineConfig::default(),
    );
    while let Some(frame) = reader.next_frame() {
        engine.push(frame.unwrap()).unwrap();
    }
    engine.finish().unwrap().0 .1
}

/// The real capture, rewritten by scripts/reorder.py (reordered, duplicated, one
/// segment late, one lost), labels every byte it still carries as the capture in
/// order does: the handshake readable, the SNI a leak, records opaque.
#[test]
fn reordered_capture_labels_like_the_capture_in_order() {
    let want = labels_of_file("tls13-bulk.pcap", 4433);
    let got = labels_of_file("tls13-reordered.pcap", 4433);
    let count =
        |m: &BTreeMap<(bool, u32), Label>, l: Label| m.values().filter(|&&v| v == l).count();
    assert!(
        count(&want, Label::Opaque) > 110_000,
        "two 60000-byte transfers"
    );
    assert!(count(&want, Label::Leak) > 0, "the SNI");
    assert_eq!(count(&want, Label::Undecoded), 0);
    // One 6354-byte segment was dropped for good; everything else is there.
    assert_eq!(want.len() - got.len(), 6354);
    let mut same = 0;
    for (key, label) in &got {
        assert_eq!(want.get(key), Some(label), "byte {key:?}");
        same += 1;
    }
    assert!(same > 100_000);
}

/// Pushes segments through an engine with the given config, checking after every
/// frame that what it holds stays within the bounds; returns the collected labels and
/// every note text.
fn run_bounded(
    config: EngineConfig,
    order: impl Iterator<Item = (bool, u32, u8, Vec<u8>)>,
) -> (Collect, usize) {
    let mut engine = Engine::new(Collect::default(), config);
    let mut peak = eavesdrop::engine::Holding::default();
    let mut n = 0u64;
    for (to_server, seq, flags, payload) in order {
        n += 1;
        let data = packet(to_server, seq, 1, flags, &payload);
        let frame = Frame {
            number: n,
            ts: Timestamp::new(0, 0),
            link: LinkType::RAW,
            interface: 0,
            orig_len: data.len() as u32,
            data,
            cut_by_eof: false,
        };
        engine.push(frame).unwrap();
        let h = engine.holding();
        assert!(h.held_tcp_bytes <= config.limits.max_held_total, "{h:?}");
        assert!(h.pending_frames <= config.max_pending_frames + 1, "{h:?}");
        peak.pending_frames = peak.pending_frames.max(h.pending_frames);
        peak.held_tcp_bytes = peak.held_tcp_bytes.max(h.held_tcp_bytes);
    }
    let (c, _) = engine.finish().unwrap();
    assert_eq!(c.frames as u64, n, "every frame released");
    (c, peak.pending_frames)
}

/// A flood of one-byte segments, each window of 4096 sent backwards: more than the
/// 2048 segments a direction may hold. Memory stays at the bounds (scripts/bench.sh
/// runs the million-segment version in release and reports its peak RSS).
#[test]
fn flood_of_tiny_out_of_order_segments_stays_within_bounds() {
    const N: u32 = 120_000;
    const WINDOW: u32 = 4096;
    let config = EngineConfig::default();
    let base = 1001u32;
    let order = (0..N).map(|i| {
        let w = i / WINDOW;
        let k = i % WINDOW;
        let len = WINDOW.min(N - w * WINDOW);
        let k = if k < len { len - 1 - k } else { k };
        let off = w * WINDOW + k;
        (true, base + off, 0x18u8, vec![0x17 ^ (off as u8)])
    });
    let handshake = [(true, 1000u32, 0x02u8, vec![]), (false, 5000, 0x12, vec![])];
    let (c, peak_pending) = run_bounded(config, handshake.into_iter().chain(order));
    assert!(
        peak_pending > 1000,
        "segments really were held: {peak_pending}"
    );
    assert_eq!(
        c.labels.len(),
        N as usize,
        "every byte released with a label"
    );
}

/// Retransmissions that overlap earlier segments with different bytes: the first copy
/// keeps its labels, the later copies get the same labels, and a note says so.
#[test]
fn overlapping_retransmissions_with_different_bytes_keep_the_first_copy() {
    let hello = client_hello();
    let mut segs = vec![(true, 1000u32, 0x02u8, vec![]), (false, 5000, 0x12, vec![])];
    // The hello in 100-byte segments, then copies shifted by 50 bytes whose bytes
    // differ (all 0xee), over the whole hello.
    for (i, chunk) in hello.chunks(100).enumerate() {
        segs.push((true, 1001 + (i * 100) as u32, 0x18, chunk.to_vec()));
    }
    for start in (50..hello.len()).step_by(100) {
        let end = (start + 100).min(hello.len());
        segs.push((true, 1001 + start as u32, 0x18, vec![0xee; end - start]));
    }
    let want = {
        let (c, _) = run_bounded(
            EngineConfig::default(),
            segs[..2 + hello.len().div_ceil(100)].iter().cloned(),
        );
        c
    };
    let mut engine = Engine::new(Notes::default(), EngineConfig::default());
    for (n, (to_server, seq, flags, payload)) in segs.iter().enumerate() {
        let data = packet(*to_server, *seq, 1, *flags, payload);
        engine
            .push(Frame {
                number: n as u64 + 1,
                ts: Timestamp::new(0, 0),
                link: LinkType::RAW,
                interface: 0,
                orig_len: data.len() as u32,
                data,
                cut_by_eof: false,
            })
            .unwrap();
    }
    let (notes, _) = engine.finish().unwrap();
    assert!(
        notes
            .0
            .iter()
            .any(|n| n.contains("retransmitted bytes differ from their first copy")),
        "{:#?}",
        notes.0
    );
    let (got, _) = run_bounded(EngineConfig::default(), segs.into_iter());
    for (key, label) in &want.labels {
        assert_eq!(got.labels.get(key), Some(label), "byte {key:?}");
    }
    assert!(want.labels.values().any(|l| *l == Label::Leak), "the SNI");
}

#[derive(Default)]
struct Notes(Vec<String>);

impl Sink for Notes {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        self.0
            .extend(v.decoded.notes.iter().map(|n| n.text.clone()));
        Ok(())
    }
    fn warning(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &Summary) -> io::Result<()> {
        Ok(())
    }
}

/// The session with the given initial sequence numbers, labels keyed by stream offset.
fn labels_by_offset(cisn: u32, sisn: u32, tfo: bool) -> BTreeMap<(bool, u32), Label> {
    let mut segs = Vec::new();
    let (mut cseq, mut sseq) = (cisn.wrapping_add(1), sisn.wrapping_add(1));
    let mut session = session();
    if tfo {
        // TCP Fast Open: the ClientHello rides on the SYN (RFC 7413).
        let (_, hello) = session.remove(0);
        segs.push((true, cisn, 0x02u8, hello.clone()));
        cseq = cseq.wrapping_add(hello.len() as u32);
    } else {
        segs.push((true, cisn, 0x02u8, vec![]));
    }
    segs.push((false, sisn, 0x12, vec![]));
    for (to_server, bytes) in session {
        for chunk in bytes.chunks(700) {
            let seq = if to_server { &mut cseq } else { &mut sseq };
            segs.push((to_server, *seq, 0x18, chunk.to_vec()));
            *seq = seq.wrapping_add(chunk.len() as u32);
        }
    }
    let mut engine = Engine::new(Collect::default(), EngineConfig::default());
    for (n, (to_server, seq, flags, payload)) in segs.iter().enumerate() {
        let data = packet(*to_server, *seq, 1, *flags, payload);
        engine
            .push(Frame {
                number: n as u64 + 1,
                ts: Timestamp::new(0, 0),
                link: LinkType::RAW,
                interface: 0,
                orig_len: data.len() as u32,
                data,
                cut_by_eof: false,
            })
            .unwrap();
    }
    let (c, _) = engine.finish().unwrap();
    c.labels
        .into_iter()
        .map(|((to_server, seq), l)| {
            let isn = if to_server { cisn } else { sisn };
            ((to_server, seq.wrapping_sub(isn)), l)
        })
        .collect()
}

/// Equal label maps, or the first difference (the maps are too big to print).
fn assert_same(
    got: &BTreeMap<(bool, u32), Label>,
    want: &BTreeMap<(bool, u32), Label>,
    what: &str,
) {
    for (k, v) in want {
        assert_eq!(got.get(k), Some(v), "{what}: byte {k:?}");
    }
    assert_eq!(got.len(), want.len(), "{what}: byte count");
}

#[test]
fn sequence_numbers_wrapping_around_change_nothing() {
    let plain = labels_by_offset(1000, 5_000_000, false);
    assert!(plain.values().all(|l| *l != Label::Undecoded));
    for (c, s) in [(u32::MAX - 300, u32::MAX - 5000), (u32::MAX, 0xffff_ff00)] {
        assert_same(
            &labels_by_offset(c, s, false),
            &plain,
            &format!("ISNs {c:#x} {s:#x}"),
        );
    }
}

#[test]
fn tcp_fast_open_data_on_the_syn_is_the_start_of_the_stream() {
    let plain = labels_by_offset(1000, 5_000_000, false);
    let tfo = labels_by_offset(1000, 5_000_000, true);
    assert_same(&tfo, &plain, "data on the SYN");
    // Also across the wrap.
    assert_same(
        &labels_by_offset(u32::MAX - 10, 77, true),
        &plain,
        "across the wrap",
    );
}

/// Regression (ndpi tls_invalid_reads.pcap): a SYN-ACK whose IPv4 total length claims
/// 4096 bytes more than the frame had on the wire. Bytes never sent are not a hole:
/// the server's data after it is labelled as usual.
#[test]
fn corrupt_ip_length_on_a_syn_ack_does_not_swallow_the_stream() {
    let mut syn_ack = packet(false, 5000, 1001, 0x12, &[]);
    let claimed = (syn_ack.len() + 4096) as u16;
    syn_ack[2..4].copy_from_slice(&claimed.to_be_bytes());
    let flight = record(22, &handshake(14, &[]));
    let frames = vec![
        packet(true, 1000, 0, 0x02, &[]),
        syn_ack,
        packet(true, 1001, 5001, 0x10, &[]),
        packet(true, 1001, 5001, 0x18, &client_hello()),
        packet(false, 5001, 1001, 0x18, &flight),
    ];
    let mut engine = Engine::new(Collect::default(), EngineConfig::default());
    for (i, data) in frames.into_iter().enumerate() {
        engine
            .push(Frame {
                number: i as u64 + 1,
                ts: Timestamp::new(0, 0),
                link: LinkType::RAW,
                interface: 0,
                orig_len: data.len() as u32,
                data,
                cut_by_eof: false,
            })
            .unwrap();
    }
    let (c, _) = engine.finish().unwrap();
    let server: Vec<Label> = c
        .labels
        .iter()
        .filter(|((to_server, _), _)| !to_server)
        .map(|(_, l)| *l)
        .collect();
    assert_eq!(server.len(), flight.len());
    assert!(server.iter().all(|l| *l != Label::Undecoded), "{server:?}");
}

/// Regression: a flow's end used the default limits instead of the configured ones, so
/// bytes delivered when a hole was given up at the end of the capture could wait in a
/// 256 KiB buffer whatever `--max-stream-buffer` said.
#[test]
fn configured_stream_buffer_bounds_the_end_of_a_flow() {
    struct Notes(Vec<String>);
    impl Sink for Notes {
        fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
            self.0
                .extend(v.decoded.notes.iter().map(|n| n.text.clone()));
            Ok(())
        }
        fn warning(&mut self, _: &str) -> io::Result<()> {
            Ok(())
        }
        fn finish(&mut self, _: &Summary) -> io::Result<()> {
            Ok(())
        }
    }
    // A 20,000-byte Certificate message: its first record (16 KiB) arrives, held
    // behind 10 bytes that never do; the capture ends before the second record.
    let message = handshake(11, &[0x30; 20_000]);
    let first = record(22, &message[..16_384]);
    let mut segs = vec![(true, 1000u32, 0x02u8, vec![]), (false, 5000, 0x12, vec![])];
    let mut seq = 1001 + 10;
    for chunk in first.chunks(1400) {
        segs.push((true, seq, 0x18, chunk.to_vec()));
        seq += chunk.len() as u32;
    }
    let mut config = EngineConfig::default();
    config.limits.max_stream_buffer = 4096;
    let mut engine = Engine::new(Notes(Vec::new()), config);
    for (n, (to_server, seq, flags, payload)) in segs.into_iter().enumerate() {
        let data = packet(to_server, seq, 1, flags, &payload);
        engine
            .push(Frame {
                number: n as u64 + 1,
                ts: Timestamp::new(0, 0),
                link: LinkType::RAW,
                interface: 0,
                orig_len: data.len() as u32,
                data,
                cut_by_eof: false,
            })
            .unwrap();
    }
    let (Notes(notes), _) = engine.finish().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("beyond the 4096-byte stream buffer")),
        "the configured bound applies when the flow ends: {notes:#?}"
    );
}

/// A server that answers retransmitted SYNs with fresh ISNs: the last SYN-ACK before
/// any data starts the stream, so its data is followed, not "before the stream".
#[test]
fn a_restarted_handshake_follows_the_latest_isn() {
    let mut order = segments(1400);
    // Two earlier SYN-ACKs with other ISNs, before the real one (above it: its data
    // would come before the stream they start).
    order.insert(1, (false, 6_000_000, 0x12, vec![]));
    order.insert(1, (false, 5_100_000, 0x12, vec![]));
    let c = run(&order);
    assert!(c.labels.iter().any(|((to_server, _), _)| !to_server));
    assert!(
        !c.labels
            .iter()
            .any(|((to_server, _), l)| !to_server && *l == Label::Undecoded),
        "the server's bytes were followed"
    );
    assert_eq!(c.labels, run(&segments(1400)).labels);
}

//! Writes a large synthetic capture for benchmarks (see scripts/bench.sh):
//! many interleaved TCP connections over Ethernet/IPv4 with tcpdump-like timestamps
//! options, a third each TLS 1.2, TLS 1.3 and plaintext HTTP/1.1. TLS application
//! records are up to 16 KiB, so most records span many 1448-byte segments.
//!
//! Usage: cargo run --release --example gen_bench_capture -- OUT.pcap [MEGABYTES] [FLOWS] [KEYLOG]
//!
//! With KEYLOG, TLS records are really encrypted (TLS 1.2 with AES-128-GCM or
//! ChaCha20-Poly1305, TLS 1.3 with TLS_AES_128_GCM_SHA256 or
//! TLS_CHACHA20_POLY1305_SHA256, alternately), and the secrets are written to KEYLOG in
//! the SSLKEYLOGFILE format, for `eavesdrop flows --keylog` benchmarks. Without it the
//! record bodies are random bytes, as before.
//!
//! Deterministic: the same arguments give the same file.

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use aes_gcm::aead::{AeadInPlace, KeyInit};
use eavesdrop::proto::tls::cipher::PrfHash;
use eavesdrop::proto::tls::keysched::{expand_label, prf12};
use std::fs::File;
use std::io::{BufWriter, Write};

const MSS: usize = 1448;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Tls12,
    Tls13,
    Http,
}

struct Conn {
    kind: Kind,
    client: ([u8; 4], u16),
    server: ([u8; 4], u16),
    seq: [u32; 2],
    /// Byte streams still to send, per direction, and whose turn it is.
    script: Vec<(usize, Vec<u8>)>,
    step: usize,
    sent_in_step: usize,
    stage: u8,
}

fn record(ctype: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ctype];
    r.extend_from_slice(&version.to_be_bytes());
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

fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut e = kind.to_be_bytes().to_vec();
    e.extend_from_slice(&(data.len() as u16).to_be_bytes());
    e.extend_from_slice(data);
    e
}

fn client_hello(rng: &mut Rng, sni: &str, tls13: bool) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend(rng.bytes(32));
    b.push(32);
    b.extend(rng.bytes(32));
    let suites: &[u16] = &[
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca8,
    ];
    b.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        b.extend_from_slice(&s.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]);
    let mut exts = Vec::new();
    let mut sni_ext = ((sni.len() + 3) as u16).to_be_bytes().to_vec();
    sni_ext.push(0);
    sni_ext.extend_from_slice(&(sni.len() as u16).to_be_bytes());
    sni_ext.extend_from_slice(sni.as_bytes());
    exts.extend(ext(0, &sni_ext));
    exts.extend(ext(
        16,
        &[
            0, 12, 2, b'h', b'2', 8, b'h', b't', b't', b'p', b'/', b'1', b'.', b'1',
        ],
    ));
    if tls13 {
        exts.extend(ext(43, &[4, 3, 4, 3, 3]));
        let mut ks = vec![0, 38, 0, 0x1d, 0, 32];
        ks.extend(rng.bytes(32));
        exts.extend(ext(51, &ks));
    }
    exts.extend(ext(13, &[0, 8, 4, 3, 8, 4, 4, 1, 5, 1]));
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend(exts);
    record(22, 0x0301, &handshake(1, &b))
}

fn server_hello(rng: &mut Rng, tls13: bool, suite: u16) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend(rng.bytes(32));
    b.push(32);
    b.extend(rng.bytes(32));
    let _ = tls13;
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    let exts = if tls13 {
        let mut ks = vec![0, 0x1d, 0, 32];
        ks.extend(rng.bytes(32));
        let mut e = ext(43, &[3, 4]);
        e.extend(ext(51, &ks));
        e
    } else {
        ext(0xff01, &[0])
    };
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend(exts);
    handshake(2, &b)
}

/// A certificate-shaped blob with readable names in it.
fn certificate(rng: &mut Rng, name: &str) -> Vec<u8> {
    let mut cert = vec![0x30, 0x82, 0x04, 0x00];
    cert.extend(rng.bytes(200));
    cert.extend_from_slice(b"Benchmark Issuing CA, Example Org");
    cert.extend(rng.bytes(100));
    cert.extend_from_slice(name.as_bytes());
    cert.extend(rng.bytes(700));
    let mut list = (cert.len() as u32).to_be_bytes()[1..].to_vec();
    list.extend(cert);
    let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend(list);
    handshake(11, &body)
}

fn app_records(rng: &mut Rng, total: usize, max: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + total / max * 5 + 5);
    let mut left = total;
    while left > 0 {
        let n = left.min(max);
        out.extend(record(23, 0x0303, &rng.bytes(n + 16)));
        left -= n;
    }
    out
}

/// One direction's record protection, for the encrypting mode.
struct Seal {
    chacha: bool,
    key: Vec<u8>,
    iv: Vec<u8>,
    seq: u64,
    tls13: bool,
}

impl Seal {
    fn nonce(&self) -> [u8; 12] {
        let mut n = [0u8; 12];
        if self.tls13 || self.chacha {
            n.copy_from_slice(&self.iv);
            for (a, b) in n[4..].iter_mut().zip(self.seq.to_be_bytes()) {
                *a ^= b;
            }
        } else {
            n[..4].copy_from_slice(&self.iv);
            n[4..].copy_from_slice(&self.seq.to_be_bytes());
        }
        n
    }

    fn aead(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut Vec<u8>) {
        let n = aes_gcm::Nonce::from_slice(nonce);
        let tag = if self.chacha {
            let c = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&self.key).unwrap();
            c.encrypt_in_place_detached(n, aad, buf).unwrap()
        } else {
            let c = aes_gcm::Aes128Gcm::new_from_slice(&self.key).unwrap();
            c.encrypt_in_place_detached(n, aad, buf).unwrap()
        };
        buf.extend_from_slice(&tag);
    }

    /// A protected record of `content` (TLS 1.3: inner type `ctype` inside type 23).
    fn record(&mut self, ctype: u8, content: &[u8]) -> Vec<u8> {
        let nonce = self.nonce();
        let out = if self.tls13 {
            let mut buf = content.to_vec();
            buf.push(ctype);
            let len = (buf.len() + 16) as u16;
            let mut hdr = vec![23, 3, 3];
            hdr.extend_from_slice(&len.to_be_bytes());
            self.aead(&nonce, &hdr, &mut buf);
            hdr.extend(buf);
            hdr
        } else {
            let mut aad = self.seq.to_be_bytes().to_vec();
            aad.push(ctype);
            aad.extend_from_slice(&[3, 3]);
            aad.extend_from_slice(&(content.len() as u16).to_be_bytes());
            let mut buf = content.to_vec();
            self.aead(&nonce, &aad, &mut buf);
            let mut body = if self.chacha {
                Vec::new()
            } else {
                nonce[4..].to_vec()
            };
            body.extend(buf);
            record(ctype, 0x0303, &body)
        };
        self.seq += 1;
        out
    }

    fn app_records(&mut self, rng: &mut Rng, total: usize, max: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(total + total / max * 40 + 40);
        let mut left = total;
        while left > 0 {
            let n = left.min(max);
            out.extend(self.record(23, &rng.bytes(n)));
            left -= n;
        }
        out
    }
}

/// Keys for one encrypted connection: (client's, server's) and the key log lines.
fn keys12(rng: &mut Rng, chacha: bool, cr: &[u8], sr: &[u8]) -> (Seal, Seal, String) {
    let master = rng.bytes(48);
    let mut seed = sr.to_vec();
    seed.extend_from_slice(cr);
    let (k, iv) = if chacha { (32, 12) } else { (16, 4) };
    let kb = prf12(
        PrfHash::Sha256,
        &master,
        b"key expansion",
        &seed,
        2 * (k + iv),
    );
    let seal = |key: &[u8], iv: &[u8]| Seal {
        chacha,
        key: key.to_vec(),
        iv: iv.to_vec(),
        seq: 0,
        tls13: false,
    };
    let c = seal(&kb[..k], &kb[2 * k..2 * k + iv]);
    let s = seal(&kb[k..2 * k], &kb[2 * k + iv..]);
    let line = format!(
        "CLIENT_RANDOM {} {}\n",
        hex::encode(cr),
        hex::encode(&master)
    );
    (c, s, line)
}

fn seal13(chacha: bool, secret: &[u8]) -> Seal {
    let key = expand_label(
        PrfHash::Sha256,
        secret,
        "key",
        &[],
        if chacha { 32 } else { 16 },
    )
    .unwrap();
    let iv = expand_label(PrfHash::Sha256, secret, "iv", &[], 12).unwrap();
    Seal {
        chacha,
        key,
        iv,
        seq: 0,
        tls13: true,
    }
}

fn http_text(len: usize) -> Vec<u8> {
    let line = b"Simple is better than complex. Complex is better than complicated.\n";
    line.iter().copied().cycle().take(len).collect()
}

/// The client random of a ClientHello record, the server random of a ServerHello
/// message.
fn random_of(hello: &[u8], record: bool) -> Vec<u8> {
    let at = if record { 5 + 4 + 2 } else { 4 + 2 };
    hello[at..at + 32].to_vec()
}

impl Conn {
    /// With `keylog`, TLS records are really encrypted and the secrets appended.
    fn new(rng: &mut Rng, id: u32, kind: Kind, keylog: Option<&mut String>) -> Conn {
        let client = (
            [10, 1, (id >> 8) as u8, id as u8],
            20000 + (id % 40000) as u16,
        );
        let server = (
            [192, 0, 2, (id % 200) as u8 + 1],
            if kind == Kind::Http { 80 } else { 443 },
        );
        let sni = format!("service-{id}.bench.example");
        let mut script = Vec::new();
        match kind {
            Kind::Tls12 => {
                let chacha = id % 2 == 0;
                let ch = client_hello(rng, &sni, false);
                let suite = if keylog.is_some() && chacha {
                    0xcca8
                } else {
                    0xc02f
                };
                let sh = server_hello(rng, false, suite);
                let mut seals = keylog.map(|log| {
                    let (c, s, line) =
                        keys12(rng, chacha, &random_of(&ch, true), &random_of(&sh, false));
                    log.push_str(&line);
                    (c, s)
                });
                script.push((0, ch));
                let mut flight = sh;
                flight.extend(certificate(rng, &sni));
                flight.extend(handshake(12, &rng.bytes(300)));
                flight.extend(handshake(14, &[]));
                script.push((1, record(22, 0x0303, &flight)));
                let mut fin = record(22, 0x0303, &handshake(16, &rng.bytes(66)));
                fin.extend(record(20, 0x0303, &[1]));
                let finished = handshake(20, &rng.bytes(12));
                match seals.as_mut() {
                    Some((c, _)) => fin.extend(c.record(22, &finished)),
                    None => fin.extend(record(22, 0x0303, &rng.bytes(40))),
                }
                script.push((0, fin));
                let mut sfin = record(20, 0x0303, &[1]);
                match seals.as_mut() {
                    Some((_, s)) => sfin.extend(s.record(22, &finished)),
                    None => sfin.extend(record(22, 0x0303, &rng.bytes(40))),
                }
                script.push((1, sfin));
                match seals.as_mut() {
                    Some((c, s)) => {
                        script.push((0, c.app_records(rng, 600, 16384)));
                        script.push((1, s.app_records(rng, 200_000, 16384)));
                    }
                    None => {
                        script.push((0, app_records(rng, 600, 16384)));
                        script.push((1, app_records(rng, 200_000, 16384)));
                    }
                }
            }
            Kind::Tls13 => {
                let chacha = id % 2 == 0;
                let ch = client_hello(rng, &sni, true);
                let suite = if keylog.is_some() && chacha {
                    0x1303
                } else {
                    0x1301
                };
                let mut seals = keylog.map(|log| {
                    let cr = hex::encode(random_of(&ch, true));
                    let secrets: Vec<Vec<u8>> = (0..4).map(|_| rng.bytes(32)).collect();
                    for (label, s) in [
                        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                        "CLIENT_TRAFFIC_SECRET_0",
                        "SERVER_TRAFFIC_SECRET_0",
                    ]
                    .iter()
                    .zip(&secrets)
                    {
                        log.push_str(&format!("{label} {cr} {}\n", hex::encode(s)));
                    }
                    secrets
                        .iter()
                        .map(|s| seal13(chacha, s))
                        .collect::<Vec<Seal>>()
                });
                script.push((0, ch));
                let mut flight = record(22, 0x0303, &server_hello(rng, true, suite));
                flight.extend(record(20, 0x0303, &[1]));
                match seals.as_mut() {
                    Some(s) => {
                        let mut hs = handshake(8, &[0, 0]);
                        hs.extend(handshake(11, &rng.bytes(2300)));
                        hs.extend(handshake(15, &rng.bytes(100)));
                        hs.extend(handshake(20, &rng.bytes(32)));
                        flight.extend(s[1].record(22, &hs));
                    }
                    None => flight.extend(app_records(rng, 2500, 16384)),
                }
                script.push((1, flight));
                let mut fin = record(20, 0x0303, &[1]);
                match seals.as_mut() {
                    Some(s) => {
                        fin.extend(s[0].record(22, &handshake(20, &rng.bytes(32))));
                        fin.extend(s[2].app_records(rng, 600, 16384));
                        script.push((0, fin));
                        script.push((1, s[3].app_records(rng, 200_000, 16384)));
                    }
                    None => {
                        fin.extend(app_records(rng, 600, 16384));
                        script.push((0, fin));
                        script.push((1, app_records(rng, 200_000, 16384)));
                    }
                }
            }
            Kind::Http => {
                let req = format!(
                    "GET /files/{id}.txt HTTP/1.1\r\nHost: www-{id}.bench.example\r\nUser-Agent: bench\r\nCookie: session={id:08x}\r\n\r\n"
                );
                script.push((0, req.into_bytes()));
                let body = http_text(120_000);
                let mut resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                resp.extend(body);
                script.push((1, resp));
            }
        }
        Conn {
            kind,
            client,
            server,
            seq: [rng.next() as u32, rng.next() as u32],
            script,
            step: 0,
            sent_in_step: 0,
            stage: 0,
        }
    }
}

struct Writer {
    out: BufWriter<File>,
    written: u64,
    usec: u64,
}

impl Writer {
    fn packet(&mut self, c: &Conn, dir: usize, flags: u8, seq: u32, ack: u32, payload: &[u8]) {
        let (src, dst) = if dir == 0 {
            (c.client, c.server)
        } else {
            (c.server, c.client)
        };
        let ip_len = 20 + 32 + payload.len();
        let mut f = Vec::with_capacity(14 + ip_len);
        f.extend_from_slice(&[
            0x02,
            0,
            0,
            0,
            0,
            dir as u8 + 1,
            0x02,
            0,
            0,
            0,
            0,
            2 - dir as u8,
            0x08,
            0x00,
        ]);
        f.extend_from_slice(&[
            0x45,
            0,
            (ip_len >> 8) as u8,
            ip_len as u8,
            0,
            0,
            0x40,
            0,
            64,
            6,
            0,
            0,
        ]);
        f.extend_from_slice(&src.0);
        f.extend_from_slice(&dst.0);
        f.extend_from_slice(&src.1.to_be_bytes());
        f.extend_from_slice(&dst.1.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[0x80, flags, 0x01, 0xf5, 0, 0, 0, 0]);
        let ts = (self.usec / 1000) as u32;
        f.extend_from_slice(&[1, 1, 8, 10]);
        f.extend_from_slice(&ts.to_be_bytes());
        f.extend_from_slice(&ts.wrapping_sub(3).to_be_bytes());
        f.extend_from_slice(payload);
        self.usec += 7;
        let sec = 1_700_000_000 + (self.usec / 1_000_000) as u32;
        let us = (self.usec % 1_000_000) as u32;
        let mut h = Vec::with_capacity(16);
        h.extend_from_slice(&sec.to_le_bytes());
        h.extend_from_slice(&us.to_le_bytes());
        h.extend_from_slice(&(f.len() as u32).to_le_bytes());
        h.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.out.write_all(&h).unwrap();
        self.out.write_all(&f).unwrap();
        self.written += (h.len() + f.len()) as u64;
    }

    /// One step of a connection. Returns false when it has finished.
    fn step(&mut self, c: &mut Conn) -> bool {
        const SYN: u8 = 0x02;
        const ACK: u8 = 0x10;
        const PSH: u8 = 0x08;
        const FIN: u8 = 0x01;
        match c.stage {
            0 => {
                self.packet(c, 0, SYN, c.seq[0], 0, &[]);
                c.seq[0] = c.seq[0].wrapping_add(1);
                self.packet(c, 1, SYN | ACK, c.seq[1], c.seq[0], &[]);
                c.seq[1] = c.seq[1].wrapping_add(1);
                self.packet(c, 0, ACK, c.seq[0], c.seq[1], &[]);
                c.stage = 1;
                true
            }
            1 => {
                let Some((dir, data)) = c.script.get(c.step) else {
                    c.stage = 2;
                    return true;
                };
                let dir = *dir;
                // Send up to four segments of this step, then let other flows run.
                for _ in 0..4 {
                    let start = c.sent_in_step;
                    let end = (start + MSS).min(data.len());
                    let seg = data[start..end].to_vec();
                    let flags = if end == data.len() { PSH | ACK } else { ACK };
                    self.packet(c, dir, flags, c.seq[dir], c.seq[1 - dir], &seg);
                    c.seq[dir] = c.seq[dir].wrapping_add(seg.len() as u32);
                    c.sent_in_step = end;
                    if end == data.len() {
                        c.step += 1;
                        c.sent_in_step = 0;
                        self.packet(c, 1 - dir, ACK, c.seq[1 - dir], c.seq[dir], &[]);
                        break;
                    }
                }
                true
            }
            _ => {
                self.packet(c, 0, FIN | ACK, c.seq[0], c.seq[1], &[]);
                self.packet(c, 1, FIN | ACK, c.seq[1], c.seq[0].wrapping_add(1), &[]);
                self.packet(
                    c,
                    0,
                    ACK,
                    c.seq[0].wrapping_add(1),
                    c.seq[1].wrapping_add(1),
                    &[],
                );
                false
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .expect("usage: gen_bench_capture OUT.pcap [MEGABYTES] [FLOWS]");
    let megabytes: u64 = args.get(2).map_or(600, |s| s.parse().expect("MEGABYTES"));
    let flows: usize = args.get(3).map_or(48, |s| s.parse().expect("FLOWS"));
    let keylog_path = args.get(4);
    let mut keylog = keylog_path.map(|_| String::new());
    let target = megabytes * 1_000_000;
    let mut w = Writer {
        out: BufWriter::with_capacity(1 << 20, File::create(out).expect("create")),
        written: 24,
        usec: 0,
    };
    // pcap header: little-endian, microseconds, snaplen 262144, Ethernet.
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    hdr.extend_from_slice(&2u16.to_le_bytes());
    hdr.extend_from_slice(&4u16.to_le_bytes());
    hdr.extend_from_slice(&[0; 8]);
    hdr.extend_from_slice(&262_144u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes());
    w.out.write_all(&hdr).unwrap();

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let kinds = [Kind::Tls12, Kind::Tls13, Kind::Http];
    let mut next_id = 1u32;
    let mut conns: Vec<Conn> = (0..flows)
        .map(|i| {
            let c = Conn::new(&mut rng, next_id, kinds[i % 3], keylog.as_mut());
            next_id += 1;
            c
        })
        .collect();
    let mut counts = [0u64; 3];
    while w.written < target {
        for slot in 0..conns.len() {
            if !w.step(&mut conns[slot]) {
                counts[conns[slot].kind as usize] += 1;
                let kind = kinds[next_id as usize % 3];
                conns[slot] = Conn::new(&mut rng, next_id, kind, keylog.as_mut());
                next_id += 1;
            }
        }
    }
    w.out.flush().unwrap();
    if let (Some(p), Some(k)) = (keylog_path, &keylog) {
        std::fs::write(p, k).expect("write the key log");
    }
    eprintln!(
        "wrote {out}: {} bytes, {} connections finished (TLS 1.2 {}, TLS 1.3 {}, HTTP {}), {} open",
        w.written,
        counts.iter().sum::<u64>(),
        counts[0],
        counts[1],
        counts[2],
        conns.len()
    );
}

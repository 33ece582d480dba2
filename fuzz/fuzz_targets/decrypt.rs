//! Decryption with a key log: a TLS connection whose ClientHello random the key log
//! knows, a ServerHello choosing a suite and version picked by the input, then records
//! from the input — some sealed by this harness with the session's real TLS 1.3 keys
//! (handshake or application epoch), so arbitrary plaintext reaches the decrypted
//! handshake parser and the key holder's dissectors; the rest raw, so tags, MACs and
//! padding fail. Every byte must keep a label, and nothing may panic.
//!
//! Input: byte 0 picks the suite, byte 1 the version; then chunks of
//! `[flags][type][len]` + `len` bytes (flags: bit 7 server, bit 6 seal, bit 5
//! application epoch).
#![no_main]

use aes_gcm::aead::{AeadInPlace, KeyInit};
use eavesdrop::keys::{KeyLog, KeyRing};
use eavesdrop::proto::tls::cipher::PrfHash;
use eavesdrop::proto::tls::keysched::expand_label;
use eavesdrop::{Engine, EngineConfig, Frame, LinkType, Timestamp};
use libfuzzer_sys::fuzz_target;

mod common;

const RANDOM: [u8; 32] = [7; 32];
const SECRETS: [[u8; 32]; 4] = [[1; 32], [2; 32], [3; 32], [4; 32]];

fn packet(to_server: bool, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if to_server {
        ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, 443u16)
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1], 443, 40000)
    };
    let total = 40 + payload.len();
    let mut p = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 1, 0x40, 0, 64, 6, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&1u32.to_be_bytes());
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

fn hs(t: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![t];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn hello(random: &[u8; 32], suite: u16, server: bool, version: u16) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(0);
    if server {
        b.extend_from_slice(&suite.to_be_bytes());
        b.push(0);
        let ext: Vec<u8> = if version == 0x0304 {
            vec![0, 43, 0, 2, 3, 4]
        } else {
            vec![0, 22, 0, 0, 0, 23, 0, 0]
        };
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend(ext);
    } else {
        b.extend_from_slice(&[0, 2]);
        b.extend_from_slice(&suite.to_be_bytes());
        b.extend_from_slice(&[1, 0]);
        let ext = [0u8, 43, 0, 5, 4, 3, 4, 3, 3];
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
    }
    record(22, &hs(if server { 2 } else { 1 }, &b))
}

/// A TLS 1.3 record sealed with TLS_AES_128_GCM_SHA256 keys from `secret`.
fn seal(secret: &[u8], seq: u64, inner: u8, content: &[u8]) -> Vec<u8> {
    let key = expand_label(PrfHash::Sha256, secret, "key", &[], 16).unwrap();
    let iv = expand_label(PrfHash::Sha256, secret, "iv", &[], 12).unwrap();
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&iv);
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let mut buf = content.to_vec();
    buf.push(inner);
    let mut hdr = vec![23, 3, 3];
    hdr.extend_from_slice(&((buf.len() + 16) as u16).to_be_bytes());
    let c = aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap();
    let tag = c
        .encrypt_in_place_detached(aes_gcm::Nonce::from_slice(&nonce), &hdr, &mut buf)
        .unwrap();
    hdr.extend(buf);
    hdr.extend_from_slice(&tag);
    hdr
}

const SUITES: [u16; 16] = [
    0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xc02f, 0xc030, 0xcca8, 0xc09c, 0xc0a0, 0x002f,
    0x0035, 0x000a, 0x0005, 0x0041, 0xc03c,
];
const VERSIONS: [u16; 4] = [0x0304, 0x0303, 0x0301, 0x0300];

fuzz_target!(|data: &[u8]| {
    let [s, v, rest @ ..] = data else { return };
    let suite = SUITES[usize::from(*s) % SUITES.len()];
    let version = if suite >> 8 == 0x13 {
        0x0304
    } else {
        VERSIONS[1 + usize::from(*v) % 3]
    };
    let cr = hex::encode(RANDOM);
    let mut text = format!("CLIENT_RANDOM {cr} {}\n", "ab".repeat(48));
    for (label, secret) in [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    ]
    .iter()
    .zip(SECRETS)
    {
        text.push_str(&format!("{label} {cr} {}\n", hex::encode(secret)));
    }
    let mut log = KeyLog::new();
    log.add_text(&text, "fuzz").unwrap();
    let ring = KeyRing::new(log);
    ring.set_keep_plaintext(true);
    let mut config = EngineConfig::default();
    config.max_pending_frames = 64;
    let mut engine = common::engine(config);
    engine.set_keys(ring);
    let mut number = 0u64;
    let mut next = [1000u32, 5000u32];
    let mut push = |engine: &mut Engine<common::Checked>, to_server: bool, flags: u8, data: Vec<u8>, next: &mut [u32; 2]| {
        number += 1;
        let d = usize::from(!to_server);
        let p = packet(to_server, next[d], flags, &data);
        next[d] = next[d].wrapping_add(data.len() as u32);
        let frame = Frame {
            number,
            ts: Timestamp {
                sec: number as i64,
                nsec: 0,
                raw: None,
            },
            link: LinkType::RAW,
            interface: 0,
            orig_len: p.len() as u32,
            data: p,
            cut_by_eof: false,
        };
        engine.push(frame).unwrap();
    };
    push(&mut engine, true, 0x02, Vec::new(), &mut next);
    next[0] = next[0].wrapping_add(1);
    push(&mut engine, false, 0x12, Vec::new(), &mut next);
    next[1] = next[1].wrapping_add(1);
    push(&mut engine, true, 0x18, hello(&RANDOM, suite, false, version), &mut next);
    push(&mut engine, false, 0x18, hello(&[9; 32], suite, true, version), &mut next);
    let mut seqs = [[0u64; 2]; 2];
    let mut rest = rest;
    while let [flags, t, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (body, after) = tail.split_at(len);
        rest = after;
        let server = flags & 0x80 != 0;
        let bytes = if flags & 0x40 != 0 && version == 0x0304 {
            let epoch = usize::from(flags & 0x20 != 0);
            let secret = SECRETS[epoch * 2 + usize::from(server)];
            let seq = &mut seqs[usize::from(server)][epoch];
            let r = seal(&secret, *seq, *t, body);
            *seq += 1;
            r
        } else {
            record(20 + t % 5, body)
        };
        push(&mut engine, !server, 0x18, bytes, &mut next);
    }
    engine.finish().unwrap();
});

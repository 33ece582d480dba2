//! A TCP connection on port 443 (or 25, 80, 53, 21, 5432, 389, 5222, 3306, 22, 1194,
//! 6379, 1080, 1883, and SMB 445 and 139, Kerberos 88, RDP 3389, SIP 5060, and 1234,
//! a port no protocol claims: unknown payload, reversed roles) whose
//! segments carry arbitrary bytes,
//! in an arbitrary order, with duplicates: reassembly, the TLS record and handshake
//! dissector, and the plaintext protocols behind it.
//!
//! Input: byte 0 picks the server port; then chunks of `[flags][len][seq delta]` +
//! `len` bytes of payload. `seed-stream.py` turns real captures into such inputs.
#![no_main]

use eavesdrop::{Engine, EngineConfig, Frame, LinkType, Timestamp};
use libfuzzer_sys::fuzz_target;

mod common;

fn packet(to_server: bool, port: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if to_server {
        ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, port)
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1], port, 40000u16)
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

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    const PORTS: [u16; 20] = [
        443, 25, 80, 53, 21, 5432, 389, 5222, 3306, 22, 1194, 6379, 1080, 1883, 445, 139, 88,
        3389, 5060, 1234,
    ];
    let port = PORTS[usize::from(pick) % PORTS.len()];
    let mut config = EngineConfig::default();
    // Small bounds, so the fuzzer reaches them.
    config.limits.max_held_segments = 16;
    config.limits.max_held_bytes = 4096;
    config.limits.max_stream_buffer = 64 * 1024;
    config.max_pending_frames = 64;
    let mut engine = common::engine(config);
    let mut number = 0u64;
    let mut push = |engine: &mut Engine<common::Checked>, data: Vec<u8>| {
        number += 1;
        let frame = Frame {
            number,
            ts: Timestamp::new(number as i64, 0),
            link: LinkType::RAW,
            interface: 0,
            orig_len: data.len() as u32,
            data,
            cut_by_eof: false,
        };
        engine.push(frame).unwrap();
    };
    push(&mut engine, packet(true, port, 999, 0x02, &[]));
    push(&mut engine, packet(false, port, 4999, 0x12, &[]));
    let mut next = [1000u32, 5000u32];
    while let [flags, len, delta, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (payload, after) = tail.split_at(len);
        rest = after;
        let to_server = flags & 0x80 == 0;
        let d = usize::from(!to_server);
        // Mostly in order; sometimes back (a retransmission) or ahead (a hole).
        let seq = next[d].wrapping_add((i32::from(*delta as i8) * 16) as u32);
        let tcp_flags = 0x10 | (flags & 0x0d);
        push(&mut engine, packet(to_server, port, seq, tcp_flags, payload));
        if *delta == 0 {
            next[d] = next[d].wrapping_add(payload.len() as u32);
        }
    }
    engine.finish().unwrap();
});

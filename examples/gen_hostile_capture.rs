//! Writes hostile captures for the memory benchmarks (see scripts/bench.sh):
//!
//! - `ooo OUT.pcap [SEGMENTS]`: one TCP connection to port 443 whose stream comes in
//!   one-byte segments (default a million), each window of 4096 sent backwards, so
//!   reassembly must hold segments and give holes up at its bounds.
//! - `frags OUT.pcap [DATAGRAMS]`: UDP datagrams of 60 KB in 8-byte IPv4 fragments
//!   whose last fragment never comes, so the fragment table fills and must give up.
//! - `flows OUT.pcap [FLOWS]`: a million (default) one-packet TCP flows that never
//!   close, each a different client: the flow table must evict, and report every one.
//!
//! Usage: cargo run --release --example gen_hostile_capture -- MODE OUT.pcap [N]

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs::File;
use std::io::{BufWriter, Write};

fn pcap_header(w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&[0; 8])?;
    w.write_all(&65535u32.to_le_bytes())?;
    w.write_all(&101u32.to_le_bytes()) // raw IP
}

fn record(w: &mut impl Write, n: u64, data: &[u8]) -> std::io::Result<()> {
    w.write_all(&((n / 1000) as u32).to_le_bytes())?;
    w.write_all(&((n % 1000) as u32 * 1000).to_le_bytes())?;
    w.write_all(&(data.len() as u32).to_le_bytes())?;
    w.write_all(&(data.len() as u32).to_le_bytes())?;
    w.write_all(data)
}

fn ipv4(proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let total = 20 + payload.len();
    let mut p = vec![0x45, 0, (total >> 8) as u8, total as u8];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&frag.to_be_bytes());
    p.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    p.extend_from_slice(payload);
    p
}

fn tcp(seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut t = 40000u16.to_be_bytes().to_vec();
    t.extend_from_slice(&443u16.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(payload);
    ipv4(6, 0, 0x4000, &t)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: gen_hostile_capture ooo|frags|flows OUT.pcap [N]");
        std::process::exit(2);
    };
    let mut w = BufWriter::new(File::create(out)?);
    pcap_header(&mut w)?;
    let mut n = 0u64;
    match mode.as_str() {
        "ooo" => {
            let total: u32 = args
                .get(3)
                .and_then(|s| s.parse().ok())
                .unwrap_or(1_000_000);
            const WINDOW: u32 = 4096;
            record(&mut w, n, &tcp(1000, 0x02, &[]))?;
            for i in 0..total {
                let (win, k) = (i / WINDOW, i % WINDOW);
                let len = WINDOW.min(total - win * WINDOW);
                let off = win * WINDOW + (len - 1 - k);
                n += 1;
                // Application-data-like bytes after a record header every 16 KiB.
                record(&mut w, n, &tcp(1001 + off, 0x18, &[0x17 ^ off as u8]))?;
            }
        }
        "frags" => {
            let datagrams: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20_000);
            for d in 0..datagrams {
                // 60 000 bytes in 8-byte fragments would be 7500 frames; send every
                // 50th, never the last: each datagram stays incomplete.
                for k in (0..7499u16).step_by(50) {
                    n += 1;
                    let frag = 0x2000 | k;
                    record(&mut w, n, &ipv4(17, d as u16, frag, &[0xab; 8]))?;
                }
            }
        }
        "flows" => {
            let flows: u32 = args
                .get(3)
                .and_then(|s| s.parse().ok())
                .unwrap_or(1_000_000);
            for i in 0..flows {
                n += 1;
                let mut t = ((40000 + i % 20000) as u16).to_be_bytes().to_vec();
                t.extend_from_slice(&443u16.to_be_bytes());
                t.extend_from_slice(&i.to_be_bytes());
                t.extend_from_slice(&1u32.to_be_bytes());
                t.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
                t.extend_from_slice(&[0x17, 3, 3, 0, 4, 1, 2, 3, 4]);
                let mut p = ipv4(6, i as u16, 0x4000, &t);
                // A different client address for each flow.
                p[12..16].copy_from_slice(&[10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
                record(&mut w, n, &p)?;
            }
        }
        _ => {
            eprintln!("unknown mode {mode}: ooo, frags or flows");
            std::process::exit(2);
        }
    }
    w.flush()
}

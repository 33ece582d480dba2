//! A UDP flow whose datagrams carry arbitrary bytes, both ways, on the port of a
//! datagram protocol (WireGuard 51820, IKE 500, IPsec NAT traversal 4500, OpenVPN
//! 1194, QUIC 443, DNS 53); and raw IP protocols 50 (ESP) and 51 (AH) carrying them.
//!
//! Input: byte 0 picks the port; then chunks of `[flags][len]` + `len` bytes: bit 7 of
//! the flags sends the datagram to the client, bit 6 sends it as ESP, bit 5 as AH.
#![no_main]

use eavesdrop::{EngineConfig, Frame, LinkType, Timestamp};
use libfuzzer_sys::fuzz_target;

mod common;

const PORTS: [u16; 6] = [51820, 500, 4500, 1194, 443, 53];

fn datagram(to_server: bool, port: u16, proto: u8, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if to_server {
        ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, port)
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1], port, 40000u16)
    };
    let udp = if proto == 17 { 8 } else { 0 };
    let total = 20 + udp + payload.len();
    let mut p = vec![0x45, 0, (total >> 8) as u8, total as u8, 0, 1, 0x40, 0, 64, proto, 0, 0];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    if proto == 17 {
        p.extend_from_slice(&sport.to_be_bytes());
        p.extend_from_slice(&dport.to_be_bytes());
        p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0]);
    }
    p.extend_from_slice(payload);
    p
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let port = PORTS[usize::from(pick) % PORTS.len()];
    let mut engine = common::engine(EngineConfig::default());
    let mut number = 0u64;
    while let [flags, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (payload, after) = tail.split_at(len);
        rest = after;
        let proto = if flags & 0x40 != 0 {
            50
        } else if flags & 0x20 != 0 {
            51
        } else {
            17
        };
        number += 1;
        let data = datagram(flags & 0x80 == 0, port, proto, payload);
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
    }
    engine.finish().unwrap();
});

//! A UDP flow whose datagrams carry arbitrary bytes, both ways, on a port that
//! recognises DTLS or STUN by number (4433, 3478) or on one where only content decides
//! (19305, 443, 9999): the registry's UDP content tests, the RFC 7983 demultiplexer,
//! DTLS records and handshake reassembly, STUN and TURN, SRTP and SRTCP, QUIC and
//! Google QUIC, DNS; and on Kerberos (88), SNMP (161, 162) and SIP (5060).
//!
//! Input: byte 0 picks the server port; then chunks of `[flags][len]` + `len` bytes of
//! payload (flags bit 7: from the server; bit 6: the frame is cut 8 bytes short, as a
//! snap length would).
#![no_main]

use eavesdrop::{EngineConfig, Frame, LinkType, Timestamp};
use libfuzzer_sys::fuzz_target;

mod common;

fn datagram(to_server: bool, port: u16, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sport, dport) = if to_server {
        ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, port)
    } else {
        ([10, 0, 0, 2], [10, 0, 0, 1], port, 40000u16)
    };
    let total = 28 + payload.len();
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    const PORTS: [u16; 10] = [4433, 3478, 19305, 443, 9999, 53, 88, 161, 162, 5060];
    let port = PORTS[usize::from(pick) % PORTS.len()];
    let mut engine = common::engine(EngineConfig::default());
    let mut number = 0u64;
    while let [flags, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (payload, after) = tail.split_at(len);
        rest = after;
        let mut bytes = datagram(flags & 0x80 == 0, port, payload);
        let orig_len = bytes.len() as u32;
        if flags & 0x40 != 0 {
            bytes.truncate(bytes.len().saturating_sub(8).max(28));
        }
        number += 1;
        let frame = Frame {
            number,
            ts: Timestamp::new(number as i64, 0),
            link: LinkType::RAW,
            interface: 0,
            orig_len,
            data: bytes,
            cut_by_eof: false,
        };
        engine.push(frame).unwrap();
    }
    engine.finish().unwrap();
});

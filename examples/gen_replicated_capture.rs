//! Writes a large capture made of real sessions (see scripts/bench.sh): the packets of
//! the given classic pcap files (Ethernet, as tcpdump writes them on Linux loopback)
//! replayed over and over, each replica with its own addresses and client ports, ACKs,
//! handshakes and all, many replicas interleaved at once. IPv4 header, TCP and UDP
//! checksums are computed again for the new addresses.
//!
//! Usage: cargo run --release --example gen_replicated_capture -- OUT.pcap MEGABYTES
//!        IN_FLIGHT INPUT.pcap...
//!
//! Every input is one template (all its packets, in order, are one replica). Each
//! distinct address of a template becomes 10.N.x.y (IPv4) or fd00::N:x:y (IPv6) in a
//! replica, N 16 times the template's index plus the address's index in the template;
//! client ports (from 32768 up, Linux's ephemeral range) are moved by the replica's number, so replicas never share a connection. Deterministic: the same
//! arguments give the same file.

// A panic in a generator is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};

struct Packet {
    data: Vec<u8>,
    orig_len: u32,
}

struct Template {
    packets: Vec<Packet>,
    /// Distinct addresses, in order of appearance (4 or 16 bytes).
    addrs: Vec<Vec<u8>>,
}

fn u32_at(b: &[u8], at: usize, le: bool) -> u32 {
    let v: [u8; 4] = b[at..at + 4].try_into().unwrap();
    if le {
        u32::from_le_bytes(v)
    } else {
        u32::from_be_bytes(v)
    }
}

fn read_template(path: &str) -> Template {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let magic = u32::from_le_bytes(b[0..4].try_into().unwrap());
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        _ => panic!("{path}: not a classic pcap file"),
    };
    assert_eq!(u32_at(&b, 20, le), 1, "{path}: link type must be Ethernet");
    let mut packets = Vec::new();
    let mut addrs: Vec<Vec<u8>> = Vec::new();
    let mut at = 24;
    while at + 16 <= b.len() {
        let incl = u32_at(&b, at + 8, le) as usize;
        let orig_len = u32_at(&b, at + 12, le);
        let Some(data) = b.get(at + 16..at + 16 + incl) else {
            break;
        };
        at += 16 + incl;
        if let Some((a, c)) = addresses(data) {
            for x in [a, c] {
                if !addrs.contains(&x) {
                    addrs.push(x);
                }
            }
        }
        packets.push(Packet {
            data: data.to_vec(),
            orig_len,
        });
    }
    Template { packets, addrs }
}

/// The IP header's offset and version, after Ethernet (and 802.1Q tags).
fn ip_at(data: &[u8]) -> Option<(usize, u8)> {
    let mut at = 12;
    let mut ethertype = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?);
    while ethertype == 0x8100 {
        at += 4;
        ethertype = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?);
    }
    match ethertype {
        0x0800 => Some((at + 2, 4)),
        0x86dd => Some((at + 2, 6)),
        _ => None,
    }
}

fn addresses(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (ip, v) = ip_at(data)?;
    let (s, n) = if v == 4 { (ip + 12, 4) } else { (ip + 8, 16) };
    Some((
        data.get(s..s + n)?.to_vec(),
        data.get(s + n..s + 2 * n)?.to_vec(),
    ))
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from(c[0]) << 8
        };
        acc += u32::from(w);
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Rewrites one packet for replica `k` of a template.
fn rewrite(p: &Packet, t: &Template, index: usize, k: u32, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&p.data);
    let Some((ip, v)) = ip_at(out) else { return };
    let (s, n) = if v == 4 { (ip + 12, 4) } else { (ip + 8, 16) };
    if out.len() < s + 2 * n {
        return;
    }
    for at in [s, s + n] {
        let old = out[at..at + n].to_vec();
        let i = (index * 16 + t.addrs.iter().position(|a| *a == old).unwrap_or(0)) as u8;
        let x = (k >> 8) as u8;
        let y = k as u8;
        if v == 4 {
            out[at..at + 4].copy_from_slice(&[10, i, x, y]);
        } else {
            let mut a = [0u8; 16];
            a[0] = 0xfd;
            a[11] = i;
            a[13] = (k >> 16) as u8;
            a[14] = x;
            a[15] = y;
            out[at..at + 16].copy_from_slice(&a);
        }
    }
    // The transport header: IPv4's options skipped; IPv6 extension headers are left
    // alone (the templates carry none).
    let (l4, proto, frag) = if v == 4 {
        let ihl = usize::from(out[ip] & 0x0f) * 4;
        let frag = u16::from_be_bytes([out[ip + 6], out[ip + 7]]) & 0x3fff != 0;
        out[ip + 10] = 0;
        out[ip + 11] = 0;
        let c = fold(sum16(&out[ip..ip + ihl], 0));
        out[ip + 10..ip + 12].copy_from_slice(&c.to_be_bytes());
        (ip + ihl, out[ip + 9], frag)
    } else {
        (ip + 40, out[ip + 6], false)
    };
    if frag || !(proto == 6 || proto == 17) || out.len() < l4 + 8 {
        return;
    }
    for at in [l4, l4 + 2] {
        let port = u16::from_be_bytes([out[at], out[at + 1]]);
        if port >= 32768 {
            let moved = 32768 + (u32::from(port) - 32768 + k * 7919) % 32768;
            out[at..at + 2].copy_from_slice(&(moved as u16).to_be_bytes());
        }
    }
    // Checksums only over whole packets (a snap length leaves them as they were).
    let wire = p.orig_len as usize;
    if wire != p.data.len() {
        return;
    }
    let seg_len = out.len() - l4;
    let ck = if proto == 6 { l4 + 16 } else { l4 + 6 };
    if out.len() < ck + 2 {
        return;
    }
    out[ck] = 0;
    out[ck + 1] = 0;
    let mut acc = sum16(&out[s..s + 2 * n], 0);
    acc += u32::from(proto) + seg_len as u32;
    let mut c = fold(sum16(&out[l4..], acc));
    if proto == 17 && c == 0 {
        c = 0xffff;
    }
    out[ck..ck + 2].copy_from_slice(&c.to_be_bytes());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: gen_replicated_capture OUT.pcap MEGABYTES IN_FLIGHT INPUT.pcap...");
        std::process::exit(2);
    }
    let target = args[2].parse::<u64>().expect("megabytes") * 1_000_000;
    let in_flight: usize = args[3].parse().expect("in flight");
    let templates: Vec<Template> = args[4..].iter().map(|p| read_template(p)).collect();
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&args[1]).expect("create"));
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&262_144u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    out.write_all(&header).unwrap();
    let mut written = header.len() as u64;
    // (template, replica, next packet)
    let mut live: Vec<(usize, u32, usize)> = Vec::new();
    let mut replicas: HashMap<usize, u32> = HashMap::new();
    let mut next_template = 0usize;
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut usec: u64 = 1_700_000_000 * 1_000_000;
    let mut buf = Vec::new();
    let mut packets = 0u64;
    while written < target {
        while live.len() < in_flight {
            let t = next_template % templates.len();
            next_template += 1;
            let k = replicas.entry(t).or_insert(0);
            live.push((t, *k, 0));
            *k += 1;
        }
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let i = (rng % live.len() as u64) as usize;
        let (t, k, n) = live[i];
        let template = &templates[t];
        let p = &template.packets[n];
        rewrite(p, template, t, k, &mut buf);
        usec += 1 + (rng >> 40) % 40;
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&((usec / 1_000_000) as u32).to_le_bytes());
        rec[4..8].copy_from_slice(&((usec % 1_000_000) as u32).to_le_bytes());
        rec[8..12].copy_from_slice(&(buf.len() as u32).to_le_bytes());
        rec[12..16].copy_from_slice(&p.orig_len.to_le_bytes());
        out.write_all(&rec).unwrap();
        out.write_all(&buf).unwrap();
        written += 16 + buf.len() as u64;
        packets += 1;
        if n + 1 == template.packets.len() {
            live.swap_remove(i);
        } else {
            live[i].2 = n + 1;
        }
    }
    out.flush().unwrap();
    let sessions: u32 = replicas.values().sum();
    eprintln!(
        "{}: {written} bytes, {packets} packets (mean {} bytes), {sessions} replicas",
        args[1],
        written / packets.max(1)
    );
}

//! UDP as tcpdump's print-udp.c prints it: the ports, then the printer tcpdump picks
//! by port (in its order: the first port test that matches wins, whichever way the
//! datagram goes), or `UDP, length N` — or what it says about a length that does not
//! add up. `-q` keeps every datagram to `UDP, length N`. Before an encapsulation
//! (VXLAN, Geneve, L2TP…) only the addresses and ports: the tunnel's printer goes on
//! from there.

use super::apps;
use super::dns::{self, Flavour};
use super::ip::push_addr;
use super::nd::Bytes;
use super::push_dec;
use super::Ctx;
use crate::decode::checksum::Verdict;
use crate::decode::{Layer, UdpLayer};
use std::fmt::Write as _;

pub(super) fn udp(s: &mut String, u: &UdpLayer, next: Option<&Layer>, ctx: &Ctx<'_>) {
    let prefix = |s: &mut String, ports: Option<(u16, u16)>| {
        if ports.is_none() && !u.addr_prefix {
            return;
        }
        for (i, (ip, port)) in [(u.src, ports.map(|p| p.0)), (u.dst, ports.map(|p| p.1))]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                s.push_str(" > ");
            }
            if u.addr_prefix {
                push_addr(s, ip);
                if port.is_some() {
                    s.push('.');
                }
            }
            if let Some(port) = port {
                push_dec(s, port);
            }
        }
        s.push_str(": ");
    };
    let Some(ports) = u.ports else {
        prefix(s, None);
        return;
    };
    prefix(s, Some(ports));
    // A tunnel's printer goes on after the checksum (tcpdump -q does not follow it).
    if matches!(next, Some(Layer::Tunnel(_))) && !ctx.opts.quick {
        if ctx.opts.checksums() && !u.fragmented && u.length >= 8 {
            checksum(s, u, ctx);
        }
        return;
    }
    if u.length < 8 {
        let _ = write!(s, "truncated-udp {}", u.length);
        return;
    }
    let Some(ulen) = u.ulen else { return };
    let mut ulen = u32::from(ulen);
    if ulen == 0 && u.length > 65535 {
        ulen = u.length;
    }
    if ulen < 8 {
        let _ = write!(s, "truncated-udplength {ulen}");
        return;
    }
    let ulen = ulen - 8;
    let length = (u.length - 8).min(ulen);
    if ctx.opts.checksums() && !u.fragmented {
        checksum(s, u, ctx);
    }
    let dg = apps::Datagram {
        src: u.src,
        dst: u.dst,
    };
    if !ctx.opts.quick && payload(s, ports, Bytes(ctx.bytes(&u.data)), length, dg, ctx) {
        return;
    }
    if ulen > length && !u.fragmented {
        let _ = write!(s, "UDP, bad length {ulen} > {length}");
    } else {
        let _ = write!(s, "UDP, length {ulen}");
    }
}

/// The printers of print-udp.c's port tests, in its order. Returns false where
/// tcpdump would print `UDP, length N` (no port matched, or a printer eavesdrop does
/// not have).
fn payload(
    s: &mut String,
    (sport, dport): (u16, u16),
    b: Bytes<'_>,
    length: u32,
    dg: apps::Datagram,
    ctx: &Ctx<'_>,
) -> bool {
    let either = |p: u16| sport == p || dport == p;
    if either(53) {
        dns::domain(s, b, length, false, Flavour::Dns, ctx);
    } else if ctx.opts.verbose == 0 && apps::udp(s, (sport, dport), b, length, dg, ctx).is_some() {
        // (At -v tcpdump's printers say more; eavesdrop's stop at `UDP, length N`.)
    } else if either(5353) {
        dns::domain(s, b, length, false, Flavour::Mdns, ctx);
    } else {
        return false;
    }
    true
}

/// print-udp.c's checksum check: IPv6 at `-v`, IPv4 from `-vv` on (where a zero
/// checksum means none was computed, RFC 768).
fn checksum(s: &mut String, u: &UdpLayer, ctx: &Ctx<'_>) {
    let v4 = u.src.is_ipv4();
    if v4 && ctx.opts.verbose < 2 {
        return;
    }
    if v4 && u.checksum == Some(0) {
        s.push_str("[no cksum] ");
        return;
    }
    match u.checksum(ctx.frame) {
        Some(Verdict::Correct) => s.push_str("[udp sum ok] "),
        Some(Verdict::Incorrect { field, should_be }) => {
            let _ = write!(s, "[bad udp cksum 0x{field:04x} -> 0x{should_be:04x}!] ");
        }
        None => {}
    }
}

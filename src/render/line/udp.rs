//! UDP as tcpdump's print-udp.c prints it: the ports, then the printer tcpdump picks
//! by port (in its order: the first port test that matches wins, whichever way the
//! datagram goes), or `UDP, length N` — or what it says about a length that does not
//! add up. `-q` keeps every datagram to `UDP, length N`. Before an encapsulation
//! (VXLAN, Geneve, L2TP…) only the addresses and ports: the tunnel's printer goes on
//! from there.

use super::apps;
use super::dns::{self, Flavour};
use super::ip::addr;
use super::nd::Bytes;
use super::Ctx;
use crate::decode::{Layer, UdpLayer};
use std::fmt::Write as _;

pub(super) fn udp(s: &mut String, u: &UdpLayer, next: Option<&Layer>, cx: &Ctx<'_>) {
    let prefix = |s: &mut String, ports: Option<(u16, u16)>| match (ports, u.addr_prefix) {
        (None, true) => {
            let _ = write!(s, "{} > {}: ", addr(u.src), addr(u.dst));
        }
        (None, false) => {}
        (Some((a, b)), true) => {
            let _ = write!(s, "{}.{a} > {}.{b}: ", addr(u.src), addr(u.dst));
        }
        (Some((a, b)), false) => {
            let _ = write!(s, "{a} > {b}: ");
        }
    };
    let Some(ports) = u.ports else {
        prefix(s, None);
        return;
    };
    prefix(s, Some(ports));
    if matches!(next, Some(Layer::Tunnel(_))) {
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
    let dg = apps::Datagram {
        src: u.src,
        dst: u.dst,
    };
    if !cx.quick && payload(s, ports, Bytes(cx.bytes(&u.data)), length, dg, cx) {
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
    cx: &Ctx<'_>,
) -> bool {
    let either = |p: u16| sport == p || dport == p;
    if either(53) {
        dns::domain(s, b, length, false, Flavour::Dns, cx);
    } else if apps::udp(s, (sport, dport), b, length, dg, cx).is_some() {
    } else if either(5353) {
        dns::domain(s, b, length, false, Flavour::Mdns, cx);
    } else {
        return false;
    }
    true
}

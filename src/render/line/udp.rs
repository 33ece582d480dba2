//! UDP as tcpdump's print-udp.c prints it without a port-specific printer:
//! `UDP, length N`, or what it says about a length that does not add up. Before an
//! encapsulation (VXLAN, Geneve, L2TP…) only the addresses and ports: the tunnel's
//! printer goes on from there.

use super::ip::addr;
use crate::decode::{Layer, UdpLayer};
use std::fmt::Write as _;

pub(super) fn udp(s: &mut String, u: &UdpLayer, next: Option<&Layer>) {
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
    if ulen > length && !u.fragmented {
        let _ = write!(s, "UDP, bad length {ulen} > {length}");
    } else {
        let _ = write!(s, "UDP, length {ulen}");
    }
}

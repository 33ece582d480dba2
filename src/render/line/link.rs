//! The link-level parts of the line (Linux cooked v2 interface and packet type, MPLS
//! labels, PPPoE session), ARP, and what tcpdump prints for a link type, EtherType or
//! BSD address family it has no printer for.

use super::nd::Bytes;
use super::Ctx;
use crate::capture::ifnames::local_interface_names;
use crate::decode::{ArpLayer, LinkLayer, OtherLayer};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Interface names for Linux cooked v2 captures, looked up on first use.
#[derive(Default)]
pub(super) struct IfNames(Option<HashMap<u32, String>>);

impl IfNames {
    fn name(&mut self, index: u32) -> &str {
        let names = self.0.get_or_insert_with(local_interface_names);
        names.get(&index).map_or("?", String::as_str)
    }
}

pub(super) fn link(s: &mut String, link: &LinkLayer, ifnames: &mut IfNames) {
    match link {
        LinkLayer::Sll2 {
            ifindex, pkttype, ..
        } => {
            let name = ifnames.name(*ifindex);
            let _ = write!(s, "{name:<5} {:<3} ", sll_pkttype(u16::from(*pkttype)));
        }
        LinkLayer::SllVlan { ethertype } => {
            let _ = write!(s, "ethertype {}, ", ethertype_name(*ethertype));
        }
        LinkLayer::Mpls { labels } => {
            s.push_str("MPLS");
            for e in labels {
                let _ = write!(s, " (label {}, tc {}", e >> 12, (e >> 9) & 7);
                if e & 0x100 != 0 {
                    s.push_str(", [S]");
                }
                let _ = write!(s, ", ttl {})", e & 0xff);
            }
            if labels.last().is_some_and(|e| e & 0x100 != 0) {
                s.push(' ');
            }
        }
        LinkLayer::Pppoe {
            session, len, wire, ..
        } => {
            s.push_str("PPPoE ");
            if u32::from(*len) > *wire {
                let _ = write!(s, " [len {len} > {wire}!]");
            }
            if *session != 0 {
                let _ = write!(s, " [ses {session:#x}]");
            }
            s.push(' ');
        }
        // tcpdump's ppp_print: nothing before IP, the protocol's name otherwise.
        LinkLayer::Ppp { protocol } => match protocol {
            0x0021 | 0x0057 => {}
            p => {
                let _ = match ppp_name(*p) {
                    Some(name) => write!(s, "{name}"),
                    None => write!(s, "unknown PPP protocol (0x{p:04x})"),
                };
            }
        },
        // Ethernet prints its addresses only before an EtherType without a printer.
        LinkLayer::Ethernet { .. }
        | LinkLayer::Vlan { .. }
        | LinkLayer::Null { .. }
        | LinkLayer::Sll { .. } => {}
    }
}

/// A protocol without a printer, or a problem, at this point of the line; `ether` is
/// the frame's Ethernet source and destination, if it has them.
pub(super) fn other(
    s: &mut String,
    other: &OtherLayer,
    ether: Option<([u8; 6], [u8; 6])>,
    cx: &Ctx<'_>,
) {
    match other {
        OtherLayer::Problem(text) => s.push_str(text),
        OtherLayer::IpProto { proto, len, data } => {
            if super::apps::ip_proto(s, *proto, Bytes(cx.bytes(data)), *len) {
                return;
            }
            let _ = write!(s, " ip-proto-{proto} {len}");
        }
        OtherLayer::Fragment { proto } => {
            let _ = write!(s, "ip-proto-{proto}");
        }
        OtherLayer::Esp { spi, seq, len } => {
            let _ = write!(s, "ESP(spi={spi:#010x},seq={seq:#x}), length {len}");
        }
        OtherLayer::Ah { spi, seq, icv } => {
            let _ = write!(s, "AH(spi={spi:#010x},seq={seq:#x},icv=0x");
            s.push_str(&hex::encode(icv));
            s.push_str("): ");
        }
        OtherLayer::EtherType {
            ethertype,
            len,
            data,
        } => {
            let wire = len.saturating_sub(data.start);
            if super::l2::ether_payload(s, *ethertype, Bytes(cx.bytes(data)), wire, ether.is_some())
            {
                return;
            }
            if let Some((src, dst)) = ether {
                let _ = write!(s, "{} > {}, ", mac(&src), mac(&dst));
            }
            let _ = write!(
                s,
                "ethertype {} ({ethertype:#06x}), length {len}: ",
                ethertype_name(*ethertype)
            );
        }
        OtherLayer::NullFamily { family, len } => {
            let _ = write!(s, "AF {} ({family}), length {len}: ", bsd_af_name(*family));
        }
        OtherLayer::LinkType { link, len } => {
            let _ = write!(s, "[link type {link} not decoded], length {len}");
        }
    }
}

pub(super) fn arp(s: &mut String, a: &ArpLayer) {
    s.push_str("ARP, ");
    match (a.op, a.sender, a.target) {
        (1, Some(sender), Some(target)) => {
            let _ = write!(s, "Request who-has {target}");
            if let Some(hw) = a.target_hw.filter(|hw| hw.iter().any(|&b| b != 0)) {
                let _ = write!(s, " ({})", mac(&hw));
            }
            let _ = write!(s, " tell {sender}");
        }
        (2, Some(sender), Some(_)) => {
            let hw = a.sender_hw.map(|h| mac(&h)).unwrap_or_default();
            let _ = write!(s, "Reply {sender} is-at {hw}");
        }
        (op, _, _) => {
            let _ = write!(s, "op {op}");
        }
    }
    let _ = write!(s, ", length {}", a.length);
}

pub(super) fn mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

fn sll_pkttype(t: u16) -> &'static str {
    match t {
        0 => "In",
        1 => "B",
        2 => "M",
        3 => "P",
        4 => "Out",
        _ => "?",
    }
}

fn ethertype_name(t: u16) -> &'static str {
    match t {
        0x0800 => "IPv4",
        0x86dd => "IPv6",
        0x0806 => "ARP",
        0x8035 => "Reverse ARP",
        0x8100 => "802.1Q",
        0x88a8 => "802.1Q-QinQ",
        0x9100 => "802.1Q-9100",
        0x9200 => "802.1Q-9200",
        0x8847 => "MPLS unicast",
        0x8848 => "MPLS multicast",
        0x8863 => "PPPoE D",
        0x8864 => "PPPoE S",
        0x888e => "EAPOL",
        0x88cc => "LLDP",
        0x88e5 => "802.1AE MACsec",
        0x9000 => "Loopback",
        _ => "Unknown",
    }
}

/// PPP protocol names as tcpdump's `ppptype2str` gives them.
fn ppp_name(p: u16) -> Option<&'static str> {
    Some(match p {
        0xc021 => "LCP",
        0xc023 => "PAP",
        0xc223 => "CHAP",
        0x8021 => "IPCP",
        0x8057 => "IP6CP",
        0x80fd => "CCP",
        0x00fd => "Compressed Datagram",
        0x0281 => "MPLS",
        _ => return None,
    })
}

fn bsd_af_name(f: u32) -> &'static str {
    match f {
        2 => "IPv4",
        7 => "OSI",
        16 => "Appletalk",
        23 => "IPX",
        24 | 28 | 30 => "IPv6",
        _ => "Unknown",
    }
}

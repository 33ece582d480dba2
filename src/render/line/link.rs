//! The link-level parts of the line (Linux cooked v2 interface and packet type, MPLS
//! labels, PPPoE session), ARP, and what tcpdump prints for a link type, EtherType or
//! BSD address family it has no printer for.

use super::nd::Bytes;
use super::Ctx;
use crate::capture::ifnames::local_interface_names;
use crate::decode::{ArpLayer, LinkLayer, OtherLayer};
use std::collections::HashMap;
use std::fmt::Write as _;

/// EtherType values up to this are 802.3 lengths.
const MAX_ETHERNET_LENGTH: u16 = 1500;

/// Interface names for Linux cooked v2 captures, looked up on first use.
#[derive(Default)]
pub(super) struct IfNames(Option<HashMap<u32, String>>);

impl IfNames {
    fn name(&mut self, index: u32) -> &str {
        let names = self.0.get_or_insert_with(local_interface_names);
        names.get(&index).map_or("?", String::as_str)
    }
}

pub(super) fn link(s: &mut String, link: &LinkLayer, ifnames: &mut IfNames, ctx: &Ctx<'_>) {
    let (e, q) = (ctx.opts.link_header, ctx.opts.quick);
    match link {
        // print-ether.c: with -e, the addresses, the EtherType (or 802.3 and its
        // length field) and the frame's length.
        LinkLayer::Ethernet {
            src,
            dst,
            ethertype,
            len,
        } => {
            if e {
                let _ = write!(s, "{} > {}, ", mac(src), mac(dst));
                if *ethertype <= MAX_ETHERNET_LENGTH {
                    let _ = write!(s, "802.3, length {ethertype}: ");
                } else {
                    ether_type(s, *ethertype, q);
                    let _ = write!(s, ", length {len}: ");
                }
            }
        }
        LinkLayer::Vlan { tci, ethertype } => {
            if e {
                vlan_tag(s, *tci);
                if *ethertype > MAX_ETHERNET_LENGTH {
                    ether_type(s, *ethertype, q);
                    s.push_str(", ");
                }
            }
        }
        // print-null.c.
        LinkLayer::Null { family } => {
            if e {
                match (q, bsd_af_name(*family)) {
                    (true, "Unknown") => {
                        let _ = write!(s, "Unknown AF {family}");
                    }
                    (true, name) => s.push_str(name),
                    (false, name) => {
                        let _ = write!(s, "AF {name} ({family})");
                    }
                }
                let _ = write!(s, ", length {}: ", ctx.orig_len);
            }
        }
        // print-sll.c: nothing but with -e.
        LinkLayer::Sll {
            pkttype,
            protocol,
            halen,
            addr,
        } => {
            if e {
                let _ = write!(s, "{:>3} ", sll_pkttype(*pkttype));
                if *halen == 6 {
                    let _ = write!(s, "{} ", mac8(addr));
                }
                if !q {
                    sll_protocol(s, *protocol);
                    let _ = write!(s, ", length {}: ", ctx.orig_len);
                }
            }
        }
        LinkLayer::Sll2 {
            ifindex,
            pkttype,
            protocol,
            halen,
            addr,
        } => {
            let name = ifnames.name(*ifindex);
            let _ = write!(s, "{name:<5} {:<3} ", sll_pkttype(u16::from(*pkttype)));
            if e {
                let _ = write!(s, "ifindex {ifindex} ");
                if *halen == 6 {
                    let _ = write!(s, "{} ", mac8(addr));
                }
                if !q {
                    sll_protocol(s, *protocol);
                    let _ = write!(s, ", length {}: ", ctx.orig_len);
                }
            }
        }
        LinkLayer::SllVlan { tci, ethertype } => {
            if e {
                vlan_tag(s, *tci);
            }
            if !q {
                let _ = write!(s, "ethertype {}, ", ethertype_name(*ethertype));
            }
        }
        LinkLayer::Mpls { labels } => {
            // mpls_print: at -v each further label and the payload on a new line.
            let v = ctx.opts.verbose > 0;
            s.push_str("MPLS");
            for (i, e) in labels.iter().enumerate() {
                s.push_str(if v && i > 0 { "\n\t" } else { " " });
                let _ = write!(s, "(label {}, tc {}", e >> 12, (e >> 9) & 7);
                if e & 0x100 != 0 {
                    s.push_str(", [S]");
                }
                let _ = write!(s, ", ttl {})", e & 0xff);
            }
            if labels.last().is_some_and(|e| e & 0x100 != 0) {
                s.push_str(if v { "\n\t" } else { " " });
            }
        }
        LinkLayer::Ppp { protocol, len } => super::ppp::ppp(s, *protocol, *len, ctx),
        LinkLayer::PppHdlc {
            address,
            control,
            protocol,
            len,
        } => super::ppp::ppp_hdlc(s, *address, *control, *protocol, *len, ctx),
        LinkLayer::Chdlc {
            address,
            protocol,
            len,
        } => super::ppp::chdlc(s, *address, *protocol, *len, ctx),
        LinkLayer::FrameRelay {
            dlci,
            flags,
            hdr_len,
            nlpid,
            len,
        } => super::ppp::frelay(s, (*dlci, *flags, *hdr_len), *nlpid, *len, ctx),
        LinkLayer::Slip { dir, chdr, len } => {
            super::ppp::slip(s, *dir, *chdr, *len, ctx.frame, ctx)
        }
        LinkLayer::Nflog {
            family,
            version,
            resource,
            len,
        } => super::ppp::nflog(s, *family, *version, *resource, *len, ctx),
        LinkLayer::Pflog(p) => super::ppp::pflog(s, p, ctx),
        LinkLayer::Ipoib { ethertype, len } => super::ppp::ipoib(s, *ethertype, *len, ctx),
        LinkLayer::Radiotap(fields) => super::wifi::radiotap(s, fields),
        LinkLayer::Dot11(d) => super::wifi::dot11(s, d, ctx),
        LinkLayer::Llc(l) => super::wifi::llc(s, l, ctx),
        LinkLayer::Pppoe {
            session,
            len,
            wire,
            ppp_protocol,
        } => {
            s.push_str("PPPoE ");
            if u32::from(*len) > *wire {
                let _ = write!(s, " [len {len} > {wire}!]");
            }
            if *session != 0 {
                let _ = write!(s, " [ses {session:#x}]");
            }
            s.push(' ');
            // print-ppp.c's ppp_print with -e: the protocol and the PPP length.
            if e {
                let _ = write!(
                    s,
                    "{} (0x{ppp_protocol:04x}), length {}: ",
                    super::ppp::ppp_name(*ppp_protocol).unwrap_or("unknown"),
                    u32::from(*len).min(*wire)
                );
            }
        }
    }
}

/// print-ether.c's `ether_type_print`: `ethertype NAME (0xNNNN)`, or with -q the name.
fn ether_type(s: &mut String, t: u16, quick: bool) {
    match (quick, ethertype_name(t)) {
        (true, "Unknown") => {
            let _ = write!(s, "Unknown Ethertype (0x{t:04x})");
        }
        (true, name) => s.push_str(name),
        (false, name) => {
            let _ = write!(s, "ethertype {name} (0x{t:04x})");
        }
    }
}

/// `ieee8021q_tci_string` and the comma after it.
fn vlan_tag(s: &mut String, tci: u16) {
    let _ = write!(s, "vlan {}, p {}", tci & 0xfff, tci >> 13);
    if tci & 0x1000 != 0 {
        s.push_str(", DEI");
    }
    s.push_str(", ");
}

/// print-sll.c's protocol: an EtherType, or what Linux puts there for 802.3 and 802.2.
fn sll_protocol(s: &mut String, protocol: u16) {
    match protocol {
        1 => s.push_str("802.3"),
        4 => s.push_str("802.2"),
        p if p <= MAX_ETHERNET_LENGTH => {
            let _ = write!(s, "ethertype Unknown (0x{p:04x})");
        }
        p => {
            let _ = write!(s, "ethertype {} (0x{p:04x})", ethertype_name(p));
        }
    }
}

/// A protocol without a printer, or a problem, at this point of the line; `ether` is
/// the frame's Ethernet source and destination, if it has them.
pub(super) fn other(
    s: &mut String,
    other: &OtherLayer,
    ether: Option<([u8; 6], [u8; 6])>,
    ctx: &Ctx<'_>,
) {
    match other {
        // ip_print and ip6_print say "IP "/"IP6 " only when -e has not named the type.
        OtherLayer::Problem(text) => match text.strip_prefix("IP ") {
            Some(rest) if ctx.opts.link_header => s.push_str(rest),
            _ => s.push_str(text),
        },
        OtherLayer::IpProto { proto, len, data } => {
            // At -v tcpdump's printers say more; eavesdrop's say `ip-proto-N`.
            if ctx.opts.verbose == 0
                && super::apps::ip_proto(s, *proto, Bytes(ctx.bytes(data)), *len)
            {
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
            if super::l2::ether_payload(
                s,
                *ethertype,
                Bytes(ctx.bytes(data)),
                wire,
                ether.is_some(),
            ) {
                return;
            }
            // With -e the link header said all this already.
            if ctx.opts.link_header {
                return;
            }
            if let Some((src, dst)) = ether {
                let _ = write!(s, "{} > {}, ", mac(&src), mac(&dst));
            }
            ether_type(s, *ethertype, ctx.opts.quick);
            let _ = write!(s, ", length {len}: ");
        }
        OtherLayer::NullFamily { family, len } => {
            if ctx.opts.link_header {
                return;
            }
            let _ = write!(s, "AF {} ({family}), length {len}: ", bsd_af_name(*family));
        }
        OtherLayer::LinkType { link, len } => {
            let _ = write!(s, "[link type {link} not decoded], length {len}");
        }
    }
}

pub(super) fn arp(s: &mut String, a: &ArpLayer, ctx: &Ctx<'_>) {
    // arp_print: "ARP, " unless -e named the EtherType; the hardware and protocol
    // types and lengths at -v.
    if !ctx.opts.link_header {
        s.push_str("ARP, ");
    }
    if ctx.opts.verbose > 0 && a.sender_hw.is_some() {
        s.push_str("Ethernet (len 6), IPv4 (len 4), ");
    }
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

/// The first six bytes of a cooked header's eight-byte address field.
fn mac8(m: &[u8; 8]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
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

/// tcpdump's `ethertype_values` (as Debian's tcpdump 4.99 names them).
pub(super) fn ethertype_name(t: u16) -> &'static str {
    match t {
        0x0600 => "NS",
        0x0707 => "GeoNet (old)",
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x1000 => "Trail",
        0x1111 => "CALM FAST",
        0x6001 => "MOP DL",
        0x6002 => "MOP RC",
        0x6003 => "DN",
        0x6004 => "LAT",
        0x6007 => "SCA",
        0x6558 => "TEB",
        0x8035 => "Reverse ARP",
        0x8038 => "Lanbridge",
        0x803c => "DEC DNS",
        0x803e => "DEC DTS",
        0x805b => "VEXP",
        0x805c => "VPROD",
        0x809b => "Appletalk",
        0x80f3 => "Appletalk ARP",
        0x8100 => "802.1Q",
        0x8137 => "IPX",
        0x86dd => "IPv6",
        0x8808 => "MPCP",
        0x8809 => "Slow Protocols",
        0x880b => "PPP",
        0x8847 => "MPLS unicast",
        0x8848 => "MPLS multicast",
        0x8863 => "PPPoE D",
        0x8864 => "PPPoE S",
        0x886f => "MS NLB heartbeat",
        0x888e => "EAPOL",
        0x8899 => "Realtek protocols",
        0x88a2 => "AoE",
        0x88a8 => "802.1Q-QinQ",
        0x88ca => "TIPC",
        0x88cc => "LLDP",
        0x88e5 => "802.1AE MACsec",
        0x88f7 => "PTP",
        0x8902 => "CFM",
        0x893a => "IEEE1905.1",
        0x8947 => "GeoNet",
        0x894f => "NSH",
        0x9000 => "Loopback",
        0x9100 => "802.1Q-9100",
        0x9200 => "802.1Q-9200",
        0xabcd => "CFM (old)",
        0xd28b => "Arista Vendor Specific Protocol",
        0xfefe => "OSI",
        _ => "Unknown",
    }
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

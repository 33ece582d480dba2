//! Link layers: Ethernet II with 802.1Q/802.1ad tags, BSD loopback (NULL, LOOP),
//! Linux cooked capture v1 and v2, and raw IP link types.

use super::{ip, linktypes, to_u32, wifi, Layer, OtherLayer, Walk};
use crate::capture::LinkType;
use crate::codec::{be16, be32};
use crate::fields;
use crate::note::{NoteGroup, Severity};
use etherparse::Ethernet2HeaderSlice;
use std::ops::Range;

crate::fields! {
    proto = "link";
    // Ethernet II, IEEE 802.3 / 802.1Q.
    ETH_DST = "eth.dst", Header, Metadata, Some(Address), "destination MAC address (IEEE 802.3 clause 3.2.3)";
    ETH_SRC = "eth.src", Header, Metadata, Some(Address), "source MAC address (IEEE 802.3 clause 3.2.3)";
    ETH_TYPE = "eth.type", Header, Metadata, None, "EtherType or 802.3 length";
    VLAN_TCI = "vlan.tci", Header, Metadata, None, "802.1Q tag control information (priority, DEI, VLAN id)";
    VLAN_TYPE = "vlan.etype", Header, Metadata, None, "EtherType after an 802.1Q/802.1ad tag";
    // MPLS (RFC 3032) and PPPoE (RFC 2516).
    MPLS_LABEL = "mpls.label", Header, Metadata, None, "MPLS label stack entry (label, traffic class, bottom of stack, TTL)";
    PPPOE_HEADER = "pppoes.header", Header, Metadata, None, "PPPoE version, type, code, session id and length";
    PPP_PROTOCOL = "ppp.protocol", Header, Metadata, None, "PPP protocol number";
    PPP_ADDRESS = "ppp.address", Header, Metadata, None, "PPP address, 0xff (RFC 1662 section 3.1)";
    PPP_CONTROL = "ppp.control", Header, Metadata, None, "PPP control, 0x03 (RFC 1662 section 3.1)";
    // BSD loopback (LINKTYPE_NULL, LINKTYPE_LOOP).
    NULL_FAMILY = "null.family", Header, Metadata, None, "address family of a BSD loopback frame";
    // Linux cooked capture v1 and v2.
    SLL_PKTTYPE = "sll.pkttype", Header, Metadata, None, "packet direction (in, out, broadcast…)";
    SLL_HATYPE = "sll.hatype", Header, Metadata, None, "ARPHRD link-layer address type";
    SLL_HALEN = "sll.halen", Header, Metadata, None, "link-layer address length";
    SLL_ADDR = "sll.src.eth", Header, Metadata, Some(Address), "link-layer source address";
    SLL_PROTOCOL = "sll.etype", Header, Metadata, None, "protocol type (EtherType)";
    SLL_IFINDEX = "sll.ifindex", Header, Metadata, None, "capturing interface index (SLL2)";
    SLL_RESERVED = "sll.reserved", Header, Metadata, None, "reserved (SLL2)";
}

/// Ethernet II, IEEE 802.3 clause 3.2.
mod eth {
    use std::ops::Range;
    pub const DST: Range<usize> = 0..6;
    pub const SRC: Range<usize> = 6..12;
    pub const TYPE: Range<usize> = 12..14;
    pub const LEN: usize = TYPE.end;
}

/// 802.1Q tag after the outer EtherType.
mod vlan {
    use std::ops::Range;
    pub const TCI: Range<usize> = 0..2;
    pub const TYPE: Range<usize> = 2..4;
    pub const LEN: usize = TYPE.end;
}

/// Linux cooked capture v1 (LINKTYPE_LINUX_SLL).
mod sll {
    use std::ops::Range;
    pub const PKTTYPE: Range<usize> = 0..2;
    pub const HATYPE: Range<usize> = 2..4;
    pub const HALEN: Range<usize> = 4..6;
    pub const ADDR: Range<usize> = 6..14;
    pub const PROTOCOL: Range<usize> = 14..16;
    pub const LEN: usize = PROTOCOL.end;
}

/// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2).
mod sll2 {
    use std::ops::Range;
    pub const PROTOCOL: Range<usize> = 0..2;
    pub const RESERVED: Range<usize> = 2..4;
    pub const IFINDEX: Range<usize> = 4..8;
    pub const HATYPE: Range<usize> = 8..10;
    pub const PKTTYPE: Range<usize> = 10..11;
    pub const HALEN: Range<usize> = 11..12;
    pub const ADDR: Range<usize> = 12..20;
    pub const LEN: usize = ADDR.end;
}

const NULL_HDRLEN: usize = 4;

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_ARP: u16 = 0x0806;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const ETHERTYPE_MPLS: u16 = 0x8847;
pub const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
/// PPP protocol numbers (RFC 1661) for IP inside PPPoE.
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;
const PPPOE_HDRLEN: usize = 6;
/// MPLS labels followed before giving up (a hostile stack never sets bottom-of-stack).
const MAX_MPLS_LABELS: usize = 16;

/// Whether `ethertype` tags a VLAN: 802.1Q (0x8100), 802.1ad (0x88a8), the older
/// stacked 0x9100 and 0x9200. Compared in place (a table's `contains` was a call on
/// every frame).
fn is_vlan(ethertype: u16) -> bool {
    matches!(ethertype, 0x8100 | 0x88a8 | 0x9100 | 0x9200)
}

/// Values up to this are 802.3 lengths, not EtherTypes.
const MAX_ETHERNET_LENGTH: u16 = 1500;

/// What the link layer said, for the packet line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkLayer {
    Ethernet {
        src: [u8; 6],
        dst: [u8; 6],
        ethertype: u16,
        /// The frame's length on the wire (a tunnel's inner frame: its own length).
        len: u32,
    },
    Vlan {
        tci: u16,
        ethertype: u16,
    },
    Null {
        family: u32,
    },
    Sll {
        pkttype: u16,
        protocol: u16,
        /// Link-layer address length and the address field (its first `halen` bytes).
        halen: u16,
        addr: [u8; 8],
    },
    Sll2 {
        ifindex: u32,
        pkttype: u8,
        protocol: u16,
        halen: u8,
        addr: [u8; 8],
    },
    /// 802.1Q inside a cooked capture: tcpdump prints `ethertype NAME, `.
    SllVlan {
        tci: u16,
        ethertype: u16,
    },
    /// An MPLS label stack (RFC 3032), outermost first.
    Mpls {
        labels: Vec<u32>,
    },
    /// A PPP frame (LINKTYPE_PPP, or inside a tunnel: L2TP, PPTP, GRE): its protocol
    /// number and its length on the wire.
    Ppp {
        protocol: u16,
        len: u32,
    },
    /// LINKTYPE_PPP_HDLC: address, control and (when the address is PPP's) protocol.
    PppHdlc {
        address: u8,
        control: u8,
        protocol: Option<u16>,
        len: u32,
    },
    /// Cisco HDLC: address (unicast or broadcast) and EtherType.
    Chdlc {
        address: u8,
        protocol: u16,
        len: u32,
    },
    /// Frame Relay: the Q.922 address's DLCI and flag bits, and the NLPID.
    FrameRelay {
        dlci: u32,
        flags: u32,
        hdr_len: u8,
        nlpid: Option<u8>,
        len: u32,
    },
    /// BSD SLIP's pseudo-header: direction and the compressed header's first byte.
    Slip {
        dir: u8,
        chdr: u8,
        len: u32,
    },
    /// Linux NFLOG's header.
    Nflog {
        family: u8,
        version: u8,
        resource: u16,
        len: u32,
    },
    /// OpenBSD pflog's header.
    Pflog(Box<super::linktypes::Pflog>),
    /// IP over InfiniBand: the type in RFC 4391's header.
    Ipoib {
        ethertype: u16,
        len: u32,
    },
    /// The radiotap fields tcpdump prints.
    Radiotap(Vec<super::wifi::RadiotapField>),
    /// An 802.11 MAC header (and a management frame's elements).
    Dot11(Box<super::wifi::Dot11Layer>),
    /// LLC/SNAP before an EtherType (802.11 data frames).
    Llc(super::wifi::LlcSnap),
    /// A PPPoE session header (RFC 2516) and the PPP protocol after it.
    Pppoe {
        session: u16,
        len: u16,
        wire: u32,
        ppp_protocol: u16,
    },
}

pub(crate) fn decode(walk: &mut Walk<'_>, link: LinkType) {
    match link {
        LinkType::ETHERNET => ethernet(walk),
        LinkType::NULL | LinkType::LOOP => null(walk),
        LinkType::LINUX_SLL => cooked_v1(walk),
        LinkType::LINUX_SLL2 => cooked_v2(walk),
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 => raw(walk, 0),
        LinkType::IPV4 => ip::ipv4(walk, 0, walk.orig_len),
        LinkType::IPV6 => ip::ipv6(walk, 0, walk.orig_len),
        LinkType::PPP => linktypes::ppp(walk),
        LinkType::PPP_HDLC => linktypes::ppp_hdlc(walk),
        LinkType::C_HDLC => linktypes::chdlc(walk),
        LinkType::FRELAY => linktypes::frelay(walk),
        LinkType::SLIP => linktypes::slip(walk),
        LinkType::NFLOG => linktypes::nflog(walk),
        LinkType::PFLOG => linktypes::pflog(walk),
        LinkType::IPOIB => linktypes::ipoib(walk),
        LinkType::IEEE802_11 => wifi::ieee802_11(walk),
        LinkType::IEEE802_11_RADIOTAP => wifi::radiotap(walk),
        other => {
            let cap = walk.data.len();
            walk.span(0, 0..cap, fields::FRAME_UNKNOWN_LINK);
            walk.layer(Layer::Other(OtherLayer::LinkType {
                link: other,
                len: walk.orig_len,
            }));
        }
    }
}

/// Where the outermost IP header starts, found by the walk [`decode`] takes through the
/// link layers (without labelling anything): `-j N` shards frames by the addresses
/// there. `None` where the walk finds no IP header.
pub(crate) fn outer_ip(data: &[u8], link: LinkType) -> Option<usize> {
    let (at, ethertype) = match link {
        LinkType::ETHERNET => (eth::LEN, be16(data, eth::TYPE.start)?),
        LinkType::LINUX_SLL => (sll::LEN, be16(data, sll::PROTOCOL.start)?),
        LinkType::LINUX_SLL2 if data.len() >= sll2::LEN => {
            (sll2::LEN, be16(data, sll2::PROTOCOL.start)?)
        }
        LinkType::NULL | LinkType::LOOP => {
            let raw: [u8; 4] = data.get(..NULL_HDRLEN)?.try_into().ok()?;
            let mut family = u32::from_le_bytes(raw);
            if family & 0xffff_0000 != 0 {
                family = family.swap_bytes();
            }
            return matches!(family, 2 | 24 | 28 | 30).then_some(NULL_HDRLEN);
        }
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 | LinkType::IPV4 | LinkType::IPV6 => {
            return Some(0)
        }
        _ => return None,
    };
    let (mut at, mut ethertype) = (at, ethertype);
    let mut tags = 0;
    while is_vlan(ethertype) {
        tags += 1;
        if tags > 8 {
            return None;
        }
        ethertype = be16(data, at + vlan::TYPE.start)?;
        at += vlan::LEN;
    }
    match ethertype {
        ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => Some(at),
        ETHERTYPE_MPLS | ETHERTYPE_MPLS_MULTICAST => {
            let mut pos = at;
            for _ in 0..MAX_MPLS_LABELS {
                let entry = be32(data, pos)?;
                pos += 4;
                if entry & 0x100 != 0 {
                    return Some(pos);
                }
            }
            None
        }
        ETHERTYPE_PPPOE_SESSION => match be16(data, at + PPPOE_HDRLEN)? {
            PPP_IPV4 | PPP_IPV6 => Some(at + PPPOE_HDRLEN + 2),
            _ => None,
        },
        _ => None,
    }
}

/// Raw IP: the version nibble decides.
fn raw(walk: &mut Walk<'_>, at: usize) {
    let len = walk.orig_len.saturating_sub(to_u32(at));
    match walk.data.get(at).map(|b| b >> 4) {
        Some(4) => ip::ipv4(walk, at, len),
        Some(6) => ip::ipv6(walk, at, len),
        Some(v) => {
            walk.layer(Layer::Other(OtherLayer::Problem(format!("ip v{v}"))));
            let cap = walk.data.len();
            walk.note(
                Severity::Warn,
                NoteGroup::Malformed,
                format!("raw IP frame with IP version {v}"),
                at..cap,
            );
        }
        None => walk.truncated("ip", at, 1),
    }
}

fn ethernet(walk: &mut Walk<'_>) {
    let wire = walk.orig_len;
    ethernet_at(walk, 0, wire);
}

/// An Ethernet II frame at `at` of `wire` bytes on the wire: the link layer of a frame,
/// or what a tunnel carries (VXLAN, GRE's transparent bridging, ERSPAN, Geneve).
pub(crate) fn ethernet_at(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let header = match Ethernet2HeaderSlice::from_slice(walk.data.get(at..).unwrap_or(&[])) {
        Ok(h) => h,
        Err(_) => {
            // tcpdump prints nothing but the truncation marker for a frame shorter
            // than its Ethernet header.
            walk.truncated("ether", at, eth::LEN);
            return;
        }
    };
    let (src, dst) = (header.source(), header.destination());
    let ethertype = header.ether_type().0;
    const FIELDS: [(std::ops::Range<usize>, crate::fields::FieldId); 3] = [
        (eth::DST, ETH_DST),
        (eth::SRC, ETH_SRC),
        (eth::TYPE, ETH_TYPE),
    ];
    static TABLE: super::FixedTable = super::FixedTable::new(&FIELDS);
    walk.fixed_spans(at, eth::LEN, &TABLE);
    walk.layer(Layer::Link(LinkLayer::Ethernet {
        src,
        dst,
        ethertype,
        len: wire,
    }));
    let payload = wire.saturating_sub(to_u32(eth::LEN));
    ethertype_payload(walk, at + eth::LEN, ethertype, payload, false, wire);
}

/// Follows 802.1Q tags, then hands the payload to the network layer. `frame_len` is
/// the frame's length on the wire (what tcpdump prints for an EtherType it does not
/// decode).
fn ethertype_payload(
    walk: &mut Walk<'_>,
    mut at: usize,
    mut ethertype: u16,
    mut wire: u32,
    cooked: bool,
    frame_len: u32,
) {
    let mut tags = 0;
    while is_vlan(ethertype) {
        tags += 1;
        let (Some(tci), Some(inner)) =
            (be16(walk.data, at), be16(walk.data, at + vlan::TYPE.start))
        else {
            walk.truncated("vlan", at, vlan::LEN);
            return;
        };
        if tags > 8 {
            walk.note(
                Severity::Warn,
                NoteGroup::Malformed,
                "more than 8 stacked VLAN tags; decoding stopped".into(),
                at..walk.data.len(),
            );
            return;
        }
        walk.span(at, vlan::TCI, VLAN_TCI);
        walk.span(at, vlan::TYPE, VLAN_TYPE);
        walk.layer(Layer::Link(if cooked {
            LinkLayer::SllVlan {
                tci,
                ethertype: inner,
            }
        } else {
            LinkLayer::Vlan {
                tci,
                ethertype: inner,
            }
        }));
        ethertype = inner;
        at += vlan::LEN;
        wire = wire.saturating_sub(to_u32(vlan::LEN));
    }
    network(walk, at, ethertype, wire, frame_len);
}

/// What an EtherType at `at` carries, `wire` bytes on the wire (LLC/SNAP, Cisco HDLC).
pub(crate) fn network_payload(walk: &mut Walk<'_>, at: usize, ethertype: u16, wire: u32) {
    let frame_len = walk.orig_len;
    network(walk, at, ethertype, wire, frame_len);
}

fn network(walk: &mut Walk<'_>, at: usize, ethertype: u16, wire: u32, frame_len: u32) {
    walk.out.net_offset = to_u32(at);
    match ethertype {
        ETHERTYPE_IPV4 => ip::ipv4(walk, at, wire),
        ETHERTYPE_IPV6 => ip::ipv6(walk, at, wire),
        ETHERTYPE_ARP => super::icmp::arp(walk, at, wire),
        ETHERTYPE_MPLS | ETHERTYPE_MPLS_MULTICAST => mpls(walk, at, wire),
        ETHERTYPE_PPPOE_SESSION => pppoe_session(walk, at, wire),
        other => {
            let cap = walk.data.len();
            if other <= MAX_ETHERNET_LENGTH {
                // tcpdump's `-X` starts after the 802.2 LLC header (and SNAP's).
                walk.out.net_offset =
                    to_u32(at + llc_header_len(walk.data.get(at..).unwrap_or(&[])));
            }
            let kind = if other <= MAX_ETHERNET_LENGTH {
                "802.3 LLC frame"
            } else {
                "EtherType"
            };
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("{kind} {other:#06x} is not decoded"),
                at..cap,
            );
            walk.layer(Layer::Other(OtherLayer::EtherType {
                ethertype: other,
                len: frame_len,
                data: to_u32(at.min(cap))..to_u32(cap),
            }));
        }
    }
}

/// The length of an 802.2 LLC header as print-llc.c counts it: 3 bytes for an
/// unnumbered frame, 4 for the others, 8 with a SNAP header; 0 if it was not captured.
fn llc_header_len(llc: &[u8]) -> usize {
    match llc {
        [0xaa, 0xaa, 0x03, _, _, _, _, _, ..] => 8,
        [_, _, control, ..] if control & 0x03 == 0x03 => 3,
        [_, _, _, _, ..] => 4,
        _ => 0,
    }
}

/// An MPLS label stack, then IPv4 or IPv6 guessed like tcpdump does (from the
/// reserved null labels, else the first nibble).
pub(crate) fn mpls(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let mut labels = Vec::new();
    let mut pos = at;
    loop {
        let Some(entry) = be32(walk.data, pos) else {
            walk.layer(Layer::Link(LinkLayer::Mpls { labels }));
            walk.truncated("mpls", pos, 4);
            return;
        };
        walk.span(pos, 0..4, MPLS_LABEL);
        labels.push(entry);
        pos += 4;
        if entry & 0x100 != 0 {
            break;
        }
        if labels.len() >= MAX_MPLS_LABELS {
            walk.note(
                Severity::Warn,
                NoteGroup::Malformed,
                format!("MPLS label stack without bottom-of-stack after {MAX_MPLS_LABELS} labels"),
                pos..walk.data.len(),
            );
            walk.layer(Layer::Link(LinkLayer::Mpls { labels }));
            return;
        }
    }
    let last = labels.last().map_or(0, |e| e >> 12);
    walk.layer(Layer::Link(LinkLayer::Mpls { labels }));
    let wire = wire.saturating_sub(to_u32(pos - at));
    let first = walk.data.get(pos).copied();
    match (last, first) {
        (0 | 3, _) | (_, Some(0x45..=0x4f)) => ip::ipv4(walk, pos, wire),
        (2, _) | (_, Some(0x60..=0x6f)) => ip::ipv6(walk, pos, wire),
        _ => {
            let cap = walk.data.len();
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                "MPLS payload is not IP".into(),
                pos..cap,
            );
        }
    }
}

/// A PPPoE session packet carrying PPP (RFC 2516 section 4, RFC 1661 section 2).
fn pppoe_session(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let (Some(session), Some(len), Some(protocol)) = (
        be16(walk.data, at + 2),
        be16(walk.data, at + 4),
        be16(walk.data, at + PPPOE_HDRLEN),
    ) else {
        walk.truncated("pppoe", at, PPPOE_HDRLEN + 2);
        return;
    };
    walk.span(at, 0..PPPOE_HDRLEN, PPPOE_HEADER);
    walk.span(at, PPPOE_HDRLEN..PPPOE_HDRLEN + 2, PPP_PROTOCOL);
    let payload_wire = wire.saturating_sub(to_u32(PPPOE_HDRLEN));
    walk.layer(Layer::Link(LinkLayer::Pppoe {
        session,
        len,
        wire: payload_wire,
        ppp_protocol: protocol,
    }));
    // The PPPoE length bounds what follows (tcpdump trims to it).
    let inner = u32::from(len).min(payload_wire).saturating_sub(2);
    let ip_at = at + PPPOE_HDRLEN + 2;
    match protocol {
        PPP_IPV4 => ip::ipv4(walk, ip_at, inner),
        PPP_IPV6 => ip::ipv6(walk, ip_at, inner),
        other => {
            let cap = walk.data.len();
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("PPP protocol {other:#06x} is not decoded"),
                ip_at..cap,
            );
        }
    }
}

/// A PPP frame at `at` (RFC 1661 section 2) as tunnels carry it: optional address
/// and control bytes (0xff 0x03, RFC 1662), a protocol number of one byte when
/// compressed (odd) or two, then IPv4 or IPv6.
pub(crate) fn ppp(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let mut pos = at;
    // 0xff is no protocol number: it starts the address and control bytes.
    if walk.data.get(at) == Some(&0xff) {
        if walk.data.get(at + 1).is_none() {
            walk.truncated("ppp", at, 4);
            return;
        }
        walk.span(at, 0..1, PPP_ADDRESS);
        walk.span(at, 1..2, PPP_CONTROL);
        pos += 2;
    }
    let (protocol, plen) = match walk.data.get(pos).copied() {
        Some(b) if b & 1 == 1 => (u16::from(b), 1),
        Some(_) => match be16(walk.data, pos) {
            Some(p) => (p, 2),
            None => {
                walk.truncated("ppp", pos, 2);
                return;
            }
        },
        None => {
            walk.truncated("ppp", pos, 2);
            return;
        }
    };
    walk.span(pos, 0..plen, PPP_PROTOCOL);
    walk.layer(Layer::Link(LinkLayer::Ppp {
        protocol,
        len: wire,
    }));
    pos += plen;
    let inner = wire.saturating_sub(to_u32(pos - at));
    match protocol {
        PPP_IPV4 => ip::ipv4(walk, pos, inner),
        PPP_IPV6 => ip::ipv6(walk, pos, inner),
        other => {
            let end = pos.saturating_add(inner as usize).min(walk.data.len());
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("PPP protocol {other:#06x} is not decoded"),
                pos..end,
            );
        }
    }
}

fn null(walk: &mut Walk<'_>) {
    let Some(raw) = walk
        .data
        .get(..NULL_HDRLEN)
        .and_then(|r| <[u8; 4]>::try_from(r).ok())
    else {
        walk.truncated("null", 0, NULL_HDRLEN);
        return;
    };
    // Host byte order of the capturing machine (NULL) or network order (LOOP): like
    // tcpdump, read little-endian and swap when the upper half is not zero.
    let mut family = u32::from_le_bytes(raw);
    if family & 0xffff_0000 != 0 {
        family = family.swap_bytes();
    }
    walk.span(0, 0..NULL_HDRLEN, NULL_FAMILY);
    walk.layer(Layer::Link(LinkLayer::Null { family }));
    walk.out.net_offset = to_u32(NULL_HDRLEN);
    let wire = walk.orig_len.saturating_sub(to_u32(NULL_HDRLEN));
    match family {
        2 => ip::ipv4(walk, NULL_HDRLEN, wire),
        24 | 28 | 30 => ip::ipv6(walk, NULL_HDRLEN, wire),
        other => {
            let cap = walk.data.len();
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("loopback address family {other} is not decoded"),
                NULL_HDRLEN..cap,
            );
            walk.layer(Layer::Other(OtherLayer::NullFamily {
                family: other,
                len: walk.orig_len,
            }));
        }
    }
}

/// A cooked header's eight-byte address field at `at` (zeros where not captured).
fn address(data: &[u8], at: usize) -> [u8; 8] {
    let mut a = [0u8; 8];
    for (i, slot) in a.iter_mut().enumerate() {
        *slot = data.get(at + i).copied().unwrap_or(0);
    }
    a
}

fn cooked_v1(walk: &mut Walk<'_>) {
    let (Some(pkttype), Some(protocol)) =
        (be16(walk.data, 0), be16(walk.data, sll::PROTOCOL.start))
    else {
        walk.truncated("sll", 0, sll::LEN);
        return;
    };
    let fields: [(Range<usize>, fields::FieldId); 5] = [
        (sll::PKTTYPE, SLL_PKTTYPE),
        (sll::HATYPE, SLL_HATYPE),
        (sll::HALEN, SLL_HALEN),
        (sll::ADDR, SLL_ADDR),
        (sll::PROTOCOL, SLL_PROTOCOL),
    ];
    for (range, field) in fields {
        walk.span(0, range, field);
    }
    walk.layer(Layer::Link(LinkLayer::Sll {
        pkttype,
        protocol,
        halen: be16(walk.data, sll::HALEN.start).unwrap_or(0),
        addr: address(walk.data, sll::ADDR.start),
    }));
    let wire = walk.orig_len.saturating_sub(to_u32(sll::LEN));
    walk.out.net_offset = to_u32(sll::LEN);
    let frame_len = walk.orig_len;
    ethertype_payload(walk, sll::LEN, protocol, wire, true, frame_len);
}

fn cooked_v2(walk: &mut Walk<'_>) {
    let (Some(protocol), Some(ifindex), Some(&pkttype)) = (
        be16(walk.data, sll2::PROTOCOL.start),
        be32(walk.data, sll2::IFINDEX.start),
        walk.data
            .get(sll2::PKTTYPE.start)
            .filter(|_| walk.data.len() >= sll2::LEN),
    ) else {
        walk.truncated("sll2", 0, sll2::LEN);
        return;
    };
    let fields: [(Range<usize>, fields::FieldId); 7] = [
        (sll2::PROTOCOL, SLL_PROTOCOL),
        (sll2::RESERVED, SLL_RESERVED),
        (sll2::IFINDEX, SLL_IFINDEX),
        (sll2::HATYPE, SLL_HATYPE),
        (sll2::PKTTYPE, SLL_PKTTYPE),
        (sll2::HALEN, SLL_HALEN),
        (sll2::ADDR, SLL_ADDR),
    ];
    for (range, field) in fields {
        walk.span(0, range, field);
    }
    walk.layer(Layer::Link(LinkLayer::Sll2 {
        ifindex,
        pkttype,
        protocol,
        halen: walk.data.get(sll2::HALEN.start).copied().unwrap_or(0),
        addr: address(walk.data, sll2::ADDR.start),
    }));
    let wire = walk.orig_len.saturating_sub(to_u32(sll2::LEN));
    walk.out.net_offset = to_u32(sll2::LEN);
    let frame_len = walk.orig_len;
    ethertype_payload(walk, sll2::LEN, protocol, wire, true, frame_len);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Frame;
    use crate::decode::{decode, Decoded};
    use crate::span::{ByteMap, Label};

    fn run(link: LinkType, data: &[u8]) -> Decoded {
        let frame = Frame {
            number: 1,
            ts: Default::default(),
            link,
            interface: 0,
            orig_len: data.len() as u32,
            data: data.to_vec(),
            cut_by_eof: false,
        };
        let mut d = Decoded::default();
        decode(&frame, &mut d);
        d
    }

    #[test]
    fn ethernet_cut_at_13_is_truncated_ether() {
        let d = run(LinkType::ETHERNET, &[0u8; 13]);
        assert_eq!(d.truncated, Some("ether"));
        let map = ByteMap::build(13, &d.spans);
        assert_eq!(map.count_in(0..13)[Label::Undecoded.index()], 13);
    }

    #[test]
    fn null_family_is_read_in_either_byte_order() {
        let le = run(LinkType::NULL, &[2, 0, 0, 0]);
        let be = run(LinkType::NULL, &[0, 0, 0, 2]);
        for d in [le, be] {
            assert_eq!(
                d.layers.first(),
                Some(&Layer::Link(LinkLayer::Null { family: 2 }))
            );
        }
    }

    #[test]
    fn stacked_vlan_tags_are_followed() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x06]);
        let d = run(LinkType::ETHERNET, &f);
        let vlans = d
            .layers
            .iter()
            .filter(|l| matches!(l, Layer::Link(LinkLayer::Vlan { .. })))
            .count();
        assert_eq!(vlans, 2);
        assert_eq!(d.net_offset, 22);
    }

    #[test]
    fn unknown_link_type_is_all_undecoded() {
        let d = run(LinkType(147), &[1, 2, 3]);
        let map = ByteMap::build(3, &d.spans);
        assert_eq!(map.count_in(0..3)[Label::Undecoded.index()], 3);
    }
}

//! Link types of serial lines, firewall logs and InfiniBand, each as far as tcpdump
//! decodes it: PPP (LINKTYPE_PPP, RFC 1661), PPP in HDLC-like framing
//! (LINKTYPE_PPP_HDLC, RFC 1662), Cisco HDLC (LINKTYPE_C_HDLC), Frame Relay
//! (LINKTYPE_FRELAY, RFC 2427 over Q.922), BSD SLIP (LINKTYPE_SLIP), Linux NFLOG
//! (LINKTYPE_NFLOG), OpenBSD pflog (LINKTYPE_PFLOG) and IP over InfiniBand
//! (LINKTYPE_IPOIB, RFC 4391). Each header is metadata; what it carries goes on to IP.

use super::link::{self, LinkLayer};
use super::{ip, to_u32, Layer, Walk};
use crate::codec::be16;
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "link";
    CHDLC_HEADER = "chdlc.header", Header, Metadata, None, "Cisco HDLC address, control and protocol (EtherType)";
    FR_ADDRESS = "fr.address", Header, Metadata, None, "Frame Relay Q.922 address: DLCI and congestion bits (ITU-T Q.922 section 3.3)";
    FR_CONTROL = "fr.control", Header, Metadata, None, "Frame Relay control and NLPID (RFC 2427 section 3)";
    SLIP_HEADER = "slip.header", Header, Metadata, None, "BSD SLIP pseudo-header: direction and the compressed TCP/IP header";
    NFLOG_HEADER = "nflog.header", Header, Metadata, None, "NFLOG address family, version and resource id";
    NFLOG_TLV = "nflog.tlv", Header, Metadata, None, "NFLOG attribute: packet metadata the firewall logged (hook, prefix, interface, marks…)";
    PFLOG_HEADER = "pflog.header", Header, Metadata, None, "pflog header: rule, action, reason, interface and direction";
    IPOIB_ADDR = "ipoib.addr", Header, Metadata, Some(Address), "IP-over-InfiniBand hardware address: queue pair and GID (RFC 4391 section 9.1.1)";
    IPOIB_HEADER = "ipoib.header", Header, Metadata, None, "IP-over-InfiniBand encapsulation header: type and reserved (RFC 4391 section 6)";
}

const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// LINKTYPE_PPP: PPP frames, with or without the HDLC address and control bytes.
pub(crate) fn ppp(walk: &mut Walk<'_>) {
    // The network header follows the address and control bytes (when present) and a
    // protocol number of one byte (compressed, odd) or two.
    let acf = if walk.data.first() == Some(&0xff) {
        2
    } else {
        0
    };
    let pfc = if walk.data.get(acf).is_some_and(|b| b & 1 == 1) {
        1
    } else {
        2
    };
    walk.out.net_offset = to_u32((acf + pfc).min(walk.data.len()));
    link::ppp(walk, 0, walk.orig_len);
}

/// LINKTYPE_PPP_HDLC: PPP in HDLC-like framing (or Cisco HDLC on the same link):
/// tcpdump's `ppp_hdlc_if_print`.
pub(crate) fn ppp_hdlc(walk: &mut Walk<'_>) {
    let len = walk.orig_len;
    let (Some(&address), Some(&control)) = (walk.data.first(), walk.data.get(1)) else {
        walk.truncated("ppp", 0, 4);
        return;
    };
    match address {
        0x0f | 0x8f => chdlc(walk),
        0xff => {
            let Some(protocol) = be16(walk.data, 2) else {
                walk.truncated("ppp", 0, 4);
                return;
            };
            walk.span(0, 0..1, link::PPP_ADDRESS);
            walk.span(0, 1..2, link::PPP_CONTROL);
            walk.span(0, 2..4, link::PPP_PROTOCOL);
            walk.layer(Layer::Link(LinkLayer::PppHdlc {
                address,
                control,
                protocol: Some(protocol),
                len,
            }));
            walk.out.net_offset = 4;
            ppp_payload(walk, 4, protocol, len.saturating_sub(4));
        }
        _ => {
            walk.span(0, 0..2, link::PPP_ADDRESS);
            walk.layer(Layer::Link(LinkLayer::PppHdlc {
                address,
                control,
                protocol: None,
                len,
            }));
            undecoded(walk, 2, format!("HDLC address {address:#04x} is not PPP's"));
        }
    }
}

fn ppp_payload(walk: &mut Walk<'_>, at: usize, protocol: u16, wire: u32) {
    match protocol {
        PPP_IPV4 => ip::ipv4(walk, at, wire),
        PPP_IPV6 => ip::ipv6(walk, at, wire),
        other => undecoded(
            walk,
            at,
            format!("PPP protocol {other:#06x} is not decoded"),
        ),
    }
}

/// A note that the bytes from `at` on are not decoded.
fn undecoded(walk: &mut Walk<'_>, at: usize, text: String) {
    let cap = walk.data.len();
    walk.note(Severity::Note, NoteGroup::Undecoded, text, at.min(cap)..cap);
}

/// LINKTYPE_C_HDLC: Cisco HDLC, an address (unicast 0x0f, broadcast 0x8f), a control
/// byte and an EtherType.
pub(crate) fn chdlc(walk: &mut Walk<'_>) {
    let len = walk.orig_len;
    let (Some(&address), Some(protocol)) = (walk.data.first(), be16(walk.data, 2)) else {
        walk.truncated("chdlc", 0, 4);
        return;
    };
    walk.span(0, 0..4, CHDLC_HEADER);
    walk.layer(Layer::Link(LinkLayer::Chdlc {
        address,
        protocol,
        len,
    }));
    walk.out.net_offset = 4;
    let wire = len.saturating_sub(4);
    match protocol {
        link::ETHERTYPE_IPV4 => ip::ipv4(walk, 4, wire),
        link::ETHERTYPE_IPV6 => ip::ipv6(walk, 4, wire),
        other => undecoded(
            walk,
            4,
            format!("Cisco HDLC protocol {other:#06x} is not decoded"),
        ),
    }
}

/// LINKTYPE_FRELAY: a Q.922 address (two to four bytes, ending with the EA bit), then
/// RFC 2427's UI control byte, optional padding and an NLPID.
pub(crate) fn frelay(walk: &mut Walk<'_>) {
    let len = walk.orig_len;
    let data = walk.data;
    // The address ends at the first byte with the EA bit set.
    let Some(hdr_len) = data.iter().take(4).position(|b| b & 1 == 1).map(|i| i + 1) else {
        walk.truncated("fr", 0, 2);
        return;
    };
    if hdr_len == 1 {
        walk.layer(Layer::Other(super::OtherLayer::Problem(
            "Q.922, invalid address".into(),
        )));
        return;
    }
    let b = |i: usize| u32::from(data.get(i).copied().unwrap_or(0));
    let (dlci, flags) = match hdr_len {
        2 => (
            (b(0) & 0xfc) << 2 | (b(1) & 0xf0) >> 4,
            b(0) << 24 | b(1) << 16,
        ),
        3 => (
            (b(0) & 0xfc) << 9 | (b(1) & 0xf0) << 3 | (b(2) & 0xfe) >> 1,
            b(0) << 24 | b(1) << 16 | b(2) << 8,
        ),
        _ => (
            (b(0) & 0xfc) << 15 | (b(1) & 0xf0) << 11 | (b(2) & 0xfe) << 6 | (b(3) & 0xfe) >> 1,
            b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3),
        ),
    };
    // UI control, then an optional pad byte, then the NLPID.
    let mut at = hdr_len;
    if data.get(at) != Some(&0x03) {
        walk.span(0, 0..hdr_len, FR_ADDRESS);
        walk.layer(Layer::Link(LinkLayer::FrameRelay {
            dlci,
            flags,
            hdr_len: hdr_len as u8,
            nlpid: None,
            len,
        }));
        undecoded(
            walk,
            at,
            "Frame Relay frame without UI control is not decoded".into(),
        );
        return;
    }
    at += 1;
    if data.get(at) == Some(&0) {
        at += 1;
    }
    let Some(&nlpid) = data.get(at) else {
        walk.truncated("fr", 0, at + 1);
        return;
    };
    at += 1;
    walk.span(0, 0..hdr_len, FR_ADDRESS);
    walk.span(hdr_len, 0..at - hdr_len, FR_CONTROL);
    walk.layer(Layer::Link(LinkLayer::FrameRelay {
        dlci,
        flags,
        hdr_len: hdr_len as u8,
        nlpid: Some(nlpid),
        len,
    }));
    walk.out.net_offset = to_u32(at);
    let wire = len.saturating_sub(to_u32(at));
    match nlpid {
        0xcc => ip::ipv4(walk, at, wire),
        0x8e => ip::ipv6(walk, at, wire),
        other => undecoded(
            walk,
            at,
            format!("Frame Relay NLPID {other:#04x} is not decoded"),
        ),
    }
}

/// BSD SLIP's pseudo-header (SLIP_HDRLEN): direction, then the compressed header.
const SLIP_HDRLEN: usize = 16;

/// LINKTYPE_SLIP: the 16-byte pseudo-header, then an IPv4 datagram.
pub(crate) fn slip(walk: &mut Walk<'_>) {
    let len = walk.orig_len;
    let (Some(&dir), Some(&chdr)) = (walk.data.first(), walk.data.get(1)) else {
        walk.truncated("slip", 0, SLIP_HDRLEN);
        return;
    };
    if walk.data.len() < SLIP_HDRLEN {
        walk.truncated("slip", 0, SLIP_HDRLEN);
        return;
    }
    walk.span(0, 0..SLIP_HDRLEN, SLIP_HEADER);
    walk.layer(Layer::Link(LinkLayer::Slip { dir, chdr, len }));
    walk.out.net_offset = to_u32(SLIP_HDRLEN);
    let wire = len.saturating_sub(to_u32(SLIP_HDRLEN));
    // tcpdump's ip_print goes by the version nibble.
    match walk.data.get(SLIP_HDRLEN).map(|b| b >> 4) {
        Some(6) => ip::ipv6(walk, SLIP_HDRLEN, wire),
        _ => ip::ipv4(walk, SLIP_HDRLEN, wire),
    }
}

/// NFLOG's attribute holding the packet (NFULA_PAYLOAD).
const NFULA_PAYLOAD: u16 = 9;

/// LINKTYPE_NFLOG: a four-byte header, then type-length-value attributes in host
/// byte order, each padded to four bytes; the packet is the payload attribute.
pub(crate) fn nflog(walk: &mut Walk<'_>) {
    let len = walk.orig_len;
    let data = walk.data;
    let (Some(&family), Some(&version), Some(resource)) =
        (data.first(), data.get(1), be16(data, 2))
    else {
        walk.truncated("nflog", 0, 4);
        return;
    };
    walk.span(0, 0..4, NFLOG_HEADER);
    walk.layer(Layer::Link(LinkLayer::Nflog {
        family,
        version,
        resource,
        len,
    }));
    let mut at = 4;
    loop {
        let (Some(tlv_len), Some(tlv_type)) = (le16(data, at), le16(data, at + 2)) else {
            walk.truncated("nflog", at, 4);
            return;
        };
        let tlv_len = usize::from(tlv_len);
        if tlv_len < 4 {
            walk.layer(Layer::Other(super::OtherLayer::Problem(format!(
                "[invalid NFLOG attribute length {tlv_len}]"
            ))));
            undecoded(walk, at, "NFLOG attribute shorter than its header".into());
            return;
        }
        if tlv_type & 0x7fff == NFULA_PAYLOAD {
            walk.span(at, 0..4, NFLOG_TLV);
            let start = at + 4;
            walk.out.net_offset = to_u32(start);
            let wire = to_u32(tlv_len - 4);
            match family {
                2 => ip::ipv4(walk, start, wire),
                10 => ip::ipv6(walk, start, wire),
                other => undecoded(walk, start, format!("NFLOG family {other} is not decoded")),
            }
            return;
        }
        let padded = (tlv_len + 3) & !3;
        walk.span(at, 0..padded, NFLOG_TLV);
        at += padded;
        if at >= data.len() {
            // No payload attribute: a log entry without the packet.
            return;
        }
    }
}

fn le16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*data.get(at)?, *data.get(at + 1)?]))
}

/// The fields of OpenBSD's `struct pfloghdr` that tcpdump prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pflog {
    pub af: u8,
    pub action: u8,
    pub reason: u8,
    pub ifname: Vec<u8>,
    pub ruleset: Vec<u8>,
    pub rulenr: u32,
    pub subrulenr: u32,
    pub dir: u8,
}

/// `struct pfloghdr` up to its direction byte (PFLOG_REAL_HDRLEN).
const PFLOG_MIN: usize = 61;

/// LINKTYPE_PFLOG: the header (its length in its first byte, rounded up to four),
/// then the packet of address family `af`.
pub(crate) fn pflog(walk: &mut Walk<'_>) {
    let data = walk.data;
    let Some(&hlen) = data.first() else {
        walk.truncated("pflog", 0, PFLOG_MIN);
        return;
    };
    let hlen = (usize::from(hlen) + 3) & !3;
    if data.len() < PFLOG_MIN.max(hlen) {
        walk.truncated("pflog", 0, PFLOG_MIN.max(hlen));
        return;
    }
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    let name = |r: std::ops::Range<usize>| -> Vec<u8> {
        let s = data.get(r).unwrap_or(&[]);
        s.iter().take_while(|&&c| c != 0).copied().collect()
    };
    let be32 = |i: usize| u32::from_be_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]);
    let log = Pflog {
        af: b(1),
        action: b(2),
        reason: b(3),
        ifname: name(4..20),
        ruleset: name(20..36),
        rulenr: be32(36),
        subrulenr: be32(40),
        dir: b(60),
    };
    let af = log.af;
    walk.span(0, 0..hlen, PFLOG_HEADER);
    walk.layer(Layer::Link(LinkLayer::Pflog(Box::new(log))));
    walk.out.net_offset = to_u32(hlen);
    let wire = walk.orig_len.saturating_sub(to_u32(hlen));
    match af {
        2 => ip::ipv4(walk, hlen, wire),
        10 | 24 | 28 | 30 => ip::ipv6(walk, hlen, wire),
        other => undecoded(
            walk,
            hlen,
            format!("pflog address family {other} is not decoded"),
        ),
    }
}

/// The destination and source hardware addresses before RFC 4391's header.
const IPOIB_ADDRS: usize = 40;
const IPOIB_HDRLEN: usize = 44;

/// LINKTYPE_IPOIB: destination and source hardware addresses (20 bytes each), then
/// RFC 4391's type and reserved field.
pub(crate) fn ipoib(walk: &mut Walk<'_>) {
    let len = walk.orig_len;
    let Some(ethertype) = be16(walk.data, IPOIB_ADDRS).filter(|_| walk.data.len() >= IPOIB_HDRLEN)
    else {
        walk.truncated("ipoib", 0, IPOIB_HDRLEN);
        return;
    };
    walk.span(0, 0..20, IPOIB_ADDR);
    walk.span(0, 20..40, IPOIB_ADDR);
    walk.span(0, IPOIB_ADDRS..IPOIB_HDRLEN, IPOIB_HEADER);
    walk.layer(Layer::Link(LinkLayer::Ipoib { ethertype, len }));
    walk.out.net_offset = to_u32(IPOIB_HDRLEN);
    let wire = len.saturating_sub(to_u32(IPOIB_HDRLEN));
    match ethertype {
        link::ETHERTYPE_IPV4 => ip::ipv4(walk, IPOIB_HDRLEN, wire),
        link::ETHERTYPE_IPV6 => ip::ipv6(walk, IPOIB_HDRLEN, wire),
        link::ETHERTYPE_ARP => super::icmp::arp(walk, IPOIB_HDRLEN, wire),
        other => undecoded(
            walk,
            IPOIB_HDRLEN,
            format!("IPoIB type {other:#06x} is not decoded"),
        ),
    }
}

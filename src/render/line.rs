//! The packet line: what `tcpdump -nn` prints (Debian's tcpdump 4.99), byte for byte
//! for TCP and UDP over IPv4 and IPv6 through `length N`, followed by eavesdrop's
//! description of the payload.
//!
//! The formatting follows tcpdump's printers (print-ip.c, print-ip6.c, print-tcp.c,
//! print-udp.c) in the order they print, including their quirks (double spaces before
//! `[|tcp]`, `ip-proto-N`, absolute sequence numbers on the first packet of a
//! conversation). Relative sequence numbers reproduce tcpdump's table: one entry per
//! address/port pair in a canonical order, created or reset by a segment with ACK set
//! that is new or carries SYN.

use super::escape;
use super::time::Clock;
use crate::decode::ip::Ipv6ExtKind;
use crate::decode::link::LinkLayer;
use crate::decode::tcp::TcpFixed;
use crate::decode::{
    ArpLayer, Decoded, IcmpLayer, Ipv4Layer, Ipv6Layer, Layer, OtherLayer, TcpFlags, TcpLayer,
    UdpLayer,
};
use crate::proto::tls::record::ContentType;
use crate::proto::Desc;
use crate::span::{ByteMap, Label};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};

/// Entries kept per generation for relative sequence numbers. tcpdump never forgets;
/// here a full generation becomes the old one and the one before is dropped, so the
/// table holds the connections seen most recently (at most twice this many).
const SEQ_GENERATION: usize = 1 << 17;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SeqKey {
    src: IpAddr,
    dst: IpAddr,
    ports: u32,
}

#[derive(Clone, Copy, Debug)]
struct SeqEntry {
    seq: u32,
    ack: u32,
}

/// Options that change the line.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineOptions {
    /// `-#`: frame numbers.
    pub numbers: bool,
    /// `-S`: absolute sequence numbers.
    pub absolute_seq: bool,
    /// Append eavesdrop's description of the payload after tcpdump's part.
    pub describe: bool,
}

/// State carried from line to line.
pub struct LineWriter {
    opts: LineOptions,
    clock: Clock,
    seq: HashMap<SeqKey, SeqEntry, foldhash::fast::RandomState>,
    seq_old: HashMap<SeqKey, SeqEntry, foldhash::fast::RandomState>,
    ifnames: Option<HashMap<u32, String>>,
}

impl LineWriter {
    pub fn new(opts: LineOptions, clock: Clock) -> LineWriter {
        LineWriter {
            opts,
            clock,
            seq: HashMap::default(),
            seq_old: HashMap::default(),
            ifnames: None,
        }
    }

    /// Appends the packet line (without newline) for a frame.
    pub fn write(&mut self, out: &mut Vec<u8>, view: &crate::sink::FrameView<'_>) {
        let d = view.decoded;
        if self.opts.numbers {
            let n = view.frame.number;
            let s = format!("{n:5}  ");
            out.extend_from_slice(s.as_bytes());
        }
        if let Some(invalid) = &d.invalid_header {
            out.extend_from_slice(invalid.as_bytes());
            return;
        }
        self.clock.write(out, view.frame.ts);
        let mut s = String::with_capacity(160);
        self.layers(&mut s, d);
        if let Some(proto) = d.truncated {
            let _ = write!(s, " [|{proto}]");
        }
        let desc = if self.opts.describe {
            describe_payload(view.decoded, view.map, view.events)
        } else {
            None
        };
        if let Some(desc) = desc {
            s.push_str(": ");
            s.push_str(&escape(&desc));
        }
        out.extend_from_slice(s.as_bytes());
    }

    fn layers(&mut self, s: &mut String, d: &Decoded) {
        let layers = &d.layers;
        let mut ether: Option<([u8; 6], [u8; 6])> = None;
        for (i, layer) in layers.iter().enumerate() {
            let next = layers.get(i + 1);
            match layer {
                Layer::Link(link) => match link {
                    LinkLayer::Ethernet { src, dst, .. } => ether = Some((*src, *dst)),
                    LinkLayer::Sll2 {
                        ifindex, pkttype, ..
                    } => {
                        let name = self.ifname(*ifindex);
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
                    LinkLayer::Vlan { .. } | LinkLayer::Null { .. } | LinkLayer::Sll { .. } => {}
                },
                Layer::Ipv4(ip) => ipv4(s, ip, next),
                Layer::Ipv6(ip) => ipv6(s, ip, next),
                Layer::Ipv6Ext(ext) => match ext.kind {
                    Ipv6ExtKind::HopByHop => s.push_str("HBH "),
                    Ipv6ExtKind::DestOpts => s.push_str("DSTOPT "),
                    Ipv6ExtKind::Routing { ref header } => {
                        if !rt6(s, header) {
                            return;
                        }
                    }
                    Ipv6ExtKind::Fragment {
                        offset,
                        payload_len,
                    } => {
                        let _ = write!(s, "frag ({offset}|{payload_len})");
                        if offset == 0 {
                            s.push(' ');
                        }
                    }
                },
                Layer::Tcp(tcp) => self.tcp(s, tcp),
                Layer::Udp(udp) => udp_line(s, udp),
                Layer::Icmp(icmp) => icmp_line(s, icmp),
                Layer::Arp(arp) => arp_line(s, arp),
                Layer::Other(other) => match other {
                    OtherLayer::Problem(text) => s.push_str(text),
                    OtherLayer::IpProto { proto, len } => {
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
                    OtherLayer::EtherType { ethertype, len } => {
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
                },
            }
        }
    }

    fn ifname(&mut self, index: u32) -> String {
        let names = self.ifnames.get_or_insert_with(local_interface_names);
        names.get(&index).cloned().unwrap_or_else(|| "?".into())
    }

    fn tcp(&mut self, s: &mut String, t: &TcpLayer) {
        let Some((sport, dport)) = t.ports else {
            let _ = write!(s, "{} > {}:", addr(t.src), addr(t.dst));
            return;
        };
        if t.addr_prefix {
            let _ = write!(s, "{}.{sport} > {}.{dport}: ", addr(t.src), addr(t.dst));
        } else {
            let _ = write!(s, "{sport} > {dport}: ");
        }
        let Some(f) = &t.fixed else { return };
        let hlen = f.header_len;
        if hlen < 20 {
            let _ = write!(
                s,
                " tcp {} [bad hdr length {hlen} - too short, < 20]",
                t.length.wrapping_sub(hlen)
            );
            return;
        }
        let _ = write!(s, "Flags [{}]", f.flags);
        let (mut seq, mut ack) = (f.seq, f.ack);
        let (mut thseq, mut thack, mut rev) = (0u32, 0u32, false);
        if !self.opts.absolute_seq && f.flags.has(TcpFlags::ACK) {
            rev = sport > dport || (sport == dport && addr_bytes(t.src) > addr_bytes(t.dst));
            let key = if rev {
                SeqKey {
                    src: t.dst,
                    dst: t.src,
                    ports: u32::from(dport) << 16 | u32::from(sport),
                }
            } else {
                SeqKey {
                    src: t.src,
                    dst: t.dst,
                    ports: u32::from(sport) << 16 | u32::from(dport),
                }
            };
            let found = match self.seq.get(&key) {
                Some(e) => Some(*e),
                None => self.seq_old.remove(&key).inspect(|e| {
                    self.seq.insert(key, *e);
                }),
            };
            let entry = match found {
                Some(e) if !f.flags.has(TcpFlags::SYN) => {
                    if rev {
                        seq = seq.wrapping_sub(e.ack);
                        ack = ack.wrapping_sub(e.seq);
                    } else {
                        seq = seq.wrapping_sub(e.seq);
                        ack = ack.wrapping_sub(e.ack);
                    }
                    e
                }
                _ => {
                    let e = if rev {
                        SeqEntry {
                            ack: seq,
                            seq: ack.wrapping_sub(1),
                        }
                    } else {
                        SeqEntry {
                            seq,
                            ack: ack.wrapping_sub(1),
                        }
                    };
                    if self.seq.len() >= SEQ_GENERATION {
                        self.seq_old = std::mem::take(&mut self.seq);
                    }
                    self.seq.insert(key, e);
                    e
                }
            };
            thseq = entry.seq;
            thack = entry.ack;
        }
        if hlen > t.length {
            let _ = write!(s, " [bad hdr length {hlen} - too long, > {}]", t.length);
            return;
        }
        let length = t.length - hlen;
        if length > 0 || f.flags.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) != 0 {
            let _ = write!(s, ", seq {seq}");
            if length > 0 {
                let _ = write!(s, ":{}", seq.wrapping_add(length));
            }
        }
        if f.flags.has(TcpFlags::ACK) {
            let _ = write!(s, ", ack {ack}");
        }
        let _ = write!(s, ", win {}", f.window);
        if f.flags.has(TcpFlags::URG) {
            let _ = write!(s, ", urg {}", f.urgent);
        }
        if hlen > 20 && !tcp_options(s, f, rev, thseq, thack) {
            return;
        }
        let _ = write!(s, ", length {length}");
    }
}

/// Prints the options list like tcpdump. Returns false when tcpdump would stop the
/// line there (bad or cut-off option); the truncation marker, if any, is written here.
fn tcp_options(s: &mut String, f: &TcpFixed, rev: bool, thseq: u32, thack: u32) -> bool {
    let bytes = f.options.as_slice();
    let mut hlen = f.header_len - 20;
    let mut cp = 0usize;
    let mut ch: Option<char> = None;
    let get = |i: usize| bytes.get(i).copied();
    s.push_str(", options [");
    // Where tcpdump's GET_ macros run off the capture, it prints " [|tcp]" and stops.
    let longjmp = |s: &mut String| s.push_str(" [|tcp]");
    // Where its LENCHECK does, it prints " [|tcp]" and a ">" once an option was printed.
    let trunc = |s: &mut String, ch: Option<char>| {
        s.push_str(" [|tcp]");
        if ch.is_some() {
            s.push('>');
        }
    };
    let bad = |s: &mut String, ch: Option<char>| {
        s.push_str("[bad opt]");
        if ch.is_some() {
            s.push(']');
        }
    };
    while hlen > 0 {
        if let Some(c) = ch {
            s.push(c);
        }
        let Some(opt) = get(cp) else {
            longjmp(s);
            return false;
        };
        cp += 1;
        let len: u32 = if opt == 0 || opt == 1 {
            1
        } else {
            let Some(l) = get(cp) else {
                longjmp(s);
                return false;
            };
            cp += 1;
            let l = u32::from(l);
            if l < 2 || l > hlen {
                bad(s, ch);
                return false;
            }
            hlen -= 1;
            l
        };
        hlen -= 1;
        let mut datalen: u32 = 0;
        s.push_str(&tcp_option_name(opt));
        // LENCHECK(l): fails as "bad" when past the header, as truncated when past the capture.
        macro_rules! lencheck {
            ($l:expr) => {{
                let l: u32 = $l;
                if l > hlen {
                    bad(s, ch);
                    return false;
                }
                if cp + l as usize > bytes.len() {
                    trunc(s, ch);
                    return false;
                }
            }};
        }
        let be32 = |i: usize| -> u32 {
            u32::from_be_bytes([
                get(i).unwrap_or(0),
                get(i + 1).unwrap_or(0),
                get(i + 2).unwrap_or(0),
                get(i + 3).unwrap_or(0),
            ])
        };
        match opt {
            2 => {
                datalen = 2;
                lencheck!(datalen);
                let v = u16::from_be_bytes([get(cp).unwrap_or(0), get(cp + 1).unwrap_or(0)]);
                let _ = write!(s, " {v}");
            }
            3 => {
                datalen = 1;
                lencheck!(datalen);
                let _ = write!(s, " {}", get(cp).unwrap_or(0));
            }
            5 => {
                datalen = len - 2;
                if datalen % 8 != 0 {
                    s.push_str(" invalid sack");
                } else {
                    let _ = write!(s, " {} ", datalen / 8);
                    let mut i = 0u32;
                    while i < datalen {
                        lencheck!(i + 4);
                        let mut a = be32(cp + i as usize);
                        lencheck!(i + 8);
                        let mut b = be32(cp + i as usize + 4);
                        if rev {
                            a = a.wrapping_sub(thseq);
                            b = b.wrapping_sub(thseq);
                        } else {
                            a = a.wrapping_sub(thack);
                            b = b.wrapping_sub(thack);
                        }
                        let _ = write!(s, "{{{a}:{b}}}");
                        i += 8;
                    }
                }
            }
            6 | 7 | 11 | 12 | 13 => {
                datalen = 4;
                lencheck!(datalen);
                let _ = write!(s, " {}", be32(cp));
            }
            8 => {
                datalen = 8;
                lencheck!(datalen);
                let _ = write!(s, " val {} ecr {}", be32(cp), be32(cp + 4));
            }
            19 => {
                datalen = 16;
                lencheck!(datalen);
                // Debian's tcpdump is built with libcrypto and no -M secret was given.
                s.push_str(" can't check - ");
                for i in 0..16 {
                    let _ = write!(s, "{:02x}", get(cp + i).unwrap_or(0));
                }
            }
            20 => {
                datalen = 2;
                lencheck!(datalen);
                let _ = write!(
                    s,
                    " cap {:02x} id {}",
                    get(cp).unwrap_or(0),
                    get(cp + 1).unwrap_or(0)
                );
            }
            29 => {
                datalen = len - 2;
                if datalen < 2 {
                    s.push_str(" (invalid)");
                } else {
                    lencheck!(1);
                    let _ = write!(s, " keyid {}", get(cp).unwrap_or(0));
                    lencheck!(2);
                    let _ = write!(s, " rnextkeyid {}", get(cp + 1).unwrap_or(0));
                    if datalen > 2 {
                        s.push_str(" mac 0x");
                        for i in 2..datalen {
                            lencheck!(i + 1);
                            let _ = write!(s, "{:02x}", get(cp + i as usize).unwrap_or(0));
                        }
                    }
                }
            }
            0 | 1 | 4 => {}
            28 => {
                datalen = 2;
                lencheck!(datalen);
                let raw = u32::from(u16::from_be_bytes([
                    get(cp).unwrap_or(0),
                    get(cp + 1).unwrap_or(0),
                ]));
                let _ = write!(s, " 0x{raw:x}");
                let v = if raw & 1 != 0 {
                    (raw >> 1) * 60
                } else {
                    raw >> 1
                };
                let _ = write!(s, " {v}");
            }
            34 => {
                datalen = len - 2;
                lencheck!(datalen);
                s.push(' ');
                fastopen(
                    s,
                    bytes.get(cp..cp + datalen as usize).unwrap_or(&[]),
                    false,
                );
            }
            254 => {
                datalen = len - 2;
                lencheck!(datalen);
                if datalen < 2 {
                    bad(s, ch);
                    return false;
                }
                let magic = u16::from_be_bytes([get(cp).unwrap_or(0), get(cp + 1).unwrap_or(0)]);
                s.push('-');
                if magic == 0xf989 {
                    fastopen(
                        s,
                        bytes.get(cp + 2..cp + datalen as usize).unwrap_or(&[]),
                        true,
                    );
                } else {
                    let _ = write!(s, "{magic:04x}");
                }
            }
            _ => {
                datalen = len - 2;
                if datalen > 0 {
                    s.push_str(" 0x");
                }
                for i in 0..datalen {
                    lencheck!(i + 1);
                    let _ = write!(s, "{:02x}", get(cp + i as usize).unwrap_or(0));
                }
            }
        }
        cp += datalen as usize;
        hlen -= datalen;
        let mut seen = datalen + 1;
        if opt != 0 && opt != 1 {
            seen += 1;
        }
        if seen != len {
            let _ = write!(s, "[len {len}]");
        }
        ch = Some(',');
        if opt == 0 {
            break;
        }
    }
    s.push(']');
    true
}

/// tcpdump's `rt6_print`. Returns false where tcpdump stops the line (invalid header).
fn rt6(s: &mut String, h: &[u8]) -> bool {
    let b = |i: usize| h.get(i).copied().unwrap_or(0);
    let len = u32::from(b(1));
    let kind = b(2);
    let _ = write!(s, "RT6 (len={len}, type={kind}");
    if kind == 0 {
        s.push_str(" [Deprecated]");
    }
    let _ = write!(s, ", segleft={}", b(3));
    let addrs = |s: &mut String, from: usize| {
        for i in 0..(len / 2) as usize {
            let at = from + i * 16;
            match h
                .get(at..at + 16)
                .and_then(|a| <[u8; 16]>::try_from(a).ok())
            {
                Some(a) => {
                    let _ = write!(s, ", [{i}]{}", ipv6_text(&Ipv6Addr::from(a)));
                }
                None => return false,
            }
        }
        true
    };
    match kind {
        0 | 2 => {
            let reserved = u32::from_be_bytes([b(4), b(5), b(6), b(7)]);
            if reserved != 0 {
                let _ = write!(s, ", rsv=0x{reserved:x}");
            }
            if len % 2 == 1 {
                let _ = write!(s, " (invalid length {len}) (invalid)");
                return false;
            }
            if !addrs(s, 8) {
                s.push_str(" [|rt6]");
                return false;
            }
        }
        4 => {
            let _ = write!(s, ", last-entry={}", b(4));
            if b(5) != 0 {
                let _ = write!(s, ", flags=0x{:x}", b(5));
            }
            let _ = write!(s, ", tag={:x}", u16::from_be_bytes([b(6), b(7)]));
            if len % 2 == 1 {
                let _ = write!(s, " (invalid length {len}) (invalid)");
                return false;
            }
            if !addrs(s, 8) {
                s.push_str(" [|rt6]");
                return false;
            }
        }
        _ => {
            s.push_str(" (unknown type) (invalid)");
            return false;
        }
    }
    s.push_str(") ");
    true
}

fn fastopen(s: &mut String, data: &[u8], experimental: bool) {
    if experimental {
        s.push_str("tfo");
    }
    if data.is_empty() {
        s.push_str(" cookiereq");
    } else if data.len() % 2 != 0 || data.len() < 4 || data.len() > 16 {
        s.push_str(" (invalid)");
    } else {
        s.push_str(" cookie ");
        for b in data {
            let _ = write!(s, "{b:02x}");
        }
    }
}

fn tcp_option_name(opt: u8) -> String {
    match opt {
        0 => "eol".into(),
        1 => "nop".into(),
        2 => "mss".into(),
        3 => "wscale".into(),
        4 => "sackOK".into(),
        5 => "sack".into(),
        6 => "echo".into(),
        7 => "echoreply".into(),
        8 => "TS".into(),
        11 => "cc".into(),
        12 => "ccnew".into(),
        13 => String::new(),
        19 => "md5".into(),
        20 => "scps".into(),
        28 => "uto".into(),
        29 => "tcp-ao".into(),
        30 => "mptcp".into(),
        34 => "tfo".into(),
        254 => "exp".into(),
        other => format!("unknown-{other}"),
    }
}

fn ipv4(s: &mut String, ip: &Ipv4Layer, next: Option<&Layer>) {
    s.push_str("IP ");
    if let Some(n) = ip.missing {
        let _ = write!(s, "truncated-ip - {n} bytes missing! ");
    }
    match next {
        Some(Layer::Tcp(_) | Layer::Udp(_)) => {}
        Some(Layer::Other(OtherLayer::Problem(p))) if p.starts_with("bad-len") => {}
        Some(Layer::Other(OtherLayer::Fragment { .. })) => {
            let _ = write!(s, "{} > {}: ", ip.src, ip.dst);
        }
        _ => {
            let _ = write!(s, "{} > {}: ", ip.src, ip.dst);
        }
    }
}

fn ipv6(s: &mut String, ip: &Ipv6Layer, next: Option<&Layer>) {
    s.push_str("IP6 ");
    if let Some(n) = ip.missing {
        let _ = write!(s, "truncated-ip6 - {n} bytes missing!");
    }
    let direct = matches!(next, Some(Layer::Tcp(_) | Layer::Udp(_)));
    if !direct {
        let _ = write!(s, "{} > {}: ", ipv6_text(&ip.src), ipv6_text(&ip.dst));
    }
}

fn udp_line(s: &mut String, u: &UdpLayer) {
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

fn icmp_line(s: &mut String, i: &IcmpLayer) {
    let Some(kind) = i.kind else {
        return;
    };
    if i.v6 {
        let name = match kind {
            1 => "destination unreachable",
            2 => "packet too big",
            3 => "time exceeded in-transit",
            4 => "parameter problem",
            128 => "echo request",
            129 => "echo reply",
            130 => "multicast listener query",
            131 => "multicast listener report",
            132 => "multicast listener done",
            133 => "router solicitation",
            134 => "router advertisement",
            135 => "neighbor solicitation",
            136 => "neighbor advertisement",
            137 => "redirect",
            143 => "multicast listener report v2",
            _ => "",
        };
        s.push_str("ICMP6, ");
        if name.is_empty() {
            let _ = write!(s, "type-#{kind}");
        } else {
            s.push_str(name);
        }
        if let Some((id, seq)) = i.echo {
            let _ = write!(s, ", id {id}, seq {seq}");
        }
        let _ = write!(s, ", length {}", i.length);
        return;
    }
    s.push_str("ICMP ");
    match (kind, i.echo) {
        (0, Some((id, seq))) => {
            let _ = write!(s, "echo reply, id {id}, seq {seq}");
        }
        (8, Some((id, seq))) => {
            let _ = write!(s, "echo request, id {id}, seq {seq}");
        }
        (3, _) => s.push_str("unreachable"),
        (11, _) => s.push_str("time exceeded in-transit"),
        (5, _) => s.push_str("redirect"),
        (13, _) => s.push_str("time stamp request"),
        (14, _) => s.push_str("time stamp reply"),
        (k, _) => {
            let _ = write!(s, "type-#{k}");
        }
    }
    let _ = write!(s, ", length {}", i.length);
}

fn arp_line(s: &mut String, a: &ArpLayer) {
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

fn addr(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => ipv6_text(&v6),
    }
}

fn addr_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// tcpdump's `addrtostr6`: RFC 5952 style, but an IPv4-compatible (::a.b.c.d) or
/// IPv4-mapped address keeps its dotted tail.
pub fn ipv6_text(a: &Ipv6Addr) -> String {
    let w = a.segments();
    let (mut best_base, mut best_len) = (usize::MAX, 0usize);
    let (mut cur_base, mut cur_len) = (usize::MAX, 0usize);
    for (i, &word) in w.iter().enumerate() {
        if word == 0 {
            if cur_base == usize::MAX {
                cur_base = i;
                cur_len = 1;
            } else {
                cur_len += 1;
            }
        } else if cur_base != usize::MAX {
            if best_base == usize::MAX || cur_len > best_len {
                best_base = cur_base;
                best_len = cur_len;
            }
            cur_base = usize::MAX;
        }
    }
    if cur_base != usize::MAX && (best_base == usize::MAX || cur_len > best_len) {
        best_base = cur_base;
        best_len = cur_len;
    }
    if best_base != usize::MAX && best_len < 2 {
        best_base = usize::MAX;
    }
    let mut s = String::with_capacity(40);
    let in_best = |i: usize| best_base != usize::MAX && i >= best_base && i < best_base + best_len;
    for (i, &word) in w.iter().enumerate() {
        if in_best(i) {
            if i == best_base {
                s.push(':');
            }
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = a.octets();
            let _ = write!(s, "{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
            return s;
        }
        let _ = write!(s, "{word:x}");
    }
    if best_base != usize::MAX && best_base + best_len == 8 {
        s.push(':');
    }
    s
}

fn mac(m: &[u8; 6]) -> String {
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

/// Interface index → name on this machine, as tcpdump's `if_indextoname` finds them
/// for Linux cooked v2 captures (read from /sys/class/net, once).
fn local_interface_names() -> HashMap<u32, String> {
    let mut names = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return names;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Ok(idx) = std::fs::read_to_string(entry.path().join("ifindex")) {
            if let Ok(i) = idx.trim().parse::<u32>() {
                names.insert(i, name);
            }
        }
    }
    names
}

/// eavesdrop's own words about a frame's payload: the TLS records and handshake
/// messages that start in it, or what kind of bytes it carries.
pub fn describe_payload(d: &Decoded, map: &ByteMap, events: &[Desc]) -> Option<String> {
    let payload_range = d.payload_range()?;
    let counts = map.count_in(payload_range.clone());
    let total: u64 = counts.iter().sum();
    if total == 0 && events.is_empty() {
        return None;
    }
    let readable = counts[Label::Cleartext.index()] + counts[Label::Leak.index()];
    let opaque = counts[Label::Opaque.index()];
    let undecoded = counts[Label::Undecoded.index()];
    let mut items: Vec<String> = Vec::new();
    let mut apps: Vec<(&str, String)> = Vec::new();
    let mut version = None;
    let mut hello_seen = false;
    let mut tls = false;
    let has = |f: fn(&Desc) -> bool| events.iter().any(f);
    let any_handshake = has(|e| matches!(e, Desc::TlsHandshake { .. }));
    let any_alert = has(|e| matches!(e, Desc::TlsAlert { .. }));
    for ev in events {
        match ev {
            Desc::TlsRecord {
                version: v,
                content,
                encrypted,
                ..
            } => {
                tls = true;
                version.get_or_insert(*v);
                let item = match *content {
                    ContentType::HANDSHAKE if *encrypted => "EncryptedHandshake",
                    ContentType::ALERT if *encrypted => "EncryptedAlert",
                    ContentType::HANDSHAKE if any_handshake => continue,
                    ContentType::ALERT if any_alert => continue,
                    ContentType::HANDSHAKE => "Handshake",
                    ContentType::ALERT => "Alert",
                    ContentType::APPLICATION_DATA => "ApplicationData",
                    ContentType::CHANGE_CIPHER_SPEC => "ChangeCipherSpec",
                    ContentType::HEARTBEAT => "Heartbeat",
                    _ => "Record",
                };
                items.push(item.to_string());
            }
            Desc::TlsHandshake {
                version: v,
                msg,
                detail,
            } => {
                tls = true;
                // A hello speaks for the version it offers or selects, which the
                // record header before it does not know.
                if !hello_seen {
                    version = Some(*v);
                    hello_seen = true;
                }
                if detail.is_empty() {
                    items.push(msg.to_string());
                } else {
                    items.push(format!("{msg} ({})", detail.join(", ")));
                }
            }
            Desc::TlsAlert { level, description } => {
                tls = true;
                items.push(format!(
                    "Alert ({}, {})",
                    alert_level(*level),
                    alert_description(*description)
                ));
            }
            Desc::App { proto, text, leaks } => {
                let mut item = String::new();
                // "HTTP HTTP/1.1 200 OK" reads better as "HTTP/1.1 200 OK".
                if apps.last().is_none_or(|(p, _)| p != proto) && !text.starts_with(*proto) {
                    item.push_str(proto);
                    item.push(' ');
                }
                item.push_str(text);
                if !leaks.is_empty() {
                    let _ = write!(item, " [{}]", leaks.join("; "));
                }
                apps.push((proto, item));
            }
            Desc::Text | Desc::Leak { .. } | Desc::Sealed { .. } => {}
        }
    }
    let tls_bytes = d
        .spans
        .iter()
        .any(|s| s.range.start >= payload_range.start && s.field.name().starts_with("tls."));
    let mut out = String::new();
    if !apps.is_empty() {
        const SHOWN: usize = 6;
        let shown: Vec<&str> = apps.iter().take(SHOWN).map(|(_, t)| t.as_str()).collect();
        out.push_str(&shown.join(", "));
        if apps.len() > SHOWN {
            let _ = write!(out, ", … ({} more)", apps.len() - SHOWN);
        }
    }
    if tls || tls_bytes {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let v = version.map_or_else(|| "TLS".to_string(), |v| v.label());
        out.push_str(&v);
        out.push(' ');
        if items.is_empty() {
            out.push_str("continuation");
        } else {
            out.push_str(&collapse(&items).join(", "));
        }
        if opaque > 0 {
            let _ = write!(out, ", {opaque} bytes opaque");
        }
        if items.is_empty() && readable > 0 {
            let _ = write!(out, ", {readable} bytes readable");
        }
    } else if readable > 0 && apps.is_empty() {
        let _ = write!(out, "plaintext, {readable} bytes");
        if opaque > 0 {
            let _ = write!(out, ", {opaque} bytes opaque");
        }
    } else if opaque > 0 {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{opaque} bytes opaque");
    } else if readable > 0 && out.is_empty() {
        let _ = write!(out, "{readable} bytes readable");
    }
    if undecoded > 0 {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{undecoded} bytes undecoded");
    }
    (!out.is_empty()).then_some(out)
}

/// `ApplicationData, ApplicationData, ApplicationData` → `ApplicationData x3`.
fn collapse(items: &[String]) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some((last, n)) if last == item => *n += 1,
            _ => out.push((item.clone(), 1)),
        }
    }
    out.into_iter()
        .map(|(s, n)| if n > 1 { format!("{s} x{n}") } else { s })
        .collect()
}

fn alert_level(l: u8) -> String {
    match l {
        1 => "warning".into(),
        2 => "fatal".into(),
        other => format!("level {other}"),
    }
}

/// Alert descriptions, RFC 8446 section 6.
fn alert_description(d: u8) -> String {
    let name = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("description {d}"),
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_text_matches_tcpdump() {
        let cases = [
            ("::1", "::1"),
            ("::", "::"),
            ("fe80::1:2", "fe80::1:2"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
            ("::10.0.0.1", "::10.0.0.1"),
            ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
            ("1::", "1::"),
        ];
        for (input, want) in cases {
            let a: Ipv6Addr = input.parse().unwrap();
            assert_eq!(ipv6_text(&a), want, "{input}");
        }
    }

    #[test]
    fn repeated_items_collapse() {
        let items = ["A", "B", "B", "B"].map(String::from);
        assert_eq!(collapse(&items), ["A", "B x3"]);
    }
}

//! The network-layer parts of the line, as print-ip.c, print-ip6.c and print-rt6.c
//! print them: `IP`/`IP6`, the addresses where no transport printer shows them with
//! its ports, the IPv6 extension headers, and tcpdump's IPv6 address text.

use super::Ctx;
use crate::decode::checksum::Verdict;
use crate::decode::ip::{Ipv6Option, Ipv6Options};
use crate::decode::ipv6_routing::{RoutingData, RoutingHeader, RoutingType, Rt6Addresses};
use crate::decode::{Ipv4Layer, Ipv6ExtKind, Ipv6ExtLayer, Ipv6Layer, Layer, OtherLayer};
use crate::text::push_ipv4;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub(super) fn ipv4(s: &mut String, ip: &Ipv4Layer, next: Option<&Layer>, ctx: &Ctx<'_>) {
    // ip_print: "IP " only when -e has not already named the EtherType.
    if !ctx.opts.link_header {
        s.push_str("IP ");
    }
    if let Some(n) = ip.missing {
        let _ = write!(s, "truncated-ip - {n} bytes missing! ");
    }
    let bad_len =
        matches!(next, Some(Layer::Other(OtherLayer::Problem(p))) if p.starts_with("bad-len"));
    if ctx.opts.verbose > 0 && !bad_len {
        ipv4_verbose(s, ip, ctx);
    }
    match next {
        Some(Layer::Tcp(_) | Layer::Udp(_)) => {}
        _ if bad_len => {}
        _ => {
            push_ipv4(s, ip.src);
            s.push_str(" > ");
            push_ipv4(s, ip.dst);
            s.push_str(": ");
        }
    }
}

/// print-ip.c's `-v` part: `(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP
/// (6), length 60)` and a new, indented line for what follows.
fn ipv4_verbose(s: &mut String, ip: &Ipv4Layer, ctx: &Ctx<'_>) {
    let _ = write!(s, "(tos 0x{:x}", ip.tos);
    match ip.tos & 0x03 {
        1 => s.push_str(",ECT(1)"),
        2 => s.push_str(",ECT(0)"),
        3 => s.push_str(",CE"),
        _ => {}
    }
    if ip.ttl >= 1 {
        let _ = write!(s, ", ttl {}", ip.ttl);
    }
    let _ = write!(
        s,
        ", id {}, offset {}, flags [",
        ip.id,
        u32::from(ip.fragment_offset()) * 8
    );
    // bittok2str over ip_frag_values, in its order: MF, DF, the reserved bit.
    let mut sep = "";
    for (bit, name) in [(0x2000u16, "+"), (0x4000, "DF"), (0x8000, "rsvd")] {
        if ip.frag & bit != 0 {
            s.push_str(sep);
            s.push_str(name);
            sep = ", ";
        }
    }
    if sep.is_empty() {
        s.push_str("none");
    }
    let _ = write!(
        s,
        "], proto {} ({}), length {}",
        ipproto_name(ip.proto).unwrap_or("unknown"),
        ip.proto,
        ip.total_len
    );
    if ip.hlen > 20 {
        s.push_str(", options (");
        ip_options(s, ip.options(ctx.frame));
        s.push(')');
    }
    if ctx.opts.checksums() {
        if let Some(Verdict::Incorrect { field, should_be }) = ip.header_checksum(ctx.frame) {
            let _ = write!(s, ", bad cksum {field:x} (->{should_be:x})!");
        }
    }
    s.push_str(")\n    ");
}

/// print-ip.c's `ip_optprint`: each option's name, routes' addresses, the router
/// alert's value; a bad length ends the list.
fn ip_options(s: &mut String, mut rest: &[u8]) {
    let mut sep = "";
    while let Some((&code, after)) = rest.split_first() {
        s.push_str(sep);
        sep = ",";
        match ip_option_name(code) {
            Some(name) => s.push_str(name),
            None => {
                let _ = write!(s, "unknown {code}");
            }
        }
        let len = if code <= 1 {
            1
        } else {
            match after.first() {
                Some(&l) if l >= 2 => usize::from(l),
                Some(&l) => {
                    let _ = write!(s, " [bad length {l}]");
                    return;
                }
                None => return,
            }
        };
        let Some((opt, next)) = rest.split_at_checked(len) else {
            let _ = write!(s, " [bad length {len}]");
            return;
        };
        match code {
            0 => return,
            // RR, LSRR, SSRR: the addresses, a comma after each one already used.
            7 | 131 | 137 => {
                if len < 3 {
                    let _ = write!(s, " [bad length {len}]");
                } else {
                    if (len + 1) & 3 != 0 {
                        let _ = write!(s, " [bad length {len}]");
                    }
                    let ptr = usize::from(opt.get(2).copied().unwrap_or(0)).wrapping_sub(1);
                    if ptr < 3 || ptr.wrapping_add(1) & 3 != 0 || ptr > len + 1 {
                        let _ = write!(s, " [bad ptr {}]", opt.get(2).copied().unwrap_or(0));
                    }
                    let mut at = 3;
                    while at < len {
                        let Some(a) = opt.get(at..at + 4) else { break };
                        let _ = write!(s, " {}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                        if ptr > at {
                            s.push(',');
                        }
                        at += 4;
                    }
                }
            }
            148 => match opt.get(2..4) {
                _ if len < 4 => {
                    let _ = write!(s, " [bad length {len}]");
                }
                Some(v) if v != [0, 0] => {
                    let _ = write!(s, " value {}", u16::from_be_bytes([v[0], v[1]]));
                }
                _ => {}
            },
            _ => {}
        }
        rest = next;
    }
}

fn ip_option_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "EOL",
        1 => "NOP",
        68 => "timestamp",
        130 => "security",
        7 => "RR",
        137 => "SSRR",
        131 => "LSRR",
        148 => "RA",
        82 => "traceroute",
        _ => return None,
    })
}

/// tcpdump's `ipproto_values` (as Debian's tcpdump 4.99 prints them).
pub(super) fn ipproto_name(p: u8) -> Option<&'static str> {
    Some(match p {
        0 => "Options",
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPIP",
        6 => "TCP",
        8 => "EGP",
        9 => "IGRP",
        17 => "UDP",
        33 => "DCCP",
        41 => "IPv6",
        43 => "Routing",
        44 => "Fragment",
        46 => "RSVP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        55 => "Mobile IP",
        58 => "ICMPv6",
        88 => "EIGRP",
        89 => "OSPF",
        103 => "PIM",
        108 => "Compressed IP",
        112 => "VRRP",
        113 => "PGM",
        132 => "SCTP",
        135 => "Mobility",
        143 => "Ethernet",
        _ => return None,
    })
}

pub(super) fn ipv6(s: &mut String, ip: &Ipv6Layer, next: Option<&Layer>, ctx: &Ctx<'_>) {
    if !ctx.opts.link_header {
        s.push_str("IP6 ");
    }
    if let Some(n) = ip.missing {
        let _ = write!(s, "truncated-ip6 - {n} bytes missing!");
    }
    if ctx.opts.verbose > 0 {
        s.push('(');
        if ip.class() != 0 {
            let _ = write!(s, "class 0x{:02x}, ", ip.class());
        }
        if ip.flow_label() != 0 {
            let _ = write!(s, "flowlabel 0x{:05x}, ", ip.flow_label());
        }
        let _ = write!(
            s,
            "hlim {}, next-header {} ({}) payload length: {}) ",
            ip.hlim,
            ipproto_name(ip.next_header).unwrap_or("unknown"),
            ip.next_header,
            ip.payload_len
        );
    }
    let direct = matches!(next, Some(Layer::Tcp(_) | Layer::Udp(_)));
    if !direct {
        push_ipv6(s, &ip.src);
        s.push_str(" > ");
        push_ipv6(s, &ip.dst);
        s.push_str(": ");
    }
}

/// An IPv6 extension header. Returns false where tcpdump stops the line (an invalid
/// routing header).
pub(super) fn ipv6_ext(s: &mut String, ext: &Ipv6ExtLayer, ctx: &Ctx<'_>) -> bool {
    match &ext.kind {
        Ipv6ExtKind::HopByHop | Ipv6ExtKind::DestOpts => {
            s.push_str(if ext.kind == Ipv6ExtKind::HopByHop {
                "HBH "
            } else {
                "DSTOPT "
            });
            if ctx.opts.verbose > 0 {
                ipv6_options(s, ext.options(ctx.frame));
                s.push(' ');
            }
        }
        Ipv6ExtKind::Routing(header) => return rt6(s, header),
        Ipv6ExtKind::Fragment {
            offset,
            payload_len,
        } => {
            s.push_str("frag (");
            // ip6_print at -v: the identification.
            if ctx.opts.verbose > 0 {
                let at = ext.at as usize + 4;
                if let Some(id) = ctx.frame.get(at..at + 4) {
                    let _ = write!(s, "0x{:02x}{:02x}{:02x}{:02x}:", id[0], id[1], id[2], id[3]);
                }
            }
            let _ = write!(s, "{offset}|{payload_len})");
            if *offset == 0 {
                s.push(' ');
            }
        }
    }
    true
}

/// print-ip6opts.c's `ip6_opt_print` at `-v`.
fn ipv6_options(s: &mut String, options: Ipv6Options<'_>) {
    for opt in options {
        match opt {
            Ipv6Option::Pad1 => s.push_str("(pad1)"),
            Ipv6Option::PadN => s.push_str("(padn)"),
            Ipv6Option::RouterAlert(Some(v)) => {
                let _ = write!(s, "(rtalert: 0x{v:04x}) ");
            }
            Ipv6Option::RouterAlert(None) => s.push_str("(rtalert: invalid len)"),
            Ipv6Option::Jumbo(Some(v)) => {
                let _ = write!(s, "(jumbo: {v}) ");
            }
            Ipv6Option::Jumbo(None) => s.push_str("(jumbo: invalid len)"),
            Ipv6Option::Other { kind, data } => {
                let _ = write!(s, "(opt_type 0x{kind:02x}: len={})", data.len());
            }
            Ipv6Option::Truncated => {
                s.push_str("[trunc] ");
                return;
            }
        }
    }
}

/// tcpdump's `rt6_print`. Returns false where tcpdump stops the line (invalid header).
fn rt6(s: &mut String, h: &RoutingHeader) -> bool {
    let _ = write!(s, "RT6 (len={}, type={}", h.len, h.routing_type.0);
    if h.routing_type == RoutingType::SOURCE_ROUTE {
        s.push_str(" [Deprecated]");
    }
    let _ = write!(s, ", segleft={}", h.segments_left);
    let list = match &h.data {
        RoutingData::Addresses {
            reserved,
            addresses,
        } => {
            if *reserved != 0 {
                let _ = write!(s, ", rsv=0x{reserved:x}");
            }
            addresses
        }
        RoutingData::Segments {
            last_entry,
            flags,
            tag,
            segments,
        } => {
            let _ = write!(s, ", last-entry={last_entry}");
            if *flags != 0 {
                let _ = write!(s, ", flags=0x{flags:x}");
            }
            let _ = write!(s, ", tag={tag:x}");
            segments
        }
        RoutingData::Unknown => {
            s.push_str(" (unknown type) (invalid)");
            return false;
        }
    };
    let (addresses, cut) = match list {
        Rt6Addresses::InvalidLength => {
            let _ = write!(s, " (invalid length {}) (invalid)", h.len);
            return false;
        }
        Rt6Addresses::Complete(a) => (a, false),
        Rt6Addresses::CutOff(a) => (a, true),
    };
    for (i, a) in addresses.iter().enumerate() {
        let _ = write!(s, ", [{i}]{}", ipv6_text(a));
    }
    if cut {
        s.push_str(" [|rt6]");
        return false;
    }
    s.push_str(") ");
    true
}

/// Appends an address as tcpdump prints it.
pub(super) fn push_addr(s: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => push_ipv4(s, v4),
        IpAddr::V6(v6) => push_ipv6(s, &v6),
    }
}

/// Whether tcpdump's canonical order puts `a` after `b` (it compares the address
/// bytes).
pub(super) fn addr_after(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets() > b.octets(),
        (IpAddr::V6(a), IpAddr::V6(b)) => a.octets() > b.octets(),
        (IpAddr::V4(a), IpAddr::V6(b)) => a.octets()[..] > b.octets()[..],
        (IpAddr::V6(a), IpAddr::V4(b)) => a.octets()[..] > b.octets()[..],
    }
}

/// tcpdump's `addrtostr6`: RFC 5952 style, but an IPv4-compatible (::a.b.c.d) or
/// IPv4-mapped address keeps its dotted tail.
pub fn ipv6_text(a: &Ipv6Addr) -> String {
    let mut s = String::with_capacity(40);
    push_ipv6(&mut s, a);
    s
}

/// [`ipv6_text`], appended to `s`.
pub(super) fn push_ipv6(s: &mut String, a: &Ipv6Addr) {
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
            push_ipv4(s, Ipv4Addr::new(o[12], o[13], o[14], o[15]));
            return;
        }
        push_hex16(s, word);
    }
    if best_base != usize::MAX && best_base + best_len == 8 {
        s.push(':');
    }
}

/// `{word:x}`: lower-case hex without leading zeros.
fn push_hex16(s: &mut String, word: u16) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut started = false;
    for shift in [12u16, 8, 4, 0] {
        let d = usize::from((word >> shift) & 0xf);
        if d != 0 || started || shift == 0 {
            started = true;
            s.push(char::from(DIGITS[d]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::ipv6_routing::fixtures::*;

    /// Found by `cargo fuzz run decode_frame`: a route-recording option whose pointer
    /// is 0 took `ptr + 1` past `usize::MAX` (a panic with overflow checks). tcpdump's
    /// unsigned arithmetic wraps; so does this, and the text is tcpdump's (`tcpdump
    /// -v` on the same option: `options (RR [bad ptr 0] 1.2.3.4,,NOP)`).
    #[test]
    fn a_route_option_with_pointer_zero_reads_as_tcpdump_reads_it() {
        let mut s = String::new();
        ip_options(&mut s, &[7, 7, 0, 1, 2, 3, 4, 1]);
        assert_eq!(s, "RR [bad ptr 0] 1.2.3.4,,NOP");
    }

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

    /// The routing header's part of the line, and whether the line goes on after it.
    fn rt6_text(h: &[u8]) -> (String, bool) {
        let mut s = String::new();
        let goes_on = rt6(&mut s, &RoutingHeader::decode(h));
        (s, goes_on)
    }

    macro_rules! rt6_text {
        ($($test:ident: $fixture:ident => $text:literal, $goes_on:literal;)*) => {$(
            #[test]
            fn $test() {
                assert_eq!(rt6_text(&$fixture), ($text.to_string(), $goes_on));
            }
        )*};
    }

    rt6_text! {
        rt6_type0_one_address: RT6_TYPE0_ONE_ADDRESS =>
            "RT6 (len=2, type=0 [Deprecated], segleft=1, [0]2001:db8::1) ", true;
        rt6_type0_reserved_set: RT6_TYPE0_RESERVED_SET =>
            "RT6 (len=2, type=0 [Deprecated], segleft=1, rsv=0x9, [0]2001:db8::1) ", true;
        rt6_type0_odd_length_is_invalid: RT6_TYPE0_ODD_LENGTH_IS_INVALID =>
            "RT6 (len=1, type=0 [Deprecated], segleft=0, rsv=0x5 (invalid length 1) (invalid)",
            false;
        rt6_type2_home_address: RT6_TYPE2_HOME_ADDRESS =>
            "RT6 (len=2, type=2, segleft=1, [0]::ffff:10.0.0.1) ", true;
        rt6_type4_two_segments: RT6_TYPE4_TWO_SEGMENTS =>
            "RT6 (len=4, type=4, segleft=1, last-entry=1, tag=1234, [0]2001:db8::1, \
             [1]::ffff:10.0.0.1) ", true;
        rt6_type4_flags_set: RT6_TYPE4_FLAGS_SET =>
            "RT6 (len=2, type=4, segleft=0, last-entry=0, flags=0x80, tag=0, [0]2001:db8::1) ",
            true;
        rt6_type4_odd_length_is_invalid: RT6_TYPE4_ODD_LENGTH_IS_INVALID =>
            "RT6 (len=1, type=4, segleft=0, last-entry=0, tag=7 (invalid length 1) (invalid)",
            false;
        rt6_unknown_type: RT6_UNKNOWN_TYPE =>
            "RT6 (len=0, type=3, segleft=0 (unknown type) (invalid)", false;
        rt6_addresses_cut_off: RT6_ADDRESSES_CUT_OFF =>
            "RT6 (len=4, type=0 [Deprecated], segleft=2, [0]2001:db8::1 [|rt6]", false;
        rt6_header_short: RT6_HEADER_SHORT =>
            "RT6 (len=2, type=0 [Deprecated], segleft=0 [|rt6]", false;
    }
}

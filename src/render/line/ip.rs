//! The network-layer parts of the line, as print-ip.c, print-ip6.c and print-rt6.c
//! print them: `IP`/`IP6`, the addresses where no transport printer shows them with
//! its ports, the IPv6 extension headers, and tcpdump's IPv6 address text.

use crate::decode::ipv6_routing::{RoutingData, RoutingHeader, RoutingType, Rt6Addresses};
use crate::decode::{Ipv4Layer, Ipv6ExtKind, Ipv6ExtLayer, Ipv6Layer, Layer, OtherLayer};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv6Addr};

pub(super) fn ipv4(s: &mut String, ip: &Ipv4Layer, next: Option<&Layer>) {
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

pub(super) fn ipv6(s: &mut String, ip: &Ipv6Layer, next: Option<&Layer>) {
    s.push_str("IP6 ");
    if let Some(n) = ip.missing {
        let _ = write!(s, "truncated-ip6 - {n} bytes missing!");
    }
    let direct = matches!(next, Some(Layer::Tcp(_) | Layer::Udp(_)));
    if !direct {
        let _ = write!(s, "{} > {}: ", ipv6_text(&ip.src), ipv6_text(&ip.dst));
    }
}

/// An IPv6 extension header. Returns false where tcpdump stops the line (an invalid
/// routing header).
pub(super) fn ipv6_ext(s: &mut String, ext: &Ipv6ExtLayer) -> bool {
    match &ext.kind {
        Ipv6ExtKind::HopByHop => s.push_str("HBH "),
        Ipv6ExtKind::DestOpts => s.push_str("DSTOPT "),
        Ipv6ExtKind::Routing(header) => return rt6(s, header),
        Ipv6ExtKind::Fragment {
            offset,
            payload_len,
        } => {
            let _ = write!(s, "frag ({offset}|{payload_len})");
            if *offset == 0 {
                s.push(' ');
            }
        }
    }
    true
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

pub(super) fn addr(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => ipv6_text(&v6),
    }
}

pub(super) fn addr_bytes(ip: IpAddr) -> Vec<u8> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::ipv6_routing::fixtures::*;

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

//! Encapsulation headers on the packet line, each followed by the inner packet's line
//! as tcpdump 4.99 prints them (print-gre.c, print-vxlan.c, print-vxlan-gpe.c,
//! print-geneve.c, print-l2tp.c), identically. tcpdump 4.99 has no printer for ERSPAN,
//! GTP-U or Teredo: ERSPAN is printed as tcpdump's development version prints it
//! (print-erspan.c), GTP-U and Teredo in the same style, eavesdrop's own words.

use crate::decode::tunnel::gre::GreLayer;
use crate::decode::tunnel::l2tp::{self, L2tpLayer};
use crate::decode::tunnel::{
    ErspanLayer, GeneveLayer, GtpLayer, TeredoLayer, TunnelLayer, VxlanGpeLayer, VxlanLayer,
};
use std::fmt::Write as _;

/// One encapsulation header. Returns how many braces it opened (L2TP's data messages
/// wrap their PPP frame in `{…}`): the line closes them after the inner packet, unless
/// it was cut off by the capture (tcpdump stops where the bytes end).
pub(super) fn tunnel(s: &mut String, t: &TunnelLayer) -> usize {
    match t {
        TunnelLayer::Gre(g) => gre(s, g),
        TunnelLayer::Erspan(e) => erspan(s, e),
        TunnelLayer::Vxlan(v) => vxlan(s, v),
        TunnelLayer::VxlanGpe(v) => vxlan_gpe(s, v),
        TunnelLayer::Geneve(g) => geneve(s, g),
        TunnelLayer::Gtp(g) => gtp(s, g),
        TunnelLayer::Teredo(t) => teredo(s, t),
        TunnelLayer::L2tp(l) => return l2tp(s, l),
    }
    0
}

const GRE_C: u16 = 0x8000;
const GRE_R: u16 = 0x4000;
const GRE_S: u16 = 0x1000;

fn gre(s: &mut String, g: &GreLayer) {
    let _ = write!(s, "GREv{}", g.version);
    if g.version > 1 {
        s.push_str(" ERROR: unknown-version");
        return;
    }
    if g.cut {
        return;
    }
    if g.version == 1 {
        if let Some(k) = g.key {
            let _ = write!(s, ", call {}", k & 0xffff);
        }
        if let Some(seq) = g.seq {
            let _ = write!(s, ", seq {seq}");
        }
        if let Some(ack) = g.ack {
            let _ = write!(s, ", ack {ack}");
        }
        if !g.has(GRE_S) {
            s.push_str(", no-payload");
        }
        let _ = write!(s, ", length {}", g.length);
        if g.has(GRE_S) {
            s.push_str(": ");
            if !g.decoded {
                let _ = write!(s, "gre-proto-0x{:x}", g.proto);
            }
        }
        return;
    }
    if g.has(GRE_C) || g.has(GRE_R) {
        if let Some(off) = g.offset {
            let _ = write!(s, ", off 0x{off:x}");
        }
    }
    if let Some(k) = g.key {
        let _ = write!(s, ", key=0x{k:x}");
    }
    if let Some(seq) = g.seq {
        let _ = write!(s, ", seq {seq}");
    }
    let _ = write!(s, ", length {}: ", g.length);
    if !g.decoded {
        let _ = write!(s, "gre-proto-0x{:x}", g.proto);
    }
}

fn erspan(s: &mut String, e: &ErspanLayer) {
    s.push_str("ERSPAN");
    if let Some(v) = e.wrong_version {
        let _ = write!(s, " erspan-unknown-version-{v:x}");
        return;
    }
    match e.kind {
        1 => s.push_str(" type1: "),
        2 => {
            let _ = write!(s, " session {}", e.session);
            match e.encap {
                1 => {
                    let _ = write!(s, " isl {}", e.vlan);
                }
                2 => {
                    let _ = write!(s, " vlan {}", e.vlan);
                }
                3 => s.push_str(" vlan payload"),
                _ => {}
            }
            s.push_str(": ");
        }
        _ => {
            let bso = match e.bso {
                0 => "Good/unknown",
                1 => "Short",
                2 => "Oversized",
                _ => "Bad",
            };
            let _ = write!(s, " session {} bso {bso}: ", e.session);
        }
    }
}

fn vxlan(s: &mut String, v: &VxlanLayer) {
    let i = if v.flags & 0x08 != 0 { "I" } else { "." };
    let _ = write!(s, "VXLAN, flags [{i}] (0x{:02x}), ", v.flags);
    if let Some(vni) = v.vni {
        let _ = writeln!(s, "vni {vni}");
    }
}

fn vxlan_gpe(s: &mut String, v: &VxlanGpeLayer) {
    let mut flags = String::new();
    for (bit, c) in [(0x08, 'I'), (0x04, 'P'), (0x01, 'O')] {
        if v.flags & bit != 0 {
            flags.push(c);
        }
    }
    if flags.is_empty() {
        flags.push_str("none");
    }
    let _ = write!(s, "VXLAN-GPE, flags [{flags}], vni {}: ", v.vni);
    if !matches!(v.next_proto, 1 | 2 | 3 | 5) {
        s.push_str("ERROR: unknown-next-protocol");
    }
}

fn geneve(s: &mut String, g: &GeneveLayer) {
    let mut flags = String::new();
    for (bit, name) in [
        (0x80, "O"),
        (0x40, "C"),
        (0x20, "R1"),
        (0x10, "R2"),
        (0x08, "R3"),
        (0x04, "R4"),
        (0x02, "R5"),
        (0x01, "R6"),
    ] {
        if g.flags & bit != 0 {
            flags.push_str(name);
        }
    }
    if flags.is_empty() {
        flags.push_str("none");
    }
    if g.cut {
        s.push_str("Geneve");
        return;
    }
    let _ = write!(s, "Geneve, Flags [{flags}], vni 0x{:x}", g.vni);
    if g.reserved != 0 {
        let _ = write!(s, ", rsvd 0x{:x}", g.reserved);
    }
    if g.options_len > 0 {
        let _ = write!(s, ", options [{} bytes]", g.options_len);
    }
    s.push_str(": ");
}

fn gtp(s: &mut String, g: &GtpLayer) {
    s.push_str("GTPv1-U");
    if g.cut {
        return;
    }
    match g.message_name() {
        Some(name) => {
            let _ = write!(s, " {name}");
        }
        None => {
            let _ = write!(s, " message {}", g.message);
        }
    }
    let _ = write!(s, ", teid 0x{:x}", g.teid);
    if let Some(seq) = g.seq {
        let _ = write!(s, ", seq {seq}");
    }
    let _ = write!(s, ", length {}", g.length);
    if g.message == crate::decode::tunnel::gtp::T_PDU {
        s.push_str(": ");
    }
}

fn teredo(s: &mut String, t: &TeredoLayer) {
    s.push_str("Teredo");
    if t.auth {
        s.push_str(", auth");
    }
    if let Some((port, addr)) = t.origin {
        let _ = write!(s, ", origin {addr}.{port}");
    }
    s.push_str(": ");
}

fn l2tp(s: &mut String, l: &L2tpLayer) -> usize {
    s.push_str(" l2tp:[");
    for (bit, c) in l2tp::FLAG_LETTERS {
        if l.has(bit) {
            s.push(c);
        }
    }
    let _ = write!(s, "]({}/{})", l.tunnel, l.session);
    if let Some((ns, nr)) = l.ns_nr {
        let _ = write!(s, "Ns={ns},Nr={nr}");
    }
    if let Some(p) = &l.problem {
        s.push_str(p);
        return 0;
    }
    if l.control() {
        match l.message {
            Some(t) => match l2tp::message_name(t) {
                Some(name) => {
                    let _ = write!(s, " *MSGTYPE({name})");
                }
                None => {
                    let _ = write!(s, " *MSGTYPE(MSGTYPE-#{t})");
                }
            },
            None if !l.avps => s.push_str(" ZLB"),
            None => {}
        }
        return 0;
    }
    s.push_str(" {");
    1
}

#[cfg(test)]
mod tests {
    use super::super::{LineOptions, LineWriter};
    use crate::capture::{Frame, LinkType};
    use crate::decode::tunnel::fixtures::*;
    use crate::decode::{decode, Decoded};
    use crate::render::time::{Clock, TimeFormat};

    /// tcpdump's part of the line for a raw-IP frame, `keep` bytes of it captured.
    fn line_cut(data: Vec<u8>, keep: usize) -> String {
        let orig_len = data.len() as u32;
        let frame = Frame {
            number: 1,
            ts: Default::default(),
            link: LinkType::RAW,
            interface: 0,
            orig_len,
            data: data[..keep.min(data.len())].to_vec(),
            cut_by_eof: false,
        };
        let mut d = Decoded::default();
        decode(&frame, &mut d);
        let clock = Clock::new(TimeFormat::None, false, jiff::tz::TimeZone::UTC);
        let mut w = LineWriter::new(LineOptions::default(), clock);
        let mut s = String::new();
        let ctx = super::super::Ctx {
            opts: LineOptions::default(),
            frame: &frame.data,
            orig_len,
            isakmp: &Default::default(),
        };
        w.tcpdump_part(&mut s, &d, &ctx);
        s
    }

    fn line(data: Vec<u8>) -> String {
        line_cut(data, usize::MAX)
    }

    const INNER: &str = "IP 10.1.0.1.40000 > 10.1.0.2.80: Flags [P.], seq 1:71, ack 1, \
                         win 65535, length 70: HTTP: GET / HTTP/1.1";

    #[test]
    fn outer_summary_then_the_inner_line() {
        let cases = [
            (gre_ipv4(), "IP 192.0.2.1 > 192.0.2.2: GREv0, length 114: "),
            (
                gre_checksum_key_seq(),
                "IP 192.0.2.1 > 192.0.2.2: GREv0, off 0x0, key=0x1234, seq 7, length 126: ",
            ),
            (gre_teb(), "IP 192.0.2.1 > 192.0.2.2: GREv0, length 128: "),
            (
                gre_pptp(),
                "IP 192.0.2.1 > 192.0.2.2: GREv1, call 5, seq 3, length 126: ",
            ),
            (
                erspan_ii(),
                "IP 192.0.2.1 > 192.0.2.2: GREv0, seq 1, length 140: ERSPAN session 42: ",
            ),
            (
                vxlan(),
                "IP 192.0.2.1.50000 > 192.0.2.2.4789: VXLAN, flags [I] (0x08), vni 42\n",
            ),
            (
                vxlan_gpe_ipv4(),
                "IP 192.0.2.1.50000 > 192.0.2.2.4790: VXLAN-GPE, flags [IP], vni 42: ",
            ),
            (
                geneve_option(),
                "IP 192.0.2.1.50000 > 192.0.2.2.6081: Geneve, Flags [C], vni 0x7, options [8 bytes]: ",
            ),
            (
                gtp_u(),
                "IP 192.0.2.1.50000 > 192.0.2.2.2152: GTPv1-U T-PDU, teid 0x63, length 110: ",
            ),
        ];
        for (data, outer) in cases {
            assert_eq!(line(data), format!("{outer}{INNER}"));
        }
        assert_eq!(
            line(l2tp_data()),
            format!("IP 192.0.2.1.50000 > 192.0.2.2.1701:  l2tp:[](1/2) {{{INNER}}}")
        );
    }

    #[test]
    fn fifty_nested_gre_headers_print_eight_and_stop() {
        let l = line(gre_nested(50));
        assert_eq!(l.matches("GREv0").count(), 9, "{l}");
        assert!(l.ends_with("[8 nested tunnels, GRE not decoded]"), "{l}");
    }

    #[test]
    fn cut_headers_end_in_the_truncation_marker() {
        assert_eq!(
            line_cut(gre_ipv4(), 23),
            "IP 192.0.2.1 > 192.0.2.2: GREv0 [|gre]"
        );
        assert_eq!(
            line_cut(vxlan(), 33),
            "IP 192.0.2.1.50000 > 192.0.2.2.4789: VXLAN, flags [I] (0x08),  [|vxlan]"
        );
        assert_eq!(
            line_cut(l2tp_data(), 35),
            "IP 192.0.2.1.50000 > 192.0.2.2.1701:  l2tp:[](1/2) { [|ppp]"
        );
        assert_eq!(
            line_cut(geneve_option(), 34),
            "IP 192.0.2.1.50000 > 192.0.2.2.6081: Geneve [|geneve]"
        );
    }

    #[test]
    fn vxlan_without_its_i_flag_is_a_udp_line() {
        assert_eq!(
            line(vxlan_i_flag_clear()),
            "IP 192.0.2.1.50000 > 192.0.2.2.4789: UDP, length 132"
        );
    }
}

//! Each encapsulation on its named fixture: the inner transport payload reaches the
//! flow stage with the inner addresses and the tunnel's name, every header byte is
//! labelled; and the hostile fixtures stop with a note instead of misreading.

use super::fixtures::*;
use super::*;
use crate::capture::{Frame, LinkType};
use crate::decode::{decode, Decoded};
use crate::note::NoteGroup;
use crate::span::{ByteMap, Label};
use std::net::IpAddr;

fn run(data: Vec<u8>) -> Decoded {
    run_link(LinkType::RAW, data)
}

fn run_link(link: LinkType, data: Vec<u8>) -> Decoded {
    let frame = Frame {
        number: 1,
        ts: Default::default(),
        link,
        interface: 0,
        orig_len: data.len() as u32,
        data,
        cut_by_eof: false,
    };
    let mut d = Decoded::default();
    decode(&frame, &mut d);
    d
}

/// The fields of the spans, each checked to be registered (`fields::all`, which the
/// field reference and the uniqueness test walk).
fn fields(d: &Decoded) -> Vec<&'static str> {
    let names: Vec<&'static str> = d.spans.iter().map(|s| s.field.name()).collect();
    for n in &names {
        assert!(
            crate::fields::by_name(n).is_some(),
            "{n} is not in fields::all()"
        );
    }
    names
}

fn undecoded(d: &Decoded, len: usize) -> u64 {
    let map = ByteMap::build(len as u32, &d.spans);
    map.count_in(0..len as u32)[Label::Undecoded.index()]
}

/// The fixture's inner HTTP request reaches the flow stage, from 10.1.0.1:40000 to
/// port 80, through `path`; every byte before the payload has a label.
fn assert_opens(data: Vec<u8>, path: &[&str]) -> Decoded {
    let len = data.len();
    let d = run(data);
    let p = d
        .payload
        .clone()
        .unwrap_or_else(|| panic!("no payload: {:?} {:?}", d.layers, d.notes));
    assert_eq!(p.endpoints.dport, 80, "{:?}", d.layers);
    assert!(
        matches!(p.endpoints.src, IpAddr::V4(a) if a.octets() == [10, 1, 0, 1])
            || p.endpoints.src.is_ipv6()
    );
    let names: Vec<&str> = p.encap.iter().map(|t| t.name()).collect();
    assert_eq!(names, path);
    assert_eq!(p.range.end as usize, len);
    assert_eq!(p.range.len(), HTTP_BASIC.len());
    // Everything but the payload (which the flow stage labels) is labelled.
    let map = ByteMap::build(len as u32, &d.spans);
    let head = map.count_in(0..p.range.start);
    assert_eq!(head[Label::Undecoded.index()], 0, "{:?}", fields(&d));
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    d
}

#[test]
fn ipv4_in_gre() {
    let d = assert_opens(gre_ipv4(), &["GRE"]);
    assert!(fields(&d).contains(&"gre.flags_and_version"));
    assert!(fields(&d).contains(&"gre.proto"));
}

#[test]
fn gre_checksum_key_and_sequence_are_labelled() {
    let d = assert_opens(gre_checksum_key_seq(), &["GRE"]);
    for f in [
        "gre.checksum",
        "gre.offset",
        "gre.key",
        "gre.sequence_number",
    ] {
        assert!(fields(&d).contains(&f), "{f}");
    }
    let Some(Layer::Tunnel(TunnelLayer::Gre(g))) = d.layers.get(1) else {
        panic!("{:?}", d.layers)
    };
    assert_eq!((g.key, g.seq, g.offset), (Some(0x1234), Some(7), Some(0)));
}

#[test]
fn ethernet_in_gre() {
    assert_opens(gre_teb(), &["GRE"]);
}

#[test]
fn ppp_in_pptp_gre() {
    let d = assert_opens(gre_pptp(), &["PPTP"]);
    for f in [
        "gre.key.payload_length",
        "gre.key.call_id",
        "ppp.address",
        "ppp.protocol",
    ] {
        assert!(fields(&d).contains(&f), "{f}");
    }
}

#[test]
fn erspan_type_ii_and_iii() {
    let d = assert_opens(erspan_ii(), &["ERSPAN II"]);
    assert!(fields(&d).contains(&"erspan.spanid"));
    let d = assert_opens(erspan_iii(), &["ERSPAN III"]);
    assert!(fields(&d).contains(&"erspan.platform"));
}

#[test]
fn vxlan_and_vxlan_gpe() {
    let d = assert_opens(vxlan(), &["VXLAN"]);
    assert!(fields(&d).contains(&"vxlan.vni"));
    // The outer IP header is still where -X starts.
    assert_eq!(d.net_offset, 0);
    assert_opens(vxlan_gpe_ipv4(), &["VXLAN-GPE"]);
}

#[test]
fn geneve_with_an_option() {
    let d = assert_opens(geneve_option(), &["Geneve"]);
    for f in ["geneve.option.class", "geneve.option.data", "geneve.vni"] {
        assert!(fields(&d).contains(&f), "{f}");
    }
}

#[test]
fn gtp_u_with_and_without_extension_headers() {
    assert_opens(gtp_u(), &["GTP-U"]);
    let d = assert_opens(gtp_u_extension(), &["GTP-U"]);
    for f in [
        "gtp.seq_number",
        "gtp.ext_hdr.length",
        "gtp.ext_hdr",
        "gtp.next",
    ] {
        assert!(fields(&d).contains(&f), "{f}");
    }
}

#[test]
fn teredo_origin_indication_is_read_and_a_leak() {
    let d = assert_opens(teredo_origin(), &["Teredo"]);
    let Some(Layer::Tunnel(TunnelLayer::Teredo(t))) = d.layers.get(2) else {
        panic!("{:?}", d.layers)
    };
    assert_eq!(t.origin, Some((3333, "203.0.113.7".parse().unwrap())));
    let map = ByteMap::build(200, &d.spans);
    assert_eq!(
        map.label_at(20 + 8 + 4),
        Some(Label::Leak),
        "origin address"
    );
}

#[test]
fn l2tp_data_message() {
    let d = assert_opens(l2tp_data(), &["L2TP"]);
    assert!(fields(&d).contains(&"l2tp.tunnel"));
}

#[test]
fn six_in_four_is_on_the_path_too() {
    let d = run(six_in_four());
    let p = d.payload.unwrap();
    assert_eq!(
        p.encap.iter().map(|t| t.name()).collect::<Vec<_>>(),
        ["6in4"]
    );
}

#[test]
fn tunnels_nest_gre_erspan_vxlan() {
    // GRE → ERSPAN II → Ethernet → IPv4 → UDP → VXLAN → Ethernet → IPv4 → TCP.
    let mut v = vxlan_header(0x08, 7);
    v.extend_from_slice(&ether(0x0800, &inner_ipv4()));
    let inner = ether(0x0800, &outer_udp(4789, &v));
    let mut e = vec![0x10, 0x00, 0x00, 1, 0, 0, 0, 0];
    e.extend_from_slice(&inner);
    assert_opens(
        outer(47, &gre(0x1000, 0x88be, &[0, 0, 0, 0], &e)),
        &["ERSPAN II", "VXLAN"],
    );
}

#[test]
fn gre_nested_50_deep_stops_with_a_note() {
    let data = gre_nested(50);
    let len = data.len();
    let d = run(data);
    assert!(d.payload.is_none());
    assert!(
        d.notes
            .iter()
            .any(|n| n.text.contains("nested encapsulations")),
        "{:?}",
        d.notes
    );
    let grs = d
        .layers
        .iter()
        .filter(|l| matches!(l, Layer::Tunnel(TunnelLayer::Gre(_))))
        .count();
    assert_eq!(
        grs,
        MAX_DEPTH + 1,
        "the ninth GRE header is read, its payload not"
    );
    assert!(undecoded(&d, len) > 0);
}

#[test]
fn ip_in_ip_shares_the_bound() {
    let mut p = inner_ipv4();
    for _ in 0..20 {
        p = outer(4, &p);
    }
    let d = run(p);
    assert!(d.payload.is_none());
    assert!(d
        .notes
        .iter()
        .any(|n| n.text.contains("nested encapsulations")));
}

#[test]
fn gre_key_bit_set_without_room_for_the_key() {
    let d = run(gre_key_bit_without_room());
    assert!(d.payload.is_none());
    assert!(
        d.notes.iter().any(|n| n.group == NoteGroup::Malformed),
        "{:?}",
        d.notes
    );
}

#[test]
fn truncated_outer_headers_are_cut_not_misread() {
    // (fixture, bytes kept, the protocol whose header is cut)
    let cases: Vec<(Vec<u8>, usize, &str)> = vec![
        (gre_checksum_key_seq(), 20 + 6, "gre"),
        (gre_ipv4(), 20 + 3, "gre"),
        (erspan_ii(), 20 + 8 + 5, "erspan"),
        (erspan_iii(), 20 + 8 + 14, "erspan"),
        (vxlan(), 28 + 5, "vxlan"),
        (vxlan(), 28 + 8 + 10, "ether"),
        (vxlan_gpe_ipv4(), 28 + 6, "vxlan-gpe"),
        (geneve_option(), 28 + 6, "geneve"),
        (geneve_option(), 28 + 12, "geneve"),
        (gtp_u(), 28 + 6, "gtp"),
        (gtp_u_extension(), 28 + 14, "gtp"),
        (teredo_origin(), 28 + 8 + 30, "ip6"),
        (l2tp_data(), 28 + 4, "l2tp"),
        (l2tp_data(), 28 + 7, "ppp"),
    ];
    for (full, keep, proto) in cases {
        let orig = full.len() as u32;
        let frame = Frame {
            number: 1,
            ts: Default::default(),
            link: LinkType::RAW,
            interface: 0,
            orig_len: orig,
            data: full[..keep].to_vec(),
            cut_by_eof: false,
        };
        let mut d = Decoded::default();
        decode(&frame, &mut d);
        assert_eq!(
            d.truncated,
            Some(proto),
            "{proto} at {keep}: {:?}",
            d.layers
        );
        assert!(d.payload.is_none(), "{proto} at {keep}");
    }
}

#[test]
fn geneve_option_longer_than_the_options_is_noted_and_the_payload_still_found() {
    let d = run(geneve_option_past_header());
    assert!(
        d.notes.iter().any(|n| n.text.contains("runs past")),
        "{:?}",
        d.notes
    );
    assert!(fields(&d).contains(&"geneve.options"));
    assert!(d.payload.is_some());
}

#[test]
fn geneve_options_longer_than_the_datagram_are_not_geneve() {
    let d = run(geneve_options_past_datagram());
    let p = d.payload.unwrap();
    assert_eq!(p.endpoints.dport, 6081);
    assert!(p.encap.is_empty());
}

#[test]
fn gtp_extension_header_of_length_zero_stops() {
    let d = run(gtp_u_extension_loop());
    assert!(d.payload.is_none());
    assert!(
        d.notes.iter().any(|n| n.text.contains("length 0")),
        "{:?}",
        d.notes
    );
}

#[test]
fn gtp_extension_header_past_the_message_stops() {
    let d = run(gtp_u_extension_overrun());
    assert!(d.payload.is_none());
    assert!(
        d.notes.iter().any(|n| n.text.contains("runs past")),
        "{:?}",
        d.notes
    );
}

#[test]
fn vxlan_port_with_the_i_flag_clear_is_left_as_udp() {
    let d = run(vxlan_i_flag_clear());
    let p = d.payload.unwrap();
    assert_eq!(p.endpoints.dport, 4789);
    assert!(p.encap.is_empty());
    assert!(!d.layers.iter().any(|l| matches!(l, Layer::Tunnel(_))));
}

#[test]
fn unrelated_udp_on_tunnel_ports_stays_udp() {
    for port in [1701, 2152, 3544, 4789, 4790, 6081] {
        let d = run(outer_udp(
            port,
            b"hello, just a datagram on a tunnel's port",
        ));
        let p = d.payload.unwrap();
        assert_eq!(p.endpoints.dport, port);
        assert!(p.encap.is_empty(), "{port}");
    }
}

#[test]
fn ethernet_link_with_vxlan_keeps_the_outer_net_offset() {
    let d = run_link(LinkType::ETHERNET, ether(0x0800, &vxlan()));
    assert_eq!(d.net_offset, 14);
    assert!(d.payload.is_some());
}

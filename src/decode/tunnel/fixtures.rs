//! Named packets for the tunnel tests: each an HTTP request with Basic credentials
//! (`alice:secret`) inside one encapsulation, and the hostile variants, built from
//! small header builders so each fixture reads as the layers it stacks.

/// `GET / HTTP/1.1` with `Authorization: Basic alice:secret`.
pub(crate) const HTTP_BASIC: &[u8] =
    b"GET / HTTP/1.1\r\nHost: inner\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n";

/// An IPv4 header (no options) around `payload`.
pub(crate) fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(payload);
    p
}

/// An IPv6 header around `payload`.
pub(crate) fn ipv6(src_last: u8, dst_last: u8, next: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&[next, 64]);
    let mut a = [0u8; 16];
    a[0] = 0x20;
    a[1] = 0x01;
    a[15] = src_last;
    p.extend_from_slice(&a);
    a[15] = dst_last;
    p.extend_from_slice(&a);
    p.extend_from_slice(payload);
    p
}

pub(crate) fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&sport.to_be_bytes());
    p.extend_from_slice(&dport.to_be_bytes());
    p.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    p
}

/// A TCP segment (PSH ACK) from 40000 to 80 carrying `payload`.
pub(crate) fn tcp(payload: &[u8]) -> Vec<u8> {
    let mut p = vec![
        0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    ];
    p.extend_from_slice(payload);
    p
}

/// Ethernet II around `payload`.
pub(crate) fn ether(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    p.extend_from_slice(&ethertype.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// The inner packet: 10.1.0.1:40000 → 10.1.0.2:80, the HTTP request.
pub(crate) fn inner_ipv4() -> Vec<u8> {
    ipv4([10, 1, 0, 1], [10, 1, 0, 2], 6, &tcp(HTTP_BASIC))
}

/// The outer packet: 192.0.2.1 → 192.0.2.2 carrying `payload` as `proto`.
pub(crate) fn outer(proto: u8, payload: &[u8]) -> Vec<u8> {
    ipv4([192, 0, 2, 1], [192, 0, 2, 2], proto, payload)
}

pub(crate) fn outer_udp(dport: u16, payload: &[u8]) -> Vec<u8> {
    outer(17, &udp(50000, dport, payload))
}

pub(crate) fn gre(flags: u16, proto: u16, optional: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut p = flags.to_be_bytes().to_vec();
    p.extend_from_slice(&proto.to_be_bytes());
    p.extend_from_slice(optional);
    p.extend_from_slice(payload);
    p
}

pub(crate) fn vxlan_header(flags: u8, vni: u32) -> Vec<u8> {
    let v = vni.to_be_bytes();
    vec![flags, 0, 0, 0, v[1], v[2], v[3], 0]
}

/// IPv4 in GRE, no optional fields.
pub(crate) fn gre_ipv4() -> Vec<u8> {
    outer(47, &gre(0, 0x0800, &[], &inner_ipv4()))
}

/// IPv4 in GRE with checksum, key and sequence number.
pub(crate) fn gre_checksum_key_seq() -> Vec<u8> {
    let opt = [0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 7];
    outer(47, &gre(0xb000, 0x0800, &opt, &inner_ipv4()))
}

/// Ethernet in GRE (transparent Ethernet bridging).
pub(crate) fn gre_teb() -> Vec<u8> {
    outer(47, &gre(0, 0x6558, &[], &ether(0x0800, &inner_ipv4())))
}

/// PPTP: enhanced GRE version 1 with key (length, call 5), sequence, PPP.
pub(crate) fn gre_pptp() -> Vec<u8> {
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend_from_slice(&inner_ipv4());
    let mut opt = (ppp.len() as u16).to_be_bytes().to_vec();
    opt.extend_from_slice(&[0, 5, 0, 0, 0, 3]);
    outer(47, &gre(0x3001, 0x880b, &opt, &ppp))
}

/// ERSPAN type II: session 42, then the mirrored Ethernet frame.
pub(crate) fn erspan_ii() -> Vec<u8> {
    let mut e = vec![0x10, 0x00, 0x00, 42, 0, 0, 0, 0];
    e.extend_from_slice(&ether(0x0800, &inner_ipv4()));
    outer(47, &gre(0x1000, 0x88be, &[0, 0, 0, 1], &e))
}

/// ERSPAN type III with the platform subheader (O bit).
pub(crate) fn erspan_iii() -> Vec<u8> {
    let mut e = vec![
        0x20, 0x00, 0x00, 42, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    e.extend_from_slice(&ether(0x0800, &inner_ipv4()));
    outer(47, &gre(0x1000, 0x22eb, &[0, 0, 0, 1], &e))
}

pub(crate) fn vxlan() -> Vec<u8> {
    let mut v = vxlan_header(0x08, 42);
    v.extend_from_slice(&ether(0x0800, &inner_ipv4()));
    outer_udp(4789, &v)
}

/// A datagram to port 4789 whose first byte has the I flag clear: not VXLAN.
pub(crate) fn vxlan_i_flag_clear() -> Vec<u8> {
    let mut v = vxlan_header(0x00, 42);
    v.extend_from_slice(&ether(0x0800, &inner_ipv4()));
    outer_udp(4789, &v)
}

pub(crate) fn vxlan_gpe_ipv4() -> Vec<u8> {
    let mut v = vxlan_header(0x0c, 42);
    v[3] = 1;
    v.extend_from_slice(&inner_ipv4());
    outer_udp(4790, &v)
}

/// Geneve with one 8-byte option, carrying IPv4.
pub(crate) fn geneve_option() -> Vec<u8> {
    let mut g = vec![0x02, 0x40, 0x08, 0x00, 0, 0, 7, 0];
    g.extend_from_slice(&[0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef]);
    g.extend_from_slice(&inner_ipv4());
    outer_udp(6081, &g)
}

/// Geneve whose one option claims 12 bytes in an 8-byte options area.
pub(crate) fn geneve_option_past_header() -> Vec<u8> {
    let mut g = vec![0x02, 0x00, 0x08, 0x00, 0, 0, 7, 0];
    g.extend_from_slice(&[0x01, 0x02, 0x03, 0x02, 0xde, 0xad, 0xbe, 0xef]);
    g.extend_from_slice(&inner_ipv4());
    outer_udp(6081, &g)
}

/// Geneve whose header claims more options than the datagram holds.
pub(crate) fn geneve_options_past_datagram() -> Vec<u8> {
    let mut g = vec![0x3f, 0x00, 0x08, 0x00, 0, 0, 7, 0];
    g.extend_from_slice(&inner_ipv4());
    outer_udp(6081, &g)
}

fn gtp_header(flags: u8, message: u8, rest: &[u8]) -> Vec<u8> {
    let mut g = vec![flags, message];
    g.extend_from_slice(&(rest.len() as u16).to_be_bytes());
    g.extend_from_slice(&[0, 0, 0, 99]);
    g.extend_from_slice(rest);
    g
}

pub(crate) fn gtp_u() -> Vec<u8> {
    outer_udp(2152, &gtp_header(0x30, 255, &inner_ipv4()))
}

/// GTP-U with sequence number and a PDU session container extension header.
pub(crate) fn gtp_u_extension() -> Vec<u8> {
    let mut rest = vec![0, 7, 0, 0x85, 1, 0x10, 0x09, 0];
    rest.extend_from_slice(&inner_ipv4());
    outer_udp(2152, &gtp_header(0x36, 255, &rest))
}

/// GTP-U whose extension header has length 0: a chain that would never advance.
pub(crate) fn gtp_u_extension_loop() -> Vec<u8> {
    let mut rest = vec![0, 7, 0, 0x85, 0, 0x10, 0x09, 0x85];
    rest.extend_from_slice(&inner_ipv4());
    outer_udp(2152, &gtp_header(0x34, 255, &rest))
}

/// GTP-U whose extension header claims 64 bytes past the end of the message.
pub(crate) fn gtp_u_extension_overrun() -> Vec<u8> {
    let rest = vec![0, 7, 0, 0x85, 16, 0x10, 0x09, 0];
    outer_udp(2152, &gtp_header(0x34, 255, &rest))
}

pub(crate) fn teredo_origin() -> Vec<u8> {
    let mut t = vec![0, 0, !0x0du8, !0x05u8, !203u8, !0u8, !113u8, !7u8];
    t.extend_from_slice(&ipv6(1, 2, 6, &tcp(HTTP_BASIC)));
    outer_udp(3544, &t)
}

pub(crate) fn l2tp_data() -> Vec<u8> {
    let mut l = vec![0x00, 0x02, 0, 1, 0, 2, 0xff, 0x03, 0x00, 0x21];
    l.extend_from_slice(&inner_ipv4());
    outer_udp(1701, &l)
}

/// A 6in4 packet (IPv6 in IPv4, protocol 41).
pub(crate) fn six_in_four() -> Vec<u8> {
    outer(41, &ipv6(1, 2, 6, &tcp(HTTP_BASIC)))
}

/// IPv4 in GRE in IPv4 in GRE …, `depth` GRE headers deep.
pub(crate) fn gre_nested(depth: usize) -> Vec<u8> {
    let mut p = inner_ipv4();
    for _ in 0..depth {
        p = outer(47, &gre(0, 0x0800, &[], &p));
    }
    p
}

/// GRE with the key bit set and nothing after the protocol type.
pub(crate) fn gre_key_bit_without_room() -> Vec<u8> {
    outer(47, &gre(0x2000, 0x0800, &[], &[]))
}

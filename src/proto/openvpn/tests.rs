//! Named byte fixtures for OpenVPN: recognition, control packets carrying TLS, data packets.

use super::*;
use crate::span::Visibility::*;

fn labels(out: &Emitter, len: usize) -> Vec<(&'static str, Visibility)> {
    let mut l = vec![("", Undecoded); len];
    for s in &out.spans {
        for i in s.range.clone() {
            assert_eq!(l[i as usize].0, "", "byte {i} labelled twice");
            l[i as usize] = (s.field.name(), s.vis);
        }
    }
    assert!(
        l.iter().all(|x| !x.0.is_empty()),
        "every byte labelled: {l:?}"
    );
    l
}

/// A plain (no tls-auth) control packet.
fn control(opcode: u8, acks: &[u32], mpid: u32, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![opcode << 3];
    b.extend([0x11; 8]);
    b.push(acks.len() as u8);
    for a in acks {
        b.extend(a.to_be_bytes());
    }
    if !acks.is_empty() {
        b.extend([0x22; 8]);
    }
    if opcode != op::ACK_V1 {
        b.extend(mpid.to_be_bytes());
    }
    b.extend(payload);
    b
}

/// A TLS record of `content` type with `body`.
fn record(content: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content, 3, 3];
    r.extend((body.len() as u16).to_be_bytes());
    r.extend(body);
    r
}

fn udp(flow: &mut OpenVpn, dir: Direction, b: &[u8]) -> Emitter {
    let mut out = Emitter::default();
    flow.feed(dir, 0, b, true, &mut out);
    out
}

fn probe(bytes: &[u8], transport: Transport) -> Probe<'_> {
    Probe {
        bytes,
        dir: Direction::ToServer,
        transport,
        client_port: 40000,
        server_port: 9,
    }
}

#[test]
fn a_client_reset_is_recognised_on_any_port() {
    let reset = control(op::HARD_RESET_CLIENT_V2, &[], 0, &[]);
    assert_eq!(reset.len(), 14);
    assert_eq!(detect(&probe(&reset, Transport::Udp)), Detect::Yes);
    let mut tcp = vec![0, 14];
    tcp.extend(&reset);
    assert_eq!(detect(&probe(&tcp, Transport::Tcp)), Detect::Yes);
    assert_eq!(detect(&probe(&tcp[..5], Transport::Tcp)), Detect::NeedMore);
    let data = [0x48, 0, 0, 1, 9, 9, 9];
    assert_eq!(detect(&probe(&data, Transport::Udp)), Detect::No);
}

/// A tls-crypt-v2 client reset as OpenVPN 2.6 sends it: header, packet-ID and time,
/// tag, encrypted message, WKc ending in its length.
fn tls_crypt_v2_reset_packet(wkc: usize) -> Vec<u8> {
    let mut b = vec![op::HARD_RESET_CLIENT_V3 << 3];
    b.extend([0xaa; 8]);
    b.extend(0x0a01_0001u32.to_be_bytes());
    b.extend(0x625a_9e97u32.to_be_bytes());
    b.extend([0x5c; CRYPT_TAG + 20]);
    b.extend(vec![0x77; wkc - 2]);
    b.extend((wkc as u16).to_be_bytes());
    b
}

#[test]
fn a_quic_short_header_is_no_tls_crypt_v2_reset() {
    let reset = tls_crypt_v2_reset_packet(299);
    assert_eq!(detect(&probe(&reset, Transport::Udp)), Detect::Yes);
    // A QUIC 1-RTT packet whose first byte is 0x50 (fixed bit, one-byte packet
    // number): 8-byte connection ID, then ciphertext. Its bytes where a time would be
    // may look like one; its last two bytes are no WKc length.
    let mut quic = vec![0x50];
    quic.extend([0xc0, 0xa0, 0xcd, 0x79, 0xb5, 0xe6, 0x8a, 0x63]);
    quic.extend(0x0a01_0001u32.to_be_bytes());
    quic.extend(0x625a_9e97u32.to_be_bytes());
    quic.extend([0x3d; 1200]);
    assert_eq!(detect(&probe(&quic, Transport::Udp)), Detect::No);
    // A WKc length longer than the packet, or shorter than its own tag, is none.
    let mut long = reset.clone();
    let n = long.len();
    long[n - 2..].copy_from_slice(&(n as u16).to_be_bytes());
    assert_eq!(detect(&probe(&long, Transport::Udp)), Detect::No);
    let mut short = reset;
    short[n - 2..].copy_from_slice(&10u16.to_be_bytes());
    assert_eq!(detect(&probe(&short, Transport::Udp)), Detect::No);
}

#[test]
fn control_tls_is_handed_to_tls_and_data_is_opaque() {
    let mut flow = OpenVpn::new(Transport::Udp);
    let reset = control(op::HARD_RESET_CLIENT_V2, &[], 0, &[]);
    let l = labels(&udp(&mut flow, Direction::ToServer, &reset), reset.len());
    assert_eq!(l[0], ("openvpn.opcode", Metadata));
    assert_eq!(l[13], ("openvpn.mpid", Metadata));
    // A TLS alert record in a P_CONTROL_V1: TLS labels it.
    let p = control(op::CONTROL_V1, &[], 1, &record(21, &[2, 40]));
    let out = udp(&mut flow, Direction::ToServer, &p);
    let l = labels(&out, p.len());
    assert_eq!(l[14], ("tls.record.content_type", Metadata));
    assert!(out
        .events
        .iter()
        .any(|e| matches!(e.desc, Desc::TlsAlert { .. })));
    let data = [0x48, 0, 0, 1, 9, 9, 9, 9];
    let l = labels(&udp(&mut flow, Direction::ToServer, &data), data.len());
    assert_eq!(l[1], ("openvpn.peerid", Metadata));
    assert_eq!(l[7], ("openvpn.data", Opaque));
    let mut f = Facts::default();
    flow.facts(&mut f);
    assert_eq!(f.stack, vec!["OpenVPN", "TLS"]);
}

#[test]
fn a_handshake_message_across_packets_is_readable_then_parsed() {
    let mut flow = OpenVpn::new(Transport::Udp);
    // A handshake record whose message (type 99, 40 bytes) spans two packets.
    let mut body = vec![99, 0, 0, 40];
    body.extend([7; 40]);
    let rec = record(22, &body);
    let (a, b) = rec.split_at(20);
    let p1 = control(op::CONTROL_V1, &[], 5, a);
    let l = labels(&udp(&mut flow, Direction::ToServer, &p1), p1.len());
    assert_eq!(l[p1.len() - 1], ("openvpn.tls.pending", Cleartext));
    let p2 = control(op::CONTROL_V1, &[], 6, b);
    let out = udp(&mut flow, Direction::ToServer, &p2);
    let l = labels(&out, p2.len());
    assert_eq!(l[p2.len() - 1].1, Cleartext);
    // A retransmission of the second packet gets the same labels.
    let again = labels(&udp(&mut flow, Direction::ToServer, &p2), p2.len());
    assert_eq!(l, again);
}

#[test]
fn a_control_channel_packet_id_gap() {
    let mut flow = OpenVpn::new(Transport::Udp);
    let first = control(op::CONTROL_V1, &[], 1, &record(21, &[1, 0]));
    udp(&mut flow, Direction::ToClient, &first);
    // Packet 2 is lost; 3.. arrive and are held, then the bound gives up on 2.
    let mut notes = 0;
    for id in 3..(3 + MAX_HELD as u32 + 2) {
        let p = control(op::CONTROL_V1, &[], id, &record(23, &[0xee; 30]));
        let out = udp(&mut flow, Direction::ToClient, &p);
        labels(&out, p.len());
        notes += out.notes.len();
    }
    assert!(notes > MAX_HELD, "held packets and the gap are noted");
    let c = &flow.ctl[1];
    assert!(c.held.len() <= MAX_HELD && c.held_bytes <= MAX_HELD_BYTES);
    // Later packets are read again.
    let p = control(op::CONTROL_V1, &[], 100, &record(23, &[1; 4]));
    udp(&mut flow, Direction::ToClient, &p);
}

#[test]
fn a_soft_reset_starts_a_new_tls_session_with_packet_ids_from_zero() {
    let mut flow = OpenVpn::new(Transport::Udp);
    let p = control(op::CONTROL_V1, &[], 7, &record(21, &[1, 0]));
    udp(&mut flow, Direction::ToServer, &p);
    let mut soft = control(op::SOFT_RESET_V1, &[], 0, &[]);
    soft[0] |= 1;
    udp(&mut flow, Direction::ToServer, &soft);
    let mut p = control(op::CONTROL_V1, &[], 1, &record(21, &[1, 0]));
    p[0] |= 1;
    let out = udp(&mut flow, Direction::ToServer, &p);
    let l = labels(&out, p.len());
    assert_eq!(
        l[14],
        ("tls.record.content_type", Metadata),
        "not a retransmission"
    );
}

#[test]
fn tls_crypt_control_is_opaque() {
    let mut b = vec![op::HARD_RESET_CLIENT_V3 << 3];
    b.extend([0x11; 8]);
    b.extend(1u32.to_be_bytes());
    b.extend(0x6000_0000u32.to_be_bytes());
    b.extend([0x33; 32]);
    // The encrypted message, then WKc ending in its length (250 bytes).
    b.extend([0x44; 298]);
    b.extend(250u16.to_be_bytes());
    assert_eq!(detect(&probe(&b, Transport::Udp)), Detect::Yes);
    let mut flow = OpenVpn::new(Transport::Udp);
    let l = labels(&udp(&mut flow, Direction::ToServer, &b), b.len());
    assert_eq!(l[9], ("openvpn.pid", Metadata));
    assert_eq!(l[17], ("openvpn.tls_crypt.tag", Metadata));
    assert_eq!(l[49], ("openvpn.tls_crypt.data", Opaque));
}

#[test]
fn tls_auth_hmac_size_is_found() {
    let mut b = vec![op::HARD_RESET_CLIENT_V2 << 3];
    b.extend([0x11; 8]);
    b.extend([0x55; 20]);
    b.extend(1u32.to_be_bytes());
    b.extend(0x6000_0000u32.to_be_bytes());
    b.push(0);
    b.extend(0u32.to_be_bytes());
    assert_eq!(guess_wrap(&b), Some(Wrap::Auth(20)));
    assert_eq!(detect(&probe(&b, Transport::Udp)), Detect::Yes);
}

#[test]
fn tcp_lengths_zero_and_65535() {
    let mut flow = OpenVpn::new(Transport::Tcp);
    let mut out = Emitter::default();
    let reset = control(op::HARD_RESET_CLIENT_V2, &[], 0, &[]);
    let mut s = vec![0, 14];
    s.extend(&reset);
    s.extend([0, 0, 1, 2, 3]);
    let fed = flow.feed(Direction::ToServer, 0, &s, false, &mut out);
    assert_eq!(
        fed,
        Fed::Done(s.len()),
        "after a zero length, the rest is undecoded"
    );
    assert!(out.notes.iter().any(|n| n.text.contains("length 0")));
    labels(&out, s.len());

    let mut flow = OpenVpn::new(Transport::Tcp);
    let mut out = Emitter::default();
    let s = [0xff, 0xff, 0x38, 1, 2, 3];
    flow.feed(Direction::ToServer, 0, &s, true, &mut out);
    assert!(out.notes.iter().any(|n| n.text.contains("65535")));
    labels(&out, s.len());
    // A length within bounds whose packet never completes: waits, then flushes.
    let mut flow = OpenVpn::new(Transport::Tcp);
    let mut out = Emitter::default();
    let s = [0x01, 0x00, 0x38, 1, 2];
    assert_eq!(
        flow.feed(Direction::ToServer, 0, &s, false, &mut out),
        Fed::Done(0)
    );
    flow.feed(Direction::ToServer, 0, &s, true, &mut out);
    labels(&out, s.len());
}

#[test]
fn truncated_packets_of_every_opcode_never_panic() {
    for opcode in 0..32u8 {
        let full = control(opcode.clamp(1, 11), &[1, 2], 3, &record(22, &[1, 0, 0, 0]));
        for cut in 1..full.len() {
            let mut b = full[..cut].to_vec();
            b[0] = opcode << 3;
            for mode in [
                Mode::Start,
                Mode::Tls(Some(Wrap::Plain)),
                Mode::Tls(Some(Wrap::Auth(20))),
                Mode::Tls(Some(Wrap::Crypt)),
            ] {
                let mut flow = OpenVpn::new(Transport::Udp);
                flow.mode = mode;
                labels(&udp(&mut flow, Direction::ToServer, &b), b.len());
            }
        }
    }
}

#[test]
fn static_key_packets_are_opaque_unless_text() {
    let mut flow = OpenVpn::new(Transport::Udp);
    let b = [0xf3; 48];
    let l = labels(&udp(&mut flow, Direction::ToServer, &b), b.len());
    assert_eq!(l[0], ("openvpn.data", Opaque));
    let l = labels(&udp(&mut flow, Direction::ToServer, b"hello there"), 11);
    assert_eq!(l[0].1, Undecoded);
}

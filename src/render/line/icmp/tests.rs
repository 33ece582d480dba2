//! ICMP and ICMPv6 lines printed from byte fixtures.

use super::*;

fn v4(msg: &[u8], len: u32) -> String {
    let mut s = String::new();
    let _ = icmp4(&mut s, Bytes(msg), len);
    s
}

#[test]
fn port_unreachable_names_the_quoted_destination_and_port() {
    let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
    // Quoted IPv4 header (20 bytes, UDP) to 10.0.0.2, then UDP ports.
    let mut ip = vec![
        0x45, 0, 0, 40, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ];
    m.append(&mut ip);
    m.extend_from_slice(&[0x30, 0x39, 0x11, 0x51, 0, 8, 0, 0]);
    assert_eq!(
        v4(&m, 36),
        "ICMP 10.0.0.2 udp port 4433 unreachable, length 36"
    );
    // Cut before the quoted port: nothing of the buffer is printed.
    assert_eq!(v4(&m[..29], 36), "");
}

#[test]
fn timestamps_print_as_time_of_day() {
    assert_eq!(tstamp(3_723_004), "01:02:03.004");
}

#[test]
fn neighbor_solicitation_names_its_target() {
    let mut m = vec![135, 0, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    let mut s = String::new();
    icmp6(&mut s, Bytes(&m), 24, 0).unwrap();
    assert_eq!(
        s,
        "ICMP6, neighbor solicitation, who has 2001:db8::1, length 24"
    );
}

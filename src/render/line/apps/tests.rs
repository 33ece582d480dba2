//! Application printers' lines printed from byte fixtures.

use super::*;
use crate::render::line::LineOptions;
use std::net::Ipv4Addr;

fn resp_line(b: &[u8], length: u32) -> String {
    let mut s = String::new();
    resp(&mut s, Bytes(b), length);
    s
}

#[test]
fn resp_prints_every_item_of_a_pipeline() {
    let b = b"*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n+OK\r\n$-1\r\n";
    assert_eq!(
        resp_line(b, b.len() as u32),
        r#": RESP "AUTH" "s3cret" "OK" null"#
    );
    assert_eq!(resp_line(b"KEYS *\r\n", 8), r#": RESP "KEYS *""#);
}

#[test]
fn resp_cut_short_says_so() {
    let b = b"*2\r\n$4\r\nAUTH\r\n$6\r\ns3c";
    assert_eq!(resp_line(b, 30), r#": RESP "AUTH" [|resp]"#);
}

#[test]
fn isakmp_remembers_the_initiator() {
    let cookies = Cookies::default();
    let cx = Ctx {
        opts: LineOptions {
            verbose: 0,
            ..LineOptions::default()
        },
        frame: &[],
        orig_len: 0,
        isakmp: &cookies,
    };
    let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    let b = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
    let mut hdr = [0u8; 28];
    hdr[..8].copy_from_slice(&[0x11; 8]);
    hdr[17] = 0x10;
    hdr[18] = 2;
    let mut s = String::new();
    isakmp(&mut s, Bytes(&hdr), 28, Datagram { src: a, dst: b }, &cx).unwrap();
    assert_eq!(s, "isakmp: phase 1 I ident");
    hdr[8..16].copy_from_slice(&[0x22; 8]);
    let mut s = String::new();
    isakmp(&mut s, Bytes(&hdr), 28, Datagram { src: b, dst: a }, &cx).unwrap();
    assert_eq!(s, "isakmp: phase 1 R ident");
    // Another initiator cookie with a responder's: tcpdump does not know the side.
    hdr[..8].copy_from_slice(&[0x33; 8]);
    let mut s = String::new();
    isakmp(&mut s, Bytes(&hdr), 28, Datagram { src: b, dst: a }, &cx).unwrap();
    assert_eq!(s, "isakmp: phase 1 ? ident");
}

#[test]
fn small_printers() {
    let mut s = String::new();
    ntp(&mut s, Bytes(&[0x23]), 48).unwrap();
    assert_eq!(s, "NTPv4, Client, length 48");
    let mut s = String::new();
    syslog(&mut s, Bytes(b"<34>Oct"), 7).unwrap();
    assert_eq!(s, "SYSLOG auth.critical, length: 7");
    let mut s = String::new();
    let rrq = b"\x00\x01boot.img\x00octet\x00";
    tftp(&mut s, Bytes(rrq), rrq.len() as u32).unwrap();
    assert_eq!(s, "TFTP, length 17, RRQ \"boot.img\" octet");
    let mut s = String::new();
    assert!(tftp(&mut s, Bytes(&rrq[..6]), rrq.len() as u32).is_err());
}

//! DNS lines printed from byte fixtures.

use super::*;
use crate::render::line::LineOptions;

fn line(msg: &[u8], flavour: Flavour, verbose: u8) -> String {
    let cx = Ctx {
        opts: LineOptions {
            verbose,
            ..LineOptions::default()
        },
        frame: &[],
        orig_len: 0,
        isakmp: &Default::default(),
    };
    let mut s = String::new();
    domain(&mut s, Bytes(msg), msg.len() as u32, false, flavour, &cx);
    s
}

/// A query for www.tcpdump.org A with RD and an OPT record.
const QUERY_WITH_OPT: &[u8] = b"\x59\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\
        \x03www\x07tcpdump\x03org\x00\x00\x01\x00\x01\
        \x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00";

#[test]
fn query_with_edns_prints_its_additional_count() {
    assert_eq!(
        line(QUERY_WITH_OPT, Flavour::Dns, 0),
        "22836+ [1au] A? www.tcpdump.org. (44)"
    );
}

/// tcpdump 4.99.3 prints no type when the name was cut (checked with it).
#[test]
fn query_cut_in_its_name_is_truncated() {
    assert_eq!(
        line(&QUERY_WITH_OPT[..20], Flavour::Dns, 0),
        "22836+ [1au] [|domain]"
    );
}

#[test]
fn pointer_forward_is_bad() {
    // A response whose answer name points at itself.
    let msg = b"\x00\x01\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00\
            \xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x02\xc0\x0c";
    assert_eq!(
        line(msg, Flavour::Dns, 0),
        "1 [0q] 1/0/0 CNAME <BAD PTR> [|domain]"
    );
}

#[test]
fn short_message_is_invalid() {
    assert_eq!(
        line(b"\x00\x01", Flavour::Dns, 0),
        "domain [length 2 < 12] (invalid)"
    );
}

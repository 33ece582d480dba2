//! ICMP and ICMPv6 as tcpdump's print-icmp.c and print-icmp6.c name them: the type,
//! echo id and sequence, and the length.

use super::Ctx;
use crate::decode::IcmpLayer;
use std::fmt::Write as _;

pub(super) fn icmp(s: &mut String, i: &IcmpLayer, _cx: &Ctx<'_>) {
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

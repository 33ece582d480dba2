//! ICMP and ICMPv6 as tcpdump's print-icmp.c and print-icmp6.c print them at default
//! verbosity: the type with what it says (the unreachable address and port from the
//! quoted datagram, the redirect gateway, the mtu, the neighbor discovery target, the
//! multicast listener records…), then the length.

use super::nd::{print_char, Bytes, Res, Trunc};
use super::Ctx;
use crate::decode::checksum::Verdict;
use crate::decode::IcmpLayer;
use std::fmt::Write as _;

mod icmp6;
mod nodeinfo;
#[cfg(test)]
mod tests;

use icmp6::*;
use nodeinfo::*;

pub(super) fn icmp(s: &mut String, i: &IcmpLayer, cx: &Ctx<'_>) {
    if i.kind.is_none() {
        return;
    }
    let verdict = (cx.opts.checksums() && !i.fragmented)
        .then(|| i.checksum(cx.frame))
        .flatten();
    let b = Bytes(cx.bytes(&i.data));
    let mut out = String::new();
    let res = if i.v6 {
        // print-icmp6.c checks before it names the type.
        match verdict {
            Some(Verdict::Correct) => out.push_str("[icmp6 sum ok] "),
            Some(Verdict::Incorrect { field, should_be }) => {
                let _ = write!(
                    out,
                    "[bad icmp6 cksum 0x{field:04x} -> 0x{should_be:04x}!] "
                );
            }
            None => {}
        }
        icmp6(&mut out, b, i.length, cx.opts.verbose)
    } else {
        let res = icmp4(&mut out, b, i.length);
        // print-icmp.c checks after the length.
        if let (Ok(()), Some(Verdict::Incorrect { field, should_be })) = (&res, verdict) {
            let _ = write!(out, " (wrong icmp cksum {field:x} (->{should_be:x})!)");
        }
        res
    };
    s.push_str(&out);
    // Fewer than 8 bytes: the decoder marks the packet cut, which prints the marker.
    if res.is_err() && b.len() >= 8 {
        s.push_str(if i.v6 { " [|icmp6]" } else { " [|icmp]" });
    }
}

/// print-icmp.c's `icmp_print`: the text goes into a buffer first, so a read past
/// the capture prints nothing of it.
fn icmp4(out: &mut String, b: Bytes<'_>, length: u32) -> Res {
    let mut s = String::new();
    let kind = b.u8(0)?;
    let code = b.u8(1)?;
    // The quoted datagram's destination, protocol and (for a port) header.
    let odst = |b: Bytes<'_>| b.ipv4(24);
    match kind {
        0 | 8 => {
            let _ = write!(
                s,
                "echo {}, id {}, seq {}",
                if kind == 8 { "request" } else { "reply" },
                b.be16(4)?,
                b.be16(6)?
            );
        }
        3 => match code {
            0 => {
                let _ = write!(s, "net {} unreachable", odst(b)?);
            }
            1 => {
                let _ = write!(s, "host {} unreachable", odst(b)?);
            }
            2 => {
                let _ = write!(s, "{} protocol {} unreachable", odst(b)?, b.u8(17)?);
            }
            3 => {
                let hlen = usize::from(b.u8(8)? & 0x0f) * 4;
                let dport = b.be16(8 + hlen + 2)?;
                let proto = b.u8(17)?;
                let dst = odst(b)?;
                match proto {
                    6 => {
                        let _ = write!(s, "{dst} tcp port {dport} unreachable");
                    }
                    17 => {
                        let _ = write!(s, "{dst} udp port {dport} unreachable");
                    }
                    _ => {
                        let _ = write!(s, "{dst} protocol {proto} port {dport} unreachable");
                    }
                }
            }
            4 => {
                let mtu = b.be16(6)?;
                let dst = odst(b)?;
                if mtu != 0 {
                    let _ = write!(s, "{dst} unreachable - need to frag (mtu {mtu})");
                } else {
                    let _ = write!(s, "{dst} unreachable - need to frag");
                }
            }
            _ => {
                let dst = odst(b)?;
                let text = match code {
                    5 => format!("{dst} unreachable - source route failed"),
                    6 => format!("net {dst} unreachable - unknown"),
                    7 => format!("host {dst} unreachable - unknown"),
                    8 => format!("{dst} unreachable - source host isolated"),
                    9 => format!("net {dst} unreachable - admin prohibited"),
                    10 => format!("host {dst} unreachable - admin prohibited"),
                    11 => format!("net {dst} unreachable - tos prohibited"),
                    12 => format!("host {dst} unreachable - tos prohibited"),
                    13 => format!("host {dst} unreachable - admin prohibited filter"),
                    14 => format!("host {dst} unreachable - host precedence violation"),
                    15 => format!("host {dst} unreachable - precedence cutoff"),
                    _ => format!("{dst} unreachable - #{code}"),
                };
                s.push_str(&text);
            }
        },
        5 => {
            let dst = odst(b)?;
            let gw = b.ipv4(4)?;
            let _ = match code {
                0 => write!(s, "redirect {dst} to net {gw}"),
                1 => write!(s, "redirect {dst} to host {gw}"),
                2 => write!(s, "redirect-tos {dst} to net {gw}"),
                3 => write!(s, "redirect-tos {dst} to host {gw}"),
                _ => write!(s, "redirect-#{code} {dst} to {gw}"),
            };
        }
        9 => {
            s.push_str("router advertisement");
            b.get(4, 4)?;
            s.push_str(" lifetime ");
            let lifetime = u32::from(b.be16(6)?);
            if lifetime < 60 {
                let _ = write!(s, "{lifetime}");
            } else if lifetime < 3600 {
                let _ = write!(s, "{}:{:02}", lifetime / 60, lifetime % 60);
            } else {
                let _ = write!(
                    s,
                    "{}:{:02}:{:02}",
                    lifetime / 3600,
                    (lifetime % 3600) / 60,
                    lifetime % 60
                );
            }
            let num = b.u8(4)?;
            let _ = write!(s, " {num}:");
            let size = b.u8(5)?;
            if size != 2 {
                let _ = write!(s, " [size {size}]");
            } else {
                for n in 0..usize::from(num) {
                    let at = 8 + 8 * n;
                    b.get(at, 8)?;
                    let _ = write!(s, " {{{} {}}}", b.ipv4(at)?, b.be32(at + 4)?);
                }
            }
        }
        11 => {
            b.get(24, 4)?;
            match code {
                0 => s.push_str("time exceeded in-transit"),
                1 => s.push_str("ip reassembly time exceeded"),
                _ => {
                    let _ = write!(s, "time exceeded-#{code}");
                }
            }
        }
        12 => {
            if code != 0 {
                let _ = write!(s, "parameter problem - code {code}");
            } else {
                let _ = write!(s, "parameter problem - octet {}", b.u8(4)?);
            }
        }
        18 => {
            let _ = write!(s, "address mask is 0x{:08x}", b.be32(8)?);
        }
        13 => {
            let _ = write!(s, "time stamp query id {} seq {}", b.be16(4)?, b.be16(6)?);
        }
        14 => {
            b.get(16, 4)?;
            let _ = write!(
                s,
                "time stamp reply id {} seq {}: org {}, recv {}, xmit {}",
                b.be16(4)?,
                b.be16(6)?,
                tstamp(b.be32(8)?),
                tstamp(b.be32(12)?),
                tstamp(b.be32(16)?)
            );
        }
        _ => {
            let name = match kind {
                4 => "source quench",
                10 => "router solicitation",
                15 => "information request",
                16 => "information reply",
                17 => "address mask request",
                _ => "",
            };
            if name.is_empty() {
                let _ = write!(s, "type-#{kind}");
            } else {
                s.push_str(name);
            }
        }
    }
    let _ = write!(out, "ICMP {s}, length {length}");
    Ok(())
}

/// `icmp_tstamp_print`: milliseconds since midnight UTC.
fn tstamp(t: u32) -> String {
    let msec = t % 1000;
    let sec = t / 1000;
    let (min, sec) = (sec / 60, sec % 60);
    let (hrs, min) = (min / 60, min % 60);
    format!("{hrs:02}:{min:02}:{sec:02}.{msec:03}")
}

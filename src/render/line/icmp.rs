//! ICMP and ICMPv6 as tcpdump's print-icmp.c and print-icmp6.c print them at default
//! verbosity: the type with what it says (the unreachable address and port from the
//! quoted datagram, the redirect gateway, the mtu, the neighbor discovery target, the
//! multicast listener records…), then the length.

use super::nd::{print_char, Bytes, Res, Trunc};
use super::Ctx;
use crate::decode::checksum::Verdict;
use crate::decode::IcmpLayer;
use std::fmt::Write as _;

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

fn icmp6_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
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
        138 => "router renumbering",
        139 => "who-are-you request",
        140 => "who-are-you reply",
        141 => "inverse neighbor solicitation",
        142 => "inverse neighbor advertisement",
        143 => "multicast listener report v2",
        144 => "ha discovery request",
        145 => "ha discovery reply",
        146 => "mobile router solicitation",
        147 => "mobile router advertisement",
        155 => "RPL",
        200 => "mtrace response",
        201 => "mtrace message",
        _ => return None,
    })
}

/// print-icmp6.c's `icmp6_print`, its first line: printed as it goes, so a read
/// past the capture leaves what was printed before the marker. With `-v` the
/// neighbor discovery messages give their length after the type, and no message ends
/// with it (their options and MLDv2's records follow on lines eavesdrop leaves out).
fn icmp6(s: &mut String, b: Bytes<'_>, length: u32, verbose: u8) -> Res {
    let kind = b.u8(0)?;
    s.push_str("ICMP6, ");
    match icmp6_name(kind) {
        Some(name) => s.push_str(name),
        None => {
            let _ = write!(s, "unknown icmp6 type ({kind})");
        }
    }
    if verbose > 0 && matches!(kind, 133..=137 | 145 | 147) {
        let _ = write!(s, ", length {length}");
    }
    let code = b.u8(1)?;
    // The quoted IPv6 header starts at 8: its source at 16, destination at 32.
    match kind {
        1 => {
            s.push_str(", ");
            match code {
                0 => s.push_str("unreachable route"),
                1 => s.push_str(" unreachable prohibited"),
                2 => s.push_str("beyond scope"),
                3 => s.push_str("unreachable address"),
                4 => s.push_str("unreachable port"),
                _ => {
                    let _ = write!(s, "unknown unreach code ({code})");
                }
            }
            match code {
                0 | 1 | 3 => {
                    let _ = write!(s, " {}", b.ipv6(32)?);
                }
                2 => {
                    let _ = write!(s, " {}, source address {}", b.ipv6(32)?, b.ipv6(16)?);
                }
                4 => {
                    let (prot, at) = upper_layer(b.from(8)).ok_or(Trunc)?;
                    let dport = b.be16(8 + at + 2)?;
                    let dst = b.ipv6(32)?;
                    match prot {
                        6 => {
                            let _ = write!(s, ", {dst} tcp port {dport}");
                        }
                        17 => {
                            let _ = write!(s, ", {dst} udp port {dport}");
                        }
                        _ => {
                            let _ = write!(s, ", {dst} protocol {prot} port {dport} unreachable");
                        }
                    }
                }
                // A hex dump follows on lines of its own, and no length.
                _ => return Ok(()),
            }
        }
        2 => {
            let _ = write!(s, ", mtu {}", b.be32(4)?);
        }
        3 => match code {
            0 => {
                let _ = write!(s, " for {}", b.ipv6(32)?);
            }
            1 => s.push_str(" (reassembly)"),
            _ => {
                let _ = write!(s, ", unknown code ({code})");
            }
        },
        4 => {
            b.get(32, 16)?;
            let what = match code {
                0 => "erroneous",
                1 => "next header",
                2 => "option",
                3 => "incomplete header chain",
                _ => "",
            };
            if what.is_empty() {
                let _ = write!(s, ", code-#{code}");
            } else {
                let _ = write!(s, ", {what} - octet {}", b.be32(4)?);
            }
        }
        128 | 129 => {
            let _ = write!(s, ", id {}, seq {}", b.be16(4)?, b.be16(6)?);
        }
        130 => {
            if length == 24 {
                mld6(s, b)?;
            } else if length >= 28 {
                s.push_str(" v2");
                mldv2_query(s, b, length)?;
            } else {
                let _ = write!(s, " unknown-version (len {length}) ");
            }
        }
        131 | 132 => mld6(s, b)?,
        133 | 134 | 141 | 142 => {}
        135 => {
            let _ = write!(s, ", who has {}", b.ipv6(8)?);
        }
        136 => {
            let _ = write!(s, ", tgt is {}", b.ipv6(8)?);
        }
        137 => {
            let _ = write!(s, ", {}", b.ipv6(24)?);
            let _ = write!(s, " to {}", b.ipv6(8)?);
        }
        138 => rrenum(s, b)?,
        139 | 140 => nodeinfo(s, b, length)?,
        143 => {
            if length < 8 {
                let _ = write!(s, " [invalid len {length}]");
            } else {
                let _ = write!(s, ", {} group record(s)", b.be16(6)?);
            }
        }
        144 | 146 => {
            let _ = write!(s, ", id 0x{:04x}", b.be16(4)?);
        }
        145 | 147 => {}
        155 => rpl(s, code),
        _ => {
            // The length, then a hex dump on lines of its own.
            let _ = write!(s, ", length {length}");
            return Ok(());
        }
    }
    if verbose == 0 {
        let _ = write!(s, ", length {length}");
    }
    Ok(())
}

/// `get_upperlayer`: the protocol after the quoted IPv6 header and its extension
/// headers, with the offset of its header within `b` (the quoted datagram), if its
/// destination port was captured.
fn upper_layer(b: Bytes<'_>) -> Option<(u8, usize)> {
    let mut nh = b.u8(6).ok()?;
    let mut at = 0usize;
    let mut hlen = 40usize;
    while at < b.len() {
        at += hlen;
        match nh {
            6 | 17 => return b.has(at + 2, 2).then_some((nh, at)),
            0 | 60 | 43 => {
                let len = b.u8(at + 1).ok()?;
                nh = b.u8(at).ok()?;
                hlen = (usize::from(len) + 1) << 3;
            }
            44 => {
                let off = b.be16(at + 2).ok()?;
                if off & 0xfff8 != 0 {
                    return None;
                }
                nh = b.u8(at).ok()?;
                hlen = 8;
            }
            51 => {
                let len = b.u8(at + 1).ok()?;
                nh = b.u8(at).ok()?;
                hlen = (usize::from(len) + 2) << 2;
            }
            _ => return None,
        }
    }
    None
}

/// `mld6_print`: nothing unless the whole message was captured; no separator before
/// it (tcpdump prints `reportmax resp delay`).
fn mld6(s: &mut String, b: Bytes<'_>) -> Res {
    if !b.has(0, 24) {
        return Ok(());
    }
    let _ = write!(s, "max resp delay: {} ", b.be16(4)?);
    let _ = write!(s, "addr: {}", b.ipv6(8)?);
    Ok(())
}

/// `mldv2_query_print` at default verbosity.
fn mldv2_query(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
    if len < 28 {
        let _ = write!(s, " [invalid len {len}]");
        return Ok(());
    }
    let _ = write!(s, " [gaddr {}", b.ipv6(8)?);
    let nsrcs = u32::from(b.be16(26)?);
    if nsrcs > 0 {
        if len < 28 + nsrcs * 16 {
            s.push_str(" [invalid number of sources]");
        } else {
            let _ = write!(s, ", {nsrcs} source(s)");
        }
    }
    s.push(']');
    Ok(())
}

/// `icmp6_rrenum_print` at default verbosity.
fn rrenum(s: &mut String, b: Bytes<'_>) -> Res {
    b.get(12, 4)?;
    let code = b.u8(1)?;
    match code {
        0 => s.push_str(", command"),
        1 => s.push_str(", result"),
        255 => s.push_str(", sequence number reset"),
        _ => {
            let _ = write!(s, ", code-#{code}");
        }
    }
    let _ = write!(s, ", seq={}", b.be32(4)?);
    if code == 0 {
        b.get(16 + 8, 16)?;
        s.push_str(" match(");
        let rpm_code = b.u8(16)?;
        match rpm_code {
            1 => s.push_str("add"),
            2 => s.push_str("change"),
            3 => s.push_str("setglobal"),
            _ => {
                let _ = write!(s, "#{rpm_code}");
            }
        }
        let _ = write!(s, ",{}/{}", b.ipv6(24)?, b.u8(19)?);
        s.push(')');
        let n = i32::from(b.u8(17)?) - 3;
        if n % 4 != 0 {
            return Err(Trunc);
        }
        let mut at = 40usize;
        for _ in 0..n / 4 {
            b.get(at + 16, 16)?;
            s.push_str(" use(");
            let flags = b.u8(at + 12)?;
            if flags != 0 {
                // tcpdump tests the first flags byte against the 32-bit masks in
                // network order, which on a little-endian host are 0x80 and 0x40.
                if flags & 0x80 != 0 {
                    s.push('V');
                }
                if flags & 0x40 != 0 {
                    s.push('P');
                }
                s.push(',');
            }
            let _ = write!(s, "{}/{}/{}", b.ipv6(at + 16)?, b.u8(at)?, b.u8(at + 1)?);
            s.push(')');
            at += 32;
        }
    }
    Ok(())
}

/// `icmp6_nodeinfo_print` at default verbosity.
fn nodeinfo(s: &mut String, b: Bytes<'_>, icmp6len: u32) -> Res {
    const NI: usize = 16;
    let siz = b.len();
    let flags_text = |i: u16, trunc: bool| {
        let mut t = String::from(" [");
        for (bit, c) in [
            (0x40, 'a'),
            (0x20, 'G'),
            (0x10, 'S'),
            (0x08, 'L'),
            (0x04, 'C'),
            (0x02, 'A'),
        ] {
            if i & bit != 0 {
                t.push(c);
            }
        }
        if trunc && i & 0x01 != 0 {
            t.push('T');
        }
        t.push(']');
        t
    };
    match b.u8(0)? {
        139 => {
            if siz == 8 + 4 {
                s.push_str(" who-are-you request");
                return Ok(());
            }
            s.push_str(" node information query");
            b.get(0, NI)?;
            s.push_str(" (");
            let qtype = b.be16(4)?;
            let flags = b.be16(6)?;
            match qtype {
                0 => s.push_str("noop"),
                1 => {
                    s.push_str("supported qtypes");
                    if flags != 0 {
                        let _ = write!(s, " [{}]", if flags & 1 != 0 { "C" } else { "" });
                    }
                }
                2 => s.push_str("DNS name"),
                3 => {
                    s.push_str("node addresses");
                    if flags != 0 {
                        s.push_str(&flags_text(flags, false));
                    }
                }
                _ => s.push_str("unknown"),
            }
            if qtype == 0 || qtype == 1 {
                s.push(')');
                return Ok(());
            }
            if siz == NI {
                s.push_str(", 03 draft)");
                return Ok(());
            }
            match b.u8(1)? {
                0 => {
                    if b.has(0, NI + 16) && siz == NI + 16 {
                        let _ = write!(s, ", subject={}", b.ipv6(NI)?);
                    }
                }
                1 => {
                    s.push_str(", subject=DNS name");
                    ni_name(s, b, NI)?;
                }
                2 => {
                    if b.has(0, NI + 4) && siz == NI + 4 {
                        let _ = write!(s, ", subject={}", b.ipv4(NI)?);
                    }
                }
                _ => s.push_str(", unknown subject"),
            }
            s.push(')');
        }
        140 => {
            if icmp6len as usize > siz {
                return Err(Trunc);
            }
            b.get(0, NI)?;
            s.push_str(" node information reply (");
            let code = b.u8(1)?;
            let mut needcomma = false;
            match code {
                1 => {
                    s.push_str("refused");
                    needcomma = true;
                }
                2 => {
                    s.push_str("unknown");
                    needcomma = true;
                }
                _ => {}
            }
            if code != 0 {
                s.push(')');
                return Ok(());
            }
            if needcomma {
                s.push_str(", ");
            }
            let flags = b.be16(6)?;
            match b.be16(4)? {
                0 => s.push_str("noop"),
                1 => {
                    s.push_str("supported qtypes");
                    if flags != 0 {
                        let _ = write!(s, " [{}]", if flags & 1 != 0 { "C" } else { "" });
                    }
                }
                2 => {
                    s.push_str("DNS name");
                    ni_name(s, b, NI + 4)?;
                    if flags & 1 != 0 {
                        let _ = write!(s, " [TTL={}]", b.be32(NI)?);
                    }
                }
                3 => {
                    s.push_str("node addresses");
                    let mut i = NI;
                    while i + 4 + 16 <= siz {
                        let _ = write!(s, " {}({})", b.ipv6(i + 4)?, b.be32(i)?);
                        i += 20;
                    }
                    if flags != 0 {
                        s.push_str(&flags_text(flags, true));
                    }
                }
                _ => s.push_str("unknown"),
            }
            s.push(')');
        }
        _ => {}
    }
    Ok(())
}

/// A node information name: a pascal string (icmp-name-lookup-03) or DNS labels,
/// uncompressed (`dnsname_print`).
fn ni_name(s: &mut String, b: Bytes<'_>, at: usize) -> Res {
    let ep = b.len();
    let first = b.u8(at)?;
    if usize::from(first) == ep.saturating_sub(at + 1) {
        s.push_str(", \"");
        for c in b.0.get(at + 1..).unwrap_or(&[]) {
            print_char(s, *c);
        }
        s.push('"');
        return Ok(());
    }
    s.push_str(", \"");
    let mut cp = at;
    while cp < ep {
        let i = usize::from(b.u8(cp)?);
        cp += 1;
        if i != 0 {
            if i > ep - cp {
                s.push_str("???");
                break;
            }
            for _ in 0..i {
                if cp >= ep {
                    break;
                }
                print_char(s, b.u8(cp)?);
                cp += 1;
            }
            if cp + 1 < ep && b.u8(cp)? != 0 {
                s.push('.');
            }
        } else {
            if cp == ep {
                s.push('.');
            } else if !(cp + 1 == ep && b.u8(cp)? == 0) {
                s.push_str("???");
            }
            break;
        }
    }
    s.push('"');
    Ok(())
}

/// `rpl_print` at default verbosity: the code's name only.
fn rpl(s: &mut String, code: u8) {
    if code & 0x80 != 0 {
        s.push_str(", (SEC) [worktodo]");
        return;
    }
    s.push_str(", (CLR)");
    match code & 0x7f {
        0 => s.push_str("DODAG Information Solicitation"),
        1 => s.push_str("DODAG Information Object"),
        2 => s.push_str("Destination Advertisement Object"),
        3 => s.push_str("Destination Advertisement Object Ack"),
        other => {
            let _ = write!(s, "RPL message, unknown code {other}");
        }
    }
}

#[cfg(test)]
mod tests {
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
}

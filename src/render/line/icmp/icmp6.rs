//! ICMPv6 as print-icmp6.c prints it: message names, neighbour discovery, MLD,
//! router renumbering and RPL.

use super::*;

pub(super) fn icmp6_name(kind: u8) -> Option<&'static str> {
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
pub(super) fn icmp6(s: &mut String, b: Bytes<'_>, length: u32, verbose: u8) -> Res {
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
pub(super) fn upper_layer(b: Bytes<'_>) -> Option<(u8, usize)> {
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
pub(super) fn mld6(s: &mut String, b: Bytes<'_>) -> Res {
    if !b.has(0, 24) {
        return Ok(());
    }
    let _ = write!(s, "max resp delay: {} ", b.be16(4)?);
    let _ = write!(s, "addr: {}", b.ipv6(8)?);
    Ok(())
}

/// `mldv2_query_print` at default verbosity.
pub(super) fn mldv2_query(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
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
pub(super) fn rrenum(s: &mut String, b: Bytes<'_>) -> Res {
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

/// `rpl_print` at default verbosity: the code's name only.
pub(super) fn rpl(s: &mut String, code: u8) {
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

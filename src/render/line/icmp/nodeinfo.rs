//! ICMPv6 node information queries and replies (RFC 4620) and the names in them.

use super::*;

/// `icmp6_nodeinfo_print` at default verbosity.
pub(super) fn nodeinfo(s: &mut String, b: Bytes<'_>, icmp6len: u32) -> Res {
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
pub(super) fn ni_name(s: &mut String, b: Bytes<'_>, at: usize) -> Res {
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

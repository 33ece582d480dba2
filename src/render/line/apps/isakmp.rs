//! ISAKMP/IKE as print-isakmp.c prints it, with its initiator cookies and the NAT-T
//! encapsulation.

use super::*;

/// print-isakmp.c's `isakmp_print` at default verbosity.
pub(super) fn isakmp(s: &mut String, b: Bytes<'_>, length: u32, dg: Datagram, cx: &Ctx<'_>) -> Res {
    const HEADER: usize = 28;
    let _ = length;
    if !b.has(0, HEADER) {
        return Err(Trunc);
    }
    s.push_str("isakmp:");
    let vers = b.u8(17)?;
    let major = vers >> 4;
    let msgid = b.be32(20)?;
    let etype = b.u8(18)?;
    let flags = b.u8(19)?;
    let phase = if msgid == 0 { 1 } else { 2 };
    match major {
        1 => {
            if phase == 1 {
                s.push_str(" phase 1");
            } else {
                s.push_str(" phase 2/others");
            }
            let icookie: [u8; 8] = b.array(0)?;
            let rzero = b.get(8, 8)?.iter().all(|&c| c == 0);
            let mut cookies = cx.isakmp.borrow_mut();
            match cookies.find(&icookie) {
                None => {
                    if rzero {
                        s.push_str(" I");
                        cookies.record(icookie, dg.src, dg.dst);
                    } else {
                        s.push_str(" ?");
                    }
                }
                Some(i) => {
                    let side = cookies.entries.get(i).and_then(|(_, a)| *a);
                    match side {
                        Some((isrc, _)) if isrc == dg.src => s.push_str(" I"),
                        Some((_, rdst)) if rdst == dg.src => s.push_str(" R"),
                        _ => s.push_str(" ?"),
                    }
                }
            }
            let _ = write!(s, " {}", etype_name(etype));
            if flags != 0 {
                s.push('[');
                if flags & 0x01 != 0 {
                    s.push('E');
                }
                if flags & 0x02 != 0 {
                    s.push('C');
                }
                s.push(']');
            }
        }
        2 => {
            // tcpdump's child_sa carries a space of its own.
            s.push_str(if phase == 1 {
                " parent_sa"
            } else {
                " child_sa "
            });
            let _ = write!(s, " {}", etype_name(etype));
            if flags != 0 {
                s.push('[');
                if flags & 0x08 != 0 {
                    s.push('I');
                }
                if flags & 0x10 != 0 {
                    s.push('V');
                }
                if flags & 0x20 != 0 {
                    s.push('R');
                }
                s.push(']');
            }
        }
        _ => {}
    }
    Ok(())
}

pub(super) fn etype_name(etype: u8) -> String {
    match etype {
        0 => "none".into(),
        1 => "base".into(),
        2 => "ident".into(),
        3 => "auth".into(),
        4 => "agg".into(),
        5 => "inf".into(),
        32 => "oakley-quick".into(),
        33 => "oakley-newgroup".into(),
        34 => "ikev2_init".into(),
        35 => "ikev2_auth".into(),
        36 => "child_sa".into(),
        37 => "inf2".into(),
        other => format!("#{other}"),
    }
}

/// `isakmp_rfc3948_print` for what is not ESP (eavesdrop's own ESP line stays).
pub(super) fn isakmp_natt(
    s: &mut String,
    b: Bytes<'_>,
    length: u32,
    dg: Datagram,
    cx: &Ctx<'_>,
) -> Option<Res> {
    if length == 1 && b.u8(0).ok()? == 0xff {
        s.push_str("isakmp-nat-keep-alive");
        return Some(Ok(()));
    }
    if length < 4 {
        return None;
    }
    if b.be32(0).ok()? != 0 {
        // ESP in UDP (RFC 3948).
        let _ = write!(
            s,
            "UDP-encap: ESP(spi=0x{:08x},seq=0x{:x}), length {length}",
            b.be32(0).ok()?,
            b.be32(4).ok()?
        );
        return Some(Ok(()));
    }
    s.push_str("NONESP-encap: ");
    Some(isakmp(s, b.from(4), length - 4, dg, cx))
}

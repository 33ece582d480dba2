//! tcpdump's printers for IP protocols without ports: IGMP, EIGRP, OSPF, RSVP, VRRP.

use super::*;

/// tcpdump's printers for IP protocols eavesdrop does not decode further: IGMP,
/// EIGRP, OSPF, RSVP, VRRP, PIM. Returns false where tcpdump's printer is one
/// eavesdrop lacks (` ip-proto-N LEN` stays).
pub(crate) fn ip_proto(s: &mut String, proto: u8, b: Bytes<'_>, length: u32) -> bool {
    let mut out = String::new();
    let (res, name) = match proto {
        2 => match igmp(&mut out, b, length) {
            Some(r) => (r, "igmp"),
            None => return false,
        },
        88 => (eigrp(&mut out, b, length), "eigrp"),
        89 => (ospf(&mut out, b, length), "ospf"),
        46 => (rsvp(&mut out, b, length), "rsvp"),
        112 => (vrrp(&mut out, b, length), "vrrp"),
        _ => return false,
    };
    if res.is_err() {
        let _ = write!(out, " [|{name}]");
    }
    s.push_str(&out);
    true
}

/// print-igmp.c at default verbosity, for the messages whose line is fixed.
pub(super) fn igmp(s: &mut String, b: Bytes<'_>, len: u32) -> Option<Res> {
    let kind = b.u8(0).ok()?;
    let group = |s: &mut String, text: &str| -> Res {
        let _ = write!(s, "{text} {}", b.ipv4(4)?);
        if len != 8 {
            let _ = write!(s, " [len {len}]");
        }
        Ok(())
    };
    Some(match kind {
        0x12 => group(s, "igmp v1 report"),
        0x16 => group(s, "igmp v2 report"),
        0x17 => group(s, "igmp leave"),
        0x22 => {
            s.push_str("igmp v3 report");
            if len < 8 {
                s.push_str(" (invalid)");
                Ok(())
            } else {
                b.be16(6).map(|n| {
                    let _ = write!(s, ", {n} group record(s)");
                })
            }
        }
        _ => return None,
    })
}

/// print-eigrp.c at default verbosity.
pub(super) fn eigrp(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
    if len < 20 {
        let _ = write!(s, "EIGRP, length: {len} (too short, < 20)");
        return Ok(());
    }
    let version = b.u8(0)?;
    if version != 2 {
        let _ = write!(s, "EIGRP version {version} packet not supported");
        return Ok(());
    }
    let opcode = b.u8(1)?;
    let name = match opcode {
        1 => "Update".to_string(),
        3 => "Query".to_string(),
        4 => "Reply".to_string(),
        5 => "Hello".to_string(),
        6 => "IPX SAP".to_string(),
        7 => "Probe".to_string(),
        8 => "Ack".to_string(),
        10 => "SIA-Query".to_string(),
        11 => "SIA-Reply".to_string(),
        o => format!("unknown ({o})"),
    };
    let _ = write!(s, "EIGRP {name}, length: {len}");
    Ok(())
}

/// print-ospf.c and print-ospf6.c at default verbosity.
pub(super) fn ospf(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
    let version = b.u8(0)?;
    let kind = b.u8(1)?;
    let name = match kind {
        1 => "Hello".to_string(),
        2 => "Database Description".to_string(),
        3 => "LS-Request".to_string(),
        4 => "LS-Update".to_string(),
        5 => "LS-Ack".to_string(),
        k => format!("unknown packet type ({k})"),
    };
    let _ = write!(s, "OSPFv{version}, {name}, length {len}");
    Ok(())
}

/// print-rsvp.c at default verbosity.
pub(super) fn rsvp(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
    let first = b.u8(0)?;
    let version = first >> 4;
    if version != 1 {
        let _ = write!(s, "ERROR: RSVP version {version} packet not supported");
        return Ok(());
    }
    let kind = b.u8(1)?;
    let name = match kind {
        1 => "Path".to_string(),
        2 => "Resv".to_string(),
        3 => "PathErr".to_string(),
        4 => "ResvErr".to_string(),
        5 => "PathTear".to_string(),
        6 => "ResvTear".to_string(),
        7 => "ResvConf".to_string(),
        12 => "Bundle".to_string(),
        13 => "Acknowledgement".to_string(),
        15 => "Refresh".to_string(),
        20 => "Hello".to_string(),
        25 => "Notify".to_string(),
        k => format!("unknown ({k})"),
    };
    let _ = write!(s, "RSVPv{version} {name} Message");
    if first & 0x01 != 0 {
        s.push_str(", Flags [Refresh reduction capable]");
    }
    let _ = write!(s, ", length: {len}");
    Ok(())
}

/// print-vrrp.c at default verbosity.
pub(super) fn vrrp(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
    let vt = b.u8(0)?;
    let version = vt >> 4;
    let kind = vt & 0x0f;
    let _ = write!(s, "VRRPv{version}, ");
    if kind == 1 {
        s.push_str("Advertisement");
    } else {
        let _ = write!(s, "unknown type {kind}");
    }
    if kind == 1 {
        let _ = write!(s, ", vrid {}, prio {}", b.u8(1)?, b.u8(2)?);
        let naddrs = b.u8(3)?;
        if version == 2 {
            let auth = b.u8(4)?;
            let authname = match auth {
                0 => "none".to_string(),
                1 => "simple".to_string(),
                2 => "ah".to_string(),
                a => format!("unknown type {a}"),
            };
            let _ = write!(s, ", authtype {authname}, intvl {}s", b.u8(5)?);
        } else {
            let intvl = b.be16(4)? & 0x0fff;
            let _ = write!(s, ", intvl {}cs", intvl);
        }
        let _ = naddrs;
    }
    let _ = write!(s, ", length {len}");
    Ok(())
}

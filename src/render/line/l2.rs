//! Link-layer protocols tcpdump prints in place of `ethertype Unknown`: 802.2 LLC
//! frames carrying spanning tree (print-stp.c) or, through SNAP, Cisco's CDP
//! (print-cdp.c); LLDP (print-lldp.c) and the Ethernet configuration testing protocol
//! (print-loopback.c). Default verbosity only.

use super::nd::{print_char, Bytes, Res, Trunc};
use std::fmt::Write as _;

/// What tcpdump prints for the payload of an EtherType (or, with `length_field`, an
/// 802.3 length) eavesdrop does not decode; `b` is the captured payload and `length`
/// its length on the wire. Returns false where tcpdump prints the addresses and
/// `ethertype Unknown`.
pub(super) fn ether_payload(
    s: &mut String,
    ethertype: u16,
    b: Bytes<'_>,
    length: u32,
    length_field: bool,
) -> bool {
    let mut out = String::new();
    let res = if length_field && ethertype <= 1500 {
        // tcpdump takes the 802.3 length as the frame's and cuts the capture to it.
        let len = u32::from(ethertype);
        llc(&mut out, b.upto(len as usize), len)
    } else if !length_field && ethertype == 0x0004 {
        // Linux cooked capture's LINUX_SLL_P_802_2: LLC without a length field.
        llc(&mut out, b, length)
    } else {
        match ethertype {
            0x9000 => loopback(&mut out, b, length).map(|()| true),
            0x88cc => lldp(&mut out, b, length).map(|()| true),
            _ => Ok(false),
        }
    };
    match res {
        Ok(true) => {}
        Ok(false) => return false,
        Err(Trunc) => {
            let proto = if out.starts_with("STP") {
                "stp"
            } else if out.starts_with("CDP") {
                "cdp"
            } else if out.starts_with("LLDP") {
                "lldp"
            } else {
                "loopback"
            };
            let _ = write!(out, " [|{proto}]");
        }
    }
    s.push_str(&out);
    true
}

/// print-llc.c's `llc_print`, for the frames eavesdrop names: spanning tree BPDUs
/// (DSAP and SSAP 0x42, UI) and SNAP with Cisco's OUI and CDP's protocol ID.
fn llc(s: &mut String, b: Bytes<'_>, length: u32) -> Res<bool> {
    if b.len() < 3 || length < 3 {
        return Ok(false);
    }
    let (dsap, ssap, control) = (b.u8(0)?, b.u8(1)?, b.u8(2)?);
    if dsap == 0x42 && ssap == 0x42 && control == 0x03 {
        stp(s, b.from(3), length - 3)?;
        return Ok(true);
    }
    if dsap == 0xaa && ssap == 0xaa && control == 0x03 {
        if !b.has(3, 5) || length < 8 {
            return Ok(false);
        }
        let oui = b.be24(3)?;
        let pid = b.be16(6)?;
        if oui == 0x00000c && pid == 0x2000 {
            cdp(s, b.from(8), length - 8)?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// tcpdump's `%.2x%.2x.%.2x:…` bridge ID.
fn bridge_id(b: Bytes<'_>, at: usize) -> Res<String> {
    let p = b.get(at, 8)?;
    Ok(format!(
        "{:02x}{:02x}.{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    ))
}

fn stp_flags(s: &mut String, flags: u8) {
    const NAMES: [(u8, &str); 6] = [
        (0x01, "Topology change"),
        (0x02, "Proposal"),
        (0x10, "Learn"),
        (0x20, "Forward"),
        (0x40, "Agreement"),
        (0x80, "Topology change ACK"),
    ];
    let set: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if set.is_empty() {
        s.push_str("none");
    } else {
        s.push_str(&set.join(", "));
    }
}

/// print-stp.c's `stp_print` at default verbosity.
fn stp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    const BPDU_LEN: u32 = 36;
    const MSTP_MIN_LEN: u32 = 102;
    if length < 4 {
        s.push_str(" (invalid)");
        return Ok(());
    }
    if b.be16(0)? != 0 {
        let _ = write!(s, "unknown STP version, length {length}");
        return Ok(());
    }
    let version = b.u8(2)?;
    s.push_str("STP ");
    match version {
        0 => s.push_str("802.1d"),
        2 => s.push_str("802.1w"),
        3 => s.push_str("802.1s"),
        4 => s.push_str("802.1aq"),
        v => {
            let _ = write!(s, "Unknown STP protocol (0x{v:02x})");
            return Ok(());
        }
    }
    let kind = b.u8(3)?;
    match kind {
        0x00 => s.push_str(", Config"),
        0x02 => s.push_str(", Rapid STP"),
        0x80 => s.push_str(", Topology Change"),
        k => {
            let _ = write!(s, ", Unknown BPDU Type (0x{k:02x})");
        }
    }
    let config = |s: &mut String| -> Res {
        let flags = b.u8(4)?;
        s.push_str(", Flags [");
        stp_flags(s, flags);
        let _ = write!(
            s,
            "], bridge-id {}.{:04x}, length {length}",
            bridge_id(b, 17)?,
            b.be16(25)?
        );
        Ok(())
    };
    match kind {
        0x00 => {
            if length < BPDU_LEN - 1 {
                s.push_str(" (invalid)");
            } else {
                config(s)?;
            }
        }
        0x02 if version == 2 => {
            if length < BPDU_LEN {
                s.push_str(" (invalid)");
            } else {
                config(s)?;
            }
        }
        0x02 if version == 3 || version == 4 => {
            if length < MSTP_MIN_LEN || b.u8(35)? != 0 {
                s.push_str(" (invalid)");
                return Ok(());
            }
            let mstp_len = u32::from(b.be16(36)?) + 2;
            if length < BPDU_LEN + mstp_len {
                s.push_str(" (invalid)");
                return Ok(());
            }
            s.push_str(", CIST Flags [");
            stp_flags(s, b.u8(4)?);
            let _ = write!(s, "], length {length}");
            if version == 4 {
                let spb_len = u32::from(b.be16(36 + mstp_len as usize)?) + 2;
                if length < BPDU_LEN + mstp_len + spb_len || spb_len < 87 {
                    s.push_str(" (invalid)");
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// print-cdp.c's `cdp_print` at default verbosity: the version, the TTL and the
/// device ID.
fn cdp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    const HEADER: usize = 4;
    if length < HEADER as u32 {
        let _ = write!(s, " (packet length {length} < {HEADER})");
        s.push_str(" (invalid)");
        return Ok(());
    }
    let _ = write!(s, "CDPv{}, ttl: {}s", b.u8(0)?, b.u8(1)?);
    let end = (length as usize).min(b.len());
    let mut at = HEADER;
    // A TLV tcpdump does not print at this verbosity gets a hex dump on lines of
    // its own, and the length goes after it.
    let mut dumped = false;
    while at < end {
        let kind = b.be16(at)?;
        let len = usize::from(b.be16(at + 2)?);
        if len < 4 {
            let _ = write!(s, ", {} TLV length {len} too short", cdp_tlv_name(kind));
            break;
        }
        let value = b.get(at + 4, len - 4)?;
        if kind == 1 {
            s.push_str(", Device-ID '");
            for &c in value {
                print_char(s, c);
            }
            s.push('\'');
        } else {
            dumped = true;
        }
        at += len;
    }
    if !dumped {
        let _ = write!(s, ", length {length}");
    }
    Ok(())
}

fn cdp_tlv_name(kind: u16) -> &'static str {
    match kind {
        0x01 => "Device-ID",
        0x02 => "Address",
        0x03 => "Port-ID",
        0x04 => "Capability",
        0x05 => "Version String",
        0x06 => "Platform",
        0x07 => "Prefixes",
        0x08 => "Protocol-Hello option",
        0x09 => "VTP Management Domain",
        0x0a => "Native VLAN ID",
        0x0b => "Duplex",
        0x0e => "ATA-186 VoIP VLAN request",
        0x0f => "ATA-186 VoIP VLAN assignment",
        0x10 => "power consumption",
        0x11 => "MTU",
        0x12 => "AVVID trust bitmap",
        0x13 => "AVVID untrusted ports CoS",
        0x14 => "sysName",
        0x15 => "sysObjectID",
        0x16 => "Management Addresses",
        0x17 => "Physical Location",
        _ => "unknown field type",
    }
}

/// print-loopback.c's `loopback_print`.
fn loopback(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    s.push_str("Loopback");
    if length < 2 {
        s.push_str(" (invalid)");
        return Ok(());
    }
    let skip = u32::from(u16::from_le_bytes(b.array(0)?));
    let _ = write!(s, ", skipCount {skip}");
    if skip % 8 != 0 {
        s.push_str(" (bogus)");
    }
    if skip > length - 2 {
        s.push_str(" (invalid)");
        return Ok(());
    }
    let mut at = skip as usize + 2;
    let mut len = length - skip - 2;
    loopback_message(s, b, &mut at, &mut len)
}

fn loopback_message(s: &mut String, b: Bytes<'_>, at: &mut usize, len: &mut u32) -> Res {
    if *len < 2 {
        s.push_str(" (invalid)");
        return Ok(());
    }
    let function = u16::from_le_bytes(b.array(*at)?);
    *at += 2;
    *len -= 2;
    match function {
        1 => {
            s.push_str(", Reply");
            if *len < 2 {
                s.push_str(" (invalid)");
                return Ok(());
            }
            let receipt = u16::from_le_bytes(b.array(*at)?);
            let _ = write!(s, ", receipt number {receipt}");
            *at += 2;
            *len -= 2;
            let _ = write!(s, ", data ({len} octets)");
            b.get(*at, *len as usize)?;
        }
        2 => {
            s.push_str(", Forward Data");
            if *len < 6 {
                s.push_str(" (invalid)");
                return Ok(());
            }
            let _ = write!(s, ", forwarding address {}", b.mac(*at)?);
            *at += 6;
            *len -= 6;
            loopback_message(s, b, at, len)?;
        }
        other => {
            let _ = write!(s, ",  invalid ({other})");
            b.get(*at, *len as usize)?;
        }
    }
    Ok(())
}

/// print-lldp.c's `lldp_print` at default verbosity: the length, then nothing of
/// the TLVs but a walk that stops where the capture does.
fn lldp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    let _ = write!(s, "LLDP, length {length}");
    let mut at = 0usize;
    let mut left = length as usize;
    while left >= 2 {
        let tlv = b.be16(at)?;
        let (kind, len) = (tlv >> 9, usize::from(tlv & 0x1ff));
        at += 2;
        left -= 2;
        if kind == 0 || len == 0 {
            break;
        }
        let value = b.get(at, len)?;
        // The system name is printed at every verbosity.
        if kind == 5 {
            s.push_str(": ");
            for &c in value {
                print_char(s, c);
            }
        }
        if left < len {
            let _ = write!(s, " [|lldp]");
            return Ok(());
        }
        at += len;
        left -= len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rapid_spanning_tree_over_llc() {
        let mut f = vec![0x42, 0x42, 0x03, 0, 0, 2, 2, 0x32];
        f.extend_from_slice(&[0x80, 0, 1, 2, 3, 4, 5, 6]); // root
        f.extend_from_slice(&[0, 0, 0, 4]); // cost
        f.extend_from_slice(&[0x80, 0, 0xe0, 0x1c, 0xfc, 0xd3, 0xb1, 0xdf]);
        f.extend_from_slice(&[0x80, 0x02, 0, 0, 0x14, 0, 2, 0, 0x0f, 0, 0]);
        let mut s = String::new();
        assert!(ether_payload(&mut s, 4, Bytes(&f), f.len() as u32, false));
        assert_eq!(
            s,
            "STP 802.1w, Rapid STP, Flags [Proposal, Learn, Forward], \
             bridge-id 8000.e0:1c:fc:d3:b1:df.8002, length 36"
        );
    }

    #[test]
    fn other_ethertypes_are_left_to_the_caller() {
        let mut s = String::new();
        assert!(!ether_payload(&mut s, 0x0c0d, Bytes(&[0; 4]), 4, true));
        assert!(s.is_empty());
    }
}

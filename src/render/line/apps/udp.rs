//! tcpdump's UDP application printers: BOOTP/DHCP, TFTP, Kerberos, NTP, RIP and
//! RIPng, DHCPv6, LISP, AFS rx and syslog.

use super::*;

/// print-bootp.c at default verbosity.
pub(super) fn bootp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    let op = b.u8(0)?;
    s.push_str("BOOTP/DHCP, ");
    match op {
        1 => s.push_str("Request"),
        2 => s.push_str("Reply"),
        _ => {
            let _ = write!(s, "unknown (0x{op:02x})");
        }
    }
    let (htype, hlen) = (b.u8(1)?, b.u8(2)?);
    if htype == 1 && hlen == 6 && op == 1 {
        let _ = write!(s, " from {}", b.mac(28)?);
    }
    let _ = write!(s, ", length {length}");
    Ok(())
}

/// `nd_printztn`: a NUL-terminated string within `n` bytes from `at`; the bytes it
/// took with its NUL, or `None` where the capture or `n` ran out first.
pub(super) fn printztn(s: &mut String, b: Bytes<'_>, at: usize, n: usize) -> Option<usize> {
    for i in 0..n {
        let c = b.u8(at + i).ok()?;
        if c == 0 {
            return Some(i + 1);
        }
        print_char(s, c);
    }
    None
}

/// print-tftp.c.
pub(super) fn tftp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    s.push_str("TFTP");
    if length < 2 {
        return Err(Trunc);
    }
    let opcode = b.be16(0)?;
    let name = match opcode {
        1 => "RRQ".to_string(),
        2 => "WRQ".to_string(),
        3 => "DATA".to_string(),
        4 => "ACK".to_string(),
        5 => "ERROR".to_string(),
        6 => "OACK".to_string(),
        o => format!("tftp-#{o}"),
    };
    let _ = write!(s, ", length {length}, {name}");
    let mut at = 2usize;
    let mut left = length as usize - 2;
    let options = |s: &mut String, at: &mut usize, left: &mut usize| -> Res {
        while *left != 0 {
            if b.u8(*at)? != 0 {
                s.push(' ');
            }
            let n = printztn(s, b, *at, *left).ok_or(Trunc)?;
            *at += n;
            *left -= n;
        }
        Ok(())
    };
    match opcode {
        1 | 2 => {
            if left == 0 {
                return Err(Trunc);
            }
            s.push_str(" \"");
            let n = printztn(s, b, at, left);
            s.push('"');
            let n = n.ok_or(Trunc)?;
            at += n;
            left -= n;
            if left == 0 {
                return Err(Trunc);
            }
            s.push(' ');
            let n = printztn(s, b, at, left).ok_or(Trunc)?;
            at += n;
            left -= n;
            options(s, &mut at, &mut left)?;
        }
        6 => options(s, &mut at, &mut left)?,
        3 | 4 => {
            if left < 2 {
                return Err(Trunc);
            }
            let _ = write!(s, " block {}", b.be16(at)?);
        }
        5 => {
            if left < 2 {
                return Err(Trunc);
            }
            let code = b.be16(at)?;
            let text = match code {
                0 => "EUNDEF".to_string(),
                1 => "ENOTFOUND".to_string(),
                2 => "EACCESS".to_string(),
                3 => "ENOSPACE".to_string(),
                4 => "EBADOP".to_string(),
                5 => "EBADID".to_string(),
                6 => "EEXISTS".to_string(),
                7 => "ENOUSER".to_string(),
                c => format!("tftp-err-#{c} \""),
            };
            let _ = write!(s, " {text}");
            at += 2;
            left -= 2;
            if left == 0 {
                return Err(Trunc);
            }
            s.push_str(" \"");
            let n = printztn(s, b, at, left);
            s.push('"');
            n.ok_or(Trunc)?;
        }
        o => {
            let _ = write!(s, "(unknown #{o})");
        }
    }
    Ok(())
}

/// print-krb.c: the protocol version from the first byte (Kerberos 5's AS-REQ and
/// AS-REP application tags say ` v5`; its other messages print nothing). Kerberos 4's
/// messages are left out (`None`): tcpdump decodes them further.
pub(super) fn krb(s: &mut String, b: Bytes<'_>) -> Option<Res> {
    let first = match b.u8(0) {
        Ok(c) => c,
        Err(e) => return Some(Err(e)),
    };
    match first {
        1..=3 => {
            let _ = write!(s, " v{first}");
        }
        4 => return None,
        106 | 107 => s.push_str(" v5"),
        _ => {}
    }
    Some(Ok(()))
}

/// print-ntp.c at default verbosity.
pub(super) fn ntp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    let status = b.u8(0)?;
    let version = (status >> 3) & 0x07;
    let mode = status & 0x07;
    let name = match mode {
        0 => "unspecified",
        1 => "symmetric active",
        2 => "symmetric passive",
        3 => "Client",
        4 => "Server",
        5 => "Broadcast",
        6 => "Control Message",
        _ => "Reserved",
    };
    let _ = write!(s, "NTPv{version}, {name}, length {length}");
    Ok(())
}

/// print-rip.c at default verbosity.
pub(super) fn rip(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    if length < 4 {
        s.push_str(" (invalid)");
        return Ok(());
    }
    let cmd = b.u8(0)?;
    let vers = b.u8(1)?;
    let _ = write!(s, "RIPv{vers}, ");
    match cmd {
        1 => s.push_str("Request"),
        2 => s.push_str("Response"),
        3 => s.push_str("Trace on"),
        4 => s.push_str("Trace off"),
        5 => s.push_str("Poll"),
        6 => s.push_str("Poll Entry"),
        _ => {
            let _ = write!(s, "unknown command ({cmd})");
        }
    }
    let _ = write!(s, ", length: {length}");
    Ok(())
}

/// print-dhcp6.c at default verbosity: the message type.
pub(super) fn dhcp6(s: &mut String, b: Bytes<'_>) -> Res {
    s.push_str("dhcp6");
    let kind = b.u8(0)?;
    let name = match kind {
        1 => "solicit",
        2 => "advertise",
        3 => "request",
        4 => "confirm",
        5 => "renew",
        6 => "rebind",
        7 => "reply",
        8 => "release",
        9 => "decline",
        10 => "reconfigure",
        11 => "inf-req",
        12 => "relay-fwd",
        13 => "relay-reply",
        14 => "leasequery",
        15 => "leasequery-reply",
        _ => "",
    };
    if name.is_empty() {
        let _ = write!(s, " msgtype-{kind}");
    } else {
        let _ = write!(s, " {name}");
    }
    Ok(())
}

/// print-lisp.c at default verbosity: the type, and for registrations and
/// notifications the record count (tcpdump's records follow on lines of their own).
pub(super) fn lisp(s: &mut String, b: Bytes<'_>) -> Res {
    let kind = b.u8(0)? >> 4;
    let name = match kind {
        1 => "LISP-Map-Request",
        2 => "LISP-Map-Reply",
        3 => "LISP-Map-Register",
        4 => "LISP-Map-Notify",
        8 => "LISP-Encapsulated-Contol-Message",
        _ => "",
    };
    if name.is_empty() {
        let _ = write!(s, "unknown-type-{kind},");
    } else {
        let _ = write!(s, "{name},");
    }
    if kind == 3 || kind == 4 {
        let _ = write!(s, " {} record(s),", b.u8(3)?);
    }
    Ok(())
}

/// print-rx.c for the packets it prints without decoding a call (AFS's data and
/// acknowledgement packets are left out: tcpdump decodes their calls).
pub(super) fn rx(s: &mut String, b: Bytes<'_>, length: u32) -> Option<Res> {
    const HEADER: usize = 28;
    if !b.has(0, HEADER) {
        let _ = write!(s, " [|rx] ({length})");
        return Some(Ok(()));
    }
    let kind = b.u8(20).ok()?;
    let name = match kind {
        1 | 2 => return None,
        3 => "busy".to_string(),
        4 => "abort".to_string(),
        5 => "ackall".to_string(),
        6 => "challenge".to_string(),
        7 => "response".to_string(),
        8 => "debug".to_string(),
        9 => "params".to_string(),
        13 => "version".to_string(),
        k => format!("type {k}"),
    };
    let _ = write!(s, " rx {name} ({length})");
    Some(Ok(()))
}

/// print-syslog.c at default verbosity: `SYSLOG facility.severity, length: N`.
pub(super) fn syslog(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    const FACILITIES: [&str; 24] = [
        "kernel", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "security", "console", "cron", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7",
    ];
    const SEVERITIES: [&str; 8] = [
        "emergency",
        "alert",
        "critical",
        "error",
        "warning",
        "notice",
        "info",
        "debug",
    ];
    if b.u8(0)? != b'<' {
        s.push_str(" (invalid)");
        return Ok(());
    }
    let mut pri: u32 = 0;
    let mut at = 1usize;
    while at <= 3 {
        let c = b.u8(at)?;
        if !c.is_ascii_digit() {
            break;
        }
        pri = pri * 10 + u32::from(c - b'0');
        at += 1;
    }
    if b.u8(at)? != b'>' {
        s.push_str(" (invalid)");
        return Ok(());
    }
    let facility = match FACILITIES.get((pri >> 3) as usize) {
        Some(f) => (*f).to_string(),
        None => format!("unknown ({})", pri >> 3),
    };
    let severity = SEVERITIES.get((pri & 7) as usize).copied().unwrap_or("");
    let _ = write!(s, "SYSLOG {facility}.{severity}, length: {length}");
    Ok(())
}

/// print-ripng.c at default verbosity.
pub(super) fn ripng(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
    const ENTRY: usize = 20;
    let cmd = b.u8(0)?;
    let left = (length as usize).saturating_sub(4);
    let j = left / ENTRY;
    match cmd {
        1 => {
            let _ = write!(s, " ripng-req {j}");
            if left % ENTRY != 0 {
                let _ = write!(s, "[{length}]");
            }
            s.push(':');
        }
        2 => {
            let _ = write!(s, " ripng-resp {j}");
            if left % ENTRY != 0 {
                let _ = write!(s, "[{length}]");
            }
            s.push(':');
            for n in 0..j {
                let at = 4 + n * ENTRY;
                let prefix = b.ipv6(at)?;
                let tag = b.be16(at + 16)?;
                let plen = b.u8(at + 18)?;
                let metric = b.u8(at + 19)?;
                let _ = write!(s, " {prefix}/{plen}");
                if tag != 0 {
                    let _ = write!(s, " [{tag}]");
                }
                let _ = write!(s, " ({metric})");
            }
        }
        _ => {
            let _ = write!(s, " ripng-{cmd} ?? {length}");
        }
    }
    Ok(())
}

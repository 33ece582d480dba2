//! tcpdump's application printers for UDP (NTP, BOOTP/DHCP, DHCPv6, RIP, ISAKMP/IKE,
//! LISP, AFS rx, syslog, TFTP, SSDP) and its printers for IP protocols without
//! ports (IGMP, EIGRP, OSPF, RSVP, VRRP, PIM), at default verbosity: what each prints
//! on the packet's line.

use super::nd::{print_char, Bytes, Res, Trunc};
use super::Ctx;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::net::IpAddr;

/// print-isakmp.c's table of initiator cookies (20 entries, reused in turn), which
/// decides whether an IKEv1 message is printed `I`, `R` or `?`.
#[derive(Debug, Default)]
pub(crate) struct IsakmpCookies {
    entries: [CookieEntry; 20],
    next: usize,
}

/// An initiator cookie and the initiator's and responder's addresses.
type CookieEntry = ([u8; 8], Option<(IpAddr, IpAddr)>);

impl IsakmpCookies {
    fn find(&self, cookie: &[u8; 8]) -> Option<usize> {
        self.entries.iter().position(|(c, _)| c == cookie)
    }

    fn record(&mut self, cookie: [u8; 8], src: IpAddr, dst: IpAddr) {
        if let Some(i) = self.find(&cookie) {
            self.next = (i + 1) % self.entries.len();
            return;
        }
        if let Some(e) = self.entries.get_mut(self.next) {
            *e = (cookie, Some((src, dst)));
        }
        self.next = (self.next + 1) % self.entries.len();
    }
}

/// The UDP datagram a printer reads: its addresses (ISAKMP remembers initiators).
#[derive(Clone, Copy)]
pub(super) struct Datagram {
    pub src: IpAddr,
    pub dst: IpAddr,
}

/// The printers of print-udp.c's port tests, in its order, for the ports eavesdrop
/// has a printer for. `None` where tcpdump's printer is one eavesdrop lacks (it
/// prints `UDP, length N` instead) or no port matched.
pub(super) fn udp(
    s: &mut String,
    (sport, dport): (u16, u16),
    b: Bytes<'_>,
    length: u32,
    dg: Datagram,
    cx: &Ctx<'_>,
) -> Option<()> {
    let either = |p: u16| sport == p || dport == p;
    let mut out = String::new();
    let (res, proto) = if either(53) {
        return None; // DNS: the caller's.
    } else if either(67) || either(68) {
        (bootp(&mut out, b, length), "bootp")
    } else if either(69) {
        (tftp(&mut out, b, length), "tftp")
    } else if either(88) {
        match krb(&mut out, b) {
            Some(r) => (r, "krb"),
            None => return None,
        }
    } else if either(137) || either(138) {
        return None;
    } else if either(123) {
        (ntp(&mut out, b, length), "ntp")
    } else if either(161) || either(162) || either(319) || either(320) || either(496) {
        return None;
    } else if either(500) {
        (isakmp(&mut out, b, length, dg, cx), "isakmp")
    } else if either(514) {
        (syslog(&mut out, b, length), "syslog")
    } else if either(520) {
        (rip(&mut out, b, length), "rip")
    } else if either(521) {
        (ripng(&mut out, b, length), "ripng")
    } else if either(525) {
        return None;
    } else if either(546) || either(547) {
        (dhcp6(&mut out, b), "dhcp6")
    } else if [646, 654, 698, 701, 750, 921, 5353]
        .iter()
        .any(|&p| either(p))
    {
        return None;
    } else if either(4500) {
        match isakmp_natt(&mut out, b, length, dg, cx) {
            Some(r) => (r, "isakmp"),
            None => return None,
        }
    } else if either(7500)
        || either(7501)
        || either(1701)
        || dport == 3456
        || either(2103)
        || either(2104)
    {
        return None;
    } else if (7000..=7009).contains(&sport) || (7000..=7009).contains(&dport) {
        match rx(&mut out, b, length) {
            Some(r) => (r, "rx"),
            None => return None,
        }
    } else if [5359, 6696, 6697, 8231].iter().any(|&p| either(p))
        || dport == 4567
        || [1645, 1812, 1646, 1813, 1700, 3799]
            .iter()
            .any(|&p| either(p))
        || dport == 1985
        || either(3503)
        || [3784, 4784, 6784, 3785].contains(&dport)
        || either(1589)
        || either(6343)
        || dport == 12222
        || sport == 12222
        || either(12223)
    {
        return None;
    } else if either(5060) {
        super::text::txtproto(&mut out, b, length, super::text::TextProto::Sip, cx);
        (Ok(()), "sip")
    } else if either(8472) || either(4789) || dport == 6081 {
        return None;
    } else if either(4342) {
        (lisp(&mut out, b), "lisp")
    } else {
        return None;
    };
    if res.is_err() {
        let _ = write!(out, " [|{proto}]");
    }
    s.push_str(&out);
    Some(())
}

/// print-bootp.c at default verbosity.
fn bootp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
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
fn printztn(s: &mut String, b: Bytes<'_>, at: usize, n: usize) -> Option<usize> {
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
fn tftp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
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
fn krb(s: &mut String, b: Bytes<'_>) -> Option<Res> {
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
fn ntp(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
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
fn rip(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
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
fn dhcp6(s: &mut String, b: Bytes<'_>) -> Res {
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
fn lisp(s: &mut String, b: Bytes<'_>) -> Res {
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
fn rx(s: &mut String, b: Bytes<'_>, length: u32) -> Option<Res> {
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
fn syslog(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
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

/// print-isakmp.c's `isakmp_print` at default verbosity.
fn isakmp(s: &mut String, b: Bytes<'_>, length: u32, dg: Datagram, cx: &Ctx<'_>) -> Res {
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

fn etype_name(etype: u8) -> String {
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
fn isakmp_natt(
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

/// tcpdump's printers for IP protocols eavesdrop does not decode further: IGMP,
/// EIGRP, OSPF, RSVP, VRRP, PIM. Returns false where tcpdump's printer is one
/// eavesdrop lacks (` ip-proto-N LEN` stays).
pub(super) fn ip_proto(s: &mut String, proto: u8, b: Bytes<'_>, length: u32) -> bool {
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
fn igmp(s: &mut String, b: Bytes<'_>, len: u32) -> Option<Res> {
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
fn eigrp(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
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
fn ospf(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
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
fn rsvp(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
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
fn vrrp(s: &mut String, b: Bytes<'_>, len: u32) -> Res {
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

/// A shared, resettable table for [`Ctx`].
pub(super) type Cookies = RefCell<IsakmpCookies>;

/// print-resp.c: `: RESP` and every item of the segment (Redis pipelines several),
/// each string quoted; a segment cut short ends in ` [|resp]`.
pub(super) fn resp(s: &mut String, b: Bytes<'_>, length: u32) {
    s.push_str(": RESP");
    let b = b.upto(length as usize);
    let mut at = 0usize;
    let mut left = length as usize;
    while left > 0 {
        match resp_item(s, b, at, left, 0) {
            Ok(Some(n)) if n > 0 => {
                at += n;
                left = left.saturating_sub(n);
            }
            Ok(_) => {
                s.push_str(" (invalid)");
                return;
            }
            Err(Trunc) => {
                s.push_str(" [|resp]");
                return;
            }
        }
    }
}

/// Where `\r\n` starts within `left` bytes from `at`.
fn find_crlf(b: Bytes<'_>, at: usize, left: usize) -> Res<Option<usize>> {
    let mut i = 0;
    while i + 1 < left {
        if b.u8(at + i)? == b'\r' && b.u8(at + i + 1)? == b'\n' {
            return Ok(Some(i));
        }
        i += 1;
    }
    if at + left > b.len() {
        return Err(Trunc);
    }
    Ok(None)
}

fn resp_segment(s: &mut String, b: Bytes<'_>, at: usize, n: usize) -> Res {
    let bytes = b.get(at, n)?;
    s.push_str(" \"");
    for &c in bytes {
        print_char(s, c);
    }
    s.push('"');
    Ok(())
}

/// A decimal length after a type byte, up to its `\r\n`: (value, bytes used).
fn resp_length(b: Bytes<'_>, at: usize, left: usize) -> Res<Option<(i64, usize)>> {
    let Some(n) = find_crlf(b, at, left)? else {
        return Ok(None);
    };
    let text = b.get(at, n)?;
    let Some(v) = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    Ok(Some((v, n + 2)))
}

/// One item from `at` (`left` bytes of the segment remain): the bytes it took, or
/// `None` where tcpdump calls it invalid.
fn resp_item(
    s: &mut String,
    b: Bytes<'_>,
    at: usize,
    left: usize,
    depth: usize,
) -> Res<Option<usize>> {
    if depth > 64 {
        return Ok(None);
    }
    let op = b.u8(at)?;
    match op {
        b'+' | b'-' | b':' => {
            let Some(n) = find_crlf(b, at + 1, left - 1)? else {
                return Ok(None);
            };
            resp_segment(s, b, at + 1, n)?;
            Ok(Some(n + 3))
        }
        b'$' => {
            let Some((len, used)) = resp_length(b, at + 1, left - 1)? else {
                return Ok(None);
            };
            let mut taken = 1 + used;
            if len == 0 {
                s.push_str(" empty");
                taken += 2;
            } else if len > 0 {
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                if len > left - taken {
                    return Err(Trunc);
                }
                resp_segment(s, b, at + taken, len)?;
                taken += len + 2;
            } else if len == -1 {
                s.push_str(" null");
            } else {
                return Ok(None);
            }
            Ok(Some(taken.min(left)))
        }
        b'*' => {
            let Some((count, used)) = resp_length(b, at + 1, left - 1)? else {
                return Ok(None);
            };
            let mut taken = 1 + used;
            if count > 0 {
                let mut count = count;
                while count > 0 && taken < left {
                    match resp_item(s, b, at + taken, left - taken, depth + 1)? {
                        Some(n) if n > 0 => taken += n,
                        _ => return Ok(None),
                    }
                    count -= 1;
                }
            } else if count == 0 {
                s.push_str(" empty");
            } else if count == -1 {
                s.push_str(" null");
            } else {
                return Ok(None);
            }
            Ok(Some(taken))
        }
        _ => {
            // An inline command: a line ended by CR, LF or both.
            let mut i = 0;
            let mut start = 0;
            while start < left && matches!(b.u8(at + start)?, b'\r' | b'\n') {
                start += 1;
            }
            i += start;
            while i < left && !matches!(b.u8(at + i)?, b'\r' | b'\n') {
                i += 1;
            }
            if i >= left {
                return Err(Trunc);
            }
            resp_segment(s, b, at + start, i - start)?;
            while i < left && matches!(b.u8(at + i)?, b'\r' | b'\n') {
                i += 1;
            }
            Ok(Some(i))
        }
    }
}

/// print-ripng.c at default verbosity.
fn ripng(s: &mut String, b: Bytes<'_>, length: u32) -> Res {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::line::LineOptions;
    use std::net::Ipv4Addr;

    fn resp_line(b: &[u8], length: u32) -> String {
        let mut s = String::new();
        resp(&mut s, Bytes(b), length);
        s
    }

    #[test]
    fn resp_prints_every_item_of_a_pipeline() {
        let b = b"*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n+OK\r\n$-1\r\n";
        assert_eq!(
            resp_line(b, b.len() as u32),
            r#": RESP "AUTH" "s3cret" "OK" null"#
        );
        assert_eq!(resp_line(b"KEYS *\r\n", 8), r#": RESP "KEYS *""#);
    }

    #[test]
    fn resp_cut_short_says_so() {
        let b = b"*2\r\n$4\r\nAUTH\r\n$6\r\ns3c";
        assert_eq!(resp_line(b, 30), r#": RESP "AUTH" [|resp]"#);
    }

    #[test]
    fn isakmp_remembers_the_initiator() {
        let cookies = Cookies::default();
        let cx = Ctx {
            opts: LineOptions {
                verbose: 0,
                ..LineOptions::default()
            },
            frame: &[],
            orig_len: 0,
            isakmp: &cookies,
        };
        let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let b = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
        let mut hdr = [0u8; 28];
        hdr[..8].copy_from_slice(&[0x11; 8]);
        hdr[17] = 0x10;
        hdr[18] = 2;
        let mut s = String::new();
        isakmp(&mut s, Bytes(&hdr), 28, Datagram { src: a, dst: b }, &cx).unwrap();
        assert_eq!(s, "isakmp: phase 1 I ident");
        hdr[8..16].copy_from_slice(&[0x22; 8]);
        let mut s = String::new();
        isakmp(&mut s, Bytes(&hdr), 28, Datagram { src: b, dst: a }, &cx).unwrap();
        assert_eq!(s, "isakmp: phase 1 R ident");
        // Another initiator cookie with a responder's: tcpdump does not know the side.
        hdr[..8].copy_from_slice(&[0x33; 8]);
        let mut s = String::new();
        isakmp(&mut s, Bytes(&hdr), 28, Datagram { src: b, dst: a }, &cx).unwrap();
        assert_eq!(s, "isakmp: phase 1 ? ident");
    }

    #[test]
    fn small_printers() {
        let mut s = String::new();
        ntp(&mut s, Bytes(&[0x23]), 48).unwrap();
        assert_eq!(s, "NTPv4, Client, length 48");
        let mut s = String::new();
        syslog(&mut s, Bytes(b"<34>Oct"), 7).unwrap();
        assert_eq!(s, "SYSLOG auth.critical, length: 7");
        let mut s = String::new();
        let rrq = b"\x00\x01boot.img\x00octet\x00";
        tftp(&mut s, Bytes(rrq), rrq.len() as u32).unwrap();
        assert_eq!(s, "TFTP, length 17, RRQ \"boot.img\" octet");
        let mut s = String::new();
        assert!(tftp(&mut s, Bytes(&rrq[..6]), rrq.len() as u32).is_err());
    }
}

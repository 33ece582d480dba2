//! Serial-line and log link types as tcpdump prints them: PPP (print-ppp.c, with the
//! protocol names of `ppptype2str`), Cisco HDLC, Frame Relay, SLIP, NFLOG, pflog and
//! IP over InfiniBand.

use super::link::ethertype_name;
use super::Ctx;
use crate::decode::linktypes::Pflog;
use std::fmt::Write as _;

/// tcpdump's `ppptype2str` (as Debian's tcpdump 4.99 names the protocols).
pub(super) fn ppp_name(p: u16) -> Option<&'static str> {
    Some(match p {
        0x0021 => "IP",
        0x0023 => "OSI",
        0x0025 => "NS",
        0x0027 => "DECNET",
        0x0029 => "APPLE",
        0x002b => "IPX",
        0x002d => "VJC IP",
        0x002f => "VJNC IP",
        0x0031 => "BRPDU",
        0x0033 => "STII",
        0x0035 => "VINES",
        0x003d => "MLPPP",
        0x0057 => "IP6",
        0x00fd => "Compressed",
        0x0201 => "HELLO",
        0x0231 => "LUXCOM",
        0x0233 => "SNS",
        0x0281 | 0x0283 => "MPLS",
        0x8021 => "IPCP",
        0x8023 => "OSICP",
        0x8025 => "NSCP",
        0x8027 => "DECNETCP",
        0x8029 => "APPLECP",
        0x802b => "IPXCP",
        0x8033 => "STIICP",
        0x8035 => "VINESCP",
        0x8057 => "IP6CP",
        0x80fd => "CCP",
        0x8281 => "MPLSCP",
        0xc021 => "LCP",
        0xc023 => "PAP",
        0xc025 => "LQM",
        0xc027 => "SPAP",
        0xc02b => "BACP",
        0xc02d => "BAP",
        0xc03d => "MLPPP-CP",
        0xc223 => "CHAP",
        0xc227 => "EAP",
        _ => return None,
    })
}

/// tcpdump's `ppp_print` with -e: the protocol, its number and the PPP length;
/// without -e, nothing before IP and IPv6, the protocol's name otherwise.
pub(super) fn ppp(s: &mut String, protocol: u16, len: u32, ctx: &Ctx<'_>) {
    if ctx.opts.link_header {
        let name = ppp_name(protocol).unwrap_or("unknown");
        let _ = write!(s, "{name} (0x{protocol:04x}), length {len}");
        if ppp_name(protocol).is_some() {
            s.push_str(": ");
        }
        return;
    }
    match protocol {
        0x0021 | 0x0057 => {}
        p => {
            let _ = match ppp_name(p) {
                Some(name) => write!(s, "{name}"),
                None => write!(s, "unknown PPP protocol (0x{p:04x})"),
            };
        }
    }
}

/// `ppp_hdlc_if_print`: with -e the address, control and frame length; then the
/// protocol's name and a colon, always.
pub(super) fn ppp_hdlc(
    s: &mut String,
    address: u8,
    control: u8,
    protocol: Option<u16>,
    len: u32,
    ctx: &Ctx<'_>,
) {
    if ctx.opts.link_header {
        let _ = write!(s, "{address:02x} {control:02x} {len} ");
    }
    match protocol {
        Some(p) => {
            let _ = match ppp_name(p) {
                Some(name) => write!(s, "{name}: "),
                None => write!(s, "unknown PPP protocol (0x{p:04x}): "),
            };
        }
        None => {
            let _ = write!(s, "unknown addr {address:02x}; ctrl {control:02x}");
        }
    }
}

/// print-chdlc.c: with -e the address's kind, the EtherType and the frame length.
pub(super) fn chdlc(s: &mut String, address: u8, protocol: u16, len: u32, ctx: &Ctx<'_>) {
    let known = matches!(protocol, 0x0800 | 0x86dd);
    if ctx.opts.link_header {
        match address {
            0x0f => s.push_str("unicast"),
            0x8f => s.push_str("bcast"),
            a => {
                let _ = write!(s, "0x{a:02x}");
            }
        }
        let _ = write!(
            s,
            ", ethertype {} (0x{protocol:04x}), length {len}: ",
            ethertype_name(protocol)
        );
    } else if !known {
        let _ = write!(s, "unknown CHDLC protocol (0x{protocol:04x})");
    }
}

/// print-fr.c's `fr_hdr_print`: with -e, or for an NLPID tcpdump does not follow.
pub(super) fn frelay(
    s: &mut String,
    (dlci, flags, hdr_len): (u32, u32, u8),
    nlpid: Option<u8>,
    len: u32,
    ctx: &Ctx<'_>,
) {
    let ip = matches!(nlpid, Some(0xcc | 0x8e));
    if !ctx.opts.link_header && ip {
        return;
    }
    let mut names = Vec::new();
    for (bit, name) in [
        (0x0200_0000, "C!"),
        (0x0002_0000, "DE"),
        (0x0004_0000, "BECN"),
        (0x0008_0000, "FECN"),
        (0x0000_0002, "sdlcore"),
    ] {
        if flags & bit != 0 {
            names.push(name);
        }
    }
    let flags = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    let _ = write!(
        s,
        "Q.922, hdr-len {hdr_len}, DLCI {dlci}, Flags [{flags}], "
    );
    match nlpid {
        Some(n) => {
            let _ = write!(s, "NLPID {} (0x{n:02x}), length {len}: ", nlpid_name(n));
        }
        None => {
            let _ = write!(s, "length {len}: ");
        }
    }
}

/// tcpdump's `nlpid_values`.
fn nlpid_name(n: u8) -> &'static str {
    match n {
        0x00 => "NULL",
        0x08 => "Q.933",
        0x80 => "SNAP",
        0x81 => "CLNP",
        0x82 => "ES-IS",
        0x83 => "IS-IS",
        0x8e => "IPv6",
        0xb0 => "JunOS",
        0xcc => "IPv4",
        0xcf => "PPP",
        _ => "Unknown",
    }
}

/// print-sl.c's `sliplink_print` (with -e): direction, then what the compressed
/// header says.
pub(super) fn slip(s: &mut String, dir: u8, chdr: u8, len: u32, frame: &[u8], ctx: &Ctx<'_>) {
    if !ctx.opts.link_header {
        return;
    }
    match dir {
        0 => s.push_str("I "),
        1 => s.push_str("O "),
        d => {
            let _ = write!(s, "Invalid direction {d} ");
        }
    }
    match chdr & 0xf0 {
        0x40 => {
            let _ = write!(s, "ip {len}: ");
        }
        0x70 => {
            // The connection id sits in the IP header's protocol field.
            let conn = frame.get(16 + 9).copied().unwrap_or(0);
            let _ = write!(s, "utcp {conn}: ");
        }
        _ if dir > 1 => {}
        _ => {
            let _ = write!(s, "slip-{chdr}!: ");
        }
    }
}

/// print-nflog.c with -e.
pub(super) fn nflog(
    s: &mut String,
    family: u8,
    version: u8,
    resource: u16,
    len: u32,
    ctx: &Ctx<'_>,
) {
    if !ctx.opts.link_header {
        return;
    }
    let name = match family {
        2 => "IPv4",
        10 => "IPv6",
        _ => "Unknown",
    };
    let _ = write!(
        s,
        "version {version}, resource ID {resource}, family {name} ({family}), length {len}: "
    );
}

/// print-pflog.c with -e: the rule, the reason, the action, the direction and the
/// interface.
pub(super) fn pflog(s: &mut String, p: &Pflog, ctx: &Ctx<'_>) {
    if !ctx.opts.link_header {
        return;
    }
    if p.subrulenr == u32::MAX {
        let _ = write!(s, "rule {}/", p.rulenr);
    } else {
        let _ = write!(s, "rule {}.", p.rulenr);
        printable(s, &p.ruleset);
        let _ = write!(s, ".{}/", p.subrulenr);
    }
    const REASONS: [&str; 15] = [
        "0(match)",
        "1(bad-offset)",
        "2(fragment)",
        "3(short)",
        "4(normalize)",
        "5(memory)",
        "6(bad-timestamp)",
        "7(congestion)",
        "8(ip-option)",
        "9(proto-cksum)",
        "10(state-mismatch)",
        "11(state-insert)",
        "12(state-limit)",
        "13(src-limit)",
        "14(synproxy)",
    ];
    const ACTIONS: [&str; 11] = [
        "pass",
        "block",
        "scrub",
        "no-scrub",
        "nat",
        "no-nat",
        "binat",
        "no-binat",
        "rdr",
        "no-rdr",
        "synproxy-drop",
    ];
    match REASONS.get(usize::from(p.reason)) {
        Some(r) => s.push_str(r),
        None => {
            let _ = write!(s, "unkn({})", p.reason);
        }
    }
    s.push_str(": ");
    match ACTIONS.get(usize::from(p.action)) {
        Some(a) => s.push_str(a),
        None => {
            let _ = write!(s, "unkn({})", p.action);
        }
    }
    match p.dir {
        0 => s.push_str(" in/out on "),
        1 => s.push_str(" in on "),
        2 => s.push_str(" out on "),
        d => {
            let _ = write!(s, " unkn({d}) on ");
        }
    }
    printable(s, &p.ifname);
    s.push_str(": ");
}

/// print-ipoib.c: with -e `IPOIB`, then the type and the frame length (also without
/// -e before a type tcpdump does not follow).
pub(super) fn ipoib(s: &mut String, ethertype: u16, len: u32, ctx: &Ctx<'_>) {
    let known = matches!(ethertype, 0x0800 | 0x86dd | 0x0806);
    if ctx.opts.link_header {
        s.push_str("IPOIB");
    } else if known {
        return;
    }
    let _ = write!(
        s,
        ", ethertype {} (0x{ethertype:04x}), length {len}: ",
        ethertype_name(ethertype)
    );
}

/// tcpdump's `fn_print_char` over a name from the capture: printable ASCII as is,
/// the rest as `M-` and `^` escapes (never raw control bytes).
pub(super) fn printable(s: &mut String, bytes: &[u8]) {
    for &b in bytes {
        let mut c = b;
        if !c.is_ascii() {
            c &= 0x7f;
            s.push_str("M-");
        }
        if c.is_ascii_graphic() || c == b' ' {
            s.push(char::from(c));
        } else {
            s.push('^');
            s.push(char::from(c ^ 0x40));
        }
    }
}

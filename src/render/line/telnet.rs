//! Telnet as tcpdump's print-telnet.c prints it: the commands a segment starts with
//! (RFC 854 `IAC …`, option negotiation, subnegotiations up to `IAC SE`), as
//! ` [telnet DO ECHO, WILL NAWS]`. Data after the commands is not printed.

use super::nd::{alt_hex, Bytes, Res};

const IAC: u8 = 255;
const SE: u8 = 240;
const SB: u8 = 250;
/// The first command tcpdump names (`xEOF`).
const TELCMD_FIRST: u8 = 236;

const TELCMDS: [&str; 20] = [
    "EOF", "SUSP", "ABORT", "EOR", "SE", "NOP", "DMARK", "BRK", "IP", "AO", "AYT", "EC", "EL",
    "GA", "SB", "WILL", "WONT", "DO", "DONT", "IAC",
];

/// glibc's `telopts`, options 0 to 39.
const TELOPTS: [&str; 40] = [
    "BINARY",
    "ECHO",
    "RCP",
    "SUPPRESS GO AHEAD",
    "NAME",
    "STATUS",
    "TIMING MARK",
    "RCTE",
    "NAOL",
    "NAOP",
    "NAOCRD",
    "NAOHTS",
    "NAOHTD",
    "NAOFFD",
    "NAOVTS",
    "NAOVTD",
    "NAOLFD",
    "EXTEND ASCII",
    "LOGOUT",
    "BYTE MACRO",
    "DATA ENTRY TERMINAL",
    "SUPDUP",
    "SUPDUP OUTPUT",
    "SEND LOCATION",
    "TERMINAL TYPE",
    "END OF RECORD",
    "TACACS UID",
    "OUTPUT MARKING",
    "TTYLOC",
    "3270 REGIME",
    "X.3 PAD",
    "NAWS",
    "TSPEED",
    "LFLOW",
    "LINEMODE",
    "XDISPLOC",
    "OLD-ENVIRON",
    "AUTHENTICATION",
    "ENCRYPT",
    "NEW-ENVIRON",
];

const TELOPT_AUTHENTICATION: u8 = 37;
const TELOPT_ENCRYPT: u8 = 38;

const CMDS: [Option<&str>; 3] = [Some("IS"), Some("SEND"), Some("INFO")];
const AUTHCMD: [Option<&str>; 4] = [Some("IS"), Some("SEND"), Some("REPLY"), Some("NAME")];
const AUTHTYPE: [Option<&str>; 16] = [
    Some("NULL"),
    Some("KERBEROS_V4"),
    Some("KERBEROS_V5"),
    Some("SPX"),
    Some("MINK"),
    Some("SRP"),
    Some("RSA"),
    Some("SSL"),
    None,
    None,
    Some("LOKI"),
    Some("SSA"),
    Some("KEA_SJ"),
    Some("KEA_SJ_INTEG"),
    Some("DSS"),
    Some("NTLM"),
];
const ENCCMD: [Option<&str>; 9] = [
    Some("IS"),
    Some("SUPPORT"),
    Some("REPLY"),
    Some("START"),
    Some("END"),
    Some("REQUEST-START"),
    Some("REQUEST-END"),
    Some("END_KEYID"),
    Some("DEC_KEYID"),
];
const ENCTYPE: [Option<&str>; 10] = [
    Some("NULL"),
    Some("DES_CFB64"),
    Some("DES_OFB64"),
    Some("DES3_CFB64"),
    Some("DES3_OFB64"),
    None,
    Some("CAST5_40_CFB64"),
    Some("CAST5_40_OFB64"),
    Some("CAST128_CFB64"),
    Some("CAST128_OFB64"),
];

/// `telnet_print`: the commands at the start of a segment.
pub(super) fn telnet(s: &mut String, b: Bytes<'_>, length: u32) {
    if print(s, b, length as usize).is_err() {
        s.push_str(" [|telnet]");
    }
}

fn print(s: &mut String, b: Bytes<'_>, length: usize) -> Res {
    let mut first = true;
    let mut at = 0;
    let mut length = length;
    while length > 0 && b.u8(at)? == IAC {
        let Some(l) = parse(None, b, at, length)? else {
            break;
        };
        s.push_str(if first { " [telnet " } else { ", " });
        parse(Some(s), b, at, length)?;
        first = false;
        at += l;
        length -= l;
    }
    if !first {
        s.push(']');
    }
    Ok(())
}

/// `STR_OR_ID`: a table's name, or the number as `%#x`.
fn str_or_id(s: &mut String, x: u8, table: &[Option<&str>]) {
    match table.get(usize::from(x)).copied().flatten() {
        Some(name) => s.push_str(name),
        None => alt_hex(s, u32::from(x)),
    }
}

/// `telnet_parse`: one command at `at`; its length, or `None` where tcpdump gives
/// up on the segment. Prints when `out` is given.
fn parse(
    mut out: Option<&mut String>,
    b: Bytes<'_>,
    at: usize,
    length: usize,
) -> Res<Option<usize>> {
    let mut sp = at;
    let mut length = length;
    macro_rules! fetch {
        () => {{
            if length < 1 {
                return Ok(None);
            }
            let c = b.u8(sp)?;
            sp += 1;
            length -= 1;
            c
        }};
    }
    macro_rules! say {
        ($($arg:tt)*) => {
            if let Some(s) = out.as_deref_mut() {
                use std::fmt::Write as _;
                let _ = write!(s, $($arg)*);
            }
        };
    }
    let c = fetch!();
    if c != IAC {
        return Ok(None);
    }
    let c = fetch!();
    if c == IAC {
        say!("IAC IAC");
        return Ok(Some(sp - at));
    }
    if c < TELCMD_FIRST {
        return Ok(None);
    }
    let name = TELCMDS
        .get(usize::from(c - TELCMD_FIRST))
        .copied()
        .unwrap_or("?");
    match c {
        251..=254 | SB => {
            let x = fetch!();
            match TELOPTS.get(usize::from(x)) {
                Some(opt) => say!("{name} {opt}"),
                None => say!("{name} {x:#x}"),
            }
            if c != SB {
                return Ok(Some(sp - at));
            }
            // IAC SB … IAC SE
            let mut p = sp;
            while length > p + 1 - sp {
                if b.u8(p)? == IAC && b.u8(p + 1)? == SE {
                    break;
                }
                p += 1;
            }
            if b.u8(p)? != IAC {
                return Ok(None);
            }
            let tables: &[&[Option<&str>]] = match x {
                TELOPT_AUTHENTICATION => &[&AUTHCMD, &AUTHTYPE],
                TELOPT_ENCRYPT => &[&ENCCMD, &ENCTYPE],
                _ => &[&CMDS],
            };
            for table in tables {
                if p <= sp {
                    break;
                }
                let c = fetch!();
                if let Some(s) = out.as_deref_mut() {
                    s.push(' ');
                    str_or_id(s, c, table);
                }
            }
            while p > sp {
                let x = fetch!();
                if let Some(s) = out.as_deref_mut() {
                    s.push(' ');
                    alt_hex(s, u32::from(x));
                }
            }
            say!(" SE");
            sp += 2;
        }
        _ => say!("{name}"),
    }
    Ok(Some(sp - at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(p: &[u8]) -> String {
        let mut s = String::new();
        telnet(&mut s, Bytes(p), p.len() as u32);
        s
    }

    #[test]
    fn negotiation_and_subnegotiation() {
        assert_eq!(
            line(&[255, 253, 1, 255, 250, 31, 0, 80, 0, 24, 255, 240]),
            " [telnet DO ECHO, SB NAWS IS 0x50 0 0x18 SE]"
        );
    }

    #[test]
    fn data_alone_prints_nothing() {
        assert_eq!(line(b"ls\r\n"), "");
    }

    #[test]
    fn payload_not_captured_is_truncated() {
        let mut s = String::new();
        telnet(&mut s, Bytes(&[]), 6);
        assert_eq!(s, " [|telnet]");
    }
}

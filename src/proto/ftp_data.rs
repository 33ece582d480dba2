//! FTP data connections (RFC 959 section 3.2, RFC 2428): the files and listings an FTP
//! session transfers travel on a connection of their own, announced on the control
//! connection and carrying no header a content test could recognise.
//!
//! The control connection names it: the server's `227 Entering Passive Mode
//! (h1,h2,h3,h4,p1,p2)` or `229 Entering Extended Passive Mode (|||port|)` (the client
//! connects to the server), or the client's `PORT h1,h2,h3,h4,p1,p2` or `EPRT
//! |1|addr|port|` (the server connects to the client). The FTP dissector reports each
//! as an [`Expect`]ation; the flow table remembers it (bounded), and the connection
//! that arrives at that address and port is read as FTP data: every byte readable
//! content, since nothing encrypts it — unless its first bytes are another protocol's
//! (TLS, after `AUTH TLS` and `PROT P`), which content detection finds first.

use super::registry::{Detect, Probe, Protocol};
use super::{Direction, Dissector, Emitter, Expect, Facts, Fed};
use std::net::{IpAddr, Ipv4Addr};

crate::fields! {
    proto = "FTP-DATA";
    FTP_DATA = "ftp-data.content", Content, Cleartext, None, "a file or listing sent over an FTP data connection (RFC 959 section 3.2)";
}

/// Announced by FTP, never recognised by content; port 20 is the server's end of an
/// active-mode data connection (RFC 959 section 3.2), for captures that begin after the
/// announcement.
pub static PROTOCOL: Protocol = Protocol {
    name: "FTP-DATA",
    detect: |_: &Probe<'_>| Detect::No,
    ports: &[20],
    new: |_| Box::new(FtpData),
    fields: FIELDS,
};

/// The data connection announced by one FTP control line, if any.
pub fn expectation(dir: Direction, line: &[u8]) -> Option<Expect> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let upper = |n: usize| text.get(..n).map(str::to_ascii_uppercase);
    let (listener_is_server, (addr, port)) = match dir {
        Direction::ToClient if text.starts_with("227") => (true, six_numbers(text.get(3..)?)?),
        Direction::ToClient if text.starts_with("229") => (true, (None, extended(text)?.1)),
        Direction::ToServer if upper(5).as_deref() == Some("PORT ") => {
            (false, six_numbers(text.get(5..)?)?)
        }
        Direction::ToServer if upper(5).as_deref() == Some("EPRT ") => {
            (false, extended(text.get(5..)?)?)
        }
        _ => return None,
    };
    (port != 0).then_some(Expect {
        listener_is_server,
        addr,
        port,
        proto: &PROTOCOL,
    })
}

/// `h1,h2,h3,h4,p1,p2` somewhere in `text` (RFC 959 section 4.1.2; servers differ in
/// what surrounds it). An address of 0.0.0.0 names none.
fn six_numbers(text: &str) -> Option<(Option<IpAddr>, u16)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = text.get(start..)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ','))
        .unwrap_or(rest.len());
    let n: Vec<u8> = rest
        .get(..end)?
        .split(',')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c, d, p1, p2] = <[u8; 6]>::try_from(n).ok()?;
    let addr = Ipv4Addr::new(a, b, c, d);
    let addr = (!addr.is_unspecified()).then_some(IpAddr::V4(addr));
    Some((addr, u16::from(p1) << 8 | u16::from(p2)))
}

/// `<d>proto<d>addr<d>port<d>` (RFC 2428): EPRT's arguments, or the part of a 229
/// reply in parentheses, where the protocol and address are empty.
fn extended(text: &str) -> Option<(Option<IpAddr>, u16)> {
    let inner = match (text.find('('), text.rfind(')')) {
        (Some(a), Some(b)) if a < b => text.get(a + 1..b)?,
        _ => text.trim(),
    };
    let delim = inner.chars().next()?;
    let parts: Vec<&str> = inner.split(delim).collect();
    let [_, proto, addr, port, _] = parts.as_slice() else {
        return None;
    };
    let addr = match (*proto, addr.parse::<IpAddr>()) {
        ("" | "1" | "2", Ok(a)) => Some(a),
        ("" | "1" | "2", Err(_)) if addr.is_empty() => None,
        _ => return None,
    };
    Some((addr, port.parse().ok()?))
}

/// One FTP data connection: every byte is the transferred content.
#[derive(Debug)]
pub struct FtpData;

impl Dissector for FtpData {
    fn feed(&mut self, _: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        out.field(base..base + data.len() as u64, FTP_DATA);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("FTP-DATA".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(dir: Direction, line: &str) -> Option<(bool, Option<IpAddr>, u16)> {
        expectation(dir, line.as_bytes()).map(|e| (e.listener_is_server, e.addr, e.port))
    }

    #[test]
    fn announcements_in_every_form() {
        let v4 = |a, b, c, d| Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
        assert_eq!(
            at(
                Direction::ToClient,
                "227 Entering Passive Mode (192,168,1,2,95,203).\r\n"
            ),
            Some((true, v4(192, 168, 1, 2), 24523))
        );
        // vsftpd and others leave out the parentheses, some answer 0.0.0.0.
        assert_eq!(
            at(
                Direction::ToClient,
                "227 Entering Passive Mode 10,0,0,1,4,1"
            ),
            Some((true, v4(10, 0, 0, 1), 1025))
        );
        assert_eq!(
            at(Direction::ToClient, "227 =0,0,0,0,4,1"),
            Some((true, None, 1025))
        );
        assert_eq!(
            at(
                Direction::ToClient,
                "229 Entering Extended Passive Mode (|||6446|)\r\n"
            ),
            Some((true, None, 6446))
        );
        assert_eq!(
            at(Direction::ToServer, "PORT 127,0,0,1,195,80\r\n"),
            Some((false, v4(127, 0, 0, 1), 50000))
        );
        assert_eq!(
            at(Direction::ToServer, "eprt |2|::1|5282|\r\n"),
            Some((false, "::1".parse().ok(), 5282))
        );
        assert_eq!(
            at(Direction::ToServer, "EPRT |1|132.235.1.2|6275|"),
            Some((false, v4(132, 235, 1, 2), 6275))
        );
    }

    #[test]
    fn anything_else_announces_nothing() {
        for (dir, line) in [
            (
                Direction::ToServer,
                "227 Entering Passive Mode (1,2,3,4,5,6)",
            ),
            (Direction::ToClient, "PORT 1,2,3,4,5,6"),
            (Direction::ToClient, "227 Entering Passive Mode (1,2,3,4,5)"),
            (
                Direction::ToClient,
                "227 Entering Passive Mode (1,2,3,4,5,6,7)",
            ),
            (
                Direction::ToClient,
                "227 Entering Passive Mode (1,2,3,4,999,6)",
            ),
            (
                Direction::ToClient,
                "227 Entering Passive Mode (1,2,3,4,0,0)",
            ),
            (
                Direction::ToClient,
                "229 Entering Extended Passive Mode (|||x|)",
            ),
            (Direction::ToClient, "229 (|3|addr|1|)"),
            (Direction::ToServer, "EPRT |1|not-an-address|6275|"),
            (Direction::ToServer, "EPRT"),
            (Direction::ToServer, "RETR file.txt"),
        ] {
            assert_eq!(at(dir, line), None, "{line}");
        }
        assert!(expectation(Direction::ToClient, b"227 \xff\xfe").is_none());
    }
}

//! tcpdump's application printers for UDP (NTP, BOOTP/DHCP, DHCPv6, RIP, ISAKMP/IKE,
//! LISP, AFS rx, syslog, TFTP, SSDP) and its printers for IP protocols without
//! ports (IGMP, EIGRP, OSPF, RSVP, VRRP, PIM), at default verbosity: what each prints
//! on the packet's line.

use super::nd::{print_char, Bytes, Res, Trunc};
use super::Ctx;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::net::IpAddr;

mod ip_proto;
mod isakmp;
mod resp;
#[cfg(test)]
mod tests;
mod udp;

pub(super) use ip_proto::ip_proto;
use isakmp::*;
pub(super) use resp::resp;
use udp::*;

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

/// A shared, resettable table for [`Ctx`].
pub(super) type Cookies = RefCell<IsakmpCookies>;

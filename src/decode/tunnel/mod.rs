//! Tunnels and encapsulations: the one path by which decoding re-enters itself.
//!
//! An encapsulation is recognised at decode time, statelessly: by IP protocol number
//! (IP-in-IP 4 and 41, GRE 47) or by UDP port confirmed by the header's own sanity
//! checks (VXLAN's I flag, Geneve's version and protocol type, GTP-U's version and
//! length, Teredo's inner IPv6 header, L2TP's version). A UDP datagram on one of those
//! ports whose header does not pass stays an ordinary UDP datagram for the flow stage.
//!
//! Each encapsulation's module labels its own header field by field (role `Header`,
//! visibility `Metadata`), pushes its [`TunnelLayer`] for the packet line, and then
//! calls [`enter`] with what it carries ([`Inner`]): Ethernet, IPv4, IPv6, IP by its
//! version nibble, PPP or MPLS. `enter` is the re-entry path: it continues the walk at
//! an offset through the same entry points the link and network layers use
//! (`link::ethernet_at`, `link::ppp`, `link::mpls`, `ip::ipv4`, `ip::ipv6`), so an
//! inner packet is decoded, and its transport payload handed to the flow stage, like
//! any other. IP-in-IP (6in4, 4in6) goes through it too.
//!
//! Invariants:
//! - **One nesting bound.** Every `enter` is one level; at [`MAX_DEPTH`] levels the
//!   walk stops with a note and the inner bytes stay `Undecoded`. A tunnel nested 50
//!   deep costs eight levels of recursion, never more.
//! - **The path travels with the payload.** `Walk::path` lists the encapsulations
//!   entered, outermost first; the transport decoders copy it into
//!   [`super::Payload::encap`] (and IP fragments into [`super::FragmentInfo::encap`]),
//!   so the flow stage can name the tunnel in a flow's stack (`VXLAN › IPv4 › TCP`).
//! - **The outer headers keep their place.** `net_offset` (where `-X` starts) stays the
//!   outermost network header's; an IP fragment is the outermost one.

pub mod erspan;
pub mod geneve;
pub mod gre;
pub mod gtp;
pub mod l2tp;
pub mod teredo;
pub mod vxlan;

use super::{ip, link, to_u32, Layer, OtherLayer, Walk};
use crate::note::{NoteGroup, Severity};
use std::fmt;

pub use erspan::ErspanLayer;
pub use geneve::GeneveLayer;
pub use gre::GreLayer;
pub use gtp::GtpLayer;
pub use l2tp::L2tpLayer;
pub use teredo::TeredoLayer;
pub use vxlan::{VxlanGpeLayer, VxlanLayer};

/// How many encapsulations (IP-in-IP included) are followed, one inside another.
pub const MAX_DEPTH: usize = 8;

/// What an encapsulation carries where decoding continues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner {
    Ethernet,
    Ipv4,
    Ipv6,
    /// IPv4 or IPv6, by the version nibble (GTP-U, ERSPAN III IP frames).
    Ip,
    /// PPP with optional address and control bytes (L2TP, PPTP's GRE).
    Ppp,
    /// An MPLS label stack (MPLS in GRE, VXLAN-GPE).
    Mpls,
}

/// One encapsulation a packet travelled through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tunnel {
    /// IP directly in IP (RFC 2003, RFC 4213): 4in4, 6in4, 4in6, 6in6.
    IpInIp { outer_v6: bool, inner_v6: bool },
    /// GRE (RFC 2784, RFC 2890).
    Gre,
    /// PPTP's enhanced GRE (RFC 2637).
    Pptp,
    /// Cisco ERSPAN type I, II or III over GRE.
    Erspan(u8),
    /// VXLAN (RFC 7348).
    Vxlan,
    /// VXLAN Generic Protocol Extension (draft-ietf-nvo3-vxlan-gpe).
    VxlanGpe,
    /// Geneve (RFC 8926).
    Geneve,
    /// GTP-U (3GPP TS 29.281).
    GtpU,
    /// Teredo (RFC 4380).
    Teredo,
    /// L2TP version 2 (RFC 2661).
    L2tp,
}

impl Tunnel {
    /// The name in a flow's stack.
    pub fn name(self) -> &'static str {
        match self {
            Tunnel::IpInIp {
                outer_v6: false,
                inner_v6: false,
            } => "IPIP",
            Tunnel::IpInIp {
                outer_v6: false,
                inner_v6: true,
            } => "6in4",
            Tunnel::IpInIp {
                outer_v6: true,
                inner_v6: false,
            } => "4in6",
            Tunnel::IpInIp {
                outer_v6: true,
                inner_v6: true,
            } => "6in6",
            Tunnel::Gre => "GRE",
            Tunnel::Pptp => "PPTP",
            Tunnel::Erspan(1) => "ERSPAN I",
            Tunnel::Erspan(2) => "ERSPAN II",
            Tunnel::Erspan(_) => "ERSPAN III",
            Tunnel::Vxlan => "VXLAN",
            Tunnel::VxlanGpe => "VXLAN-GPE",
            Tunnel::Geneve => "Geneve",
            Tunnel::GtpU => "GTP-U",
            Tunnel::Teredo => "Teredo",
            Tunnel::L2tp => "L2TP",
        }
    }
}

impl fmt::Display for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The encapsulations a packet travelled through, outermost first: at most
/// [`MAX_DEPTH`], kept inline so a payload stays cheap to copy.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Encapsulation {
    kinds: [Option<Tunnel>; MAX_DEPTH],
    len: u8,
}

impl Encapsulation {
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Outermost first.
    pub fn iter(&self) -> impl Iterator<Item = Tunnel> + '_ {
        self.kinds.iter().take(self.len()).flatten().copied()
    }

    /// Adds an inner encapsulation; false (and nothing added) when full.
    pub fn push(&mut self, t: Tunnel) -> bool {
        let len = self.len();
        match self.kinds.get_mut(len) {
            Some(slot) => {
                *slot = Some(t);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn pop(&mut self) {
        if let Some(slot) = self.len.checked_sub(1) {
            if let Some(k) = self.kinds.get_mut(usize::from(slot)) {
                *k = None;
            }
            self.len = slot;
        }
    }

    /// This path followed by `inner` (a datagram reassembled inside a tunnel that
    /// carries another); what does not fit is dropped.
    pub fn then(mut self, inner: &Encapsulation) -> Encapsulation {
        for t in inner.iter() {
            self.push(t);
        }
        self
    }
}

impl fmt::Debug for Encapsulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What an encapsulation header said, for the packet line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TunnelLayer {
    Gre(GreLayer),
    Erspan(ErspanLayer),
    Vxlan(VxlanLayer),
    VxlanGpe(VxlanGpeLayer),
    Geneve(GeneveLayer),
    Gtp(GtpLayer),
    Teredo(TeredoLayer),
    L2tp(L2tpLayer),
}

/// Continues the walk at `at` as `inner`, one encapsulation deeper; `wire` is the
/// number of bytes the encapsulation carries on the wire from `at`. At the nesting
/// bound the walk stops there with a note: the inner bytes stay undecoded.
pub(crate) fn enter(walk: &mut Walk<'_>, tunnel: Tunnel, at: usize, wire: u32, inner: Inner) {
    if !walk.path.push(tunnel) {
        let cap = walk.data.len();
        walk.note(
            Severity::Warn,
            NoteGroup::Malformed,
            format!(
                "{tunnel} inside {MAX_DEPTH} nested encapsulations: the inner packet is not \
                 decoded"
            ),
            at..cap,
        );
        walk.layer(Layer::Other(OtherLayer::Problem(format!(
            "[{MAX_DEPTH} nested tunnels, {tunnel} not decoded]"
        ))));
        return;
    }
    let net_offset = walk.out.net_offset;
    match inner {
        Inner::Ethernet => link::ethernet_at(walk, at, wire),
        Inner::Ipv4 => ip::ipv4(walk, at, wire),
        Inner::Ipv6 => ip::ipv6(walk, at, wire),
        Inner::Ip => match walk.data.get(at).map(|b| b >> 4) {
            Some(6) => ip::ipv6(walk, at, wire),
            Some(_) => ip::ipv4(walk, at, wire),
            None => walk.truncated("ip", at, 1),
        },
        Inner::Ppp => link::ppp(walk, at, wire),
        Inner::Mpls => link::mpls(walk, at, wire),
    }
    walk.out.net_offset = net_offset;
    walk.path.pop();
}

/// Well-known UDP ports of the encapsulations recognised over UDP.
pub mod port {
    pub const L2TP: u16 = 1701;
    pub const GTP_U: u16 = 2152;
    pub const TEREDO: u16 = 3544;
    pub const VXLAN: u16 = 4789;
    pub const VXLAN_GPE: u16 = 4790;
    pub const GENEVE: u16 = 6081;
}

/// A UDP datagram's payload at `at` (`wire` bytes on the wire, `cap` of them captured
/// in the frame): an encapsulation when a port matches (the destination port first)
/// and the header passes its sanity check. Returns whether it took the datagram; if
/// not, the datagram is an ordinary one for the flow stage.
pub(crate) fn over_udp(walk: &mut Walk<'_>, sport: u16, dport: u16, at: usize, wire: u32) -> bool {
    let end = at.saturating_add(wire as usize).min(walk.data.len());
    let bytes = walk.data.get(at..end).unwrap_or(&[]);
    for p in [dport, sport] {
        let taken = match p {
            port::VXLAN if vxlan::is_vxlan(bytes, wire) => {
                vxlan::vxlan(walk, at, wire);
                true
            }
            port::VXLAN_GPE if vxlan::is_gpe(bytes, wire) => {
                vxlan::gpe(walk, at, wire);
                true
            }
            port::GENEVE if geneve::is_geneve(bytes, wire) => {
                geneve::decode(walk, at, wire);
                true
            }
            port::GTP_U if gtp::is_gtp_u(bytes, wire) => {
                gtp::decode(walk, at, wire);
                true
            }
            port::TEREDO if teredo::is_teredo(bytes, wire) => {
                teredo::decode(walk, at, wire);
                true
            }
            port::L2TP if l2tp::is_l2tp(bytes, wire) => {
                l2tp::decode(walk, at, wire);
                true
            }
            _ => false,
        };
        if taken {
            return true;
        }
    }
    false
}

/// Whether the `len` header bytes at `at` were captured; if not, the header is cut
/// off by the capture (tcpdump's `[|proto]`, a note, the bytes undecoded).
pub(crate) fn captured(walk: &mut Walk<'_>, proto: &'static str, at: usize, len: usize) -> bool {
    if walk.data.len() >= at.saturating_add(len) {
        return true;
    }
    walk.truncated(proto, at, len);
    false
}

/// The bytes a header of `hlen` leaves for its payload on the wire.
pub(crate) fn after(wire: u32, hlen: usize) -> u32 {
    wire.saturating_sub(to_u32(hlen))
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

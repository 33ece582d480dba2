//! The packet line: what `tcpdump -nn` prints (Debian's tcpdump 4.99), byte for byte
//! for TCP and UDP over IPv4 and IPv6 through `length N`, followed by eavesdrop's
//! description of the payload.
//!
//! The formatting follows tcpdump's printers (print-ip.c, print-ip6.c, print-tcp.c,
//! print-udp.c) in the order they print, including their quirks (double spaces before
//! `[|tcp]`, `ip-proto-N`, absolute sequence numbers on the first packet of a
//! conversation). One file per layer: `link.rs` (link-level bits, ARP, names for what
//! has no printer), `ip.rs` (IPv4, IPv6 and its extension headers, addresses), `tcp.rs`
//! (relative sequence numbers, options), `udp.rs`, `icmp.rs`, `tunnel.rs`
//! (encapsulation headers, each followed by the inner packet); tcpdump's application
//! printers in `apps.rs`, `dns.rs`, `text.rs` and `telnet.rs`, link-layer protocols
//! (STP, CDP, LLDP) in `l2.rs`, what they share in `nd.rs`; `describe.rs` is
//! eavesdrop's own part. This file walks the decoded layers in wire order and hands
//! each to its printer.
//!
//! Rendering never parses: TCP options and IPv6 routing headers come typed from
//! [`crate::decode`], interface names from [`crate::capture::ifnames`].

mod apps;
mod describe;
mod dns;
mod icmp;
mod ip;
mod l2;
mod link;
mod nd;
mod ppp;
mod tcp;
mod telnet;
mod text;
mod tunnel;
mod udp;
mod wifi;

pub use describe::{describe_decrypted, describe_payload};
pub use ip::ipv6_text;

use super::escape_into;
use super::time::Clock;
use crate::capture::LinkType;
use crate::decode::link::LinkLayer;
use crate::decode::{Decoded, Layer};

/// Options that change the line.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineOptions {
    /// `-#`: frame numbers.
    pub numbers: bool,
    /// `-S`: absolute sequence numbers.
    pub absolute_seq: bool,
    /// Append eavesdrop's description of the payload after tcpdump's part.
    pub describe: bool,
    /// `-q`: tcpdump's quick TCP line, `tcp N` for the payload length in place of the
    /// flags, sequence numbers, window and options (the demo's short lines), and the
    /// short link-level header with `-e`.
    pub quick: bool,
    /// `-v`, `-vv`, `-vvv`: 1 to 3 (0 without): the IP header's fields, checksums.
    pub verbose: u8,
    /// `-e`: the link-level header on each line (MAC addresses, EtherType, length).
    pub link_header: bool,
    /// `-K`: do not verify checksums (at `-v`).
    pub no_checksums: bool,
}

impl LineOptions {
    /// Checksums are verified: `-v` without `-K`.
    fn checksums(&self) -> bool {
        self.verbose > 0 && !self.no_checksums
    }
}

/// What a layer's printer may look at besides its layer: the options and the frame
/// (layers hold ranges into its bytes), and what tcpdump remembers from line to line.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub opts: LineOptions,
    /// The frame's captured bytes (checksums are computed over them at `-v`).
    pub frame: &'a [u8],
    /// The frame's length on the wire (`-e` prints it).
    pub orig_len: u32,
    /// ISAKMP's initiator cookies, remembered from line to line.
    pub isakmp: &'a apps::Cookies,
}

impl<'a> Ctx<'a> {
    /// The captured bytes of a layer's range (empty if it lies outside the frame).
    pub fn bytes(&self, range: &std::ops::Range<u32>) -> &'a [u8] {
        self.frame
            .get(range.start as usize..range.end as usize)
            .unwrap_or(&[])
    }
}

/// State carried from line to line, and the room lines are built in (kept from
/// frame to frame: a line costs no allocation once the room has grown).
pub struct LineWriter {
    opts: LineOptions,
    clock: Clock,
    tcp: tcp::TcpState,
    ifnames: link::IfNames,
    /// Boxed: lent to each line's context by moving the box out and back (moving the
    /// kilobyte of cookies itself, both ways, cost 0.9% of `show`).
    isakmp: Option<Box<apps::Cookies>>,
    /// tcpdump's part of the line, then eavesdrop's.
    line: String,
    /// eavesdrop's description, before it is escaped onto the line.
    desc: String,
    describe: describe::Scratch,
}

impl LineWriter {
    pub fn new(opts: LineOptions, clock: Clock) -> LineWriter {
        LineWriter {
            opts,
            clock,
            tcp: tcp::TcpState::default(),
            ifnames: link::IfNames::default(),
            isakmp: Some(Box::default()),
            line: String::with_capacity(256),
            desc: String::with_capacity(128),
            describe: describe::Scratch::default(),
        }
    }

    /// A writer with the same options and clock and no state, for a worker of `-j N`.
    pub fn fresh(&self) -> LineWriter {
        let mut clock = self.clock.clone();
        clock.resume(&crate::sink::FrameContext::default());
        LineWriter::new(self.opts, clock)
    }

    /// See [`Clock::resume`].
    pub fn resume(&mut self, context: &crate::sink::FrameContext) {
        self.clock.resume(context);
    }

    /// Appends the packet line (without newline) for a frame.
    pub fn write(&mut self, out: &mut Vec<u8>, view: &crate::sink::FrameView<'_>) {
        let d = view.decoded;
        if self.opts.numbers {
            // `%5u  `
            let n = view.frame.number;
            let mut digits = [0u8; 20];
            let text = crate::text::decimal(&mut digits, n);
            out.extend(std::iter::repeat_n(b' ', 5usize.saturating_sub(text.len())));
            out.extend_from_slice(text);
            out.extend_from_slice(b"  ");
        }
        if let Some(invalid) = &d.invalid_header {
            out.extend_from_slice(invalid.as_bytes());
            return;
        }
        self.clock.write(out, view.frame.ts);
        let mut s = std::mem::take(&mut self.line);
        s.clear();
        // Lent to the printers for this line (the line's layers borrow `self`).
        let isakmp = self.isakmp.take().unwrap_or_default();
        let ctx = Ctx {
            opts: self.opts,
            frame: &view.frame.data,
            orig_len: view.frame.orig_len,
            isakmp: &isakmp,
        };
        // print-raw.c: raw IP link types say `ip: ` with -e.
        if self.opts.link_header
            && matches!(
                view.frame.link,
                LinkType::RAW
                    | LinkType::RAW_12
                    | LinkType::RAW_14
                    | LinkType::IPV4
                    | LinkType::IPV6
            )
        {
            s.push_str("ip: ");
        }
        self.tcpdump_part(&mut s, d, &ctx);
        self.isakmp = Some(isakmp);
        if self.opts.describe {
            let desc = &mut self.desc;
            desc.clear();
            if describe::describe_into(
                desc,
                &mut self.describe,
                view.decoded,
                view.map,
                view.events,
                &s,
            ) {
                // After a printer that ends in `: ` with nothing more (Kerberos' other
                // messages, an unknown EtherType), the description follows it directly.
                if !s.ends_with(": ") {
                    s.push_str(": ");
                }
                escape_into(&mut s, desc);
            }
            if let Some(dec) = describe_decrypted(view.decrypted) {
                s.push_str(" \u{2014} decrypted: ");
                escape_into(&mut s, &dec);
            }
        }
        out.extend_from_slice(s.as_bytes());
        self.line = s;
    }

    /// tcpdump's part of the line: the layers, the truncation marker, the braces an
    /// encapsulation opened.
    fn tcpdump_part(&mut self, s: &mut String, d: &Decoded, ctx: &Ctx<'_>) {
        let braces = self.layers(s, d, ctx);
        match d.truncated {
            // tcpdump stops at the truncation marker, braces left open.
            Some(proto) => {
                s.push_str(" [|");
                s.push_str(proto);
                s.push(']');
            }
            None => {
                for _ in 0..braces {
                    s.push('}');
                }
            }
        }
    }

    /// tcpdump's part of the line, layer by layer; stops where tcpdump stops. Returns
    /// how many braces an encapsulation opened (closed after the inner packet).
    fn layers(&mut self, s: &mut String, d: &Decoded, ctx: &Ctx<'_>) -> usize {
        let layers = &d.layers;
        // The Ethernet addresses, printed only before an EtherType without a printer.
        let mut ether: Option<([u8; 6], [u8; 6])> = None;
        let mut braces = 0;
        for (i, layer) in layers.iter().enumerate() {
            let next = layers.get(i + 1);
            match layer {
                Layer::Link(l) => {
                    if let LinkLayer::Ethernet { src, dst, .. } = l {
                        ether = Some((*src, *dst));
                    }
                    link::link(s, l, &mut self.ifnames, ctx);
                }
                Layer::Ipv4(ip) => ip::ipv4(s, ip, next, ctx),
                Layer::Ipv6(ip) => ip::ipv6(s, ip, next, ctx),
                Layer::Ipv6Ext(ext) => {
                    if !ip::ipv6_ext(s, ext, ctx) {
                        return braces;
                    }
                }
                Layer::Tcp(t) => tcp::tcp(s, t, &mut self.tcp, ctx),
                Layer::Udp(u) => {
                    udp::udp(s, u, next, ctx);
                    // tcpdump -q prints `UDP, length N` and follows no tunnel.
                    if ctx.opts.quick && matches!(next, Some(Layer::Tunnel(_))) {
                        return braces;
                    }
                }
                Layer::Icmp(i) => icmp::icmp(s, i, ctx),
                Layer::Arp(a) => link::arp(s, a, ctx),
                Layer::Tunnel(t) => braces += tunnel::tunnel(s, t),
                Layer::Other(o) => link::other(s, o, ether, ctx),
            }
        }
        braces
    }
}

pub(super) use crate::text::push_dec;

//! IPv4 (RFC 791) and IPv6 (RFC 8200) with extension headers.
//!
//! Lengths follow tcpdump: the datagram ends where the IP header says (bytes after it
//! are link padding), a header that declares more than was sent is noted, and the
//! transport gets the payload length from the IP header, not from the capture.
//! IP-in-IP (protocols 4 and 41) and GRE (47) continue through [`super::tunnel`], the
//! one re-entry path, under its nesting bound.

use super::checksum::{internet_checksum, Verdict};
use super::ipv6_routing::RoutingHeader;
use super::tunnel::{self, Inner, Tunnel};
use super::{ah, esp, icmp, tcp, to_u32, udp, FixedTable, FragmentInfo, Layer, OtherLayer, Walk};
use crate::note::{NoteGroup, Severity};
use etherparse::{Ipv4HeaderSlice, Ipv6HeaderSlice};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

crate::fields! {
    proto = "IP";
    // IPv4, RFC 791 section 3.1.
    IP_VERSION_IHL = "ip.hdr_len", Header, Metadata, None, "version and header length";
    IP_DSFIELD = "ip.dsfield", Header, Metadata, None, "DSCP and ECN (RFC 2474, RFC 3168)";
    IP_LEN = "ip.len", Header, Metadata, None, "total length";
    IP_ID = "ip.id", Header, Metadata, None, "identification";
    IP_FLAGS = "ip.flags", Header, Metadata, None, "flags and fragment offset";
    IP_TTL = "ip.ttl", Header, Metadata, None, "time to live";
    IP_PROTO = "ip.proto", Header, Metadata, None, "protocol of the payload";
    IP_CHECKSUM = "ip.checksum", Header, Metadata, None, "header checksum";
    IP_SRC = "ip.src", Header, Metadata, Some(Address), "source address";
    IP_DST = "ip.dst", Header, Metadata, Some(Address), "destination address";
    IP_OPTIONS = "ip.options", Header, Metadata, None, "IPv4 options (RFC 791 section 3.1)";
    IP_FRAGMENT = "ip.fragment", Unknown, Undecoded, None, "payload of an IP fragment whose datagram was not reassembled";
    // IPv6, RFC 8200 section 3 and 4.
    IPV6_VTCFL = "ipv6.flow", Header, Metadata, None, "version, traffic class and flow label";
    IPV6_PLEN = "ipv6.plen", Header, Metadata, None, "payload length";
    IPV6_NXT = "ipv6.nxt", Header, Metadata, None, "next header";
    IPV6_HLIM = "ipv6.hlim", Header, Metadata, None, "hop limit";
    IPV6_SRC = "ipv6.src", Header, Metadata, Some(Address), "source address";
    IPV6_DST = "ipv6.dst", Header, Metadata, Some(Address), "destination address";
    IPV6_EXT = "ipv6.ext", Header, Metadata, None, "extension header (hop-by-hop, routing, destination options)";
    IPV6_FRAG = "ipv6.fraghdr", Header, Metadata, None, "fragment header (RFC 8200 section 4.5)";
}

/// IPv4 header, RFC 791 section 3.1.
mod v4 {
    use std::ops::Range;
    pub const VERSION_IHL: Range<usize> = 0..1;
    pub const DSFIELD: Range<usize> = 1..2;
    pub const TOTAL_LEN: Range<usize> = 2..4;
    pub const ID: Range<usize> = 4..6;
    pub const FLAGS_FRAG: Range<usize> = 6..8;
    pub const TTL: Range<usize> = 8..9;
    pub const PROTO: Range<usize> = 9..10;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC: Range<usize> = 12..16;
    pub const DST: Range<usize> = 16..20;
    pub const MIN_LEN: usize = DST.end;
}

/// IPv6 header, RFC 8200 section 3.
mod v6 {
    use std::ops::Range;
    pub const VTCFL: Range<usize> = 0..4;
    pub const PLEN: Range<usize> = 4..6;
    pub const NXT: Range<usize> = 6..7;
    pub const HLIM: Range<usize> = 7..8;
    pub const SRC: Range<usize> = 8..24;
    pub const DST: Range<usize> = 24..40;
    pub const LEN: usize = DST.end;
}

pub const PROTO_HOPOPTS: u8 = 0;
pub const PROTO_ICMP: u8 = 1;
pub const PROTO_IPIP: u8 = 4;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_IPV6: u8 = 41;
pub const PROTO_GRE: u8 = 47;
pub const PROTO_ROUTING: u8 = 43;
pub const PROTO_FRAGMENT: u8 = 44;
pub const PROTO_ICMPV6: u8 = 58;
pub const PROTO_ESP: u8 = 50;
pub const PROTO_AH: u8 = 51;
pub const PROTO_NONE: u8 = 59;
pub const PROTO_DSTOPTS: u8 = 60;
const IP_MF: u16 = 0x2000;
const IP_OFFMASK: u16 = 0x1fff;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4Layer {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    pub total_len: u16,
    /// Raw flags + fragment offset field.
    pub frag: u16,
    /// tcpdump's "truncated-ip - N bytes missing!": the header declares more than was sent.
    pub missing: Option<u32>,
    /// Frame offset of the header.
    pub at: u32,
    /// Header length in bytes (IHL × 4).
    pub hlen: u8,
    pub tos: u8,
    pub ttl: u8,
    pub id: u16,
    pub checksum: u16,
}

impl Ipv4Layer {
    /// The header checksum's verdict, when the whole header was captured.
    pub fn header_checksum(&self, frame: &[u8]) -> Option<Verdict> {
        let at = self.at as usize;
        let header = frame.get(at..at + usize::from(self.hlen))?;
        Some(Verdict::of(self.checksum, internet_checksum(&[header])))
    }

    /// The options' bytes (after the 20-byte fixed header), as far as captured.
    pub fn options<'a>(&self, frame: &'a [u8]) -> &'a [u8] {
        let at = self.at as usize;
        let end = (at + usize::from(self.hlen)).min(frame.len());
        frame.get(at + v4::MIN_LEN..end).unwrap_or(&[])
    }

    pub fn fragment_offset(&self) -> u16 {
        self.frag & IP_OFFMASK
    }
    pub fn more_fragments(&self) -> bool {
        self.frag & IP_MF != 0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv6Layer {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    /// The fixed header's next-header value.
    pub next_header: u8,
    pub payload_len: u16,
    /// tcpdump's "truncated-ip6 - N bytes missing!".
    pub missing: Option<u32>,
    /// Frame offset of the header.
    pub at: u32,
    /// Version, traffic class and flow label (the first 32 bits).
    pub vtcfl: u32,
    pub hlim: u8,
}

impl Ipv6Layer {
    /// The traffic class (RFC 8200 section 7).
    pub fn class(&self) -> u8 {
        ((self.vtcfl >> 20) & 0xff) as u8
    }

    /// The flow label (RFC 6437).
    pub fn flow_label(&self) -> u32 {
        self.vtcfl & 0x000f_ffff
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ipv6ExtKind {
    HopByHop,
    DestOpts,
    /// The routing header, decoded for tcpdump's address list.
    Routing(RoutingHeader),
    Fragment {
        offset: u16,
        payload_len: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv6ExtLayer {
    pub kind: Ipv6ExtKind,
    /// Frame offset of the extension header.
    pub at: u32,
    /// Its length in bytes.
    pub len: u32,
}

impl Ipv6ExtLayer {
    /// A hop-by-hop or destination options header's options (RFC 8200 section 4.2),
    /// as far as captured.
    pub fn options<'a>(&self, frame: &'a [u8]) -> Ipv6Options<'a> {
        let at = self.at as usize;
        let end = (at + self.len as usize).min(frame.len());
        Ipv6Options {
            rest: frame.get(at + 2..end).unwrap_or(&[]),
        }
    }
}

/// One option of a hop-by-hop or destination options header (RFC 8200 section 4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipv6Option<'a> {
    Pad1,
    PadN,
    /// Router alert (RFC 2711) and its value, when its length is right.
    RouterAlert(Option<u16>),
    /// Jumbo payload (RFC 2675) and its length, when its length is right.
    Jumbo(Option<u32>),
    Other {
        kind: u8,
        data: &'a [u8],
    },
    /// The walk ran past the header: tcpdump's `[trunc]`.
    Truncated,
}

/// Walks the options of a hop-by-hop or destination options header.
pub struct Ipv6Options<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Ipv6Options<'a> {
    type Item = Ipv6Option<'a>;

    fn next(&mut self) -> Option<Ipv6Option<'a>> {
        let (&kind, after) = self.rest.split_first()?;
        if kind == 0 {
            self.rest = after;
            return Some(Ipv6Option::Pad1);
        }
        let Some((&len, body)) = after.split_first() else {
            self.rest = &[];
            return Some(Ipv6Option::Truncated);
        };
        let Some((data, rest)) = body.split_at_checked(usize::from(len)) else {
            self.rest = &[];
            return Some(Ipv6Option::Truncated);
        };
        self.rest = rest;
        Some(match kind {
            1 => Ipv6Option::PadN,
            5 => Ipv6Option::RouterAlert(<[u8; 2]>::try_from(data).ok().map(u16::from_be_bytes)),
            0xc2 => Ipv6Option::Jumbo(<[u8; 4]>::try_from(data).ok().map(u32::from_be_bytes)),
            kind => Ipv6Option::Other { kind, data },
        })
    }
}

fn problem(walk: &mut Walk<'_>, text: String, at: usize) {
    let cap = walk.data.len();
    walk.note(Severity::Error, NoteGroup::Malformed, text.clone(), at..cap);
    walk.layer(Layer::Other(OtherLayer::Problem(text)));
}

/// IPv4 at `at`; `wire` is the number of bytes from `at` to the end of the frame on the wire.
pub(crate) fn ipv4(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let rest = walk.data.get(at..).unwrap_or(&[]);
    if let Some(version) = rest.first().map(|b| b >> 4) {
        if version != 4 {
            let text = if version == 6 {
                "IP6, wrong link-layer encapsulation (invalid)".to_string()
            } else {
                format!("IP{version} (invalid)")
            };
            problem(walk, text, at);
            return;
        }
    }
    let header = match Ipv4HeaderSlice::from_slice(rest) {
        Ok(h) => h,
        Err(etherparse::err::ipv4::HeaderSliceError::Content(
            etherparse::err::ipv4::HeaderError::HeaderLengthSmallerThanHeader { ihl },
        )) if rest.len() >= v4::MIN_LEN && wire >= to_u32(v4::MIN_LEN) => {
            label_v4_fixed(walk, at);
            problem(walk, format!("IP bad-hlen {}", u32::from(ihl) * 4), at);
            return;
        }
        Err(_) => {
            if rest.len() < v4::MIN_LEN {
                walk.layer(Layer::Other(OtherLayer::Problem("IP ".into())));
                walk.truncated("ip", at, v4::MIN_LEN);
            } else {
                // The options run past the captured bytes.
                label_v4_fixed(walk, at);
                let ihl = usize::from(rest.first().map_or(5, |b| b & 0x0f)) * 4;
                walk.layer(Layer::Other(OtherLayer::Problem("IP ".into())));
                walk.truncated("ip", at, ihl);
            }
            return;
        }
    };
    if wire < to_u32(v4::MIN_LEN) {
        label_v4_fixed(walk, at);
        problem(walk, format!("IP truncated-ip {wire}"), at);
        return;
    }
    let hlen = header.slice().len();
    let total_len = header.total_len();
    label_v4_fixed(walk, at);
    walk.span(at, v4::MIN_LEN..hlen, IP_OPTIONS);
    let missing = (u32::from(total_len) > wire).then(|| u32::from(total_len) - wire);
    if let Some(n) = missing {
        walk.note(
            Severity::Warn,
            NoteGroup::Truncated,
            format!("IPv4 total length {total_len} is {n} bytes more than the frame carries"),
            at..at + hlen,
        );
    }
    let layer = Ipv4Layer {
        src: header.source_addr(),
        dst: header.destination_addr(),
        proto: header.protocol().0,
        total_len,
        frag: u16::from_be_bytes([
            header.slice().get(6).copied().unwrap_or(0),
            header.slice().get(7).copied().unwrap_or(0),
        ]),
        missing,
        at: to_u32(at),
        hlen: u8::try_from(hlen).unwrap_or(u8::MAX),
        tos: header.slice().get(1).copied().unwrap_or(0),
        ttl: header.ttl(),
        id: header.identification(),
        checksum: header.header_checksum(),
    };
    if usize::from(total_len) < hlen {
        walk.layer(Layer::Ipv4(layer));
        problem(walk, format!("bad-len {total_len}"), at);
        return;
    }
    let end = at + usize::from(total_len);
    trailer(walk, end);
    let payload_len = u32::from(total_len) - to_u32(hlen);
    let proto = layer.proto;
    let fragment_offset = layer.fragment_offset();
    let more = layer.more_fragments();
    let src = IpAddr::V4(layer.src);
    let dst = IpAddr::V4(layer.dst);
    walk.layer(Layer::Ipv4(layer));
    let start = at + hlen;
    if (fragment_offset != 0 || more) && walk.out.fragment.is_none() {
        let id = walk
            .data
            .get(at + 4..at + 6)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map_or(0, |b| u32::from(u16::from_be_bytes(b)));
        walk.out.fragment = Some(FragmentInfo {
            src,
            dst,
            id,
            proto,
            offset: u32::from(fragment_offset) * 8,
            more,
            range: to_u32(start.min(walk.data.len()))..to_u32(end.min(walk.data.len())),
            wire_len: payload_len,
            data_start: to_u32(start.min(walk.data.len())),
            encap: walk.path,
        });
    }
    if fragment_offset != 0 {
        fragment_payload(walk, start, end);
        walk.layer(Layer::Other(OtherLayer::Fragment { proto }));
        return;
    }
    let ip = IpContext {
        src,
        dst,
        addr_prefix: true,
        fragmented: more,
        datagram_end: end,
    };
    transport(walk, start, payload_len, proto, &ip);
    if more {
        mark_first_fragment(walk);
    }
}

fn label_v4_fixed(walk: &mut Walk<'_>, at: usize) {
    const FIELDS: [(std::ops::Range<usize>, crate::fields::FieldId); 10] = [
        (v4::VERSION_IHL, IP_VERSION_IHL),
        (v4::DSFIELD, IP_DSFIELD),
        (v4::TOTAL_LEN, IP_LEN),
        (v4::ID, IP_ID),
        (v4::FLAGS_FRAG, IP_FLAGS),
        (v4::TTL, IP_TTL),
        (v4::PROTO, IP_PROTO),
        (v4::CHECKSUM, IP_CHECKSUM),
        (v4::SRC, IP_SRC),
        (v4::DST, IP_DST),
    ];
    static TABLE: FixedTable = FixedTable::new(&FIELDS);
    walk.fixed_spans(at, v4::MIN_LEN, &TABLE);
}

/// Bytes after the datagram, up to the end of the capture: link-layer padding.
fn trailer(walk: &mut Walk<'_>, end: usize) {
    let cap = walk.data.len();
    if end < cap {
        walk.span(end, 0..cap - end, crate::fields::TRAILER);
    }
}

/// A payload that is part of a fragmented datagram: undecoded until reassembly
/// (the engine) replaces this span with the reassembled datagram's labels.
fn fragment_payload(walk: &mut Walk<'_>, start: usize, end: usize) {
    walk.span(start, 0..end.saturating_sub(start), IP_FRAGMENT);
}

/// What the transport layer needs to know about the IP header above it.
#[derive(Clone, Copy)]
pub(crate) struct IpContext {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// tcpdump prints addresses with the ports only when the IP header's own
    /// next-header field names the transport (no IPv6 extension headers between).
    pub addr_prefix: bool,
    /// More fragments follow (this is the first fragment).
    pub fragmented: bool,
    /// Frame offset where the datagram ends.
    pub datagram_end: usize,
}

/// AH headers followed in a row, at most.
const MAX_AH: usize = 4;

fn transport(walk: &mut Walk<'_>, at: usize, len: u32, proto: u8, ip: &IpContext) {
    match proto {
        PROTO_TCP => tcp::decode(walk, at, len, ip),
        PROTO_UDP => udp::decode(walk, at, len, ip),
        PROTO_ICMP if ip.src.is_ipv4() => icmp::icmpv4(walk, at, len, ip),
        PROTO_ICMPV6 if ip.src.is_ipv6() => icmp::icmpv6(walk, at, len, ip),
        PROTO_IPIP | PROTO_IPV6 => {
            let inner_v6 = proto == PROTO_IPV6;
            let tunnel = Tunnel::IpInIp {
                outer_v6: ip.src.is_ipv6(),
                inner_v6,
            };
            let kind = if inner_v6 { Inner::Ipv6 } else { Inner::Ipv4 };
            tunnel::enter(walk, tunnel, at, len, kind);
        }
        PROTO_ESP => esp::decode(walk, at, len, ip.datagram_end),
        PROTO_AH => after_ah(walk, at, len, ip),
        PROTO_GRE => tunnel::gre::decode(walk, at, len),
        PROTO_NONE => {
            walk.layer(Layer::Other(OtherLayer::Problem("no next header".into())));
        }
        other => {
            let end = ip.datagram_end.min(walk.data.len());
            walk.note(
                Severity::Note,
                NoteGroup::Undecoded,
                format!("IP protocol {other} is not decoded"),
                at..end,
            );
            walk.layer(Layer::Other(OtherLayer::IpProto {
                proto: other,
                len,
                data: to_u32(at.min(end))..to_u32(end),
            }));
        }
    }
}

/// AH headers at `at` (several may follow one another, at most [`MAX_AH`]), then what
/// they protect: as readable as without them (tcpdump prints the ports without
/// addresses after AH).
fn after_ah(walk: &mut Walk<'_>, mut at: usize, mut len: u32, ip: &IpContext) {
    let inner = IpContext {
        addr_prefix: false,
        ..*ip
    };
    for _ in 0..MAX_AH {
        let Some((next, hlen)) = ah::decode(walk, at, len) else {
            return;
        };
        at += hlen;
        len = len.saturating_sub(to_u32(hlen));
        if next != PROTO_AH {
            transport(walk, at, len, next, &inner);
            return;
        }
    }
    let end = ip.datagram_end.min(walk.data.len()).max(at);
    walk.note(
        Severity::Warn,
        NoteGroup::Malformed,
        format!("more than {MAX_AH} AH headers in a row: the rest is not decoded"),
        at..end,
    );
    walk.layer(Layer::Other(OtherLayer::Problem(format!(
        "[{MAX_AH} AH headers, the rest not decoded]"
    ))));
}

/// IPv6 at `at`; `wire` is the number of bytes from `at` to the end of the frame on the wire.
pub(crate) fn ipv6(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let rest = walk.data.get(at..).unwrap_or(&[]);
    if rest.len() < v6::LEN {
        walk.truncated("ip6", at, v6::LEN);
        return;
    }
    const FIELDS: [(std::ops::Range<usize>, crate::fields::FieldId); 6] = [
        (v6::VTCFL, IPV6_VTCFL),
        (v6::PLEN, IPV6_PLEN),
        (v6::NXT, IPV6_NXT),
        (v6::HLIM, IPV6_HLIM),
        (v6::SRC, IPV6_SRC),
        (v6::DST, IPV6_DST),
    ];
    static TABLE: FixedTable = FixedTable::new(&FIELDS);
    walk.fixed_spans(at, v6::LEN, &TABLE);
    if wire < to_u32(v6::LEN) {
        problem(walk, format!("truncated-ip6 {wire}"), at);
        return;
    }
    let header = match Ipv6HeaderSlice::from_slice(rest) {
        Ok(h) => h,
        Err(_) => {
            let version = rest.first().map_or(0, |b| b >> 4);
            problem(walk, format!("IP6 version error: {version} != 6"), at);
            return;
        }
    };
    let payload_len = header.payload_length();
    let declared = u32::from(payload_len) + to_u32(v6::LEN);
    let missing = (payload_len != 0 && declared > wire).then(|| declared - wire);
    if let Some(n) = missing {
        walk.note(
            Severity::Warn,
            NoteGroup::Truncated,
            format!("IPv6 payload length {payload_len} is {n} bytes more than the frame carries"),
            at..at + v6::LEN,
        );
    }
    // A zero payload length means a jumbogram (RFC 2675) or nothing; like tcpdump,
    // take what the frame carries.
    let len = if payload_len != 0 { declared } else { wire };
    let end = at + usize::try_from(len).unwrap_or(usize::MAX);
    trailer(walk, end);
    let first_next = header.next_header().0;
    let src = IpAddr::V6(header.source_addr());
    let dst = IpAddr::V6(header.destination_addr());
    walk.layer(Layer::Ipv6(Ipv6Layer {
        src: header.source_addr(),
        dst: header.destination_addr(),
        next_header: first_next,
        payload_len,
        missing,
        at: to_u32(at),
        vtcfl: rest
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_be_bytes),
        hlim: header.hop_limit(),
    }));

    let mut next = first_next;
    let mut pos = at + v6::LEN;
    let mut remaining = len.saturating_sub(to_u32(v6::LEN));
    let mut fragmented = false;
    for _ in 0..16 {
        match next {
            PROTO_HOPOPTS | PROTO_DSTOPTS | PROTO_ROUTING => {
                let (Some(&nh), Some(&hlen)) = (walk.data.get(pos), walk.data.get(pos + 1)) else {
                    walk.truncated(ext_proto_name(next), pos, 2);
                    return;
                };
                let ext_len = (usize::from(hlen) + 1) * 8;
                if walk.data.len() < pos + ext_len {
                    walk.truncated(ext_proto_name(next), pos, ext_len);
                    return;
                }
                let kind = match next {
                    PROTO_HOPOPTS => Ipv6ExtKind::HopByHop,
                    PROTO_DSTOPTS => Ipv6ExtKind::DestOpts,
                    _ => Ipv6ExtKind::Routing(RoutingHeader::decode(
                        walk.data.get(pos..pos + ext_len).unwrap_or(&[]),
                    )),
                };
                walk.span(pos, 0..ext_len, IPV6_EXT);
                walk.layer(Layer::Ipv6Ext(Ipv6ExtLayer {
                    kind,
                    at: to_u32(pos),
                    len: to_u32(ext_len),
                }));
                next = nh;
                pos += ext_len;
                remaining = remaining.saturating_sub(to_u32(ext_len));
            }
            PROTO_FRAGMENT => {
                let Some(hdr) = walk.data.get(pos..pos + 8) else {
                    walk.truncated("frag6", pos, 8);
                    return;
                };
                let nh = hdr.first().copied().unwrap_or(0);
                let offlg = u16::from_be_bytes([
                    hdr.get(2).copied().unwrap_or(0),
                    hdr.get(3).copied().unwrap_or(0),
                ]);
                let offset = offlg & 0xfff8;
                let frag_payload = (u32::from(payload_len) + to_u32(v6::LEN))
                    .wrapping_sub(to_u32(pos - at))
                    .wrapping_sub(8);
                if walk.out.fragment.is_none() {
                    let id = hdr
                        .get(4..8)
                        .and_then(|b| <[u8; 4]>::try_from(b).ok())
                        .map_or(0, u32::from_be_bytes);
                    let data_at = (pos + 8).min(walk.data.len());
                    walk.out.fragment = Some(FragmentInfo {
                        src,
                        dst,
                        id,
                        proto: nh,
                        offset: u32::from(offset),
                        more: offlg & 1 != 0,
                        range: to_u32(data_at)..to_u32(end.min(walk.data.len()).max(data_at)),
                        wire_len: frag_payload,
                        data_start: to_u32(data_at),
                        encap: walk.path,
                    });
                }
                walk.span(pos, 0..8, IPV6_FRAG);
                walk.layer(Layer::Ipv6Ext(Ipv6ExtLayer {
                    kind: Ipv6ExtKind::Fragment {
                        offset,
                        payload_len: frag_payload,
                    },
                    at: to_u32(pos),
                    len: 8,
                }));
                pos += 8;
                remaining = remaining.saturating_sub(8);
                if offset != 0 {
                    let end = end.min(walk.data.len());
                    // tcpdump stops after "frag (off|len)" for non-first fragments.
                    fragment_payload(walk, pos, end);
                    return;
                }
                fragmented = true;
                next = nh;
            }
            _ => {
                let ip = IpContext {
                    src,
                    dst,
                    addr_prefix: pos == at + v6::LEN,
                    fragmented,
                    datagram_end: end,
                };
                transport(walk, pos, remaining, next, &ip);
                if fragmented {
                    // First fragment: the transport header is here, the rest later.
                    mark_first_fragment(walk);
                }
                return;
            }
        }
    }
    walk.note(
        Severity::Warn,
        NoteGroup::Malformed,
        "more than 16 IPv6 extension headers; decoding stopped".into(),
        pos..walk.data.len(),
    );
}

/// The payload of a first fragment cannot be followed as a stream until reassembly.
fn mark_first_fragment(walk: &mut Walk<'_>) {
    if let Some(payload) = walk.out.payload.take() {
        let r = payload.range.clone();
        walk.span(0, r.start as usize..r.end as usize, IP_FRAGMENT);
        if let Some(f) = walk.out.fragment.as_mut() {
            f.data_start = r.start.clamp(f.range.start, f.range.end);
        }
    }
}

fn ext_proto_name(next: u8) -> &'static str {
    match next {
        PROTO_HOPOPTS => "hbhopt",
        PROTO_DSTOPTS => "dstopt",
        _ => "rt6",
    }
}

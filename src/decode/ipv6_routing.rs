//! The IPv6 routing header, RFC 8200 section 4.4, as tcpdump 4.99's print-rt6.c reads it.
//!
//! [`RoutingHeader::decode`] reads a whole routing header into an owned value for the
//! packet line: the common four bytes, then per type the second word and the address
//! list. Types 0 (RFC 2460, deprecated by RFC 5095) and 2 (RFC 6275 section 6.4) carry
//! a reserved word and addresses; type 4 (segment routing, RFC 8754 section 2) carries
//! last entry, flags, tag and segments. Other types are not decoded. An odd Hdr Ext Len
//! under a known type is no whole number of addresses and stops there.

use std::net::Ipv6Addr;
use std::ops::Range;

/// Byte offsets in the routing header (RFC 8200 section 4.4, RFC 8754 section 2).
mod hdr {
    use std::ops::Range;
    pub const NEXT_HEADER: Range<usize> = 0..1;
    pub const LEN: Range<usize> = 1..2;
    pub const TYPE: Range<usize> = 2..3;
    pub const SEGMENTS_LEFT: Range<usize> = 3..4;
    /// Types 0 and 2: reserved.
    pub const RESERVED: Range<usize> = 4..8;
    /// Type 4: last entry, flags, tag.
    pub const LAST_ENTRY: Range<usize> = 4..5;
    pub const FLAGS: Range<usize> = 5..6;
    pub const TAG: Range<usize> = 6..8;
    pub const ADDRESSES: usize = 8;
    pub const ADDRESS_LEN: usize = 16;
}

/// A routing type (IANA "IPv6 Routing Types"). Open: unknown types are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RoutingType(pub u8);

impl RoutingType {
    /// Source route, RFC 2460 section 4.4, deprecated by RFC 5095.
    pub const SOURCE_ROUTE: RoutingType = RoutingType(0);
    /// Mobile IPv6 home address, RFC 6275 section 6.4.
    pub const TYPE_2: RoutingType = RoutingType(2);
    /// Segment routing header, RFC 8754.
    pub const SEGMENT_ROUTING: RoutingType = RoutingType(4);
}

/// The address list of a routing header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rt6Addresses {
    /// Hdr Ext Len is odd: not a whole number of 16-byte addresses.
    InvalidLength,
    /// Every address the header declares.
    Complete(Vec<Ipv6Addr>),
    /// The header ends before the addresses it declares: those it holds.
    CutOff(Vec<Ipv6Addr>),
}

/// What follows the common four bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutingData {
    /// Types 0 and 2: a reserved word, then addresses.
    Addresses {
        reserved: u32,
        addresses: Rt6Addresses,
    },
    /// Type 4: last entry, flags and tag, then the segment list.
    Segments {
        last_entry: u8,
        flags: u8,
        tag: u16,
        segments: Rt6Addresses,
    },
    /// A type tcpdump does not decode.
    Unknown,
}

/// One routing header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingHeader {
    pub next_header: u8,
    /// Hdr Ext Len: the header's length in 8-byte units, not counting the first 8.
    pub len: u8,
    pub routing_type: RoutingType,
    pub segments_left: u8,
    pub data: RoutingData,
}

impl RoutingHeader {
    /// Reads the routing header in `h`. The IPv6 decoder hands over whole headers; the
    /// first 8 bytes of a shorter slice read as zeros.
    pub fn decode(h: &[u8]) -> RoutingHeader {
        let byte = |r: Range<usize>| h.get(r.start).copied().unwrap_or(0);
        let be = |r: Range<usize>| {
            r.fold(0u32, |acc, i| {
                acc << 8 | u32::from(h.get(i).copied().unwrap_or(0))
            })
        };
        let len = byte(hdr::LEN);
        let routing_type = RoutingType(byte(hdr::TYPE));
        let data = match routing_type {
            RoutingType::SOURCE_ROUTE | RoutingType::TYPE_2 => RoutingData::Addresses {
                reserved: be(hdr::RESERVED),
                addresses: addresses(h, len),
            },
            RoutingType::SEGMENT_ROUTING => RoutingData::Segments {
                last_entry: byte(hdr::LAST_ENTRY),
                flags: byte(hdr::FLAGS),
                tag: u16::try_from(be(hdr::TAG)).unwrap_or(0),
                segments: addresses(h, len),
            },
            _ => RoutingData::Unknown,
        };
        RoutingHeader {
            next_header: byte(hdr::NEXT_HEADER),
            len,
            routing_type,
            segments_left: byte(hdr::SEGMENTS_LEFT),
            data,
        }
    }
}

/// Hdr Ext Len counts 8-byte units: two per address.
fn addresses(h: &[u8], len: u8) -> Rt6Addresses {
    if len % 2 == 1 {
        return Rt6Addresses::InvalidLength;
    }
    let mut list = Vec::with_capacity(usize::from(len / 2));
    for i in 0..usize::from(len / 2) {
        let at = hdr::ADDRESSES + i * hdr::ADDRESS_LEN;
        let Some(a) = h
            .get(at..at + hdr::ADDRESS_LEN)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
        else {
            return Rt6Addresses::CutOff(list);
        };
        list.push(Ipv6Addr::from(a));
    }
    Rt6Addresses::Complete(list)
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Whole routing headers named after what they exercise; shared with the packet-line
    //! tests.

    const A1: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const A2: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1];

    const fn cat<const N: usize>(head: [u8; 8], addrs: &[[u8; 16]]) -> [u8; N] {
        let mut out = [0u8; N];
        let mut i = 0;
        while i < 8 {
            out[i] = head[i];
            i += 1;
        }
        let mut a = 0;
        while a < addrs.len() && 8 + a * 16 + 16 <= N {
            let mut j = 0;
            while j < 16 {
                out[8 + a * 16 + j] = addrs[a][j];
                j += 1;
            }
            a += 1;
        }
        out
    }

    pub(crate) const RT6_TYPE0_ONE_ADDRESS: [u8; 24] = cat([6, 2, 0, 1, 0, 0, 0, 0], &[A1]);
    pub(crate) const RT6_TYPE0_RESERVED_SET: [u8; 24] = cat([6, 2, 0, 1, 0, 0, 0, 9], &[A1]);
    pub(crate) const RT6_TYPE0_ODD_LENGTH_IS_INVALID: [u8; 16] = cat([6, 1, 0, 0, 0, 0, 0, 5], &[]);
    pub(crate) const RT6_TYPE2_HOME_ADDRESS: [u8; 24] = cat([6, 2, 2, 1, 0, 0, 0, 0], &[A2]);
    pub(crate) const RT6_TYPE4_TWO_SEGMENTS: [u8; 40] =
        cat([6, 4, 4, 1, 1, 0, 0x12, 0x34], &[A1, A2]);
    pub(crate) const RT6_TYPE4_FLAGS_SET: [u8; 24] = cat([6, 2, 4, 0, 0, 0x80, 0, 0], &[A1]);
    pub(crate) const RT6_TYPE4_ODD_LENGTH_IS_INVALID: [u8; 16] = cat([6, 1, 4, 0, 0, 0, 0, 7], &[]);
    pub(crate) const RT6_UNKNOWN_TYPE: [u8; 8] = cat([6, 0, 3, 0, 0, 0, 0, 0], &[]);
    pub(crate) const RT6_ADDRESSES_CUT_OFF: [u8; 24] = cat([6, 4, 0, 2, 0, 0, 0, 0], &[A1]);
    pub(crate) const RT6_HEADER_SHORT: [u8; 2] = [6, 2];
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    const A1: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    const A2: Ipv6Addr = Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001);

    fn rh(len: u8, t: u8, segments_left: u8, data: RoutingData) -> RoutingHeader {
        // Every fixture's next header is TCP.
        RoutingHeader {
            next_header: 6,
            len,
            routing_type: RoutingType(t),
            segments_left,
            data,
        }
    }

    fn addrs(reserved: u32, addresses: Rt6Addresses) -> RoutingData {
        RoutingData::Addresses {
            reserved,
            addresses,
        }
    }

    #[test]
    fn rt6_type0_one_address() {
        let want = rh(2, 0, 1, addrs(0, Rt6Addresses::Complete(vec![A1])));
        assert_eq!(RoutingHeader::decode(&RT6_TYPE0_ONE_ADDRESS), want);
        let want = rh(2, 0, 1, addrs(9, Rt6Addresses::Complete(vec![A1])));
        assert_eq!(RoutingHeader::decode(&RT6_TYPE0_RESERVED_SET), want);
    }

    #[test]
    fn rt6_type0_odd_length_is_invalid() {
        let want = rh(1, 0, 0, addrs(5, Rt6Addresses::InvalidLength));
        assert_eq!(
            RoutingHeader::decode(&RT6_TYPE0_ODD_LENGTH_IS_INVALID),
            want
        );
    }

    #[test]
    fn rt6_type2_home_address() {
        let want = rh(2, 2, 1, addrs(0, Rt6Addresses::Complete(vec![A2])));
        assert_eq!(RoutingHeader::decode(&RT6_TYPE2_HOME_ADDRESS), want);
    }

    #[test]
    fn rt6_type4_segments() {
        let segments = |last_entry, flags, tag, segments| RoutingData::Segments {
            last_entry,
            flags,
            tag,
            segments,
        };
        let want = rh(
            4,
            4,
            1,
            segments(1, 0, 0x1234, Rt6Addresses::Complete(vec![A1, A2])),
        );
        assert_eq!(RoutingHeader::decode(&RT6_TYPE4_TWO_SEGMENTS), want);
        let want = rh(
            2,
            4,
            0,
            segments(0, 0x80, 0, Rt6Addresses::Complete(vec![A1])),
        );
        assert_eq!(RoutingHeader::decode(&RT6_TYPE4_FLAGS_SET), want);
        let want = rh(1, 4, 0, segments(0, 0, 7, Rt6Addresses::InvalidLength));
        assert_eq!(
            RoutingHeader::decode(&RT6_TYPE4_ODD_LENGTH_IS_INVALID),
            want
        );
    }

    #[test]
    fn rt6_unknown_type() {
        let want = rh(0, 3, 0, RoutingData::Unknown);
        assert_eq!(RoutingHeader::decode(&RT6_UNKNOWN_TYPE), want);
    }

    #[test]
    fn rt6_addresses_cut_off() {
        let want = rh(4, 0, 2, addrs(0, Rt6Addresses::CutOff(vec![A1])));
        assert_eq!(RoutingHeader::decode(&RT6_ADDRESSES_CUT_OFF), want);
    }

    #[test]
    fn rt6_header_short_reads_zeros() {
        let want = rh(2, 0, 0, addrs(0, Rt6Addresses::CutOff(vec![])));
        assert_eq!(RoutingHeader::decode(&RT6_HEADER_SHORT), want);
        assert_eq!(RoutingHeader::decode(&[]).next_header, 0);
    }
}

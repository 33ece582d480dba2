//! The Internet checksum (RFC 1071) as tcpdump's `-v` checks it: IPv4 headers, and
//! TCP, UDP, ICMP and ICMPv6 over their pseudo-headers (RFC 9293 section 3.1, RFC 768,
//! RFC 8200 section 8.1). Computed only when a packet line asks (`-v`), over bytes the
//! frame captured; a checksum whose bytes were not all captured is not checked.

use std::net::IpAddr;

/// The one's complement sum of `chunks` read as big-endian 16-bit words, each chunk
/// padded to an even length (callers pass even-length chunks except the last),
/// complemented: 0 when a block that includes its own checksum verifies.
pub fn internet_checksum(chunks: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    for chunk in chunks {
        let mut words = chunk.chunks_exact(2);
        for w in words.by_ref() {
            if let [a, b] = w {
                sum += u64::from(u16::from_be_bytes([*a, *b]));
            }
        }
        if let [last] = words.remainder() {
            sum += u64::from(u16::from_be_bytes([*last, 0]));
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// tcpdump's `in_cksum_shouldbe`: the value the checksum field should have held, given
/// the field and the checksum computed over the block that included it.
pub fn should_be(field: u16, computed: u16) -> u16 {
    let mut s = u32::from(field) + u32::from(computed);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s as u16
}

/// A transport checksum over its pseudo-header: `segment` is the whole transport
/// message (header included), `proto` the IP protocol number. 0 when it verifies.
pub fn over_pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, segment: &[u8]) -> u16 {
    let len = u32::try_from(segment.len()).unwrap_or(u32::MAX);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut ph = [0u8; 12];
            ph[..4].copy_from_slice(&s.octets());
            ph[4..8].copy_from_slice(&d.octets());
            ph[9] = proto;
            ph[10..12].copy_from_slice(&(len as u16).to_be_bytes());
            internet_checksum(&[&ph, segment])
        }
        (s, d) => {
            let mut ph = [0u8; 40];
            ph[..16].copy_from_slice(&v6_octets(s));
            ph[16..32].copy_from_slice(&v6_octets(d));
            ph[32..36].copy_from_slice(&len.to_be_bytes());
            ph[39] = proto;
            internet_checksum(&[&ph, segment])
        }
    }
}

fn v6_octets(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V6(v6) => v6.octets(),
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
    }
}

/// What a `-v` line says of a checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    /// Wrong: the field held `field`, it should hold `should_be`.
    Incorrect {
        field: u16,
        should_be: u16,
    },
}

impl Verdict {
    /// From the field's value and the checksum computed over the block with it.
    pub fn of(field: u16, computed: u16) -> Verdict {
        if computed == 0 {
            Verdict::Correct
        } else {
            Verdict::Incorrect {
                field,
                should_be: should_be(field, computed),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1071 section 3's example: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2.
    #[test]
    fn rfc1071_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&data]), !0xddf2);
    }

    /// The textbook IPv4 header (checksum 0xb1e6) verifies; one
    /// changed byte does not, and `should_be` names the right field value.
    #[test]
    fn ipv4_header_verifies_and_a_wrong_one_names_the_right_value() {
        let mut h = [
            0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0xb1, 0xe6, 0xac, 0x10,
            0x0a, 0x63, 0xac, 0x10, 0x0a, 0x0c,
        ];
        assert_eq!(internet_checksum(&[&h]), 0);
        h[10] = 0;
        h[11] = 0;
        let computed = internet_checksum(&[&h]);
        assert_eq!(
            Verdict::of(0, computed),
            Verdict::Incorrect {
                field: 0,
                should_be: 0xb1e6
            }
        );
    }

    #[test]
    fn odd_length_is_padded() {
        assert_eq!(internet_checksum(&[&[0x01]]), !0x0100);
    }
}

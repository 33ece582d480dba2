//! IPsec AH (RFC 4302), IP protocol 51: it authenticates the datagram, it does not
//! encrypt it. Its header is readable metadata, and the protocol it names comes next,
//! as readable as without AH.

use super::{Layer, OtherLayer, Walk};
use crate::codec::Reader;

crate::fields! {
    proto = "AH";
    // AH, RFC 4302 section 2.
    AH_NEXT_HEADER = "ah.next_header", Header, Metadata, None, "protocol after AH (RFC 4302 section 2.1)";
    AH_LENGTH = "ah.length", Header, Metadata, None, "AH length in 32-bit words, minus 2 (section 2.2)";
    AH_RESERVED = "ah.reserved", Header, Metadata, None, "reserved (section 2.3)";
    AH_SPI = "ah.spi", Header, Metadata, None, "Security Parameters Index (section 2.4)";
    AH_SEQUENCE = "ah.sequence", Header, Metadata, None, "sequence number (section 2.5)";
    AH_ICV = "ah.icv", Header, Metadata, None, "integrity check value (section 2.6)";
}

/// The fixed part of the AH header, RFC 4302 section 2.
mod hdr {
    use std::ops::Range;
    pub const NEXT_HEADER: Range<usize> = 0..1;
    pub const LENGTH: Range<usize> = 1..2;
    pub const RESERVED: Range<usize> = 2..4;
    pub const SPI: Range<usize> = 4..8;
    pub const SEQUENCE: Range<usize> = 8..12;
    pub const LEN: usize = SEQUENCE.end;
}

/// An AH header at `at` (`len` bytes of IP payload from there): labels it and returns
/// the protocol that follows and the header's length, or `None` when it is cut off or
/// malformed (then noted).
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, len: u32) -> Option<(u8, usize)> {
    let bytes = walk.data.get(at..).unwrap_or(&[]);
    let mut r = Reader::new(bytes);
    let (Some(next), Some(words), Some(_), Some(spi), Some(seq)) =
        (r.u8(), r.u8(), r.u16(), r.u32(), r.u32())
    else {
        walk.layer(Layer::Other(OtherLayer::Problem(" AH".into())));
        walk.truncated("ah", at, hdr::LEN);
        return None;
    };
    let total = (usize::from(words) + 2) * 4;
    let table = [
        (hdr::NEXT_HEADER, AH_NEXT_HEADER),
        (hdr::LENGTH, AH_LENGTH),
        (hdr::RESERVED, AH_RESERVED),
        (hdr::SPI, AH_SPI),
        (hdr::SEQUENCE, AH_SEQUENCE),
    ];
    for (range, field) in table {
        walk.span(at, range, field);
    }
    if total < hdr::LEN || u32::try_from(total).map_or(true, |t| t > len) {
        walk.layer(Layer::Other(OtherLayer::Problem(format!(
            "AH(spi={spi:#010x},seq={seq:#x}) [bad length {total}]"
        ))));
        walk.note(
            crate::note::Severity::Warn,
            crate::note::NoteGroup::Malformed,
            format!("AH length {total} does not fit the {len} bytes IP carries"),
            at..walk.data.len(),
        );
        return None;
    }
    walk.span(at, hdr::LEN..total, AH_ICV);
    if bytes.len() < total {
        walk.truncated("ah", at, total);
        return None;
    }
    let icv = bytes.get(hdr::LEN..total).unwrap_or(&[]).to_vec();
    walk.layer(Layer::Other(OtherLayer::Ah { spi, seq, icv }));
    Some((next, total))
}

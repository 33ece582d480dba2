//! IPsec ESP (RFC 4303), IP protocol 50: a Security Parameters Index and a sequence
//! number in the clear, then everything encrypted — the payload, its padding, the pad
//! length, the next-header byte that names the inner protocol, and the integrity check
//! value. Decoding is stateless (no flow: an observer without the SA's keys learns
//! nothing more from the next packet).
//!
//! The same layout serves ESP inside UDP (RFC 3948, port 4500): [`layout`] gives the
//! fields of an ESP packet whatever carries it; `proto::esp` labels the UDP case.
//!
//! ESP with NULL encryption (RFC 2410) is readable on the wire, but nothing in the
//! packet says so: only the SA negotiation does, and that is encrypted in IKEv2. Such
//! packets are labelled opaque like any other.

use super::{Layer, OtherLayer, Walk};
use crate::codec::Reader;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use std::ops::Range;

crate::fields! {
    proto = "ESP";
    // ESP, RFC 4303 section 2; names as Wireshark's.
    ESP_SPI = "esp.spi", Header, Metadata, None, "Security Parameters Index: names the SA at the receiver (RFC 4303 section 2.1)";
    ESP_SEQUENCE = "esp.sequence", Header, Metadata, None, "sequence number (RFC 4303 section 2.2)";
    ESP_ENCRYPTED = "esp.encrypted", Content, Opaque, None, "payload, padding, pad length, next header and ICV: encrypted (RFC 4303 sections 2.3-2.8)";
}

/// The ESP header, RFC 4303 section 2.
pub mod hdr {
    use std::ops::Range;
    pub const SPI: Range<usize> = 0..4;
    pub const SEQUENCE: Range<usize> = 4..8;
    pub const LEN: usize = SEQUENCE.end;
}

/// What an ESP header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EspHeader {
    pub spi: u32,
    pub seq: u32,
}

/// The header of an ESP packet, if its 8 bytes are there.
pub fn header(b: &[u8]) -> Option<EspHeader> {
    let mut r = Reader::new(b);
    Some(EspHeader {
        spi: r.u32()?,
        seq: r.u32()?,
    })
}

/// The fields of an ESP packet of `len` captured bytes, in order (clipped to `len`).
pub fn layout(len: usize) -> [(Range<usize>, FieldId); 3] {
    let clip = |r: Range<usize>| r.start.min(len)..r.end.min(len);
    [
        (clip(hdr::SPI), ESP_SPI),
        (clip(hdr::SEQUENCE), ESP_SEQUENCE),
        (hdr::LEN.min(len)..len, ESP_ENCRYPTED),
    ]
}

/// ESP at frame offset `at`, `len` bytes long per the IP header, ending at `end`.
pub(crate) fn decode(walk: &mut Walk<'_>, at: usize, len: u32, end: usize) {
    let end = end.min(walk.data.len()).max(at);
    let bytes = walk.data.get(at..end).unwrap_or(&[]);
    let Some(h) = header(bytes) else {
        walk.layer(Layer::Other(OtherLayer::Problem(" ESP".into())));
        walk.truncated("esp", at, hdr::LEN);
        return;
    };
    for (range, field) in layout(bytes.len()) {
        walk.span(at, range, field);
    }
    if len < super::to_u32(hdr::LEN) {
        walk.note(
            Severity::Warn,
            NoteGroup::Malformed,
            format!("IP carries only {len} bytes for an 8-byte ESP header"),
            at..end,
        );
    }
    walk.layer(Layer::Other(OtherLayer::Esp {
        spi: h.spi,
        seq: h.seq,
        len,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_clips_to_the_captured_bytes() {
        let l = layout(5);
        assert_eq!(l[0].0, 0..4);
        assert_eq!(l[1].0, 4..5);
        assert!(l[2].0.is_empty());
        assert_eq!(layout(100)[2].0, 8..100);
        assert_eq!(
            header(&[0, 0, 1, 0, 0, 0, 0, 7]).map(|h| (h.spi, h.seq)),
            Some((256, 7))
        );
        assert_eq!(header(&[0; 7]), None);
    }
}

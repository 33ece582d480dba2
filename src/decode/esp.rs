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
    use crate::capture::{Frame, LinkType};
    use crate::decode::{decode, Decoded};
    use crate::span::{ByteMap, Label};

    /// A raw IPv4 frame carrying `proto` with `payload`, the total length `declared`.
    fn frame(proto: u8, payload: &[u8], declared: usize) -> Frame {
        let mut data = vec![
            0x45,
            0,
            (declared >> 8) as u8,
            declared as u8,
            0,
            1,
            0x40,
            0,
            64,
            proto,
            0,
            0,
        ];
        data.extend([10, 0, 0, 1, 10, 0, 0, 2]);
        data.extend(payload);
        Frame {
            number: 1,
            ts: Default::default(),
            link: LinkType::RAW,
            interface: 0,
            orig_len: data.len() as u32,
            data,
            cut_by_eof: false,
        }
    }

    fn labels(d: &Decoded, len: usize) -> Vec<Label> {
        let map = ByteMap::build(len as u32, &d.spans);
        (0..len as u32).filter_map(|i| map.label_at(i)).collect()
    }

    #[test]
    fn esp_over_ip_spi_and_sequence_visible_rest_opaque() {
        let mut p = vec![0x12, 0x34, 0x56, 0x78, 0, 0, 0, 9];
        p.extend([0xab; 40]);
        let f = frame(50, &p, 20 + p.len());
        let mut d = Decoded::default();
        decode(&f, &mut d);
        assert!(d.layers.contains(&Layer::Other(OtherLayer::Esp {
            spi: 0x1234_5678,
            seq: 9,
            len: 48
        })));
        let l = labels(&d, f.data.len());
        assert_eq!(l[20], Label::Metadata);
        assert!(l[28..].iter().all(|&x| x == Label::Opaque));
    }

    #[test]
    fn esp_cut_short_or_longer_than_declared_never_panics() {
        for n in 0..12 {
            let p: Vec<u8> = (0..n).collect();
            for declared in [20, 20 + p.len(), 20 + p.len() + 100, 65535] {
                let f = frame(50, &p, declared);
                let mut d = Decoded::default();
                decode(&f, &mut d);
                if n < 8 && declared >= 28 {
                    assert!(!d.notes.is_empty(), "{n} bytes, declared {declared}");
                }
            }
        }
    }

    #[test]
    fn ah_header_readable_and_the_next_protocol_decoded() {
        // AH (4 words + 2 = 24 bytes: 12-byte ICV), then UDP with 4 bytes of payload.
        let mut p = vec![17, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 32];
        p.extend([0xcc; 12]);
        p.extend([0x9c, 0x40, 0x00, 0x35, 0, 12, 0, 0, b'a', b'b', b'c', b'd']);
        let f = frame(51, &p, 20 + p.len());
        let mut d = Decoded::default();
        decode(&f, &mut d);
        assert!(d.layers.iter().any(|l| matches!(
            l,
            Layer::Other(OtherLayer::Ah {
                spi: 256,
                seq: 32,
                ..
            })
        )));
        assert!(d.layers.iter().any(|l| matches!(l, Layer::Udp(_))));
        assert!(
            d.payload.is_some(),
            "UDP after AH carries its payload to a flow"
        );
        // A length past the datagram, or cut short: noted, never a panic.
        let mut bad = p.clone();
        bad[1] = 200;
        let mut d = Decoded::default();
        decode(&frame(51, &bad, 20 + bad.len()), &mut d);
        assert!(!d.notes.is_empty());
        for cut in 0..p.len() {
            let mut d = Decoded::default();
            decode(&frame(51, &p[..cut], 20 + p.len()), &mut d);
        }
    }

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

//! RTP and RTCP as WebRTC sends them: SRTP and SRTCP (RFC 3711) keyed by a DTLS
//! handshake on the same flow (DTLS-SRTP, RFC 5764), and ZRTP's key agreement (RFC
//! 6189). Reached only through the RFC 7983 demultiplexer ([`super::demux`]).
//!
//! SRTP encrypts the payload only: the RTP header (version, payload type, sequence
//! number, timestamp, SSRC, CSRCs, header extensions) travels readable, and the
//! authentication tag follows the payload. SRTCP keeps the first 8 bytes readable
//! (version, report count, packet type, length, sender SSRC) and encrypts the rest,
//! followed by the E flag with the SRTCP index, and the tag. Where the tag and index
//! sit depends on the protection profile the DTLS ServerHello chose (use_srtp); when
//! it was not seen, everything after the readable header is one opaque run.
//!
//! **SRTP or plain RTP?** The bytes cannot tell: an SRTP packet is an RTP packet whose
//! payload happens to be ciphertext. eavesdrop decides by the flow: after DTLS records
//! on the same 5-tuple, RTP is SRTP (WebRTC requires DTLS-SRTP, RFC 8827 section
//! 6.5), and its payload is opaque. Without one, the payload is left undecoded with a
//! note rather than called either readable or encrypted. A NULL profile
//! (`SRTP_NULL_HMAC_SHA1_*`) authenticates without encrypting: its payload is readable.
//!
//! RTP and RTCP share the first byte range (128-191); RTCP packet types 192-223 in the
//! second byte set them apart (RFC 5761 section 4).

use super::registry::{Detect, Protocol};
use super::{Desc, Emitter, PlainLen};
use crate::codec::Reader;
use crate::note::{NoteGroup, Severity};
use crate::span::Visibility;
use std::ops::Range;

crate::fields! {
    proto = "RTP";
    // RFC 3550 sections 5.1, 5.3.1 and 6.4; RFC 3711 sections 3.1 and 3.4; RFC 7714.
    RTP_FLAGS = "rtp.version", Header, Metadata, None, "version, padding, extension and CSRC count (RFC 3550 section 5.1)";
    RTP_TYPE = "rtp.p_type", Header, Metadata, None, "marker and payload type";
    RTP_SEQ = "rtp.seq", Header, Metadata, None, "sequence number";
    RTP_TIMESTAMP = "rtp.timestamp", Header, Metadata, None, "media timestamp";
    RTP_SSRC = "rtp.ssrc", Header, Metadata, None, "synchronisation source: identifies a media stream";
    RTP_CSRC = "rtp.csrc.item", Header, Metadata, None, "contributing sources";
    RTP_EXTENSION = "rtp.ext", Header, Metadata, None, "header extension: not encrypted by SRTP (RFC 3550 section 5.3.1, RFC 8285)";
    RTP_PAYLOAD = "rtp.payload", Unknown, Undecoded, None, "RTP payload on a flow without DTLS: SRTP or plain, the bytes cannot tell";
    SRTP_PAYLOAD = "srtp.payload", Content, Opaque, None, "encrypted media (RFC 3711 section 3.1); with a profile not seen, the MKI and tag too";
    SRTP_MKI = "srtp.mki", Header, Metadata, None, "master key identifier (RFC 3711 section 3.1)";
    SRTP_TAG = "srtp.auth_tag", Header, Opaque, None, "authentication tag (RFC 3711 section 3.1; the GCM tag, RFC 7714 section 7.2)";
    RTCP_HEADER = "rtcp.header", Header, Metadata, None, "version, padding, report count, packet type, length, sender SSRC (RFC 3550 section 6.4)";
    RTCP_BODY = "rtcp.body", Unknown, Undecoded, None, "RTCP after its first header on a flow without DTLS: SRTCP or plain, the bytes cannot tell";
    SRTCP_ENCRYPTED = "srtcp.encrypted", Content, Opaque, None, "encrypted RTCP (RFC 3711 section 3.4); with a profile not seen, the index and tag too";
    SRTCP_READABLE = "srtcp.unencrypted", Handshake, Cleartext, None, "RTCP sent authenticated but not encrypted (E flag clear, RFC 3711 section 3.4)";
    SRTCP_INDEX = "srtcp.e_index", Header, Metadata, None, "E flag and SRTCP index (RFC 3711 section 3.4)";
    SRTCP_TAG = "srtcp.auth_tag", Header, Opaque, None, "SRTCP authentication tag";
    ZRTP_HEADER = "zrtp.header", Header, Metadata, None, "ZRTP packet header: sequence, magic cookie, SSRC (RFC 6189 section 5)";
    ZRTP_MESSAGE = "zrtp.message", Handshake, Cleartext, None, "ZRTP message: key agreement in the clear (RFC 6189 section 5)";
    ZRTP_CRC = "zrtp.crc", Header, Metadata, None, "ZRTP CRC";
}

/// RTP is never recognised on its own (its header has too little structure to tell it
/// from other UDP); this registration lists its fields. The demultiplexer of a flow
/// recognised as DTLS or STUN reaches it.
pub static PROTOCOL: Protocol = Protocol {
    name: "RTP",
    detect: |_| Detect::No,
    ports: &[],
    new: |_| Box::new(super::demux::Demux::new()),
    fields: FIELDS,
};

/// How the flow's RTP is protected, as far as an observer knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keying {
    /// No DTLS on the flow: SRTP or plain RTP, nobody can tell.
    Unknown,
    /// DTLS-SRTP: the profile and MKI length the ServerHello chose, when seen.
    Dtls(Option<(u16, usize)>),
}

/// Tag lengths of a profile: (SRTP tag, SRTCP tag, AEAD, NULL cipher).
fn profile_params(profile: u16) -> Option<(usize, usize, bool, bool)> {
    Some(match profile {
        0x0001 => (10, 10, false, false),
        0x0002 => (4, 10, false, false),
        0x0005 => (10, 10, false, true),
        0x0006 => (4, 10, false, true),
        0x0007 | 0x0008 => (16, 16, true, false),
        _ => return None,
    })
}

/// RTCP packet type names (RFC 3550 section 12.1, RFC 4585, RFC 3611).
fn rtcp_name(pt: u8) -> String {
    match pt {
        200 => "SR".into(),
        201 => "RR".into(),
        202 => "SDES".into(),
        203 => "BYE".into(),
        204 => "APP".into(),
        205 => "RTPFB".into(),
        206 => "PSFB".into(),
        207 => "XR".into(),
        pt => format!("PT={pt}"),
    }
}

/// Labels an RTP or RTCP packet (first byte 128-191) at frame offset `at`.
pub fn packet(at: u64, b: &[u8], keying: Keying, out: &mut Emitter) {
    match b.get(1) {
        Some(192..=223) => rtcp(at, b, keying, out),
        _ => rtp(at, b, keying, out),
    }
}

fn span(at: u64, range: Range<usize>) -> Range<u64> {
    at + range.start as u64..at + range.end as u64
}

fn rtp(at: u64, b: &[u8], keying: Keying, out: &mut Emitter) {
    let proto = match keying {
        Keying::Unknown => "RTP",
        Keying::Dtls(_) => "SRTP",
    };
    let mut r = Reader::new(b);
    let fixed = (|| {
        let flags = r.u8()?;
        let pt = r.u8()?;
        let seq = r.u16()?;
        let _ts = r.u32()?;
        let ssrc = r.u32()?;
        Some((flags, pt, seq, ssrc))
    })();
    let Some((flags, pt, seq, ssrc)) = fixed else {
        out.field(span(at, 0..b.len()), RTP_FLAGS);
        out.note(
            span(at, 0..b.len()),
            Severity::Warn,
            NoteGroup::Truncated,
            format!("{proto} header cut off after {} bytes", b.len()),
        );
        return;
    };
    out.field(span(at, 0..1), RTP_FLAGS);
    out.field(span(at, 1..2), RTP_TYPE);
    out.field(span(at, 2..4), RTP_SEQ);
    out.field(span(at, 4..8), RTP_TIMESTAMP);
    out.field(span(at, 8..12), RTP_SSRC);
    let csrc = usize::from(flags & 0x0f) * 4;
    let mut end = 12 + csrc;
    let mut cut = r.skip(csrc).is_none();
    out.field(span(at, 12..end.min(b.len())), RTP_CSRC);
    if flags & 0x10 != 0 && !cut {
        // Header extension: profile-defined 16 bits, length in 32-bit words (RFC 3550
        // section 5.3.1).
        let ext_at = end;
        match (r.u16(), r.u16()) {
            (Some(_), Some(words)) => {
                end = ext_at + 4 + usize::from(words) * 4;
                cut = r.skip(usize::from(words) * 4).is_none();
            }
            _ => {
                end = b.len();
                cut = true;
            }
        }
        out.field(span(at, ext_at..end.min(b.len())), RTP_EXTENSION);
    }
    let text = format!("PT={} seq={seq} SSRC={ssrc:#010x}", pt & 0x7f);
    out.event(
        at,
        Desc::App {
            proto,
            text,
            leaks: Vec::new(),
        },
    );
    if cut || end > b.len() {
        out.note(
            span(at, 0..b.len()),
            Severity::Warn,
            NoteGroup::Truncated,
            format!("{proto} header runs past the datagram"),
        );
        return;
    }
    let payload = end..b.len();
    let profile = match keying {
        Keying::Unknown => {
            out.field(span(at, payload.clone()), RTP_PAYLOAD);
            if !payload.is_empty() {
                out.note(
                    span(at, payload),
                    Severity::Note,
                    NoteGroup::Undecoded,
                    "RTP payload: no DTLS handshake on this flow, so whether it is SRTP \
                     (encrypted) or plain RTP cannot be told from its bytes"
                        .into(),
                );
            }
            return;
        }
        Keying::Dtls(p) => p,
    };
    let params = profile.and_then(|(p, mki)| Some((profile_params(p)?, mki)));
    let Some(((tag, _, aead, null), mki)) = params else {
        out.field(span(at, payload.clone()), SRTP_PAYLOAD);
        sealed(at, payload.len(), None, out);
        return;
    };
    // AES-CM: payload, MKI, tag. AEAD (RFC 7714 section 7.2): payload with its tag
    // last, then the MKI.
    let Some(body_len) = payload.len().checked_sub(tag + mki) else {
        out.field(span(at, payload.clone()), SRTP_PAYLOAD);
        out.note(
            span(at, payload),
            Severity::Warn,
            NoteGroup::Malformed,
            "SRTP packet shorter than its profile's tag".into(),
        );
        return;
    };
    let body = payload.start..payload.start + body_len;
    let (mki_r, tag_r) = if aead {
        (body.end + tag..payload.end, body.end..body.end + tag)
    } else {
        (body.end..body.end + mki, body.end + mki..payload.end)
    };
    let vis = if null {
        Visibility::Cleartext
    } else {
        Visibility::Opaque
    };
    out.span(span(at, body.clone()), SRTP_PAYLOAD, vis);
    if aead {
        out.field(span(at, tag_r), SRTP_TAG);
        out.field(span(at, mki_r), SRTP_MKI);
    } else {
        out.field(span(at, mki_r), SRTP_MKI);
        out.field(span(at, tag_r), SRTP_TAG);
    }
    // Padding (the P bit) is inside the ciphertext: up to 255 bytes of it.
    let n = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let plain = if flags & 0x20 != 0 {
        PlainLen {
            min: n.saturating_sub(255),
            max: n.saturating_sub(1),
        }
    } else {
        PlainLen { min: n, max: n }
    };
    sealed(at, payload.len(), Some(plain), out);
}

fn sealed(at: u64, len: usize, plaintext: Option<PlainLen>, out: &mut Emitter) {
    out.event(
        at,
        Desc::Sealed {
            proto: "SRTP",
            unit: "packet",
            len: u32::try_from(len).unwrap_or(u32::MAX),
            plaintext,
        },
    );
}

fn rtcp(at: u64, b: &[u8], keying: Keying, out: &mut Emitter) {
    let proto = match keying {
        Keying::Unknown => "RTCP",
        Keying::Dtls(_) => "SRTCP",
    };
    let head = b.len().min(8);
    out.field(span(at, 0..head), RTCP_HEADER);
    let pt = b.get(1).copied().unwrap_or(0);
    out.event(
        at,
        Desc::App {
            proto,
            text: rtcp_name(pt),
            leaks: Vec::new(),
        },
    );
    if b.len() < 8 {
        out.note(
            span(at, 0..b.len()),
            Severity::Warn,
            NoteGroup::Truncated,
            format!("{proto} header cut off after {} bytes", b.len()),
        );
        return;
    }
    let rest = 8..b.len();
    let profile = match keying {
        Keying::Unknown => {
            out.field(span(at, rest.clone()), RTCP_BODY);
            if !rest.is_empty() {
                out.note(
                    span(at, rest),
                    Severity::Note,
                    NoteGroup::Undecoded,
                    "RTCP: no DTLS handshake on this flow, so whether it is SRTCP (encrypted) \
                     or plain RTCP cannot be told from its bytes"
                        .into(),
                );
            }
            return;
        }
        Keying::Dtls(p) => p,
    };
    let params = profile.and_then(|(p, mki)| Some((profile_params(p)?, mki)));
    let Some(((_, tag, aead, _), mki)) = params else {
        out.field(span(at, rest), SRTCP_ENCRYPTED);
        return;
    };
    // AES-CM: encrypted, E+index, MKI, tag. AEAD (RFC 7714 section 9.2): encrypted
    // with its tag, E+index, MKI.
    let trailer = 4 + mki + if aead { 0 } else { tag };
    let Some(enc_end) = b.len().checked_sub(trailer).filter(|&e| e >= 8) else {
        out.field(span(at, rest), SRTCP_ENCRYPTED);
        out.note(
            span(at, 0..b.len()),
            Severity::Warn,
            NoteGroup::Malformed,
            "SRTCP packet shorter than its profile's trailer".into(),
        );
        return;
    };
    let index = enc_end..enc_end + 4;
    let e_flag = b.get(enc_end).is_some_and(|x| x & 0x80 != 0);
    if e_flag {
        out.field(span(at, 8..enc_end), SRTCP_ENCRYPTED);
    } else {
        // Unencrypted SRTCP: the reports are readable (the AEAD tag is still a tag).
        let readable_end = if aead {
            enc_end.saturating_sub(tag).max(8)
        } else {
            enc_end
        };
        out.field(span(at, 8..readable_end), SRTCP_READABLE);
        out.field(span(at, readable_end..enc_end), SRTCP_TAG);
    }
    out.field(span(at, index.clone()), SRTCP_INDEX);
    out.field(span(at, index.end..index.end + mki), SRTP_MKI);
    out.field(span(at, index.end + mki..b.len()), SRTCP_TAG);
}

/// Labels a ZRTP packet (first byte 16-19): its header, its message (readable: ZRTP
/// agrees on keys in the clear, RFC 6189), its CRC.
pub fn zrtp(at: u64, b: &[u8], out: &mut Emitter) {
    let head = b.len().min(12);
    out.field(span(at, 0..head), ZRTP_HEADER);
    let crc_at = b.len().saturating_sub(4).max(head);
    out.field(span(at, head..crc_at), ZRTP_MESSAGE);
    out.field(span(at, crc_at..b.len()), ZRTP_CRC);
    // Message: preamble 0x505a, length, an 8-character type block.
    let name: String = b
        .get(16..24)
        .map(|t| {
            t.iter()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|&c| char::from(c))
                .collect()
        })
        .unwrap_or_default();
    out.event(
        at,
        Desc::App {
            proto: "ZRTP",
            text: if name.is_empty() {
                "message".into()
            } else {
                name
            },
            leaks: Vec::new(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtp_packet(payload: usize) -> Vec<u8> {
        let mut b = vec![0x90, 0x6f, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef];
        b.extend_from_slice(&[0xbe, 0xde, 0x00, 0x01, 0x22, 0x33, 0x44, 0x55]);
        b.extend(std::iter::repeat_n(0xaa, payload));
        b
    }

    fn label(out: &Emitter, i: u64) -> Option<(&'static str, Visibility)> {
        out.spans
            .iter()
            .find(|s| s.range.contains(&i))
            .map(|s| (s.field.name(), s.vis))
    }

    #[test]
    fn srtp_header_visible_payload_and_tag_opaque() {
        let b = rtp_packet(40);
        let mut out = Emitter::default();
        packet(0, &b, Keying::Dtls(Some((0x0001, 0))), &mut out);
        assert_eq!(label(&out, 1), Some(("rtp.p_type", Visibility::Metadata)));
        assert_eq!(label(&out, 14), Some(("rtp.ext", Visibility::Metadata)));
        assert_eq!(label(&out, 20), Some(("srtp.payload", Visibility::Opaque)));
        assert_eq!(label(&out, 59), Some(("srtp.auth_tag", Visibility::Opaque)));
        assert_eq!(label(&out, 50), Some(("srtp.auth_tag", Visibility::Opaque)));
        assert_eq!(label(&out, 49), Some(("srtp.payload", Visibility::Opaque)));
        assert!(out.events.iter().any(|e| matches!(
            &e.desc,
            Desc::Sealed {
                plaintext: Some(PlainLen { min: 30, max: 30 }),
                ..
            }
        )));
    }

    #[test]
    fn rtp_without_dtls_is_undecoded_with_a_note() {
        let b = rtp_packet(10);
        let mut out = Emitter::default();
        packet(0, &b, Keying::Unknown, &mut out);
        assert_eq!(
            label(&out, 25),
            Some(("rtp.payload", Visibility::Undecoded))
        );
        assert_eq!(out.notes.len(), 1);
    }

    #[test]
    fn srtcp_keeps_eight_bytes_readable_and_the_trailer_at_the_end() {
        // RR, then 20 encrypted bytes, E+index, a 10-byte tag (AES-CM).
        let mut b = vec![0x81, 201, 0, 7, 1, 2, 3, 4];
        b.extend(std::iter::repeat_n(0x55, 20));
        b.extend_from_slice(&[0x80, 0, 0, 1]);
        b.extend(std::iter::repeat_n(0x77, 10));
        let mut out = Emitter::default();
        packet(0, &b, Keying::Dtls(Some((0x0001, 0))), &mut out);
        assert_eq!(label(&out, 7), Some(("rtcp.header", Visibility::Metadata)));
        assert_eq!(
            label(&out, 8),
            Some(("srtcp.encrypted", Visibility::Opaque))
        );
        assert_eq!(
            label(&out, 28),
            Some(("srtcp.e_index", Visibility::Metadata))
        );
        assert_eq!(
            label(&out, 33),
            Some(("srtcp.auth_tag", Visibility::Opaque))
        );
        // Cut anywhere: never a panic.
        for cut in 0..b.len() {
            let mut out = Emitter::default();
            packet(0, &b[..cut], Keying::Dtls(Some((0x0007, 0))), &mut out);
        }
    }
}

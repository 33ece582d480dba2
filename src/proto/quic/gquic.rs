//! Google QUIC (gQUIC), versions Q024 to Q046: what an observer of Chrome's and
//! YouTube's pre-IETF QUIC reads. Sources: the Chromium "QUIC Wire Layout
//! Specification" and "QUIC Crypto" documents, and Wireshark's packet-gquic.c.
//!
//! Headers (readable): up to Q043 the public header — flags, an 8-byte connection ID,
//! the version (client packets until negotiated), a 32-byte diversification nonce
//! (server packets, Q033 on) and a packet number of 1, 2, 4 or 6 bytes; Q046 uses
//! the IETF invariant long and short headers with the gQUIC packet number. Before
//! Q034 a private flags byte follows the message authentication hash.
//!
//! The handshake's first packets are not encrypted: after the header a 12-byte
//! message authentication hash (an FNV-1a digest, no key) and frames. The client's
//! CHLO (stream 1) is a tag-value map: SNI (the server name: a leak), UAID (the user
//! agent: software and version, a leak), VER, AEAD, KEXS, PAD… all readable; so is the
//! server's REJ (its config, its compressed certificate chain, the source-address
//! token). Every later packet is encrypted with keys from that handshake: opaque from
//! the end of its header.
//!
//! Bounds: a tag-value map of at most [`MAX_TAGS`] entries whose table fits the
//! message (a tag count beyond the message is a note); values outside the packet are
//! not read.

use super::super::registry::{Detect, Probe, Protocol};
use super::super::{Desc, Direction, Dissector, Emitter, Facts, Fed, NameSource, Protection};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "gQUIC";
    // Chromium's QUIC Wire Layout and QUIC Crypto documents.
    GQUIC_HEADER = "gquic.header", Header, Metadata, None, "public header: flags, connection ID, version, nonce, packet number; the message authentication hash of an unencrypted packet";
    GQUIC_CID = "gquic.cid", Header, Metadata, None, "connection ID: in the clear in every packet that carries it, so an observer links the connection's packets";
    GQUIC_FRAME = "gquic.frame", Handshake, Cleartext, None, "frames of an unencrypted handshake packet: stream headers, padding, acknowledgements";
    GQUIC_TAG = "gquic.tag", Handshake, Cleartext, None, "a handshake message's tags and values (CHLO, REJ, SHLO, PRST)";
    GQUIC_SNI = "gquic.tag.sni", Handshake, Cleartext, Some(ServerName), "the SNI tag of a CHLO: the server name";
    GQUIC_UAID = "gquic.tag.uaid", Handshake, Cleartext, Some(Software), "the UAID tag of a CHLO: the client's user agent";
    GQUIC_ENCRYPTED = "gquic.encrypted", Content, Opaque, None, "an encrypted packet's payload: frames under the handshake's keys";
}

/// Entries of a tag-value map read at most (Chromium's kMaxEntries is 128).
const MAX_TAGS: usize = 128;

/// The version of the four bytes `Q0dd`, as a number (`Q046` → 46).
fn version_number(v: &[u8]) -> Option<u16> {
    match v {
        [b'Q', a, b, c] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

/// Whether a datagram starts a gQUIC connection from its client: a public header
/// with a version Q024–Q043 and a connection ID, or a Q046 long header.
pub fn looks_like(b: &[u8]) -> bool {
    let Some(&flags) = b.first() else {
        return false;
    };
    if flags & 0xc0 == 0xc0 {
        return b
            .get(1..5)
            .and_then(version_number)
            .is_some_and(|v| (44..=49).contains(&v));
    }
    // Public header: version flag, an 8-byte connection ID, no reset, reserved bit clear.
    flags & 0x01 != 0
        && flags & 0x02 == 0
        && flags & 0x80 == 0
        && (flags & 0x0c == 0x0c || flags & 0x08 != 0)
        && b.get(9..13)
            .and_then(version_number)
            .is_some_and(|v| (24..=43).contains(&v))
}

/// Whether a datagram is a server's unencrypted handshake packet up to Q043, for a
/// capture that holds only the server's side (a one-way tap, or a client behind
/// another path): a public header without version and with a connection ID, the
/// 12-byte hash, control frames, then a STREAM frame on stream 1 carrying `REJ`,
/// `SREJ` or `SHLO`. Random bytes pass this one time in about 2^32 or less.
pub fn looks_like_server(b: &[u8]) -> bool {
    let Some(&flags) = b.first() else {
        return false;
    };
    if flags & 0x83 != 0 || flags & 0x08 == 0 {
        return false;
    }
    let nonce = if flags & 0x04 != 0 { 32 } else { 0 };
    let pn = pn_len(flags);
    let frames = 1 + 8 + nonce + pn + 12;
    let Some(stream) = skip_control_frames(b, frames, pn) else {
        return false;
    };
    stream_message(b, stream, true)
        .is_some_and(|(sid, tag, _, _)| sid == 1 && matches!(tag, b"REJ\0" | b"SREJ" | b"SHLO"))
}

/// The packet number length the public flags give (bits 4–5).
fn pn_len(flags: u8) -> usize {
    match (flags >> 4) & 3 {
        0 => 1,
        1 => 2,
        2 => 4,
        _ => 6,
    }
}

/// Skips the control frames that precede a handshake STREAM frame in an unencrypted
/// packet (Q034–Q043 layouts): PING, STOP_WAITING, WINDOW_UPDATE, BLOCKED and ACK.
/// Returns where the first STREAM frame starts, or `None` at anything else.
fn skip_control_frames(b: &[u8], mut p: usize, pn: usize) -> Option<usize> {
    let len_of = |code: u8| match code & 3 {
        0 => 1usize,
        1 => 2,
        2 => 4,
        _ => 6,
    };
    // A handshake packet carries a few control frames at most.
    for _ in 0..8 {
        let kind = *b.get(p)?;
        p = match kind {
            0x80..=0xff => return Some(p),
            0x07 => p + 1,
            0x06 => p + 1 + pn,
            0x04 => p + 1 + 4 + 8,
            0x05 => p + 1 + 4,
            0x40..=0x7f => {
                // 01ntllmm: largest acked, delay, [blocks], first block, timestamps.
                let (largest, block) = (len_of(kind >> 2), len_of(kind));
                let mut q = p + 1 + largest + 2;
                let blocks = if kind & 0x20 != 0 {
                    let n = usize::from(*b.get(q)?);
                    q += 1;
                    n
                } else {
                    0
                };
                q += block + blocks * (1 + block);
                let stamps = usize::from(*b.get(q)?);
                q += 1;
                if stamps > 0 {
                    q += 5 + (stamps - 1) * 3;
                }
                q
            }
            _ => return None,
        };
        if p > b.len() {
            return None;
        }
    }
    None
}

/// The STREAM frame at `pos`: (stream ID, the first 4 bytes of its data, where its
/// data starts, its data length if present).
fn stream_message(b: &[u8], pos: usize, big: bool) -> Option<(u64, &[u8], usize, Option<usize>)> {
    let kind = *b.get(pos)?;
    if kind & 0x80 == 0 {
        return None;
    }
    // 1FDOOOSS: fin, data length present, offset length, stream ID length.
    let sid_len = usize::from(kind & 0x03) + 1;
    let off_code = usize::from((kind >> 2) & 0x07);
    let off_len = if off_code == 0 { 0 } else { off_code + 1 };
    let mut p = pos + 1;
    let sid = uint(b.get(p..p + sid_len)?, big);
    p += sid_len + off_len;
    let data_len = if kind & 0x20 != 0 {
        let l = uint(b.get(p..p + 2)?, big) as usize;
        p += 2;
        Some(l)
    } else {
        None
    };
    Some((sid, b.get(p..p + 4)?, p, data_len))
}

/// gQUIC: the version in a client's first packet, or a server's handshake packet.
pub static PROTOCOL: Protocol = Protocol {
    name: "gQUIC",
    detect: |p: &Probe<'_>| {
        Detect::when(looks_like(p.bytes) || (!p.from_client() && looks_like_server(p.bytes)))
    },
    ports: &[],
    new: |_| Box::<GQuic>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
pub struct GQuic {
    version: Option<u16>,
    /// Q046: connection ID lengths of the client's long header (destination, source).
    cid_lens: (usize, usize),
    sni: Option<String>,
    uaid: Option<String>,
    aead: Option<String>,
    encrypted: u64,
}

impl Dissector for GQuic {
    fn feed(&mut self, dir: Direction, base: u64, data: &[u8], _: bool, out: &mut Emitter) -> Fed {
        self.packet(dir, base, data, out);
        Fed::Done(data.len())
    }

    fn gap(&mut self, _: Direction, _: u64, _: u64, _: &mut Emitter) {}

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("gQUIC".into());
        if let Some(v) = self.version {
            facts.details.push(("gquic.version", format!("Q{v:03}")));
        }
        if let Some(s) = &self.sni {
            facts.details.push(("gquic.tag.sni", s.clone()));
        }
        if let Some(u) = &self.uaid {
            facts.details.push(("gquic.tag.uaid", u.clone()));
        }
        if self.encrypted > 0 {
            facts.protection = Some(Protection {
                proto: "gQUIC".into(),
                cipher: self.aead.clone(),
                ..Protection::default()
            });
        }
    }
}

/// Reads little- or big-endian unsigned integers of 1 to 8 bytes.
fn uint(b: &[u8], big: bool) -> u64 {
    let f = |acc: u64, &x: &u8| (acc << 8) | u64::from(x);
    if big {
        b.iter().fold(0, f)
    } else {
        b.iter().rev().fold(0, f)
    }
}

impl GQuic {
    fn app(&self, out: &mut Emitter, at: u64, text: String) {
        out.event(
            at,
            Desc::App {
                proto: "gQUIC",
                text,
                leaks: vec![],
            },
        );
    }

    /// One datagram: its header, then frames (unencrypted) or ciphertext.
    fn packet(&mut self, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) {
        let r = |s: usize, e: usize| at + s.min(b.len()) as u64..at + e.min(b.len()) as u64;
        let Some(&flags) = b.first() else {
            return;
        };
        let (header_end, version) =
            if flags & 0x80 != 0 || (flags & 0x40 != 0 && self.version.is_some_and(|v| v >= 44)) {
                match self.ietf_header(dir, b, out, at) {
                    Some(x) => x,
                    None => return,
                }
            } else {
                // Public header (up to Q043).
                let mut pos = 1usize;
                out.field(r(0, 1), GQUIC_HEADER);
                let old = self.version.is_some_and(|v| v < 33);
                let cid = if old {
                    match (flags >> 2) & 3 {
                        0 => 0,
                        1 => 1,
                        2 => 4,
                        _ => 8,
                    }
                } else if flags & 0x08 != 0 {
                    8
                } else {
                    0
                };
                out.field(r(pos, pos + cid), GQUIC_CID);
                pos += cid;
                if flags & 0x02 != 0 {
                    // Public reset: a PRST tag-value map.
                    self.message(dir, at, b, pos, b.len(), out);
                    self.app(out, at, "public reset".into());
                    return;
                }
                let mut version = None;
                if flags & 0x01 != 0 {
                    if dir == Direction::ToClient {
                        // Version negotiation: the versions the server supports.
                        out.field(r(pos, b.len()), GQUIC_HEADER);
                        let versions: Vec<String> = b
                            .get(pos..)
                            .unwrap_or(&[])
                            .chunks_exact(4)
                            .take(16)
                            .map(|v| crate::text::lossy(v).into_owned())
                            .collect();
                        self.app(
                            out,
                            at,
                            format!("version negotiation {}", versions.join(" ")),
                        );
                        return;
                    }
                    version = b.get(pos..pos + 4).and_then(version_number);
                    out.field(r(pos, pos + 4), GQUIC_HEADER);
                    pos += 4;
                    if let Some(v) = version {
                        self.version.get_or_insert(v);
                    }
                }
                if flags & 0x04 != 0 && dir == Direction::ToClient && !old {
                    out.field(r(pos, pos + 32), GQUIC_HEADER);
                    pos += 32;
                }
                let pn = pn_len(flags);
                out.field(r(pos, pos + pn), GQUIC_HEADER);
                pos += pn;
                (pos, version.or(self.version))
            };
        if header_end >= b.len() {
            return;
        }
        let v = version.unwrap_or(43);
        // An unencrypted packet: the 12-byte hash, a private flags byte before Q034,
        // then a STREAM frame on stream 1 carrying a known message tag.
        let private = usize::from(v < 34);
        let frames_at = header_end + 12 + private;
        if let Some((text, consumed)) = self.handshake(dir, at, b, frames_at, v, out) {
            out.field(r(header_end, frames_at), GQUIC_HEADER);
            out.field(r(consumed, b.len()), GQUIC_FRAME);
            self.app(out, at, text);
            return;
        }
        out.field(r(header_end, b.len()), GQUIC_ENCRYPTED);
        self.encrypted += 1;
        out.event(
            at,
            Desc::Sealed {
                proto: "gQUIC",
                unit: "packet",
                len: u32::try_from(b.len()).unwrap_or(u32::MAX),
                plaintext: None,
            },
        );
    }

    /// A Q046 long or short header: (its end, the version).
    fn ietf_header(
        &mut self,
        dir: Direction,
        b: &[u8],
        out: &mut Emitter,
        at: u64,
    ) -> Option<(usize, Option<u16>)> {
        let r = |s: usize, e: usize| at + s.min(b.len()) as u64..at + e.min(b.len()) as u64;
        let flags = *b.first()?;
        let pn = usize::from(flags & 0x03) + 1;
        if flags & 0x80 == 0 {
            // Short header: the destination connection ID the receiver chose.
            let cid = if dir == Direction::ToServer {
                self.cid_lens.0
            } else {
                self.cid_lens.1
            };
            out.field(r(0, 1), GQUIC_HEADER);
            out.field(r(1, 1 + cid), GQUIC_CID);
            out.field(r(1 + cid, 1 + cid + pn), GQUIC_HEADER);
            return Some((1 + cid + pn, self.version));
        }
        let version = b.get(1..5).and_then(version_number);
        if let Some(v) = version {
            self.version.get_or_insert(v);
        }
        let lens = *b.get(5)?;
        let len = |n: u8| if n == 0 { 0 } else { usize::from(n) + 3 };
        let (dcil, scil) = (len(lens >> 4), len(lens & 0x0f));
        if dir == Direction::ToServer {
            // Client packets: the server is addressed by the DCID, the client by the SCID.
            self.cid_lens = (dcil, scil);
        }
        out.field(r(0, 6), GQUIC_HEADER);
        out.field(r(6, 6 + dcil + scil), GQUIC_CID);
        let end = 6 + dcil + scil + pn;
        out.field(r(6 + dcil + scil, end), GQUIC_HEADER);
        Some((end, version))
    }

    /// Frames of an unencrypted packet from `at_frames`: a STREAM frame whose data is
    /// a handshake message; returns the description and where the message's frame ends.
    fn handshake(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        pos: usize,
        v: u16,
        out: &mut Emitter,
    ) -> Option<(String, usize)> {
        let big = v >= 39;
        let stream = skip_control_frames(b, pos, pn_len(*b.first()?))?;
        let (sid, tag, p, data_len) = stream_message(b, stream, big)?;
        if sid != 1 || !matches!(tag, b"CHLO" | b"REJ\0" | b"SHLO" | b"SCUP" | b"SREJ") {
            return None;
        }
        let end = data_len.map_or(b.len(), |l| (p + l).min(b.len()));
        let r = |s: usize, e: usize| at + s.min(b.len()) as u64..at + e.min(b.len()) as u64;
        out.field(r(pos, p), GQUIC_FRAME);
        let text = self.message(dir, at, b, p, end, out);
        Some((text, end))
    }

    /// A tag-value map (`CHLO`, `REJ`, `PRST`…) at `start..end` of the packet:
    /// labelled, with SNI and UAID as leaks; returns its description.
    fn message(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        start: usize,
        end: usize,
        out: &mut Emitter,
    ) -> String {
        let m = b.get(start..end).unwrap_or(&[]);
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        let tag = crate::text::lossy(m.get(..4).unwrap_or(&[]))
            .trim_end_matches('\0')
            .to_string();
        let count = usize::from(u16::from_le_bytes([
            m.get(4).copied().unwrap_or(0),
            m.get(5).copied().unwrap_or(0),
        ]));
        let table = 8usize;
        let values = table.saturating_add(count.saturating_mul(8));
        let mut text = tag.clone();
        if count > MAX_TAGS || values > m.len() {
            out.note(
                at + start as u64..at + end as u64,
                Severity::Note,
                NoteGroup::Malformed,
                format!(
                    "gQUIC {tag}: {count} tags do not fit the message ({} bytes)",
                    m.len()
                ),
            );
            super::super::framing::line_spans(out, at + start as u64, m.len(), &[], GQUIC_TAG);
            return text;
        }
        let mut prev = 0usize;
        let mut names = Vec::new();
        for i in 0..count {
            let e = table + 8 * i;
            let name = m.get(e..e + 4).unwrap_or(&[]);
            let off = u32::from_le_bytes([
                m.get(e + 4).copied().unwrap_or(0),
                m.get(e + 5).copied().unwrap_or(0),
                m.get(e + 6).copied().unwrap_or(0),
                m.get(e + 7).copied().unwrap_or(0),
            ]) as usize;
            let (vs, ve) = (values.saturating_add(prev), values.saturating_add(off));
            prev = off;
            if ve < vs || ve > m.len() {
                continue;
            }
            let value = m.get(vs..ve).unwrap_or(&[]);
            let shown = crate::text::lossy(name).trim_end_matches('\0').to_string();
            match name {
                b"SNI\0" if dir == Direction::ToServer => {
                    let sni = crate::text::lossy(value).into_owned();
                    parts.push((vs..ve, GQUIC_SNI));
                    out.event(
                        at + (start + vs) as u64,
                        Desc::Leak {
                            kind: LeakKind::ServerName,
                            value: sni.clone(),
                        },
                    );
                    out.event(
                        at + (start + vs) as u64,
                        Desc::Named {
                            name: sni.clone(),
                            source: NameSource::Sni,
                        },
                    );
                    text.push_str(&format!(" SNI={sni}"));
                    self.sni.get_or_insert(sni);
                }
                b"UAID" if dir == Direction::ToServer => {
                    let ua = crate::text::lossy(value).into_owned();
                    parts.push((vs..ve, GQUIC_UAID));
                    out.event(
                        at + (start + vs) as u64,
                        Desc::Leak {
                            kind: LeakKind::Software,
                            value: ua.clone(),
                        },
                    );
                    text.push_str(&format!(" UAID={}", crate::text::shorten(&ua, 60)));
                    self.uaid.get_or_insert(ua);
                }
                b"AEAD" => {
                    if let Some(a) = value.get(..4) {
                        self.aead.get_or_insert_with(|| {
                            crate::text::lossy(a).trim_end_matches('\0').to_string()
                        });
                    }
                }
                _ => {}
            }
            if names.len() < 40 {
                names.push(shown);
            }
        }
        super::super::framing::line_spans(out, at + start as u64, m.len(), &parts, GQUIC_TAG);
        if text == tag && !names.is_empty() {
            text.push_str(&format!(" ({} tags)", names.len()));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Q039 client packet: public header, hash, STREAM frame, CHLO with SNI and UAID.
    fn chlo_q039(count: u16) -> Vec<u8> {
        let mut p = vec![0x09];
        p.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        p.extend_from_slice(b"Q039");
        p.push(1);
        p.extend_from_slice(&[0xaa; 12]);
        let mut msg = b"CHLO".to_vec();
        msg.extend_from_slice(&count.to_le_bytes());
        msg.extend_from_slice(&[0, 0]);
        let sni = b"www.example.com";
        let ua = b"Chrome/80.0 Linux x86_64";
        msg.extend_from_slice(b"SNI\0");
        msg.extend_from_slice(&(sni.len() as u32).to_le_bytes());
        msg.extend_from_slice(b"UAID");
        msg.extend_from_slice(&((sni.len() + ua.len()) as u32).to_le_bytes());
        msg.extend_from_slice(sni);
        msg.extend_from_slice(ua);
        p.extend_from_slice(&[0xa0, 0x01]);
        p.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        p.extend_from_slice(&msg);
        p.extend_from_slice(&[0; 20]);
        p
    }

    fn run(g: &mut GQuic, dir: Direction, b: &[u8]) -> Emitter {
        let mut out = Emitter::default();
        g.feed(dir, 0, b, true, &mut out);
        let mut seen = vec![0u8; b.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                seen[i as usize] += 1;
            }
        }
        assert!(
            seen.iter().all(|&c| c == 1),
            "every byte once: {:?}",
            out.spans
        );
        out
    }

    #[test]
    fn a_chlo_names_the_server_and_the_browser() {
        let p = chlo_q039(2);
        assert!(looks_like(&p));
        let mut g = GQuic::default();
        let out = run(&mut g, Direction::ToServer, &p);
        assert!(out.events.iter().any(|e| matches!(&e.desc, Desc::App { text, .. } if text == "CHLO SNI=www.example.com UAID=Chrome/80.0 Linux x86_64")));
        assert_eq!(g.sni.as_deref(), Some("www.example.com"));
        assert_eq!(g.version, Some(39));
        assert!(out.spans.iter().any(|s| s.field == GQUIC_SNI));
        // A later encrypted packet from the server: header, then opaque.
        let mut enc = vec![0x00, 0x02];
        enc.extend_from_slice(&[0x5a; 60]);
        let out = run(&mut g, Direction::ToClient, &enc);
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == GQUIC_ENCRYPTED && s.range == (2..62)));
    }

    /// A server's REJ as a capture of the server's side alone shows it (Q043): no
    /// version, an ACK and a STOP_WAITING frame before the STREAM frame.
    fn rej_q043() -> Vec<u8> {
        let mut p = vec![0x08];
        p.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        p.push(1);
        p.extend_from_slice(&[0xbb; 12]);
        // ACK (largest 1, delay, first block 1, no timestamps), STOP_WAITING (delta 0).
        p.extend_from_slice(&[0x40, 0x01, 0x03, 0xa5, 0x01, 0x00, 0x06, 0x00]);
        let mut msg = b"REJ\0".to_vec();
        msg.extend_from_slice(&1u16.to_le_bytes());
        msg.extend_from_slice(&[0, 0]);
        msg.extend_from_slice(b"STK\0");
        msg.extend_from_slice(&4u32.to_le_bytes());
        msg.extend_from_slice(b"tokn");
        p.extend_from_slice(&[0xa0, 0x01]);
        p.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        p.extend_from_slice(&msg);
        p.extend_from_slice(&[0; 30]);
        p
    }

    #[test]
    fn a_server_rej_alone_is_recognised_and_read() {
        let p = rej_q043();
        assert!(!looks_like(&p), "no version: not a client's first packet");
        assert!(looks_like_server(&p));
        let out = run(&mut GQuic::default(), Direction::ToClient, &p);
        assert!(out
            .events
            .iter()
            .any(|e| matches!(&e.desc, Desc::App { text, .. } if text == "REJ (1 tags)")));
        // The control frames before the STREAM frame are readable frames, not opaque.
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == GQUIC_FRAME && s.range.start == 22));
        assert!(!out.spans.iter().any(|s| s.field == GQUIC_ENCRYPTED));
        // Encrypted packets and random bytes are not taken for one.
        let mut enc = vec![0x08];
        enc.extend((0u32..200).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        assert!(!looks_like_server(&enc));
        for cut in 0..p.len() {
            let _ = looks_like_server(&p[..cut]);
        }
    }

    #[test]
    fn a_tag_count_beyond_the_message_is_a_note() {
        let p = chlo_q039(60_000);
        let out = run(&mut GQuic::default(), Direction::ToServer, &p);
        assert!(out.notes.iter().any(|n| n.text.contains("do not fit")));
    }

    #[test]
    fn q046_long_header() {
        let mut p = vec![0xc3];
        p.extend_from_slice(b"Q046");
        p.push(0x50);
        p.extend_from_slice(&[9; 8]);
        p.extend_from_slice(&[0, 0, 0, 1]);
        let q39 = chlo_q039(2);
        p.extend_from_slice(&q39[14..]);
        assert!(looks_like(&p));
        let mut g = GQuic::default();
        let out = run(&mut g, Direction::ToServer, &p);
        assert_eq!(g.sni.as_deref(), Some("www.example.com"));
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == GQUIC_CID && s.range == (6..14)));
    }

    #[test]
    fn gquic_truncated_at_every_byte_never_panics() {
        let p = chlo_q039(2);
        for n in 0..p.len() {
            run(&mut GQuic::default(), Direction::ToServer, &p[..n]);
            run(&mut GQuic::default(), Direction::ToClient, &p[..n]);
            let _ = looks_like(&p[..n]);
        }
    }
}

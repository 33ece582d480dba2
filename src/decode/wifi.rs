//! IEEE 802.11 frames (LINKTYPE_IEEE802_11) and the radiotap header before them
//! (LINKTYPE_IEEE802_11_RADIOTAP, radiotap.org).
//!
//! Who reads what on a wireless link: the radio metadata and the MAC header travel in
//! the clear (the addresses are leaks: they name the devices). An unprotected data
//! frame carries LLC/SNAP and then IP, decoded as on Ethernet. A protected frame's
//! body (WEP, TKIP, CCMP, GCMP) is ciphertext: only the station and the access point
//! hold the keys, so everything in it is opaque — IP addresses and ports included. A
//! management frame's SSID names the network, in the clear, in beacons and probes.

use super::link::{self, LinkLayer};
use super::{to_u32, Layer, Walk};
use crate::note::{NoteGroup, Severity};

crate::fields! {
    proto = "wlan";
    RADIOTAP_HEADER = "radiotap.header", Header, Metadata, None, "radiotap header: what the receiving radio measured (rate, channel, signal…)";
    WLAN_FC = "wlan.fc", Header, Metadata, None, "802.11 frame control, duration and sequence control (IEEE 802.11-2020 section 9.2.4)";
    WLAN_ADDR = "wlan.addr", Header, Metadata, Some(Address), "802.11 address: receiver, transmitter, BSSID, source or destination";
    WLAN_QOS = "wlan.qos", Header, Metadata, None, "802.11 QoS control and HT control";
    WLAN_LLC = "llc.snap", Header, Metadata, None, "LLC and SNAP header: the EtherType of what follows (RFC 1042)";
    WLAN_PROTECTION = "wlan.protection", Header, Metadata, None, "WEP IV or TKIP/CCMP/GCMP header: packet number and key id";
    WLAN_ENCRYPTED = "wlan.encrypted", Content, Opaque, None, "802.11 frame body encrypted with the link's keys (WEP, TKIP, CCMP, GCMP): IP headers included";
    WLAN_MGT = "wlan.mgt", Header, Metadata, None, "802.11 management frame body: capabilities, rates, channel and other elements";
    WLAN_SSID = "wlan.ssid", Header, Cleartext, Some(Identity), "the network's name (SSID) sent in the clear in beacons and probes";
    WLAN_FCS = "wlan.fcs", Header, Metadata, None, "802.11 frame check sequence";
}

/// One radiotap field tcpdump prints, in the order of the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RadiotapField {
    Tsft(u64),
    Flags(u8),
    Rate(u8),
    Channel {
        freq: u16,
        flags: u16,
    },
    Fhss {
        set: u8,
        pattern: u8,
    },
    DbmSignal(i8),
    DbmNoise(i8),
    LockQuality(u16),
    TxAttenuation(u16),
    DbTxAttenuation(u16),
    DbmTxPower(i8),
    Antenna(u8),
    DbSignal(u8),
    DbNoise(u8),
    /// Extended channel (XCHANNEL): its flags add 802.11n's widths.
    Xchannel {
        freq: u16,
        flags: u32,
    },
    /// 802.11n's rate (MCS): which of the others are known, the flags (bandwidth,
    /// guard interval, format, FEC, STBC), the MCS index.
    Mcs {
        known: u8,
        flags: u8,
        index: u8,
    },
    /// 802.11ac's rate (VHT): which properties are known, the flags (the guard
    /// interval), the bandwidth, each user's MCS and streams, each user's coding.
    Vht {
        known: u16,
        flags: u8,
        bandwidth: u8,
        mcs_nss: [u8; 4],
        coding: u8,
    },
    /// A field tcpdump 4.99 does not know the size of (numbered from the namespace's
    /// first presence word: `[bit 23]` for 802.11ax's HE): it prints the number and
    /// stops, and so does the parse.
    Unknown(u32),
    /// A field runs past the header's length: tcpdump prints ` [|802.11_radio]` and
    /// stops.
    Truncated,
}

/// Radiotap's FLAGS bits that change the frame.
pub const RADIOTAP_F_FCS: u8 = 0x10;
pub const RADIOTAP_F_DATAPAD: u8 = 0x20;

/// The kind of an 802.11 frame (frame control type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dot11Body {
    /// A management frame: its subtype and the elements tcpdump prints.
    Mgmt {
        ssid: Option<Vec<u8>>,
        rates: Vec<u8>,
        channel: Option<u8>,
        capability: Option<u16>,
    },
    Ctrl,
    /// A data frame; `iv` is the protection header's first four bytes when protected.
    Data {
        iv: Option<u32>,
        null: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dot11Layer {
    pub fc: u16,
    pub duration: u16,
    /// Addresses 1 to 4, as many as the frame has.
    pub addrs: Vec<[u8; 6]>,
    pub body: Dot11Body,
}

impl Dot11Layer {
    pub fn kind(&self) -> u8 {
        ((self.fc >> 2) & 3) as u8
    }
    pub fn subtype(&self) -> u8 {
        ((self.fc >> 4) & 0xf) as u8
    }
    pub fn flags(&self) -> u8 {
        (self.fc >> 8) as u8
    }
}

/// LLC and SNAP before what an 802.11 data frame carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlcSnap {
    pub dsap: u8,
    pub ssap: u8,
    pub control: u8,
    pub oui: u32,
    pub ethertype: u16,
    /// Bytes after the LLC/SNAP header (tcpdump's length after it).
    pub len: u32,
}

const FC_PROTECTED: u8 = 0x40;
const FC_TO_DS: u8 = 0x01;
const FC_FROM_DS: u8 = 0x02;
const FC_ORDER: u8 = 0x80;

/// LINKTYPE_IEEE802_11_RADIOTAP.
pub(crate) fn radiotap(walk: &mut Walk<'_>) {
    let data = walk.data;
    let Some(len) = data.get(2..4).and_then(|b| le16(b, 0)).map(usize::from) else {
        walk.truncated("radiotap", 0, 8);
        return;
    };
    if len < 8 || data.len() < len {
        walk.truncated("radiotap", 0, len.max(8));
        return;
    }
    let fields = radiotap_fields(data.get(..len).unwrap_or(&[]));
    let flags = fields.iter().find_map(|f| match f {
        RadiotapField::Flags(b) => Some(*b),
        _ => None,
    });
    walk.span(0, 0..len, RADIOTAP_HEADER);
    walk.layer(Layer::Link(LinkLayer::Radiotap(fields)));
    let fcs = flags.is_some_and(|f| f & RADIOTAP_F_FCS != 0);
    let pad = flags.is_some_and(|f| f & RADIOTAP_F_DATAPAD != 0);
    let wire = walk.orig_len.saturating_sub(to_u32(len));
    dot11(walk, len, wire, fcs, pad);
}

/// The radiotap fields tcpdump prints, in order; parsing stops at a field whose size
/// it does not know (as tcpdump's does, after printing its number).
fn radiotap_fields(h: &[u8]) -> Vec<RadiotapField> {
    let le32 = |i: usize| h.get(i..i + 4).and_then(|b| le32(b, 0));
    // The presence words: bit 31 says another follows.
    let mut words = Vec::new();
    let mut at = 4;
    while let Some(w) = le32(at) {
        words.push(w);
        at += 4;
        if w & (1 << 31) == 0 {
            break;
        }
    }
    let mut out = Vec::new();
    let mut pos = at;
    // Fields are numbered from the namespace's first word (the next word of the same
    // namespace holds fields 32 to 60); a vendor namespace's content is skipped.
    let mut vendor = false;
    let mut bit0 = 0u32;
    for w in words {
        for bit in 0..29u32 {
            if w & (1 << bit) == 0 || vendor {
                continue;
            }
            let n = bit0.saturating_add(bit);
            let Some((align, size)) = field_size(n) else {
                out.push(RadiotapField::Unknown(n));
                return out;
            };
            pos = (pos + align - 1) & !(align - 1);
            let Some(b) = h.get(pos..pos + size) else {
                out.push(RadiotapField::Truncated);
                return out;
            };
            let u16le = |i: usize| le16(b, i).unwrap_or(0);
            let b0 = byte(b, 0);
            let f = match n {
                0 => Some(RadiotapField::Tsft(u64::from_le_bytes(
                    b.try_into().unwrap_or([0; 8]),
                ))),
                1 => Some(RadiotapField::Flags(b0)),
                2 => Some(RadiotapField::Rate(b0)),
                // (tcpdump shows the extended channel instead, when both are there.)
                3 if w & (1 << 18) == 0 => Some(RadiotapField::Channel {
                    freq: u16le(0),
                    flags: u16le(2),
                }),
                4 => Some(RadiotapField::Fhss {
                    set: b0,
                    pattern: byte(b, 1),
                }),
                5 => Some(RadiotapField::DbmSignal(b0 as i8)),
                6 => Some(RadiotapField::DbmNoise(b0 as i8)),
                7 => Some(RadiotapField::LockQuality(u16le(0))),
                8 => Some(RadiotapField::TxAttenuation(u16le(0))),
                9 => Some(RadiotapField::DbTxAttenuation(u16le(0))),
                10 => Some(RadiotapField::DbmTxPower(b0 as i8)),
                11 => Some(RadiotapField::Antenna(b0)),
                12 => Some(RadiotapField::DbSignal(b0)),
                13 => Some(RadiotapField::DbNoise(b0)),
                18 => Some(RadiotapField::Xchannel {
                    flags: le32(pos).unwrap_or(0),
                    freq: u16le(4),
                }),
                19 => Some(RadiotapField::Mcs {
                    known: b0,
                    flags: byte(b, 1),
                    index: byte(b, 2),
                }),
                21 => Some(RadiotapField::Vht {
                    known: u16le(0),
                    flags: byte(b, 2),
                    bandwidth: byte(b, 3),
                    mcs_nss: [byte(b, 4), byte(b, 5), byte(b, 6), byte(b, 7)],
                    coding: byte(b, 8),
                }),
                _ => None,
            };
            out.extend(f);
            pos += size;
        }
        match (w >> 29) & 3 {
            // The same namespace goes on.
            0 => bit0 = bit0.saturating_add(32),
            // Radiotap namespace next.
            1 => {
                vendor = false;
                bit0 = 0;
            }
            // A vendor namespace: OUI, sub-namespace and the length to skip.
            2 => {
                pos = (pos + 1) & !1;
                let skip = h
                    .get(pos + 4..pos + 6)
                    .and_then(|b| le16(b, 0))
                    .map_or(0, usize::from);
                pos += 6 + skip;
                vendor = true;
                bit0 = 0;
            }
            // Both: radiotap leaves it undefined; tcpdump ignores the two bits.
            _ => {}
        }
    }
    out
}

/// Alignment and size of radiotap field `bit`, for the fields tcpdump 4.99 knows
/// (print-802_11.c's `print_in_radiotap_namespace`): up to the antenna noise, the RX
/// flags, and XCHANNEL, MCS, A-MPDU status and VHT. Others (TX flags, retries, HE…) it
/// prints as `[bit N]`, where it stops.
fn field_size(bit: u32) -> Option<(usize, usize)> {
    Some(match bit {
        0 => (8, 8),
        1 | 2 | 5 | 6 | 10 | 11 | 12 | 13 => (1, 1),
        3 => (2, 4),
        4 => (1, 2),
        7 | 8 | 9 | 14 => (2, 2),
        18 => (4, 8),
        19 => (1, 3),
        20 => (4, 8),
        21 => (2, 12),
        _ => return None,
    })
}

/// LINKTYPE_IEEE802_11.
pub(crate) fn ieee802_11(walk: &mut Walk<'_>) {
    let wire = walk.orig_len;
    dot11(walk, 0, wire, false, false);
}

fn mac(data: &[u8], at: usize) -> Option<[u8; 6]> {
    data.get(at..at + 6)?.try_into().ok()
}

/// An 802.11 frame at `at`; `fcs`: its last four bytes are the FCS; `pad`: the MAC
/// header is padded to four bytes (radiotap's DATAPAD).
fn dot11(walk: &mut Walk<'_>, at: usize, wire: u32, fcs: bool, pad: bool) {
    let data = walk.data;
    let Some(fc) = data.get(at..at + 2).and_then(|b| le16(b, 0)) else {
        walk.truncated("802.11", at, 2);
        return;
    };
    let end = if fcs {
        let cut = data.len().saturating_sub(4).max(at);
        walk.span(cut, 0..data.len() - cut, WLAN_FCS);
        cut
    } else {
        data.len()
    };
    let wire = if fcs { wire.saturating_sub(4) } else { wire };
    let kind = (fc >> 2) & 3;
    let subtype = (fc >> 4) & 0xf;
    let flags = (fc >> 8) as u8;
    let duration = data
        .get(at + 2..at + 4)
        .and_then(|b| le16(b, 0))
        .unwrap_or(0);
    // Header layout by type.
    let (naddrs, mut hlen) = match kind {
        0 => (3, 24),
        1 => match subtype {
            // CTS and ACK: one address; RTS, PS-Poll, CF-End, BAR, BA: two.
            12 | 13 => (1, 10),
            8 | 9 => (2, 16),
            _ => (2, 16),
        },
        _ => {
            if flags & (FC_TO_DS | FC_FROM_DS) == FC_TO_DS | FC_FROM_DS {
                (4, 30)
            } else {
                (3, 24)
            }
        }
    };
    let qos = kind == 2 && subtype & 0x8 != 0;
    if qos {
        hlen += 2;
        if flags & FC_ORDER != 0 {
            hlen += 4;
        }
    }
    if end < at + hlen {
        walk.truncated("802.11", at, hlen);
        return;
    }
    let mut addrs = Vec::new();
    for i in 0..naddrs {
        let off = if i < 3 { 4 + 6 * i } else { 24 };
        addrs.extend(mac(data, at + off));
        walk.span(at + off, 0..6, WLAN_ADDR);
    }
    walk.span(at, 0..4, WLAN_FC);
    if kind != 1 {
        walk.span(at + 22, 0..2, WLAN_FC);
    }
    if qos {
        let q = if naddrs == 4 { 30 } else { 24 };
        walk.span(at + q, 0..hlen - q, WLAN_QOS);
    }
    let mut body_at = at + hlen;
    if pad && kind == 2 {
        body_at = at + ((hlen + 3) & !3);
    }
    let body_wire = wire.saturating_sub(to_u32(body_at - at));
    // tcpdump's hex rows (-X) start after the MAC header, or after LLC/SNAP.
    walk.out.net_offset = to_u32(body_at.min(end));
    match kind {
        0 => {
            let body = mgmt(walk, body_at, end, subtype);
            walk.layer(Layer::Link(LinkLayer::Dot11(Box::new(Dot11Layer {
                fc,
                duration,
                addrs,
                body,
            }))));
        }
        1 => {
            walk.layer(Layer::Link(LinkLayer::Dot11(Box::new(Dot11Layer {
                fc,
                duration,
                addrs,
                body: Dot11Body::Ctrl,
            }))));
        }
        _ => {
            let null = subtype & 0x4 != 0;
            if flags & FC_PROTECTED != 0 {
                let iv = data.get(body_at..body_at + 4).and_then(|b| le32(b, 0));
                walk.layer(Layer::Link(LinkLayer::Dot11(Box::new(Dot11Layer {
                    fc,
                    duration,
                    addrs,
                    body: Dot11Body::Data { iv, null },
                }))));
                // WEP's IV is four bytes; TKIP's, CCMP's and GCMP's eight (Ext IV).
                let extiv = data.get(body_at + 3).is_some_and(|b| b & 0x20 != 0);
                let phdr = if extiv { 8 } else { 4 };
                // A header longer than the frame leaves the body nothing (and `ct`
                // may then come before `body_at`).
                let ct = (body_at + phdr).min(end);
                walk.span(body_at, 0..ct.saturating_sub(body_at), WLAN_PROTECTION);
                walk.span(ct, 0..end.saturating_sub(ct), WLAN_ENCRYPTED);
                return;
            }
            walk.layer(Layer::Link(LinkLayer::Dot11(Box::new(Dot11Layer {
                fc,
                duration,
                addrs,
                body: Dot11Body::Data { iv: None, null },
            }))));
            if null || body_at >= end {
                return;
            }
            llc(walk, body_at, body_wire);
        }
    }
}

/// LLC with SNAP (RFC 1042, 802.1H) before an EtherType.
fn llc(walk: &mut Walk<'_>, at: usize, wire: u32) {
    let data = walk.data;
    let Some(h) = data.get(at..at + 8) else {
        walk.truncated("llc", at, 8);
        return;
    };
    let (dsap, ssap, control) = (byte(h, 0), byte(h, 1), byte(h, 2));
    if dsap != 0xaa || ssap != 0xaa || control != 0x03 {
        let cap = data.len();
        walk.note(
            Severity::Note,
            NoteGroup::Undecoded,
            format!("LLC frame (DSAP {dsap:#04x}) is not decoded"),
            at..cap,
        );
        return;
    }
    let oui = u32::from_be_bytes([0, byte(h, 3), byte(h, 4), byte(h, 5)]);
    let ethertype = u16::from_be_bytes([byte(h, 6), byte(h, 7)]);
    walk.span(at, 0..8, WLAN_LLC);
    let len = wire.saturating_sub(8);
    walk.layer(Layer::Link(LinkLayer::Llc(LlcSnap {
        dsap,
        ssap,
        control,
        oui,
        ethertype,
        len,
    })));
    link::network_payload(walk, at + 8, ethertype, len);
}

/// A management frame's body: fixed fields, then elements; the SSID is a leak.
fn mgmt(walk: &mut Walk<'_>, at: usize, end: usize, subtype: u16) -> Dot11Body {
    let data = walk.data;
    // Fixed fields before the elements, and where the capability field is.
    let (fixed, cap_at) = match subtype {
        0 => (4, Some(0)),  // association request
        1 => (6, Some(0)),  // association response
        2 => (10, Some(0)), // reassociation request
        3 => (6, Some(0)),  // reassociation response
        4 => (0, None),     // probe request
        5 | 8 => (12, Some(10)),
        _ => {
            walk.span(at, 0..end.saturating_sub(at), WLAN_MGT);
            return Dot11Body::Mgmt {
                ssid: None,
                rates: Vec::new(),
                channel: None,
                capability: None,
            };
        }
    };
    let capability = cap_at.and_then(|c| data.get(at + c..at + c + 2).and_then(|b| le16(b, 0)));
    let mut ssid = None;
    let mut rates = Vec::new();
    let mut channel = None;
    let mut pos = at + fixed;
    walk.span(at, 0..fixed.min(end.saturating_sub(at)), WLAN_MGT);
    while let (Some(&id), Some(&len)) = (data.get(pos), data.get(pos + 1)) {
        let body = pos + 2;
        let Some(value) = data
            .get(body..body + usize::from(len))
            .filter(|_| body + usize::from(len) <= end)
        else {
            break;
        };
        match id {
            0 if ssid.is_none() => {
                walk.span(pos, 0..2, WLAN_MGT);
                walk.span(body, 0..value.len(), WLAN_SSID);
                ssid = Some(value.to_vec());
            }
            1 if rates.is_empty() => {
                rates = value.to_vec();
                walk.span(pos, 0..2 + value.len(), WLAN_MGT);
            }
            3 if channel.is_none() => {
                channel = value.first().copied();
                walk.span(pos, 0..2 + value.len(), WLAN_MGT);
            }
            _ => walk.span(pos, 0..2 + value.len(), WLAN_MGT),
        }
        pos = body + value.len();
    }
    if pos < end {
        walk.span(pos, 0..end - pos, WLAN_MGT);
    }
    Dot11Body::Mgmt {
        ssid,
        rates,
        channel,
        capability,
    }
}

fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::{radiotap_fields, RadiotapField};
    use crate::capture::{Frame, LinkType, Timestamp};
    use crate::decode::{decode, Decoded};

    /// A radiotap header: presence words, then the fields' bytes.
    fn header(words: &[u32], fields: &[u8]) -> Vec<u8> {
        let len = 4 + 4 * words.len() + fields.len();
        let mut h = vec![0, 0];
        h.extend(u16::try_from(len).unwrap().to_le_bytes());
        for w in words {
            h.extend(w.to_le_bytes());
        }
        h.extend(fields);
        h
    }

    /// As tcpdump 4.99 reads radiotap (captures/radiotap-fields.pcap holds the same
    /// cases for tests/peers.rs): a field it does not know the size of is named by its
    /// number from the namespace's first word, and ends the reading; XCHANNEL stands for
    /// CHANNEL when both are there; a field past the header ends it too.
    #[test]
    fn radiotap_is_read_as_tcpdump_reads_it() {
        let rate = RadiotapField::Rate(12);
        // Rate, signal, then HE (23): unknown to tcpdump 4.99, so the next word's
        // signal is not read.
        let h = header(
            &[1 << 2 | 1 << 5 | 1 << 23 | 1 << 29 | 1 << 31, 1 << 5],
            &[
                12, 0xd0, 0, 0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
            ],
        );
        assert_eq!(
            radiotap_fields(&h),
            [
                rate.clone(),
                RadiotapField::DbmSignal(-48),
                RadiotapField::Unknown(23)
            ]
        );
        // A second word of the same namespace numbers its fields from 32.
        let h = header(&[1 << 2 | 1 << 31, 1], &[12; 16]);
        assert_eq!(
            radiotap_fields(&h),
            [rate.clone(), RadiotapField::Unknown(32)]
        );
        // After a radiotap namespace bit, from 0 again: a second antenna's signal.
        let h = header(&[1 << 5 | 1 << 29 | 1 << 31, 1 << 5], &[0xd3, 0xd2]);
        assert_eq!(
            radiotap_fields(&h),
            [RadiotapField::DbmSignal(-45), RadiotapField::DbmSignal(-46)]
        );
        // CHANNEL and XCHANNEL (flags, frequency, channel, power at 4-byte alignment).
        let mut f = vec![12, 0, 0x6c, 0x09, 0xa0, 0, 0, 0];
        f.extend(0x100c0u32.to_le_bytes());
        f.extend([0x85, 0x09, 6, 20]);
        let h = header(&[1 << 2 | 1 << 3 | 1 << 18], &f);
        assert_eq!(
            radiotap_fields(&h),
            [
                rate,
                RadiotapField::Xchannel {
                    freq: 2437,
                    flags: 0x100c0
                }
            ]
        );
        // TSFT needs 8 bytes: 4 are there.
        let h = header(&[1], &[0; 4]);
        assert_eq!(radiotap_fields(&h), [RadiotapField::Truncated]);
    }

    /// Found by `cargo fuzz run decode_frame`: a protected 802.11 data frame behind
    /// radiotap whose header runs past the frame's end took `ct - body_at` below zero
    /// (a panic with overflow checks, a wrapped span without). Decoded, it is labelled
    /// up to its end and no further.
    #[test]
    fn a_protected_frame_whose_header_runs_past_its_end_is_labelled_to_the_end() {
        let data = [
            0xff, 0x94, 0x18, 0x00, 0xfe, 0x00, 0x00, 0xff, 0xfe, 0xfe, 0xfe, 0x00, 0xfe, 0x6b,
            0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b,
            0x6b, 0x79, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b, 0x6b,
            0x6b, 0x6b, 0x6b, 0xfe, 0xfe, 0xff, 0x73, 0x74, 0x94, 0x58, 0x00, 0x0f, 0x0f, 0x00,
            0x00, 0x0f,
        ];
        let frame = Frame {
            number: 1,
            ts: Timestamp::new(0, 0),
            link: LinkType(127),
            interface: 0,
            orig_len: data.len() as u32 + 15,
            data: data.to_vec(),
            cut_by_eof: false,
        };
        let mut out = Decoded::default();
        decode(&frame, &mut out);
        assert!(!out.spans.is_empty());
        for s in &out.spans {
            assert!(s.range.start <= s.range.end, "{s:?}");
            assert!(s.range.end <= data.len() as u32, "{s:?} past the frame");
        }
    }
}

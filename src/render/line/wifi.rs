//! Radiotap and 802.11 as tcpdump's print-802_11.c prints them: the radio fields,
//! then (with -e) the MAC header's addresses, then the frame: a management frame's
//! subtype and SSID, a control frame's name, a protected data frame's IV, or what an
//! unprotected data frame carries (LLC/SNAP with -e, then IP as on Ethernet).

use super::link::{ethertype_name, mac};
use super::ppp::printable;
use super::Ctx;
use crate::decode::wifi::{Dot11Body, Dot11Layer, LlcSnap, RadiotapField};
use std::fmt::Write as _;

/// Radiotap's channel flags (radiotap.org, "Channel").
const CHAN_TURBO: u32 = 0x0010;
const CHAN_CCK: u32 = 0x0020;
const CHAN_OFDM: u32 = 0x0040;
const CHAN_2GHZ: u32 = 0x0080;
const CHAN_5GHZ: u32 = 0x0100;
const CHAN_DYN: u32 = 0x0400;
const CHAN_GFSK: u32 = 0x0800;
const CHAN_HALF: u32 = 0x4000;
const CHAN_QUARTER: u32 = 0x8000;
/// XCHANNEL's flags beyond CHANNEL's (net80211's `IEEE80211_CHAN_HT*`).
const CHAN_HT20: u32 = 0x0001_0000;
const CHAN_HT40U: u32 = 0x0002_0000;
const CHAN_HT40D: u32 = 0x0004_0000;

pub(super) fn radiotap(s: &mut String, fields: &[RadiotapField]) {
    for f in fields {
        match *f {
            RadiotapField::Tsft(t) => {
                let _ = write!(s, "{t}us tsft ");
            }
            RadiotapField::Flags(b) => {
                for (bit, text) in [
                    (0x01, "cfp "),
                    (0x02, "short preamble "),
                    (0x04, "wep "),
                    (0x08, "fragmented "),
                    (0x40, "bad-fcs "),
                ] {
                    if b & bit != 0 {
                        s.push_str(text);
                    }
                }
            }
            RadiotapField::Rate(r) => {
                if (0x80..=0x8f).contains(&r) {
                    let _ = write!(s, "MCS {} ", r & 0x7f);
                } else {
                    let _ = write!(s, "{:.1} Mb/s ", f64::from(r) * 0.5);
                }
            }
            RadiotapField::Channel { freq, flags } => channel(s, freq, u32::from(flags)),
            RadiotapField::Xchannel { freq, flags } => channel(s, freq, flags),
            RadiotapField::Fhss { set, pattern } => {
                let _ = write!(s, "fhset {set} fhpat {pattern} ");
            }
            RadiotapField::DbmSignal(v) => {
                let _ = write!(s, "{v}dBm signal ");
            }
            RadiotapField::DbmNoise(v) => {
                let _ = write!(s, "{v}dBm noise ");
            }
            RadiotapField::LockQuality(v) => {
                let _ = write!(s, "{v} sq ");
            }
            RadiotapField::TxAttenuation(v) => {
                let _ = write!(s, "{v} tx power ");
            }
            RadiotapField::DbTxAttenuation(v) => {
                let _ = write!(s, "{v}dB tx attenuation ");
            }
            RadiotapField::DbmTxPower(v) => {
                let _ = write!(s, "{v}dBm tx power ");
            }
            RadiotapField::Antenna(v) => {
                let _ = write!(s, "antenna {v} ");
            }
            RadiotapField::DbSignal(v) => {
                let _ = write!(s, "{v}dB signal ");
            }
            RadiotapField::DbNoise(v) => {
                let _ = write!(s, "{v}dB noise ");
            }
            RadiotapField::Mcs {
                known,
                flags,
                index,
            } => mcs(s, known, flags, index),
            RadiotapField::Vht {
                known,
                flags,
                bandwidth,
                mcs_nss,
                coding,
            } => vht(s, known, flags, bandwidth, mcs_nss, coding),
            RadiotapField::Unknown(bit) => {
                let _ = write!(s, "[bit {bit}] ");
            }
            RadiotapField::Truncated => s.push_str(" [|802.11_radio]"),
        }
    }
}

/// 802.11n's data rates at 20 MHz with the long guard interval, in units of 6.5 Mb/s,
/// by MCS index 0 to 76 (IEEE 802.11n's MCS tables; 40 MHz is 13.5 Mb/s a unit, the
/// short guard interval 10/9 of the long). MCS 32 (40 MHz only) is apart: 6 Mb/s.
const HT_RATE_UNITS: [u8; 77] = [
    1, 2, 3, 4, 6, 8, 9, 10, // one stream
    2, 4, 6, 8, 12, 16, 18, 20, // two
    3, 6, 9, 12, 18, 24, 27, 30, // three
    4, 8, 12, 16, 24, 32, 36, 40, // four
    0,  // MCS 32
    6, 8, 10, 9, 12, 15, // two streams, unequal modulation
    8, 10, 10, 12, 14, 14, 16, 12, 15, 15, 18, 21, 21, 24, // three
    10, 12, 14, 12, 14, 16, 18, 16, 18, 20, 20, 22, 15, 18, 21, 18, 21, 24, 27, 24, 27, 30, 30,
    33, // four
];

/// The radiotap MCS field as print-802_11.c prints it: the rate (when the index is
/// known, in range, and the bandwidth or the guard interval known), the index, then
/// each known property.
fn mcs(s: &mut String, known: u8, flags: u8, index: u8) {
    const BANDWIDTH_KNOWN: u8 = 0x01;
    const INDEX_KNOWN: u8 = 0x02;
    const GI_KNOWN: u8 = 0x04;
    const FORMAT_KNOWN: u8 = 0x08;
    const FEC_KNOWN: u8 = 0x10;
    const STBC_KNOWN: u8 = 0x20;
    let bandwidth = flags & 0x03;
    let short_gi = flags & 0x04 != 0;
    if known & INDEX_KNOWN != 0 {
        let bw40 = bandwidth == 1;
        let rate = if known & (BANDWIDTH_KNOWN | GI_KNOWN) == 0 {
            0.0
        } else if index == 32 {
            if bw40 {
                6.0
            } else {
                0.0
            }
        } else {
            let units = HT_RATE_UNITS.get(usize::from(index)).copied().unwrap_or(0);
            f64::from(units) * if bw40 { 13.5 } else { 6.5 }
        };
        let rate = if short_gi { rate * 10.0 / 9.0 } else { rate };
        if rate != 0.0 {
            let _ = write!(s, "{rate:.1} Mb/s MCS {index} ");
        } else {
            let _ = write!(s, "MCS {index} ");
        }
    }
    if known & BANDWIDTH_KNOWN != 0 {
        s.push_str(match bandwidth {
            0 => "20 MHz ",
            1 => "40 MHz ",
            2 => "20 MHz (L) ",
            _ => "20 MHz (U) ",
        });
    }
    if known & GI_KNOWN != 0 {
        s.push_str(if short_gi { "short GI " } else { "long GI " });
    }
    if known & FORMAT_KNOWN != 0 {
        s.push_str(if flags & 0x08 != 0 {
            "greenfield "
        } else {
            "mixed "
        });
    }
    if known & FEC_KNOWN != 0 {
        s.push_str(if flags & 0x10 != 0 {
            "LDPC FEC "
        } else {
            "BCC FEC "
        });
    }
    if known & STBC_KNOWN != 0 {
        let _ = write!(s, "RX-STBC{} ", (flags & 0x60) >> 5);
    }
}

/// Radiotap's VHT bandwidths, as tcpdump 4.99 names them (its 21st reads `(UUU)`,
/// where radiotap.org says `(LUU)`: tcpdump's line is followed).
const VHT_BANDWIDTHS: [&str; 26] = [
    "20 MHz",
    "40 MHz",
    "20 MHz (L)",
    "20 MHz (U)",
    "80 MHz",
    "80 MHz (L)",
    "80 MHz (U)",
    "80 MHz (LL)",
    "80 MHz (LU)",
    "80 MHz (UL)",
    "80 MHz (UU)",
    "160 MHz",
    "160 MHz (L)",
    "160 MHz (U)",
    "160 MHz (LL)",
    "160 MHz (LU)",
    "160 MHz (UL)",
    "160 MHz (UU)",
    "160 MHz (LLL)",
    "160 MHz (LLU)",
    "160 MHz (LUL)",
    "160 MHz (UUU)",
    "160 MHz (ULL)",
    "160 MHz (ULU)",
    "160 MHz (UUL)",
    "160 MHz (UUU)",
];

/// The radiotap VHT field as print-802_11.c prints it: each user with streams (its
/// MCS and coding), then the bandwidth and the guard interval when known.
fn vht(s: &mut String, known: u16, flags: u8, bandwidth: u8, mcs_nss: [u8; 4], coding: u8) {
    const GI_KNOWN: u16 = 0x0004;
    const BANDWIDTH_KNOWN: u16 = 0x0040;
    for (user, m) in (0u8..).zip(mcs_nss) {
        if m & 0x0f == 0 {
            continue;
        }
        let fec = if coding & (1 << user) != 0 {
            "LDPC"
        } else {
            "BCC"
        };
        let _ = write!(s, "User {user} MCS {} {fec} FEC ", m >> 4);
    }
    if known & BANDWIDTH_KNOWN != 0 {
        let bw = bandwidth & 0x1f;
        match VHT_BANDWIDTHS.get(usize::from(bw)) {
            Some(name) => {
                let _ = write!(s, "{name} ");
            }
            None => {
                let _ = write!(s, "unknown ({bw}) ");
            }
        }
    }
    if known & GI_KNOWN != 0 {
        s.push_str(if flags & 0x04 != 0 {
            "short GI "
        } else {
            "long GI "
        });
    }
}

/// print-802_11.c's `print_chaninfo`: a channel's frequency and kind, and with
/// XCHANNEL's flags its 802.11n width.
fn channel(s: &mut String, freq: u16, flags: u32) {
    let has = |m: u32| flags & m == m;
    let _ = write!(s, "{freq} MHz");
    if has(CHAN_2GHZ | CHAN_GFSK) {
        s.push_str(" FHSS");
    }
    let width = if flags & CHAN_HALF != 0 {
        "/10Mhz"
    } else if flags & CHAN_QUARTER != 0 {
        "/5Mhz"
    } else {
        ""
    };
    if has(CHAN_5GHZ | CHAN_OFDM) {
        let _ = write!(s, " 11a{width}");
    }
    if has(CHAN_2GHZ | CHAN_OFDM) || has(CHAN_2GHZ | CHAN_DYN) {
        let _ = write!(s, " 11g{width}");
    } else if has(CHAN_2GHZ | CHAN_CCK) {
        s.push_str(" 11b");
    }
    if flags & CHAN_TURBO != 0 {
        s.push_str(" Turbo");
    }
    if flags & CHAN_HT20 != 0 {
        s.push_str(" ht/20");
    } else if flags & CHAN_HT40D != 0 {
        s.push_str(" ht/40-");
    } else if flags & CHAN_HT40U != 0 {
        s.push_str(" ht/40+");
    }
    s.push(' ');
}

const SUBTYPES_MGMT: [&str; 14] = [
    "Assoc Request",
    "Assoc Response",
    "ReAssoc Request",
    "ReAssoc Response",
    "Probe Request",
    "Probe Response",
    "",
    "",
    "Beacon",
    "ATIM",
    "Disassociation",
    "Authentication",
    "DeAuthentication",
    "Action",
];

pub(super) fn dot11(s: &mut String, d: &Dot11Layer, ctx: &Ctx<'_>) {
    let a = |i: usize| d.addrs.get(i).map(mac).unwrap_or_default();
    if ctx.opts.link_header {
        header(s, d, ctx);
    }
    match &d.body {
        Dot11Body::Mgmt {
            ssid,
            rates,
            channel,
            capability,
        } => {
            let sub = d.subtype();
            match SUBTYPES_MGMT
                .get(usize::from(sub))
                .filter(|n| !n.is_empty())
            {
                Some(name) => s.push_str(name),
                None => {
                    let _ = write!(s, "Unhandled Management subtype({sub:x})");
                }
            }
            if !matches!(sub, 0 | 4 | 5 | 8) {
                return;
            }
            if let Some(ssid) = ssid {
                s.push_str(" (");
                printable(s, ssid);
                s.push(')');
            }
            if !rates.is_empty() {
                let mut sep = " [";
                for r in rates {
                    let star = if r & 0x80 != 0 { "*" } else { "" };
                    let _ = write!(s, "{sep}{:.1}{star}", f64::from(r & 0x7f) * 0.5);
                    sep = " ";
                }
                s.push_str(" Mbit]");
            }
            let cap = capability.unwrap_or(0);
            if sub == 8 {
                s.push_str(if cap & 1 != 0 { " ESS" } else { " IBSS" });
            }
            if matches!(sub, 5 | 8) {
                if let Some(ch) = channel {
                    let _ = write!(s, " CH: {ch}");
                }
                if cap & 0x10 != 0 {
                    s.push_str(", PRIVACY");
                }
            }
        }
        Dot11Body::Ctrl => {
            let sub = d.subtype();
            let name = match sub {
                7 => "Control Wrapper",
                8 => "BAR",
                9 => "BA",
                10 => "Power Save-Poll",
                11 => "Request-To-Send",
                12 => "Clear-To-Send",
                13 => "Acknowledgment",
                14 => "CF-End",
                15 => "CF-End+CF-Ack",
                _ => "Unknown Ctrl Subtype",
            };
            s.push_str(name);
            if ctx.opts.link_header {
                return;
            }
            match sub {
                10 => {
                    let _ = write!(s, " AID({:x})", d.duration);
                }
                11 => {
                    let _ = write!(s, " TA:{} ", a(1));
                }
                12..=15 => {
                    let _ = write!(s, " RA:{} ", a(0));
                }
                _ => {}
            }
        }
        Dot11Body::Data { iv, null } => {
            if *null {
                return;
            }
            if let Some(iv) = iv {
                let _ = write!(
                    s,
                    "Data IV:{:3x} Pad {:x} KeyID {:x}",
                    iv & 0x00ff_ffff,
                    (iv >> 24) & 0x3f,
                    (iv >> 30) & 0x3
                );
            }
        }
    }
}

/// `ieee_802_11_hdr_print` (with -e): at -v the frame control flags and the duration,
/// then the addresses under their roles.
fn header(s: &mut String, d: &Dot11Layer, ctx: &Ctx<'_>) {
    let flags = d.flags();
    if ctx.opts.verbose > 0 {
        for (bit, text) in [
            (0x20, "More Data "),
            (0x04, "More Fragments "),
            (0x10, "Pwr Mgmt "),
            (0x08, "Retry "),
            (0x80, "Strictly Ordered "),
            (0x40, "Protected "),
        ] {
            if flags & bit != 0 {
                s.push_str(text);
            }
        }
        if d.kind() != 1 || d.subtype() != 10 {
            let _ = write!(s, "{}us ", d.duration);
        }
    }
    let a = |i: usize| d.addrs.get(i).map(mac).unwrap_or_default();
    match d.kind() {
        0 => {
            let _ = write!(s, "BSSID:{} DA:{} SA:{} ", a(2), a(0), a(1));
        }
        1 => match d.subtype() {
            10 => {
                let _ = write!(s, "BSSID:{} TA:{} ", a(0), a(1));
            }
            11 => {
                let _ = write!(s, "RA:{} TA:{} ", a(0), a(1));
            }
            12..=15 => {
                let _ = write!(s, "RA:{} ", a(0));
            }
            _ => {}
        },
        _ => match flags & 3 {
            0 => {
                let _ = write!(s, "DA:{} SA:{} BSSID:{} ", a(0), a(1), a(2));
            }
            2 => {
                let _ = write!(s, "DA:{} BSSID:{} SA:{} ", a(0), a(1), a(2));
            }
            1 => {
                let _ = write!(s, "BSSID:{} SA:{} DA:{} ", a(0), a(1), a(2));
            }
            _ => {
                let _ = write!(s, "RA:{} TA:{} DA:{} SA:{} ", a(0), a(1), a(2), a(3));
            }
        },
    }
}

/// print-llc.c's SNAP line (with -e).
pub(super) fn llc(s: &mut String, l: &LlcSnap, ctx: &Ctx<'_>) {
    if !ctx.opts.link_header {
        return;
    }
    let _ = write!(
        s,
        "LLC, dsap SNAP (0x{:02x}) Individual, ssap SNAP (0x{:02x}) Command, ctrl 0x{:02x}: ",
        l.dsap, l.ssap, l.control
    );
    let oui = match l.oui {
        0x000000 => "Ethernet",
        0x00000c => "Cisco",
        0x0000f8 => "Cisco bridged",
        _ => "Unknown",
    };
    let kind = if l.oui == 0 { "ethertype" } else { "pid" };
    let _ = write!(
        s,
        "oui {oui} (0x{:06x}), {kind} {} (0x{:04x}), length {}: ",
        l.oui,
        ethertype_name(l.ethertype),
        l.ethertype,
        l.len
    );
}

#[cfg(test)]
mod tests {
    use super::{mcs, vht};

    /// Lines tcpdump 4.99 printed for these VHT fields.
    #[test]
    fn vht_reads_as_tcpdump_prints_it() {
        for (known, flags, bw, users, coding, tcpdump) in [
            (
                0x0040,
                0,
                4,
                [0x91, 0, 0, 0],
                0,
                "User 0 MCS 9 BCC FEC 80 MHz ",
            ),
            (
                0x0040,
                0,
                26,
                [0x91, 0, 0, 0],
                0,
                "User 0 MCS 9 BCC FEC unknown (26) ",
            ),
            (
                0x0040,
                0,
                33,
                [0x91, 0, 0, 0],
                0,
                "User 0 MCS 9 BCC FEC 40 MHz ",
            ),
            (
                0x0044,
                4,
                4,
                [0x10, 0x21, 0x32, 0x43],
                0x0a,
                "User 1 MCS 2 LDPC FEC User 2 MCS 3 BCC FEC User 3 MCS 4 LDPC FEC 80 MHz short GI ",
            ),
            (0x0044, 4, 4, [0; 4], 0xff, "80 MHz short GI "),
            (0x0004, 0, 4, [0; 4], 0, "long GI "),
        ] {
            let mut s = String::new();
            vht(&mut s, known, flags, bw, users, coding);
            assert_eq!(s, tcpdump);
        }
    }

    /// Lines tcpdump 4.99 printed for these MCS fields (captures/radiotap-fields.pcap
    /// and tests/peers.rs compare the rest).
    #[test]
    fn mcs_reads_as_tcpdump_prints_it() {
        for (known, flags, index, tcpdump) in [
            (0x07, 0x00, 0, "6.5 Mb/s MCS 0 20 MHz long GI "),
            (0x07, 0x05, 31, "600.0 Mb/s MCS 31 40 MHz short GI "),
            (0x07, 0x04, 31, "288.9 Mb/s MCS 31 20 MHz short GI "),
            (0x07, 0x04, 32, "MCS 32 20 MHz short GI "),
            (0x07, 0x05, 32, "6.7 Mb/s MCS 32 40 MHz short GI "),
            (0x07, 0x04, 76, "238.3 Mb/s MCS 76 20 MHz short GI "),
            (0x07, 0x01, 77, "MCS 77 40 MHz long GI "),
            (0x03, 0x02, 3, "26.0 Mb/s MCS 3 20 MHz (L) "),
            (0x02, 0x00, 3, "MCS 3 "),
            (
                0x3f,
                0x25,
                7,
                "150.0 Mb/s MCS 7 40 MHz short GI mixed BCC FEC RX-STBC1 ",
            ),
        ] {
            let mut s = String::new();
            mcs(&mut s, known, flags, index);
            assert_eq!(s, tcpdump);
        }
    }
}

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
            RadiotapField::Unknown(bit) => {
                let _ = write!(s, "[bit {bit}] ");
            }
            RadiotapField::Truncated => s.push_str(" [|802.11_radio]"),
        }
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

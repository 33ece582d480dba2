//! Where frames come from. [`file`] reads pcap and pcapng (from a path or stdin);
//! live capture (feature `live`) produces the same [`Frame`]s.
//!
//! A `Frame` owns its bytes: the engine may hold it until every payload byte is
//! classified (deferred release), so it cannot borrow the reader's buffer.

mod blocks;
pub mod file;
pub mod ifnames;
#[cfg(feature = "live")]
pub mod live;
pub mod pcapng_write;

use std::fmt;

/// libpcap's MAXIMUM_SNAPLEN: the largest captured length of one packet that libpcap
/// and tcpdump accept, and the snap length eavesdrop captures with.
pub const MAX_SNAPLEN: u32 = 262_144;

/// A capture's link-layer header type (LINKTYPE_* from the tcpdump.org registry).
/// Open: unknown values are kept and printed as numbers.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    /// DLT_RAW on most systems.
    pub const RAW_12: LinkType = LinkType(12);
    /// DLT_RAW on OpenBSD.
    pub const RAW_14: LinkType = LinkType(14);
    pub const RAW: LinkType = LinkType(101);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);
    pub const SLIP: LinkType = LinkType(8);
    pub const PPP: LinkType = LinkType(9);
    pub const PPP_HDLC: LinkType = LinkType(50);
    pub const C_HDLC: LinkType = LinkType(104);
    pub const IEEE802_11: LinkType = LinkType(105);
    pub const FRELAY: LinkType = LinkType(107);
    pub const PFLOG: LinkType = LinkType(117);
    pub const IEEE802_11_RADIOTAP: LinkType = LinkType(127);
    pub const NFLOG: LinkType = LinkType(239);
    pub const IPOIB: LinkType = LinkType(242);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            LinkType::NULL => "NULL",
            LinkType::ETHERNET => "EN10MB",
            LinkType::RAW_12 | LinkType::RAW_14 | LinkType::RAW => "RAW",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            LinkType::IEEE802_11 => "IEEE802_11",
            LinkType::IEEE802_11_RADIOTAP => "IEEE802_11_RADIOTAP",
            LinkType::PPP => "PPP",
            LinkType::PPP_HDLC => "PPP_HDLC",
            LinkType::C_HDLC => "C_HDLC",
            LinkType::FRELAY => "FRELAY",
            LinkType::SLIP => "SLIP",
            LinkType::PFLOG => "PFLOG",
            LinkType::IPOIB => "IPOIB",
            LinkType::NFLOG => "NFLOG",
            LinkType(252) => "WIRESHARK_UPPER_PDU",
            _ => return None,
        })
    }

    /// Whether eavesdrop decodes frames of this link type.
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            LinkType::NULL
                | LinkType::ETHERNET
                | LinkType::RAW_12
                | LinkType::RAW_14
                | LinkType::RAW
                | LinkType::LOOP
                | LinkType::LINUX_SLL
                | LinkType::IPV4
                | LinkType::IPV6
                | LinkType::LINUX_SLL2
                | LinkType::SLIP
                | LinkType::PPP
                | LinkType::PPP_HDLC
                | LinkType::C_HDLC
                | LinkType::IEEE802_11
                | LinkType::FRELAY
                | LinkType::PFLOG
                | LinkType::IEEE802_11_RADIOTAP
                | LinkType::NFLOG
                | LinkType::IPOIB
        )
    }
}

impl fmt::Debug for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A capture timestamp: seconds since the Unix epoch and nanoseconds (below 10^9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub sec: i64,
    pub nsec: u32,
    /// A legacy pcap record's time fields as they were read, when tcpdump would print
    /// them otherwise than `sec` and `nsec` say (see [`RawTime`]); `None` for the rest.
    pub raw: Option<RawTime>,
}

/// A legacy pcap record's seconds and fraction as libpcap hands them on: signed 32-bit
/// fields, not normalised. Kept when the fraction is out of range (10^6 microseconds
/// or more, 10^9 nanoseconds or more) or the seconds have bit 31 set, so that the
/// packet line prints them as tcpdump does (`.1500000`, `[Error converting time]`);
/// the timestamp's `sec` and `nsec` hold the normalised time everything else uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RawTime {
    pub sec: i32,
    pub frac: i32,
    /// The fraction counts nanoseconds (a nanosecond pcap), not microseconds.
    pub nano: bool,
}

impl Timestamp {
    /// A normalised timestamp (`nsec` below 10^9).
    pub const fn new(sec: i64, nsec: u32) -> Timestamp {
        Timestamp {
            sec,
            nsec,
            raw: None,
        }
    }

    /// A legacy pcap record's time fields (seconds, then micro- or nanoseconds).
    /// libpcap hands them on as signed 32-bit numbers, unnormalised; the timestamp is
    /// normalised and keeps the fields as read when tcpdump would print them
    /// differently ([`RawTime`]).
    pub fn from_legacy(sec: u32, frac: u32, nano: bool) -> Timestamp {
        let per_sec: u32 = if nano { 1_000_000_000 } else { 1_000_000 };
        let raw = (frac >= per_sec || sec & 0x8000_0000 != 0).then_some(RawTime {
            sec: i32::from_ne_bytes(sec.to_ne_bytes()),
            frac: i32::from_ne_bytes(frac.to_ne_bytes()),
            nano,
        });
        Timestamp {
            sec: i64::from(sec) + i64::from(frac / per_sec),
            nsec: (frac % per_sec) * (1_000_000_000 / per_sec),
            raw,
        }
    }

    pub fn micros(self) -> u32 {
        self.nsec / 1000
    }
}

/// One captured frame, owned.
#[derive(Clone, Debug)]
pub struct Frame {
    /// 1-based position in the capture, as tcpdump's `-#` and Wireshark count.
    pub number: u64,
    pub ts: Timestamp,
    pub link: LinkType,
    /// Interface number, unique across pcapng sections (0 for legacy pcap).
    pub interface: u32,
    /// Length of the frame on the wire; `data.len()` is what was captured.
    pub orig_len: u32,
    pub data: Vec<u8>,
    /// The record was cut off by the end of the file, not by the snap length.
    pub cut_by_eof: bool,
}

impl Frame {
    pub fn cap_len(&self) -> u32 {
        u32::try_from(self.data.len()).unwrap_or(u32::MAX)
    }
}

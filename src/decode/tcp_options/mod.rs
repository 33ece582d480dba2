//! TCP options, RFC 9293 section 3.2, as tcpdump 4.99's print-tcp.c walks them.
//!
//! [`TcpOptions::decode`] turns the captured option bytes of one header into an owned
//! list, in the order and with the stops of tcpdump's walk, so that the packet-line
//! renderer only formats it:
//!
//! - the walk steps over the kind byte, the length byte and the data *its kind defines*
//!   (`consumed`), not over the declared length; a disagreement is tcpdump's `[len N]`,
//!   and the next option is read from where the walk stands;
//! - a length byte below 2 or past the header ends the walk before the option
//!   ([`OptionsEnd::BadLength`]); a kind or length byte past the capture ends it too
//!   ([`OptionsEnd::CutOff`], tcpdump's GET macros giving up);
//! - inside an option, each of tcpdump's LENCHECKs may stop the walk: past the header
//!   length ([`OptionsEnd::Bad`]) or past the captured bytes ([`OptionsEnd::Truncated`]).
//!   The option's value then holds what was decoded before the check (SACK blocks,
//!   TCP-AO key ids and MAC bytes, hex bytes are checked piece by piece).
//!
//! Decoding is on demand: a frame keeps its option bytes inline ([`super::tcp::OptionBytes`])
//! and only the packet line asks for the list, so `flows` never pays for it.

use super::tcp::TcpFixed;
use std::fmt;

/// Bytes of the fixed TCP header before the options.
const FIXED_LEN: u32 = 20;

/// An option kind (IANA "TCP Option Kind Numbers"). Open: unknown kinds are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpOptionKind(pub u8);

impl TcpOptionKind {
    /// End of option list, RFC 9293 section 3.2.
    pub const EOL: TcpOptionKind = TcpOptionKind(0);
    /// No-operation, RFC 9293 section 3.2.
    pub const NOP: TcpOptionKind = TcpOptionKind(1);
    /// Maximum segment size, RFC 9293 section 3.2.
    pub const MSS: TcpOptionKind = TcpOptionKind(2);
    /// Window scale, RFC 7323 section 2.
    pub const WSCALE: TcpOptionKind = TcpOptionKind(3);
    /// SACK permitted, RFC 2018 section 2.
    pub const SACK_PERMITTED: TcpOptionKind = TcpOptionKind(4);
    /// SACK, RFC 2018 section 3.
    pub const SACK: TcpOptionKind = TcpOptionKind(5);
    /// Echo, RFC 1072 (obsolete).
    pub const ECHO: TcpOptionKind = TcpOptionKind(6);
    /// Echo reply, RFC 1072 (obsolete).
    pub const ECHO_REPLY: TcpOptionKind = TcpOptionKind(7);
    /// Timestamps, RFC 7323 section 3.
    pub const TIMESTAMPS: TcpOptionKind = TcpOptionKind(8);
    /// CC, RFC 1644 (obsolete).
    pub const CC: TcpOptionKind = TcpOptionKind(11);
    /// CC.NEW, RFC 1644 (obsolete).
    pub const CC_NEW: TcpOptionKind = TcpOptionKind(12);
    /// CC.ECHO, RFC 1644 (obsolete).
    pub const CC_ECHO: TcpOptionKind = TcpOptionKind(13);
    /// MD5 signature, RFC 2385.
    pub const MD5: TcpOptionKind = TcpOptionKind(19);
    /// SCPS capabilities, CCSDS 714.0-B-2.
    pub const SCPS: TcpOptionKind = TcpOptionKind(20);
    /// User timeout, RFC 5482.
    pub const UTO: TcpOptionKind = TcpOptionKind(28);
    /// TCP authentication option, RFC 5925 section 2.2.
    pub const TCP_AO: TcpOptionKind = TcpOptionKind(29);
    /// Multipath TCP, RFC 8684 section 3 (kept as raw bytes for now).
    pub const MPTCP: TcpOptionKind = TcpOptionKind(30);
    /// TCP Fast Open cookie, RFC 7413 section 4.1.1.
    pub const FAST_OPEN: TcpOptionKind = TcpOptionKind(34);
    /// Experimental option with an ExID, RFC 6994.
    pub const EXPERIMENTAL: TcpOptionKind = TcpOptionKind(254);

    /// EOL and NOP are one byte, without a length byte.
    pub fn has_length(self) -> bool {
        self != TcpOptionKind::EOL && self != TcpOptionKind::NOP
    }

    fn name(self) -> Option<&'static str> {
        Some(match self {
            TcpOptionKind::EOL => "EOL",
            TcpOptionKind::NOP => "NOP",
            TcpOptionKind::MSS => "MSS",
            TcpOptionKind::WSCALE => "WSCALE",
            TcpOptionKind::SACK_PERMITTED => "SACK_PERMITTED",
            TcpOptionKind::SACK => "SACK",
            TcpOptionKind::ECHO => "ECHO",
            TcpOptionKind::ECHO_REPLY => "ECHO_REPLY",
            TcpOptionKind::TIMESTAMPS => "TIMESTAMPS",
            TcpOptionKind::CC => "CC",
            TcpOptionKind::CC_NEW => "CC_NEW",
            TcpOptionKind::CC_ECHO => "CC_ECHO",
            TcpOptionKind::MD5 => "MD5",
            TcpOptionKind::SCPS => "SCPS",
            TcpOptionKind::UTO => "UTO",
            TcpOptionKind::TCP_AO => "TCP_AO",
            TcpOptionKind::MPTCP => "MPTCP",
            TcpOptionKind::FAST_OPEN => "FAST_OPEN",
            TcpOptionKind::EXPERIMENTAL => "EXPERIMENTAL",
            _ => return None,
        })
    }
}

impl fmt::Debug for TcpOptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "TcpOptionKind({:#04x})", self.0),
        }
    }
}

/// One SACK block, RFC 2018 section 3: left and right edge, absolute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SackBlock {
    pub left: u32,
    pub right: u32,
}

/// TCP-AO's fields, RFC 5925 section 2.2; `None` where the walk stopped before them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpAo {
    pub keyid: Option<u8>,
    pub rnext_keyid: Option<u8>,
    /// The MAC bytes decoded; `None` when the option has no MAC (length 4) or the walk
    /// stopped before it.
    pub mac: Option<Vec<u8>>,
}

/// A Fast Open cookie field, RFC 7413 section 4.1.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TfoCookie {
    /// No cookie bytes: the client asks for one.
    Request,
    /// A cookie of 4 to 16 bytes, even in number.
    Cookie(Vec<u8>),
    /// Cookie bytes of a length the RFC does not allow (odd, below 4 or above 16).
    Invalid { len: usize },
}

impl TfoCookie {
    fn decode(data: &[u8]) -> TfoCookie {
        if data.is_empty() {
            TfoCookie::Request
        } else if data.len() % 2 != 0 || data.len() < 4 || data.len() > 16 {
            TfoCookie::Invalid { len: data.len() }
        } else {
            TfoCookie::Cookie(data.to_vec())
        }
    }
}

/// The user timeout field, RFC 5482 section 3: as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserTimeout {
    pub raw: u16,
}

impl UserTimeout {
    /// The number tcpdump 4.99 prints after the raw value: it takes the *lowest* bit as
    /// the granularity (minutes when set) and the upper 15 bits as the timeout, where
    /// RFC 5482 puts the granularity in the highest bit.
    pub fn tcpdump_value(self) -> u32 {
        let raw = u32::from(self.raw);
        if raw & 1 != 0 {
            (raw >> 1) * 60
        } else {
            raw >> 1
        }
    }
}

/// What an option carries, as far as the walk decoded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOptionValue {
    /// EOL, NOP and SACK permitted carry no data.
    Empty,
    /// Nothing decoded: the walk stopped at the option's first check.
    Missing,
    Mss(u16),
    Wscale(u8),
    /// `count` blocks as the length announces, `blocks` those decoded.
    Sack {
        count: u8,
        blocks: Vec<SackBlock>,
    },
    /// A SACK length that is not 2 plus a multiple of 8: the data is stepped over.
    SackBadLength,
    /// One 32-bit value: echo, echo reply, CC, CC.NEW, CC.ECHO.
    Word(u32),
    Timestamps {
        val: u32,
        ecr: u32,
    },
    Md5([u8; 16]),
    /// SCPS capability bits and connection id.
    Scps {
        cap: u8,
        id: u8,
    },
    TcpAo(TcpAo),
    /// A TCP-AO option too short for its two key ids: the data is stepped over.
    TcpAoTooShort,
    Uto(UserTimeout),
    FastOpen(TfoCookie),
    /// RFC 6994: the ExID, and the cookie when it is Fast Open's pre-RFC 0xf989.
    Experimental {
        exid: u16,
        fast_open: Option<TfoCookie>,
    },
    /// Data shown as bytes (unknown kinds; MPTCP for now): those decoded.
    Raw(Vec<u8>),
}

/// One option as the walk met it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpOption {
    pub kind: TcpOptionKind,
    /// The length byte; 1 for EOL and NOP, which have none.
    pub len: u8,
    /// Bytes the walk stepped over: kind, length byte and the data the kind defines.
    /// For an option the walk stopped inside, the bytes it would have stepped over.
    pub consumed: u32,
    pub value: TcpOptionValue,
}

impl TcpOption {
    /// Data bytes the length byte declares (0 for EOL and NOP).
    pub fn declared_data_len(&self) -> u32 {
        if self.kind.has_length() {
            u32::from(self.len).saturating_sub(2)
        } else {
            0
        }
    }

    /// The walk stepped over a different number of bytes than the option declares
    /// (tcpdump's `[len N]`).
    pub fn length_disagrees(&self) -> bool {
        self.consumed != u32::from(self.len)
    }
}

/// Where and why the walk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionsEnd {
    /// Every header byte walked, or an EOL met.
    Complete,
    /// The capture ends before the next option's kind byte (`kind: None`) or length
    /// byte.
    CutOff { kind: Option<TcpOptionKind> },
    /// The next option's length byte is below 2 or runs past the header.
    BadLength { kind: TcpOptionKind, len: u8 },
    /// The last option's data runs past the captured bytes; its value is partial.
    Truncated,
    /// The last option's data runs past the header length, or is too short for its
    /// kind; its value is partial.
    Bad,
}

/// The options of one TCP header, in wire order, and how the walk ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpOptions {
    pub options: Vec<TcpOption>,
    pub end: OptionsEnd,
}

/// Why a LENCHECK stopped the walk inside an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Truncated,
    Bad,
}

impl From<Stop> for OptionsEnd {
    fn from(stop: Stop) -> OptionsEnd {
        match stop {
            Stop::Truncated => OptionsEnd::Truncated,
            Stop::Bad => OptionsEnd::Bad,
        }
    }
}

/// An option's data: the captured bytes from its start, and the header bytes left.
struct Data<'a> {
    bytes: &'a [u8],
    room: u32,
}

impl Data<'_> {
    /// tcpdump's LENCHECK: `n` data bytes lie within the header and the capture.
    fn check(&self, n: u32) -> Result<(), Stop> {
        if n > self.room {
            return Err(Stop::Bad);
        }
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() => Ok(()),
            _ => Err(Stop::Truncated),
        }
    }

    fn u8(&self, at: u32) -> u8 {
        usize::try_from(at)
            .ok()
            .and_then(|at| self.bytes.get(at))
            .copied()
            .unwrap_or(0)
    }

    fn be16(&self, at: u32) -> u16 {
        u16::from_be_bytes([self.u8(at), self.u8(at + 1)])
    }

    fn be32(&self, at: u32) -> u32 {
        u32::from_be_bytes([
            self.u8(at),
            self.u8(at + 1),
            self.u8(at + 2),
            self.u8(at + 3),
        ])
    }

    /// Bytes `from..to`, as far as captured.
    fn slice(&self, from: u32, to: u32) -> &[u8] {
        let from = usize::try_from(from).unwrap_or(usize::MAX);
        let to = usize::try_from(to).unwrap_or(usize::MAX);
        self.bytes
            .get(from..to.min(self.bytes.len()))
            .unwrap_or(&[])
    }
}

/// An option's value: the data length the kind defines, the value, and the check that
/// stopped the walk inside it, if one did.
type Decoded = (u32, TcpOptionValue, Option<Stop>);

fn whole(datalen: u32, d: &Data<'_>, value: impl FnOnce() -> TcpOptionValue) -> Decoded {
    match d.check(datalen) {
        Ok(()) => (datalen, value(), None),
        Err(stop) => (datalen, TcpOptionValue::Missing, Some(stop)),
    }
}

fn value(kind: TcpOptionKind, len: u8, d: &Data<'_>) -> Decoded {
    let declared = u32::from(len).saturating_sub(2);
    match kind {
        TcpOptionKind::EOL | TcpOptionKind::NOP | TcpOptionKind::SACK_PERMITTED => {
            (0, TcpOptionValue::Empty, None)
        }
        TcpOptionKind::MSS => whole(2, d, || TcpOptionValue::Mss(d.be16(0))),
        TcpOptionKind::WSCALE => whole(1, d, || TcpOptionValue::Wscale(d.u8(0))),
        TcpOptionKind::SACK => {
            if declared % 8 != 0 {
                return (declared, TcpOptionValue::SackBadLength, None);
            }
            let mut blocks = Vec::new();
            let mut decode = || -> Result<(), Stop> {
                for at in (0..declared).step_by(8) {
                    d.check(at + 4)?;
                    d.check(at + 8)?;
                    blocks.push(SackBlock {
                        left: d.be32(at),
                        right: d.be32(at + 4),
                    });
                }
                Ok(())
            };
            let stop = decode().err();
            let count = u8::try_from(declared / 8).unwrap_or(u8::MAX);
            (declared, TcpOptionValue::Sack { count, blocks }, stop)
        }
        TcpOptionKind::ECHO
        | TcpOptionKind::ECHO_REPLY
        | TcpOptionKind::CC
        | TcpOptionKind::CC_NEW
        | TcpOptionKind::CC_ECHO => whole(4, d, || TcpOptionValue::Word(d.be32(0))),
        TcpOptionKind::TIMESTAMPS => whole(8, d, || TcpOptionValue::Timestamps {
            val: d.be32(0),
            ecr: d.be32(4),
        }),
        TcpOptionKind::MD5 => whole(16, d, || {
            let mut sig = [0u8; 16];
            for (at, b) in (0u32..).zip(sig.iter_mut()) {
                *b = d.u8(at);
            }
            TcpOptionValue::Md5(sig)
        }),
        TcpOptionKind::SCPS => whole(2, d, || TcpOptionValue::Scps {
            cap: d.u8(0),
            id: d.u8(1),
        }),
        TcpOptionKind::TCP_AO => {
            if declared < 2 {
                return (declared, TcpOptionValue::TcpAoTooShort, None);
            }
            let mut ao = TcpAo::default();
            let mut decode = || -> Result<(), Stop> {
                d.check(1)?;
                ao.keyid = Some(d.u8(0));
                d.check(2)?;
                ao.rnext_keyid = Some(d.u8(1));
                if declared > 2 {
                    let mac = ao.mac.insert(Vec::new());
                    for at in 2..declared {
                        d.check(at + 1)?;
                        mac.push(d.u8(at));
                    }
                }
                Ok(())
            };
            let stop = decode().err();
            (declared, TcpOptionValue::TcpAo(ao), stop)
        }
        TcpOptionKind::UTO => whole(2, d, || TcpOptionValue::Uto(UserTimeout { raw: d.be16(0) })),
        TcpOptionKind::FAST_OPEN => whole(declared, d, || {
            TcpOptionValue::FastOpen(TfoCookie::decode(d.slice(0, declared)))
        }),
        TcpOptionKind::EXPERIMENTAL => {
            if let Err(stop) = d.check(declared) {
                return (declared, TcpOptionValue::Missing, Some(stop));
            }
            if declared < 2 {
                return (declared, TcpOptionValue::Missing, Some(Stop::Bad));
            }
            let exid = d.be16(0);
            let fast_open =
                (exid == EXID_FAST_OPEN).then(|| TfoCookie::decode(d.slice(2, declared)));
            (
                declared,
                TcpOptionValue::Experimental { exid, fast_open },
                None,
            )
        }
        // MPTCP (RFC 8684) until its subtypes are decoded, and every unknown kind: the
        // data as bytes, each checked on its own.
        TcpOptionKind::MPTCP | TcpOptionKind(_) => {
            let mut raw = Vec::new();
            let mut decode = || -> Result<(), Stop> {
                for at in 0..declared {
                    d.check(at + 1)?;
                    raw.push(d.u8(at));
                }
                Ok(())
            };
            let stop = decode().err();
            (declared, TcpOptionValue::Raw(raw), stop)
        }
    }
}

/// The ExID of Fast Open before it had a kind of its own (RFC 7413 section 4.1.1).
pub const EXID_FAST_OPEN: u16 = 0xf989;

impl TcpOptions {
    /// Walks `captured` option bytes of a header that declares `header_len` bytes
    /// (fixed part included) as tcpdump does.
    pub fn decode(captured: &[u8], header_len: u32) -> TcpOptions {
        let mut options = Vec::new();
        let end = walk(captured, header_len, &mut options);
        TcpOptions { options, end }
    }

    /// [`TcpOptions::decode`] into `self`, reusing its room (the packet line decodes
    /// every header's options).
    pub fn decode_into(&mut self, captured: &[u8], header_len: u32) {
        self.options.clear();
        self.end = walk(captured, header_len, &mut self.options);
    }
}

impl Default for TcpOptions {
    /// No options, a complete walk.
    fn default() -> TcpOptions {
        TcpOptions {
            options: Vec::new(),
            end: OptionsEnd::Complete,
        }
    }
}

impl TcpFixed {
    /// This header's options, decoded now (the frame keeps only the bytes).
    pub fn decode_options(&self) -> TcpOptions {
        TcpOptions::decode(self.options.as_slice(), self.header_len)
    }

    /// [`TcpFixed::decode_options`] into `out`, reusing its room.
    pub fn decode_options_into(&self, out: &mut TcpOptions) {
        out.decode_into(self.options.as_slice(), self.header_len);
    }
}

fn walk(bytes: &[u8], header_len: u32, out: &mut Vec<TcpOption>) -> OptionsEnd {
    // Header bytes left to walk, and where the walk stands in the captured bytes.
    let mut hlen = header_len.saturating_sub(FIXED_LEN);
    let mut cp = 0usize;
    while hlen > 0 {
        let Some(&kind) = bytes.get(cp) else {
            return OptionsEnd::CutOff { kind: None };
        };
        let kind = TcpOptionKind(kind);
        cp += 1;
        let len = if kind.has_length() {
            let Some(&len) = bytes.get(cp) else {
                return OptionsEnd::CutOff { kind: Some(kind) };
            };
            cp += 1;
            if len < 2 || u32::from(len) > hlen {
                return OptionsEnd::BadLength { kind, len };
            }
            hlen = hlen.saturating_sub(1);
            len
        } else {
            1
        };
        hlen = hlen.saturating_sub(1);
        let data = Data {
            bytes: bytes.get(cp..).unwrap_or(&[]),
            room: hlen,
        };
        let (datalen, value, stop) = value(kind, len, &data);
        let header = if kind.has_length() { 2 } else { 1 };
        out.push(TcpOption {
            kind,
            len,
            consumed: datalen + header,
            value,
        });
        if let Some(stop) = stop {
            return stop.into();
        }
        cp = cp.saturating_add(usize::try_from(datalen).unwrap_or(usize::MAX));
        hlen = hlen.saturating_sub(datalen);
        if kind == TcpOptionKind::EOL {
            break;
        }
    }
    OptionsEnd::Complete
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

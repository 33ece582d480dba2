//! Turning pcap and pcapng blocks into frames: legacy records and their timestamps,
//! pcapng's Enhanced, Simple and Obsolete Packet Blocks with their interface's link
//! type and timestamp resolution, sections and interface descriptions, and the
//! partial last record of a cut-off file. The reading loop is in [`super::file`].

use super::file::{
    CaptureError, Interface, ReadWarning, ReaderState, Sharded, PCAPNG_EPB, PCAPNG_OPB,
};
use super::{Frame, LinkType, Timestamp};
use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};

/// libpcap's LT_LINKTYPE mask (LINKTYPE_LINKTYPE_MASK): the link type proper, below
/// the FCS-length bits a legacy pcap header may carry.
const LINKTYPE_MASK: u32 = 0x03FF_FFFF;
const MAX_SNAPLEN: u32 = super::MAX_SNAPLEN;

impl ReaderState {
    pub(super) fn partial_legacy(&mut self, data: &[u8], big_endian: bool) -> Option<Frame> {
        let sec = read_u32(data, 0, big_endian)?;
        let frac = read_u32(data, 4, big_endian)?;
        let orig_len = read_u32(data, 12, big_endian)?;
        let bytes = self.legacy_data(data.get(16..)?).to_vec();
        self.frames += 1;
        Some(Frame {
            number: self.frames,
            ts: self.legacy_ts(sec, frac),
            link: self.legacy_link,
            interface: 0,
            orig_len,
            data: bytes,
            cut_by_eof: true,
        })
    }

    pub(super) fn partial_epb(&mut self, data: &[u8]) -> Option<Frame> {
        let big_endian = self.interfaces_big_endian;
        if read_u32(data, 0, big_endian)? != PCAPNG_EPB {
            return None;
        }
        let if_id = read_u32(data, 8, big_endian)?;
        let high = read_u32(data, 12, big_endian)?;
        let low = read_u32(data, 16, big_endian)?;
        let caplen = read_u32(data, 20, big_endian)?;
        let orig_len = read_u32(data, 24, big_endian)?;
        let avail = data.get(28..)?;
        let take = avail
            .len()
            .min(usize::try_from(caplen).unwrap_or(usize::MAX));
        let bytes = avail.get(..take)?.to_vec();
        let iface = self.interfaces.get(usize::try_from(if_id).ok()?)?.clone();
        self.frames += 1;
        Some(Frame {
            number: self.frames,
            ts: pcapng_ts(high, low, &iface),
            link: iface.link,
            interface: iface.global,
            orig_len,
            data: bytes,
            cut_by_eof: true,
        })
    }

    pub(super) fn legacy_ts(&self, sec: u32, frac: u32) -> Timestamp {
        Timestamp::from_legacy(sec, frac, self.legacy_nano)
    }

    /// A legacy record's captured bytes, cut to the file's snapshot length as libpcap
    /// does (it reads that many and discards the rest of the record).
    pub(super) fn legacy_data<'d>(&self, data: &'d [u8]) -> &'d [u8] {
        let snap = usize::try_from(self.legacy_snaplen).unwrap_or(usize::MAX);
        data.get(..snap).unwrap_or(data)
    }

    /// A copy of `bytes` in a recycled buffer when there is one; nothing (an empty
    /// vector, the length noted in `sharded`) for a frame of another shard.
    pub(super) fn buffer(&mut self, link: LinkType, bytes: &[u8]) -> Vec<u8> {
        self.sharded = Sharded::Undecided;
        if let Some((shards, index)) = self.shard {
            if crate::decode::shard_of_bytes(link, bytes, shards) != index {
                self.sharded = Sharded::Other(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
                return Vec::new();
            }
            self.sharded = Sharded::Mine;
        }
        match self.spare.pop() {
            Some(mut v) => {
                v.clear();
                v.extend_from_slice(bytes);
                v
            }
            None => bytes.to_vec(),
        }
    }

    pub(super) fn handle_block(
        &mut self,
        block: PcapBlockOwned<'_>,
    ) -> Result<Option<Frame>, CaptureError> {
        match block {
            PcapBlockOwned::LegacyHeader(header) => {
                // libpcap keeps the low 26 bits (LT_LINKTYPE): the upper ones say
                // whether frames carry an FCS and how long it is.
                self.legacy_link =
                    LinkType(u32::from_ne_bytes(header.network.0.to_ne_bytes()) & LINKTYPE_MASK);
                // pcap_adjust_snapshot: 0, negative or too large means the maximum.
                self.legacy_snaplen = match header.snaplen {
                    0 => MAX_SNAPLEN,
                    n if n > MAX_SNAPLEN => MAX_SNAPLEN,
                    n => n,
                };
                Ok(None)
            }
            PcapBlockOwned::Legacy(b) => {
                self.frames += 1;
                Ok(Some(Frame {
                    number: self.frames,
                    ts: self.legacy_ts(b.ts_sec, b.ts_usec),
                    link: self.legacy_link,
                    interface: 0,
                    orig_len: b.origlen,
                    data: self.buffer(self.legacy_link, self.legacy_data(b.data)),
                    cut_by_eof: false,
                }))
            }
            PcapBlockOwned::NG(block) => self.handle_ng(block),
        }
    }

    pub(super) fn handle_ng(&mut self, block: Block<'_>) -> Result<Option<Frame>, CaptureError> {
        match block {
            Block::SectionHeader(shb) => {
                self.interfaces.clear();
                self.interfaces_big_endian = shb.big_endian();
                Ok(None)
            }
            Block::InterfaceDescription(idb) => {
                let resolution = ts_resolution(idb.if_tsresol).unwrap_or_else(|| {
                    self.warnings.push(ReadWarning {
                        offset: self.offset,
                        message: format!(
                            "interface {} declares an impossible timestamp resolution \
                             (if_tsresol {:#04x}); assuming microseconds",
                            self.interfaces.len(),
                            idb.if_tsresol
                        ),
                    });
                    1_000_000
                });
                let global = self.next_global_interface;
                self.next_global_interface = self.next_global_interface.saturating_add(1);
                self.interfaces.push(Interface {
                    link: LinkType(idb.linktype.0 as u32),
                    resolution,
                    offset: idb.if_tsoffset,
                    global,
                });
                Ok(None)
            }
            Block::EnhancedPacket(epb) => {
                let iface = self.interface(epb.if_id)?;
                self.frames += 1;
                let caplen = usize::try_from(epb.caplen).unwrap_or(usize::MAX);
                let data = epb.data.get(..caplen).unwrap_or(epb.data);
                Ok(Some(Frame {
                    number: self.frames,
                    ts: pcapng_ts(epb.ts_high, epb.ts_low, &iface),
                    link: iface.link,
                    interface: iface.global,
                    orig_len: epb.origlen,
                    data: self.buffer(iface.link, data),
                    cut_by_eof: false,
                }))
            }
            Block::SimplePacket(spb) => {
                let iface = self.interface(0)?;
                self.frames += 1;
                let caplen = spb
                    .data
                    .len()
                    .min(usize::try_from(spb.origlen).unwrap_or(usize::MAX));
                Ok(Some(Frame {
                    number: self.frames,
                    ts: Timestamp::default(),
                    link: iface.link,
                    interface: iface.global,
                    orig_len: spb.origlen,
                    data: self.buffer(iface.link, spb.data.get(..caplen).unwrap_or(spb.data)),
                    cut_by_eof: false,
                }))
            }
            Block::Unknown(unknown) if unknown.block_type == PCAPNG_OPB => {
                self.obsolete_packet(unknown.data)
            }
            Block::DecryptionSecrets(dsb) => {
                // Bounded by the block length checks of the reader (and by the file).
                if self.secrets.len() < 1024 {
                    self.secrets.push(super::file::Secrets {
                        kind: dsb.secrets_type.0,
                        // The data is padded to 32 bits: keep the declared length.
                        data: dsb
                            .data
                            .get(..usize::try_from(dsb.secrets_len).unwrap_or(usize::MAX))
                            .unwrap_or(dsb.data)
                            .to_vec(),
                    });
                }
                Ok(None)
            }
            // Name resolution, statistics, secrets, custom and unknown blocks carry no frames.
            _ => Ok(None),
        }
    }

    /// Obsolete Packet Block: if_id u16, drops u16, ts_high, ts_low, caplen, len, data.
    pub(super) fn obsolete_packet(&mut self, body: &[u8]) -> Result<Option<Frame>, CaptureError> {
        let be = self.interfaces_big_endian;
        let short = || CaptureError::Corrupt {
            offset: self.offset,
            reason: "an obsolete packet block is shorter than its header".into(),
        };
        let if_id = read_u16(body, 0, be).ok_or_else(short)?;
        let high = read_u32(body, 4, be).ok_or_else(short)?;
        let low = read_u32(body, 8, be).ok_or_else(short)?;
        let caplen = read_u32(body, 12, be).ok_or_else(short)?;
        let orig_len = read_u32(body, 16, be).ok_or_else(short)?;
        let data = body.get(20..).unwrap_or(&[]);
        let data = data
            .get(..usize::try_from(caplen).unwrap_or(usize::MAX))
            .unwrap_or(data);
        let iface = self.interface(u32::from(if_id))?;
        self.frames += 1;
        Ok(Some(Frame {
            number: self.frames,
            ts: pcapng_ts(high, low, &iface),
            link: iface.link,
            interface: iface.global,
            orig_len,
            data: self.buffer(iface.link, data),
            cut_by_eof: false,
        }))
    }

    pub(super) fn interface(&self, id: u32) -> Result<Interface, CaptureError> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.interfaces.get(i))
            .cloned()
            .ok_or_else(|| CaptureError::Corrupt {
                offset: self.offset,
                reason: format!(
                    "a packet refers to interface {id}, but the section describes {}",
                    self.interfaces.len()
                ),
            })
    }
}

pub(super) enum Step {
    Consumed(usize, Result<Option<Frame>, CaptureError>),
    NeedMore,
    CutOff,
    Corrupt(String),
}

pub(super) fn read_u32(data: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    })
}

pub(super) fn read_u16(data: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let bytes: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    })
}

/// Units per second for an `if_tsresol` value (pcapng section 4.2): 10^n, or 2^n when
/// the top bit is set. `None` when it does not fit in 64 bits.
pub(super) fn ts_resolution(tsresol: u8) -> Option<u64> {
    let n = u32::from(tsresol & 0x7f);
    if tsresol & 0x80 == 0 {
        10u64.checked_pow(n)
    } else {
        1u64.checked_shl(n).filter(|_| n < 64)
    }
}

/// Converts a pcapng timestamp the way libpcap does: whole seconds plus the fraction
/// truncated to nanoseconds.
pub(super) fn pcapng_ts(high: u32, low: u32, iface: &Interface) -> Timestamp {
    let ticks = (u64::from(high) << 32) | u64::from(low);
    let res = iface.resolution.max(1);
    let sec = i64::try_from(ticks / res)
        .unwrap_or(i64::MAX)
        .saturating_add(iface.offset);
    let frac = u128::from(ticks % res);
    let nsec = u32::try_from(frac * 1_000_000_000 / u128::from(res)).unwrap_or(0);
    Timestamp::new(sec, nsec)
}

pub(super) fn describe_start(probe: &[u8]) -> String {
    let hex: Vec<String> = probe.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("bytes {}", hex.join(" "))
}

pub(super) fn not_a_capture_hint(probe: &[u8]) -> &'static str {
    match probe {
        [0x1f, 0x8b, ..] => "; it looks gzip-compressed: decompress it first (gunzip)",
        [0x28, 0xb5, 0x2f, 0xfd, ..] => "; it looks zstd-compressed: decompress it first (unzstd)",
        [b'\n', b'\r', b'\r', b'\n', ..] => "; the pcapng magic is byte-swapped",
        _ if probe
            .iter()
            .take(64)
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            "; it looks like text (tcpdump's text output cannot be read back; use tcpdump -w FILE)"
        }
        _ => "",
    }
}

pub(super) fn pcap_error_text<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::Eof => "end of file".into(),
        PcapError::BufferTooSmall => "a record does not fit the read buffer".into(),
        PcapError::UnexpectedEof => "unexpected end of file".into(),
        PcapError::ReadError => "read error".into(),
        PcapError::Incomplete(n) => format!("{n} more bytes needed"),
        PcapError::HeaderNotRecognized => "header not recognised".into(),
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("malformed block ({})", kind.description())
        }
    }
}

//! Reads legacy pcap (both byte orders, micro- and nanosecond, the "modified" variant)
//! and pcapng (several sections and interfaces, EPB/SPB/OPB) from any `Read`, streaming:
//! memory holds one read buffer (grown only for a record that needs it, up to a bound),
//! never the file.
//!
//! pcap-parser does the block parsing. What it leaves to us, handled here:
//! - its readers return `Incomplete` until the buffer is refilled or grown, and
//!   `UnexpectedEof` on a cut-off file; both are turned into progress or a clean stop;
//! - a record's declared length is checked against a bound *before* the buffer grows,
//!   so a hostile length cannot make us allocate gigabytes;
//! - the last, cut-off record of a truncated file is still returned with the bytes it
//!   has (`Frame::cut_by_eof`), then the error says where the file ended;
//! - the Obsolete Packet Block (type 2) is parsed here; pcap-parser leaves it unknown;
//! - pcapng timestamp resolutions are computed here: pcap-parser 0.17 rejects every
//!   power-of-two `if_tsresol`.

use super::blocks::{describe_start, not_a_capture_hint, pcap_error_text, read_u32, Step};
use super::{Frame, LinkType};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapError, PcapNGReader};
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Largest captured length accepted for one legacy pcap record.
pub const MAX_RECORD_LEN: u32 = super::MAX_SNAPLEN;
/// Largest pcapng block accepted (libpcap's limit).
pub const MAX_BLOCK_LEN: u32 = 16 * 1024 * 1024;
/// The read buffer: 256 KiB stays in a core's L2 cache between the kernel's copy
/// into it and the parsing and copying out of it (with 1 MiB, `flows` on the friendly
/// 1 GiB capture took 10% longer, `-j 2` 7%: docs/benchmarks.md, twelfth pass).
/// Larger records grow it.
const INITIAL_BUFFER: usize = 256 << 10;
const PROBE_LEN: usize = 64 * 1024;

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
pub(super) const PCAPNG_OPB: u32 = 0x0000_0002;
pub(super) const PCAPNG_EPB: u32 = 0x0000_0006;

/// Why a capture could not be read (any further).
#[derive(Debug, Error)]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The input holds no bytes at all.
    #[error("{name} is empty: not a capture")]
    Empty { name: String },
    /// The first bytes are not a pcap or pcapng magic number.
    #[error("{name} is not a pcap or pcapng capture (it starts with {start}){hint}")]
    NotACapture {
        name: String,
        start: String,
        hint: &'static str,
    },
    /// The file ends inside a header or record.
    #[error(
        "capture ends in the middle of {what} at byte {offset}: {have} of {need} bytes present"
    )]
    Truncated {
        what: &'static str,
        offset: u64,
        have: u64,
        need: u64,
    },
    /// A header or record is malformed beyond recovery.
    #[error("capture is corrupt at byte {offset}: {reason}")]
    Corrupt { offset: u64, reason: String },
}

/// The file-level format, for messages and `--help`-style summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pcap { nanosecond: bool, big_endian: bool },
    PcapNg,
}

#[derive(Clone, Debug)]
pub(super) struct Interface {
    pub(super) link: LinkType,
    /// Timestamp units per second.
    pub(super) resolution: u64,
    /// Seconds added to every timestamp (if_tsoffset).
    pub(super) offset: i64,
    /// Globally unique number handed out with frames.
    pub(super) global: u32,
}

/// Something the reader noticed that does not stop it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadWarning {
    pub offset: u64,
    pub message: String,
}

/// A streaming reader of pcap and pcapng captures.
pub struct CaptureReader {
    inner: Box<dyn PcapReaderIterator + Send>,
    st: ReaderState,
}

/// Everything but the pcap-parser reader, so a block borrowed from the reader can be
/// handled while the state changes.
pub(super) struct ReaderState {
    pub(super) name: String,
    pub(super) format: Format,
    /// Legacy pcap: the one link type; pcapng: unused.
    pub(super) legacy_link: LinkType,
    pub(super) legacy_nano: bool,
    /// Legacy pcap: the snapshot length records are cut to (libpcap's, adjusted).
    pub(super) legacy_snaplen: u32,
    /// pcapng: the current section's interfaces.
    pub(super) interfaces: Vec<Interface>,
    pub(super) next_global_interface: u32,
    /// Byte offset in the input of the reader's current position.
    pub(super) offset: u64,
    pub(super) frames: u64,
    pub(super) finished: bool,
    /// Frame buffers handed back by the consumer, reused for the next frames.
    pub(super) spare: Vec<Vec<u8>>,
    /// The error to report after handing out the partial last frame.
    pub(super) pending_error: Option<CaptureError>,
    /// Byte order of the current pcapng section.
    pub(super) interfaces_big_endian: bool,
    pub(super) warnings: Vec<ReadWarning>,
    /// Decryption Secrets Blocks met since the last [`CaptureReader::take_secrets`].
    pub(super) secrets: Vec<Secrets>,
    /// `-j N`: (shards, this reader's shard): frames of other shards are not copied.
    pub(super) shard: Option<(u32, u32)>,
    /// The shard of the last frame handed out, as far as the reader decided it.
    pub(super) sharded: Sharded,
}

/// What the reader decided about the shard of the frame it last handed out (`-j N`,
/// [`CaptureReader::keep_shard`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharded {
    /// Not decided: no shard is set, or the reader did not look into the frame (the
    /// partial last record of a cut-off file).
    Undecided,
    /// This reader's shard's, after its addresses were hashed: its bytes were copied.
    Mine,
    /// Another shard's: its bytes were left out; their captured length.
    Other(u32),
}

/// The content of a pcapng Decryption Secrets Block (pcapng section 4.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secrets {
    /// `0x544c534b` ("TLSK"): NSS key log lines; others are kept but not read.
    pub kind: u32,
    pub data: Vec<u8>,
}

impl Secrets {
    /// The secrets type of a TLS key log.
    pub const TLS_KEY_LOG: u32 = 0x544c_534b;
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("name", &self.st.name)
            .field("format", &self.st.format)
            .field("offset", &self.st.offset)
            .finish_non_exhaustive()
    }
}

impl CaptureReader {
    /// Opens a capture file; `-` reads standard input.
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        if path == Path::new("-") {
            return CaptureReader::from_reader(io::stdin(), "standard input");
        }
        let file = File::open(path).map_err(|source| CaptureError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        CaptureReader::from_reader(file, &path.display().to_string())
    }

    /// Reads a capture from any byte stream (a pipe, a socket, a slice).
    pub fn from_reader<R: Read + Send + 'static>(
        mut input: R,
        name: &str,
    ) -> Result<CaptureReader, CaptureError> {
        let io_err = |source| CaptureError::Io {
            path: PathBuf::from(name),
            source,
        };
        // Pipes deliver short reads: gather a probe's worth before deciding anything.
        let mut probe = Vec::with_capacity(PROBE_LEN);
        (&mut input)
            .take(PROBE_LEN as u64)
            .read_to_end(&mut probe)
            .map_err(io_err)?;
        if probe.is_empty() {
            return Err(CaptureError::Empty { name: name.into() });
        }
        let magic = probe
            .get(..4)
            .and_then(|m| <[u8; 4]>::try_from(m).ok())
            .map(u32::from_le_bytes);
        let format = match magic {
            Some(PCAPNG_SHB) => Format::PcapNg,
            Some(0xa1b2_c3d4) | Some(0xa1b2_cd34) => Format::Pcap {
                nanosecond: false,
                big_endian: false,
            },
            Some(0xd4c3_b2a1) | Some(0x34cd_b2a1) => Format::Pcap {
                nanosecond: false,
                big_endian: true,
            },
            Some(0xa1b2_3c4d) => Format::Pcap {
                nanosecond: true,
                big_endian: false,
            },
            Some(0x4d3c_b2a1) => Format::Pcap {
                nanosecond: true,
                big_endian: true,
            },
            _ => {
                return Err(CaptureError::NotACapture {
                    name: name.into(),
                    start: describe_start(&probe),
                    hint: not_a_capture_hint(&probe),
                })
            }
        };
        let header_need: u64 = match format {
            Format::Pcap { .. } => 24,
            Format::PcapNg => 28,
        };
        if (probe.len() as u64) < header_need {
            return Err(CaptureError::Truncated {
                what: "the file header",
                offset: 0,
                have: probe.len() as u64,
                need: header_need,
            });
        }
        let chained = Cursor::new(probe).chain(input);
        let corrupt_header = |e: PcapError<&'static [u8]>| CaptureError::Corrupt {
            offset: 0,
            reason: format!("the file header cannot be parsed ({})", pcap_error_text(&e)),
        };
        let (inner, legacy_link, legacy_nano): (Box<dyn PcapReaderIterator + Send>, _, _) =
            match format {
                Format::PcapNg => (
                    Box::new(PcapNGReader::new(INITIAL_BUFFER, chained).map_err(corrupt_header)?),
                    LinkType(0),
                    false,
                ),
                Format::Pcap { nanosecond, .. } => {
                    let reader =
                        LegacyPcapReader::new(INITIAL_BUFFER, chained).map_err(corrupt_header)?;
                    (Box::new(reader), LinkType(0), nanosecond)
                }
            };
        Ok(CaptureReader {
            inner,
            st: ReaderState {
                name: name.into(),
                format,
                legacy_link,
                legacy_nano,
                legacy_snaplen: MAX_RECORD_LEN,
                interfaces: Vec::new(),
                next_global_interface: 0,
                offset: 0,
                frames: 0,
                finished: false,
                pending_error: None,
                interfaces_big_endian: false,
                warnings: Vec::new(),
                secrets: Vec::new(),
                shard: None,
                sharded: Sharded::Undecided,
                spare: Vec::new(),
            },
        })
    }

    pub fn format(&self) -> Format {
        self.st.format
    }

    pub fn name(&self) -> &str {
        &self.st.name
    }

    /// Byte offset of the next unread record.
    pub fn offset(&self) -> u64 {
        self.st.offset
    }

    /// Gives a frame's buffer back for reuse (saves an allocation per frame).
    pub fn recycle(&mut self, buf: Vec<u8>) {
        if self.st.spare.len() < 64 && buf.capacity() <= 256 * 1024 {
            self.st.spare.push(buf);
        }
    }

    /// Warnings gathered since the last call (unusual but readable input).
    pub fn take_warnings(&mut self) -> Vec<ReadWarning> {
        std::mem::take(&mut self.st.warnings)
    }

    /// Decryption Secrets Blocks read since the last call: they come before the
    /// frames they decrypt, so taking them before handing on a frame keeps the order.
    pub fn take_secrets(&mut self) -> Vec<Secrets> {
        std::mem::take(&mut self.st.secrets)
    }

    /// Reads for shard `index` of `shards` (`-j N`, [`crate::decode::shard_of`]): the
    /// bytes of other shards' frames are not copied; such frames come out empty, with
    /// their captured length in [`CaptureReader::sharded`].
    pub fn keep_shard(&mut self, shards: u32, index: u32) {
        self.st.shard = (shards > 1).then_some((shards, index));
    }

    /// The shard of the frame just read, as the reader decided it
    /// ([`CaptureReader::keep_shard`]).
    pub fn sharded(&self) -> Sharded {
        self.st.sharded
    }

    /// The next frame. After `None` or an `Err`, the reader is finished.
    pub fn next_frame(&mut self) -> Option<Result<Frame, CaptureError>> {
        self.st.sharded = Sharded::Undecided;
        if let Some(e) = self.st.pending_error.take() {
            self.st.finished = true;
            return Some(Err(e));
        }
        if self.st.finished {
            return None;
        }
        let result = self.read_next();
        if !matches!(result, Some(Ok(_))) || self.st.pending_error.is_some() {
            self.st.finished = true;
        }
        result
    }

    fn read_next(&mut self) -> Option<Result<Frame, CaptureError>> {
        let mut stalled = 0u32;
        loop {
            let step = match self.inner.next() {
                Ok((consumed, block)) => {
                    let frame = self.st.handle_block(block);
                    Step::Consumed(consumed, frame)
                }
                Err(PcapError::Eof) => return None,
                Err(PcapError::Incomplete(_)) | Err(PcapError::BufferTooSmall) => Step::NeedMore,
                Err(PcapError::UnexpectedEof) => Step::CutOff,
                Err(e) => Step::Corrupt(pcap_error_text(&e)),
            };
            match step {
                Step::Consumed(consumed, frame) => {
                    // No shift per record: `refill` moves the unread tail to the front
                    // when the buffer runs dry (shifting at every half buffer moved half
                    // of everything read).
                    self.inner.consume_noshift(consumed);
                    self.st.offset += consumed as u64;
                    match frame {
                        Ok(Some(frame)) => return Some(Ok(frame)),
                        Ok(None) => continue,
                        Err(e) => return Some(Err(e)),
                    }
                }
                Step::NeedMore => {
                    if let Err(e) = self.check_declared_length() {
                        return Some(Err(e));
                    }
                    if self.inner.reader_exhausted() {
                        return self.cut_off();
                    }
                    // The declared length was checked above, so this growth is bounded.
                    let need = self.buffer_need();
                    if need > INITIAL_BUFFER {
                        self.inner.grow(need);
                    }
                    let before = self.inner.data().len();
                    if let Err(e) = self.inner.refill() {
                        return Some(Err(CaptureError::Corrupt {
                            offset: self.st.offset,
                            reason: format!("read failed ({})", pcap_error_text(&e)),
                        }));
                    }
                    if self.inner.data().len() > before {
                        stalled = 0;
                    } else {
                        // A full buffer that the parser still finds too short: give it
                        // room once, then give up rather than spin.
                        stalled += 1;
                        let grown = self
                            .inner
                            .grow(before.saturating_mul(2).max(INITIAL_BUFFER));
                        if stalled > 2 || !grown && before >= MAX_BLOCK_LEN as usize {
                            return Some(Err(CaptureError::Corrupt {
                                offset: self.st.offset,
                                reason: "a record cannot be framed (the parser made no progress)"
                                    .into(),
                            }));
                        }
                    }
                }
                Step::CutOff => return self.cut_off(),
                Step::Corrupt(reason) => {
                    return Some(Err(CaptureError::Corrupt {
                        offset: self.st.offset,
                        reason,
                    }))
                }
            }
        }
    }

    /// Declared length of the record at the head of the buffer, if its header is there.
    fn declared_record_len(&self) -> Option<(u64, &'static str)> {
        let data = self.inner.data();
        match self.st.format {
            Format::Pcap { big_endian, .. } => {
                if self.st.frames == 0 && self.st.offset == 0 {
                    return None;
                }
                let caplen = read_u32(data, 8, big_endian)?;
                Some((16 + u64::from(caplen), "a packet record"))
            }
            Format::PcapNg => {
                let big_endian = self.pcapng_big_endian();
                let block_type = read_u32(data, 0, big_endian)?;
                let len = if block_type == PCAPNG_SHB {
                    // The byte-order magic decides how to read the length.
                    let bom = read_u32(data, 8, false)?;
                    read_u32(data, 4, bom != 0x1A2B_3C4D)?
                } else {
                    read_u32(data, 4, big_endian)?
                };
                Some((u64::from(len), "a pcapng block"))
            }
        }
    }

    fn check_declared_length(&self) -> Result<(), CaptureError> {
        let Some((len, what)) = self.declared_record_len() else {
            return Ok(());
        };
        let limit = match self.st.format {
            Format::Pcap { .. } => 16 + u64::from(MAX_RECORD_LEN),
            Format::PcapNg => u64::from(MAX_BLOCK_LEN),
        };
        if len > limit {
            return Err(CaptureError::Corrupt {
                offset: self.st.offset,
                reason: format!(
                    "{what} declares {len} bytes, more than the {limit}-byte limit; \
                     the rest of the file cannot be framed"
                ),
            });
        }
        if matches!(self.st.format, Format::PcapNg) && (len < 12 || len % 4 != 0) {
            return Err(CaptureError::Corrupt {
                offset: self.st.offset,
                reason: format!("{what} declares an impossible length of {len} bytes"),
            });
        }
        Ok(())
    }

    fn buffer_need(&self) -> usize {
        self.declared_record_len()
            .map(|(len, _)| usize::try_from(len).unwrap_or(usize::MAX) + 64)
            .unwrap_or(0)
    }

    /// pcap-parser tracks the section's byte order internally; we mirror it from the
    /// most recent section header (see `handle_ng`).
    fn pcapng_big_endian(&self) -> bool {
        self.st.interfaces_big_endian
    }

    /// The input ended inside a record: hand out what it holds, then say where.
    fn cut_off(&mut self) -> Option<Result<Frame, CaptureError>> {
        let data = self.inner.data();
        let have = data.len() as u64;
        if have == 0 {
            return None;
        }
        let need = self
            .declared_record_len()
            .map(|(n, _)| n)
            .unwrap_or(have + 1);
        let partial = match self.st.format {
            Format::Pcap { big_endian, .. } => {
                self.st.partial_legacy(self.inner.data(), big_endian)
            }
            Format::PcapNg => self.st.partial_epb(self.inner.data()),
        };
        let error = CaptureError::Truncated {
            what: match self.st.format {
                Format::Pcap { .. } => "a packet record",
                Format::PcapNg => "a pcapng block",
            },
            offset: self.st.offset,
            have,
            need: need.max(have + 1),
        };
        match partial {
            Some(frame) => {
                self.st.pending_error = Some(error);
                Some(Ok(frame))
            }
            None => Some(Err(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::blocks::ts_resolution;
    use crate::capture::Timestamp;

    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        while body.len() % 4 != 0 {
            body.push(0);
        }
        let len = (body.len() + 12) as u32;
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&body);
        b.extend_from_slice(&len.to_le_bytes());
        b
    }

    fn shb() -> Vec<u8> {
        let mut body = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&(-1i64).to_le_bytes());
        block(PCAPNG_SHB, &body)
    }

    fn idb(linktype: u16, tsresol: Option<u8>) -> Vec<u8> {
        let mut body = linktype.to_le_bytes().to_vec();
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&65535u32.to_le_bytes());
        if let Some(r) = tsresol {
            body.extend_from_slice(&[9, 0, 1, 0, r, 0, 0, 0]);
        }
        body.extend_from_slice(&[0, 0, 0, 0]);
        block(1, &body)
    }

    fn epb(if_id: u32, ticks: u64, data: &[u8], orig: u32) -> Vec<u8> {
        let mut body = if_id.to_le_bytes().to_vec();
        body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ticks as u32).to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(&orig.to_le_bytes());
        body.extend_from_slice(data);
        block(PCAPNG_EPB, &body)
    }

    fn read_all(bytes: Vec<u8>) -> (Vec<Frame>, Option<CaptureError>) {
        let mut r = CaptureReader::from_reader(Cursor::new(bytes), "test").unwrap();
        let mut frames = Vec::new();
        let mut err = None;
        while let Some(f) = r.next_frame() {
            match f {
                Ok(f) => frames.push(f),
                Err(e) => err = Some(e),
            }
        }
        (frames, err)
    }

    #[test]
    fn pcapng_sections_interfaces_and_timestamp_resolutions() {
        let mut f = shb();
        f.extend(idb(1, Some(9))); // nanoseconds
        f.extend(idb(101, Some(0x80 | 20))); // 2^-20 seconds
        f.extend(epb(0, 1_700_000_000_123_456_789, &[0xaa; 20], 60));
        f.extend(epb(
            1,
            (1_700_000_000u64 << 20) | (1 << 19),
            &[0x45; 20],
            20,
        ));
        // Simple packet block: interface 0, no timestamp.
        let mut spb = 20u32.to_le_bytes().to_vec();
        spb.extend_from_slice(&[0xbb; 20]);
        f.extend(block(3, &spb));
        // Obsolete packet block on interface 1.
        let mut opb = 1u16.to_le_bytes().to_vec();
        opb.extend_from_slice(&0u16.to_le_bytes());
        opb.extend_from_slice(&0u32.to_le_bytes());
        opb.extend_from_slice(&(1u32 << 20).to_le_bytes());
        opb.extend_from_slice(&4u32.to_le_bytes());
        opb.extend_from_slice(&4u32.to_le_bytes());
        opb.extend_from_slice(&[1, 2, 3, 4]);
        f.extend(block(PCAPNG_OPB, &opb));
        // A second section: interfaces start again, numbered on.
        f.extend(shb());
        f.extend(idb(113, None));
        f.extend(epb(0, 5_000_000, &[0; 16], 16));
        let (frames, err) = read_all(f);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(frames.len(), 5);
        assert_eq!(frames[0].link, LinkType::ETHERNET);
        assert_eq!(frames[0].ts, Timestamp::new(1_700_000_000, 123_456_789));
        assert_eq!(frames[0].orig_len, 60);
        assert_eq!(frames[1].link, LinkType::RAW);
        assert_eq!(frames[1].ts, Timestamp::new(1_700_000_000, 500_000_000));
        assert_eq!(frames[2].data, vec![0xbb; 20]);
        assert_eq!(frames[3].interface, 1);
        assert_eq!(frames[3].ts, Timestamp::new(1, 0));
        assert_eq!(frames[4].link, LinkType::LINUX_SLL);
        assert_eq!(
            frames[4].interface, 2,
            "interfaces are unique across sections"
        );
        assert_eq!(
            frames[4].ts,
            Timestamp::new(5, 0),
            "default resolution is microseconds"
        );
        assert_eq!(
            frames.iter().map(|f| f.number).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn big_endian_nanosecond_pcap() {
        let mut f = Vec::new();
        f.extend_from_slice(&0xa1b2_3c4du32.to_be_bytes());
        f.extend_from_slice(&2u16.to_be_bytes());
        f.extend_from_slice(&4u16.to_be_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&65535u32.to_be_bytes());
        f.extend_from_slice(&101u32.to_be_bytes());
        for (sec, ns) in [(10u32, 999_999_999u32), (11, 5)] {
            f.extend_from_slice(&sec.to_be_bytes());
            f.extend_from_slice(&ns.to_be_bytes());
            f.extend_from_slice(&4u32.to_be_bytes());
            f.extend_from_slice(&40u32.to_be_bytes());
            f.extend_from_slice(&[0x45, 0, 0, 40]);
        }
        let r = CaptureReader::from_reader(Cursor::new(f.clone()), "t").unwrap();
        assert_eq!(
            r.format(),
            Format::Pcap {
                nanosecond: true,
                big_endian: true
            }
        );
        let (frames, err) = read_all(f);
        assert!(err.is_none());
        assert_eq!(frames[0].ts, Timestamp::new(10, 999_999_999));
        assert_eq!(frames[1].ts.micros(), 0);
        assert_eq!(frames[1].orig_len, 40);
        assert_eq!(frames[1].link, LinkType::RAW);
    }

    /// Records larger than the read buffer (a legacy record at libpcap's largest
    /// snapshot length, a 1.5 MB pcapng block) grow it, whole, and the small records
    /// around them read as before, in both formats.
    #[test]
    fn records_larger_than_the_read_buffer_are_read_whole() {
        let big = |n: usize| (0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>();
        let largest = MAX_RECORD_LEN as usize;
        // With its 16-byte header the record does not fit the buffer.
        assert!(largest + 16 > INITIAL_BUFFER);
        let mut f = Vec::new();
        f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(&4u16.to_le_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&(largest as u32).to_le_bytes());
        f.extend_from_slice(&101u32.to_le_bytes());
        for data in [vec![0x45; 20], big(largest), vec![0x45; 21]] {
            f.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
            f.extend_from_slice(&(data.len() as u32).to_le_bytes());
            f.extend_from_slice(&(data.len() as u32).to_le_bytes());
            f.extend_from_slice(&data);
        }
        let (frames, err) = read_all(f);
        assert!(err.is_none(), "{err:?}");
        let lens: Vec<usize> = frames.iter().map(|f| f.data.len()).collect();
        assert_eq!(lens, [20, largest, 21]);
        assert_eq!(frames[1].data, big(largest));

        let block = 1_500_000;
        let mut f = shb();
        f.extend(idb(101, None));
        f.extend(epb(0, 1, &[0x45; 20], 20));
        f.extend(epb(0, 2, &big(block), block as u32));
        f.extend(epb(0, 3, &[0x45; 21], 21));
        let (frames, err) = read_all(f);
        assert!(err.is_none(), "{err:?}");
        let lens: Vec<usize> = frames.iter().map(|f| f.data.len()).collect();
        assert_eq!(lens, [20, block, 21]);
        assert_eq!(frames[1].data, big(block));
    }

    /// A legacy header whose link type carries libpcap's FCS bits, and whose records
    /// are longer than its snapshot length: the link type is masked and the records
    /// cut, as libpcap does.
    #[test]
    fn link_type_upper_bits_are_masked_and_records_cut_to_the_snapshot_length() {
        let mut f = Vec::new();
        f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        f.extend_from_slice(&2u16.to_le_bytes());
        f.extend_from_slice(&4u16.to_le_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&20u32.to_le_bytes());
        f.extend_from_slice(&(101u32 | 0x0400_0000 | 4 << 28).to_le_bytes());
        for len in [30u32, 10] {
            f.extend_from_slice(&[0; 8]);
            f.extend_from_slice(&len.to_le_bytes());
            f.extend_from_slice(&(len + 5).to_le_bytes());
            f.extend(std::iter::repeat_n(0x45, len as usize));
        }
        let (frames, err) = read_all(f);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].link, LinkType::RAW);
        assert_eq!((frames[0].data.len(), frames[0].orig_len), (20, 35));
        assert_eq!((frames[1].data.len(), frames[1].orig_len), (10, 15));
    }

    #[test]
    fn a_packet_on_an_undeclared_interface_is_corrupt() {
        let mut f = shb();
        f.extend(idb(1, None));
        f.extend(epb(0, 0, &[1; 8], 8));
        f.extend(epb(7, 0, &[1; 8], 8));
        let (frames, err) = read_all(f);
        assert_eq!(frames.len(), 1);
        let msg = err.unwrap().to_string();
        assert!(
            msg.contains("refers to interface 7, but the section describes 1"),
            "{msg}"
        );
    }

    #[test]
    fn header_cut_short_is_truncated_not_a_panic() {
        let bytes = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
        let err = CaptureReader::from_reader(Cursor::new(bytes), "t").unwrap_err();
        assert!(err.to_string().contains("the file header"), "{err}");
    }

    #[test]
    fn resolution_values() {
        assert_eq!(ts_resolution(6), Some(1_000_000));
        assert_eq!(ts_resolution(9), Some(1_000_000_000));
        assert_eq!(ts_resolution(0x80 | 10), Some(1024));
        assert_eq!(ts_resolution(20), None);
        assert_eq!(ts_resolution(0x80 | 64), None);
    }
}

//! A minimal pcapng writer (one section, one interface, Enhanced Packet Blocks with
//! nanosecond timestamps): what `eavesdrop live -w` and `demo --live --write` save.
//! Readable by eavesdrop, tcpdump, Wireshark and anything built on libpcap ≥ 1.1.

use super::{Frame, LinkType};
use std::io::{self, Write};

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 0x0000_0001;
const EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// if_tsresol: 10^-9 s.
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_NAME: u16 = 2;
const OPT_SHB_USERAPPL: u16 = 4;

pub struct PcapngWriter<W: Write> {
    out: W,
    block: Vec<u8>,
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

fn option(b: &mut Vec<u8>, code: u16, value: &[u8]) {
    b.extend_from_slice(&code.to_le_bytes());
    b.extend_from_slice(&(value.len() as u16).to_le_bytes());
    b.extend_from_slice(value);
    b.extend(std::iter::repeat_n(0u8, pad4(value.len())));
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the section header and the one interface.
    pub fn new(out: W, link: LinkType, snaplen: u32, ifname: &str) -> io::Result<PcapngWriter<W>> {
        let mut w = PcapngWriter {
            out,
            block: Vec::with_capacity(64 * 1024),
        };
        let mut body = Vec::new();
        body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&(-1i64).to_le_bytes());
        option(
            &mut body,
            OPT_SHB_USERAPPL,
            concat!("eavesdrop ", env!("CARGO_PKG_VERSION")).as_bytes(),
        );
        option(&mut body, 0, &[]);
        w.block(SHB, &body)?;
        let mut body = Vec::new();
        body.extend_from_slice(&(link.0 as u16).to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&snaplen.to_le_bytes());
        option(&mut body, OPT_IF_NAME, ifname.as_bytes());
        option(&mut body, OPT_IF_TSRESOL, &[9]);
        option(&mut body, 0, &[]);
        w.block(IDB, &body)?;
        Ok(w)
    }

    fn block(&mut self, kind: u32, body: &[u8]) -> io::Result<()> {
        let total = (12 + body.len() + pad4(body.len())) as u32;
        let b = &mut self.block;
        b.clear();
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&total.to_le_bytes());
        b.extend_from_slice(body);
        b.extend(std::iter::repeat_n(0u8, pad4(body.len())));
        b.extend_from_slice(&total.to_le_bytes());
        self.out.write_all(b)
    }

    /// One frame as an Enhanced Packet Block on interface 0.
    pub fn frame(&mut self, f: &Frame) -> io::Result<()> {
        let ns = (f.ts.sec as i128 * 1_000_000_000 + i128::from(f.ts.nsec)).max(0) as u64;
        let mut body = Vec::with_capacity(20 + f.data.len() + 3);
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&((ns >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ns as u32).to_le_bytes());
        body.extend_from_slice(&(f.data.len() as u32).to_le_bytes());
        body.extend_from_slice(&f.orig_len.to_le_bytes());
        body.extend_from_slice(&f.data);
        self.block(EPB, &body)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::file::CaptureReader;
    use crate::capture::Timestamp;

    #[test]
    fn written_frames_read_back_identically() {
        let frames: Vec<Frame> = (1..=3u64)
            .map(|n| Frame {
                number: n,
                ts: Timestamp::new(1_764_350_000 + n as i64, 123_456_789),
                link: LinkType::RAW,
                interface: 0,
                orig_len: 40 + n as u32,
                data: vec![0x45; 37 + n as usize],
                cut_by_eof: false,
            })
            .collect();
        let mut w = PcapngWriter::new(Vec::new(), LinkType::RAW, 65535, "lo").unwrap();
        for f in &frames {
            w.frame(f).unwrap();
        }
        let bytes = w.into_inner();
        let mut r = CaptureReader::from_reader(std::io::Cursor::new(bytes), "mem").unwrap();
        for f in &frames {
            let got = r.next_frame().unwrap().unwrap();
            assert_eq!(got.ts, f.ts);
            assert_eq!(got.data, f.data);
            assert_eq!(got.orig_len, f.orig_len);
            assert_eq!(got.link, LinkType::RAW);
        }
        assert!(r.next_frame().is_none());
    }
}

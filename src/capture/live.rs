//! Live capture through libpcap (cargo feature `live`), and BPF filters compiled by
//! libpcap for files.
//!
//! Immediate mode, so packets arrive as they are captured; a short read timeout, so
//! the caller gets control back regularly (to release frames that waited too long, and
//! to notice Ctrl-C). Errors are turned into messages a user can act on.

use super::{Frame, LinkType, Timestamp};
use std::collections::HashMap;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LiveError {
    #[error(
        "no permission to capture on {iface}: run as root (sudo eavesdrop …), or give \
         the binary the capture capabilities once: sudo setcap cap_net_raw,cap_net_admin=eip \
         \"$(command -v eavesdrop)\" ({detail})"
    )]
    Permission { iface: String, detail: String },
    #[error("no interface named {iface:?} (eavesdrop live --list shows them) ({detail})")]
    NoSuchInterface { iface: String, detail: String },
    #[error("the filter {filter:?} does not compile: {detail}")]
    BadFilter { filter: String, detail: String },
    #[error("cannot capture on {iface}: {detail}")]
    Other { iface: String, detail: String },
}

/// An interface libpcap can capture on.
pub struct Interface {
    pub name: String,
    pub description: Option<String>,
    pub loopback: bool,
    pub up: bool,
}

pub fn interfaces() -> Result<Vec<Interface>, LiveError> {
    let list = pcap::Device::list().map_err(|e| LiveError::Other {
        iface: "any".into(),
        detail: e.to_string(),
    })?;
    Ok(list
        .into_iter()
        .map(|d| Interface {
            loopback: d.flags.is_loopback(),
            up: d.flags.is_up(),
            name: d.name,
            description: d.desc,
        })
        .collect())
}

fn classify(iface: &str, e: pcap::Error) -> LiveError {
    let detail = e.to_string();
    let low = detail.to_ascii_lowercase();
    if low.contains("permission") || low.contains("not permitted") {
        LiveError::Permission {
            iface: iface.into(),
            detail,
        }
    } else if low.contains("no such device") || low.contains("doesn't exist") {
        LiveError::NoSuchInterface {
            iface: iface.into(),
            detail,
        }
    } else {
        LiveError::Other {
            iface: iface.into(),
            detail,
        }
    }
}

/// Counters libpcap keeps for a capture (tcpdump prints them at the end).
#[derive(Clone, Copy, Debug, Default)]
pub struct LiveStats {
    pub received: u32,
    pub dropped: u32,
    pub if_dropped: u32,
}

pub struct LiveCapture {
    cap: pcap::Capture<pcap::Active>,
    link: LinkType,
    frames: u64,
    pub iface: String,
}

impl LiveCapture {
    /// Opens `iface` in immediate mode with `snaplen`; `timeout_ms` bounds each wait.
    pub fn open(
        iface: &str,
        snaplen: u32,
        timeout_ms: i32,
        filter: Option<&str>,
    ) -> Result<LiveCapture, LiveError> {
        let inactive = pcap::Capture::from_device(iface).map_err(|e| classify(iface, e))?;
        let mut cap = inactive
            .immediate_mode(true)
            .snaplen(snaplen.min(i32::MAX as u32) as i32)
            .promisc(false)
            .timeout(timeout_ms)
            .precision(pcap::Precision::Nano)
            .open()
            .map_err(|e| classify(iface, e))?;
        if let Some(f) = filter.filter(|f| !f.trim().is_empty()) {
            cap.filter(f, true).map_err(|e| LiveError::BadFilter {
                filter: f.into(),
                detail: e.to_string(),
            })?;
        }
        // Non-blocking: in immediate mode a blocking read may wait for the next packet
        // forever, so Ctrl-C and the hold timer would wait too. The caller sleeps a
        // little when nothing is there (see `next_frame`).
        let mut cap = cap.setnonblock().map_err(|e| classify(iface, e))?;
        let link = LinkType(cap.get_datalink().0 as u32);
        let _ = &mut cap;
        Ok(LiveCapture {
            cap,
            link,
            frames: 0,
            iface: iface.into(),
        })
    }

    pub fn link(&self) -> LinkType {
        self.link
    }

    /// The next packet, or `None` when none is waiting (after a short sleep, so a
    /// caller looping on this does not spin).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, LiveError> {
        match self.cap.next_packet() {
            Ok(p) => {
                self.frames += 1;
                // time_t is 32 bits on some targets.
                #[allow(clippy::unnecessary_cast)]
                let ts = Timestamp::new(
                    p.header.ts.tv_sec as i64,
                    // Nanosecond precision was asked for: tv_usec holds nanoseconds.
                    (p.header.ts.tv_usec as u32).min(999_999_999),
                );
                Ok(Some(Frame {
                    number: self.frames,
                    ts,
                    link: self.link,
                    interface: 0,
                    orig_len: p.header.len,
                    data: p.data.to_vec(),
                    cut_by_eof: false,
                }))
            }
            Err(pcap::Error::TimeoutExpired) => {
                std::thread::sleep(std::time::Duration::from_millis(5));
                Ok(None)
            }
            Err(e) => Err(LiveError::Other {
                iface: self.iface.clone(),
                detail: e.to_string(),
            }),
        }
    }

    pub fn stats(&mut self) -> Option<LiveStats> {
        self.cap.stats().ok().map(|s| LiveStats {
            received: s.received,
            dropped: s.dropped,
            if_dropped: s.if_dropped,
        })
    }
}

/// A BPF filter for capture files: compiled by libpcap once per link type, run on
/// every frame (like `tcpdump -r FILE FILTER`).
pub struct FileFilter {
    expr: String,
    programs: HashMap<u32, Option<pcap::BpfProgram>>,
}

impl FileFilter {
    /// Checks that the expression compiles (for Ethernet) before any frame is read.
    pub fn new(expr: &str) -> Result<FileFilter, LiveError> {
        let mut f = FileFilter {
            expr: expr.to_string(),
            programs: HashMap::new(),
        };
        f.program(LinkType::ETHERNET)?;
        Ok(f)
    }

    fn program(&mut self, link: LinkType) -> Result<&Option<pcap::BpfProgram>, LiveError> {
        if !self.programs.contains_key(&link.0) {
            let compiled = pcap::Capture::dead(pcap::Linktype(link.0 as i32))
                .and_then(|d| d.compile(&self.expr, true));
            let program = match compiled {
                Ok(p) => Some(p),
                // Link types libpcap cannot filter: those frames pass unfiltered
                // only if the expression could not apply; reject them instead.
                Err(e) if link == LinkType::ETHERNET => {
                    return Err(LiveError::BadFilter {
                        filter: self.expr.clone(),
                        detail: e.to_string(),
                    })
                }
                Err(_) => None,
            };
            self.programs.insert(link.0, program);
        }
        Ok(self.programs.get(&link.0).unwrap_or(&None))
    }

    /// Whether the frame passes the filter (frames of link types libpcap cannot compile
    /// the filter for do not pass).
    pub fn matches(&mut self, frame: &Frame) -> bool {
        match self.program(frame.link) {
            Ok(Some(p)) => p.filter(&frame.data),
            _ => false,
        }
    }
}

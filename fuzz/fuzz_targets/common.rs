//! Shared by the fuzz targets: frames are rendered exactly as `show` renders them
//! (lines, notes, hex with labels), into a writer that checks what a terminal would
//! receive, and as `show --json` writes them, into a writer that parses every line;
//! and every captured byte must have a label.

use eavesdrop::engine::EngineConfig;
use eavesdrop::sink::Summary;
use eavesdrop::render::hexdump::{DumpStyle, HexMode, ShowOptions, ShowSink};
use eavesdrop::render::json::{JsonMode, JsonSink};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::time::{Clock, TimeFormat};
use eavesdrop::sink::{FrameView, Sink};
use eavesdrop::Engine;
use std::io::{self, Write};

/// Accepts text only: a control byte from a capture reaching the terminal is a bug.
pub struct Terminal;

impl Write for Terminal {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            assert!(
                b >= 0x20 || b == b'\n' || b == b'\t',
                "control byte {b:#04x} written to the terminal"
            );
            assert!(b != 0x7f, "DEL written to the terminal");
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Accepts JSON Lines only: every line written must parse as a JSON object with a
/// `type` (the frame writer writes JSON by hand).
pub struct JsonLines;

impl Write for JsonLines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // JsonSink writes whole lines.
        for line in buf.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_slice(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(line)));
            assert!(v.get("type").is_some_and(|t| t.is_string()), "no type");
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub struct Checked(ShowSink<Terminal, Terminal>, JsonSink<JsonLines>);

impl Sink for Checked {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        for i in 0..v.frame.cap_len() {
            assert!(v.map.label_at(i).is_some(), "byte {i} unlabelled");
        }
        self.1.frame(v)?;
        self.0.frame(v)
    }
    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.1.warning(text)?;
        self.0.warning(text)
    }
    fn finish(&mut self, s: &Summary) -> io::Result<()> {
        self.1.finish(s)?;
        self.0.finish(s)
    }
}

pub fn engine(config: EngineConfig) -> Engine<Checked> {
    let opts = ShowOptions {
        hex: HexMode::Link,
        style: DumpStyle::HexAscii,
        color: false,
        notes: true,
        // The most that is printed: -e and -vv reach every link-level and header field.
        line: LineOptions {
            numbers: true,
            absolute_seq: false,
            describe: true,
            quick: false,
            verbose: 2,
            link_header: true,
            no_checksums: false,
        },
        width: None,
    };
    let clock = Clock::new(TimeFormat::default(), true, jiff::tz::TimeZone::UTC);
    let json = JsonSink::new(JsonLines, JsonMode::Frames, "fuzz \"input\"\n.pcap");
    Engine::new(Checked(ShowSink::new(Terminal, Terminal, opts, clock), json), config)
}

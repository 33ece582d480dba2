//! Arbitrary bytes as a capture file (pcap or pcapng): the reader must stop with an
//! error or a warning, never panic or loop, and every frame it yields goes through
//! the whole pipeline.
#![no_main]

use eavesdrop::{CaptureReader, EngineConfig};
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = CaptureReader::from_reader(std::io::Cursor::new(data.to_vec()), "fuzz")
    else {
        return;
    };
    let mut engine = common::engine(EngineConfig::default());
    let mut n = 0;
    while let Some(frame) = reader.next_frame() {
        let Ok(frame) = frame else { break };
        engine.push(frame).unwrap();
        n += 1;
        assert!(n <= data.len(), "more frames than bytes");
    }
    engine.finish().unwrap();
});

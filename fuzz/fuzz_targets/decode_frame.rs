//! One frame of arbitrary bytes under each link type eavesdrop decodes.
#![no_main]

use eavesdrop::{EngineConfig, Frame, LinkType, Timestamp};
use libfuzzer_sys::fuzz_target;

mod common;

const LINKS: [u32; 20] = [
    0, 1, 8, 9, 12, 14, 50, 101, 104, 105, 107, 108, 113, 117, 127, 228, 229, 239, 242, 276,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let link = LinkType(LINKS[usize::from(pick) % LINKS.len()]);
    let mut engine = common::engine(EngineConfig::default());
    let frame = Frame {
        number: 1,
        ts: Timestamp::new(0, 0),
        link,
        interface: 0,
        // Sometimes claim more bytes on the wire than captured.
        orig_len: bytes.len() as u32 + u32::from(pick >> 4),
        data: bytes.to_vec(),
        cut_by_eof: false,
    };
    engine.push(frame).unwrap();
    engine.finish().unwrap();
});

//! Option bytes named after what they exercise; shared with the packet-line tests
//! (`render/line/tcp.rs`).

/// Option bytes as captured, and the header length the segment declares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fixture {
    pub captured: &'static [u8],
    pub header_len: u32,
}

const fn fx(captured: &'static [u8], header_len: u32) -> Fixture {
    Fixture {
        captured,
        header_len,
    }
}

/// A Linux SYN: MSS, SACK permitted, timestamps, NOP, window scale.
pub(crate) const SYN_COMMON: Fixture = fx(
    &[
        2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
    ],
    40,
);
pub(crate) const EOL_ENDS_WALK: Fixture = fx(&[0, 1, 1, 1], 24);
pub(crate) const MSS_LEN_3_HAS_LEN_MARKER: Fixture = fx(&[2, 3, 5, 0xb4], 24);
pub(crate) const WSCALE_LEN_4_WALKS_ON: Fixture = fx(&[3, 4, 7, 0], 24);
pub(crate) const SACKOK_LEN_4_WALKS_INTO_DATA: Fixture = fx(&[4, 4, 1, 1], 24);
pub(crate) const LEN_PAST_HEADER_IS_BAD_OPT: Fixture = fx(&[1, 1, 2, 3], 24);
pub(crate) const LEN_BELOW_2_IS_BAD_OPT: Fixture = fx(&[3, 1, 0, 0], 24);
pub(crate) const KIND_CUT_BY_CAPTURE: Fixture = fx(&[1, 1], 28);
pub(crate) const LEN_CUT_BY_CAPTURE: Fixture = fx(&[1, 2], 24);
pub(crate) const MSS_CUT_BY_CAPTURE: Fixture = fx(&[2, 4, 5], 24);
pub(crate) const TS_PAST_HEADER_IS_BAD_OPT: Fixture = fx(&[1, 8, 4, 0, 0, 0, 0, 0], 28);
pub(crate) const SACK_TWO_BLOCKS: Fixture = fx(
    &[
        1, 1, 5, 18, 0, 0, 4, 0x4c, 0, 0, 4, 0xb0, 0, 0, 5, 0x14, 0, 0, 5, 0x78,
    ],
    40,
);
pub(crate) const SACK_CUT_AFTER_FIRST_BLOCK: Fixture =
    fx(&[1, 1, 5, 18, 0, 0, 4, 0x4c, 0, 0, 4, 0xb0, 0, 0, 5], 40);
pub(crate) const SACK_CUT_MID_FIRST_BLOCK: Fixture = fx(&[5, 10, 0, 0, 0, 1, 0, 0], 32);
pub(crate) const SACK_LEN_NOT_MULTIPLE_OF_8: Fixture =
    fx(&[5, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1], 32);
pub(crate) const MD5_SIGNATURE: Fixture = fx(
    &[
        19, 18, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0,
    ],
    40,
);
pub(crate) const SCPS_CAPABILITIES: Fixture = fx(&[20, 4, 0xaa, 5], 24);
pub(crate) const UTO_MINUTES: Fixture = fx(&[28, 4, 0x80, 0x0b], 24);
pub(crate) const UTO_SECONDS: Fixture = fx(&[28, 4, 0x01, 0x2c], 24);
pub(crate) const ECHO_AND_CC_ECHO: Fixture = fx(&[6, 6, 0, 0, 1, 0, 13, 6, 0, 0, 0, 42], 32);
pub(crate) const TCP_AO_FULL: Fixture = fx(&[29, 8, 1, 2, 0xaa, 0xbb, 0xcc, 0xdd], 28);
pub(crate) const TCP_AO_MAC_CUT_MIDWAY: Fixture = fx(&[1, 1, 1, 1, 29, 8, 1, 2, 0xaa, 0xbb], 32);
pub(crate) const TCP_AO_CUT_AFTER_KEYID: Fixture = fx(&[29, 8, 1], 28);
pub(crate) const TCP_AO_TOO_SHORT_IS_INVALID: Fixture = fx(&[29, 3, 7, 0], 24);
pub(crate) const TFO_COOKIE: Fixture = fx(&[34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1], 32);
pub(crate) const TFO_COOKIE_REQUEST: Fixture = fx(&[34, 2, 1, 1], 24);
pub(crate) const TFO_ODD_COOKIE_IS_INVALID: Fixture = fx(&[34, 5, 1, 2, 3, 0, 0, 0], 28);
pub(crate) const TFO_CUT_BY_CAPTURE: Fixture = fx(&[34, 10, 1, 2], 32);
pub(crate) const EXP_TFO_MAGIC: Fixture = fx(&[254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8], 32);
pub(crate) const EXP_OTHER_MAGIC: Fixture = fx(&[254, 4, 0x12, 0x34], 24);
pub(crate) const EXP_TOO_SHORT_IS_BAD_OPT: Fixture = fx(&[254, 3, 0xf9, 0], 24);
pub(crate) const MPTCP_IS_RAW: Fixture = fx(&[30, 4, 0x00, 0x81], 24);
pub(crate) const UNKNOWN_AS_HEX: Fixture = fx(&[153, 4, 0xab, 0xcd], 24);
pub(crate) const UNKNOWN_CUT_MIDWAY: Fixture = fx(&[1, 153, 6, 0xab], 28);
pub(crate) const UNKNOWN_WITHOUT_DATA: Fixture = fx(&[153, 2, 1, 1], 24);

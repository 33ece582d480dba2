//! The decoder on the named fixtures and on arbitrary bytes.

use super::fixtures::*;
use super::TcpOptionKind as K;
use super::TcpOptionValue as V;
use super::*;

fn decode(f: Fixture) -> TcpOptions {
    TcpOptions::decode(f.captured, f.header_len)
}

fn opt(kind: K, len: u8, consumed: u32, value: V) -> TcpOption {
    TcpOption {
        kind,
        len,
        consumed,
        value,
    }
}

fn nop() -> TcpOption {
    opt(K::NOP, 1, 1, V::Empty)
}

fn eol() -> TcpOption {
    opt(K::EOL, 1, 1, V::Empty)
}

fn complete(options: Vec<TcpOption>) -> TcpOptions {
    TcpOptions {
        options,
        end: OptionsEnd::Complete,
    }
}

fn ended(options: Vec<TcpOption>, end: OptionsEnd) -> TcpOptions {
    TcpOptions { options, end }
}

fn block(left: u32, right: u32) -> SackBlock {
    SackBlock { left, right }
}

#[test]
fn syn_common() {
    let want = complete(vec![
        opt(K::MSS, 4, 4, V::Mss(1460)),
        opt(K::SACK_PERMITTED, 2, 2, V::Empty),
        opt(K::TIMESTAMPS, 10, 10, V::Timestamps { val: 1, ecr: 0 }),
        nop(),
        opt(K::WSCALE, 3, 3, V::Wscale(7)),
    ]);
    assert_eq!(decode(SYN_COMMON), want);
    assert!(want.options.iter().all(|o| !o.length_disagrees()));
}

#[test]
fn eol_ends_walk() {
    assert_eq!(decode(EOL_ENDS_WALK), complete(vec![eol()]));
}

#[test]
fn mss_len_3_has_len_marker() {
    let got = decode(MSS_LEN_3_HAS_LEN_MARKER);
    assert_eq!(got, complete(vec![opt(K::MSS, 3, 4, V::Mss(1460))]));
    assert!(got.options.iter().all(TcpOption::length_disagrees));
}

#[test]
fn wscale_len_4_walks_on() {
    // The walk steps over the 3 bytes window scale defines, then reads the 0 as EOL.
    let want = complete(vec![opt(K::WSCALE, 4, 3, V::Wscale(7)), eol()]);
    assert_eq!(decode(WSCALE_LEN_4_WALKS_ON), want);
}

#[test]
fn sackok_len_4_walks_into_data() {
    let want = complete(vec![opt(K::SACK_PERMITTED, 4, 2, V::Empty), nop(), nop()]);
    assert_eq!(decode(SACKOK_LEN_4_WALKS_INTO_DATA), want);
}

#[test]
fn len_past_header_is_bad_opt() {
    let end = OptionsEnd::BadLength {
        kind: K::MSS,
        len: 3,
    };
    assert_eq!(
        decode(LEN_PAST_HEADER_IS_BAD_OPT),
        ended(vec![nop(), nop()], end)
    );
}

#[test]
fn len_below_2_is_bad_opt() {
    let end = OptionsEnd::BadLength {
        kind: K::WSCALE,
        len: 1,
    };
    assert_eq!(decode(LEN_BELOW_2_IS_BAD_OPT), ended(vec![], end));
}

#[test]
fn kind_cut_by_capture() {
    let end = OptionsEnd::CutOff { kind: None };
    assert_eq!(decode(KIND_CUT_BY_CAPTURE), ended(vec![nop(), nop()], end));
}

#[test]
fn len_cut_by_capture() {
    let end = OptionsEnd::CutOff { kind: Some(K::MSS) };
    assert_eq!(decode(LEN_CUT_BY_CAPTURE), ended(vec![nop()], end));
}

#[test]
fn mss_cut_by_capture() {
    let want = ended(vec![opt(K::MSS, 4, 4, V::Missing)], OptionsEnd::Truncated);
    assert_eq!(decode(MSS_CUT_BY_CAPTURE), want);
}

#[test]
fn ts_past_header_is_bad_opt() {
    // Length 4 fits the header, the 8 timestamp bytes do not.
    let want = ended(
        vec![nop(), opt(K::TIMESTAMPS, 4, 10, V::Missing)],
        OptionsEnd::Bad,
    );
    assert_eq!(decode(TS_PAST_HEADER_IS_BAD_OPT), want);
}

#[test]
fn sack_two_blocks() {
    let sack = V::Sack {
        count: 2,
        blocks: vec![block(1100, 1200), block(1300, 1400)],
    };
    let want = complete(vec![nop(), nop(), opt(K::SACK, 18, 18, sack)]);
    assert_eq!(decode(SACK_TWO_BLOCKS), want);
}

#[test]
fn sack_cut_after_first_block() {
    let sack = V::Sack {
        count: 2,
        blocks: vec![block(1100, 1200)],
    };
    let want = ended(
        vec![nop(), nop(), opt(K::SACK, 18, 18, sack)],
        OptionsEnd::Truncated,
    );
    assert_eq!(decode(SACK_CUT_AFTER_FIRST_BLOCK), want);
}

#[test]
fn sack_cut_mid_first_block() {
    let sack = V::Sack {
        count: 1,
        blocks: vec![],
    };
    let want = ended(vec![opt(K::SACK, 10, 10, sack)], OptionsEnd::Truncated);
    assert_eq!(decode(SACK_CUT_MID_FIRST_BLOCK), want);
}

#[test]
fn sack_len_not_multiple_of_8() {
    let want = complete(vec![opt(K::SACK, 11, 11, V::SackBadLength), nop()]);
    assert_eq!(decode(SACK_LEN_NOT_MULTIPLE_OF_8), want);
}

#[test]
fn md5_signature() {
    let sig = core::array::from_fn(|i| u8::try_from(i).unwrap_or(0));
    let want = complete(vec![opt(K::MD5, 18, 18, V::Md5(sig)), eol()]);
    assert_eq!(decode(MD5_SIGNATURE), want);
}

#[test]
fn scps_capabilities() {
    let want = complete(vec![opt(K::SCPS, 4, 4, V::Scps { cap: 0xaa, id: 5 })]);
    assert_eq!(decode(SCPS_CAPABILITIES), want);
}

#[test]
fn user_timeout_as_tcpdump_reads_it() {
    let uto = UserTimeout { raw: 0x800b };
    assert_eq!(
        decode(UTO_MINUTES),
        complete(vec![opt(K::UTO, 4, 4, V::Uto(uto))])
    );
    assert_eq!(uto.tcpdump_value(), (0x800b >> 1) * 60);
    let uto = UserTimeout { raw: 0x012c };
    assert_eq!(
        decode(UTO_SECONDS),
        complete(vec![opt(K::UTO, 4, 4, V::Uto(uto))])
    );
    assert_eq!(uto.tcpdump_value(), 150);
}

#[test]
fn echo_and_cc_echo() {
    let want = complete(vec![
        opt(K::ECHO, 6, 6, V::Word(256)),
        opt(K::CC_ECHO, 6, 6, V::Word(42)),
    ]);
    assert_eq!(decode(ECHO_AND_CC_ECHO), want);
}

#[test]
fn tcp_ao_full() {
    let ao = TcpAo {
        keyid: Some(1),
        rnext_keyid: Some(2),
        mac: Some(vec![0xaa, 0xbb, 0xcc, 0xdd]),
    };
    let want = complete(vec![opt(K::TCP_AO, 8, 8, V::TcpAo(ao))]);
    assert_eq!(decode(TCP_AO_FULL), want);
}

#[test]
fn tcp_ao_mac_cut_midway() {
    let ao = TcpAo {
        keyid: Some(1),
        rnext_keyid: Some(2),
        mac: Some(vec![0xaa, 0xbb]),
    };
    let mut options = vec![nop(); 4];
    options.push(opt(K::TCP_AO, 8, 8, V::TcpAo(ao)));
    assert_eq!(
        decode(TCP_AO_MAC_CUT_MIDWAY),
        ended(options, OptionsEnd::Truncated)
    );
}

#[test]
fn tcp_ao_cut_after_keyid() {
    let ao = TcpAo {
        keyid: Some(1),
        ..TcpAo::default()
    };
    let want = ended(
        vec![opt(K::TCP_AO, 8, 8, V::TcpAo(ao))],
        OptionsEnd::Truncated,
    );
    assert_eq!(decode(TCP_AO_CUT_AFTER_KEYID), want);
}

#[test]
fn tcp_ao_too_short_is_invalid() {
    let want = complete(vec![opt(K::TCP_AO, 3, 3, V::TcpAoTooShort), eol()]);
    assert_eq!(decode(TCP_AO_TOO_SHORT_IS_INVALID), want);
}

#[test]
fn fast_open_cookies() {
    let cookie = TfoCookie::Cookie(vec![1, 2, 3, 4, 5, 6, 7, 8]);
    let want = complete(vec![
        opt(K::FAST_OPEN, 10, 10, V::FastOpen(cookie)),
        nop(),
        nop(),
    ]);
    assert_eq!(decode(TFO_COOKIE), want);
    let want = complete(vec![
        opt(K::FAST_OPEN, 2, 2, V::FastOpen(TfoCookie::Request)),
        nop(),
        nop(),
    ]);
    assert_eq!(decode(TFO_COOKIE_REQUEST), want);
    let invalid = V::FastOpen(TfoCookie::Invalid { len: 3 });
    let want = complete(vec![opt(K::FAST_OPEN, 5, 5, invalid), eol()]);
    assert_eq!(decode(TFO_ODD_COOKIE_IS_INVALID), want);
}

#[test]
fn tfo_cut_by_capture() {
    let want = ended(
        vec![opt(K::FAST_OPEN, 10, 10, V::Missing)],
        OptionsEnd::Truncated,
    );
    assert_eq!(decode(TFO_CUT_BY_CAPTURE), want);
}

#[test]
fn experimental_options() {
    let tfo = V::Experimental {
        exid: EXID_FAST_OPEN,
        fast_open: Some(TfoCookie::Cookie(vec![1, 2, 3, 4, 5, 6, 7, 8])),
    };
    assert_eq!(
        decode(EXP_TFO_MAGIC),
        complete(vec![opt(K::EXPERIMENTAL, 12, 12, tfo)])
    );
    let other = V::Experimental {
        exid: 0x1234,
        fast_open: None,
    };
    assert_eq!(
        decode(EXP_OTHER_MAGIC),
        complete(vec![opt(K::EXPERIMENTAL, 4, 4, other)])
    );
}

#[test]
fn exp_too_short_is_bad_opt() {
    let want = ended(
        vec![opt(K::EXPERIMENTAL, 3, 3, V::Missing)],
        OptionsEnd::Bad,
    );
    assert_eq!(decode(EXP_TOO_SHORT_IS_BAD_OPT), want);
}

#[test]
fn mptcp_is_raw() {
    let want = complete(vec![opt(K::MPTCP, 4, 4, V::Raw(vec![0x00, 0x81]))]);
    assert_eq!(decode(MPTCP_IS_RAW), want);
}

#[test]
fn unknown_kinds_are_raw() {
    let k = K(153);
    let want = complete(vec![opt(k, 4, 4, V::Raw(vec![0xab, 0xcd]))]);
    assert_eq!(decode(UNKNOWN_AS_HEX), want);
    let want = complete(vec![opt(k, 2, 2, V::Raw(vec![])), nop(), nop()]);
    assert_eq!(decode(UNKNOWN_WITHOUT_DATA), want);
    assert_eq!(format!("{k:?}"), "TcpOptionKind(0x99)");
    assert_eq!(format!("{:?}", K::MPTCP), "MPTCP");
}

#[test]
fn unknown_cut_midway() {
    let want = ended(
        vec![nop(), opt(K(153), 6, 6, V::Raw(vec![0xab]))],
        OptionsEnd::Truncated,
    );
    assert_eq!(decode(UNKNOWN_CUT_MIDWAY), want);
}

#[test]
fn a_header_without_options_has_none() {
    assert_eq!(TcpOptions::decode(&[], 20), complete(vec![]));
    // A bogus data offset below 5 walks nothing either.
    assert_eq!(TcpOptions::decode(&[1, 1], 8), complete(vec![]));
}

/// Any bytes under any header length: no panic, and a stop inside an option
/// always has the option it stopped in.
#[test]
fn arbitrary_bytes_decode_without_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let kinds = [0u8, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30, 34, 254, 99];
    for _ in 0..20_000 {
        let n = usize::try_from(next() % 44).unwrap_or(0);
        let bytes: Vec<u8> = (0..n)
            .map(|_| match next() % 4 {
                0 => kinds[usize::try_from(next() % 14).unwrap_or(0)],
                1 => u8::try_from(next() % 20).unwrap_or(0),
                _ => u8::try_from(next() & 0xff).unwrap_or(0),
            })
            .collect();
        let header_len = u32::try_from(next() % 64).unwrap_or(0);
        let got = TcpOptions::decode(&bytes, header_len);
        if matches!(got.end, OptionsEnd::Truncated | OptionsEnd::Bad) {
            assert!(!got.options.is_empty(), "{bytes:02x?} {header_len}");
        }
    }
}

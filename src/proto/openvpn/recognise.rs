//! Recognising OpenVPN: the layout of a control packet under each wrapping (none,
//! tls-auth, tls-crypt, tls-crypt-v2), guessing the wrapping, and detection of a
//! flow.

use super::*;

/// A time a peer could send: 2001 to 2096.
pub(super) fn plausible_time(t: u32) -> bool {
    (0x3b9a_ca00..0xf000_0000).contains(&t)
}

/// Where the parts of a control packet sit (offsets after the opcode byte's packet
/// start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ControlLayout {
    pub(super) hmac: Option<Range<usize>>,
    pub(super) pid: Option<Range<usize>>,
    pub(super) time: Option<Range<usize>>,
    pub(super) tag: Option<Range<usize>>,
    /// Encrypted from here to the end (tls-crypt).
    pub(super) crypt: Option<usize>,
    pub(super) acks: Range<usize>,
    pub(super) rsid: Option<Range<usize>>,
    pub(super) mpid: Option<(Range<usize>, u32)>,
    pub(super) payload: Range<usize>,
}

/// Parses a control packet `b` (opcode byte first) with the wrapping `wrap`.
pub(super) fn control_layout(b: &[u8], wrap: Wrap) -> Option<ControlLayout> {
    let opcode = b.first()? >> 3;
    let mut pos = 9usize;
    b.get(..pos)?;
    let mut l = ControlLayout {
        hmac: None,
        pid: None,
        time: None,
        tag: None,
        crypt: None,
        acks: 0..0,
        rsid: None,
        mpid: None,
        payload: 0..0,
    };
    match wrap {
        Wrap::Plain => {}
        Wrap::Auth(h) => {
            l.hmac = Some(pos..pos + h);
            l.pid = Some(pos + h..pos + h + 4);
            l.time = Some(pos + h + 4..pos + h + 8);
            pos += h + 8;
        }
        Wrap::Crypt => {
            l.pid = Some(pos..pos + 4);
            l.time = Some(pos + 4..pos + 8);
            l.tag = Some(pos + 8..pos + 8 + CRYPT_TAG);
            pos += 8 + CRYPT_TAG;
            b.get(..pos)?;
            l.crypt = Some(pos);
            return Some(l);
        }
    }
    let n = usize::from(*b.get(pos)?);
    if n > MAX_ACKS {
        return None;
    }
    let acks_end = pos + 1 + 4 * n;
    l.acks = pos..acks_end;
    pos = acks_end;
    if n > 0 {
        l.rsid = Some(pos..pos + 8);
        pos += 8;
    }
    b.get(..pos)?;
    if opcode != op::ACK_V1 {
        let id = be32(b, pos)?;
        l.mpid = Some((pos..pos + 4, id));
        pos += 4;
    }
    l.payload = pos..b.len();
    Some(l)
}

/// The wrapping a control packet shows, if one fits: the replay packet-ID and time
/// must be plausible, the ack array must fit, and a reset carries no TLS.
pub(super) fn guess_wrap(b: &[u8]) -> Option<Wrap> {
    let opcode = b.first()? >> 3;
    if !is_control(opcode) {
        return None;
    }
    if matches!(opcode, op::HARD_RESET_CLIENT_V3 | op::CONTROL_WKC_V1) {
        return Some(Wrap::Crypt);
    }
    let fits = |l: &ControlLayout| {
        let payload = b.get(l.payload.clone()).unwrap_or(&[]);
        match opcode {
            op::CONTROL_V1 => payload.is_empty() || matches!(payload.first(), Some(0x14..=0x17)),
            op::ACK_V1 => payload.is_empty(),
            // A reset's payload is empty or early-negotiation TLVs (OpenVPN 2.6).
            _ => payload.len() <= 64,
        }
    };
    let replay_ok = |pid: usize| {
        be32(b, pid).is_some_and(|p| p > 0 && p < 0x0100_0000)
            && be32(b, pid + 4).is_some_and(plausible_time)
    };
    for h in HMAC_SIZES {
        if replay_ok(9 + h) {
            if let Some(l) = control_layout(b, Wrap::Auth(h)).filter(fits) {
                let _ = l;
                return Some(Wrap::Auth(h));
            }
        }
    }
    if replay_ok(9) && b.len() >= 9 + 8 + CRYPT_TAG + 5 {
        return Some(Wrap::Crypt);
    }
    control_layout(b, Wrap::Plain)
        .filter(fits)
        .map(|_| Wrap::Plain)
}

pub(super) fn detect(p: &Probe<'_>) -> Detect {
    let first = match p.transport {
        Transport::Udp => p.bytes,
        Transport::Tcp => {
            let Some(len) = be16(p.bytes, 0) else {
                return Detect::NeedMore;
            };
            let len = usize::from(len);
            if !(14..=MAX_PACKET).contains(&len) {
                return Detect::No;
            }
            match p.bytes.get(2..2 + len) {
                Some(b) => b,
                None if p.bytes.len() < 2 + len => {
                    // Judge by the opcode until the packet is whole.
                    return match p.bytes.get(2).map(|b| b >> 3) {
                        None => Detect::NeedMore,
                        Some(o) if is_reset(o) && p.from_client() => Detect::NeedMore,
                        Some(_) => Detect::No,
                    };
                }
                None => return Detect::No,
            }
        }
    };
    let Some(&b0) = first.first() else {
        return Detect::No;
    };
    let client_reset = matches!(
        b0 >> 3,
        op::HARD_RESET_CLIENT_V1 | op::HARD_RESET_CLIENT_V2 | op::HARD_RESET_CLIENT_V3
    );
    Detect::when(client_reset && b0 & 7 == 0 && looks_like_reset(first))
}

/// A client's hard reset: its wrapping parses, its message packet-ID is 0 and
/// nothing is acknowledged yet.
pub(super) fn looks_like_reset(b: &[u8]) -> bool {
    match guess_wrap(b) {
        Some(Wrap::Crypt)
            if b.first()
                .is_some_and(|o| o >> 3 == op::HARD_RESET_CLIENT_V3) =>
        {
            tls_crypt_v2_reset(b)
        }
        Some(Wrap::Crypt) => true,
        Some(w) => control_layout(b, w)
            .is_some_and(|l| l.acks.len() == 1 && l.mpid.as_ref().is_some_and(|(_, id)| *id == 0)),
        None => false,
    }
}

/// A tls-crypt-v2 client reset (OpenVPN 2.5's doc/tls-crypt-v2.txt): opcode and
/// session ID, the packet-ID and a time in the clear, the 32-byte tag, the encrypted
/// message, then the client key WKc ending in its own 16-bit length. A first byte of
/// 0x50 is also a QUIC short header, so the time and WKc's length must both fit.
pub(super) fn tls_crypt_v2_reset(b: &[u8]) -> bool {
    const FIXED: usize = 9 + 8 + CRYPT_TAG;
    let time_ok = be32(b, 13).is_some_and(plausible_time);
    let wkc = b.len().checked_sub(2).and_then(|at| be16(b, at));
    let wkc_ok = wkc.is_some_and(|w| {
        let w = usize::from(w);
        w > 2 + CRYPT_TAG && w <= b.len().saturating_sub(FIXED)
    });
    time_ok && wkc_ok
}

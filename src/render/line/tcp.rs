//! TCP as tcpdump's print-tcp.c prints it: ports, flags, sequence and acknowledgment
//! numbers (relative unless `-S`), window, urgent pointer, the options list and the
//! data length.
//!
//! Relative sequence numbers reproduce tcpdump's table: one entry per address/port
//! pair in a canonical order, created or reset by a segment with ACK set that is new
//! or carries SYN. SACK blocks are printed relative to the same entry, in the
//! direction they acknowledge. The options come decoded from
//! [`crate::decode::tcp_options`]; this file only formats them.

use super::dns;
use super::ip::{addr_after, push_addr};
use super::nd::{print_char, Bytes, Trunc};
use super::push_dec;
use super::telnet;
use super::text::{txtproto, TextProto};
use super::Ctx;
use crate::decode::checksum::Verdict;
use crate::decode::tcp::TcpFixed;
use crate::decode::tcp_options::{
    OptionsEnd, TcpOption, TcpOptionKind, TcpOptionValue, TcpOptions, TfoCookie,
};
use crate::decode::{TcpFlags, TcpLayer};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Entries kept per generation for relative sequence numbers. tcpdump never forgets;
/// here a full generation becomes the old one and the one before is dropped, so the
/// table holds the connections seen most recently (at most twice this many). 7/8 of a
/// power of two: the map holds that many in 2^17 buckets, and one more entry would
/// double them (at 2^17 entries a generation took 2^18 buckets, and `show` on a
/// million connections held 11 MB for the table instead of 5.5).
const SEQ_GENERATION: usize = (1 << 17) / 8 * 7;

/// A table key of any address family (a pair of IPv4 addresses, the usual case, takes
/// [`SeqKey4`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SeqKey {
    src: IpAddr,
    dst: IpAddr,
    ports: u32,
}

/// A table key between two IPv4 addresses: 12 bytes where [`SeqKey`] takes 40, so an
/// entry is 20 bytes instead of 48. A full generation of a capture with many
/// connections is 131,072 entries in a map of 262,144 buckets, two generations at once:
/// 11 MB instead of 26.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SeqKey4 {
    src: u32,
    dst: u32,
    ports: u32,
}

#[derive(Clone, Copy, Debug)]
struct SeqEntry {
    seq: u32,
    ack: u32,
}

/// What the TCP printer keeps from line to line: tcpdump's table, and the room the
/// options are decoded into.
#[derive(Default)]
pub(super) struct TcpState {
    seq: SeqTable,
    options: TcpOptions,
}

/// tcpdump's table of initial sequence numbers, carried from line to line: IPv4 pairs
/// in a map of their own with compact keys, the rest in another; the two are one
/// table (one count of entries, turned into the old generation together).
#[derive(Default)]
struct SeqTable {
    v4: Generations<SeqKey4>,
    other: Generations<SeqKey>,
}

/// The entries of this generation and of the one before.
struct Generations<K> {
    seq: HashMap<K, SeqEntry, foldhash::fast::RandomState>,
    seq_old: HashMap<K, SeqEntry, foldhash::fast::RandomState>,
}

impl<K> Default for Generations<K> {
    fn default() -> Self {
        Generations {
            seq: HashMap::default(),
            seq_old: HashMap::default(),
        }
    }
}

impl<K: Copy + Eq + std::hash::Hash> Generations<K> {
    /// The entry of `key`: one of the generation before moves into this one.
    fn find(&mut self, key: K) -> Option<SeqEntry> {
        match self.seq.get(&key) {
            Some(e) => Some(*e),
            None => self.seq_old.remove(&key).inspect(|e| {
                self.seq.insert(key, *e);
            }),
        }
    }

    /// This generation becomes the old one (the one before is dropped). The new
    /// generation takes the dropped one's map, emptied: a full map's buckets are
    /// reused instead of freed while a new map grows through every size again (on a
    /// million connections, those large pieces given back and asked for again left
    /// `show`'s peak RSS a few MB higher, depending on where they landed).
    fn turn(&mut self) {
        std::mem::swap(&mut self.seq, &mut self.seq_old);
        self.seq.clear();
    }
}

/// Which of the table's maps a key goes to.
#[derive(Clone, Copy)]
enum AnyKey {
    V4(SeqKey4),
    Other(SeqKey),
}

impl SeqTable {
    fn key(src: IpAddr, dst: IpAddr, ports: u32) -> AnyKey {
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => AnyKey::V4(SeqKey4 {
                src: s.to_bits(),
                dst: d.to_bits(),
                ports,
            }),
            _ => AnyKey::Other(SeqKey { src, dst, ports }),
        }
    }

    fn find(&mut self, key: AnyKey) -> Option<SeqEntry> {
        match key {
            AnyKey::V4(k) => self.v4.find(k),
            AnyKey::Other(k) => self.other.find(k),
        }
    }

    /// A new entry; a full generation first becomes the old one.
    fn insert(&mut self, key: AnyKey, e: SeqEntry) {
        if self.v4.seq.len() + self.other.seq.len() >= SEQ_GENERATION {
            self.v4.turn();
            self.other.turn();
        }
        match key {
            AnyKey::V4(k) => self.v4.seq.insert(k, e),
            AnyKey::Other(k) => self.other.seq.insert(k, e),
        };
    }
}

/// The table entry SACK blocks are relative to: tcpdump subtracts the entry's `seq`
/// from blocks going the reverse way and its `ack` from those going the canonical way.
fn sack_base(rev: bool, thseq: u32, thack: u32) -> u32 {
    if rev {
        thseq
    } else {
        thack
    }
}

/// The TCP part of the line (`-S` absolute numbers, `-q` quick, `-v` checksum and
/// the data of a reset).
/// `Flags [S.]`: the flags nearly every segment carries as one constant each (a store
/// or two), the rest through [`TcpFlags::letters`] (its `from_utf8` and a copy of
/// unknown length cost some 80 instructions a line).
fn push_flags(s: &mut String, flags: TcpFlags) {
    const ACK: u8 = TcpFlags::ACK;
    const PSH_ACK: u8 = TcpFlags::PSH | TcpFlags::ACK;
    const SYN: u8 = TcpFlags::SYN;
    const SYN_ACK: u8 = TcpFlags::SYN | TcpFlags::ACK;
    const FIN_ACK: u8 = TcpFlags::FIN | TcpFlags::ACK;
    const FIN_PSH_ACK: u8 = TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK;
    const RST: u8 = TcpFlags::RST;
    const RST_ACK: u8 = TcpFlags::RST | TcpFlags::ACK;
    let common = match flags.0 {
        ACK => "Flags [.]",
        PSH_ACK => "Flags [P.]",
        SYN => "Flags [S]",
        SYN_ACK => "Flags [S.]",
        FIN_ACK => "Flags [F.]",
        FIN_PSH_ACK => "Flags [FP.]",
        RST => "Flags [R]",
        RST_ACK => "Flags [R.]",
        _ => {
            s.push_str("Flags [");
            s.push_str(flags.letters(&mut [0; 8]));
            s.push(']');
            return;
        }
    };
    s.push_str(common);
}

pub(super) fn tcp(s: &mut String, t: &TcpLayer, state: &mut TcpState, ctx: &Ctx<'_>) {
    let table = &mut state.seq;
    let (absolute, quick) = (ctx.opts.absolute_seq, ctx.opts.quick);
    let Some((sport, dport)) = t.ports else {
        push_addr(s, t.src);
        s.push_str(" > ");
        push_addr(s, t.dst);
        s.push(':');
        return;
    };
    if t.addr_prefix {
        push_addr(s, t.src);
        s.push('.');
    }
    push_dec(s, sport);
    s.push_str(" > ");
    if t.addr_prefix {
        push_addr(s, t.dst);
        s.push('.');
    }
    push_dec(s, dport);
    s.push_str(": ");
    let Some(f) = &t.fixed else { return };
    let hlen = f.header_len;
    if hlen < 20 {
        let _ = write!(
            s,
            " tcp {} [bad hdr length {hlen} - too short, < 20]",
            t.length.wrapping_sub(hlen)
        );
        return;
    }
    if quick {
        // print-tcp.c's qflag branch: before the sequence table is consulted.
        let _ = write!(s, "tcp {}", t.length.wrapping_sub(hlen));
        if hlen > t.length {
            let _ = write!(s, " [bad hdr length {hlen} - too long, > {}]", t.length);
        }
        return;
    }
    push_flags(s, f.flags);
    let (mut seq, mut ack) = (f.seq, f.ack);
    let (mut thseq, mut thack, mut rev) = (0u32, 0u32, false);
    if !absolute && f.flags.has(TcpFlags::ACK) {
        rev = sport > dport || (sport == dport && addr_after(t.src, t.dst));
        let key = if rev {
            SeqTable::key(t.dst, t.src, u32::from(dport) << 16 | u32::from(sport))
        } else {
            SeqTable::key(t.src, t.dst, u32::from(sport) << 16 | u32::from(dport))
        };
        let found = table.find(key);
        let entry = match found {
            Some(e) if !f.flags.has(TcpFlags::SYN) => {
                if rev {
                    seq = seq.wrapping_sub(e.ack);
                    ack = ack.wrapping_sub(e.seq);
                } else {
                    seq = seq.wrapping_sub(e.seq);
                    ack = ack.wrapping_sub(e.ack);
                }
                e
            }
            _ => {
                let e = if rev {
                    SeqEntry {
                        ack: seq,
                        seq: ack.wrapping_sub(1),
                    }
                } else {
                    SeqEntry {
                        seq,
                        ack: ack.wrapping_sub(1),
                    }
                };
                table.insert(key, e);
                e
            }
        };
        thseq = entry.seq;
        thack = entry.ack;
    }
    if hlen > t.length {
        let _ = write!(s, " [bad hdr length {hlen} - too long, > {}]", t.length);
        return;
    }
    if ctx.opts.checksums() && !t.fragmented {
        if let Some(verdict) = t.checksum(ctx.frame) {
            let _ = write!(s, ", cksum 0x{:04x}", f.checksum);
            match verdict {
                Verdict::Correct => s.push_str(" (correct)"),
                Verdict::Incorrect { should_be, .. } => {
                    let _ = write!(s, " (incorrect -> 0x{should_be:04x})");
                }
            }
        }
    }
    let length = t.length - hlen;
    let always_seq = ctx.opts.verbose > 1;
    if always_seq || length > 0 || f.flags.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) != 0
    {
        s.push_str(", seq ");
        push_dec(s, seq);
        if length > 0 {
            s.push(':');
            push_dec(s, seq.wrapping_add(length));
        }
    }
    if f.flags.has(TcpFlags::ACK) {
        s.push_str(", ack ");
        push_dec(s, ack);
    }
    s.push_str(", win ");
    push_dec(s, f.window);
    if f.flags.has(TcpFlags::URG) {
        s.push_str(", urg ");
        push_dec(s, f.urgent);
    }
    if hlen > 20 && !options_of(s, f, &mut state.options, sack_base(rev, thseq, thack)) {
        return;
    }
    s.push_str(", length ");
    push_dec(s, length);
    if length > 0 {
        payload(
            s,
            (sport, dport),
            f.flags,
            Bytes(ctx.bytes(&t.data)),
            length,
            ctx,
        );
    }
}

/// What print-tcp.c prints after `length N`: the RST's text with `-v`, or the
/// printer of the first of its port tests that matches.
fn payload(
    s: &mut String,
    (sport, dport): (u16, u16),
    flags: TcpFlags,
    b: Bytes<'_>,
    length: u32,
    cx: &Ctx<'_>,
) {
    if flags.has(TcpFlags::RST) && cx.opts.verbose > 0 {
        rst_data(s, b, length);
        return;
    }
    let either = |p: u16| sport == p || dport == p;
    let text = |s: &mut String, proto: TextProto| {
        s.push_str(": ");
        txtproto(s, b, length, proto, cx);
    };
    if either(23) {
        telnet::telnet(s, b, length);
    } else if either(25) {
        text(s, TextProto::Smtp);
    } else if either(43) {
        text(s, TextProto::Whois);
    } else if either(179) || either(1723) {
        // BGP, PPTP: printers eavesdrop does not have.
    } else if either(6379) {
        super::apps::resp(s, b, length);
    } else if either(22) {
        ssh_banner(s, b, length);
    } else if either(139) || either(445) || either(10288) || either(976) || either(6653) {
        // NetBIOS session, SMB, BEEP, OpenFlow.
    } else if either(21) {
        text(s, TextProto::Ftp);
    } else if either(80) || either(8080) {
        text(s, TextProto::Http);
    } else if either(554) || either(8554) {
        text(s, TextProto::Rtsp);
    } else if either(53) {
        dns::domain(s, b, length, true, dns::Flavour::Dns, cx);
    }
}

/// print-tcp.c's `print_tcp_rst_data`: the text an RST carries (RFC 1122 4.2.2.12),
/// at most 30 bytes.
fn rst_data(s: &mut String, b: Bytes<'_>, length: u32) {
    const MAX_RST_DATA_LEN: u32 = 30;
    s.push_str(if b.has(0, length as usize) {
        " [RST"
    } else {
        " [!RST"
    });
    let mut n = length;
    if n > MAX_RST_DATA_LEN {
        n = MAX_RST_DATA_LEN;
        s.push('+');
    }
    s.push(' ');
    for &c in b.0.iter().take(n as usize) {
        print_char(s, c);
    }
    s.push(']');
}

/// print-ssh.c: a version line (`SSH-…` up to its line end, all printable) as
/// `: SSH: SSH-2.0-…`; anything else prints nothing.
fn ssh_banner(s: &mut String, b: Bytes<'_>, length: u32) {
    let len = length as usize;
    for (i, want) in b"SSH-".iter().enumerate() {
        match b.u8(i) {
            Ok(c) if c == *want => {}
            Ok(_) => return,
            Err(Trunc) => {
                s.push_str(" [|ssh]");
                return;
            }
        }
    }
    let mut idx = 4;
    while idx < len {
        let Ok(c) = b.u8(idx) else {
            s.push_str(" [|ssh]");
            return;
        };
        if c == b'\n' {
            break;
        } else if c == b'\r' {
            if idx + 1 >= len {
                return;
            }
            match b.u8(idx + 1) {
                Ok(b'\n') => break,
                Ok(_) => return,
                Err(Trunc) => {
                    s.push_str(" [|ssh]");
                    return;
                }
            }
        } else if !(0x20..0x7f).contains(&c) {
            return;
        }
        idx += 1;
    }
    if idx >= len {
        return;
    }
    s.push_str(": SSH: ");
    for &c in b.0.get(..idx).unwrap_or(&[]) {
        s.push(char::from(c));
    }
}

/// Prints the options list like tcpdump, SACK blocks less `sack_base`. Returns false
/// where tcpdump stops the line (a bad or cut-off option), after its marker.
/// The options of `f` (decoded into `room` unless they are the common ones); false
/// where tcpdump stops the line.
fn options_of(s: &mut String, f: &TcpFixed, room: &mut TcpOptions, sack_base: u32) -> bool {
    if let Some((val, ecr)) = nop_nop_timestamps(f) {
        s.push_str(", options [nop,nop,TS");
        timestamps(s, val, ecr);
        s.push(']');
        return true;
    }
    f.decode_options_into(room);
    options(s, room, sack_base)
}

/// The options nearly every segment of a Linux peer carries, `nop,nop,TS` and nothing
/// else, told from their 12 bytes: (TSval, TSecr). They print as the general path
/// prints them (a test holds the two together) at a tenth of the cost.
fn nop_nop_timestamps(f: &TcpFixed) -> Option<(u32, u32)> {
    if f.header_len != 32 {
        return None;
    }
    match f.options.as_slice() {
        [1, 1, 8, 10, v0, v1, v2, v3, e0, e1, e2, e3, ..] => Some((
            u32::from_be_bytes([*v0, *v1, *v2, *v3]),
            u32::from_be_bytes([*e0, *e1, *e2, *e3]),
        )),
        _ => None,
    }
}

/// A timestamps option's value: ` val 1 ecr 2`.
fn timestamps(s: &mut String, val: u32, ecr: u32) {
    s.push_str(" val ");
    push_dec(s, val);
    s.push_str(" ecr ");
    push_dec(s, ecr);
}

fn options(s: &mut String, opts: &TcpOptions, sack_base: u32) -> bool {
    s.push_str(", options [");
    let stops_inside = matches!(opts.end, OptionsEnd::Truncated | OptionsEnd::Bad);
    let last = opts.options.len().saturating_sub(1);
    for (i, opt) in opts.options.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        option_name(s, opt.kind);
        value(s, opt, sack_base);
        if stops_inside && i == last {
            break;
        }
        if opt.length_disagrees() {
            let _ = write!(s, "[len {}]", opt.len);
        }
    }
    // Whether an option was printed before the place the walk stopped: tcpdump then
    // closes what it opened (`]` after `[bad opt]`, `>` after `[|tcp]`).
    let before = if stops_inside {
        opts.options.len() > 1
    } else {
        !opts.options.is_empty()
    };
    let bad = |s: &mut String| {
        s.push_str("[bad opt]");
        if before {
            s.push(']');
        }
    };
    match opts.end {
        OptionsEnd::Complete => {
            s.push(']');
            return true;
        }
        // tcpdump's GET macros give up: no closing mark.
        OptionsEnd::CutOff { .. } => {
            if before {
                s.push(',');
            }
            s.push_str(" [|tcp]");
        }
        OptionsEnd::BadLength { .. } => {
            if before {
                s.push(',');
            }
            bad(s);
        }
        OptionsEnd::Truncated => {
            s.push_str(" [|tcp]");
            if before {
                s.push('>');
            }
        }
        OptionsEnd::Bad => bad(s),
    }
    false
}

fn value(s: &mut String, opt: &TcpOption, sack_base: u32) {
    match &opt.value {
        TcpOptionValue::Empty | TcpOptionValue::Missing => {}
        TcpOptionValue::Mss(v) => {
            s.push(' ');
            push_dec(s, *v);
        }
        TcpOptionValue::Wscale(v) => {
            s.push(' ');
            push_dec(s, *v);
        }
        TcpOptionValue::Sack { count, blocks } => {
            let _ = write!(s, " {count} ");
            for b in blocks {
                let left = b.left.wrapping_sub(sack_base);
                let right = b.right.wrapping_sub(sack_base);
                let _ = write!(s, "{{{left}:{right}}}");
            }
        }
        TcpOptionValue::SackBadLength => s.push_str(" invalid sack"),
        TcpOptionValue::Word(v) => {
            let _ = write!(s, " {v}");
        }
        TcpOptionValue::Timestamps { val, ecr } => timestamps(s, *val, *ecr),
        TcpOptionValue::Md5(sig) => {
            // Debian's tcpdump is built with libcrypto and no -M secret was given.
            s.push_str(" can't check - ");
            hex(s, sig);
        }
        TcpOptionValue::Scps { cap, id } => {
            let _ = write!(s, " cap {cap:02x} id {id}");
        }
        TcpOptionValue::TcpAo(ao) => {
            if let Some(keyid) = ao.keyid {
                let _ = write!(s, " keyid {keyid}");
            }
            if let Some(rnext) = ao.rnext_keyid {
                let _ = write!(s, " rnextkeyid {rnext}");
            }
            if let Some(mac) = &ao.mac {
                s.push_str(" mac 0x");
                hex(s, mac);
            }
        }
        TcpOptionValue::TcpAoTooShort => s.push_str(" (invalid)"),
        TcpOptionValue::Uto(uto) => {
            let _ = write!(s, " 0x{:x} {}", uto.raw, uto.tcpdump_value());
        }
        TcpOptionValue::FastOpen(cookie) => {
            s.push(' ');
            tfo_cookie(s, cookie);
        }
        TcpOptionValue::Experimental { exid, fast_open } => {
            s.push('-');
            match fast_open {
                Some(cookie) => {
                    s.push_str("tfo");
                    tfo_cookie(s, cookie);
                }
                None => {
                    let _ = write!(s, "{exid:04x}");
                }
            }
        }
        TcpOptionValue::Raw(data) => {
            if opt.declared_data_len() > 0 {
                s.push_str(" 0x");
            }
            hex(s, data);
        }
    }
}

fn tfo_cookie(s: &mut String, cookie: &TfoCookie) {
    match cookie {
        TfoCookie::Request => s.push_str(" cookiereq"),
        TfoCookie::Invalid { .. } => s.push_str(" (invalid)"),
        TfoCookie::Cookie(bytes) => {
            s.push_str(" cookie ");
            hex(s, bytes);
        }
    }
}

fn hex(s: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
}

/// tcpdump's option names (CC.ECHO has none).
fn option_name(s: &mut String, kind: TcpOptionKind) {
    let name = match kind {
        TcpOptionKind::EOL => "eol",
        TcpOptionKind::NOP => "nop",
        TcpOptionKind::MSS => "mss",
        TcpOptionKind::WSCALE => "wscale",
        TcpOptionKind::SACK_PERMITTED => "sackOK",
        TcpOptionKind::SACK => "sack",
        TcpOptionKind::ECHO => "echo",
        TcpOptionKind::ECHO_REPLY => "echoreply",
        TcpOptionKind::TIMESTAMPS => "TS",
        TcpOptionKind::CC => "cc",
        TcpOptionKind::CC_NEW => "ccnew",
        TcpOptionKind::CC_ECHO => "",
        TcpOptionKind::MD5 => "md5",
        TcpOptionKind::SCPS => "scps",
        TcpOptionKind::UTO => "uto",
        TcpOptionKind::TCP_AO => "tcp-ao",
        TcpOptionKind::MPTCP => "mptcp",
        TcpOptionKind::FAST_OPEN => "tfo",
        TcpOptionKind::EXPERIMENTAL => "exp",
        TcpOptionKind(other) => {
            let _ = write!(s, "unknown-{other}");
            return;
        }
    };
    s.push_str(name);
}

/// The options part of the line on named fixtures; the expected
/// text is what the printer produced before the decoders were split out of it.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::tcp::OptionBytes;
    use crate::decode::tcp_options::fixtures::*;

    /// The ISN table entry the SACK fixtures are relative to: 1000 in the direction the
    /// blocks acknowledge.
    const ISN: u32 = 1000;

    #[test]
    fn common_flags_read_as_the_general_letters() {
        for bits in 0..=255u8 {
            let flags = TcpFlags(bits);
            let mut s = String::from("x ");
            push_flags(&mut s, flags);
            assert_eq!(s, format!("x Flags [{flags}]"), "{bits:#04x}");
        }
    }

    /// A header of `header_len` bytes whose options are `captured`.
    fn fixed(captured: &[u8], header_len: u32) -> TcpFixed {
        TcpFixed {
            seq: 0,
            ack: 0,
            flags: TcpFlags(0),
            window: 0,
            urgent: 0,
            checksum: 0,
            header_len,
            options: OptionBytes::new(captured),
        }
    }

    fn options_text(f: Fixture, rev: bool) -> (String, bool) {
        let fixed = fixed(f.captured, f.header_len);
        let (thseq, thack) = if rev { (ISN, 0) } else { (0, ISN) };
        let mut s = String::new();
        let goes_on = options_of(
            &mut s,
            &fixed,
            &mut TcpOptions::default(),
            sack_base(rev, thseq, thack),
        );
        (s, goes_on)
    }

    /// `nop,nop,TS` told from its bytes prints what the general path prints, and
    /// anything else (another header length, cut short, other kinds) goes that way.
    #[test]
    fn nop_nop_timestamps_print_as_decoded() {
        let mut ts = vec![1, 1, 8, 10];
        ts.extend_from_slice(&0xfedc_ba98u32.to_be_bytes());
        ts.extend_from_slice(&7u32.to_be_bytes());
        let f = fixed(&ts, 32);
        assert_eq!(nop_nop_timestamps(&f), Some((0xfedc_ba98, 7)));
        let (mut fast, mut general) = (String::new(), String::new());
        assert!(options_of(&mut fast, &f, &mut TcpOptions::default(), 0));
        assert!(options(&mut general, &f.decode_options(), 0));
        assert_eq!(fast, general);
        assert_eq!(fast, ", options [nop,nop,TS val 4275878552 ecr 7]");
        assert_eq!(nop_nop_timestamps(&fixed(&ts, 36)), None);
        assert_eq!(nop_nop_timestamps(&fixed(ts.get(..11).unwrap(), 32)), None);
        let mut other = ts.clone();
        other[1] = 0;
        assert_eq!(nop_nop_timestamps(&fixed(&other, 32)), None);
    }

    macro_rules! options_text {
        ($($test:ident: $fixture:ident => $text:literal, $goes_on:literal;)*) => {$(
            #[test]
            fn $test() {
                let want = (format!(", options [{}", $text), $goes_on);
                assert_eq!(options_text($fixture, false), want, "forward");
                assert_eq!(options_text($fixture, true), want, "reverse");
            }
        )*};
    }

    options_text! {
        syn_common: SYN_COMMON => "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]", true;
        eol_ends_walk: EOL_ENDS_WALK => "eol]", true;
        mss_len_3_has_len_marker: MSS_LEN_3_HAS_LEN_MARKER => "mss 1460[len 3]]", true;
        wscale_len_4_walks_on: WSCALE_LEN_4_WALKS_ON => "wscale 7[len 4],eol]", true;
        sackok_len_4_walks_into_data: SACKOK_LEN_4_WALKS_INTO_DATA =>
            "sackOK[len 4],nop,nop]", true;
        len_past_header_is_bad_opt: LEN_PAST_HEADER_IS_BAD_OPT => "nop,nop,[bad opt]]", false;
        len_below_2_is_bad_opt: LEN_BELOW_2_IS_BAD_OPT => "[bad opt]", false;
        kind_cut_by_capture: KIND_CUT_BY_CAPTURE => "nop,nop, [|tcp]", false;
        len_cut_by_capture: LEN_CUT_BY_CAPTURE => "nop, [|tcp]", false;
        mss_cut_by_capture: MSS_CUT_BY_CAPTURE => "mss [|tcp]", false;
        ts_past_header_is_bad_opt: TS_PAST_HEADER_IS_BAD_OPT => "nop,TS[bad opt]]", false;
        sack_cut_mid_first_block: SACK_CUT_MID_FIRST_BLOCK => "sack 1  [|tcp]", false;
        sack_len_not_multiple_of_8: SACK_LEN_NOT_MULTIPLE_OF_8 =>
            "sack invalid sack,nop]", true;
        md5_signature: MD5_SIGNATURE =>
            "md5 can't check - 000102030405060708090a0b0c0d0e0f,eol]", true;
        scps_capabilities: SCPS_CAPABILITIES => "scps cap aa id 5]", true;
        uto_minutes: UTO_MINUTES => "uto 0x800b 983340]", true;
        uto_seconds: UTO_SECONDS => "uto 0x12c 150]", true;
        echo_and_cc_echo: ECHO_AND_CC_ECHO => "echo 256, 42]", true;
        tcp_ao_full: TCP_AO_FULL => "tcp-ao keyid 1 rnextkeyid 2 mac 0xaabbccdd]", true;
        tcp_ao_mac_cut_midway: TCP_AO_MAC_CUT_MIDWAY =>
            "nop,nop,nop,nop,tcp-ao keyid 1 rnextkeyid 2 mac 0xaabb [|tcp]>", false;
        tcp_ao_cut_after_keyid: TCP_AO_CUT_AFTER_KEYID => "tcp-ao keyid 1 [|tcp]", false;
        tcp_ao_too_short_is_invalid: TCP_AO_TOO_SHORT_IS_INVALID => "tcp-ao (invalid),eol]", true;
        tfo_cookie: TFO_COOKIE => "tfo  cookie 0102030405060708,nop,nop]", true;
        tfo_cookie_request: TFO_COOKIE_REQUEST => "tfo  cookiereq,nop,nop]", true;
        tfo_odd_cookie_is_invalid: TFO_ODD_COOKIE_IS_INVALID => "tfo  (invalid),eol]", true;
        tfo_cut_by_capture: TFO_CUT_BY_CAPTURE => "tfo [|tcp]", false;
        exp_tfo_magic: EXP_TFO_MAGIC => "exp-tfo cookie 0102030405060708]", true;
        exp_other_magic: EXP_OTHER_MAGIC => "exp-1234]", true;
        exp_too_short_is_bad_opt: EXP_TOO_SHORT_IS_BAD_OPT => "exp[bad opt]", false;
        mptcp_is_raw: MPTCP_IS_RAW => "mptcp 0x0081]", true;
        unknown_as_hex: UNKNOWN_AS_HEX => "unknown-153 0xabcd]", true;
        unknown_cut_midway: UNKNOWN_CUT_MIDWAY => "nop,unknown-153 0xab [|tcp]>", false;
        unknown_without_data: UNKNOWN_WITHOUT_DATA => "unknown-153,nop,nop]", true;
    }

    #[test]
    fn sack_blocks_are_relative_to_the_other_direction() {
        let forward = ", options [nop,nop,sack 2 {100:200}{300:400}]";
        assert_eq!(options_text(SACK_TWO_BLOCKS, false), (forward.into(), true));
        assert_eq!(options_text(SACK_TWO_BLOCKS, true), (forward.into(), true));
        // Without a table entry (absolute numbers, or a segment without ACK) both are 0.
        let fixed = TcpFixed {
            seq: 0,
            ack: 0,
            flags: TcpFlags(0),
            window: 0,
            urgent: 0,
            checksum: 0,
            header_len: SACK_TWO_BLOCKS.header_len,
            options: OptionBytes::new(SACK_TWO_BLOCKS.captured),
        };
        let mut s = String::new();
        assert!(options(
            &mut s,
            &fixed.decode_options(),
            sack_base(false, 0, 0)
        ));
        assert_eq!(s, ", options [nop,nop,sack 2 {1100:1200}{1300:1400}]");
    }

    #[test]
    fn sack_cut_after_first_block() {
        let want = ", options [nop,nop,sack 2 {100:200} [|tcp]>";
        assert_eq!(
            options_text(SACK_CUT_AFTER_FIRST_BLOCK, false),
            (want.into(), false)
        );
        assert_eq!(
            options_text(SACK_CUT_AFTER_FIRST_BLOCK, true),
            (want.into(), false)
        );
    }
}

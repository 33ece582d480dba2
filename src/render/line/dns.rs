//! DNS, mDNS and LLMNR as tcpdump's print-domain.c prints them: the id and flags,
//! the section counts, the questions of a query, the answers of a response (their
//! names only from `-v` on), EDNS options, and `(length)` — with its markers for what
//! does not parse (`<BAD PTR>`, `<ELT n>`, ` [|domain]`).
//!
//! Offsets are from the start of the DNS message (tcpdump's `bp`); the captured
//! bytes end where tcpdump's `ndo_snapend` does. Two ways of failing are kept apart
//! as tcpdump keeps them: a helper that returns NULL (`Ok(None)` here: its caller
//! decides, mostly ` [|domain]`) and a read that longjmps (`Err(Trunc)`).

use super::nd::{hex, printn, relts, Bytes, Res, Trunc};
use super::Ctx;
use std::fmt::Write as _;

const TYPE_MASK: u8 = 0xc0;
const TYPE_INDIR: u8 = 0xc0;
const TYPE_EDNS0: u8 = 0x40;
const TYPE_RESERVED: u8 = 0x80;
const EDNS0_ELT_BITLABEL: u8 = 0x01;
/// RFC 1035's limit on a name in its printed form (MAXCDNAME).
const MAXCDNAME: usize = 255;

const T_A: u16 = 1;
const T_NS: u16 = 2;
const T_CNAME: u16 = 5;
const T_SOA: u16 = 6;
const T_PTR: u16 = 12;
const T_MX: u16 = 15;
const T_TXT: u16 = 16;
const T_AAAA: u16 = 28;
const T_SRV: u16 = 33;
const T_A6: u16 = 38;
const T_DNAME: u16 = 39;
const T_OPT: u16 = 41;
const T_UNSPECA: u16 = 104;
const T_TSIG: u16 = 250;
const T_URI: u16 = 256;

const C_IN: u16 = 1;
/// mDNS: the top bit of a question's class asks for a unicast answer (QU), of an
/// answer's class flushes the cache.
const C_QU: u16 = 0x8000;

/// Which of tcpdump's entry points: plain DNS (port 53, LLMNR has none of its own),
/// or mDNS (port 5353: the class's top bit is a flag).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavour {
    Dns,
    Mdns,
}

/// tcpdump's `domain_print` for a datagram (`over_tcp` false) or a TCP segment that
/// starts with the two-byte length. `length` is the length tcpdump was handed.
pub(super) fn domain(
    s: &mut String,
    b: Bytes<'_>,
    length: u32,
    over_tcp: bool,
    flavour: Flavour,
    cx: &Ctx<'_>,
) {
    let mut length = length;
    let mut b = b;
    if over_tcp {
        if length < 2 {
            let _ = write!(s, " [DNS over TCP: length {length} < 2] (invalid)");
            return;
        }
        length -= 2;
        let Ok(prefix) = b.be16(0) else {
            s.push_str(" [|domain]");
            return;
        };
        if u32::from(prefix) != length {
            let _ = write!(
                s,
                " [prefix length({prefix}) != length({length})] (invalid)"
            );
            return;
        }
        b = b.from(2);
        s.push(' ');
    }
    if length < 12 {
        let _ = write!(s, "domain [length {length} < 12] (invalid)");
        return;
    }
    let p = Printer {
        b,
        mdns: flavour == Flavour::Mdns,
        v: cx.opts.verbose,
    };
    match p.message(s) {
        Ok(true) => {
            let _ = write!(s, " ({length})");
        }
        Ok(false) | Err(Trunc) => s.push_str(" [|domain]"),
    }
}

struct Printer<'a> {
    b: Bytes<'a>,
    mdns: bool,
    v: u8,
}

impl Printer<'_> {
    fn end(&self) -> usize {
        self.b.len()
    }

    /// The header and sections. `Ok(false)` is tcpdump's `goto trunc`.
    fn message(&self, s: &mut String) -> Res<bool> {
        let b = self.b;
        if !b.has(0, 12) {
            return Err(Trunc);
        }
        let id = b.be16(0)?;
        let flags = b.be16(2)?;
        let qd = u32::from(b.be16(4)?);
        let mut an = u32::from(b.be16(6)?);
        let ns = u32::from(b.be16(8)?);
        let ar = u32::from(b.be16(10)?);
        let rcode = self.extended_rcode(flags, qd, an, ns, ar);
        let opcode = usize::from((flags >> 11) & 0xf);
        if flags & 0x8000 != 0 {
            let _ = write!(s, "{id}{}", OPS.get(opcode).copied().unwrap_or(""));
            rcode_name(s, rcode);
            if flags & 0x0400 != 0 {
                s.push('*');
            }
            if flags & 0x0080 == 0 {
                s.push('-');
            }
            if flags & 0x0200 != 0 {
                s.push('|');
            }
            if flags & 0x0020 != 0 {
                s.push('$');
            }
            if qd != 1 {
                let _ = write!(s, " [{qd}q]");
            }
            let mut cp = 12;
            for i in 0..qd {
                if i != 0 {
                    s.push(',');
                }
                if self.v > 1 {
                    s.push_str(" q:");
                    match self.question(s, cp)? {
                        Some(next) => cp = next,
                        None => return Ok(false),
                    }
                } else {
                    match nskip(b, cp) {
                        Some(next) => cp = next + 4,
                        None => return Ok(false),
                    }
                }
            }
            let _ = write!(s, " {an}/{ns}/{ar}");
            if an > 0 {
                let Some(next) = self.record(s, cp)? else {
                    return Ok(false);
                };
                cp = next;
                an -= 1;
                while cp < self.end() && an > 0 {
                    s.push(',');
                    let Some(next) = self.record(s, cp)? else {
                        return Ok(false);
                    };
                    cp = next;
                    an -= 1;
                }
            }
            if an > 0 {
                return Ok(false);
            }
            if self.v > 1 && !self.authority_and_additional(s, cp, ns, ar)? {
                return Ok(false);
            }
        } else {
            let _ = write!(s, "{id}{}", OPS.get(opcode).copied().unwrap_or(""));
            if flags & 0x0100 != 0 {
                s.push('+');
            }
            if flags & 0x0010 != 0 {
                s.push('%');
            }
            if flags & 0x06cf != 0 {
                let _ = write!(s, " [b2&3=0x{flags:x}]");
            }
            // IQUERY: the answer section is the question.
            if opcode == 1 {
                if qd != 0 {
                    let _ = write!(s, " [{qd}q]");
                }
                if an != 1 {
                    let _ = write!(s, " [{an}a]");
                }
            } else {
                if an != 0 {
                    let _ = write!(s, " [{an}a]");
                }
                if qd != 1 {
                    let _ = write!(s, " [{qd}q]");
                }
            }
            if ns != 0 {
                let _ = write!(s, " [{ns}n]");
            }
            if ar != 0 {
                let _ = write!(s, " [{ar}au]");
            }
            let mut cp = 12;
            let mut qd = qd;
            if qd > 0 {
                let Some(next) = self.question(s, cp)? else {
                    return Ok(false);
                };
                cp = next;
                qd -= 1;
                while cp < self.end() && qd > 0 {
                    let Some(next) = self.question(s, cp)? else {
                        return Ok(false);
                    };
                    cp = next;
                    qd -= 1;
                }
            }
            if qd > 0 {
                return Ok(false);
            }
            if self.v > 1 {
                if an > 0 {
                    let Some(next) = self.record(s, cp)? else {
                        return Ok(false);
                    };
                    cp = next;
                    an -= 1;
                    while cp < self.end() && an > 0 {
                        s.push(',');
                        let Some(next) = self.record(s, cp)? else {
                            return Ok(false);
                        };
                        cp = next;
                        an -= 1;
                    }
                }
                if an > 0 {
                    return Ok(false);
                }
                if !self.authority_and_additional(s, cp, ns, ar)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The authority and additional sections from `cp`: ` ns:` and ` ar:`, each with
    /// its records separated by commas, as tcpdump's ns_print prints them. `Ok(false)`
    /// is tcpdump's `goto trunc` (a record that cannot be read, or fewer than counted).
    fn authority_and_additional(
        &self,
        s: &mut String,
        mut cp: usize,
        ns: u32,
        ar: u32,
    ) -> Res<bool> {
        for (mut count, label) in [(ns, " ns:"), (ar, " ar:")] {
            if cp < self.end() && count > 0 {
                s.push_str(label);
                loop {
                    let Some(next) = self.record(s, cp)? else {
                        return Ok(false);
                    };
                    cp = next;
                    count -= 1;
                    if cp >= self.end() || count == 0 {
                        break;
                    }
                    s.push(',');
                }
            }
            if count > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The RCODE with the upper bits an OPT record in the additional section adds
    /// (RFC 6891 section 6.1.3), found by skipping everything before it.
    fn extended_rcode(&self, flags: u16, qd: u32, an: u32, ns: u32, ar: u32) -> u32 {
        let b = self.b;
        let mut rcode = u32::from(flags & 0xf);
        let mut cp = 12usize;
        for _ in 0..qd {
            let Some(next) = nskip(b, cp) else {
                return rcode;
            };
            cp = next + 4;
            if cp >= self.end() {
                return rcode;
            }
        }
        for _ in 0..an.saturating_add(ns) {
            let Some(next) = nskip(b, cp) else {
                return rcode;
            };
            cp = next + 8;
            let Ok(rdlen) = b.be16(cp) else {
                return rcode;
            };
            cp += 2 + usize::from(rdlen);
            if cp >= self.end() {
                return rcode;
            }
        }
        for _ in 0..ar {
            let Some(next) = nskip(b, cp) else {
                return rcode;
            };
            cp = next;
            let Ok(kind) = b.be16(cp) else {
                return rcode;
            };
            cp += 4;
            let Ok(ext) = b.u8(cp) else {
                return rcode;
            };
            if kind == T_OPT {
                rcode |= u32::from(ext) << 4;
                return rcode;
            }
            cp += 4;
            let Ok(rdlen) = b.be16(cp) else {
                return rcode;
            };
            cp += 2 + usize::from(rdlen);
            if cp >= self.end() {
                return rcode;
            }
        }
        rcode
    }

    /// `ns_qprint`: ` TYPE[ CLASS][ (QU|QM)]? name`.
    fn question(&self, s: &mut String, cp: usize) -> Res<Option<usize>> {
        let b = self.b;
        let np = cp;
        let Some(cp) = nskip(b, cp).filter(|&c| b.has(c, 4)) else {
            return Ok(None);
        };
        s.push(' ');
        type_name(s, b.be16(cp)?);
        let raw = b.be16(cp + 2)?;
        let class = if self.mdns { raw & !C_QU } else { raw };
        if class != C_IN {
            s.push(' ');
            class_name(s, class);
        }
        if self.mdns {
            s.push_str(if raw & C_QU != 0 { " (QU)" } else { " (QM)" });
        }
        s.push_str("? ");
        Ok(fqdn(s, b, np)?.map(|c| c + 4))
    }

    /// `ns_rprint`: one resource record.
    fn record(&self, s: &mut String, cp: usize) -> Res<Option<usize>> {
        let b = self.b;
        let cp = if self.v > 0 {
            s.push(' ');
            match fqdn(s, b, cp)? {
                Some(c) => Some(c),
                None => return Ok(None),
            }
        } else {
            nskip(b, cp)
        };
        let Some(mut cp) = cp.filter(|&c| b.has(c, 10)) else {
            return Ok(Some(self.end()));
        };
        let typ = b.be16(cp)?;
        let raw = b.be16(cp + 2)?;
        cp += 4;
        let class = if self.mdns { raw & !C_QU } else { raw };
        if class != C_IN && typ != T_OPT {
            s.push(' ');
            class_name(s, class);
        }
        if self.mdns && raw & C_QU != 0 {
            s.push_str(" (Cache flush)");
        }
        let mut opt_flags = 0;
        if typ == T_OPT {
            opt_flags = b.be16(cp + 2)?;
            cp += 4;
        } else if self.v > 2 {
            s.push_str(" [");
            relts(s, b.be32(cp)?);
            s.push(']');
            cp += 4;
        } else {
            cp += 4;
        }
        let len = usize::from(b.be16(cp)?);
        cp += 2;
        let rp = cp + len;
        s.push(' ');
        type_name(s, typ);
        if rp > self.end() {
            return Ok(None);
        }
        match typ {
            T_A => {
                if !b.has(cp, 4) {
                    return Ok(None);
                }
                let _ = write!(s, " {}", b.ipv4(cp)?);
            }
            T_NS | T_CNAME | T_PTR | T_DNAME => {
                s.push(' ');
                if fqdn(s, b, cp)?.is_none() {
                    return Ok(None);
                }
            }
            T_SOA => {
                if self.v == 0 {
                    return Ok(Some(rp));
                }
                s.push(' ');
                let Some(c) = fqdn(s, b, cp)? else {
                    return Ok(None);
                };
                s.push(' ');
                let Some(c) = fqdn(s, b, c)? else {
                    return Ok(None);
                };
                if !b.has(c, 20) {
                    return Ok(None);
                }
                for i in 0..5 {
                    let _ = write!(s, " {}", b.be32(c + 4 * i)?);
                }
            }
            T_MX => {
                s.push(' ');
                if !b.has(cp, 2) {
                    return Ok(None);
                }
                if fqdn(s, b, cp + 2)?.is_none() {
                    return Ok(None);
                }
                let _ = write!(s, " {}", b.be16(cp)?);
            }
            T_TXT => {
                let mut c = cp;
                while c < rp {
                    s.push_str(" \"");
                    let Some(next) = cstring(s, b, c)? else {
                        return Ok(None);
                    };
                    c = next;
                    s.push('"');
                }
            }
            T_SRV => {
                s.push(' ');
                if !b.has(cp, 6) {
                    return Ok(None);
                }
                if fqdn(s, b, cp + 6)?.is_none() {
                    return Ok(None);
                }
                let _ = write!(
                    s,
                    ":{} {} {}",
                    b.be16(cp + 4)?,
                    b.be16(cp)?,
                    b.be16(cp + 2)?
                );
            }
            T_AAAA => {
                if !b.has(cp, 16) {
                    return Ok(None);
                }
                let _ = write!(s, " {}", b.ipv6(cp)?);
            }
            T_A6 => {
                let Ok(pbit) = b.u8(cp) else {
                    return Ok(None);
                };
                let pbyte = usize::from(pbit & !7) / 8;
                if pbit > 128 {
                    let _ = write!(s, " {pbit}(bad plen)");
                    return Ok(Some(rp));
                }
                if pbit < 128 {
                    let mut a = [0u8; 16];
                    let tail = b.get(cp + 1, 16 - pbyte)?;
                    if let Some(dst) = a.get_mut(pbyte..) {
                        dst.copy_from_slice(tail);
                    }
                    let _ = write!(
                        s,
                        " {pbit} {}",
                        super::ip::ipv6_text(&std::net::Ipv6Addr::from(a))
                    );
                }
                if pbit > 0 {
                    s.push(' ');
                    if fqdn(s, b, cp + 1 + 16 - pbyte)?.is_none() {
                        return Ok(None);
                    }
                }
            }
            T_URI => {
                if !b.has(cp, len) {
                    return Ok(None);
                }
                let _ = write!(s, " {} {} ", b.be16(cp)?, b.be16(cp + 2)?);
                if !printn(s, b, cp + 4, len.wrapping_sub(4)) {
                    return Ok(None);
                }
            }
            T_OPT => {
                let _ = write!(s, " UDPsize={class}");
                if opt_flags & 0x8000 != 0 {
                    s.push_str(" DO");
                }
                if cp < rp {
                    s.push_str(" [");
                    let mut c = cp;
                    while c < rp {
                        let Some(next) = edns_option(s, b, c)? else {
                            return Ok(None);
                        };
                        c = next;
                        if c < rp {
                            s.push(',');
                        }
                    }
                    s.push(']');
                }
            }
            T_UNSPECA => {
                if !b.has(cp, len) {
                    return Ok(None);
                }
                if !printn(s, b, cp, len) {
                    return Ok(None);
                }
            }
            T_TSIG => {
                if cp + len > self.end() {
                    return Ok(None);
                }
                if self.v == 0 {
                    return Ok(Some(rp));
                }
                s.push(' ');
                let Some(mut c) = fqdn(s, b, cp)? else {
                    return Ok(None);
                };
                c += 6;
                for (i, name) in ["fudge", "maclen", "origid", "error", "otherlen"]
                    .iter()
                    .enumerate()
                {
                    if !b.has(c, 2) {
                        return Ok(None);
                    }
                    let v = b.be16(c)?;
                    let _ = write!(s, " {name}={v}");
                    c += 2;
                    if i == 1 {
                        c += usize::from(v);
                    }
                }
            }
            _ => {}
        }
        Ok(Some(rp))
    }
}

/// `ns_nskip`: the offset after a name, following no pointer.
fn nskip(b: Bytes<'_>, cp: usize) -> Option<usize> {
    let mut cp = cp;
    let mut i = b.u8(cp).ok()?;
    cp += 1;
    while i != 0 {
        match i & TYPE_MASK {
            TYPE_INDIR => return Some(cp + 1),
            TYPE_EDNS0 => {
                if i & !TYPE_MASK != EDNS0_ELT_BITLABEL {
                    return None;
                }
                let mut bitlen = usize::from(b.u8(cp).ok()?);
                if bitlen == 0 {
                    bitlen = 256;
                }
                cp += 1 + bitlen.div_ceil(8);
            }
            TYPE_RESERVED => return None,
            _ => cp += usize::from(i),
        }
        i = b.u8(cp).ok()?;
        cp += 1;
    }
    Some(cp)
}

/// `labellen`: the length of the label at `cp` (a bit label's bytes, or the raw
/// byte for a pointer); `None` with tcpdump's complaint printed for a bad type.
fn labellen(s: &mut String, b: Bytes<'_>, cp: usize) -> Option<usize> {
    let i = b.u8(cp).ok()?;
    match i & TYPE_MASK {
        TYPE_EDNS0 => {
            let elt = i & !TYPE_MASK;
            if elt != EDNS0_ELT_BITLABEL {
                let _ = write!(s, "<ELT {elt}>");
                return None;
            }
            let mut bitlen = usize::from(b.u8(cp + 1).ok()?);
            if bitlen == 0 {
                bitlen = 256;
            }
            Some(bitlen.div_ceil(8) + 1)
        }
        TYPE_RESERVED => {
            s.push_str("<BAD LABEL TYPE>");
            None
        }
        _ => Some(usize::from(i)),
    }
}

/// `blabel_print`: an RFC 2673 bit-string label, `\[x…/bits]`.
fn blabel(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
    let Ok(first) = b.u8(cp) else {
        return Ok(None);
    };
    let bitlen = if first == 0 { 256 } else { usize::from(first) };
    let slen = bitlen.div_ceil(4);
    let lim = cp + 1 + slen;
    s.push_str("\\[x");
    let mut bitp = cp + 1;
    let mut bits = bitlen;
    while bitp < lim && bits > 7 {
        hex(s, &[b.u8(bitp)?]);
        bits -= 8;
        bitp += 1;
    }
    if bits > 4 {
        let tc = b.u8(bitp)?;
        let mask = (0xffu32 << (8 - bits)) as u8;
        hex(s, &[tc & mask]);
    } else if bits > 0 {
        let tc = b.u8(bitp)?;
        let v = ((tc >> 4) & 0x0f) & (0x0f << (4 - bits));
        let _ = write!(s, "{v:x}");
    }
    let _ = write!(s, "/{bitlen}]");
    Ok(Some(lim))
}

/// `fqdn_print`: a name with its pointers followed (backwards only, as BIND
/// requires), `.` for the root; returns where the name ends in place.
pub(super) fn fqdn(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
    let end = b.len();
    let Some(mut l) = labellen(s, b, cp) else {
        return Ok(None);
    };
    let Ok(mut i) = b.u8(cp) else {
        return Ok(None);
    };
    let mut max_offset = cp;
    let mut cp = cp + 1;
    let mut compress = false;
    let mut rp: Option<usize> = None;
    let mut name_chars = 0usize;
    if i & TYPE_MASK != TYPE_INDIR {
        rp = Some(cp + l);
    }
    if i == 0 {
        s.push('.');
        return Ok(rp);
    }
    while i != 0 && cp < end {
        match i & TYPE_MASK {
            TYPE_INDIR => {
                if !compress {
                    rp = Some(cp + 1);
                    compress = true;
                }
                let Ok(low) = b.u8(cp) else {
                    return Ok(None);
                };
                let offset = ((usize::from(i) << 8) | usize::from(low)) & 0x3fff;
                if offset >= max_offset {
                    s.push_str("<BAD PTR>");
                    return Ok(None);
                }
                max_offset = offset;
                cp = offset;
                let Ok(next) = b.u8(cp) else {
                    return Ok(None);
                };
                i = next;
                let Some(len) = labellen(s, b, cp) else {
                    return Ok(None);
                };
                l = len;
                cp += 1;
                continue;
            }
            TYPE_EDNS0 => {
                let elt = i & !TYPE_MASK;
                if elt == EDNS0_ELT_BITLABEL {
                    if blabel(s, b, cp)?.is_none() {
                        return Ok(None);
                    }
                } else {
                    let _ = write!(s, "<ELT {elt}>");
                    return Ok(None);
                }
            }
            TYPE_RESERVED => {
                s.push_str("<BAD LABEL TYPE>");
                return Ok(None);
            }
            _ => {
                if name_chars + l <= MAXCDNAME {
                    if !printn(s, b, cp, l) {
                        return Ok(None);
                    }
                } else if name_chars < MAXCDNAME && !printn(s, b, cp, MAXCDNAME - name_chars) {
                    return Ok(None);
                }
                name_chars += l;
            }
        }
        cp += l;
        if name_chars <= MAXCDNAME {
            s.push('.');
        }
        name_chars += 1;
        let Ok(next) = b.u8(cp) else {
            return Ok(None);
        };
        i = next;
        let Some(len) = labellen(s, b, cp) else {
            return Ok(None);
        };
        l = len;
        cp += 1;
        if !compress {
            rp = rp.map(|r| r + l + 1);
        }
    }
    if name_chars > MAXCDNAME {
        s.push_str("<DOMAIN NAME TOO LONG>");
    }
    Ok(rp)
}

/// `ns_cprint`: a <character-string>.
fn cstring(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
    let Ok(n) = b.u8(cp) else {
        return Ok(None);
    };
    let n = usize::from(n);
    if !printn(s, b, cp + 1, n) {
        return Ok(None);
    }
    Ok(Some(cp + 1 + n))
}

/// `eopt_print`: one EDNS option (RFC 6891 section 6.1.2).
fn edns_option(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
    let Ok(opt) = b.be16(cp) else {
        return Ok(None);
    };
    match EDNS_OPTS.iter().find(|(k, _)| *k == opt) {
        Some((_, name)) => s.push_str(name),
        None => {
            let _ = write!(s, "Opt{opt}");
        }
    }
    let Ok(len) = b.be16(cp + 2) else {
        return Ok(None);
    };
    let len = usize::from(len);
    let cp = cp + 4;
    if !b.has(cp, len) {
        return Ok(None);
    }
    if len > 0 {
        s.push(' ');
        let data = b.get(cp, len)?;
        match opt {
            8 => ecs(s, data),
            10 => {
                if len < 8 || (len > 8 && len < 16) || len > 40 {
                    s.push_str(" (invalid)");
                } else {
                    for (i, byte) in data.iter().enumerate() {
                        if i == 8 {
                            s.push(' ');
                        }
                        hex(s, &[*byte]);
                    }
                }
            }
            11 => match data {
                [a, b] => {
                    let tenths = u16::from_be_bytes([*a, *b]);
                    let _ = write!(s, "{:.1} sec", f64::from(tenths) / 10.0);
                }
                _ => s.push_str(" (invalid)"),
            },
            9 => match data {
                [a, b, c, d] => {
                    let _ = write!(s, "{} sec", u32::from_be_bytes([*a, *b, *c, *d]));
                }
                _ => s.push_str(" (invalid)"),
            },
            12 => {
                let _ = write!(s, "({len})");
            }
            14 => {
                if len % 2 != 0 {
                    s.push_str(" (invalid)");
                } else {
                    for (i, pair) in data.chunks_exact(2).enumerate() {
                        if i > 0 {
                            s.push(' ');
                        }
                        if let [a, b] = pair {
                            let _ = write!(s, "{}", u16::from_be_bytes([*a, *b]));
                        }
                    }
                }
            }
            5..=7 => {
                let table: &[(u8, &str)] = match opt {
                    5 => DAU_ALGS,
                    6 => DHU_ALGS,
                    _ => N3U_ALGS,
                };
                for (i, alg) in data.iter().enumerate() {
                    if i > 0 {
                        s.push(' ');
                    }
                    match table.iter().find(|(k, _)| k == alg) {
                        Some((_, name)) => s.push_str(name),
                        None => {
                            let _ = write!(s, "Alg_{alg}");
                        }
                    }
                }
            }
            13 => {
                // CHAIN: a name read from the option alone (no pointers out of it).
                let _ = fqdn(s, Bytes(data), 0);
            }
            _ => hex(s, data),
        }
    }
    Ok(Some(cp + len))
}

/// The EDNS Client Subnet option (RFC 7871): `address/source/scope`.
fn ecs(s: &mut String, data: &[u8]) {
    let [f0, f1, src, scope, addr @ ..] = data else {
        s.push_str(" (invalid)");
        return;
    };
    let family = u16::from_be_bytes([*f0, *f1]);
    let bits = match family {
        1 => 32,
        2 => 128,
        _ => {
            s.push_str(" (invalid)");
            return;
        }
    };
    let (src, scope) = (usize::from(*src), usize::from(*scope));
    if addr.len() > bits / 8 || src > bits || scope > bits || src.div_ceil(8) != addr.len() {
        s.push_str(" (invalid)");
        return;
    }
    let mut padded = [0u8; 16];
    if let Some(dst) = padded.get_mut(..addr.len()) {
        dst.copy_from_slice(addr);
    }
    if family == 1 {
        let [a, b, c, d, ..] = padded;
        let _ = write!(s, "{a}.{b}.{c}.{d}/{src}/{scope}");
    } else {
        let _ = write!(
            s,
            "{}/{src}/{scope}",
            super::ip::ipv6_text(&std::net::Ipv6Addr::from(padded))
        );
    }
}

const OPS: [&str; 16] = [
    "",
    " inv_q",
    " stat",
    " op3",
    " notify",
    " update",
    " op6",
    " op7",
    " op8",
    " updateA",
    " updateD",
    " updateDA",
    " updateM",
    " updateMA",
    " zoneInit",
    " zoneRef",
];

/// `ns_rcode`, including tcpdump's two entries without a leading space.
fn rcode_name(s: &mut String, rcode: u32) {
    const NAMES: [&str; 24] = [
        "",
        " FormErr",
        " ServFail",
        " NXDomain",
        " NotImp",
        " Refused",
        " YXDomain",
        " YXRRSet",
        " NXRRSet",
        " NotAuth",
        " NotZone",
        " Resp11",
        " Resp12",
        " Resp13",
        " Resp14",
        " NoChange",
        " BadVers",
        "Resp17",
        " Resp18",
        " Resp19",
        " Resp20",
        "Resp21",
        " Resp22",
        " BadCookie",
    ];
    match NAMES.get(rcode as usize) {
        Some(name) => s.push_str(name),
        None => {
            let _ = write!(s, " Resp{}", rcode & 0xfff);
        }
    }
}

pub(super) fn type_name(s: &mut String, t: u16) {
    let name = match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP_PTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        31 => "EID",
        32 => "NIMLOC",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        40 => "SINK",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "UNSPECA",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILB",
        254 => "MAILA",
        255 => "ANY",
        256 => "URI",
        _ => {
            let _ = write!(s, "Type{t}");
            return;
        }
    };
    s.push_str(name);
}

fn class_name(s: &mut String, c: u16) {
    let name = match c {
        1 => "IN",
        3 => "CHAOS",
        4 => "HS",
        255 => "ANY",
        _ => {
            let _ = write!(s, "(Class {c})");
            return;
        }
    };
    s.push_str(name);
}

const EDNS_OPTS: &[(u16, &str)] = &[
    (1, "LLQ"),
    (2, "UL"),
    (3, "NSID"),
    (5, "DAU"),
    (6, "DHU"),
    (7, "N3U"),
    (8, "ECS"),
    (9, "EXPIRE"),
    (10, "COOKIE"),
    (11, "KEEPALIVE"),
    (12, "PADDING"),
    (13, "CHAIN"),
    (14, "KEY-TAG"),
    (16, "CLIENT-TAG"),
    (17, "SERVER-TAG"),
];

const DAU_ALGS: &[(u8, &str)] = &[
    (0, "DELETE"),
    (1, "RSAMD5"),
    (2, "DH"),
    (3, "DS"),
    (5, "RSASHA1"),
    (6, "DSA-NSEC3-SHA1"),
    (7, "RSASHA1-NSEC3-SHA1"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
    (12, "ECC-GOST"),
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
    (252, "INDIRECT"),
    (253, "PRIVATEDNS"),
    (254, "PRIVATEOID"),
];

const DHU_ALGS: &[(u8, &str)] = &[
    (1, "SHA-1"),
    (2, "SHA-256"),
    (3, "GOST_R_34.11-94"),
    (4, "SHA-384"),
];

const N3U_ALGS: &[(u8, &str)] = &[(1, "SHA-1")];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::line::LineOptions;

    fn line(msg: &[u8], flavour: Flavour, verbose: u8) -> String {
        let cx = Ctx {
            opts: LineOptions {
                verbose,
                ..LineOptions::default()
            },
            frame: &[],
            orig_len: 0,
            isakmp: &Default::default(),
        };
        let mut s = String::new();
        domain(&mut s, Bytes(msg), msg.len() as u32, false, flavour, &cx);
        s
    }

    /// A query for www.tcpdump.org A with RD and an OPT record.
    const QUERY_WITH_OPT: &[u8] = b"\x59\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\
        \x03www\x07tcpdump\x03org\x00\x00\x01\x00\x01\
        \x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00";

    #[test]
    fn query_with_edns_prints_its_additional_count() {
        assert_eq!(
            line(QUERY_WITH_OPT, Flavour::Dns, 0),
            "22836+ [1au] A? www.tcpdump.org. (44)"
        );
    }

    /// tcpdump 4.99.3 prints no type when the name was cut (checked with it).
    #[test]
    fn query_cut_in_its_name_is_truncated() {
        assert_eq!(
            line(&QUERY_WITH_OPT[..20], Flavour::Dns, 0),
            "22836+ [1au] [|domain]"
        );
    }

    #[test]
    fn pointer_forward_is_bad() {
        // A response whose answer name points at itself.
        let msg = b"\x00\x01\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00\
            \xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x02\xc0\x0c";
        assert_eq!(
            line(msg, Flavour::Dns, 0),
            "1 [0q] 1/0/0 CNAME <BAD PTR> [|domain]"
        );
    }

    #[test]
    fn short_message_is_invalid() {
        assert_eq!(
            line(b"\x00\x01", Flavour::Dns, 0),
            "domain [length 2 < 12] (invalid)"
        );
    }
}

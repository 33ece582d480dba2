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

mod codes;
mod edns;
mod names;
mod record;
#[cfg(test)]
mod tests;

pub(super) use codes::type_name;
use codes::*;
use edns::*;
pub(super) use names::fqdn;
use names::*;

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
}

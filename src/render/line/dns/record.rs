//! One resource record as tcpdump's ns_rprint prints it: name, type, class, TTL and
//! rdata per type.

use super::*;

impl Printer<'_> {
    /// `ns_rprint`: one resource record.
    pub(super) fn record(&self, s: &mut String, cp: usize) -> Res<Option<usize>> {
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
                        super::super::ip::ipv6_text(&std::net::Ipv6Addr::from(a))
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

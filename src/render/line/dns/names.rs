//! Domain names: skipping, label lengths, bit labels, the compressed name printer
//! (fqdn) and character strings.

use super::*;

/// `ns_nskip`: the offset after a name, following no pointer.
pub(super) fn nskip(b: Bytes<'_>, cp: usize) -> Option<usize> {
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
pub(super) fn labellen(s: &mut String, b: Bytes<'_>, cp: usize) -> Option<usize> {
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
pub(super) fn blabel(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
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
pub(crate) fn fqdn(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
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
pub(super) fn cstring(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
    let Ok(n) = b.u8(cp) else {
        return Ok(None);
    };
    let n = usize::from(n);
    if !printn(s, b, cp + 1, n) {
        return Ok(None);
    }
    Ok(Some(cp + 1 + n))
}

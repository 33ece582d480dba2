//! EDNS options (client subnet and the algorithm lists) and their names.

use super::*;

/// `eopt_print`: one EDNS option (RFC 6891 section 6.1.2).
pub(super) fn edns_option(s: &mut String, b: Bytes<'_>, cp: usize) -> Res<Option<usize>> {
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
pub(super) fn ecs(s: &mut String, data: &[u8]) {
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
            super::super::ip::ipv6_text(&std::net::Ipv6Addr::from(padded))
        );
    }
}

pub(super) const EDNS_OPTS: &[(u16, &str)] = &[
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

pub(super) const DAU_ALGS: &[(u8, &str)] = &[
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

pub(super) const DHU_ALGS: &[(u8, &str)] = &[
    (1, "SHA-1"),
    (2, "SHA-256"),
    (3, "GOST_R_34.11-94"),
    (4, "SHA-384"),
];

pub(super) const N3U_ALGS: &[(u8, &str)] = &[(1, "SHA-1")];

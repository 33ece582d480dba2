//! RESP (Redis) as print-resp.c prints it: every item of a pipeline, cut short
//! where the capture ends.

use super::*;

/// print-resp.c: `: RESP` and every item of the segment (Redis pipelines several),
/// each string quoted; a segment cut short ends in ` [|resp]`.
pub(crate) fn resp(s: &mut String, b: Bytes<'_>, length: u32) {
    s.push_str(": RESP");
    let b = b.upto(length as usize);
    let mut at = 0usize;
    let mut left = length as usize;
    while left > 0 {
        match resp_item(s, b, at, left, 0) {
            Ok(Some(n)) if n > 0 => {
                at += n;
                left = left.saturating_sub(n);
            }
            Ok(_) => {
                s.push_str(" (invalid)");
                return;
            }
            Err(Trunc) => {
                s.push_str(" [|resp]");
                return;
            }
        }
    }
}

/// Where `\r\n` starts within `left` bytes from `at`.
pub(super) fn find_crlf(b: Bytes<'_>, at: usize, left: usize) -> Res<Option<usize>> {
    let mut i = 0;
    while i + 1 < left {
        if b.u8(at + i)? == b'\r' && b.u8(at + i + 1)? == b'\n' {
            return Ok(Some(i));
        }
        i += 1;
    }
    if at + left > b.len() {
        return Err(Trunc);
    }
    Ok(None)
}

pub(super) fn resp_segment(s: &mut String, b: Bytes<'_>, at: usize, n: usize) -> Res {
    let bytes = b.get(at, n)?;
    s.push_str(" \"");
    for &c in bytes {
        print_char(s, c);
    }
    s.push('"');
    Ok(())
}

/// A decimal length after a type byte, up to its `\r\n`: (value, bytes used).
pub(super) fn resp_length(b: Bytes<'_>, at: usize, left: usize) -> Res<Option<(i64, usize)>> {
    let Some(n) = find_crlf(b, at, left)? else {
        return Ok(None);
    };
    let text = b.get(at, n)?;
    let Some(v) = std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    Ok(Some((v, n + 2)))
}

/// One item from `at` (`left` bytes of the segment remain): the bytes it took, or
/// `None` where tcpdump calls it invalid.
pub(super) fn resp_item(
    s: &mut String,
    b: Bytes<'_>,
    at: usize,
    left: usize,
    depth: usize,
) -> Res<Option<usize>> {
    if depth > 64 {
        return Ok(None);
    }
    let op = b.u8(at)?;
    match op {
        b'+' | b'-' | b':' => {
            let Some(n) = find_crlf(b, at + 1, left - 1)? else {
                return Ok(None);
            };
            resp_segment(s, b, at + 1, n)?;
            Ok(Some(n + 3))
        }
        b'$' => {
            let Some((len, used)) = resp_length(b, at + 1, left - 1)? else {
                return Ok(None);
            };
            let mut taken = 1 + used;
            if len == 0 {
                s.push_str(" empty");
                taken += 2;
            } else if len > 0 {
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                if len > left - taken {
                    return Err(Trunc);
                }
                resp_segment(s, b, at + taken, len)?;
                taken += len + 2;
            } else if len == -1 {
                s.push_str(" null");
            } else {
                return Ok(None);
            }
            Ok(Some(taken.min(left)))
        }
        b'*' => {
            let Some((count, used)) = resp_length(b, at + 1, left - 1)? else {
                return Ok(None);
            };
            let mut taken = 1 + used;
            if count > 0 {
                let mut count = count;
                while count > 0 && taken < left {
                    match resp_item(s, b, at + taken, left - taken, depth + 1)? {
                        Some(n) if n > 0 => taken += n,
                        _ => return Ok(None),
                    }
                    count -= 1;
                }
            } else if count == 0 {
                s.push_str(" empty");
            } else if count == -1 {
                s.push_str(" null");
            } else {
                return Ok(None);
            }
            Ok(Some(taken))
        }
        _ => {
            // An inline command: a line ended by CR, LF or both.
            let mut i = 0;
            let mut start = 0;
            while start < left && matches!(b.u8(at + start)?, b'\r' | b'\n') {
                start += 1;
            }
            i += start;
            while i < left && !matches!(b.u8(at + i)?, b'\r' | b'\n') {
                i += 1;
            }
            if i >= left {
                return Err(Trunc);
            }
            resp_segment(s, b, at + start, i - start)?;
            while i < left && matches!(b.u8(at + i)?, b'\r' | b'\n') {
                i += 1;
            }
            Ok(Some(i))
        }
    }
}

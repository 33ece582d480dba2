//! RESP and inline commands read token by token: lines, numbers, bulk bodies, and
//! when a value is complete.

use super::*;

/// A line at the front of `b`: its length with the line end, and its text without.
pub(super) fn line(b: &[u8]) -> Option<(usize, &[u8])> {
    let nl = b.iter().take(MAX_LINE).position(|&c| c == b'\n')?;
    let text = b.get(..nl).unwrap_or(&[]);
    Some((nl + 1, text.strip_suffix(b"\r").unwrap_or(text)))
}

/// A RESP number: `-1`, `42`, or `?` (streamed: `None`).
pub(super) fn number(b: &[u8]) -> Result<Option<i64>, String> {
    if b == b"?" {
        return Ok(None);
    }
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| format!("not a RESP length: {:?}", crate::text::lossy(b)))
}

/// Labels one token at the front of `b` (stream offset `at`).
pub(super) fn token(side: &mut Side, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Tok {
    if side.bulk > 0 {
        return body(side, dir, at, b, out);
    }
    let top = side.open.is_empty() && !side.chunked;
    let Some(&kind) = b.first() else {
        return Tok::NeedMore;
    };
    let resp = b"*%~>|$!=;.+-:_,#(".contains(&kind);
    if top && !resp {
        if dir == Direction::ToServer {
            return inline(side, at, b, out);
        }
        return Tok::Bad(format!("{:?} starts no RESP value", char::from(kind)));
    }
    let Some((n, text)) = line(b) else {
        return if b.len() >= MAX_LINE {
            Tok::Bad("a RESP line longer than 64 KiB".into())
        } else {
            Tok::NeedMore
        };
    };
    let arg = text.get(1..).unwrap_or(&[]);
    let end = at + n as u64;
    // A reply's description, made only where it is printed (`flows` and `check` make
    // none: it was a string or two per value).
    let describe = out.descriptions();
    let head = |v: &mut Value, s: &dyn Fn() -> String| {
        if describe && v.head.is_none() {
            v.head = Some(s());
        }
    };
    match kind {
        b'*' | b'%' | b'~' | b'>' | b'|' => {
            out.field(at..end, REDIS_HEADER);
            let count = match number(arg) {
                Ok(c) => c,
                Err(e) => return Tok::Bad(e),
            };
            let pairs = matches!(kind, b'%' | b'|');
            let what = match kind {
                b'*' => "array",
                b'%' => "map",
                b'~' => "set",
                b'>' => "push",
                _ => "attribute",
            };
            if top && kind != b'|' {
                head(&mut side.value, &|| match count {
                    None => format!("{what}, streamed"),
                    Some(-1) => "null".into(),
                    Some(c) => format!("{what}, {}", crate::text::plural(c as u64, "element")),
                });
            }
            match count {
                Some(-1) if !pairs => Tok::Took {
                    n,
                    done: complete(side),
                },
                Some(c) if c < 0 || c as u64 > MAX_COUNT => {
                    Tok::Bad(format!("RESP {what} of {c} elements"))
                }
                Some(c) => {
                    let left = if pairs { c as u64 * 2 } else { c as u64 };
                    if top && dir == Direction::ToServer && kind == b'*' {
                        side.value.argc = left;
                    }
                    if side.open.len() >= MAX_DEPTH {
                        return Tok::Bad(format!("RESP values nested deeper than {MAX_DEPTH}"));
                    }
                    side.open.push(Open {
                        left: Some(left),
                        attr: kind == b'|',
                    });
                    let done = if left == 0 { close(side) } else { false };
                    Tok::Took { n, done }
                }
                None => {
                    if side.open.len() >= MAX_DEPTH {
                        return Tok::Bad(format!("RESP values nested deeper than {MAX_DEPTH}"));
                    }
                    side.open.push(Open {
                        left: None,
                        attr: kind == b'|',
                    });
                    Tok::Took { n, done: false }
                }
            }
        }
        b'$' | b'!' | b'=' | b';' => {
            out.field(at..end, REDIS_HEADER);
            match number(arg) {
                Ok(Some(-1)) if kind != b';' => {
                    if top {
                        head(&mut side.value, &|| "null".into());
                    }
                    Tok::Took {
                        n,
                        done: complete(side),
                    }
                }
                Ok(Some(0)) if kind == b';' => {
                    side.chunked = false;
                    Tok::Took {
                        n,
                        done: complete(side),
                    }
                }
                Ok(Some(len)) if (0..=MAX_COUNT as i64).contains(&len) => {
                    side.bulk = len as u64 + 2;
                    let v = &mut side.value;
                    if top && kind == b'!' {
                        head(v, &|| "error".into());
                    } else if top && kind != b';' {
                        head(v, &|| format!("bulk string, {len} bytes"));
                    }
                    let client_arg =
                        dir == Direction::ToServer && side.open.len() == 1 && kind == b'$';
                    let role = client_arg.then(|| v.role(b.get(n).copied()));
                    v.role = role;
                    v.word.clear();
                    Tok::Took { n, done: false }
                }
                Ok(None) if kind == b'$' => {
                    if top {
                        head(&mut side.value, &|| "bulk string, streamed".into());
                    }
                    side.chunked = true;
                    Tok::Took { n, done: false }
                }
                Ok(other) => Tok::Bad(format!("RESP string of length {other:?}")),
                Err(e) => Tok::Bad(e),
            }
        }
        b'.' => {
            out.field(at..end, REDIS_HEADER);
            match side.open.last() {
                Some(Open { left: None, .. }) => {
                    let attr = side.open.pop().is_some_and(|o| o.attr);
                    let done = !attr && complete(side);
                    Tok::Took { n, done }
                }
                _ => Tok::Bad("`.` ends no streamed aggregate".into()),
            }
        }
        _ => {
            // A simple value: type byte, text, line end.
            out.field(at..at + 1, REDIS_HEADER);
            out.field(at + 1..at + 1 + arg.len() as u64, REDIS_VALUE);
            out.field(at + 1 + arg.len() as u64..end, REDIS_HEADER);
            let lossy = crate::text::lossy(arg);
            let s = crate::text::shortened(&lossy, 72);
            let v = &mut side.value;
            remember(v, &s);
            if !top {
                return Tok::Took {
                    n,
                    done: complete(side),
                };
            }
            head(v, &|| match kind {
                b'+' => s.to_string(),
                b'-' => format!("error {s}"),
                b':' => format!("integer {s}"),
                b'_' => "null".into(),
                b'#' => format!("boolean {s}"),
                _ => format!("number {s}"),
            });
            Tok::Took {
                n,
                done: complete(side),
            }
        }
    }
}

/// A server's short string: `version` followed by its value names the server.
pub(super) fn remember(v: &mut Value, s: &str) {
    if v.after_version && v.version.is_none() {
        v.version = Some(s.to_string());
    }
    v.after_version = s == "version";
}

/// Bytes of a bulk string's body (and its CRLF).
pub(super) fn body(side: &mut Side, dir: Direction, at: u64, b: &[u8], out: &mut Emitter) -> Tok {
    let n = usize::try_from(side.bulk)
        .unwrap_or(usize::MAX)
        .min(b.len());
    let text_left = side.bulk.saturating_sub(2);
    let text = usize::try_from(text_left).unwrap_or(usize::MAX).min(n);
    let v = &mut side.value;
    let field = v.role.map_or(REDIS_VALUE, Role::field);
    out.field(at..at + text as u64, field);
    out.field(at + text as u64..at + n as u64, REDIS_HEADER);
    let room = WORD.saturating_sub(v.word.len());
    v.word
        .extend_from_slice(b.get(..text.min(room)).unwrap_or(&[]));
    side.bulk -= n as u64;
    if side.bulk > 0 {
        return Tok::Took { n, done: false };
    }
    let word = std::mem::take(&mut v.word);
    match v.role.take() {
        Some(role) => v.push_word(&word, role),
        None if dir == Direction::ToClient => remember(v, &crate::text::lossy(&word)),
        None => {}
    }
    if side.chunked {
        return Tok::Took { n, done: false };
    }
    Tok::Took {
        n,
        done: complete(side),
    }
}

/// An inline command: one line of words.
pub(super) fn inline(side: &mut Side, at: u64, b: &[u8], out: &mut Emitter) -> Tok {
    let Some((n, text)) = line(b) else {
        return if b.len() >= MAX_LINE {
            Tok::Bad("an inline command longer than 64 KiB".into())
        } else {
            Tok::NeedMore
        };
    };
    let words = super::super::framing::words(text);
    let v = &mut side.value;
    v.argc = words.len() as u64;
    let mut pos = 0usize;
    for w in &words {
        if w.start > pos {
            out.field(at + pos as u64..at + w.start as u64, REDIS_HEADER);
        }
        let bytes = text.get(w.clone()).unwrap_or(&[]);
        let role = v.role(bytes.first().copied());
        out.field(at + w.start as u64..at + w.end as u64, role.field());
        v.push_word(bytes, role);
        pos = w.end;
    }
    out.field(at + pos as u64..at + n as u64, REDIS_HEADER);
    Tok::Took { n, done: true }
}

/// A value ended: count it in its aggregate, closing those it completes. True when a
/// top-level value ended.
pub(super) fn complete(side: &mut Side) -> bool {
    match side.open.last_mut() {
        None => true,
        Some(Open { left: None, .. }) => false,
        Some(Open { left: Some(n), .. }) => {
            *n = n.saturating_sub(1);
            if *n == 0 {
                close(side)
            } else {
                false
            }
        }
    }
}

/// The innermost aggregate has all its elements: it is a value of its parent (unless it
/// is an attribute, which annotates the next value).
pub(super) fn close(side: &mut Side) -> bool {
    let attr = side.open.pop().is_some_and(|o| o.attr);
    if attr {
        return false;
    }
    complete(side)
}

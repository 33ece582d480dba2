//! The identification string and what comes before it (RFC 4253 section 4.2), and a
//! connection picked up after its key exchange.

use super::*;

impl Ssh {
    /// The identification string, after the lines a server may send before it.
    pub(super) fn version(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if rest.len() < 4 && b"SSH-".starts_with(rest) && !flush {
            return None;
        }
        let start = match version_line_after_text(rest) {
            Some(s) => s,
            None => return self.no_version(dir, at, rest, flush, out),
        };
        let line = rest.get(start..)?;
        let limit = MAX_PRE_BANNER.saturating_sub(start).max(MAX_VERSION_LINE);
        let (text_end, end) = match line.iter().take(limit).position(|&b| b == b'\n') {
            Some(nl) => {
                let cr = nl > 0 && line.get(nl - 1) == Some(&b'\r');
                (nl - usize::from(cr), nl + 1)
            }
            None if flush || line.len() >= limit => {
                // Cut off by the end of the stream, or a line without end: what there is.
                let n = line.len().min(limit);
                out.note(
                    at + start as u64..at + (start + n) as u64,
                    Severity::Note,
                    NoteGroup::Truncated,
                    format!("identification string without its line end ({n} bytes)"),
                );
                (n, n)
            }
            None => return None,
        };
        let text = line.get(..text_end)?;
        if start > 0 {
            out.field(at..at + start as u64, SSH_PRE_BANNER);
            let lines: Vec<&[u8]> = rest
                .get(..start)?
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .collect();
            let first = lines
                .first()
                .map(|l| crate::text::lossy(l.trim_ascii()).into_owned());
            out.event(
                at,
                Desc::App {
                    proto: "SSH",
                    text: format!(
                        "{} before the identification string: {}",
                        plural(lines.len() as u64, "line"),
                        shorten(&first.unwrap_or_default(), 60)
                    ),
                    leaks: Vec::new(),
                },
            );
        }
        let vat = at + start as u64;
        out.field(vat..vat + text_end as u64, SSH_PROTOCOL);
        out.field(vat + text_end as u64..vat + end as u64, SSH_PROTOCOL_EOL);
        if end > MAX_VERSION_LINE {
            out.note(
                vat..vat + end as u64,
                Severity::Note,
                NoteGroup::Malformed,
                format!(
                    "identification string of {end} bytes: RFC 4253 section 4.2 allows {MAX_VERSION_LINE}"
                ),
            );
        }
        let shown = crate::text::lossy(text).into_owned();
        let body = shown.strip_prefix("SSH-").unwrap_or(&shown);
        let (proto, software) = body.split_once('-').unwrap_or((body, ""));
        let banner = Banner {
            proto: proto.to_string(),
            software: software.to_string(),
        };
        out.event(
            vat,
            Desc::Leak {
                kind: LeakKind::Software,
                value: shown.clone(),
            },
        );
        out.event(
            vat,
            Desc::App {
                proto: "SSH",
                text: shown,
                leaks: Vec::new(),
            },
        );
        let side = self.sides.get_mut(dir.index())?;
        side.banner = Some(banner);
        side.phase = Phase::Binary;
        Some(start + end)
    }

    /// A direction that does not start with an identification string.
    pub(super) fn no_version(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        // Complete text lines: a server's lines before its version, or not SSH.
        let mut lines = 0usize;
        while let Some(nl) = rest
            .get(lines..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'))
        {
            if !rest.get(lines..=lines + nl).is_some_and(text_line) {
                break;
            }
            lines += nl + 1;
        }
        let tail = rest.get(lines..).unwrap_or(&[]);
        let tail_is_text = tail.is_empty() || unknown::looks_like_text(tail);
        if lines == 0 && !tail_is_text {
            return self.midstream(dir, at, rest, flush, out);
        }
        if tail_is_text && lines + tail.len() < MAX_PRE_BANNER && !flush {
            return None;
        }
        // Text, but no identification string: not SSH.
        out.note(
            at..at + 1,
            Severity::Note,
            NoteGroup::Protocol,
            "no SSH identification string: this direction is not SSH".into(),
        );
        self.set_phase(dir, Phase::NotSsh);
        Some(0)
    }

    /// A direction taken up without its identification string.
    pub(super) fn midstream(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let telnet = matches!(rest, [IAC, 0xf0..=0xfe, ..]);
        if rest.len() < HEAD && !flush && !telnet {
            return None;
        }
        let (phase, why) = if telnet {
            (Phase::NotSsh, "a Telnet command on the SSH port: not SSH")
        } else if plausible_clear_packet(rest) {
            (
                Phase::Clear,
                "no SSH identification string in this direction: taken up at a key exchange packet",
            )
        } else {
            (
                Phase::Unframed,
                "no SSH identification string in this direction (picked up mid-connection?): \
                 binary bytes on the SSH port are taken as encrypted packets, boundaries unknown",
            )
        };
        if phase != Phase::NotSsh {
            self.midstream = true;
        }
        out.note(
            at..at + 1,
            Severity::Note,
            NoteGroup::Protocol,
            why.to_string(),
        );
        self.set_phase(dir, phase);
        Some(0)
    }
}

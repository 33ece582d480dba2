//! Text protocols as tcpdump's `txtproto_print` (util-print.c) prints them: HTTP,
//! RTSP and SIP (a request or a status line), SMTP, FTP and WHOIS (every segment): the
//! protocol's name in capitals, then at the default verbosity the first line, or with
//! `-v` the length and every line, each on a line of its own.
//!
//! A line is printed only up to a line end inside the segment; printable ASCII that
//! runs to the end of the segment is printed followed by ` [|proto]`; anything else
//! (a control byte, a CR not before LF) stops the printing silently. A tab is the one
//! control byte tcpdump prints raw; here it is written `\t`, so that no control byte
//! from the capture reaches a terminal.

use super::nd::{Bytes, Res, Trunc};
use super::Ctx;
use std::fmt::Write as _;

/// One of tcpdump's text printers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TextProto {
    Http,
    Rtsp,
    Sip,
    Smtp,
    Ftp,
    Whois,
}

impl TextProto {
    /// tcpdump's `ndo_protocol`, which it prints in capitals and in ` [|proto]`.
    fn name(self) -> &'static str {
        match self {
            TextProto::Http => "http",
            TextProto::Rtsp => "rtsp",
            TextProto::Sip => "sip",
            TextProto::Smtp => "smtp",
            TextProto::Ftp => "ftp",
            TextProto::Whois => "whois",
        }
    }

    /// The request names that make a segment worth printing, for protocols that
    /// carry more than request and response lines; `None`: print every segment.
    fn commands(self) -> Option<&'static [&'static str]> {
        match self {
            TextProto::Http => Some(HTTP_COMMANDS),
            TextProto::Rtsp => Some(RTSP_COMMANDS),
            TextProto::Sip => Some(SIP_COMMANDS),
            TextProto::Smtp | TextProto::Ftp | TextProto::Whois => None,
        }
    }
}

const HTTP_COMMANDS: &[&str] = &[
    "GET",
    "PUT",
    "COPY",
    "HEAD",
    "LOCK",
    "MOVE",
    "POLL",
    "POST",
    "BCOPY",
    "BMOVE",
    "MKCOL",
    "TRACE",
    "LABEL",
    "MERGE",
    "DELETE",
    "SEARCH",
    "UNLOCK",
    "REPORT",
    "UPDATE",
    "NOTIFY",
    "BDELETE",
    "CONNECT",
    "OPTIONS",
    "CHECKIN",
    "PROPFIND",
    "CHECKOUT",
    "CANCELUPLOAD",
    "BPROPFIND",
    "BPROPPATCH",
    "UNCHECKOUT",
    "MKACTIVITY",
    "MKWORKSPACE",
    "UNSUBSCRIBE",
    "RPC_CONNECT",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
];

const RTSP_COMMANDS: &[&str] = &[
    "DESCRIBE",
    "ANNOUNCE",
    "GET_PARAMETER",
    "OPTIONS",
    "PAUSE",
    "PLAY",
    "RECORD",
    "REDIRECT",
    "SETUP",
    "SET_PARAMETER",
    "TEARDOWN",
];

const SIP_COMMANDS: &[&str] = &[
    "ACK",
    "BYE",
    "CANCEL",
    "DO",
    "INFO",
    "INVITE",
    "MESSAGE",
    "NOTIFY",
    "OPTIONS",
    "PRACK",
    "QAUTH",
    "REFER",
    "REGISTER",
    "SPRACK",
    "SUBSCRIBE",
    "UPDATE",
    "PUBLISH",
];

/// The longest token `fetch_token` keeps (MAX_TOKEN).
const MAX_TOKEN: usize = 128;

/// `txtproto_print`. `b` is what was captured of the `len` bytes of payload.
pub(super) fn txtproto(s: &mut String, b: Bytes<'_>, len: u32, proto: TextProto, cx: &Ctx<'_>) {
    let len = len as usize;
    let print_this = match proto.commands() {
        None => true,
        Some(commands) => match worth_printing(b, len, commands) {
            Ok(yes) => yes,
            Err(Trunc) => {
                capitals(s, proto);
                let _ = write!(s, " [|{}]", proto.name());
                return;
            }
        },
    };
    capitals(s, proto);
    if !print_this {
        return;
    }
    let done = if cx.opts.verbose > 0 {
        let _ = write!(s, ", length: {len}");
        let mut idx = 0;
        let mut done = Ok(());
        while idx < len {
            match txt_line(s, "\n\t", b, idx, len, proto) {
                Ok(Some(eol)) => idx = eol,
                Ok(None) => break,
                Err(t) => {
                    done = Err(t);
                    break;
                }
            }
        }
        done
    } else {
        txt_line(s, ": ", b, 0, len, proto).map(|_| ())
    };
    if done.is_err() {
        let _ = write!(s, " [|{}]", proto.name());
    }
}

fn capitals(s: &mut String, proto: TextProto) {
    for c in proto.name().chars() {
        s.push(c.to_ascii_uppercase());
    }
}

/// Whether the first token is one of the commands, or the first or second token (a
/// status line: `HTTP/1.1 200 OK`) a three-digit code.
fn worth_printing(b: Bytes<'_>, len: usize, commands: &[&str]) -> Res<bool> {
    let mut token = [0u8; MAX_TOKEN];
    let (idx, n) = fetch_token(b, 0, len, &mut token)?;
    if idx == 0 {
        return Ok(false);
    }
    let first = token.get(..n).unwrap_or(&[]);
    let mut yes = commands
        .iter()
        .any(|c| c.as_bytes().eq_ignore_ascii_case(first));
    // RESP_CODE_SECOND_TOKEN: the code is the next token.
    let (idx, n) = fetch_token(b, idx, len, &mut token)?;
    if idx != 0 {
        if let Some([a, b, c]) = token.get(..n) {
            if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() {
                yes = true;
            }
        }
    }
    Ok(yes)
}

/// `fetch_token`: the token at `idx` into `buf`; returns the index after it and the
/// whitespace that follows (0: no token) and the token's length.
fn fetch_token(
    b: Bytes<'_>,
    idx: usize,
    len: usize,
    buf: &mut [u8; MAX_TOKEN],
) -> Res<(usize, usize)> {
    let mut idx = idx;
    let mut n = 0;
    while idx < len {
        let Ok(c) = b.u8(idx) else {
            return Ok((0, 0));
        };
        if !c.is_ascii() {
            return Ok((0, 0));
        }
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            break;
        }
        if !(0x20..0x7f).contains(&c) {
            return Ok((0, 0));
        }
        // Room for the character and a terminating NUL in tcpdump's buffer.
        if n + 2 > MAX_TOKEN + 1 {
            return Ok((0, 0));
        }
        if let Some(slot) = buf.get_mut(n) {
            *slot = c;
        }
        n += 1;
        idx += 1;
    }
    if n == 0 {
        return Ok((0, 0));
    }
    while idx < len {
        let Ok(c) = b.u8(idx) else {
            break;
        };
        if c == b'\r' || c == b'\n' || !(0x20..0x7f).contains(&c) {
            break;
        }
        if c != b' ' && c != b'\t' {
            break;
        }
        idx += 1;
    }
    Ok((idx, n))
}

/// `print_txt_line`: the line at `idx`, after `prefix`; returns where the next line
/// starts, `None` where tcpdump stops printing. A line without its end in the segment
/// is printed and then the truncation marker.
fn txt_line(
    s: &mut String,
    prefix: &str,
    b: Bytes<'_>,
    idx: usize,
    len: usize,
    _proto: TextProto,
) -> Res<Option<usize>> {
    let start = idx;
    let mut idx = idx;
    let (line_end, next) = loop {
        if idx >= len {
            // All printable, but no line end in this segment.
            write_line(s, prefix, b, start, idx);
            return Err(Trunc);
        }
        let c = b.u8(idx)?;
        if c == b'\n' {
            break (idx, idx + 1);
        } else if c == b'\r' {
            if idx + 1 >= len {
                return Ok(None);
            }
            if b.u8(idx + 1)? == b'\n' {
                break (idx, idx + 2);
            }
            return Ok(None);
        } else if !(0x20..0x7f).contains(&c) && c != b'\t' {
            return Ok(None);
        }
        idx += 1;
    };
    write_line(s, prefix, b, start, line_end);
    Ok(Some(next))
}

/// A checked line of printable ASCII and tabs.
fn write_line(s: &mut String, prefix: &str, b: Bytes<'_>, start: usize, end: usize) {
    s.push_str(prefix);
    for &c in b.0.get(start..end).unwrap_or(&[]) {
        if c == b'\t' {
            s.push_str("\\t");
        } else {
            s.push(char::from(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::line::LineOptions;

    fn line(payload: &[u8], proto: TextProto) -> String {
        let cx = Ctx {
            opts: LineOptions {
                verbose: 0,
                ..LineOptions::default()
            },
            frame: &[],
            orig_len: 0,
            isakmp: &Default::default(),
        };
        let mut s = String::new();
        txtproto(&mut s, Bytes(payload), payload.len() as u32, proto, &cx);
        s
    }

    #[test]
    fn http_request_line() {
        assert_eq!(
            line(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", TextProto::Http),
            "HTTP: GET / HTTP/1.1"
        );
    }

    #[test]
    fn http_status_line_by_its_code() {
        assert_eq!(
            line(b"HTTP/1.1 404 Not Found\r\n", TextProto::Http),
            "HTTP: HTTP/1.1 404 Not Found"
        );
    }

    #[test]
    fn http_body_is_just_the_name() {
        assert_eq!(line(b"<html>\r\n", TextProto::Http), "HTTP");
        assert_eq!(line(b"\x16\x03\x01", TextProto::Http), "HTTP");
    }

    #[test]
    fn line_without_end_is_truncated() {
        assert_eq!(
            line(b"220 ready", TextProto::Smtp),
            "SMTP: 220 ready [|smtp]"
        );
    }

    #[test]
    fn cr_without_lf_stops_silently() {
        assert_eq!(line(b"220 a\rb\r\n", TextProto::Ftp), "FTP");
    }

    #[test]
    fn tab_is_escaped() {
        assert_eq!(line(b"USER\tx\r\n", TextProto::Ftp), "FTP: USER\\tx");
    }
}

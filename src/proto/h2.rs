//! HTTP/2 over cleartext TCP (h2c, RFC 9113): the client connection preface, then
//! frames of a nine-byte header (length, type, flags, stream ID). Recognised by the
//! preface, by a server's first SETTINGS frame (after `Upgrade: h2c`: HTTP/1.1 hands
//! the connection over), and by the same preface inside a decrypted TLS stream.
//!
//! What an observer reads is what HTTP/1 shows, compressed: HEADERS and CONTINUATION
//! carry HPACK blocks ([`super::hpack`]) that decode to `:authority` and `:path` (URL
//! leaks), `authorization` (a credential), `cookie` and `set-cookie`; DATA frames carry
//! the bodies, readable. SETTINGS size the peer's HPACK table; PING, WINDOW_UPDATE,
//! RST_STREAM, PRIORITY and GOAWAY are readable control.
//!
//! Bounds: frames up to [`MAX_WHOLE`] bytes are read whole, longer ones (a DATA frame
//! of up to 16 MiB) are labelled as they arrive; a header block (HEADERS and its
//! CONTINUATIONs) is gathered up to [`MAX_BLOCK`] bytes, beyond which it is labelled
//! readable without decoding and the direction's HPACK state is given up (a note).

use super::framing::{line_spans, Skip};
use super::hpack::Decoder;
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed, NameSource};
use crate::codec::{be24, be32};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "HTTP/2";
    // RFC 9113 sections 3.4 and 4-6; HPACK, RFC 7541.
    H2_PREFACE = "http2.magic", Content, Cleartext, None, "client connection preface (RFC 9113 section 3.4)";
    H2_FRAME = "http2.header", Header, Metadata, None, "frame header: length, type, flags, stream ID (RFC 9113 section 4.1)";
    H2_CONTROL = "http2.control", Content, Cleartext, None, "SETTINGS, PING, WINDOW_UPDATE, RST_STREAM, PRIORITY, GOAWAY payloads, padding and stream dependencies";
    H2_HEADERS = "http2.header.repr", Content, Cleartext, None, "HPACK field representations of a header block (RFC 7541 section 6)";
    H2_URL = "http2.headers.path", Content, Cleartext, Some(Url), ":authority, :path or host: the URL asked for";
    H2_AUTHORIZATION = "http2.headers.authorization", Content, Cleartext, Some(Credential), "authorization or proxy-authorization (RFC 9110 section 11.6), or a header that carries an API key or access token (x-api-key…)";
    H2_COOKIE = "http2.headers.cookie", Content, Cleartext, Some(Cookie), "cookie or set-cookie (RFC 6265)";
    H2_SOFTWARE = "http2.headers.user_agent", Content, Cleartext, Some(Software), "user-agent or server: the software and its version (RFC 9110 sections 10.1.5 and 10.2.4)";
    H2_DATA = "http2.data.data", Content, Cleartext, None, "DATA frame payload: a message body (RFC 9113 section 6.1)";
}

/// The client connection preface (RFC 9113 section 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Frames read whole up to this size.
const MAX_WHOLE: usize = 64 * 1024;
/// Header block bytes gathered at most across HEADERS and CONTINUATION.
const MAX_BLOCK: usize = 64 * 1024;
/// Header lines shown per request or response.
const NAMES_KEPT: usize = 16;

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const SETTINGS: u8 = 4;
const PUSH_PROMISE: u8 = 5;
const CONTINUATION: u8 = 9;

const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY_FLAG: u8 = 0x20;

/// A SETTINGS frame without ACK on stream 0, of whole settings: a server's first bytes.
fn settings_frame(b: &[u8]) -> bool {
    matches!(b, [a, x, y, SETTINGS, 0, 0, 0, 0, 0, ..] if {
        let len = usize::from(*a) << 16 | usize::from(*x) << 8 | usize::from(*y);
        len % 6 == 0 && len <= 6 * 16
    })
}

/// HTTP/2: the preface from a client, a SETTINGS frame from a server.
pub static PROTOCOL: Protocol = Protocol {
    name: "HTTP/2",
    detect: |p: &Probe<'_>| {
        let n = p.bytes.len().min(PREFACE.len());
        if p.from_client() {
            if p.bytes.get(..n) != PREFACE.get(..n) {
                Detect::No
            } else if n < PREFACE.len() {
                Detect::NeedMore
            } else {
                Detect::Yes
            }
        } else {
            Detect::when(settings_frame(p.bytes))
        }
    },
    ports: &[],
    new: |_| Box::<H2>::default(),
    fields: FIELDS,
};

#[derive(Debug, Default)]
struct H2Dir {
    preface_done: bool,
    /// Bytes of a long frame still to label, with their field.
    skip: Skip,
    /// The decoder of header blocks this direction sends.
    hpack: Decoder,
    /// HPACK state was lost (a gap, an oversized or malformed block).
    hpack_lost: bool,
    lost: bool,
}

#[derive(Debug, Default)]
pub struct H2 {
    dirs: [H2Dir; 2],
    authorities: Vec<String>,
}

impl Dissector for H2 {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let d = dir.index();
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            let Some(st) = self.dirs.get_mut(d) else {
                return Fed::Done(data.len());
            };
            let n = st.skip.take(at, rest, out);
            if n > 0 {
                pos += n;
                continue;
            }
            if st.lost {
                unknown::classify_chunk(at, rest, out);
                return Fed::Done(data.len());
            }
            if dir == Direction::ToServer && !st.preface_done {
                let n = rest.len().min(PREFACE.len());
                if rest.get(..n) == PREFACE.get(..n) {
                    if n < PREFACE.len() && !flush {
                        return Fed::Done(pos);
                    }
                    out.field(at..at + n as u64, H2_PREFACE);
                    out.event(
                        at,
                        Desc::App {
                            proto: "HTTP/2",
                            text: "connection preface".into(),
                            leaks: vec![],
                        },
                    );
                    st.preface_done = true;
                    pos += n;
                    continue;
                }
                st.preface_done = true;
            }
            let Some(len) = be24(rest, 0) else {
                if flush {
                    out.field(at..at + rest.len() as u64, H2_FRAME);
                    return Fed::Done(data.len());
                }
                return Fed::Done(pos);
            };
            let len = len as usize;
            let kind = rest.get(3).copied().unwrap_or(0);
            if kind > 0x0f && rest.get(4..9).is_some() && len > MAX_WHOLE * 4 {
                // Not an HTTP/2 frame header: framing is lost.
                st.lost = true;
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Malformed,
                    "no HTTP/2 frame starts here: the rest is not parsed".into(),
                );
                continue;
            }
            let total = 9 + len;
            if kind == HEADERS || kind == PUSH_PROMISE {
                match self.header_block(dir, at, rest, flush, out) {
                    Some(n) => {
                        pos += n;
                        continue;
                    }
                    None => return Fed::Done(pos),
                }
            }
            if total > MAX_WHOLE && rest.len() >= 9 {
                let have = rest.len().min(total);
                self.frame(dir, at, rest.get(..have).unwrap_or(rest), out);
                let field = if kind == DATA { H2_DATA } else { H2_CONTROL };
                if let Some(st) = self.dirs.get_mut(d) {
                    st.skip.start((total - have) as u64, field);
                }
                pos += have;
                continue;
            }
            match rest.get(..total) {
                Some(f) => {
                    self.frame(dir, at, f, out);
                    pos += total;
                }
                None if flush => {
                    self.frame(dir, at, rest, out);
                    out.note(
                        at..at + rest.len() as u64,
                        Severity::Note,
                        NoteGroup::Truncated,
                        format!("HTTP/2 frame cut off: {} of {total} bytes", rest.len()),
                    );
                    return Fed::Done(data.len());
                }
                None => return Fed::Done(pos),
            }
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(st) = self.dirs.get_mut(dir.index()) {
            if !st.skip.active() {
                st.lost = true;
            }
            st.hpack_lost = true;
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("HTTP/2".into());
        if !self.authorities.is_empty() {
            facts
                .details
                .push(("http2.authority", self.authorities.join(", ")));
        }
    }
}

fn frame_name(kind: u8) -> String {
    match kind {
        0 => "DATA".into(),
        1 => "HEADERS".into(),
        2 => "PRIORITY".into(),
        3 => "RST_STREAM".into(),
        4 => "SETTINGS".into(),
        5 => "PUSH_PROMISE".into(),
        6 => "PING".into(),
        7 => "GOAWAY".into(),
        8 => "WINDOW_UPDATE".into(),
        9 => "CONTINUATION".into(),
        k => format!("frame type {k:#04x}"),
    }
}

/// The payload of a frame without its padding: (start, end) in the frame.
fn unpadded(f: &[u8], flags: u8, extra: usize) -> (usize, usize) {
    let mut start = 9;
    let mut end = f.len();
    if flags & PADDED != 0 {
        let pad = usize::from(f.get(9).copied().unwrap_or(0));
        start += 1;
        end = end.saturating_sub(pad).max(start);
    }
    ((start + extra).min(end), end)
}

impl H2 {
    /// A frame other than HEADERS/PUSH_PROMISE (possibly only its head).
    fn frame(&mut self, dir: Direction, at: u64, f: &[u8], out: &mut Emitter) {
        out.field(at..at + 9.min(f.len()) as u64, H2_FRAME);
        let kind = f.get(3).copied().unwrap_or(0);
        let flags = f.get(4).copied().unwrap_or(0);
        let stream = be32(f, 5).unwrap_or(0) & 0x7fff_ffff;
        let len = be24(f, 0).unwrap_or(0);
        let body = at + 9.min(f.len()) as u64..at + f.len() as u64;
        let text = match kind {
            DATA => {
                let (s, e) = unpadded(f, flags, 0);
                line_spans(
                    out,
                    at + 9,
                    f.len().saturating_sub(9),
                    &[(s.saturating_sub(9)..e.saturating_sub(9), H2_DATA)],
                    H2_CONTROL,
                );
                let end = if flags & END_STREAM != 0 {
                    ", end of stream"
                } else {
                    ""
                };
                format!("DATA stream {stream}, {len} bytes{end}")
            }
            SETTINGS => {
                out.field(body, H2_CONTROL);
                let mut shown = Vec::new();
                for (i, s) in f
                    .get(9..)
                    .unwrap_or(&[])
                    .chunks_exact(6)
                    .enumerate()
                    .take(32)
                {
                    let id = u16::from_be_bytes([
                        s.first().copied().unwrap_or(0),
                        s.get(1).copied().unwrap_or(0),
                    ]);
                    let v = be32(s, 2).unwrap_or(0);
                    if id == 1 {
                        // SETTINGS_HEADER_TABLE_SIZE: how big the other side's
                        // encoder may make this side's decoder table.
                        if let Some(other) = self.dirs.get_mut(dir.reverse().index()) {
                            other.hpack.allow(v);
                        }
                    }
                    if i < 6 {
                        shown.push(format!("{}={v}", setting_name(id)));
                    }
                }
                if flags & 1 != 0 {
                    "SETTINGS ack".into()
                } else if shown.is_empty() {
                    "SETTINGS".into()
                } else {
                    format!("SETTINGS {}", shown.join(" "))
                }
            }
            _ => {
                out.field(body, H2_CONTROL);
                match kind {
                    3 => format!("RST_STREAM stream {stream}"),
                    6 => {
                        if flags & 1 != 0 {
                            "PING ack".into()
                        } else {
                            "PING".into()
                        }
                    }
                    7 => format!("GOAWAY error {}", be32(f, 13).unwrap_or(0)),
                    8 => format!(
                        "WINDOW_UPDATE stream {stream} +{}",
                        be32(f, 9).unwrap_or(0) & 0x7fff_ffff
                    ),
                    k => format!("{} stream {stream}", frame_name(k)),
                }
            }
        };
        out.event(
            at,
            Desc::App {
                proto: "HTTP/2",
                text,
                leaks: vec![],
            },
        );
    }

    /// HEADERS or PUSH_PROMISE and its CONTINUATION frames, gathered: `Some(bytes
    /// labelled)`, or `None` to wait for the rest.
    fn header_block(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        // Find the frames of the block: this one, then CONTINUATIONs until END_HEADERS.
        let mut frames: Vec<Range<usize>> = Vec::new();
        let mut pos = 0usize;
        let mut complete = false;
        let mut gathered = 0usize;
        while let Some(len) = be24(rest, pos) {
            let end = pos + 9 + len as usize;
            let kind = rest.get(pos + 3).copied();
            if !frames.is_empty() && kind != Some(CONTINUATION) {
                break;
            }
            gathered += len as usize;
            if gathered > MAX_BLOCK {
                break;
            }
            if end > rest.len() {
                break;
            }
            frames.push(pos..end);
            let flags = rest.get(pos + 4).copied().unwrap_or(0);
            pos = end;
            if flags & END_HEADERS != 0 {
                complete = true;
                break;
            }
        }
        let oversized = gathered > MAX_BLOCK;
        if !complete && !oversized && !flush {
            return None;
        }
        let d = dir.index();
        if !complete {
            // Labelled readable as it is, undecoded: the HPACK state is gone.
            let total = be24(rest, 0).map_or(rest.len(), |l| 9 + l as usize);
            let first_len = total.min(rest.len());
            out.field(at..at + 9.min(first_len) as u64, H2_FRAME);
            out.field(
                at + 9.min(first_len) as u64..at + first_len as u64,
                H2_HEADERS,
            );
            if let Some(st) = self.dirs.get_mut(d) {
                st.hpack_lost = true;
                st.skip.start((total - first_len) as u64, H2_HEADERS);
            }
            out.note(
                at..at + first_len as u64,
                Severity::Note,
                NoteGroup::Undecoded,
                if oversized {
                    format!("an HTTP/2 header block larger than {MAX_BLOCK} bytes: not decoded, and later blocks of this direction cannot be")
                } else {
                    "an HTTP/2 header block cut off: not decoded".into()
                },
            );
            return Some(first_len);
        }
        // The block's bytes and where each came from.
        let first = frames.first().cloned().unwrap_or(0..0);
        let kind = rest.get(3).copied().unwrap_or(0);
        let flags = rest.get(4).copied().unwrap_or(0);
        let stream = be32(rest, 5).unwrap_or(0) & 0x7fff_ffff;
        let f0 = rest.get(first.clone()).unwrap_or(&[]);
        let extra = match kind {
            HEADERS if flags & PRIORITY_FLAG != 0 => 5,
            PUSH_PROMISE => 4,
            _ => 0,
        };
        let (s0, e0) = unpadded(f0, flags, extra);
        let pieces: Vec<Range<usize>> = std::iter::once(first.start + s0..first.start + e0)
            .chain(frames.iter().skip(1).map(|f| f.start + 9..f.end))
            .collect();
        let mut block = Vec::new();
        for p in &pieces {
            block.extend_from_slice(rest.get(p.clone()).unwrap_or(&[]));
        }
        // Labels: frame headers, padding and priority as control, the block by field.
        for f in &frames {
            out.field(at + f.start as u64..at + (f.start + 9) as u64, H2_FRAME);
        }
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        let Some(st) = self.dirs.get_mut(d) else {
            return Some(pos);
        };
        let mut text = String::new();
        let mut leaks = Vec::new();
        if st.hpack_lost {
            text = format!(
                "{} stream {stream} (header compression state lost)",
                frame_name(kind)
            );
        } else {
            let (fields, err) = st.hpack.decode(&block);
            if let Some(e) = err {
                st.hpack_lost = true;
                out.note(
                    at..at + pos as u64,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("HPACK: {e}: later header blocks of this direction may be misread"),
                );
            }
            let get = |n: &str| {
                fields
                    .iter()
                    .find(|f| f.name == n.as_bytes())
                    .map(|f| crate::text::lossy(&f.value).into_owned())
            };
            let mut shown = Vec::new();
            for f in fields.iter().take(256) {
                let name = crate::text::lossy(&f.name).into_owned();
                let value = crate::text::lossy(&f.value).into_owned();
                let (field, leak) = match name.as_str() {
                    ":authority" | "host" => (H2_URL, Some(LeakKind::Url)),
                    ":path" => (H2_URL, Some(LeakKind::Url)),
                    "authorization" | "proxy-authorization" => {
                        (H2_AUTHORIZATION, Some(LeakKind::Credential))
                    }
                    n if super::http::is_token_header(n) => {
                        (H2_AUTHORIZATION, Some(LeakKind::Credential))
                    }
                    "cookie" | "set-cookie" => (H2_COOKIE, Some(LeakKind::Cookie)),
                    "user-agent" | "server" => (H2_SOFTWARE, Some(LeakKind::Software)),
                    _ => (H2_HEADERS, None),
                };
                if let (Some(r), Some(kind)) =
                    (f.value_bytes.clone().or(Some(f.repr.clone())), leak)
                {
                    parts.push((r, field));
                    let token = super::http::is_token_header(&name);
                    let value = if kind == LeakKind::Credential && !token {
                        super::http::describe_authorization(&value)
                    } else {
                        value.clone()
                    };
                    out.event(
                        at + pieces.first().map_or(0, |p| p.start) as u64,
                        Desc::Leak {
                            kind,
                            value: value.clone(),
                        },
                    );
                    match kind {
                        LeakKind::Credential => leaks.push(format!("{name}: {value}")),
                        LeakKind::Cookie => leaks.push(name.clone()),
                        _ => {}
                    }
                }
                if matches!(name.as_str(), ":authority" | "host")
                    && self.authorities.len() < NAMES_KEPT
                    && !self.authorities.contains(&value)
                {
                    self.authorities.push(value.clone());
                    out.event(
                        at,
                        Desc::Named {
                            name: value.clone(),
                            source: NameSource::HttpHost,
                        },
                    );
                }
                if shown.len() < NAMES_KEPT {
                    shown.push(name);
                }
            }
            text = match (get(":method"), get(":status")) {
                (Some(m), _) => {
                    let authority = get(":authority")
                        .or_else(|| get("host"))
                        .unwrap_or_default();
                    let path = get(":path").unwrap_or_default();
                    format!("{} stream {stream} {m} {authority}{path}", frame_name(kind))
                }
                (None, Some(s)) => format!("{} stream {stream} {s}", frame_name(kind)),
                _ if fields.is_empty() && text.is_empty() => {
                    format!("{} stream {stream}", frame_name(kind))
                }
                _ => format!(
                    "{} stream {stream} ({} fields)",
                    frame_name(kind),
                    fields.len()
                ),
            };
            if flags & END_STREAM != 0 && kind == HEADERS {
                text.push_str(", end of stream");
            }
        }
        // Map block offsets back to stream offsets, piece by piece.
        let mut mapped: Vec<(Range<usize>, FieldId)> = Vec::new();
        for (r, field) in parts {
            let mut off = 0usize;
            for p in &pieces {
                let (a, b) = (r.start.max(off), r.end.min(off + p.len()));
                if a < b {
                    mapped.push((p.start + (a - off)..p.start + (b - off), field));
                }
                off += p.len();
            }
        }
        for (i, f) in frames.iter().enumerate() {
            let body = f.start + 9..f.end;
            let inside: Vec<(Range<usize>, FieldId)> = mapped
                .iter()
                .filter(|(r, _)| r.start >= body.start && r.end <= body.end)
                .map(|(r, fl)| (r.start - body.start..r.end - body.start, *fl))
                .collect();
            // The block's own bytes in this frame; padding and priority are control.
            let block_piece = pieces.get(i).cloned().unwrap_or(body.clone());
            let mut all = vec![];
            if block_piece.start > body.start {
                all.push((0..block_piece.start - body.start, H2_CONTROL));
            }
            all.extend(inside);
            if block_piece.end < body.end {
                all.push((block_piece.end - body.start..body.len(), H2_CONTROL));
            }
            all.sort_by_key(|(r, _)| r.start);
            line_spans(out, at + body.start as u64, body.len(), &all, H2_HEADERS);
        }
        out.event(
            at,
            Desc::App {
                proto: "HTTP/2",
                text,
                leaks,
            },
        );
        Some(pos)
    }
}

fn setting_name(id: u16) -> String {
    match id {
        1 => "HEADER_TABLE_SIZE".into(),
        2 => "ENABLE_PUSH".into(),
        3 => "MAX_CONCURRENT_STREAMS".into(),
        4 => "INITIAL_WINDOW_SIZE".into(),
        5 => "MAX_FRAME_SIZE".into(),
        6 => "MAX_HEADER_LIST_SIZE".into(),
        8 => "ENABLE_CONNECT_PROTOCOL".into(),
        9 => "NO_RFC7540_PRIORITIES".into(),
        i => format!("{i:#06x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
        f.push(kind);
        f.push(flags);
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn run(dir: Direction, b: &[u8], chunks: usize) -> (Emitter, H2) {
        let mut h = H2::default();
        let mut out = Emitter::default();
        let mut buf = Vec::new();
        let mut base = 0u64;
        for c in b.chunks(chunks) {
            buf.extend_from_slice(c);
            if let Fed::Done(n) = h.feed(dir, base, &buf, false, &mut out) {
                buf.drain(..n);
                base += n as u64;
            }
        }
        h.feed(dir, base, &buf, true, &mut out);
        let mut seen = vec![0u8; b.len()];
        for s in &out.spans {
            for i in s.range.clone() {
                seen[i as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "every byte once");
        (out, h)
    }

    fn apps(out: &Emitter) -> Vec<String> {
        out.events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn preface_settings_headers_in_continuation_and_data() {
        let mut b = PREFACE.to_vec();
        b.extend(frame(SETTINGS, 0, 0, &[0, 1, 0, 0, 0x10, 0]));
        // RFC 7541 C.4.1's block, split across HEADERS and CONTINUATION, then a
        // literal authorization header (never indexed, name index 23).
        let auth = b"Basic YWxpY2U6c2VjcmV0";
        let mut block = hex::decode("828684418cf1e3c2e5f23a6ba0ab90f4ff").unwrap();
        block.extend_from_slice(&[0x1f, 0x08, auth.len() as u8]);
        block.extend_from_slice(auth);
        b.extend(frame(HEADERS, 0, 1, &block[..10]));
        b.extend(frame(CONTINUATION, END_HEADERS, 1, &block[10..]));
        b.extend(frame(DATA, END_STREAM | PADDED, 1, b"\x03hello\0\0\0"));
        for chunk in [1, 7, 1000] {
            let (out, h) = run(Direction::ToServer, &b, chunk);
            let a = apps(&out);
            assert_eq!(a[0], "connection preface []");
            assert!(a[1].starts_with("SETTINGS HEADER_TABLE_SIZE=4096"), "{a:?}");
            assert_eq!(
                a[2],
                "HEADERS stream 1 GET www.example.com/ [\"authorization: Basic alice:secret\"]"
            );
            assert_eq!(a[3], "DATA stream 1, 9 bytes, end of stream []");
            assert_eq!(h.authorities, ["www.example.com"]);
            assert!(out.spans.iter().any(|s| s.field == H2_AUTHORIZATION));
            assert!(out.spans.iter().any(|s| s.field == H2_URL));
            assert!(out
                .spans
                .iter()
                .any(|s| s.field == H2_DATA && s.range.end - s.range.start == 5));
        }
    }

    #[test]
    fn h2_hostile_frames_never_panic() {
        let mut b = PREFACE.to_vec();
        b.extend(frame(HEADERS, 0, 1, &[0x82]));
        // CONTINUATIONs that never end, past MAX_BLOCK.
        for _ in 0..20 {
            b.extend(frame(CONTINUATION, 0, 1, &vec![0x82; 4000]));
        }
        let (out, _) = run(Direction::ToServer, &b, 3000);
        assert!(out.notes.iter().any(|n| n.text.contains("larger than")));
        // A frame length of 2^24 - 1, cut.
        let mut b = frame(DATA, 0, 1, b"x");
        b[0..3].copy_from_slice(&[0xff, 0xff, 0xff]);
        run(Direction::ToClient, &b, 5);
        let mut block = frame(
            HEADERS,
            END_HEADERS | PADDED | PRIORITY_FLAG,
            1,
            &[200, 0, 0, 0, 0, 0, 0xbe],
        );
        for n in 0..block.len() {
            run(Direction::ToClient, &block[..n], 2);
        }
        block.truncate(9);
        run(Direction::ToClient, &block, 1);
    }
}

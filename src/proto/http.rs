//! HTTP/1.x (RFC 9112): request and status lines, header fields, bodies framed by
//! Content-Length, chunked transfer coding, or the end of the connection.
//!
//! Leaks: the request target and Host (URLs), Cookie and Set-Cookie, Authorization and
//! Proxy-Authorization (credentials; Basic is decoded for the description), and the
//! user name and password fields of a submitted form (`application/x-www-form-urlencoded`).

use super::framing::{line_spans, line_str, line_text, words, MAX_LINE};
use super::ntlmssp::Ntlm;
use super::registry::{Detect, Probe, Protocol};
use super::tls::{record::Plausible, starts_here};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed, NameSource};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use base64::Engine as _;
use std::ops::Range;

crate::fields! {
    proto = "HTTP";
    // HTTP/1.x, RFC 9112.
    HTTP_METHOD = "http.request.method", Content, Cleartext, None, "request method (RFC 9112 section 3)";
    HTTP_URI = "http.request.uri", Content, Cleartext, Some(Url), "request target (RFC 9112 section 3.2)";
    HTTP_VERSION = "http.request.version", Content, Cleartext, None, "protocol version";
    HTTP_STATUS = "http.response.code", Content, Cleartext, None, "status code (RFC 9112 section 4)";
    HTTP_REASON = "http.response.phrase", Content, Cleartext, None, "reason phrase";
    HTTP_HEADER = "http.header", Content, Cleartext, None, "header field (RFC 9110 section 5)";
    HTTP_HOST = "http.host", Content, Cleartext, Some(Url), "Host header (RFC 9110 section 7.2)";
    HTTP_COOKIE = "http.cookie", Content, Cleartext, Some(Cookie), "Cookie header (RFC 6265 section 5.4)";
    HTTP_SET_COOKIE = "http.set_cookie", Content, Cleartext, Some(Cookie), "Set-Cookie header (RFC 6265 section 4.1)";
    HTTP_USER_AGENT = "http.user_agent", Content, Cleartext, Some(Software), "User-Agent: the client software and its version (RFC 9110 section 10.1.5)";
    HTTP_SERVER = "http.server", Content, Cleartext, Some(Software), "Server: the server software and its version (RFC 9110 section 10.2.4)";
    HTTP_AUTHORIZATION = "http.authorization", Content, Cleartext, Some(Credential), "Authorization or Proxy-Authorization (RFC 9110 section 11.6)";
    HTTP_LINE = "http.line", Content, Cleartext, None, "separators and line ends of a request or response head";
    HTTP_BODY = "http.file_data", Content, Cleartext, None, "message body (RFC 9112 section 6)";
    HTTP_FORM_CREDENTIAL = "urlencoded-form.value", Content, Cleartext, Some(Credential), "a user name or password in a submitted form (application/x-www-form-urlencoded)";
}

/// HTTP/1.x: a request line from the client, a status line from the server, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "HTTP",
    detect: |p: &Probe<'_>| {
        Detect::when(if p.from_client() {
            looks_like_request(p.bytes)
        } else {
            p.starts_with_ignore_case(b"HTTP/1.")
        })
    },
    ports: &[80, 8080, 8000, 3128],
    new: |_| Box::<Http>::default(),
    fields: FIELDS,
};

/// One HTTP connection: each direction's framing, and the requests awaiting answers.
#[derive(Debug, Default)]
pub struct Http {
    dirs: [HttpDir; 2],
    requests: Requests,
    /// NTLM over HTTP (`WWW-Authenticate: NTLM`, `Authorization: NTLM`): the server
    /// challenge, for the next AUTHENTICATE message.
    ntlm: Ntlm,
}

impl Dissector for Http {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let fed = match self.dirs.get_mut(dir.index()) {
            Some(state) => state.feed(
                dir,
                base,
                data,
                flush,
                &mut self.requests,
                &mut self.ntlm,
                out,
            ),
            None => Fed::Done(0),
        };
        // After the server's 101, the client speaks the new protocol too (its frames
        // follow its request; RFC 6455 section 4.1).
        if self
            .dirs
            .get(Direction::ToClient.index())
            .is_some_and(|d| d.switched)
        {
            if let Some(c) = self.dirs.get_mut(Direction::ToServer.index()) {
                c.switched = true;
            }
        }
        fed
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(d) = self.dirs.get_mut(dir.index()) {
            d.gap();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("HTTP".into());
    }

    fn handover_protocol(&self) -> Option<&'static Protocol> {
        self.dirs
            .iter()
            .any(|d| d.switched && d.websocket)
            .then_some(&super::websocket::PROTOCOL)
    }

    fn handover_name(&self) -> &'static str {
        if self.dirs.iter().any(|d| d.switched) {
            "Upgrade"
        } else {
            "CONNECT"
        }
    }
}

const METHODS: &[&[u8]] = &[
    b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"CONNECT", b"TRACE",
];

/// True when bytes look like the start of an HTTP/1.x request line.
pub fn looks_like_request(bytes: &[u8]) -> bool {
    METHODS.iter().any(|m| {
        bytes.len() > m.len()
            && bytes.get(..m.len()) == Some(m)
            && bytes.get(m.len()) == Some(&b' ')
    })
}

/// What a request asked for, as far as its response's framing cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Req {
    Head,
    Connect,
    Other,
}

/// Requests awaiting responses (for HEAD and CONNECT), bounded.
pub type Requests = std::collections::VecDeque<Req>;
const MAX_REQUESTS: usize = 64;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Body {
    /// No body is being read: the next bytes start a message head.
    #[default]
    None,
    /// This many body bytes remain.
    Length(u64),
    /// Chunked transfer coding: expecting a chunk-size line.
    ChunkSize,
    /// Inside a chunk: this many bytes, then CRLF.
    ChunkData(u64),
    /// After the last chunk: trailer lines until an empty one.
    Trailer,
    /// Until the connection ends.
    UntilClose,
    /// Framing lost (a gap inside a message): readable text until a head appears.
    Lost,
    /// A submitted form of this many bytes, read whole to find its credential fields.
    Form(u64),
}

/// The largest form body read whole for its fields; longer ones are plain body bytes.
const MAX_FORM: u64 = 16 * 1024;

/// One direction of an HTTP connection.
#[derive(Debug, Default)]
pub struct HttpDir {
    body: Body,
    /// Inside a message head (after the start line).
    in_head: bool,
    /// Framing gathered from the current head.
    content_length: Option<u64>,
    chunked: bool,
    /// Content-Type: application/x-www-form-urlencoded.
    form: bool,
    /// A response without a body (HEAD request, 1xx/204/304).
    no_body: bool,
    /// This response answers CONNECT with 2xx: a tunnel (TLS, or anything) follows.
    tunnel: bool,
    /// A 101 Switching Protocols was sent: another protocol follows its head.
    switched: bool,
    /// The current head has `Upgrade: websocket`; after a 101, WebSocket follows.
    websocket: bool,
    /// The request this response answers.
    answers: Option<Req>,
    status: u16,
    /// Facts of the current head, for its event.
    start_at: u64,
    start_text: String,
    leaks: Vec<String>,
}

impl HttpDir {
    pub fn gap(&mut self) {
        self.body = Body::Lost;
        self.in_head = false;
    }

    #[allow(clippy::too_many_arguments)] // the connection's shared state: requests, NTLM
    pub fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        requests: &mut Requests,
        ntlm: &mut Ntlm,
        out: &mut Emitter,
    ) -> Fed {
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            match self.body {
                Body::Length(n) => {
                    let take = (rest.len() as u64).min(n) as usize;
                    out.field(at..at + take as u64, HTTP_BODY);
                    pos += take;
                    self.body = if n - take as u64 == 0 {
                        Body::None
                    } else {
                        Body::Length(n - take as u64)
                    };
                    continue;
                }
                Body::ChunkData(n) => {
                    let take = (rest.len() as u64).min(n) as usize;
                    out.field(at..at + take as u64, HTTP_BODY);
                    pos += take;
                    self.body = if n - take as u64 == 0 {
                        Body::ChunkSize
                    } else {
                        Body::ChunkData(n - take as u64)
                    };
                    continue;
                }
                Body::UntilClose => {
                    out.field(at..at + rest.len() as u64, HTTP_BODY);
                    return Fed::Done(data.len());
                }
                Body::Form(n) => {
                    if (rest.len() as u64) < n && !flush {
                        return Fed::Done(pos);
                    }
                    let take = (rest.len() as u64).min(n) as usize;
                    self.form_fields(rest.get(..take).unwrap_or(&[]), at, out);
                    self.flush_event(out);
                    pos += take;
                    self.body = Body::None;
                    continue;
                }
                Body::None | Body::ChunkSize | Body::Trailer | Body::Lost => {}
            }
            if self.body == Body::None && !self.in_head {
                // A message boundary: TLS may start here (after CONNECT, or Upgrade).
                match starts_here(rest) {
                    Plausible::Yes(_) => return Fed::Handover(pos),
                    Plausible::NeedMore if !flush => return Fed::Done(pos),
                    _ => {}
                }
                // HTTP/2 after `Upgrade: h2c` (RFC 7540 section 3.2): the server's
                // frames follow its 101, the client's preface its request.
                if self.switched
                    || (dir == Direction::ToServer && rest.starts_with(b"PRI * HTTP/2.0\r\n"))
                {
                    return Fed::Handover(pos);
                }
                if self.tunnel {
                    // A tunnel carrying something other than TLS: readable or not, as bytes go.
                    crate::proto::unknown::classify_chunk(at, rest, out);
                    return Fed::Done(data.len());
                }
                // Wait for the whole head (bounded), so its description lands on the
                // frame where the message starts, and that frame waits for it.
                if !flush && rest.len() < MAX_LINE && !head_complete(rest) {
                    return Fed::Done(pos);
                }
            }
            let line = match rest.iter().position(|&b| b == b'\n') {
                Some(nl) if nl < MAX_LINE => rest.get(..=nl).unwrap_or(rest),
                _ if rest.len() >= MAX_LINE => {
                    out.field(at..at + MAX_LINE as u64, HTTP_HEADER);
                    out.note(
                        at..at + MAX_LINE as u64,
                        Severity::Note,
                        NoteGroup::Malformed,
                        format!("an HTTP line longer than {MAX_LINE} bytes: labelled readable, not parsed"),
                    );
                    pos += MAX_LINE;
                    continue;
                }
                _ if flush => rest,
                _ => return Fed::Done(pos),
            };
            self.line(dir, line, at, requests, ntlm, out);
            pos += line.len();
        }
        if flush {
            self.flush_event(out);
        }
        Fed::Done(pos)
    }

    fn line(
        &mut self,
        dir: Direction,
        line: &[u8],
        at: u64,
        requests: &mut Requests,
        ntlm: &mut Ntlm,
        out: &mut Emitter,
    ) {
        let len = line.len();
        match self.body {
            Body::ChunkSize => {
                let text = line_text(line);
                let size = text
                    .split(';')
                    .next()
                    .map(str::trim)
                    .and_then(|h| u64::from_str_radix(h, 16).ok());
                line_spans(out, at, len, &[], HTTP_LINE);
                self.body = match size {
                    Some(0) => Body::Trailer,
                    Some(n) => Body::ChunkData(n + 2),
                    None => Body::Lost,
                };
                return;
            }
            Body::Trailer => {
                line_spans(out, at, len, &[], HTTP_HEADER);
                if line_str(line).is_empty() {
                    self.body = Body::None;
                }
                return;
            }
            Body::Lost => {
                let ok = if dir == Direction::ToServer {
                    looks_like_request(line)
                } else {
                    line.starts_with(b"HTTP/1.")
                };
                if !ok {
                    out.field(at..at + len as u64, crate::fields::TEXT);
                    return;
                }
                self.body = Body::None;
            }
            _ => {}
        }
        if !self.in_head {
            self.start_line(dir, line, at, requests, out);
            return;
        }
        if line_str(line).is_empty() {
            // The end of the head.
            line_spans(out, at, len, &[], HTTP_LINE);
            self.in_head = false;
            let form = match self.content_length {
                Some(n)
                    if self.form && dir == Direction::ToServer && (1..=MAX_FORM).contains(&n) =>
                {
                    Some(n)
                }
                _ => None,
            };
            if let Some(n) = form {
                // The head's event waits for the form, to name its credentials too.
                self.body = Body::Form(n);
                return;
            }
            self.flush_event(out);
            if self.answers == Some(Req::Connect) && (200..300).contains(&self.status) {
                self.tunnel = true;
            }
            if dir == Direction::ToClient && self.status == 101 {
                self.switched = true;
            }
            self.body = if self.no_body || self.tunnel {
                Body::None
            } else if self.chunked {
                Body::ChunkSize
            } else if let Some(n) = self.content_length {
                if n == 0 {
                    Body::None
                } else {
                    Body::Length(n)
                }
            } else if dir == Direction::ToClient {
                Body::UntilClose
            } else {
                Body::None
            };
            return;
        }
        self.header(line, at, ntlm, out);
    }

    fn start_line(
        &mut self,
        dir: Direction,
        line: &[u8],
        at: u64,
        requests: &mut Requests,
        out: &mut Emitter,
    ) {
        let w = words(line);
        self.leaks.clear();
        self.content_length = None;
        self.chunked = false;
        self.form = false;
        self.no_body = false;
        if !self.switched {
            self.websocket = false;
        }
        self.start_at = at;
        let len = line.len();
        if dir == Direction::ToServer && looks_like_request(line) {
            let parts: Vec<(Range<usize>, FieldId)> = w
                .iter()
                .take(3)
                .zip([HTTP_METHOD, HTTP_URI, HTTP_VERSION])
                .map(|(r, f)| (r.clone(), f))
                .collect();
            line_spans(out, at, len, &parts, HTTP_LINE);
            let method = w.first().and_then(|r| line.get(r.clone())).unwrap_or(&[]);
            let target = w.get(1).and_then(|r| line.get(r.clone())).unwrap_or(&[]);
            self.start_text = format!(
                "{} {}",
                String::from_utf8_lossy(method),
                String::from_utf8_lossy(target)
            );
            if !target.is_empty() {
                out.event(
                    at,
                    Desc::Leak {
                        kind: LeakKind::Url,
                        value: String::from_utf8_lossy(target).into_owned(),
                    },
                );
            }
            self.in_head = true;
            if requests.len() < MAX_REQUESTS {
                requests.push_back(match method {
                    b"HEAD" => Req::Head,
                    b"CONNECT" => Req::Connect,
                    _ => Req::Other,
                });
            }
        } else if line.starts_with(b"HTTP/1.") {
            let parts: Vec<(Range<usize>, FieldId)> = w
                .iter()
                .take(2)
                .zip([HTTP_VERSION, HTTP_STATUS])
                .map(|(r, f)| (r.clone(), f))
                .chain(
                    w.get(2)
                        .map(|r| (r.start..line_str(line).len(), HTTP_REASON)),
                )
                .collect();
            line_spans(out, at, len, &parts, HTTP_LINE);
            let code: u16 = w
                .get(1)
                .and_then(|r| line.get(r.clone()))
                .and_then(|c| std::str::from_utf8(c).ok())
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            // A 1xx is followed by the real response to the same request.
            self.answers = if (100..200).contains(&code) {
                requests.front().copied()
            } else {
                requests.pop_front()
            };
            self.no_body = (100..200).contains(&code)
                || code == 204
                || code == 304
                || self.answers == Some(Req::Head);
            self.start_text = line_text(line);
            self.in_head = true;
            self.status = code;
        } else {
            // Not HTTP after all (or framing lost): readable text, no parsing.
            out.field(at..at + len as u64, crate::fields::TEXT);
            self.body = Body::Lost;
        }
    }

    fn header(&mut self, line: &[u8], at: u64, ntlm: &mut Ntlm, out: &mut Emitter) {
        let len = line.len();
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            line_spans(out, at, len, &[], HTTP_HEADER);
            return;
        };
        let name = line.get(..colon).unwrap_or(&[]);
        let value_start = colon
            + 1
            + line.get(colon + 1..).map_or(0, |r| {
                r.iter().take_while(|&&b| b == b' ' || b == b'\t').count()
            });
        let value_end = line_str(line).len().max(value_start);
        let value = line.get(value_start..value_end).unwrap_or(&[]);
        // The name in lower case, on the stack: most headers need neither it nor
        // their value as a string (a string per header was most of a request's
        // allocations).
        let mut lower = [0u8; 24];
        let lname = match lower.get_mut(..name.len()) {
            Some(l) => {
                l.copy_from_slice(name);
                l.make_ascii_lowercase();
                std::str::from_utf8(l).unwrap_or("")
            }
            None => "",
        };
        let vtext = || String::from_utf8_lossy(value).into_owned();
        if lname == "upgrade" && value.eq_ignore_ascii_case(b"websocket") {
            self.websocket = true;
        }
        // NTLM inside the header (MS-NTHT): decoded, its names and response reported.
        let ntlm_msg = match lname {
            "authorization" | "proxy-authorization" | "www-authenticate" | "proxy-authenticate" => {
                // Base64 is ASCII: a value that is not UTF-8 carries no NTLM token.
                std::str::from_utf8(value)
                    .ok()
                    .and_then(ntlm_token)
                    .and_then(|t| ntlm.message(&t))
            }
            _ => None,
        };
        if let Some(m) = &ntlm_msg {
            m.report(out, at + value_start as u64);
        }
        let (field, leak) = match lname {
            "host" => (HTTP_HOST, Some((LeakKind::Url, vtext()))),
            "authorization" | "proxy-authorization" if ntlm_msg.is_some() => {
                // Its credentials (the NT response) were reported with the message.
                let shown = ntlm_msg.as_ref().map(|m| m.summary()).unwrap_or_default();
                self.leaks
                    .push(format!("{}: {shown}", String::from_utf8_lossy(name)));
                (HTTP_AUTHORIZATION, None)
            }
            "www-authenticate" | "proxy-authenticate" if ntlm_msg.is_some() => {
                let shown = ntlm_msg.as_ref().map(|m| m.summary()).unwrap_or_default();
                self.leaks
                    .push(format!("{}: {shown}", String::from_utf8_lossy(name)));
                (HTTP_HEADER, None)
            }
            "cookie" => (HTTP_COOKIE, Some((LeakKind::Cookie, vtext()))),
            "set-cookie" => (HTTP_SET_COOKIE, Some((LeakKind::Cookie, vtext()))),
            "user-agent" => (HTTP_USER_AGENT, Some((LeakKind::Software, vtext()))),
            "server" => (HTTP_SERVER, Some((LeakKind::Software, vtext()))),
            "authorization" | "proxy-authorization" => {
                let shown = describe_authorization(&vtext());
                self.leaks
                    .push(format!("{}: {shown}", String::from_utf8_lossy(name)));
                (HTTP_AUTHORIZATION, Some((LeakKind::Credential, shown)))
            }
            _ => (HTTP_HEADER, None),
        };
        match lname {
            "content-length" => {
                self.content_length = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok());
            }
            "transfer-encoding" => {
                self.chunked = value.windows(7).any(|w| w.eq_ignore_ascii_case(b"chunked"));
            }
            "content-type" => {
                let form = b"application/x-www-form-urlencoded";
                self.form = value
                    .get(..form.len())
                    .is_some_and(|v| v.eq_ignore_ascii_case(form));
            }
            "cookie" | "set-cookie" => self.leaks.push(String::from_utf8_lossy(name).into_owned()),
            _ => {}
        }
        let parts = [(0..colon, HTTP_HEADER), (value_start..value_end, field)];
        line_spans(out, at, len, &parts, HTTP_HEADER);
        if field == HTTP_HOST {
            out.event(
                at + value_start as u64,
                Desc::Named {
                    name: vtext(),
                    source: NameSource::HttpHost,
                },
            );
        }
        if let Some((kind, value)) = leak {
            out.event(at + value_start as u64, Desc::Leak { kind, value });
        }
    }

    /// `user=alice&password=secret`: values of fields named like user names or
    /// passwords are credential leaks, named on the request's line.
    fn form_fields(&mut self, body: &[u8], at: u64, out: &mut Emitter) {
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        let mut start = 0usize;
        for pair in body.split(|&b| b == b'&') {
            let end = start + pair.len();
            if let Some(eq) = pair.iter().position(|&b| b == b'=') {
                let name = percent_decode(pair.get(..eq).unwrap_or(&[]));
                let value = percent_decode(pair.get(eq + 1..).unwrap_or(&[]));
                if is_credential_name(&name) && !value.is_empty() {
                    let vr = start + eq + 1..end;
                    parts.push((vr.clone(), HTTP_FORM_CREDENTIAL));
                    let shown = format!("{name}={value}");
                    out.event(
                        at + vr.start as u64,
                        Desc::Leak {
                            kind: LeakKind::Credential,
                            value: shown.clone(),
                        },
                    );
                    self.leaks.push(format!("form {shown}"));
                }
            }
            start = end + 1;
        }
        line_spans(out, at, body.len(), &parts, HTTP_BODY);
    }

    fn flush_event(&mut self, out: &mut Emitter) {
        if self.start_text.is_empty() {
            return;
        }
        out.event(
            self.start_at,
            Desc::App {
                proto: "HTTP",
                text: std::mem::take(&mut self.start_text),
                leaks: std::mem::take(&mut self.leaks),
            },
        );
    }
}

/// The bytes hold a whole message head: a line that is empty (CRLF or LF alone).
fn head_complete(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\n\n") || bytes.windows(3).any(|w| w == b"\n\r\n")
}

/// Form field names that carry a user name or a secret.
fn is_credential_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "user",
        "username",
        "user_name",
        "login",
        "email",
        "userid",
        "uid",
        "pin",
        "otp",
        "token",
        "secret",
        "api_key",
        "apikey",
        "access_token",
        "client_secret",
    ];
    EXACT.contains(&n.as_str()) || n.contains("pass") || n.contains("pwd")
}

/// `%41+b` → `A b` (application/x-www-form-urlencoded); bad escapes stay as they are.
fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|&c| (c as char).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The NTLMSSP message of an `NTLM <base64>` or `Negotiate <base64>` header value
/// (SPNEGO wraps it in a GSS-API token: the message is found by its signature).
fn ntlm_token(value: &str) -> Option<Vec<u8>> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("ntlm") && !scheme.eq_ignore_ascii_case("negotiate") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let at = super::ntlmssp::find(&decoded)?;
    decoded.get(at..).map(<[u8]>::to_vec)
}

/// `Basic YWxpY2U6c2VjcmV0` → `Basic alice:secret`; other schemes as they are.
pub(crate) fn describe_authorization(value: &str) -> String {
    let mut it = value.splitn(2, ' ');
    let scheme = it.next().unwrap_or("");
    let rest = it.next().unwrap_or("").trim();
    if scheme.eq_ignore_ascii_case("basic") {
        if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) {
            return format!("{scheme} {}", String::from_utf8_lossy(&decoded));
        }
    }
    value.to_string()
}

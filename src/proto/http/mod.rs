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

mod head;
pub(crate) use head::{describe_authorization, is_token_header};

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
    HTTP_API_KEY = "http.api_key", Content, Cleartext, Some(Credential), "a header that carries an API key or access token (X-API-Key, Private-Token, X-Vault-Token, X-Amz-Security-Token…)";
    HTTP_QUERY_CREDENTIAL = "http.request.uri.query.parameter", Content, Cleartext, Some(Credential), "a password, token or API key in the request target's query (access_token: RFC 6750 section 2.3)";
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
}

/// The bytes hold a whole message head: a line that is empty (CRLF or LF alone).
fn head_complete(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\n\n") || bytes.windows(3).any(|w| w == b"\n\r\n")
}

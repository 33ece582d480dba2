//! HTTP/1.x message heads: the start line, header fields and the leaks they carry,
//! submitted forms, and the description of each message.

use super::*;

impl HttpDir {
    pub(super) fn start_line(
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
            let mut parts: Vec<(Range<usize>, FieldId)> = Vec::with_capacity(3);
            let mut secrets = Vec::new();
            for (r, f) in w.iter().zip([HTTP_METHOD, HTTP_URI, HTTP_VERSION]) {
                if f == HTTP_URI {
                    secrets = query_credentials(line, r.clone(), &mut parts);
                } else {
                    parts.push((r.clone(), f));
                }
            }
            line_spans(out, at, len, &parts, HTTP_LINE);
            let method = w.first().and_then(|r| line.get(r.clone())).unwrap_or(&[]);
            let target = w.get(1).and_then(|r| line.get(r.clone())).unwrap_or(&[]);
            // The words of the packet line, made only for a sink that prints them.
            if out.descriptions() {
                self.start_text = format!(
                    "{} {}",
                    crate::text::lossy(method),
                    crate::text::lossy(target)
                );
            }
            if !target.is_empty() && out.report_events() {
                out.event(
                    at,
                    Desc::Leak {
                        kind: LeakKind::Url,
                        value: crate::text::lossy(target).into_owned(),
                    },
                );
            }
            for (off, shown) in secrets {
                if out.descriptions() {
                    self.leaks.push(format!("URL {shown}"));
                }
                out.event(
                    at + off as u64,
                    Desc::Leak {
                        kind: LeakKind::Credential,
                        value: shown,
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
            if out.descriptions() {
                self.start_text = line_text(line);
            }
            self.in_head = true;
            self.status = code;
        } else {
            // Not HTTP after all (or framing lost): readable text, no parsing.
            out.field(at..at + len as u64, crate::fields::TEXT);
            self.body = Body::Lost;
        }
    }

    pub(super) fn header(&mut self, line: &[u8], at: u64, ntlm: &mut Ntlm, out: &mut Emitter) {
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
        let mut lower = [0u8; 32];
        let lname = match lower.get_mut(..name.len()) {
            Some(l) => {
                l.copy_from_slice(name);
                l.make_ascii_lowercase();
                std::str::from_utf8(l).unwrap_or("")
            }
            None => "",
        };
        let vtext = || crate::text::lossy(value).into_owned();
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
                if out.descriptions() {
                    let shown = ntlm_msg.as_ref().map(|m| m.summary()).unwrap_or_default();
                    self.leaks
                        .push(format!("{}: {shown}", crate::text::lossy(name)));
                }
                (HTTP_AUTHORIZATION, None)
            }
            "www-authenticate" | "proxy-authenticate" if ntlm_msg.is_some() => {
                if out.descriptions() {
                    let shown = ntlm_msg.as_ref().map(|m| m.summary()).unwrap_or_default();
                    self.leaks
                        .push(format!("{}: {shown}", crate::text::lossy(name)));
                }
                (HTTP_HEADER, None)
            }
            "cookie" => (HTTP_COOKIE, Some((LeakKind::Cookie, vtext()))),
            "set-cookie" => (HTTP_SET_COOKIE, Some((LeakKind::Cookie, vtext()))),
            "user-agent" => (HTTP_USER_AGENT, Some((LeakKind::Software, vtext()))),
            "server" => (HTTP_SERVER, Some((LeakKind::Software, vtext()))),
            _ if is_token_header(lname) => {
                let shown = format!("{}: {}", crate::text::lossy(name), vtext());
                if out.descriptions() {
                    self.leaks.push(shown.clone());
                }
                (HTTP_API_KEY, Some((LeakKind::Credential, shown)))
            }
            "authorization" | "proxy-authorization" => {
                let shown = describe_authorization(&vtext());
                if out.descriptions() {
                    self.leaks
                        .push(format!("{}: {shown}", crate::text::lossy(name)));
                }
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
            "cookie" | "set-cookie" if out.descriptions() => {
                self.leaks.push(crate::text::lossy(name).into_owned())
            }
            _ => {}
        }
        let parts = [(0..colon, HTTP_HEADER), (value_start..value_end, field)];
        line_spans(out, at, len, &parts, HTTP_HEADER);
        if field == HTTP_HOST && out.report_events() {
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
    pub(super) fn form_fields(&mut self, body: &[u8], at: u64, out: &mut Emitter) {
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
                    if out.descriptions() {
                        self.leaks.push(format!("form {shown}"));
                    }
                }
            }
            start = end + 1;
        }
        line_spans(out, at, body.len(), &parts, HTTP_BODY);
    }

    pub(super) fn flush_event(&mut self, out: &mut Emitter) {
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

/// Form field names that carry a user name or a secret.
pub(super) fn is_credential_name(name: &str) -> bool {
    const USER: &[&str] = &[
        "user",
        "username",
        "user_name",
        "login",
        "email",
        "userid",
        "uid",
    ];
    is_secret_name(name) || USER.contains(&name.to_ascii_lowercase().as_str())
}

/// Form or query field names that carry a secret: a password, a one-time code, a
/// token or an API key (in a query, RFC 6750 section 2.3's `access_token`).
fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "pin",
        "otp",
        "token",
        "secret",
        "api_key",
        "apikey",
        "api-key",
        "access_token",
        "auth_token",
        "refresh_token",
        "id_token",
        "client_secret",
    ];
    EXACT.contains(&n.as_str()) || n.contains("pass") || n.contains("pwd")
}

/// Request headers whose value is an API key or an access token, by their
/// well-known names (lower case): a credential as much as an `Authorization`.
pub(crate) fn is_token_header(lname: &str) -> bool {
    matches!(
        lname,
        "x-api-key"
            | "api-key"
            | "x-api-token"
            | "x-auth-token"
            | "x-auth-key"
            | "x-access-token"
            | "private-token"
            | "x-vault-token"
            | "x-amz-security-token"
            | "x-goog-api-key"
            | "ocp-apim-subscription-key"
    )
}

/// Splits the request target at `uri` (a range of `line`) into parts: the URL, and
/// the values of query fields named like secrets ([`is_secret_name`]). Returns each
/// secret's offset in the line and its text (`access_token=…`).
fn query_credentials(
    line: &[u8],
    uri: Range<usize>,
    parts: &mut Vec<(Range<usize>, FieldId)>,
) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let target = line.get(uri.clone()).unwrap_or(&[]);
    let Some(q) = target.iter().position(|&b| b == b'?') else {
        parts.push((uri, HTTP_URI));
        return found;
    };
    let query_end = uri.start
        + target
            .iter()
            .position(|&b| b == b'#')
            .unwrap_or(target.len());
    let mut pos = uri.start;
    let mut start = uri.start + q + 1;
    let query = line.get(start..query_end).unwrap_or(&[]);
    for pair in query.split(|&b| b == b'&') {
        let end = start + pair.len();
        if let Some(eq) = pair.iter().position(|&b| b == b'=') {
            let name = percent_decode(pair.get(..eq).unwrap_or(&[]));
            let value = percent_decode(pair.get(eq + 1..).unwrap_or(&[]));
            // A bare `token` needs a secret's length: short ones are counters and
            // checksums (Google Maps' `token=71150`), not something to present.
            let short = name.eq_ignore_ascii_case("token") && value.len() < 8;
            if is_secret_name(&name) && !value.is_empty() && !short {
                let vr = start + eq + 1..end;
                parts.push((pos..vr.start, HTTP_URI));
                parts.push((vr.clone(), HTTP_QUERY_CREDENTIAL));
                pos = vr.end;
                found.push((vr.start, format!("{name}={value}")));
            }
        }
        start = end + 1;
    }
    parts.push((pos..uri.end, HTTP_URI));
    found
}

/// `%41+b` → `A b` (application/x-www-form-urlencoded); bad escapes stay as they are.
pub(super) fn percent_decode(bytes: &[u8]) -> String {
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
    crate::text::lossy(&out).into_owned()
}

/// The NTLMSSP message of an `NTLM <base64>` or `Negotiate <base64>` header value
/// (SPNEGO wraps it in a GSS-API token: the message is found by its signature).
pub(super) fn ntlm_token(value: &str) -> Option<Vec<u8>> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("ntlm") && !scheme.eq_ignore_ascii_case("negotiate") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let at = super::super::ntlmssp::find(&decoded)?;
    decoded.get(at..).map(<[u8]>::to_vec)
}

/// `Basic YWxpY2U6c2VjcmV0` → `Basic alice:secret`; other schemes as they are.
pub(crate) fn describe_authorization(value: &str) -> String {
    let mut it = value.splitn(2, ' ');
    let scheme = it.next().unwrap_or("");
    let rest = it.next().unwrap_or("").trim();
    if scheme.eq_ignore_ascii_case("basic") {
        if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) {
            return format!("{scheme} {}", crate::text::lossy(&decoded));
        }
    }
    value.to_string()
}

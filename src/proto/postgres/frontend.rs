//! Frontend messages: the startup packet, queries, Bind, and the password and SASL
//! responses (with the SCRAM attributes read from them).

use super::*;

/// A `p` message read without the server's request: an `md5` hash, a SASL mechanism
/// name followed by a length, a SCRAM client-final message, or a password.
pub(super) fn guess_auth(body: &[u8]) -> Auth {
    if body.starts_with(b"SCRAM-") || body.starts_with(b"OAUTHBEARER\0") {
        Auth::SaslInitial
    } else if body.starts_with(b"c=") && body.windows(3).any(|w| w == b",p=") {
        Auth::SaslContinue
    } else {
        Auth::Unknown
    }
}

/// The value of attribute `name` (`name=value`) in a SCRAM message within `data`.
pub(super) fn scram_attr(m: &[u8], data: Range<usize>, name: u8) -> Option<Range<usize>> {
    let bytes = m.get(data.clone())?;
    let mut start = 0usize;
    for part in bytes.split(|&b| b == b',') {
        if let [n, b'=', ..] = part {
            if *n == name {
                let from = data.start + start + 2;
                return Some(from..data.start + start + part.len());
            }
        }
        start += part.len() + 1;
    }
    None
}

/// Bind: portal, statement, parameter formats, parameter values, result formats.
pub(super) fn bind(r: &mut Reader<'_>, p: &mut Parts) -> Text {
    let _portal = cstr(r);
    let _statement = cstr(r);
    let formats = r.u16().map_or(0, usize::from);
    if r.skip(formats.saturating_mul(2)).is_none() {
        return "Bind".into();
    }
    let Some(n) = r.u16() else {
        return "Bind".into();
    };
    for _ in 0..n {
        // -1: NULL, no bytes.
        let Some(len) = r.u32() else { break };
        if len == u32::MAX {
            continue;
        }
        let start = r.pos();
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(r.left());
        let _ = r.skip(len);
        p.add(start..start + len, PGSQL_VAL_DATA);
    }
    p.words(|| {
        let mut text = String::from("Bind ");
        crate::text::push_plural(&mut text, u64::from(n), "parameter");
        text
    })
}

impl Postgres {
    /// An untyped startup packet: StartupMessage, SSLRequest, GSSENCRequest or
    /// CancelRequest.
    pub(super) fn startup(&mut self, m: &[u8], p: &mut Parts) -> Text {
        p.add(0..4, PGSQL_LENGTH);
        p.add(4..8, PGSQL_CODE);
        let mut r = Reader::new(m);
        let _ = r.skip(4);
        let Some(code) = r.u32() else {
            return "startup packet (cut off)".into();
        };
        match code {
            SSL_REQUEST => {
                self.pending = Some(Encryption::Tls);
                "SSLRequest".into()
            }
            GSSENC_REQUEST => {
                self.pending = Some(Encryption::Gss);
                "GSSENCRequest".into()
            }
            CANCEL_REQUEST => {
                p.add(12..16, PGSQL_KEY);
                match r.u32() {
                    Some(pid) => p.words(|| format!("CancelRequest pid={pid}")),
                    None => "CancelRequest".into(),
                }
            }
            c if c >> 16 == 3 => self.startup_message(c, m, &mut r, p),
            c => format!("startup packet, protocol {}.{}", c >> 16, c & 0xffff).into(),
        }
    }

    /// StartupMessage: protocol 3.x, then name/value pairs up to an empty name.
    pub(super) fn startup_message(
        &mut self,
        code: u32,
        m: &[u8],
        r: &mut Reader<'_>,
        p: &mut Parts,
    ) -> Text {
        let mut shown = Vec::new();
        while !r.is_empty() {
            let name = cstr(r);
            if name.is_empty() {
                break;
            }
            p.add(name.clone(), PGSQL_PARAMETER_NAME);
            let value = cstr(r);
            // The name compared where it lies; the value made only where it is kept
            // (a startup packet carries a dozen parameters).
            let n = m.get(name).unwrap_or(&[]);
            let v = || lossy(m, &value);
            let field = match n {
                b"user" => {
                    let v = v();
                    self.learned.user = Some(v.clone());
                    p.leaks.push((LeakKind::UserName, v.clone()));
                    if p.describe {
                        shown.push(format!("user={v}"));
                    }
                    PGSQL_USER
                }
                b"database" => {
                    let v = v();
                    self.learned.database = Some(v.clone());
                    p.leaks.push((LeakKind::Url, format!("database={v}")));
                    if p.describe {
                        shown.push(format!("database={v}"));
                    }
                    PGSQL_DATABASE
                }
                b"application_name" => {
                    let v = v();
                    self.learned.application = Some(v.clone());
                    p.leaks
                        .push((LeakKind::Identity, format!("application_name={v}")));
                    PGSQL_APPLICATION
                }
                _ => PGSQL_PARAMETER_VALUE,
            };
            p.add(value, field);
        }
        p.words(|| {
            let version = if code == 3 << 16 {
                String::new()
            } else {
                format!(" (protocol 3.{})", code & 0xffff)
            };
            let mut text = format!("StartupMessage{version}");
            for s in shown {
                text.push(' ');
                text.push_str(&short(&s));
            }
            text
        })
    }

    /// A typed message from the client.
    pub(super) fn frontend(&mut self, t: u8, m: &[u8], p: &mut Parts) -> Text {
        p.add(0..1, PGSQL_TYPE);
        p.add(1..5, PGSQL_LENGTH);
        let mut r = Reader::new(m);
        let _ = r.skip(5);
        match t {
            b'Q' => {
                let q = cstr(&mut r);
                p.add(q.clone(), PGSQL_QUERY);
                p.words(|| {
                    let mut text = String::from("Query: ");
                    push_short_text(&mut text, m, &q);
                    text
                })
            }
            b'P' => {
                let name = cstr(&mut r);
                let q = cstr(&mut r);
                p.add(q.clone(), PGSQL_QUERY);
                p.words(|| {
                    let mut text = String::from("Parse");
                    let name = crate::text::lossy(m.get(name).unwrap_or(&[]));
                    if !name.is_empty() {
                        text.push(' ');
                        text.push_str(&name);
                    }
                    text.push_str(": ");
                    push_short_text(&mut text, m, &q);
                    text
                })
            }
            b'B' => bind(&mut r, p),
            b'E' => "Execute".into(),
            b'D' => match r.u8() {
                Some(kind @ (b'S' | b'P')) => p.words(|| {
                    let what = if kind == b'S' { "statement" } else { "portal" };
                    let mut text = String::from("Describe ");
                    text.push_str(what);
                    text.push(' ');
                    push_short_text(&mut text, m, &cstr(&mut r));
                    let kept = text.trim_end().len();
                    text.truncate(kept);
                    text
                }),
                _ => "Describe".into(),
            },
            b'C' => "Close".into(),
            b'S' => "Sync".into(),
            b'H' => "Flush".into(),
            b'X' => "Terminate".into(),
            b'F' => "FunctionCall".into(),
            b'd' => {
                p.add(5..m.len(), PGSQL_VAL_DATA);
                "CopyData".into()
            }
            b'c' => "CopyDone".into(),
            b'f' => "CopyFail".into(),
            b'p' => self.password(m, &mut r, p),
            _ => format!("message {}", char::from(t).escape_default()).into(),
        }
    }

    /// A `p` message: what it is depends on the server's last request.
    pub(super) fn password(&mut self, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> Text {
        let body = m.get(5..).unwrap_or(&[]);
        let auth = match self.auth {
            Auth::Unknown => guess_auth(body),
            a => a,
        };
        match auth {
            Auth::Cleartext | Auth::Md5 | Auth::Unknown => {
                let pw = cstr(r);
                let text = lossy(m, &pw);
                p.add(pw, PGSQL_PASSWORD);
                if text.starts_with("md5") && text.len() == 35 {
                    self.learned.auth.get_or_insert_with(|| "MD5".into());
                    p.secrets.push(format!("password-hash={text}"));
                } else {
                    self.learned
                        .auth
                        .get_or_insert_with(|| "cleartext password".into());
                    p.secrets.push(format!("password={}", short(&text)));
                }
                "PasswordMessage".into()
            }
            Auth::SaslInitial => {
                let mech = cstr(r);
                p.add(mech.clone(), PGSQL_SASL_MECH);
                let mech = lossy(m, &mech);
                self.learned.auth = Some(mech.clone());
                let len = r.u32().and_then(|n| usize::try_from(n).ok());
                let start = r.pos();
                let end = len.map_or(m.len(), |n| start.saturating_add(n).min(m.len()));
                p.add(start..end, PGSQL_SASL_DATA);
                // The client-first message: `n,,n=USER,r=NONCE` (RFC 5802 section 7).
                if let Some(user) = scram_attr(m, start..end, b'n').filter(|u| !u.is_empty()) {
                    let name = lossy(m, &user);
                    p.add(user, PGSQL_USER);
                    p.leaks.push((LeakKind::UserName, name));
                }
                p.words(|| format!("SASLInitialResponse {mech}"))
            }
            Auth::SaslContinue => {
                let data = 5..m.len();
                p.add(data.clone(), PGSQL_SASL_DATA);
                // The client-final message: `c=…,r=…,p=PROOF`.
                if let Some(proof) = scram_attr(m, data, b'p') {
                    p.secrets
                        .push(format!("scram-proof={}", short(&lossy(m, &proof))));
                    p.add(proof, PGSQL_PASSWORD);
                }
                "SASLResponse".into()
            }
            Auth::Gss => "GSSResponse".into(),
        }
    }
}

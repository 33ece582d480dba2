//! Backend messages: authentication requests, row descriptions, data rows, notices
//! and errors.

use super::*;

/// RowDescription: the columns' names.
pub(super) fn row_description(m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> Text {
    let Some(n) = r.u16() else {
        return "RowDescription".into();
    };
    // The names joined, then shortened as one.
    let mut names = String::new();
    for i in 0..n {
        if r.is_empty() {
            break;
        }
        let name = cstr(r);
        if p.describe {
            if i > 0 {
                names.push_str(", ");
            }
            names.push_str(&crate::text::lossy(m.get(name.clone()).unwrap_or(&[])));
        }
        p.add(name, PGSQL_COL_NAME);
        // Table OID, column number, type OID, type size, type modifier, format.
        if r.skip(18).is_none() {
            break;
        }
    }
    p.words(|| {
        let mut text = String::from("RowDescription: ");
        push_short(&mut text, &names);
        text
    })
}

/// DataRow: the values (each a length, -1 for NULL, and bytes).
pub(super) fn data_row(r: &mut Reader<'_>, p: &mut Parts) -> Text {
    let Some(n) = r.u16() else {
        return "DataRow".into();
    };
    for _ in 0..n {
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
        let mut text = String::from("DataRow, ");
        crate::text::push_plural(&mut text, u64::from(n), "column");
        text
    })
}

/// ErrorResponse and NoticeResponse fields: ` SEVERITY CODE: message`.
pub(super) fn notice(m: &[u8], r: &mut Reader<'_>) -> String {
    let (mut severity, mut code, mut message) = (None, None, None);
    while let Some(kind) = r.u8() {
        if kind == 0 {
            break;
        }
        let v = cstr(r);
        match kind {
            b'V' => severity = Some(lossy(m, &v)),
            b'S' if severity.is_none() => severity = Some(lossy(m, &v)),
            b'C' => code = Some(lossy(m, &v)),
            b'M' => message = Some(lossy(m, &v)),
            _ => {}
        }
    }
    let mut s = String::new();
    for part in [severity, code].into_iter().flatten() {
        s.push(' ');
        s.push_str(&short(&part));
    }
    if let Some(msg) = message {
        s.push_str(": ");
        s.push_str(&short(&msg));
    }
    s
}

impl Postgres {
    /// A typed message from the server.
    pub(super) fn backend(&mut self, t: u8, m: &[u8], p: &mut Parts) -> Text {
        p.add(0..1, PGSQL_TYPE);
        p.add(1..5, PGSQL_LENGTH);
        let mut r = Reader::new(m);
        let _ = r.skip(5);
        match t {
            b'R' => self.authentication(m, &mut r, p),
            b'S' => {
                let name = cstr(&mut r);
                let value = cstr(&mut r);
                p.add(name.clone(), PGSQL_PARAMETER_NAME);
                p.add(value.clone(), PGSQL_PARAMETER_VALUE);
                let raw = m.get(name.clone()).unwrap_or(&[]);
                if raw == b"server_version" {
                    self.learned.server_version = Some(lossy(m, &value));
                }
                // A dozen of these follow every login: only the server's version and the
                // session's user are worth a word on the packet line, and the others'
                // text is not written at all (it was 1% of `show`).
                let worth = |key: &[u8]| {
                    raw == key
                        || raw
                            .strip_prefix(key)
                            .is_some_and(|r| r.first() == Some(&b'='))
                };
                if !worth(b"server_version") && !worth(b"session_authorization") {
                    p.quiet = true;
                    return "".into();
                }
                p.words(|| {
                    let mut text = String::from("ParameterStatus ");
                    push_short_text(&mut text, m, &name);
                    text.push('=');
                    push_short_text(&mut text, m, &value);
                    text
                })
            }
            b'K' => {
                p.add(9..13, PGSQL_KEY);
                match r.u32() {
                    Some(pid) => p.words(|| {
                        let mut text = String::from("BackendKeyData pid=");
                        crate::text::push_dec(&mut text, pid);
                        text
                    }),
                    None => "BackendKeyData".into(),
                }
            }
            b'Z' => match r.u8() {
                Some(b'I') => "ReadyForQuery idle".into(),
                Some(b'T') => "ReadyForQuery in transaction".into(),
                Some(b'E') => "ReadyForQuery failed transaction".into(),
                _ => "ReadyForQuery".into(),
            },
            b'T' => row_description(m, &mut r, p),
            b'D' => data_row(&mut r, p),
            b'C' => {
                let tag = cstr(&mut r);
                p.add(tag.clone(), PGSQL_TAG);
                p.words(|| {
                    let mut text = String::from("CommandComplete ");
                    push_short_text(&mut text, m, &tag);
                    text
                })
            }
            b'E' => p.words(|| format!("ErrorResponse{}", notice(m, &mut r))),
            b'N' => p.words(|| format!("NoticeResponse{}", notice(m, &mut r))),
            b'1' => "ParseComplete".into(),
            b'2' => "BindComplete".into(),
            b'3' => "CloseComplete".into(),
            b'n' => "NoData".into(),
            b's' => "PortalSuspended".into(),
            b't' => "ParameterDescription".into(),
            b'I' => "EmptyQueryResponse".into(),
            b'A' => "NotificationResponse".into(),
            b'G' => "CopyInResponse".into(),
            b'H' => "CopyOutResponse".into(),
            b'W' => "CopyBothResponse".into(),
            b'd' => {
                p.add(5..m.len(), PGSQL_VAL_DATA);
                "CopyData".into()
            }
            b'c' => "CopyDone".into(),
            b'v' => "NegotiateProtocolVersion".into(),
            b'V' => "FunctionCallResponse".into(),
            _ => format!("message {}", char::from(t).escape_default()).into(),
        }
    }

    /// An authentication request (`R`): what the client's next `p` message will be.
    pub(super) fn authentication(&mut self, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> Text {
        p.add(5..9, PGSQL_AUTHTYPE);
        let Some(code) = r.u32() else {
            return "Authentication (cut off)".into();
        };
        match code {
            0 => {
                self.learned.auth.get_or_insert_with(|| "trust".into());
                "AuthenticationOk".into()
            }
            2 => "AuthenticationKerberosV5".into(),
            3 => {
                self.auth = Auth::Cleartext;
                "AuthenticationCleartextPassword".into()
            }
            5 => {
                self.auth = Auth::Md5;
                p.add(9..13, PGSQL_SALT);
                "AuthenticationMD5Password".into()
            }
            7..=9 => {
                self.auth = Auth::Gss;
                self.learned.auth.get_or_insert_with(|| "GSSAPI".into());
                match code {
                    7 => "AuthenticationGSS",
                    8 => "AuthenticationGSSContinue",
                    _ => "AuthenticationSSPI",
                }
                .into()
            }
            10 => {
                self.auth = Auth::SaslInitial;
                let mut mechs = Vec::new();
                while !r.is_empty() {
                    let mech = cstr(r);
                    if mech.is_empty() {
                        break;
                    }
                    if p.describe {
                        mechs.push(lossy(m, &mech));
                    }
                    p.add(mech, PGSQL_SASL_MECH);
                }
                p.words(|| format!("AuthenticationSASL {}", short(&mechs.join(", "))))
            }
            11 => {
                self.auth = Auth::SaslContinue;
                p.add(9..m.len(), PGSQL_SASL_DATA);
                p.words(|| {
                    let iterations = scram_attr(m, 9..m.len(), b'i')
                        .map(|i| format!(" (iterations={})", short(&lossy(m, &i))))
                        .unwrap_or_default();
                    format!("AuthenticationSASLContinue{iterations}")
                })
            }
            12 => {
                p.add(9..m.len(), PGSQL_SASL_DATA);
                "AuthenticationSASLFinal".into()
            }
            c => format!("Authentication request {c}").into(),
        }
    }
}

//! Line protocols where clients send commands and servers answer with status lines:
//! SMTP (RFC 5321, AUTH RFC 4954), POP3 (RFC 1939, RFC 5034), IMAP (RFC 9051) and
//! FTP (RFC 959, AUTH TLS RFC 4217).
//!
//! Credentials are what an observer most wants: USER/PASS, IMAP LOGIN, and AUTH PLAIN
//! and LOGIN exchanges (base64, decoded for the description and the report). SMTP
//! message content after DATA is readable too.

use super::framing::{line_spans, line_str, line_text, lines, words};
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::span::LeakKind;
use base64::Engine as _;
use std::ops::Range;

crate::fields! {
    proto = "SMTP";
    // Mail and file transfer commands: SMTP (RFC 5321), POP3 (RFC 1939), IMAP (RFC 9051), FTP (RFC 959).
    MAIL_COMMAND = "smtp.req.command", Content, Cleartext, None, "client command (SMTP, POP3, IMAP, FTP)";
    MAIL_PARAMETER = "smtp.req.parameter", Content, Cleartext, None, "command parameter";
    MAIL_CREDENTIAL = "smtp.auth.credential", Content, Cleartext, Some(Credential), "user name or password (USER/PASS, LOGIN, AUTH PLAIN/LOGIN)";
    MAIL_RESPONSE = "smtp.response", Content, Cleartext, None, "server reply";
    MAIL_DATA = "smtp.data", Content, Cleartext, None, "message content (SMTP DATA)";
}

/// SMTP: the server's `220` greeting, or the port.
pub static SMTP: Protocol = Protocol {
    name: "SMTP",
    detect: |p: &Probe<'_>| Detect::when(!p.from_client() && p.starts_with_ignore_case(b"220")),
    ports: &[25, 587, 2525],
    new: |_| Box::new(MailState::new(Proto::Smtp)),
    fields: FIELDS,
};

/// POP3: the server's `+OK` greeting, or the port.
pub static POP3: Protocol = Protocol {
    name: "POP3",
    detect: |p: &Probe<'_>| Detect::when(!p.from_client() && p.starts_with_ignore_case(b"+OK")),
    ports: &[110],
    new: |_| Box::new(MailState::new(Proto::Pop3)),
    fields: FIELDS,
};

/// IMAP: the server's `* OK` or `* PREAUTH` greeting, or the port.
pub static IMAP: Protocol = Protocol {
    name: "IMAP",
    detect: |p: &Probe<'_>| {
        Detect::when(
            !p.from_client()
                && (p.starts_with_ignore_case(b"* OK") || p.starts_with_ignore_case(b"* PREAUTH")),
        )
    },
    ports: &[143],
    new: |_| Box::new(MailState::new(Proto::Imap)),
    fields: FIELDS,
};

/// FTP: a `220` greeting that names FTP or comes from port 21, or the port.
pub static FTP: Protocol = Protocol {
    name: "FTP",
    detect: |p: &Probe<'_>| {
        if p.from_client() || !p.starts_with_ignore_case(b"220") {
            return Detect::No;
        }
        let banner = p.bytes.get(..p.bytes.len().min(200)).unwrap_or(&[]);
        let names_ftp = banner.windows(3).any(|w| w.eq_ignore_ascii_case(b"ftp"));
        Detect::when(names_ftp || p.server_port == 21)
    },
    ports: &[21],
    new: |_| Box::new(MailState::new(Proto::Ftp)),
    fields: FIELDS,
};

/// Which of the four protocols a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Smtp,
    Pop3,
    Imap,
    Ftp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Smtp => "SMTP",
            Proto::Pop3 => "POP3",
            Proto::Imap => "IMAP",
            Proto::Ftp => "FTP",
        }
    }
}

impl Dissector for MailState {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        lines(data, flush, base, out, |line, at, out| {
            self.line(dir, line, at, out)
        })
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if dir == Direction::ToServer {
            self.credential_next = false;
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push(self.proto.name().into());
    }

    fn handover_name(&self) -> &'static str {
        match self.proto {
            Proto::Smtp | Proto::Imap => "STARTTLS",
            Proto::Pop3 => "STLS",
            Proto::Ftp => "AUTH TLS",
        }
    }
}

/// Longest text kept for a description.
const SHOWN: usize = 72;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Auth {
    Plain,
    Login,
    /// NTLM (MS-SMTPNTLM, MS-POP3, MS-IMAP): base64 NTLMSSP messages.
    Ntlm,
    Other,
}

#[derive(Debug)]
pub struct MailState {
    proto: Proto,
    /// SMTP: DATA sent, waiting for 354.
    data_requested: bool,
    /// SMTP: inside the message, until a line with a single dot.
    in_data: bool,
    /// An AUTH or AUTHENTICATE exchange in progress.
    auth: Option<Auth>,
    /// Client lines of the exchange so far (LOGIN: user name, then password).
    auth_step: u8,
    /// The server asked for the next piece of the exchange (334, or `+`).
    credential_next: bool,
    /// The NTLM server challenge of an `AUTH NTLM` exchange.
    ntlm: super::ntlmssp::Ntlm,
}

impl MailState {
    pub fn new(proto: Proto) -> MailState {
        MailState {
            proto,
            data_requested: false,
            in_data: false,
            auth: None,
            auth_step: 0,
            credential_next: false,
            ntlm: super::ntlmssp::Ntlm::default(),
        }
    }

    pub fn line(&mut self, dir: Direction, line: &[u8], at: u64, out: &mut Emitter) {
        if self.proto == Proto::Ftp {
            out.expects.extend(super::ftp_data::expectation(dir, line));
        }
        match dir {
            Direction::ToServer => self.client(line, at, out),
            Direction::ToClient => self.server(line, at, out),
        }
    }

    /// The line in words, for a sink that prints them.
    fn event(&self, out: &mut Emitter, at: u64, text: &str, leaks: Vec<String>) {
        if !out.descriptions() {
            return;
        }
        out.event(
            at,
            Desc::App {
                proto: self.proto.name(),
                text: shorten(text),
                leaks,
            },
        );
    }

    fn credential(&self, out: &mut Emitter, at: u64, shown: String) {
        out.event(
            at,
            Desc::Leak {
                kind: LeakKind::Credential,
                value: shown,
            },
        );
    }

    fn client(&mut self, line: &[u8], at: u64, out: &mut Emitter) {
        let len = line.len();
        let text_len = line_str(line).len();
        if self.in_data {
            out.field(at..at + len as u64, MAIL_DATA);
            if line_str(line) == "." {
                self.in_data = false;
                self.event(out, at, "end of message", vec![]);
            }
            return;
        }
        if self.credential_next && self.auth.is_some() {
            // A base64 piece of an AUTH exchange.
            self.credential_next = false;
            line_spans(
                out,
                at,
                len,
                &[(0..text_len, MAIL_CREDENTIAL)],
                MAIL_PARAMETER,
            );
            if self.auth == Some(Auth::Ntlm) {
                if let Some(m) = ntlm_message(&mut self.ntlm, &line_text(line)) {
                    m.report(out, at);
                    self.event(out, at, &m.text, m.credentials.clone());
                    return;
                }
            }
            let decoded = b64(&line_text(line));
            let shown = match (self.auth, self.auth_step) {
                (Some(Auth::Plain), _) => plain_credentials(&decoded),
                (Some(Auth::Login), 0) => format!("user={decoded}"),
                (Some(Auth::Login), _) => format!("password={decoded}"),
                _ => decoded,
            };
            self.auth_step = self.auth_step.saturating_add(1);
            self.credential(out, at, shown.clone());
            self.event(out, at, "AUTH continuation", vec![shown]);
            return;
        }
        let w = words(line);
        // IMAP commands start with a tag.
        let (tag, cmd_i) = if self.proto == Proto::Imap {
            (w.first().cloned(), 1)
        } else {
            (None, 0)
        };
        let Some(cmd_r) = w.get(cmd_i).cloned() else {
            line_spans(out, at, len, &[], MAIL_PARAMETER);
            return;
        };
        let cmd = crate::text::lossy(line.get(cmd_r.clone()).unwrap_or(&[])).to_ascii_uppercase();
        let args: Vec<Range<usize>> = w.iter().skip(cmd_i + 1).cloned().collect();
        let arg = |i: usize| -> String {
            args.get(i)
                .and_then(|r| line.get(r.clone()))
                .map(|b| crate::text::lossy(b).trim_matches('"').to_string())
                .unwrap_or_default()
        };
        let rest_range = args.first().map(|a| a.start..text_len);
        let mut parts: Vec<(Range<usize>, crate::fields::FieldId)> = Vec::new();
        if let Some(t) = tag {
            parts.push((t, MAIL_PARAMETER));
        }
        parts.push((cmd_r, MAIL_COMMAND));
        let mut leaks = Vec::new();
        match (self.proto, cmd.as_str()) {
            (Proto::Pop3 | Proto::Ftp, "USER") | (Proto::Pop3 | Proto::Ftp, "PASS") => {
                if let Some(r) = rest_range.clone() {
                    parts.push((r, MAIL_CREDENTIAL));
                }
                let what = if cmd == "USER" { "user" } else { "password" };
                let shown = format!("{what}={}", rest_text(line, rest_range.as_ref()));
                self.credential(out, at, shown.clone());
                leaks.push(shown);
            }
            (Proto::Pop3, "APOP") => {
                if let Some(r) = rest_range.clone() {
                    parts.push((r, MAIL_CREDENTIAL));
                }
                let shown = format!("user={} digest={}", arg(0), arg(1));
                self.credential(out, at, shown.clone());
                leaks.push(shown);
            }
            (Proto::Imap, "LOGIN") => {
                if let Some(r) = rest_range.clone() {
                    parts.push((r, MAIL_CREDENTIAL));
                }
                let shown = format!("user={} password={}", arg(0), arg(1));
                self.credential(out, at, shown.clone());
                leaks.push(shown);
            }
            (_, "AUTH" | "AUTHENTICATE") => {
                let mech = arg(0).to_ascii_uppercase();
                self.auth = Some(match mech.as_str() {
                    "PLAIN" => Auth::Plain,
                    "LOGIN" => Auth::Login,
                    "NTLM" => Auth::Ntlm,
                    _ => Auth::Other,
                });
                self.auth_step = 0;
                if let Some(r) = args.first() {
                    parts.push((r.clone(), MAIL_PARAMETER));
                }
                let initial_ntlm = match (self.auth, args.get(1)) {
                    (Some(Auth::Ntlm), Some(_)) => ntlm_message(&mut self.ntlm, &arg(1)),
                    _ => None,
                };
                if let (Some(m), Some(initial)) = (initial_ntlm, args.get(1)) {
                    parts.push((initial.start..text_len, MAIL_CREDENTIAL));
                    m.report(out, at);
                    leaks.push(m.summary());
                } else if let Some(initial) = args.get(1) {
                    parts.push((initial.start..text_len, MAIL_CREDENTIAL));
                    let decoded = b64(&arg(1));
                    let shown = match self.auth {
                        Some(Auth::Plain) => plain_credentials(&decoded),
                        Some(Auth::Login) => format!("user={decoded}"),
                        _ => decoded,
                    };
                    self.auth_step = 1;
                    self.credential(out, at, shown.clone());
                    leaks.push(shown);
                }
            }
            (Proto::Smtp, "DATA") => self.data_requested = true,
            _ => {}
        }
        line_spans(out, at, len, &parts, MAIL_PARAMETER);
        let shown_cmd = match cmd.as_str() {
            "USER" | "PASS" | "LOGIN" | "APOP" => cmd.clone().into(),
            "AUTH" | "AUTHENTICATE" => format!("{cmd} {}", arg(0)).into(),
            _ => line_str(line),
        };
        self.event(out, at, &shown_cmd, leaks);
    }

    fn server(&mut self, line: &[u8], at: u64, out: &mut Emitter) {
        let len = line.len();
        out.field(at..at + len as u64, MAIL_RESPONSE);
        let text = line_str(line);
        let code: Option<u16> = text.get(..3).and_then(|c| c.parse().ok());
        let continuation = text.starts_with('+') && !text.starts_with("+OK");
        if self.auth == Some(Auth::Ntlm) {
            // `334 <base64>` or `+ <base64>`: the CHALLENGE message.
            let b64_part = text.get(if continuation { 1 } else { 3 }..).unwrap_or("");
            if let Some(m) = ntlm_message(&mut self.ntlm, b64_part) {
                m.report(out, at);
            }
        }
        match (self.proto, code) {
            (Proto::Smtp, Some(334)) | (Proto::Ftp, Some(334)) => self.credential_next = true,
            (Proto::Smtp, Some(354)) if self.data_requested => {
                self.in_data = true;
                self.data_requested = false;
            }
            (Proto::Smtp, Some(c)) if c >= 400 => {
                self.data_requested = false;
                self.auth = None;
            }
            (Proto::Smtp, Some(235)) => self.auth = None,
            (Proto::Pop3 | Proto::Imap, _) if continuation => self.credential_next = true,
            _ => {}
        }
        self.event(out, at, &text, vec![]);
    }
}

fn rest_text(line: &[u8], r: Option<&Range<usize>>) -> String {
    r.and_then(|r| line.get(r.clone()))
        .map(|b| crate::text::lossy(b).into_owned())
        .unwrap_or_default()
}

/// A base64 NTLMSSP message of an `AUTH NTLM` exchange, read.
fn ntlm_message(
    state: &mut super::ntlmssp::Ntlm,
    b64_text: &str,
) -> Option<super::ntlmssp::Message> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64_text.trim())
        .ok()?;
    state.message(&bytes)
}

fn b64(s: &str) -> String {
    match base64::engine::general_purpose::STANDARD.decode(s.trim()) {
        Ok(bytes) => crate::text::lossy(&bytes).into_owned(),
        Err(_) => s.to_string(),
    }
}

/// AUTH PLAIN's `authzid NUL authcid NUL passwd` (RFC 4616 section 2).
fn plain_credentials(decoded: &str) -> String {
    let parts: Vec<&str> = decoded.split('\0').collect();
    match parts.as_slice() {
        [_, user, pass] => format!("user={user} password={pass}"),
        _ => decoded.to_string(),
    }
}

fn shorten(s: &str) -> String {
    crate::text::shorten(s, SHOWN)
}

//! `eavesdrop check`: policies for CI, evaluated on flow reports.
//!
//! Rules: `plaintext` (application content readable outside any TLS or QUIC handshake;
//! commands before STARTTLS count), `credentials`, `undecoded` (strict: bytes nobody
//! could classify), a minimum TLS version, and server names that must not appear.
//! Flows matching an `allow` entry are exempt. A policy comes from flags, from a TOML
//! file, or both (their union).

use crate::proto::tls::TlsVersion;
use crate::report::{FlowReport, Transport};
use crate::span::LeakKind;
use serde::Deserialize;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A rule that can be denied with `--deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Deny {
    Plaintext,
    Credentials,
    Undecoded,
    /// TLS with a cipher suite that hides nothing or can be broken: NULL encryption,
    /// anonymous key exchange, EXPORT, RC4, single DES, 3DES.
    WeakTls,
}

impl Deny {
    pub const ALL: [Deny; 4] = [
        Deny::Plaintext,
        Deny::Credentials,
        Deny::Undecoded,
        Deny::WeakTls,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Deny::Plaintext => "plaintext",
            Deny::Credentials => "credentials",
            Deny::Undecoded => "undecoded",
            Deny::WeakTls => "weak-tls",
        }
    }
}

/// What is wrong with a rule, a flag's value or a policy file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `--deny` (or `deny = [..]`) names a rule that does not exist.
    #[error("unknown rule `{0}` (expected plaintext, credentials, undecoded or weak-tls)")]
    UnknownRule(String),
    /// `--min-tls` (or `min_tls`) is not a TLS version.
    #[error("unknown TLS version `{0}` (expected 1.0, 1.1, 1.2 or 1.3)")]
    UnknownTlsVersion(String),
    /// `--allow` (or `allow = [..]`) is not a port, address or both.
    #[error("bad --allow `{0}`: expected PORT, PORT/tcp, PORT/udp, ADDR or ADDR:PORT")]
    BadAllow(String),
    /// The policy file is not TOML, or has a key that is not a rule (toml's message
    /// names the line and column).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A key of the policy file has a value that is not valid for it.
    #[error("{file}: {key}: {problem}")]
    Value {
        file: String,
        key: &'static str,
        problem: Box<PolicyError>,
    },
}

impl FromStr for Deny {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Deny, PolicyError> {
        Deny::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| PolicyError::UnknownRule(s.to_string()))
    }
}

/// A flow exempt from the rules: `PORT`, `PORT/tcp`, `PORT/udp`, `ADDR`, `ADDR:PORT`
/// (IPv6 in brackets: `[::1]:8080`). A port or address matches either end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    pub addr: Option<IpAddr>,
    pub port: Option<u16>,
    pub transport: Option<Transport>,
}

impl FromStr for Allow {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Allow, PolicyError> {
        let bad = || PolicyError::BadAllow(s.to_string());
        let (spec, transport) = match s.rsplit_once('/') {
            Some((p, "tcp")) => (p, Some(Transport::Tcp)),
            Some((p, "udp")) => (p, Some(Transport::Udp)),
            Some(_) => return Err(bad()),
            None => (s, None),
        };
        if let Ok(port) = spec.parse::<u16>() {
            return Ok(Allow {
                addr: None,
                port: Some(port),
                transport,
            });
        }
        if let Ok(addr) = spec.parse::<IpAddr>() {
            return Ok(Allow {
                addr: Some(addr),
                port: None,
                transport,
            });
        }
        if let Ok(sock) = spec.parse::<std::net::SocketAddr>() {
            return Ok(Allow {
                addr: Some(sock.ip()),
                port: Some(sock.port()),
                transport,
            });
        }
        Err(bad())
    }
}

impl Allow {
    fn matches(&self, r: &FlowReport) -> bool {
        if self.transport.is_some_and(|t| t != r.transport) {
            return false;
        }
        [r.client, r.server]
            .iter()
            .any(|(a, p)| self.addr.is_none_or(|x| x == *a) && self.port.is_none_or(|x| x == *p))
    }
}

/// The rules to check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub deny: Vec<Deny>,
    pub min_tls: Option<TlsVersion>,
    pub deny_sni: Vec<String>,
    pub allow: Vec<Allow>,
    /// A capture with nothing to examine (no frames, or no flows) passes. Off by
    /// default: a tcpdump that caught nothing must not turn a pipeline green.
    pub allow_empty: bool,
}

/// Why a capture could not be examined at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NothingSeen {
    /// Not one frame.
    NoFrames,
    /// Frames, but no TCP connection or UDP conversation for the rules to judge.
    NoFlows,
}

impl NothingSeen {
    /// Judges a whole capture's summary: `None` when there was something to examine.
    pub fn of(summary: &crate::sink::Summary) -> Option<NothingSeen> {
        if summary.frames == 0 {
            Some(NothingSeen::NoFrames)
        } else if summary.flows == 0 {
            Some(NothingSeen::NoFlows)
        } else {
            None
        }
    }

    /// The failure in words.
    pub fn reason(self) -> &'static str {
        match self {
            NothingSeen::NoFrames => {
                "the capture holds no packets: nothing was examined (a capture that caught \
                 nothing; --allow-empty passes it)"
            }
            NothingSeen::NoFlows => {
                "the capture holds no TCP or UDP flow: nothing the rules judge was examined \
                 (--allow-empty passes it)"
            }
        }
    }
}

/// `1.2` → TLS 1.2 (also `1.0`, `1.1`, `1.3`, `ssl3`).
pub fn parse_tls_version(s: &str) -> Result<TlsVersion, PolicyError> {
    Ok(
        match s
            .trim()
            .to_ascii_lowercase()
            .trim_start_matches("tls")
            .trim()
        {
            "1.0" | "1" => TlsVersion::TLS10,
            "1.1" => TlsVersion::TLS11,
            "1.2" => TlsVersion::TLS12,
            "1.3" => TlsVersion::TLS13,
            "ssl3" | "sslv3" => TlsVersion(0x0300),
            _ => return Err(PolicyError::UnknownTlsVersion(s.to_string())),
        },
    )
}

/// The policy file (TOML). Unknown keys are errors, named with their line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    allow_empty: bool,
    #[serde(default)]
    deny: Vec<String>,
    min_tls: Option<String>,
    #[serde(default)]
    deny_sni: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
}

impl Policy {
    /// Reads a policy file's text; `name` is for messages.
    pub fn from_toml(text: &str, name: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::File {
            file: name.to_string(),
            // toml's messages name the line and column, and the unknown key.
            message: e.to_string().trim_end().to_string(),
        })?;
        let value = |key: &'static str| {
            move |e: PolicyError| PolicyError::Value {
                file: name.to_string(),
                key,
                problem: Box::new(e),
            }
        };
        let mut p = Policy::default();
        for d in &file.deny {
            p.deny.push(d.parse().map_err(value("deny"))?);
        }
        if let Some(v) = &file.min_tls {
            p.min_tls = Some(parse_tls_version(v).map_err(value("min_tls"))?);
        }
        p.deny_sni = file.deny_sni;
        p.allow_empty = file.allow_empty;
        for a in &file.allow {
            p.allow.push(a.parse().map_err(value("allow"))?);
        }
        Ok(p)
    }

    /// Adds another policy's rules (flags on top of a file).
    pub fn merge(&mut self, other: Policy) {
        for d in other.deny {
            if !self.deny.contains(&d) {
                self.deny.push(d);
            }
        }
        if let Some(v) = other.min_tls {
            self.min_tls = Some(self.min_tls.map_or(v, |m| m.max(v)));
        }
        self.deny_sni.extend(other.deny_sni);
        self.allow.extend(other.allow);
        self.allow_empty |= other.allow_empty;
    }

    pub fn is_empty(&self) -> bool {
        self.deny.is_empty() && self.min_tls.is_none() && self.deny_sni.is_empty()
    }

    /// The rules in words, for the report.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .deny
            .iter()
            .map(|d| format!("deny {}", d.name()))
            .collect();
        if let Some(v) = self.min_tls {
            out.push(format!("min {}", spaced(v)));
        }
        for p in &self.deny_sni {
            out.push(format!("deny SNI {p}"));
        }
        out
    }

    /// Every violation in one flow.
    pub fn check(&self, r: &FlowReport) -> Vec<Violation> {
        let mut out = Vec::new();
        if self.allow.iter().any(|a| a.matches(r)) {
            return out;
        }
        let v = |rule: &str, frame: u64, field: &str, value: String| Violation {
            rule: rule.to_string(),
            flow: r.id,
            client: r.client,
            server: r.server,
            frame,
            field: field.to_string(),
            value,
            mail: ["SMTP", "POP3", "IMAP", "FTP"]
                .into_iter()
                .find(|m| r.stack.iter().any(|l| l == m)),
        };
        if self.deny.contains(&Deny::Plaintext) {
            if let Some((frame, field, sample)) = &r.findings().first_plaintext {
                out.push(v(
                    "plaintext",
                    *frame,
                    field,
                    format!(
                        "\"{sample}\" ({} of content in the flow)",
                        crate::text::bytes(r.plaintext())
                    ),
                ));
            }
        }
        if self.deny.contains(&Deny::Credentials) {
            for l in r.credentials() {
                out.push(v("credentials", l.frame, "credential", l.value.clone()));
            }
        }
        if self.deny.contains(&Deny::Undecoded) {
            if let Some(frame) = r.first_undecoded() {
                let n = crate::span::Label::Undecoded.count(&r.payload());
                out.push(v(
                    "undecoded",
                    frame,
                    "payload",
                    format!("{} undecoded", crate::text::bytes(n)),
                ));
            }
        }
        if self.deny.contains(&Deny::WeakTls) {
            if let Some(t) = &r.tls {
                let weak = t.weaknesses();
                if !weak.is_empty() {
                    out.push(v(
                        "weak-tls",
                        r.findings().server_hello_frame.unwrap_or(r.first_frame),
                        "tls.handshake.ciphersuite",
                        format!(
                            "{}: {}",
                            crate::proto::tls::cipher_name(t.cipher.unwrap_or(0)),
                            weak.join("; ")
                        ),
                    ));
                }
            }
        }
        if let (Some(min), Some(t)) = (self.min_tls, &r.tls) {
            if let Some(got) = t.version {
                // DTLS versions count as the TLS version they are built on.
                let tls = got.tls_equivalent();
                if tls.0 < min.0 && !tls.is_tls13() {
                    out.push(v(
                        "min-tls",
                        r.findings().server_hello_frame.unwrap_or(r.first_frame),
                        "tls.handshake.version",
                        format!("{} (minimum {})", spaced(got), spaced(min)),
                    ));
                }
            }
        }
        if let Some(sni) = r.tls.as_ref().and_then(|t| t.sni.as_ref()) {
            for pattern in &self.deny_sni {
                if glob(pattern, sni) {
                    let frame = r
                        .findings()
                        .leaks
                        .iter()
                        .find(|l| l.kind == LeakKind::ServerName)
                        .map_or(r.first_frame, |l| l.frame);
                    out.push(v(
                        "deny-sni",
                        frame,
                        "tls.handshake.extensions_server_name",
                        format!("{sni} (matches {pattern})"),
                    ));
                }
            }
        }
        out
    }
}

/// `TLS 1.2`, `SSL 3`.
fn spaced(v: TlsVersion) -> String {
    v.label().replacen('v', " ", 1)
}

/// A TLS flow whose version could not be checked (its ServerHello was not seen).
pub fn version_unknown(p: &Policy, r: &FlowReport) -> bool {
    p.min_tls.is_some()
        && r.tls.as_ref().is_some_and(|t| t.version.is_none())
        && !p.allow.iter().any(|a| a.matches(r))
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: String,
    pub flow: u64,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub frame: u64,
    pub field: String,
    pub value: String,
    /// The mail protocol of the flow (`SMTP`, `POP3`, `IMAP`, `FTP`), whose fields
    /// share the `smtp.` names: what the words say.
    pub mail: Option<&'static str>,
}

impl Violation {
    /// What was read (or negotiated), in words: `HTTP request "GET /private" readable`,
    /// `credential Basic alice:secret readable`, `TLS 1.2 negotiated (minimum TLS 1.3)`.
    pub fn what(&self) -> String {
        let value = crate::render::escape(&self.value);
        match self.rule.as_str() {
            "plaintext" => match value.split_once(" (") {
                Some((sample, rest)) => {
                    format!(
                        "{} {sample} readable ({rest}",
                        content_words(&self.field, self.mail)
                    )
                }
                None => format!("{} {value} readable", content_words(&self.field, self.mail)),
            },
            "credentials" => format!("credential {value} readable"),
            "undecoded" => format!("{value}: nobody could classify the payload"),
            "weak-tls" => format!("weak cipher suite {value}"),
            "min-tls" => match value.split_once(" (") {
                Some((got, rest)) => format!("{got} negotiated ({rest}"),
                None => format!("{value} negotiated"),
            },
            "deny-sni" => format!("server name {value}"),
            _ => format!("{} = {value}", self.field),
        }
    }

    /// The message in the frame that proves the rule, where it is one message.
    fn frame_is(&self) -> &'static str {
        match self.rule.as_str() {
            "min-tls" | "weak-tls" => " (ServerHello)",
            "deny-sni" => " (ClientHello)",
            _ => "",
        }
    }
}

/// What kind of content a readable field is, in words; the mail protocols share the
/// `smtp.` fields, so `mail` names the one the flow runs.
fn content_words(field: &str, mail: Option<&str>) -> String {
    const WORDS: [(&str, &str); 15] = [
        ("data.binary", "binary payload of an unidentified protocol"),
        ("data.text", "text of an unidentified protocol"),
        ("http.request", "HTTP request"),
        ("http.response", "HTTP response"),
        ("http", "HTTP message"),
        ("smtp.req", "SMTP command"),
        ("smtp.response", "SMTP reply"),
        ("smtp.data", "mail (SMTP DATA)"),
        ("dns.qry", "DNS query"),
        ("dns.resp", "DNS answer"),
        ("dns", "DNS message"),
        ("mysql.query", "SQL query"),
        ("telnet", "Telnet session"),
        ("tls", "TLS record content (no encryption)"),
        ("quic", "QUIC payload"),
    ];
    WORDS
        .iter()
        .find(|(prefix, _)| {
            field == *prefix
                || field
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
        .map_or_else(
            || {
                let proto = field.split('.').next().unwrap_or(field);
                format!("{} content", proto.to_uppercase())
            },
            |(prefix, words)| match mail {
                Some(m) if prefix.starts_with("smtp.") && *prefix != "smtp.data" => {
                    words.replace("SMTP", m)
                }
                _ => (*words).to_string(),
            },
        )
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ep = |e: &(IpAddr, u16)| match e.0 {
            IpAddr::V4(a) => format!("{a}:{}", e.1),
            IpAddr::V6(a) => format!("[{a}]:{}", e.1),
        };
        write!(
            f,
            "{}: flow {} {} → {}, frame {}{}: {}",
            self.rule,
            self.flow,
            ep(&self.client),
            ep(&self.server),
            self.frame,
            self.frame_is(),
            self.what()
        )
    }
}

/// Shell-style wildcard match, case-insensitive: `*` any run, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or(&[]).iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*.example.com", "www.Example.com"));
        assert!(!glob("*.example.com", "example.com"));
        assert!(glob("exa?ple.*", "example.org"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "ac"));
    }

    #[test]
    fn policy_file_names_unknown_keys_and_their_line() {
        let err = Policy::from_toml("deny = [\"plaintext\"]\nmin_tsl = \"1.2\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("min_tsl"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let err = Policy::from_toml("deny = [\"plaintxt\"]\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown rule `plaintxt`"), "{err}");
        let err = Policy::from_toml("min_tls = \"1.4\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown TLS version"), "{err}");
        let p = Policy::from_toml(
            "deny = [\"plaintext\", \"credentials\"]\nmin_tls = \"1.2\"\ndeny_sni = [\"*.corp\"]\nallow = [\"53/udp\", \"[::1]:8080\"]\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.deny, vec![Deny::Plaintext, Deny::Credentials]);
        assert_eq!(p.min_tls, Some(TlsVersion::TLS12));
        assert_eq!(p.allow.len(), 2);
        assert_eq!(p.allow[1].port, Some(8080));
    }

    #[test]
    fn allow_specs() {
        assert!("53/udp".parse::<Allow>().is_ok());
        assert!("10.0.0.1".parse::<Allow>().is_ok());
        assert!("10.0.0.1:443/tcp".parse::<Allow>().is_ok());
        assert!("53/icmp".parse::<Allow>().is_err());
        assert!("host:53".parse::<Allow>().is_err());
    }
}

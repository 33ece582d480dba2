//! Every word `eavesdrop demo` says, as data: each act's [`Script`], the opening and
//! closing pages, and the templates that turn what [`super::analysis`] found into
//! sentences and table cells. Templates name their blanks (`{sni}`) and are filled by
//! [`fill`]; nothing here decides what to show, only how to say it.

use super::analysis::{Certificate, Learned, Message};
use super::{Lesson, MESSAGE};
use eavesdrop::span::Label;

/// The words of one act.
pub struct Script {
    /// The act's name, after "Act N: " and at the head of its column in the table.
    pub title: &'static str,
    /// The paragraph under the act's heading, before its packets.
    pub story: &'static str,
}

pub const PLAINTEXT: Script = Script {
    title: "plaintext",
    story: "No encryption. The packet that carries the message shows it in the ASCII \
            column on the right: anyone who can see the packet reads the message, and so \
            would anyone in between who wanted to change it. The addresses and ports are \
            readable too, as they always are: routers need them.",
};

pub const TLS12: Script = Script {
    title: "TLS 1.2",
    story: "The same exchange over TLS 1.2. The handshake travels in the clear: the \
            ClientHello names the server it wants (the SNI), and the server's certificate \
            shows its name and the name of the authority that signed it. Then the message \
            travels as ciphertext: the last packet is the message, and its bytes are \
            opaque. What is left to an observer is who talked to whom, which server name \
            was asked for, and how long the message was.",
};

pub const TLS13: Script = Script {
    title: "TLS 1.3",
    story: "TLS 1.3 encrypts everything after the ServerHello: the certificate, and with \
            it the names inside, is now opaque. The SNI in the ClientHello is still \
            readable (only Encrypted Client Hello hides it). The message is opaque, and its \
            size still shows through the record length.",
};

impl Lesson {
    pub fn script(self) -> &'static Script {
        match self {
            Lesson::Plaintext => &PLAINTEXT,
            Lesson::Tls12 => &TLS12,
            Lesson::Tls13 => &TLS13,
        }
    }
}

/// The opening page's heading.
pub const TITLE: &str = "eavesdrop demo: what can someone on the path read?";

/// The opening paragraph. `{message}`: the message, quoted; `{source}`: where the
/// captures come from.
pub const INTRO: &str = "A client sends one line, {message}, to a server on the same machine, \
     and the server sends it back. It happens three times: in plaintext, over TLS 1.2 and \
     over TLS 1.3. Each time we look at the packets the way an eavesdropper on the path sees \
     them ({source}). Every byte is marked by who can read it:";

/// What each label means, under the opening paragraph.
pub const LEGEND: [(Label, &str); 5] = [
    (
        Label::Leak,
        "leak: readable, and worth pointing at (addresses, ports, names)",
    ),
    (
        Label::Metadata,
        "header: what every router must read to deliver the packet",
    ),
    (
        Label::Cleartext,
        "readable: content anyone on the path can read",
    ),
    (
        Label::Opaque,
        "opaque: ciphertext, unreadable without the keys",
    ),
    (
        Label::Undecoded,
        "undecoded: bytes eavesdrop could not classify",
    ),
];

/// An act's heading. `{n}`: its number from 1; `{title}`: its script's title.
pub const ACT_HEADING: &str = "Act {n}: {title}";

/// Where `--step` waits: after the opening page, and after each act.
pub const BEGIN: &str = "[press Enter to begin]";
pub const PROMPT: &str = "[press Enter for the next act]";

/// The closing page's heading and its last word, under the table.
pub const CLOSING_TITLE: &str = "What the eavesdropper learned";
pub const CLOSING: &str = "Encryption hides content, not the fact of talking: addresses and \
     ports always show, the server name shows unless Encrypted Client Hello is used, and sizes \
     and timing remain for traffic analysis. Try it on your own traffic: `eavesdrop live` \
     (built with the `live` feature), or `eavesdrop flows` on any capture.";

/// The list under an act's packets: one sentence per fact an observer learned.
pub struct Findings {
    pub message_readable: &'static str,
    pub message_opaque: &'static str,
    /// `{sni}`.
    pub sni: &'static str,
    /// `{certificate}`: the certificate's names, as [`CERTIFICATE_NAMES`] gives them.
    pub certificate_readable: &'static str,
    pub certificate_encrypted: &'static str,
    /// `{size}`: the record's size in bytes.
    pub message_record: &'static str,
    /// `{bytes}`: the message's length as the record's size gives it away
    /// (`31 bytes`, `≤ 31 bytes`); `{size}`: the record's.
    pub message_inferred: &'static str,
    /// `{endpoints}`: as [`ENDPOINTS`] gives them.
    pub endpoints: &'static str,
    /// `{size}`: the opaque bytes of the message's record; `{plaintext}`: what the
    /// endpoints' key log turns them into.
    pub recovered: &'static str,
}

pub const FINDINGS: Findings = Findings {
    message_readable: "the message is readable in the clear",
    message_opaque: "the message is opaque",
    sni: "the server name is readable: SNI={sni}",
    certificate_readable: "the certificate is readable: {certificate}",
    certificate_encrypted: "the certificate is encrypted",
    message_record: "the message's record is {size} bytes: its length shows through",
    message_inferred: "the observer still knows the message: {bytes} long (a {size}-byte record)",
    endpoints: "addresses and ports: {endpoints}",
    recovered: "the endpoints' key log turns these {size} opaque bytes into: {plaintext}",
};

/// `{subject}`, `{issuer}`: the certificate's common names.
pub const CERTIFICATE_NAMES: &str = "{subject} (issuer {issuer})";

/// `{client}`, `{client_port}`, `{server}`, `{server_port}`.
pub const ENDPOINTS: &str = "{client}:{client_port} → {server}:{server_port}";

/// The closing table's words: a row heading per fact, and the words in its cells.
pub struct TableWords {
    pub endpoints: &'static str,
    pub version: &'static str,
    pub sni: &'static str,
    pub certificate: &'static str,
    pub message: &'static str,
    pub message_size: &'static str,
    pub payload: &'static str,
    pub readable: &'static str,
    pub opaque: &'static str,
    /// The version cell without TLS.
    pub no_tls: &'static str,
    /// A cell with nothing to say.
    pub nothing: &'static str,
    /// A size not found.
    pub unknown: &'static str,
    /// `{size}`: the encrypted record that carried the message.
    pub record_size: &'static str,
    /// `{bytes}`: the message's inferred length; `{size}`: its record's.
    pub inferred_size: &'static str,
    /// `{size}`: the message, readable.
    pub message_bytes: &'static str,
    /// `{readable}`, `{opaque}`: payload bytes.
    pub payload_bytes: &'static str,
}

pub const TABLE: TableWords = TableWords {
    endpoints: "addresses and ports",
    version: "protocol version",
    sni: "server name (SNI)",
    certificate: "certificate names",
    message: "the message",
    message_size: "message size",
    payload: "payload readable / opaque",
    readable: "readable",
    opaque: "opaque",
    no_tls: "none (no TLS)",
    nothing: "-",
    unknown: "?",
    record_size: "{size}-byte record",
    inferred_size: "{bytes} ({size}-byte record)",
    message_bytes: "{size} bytes",
    payload_bytes: "{readable} / {opaque} bytes",
};

/// `template` with each `{name}` replaced by its value; unknown names stay as they are.
/// Values are not searched again, so a value holding `{sni}` stays as it is.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The opening paragraph for captures from `source`.
pub fn intro(source: &str) -> String {
    let message = format!("{:?}", String::from_utf8_lossy(MESSAGE).trim_end());
    fill(INTRO, &[("message", &message), ("source", source)])
}

/// Act `n`'s heading (from 1).
pub fn act_heading(n: usize, lesson: Lesson) -> String {
    fill(
        ACT_HEADING,
        &[("n", &n.to_string()), ("title", lesson.script().title)],
    )
}

fn endpoints(l: &Learned) -> String {
    fill(
        ENDPOINTS,
        &[
            ("client", &l.client.0.to_string()),
            ("client_port", &l.client.1.to_string()),
            ("server", &l.server.0.to_string()),
            ("server_port", &l.server.1.to_string()),
        ],
    )
}

fn certificate_names(subject: &str, issuer: &str) -> String {
    fill(
        CERTIFICATE_NAMES,
        &[("subject", subject), ("issuer", issuer)],
    )
}

/// The sentences under an act's packets, each with the label whose colour it takes.
pub fn findings(l: &Learned) -> Vec<(Label, String)> {
    let f = &FINDINGS;
    let mut out = vec![match l.message {
        Message::Readable => (Label::Cleartext, f.message_readable.to_string()),
        Message::Opaque => (Label::Opaque, f.message_opaque.to_string()),
    }];
    if let Some(sni) = &l.sni {
        out.push((Label::Leak, fill(f.sni, &[("sni", sni)])));
    }
    match &l.certificate {
        Certificate::Readable { subject, issuer } => {
            let names = certificate_names(subject, issuer);
            out.push((
                Label::Leak,
                fill(f.certificate_readable, &[("certificate", &names)]),
            ));
        }
        Certificate::Encrypted => {
            out.push((Label::Opaque, f.certificate_encrypted.to_string()));
        }
        Certificate::NotSeen | Certificate::NoTls => {}
    }
    match (l.message_record, l.message_inferred) {
        (Some(size), Some((min, max))) => out.push((
            Label::Leak,
            fill(
                f.message_inferred,
                &[
                    (
                        "bytes",
                        &eavesdrop::text::bytes_range(min.into(), max.into()),
                    ),
                    ("size", &size.to_string()),
                ],
            ),
        )),
        (Some(size), None) => out.push((
            Label::Leak,
            fill(f.message_record, &[("size", &size.to_string())]),
        )),
        (None, _) => {}
    }
    out.push((
        Label::Leak,
        fill(f.endpoints, &[("endpoints", &endpoints(l))]),
    ));
    if let Some((size, plaintext)) = &l.recovered {
        out.push((
            Label::Cleartext,
            fill(
                f.recovered,
                &[("size", &size.to_string()), ("plaintext", plaintext)],
            ),
        ));
    }
    out
}

/// The closing table, in words: a column per act, a row per fact.
pub struct Table {
    pub columns: Vec<&'static str>,
    pub rows: Vec<(&'static str, Vec<String>)>,
}

/// What the closing table says about `acts`.
pub fn closing_table(acts: &[Learned]) -> Table {
    let t = &TABLE;
    let cells = |f: &dyn Fn(&Learned) -> String| acts.iter().map(f).collect::<Vec<_>>();
    let size = |n: u64| n.to_string();
    Table {
        columns: acts.iter().map(|a| a.lesson.script().title).collect(),
        rows: vec![
            (t.endpoints, cells(&|_| t.readable.to_string())),
            (
                t.version,
                cells(&|a| {
                    a.version
                        .map_or_else(|| t.no_tls.to_string(), |v| v.label().into_owned())
                }),
            ),
            (
                t.sni,
                cells(&|a| a.sni.clone().unwrap_or_else(|| t.nothing.to_string())),
            ),
            (
                t.certificate,
                cells(&|a| match &a.certificate {
                    Certificate::Readable { subject, issuer } => certificate_names(subject, issuer),
                    Certificate::Encrypted | Certificate::NotSeen => t.opaque.to_string(),
                    Certificate::NoTls => t.nothing.to_string(),
                }),
            ),
            (
                t.message,
                cells(&|a| match a.message {
                    Message::Readable => t.readable.to_string(),
                    Message::Opaque => t.opaque.to_string(),
                }),
            ),
            (
                t.message_size,
                cells(&|a| match (a.message_record, a.message) {
                    (Some(s), _) if a.message_inferred.is_some() => {
                        let (min, max) = a.message_inferred.unwrap_or_default();
                        fill(
                            t.inferred_size,
                            &[
                                (
                                    "bytes",
                                    &eavesdrop::text::bytes_range(min.into(), max.into()),
                                ),
                                ("size", &s.to_string()),
                            ],
                        )
                    }
                    (Some(s), _) => fill(t.record_size, &[("size", &s.to_string())]),
                    (None, Message::Readable) => {
                        fill(t.message_bytes, &[("size", &size(MESSAGE.len() as u64))])
                    }
                    (None, Message::Opaque) => t.unknown.to_string(),
                }),
            ),
            (
                t.payload,
                cells(&|a| {
                    fill(
                        t.payload_bytes,
                        &[("readable", &size(a.readable)), ("opaque", &size(a.opaque))],
                    )
                }),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_named_blanks_once() {
        assert_eq!(fill("SNI={sni}", &[("sni", "a.example")]), "SNI=a.example");
        assert_eq!(fill("{a} {b} {a}", &[("a", "1"), ("b", "2")]), "1 2 1");
        // A value is not a template; unknown and unclosed blanks stay.
        assert_eq!(fill("{sni}", &[("sni", "{sni}")]), "{sni}");
        assert_eq!(fill("{x} {", &[("sni", "s")]), "{x} {");
    }
}

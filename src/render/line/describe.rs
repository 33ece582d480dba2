//! eavesdrop's own words after tcpdump's part of the line: the TLS records and
//! handshake messages that start in a frame, the application messages, or how many of
//! its payload bytes are readable, opaque or undecoded.

use crate::decode::Decoded;
use crate::proto::tls::record::ContentType;
use crate::proto::Desc;
use crate::span::{ByteMap, Label};
use crate::text::push_joined;
use std::fmt::Write as _;

/// eavesdrop's own words about a frame's payload: the TLS records and handshake
/// messages that start in it, or what kind of bytes it carries.
pub fn describe_payload(d: &Decoded, map: &ByteMap, events: &[Desc]) -> Option<String> {
    let mut out = String::new();
    describe_into(&mut out, &mut Scratch::default(), d, map, events, "").then_some(out)
}

/// Strings one after another in one buffer, kept from frame to frame: the items of a
/// description cost no allocation once the room has grown.
#[derive(Default)]
struct Pieces {
    text: String,
    ends: Vec<usize>,
}

impl Pieces {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Ends the piece written into `text` since the last one ended.
    fn close(&mut self) {
        self.ends.push(self.text.len());
    }

    fn push(&mut self, piece: &str) {
        self.text.push_str(piece);
        self.close();
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| self.text.get(a..b).unwrap_or(""))
    }

    /// Runs of equal pieces: each piece once, with how many times it repeats.
    fn runs(&self) -> impl Iterator<Item = (&str, usize)> {
        let mut it = self.iter().peekable();
        std::iter::from_fn(move || {
            let first = it.next()?;
            let mut n = 1;
            while it.next_if(|p| *p == first).is_some() {
                n += 1;
            }
            Some((first, n))
        })
    }
}

/// The room [`describe_into`] works in, kept by the line writer.
#[derive(Default)]
pub(super) struct Scratch {
    /// TLS records and handshake messages.
    items: Pieces,
    /// Application messages, and encrypted units of other protocols.
    apps: Pieces,
    /// The protocol of each of `apps` (empty for encrypted units).
    app_protos: Vec<&'static str>,
    /// Encrypted units of other protocols, before they are collapsed into `apps`.
    sealed: Pieces,
}

/// Appends `piece` and `x{n}` when it repeats (`ApplicationData x3`).
fn push_run(out: &mut String, piece: &str, n: usize) {
    out.push_str(piece);
    if n > 1 {
        out.push_str(" x");
        super::push_dec(out, n as u64);
    }
}

/// [`describe_payload`] after tcpdump's part of the line, `shown`, appended to
/// `out`; says whether there was anything to say. An application message
/// tcpdump's printer already wrote (`A? example.org`, `GET / HTTP/1.1`,
/// `ESP(spi=…)`) is not said twice; only what eavesdrop adds to it (the leaks in
/// brackets) stays.
pub(super) fn describe_into(
    out: &mut String,
    scratch: &mut Scratch,
    d: &Decoded,
    map: &ByteMap,
    events: &[Desc],
    shown: &str,
) -> bool {
    let Some(payload_range) = d.payload_range() else {
        return false;
    };
    let counts = map.count_in(payload_range.clone());
    let total: u64 = counts.iter().sum();
    if total == 0 && events.is_empty() {
        return false;
    }
    let start = out.len();
    let readable = counts[Label::Cleartext.index()] + counts[Label::Leak.index()];
    let opaque = counts[Label::Opaque.index()];
    let undecoded = counts[Label::Undecoded.index()];
    let Scratch {
        items,
        apps,
        app_protos,
        sealed,
    } = scratch;
    items.clear();
    apps.clear();
    app_protos.clear();
    sealed.clear();
    // What the lengths of the encrypted messages starting here give away.
    let mut message: Option<(u64, u64)> = None;
    let mut add_message = |p: &Option<crate::proto::PlainLen>| {
        if let Some(p) = p {
            let m = message.get_or_insert((0, 0));
            m.0 += u64::from(p.min);
            m.1 += u64::from(p.max);
        }
    };
    let mut version = None;
    let mut hello_seen = false;
    // An application message tcpdump's part of the line already shows.
    let mut said_by_tcpdump = false;
    let mut tls = false;
    let has = |f: fn(&Desc) -> bool| events.iter().any(f);
    let any_handshake = has(|e| matches!(e, Desc::TlsHandshake { .. }));
    let any_alert = has(|e| matches!(e, Desc::TlsAlert { .. }));
    for ev in events {
        match ev {
            Desc::TlsRecord {
                version: v,
                content,
                encrypted,
                plaintext,
                ..
            } => {
                tls = true;
                if *content == ContentType::APPLICATION_DATA {
                    add_message(plaintext);
                }
                version.get_or_insert(*v);
                let item = match *content {
                    ContentType::HANDSHAKE if *encrypted => "EncryptedHandshake",
                    ContentType::ALERT if *encrypted => "EncryptedAlert",
                    ContentType::HANDSHAKE if any_handshake => continue,
                    ContentType::ALERT if any_alert => continue,
                    ContentType::HANDSHAKE => "Handshake",
                    ContentType::ALERT => "Alert",
                    ContentType::APPLICATION_DATA => "ApplicationData",
                    ContentType::CHANGE_CIPHER_SPEC => "ChangeCipherSpec",
                    ContentType::HEARTBEAT => "Heartbeat",
                    _ => "Record",
                };
                items.push(item);
            }
            Desc::TlsHandshake {
                version: v,
                msg,
                detail,
            } => {
                tls = true;
                // A hello speaks for the version it offers or selects, which the
                // record header before it does not know.
                if !hello_seen {
                    version = Some(*v);
                    hello_seen = true;
                }
                let _ = write!(items.text, "{msg}");
                if !detail.is_empty() {
                    items.text.push_str(" (");
                    push_joined(&mut items.text, detail, ", ");
                    items.text.push(')');
                }
                items.close();
            }
            Desc::TlsAlert { level, description } => {
                tls = true;
                items.text.push_str("Alert (");
                alert_level(&mut items.text, *level);
                items.text.push_str(", ");
                alert_description(&mut items.text, *description);
                items.text.push(')');
                items.close();
            }
            Desc::App { proto, text, leaks } => {
                if !shown.is_empty() && !text.is_empty() && shown_in(shown, text) {
                    said_by_tcpdump = true;
                    if !leaks.is_empty() {
                        apps.text.push('[');
                        push_joined(&mut apps.text, leaks, "; ");
                        apps.text.push(']');
                        apps.close();
                        app_protos.push(proto);
                    }
                    continue;
                }
                // "HTTP HTTP/1.1 200 OK" reads better as "HTTP/1.1 200 OK".
                if app_protos.last().is_none_or(|p| p != proto) && !text.starts_with(*proto) {
                    apps.text.push_str(proto);
                    apps.text.push(' ');
                }
                apps.text.push_str(text);
                if !leaks.is_empty() {
                    apps.text.push_str(" [");
                    push_joined(&mut apps.text, leaks, "; ");
                    apps.text.push(']');
                }
                apps.close();
                app_protos.push(proto);
            }
            Desc::Sealed {
                proto,
                unit,
                plaintext,
                ..
            } => {
                add_message(plaintext);
                sealed.text.push_str(proto);
                sealed.text.push(' ');
                sealed.text.push_str(unit);
                sealed.close();
            }
            Desc::Text | Desc::Leak { .. } | Desc::Resolved { .. } | Desc::Named { .. } => {}
        }
    }
    // Encrypted units of one kind in a frame read as one item: `SSH packet x3`.
    for (item, n) in sealed.runs() {
        push_run(&mut apps.text, item, n);
        apps.close();
        app_protos.push("");
    }
    let tls_bytes = d
        .spans
        .iter()
        .any(|s| s.range.start >= payload_range.start && s.field.def().proto == "TLS");
    if !apps.is_empty() {
        const SHOWN: usize = 6;
        for (i, item) in apps.iter().take(SHOWN).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(item);
        }
        if apps.len() > SHOWN {
            out.push_str(", … (");
            super::push_dec(out, (apps.len() - SHOWN) as u64);
            out.push_str(" more)");
        }
    }
    let said = |out: &String| out.len() > start;
    if tls || tls_bytes {
        if said(out) {
            out.push_str(", ");
        }
        // A named version is pushed as it is (through `write!`, 126 instructions a
        // line); drafts and unknown numbers through their Display.
        match (version, version.and_then(|v| v.name())) {
            (_, Some(name)) => out.push_str(name),
            (Some(v), None) => {
                let _ = write!(out, "{v}");
            }
            (None, None) => out.push_str("TLS"),
        }
        out.push(' ');
        if items.is_empty() {
            out.push_str("continuation");
        } else {
            for (i, (item, n)) in items.runs().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_run(out, item, n);
            }
        }
        if opaque > 0 {
            count(out, ", ", opaque, " bytes opaque");
        }
        if items.is_empty() && readable > 0 {
            count(out, ", ", readable, " bytes readable");
        }
    } else if said_by_tcpdump && apps.is_empty() {
        if opaque > 0 {
            count(out, "", opaque, " bytes opaque");
        }
    } else if readable > 0 && apps.is_empty() && !content_readable(d, &payload_range) {
        // Readable, but a handshake's bytes (an SSH key exchange continued), not what
        // the endpoints said.
        count(out, "", readable, " bytes readable (handshake)");
        if opaque > 0 {
            count(out, ", ", opaque, " bytes opaque");
        }
    } else if readable > 0 && apps.is_empty() {
        count(out, "plaintext, ", readable, " bytes");
        if opaque > 0 {
            count(out, ", ", opaque, " bytes opaque");
        }
    } else if opaque > 0 {
        if said(out) {
            out.push_str(", ");
        }
        count(out, "", opaque, " bytes opaque");
    } else if readable > 0 && !said(out) {
        count(out, "", readable, " bytes readable");
    }
    if let (Some((min, max)), true) = (message, opaque > 0) {
        out.push_str(" (");
        message_bytes(out, min, max);
        out.push(')');
    }
    if undecoded > 0 {
        if said(out) {
            out.push_str(", ");
        }
        count(out, "", undecoded, " bytes undecoded");
    }
    said(out)
}

/// Whether `text` (not empty) is in `shown`, tcpdump's part of the line. A text longer
/// than 32 bytes is first looked for by its first 32 or so (a whole character), which
/// the standard library finds without the general search: a text whose start is not
/// there is not there, and setting up the general search for a long text (a SQL
/// statement) cost some 1,500 instructions.
fn shown_in(shown: &str, text: &str) -> bool {
    let mut cut = text.len().min(32);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    match text.get(..cut) {
        Some(head) if cut < text.len() && !head.is_empty() && !shown.contains(head) => false,
        _ => shown.contains(text),
    }
}

/// Appends `before`, `n` and `after` (what `write!` would, without the formatting
/// machinery).
fn count(out: &mut String, before: &str, n: u64, after: &str) {
    out.push_str(before);
    super::push_dec(out, n);
    out.push_str(after);
}

/// Whether any readable payload byte is application content (a field with
/// `Role::Content`), not a handshake.
fn content_readable(d: &Decoded, payload: &std::ops::Range<u32>) -> bool {
    d.spans.iter().any(|s| {
        s.range.start >= payload.start
            && s.field.role() == crate::fields::Role::Content
            && matches!(s.label(), Label::Cleartext | Label::Leak)
    })
}

/// What encrypted lengths give away, in words: `31 bytes of message`,
/// `≤ 31 bytes of message` (TLS 1.3 may pad), `0–43 bytes of message` (CBC padding).
/// Plain numbers, as everywhere on a packet line.
fn message_bytes(out: &mut String, min: u64, max: u64) {
    if min == max {
        count(out, "", max, " bytes of message");
    } else if min == 0 {
        count(out, "≤ ", max, " bytes of message");
    } else {
        count(out, "", min, "–");
        count(out, "", max, " bytes of message");
    }
}

fn alert_level(out: &mut String, l: u8) {
    match l {
        1 => out.push_str("warning"),
        2 => out.push_str("fatal"),
        other => {
            let _ = write!(out, "level {other}");
        }
    }
}

/// Alert descriptions, RFC 8446 section 6.
fn alert_description(out: &mut String, d: u8) {
    let name = match d {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => {
            let _ = write!(out, "description {d}");
            return;
        }
    };
    out.push_str(name);
}

/// What the endpoints read in the units decrypted in a frame, for the packet line's
/// `— decrypted: …` (the key holder's view): what the plaintext says where a
/// dissector said something (`HTTP GET /`, `Certificate (CN=localhost)`), else its
/// content type and length.
pub fn describe_decrypted(units: &[crate::proto::Decrypted]) -> Option<String> {
    if units.is_empty() {
        return None;
    }
    let mut items: Vec<String> = Vec::new();
    for u in units {
        if u.says.is_empty() {
            let item = format!("{}, {} bytes", u.content, u.len);
            items.push(item);
        } else {
            items.extend(u.says.iter().cloned());
        }
    }
    // Repeats (many records of data) collapse into a count.
    let mut out: Vec<String> = Vec::new();
    let mut last: Option<(String, usize)> = None;
    for i in items {
        match &mut last {
            Some((l, n)) if *l == i => *n += 1,
            _ => {
                if let Some((l, n)) = last.take() {
                    out.push(if n > 1 { format!("{l} (×{n})") } else { l });
                }
                last = Some((i, 1));
            }
        }
    }
    if let Some((l, n)) = last {
        out.push(if n > 1 { format!("{l} (×{n})") } else { l });
    }
    let more = out.len().saturating_sub(6);
    out.truncate(6);
    if more > 0 {
        out.push(format!("{more} more"));
    }
    Some(out.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_found_in_the_line_as_contains_finds_it() {
        let line = "IP 10.0.0.1.5432 > 10.0.0.2.40000: Flags [P.], seq 1:66, length 65: \
                    HTTP: GET /a/very/long/path/that/goes/on/and/on HTTP/1.1 — é";
        let mut texts = vec![String::new(), "é".into(), "— é".into()];
        for start in 0..line.len() {
            for end in start..=line.len() {
                if let Some(t) = line.get(start..end) {
                    if t.len() % 7 == 3 || t.len() > 30 {
                        texts.push(t.to_string());
                        texts.push(format!("{t}x"));
                        texts.push(format!("x{t}"));
                    }
                }
            }
        }
        texts.push("é".repeat(40));
        for t in texts.iter().filter(|t| !t.is_empty()) {
            assert_eq!(shown_in(line, t), line.contains(t.as_str()), "{t:?}");
        }
    }

    #[test]
    fn repeated_items_collapse() {
        let mut items = Pieces::default();
        for p in ["A", "B", "B", "B", "A"] {
            items.push(p);
        }
        let runs: Vec<_> = items.runs().collect();
        assert_eq!(runs, [("A", 1), ("B", 3), ("A", 1)]);
    }
}

//! eavesdrop's own words after tcpdump's part of the line: the TLS records and
//! handshake messages that start in a frame, the application messages, or how many of
//! its payload bytes are readable, opaque or undecoded.

use crate::decode::Decoded;
use crate::proto::tls::record::ContentType;
use crate::proto::Desc;
use crate::span::{ByteMap, Label};
use std::fmt::Write as _;

/// eavesdrop's own words about a frame's payload: the TLS records and handshake
/// messages that start in it, or what kind of bytes it carries.
pub fn describe_payload(d: &Decoded, map: &ByteMap, events: &[Desc]) -> Option<String> {
    describe_after(d, map, events, "")
}

/// [`describe_payload`] after tcpdump's part of the line, `shown`: an application
/// message tcpdump's printer already wrote (`A? example.org`, `GET / HTTP/1.1`,
/// `ESP(spi=…)`) is not said twice; only what eavesdrop adds to it (the leaks in
/// brackets) stays.
pub(super) fn describe_after(
    d: &Decoded,
    map: &ByteMap,
    events: &[Desc],
    shown: &str,
) -> Option<String> {
    let payload_range = d.payload_range()?;
    let counts = map.count_in(payload_range.clone());
    let total: u64 = counts.iter().sum();
    if total == 0 && events.is_empty() {
        return None;
    }
    let readable = counts[Label::Cleartext.index()] + counts[Label::Leak.index()];
    let opaque = counts[Label::Opaque.index()];
    let undecoded = counts[Label::Undecoded.index()];
    let mut items: Vec<String> = Vec::new();
    let mut apps: Vec<(&str, String)> = Vec::new();
    let mut sealed: Vec<String> = Vec::new();
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
                items.push(item.to_string());
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
                if detail.is_empty() {
                    items.push(msg.to_string());
                } else {
                    items.push(format!("{msg} ({})", detail.join(", ")));
                }
            }
            Desc::TlsAlert { level, description } => {
                tls = true;
                items.push(format!(
                    "Alert ({}, {})",
                    alert_level(*level),
                    alert_description(*description)
                ));
            }
            Desc::App { proto, text, leaks } => {
                if !shown.is_empty() && !text.is_empty() && shown.contains(text.as_str()) {
                    said_by_tcpdump = true;
                    if !leaks.is_empty() {
                        apps.push((proto, format!("[{}]", leaks.join("; "))));
                    }
                    continue;
                }
                let mut item = String::new();
                // "HTTP HTTP/1.1 200 OK" reads better as "HTTP/1.1 200 OK".
                if apps.last().is_none_or(|(p, _)| p != proto) && !text.starts_with(*proto) {
                    item.push_str(proto);
                    item.push(' ');
                }
                item.push_str(text);
                if !leaks.is_empty() {
                    let _ = write!(item, " [{}]", leaks.join("; "));
                }
                apps.push((proto, item));
            }
            Desc::Sealed {
                proto,
                unit,
                plaintext,
                ..
            } => {
                add_message(plaintext);
                sealed.push(format!("{proto} {unit}"));
            }
            Desc::Text | Desc::Leak { .. } | Desc::Resolved { .. } | Desc::Named { .. } => {}
        }
    }
    // Encrypted units of one kind in a frame read as one item: `SSH packet x3`.
    for item in collapse(&sealed) {
        apps.push(("", item));
    }
    let tls_bytes = d
        .spans
        .iter()
        .any(|s| s.range.start >= payload_range.start && s.field.def().proto == "TLS");
    let mut out = String::new();
    if !apps.is_empty() {
        const SHOWN: usize = 6;
        let shown: Vec<&str> = apps.iter().take(SHOWN).map(|(_, t)| t.as_str()).collect();
        out.push_str(&shown.join(", "));
        if apps.len() > SHOWN {
            let _ = write!(out, ", … ({} more)", apps.len() - SHOWN);
        }
    }
    if tls || tls_bytes {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let v = version.map_or_else(|| "TLS".to_string(), |v| v.label());
        out.push_str(&v);
        out.push(' ');
        if items.is_empty() {
            out.push_str("continuation");
        } else {
            out.push_str(&collapse(&items).join(", "));
        }
        if opaque > 0 {
            let _ = write!(out, ", {opaque} bytes opaque");
        }
        if items.is_empty() && readable > 0 {
            let _ = write!(out, ", {readable} bytes readable");
        }
    } else if said_by_tcpdump && apps.is_empty() {
        if opaque > 0 {
            let _ = write!(out, "{opaque} bytes opaque");
        }
    } else if readable > 0 && apps.is_empty() && !content_readable(d, &payload_range) {
        // Readable, but a handshake's bytes (an SSH key exchange continued), not what
        // the endpoints said.
        let _ = write!(out, "{readable} bytes readable (handshake)");
        if opaque > 0 {
            let _ = write!(out, ", {opaque} bytes opaque");
        }
    } else if readable > 0 && apps.is_empty() {
        let _ = write!(out, "plaintext, {readable} bytes");
        if opaque > 0 {
            let _ = write!(out, ", {opaque} bytes opaque");
        }
    } else if opaque > 0 {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{opaque} bytes opaque");
    } else if readable > 0 && out.is_empty() {
        let _ = write!(out, "{readable} bytes readable");
    }
    if let (Some((min, max)), true) = (message, opaque > 0) {
        let _ = write!(out, " ({})", message_bytes(min, max));
    }
    if undecoded > 0 {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{undecoded} bytes undecoded");
    }
    (!out.is_empty()).then_some(out)
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
pub fn message_bytes(min: u64, max: u64) -> String {
    if min == max {
        format!("{max} bytes of message")
    } else if min == 0 {
        format!("≤ {max} bytes of message")
    } else {
        format!("{min}–{max} bytes of message")
    }
}

/// `ApplicationData, ApplicationData, ApplicationData` → `ApplicationData x3`.
fn collapse(items: &[String]) -> Vec<String> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some((last, n)) if last == item => *n += 1,
            _ => out.push((item.clone(), 1)),
        }
    }
    out.into_iter()
        .map(|(s, n)| if n > 1 { format!("{s} x{n}") } else { s })
        .collect()
}

fn alert_level(l: u8) -> String {
    match l {
        1 => "warning".into(),
        2 => "fatal".into(),
        other => format!("level {other}"),
    }
}

/// Alert descriptions, RFC 8446 section 6.
fn alert_description(d: u8) -> String {
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
        _ => return format!("description {d}"),
    };
    name.into()
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
    fn repeated_items_collapse() {
        let items = ["A", "B", "B", "B"].map(String::from);
        assert_eq!(collapse(&items), ["A", "B x3"]);
    }
}

//! A frame as JSON (`"type": "frame"`, `show --json`), written straight into the
//! output. A frame is some twenty spans of eight keys each: through serde, every key
//! was escaped again for every span (serde_json checks each byte of every key it
//! writes), a third of `show --json`'s time. Keys and the words of the model (field
//! names, layers, visibilities, labels, leak kinds) are written as they are: a test
//! holds every one of them to needing no escape. Everything from the capture (the
//! file name, the packet line, descriptions, leaked values) goes through serde_json's
//! own string escaping, and numbers through `itoa`, serde_json's writer of integers,
//! so the text is what serde would write.

use super::*;

/// A JSON string, escaped by serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    // Writing into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A word that needs no escaping, quoted.
fn word(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

fn num(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `,"key":`, for a key that needs no escaping (one copy of a known length).
macro_rules! key {
    ($out:expr, $k:literal) => {
        $out.extend_from_slice(concat!(",\"", $k, "\":").as_bytes())
    };
}

/// Writes frame `v`, its packet line `line`, as one JSON object (no newline);
/// `scratch` is room for leaked values.
pub(super) fn write(
    out: &mut Vec<u8>,
    scratch: &mut String,
    file_json: &str,
    line: &[u8],
    v: &FrameView<'_>,
) {
    let cap = v.frame.cap_len();
    out.extend_from_slice(b"{\"type\":\"frame\",\"version\":");
    num(out, VERSION);
    key!(out, "file");
    out.extend_from_slice(file_json.as_bytes());
    key!(out, "frame");
    num(out, v.frame.number);
    key!(out, "time");
    match rfc3339(v.frame.ts) {
        Some(t) => string(out, &t),
        None => out.extend_from_slice(b"null"),
    }
    key!(out, "interface");
    num(out, v.frame.interface);
    key!(out, "link");
    num(out, v.frame.link.0);
    key!(out, "caplen");
    num(out, cap);
    key!(out, "len");
    num(out, v.frame.orig_len);
    key!(out, "net_offset");
    num(out, v.decoded.net_offset);
    key!(out, "line");
    string(out, &crate::text::lossy(line));
    if let Some(d) = describe_payload(v.decoded, v.map, v.events) {
        key!(out, "description");
        string(out, &d);
    }
    if let Some((id, dir)) = v.flow {
        key!(out, "flow");
        num(out, id);
        key!(out, "direction");
        word(out, dir_name(dir));
    }
    let (transport, payload) = match &v.decoded.payload {
        Some(p) => (
            Some(match p.transport {
                TransportHeader::Tcp { .. } => "tcp",
                TransportHeader::Udp => "udp",
            }),
            Some(p.range.clone()),
        ),
        None => (None, v.decoded.payload_range()),
    };
    if let Some(t) = transport {
        key!(out, "transport");
        word(out, t);
    }
    if let Some(p) = payload {
        key!(out, "payload");
        out.push(b'[');
        num(out, p.start);
        out.push(b',');
        num(out, p.end);
        out.push(b']');
    }
    let mut counts = [0u64; Label::COUNT];
    for run in v.map.runs() {
        counts[run.label.index()] += u64::from(run.end - run.start);
    }
    key!(out, "counts");
    for (i, l) in Label::ALL.iter().enumerate() {
        out.push(if i == 0 { b'{' } else { b',' });
        word(out, l.word());
        out.push(b':');
        num(out, counts[l.index()]);
    }
    out.push(b'}');
    let records: Vec<Value> = v.events.iter().filter_map(record_json).collect();
    if !records.is_empty() {
        key!(out, "records");
        let _ = serde_json::to_writer(&mut *out, &records);
    }
    if !v.decrypted.is_empty() {
        let decrypted: Vec<Value> = v.decrypted.iter().map(decrypted_json).collect();
        key!(out, "decrypted");
        let _ = serde_json::to_writer(&mut *out, &decrypted);
    }
    key!(out, "spans");
    out.push(b'[');
    spans(out, scratch, v, cap);
    out.push(b']');
    key!(out, "notes");
    let notes: Vec<NoteJson<'_>> = v.decoded.notes.iter().map(note_json).collect();
    let _ = serde_json::to_writer(&mut *out, &notes);
    out.push(b'}');
}

/// The frame's spans in byte order, overlaps cut as the byte map cuts them
/// ([`crate::span::disjoint`]).
fn spans(out: &mut Vec<u8>, scratch: &mut String, v: &FrameView<'_>, cap: u32) {
    let mut first = true;
    for (s, start, end) in crate::span::disjoint(&v.decoded.spans, cap) {
        let name = s.field.name();
        let label = s.label();
        let leak = s.field.def().leak.filter(|_| label == Label::Leak);
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(b"{\"field\":");
        word(out, name);
        key!(out, "layer");
        let layer = name.find('.').and_then(|i| name.get(..i)).unwrap_or(name);
        word(out, layer);
        key!(out, "start");
        num(out, start);
        key!(out, "end");
        num(out, end);
        key!(out, "visibility");
        word(out, s.vis.name());
        key!(out, "label");
        word(out, label.word());
        if let Some(k) = leak {
            key!(out, "leak");
            word(out, k.name());
            scratch.clear();
            let bytes = v.frame.data.get(start as usize..end as usize);
            if bytes.is_some_and(|b| short_value_into(scratch, k, b)) {
                key!(out, "value");
                string(out, scratch);
            }
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Visibility;

    fn needs_no_escape(s: &str) -> bool {
        serde_json::to_string(s).unwrap() == format!("\"{s}\"")
    }

    /// The words written without escaping: every field name (and so every layer),
    /// visibility, label, leak kind and direction.
    #[test]
    fn the_models_words_need_no_escaping() {
        for f in crate::fields::all() {
            assert!(needs_no_escape(f.name()), "{}", f.name());
            if let Some(k) = f.def().leak {
                assert!(needs_no_escape(k.name()), "{}", k.name());
            }
        }
        for v in Visibility::ALL {
            assert!(needs_no_escape(v.name()));
        }
        for l in Label::ALL {
            assert!(needs_no_escape(l.word()));
        }
        for d in [
            crate::proto::Direction::ToServer,
            crate::proto::Direction::ToClient,
        ] {
            assert!(needs_no_escape(dir_name(d)));
        }
    }

    #[test]
    fn numbers_are_written_as_serde_writes_them() {
        for n in [0u64, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            num(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }

    /// The general forms `short_value` writes by hand.
    fn reference(kind: LeakKind, bytes: &[u8]) -> Option<String> {
        if bytes.is_empty() || bytes.len() > SHORT {
            return None;
        }
        Some(match (kind, bytes.len()) {
            (LeakKind::Address, 4) => {
                Ipv4Addr::from(<[u8; 4]>::try_from(bytes).unwrap()).to_string()
            }
            (LeakKind::Address, 16) => {
                Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap()).to_string()
            }
            (LeakKind::Address, 6) => bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
            (LeakKind::Port, 2) => u16::from_be_bytes([bytes[0], bytes[1]]).to_string(),
            _ if bytes.iter().all(|&b| (0x20..0x7f).contains(&b)) => {
                crate::text::lossy(bytes).into_owned()
            }
            _ => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    #[test]
    fn short_values_are_the_general_forms() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for kind in [LeakKind::Address, LeakKind::Port, LeakKind::Url] {
            for len in 0..=SHORT + 2 {
                for round in 0..40 {
                    let bytes: Vec<u8> = (0..len)
                        .map(|_| {
                            let r = next() as u8;
                            // Half the rounds printable, to reach the text form.
                            if round % 2 == 0 {
                                0x20 + r % 0x5f
                            } else {
                                r
                            }
                        })
                        .collect();
                    assert_eq!(
                        short_value(kind, &bytes),
                        reference(kind, &bytes),
                        "{bytes:?}"
                    );
                }
            }
        }
        assert_eq!(
            short_value(LeakKind::Address, &[0; 16]).as_deref(),
            Some("::")
        );
    }
}

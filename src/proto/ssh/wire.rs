//! Reading SSH packets and messages: pending packets, strings, name-lists, host keys
//! and their fingerprints.

use super::*;

/// Labels the rest of a packet whose length is known; returns the bytes labelled.
pub(super) fn label_pending(p: &mut Pending, at: u64, rest: &[u8], out: &mut Emitter) -> usize {
    let avail = rest.len() as u64;
    let n = if p.body > 0 {
        let n = avail.min(p.body);
        out.field(at..at + n, p.field);
        p.body -= n;
        n
    } else if p.mac > 0 {
        let n = avail.min(p.mac);
        out.field(at..at + n, SSH_MAC);
        p.mac -= n;
        n
    } else {
        0
    };
    usize::try_from(n).unwrap_or(0)
}

/// Framing lost: bytes undecoded; with `search`, up to a NEWKEYS packet, which regains
/// it (NEWKEYS in the clear is always `00 00 00 L P 15` with `L = P + 2`).
pub(super) fn lost(
    side: &mut Side,
    at: u64,
    rest: &[u8],
    search: bool,
    flush: bool,
    out: &mut Emitter,
) -> Option<usize> {
    let found = if search {
        rest.windows(HEAD).position(|w| match w {
            [0, 0, 0, l, p, MSG_NEWKEYS] => {
                *p >= 4 && *l == p.wrapping_add(2) && (*l as usize + 4) % 8 == 0
            }
            _ => false,
        })
    } else {
        None
    };
    let n = match found {
        Some(i) => {
            side.phase = Phase::Clear;
            i
        }
        // Keep what could be the start of a NEWKEYS packet for the next call.
        None if search && !flush => rest.len().saturating_sub(HEAD - 1),
        None => rest.len(),
    };
    if n == 0 && found.is_none() {
        return None;
    }
    out.span(
        at..at + n as u64,
        crate::fields::PAYLOAD,
        crate::span::Visibility::Undecoded,
    );
    if found.is_some() {
        out.note(
            at + n as u64..at + n as u64 + 1,
            Severity::Note,
            NoteGroup::Reassembly,
            "a NEWKEYS packet: framing regained".into(),
        );
    }
    Some(n)
}

/// A packet's payload range from its `padding_length`; labels the header fields. A
/// padding length the packet cannot hold is a note (the payload then runs to the end).
pub(super) fn payload_range(
    p: &[u8],
    total: usize,
    f: &mut Found,
    at: u64,
    out: &mut Emitter,
) -> Range<usize> {
    f.parts.push((0..4, SSH_PACKET_LENGTH));
    f.parts.push((4..5, SSH_PADDING_LENGTH));
    let pad = p.get(4).map_or(0, |&b| usize::from(b));
    // padding_length + 1 + at least a message number must fit after it.
    if HEAD + pad > total {
        out.note(
            at + 4..at + 5,
            Severity::Note,
            NoteGroup::Malformed,
            format!("padding_length {pad} does not fit a {total}-byte packet"),
        );
        return HEAD.min(total)..total;
    }
    if pad < 4 && p.len() > 4 {
        out.note(
            at + 4..at + 5,
            Severity::Note,
            NoteGroup::Malformed,
            format!("padding_length {pad}: RFC 4253 section 6 requires at least 4"),
        );
    }
    5..total - pad
}

/// Sends a packet's description and leaks.
pub(super) fn emit(out: &mut Emitter, at: u64, f: Found) {
    for (kind, value) in f.leaks {
        out.event(at, Desc::Leak { kind, value });
    }
    if !f.text.is_empty() {
        app_event(out, at, "SSH", f.text, f.credentials);
    }
}

/// A note for a packet longer than RFC 4253 section 6.1 requires implementations to
/// handle.
pub(super) fn note_long(len: u32, at: u64, out: &mut Emitter) {
    if len > RFC_MAX_PACKET {
        out.note(
            at..at + 4,
            Severity::Note,
            NoteGroup::Protocol,
            format!(
                "packet_length {len}: beyond the {RFC_MAX_PACKET} bytes RFC 4253 section 6.1 requires implementations to handle"
            ),
        );
    }
}

/// An SSH string at the reader, labelled `field` whole (length included); `None` when
/// it is cut short.
pub(super) fn labelled_string(r: &mut Reader<'_>, field: FieldId, f: &mut Found) -> Option<()> {
    let s = string(r)?;
    f.parts.push((s.len_at.start..s.body.end, field));
    s.whole.then_some(())
}

/// An SSH `string` (RFC 4251 section 5): the range of its length field, of its bytes
/// (those there are, in a packet cut short), the bytes, and whether all are there.
pub(super) struct Str<'a> {
    pub(super) len_at: Range<usize>,
    pub(super) body: Range<usize>,
    pub(super) bytes: &'a [u8],
    pub(super) whole: bool,
}

pub(super) fn string<'a>(r: &mut Reader<'a>) -> Option<Str<'a>> {
    let start = r.pos();
    let n = usize::try_from(r.u32()?).ok()?;
    let at = r.pos();
    let avail = r.left().min(n);
    let bytes = r.take(avail)?;
    Some(Str {
        len_at: start..at,
        body: at..at + avail,
        bytes,
        whole: avail == n,
    })
}

/// A public key blob's type (its first string), when it is short printable text.
pub(super) fn key_type(blob: &[u8]) -> Option<String> {
    let s = string(&mut Reader::new(blob))?;
    let ok = s.whole
        && !s.bytes.is_empty()
        && s.bytes.len() <= 64
        && s.bytes.iter().all(u8::is_ascii_graphic);
    ok.then(|| crate::text::lossy(s.bytes).into_owned())
}

/// KEXINIT (RFC 4253 section 7.1) in `p` (the packet up to the end of its payload):
/// labels its fields as far as they go; the name-lists when all ten are there.
pub(super) fn kexinit(p: &[u8], parts: &mut Vec<(Range<usize>, FieldId)>) -> Option<Vec<String>> {
    let mut r = Reader::new(p);
    r.skip(HEAD)?;
    let cookie = r.left().min(16);
    r.skip(cookie)?;
    parts.push((HEAD..HEAD + cookie, SSH_COOKIE));
    if cookie < 16 {
        return None;
    }
    let mut lists = Vec::with_capacity(NAME_LISTS.len());
    for (i, (len_field, list_field)) in NAME_LISTS.into_iter().enumerate() {
        let s = string(&mut r)?;
        parts.push((s.len_at.clone(), len_field));
        parts.push((s.body.clone(), list_field));
        if !s.whole {
            return None;
        }
        // Kept for negotiation (not the languages): at most MAX_NAMES names, each at
        // most 64 characters (RFC 4251 section 6), so a flow's state stays small.
        // Each list as one string of its kept names, comma-separated (a string per
        // name was some hundred allocations a KEXINIT).
        if i < COMP_C2S + 2 {
            let text = crate::text::lossy(s.bytes);
            let mut kept = String::with_capacity(text.len());
            let names = text
                .split(',')
                .filter(|a| !a.is_empty() && a.len() <= 64)
                .take(MAX_NAMES);
            crate::text::push_joined(&mut kept, names, ",");
            lists.push(kept);
        }
    }
    let at = r.pos();
    if r.u8().is_some() {
        parts.push((at..at + 1, SSH_FIRST_KEX_FOLLOWS));
        if r.u32().is_some() {
            parts.push((at + 1..at + 5, SSH_KEX_RESERVED));
        }
    }
    Some(lists)
}

/// A message after NEWKEYS under the `none` cipher (`p`: the packet up to the end of
/// its payload): named, and a password login read.
pub(super) fn readable_message(code: u8, p: &[u8], f: &mut Found) {
    f.text = message_name(code);
    let mut r = Reader::new(p);
    if r.skip(HEAD).is_none() {
        return;
    }
    match code {
        MSG_USERAUTH_REQUEST => {
            let Some(user) = string(&mut r) else { return };
            f.parts.push((user.body.clone(), SSH_USERAUTH_USER));
            let name = crate::text::lossy(user.bytes).into_owned();
            let _service = string(&mut r);
            let method = string(&mut r).map(|m| crate::text::lossy(m.bytes).into_owned());
            f.text = format!(
                "USERAUTH_REQUEST user={name} method={}",
                method.as_deref().unwrap_or("?")
            );
            if method.as_deref() == Some("password") && r.u8().is_some() {
                if let Some(pw) = string(&mut r) {
                    f.parts.push((pw.body.clone(), SSH_USERAUTH_PASSWORD));
                    f.credentials.push(format!(
                        "user={name} password={}",
                        crate::text::lossy(pw.bytes)
                    ));
                }
            }
        }
        MSG_CHANNEL_DATA => {
            // The recipient channel, then the data.
            if let Some(s) = r.u32().and_then(|_| string(&mut r)) {
                f.text = format!("CHANNEL_DATA, {}", plural(s.bytes.len() as u64, "byte"));
            }
        }
        _ => {}
    }
}

/// A message number's name (RFC 4250 section 4.1.2); `message N` for others.
pub(super) fn message_name(code: u8) -> String {
    let name = match code {
        1 => "DISCONNECT",
        2 => "IGNORE",
        3 => "UNIMPLEMENTED",
        4 => "DEBUG",
        5 => "SERVICE_REQUEST",
        6 => "SERVICE_ACCEPT",
        7 => "EXT_INFO",
        20 => "KEXINIT",
        21 => "NEWKEYS",
        50 => "USERAUTH_REQUEST",
        51 => "USERAUTH_FAILURE",
        52 => "USERAUTH_SUCCESS",
        53 => "USERAUTH_BANNER",
        60 => "USERAUTH_INFO_REQUEST",
        61 => "USERAUTH_INFO_RESPONSE",
        80 => "GLOBAL_REQUEST",
        81 => "REQUEST_SUCCESS",
        82 => "REQUEST_FAILURE",
        90 => "CHANNEL_OPEN",
        91 => "CHANNEL_OPEN_CONFIRMATION",
        92 => "CHANNEL_OPEN_FAILURE",
        93 => "CHANNEL_WINDOW_ADJUST",
        94 => "CHANNEL_DATA",
        95 => "CHANNEL_EXTENDED_DATA",
        96 => "CHANNEL_EOF",
        97 => "CHANNEL_CLOSE",
        98 => "CHANNEL_REQUEST",
        99 => "CHANNEL_SUCCESS",
        100 => "CHANNEL_FAILURE",
        c => return format!("message {c}"),
    };
    name.to_string()
}

/// Whether `rest` starts with an SSH-2 packet in the clear that a key exchange sends:
/// a sane length that is a multiple of 8 with its 4 bytes, at least 4 bytes of padding,
/// and a transport or key exchange message number.
pub(super) fn plausible_clear_packet(rest: &[u8]) -> bool {
    let (Some(len), Some(&pad), Some(&code)) = (be32(rest, 0), rest.get(4), rest.get(5)) else {
        return false;
    };
    (12..=MAX_PACKET).contains(&len)
        && (len as usize + 4) % 8 == 0
        && pad >= 4
        && usize::from(pad) + 2 <= len as usize
        && matches!(code, 1..=4 | MSG_KEXINIT | MSG_NEWKEYS | 30..=34)
}

/// The fingerprint OpenSSH prints for a public key blob: `SHA256:` and the digest in
/// base64 without padding (`ssh-keygen -l`).
pub fn fingerprint(blob: &[u8]) -> String {
    let digest = Sha256::digest(blob);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

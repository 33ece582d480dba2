//! NEGOTIATE (dialects, contexts, cipher), the security blob of SESSION_SETUP
//! (NTLMSSP, Kerberos), and SMB1 messages.

use super::*;

/// Whether a GSS-API token names the Kerberos mechanism (RFC 4121 OID
/// 1.2.840.113554.1.2.2, or Microsoft's 1.2.840.48018.1.2.2).
pub(super) fn kerberos_in_gss(blob: &[u8]) -> bool {
    const KRB5: &[u8] = b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
    const MS_KRB5: &[u8] = b"\x06\x09\x2a\x86\x48\x82\xf7\x12\x01\x02\x02";
    blob.windows(KRB5.len()).any(|w| w == KRB5 || w == MS_KRB5)
}

/// Negotiate contexts at `off` (from the header), `count` of them, 8-byte aligned
/// (MS-SMB2 2.2.3.1): (type, data range).
pub(super) fn contexts(m: &[u8], off: usize, count: u16) -> Vec<(u16, Range<usize>)> {
    let mut out = Vec::new();
    let mut pos = off;
    if off < 64 {
        return out;
    }
    for _ in 0..count.min(32) {
        let (Some(t), Some(len)) = (le16(m, pos), le16(m, pos + 2)) else {
            break;
        };
        let d = pos + 8..pos + 8 + usize::from(len);
        if d.end > m.len() {
            break;
        }
        out.push((t, d.clone()));
        pos = (d.end + 7) & !7;
    }
    out
}

impl Smb {
    pub(super) fn negotiate_request(
        &mut self,
        m: &[u8],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        said: &mut Said,
    ) {
        let count = usize::from(le16(m, 66).unwrap_or(0)).min(64);
        let dialects: Vec<String> = (0..count)
            .filter_map(|i| le16(m, 100 + 2 * i).map(dialect_name))
            .collect();
        if !dialects.is_empty() {
            said.text
                .push_str(&format!(" dialects {}", dialects.join(", ")));
        }
        parts.push((64..m.len(), SMB_NEGOTIATE));
        // The NETNAME context names the server the client wants (MS-SMB2 2.2.3.1.4).
        if let Some(name) = contexts(
            m,
            le32(m, 92).unwrap_or(0) as usize,
            le16(m, 96).unwrap_or(0),
        )
        .into_iter()
        .find_map(|(t, d)| (t == 5).then(|| utf16(m.get(d).unwrap_or(&[]))))
        {
            said.text.push_str(&format!(" server {name}"));
        }
    }

    pub(super) fn negotiate_response(
        &mut self,
        m: &[u8],
        parts: &mut Vec<(Range<usize>, FieldId)>,
        said: &mut Said,
    ) {
        let dialect = le16(m, 68).map(dialect_name);
        let server = m.get(72..88).and_then(guid);
        if let Some(d) = &dialect {
            said.text.push_str(&format!(" dialect {d}"));
            self.dialect = Some(d.clone());
        }
        if let Some(g) = server {
            self.server_guid = Some(g);
        }
        for (t, d) in contexts(
            m,
            le32(m, 124).unwrap_or(0) as usize,
            le16(m, 70).unwrap_or(0),
        ) {
            // SMB2_ENCRYPTION_CAPABILITIES: the server's choice is its one cipher.
            if t == 2 {
                let ds = d.start;
                if let (Some(1..), Some(c)) = (le16(m, ds), le16(m, ds + 2)) {
                    let c = cipher_name(c);
                    said.text.push_str(&format!(" cipher {c}"));
                    self.cipher = Some(c);
                }
            }
        }
        if self
            .dialect
            .as_deref()
            .is_some_and(|d| d.starts_with("3.0"))
            && self.cipher.is_none()
        {
            // SMB 3.0 and 3.0.2 know one cipher only.
            self.cipher = Some("AES-128-CCM".into());
        }
        let off = usize::from(le16(m, 120).unwrap_or(0));
        let len = usize::from(le16(m, 122).unwrap_or(0));
        match buf(m, off, len) {
            Some(r) => {
                parts.push((64..r.start, SMB_NEGOTIATE));
                parts.push((r.clone(), SMB_SESSION));
                parts.push((r.end..m.len(), SMB_NEGOTIATE));
            }
            None => parts.push((64..m.len(), SMB_NEGOTIATE)),
        }
    }

    /// The security buffer of SESSION_SETUP (and NEGOTIATE): a GSS-API/SPNEGO token;
    /// the NTLMSSP message inside is read, Kerberos named.
    #[allow(clippy::too_many_arguments)] // the message, its place, and what it says
    pub(super) fn security_blob(
        &mut self,
        dir: Direction,
        at: u64,
        m: &[u8],
        r: Range<usize>,
        parts: &mut Vec<(Range<usize>, FieldId)>,
        said: &mut Said,
        out: &mut Emitter,
    ) {
        let blob = m.get(r.clone()).unwrap_or(&[]);
        let _ = dir;
        let Some(i) = ntlmssp::find(blob) else {
            if kerberos_in_gss(blob) {
                said.text.push_str(" Kerberos");
            }
            parts.push((r, SMB_SESSION));
            return;
        };
        let start = r.start + i;
        let Some(msg) = self.ntlm.message(blob.get(i..).unwrap_or(&[])) else {
            parts.push((r, SMB_SESSION));
            return;
        };
        parts.push((r.start..start, SMB_SESSION));
        for (pr, f) in &msg.parts {
            parts.push((pr.start + start..pr.end + start, *f));
        }
        // The NTLMSSP header bytes between its parts.
        let end = start + msg.len;
        let mut cursor = start;
        let mut inner: Vec<(Range<usize>, FieldId)> = msg
            .parts
            .iter()
            .map(|(pr, f)| (pr.start + start..pr.end + start, *f))
            .collect();
        inner.sort_by_key(|(x, _)| x.start);
        for (x, _) in &inner {
            if x.start > cursor {
                parts.push((cursor..x.start, ntlmssp::NTLMSSP_HEADER));
            }
            cursor = cursor.max(x.end);
        }
        if cursor < end {
            parts.push((cursor..end, ntlmssp::NTLMSSP_HEADER));
        }
        if end < r.end {
            parts.push((end..r.end, SMB_SESSION));
        }
        for (kind, name) in &msg.names {
            if *kind == LeakKind::UserName
                && self.users.len() < MAX_NAMES
                && !self.users.contains(name)
            {
                self.users.push(name.clone());
            }
        }
        msg.report(out, at + start as u64);
        said.text.push_str(&format!(" {}", msg.text));
        said.leaks.extend(msg.credentials);
    }

    /// An SMB1 message: its header and command; NTLMSSP found in it is read.
    pub(super) fn smb1(&mut self, at: u64, b: &[u8], out: &mut Emitter) {
        if self.dialect.is_none() {
            self.dialect = Some("SMB1".into());
        }
        let hdr = 32.min(b.len());
        out.field(at..at + hdr as u64, SMB1_HEADER);
        let command = b.get(4).copied().unwrap_or(0);
        let response = b.get(9).is_some_and(|f| f & 0x80 != 0);
        let name = match command {
            0x72 => "Negotiate Protocol".to_string(),
            0x73 => "Session Setup AndX".to_string(),
            0x75 => "Tree Connect AndX".to_string(),
            0x74 => "Logoff AndX".to_string(),
            0x71 => "Tree Disconnect".to_string(),
            0xa2 => "NT Create AndX".to_string(),
            0x2e => "Read AndX".to_string(),
            0x2f => "Write AndX".to_string(),
            0x25 => "Trans".to_string(),
            0x32 => "Trans2".to_string(),
            0x04 => "Close".to_string(),
            c => format!("command {c:#04x}"),
        };
        let mut text = format!("{name} {}", if response { "response" } else { "request" });
        let mut leaks = Vec::new();
        let body = b.get(hdr..).unwrap_or(&[]);
        let body_at = at + hdr as u64;
        match ntlmssp::find(body).and_then(|i| {
            self.ntlm
                .message(body.get(i..).unwrap_or(&[]))
                .map(|m| (i, m))
        }) {
            Some((i, msg)) => {
                out.field(body_at..body_at + i as u64, SMB_SESSION);
                let rest = body.get(i..).unwrap_or(&[]);
                msg.label(out, body_at + i as u64, rest.len());
                let after = i + msg.len.min(rest.len());
                out.field(
                    body_at + after as u64..body_at + body.len() as u64,
                    SMB_BODY,
                );
                msg.report(out, body_at + i as u64);
                for (kind, name) in &msg.names {
                    if *kind == LeakKind::UserName
                        && self.users.len() < MAX_NAMES
                        && !self.users.contains(name)
                    {
                        self.users.push(name.clone());
                    }
                }
                text.push_str(&format!(" {}", msg.text));
                leaks.extend(msg.credentials);
            }
            None => out.field(body_at..body_at + body.len() as u64, SMB_BODY),
        }
        super::super::framing::app_event(out, at.saturating_sub(4), "SMB", text, leaks);
    }
}

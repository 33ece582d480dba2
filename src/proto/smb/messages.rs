//! SMB2 messages: the transform header of an encrypted message, compounded chains,
//! and each command's fields and leaks.

use super::*;

impl Smb {
    /// A TRANSFORM_HEADER and the encrypted message after it (MS-SMB2 2.2.41).
    pub(super) fn transform(
        &mut self,
        at: u64,
        b: &[u8],
        total: usize,
        out: &mut Emitter,
    ) -> FieldId {
        const LEN: usize = 52;
        let hdr = LEN.min(b.len());
        out.field(at..at + 4.min(hdr) as u64, SMB_TRANSFORM);
        out.field(
            at + 4.min(hdr) as u64..at + 20.min(hdr) as u64,
            SMB_SIGNATURE,
        );
        out.field(at + 20.min(hdr) as u64..at + hdr as u64, SMB_TRANSFORM);
        out.field(at + hdr as u64..at + b.len() as u64, SMB_ENCRYPTED);
        self.encrypted += 1;
        let size = le32(b, 36);
        if let Some(alg) = le16(b, 42).filter(|&a| a == 1 && self.cipher.is_none()) {
            // SMB 3.0/3.0.2: Flags 1 means AES-128-CCM, the only cipher then.
            if self
                .dialect
                .as_deref()
                .is_some_and(|d| d.starts_with("3.0"))
            {
                self.cipher = Some(cipher_name(alg));
            }
        }
        out.event(
            at,
            Desc::Sealed {
                proto: "SMB3",
                unit: "encrypted message",
                len: u32::try_from(total).unwrap_or(u32::MAX),
                plaintext: size.map(|s| PlainLen { min: s, max: s }),
            },
        );
        SMB_ENCRYPTED
    }

    /// SMB2 messages chained by NextCommand; returns the field of a long frame's rest.
    pub(super) fn compound(
        &mut self,
        dir: Direction,
        at: u64,
        b: &[u8],
        long: bool,
        said: &mut Vec<Said>,
        out: &mut Emitter,
    ) -> FieldId {
        let mut pos = 0usize;
        let mut rest_field = SMB_DATA;
        for _ in 0..MAX_COMPOUND {
            let m = b.get(pos..).unwrap_or(&[]);
            if m.get(..4) != Some(SMB2_ID) {
                if !m.is_empty() {
                    unknown::classify_chunk(at + pos as u64, m, out);
                }
                return rest_field;
            }
            let next = le32(m, 20).map_or(0, |n| n as usize);
            let this = if next >= 64 && next <= m.len() {
                next
            } else {
                m.len()
            };
            let msg = m.get(..this).unwrap_or(m);
            let last = this == m.len();
            let (s, f) = self.message(dir, at + pos as u64, msg, long && last, out);
            said.push(s);
            rest_field = f;
            if last {
                return rest_field;
            }
            pos += this;
        }
        let m = b.get(pos..).unwrap_or(&[]);
        out.field(at + pos as u64..at + b.len() as u64, SMB_DATA);
        if !m.is_empty() {
            out.note(
                at + pos as u64..at + b.len() as u64,
                Severity::Note,
                NoteGroup::Malformed,
                format!(
                    "more than {MAX_COMPOUND} compounded SMB2 messages: the rest is not parsed"
                ),
            );
        }
        rest_field
    }

    /// One SMB2 message `m` (header and body, possibly only its head when `long`).
    pub(super) fn message(
        &mut self,
        dir: Direction,
        at: u64,
        m: &[u8],
        long: bool,
        out: &mut Emitter,
    ) -> (Said, FieldId) {
        let hdr = 64.min(m.len());
        let command = le16(m, 12).unwrap_or(0xffff);
        let status = le32(m, 8).unwrap_or(0);
        let flags = le32(m, 16).unwrap_or(0);
        // Header: fields, then the signature (zeros, and header, when not signed).
        let signed = flags & 0x8 != 0;
        out.field(at..at + 48.min(hdr) as u64, SMB_HEADER);
        let sig = if signed { SMB_SIGNATURE } else { SMB_HEADER };
        out.field(at + 48.min(hdr) as u64..at + hdr as u64, sig);
        let response = flags & 1 != 0;
        let name = command_name(command);
        let mut said = Said {
            text: format!("{name} {}", if response { "response" } else { "request" }),
            leaks: Vec::new(),
        };
        if m.len() < 64 {
            said.text.push_str(" (cut off)");
            return (said, SMB_DATA);
        }
        let mut parts: Vec<(Range<usize>, FieldId)> = Vec::new();
        let mut rest_field = SMB_DATA;
        let error = response && status != 0 && status != 0xc000_0016 && le16(m, 64) == Some(9);
        if error {
            said.text.push_str(&format!(" {}", status_name(status)));
        } else {
            match (command, response) {
                (0, false) => self.negotiate_request(m, &mut parts, &mut said),
                (0, true) => self.negotiate_response(m, &mut parts, &mut said),
                (1, _) => {
                    let (off, len) = if response {
                        (le16(m, 68), le16(m, 70))
                    } else {
                        (le16(m, 76), le16(m, 78))
                    };
                    if response {
                        let flags = le16(m, 66).unwrap_or(0);
                        if flags & 0x4 != 0 {
                            said.text.push_str(" (encrypt data)");
                        }
                        if flags & 0x1 != 0 {
                            said.text.push_str(" (guest)");
                        }
                        if status == 0xc000_0016 {
                            said.text.push_str(" STATUS_MORE_PROCESSING_REQUIRED");
                        }
                    }
                    let body_end = if response { 72 } else { 88 };
                    parts.push((64..body_end.min(m.len()), SMB_SESSION));
                    if let Some(r) = buf(
                        m,
                        usize::from(off.unwrap_or(0)),
                        usize::from(len.unwrap_or(0)),
                    ) {
                        self.security_blob(dir, at, m, r, &mut parts, &mut said, out);
                    }
                }
                (3, false) => {
                    if let Some(r) = buf(
                        m,
                        usize::from(le16(m, 68).unwrap_or(0)),
                        usize::from(le16(m, 70).unwrap_or(0)),
                    ) {
                        let path = utf16(m.get(r.clone()).unwrap_or(&[]));
                        said.text.push_str(&format!(" {path}"));
                        out.event(
                            at + r.start as u64,
                            Desc::Leak {
                                kind: LeakKind::Url,
                                value: path.clone(),
                            },
                        );
                        if self.trees.len() < MAX_NAMES && !self.trees.contains(&path) {
                            self.trees.push(path);
                        }
                        parts.push((r, SMB_TREE));
                    }
                }
                (3, true) if le32(m, 68).is_some_and(|f| f & 0x8000 != 0) => {
                    said.text.push_str(" (encrypted share)");
                }
                (5, false) => {
                    if let Some(r) = buf(
                        m,
                        usize::from(le16(m, 108).unwrap_or(0)),
                        usize::from(le16(m, 110).unwrap_or(0)),
                    ) {
                        let file = utf16(m.get(r.clone()).unwrap_or(&[]));
                        said.text.push_str(&format!(" {file}"));
                        out.event(
                            at + r.start as u64,
                            Desc::Leak {
                                kind: LeakKind::Url,
                                value: file.clone(),
                            },
                        );
                        if self.files.len() < MAX_NAMES && !self.files.contains(&file) {
                            self.files.push(file);
                        }
                        parts.push((r, SMB_FILENAME));
                    } else if m.len() >= 112 {
                        said.text.push_str(" (share root)");
                    }
                }
                (8, false) => {
                    if let (Some(len), Some(off)) = (le32(m, 68), le64(m, 72)) {
                        said.text.push_str(&format!(" {len} bytes at {off}"));
                    }
                }
                (8, true) => {
                    let off = usize::from(m.get(66).copied().unwrap_or(0));
                    if let Some(len) = le32(m, 68) {
                        said.text.push_str(&format!(" {len} bytes"));
                        if off >= 64 {
                            parts.push((off.min(m.len())..m.len(), SMB_DATA));
                        }
                    }
                }
                (9, false) => {
                    let off = usize::from(le16(m, 66).unwrap_or(0));
                    if let (Some(len), Some(at_off)) = (le32(m, 68), le64(m, 72)) {
                        said.text.push_str(&format!(" {len} bytes at {at_off}"));
                        if off >= 64 {
                            parts.push((off.min(m.len())..m.len(), SMB_DATA));
                        }
                    }
                }
                (0x0e, false) => {
                    if let Some(r) = buf(
                        m,
                        usize::from(le16(m, 88).unwrap_or(0)),
                        usize::from(le16(m, 90).unwrap_or(0)),
                    ) {
                        let pattern = utf16(m.get(r.clone()).unwrap_or(&[]));
                        said.text.push_str(&format!(" {pattern}"));
                        parts.push((r, SMB_FILENAME));
                    }
                }
                _ => {}
            }
        }
        if !response && command == 9 {
            rest_field = SMB_DATA;
        }
        if parts.iter().all(|(r, _)| r.start != 64) {
            // The fixed fields of the body, up to its first buffer.
            let first = parts.iter().map(|(r, _)| r.start).min().unwrap_or(m.len());
            if first > 64 {
                let body = if long && parts.is_empty() {
                    SMB_DATA
                } else {
                    SMB_BODY
                };
                parts.push((64..first, body));
            }
        }
        parts.sort_by_key(|(r, _)| r.start);
        let body = m.get(64..).unwrap_or(&[]);
        line_spans(
            out,
            at + 64,
            body.len(),
            &parts
                .iter()
                .map(|(r, f)| (r.start - 64..r.end - 64, *f))
                .collect::<Vec<_>>(),
            SMB_DATA,
        );
        (said, rest_field)
    }
}

//! SMB2 and SMB3 (MS-SMB2) over TCP 445 and NetBIOS (139): what an observer of a file
//! share reads. Every message travels in a NetBIOS session service frame (RFC 1002
//! section 4.3: a type byte and a length; on 445 the length takes three bytes); inside,
//! one or more SMB2 messages chained by NextCommand (compounding, MS-SMB2 3.2.4.1.4).
//!
//! Without encryption, nearly everything is readable: the header (command, status,
//! message, tree and session IDs), the dialects and the server's GUID, the
//! authentication in SESSION_SETUP (NTLMSSP inside SPNEGO: user, domain, workstation,
//! a crackable response — see [`super::ntlmssp`]), the share paths of TREE_CONNECT
//! (`\\server\share`), the file names of CREATE, directory listings, and the files
//! themselves in READ and WRITE. Signing (the header's 16-byte signature) protects
//! integrity only. An SMB 3 TRANSFORM_HEADER (protocol ID `0xFD 'SMB'`, MS-SMB2 2.2.41)
//! means the message after it is encrypted: its header is readable (nonce, session, the
//! original message's exact size), the rest opaque; the cipher comes from the
//! NEGOTIATE response's encryption context when it was seen. SMB1 (`0xFF 'SMB'`)
//! messages get their header and command named, and NTLMSSP found in them.
//!
//! Bounds: a NetBIOS frame of up to [`MAX_WHOLE`] bytes is read whole; a longer one (a
//! large READ or WRITE) is described from its first [`HEAD`] bytes and the rest is
//! labelled as it arrives (file data readable, encrypted data opaque). At most
//! [`MAX_COMPOUND`] chained messages are read per frame.

use super::framing::line_spans;
use super::ntlmssp::{self, Ntlm};
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed, PlainLen, Protection};
use crate::codec::be24;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "SMB";
    // NetBIOS session service, RFC 1002 section 4.3; SMB2/3, MS-SMB2 section 2.2.
    SMB_NBSS = "nbss.header", Header, Metadata, None, "NetBIOS session service header: type and length (RFC 1002 section 4.3.1)";
    SMB_NBSS_NAME = "nbss.name", Header, Cleartext, Some(Identity), "NetBIOS name of the called or calling host in a session request (RFC 1002 section 4.3.2)";
    SMB_HEADER = "smb2.header", Header, Metadata, None, "SMB2 header: protocol ID, command, status, credits, flags, message, tree and session IDs (MS-SMB2 2.2.1)";
    SMB_SIGNATURE = "smb2.signature", Header, Opaque, None, "message signature, or the AEAD tag of an encrypted message: keyed, it says nothing";
    SMB_NEGOTIATE = "smb2.negotiate", Handshake, Cleartext, None, "NEGOTIATE: dialects, capabilities, client and server GUIDs, negotiate contexts (MS-SMB2 2.2.3, 2.2.4)";
    SMB_SESSION = "smb2.session_setup", Handshake, Cleartext, None, "SESSION_SETUP fields and the SPNEGO token around the authentication (MS-SMB2 2.2.5, 2.2.6)";
    SMB_TREE = "smb2.tree", Content, Cleartext, Some(Url), "share path of a TREE_CONNECT request: \\\\server\\share (MS-SMB2 2.2.9)";
    SMB_FILENAME = "smb2.filename", Content, Cleartext, Some(Url), "file or directory name of a CREATE request, or a search pattern (MS-SMB2 2.2.13, 2.2.33)";
    SMB_BODY = "smb2.body", Content, Cleartext, None, "the fixed fields of a command (MS-SMB2 2.2)";
    SMB_DATA = "smb2.data", Content, Cleartext, None, "file data of READ and WRITE, directory listings, IOCTL and information buffers: the files themselves";
    SMB_TRANSFORM = "smb2.transform", Header, Metadata, None, "SMB 3 TRANSFORM_HEADER: nonce, original message size, algorithm, session ID (MS-SMB2 2.2.41)";
    SMB_ENCRYPTED = "smb2.encrypted", Content, Opaque, None, "an encrypted SMB 3 message (AES-CCM or AES-GCM)";
    SMB1_HEADER = "smb.header", Header, Metadata, None, "SMB1 header: command, status, flags, IDs (MS-CIFS 2.2.3.1)";
}

/// A NetBIOS frame read whole up to this size; longer ones are described from their head.
const MAX_WHOLE: usize = 64 * 1024;
/// Bytes of a long frame read before it is described (headers and fixed fields).
const HEAD: usize = 512;
/// Chained SMB2 messages read per frame.
const MAX_COMPOUND: usize = 64;
/// Tree paths and file names kept for the flow's facts.
const MAX_NAMES: usize = 32;

const SMB2_ID: &[u8; 4] = b"\xfeSMB";
const SMB1_ID: &[u8; 4] = b"\xffSMB";
const TRANSFORM_ID: &[u8; 4] = b"\xfdSMB";
const COMPRESSED_ID: &[u8; 4] = b"\xfcSMB";

/// A NetBIOS session frame whose payload starts an SMB message, or a session request.
fn looks_like(b: &[u8]) -> Detect {
    match b {
        [0x00, _, _, _, rest @ ..] => match rest.get(..4) {
            None => Detect::NeedMore,
            Some(id) => Detect::when(
                id == SMB2_ID || id == SMB1_ID || id == TRANSFORM_ID || id == COMPRESSED_ID,
            ),
        },
        [0x81, 0x00, _, _, 0x20, ..] => Detect::Yes,
        [0x00 | 0x81] | [0x00 | 0x81, _] | [0x00 | 0x81, _, _] | [0x81, _, _, _] => {
            Detect::NeedMore
        }
        [] => Detect::NeedMore,
        _ => Detect::No,
    }
}

/// SMB2/3: an SMB message in a NetBIOS frame, or the ports.
pub static PROTOCOL: Protocol = Protocol {
    name: "SMB",
    detect: |p: &Probe<'_>| looks_like(p.bytes),
    ports: &[445, 139],
    new: |_| Box::<Smb>::default(),
    fields: FIELDS,
};

/// One direction's framing.
#[derive(Debug, Default)]
struct SmbDir {
    /// Bytes of a long frame still to label, and how.
    skip: u64,
    skip_field: Option<FieldId>,
    /// Framing lost: the rest is classified, not parsed.
    lost: bool,
}

/// One SMB connection.
#[derive(Debug, Default)]
pub struct Smb {
    dirs: [SmbDir; 2],
    ntlm: Ntlm,
    /// The dialect the server chose, e.g. `3.1.1`; SMB1 when SMB1 was spoken.
    dialect: Option<String>,
    server_guid: Option<String>,
    /// The cipher of the encryption context (`AES-128-GCM`).
    cipher: Option<String>,
    /// Encrypted messages seen.
    encrypted: u64,
    trees: Vec<String>,
    files: Vec<String>,
    users: Vec<String>,
}

impl Dissector for Smb {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let d = dir.index();
        let mut pos = 0usize;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            let Some(st) = self.dirs.get_mut(d) else {
                return Fed::Done(data.len());
            };
            if st.skip > 0 {
                let n = rest
                    .len()
                    .min(usize::try_from(st.skip).unwrap_or(usize::MAX));
                out.field(at..at + n as u64, st.skip_field.unwrap_or(SMB_DATA));
                st.skip -= n as u64;
                pos += n;
                continue;
            }
            if st.lost {
                unknown::classify_chunk(at, rest, out);
                return Fed::Done(data.len());
            }
            let (Some(&kind), Some(len)) = (rest.first(), be24(rest, 1)) else {
                if flush {
                    out.field(at..at + rest.len() as u64, SMB_NBSS);
                    return Fed::Done(data.len());
                }
                return Fed::Done(pos);
            };
            if !matches!(kind, 0x00 | 0x81..=0x85) || (kind != 0x00 && len > 0x1_ffff) {
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Malformed,
                    format!("no NetBIOS session frame starts here (type {kind:#04x}): the rest is not parsed"),
                );
                st.lost = true;
                continue;
            }
            let total = 4 + usize::try_from(len).unwrap_or(usize::MAX);
            let want = if total > MAX_WHOLE { HEAD } else { total };
            let Some(frame) = rest.get(..want) else {
                if flush {
                    self.frame(dir, at, rest, total, out);
                    out.note(
                        at..at + rest.len() as u64,
                        Severity::Note,
                        NoteGroup::Truncated,
                        format!("SMB frame cut off: {} of {total} bytes", rest.len()),
                    );
                    return Fed::Done(data.len());
                }
                return Fed::Done(pos);
            };
            let rest_field = self.frame(dir, at, frame, total, out);
            if let Some(st) = self.dirs.get_mut(d) {
                st.skip = (total - frame.len()) as u64;
                st.skip_field = Some(rest_field);
            }
            pos += frame.len();
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(st) = self.dirs.get_mut(dir.index()) {
            // Inside a long frame of known length, framing survives.
            if st.skip == 0 {
                st.lost = true;
            }
        }
    }

    fn facts(&self, facts: &mut Facts) {
        let name = match self.dialect.as_deref() {
            Some("SMB1") => "SMB1",
            _ => "SMB2",
        };
        facts.stack.push(name.into());
        if let Some(d) = &self.dialect {
            facts.details.push(("smb2.dialect", d.clone()));
        }
        if let Some(g) = &self.server_guid {
            facts.details.push(("smb2.server_guid", g.clone()));
        }
        if !self.users.is_empty() {
            facts
                .details
                .push(("ntlmssp.auth.username", self.users.join(", ")));
        }
        if !self.trees.is_empty() {
            facts.details.push(("smb2.tree", self.trees.join(", ")));
        }
        if !self.files.is_empty() {
            facts.details.push(("smb2.filename", self.files.join(", ")));
        }
        if self.encrypted > 0 {
            facts.protection = Some(Protection {
                proto: "SMB 3".into(),
                cipher: self.cipher.clone(),
                ..Protection::default()
            });
        }
    }
}

/// `(code, name)` of SMB2 commands (MS-SMB2 2.2.1.2).
const COMMANDS: &[&str] = &[
    "NEGOTIATE",
    "SESSION_SETUP",
    "LOGOFF",
    "TREE_CONNECT",
    "TREE_DISCONNECT",
    "CREATE",
    "CLOSE",
    "FLUSH",
    "READ",
    "WRITE",
    "LOCK",
    "IOCTL",
    "CANCEL",
    "ECHO",
    "QUERY_DIRECTORY",
    "CHANGE_NOTIFY",
    "QUERY_INFO",
    "SET_INFO",
    "OPLOCK_BREAK",
];

fn command_name(c: u16) -> String {
    COMMANDS
        .get(usize::from(c))
        .map_or_else(|| format!("command {c:#06x}"), |n| (*n).to_string())
}

/// NTSTATUS values an observer meets most (MS-ERREF 2.3.1).
fn status_name(s: u32) -> String {
    match s {
        0x0000_0000 => "STATUS_SUCCESS".into(),
        0x0000_0103 => "STATUS_PENDING".into(),
        0x8000_0005 => "STATUS_BUFFER_OVERFLOW".into(),
        0x8000_0006 => "STATUS_NO_MORE_FILES".into(),
        0xc000_000d => "STATUS_INVALID_PARAMETER".into(),
        0xc000_0010 => "STATUS_INVALID_DEVICE_REQUEST".into(),
        0xc000_0011 => "STATUS_END_OF_FILE".into(),
        0xc000_0016 => "STATUS_MORE_PROCESSING_REQUIRED".into(),
        0xc000_0022 => "STATUS_ACCESS_DENIED".into(),
        0xc000_0023 => "STATUS_BUFFER_TOO_SMALL".into(),
        0xc000_0034 => "STATUS_OBJECT_NAME_NOT_FOUND".into(),
        0xc000_0035 => "STATUS_OBJECT_NAME_COLLISION".into(),
        0xc000_003a => "STATUS_OBJECT_PATH_NOT_FOUND".into(),
        0xc000_006d => "STATUS_LOGON_FAILURE".into(),
        0xc000_00bb => "STATUS_NOT_SUPPORTED".into(),
        0xc000_00cc => "STATUS_BAD_NETWORK_NAME".into(),
        0xc000_0120 => "STATUS_CANCELLED".into(),
        0xc000_0225 => "STATUS_NOT_FOUND".into(),
        0xc000_0203 => "STATUS_USER_SESSION_DELETED".into(),
        s => format!("status {s:#010x}"),
    }
}

fn dialect_name(d: u16) -> String {
    match d {
        0x0202 => "2.0.2".into(),
        0x0210 => "2.1".into(),
        0x0300 => "3.0".into(),
        0x0302 => "3.0.2".into(),
        0x0311 => "3.1.1".into(),
        0x02ff => "2.x".into(),
        d => format!("{d:#06x}"),
    }
}

fn cipher_name(c: u16) -> String {
    match c {
        1 => "AES-128-CCM".into(),
        2 => "AES-128-GCM".into(),
        3 => "AES-256-CCM".into(),
        4 => "AES-256-GCM".into(),
        c => format!("cipher {c:#06x}"),
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// UTF-16LE text, lossily.
fn utf16(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    String::from_utf16_lossy(&units)
}

/// A GUID as Windows prints it (the first three groups little-endian).
fn guid(b: &[u8]) -> Option<String> {
    let b: &[u8; 16] = b.get(..16)?.try_into().ok()?;
    let [a0, a1, a2, a3, b0, b1, c0, c1, d @ ..] = *b;
    let [d0, d1, e @ ..] = d;
    Some(format!(
        "{}-{}-{}-{}-{}",
        hex::encode([a3, a2, a1, a0]),
        hex::encode([b1, b0]),
        hex::encode([c1, c0]),
        hex::encode([d0, d1]),
        hex::encode(e)
    ))
}

/// A buffer at `off..off + len` of a message (offsets from its header), clipped to
/// the bytes held; `None` when it starts beyond them or is empty.
fn buf(m: &[u8], off: usize, len: usize) -> Option<Range<usize>> {
    let end = off.checked_add(len)?.min(m.len());
    (len > 0 && off >= 64 && off < end).then_some(off..end)
}

/// The first-level encoded NetBIOS name at `at` (RFC 1001 section 14.1), if whole.
fn netbios_name(b: &[u8], at: usize) -> Option<(Range<usize>, String)> {
    if *b.get(at)? != 0x20 {
        return None;
    }
    let enc = b.get(at + 1..at + 33)?;
    let mut name = String::new();
    for pair in enc.chunks_exact(2) {
        let (hi, lo) = (*pair.first()?, *pair.get(1)?);
        if !(b'A'..=b'P').contains(&hi) || !(b'A'..=b'P').contains(&lo) {
            return None;
        }
        name.push(char::from(((hi - b'A') << 4) | (lo - b'A')));
    }
    // The 16th byte is the service suffix; the name is space-padded.
    let shown: String = name
        .chars()
        .take(15)
        .collect::<String>()
        .trim_end()
        .to_string();
    Some((at + 1..at + 33, shown))
}

/// What one SMB2 message said, for the frame's description.
struct Said {
    text: String,
    leaks: Vec<String>,
}

impl Smb {
    /// Labels one NetBIOS frame (or its first `frame.len()` bytes of `total`) at `at`;
    /// returns the field of the bytes after those.
    fn frame(
        &mut self,
        dir: Direction,
        at: u64,
        frame: &[u8],
        total: usize,
        out: &mut Emitter,
    ) -> FieldId {
        let kind = frame.first().copied().unwrap_or(0);
        out.field(at..at + 4.min(frame.len()) as u64, SMB_NBSS);
        let body = frame.get(4..).unwrap_or(&[]);
        let body_at = at + 4;
        match kind {
            0x00 => {}
            0x81 => {
                // Session request: called name, calling name.
                let mut parts = Vec::new();
                let mut names = Vec::new();
                let mut pos = 0;
                for _ in 0..2 {
                    match netbios_name(body, pos) {
                        Some((r, n)) => {
                            pos = r.end + 1;
                            parts.push((r, SMB_NBSS_NAME));
                            out.event(
                                body_at,
                                Desc::Leak {
                                    kind: LeakKind::Identity,
                                    value: n.clone(),
                                },
                            );
                            names.push(n);
                        }
                        None => break,
                    }
                }
                line_spans(out, body_at, body.len(), &parts, SMB_NBSS);
                let text = match names.as_slice() {
                    [called, calling] => {
                        format!("NetBIOS session request to {called} from {calling}")
                    }
                    _ => "NetBIOS session request".into(),
                };
                self.app(out, at, text, vec![]);
                return SMB_NBSS;
            }
            0x82 => {
                self.app(out, at, "NetBIOS positive session response".into(), vec![]);
                out.field(body_at..body_at + body.len() as u64, SMB_NBSS);
                return SMB_NBSS;
            }
            0x83 => {
                self.app(out, at, "NetBIOS negative session response".into(), vec![]);
                out.field(body_at..body_at + body.len() as u64, SMB_NBSS);
                return SMB_NBSS;
            }
            0x85 => {
                out.field(body_at..body_at + body.len() as u64, SMB_NBSS);
                return SMB_NBSS;
            }
            _ => {
                out.field(body_at..body_at + body.len() as u64, SMB_NBSS);
                return SMB_NBSS;
            }
        }
        let long = total > frame.len();
        match body.get(..4) {
            Some(id) if id == TRANSFORM_ID => self.transform(body_at, body, total - 4, out),
            Some(id) if id == SMB2_ID => {
                let mut said = Vec::new();
                let rest_field = self.compound(dir, body_at, body, long, &mut said, out);
                let mut it = said.into_iter();
                if let Some(first) = it.next() {
                    let mut text = first.text;
                    let mut leaks = first.leaks;
                    for s in it {
                        text.push_str("; ");
                        text.push_str(&s.text);
                        leaks.extend(s.leaks);
                    }
                    self.app(out, at, text, leaks);
                }
                rest_field
            }
            Some(id) if id == SMB1_ID => {
                self.smb1(body_at, body, out);
                SMB_DATA
            }
            Some(id) if id == COMPRESSED_ID => {
                out.field(body_at..body_at + body.len() as u64, SMB_DATA);
                self.app(out, at, "SMB2 compressed message".into(), vec![]);
                SMB_DATA
            }
            _ => {
                unknown::classify_chunk(body_at, body, out);
                SMB_DATA
            }
        }
    }

    fn app(&self, out: &mut Emitter, at: u64, text: String, leaks: Vec<String>) {
        let proto = if self.dialect.as_deref() == Some("SMB1") {
            "SMB"
        } else {
            "SMB2"
        };
        super::framing::app_event(out, at, proto, text, leaks);
    }

    /// A TRANSFORM_HEADER and the encrypted message after it (MS-SMB2 2.2.41).
    fn transform(&mut self, at: u64, b: &[u8], total: usize, out: &mut Emitter) -> FieldId {
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
    fn compound(
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
    fn message(
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

    fn negotiate_request(
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

    fn negotiate_response(
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
    fn security_blob(
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
    fn smb1(&mut self, at: u64, b: &[u8], out: &mut Emitter) {
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
        super::framing::app_event(out, at.saturating_sub(4), "SMB", text, leaks);
    }
}

/// Whether a GSS-API token names the Kerberos mechanism (RFC 4121 OID
/// 1.2.840.113554.1.2.2, or Microsoft's 1.2.840.48018.1.2.2).
fn kerberos_in_gss(blob: &[u8]) -> bool {
    const KRB5: &[u8] = b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
    const MS_KRB5: &[u8] = b"\x06\x09\x2a\x86\x48\x82\xf7\x12\x01\x02\x02";
    blob.windows(KRB5.len()).any(|w| w == KRB5 || w == MS_KRB5)
}

/// Negotiate contexts at `off` (from the header), `count` of them, 8-byte aligned
/// (MS-SMB2 2.2.3.1): (type, data range).
fn contexts(m: &[u8], off: usize, count: u16) -> Vec<(u16, Range<usize>)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An SMB2 header for `command`, as a request or a response.
    fn header(command: u16, response: bool, status: u32) -> Vec<u8> {
        let mut h = SMB2_ID.to_vec();
        h.extend_from_slice(&64u16.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&status.to_le_bytes());
        h.extend_from_slice(&command.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&u32::from(response).to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes()); // NextCommand
        h.extend_from_slice(&7u64.to_le_bytes()); // MessageId
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&5u32.to_le_bytes()); // TreeId
        h.extend_from_slice(&0x1122u64.to_le_bytes()); // SessionId
        h.extend_from_slice(&[0u8; 16]);
        h
    }

    fn nbss(msg: &[u8]) -> Vec<u8> {
        let mut f = vec![0, 0, 0, 0];
        f[1..4].copy_from_slice(&(msg.len() as u32).to_be_bytes()[1..]);
        f.extend_from_slice(msg);
        f
    }

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn tree_connect(path: &str) -> Vec<u8> {
        let mut m = header(3, false, 0);
        let p = utf16le(path);
        m.extend_from_slice(&9u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&72u16.to_le_bytes());
        m.extend_from_slice(&(p.len() as u16).to_le_bytes());
        m.extend_from_slice(&p);
        m
    }

    fn session_setup(token: &[u8]) -> Vec<u8> {
        let mut m = header(1, false, 0);
        m.extend_from_slice(&25u16.to_le_bytes());
        m.extend_from_slice(&[0, 1]);
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&88u16.to_le_bytes());
        m.extend_from_slice(&(token.len() as u16).to_le_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(token);
        m
    }

    fn run(dir: Direction, bytes: &[u8]) -> (Emitter, Smb) {
        let mut s = Smb::default();
        let mut out = Emitter::default();
        let n = s.feed(dir, 0, bytes, true, &mut out);
        assert!(matches!(n, Fed::Done(x) if x == bytes.len()));
        (out, s)
    }

    fn apps(out: &Emitter) -> Vec<String> {
        out.events
            .iter()
            .filter_map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => Some(format!("{text} {leaks:?}")),
                _ => None,
            })
            .collect()
    }

    fn covered(out: &Emitter, len: usize) {
        let mut seen = vec![0u8; len];
        for s in &out.spans {
            for i in s.range.clone() {
                seen[i as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "{seen:?} {:?}", out.spans);
    }

    #[test]
    fn tree_connect_path_is_a_url_leak() {
        let f = nbss(&tree_connect("\\\\filesrv\\public"));
        let (out, s) = run(Direction::ToServer, &f);
        covered(&out, f.len());
        assert_eq!(apps(&out), ["TREE_CONNECT request \\\\filesrv\\public []"]);
        assert!(out.spans.iter().any(|s| s.field == SMB_TREE));
        assert_eq!(s.trees, ["\\\\filesrv\\public"]);
    }

    #[test]
    fn session_setup_with_ntlmssp_in_spnego() {
        let mut token = vec![
            0xa1, 0x82, 0x01, 0x00, 0x30, 0x82, 0x00, 0xfc, 0xa2, 0x81, 0xf0, 0x04, 0x81, 0xed,
        ];
        token.extend_from_slice(&ntlmssp::tests::authenticate());
        let f = nbss(&session_setup(&token));
        let (out, s) = run(Direction::ToServer, &f);
        covered(&out, f.len());
        let a = apps(&out);
        assert!(
            a[0].starts_with("SESSION_SETUP request NTLMSSP_AUTH user=EXAMPLE\\alice"),
            "{a:?}"
        );
        assert!(out
            .spans
            .iter()
            .any(|s| s.field == ntlmssp::NTLMSSP_NT_RESPONSE));
        assert!(out.events.iter().any(|e| matches!(
            &e.desc,
            Desc::Leak {
                kind: LeakKind::Credential,
                ..
            }
        )));
        assert_eq!(s.users, ["EXAMPLE\\alice"]);
    }

    #[test]
    fn compounded_create_and_close_are_both_named() {
        let mut create = header(5, false, 0);
        create[20..24].copy_from_slice(&0u32.to_le_bytes());
        let name = utf16le("secret.txt");
        let mut body = vec![0u8; 56];
        body[0..2].copy_from_slice(&57u16.to_le_bytes());
        body[44..46].copy_from_slice(&120u16.to_le_bytes());
        body[46..48].copy_from_slice(&(name.len() as u16).to_le_bytes());
        create.extend_from_slice(&body);
        create.extend_from_slice(&name);
        while create.len() % 8 != 0 {
            create.push(0);
        }
        let next = create.len() as u32;
        create[20..24].copy_from_slice(&next.to_le_bytes());
        let mut close = header(6, false, 0);
        close.extend_from_slice(&[24, 0, 0, 0]);
        close.extend_from_slice(&[0; 20]);
        create.extend_from_slice(&close);
        let f = nbss(&create);
        let (out, s) = run(Direction::ToServer, &f);
        covered(&out, f.len());
        assert_eq!(apps(&out), ["CREATE request secret.txt; CLOSE request []"]);
        assert_eq!(s.files, ["secret.txt"]);
    }

    #[test]
    fn a_transform_header_makes_the_rest_opaque() {
        let mut t = TRANSFORM_ID.to_vec();
        t.extend_from_slice(&[0xaa; 16]); // signature
        t.extend_from_slice(&[0xbb; 16]); // nonce
        t.extend_from_slice(&100u32.to_le_bytes());
        t.extend_from_slice(&[0, 0, 1, 0]);
        t.extend_from_slice(&0x1122u64.to_le_bytes());
        t.extend_from_slice(&[0x42; 100]);
        let f = nbss(&t);
        let (out, s) = run(Direction::ToClient, &f);
        covered(&out, f.len());
        assert!(out
            .spans
            .iter()
            .any(|sp| sp.field == SMB_ENCRYPTED && sp.range == (56..156)));
        assert!(out.events.iter().any(|e| matches!(
            e.desc,
            Desc::Sealed {
                plaintext: Some(PlainLen { min: 100, max: 100 }),
                ..
            }
        )));
        let mut f = Facts::default();
        s.facts(&mut f);
        assert_eq!(f.protection.unwrap().proto, "SMB 3");
    }

    #[test]
    fn a_long_read_response_is_labelled_as_it_arrives() {
        let mut m = header(8, true, 0);
        m.extend_from_slice(&17u16.to_le_bytes());
        m.extend_from_slice(&[80, 0]);
        m.extend_from_slice(&200_000u32.to_le_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend(std::iter::repeat_n(b'x', 200_000));
        let f = nbss(&m);
        let mut s = Smb::default();
        let mut out = Emitter::default();
        let mut pos = 0;
        for chunk in f.chunks(1000) {
            match s.feed(Direction::ToClient, pos as u64, chunk, false, &mut out) {
                Fed::Done(n) => {
                    assert!(n == chunk.len() || pos == 0, "held {n} of {}", chunk.len())
                }
                Fed::Handover(_) => panic!(),
            }
            pos += chunk.len();
        }
        assert!(
            out.spans
                .iter()
                .filter(|s| s.field == SMB_DATA)
                .map(|s| s.range.end - s.range.start)
                .sum::<u64>()
                >= 199_000
        );
    }

    #[test]
    fn smb_truncated_at_every_byte_and_hostile_lengths_never_panic() {
        let mut token = vec![0x60, 0x10];
        token.extend_from_slice(&ntlmssp::tests::challenge());
        let samples = [
            nbss(&tree_connect("\\\\a\\b")),
            nbss(&session_setup(&token)),
            nbss(&header(0, true, 0)),
        ];
        for f in &samples {
            for n in 0..f.len() {
                let mut s = Smb::default();
                let mut out = Emitter::default();
                s.feed(Direction::ToServer, 0, &f[..n], true, &mut out);
            }
        }
        // A NetBIOS length of 2^24 - 1 and a NextCommand of 2^31.
        let mut m = header(5, false, 0);
        m[20..24].copy_from_slice(&0x8000_0000u32.to_le_bytes());
        let mut f = vec![0, 0xff, 0xff, 0xff];
        f.extend_from_slice(&m);
        let mut s = Smb::default();
        let mut out = Emitter::default();
        assert_eq!(
            s.feed(Direction::ToServer, 0, &f, false, &mut out),
            Fed::Done(0)
        );
        s.feed(Direction::ToServer, 0, &f, true, &mut out);
        // Garbage: framing is lost, never parsed.
        let (out, _) = run(Direction::ToServer, b"\x42garbage garbage");
        assert!(out.notes.iter().any(|n| n.text.contains("no NetBIOS")));
    }

    #[test]
    fn netbios_session_request_names_both_hosts() {
        let enc = |n: &str| {
            let mut s = format!("{n:<15}").into_bytes();
            s.push(0x20);
            let mut e = vec![0x20];
            for b in s {
                e.push(b'A' + (b >> 4));
                e.push(b'A' + (b & 0xf));
            }
            e.push(0);
            e
        };
        let mut body = enc("FILESRV");
        body.extend(enc("WS01"));
        let mut f = vec![0x81, 0, 0, body.len() as u8];
        f.extend_from_slice(&body);
        assert_eq!(looks_like(&f), Detect::Yes);
        let (out, _) = run(Direction::ToServer, &f);
        covered(&out, f.len());
        assert_eq!(
            apps(&out),
            ["NetBIOS session request to FILESRV from WS01 []"]
        );
    }
}

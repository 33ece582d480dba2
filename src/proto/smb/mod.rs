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

use super::framing::{line_spans, Skip};
use super::ntlmssp::{self, Ntlm};
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed, PlainLen, Protection};
use crate::codec::be24;
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use std::ops::Range;

mod messages;
mod negotiate;
#[cfg(test)]
mod tests;
mod wire;

use wire::*;

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
    skip: Skip,
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
            let n = st.skip.take(at, rest, out);
            if n > 0 {
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
                st.skip.start((total - frame.len()) as u64, rest_field);
            }
            pos += frame.len();
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(st) = self.dirs.get_mut(dir.index()) {
            // Inside a long frame of known length, framing survives.
            if !st.skip.active() {
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
}

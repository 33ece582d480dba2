//! NTLMSSP (MS-NLMP section 2.2.1): the NTLM authentication messages, wherever a
//! protocol carries them — HTTP `Authorization: NTLM` / `Negotiate` and
//! `WWW-Authenticate`, SMB2 SESSION_SETUP security buffers (inside SPNEGO), SMTP, IMAP
//! and POP3 `AUTH NTLM`. A parser, not a flow protocol: the carrier finds the message
//! ([`find`]), [`Ntlm::message`] reads it and says which bytes are what, and
//! [`Message::report`] tells the flow's report.
//!
//! What an observer learns: the NEGOTIATE and AUTHENTICATE messages name the client's
//! domain and workstation, the AUTHENTICATE message the user; the CHALLENGE message
//! names the server (its target name and the NetBIOS and DNS names in its target
//! info) and carries the 8-byte server challenge. With that challenge, the
//! AUTHENTICATE message's NT response (NetNTLMv1, or NetNTLMv2's NTProofStr and blob)
//! is all an attacker needs to guess the password offline (hashcat modes 5500 and
//! 5600): a password-equivalent credential, as readable as the password for weak
//! ones. NetNTLMv1 is worse: its DES halves are cracked outright.
//!
//! Bounds: a message is read only within the bytes given; every security buffer is
//! checked against them; at most [`MAX_AV_PAIRS`] target-info pairs are read.

use super::{Desc, Emitter};
use crate::codec::Reader;
use crate::fields::FieldId;
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "NTLMSSP";
    // MS-NLMP section 2.2.1.
    NTLMSSP_HEADER = "ntlmssp.header", Handshake, Cleartext, None, "NTLMSSP signature, message type, negotiate flags, security buffer descriptors and version (MS-NLMP 2.2.1)";
    NTLMSSP_DOMAIN = "ntlmssp.auth.domain", Handshake, Cleartext, Some(Identity), "the client's domain (NEGOTIATE, AUTHENTICATE: MS-NLMP 2.2.1.1, 2.2.1.3)";
    NTLMSSP_USER = "ntlmssp.auth.username", Handshake, Cleartext, Some(UserName), "the user name of an AUTHENTICATE message (MS-NLMP 2.2.1.3)";
    NTLMSSP_HOST = "ntlmssp.auth.hostname", Handshake, Cleartext, Some(Identity), "the client's workstation name (MS-NLMP 2.2.1.1, 2.2.1.3)";
    NTLMSSP_NT_RESPONSE = "ntlmssp.auth.ntresponse", Handshake, Cleartext, Some(Credential), "NT challenge response: with the server challenge, NetNTLMv1/v2 is cracked offline (MS-NLMP 3.3)";
    NTLMSSP_LM_RESPONSE = "ntlmssp.auth.lmresponse", Handshake, Cleartext, Some(Credential), "LM challenge response (or NTLMv2's LMv2, or the client challenge of NTLM2 session security)";
    NTLMSSP_SESSION_KEY = "ntlmssp.auth.sesskey", Handshake, Opaque, None, "encrypted random session key: RC4 under a key derived from the password";
    NTLMSSP_MIC = "ntlmssp.ntlmv2_response.mic", Header, Opaque, None, "message integrity code: an HMAC over the three messages, keyed from the password";
    NTLMSSP_CHALLENGE = "ntlmssp.ntlmserverchallenge", Handshake, Cleartext, None, "the server's 8-byte challenge: the salt of an offline guess (MS-NLMP 2.2.1.2)";
    NTLMSSP_TARGET_NAME = "ntlmssp.challenge.target_name", Handshake, Cleartext, Some(Identity), "the server's domain or name (CHALLENGE: MS-NLMP 2.2.1.2)";
    NTLMSSP_TARGET_INFO = "ntlmssp.challenge.target_info", Handshake, Cleartext, None, "target information AV pairs: flags, time stamp, channel bindings (MS-NLMP 2.2.2.1)";
    NTLMSSP_AV_NAME = "ntlmssp.challenge.target_info.name", Handshake, Cleartext, Some(Identity), "a NetBIOS or DNS name of the server, its domain or forest in target information (MS-NLMP 2.2.2.1)";
}

/// The signature every message starts with.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// Target-info pairs read at most.
const MAX_AV_PAIRS: usize = 64;

const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
const NEGOTIATE_VERSION: u32 = 0x0200_0000;

/// Where an NTLMSSP message starts in `bytes` (a GSS-API or SPNEGO token wraps it).
pub fn find(bytes: &[u8]) -> Option<usize> {
    bytes.windows(SIGNATURE.len()).position(|w| w == SIGNATURE)
}

/// What one NTLMSSP message says (ranges relative to the message's first byte).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// 1 NEGOTIATE, 2 CHALLENGE, 3 AUTHENTICATE.
    pub kind: u32,
    /// Labelled parts; bytes between them are [`NTLMSSP_HEADER`].
    pub parts: Vec<(Range<usize>, FieldId)>,
    /// `NTLMSSP_AUTH user=EXAMPLE\alice host=WS`.
    pub text: String,
    /// Names an observer learns (user names, domains, hosts).
    pub names: Vec<(LeakKind, String)>,
    /// Credentials, as shown (`user=EXAMPLE\alice NetNTLMv2=…`).
    pub credentials: Vec<String>,
    /// The message's length as its buffers say (header and payload).
    pub len: usize,
}

impl Message {
    /// Labels the message at stream offset `at` (its `len` bytes, capped at `have`):
    /// its parts, and [`NTLMSSP_HEADER`] for the rest.
    pub fn label(&self, out: &mut Emitter, at: u64, have: usize) {
        super::framing::line_spans(out, at, self.len.min(have), &self.parts, NTLMSSP_HEADER);
    }

    /// Reports the names and credentials as leaks at `at` (the credentials also go on
    /// the carrier's packet line, through its own description).
    pub fn report(&self, out: &mut Emitter, at: u64) {
        for (kind, value) in &self.names {
            out.event(
                at,
                Desc::Leak {
                    kind: *kind,
                    value: value.clone(),
                },
            );
        }
        for c in &self.credentials {
            out.event(
                at,
                Desc::Leak {
                    kind: LeakKind::Credential,
                    value: c.clone(),
                },
            );
        }
    }

    /// The description with its credentials, for carriers that show one line.
    pub fn summary(&self) -> String {
        if self.credentials.is_empty() {
            self.text.clone()
        } else {
            format!("{} [{}]", self.text, self.credentials.join("; "))
        }
    }
}

/// NTLM state of one connection: the server challenge, which makes the next
/// AUTHENTICATE crackable.
#[derive(Clone, Debug, Default)]
pub struct Ntlm {
    challenge: Option<[u8; 8]>,
}

/// A security buffer (MS-NLMP 2.2.1: Len, MaxLen, BufferOffset), as a range of the
/// message, when it lies within `have` bytes.
fn buffer(m: &[u8], at: usize) -> Option<Range<usize>> {
    let mut r = Reader::new(m.get(at..at + 8)?);
    let len = usize::from(u16::from_le_bytes(r.array()?));
    r.skip(2)?;
    let off = usize::try_from(u32::from_le_bytes(r.array()?)).ok()?;
    let end = off.checked_add(len)?;
    (len > 0 && end <= m.len()).then_some(off..end)
}

fn le32(m: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(m.get(at..at + 4)?.try_into().ok()?))
}

fn le16(m: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(m.get(at..at + 2)?.try_into().ok()?))
}

/// A string of the message: UTF-16LE under NEGOTIATE_UNICODE, else OEM (ASCII here).
fn string(m: &[u8], r: &Range<usize>, unicode: bool) -> String {
    let b = m.get(r.clone()).unwrap_or(&[]);
    if unicode {
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
    } else {
        crate::text::lossy(b).into_owned()
    }
}

impl Ntlm {
    /// Reads the NTLMSSP message at the start of `m` (which may hold more bytes after
    /// it). `None`: not an NTLMSSP message.
    pub fn message(&mut self, m: &[u8]) -> Option<Message> {
        if m.get(..8)? != SIGNATURE {
            return None;
        }
        let kind = le32(m, 8)?;
        let mut msg = Message {
            kind,
            len: m.len().min(12),
            ..Message::default()
        };
        match kind {
            1 => self.negotiate(m, &mut msg),
            2 => self.challenge(m, &mut msg),
            3 => self.authenticate(m, &mut msg),
            k => msg.text = format!("NTLMSSP message type {k}"),
        }
        msg.parts.sort_by_key(|(r, _)| r.start);
        msg.len = msg
            .parts
            .iter()
            .map(|(r, _)| r.end)
            .max()
            .unwrap_or(0)
            .max(msg.len)
            .min(m.len());
        Some(msg)
    }

    /// NEGOTIATE_MESSAGE (2.2.1.1): flags, the client's domain and workstation.
    fn negotiate(&mut self, m: &[u8], msg: &mut Message) {
        let flags = le32(m, 12).unwrap_or(0);
        msg.len = m.len().min(if flags & NEGOTIATE_VERSION != 0 {
            40
        } else {
            32
        });
        let mut shown = Vec::new();
        // Supplied names are OEM strings in a NEGOTIATE message.
        for (at, field, what) in [(16, NTLMSSP_DOMAIN, "domain"), (24, NTLMSSP_HOST, "host")] {
            if let Some(r) = buffer(m, at) {
                let v = string(m, &r, false);
                msg.names.push((LeakKind::Identity, v.clone()));
                shown.push(format!("{what}={v}"));
                msg.parts.push((r, field));
            }
        }
        msg.text = std::iter::once("NTLMSSP_NEGOTIATE".to_string())
            .chain(shown)
            .collect::<Vec<_>>()
            .join(" ");
    }

    /// CHALLENGE_MESSAGE (2.2.1.2): the server's name, challenge and target info.
    fn challenge(&mut self, m: &[u8], msg: &mut Message) {
        let flags = le32(m, 20).unwrap_or(0);
        let unicode = flags & NEGOTIATE_UNICODE != 0;
        msg.len = m.len().min(if flags & NEGOTIATE_VERSION != 0 {
            56
        } else {
            48
        });
        let mut text = "NTLMSSP_CHALLENGE".to_string();
        if let Some(c) = m.get(24..32) {
            msg.parts.push((24..32, NTLMSSP_CHALLENGE));
            self.challenge = c.try_into().ok();
        }
        if let Some(r) = buffer(m, 12) {
            let v = string(m, &r, unicode);
            text.push_str(&format!(" target={v}"));
            msg.names.push((LeakKind::Identity, v));
            msg.parts.push((r, NTLMSSP_TARGET_NAME));
        }
        if let Some(info) = buffer(m, 40) {
            let mut av_names: Vec<String> = Vec::new();
            let mut pos = info.start;
            let mut pairs = 0;
            while pos + 4 <= info.end && pairs < MAX_AV_PAIRS {
                pairs += 1;
                let (Some(id), Some(len)) = (le16(m, pos), le16(m, pos + 2)) else {
                    break;
                };
                let v = pos + 4..(pos + 4 + usize::from(len)).min(info.end);
                msg.parts.push((pos..v.start, NTLMSSP_TARGET_INFO));
                if id == 0 {
                    pos = v.end;
                    break;
                }
                // NetBIOS and DNS names of the computer, domain and forest; target name.
                if matches!(id, 1..=5 | 9) && !v.is_empty() {
                    let name = string(m, &v, true);
                    if !msg.names.iter().any(|(_, n)| n.eq_ignore_ascii_case(&name)) {
                        msg.names.push((LeakKind::Identity, name.clone()));
                        av_names.push(name);
                    }
                    msg.parts.push((v.clone(), NTLMSSP_AV_NAME));
                } else {
                    msg.parts.push((v.clone(), NTLMSSP_TARGET_INFO));
                }
                pos = v.end;
            }
            if pos < info.end {
                msg.parts.push((pos..info.end, NTLMSSP_TARGET_INFO));
            }
            if !av_names.is_empty() {
                text.push_str(&format!(" ({})", av_names.join(", ")));
            }
        }
        msg.text = text;
    }

    /// AUTHENTICATE_MESSAGE (2.2.1.3): responses, domain, user, workstation.
    fn authenticate(&mut self, m: &[u8], msg: &mut Message) {
        let flags = le32(m, 60).unwrap_or(0);
        let unicode = flags & NEGOTIATE_UNICODE != 0;
        let lm = buffer(m, 12);
        let nt = buffer(m, 20);
        let domain = buffer(m, 28);
        let user = buffer(m, 36);
        let host = buffer(m, 44);
        let key = buffer(m, 52);
        // The fixed part ends where the first buffer starts: 64 bytes, 72 with a
        // version, 88 with a MIC as well.
        let payload = [&lm, &nt, &domain, &user, &host, &key]
            .iter()
            .filter_map(|r| r.as_ref().map(|r| r.start))
            .min()
            .unwrap_or(m.len());
        msg.len = m.len().min(payload.max(64));
        if payload >= 88 && m.len() >= 88 {
            msg.parts.push((72..88, NTLMSSP_MIC));
        }
        let text_of = |r: &Option<Range<usize>>| r.as_ref().map(|r| string(m, r, unicode));
        let (d, u, h) = (text_of(&domain), text_of(&user), text_of(&host));
        let account = match (&d, &u) {
            (Some(d), Some(u)) => format!("{d}\\{u}"),
            (None, Some(u)) => u.clone(),
            _ => String::new(),
        };
        for (r, field) in [
            (&lm, NTLMSSP_LM_RESPONSE),
            (&nt, NTLMSSP_NT_RESPONSE),
            (&domain, NTLMSSP_DOMAIN),
            (&user, NTLMSSP_USER),
            (&host, NTLMSSP_HOST),
            (&key, NTLMSSP_SESSION_KEY),
        ] {
            if let Some(r) = r {
                msg.parts.push((r.clone(), field));
            }
        }
        if u.is_some() {
            msg.names.push((LeakKind::UserName, account.clone()));
        }
        if let Some(d) = &d {
            msg.names.push((LeakKind::Identity, d.clone()));
        }
        if let Some(h) = &h {
            msg.names.push((LeakKind::Identity, h.clone()));
        }
        let nt_bytes = nt.as_ref().and_then(|r| m.get(r.clone())).unwrap_or(&[]);
        let version = match nt_bytes.len() {
            0 => None,
            24 => Some("NetNTLMv1"),
            _ => Some("NetNTLMv2"),
        };
        let mut text = if account.is_empty() {
            "NTLMSSP_AUTH anonymous".to_string()
        } else {
            format!("NTLMSSP_AUTH user={account}")
        };
        if let Some(h) = h.filter(|h| !h.is_empty()) {
            text.push_str(&format!(" host={h}"));
        }
        if let Some(v) = version {
            // NetNTLMv2: the NTProofStr (the HMAC an offline guess must match); v1: the
            // whole 24-byte response.
            let proof = nt_bytes.get(..nt_bytes.len().min(if v == "NetNTLMv1" { 24 } else { 16 }));
            let mut shown = format!("user={account} {v}={}", hex::encode(proof.unwrap_or(&[])));
            if let Some(c) = self.challenge {
                shown.push_str(&format!(" challenge={}", hex::encode(c)));
            }
            msg.credentials.push(shown);
            text.push_str(&format!(" ({v}, crackable offline)"));
        }
        msg.text = text;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// Appends a payload and writes its security buffer descriptor at `desc`.
    fn put(m: &mut Vec<u8>, desc: usize, payload: &[u8]) {
        let off = m.len() as u32;
        let len = payload.len() as u16;
        m[desc..desc + 2].copy_from_slice(&len.to_le_bytes());
        m[desc + 2..desc + 4].copy_from_slice(&len.to_le_bytes());
        m[desc + 4..desc + 8].copy_from_slice(&off.to_le_bytes());
        m.extend_from_slice(payload);
    }

    pub(crate) fn negotiate() -> Vec<u8> {
        let mut m = SIGNATURE.to_vec();
        m.extend_from_slice(&1u32.to_le_bytes());
        m.extend_from_slice(&0xe208_8297u32.to_le_bytes());
        m.resize(40, 0);
        m
    }

    pub(crate) fn challenge() -> Vec<u8> {
        let mut m = SIGNATURE.to_vec();
        m.extend_from_slice(&2u32.to_le_bytes());
        m.resize(56, 0);
        m[20..24].copy_from_slice(&0xe28a_8215u32.to_le_bytes());
        m[24..32].copy_from_slice(&[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
        put(&mut m, 12, &utf16("EXAMPLE"));
        let mut info = Vec::new();
        for (id, v) in [
            (2u16, "EXAMPLE"),
            (1, "FILESRV"),
            (4, "example.test"),
            (3, "filesrv.example.test"),
        ] {
            let v = utf16(v);
            info.extend_from_slice(&id.to_le_bytes());
            info.extend_from_slice(&(v.len() as u16).to_le_bytes());
            info.extend_from_slice(&v);
        }
        info.extend_from_slice(&[7, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0]);
        put(&mut m, 40, &info);
        m
    }

    pub(crate) fn authenticate() -> Vec<u8> {
        let mut m = SIGNATURE.to_vec();
        m.extend_from_slice(&3u32.to_le_bytes());
        m.resize(88, 0);
        m[60..64].copy_from_slice(&0xe288_8215u32.to_le_bytes());
        m[72..88].copy_from_slice(&[0xcc; 16]); // MIC
        put(&mut m, 12, &[0; 24]);
        let mut nt = vec![0xab; 16];
        nt.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
        nt.extend_from_slice(&[0x5a; 40]);
        put(&mut m, 20, &nt);
        put(&mut m, 28, &utf16("EXAMPLE"));
        put(&mut m, 36, &utf16("alice"));
        put(&mut m, 44, &utf16("WS01"));
        put(&mut m, 52, &[0xee; 16]);
        m
    }

    #[test]
    fn a_whole_exchange_names_the_user_and_the_crackable_response() {
        let mut n = Ntlm::default();
        let neg = n.message(&negotiate()).unwrap();
        assert_eq!(neg.text, "NTLMSSP_NEGOTIATE");
        assert_eq!(neg.len, 40);
        let ch = n.message(&challenge()).unwrap();
        assert_eq!(
            ch.text,
            "NTLMSSP_CHALLENGE target=EXAMPLE (FILESRV, example.test, filesrv.example.test)"
        );
        assert!(ch
            .parts
            .iter()
            .any(|(r, f)| *f == NTLMSSP_CHALLENGE && *r == (24..32)));
        let a = authenticate();
        let auth = n.message(&a).unwrap();
        assert_eq!(
            auth.text,
            "NTLMSSP_AUTH user=EXAMPLE\\alice host=WS01 (NetNTLMv2, crackable offline)"
        );
        assert_eq!(
            auth.credentials,
            [format!(
                "user=EXAMPLE\\alice NetNTLMv2={} challenge=1122334455667788",
                "ab".repeat(16)
            )]
        );
        assert_eq!(auth.len, a.len());
        let user = auth.parts.iter().find(|(_, f)| *f == NTLMSSP_USER).unwrap();
        assert_eq!(&a[user.0.clone()], &utf16("alice")[..]);
        assert!(auth
            .parts
            .iter()
            .any(|(r, f)| *f == NTLMSSP_MIC && *r == (72..88)));
        assert!(auth
            .names
            .contains(&(LeakKind::UserName, "EXAMPLE\\alice".into())));
    }

    #[test]
    fn ntlm_truncated_at_every_byte_never_panics() {
        for m in [negotiate(), challenge(), authenticate()] {
            for n in 0..=m.len() {
                let mut s = Ntlm::default();
                if let Some(msg) = s.message(&m[..n]) {
                    assert!(msg.len <= n);
                    assert!(msg.parts.iter().all(|(r, _)| r.end <= n));
                }
            }
        }
    }

    #[test]
    fn ntlm_buffers_pointing_past_the_message_are_ignored() {
        let mut m = authenticate();
        // The user name's offset: 2^31.
        m[40..44].copy_from_slice(&0x8000_0000u32.to_le_bytes());
        // The NT response's length: 65535.
        m[20..22].copy_from_slice(&0xffffu16.to_le_bytes());
        let msg = Ntlm::default().message(&m).unwrap();
        assert!(!msg
            .parts
            .iter()
            .any(|(_, f)| *f == NTLMSSP_USER || *f == NTLMSSP_NT_RESPONSE));
        assert!(msg.credentials.is_empty());
        assert_eq!(msg.text, "NTLMSSP_AUTH anonymous host=WS01");
    }

    #[test]
    fn ntlm_target_info_with_endless_pairs_is_bounded() {
        let mut m = challenge();
        let mut info = Vec::new();
        for _ in 0..10_000 {
            info.extend_from_slice(&[6, 0, 0, 0]);
        }
        m.truncate(56);
        put(&mut m, 40, &info);
        let msg = Ntlm::default().message(&m).unwrap();
        assert!(msg.parts.len() <= 2 * MAX_AV_PAIRS + 4);
    }

    #[test]
    fn found_inside_a_spnego_token() {
        let mut t = vec![0xa1, 0x81, 0x90, 0x30];
        t.extend_from_slice(&authenticate());
        assert_eq!(find(&t), Some(4));
        assert_eq!(find(b"NTLMSSP"), None);
    }
}

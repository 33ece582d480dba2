//! SSH (RFC 4250–4254): what an observer reads of a Secure Shell connection.
//!
//! Each side first sends an identification string (`SSH-2.0-OpenSSH_9.2p1 Debian-2`,
//! RFC 4253 section 4.2; a server may send other lines before it): the software and
//! its version travel readable, and are leaks. Then binary packets (section 6):
//! `packet_length` (4 bytes), `padding_length` (1), the payload (a message number and
//! its fields), random padding, and a MAC once keys are in use. Until a side sends
//! NEWKEYS (message 21) its packets are in the clear: KEXINIT (20) with the name-lists
//! each side offers, and the key exchange (30–34: Diffie-Hellman, its group exchange,
//! ECDH and the hybrid methods that reuse its messages), whose reply carries the
//! server's host key — a leak that identifies the server; its fingerprint is computed
//! as OpenSSH prints it (`SHA256:` and unpadded base64).
//!
//! After NEWKEYS what an observer sees depends on the cipher and MAC negotiated for
//! that direction (the first client algorithm the server also offers, section 7.1):
//! - AES-GCM (RFC 5647, `aes*-gcm@openssh.com`) and encrypt-then-MAC MACs
//!   (`*-etm@openssh.com`) leave `packet_length` in the clear: packets are followed,
//!   the length labelled header, the rest opaque, each packet described with
//!   [`Desc::Sealed`] and the plaintext length its size allows;
//! - chacha20-poly1305@openssh.com and the classic encrypt-and-MAC modes (CTR, CBC
//!   with `hmac-sha2-256`…) encrypt the length too: boundaries cannot be read, and
//!   nothing is guessed — the rest of the direction is opaque as it arrives;
//! - the `none` cipher encrypts nothing: packets are followed and their payload is
//!   readable content (`check --deny plaintext` fails, a password is a credential).
//!
//! The MAC (or AEAD tag) that closes an encrypted packet is labelled `ssh.mac`, opaque
//! with the header role: its bytes travel unencrypted but are the output of a keyed
//! function, and tell an observer nothing beyond their length, which the algorithm
//! fixes.
//!
//! SSH-1 (`SSH-1.5-…`, or a server's `SSH-1.99-…` answered by a 1.x client) has its own
//! packets (length in the clear, 1–8 bytes of padding, type, data, CRC-32), its
//! SMSG_PUBLIC_KEY and CMSG_SESSION_KEY in the clear, and everything after them
//! encrypted with the cipher the session key message names; it is always weak.
//!
//! Recognition: a direction that starts with `SSH-` (after text lines, for a server),
//! then port 22. A port-22 direction that starts with neither is taken up where it
//! stands: a key exchange packet in the clear is read as one; a Telnet command or text
//! is not SSH (labelled as unknown payload: text is readable content); anything else is
//! taken as encrypted packets of a connection picked up after its key exchange, with a
//! note saying so (Wireshark does the same).
//!
//! Bounds: pre-version lines up to 8 KiB; packets up to 60 KiB are read whole (RFC
//! 4253 section 6.1 requires 35000 bytes; longer ones get a note), longer ones are
//! described from their head and labelled as they arrive; a `packet_length` above
//! 256 KiB (OpenSSH's own limit) is no packet and loses framing. A gap inside a packet
//! of known length keeps the framing; one that swallows a packet boundary loses it:
//! during the key exchange the bytes are then undecoded until a NEWKEYS packet is
//! found, after NEWKEYS they are opaque to the end.

use super::framing::{app_event, line_spans};
use super::registry::{Detect, Probe, Protocol};
use super::{unknown, Desc, Direction, Dissector, Emitter, Facts, Fed, PlainLen, Protection};
use crate::codec::{be32, Reader};
use crate::fields::FieldId;
use crate::note::{NoteGroup, Severity};
use crate::span::LeakKind;
use crate::text::{plural, shorten};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::ops::Range;

mod algorithms;
mod banner;
mod packets;
#[cfg(test)]
mod tests;
mod v1;
mod wire;

use algorithms::*;
use v1::*;
use wire::*;

crate::fields! {
    proto = "SSH";
    // Identification (RFC 4253 section 4.2).
    SSH_PRE_BANNER = "ssh.pre_banner", Handshake, Cleartext, None, "text lines a server sends before its identification string (RFC 4253 section 4.2)";
    SSH_PROTOCOL = "ssh.protocol", Handshake, Cleartext, Some(Software), "identification string: SSH-protoversion-softwareversion SP comments (RFC 4253 section 4.2)";
    SSH_PROTOCOL_EOL = "ssh.protocol.eol", Handshake, Cleartext, None, "the CR LF that ends the identification string (RFC 4253 section 4.2)";
    // The binary packet (RFC 4253 section 6).
    SSH_PACKET_LENGTH = "ssh.packet_length", Header, Metadata, None, "packet_length: bytes after it, without the MAC (RFC 4253 section 6)";
    SSH_PADDING_LENGTH = "ssh.padding_length", Header, Metadata, None, "padding_length (RFC 4253 section 6)";
    SSH_MESSAGE_CODE = "ssh.message_code", Handshake, Cleartext, None, "message number (RFC 4250 section 4.1)";
    SSH_PADDING = "ssh.padding_string", Handshake, Cleartext, None, "random padding, 4 to 255 bytes (RFC 4253 section 6)";
    SSH_MESSAGE_DATA = "ssh.message_data", Handshake, Cleartext, None, "fields of a message in the clear that are not parsed (IGNORE, DEBUG, DISCONNECT, a long message)";
    SSH_PAYLOAD = "ssh.payload", Content, Cleartext, None, "payload of a packet after NEWKEYS under the `none` cipher: readable (RFC 4253 section 6.3)";
    SSH_ENCRYPTED = "ssh.encrypted_packet", Content, Opaque, None, "encrypted packet, or encrypted packets whose boundaries are hidden (RFC 4253 section 6.3)";
    SSH_MAC = "ssh.mac", Header, Opaque, None, "MAC or AEAD tag: unencrypted, but a keyed function's output (RFC 4253 section 6.4, RFC 5647 section 7.3)";
    // KEXINIT (RFC 4253 section 7.1).
    SSH_COOKIE = "ssh.cookie", Handshake, Cleartext, None, "KEXINIT cookie: 16 random bytes (RFC 4253 section 7.1)";
    SSH_KEX_ALGORITHMS_LENGTH = "ssh.kex_algorithms_length", Handshake, Cleartext, None, "length of kex_algorithms (RFC 4253 section 7.1)";
    SSH_KEX_ALGORITHMS = "ssh.kex_algorithms", Handshake, Cleartext, None, "key exchange methods offered (RFC 4253 section 7.1)";
    SSH_HOST_KEY_ALGORITHMS_LENGTH = "ssh.server_host_key_algorithms_length", Handshake, Cleartext, None, "length of server_host_key_algorithms (RFC 4253 section 7.1)";
    SSH_HOST_KEY_ALGORITHMS = "ssh.server_host_key_algorithms", Handshake, Cleartext, None, "host key algorithms offered (RFC 4253 section 7.1)";
    SSH_ENC_C2S_LENGTH = "ssh.encryption_algorithms_client_to_server_length", Handshake, Cleartext, None, "length of encryption_algorithms_client_to_server (RFC 4253 section 7.1)";
    SSH_ENC_C2S = "ssh.encryption_algorithms_client_to_server", Handshake, Cleartext, None, "ciphers offered, client to server (RFC 4253 section 7.1)";
    SSH_ENC_S2C_LENGTH = "ssh.encryption_algorithms_server_to_client_length", Handshake, Cleartext, None, "length of encryption_algorithms_server_to_client (RFC 4253 section 7.1)";
    SSH_ENC_S2C = "ssh.encryption_algorithms_server_to_client", Handshake, Cleartext, None, "ciphers offered, server to client (RFC 4253 section 7.1)";
    SSH_MAC_C2S_LENGTH = "ssh.mac_algorithms_client_to_server_length", Handshake, Cleartext, None, "length of mac_algorithms_client_to_server (RFC 4253 section 7.1)";
    SSH_MAC_C2S = "ssh.mac_algorithms_client_to_server", Handshake, Cleartext, None, "MACs offered, client to server (RFC 4253 section 7.1)";
    SSH_MAC_S2C_LENGTH = "ssh.mac_algorithms_server_to_client_length", Handshake, Cleartext, None, "length of mac_algorithms_server_to_client (RFC 4253 section 7.1)";
    SSH_MAC_S2C = "ssh.mac_algorithms_server_to_client", Handshake, Cleartext, None, "MACs offered, server to client (RFC 4253 section 7.1)";
    SSH_COMP_C2S_LENGTH = "ssh.compression_algorithms_client_to_server_length", Handshake, Cleartext, None, "length of compression_algorithms_client_to_server (RFC 4253 section 7.1)";
    SSH_COMP_C2S = "ssh.compression_algorithms_client_to_server", Handshake, Cleartext, None, "compression offered, client to server (RFC 4253 section 7.1)";
    SSH_COMP_S2C_LENGTH = "ssh.compression_algorithms_server_to_client_length", Handshake, Cleartext, None, "length of compression_algorithms_server_to_client (RFC 4253 section 7.1)";
    SSH_COMP_S2C = "ssh.compression_algorithms_server_to_client", Handshake, Cleartext, None, "compression offered, server to client (RFC 4253 section 7.1)";
    SSH_LANG_C2S_LENGTH = "ssh.languages_client_to_server_length", Handshake, Cleartext, None, "length of languages_client_to_server (RFC 4253 section 7.1)";
    SSH_LANG_C2S = "ssh.languages_client_to_server", Handshake, Cleartext, None, "languages, client to server (RFC 4253 section 7.1)";
    SSH_LANG_S2C_LENGTH = "ssh.languages_server_to_client_length", Handshake, Cleartext, None, "length of languages_server_to_client (RFC 4253 section 7.1)";
    SSH_LANG_S2C = "ssh.languages_server_to_client", Handshake, Cleartext, None, "languages, server to client (RFC 4253 section 7.1)";
    SSH_FIRST_KEX_FOLLOWS = "ssh.first_kex_packet_follows", Handshake, Cleartext, None, "a guessed key exchange packet follows (RFC 4253 section 7.1)";
    SSH_KEX_RESERVED = "ssh.kex.reserved", Handshake, Cleartext, None, "reserved, 0 (RFC 4253 section 7.1)";
    // Key exchange messages (RFC 4253 section 8, RFC 4419, RFC 5656 section 4, RFC 8731).
    SSH_HOST_KEY_LENGTH = "ssh.host_key.length", Handshake, Cleartext, None, "length of the server's host key K_S (RFC 4253 section 8)";
    SSH_HOST_KEY = "ssh.host_key", Handshake, Cleartext, Some(HostKey), "the server's public host key K_S: identifies the server (RFC 4253 section 8, RFC 5656 section 4)";
    SSH_DH_E = "ssh.dh.e", Handshake, Cleartext, None, "client's Diffie-Hellman value e (RFC 4253 section 8, RFC 4419 section 3)";
    SSH_DH_F = "ssh.dh.f", Handshake, Cleartext, None, "server's Diffie-Hellman value f (RFC 4253 section 8, RFC 4419 section 3)";
    SSH_ECDH_Q_C = "ssh.ecdh.q_c", Handshake, Cleartext, None, "client's ephemeral public key Q_C (RFC 5656 section 4, RFC 8731)";
    SSH_ECDH_Q_S = "ssh.ecdh.q_s", Handshake, Cleartext, None, "server's ephemeral public key Q_S (RFC 5656 section 4, RFC 8731)";
    SSH_KEX_H_SIG = "ssh.kex.h_sig", Handshake, Cleartext, None, "the server's signature of the exchange hash H (RFC 4253 section 8)";
    SSH_GEX_MIN = "ssh.dh_gex.min", Handshake, Cleartext, None, "smallest group size the client accepts, in bits (RFC 4419 section 3)";
    SSH_GEX_NBITS = "ssh.dh_gex.nbits", Handshake, Cleartext, None, "preferred group size, in bits (RFC 4419 section 3)";
    SSH_GEX_MAX = "ssh.dh_gex.max", Handshake, Cleartext, None, "largest group size the client accepts, in bits (RFC 4419 section 3)";
    SSH_GEX_P = "ssh.dh_gex.p", Handshake, Cleartext, None, "the group's prime p (RFC 4419 section 3)";
    SSH_GEX_G = "ssh.dh_gex.g", Handshake, Cleartext, None, "the group's generator g (RFC 4419 section 3)";
    // SSH-1 (draft-ylonen-ssh-protocol-00).
    SSH1_CRC = "ssh.v1.crc32", Handshake, Cleartext, None, "SSH-1 packet check (CRC-32) of a packet in the clear";
    SSH1_CIPHER = "ssh.v1.cipher_type", Handshake, Cleartext, None, "SSH-1 cipher chosen by the client (CMSG_SESSION_KEY)";
    SSH1_SESSION_KEY = "ssh.v1.session_key", Handshake, Opaque, None, "SSH-1 session key, encrypted with the server's RSA keys";
    // Authentication in the clear (the `none` cipher; RFC 4252 section 8).
    SSH_USERAUTH_USER = "ssh.userauth_user_name", Content, Cleartext, Some(Credential), "user name of a USERAUTH_REQUEST sent without encryption (RFC 4252 section 5)";
    SSH_USERAUTH_PASSWORD = "ssh.userauth_password", Content, Cleartext, Some(Credential), "password of a USERAUTH_REQUEST sent without encryption (RFC 4252 section 8)";
}

/// The ten name-lists of KEXINIT in wire order (RFC 4253 section 7.1): length field
/// and list field.
const NAME_LISTS: [(FieldId, FieldId); 10] = [
    (SSH_KEX_ALGORITHMS_LENGTH, SSH_KEX_ALGORITHMS),
    (SSH_HOST_KEY_ALGORITHMS_LENGTH, SSH_HOST_KEY_ALGORITHMS),
    (SSH_ENC_C2S_LENGTH, SSH_ENC_C2S),
    (SSH_ENC_S2C_LENGTH, SSH_ENC_S2C),
    (SSH_MAC_C2S_LENGTH, SSH_MAC_C2S),
    (SSH_MAC_S2C_LENGTH, SSH_MAC_S2C),
    (SSH_COMP_C2S_LENGTH, SSH_COMP_C2S),
    (SSH_COMP_S2C_LENGTH, SSH_COMP_S2C),
    (SSH_LANG_C2S_LENGTH, SSH_LANG_C2S),
    (SSH_LANG_S2C_LENGTH, SSH_LANG_S2C),
];
// Indexes into a KEXINIT's lists.
const KEX: usize = 0;
const ENC_C2S: usize = 2;
const MAC_C2S: usize = 4;
const COMP_C2S: usize = 6;

/// The longest packet RFC 4253 section 6.1 requires every implementation to handle.
const RFC_MAX_PACKET: u32 = 35_000;
/// The largest `packet_length` taken for one (OpenSSH's PACKET_MAX_SIZE): a larger one
/// is no packet header.
const MAX_PACKET: u32 = 256 * 1024;
/// Packets up to this size are read whole (more than RFC's 35000, less than the
/// smallest stream buffer the flow stage may be given, 64 KiB); longer ones are
/// described from their head and labelled as they arrive.
const MAX_WHOLE: usize = 60 * 1024;
/// Text read before the identification string, at most.
const MAX_PRE_BANNER: usize = 8 * 1024;
/// The longest identification string RFC 4253 section 4.2 allows, CR LF included.
const MAX_VERSION_LINE: usize = 255;
/// Algorithm names kept per KEXINIT name-list (OpenSSH offers about 15).
const MAX_NAMES: usize = 64;
/// The `packet_length`, `padding_length` and message number of a packet.
const HEAD: usize = 6;

// Message numbers (RFC 4250 section 4.1.2).
const MSG_DISCONNECT: u8 = 1;
const MSG_KEXINIT: u8 = 20;
const MSG_NEWKEYS: u8 = 21;
const MSG_USERAUTH_REQUEST: u8 = 50;
const MSG_CHANNEL_DATA: u8 = 94;
// SSH-1 message types.
const SSH1_SMSG_PUBLIC_KEY: u8 = 2;
const SSH1_CMSG_SESSION_KEY: u8 = 3;

/// Telnet's Interpret As Command: a port-22 direction starting with it is Telnet.
const IAC: u8 = 0xff;

/// SSH: an identification string, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "SSH",
    detect: |p: &Probe<'_>| detect(p.bytes),
    ports: &[22],
    new: |_| Box::<Ssh>::default(),
    fields: FIELDS,
};

/// Whether a direction's first bytes are an SSH identification string, possibly after
/// text lines (a server's).
pub fn detect(bytes: &[u8]) -> Detect {
    const TAG: &[u8] = b"SSH-";
    if bytes.len() < TAG.len() {
        return if TAG.starts_with(bytes) && !bytes.is_empty() {
            Detect::NeedMore
        } else {
            Detect::No
        };
    }
    if bytes.starts_with(TAG) {
        return Detect::Yes;
    }
    // Text lines, then one that starts `SSH-`, within what has arrived.
    match version_line_after_text(bytes) {
        Some(_) => Detect::Yes,
        None => Detect::No,
    }
}

/// Where a line starting `SSH-` begins after complete CRLF-terminated text lines at
/// the front of `bytes` (within [`MAX_PRE_BANNER`]).
fn version_line_after_text(bytes: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    while at < bytes.len().min(MAX_PRE_BANNER) {
        let rest = bytes.get(at..)?;
        if rest.starts_with(b"SSH-") {
            return Some(at);
        }
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let line = rest.get(..=nl)?;
        if !text_line(line) {
            return None;
        }
        at += nl + 1;
    }
    None
}

/// A line of text: printable characters ending in CR LF, not empty.
fn text_line(line: &[u8]) -> bool {
    let Some(body) = line.strip_suffix(b"\r\n") else {
        return false;
    };
    !body.is_empty() && unknown::looks_like_text(body)
}

/// What one direction is reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Text lines up to the identification string.
    #[default]
    Version,
    /// After the identification string: SSH-2 or SSH-1 packets, decided at the first
    /// byte (a server's `SSH-1.99` depends on the client's answer).
    Binary,
    /// SSH-2 packets in the clear (before NEWKEYS).
    Clear,
    /// After NEWKEYS, `packet_length` in the clear (AES-GCM, EtM MACs): MAC length.
    Sealed { mac: u32 },
    /// After NEWKEYS under the `none` cipher: readable packets; MAC length.
    Readable { mac: u32 },
    /// Readable, but packet boundaries unknown (`none` with a MAC of unknown length).
    Plain,
    /// Encrypted, packet boundaries unknown: opaque to the end.
    Unframed,
    /// SSH-1 packets in the clear.
    V1Clear,
    /// SSH-1 packets after the key exchange (lengths in the clear).
    V1Sealed,
    /// Framing lost before encryption: undecoded, until a NEWKEYS packet is found
    /// (`search`; not for SSH-1, which has none).
    Lost { search: bool },
    /// Not SSH after all: unknown payload (text readable, the rest undecoded).
    NotSsh,
}

/// The rest of a packet still to label: `body` bytes of `field`, then `mac` bytes.
#[derive(Clone, Copy, Debug)]
struct Pending {
    body: u64,
    field: FieldId,
    mac: u64,
}

/// One direction.
#[derive(Debug, Default)]
struct Side {
    phase: Phase,
    pending: Option<Pending>,
    /// This side's identification string: protocol version and software.
    banner: Option<Banner>,
    /// KEXINIT's name-lists (the first eight, each bounded, each its names
    /// comma-separated), until both sides' are known and negotiated.
    kexinit: Option<Vec<String>>,
    /// A KEXINIT was read.
    kexinit_seen: bool,
    /// The unknown-payload explanation was given (once per direction).
    explained: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Banner {
    /// `2.0`, `1.99`, `1.5`.
    proto: String,
    /// `OpenSSH_9.2p1 Debian-2+deb12u10`: software version and comments.
    software: String,
}

/// What a key exchange method's messages 30–34 are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KexKind {
    /// Diffie-Hellman with a fixed group (RFC 4253 section 8, RFC 8268).
    Dh,
    /// Diffie-Hellman group exchange (RFC 4419).
    Gex,
    /// ECDH (RFC 5656), curve25519/448 (RFC 8731) and the hybrid post-quantum methods
    /// (sntrup761x25519, mlkem768x25519), which reuse its messages.
    Ecdh,
    Unknown,
}

impl KexKind {
    fn of(name: &str) -> KexKind {
        if name.starts_with("diffie-hellman-group-exchange-") {
            KexKind::Gex
        } else if name.starts_with("diffie-hellman-group") {
            KexKind::Dh
        } else if ["ecdh-sha2-", "curve25519-", "curve448-", "sntrup", "mlkem"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            KexKind::Ecdh
        } else {
            KexKind::Unknown
        }
    }
}

/// The SSH dissection of one connection.
#[derive(Debug, Default)]
pub struct Ssh {
    /// `[to the server, to the client]`.
    sides: [Side; 2],
    /// The host key: its type and SHA-256 fingerprint.
    host_key: Option<(String, String)>,
    /// The SSH-1 cipher the client chose (CMSG_SESSION_KEY).
    v1_cipher: Option<u8>,
    /// A direction was taken up without its identification string.
    midstream: bool,
    /// The algorithms both KEXINITs agree on.
    agreed: Option<Negotiated>,
}

/// What a parser found in one packet: labelled ranges (packet offsets, in order), a
/// description, and leaks.
#[derive(Default)]
struct Found {
    parts: Vec<(Range<usize>, FieldId)>,
    text: String,
    leaks: Vec<(LeakKind, String)>,
    credentials: Vec<String>,
}

impl Dissector for Ssh {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let mut pos = 0usize;
        let mut idle = 0u8;
        while pos < data.len() {
            let rest = data.get(pos..).unwrap_or(&[]);
            let at = base + pos as u64;
            match self.step(dir, at, rest, flush, out) {
                Some(0) => {
                    // A change of phase without progress; never more than a few in a row.
                    idle += 1;
                    if idle > 8 {
                        break;
                    }
                }
                Some(n) => {
                    idle = 0;
                    pos += n.min(rest.len());
                }
                None => break,
            }
        }
        if flush && pos < data.len() {
            // Every byte must be labelled; a phase that waited gives the rest up.
            let at = base + pos as u64;
            out.span(
                at..base + data.len() as u64,
                crate::fields::PAYLOAD,
                crate::span::Visibility::Undecoded,
            );
            pos = data.len();
        }
        Fed::Done(pos)
    }

    fn gap(&mut self, dir: Direction, at: u64, len: u64, out: &mut Emitter) {
        let Some(side) = self.sides.get_mut(dir.index()) else {
            return;
        };
        // A gap inside a packet of known length keeps the framing.
        if let Some(p) = side.pending.as_mut() {
            if len > 0 && len <= p.body + p.mac {
                let body = len.min(p.body);
                p.body -= body;
                p.mac -= len - body;
                return;
            }
        }
        side.pending = None;
        let (next, why) = match side.phase {
            Phase::Version | Phase::Binary | Phase::Clear => (
                Phase::Lost { search: true },
                "framing lost in the key exchange: bytes are left undecoded up to the next NEWKEYS",
            ),
            Phase::V1Clear => (
                Phase::Lost { search: false },
                "framing lost in the SSH-1 key exchange: the rest of this direction is undecoded",
            ),
            Phase::Sealed { .. } | Phase::V1Sealed | Phase::Unframed => (
                Phase::Unframed,
                "framing lost after NEWKEYS: the rest of this direction is opaque, packet boundaries unknown",
            ),
            Phase::Readable { .. } | Phase::Plain => (
                Phase::Plain,
                "framing lost under the none cipher: the rest of this direction is readable, packet boundaries unknown",
            ),
            p @ (Phase::Lost { .. } | Phase::NotSsh) => (p, ""),
        };
        if side.phase != next && len > 0 && !why.is_empty() {
            out.note(
                at..at + len,
                Severity::Note,
                NoteGroup::Reassembly,
                why.to_string(),
            );
        }
        side.phase = next;
    }

    fn facts(&self, facts: &mut Facts) {
        let seen = self
            .sides
            .iter()
            .any(|s| !matches!(s.phase, Phase::Version | Phase::NotSsh))
            || self.midstream;
        if !seen {
            facts.stack.push("unknown".into());
            return;
        }
        facts.stack.push("SSH".into());
        let [client, server] = &self.sides;
        if let Some(b) = &client.banner {
            facts
                .details
                .push(("ssh.client.version", b.software.clone()));
        }
        if let Some(b) = &server.banner {
            facts
                .details
                .push(("ssh.server.version", b.software.clone()));
        }
        let mut pr = Protection {
            proto: self.version_name(),
            ..Protection::default()
        };
        if self.is_v1() == Some(true) {
            pr.weaknesses
                .push("SSH protocol 1 (obsolete: CRC-32 integrity, no key exchange hash)".into());
            if let Some(c) = self.v1_cipher {
                let name = v1_cipher_name(c);
                facts.details.push(("ssh.cipher", name.to_string()));
                pr.cipher = Some(name.to_string());
                pr.readable = c == 0;
                if c == 0 {
                    pr.weaknesses
                        .push("no encryption (cipher none): the content is readable".into());
                } else if matches!(c, 2 | 3 | 5) {
                    pr.weaknesses.push(format!("weak cipher ({name})"));
                }
            }
        }
        if let Some(n) = self.negotiated() {
            if let Some(k) = &n.kex {
                facts.details.push(("ssh.kex", k.clone()));
                if k == "diffie-hellman-group1-sha1" {
                    pr.weaknesses
                        .push(format!("1024-bit Diffie-Hellman group ({k})"));
                }
            }
            if let Some((t, fp)) = &self.host_key {
                facts.details.push(("ssh.host_key.type", t.clone()));
                facts.details.push(("ssh.host_key.sha256", fp.clone()));
                if t == "ssh-dss" {
                    pr.weaknesses.push("DSA host key (ssh-dss)".into());
                }
            }
            let [c2s, s2c] = &n.cipher;
            let [m2s, m2c] = &n.mac;
            facts.details_known([
                ("ssh.cipher.client_to_server", c2s),
                ("ssh.cipher.server_to_client", s2c),
                ("ssh.mac.client_to_server", m2s),
                ("ssh.mac.server_to_client", m2c),
            ]);
            for (name, v) in [
                ("ssh.compression.client_to_server", &n.compression[0]),
                ("ssh.compression.server_to_client", &n.compression[1]),
            ] {
                if let Some(v) = v.as_ref().filter(|v| *v != "none") {
                    facts.details.push((name, v.clone()));
                }
            }
            pr.cipher = both_ways(c2s, s2c);
            pr.mac = both_ways(m2s, m2c);
            for c in [c2s, s2c].into_iter().flatten() {
                if let Some(w) = cipher_weakness(c) {
                    if !pr.weaknesses.contains(&w) {
                        pr.weaknesses.push(w);
                    }
                }
                pr.readable |= c == "none";
            }
            for m in [m2s, m2c].into_iter().flatten() {
                if let Some(w) = mac_weakness(m) {
                    if !pr.weaknesses.contains(&w) {
                        pr.weaknesses.push(w);
                    }
                }
            }
        } else if let Some((t, fp)) = &self.host_key {
            facts.details.push(("ssh.host_key.type", t.clone()));
            facts.details.push(("ssh.host_key.sha256", fp.clone()));
        }
        facts.protection = Some(pr);
    }
}

/// One name for both directions' algorithm: `X` when they agree, else
/// `X (to server), Y (to client)`.
fn both_ways(c2s: &Option<String>, s2c: &Option<String>) -> Option<String> {
    match (c2s, s2c) {
        (Some(a), Some(b)) if a == b => Some(a.clone()),
        (Some(a), Some(b)) => Some(format!("{a} (to server), {b} (to client)")),
        (Some(a), None) | (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    }
}

/// The algorithms both sides agreed on (RFC 4253 section 7.1), indexed by
/// [`Direction::index`] where they go one way.
#[derive(Clone, Debug, Default)]
struct Negotiated {
    kex: Option<String>,
    cipher: [Option<String>; 2],
    /// `None` under an AEAD cipher (its tag is the MAC).
    mac: [Option<String>; 2],
    compression: [Option<String>; 2],
}

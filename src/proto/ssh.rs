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
    /// KEXINIT's name-lists (the first eight, each bounded), until both sides' are
    /// known and negotiated.
    kexinit: Option<Vec<Vec<String>>>,
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
            for (name, v) in [
                ("ssh.cipher.client_to_server", c2s),
                ("ssh.cipher.server_to_client", s2c),
                ("ssh.mac.client_to_server", m2s),
                ("ssh.mac.server_to_client", m2c),
            ] {
                if let Some(v) = v {
                    facts.details.push((name, v.clone()));
                }
            }
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

impl Ssh {
    /// One step of direction `dir` over `rest` (stream offset `at`): how many bytes it
    /// labelled (0 with a change of phase), or `None` to wait for more.
    fn step(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let d = dir.index();
        let side = self.sides.get_mut(d)?;
        if let Some(mut p) = side.pending.take() {
            let n = label_pending(&mut p, at, rest, out);
            if p.body > 0 || p.mac > 0 {
                side.pending = Some(p);
            }
            return Some(n);
        }
        match side.phase {
            Phase::Version => self.version(dir, at, rest, flush, out),
            Phase::Binary => {
                let v1 = match self.is_v1() {
                    Some(v1) => v1,
                    // A server's `1.99` before the client answered: by content.
                    None if rest.len() < HEAD && !flush => return None,
                    None => !plausible_clear_packet(rest),
                };
                self.set_phase(dir, if v1 { Phase::V1Clear } else { Phase::Clear });
                Some(0)
            }
            Phase::Clear => self.clear(dir, at, rest, flush, out),
            Phase::Sealed { mac } => self.sealed(dir, at, rest, mac, flush, out),
            Phase::Readable { mac } => self.readable(dir, at, rest, mac, flush, out),
            Phase::Plain => {
                out.field(at..at + rest.len() as u64, SSH_PAYLOAD);
                Some(rest.len())
            }
            Phase::Unframed => {
                out.field(at..at + rest.len() as u64, SSH_ENCRYPTED);
                // One or more packets whose boundaries are hidden: what arrived.
                out.event(
                    at,
                    Desc::Sealed {
                        proto: "SSH",
                        unit: "packets",
                        len: u32::try_from(rest.len()).unwrap_or(u32::MAX),
                        plaintext: None,
                    },
                );
                Some(rest.len())
            }
            Phase::V1Clear => self.v1_clear(dir, at, rest, flush, out),
            Phase::V1Sealed => self.v1_sealed(dir, at, rest, flush, out),
            Phase::Lost { search } => lost(side, at, rest, search, flush, out),
            Phase::NotSsh => {
                let explain = !side.explained;
                side.explained |= unknown::classify_chunk_explained(at, rest, explain, out);
                Some(rest.len())
            }
        }
    }

    fn set_phase(&mut self, dir: Direction, phase: Phase) {
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.phase = phase;
        }
    }

    fn side(&self, dir: Direction) -> Option<&Side> {
        self.sides.get(dir.index())
    }

    /// The identification string, after the lines a server may send before it.
    fn version(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if rest.len() < 4 && b"SSH-".starts_with(rest) && !flush {
            return None;
        }
        let start = match version_line_after_text(rest) {
            Some(s) => s,
            None => return self.no_version(dir, at, rest, flush, out),
        };
        let line = rest.get(start..)?;
        let limit = MAX_PRE_BANNER.saturating_sub(start).max(MAX_VERSION_LINE);
        let (text_end, end) = match line.iter().take(limit).position(|&b| b == b'\n') {
            Some(nl) => {
                let cr = nl > 0 && line.get(nl - 1) == Some(&b'\r');
                (nl - usize::from(cr), nl + 1)
            }
            None if flush || line.len() >= limit => {
                // Cut off by the end of the stream, or a line without end: what there is.
                let n = line.len().min(limit);
                out.note(
                    at + start as u64..at + (start + n) as u64,
                    Severity::Note,
                    NoteGroup::Truncated,
                    format!("identification string without its line end ({n} bytes)"),
                );
                (n, n)
            }
            None => return None,
        };
        let text = line.get(..text_end)?;
        if start > 0 {
            out.field(at..at + start as u64, SSH_PRE_BANNER);
            let lines: Vec<&[u8]> = rest
                .get(..start)?
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .collect();
            let first = lines
                .first()
                .map(|l| String::from_utf8_lossy(l.trim_ascii()).into_owned());
            out.event(
                at,
                Desc::App {
                    proto: "SSH",
                    text: format!(
                        "{} before the identification string: {}",
                        plural(lines.len() as u64, "line"),
                        shorten(&first.unwrap_or_default(), 60)
                    ),
                    leaks: Vec::new(),
                },
            );
        }
        let vat = at + start as u64;
        out.field(vat..vat + text_end as u64, SSH_PROTOCOL);
        out.field(vat + text_end as u64..vat + end as u64, SSH_PROTOCOL_EOL);
        if end > MAX_VERSION_LINE {
            out.note(
                vat..vat + end as u64,
                Severity::Note,
                NoteGroup::Malformed,
                format!(
                    "identification string of {end} bytes: RFC 4253 section 4.2 allows {MAX_VERSION_LINE}"
                ),
            );
        }
        let shown = String::from_utf8_lossy(text).into_owned();
        let body = shown.strip_prefix("SSH-").unwrap_or(&shown);
        let (proto, software) = body.split_once('-').unwrap_or((body, ""));
        let banner = Banner {
            proto: proto.to_string(),
            software: software.to_string(),
        };
        out.event(
            vat,
            Desc::Leak {
                kind: LeakKind::Software,
                value: shown.clone(),
            },
        );
        out.event(
            vat,
            Desc::App {
                proto: "SSH",
                text: shown,
                leaks: Vec::new(),
            },
        );
        let side = self.sides.get_mut(dir.index())?;
        side.banner = Some(banner);
        side.phase = Phase::Binary;
        Some(start + end)
    }

    /// A direction that does not start with an identification string.
    fn no_version(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        // Complete text lines: a server's lines before its version, or not SSH.
        let mut lines = 0usize;
        while let Some(nl) = rest
            .get(lines..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'))
        {
            if !rest.get(lines..=lines + nl).is_some_and(text_line) {
                break;
            }
            lines += nl + 1;
        }
        let tail = rest.get(lines..).unwrap_or(&[]);
        let tail_is_text = tail.is_empty() || unknown::looks_like_text(tail);
        if lines == 0 && !tail_is_text {
            return self.midstream(dir, at, rest, flush, out);
        }
        if tail_is_text && lines + tail.len() < MAX_PRE_BANNER && !flush {
            return None;
        }
        // Text, but no identification string: not SSH.
        out.note(
            at..at + 1,
            Severity::Note,
            NoteGroup::Protocol,
            "no SSH identification string: this direction is not SSH".into(),
        );
        self.set_phase(dir, Phase::NotSsh);
        Some(0)
    }

    /// A direction taken up without its identification string.
    fn midstream(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let telnet = matches!(rest, [IAC, 0xf0..=0xfe, ..]);
        if rest.len() < HEAD && !flush && !telnet {
            return None;
        }
        let (phase, why) = if telnet {
            (Phase::NotSsh, "a Telnet command on the SSH port: not SSH")
        } else if plausible_clear_packet(rest) {
            (
                Phase::Clear,
                "no SSH identification string in this direction: taken up at a key exchange packet",
            )
        } else {
            (
                Phase::Unframed,
                "no SSH identification string in this direction (picked up mid-connection?): \
                 binary bytes on the SSH port are taken as encrypted packets, boundaries unknown",
            )
        };
        if phase != Phase::NotSsh {
            self.midstream = true;
        }
        out.note(
            at..at + 1,
            Severity::Note,
            NoteGroup::Protocol,
            why.to_string(),
        );
        self.set_phase(dir, phase);
        Some(0)
    }

    /// SSH-2 packets in the clear.
    fn clear(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let Some(len) = be32(rest, 0) else {
            return Self::cut_header(at, rest, flush, out);
        };
        if !(12..=MAX_PACKET).contains(&len) {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("packet_length {len} is no SSH packet: framing lost"),
            );
            self.set_phase(dir, Phase::Lost { search: true });
            return Some(0);
        }
        let total = 4 + len as usize;
        note_long(len, at, out);
        if total > MAX_WHOLE {
            if rest.len() < HEAD && !flush {
                return None;
            }
            return Some(self.long_packet(dir, at, rest, total, SSH_MESSAGE_DATA, 0, out));
        }
        match rest.get(..total) {
            Some(p) => {
                self.clear_packet(dir, at, p, total, out);
                Some(total)
            }
            None if flush => {
                self.clear_packet(dir, at, rest, total, out);
                self.cut(dir, at, rest.len(), total, SSH_MESSAGE_DATA, 0, out);
                Some(rest.len())
            }
            None => None,
        }
    }

    /// Fewer than four bytes of a packet header, and no more to come before a gap or
    /// the end.
    fn cut_header(at: u64, rest: &[u8], flush: bool, out: &mut Emitter) -> Option<usize> {
        if !flush {
            return None;
        }
        out.field(at..at + rest.len() as u64, SSH_PACKET_LENGTH);
        out.note(
            at..at + rest.len() as u64,
            Severity::Note,
            NoteGroup::Truncated,
            format!("SSH packet header cut off after {} bytes", rest.len()),
        );
        Some(rest.len())
    }

    /// A packet cut short (`got` of `total` bytes, then a gap or the end): the rest,
    /// should it come, is labelled `field` and `mac` bytes of MAC.
    #[allow(clippy::too_many_arguments)] // where, how much, and how to label the rest
    fn cut(
        &mut self,
        dir: Direction,
        at: u64,
        got: usize,
        total: usize,
        field: FieldId,
        mac: u32,
        out: &mut Emitter,
    ) {
        out.note(
            at..at + got as u64,
            Severity::Note,
            NoteGroup::Truncated,
            format!("SSH packet cut off: {got} of {total} bytes"),
        );
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: total.saturating_sub(got) as u64,
                field,
                mac: u64::from(mac),
            });
        }
    }

    /// A packet longer than [`MAX_WHOLE`]: its head is described, the rest labelled
    /// `field` as it arrives.
    #[allow(clippy::too_many_arguments)] // where, how long, and how to label the rest
    fn long_packet(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        total: usize,
        field: FieldId,
        mac: u32,
        out: &mut Emitter,
    ) -> usize {
        let head = rest.len().min(HEAD);
        let parts = [
            (0..4, SSH_PACKET_LENGTH),
            (4..5, SSH_PADDING_LENGTH),
            (5..6, SSH_MESSAGE_CODE),
        ];
        line_spans(out, at, head, &parts, field);
        let code = rest.get(5).copied();
        out.note(
            at..at + head as u64,
            Severity::Note,
            NoteGroup::Undecoded,
            format!("{total}-byte SSH packet: longer than {MAX_WHOLE} bytes, labelled as it arrives, not parsed"),
        );
        out.event(
            at,
            Desc::App {
                proto: "SSH",
                text: code.map_or_else(|| "packet".to_string(), message_name),
                leaks: Vec::new(),
            },
        );
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: total.saturating_sub(head) as u64,
                field,
                mac: u64::from(mac),
            });
        }
        head
    }

    /// Labels and describes one SSH-2 packet in the clear (`p`: `total` bytes, or
    /// fewer when cut off).
    fn clear_packet(&mut self, dir: Direction, at: u64, p: &[u8], total: usize, out: &mut Emitter) {
        let mut f = Found::default();
        let payload = payload_range(p, total, &mut f, at, out);
        let code = p.get(5).copied();
        if let Some(code) = code {
            f.parts.push((5..6, SSH_MESSAGE_CODE));
            let body = p.get(..payload.end.min(p.len())).unwrap_or(p);
            self.clear_message(dir, code, body, &mut f);
        }
        f.parts.push((payload.end..total, SSH_PADDING));
        line_spans(out, at, p.len(), &f.parts, SSH_MESSAGE_DATA);
        emit(out, at, f);
        if code == Some(MSG_NEWKEYS) {
            self.newkeys(dir, at + p.len() as u64, out);
        }
    }

    /// A message sent before NEWKEYS: `p` is the packet up to the end of its payload.
    fn clear_message(&mut self, dir: Direction, code: u8, p: &[u8], f: &mut Found) {
        match code {
            MSG_KEXINIT => {
                f.text = "KEXINIT".into();
                if let Some(lists) = kexinit(p, &mut f.parts) {
                    if let Some(s) = self.sides.get_mut(dir.index()) {
                        s.kexinit = Some(lists);
                        s.kexinit_seen = true;
                    }
                    self.negotiate();
                }
            }
            MSG_NEWKEYS => f.text = "NEWKEYS".into(),
            30..=34 => {
                let kind = self
                    .negotiated()
                    .and_then(|n| n.kex)
                    .map_or(KexKind::Unknown, |k| KexKind::of(&k));
                self.kex_message(kind, code, p, f);
            }
            MSG_DISCONNECT => {
                let mut r = Reader::new(p);
                let reason = r.skip(HEAD).and_then(|_| r.u32());
                let text = reason
                    .and_then(|_| string(&mut r))
                    .map(|s| String::from_utf8_lossy(s.bytes).into_owned());
                f.text = match (reason, text) {
                    (Some(n), Some(t)) if !t.is_empty() => {
                        format!("DISCONNECT ({n}: {})", shorten(&t, 60))
                    }
                    (Some(n), _) => format!("DISCONNECT ({n})"),
                    _ => "DISCONNECT".into(),
                };
            }
            c => f.text = message_name(c),
        }
    }

    /// Messages 30–34: their meaning depends on the key exchange method.
    fn kex_message(&mut self, kind: KexKind, code: u8, p: &[u8], f: &mut Found) {
        let mut r = Reader::new(p);
        if r.skip(HEAD).is_none() {
            f.text = message_name(code);
            return;
        }
        let one = labelled_string;
        let name = match (kind, code) {
            (KexKind::Ecdh, 30) => {
                let _ = one(&mut r, SSH_ECDH_Q_C, f);
                "KEX_ECDH_INIT"
            }
            (KexKind::Dh, 30) => {
                let _ = one(&mut r, SSH_DH_E, f);
                "KEXDH_INIT"
            }
            (KexKind::Gex, 30) => {
                if r.u32().is_some() {
                    f.parts.push((HEAD..HEAD + 4, SSH_GEX_NBITS));
                }
                "KEX_DH_GEX_REQUEST_OLD"
            }
            (KexKind::Gex, 34) => {
                for (i, field) in [SSH_GEX_MIN, SSH_GEX_NBITS, SSH_GEX_MAX]
                    .into_iter()
                    .enumerate()
                {
                    if r.u32().is_some() {
                        let s = HEAD + 4 * i;
                        f.parts.push((s..s + 4, field));
                    }
                }
                "KEX_DH_GEX_REQUEST"
            }
            (KexKind::Gex, 31) => {
                let _ = one(&mut r, SSH_GEX_P, f).and_then(|_| one(&mut r, SSH_GEX_G, f));
                "KEX_DH_GEX_GROUP"
            }
            (KexKind::Gex, 32) => {
                let _ = one(&mut r, SSH_DH_E, f);
                "KEX_DH_GEX_INIT"
            }
            (KexKind::Ecdh | KexKind::Dh, 31)
            | (KexKind::Gex, 33)
            | (KexKind::Unknown, 31 | 33) => {
                let key = self.host_key(&mut r, kind == KexKind::Unknown, f);
                if key.is_some() {
                    let value = match kind {
                        KexKind::Ecdh => SSH_ECDH_Q_S,
                        _ => SSH_DH_F,
                    };
                    let _ = one(&mut r, value, f).and_then(|_| one(&mut r, SSH_KEX_H_SIG, f));
                }
                let name = match (kind, code) {
                    (KexKind::Ecdh, _) => "KEX_ECDH_REPLY",
                    (KexKind::Dh, _) => "KEXDH_REPLY",
                    (KexKind::Gex, _) => "KEX_DH_GEX_REPLY",
                    _ => "",
                };
                let name = if name.is_empty() {
                    format!("KEX message {code}")
                } else {
                    name.to_string()
                };
                f.text = match key {
                    Some((t, fp)) => format!("{name} (host key {t} {fp})"),
                    None => name,
                };
                return;
            }
            _ => {
                f.text = format!("KEX message {code}");
                return;
            }
        };
        f.text = name.into();
    }

    /// The host key K_S at the reader: labelled, fingerprinted, and reported as a leak.
    /// With `check`, only when it looks like one (the method is not known).
    fn host_key(
        &mut self,
        r: &mut Reader<'_>,
        check: bool,
        f: &mut Found,
    ) -> Option<(String, String)> {
        let save = r.clone();
        let s = string(r)?;
        let key_type = key_type(s.bytes);
        if check && (key_type.is_none() || !s.whole) {
            *r = save;
            return None;
        }
        let key_type = key_type.unwrap_or_else(|| "unknown".into());
        f.parts.push((s.len_at.clone(), SSH_HOST_KEY_LENGTH));
        f.parts.push((s.body.clone(), SSH_HOST_KEY));
        if !s.whole {
            return None;
        }
        let fp = fingerprint(s.bytes);
        f.leaks
            .push((LeakKind::HostKey, format!("{key_type} {fp}")));
        self.host_key = Some((key_type.clone(), fp.clone()));
        Some((key_type, fp))
    }

    /// NEWKEYS sent in `dir`: what follows is under the negotiated cipher.
    fn newkeys(&mut self, dir: Direction, at: u64, out: &mut Emitter) {
        let n = self.negotiated();
        let d = dir.index();
        let cipher = n.as_ref().and_then(|n| n.cipher.get(d).cloned().flatten());
        let mac = n.as_ref().and_then(|n| n.mac.get(d).cloned().flatten());
        let phase = match cipher.as_deref() {
            None => {
                out.note(
                    at..at + 1,
                    Severity::Note,
                    NoteGroup::Undecoded,
                    "the cipher is not known (a KEXINIT was not read): packet boundaries are not followed".into(),
                );
                Phase::Unframed
            }
            Some("none") => {
                out.note(
                    at..at + 1,
                    Severity::Warn,
                    NoteGroup::Leak,
                    "cipher none: this direction is not encrypted".into(),
                );
                match mac_len(mac.as_deref().unwrap_or("none")) {
                    Some(m) => Phase::Readable { mac: m },
                    None => Phase::Plain,
                }
            }
            Some(c) if is_gcm(c) => Phase::Sealed { mac: 16 },
            Some(_) => match mac.as_deref() {
                Some(m) if m.ends_with("-etm@openssh.com") => match mac_len(m) {
                    Some(n) => Phase::Sealed { mac: n },
                    None => Phase::Unframed,
                },
                // chacha20-poly1305 and encrypt-and-MAC: the length is encrypted.
                _ => Phase::Unframed,
            },
        };
        self.set_phase(dir, phase);
    }

    /// After NEWKEYS with `packet_length` in the clear: the length is header, the rest
    /// opaque as it arrives, then the MAC.
    fn sealed(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        mac: u32,
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let Some(len) = be32(rest, 0) else {
            return Self::cut_header(at, rest, flush, out);
        };
        if len < 8 || len % 8 != 0 || len > MAX_PACKET {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!(
                    "packet_length {len} is no encrypted SSH packet (a multiple of the cipher block): \
                     framing lost, the rest of this direction is opaque"
                ),
            );
            self.set_phase(dir, Phase::Unframed);
            return Some(0);
        }
        note_long(len, at, out);
        out.event(
            at,
            Desc::Sealed {
                proto: "SSH",
                unit: "packet",
                len: 4 + len + mac,
                // payload = packet_length - padding_length - 1, and the padding is 4 to
                // 255 bytes (RFC 4253 section 6), but padding_length is encrypted: the
                // payload (message number and fields; compressed, if compression was
                // negotiated) is between packet_length - 256 and packet_length - 5.
                plaintext: Some(PlainLen {
                    min: len.saturating_sub(256).max(1),
                    max: len - 5,
                }),
            },
        );
        out.field(at..at + 4, SSH_PACKET_LENGTH);
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: u64::from(len),
                field: SSH_ENCRYPTED,
                mac: u64::from(mac),
            });
        }
        Some(4)
    }

    /// After NEWKEYS under the `none` cipher: packets readable, then their MAC.
    fn readable(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        mac: u32,
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        let Some(len) = be32(rest, 0) else {
            return Self::cut_header(at, rest, flush, out);
        };
        if !(12..=MAX_PACKET).contains(&len) {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("packet_length {len} is no SSH packet: framing lost"),
            );
            self.set_phase(dir, Phase::Plain);
            return Some(0);
        }
        note_long(len, at, out);
        let total = 4 + len as usize;
        if total > MAX_WHOLE {
            if rest.len() < HEAD && !flush {
                return None;
            }
            return Some(self.long_packet(dir, at, rest, total, SSH_PAYLOAD, mac, out));
        }
        let p = match rest.get(..total) {
            Some(p) => p,
            None if flush => rest,
            None => return None,
        };
        let mut f = Found::default();
        let payload = payload_range(p, total, &mut f, at, out);
        if let Some(&code) = p.get(5) {
            f.parts.push((5..6, SSH_MESSAGE_CODE));
            let body = p.get(..payload.end.min(p.len())).unwrap_or(p);
            readable_message(code, body, &mut f);
        }
        f.parts.push((payload.end..total, SSH_PADDING));
        line_spans(out, at, p.len(), &f.parts, SSH_PAYLOAD);
        emit(out, at, f);
        if p.len() < total {
            self.cut(dir, at, p.len(), total, SSH_PADDING, mac, out);
            return Some(p.len());
        }
        if mac > 0 {
            if let Some(s) = self.sides.get_mut(dir.index()) {
                s.pending = Some(Pending {
                    body: 0,
                    field: SSH_MAC,
                    mac: u64::from(mac),
                });
            }
        }
        Some(total)
    }

    /// SSH-1 packets in the clear: the server's public key, the client's session key.
    fn v1_clear(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if rest.len() < 4 {
            return Self::cut_header(at, rest, flush, out);
        }
        let Some((len, pad, total)) = self.v1_header(dir, at, rest, out)? else {
            return Some(0);
        };
        if total > MAX_WHOLE {
            return Some(self.long_packet(dir, at, rest, total, SSH_MESSAGE_DATA, 0, out));
        }
        let p = match rest.get(..total) {
            Some(p) => p,
            None if flush => rest,
            None => return None,
        };
        let kind = 4 + pad;
        let mut f = Found::default();
        f.parts.push((0..4, SSH_PACKET_LENGTH));
        f.parts.push((4..kind, SSH_PADDING));
        f.parts.push((kind..kind + 1, SSH_MESSAGE_CODE));
        let code = p.get(kind).copied();
        let body_end = (4 + pad + len as usize).saturating_sub(4);
        let body = p.get(kind + 1..body_end.min(p.len())).unwrap_or(&[]);
        match code {
            Some(SSH1_SMSG_PUBLIC_KEY) => {
                f.text = "SMSG_PUBLIC_KEY".into();
                if let Some((r, t, fp)) = v1_public_key(body) {
                    let off = kind + 1;
                    f.parts.push((off + r.start..off + r.end, SSH_HOST_KEY));
                    f.text = format!("SMSG_PUBLIC_KEY (host key {t} {fp})");
                    f.leaks.push((LeakKind::HostKey, format!("{t} {fp}")));
                    self.host_key = Some((t, fp));
                }
            }
            Some(SSH1_CMSG_SESSION_KEY) => {
                let off = kind + 1;
                f.text = "CMSG_SESSION_KEY".into();
                if let Some(&c) = body.first() {
                    self.v1_cipher = Some(c);
                    f.parts.push((off..off + 1, SSH1_CIPHER));
                    f.text = format!("CMSG_SESSION_KEY (cipher {})", v1_cipher_name(c));
                    // The anti-spoofing cookie (8), then the encrypted session key.
                    let mut r = Reader::new(body);
                    if r.skip(9).is_some() {
                        if let Some(n) = r.u16() {
                            let bytes = usize::from(n).div_ceil(8);
                            let end = (10 + 1 + bytes).min(body.len());
                            f.parts.push((off + 9..off + end, SSH1_SESSION_KEY));
                        }
                    }
                }
            }
            Some(c) => f.text = format!("SSH-1 message {c}"),
            None => f.text = "SSH-1 packet".into(),
        }
        f.parts.push((body_end..total, SSH1_CRC));
        line_spans(out, at, p.len(), &f.parts, SSH_MESSAGE_DATA);
        emit(out, at, f);
        if p.len() < total {
            self.cut(dir, at, p.len(), total, SSH_MESSAGE_DATA, 0, out);
            return Some(p.len());
        }
        if matches!(code, Some(SSH1_SMSG_PUBLIC_KEY | SSH1_CMSG_SESSION_KEY)) {
            self.set_phase(dir, Phase::V1Sealed);
        }
        Some(total)
    }

    /// An SSH-1 packet header (`rest` holds at least its four bytes): (length,
    /// padding, total), `Some(None)` after losing framing.
    #[allow(clippy::type_complexity)] // three lengths, and two ways not to have them
    fn v1_header(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        out: &mut Emitter,
    ) -> Option<Option<(u32, usize, usize)>> {
        let len = be32(rest, 0)?;
        if !(5..=MAX_PACKET).contains(&len) {
            out.note(
                at..at + 4,
                Severity::Warn,
                NoteGroup::Malformed,
                format!("length {len} is no SSH-1 packet: framing lost"),
            );
            let next = match self.side(dir).map(|s| s.phase) {
                Some(Phase::V1Sealed) => Phase::Unframed,
                _ => Phase::Lost { search: false },
            };
            self.set_phase(dir, next);
            return Some(None);
        }
        let pad = 8 - (len as usize % 8);
        Some(Some((len, pad, 4 + pad + len as usize)))
    }

    /// SSH-1 after the key exchange: the length in the clear, the rest opaque (or
    /// readable under cipher 0, none).
    fn v1_sealed(
        &mut self,
        dir: Direction,
        at: u64,
        rest: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Option<usize> {
        if rest.len() < 4 {
            return Self::cut_header(at, rest, flush, out);
        }
        let Some((len, pad, total)) = self.v1_header(dir, at, rest, out)? else {
            return Some(0);
        };
        if self.v1_cipher == Some(0) {
            // No encryption: the padding, type, data and check are readable.
            out.field(at..at + 4, SSH_PACKET_LENGTH);
            if let Some(s) = self.sides.get_mut(dir.index()) {
                s.pending = Some(Pending {
                    body: (pad + len as usize) as u64,
                    field: SSH_PAYLOAD,
                    mac: 0,
                });
            }
            return Some(4);
        }
        out.event(
            at,
            Desc::Sealed {
                proto: "SSH",
                unit: "packet",
                len: u32::try_from(total).unwrap_or(u32::MAX),
                // The length covers type, data and the 4-byte check; the padding
                // follows from it: the message is exactly length - 4 bytes.
                plaintext: Some(PlainLen {
                    min: len - 4,
                    max: len - 4,
                }),
            },
        );
        out.field(at..at + 4, SSH_PACKET_LENGTH);
        if let Some(s) = self.sides.get_mut(dir.index()) {
            s.pending = Some(Pending {
                body: (pad + len as usize) as u64,
                field: SSH_ENCRYPTED,
                mac: 0,
            });
        }
        Some(4)
    }

    /// Whether the connection speaks SSH-1: the client's version (it chooses when the
    /// server offers both with `1.99`), else the server's; `None` while only a
    /// server's `1.99` is known.
    fn is_v1(&self) -> Option<bool> {
        let v1 = |b: &Banner| b.proto.starts_with("1.") && b.proto != "1.99";
        let [c, s] = &self.sides;
        match (&c.banner, &s.banner) {
            (Some(b), _) => Some(v1(b)),
            (None, Some(b)) if b.proto == "1.99" => None,
            (None, Some(b)) => Some(v1(b)),
            (None, None) => Some(false),
        }
    }

    /// `SSH-2.0`, `SSH-1.5`; `SSH` when no identification string was seen.
    fn version_name(&self) -> String {
        let [c, s] = &self.sides;
        match (&c.banner, &s.banner) {
            (Some(b), _) => format!("SSH-{}", b.proto),
            (None, Some(b)) if b.proto == "1.99" => "SSH".into(),
            (None, Some(b)) => format!("SSH-{}", b.proto),
            (None, None) if self.sides.iter().any(|s| s.kexinit_seen) => "SSH-2.0".into(),
            (None, None) => "SSH".into(),
        }
    }

    /// The algorithms negotiated, once both KEXINITs were read.
    fn negotiated(&self) -> Option<Negotiated> {
        self.agreed.clone()
    }

    /// Negotiates (RFC 4253 section 7.1) once both KEXINITs are known; their lists are
    /// not kept after that.
    fn negotiate(&mut self) {
        if let Some(n) = self.agree() {
            self.agreed = Some(n);
            for s in &mut self.sides {
                s.kexinit = None;
            }
        }
    }

    fn agree(&self) -> Option<Negotiated> {
        let [c, s] = &self.sides;
        let (client, server) = (c.kexinit.as_ref()?, s.kexinit.as_ref()?);
        let pick = |i: usize| -> Option<String> {
            let theirs = server.get(i)?;
            client.get(i)?.iter().find(|a| theirs.contains(a)).cloned()
        };
        let cipher = [pick(ENC_C2S), pick(ENC_C2S + 1)];
        let mac = |i: usize| {
            let aead = cipher
                .get(i)
                .cloned()
                .flatten()
                .is_some_and(|c| is_aead(&c));
            if aead {
                None
            } else {
                pick(MAC_C2S + i)
            }
        };
        Some(Negotiated {
            kex: pick(KEX),
            mac: [mac(0), mac(1)],
            cipher,
            compression: [pick(COMP_C2S), pick(COMP_C2S + 1)],
        })
    }
}

/// Labels the rest of a packet whose length is known; returns the bytes labelled.
fn label_pending(p: &mut Pending, at: u64, rest: &[u8], out: &mut Emitter) -> usize {
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
fn lost(
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
fn payload_range(
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
fn emit(out: &mut Emitter, at: u64, f: Found) {
    for (kind, value) in f.leaks {
        out.event(at, Desc::Leak { kind, value });
    }
    if !f.text.is_empty() {
        app_event(out, at, "SSH", f.text, f.credentials);
    }
}

/// A note for a packet longer than RFC 4253 section 6.1 requires implementations to
/// handle.
fn note_long(len: u32, at: u64, out: &mut Emitter) {
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
fn labelled_string(r: &mut Reader<'_>, field: FieldId, f: &mut Found) -> Option<()> {
    let s = string(r)?;
    f.parts.push((s.len_at.start..s.body.end, field));
    s.whole.then_some(())
}

/// An SSH `string` (RFC 4251 section 5): the range of its length field, of its bytes
/// (those there are, in a packet cut short), the bytes, and whether all are there.
struct Str<'a> {
    len_at: Range<usize>,
    body: Range<usize>,
    bytes: &'a [u8],
    whole: bool,
}

fn string<'a>(r: &mut Reader<'a>) -> Option<Str<'a>> {
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
fn key_type(blob: &[u8]) -> Option<String> {
    let s = string(&mut Reader::new(blob))?;
    let ok = s.whole
        && !s.bytes.is_empty()
        && s.bytes.len() <= 64
        && s.bytes.iter().all(u8::is_ascii_graphic);
    ok.then(|| String::from_utf8_lossy(s.bytes).into_owned())
}

/// KEXINIT (RFC 4253 section 7.1) in `p` (the packet up to the end of its payload):
/// labels its fields as far as they go; the name-lists when all ten are there.
fn kexinit(p: &[u8], parts: &mut Vec<(Range<usize>, FieldId)>) -> Option<Vec<Vec<String>>> {
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
        if i < COMP_C2S + 2 {
            let text = String::from_utf8_lossy(s.bytes);
            lists.push(
                text.split(',')
                    .filter(|a| !a.is_empty() && a.len() <= 64)
                    .take(MAX_NAMES)
                    .map(str::to_string)
                    .collect(),
            );
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
fn readable_message(code: u8, p: &[u8], f: &mut Found) {
    f.text = message_name(code);
    let mut r = Reader::new(p);
    if r.skip(HEAD).is_none() {
        return;
    }
    match code {
        MSG_USERAUTH_REQUEST => {
            let Some(user) = string(&mut r) else { return };
            f.parts.push((user.body.clone(), SSH_USERAUTH_USER));
            let name = String::from_utf8_lossy(user.bytes).into_owned();
            let _service = string(&mut r);
            let method = string(&mut r).map(|m| String::from_utf8_lossy(m.bytes).into_owned());
            f.text = format!(
                "USERAUTH_REQUEST user={name} method={}",
                method.as_deref().unwrap_or("?")
            );
            if method.as_deref() == Some("password") && r.u8().is_some() {
                if let Some(pw) = string(&mut r) {
                    f.parts.push((pw.body.clone(), SSH_USERAUTH_PASSWORD));
                    f.credentials.push(format!(
                        "user={name} password={}",
                        String::from_utf8_lossy(pw.bytes)
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
fn message_name(code: u8) -> String {
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
fn plausible_clear_packet(rest: &[u8]) -> bool {
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

/// AES-GCM (RFC 5647, and OpenSSH's names): `packet_length` is sent in the clear as
/// associated data, and the 16-byte tag replaces the MAC.
fn is_gcm(cipher: &str) -> bool {
    matches!(
        cipher,
        "aes128-gcm@openssh.com"
            | "aes256-gcm@openssh.com"
            | "AEAD_AES_128_GCM"
            | "AEAD_AES_256_GCM"
    )
}

/// Ciphers that authenticate: no MAC is negotiated for them.
fn is_aead(cipher: &str) -> bool {
    is_gcm(cipher) || cipher == "chacha20-poly1305@openssh.com"
}

/// A MAC's length on the wire (its EtM variant's too), when known.
fn mac_len(mac: &str) -> Option<u32> {
    let base = mac.strip_suffix("-etm@openssh.com").unwrap_or(mac);
    Some(match base {
        "none" => 0,
        "hmac-sha1" | "hmac-ripemd160" | "hmac-ripemd160@openssh.com" => 20,
        "hmac-sha1-96" | "hmac-md5-96" => 12,
        "hmac-md5" => 16,
        "hmac-sha2-256" => 32,
        "hmac-sha2-512" => 64,
        "umac-64" | "umac-64@openssh.com" => 8,
        "umac-128" | "umac-128@openssh.com" => 16,
        _ => return None,
    })
}

/// What is weak about a cipher, in words.
fn cipher_weakness(c: &str) -> Option<String> {
    Some(if c == "none" {
        "no encryption (cipher none): the content is readable".to_string()
    } else if c.starts_with("arcfour") {
        format!("RC4 ({c})")
    } else if c == "3des-cbc" {
        format!("3DES in CBC mode, 64-bit blocks ({c})")
    } else if c == "des" || c.starts_with("des-cbc") {
        format!("single DES ({c})")
    } else if c == "blowfish-cbc" || c == "cast128-cbc" {
        format!("CBC mode, 64-bit blocks ({c})")
    } else if c.ends_with("-cbc") || c.contains("-cbc@") {
        format!("CBC mode ({c})")
    } else {
        return None;
    })
}

/// What is weak about a MAC, in words.
fn mac_weakness(m: &str) -> Option<String> {
    let base = m.strip_suffix("-etm@openssh.com").unwrap_or(m);
    match base {
        "none" => Some("no MAC (mac none): no integrity".into()),
        "hmac-md5" | "hmac-md5-96" | "hmac-sha1-96" => Some(format!("weak MAC ({m})")),
        _ => None,
    }
}

/// SSH-1 cipher numbers (draft-ylonen-ssh-protocol-00, section "Encryption").
fn v1_cipher_name(c: u8) -> &'static str {
    match c {
        0 => "none",
        1 => "idea",
        2 => "des",
        3 => "3des",
        4 => "tss",
        5 => "arcfour",
        6 => "blowfish",
        _ => "unknown",
    }
}

/// SMSG_PUBLIC_KEY's body (after the type): the host key's range in it, `rsa1 N`, and
/// the fingerprint OpenSSH gave SSH-1 keys (SHA-256 of the modulus, then the exponent).
fn v1_public_key(body: &[u8]) -> Option<(Range<usize>, String, String)> {
    let mut r = Reader::new(body);
    r.skip(8)?; // anti-spoofing cookie
                // The server key: bits, exponent, modulus.
    r.u32()?;
    v1_mpint(&mut r)?;
    v1_mpint(&mut r)?;
    let start = r.pos();
    let bits = r.u32()?;
    let e = v1_mpint(&mut r)?;
    let n = v1_mpint(&mut r)?;
    let mut blob = n.to_vec();
    blob.extend_from_slice(e);
    Some((start..r.pos(), format!("rsa1 {bits}"), fingerprint(&blob)))
}

/// An SSH-1 multiple-precision integer: its size in bits (u16), then the bytes.
fn v1_mpint<'a>(r: &mut Reader<'a>) -> Option<&'a [u8]> {
    let bits = r.u16()?;
    r.take(usize::from(bits).div_ceil(8))
}

#[cfg(test)]
mod tests {
    //! Named fixtures, run through a flow's [`Stack`] as the flow stage runs them
    //! (detection included), with gaps and flushes where the flow stage gives them.

    use super::*;
    use crate::decode::Transport;
    use crate::proto::stack::Stack;
    use crate::span::Visibility::{self, *};

    const SERVER: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    const CLIENT: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
    /// The ed25519 host key of captures/ssh-*.pcap, whose fingerprint `ssh-keygen -l`
    /// prints as below.
    const HOST_KEY: &str = "69e800a7d5931719ae4743c5f5b3eb1e76d2e320d6fb70aef3bdbb6708bf4cc5";
    const HOST_KEY_SHA256: &str = "SHA256:BRnPwO41SnmWZCtSXq3tMHc3L4sh5mLkoOsfcJcPpjw";

    fn string(b: &[u8]) -> Vec<u8> {
        let mut v = (b.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b);
        v
    }

    /// A binary packet in the clear, padded to a multiple of 8 (at least 4 bytes).
    fn packet(payload: &[u8]) -> Vec<u8> {
        let mut pad = 8 - (5 + payload.len()) % 8;
        if pad < 4 {
            pad += 8;
        }
        let mut v = ((1 + payload.len() + pad) as u32).to_be_bytes().to_vec();
        v.push(pad as u8);
        v.extend_from_slice(payload);
        v.extend(std::iter::repeat_n(0xaa, pad));
        v
    }

    fn kexinit(kex: &str, cipher: &str, mac: &str) -> Vec<u8> {
        let mut p = vec![MSG_KEXINIT];
        p.extend_from_slice(&[0x11; 16]);
        for list in [
            kex,
            "ssh-ed25519",
            cipher,
            cipher,
            mac,
            mac,
            "none",
            "none",
            "",
            "",
        ] {
            p.extend(string(list.as_bytes()));
        }
        p.push(0);
        p.extend_from_slice(&[0; 4]);
        packet(&p)
    }

    fn host_blob() -> Vec<u8> {
        let mut b = string(b"ssh-ed25519");
        b.extend(string(&hex::decode(HOST_KEY).unwrap()));
        b
    }

    fn ecdh_init() -> Vec<u8> {
        let mut p = vec![30];
        p.extend(string(&[0x42; 32]));
        packet(&p)
    }

    fn ecdh_reply() -> Vec<u8> {
        let mut p = vec![31];
        p.extend(string(&host_blob()));
        p.extend(string(&[0x43; 32]));
        let mut sig = string(b"ssh-ed25519");
        sig.extend(string(&[0x44; 64]));
        p.extend(string(&sig));
        packet(&p)
    }

    fn newkeys() -> Vec<u8> {
        packet(&[MSG_NEWKEYS])
    }

    /// An encrypted packet with its length in the clear (EtM, GCM): `len` bytes, then
    /// the MAC.
    fn sealed(len: u32, mac: usize) -> Vec<u8> {
        let mut v = len.to_be_bytes().to_vec();
        v.extend(std::iter::repeat_n(0xe7, len as usize + mac));
        v
    }

    /// One connection through a [`Stack`]: bytes per direction, fed in chunks, with
    /// gaps; every byte's label and every event kept.
    struct Run {
        stack: Option<Stack>,
        port: u16,
        /// Per direction: fed but not yet labelled, its stream offset, and labels by
        /// stream offset (`None`: not labelled, or missing).
        buf: [Vec<u8>; 2],
        base: [u64; 2],
        labels: [Vec<Option<(&'static str, Visibility)>>; 2],
        events: Vec<Desc>,
        notes: Vec<String>,
    }

    impl Run {
        fn new(port: u16) -> Run {
            Run {
                stack: None,
                port,
                buf: [Vec::new(), Vec::new()],
                base: [0, 0],
                labels: [Vec::new(), Vec::new()],
                events: Vec::new(),
                notes: Vec::new(),
            }
        }

        fn take(&mut self, d: usize, out: &mut Emitter) {
            for s in out.spans.drain(..) {
                for i in s.range.clone() {
                    let slot = &mut self.labels[d][i as usize];
                    assert!(slot.is_none(), "byte {i} labelled twice");
                    *slot = Some((s.field.name(), s.vis));
                }
            }
            self.events.extend(out.events.drain(..).map(|e| e.desc));
            self.notes.extend(out.notes.drain(..).map(|n| n.text));
        }

        fn run(&mut self, dir: Direction, flush: bool) {
            let d = dir.index();
            if self.stack.is_none() {
                self.stack =
                    Stack::detect(&self.buf[d], dir, Transport::Tcp, (40000, self.port), flush);
                if self.stack.is_none() {
                    return;
                }
            }
            let mut out = Emitter::default();
            let stack = self.stack.as_mut().unwrap();
            let done = stack.feed(dir, self.base[d], &self.buf[d], flush, &mut out);
            self.buf[d].drain(..done);
            self.base[d] += done as u64;
            self.take(d, &mut out);
        }

        /// Bytes arriving in chunks of `chunk`.
        fn feed(&mut self, dir: Direction, bytes: &[u8], chunk: usize) -> &mut Run {
            for piece in bytes.chunks(chunk.max(1)) {
                self.labels[dir.index()].extend(std::iter::repeat_n(None, piece.len()));
                self.buf[dir.index()].extend_from_slice(piece);
                self.run(dir, false);
            }
            self
        }

        /// `n` bytes lost: what is buffered is flushed, then the gap.
        fn gap(&mut self, dir: Direction, n: u64) -> &mut Run {
            let d = dir.index();
            self.run(dir, true);
            assert!(self.buf[d].is_empty());
            let at = self.base[d];
            let mut out = Emitter::default();
            self.stack.as_mut().unwrap().gap(dir, at, n, &mut out);
            self.take(d, &mut out);
            self.base[d] += n;
            self.labels[d].extend(std::iter::repeat_n(Some(("(lost)", Undecoded)), n as usize));
            self
        }

        fn finish(&mut self) -> &mut Run {
            for dir in [Direction::ToServer, Direction::ToClient] {
                if !self.buf[dir.index()].is_empty() {
                    self.run(dir, true);
                }
            }
            for (d, l) in self.labels.iter().enumerate() {
                if let Some(i) = l.iter().position(Option::is_none) {
                    panic!("direction {d}: byte {i} not labelled");
                }
            }
            self
        }

        fn label(&self, dir: Direction, at: usize) -> (&'static str, Visibility) {
            self.labels[dir.index()][at].unwrap()
        }

        fn facts(&self) -> Facts {
            self.stack.as_ref().unwrap().facts()
        }

        fn apps(&self) -> Vec<String> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    Desc::App { text, .. } => Some(text.clone()),
                    _ => None,
                })
                .collect()
        }

        fn sealed(&self) -> Vec<(u32, Option<PlainLen>)> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    Desc::Sealed { len, plaintext, .. } => Some((*len, *plaintext)),
                    _ => None,
                })
                .collect()
        }
    }

    const TO_SERVER: Direction = Direction::ToServer;
    const TO_CLIENT: Direction = Direction::ToClient;

    /// A whole session up to both NEWKEYS, in the order the peers send it. Returns the
    /// stream offsets where each direction's encrypted packets start.
    fn handshake(r: &mut Run, kex: &str, cipher: &str, mac: &str, chunk: usize) -> [usize; 2] {
        let ci = kexinit(kex, cipher, mac);
        let si = kexinit(kex, cipher, mac);
        let mut s = SERVER.to_vec();
        r.feed(TO_CLIENT, SERVER, chunk);
        r.feed(TO_SERVER, CLIENT, chunk);
        r.feed(TO_SERVER, &ci, chunk);
        r.feed(TO_CLIENT, &si, chunk);
        s.extend_from_slice(&si);
        let mut c = CLIENT.to_vec();
        c.extend_from_slice(&ci);
        let init = ecdh_init();
        r.feed(TO_SERVER, &init, chunk);
        c.extend_from_slice(&init);
        let mut reply = ecdh_reply();
        reply.extend(newkeys());
        r.feed(TO_CLIENT, &reply, chunk);
        s.extend_from_slice(&reply);
        r.feed(TO_SERVER, &newkeys(), chunk);
        c.extend(newkeys());
        [c.len(), s.len()]
    }

    #[test]
    fn banner_then_kexinit_split_across_segments() {
        let mut bytes = SERVER.to_vec();
        let init = kexinit("curve25519-sha256", "aes128-ctr", "hmac-sha2-256");
        bytes.extend_from_slice(&init);
        for chunk in [1, 3, 7, 1000] {
            let mut r = Run::new(22);
            r.feed(TO_CLIENT, &bytes, chunk).finish();
            assert_eq!(r.facts().stack, ["SSH"]);
            assert_eq!(r.label(TO_CLIENT, 0), ("ssh.protocol", Cleartext));
            assert_eq!(SSH_PROTOCOL.def().leak, Some(LeakKind::Software));
            let eol = SERVER.len() - 2;
            assert_eq!(r.label(TO_CLIENT, eol), ("ssh.protocol.eol", Cleartext));
            let at = SERVER.len();
            assert_eq!(r.label(TO_CLIENT, at), ("ssh.packet_length", Metadata));
            assert_eq!(r.label(TO_CLIENT, at + 4), ("ssh.padding_length", Metadata));
            assert_eq!(r.label(TO_CLIENT, at + 5), ("ssh.message_code", Cleartext));
            assert_eq!(r.label(TO_CLIENT, at + 6), ("ssh.cookie", Cleartext));
            assert_eq!(
                r.label(TO_CLIENT, at + 22),
                ("ssh.kex_algorithms_length", Cleartext)
            );
            assert_eq!(
                r.label(TO_CLIENT, at + 26),
                ("ssh.kex_algorithms", Cleartext)
            );
            assert_eq!(
                r.label(TO_CLIENT, bytes.len() - 1),
                ("ssh.padding_string", Cleartext)
            );
            assert_eq!(
                r.apps(),
                ["SSH-2.0-OpenSSH_9.2p1 Debian-2", "KEXINIT"],
                "chunk {chunk}"
            );
            assert!(r.events.contains(&Desc::Leak {
                kind: LeakKind::Software,
                value: "SSH-2.0-OpenSSH_9.2p1 Debian-2".into()
            }));
            assert_eq!(
                r.facts().details,
                [("ssh.server.version", "OpenSSH_9.2p1 Debian-2".to_string())]
            );
        }
    }

    #[test]
    fn kexinit_truncated_midway() {
        let init = kexinit("curve25519-sha256", "aes128-ctr", "hmac-sha2-256");
        for cut in [3, 5, 20, 30, init.len() / 2, init.len() - 1] {
            let mut bytes = SERVER.to_vec();
            bytes.extend_from_slice(&init[..cut]);
            let mut r = Run::new(22);
            r.feed(TO_CLIENT, &bytes, 1000).finish();
            assert!(
                r.notes.iter().any(|n| n.contains("cut off")),
                "cut at {cut}: {:?}",
                r.notes
            );
            let at = SERVER.len();
            assert_eq!(r.label(TO_CLIENT, at), ("ssh.packet_length", Metadata));
            if cut > 30 {
                assert_eq!(
                    r.label(TO_CLIENT, at + 26),
                    ("ssh.kex_algorithms", Cleartext)
                );
            }
            // Nothing negotiated: the protection names no cipher.
            let f = r.facts();
            assert_eq!(f.protection.unwrap().cipher, None);
        }
    }

    #[test]
    fn packet_length_beyond_35000_is_a_note() {
        // 40000 bytes: parsed whole, with a note.
        let mut ignore = vec![2u8];
        ignore.extend(string(&vec![b'x'; 40_000]));
        let mut bytes = SERVER.to_vec();
        bytes.extend(packet(&ignore));
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &bytes, 1460).finish();
        assert!(r.notes.iter().any(|n| n.contains("35000")), "{:?}", r.notes);
        assert!(r.apps().contains(&"IGNORE".to_string()));
        // 200000 bytes: longer than is read whole; labelled as it arrives.
        let mut ignore = vec![2u8];
        ignore.extend(string(&vec![b'x'; 200_000]));
        let mut bytes = SERVER.to_vec();
        bytes.extend(packet(&ignore));
        bytes.extend(newkeys());
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &bytes, 1460);
        assert!(r.buf[1].len() < 1460, "held {} bytes", r.buf[1].len());
        r.finish();
        assert!(r.notes.iter().any(|n| n.contains("labelled as it arrives")));
        assert!(r.apps().contains(&"NEWKEYS".to_string()), "framing kept");
        // Beyond 256 KiB: no packet at all, framing lost.
        let mut bytes = SERVER.to_vec();
        bytes.extend_from_slice(&[0x7f, 0, 0, 0, 4, 20, 0, 0]);
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &bytes, 1000).finish();
        assert!(r.notes.iter().any(|n| n.contains("is no SSH packet")));
        assert_eq!(r.label(TO_CLIENT, SERVER.len()).1, Undecoded);
    }

    #[test]
    fn gap_mid_packet_loses_framing() {
        // In the key exchange: the gap takes the end of the KEXINIT and the start of
        // the next packet; the bytes after it are undecoded up to the NEWKEYS.
        let init = kexinit(
            "curve25519-sha256",
            "aes128-gcm@openssh.com",
            "hmac-sha2-256",
        );
        let mut after = ecdh_reply();
        let resume = 20;
        let newkeys_at = after.len() - resume;
        after.extend(newkeys());
        after.extend(sealed(32, 16));
        let mut r = Run::new(22);
        r.feed(TO_SERVER, CLIENT, 100);
        r.feed(
            TO_SERVER,
            &kexinit(
                "curve25519-sha256",
                "aes128-gcm@openssh.com",
                "hmac-sha2-256",
            ),
            100,
        );
        r.feed(TO_CLIENT, SERVER, 100);
        r.feed(TO_CLIENT, &init[..init.len() - 40], 100);
        r.gap(TO_CLIENT, 40 + resume as u64);
        r.feed(TO_CLIENT, &after[resume..], 7);
        r.finish();
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("framing lost in the key exchange")),
            "{:?}",
            r.notes
        );
        let base = SERVER.len() + init.len() + resume;
        assert_eq!(r.label(TO_CLIENT, base).1, Undecoded);
        assert_eq!(r.label(TO_CLIENT, base + newkeys_at - 1).1, Undecoded);
        assert_eq!(
            r.label(TO_CLIENT, base + newkeys_at),
            ("ssh.packet_length", Metadata),
            "the NEWKEYS packet regains framing"
        );
        assert!(r.notes.iter().any(|n| n.contains("framing regained")));
        // The server's KEXINIT was cut: the cipher is not known, so the encrypted
        // packet is opaque without boundaries.
        let enc = base + newkeys_at + 16;
        assert_eq!(r.label(TO_CLIENT, enc), ("ssh.encrypted_packet", Opaque));

        // After NEWKEYS with visible lengths: a gap across a packet boundary leaves
        // the rest of the direction opaque, unframed.
        let mut r = Run::new(22);
        let [_, s] = handshake(
            &mut r,
            "curve25519-sha256",
            "aes128-gcm@openssh.com",
            "none",
            1000,
        );
        let p = sealed(32, 16);
        r.feed(TO_CLIENT, &p[..20], 1000);
        r.gap(TO_CLIENT, (p.len() - 20 + 10) as u64);
        r.feed(TO_CLIENT, &p[10..], 1000);
        r.feed(TO_CLIENT, &p, 1000);
        r.finish();
        assert!(r
            .notes
            .iter()
            .any(|n| n.contains("framing lost after NEWKEYS")));
        let resumed = s + p.len() + 10;
        for i in resumed..resumed + 2 * p.len() - 10 {
            assert_eq!(
                r.label(TO_CLIENT, i),
                ("ssh.encrypted_packet", Opaque),
                "byte {i}"
            );
        }
    }

    #[test]
    fn gap_inside_a_packet_keeps_framing() {
        let mut r = Run::new(22);
        let [_, s] = handshake(
            &mut r,
            "curve25519-sha256",
            "aes128-gcm@openssh.com",
            "none",
            1000,
        );
        let p = sealed(64, 16);
        // Cut like a snap length: the packet's middle is missing, the next one whole.
        r.feed(TO_CLIENT, &p[..30], 1000);
        r.gap(TO_CLIENT, 40);
        r.feed(TO_CLIENT, &p[70..], 1000);
        r.feed(TO_CLIENT, &p, 1000);
        r.finish();
        assert_eq!(r.label(TO_CLIENT, s + 29), ("ssh.encrypted_packet", Opaque));
        assert_eq!(r.label(TO_CLIENT, s + 70), ("ssh.mac", Opaque));
        assert_eq!(
            r.label(TO_CLIENT, s + p.len()),
            ("ssh.packet_length", Metadata)
        );
        assert_eq!(r.sealed().len(), 2);
    }

    #[test]
    fn etm_lengths_visible_chacha_lengths_opaque() {
        let cases = [
            // (cipher, MAC, length visible, MAC length on the wire)
            ("aes128-ctr", "hmac-sha2-256-etm@openssh.com", true, 32),
            ("aes256-ctr", "umac-64-etm@openssh.com", true, 8),
            ("aes128-gcm@openssh.com", "hmac-sha2-256", true, 16),
            ("chacha20-poly1305@openssh.com", "hmac-sha2-256", false, 16),
            ("aes128-ctr", "hmac-sha2-256", false, 32),
            ("aes128-cbc", "hmac-sha1", false, 20),
        ];
        for (cipher, mac, visible, mac_len) in cases {
            for chunk in [5, 1000] {
                let mut r = Run::new(22);
                let [c, _] = handshake(&mut r, "curve25519-sha256", cipher, mac, chunk);
                let mut enc = sealed(32, mac_len);
                enc.extend(sealed(48, mac_len));
                r.feed(TO_SERVER, &enc, chunk).finish();
                let first = 4 + 32 + mac_len;
                if visible {
                    assert_eq!(
                        r.label(TO_SERVER, c),
                        ("ssh.packet_length", Metadata),
                        "{cipher}"
                    );
                    assert_eq!(r.label(TO_SERVER, c + 4), ("ssh.encrypted_packet", Opaque));
                    assert_eq!(r.label(TO_SERVER, c + first - 1), ("ssh.mac", Opaque));
                    assert_eq!(
                        r.label(TO_SERVER, c + first),
                        ("ssh.packet_length", Metadata)
                    );
                    assert_eq!(
                        r.sealed(),
                        [
                            (first as u32, Some(PlainLen { min: 1, max: 27 })),
                            (
                                (4 + 48 + mac_len) as u32,
                                Some(PlainLen { min: 1, max: 43 })
                            )
                        ],
                        "{cipher} {mac}"
                    );
                } else {
                    for i in c..c + enc.len() {
                        assert_eq!(
                            r.label(TO_SERVER, i),
                            ("ssh.encrypted_packet", Opaque),
                            "{cipher}"
                        );
                    }
                    assert!(r.sealed().iter().all(|(_, p)| p.is_none()));
                    assert!(!r.sealed().is_empty());
                }
                let pr = r.facts().protection.unwrap();
                assert_eq!(pr.proto, "SSH-2.0");
                assert_eq!(pr.cipher.as_deref(), Some(cipher));
                let aead = cipher.contains("gcm") || cipher.contains("chacha");
                assert_eq!(pr.mac.as_deref(), (!aead).then_some(mac));
                assert!(!pr.readable);
                assert_eq!(
                    pr.weaknesses.iter().any(|w| w.contains("CBC")),
                    cipher.ends_with("-cbc")
                );
            }
        }
    }

    #[test]
    fn none_cipher_is_readable() {
        let mut r = Run::new(22);
        let [c, _] = handshake(&mut r, "curve25519-sha256", "none", "hmac-sha2-256", 1000);
        let mut auth = vec![MSG_USERAUTH_REQUEST];
        auth.extend(string(b"alice"));
        auth.extend(string(b"ssh-connection"));
        auth.extend(string(b"password"));
        auth.push(0);
        auth.extend(string(b"secret"));
        let mut p = packet(&auth);
        p.extend_from_slice(&[0x5a; 32]);
        r.feed(TO_SERVER, &p, 9).finish();
        let user = c + 6 + 4;
        assert_eq!(
            r.label(TO_SERVER, user),
            ("ssh.userauth_user_name", Cleartext)
        );
        assert_eq!(SSH_USERAUTH_USER.role(), crate::fields::Role::Content);
        assert_eq!(r.label(TO_SERVER, c + p.len() - 1), ("ssh.mac", Opaque));
        assert!(r.events.iter().any(|e| matches!(e,
            Desc::Leak { kind: LeakKind::Credential, value } if value == "user=alice password=secret")));
        assert!(r.notes.iter().any(|n| n.contains("cipher none")));
        let pr = r.facts().protection.unwrap();
        assert!(pr.readable);
        assert_eq!(pr.cipher.as_deref(), Some("none"));
        assert!(pr.weaknesses.iter().any(|w| w.contains("no encryption")));
    }

    #[test]
    fn host_key_fingerprint_as_openssh_prints_it() {
        let mut r = Run::new(22);
        handshake(
            &mut r,
            "curve25519-sha256",
            "chacha20-poly1305@openssh.com",
            "none",
            1000,
        );
        r.finish();
        let fp = format!("ssh-ed25519 {HOST_KEY_SHA256}");
        assert!(r
            .apps()
            .contains(&format!("KEX_ECDH_REPLY (host key {fp})")));
        assert!(r.events.contains(&Desc::Leak {
            kind: LeakKind::HostKey,
            value: fp
        }));
        let f = r.facts();
        let details: Vec<(&str, &str)> = f.details.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            details,
            [
                ("ssh.client.version", "OpenSSH_9.2p1 Debian-2+deb12u10"),
                ("ssh.server.version", "OpenSSH_9.2p1 Debian-2"),
                ("ssh.kex", "curve25519-sha256"),
                ("ssh.host_key.type", "ssh-ed25519"),
                ("ssh.host_key.sha256", HOST_KEY_SHA256),
                (
                    "ssh.cipher.client_to_server",
                    "chacha20-poly1305@openssh.com"
                ),
                (
                    "ssh.cipher.server_to_client",
                    "chacha20-poly1305@openssh.com"
                ),
            ]
        );
        assert_eq!(
            r.apps()
                .iter()
                .filter(|a| !a.starts_with("SSH-"))
                .map(|a| a.split(' ').next().unwrap())
                .collect::<Vec<_>>(),
            [
                "KEXINIT",
                "KEXINIT",
                "KEX_ECDH_INIT",
                "KEX_ECDH_REPLY",
                "NEWKEYS",
                "NEWKEYS"
            ]
        );
    }

    #[test]
    fn pre_banner_lines_and_ssh1() {
        // A server's lines before its version are part of the identification phase.
        let mut bytes = b"Authorized use only\r\nSSH-1.99-OpenSSH_3.9p1\r\n".to_vec();
        assert_eq!(detect(&bytes), Detect::Yes);
        assert_eq!(detect(b"SS"), Detect::NeedMore);
        assert_eq!(detect(b"220 mail ESMTP\r\n"), Detect::No);
        // SSH-1: the server's public key in the clear, the client's session key, then
        // lengths in the clear and the rest opaque.
        let v1 = |kind: u8, data: &[u8]| {
            let len = 1 + data.len() + 4;
            let pad = 8 - len % 8;
            let mut v = (len as u32).to_be_bytes().to_vec();
            v.extend(std::iter::repeat_n(0, pad));
            v.push(kind);
            v.extend_from_slice(data);
            v.extend_from_slice(&[0xcc; 4]);
            v
        };
        let mut pk = vec![0x33; 8];
        for bits in [768u16, 1024] {
            pk.extend_from_slice(&u32::from(bits).to_be_bytes());
            pk.extend_from_slice(&6u16.to_be_bytes());
            pk.push(0x23);
            pk.extend_from_slice(&bits.to_be_bytes());
            pk.extend(std::iter::repeat_n(0xb5, usize::from(bits / 8)));
        }
        pk.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0x48, 0, 0, 0, 0x24]);
        bytes.extend(v1(SSH1_SMSG_PUBLIC_KEY, &pk));
        // On another port the lines and the version must come together to be
        // recognised; on port 22 they may come in pieces.
        let mut r = Run::new(2222);
        r.feed(TO_CLIENT, &bytes, 1000).finish();
        assert_eq!(r.label(TO_CLIENT, 0), ("ssh.pre_banner", Cleartext));
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &bytes, 11);
        r.feed(TO_SERVER, b"SSH-1.5-1.2.26\n", 11);
        let mut sk = vec![3];
        sk.extend_from_slice(&[0x33; 8]);
        sk.extend_from_slice(&1000u16.to_be_bytes());
        sk.extend(std::iter::repeat_n(0x99, 125));
        sk.extend_from_slice(&[0, 0, 0, 3]);
        let ks = v1(SSH1_CMSG_SESSION_KEY, &sk);
        r.feed(TO_SERVER, &ks, 11);
        let enc = v1(14, &[0x77; 20]);
        r.feed(TO_SERVER, &enc, 11);
        r.feed(TO_CLIENT, &enc, 11);
        r.finish();
        assert_eq!(r.label(TO_CLIENT, 0), ("ssh.pre_banner", Cleartext));
        assert_eq!(r.label(TO_CLIENT, 21), ("ssh.protocol", Cleartext));
        let apps = r.apps();
        assert!(
            apps[0].starts_with("1 line before the identification string: Authorized"),
            "{apps:?}"
        );
        assert!(apps
            .iter()
            .any(|a| a.starts_with("SMSG_PUBLIC_KEY (host key rsa1 1024 SHA256:")));
        assert!(apps.contains(&"CMSG_SESSION_KEY (cipher 3des)".to_string()));
        let c = 15 + ks.len();
        assert_eq!(r.label(TO_SERVER, c), ("ssh.packet_length", Metadata));
        assert_eq!(r.label(TO_SERVER, c + 4), ("ssh.encrypted_packet", Opaque));
        // Banner, length, 7 bytes of padding, type, cipher, cookie, then the key.
        assert_eq!(
            r.label(TO_SERVER, 15 + 4 + 7 + 1),
            ("ssh.v1.cipher_type", Cleartext)
        );
        assert_eq!(
            r.label(TO_SERVER, 15 + 4 + 7 + 1 + 9 + 2),
            ("ssh.v1.session_key", Opaque)
        );
        assert_eq!(
            r.sealed()[0],
            (enc.len() as u32, Some(PlainLen { min: 21, max: 21 }))
        );
        let pr = r.facts().protection.unwrap();
        assert_eq!(pr.proto, "SSH-1.5");
        assert_eq!(pr.cipher.as_deref(), Some("3des"));
        assert!(pr.weaknesses.iter().any(|w| w.contains("SSH protocol 1")));
    }

    #[test]
    fn telnet_and_http_on_port_22_are_not_ssh() {
        // Telnet: option negotiation, then text: readable content.
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &[IAC, 0xfd, 0x18, IAC, 0xfd, 0x20], 100);
        r.feed(TO_CLIENT, b"Debian GNU/Linux 12\r\nlogin: ", 100);
        r.feed(TO_SERVER, &[IAC, 0xfb, 0x18], 100);
        r.feed(TO_SERVER, b"alice\r\n", 100).finish();
        assert_eq!(r.facts().stack, ["unknown"]);
        assert_eq!(r.facts().protection, None);
        assert_eq!(r.label(TO_CLIENT, 6), ("data.text", Cleartext));
        assert_eq!(r.label(TO_SERVER, 3), ("data.text", Cleartext));
        // HTTP: recognised by its request line before the port is asked.
        let mut r = Run::new(22);
        r.feed(TO_SERVER, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100)
            .finish();
        assert_eq!(r.facts().stack, ["HTTP"]);
        // Text that never names SSH.
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, b"hello there\r\nhow are you\r\n", 100)
            .finish();
        assert_eq!(r.label(TO_CLIENT, 0), ("data.text", Cleartext));
        assert_eq!(r.facts().stack, ["unknown"]);
    }

    #[test]
    fn picked_up_mid_connection() {
        // Encrypted packets without a banner: opaque, with a note.
        let mut r = Run::new(22);
        r.feed(
            TO_SERVER,
            &[0x5a, 0x22, 0x10, 0x3b, 0x1a, 0x93, 0xe6, 0x6a, 0x92, 0x03],
            100,
        );
        r.finish();
        assert_eq!(r.label(TO_SERVER, 0), ("ssh.encrypted_packet", Opaque));
        assert!(r
            .notes
            .iter()
            .any(|n| n.contains("picked up mid-connection")));
        assert_eq!(r.facts().protection.unwrap().proto, "SSH");
        // A key exchange packet in the clear is read as one.
        let mut r = Run::new(22);
        r.feed(
            TO_CLIENT,
            &kexinit("curve25519-sha256", "aes128-ctr", "hmac-sha2-256"),
            100,
        );
        r.finish();
        assert_eq!(r.apps(), ["KEXINIT"]);
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        let mut r = Run::new(22);
        handshake(
            &mut r,
            "curve25519-sha256",
            "aes128-gcm@openssh.com",
            "none",
            1000,
        );
        let mut session = SERVER.to_vec();
        session.extend(kexinit(
            "curve25519-sha256",
            "aes128-gcm@openssh.com",
            "none",
        ));
        session.extend(ecdh_reply());
        session.extend(newkeys());
        session.extend(sealed(16, 16));
        // Every cut, and every byte flipped, of a whole server direction.
        for cut in 0..session.len() {
            let mut r = Run::new(22);
            r.feed(TO_CLIENT, &session[..cut], 13).finish();
        }
        for i in SERVER.len()..session.len() {
            for v in [0x00, 0x7f, 0xff] {
                let mut s = session.clone();
                s[i] = v;
                let mut r = Run::new(22);
                r.feed(TO_CLIENT, &s, 64).finish();
                let _ = r.facts();
            }
        }
        // Lengths at their extremes.
        for len in [0u32, 1, 5, 11, 12, MAX_PACKET, MAX_PACKET + 1, u32::MAX] {
            let mut s = SERVER.to_vec();
            s.extend_from_slice(&len.to_be_bytes());
            s.extend_from_slice(&[255, 20, 1, 2, 3]);
            let mut r = Run::new(22);
            r.feed(TO_CLIENT, &s, 3).finish();
        }
        // A line without end, longer than the pre-banner bound.
        let mut r = Run::new(22);
        r.feed(TO_CLIENT, &vec![b'a'; 3 * MAX_PRE_BANNER], 1000);
        assert!(r.buf[1].len() <= MAX_PRE_BANNER);
        r.finish();
        assert_eq!(
            fingerprint(b""),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}

//! Little-endian reads, UTF-16 and GUIDs, NetBIOS names, and the names of commands,
//! statuses, dialects and ciphers.

use super::*;

/// `(code, name)` of SMB2 commands (MS-SMB2 2.2.1.2).
pub(super) const COMMANDS: &[&str] = &[
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

pub(super) fn command_name(c: u16) -> String {
    COMMANDS
        .get(usize::from(c))
        .map_or_else(|| format!("command {c:#06x}"), |n| (*n).to_string())
}

/// NTSTATUS values an observer meets most (MS-ERREF 2.3.1).
pub(super) fn status_name(s: u32) -> String {
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

pub(super) fn dialect_name(d: u16) -> String {
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

pub(super) fn cipher_name(c: u16) -> String {
    match c {
        1 => "AES-128-CCM".into(),
        2 => "AES-128-GCM".into(),
        3 => "AES-256-CCM".into(),
        4 => "AES-256-GCM".into(),
        c => format!("cipher {c:#06x}"),
    }
}

pub(super) fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

pub(super) fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// UTF-16LE text, lossily.
pub(super) fn utf16(b: &[u8]) -> String {
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
pub(super) fn guid(b: &[u8]) -> Option<String> {
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
pub(super) fn buf(m: &[u8], off: usize, len: usize) -> Option<Range<usize>> {
    let end = off.checked_add(len)?.min(m.len());
    (len > 0 && off >= 64 && off < end).then_some(off..end)
}

/// The first-level encoded NetBIOS name at `at` (RFC 1001 section 14.1), if whole.
pub(super) fn netbios_name(b: &[u8], at: usize) -> Option<(Range<usize>, String)> {
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

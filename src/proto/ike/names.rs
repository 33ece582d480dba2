//! Names of identities, exchanges and payload types.

use super::*;

/// The identification data in words (RFC 7296 section 3.5, RFC 2407 section 4.6.2.1).
pub(super) fn id_text(kind: u8, data: &[u8]) -> Option<String> {
    let text = |d: &[u8]| {
        let s: String = crate::text::lossy(d).chars().take(256).collect();
        Some(s)
    };
    match kind {
        1 => <[u8; 4]>::try_from(data)
            .ok()
            .map(|a| Ipv4Addr::from(a).to_string()),
        5 => <[u8; 16]>::try_from(data)
            .ok()
            .map(|a| Ipv6Addr::from(a).to_string()),
        2 | 3 => text(data),
        // A key ID is often a name too; show it when it reads as text.
        11 if data.iter().all(|b| (0x20..0x7f).contains(b)) && !data.is_empty() => text(data),
        9 => Some(format!("DER distinguished name ({} bytes)", data.len())),
        _ => None,
    }
}

/// An exchange in words (RFC 7296 section 3.1, RFC 2408 section 4.1, RFC 2409).
pub(super) fn exchange_name(major: u8, t: u8) -> String {
    let name = match (major, t) {
        (2, 34) => "IKE_SA_INIT",
        (2, 35) => "IKE_AUTH",
        (2, 36) => "CREATE_CHILD_SA",
        (2, 37) => "INFORMATIONAL",
        (2, 43) => "IKE_INTERMEDIATE",
        (2, 44) => "IKE_FOLLOWUP_KE",
        (1, 1) => "Base",
        (1, 2) => "Main Mode",
        (1, 3) => "Authentication Only",
        (1, 4) => "Aggressive Mode",
        (1, 5) => "Informational",
        (1, 32) => "Quick Mode",
        (1, 33) => "New Group Mode",
        _ => return format!("exchange {t}"),
    };
    name.into()
}

/// A payload's short name, as strongSwan logs them.
pub(super) fn payload_name(major: u8, t: u8) -> &'static str {
    match (major, t) {
        (2, v2::SA) | (1, v1::SA) => "SA",
        (2, v2::KE) | (1, v1::KE) => "KE",
        (2, v2::IDI) => "IDi",
        (2, v2::IDR) => "IDr",
        (1, v1::ID) => "ID",
        (2, v2::CERT) | (1, v1::CERT) => "CERT",
        (2, v2::CERTREQ) | (1, v1::CR) => "CERTREQ",
        (2, v2::AUTH) => "AUTH",
        (1, v1::HASH) => "HASH",
        (1, v1::SIG) => "SIG",
        (2, v2::NONCE) | (1, v1::NONCE) => "No",
        (2, v2::NOTIFY) | (1, v1::NOTIFY) => "N",
        (2, 42) | (1, 12) => "D",
        (2, v2::VID) | (1, v1::VID) => "V",
        (2, 44) => "TSi",
        (2, 45) => "TSr",
        (2, v2::SK) => "SK",
        (2, 47) => "CP",
        (2, 48) => "EAP",
        (2, v2::SKF) => "SKF",
        (1, 20) => "NAT-D",
        (1, 21) => "NAT-OA",
        _ => "?",
    }
}

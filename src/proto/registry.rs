//! Which protocol a flow runs: every dissector registers here, once.
//!
//! Recognition is Wireshark's "heuristic, then port" order: each registered protocol
//! looks at the first bytes of a direction ([`Probe`]) and says [`Detect::Yes`],
//! [`Detect::No`] or [`Detect::NeedMore`]; the first `Yes` in table order wins. When no
//! protocol recognises the content, the first whose well-known ports include the
//! server's port (for UDP: either port) is taken; else the bytes are unknown payload
//! ([`super::unknown`]). A choice sticks to its flow.
//!
//! Adding a protocol: write `proto/NAME.rs` (its fields, its [`Dissector`], its
//! [`Protocol`] value), then add one line to [`TCP`] and/or [`UDP`] below. Order
//! matters only between protocols whose content tests could both match: the stricter
//! test goes first.

use super::{Direction, Dissector};
use crate::decode::Transport;
use crate::fields::FieldId;

/// A protocol's answer to "are these your bytes?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    Yes,
    No,
    /// Too few bytes to tell: ask again with more (unless the stream ends here).
    NeedMore,
}

impl Detect {
    /// `Yes` when `cond` holds, else `No`.
    pub fn when(cond: bool) -> Detect {
        if cond {
            Detect::Yes
        } else {
            Detect::No
        }
    }
}

/// The first bytes of a direction, and where they travel.
#[derive(Clone, Copy, Debug)]
pub struct Probe<'a> {
    pub bytes: &'a [u8],
    pub dir: Direction,
    pub transport: Transport,
    /// The port of the endpoint that opened the flow.
    pub client_port: u16,
    /// The port of the other endpoint.
    pub server_port: u16,
}

impl Probe<'_> {
    pub fn from_client(&self) -> bool {
        self.dir == Direction::ToServer
    }

    /// The bytes begin with `prefix`, ignoring ASCII case.
    pub fn starts_with_ignore_case(&self, prefix: &[u8]) -> bool {
        self.bytes
            .get(..prefix.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(prefix))
    }

    /// Either endpoint uses one of `ports`.
    pub fn either_port(&self, ports: &[u16]) -> bool {
        ports.contains(&self.client_port) || ports.contains(&self.server_port)
    }
}

/// One registered protocol.
pub struct Protocol {
    /// As the stack of a flow names it: `HTTP`, `TLS`, `SMTP`.
    pub name: &'static str,
    /// Content test: does a direction that begins with these bytes speak this protocol?
    pub detect: fn(&Probe<'_>) -> Detect,
    /// Well-known server ports, tried when no content test said yes.
    pub ports: &'static [u16],
    /// A dissector for a flow recognised from `probe`.
    pub new: fn(&Probe<'_>) -> Box<dyn Dissector>,
    /// Every field the protocol labels bytes with.
    pub fields: &'static [FieldId],
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Protocols over TCP, in the order their content tests run.
pub static TCP: &[&Protocol] = &[
    &super::ssh::PROTOCOL,
    &super::tls::PROTOCOL,
    &super::openvpn::PROTOCOL,
    &super::sip::PROTOCOL,
    &super::h2::PROTOCOL,
    &super::http::PROTOCOL,
    &super::postgres::PROTOCOL,
    &super::ldap::PROTOCOL,
    &super::xmpp::PROTOCOL,
    &super::mysql::PROTOCOL,
    &super::smb::PROTOCOL,
    &super::kerberos::PROTOCOL,
    &super::rdp::PROTOCOL,
    &super::mail::POP3,
    &super::mail::IMAP,
    &super::mail::FTP,
    &super::mail::SMTP,
    &super::redis::PROTOCOL,
    &super::socks::PROTOCOL,
    &super::mqtt::PROTOCOL,
    &super::telnet::PROTOCOL,
    &super::dns::TCP_PROTOCOL,
    &super::stun_tcp::PROTOCOL,
    // TLS from inside a record (a capture begun mid-connection), after every other
    // content test.
    &super::tls::MIDSTREAM,
    // Never recognised by content: announced by FTP (the flow table's expectations).
    &super::ftp_data::PROTOCOL,
    // Never recognised by content: announced by HTTP's Upgrade.
    &super::websocket::PROTOCOL,
];

/// Protocols over UDP, in the order their content tests run.
pub static UDP: &[&Protocol] = &[
    &super::quic::PROTOCOL,
    &super::quic::gquic::PROTOCOL,
    &super::dtls::PROTOCOL,
    &super::stun::PROTOCOL,
    &super::wireguard::PROTOCOL,
    &super::ike::PROTOCOL,
    &super::esp::PROTOCOL,
    &super::openvpn::PROTOCOL,
    &super::kerberos::PROTOCOL,
    &super::snmp::PROTOCOL,
    &super::sip::PROTOCOL,
    &super::dns::UDP_PROTOCOL,
    &super::quic::MIDSTREAM,
    &super::rtp::PROTOCOL,
];

/// Every registered protocol, TCP's then UDP's (a protocol on both appears once per
/// transport).
pub fn all() -> impl Iterator<Item = &'static Protocol> {
    TCP.iter().chain(UDP.iter()).copied()
}

/// What the first bytes of a direction say.
#[derive(Debug)]
pub enum Found {
    Protocol(&'static Protocol),
    /// Nothing recognised the bytes: unknown payload.
    Unknown,
    /// Ask again with more bytes.
    NeedMore,
}

/// Recognises a protocol from a direction's first bytes (content first, port second).
/// With `flush` (no more bytes will come before a decision is needed), never
/// `NeedMore`.
pub fn detect(probe: &Probe<'_>, flush: bool) -> Found {
    detect_expected(probe, flush, None)
}

/// As [`detect`], for a connection another one announced as `expected` (an FTP data
/// connection): content first, then the announcement, then the port.
pub fn detect_expected(
    probe: &Probe<'_>,
    flush: bool,
    expected: Option<&'static Protocol>,
) -> Found {
    let table = match probe.transport {
        Transport::Tcp => TCP,
        Transport::Udp => UDP,
    };
    let mut undecided = false;
    for p in table {
        match (p.detect)(probe) {
            Detect::Yes => return Found::Protocol(p),
            Detect::NeedMore if !flush => undecided = true,
            _ => {}
        }
    }
    if undecided {
        return Found::NeedMore;
    }
    if let Some(p) = expected {
        return Found::Protocol(p);
    }
    let by_port = |p: &&&Protocol| match probe.transport {
        Transport::Tcp => p.ports.contains(&probe.server_port),
        Transport::Udp => probe.either_port(p.ports),
    };
    match table.iter().find(by_port) {
        Some(p) => Found::Protocol(p),
        None => Found::Unknown,
    }
}

/// A dissector for what `detect` found: the protocol's own, or unknown payload.
pub fn dissector(found: &Found, probe: &Probe<'_>) -> Box<dyn Dissector> {
    match found {
        Found::Protocol(p) => (p.new)(probe),
        Found::Unknown | Found::NeedMore => Box::new(super::unknown::Unknown::new(probe)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(bytes: &[u8], server_port: u16) -> Probe<'_> {
        Probe {
            bytes,
            dir: Direction::ToServer,
            transport: Transport::Tcp,
            client_port: 40000,
            server_port,
        }
    }

    fn name(f: Found) -> &'static str {
        match f {
            Found::Protocol(p) => p.name,
            Found::Unknown => "unknown",
            Found::NeedMore => "need more",
        }
    }

    #[test]
    fn content_wins_over_port() {
        // An HTTP request to the SMTP port is HTTP.
        assert_eq!(
            name(detect(&probe(b"GET / HTTP/1.1\r\n", 25), false)),
            "HTTP"
        );
        // Nothing in the bytes: the port decides.
        assert_eq!(name(detect(&probe(b"\x00\x01", 25), true)), "SMTP");
        assert_eq!(name(detect(&probe(b"\x00\x01", 9), true)), "unknown");
    }

    #[test]
    fn too_few_bytes_wait_unless_flushed() {
        assert_eq!(name(detect(&probe(b"\x16\x03", 443), false)), "need more");
        assert_eq!(name(detect(&probe(b"\x16\x03", 9), true)), "unknown");
    }

    #[test]
    fn every_protocol_has_a_name_and_fields_with_unique_names() {
        let mut names: Vec<&str> = crate::fields::all().map(|f| f.name()).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a field name is registered twice");
        for p in all() {
            assert!(!p.name.is_empty());
        }
    }
}

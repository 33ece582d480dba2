//! Field definitions: every span points at one of these.
//!
//! A protocol defines its own fields at the top of its file with [`fields!`], as
//! Wireshark's dissectors register their `hf_` entries: a dotted name (Wireshark's
//! display-filter name where one exists: `ip.src`, `tcp.dstport`, `tls.handshake.type`,
//! so an analyst can carry them across), the protocol, the field's [`Role`], the default
//! [`Visibility`] of its bytes, for facts worth pointing at a [`LeakKind`], and one line
//! of meaning citing the RFC section that defines it. [`all`] lists every field of the
//! decoders and of every registered protocol.
//!
//! What a byte *is* is decided by its field's definition, never by its name: whether
//! readable bytes count as application content (what `check --deny plaintext` denies)
//! is the field's [`Role`].

use crate::span::{LeakKind, Visibility};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::LazyLock;

/// What a field's bytes are to the conversation, whoever can read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Link, network, transport and tunnel headers, and a protocol's own framing
    /// (TLS record headers, QUIC packet headers): what delivery needs.
    Header,
    /// Negotiation of a security protocol: TLS hellos and certificates, SSH banners and
    /// key exchange, QUIC's CRYPTO frames. Readable or not, it is not what the
    /// endpoints said to each other.
    Handshake,
    /// Application content: what the endpoints said (a plaintext protocol, TLS
    /// application data). Readable content is what `--deny plaintext` denies.
    Content,
    /// Bytes nothing classified.
    Unknown,
}

/// A field definition (see the module documentation).
#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    /// The protocol that defines the field, as a flow's stack names it.
    pub proto: &'static str,
    pub role: Role,
    pub vis: Visibility,
    pub leak: Option<LeakKind>,
    pub doc: &'static str,
    /// The field's place in [`all`] ([`Placed`]), written once when the
    /// places are first asked; [`UNNUMBERED`] until then. Set by [`fields!`].
    #[doc(hidden)]
    pub place: AtomicU16,
}

/// A field: a reference to its static definition. Two ids are equal when they point
/// at the same definition.
#[derive(Clone, Copy)]
pub struct FieldId(&'static FieldDef);

impl FieldId {
    pub const fn new(def: &'static FieldDef) -> FieldId {
        FieldId(def)
    }

    pub fn def(self) -> &'static FieldDef {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    pub fn role(self) -> Role {
        self.0.role
    }

    /// Whether a span of this field and one of `next` with the same visibility read
    /// alike to a sink that reads labels and content only (the byte map, flow reports
    /// and checks): both are headers or both handshake, and both name a leak or
    /// neither does, so that their bytes take the same label ([`crate::span::Label::of`]).
    /// Such a sink reads no field of a header or handshake span (reports take leaks from
    /// events, and plaintext from content spans, which never merge), and is handed
    /// consecutive spans of such fields as one ([`crate::engine::EngineConfig::fields`]):
    /// one span for IPv4's eight fixed fields between the length byte and the
    /// addresses, where eight, and one for the addresses and the ports after them,
    /// where four.
    pub fn reads_as(self, next: FieldId) -> bool {
        let (a, b) = (self.0, next.0);
        a.leak.is_some() == b.leak.is_some()
            && a.role == b.role
            && matches!(a.role, Role::Header | Role::Handshake)
    }
}

/// A field in two bytes, by its place in [`all`]: for what many flows keep (a label
/// history's entries, a TLS direction's record in progress).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed(u16);

impl Placed {
    pub fn of(field: FieldId) -> Placed {
        LazyLock::force(&NUMBERED);
        let place = field.0.place.load(Ordering::Relaxed);
        debug_assert!(
            place != UNNUMBERED,
            "{} is not in fields::all()",
            field.name()
        );
        Placed(place)
    }

    /// The label of bytes given this field with `vis`: the field and `vis`, or
    /// unclassified payload for a field [`all`] does not list (a bug).
    pub fn label(self, vis: Visibility) -> (FieldId, Visibility) {
        match NUMBERED.get(usize::from(self.0)) {
            Some(&f) => (f, vis),
            None => (PAYLOAD, Visibility::Undecoded),
        }
    }
}

/// A field's place before [`NUMBERED`] is made, and of a field [`all`] does not list.
#[doc(hidden)]
pub const UNNUMBERED: u16 = u16::MAX;

/// Every field in [`all`]'s order, made at first use; making it writes each field's
/// place into its definition, so that asking it is a load, not a lookup (a map from
/// field to place cost `show` 0.7% more instructions).
static NUMBERED: LazyLock<Vec<FieldId>> = LazyLock::new(|| {
    let list: Vec<FieldId> = all().collect();
    for (i, f) in list.iter().enumerate() {
        // A field listed twice keeps its first place; past 65,534 fields (a test
        // keeps them fewer) a field has none.
        let unplaced = f.0.place.load(Ordering::Relaxed) == UNNUMBERED;
        match u16::try_from(i) {
            Ok(i) if i != UNNUMBERED && unplaced => f.0.place.store(i, Ordering::Relaxed),
            _ => {}
        }
    }
    list
});

impl PartialEq for FieldId {
    fn eq(&self, other: &FieldId) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for FieldId {}

impl Hash for FieldId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::ptr::hash(self.0, state);
    }
}

impl fmt::Debug for FieldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Defines a module's fields: `NAME = "dotted.name", Role, Visibility, leak, "doc";`
/// after `proto = "NAME";`. Each becomes a `pub const NAME: FieldId`, and the module
/// gets `pub static FIELDS: &[FieldId]` listing them (for [`all`] and the registry).
#[macro_export]
macro_rules! fields {
    (proto = $proto:literal; $( $id:ident = $name:literal, $role:ident, $vis:ident, $leak:expr, $doc:literal; )*) => {
        /// The static definitions behind this module's field ids.
        #[allow(non_upper_case_globals)]
        mod field_defs {
            #[allow(unused_imports)]
            use $crate::span::LeakKind::*;
            $(
                pub static $id: $crate::fields::FieldDef = $crate::fields::FieldDef {
                    name: $name,
                    proto: $proto,
                    role: $crate::fields::Role::$role,
                    vis: $crate::span::Visibility::$vis,
                    leak: $leak,
                    doc: $doc,
                    place: ::std::sync::atomic::AtomicU16::new($crate::fields::UNNUMBERED),
                };
            )*
        }
        $( #[doc = $doc] pub const $id: $crate::fields::FieldId = $crate::fields::FieldId::new(&field_defs::$id); )*
        /// Every field this module defines.
        pub static FIELDS: &[$crate::fields::FieldId] = &[ $( $id, )* ];
    };
}

// Fields not tied to a protocol: whole frames, payload nobody claimed, padding.
fields! {
    proto = "data";
    // Whole-frame and generic payload fields.
    FRAME_UNKNOWN_LINK = "frame.unknown_link", Unknown, Undecoded, None, "frame of a link type eavesdrop does not decode";
    FRAME_CUT = "frame.cut", Unknown, Undecoded, None, "header bytes cut off before the layer could be decoded";
    PAYLOAD = "data", Unknown, Undecoded, None, "payload bytes not classified by any dissector";
    TEXT = "data.text", Content, Cleartext, None, "payload that is readable text";
    TRAILER = "eth.trailer", Header, Metadata, None, "bytes after the IP datagram (Ethernet padding)";
    // Payload heuristics.
    DATA_HIGH_ENTROPY = "data.high_entropy", Unknown, Undecoded, None, "unrecognised bytes that look encrypted or compressed";
    DATA_BINARY = "data.binary", Content, Cleartext, None, "unrecognised binary bytes that are not encrypted (entropy well below random's): an observer reads them as sent";
    DATA_UNCLEAR = "data.unclear", Unknown, Undecoded, None, "unrecognised binary bytes neither clearly random nor clearly structured";
    DATA_FULLY_ENCRYPTED = "data.fully_encrypted", Content, Opaque, None, "a stream of an unidentified protocol that looks encrypted from its first byte (Shadowsocks, VMess, obfs4 and the like)";
}

/// Every field: the decoders' and every registered protocol's, each once.
pub fn all() -> impl Iterator<Item = FieldId> {
    let mut lists: Vec<&'static [FieldId]> = vec![
        FIELDS,
        crate::decode::link::FIELDS,
        crate::decode::linktypes::FIELDS,
        crate::decode::wifi::FIELDS,
        crate::decode::ip::FIELDS,
        crate::decode::tcp::FIELDS,
        crate::decode::udp::FIELDS,
        crate::decode::icmp::FIELDS,
        crate::decode::esp::FIELDS,
        crate::decode::ah::FIELDS,
        crate::decode::tunnel::gre::FIELDS,
        crate::decode::tunnel::erspan::FIELDS,
        crate::decode::tunnel::vxlan::FIELDS,
        crate::decode::tunnel::geneve::FIELDS,
        crate::decode::tunnel::gtp::FIELDS,
        crate::decode::tunnel::teredo::FIELDS,
        crate::decode::tunnel::l2tp::FIELDS,
        // Parsers that protocols share (not flow protocols of their own).
        crate::proto::ntlmssp::FIELDS,
    ];
    for p in crate::proto::registry::all() {
        // The same list, by its fields' definitions: the slice itself may be copied
        // (a promoted constant can exist once per codegen unit), its statics cannot.
        let same = |l: &&[FieldId]| {
            l.len() == p.fields.len() && l.iter().zip(p.fields).all(|(a, b)| a == b)
        };
        if !lists.iter().any(same) {
            lists.push(p.fields);
        }
    }
    lists.into_iter().flatten().copied()
}

/// Looks a field up by its dotted name.
pub fn by_name(name: &str) -> Option<FieldId> {
    all().find(|f| f.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The label history keeps a field as its place in `all()`: every field has one,
    /// and the place gives the field back; a field without one (a bug) labels its
    /// bytes unclassified.
    #[test]
    fn every_field_has_a_place_that_gives_it_back() {
        let n = all().count();
        assert!(n < usize::from(u16::MAX), "{n} fields");
        let mut places = std::collections::HashSet::new();
        for f in all() {
            let placed = Placed::of(f);
            assert!(places.insert(placed.0), "{} shares a place", f.name());
            assert_eq!(placed.label(Visibility::Opaque), (f, Visibility::Opaque));
        }
        assert_eq!(
            Placed(UNNUMBERED).label(Visibility::Cleartext),
            (PAYLOAD, Visibility::Undecoded)
        );
    }

    #[test]
    fn names_are_unique_and_dotted() {
        let mut names: Vec<&str> = all().map(|f| f.name()).collect();
        names.sort_unstable();
        let n = names.len();
        let dups: Vec<String> = names
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0].to_string())
            .collect();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate field name: {dups:?}");
        for f in all() {
            assert!(
                f.name().contains('.') || f.name() == "data",
                "{} is not dotted",
                f.name()
            );
        }
    }

    #[test]
    fn constants_point_at_their_definitions() {
        use crate::decode::{ip, tcp};
        assert_eq!(ip::IP_SRC.name(), "ip.src");
        assert_eq!(tcp::TCP_DSTPORT.def().leak, Some(LeakKind::Port));
        assert_eq!(
            by_name("tls.app_data"),
            Some(crate::proto::tls::fields::TLS_APP_DATA)
        );
        assert_eq!(by_name("no.such.field"), None);
        assert_ne!(ip::IP_SRC, ip::IP_DST);
    }

    #[test]
    fn roles_come_from_definitions() {
        assert_eq!(crate::decode::ip::IP_SRC.role(), Role::Header);
        assert_eq!(crate::proto::http::HTTP_METHOD.role(), Role::Content);
        assert_eq!(
            crate::proto::tls::fields::TLS_HS_SNI.role(),
            Role::Handshake
        );
        assert_eq!(PAYLOAD.role(), Role::Unknown);
        assert!(all().all(|f| !f.def().proto.is_empty()));
    }
}

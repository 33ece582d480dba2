//! MQTT 3.1, 3.1.1 (OASIS, 2014) and 5.0 (OASIS, 2019) without TLS (MQTT over TLS,
//! port 8883, is TLS from the first byte).
//!
//! A packet is a fixed header (type and flags in one byte, then the remaining length as
//! a variable byte integer of at most four bytes: MQTT 3.1.1 section 2.2.3, 5.0
//! section 1.5.5), a variable header and a payload. CONNECT gives a client away: its
//! client ID and user name (identities), its password (a credential) and, in MQTT 5,
//! its authentication method and data; PUBLISH and SUBSCRIBE name topics, which often
//! name the devices and places they report on (leaks), and a PUBLISH payload is the
//! readable content itself. Packets are read through
//! [`framing::framed`](super::framing::framed): 64 KiB parsed whole, longer ones
//! labelled as they arrive, and after a gap the direction is classified, not parsed.

use super::framing::{app_event, framed, line_spans, Framing, Header};
use super::registry::{Detect, Probe, Protocol};
use super::{Desc, Direction, Dissector, Emitter, Facts, Fed};
use crate::codec::Reader;
use crate::fields::FieldId;
use crate::span::LeakKind;
use std::ops::Range;

crate::fields! {
    proto = "MQTT";
    MQTT_HDRFLAGS = "mqtt.hdrflags", Header, Metadata, None, "packet type and flags (MQTT 3.1.1 section 2.2)";
    MQTT_LEN = "mqtt.len", Header, Metadata, None, "remaining length, a variable byte integer (MQTT 3.1.1 section 2.2.3)";
    MQTT_BODY = "mqtt.body", Content, Cleartext, None, "variable header and payload fields not singled out by another field";
    MQTT_CLIENTID = "mqtt.clientid", Content, Cleartext, Some(Identity), "CONNECT client identifier (MQTT 3.1.1 section 3.1.3.1)";
    MQTT_USERNAME = "mqtt.username", Content, Cleartext, Some(UserName), "CONNECT user name (MQTT 3.1.1 section 3.1.3.4)";
    MQTT_PASSWD = "mqtt.passwd", Content, Cleartext, Some(Credential), "CONNECT password (MQTT 3.1.1 section 3.1.3.5)";
    MQTT_TOPIC = "mqtt.topic", Content, Cleartext, Some(Url), "topic name or filter: PUBLISH, SUBSCRIBE, UNSUBSCRIBE, CONNECT's will topic";
    MQTT_MSG = "mqtt.msg", Content, Cleartext, None, "application message: PUBLISH payload, CONNECT's will message";
    MQTT_PROPERTIES = "mqtt.properties", Content, Cleartext, None, "MQTT 5 properties (MQTT 5.0 section 2.2.2)";
    MQTT_AUTH_DATA = "mqtt.auth_data", Content, Cleartext, Some(Credential), "MQTT 5 authentication data property (MQTT 5.0 section 3.1.2.11.10)";
}

/// MQTT: a CONNECT packet naming the protocol, or the port.
pub static PROTOCOL: Protocol = Protocol {
    name: "MQTT",
    detect,
    ports: &[1883],
    new: |_| Box::<Mqtt>::default(),
    fields: FIELDS,
};

fn detect(p: &Probe<'_>) -> Detect {
    let b = p.bytes;
    if !p.from_client() || b.first() != Some(&0x10) {
        return Detect::No;
    }
    match remaining_length(b.get(1..).unwrap_or(&[])) {
        Varint::NeedMore => Detect::NeedMore,
        Varint::Bad => Detect::No,
        Varint::Value(_, n) => {
            let name = b.get(1 + n..).unwrap_or(&[]);
            let known = [&b"\x00\x04MQTT"[..], b"\x00\x06MQIsdp"];
            if known.iter().any(|k| name.starts_with(k)) {
                Detect::Yes
            } else if known.iter().any(|k| k.starts_with(name)) {
                Detect::NeedMore
            } else {
                Detect::No
            }
        }
    }
}

/// A variable byte integer (MQTT 3.1.1 section 2.2.3): its value and its length.
enum Varint {
    Value(u32, usize),
    NeedMore,
    /// A fifth byte would be needed: not MQTT.
    Bad,
}

fn remaining_length(b: &[u8]) -> Varint {
    let mut value = 0u32;
    for i in 0..4 {
        let Some(&byte) = b.get(i) else {
            return Varint::NeedMore;
        };
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Varint::Value(value, i + 1);
        }
    }
    Varint::Bad
}

/// A variable byte integer at the reader.
fn varint(r: &mut Reader<'_>) -> Option<u32> {
    match remaining_length(r.rest()) {
        Varint::Value(v, n) => {
            r.skip(n)?;
            Some(v)
        }
        _ => None,
    }
}

/// One MQTT connection.
#[derive(Debug, Default)]
pub struct Mqtt {
    dirs: [Framing; 2],
    /// The CONNECT's protocol level: 3 (3.1), 4 (3.1.1), 5 (5.0); none seen: 4.
    level: Option<u8>,
    client_id: Option<String>,
    user: Option<String>,
}

/// One packet's field ranges, credentials, leaks.
#[derive(Default)]
struct Parts {
    parts: Vec<(Range<usize>, FieldId)>,
    secrets: Vec<String>,
    leaks: Vec<(LeakKind, String)>,
    /// A sink prints the packet's description ([`Emitter::descriptions`]): else only
    /// its labels, leaks and credentials are made.
    describe: bool,
}

impl Parts {
    fn add(&mut self, r: Range<usize>, f: FieldId) {
        self.parts.push((r, f));
    }
}

impl Dissector for Mqtt {
    fn feed(
        &mut self,
        dir: Direction,
        base: u64,
        data: &[u8],
        flush: bool,
        out: &mut Emitter,
    ) -> Fed {
        let d = dir.index();
        let mut state = self.dirs.get_mut(d).map(std::mem::take).unwrap_or_default();
        let header = |b: &[u8]| match b.first() {
            None => Header::NeedMore,
            Some(t) if t >> 4 == 0 => Header::Bad,
            Some(_) => match remaining_length(b.get(1..).unwrap_or(&[])) {
                Varint::NeedMore => Header::NeedMore,
                Varint::Bad => Header::Bad,
                Varint::Value(v, n) => Header::Len(1 + n + v as usize),
            },
        };
        let fed = framed(
            &mut state,
            data,
            base,
            flush,
            out,
            MQTT_BODY,
            "MQTT",
            header,
            |at, m, out| self.packet(dir, at, m, out),
        );
        if let Some(slot) = self.dirs.get_mut(d) {
            *slot = state;
        }
        fed
    }

    fn gap(&mut self, dir: Direction, _: u64, _: u64, _: &mut Emitter) {
        if let Some(state) = self.dirs.get_mut(dir.index()) {
            state.lose();
        }
    }

    fn facts(&self, facts: &mut Facts) {
        facts.stack.push("MQTT".into());
        let version = self.level.map(|l| match l {
            3 => "3.1".to_string(),
            4 => "3.1.1".to_string(),
            5 => "5.0".to_string(),
            l => format!("level {l}"),
        });
        facts.details_known([
            ("mqtt.version", &version),
            ("mqtt.clientid", &self.client_id),
            ("mqtt.username", &self.user),
        ]);
    }
}

/// A UTF-8 string with a two-byte length: its range (or `None` when cut off).
fn string(r: &mut Reader<'_>) -> Option<Range<usize>> {
    let n = usize::from(r.u16()?);
    let start = r.pos();
    r.skip(n)?;
    Some(start..start + n)
}

fn lossy(m: &[u8], r: &Range<usize>) -> String {
    crate::text::shorten(&crate::text::lossy(m.get(r.clone()).unwrap_or(&[])), 72)
}

const NAMES: [&str; 16] = [
    "reserved",
    "CONNECT",
    "CONNACK",
    "PUBLISH",
    "PUBACK",
    "PUBREC",
    "PUBREL",
    "PUBCOMP",
    "SUBSCRIBE",
    "SUBACK",
    "UNSUBSCRIBE",
    "UNSUBACK",
    "PINGREQ",
    "PINGRESP",
    "DISCONNECT",
    "AUTH",
];

impl Mqtt {
    fn v5(&self) -> bool {
        self.level == Some(5)
    }

    /// Labels and describes one packet (possibly cut short).
    fn packet(&mut self, _dir: Direction, at: u64, m: &[u8], out: &mut Emitter) {
        let mut p = Parts {
            describe: out.descriptions(),
            ..Parts::default()
        };
        let mut r = Reader::new(m);
        let first = r.u8().unwrap_or(0);
        p.add(0..1, MQTT_HDRFLAGS);
        let _ = varint(&mut r);
        p.add(1..r.pos(), MQTT_LEN);
        let kind = first >> 4;
        let name = NAMES.get(usize::from(kind)).copied().unwrap_or("reserved");
        let detail = match kind {
            1 => self.connect(m, &mut r, &mut p),
            2 => self.connack(&mut r),
            3 => self.publish(first, m, &mut r, &mut p),
            8 | 10 => self.subscribe(kind == 8, m, &mut r, &mut p),
            _ => {
                if self.v5() && r.left() > 2 && matches!(kind, 4..=7 | 9 | 11) {
                    p.add(r.pos()..m.len(), MQTT_BODY);
                }
                String::new()
            }
        };
        p.parts.sort_by_key(|(r, _)| r.start);
        line_spans(out, at, m.len(), &p.parts, MQTT_BODY);
        for (kind, value) in p.leaks {
            out.event(at, Desc::Leak { kind, value });
        }
        let text = if p.describe {
            format!("{name}{detail}")
        } else {
            String::new()
        };
        app_event(out, at, "MQTT", text, p.secrets);
    }

    /// MQTT 5 properties at the reader: labelled; the authentication data is a
    /// credential, its method named.
    fn properties(&self, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> Option<String> {
        if !self.v5() {
            return None;
        }
        let start = r.pos();
        let len = usize::try_from(varint(r)?).ok()?;
        let end = r.pos().saturating_add(len).min(m.len());
        let mut auth = None;
        let method = self.property_list(m, r, end, p, &mut auth);
        // The properties, the authentication data apart.
        match auth {
            Some(a) => {
                p.add(start..a.start, MQTT_PROPERTIES);
                p.add(a.end..end, MQTT_PROPERTIES);
                p.add(a, MQTT_AUTH_DATA);
            }
            None => p.add(start..end, MQTT_PROPERTIES),
        }
        method
    }

    /// The properties from the reader to `end`; the authentication method's name.
    fn property_list(
        &self,
        m: &[u8],
        r: &mut Reader<'_>,
        end: usize,
        p: &mut Parts,
        auth: &mut Option<Range<usize>>,
    ) -> Option<String> {
        let mut props = Reader::new(m.get(..end)?);
        props.skip(r.pos())?;
        let _ = r.skip(end - r.pos());
        let mut method = None;
        while !props.is_empty() {
            let id = varint(&mut props)?;
            match id {
                0x01 | 0x17 | 0x19 | 0x24 | 0x25 | 0x28..=0x2a => props.skip(1)?,
                0x13 | 0x21..=0x23 => props.skip(2)?,
                0x02 | 0x11 | 0x18 | 0x27 => props.skip(4)?,
                0x0b => {
                    varint(&mut props)?;
                }
                0x15 => method = Some(lossy(m, &string(&mut props)?)),
                0x16 => {
                    let data = string(&mut props)?;
                    let shown = match std::str::from_utf8(m.get(data.clone())?) {
                        Ok(s) if s.chars().all(|c| !c.is_control()) => s.to_string(),
                        _ => hex::encode(m.get(data.clone())?),
                    };
                    p.secrets
                        .push(format!("auth-data={}", crate::text::shorten(&shown, 72)));
                    *auth = Some(data);
                }
                0x03 | 0x08 | 0x09 | 0x12 | 0x1a | 0x1c | 0x1f => {
                    string(&mut props)?;
                }
                0x26 => {
                    string(&mut props)?;
                    string(&mut props)?;
                }
                _ => return method,
            }
        }
        method
    }

    /// CONNECT: protocol name and level, flags, keep alive, [properties], client ID,
    /// [will properties, will topic, will message], [user name], [password].
    fn connect(&mut self, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> String {
        let Some(proto) = string(r) else {
            return " (cut off)".into();
        };
        let (Some(level), Some(flags), Some(_keepalive)) = (r.u8(), r.u8(), r.u16()) else {
            return " (cut off)".into();
        };
        self.level = Some(level);
        let mut text = String::new();
        if level != 4 {
            text.push_str(&format!(" {} level {level}", lossy(m, &proto)));
        }
        let method = self.properties(m, r, p);
        let Some(id) = string(r) else {
            return text;
        };
        let client = lossy(m, &id);
        text.push_str(&format!(" client={client}"));
        p.leaks
            .push((LeakKind::Identity, format!("client={client}")));
        self.client_id = Some(client);
        p.add(id, MQTT_CLIENTID);
        if flags & 0x04 != 0 {
            self.properties(m, r, p);
            let Some(topic) = string(r) else {
                return text;
            };
            let t = lossy(m, &topic);
            text.push_str(&format!(" will={t}"));
            p.leaks.push((LeakKind::Url, format!("topic={t}")));
            p.add(topic, MQTT_TOPIC);
            let Some(msg) = string(r) else {
                return text;
            };
            p.add(msg, MQTT_MSG);
        }
        let mut secret = Vec::new();
        if flags & 0x80 != 0 {
            if let Some(u) = string(r) {
                let user = lossy(m, &u);
                p.leaks.push((LeakKind::UserName, user.clone()));
                secret.push(format!("user={user}"));
                self.user = Some(user);
                p.add(u, MQTT_USERNAME);
            }
        }
        if flags & 0x40 != 0 {
            if let Some(pw) = string(r) {
                secret.push(format!("password={}", lossy(m, &pw)));
                p.add(pw, MQTT_PASSWD);
                p.secrets.insert(0, secret.join(" "));
                secret.clear();
            }
        }
        // A user name without a password is an identity, shown on the line.
        for s in secret {
            text.push(' ');
            text.push_str(&s);
        }
        if let Some(method) = method {
            text.push_str(&format!(" auth={method}"));
        }
        text
    }

    /// CONNACK: session present, return (3.1.1) or reason (5.0) code.
    fn connack(&self, r: &mut Reader<'_>) -> String {
        let (Some(_flags), Some(code)) = (r.u8(), r.u8()) else {
            return String::new();
        };
        let what = match (self.v5(), code) {
            (_, 0) => "accepted",
            (false, 1) => "refused: unacceptable protocol version",
            (false, 2) => "refused: identifier rejected",
            (false, 3) => "refused: server unavailable",
            (false, 4) => "refused: bad user name or password",
            (false, 5) => "refused: not authorized",
            (true, 0x18) => "continue authentication",
            (true, 0x84) => "refused: unsupported protocol version",
            (true, 0x85) => "refused: client identifier not valid",
            (true, 0x86) => "refused: bad user name or password",
            (true, 0x87) => "refused: not authorized",
            (true, 0x8c) => "refused: bad authentication method",
            _ => "refused",
        };
        format!(" {what}")
    }

    /// PUBLISH: topic, [packet ID], [properties], payload.
    fn publish(&self, first: u8, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> String {
        let Some(topic) = string(r) else {
            return String::new();
        };
        let t = lossy(m, &topic);
        p.leaks.push((LeakKind::Url, format!("topic={t}")));
        p.add(topic, MQTT_TOPIC);
        if (first >> 1) & 3 != 0 {
            let _ = r.u16();
        }
        self.properties(m, r, p);
        let payload = r.pos()..m.len();
        let n = payload.len();
        p.add(payload, MQTT_MSG);
        if !p.describe {
            return String::new();
        }
        format!(" {t} ({})", crate::text::plural(n as u64, "byte"))
    }

    /// SUBSCRIBE and UNSUBSCRIBE: packet ID, [properties], topic filters (each with
    /// its options byte in SUBSCRIBE).
    fn subscribe(&self, options: bool, m: &[u8], r: &mut Reader<'_>, p: &mut Parts) -> String {
        let _ = r.u16();
        self.properties(m, r, p);
        let mut topics = Vec::new();
        while let Some(t) = string(r) {
            let name = lossy(m, &t);
            p.leaks.push((LeakKind::Url, format!("topic={name}")));
            topics.push(name);
            p.add(t, MQTT_TOPIC);
            if options && r.u8().is_none() {
                break;
            }
        }
        if topics.is_empty() || !p.describe {
            String::new()
        } else {
            format!(" {}", crate::text::shorten(&topics.join(", "), 72))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(first: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![first];
        let mut n = body.len();
        loop {
            let mut b = (n % 128) as u8;
            n /= 128;
            if n > 0 {
                b |= 0x80;
            }
            m.push(b);
            if n == 0 {
                break;
            }
        }
        m.extend_from_slice(body);
        m
    }

    fn s(x: &[u8]) -> Vec<u8> {
        let mut v = (x.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(x);
        v
    }

    fn connect(level: u8, props: &[u8]) -> Vec<u8> {
        let mut b = s(b"MQTT");
        b.extend_from_slice(&[level, 0xc6, 0, 60]);
        if level == 5 {
            b.extend_from_slice(props);
        }
        b.extend(s(b"sensor-7"));
        if level == 5 {
            b.push(0);
        }
        b.extend(s(b"home/sensor-7/status"));
        b.extend(s(b"offline"));
        b.extend(s(b"alice"));
        b.extend(s(b"secret"));
        packet(0x10, &b)
    }

    fn run(q: &mut Mqtt, dir: Direction, bytes: &[u8]) -> (Vec<&'static str>, Vec<String>) {
        let mut out = Emitter::default();
        assert_eq!(
            q.feed(dir, 0, bytes, false, &mut out),
            Fed::Done(bytes.len())
        );
        let mut labels = vec![""; bytes.len()];
        for sp in &out.spans {
            for i in sp.range.clone() {
                labels[i as usize] = sp.field.name();
            }
        }
        let events = out
            .events
            .iter()
            .map(|e| match &e.desc {
                Desc::App { text, leaks, .. } => format!("{text} {leaks:?}"),
                Desc::Leak { kind, value } => format!("{} {value}", kind.name()),
                d => format!("{d:?}"),
            })
            .collect();
        (labels, events)
    }

    fn at<'a>(labels: &[&'a str], bytes: &[u8], needle: &[u8]) -> &'a str {
        labels[bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()]
    }

    #[test]
    fn connect_311_names_client_user_password_and_will() {
        let c = connect(4, &[]);
        let mut q = Mqtt::default();
        let (labels, events) = run(&mut q, Direction::ToServer, &c);
        assert_eq!(at(&labels, &c, b"sensor-7"), "mqtt.clientid");
        assert_eq!(at(&labels, &c, b"alice"), "mqtt.username");
        assert_eq!(at(&labels, &c, b"secret"), "mqtt.passwd");
        assert_eq!(at(&labels, &c, b"home/"), "mqtt.topic");
        assert_eq!(at(&labels, &c, b"offline"), "mqtt.msg");
        assert_eq!(labels[0], "mqtt.hdrflags");
        assert_eq!(labels[1], "mqtt.len");
        assert_eq!(
            events.last().unwrap(),
            "CONNECT client=sensor-7 will=home/sensor-7/status [\"user=alice password=secret\"]"
        );
        assert!(events.contains(&"user name alice".to_string()));
        let (_, events) = run(&mut q, Direction::ToClient, &[0x20, 2, 0, 5]);
        assert_eq!(events, ["CONNACK refused: not authorized []"]);
    }

    #[test]
    fn mqtt5_properties_and_authentication_data() {
        // Properties: session expiry (4 bytes), auth method "SCRAM-SHA-1", auth data.
        let mut props = vec![0x11, 0, 0, 0, 10, 0x15];
        props.extend(s(b"SCRAM-SHA-1"));
        props.push(0x16);
        props.extend(s(b"n,,n=alice,r=abc"));
        let mut with_len = vec![props.len() as u8];
        with_len.extend(props);
        let c = connect(5, &with_len);
        let mut q = Mqtt::default();
        let (labels, events) = run(&mut q, Direction::ToServer, &c);
        assert_eq!(at(&labels, &c, b"n,,n="), "mqtt.auth_data");
        assert_eq!(at(&labels, &c, b"SCRAM"), "mqtt.properties");
        assert!(
            events.last().unwrap().contains(
                "auth=SCRAM-SHA-1 [\"user=alice password=secret\", \"auth-data=n,,n=alice,r=abc\"]"
            ),
            "{events:?}"
        );
        // A v5 PUBLISH with QoS 1: topic, packet ID, properties, payload.
        let mut b = s(b"home/kitchen/temp");
        b.extend_from_slice(&[0, 7, 0]);
        b.extend_from_slice(b"21.5");
        let publish = packet(0x32, &b);
        let (labels, events) = run(&mut q, Direction::ToServer, &publish);
        assert_eq!(at(&labels, &publish, b"21.5"), "mqtt.msg");
        assert_eq!(
            events.last().unwrap(),
            "PUBLISH home/kitchen/temp (4 bytes) []"
        );
        let mut f = Facts::default();
        q.facts(&mut f);
        assert!(f.details.contains(&("mqtt.version", "5.0".into())));
    }

    #[test]
    fn subscribe_topics_are_leaks() {
        let mut b = vec![0, 1];
        b.extend(s(b"home/#"));
        b.push(1);
        b.extend(s(b"office/+/door"));
        b.push(0);
        let sub = packet(0x82, &b);
        let (labels, events) = run(&mut Mqtt::default(), Direction::ToServer, &sub);
        assert_eq!(at(&labels, &sub, b"office"), "mqtt.topic");
        assert_eq!(
            events,
            [
                "URL topic=home/#",
                "URL topic=office/+/door",
                "SUBSCRIBE home/#, office/+/door []"
            ]
        );
    }

    #[test]
    fn remaining_length_of_five_bytes_is_not_mqtt() {
        let m = [0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0];
        let mut q = Mqtt::default();
        let mut out = Emitter::default();
        assert_eq!(
            q.feed(Direction::ToServer, 0, &m, false, &mut out),
            Fed::Done(m.len())
        );
        assert!(out
            .notes
            .iter()
            .any(|n| n.text.contains("no MQTT message starts here")));
        // The largest four-byte length (256 MiB) is labelled as it arrives.
        let mut big = vec![0x30, 0xff, 0xff, 0xff, 0x7f, 0, 1, b't'];
        big.extend(std::iter::repeat_n(b'x', 100_000));
        let mut q = Mqtt::default();
        let mut base = 0u64;
        for chunk in big.chunks(1448) {
            let Fed::Done(n) = q.feed(Direction::ToServer, base, chunk, false, &mut out) else {
                panic!()
            };
            assert!(chunk.len() - n < 5);
            base += n as u64;
        }
    }

    #[test]
    fn every_prefix_is_safe() {
        let mut props = vec![0x15];
        props.extend(s(b"X"));
        let mut with_len = vec![props.len() as u8 + 9];
        with_len.extend(props);
        let c = connect(5, &with_len);
        for n in 0..=c.len() {
            for dir in [Direction::ToServer, Direction::ToClient] {
                let mut q = Mqtt::default();
                let mut out = Emitter::default();
                q.feed(dir, 0, &c[..n], true, &mut out);
                q.level = Some(5);
                q.packet(dir, 0, &c[..n], &mut out);
            }
        }
    }

    #[test]
    fn detection() {
        fn probe(bytes: &[u8]) -> Probe<'_> {
            Probe {
                bytes,
                dir: Direction::ToServer,
                transport: crate::decode::Transport::Tcp,
                client_port: 40000,
                server_port: 11883,
            }
        }
        assert_eq!(detect(&probe(&connect(4, &[]))), Detect::Yes);
        assert_eq!(detect(&probe(&[0x10])), Detect::NeedMore);
        assert_eq!(detect(&probe(&[0x10, 20, 0, 4, b'M'])), Detect::NeedMore);
        assert_eq!(detect(&probe(&[0x10, 20, 0, 4, b'X'])), Detect::No);
        assert_eq!(
            detect(&probe(&[0x10, 0xff, 0xff, 0xff, 0xff, 1])),
            Detect::No
        );
    }
}

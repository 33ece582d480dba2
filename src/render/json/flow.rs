//! A flow report as JSON (`"type": "flow"`): a tree of borrowed fields serialized in
//! place. `flows --json` writes a line per flow, and data tools read millions of them:
//! building a `serde_json::Value` first (a map of owned keys per object) cost some
//! 150,000 instructions a flow, most of the time `flows --json` took. The keys come in
//! the order of the fields below, the order docs/json.md shows. `flow_json` gives the
//! same as a `Value`, for the HTML page and Parquet, which edit or walk it.

use super::{rfc3339, LabelCounts, VERSION};
use crate::proto::tls::{cipher_name, CertNames, TlsFacts, TlsVersion};
use crate::proto::{Direction, Protection};
use crate::report::{DirStats, FlowReport, LeakSeen, Message, NameSeen};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};
use std::net::IpAddr;

/// One flow report, as `flows --json` writes it.
#[derive(Serialize)]
pub struct FlowJson<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    file: &'a str,
    id: u64,
    transport: &'static str,
    client: Endpoint,
    server: Endpoint,
    first_frame: u64,
    last_frame: u64,
    start: Option<String>,
    duration: f64,
    end: &'static str,
    syn_seen: bool,
    stack: &'a [String],
    to_server: DirJson<'a>,
    to_client: DirJson<'a>,
    tls: Option<TlsJson<'a>>,
    decryption: Value,
    protection: Option<ProtectionJson<'a>>,
    details: Details<'a>,
    leaks: Vec<LeakJson<'a>>,
    leaks_dropped: u64,
    conversation: Option<String>,
    messages: Vec<MessageJson>,
    messages_dropped: u64,
    names: Vec<NameJson<'a>>,
    notes: u64,
    verdict: String,
}

#[derive(Serialize)]
struct Endpoint {
    ip: IpAddr,
    port: u16,
}

#[derive(Serialize)]
struct DirJson<'a> {
    packets: u64,
    bytes: u64,
    payload: LabelCounts<'a>,
    plaintext: u64,
    sizes: &'a [u32],
    decrypted: Value,
}

#[derive(Serialize)]
struct VersionJson {
    id: u16,
    name: String,
}

#[derive(Serialize)]
struct CipherJson {
    id: u16,
    name: String,
}

#[derive(Serialize)]
struct CertJson<'a> {
    subject: &'a str,
    issuer: &'a str,
    san: &'a [String],
}

#[derive(Serialize)]
struct TlsJson<'a> {
    version: Option<VersionJson>,
    offered: Option<VersionJson>,
    cipher: Option<CipherJson>,
    sni: &'a Option<String>,
    ech: bool,
    alpn_offered: &'a [String],
    alpn: &'a Option<String>,
    certificates: Vec<CertJson<'a>>,
    client_hello_seen: bool,
    server_hello_seen: bool,
    resumed: bool,
    weaknesses: Vec<String>,
    ja3: &'a Option<crate::proto::tls::fingerprint::Md5Print>,
    ja3s: &'a Option<crate::proto::tls::fingerprint::Md5Print>,
    ja4: &'a Option<crate::proto::tls::fingerprint::Ja4>,
}

#[derive(Serialize)]
struct ProtectionJson<'a> {
    protocol: &'a str,
    cipher: &'a Option<String>,
    mac: &'a Option<String>,
    readable: bool,
    weaknesses: &'a [String],
}

#[derive(Serialize)]
struct LeakJson<'a> {
    kind: &'static str,
    value: &'a str,
    frame: u64,
    direction: &'static str,
}

#[derive(Serialize)]
struct PlainLenJson {
    min: u64,
    max: u64,
}

#[derive(Serialize)]
struct MessageJson {
    direction: &'static str,
    frame: u64,
    records: u32,
    plaintext_len: PlainLenJson,
}

#[derive(Serialize)]
struct NameJson<'a> {
    name: &'a str,
    source: &'static str,
    frame: u64,
}

/// A flow's other facts by dotted name: one key each, where it first came, with the
/// last value given for it (what a JSON object made by inserting them in turn holds).
struct Details<'a>(&'a [(&'static str, String)]);

impl Serialize for Details<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let all = self.0;
        let mut map = s.serialize_map(None)?;
        for (i, (key, _)) in all.iter().enumerate() {
            if all
                .get(..i)
                .is_some_and(|b| b.iter().any(|(k, _)| k == key))
            {
                continue;
            }
            if let Some((_, value)) = all.iter().rev().find(|(k, _)| k == key) {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

pub(super) fn dir_name(d: Direction) -> &'static str {
    match d {
        Direction::ToServer => "to_server",
        Direction::ToClient => "to_client",
    }
}

fn version_json(v: TlsVersion) -> VersionJson {
    VersionJson {
        id: v.0,
        name: v.label().into_owned(),
    }
}

fn tls_json(t: &TlsFacts) -> TlsJson<'_> {
    TlsJson {
        version: t.version.map(version_json),
        offered: t.offered.map(version_json),
        cipher: t.cipher.map(|c| CipherJson {
            id: c,
            name: cipher_name(c).into_owned(),
        }),
        sni: &t.sni,
        ech: t.ech,
        alpn_offered: &t.alpn_offered,
        alpn: &t.alpn_chosen,
        certificates: t.certificates.iter().map(cert_json).collect(),
        client_hello_seen: t.client_hello_seen,
        server_hello_seen: t.server_hello_seen,
        resumed: t.resumed,
        weaknesses: t.weaknesses(),
        ja3: &t.ja3,
        ja3s: &t.ja3s,
        ja4: &t.ja4,
    }
}

fn cert_json(c: &CertNames) -> CertJson<'_> {
    CertJson {
        subject: &c.subject,
        issuer: &c.issuer,
        san: &c.sans,
    }
}

fn protection_json(p: &Protection) -> ProtectionJson<'_> {
    ProtectionJson {
        protocol: &p.proto,
        cipher: &p.cipher,
        mac: &p.mac,
        readable: p.readable,
        weaknesses: &p.weaknesses,
    }
}

/// What decryption with the key log gave for a flow (`null` without one).
fn decryption_json(t: Option<&TlsFacts>) -> Value {
    let Some(d) = t.and_then(|t| t.decryption.as_ref()) else {
        return Value::Null;
    };
    json!({
        "status": d.status.word(),
        "says": d.says,
        "endpoints_only": d.secrets,
        "inner": d.inner,
    })
}

/// One direction's decrypted application data: records, bytes, and the SHA-256 of
/// the bytes in stream order (what `tshark -z follow,tls,raw` prints).
fn dir_decrypted_json(t: Option<&TlsFacts>, i: usize) -> Value {
    let Some(d) = t
        .and_then(|t| t.decryption.as_ref())
        .and_then(|d| d.dirs.get(i))
    else {
        return Value::Null;
    };
    json!({"records": d.records, "bytes": d.bytes, "sha256": d.sha256})
}

fn dir_json<'a>(d: &'a DirStats, tls: Option<&TlsFacts>, i: usize) -> DirJson<'a> {
    DirJson {
        packets: d.packets,
        bytes: d.bytes,
        payload: LabelCounts(&d.payload),
        plaintext: d.plaintext,
        sizes: &d.sizes,
        decrypted: dir_decrypted_json(tls, i),
    }
}

fn leak_json(l: &LeakSeen) -> LeakJson<'_> {
    LeakJson {
        kind: l.kind.name(),
        value: &l.value,
        frame: l.frame,
        direction: dir_name(l.dir),
    }
}

fn message_json(m: &Message) -> MessageJson {
    MessageJson {
        direction: dir_name(m.dir),
        frame: m.first_frame,
        records: m.records,
        plaintext_len: PlainLenJson {
            min: m.min,
            max: m.max,
        },
    }
}

fn name_json(n: &NameSeen) -> NameJson<'_> {
    NameJson {
        name: &n.name,
        source: n.source.name(),
        frame: n.frame,
    }
}

impl<'a> FlowJson<'a> {
    pub fn new(r: &'a FlowReport, file: &'a str) -> FlowJson<'a> {
        let duration = (r.end.sec as f64 - r.start.sec as f64)
            + (f64::from(r.end.nsec) - f64::from(r.start.nsec)) / 1e9;
        let tls = r.tls.as_deref();
        let f = r.findings();
        FlowJson {
            kind: "flow",
            version: VERSION,
            file,
            id: r.id,
            transport: match r.transport {
                crate::decode::Transport::Tcp => "tcp",
                crate::decode::Transport::Udp => "udp",
            },
            client: Endpoint {
                ip: r.client.0,
                port: r.client.1,
            },
            server: Endpoint {
                ip: r.server.0,
                port: r.server.1,
            },
            first_frame: r.first_frame,
            last_frame: r.last_frame,
            start: rfc3339(r.start),
            duration: (duration.max(0.0) * 1e6).round() / 1e6,
            end: r.end_reason.name(),
            syn_seen: r.syn_seen,
            stack: &r.stack,
            to_server: dir_json(&r.dirs[0], tls, 0),
            to_client: dir_json(&r.dirs[1], tls, 1),
            tls: tls.map(tls_json),
            decryption: decryption_json(tls),
            protection: r.protection.as_deref().map(protection_json),
            details: Details(&f.details),
            leaks: f.leaks.iter().map(leak_json).collect(),
            leaks_dropped: f.leaks_dropped,
            conversation: r.conversation(),
            messages: f.messages.iter().map(message_json).collect(),
            messages_dropped: f.messages_dropped,
            names: f.names.iter().map(name_json).collect(),
            notes: r.notes,
            verdict: r.verdict(),
        }
    }
}

/// [`FlowJson`] as a `Value`, for sinks that edit or walk it (HTML, Parquet).
pub fn flow_json(r: &FlowReport, file: &str) -> Value {
    serde_json::to_value(FlowJson::new(r, file)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Label;

    /// Details are written as a JSON object made by inserting them in turn would hold
    /// them: one key each, where it first came, with the last value given for it.
    #[test]
    fn details_keep_the_first_place_and_the_last_value_of_a_key() {
        let cases: [&[(&'static str, String)]; 3] = [
            &[],
            &[("a", "1".into()), ("b", "2".into())],
            &[
                ("x", "1".into()),
                ("y", "2".into()),
                ("x", "3\n\"".into()),
                ("z", "4".into()),
                ("y", "5".into()),
            ],
        ];
        for d in cases {
            let inserted: serde_json::Map<String, Value> = d
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
                .collect();
            assert_eq!(
                serde_json::to_string(&Details(d)).unwrap(),
                serde_json::to_string(&Value::Object(inserted)).unwrap()
            );
        }
    }

    #[test]
    fn label_counts_are_keyed_by_the_labels_words_in_order() {
        let counts: [u64; Label::COUNT] = std::array::from_fn(|i| i as u64 * 1000 + 7);
        let text = serde_json::to_string(&LabelCounts(&counts)).unwrap();
        let words: Vec<String> = Label::ALL
            .iter()
            .map(|l| format!("\"{}\":{}", l.word(), counts[l.index()]))
            .collect();
        assert_eq!(text, format!("{{{}}}", words.join(",")));
    }

    /// The typed form and its `Value` write the same text, for a report with every
    /// part filled in.
    #[test]
    fn a_full_report_writes_the_same_through_a_value() {
        use crate::proto::NameSource;
        use crate::span::LeakKind;
        let mut r = FlowReport::new(
            7,
            crate::decode::Transport::Tcp,
            ("2001:db8::1".parse().unwrap(), 40000),
            ("10.0.0.2".parse().unwrap(), 443),
        );
        r.dirs[0].sizes = vec![1, 2, 3];
        r.dirs[1].payload = [5; Label::COUNT];
        r.end.sec = 3;
        r.end.nsec = 1_500;
        let f = r.findings_mut();
        f.leaks.push(LeakSeen {
            kind: LeakKind::Url,
            value: "ex\u{1b}ample".into(),
            frame: 4,
            dir: Direction::ToServer,
        });
        f.names.push(NameSeen {
            name: "example.org".into(),
            source: NameSource::Sni,
            frame: 4,
        });
        f.details.push(("http.user_agent", "curl".into()));
        r.protection = Some(Box::new(Protection {
            proto: "SSH-2.0".into(),
            cipher: Some("aes256-gcm@openssh.com".into()),
            mac: None,
            weaknesses: vec!["w".into()],
            readable: false,
        }));
        let mut tls = TlsFacts {
            version: Some(TlsVersion(0x0303)),
            cipher: Some(0xc02f),
            sni: Some("example.org".into()),
            ..TlsFacts::default()
        };
        tls.certificates.push(CertNames {
            subject: "CN=a".into(),
            issuer: "CN=b".into(),
            sans: vec!["a".into()],
        });
        r.tls = Some(Box::new(tls));
        let typed = serde_json::to_string(&FlowJson::new(&r, "f.pcap")).unwrap();
        let value = flow_json(&r, "f.pcap");
        assert_eq!(typed, serde_json::to_string(&value).unwrap());
        assert_eq!(value["client"]["ip"], "2001:db8::1");
        assert_eq!(value["tls"]["cipher"]["id"], 0xc02f);
        assert_eq!(value["duration"], 3.000002);
        assert_eq!(value["leaks"][0]["value"], "ex\u{1b}ample");
        assert!(typed.contains(r#""value":"ex\u001bample""#), "{typed}");
    }
}

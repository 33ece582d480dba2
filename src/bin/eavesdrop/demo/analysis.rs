//! What an act's capture shows, without a word of narration: the engine runs over the
//! capture, every released frame is kept, and from them come the frames that make the
//! act's point ([`Analysis::shown`]), the bytes in them that make it
//! ([`Analysis::marks`], most important first) and the facts an observer learned
//! ([`Learned`], one column of the closing table).
//!
//! The message is found by its bytes ([`MESSAGE`]) where it travels readable, and by
//! its size where it is encrypted: a client record of the message's length plus an
//! AEAD's overhead.

use super::page::{Mark, Want};
use super::{Act, Lesson, MESSAGE};
use eavesdrop::capture::Frame;
use eavesdrop::decode::Decoded;
use eavesdrop::proto::tls::{ContentType, HandshakeType, TlsVersion};
use eavesdrop::proto::{Desc, Direction};
use eavesdrop::report::FlowReport;
use eavesdrop::sink::{FrameView, Sink, Summary};
use eavesdrop::span::{ByteMap, Label};
use eavesdrop::{CaptureReader, Engine, EngineConfig};
use std::io;
use std::net::IpAddr;
use std::ops::Range;

/// Frames kept per act: demo captures are small, a live one is bounded by the demo
/// itself; this bounds anything else.
const MAX_KEPT: usize = 10_000;

/// A released frame, kept whole so the demo can pick and show it afterwards.
struct Kept {
    frame: Frame,
    decoded: Decoded,
    map: ByteMap,
    events: Vec<Desc>,
    flow: Option<(u64, Direction)>,
    decrypted: Vec<eavesdrop::proto::Decrypted>,
}

impl Kept {
    fn view(&self) -> FrameView<'_> {
        FrameView {
            frame: &self.frame,
            decoded: &self.decoded,
            map: &self.map,
            events: &self.events,
            flow: self.flow,
            decrypted: &self.decrypted,
        }
    }

    /// The transport payload's bytes.
    fn payload(&self) -> Option<&[u8]> {
        self.decoded
            .payload_range()
            .and_then(|r| self.frame.data.get(r.start as usize..r.end as usize))
    }

    fn carries_message(&self) -> bool {
        self.find(MESSAGE).is_some()
    }

    /// Where `needle` first appears in the payload, as frame offsets.
    fn find(&self, needle: &[u8]) -> Option<Range<u32>> {
        let from = self.decoded.payload_range()?.start;
        let at = self
            .payload()?
            .windows(needle.len().max(1))
            .position(|w| w == needle)?;
        let start = from + at as u32;
        Some(start..start + needle.len() as u32)
    }

    /// The leaks in the network and transport headers: addresses and ports.
    fn header_leaks(&self) -> Option<Range<u32>> {
        let from = self.decoded.net_offset;
        let end = self
            .decoded
            .payload_range()
            .map_or(self.map.len(), |r| r.start);
        let leaks = self
            .map
            .runs()
            .iter()
            .filter(|r| r.label == Label::Leak && r.start >= from && r.start < end);
        let start = leaks.clone().map(|r| r.start).min()?;
        let stop = leaks.map(|r| r.end.min(end)).max()?;
        Some(start..stop)
    }

    /// The first byte labelled opaque.
    fn first_opaque(&self) -> Option<Range<u32>> {
        let run = self.map.runs().iter().find(|r| r.label == Label::Opaque)?;
        Some(run.start..run.start + 1)
    }

    /// The opaque bytes of the payload, first to last.
    fn ciphertext(&self) -> Option<Range<u32>> {
        let payload = self.decoded.payload_range()?;
        let mut opaque = self
            .map
            .runs()
            .iter()
            .filter(|r| r.label == Label::Opaque && r.start >= payload.start);
        let first = opaque.next()?;
        let end = opaque.next_back().map_or(first.end, |r| r.end);
        Some(first.start..end)
    }

    fn starts(&self, msg: HandshakeType) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Desc::TlsHandshake { msg: m, .. } if *m == msg))
    }
}

#[derive(Default)]
struct Collect {
    frames: Vec<Kept>,
    reports: Vec<FlowReport>,
}

impl Sink for Collect {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        if self.frames.len() < MAX_KEPT {
            self.frames.push(Kept {
                frame: v.frame.clone(),
                decoded: v.decoded.clone(),
                map: v.map.clone(),
                events: v.events.to_vec(),
                flow: v.flow,
                decrypted: v.decrypted.to_vec(),
            });
        }
        Ok(())
    }
    fn warning(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &Summary) -> io::Result<()> {
        Ok(())
    }
    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        self.reports.push(r.clone());
        Ok(())
    }
}

/// Whether the message itself could be read on the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Some packet carries its bytes, labelled readable.
    Readable,
    /// No packet does.
    Opaque,
}

/// What the server's certificate gave away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Certificate {
    /// Sent in the clear (TLS 1.2 and before): the leaf's names, `CN=…` where it has one.
    Readable { subject: String, issuer: String },
    /// TLS 1.3: inside the encrypted handshake.
    Encrypted,
    /// TLS before 1.3, but no certificate was seen (a resumed session).
    NotSeen,
    /// No TLS version was negotiated (plaintext, or a handshake not captured).
    NoTls,
}

/// What one act showed an observer, for the closing table.
pub struct Learned {
    pub lesson: Lesson,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub sni: Option<String>,
    pub certificate: Certificate,
    pub version: Option<TlsVersion>,
    pub message: Message,
    /// The size of the encrypted record that carried the message.
    pub message_record: Option<u32>,
    /// With the endpoints' key log: the opaque bytes of the message's record, and
    /// the plaintext they hold.
    pub recovered: Option<(u32, String)>,
    /// What that record's size tells an observer about the message inside: (min,
    /// max) bytes, from the negotiated version and suite.
    pub message_inferred: Option<(u32, u32)>,
    /// Transport payload bytes an observer reads (readable and leaks), and cannot.
    pub readable: u64,
    pub opaque: u64,
}

/// One act, analysed.
pub struct Analysis {
    frames: Vec<Kept>,
    /// Numbers of the frames that make the act's point, in capture order.
    shown: Vec<u64>,
    /// The bytes in them that make it, most important first.
    pub marks: Vec<Mark>,
    pub learned: Learned,
}

impl Analysis {
    /// The frames that make the act's point, in capture order.
    pub fn shown(&self) -> Vec<FrameView<'_>> {
        self.frames
            .iter()
            .filter(|k| self.shown.contains(&k.frame.number))
            .map(Kept::view)
            .collect()
    }
}

/// Runs the engine over an act's capture.
pub fn analyse(act: &Act) -> anyhow::Result<Analysis> {
    let mut reader = CaptureReader::from_reader(io::Cursor::new(act.bytes.clone()), &act.name)?;
    let config = EngineConfig {
        reports: true,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(Collect::default(), config);
    if let Some(text) = &act.keylog {
        let mut log = eavesdrop::keys::KeyLog::new();
        log.add_text(text, &act.name)?;
        let ring = eavesdrop::keys::KeyRing::new(log);
        ring.set_keep_plaintext(true);
        engine.set_keys(ring);
    }
    while let Some(frame) = reader.next_frame() {
        engine.push(frame?)?;
    }
    let (c, _summary) = engine.finish()?;
    // The flow that carried the message: the one with the most payload.
    let r = c
        .reports
        .iter()
        .max_by_key(|r| r.payload().iter().sum::<u64>())
        .ok_or_else(|| anyhow::anyhow!("{}: no flow", act.name))?;
    let p = r.payload();
    let readable = c.frames.iter().any(|k| {
        k.carries_message()
            && k.map.count_in(k.decoded.payload_range().unwrap_or(0..0))[Label::Cleartext.index()]
                >= MESSAGE.len() as u64
    });
    let version = r.tls.as_ref().and_then(|t| t.version);
    let certificate = match (r.tls.as_ref().and_then(|t| t.certificates.first()), version) {
        (Some(c), _) => Certificate::Readable {
            subject: short(&c.subject),
            issuer: short(&c.issuer),
        },
        (None, Some(v)) if v.is_tls13() => Certificate::Encrypted,
        (None, Some(_)) => Certificate::NotSeen,
        (None, None) => Certificate::NoTls,
    };
    let learned = Learned {
        lesson: act.lesson,
        client: r.client,
        server: r.server,
        sni: r.tls.as_ref().and_then(|t| t.sni.clone()),
        certificate,
        version,
        message: if readable {
            Message::Readable
        } else {
            Message::Opaque
        },
        message_record: message_record(&c.frames).map(|(_, len, _)| len),
        recovered: recovered(&c.frames),
        message_inferred: message_record(&c.frames).and_then(|(_, _, p)| p),
        readable: p[Label::Cleartext.index()] + p[Label::Leak.index()],
        opaque: p[Label::Opaque.index()],
    };
    let shown = pick(&c.frames, act.lesson);
    let marks = marks(&c.frames, &shown, act.lesson, &learned);
    Ok(Analysis {
        frames: c.frames,
        shown,
        marks,
        learned,
    })
}

/// The bytes that make an act's point, most important first. Plaintext: the message
/// (read whole) and the addresses and ports, in the message and then in its echo.
/// TLS 1.2: the server name in the ClientHello, the issuer's name in the certificate,
/// then the message's record: its header, whose length gives the message's size
/// away, and its opaque body. TLS 1.3: the message's record header first (that the
/// message is opaque is the act's point), the server name, the first encrypted byte
/// after the ServerHello (where the certificate went), then the record's body.
fn marks(frames: &[Kept], shown: &[u64], lesson: Lesson, learned: &Learned) -> Vec<Mark> {
    let shown: Vec<&Kept> = frames
        .iter()
        .filter(|k| shown.contains(&k.frame.number))
        .collect();
    let mark = |k: &Kept, bytes: Option<Range<u32>>, want: Want| {
        bytes.map(|bytes| Mark {
            frame: k.frame.number,
            bytes,
            want,
        })
    };
    let hello = shown.iter().find(|k| k.starts(HandshakeType::CLIENT_HELLO));
    let server = shown.iter().find(|k| k.starts(HandshakeType::SERVER_HELLO));
    let record =
        message_record(frames).and_then(|(n, _, _)| shown.iter().find(|k| k.frame.number == n));
    let sni = hello.and_then(|k| {
        let name = learned.sni.as_deref()?;
        mark(k, k.find(name.as_bytes()), Want::Row)
    });
    let issuer = match &learned.certificate {
        Certificate::Readable { issuer, .. } => {
            let cn = issuer.strip_prefix("CN=").unwrap_or(issuer);
            shown
                .iter()
                .find_map(|k| mark(k, k.find(cn.as_bytes()), Want::Row))
        }
        _ => None,
    };
    let header = record.and_then(|k| {
        let start = k.decoded.payload_range()?.start;
        mark(k, Some(start..start + 5), Want::Row)
    });
    let body = record.and_then(|k| mark(k, k.ciphertext(), Want::Row));
    let encrypted = server.and_then(|k| mark(k, k.first_opaque(), Want::Row));
    let found: Vec<Option<Mark>> = match lesson {
        Lesson::Plaintext => shown
            .iter()
            .flat_map(|k| {
                [
                    mark(k, k.find(MESSAGE), Want::Whole),
                    mark(k, k.header_leaks(), Want::Row),
                ]
            })
            .collect(),
        Lesson::Tls12 => vec![sni, issuer, header, body],
        Lesson::Tls13 => vec![header, sni, encrypted, body],
    };
    found.into_iter().flatten().collect()
}

/// `O=Eavesdrop Teaching, CN=localhost` → `CN=localhost`.
fn short(name: &str) -> String {
    name.split(", ")
        .find(|p| p.starts_with("CN="))
        .unwrap_or(name)
        .to_string()
}

/// A plaintext length an observer infers: (min, max) bytes.
type Inferred = (u32, u32);

/// The client's TLS record whose size is the message plus an AEAD's overhead: a
/// 16-byte tag, and 1 content-type byte (TLS 1.3), an 8-byte explicit nonce (TLS 1.2
/// with AES-GCM) or nothing more (TLS 1.2 with ChaCha20-Poly1305). The size of the
/// ciphertext still tells the size of the message. Returns its frame, its size, and
/// the plaintext length eavesdrop infers from it (min, max).
fn message_record(frames: &[Kept]) -> Option<(u64, u32, Option<Inferred>)> {
    let want = MESSAGE.len() as u32;
    let fits = |len: u32| [want + 17, want + 24, want + 16].contains(&len);
    frames.iter().find_map(|k| {
        if k.flow.map(|(_, d)| d) != Some(Direction::ToServer) {
            return None;
        }
        k.events.iter().find_map(|e| match e {
            Desc::TlsRecord {
                content,
                len,
                plaintext,
                ..
            } if *content == ContentType::APPLICATION_DATA && fits(u32::from(*len)) => Some((
                k.frame.number,
                u32::from(*len),
                plaintext.map(|p| (p.min, p.max)),
            )),
            _ => None,
        })
    })
}

/// The client's record that the key log opens to the message: its opaque bytes (the
/// record body) and the plaintext, as the key holder reads it.
fn recovered(frames: &[Kept]) -> Option<(u32, String)> {
    let (number, len, _) = message_record(frames)?;
    let k = frames.iter().find(|k| k.frame.number == number)?;
    let d = k.decrypted.iter().find(|d| {
        d.content == ContentType::APPLICATION_DATA
            && d.plaintext.windows(MESSAGE.len()).any(|w| w == MESSAGE)
    })?;
    let text = String::from_utf8_lossy(&d.plaintext).trim_end().to_string();
    Some((len, text))
}

/// The frames that make an act's point, in capture order: in plaintext, the message
/// and the server's echo of it; over TLS, the ClientHello, the ServerHello (with the
/// certificate in TLS 1.2) and the message's record.
fn pick(frames: &[Kept], lesson: Lesson) -> Vec<u64> {
    if !lesson.is_tls() {
        return frames
            .iter()
            .filter(|k| k.carries_message())
            .take(2)
            .map(|k| k.frame.number)
            .collect();
    }
    let mut out = Vec::new();
    for msg in [HandshakeType::CLIENT_HELLO, HandshakeType::SERVER_HELLO] {
        if let Some(k) = frames.iter().find(|k| k.starts(msg)) {
            out.push(k.frame.number);
        }
    }
    if let Some((n, _, _)) = message_record(frames) {
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    out
}

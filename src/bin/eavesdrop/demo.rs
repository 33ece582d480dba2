//! `eavesdrop demo`: the textbook lesson in three acts — the same message sent in
//! plaintext, over TLS 1.2 and over TLS 1.3 — on captures embedded in the binary (or,
//! with `--live`, on traffic made and captured right now). Each act shows the packets
//! that make its point, with plain-language narration, and a table at the end says what
//! an observer learned in each.

use eavesdrop::capture::Frame;
use eavesdrop::decode::Decoded;
use eavesdrop::proto::tls::ContentType;
use eavesdrop::proto::{Desc, Direction};
use eavesdrop::render::hexdump::{HexMode, ShowOptions, ShowSink};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::style::Palette;
use eavesdrop::render::time::{Clock, TimeFormat};
use eavesdrop::report::FlowReport;
use eavesdrop::sink::Summary;
use eavesdrop::sink::{FrameView, Sink};
use eavesdrop::span::{ByteMap, Label};
use eavesdrop::{CaptureReader, Engine, EngineConfig};
use std::io::{self, BufRead, Write};

/// The message every act sends (the textbook's).
pub const MESSAGE: &[u8] = b"Simple is better than complex.\n";

/// One act's capture.
pub struct Act {
    pub title: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The captures that ship inside the binary (made as captures/README.md says).
pub fn embedded() -> Vec<Act> {
    vec![
        Act {
            title: "plaintext",
            name: "captures/plain-echo.pcap".into(),
            bytes: include_bytes!("../../../captures/plain-echo.pcap").to_vec(),
        },
        Act {
            title: "TLS 1.2",
            name: "captures/tls12-echo.pcapng".into(),
            bytes: include_bytes!("../../../captures/tls12-echo.pcapng").to_vec(),
        },
        Act {
            title: "TLS 1.3",
            name: "captures/tls13-echo.pcapng".into(),
            bytes: include_bytes!("../../../captures/tls13-echo.pcapng").to_vec(),
        },
    ]
}

/// A released frame, kept whole so the demo can pick and show it afterwards.
struct Kept {
    frame: Frame,
    decoded: Decoded,
    map: ByteMap,
    events: Vec<Desc>,
    flow: Option<(u64, Direction)>,
}

#[derive(Default)]
struct Collect {
    frames: Vec<Kept>,
    reports: Vec<FlowReport>,
}

impl Sink for Collect {
    fn frame(&mut self, v: &FrameView<'_>) -> io::Result<()> {
        // Demo captures are small; a live one is bounded by the demo itself.
        if self.frames.len() < 10_000 {
            self.frames.push(Kept {
                frame: v.frame.clone(),
                decoded: v.decoded.clone(),
                map: v.map.clone(),
                events: v.events.to_vec(),
                flow: v.flow,
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

/// What one act showed an observer, for the closing table.
struct Learned {
    title: &'static str,
    endpoints: String,
    sni: Option<String>,
    certificate: Option<String>,
    version: Option<String>,
    message_readable: bool,
    message_size: Option<u32>,
    readable: u64,
    opaque: u64,
}

fn analyse(act: &Act) -> anyhow::Result<(Collect, Learned)> {
    let reader = CaptureReader::from_reader(io::Cursor::new(act.bytes.clone()), &act.name)?;
    let mut reader = reader;
    let config = EngineConfig {
        reports: true,
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(Collect::default(), config);
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
    let message_readable = c.frames.iter().any(|k| {
        k.decoded
            .payload_range()
            .and_then(|range| k.frame.data.get(range.start as usize..range.end as usize))
            .is_some_and(|b| b.windows(MESSAGE.len()).any(|w| w == MESSAGE))
            && k.map.count_in(k.decoded.payload_range().unwrap_or(0..0))[Label::Cleartext.index()]
                >= MESSAGE.len() as u64
    });
    let message_size = message_record(&c).map(|(_, len)| len);
    let learned = Learned {
        title: act.title,
        endpoints: format!(
            "{}:{} → {}:{}",
            r.client.0, r.client.1, r.server.0, r.server.1
        ),
        sni: r.tls.as_ref().and_then(|t| t.sni.clone()),
        certificate: r
            .tls
            .as_ref()
            .and_then(|t| t.certificates.first())
            .map(|c| format!("{} (issuer {})", short(&c.subject), short(&c.issuer))),
        version: r.tls.as_ref().and_then(|t| t.version).map(|v| v.label()),
        message_readable,
        message_size,
        readable: p[Label::Cleartext.index()] + p[Label::Leak.index()],
        opaque: p[Label::Opaque.index()],
    };
    Ok((c, learned))
}

/// `O=Eavesdrop Teaching, CN=localhost` → `CN=localhost`.
fn short(name: &str) -> String {
    name.split(", ")
        .find(|p| p.starts_with("CN="))
        .unwrap_or(name)
        .to_string()
}

/// The client's TLS record whose size is the message plus an AEAD's overhead: a
/// 16-byte tag, and 1 content-type byte (TLS 1.3), an 8-byte explicit nonce (TLS 1.2
/// with AES-GCM) or nothing more (TLS 1.2 with ChaCha20-Poly1305). The size of the
/// ciphertext still tells the size of the message.
fn message_record(c: &Collect) -> Option<(u64, u32)> {
    let want = MESSAGE.len() as u32;
    let fits = |len: u32| [want + 17, want + 24, want + 16].contains(&len);
    c.frames.iter().find_map(|k| {
        if k.flow.map(|(_, d)| d) != Some(Direction::ToServer) {
            return None;
        }
        k.events.iter().find_map(|e| match e {
            Desc::TlsRecord { content, len, .. }
                if *content == ContentType::APPLICATION_DATA && fits(u32::from(*len)) =>
            {
                Some((k.frame.number, u32::from(*len)))
            }
            _ => None,
        })
    })
}

/// The frames that make an act's point, in capture order.
fn pick(c: &Collect, tls: bool) -> Vec<u64> {
    let mut out = Vec::new();
    let has = |k: &Kept, f: &dyn Fn(&Desc) -> bool| k.events.iter().any(f);
    if !tls {
        // The message, and the server's echo of it.
        for k in &c.frames {
            let carries = k
                .decoded
                .payload_range()
                .and_then(|r| k.frame.data.get(r.start as usize..r.end as usize))
                .is_some_and(|b| b.windows(MESSAGE.len()).any(|w| w == MESSAGE));
            if carries && out.len() < 2 {
                out.push(k.frame.number);
            }
        }
        return out;
    }
    let hello = |msg: eavesdrop::proto::tls::HandshakeType| move |e: &Desc| matches!(e, Desc::TlsHandshake { msg: m, .. } if *m == msg);
    if let Some(k) = c.frames.iter().find(|k| {
        has(
            k,
            &hello(eavesdrop::proto::tls::HandshakeType::CLIENT_HELLO),
        )
    }) {
        out.push(k.frame.number);
    }
    if let Some(k) = c.frames.iter().find(|k| {
        has(
            k,
            &hello(eavesdrop::proto::tls::HandshakeType::SERVER_HELLO),
        )
    }) {
        out.push(k.frame.number);
    }
    if let Some((n, _)) = message_record(c) {
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    out
}

struct Narrator<W: Write> {
    out: W,
    color: bool,
    palette: Palette,
}

impl<W: Write> Narrator<W> {
    fn heading(&mut self, text: &str) -> io::Result<()> {
        if self.color {
            writeln!(self.out, "\n\x1b[1m{text}\x1b[0m\n")
        } else {
            writeln!(self.out, "\n{text}\n{}\n", "=".repeat(text.chars().count()))
        }
    }

    fn say(&mut self, text: &str) -> io::Result<()> {
        // Wrapped at 88 columns, indented by two.
        let mut line = String::from(" ");
        for word in text.split_whitespace() {
            if line.chars().count() + word.chars().count() + 1 > 88 {
                writeln!(self.out, "{line}")?;
                line = String::from(" ");
            }
            line.push(' ');
            line.push_str(word);
        }
        writeln!(self.out, "{line}\n")
    }

    fn point(&mut self, label: Label, text: &str) -> io::Result<()> {
        if self.color {
            let on = String::from_utf8_lossy(self.palette.on(label)).into_owned();
            let off = String::from_utf8_lossy(&self.palette.reset).into_owned();
            writeln!(self.out, "  {on}{text}{off}")
        } else {
            writeln!(self.out, "  * {text}")
        }
    }
}

fn show_frames(c: &Collect, numbers: &[u64], color: bool) -> io::Result<()> {
    let opts = ShowOptions {
        hex: HexMode::Network,
        color,
        notes: false,
        // Only some packets are shown, so sequence numbers are absolute (tcpdump -S).
        line: LineOptions {
            numbers: true,
            absolute_seq: true,
            describe: true,
        },
        elide: true,
    };
    let clock = Clock::new(TimeFormat::None, false, jiff::tz::TimeZone::UTC);
    let stdout = io::stdout();
    let mut sink = ShowSink::new(stdout.lock(), io::sink(), opts, clock);
    for k in &c.frames {
        if !numbers.contains(&k.frame.number) {
            continue;
        }
        sink.frame(&FrameView {
            frame: &k.frame,
            decoded: &k.decoded,
            map: &k.map,
            events: &k.events,
            flow: k.flow,
        })?;
    }
    // The sink flushes at the summary; the summary itself goes nowhere.
    sink.finish(&Summary::default())
}

fn wait(step: bool) -> io::Result<()> {
    if step {
        print!("  [press Enter for the next act]");
        io::stdout().flush()?;
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
    }
    Ok(())
}

/// Runs the three acts on `acts` (plaintext, TLS 1.2, TLS 1.3).
pub fn run(acts: &[Act], step: bool, color: bool, source: &str) -> anyhow::Result<()> {
    let mut n = Narrator {
        out: io::stdout(),
        color,
        palette: Palette::new(),
    };
    n.heading("eavesdrop demo: what can someone on the path read?")?;
    n.say(&format!(
        "A client sends one line, {:?}, to a server on the same machine, and the server \
         sends it back. It happens three times: in plaintext, over TLS 1.2 and over TLS 1.3. \
         Each time we look at the packets the way an eavesdropper on the path sees them \
         ({source}). Every byte is marked by who can read it:",
        String::from_utf8_lossy(MESSAGE).trim_end()
    ))?;
    n.point(
        Label::Leak,
        "leak: readable, and worth pointing at (addresses, ports, names)",
    )?;
    n.point(
        Label::Metadata,
        "header: what every router must read to deliver the packet",
    )?;
    n.point(
        Label::Cleartext,
        "readable: content anyone on the path can read",
    )?;
    n.point(
        Label::Opaque,
        "opaque: ciphertext, unreadable without the keys",
    )?;
    n.point(
        Label::Undecoded,
        "undecoded: bytes eavesdrop could not classify",
    )?;
    writeln!(n.out)?;
    let mut learned = Vec::new();
    for (i, act) in acts.iter().enumerate() {
        let (c, l) = analyse(act)?;
        wait(step && i > 0)?;
        n.heading(&format!("Act {}: {}", i + 1, act.title))?;
        match i {
            0 => n.say(
                "No encryption. The packet that carries the message shows it in the ASCII \
                 column on the right: anyone who can see the packet reads the message, and so \
                 would anyone in between who wanted to change it. The addresses and ports are \
                 readable too, as they always are: routers need them.",
            )?,
            1 => n.say(
                "The same exchange over TLS 1.2. The handshake travels in the clear: the \
                 ClientHello names the server it wants (the SNI), and the server's certificate \
                 shows its name and the name of the authority that signed it. Then the message \
                 travels as ciphertext: the last packet is the message, and its bytes are \
                 opaque. What is left to an observer is who talked to whom, which server name \
                 was asked for, and how long the message was.",
            )?,
            _ => n.say(
                "TLS 1.3 encrypts everything after the ServerHello: the certificate, and with it \
                 the names inside, is now opaque. The SNI in the ClientHello is still readable \
                 (only Encrypted Client Hello hides it). The message is opaque, and its size \
                 still shows through the record length.",
            )?,
        }
        n.out.flush()?;
        let frames = pick(&c, i > 0);
        show_frames(&c, &frames, color)?;
        writeln!(n.out)?;
        let mut points = Vec::new();
        if l.message_readable {
            points.push((
                Label::Cleartext,
                "the message is readable in the clear".to_string(),
            ));
        } else {
            points.push((Label::Opaque, "the message is opaque".to_string()));
        }
        if let Some(s) = &l.sni {
            points.push((Label::Leak, format!("the server name is readable: SNI={s}")));
        }
        if let Some(cert) = &l.certificate {
            points.push((Label::Leak, format!("the certificate is readable: {cert}")));
        } else if i == 2 {
            points.push((Label::Opaque, "the certificate is encrypted".to_string()));
        }
        if let Some(size) = l.message_size {
            points.push((
                Label::Leak,
                format!("the message's record is {size} bytes: its length shows through"),
            ));
        }
        points.push((Label::Leak, format!("addresses and ports: {}", l.endpoints)));
        for (label, text) in points {
            n.point(label, &text)?;
        }
        learned.push(l);
    }
    wait(step)?;
    n.heading("What the eavesdropper learned")?;
    table(&mut n, &learned)?;
    n.say(
        "Encryption hides content, not the fact of talking: addresses and ports always show, \
         the server name shows unless Encrypted Client Hello is used, and sizes and timing \
         remain for traffic analysis. Try it on your own traffic: `eavesdrop live` (built with \
         the `live` feature), or `eavesdrop flows` on any capture.",
    )?;
    Ok(())
}

fn table<W: Write>(n: &mut Narrator<W>, acts: &[Learned]) -> io::Result<()> {
    let yes_no = |b: bool| if b { "readable" } else { "opaque" };
    let rows: Vec<(&str, Vec<String>)> = vec![
        (
            "addresses and ports",
            acts.iter().map(|_| "readable".to_string()).collect(),
        ),
        (
            "protocol version",
            acts.iter()
                .map(|a| a.version.clone().unwrap_or_else(|| "none (no TLS)".into()))
                .collect(),
        ),
        (
            "server name (SNI)",
            acts.iter()
                .map(|a| a.sni.clone().unwrap_or_else(|| "-".into()))
                .collect(),
        ),
        (
            "certificate names",
            acts.iter()
                .map(|a| match (&a.certificate, &a.version) {
                    (Some(c), _) => c.clone(),
                    (None, Some(_)) => "opaque".into(),
                    (None, None) => "-".into(),
                })
                .collect(),
        ),
        (
            "the message",
            acts.iter()
                .map(|a| yes_no(a.message_readable).to_string())
                .collect(),
        ),
        (
            "message size",
            acts.iter()
                .map(|a| match a.message_size {
                    Some(s) => format!("{s}-byte record"),
                    None if a.message_readable => format!("{} bytes", MESSAGE.len()),
                    None => "?".into(),
                })
                .collect(),
        ),
        (
            "payload readable / opaque",
            acts.iter()
                .map(|a| format!("{} / {} bytes", a.readable, a.opaque))
                .collect(),
        ),
    ];
    let width0 = rows
        .iter()
        .map(|(h, _)| h.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..acts.len())
        .map(|i| {
            rows.iter()
                .map(|(_, v)| v.get(i).map_or(0, |s| s.chars().count()))
                .chain(std::iter::once(acts[i].title.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut head = format!("  {:width0$}", "");
    for (a, w) in acts.iter().zip(&widths) {
        head.push_str(&format!("  {:w$}", a.title));
    }
    writeln!(n.out, "{}", head.trim_end())?;
    for (name, values) in &rows {
        let mut line = format!("  {name:width0$}");
        for (v, w) in values.iter().zip(&widths) {
            line.push_str(&format!("  {v:w$}"));
        }
        writeln!(n.out, "{}", line.trim_end())?;
    }
    writeln!(n.out)
}

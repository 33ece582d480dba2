//! `eavesdrop demo --live` (cargo feature `demo`): the three acts on traffic made and
//! captured right now. eavesdrop starts a plaintext echo server, a TLS 1.2 server and a
//! TLS 1.3 server on 127.0.0.1 (rustls with the ring provider; a CA and a server
//! certificate made by rcgen at start), sends the textbook message through each while
//! libpcap captures loopback, and hands the three captures to the same demo as the
//! embedded ones. `--write DIR` keeps them, with SSLKEYLOGFILE-format key logs.

use crate::demo::{Act, Lesson, MESSAGE};
use anyhow::{bail, Context as _};
use eavesdrop::capture::live::LiveCapture;
use eavesdrop::capture::pcapng_write::PcapngWriter;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The loopback interface (Linux's name; the BSDs and macOS call it lo0).
const LOOPBACK: &str = if cfg!(target_os = "linux") {
    "lo"
} else {
    "lo0"
};

/// How long one exchange may take before the demo gives up.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the capture keeps reading after the exchange ended, for the last ACKs.
const SETTLE: Duration = Duration::from_millis(200);

/// A CA with a readable name, and a server certificate for localhost signed by it.
struct Pki {
    ca: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn make_pki() -> anyhow::Result<Pki> {
    // Valid from the first of this month for a year: dates a class can read.
    let now = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now());
    let (year, month) = (i32::from(now.year()), now.month() as u8);
    let start = rcgen::date_time_ymd(year, month, 1);
    let end = rcgen::date_time_ymd(year + 1, month, 1);
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::OrganizationName, "Eavesdrop Teaching");
    ca.distinguished_name
        .push(DnType::CommonName, "Eavesdrop Teaching CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = start;
    ca.not_after = end;
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])?;
    leaf.distinguished_name
        .push(DnType::OrganizationName, "Eavesdrop Teaching");
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = start;
    leaf.not_after = end;
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    Ok(Pki {
        ca: ca_cert.der().clone(),
        chain: vec![leaf_cert.der().clone(), ca_cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
    })
}

/// Collects TLS secrets in the SSLKEYLOGFILE format (what Wireshark reads).
#[derive(Debug, Default)]
struct KeyLog(Mutex<String>);

impl rustls::KeyLog for KeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Ok(mut s) = self.0.lock() {
            let _ = writeln!(
                s,
                "{label} {} {}",
                hex::encode(client_random),
                hex::encode(secret)
            );
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Plain,
    Tls12,
    Tls13,
}

impl Kind {
    /// The act this exchange tells.
    fn lesson(self) -> Lesson {
        match self {
            Kind::Plain => Lesson::Plaintext,
            Kind::Tls12 => Lesson::Tls12,
            Kind::Tls13 => Lesson::Tls13,
        }
    }

    fn title(self) -> &'static str {
        self.lesson().script().title
    }

    /// File names as in captures/ (pcapng here, whatever the original's format).
    fn stem(self) -> &'static str {
        match self {
            Kind::Plain => "plain-echo",
            Kind::Tls12 => "tls12-echo",
            Kind::Tls13 => "tls13-echo",
        }
    }

    fn version(self) -> Option<&'static SupportedProtocolVersion> {
        match self {
            Kind::Plain => None,
            Kind::Tls12 => Some(&rustls::version::TLS12),
            Kind::Tls13 => Some(&rustls::version::TLS13),
        }
    }
}

/// Runs the three exchanges under capture; returns the acts for `demo::run`.
pub fn acts(write: Option<&Path>) -> anyhow::Result<Vec<Act>> {
    if let Some(dir) = write {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let pki = make_pki().context("cannot make the demo's certificates")?;
    let mut acts = Vec::new();
    for kind in [Kind::Plain, Kind::Tls12, Kind::Tls13] {
        let (pcapng, keylog) =
            capture_exchange(kind, &pki).with_context(|| format!("{} act", kind.title()))?;
        let name = format!("{}.pcapng", kind.stem());
        if let Some(dir) = write {
            let path = dir.join(&name);
            std::fs::write(&path, &pcapng)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if let Some(keys) = &keylog {
                let path = dir.join(format!("{}.keylog", kind.stem()));
                std::fs::write(&path, keys)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        acts.push(Act {
            lesson: kind.lesson(),
            name: match write {
                Some(dir) => dir.join(&name).display().to_string(),
                None => name,
            },
            bytes: pcapng,
            keylog: keylog.map(|k| String::from_utf8_lossy(k.as_ref()).into_owned()),
        });
    }
    if let Some(dir) = write {
        let path = dir.join("ca.der");
        std::fs::write(&path, &pki.ca)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(acts)
}

/// One exchange on a fresh port, captured on loopback: the capture as pcapng bytes,
/// and the key log for TLS.
fn capture_exchange(kind: Kind, pki: &Pki) -> anyhow::Result<(Vec<u8>, Option<String>)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1")?;
    let port = listener.local_addr()?.port();
    let filter = format!("tcp and host 127.0.0.1 and port {port}");
    let snaplen = eavesdrop::capture::MAX_SNAPLEN;
    // Opened before the first SYN, so the capture sees the whole connection.
    let mut cap = LiveCapture::open(LOOPBACK, snaplen, 20, Some(&filter))?;
    let mut out = PcapngWriter::new(Vec::new(), cap.link(), snaplen, LOOPBACK)?;

    let keylog = Arc::new(KeyLog::default());
    let server_config = match kind.version() {
        Some(v) => Some(Arc::new(server_config(v, pki)?)),
        None => None,
    };
    let client_config = match kind.version() {
        Some(v) => Some(Arc::new(client_config(v, pki, keylog.clone())?)),
        None => None,
    };
    let server = thread::spawn(move || serve_one(listener, server_config));
    let client = thread::spawn(move || send_message(port, client_config));

    let started = Instant::now();
    let mut finished: Option<Instant> = None;
    let mut last_packet = Instant::now();
    loop {
        if let Some(frame) = cap.next_frame()? {
            out.frame(&frame)?;
            last_packet = Instant::now();
            continue;
        }
        if finished.is_none() && server.is_finished() && client.is_finished() {
            finished = Some(Instant::now());
        }
        if finished.is_some_and(|t| t.elapsed() >= SETTLE && last_packet.elapsed() >= SETTLE) {
            break;
        }
        if started.elapsed() > EXCHANGE_TIMEOUT {
            bail!("the exchange on 127.0.0.1:{port} did not finish in {EXCHANGE_TIMEOUT:?}");
        }
    }
    let echoed = client
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))?
        .context("client")?;
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))?
        .context("server")?;
    if echoed != MESSAGE {
        bail!(
            "the server echoed {:?}, not the message",
            String::from_utf8_lossy(&echoed)
        );
    }
    out.flush()?;
    let keys = kind.version().map(|_| {
        let body = keylog.0.lock().map(|s| s.clone()).unwrap_or_default();
        format!("# TLS secrets log file, generated by eavesdrop demo --live (rustls)\n{body}")
    });
    Ok((out.into_inner(), keys))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(
    version: &'static SupportedProtocolVersion,
    pki: &Pki,
) -> anyhow::Result<ServerConfig> {
    Ok(ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[version])?
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), PrivateKeyDer::Pkcs8(pki.key.clone_key()))?)
}

fn client_config(
    version: &'static SupportedProtocolVersion,
    pki: &Pki,
    keylog: Arc<KeyLog>,
) -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca.clone())?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[version])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.key_log = keylog;
    Ok(config)
}

/// Accepts one connection and echoes one line back (over TLS when configured).
fn serve_one(listener: TcpListener, tls: Option<Arc<ServerConfig>>) -> anyhow::Result<()> {
    let (tcp, _) = listener.accept()?;
    tcp.set_read_timeout(Some(EXCHANGE_TIMEOUT))?;
    match tls {
        None => {
            let mut reader = BufReader::new(tcp.try_clone()?);
            let mut line = Vec::new();
            reader.read_until(b'\n', &mut line)?;
            let mut tcp = tcp;
            tcp.write_all(&line)?;
            tcp.shutdown(Shutdown::Write)?;
            // Wait for the client's FIN, so the server is not the one left in TIME_WAIT
            // with unread data (which would make the kernel send a reset).
            let _ = reader.read_to_end(&mut Vec::new());
        }
        Some(config) => {
            let conn = rustls::ServerConnection::new(config)?;
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut line = Vec::new();
            BufReader::new(&mut tls).read_until(b'\n', &mut line)?;
            tls.write_all(&line)?;
            tls.conn.send_close_notify();
            tls.flush()?;
            tls.sock.shutdown(Shutdown::Write)?;
            let _ = tls.read_to_end(&mut Vec::new());
        }
    }
    Ok(())
}

/// Connects, sends the message, and returns what came back.
fn send_message(port: u16, tls: Option<Arc<ClientConfig>>) -> anyhow::Result<Vec<u8>> {
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(EXCHANGE_TIMEOUT))?;
    let mut echoed = Vec::new();
    match tls {
        None => {
            let mut tcp = tcp;
            tcp.write_all(MESSAGE)?;
            BufReader::new(&tcp).read_until(b'\n', &mut echoed)?;
            tcp.shutdown(Shutdown::Write)?;
            let _ = tcp.read_to_end(&mut Vec::new());
        }
        Some(config) => {
            let name = ServerName::try_from("localhost")?;
            let conn = rustls::ClientConnection::new(config, name)?;
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            tls.write_all(MESSAGE)?;
            BufReader::new(&mut tls).read_until(b'\n', &mut echoed)?;
            tls.conn.send_close_notify();
            tls.flush()?;
            tls.sock.shutdown(Shutdown::Write)?;
            let _ = tls.read_to_end(&mut Vec::new());
        }
    }
    Ok(echoed)
}

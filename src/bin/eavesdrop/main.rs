//! The command line: arguments become a frozen configuration, `main` maps results to
//! exit codes (0 ok, 1 policy violated, 2 error). A closed pipe (`| head`) exits quietly.

// The command line indexes only data it built itself (acts, tables, arguments).
#![allow(clippy::indexing_slicing)]

mod args;
mod demo;
#[cfg(feature = "demo")]
mod demo_live;
mod live;
mod man;
mod parquet_output;
mod progress;

use anyhow::Context as _;
use args::{CheckArgs, Cli, Command, DemoArgs, FlowsArgs, HtmlArgs, ShowArgs};
use clap::{CommandFactory as _, Parser as _};
use eavesdrop::check::{parse_tls_version, Policy};
use eavesdrop::engine::parallel;
use eavesdrop::keys::{KeyLog, KeyRing};
use eavesdrop::render::check::CheckSink;
use eavesdrop::render::flows::{Filtered, FlowsSink};
use eavesdrop::render::hexdump::{ShowOptions, ShowSink};
use eavesdrop::render::html::{write_page, HtmlSink, Page};
use eavesdrop::render::json::{JsonMode, JsonSink};
use eavesdrop::render::time::Clock;
use eavesdrop::render::OutputFormat;
use eavesdrop::sink::{Copying, KeepFrames, ParallelSink, Sink};
use eavesdrop::{CaptureError, CaptureReader, Engine, EngineConfig};
use progress::{Progress, Suspend};
use std::io::{self, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv = match args::with_default_command(std::env::args_os()) {
        Ok(argv) => argv,
        Err(message) => {
            eprintln!("eavesdrop: error: {message}");
            return ExitCode::from(2);
        }
    };
    if argv.get(1).is_some_and(|c| c == "show") {
        if let Some(message) = args::unsupported_tcpdump_option(argv.get(2..).unwrap_or(&[])) {
            eprintln!("eavesdrop: error: {message}");
            return ExitCode::from(2);
        }
    }
    let cli = Cli::parse_from(argv);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = io::stdout().flush();
            eprintln!("eavesdrop: error: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes, each said once: a cause whose text the message above it
/// already carries (an error that prints its source, wrapped in context) is skipped.
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Whether stderr is a terminal that a progress bar may draw on.
fn progress_allowed(json: bool, quiet: bool) -> bool {
    !json && !quiet && io::stderr().is_terminal()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Show(args) => show(args),
        Command::Flows(args) => flows(args),
        Command::Check(args) => check(args),
        Command::Html(args) => html(args),
        Command::Demo(args) => demo_cmd(args),
        Command::Live(args) => live::run(args),
        Command::Completions(args) => {
            let mut cmd = Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "eavesdrop", &mut io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            man::write(&mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn demo_cmd(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let (acts, source) = if args.live {
        (live_acts(&args)?, "captured on loopback just now")
    } else {
        (
            demo::embedded(),
            "captures recorded on loopback, built into eavesdrop",
        )
    };
    if let Some(out) = &args.html {
        let page = demo::page(&acts, source)?;
        write_html(Some(out), &page, false)?;
        return Ok(ExitCode::SUCCESS);
    }
    let size = io::stdout()
        .is_terminal()
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, h)| (w.0, h.0));
    let columns = std::env::var("COLUMNS").ok();
    let layout = args.layout(size, columns.as_deref());
    demo::run(&acts, args.step, args.color.enabled(), layout, source)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "demo")]
fn live_acts(args: &DemoArgs) -> anyhow::Result<Vec<demo::Act>> {
    eprintln!("eavesdrop: making the three exchanges on 127.0.0.1 and capturing them…");
    let acts = demo_live::acts(args.write.as_deref())?;
    if let Some(dir) = &args.write {
        eprintln!(
            "eavesdrop: captures and key logs written to {}",
            dir.display()
        );
    }
    Ok(acts)
}

#[cfg(not(feature = "demo"))]
fn live_acts(_: &DemoArgs) -> anyhow::Result<Vec<demo::Act>> {
    anyhow::bail!(
        "this eavesdrop was built without the live demo: rebuild with `cargo build --release \
         --features demo` (Debian: apt-get install libpcap-dev), and run it as root or with \
         capture capabilities; `eavesdrop demo` without --live tells the same story on the \
         built-in captures"
    )
}

/// The frames a BPF filter keeps (built with the `live` feature: libpcap compiles it),
/// renumbered 1, 2, 3… like `tcpdump -# -r FILE FILTER` counts them.
struct FrameFilter {
    #[cfg(feature = "live")]
    bpf: Option<eavesdrop::capture::live::FileFilter>,
    kept: u64,
}

impl FrameFilter {
    fn new(expr: &str) -> anyhow::Result<FrameFilter> {
        if expr.trim().is_empty() {
            return Ok(FrameFilter {
                #[cfg(feature = "live")]
                bpf: None,
                kept: 0,
            });
        }
        #[cfg(feature = "live")]
        {
            Ok(FrameFilter {
                bpf: Some(eavesdrop::capture::live::FileFilter::new(expr)?),
                kept: 0,
            })
        }
        #[cfg(not(feature = "live"))]
        {
            anyhow::bail!(
                "the filter {expr:?} needs libpcap: rebuild with `cargo build --release \
                 --features live` (Debian: apt-get install libpcap-dev)"
            )
        }
    }

    /// Whether the filter drops frames (it does not when none was given).
    fn is_active(&self) -> bool {
        #[cfg(feature = "live")]
        if self.bpf.is_some() {
            return true;
        }
        false
    }

    fn none() -> FrameFilter {
        FrameFilter {
            #[cfg(feature = "live")]
            bpf: None,
            kept: 0,
        }
    }

    /// The frame, renumbered, if the filter keeps it.
    #[cfg_attr(not(feature = "live"), allow(unused_mut))]
    fn apply(&mut self, mut frame: eavesdrop::Frame) -> Option<eavesdrop::Frame> {
        #[cfg(feature = "live")]
        if let Some(bpf) = self.bpf.as_mut() {
            if !bpf.matches(&frame) {
                return None;
            }
            self.kept += 1;
            frame.number = self.kept;
        }
        let _ = self.kept;
        Some(frame)
    }
}

/// Where the endpoints' secrets come from for a run, and whether the output wants
/// the decrypted plaintext itself (or only lengths, descriptions and digests).
#[derive(Clone, Debug, Default)]
pub(crate) struct KeySource {
    pub files: Vec<std::path::PathBuf>,
    pub rsa_keys: Vec<std::path::PathBuf>,
    pub plaintext: bool,
    /// Hash each direction's decrypted data (`flows --json` reports the SHA-256).
    pub digests: bool,
}

impl KeySource {
    fn new(args: &args::KeyArgs, plaintext: bool) -> KeySource {
        KeySource {
            files: args.keylog.clone(),
            rsa_keys: args.rsa_key.clone(),
            plaintext,
            digests: false,
        }
    }

    /// Whether `--keylog` or `--rsa-key` gave keys.
    fn given(&self) -> bool {
        !self.files.is_empty() || !self.rsa_keys.is_empty()
    }

    /// The key ring of `--keylog` files (`None` without them). A line that cannot be
    /// read is an error naming the file and line.
    pub(crate) fn ring(&self) -> anyhow::Result<Option<KeyRing>> {
        if self.files.is_empty() && self.rsa_keys.is_empty() {
            return Ok(None);
        }
        let mut log = KeyLog::new();
        for f in &self.files {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read key log {}", f.display()))?;
            log.add_text(&text, &f.display().to_string())
                .context("malformed key log")?;
        }
        for f in &self.rsa_keys {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read RSA key {}", f.display()))?;
            log.add_rsa_pem(&text, &f.display().to_string())
                .context("unusable --rsa-key")?;
        }
        let ring = KeyRing::new(log);
        ring.set_keep_plaintext(self.plaintext);
        ring.set_digests(self.digests);
        Ok(Some(ring))
    }
}

/// A capture's Decryption Secrets Blocks: their key log lines join the ring (made
/// now if `--keylog` gave none), and stderr says so.
fn use_secrets<S: Sink>(
    found: Vec<eavesdrop::Secrets>,
    ring: &mut Option<KeyRing>,
    engine: &mut Engine<S>,
    keys: &KeySource,
    name: &str,
) {
    for block in found {
        if block.kind != eavesdrop::Secrets::TLS_KEY_LOG {
            eprintln!(
                "eavesdrop: {name}: a Decryption Secrets Block of type {:#010x} is not read (only TLS key logs are)",
                block.kind
            );
            continue;
        }
        let r = ring.get_or_insert_with(|| {
            let r = KeyRing::default();
            r.set_keep_plaintext(keys.plaintext);
            r.set_digests(keys.digests);
            engine.set_keys(r.clone());
            r
        });
        let text = String::from_utf8_lossy(&block.data);
        let before = r.stats().lines;
        let errors = r.add_text_lenient(&text, "Decryption Secrets Block");
        eprintln!(
            "eavesdrop: {name}: using the {} secrets of its Decryption Secrets Block",
            r.stats().lines - before
        );
        for e in errors.iter().take(3) {
            eprintln!("eavesdrop: {name}: skipped: {e}");
        }
    }
}

/// Reads one capture through an engine into `sink`. Returns the sink, and the error
/// that stopped reading part way (everything before it went through).
fn read_into<S: Sink>(
    path: &Path,
    sink: S,
    config: EngineConfig,
    count: Option<u64>,
    filter: &mut FrameFilter,
    keys: &KeySource,
    progress: &mut Progress,
) -> anyhow::Result<(S, Option<CaptureError>)> {
    let mut ring = keys.ring()?;
    if path.as_os_str() == "-" && io::stdin().is_terminal() {
        eprintln!(
            "eavesdrop: waiting for a capture on standard input (pipe one in: \
             tcpdump -w - … | eavesdrop show -; Ctrl-D ends)"
        );
    }
    let mut reader = CaptureReader::open(path)?;
    let mut engine = Engine::new(sink, config);
    if let Some(r) = &ring {
        engine.set_keys(r.clone());
    }
    let name = path.display().to_string();
    let mut failure = None;
    let mut n = 0u64;
    while let Some(next) = reader.next_frame() {
        for w in reader.take_warnings() {
            engine.warning(&format!("at byte {}: {}", w.offset, w.message))?;
        }
        let secrets = reader.take_secrets();
        if !secrets.is_empty() {
            use_secrets(secrets, &mut ring, &mut engine, keys, &name);
        }
        match next {
            Ok(frame) => {
                let Some(frame) = filter.apply(frame) else {
                    continue;
                };
                engine.push(frame).context("writing output")?;
                while let Some(buf) = engine.spare_buffer() {
                    reader.recycle(buf);
                }
                n += 1;
                if n % 256 == 0 {
                    progress.update(reader.offset());
                }
                if count.is_some_and(|c| n >= c) {
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    progress.clear();
    let (sink, _summary) = engine.finish().context("writing output")?;
    if let Some(r) = ring {
        let _ = io::stdout().flush();
        eprintln!("eavesdrop: {name}: {}", r.stats().sentence());
    }
    Ok((sink, failure))
}

/// [`read_into`] with `jobs` engines on worker threads ([`eavesdrop::engine::parallel`]),
/// the output the same as one engine's. One job, a BPF filter (libpcap's programs
/// stay on the thread that compiled them), or keys (one key ring follows every
/// session) read on this thread.
#[allow(clippy::too_many_arguments)]
fn read_parallel<S: ParallelSink>(
    path: &Path,
    sink: S,
    config: EngineConfig,
    jobs: usize,
    count: Option<u64>,
    filter: &mut FrameFilter,
    keys: &KeySource,
    progress: &mut Progress,
) -> anyhow::Result<(S, Option<CaptureError>)> {
    if jobs <= 1 || filter.is_active() || keys.given() || secrets_ahead(path) {
        return read_into(path, sink, config, count, filter, keys, progress);
    }
    if path.as_os_str() == "-" && io::stdin().is_terminal() {
        eprintln!(
            "eavesdrop: waiting for a capture on standard input (pipe one in: \
             tcpdump -w - … | eavesdrop show -; Ctrl-D ends)"
        );
    }
    let mut reader = CaptureReader::open(path)?;
    let (result, failure) = parallel::run(sink, config, jobs, |feed| {
        let mut failure = None;
        let mut n = 0u64;
        while let Some(next) = reader.next_frame() {
            for w in reader.take_warnings() {
                feed.warning(&format!("at byte {}: {}", w.offset, w.message));
            }
            if !reader.take_secrets().is_empty() {
                feed.warning(
                    "a Decryption Secrets Block is not used with -j above 1 (one key ring \
                     follows every session): run with -j 1 to decrypt",
                );
            }
            match next {
                Ok(frame) => {
                    if feed.push(frame).is_err() {
                        // The output stopped; the merger says why.
                        break;
                    }
                    while let Some(buf) = feed.spare_buffer() {
                        reader.recycle(buf);
                    }
                    n += 1;
                    if n % 256 == 0 {
                        progress.update(reader.offset());
                    }
                    if count.is_some_and(|c| n >= c) {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        progress.clear();
        failure
    });
    let (sink, _summary) = result.context("writing output")?;
    let failure = failure.ok_or_else(|| anyhow::anyhow!("the capture reader failed"))?;
    Ok((sink, failure))
}

/// Whether a pcapng file has a Decryption Secrets Block among its first blocks (the
/// specification puts them before the packets they decrypt; `editcap --inject-secrets`
/// writes them after the first interface). Its keys must follow every session, so such
/// a file is read on one thread. Standard input cannot be looked into: it stays on one
/// thread too. Reads block headers only, within the first MiB.
fn secrets_ahead(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    const DSB: u32 = 0x0000_000a;
    const SHB: u32 = 0x0a0d_0d0a;
    const LOOK: u64 = 1 << 20;
    if path.as_os_str() == "-" {
        return true;
    }
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut le = true;
    let mut at = 0u64;
    while at < LOOK {
        let mut h = [0u8; 12];
        if f.seek(SeekFrom::Start(at)).is_err() || f.read_exact(&mut h).is_err() {
            return false;
        }
        let [t0, t1, t2, t3, l0, l1, l2, l3, b0, b1, b2, b3] = h;
        let kind = u32::from_be_bytes([t0, t1, t2, t3]);
        if kind == SHB {
            // The byte-order magic 0x1A2B3C4D, as written.
            le = [b0, b1, b2, b3] == [0x4d, 0x3c, 0x2b, 0x1a];
        } else if at == 0 {
            return false;
        }
        let word = |b: [u8; 4]| {
            if le {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }
        };
        if word([t0, t1, t2, t3]) == DSB {
            return true;
        }
        let len = word([l0, l1, l2, l3]);
        if len < 12 {
            return false;
        }
        at += u64::from(len);
    }
    false
}

fn damaged(path: &Path, e: &CaptureError, what: &str) {
    let _ = io::stdout().flush();
    eprintln!(
        "eavesdrop: error: {}: {e} (everything before it was {what})",
        path.display()
    );
}

/// Reads several captures at once, `jobs` threads shared among them, each file's output
/// kept whole and written in the order the files were given: `work` reads one file
/// with the shards it is given into the two buffers (stdout, stderr); `done` is told
/// how it went, in order, after its output was written.
fn files_in_parallel<T: Send>(
    files: &[std::path::PathBuf],
    jobs: usize,
    work: impl Fn(&Path, usize, &mut Vec<u8>, &mut Vec<u8>) -> anyhow::Result<T> + Sync,
    mut done: impl FnMut(&Path, anyhow::Result<T>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = jobs.min(files.len()).max(1);
    let shards = (jobs / threads).max(1);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, work) = (&next, &work);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { return };
                let (mut out, mut err) = (Vec::new(), Vec::new());
                let result = work(path, shards, &mut out, &mut err);
                if tx.send((i, out, err, result)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut waiting = std::collections::BTreeMap::new();
        let mut turn = 0;
        for (i, out, err, result) in rx {
            waiting.insert(i, (out, err, result));
            while let Some((out, err, result)) = waiting.remove(&turn) {
                let mut stdout = io::stdout().lock();
                stdout.write_all(&out).context("writing output")?;
                stdout.flush().context("writing output")?;
                io::stderr().write_all(&err)?;
                done(&files[turn], result)?;
                turn += 1;
            }
        }
        // Tell the other threads to stop on an error: they see the channel closed.
        Ok(())
    })
}

fn flows_one<W: io::Write, E: io::Write>(
    args: &FlowsArgs,
    path: &Path,
    out: W,
    err: E,
    jobs: usize,
    keys: &KeySource,
    progress: &mut Progress,
) -> anyhow::Result<Option<CaptureError>> {
    let config = args.limits.config(true);
    let name = path.display().to_string();
    let none = &mut FrameFilter::none();
    match args.format() {
        OutputFormat::Json => {
            let sink = Filtered::new(JsonSink::new(out, JsonMode::Flows, &name), args.filter());
            let sink = Copying::new(sink, KeepFrames::None);
            read_parallel(path, sink, config, jobs, None, none, keys, progress).map(|(_, f)| f)
        }
        OutputFormat::Text => {
            let sink = FlowsSink::new(out, err, args.options(), &name);
            let sink = Copying::new(sink, KeepFrames::None);
            read_parallel(path, sink, config, jobs, None, none, keys, progress).map(|(_, f)| f)
        }
        OutputFormat::Parquet => anyhow::bail!("Parquet is written by parquet_output::flows"),
    }
}

fn flows(args: FlowsArgs) -> anyhow::Result<ExitCode> {
    if args.format() == OutputFormat::Parquet || args.output.is_some() {
        return parquet_output::flows(&args);
    }
    let jobs = args.jobs.resolve(args.files.len());
    let mut keys = KeySource::new(&args.keys, false);
    keys.digests = args.format() == OutputFormat::Json;
    let keys = &keys;
    let mut code = ExitCode::SUCCESS;
    let mut done = |path: &Path, failure: anyhow::Result<Option<CaptureError>>| {
        match failure {
            Ok(None) => {}
            Ok(Some(e)) => {
                damaged(path, &e, "reported");
                code = ExitCode::from(2);
            }
            Err(e) if is_broken_pipe(&e) => return Err(e),
            Err(e) => {
                eprintln!("eavesdrop: error: {}", message(&e));
                code = ExitCode::from(2);
            }
        }
        Ok(())
    };
    if jobs > 1 && args.files.len() > 1 {
        files_in_parallel(
            &args.files,
            jobs,
            |path, shards, out, err| {
                flows_one(&args, path, out, err, shards, keys, &mut Progress::off())
            },
            done,
        )?;
        return Ok(code);
    }
    for path in &args.files {
        let json = args.format() == OutputFormat::Json;
        let mut progress = Progress::for_file(path, progress_allowed(json, args.quiet));
        let out = Suspend::new(io::stdout().lock(), progress.bar());
        let err = Suspend::new(io::stderr(), progress.bar());
        let failure = flows_one(&args, path, out, err, jobs, keys, &mut progress);
        done(path, failure)?;
    }
    Ok(code)
}

/// Where a page goes: the file named, or standard output when it is no terminal.
fn html_output(path: Option<&Path>) -> anyhow::Result<()> {
    if path.is_none() && io::stdout().is_terminal() {
        anyhow::bail!(
            "the page is HTML, not for a terminal: give -o OUT.html, or redirect standard \
             output (eavesdrop html FILE > page.html)"
        );
    }
    Ok(())
}

/// Writes a page whole (it is built in memory, its size bounded by --max-frames), so a
/// failed run leaves no half-written file.
fn write_html(path: Option<&Path>, page: &Page, quiet: bool) -> anyhow::Result<()> {
    html_output(path)?;
    let mut buf = Vec::with_capacity(1 << 20);
    write_page(&mut buf, page)?;
    match path {
        Some(p) => {
            std::fs::write(p, &buf).with_context(|| format!("cannot write {}", p.display()))?;
            if !quiet {
                eprintln!(
                    "eavesdrop: wrote {} ({})",
                    p.display(),
                    eavesdrop::text::bytes(buf.len() as u64)
                );
            }
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn html(args: HtmlArgs) -> anyhow::Result<ExitCode> {
    html_output(args.output.as_deref())?;
    let config = args.limits.config(true);
    let mut page = Page::default();
    let mut code = ExitCode::SUCCESS;
    for path in &args.files {
        let name = path.display().to_string();
        let mut progress = Progress::for_file(path, progress_allowed(false, args.quiet));
        let sink = HtmlSink::new(&name, args.options());
        let none = &mut FrameFilter::none();
        match read_into(
            path,
            sink,
            config,
            None,
            none,
            &KeySource::default(),
            &mut progress,
        ) {
            Ok((mut sink, failure)) => {
                if let Some(e) = failure {
                    sink.warning(&format!(
                        "reading stopped: {e} (everything before it is on this page)"
                    ))?;
                    damaged(path, &e, "put on the page");
                    code = ExitCode::from(2);
                }
                page.sections.push(sink.into_section());
            }
            Err(e) => {
                eprintln!("eavesdrop: error: {}", message(&e));
                code = ExitCode::from(2);
            }
        }
    }
    if page.sections.is_empty() {
        return Ok(code);
    }
    page.title = match args.files.as_slice() {
        [one] => format!("eavesdrop: {}", one.display()),
        many => format!("eavesdrop: {} captures", many.len()),
    };
    write_html(args.output.as_deref(), &page, args.quiet)?;
    Ok(code)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut policy = match &args.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read policy {}", p.display()))?;
            Policy::from_toml(&text, &p.display().to_string())?
        }
        None => Policy::default(),
    };
    let mut flags = Policy::default();
    for d in &args.deny {
        flags.deny.push(d.parse()?);
    }
    if let Some(v) = &args.min_tls {
        flags.min_tls = Some(parse_tls_version(v)?);
    }
    flags.deny_sni = args.deny_sni.clone();
    flags.allow_empty = args.allow_empty;
    for a in &args.allow {
        flags.allow.push(a.parse()?);
    }
    policy.merge(flags);
    if policy.is_empty() {
        anyhow::bail!(
            "no rules to check: give --deny, --min-tls, --deny-sni or --policy (see eavesdrop check --help)"
        );
    }
    let jobs = args.jobs.resolve(args.files.len());
    let keys = &KeySource::new(&args.keys, false);
    let mut violated = false;
    let mut failed = false;
    let mut done = |path: &Path, result: anyhow::Result<(u64, Option<CaptureError>)>| {
        match result {
            Ok((violations, failure)) => {
                violated |= violations > 0;
                if let Some(e) = failure {
                    damaged(path, &e, "checked");
                    failed = true;
                }
            }
            Err(e) if is_broken_pipe(&e) => return Err(e),
            Err(e) => {
                eprintln!("eavesdrop: error: {}", message(&e));
                failed = true;
            }
        }
        Ok(())
    };
    let policy = &policy;
    if jobs > 1 && args.files.len() > 1 {
        files_in_parallel(
            &args.files,
            jobs,
            |path, shards, out, err| {
                check_one(
                    &args,
                    policy,
                    path,
                    out,
                    err,
                    shards,
                    keys,
                    &mut Progress::off(),
                )
            },
            done,
        )?;
    } else {
        for path in &args.files {
            let mut progress = Progress::for_file(path, progress_allowed(args.json, false));
            let out = Suspend::new(io::stdout().lock(), progress.bar());
            let err = Suspend::new(io::stderr(), progress.bar());
            let result = check_one(&args, policy, path, out, err, jobs, keys, &mut progress);
            done(path, result)?;
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else if violated {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Checks one capture; returns the number of violations.
#[allow(clippy::too_many_arguments)]
fn check_one<W: io::Write, E: io::Write>(
    args: &CheckArgs,
    policy: &Policy,
    path: &Path,
    out: W,
    err: E,
    jobs: usize,
    keys: &KeySource,
    progress: &mut Progress,
) -> anyhow::Result<(u64, Option<CaptureError>)> {
    let name = path.display().to_string();
    let color = args.color.enabled() && !args.json;
    let sink = CheckSink::new(out, err, args.format(), &name, policy.clone()).with_color(color);
    let sink = Copying::new(sink, KeepFrames::Flowless);
    let none = &mut FrameFilter::none();
    let config = args.limits.config(true);
    let (Copying { inner: sink, .. }, failure) =
        read_parallel(path, sink, config, jobs, None, none, keys, progress)?;
    Ok((sink.violations, failure))
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let config = match args.resolve() {
        Ok(c) => c,
        Err(usage) => {
            let mut cmd = Cli::command();
            let show = cmd.find_subcommand_mut("show").map(|c| c.clone());
            let mut cmd = show.unwrap_or(cmd);
            cmd.error(clap::error::ErrorKind::MissingRequiredArgument, usage)
                .exit();
        }
    };
    // A filter that cannot be compiled is an error before any file is read.
    FrameFilter::new(&config.filter)?;
    let keys = KeySource {
        files: config.keylogs.clone(),
        rsa_keys: config.rsa_keys.clone(),
        plaintext: config.plaintext,
        digests: false,
    };
    // The bar shares the terminal with nothing: not when packets print to it.
    let allowed = progress_allowed(config.format == OutputFormat::Json, config.quiet)
        && !io::stdout().is_terminal();
    let jobs = config.jobs;
    let mut code = ExitCode::SUCCESS;
    for path in &config.paths {
        let mut filter = FrameFilter::new(&config.filter)?;
        let mut progress = Progress::for_file(path, allowed);
        let out = io::stdout().lock();
        let err = Suspend::new(io::stderr(), progress.bar());
        let count = config.count;
        let read = match config.format {
            OutputFormat::Json => {
                let name = path.display().to_string();
                let sink =
                    Copying::new(JsonSink::new(out, JsonMode::Frames, &name), KeepFrames::All);
                read_parallel(
                    path,
                    sink,
                    config.engine,
                    jobs,
                    count,
                    &mut filter,
                    &keys,
                    &mut progress,
                )
                .map(|r| r.1)
            }
            OutputFormat::Text => {
                let mut sink = ShowSink::new(out, err, show_options(&config), clock(&config));
                if config.quiet {
                    sink = sink.without_summary();
                }
                read_parallel(
                    path,
                    sink,
                    config.engine,
                    jobs,
                    count,
                    &mut filter,
                    &keys,
                    &mut progress,
                )
                .map(|r| r.1)
            }
            OutputFormat::Parquet => Err(anyhow::anyhow!("show writes text or JSON")),
        };
        match read {
            Ok(None) => {}
            Ok(Some(e)) => {
                let _ = io::stdout().flush();
                eprintln!(
                    "eavesdrop: error: {}: {e} (every frame before it was shown)",
                    path.display()
                );
                code = ExitCode::from(2);
            }
            Err(e) if is_broken_pipe(&e) => return Err(e),
            Err(e) => {
                let _ = io::stdout().flush();
                eprintln!("eavesdrop: error: {}", message(&e));
                code = ExitCode::from(2);
            }
        }
    }
    Ok(code)
}

fn clock(config: &args::ShowConfig) -> Clock {
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    Clock::new(config.time, config.nanos, tz)
}

fn show_options(config: &args::ShowConfig) -> ShowOptions {
    config.show
}

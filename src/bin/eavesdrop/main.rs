//! The command line: arguments become a frozen configuration, `main` maps results to
//! exit codes (0 ok, 1 policy violated, 2 error). A closed pipe (`| head`) exits quietly.

// The command line indexes only data it built itself (acts, tables, arguments).
#![allow(clippy::indexing_slicing)]

mod args;
mod demo;
#[cfg(feature = "demo")]
mod demo_live;
mod live;

use anyhow::Context as _;
use args::{CheckArgs, Cli, Command, DemoArgs, FlowsArgs, ShowArgs};
use clap::Parser as _;
use eavesdrop::check::{parse_tls_version, Policy};
use eavesdrop::render::check::CheckSink;
use eavesdrop::render::flows::FlowsSink;
use eavesdrop::render::hexdump::{HexMode, ShowOptions, ShowSink};
use eavesdrop::render::json::{JsonMode, JsonSink};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::time::{Clock, TimeFormat};
use eavesdrop::render::OutputFormat;
use eavesdrop::sink::Sink;
use eavesdrop::{CaptureError, CaptureReader, Engine, EngineConfig};
use std::io::{self, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse_from(args::with_default_command(std::env::args_os()));
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = io::stdout().flush();
            eprintln!("eavesdrop: error: {err:#}");
            ExitCode::from(2)
        }
    }
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
        Command::Demo(args) => demo_cmd(args),
        Command::Live(args) => live::run(args),
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

/// Reads one capture through an engine into `sink`. Returns the sink, and the error
/// that stopped reading part way (everything before it went through).
fn read_into<S: Sink>(
    path: &Path,
    sink: S,
    config: EngineConfig,
    count: Option<u64>,
    filter: &mut FrameFilter,
) -> anyhow::Result<(S, Option<CaptureError>)> {
    let mut reader = CaptureReader::open(path)?;
    let mut engine = Engine::new(sink, config);
    let mut failure = None;
    let mut n = 0u64;
    while let Some(next) = reader.next_frame() {
        for w in reader.take_warnings() {
            engine.warning(&format!("at byte {}: {}", w.offset, w.message))?;
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
    let (sink, _summary) = engine.finish().context("writing output")?;
    Ok((sink, failure))
}

fn damaged(path: &Path, e: &CaptureError, what: &str) {
    let _ = io::stdout().flush();
    eprintln!(
        "eavesdrop: error: {}: {e} (everything before it was {what})",
        path.display()
    );
}

fn flows(args: FlowsArgs) -> anyhow::Result<ExitCode> {
    let config = args.limits.config(true);
    let format = args.format();
    let color = args.color.enabled() && format == OutputFormat::Text;
    let mut code = ExitCode::SUCCESS;
    for path in &args.files {
        let name = path.display().to_string();
        let failure = match format {
            OutputFormat::Json => {
                let sink = JsonSink::new(io::stdout().lock(), JsonMode::Flows, &name);
                read_into(path, sink, config, None, &mut FrameFilter::none()).map(|(_, f)| f)
            }
            OutputFormat::Text => {
                let sink = FlowsSink::new(io::stdout().lock(), io::stderr(), color, &name);
                read_into(path, sink, config, None, &mut FrameFilter::none()).map(|(_, f)| f)
            }
        };
        match failure {
            Ok(None) => {}
            Ok(Some(e)) => {
                damaged(path, &e, "reported");
                code = ExitCode::from(2);
            }
            Err(e) if is_broken_pipe(&e) => return Err(e),
            Err(e) => {
                eprintln!("eavesdrop: error: {e:#}");
                code = ExitCode::from(2);
            }
        }
    }
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
    let config = args.limits.config(true);
    let mut violated = false;
    let mut failed = false;
    for path in &args.files {
        let name = path.display().to_string();
        let sink = CheckSink::new(
            io::stdout().lock(),
            io::stderr(),
            args.format(),
            &name,
            policy.clone(),
        );
        match read_into(path, sink, config, None, &mut FrameFilter::none()) {
            Ok((sink, failure)) => {
                violated |= sink.violations > 0;
                if let Some(e) = failure {
                    damaged(path, &e, "checked");
                    failed = true;
                }
            }
            Err(e) if is_broken_pipe(&e) => return Err(e),
            Err(e) => {
                eprintln!("eavesdrop: error: {e:#}");
                failed = true;
            }
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

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let config = args.resolve();
    let mut filter = FrameFilter::new(&config.filter)?;
    let failure = match config.format {
        OutputFormat::Json => {
            let name = config.path.display().to_string();
            let sink = JsonSink::new(io::stdout().lock(), JsonMode::Frames, &name);
            read_into(&config.path, sink, config.engine, config.count, &mut filter)?.1
        }
        OutputFormat::Text => {
            let sink = ShowSink::new(
                io::stdout().lock(),
                io::stderr(),
                show_options(&config),
                clock(&config),
            );
            read_into(&config.path, sink, config.engine, config.count, &mut filter)?.1
        }
    };
    match failure {
        None => Ok(ExitCode::SUCCESS),
        Some(e) => {
            eprintln!(
                "eavesdrop: error: {}: {e} (every frame before it was shown)",
                config.path.display()
            );
            Ok(ExitCode::from(2))
        }
    }
}

fn clock(config: &args::ShowConfig) -> Clock {
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    Clock::new(config.time, config.nanos, tz)
}

fn show_options(config: &args::ShowConfig) -> ShowOptions {
    ShowOptions {
        hex: config.hex,
        color: config.color,
        notes: config.notes,
        line: LineOptions {
            numbers: config.numbers,
            absolute_seq: config.absolute_seq,
            describe: config.describe,
            quick: false,
        },
        width: None,
    }
}

impl args::ShowConfig {
    fn hex_mode(x: u8, no_hex: bool) -> HexMode {
        match (no_hex, x) {
            (true, _) => HexMode::None,
            (false, 0 | 1) => HexMode::Network,
            (false, _) => HexMode::Link,
        }
    }

    fn time_format(t: u8) -> TimeFormat {
        TimeFormat::from_count(t)
    }
}

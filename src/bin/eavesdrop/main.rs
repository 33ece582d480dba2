//! The command line: arguments become a frozen configuration, `main` maps results to
//! exit codes (0 ok, 1 policy violated, 2 error). A closed pipe (`| head`) exits quietly.

mod args;

use anyhow::Context as _;
use args::{Cli, Command, ShowArgs};
use clap::Parser as _;
use eavesdrop::render::hexdump::{HexMode, ShowOptions, ShowSink};
use eavesdrop::render::line::LineOptions;
use eavesdrop::render::time::{Clock, TimeFormat};
use eavesdrop::{CaptureReader, Engine};
use std::io::{self, Write as _};
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
    }
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let config = args.resolve();
    let mut reader = CaptureReader::open(&config.path)?;
    let tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let clock = Clock::new(config.time, config.nanos, tz);
    let stdout = io::stdout().lock();
    let stderr = io::stderr();
    let opts = ShowOptions {
        hex: config.hex,
        color: config.color,
        notes: config.notes,
        line: LineOptions {
            numbers: config.numbers,
            absolute_seq: config.absolute_seq,
            describe: config.describe,
        },
    };
    let sink = ShowSink::new(stdout, stderr, opts, clock);
    let mut engine = Engine::new(sink, config.engine);
    let mut failure = None;
    let mut count = 0u64;
    while let Some(next) = reader.next_frame() {
        for w in reader.take_warnings() {
            engine.warning(&format!("at byte {}: {}", w.offset, w.message))?;
        }
        match next {
            Ok(frame) => {
                engine.push(frame).context("writing output")?;
                count += 1;
                if config.count.is_some_and(|c| count >= c) {
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
    drop(sink);
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

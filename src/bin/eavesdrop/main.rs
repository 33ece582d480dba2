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
mod reading;

use anyhow::Context as _;
use args::{CheckArgs, Cli, Command, DemoArgs, FlowsArgs, HtmlArgs, ShowArgs};
use clap::{CommandFactory as _, Parser as _};
use eavesdrop::check::{parse_tls_version, Policy};
use eavesdrop::engine::parallel;
use eavesdrop::keys::{KeyLog, KeyRing};
use eavesdrop::render::check::CheckSink;
use eavesdrop::render::flows::{Filtered, FlowsSink};
use eavesdrop::render::hexdump::{ShowOptions, ShowSink};
use eavesdrop::render::html::{write_page, HtmlSink, Page, Section};
use eavesdrop::render::json::{JsonMode, JsonSink};
use eavesdrop::render::time::Clock;
use eavesdrop::render::OutputFormat;
use eavesdrop::sink::{Copying, KeepFrames, ParallelSink, Sink};
use eavesdrop::{CaptureError, CaptureReader, Engine, EngineConfig};
use progress::{Progress, Suspend};
use std::io::{self, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

pub(crate) use reading::KeySource;
use reading::*;

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

fn flows_one<W: io::Write, E: io::Write>(
    args: &FlowsArgs,
    path: &Path,
    out: W,
    err: E,
    jobs: usize,
    keys: &KeySource,
    progress: &mut Progress,
) -> anyhow::Result<Option<CaptureError>> {
    let config = args.limits.reports_config();
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
        file_outcome(path, failure, "reported", &mut code)
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

/// Writes the page to `path` (or standard output), streamed rather than built in
/// memory first (the page of a big capture is tens of MB). A file is written under a
/// temporary name beside it and renamed when complete, so a failed run leaves no
/// half-written page (nor an older page half overwritten).
fn write_html(path: Option<&Path>, page: &Page, quiet: bool) -> anyhow::Result<()> {
    html_output(path)?;
    let Some(p) = path else {
        let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
        write_page(&mut out, page)?;
        return Ok(out.flush()?);
    };
    let cannot = || format!("cannot write {}", p.display());
    let mut name = p.file_name().unwrap_or(p.as_os_str()).to_owned();
    name.push(format!(".eavesdrop-{}.tmp", std::process::id()));
    let tmp = p.with_file_name(name);
    // Where no file can be made beside it (a directory not writable, an existing page
    // that is), the page is written in place.
    let (file, target) = match std::fs::File::create(&tmp) {
        Ok(f) => (f, tmp.as_path()),
        Err(_) => (std::fs::File::create(p).with_context(cannot)?, p),
    };
    let written = (|| {
        let mut out = io::BufWriter::with_capacity(1 << 16, file);
        write_page(&mut out, page)?;
        out.flush()?;
        drop(out);
        if target != p {
            std::fs::rename(target, p)?;
        }
        std::fs::metadata(p).map(|m| m.len())
    })();
    let len = match written {
        Ok(len) => len,
        Err(e) => {
            if target != p {
                let _ = std::fs::remove_file(target);
            }
            return Err(e).with_context(cannot);
        }
    };
    if !quiet {
        eprintln!(
            "eavesdrop: wrote {} ({})",
            p.display(),
            eavesdrop::text::bytes(len)
        );
    }
    Ok(())
}

/// One capture's section of the page, read with `jobs` shards; a capture damaged part
/// way has what came before on the page, with a warning, and its error.
fn html_one(
    args: &HtmlArgs,
    path: &Path,
    jobs: usize,
    progress: &mut Progress,
) -> anyhow::Result<(Section, Option<CaptureError>)> {
    let name = path.display().to_string();
    // Every frame goes to the page (its ladder, the packet list, the detail).
    let sink = Copying::new(HtmlSink::new(&name, args.options()), KeepFrames::All);
    let none = &mut FrameFilter::none();
    let config = args.limits.config(true);
    let keys = &KeySource::default();
    let (
        Copying {
            inner: mut sink, ..
        },
        failure,
    ) = read_parallel(path, sink, config, jobs, None, none, keys, progress)?;
    if let Some(e) = &failure {
        sink.warning(&format!(
            "reading stopped: {e} (everything before it is on this page)"
        ))?;
    }
    Ok((sink.into_section(), failure))
}

fn html(args: HtmlArgs) -> anyhow::Result<ExitCode> {
    html_output(args.output.as_deref())?;
    let jobs = args.jobs.resolve(args.files.len());
    let mut page = Page::default();
    let mut code = ExitCode::SUCCESS;
    let mut done = |path: &Path, result: anyhow::Result<(Section, Option<CaptureError>)>| {
        match result {
            Ok((section, failure)) => {
                if let Some(e) = failure {
                    damaged(path, &e, "put on the page");
                    code = ExitCode::from(2);
                }
                page.sections.push(section);
            }
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
            |path, shards, _, _| html_one(&args, path, shards, &mut Progress::off()),
            &mut done,
        )?;
    } else {
        for path in &args.files {
            let mut progress = Progress::for_file(path, progress_allowed(false, args.quiet));
            let result = html_one(&args, path, jobs, &mut progress);
            done(path, result)?;
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
    let config = args.limits.check_config();
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
    Clock::new(config.time, config.nanos, local_zone())
}

/// The zone local times are shown in: `TZ`'s, else `/etc/localtime`'s, else UTC.
/// Without `TZ`, `/etc/localtime` is read here as it is: jiff would first name the
/// zone from where the link points and look the name up in its database, which lists
/// the whole database (3.2 M instructions a run, 0.5% of `show` on 20 MB) to hand
/// back the rules of that same file. Only the rules (offsets, transitions) are used;
/// the name is never printed.
pub(crate) fn local_zone() -> jiff::tz::TimeZone {
    if std::env::var_os("TZ").is_none() {
        let read = std::fs::read("/etc/localtime").ok();
        if let Some(tz) = read.and_then(|d| jiff::tz::TimeZone::tzif("Local", &d).ok()) {
            return tz;
        }
    }
    jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC)
}

fn show_options(config: &args::ShowConfig) -> ShowOptions {
    config.show
}

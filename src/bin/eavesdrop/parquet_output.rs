//! `flows --format parquet`: the flows of every capture given into one Parquet file
//! (feature `parquet`; docs/scale.md), a row per flow with the columns of `flows
//! --json`'s flow objects — `file` names the capture. Rows come in the order of the
//! files given and, within a file, in the order its flows end (as `flows --json`),
//! whatever `-j`.

use crate::args::FlowsArgs;
use eavesdrop::render::OutputFormat;
use std::process::ExitCode;

/// `flows` with `--format parquet` or `-o`.
pub fn flows(args: &FlowsArgs) -> anyhow::Result<ExitCode> {
    if args.format() != OutputFormat::Parquet {
        anyhow::bail!(
            "-o/--output writes Parquet (--format parquet); text and JSON go to standard \
             output: redirect it"
        );
    }
    for (given, flag) in [
        (args.brief, "--brief"),
        (args.full, "--full"),
        (args.summary, "--summary"),
    ] {
        if given {
            anyhow::bail!("{flag} is for the text output, not --format parquet");
        }
    }
    write(args)
}

#[cfg(not(feature = "parquet"))]
fn write(_: &FlowsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this eavesdrop was built without Parquet output: build it with the `parquet` \
         feature (cargo build --features parquet, or cargo install --features parquet …)"
    )
}

#[cfg(feature = "parquet")]
fn write(args: &FlowsArgs) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    use std::io::{self, IsTerminal as _};
    let path = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let out: Box<dyn io::Write + Send> = match path {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        ),
        None if io::stdout().is_terminal() => anyhow::bail!(
            "Parquet is binary, not for a terminal: give -o OUT.parquet, or redirect standard \
             output (eavesdrop flows --format parquet FILE > flows.parquet)"
        ),
        None => Box::new(io::stdout()),
    };
    let written = with_writer::run(args, out);
    match (&written, path) {
        (Err(_), Some(p)) => {
            // No half-written file (it would have no footer): the error says why.
            let _ = std::fs::remove_file(p);
        }
        (Ok((_, rows)), Some(p)) if !args.quiet => {
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "eavesdrop: wrote {} ({} flows, {})",
                p.display(),
                eavesdrop::text::grouped(*rows),
                eavesdrop::text::bytes(size)
            );
        }
        _ => {}
    }
    written.map(|(code, _)| code)
}

#[cfg(feature = "parquet")]
mod with_writer {
    use crate::args::FlowsArgs;
    use crate::progress::{Progress, Suspend};
    use crate::{
        file_outcome, files_in_parallel, progress_allowed, read_parallel, FrameFilter, KeySource,
    };
    use anyhow::Context as _;
    use eavesdrop::render::flows::Filtered;
    use eavesdrop::render::parquet::{Batch, ParquetSink, ParquetWriter};
    use eavesdrop::sink::{Copying, KeepFrames};
    use eavesdrop::CaptureError;
    use std::io::{self, Write as _};
    use std::path::Path;
    use std::process::ExitCode;

    /// Writes every capture's flows to `out`; the exit code and the rows written.
    pub fn run(
        args: &FlowsArgs,
        out: Box<dyn io::Write + Send>,
    ) -> anyhow::Result<(ExitCode, u64)> {
        let mut writer = ParquetWriter::new(out)?;
        let jobs = args.jobs.resolve(args.files.len());
        let mut keys = KeySource::new(&args.keys, false);
        // `to_server.decrypted.sha256` is a column, as in the JSON.
        keys.digests = true;
        let keys = &keys;
        let mut code = ExitCode::SUCCESS;
        let mut done = |path: &Path, failure: anyhow::Result<Option<CaptureError>>| {
            file_outcome(path, failure, "written", &mut code)
        };
        if jobs > 1 && args.files.len() > 1 {
            // Each capture's rows are kept until the captures before it are written.
            files_in_parallel(
                &args.files,
                jobs,
                |path, shards, _out, err| {
                    let mut batches = Vec::new();
                    let keep = |b: Batch| {
                        batches.push(b);
                        Ok(())
                    };
                    let failure =
                        read_one(args, path, err, shards, keys, &mut Progress::off(), keep)?;
                    Ok((batches, failure))
                },
                |path, result: anyhow::Result<(Vec<Batch>, Option<CaptureError>)>| {
                    let (batches, failure) = match result {
                        Ok(r) => r,
                        Err(e) => return done(path, Err(e)),
                    };
                    for b in batches {
                        // The output broke: nothing after it can be written.
                        writer.push(b).context("writing output")?;
                    }
                    done(path, Ok(failure))
                },
            )?;
        } else {
            for path in &args.files {
                let mut progress = Progress::for_file(path, progress_allowed(false, args.quiet));
                let err = Suspend::new(io::stderr(), progress.bar());
                let write = |b: Batch| writer.push(b);
                let failure = read_one(args, path, err, jobs, keys, &mut progress, write);
                done(path, failure)?;
            }
        }
        let rows = writer.rows();
        let mut out = writer.finish().context("writing output")?;
        out.flush().context("writing output")?;
        Ok((code, rows))
    }

    /// Reads one capture, its rows handed to `full` a row group at a time.
    fn read_one<E: io::Write>(
        args: &FlowsArgs,
        path: &Path,
        err: E,
        jobs: usize,
        keys: &KeySource,
        progress: &mut Progress,
        full: impl FnMut(Batch) -> io::Result<()>,
    ) -> anyhow::Result<Option<CaptureError>> {
        let name = path.display().to_string();
        let sink = ParquetSink::new(&name, err, full)?;
        let sink = Copying::new(Filtered::new(sink, args.filter()), KeepFrames::None);
        let config = args.limits.reports_config();
        let none = &mut FrameFilter::none();
        read_parallel(path, sink, config, jobs, None, none, keys, progress).map(|(_, f)| f)
    }
}

//! Reading captures into a sink: the frame filter, the keys given and found in the
//! captures, one file after another or several at once (in order), and damaged
//! files reported.

use super::*;
use eavesdrop::capture::file::Sharded;

/// The frames a BPF filter keeps (built with the `live` feature: libpcap compiles it),
/// renumbered 1, 2, 3… like `tcpdump -# -r FILE FILTER` counts them.
pub(super) struct FrameFilter {
    #[cfg(feature = "live")]
    pub(super) bpf: Option<eavesdrop::capture::live::FileFilter>,
    pub(super) kept: u64,
}

impl FrameFilter {
    pub(super) fn new(expr: &str) -> anyhow::Result<FrameFilter> {
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
    pub(super) fn is_active(&self) -> bool {
        #[cfg(feature = "live")]
        if self.bpf.is_some() {
            return true;
        }
        false
    }

    pub(super) fn none() -> FrameFilter {
        FrameFilter {
            #[cfg(feature = "live")]
            bpf: None,
            kept: 0,
        }
    }

    /// The frame, renumbered, if the filter keeps it.
    #[cfg_attr(not(feature = "live"), allow(unused_mut))]
    pub(super) fn apply(&mut self, mut frame: eavesdrop::Frame) -> Option<eavesdrop::Frame> {
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
    pub(super) fn new(args: &args::KeyArgs, plaintext: bool) -> KeySource {
        KeySource {
            files: args.keylog.clone(),
            rsa_keys: args.rsa_key.clone(),
            plaintext,
            digests: false,
        }
    }

    /// Whether `--keylog` or `--rsa-key` gave keys.
    pub(super) fn given(&self) -> bool {
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
pub(super) fn use_secrets<S: Sink>(
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
pub(super) fn read_into<S: Sink>(
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
pub(super) fn read_parallel<S: ParallelSink>(
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
    // Every shard reads the file, up to the length it has now, so that all read the
    // same frames even if it grows; all readers are opened before any thread starts.
    let len = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let mut readers = Vec::new();
    for _ in 0..jobs {
        let file = std::fs::File::open(path).map_err(|source| CaptureError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let reader =
            CaptureReader::from_reader(io::Read::take(file, len), &path.display().to_string())?;
        readers.push(std::sync::Mutex::new(Some(reader)));
    }
    let progress = std::sync::Mutex::new(progress);
    let (result, failure) = parallel::run(sink, config, jobs, |feed| {
        // One reader per shard, opened above: a shard without one reads nothing.
        let mut reader = readers
            .get(feed.index())
            .and_then(|r| r.lock().ok())
            .and_then(|mut r| r.take())?;
        // Other shards' frames are counted, not copied.
        reader.keep_shard(feed.shards(), feed.index() as u32);
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
                    let pushed = match reader.sharded() {
                        Sharded::Other(caplen) => feed.pass(&frame, caplen),
                        Sharded::Mine => feed.push_own(frame),
                        Sharded::Undecided => feed.push(frame),
                    };
                    if pushed.is_err() {
                        // The output stopped; the merger says why.
                        break;
                    }
                    while let Some(buf) = feed.spare_buffer() {
                        reader.recycle(buf);
                    }
                    n += 1;
                    if n % 256 == 0 && feed.is_first() {
                        if let Ok(mut p) = progress.lock() {
                            p.update(reader.offset());
                        }
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
        if feed.is_first() {
            if let Ok(p) = progress.lock() {
                p.clear();
            }
        }
        Some(failure)
    });
    let (sink, _summary) = result.context("writing output")?;
    let failure = failure
        .flatten()
        .ok_or_else(|| anyhow::anyhow!("the capture reader failed"))?;
    Ok((sink, failure))
}

/// Whether a pcapng file has a Decryption Secrets Block among its first blocks (the
/// specification puts them before the packets they decrypt; `editcap --inject-secrets`
/// writes them after the first interface). Its keys must follow every session, so such
/// a file is read on one thread. Standard input cannot be looked into: it stays on one
/// thread too. Reads block headers only, within the first MiB.
pub(super) fn secrets_ahead(path: &Path) -> bool {
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

/// How reading one capture went, for a command that writes what it read (`what`:
/// "reported", "written"): a damaged capture or an error sets exit code 2; a closed
/// pipe ends the run.
pub(crate) fn file_outcome(
    path: &Path,
    failure: anyhow::Result<Option<CaptureError>>,
    what: &str,
    code: &mut ExitCode,
) -> anyhow::Result<()> {
    match failure {
        Ok(None) => {}
        Ok(Some(e)) => {
            damaged(path, &e, what);
            *code = ExitCode::from(2);
        }
        Err(e) if super::is_broken_pipe(&e) => return Err(e),
        Err(e) => {
            eprintln!("eavesdrop: error: {}", super::message(&e));
            *code = ExitCode::from(2);
        }
    }
    Ok(())
}

pub(super) fn damaged(path: &Path, e: &CaptureError, what: &str) {
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
pub(super) fn files_in_parallel<T: Send>(
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

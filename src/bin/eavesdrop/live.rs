//! `eavesdrop live`: capture with libpcap (feature `live`) and show packets as they
//! arrive, through the same engine as files.

use crate::args::LiveArgs;
use std::process::ExitCode;

#[cfg(not(feature = "live"))]
pub fn run(_args: LiveArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this eavesdrop was built without live capture: rebuild with `cargo build --release \
         --features live` (Debian: apt-get install libpcap-dev), or capture with tcpdump and \
         pipe it in: sudo tcpdump -i lo -U -w - | eavesdrop show -"
    )
}

#[cfg(feature = "live")]
pub fn run(args: LiveArgs) -> anyhow::Result<ExitCode> {
    imp::run(args)
}

#[cfg(feature = "live")]
mod imp {
    use super::*;
    use anyhow::Context as _;
    use eavesdrop::capture::live::{interfaces, LiveCapture};
    use eavesdrop::capture::pcapng_write::PcapngWriter;
    use eavesdrop::render::hexdump::ShowSink;
    use eavesdrop::render::time::{Clock, TimeFormat};
    use eavesdrop::Engine;
    use std::collections::VecDeque;
    use std::io::{self, BufWriter};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    pub fn run(args: LiveArgs) -> anyhow::Result<ExitCode> {
        if args.list {
            for i in interfaces()? {
                let mut flags = Vec::new();
                if i.loopback {
                    flags.push("loopback");
                }
                if i.up {
                    flags.push("up");
                }
                println!(
                    "{}{}{}",
                    i.name,
                    i.description.map(|d| format!(" ({d})")).unwrap_or_default(),
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", flags.join(", "))
                    }
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        let filter = args.filter.join(" ");
        let mut cap = LiveCapture::open(&args.interface, args.snaplen, 100, Some(&filter))?;
        let link = cap.link();
        eprintln!(
            "eavesdrop: listening on {}, link-type {}, snapshot length {} bytes{}",
            args.interface,
            link,
            args.snaplen,
            if filter.is_empty() {
                String::new()
            } else {
                format!(", filter {filter:?}")
            }
        );
        let mut writer = match &args.write {
            Some(path) => {
                let f = std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Some(PcapngWriter::new(
                    BufWriter::new(f),
                    link,
                    args.snaplen,
                    &args.interface,
                )?)
            }
            None => None,
        };
        let stop = Arc::new(AtomicBool::new(false));
        {
            let stop = stop.clone();
            ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
                .context("cannot handle Ctrl-C")?;
        }
        let d = &args.display;
        let opts = d.show_options();
        let clock = Clock::new(TimeFormat::from_count(d.time), d.nano, crate::local_zone());
        let sink = ShowSink::new(io::stdout().lock(), io::stderr(), opts, clock);
        let ring = crate::KeySource::new(&args.keys, true).ring()?;
        let mut engine = Engine::new(sink, args.limits.config(false));
        if let Some(r) = &ring {
            engine.set_keys(r.clone());
        }
        let hold = Duration::from_millis(args.max_hold_ms);
        let mut pushed: VecDeque<(u64, Instant)> = VecDeque::new();
        let mut captured = 0u64;
        let mut failure: Option<anyhow::Error> = None;
        while !stop.load(Ordering::SeqCst) {
            match cap.next_frame() {
                Ok(Some(frame)) => {
                    captured += 1;
                    if let Some(w) = writer.as_mut() {
                        if let Err(e) = w.frame(&frame) {
                            failure = Some(anyhow::Error::new(e).context(format!(
                                "cannot write {}",
                                args.write.as_ref().map_or(String::new(), |p| p
                                    .display()
                                    .to_string())
                            )));
                            break;
                        }
                    }
                    let n = frame.number;
                    engine.push(frame).context("writing output")?;
                    pushed.push_back((n, Instant::now()));
                    if args.count.is_some_and(|c| captured >= c) {
                        break;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    failure = Some(e.into());
                    break;
                }
            }
            // A frame waiting for the rest of its message is shown after `hold`.
            let mut through = None;
            while let Some(&(n, t)) = pushed.front() {
                if engine.pending_frames() == 0 {
                    pushed.clear();
                    break;
                }
                if t.elapsed() < hold {
                    break;
                }
                through = Some(n);
                pushed.pop_front();
            }
            if let Some(n) = through {
                engine
                    .release_through(n, args.max_hold_ms)
                    .context("writing output")?;
            }
            engine.sink_mut().flush().context("writing output")?;
        }
        let (mut sink, _summary) = engine.finish().context("writing output")?;
        sink.flush().context("writing output")?;
        if let Some(r) = &ring {
            eprintln!("eavesdrop: {}", r.stats().sentence());
        }
        if let Some(mut w) = writer {
            if let Err(e) = w.flush() {
                let path = args
                    .write
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string());
                failure.get_or_insert(
                    anyhow::Error::new(e).context(format!("cannot write the capture to {path}")),
                );
            }
        }
        // tcpdump's closing counts.
        let stats = cap.stats();
        eprintln!("{captured} packets captured");
        if let Some(s) = stats {
            eprintln!("{} packets received by filter", s.received);
            eprintln!("{} packets dropped by kernel", s.dropped);
            if s.if_dropped > 0 {
                eprintln!("{} packets dropped by interface", s.if_dropped);
            }
            if s.dropped > 0 {
                eprintln!(
                    "eavesdrop: the kernel dropped packets eavesdrop could not read in time: \
                     streams may have holes (narrow the capture with a filter, add --no-hex, \
                     or save with -w and read the file afterwards)"
                );
            }
        }
        match failure {
            None => Ok(ExitCode::SUCCESS),
            Some(e) => {
                eprintln!("eavesdrop: error: {}", crate::message(&e));
                Ok(ExitCode::from(2))
            }
        }
    }
}

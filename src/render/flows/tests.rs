//! The flows table run on made-up reports: order, the sorting bound, filters, folding.

use super::*;

fn report(id: u64, first: u64, port: u16) -> FlowReport {
    let c = ("10.0.0.1".parse().unwrap(), port);
    let s = ("10.0.0.2".parse().unwrap(), 443);
    let mut r = FlowReport::new(id, Transport::Tcp, c, s);
    r.first_frame = first;
    r.last_frame = first + 1;
    r
}

fn run(opts: FlowsOptions, reports: &[FlowReport]) -> (String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    {
        let mut sink = FlowsSink::new(&mut out, &mut err, opts, "x.pcap");
        for r in reports {
            sink.flow(r).unwrap();
        }
        sink.finish(&Summary::default()).unwrap();
    }
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn ids(out: &str) -> Vec<u64> {
    out.lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn flows_are_sorted_by_first_frame_whatever_order_they_end_in() {
    let reports = [report(3, 30, 3), report(1, 10, 1), report(2, 20, 2)];
    let brief = FlowsOptions {
        brief: true,
        ..FlowsOptions::default()
    };
    let (out, _) = run(brief.clone(), &reports);
    assert_eq!(ids(&out), [1, 2, 3], "{out}");
    let (out, _) = run(
        FlowsOptions {
            sort: FlowSort::Bytes,
            ..brief
        },
        &reports,
    );
    assert_eq!(ids(&out), [1, 2, 3], "ties keep capture order: {out}");
}

/// Past the bound, flows print as they end, with a note; nothing is lost.
#[test]
fn past_the_sorting_bound_flows_print_in_end_order_with_a_note() {
    let reports = [report(3, 30, 3), report(1, 10, 1), report(2, 20, 2)];
    let opts = FlowsOptions {
        brief: true,
        max_sorted: 2,
        ..FlowsOptions::default()
    };
    let (out, err) = run(opts, &reports);
    assert_eq!(ids(&out), [3, 1, 2], "{out}");
    assert!(err.contains("more than 2 flows"), "{err}");
    assert!(out.contains("totals: 3 flows"), "{out}");
}

/// Flows that end in two streams (connections closing as they go, and DNS or open
/// ones ended with the file) come back sorted through a few reads of the temporary
/// file, not a read for nearly every entry (one window alternated between the two:
/// 20,000 reads of 256 KiB for 54,509 flows), and as they went in.
#[test]
fn entries_ending_in_two_streams_read_back_in_few_reads() {
    const FLOWS: u64 = 2000;
    let reports: Vec<FlowReport> = (1..=FLOWS)
        .map(|i| report(i, i, 1000 + (i % 60_000) as u16))
        .collect();
    // Odd flows end as they go; even ones all at the end.
    let ended = reports
        .iter()
        .filter(|r| r.id % 2 == 1)
        .chain(reports.iter().filter(|r| r.id % 2 == 0));
    let sink = FlowsSink::new(io::sink(), io::sink(), FlowsOptions::default(), "x");
    let spill_at = 16 * 1024;
    let mut kept = Kept::new(FlowSort::First, spill_at, usize::MAX);
    let mut scratch = table::Scratch::default();
    let mut text = 0;
    for r in ended {
        let p = sink.parts(r, &mut scratch);
        text += p.body.len();
        kept.push(r, &p).unwrap();
    }
    assert!(text > 4 * spill_at, "spilled: {text} bytes of details");
    kept.ready(true);
    let mut got = Vec::new();
    for i in 0..kept.len() {
        got.push(kept.get(i).unwrap().cells.id().parse::<u64>().unwrap());
    }
    assert_eq!(got, (1..=FLOWS).collect::<Vec<_>>());
    // Each stream's text read about once (a window holds a quarter of the bound, and
    // an entry's text is its details and about as much again), not a read an entry.
    let bound = 3 * (2 * text).div_ceil(spill_at / 4);
    assert!(bound < FLOWS as usize / 2, "{bound}");
    assert!(
        kept.reads() as usize <= bound,
        "{} reads, {bound} at most",
        kept.reads()
    );
}

/// Entries spilled to the temporary file print as the ones kept in memory, in every
/// order and layout, read back through windows smaller than an entry, about as large,
/// and holding many.
#[test]
fn spilled_entries_print_as_kept_ones() {
    const FLOWS: u64 = 300;
    let mut reports: Vec<FlowReport> = (1..=FLOWS)
        .map(|i| report(i, (i * 7919) % 997, 1000 + i as u16))
        .collect();
    for (i, r) in reports.iter_mut().enumerate() {
        r.dirs[i % 2].bytes = (i as u64 * 31) % 13;
        r.dirs[0].packets = i as u64;
    }
    for sort in [
        FlowSort::First,
        FlowSort::Id,
        FlowSort::Bytes,
        FlowSort::Readable,
    ] {
        for brief in [false, true] {
            let opts = FlowsOptions {
                brief,
                sort,
                color: true,
                ..FlowsOptions::default()
            };
            let (kept, _) = run(opts.clone(), &reports);
            // The order asked for, worked out here from the reports.
            let mut expected: Vec<&FlowReport> = reports.iter().collect();
            let total = |r: &FlowReport| std::cmp::Reverse(r.dirs[0].bytes + r.dirs[1].bytes);
            match sort {
                FlowSort::First | FlowSort::Readable => {
                    expected.sort_by_key(|r| (r.first_frame, r.id))
                }
                FlowSort::Id => expected.sort_by_key(|r| r.id),
                FlowSort::Bytes => expected.sort_by_key(|r| (total(r), r.first_frame, r.id)),
            }
            let expected: Vec<u64> = expected.iter().map(|r| r.id).collect();
            assert_eq!(ids(&kept), expected, "{sort:?}");
            for (keep_reports, spill_at) in [(0, 100), (7, 100), (0, 700), (0, 5000)] {
                let (spilled, _) = run(
                    FlowsOptions {
                        spill_at,
                        keep_reports,
                        ..opts.clone()
                    },
                    &reports,
                );
                assert_eq!(kept, spilled, "{sort:?}, spilled at {spill_at}");
            }
            assert_eq!(ids(&kept).len(), FLOWS as usize, "{kept}");
        }
    }
}

#[test]
fn filters_by_endpoint_and_kind() {
    let e: EndpointMatch = "10.0.0.1:2".parse().unwrap();
    assert_eq!(e.port, Some(2));
    let v6: EndpointMatch = "[::1]:443".parse().unwrap();
    assert_eq!(v6.port, Some(443));
    assert!("[::1]".parse::<EndpointMatch>().unwrap().port.is_none());
    assert!("::1".parse::<EndpointMatch>().unwrap().port.is_none());
    assert!("example.com:80".parse::<EndpointMatch>().is_err());
    let reports = [report(1, 10, 1), report(2, 20, 2)];
    let opts = FlowsOptions {
        brief: true,
        filter: FlowFilter {
            only: vec![],
            endpoints: vec![e],
        },
        ..FlowsOptions::default()
    };
    let (out, _) = run(opts, &reports);
    assert_eq!(ids(&out), [2], "{out}");
    assert!(out.contains("totals: 1 of 2 flows shown"), "{out}");
    let opts = FlowsOptions {
        filter: FlowFilter {
            only: vec![Only::Opaque],
            endpoints: vec![],
        },
        ..FlowsOptions::default()
    };
    let (out, _) = run(opts, &reports);
    assert!(ids(&out).is_empty(), "{out}");
}

#[test]
fn long_lists_fold_unless_full() {
    let items: Vec<String> = (0..42).map(|i| format!("s{i}")).collect();
    assert_eq!(
        folded(&items, false, ", ", ""),
        "s0, s1, s2, s3, s4, … and 37 more"
    );
    assert_eq!(folded(&items, true, ", ", "").matches(", ").count(), 41);
}

/// Names past five are folded into a count (all of them with `--full`), each name
/// once with every way it was learned.
#[test]
fn names_fold_past_five_and_list_every_source() {
    use crate::proto::NameSource;
    use crate::report::NameSeen;
    let mut r = report(1, 1, 1);
    for i in 0..7 {
        let name = format!("n{i}.example");
        r.findings_mut().names.push(NameSeen {
            name: name.clone(),
            source: NameSource::Sni,
            frame: 1,
        });
        if i == 0 {
            r.findings_mut().names.push(NameSeen {
                name,
                source: NameSource::Dns,
                frame: 2,
            });
        }
    }
    let (out, _) = run(FlowsOptions::default(), std::slice::from_ref(&r));
    let line = out.lines().find(|l| l.contains("names:")).unwrap();
    assert!(
        line.ends_with(
            "names: n0.example (sni, dns), n1.example (sni), n2.example (sni), \
             n3.example (sni), n4.example (sni), … and 2 more names"
        ),
        "{line}"
    );
    let full = FlowsOptions {
        full: true,
        ..FlowsOptions::default()
    };
    let (out, _) = run(full, &[r]);
    let line = out.lines().find(|l| l.contains("names:")).unwrap();
    assert!(
        line.ends_with("n5.example (sni), n6.example (sni)"),
        "{line}"
    );
}

/// Endpoints as the standard library writes addresses and ports (`1.2.3.4:80`,
/// `[::1]:443`): the table writes them without the formatting machinery.
#[test]
fn endpoints_read_as_formatted() {
    for text in [
        "0.0.0.0:0",
        "10.0.0.1:443",
        "255.255.255.255:65535",
        "192.168.100.9:8080",
        "[::1]:443",
        "[fe80::1:2ff:fe03:405]:5353",
        "[::ffff:10.0.0.1]:22",
    ] {
        let sa: std::net::SocketAddr = text.parse().unwrap();
        let mut s = String::new();
        table::Endpoint(&(sa.ip(), sa.port())).push_to(&mut s);
        assert_eq!(s, sa.to_string());
        assert_eq!(s, text);
    }
}

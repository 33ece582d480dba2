//! `flows` on a capture of more than 300 flows (tests/data/many-flows.pcapng, made by
//! scripts/make-many-flows.sh from copies of captures/ on their own addresses, merged
//! by time): sorted by first frame, one line per flow with --brief and none wider than
//! 120 columns, long lists folded, units and plurals consistent. Snapshots are read by
//! hand when they change (`cargo insta review`).

// A panic in a test (or a generator) is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;

fn many() -> String {
    repo()
        .join("tests/data/many-flows.pcapng")
        .to_string_lossy()
        .into_owned()
}

/// `flows` with these arguments; the checkout's location is replaced by `REPO` in the
/// output, so snapshots do not depend on where the repository lives.
fn flows(args: &[&str]) -> (String, String) {
    let mut all = vec!["flows", "--color=never"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let root = repo().to_string_lossy().into_owned();
    (
        text(&out.stdout).replace(&root, "REPO"),
        text(&out.stderr).replace(&root, "REPO"),
    )
}

/// The flow numbers of the rows, in printed order.
fn ids(out: &str) -> Vec<u64> {
    out.lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

/// Issue 14: 2,600 lines for 300 flows, in end order.
#[test]
fn brief_is_one_line_per_flow_within_120_columns_in_capture_order() {
    let (out, err) = flows(&["--brief", &many()]);
    let ids = ids(&out);
    assert!(ids.len() >= 300, "{} flows", ids.len());
    // Header, file name, one line per flow, totals and the stacks and leaks lines,
    // then what an observer learned.
    let table = out.split("what an observer learned").next().unwrap();
    assert_eq!(table.lines().count(), ids.len() + 5, "{out}");
    for line in out.lines() {
        assert!(
            line.chars().count() <= 120,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "flows in the order they started");
    insta::assert_snapshot!("flows_brief_many", format!("{out}--- stderr ---\n{err}"));
}

#[test]
fn detailed_flows_fold_long_lists_and_agree_on_units() {
    let (out, err) = flows(&[&many()]);
    // Totals: the stacks line lists five stacks and says how many more.
    let stacks = out.lines().find(|l| l.starts_with("  stacks:")).unwrap();
    assert!(stacks.contains("… and "), "{stacks}");
    assert!(stacks.chars().count() < 300, "{stacks}");
    // No "1 flows", "1 packets"; byte counts grouped by thousands in the summary.
    for bad in ["1 flows", " 1 packets", "1 frames", "1 bytes"] {
        assert!(
            !out.contains(&format!(" {bad}")) && !out.starts_with(bad),
            "{bad}"
        );
    }
    assert!(err.contains("captured bytes"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("captured bytes") && l.contains(',')),
        "{err}"
    );
    // --full lists every stack.
    let (full, _) = flows(&["--full", &many()]);
    let stacks = full.lines().find(|l| l.starts_with("  stacks:")).unwrap();
    assert!(!stacks.contains("… and "), "{stacks}");
    // One copy's flows in full detail (127.0.0.1 and ::1: the captures as made).
    let (one, _) = flows(&["--flow", "127.0.0.1", "--flow", "::1", &many()]);
    insta::assert_snapshot!("flows_many_one_copy", one);
}

#[test]
fn sorting_and_filters() {
    let (out, _) = flows(&["--brief", "--sort", "bytes", &many()]);
    let (by_id, _) = flows(&["--brief", "--sort", "id", &many()]);
    assert_ne!(ids(&out), ids(&by_id));
    let mut sorted = ids(&by_id);
    sorted.sort_unstable();
    assert_eq!(ids(&by_id), sorted);
    // --only credentials: every line names a credential.
    let (out, _) = flows(&["--brief", "--only", "credentials", &many()]);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u64>().is_ok())
        })
        .collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|l| l.contains("CREDENTIALS")), "{out}");
    assert!(out.contains(" shown"), "{out}");
    // --flow: one copy's addresses (127.3.0.1) at either end, with or without a port.
    let (out, _) = flows(&["--brief", "--flow", "127.3.0.1", &many()]);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u64>().is_ok())
        })
        .collect();
    assert!(rows.len() >= 20, "{out}");
    assert!(rows.iter().all(|l| l.contains("127.3.0.1")), "{out}");
    let (out, _) = flows(&["--brief", "--flow", "[::1]:1060", &many()]);
    assert!(out.contains("[::1]:"), "{out}");
    // --only and --flow apply to JSON too (which stays unsorted).
    let out = run(&["flows", "--json", "--only", "credentials", &many()]);
    let flows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "flow")
        .collect();
    assert!(!flows.is_empty());
    assert!(run(&["flows", "--json", "--brief", &many()]).status.code() == Some(2));
}

//! The house rules that a review would otherwise have to check by hand (issue 9): no
//! source file grows past what one reader holds in mind.

// A panic in a test is a failure to report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// Non-test lines a source file may have: past this, split it into a folder module by
/// job (as src/proto/ssh/ and src/proto/tls/ are).
const MAX_LINES: usize = 700;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Lines before an inline `#[cfg(test)] mod NAME {` (the file's tests), or all.
fn non_test_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("#[cfg(test)]") {
            let next = lines.get(i + 1).copied().unwrap_or("");
            let words: Vec<&str> = next.split_whitespace().collect();
            let inline_mod = words.last() == Some(&"{")
                && (words.first() == Some(&"mod") || words.get(1) == Some(&"mod"));
            if inline_mod {
                return i;
            }
        }
    }
    lines.len()
}

#[test]
fn no_source_file_passes_700_non_test_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 100, "{}", files.len());
    let mut over: Vec<String> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .filter_map(|p| {
            let n = non_test_lines(&std::fs::read_to_string(p).unwrap());
            (n > MAX_LINES).then(|| format!("{}: {n}", p.strip_prefix(&root).unwrap().display()))
        })
        .collect();
    over.sort();
    assert!(over.is_empty(), "split these by job: {over:?}");
}

#[test]
fn the_count_stops_at_the_inline_tests() {
    let text = "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
    assert_eq!(non_test_lines(text), 2);
    // A gated item that is not the test module is counted.
    let text = "#[cfg(test)]\nuse x;\nfn a() {}\n";
    assert_eq!(non_test_lines(text), 3);
}

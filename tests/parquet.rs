//! `flows --format parquet` (feature `parquet`; docs/scale.md): every row of the
//! Parquet file, read back with the parquet crate's reader, is the `flow` object of
//! `flows --json` on the same captures — every key, value and nesting, in the same
//! order — over the sample captures, with and without their key logs, and whatever
//! `-j`; every column holds a value somewhere in that comparison. And the DuckDB
//! recipe of docs/scale.md, run by Python's `duckdb` over the development corpus's
//! flows, gives the same answers from the Parquet file as from `read_json` of the
//! JSON Lines.
//!
//! Without the feature, `--format parquet` fails with a message naming it.

// A panic in a test is a failure to report, not a crash on input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::*;
#[cfg(feature = "parquet")]
use serde_json::Value;
#[cfg(feature = "parquet")]
use std::path::Path;
use std::path::PathBuf;

#[cfg(not(feature = "parquet"))]
#[test]
fn without_the_feature_parquet_is_refused_naming_the_feature() {
    let dir = tempdir("parquet-off");
    let out = dir.join("flows.parquet");
    let cap = capture("tls12-echo.pcapng");
    let o = run(&[
        "flows",
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("`parquet` feature"), "{err}");
    assert!(!out.exists());
}

#[test]
fn output_file_is_for_parquet_only() {
    let cap = capture("tls12-echo.pcapng");
    let o = run(&["flows", "--json", "-o", "x.parquet", cap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("-o/--output writes Parquet"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&[
        "flows",
        "--format",
        "parquet",
        "--brief",
        cap.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--brief is for the text output"));
    let o = run(&[
        "flows",
        "--format",
        "parquet",
        "--json",
        cap.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "--format and --json conflict");
}

/// The sample captures that have a key log beside them, and the key logs.
#[cfg(feature = "parquet")]
fn with_keylogs() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut caps = Vec::new();
    let mut logs = Vec::new();
    for cap in sample_captures() {
        let log = cap.with_extension("keylog");
        if log.exists() {
            caps.push(cap);
            logs.push(log);
        }
    }
    (caps, logs)
}

/// One Parquet row as the JSON the reader's fields make: groups as objects (in
/// column order), lists as arrays, the map as an object.
#[cfg(feature = "parquet")]
fn field_json(f: &parquet::record::Field) -> Value {
    use parquet::record::Field;
    match f {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Long(n) => Value::from(*n),
        Field::Double(x) => Value::from(*x),
        Field::Str(s) => Value::String(s.clone()),
        Field::Group(row) => row_json(row),
        Field::ListInternal(list) => Value::Array(list.elements().iter().map(field_json).collect()),
        Field::MapInternal(map) => Value::Object(
            map.entries()
                .iter()
                .map(|(k, v)| match k {
                    Field::Str(k) => (k.clone(), field_json(v)),
                    k => panic!("a map key that is no string: {k:?}"),
                })
                .collect(),
        ),
        other => panic!("a Parquet type the flow schema does not use: {other:?}"),
    }
}

#[cfg(feature = "parquet")]
fn row_json(row: &parquet::record::Row) -> Value {
    Value::Object(
        row.get_column_iter()
            .map(|(k, v)| (k.clone(), field_json(v)))
            .collect(),
    )
}

/// The rows of a Parquet file as JSON, and its leaf columns' paths
/// (`tls.certificates.list.element.san.list.element`).
#[cfg(feature = "parquet")]
fn read_parquet(path: &Path) -> (Vec<Value>, Vec<String>) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let columns = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.path().string())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| row_json(&r.unwrap()))
        .collect();
    (rows, columns)
}

/// The paths of a JSON value's non-null scalars, named as the Parquet columns are.
#[cfg(feature = "parquet")]
fn filled(v: &Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Null => {}
        Value::Array(items) => {
            for x in items {
                filled(x, &join("list.element"), out);
            }
        }
        Value::Object(o) if path == "details" => {
            if !o.is_empty() {
                out.insert(join("key_value.key"));
                out.insert(join("key_value.value"));
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                filled(x, &join(k), out);
            }
        }
        _ => {
            out.insert(path.to_string());
        }
    }
}

/// Runs `flows --json` and `flows --format parquet` with `args`; the JSON's flow
/// lines and the Parquet file's rows and columns.
#[cfg(feature = "parquet")]
fn both(args: &[&str], out: &Path) -> (Vec<String>, Vec<Value>, Vec<String>) {
    let mut cmd = eavesdrop();
    cmd.arg("flows").arg("--json").args(args);
    let json = output_within(cmd, 600, "flows --json");
    let lines: Vec<String> = text(&json.stdout)
        .lines()
        .filter(|l| l.starts_with(r#"{"type":"flow""#))
        .map(str::to_string)
        .collect();
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--format", "parquet", "-o"])
        .arg(out)
        .args(args);
    let pq = output_within(cmd, 600, "flows --format parquet");
    assert_eq!(
        pq.status.code(),
        json.status.code(),
        "the same exit status: {}",
        text(&pq.stderr)
    );
    let (rows, columns) = read_parquet(out);
    (lines, rows, columns)
}

#[cfg(feature = "parquet")]
fn assert_same(what: &str, lines: &[String], rows: &[Value]) {
    assert!(!lines.is_empty(), "{what}: no flows");
    for (n, (line, row)) in lines.iter().zip(rows).enumerate() {
        // Serialized with the keys in the Parquet file's column order: the same text
        // means the same keys, order, types (an integer is no float) and values.
        let row = serde_json::to_string(row).unwrap();
        assert_eq!(&row, line, "{what}: row {n} differs from the JSON flow");
    }
    assert_eq!(rows.len(), lines.len(), "{what}: rows and JSON flows");
}

#[cfg(feature = "parquet")]
#[test]
fn every_row_is_the_json_flow_of_the_same_captures() {
    let dir = tempdir("parquet-rows");
    let caps = sample_captures();
    let caps: Vec<&str> = caps.iter().map(|p| p.to_str().unwrap()).collect();
    let mut seen = std::collections::BTreeSet::new();

    // Every sample capture in one file, files read in parallel and one at a time.
    let parallel = dir.join("all-j2.parquet");
    let mut args = vec!["-j", "2"];
    args.extend(&caps);
    let (lines, rows, columns) = both(&args, &parallel);
    assert_same("captures/, -j 2", &lines, &rows);
    for r in &rows {
        filled(r, "", &mut seen);
    }
    let serial = dir.join("all-j1.parquet");
    let mut args = vec!["-j", "1"];
    args.extend(&caps);
    let (lines, rows, _) = both(&args, &serial);
    assert_same("captures/, -j 1", &lines, &rows);
    assert_eq!(
        std::fs::read(&parallel).unwrap(),
        std::fs::read(&serial).unwrap(),
        "the file does not depend on -j"
    );
    let files: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert!(files.len() > 50, "a `file` per capture: {}", files.len());

    // With the key logs: the key holder's columns (decryption, decrypted).
    let (kcaps, logs) = with_keylogs();
    assert!(kcaps.len() > 5);
    let mut args: Vec<String> = Vec::new();
    for l in &logs {
        args.push("--keylog".into());
        args.push(l.to_str().unwrap().into());
    }
    args.extend(kcaps.iter().map(|p| p.to_str().unwrap().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (lines, rows, _) = both(&args, &dir.join("keys.parquet"));
    assert_same("captures/ with key logs", &lines, &rows);
    for r in &rows {
        filled(r, "", &mut seen);
    }

    // Filters apply as to JSON.
    let mut args = vec!["--only", "credentials"];
    args.extend(&caps);
    let (lines, rows, _) = both(&args, &dir.join("credentials.parquet"));
    assert_same("--only credentials", &lines, &rows);

    // Every column was compared on some value.
    let empty: Vec<&String> = columns.iter().filter(|c| !seen.contains(*c)).collect();
    assert!(
        empty.iter().all(|c| NEVER_FILLED.contains(&c.as_str())),
        "columns without a value in the sample captures: {empty:?}"
    );
    for c in NEVER_FILLED {
        assert!(columns.iter().any(|x| x == c), "{c} is no column");
    }
}

/// Columns the sample captures never give a value (no capture has such a flow); their
/// type is held to the JSON Schema by the unit test in src/render/parquet.rs.
#[cfg(feature = "parquet")]
const NEVER_FILLED: &[&str] = &[];

#[cfg(feature = "parquet")]
#[test]
fn parquet_goes_to_a_redirected_standard_output() {
    let cap = capture("http-basic-auth.pcap");
    let o = run(&["flows", "--format", "parquet", cap.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.starts_with(b"PAR1") && o.stdout.ends_with(b"PAR1"));
    // Nothing else on stdout, and no "wrote" line for a stream.
    assert!(text(&o.stderr).is_empty(), "{}", text(&o.stderr));
    let dir = tempdir("parquet-stdout");
    let file = dir.join("f.parquet");
    std::fs::write(&file, &o.stdout).unwrap();
    let (rows, _) = read_parquet(&file);
    assert_eq!(rows.len(), 2);
    let o = run(&[
        "flows",
        "--format",
        "parquet",
        "-o",
        file.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert!(
        text(&o.stderr).contains("(2 flows, "),
        "{}",
        text(&o.stderr)
    );
}

/// Parquet is never written to a terminal (`script` gives the command one).
#[test]
fn parquet_is_refused_on_a_terminal() {
    let cap = capture("tls12-echo.pcapng");
    let cmd = format!("{} flows --format parquet {}", exe(), cap.to_str().unwrap());
    let Ok(o) = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
    else {
        eprintln!("no `script` (util-linux) to give a terminal: skipped");
        return;
    };
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{out}");
    let why = if cfg!(feature = "parquet") {
        "Parquet is binary, not for a terminal: give -o"
    } else {
        "`parquet` feature"
    };
    assert!(out.contains(why), "{out}");
    assert!(!out.contains("PAR1"), "{out}");
}

#[cfg(feature = "parquet")]
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let caps = sample_captures();
    let mut child = eavesdrop()
        .args(["flows", "--format", "parquet"])
        .args(&caps)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

/// The development corpus: EAVESDROP_CORPUS, or `../shared/corpus` beside the checkout.
fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("EAVESDROP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

/// The corpus's hostile and odd captures give the same rows too (damaged files: the
/// flows before the damage, in both).
#[cfg(feature = "parquet")]
#[test]
fn every_row_is_the_json_flow_over_the_corpus() {
    let Some(dir) = corpus() else {
        eprintln!("no corpus (EAVESDROP_CORPUS, or ../shared/corpus): skipped");
        return;
    };
    let caps = corpus_files(&dir);
    let mut args = vec!["--quiet"];
    args.extend(caps.iter().map(|p| p.to_str().unwrap()));
    let tmp = tempdir("parquet-corpus");
    let (lines, rows, _) = both(&args, &tmp.join("corpus.parquet"));
    assert_same("the corpus", &lines, &rows);
    eprintln!("{} corpus flows: every row is the JSON flow", rows.len());
}

fn duckdb_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && peers_required() {
        panic!(
            "Python's duckdb is required (EAVESDROP_REQUIRE_PEERS) but not installed: \
             pip install --break-system-packages duckdb"
        );
    }
    ok
}

/// The SQL blocks of docs/scale.md's DuckDB section, each query as the docs give it.
fn recipe() -> Vec<String> {
    let doc = std::fs::read_to_string(repo().join("docs/scale.md")).unwrap();
    let start = doc
        .find("## Querying with DuckDB")
        .expect("a DuckDB section");
    let section = &doc[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    let mut blocks = Vec::new();
    let mut rest = &section[..end];
    while let Some(i) = rest.find("```sql\n") {
        let body = &rest[i + 7..];
        let j = body.find("```").expect("a closed block");
        blocks.push(body[..j].to_string());
        rest = &body[j + 3..];
    }
    blocks
}

const RUN_RECIPE: &str = r#"
import duckdb, json, re, sys
parquet, jsonl, recipe = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
def answers(source):
    con = duckdb.connect()
    out = []
    for block in recipe:
        # The docs' view names files; here they are the test's.
        block = block.replace("'flows/*.parquet'", "'" + parquet + "'")
        block = block.replace("'flows/*.jsonl'", "'" + jsonl + "'")
        block = "\n".join(l for l in block.splitlines() if not l.lstrip().startswith("--"))
        for stmt in [s.strip() for s in block.split(";") if s.strip()]:
            if stmt.upper().startswith("CREATE"):
                if source in stmt:
                    con.execute(stmt)
                continue
            rows = con.sql(stmt).fetchall()
            out.append((stmt.splitlines()[0], [list(map(str, r)) for r in rows]))
    return out
a, b = answers("read_parquet("), answers("read_json(")
json.dump({"parquet": a, "json": b}, sys.stdout)
"#;

#[test]
fn the_duckdb_recipe_gives_the_same_answers_from_parquet_and_json() {
    if !cfg!(feature = "parquet") {
        eprintln!("built without the `parquet` feature: skipped");
        return;
    }
    if !duckdb_available() {
        eprintln!("Python's duckdb not installed (pip install duckdb): skipped");
        return;
    }
    let Some(dir) = corpus() else {
        eprintln!("no corpus (EAVESDROP_CORPUS, or ../shared/corpus): skipped");
        return;
    };
    let caps = corpus_files(&dir);
    assert!(!caps.is_empty(), "no captures under {}", dir.display());
    let tmp = tempdir("duckdb-recipe");
    let parquet = tmp.join("flows.parquet");
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--quiet", "--format", "parquet", "-o"])
        .arg(&parquet)
        .args(&caps);
    let o = output_within(cmd, 900, "flows --format parquet over the corpus");
    assert!(parquet.exists(), "{}", text(&o.stderr));
    let mut cmd = eavesdrop();
    cmd.args(["flows", "--json"]).args(&caps);
    let o = output_within(cmd, 900, "flows --json over the corpus");
    // The docs' way: the flow lines only (the learned and summary objects have keys
    // of other types).
    let flows: String = text(&o.stdout)
        .lines()
        .filter(|l| l.starts_with(r#"{"type":"flow""#))
        .map(|l| format!("{l}\n"))
        .collect();
    let jsonl = tmp.join("flows.jsonl");
    std::fs::write(&jsonl, &flows).unwrap();

    let blocks = recipe();
    assert!(blocks.len() >= 4, "the recipe's SQL blocks: {blocks:?}");
    let recipe_file = tmp.join("recipe.json");
    std::fs::write(&recipe_file, serde_json::to_string(&blocks).unwrap()).unwrap();
    let mut cmd = std::process::Command::new("python3");
    cmd.args(["-c", RUN_RECIPE])
        .arg(&parquet)
        .arg(&jsonl)
        .arg(&recipe_file);
    let o = output_within(cmd, 600, "duckdb");
    assert!(o.status.success(), "duckdb: {}", text(&o.stderr));
    let answers: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let (pq, js) = (&answers["parquet"], &answers["json"]);
    let queries = pq.as_array().unwrap();
    assert!(queries.len() >= 4, "queries run: {pq}");
    for (a, b) in queries.iter().zip(js.as_array().unwrap()) {
        assert_eq!(a, b, "the same answer from Parquet and JSON");
        assert!(
            !a[1].as_array().unwrap().is_empty(),
            "{}: no rows over the corpus",
            a[0]
        );
    }
    assert_eq!(pq.as_array().unwrap().len(), js.as_array().unwrap().len());
    eprintln!(
        "{} queries of docs/scale.md agree over {} corpus flows",
        queries.len(),
        flows.lines().count()
    );
}

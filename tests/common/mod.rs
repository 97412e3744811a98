//! Helpers of the integration tests: the shipped pipeline loaded once, and for the sink tests
//! (SQLite, PostgreSQL, Parquet) running `triplex extract`, the inputs, killing a run mid-way,
//! reading a SQLite table back.
// Each test binary uses a part of these.
#![allow(dead_code)]

use rusqlite::Connection;
use serde_json::{Map, Value, json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use triplex_core::record::Record;
use triplex_model::{Pipeline, PipelineConfig};

/// The shipped model's pipeline (`models/default`, default settings), loaded once per test binary.
pub fn shipped_pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| Pipeline::load(&PipelineConfig::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")).unwrap()).unwrap())
}

pub fn triplex(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_triplex"));
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    c.arg("extract").args(args).arg("--model").arg(model).args(["--threads", "1", "--quiet"]);
    c
}

pub fn ok(args: &[&str]) -> Output {
    let out = triplex(args).output().unwrap();
    assert!(out.status.success(), "triplex {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A run that must stop before any work with exit code 2; returns its stderr.
pub fn usage_error(args: &[&str]) -> String {
    let out = triplex(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "triplex {args:?}: {err}");
    err
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn records(p: &Path) -> Vec<Record> {
    fs::read_to_string(p).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The sample corpus (`corpus/`, 25 articles) plus a JSONL file with metadata and bad lines: a
/// repeated id, a malformed line, an empty text, a line without an id.
pub fn corpus_inputs(dir: &Path) -> Vec<PathBuf> {
    let lines = [
        json!({"id": "extra-1", "title": "Gao", "date": 20240101, "url": "https://example.org/gao", "text": "The Malian army left Gao on Monday, officials said."}).to_string(),
        json!({"id": "extra-1", "text": "again"}).to_string(),
        "{\"id\": \"broken".into(),
        json!({"id": "empty", "text": "  "}).to_string(),
        json!({"title": "no id", "text": "x"}).to_string(),
    ];
    let extra = dir.join("extra.jsonl");
    fs::write(&extra, lines.join("\n") + "\n").unwrap();
    vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"), extra]
}

/// ~200 short documents with a few bad lines: a run long enough to be killed mid-way.
pub fn long_corpus(dir: &Path) -> PathBuf {
    let sentences = [
        "The Malian army left Gao on Monday.",
        "Rebels attacked a convoy near Kidal.",
        "French troops arrived in Timbuktu on Sunday.",
        "The United Nations mission withdrew from Anefis.",
        "Wagner fighters moved towards Tessalit.",
        "The president travelled to Bamako after the talks.",
    ];
    let mut lines = Vec::new();
    for i in 0..200 {
        let text: Vec<&str> = (0..5).map(|k| sentences[(i * 7 + k * 5) % sentences.len()]).collect();
        lines.push(json!({"id": format!("doc-{i:03}"), "title": format!("Story {i}"), "text": text.join(" ")}).to_string());
        if i % 50 == 25 {
            lines.push("{not json".into());
        }
    }
    let p = dir.join("long.jsonl");
    fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// Starts `args`, SIGKILLs it once `done()` says so; panics if the run ends first.
pub fn kill_when(args: &[&str], mut done: impl FnMut() -> bool) {
    let mut child = triplex(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let t = Instant::now();
    while !done() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        assert!(t.elapsed() < Duration::from_secs(180), "no progress after 180 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

/// Every row of a SQLite table as JSON objects keyed by column, sorted, without `processed_at`;
/// the text of `json_columns` parsed as JSON.
pub fn sqlite_table(db: &Path, table: &str, json_columns: &[&str]) -> Vec<Value> {
    let c = Connection::open(db).unwrap();
    let mut stmt = c.prepare(&format!("SELECT * FROM {table}")).unwrap();
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let mut rows: Vec<Value> = stmt
        .query_map([], |r| {
            let mut m = Map::new();
            for (i, n) in names.iter().enumerate() {
                let v = match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(x) => json!(x),
                    rusqlite::types::ValueRef::Real(x) => json!(x),
                    rusqlite::types::ValueRef::Text(t) if json_columns.contains(&n.as_str()) => serde_json::from_slice(t).unwrap(),
                    rusqlite::types::ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    rusqlite::types::ValueRef::Blob(_) => json!("<blob>"),
                };
                if n != "processed_at" {
                    m.insert(n.clone(), v);
                }
            }
            Ok(Value::Object(m))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort_by_key(|v| v.to_string());
    rows
}

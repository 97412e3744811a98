//! End-to-end tests of the outputs: SQLite vs JSONL, flat exports, idempotent re-runs, SIGKILL + `--resume`.

mod common;

use common::long_corpus;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use triplex_core::record::{Record, Status};
use triplex_core::sink::{ENTITY_COLUMNS, EntityRow, TRIPLE_COLUMNS, TripleRow};

/// Every row of a SQLite table, as [`common::sqlite_table`] gives it.
fn dump(db: &Path, table: &str) -> Vec<Value> {
    common::sqlite_table(db, table, &[])
}

fn triplex(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_triplex"));
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    c.arg("extract").args(args).arg("--model").arg(model).args(["--threads", "1", "--quiet"]);
    c
}

fn ok(args: &[&str]) -> Output {
    let out = triplex(args).output().unwrap();
    assert!(out.status.success(), "triplex {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn records(p: &Path) -> Vec<Record> {
    fs::read_to_string(p).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A small real corpus (sample articles from `corpus/`, with metadata) plus bad inputs.
fn corpus(dir: &Path) -> Vec<PathBuf> {
    let dir_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut lines = vec![
        json!({"id": "mali-anefis", "title": "Mali", "date": "2023-10-07", "url": "https://example.org/a",
        "text": fs::read_to_string(dir_in.join("mali-anefis.txt")).unwrap()})
        .to_string(),
    ];
    for name in ["wikinews-flag", "wikinews-soccer", "wikinews-stampede"] {
        let text = fs::read_to_string(dir_in.join(format!("{name}.txt"))).unwrap();
        lines.push(json!({"id": name, "title": name, "date": 20240101, "text": text}).to_string());
    }
    lines.push("{\"id\": \"broken".into());
    lines.push(json!({"id": "empty", "text": "  "}).to_string());
    lines.push(json!({"id": "mali-anefis", "text": "again"}).to_string());
    lines.push(json!({"title": "no id", "text": "x"}).to_string());
    let jsonl = dir.join("corpus.jsonl");
    fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    let bad = dir.join("latin1.txt");
    fs::write(&bad, b"caf\xe9 in Gao").unwrap();
    vec![jsonl, bad]
}

/// A flat row as the database stores it (booleans as 0/1), keyed by column.
fn as_db_row(row: &impl serde::Serialize, columns: &[&str]) -> Value {
    let v = serde_json::to_value(row).unwrap();
    let m: Map<String, Value> = columns
        .iter()
        .map(|c| {
            (
                c.to_string(),
                match &v[*c] {
                    Value::Bool(b) => json!(i64::from(*b)),
                    x => x.clone(),
                },
            )
        })
        .collect();
    Value::Object(m)
}

#[test]
fn sqlite_matches_jsonl_and_reruns_are_idempotent() {
    let d = tempfile::tempdir().unwrap();
    let inputs = corpus(d.path());
    let (out, db) = (d.path().join("out.jsonl"), d.path().join("out.db"));
    let mut args = vec!["-o", s(&out), "--sqlite", s(&db)];
    args.extend(inputs.iter().map(|p| s(p)));
    ok(&args);
    let recs = records(&out);
    assert_eq!(recs.len(), 9);

    // Same documents (the later duplicate of an id keeps the first one's row), same rows, field by field.
    let docs = dump(&db, "documents");
    let mut by_id: BTreeMap<&str, &Record> = BTreeMap::new();
    for r in &recs {
        by_id.entry(&r.id).or_insert(r);
    }
    assert_eq!(docs.len(), by_id.len());
    let mut entities = Vec::new();
    let mut triples = Vec::new();
    for r in by_id.values() {
        entities.extend(r.entities.iter().enumerate().map(|(i, e)| as_db_row(&EntityRow::new(&r.id, i, e), ENTITY_COLUMNS)));
        triples.extend(r.triples.iter().enumerate().map(|(i, t)| as_db_row(&TripleRow::new(&r.id, i, t), TRIPLE_COLUMNS)));
    }
    entities.sort_by_key(|v| v.to_string());
    triples.sort_by_key(|v| v.to_string());
    assert_eq!(dump(&db, "entities"), entities);
    assert_eq!(dump(&db, "triples"), triples);
    assert_eq!(entities.len(), recs.iter().map(|r| r.entities.len()).sum::<usize>());
    assert_eq!(triples.len(), recs.iter().map(|r| r.triples.len()).sum::<usize>());

    // Document rows: status, error, metadata and counts; bad inputs included.
    let doc = |id: &str| docs.iter().find(|v| v["id"] == id).unwrap_or_else(|| panic!("no document {id}"));
    for r in by_id.values() {
        let row = doc(&r.id);
        assert_eq!(row["status"], if r.status == Status::Ok { "ok" } else { "error" });
        assert_eq!(row["error_kind"], r.error.as_ref().map_or(Value::Null, |e| json!(e.kind)));
        assert_eq!(row["error_message"], r.error.as_ref().map_or(Value::Null, |e| json!(e.message)));
        assert_eq!(row["entity_count"], json!(r.entities.len()));
        assert_eq!(row["triple_count"], json!(r.triples.len()));
        assert_eq!(row["triplex_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(serde_json::from_str::<Value>(row["meta"].as_str().unwrap()).unwrap(), Value::Object(r.meta.clone()));
    }
    let mali = doc("mali-anefis");
    assert_eq!((&mali["title"], &mali["date"], &mali["url"]), (&json!("Mali"), &json!("2023-10-07"), &json!("https://example.org/a")));
    let kinds: Vec<&str> = docs.iter().filter_map(|v| v["error_kind"].as_str()).collect();
    for k in ["malformed_json", "empty_text", "missing_id", "invalid_utf8"] {
        assert!(kinds.contains(&k), "no {k} error row in {kinds:?}");
    }

    // Re-running into the same database (records to stdout this time) changes nothing.
    let before = (dump(&db, "documents"), dump(&db, "entities"), dump(&db, "triples"));
    let mut args = vec!["-o", "-", "--sqlite", s(&db)];
    args.extend(inputs.iter().map(|p| s(p)));
    let again = ok(&args);
    assert_eq!(again.stdout, fs::read(&out).unwrap());
    assert_eq!((dump(&db, "documents"), dump(&db, "entities"), dump(&db, "triples")), before);
    // --sqlite alone writes nothing to stdout, and --resume then has nothing left to do.
    let mut args = vec!["--sqlite", s(&db), "--resume"];
    args.extend(inputs.iter().map(|p| s(p)));
    assert!(ok(&args).stdout.is_empty());
    assert_eq!((dump(&db, "documents"), dump(&db, "entities"), dump(&db, "triples")), before);
}

#[test]
fn flat_exports_hold_every_row() {
    let d = tempfile::tempdir().unwrap();
    let inputs = corpus(d.path());
    let (out, ents, tris) = (d.path().join("r.jsonl"), d.path().join("e.csv"), d.path().join("t.jsonl"));
    let mut args = vec!["-o", s(&out)];
    args.extend(inputs.iter().map(|p| s(p)));
    ok(&args);
    let recs = records(&out);
    let mut args = vec!["-o", s(&ents), "--emit", "entities", "--format", "csv"];
    args.extend(inputs.iter().map(|p| s(p)));
    ok(&args);
    let mut args = vec!["-o", s(&tris), "--emit", "triples"];
    args.extend(inputs.iter().map(|p| s(p)));
    ok(&args);

    let mut r = csv::Reader::from_path(&ents).unwrap();
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), ENTITY_COLUMNS);
    let got: Vec<Vec<String>> = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
    let want: Vec<Vec<String>> = recs
        .iter()
        .flat_map(|r| r.entities.iter().enumerate().map(move |(i, e)| (r, i, e)))
        .map(|(r, i, e)| {
            let v = serde_json::to_value(EntityRow::new(&r.id, i, e)).unwrap();
            ENTITY_COLUMNS
                .iter()
                .map(|c| match &v[*c] {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    x => x.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(got, want);

    let lines: Vec<Value> = fs::read_to_string(&tris).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let want: Vec<Value> = recs.iter().flat_map(|r| r.triples.iter().enumerate().map(move |(i, t)| serde_json::to_value(TripleRow::new(&r.id, i, t)).unwrap())).collect();
    assert_eq!(lines, want);
    for l in &lines {
        assert_eq!(l.as_object().unwrap().len(), TRIPLE_COLUMNS.len(), "every column in every row: {l}");
    }
}

#[test]
fn bad_flag_combinations_are_usage_errors() {
    for args in
        [vec!["--resume", "x.jsonl"], vec!["--format", "csv", "x.jsonl"], vec!["--sqlite", "a.db", "--emit", "triples", "x.jsonl"], vec!["-o", "a", "--sqlite", "a", "x.jsonl"]]
    {
        let out = triplex(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn count_lines(p: &Path) -> usize {
    fs::read(p).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Starts `args`, SIGKILLs it once `watch` has at least `lines` lines; returns how many it had.
fn kill_after(args: &[&str], watch: &Path, lines: usize) -> usize {
    let mut child = triplex(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let t = Instant::now();
    while count_lines(watch) < lines {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        assert!(t.elapsed() < Duration::from_secs(120), "no output after 120 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    count_lines(watch)
}

#[test]
fn killed_runs_resume_to_exactly_the_uninterrupted_output() {
    let d = tempfile::tempdir().unwrap();
    let input = long_corpus(d.path());
    let input = s(&input);
    let total = 204;
    let (full, full_db, full_csv) = (d.path().join("full.jsonl"), d.path().join("full.db"), d.path().join("full.csv"));
    ok(&["-o", s(&full), "--sqlite", s(&full_db), "--chunk-docs", "4", input]);
    assert_eq!(count_lines(&full), total);

    // JSONL + SQLite together, killed twice, the second time while resuming.
    let (part, part_db) = (d.path().join("part.jsonl"), d.path().join("part.db"));
    let args = ["-o", s(&part), "--sqlite", s(&part_db), "--chunk-docs", "4", "--resume", input];
    let first = kill_after(&args, &part, 8);
    assert!(first < total, "killed after {first} lines");
    // Whatever the kill left, a torn last line must not survive the resume.
    fs::OpenOptions::new().append(true).open(&part).and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"id\":\"doc-1")).unwrap();
    let second = kill_after(&args, &part, first + 40);
    assert!(second < total, "killed after {second} lines");
    ok(&args);
    assert_eq!(fs::read_to_string(&part).unwrap(), fs::read_to_string(&full).unwrap());
    for t in ["documents", "entities", "triples"] {
        assert_eq!(dump(&part_db, t), dump(&full_db, t), "table {t}");
    }

    // A flat CSV export, killed and resumed through its progress file.
    ok(&["-o", s(&full_csv), "--emit", "entities", "--format", "csv", "--chunk-docs", "4", input]);
    let part_csv = d.path().join("part.csv");
    let progress = d.path().join("part.csv.progress");
    let args = ["-o", s(&part_csv), "--emit", "entities", "--format", "csv", "--chunk-docs", "4", "--resume", input];
    let done = kill_after(&args, &progress, 40);
    assert!(done < total, "killed after {done} documents");
    ok(&args);
    assert_eq!(fs::read_to_string(&part_csv).unwrap(), fs::read_to_string(&full_csv).unwrap());
    assert_eq!(count_lines(&progress), total);
}

//! `--parquet DIR`: the tables read back with the parquet crate hold the JSON Lines records, value
//! for value; a killed run resumes to the uninterrupted tables; a run without `--resume` replaces them.

mod common;

use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, StringArray};
use common::{corpus_inputs, kill_when, long_corpus, ok, records, s};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Value, json};
use std::fs;
use std::path::{Path, PathBuf};
use triplex_core::record::Status;
use triplex_core::sink::{ENTITY_COLUMNS, EntityRow, TRIPLE_COLUMNS, TripleRow};

/// The finished part files of a table, in part order.
fn parts(table: &Path) -> Vec<PathBuf> {
    let mut p: Vec<PathBuf> = fs::read_dir(table).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "parquet")).collect();
    p.sort();
    p
}

/// Every row of a table (all its parts, in order) as JSON objects, without `processed_at`.
fn read_table(table: &Path) -> Vec<Value> {
    let mut rows = Vec::new();
    for part in parts(table) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(&part).unwrap()).unwrap().build().unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let schema = batch.schema();
            for i in 0..batch.num_rows() {
                let mut m = Map::new();
                for (f, col) in schema.fields().iter().zip(batch.columns()) {
                    if f.name() == "processed_at" {
                        continue;
                    }
                    let any = col.as_any();
                    let v = if col.is_null(i) {
                        Value::Null
                    } else if let Some(a) = any.downcast_ref::<StringArray>() {
                        json!(a.value(i))
                    } else if let Some(a) = any.downcast_ref::<Int64Array>() {
                        json!(a.value(i))
                    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
                        json!(a.value(i))
                    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
                        json!(a.value(i))
                    } else {
                        panic!("column {} has type {}", f.name(), f.data_type())
                    };
                    m.insert(f.name().clone(), v);
                }
                rows.push(Value::Object(m));
            }
        }
    }
    rows
}

fn tables(dir: &Path) -> [Vec<Value>; 3] {
    ["documents", "entities", "triples"].map(|t| read_table(&dir.join(t)))
}

#[test]
fn parquet_tables_hold_the_jsonl_records() {
    let d = tempfile::tempdir().unwrap();
    let inputs = corpus_inputs(d.path());
    let (out, pq) = (d.path().join("out.jsonl"), d.path().join("lake"));
    let mut args = vec!["-o", s(&out), "--parquet", s(&pq)];
    args.extend(inputs.iter().map(|p| s(p)));
    ok(&args);
    let recs = records(&out);
    assert_eq!(recs.len(), 30);
    for t in ["documents", "entities", "triples"] {
        let names: Vec<String> = fs::read_dir(pq.join(t)).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["part-00000.parquet"], "{t}: one finished part, nothing left over");
    }
    let [documents, entities, triples] = tables(&pq);

    // One documents row per record, in output order, the repeated id's error record included.
    assert_eq!(documents.len(), recs.len());
    for (row, r) in documents.iter().zip(&recs) {
        assert_eq!(row["id"], json!(r.id));
        assert_eq!(row["status"], if r.status == Status::Ok { "ok" } else { "error" });
        assert_eq!(row["error_kind"], r.error.as_ref().map_or(Value::Null, |e| json!(e.kind)));
        assert_eq!(row["error_message"], r.error.as_ref().map_or(Value::Null, |e| json!(e.message)));
        assert_eq!(row["entity_count"], json!(r.entities.len()));
        assert_eq!(row["triple_count"], json!(r.triples.len()));
        assert_eq!(serde_json::from_str::<Value>(row["meta"].as_str().unwrap()).unwrap(), Value::Object(r.meta.clone()));
        assert_eq!(row["title"], r.meta.get("title").map_or(Value::Null, |t| json!(t.as_str().map_or(t.to_string(), String::from))));
        assert_eq!(row["triplex_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(row["chars"].is_number(), r.status == Status::Ok, "{row}");
    }
    let extra = documents.iter().find(|r| r["id"] == "extra-1").unwrap();
    assert_eq!((&extra["title"], &extra["date"], &extra["url"]), (&json!("Gao"), &json!("20240101"), &json!("https://example.org/gao")));

    // Entities and triples: exactly the flat rows of --emit entities|triples, in order.
    let want: Vec<Value> = recs.iter().flat_map(|r| r.entities.iter().enumerate().map(move |(i, e)| serde_json::to_value(EntityRow::new(&r.id, i, e)).unwrap())).collect();
    assert_eq!(entities, want);
    let want: Vec<Value> = recs.iter().flat_map(|r| r.triples.iter().enumerate().map(move |(i, t)| serde_json::to_value(TripleRow::new(&r.id, i, t)).unwrap())).collect();
    assert_eq!(triples, want);
    assert!(triples.len() > 50, "the corpus gives triples: {}", triples.len());
    assert_eq!(entities[0].as_object().unwrap().len(), ENTITY_COLUMNS.len());
    assert_eq!(triples[0].as_object().unwrap().len(), TRIPLE_COLUMNS.len());
}

#[test]
fn killed_parquet_run_resumes_to_the_uninterrupted_tables() {
    let d = tempfile::tempdir().unwrap();
    let input = long_corpus(d.path());
    let input = s(&input);
    let (full, part) = (d.path().join("full"), d.path().join("part"));
    ok(&["--parquet", s(&full), "--chunk-docs", "4", "--parquet-part-docs", "20", input]);
    let want = tables(&full);
    assert_eq!(want[0].len(), 204);
    assert_eq!(parts(&full.join("documents")).len(), 11);

    // Killed once two parts are finished, the open part's rows lost with it.
    let args = ["--parquet", s(&part), "--chunk-docs", "4", "--parquet-part-docs", "20", "--resume", input];
    let docs = part.join("documents");
    kill_when(&args, || docs.is_dir() && parts(&docs).len() >= 2);
    let done = parts(&docs).len();
    assert!(done < 11, "killed after {done} parts");
    // As if the kill came between closing a part's entities and its documents: an orphan part.
    fs::copy(part.join("entities/part-00000.parquet"), part.join("entities/part-00090.parquet")).unwrap();
    ok(&args);
    assert!(!part.join("entities/part-00090.parquet").exists(), "the orphan part is deleted");
    assert_eq!(tables(&part), want);
    for t in ["documents", "entities", "triples"] {
        let left: Vec<_> = fs::read_dir(part.join(t)).unwrap().map(|e| e.unwrap().file_name()).filter(|n| !n.to_string_lossy().starts_with("part-")).collect();
        assert!(left.is_empty(), "{t}: {left:?}");
    }

    // Without --resume the tables are replaced, not added to.
    ok(&["--parquet", s(&part), "--chunk-docs", "4", "--parquet-part-docs", "20", input]);
    assert_eq!(tables(&part), want);
}

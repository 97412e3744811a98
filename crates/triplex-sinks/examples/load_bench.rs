//! Load throughput of the table sinks, without the model: the records of a JSON Lines output,
//! repeated under new ids, written in chunks as `extract` writes them.
//!
//! `cargo run --release -p triplex-sinks --example load_bench -- OUT.jsonl COPIES CHUNK POSTGRES_URL [PARQUET_DIR] [SQLITE_DB]`
//! (CHUNK: documents per commit, as `extract --chunk-docs`, 64 by default there).

use anyhow::{Context, Result};
use std::time::Instant;
use triplex_core::record::Record;
use triplex_core::sink::{Sink, SqliteSink};
use triplex_sinks::{PART_DOCUMENTS, ParquetSink, PostgresSink};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [records, copies, chunk, url, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: load_bench OUT.jsonl COPIES CHUNK POSTGRES_URL [PARQUET_DIR] [SQLITE_DB]");
    };
    let chunk: usize = chunk.parse()?;
    let text = std::fs::read_to_string(records).with_context(|| format!("cannot read {records}"))?;
    let base: Vec<Record> = text.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
    let copies: usize = copies.parse()?;
    let docs: Vec<Record> = (0..copies)
        .flat_map(|k| {
            base.iter().map(move |r| {
                let mut r = r.clone();
                r.id = format!("{}#{k}", r.id);
                r.chars = Some(1000);
                r
            })
        })
        .collect();
    let rows = docs.iter().map(|r| 1 + r.entities.len() + r.triples.len()).sum::<usize>();
    println!("{} documents, {rows} rows (documents + entities + triples), {chunk} documents per commit", docs.len());

    let run = |name: &str, sink: &mut dyn Sink| -> Result<()> {
        let t = Instant::now();
        for chunk in docs.chunks(chunk) {
            for r in chunk {
                sink.write(r)?;
            }
            sink.commit()?;
        }
        sink.finish()?;
        let secs = t.elapsed().as_secs_f64();
        println!("{name}: {secs:.2} s, {:.0} rows/s, {:.0} documents/s", rows as f64 / secs, docs.len() as f64 / secs);
        Ok(())
    };
    let mut pg = PostgresSink::open(url, "bench")?;
    run("postgres (first load)", &mut pg)?;
    run("postgres (again: every document replaced)", &mut pg)?;
    if let Some(dir) = rest.first() {
        run("parquet", &mut ParquetSink::create(dir.as_ref(), "bench", false, PART_DOCUMENTS)?)?;
    }
    if let Some(db) = rest.get(1) {
        run("sqlite", &mut SqliteSink::open(db.as_ref(), "bench")?)?;
    }
    Ok(())
}

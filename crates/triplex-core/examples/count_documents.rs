//! Reads documents as `triplex extract` does (`-`: JSONL on stdin), without the model, and prints
//! how many and their errors by kind: e.g. to measure the readers' memory on a long stream
//! (`/usr/bin/time -v cargo run --release -p triplex-core --example count_documents -- - < big.jsonl`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use triplex_core::reader::{ReaderOptions, open_inputs};

fn main() -> anyhow::Result<()> {
    let inputs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    let mut n = 0usize;
    for doc in open_inputs(&inputs, ReaderOptions::default())? {
        n += 1;
        if let Err(e) = &doc.text {
            *errors.entry(e.kind).or_default() += 1;
        }
    }
    println!("{n} documents, errors by kind: {errors:?}");
    Ok(())
}

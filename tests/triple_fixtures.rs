//! The labelled articles in tests/fixtures (the seed article and 16 Wikinews articles) scored with
//! the shipped model: the figures README.md reports, held to a floor so regressions fail.

use std::path::Path;
use triplex_core::eval::{Report, read_jsonl, score_records};
use triplex_core::reader::Document;
use triplex_core::record::Record;
use triplex_model::{Pipeline, PipelineConfig};

fn fixtures(dir: &str, prefix: &str) -> Vec<Record> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix) && p.to_str().unwrap().ends_with(".gold.jsonl"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| read_jsonl(f).unwrap()).collect()
}

fn score(gold: &[Record]) -> Report {
    let pipeline = Pipeline::load(&PipelineConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/models/default")).unwrap()).unwrap();
    let docs = gold.iter().map(|g| Document { id: g.id.clone(), meta: Default::default(), text: Ok(g.text.clone().unwrap()) }).collect();
    score_records(gold, &pipeline.process(docs).0)
}

/// Lenient triple F1 on the 16 articles the rules were written against was 0.875 (2026-11-26).
const TRIPLE_FLOOR: f64 = 0.84;
/// On the 8 held-out articles (6 required triples) it was 0.429 (0.308 after the first round of rules).
const HELDOUT_FLOOR: f64 = 0.40;

#[test]
fn wikinews_articles_meet_the_triple_floor() {
    let gold = fixtures("tests/fixtures", "wikinews-");
    assert_eq!(gold.len(), 16);
    let required: usize = gold.iter().map(|g| g.triples.iter().filter(|t| !t.optional).count()).sum();
    assert_eq!(required, 26, "required gold triples");
    let r = score(&gold);
    let t = &r.triples.lenient;
    eprintln!(
        "wikinews: lenient triple P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {}); lenient entity F1 {:.3}",
        t.precision, t.recall, t.f1, t.tp, t.fp, t.fn_, r.entities.lenient.f1
    );
    assert!(t.f1 >= TRIPLE_FLOOR, "lenient triple F1 {:.3} < {TRIPLE_FLOOR}", t.f1);
    // Lenient entity F1 was 0.795 (entity labels by the same annotators; see tests/fixtures/README.md).
    assert!(r.entities.lenient.f1 >= 0.77, "lenient entity F1 {:.3}", r.entities.lenient.f1);
}

#[test]
fn held_out_articles_meet_their_floor() {
    let gold = fixtures("tests/fixtures/heldout", "wikinews-");
    assert_eq!(gold.len(), 8);
    let r = score(&gold);
    let t = &r.triples.lenient;
    eprintln!(
        "held out: lenient triple P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {}); lenient entity F1 {:.3}",
        t.precision, t.recall, t.f1, t.tp, t.fp, t.fn_, r.entities.lenient.f1
    );
    assert!(t.f1 >= HELDOUT_FLOOR, "lenient triple F1 {:.3} < {HELDOUT_FLOOR}", t.f1);
}

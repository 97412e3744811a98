//! The labelled fixtures (spec v2 labels, 2026-12-01) scored with the shipped model: 16 Wikinews
//! articles and 220 event_location sentences the rules were developed against, 8 Wikinews
//! articles and 110 sentences held out; the figures README.md reports, held to a floor so
//! regressions fail. Floors sit below the int8 (AVX-512 VNNI) and f32 paths' figures alike.

mod common;

use std::path::Path;
use triplex_core::eval::{Report, read_jsonl, score_records};
use triplex_core::reader::Document;
use triplex_core::record::Record;

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
    let docs = gold.iter().map(|g| Document { id: g.id.clone(), meta: Default::default(), text: Ok(g.text.clone().unwrap()) }).collect();
    score_records(gold, &common::shipped_pipeline().process(docs).0)
}

// Figures of 2026-12-01 (third session: rules v2 + scene model + the doer, state-verb, purpose,
// "where" and wider-place rules; spec v2 labels, int8 AVX-512 VNNI path). Before that session:
// 0.557, 0.326, 0.549 and 0.550.
/// Lenient triple F1 on the 16 development articles: 0.632 (sixth session: 0.667, seventh 0.687, ninth 0.720 with v2, 0.706 with v3).
const TRIPLE_FLOOR: f64 = 0.65;
/// On the 8 held-out articles (15 required triples): 0.368 (sixth session: 0.414, seventh 0.387, ninth 0.387 with v2, 0.375 with v3).
const HELDOUT_FLOOR: f64 = 0.34;
/// On the 220 development sentences (207 required triples): 0.662 (sixth session: 0.711, seventh 0.730, ninth 0.735 with v2, 0.729 with v3).
const EVENTS_FLOOR: f64 = 0.69;
/// On the 110 held-out sentences (108 required triples): 0.563 (sixth session: 0.667, seventh 0.673, ninth 0.670 with v2, 0.654 with v3 and the final rules).
const EVENTS_HELDOUT_FLOOR: f64 = 0.63;

#[test]
fn wikinews_articles_meet_the_triple_floor() {
    let gold = fixtures("tests/fixtures", "wikinews-");
    assert_eq!(gold.len(), 16);
    let required: usize = gold.iter().map(|g| g.triples.iter().filter(|t| !t.optional).count()).sum();
    assert_eq!(required, 49, "required gold triples");
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

fn triple_floor(name: &str, gold: &[Record], floor: f64) {
    let r = score(gold);
    let t = &r.triples.lenient;
    eprintln!(
        "{name}: lenient triple P {:.3} R {:.3} F1 {:.3} (tp {} fp {} fn {}); lenient entity F1 {:.3}",
        t.precision, t.recall, t.f1, t.tp, t.fp, t.fn_, r.entities.lenient.f1
    );
    assert!(t.f1 >= floor, "{name}: lenient triple F1 {:.3} < {floor}", t.f1);
}

#[test]
fn event_sentences_meet_their_floor() {
    let gold = fixtures("tests/fixtures/events", "events-");
    assert_eq!(gold.len(), 220);
    triple_floor("event sentences", &gold, EVENTS_FLOOR);
}

#[test]
fn held_out_event_sentences_meet_their_floor() {
    let gold = fixtures("tests/fixtures/heldout", "events-");
    assert_eq!(gold.len(), 110);
    triple_floor("held-out event sentences", &gold, EVENTS_HELDOUT_FLOOR);
}

#[test]
fn a_place_the_predicate_takes_with_at_and_an_event_noun_s_place_modifier_are_never_vetoed() {
    // The scene model, fitted on event_location (which marks few sports or arrest places), found
    // both unlikely; "at" on the predicate itself names the scene.
    let texts = [
        "Belgium faced Panama at the Fisht Stadium in Sochi.",
        "She captured gold medals in the heptathlon at Seoul in 1988.",
        "Police are patrolling the London underground for the first time in the wake of the Madrid terror bombings.",
    ];
    let docs = texts.iter().enumerate().map(|(i, t)| Document { id: i.to_string(), meta: Default::default(), text: Ok(t.to_string()) }).collect();
    let records = common::shipped_pipeline().process(docs).0;
    for (record, (action, place)) in records.iter().zip([("faced", "Fisht Stadium"), ("captured", "Seoul"), ("bombings", "Madrid")]) {
        assert!(record.triples.iter().any(|t| t.action.text == action && t.place.text == place), "{action} at {place}: {:?}", record.triples);
    }
}

//! The seed article scored against its gold labels with the shipped model (issue: extract, "done when").

mod common;

use std::path::Path;
use triplex_core::eval::{read_jsonl, score_records};
use triplex_core::reader::Document;

#[test]
fn seed_article_meets_the_accuracy_bar() {
    let gold = read_jsonl(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mali-anefis.gold.jsonl")).unwrap();
    let docs = gold.iter().map(|g| Document { id: g.id.clone(), meta: Default::default(), text: Ok(g.text.clone().unwrap()) }).collect();
    let (pred, _) = common::shipped_pipeline().process(docs);
    let report = score_records(&gold, &pred);
    let ent = report.entities.lenient.f1;
    let tri = report.triples.lenient.f1;
    eprintln!("seed: lenient entity F1 {ent:.3}, lenient triple F1 {tri:.3}");
    assert!(ent >= 0.90, "lenient entity F1 {ent:.3} < 0.90: {:#?}", report.entities.per_label);
    // 1.000 on the int8 path since 2026-12-01 (third session); the issue asks 0.90.
    assert!(tri >= 0.90, "lenient triple F1 {tri:.3} < 0.90: {:?}", report.triples.lenient);
    // The wrong reading: the army took a town "on the way to" Kidal, not Kidal.
    for t in &pred[0].triples {
        assert!(!(t.place.text == "Kidal" && t.action.text.contains("control")), "wrong triple {t:?}");
    }
}

#[test]
fn the_scorer_agrees_with_the_independent_python_implementation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gold = root.join("tests/fixtures/mali-anefis.gold.jsonl");
    let pred = root.join("tests/fixtures/mali-anefis.perturbed.jsonl");
    let ours = serde_json::to_value(score_records(&read_jsonl(&gold).unwrap(), &read_jsonl(&pred).unwrap())).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("tests/fixtures/mali-anefis.perturbed.expected.json")).unwrap()).unwrap();
    let out = std::process::Command::new("python3").arg(root.join("scripts/score_spec.py")).arg(&gold).arg(&pred).output().expect("python3 is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let python: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (name, other) in [("python", &python), ("expected file", &expected)] {
        for path in [["entities", "strict"], ["entities", "lenient"], ["triples", "strict"], ["triples", "lenient"]] {
            for k in ["precision", "recall", "f1", "tp", "fp", "fn"] {
                let a = ours[path[0]][path[1]][k].as_f64().unwrap();
                let b = other[path[0]][path[1]][k].as_f64().unwrap_or_else(|| panic!("{name} lacks {path:?}.{k}"));
                assert!((a - b).abs() < 1e-9, "{name}: {path:?}.{k} {a} vs {b}");
            }
        }
        for k in ["negated_accuracy", "place_relation_accuracy"] {
            assert!((ours["triples"][k].as_f64().unwrap() - other["triples"][k].as_f64().unwrap()).abs() < 1e-9, "{name}: {k}");
        }
        for label in ["PER", "ORG", "LOC"] {
            let a = ours["entities"]["per_label"][label]["lenient"]["f1"].as_f64().unwrap();
            let b = other["entities"]["per_label"][label]["lenient"]["f1"].as_f64().unwrap();
            assert!((a - b).abs() < 1e-9, "{name}: {label}");
        }
    }
    // The fixture differs from gold, so the check is not vacuous.
    assert!(ours["triples"]["lenient"]["f1"].as_f64().unwrap() < 1.0);
}

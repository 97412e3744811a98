//! `triplex eval` from the command line: JSON shape, CI gate, error listing, CoNLL mode.

use std::path::Path;
use std::process::{Command, Output};

fn triplex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_triplex")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

const GOLD: &str = "tests/fixtures/mali-anefis.gold.jsonl";
const PERTURBED: &str = "tests/fixtures/mali-anefis.perturbed.jsonl";

#[test]
fn json_report_has_the_documented_shape_and_numbers() {
    let o = triplex(&["eval", "--gold", GOLD, "--pred", PERTURBED, "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mali-anefis.perturbed.expected.json")).unwrap()).unwrap();
    for k in ["strict", "lenient", "per_label", "macro"] {
        assert_eq!(got["entities"][k], want["entities"][k], "entities.{k}");
    }
    assert_eq!(got["triples"], want["triples"]);
    for part in [&got["entities"]["strict"], &got["entities"]["lenient"], &got["triples"]["lenient"]] {
        for k in ["precision", "recall", "f1"] {
            let x = part[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x));
        }
    }
}

#[test]
fn min_f1_gates_and_errors_are_listed() {
    let pass = triplex(&["eval", "--gold", GOLD, "--pred", GOLD, "--min-f1", "0.99"]);
    assert_eq!(pass.status.code(), Some(0));
    let table = String::from_utf8_lossy(&pass.stdout);
    assert!(table.contains("LOC") && table.contains("lenient"), "{table}");
    let fail = triplex(&["eval", "--gold", GOLD, "--pred", PERTURBED, "--min-f1", "0.99", "--errors"]);
    assert_eq!(fail.status.code(), Some(3), "below the gate");
    let err = String::from_utf8_lossy(&fail.stderr);
    assert!(err.contains("FP") && err.contains("FN"), "false positives and negatives listed: {err}");
}

#[test]
fn conll_mode_scores_and_writes_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tiny.conll");
    // IOB1 input: I- may start an entity.
    std::fs::write(&data, "-DOCSTART- -X- O\n\nThe DT O\nMalian JJ I-MISC\narmy NN O\nleft VBD O\nGao NNP I-LOC\n. . O\n\nJohn NNP I-PER\nSmith NNP I-PER\nvisited VBD O\nParis NNP I-LOC\n. . O\n").unwrap();
    let pred = dir.path().join("pred.conll");
    let o = triplex(&["eval", "--conll", data.to_str().unwrap(), "--predictions", pred.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &r["entities"]["strict"];
    assert_eq!(s["tp"].as_u64().unwrap() + s["fn"].as_u64().unwrap(), 4, "4 gold entities: {r}");
    let lines: Vec<String> = std::fs::read_to_string(&pred).unwrap().lines().map(String::from).collect();
    let tagged: Vec<&String> = lines.iter().filter(|l| !l.is_empty()).collect();
    assert_eq!(tagged.len(), 11, "every token written back");
    assert!(tagged.iter().all(|l| l.split_whitespace().count() == 4), "predicted tag appended: {tagged:?}");
}

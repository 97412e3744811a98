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
    std::fs::write(
        &data,
        "-DOCSTART- -X- O\n\nThe DT O\nMalian JJ I-MISC\narmy NN O\nleft VBD O\nGao NNP I-LOC\n. . O\n\nJohn NNP I-PER\nSmith NNP I-PER\nvisited VBD O\nParis NNP I-LOC\n. . O\n",
    )
    .unwrap();
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

#[test]
fn conllu_mode_scores_upos_uas_las() {
    let dir = tempfile::tempdir().unwrap();
    let gold = "# text = Troops left Gao .\n1\tTroops\ttroop\tNOUN\t_\t_\t2\tnsubj\t_\t_\n2\tleft\tleave\tVERB\t_\t_\t0\troot\t_\t_\n3\tGao\tGao\tPROPN\t_\t_\t2\tobj\t_\t_\n4\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_\n\n";
    // One wrong head (Gao → Troops), one wrong label on a right head, one wrong UPOS.
    let pred = "1\tTroops\ttroop\tNOUN\t_\t_\t2\tnsubj:pass\t_\t_\n2\tleft\tleave\tNOUN\t_\t_\t0\troot\t_\t_\n3\tGao\tGao\tPROPN\t_\t_\t1\tobj\t_\t_\n4\t.\t.\tPUNCT\t_\t_\t2\tobj\t_\t_\n\n";
    let (g, p) = (dir.path().join("g.conllu"), dir.path().join("p.conllu"));
    std::fs::write(&g, gold).unwrap();
    std::fs::write(&p, pred).unwrap();
    let o = triplex(&["eval", "--conllu", g.to_str().unwrap(), "--parsed", p.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // nsubj:pass counts as nsubj (universal part), so LAS misses Gao's head and the punct label.
    assert_eq!(r["parse"]["words"], 4);
    assert_eq!(r["parse"]["upos"], 0.75);
    assert_eq!(r["parse"]["uas"], 0.75);
    assert_eq!(r["parse"]["las"], 0.5);
    let gate = triplex(&["eval", "--conllu", g.to_str().unwrap(), "--parsed", p.to_str().unwrap(), "--min-f1", "0.6"]);
    assert_eq!(gate.status.code(), Some(3), "LAS 0.5 is below the gate");
}

/// The shipped model's files with a config.json lacking `triplex_syntax`: the same NER model, no parser.
fn ner_only_model(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    let out = dir.join("ner-only");
    std::fs::create_dir(&out).unwrap();
    for f in ["model.safetensors", "tokenizer.json"] {
        std::os::unix::fs::symlink(root.join(f), out.join(f)).unwrap();
    }
    let mut cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("config.json")).unwrap()).unwrap();
    assert!(cfg.as_object_mut().unwrap().remove("triplex_syntax").is_some(), "the shipped model has syntax heads");
    std::fs::write(out.join("config.json"), cfg.to_string()).unwrap();
    out
}

#[test]
fn conllu_mode_parses_gold_words_and_needs_syntax_heads() {
    let d = tempfile::tempdir().unwrap();
    let gold = d.path().join("gold.conllu");
    std::fs::write(
        &gold,
        "# sent_id = 1\n1\tThe\t_\tDET\t_\t_\t2\tdet\t_\t_\n2\tarmy\t_\tNOUN\t_\t_\t3\tnsubj\t_\t_\n3\tleft\t_\tVERB\t_\t_\t0\troot\t_\t_\n4\tGao\t_\tPROPN\t_\t_\t3\tobj\t_\t_\n5\t.\t_\tPUNCT\t_\t_\t3\tpunct\t_\t_\n\n\
         # sent_id = 2\n1\tRebels\t_\tNOUN\t_\t_\t2\tnsubj\t_\t_\n2\treached\t_\tVERB\t_\t_\t0\troot\t_\t_\n3\tKidal\t_\tPROPN\t_\t_\t2\tobj\t_\t_\n4\ton\t_\tADP\t_\t_\t5\tcase\t_\t_\n5\tMonday\t_\tPROPN\t_\t_\t2\tobl\t_\t_\n\n",
    )
    .unwrap();
    let pred = d.path().join("pred.conllu");
    let o = triplex(&["eval", "--conllu", gold.to_str().unwrap(), "--predictions", pred.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["parse"]["words"], 10);
    // Simple sentences: the shipped parser gets them right.
    assert!(got["parse"]["las"].as_f64().unwrap() >= 0.9, "{got}");
    let parsed = triplex_core::conllu::read_conllu(&pred).unwrap();
    assert_eq!(parsed.iter().map(|s| s.tokens.len()).collect::<Vec<_>>(), vec![5, 5]);
    assert_eq!(parsed[1].sent_id(), Some("2"));
    // Without syntax heads: a clear error, for eval and for extract --emit conllu.
    let ner_only = ner_only_model(d.path());
    let o = triplex(&["eval", "--conllu", gold.to_str().unwrap(), "--model", ner_only.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no syntax heads"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = triplex(&["extract", "corpus/mali-anefis.txt", "--emit", "conllu", "--model", ner_only.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("syntax heads"));
    // The NER-only model still extracts, with the lexical rules.
    let o = triplex(&["extract", "corpus/mali-anefis.txt", "--model", ner_only.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success());
    let rec: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!rec["triples"].as_array().unwrap().is_empty());
}

#[test]
fn train_syntax_rejects_bad_arguments() {
    let o = triplex(&["train", "syntax", "--train", "x.conllu", "--dev", "y.conllu", "--model", "no/such/model", "--out", "/tmp/never"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a model directory"));
    let o = triplex(&["train", "syntax", "--train", "no/such.conllu", "--dev", "no/such.conllu", "--out", "/tmp/never"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such data file"), "{}", String::from_utf8_lossy(&o.stderr));
}

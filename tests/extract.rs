//! End-to-end tests of `triplex extract` with the shipped model: inputs, errors, order, threads, offsets.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn triplex() -> Command {
    Command::new(env!("CARGO_BIN_EXE_triplex"))
}

fn run(args: &[&str]) -> Output {
    triplex().args(args).output().expect("triplex runs")
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(out.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Every span's text equals the document's code points `start..end`.
fn assert_spans_match(text: &str, rec: &serde_json::Value) {
    let chars: Vec<char> = text.chars().collect();
    let check = |s: &serde_json::Value| {
        let (a, b) = (s["start"].as_u64().unwrap() as usize, s["end"].as_u64().unwrap() as usize);
        assert_eq!(chars[a..b].iter().collect::<String>(), s["text"].as_str().unwrap(), "span {s}");
    };
    for e in rec["entities"].as_array().unwrap() {
        check(e);
    }
    for t in rec["triples"].as_array().unwrap() {
        for k in ["actor", "action", "place"] {
            check(&t[k]);
        }
    }
}

#[test]
fn every_bad_input_gets_one_error_line_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a-good.txt"), "The army left Gao on Monday.").unwrap();
    std::fs::write(d.join("b-latin1.txt"), b"Caf\xe9 in Bamako.").unwrap();
    std::fs::write(d.join("c-empty.txt"), "  \n").unwrap();
    std::fs::write(d.join("d-binary.txt"), [0u8, 1, 2, 0, 255, 0, 7, 0].repeat(64)).unwrap();
    std::fs::write(d.join("e-huge.txt"), "The army left Gao. ".repeat(20 * 1024 * 1024 / 19)).unwrap();
    std::fs::write(
        d.join("f.jsonl"),
        concat!(
            "{\"id\": \"j1\", \"text\": \"Rebels attacked Kidal.\", \"title\": \"T1\"}\n",
            "{not json\n",
            "{\"text\": \"no id here\"}\n",
            "{\"id\": \"j1\", \"text\": \"duplicate\"}\n",
            "{\"id\": \"j2\", \"text\": \"\"}\n",
            "{\"id\": \"j3\", \"text\": \"Troops reached Gao.\", \"url\": \"http://x\"}\n",
        ),
    )
    .unwrap();
    let out = run(&["extract", d.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&out.stdout);
    let got: Vec<(String, String, String)> = recs
        .iter()
        .map(|r| {
            (r["id"].as_str().unwrap().rsplit('/').next().unwrap().to_string(), r["status"].as_str().unwrap().to_string(), r["error"]["kind"].as_str().unwrap_or("").to_string())
        })
        .collect();
    let want = [
        ("a-good", "ok", ""),
        ("b-latin1", "error", "invalid_utf8"),
        ("c-empty", "error", "empty_text"),
        ("d-binary", "error", "binary"),
        ("e-huge", "error", "too_large"),
        ("j1", "ok", ""),
        ("f.jsonl:2", "error", "malformed_json"),
        ("f.jsonl:3", "error", "missing_id"),
        ("j1", "error", "duplicate_id"),
        ("j2", "error", "empty_text"),
        ("j3", "ok", ""),
    ];
    let want: Vec<(String, String, String)> = want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    assert!(recs[6]["error"]["message"].as_str().unwrap().contains("line 2"), "{}", recs[6]);
    assert_eq!(recs[5]["meta"]["title"], "T1", "metadata is carried");
    assert_eq!(recs[10]["meta"]["url"], "http://x");
    for r in &recs {
        if r["status"] == "error" {
            assert!(r["entities"].as_array().unwrap().is_empty() && r["triples"].as_array().unwrap().is_empty());
        }
    }
}

/// Fails on an object that repeats a key, at any depth (serde_json itself keeps the last one, as
/// Python's `json` does, so a duplicate would silently hide a value).
fn assert_no_duplicate_keys(line: &str) {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    struct Strict;
    impl<'de> DeserializeSeed<'de> for Strict {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Strict {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(k) = map.next_key::<String>()? {
                if !seen.insert(k.clone()) {
                    return Err(A::Error::custom(format!("duplicate key {k:?}")));
                }
                map.next_value_seed(Strict)?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Strict)?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    Strict.deserialize(&mut serde_json::Deserializer::from_str(line)).unwrap_or_else(|e| panic!("{e}: {line}"));
}

#[test]
fn input_fields_named_like_record_fields_never_shadow_them() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in.jsonl");
    let input_lines = [
        r#"{"id": "a", "text": "Rebels attacked Kidal on Monday.", "status": "draft", "entities": ["x"], "triples": 7, "error": {"kind": "k"}, "meta": {"m": 1}, "title": "T"}"#,
        r#"{"id": "b", "text": "", "status": "ok", "entities": [], "error": "none"}"#,
        r#"{"text": "no id", "id_": 1, "status": "published"}"#,
    ];
    std::fs::write(&input, input_lines.join("\n") + "\n").unwrap();
    let out = run(&["extract", input.to_str().unwrap(), "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert_no_duplicate_keys(line);
    }
    assert!(std::panic::catch_unwind(|| assert_no_duplicate_keys(r#"{"a": [{"b": 1, "b": 2}]}"#)).is_err(), "the check sees a nested duplicate");
    let recs = lines(text.as_bytes());
    assert_eq!(recs.len(), 3);
    // The record's own fields are the pipeline's; every input field but id and text is under `meta`.
    assert_eq!((&recs[0]["status"], &recs[0]["meta"]["status"]), (&serde_json::json!("ok"), &serde_json::json!("draft")));
    assert!(recs[0]["entities"].as_array().unwrap().iter().all(|e| e["label"].is_string()), "{}", recs[0]);
    assert!(recs[0]["triples"].is_array() && recs[0].get("error").is_none());
    assert_eq!(recs[0]["meta"], serde_json::json!({"status": "draft", "entities": ["x"], "triples": 7, "error": {"kind": "k"}, "meta": {"m": 1}, "title": "T"}));
    assert_eq!(
        (&recs[1]["status"], &recs[1]["error"]["kind"], &recs[1]["meta"]["error"]),
        (&serde_json::json!("error"), &serde_json::json!("empty_text"), &serde_json::json!("none"))
    );
    assert_eq!(
        (&recs[2]["status"], &recs[2]["error"]["kind"], &recs[2]["meta"]["status"]),
        (&serde_json::json!("error"), &serde_json::json!("missing_id"), &serde_json::json!("published"))
    );
    // The same lines through Python's json with a hook that refuses repeated keys (python3 is
    // installed by .ci/run, as for tests/seed_fixture.rs).
    let strict = "import json,sys\ndef pairs(p):\n    keys=[k for k,_ in p]\n    assert len(keys)==len(set(keys)), keys\n    return dict(p)\nfor l in sys.stdin: json.loads(l, object_pairs_hook=pairs)\n";
    let mut py = std::process::Command::new("python3").args(["-c", strict]).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("python3 is installed");
    py.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let py = py.wait_with_output().unwrap();
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
}

#[test]
fn missing_input_or_model_stops_before_work_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.jsonl");
    let out = run(&["extract", "no/such/dir", "-o", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(err.contains("no/such/dir"), "{err}");
    assert!(!out_file.exists(), "no output is created");
    let out = run(&["extract", repo("corpus").to_str().unwrap(), "--model", "no/such/model"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/model"));
}

#[test]
fn output_is_in_input_order_and_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = repo("corpus");
    let mut outs = Vec::new();
    for t in ["1", "2"] {
        let p = dir.path().join(format!("out{t}.jsonl"));
        let o = run(&["extract", corpus.to_str().unwrap(), "-o", p.to_str().unwrap(), "--threads", t, "--quiet", "--chunk-docs", "3"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outs.push(std::fs::read(&p).unwrap());
    }
    assert_eq!(outs[0], outs[1], "byte-identical for --threads 1 and 2");
    let ids: Vec<String> = lines(&outs[0]).iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    let mut files: Vec<String> = std::fs::read_dir(&corpus).unwrap().filter_map(|e| e.ok()?.path().file_name()?.to_str()?.strip_suffix(".txt").map(String::from)).collect();
    files.sort();
    assert_eq!(ids, files, "one line per document, sorted by path");
}

#[test]
fn gzip_and_stdin_readers_give_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("corpus/mali-anefis.txt")).unwrap();
    let line = serde_json::json!({"id": "mali-anefis", "text": text}).to_string() + "\n";
    let plain = dir.path().join("a.jsonl");
    std::fs::write(&plain, &line).unwrap();
    let gz = dir.path().join("b.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::default());
    enc.write_all(line.as_bytes()).unwrap();
    enc.finish().unwrap();
    let txt_gz = dir.path().join("mali-anefis.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&txt_gz).unwrap(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();

    let a = run(&["extract", plain.to_str().unwrap(), "--quiet"]);
    let b = run(&["extract", gz.to_str().unwrap(), "--quiet"]);
    let c = run(&["extract", txt_gz.to_str().unwrap(), "--quiet"]);
    let mut child = triplex().args(["extract", "-", "--quiet"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(line.as_bytes()).unwrap();
    let d = child.wait_with_output().unwrap();
    for o in [&a, &b, &c, &d] {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(a.stdout, b.stdout, "gzip JSONL");
    assert_eq!(a.stdout, c.stdout, "gzip text");
    assert_eq!(a.stdout, d.stdout, "stdin");
    assert_eq!(lines(&a.stdout).len(), 1);
}

#[test]
fn offsets_are_code_points_on_non_ascii_text() {
    let text = "Zoë Müller, the mayor of Besançon, met Łukasz in Kraków. \
                Président Macron arrived in Zürich 😀 on Monday.\n\
                東京 and 北京 were mentioned. مرحبا في القاهرة. Troops left Gao. \"Malian troops reached Anefis,\" said Amadou Touré.";
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("intl.txt");
    std::fs::write(&p, text).unwrap();
    let o = run(&["extract", p.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success());
    let rec = &lines(&o.stdout)[0];
    assert_eq!(rec["status"], "ok");
    assert_spans_match(text, rec);
    let n = rec["entities"].as_array().unwrap().len();
    assert!(n >= 5, "the shipped model finds entities in accented text: {rec}");
}

#[test]
fn emit_conllu_writes_one_well_formed_tree_per_sentence() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in.jsonl");
    let text = std::fs::read_to_string(repo("corpus/mali-anefis.txt")).unwrap();
    let docs = [
        serde_json::json!({"id": "a", "text": text}),
        serde_json::json!({"id": "b", "text": "Café owners in Zürich met the mayor. They left for Genève on Monday."}),
        serde_json::json!({"id": "c"}),
    ];
    std::fs::write(&input, docs.iter().map(|v| v.to_string() + "\n").collect::<String>()).unwrap();
    let out = run(&["extract", input.to_str().unwrap(), "--emit", "conllu", "-o", "-", "--quiet"]);
    assert!(out.status.success() || out.status.code() == Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let conllu = String::from_utf8(out.stdout).unwrap();
    let sents = triplex_core::conllu::parse_conllu(&conllu).unwrap();
    let words: Vec<&str> = sents.iter().flat_map(|s| s.tokens.iter().map(|t| t.form.as_str())).collect();
    assert!(words.contains(&"Anefis") && words.contains(&"Zürich"));
    // The error document leaves no lines (spaCy's converter fails on comments alone), the others
    // their sentences in input order.
    assert!(!conllu.contains("# newdoc id = c"), "{conllu}");
    assert!(conllu.find("# newdoc id = a").unwrap() < conllu.find("# newdoc id = b").unwrap());
    assert!(sents.iter().all(|s| !s.tokens.is_empty()), "no sentence without words");
    // Entity tags: `NE=` as spaCy's converter reads it (its pattern `^((?:name|NE)=)?([BILU])-([A-Z_]+)|O$`
    // on the first MISC part that matches), read back by our reader.
    for t in sents.iter().flat_map(|s| &s.tokens) {
        let first = t.misc.split('|').next().unwrap();
        let tag = first.strip_prefix("NE=").unwrap_or_else(|| panic!("MISC starts with NE=: {t:?}"));
        assert_eq!(t.entity_tag(), Some(tag));
        let ok = tag == "O" || tag.split_once('-').is_some_and(|(p, l)| ["B", "I"].contains(&p) && ["PER", "ORG", "LOC", "MISC"].contains(&l));
        assert!(ok, "{t:?}");
    }
    let anefis = sents.iter().flat_map(|s| &s.tokens).find(|t| t.form == "Anefis").unwrap();
    assert_eq!(anefis.entity_tag(), Some("B-LOC"));
    let chars: Vec<char> = text.chars().collect();
    let b_chars: Vec<char> = docs[1]["text"].as_str().unwrap().chars().collect();
    for s in sents.iter().filter(|s| !s.tokens.is_empty()) {
        let n = s.tokens.len();
        assert_eq!(s.tokens.iter().filter(|t| t.head == 0).count(), 1, "one root per sentence: {:?}", s.sent_id());
        for t in &s.tokens {
            assert!(t.head <= n && t.head != t.id && t.upos != "_" && t.deprel != "_", "{t:?}");
            // Every word reaches the root.
            let mut at = t.id;
            for _ in 0..n {
                if at == 0 {
                    break;
                }
                at = s.tokens[at - 1].head;
            }
            assert_eq!(at, 0, "{t:?} is on a cycle");
            // TokenRange gives the word's code points in its document.
            let range = t.misc.split('|').find_map(|m| m.strip_prefix("TokenRange=")).unwrap();
            let (a, b) = range.split_once(':').unwrap();
            let doc = if s.sent_id().unwrap().starts_with("a-") { &chars } else { &b_chars };
            assert_eq!(doc[a.parse::<usize>().unwrap()..b.parse::<usize>().unwrap()].iter().collect::<String>(), t.form);
        }
    }
    // The seed's first sentence: "The Malian army on Saturday said ..." has "said" as its root.
    let first = &sents[0];
    let root = first.tokens.iter().find(|t| t.head == 0).unwrap();
    assert_eq!(root.form, "said");
    assert!(first.tokens.iter().any(|t| t.form == "army" && t.deprel == "nsubj" && t.head == root.id));
    // CSV is for flat rows only.
    let bad = run(&["extract", input.to_str().unwrap(), "--emit", "conllu", "--format", "csv", "-o", "-"]);
    assert_eq!(bad.status.code(), Some(2));
}

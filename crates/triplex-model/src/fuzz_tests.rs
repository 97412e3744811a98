//! Seeded fuzzing of the readers and the whole pipeline on a tiny model: mutated JSONL streams
//! and `.txt` files must give one record per document, in order, with exact offsets, and never panic.

use crate::pipeline::{Pipeline, PipelineConfig, run};
use crate::test_support::{tiny_ner, tiny_syntax_options};
use crate::train::{Silent, SyntaxTrainOptions, train_syntax};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use triplex_core::reader::{ReaderOptions, open_inputs, read_jsonl_stream};
use triplex_core::record::{Record, Status};

/// A tiny NER model with syntax heads (a few epochs: what it predicts does not matter here, only
/// that every stage runs).
fn tiny_model(dir: &Path) -> PathBuf {
    let ner = tiny_ner(dir, 1);
    let opts = SyntaxTrainOptions { out: dir.join("model"), epochs: 2, arc_dim: 8, rel_dim: 4, model_name: Some("tiny-fuzz".into()), ..tiny_syntax_options(dir, &ner) };
    train_syntax(&opts, &Silent).unwrap();
    opts.out
}

const WORDS: &[&str] = &[
    "the",
    "army",
    "left",
    "Gao",
    "rebels",
    "reached",
    "Kidal",
    "Wagner",
    "said",
    "John",
    "Smith",
    "in",
    "Mali",
    ".",
    ",",
    ";",
    "\"",
    "(",
    ")",
    "Dr.",
    "U.S.",
    "é",
    "Zoë",
    "Besançon",
    "東京",
    "北京。",
    "مرحبا",
    "😀",
    "e\u{301}",
    "\u{200b}",
    "\u{feff}",
    "\t",
    "\n",
    "\r\n",
    "  ",
    "…",
    "?!",
    "3.5",
    "al-Qaeda",
    "didn't",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "x\u{fe0f}",
];

/// A random text: words and separators, sometimes a long run without any sentence end.
fn text(rng: &mut StdRng) -> String {
    let n = if rng.random_bool(0.03) { rng.random_range(200..700) } else { rng.random_range(0..40) };
    let mut t = String::new();
    for _ in 0..n {
        t += WORDS[rng.random_range(0..WORDS.len())];
        if rng.random_bool(0.8) {
            t.push(' ');
        }
    }
    t
}

/// One JSONL line, usually well-formed.
fn line(rng: &mut StdRng, i: usize) -> Vec<u8> {
    let id: serde_json::Value = match rng.random_range(0..10) {
        0 => serde_json::Value::from(i as i64 - 3),
        1 => serde_json::Value::from("dup"),
        2 => serde_json::Value::Null,
        3 => serde_json::Value::from(""),
        _ => serde_json::Value::from(format!("d{i}-{}", text(rng).chars().take(5).collect::<String>())),
    };
    let mut obj = serde_json::json!({"id": id, "text": text(rng), "title": "T"});
    match rng.random_range(0..12) {
        0 => {
            obj.as_object_mut().unwrap().remove("text");
        }
        1 => obj["text"] = serde_json::json!(5),
        2 => obj["text"] = serde_json::json!(" \n\t"),
        _ => {}
    }
    serde_json::to_vec(&obj).unwrap()
}

/// Byte-level damage: flipped and inserted bytes (NUL, invalid UTF-8, newlines), cuts, repeats.
fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(0..4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..7) {
            0 => bytes[at] = rng.random(),
            1 => bytes.insert(at, 0),
            2 => bytes.insert(at, rng.random_range(0x80..=0xff)),
            3 => bytes.insert(at, b'\n'),
            4 => bytes.truncate(at),
            5 => {
                let end = (at + rng.random_range(1..20)).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                bytes.splice(at..at, piece);
            }
            _ => {
                let end = (at + rng.random_range(1..10)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
}

/// The lines of a JSONL input the reader must answer, one record each (not blank, BOM dropped).
fn expected_lines(input: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    for (i, l) in body.split(|&b| b == b'\n').enumerate() {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let l = if i == 0 { l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l) } else { l };
        if !l.iter().all(u8::is_ascii_whitespace) {
            out.push(l);
        }
    }
    if input.is_empty() { Vec::new() } else { out }
}

/// Every span of an ok record is its text's code points `start..end`.
fn assert_offsets(rec: &Record, text: &str, case: usize) {
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(rec.chars, Some(chars.len()), "case {case}");
    let check = |start: usize, end: usize, got: &str| {
        assert!(start < end && end <= chars.len(), "case {case}: span {start}..{end} of {}", chars.len());
        assert_eq!(chars[start..end].iter().collect::<String>(), got, "case {case}");
    };
    for e in &rec.entities {
        check(e.start, e.end, &e.text);
    }
    for t in &rec.triples {
        for s in [Some(&t.action), Some(&t.place), t.actor.as_ref(), t.object.as_ref(), t.time.as_ref(), t.attributed_to.as_ref()].into_iter().flatten() {
            check(s.start, s.end, &s.text);
        }
        let s = t.sentence.unwrap();
        assert!(s.start <= t.action.start && t.action.end <= s.end && s.end <= chars.len(), "case {case}");
    }
}

fn records(p: &Pipeline, docs: impl Iterator<Item = triplex_core::reader::Document>) -> Vec<Record> {
    let mut out = Vec::new();
    run(
        p,
        docs,
        7,
        |r| {
            assert!(!serde_json::to_string(r).unwrap().contains('\n'), "one line per record");
            out.push(r.clone());
            Ok(())
        },
        |_| Ok(()),
    )
    .unwrap();
    out
}

#[test]
fn mutated_inputs_give_one_record_each_with_exact_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = PipelineConfig::new(tiny_model(dir.path())).unwrap();
    config.threads = Some(2);
    let pipeline = Pipeline::load(&config).unwrap();
    let mut rng = StdRng::seed_from_u64(15);
    let (mut docs_seen, mut ok_seen) = (0, 0);
    // JSONL streams: a few lines each, damaged at the byte level.
    for case in 0..3000 {
        let mut input = Vec::new();
        if rng.random_bool(0.1) {
            input.extend_from_slice(b"\xEF\xBB\xBF");
        }
        for i in 0..rng.random_range(0..6) {
            input.extend(line(&mut rng, i));
            input.extend_from_slice(if rng.random_bool(0.2) { b"\r\n" } else { b"\n" });
            if rng.random_bool(0.1) {
                input.extend_from_slice(b"  \n");
            }
        }
        if rng.random_bool(0.7) {
            mutate(&mut rng, &mut input);
        }
        if input.starts_with(b"\x1f\x8b") {
            input[0] = b' ';
        }
        let want = expected_lines(&input);
        let got = records(&pipeline, read_jsonl_stream("in", Cursor::new(input.clone()), ReaderOptions::default()));
        assert_eq!(got.len(), want.len(), "case {case}: {:?}", String::from_utf8_lossy(&input));
        for (rec, l) in got.iter().zip(&want) {
            docs_seen += 1;
            if rec.status != Status::Ok {
                continue;
            }
            ok_seen += 1;
            let v: serde_json::Value = serde_json::from_slice(l).unwrap_or_else(|e| panic!("case {case}: an ok record from a bad line: {e}"));
            assert_eq!(v["id"].as_str().map(String::from).unwrap_or_else(|| v["id"].to_string()), rec.id, "case {case}: records in input order");
            assert_offsets(rec, v["text"].as_str().unwrap(), case);
        }
    }
    // `.txt` files: any bytes, one record each, the text being the file less a leading BOM.
    let files = dir.path().join("txt");
    std::fs::create_dir(&files).unwrap();
    for case in 0..300 {
        let mut bytes = text(&mut rng).into_bytes();
        if rng.random_bool(0.1) {
            bytes.splice(0..0, *b"\xEF\xBB\xBF");
        }
        mutate(&mut rng, &mut bytes);
        let p = files.join(format!("{case:03}.txt"));
        std::fs::write(&p, &bytes).unwrap();
        let got = records(&pipeline, open_inputs(std::slice::from_ref(&p), ReaderOptions::default()).unwrap());
        assert_eq!(got.len(), 1, "case {case}");
        docs_seen += 1;
        if got[0].status == Status::Ok {
            ok_seen += 1;
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            assert_offsets(&got[0], std::str::from_utf8(body).unwrap(), case);
        }
    }
    eprintln!("fuzz: {ok_seen} ok of {docs_seen} documents");
    // The generator reaches both outcomes often.
    assert!(docs_seen > 5000 && ok_seen > docs_seen / 4 && ok_seen < docs_seen, "{ok_seen} ok of {docs_seen}");
}

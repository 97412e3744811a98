//! Regression tests from the reliability audit (issue 15), through the `triplex` binary with the
//! shipped model: outputs that are inputs, NUL bytes in JSONL, gzip on stdin, BOM offsets, bad
//! model configs, foreign SQLite files, CSV formula escaping. Unix only: symlinks and hard links.
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn triplex(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_triplex"));
    c.args(args).args(["--threads", "1", "--quiet"]);
    c
}

fn run(args: &[&str]) -> Output {
    triplex(args).output().expect("triplex runs")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = triplex(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(out.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A usage error: exit 2, one line on stderr, no panic.
fn assert_usage_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(needle) && !err.contains("panicked"), "{needle:?} in: {err}");
}

const LINE: &str = "{\"id\":\"s1\",\"text\":\"Troops entered Gao.\"}\n";

#[test]
fn an_output_that_is_an_input_is_refused_and_left_intact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = d.join("self.jsonl");
    std::fs::write(&input, LINE).unwrap();
    let link = d.join("link.jsonl");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let hard = d.join("hard.out");
    std::fs::hard_link(&input, &hard).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["extract", s(&input), "-o", s(&input)],
        vec!["extract", s(&input), "-o", s(&link)],
        vec!["extract", s(&link), "-o", s(&input)],
        vec!["extract", s(&input), "-o", s(&hard)],
        vec!["extract", s(&input), "--sqlite", s(&hard)],
        vec!["extract", s(&input), "-o", s(&input), "--resume"],
        vec!["extract", s(d), "-o", s(&input)],
        vec!["extract", s(&input), "-o", s(&hard), "--emit", "triples"],
    ];
    for args in cases {
        let o = run(&args);
        assert_usage_error(&o, "destroy");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), LINE, "{args:?} left the input as it was");
    }
    // stdin read from the output file.
    let o = triplex(&["extract", "-", "-o", s(&input)]).stdin(std::fs::File::open(&input).unwrap()).output().unwrap();
    assert_usage_error(&o, "destroy");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), LINE);
    // Stdout appending to an input file.
    let o = triplex(&["extract", s(&input)]).stdout(std::fs::OpenOptions::new().append(true).open(&input).unwrap()).output().unwrap();
    assert_usage_error(&o, "destroy");
    assert_eq!(std::fs::read_to_string(&input).unwrap(), LINE);
    // A different file is fine.
    let o = run(&["extract", s(&input), "-o", s(&d.join("out.jsonl"))]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(lines(&std::fs::read(d.join("out.jsonl")).unwrap())[0]["status"], "ok");
}

#[test]
fn a_nul_byte_in_jsonl_fails_only_its_line_in_files_and_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = Vec::new();
    for i in 0..21 {
        if i == 2 {
            input.extend_from_slice(b"{\"id\":\"nul\",\"text\":\"Troops \x00 entered Gao.\"}\n");
        } else {
            input.extend_from_slice(format!("{{\"id\":\"d{i}\",\"text\":\"Troops entered Gao.\"}}\n").as_bytes());
        }
    }
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, &input).unwrap();
    for o in [run(&["extract", s(&file)]), run_stdin(&["extract", "-"], &input)] {
        assert!(o.status.success(), "{}", stderr(&o));
        let recs = lines(&o.stdout);
        assert_eq!(recs.len(), 21, "one line per input line");
        assert_eq!(recs.iter().filter(|r| r["status"] == "ok").count(), 20);
        assert_eq!(recs[2]["error"]["kind"], "binary");
        assert!(recs[2]["id"].as_str().unwrap().ends_with(":3"), "{}", recs[2]);
    }
}

#[test]
fn gzip_on_stdin_is_read_like_plain_jsonl() {
    let input = format!("{LINE}{}", LINE.replace("s1", "s2"));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(input.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let (plain, packed) = (run_stdin(&["extract", "-"], input.as_bytes()), run_stdin(&["extract", "-"], &gz));
    assert!(packed.status.success(), "{}", stderr(&packed));
    assert_eq!(lines(&packed.stdout).len(), 2);
    assert_eq!(plain.stdout, packed.stdout);
}

/// A `.txt` file's byte-order mark is not part of its text: offsets count from the character after
/// it (as Python's `open(f, encoding="utf-8-sig").read()` gives the text), as the README says.
#[test]
fn offsets_of_a_bom_prefixed_txt_count_from_after_the_bom() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Malian troops entered Gao on Monday, the army said.";
    let (plain, bom) = (dir.path().join("plain.txt"), dir.path().join("bom.txt"));
    std::fs::write(&plain, text).unwrap();
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let (a, b) = (run(&["extract", s(&plain)]), run(&["extract", s(&bom)]));
    let (a, b) = (&lines(&a.stdout)[0], &lines(&b.stdout)[0]);
    assert_eq!(a["entities"], b["entities"]);
    assert_eq!(a["triples"], b["triples"]);
    let chars: Vec<char> = text.chars().collect();
    let entities = b["entities"].as_array().unwrap();
    assert!(!entities.is_empty());
    for e in entities {
        let (start, end) = (e["start"].as_u64().unwrap() as usize, e["end"].as_u64().unwrap() as usize);
        assert_eq!(chars[start..end].iter().collect::<String>(), e["text"].as_str().unwrap());
    }
}

/// A model directory with the shipped weights and tokenizer and the given change to its config.
fn model_with(dir: &Path, change: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    let m = dir.join("model");
    std::fs::create_dir_all(&m).unwrap();
    for f in ["tokenizer.json", "model.safetensors"] {
        let _ = std::fs::remove_file(m.join(f));
        std::os::unix::fs::symlink(shipped.join(f), m.join(f)).unwrap();
    }
    let mut cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(shipped.join("config.json")).unwrap()).unwrap();
    change(&mut cfg);
    std::fs::write(m.join("config.json"), cfg.to_string()).unwrap();
    m
}

#[test]
fn a_model_config_with_bad_shapes_is_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, LINE).unwrap();
    let cases: [(&str, serde_json::Value); 5] =
        [("num_attention_heads", 0.into()), ("num_attention_heads", 7.into()), ("hidden_size", 0.into()), ("max_position_embeddings", 0.into()), ("layer_norm_eps", (-1.0).into())];
    for (field, value) in cases {
        let m = model_with(dir.path(), |c| c[field] = value.clone());
        let o = run(&["extract", s(&input), "--model", s(&m)]);
        assert_usage_error(&o, field);
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn a_sqlite_file_of_another_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, LINE).unwrap();
    let db = dir.path().join("other.db");
    rusqlite::Connection::open(&db).unwrap().execute_batch("CREATE TABLE triples (subject TEXT, object TEXT)").unwrap();
    let before = std::fs::read(&db).unwrap();
    let o = run(&["extract", s(&input), "--sqlite", s(&db)]);
    assert_usage_error(&o, "triples");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn csv_formula_escaping_is_a_csv_flag() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, LINE).unwrap();
    assert_usage_error(&run(&["extract", s(&input), "--csv-escape-formulas"]), "--format csv");
    let out = dir.path().join("e.csv");
    let o = run(&["extract", s(&input), "-o", s(&out), "--emit", "entities", "--format", "csv", "--csv-escape-formulas"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&out).unwrap().contains("s1,0,Gao,"));
}

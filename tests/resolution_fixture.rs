//! Actor resolution precision and recall on the labelled pronouns and definite descriptions of
//! corpus/ (tests/fixtures/actors/corpus-resolution.tsv).

use std::collections::HashMap;
use std::path::Path;
use triplex_core::reader::{ReaderOptions, open_inputs};
use triplex_core::record::Span;
use triplex_model::{Pipeline, PipelineConfig};

#[test]
fn resolution_is_precise_on_the_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pipeline = Pipeline::load(&PipelineConfig::new(root.join("models/default")).unwrap()).unwrap();
    let docs = open_inputs(&[root.join("corpus")], ReaderOptions::default()).unwrap().collect();
    let (records, _) = pipeline.process(docs);
    // Each triple actor and reporter, by (document, start).
    let mut spans: HashMap<(String, usize), Span> = HashMap::new();
    for r in &records {
        for t in &r.triples {
            for s in [&t.actor, &t.attributed_to].into_iter().flatten() {
                spans.insert((r.id.clone(), s.start), s.clone());
            }
        }
    }
    let fixture = std::fs::read_to_string(root.join("tests/fixtures/actors/corpus-resolution.tsv")).unwrap();
    let (mut resolved, mut right, mut with_antecedent, mut missing) = (0, 0, 0, 0);
    let mut report = Vec::new();
    for line in fixture.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let gold: Vec<&str> = if f[3] == "none" { Vec::new() } else { f[3].split('|').collect() };
        with_antecedent += usize::from(!gold.is_empty());
        let Some(span) = spans.get(&(f[0].to_string(), f[1].parse().unwrap())).filter(|s| s.text == f[2]) else {
            missing += 1;
            continue;
        };
        if let Some(r) = &span.resolved {
            resolved += 1;
            let ok = gold.iter().any(|g| g.eq_ignore_ascii_case(&r.text));
            right += usize::from(ok);
            report.push(format!("{} {} {:?} -> {:?} {}", f[0], f[1], f[2], r.text, if ok { "right" } else { "WRONG" }));
        }
    }
    let precision = right as f64 / resolved.max(1) as f64;
    let recall = right as f64 / with_antecedent as f64;
    eprintln!(
        "resolution: {right}/{resolved} resolved right (precision {precision:.2}), recall {recall:.2} of {with_antecedent} with an antecedent; {missing} rows not predicted\n{}",
        report.join("\n")
    );
    assert!(missing <= 3, "the fixture no longer matches the corpus output ({missing} rows missing)");
    assert!(precision >= 0.90, "precision {precision:.2}");
    assert!(recall >= 0.45, "recall {recall:.2}");
}

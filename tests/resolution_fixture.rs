//! Actor resolution precision and recall on labelled pronouns and definite descriptions:
//! corpus/ (tests/fixtures/actors/corpus-resolution.tsv, mentions the shipped model gave as triple
//! actors) and the gold fixtures (fixtures-resolution.tsv, every gold triple actor and reporter that
//! is a pronoun or a definite description; heldout/ rows reported apart).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use triplex_core::reader::{ReaderOptions, open_inputs};

/// Counts of one fixture (or part of one) against the pipeline's output.
#[derive(Debug, Default)]
struct ResolutionScores {
    /// Mentions the pipeline resolved, and of them those resolved to a gold antecedent.
    resolved: usize,
    right: usize,
    /// Labelled mentions that have an antecedent.
    with_antecedent: usize,
    /// Labelled mentions in all, and those the pipeline gave no actor or reporter span for.
    rows: usize,
    missing: usize,
}

impl ResolutionScores {
    fn precision(&self) -> f64 {
        self.right as f64 / self.resolved.max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.right as f64 / self.with_antecedent.max(1) as f64
    }
}

/// What the pipeline made of each labelled mention, by (document, start): the mention's text and
/// the texts it was resolved to (none: left unresolved).
type Answers = HashMap<(String, usize), (String, Vec<String>)>;

/// Each triple actor and reporter of the pipeline's records over `inputs`, with its `resolved` span.
fn actor_spans(inputs: &[PathBuf]) -> Answers {
    let docs = open_inputs(inputs, ReaderOptions::default()).unwrap().collect();
    let (records, _) = common::shipped_pipeline().process(docs);
    let mut spans = HashMap::new();
    for r in &records {
        for t in &r.triples {
            for s in [&t.actor, &t.attributed_to].into_iter().flatten() {
                spans.insert((r.id.clone(), s.start), (s.text.clone(), s.resolved.iter().map(|a| a.text.clone()).collect()));
            }
        }
    }
    spans
}

/// Words a labelled description may start with where the pipeline's mention leaves them out.
const DETERMINERS: &[&str] = &["the", "a", "an"];

/// Whether to list the development rows left unresolved too (`RESOLUTION_MISSES=1 cargo test
/// --test resolution_fixture -- --nocapture`), for reading the misses.
fn list_misses() -> bool {
    std::env::var_os("RESOLUTION_MISSES").is_some()
}

/// Whether two texts name the same, leaving aside case, a leading article and honorifics ("Sir
/// Alan Budd" / "Alan Budd", "the Tories" / "Tories").
fn same_name(a: &str, b: &str) -> bool {
    const LEADING: &[&str] = &["the", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "sir", "dr", "dr.", "lord", "lady", "dame"];
    let key = |t: &str| {
        let words: Vec<String> = t.split_whitespace().map(str::to_lowercase).collect();
        let skip = words.iter().take_while(|w| LEADING.contains(&w.as_str())).count().min(words.len().saturating_sub(1));
        words[skip..].join(" ")
    };
    key(a) == key(b)
}

/// Scores the rows of the fixture `tsv` (doc_id, start, text, gold antecedents `|`-separated or
/// `none`) that `keep` selects (by document id): a mention is resolved when the pipeline resolved it,
/// and right when one of the texts it was resolved to is a gold antecedent (`same_name`); `show_errors` lists
/// the wrong ones.
fn score(answers: &Answers, tsv: &str, keep: &dyn Fn(&str) -> bool, show_errors: bool) -> ResolutionScores {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture = std::fs::read_to_string(root.join("tests/fixtures/actors").join(tsv)).unwrap();
    let mut s = ResolutionScores::default();
    let mut report = Vec::new();
    for line in fixture.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if !keep(f[0]) {
            continue;
        }
        s.rows += 1;
        let gold: Vec<&str> = if f[3] == "none" { Vec::new() } else { f[3].split('|').collect() };
        s.with_antecedent += usize::from(!gold.is_empty());
        // The mention itself, or its name without a leading determiner ("Malian army" in "the Malian army").
        let start: usize = f[1].parse().unwrap();
        let found = f[2].char_indices().filter(|&(b, c)| b == 0 || (c != ' ' && f[2][..b].ends_with(' '))).find_map(|(b, _)| {
            let offset = f[2][..b].chars().count();
            answers.get(&(f[0].to_string(), start + offset)).filter(|(text, _)| text == &f[2][b..] && (b == 0 || DETERMINERS.contains(&f[2][..b].trim().to_lowercase().as_str())))
        });
        let Some((_, resolved)) = found else {
            s.missing += 1;
            if show_errors && list_misses() {
                report.push(format!("MISS {} {} {:?} (gold {})", f[0], f[1], f[2], f[3]));
            }
            continue;
        };
        if resolved.is_empty() {
            if show_errors && list_misses() {
                report.push(format!("UNRESOLVED {} {} {:?} (gold {})", f[0], f[1], f[2], f[3]));
            }
            continue;
        }
        s.resolved += 1;
        let ok = resolved.iter().any(|r| gold.iter().any(|g| same_name(g, r)));
        s.right += usize::from(ok);
        if !ok && show_errors {
            report.push(format!("{} {} {:?} -> {:?} (gold {})", f[0], f[1], f[2], resolved, f[3]));
        }
    }
    eprintln!(
        "resolution {tsv}: {}/{} resolved right (precision {:.2}), recall {:.2} of {} with an antecedent ({} rows, {} not such a mention of the output)\n{}",
        s.right,
        s.resolved,
        s.precision(),
        s.recall(),
        s.with_antecedent,
        s.rows,
        s.missing,
        report.join("\n")
    );
    s
}

#[test]
fn resolution_is_precise_on_the_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = score(&actor_spans(&[root.join("corpus")]), "corpus-resolution.tsv", &|_| true, true);
    assert!(s.missing <= 3, "the fixture no longer matches the corpus output: {s:?}");
    assert!(s.precision() >= 0.90, "precision {:.2}", s.precision());
    assert!(s.recall() >= 0.45, "recall {:.2}", s.recall());
}

#[test]
fn resolution_on_the_gold_actors_of_the_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures");
    let gold_files = |dir: &Path| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".gold.jsonl")).collect();
        files.sort();
        files
    };
    let mut dev_inputs = gold_files(&fixtures);
    dev_inputs.extend(gold_files(&fixtures.join("events")));
    let held_inputs = gold_files(&fixtures.join("heldout"));
    let ids = |files: &[PathBuf]| -> Vec<String> {
        files
            .iter()
            .flat_map(|p| {
                std::fs::read_to_string(p).unwrap().lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
            })
            .collect()
    };
    let (dev_ids, held_ids) = (ids(&dev_inputs), ids(&held_inputs));
    // Errors are listed for the development rows only.
    let dev = score(&actor_spans(&dev_inputs), "fixtures-resolution.tsv", &|id| dev_ids.iter().any(|d| d == id), true);
    let held_out = score(&actor_spans(&held_inputs), "fixtures-resolution.tsv", &|id| held_ids.iter().any(|h| h == id), false);
    assert_eq!(dev.rows + held_out.rows, 69, "every row belongs to a fixture");
    // Measured 2026-12-01 (shipped model, int8): development 7/7 resolved right, recall 0.30 of 23
    // with an antecedent; held out 5/5, recall 0.45 of 11. Most misses are mentions the rules gave
    // no triple for.
    assert!(dev.precision() >= 0.90 && dev.recall() >= 0.26, "development {dev:?}");
    assert!(held_out.precision() >= 0.80 && held_out.recall() >= 0.35, "held out {held_out:?}");
}

/// For each actor mention of the pipeline's records over `inputs`, by (document, start): its text
/// and the texts of its actor's earlier mentions that are no pronouns (what it was resolved to).
fn actor_table(inputs: &[PathBuf]) -> Answers {
    const PRONOUNS: &[&str] = &["he", "she", "it", "they", "we", "him", "her", "them", "us"];
    let docs = open_inputs(inputs, ReaderOptions::default()).unwrap().collect();
    let (records, _) = common::shipped_pipeline().process(docs);
    let mut table = HashMap::new();
    for r in &records {
        for a in &r.actors {
            for m in &a.mentions {
                let earlier = a.mentions.iter().filter(|n| n.start < m.start && !PRONOUNS.contains(&n.text.to_lowercase().as_str())).map(|n| n.text.clone()).collect();
                table.insert((r.id.clone(), m.start), (m.text.clone(), earlier));
            }
        }
    }
    table
}

#[test]
fn resolution_of_every_actor_pronoun_of_the_articles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/fixtures");
    let mut dev_inputs = vec![fixtures.join("mali-anefis.gold.jsonl")];
    let mut held_inputs = Vec::new();
    for (dir, into) in [(fixtures.clone(), &mut dev_inputs), (fixtures.join("heldout"), &mut held_inputs)] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("wikinews-")).collect();
        files.sort();
        into.extend(files);
    }
    let is_held_out = |id: &str| held_inputs.iter().any(|p| p.file_name().unwrap().to_string_lossy() == format!("{id}.gold.jsonl"));
    // Errors are listed for the development rows only.
    // `articles-pronouns.tsv`: every actor pronoun and description of the seed and the Wikinews
    // articles, scored on the actors lists (resolved: its actor has an earlier mention that is no pronoun).
    let dev = score(&actor_table(&dev_inputs), "articles-pronouns.tsv", &|id| !is_held_out(id), true);
    let held_out = score(&actor_table(&held_inputs), "articles-pronouns.tsv", &|id| is_held_out(id), false);
    assert_eq!((dev.rows, held_out.rows), (173, 125), "every row belongs to an article");
    // Measured 2026-12-01 (shipped model, int8; fifth session, with the parse's actor phrases,
    // gender, quotations, appositions, repeated descriptions, "X said he", person descriptions
    // read as "he" and the article's main person): development 83/89 resolved right, recall 0.49
    // of 171 with an antecedent; held out 53/62, recall 0.46 of 116 (fourth session: 26/28 and
    // 0.15; 25/31 and 0.22). Eighth session (a name and its kind of body, a name cut before its
    // "of", "the city" as the one city named before): development 88/94, recall 0.51.
    assert!(dev.precision() >= 0.90 && dev.recall() >= 0.50, "development {dev:?}");
    assert!(held_out.precision() >= 0.80 && held_out.recall() >= 0.42, "held out {held_out:?}");
}

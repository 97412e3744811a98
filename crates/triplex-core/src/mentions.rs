//! Mention clean-up after NER, over a whole document: lower-case spans dropped, and a name that
//! a strong local cue marks somewhere ("the town of X", "the company X") gets that label throughout.

use crate::conll::{ConllSentence, chunks};
use crate::doc::Mention;
use crate::words::split_words;
use std::collections::HashMap;

/// Words right before a name that make it a place ("heading towards X", "the town of X").
const LOC_BEFORE: &[&str] = &["towards", "toward", "into", "near", "outside", "inside", "across", "via"];
/// Nouns of "<noun> of X" that make X a place.
const LOC_OF: &[&str] = &[
    "town",
    "city",
    "village",
    "locality",
    "region",
    "province",
    "district",
    "outskirts",
    "suburbs",
    "capital",
    "state",
    "county",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "north-east",
    "north-west",
    "south-east",
    "south-west",
    "centre",
    "center",
    "heart",
    "streets",
];
/// Nouns right before a name that make it an organisation ("the company Wagner").
const ORG_BEFORE: &[&str] = &["company", "group", "firm", "agency", "party", "militia", "movement", "coalition", "network"];

/// Score of a mention whose label came from a cue rather than from the model.
const RELABELLED_SCORE: f32 = 0.5;

/// Whether every letter is a lower-case one (caseless scripts such as CJK never are).
pub fn is_lowercase_only(s: &str) -> bool {
    s.chars().any(char::is_lowercase) && !s.chars().any(|c| c.is_alphabetic() && !c.is_lowercase())
}

/// The label a mention's left context asks for, if any.
fn cue(text: &str, m: &Mention) -> Option<&'static str> {
    let mut from = m.start.saturating_sub(60);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = &text[from..m.start];
    let words: Vec<String> = split_words(before).into_iter().rev().take(3).map(|r| before[r].to_lowercase()).collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if LOC_BEFORE.contains(&w(0)) || (w(0) == "of" && LOC_OF.contains(&w(1))) {
        return Some("LOC");
    }
    if ORG_BEFORE.contains(&w(0)) {
        return Some("ORG");
    }
    None
}

/// Cleans the mentions of one document (sorted by start; returned sorted and non-overlapping).
pub fn resolve_mentions(text: &str, mentions: Vec<Mention>) -> Vec<Mention> {
    let mut mentions: Vec<Mention> = mentions.into_iter().filter(|m| !is_lowercase_only(&text[m.start..m.end])).collect();
    // One label per name: where a cue marks some mention of a name, all its mentions take the
    // label the cues vote for; names without a cue keep the model's labels.
    let mut votes: HashMap<&str, HashMap<&'static str, usize>> = HashMap::new();
    for m in &mentions {
        if let Some(label) = cue(text, m) {
            *votes.entry(&text[m.start..m.end]).or_default().entry(label).or_default() += 1;
        }
    }
    for m in &mut mentions {
        if let Some(v) = votes.get(&text[m.start..m.end]) {
            let (label, _) = v.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).unwrap();
            if *label != m.label {
                m.label = label.to_string();
                // The model's probability was for another label: mark the relabelled mention uncertain.
                m.score = RELABELLED_SCORE;
            }
        }
    }
    mentions.sort_by_key(|m| (m.start, m.end));
    mentions
}

/// Applies [`resolve_mentions`] to predicted IOB2 tags of CoNLL sentences, one document
/// (`-DOCSTART-` section) at a time, on the text of its tokens joined by spaces.
pub fn resolve_conll_tags(sents: &[ConllSentence], pred: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(sents.len());
    let mut first = 0;
    while first < sents.len() {
        let last = first + sents[first..].iter().take_while(|s| s.doc == sents[first].doc).count();
        let mut text = String::new();
        let mut offsets: Vec<Vec<(usize, usize)>> = Vec::new();
        for s in &sents[first..last] {
            offsets.push(
                s.tokens
                    .iter()
                    .map(|t| {
                        if !text.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(t);
                        (text.len() - t.len(), text.len())
                    })
                    .collect(),
            );
        }
        let mut mentions = Vec::new();
        for (offs, tags) in offsets.iter().zip(&pred[first..last]) {
            for (label, a, b) in chunks(tags) {
                mentions.push(Mention { start: offs[a].0, end: offs[b - 1].1, label, score: 0.9 });
            }
        }
        let mentions = resolve_mentions(&text, mentions);
        for offs in &offsets {
            let mut tags = vec!["O".to_string(); offs.len()];
            for m in &mentions {
                let inside = offs.iter().enumerate().filter(|(_, o)| o.0 >= m.start && o.1 <= m.end);
                for (i, (k, _)) in inside.enumerate() {
                    tags[k] = format!("{}-{}", if i == 0 { "B" } else { "I" }, m.label);
                }
            }
            out.push(tags);
        }
        first = last;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, nth: usize, name: &str, label: &str, score: f32) -> Mention {
        let start = text.match_indices(name).nth(nth).unwrap().0;
        Mention { start, end: start + name.len(), label: label.into(), score }
    }

    fn labels(text: &str, ms: &[Mention]) -> Vec<(String, String)> {
        ms.iter().map(|m| (text[m.start..m.end].to_string(), m.label.clone())).collect()
    }

    #[test]
    fn conll_documents_are_resolved_one_at_a_time() {
        let sent = |toks: &[&str], doc: usize| ConllSentence { tokens: toks.iter().map(|t| t.to_string()).collect(), tags: vec![], lines: vec![], doc };
        let sents = vec![sent(&["Troops", "reached", "the", "town", "of", "Tessit"], 0), sent(&["Tessit", "is", "calm"], 0), sent(&["Tessit", "said"], 1)];
        let tags = |t: &[&str]| t.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let pred = vec![tags(&["O", "O", "O", "O", "O", "B-PER"]), tags(&["B-PER", "O", "O"]), tags(&["B-PER", "O"])];
        let out = resolve_conll_tags(&sents, &pred);
        // The cue in document 0 makes both its mentions LOC; document 1 keeps its own label.
        assert_eq!(out, vec![tags(&["O", "O", "O", "O", "O", "B-LOC"]), tags(&["B-LOC", "O", "O"]), tags(&["B-PER", "O"])]);
    }

    #[test]
    fn lowercase_only_spans_are_told_apart() {
        assert!(is_lowercase_only("of"));
        assert!(is_lowercase_only("the city"));
        assert!(!is_lowercase_only("Gao"));
        assert!(!is_lowercase_only("al-Qaeda"));
        assert!(!is_lowercase_only("東京"));
        assert!(!is_lowercase_only("1996"));
    }

    #[test]
    fn a_place_cue_gives_every_mention_of_the_name_its_label() {
        let t = "Troops reached the town of Tessit. \"Tessit is calm,\" he said. Tessit was quiet. Smith went home.";
        let ms = vec![m(t, 0, "Tessit", "PER", 0.6), m(t, 1, "Tessit", "PER", 0.9), m(t, 2, "Tessit", "ORG", 0.7), m(t, 0, "Smith", "PER", 0.9), m(t, 0, "home", "LOC", 0.5)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), [("Tessit", "LOC"), ("Tessit", "LOC"), ("Tessit", "LOC"), ("Smith", "PER")].map(|(a, b)| (a.to_string(), b.to_string())));
    }

    #[test]
    fn names_without_cues_keep_the_model_labels() {
        let near = "ééééééééééééééééééééééééééééééééééé near Gao";
        assert_eq!(cue(near, &m(near, 0, "Gao", "PER", 0.5)), Some("LOC"), "multi-byte text before the cue");
        let t = "Reporters from AFP met the company Wagner. Wagner denied it (AFP)";
        let ms = vec![m(t, 0, "AFP", "ORG", 0.99), m(t, 0, "Wagner", "PER", 0.9), m(t, 1, "Wagner", "PER", 0.9)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), [("AFP", "ORG"), ("Wagner", "ORG"), ("Wagner", "ORG")].map(|(a, b)| (a.to_string(), b.to_string())));
        assert_eq!((out[0].score, out[1].score), (0.99, RELABELLED_SCORE));
        // No cue: each mention keeps what the model said, even when they differ.
        let t = "Jordan won. Jordan lost.";
        let out = resolve_mentions(t, vec![m(t, 0, "Jordan", "PER", 0.6), m(t, 1, "Jordan", "LOC", 0.9)]);
        assert_eq!(labels(t, &out), [("Jordan", "PER"), ("Jordan", "LOC")].map(|(a, b)| (a.to_string(), b.to_string())));
    }
}

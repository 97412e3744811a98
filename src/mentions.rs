//! Mention clean-up after NER, over a whole document: lower-case spans dropped, labels from
//! strong local cues ("the town of X", "company X"), and one label per name in a document.

use crate::doc::Mention;
use crate::words::split_words;
use std::collections::HashMap;

/// Words right before a name that make it a place ("heading towards X", "the town of X").
const LOC_BEFORE: &[&str] = &["towards", "toward", "into", "near", "outside", "inside", "across", "via"];
/// Nouns of "<noun> of X" that make X a place.
const LOC_OF: &[&str] = &[
    "town", "city", "village", "locality", "region", "province", "district", "outskirts", "suburbs", "capital",
    "state", "county", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
    "north-east", "north-west", "south-east", "south-west", "centre", "center", "heart", "streets",
];
/// Nouns right before a name that make it an organisation ("the company Wagner").
const ORG_BEFORE: &[&str] = &["company", "group", "firm", "agency", "party", "militia", "movement", "coalition", "network"];

/// Weight of a cue against the model's own probability in the per-name vote.
const CUE_WEIGHT: f32 = 3.0;

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
    // One label per name: the model's probabilities and the cues vote, per exact surface form.
    let mut votes: HashMap<&str, HashMap<String, f32>> = HashMap::new();
    for m in &mentions {
        let v = votes.entry(&text[m.start..m.end]).or_default();
        *v.entry(m.label.clone()).or_default() += m.score;
        if let Some(label) = cue(text, m) {
            *v.entry(label.to_string()).or_default() += CUE_WEIGHT;
        }
    }
    let winner: HashMap<&str, (String, f32)> = votes
        .into_iter()
        .map(|(name, v)| {
            let total: f32 = v.values().sum();
            let (label, score) = v.into_iter().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0))).unwrap();
            (name, (label, score / total))
        })
        .collect();
    for m in &mut mentions {
        let (label, share) = &winner[&text[m.start..m.end]];
        if *label != m.label {
            m.label = label.clone();
            m.score = m.score.min(*share);
        }
    }
    // Later occurrences of a name the model found elsewhere in the document, as whole words.
    let mut added = Vec::new();
    for (name, (label, share)) in &winner {
        if name.chars().count() < 3 || !name.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        for (at, _) in text.match_indices(name) {
            let end = at + name.len();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            if !boundary(text[..at].chars().next_back()) || !boundary(text[end..].chars().next()) {
                continue;
            }
            if mentions.iter().chain(added.iter()).any(|m: &Mention| m.start < end && at < m.end) {
                continue;
            }
            added.push(Mention { start: at, end, label: label.clone(), score: share * 0.5 });
        }
    }
    mentions.extend(added);
    mentions.sort_by_key(|m| (m.start, m.end));
    mentions
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
        let ms = vec![
            m(t, 0, "Tessit", "PER", 0.6),
            m(t, 1, "Tessit", "PER", 0.9),
            m(t, 2, "Tessit", "ORG", 0.7),
            m(t, 0, "Smith", "PER", 0.9),
            m(t, 0, "home", "LOC", 0.5),
        ];
        let out = resolve_mentions(t, ms);
        assert_eq!(
            labels(t, &out),
            [("Tessit", "LOC"), ("Tessit", "LOC"), ("Tessit", "LOC"), ("Smith", "PER")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn names_without_cues_keep_the_model_majority_and_missed_mentions_are_added() {
        let t = "Reporters from AFP met the company Wagner. Wagner denied it (AFP)";
        assert_eq!(cue("ééééééééééééééééééééééééééééééééééé near Gao", &m("ééééééééééééééééééééééééééééééééééé near Gao", 0, "Gao", "PER", 0.5)), Some("LOC"));
        let ms = vec![m(t, 0, "AFP", "ORG", 0.99), m(t, 0, "Wagner", "PER", 0.9), m(t, 1, "Wagner", "PER", 0.9)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), [("AFP", "ORG"), ("Wagner", "ORG"), ("Wagner", "ORG"), ("AFP", "ORG")].map(|(a, b)| (a.to_string(), b.to_string())));
        // A name is not found inside a longer word.
        let t = "Gao is calm. Gaoual is not.";
        let out = resolve_mentions(t, vec![m(t, 0, "Gao", "LOC", 0.9)]);
        assert_eq!(out.len(), 1);
    }
}

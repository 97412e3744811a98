//! Actor–action–place triples of one sentence: rules over its dependency parse (`tree`) checked
//! and completed by a small learned scene model (`scene`), or lexical rules over its words
//! (`lexical`) when the model has no syntax heads.

mod lexical;
mod lexicon;
mod scene;
mod tree;

pub use scene::{ScenePair, scene_pairs};
pub use tree::ActorPhrase;

/// Whether `word` (lower case) is a noun for people or bodies that act ("army", "girls", "officials").
pub fn is_actor_noun(word: &str) -> bool {
    lexicon::has(lexicon::ACTOR_NOUNS, word) || lexicon::has(lexicon::PEOPLE_NOUNS, word)
}

use std::ops::Range;

use crate::doc::{Mention, Sentence};
use crate::parse::Parse;
use crate::parse::SyntaxLabels;
use crate::record::PlaceRelation;

/// One triple found by the rules; all ranges are byte offsets into the document text.
#[derive(Debug, Clone, PartialEq)]
pub struct TripleDraft {
    /// None when the text names no doer.
    pub actor: Option<Range<usize>>,
    pub action: Range<usize>,
    /// The action is an event noun.
    pub nominal: bool,
    pub lemma: Option<String>,
    pub place: Range<usize>,
    pub relation: PlaceRelation,
    pub qualifier: Option<String>,
    pub negated: bool,
    pub object: Option<Range<usize>>,
    pub time: Option<Range<usize>>,
    pub attributed_to: Option<Range<usize>>,
    pub score: f32,
}

/// A sentence's words (byte ranges in the document) and their parse.
pub struct ParsedWords<'a> {
    pub words: &'a [Range<usize>],
    pub parse: &'a Parse,
    pub labels: &'a SyntaxLabels,
}

/// Triples of `sentence`, and its actor phrases for actor resolution (none without a parse);
/// `mentions` are the document's entity mentions. The parse is read once for both.
pub fn extract_triples(text: &str, sentence: &Sentence, parsed: Option<ParsedWords>, mentions: &[Mention]) -> (Vec<TripleDraft>, Vec<ActorPhrase>) {
    match parsed {
        Some(p) => tree::extract_with_phrases(text, &p, mentions),
        None => (lexical::extract_triples(text, sentence, mentions), Vec::new()),
    }
}

/// A hand-parsed sentence for tests: `rows` are `word UPOS head relation` lines (the text is the
/// words joined by spaces) and `ents` (phrase, label) its mentions.
#[cfg(test)]
pub(crate) struct HandParsed {
    pub text: String,
    pub words: Vec<Range<usize>>,
    pub parse: Parse,
    pub labels: SyntaxLabels,
    pub mentions: Vec<Mention>,
}

#[cfg(test)]
impl HandParsed {
    pub fn new(rows: &str, ents: &[(&str, &str)]) -> HandParsed {
        let rows: Vec<Vec<&str>> = rows.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| l.split_whitespace().collect()).collect();
        let text = rows.iter().map(|r| r[0]).collect::<Vec<_>>().join(" ");
        let mut words = Vec::new();
        let mut at = 0;
        for r in &rows {
            words.push(at..at + r[0].len());
            at += r[0].len() + 1;
        }
        let mut labels = SyntaxLabels { upos: Vec::new(), deprels: Vec::new() };
        let mut parse = Parse::default();
        for r in &rows {
            parse.upos.push(labels.upos_id(r[1]));
            parse.heads.push(r[2].parse().unwrap());
            parse.rels.push(labels.deprel_id(r[3]));
        }
        let mentions = ents
            .iter()
            .map(|(p, l)| {
                let s = text.find(p).unwrap_or_else(|| panic!("{p} not in {text}"));
                Mention { start: s, end: s + p.len(), label: l.to_string(), score: 0.9 }
            })
            .collect();
        HandParsed { text, words, parse, labels, mentions }
    }

    pub fn parsed(&self) -> ParsedWords<'_> {
        ParsedWords { words: &self.words, parse: &self.parse, labels: &self.labels }
    }
}

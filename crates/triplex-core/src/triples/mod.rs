//! Actor–action–place triples of one sentence: rules over its dependency parse (`tree`) checked
//! and completed by a small learned scene model (`scene`), or lexical rules over its words
//! (`lexical`) when the model has no syntax heads.

mod lexical;
mod lexicon;
mod scene;
mod tree;

pub use scene::{ScenePair, scene_pairs};

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

/// Triples of `sentence`; `mentions` are the document's entity mentions.
pub fn extract_triples(text: &str, sentence: &Sentence, parsed: Option<ParsedWords>, mentions: &[Mention]) -> Vec<TripleDraft> {
    match parsed {
        Some(p) => tree::extract(text, &p, mentions),
        None => lexical::extract_triples(text, sentence, mentions),
    }
}

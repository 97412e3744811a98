//! Internal working types shared by the stages: byte-offset sentences and entity mentions.

use std::ops::Range;

/// A sentence as a byte range of the document text (whitespace trimmed).
pub type Sentence = Range<usize>;

/// Entity labels of the shipped model and the spec.
pub const LABELS: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];

/// An entity found in the text, in byte offsets of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    /// "PER", "ORG", "LOC" or "MISC".
    pub label: String,
    pub score: f32,
}

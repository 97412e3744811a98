//! The tagging model behind a small trait, so that another backend (libtorch, ONNX Runtime) can be added.

pub mod bert;

use anyhow::Result;

/// One encoder input: word-piece ids with [CLS]/[SEP], and a token-type id per piece.
#[derive(Debug, Clone)]
pub struct PieceSeq {
    pub ids: Vec<u32>,
    pub types: Vec<u32>,
}

/// A token classifier: label log-probabilities for every piece of every sequence.
pub trait TokenTagger: Send + Sync {
    /// Label names by id (IOB2: "O", "B-PER", "I-PER", ...).
    fn labels(&self) -> &[String];
    /// Longest sequence the model takes, special tokens included.
    fn max_pieces(&self) -> usize;
    /// Whether token-type ids carry word shapes (see `words::shape`); else they are all 0.
    fn uses_word_shapes(&self) -> bool;
    /// Log-probabilities, `out[s][p * labels().len() + l]` for sequence `s`, piece `p`, label `l`.
    fn tag_batch(&self, batch: &[PieceSeq]) -> Result<Vec<Vec<f32>>>;
    /// A short name with version, recorded with outputs.
    fn name(&self) -> &str;
}

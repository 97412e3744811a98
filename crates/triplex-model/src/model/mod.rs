//! The tagging model behind a small trait, so that another backend (libtorch, ONNX Runtime) can be added.

pub mod bert;
pub mod config;
pub(crate) mod layers;
pub mod syntax;

pub use triplex_core::{SyntaxLabels, WindowSyntax};

use anyhow::Result;

/// One encoder input: word-piece ids with [CLS]/[SEP], and a token-type id per piece.
#[derive(Debug, Clone)]
pub struct PieceSeq {
    pub ids: Vec<u32>,
    pub types: Vec<u32>,
}

/// What one encoder pass gives for one sequence.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Entity label log-probabilities, `piece * labels + label`.
    pub logp: Vec<f32>,
    /// Present when the model has syntax heads.
    pub syntax: Option<WindowSyntax>,
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
    /// The syntax heads' labels, for a model that has them.
    fn syntax_labels(&self) -> Option<&SyntaxLabels> {
        None
    }
    /// Entity log-probabilities and, with syntax heads, word-level syntax scores in the same pass;
    /// `word_starts[s]` lists the piece positions (in `batch[s]`, [CLS] = 0) where words start.
    fn analyse_batch(&self, batch: &[PieceSeq], word_starts: &[Vec<usize>]) -> Result<Vec<Analysis>> {
        let _ = word_starts;
        Ok(self.tag_batch(batch)?.into_iter().map(|logp| Analysis { logp, syntax: None }).collect())
    }
}

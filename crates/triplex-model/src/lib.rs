//! triplex's model side: word pieces, the encoder behind the [`TokenTagger`] trait (BERT and
//! DistilBERT in candle, with packed f32/int8 kernels for inference), entity and parse decoding
//! of its scores, training, and the [`Pipeline`] that composes every stage from one
//! [`PipelineConfig`] and owns the parallelism.

#[cfg(test)]
mod fuzz_tests;
mod locate;
pub mod model;
mod ner;
mod pipeline;
#[cfg(test)]
mod test_support;
mod tokenize;
pub mod train;
mod treebank;

pub use locate::{MODEL_FILES, ModelCandidate, ModelNotFound, beside_executable, is_model_dir, locate_model, model_name_in};
pub use model::bert::{BertTagger, Isa, KernelPath, WeightFormat};
pub use model::{PieceSeq, TokenTagger};
pub use ner::{Tagger, predict_scored_tags, predict_tags};
pub use pipeline::{Pipeline, PipelineConfig, StageTimes, Totals, run};
pub use tokenize::WordPieces;
pub use treebank::parse_treebank;

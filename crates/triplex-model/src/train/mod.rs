//! Training: NER fine-tuning of the encoder, then the syntax heads on its shared layers, both
//! through one loop ([`fit`]).

mod fit;
pub mod ner;
pub mod syntax;

pub use fit::{AdamW, EpochScores, TrainSummary};
pub use ner::{TrainOptions, train_ner};
pub use syntax::{SyntaxTrainOptions, train_syntax};

/// What a training run reports as it goes; the CLI draws it (progress bar, log lines), the
/// library never touches the terminal.
pub trait Progress {
    /// The run has `total` steps, `done` of them already (on resume).
    fn start(&self, total: u64, done: u64);
    /// One step is done; `message` sums up the latest loss and speed.
    fn step(&self, step: u64, message: &str);
    /// A line worth keeping: an epoch's dev scores, a resumed run, a warning.
    fn line(&self, line: &str);
    fn finish(&self);
}

/// Reports nothing (tests, library users who do not want it).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: u64, _: u64) {}
    fn step(&self, _: u64, _: &str) {}
    fn line(&self, _: &str) {}
    fn finish(&self) {}
}

//! triplex: who did what, where — entities and actor–action–place triples from news, at corpus scale.
//!
//! Stages, one module each, composed in [`pipeline`]: [`reader`] → [`segment`] → [`words`] →
//! [`tokenize`] → [`ner`] (with [`model`] and [`decode`]) → [`mentions`] → [`actors`] → [`triples`] → [`record`] → [`sink`].

pub mod actors;
pub mod conll;
pub mod conllu;
pub mod decode;
pub mod doc;
pub mod eval;
pub mod fixtures;
pub mod mentions;
pub mod model;
pub mod ner;
pub mod parse;
pub mod pipeline;
pub mod reader;
pub mod record;
pub mod resume;
pub mod segment;
pub mod sink;
#[cfg(test)]
mod test_support;
pub mod tokenize;
pub mod train;
pub mod train_syntax;
pub mod tree;
pub mod triples;
pub mod words;

//! triplex without the model: documents and readers, sentences and words, parses and the triple
//! rules over them, records (the output contract), sinks and scoring. No candle, tokenizers, clap
//! or terminal code: the model crate feeds it tags and trees, the CLI drives it.
//!
//! Data flows `reader` → [`sentences`] → [`split_words`] → (the model: tags and trees) →
//! [`resolve_mentions`] → [`merge_actor_phrases`] → [`extract_triples`] → [`resolve_actors`] →
//! [`Gazetteer::geocode`] → `record` → `sink`.

mod actors;
pub mod conll;
pub mod conllu;
mod coref;
mod decode;
mod dictionary;
mod doc;
pub mod eval;
pub mod events;
mod fixtures;
mod geo;
mod mentions;
mod parse;
pub mod reader;
pub mod record;
pub mod resume;
pub mod seen_ids;
mod segment;
pub mod sink;
mod tree;
mod triples;
mod words;

pub use actors::merge_actor_phrases;
pub use coref::resolve_actors;
pub use decode::BioDecoder;
pub use dictionary::{ActorDictionary, DictionaryEntry};
pub use doc::{LABELS, Mention, Sentence};
pub use fixtures::conll_from_gold;
pub use geo::Gazetteer;
pub use mentions::{gazetteer_places, resolve_conll_tags, resolve_mentions};
pub use parse::{Parse, SyntaxLabels, WindowSyntax, WordRows, argmax, best_tree, decode_sentence};
pub use segment::{MAX_SENTENCE_WORDS, cut_long_sentence, sentences};
pub use triples::{ActorPhrase, ParsedWords, ScenePair, TripleDraft, extract_triples, scene_pairs};
pub use words::{NUM_SHAPES, shape, split_words};

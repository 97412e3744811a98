//! Word-piece tokenization with HF `tokenizers`, keeping the word each piece came from.

use crate::model::PieceSeq;
use anyhow::{Context, Result, anyhow};
use std::ops::Range;
use std::path::Path;
use tokenizers::Tokenizer;

/// A model's tokenizer, used on words already split (so offsets stay ours).
pub struct WordPieces {
    tokenizer: Tokenizer,
    pub cls: u32,
    pub sep: u32,
    pub pad: u32,
}

/// Pieces of one word sequence: `ids[i]` came from word `word_of[i]`.
#[derive(Debug, Clone, Default)]
pub struct Pieces {
    pub ids: Vec<u32>,
    pub word_of: Vec<u32>,
}

impl WordPieces {
    pub fn from_file(path: &Path) -> Result<Self> {
        let mut tokenizer = Tokenizer::from_file(path).map_err(|e| anyhow!("cannot load tokenizer {}: {e}", path.display()))?;
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|e| anyhow!("{e}"))?;
        let id = |t: &str| tokenizer.token_to_id(t).with_context(|| format!("tokenizer {} has no {t} token", path.display()));
        let (cls, sep, pad) = (id("[CLS]")?, id("[SEP]")?, id("[PAD]")?);
        Ok(WordPieces { tokenizer, cls, sep, pad })
    }

    /// Word pieces of `words`, without special tokens. A word that yields no piece (e.g. a
    /// control character) gets [UNK]-free treatment: it simply has no piece and no label.
    pub fn encode_words(&self, words: &[&str]) -> Result<Pieces> {
        if words.is_empty() {
            return Ok(Pieces::default());
        }
        let enc = self.tokenizer.encode(words, false).map_err(|e| anyhow!("tokenizer failed: {e}"))?;
        let mut pieces = Pieces { ids: Vec::with_capacity(enc.len()), word_of: Vec::with_capacity(enc.len()) };
        for (id, w) in enc.get_ids().iter().zip(enc.get_word_ids()) {
            if let Some(w) = w {
                pieces.ids.push(*id);
                pieces.word_of.push(*w);
            }
        }
        Ok(pieces)
    }

    /// One encoder input, the same in training and inference: [CLS], pieces `range` of
    /// `pieces`, [SEP]; token types are the pieces' word shapes when `shapes` (one per word) is
    /// given, else 0. Also, per piece row after [CLS], the word it starts (None inside a word).
    pub fn sequence(&self, pieces: &Pieces, range: Range<usize>, shapes: Option<&[u32]>) -> (PieceSeq, Vec<Option<u32>>) {
        let mut ids = Vec::with_capacity(range.len() + 2);
        let mut types = Vec::with_capacity(range.len() + 2);
        let mut word_starts = Vec::with_capacity(range.len());
        ids.push(self.cls);
        types.push(0);
        for p in range {
            let w = pieces.word_of[p];
            ids.push(pieces.ids[p]);
            types.push(shapes.and_then(|s| s.get(w as usize).copied()).unwrap_or(0));
            word_starts.push((p == 0 || pieces.word_of[p - 1] != w).then_some(w));
        }
        ids.push(self.sep);
        types.push(0);
        (PieceSeq { ids, types }, word_starts)
    }

    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_map_back_to_words() {
        // A tiny WordPiece tokenizer built in memory, so the test needs no model files. Like
        // the shipped (uncased) one it strips accents: "Zoë" is read as "zo" + "##e".
        let json = r###"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
          "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
          "pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":null,"decoder":null,
          "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,
          "vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"ane":4,"##fis":5,"army":6,"é":7,"zo":8,"##e":9}}}"###;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tokenizer.json");
        std::fs::write(&p, json).unwrap();
        let wp = WordPieces::from_file(&p).unwrap();
        let pieces = wp.encode_words(&["Army", "Anefis", "Zoë"]).unwrap();
        assert_eq!(pieces.ids, vec![6, 4, 5, 8, 9]);
        assert_eq!(pieces.word_of, vec![0, 1, 1, 2, 2]);
        assert_eq!((wp.cls, wp.sep, wp.pad), (2, 3, 0));
        // A window from inside the first word's pieces: the row of "##fis" starts no word.
        let (seq, starts) = wp.sequence(&pieces, 2..5, Some(&[1, 2, 3]));
        assert_eq!(seq.ids, vec![2, 5, 8, 9, 3]);
        assert_eq!(seq.types, vec![0, 2, 3, 3, 0]);
        assert_eq!(starts, vec![None, Some(2), None]);
        let (seq, starts) = wp.sequence(&pieces, 0..5, None);
        assert_eq!(seq.types, vec![0; 7]);
        assert_eq!(starts, vec![Some(0), Some(1), None, Some(2), None]);
    }
}

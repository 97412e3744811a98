//! NER over sentences longer than the model's window: overlapping windows, merged per word.

use anyhow::Result;
use std::sync::Mutex;
use triplex_model::{PieceSeq, Tagger, TokenTagger, WordPieces};

/// A stand-in model: B-LOC for the piece "gao", O elsewhere; it records the windows it sees.
struct PlaceTagger {
    labels: Vec<String>,
    gao: u32,
    seen: Mutex<Vec<usize>>,
}

impl TokenTagger for PlaceTagger {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn max_pieces(&self) -> usize {
        10
    }
    fn uses_word_shapes(&self) -> bool {
        true
    }
    fn name(&self) -> &str {
        "place-tagger"
    }
    fn tag_batch(&self, batch: &[PieceSeq]) -> Result<Vec<Vec<f32>>> {
        let (hi, lo) = (0.9f32.ln(), 0.05f32.ln());
        Ok(batch
            .iter()
            .map(|s| {
                assert!(s.ids.len() <= 10, "window longer than the model takes");
                assert_eq!(s.ids.len(), s.types.len());
                self.seen.lock().unwrap().push(s.ids.len());
                s.ids.iter().flat_map(|&id| if id == self.gao { [lo, hi, lo] } else { [hi, lo, lo] }).collect()
            })
            .collect())
    }
}

fn tokenizer(dir: &std::path::Path) -> WordPieces {
    let json = serde_json::json!({"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
      "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},
      "pre_tokenizer":{"type":"BertPreTokenizer"},"post_processor":null,"decoder":null,
      "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,
        "vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"gao":4,"the":5,"army":6,"left":7,"con":8,"##voy":9}}});
    let p = dir.join("tokenizer.json");
    std::fs::write(&p, json.to_string()).unwrap();
    WordPieces::from_file(&p).unwrap()
}

#[test]
fn long_sentences_are_tagged_whole_through_overlapping_windows() {
    let dir = tempfile::tempdir().unwrap();
    let pieces = tokenizer(dir.path());
    let model = PlaceTagger { labels: ["O", "B-LOC", "I-LOC"].map(String::from).to_vec(), gao: 4, seen: Mutex::new(Vec::new()) };
    // 45 words, 57 pieces ("convoy" is two): far over the 8 pieces a window holds.
    let vocab = ["the", "army", "convoy", "left", "Gao"];
    let words: Vec<&str> = (0..45).map(|i| vocab[(i * 7 + i / 3) % 5]).collect();
    let short: Vec<&str> = vec!["Gao", "left"];
    let tagger = Tagger::new(&model, &pieces, 4);
    let out = tagger.tag(&[words.clone(), short]).unwrap();
    assert_eq!(out[0].len(), words.len(), "every word of the long sentence is tagged");
    for (w, t) in words.iter().zip(&out[0]) {
        assert_eq!(t.label, usize::from(*w == "Gao"), "{w}");
    }
    assert_eq!(out[1].iter().map(|t| t.label).collect::<Vec<_>>(), vec![1, 0]);
    let seen = model.seen.lock().unwrap();
    assert!(seen.len() >= 8, "the long sentence was split into windows: {seen:?}");
}

//! Gold JSONL fixtures as labelled word sequences, so teams can train and evaluate on their own data.

use crate::conll::ConllSentence;
use crate::segment::sentences;
use crate::words::split_words;
use anyhow::{Context, Result};
use std::path::Path;

/// Splits each gold text into sentences and words, tagging words inside entities with IOB2.
pub fn conll_from_gold(path: &Path) -> Result<Vec<ConllSentence>> {
    let mut out = Vec::new();
    for (doc, rec) in crate::eval::read_jsonl(path)?.into_iter().enumerate() {
        let text = rec.text.as_deref().with_context(|| format!("{}: record {} has no text", path.display(), rec.id))?;
        // Entity code-point offsets → byte offsets.
        let byte_of: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
        let ents: Vec<(usize, usize, &str)> = rec.entities.iter().filter_map(|e| Some((*byte_of.get(e.start)?, *byte_of.get(e.end)?, e.label.as_str()))).collect();
        for s in sentences(text) {
            let words: Vec<_> = split_words(&text[s.clone()]).into_iter().map(|w| (w.start + s.start)..(w.end + s.start)).collect();
            let mut tags = Vec::with_capacity(words.len());
            let mut prev: Option<usize> = None;
            for w in &words {
                let hit = ents.iter().position(|&(a, b, _)| w.start >= a && w.end <= b);
                tags.push(match hit {
                    Some(e) if prev == Some(e) => format!("I-{}", ents[e].2),
                    Some(e) => format!("B-{}", ents[e].2),
                    None => "O".to_string(),
                });
                prev = hit;
            }
            let tokens: Vec<String> = words.iter().map(|w| text[w.clone()].to_string()).collect();
            let lines = tokens.iter().zip(&tags).map(|(t, g)| format!("{t} {g}")).collect();
            out.push(ConllSentence { tokens, tags, lines, doc });
        }
    }
    Ok(out)
}

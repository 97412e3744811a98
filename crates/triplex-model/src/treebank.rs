//! Parsing a treebank's gold words with the model's syntax heads (for `eval --conllu` and training).

use crate::model::TokenTagger;
use crate::ner::Tagger;
use crate::tokenize::WordPieces;
use anyhow::Context;
use triplex_core::conllu::Sentence;

/// Parses the words of treebank sentences (gold tokenization) with the model's syntax heads:
/// each sentence comes back with predicted UPOS, head and relation, other columns kept.
pub fn parse_treebank(model: &dyn TokenTagger, pieces: &WordPieces, sents: &[Sentence], batch_size: usize) -> anyhow::Result<Vec<Sentence>> {
    let labels = model.syntax_labels().with_context(|| format!("model {} has no syntax heads (train them with `triplex train syntax`)", model.name()))?;
    let tagger = Tagger::new(model, pieces, batch_size);
    let mut out = Vec::with_capacity(sents.len());
    for chunk in sents.chunks(512) {
        let words: Vec<Vec<&str>> = chunk.iter().map(|s| s.tokens.iter().map(|t| t.form.as_str()).collect()).collect();
        for (s, (_, parse)) in chunk.iter().zip(tagger.tag_and_parse(&words)?) {
            let p = parse.context("the model gave no parse")?;
            let mut s = s.clone();
            for (i, tok) in s.tokens.iter_mut().enumerate() {
                tok.upos = labels.upos[p.upos[i] as usize].clone();
                tok.head = p.heads[i];
                tok.deprel = labels.deprels[p.rels[i] as usize].clone();
            }
            out.push(s);
        }
    }
    Ok(out)
}

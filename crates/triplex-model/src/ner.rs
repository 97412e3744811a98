//! Entity tagging: words → word pieces in windows → batched model → merged word scores → BIO Viterbi;
//! the same model pass gives the syntax scores that `parse` decodes, for models with syntax heads.

use crate::model::{Analysis, PieceSeq, TokenTagger};
use crate::tokenize::WordPieces;
use anyhow::{Result, bail};
use triplex_core::BioDecoder;
use triplex_core::shape;
use triplex_core::{Parse, decode_sentence};
use triplex_core::{SyntaxLabels, WindowSyntax};

/// The tag of one word: label id and the model's probability of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordTag {
    pub label: usize,
    pub prob: f32,
}

/// One entity over words `start..end` of a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct WordSpan {
    pub label: String,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

/// One sentence tokenized for the model: its windows and its word count.
pub struct SentenceWindows {
    windows: Vec<Window>,
    words: usize,
}

/// Log-probabilities of every label for each word of a sentence (empty for a word with no piece).
pub struct WordScores(Vec<Vec<f32>>);

/// What the model pass gives for one sentence.
pub struct SentenceScores {
    pub words: WordScores,
    /// The dependency parse, when the model has syntax heads.
    pub parse: Option<Parse>,
}

/// A window of one sentence's pieces sent to the model.
struct Window {
    seq: PieceSeq,
    /// For each piece position in `seq` (after [CLS]), the word it starts, if it starts one.
    word_starts: Vec<Option<u32>>,
}

/// The NER stage: a model and its tokenizer, batched by length.
pub struct Tagger<'m> {
    pub model: &'m dyn TokenTagger,
    pub pieces: &'m WordPieces,
    pub batch_size: usize,
    decoder: BioDecoder,
}

impl<'m> Tagger<'m> {
    pub fn new(model: &'m dyn TokenTagger, pieces: &'m WordPieces, batch_size: usize) -> Self {
        Tagger { model, pieces, batch_size: batch_size.max(1), decoder: BioDecoder::new(model.labels()) }
    }

    pub fn decoder(&self) -> &BioDecoder {
        &self.decoder
    }

    /// Tags every word of every sentence (one thread for the text work; see `pipeline` for the
    /// parallel use of [`Tagger::windows`], [`Tagger::score`] and [`Tagger::decode`]).
    pub fn tag(&self, sentences: &[Vec<&str>]) -> Result<Vec<Vec<WordTag>>> {
        let windows = sentences.iter().map(|w| self.windows(w)).collect::<Result<Vec<_>>>()?;
        Ok(self.score(&windows)?.into_iter().map(|s| self.decode(s.words)).collect())
    }

    /// Entity tags and dependency parses (None without syntax heads) of every sentence.
    pub fn tag_and_parse(&self, sentences: &[Vec<&str>]) -> Result<Vec<(Vec<WordTag>, Option<Parse>)>> {
        let windows = sentences.iter().map(|w| self.windows(w)).collect::<Result<Vec<_>>>()?;
        Ok(self.score(&windows)?.into_iter().map(|s| (self.decode(s.words), s.parse)).collect())
    }

    /// Word-level log-probabilities (and parses) for sentences split by [`Tagger::windows`], in
    /// input order. Windows of all sentences are batched together by length; each batch is one
    /// model call.
    pub fn score(&self, sentences: &[SentenceWindows]) -> Result<Vec<SentenceScores>> {
        let nl = self.model.labels().len();
        let all: Vec<(usize, &Window)> = sentences.iter().enumerate().flat_map(|(si, s)| s.windows.iter().map(move |w| (si, w))).collect();
        // Batch by length so padding costs little; the order is fixed by the input alone.
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&i| (all[i].1.seq.ids.len(), i));
        // best[s][w]: (distance to a window edge, log-probs, (window, node)) of the best-placed
        // window for word w; the node is the word's 1-based position among the window's words.
        type Best = (i64, Vec<f32>, Option<(usize, usize)>);
        let mut best: Vec<Vec<Best>> = sentences.iter().map(|s| vec![(-1, Vec::new(), None); s.words]).collect();
        let mut syntax: Vec<Option<WindowSyntax>> = vec![None; all.len()];
        let labels = self.model.syntax_labels();
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<PieceSeq> = chunk.iter().map(|&i| all[i].1.seq.clone()).collect();
            // Word starts are only read by syntax heads.
            let starts: Vec<Vec<usize>> = if labels.is_some() {
                chunk.iter().map(|&i| all[i].1.word_starts.iter().enumerate().filter(|(_, w)| w.is_some()).map(|(p, _)| p + 1).collect()).collect()
            } else {
                Vec::new()
            };
            let outs = self.model.analyse_batch(&batch, &starts)?;
            if outs.len() != batch.len() {
                bail!("the model gave {} outputs for a batch of {} sequences", outs.len(), batch.len());
            }
            for (j, out) in outs.iter().enumerate() {
                check_output(out, batch[j].ids.len(), nl, labels.map(|l| (l, starts[j].len())))?;
            }
            for (&i, out) in chunk.iter().zip(outs) {
                let (si, win) = all[i];
                let len = win.word_starts.len() as i64;
                let mut node = 0;
                for (p, w) in win.word_starts.iter().enumerate() {
                    let Some(w) = *w else { continue };
                    node += 1;
                    let centrality = (p as i64).min(len - 1 - p as i64);
                    let slot = &mut best[si][w as usize];
                    if centrality > slot.0 {
                        let at = (p + 1) * nl; // +1 skips [CLS]
                        *slot = (centrality, out.logp[at..at + nl].to_vec(), Some((i, node)));
                    }
                }
                syntax[i] = out.syntax;
            }
        }
        let mut first_window = 0;
        let mut out = Vec::with_capacity(sentences.len());
        for (s, words) in sentences.iter().zip(best) {
            let range = first_window..first_window + s.windows.len();
            first_window = range.end;
            // The windows are taken, so that their word rows are freed once the sentence has its own.
            let taken: Option<Vec<WindowSyntax>> = syntax[range.clone()].iter_mut().map(Option::take).collect();
            let parse = match (labels, taken.as_ref().map(|w| w.iter().collect::<Vec<&WindowSyntax>>())) {
                (Some(labels), Some(wins)) => {
                    let owners: Vec<Option<(usize, usize)>> = words.iter().map(|b| b.2.map(|(i, node)| (i - range.start, node))).collect();
                    Some(decode_sentence(&wins, &owners, labels))
                }
                _ => None,
            };
            out.push(SentenceScores { words: WordScores(words.into_iter().map(|b| b.1).collect()), parse });
        }
        Ok(out)
    }

    /// The best valid tag sequence of one sentence.
    pub fn decode(&self, scores: WordScores) -> Vec<WordTag> {
        let nl = self.model.labels().len();
        let o = self.model.labels().iter().position(|l| l == "O").unwrap_or(0);
        // A word with no piece (e.g. a control character) gets O.
        let m: Vec<Vec<f32>> = scores.0.into_iter().map(|s| if s.is_empty() { (0..nl).map(|l| if l == o { 0.0 } else { -20.0 }).collect() } else { s }).collect();
        let path = self.decoder.decode(&m);
        path.iter().zip(&m).map(|(&l, s)| WordTag { label: l, prob: s[l].exp() }).collect()
    }

    /// Entity spans over words, scored by the mean word probability.
    pub fn spans(&self, tags: &[WordTag]) -> Vec<WordSpan> {
        let path: Vec<usize> = tags.iter().map(|t| t.label).collect();
        self.decoder
            .spans(&path)
            .into_iter()
            .map(|(label, start, end)| {
                let score = tags[start..end].iter().map(|t| t.prob).sum::<f32>() / (end - start) as f32;
                WordSpan { label, start, end, score }
            })
            .collect()
    }

    /// Tokenizes a sentence into model windows; long ones overlap by a quarter so each word is
    /// scored in a window where it has context on both sides.
    pub fn windows(&self, words: &[&str]) -> Result<SentenceWindows> {
        let mut out = Vec::new();
        let pieces = self.pieces.encode_words(words)?;
        let shapes: Option<Vec<u32>> = self.model.uses_word_shapes().then(|| words.iter().map(|w| shape(w)).collect());
        let room = self.model.max_pieces().saturating_sub(2).max(8);
        let n = pieces.ids.len();
        let stride = (room * 3 / 4).max(1);
        let mut start = 0;
        loop {
            let end = (start + room).min(n);
            let (seq, word_starts) = self.pieces.sequence(&pieces, start..end, shapes.as_deref());
            out.push(Window { seq, word_starts });
            if end >= n {
                break;
            }
            start += stride;
        }
        Ok(SentenceWindows { windows: out, words: words.len() })
    }
}

/// Checks one sequence's model output against the sequence (`pieces` long, `labels` entity
/// labels) and, with syntax heads, its `words` and their labels: a backend that gives too few
/// scores or a tree out of range fails its batch with an error (the documents get error
/// records) instead of a panic in the decoders.
fn check_output(out: &Analysis, pieces: usize, labels: usize, syntax: Option<(&SyntaxLabels, usize)>) -> Result<()> {
    if out.logp.len() != pieces * labels {
        bail!("the model gave {} entity scores for {pieces} pieces of {labels} labels", out.logp.len());
    }
    let (Some(sx), Some((names, words))) = (&out.syntax, syntax) else { return Ok(()) };
    if sx.n != words || sx.upos.len() != words || sx.heads.len() != words || sx.rels.len() != words || !(sx.rows.is_empty() || sx.rows.len() == words) {
        bail!(
            "the model's parse of a sequence of {words} words has {} words, {} UPOS, {} heads, {} relations, {} rows",
            sx.n,
            sx.upos.len(),
            sx.heads.len(),
            sx.rels.len(),
            sx.rows.len()
        );
    }
    if let Some(h) = sx.heads.iter().find(|&&h| h > words) {
        bail!("the model's parse gives head {h} in a sequence of {words} words");
    }
    if sx.upos.iter().any(|&u| u as usize >= names.upos.len()) || sx.rels.iter().any(|&r| r as usize >= names.deprels.len()) {
        bail!("the model's parse gives a UPOS or relation id past its {} UPOS and {} relation labels", names.upos.len(), names.deprels.len());
    }
    Ok(())
}

/// Predicted IOB2 tags for the given tokens.
pub fn predict_tags(model: &dyn TokenTagger, pieces: &WordPieces, sents: &[triplex_core::conll::ConllSentence], batch_size: usize) -> Result<Vec<Vec<String>>> {
    Ok(predict_scored_tags(model, pieces, sents, batch_size)?.into_iter().map(|s| s.into_iter().map(|(tag, _)| tag).collect()).collect())
}

/// [`predict_tags`] with each word's probability of its tag.
pub fn predict_scored_tags(model: &dyn TokenTagger, pieces: &WordPieces, sents: &[triplex_core::conll::ConllSentence], batch_size: usize) -> Result<Vec<Vec<(String, f32)>>> {
    let tagger = Tagger::new(model, pieces, batch_size);
    let labels = model.labels();
    let mut out = Vec::with_capacity(sents.len());
    for chunk in sents.chunks(512) {
        let words: Vec<Vec<&str>> = chunk.iter().map(|s| s.tokens.iter().map(String::as_str).collect()).collect();
        for tags in tagger.tag(&words)? {
            out.push(tags.iter().map(|t| (labels[t.label].clone(), t.prob)).collect());
        }
    }
    Ok(out)
}

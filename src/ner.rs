//! Entity tagging: words → word pieces in windows → batched model → merged word scores → BIO Viterbi.

use crate::decode::BioDecoder;
use crate::model::{PieceSeq, TokenTagger};
use crate::tokenize::WordPieces;
use crate::words::shape;
use anyhow::Result;
use rayon::prelude::*;
use std::time::{Duration, Instant};

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

/// Time spent in the NER stage's two parts.
#[derive(Debug, Clone, Copy, Default)]
pub struct NerTimes {
    pub tokenize: Duration,
    /// Model forward passes and decoding.
    pub model: Duration,
}

/// A window of one sentence's pieces sent to the model.
struct Window {
    sentence: usize,
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

    /// Tags every word of every sentence.
    pub fn tag(&self, sentences: &[Vec<&str>]) -> Result<Vec<Vec<WordTag>>> {
        Ok(self.tag_timed(sentences)?.0)
    }

    /// [`Tagger::tag`], with the time spent in tokenization and in the model.
    pub fn tag_timed(&self, sentences: &[Vec<&str>]) -> Result<(Vec<Vec<WordTag>>, NerTimes)> {
        let mut times = NerTimes::default();
        let clock = Instant::now();
        let nl = self.model.labels().len();
        let o = self.model.labels().iter().position(|l| l == "O").unwrap_or(0);
        // Sentences are tokenized in parallel; the windows keep sentence order.
        let per_sentence: Vec<Vec<Window>> = sentences
            .par_iter()
            .enumerate()
            .map(|(si, words)| {
                let mut w = Vec::new();
                self.windows_of(si, words, &mut w)?;
                Ok(w)
            })
            .collect::<Result<_>>()?;
        let windows: Vec<Window> = per_sentence.into_iter().flatten().collect();
        times.tokenize = clock.elapsed();
        let clock = Instant::now();
        // Batch by length so padding costs little; the order is fixed by the input alone.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&i| (windows[i].seq.ids.len(), i));
        // Batches run concurrently (each one's matmuls may use more threads); their results do
        // not depend on the schedule, and are merged in batch order.
        let chunks: Vec<&[usize]> = order.chunks(self.batch_size).collect();
        let outs: Vec<Vec<Vec<f32>>> = chunks
            .par_iter()
            .map(|chunk| {
                let batch: Vec<PieceSeq> = chunk.iter().map(|&i| windows[i].seq.clone()).collect();
                self.model.tag_batch(&batch)
            })
            .collect::<Result<_>>()?;
        // scores[s][w]: best-placed window's log-probs for word w, with its distance to a window edge.
        let mut scores: Vec<Vec<(i64, usize, usize)>> = sentences.iter().map(|w| vec![(-1, 0, 0); w.len()]).collect();
        for (ci, chunk) in chunks.iter().enumerate() {
            for (k, &wi) in chunk.iter().enumerate() {
                let win = &windows[wi];
                let len = win.word_starts.len() as i64;
                for (p, w) in win.word_starts.iter().enumerate() {
                    let Some(w) = *w else { continue };
                    let centrality = (p as i64).min(len - 1 - p as i64);
                    let slot = &mut scores[win.sentence][w as usize];
                    if centrality > slot.0 {
                        *slot = (centrality, ci * self.batch_size + k, (p + 1) * nl); // +1 skips [CLS]
                    }
                }
            }
        }
        let flat_out = |b: usize, at: usize| -> &[f32] { &outs[b / self.batch_size][b % self.batch_size][at..at + nl] };
        let tags = scores
            .into_par_iter()
            .map(|words| {
                // A word with no piece (e.g. a control character) gets O.
                let m: Vec<Vec<f32>> = words
                    .into_iter()
                    .map(|(d, b, at)| if d < 0 { (0..nl).map(|l| if l == o { 0.0 } else { -20.0 }).collect() } else { flat_out(b, at).to_vec() })
                    .collect();
                let path = self.decoder.decode(&m);
                path.iter().zip(&m).map(|(&l, s)| WordTag { label: l, prob: s[l].exp() }).collect()
            })
            .collect();
        times.model = clock.elapsed();
        Ok((tags, times))
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

    /// Splits a sentence into model windows; long ones overlap by a quarter so each word is
    /// scored in a window where it has context on both sides.
    fn windows_of(&self, si: usize, words: &[&str], out: &mut Vec<Window>) -> Result<()> {
        let pieces = self.pieces.encode_words(words)?;
        let shapes: Vec<u32> = if self.model.uses_word_shapes() { words.iter().map(|w| shape(w)).collect() } else { Vec::new() };
        let room = self.model.max_pieces().saturating_sub(2).max(8);
        let n = pieces.ids.len();
        let stride = (room * 3 / 4).max(1);
        let mut start = 0;
        loop {
            let end = (start + room).min(n);
            let mut ids = Vec::with_capacity(end - start + 2);
            let mut types = Vec::with_capacity(end - start + 2);
            let mut word_starts = Vec::with_capacity(end - start);
            ids.push(self.pieces.cls);
            types.push(0);
            for p in start..end {
                let w = pieces.word_of[p];
                ids.push(pieces.ids[p]);
                types.push(shapes.get(w as usize).copied().unwrap_or(0));
                let first = p == 0 || pieces.word_of[p - 1] != w;
                word_starts.push(first.then_some(w));
            }
            ids.push(self.pieces.sep);
            types.push(0);
            out.push(Window { sentence: si, seq: PieceSeq { ids, types }, word_starts });
            if end >= n {
                break;
            }
            start += stride;
        }
        Ok(())
    }
}

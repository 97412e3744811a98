//! Composes the stages — read, segment, words, NER, actor phrases, triples, actors, places, records — and owns all
//! parallelism: rayon over documents for the text stages, candle's threads for the model.

use crate::model::TokenTagger;
use crate::model::bert::{BertTagger, Isa, WeightFormat};
use crate::ner::{SentenceScores, SentenceWindows, Tagger, WordTag};
use crate::tokenize::WordPieces;
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;
use triplex_core::Mention;
use triplex_core::Parse;
use triplex_core::conllu::{self, Token};
use triplex_core::merge_actor_phrases;
use triplex_core::reader::Document;
use triplex_core::record::{CharIndex, Entity, Record, SentenceRange, Status, Triple};
use triplex_core::split_words;
use triplex_core::{ActorDictionary, ActorPhrase, Gazetteer, resolve_actors};
use triplex_core::{MAX_SENTENCE_WORDS, cut_long_sentence, sentences};
use triplex_core::{ParsedWords, extract_triples};
use triplex_core::{gazetteer_places, resolve_mentions};

/// Running totals for the end-of-run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub documents: usize,
    pub errors: usize,
    pub entities: usize,
    pub triples: usize,
    pub words: usize,
    pub bytes: usize,
    /// Wall-clock seconds per stage.
    pub times: StageTimes,
}

/// Wall-clock seconds spent in each stage (text stages run in parallel across documents).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StageTimes {
    pub read: f64,
    pub segment: f64,
    pub tokenize: f64,
    pub model: f64,
    pub rules: f64,
    pub write: f64,
}

impl StageTimes {
    fn add(&mut self, o: &StageTimes) {
        self.read += o.read;
        self.segment += o.segment;
        self.tokenize += o.tokenize;
        self.model += o.model;
        self.rules += o.rules;
        self.write += o.write;
    }
}

impl Totals {
    fn merge(&mut self, o: &Totals) {
        self.documents += o.documents;
        self.errors += o.errors;
        self.entities += o.entities;
        self.triples += o.triples;
        self.words += o.words;
        self.bytes += o.bytes;
        self.times.add(&o.times);
    }

    fn add(&mut self, rec: &Record, words: usize, bytes: usize) {
        self.documents += 1;
        self.errors += usize::from(rec.status == Status::Error);
        self.entities += rec.entities.len();
        self.triples += rec.triples.len();
        self.words += words;
        self.bytes += bytes;
    }
}

/// Everything a run is configured with, validated once (by the CLI, or by a library user).
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Model directory: config.json with id2label, tokenizer.json, model.safetensors.
    pub model_dir: PathBuf,
    /// Weight format of the encoder's matmuls (default: int8, on every CPU).
    pub weights: WeightFormat,
    /// Kernel path of the int8 matmuls and the f32 parts (default: the widest the CPU runs); with
    /// int8 weights every path gives the same records, byte for byte.
    pub kernels: Isa,
    /// Sentences per model batch.
    pub batch_size: usize,
    /// Worker threads (None: all cores).
    pub threads: Option<usize>,
    /// Also render each record's sentences as CoNLL-U (`Record::conllu`); needs syntax heads.
    pub emit_conllu: bool,
    /// With `emit_conllu`: also each word's model row in MISC (`Vec=SCALE:HEX`, int8 times the
    /// scale), for training the scene model (`examples/scene_pairs.rs`).
    pub conllu_vectors: bool,
    /// Actor dictionary (`--actors`) applied after in-document resolution.
    pub actors: Option<ActorDictionary>,
}

impl PipelineConfig {
    /// The defaults for a model directory: default kernels, batches of 32, all cores, records only.
    pub fn new(model_dir: impl Into<PathBuf>) -> Result<Self> {
        Ok(PipelineConfig {
            model_dir: model_dir.into(),
            weights: WeightFormat::parse("")?,
            kernels: Isa::best(),
            batch_size: 32,
            threads: None,
            emit_conllu: false,
            conllu_vectors: false,
            actors: None,
        })
    }
}

/// The loaded model and the settings of a run.
pub struct Pipeline {
    model: Box<dyn TokenTagger>,
    pieces: WordPieces,
    batch_size: usize,
    emit_conllu: bool,
    conllu_vectors: bool,
    /// Places are looked up here (the embedded GeoNames gazetteer).
    gazetteer: &'static Gazetteer,
    /// Renames actors across documents (`--actors`).
    dictionary: Option<ActorDictionary>,
    /// The pool every stage runs on (None: rayon's global pool).
    pool: Option<rayon::ThreadPool>,
}

/// A document split for tagging: sentence byte ranges, and each sentence's word byte ranges.
struct Prepared {
    sentences: Vec<Range<usize>>,
    words: Vec<Vec<Range<usize>>>,
}

impl Pipeline {
    /// Loads the configured model and starts the thread pool.
    pub fn load(config: &PipelineConfig) -> Result<Self> {
        let dir = &config.model_dir;
        if !dir.is_dir() {
            bail!("model directory {} does not exist", dir.display());
        }
        for f in ["config.json", "tokenizer.json", "model.safetensors"] {
            if !dir.join(f).is_file() {
                bail!("model directory {} has no {f}", dir.display());
            }
        }
        // The gazetteer loads on another thread while the model does.
        let gazetteer = std::thread::spawn(Gazetteer::embedded);
        let model = BertTagger::load_for_inference(dir, config.weights, config.kernels)?;
        gazetteer.join().map_err(|_| anyhow::anyhow!("the embedded gazetteer could not be loaded"))?;
        if config.emit_conllu && model.syntax_labels().is_none() {
            bail!("CoNLL-U output needs a model with syntax heads; {} has none (see `triplex train syntax`)", dir.display());
        }
        let pieces = WordPieces::from_file(&dir.join("tokenizer.json"))?;
        let mut p = Self::new(Box::new(model), pieces, config.batch_size);
        p.emit_conllu = config.emit_conllu;
        p.conllu_vectors = config.conllu_vectors;
        p.dictionary = config.actors.clone();
        p.set_threads(config.threads)?;
        Ok(p)
    }

    /// Runs every later stage on a pool of `threads` workers (None: rayon's global pool, all
    /// cores); for callers that choose the thread count per call (the Python package).
    pub fn set_threads(&mut self, threads: Option<usize>) -> Result<()> {
        if threads == self.threads() {
            return Ok(());
        }
        self.pool = match threads {
            None => None,
            Some(0) => bail!("threads must be at least 1"),
            Some(n) => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build().context("cannot start the thread pool")?),
        };
        Ok(())
    }

    /// The size of the pipeline's own pool (None: it runs on rayon's global pool).
    pub fn threads(&self) -> Option<usize> {
        self.pool.as_ref().map(rayon::ThreadPool::current_num_threads)
    }

    /// A pipeline over any tagging backend, on rayon's global pool, records only.
    pub fn new(model: Box<dyn TokenTagger>, pieces: WordPieces, batch_size: usize) -> Self {
        Pipeline { model, pieces, batch_size, emit_conllu: false, conllu_vectors: false, gazetteer: Gazetteer::embedded(), dictionary: None, pool: None }
    }

    /// Runs `f` on the pipeline's thread pool.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    pub fn tagger_model(&self) -> &dyn TokenTagger {
        self.model.as_ref()
    }

    pub fn word_pieces(&self) -> &WordPieces {
        &self.pieces
    }

    pub fn model_name(&self) -> &str {
        self.model.name()
    }

    /// Processes a chunk of documents into one record each, in input order: the text stages run
    /// in parallel over documents, the model over all the chunk's sentences batched by length.
    pub fn process(&self, docs: Vec<Document>) -> (Vec<Record>, Totals) {
        let mut times = StageTimes::default();
        let tagger = Tagger::new(self.model.as_ref(), &self.pieces, self.batch_size);
        let clock = Instant::now();
        let prepared: Vec<Option<Prepared>> = docs.par_iter().map(|d| d.text.as_ref().ok().map(|t| prepare(t))).collect();
        times.segment = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let windows: Vec<Option<Result<Vec<SentenceWindows>>>> = docs
            .par_iter()
            .zip(&prepared)
            .map(|(d, p)| {
                let (Ok(text), Some(p)) = (&d.text, p) else { return None };
                Some(p.words.iter().map(|ws| tagger.windows(&ws.iter().map(|w| &text[w.clone()]).collect::<Vec<_>>())).collect())
            })
            .collect();
        times.tokenize = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        // Every sentence of the chunk goes to the model together; each document keeps its range.
        let mut ranges = Vec::with_capacity(docs.len());
        let mut all = Vec::new();
        // Why a document could not be tokenized, if it could not.
        let mut failed = Vec::with_capacity(docs.len());
        for w in windows {
            let start = all.len();
            match w {
                Some(Ok(w)) => {
                    all.extend(w);
                    failed.push(None);
                }
                Some(Err(e)) => failed.push(Some(format!("{e:#}"))),
                None => failed.push(None),
            }
            ranges.push(start..all.len());
        }
        let scored = tagger.score(&all);
        times.model = clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        // Each document's sentence scores, or why the model failed on the chunk.
        let (scores, model_error): (Vec<Vec<SentenceScores>>, Option<String>) = match scored {
            Ok(s) => {
                let mut it = s.into_iter();
                (ranges.iter().map(|r| it.by_ref().take(r.len()).collect()).collect(), None)
            }
            Err(e) => (ranges.iter().map(|_| Vec::new()).collect(), Some(format!("{e:#}"))),
        };
        let out: Vec<(Record, usize, usize)> = docs
            .into_par_iter()
            .zip(prepared)
            .zip(scores)
            .zip(failed)
            .map(|(((doc, prep), scores), failed)| {
                let failed = failed.or_else(|| model_error.clone());
                let bytes = doc.text.as_ref().map_or(0, |t| t.len());
                match (doc.text, prep, failed) {
                    (Err(e), _, _) => (Record::error(doc.id, doc.meta, e.kind, e.message), 0, bytes),
                    (Ok(_), _, Some(msg)) => (Record::error(doc.id, doc.meta, "model_error", msg), 0, bytes),
                    (Ok(text), Some(prep), None) => {
                        let nwords = prep.words.iter().map(Vec::len).sum();
                        let (id, meta) = (doc.id.clone(), doc.meta.clone());
                        let (rec, built) = record_or_internal_error(id, meta, || {
                            let (tags, parses): (Vec<Vec<WordTag>>, Vec<Option<Parse>>) = scores.into_iter().map(|s| (tagger.decode(s.words), s.parse)).unzip();
                            let (mut rec, phrases) =
                                build_record(doc.id, doc.meta, &text, &prep, &tags, &parses, &tagger, self.gazetteer, self.emit_conllu.then_some(self.conllu_vectors));
                            let idx = CharIndex::new(&text);
                            let sentences: Vec<(usize, usize)> = prep.sentences.iter().map(|s| (idx.char_of(s.start), idx.char_of(s.end))).collect();
                            let phrases: Vec<ActorPhrase> = phrases.into_iter().map(|p| ActorPhrase { range: idx.char_of(p.range.start)..idx.char_of(p.range.end), ..p }).collect();
                            // Places first: resolution reads what kind of place a LOC is ("the city").
                            self.gazetteer.geocode(&mut rec);
                            resolve_actors(&text, &sentences, &phrases, &mut rec, self.dictionary.as_ref());
                            Gazetteer::keep_most_specific_places(&text, &mut rec);
                            rec
                        });
                        (rec, if built { nwords } else { 0 }, bytes)
                    }
                    (Ok(_), None, None) => unreachable!("prepared exists for every readable text"),
                }
            })
            .collect();
        times.rules = clock.elapsed().as_secs_f64();
        let mut totals = Totals { times, ..Totals::default() };
        let records = out
            .into_iter()
            .map(|(rec, words, bytes)| {
                totals.add(&rec, words, bytes);
                rec
            })
            .collect();
        (records, totals)
    }
}

/// The record `build` makes, and true; if it panics (a bug in the rules), an `internal_error`
/// record for the document and false: the document costs an error record, never the run.
fn record_or_internal_error(id: String, meta: serde_json::Map<String, serde_json::Value>, build: impl FnOnce() -> Record) -> (Record, bool) {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)) {
        Ok(rec) => (rec, true),
        Err(panic) => {
            let what = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            (Record::error(id, meta, "internal_error", format!("the rules failed on this document: {what}")), false)
        }
    }
}

/// Sentences and their words; a sentence over [`MAX_SENTENCE_WORDS`] words is cut into runs that
/// are sentences of their own, so that the model, the parser and the rules see bounded lengths.
fn prepare(text: &str) -> Prepared {
    let mut prep = Prepared { sentences: Vec::new(), words: Vec::new() };
    for s in sentences(text) {
        let words: Vec<Range<usize>> = split_words(&text[s.clone()]).into_iter().map(|w| w.start + s.start..w.end + s.start).collect();
        if words.len() <= MAX_SENTENCE_WORDS {
            prep.sentences.push(s);
            prep.words.push(words);
            continue;
        }
        for run in cut_long_sentence(text, &words, MAX_SENTENCE_WORDS) {
            prep.sentences.push(words[run.start].start..words[run.end - 1].end);
            prep.words.push(words[run].to_vec());
        }
    }
    prep
}

/// The document's sentences in CoNLL-U: `# newdoc id`, `# sent_id = ID-N`, `# text`, then per
/// word its predicted UPOS, head and relation; MISC holds the word's tag in the record's entities
/// (`NE=B-LOC`, as spaCy's CoNLL-U converter reads it), its code-point range in the document (`TokenRange=start:end`) and `SpaceAfter=No`.
#[allow(clippy::too_many_arguments)]
fn conllu_block(id: &str, text: &str, prep: &Prepared, mentions: &[Mention], parses: &[Option<Parse>], tagger: &Tagger, idx: &CharIndex, vectors: bool) -> String {
    let syn = tagger.model.syntax_labels();
    // Mentions by start, so each word's is found by binary search (they do not overlap).
    let mut by_start: Vec<&Mention> = mentions.iter().collect();
    by_start.sort_by_key(|m| m.start);
    let tag = |w: &Range<usize>| match by_start.partition_point(|m| m.start <= w.start).checked_sub(1).map(|i| by_start[i]).filter(|m| w.end <= m.end) {
        Some(m) if m.start == w.start => format!("B-{}", m.label),
        Some(m) => format!("I-{}", m.label),
        None => "O".to_string(),
    };
    let mut sentences = Vec::with_capacity(prep.sentences.len());
    for (si, (s, words)) in prep.sentences.iter().zip(&prep.words).enumerate() {
        let mut comments = vec![format!("# sent_id = {id}-{}", si + 1), format!("# text = {}", text[s.clone()].split_whitespace().collect::<Vec<_>>().join(" "))];
        if si == 0 {
            comments.insert(0, format!("# newdoc id = {id}"));
        }
        let tokens = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let (upos, head, deprel) = match (&parses[si], syn) {
                    (Some(p), Some(l)) => (l.upos[p.upos[i] as usize].clone(), p.heads[i], l.deprels[p.rels[i] as usize].clone()),
                    _ => ("_".to_string(), 0, "_".to_string()),
                };
                let mut misc = vec![format!("NE={}", tag(w)), format!("TokenRange={}:{}", idx.char_of(w.start), idx.char_of(w.end))];
                if words.get(i + 1).is_some_and(|n| n.start == w.end) {
                    misc.push("SpaceAfter=No".into());
                }
                if let Some(p) = parses[si].as_ref().filter(|p| vectors && p.rows.len() == words.len()) {
                    misc.push(format!("Vec={}", p.rows.row_text(i)));
                }
                Token {
                    id: i + 1,
                    form: text[w.clone()].to_string(),
                    lemma: "_".into(),
                    upos,
                    xpos: "_".into(),
                    feats: "_".into(),
                    head,
                    deprel,
                    deps: "_".into(),
                    misc: misc.join("|"),
                }
            })
            .collect();
        sentences.push(conllu::Sentence { comments, tokens });
    }
    conllu::write_conllu(&sentences)
}

#[allow(clippy::too_many_arguments)]
fn build_record(
    id: String,
    meta: serde_json::Map<String, serde_json::Value>,
    text: &str,
    prep: &Prepared,
    tags: &[Vec<WordTag>],
    parses: &[Option<Parse>],
    tagger: &Tagger,
    gazetteer: &Gazetteer,
    // Some(with word rows) to render CoNLL-U.
    conllu: Option<bool>,
) -> (Record, Vec<ActorPhrase>) {
    let mut mentions = Vec::new();
    for (words, tags) in prep.words.iter().zip(tags) {
        for span in tagger.spans(tags) {
            mentions.push(Mention { start: words[span.start].start, end: words[span.end - 1].end, label: span.label, score: span.score });
        }
    }
    let mut mentions = resolve_mentions(text, mentions);
    gazetteer_places(text, &mut mentions, &|name| gazetteer.place_size(name));
    let mentions = merge_actor_phrases(text, mentions);
    let idx = CharIndex::new(text);
    let entities = mentions
        .iter()
        .map(|m| {
            let s = idx.span(text, m.start, m.end);
            Entity { text: s.text, label: m.label.clone(), start: s.start, end: s.end, score: Some(round4(m.score)), optional: false, actor_id: None, geo: None }
        })
        .collect();
    let labels = tagger.model.syntax_labels();
    let mut triples = Vec::new();
    let mut phrases = Vec::new();
    for (si, s) in prep.sentences.iter().enumerate() {
        let parsed = match (&parses[si], labels) {
            (Some(parse), Some(labels)) => Some(ParsedWords { words: &prep.words[si], parse, labels }),
            _ => None,
        };
        let (drafts, sentence_phrases) = extract_triples(text, s, parsed, &mentions);
        phrases.extend(sentence_phrases);
        for d in drafts {
            let span = |r: &Range<usize>| idx.span(text, r.start, r.end);
            let mut action = span(&d.action);
            action.lemma = d.lemma.clone();
            action.nominal = d.nominal;
            triples.push(Triple {
                actor: d.actor.as_ref().map(span),
                action,
                place: span(&d.place),
                place_relation: d.relation,
                place_qualifier: d.qualifier.clone(),
                negated: d.negated,
                object: d.object.as_ref().map(span),
                time: d.time.as_ref().map(span),
                attributed_to: d.attributed_to.as_ref().map(span),
                score: Some(round4(d.score)),
                sentence: Some(SentenceRange { start: idx.char_of(s.start), end: idx.char_of(s.end) }),
                optional: false,
            });
        }
    }
    let conllu = conllu.map(|vectors| conllu_block(&id, text, prep, &mentions, parses, tagger, &idx, vectors));
    (Record { id, status: Status::Ok, meta, text: None, chars: Some(idx.char_of(text.len())), error: None, entities, triples, actors: Vec::new(), conllu }, phrases)
}

/// Scores are rounded so that output stays byte-identical across thread counts and machines.
fn round4(x: f32) -> f32 {
    (x * 10000.0).round() / 10000.0
}

/// Runs extraction over a whole document stream, calling `sink` for each record in input order
/// and `end_chunk` with the running totals after each chunk (to commit, flush and show progress).
pub fn run(
    pipeline: &Pipeline,
    docs: impl Iterator<Item = Document>,
    chunk_docs: usize,
    mut sink: impl FnMut(&Record) -> Result<()>,
    mut end_chunk: impl FnMut(&Totals) -> Result<()>,
) -> Result<Totals> {
    let mut totals = Totals::default();
    let mut docs = docs;
    loop {
        let clock = Instant::now();
        let chunk: Vec<Document> = docs.by_ref().take(chunk_docs.max(1)).collect();
        let read = clock.elapsed().as_secs_f64();
        if chunk.is_empty() {
            break;
        }
        let (records, mut t) = pipeline.install(|| pipeline.process(chunk));
        let clock = Instant::now();
        for r in &records {
            sink(r).context("cannot write output")?;
        }
        t.times.read = read;
        t.times.write = clock.elapsed().as_secs_f64();
        totals.merge(&t);
        end_chunk(&totals).context("cannot write output")?;
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Analysis, PieceSeq};
    use triplex_core::{SyntaxLabels, WindowSyntax};

    /// 200,000 words with no sentence end: sentences of at most `MAX_SENTENCE_WORDS` words that
    /// keep every word once, in order (it used to be one sentence, quadratic in the parser and rules).
    #[test]
    fn sentences_without_ends_are_cut_to_bounded_length() {
        let text = "Malian troops entered the town of Gao and rebels left it, the army said ".repeat(200_000 / 14 + 1);
        let prep = prepare(&text);
        let words: Vec<Range<usize>> = prep.words.iter().flatten().cloned().collect();
        assert_eq!(words, split_words(&text), "every word, once, in order");
        assert!(prep.words.len() > 200_000 / MAX_SENTENCE_WORDS);
        for (s, w) in prep.sentences.iter().zip(&prep.words) {
            assert!(!w.is_empty() && w.len() <= MAX_SENTENCE_WORDS, "{} words", w.len());
            assert_eq!((s.start, s.end), (w[0].start, w.last().unwrap().end));
        }
        // Normal text is left as the segmenter made it.
        let news = "Malian troops entered Gao on Monday. Rebels left Kidal, the army said.";
        assert_eq!(prepare(news).sentences, sentences(news));
    }

    /// A backend that gives every long sequence a parse out of range (heads past its words,
    /// relation and UPOS ids past the labels): a broken model or a bug it finds in the rules.
    struct BrokenParses {
        labels: Vec<String>,
        syntax: SyntaxLabels,
    }

    impl TokenTagger for BrokenParses {
        fn labels(&self) -> &[String] {
            &self.labels
        }
        fn max_pieces(&self) -> usize {
            128
        }
        fn uses_word_shapes(&self) -> bool {
            false
        }
        fn tag_batch(&self, batch: &[PieceSeq]) -> Result<Vec<Vec<f32>>> {
            Ok(batch.iter().map(|s| s.ids.iter().flat_map(|_| [0.0f32, -9.0, -9.0]).collect()).collect())
        }
        fn name(&self) -> &str {
            "broken-parses"
        }
        fn syntax_labels(&self) -> Option<&SyntaxLabels> {
            Some(&self.syntax)
        }
        fn analyse_batch(&self, batch: &[PieceSeq], word_starts: &[Vec<usize>]) -> Result<Vec<Analysis>> {
            let logp = self.tag_batch(batch)?;
            Ok(logp
                .into_iter()
                .zip(word_starts)
                .map(|(logp, starts)| {
                    let n = starts.len();
                    let broken = n > 6;
                    let heads = (0..n).map(|i| if broken { n + 7 } else { i }).collect();
                    let syntax = WindowSyntax { n, upos: vec![if broken { 99 } else { 0 }; n], heads, rels: vec![if broken { 99 } else { 0 }; n], rows: Default::default() };
                    Analysis { logp, syntax: Some(syntax) }
                })
                .collect())
        }
    }

    /// A backend whose parses are out of range fails its batch with an error: every document of
    /// the chunk gets a `model_error` record, in input order, and the run goes on (it used to be a
    /// panic in the parse decoder, outside any document's record).
    #[test]
    fn a_backend_giving_broken_parses_gives_error_records() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let pieces = WordPieces::from_file(&root.join("models/default/tokenizer.json")).unwrap();
        let backend = BrokenParses { labels: ["O", "B-LOC", "I-LOC"].map(String::from).to_vec(), syntax: SyntaxLabels { upos: vec!["NOUN".into()], deprels: vec!["root".into()] } };
        let pipeline = Pipeline::new(Box::new(backend), pieces, 8);
        let doc = |id: &str, text: &str| Document { id: id.into(), meta: Default::default(), text: Ok(text.into()) };
        let docs = vec![doc("short", "Rebels left."), doc("long", "An army convoy left Gao on Monday and reached the town of Anefis."), doc("short-again", "Troops came.")];
        let (records, totals) = pipeline.install(|| pipeline.process(docs));
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["short", "long", "short-again"]);
        for r in &records {
            let r = serde_json::to_value(r).unwrap();
            assert_eq!(r["status"], "error", "{r}");
            assert_eq!(r["error"]["kind"], "model_error", "{r}");
            assert!(r["error"]["message"].as_str().unwrap().contains("head"), "{r}");
        }
        assert_eq!(totals.documents, 3);
        // The same backend on short documents alone: parses in range, records built.
        let (records, _) = pipeline.install(|| pipeline.process(vec![doc("short", "Rebels left.")]));
        assert_eq!(serde_json::to_value(&records[0]).unwrap()["status"], "ok");
    }

    /// A panic while a record is built (a bug in the rules) becomes that document's
    /// `internal_error` record, with the panic's message; a build that returns is kept.
    #[test]
    fn a_panic_in_the_rules_becomes_an_internal_error_record() {
        let meta: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r#"{"url": "https://example.org/a"}"#).unwrap();
        let (rec, built) = record_or_internal_error("a".into(), meta.clone(), || panic!("index {} out of range", 21));
        assert!(!built);
        let v = serde_json::to_value(&rec).unwrap();
        assert_eq!((v["id"].as_str(), v["status"].as_str(), v["error"]["kind"].as_str()), (Some("a"), Some("error"), Some("internal_error")));
        assert!(v["error"]["message"].as_str().unwrap().ends_with("index 21 out of range"), "{v}");
        assert_eq!(v["meta"]["url"], "https://example.org/a", "the input's metadata is kept: {v}");
        let (rec, built) = record_or_internal_error("b".into(), meta, || Record::error("b", Default::default(), "kept", "as built"));
        assert!(built && rec.error.as_ref().is_some_and(|e| e.kind == "kept"));
    }

    use crate::KernelPath;

    /// Records, CoNLL-U included, of a few corpus/ articles through the shipped model: byte for
    /// byte the same on every kernel path, each forced through the config (one the CPU lacks
    /// fails the test, see [`crate::test_support::required`]).
    #[test]
    fn records_are_byte_identical_on_every_kernel_path() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let ids = ["mali-anefis", "wikinews-crane", "wikinews-stampede", "wikinews-worship"];
        let docs = || -> Vec<Document> {
            ids.iter()
                .map(|id| Document { id: id.to_string(), meta: Default::default(), text: Ok(std::fs::read_to_string(root.join(format!("corpus/{id}.txt"))).unwrap()) })
                .collect()
        };
        let mut ran: Vec<(KernelPath, String)> = Vec::new();
        for path in KernelPath::ALL {
            let Some(isa) = crate::test_support::required(Isa::new(path), &format!("the {} kernels", path.name())) else { continue };
            let mut config = PipelineConfig::new(root.join("models/default")).unwrap();
            config.kernels = isa;
            config.emit_conllu = true;
            let pipeline = Pipeline::load(&config).unwrap();
            let (records, totals) = pipeline.install(|| pipeline.process(docs()));
            assert_eq!(records.len(), ids.len());
            assert!(
                records.iter().all(|r| !r.entities.is_empty() && r.conllu.as_ref().is_some_and(|c| c.contains("\troot\t"))),
                "{}: records without entities or parses",
                path.name()
            );
            assert!(totals.triples > 0, "{}: no triples", path.name());
            ran.push((path, records.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect()));
        }
        let (p0, first) = &ran[0];
        for (p, out) in &ran[1..] {
            let line = out.lines().zip(first.lines()).position(|(a, b)| a != b);
            assert!(out == first, "the {} and {} paths give different records (first at line {line:?})", p.name(), p0.name());
        }
    }
}

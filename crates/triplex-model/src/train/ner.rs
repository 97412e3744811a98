//! `triplex train ner`: fine-tunes a BERT encoder with a token-classification head in candle.

use crate::model::bert::BertTagger;
use crate::model::config::BertConfig;
use crate::model::layers::SeededDropout;
use crate::model::{PieceSeq, TokenTagger};
use crate::ner::predict_tags;
use crate::tokenize::WordPieces;
use crate::train::Progress;
use crate::train::fit::{AdamW, Objective, Schedule, TrainSummary, fit};
use anyhow::{Context, Result, bail};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use triplex_core::conll::{ConllSentence, read_conll, to_iob2};
use triplex_core::{NUM_SHAPES, shape};

/// IOB2 labels of the shipped model, in id order.
pub const NER_LABELS: [&str; 9] = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"];

/// Settings of one training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    pub train: Vec<PathBuf>,
    pub dev: PathBuf,
    pub base: PathBuf,
    pub out: PathBuf,
    pub epochs: usize,
    pub lr: f64,
    pub seed: u64,
    pub batch_size: usize,
    pub warmup: f64,
    pub weight_decay: f64,
    pub dropout: f32,
    pub max_pieces: usize,
    /// Stop after this many optimizer steps (for smoke tests); 0 means no limit.
    pub max_steps: usize,
    /// Stop this invocation after this many steps with a checkpoint, as a kill would leave it
    /// (0: run to the end); lets tests check that `--resume` continues exactly.
    pub stop_after: usize,
    pub checkpoint_every: usize,
    pub resume: bool,
    pub model_name: String,
    /// Embeddings and this many first encoder layers are kept as in `base`; when they cover the
    /// layers a syntax branch reads, the base's syntax heads are kept too.
    #[serde(default)]
    pub freeze_layers: usize,
}

/// One training example: pieces with [CLS]/[SEP], shape types, and a label per piece (-1: none).
#[derive(Debug, Clone)]
pub(crate) struct Example {
    seq: PieceSeq,
    labels: Vec<i64>,
}

/// Reads labelled sentences: CoNLL files (IOB1 or IOB2) or gold JSONL records (text + entities).
pub fn read_labelled(path: &Path) -> Result<Vec<ConllSentence>> {
    let name = path.to_string_lossy();
    let sents = if name.ends_with(".jsonl") { triplex_core::conll_from_gold(path)? } else { read_conll(path)? };
    Ok(sents
        .into_iter()
        .map(|mut s| {
            s.tags = to_iob2(&s.tags);
            s
        })
        .collect())
}

fn examples(sents: &[ConllSentence], pieces: &WordPieces, max_pieces: usize) -> Result<Vec<Example>> {
    let label_id: HashMap<&str, i64> = NER_LABELS.iter().enumerate().map(|(i, l)| (*l, i as i64)).collect();
    let mut out = Vec::with_capacity(sents.len());
    for s in sents {
        let words: Vec<&str> = s.tokens.iter().map(String::as_str).collect();
        let p = pieces.encode_words(&words)?;
        let shapes: Vec<u32> = words.iter().map(|w| shape(w)).collect();
        // Pieces past the model's length are cut (training only: inference uses windows).
        let (seq, word_starts) = pieces.sequence(&p, 0..p.ids.len().min(max_pieces - 2), Some(&shapes));
        let mut labels = vec![-1i64; seq.ids.len()];
        for (i, w) in word_starts.iter().enumerate() {
            if let Some(w) = w {
                let tag = s.tags[*w as usize].as_str();
                labels[i + 1] = *label_id.get(tag).with_context(|| format!("unknown tag {tag:?}"))?;
            }
        }
        if seq.ids.len() > 2 {
            out.push(Example { seq, labels });
        }
    }
    Ok(out)
}

/// The trainable model: its variables by name, and the model reading them.
pub struct Trainable {
    pub varmap: VarMap,
    pub model: BertTagger,
    pub config: BertConfig,
}

/// Builds a token classifier on `base` (a BERT model directory: a bare encoder or a triplex model).
/// A note for the user (syntax heads left out) goes to `progress`.
pub fn trainable_from_base(base: &Path, seed: u64, model_name: &str, freeze_layers: usize, progress: &dyn Progress) -> Result<Trainable> {
    let mut config = BertConfig::from_file(&base.join("config.json"))?;
    let base_weights =
        candle_core::safetensors::load(base.join("model.safetensors"), &Device::Cpu).with_context(|| format!("cannot read {}", base.join("model.safetensors").display()))?;
    let same_labels = config.labels().ok().is_some_and(|l| l == NER_LABELS);
    config.id2label = NER_LABELS.iter().enumerate().map(|(i, l)| (i.to_string(), l.to_string())).collect();
    config.label2id = NER_LABELS.iter().enumerate().map(|(i, l)| (l.to_string(), i)).collect();
    config.architectures = vec!["BertForTokenClassification".into()];
    config.type_vocab_size = NUM_SHAPES;
    config.triplex_word_shapes = true;
    config.triplex_model_name = Some(model_name.to_string());
    if freeze_layers > config.num_hidden_layers {
        bail!("cannot freeze {freeze_layers} layers: the base model has {}", config.num_hidden_layers);
    }
    // Fine-tuning moves the shared layers under any syntax heads: they are left out (add them
    // again with `triplex train syntax`), unless those layers are frozen.
    if config.triplex_syntax.as_ref().is_some_and(|sc| sc.shared_layers > freeze_layers) {
        config.triplex_syntax = None;
        progress.line("note: the base model's syntax heads are not kept; run `triplex train syntax` on the result (or freeze the layers they read)");
    }
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let mut model = BertTagger::new(vb, config.clone())?;
    model.frozen_layers = freeze_layers;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let data = varmap.data().lock().unwrap();
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let bare = name.strip_prefix("bert.").unwrap_or(name);
        let found = base_weights.get(name.as_str()).or_else(|| base_weights.get(bare));
        let value = match found {
            Some(t) if t.dims() == var.dims() && (same_labels || !name.starts_with("classifier")) => t.to_dtype(DType::F32)?,
            // Word-shape types: every shape starts from the base's type-0 row.
            Some(t) if bare == "embeddings.token_type_embeddings.weight" => t.get(0)?.to_dtype(DType::F32)?.unsqueeze(0)?.repeat((NUM_SHAPES, 1))?,
            _ if name.starts_with("classifier") && name.ends_with("weight") => {
                let n = var.elem_count();
                let v: Vec<f32> = (0..n).map(|_| normal(&mut rng) * 0.02).collect();
                Tensor::from_vec(v, var.shape(), &Device::Cpu)?
            }
            _ if name.starts_with("classifier") => var.zeros_like()?,
            _ => bail!("base model {} has no tensor {bare} of shape {:?}", base.display(), var.dims()),
        };
        var.set(&value)?;
    }
    drop(data);
    Ok(Trainable { varmap, model, config })
}

pub(crate) fn normal(rng: &mut StdRng) -> f32 {
    // Box–Muller from two uniforms.
    let u1: f32 = rng.random::<f32>().max(1e-7);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
}

/// Mean cross-entropy over the labelled pieces of a batch.
pub(crate) fn batch_loss(model: &BertTagger, batch: &[&Example], dropout: Option<&mut SeededDropout>) -> Result<Tensor> {
    let seqs: Vec<PieceSeq> = batch.iter().map(|e| e.seq.clone()).collect();
    let (ids, types, mask, t) = model.pad_batch(&seqs)?;
    let logits = model.logits(&ids, &types, &mask, dropout)?;
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    for (i, e) in batch.iter().enumerate() {
        for (p, &l) in e.labels.iter().enumerate() {
            if l >= 0 {
                rows.push((i * t + p) as u32);
                targets.push(l as u32);
            }
        }
    }
    let dev = logits.device();
    let picked = logits.index_select(&Tensor::new(rows.as_slice(), dev)?, 0)?;
    Ok(candle_nn::loss::cross_entropy(&picked, &Tensor::new(targets.as_slice(), dev)?)?)
}

/// Strict entity F1 of `model` on labelled sentences, as conlleval counts it.
pub fn conll_f1(model: &dyn TokenTagger, pieces: &WordPieces, sents: &[ConllSentence], batch_size: usize) -> Result<f64> {
    let pred = predict_tags(model, pieces, sents, batch_size)?;
    let gold: Vec<Vec<String>> = sents.iter().map(|s| s.tags.clone()).collect();
    Ok(triplex_core::eval::score_conll(&gold, &pred).strict.f1)
}

/// Writes the model as the Hugging Face layout: config.json, tokenizer.json, model.safetensors (f16).
pub fn save_model(t: &Trainable, base: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let data = t.varmap.data().lock().unwrap();
    let half: HashMap<String, Tensor> = data.iter().map(|(k, v)| Ok((k.clone(), v.as_tensor().to_dtype(DType::F16)?))).collect::<Result<_>>()?;
    candle_core::safetensors::save(&half, out.join("model.safetensors"))?;
    std::fs::write(out.join("config.json"), serde_json::to_string_pretty(&t.config)? + "\n")?;
    if base.join("tokenizer.json") != out.join("tokenizer.json") {
        std::fs::copy(base.join("tokenizer.json"), out.join("tokenizer.json")).context("copying tokenizer.json")?;
    }
    Ok(())
}

/// NER fine-tuning as [`fit`] sees it.
struct NerObjective<'a> {
    t: Trainable,
    pieces: WordPieces,
    train: Vec<Example>,
    dev: Vec<ConllSentence>,
    opts: &'a TrainOptions,
}

impl Objective for NerObjective<'_> {
    const METRIC: &'static str = "f1";

    fn lengths(&self) -> Vec<usize> {
        self.train.iter().map(|e| e.seq.ids.len()).collect()
    }

    fn loss(&self, batch: &[usize], dropout: &mut SeededDropout) -> Result<Tensor> {
        let exs: Vec<&Example> = batch.iter().map(|&i| &self.train[i]).collect();
        batch_loss(&self.t.model, &exs, Some(dropout))
    }

    fn evaluate(&self) -> Result<Vec<(&'static str, f64)>> {
        Ok(vec![("f1", conll_f1(&self.t.model, &self.pieces, &self.dev, 64)?)])
    }

    fn save_best(&self) -> Result<()> {
        save_model(&self.t, &self.opts.base, &self.opts.out)
    }
}

/// Runs training; the best model on dev (strict entity F1) is kept in `opts.out`.
pub fn train_ner(opts: &TrainOptions, progress: &dyn Progress) -> Result<TrainSummary> {
    let started = Instant::now();
    for p in opts.train.iter().chain([&opts.dev]) {
        if !p.is_file() {
            bail!("no such data file: {}", p.display());
        }
    }
    let pieces = WordPieces::from_file(&opts.base.join("tokenizer.json"))?;
    let mut train_sents = Vec::new();
    for p in &opts.train {
        train_sents.extend(read_labelled(p)?);
    }
    let dev = read_labelled(&opts.dev)?;
    let train = examples(&train_sents, &pieces, opts.max_pieces)?;
    if train.is_empty() {
        bail!("no training sentences in {:?}", opts.train);
    }
    let t = trainable_from_base(&opts.base, opts.seed, &opts.model_name, opts.freeze_layers, progress)?;
    let mut opt = AdamW::new(&t.varmap, opts.weight_decay)?;
    let schedule = Schedule {
        epochs: opts.epochs,
        batch_size: opts.batch_size,
        seed: opts.seed,
        lr: opts.lr,
        warmup: opts.warmup,
        dropout: opts.dropout,
        max_steps: opts.max_steps,
        checkpoint_every: opts.checkpoint_every,
        stop_after: opts.stop_after,
        stop_after_epochs: 0,
        resume: opts.resume,
        checkpoint: opts.out.join("checkpoint"),
        started,
    };
    fit(&NerObjective { t, pieces, train, dev, opts }, &mut opt, &schedule, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Silent;

    use crate::test_support::{assert_every_var_has_a_gradient, sample_conll, tiny_base, tiny_ner_options};

    fn tiny_examples(dir: &Path) -> Vec<Example> {
        let pieces = WordPieces::from_file(&dir.join("tokenizer.json")).unwrap();
        let p = dir.join("s.conll");
        sample_conll(&p);
        examples(&read_labelled(&p).unwrap(), &pieces, 64).unwrap()
    }

    #[test]
    fn every_weight_gets_a_gradient() {
        let dir = tempfile::tempdir().unwrap();
        tiny_base(dir.path());
        let t = trainable_from_base(dir.path(), 1, "t", 0, &Silent).unwrap();
        let ex = tiny_examples(dir.path());
        let batch: Vec<&Example> = ex.iter().take(4).collect();
        let mut rng = StdRng::seed_from_u64(3);
        let loss = batch_loss(&t.model, &batch, Some(&mut SeededDropout { rng: &mut rng, p: 0.1 })).unwrap();
        let grads = loss.backward().unwrap();
        let n = assert_every_var_has_a_gradient(&t.varmap, &grads);
        assert_eq!(n, 5 + 2 * 16 + 2, "all tensors of the tiny model are vars");
    }

    #[test]
    fn training_and_inference_paths_agree() {
        let dir = tempfile::tempdir().unwrap();
        tiny_base(dir.path());
        let t = trainable_from_base(dir.path(), 1, "t", 0, &Silent).unwrap();
        let ex = tiny_examples(dir.path());
        let seqs: Vec<PieceSeq> = ex.iter().take(3).map(|e| e.seq.clone()).collect();
        let (ids, types, mask, _) = t.model.pad_batch(&seqs).unwrap();
        let fused = t.model.logits(&ids, &types, &mask, None).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let plain = t.model.logits(&ids, &types, &mask, Some(&mut SeededDropout { rng: &mut rng, p: 0.0 })).unwrap();
        let diff = (fused - plain).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(diff < 1e-4, "fused and differentiable paths differ by {diff}");
    }

    #[test]
    fn short_training_lowers_loss_and_saves_a_working_model() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        std::fs::create_dir(&base).unwrap();
        tiny_base(&base);
        let data = dir.path().join("train.conll");
        sample_conll(&data);
        let out = dir.path().join("out");
        let opts = tiny_ner_options(&data, &base, &out, 30);
        let s = train_ner(&opts, &Silent).unwrap();
        assert!(s.last_loss < s.first_loss * 0.5, "loss {} -> {}", s.first_loss, s.last_loss);
        assert!(s.best_dev > 0.5, "dev F1 {}", s.best_dev);
        // The saved (f16) model loads and tags the training sentence.
        let model = BertTagger::load_dir(&out).unwrap();
        let pieces = WordPieces::from_file(&out.join("tokenizer.json")).unwrap();
        let sents = read_labelled(&data).unwrap();
        let f1 = conll_f1(&model, &pieces, &sents, 8).unwrap();
        assert!((f1 - s.best_dev).abs() < 0.05, "saved model F1 {f1} vs {}", s.best_dev);
        // The same seed reproduces the run.
        let again = train_ner(&TrainOptions { out: dir.path().join("out2"), ..opts.clone() }, &Silent).unwrap();
        assert_eq!(again.dev_per_epoch(), s.dev_per_epoch());
        assert_eq!(again.last_loss, s.last_loss);
        // A run stopped mid-epoch and resumed from its checkpoint ends exactly as the whole run.
        let out3 = dir.path().join("out3");
        // Stopped mid-epoch (step 13), then again at an epoch's last step before its dev scoring (27).
        let stopped = train_ner(&TrainOptions { out: out3.clone(), stop_after: 13, ..opts.clone() }, &Silent).unwrap();
        assert_eq!(stopped.steps, 13);
        let stopped = train_ner(&TrainOptions { out: out3.clone(), stop_after: 14, resume: true, ..opts.clone() }, &Silent).unwrap();
        assert_eq!(stopped.steps, 27);
        let resumed = train_ner(&TrainOptions { out: out3, resume: true, ..opts }, &Silent).unwrap();
        assert_eq!(resumed.steps, s.steps);
        assert_eq!(resumed.dev_per_epoch(), s.dev_per_epoch());
        assert_eq!(resumed.last_loss, s.last_loss);
        assert_eq!(resumed.first_loss, s.first_loss);
        // Every epoch's record too (the loss of step 27 came from the checkpoint).
        assert_eq!(resumed.epochs, s.epochs);
    }
}

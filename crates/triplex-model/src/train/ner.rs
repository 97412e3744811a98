//! `triplex train ner`: fine-tunes a BERT encoder with a token-classification head in candle.

use crate::model::bert::BertTagger;
use crate::model::config::BertConfig;
use crate::model::layers::SeededDropout;
use crate::model::{PieceSeq, TokenTagger};
use crate::ner::predict_tags;
use crate::tokenize::WordPieces;
use crate::train::Progress;
use anyhow::{Context, Result, bail};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
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
}

/// One training example: pieces with [CLS]/[SEP], shape types, and a label per piece (-1: none).
#[derive(Debug, Clone)]
pub(crate) struct Example {
    seq: PieceSeq,
    labels: Vec<i64>,
}

/// What a run reports at its end.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub steps: usize,
    pub best_dev_f1: f64,
    pub best_epoch: usize,
    pub dev_f1_per_epoch: Vec<f64>,
    pub seconds: f64,
    /// Word pieces per second in training steps (dev scoring excluded).
    pub train_pieces_per_second: f64,
    pub first_loss: f32,
    pub last_loss: f32,
}

/// Progress saved with a checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CheckpointState {
    step: usize,
    best_dev_f1: f64,
    best_epoch: usize,
    dev_f1_per_epoch: Vec<f64>,
    first_loss: f32,
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

/// Batches of example indices: similar lengths together, batch order shuffled by `seed`.
fn batches(ex: &[Example], batch_size: usize, seed: u64) -> Vec<Vec<usize>> {
    let lens: Vec<usize> = ex.iter().map(|e| e.seq.ids.len()).collect();
    batches_by_length(&lens, batch_size, seed)
}

/// Batches of indices into `lens`: similar lengths together, batch order shuffled by `seed`.
pub(crate) fn batches_by_length(lens: &[usize], batch_size: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut idx: Vec<usize> = (0..lens.len()).collect();
    idx.shuffle(&mut rng);
    let mut out = Vec::new();
    for pool in idx.chunks(batch_size * 64) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|&i| lens[i]);
        out.extend(pool.chunks(batch_size).map(|c| c.to_vec()));
    }
    out.shuffle(&mut rng);
    out
}

/// The trainable model: its variables by name, and the model reading them.
pub struct Trainable {
    pub varmap: VarMap,
    pub model: BertTagger,
    pub config: BertConfig,
}

/// Builds a token classifier on `base` (a BERT model directory: a bare encoder or a triplex model).
pub fn trainable_from_base(base: &Path, seed: u64, model_name: &str) -> Result<Trainable> {
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
    // Fine-tuning moves the shared layers under any syntax heads: they are left out (add them
    // again with `triplex train syntax`).
    if config.triplex_syntax.take().is_some() {
        eprintln!("note: the base model's syntax heads are not kept; run `triplex train syntax` on the result");
    }
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let model = BertTagger::new(vb, config.clone())?;
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

/// The learning rate at `step`: linear warm-up to `peak` over `warmup` steps, then linear decay
/// to 0 at `total`.
pub(crate) fn learning_rate(peak: f64, step: usize, warmup: usize, total: usize) -> f64 {
    if step < warmup { peak * (step + 1) as f64 / warmup as f64 } else { peak * (total - step) as f64 / (total - warmup).max(1) as f64 }
}

/// AdamW with decoupled weight decay; its moments are saved in checkpoints so `--resume` is exact.
pub struct AdamW {
    vars: Vec<(String, Var)>,
    /// Learning-rate factor per variable (1 unless set by [`AdamW::scale_lr`]).
    lr_scale: Vec<f64>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    step: usize,
    weight_decay: f64,
}

impl AdamW {
    pub fn new(varmap: &VarMap, weight_decay: f64) -> Result<Self> {
        let data = varmap.data().lock().unwrap();
        let mut vars: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let m = vars.iter().map(|(_, v)| v.zeros_like()).collect::<candle_core::Result<Vec<_>>>()?;
        let v = m.clone();
        let lr_scale = vec![1.0; vars.len()];
        Ok(AdamW { vars, lr_scale, m, v, step: 0, weight_decay })
    }

    /// Multiplies the learning rate of the variables whose names start with `prefix`.
    pub fn scale_lr(&mut self, prefix: &str, factor: f64) {
        for (i, (name, _)) in self.vars.iter().enumerate() {
            if name.starts_with(prefix) {
                self.lr_scale[i] = factor;
            }
        }
    }

    /// One update with gradients clipped to a global norm of 1.
    pub fn step(&mut self, loss: &Tensor, lr: f64) -> Result<()> {
        let grads = loss.backward()?;
        let mut sq = 0f64;
        for (_, var) in &self.vars {
            if let Some(g) = grads.get(var) {
                sq += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
            }
        }
        let clip = (1.0 / sq.sqrt().max(1e-12)).min(1.0);
        self.step += 1;
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        let (c1, c2) = (1.0 - b1.powi(self.step as i32), 1.0 - b2.powi(self.step as i32));
        for (i, (name, var)) in self.vars.iter().enumerate() {
            let Some(g) = grads.get(var) else { continue };
            let lr = lr * self.lr_scale[i];
            // Detached: a variable used directly in a matmul gets a gradient that still points
            // into this step's graph, which the moments would otherwise keep alive step after step.
            let g = (g.detach() * clip)?;
            self.m[i] = ((&self.m[i] * b1)? + (&g * (1.0 - b1))?)?;
            self.v[i] = ((&self.v[i] * b2)? + (g.sqr()? * (1.0 - b2))?)?;
            let update = ((&self.m[i] / c1)? / ((&self.v[i] / c2)?.sqrt()? + eps)?)?;
            let decays = !(name.contains("LayerNorm") || name.ends_with("bias"));
            let mut w = var.as_tensor().clone();
            if decays && self.weight_decay > 0.0 {
                w = (&w * (1.0 - lr * self.weight_decay))?;
            }
            var.set(&(w - (update * lr)?)?)?;
        }
        Ok(())
    }

    pub(crate) fn save(&self, path: &Path) -> Result<()> {
        let mut all: HashMap<String, Tensor> = HashMap::new();
        for (i, (name, var)) in self.vars.iter().enumerate() {
            all.insert(format!("param.{name}"), var.as_tensor().clone());
            all.insert(format!("m.{name}"), self.m[i].clone());
            all.insert(format!("v.{name}"), self.v[i].clone());
        }
        candle_core::safetensors::save(&all, path)?;
        Ok(())
    }

    pub(crate) fn load(&mut self, path: &Path, step: usize) -> Result<()> {
        let all = candle_core::safetensors::load(path, &Device::Cpu)?;
        for (i, (name, var)) in self.vars.iter().enumerate() {
            let get = |k: String| all.get(&k).cloned().with_context(|| format!("checkpoint lacks {k}"));
            var.set(&get(format!("param.{name}"))?)?;
            self.m[i] = get(format!("m.{name}"))?;
            self.v[i] = get(format!("v.{name}"))?;
        }
        self.step = step;
        Ok(())
    }
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

/// Runs training; the best model on dev is kept in `opts.out`.
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
    let dev_sents = read_labelled(&opts.dev)?;
    let train = examples(&train_sents, &pieces, opts.max_pieces)?;
    if train.is_empty() {
        bail!("no training sentences in {:?}", opts.train);
    }
    let t = trainable_from_base(&opts.base, opts.seed, &opts.model_name)?;
    let mut opt = AdamW::new(&t.varmap, opts.weight_decay)?;
    let steps_per_epoch = train.len().div_ceil(opts.batch_size);
    let mut total = steps_per_epoch * opts.epochs;
    if opts.max_steps > 0 {
        total = total.min(opts.max_steps);
    }
    let warmup = ((total as f64) * opts.warmup).ceil().max(1.0) as usize;
    let ckpt_dir = opts.out.join("checkpoint");
    let mut state = CheckpointState::default();
    if opts.resume && ckpt_dir.join("state.json").is_file() {
        state = serde_json::from_str(&std::fs::read_to_string(ckpt_dir.join("state.json"))?)?;
        opt.load(&ckpt_dir.join("checkpoint.safetensors"), state.step)?;
        progress.line(&format!("resuming at step {} of {total}", state.step));
    }
    progress.start(total as u64, state.step as u64);
    let mut last_loss = f32::NAN;
    let mut tokens = 0usize;
    let mut step_seconds = 0f64;
    let mut step = state.step;
    let resumed_at = step;
    // Epochs whose dev score is recorded are done; a checkpoint may sit at the end of the next one
    // before its dev scoring, so that epoch is entered again with no batch left to run.
    'run: for epoch in state.dev_f1_per_epoch.len()..opts.epochs {
        if epoch * steps_per_epoch >= total {
            break;
        }
        let order = batches(&train, opts.batch_size, opts.seed.wrapping_add(epoch as u64));
        for batch in order.iter().skip(step - epoch * steps_per_epoch) {
            if step >= total {
                break;
            }
            let lr = learning_rate(opts.lr, step, warmup, total);
            let mut rng = StdRng::seed_from_u64(opts.seed.wrapping_mul(1_000_003).wrapping_add(step as u64));
            let mut dropout = SeededDropout { rng: &mut rng, p: opts.dropout };
            let step_start = Instant::now();
            let exs: Vec<&Example> = batch.iter().map(|&i| &train[i]).collect();
            let loss = batch_loss(&t.model, &exs, Some(&mut dropout))?;
            last_loss = loss.to_scalar::<f32>()?;
            if step == 0 {
                state.first_loss = last_loss;
            }
            opt.step(&loss, lr)?;
            step_seconds += step_start.elapsed().as_secs_f64();
            step += 1;
            tokens += exs.iter().map(|e| e.seq.ids.len()).sum::<usize>();
            progress.step(step as u64, &format!("epoch {} loss {last_loss:.4} {:.0} pieces/s", epoch + 1, tokens as f64 / step_seconds));
            if opts.checkpoint_every > 0 && step % opts.checkpoint_every == 0 {
                state.step = step;
                save_checkpoint(&opt, &state, &ckpt_dir)?;
            }
            if opts.stop_after > 0 && step - resumed_at >= opts.stop_after {
                state.step = step;
                save_checkpoint(&opt, &state, &ckpt_dir)?;
                break 'run;
            }
        }
        // End of an epoch (or of the step budget): score dev, keep the best model.
        let f1 = conll_f1(&t.model, &pieces, &dev_sents, 64)?;
        state.dev_f1_per_epoch.push(f1);
        let line = format!("epoch {}: step {step}, loss {last_loss:.4}, dev F1 {f1:.4}", epoch + 1);
        progress.line(&line);
        if f1 > state.best_dev_f1 || state.best_epoch == 0 {
            state.best_dev_f1 = f1;
            state.best_epoch = epoch + 1;
            save_model(&t, &opts.base, &opts.out)?;
        }
        state.step = step;
        save_checkpoint(&opt, &state, &ckpt_dir)?;
    }
    progress.finish();
    Ok(TrainSummary {
        steps: step,
        best_dev_f1: state.best_dev_f1,
        best_epoch: state.best_epoch,
        dev_f1_per_epoch: state.dev_f1_per_epoch,
        seconds: started.elapsed().as_secs_f64(),
        train_pieces_per_second: tokens as f64 / step_seconds.max(1e-9),
        first_loss: state.first_loss,
        last_loss,
    })
}

/// Saves the optimizer (weights and moments) and the run's progress `state` in `dir`.
pub(crate) fn save_checkpoint<S: Serialize>(opt: &AdamW, state: &S, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    // Write then rename, so a kill mid-write leaves the previous checkpoint intact.
    let tmp = dir.join("checkpoint.safetensors.tmp");
    opt.save(&tmp)?;
    std::fs::rename(&tmp, dir.join("checkpoint.safetensors"))?;
    std::fs::write(dir.join("state.json.tmp"), serde_json::to_string(state)?)?;
    std::fs::rename(dir.join("state.json.tmp"), dir.join("state.json"))?;
    Ok(())
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
        let t = trainable_from_base(dir.path(), 1, "t").unwrap();
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
        let t = trainable_from_base(dir.path(), 1, "t").unwrap();
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
        assert!(s.best_dev_f1 > 0.5, "dev F1 {}", s.best_dev_f1);
        // The saved (f16) model loads and tags the training sentence.
        let model = BertTagger::load_dir(&out).unwrap();
        let pieces = WordPieces::from_file(&out.join("tokenizer.json")).unwrap();
        let sents = read_labelled(&data).unwrap();
        let f1 = conll_f1(&model, &pieces, &sents, 8).unwrap();
        assert!((f1 - s.best_dev_f1).abs() < 0.05, "saved model F1 {f1} vs {}", s.best_dev_f1);
        // The same seed reproduces the run.
        let again = train_ner(&TrainOptions { out: dir.path().join("out2"), ..opts.clone() }, &Silent).unwrap();
        assert_eq!(again.dev_f1_per_epoch, s.dev_f1_per_epoch);
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
        assert_eq!(resumed.dev_f1_per_epoch, s.dev_f1_per_epoch);
        assert_eq!(resumed.last_loss, s.last_loss);
        assert_eq!(resumed.first_loss, s.first_loss);
    }
}

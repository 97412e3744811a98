//! `triplex train syntax`: trains the UPOS and dependency heads on a branch of a trained NER
//! model's encoder. The shared layers stay frozen (entity output is unchanged), so their output
//! is computed once with the inference kernels and only the branch layer and heads are trained.

use crate::model::PieceSeq;
use crate::model::bert::BertTagger;
use crate::model::config::BertConfig;
use crate::model::config::SyntaxConfig;
use crate::model::layers::{SeededDropout, attention_bias};
use crate::model::syntax::{SyntaxHeads, gather_words, head_mask};
use crate::tokenize::WordPieces;
use crate::train::Progress;
use crate::train::fit::{AdamW, Objective, Schedule, TrainSummary, fit};
use crate::train::ner::normal;
use anyhow::{Context, Result, bail};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;
use triplex_core::conllu::{Sentence, read_conllu, score_parse};
use triplex_core::decode_sentence;
use triplex_core::shape;

/// The 17 universal POS tags, in the order of the UPOS head.
pub const UPOS: [&str; 17] = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"];

/// Settings of one syntax training run.
#[derive(Debug, Clone, Serialize)]
pub struct SyntaxTrainOptions {
    pub train: PathBuf,
    pub dev: PathBuf,
    /// The trained NER model whose encoder is shared.
    pub model: PathBuf,
    pub out: PathBuf,
    pub epochs: usize,
    pub lr: f64,
    /// Learning-rate factor for the branch layer (initialised from a trained layer).
    pub branch_lr_factor: f64,
    pub seed: u64,
    pub batch_size: usize,
    pub dropout: f32,
    pub shared_layers: Option<usize>,
    pub arc_dim: usize,
    pub rel_dim: usize,
    /// Feed-forward width of the branch layer (None: the encoder's).
    pub branch_intermediate: Option<usize>,
    /// Stop after this many optimizer steps (smoke tests); 0: no limit.
    pub max_steps: usize,
    /// Continue from `OUT/checkpoint` (written at the end of every epoch).
    pub resume: bool,
    /// Stop this invocation after this many epochs, as a kill would leave it (0: run to the end);
    /// lets tests check that `--resume` continues exactly.
    pub stop_after_epochs: usize,
    pub model_name: Option<String>,
}

/// One treebank sentence as the trainer sees it: the frozen encoder's output for its pieces,
/// where its words start, and its gold UPOS, heads and relations.
struct Example {
    /// Index of the sentence in the treebank it was read from.
    sentence: usize,
    hidden: Vec<f32>,
    pieces: usize,
    starts: Vec<usize>,
    upos: Vec<u32>,
    heads: Vec<u32>,
    rels: Vec<u32>,
}

/// Piece sequence ([CLS] … [SEP], shape types) and word-start positions of a word list.
pub(crate) fn encode(pieces: &WordPieces, words: &[&str], shapes: bool) -> Result<(PieceSeq, Vec<usize>)> {
    let p = pieces.encode_words(words)?;
    let shapes: Option<Vec<u32>> = shapes.then(|| words.iter().map(|w| shape(w)).collect());
    let (seq, marks) = pieces.sequence(&p, 0..p.ids.len(), shapes.as_deref());
    // Row i + 1 of the sequence is piece i ([CLS] is row 0).
    let starts = marks.iter().enumerate().filter_map(|(i, m)| m.map(|_| i + 1)).collect();
    Ok((seq, starts))
}

/// Label ids of a relation; relations unseen in training map to `dep`.
fn label_ids(names: &[String]) -> HashMap<String, u32> {
    names.iter().enumerate().map(|(i, n)| (n.clone(), i as u32)).collect()
}

/// Frozen shared-layer features of every sentence that fits the model (others are skipped and counted).
fn examples(model: &BertTagger, pieces: &WordPieces, sents: &[Sentence], shared: usize, deprels: &HashMap<String, u32>, max_pieces: usize) -> Result<(Vec<Example>, usize)> {
    let upos: HashMap<&str, u32> = UPOS.iter().enumerate().map(|(i, u)| (*u, i as u32)).collect();
    let dep = deprels.get("dep").copied().unwrap_or(0);
    let shapes = model.config().triplex_word_shapes;
    let h = model.config().hidden_size;
    let mut enc = Vec::new();
    let mut skipped = 0;
    for (si, s) in sents.iter().enumerate() {
        let words: Vec<&str> = s.tokens.iter().map(|t| t.form.as_str()).collect();
        let (seq, starts) = encode(pieces, &words, shapes)?;
        // Every word needs a piece of its own to be scored.
        if seq.ids.len() > max_pieces || starts.len() != words.len() || words.is_empty() {
            skipped += 1;
            continue;
        }
        enc.push((seq, starts, si, s));
    }
    let mut order: Vec<usize> = (0..enc.len()).collect();
    order.sort_by_key(|&i| enc[i].0.ids.len());
    let mut hidden: Vec<Option<Vec<f32>>> = vec![None; enc.len()];
    for chunk in order.chunks(64) {
        let batch: Vec<PieceSeq> = chunk.iter().map(|&i| enc[i].0.clone()).collect();
        let x = model.shared_hidden(&batch, shared)?;
        let mut at = 0;
        for (&i, seq) in chunk.iter().zip(&batch) {
            hidden[i] = Some(x[at * h..(at + seq.ids.len()) * h].to_vec());
            at += seq.ids.len();
        }
    }
    let mut out = Vec::with_capacity(enc.len());
    for ((seq, starts, sentence, s), hid) in enc.into_iter().zip(hidden) {
        out.push(Example {
            sentence,
            hidden: hid.context("missing features")?,
            pieces: seq.ids.len(),
            starts,
            upos: s.tokens.iter().map(|t| upos.get(t.upos.as_str()).copied().unwrap_or(UPOS.len() as u32 - 1)).collect(),
            heads: s.tokens.iter().map(|t| t.head as u32).collect(),
            rels: s.tokens.iter().map(|t| deprels.get(&t.deprel).copied().unwrap_or(dep)).collect(),
        });
    }
    Ok((out, skipped))
}

/// Pads a batch's features into `[b * t, h]` with its attention bias.
fn padded(batch: &[&Example], h: usize) -> Result<(Tensor, Tensor, usize)> {
    let t = batch.iter().map(|e| e.pieces).max().unwrap_or(0);
    let mut x = vec![0f32; batch.len() * t * h];
    let mut mask = vec![0u32; batch.len() * t];
    for (i, e) in batch.iter().enumerate() {
        x[i * t * h..(i * t + e.pieces) * h].copy_from_slice(&e.hidden);
        mask[i * t..i * t + e.pieces].fill(1);
    }
    let dev = &Device::Cpu;
    let bias = attention_bias(&Tensor::from_vec(mask, (batch.len(), t), dev)?)?;
    Ok((Tensor::from_vec(x, (batch.len() * t, h), dev)?, bias, t))
}

/// Summed cross-entropy of UPOS, heads and relations over a batch's words.
fn batch_loss(heads: &SyntaxHeads, bert: &BertConfig, batch: &[&Example], mut dropout: Option<&mut SeededDropout>) -> Result<Tensor> {
    let (x, bias, t) = padded(batch, bert.hidden_size)?;
    let y = heads.layer.forward(&x, &bias, (batch.len(), t), bert.num_attention_heads, dropout.as_deref_mut())?;
    let starts: Vec<Vec<usize>> = batch.iter().map(|e| e.starts.clone()).collect();
    let (words, m) = gather_words(&y, t, &starts)?;
    let out = heads.word_outputs(&words, dropout)?;
    let lens: Vec<usize> = batch.iter().map(|e| e.starts.len()).collect();
    let (mut dep, mut gold_head_row, mut gold_head, mut gold_rel, mut gold_upos) = (vec![], vec![], vec![], vec![], vec![]);
    for (s, e) in batch.iter().enumerate() {
        for j in 0..e.starts.len() {
            dep.push((s * m + j + 1) as u32);
            gold_head.push(e.heads[j]);
            gold_head_row.push((s * m + e.heads[j] as usize) as u32);
            gold_rel.push(e.rels[j]);
            gold_upos.push(e.upos[j]);
        }
    }
    let dev = &Device::Cpu;
    let n = dep.len();
    let dep = Tensor::from_vec(dep, n, dev)?;
    let ce = |logits: Tensor, gold: Vec<u32>| -> Result<Tensor> { Ok(candle_nn::loss::cross_entropy(&logits, &Tensor::from_vec(gold, n, dev)?)?) };
    let nu = heads.config.upos.len();
    let upos = ce(out.upos.reshape((words.dim(0)? * m, nu))?.index_select(&dep, 0)?, gold_upos)?;
    let arcs = out.arcs.broadcast_add(&head_mask(&lens, m, dev)?)?.reshape((words.dim(0)? * m, m))?.index_select(&dep, 0)?;
    let arc = ce(arcs, gold_head)?;
    let r = heads.config.rel_dim;
    let rd = out.rel_dep.reshape((words.dim(0)? * m, r))?.index_select(&dep, 0)?;
    let rh = out.rel_head.reshape((words.dim(0)? * m, r))?.index_select(&Tensor::from_vec(gold_head_row, n, dev)?, 0)?;
    let rel = ce(heads.rel_logits(&rd, &rh)?, gold_rel)?;
    Ok(((upos + arc)? + rel)?)
}

/// Decodes every example with the training-path model (eval mode) into CoNLL-U predictions.
fn predict(heads: &SyntaxHeads, bert: &BertConfig, exs: &[Example], gold: &[Sentence]) -> Result<Vec<Sentence>> {
    let mut pred = Vec::with_capacity(exs.len());
    for (chunk, gold) in exs.chunks(64).zip(gold.chunks(64)) {
        let batch: Vec<&Example> = chunk.iter().collect();
        let (x, bias, t) = padded(&batch, bert.hidden_size)?;
        let y = heads.layer.forward(&x, &bias, (batch.len(), t), bert.num_attention_heads, None)?;
        let starts: Vec<Vec<usize>> = batch.iter().map(|e| e.starts.clone()).collect();
        let (words, _) = gather_words(&y, t, &starts)?;
        let lens: Vec<usize> = starts.iter().map(Vec::len).collect();
        for (ws, g) in heads.window_syntax(&words, &lens)?.iter().zip(gold) {
            let owners: Vec<Option<(usize, usize)>> = (1..=ws.n).map(|j| Some((0, j))).collect();
            let p = decode_sentence(&[ws], &owners, &heads.labels);
            let mut s = g.clone();
            for (i, tok) in s.tokens.iter_mut().enumerate() {
                tok.upos = heads.labels.upos[p.upos[i] as usize].clone();
                tok.head = p.heads[i];
                tok.deprel = heads.labels.deprels[p.rels[i] as usize].clone();
            }
            pred.push(s);
        }
    }
    Ok(pred)
}

/// A fresh set of syntax heads in `varmap`: the branch layer copied from the encoder layer it
/// stands for, the heads drawn at random (biaffine forms start at zero).
fn init_heads(varmap: &VarMap, bert: &BertConfig, sc: SyntaxConfig, weights: &HashMap<String, Tensor>, seed: u64) -> Result<SyntaxHeads> {
    let vb = VarBuilder::from_varmap(varmap, DType::F32, &Device::Cpu);
    let heads = SyntaxHeads::new(vb.pp("syntax"), bert, sc.clone())?;
    let source = sc.shared_layers.min(bert.num_hidden_layers - 1);
    let layer_weight = |rest: &str| -> Result<Tensor> {
        let key = format!("bert.encoder.layer.{source}.{rest}");
        let bare = key.strip_prefix("bert.").unwrap_or(&key).to_string();
        Ok(weights.get(&key).or_else(|| weights.get(&bare)).with_context(|| format!("the model has no {key}"))?.to_dtype(DType::F32)?)
    };
    // A narrower feed-forward block keeps the source layer's most important units (by the product
    // of their input and output weight norms).
    let keep: Option<Tensor> = match sc.branch_intermediate {
        Some(n) if n < bert.intermediate_size => {
            let win = layer_weight("intermediate.dense.weight")?; // [inter, h]
            let wout = layer_weight("output.dense.weight")?; // [h, inter]
            let imp: Vec<f32> = (win.sqr()?.sum(1)?.sqrt()? * wout.sqr()?.sum(0)?.sqrt()?)?.to_vec1()?;
            let mut order: Vec<u32> = (0..imp.len() as u32).collect();
            order.sort_by(|&a, &b| imp[b as usize].total_cmp(&imp[a as usize]).then(a.cmp(&b)));
            let mut kept: Vec<u32> = order[..n].to_vec();
            kept.sort();
            Some(Tensor::from_vec(kept, n, &Device::Cpu)?)
        }
        _ => None,
    };
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5e7a);
    let data = varmap.data().lock().unwrap();
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let value = if let Some(rest) = name.strip_prefix("syntax.layer.") {
            let w = layer_weight(rest)?;
            match (&keep, rest) {
                (Some(k), "intermediate.dense.weight" | "intermediate.dense.bias") => w.index_select(k, 0)?,
                (Some(k), "output.dense.weight") => w.index_select(k, 1)?,
                _ => w,
            }
        } else if name.ends_with("bilinear") || name.ends_with(".bias") || name.ends_with("arc_head_bias") {
            var.zeros_like()?
        } else {
            let dims = var.dims();
            let std = (2.0 / (dims[0] + dims[1]) as f32).sqrt();
            let v: Vec<f32> = (0..var.elem_count()).map(|_| normal(&mut rng) * std).collect();
            Tensor::from_vec(v, dims, &Device::Cpu)?
        };
        var.set(&value)?;
    }
    drop(data);
    Ok(heads)
}

/// Writes the NER model with the syntax heads added: its tensors as stored plus `syntax.*` in
/// f16, config.json with `triplex_syntax`, and the tokenizer.
fn save(varmap: &VarMap, config: &BertConfig, model_dir: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let mut all = candle_core::safetensors::load(model_dir.join("model.safetensors"), &Device::Cpu)?;
    all.retain(|k, _| !k.starts_with("syntax."));
    for (k, v) in varmap.data().lock().unwrap().iter() {
        all.insert(k.clone(), v.as_tensor().to_dtype(DType::F16)?);
    }
    let tmp = out.join("model.safetensors.tmp");
    candle_core::safetensors::save(&all, &tmp)?;
    std::fs::rename(&tmp, out.join("model.safetensors"))?;
    std::fs::write(out.join("config.json"), serde_json::to_string_pretty(config)? + "\n")?;
    if model_dir.join("tokenizer.json") != out.join("tokenizer.json") {
        std::fs::copy(model_dir.join("tokenizer.json"), out.join("tokenizer.json")).context("copying tokenizer.json")?;
    }
    Ok(())
}

/// The syntax heads' training as [`fit`] sees it.
struct SyntaxObjective<'a> {
    heads: SyntaxHeads,
    varmap: VarMap,
    /// The encoder's config, with the heads' own.
    bert: BertConfig,
    train: Vec<Example>,
    dev: Vec<Example>,
    /// The gold of `dev`, sentence for sentence.
    dev_gold: Vec<Sentence>,
    opts: &'a SyntaxTrainOptions,
}

impl Objective for SyntaxObjective<'_> {
    const METRIC: &'static str = "las";

    fn lengths(&self) -> Vec<usize> {
        self.train.iter().map(|e| e.pieces).collect()
    }

    fn loss(&self, batch: &[usize], dropout: &mut SeededDropout) -> Result<Tensor> {
        let exs: Vec<&Example> = batch.iter().map(|&i| &self.train[i]).collect();
        batch_loss(&self.heads, &self.bert, &exs, Some(dropout))
    }

    fn evaluate(&self) -> Result<Vec<(&'static str, f64)>> {
        let pred = predict(&self.heads, &self.bert, &self.dev, &self.dev_gold)?;
        let sc = score_parse(&self.dev_gold, &pred)?;
        Ok(vec![("upos", sc.upos), ("uas", sc.uas), ("las", sc.las)])
    }

    fn save_best(&self) -> Result<()> {
        save(&self.varmap, &self.bert, &self.opts.model, &self.opts.out)
    }
}

/// Runs training; the model with the best dev LAS is written to `opts.out`.
pub fn train_syntax(opts: &SyntaxTrainOptions, progress: &dyn Progress) -> Result<TrainSummary> {
    let started = Instant::now();
    for p in [&opts.train, &opts.dev] {
        if !p.is_file() {
            bail!("no such data file: {}", p.display());
        }
    }
    let model = BertTagger::load_dir(&opts.model)?;
    let pieces = WordPieces::from_file(&opts.model.join("tokenizer.json"))?;
    let mut bert = model.config().clone();
    let shared = opts.shared_layers.unwrap_or(bert.num_hidden_layers - 1);
    if shared == 0 || shared > bert.num_hidden_layers {
        bail!("--shared-layers must be in 1..={}", bert.num_hidden_layers);
    }
    let train_sents = read_conllu(&opts.train)?;
    let dev_sents = read_conllu(&opts.dev)?;
    let rel_names: Vec<String> =
        train_sents.iter().flat_map(|s| s.tokens.iter().map(|t| t.deprel.clone())).chain(["dep".to_string()]).collect::<BTreeSet<_>>().into_iter().collect();
    let rel_ids = label_ids(&rel_names);
    let sc = SyntaxConfig {
        shared_layers: shared,
        upos: UPOS.iter().map(|u| u.to_string()).collect(),
        deprels: rel_names,
        arc_dim: opts.arc_dim,
        rel_dim: opts.rel_dim,
        branch_intermediate: opts.branch_intermediate,
    };
    let max_pieces = bert.max_position_embeddings.min(512);
    let clock = Instant::now();
    let (train, skipped) = examples(&model, &pieces, &train_sents, shared, &rel_ids, max_pieces)?;
    // Dev is scored over all its sentences: one that cannot be encoded counts as all wrong.
    let (dev, dev_skipped) = examples(&model, &pieces, &dev_sents, shared, &rel_ids, max_pieces)?;
    if dev_skipped > 0 {
        progress.line(&format!("warning: {dev_skipped} dev sentences cannot be encoded and are left out of the dev score"));
    }
    let feature_seconds = clock.elapsed().as_secs_f64();
    progress.line(&format!("features: {} train sentences ({skipped} skipped), {} dev, {feature_seconds:.0} s", train.len(), dev.len()));
    if train.is_empty() {
        bail!("no training sentences in {}", opts.train.display());
    }
    // The gold of the dev sentences that were encoded, in the same order.
    let dev_gold: Vec<Sentence> = dev.iter().map(|e| dev_sents[e.sentence].clone()).collect();
    let weights = candle_core::safetensors::load(opts.model.join("model.safetensors"), &Device::Cpu)?;
    let varmap = VarMap::new();
    let heads = init_heads(&varmap, &bert, sc.clone(), &weights, opts.seed)?;
    drop(weights);
    bert.triplex_syntax = Some(sc);
    if let Some(name) = &opts.model_name {
        bert.triplex_model_name = Some(name.clone());
    }
    let mut opt = AdamW::new(&varmap, 0.01)?;
    opt.scale_lr("syntax.layer.", opts.branch_lr_factor);
    let schedule = Schedule {
        epochs: opts.epochs,
        batch_size: opts.batch_size,
        seed: opts.seed,
        lr: opts.lr,
        warmup: 0.05,
        dropout: opts.dropout,
        max_steps: opts.max_steps,
        checkpoint_every: 0,
        stop_after: 0,
        stop_after_epochs: opts.stop_after_epochs,
        resume: opts.resume,
        checkpoint: opts.out.join("checkpoint"),
        started,
    };
    fit(&SyntaxObjective { heads, varmap, bert, train, dev, dev_gold, opts }, &mut opt, &schedule, progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenTagger;
    use crate::test_support::{assert_every_var_has_a_gradient, tiny_ner, tiny_ner_options, tiny_syntax_options};
    use crate::train::Silent;
    use crate::train::ner::{TrainOptions, train_ner};
    use crate::treebank::parse_treebank;

    #[test]
    fn every_syntax_weight_gets_a_gradient() {
        let dir = tempfile::tempdir().unwrap();
        let ner = tiny_ner(dir.path(), 3);
        let model = BertTagger::load_dir(&ner).unwrap();
        let pieces = WordPieces::from_file(&ner.join("tokenizer.json")).unwrap();
        let sents = read_conllu(&dir.path().join("tb.conllu")).unwrap();
        let rels: Vec<String> = ["dep", "det", "nsubj", "obj", "obl", "case", "punct", "root"].iter().map(|s| s.to_string()).collect();
        let (ex, skipped) = examples(&model, &pieces, &sents, 1, &label_ids(&rels), 64).unwrap();
        assert_eq!((ex.len(), skipped), (12, 0));
        let sc = SyntaxConfig { shared_layers: 1, upos: UPOS.iter().map(|u| u.to_string()).collect(), deprels: rels, arc_dim: 8, rel_dim: 4, branch_intermediate: Some(16) };
        let varmap = VarMap::new();
        let weights = candle_core::safetensors::load(ner.join("model.safetensors"), &Device::Cpu).unwrap();
        let heads = init_heads(&varmap, model.config(), sc, &weights, 1).unwrap();
        // Biaffine forms start at zero; give them values so that every path carries a gradient.
        for (name, var) in varmap.data().lock().unwrap().iter() {
            if name.ends_with("bilinear") || name.ends_with("arc_head_bias") {
                var.set(&(var.ones_like().unwrap() * 0.1).unwrap()).unwrap();
            }
        }
        let batch: Vec<&Example> = ex.iter().take(4).collect();
        let mut rng = StdRng::seed_from_u64(3);
        let loss = batch_loss(&heads, model.config(), &batch, Some(&mut SeededDropout { rng: &mut rng, p: 0.1 })).unwrap();
        let grads = loss.backward().unwrap();
        let n = assert_every_var_has_a_gradient(&varmap, &grads);
        assert_eq!(n, 16 + 2 * 5 + 3 + 2, "branch layer, five dense heads, three bare tensors");
    }

    #[test]
    fn syntax_heads_learn_a_treebank_and_leave_entities_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let ner = tiny_ner(dir.path(), 3);
        let opts = tiny_syntax_options(dir.path(), &ner);
        let s = train_syntax(&opts, &Silent).unwrap();
        assert!(s.last_loss < s.first_loss * 0.3, "loss {} -> {}", s.first_loss, s.last_loss);
        assert!(s.best_dev > 0.9, "dev LAS {}", s.best_dev);
        // The saved model parses through the inference kernels as it did in training.
        let with = BertTagger::load_dir(&opts.out).unwrap();
        let labels = with.syntax_labels().expect("syntax heads saved");
        assert!(labels.deprels.contains(&"nsubj".to_string()));
        let pieces = WordPieces::from_file(&opts.out.join("tokenizer.json")).unwrap();
        let gold = read_conllu(&opts.dev).unwrap();
        let pred = parse_treebank(&with, &pieces, &gold, 8).unwrap();
        let sc = score_parse(&gold, &pred).unwrap();
        assert!((sc.las - s.best_dev).abs() < 0.05, "saved model LAS {} vs {}", sc.las, s.best_dev);
        // Entity scores are those of the NER model: the shared layers were not trained.
        let without = BertTagger::load_dir(&ner).unwrap();
        assert!(without.syntax_labels().is_none());
        let words: Vec<&str> = gold[1].tokens.iter().map(|t| t.form.as_str()).collect();
        let (seq, starts) = encode(&pieces, &words, true).unwrap();
        let a = with.analyse_batch(std::slice::from_ref(&seq), std::slice::from_ref(&starts)).unwrap();
        let b = without.analyse_batch(std::slice::from_ref(&seq), std::slice::from_ref(&starts)).unwrap();
        assert_eq!(a[0].logp, b[0].logp);
        assert!(a[0].syntax.is_some() && b[0].syntax.is_none());
        // The same seed reproduces the run.
        let again = train_syntax(&SyntaxTrainOptions { out: dir.path().join("again"), ..opts.clone() }, &Silent).unwrap();
        assert_eq!(again.last_loss, s.last_loss);
        // A run killed after an epoch's checkpoint and resumed ends exactly as the whole run.
        let out = dir.path().join("resumed");
        let stopped = train_syntax(&SyntaxTrainOptions { out: out.clone(), stop_after_epochs: 7, ..opts.clone() }, &Silent).unwrap();
        assert_eq!(stopped.epochs.len(), 7);
        let resumed = train_syntax(&SyntaxTrainOptions { out, resume: true, ..opts }, &Silent).unwrap();
        assert_eq!(resumed.steps, s.steps);
        assert_eq!(resumed.last_loss, s.last_loss);
        assert_eq!(resumed.first_loss, s.first_loss);
        assert_eq!(resumed.epochs.iter().map(|e| e.scores["las"]).collect::<Vec<_>>(), s.epochs.iter().map(|e| e.scores["las"]).collect::<Vec<_>>());
        assert_eq!(resumed.epochs, s.epochs);
        // Fine-tuning the NER part again drops the heads, whose input it changes.
        let tuned = dir.path().join("tuned");
        train_ner(&tiny_ner_options(&dir.path().join("ner.conll"), &opts.out, &tuned, 1), &Silent).unwrap();
        assert!(BertTagger::load_dir(&tuned).unwrap().syntax_labels().is_none());
        // With the layers the heads read frozen, they are kept: the parse is the same, entities are not.
        let frozen = dir.path().join("frozen");
        let shared = with.config().triplex_syntax.as_ref().unwrap().shared_layers;
        let tune = TrainOptions { freeze_layers: shared, ..tiny_ner_options(&dir.path().join("ner.conll"), &opts.out, &frozen, 1) };
        train_ner(&tune, &Silent).unwrap();
        let refit = BertTagger::load_dir(&frozen).unwrap();
        assert_eq!(refit.syntax_labels(), with.syntax_labels());
        assert_eq!(parse_treebank(&refit, &pieces, &gold, 8).unwrap(), pred);
        let c = refit.analyse_batch(std::slice::from_ref(&seq), std::slice::from_ref(&starts)).unwrap();
        assert_eq!(c[0].syntax, a[0].syntax);
        assert_ne!(c[0].logp, a[0].logp);
        let stored = |dir: &Path| candle_core::safetensors::load(dir.join("model.safetensors"), &candle_core::Device::Cpu).unwrap();
        let (before, after) = (stored(&opts.out), stored(&frozen));
        for (name, t) in &before {
            let same = after[name].to_dtype(DType::F32).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()
                == t.to_dtype(DType::F32).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let kept = name.contains("embeddings") || name.starts_with("syntax") || (0..shared).any(|l| name.contains(&format!("layer.{l}.")));
            assert_eq!(same, kept, "{name}");
        }
    }
}

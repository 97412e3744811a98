//! The one training loop, for any [`Objective`] (NER fine-tuning, the syntax heads): shuffled
//! batches of similar lengths, AdamW under linear warm-up and decay, dev scores at each epoch's
//! end with the best epoch's model kept, checkpoints, and resumed runs that end exactly as
//! uninterrupted ones.

use crate::model::layers::SeededDropout;
use crate::train::Progress;
use anyhow::{Context, Result};
use candle_core::{Device, Tensor, Var};
use candle_nn::VarMap;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What [`fit`] trains: a model over training examples, scored on dev.
pub(crate) trait Objective {
    /// Name of the dev score that picks the best epoch (one of those [`Objective::evaluate`] gives).
    const METRIC: &'static str;
    /// Word pieces of each training example: batches group similar lengths, speed counts pieces.
    fn lengths(&self) -> Vec<usize>;
    /// Training loss of a batch of examples (indices into [`Objective::lengths`]).
    fn loss(&self, batch: &[usize], dropout: &mut SeededDropout) -> Result<Tensor>;
    /// Dev scores of the model as it stands, by name, in the order the epoch line shows them.
    fn evaluate(&self) -> Result<Vec<(&'static str, f64)>>;
    /// Writes the model as it stands (its epoch is the best so far).
    fn save_best(&self) -> Result<()>;
}

/// How [`fit`] runs.
pub(crate) struct Schedule {
    pub epochs: usize,
    pub batch_size: usize,
    pub seed: u64,
    /// Peak learning rate.
    pub lr: f64,
    /// Fraction of the steps over which the learning rate rises to its peak.
    pub warmup: f64,
    pub dropout: f32,
    /// Step budget (0: none).
    pub max_steps: usize,
    /// Checkpoint every this many steps as well as at each epoch's end (0: epoch ends only).
    pub checkpoint_every: usize,
    /// Stop this invocation after this many steps, with a checkpoint, as a kill would leave it (0: never).
    pub stop_after: usize,
    /// Stop this invocation after this many scored epochs (0: never).
    pub stop_after_epochs: usize,
    /// Continue from the checkpoint in `checkpoint`, if there is one.
    pub resume: bool,
    pub checkpoint: PathBuf,
    /// When the run began (data reading included).
    pub started: Instant,
}

/// One epoch as the run recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochScores {
    pub epoch: usize,
    /// Steps done at its end.
    pub step: usize,
    /// Loss of its last step.
    pub loss: f32,
    /// The dev score that picks the best epoch ([`TrainSummary::metric`]).
    pub dev: f64,
    /// Every dev score by name, that one included.
    pub scores: BTreeMap<String, f64>,
}

/// What a run reports at its end.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub steps: usize,
    /// Name of the dev score that picks the best epoch: `f1` (strict entity F1) or `las`.
    pub metric: &'static str,
    /// The epoch whose model was kept (1-based; 0: none scored yet).
    pub best_epoch: usize,
    pub best_dev: f64,
    pub epochs: Vec<EpochScores>,
    pub seconds: f64,
    /// Seconds before the first step: data, model, and the syntax heads' frozen features.
    pub setup_seconds: f64,
    /// Word pieces per second in training steps (dev scoring excluded).
    pub train_pieces_per_second: f64,
    pub first_loss: f32,
    pub last_loss: f32,
}

impl TrainSummary {
    /// The headline dev score of each epoch.
    pub fn dev_per_epoch(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.dev).collect()
    }
}

/// A run's progress, saved with each checkpoint.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CheckpointState {
    step: usize,
    best_dev: f64,
    best_epoch: usize,
    /// Scored epochs; a checkpoint may sit at the end of the next one, before its scoring.
    epochs: Vec<EpochScores>,
    first_loss: f32,
    last_loss: Option<f32>,
}

/// Trains `objective` with `opt` (over the objective's variables) as `schedule` says; the best
/// epoch's model is written by [`Objective::save_best`].
pub(crate) fn fit<O: Objective>(objective: &O, opt: &mut AdamW, schedule: &Schedule, progress: &dyn Progress) -> Result<TrainSummary> {
    let s = schedule;
    let setup_seconds = s.started.elapsed().as_secs_f64();
    let lengths = objective.lengths();
    let steps_per_epoch = lengths.len().div_ceil(s.batch_size);
    let mut total = steps_per_epoch * s.epochs;
    if s.max_steps > 0 {
        total = total.min(s.max_steps);
    }
    let warmup = ((total as f64) * s.warmup).ceil().max(1.0) as usize;
    let mut state = CheckpointState::default();
    if s.resume && s.checkpoint.join("state.json").is_file() {
        state = serde_json::from_str(&std::fs::read_to_string(s.checkpoint.join("state.json"))?)?;
        opt.load(&s.checkpoint.join("checkpoint.safetensors"), state.step)?;
        progress.line(&format!("resuming at step {} of {total}, after epoch {}", state.step, state.epochs.len()));
    }
    progress.start(total as u64, state.step as u64);
    let (resumed_at, first_epoch) = (state.step, state.epochs.len());
    let (mut pieces, mut step_seconds) = (0usize, 0f64);
    'run: for epoch in first_epoch..s.epochs {
        if epoch * steps_per_epoch >= total || (s.stop_after_epochs > 0 && epoch - first_epoch >= s.stop_after_epochs) {
            break;
        }
        let order = batches_by_length(&lengths, s.batch_size, s.seed.wrapping_add(epoch as u64));
        // A run resumed mid-epoch skips the batches done (all of them when it stopped at the end).
        for batch in order.iter().skip(state.step - epoch * steps_per_epoch) {
            if state.step >= total {
                break;
            }
            let step = state.step;
            let lr = learning_rate(s.lr, step, warmup, total);
            let mut rng = StdRng::seed_from_u64(s.seed.wrapping_mul(1_000_003).wrapping_add(step as u64));
            let clock = Instant::now();
            let loss = objective.loss(batch, &mut SeededDropout { rng: &mut rng, p: s.dropout })?;
            let value = loss.to_scalar::<f32>()?;
            if step == 0 {
                state.first_loss = value;
            }
            state.last_loss = Some(value);
            opt.step(&loss, lr)?;
            step_seconds += clock.elapsed().as_secs_f64();
            state.step += 1;
            pieces += batch.iter().map(|&i| lengths[i]).sum::<usize>();
            progress.step(state.step as u64, &format!("epoch {} loss {value:.4} {:.0} pieces/s", epoch + 1, pieces as f64 / step_seconds));
            let stop = s.stop_after > 0 && state.step - resumed_at >= s.stop_after;
            if stop || (s.checkpoint_every > 0 && state.step % s.checkpoint_every == 0) {
                save_checkpoint(opt, &state, &s.checkpoint)?;
            }
            if stop {
                break 'run;
            }
        }
        // End of an epoch (or of the step budget): score dev, keep the best model.
        let scores = objective.evaluate()?;
        let dev = scores.iter().find(|(name, _)| *name == O::METRIC).with_context(|| format!("no dev {} among the scores", O::METRIC))?.1;
        let loss = state.last_loss.unwrap_or(f32::NAN);
        let shown: Vec<String> = scores.iter().map(|(name, v)| format!("{} {v:.4}", name.to_uppercase())).collect();
        progress.line(&format!("epoch {}: step {}, loss {loss:.4}, dev {}", epoch + 1, state.step, shown.join(" ")));
        state.epochs.push(EpochScores { epoch: epoch + 1, step: state.step, loss, dev, scores: scores.iter().map(|&(name, v)| (name.to_string(), v)).collect() });
        // The first epoch is kept whatever its score, a later one only if it beats every earlier one.
        if state.best_epoch == 0 || dev > state.best_dev {
            state.best_dev = dev;
            state.best_epoch = epoch + 1;
            objective.save_best()?;
        }
        save_checkpoint(opt, &state, &s.checkpoint)?;
    }
    progress.finish();
    Ok(TrainSummary {
        steps: state.step,
        metric: O::METRIC,
        best_epoch: state.best_epoch,
        best_dev: state.best_dev,
        epochs: state.epochs,
        seconds: s.started.elapsed().as_secs_f64(),
        setup_seconds,
        train_pieces_per_second: pieces as f64 / step_seconds.max(1e-9),
        first_loss: state.first_loss,
        last_loss: state.last_loss.unwrap_or(f32::NAN),
    })
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
    use candle_core::DType;
    use std::cell::{Cell, RefCell};

    /// One weight pulled toward 3, with dev scores read from a script.
    struct Toy {
        varmap: VarMap,
        w: Var,
        dev: Vec<f64>,
        evaluated: Cell<usize>,
        saved_after: RefCell<Vec<usize>>,
    }

    impl Objective for Toy {
        const METRIC: &'static str = "score";

        fn lengths(&self) -> Vec<usize> {
            vec![1; 8]
        }

        fn loss(&self, batch: &[usize], _: &mut SeededDropout) -> Result<Tensor> {
            Ok(((self.w.as_tensor() - 3.0)?.sqr()?.sum_all()? * batch.len() as f64)?)
        }

        fn evaluate(&self) -> Result<Vec<(&'static str, f64)>> {
            let e = self.evaluated.get();
            self.evaluated.set(e + 1);
            Ok(vec![("other", 1.0), ("score", self.dev[e])])
        }

        fn save_best(&self) -> Result<()> {
            self.saved_after.borrow_mut().push(self.evaluated.get());
            Ok(())
        }
    }

    #[test]
    fn the_first_epoch_and_then_only_strictly_better_ones_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let varmap = VarMap::new();
        let w = Var::from_tensor(&Tensor::zeros(1, DType::F32, &Device::Cpu).unwrap()).unwrap();
        varmap.data().lock().unwrap().insert("w".into(), w.clone());
        let toy = Toy { varmap, w, dev: vec![0.0, 0.0, 0.5, 0.5, 0.2], evaluated: Cell::new(0), saved_after: RefCell::new(Vec::new()) };
        let mut opt = AdamW::new(&toy.varmap, 0.0).unwrap();
        let schedule = Schedule {
            epochs: 5,
            batch_size: 2,
            seed: 1,
            lr: 0.1,
            warmup: 0.1,
            dropout: 0.0,
            max_steps: 0,
            checkpoint_every: 0,
            stop_after: 0,
            stop_after_epochs: 0,
            resume: false,
            checkpoint: dir.path().join("checkpoint"),
            started: Instant::now(),
        };
        let s = fit(&toy, &mut opt, &schedule, &Silent).unwrap();
        assert_eq!(*toy.saved_after.borrow(), [1, 3], "epoch 1 (a score of 0), then epoch 3; not the tie at 4");
        assert_eq!((s.best_epoch, s.best_dev, s.metric), (3, 0.5, "score"));
        assert_eq!(s.steps, 20);
        assert_eq!(s.dev_per_epoch(), toy.dev);
        assert_eq!(s.epochs.iter().map(|e| e.step).collect::<Vec<_>>(), [4, 8, 12, 16, 20]);
        assert_eq!(s.epochs[4].scores["other"], 1.0);
        assert!(s.last_loss < s.first_loss, "loss {} -> {}", s.first_loss, s.last_loss);
        assert!(dir.path().join("checkpoint/state.json").is_file());
    }
}

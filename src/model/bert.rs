//! A BERT token classifier in candle: fused kernels for inference, differentiable ops for training.

use super::{PieceSeq, TokenTagger};
use anyhow::{Context, Result, bail};
use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The Hugging Face `config.json` fields this model reads (and writes for trained models).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BertConfig {
    #[serde(default = "bert_type")]
    pub model_type: String,
    #[serde(default)]
    pub architectures: Vec<String>,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "two")]
    pub type_vocab_size: usize,
    #[serde(default = "eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "gelu")]
    pub hidden_act: String,
    #[serde(default)]
    pub id2label: BTreeMap<String, String>,
    #[serde(default)]
    pub label2id: BTreeMap<String, usize>,
    /// triplex extension: token types are word shapes (`words::shape`).
    #[serde(default)]
    pub triplex_word_shapes: bool,
    /// triplex extension: name and version of the trained model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triplex_model_name: Option<String>,
}

fn bert_type() -> String {
    "bert".into()
}
fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}
fn gelu() -> String {
    "gelu".into()
}

impl BertConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let cfg: BertConfig = serde_json::from_str(&text).with_context(|| format!("{} is not a BERT config", path.display()))?;
        if cfg.model_type != "bert" {
            bail!("{}: model_type {:?} is not supported (only \"bert\")", path.display(), cfg.model_type);
        }
        Ok(cfg)
    }

    /// Labels ordered by id; an error when id2label has holes.
    pub fn labels(&self) -> Result<Vec<String>> {
        let mut labels = vec![String::new(); self.id2label.len()];
        for (k, v) in &self.id2label {
            let i: usize = k.parse().with_context(|| format!("id2label key {k:?} is not a number"))?;
            *labels.get_mut(i).with_context(|| format!("id2label id {i} out of range"))? = v.clone();
        }
        Ok(labels)
    }
}

/// Layer norm: the fused kernel at inference, plain tensor ops (with a backward pass) in training.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(LayerNorm { weight: vb.get(size, "weight")?, bias: vb.get(size, "bias")?, eps })
    }

    fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        if !train {
            return Ok(candle_nn::ops::layer_norm(&x.contiguous()?, &self.weight, &self.bias, self.eps as f32)?);
        }
        let mean = x.mean_keepdim(D::Minus1)?;
        let centered = x.broadcast_sub(&mean)?;
        let var = centered.sqr()?.mean_keepdim(D::Minus1)?;
        let normed = centered.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        Ok(normed.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)?)
    }
}

/// A dense layer on 2-D input `[n, in]`.
struct Dense {
    weight_t: Tensor,
    bias: Tensor,
}

impl Dense {
    fn load(vb: VarBuilder, inp: usize, out: usize) -> Result<Self> {
        Ok(Dense { weight_t: vb.get((out, inp), "weight")?.t()?, bias: vb.get(out, "bias")? })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.weight_t)?.broadcast_add(&self.bias)?)
    }
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attn_out: Dense,
    attn_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    out_norm: LayerNorm,
}

impl Layer {
    fn load(vb: VarBuilder, c: &BertConfig) -> Result<Self> {
        let h = c.hidden_size;
        let att = vb.pp("attention");
        Ok(Layer {
            query: Dense::load(att.pp("self").pp("query"), h, h)?,
            key: Dense::load(att.pp("self").pp("key"), h, h)?,
            value: Dense::load(att.pp("self").pp("value"), h, h)?,
            attn_out: Dense::load(att.pp("output").pp("dense"), h, h)?,
            attn_norm: LayerNorm::load(att.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            intermediate: Dense::load(vb.pp("intermediate").pp("dense"), h, c.intermediate_size)?,
            output: Dense::load(vb.pp("output").pp("dense"), c.intermediate_size, h)?,
            out_norm: LayerNorm::load(vb.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
        })
    }
}

/// Dropout with masks drawn from the training run's seeded generator, so a seed reproduces a run.
pub struct SeededDropout<'a> {
    pub rng: &'a mut StdRng,
    pub p: f32,
}

impl SeededDropout<'_> {
    fn apply(&mut self, x: &Tensor) -> Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 / (1.0 - self.p);
        let n = x.elem_count();
        let mask: Vec<f32> = (0..n).map(|_| if self.rng.random::<f32>() < self.p { 0.0 } else { keep }).collect();
        Ok((x * Tensor::from_vec(mask, x.shape(), x.device())?)?)
    }
}

/// BERT encoder plus a linear token-classification head.
pub struct BertTagger {
    config: BertConfig,
    labels: Vec<String>,
    name: String,
    word_embeddings: Tensor,
    position_embeddings: Tensor,
    token_type_embeddings: Tensor,
    embed_norm: LayerNorm,
    layers: Vec<Layer>,
    classifier: Dense,
    device: Device,
}

impl BertTagger {
    /// Builds the model from a var builder rooted at the Hugging Face `BertForTokenClassification`
    /// layout (`bert.*`, `classifier.*`); a bare `BertModel` layout (no `bert.` prefix) is accepted too.
    pub fn new(vb: VarBuilder, config: BertConfig) -> Result<Self> {
        let labels = config.labels()?;
        if labels.is_empty() {
            bail!("config.json has no id2label: not a token classifier");
        }
        let enc = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") { vb.pp("bert") } else { vb.clone() };
        let c = &config;
        let emb = enc.pp("embeddings");
        let h = c.hidden_size;
        let layers = (0..c.num_hidden_layers)
            .map(|i| Layer::load(enc.pp("encoder").pp("layer").pp(i), c))
            .collect::<Result<Vec<_>>>()?;
        let name = c.triplex_model_name.clone().unwrap_or_else(|| "bert-token-classifier".into());
        Ok(BertTagger {
            word_embeddings: emb.pp("word_embeddings").get((c.vocab_size, h), "weight")?,
            position_embeddings: emb.pp("position_embeddings").get((c.max_position_embeddings, h), "weight")?,
            token_type_embeddings: emb.pp("token_type_embeddings").get((c.type_vocab_size, h), "weight")?,
            embed_norm: LayerNorm::load(emb.pp("LayerNorm"), h, c.layer_norm_eps)?,
            layers,
            classifier: Dense::load(vb.pp("classifier"), h, labels.len())?,
            device: vb.device().clone(),
            labels,
            name,
            config,
        })
    }

    /// Loads `config.json` and `model.safetensors` (f32 or f16) from a model directory.
    pub fn load_dir(dir: &Path) -> Result<Self> {
        let config = BertConfig::from_file(&dir.join("config.json"))?;
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            bail!("{} is missing", weights.display());
        }
        // SAFETY: the file is mapped read-only and not modified while the model lives.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &Device::Cpu)? };
        Self::new(vb, config).with_context(|| format!("cannot load model from {}", dir.display()))
    }

    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// Logits `[batch * len, labels]` for padded input `ids`/`types` `[batch, len]` with `mask`
    /// (1 for pieces, 0 for padding). With `dropout` the differentiable training path is used.
    pub fn logits(&self, ids: &Tensor, types: &Tensor, mask: &Tensor, mut dropout: Option<&mut SeededDropout>) -> Result<Tensor> {
        let train = dropout.is_some();
        let (b, t) = ids.dims2()?;
        let h = self.config.hidden_size;
        let heads = self.config.num_attention_heads;
        let dh = h / heads;
        let flat_ids = ids.flatten_all()?;
        let positions = Tensor::arange(0u32, t as u32, &self.device)?.repeat(b)?;
        let mut x = self
            .word_embeddings
            .embedding(&flat_ids)?
            .add(&self.position_embeddings.embedding(&positions)?)?
            .add(&self.token_type_embeddings.embedding(&types.flatten_all()?)?)?;
        x = self.embed_norm.forward(&x, train)?;
        if let Some(d) = dropout.as_deref_mut() {
            x = d.apply(&x)?;
        }
        // Additive mask: 0 for pieces, -10000 for padding, shaped [b, 1, 1, t].
        let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * 10000.0)?.reshape((b, 1, 1, t))?;
        let scale = 1.0 / (dh as f64).sqrt();
        for layer in &self.layers {
            let split = |y: Tensor| -> Result<Tensor> { Ok(y.reshape((b, t, heads, dh))?.transpose(1, 2)?.contiguous()?) };
            let q = split((layer.query.forward(&x)? * scale)?)?;
            let k = split(layer.key.forward(&x)?)?;
            let v = split(layer.value.forward(&x)?)?;
            let scores = q.matmul(&k.t()?)?.broadcast_add(&bias)?;
            let probs = if train { candle_nn::ops::softmax(&scores, D::Minus1)? } else { candle_nn::ops::softmax_last_dim(&scores)? };
            let ctx = probs.matmul(&v)?.transpose(1, 2)?.reshape((b * t, h))?;
            let mut a = layer.attn_out.forward(&ctx)?;
            if let Some(d) = dropout.as_deref_mut() {
                a = d.apply(&a)?;
            }
            x = layer.attn_norm.forward(&(a + &x)?, train)?;
            let inter = layer.intermediate.forward(&x)?.gelu_erf()?;
            let mut o = layer.output.forward(&inter)?;
            if let Some(d) = dropout.as_deref_mut() {
                o = d.apply(&o)?;
            }
            x = layer.out_norm.forward(&(o + &x)?, train)?;
        }
        if let Some(d) = dropout.as_deref_mut() {
            x = d.apply(&x)?;
        }
        self.classifier.forward(&x)
    }

    /// Pads a batch into `ids`, `types` and `mask` tensors `[batch, longest]`.
    pub fn pad_batch(&self, batch: &[PieceSeq]) -> Result<(Tensor, Tensor, Tensor, usize)> {
        let t = batch.iter().map(|s| s.ids.len()).max().unwrap_or(0);
        let n = batch.len();
        let (mut ids, mut types, mut mask) = (vec![0u32; n * t], vec![0u32; n * t], vec![0u32; n * t]);
        for (i, s) in batch.iter().enumerate() {
            ids[i * t..i * t + s.ids.len()].copy_from_slice(&s.ids);
            types[i * t..i * t + s.types.len()].copy_from_slice(&s.types);
            mask[i * t..i * t + s.ids.len()].fill(1);
        }
        let dev = &self.device;
        Ok((Tensor::from_vec(ids, (n, t), dev)?, Tensor::from_vec(types, (n, t), dev)?, Tensor::from_vec(mask, (n, t), dev)?, t))
    }
}

impl TokenTagger for BertTagger {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn max_pieces(&self) -> usize {
        self.config.max_position_embeddings.min(512)
    }

    fn uses_word_shapes(&self) -> bool {
        self.config.triplex_word_shapes
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn tag_batch(&self, batch: &[PieceSeq]) -> Result<Vec<Vec<f32>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let (ids, types, mask, t) = self.pad_batch(batch)?;
        let logits = self.logits(&ids, &types, &mask, None)?;
        let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        let flat: Vec<f32> = logp.flatten_all()?.to_vec1()?;
        let l = self.labels.len();
        Ok(batch.iter().enumerate().map(|(i, s)| flat[i * t * l..(i * t + s.ids.len()) * l].to_vec()).collect())
    }
}

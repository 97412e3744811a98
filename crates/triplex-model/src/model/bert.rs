//! A BERT token classifier in candle: fused kernels for inference, differentiable ops for training.

use super::config::BertConfig;
use super::layers::{Dense, Layer, LayerNorm, SeededDropout, attention_bias};
use super::syntax::SyntaxHeads;
use super::{Analysis, PieceSeq, TokenTagger};
use anyhow::{Context, Result, bail};
use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{CpuStorage, D, DType, Device, Module, Storage, Tensor};
use candle_nn::VarBuilder;
use std::path::Path;
use triplex_core::{SyntaxLabels, WindowSyntax};

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
    /// UPOS and dependency heads on a branch of the encoder, when the model was trained with them.
    pub(crate) syntax: Option<SyntaxHeads>,
    /// The syntax heads' label names (kept when the heads' tensors are released for inference).
    syntax_labels: Option<SyntaxLabels>,
    /// Loaded by [`BertTagger::load_for_inference`]: only the inference kernels hold weights.
    inference_only: bool,
    device: Device,
    /// Inference-only kernels over packed (unpadded) batches; built by [`BertTagger::load_dir`].
    fast: Option<fast::FastBert>,
    /// Training: the embeddings and this many first layers run without dropout and pass no
    /// gradient back (fine-tuning with them frozen leaves a syntax branch reading them unchanged).
    pub(crate) frozen_layers: usize,
}

impl BertTagger {
    /// Builds the model from a var builder rooted at the Hugging Face `BertForTokenClassification`
    /// layout (`bert.*`, `classifier.*`); a bare `BertModel` layout (no `bert.` prefix) is accepted
    /// too, and `DistilBertForTokenClassification` through [`BertTagger::load_dir`]'s renaming.
    pub fn new(vb: VarBuilder, config: BertConfig) -> Result<Self> {
        Self::assemble(vb, config, true)
    }

    /// The var builder of the encoder (`bert.*` or the bare layout).
    fn encoder_vb<'a>(vb: &VarBuilder<'a>) -> VarBuilder<'a> {
        if vb.contains_tensor("bert.embeddings.word_embeddings.weight") { vb.pp("bert") } else { vb.clone() }
    }

    /// As [`BertTagger::new`]; without `with_layers` the encoder layers are left out (loaded one
    /// at a time by [`BertTagger::load_for_inference`]).
    fn assemble(vb: VarBuilder, config: BertConfig, with_layers: bool) -> Result<Self> {
        let labels = config.labels()?;
        if labels.is_empty() {
            bail!("config.json has no id2label: not a token classifier");
        }
        let enc = Self::encoder_vb(&vb);
        let c = &config;
        let emb = enc.pp("embeddings");
        let h = c.hidden_size;
        let layers = if with_layers { (0..c.num_hidden_layers).map(|i| Layer::load(enc.pp("encoder").pp("layer").pp(i), c)).collect::<Result<Vec<_>>>()? } else { Vec::new() };
        let name = c.triplex_model_name.clone().unwrap_or_else(|| "bert-token-classifier".into());
        let syntax = match &c.triplex_syntax {
            Some(sc) => Some(SyntaxHeads::new(vb.pp("syntax"), c, sc.clone()).context("cannot load the syntax heads")?),
            None => None,
        };
        Ok(BertTagger {
            syntax_labels: syntax.as_ref().map(|s| s.labels.clone()),
            inference_only: false,
            syntax,
            word_embeddings: emb.pp("word_embeddings").get((c.vocab_size, h), "weight")?,
            position_embeddings: emb.pp("position_embeddings").get((c.max_position_embeddings, h), "weight")?,
            // DistilBERT has no token types: one zero row.
            token_type_embeddings: if c.model_type == "distilbert" {
                Tensor::zeros((1, h), DType::F32, vb.device())?
            } else {
                emb.pp("token_type_embeddings").get((c.type_vocab_size, h), "weight")?
            },
            embed_norm: LayerNorm::load(emb.pp("LayerNorm"), h, c.layer_norm_eps)?,
            layers,
            classifier: Dense::load(vb.pp("classifier"), h, labels.len())?,
            device: vb.device().clone(),
            labels,
            name,
            config,
            fast: None,
            frozen_layers: 0,
        })
    }

    /// Loads `config.json` and `model.safetensors` (f32 or f16) from a model directory, for
    /// inference on the default kernels (int8 matmuls, the widest path the CPU runs).
    pub fn load_dir(dir: &Path) -> Result<Self> {
        Self::load_dir_with(dir, WeightFormat::parse("")?, Isa::best())
    }

    /// As [`BertTagger::load_dir`], on the given weight format and kernel path.
    pub fn load_dir_with(dir: &Path, format: WeightFormat, isa: Isa) -> Result<Self> {
        let (config, vb) = Self::open_dir(dir)?;
        let mut model = Self::new(vb, config).with_context(|| format!("cannot load model from {}", dir.display()))?;
        // Loaded for inference: the weights never change, so the fused kernels may copy them.
        model.fast = Some(fast::FastBert::build(&model, format, isa).context("cannot prepare the inference kernels")?);
        Ok(model)
    }

    /// The config and a var builder over the weights of a model directory (f32 or f16 on disk,
    /// read as f32).
    fn open_dir(dir: &Path) -> Result<(BertConfig, VarBuilder<'static>)> {
        let config = BertConfig::from_file(&dir.join("config.json"))?;
        // An inference model tags IOB2: `O`, `B-TYPE`, `I-TYPE`.
        let labels = config.labels().with_context(|| format!("{}: id2label", dir.join("config.json").display()))?;
        if let Some(bad) = labels.iter().find(|l| *l != "O" && !(l.len() > 2 && (l.starts_with("B-") || l.starts_with("I-")))) {
            bail!("{}: id2label holds {bad:?}, not an IOB2 label (O, B-TYPE, I-TYPE)", dir.join("config.json").display());
        }
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            bail!("{} is missing", weights.display());
        }
        // SAFETY: the file is mapped read-only and not modified while the model lives.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &Device::Cpu)? };
        let names = config.clone();
        Ok((config, vb.rename_f(move |name| names.stored_name(name))))
    }

    /// As [`BertTagger::load_dir_with`], then the candle tensors the inference kernels copied are
    /// released (the encoder layers, the syntax heads, the embedding tables: about 100 MB of f32
    /// for the shipped model): such a model runs inference only, never the padded or training path.
    pub fn load_for_inference(dir: &Path, format: WeightFormat, isa: Isa) -> Result<Self> {
        let (config, vb) = Self::open_dir(dir)?;
        let mut model = Self::assemble(vb.clone(), config, false).with_context(|| format!("cannot load model from {}", dir.display()))?;
        // Each encoder layer is read, copied into the kernels' formats and dropped in turn, so that
        // the f32 weights of only one layer are in memory at a time.
        let enc = Self::encoder_vb(&vb).pp("encoder").pp("layer");
        let c = model.config.clone();
        let layers = (0..c.num_hidden_layers).map(|i| Layer::load(enc.pp(i), &c));
        let fast = fast::FastBert::build_from(&model, layers, format, isa).with_context(|| format!("cannot load model from {}", dir.display()))?;
        drop(vb);
        let empty = Tensor::zeros((0, model.config.hidden_size), DType::F32, &Device::Cpu)?;
        model.fast = Some(fast);
        model.syntax = None;
        model.word_embeddings = empty.clone();
        model.position_embeddings = empty.clone();
        model.token_type_embeddings = empty;
        model.inference_only = true;
        Ok(model)
    }

    /// Logits `[sum of lengths, labels]` from the packed inference kernels (None when the model
    /// was not loaded for inference, e.g. while training).
    pub fn packed_logits(&self, batch: &[PieceSeq]) -> Result<Option<Vec<f32>>> {
        match &self.fast {
            Some(f) => Ok(Some(f.logits(self, batch)?)),
            None => Ok(None),
        }
    }

    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// Packed logits `[total pieces, labels]` as log-probabilities, one vector per sequence.
    fn split_log_probs(&self, mut flat: Vec<f32>, batch: &[PieceSeq]) -> Vec<Vec<f32>> {
        let l = self.labels.len();
        fast::log_softmax_rows(&mut flat, l);
        let mut at = 0;
        batch
            .iter()
            .map(|s| {
                at += s.ids.len();
                flat[(at - s.ids.len()) * l..at * l].to_vec()
            })
            .collect()
    }

    /// Packed hidden states `[total pieces, hidden]` after the first `layers` layers, from the
    /// inference kernels (the frozen input of the syntax branch while it is trained).
    pub fn shared_hidden(&self, batch: &[PieceSeq], layers: usize) -> Result<Vec<f32>> {
        match &self.fast {
            Some(f) => f.hidden(self, batch, layers),
            None => bail!("the model was not loaded for inference"),
        }
    }

    /// Logits `[batch * len, labels]` for padded input `ids`/`types` `[batch, len]` with `mask`
    /// (1 for pieces, 0 for padding). With `dropout` the differentiable training path is used.
    pub fn logits(&self, ids: &Tensor, types: &Tensor, mask: &Tensor, mut dropout: Option<&mut SeededDropout>) -> Result<Tensor> {
        if self.inference_only {
            bail!("the model was loaded for inference only: it has no padded or training path");
        }
        let train = dropout.is_some();
        let (b, t) = ids.dims2()?;
        let heads = self.config.num_attention_heads;
        let flat_ids = ids.flatten_all()?;
        let positions = Tensor::arange(0u32, t as u32, &self.device)?.repeat(b)?;
        let mut x =
            self.word_embeddings.embedding(&flat_ids)?.add(&self.position_embeddings.embedding(&positions)?)?.add(&self.token_type_embeddings.embedding(&types.flatten_all()?)?)?;
        let frozen = if train { self.frozen_layers.min(self.layers.len()) } else { 0 };
        x = self.embed_norm.forward(&x, train && frozen == 0)?;
        if let (Some(d), 0) = (dropout.as_deref_mut(), frozen) {
            x = d.apply(&x)?;
        }
        // Additive mask: 0 for pieces, -10000 for padding, shaped [b, 1, 1, t].
        let bias = attention_bias(mask)?;
        for (i, layer) in self.layers.iter().enumerate() {
            if i < frozen {
                // No gradient flows here: the fused inference ops, without dropout.
                x = layer.forward(&x, &bias, (b, t), heads, None)?;
                if i + 1 == frozen {
                    x = x.detach();
                }
            } else {
                x = layer.forward(&x, &bias, (b, t), heads, dropout.as_deref_mut())?;
            }
        }
        if let Some(d) = dropout {
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

    fn syntax_labels(&self) -> Option<&SyntaxLabels> {
        self.syntax_labels.as_ref()
    }

    fn analyse_batch(&self, batch: &[PieceSeq], word_starts: &[Vec<usize>]) -> Result<Vec<Analysis>> {
        let (Some(fast), Some(_)) = (&self.fast, &self.syntax_labels) else {
            return Ok(self.tag_batch(batch)?.into_iter().map(|logp| Analysis { logp, syntax: None }).collect());
        };
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let (flat, syntax) = fast.analyse(self, batch, Some(word_starts))?;
        let mut syntax = syntax.map(Vec::into_iter);
        Ok(self.split_log_probs(flat, batch).into_iter().map(|logp| Analysis { logp, syntax: syntax.as_mut().and_then(Iterator::next) }).collect())
    }

    fn tag_batch(&self, batch: &[PieceSeq]) -> Result<Vec<Vec<f32>>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let l = self.labels.len();
        if let Some(flat) = self.packed_logits(batch)? {
            return Ok(self.split_log_probs(flat, batch));
        }
        let (ids, types, mask, t) = self.pad_batch(batch)?;
        let logits = self.logits(&ids, &types, &mask, None)?;
        let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
        let flat: Vec<f32> = logp.flatten_all()?.to_vec1()?;
        Ok(batch.iter().enumerate().map(|(i, s)| flat[i * t * l..(i * t + s.ids.len()) * l].to_vec()).collect())
    }
}

/// Throughput of the encoder's matmul kernels on an `[m, k] × [k, n]` product, in GFLOP/s
/// (2·m·k·n per product, best of `reps`): candle's f32 gemm, candle's Q8_0, and the int8 kernel
/// of each kernel path the CPU runs. For `triplex bench --kernels`.
#[doc(hidden)]
pub fn matmul_probe(m: usize, k: usize, n: usize, reps: usize) -> Result<Vec<(String, f64)>> {
    use std::time::Instant;
    let w: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.05).collect();
    let x: Vec<f32> = (0..m * k).map(|i| (i * 104729 % 1000) as f32 / 500.0 - 1.0).collect();
    let wt = Tensor::from_vec(w.clone(), (n, k), &Device::Cpu)?;
    let bias = Tensor::zeros(n, DType::F32, &Device::Cpu)?;
    let flop = 2.0 * (m * k * n) as f64;
    let mut out = Vec::new();
    let mut formats = vec![("f32 (candle gemm)".to_string(), fast::Format::F32, Isa::best()), ("q8_0 (candle quantized)".to_string(), fast::Format::Q8, Isa::best())];
    for path in KernelPath::ALL.into_iter().rev() {
        if let Some(isa) = Isa::new(path) {
            let name = format!("int8 ({} kernel)", fast::isa::Int8::for_path(isa).kernel().name());
            if !formats.iter().any(|f| f.0 == name) {
                formats.push((name, fast::Format::I8, isa));
            }
        }
    }
    for (name, f, isa) in formats {
        let lin = fast::Linear::new(&wt, &bias, f, 0, isa)?;
        let mut best = f64::MAX;
        for _ in 0..reps.max(1) {
            let clock = Instant::now();
            lin.apply(x.clone(), |y| y[0])?;
            best = best.min(clock.elapsed().as_secs_f64());
        }
        out.push((name, flop / best / 1e9));
    }
    Ok(out)
}

mod fast;

pub use fast::WeightFormat;
pub use fast::isa::{Isa, KernelPath};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A tiny random model directory (config.json and model.safetensors).
    fn tiny_model(dir: &Path) {
        let labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];
        let config = serde_json::json!({
            "model_type": "bert", "vocab_size": 50, "hidden_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 64,
            "type_vocab_size": 8, "layer_norm_eps": 1e-12, "triplex_word_shapes": true,
            "id2label": labels.iter().enumerate().map(|(i, l)| (i.to_string(), l.to_string())).collect::<BTreeMap<_, _>>(),
        });
        std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
        let mut seed = 12345u64;
        let mut rnd = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        };
        let mut ts = std::collections::HashMap::new();
        let mut put = |name: String, shape: Vec<usize>, norm: bool| {
            let n: usize = shape.iter().product();
            let v: Vec<f32> = (0..n).map(|_| if norm { 1.0 + 0.1 * rnd() } else { 0.3 * rnd() }).collect();
            ts.insert(name, Tensor::from_vec(v, shape, &Device::Cpu).unwrap());
        };
        let h = 64; // 4 heads of 16: the AVX-512 attention path
        put("bert.embeddings.word_embeddings.weight".into(), vec![50, h], false);
        put("bert.embeddings.position_embeddings.weight".into(), vec![64, h], false);
        put("bert.embeddings.token_type_embeddings.weight".into(), vec![8, h], false);
        put("bert.embeddings.LayerNorm.weight".into(), vec![h], true);
        put("bert.embeddings.LayerNorm.bias".into(), vec![h], false);
        for l in 0..2 {
            let p = format!("bert.encoder.layer.{l}.");
            for (n, o, i) in [
                ("attention.self.query", h, h),
                ("attention.self.key", h, h),
                ("attention.self.value", h, h),
                ("attention.output.dense", h, h),
                ("intermediate.dense", 64, h),
                ("output.dense", h, 64),
            ] {
                put(format!("{p}{n}.weight"), vec![o, i], false);
                put(format!("{p}{n}.bias"), vec![o], false);
            }
            for n in ["attention.output.LayerNorm", "output.LayerNorm"] {
                put(format!("{p}{n}.weight"), vec![h], true);
                put(format!("{p}{n}.bias"), vec![h], false);
            }
        }
        put("classifier.weight".into(), vec![labels.len(), h], false);
        put("classifier.bias".into(), vec![labels.len()], false);
        candle_core::safetensors::save(&ts, dir.join("model.safetensors")).unwrap();
    }

    fn batch() -> Vec<PieceSeq> {
        [7usize, 3, 12, 1, 30]
            .iter()
            .enumerate()
            .map(|(s, &len)| PieceSeq { ids: (0..len).map(|i| ((i * 7 + s * 3) % 50) as u32).collect(), types: (0..len).map(|i| ((i + s) % 8) as u32).collect() })
            .collect()
    }

    /// Log-probabilities of the padded candle path (the one training uses), per sequence.
    fn padded(model: &BertTagger, batch: &[PieceSeq]) -> Vec<Vec<f32>> {
        let (ids, types, mask, t) = model.pad_batch(batch).unwrap();
        let logits = model.logits(&ids, &types, &mask, None).unwrap();
        let flat: Vec<f32> = candle_nn::ops::log_softmax(&logits, D::Minus1).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let l = model.labels.len();
        batch.iter().enumerate().map(|(i, s)| flat[i * t * l..(i * t + s.ids.len()) * l].to_vec()).collect()
    }

    fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .flat_map(|(x, y)| {
                assert_eq!(x.len(), y.len());
                x.iter().zip(y).map(|(p, q)| (p - q).abs())
            })
            .fold(0.0, f32::max)
    }

    /// Every kernel path, each forced in turn: one the CPU lacks fails the test (see
    /// [`crate::test_support::required`]) rather than passing unchecked.
    #[test]
    fn fast_path_matches_the_padded_path() {
        let dir = tempfile::tempdir().unwrap();
        tiny_model(dir.path());
        let mut model = BertTagger::load_dir(dir.path()).unwrap();
        assert!(model.fast.is_some());
        let b = batch();
        let reference = padded(&model, &b);
        let mut ran: Vec<(KernelPath, Vec<Vec<f32>>)> = Vec::new();
        for path in KernelPath::ALL {
            let Some(isa) = crate::test_support::required(Isa::new(path), &format!("the {} kernels", path.name())) else { continue };
            assert_eq!(isa.path(), path);
            model.fast = Some(fast::FastBert::build(&model, fast::WeightFormat::F32, isa).unwrap());
            let fast = model.tag_batch(&b).unwrap();
            let diff = max_diff(&fast, &reference);
            assert!(diff < 1e-4, "{}: packed and padded paths differ by {diff}", path.name());
            // One sequence alone gives the same as within the batch.
            let one = model.tag_batch(&b[2..3]).unwrap();
            assert!(max_diff(&one, &fast[2..3]) < 1e-5, "{}: a sequence alone differs from it in the batch", path.name());
            ran.push((path, fast));
        }
        // The paths agree with each other, not only each with the padded path.
        for (i, (p, x)) in ran.iter().enumerate() {
            for (q, y) in &ran[i + 1..] {
                let diff = max_diff(x, y);
                assert!(diff < 1e-4, "{} and {} paths differ by {diff}", p.name(), q.name());
            }
        }
    }

    /// The inference-only load (the pipeline's: layers read one at a time, candle tensors
    /// released, an f16 word table when the file stores f16) gives the same bits as the full load,
    /// from an f32 file and from the same model stored in f16.
    #[test]
    fn inference_only_load_gives_the_same_bits() {
        let dir = tempfile::tempdir().unwrap();
        tiny_model(dir.path());
        let half = tempfile::tempdir().unwrap();
        std::fs::copy(dir.path().join("config.json"), half.path().join("config.json")).unwrap();
        let tensors = candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
        let halves: std::collections::HashMap<String, Tensor> = tensors.into_iter().map(|(k, v)| (k, v.to_dtype(DType::F16).unwrap())).collect();
        candle_core::safetensors::save(&halves, half.path().join("model.safetensors")).unwrap();
        let b = batch();
        let bits = |v: Vec<Vec<f32>>| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<u32>>();
        for d in [dir.path(), half.path()] {
            for format in ["i8", "f32"] {
                let format = fast::WeightFormat::parse(format).unwrap();
                let full = BertTagger::load_dir_with(d, format, Isa::best()).unwrap();
                let lean = BertTagger::load_for_inference(d, format, Isa::best()).unwrap();
                assert!(lean.layers.is_empty() && lean.word_embeddings.elem_count() == 0);
                assert_eq!(lean.fast.as_ref().unwrap().word_table_is_f16(), d == half.path());
                assert_eq!(bits(lean.tag_batch(&b).unwrap()), bits(full.tag_batch(&b).unwrap()), "{}", d.display());
                let (ids, types, mask, _) = lean.pad_batch(&b).unwrap();
                assert!(lean.logits(&ids, &types, &mask, None).is_err(), "an inference-only model has no padded path");
            }
        }
    }

    #[test]
    fn distilbert_layout_loads_as_the_same_model() {
        let dir = tempfile::tempdir().unwrap();
        tiny_model(dir.path());
        let bert = BertTagger::load_dir(dir.path()).unwrap();
        // The same weights under DistilBERT's names and config fields (no token types).
        let distil = tempfile::tempdir().unwrap();
        let cfg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("config.json")).unwrap()).unwrap();
        let d = serde_json::json!({"model_type": "distilbert", "architectures": ["DistilBertForTokenClassification"], "vocab_size": 50,
            "dim": 64, "n_layers": 2, "n_heads": 4, "hidden_dim": 64, "max_position_embeddings": 64, "activation": "gelu", "id2label": cfg["id2label"]});
        std::fs::write(distil.path().join("config.json"), d.to_string()).unwrap();
        let names = BertConfig::from_file(&distil.path().join("config.json")).unwrap();
        let ts = candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
        let renamed: std::collections::HashMap<String, Tensor> = ts.into_iter().filter(|(k, _)| !k.contains("token_type")).map(|(k, v)| (names.stored_name(&k), v)).collect();
        assert!(renamed.contains_key("distilbert.transformer.layer.1.attention.q_lin.weight"));
        assert!(renamed.contains_key("distilbert.transformer.layer.0.output_layer_norm.bias"));
        candle_core::safetensors::save(&renamed, distil.path().join("model.safetensors")).unwrap();
        let distil_model = BertTagger::load_dir(distil.path()).unwrap();
        assert!(!distil_model.uses_word_shapes());
        // With type-0 rows zeroed in the BERT copy, both give the same log-probabilities.
        let zero_types: Vec<PieceSeq> = batch().into_iter().map(|s| PieceSeq { types: vec![0; s.ids.len()], ..s }).collect();
        let a = distil_model.tag_batch(&zero_types).unwrap();
        let b = bert.tag_batch(&zero_types).unwrap();
        let type0 = bert.token_type_embeddings.get(0).unwrap().abs().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
        assert!(type0 > 0.0, "the BERT copy has a non-zero type-0 row, so the outputs must differ");
        assert!(max_diff(&a, &b) > 1e-4);
        let bert_zeroed = tempfile::tempdir().unwrap();
        std::fs::copy(dir.path().join("config.json"), bert_zeroed.path().join("config.json")).unwrap();
        let mut ts = candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
        ts.insert("bert.embeddings.token_type_embeddings.weight".into(), Tensor::zeros((8, 64), DType::F32, &Device::Cpu).unwrap());
        candle_core::safetensors::save(&ts, bert_zeroed.path().join("model.safetensors")).unwrap();
        let c = BertTagger::load_dir(bert_zeroed.path()).unwrap().tag_batch(&zero_types).unwrap();
        assert!(max_diff(&a, &c) < 1e-5, "DistilBERT and BERT layouts of one model differ");
    }

    #[test]
    fn int8_path_is_close() {
        let dir = tempfile::tempdir().unwrap();
        tiny_model(dir.path());
        let mut model = BertTagger::load_dir(dir.path()).unwrap();
        let b = batch();
        for format in ["i8", "q8", "i8:qkv,down"] {
            model.fast = Some(fast::FastBert::build(&model, fast::WeightFormat::parse(format).unwrap(), Isa::best()).unwrap());
            let diff = max_diff(&model.tag_batch(&b).unwrap(), &padded(&model, &b));
            assert!(diff < 0.15, "{format}: differs by {diff}");
        }
        assert!(fast::WeightFormat::parse("bf17").is_err());
    }

    /// The int8 format gives the same log-probabilities, bit for bit, on every kernel path (each
    /// forced in turn; one the CPU lacks fails the test), whole-row and per-block scales alike.
    #[test]
    fn int8_output_is_identical_on_every_path() {
        let dir = tempfile::tempdir().unwrap();
        tiny_model(dir.path());
        let mut model = BertTagger::load_dir(dir.path()).unwrap();
        let b = batch();
        for block in [0, 16] {
            let format = fast::WeightFormat::parse("i8").unwrap().with_i8_block(block);
            let mut ran: Vec<(KernelPath, Vec<Vec<f32>>)> = Vec::new();
            for path in KernelPath::ALL {
                let Some(isa) = crate::test_support::required(Isa::new(path), &format!("the {} kernels", path.name())) else { continue };
                model.fast = Some(fast::FastBert::build(&model, format, isa).unwrap());
                ran.push((path, model.tag_batch(&b).unwrap()));
            }
            let (p0, first) = &ran[0];
            for (p, out) in &ran[1..] {
                let bits = |v: &Vec<Vec<f32>>| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<u32>>();
                assert!(bits(out) == bits(first), "block {block}: the {} and {} paths differ (by up to {})", p.name(), p0.name(), max_diff(out, first));
            }
        }
    }

    #[test]
    fn fast_exp_matches_std() {
        let mut worst = 0f32;
        for i in 0..=870000 {
            let x = -(i as f32) / 10000.0;
            let (a, b) = (fast::exp_neg(x), x.exp());
            worst = worst.max((a - b).abs() / b.max(f32::MIN_POSITIVE));
        }
        assert!(worst < 1e-6, "exp off by {worst} (relative)");
        assert_eq!(fast::exp_neg(0.0), 1.0);
        assert!(fast::exp_neg(-1e4) < 1e-37);
    }

    #[test]
    fn fast_erf_matches_libm() {
        let mut worst = 0f32;
        for i in -60000..=60000 {
            let x = i as f32 / 10000.0;
            worst = worst.max((fast::erf(x) - candle_core::cpu::erf::erf_f32(x)).abs());
        }
        assert!(worst < 1e-6, "erf off by {worst}");
    }
}

//! Syntax heads on the shared encoder: one branch transformer layer, a UPOS classifier, and
//! biaffine dependency arcs and relations (Dozat & Manning, 2017); differentiable for training.

use super::config::{BertConfig, SyntaxConfig};
use super::layers::{Dense, Layer, SeededDropout};
use anyhow::{Result, bail};
use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;
use triplex_core::{SyntaxLabels, WindowSyntax};

/// The syntax branch and heads (tensors under `syntax.` in the model file).
pub struct SyntaxHeads {
    pub(crate) config: SyntaxConfig,
    pub(crate) labels: SyntaxLabels,
    pub(crate) layer: Layer,
    upos: Dense,
    arc_dep: Dense,
    arc_head: Dense,
    /// `[arc, arc]`: score(d, h) = dep_d · U · head_h + head_h · bias.
    arc_bilinear: Tensor,
    arc_head_bias: Tensor,
    rel_dep: Dense,
    rel_head: Dense,
    /// `[rel, labels * rel]`: one bilinear form per relation, side by side.
    rel_bilinear: Tensor,
    /// Linear term over `[dep; head]` (`[2 * rel] → labels`).
    rel_linear: Dense,
}

/// Word-level outputs for a padded batch `[b, m]` (word 0 of each row is the root, [CLS]).
pub struct WordOutputs {
    pub upos: Tensor,
    /// `[b, m, m]`: dependent × head.
    pub arcs: Tensor,
    pub rel_dep: Tensor,
    pub rel_head: Tensor,
}

impl SyntaxHeads {
    pub fn new(vb: VarBuilder, bert: &BertConfig, config: SyntaxConfig) -> Result<Self> {
        if config.shared_layers == 0 || config.shared_layers > bert.num_hidden_layers {
            bail!("triplex_syntax.shared_layers {} is outside 1..={}", config.shared_layers, bert.num_hidden_layers);
        }
        if config.upos.is_empty() || config.deprels.is_empty() {
            bail!("triplex_syntax has no UPOS or relation labels");
        }
        let h = bert.hidden_size;
        let (a, r, l) = (config.arc_dim, config.rel_dim, config.deprels.len());
        let mut branch = bert.clone();
        if let Some(n) = config.branch_intermediate {
            branch.intermediate_size = n;
        }
        Ok(SyntaxHeads {
            layer: Layer::load(vb.pp("layer"), &branch)?,
            upos: Dense::load(vb.pp("upos"), h, config.upos.len())?,
            arc_dep: Dense::load(vb.pp("arc_dep"), h, a)?,
            arc_head: Dense::load(vb.pp("arc_head"), h, a)?,
            arc_bilinear: vb.get((a, a), "arc_bilinear")?,
            arc_head_bias: vb.get((a, 1), "arc_head_bias")?,
            rel_dep: Dense::load(vb.pp("rel_dep"), h, r)?,
            rel_head: Dense::load(vb.pp("rel_head"), h, r)?,
            rel_bilinear: vb.get((r, l * r), "rel_bilinear")?,
            rel_linear: Dense::load(vb.pp("rel_linear"), 2 * r, l)?,
            labels: SyntaxLabels { upos: config.upos.clone(), deprels: config.deprels.clone() },
            config,
        })
    }

    /// Scores for word rows `[b, m, h]`; with `dropout`, the training path.
    pub fn word_outputs(&self, words: &Tensor, mut dropout: Option<&mut SeededDropout>) -> Result<WordOutputs> {
        let words = match dropout.as_deref_mut() {
            Some(d) => d.apply(words)?,
            None => words.clone(),
        };
        let upos = self.upos.forward(&words)?;
        let dep = self.arc_dep.forward(&words)?.gelu_erf()?;
        let head = self.arc_head.forward(&words)?.gelu_erf()?;
        let (dep, head) = match dropout.as_deref_mut() {
            Some(d) => (d.apply(&dep)?, d.apply(&head)?),
            None => (dep, head),
        };
        let (b, m, a) = dep.dims3()?;
        let left = dep.reshape((b * m, a))?.matmul(&self.arc_bilinear)?.reshape((b, m, a))?;
        let bilinear = left.matmul(&head.transpose(1, 2)?.contiguous()?)?;
        let head_bias = head.reshape((b * m, a))?.matmul(&self.arc_head_bias)?.reshape((b, 1, m))?;
        let arcs = bilinear.broadcast_add(&head_bias)?;
        let mut rel_dep = self.rel_dep.forward(&words)?.gelu_erf()?;
        let mut rel_head = self.rel_head.forward(&words)?.gelu_erf()?;
        if let Some(d) = dropout {
            rel_dep = d.apply(&rel_dep)?;
            rel_head = d.apply(&rel_head)?;
        }
        Ok(WordOutputs { upos, arcs, rel_dep, rel_head })
    }

    /// Relation logits `[n, labels]` for `n` (dependent, head) row pairs `[n, rel]`.
    pub fn rel_logits(&self, dep: &Tensor, head: &Tensor) -> Result<Tensor> {
        let (n, r) = dep.dims2()?;
        let l = self.config.deprels.len();
        let bil = dep.matmul(&self.rel_bilinear)?.reshape((n, l, r))?.matmul(&head.unsqueeze(2)?)?.squeeze(2)?;
        Ok((bil + self.rel_linear.forward(&Tensor::cat(&[dep, head], 1)?)?)?)
    }

    /// Decoded syntax of each sequence through the differentiable ops (eval mode): `words`
    /// `[b, m, h]` padded, `lens[s]` = words of sequence `s` (root excluded). The inference
    /// kernels (`bert::fast`) compute the same.
    pub fn window_syntax(&self, words: &Tensor, lens: &[usize]) -> Result<Vec<WindowSyntax>> {
        let out = self.word_outputs(words, None)?;
        let (b, m, _) = out.arcs.dims3()?;
        let nu = self.config.upos.len();
        let r = self.config.rel_dim;
        let upos = out.upos.flatten_all()?.to_vec1::<f32>()?;
        let arcs = out.arcs.flatten_all()?.to_vec1::<f32>()?;
        let mut result = Vec::with_capacity(b);
        let (mut dep_rows, mut head_rows) = (Vec::new(), Vec::new());
        for (s, &n) in lens.iter().enumerate() {
            let k = n + 1;
            let raw: Vec<f32> = (0..k).flat_map(|d| arcs[(s * m + d) * m..(s * m + d) * m + k].iter().copied()).collect();
            let heads = triplex_core::best_tree(&raw, k);
            for (i, &h) in heads.iter().enumerate() {
                dep_rows.push((s * m + i + 1) as u32);
                head_rows.push((s * m + h) as u32);
            }
            let up = (1..k).map(|j| triplex_core::argmax(&upos[(s * m + j) * nu..(s * m + j + 1) * nu]) as u16).collect();
            result.push(WindowSyntax { n, upos: up, heads, rels: Vec::new(), rows: Default::default() });
        }
        // Relations for the chosen arcs only.
        if !dep_rows.is_empty() {
            let dev = words.device();
            let pick = |t: &Tensor, rows: Vec<u32>| -> Result<Tensor> {
                let n = rows.len();
                Ok(t.reshape((b * m, r))?.index_select(&Tensor::from_vec(rows, n, dev)?, 0)?)
            };
            let logits = self.rel_logits(&pick(&out.rel_dep, dep_rows)?, &pick(&out.rel_head, head_rows)?)?;
            let nl = self.config.deprels.len();
            let flat = logits.flatten_all()?.to_vec1::<f32>()?;
            let mut at = 0;
            for ws in &mut result {
                ws.rels = (0..ws.n).map(|i| triplex_core::argmax(&flat[(at + i) * nl..(at + i + 1) * nl]) as u16).collect();
                at += ws.n;
            }
        }
        Ok(result)
    }

    /// The weights as plain row-major f32 for the inference kernels: the five projections stacked
    /// (`[upos + 2 arc + 2 rel, hidden]`, with their biases), `Uᵀ` of the arc form, the arc head
    /// bias, the relation forms as `[labels * rel, rel]`, and the linear relation term split
    /// into its dependent and head halves (`[rel, labels]` each) with its bias.
    pub(crate) fn export(&self) -> Result<SyntaxWeights> {
        let dense = [&self.upos, &self.arc_dep, &self.arc_head, &self.rel_dep, &self.rel_head];
        let proj = Tensor::cat(&dense.iter().map(|d| d.weight_t.t()).collect::<candle_core::Result<Vec<_>>>()?, 0)?;
        let proj_bias = Tensor::cat(&dense.iter().map(|d| d.bias.clone()).collect::<Vec<_>>(), 0)?;
        let r = self.config.rel_dim;
        let w = &self.rel_linear.weight_t;
        Ok(SyntaxWeights {
            proj,
            proj_bias: proj_bias.to_vec1()?,
            arc_ut: self.arc_bilinear.t()?.contiguous()?,
            arc_head_bias: self.arc_head_bias.flatten_all()?.to_vec1()?,
            rel_forms: self.rel_bilinear.t()?.contiguous()?,
            rel_lin_dep: w.narrow(0, 0, r)?.contiguous()?.flatten_all()?.to_vec1()?,
            rel_lin_head: w.narrow(0, r, r)?.contiguous()?.flatten_all()?.to_vec1()?,
            rel_bias: self.rel_linear.bias.to_vec1()?,
        })
    }
}

/// See [`SyntaxHeads::export`].
pub(crate) struct SyntaxWeights {
    pub proj: Tensor,
    pub proj_bias: Vec<f32>,
    pub arc_ut: Tensor,
    pub arc_head_bias: Vec<f32>,
    pub rel_forms: Tensor,
    pub rel_lin_dep: Vec<f32>,
    pub rel_lin_head: Vec<f32>,
    pub rel_bias: Vec<f32>,
}

/// Gathers word rows from padded piece rows `[b * t, h]`: row 0 of each sequence is its [CLS]
/// (the root), then the pieces at `starts[s]`; padding rows repeat [CLS]. Returns `[b, m, h]`.
pub fn gather_words(pieces: &Tensor, t: usize, starts: &[Vec<usize>]) -> Result<(Tensor, usize)> {
    let m = 1 + starts.iter().map(Vec::len).max().unwrap_or(0);
    let mut idx = Vec::with_capacity(starts.len() * m);
    for (s, st) in starts.iter().enumerate() {
        idx.push((s * t) as u32);
        idx.extend(st.iter().map(|&p| (s * t + p) as u32));
        idx.extend(std::iter::repeat_n((s * t) as u32, m - 1 - st.len()));
    }
    let h = pieces.dim(1)?;
    let rows = pieces.index_select(&Tensor::from_vec(idx, starts.len() * m, pieces.device())?, 0)?;
    Ok((rows.reshape((starts.len(), m, h))?, m))
}

/// Additive mask for padded heads: `[b, 1, m]`, 0 where column `j <= lens[s]`, -1e4 beyond.
pub fn head_mask(lens: &[usize], m: usize, device: &candle_core::Device) -> Result<Tensor> {
    let v: Vec<f32> = lens.iter().flat_map(|&n| (0..m).map(move |j| if j <= n { 0.0 } else { -1e4 })).collect();
    Ok(Tensor::from_vec(v, (lens.len(), 1, m), device)?.to_dtype(DType::F32)?)
}

//! The encoder's building blocks, shared by the BERT encoder and the syntax branch: layer norm,
//! dense layers, one transformer layer, the attention mask bias and seeded dropout.

use super::config::BertConfig;
use anyhow::Result;
use candle_core::{D, DType, Tensor};
use candle_nn::VarBuilder;
use rand::Rng;
use rand::rngs::StdRng;

/// Layer norm: the fused kernel at inference, plain tensor ops (with a backward pass) in training.
pub(crate) struct LayerNorm {
    pub(crate) weight: Tensor,
    pub(crate) bias: Tensor,
    pub(crate) eps: f64,
}

impl LayerNorm {
    pub(crate) fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(LayerNorm { weight: vb.get(size, "weight")?, bias: vb.get(size, "bias")?, eps })
    }

    pub(crate) fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
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
pub(crate) struct Dense {
    pub(crate) weight_t: Tensor,
    pub(crate) bias: Tensor,
}

impl Dense {
    pub(crate) fn load(vb: VarBuilder, inp: usize, out: usize) -> Result<Self> {
        Ok(Dense { weight_t: vb.get((out, inp), "weight")?.t()?, bias: vb.get(out, "bias")? })
    }

    /// `x` is `[n, in]` or `[b, n, in]`.
    pub(crate) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if let Ok((b, n, k)) = x.dims3() {
            let y = x.reshape((b * n, k))?.matmul(&self.weight_t)?.broadcast_add(&self.bias)?;
            return Ok(y.reshape((b, n, ()))?);
        }
        Ok(x.matmul(&self.weight_t)?.broadcast_add(&self.bias)?)
    }
}

/// One transformer encoder layer.
pub(crate) struct Layer {
    pub(crate) query: Dense,
    pub(crate) key: Dense,
    pub(crate) value: Dense,
    pub(crate) attn_out: Dense,
    pub(crate) attn_norm: LayerNorm,
    pub(crate) intermediate: Dense,
    pub(crate) output: Dense,
    pub(crate) out_norm: LayerNorm,
}

impl Layer {
    pub(crate) fn load(vb: VarBuilder, c: &BertConfig) -> Result<Self> {
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

impl Layer {
    /// `x` is `[b * t, h]`; `bias` the additive attention mask `[b, 1, 1, t]`. With `dropout` the
    /// differentiable training ops are used, else the fused kernels.
    pub(crate) fn forward(&self, x: &Tensor, bias: &Tensor, (b, t): (usize, usize), heads: usize, mut dropout: Option<&mut SeededDropout>) -> Result<Tensor> {
        let train = dropout.is_some();
        let h = x.dim(1)?;
        let dh = h / heads;
        let scale = 1.0 / (dh as f64).sqrt();
        let split = |y: Tensor| -> Result<Tensor> { Ok(y.reshape((b, t, heads, dh))?.transpose(1, 2)?.contiguous()?) };
        let q = split((self.query.forward(x)? * scale)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        let scores = q.matmul(&k.t()?)?.broadcast_add(bias)?;
        let probs = if train { candle_nn::ops::softmax(&scores, D::Minus1)? } else { candle_nn::ops::softmax_last_dim(&scores)? };
        let ctx = probs.matmul(&v)?.transpose(1, 2)?.reshape((b * t, h))?;
        let mut a = self.attn_out.forward(&ctx)?;
        if let Some(d) = dropout.as_deref_mut() {
            a = d.apply(&a)?;
        }
        let x = self.attn_norm.forward(&(a + x)?, train)?;
        let inter = self.intermediate.forward(&x)?.gelu_erf()?;
        let mut o = self.output.forward(&inter)?;
        if let Some(d) = dropout {
            o = d.apply(&o)?;
        }
        self.out_norm.forward(&(o + &x)?, train)
    }
}

/// Additive attention mask `[b, 1, 1, t]` from a `[b, t]` mask: 0 for pieces, -10000 for padding.
pub(crate) fn attention_bias(mask: &Tensor) -> Result<Tensor> {
    let (b, t) = mask.dims2()?;
    Ok(((mask.to_dtype(DType::F32)? - 1.0)? * 10000.0)?.reshape((b, 1, 1, t))?)
}

/// Dropout with masks drawn from the training run's seeded generator, so a seed reproduces a run.
pub struct SeededDropout<'a> {
    pub rng: &'a mut StdRng,
    pub p: f32,
}

impl SeededDropout<'_> {
    pub(crate) fn apply(&mut self, x: &Tensor) -> Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 / (1.0 - self.p);
        let n = x.elem_count();
        let mask: Vec<f32> = (0..n).map(|_| if self.rng.random::<f32>() < self.p { 0.0 } else { keep }).collect();
        Ok((x * Tensor::from_vec(mask, x.shape(), x.device())?)?)
    }
}

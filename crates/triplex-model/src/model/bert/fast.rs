//! The inference path: every sequence of a batch packed into one `[pieces, hidden]` matrix (no
//! padding), Q/K/V in one matmul, attention per sequence, and bias, GELU, residual and layer norm
//! fused into one pass over each matmul's output. Numerically it is the padded candle path up to
//! float summation order (see `fast_path_matches_the_padded_path`).

use super::*;
#[cfg(target_arch = "x86_64")]
use isa::KernelPath;
use isa::{Int8, Isa};
use rayon::prelude::*;
use triplex_core::WordRows;

/// Weight format of one matmul.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    F32,
    /// candle's quantized Q8_0 kernels.
    Q8,
    /// This module's int8 kernels (see `i8mm`): per-channel weight scales, per-row activation
    /// scales; the kernel path picks which of them runs, and they all give the same bits.
    I8,
}

/// Weight formats of the encoder's four matmuls (see [`WeightFormat::parse`]), and the int8
/// activation block length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightFormat {
    qkv: Format,
    out: Format,
    inter: Format,
    down: Format,
    /// Activations get one int8 scale per this many values of a row (a multiple of 4; 0: one
    /// scale per row, the default).
    i8_block: usize,
}

impl WeightFormat {
    pub const F32: WeightFormat = WeightFormat { qkv: Format::F32, out: Format::F32, inter: Format::F32, down: Format::F32, i8_block: 0 };

    /// `i8` (the default, `""`, on every CPU), `f32`, `q8`, or `i8:` with the matmuls to make
    /// int8 among `qkv,out,inter,down` (the others f32). int8 keeps the dev F1 (see the README),
    /// and is the format whose output is the same on every kernel path, bit for bit.
    pub fn parse(v: &str) -> Result<Self> {
        let i8 = Format::I8;
        let w = match v {
            "f32" => return Ok(Self::F32),
            "q8" => return Ok(Self::all(Format::Q8)),
            "" | "i8" => Self::all(i8),
            _ => match v.strip_prefix("i8:") {
                Some(list) => {
                    let mut w = Self::F32;
                    for part in list.split(',') {
                        match part {
                            "qkv" => w.qkv = i8,
                            "out" => w.out = i8,
                            "inter" => w.inter = i8,
                            "down" => w.down = i8,
                            o => bail!("weight format: unknown matmul {o:?} (qkv, out, inter, down)"),
                        }
                    }
                    w
                }
                None => bail!("weight format {v:?}: expected f32, q8, i8 or i8:qkv,out,inter,down"),
            },
        };
        Ok(w)
    }

    fn all(f: Format) -> Self {
        WeightFormat { qkv: f, out: f, inter: f, down: f, i8_block: 0 }
    }

    /// Int8 activations scaled per `block` values of a row instead of per row.
    pub fn with_i8_block(self, block: usize) -> Self {
        WeightFormat { i8_block: block / 4 * 4, ..self }
    }
}

pub(super) enum Mat {
    /// `weight.t()`: a `[in, out]` view of the `[out, in]` matrix, as the training path uses.
    F32(Tensor),
    Q8(QMatMul),
    I8(i8mm::PackedI8),
    /// `[in, out]` weights for [`ordered_matmul`]: f32 in the same order on every kernel path.
    Ordered(Vec<f32>, Isa),
}

/// `y = x·Wᵀ` (the bias is added by the caller's fused pass).
pub(super) struct Linear {
    mat: Mat,
    bias: Vec<f32>,
    k: usize,
}

impl Linear {
    /// From `[out, in]` weights and `[out]` bias; int8 matmuls run on `isa`'s int8 kernel.
    pub(super) fn new(weight: &Tensor, bias: &Tensor, format: Format, i8_block: usize, isa: Isa) -> Result<Self> {
        let (n, k) = weight.dims2()?;
        let mat = match format {
            Format::F32 => Mat::F32(weight.t()?),
            Format::Q8 => Mat::Q8(QMatMul::from_qtensor(QTensor::quantize(&weight.contiguous()?, GgmlDType::Q8_0)?)?),
            Format::I8 => Mat::I8(i8mm::PackedI8::new(Int8::for_path(isa), &weight.flatten_all()?.to_vec1::<f32>()?, n, k, i8_block)),
        };
        Ok(Linear { mat, bias: bias.to_vec1()?, k })
    }

    /// A small f32 matmul computed by [`ordered_matmul`] (the same bits on every kernel path,
    /// where candle's gemm picks its own kernels by CPU).
    fn ordered(d: &Dense, isa: Isa) -> Result<Self> {
        let k = d.weight_t.dim(0)?;
        Ok(Linear { mat: Mat::Ordered(d.weight_t.contiguous()?.flatten_all()?.to_vec1()?, isa), bias: d.bias.to_vec1()?, k })
    }

    fn from_dense(d: &Dense, format: Format, i8_block: usize, isa: Isa) -> Result<Self> {
        Self::new(&d.weight_t.t()?, &d.bias, format, i8_block, isa)
    }

    /// `x·Wᵀ` (`x` `[m, in]`, row-major) as an owned `[m, out]`, without the bias.
    pub(super) fn forward(&self, x: Vec<f32>) -> Result<Vec<f32>> {
        match &self.mat {
            Mat::I8(p) => Ok(p.matmul(&x, x.len() / self.k)),
            Mat::Ordered(w, isa) => Ok(ordered_matmul(*isa, &x, w, self.k)),
            _ => self.apply(x, |y| y.to_vec()),
        }
    }

    /// Runs `x` (`[m, in]`, row-major) through the matmul and hands `f` the `[m, out]` result.
    pub(super) fn apply<R>(&self, x: Vec<f32>, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
        let m = x.len() / self.k;
        let y = match &self.mat {
            Mat::F32(w) => Tensor::from_vec(x, (m, self.k), &Device::Cpu)?.matmul(w)?,
            Mat::Q8(q) => q.forward(&Tensor::from_vec(x, (m, self.k), &Device::Cpu)?)?,
            Mat::I8(p) => return Ok(f(&p.matmul(&x, m))),
            Mat::Ordered(w, isa) => return Ok(f(&ordered_matmul(*isa, &x, w, self.k))),
        };
        with_f32(&y, f)
    }
}

/// `x·W` for `x` `[m, k]` and `w` `[k, n]`: each output a chain of fused multiply-adds over `k`
/// in order, from zero (as candle's gemm computes such a small product), rows in parallel.
fn ordered_matmul(isa: Isa, x: &[f32], w: &[f32], k: usize) -> Vec<f32> {
    let n = w.len() / k;
    let mut out = vec![0f32; x.len() / k * n];
    out.par_chunks_mut(n * ROWS).zip(x.par_chunks(k * ROWS)).for_each(|(o, x)| match isa.path() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Isa` of this path exists only where the CPU has its features (isa.rs).
        KernelPath::Avx512 => unsafe { ordered_rows_avx512(x, w, o, k, n) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        KernelPath::Avx2 | KernelPath::AvxVnni => unsafe { ordered_rows_avx2(x, w, o, k, n) },
        _ => ordered_rows(x, w, o, k, n),
    });
    out
}

#[inline(always)]
fn ordered_rows(x: &[f32], w: &[f32], out: &mut [f32], k: usize, n: usize) {
    for (xr, or) in x.chunks(k).zip(out.chunks_mut(n)) {
        for (&xv, wr) in xr.iter().zip(w.chunks(n)) {
            for (o, &wv) in or.iter_mut().zip(wr) {
                *o = xv.mul_add(wv, *o);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn ordered_rows_avx512(x: &[f32], w: &[f32], out: &mut [f32], k: usize, n: usize) {
    ordered_rows(x, w, out, k, n)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn ordered_rows_avx2(x: &[f32], w: &[f32], out: &mut [f32], k: usize, n: usize) {
    ordered_rows(x, w, out, k, n)
}

/// Calls `f` with the data of a contiguous f32 CPU tensor, without copying it.
fn with_f32<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    let Some((a, b)) = layout.contiguous_offsets() else { bail!("tensor is not contiguous") };
    match &*storage {
        Storage::Cpu(CpuStorage::F32(v)) => Ok(f(&v[a..b])),
        _ => bail!("expected an f32 CPU tensor"),
    }
}

struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
    isa: Isa,
}

impl Norm {
    fn new(n: &LayerNorm, isa: Isa) -> Result<Self> {
        Ok(Norm { weight: n.weight.to_vec1()?, bias: n.bias.to_vec1()?, eps: n.eps as f32, isa })
    }

    /// Layer norm of one row in place (as candle's kernel: E[x²] − E[x]², in f32), with
    /// 16 partial sums so that it vectorizes.
    #[inline(always)]
    fn row(&self, x: &mut [f32]) {
        let (mut s1, mut s2) = ([0f32; 16], [0f32; 16]);
        let chunks = x.chunks_exact(16);
        let rest = chunks.remainder();
        for c in chunks {
            for i in 0..16 {
                s1[i] += c[i];
                s2[i] += c[i] * c[i];
            }
        }
        let (mut sum, mut sum2) = (s1.iter().sum::<f32>(), s2.iter().sum::<f32>());
        for &v in rest {
            sum += v;
            sum2 += v * v;
        }
        let n = x.len() as f32;
        let mean = sum / n;
        let var = sum2 / n - mean * mean;
        let inv_std = (var + self.eps).sqrt().recip();
        for ((d, a), b) in x.iter_mut().zip(&self.weight).zip(&self.bias) {
            *d = (*d - mean) * inv_std * a + b;
        }
    }

    /// `x = norm(x + y + bias)` on rows of width `h`.
    #[inline(always)]
    fn residual_rows(&self, xs: &mut [f32], ys: &[f32], bias: &[f32], h: usize) {
        for (xr, yr) in xs.chunks_mut(h).zip(ys.chunks(h)) {
            for ((xv, yv), b) in xr.iter_mut().zip(yr).zip(bias) {
                *xv += yv + b;
            }
            self.row(xr);
        }
    }

    /// [`Norm::residual_rows`] compiled for the norm's kernel path.
    fn residual(&self, xs: &mut [f32], ys: &[f32], bias: &[f32], h: usize) {
        match self.isa.path() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Isa` of this path exists only where the CPU has its features (isa.rs).
            KernelPath::Avx512 => unsafe { self.residual_avx512(xs, ys, bias, h) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            KernelPath::Avx2 | KernelPath::AvxVnni => unsafe { self.residual_avx2(xs, ys, bias, h) },
            _ => self.residual_rows(xs, ys, bias, h),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
    fn residual_avx512(&self, xs: &mut [f32], ys: &[f32], bias: &[f32], h: usize) {
        self.residual_rows(xs, ys, bias, h)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn residual_avx2(&self, xs: &mut [f32], ys: &[f32], bias: &[f32], h: usize) {
        self.residual_rows(xs, ys, bias, h)
    }
}

pub(super) struct FastLayer {
    qkv: Linear,
    attn_out: Linear,
    attn_norm: Norm,
    intermediate: Linear,
    output: Linear,
    out_norm: Norm,
}

impl FastLayer {
    fn new(l: &Layer, format: WeightFormat, isa: Isa) -> Result<Self> {
        let b8 = format.i8_block;
        let w = Tensor::cat(&[l.query.weight_t.t()?, l.key.weight_t.t()?, l.value.weight_t.t()?], 0)?;
        let b = Tensor::cat(&[&l.query.bias, &l.key.bias, &l.value.bias], 0)?;
        Ok(FastLayer {
            qkv: Linear::new(&w, &b, format.qkv, b8, isa)?,
            attn_out: Linear::from_dense(&l.attn_out, format.out, b8, isa)?,
            attn_norm: Norm::new(&l.attn_norm, isa)?,
            intermediate: Linear::from_dense(&l.intermediate, format.inter, b8, isa)?,
            output: Linear::from_dense(&l.output, format.down, b8, isa)?,
            out_norm: Norm::new(&l.out_norm, isa)?,
        })
    }
}

/// The syntax branch layer and heads on the inference kernels (see `syntax::SyntaxHeads`).
struct FastSyntax {
    /// Encoder layers shared with NER before the branch.
    shared: usize,
    layer: FastLayer,
    /// UPOS, arc-dependent, arc-head, relation-dependent and relation-head projections in one matmul.
    proj: Linear,
    /// `dep·U` of the arc form.
    arc_u: Linear,
    arc_head_bias: Vec<f32>,
    /// `dep·U_l` of every relation form, side by side.
    rel_forms: Linear,
    rel_lin_dep: Vec<f32>,
    rel_lin_head: Vec<f32>,
    rel_bias: Vec<f32>,
    nu: usize,
    arc: usize,
    rel: usize,
    labels: usize,
    isa: Isa,
}

impl FastSyntax {
    fn new(heads: &SyntaxHeads, format: WeightFormat, isa: Isa) -> Result<Self> {
        let b8 = format.i8_block;
        let w = heads.export()?;
        let c = &heads.config;
        let bias = |n: usize| Tensor::zeros(n, DType::F32, &Device::Cpu);
        Ok(FastSyntax {
            shared: c.shared_layers,
            layer: FastLayer::new(&heads.layer, format, isa)?,
            proj: Linear::new(&w.proj, &Tensor::from_vec(w.proj_bias, w.proj.dim(0)?, &Device::Cpu)?, format.inter, b8, isa)?,
            arc_u: Linear::new(&w.arc_ut, &bias(c.arc_dim)?, format.inter, b8, isa)?,
            arc_head_bias: w.arc_head_bias,
            rel_forms: Linear::new(&w.rel_forms, &bias(c.rel_dim * c.deprels.len())?, format.inter, b8, isa)?,
            rel_lin_dep: w.rel_lin_dep,
            rel_lin_head: w.rel_lin_head,
            rel_bias: w.rel_bias,
            nu: c.upos.len(),
            arc: c.arc_dim,
            rel: c.rel_dim,
            labels: c.deprels.len(),
            isa,
        })
    }

    /// Heads over packed word rows `[W, hidden]`; `first[s]` is sequence `s`'s root row.
    fn decode(&self, rows: Vec<f32>, first: &[usize], starts: &[Vec<usize>]) -> Result<Vec<WindowSyntax>> {
        let (nu, a, r) = (self.nu, self.arc, self.rel);
        let width = nu + 2 * a + 2 * r;
        let h = rows.len() / (first.len() + starts.iter().map(Vec::len).sum::<usize>()).max(1);
        // Each sequence's word rows (the root's left out), kept for the scene model.
        let word_rows: Vec<WordRows> = first
            .iter()
            .zip(starts)
            .map(|(&f, st)| {
                let mut w = WordRows::with_capacity(h, st.len());
                rows[(f + 1) * h..(f + 1 + st.len()) * h].chunks(h).for_each(|r| w.push(r));
                w
            })
            .collect();
        // Projections with bias, in place; GELU on all but the UPOS logits.
        let mut y = self.proj.forward(rows)?;
        y.par_chunks_mut(width * ROWS).for_each(|rows| {
            for row in rows.chunks_mut(width) {
                for (v, b) in row[..nu].iter_mut().zip(&self.proj.bias) {
                    *v += b;
                }
                gelu_row(self.isa, &mut row[nu..], &self.proj.bias[nu..]);
            }
        });
        let cols = |from: usize, n: usize| -> Vec<f32> { y.chunks(width).flat_map(|row| row[from..from + n].iter().copied()).collect() };
        let dep_u = self.arc_u.forward(cols(nu, a))?;
        let head = cols(nu + a, a);
        first
            .par_iter()
            .zip(starts)
            .zip(word_rows)
            .map(|((&f, st), rows)| {
                let k = st.len() + 1;
                let mut raw = vec![0f32; k * k];
                let head_bias: Vec<f32> = (0..k).map(|hn| dot(&head[(f + hn) * a..(f + hn + 1) * a], &self.arc_head_bias)).collect();
                for d in 1..k {
                    let du = &dep_u[(f + d) * a..(f + d + 1) * a];
                    for hn in 0..k {
                        raw[d * k + hn] = dot(du, &head[(f + hn) * a..(f + hn + 1) * a]) + head_bias[hn];
                    }
                }
                let heads = triplex_core::best_tree(&raw, k);
                let upos = (1..k).map(|j| triplex_core::argmax(&y[(f + j) * width..(f + j) * width + nu]) as u16).collect();
                let row = |j: usize, from: usize| &y[(f + j) * width + from..(f + j) * width + from + r];
                // The relation bilinear forms of this sequence's words only: small enough to
                // stay in cache, where all words' at once ([W, labels × rel]) went through memory.
                let rdep: Vec<f32> = (1..k).flat_map(|d| row(d, nu + 2 * a).iter().copied()).collect();
                let forms = self.rel_forms.forward(rdep)?;
                let rels = heads
                    .iter()
                    .enumerate()
                    .map(|(i, &hn)| self.relation(row(i + 1, nu + 2 * a), row(hn, nu + 2 * a + r), &forms[i * self.labels * r..(i + 1) * self.labels * r]) as u16)
                    .collect();
                Ok(WindowSyntax { n: k - 1, upos, heads, rels, rows })
            })
            .collect()
    }

    /// The best relation label of dependent `rd` under head `rh`: bias + dep·W_dep +
    /// head·W_head, accumulated label-wise, plus the bilinear term from the dependent's `forms`.
    fn relation(&self, rd: &[f32], rh: &[f32], forms: &[f32]) -> usize {
        let (r, nl) = (self.rel, self.labels);
        let mut score = self.rel_bias.clone();
        for i in 0..r {
            let (wd, wh) = (&self.rel_lin_dep[i * nl..(i + 1) * nl], &self.rel_lin_head[i * nl..(i + 1) * nl]);
            for l in 0..nl {
                score[l] += rd[i] * wd[l] + rh[i] * wh[l];
            }
        }
        for (l, s) in score.iter_mut().enumerate() {
            *s += dot(&forms[l * r..(l + 1) * r], rh);
        }
        triplex_core::argmax(&score)
    }
}

/// Dot product with 16 partial sums, so that it vectorizes.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

pub struct FastBert {
    embeddings: Embeddings,
    layers: Vec<FastLayer>,
    /// The syntax branch and heads.
    syntax: Option<FastSyntax>,
    embed_norm: Norm,
    classifier: Linear,
    isa: Isa,
}

/// The embedding tables, copied out of the model. The word table (30k rows, the largest tensor of
/// a small encoder) stays f16 when the model file stored it so: every value converts back to the
/// same f32, so the output is the same bits at half the memory.
struct Embeddings {
    word: WordTable,
    hidden: usize,
    position: Vec<f32>,
    token_type: Vec<f32>,
}

enum WordTable {
    F16(Vec<half::f16>),
    F32(Vec<f32>),
}

impl Embeddings {
    fn new(m: &BertTagger) -> Result<Self> {
        let word = with_f32(&m.word_embeddings.contiguous()?, |w| {
            let halves: Vec<half::f16> = w.iter().map(|&v| half::f16::from_f32(v)).collect();
            if halves.iter().zip(w).all(|(h, &v)| h.to_f32().to_bits() == v.to_bits()) { WordTable::F16(halves) } else { WordTable::F32(w.to_vec()) }
        })?;
        Ok(Embeddings {
            word,
            hidden: m.config.hidden_size,
            position: m.position_embeddings.flatten_all()?.to_vec1()?,
            token_type: m.token_type_embeddings.flatten_all()?.to_vec1()?,
        })
    }

    /// Row `id` of the word table, as f32, into `out`.
    fn word_row(&self, id: usize, out: &mut [f32]) {
        let h = self.hidden;
        match &self.word {
            // F16C where the CPU has it (half detects it at run time), exact either way.
            WordTable::F16(t) => half::slice::HalfFloatSliceExt::convert_to_f32_slice(&t[id * h..(id + 1) * h], out),
            WordTable::F32(t) => out.copy_from_slice(&t[id * h..(id + 1) * h]),
        }
    }
}

/// Packed rows `[pieces, hidden]` and each sequence's `(first row, length)`.
type Packed = (Vec<f32>, Vec<(usize, usize)>);

/// Rows per parallel task in the element-wise passes.
const ROWS: usize = 16;

impl FastBert {
    pub fn build(m: &BertTagger, format: WeightFormat, isa: Isa) -> Result<Self> {
        Self::build_from(m, m.layers.iter().map(Ok), format, isa)
    }

    /// As [`FastBert::build`], with the encoder layers from `layers` (each dropped once copied).
    pub fn build_from<L: std::borrow::Borrow<Layer>>(m: &BertTagger, layers: impl Iterator<Item = Result<L>>, format: WeightFormat, isa: Isa) -> Result<Self> {
        let layers = layers.map(|l| FastLayer::new(l?.borrow(), format, isa)).collect::<Result<Vec<_>>>()?;
        let syntax = match &m.syntax {
            Some(heads) => Some(FastSyntax::new(heads, format, isa)?),
            None => None,
        };
        // The classifier is tiny (labels × hidden): kept in f32 whatever the format, in a fixed order.
        Ok(FastBert { embeddings: Embeddings::new(m)?, layers, syntax, embed_norm: Norm::new(&m.embed_norm, isa)?, classifier: Linear::ordered(&m.classifier, isa)?, isa })
    }

    /// Whether the word table is kept in f16 (the model file stored it so).
    #[cfg(test)]
    pub(crate) fn word_table_is_f16(&self) -> bool {
        matches!(self.embeddings.word, WordTable::F16(_))
    }

    /// Logits `[total pieces, labels]`, sequence after sequence.
    pub fn logits(&self, m: &BertTagger, batch: &[PieceSeq]) -> Result<Vec<f32>> {
        Ok(self.analyse(m, batch, None)?.0)
    }

    /// Entity logits `[total pieces, labels]` and, when `word_starts` is given and the model has
    /// syntax heads, each sequence's syntax scores, from one pass through the shared layers.
    pub fn analyse(&self, m: &BertTagger, batch: &[PieceSeq], word_starts: Option<&[Vec<usize>]>) -> Result<(Vec<f32>, Option<Vec<WindowSyntax>>)> {
        let (mut x, spans) = self.embed(m, batch)?;
        let mut syntax = None;
        for i in 0..=self.layers.len() {
            if let (Some(starts), Some(syn)) = (word_starts, &self.syntax)
                && i == syn.shared
            {
                syntax = Some(self.syntax_scores(m, syn, &x, &spans, starts)?);
            }
            if let Some(layer) = self.layers.get(i) {
                self.step(m, layer, &mut x, &spans)?;
            }
        }
        let nl = self.classifier.bias.len();
        let logits = self.classifier.apply(x, |y| {
            let mut out = y.to_vec();
            out.par_chunks_mut(nl * ROWS).for_each(|rows| {
                for r in rows.chunks_mut(nl) {
                    for (v, b) in r.iter_mut().zip(&self.classifier.bias) {
                        *v += b;
                    }
                }
            });
            out
        })?;
        Ok((logits, syntax))
    }

    /// Hidden states `[total pieces, hidden]` after the first `layers` encoder layers.
    pub fn hidden(&self, m: &BertTagger, batch: &[PieceSeq], layers: usize) -> Result<Vec<f32>> {
        let (mut x, spans) = self.embed(m, batch)?;
        for layer in self.layers.iter().take(layers) {
            self.step(m, layer, &mut x, &spans)?;
        }
        Ok(x)
    }

    /// The syntax branch layer on a copy of the shared hidden states, then the heads on the word
    /// rows ([CLS] as the root, then each word's first piece), decoded per sequence in parallel.
    fn syntax_scores(&self, m: &BertTagger, syn: &FastSyntax, x: &[f32], spans: &[(usize, usize)], starts: &[Vec<usize>]) -> Result<Vec<WindowSyntax>> {
        let mut x = x.to_vec();
        self.step(m, &syn.layer, &mut x, spans)?;
        let h = m.config.hidden_size;
        // Word rows, packed: sequence s holds rows first[s]..first[s] + starts[s].len() + 1.
        let mut first = Vec::with_capacity(spans.len());
        let mut rows = Vec::with_capacity(starts.iter().map(|s| s.len() + 1).sum::<usize>() * h);
        for (&(at, len), st) in spans.iter().zip(starts) {
            first.push(rows.len() / h);
            rows.extend_from_slice(&x[at * h..(at + 1) * h]);
            for &p in st {
                if p >= len {
                    bail!("word start {p} is outside a sequence of {len} pieces");
                }
                rows.extend_from_slice(&x[(at + p) * h..(at + p + 1) * h]);
            }
        }
        syn.decode(rows, &first, starts)
    }

    /// One encoder layer over the packed rows, in place.
    fn step(&self, m: &BertTagger, layer: &FastLayer, x: &mut [f32], spans: &[(usize, usize)]) -> Result<()> {
        let h = m.config.hidden_size;
        let heads = m.config.num_attention_heads;
        let scale = 1.0 / ((h / heads) as f32).sqrt();
        // Q, K and V in one matmul; bias added, Q scaled, in the same pass as attention.
        let ctx = layer.qkv.apply(x.to_vec(), |qkv| attention(self.isa, qkv, &layer.qkv.bias, spans, h, heads, scale))?;
        // x = norm(ctx·Wᵀ + b + x)
        layer.attn_out.apply(ctx, |a| residual_norm(x, a, &layer.attn_out.bias, &layer.attn_norm, h))?;
        let mut inter = layer.intermediate.forward(x.to_vec())?;
        bias_gelu(self.isa, &mut inter, &layer.intermediate.bias);
        layer.output.apply(inter, |o| residual_norm(x, o, &layer.output.bias, &layer.out_norm, h))?;
        Ok(())
    }

    /// Embeddings (word + position + type, then layer norm), one row per piece; and each
    /// sequence's `(first row, length)`.
    fn embed(&self, m: &BertTagger, batch: &[PieceSeq]) -> Result<Packed> {
        let h = m.config.hidden_size;
        let mut spans = Vec::with_capacity(batch.len());
        let mut n = 0;
        for s in batch {
            if s.ids.len() > m.config.max_position_embeddings {
                bail!("sequence of {} pieces is longer than the model's {}", s.ids.len(), m.config.max_position_embeddings);
            }
            spans.push((n, s.ids.len()));
            n += s.ids.len();
        }
        if batch.iter().any(|s| s.ids.iter().any(|&i| i as usize >= m.config.vocab_size) || s.types.iter().any(|&t| t as usize >= m.config.type_vocab_size)) {
            bail!("piece or type id out of the model's range");
        }
        // Embeddings: word + position + type, then layer norm, one row per piece.
        let mut x = vec![0f32; n * h];
        let (pe, te) = (&self.embeddings.position, &self.embeddings.token_type);
        let mut word = vec![0f32; h];
        let mut row = 0;
        for s in batch {
            for (p, (&id, &ty)) in s.ids.iter().zip(&s.types).enumerate() {
                let (id, ty) = (id as usize, ty as usize);
                self.embeddings.word_row(id, &mut word);
                let out = &mut x[row * h..(row + 1) * h];
                let (pp, t) = (&pe[p * h..(p + 1) * h], &te[ty * h..(ty + 1) * h]);
                for i in 0..h {
                    out[i] = word[i] + pp[i] + t[i];
                }
                row += 1;
            }
        }
        let zeros = vec![0f32; h * ROWS];
        x.par_chunks_mut(h * ROWS).for_each(|rows| self.embed_norm.residual(rows, &zeros[..rows.len()], &zeros[..h], h));
        Ok((x, spans))
    }
}

/// `x = norm(y + bias + x)`, row by row.
fn residual_norm(x: &mut [f32], y: &[f32], bias: &[f32], norm: &Norm, h: usize) {
    x.par_chunks_mut(h * ROWS).zip(y.par_chunks(h * ROWS)).for_each(|(xs, ys)| norm.residual(xs, ys, bias, h));
}

/// `gelu(y + bias)` with the exact (erf) GELU.
/// `x = gelu(x + bias)` row by row, in place.
fn bias_gelu(isa: Isa, x: &mut [f32], bias: &[f32]) {
    let n = bias.len();
    x.par_chunks_mut(n * ROWS).for_each(|rows| {
        for row in rows.chunks_mut(n) {
            gelu_row(isa, row, bias);
        }
    });
}

fn gelu_row(isa: Isa, x: &mut [f32], bias: &[f32]) {
    match isa.path() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: an `Isa` of this path exists only where the CPU has its features (isa.rs).
        KernelPath::Avx512 => unsafe { gelu_row_avx512(x, bias) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        KernelPath::Avx2 | KernelPath::AvxVnni => unsafe { gelu_row_avx2(x, bias) },
        _ => gelu_row_generic(x, bias),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn gelu_row_avx512(x: &mut [f32], bias: &[f32]) {
    gelu_row_generic(x, bias)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gelu_row_avx2(x: &mut [f32], bias: &[f32]) {
    gelu_row_generic(x, bias)
}

#[inline(always)]
fn gelu_row_generic(x: &mut [f32], bias: &[f32]) {
    for (o, &b) in x.iter_mut().zip(bias) {
        let v = *o + b;
        *o = (erf(v * std::f32::consts::FRAC_1_SQRT_2) + 1.0) * 0.5 * v;
    }
}

/// erf for f32 as a rational function (Eigen's `generic_fast_erf_float`): within a few ulp of
/// libm's `erff`, and vectorizable (no branches, no calls).
#[inline(always)]
#[allow(clippy::excessive_precision)]
pub(super) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08;
    p = x2 * p + -2.10102402082508e-06;
    p = x2 * p + -5.69250639462346e-05;
    p = x2 * p + -7.34990630326855e-04;
    p = x2 * p + -2.95459980854025e-03;
    p = x2 * p + -1.60960333262415e-02;
    p *= x;
    let mut q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04;
    q = x2 * q + -1.68282697438203e-03;
    q = x2 * q + -7.37332916720468e-03;
    q = x2 * q + -1.42647390514189e-02;
    p / q
}

/// Self-attention of each sequence on its own rows of the packed `[n, 3h]` Q|K|V matrix
/// (bias not yet added); returns the `[n, h]` context.
fn attention(isa: Isa, qkv: &[f32], bias: &[f32], spans: &[(usize, usize)], h: usize, heads: usize, scale: f32) -> Vec<f32> {
    let n: usize = spans.iter().map(|s| s.1).sum();
    let mut ctx = vec![0f32; n * h];
    // Split the output by sequence so each task owns its rows.
    let mut parts: Vec<(&mut [f32], (usize, usize))> = Vec::with_capacity(spans.len());
    let mut rest: &mut [f32] = &mut ctx;
    for &(start, len) in spans {
        let (a, b) = rest.split_at_mut(len * h);
        parts.push((a, (start, len)));
        rest = b;
    }
    parts.into_par_iter().for_each(|(out, (start, t))| {
        let rows = &qkv[start * 3 * h..(start + t) * 3 * h];
        match isa.path() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Isa` of this path exists only where the CPU has its features (isa.rs).
            KernelPath::Avx512 => unsafe { attend_avx512(rows, bias, out, t, h, heads, scale) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            KernelPath::Avx2 | KernelPath::AvxVnni => unsafe { attend_avx2(rows, bias, out, t, h, heads, scale) },
            _ => attend(rows, bias, out, t, h, heads, scale),
        }
    });
    ctx
}

/// Queries attended together: their score, sum and context chains are independent, so the CPU
/// overlaps them; each query's own operations keep their order (the same bits as one at a time).
const QB: usize = 4;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2,fma")]
fn attend_avx512(rows: &[f32], bias: &[f32], out: &mut [f32], t: usize, h: usize, heads: usize, scale: f32) {
    use std::arch::x86_64::*;
    let dh = h / heads;
    if !dh.is_multiple_of(16) || dh > 64 {
        return attend(rows, bias, out, t, h, heads, scale);
    }
    let nv = dh / 16;
    let tp = t.div_ceil(16) * 16;
    let (q, kt, v) = split_heads(rows, bias, t, h, heads, scale, tp);
    let mut p = vec![0f32; QB * tp];
    for hd in 0..heads {
        let kth = &kt[hd * dh * tp..(hd + 1) * dh * tp];
        let vh = &v[hd * t * dh..(hd + 1) * t * dh];
        for i0 in (0..t).step_by(QB) {
            let nq = (t - i0).min(QB);
            // The block's queries, zero rows past the sequence's end.
            let mut qb = [0f32; QB * 64];
            qb[..nq * dh].copy_from_slice(&q[(hd * t + i0) * dh..(hd * t + i0 + nq) * dh]);
            // SAFETY: every load and store is within `kth` (dh rows of tp), `p` (QB rows of tp),
            // `vh` (t rows of dh = 16·nv), `qb` and `out` (rows i0.. i0 + nq, head hd's dh columns).
            unsafe {
                for jb in (0..tp).step_by(16) {
                    let mut acc = [_mm512_setzero_ps(); QB];
                    for d in 0..dh {
                        let k = _mm512_loadu_ps(kth.as_ptr().add(d * tp + jb));
                        for (qq, a) in acc.iter_mut().enumerate() {
                            *a = _mm512_fmadd_ps(_mm512_set1_ps(qb[qq * dh + d]), k, *a);
                        }
                    }
                    for (qq, a) in acc.iter().enumerate() {
                        _mm512_storeu_ps(p.as_mut_ptr().add(qq * tp + jb), *a);
                    }
                }
                let inv = softmax_block(&mut p, tp, t, nq);
                let mut acc = [[_mm512_setzero_ps(); 4]; QB];
                for j in 0..t {
                    let vj: [__m512; 4] = std::array::from_fn(|u| if u < nv { _mm512_loadu_ps(vh.as_ptr().add(j * dh + u * 16)) } else { _mm512_setzero_ps() });
                    for (qq, a) in acc.iter_mut().enumerate() {
                        let w = _mm512_set1_ps(p[qq * tp + j] * inv[qq]);
                        for (u, a) in a.iter_mut().enumerate().take(nv) {
                            *a = _mm512_fmadd_ps(w, vj[u], *a);
                        }
                    }
                }
                for (qq, a) in acc.iter().enumerate().take(nq) {
                    for (u, a) in a.iter().enumerate().take(nv) {
                        _mm512_storeu_ps(out.as_mut_ptr().add((i0 + qq) * h + hd * dh + u * 16), *a);
                    }
                }
            }
        }
    }
}

/// The largest of `x` (none NaN), 16 lanes at a time: the same value as a fold in order.
#[inline(always)]
fn max_of(x: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 16];
    let mut chunks = x.chunks_exact(16);
    for c in chunks.by_ref() {
        for (m, &v) in lanes.iter_mut().zip(c) {
            *m = if v > *m { v } else { *m };
        }
    }
    chunks.remainder().iter().chain(&lanes).fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

/// Softmax of the first `nq` of the `QB` score rows of `p` (each `tp` apart, `t` scores) in place
/// but for the division: each row becomes `exp(score − max)`, and the row's `1 / sum` is returned
/// (0 for rows past `nq`, whose weights are then 0). Each row's sum runs over its scores in order.
#[inline(always)]
fn softmax_block(p: &mut [f32], tp: usize, t: usize, nq: usize) -> [f32; QB] {
    for row in p.chunks_mut(tp).take(nq) {
        let pt = &mut row[..t];
        let max = max_of(pt);
        for pj in pt.iter_mut() {
            *pj = exp_neg(*pj - max);
        }
    }
    for row in p.chunks_mut(tp).skip(nq) {
        row.fill(0.0);
    }
    // The QB sums side by side, so that their dependency chains overlap.
    let mut sum = [0f32; QB];
    for j in 0..t {
        for (qq, s) in sum.iter_mut().enumerate() {
            *s += p[qq * tp + j];
        }
    }
    std::array::from_fn(|qq| if qq < nq { 1.0 / sum[qq] } else { 0.0 })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn attend_avx2(rows: &[f32], bias: &[f32], out: &mut [f32], t: usize, h: usize, heads: usize, scale: f32) {
    attend(rows, bias, out, t, h, heads, scale)
}

/// One sequence's `[t, 3h]` Q|K|V rows (plus bias) per head: Q scaled `[t][dh]`, K transposed
/// `[dh][tp]` (zero-padded to `tp` keys), V `[t][dh]`.
#[inline(always)]
fn split_heads(rows: &[f32], bias: &[f32], t: usize, h: usize, heads: usize, scale: f32, tp: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let dh = h / heads;
    let mut q = vec![0f32; heads * t * dh];
    let mut kt = vec![0f32; heads * dh * tp];
    let mut v = vec![0f32; heads * t * dh];
    for i in 0..t {
        let r = &rows[i * 3 * h..(i + 1) * 3 * h];
        for hd in 0..heads {
            let at = (hd * t + i) * dh;
            let c = hd * dh;
            for ((o, &x), &b) in q[at..at + dh].iter_mut().zip(&r[c..c + dh]).zip(&bias[c..c + dh]) {
                *o = (x + b) * scale;
            }
            for ((o, &x), &b) in v[at..at + dh].iter_mut().zip(&r[2 * h + c..2 * h + c + dh]).zip(&bias[2 * h + c..2 * h + c + dh]) {
                *o = x + b;
            }
        }
    }
    // K transposed in blocks of 16 keys: each kt row gets 16 neighbours at a time.
    for i0 in (0..t).step_by(16) {
        let keys = i0..(i0 + 16).min(t);
        for e in 0..h {
            let row = &mut kt[e * tp..(e + 1) * tp];
            for i in keys.clone() {
                row[i] = rows[i * 3 * h + h + e] + bias[h + e];
            }
        }
    }
    (q, kt, v)
}

/// Attention of one sequence: `rows` its `[t, 3h]` Q|K|V, `out` its `[t, h]` context.
/// Scores are computed 16 keys at a time from K transposed (no horizontal sums), for `QB`
/// queries at a time.
#[inline(always)]
fn attend(rows: &[f32], bias: &[f32], out: &mut [f32], t: usize, h: usize, heads: usize, scale: f32) {
    const L: usize = 16;
    let dh = h / heads;
    let tp = t.div_ceil(L) * L;
    let (q, kt, v) = split_heads(rows, bias, t, h, heads, scale, tp);
    let mut p = vec![0f32; QB * tp];
    let mut qb = vec![0f32; QB * dh];
    let mut acc = vec![0f32; QB * dh];
    for hd in 0..heads {
        let kth = &kt[hd * dh * tp..(hd + 1) * dh * tp];
        let vh = &v[hd * t * dh..(hd + 1) * t * dh];
        for i0 in (0..t).step_by(QB) {
            let nq = (t - i0).min(QB);
            qb.fill(0.0);
            qb[..nq * dh].copy_from_slice(&q[(hd * t + i0) * dh..(hd * t + i0 + nq) * dh]);
            for jb in (0..tp).step_by(L) {
                let mut s = [[0f32; L]; QB];
                for d in 0..dh {
                    let kr = &kth[d * tp + jb..d * tp + jb + L];
                    for (qq, s) in s.iter_mut().enumerate() {
                        let qd = qb[qq * dh + d];
                        for l in 0..L {
                            s[l] = qd.mul_add(kr[l], s[l]);
                        }
                    }
                }
                for (qq, s) in s.iter().enumerate() {
                    p[qq * tp + jb..qq * tp + jb + L].copy_from_slice(s);
                }
            }
            let inv = softmax_block(&mut p, tp, t, nq);
            acc.fill(0.0);
            for (j, vj) in vh.chunks_exact(dh).enumerate() {
                for (qq, acc) in acc.chunks_exact_mut(dh).enumerate() {
                    let w = p[qq * tp + j] * inv[qq];
                    for (a, &vv) in acc.iter_mut().zip(vj) {
                        *a = w.mul_add(vv, *a);
                    }
                }
            }
            for (qq, acc) in acc.chunks_exact(dh).enumerate().take(nq) {
                out[(i0 + qq) * h + hd * dh..(i0 + qq) * h + (hd + 1) * dh].copy_from_slice(acc);
            }
        }
    }
}

/// `exp(x)` for `x <= 0` (Cephes' polynomial, about 1 ulp; vectorizes: no branches, no calls).
#[inline(always)]
#[allow(clippy::excessive_precision)]
pub(super) fn exp_neg(x: f32) -> f32 {
    let x = x.max(-87.0);
    // n = round(x / ln 2) with the 1.5 · 2^23 trick, then x − n·ln 2 in two parts.
    let n = (x * std::f32::consts::LOG2_E + 12582912.0) - 12582912.0;
    let r = x - n * 0.693359375 + n * 2.12194440e-4;
    let mut p = 1.9875691500e-4f32;
    p = p * r + 1.3981999507e-3;
    p = p * r + 8.3334519073e-3;
    p = p * r + 4.1665795894e-2;
    p = p * r + 1.6666665459e-1;
    p = p * r + 5.0000001201e-1;
    let e = p * r * r + r + 1.0;
    e * f32::from_bits(((n as i32 + 127) << 23) as u32)
}

/// Log-softmax of each `labels`-wide row in place, as `candle_nn::ops::log_softmax` does it.
pub fn log_softmax_rows(x: &mut [f32], labels: usize) {
    for r in x.chunks_mut(labels) {
        let max = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = r.iter().map(|v| (v - max).exp()).sum();
        let ls = sum.ln();
        for v in r.iter_mut() {
            *v = (*v - max) - ls;
        }
    }
}

pub(super) mod i8mm;
pub(crate) mod isa;

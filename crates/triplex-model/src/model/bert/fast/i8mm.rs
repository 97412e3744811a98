//! An int8 matmul: weights quantized once per output channel, activations per row (or per
//! block of a row) on each call, symmetric with 127 steps; products summed exactly in i32, then
//! scaled in f32. The kernels give the same bits: a scalar reference, AVX2 (`vpmaddwd` on
//! sign-extended i16 pairs: |a·w + a·w| ≤ 2·127² cannot overflow), AVX-VNNI and AVX-512 VNNI
//! (256- and 512-bit `vpdpbusd`, activations offset by +128 to be unsigned, the offset taken back
//! through column sums) and NEON `sdot`. The i32 sums are exact in all, and the f32 steps after them (block 0: `sum · sx`, later
//! blocks: `fma(sum, sx, acc)`, then `· scale`) are the same operations in the same order.

use super::isa::{Int8, Int8Kernel};
use rayon::prelude::*;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Columns per weight panel of the VNNI kernel: two vectors of 16 i32.
#[cfg(target_arch = "x86_64")]
const NR: usize = 32;
/// Columns per weight panel of the AVX2 and AVX-VNNI kernels: two vectors of 8 i32.
#[cfg(target_arch = "x86_64")]
const NR2: usize = 16;
/// Columns per weight panel of the NEON kernel: four vectors of 4 i32.
#[cfg(target_arch = "aarch64")]
const NRN: usize = 16;
/// Rows per micro-tile: 2 × MR integer accumulators stay in registers.
const MR: usize = 6;
/// Rows per parallel task.
const TASK_ROWS: usize = MR * 4;

/// Quantized weights in the layout of one kernel.
enum Weights {
    /// `[n][kp]` signed weights widened to i16, row-major (the scalar kernel: i16 × i16 → i32
    /// is the pattern compilers turn into `pmaddwd` and the like).
    Rows(Vec<i16>),
    /// `[panel][kp / 2][NR2][2]` signed weights widened to i16 (the AVX2 kernel).
    #[cfg(target_arch = "x86_64")]
    Pairs(Vec<i16>),
    /// `[panel][kp / 4][NR][4]` signed weights, and `[panel][block][NR]` 128 × the sum of each
    /// column's weights in the block (the AVX-512 VNNI kernel).
    #[cfg(target_arch = "x86_64")]
    Quads { w: Vec<i8>, corr: Vec<i32> },
    /// The same with panels of `NR2` columns (the AVX-VNNI kernel).
    #[cfg(target_arch = "x86_64")]
    Quads256 { w: Vec<i8>, corr: Vec<i32> },
    /// `[panel][kp / 4][NRN][4]` signed weights (the NEON `sdot` kernel).
    #[cfg(target_arch = "aarch64")]
    Dot(Vec<i8>),
}

pub struct PackedI8 {
    n: usize,
    k: usize,
    /// `k` rounded up to a multiple of the block.
    kp: usize,
    /// Activations get one scale per `kb` values of a row.
    kb: usize,
    /// Per output column (padded to whole panels): its scale.
    scale: Vec<f32>,
    weights: Weights,
}

impl PackedI8 {
    /// From row-major `[n, k]` weights; activations get one scale per `block` values of a row
    /// (a multiple of 4; 0: one per row). `kernel` proves the CPU runs the kernel it names.
    pub fn new(kernel: Int8, w: &[f32], n: usize, k: usize, block: usize) -> Self {
        let kb = if block == 0 || block >= k { k.div_ceil(4) * 4 } else { block };
        let kp = k.div_ceil(kb) * kb;
        let nr = match kernel.kernel() {
            Int8Kernel::Scalar => 1,
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx2 | Int8Kernel::AvxVnni => NR2,
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx512Vnni => NR,
            #[cfg(target_arch = "aarch64")]
            Int8Kernel::NeonDot => NRN,
        };
        let cols = n.div_ceil(nr) * nr;
        let mut scale = vec![0f32; cols];
        // Per channel: the scale, and the quantized row padded with zeros to `kp`.
        let mut q = vec![0i8; cols * kp];
        for c in 0..n {
            let row = &w[c * k..(c + 1) * k];
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let s = if max > 0.0 { max / 127.0 } else { 1.0 };
            scale[c] = s;
            for (d, &v) in q[c * kp..c * kp + k].iter_mut().zip(row) {
                *d = (v / s).round().clamp(-127.0, 127.0) as i8;
            }
        }
        let weights = match kernel.kernel() {
            Int8Kernel::Scalar => Weights::Rows(q.iter().map(|&v| v as i16).collect()),
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx2 => {
                let mut p = vec![0i16; cols * kp];
                for (c, row) in q.chunks(kp).enumerate() {
                    let (panel, j) = (c / NR2, c % NR2);
                    for (kk, &v) in row.iter().enumerate() {
                        p[panel * NR2 * kp + (kk / 2) * NR2 * 2 + j * 2 + kk % 2] = v as i16;
                    }
                }
                Weights::Pairs(p)
            }
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::AvxVnni => {
                let (w, corr) = pack_quads(&q, kp, kb, NR2);
                Weights::Quads256 { w, corr }
            }
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx512Vnni => {
                let (w, corr) = pack_quads(&q, kp, kb, NR);
                Weights::Quads { w, corr }
            }
            #[cfg(target_arch = "aarch64")]
            Int8Kernel::NeonDot => {
                let mut p = vec![0i8; cols * kp];
                for (c, row) in q.chunks(kp).enumerate() {
                    let (panel, j) = (c / NRN, c % NRN);
                    for (kk, &v) in row.iter().enumerate() {
                        p[panel * NRN * kp + (kk / 4) * NRN * 4 + j * 4 + kk % 4] = v;
                    }
                }
                Weights::Dot(p)
            }
        };
        PackedI8 { n, k, kp, kb, scale, weights }
    }

    /// `x·Wᵀ` for row-major `x` `[m, k]`: `[m, n]`.
    pub fn matmul(&self, x: &[f32], m: usize) -> Vec<f32> {
        let mut out = vec![0f32; m * self.n];
        match &self.weights {
            Weights::Rows(w) => {
                let (a, sx) = self.quantize(x, m, 0i16, |x, a, s, kb| quantize_row(x, a, s, kb, |q| q as i16));
                self.tiles(&mut out, |row0, rows, ob| scalar_tile(self, &a[row0 * self.kp..(row0 + rows) * self.kp], &sx, row0, w, ob));
            }
            #[cfg(target_arch = "x86_64")]
            Weights::Pairs(w) => {
                // SAFETY: an `Int8` of the AVX2 kernel exists only where the CPU has AVX2 and FMA.
                let (a, sx) = self.quantize(x, m, 0i16, |x, a, s, kb| unsafe { quantize_row_i16_avx2(x, a, s, kb) });
                self.panels(&mut out, NR2, |r, p, cols, o| {
                    // SAFETY: AVX2 and FMA are present (above); `a` and `sx` have rows up to a
                    // multiple of MR, the panel has kp / 2 pairs of NR2 columns, and at most
                    // MR rows (those that exist) and `cols` columns are written through `o`.
                    unsafe {
                        kernel_avx2(
                            a.as_ptr().add(r * self.kp),
                            self.kp,
                            self.kb,
                            w.as_ptr().add(p * NR2 * self.kp),
                            self.scale.as_ptr().add(p * NR2),
                            sx.as_ptr().add(r * (self.kp / self.kb)),
                            o,
                            cols,
                        )
                    }
                });
            }
            #[cfg(target_arch = "x86_64")]
            Weights::Quads { w, corr } => {
                // SAFETY: an `Int8` of the VNNI kernel exists only where the CPU has AVX-512 F/BW/VL/DQ/VNNI.
                let (a, sx) = self.quantize(x, m, 128u8, |x, a, s, kb| unsafe { quantize_row_vnni(x, a, s, kb) });
                let nb = self.kp / self.kb;
                self.panels(&mut out, NR, |r, p, cols, o| {
                    // SAFETY: AVX-512 VNNI is present (above); `a` and `sx` have rows up to a
                    // multiple of MR, the panel has kp / 4 groups and nb blocks, and at most
                    // MR rows (those that exist) and `cols` columns are written through `o`.
                    unsafe {
                        kernel_vnni(
                            a.as_ptr().add(r * self.kp),
                            self.kp,
                            self.kb,
                            w.as_ptr().add(p * NR * self.kp),
                            self.scale.as_ptr().add(p * NR),
                            corr.as_ptr().add(p * nb * NR),
                            sx.as_ptr().add(r * nb),
                            o.ptr,
                            o.ld,
                            o.rows,
                            cols,
                        )
                    }
                });
            }
            #[cfg(target_arch = "x86_64")]
            Weights::Quads256 { w, corr } => {
                // SAFETY: an `Int8` of the AVX-VNNI kernel exists only where the CPU has AVX2, FMA and AVX-VNNI.
                let (a, sx) = self.quantize(x, m, 128u8, |x, a, s, kb| unsafe { quantize_row_u8_avx2(x, a, s, kb) });
                let nb = self.kp / self.kb;
                self.panels(&mut out, NR2, |r, p, cols, o| {
                    // SAFETY: AVX-VNNI is present (above); `a` and `sx` have rows up to a multiple
                    // of MR, the panel has kp / 4 groups and nb blocks, and at most MR rows (those
                    // that exist) and `cols` columns are written through `o`.
                    unsafe {
                        kernel_avx_vnni(
                            a.as_ptr().add(r * self.kp),
                            self.kp,
                            self.kb,
                            w.as_ptr().add(p * NR2 * self.kp),
                            self.scale.as_ptr().add(p * NR2),
                            corr.as_ptr().add(p * nb * NR2),
                            sx.as_ptr().add(r * nb),
                            o,
                            cols,
                        )
                    }
                });
            }
            #[cfg(target_arch = "aarch64")]
            Weights::Dot(w) => {
                let (a, sx) = self.quantize(x, m, 0i8, |x, a, s, kb| quantize_row(x, a, s, kb, |q| q as i8));
                self.panels(&mut out, NRN, |r, p, cols, o| {
                    // SAFETY: an `Int8` of the NEON kernel exists only where the CPU has NEON and
                    // dotprod; `a` and `sx` have rows up to a multiple of MR, the panel has kp / 4
                    // groups of NRN columns, and at most MR rows and `cols` columns are written.
                    unsafe {
                        kernel_neon(
                            a.as_ptr().add(r * self.kp),
                            self.kp,
                            self.kb,
                            w.as_ptr().add(p * NRN * self.kp),
                            self.scale.as_ptr().add(p * NRN),
                            sx.as_ptr().add(r * (self.kp / self.kb)),
                            o,
                            cols,
                        )
                    }
                });
            }
        }
        out
    }

    /// Quantized activations `[m rounded up to MR][kp]` (padding rows and tail zero after the
    /// offset) and their scales `[.][kp / kb]`, rows in parallel.
    fn quantize<T: Copy + Send + Sync>(&self, x: &[f32], m: usize, zero: T, row: impl Fn(&[f32], &mut [T], &mut [f32], usize) + Sync) -> (Vec<T>, Vec<f32>) {
        let (k, kp, kb) = (self.k, self.kp, self.kb);
        let nb = kp / kb;
        let mp = m.div_ceil(MR) * MR;
        let mut a = vec![zero; mp * kp];
        let mut sx = vec![1f32; mp * nb];
        a.par_chunks_mut(kp * TASK_ROWS).zip(sx.par_chunks_mut(nb * TASK_ROWS)).enumerate().for_each(|(b, (ab, sb))| {
            for (r, (ar, s)) in ab.chunks_mut(kp).zip(sb.chunks_mut(nb)).enumerate() {
                let i = b * TASK_ROWS + r;
                if i < m {
                    row(&x[i * k..(i + 1) * k], ar, s, kb);
                }
            }
        });
        (a, sx)
    }

    /// Calls `f(first row, rows, out rows)` on each task's rows of `out`, in parallel.
    fn tiles(&self, out: &mut [f32], f: impl Fn(usize, usize, &mut [f32]) + Sync) {
        let n = self.n;
        out.par_chunks_mut(n * TASK_ROWS).enumerate().for_each(|(b, ob)| f(b * TASK_ROWS, ob.len() / n, ob));
    }

    /// Calls `f(first row, panel, columns, tile)` on each micro-tile of MR rows × one panel of
    /// `nr` columns.
    fn panels(&self, out: &mut [f32], nr: usize, f: impl Fn(usize, usize, usize, Tile) + Sync) {
        let n = self.n;
        self.tiles(out, |row0, rows, ob| {
            for p in 0..n.div_ceil(nr) {
                let cols = (n - p * nr).min(nr);
                for r in (0..rows).step_by(MR) {
                    f(row0 + r, p, cols, Tile { ptr: ob[r * n + p * nr..].as_mut_ptr(), ld: n, rows: (rows - r).min(MR) });
                }
            }
        });
    }
}

/// Where a micro-tile's outputs go: `rows` rows `ld` apart from `ptr`.
struct Tile {
    ptr: *mut f32,
    ld: usize,
    rows: usize,
}

/// The scale of a block whose largest magnitude is `max` (`max / 127`, or 1 for an all-zero
/// block) and its inverse: the one rule every kernel path quantizes activations by.
#[inline(always)]
fn block_scale(max: f32) -> (f32, f32) {
    let sc = if max > 0.0 { max / 127.0 } else { 1.0 };
    (sc, 1.0 / sc)
}

/// A value quantized with inverse scale `inv`: rounded half to even, as `vcvtps2dq` rounds.
#[inline(always)]
fn quantize_value(v: f32, inv: f32) -> i32 {
    (v * inv).round_ties_even() as i32
}

/// Quantizes one row, one scale per `kb` values: `conv(round_ties_even(value / scale))`; `a` is
/// `k` rounded up to a multiple of `kb` long (its tail is left as it is, i.e. zero).
#[inline(always)]
fn quantize_row<T>(x: &[f32], a: &mut [T], scales: &mut [f32], kb: usize, conv: impl Fn(i32) -> T) {
    for ((xb, ab), s) in x.chunks(kb).zip(a.chunks_mut(kb)).zip(scales.iter_mut()) {
        let (sc, inv) = block_scale(xb.iter().fold(0f32, |m, v| m.max(v.abs())));
        for (d, &v) in ab.iter_mut().zip(xb) {
            *d = conv(quantize_value(v, inv));
        }
        *s = sc;
    }
}

/// Quantized weights `q` (`[cols][kp]`) in `[panel][kp / 4][nr][4]` groups for `vpdpbusd`, and
/// `[panel][block][nr]` 128 × each column's weight sum per block (the +128 offset taken back).
#[cfg(target_arch = "x86_64")]
fn pack_quads(q: &[i8], kp: usize, kb: usize, nr: usize) -> (Vec<i8>, Vec<i32>) {
    let (cols, nb) = (q.len() / kp, kp / kb);
    let mut p = vec![0i8; cols * kp];
    let mut corr = vec![0i32; cols * nb];
    for (c, row) in q.chunks(kp).enumerate() {
        let (panel, j) = (c / nr, c % nr);
        for (kk, &v) in row.iter().enumerate() {
            corr[(panel * nb + kk / kb) * nr + j] += 128 * v as i32;
            p[panel * nr * kp + (kk / 4) * nr * 4 + j * 4 + kk % 4] = v;
        }
    }
    (p, corr)
}

/// [`quantize_row`] to u8 (value / scale + 128), 32 values at a time with AVX2 (the AVX-VNNI kernel).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn quantize_row_u8_avx2(x: &[f32], a: &mut [u8], scales: &mut [f32], kb: usize) {
    // SAFETY: the caller holds an `Int8` of an AVX2 kernel; every load reads within `x`, every
    // store writes within `a` (as long as `x`, see `quantize`).
    unsafe {
        let off = _mm256_set1_epi32(128);
        // packs/packus interleave the 128-bit lanes: dwords back in order.
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for ((xb, ab), s) in x.chunks(kb).zip(a.chunks_mut(kb)).zip(scales.iter_mut()) {
            let (sc, inv) = block_scale_avx2(xb);
            let vinv = _mm256_set1_ps(inv);
            let n32 = xb.len() / 32 * 32;
            let q = |i: usize| _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb.as_ptr().add(i)), vinv)), off);
            for i in (0..n32).step_by(32) {
                let b = _mm256_packus_epi16(_mm256_packs_epi32(q(i), q(i + 8)), _mm256_packs_epi32(q(i + 16), q(i + 24)));
                _mm256_storeu_si256(ab.as_mut_ptr().add(i) as *mut __m256i, _mm256_permutevar8x32_epi32(b, order));
            }
            for (d, &v) in ab[n32..].iter_mut().zip(&xb[n32..]) {
                *d = (quantize_value(v, inv) + 128) as u8;
            }
            *s = sc;
        }
    }
}

/// [`quantize_row`] to i16, 16 values at a time with AVX2 (the AVX2 kernel).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn quantize_row_i16_avx2(x: &[f32], a: &mut [i16], scales: &mut [f32], kb: usize) {
    // SAFETY: as `quantize_row_u8_avx2`.
    unsafe {
        for ((xb, ab), s) in x.chunks(kb).zip(a.chunks_mut(kb)).zip(scales.iter_mut()) {
            let (sc, inv) = block_scale_avx2(xb);
            let vinv = _mm256_set1_ps(inv);
            let n16 = xb.len() / 16 * 16;
            let q = |i: usize| _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb.as_ptr().add(i)), vinv));
            for i in (0..n16).step_by(16) {
                // packs interleaves the 128-bit lanes: quadwords 0, 2, 1, 3 back in order.
                let h = _mm256_permute4x64_epi64(_mm256_packs_epi32(q(i), q(i + 8)), 0b11_01_10_00);
                _mm256_storeu_si256(ab.as_mut_ptr().add(i) as *mut __m256i, h);
            }
            for (d, &v) in ab[n16..].iter_mut().zip(&xb[n16..]) {
                *d = quantize_value(v, inv) as i16;
            }
            *s = sc;
        }
    }
}

/// A block's scale (largest magnitude / 127, or 1) and its inverse, as [`quantize_row`] computes
/// them (a maximum is the same in any order).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_scale_avx2(xb: &[f32]) -> (f32, f32) {
    // SAFETY: every load reads within `xb`.
    unsafe {
        let abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
        let n8 = xb.len() / 8 * 8;
        let mut vmax = _mm256_setzero_ps();
        for i in (0..n8).step_by(8) {
            vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(xb.as_ptr().add(i)), abs_mask));
        }
        let mut lanes = [0f32; 8];
        _mm256_storeu_ps(lanes.as_mut_ptr(), vmax);
        block_scale(lanes.iter().chain(&xb[n8..]).fold(0f32, |m, v| m.max(v.abs())))
    }
}

/// The reference: rows `a` (`[rows][kp]`, from row `row0` of the scales `sx`) times every weight
/// row, `out[r][c] = scale[c] · (Σ_b sum_b · sx[r][b])` with block 0 a product and later blocks
/// fused multiply-adds (as the SIMD kernels).
fn scalar_tile(p: &PackedI8, a: &[i16], sx: &[f32], row0: usize, w: &[i16], out: &mut [f32]) {
    let (kp, kb, n) = (p.kp, p.kb, p.n);
    let nb = kp / kb;
    for (c, wc) in w.chunks(kp).take(n).enumerate() {
        for (r, ar) in a.chunks(kp).enumerate() {
            let s = &sx[(row0 + r) * nb..(row0 + r + 1) * nb];
            let mut f = 0f32;
            for (b, (ab, wb)) in ar.chunks(kb).zip(wc.chunks(kb)).enumerate() {
                let sum = dot_i16(ab, wb);
                // fma(sum, s, 0) is the product itself (never −0 here): no fma needed for block 0.
                f = if b == 0 { sum as f32 * s[b] } else { (sum as f32).mul_add(s[b], f) };
            }
            out[r * n + c] = f * p.scale[c];
        }
    }
}

/// `Σ a·w` in i32 (exact: |a|, |w| ≤ 127, at most 2¹⁵ of them).
#[inline(always)]
fn dot_i16(a: &[i16], w: &[i16]) -> i32 {
    a.iter().zip(w).map(|(&x, &y)| x as i32 * y as i32).sum()
}

/// `MR` rows × `NR2` columns of sign-extended i16 activations and weights, pairs summed by `vpmaddwd`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx2(a: *const i16, kp: usize, kb: usize, w: *const i16, scale: *const f32, sx: *const f32, out: Tile, cols: usize) {
    // SAFETY: the caller holds an `Int8` of the AVX2 kernel and passes pointers to buffers holding
    // MR rows of `kp` activations and `nb` scales, a panel of `kp / 2` pairs, and `out.rows × cols` outputs.
    unsafe {
        let nb = kp / kb;
        let mut facc = [[_mm256_setzero_ps(); 2]; MR];
        for b in 0..nb {
            let mut acc = [[_mm256_setzero_si256(); 2]; MR];
            for g in b * kb / 2..(b + 1) * kb / 2 {
                let w0 = _mm256_loadu_si256(w.add(g * NR2 * 2) as *const __m256i);
                let w1 = _mm256_loadu_si256(w.add(g * NR2 * 2 + 16) as *const __m256i);
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_set1_epi32((a.add(r * kp + g * 2) as *const i32).read_unaligned());
                    acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(av, w0));
                    acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(av, w1));
                }
            }
            for (r, (facc, acc)) in facc.iter_mut().zip(&acc).enumerate() {
                let sr = _mm256_set1_ps(*sx.add(r * nb + b));
                facc[0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[0]), sr, facc[0]);
                facc[1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[1]), sr, facc[1]);
            }
        }
        store_tile_256(&facc, scale, out, cols);
    }
}

/// Quantizes one row to u8 (value / scale + 128), one scale per `kb` values; `a` is
/// `k` rounded up to a multiple of `kb` long (the tail stays 128, i.e. zero).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
unsafe fn quantize_row_vnni(x: &[f32], a: &mut [u8], scales: &mut [f32], kb: usize) {
    // SAFETY: the caller holds an `Int8` of the VNNI kernel (the CPU has the features enabled above); every load
    // reads within `x`, every store writes within `a` and `scales` (sized by the caller).
    unsafe {
        let abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fff_ffff));
        let off = _mm512_set1_epi32(128);
        for ((xb, ab), s) in x.chunks(kb).zip(a.chunks_mut(kb)).zip(scales.iter_mut()) {
            let n16 = xb.len() / 16 * 16;
            let mut vmax = _mm512_setzero_ps();
            for i in (0..n16).step_by(16) {
                vmax = _mm512_max_ps(vmax, _mm512_and_ps(_mm512_loadu_ps(xb.as_ptr().add(i)), abs_mask));
            }
            let mut max = _mm512_reduce_max_ps(vmax);
            for &v in &xb[n16..] {
                max = max.max(v.abs());
            }
            let (sc, inv) = block_scale(max);
            let vinv = _mm512_set1_ps(inv);
            for i in (0..n16).step_by(16) {
                // Rounds to nearest even (the default rounding mode), as round_ties_even.
                let q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb.as_ptr().add(i)), vinv));
                let b = _mm512_cvtepi32_epi8(_mm512_add_epi32(q, off));
                _mm_storeu_si128(ab.as_mut_ptr().add(i) as *mut __m128i, b);
            }
            for (d, &v) in ab[n16..].iter_mut().zip(&xb[n16..]) {
                *d = (quantize_value(v, inv) + 128) as u8;
            }
            *s = sc;
        }
    }
}

/// `MR` rows × `NR` columns: `out[r][c] = scale[c] · Σ_blocks sx[r][b] · (Σ a·w − corr[b][c])`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_vnni(a: *const u8, kp: usize, kb: usize, w: *const i8, scale: *const f32, corr: *const i32, sx: *const f32, out: *mut f32, ldo: usize, rows: usize, cols: usize) {
    // SAFETY: the caller holds an `Int8` of the VNNI kernel and passes pointers to buffers holding `rows` rows of
    // `kp` activations and `nb` scales, a panel of `kp / 4` groups, and `rows × cols` outputs.
    unsafe {
        let nb = kp / kb;
        let mut facc = [[_mm512_setzero_ps(); 2]; MR];
        for b in 0..nb {
            let mut acc = [[_mm512_setzero_si512(); 2]; MR];
            for g in b * kb / 4..(b + 1) * kb / 4 {
                let w0 = _mm512_loadu_si512(w.add(g * NR * 4) as *const _);
                let w1 = _mm512_loadu_si512(w.add(g * NR * 4 + 64) as *const _);
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_epi32((a.add(r * kp + g * 4) as *const i32).read_unaligned());
                    acc[0] = _mm512_dpbusd_epi32(acc[0], av, w0);
                    acc[1] = _mm512_dpbusd_epi32(acc[1], av, w1);
                }
            }
            let c0 = _mm512_loadu_si512(corr.add(b * NR) as *const _);
            let c1 = _mm512_loadu_si512(corr.add(b * NR + 16) as *const _);
            for (r, (facc, acc)) in facc.iter_mut().zip(&acc).enumerate() {
                let sr = _mm512_set1_ps(*sx.add(r * nb + b));
                facc[0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[0], c0)), sr, facc[0]);
                facc[1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[1], c1)), sr, facc[1]);
            }
        }
        let s0 = _mm512_loadu_ps(scale);
        let s1 = _mm512_loadu_ps(scale.add(16));
        let m0: __mmask16 = if cols >= 16 { 0xffff } else { ((1u32 << cols) - 1) as u16 };
        let m1: __mmask16 = if cols >= 32 {
            0xffff
        } else if cols <= 16 {
            0
        } else {
            ((1u32 << (cols - 16)) - 1) as u16
        };
        for (r, facc) in facc.iter().enumerate().take(rows) {
            _mm512_mask_storeu_ps(out.add(r * ldo), m0, _mm512_mul_ps(facc[0], s0));
            _mm512_mask_storeu_ps(out.add(r * ldo + 16), m1, _mm512_mul_ps(facc[1], s1));
        }
    }
}

/// Writes a 256-bit kernel's `MR` × `NR2` accumulators times the column scales to the tile's
/// `out.rows` rows and first `cols` columns.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn store_tile_256(facc: &[[__m256; 2]; MR], scale: *const f32, out: Tile, cols: usize) {
    // SAFETY: the caller's target features include AVX2; `scale` holds NR2 values and `out` has
    // `out.rows` rows of at least `cols` writable values `out.ld` apart.
    unsafe {
        let s0 = _mm256_loadu_ps(scale);
        let s1 = _mm256_loadu_ps(scale.add(8));
        let mut row = [0f32; NR2];
        for (r, facc) in facc.iter().enumerate().take(out.rows) {
            let o = out.ptr.add(r * out.ld);
            if cols == NR2 {
                _mm256_storeu_ps(o, _mm256_mul_ps(facc[0], s0));
                _mm256_storeu_ps(o.add(8), _mm256_mul_ps(facc[1], s1));
            } else {
                _mm256_storeu_ps(row.as_mut_ptr(), _mm256_mul_ps(facc[0], s0));
                _mm256_storeu_ps(row.as_mut_ptr().add(8), _mm256_mul_ps(facc[1], s1));
                std::ptr::copy_nonoverlapping(row.as_ptr(), o, cols);
            }
        }
    }
}

/// `MR` rows × `NR2` columns: `out[r][c] = scale[c] · Σ_blocks sx[r][b] · (Σ a·w − corr[b][c])`,
/// u8 activations and i8 weights in groups of 4 summed by 256-bit `vpdpbusd`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,avxvnni")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_avx_vnni(a: *const u8, kp: usize, kb: usize, w: *const i8, scale: *const f32, corr: *const i32, sx: *const f32, out: Tile, cols: usize) {
    // SAFETY: the caller holds an `Int8` of the AVX-VNNI kernel and passes pointers to buffers holding MR rows of
    // `kp` activations and `nb` scales, a panel of `kp / 4` groups and `nb` blocks of sums, and `out.rows × cols` outputs.
    unsafe {
        let nb = kp / kb;
        let mut facc = [[_mm256_setzero_ps(); 2]; MR];
        for b in 0..nb {
            let mut acc = [[_mm256_setzero_si256(); 2]; MR];
            for g in b * kb / 4..(b + 1) * kb / 4 {
                let w0 = _mm256_loadu_si256(w.add(g * NR2 * 4) as *const __m256i);
                let w1 = _mm256_loadu_si256(w.add(g * NR2 * 4 + 32) as *const __m256i);
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_set1_epi32((a.add(r * kp + g * 4) as *const i32).read_unaligned());
                    acc[0] = _mm256_dpbusd_avx_epi32(acc[0], av, w0);
                    acc[1] = _mm256_dpbusd_avx_epi32(acc[1], av, w1);
                }
            }
            let c0 = _mm256_loadu_si256(corr.add(b * NR2) as *const __m256i);
            let c1 = _mm256_loadu_si256(corr.add(b * NR2 + 8) as *const __m256i);
            for (r, (facc, acc)) in facc.iter_mut().zip(&acc).enumerate() {
                let sr = _mm256_set1_ps(*sx.add(r * nb + b));
                facc[0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(acc[0], c0)), sr, facc[0]);
                facc[1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(acc[1], c1)), sr, facc[1]);
            }
        }
        store_tile_256(&facc, scale, out, cols);
    }
}

/// `MR` rows × `NRN` columns of signed activations and weights, groups of 4 summed by `sdot`.
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon,dotprod")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel_neon(a: *const i8, kp: usize, kb: usize, w: *const i8, scale: *const f32, sx: *const f32, out: Tile, cols: usize) {
    use std::arch::aarch64::*;
    /// `acc + Σ` of each lane's 4 products of `w` and `a` (`sdot`; its intrinsic is not stable yet).
    #[inline(always)]
    unsafe fn sdot(acc: int32x4_t, w: int8x16_t, a: int8x16_t) -> int32x4_t {
        let mut acc = acc;
        // SAFETY: the caller's target features include dotprod; registers only.
        unsafe { std::arch::asm!("sdot {acc:v}.4s, {w:v}.16b, {a:v}.16b", acc = inout(vreg) acc, w = in(vreg) w, a = in(vreg) a, options(pure, nomem, nostack)) };
        acc
    }
    // SAFETY: the caller holds an `Int8` of the NEON kernel and passes pointers to buffers holding
    // MR rows of `kp` activations and `nb` scales, a panel of `kp / 4` groups, and `out.rows × cols` outputs.
    unsafe {
        let nb = kp / kb;
        let mut facc = [[vdupq_n_f32(0.0); 4]; MR];
        for b in 0..nb {
            let mut acc = [[vdupq_n_s32(0); 4]; MR];
            for g in b * kb / 4..(b + 1) * kb / 4 {
                let wv = [0, 1, 2, 3].map(|v| vld1q_s8(w.add(g * NRN * 4 + v * 16)));
                for (r, acc) in acc.iter_mut().enumerate() {
                    // The row's 4 activations of the group in every lane.
                    let av = vreinterpretq_s8_s32(vdupq_n_s32((a.add(r * kp + g * 4) as *const i32).read_unaligned()));
                    for (acc, &wv) in acc.iter_mut().zip(&wv) {
                        *acc = sdot(*acc, wv, av);
                    }
                }
            }
            for (r, (facc, acc)) in facc.iter_mut().zip(&acc).enumerate() {
                let sr = vdupq_n_f32(*sx.add(r * nb + b));
                for (f, &i) in facc.iter_mut().zip(acc) {
                    *f = vfmaq_f32(*f, vcvtq_f32_s32(i), sr);
                }
            }
        }
        let mut row = [0f32; NRN];
        for (r, facc) in facc.iter().enumerate().take(out.rows) {
            for (v, f) in facc.iter().enumerate() {
                vst1q_f32(row.as_mut_ptr().add(v * 4), vmulq_f32(*f, vld1q_f32(scale.add(v * 4))));
            }
            std::ptr::copy_nonoverlapping(row.as_ptr(), out.ptr.add(r * out.ld), cols);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every int8 kernel: one the CPU lacks fails the test (see [`crate::test_support::required`]).
    fn kernels() -> Vec<Int8> {
        Int8Kernel::ALL.into_iter().filter_map(|k| crate::test_support::required(Int8::new(k), &format!("the {} int8 kernel", k.name()))).collect()
    }

    #[test]
    fn int8_matmul_is_close_to_f32() {
        let (m, k, n) = (13, 44, 37);
        let f = |i: usize, s: f32| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * s;
        let w: Vec<f32> = (0..n * k).map(|i| f(i, 0.1)).collect();
        let x: Vec<f32> = (0..m * k).map(|i| f(i + 17, 2.0)).collect();
        for kernel in kernels() {
            for block in [0, 8, 16, 100] {
                let y = PackedI8::new(kernel, &w, n, k, block).matmul(&x, m);
                for i in 0..m {
                    for j in 0..n {
                        let exact: f32 = (0..k).map(|t| x[i * k + t] * w[j * k + t]).sum();
                        assert!((y[i * n + j] - exact).abs() < 0.02, "{}, block {block}, {i},{j}: {} vs {exact}", kernel.kernel().name(), y[i * n + j]);
                    }
                }
            }
        }
    }

    /// Integer inputs whose rows reach ±127 quantize to themselves (every scale 1), so each
    /// output is the exact integer `Σ x·w`: checked on every kernel, with the extreme values
    /// that would saturate `vpmaddubsw` (127 · 127 + 127 · 127, and −127 · 127 pairs).
    #[test]
    fn every_int8_kernel_sums_exactly() {
        let (k, n) = (300, 45);
        let v = |i: usize| -> f32 {
            match i % 7 {
                0 | 3 => 127.0,
                1 => -127.0,
                _ => ((i * 7919) % 255) as f32 - 127.0,
            }
        };
        let w: Vec<f32> = (0..n * k).map(|i| v(i * 3 + 1)).collect();
        for m in [1, 6, 7, 25] {
            let x: Vec<f32> = (0..m * k).map(v).collect();
            for kernel in kernels() {
                for block in [0, 20] {
                    let y = PackedI8::new(kernel, &w, n, k, block).matmul(&x, m);
                    for i in 0..m {
                        for j in 0..n {
                            let exact: i64 = (0..k).map(|t| x[i * k + t] as i64 * w[j * k + t] as i64).sum();
                            assert_eq!(y[i * n + j], exact as f32, "{}, block {block}, m {m}: {i},{j}", kernel.kernel().name());
                        }
                    }
                }
            }
        }
    }

    /// The AVX2 quantizers give the scalar reference's values and scales exactly (ragged blocks,
    /// ties, zeros, extremes).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_quantizers_match_the_reference() {
        if crate::test_support::required(Int8::new(Int8Kernel::Avx2), "the avx2 int8 kernel").is_none() {
            return;
        }
        for (k, kb) in [(1usize, 4usize), (7, 8), (44, 44), (384, 384), (384, 64), (100, 32), (1536, 1536)] {
            let x: Vec<f32> = (0..k)
                .map(|i| {
                    if i % 13 == 0 {
                        0.0
                    } else if i % 17 == 0 {
                        2.5
                    } else {
                        ((i * 7919 % 1013) as f32 / 506.0 - 1.0) * 3.0
                    }
                })
                .collect();
            let kp = k.div_ceil(kb) * kb;
            let (mut ref16, mut refs) = (vec![0i16; kp], vec![0f32; kp / kb]);
            quantize_row(&x, &mut ref16, &mut refs, kb, |q| q as i16);
            let (mut ref8, mut refs8) = (vec![128u8; kp], vec![0f32; kp / kb]);
            quantize_row(&x, &mut ref8, &mut refs8, kb, |q| (q + 128) as u8);
            let (mut a16, mut s16) = (vec![0i16; kp], vec![0f32; kp / kb]);
            let (mut a8, mut s8) = (vec![128u8; kp], vec![0f32; kp / kb]);
            // SAFETY: the CPU has AVX2 and FMA (checked above); buffers are sized as `quantize` sizes them.
            unsafe {
                quantize_row_i16_avx2(&x, &mut a16, &mut s16, kb);
                quantize_row_u8_avx2(&x, &mut a8, &mut s8, kb);
            }
            assert_eq!((a16, s16.iter().map(|v| v.to_bits()).collect::<Vec<_>>()), (ref16, refs.iter().map(|v| v.to_bits()).collect::<Vec<_>>()), "i16, k {k}, block {kb}");
            assert_eq!((a8, s8.iter().map(|v| v.to_bits()).collect::<Vec<_>>()), (ref8, refs8.iter().map(|v| v.to_bits()).collect::<Vec<_>>()), "u8, k {k}, block {kb}");
        }
    }

    /// On real-valued inputs (scales that are not 1, several blocks, ragged shapes) every kernel
    /// gives the scalar reference's f32 results bit for bit.
    #[test]
    fn int8_kernels_agree_bit_for_bit() {
        let f = |i: usize, s: f32| ((i * 7919 % 1013) as f32 / 506.0 - 1.0) * s * (1.0 + (i % 5) as f32);
        for (m, k, n) in [(1, 8, 1), (13, 44, 37), (31, 384, 70), (7, 1536, 33)] {
            let w: Vec<f32> = (0..n * k).map(|i| f(i, 0.05)).collect();
            let x: Vec<f32> = (0..m * k).map(|i| f(i + 11, 3.0)).collect();
            for block in [0, 4, 64, 100] {
                let reference = PackedI8::new(Int8::new(Int8Kernel::Scalar).unwrap(), &w, n, k, block).matmul(&x, m);
                for kernel in kernels() {
                    let y = PackedI8::new(kernel, &w, n, k, block).matmul(&x, m);
                    assert_eq!(y.len(), reference.len());
                    for (idx, (a, b)) in y.iter().zip(&reference).enumerate() {
                        assert_eq!(a.to_bits(), b.to_bits(), "{} vs scalar, {m}×{k}×{n}, block {block}, output {idx}: {a} vs {b}", kernel.kernel().name());
                    }
                }
            }
        }
    }
}

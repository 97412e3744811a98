//! An int8 matmul for AVX-512 VNNI: weights quantized once per output channel, activations
//! per row on each call (symmetric, 127 steps), products summed exactly in i32 by `vpdpbusd`
//! (activations offset by +128 to be unsigned, the offset taken back through column sums).

use super::isa::Vnni;
use rayon::prelude::*;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Columns per weight panel: two vectors of 16 i32.
const NR: usize = 32;
/// Rows per micro-tile: 2 × MR integer and 2 × MR float accumulators stay in registers.
const MR: usize = 6;
/// Rows per parallel task.
const TASK_ROWS: usize = MR * 4;

pub struct PackedI8 {
    n: usize,
    k: usize,
    /// `k` rounded up to a multiple of the block.
    kp: usize,
    /// Activations get one scale per `kb` values of a row.
    kb: usize,
    panels: usize,
    /// `[panel][k / 4][NR][4]` signed weights.
    w: Vec<i8>,
    /// Per output column: its scale.
    scale: Vec<f32>,
    /// `[panel][block][NR]`: 128 × the sum of the column's weights in the block.
    corr: Vec<i32>,
}

impl PackedI8 {
    /// From row-major `[n, k]` weights; activations get one scale per `block` values of a row
    /// (a multiple of 4; 0: one per row). `Vnni` proves the CPU runs the kernels.
    pub fn new(_: Vnni, w: &[f32], n: usize, k: usize, block: usize) -> Self {
        let kb = if block == 0 || block >= k { k.div_ceil(4) * 4 } else { block };
        let kp = k.div_ceil(kb) * kb;
        let nb = kp / kb;
        let panels = n.div_ceil(NR);
        let mut packed = vec![0i8; panels * NR * kp];
        let mut scale = vec![0f32; panels * NR];
        let mut corr = vec![0i32; panels * nb * NR];
        for c in 0..n {
            let row = &w[c * k..(c + 1) * k];
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let s = if max > 0.0 { max / 127.0 } else { 1.0 };
            scale[c] = s;
            let (p, j) = (c / NR, c % NR);
            for (kk, &v) in row.iter().enumerate() {
                let q = (v / s).round().clamp(-127.0, 127.0) as i8;
                corr[(p * nb + kk / kb) * NR + j] += 128 * q as i32;
                packed[p * NR * kp + (kk / 4) * NR * 4 + j * 4 + kk % 4] = q;
            }
        }
        PackedI8 { n, k, kp, kb, panels, w: packed, scale, corr }
    }

    /// `x·Wᵀ` for row-major `x` `[m, k]`: `[m, n]`.
    pub fn matmul(&self, x: &[f32], m: usize) -> Vec<f32> {
        let (k, kp, kb, n) = (self.k, self.kp, self.kb, self.n);
        let nb = kp / kb;
        let mp = m.div_ceil(MR) * MR;
        let mut a = vec![128u8; mp * kp];
        let mut sx = vec![1f32; mp * nb];
        a.par_chunks_mut(kp * TASK_ROWS).zip(sx.par_chunks_mut(nb * TASK_ROWS)).enumerate().for_each(|(b, (ab, sb))| {
            for (r, (ar, s)) in ab.chunks_mut(kp).zip(sb.chunks_mut(nb)).enumerate() {
                let i = b * TASK_ROWS + r;
                if i < m {
                    // SAFETY: `new` takes a `Vnni`, which exists only where the CPU has AVX-512 F/BW/VL/DQ/VNNI.
                    unsafe { quantize_row(&x[i * k..(i + 1) * k], ar, s, kb) };
                }
            }
        });
        let mut out = vec![0f32; m * n];
        out.par_chunks_mut(n * TASK_ROWS).enumerate().for_each(|(b, ob)| {
            let rows = ob.len() / n;
            let row0 = b * TASK_ROWS;
            for p in 0..self.panels {
                let cols = (n - p * NR).min(NR);
                let mut r = 0;
                while r < rows {
                    // SAFETY: AVX-512 VNNI is present (see above); `a` and `sx` have rows up
                    // to a multiple of MR, the panel has kp / 4 groups and nb blocks, and
                    // at most `rows - r` rows and `cols` columns of `ob` are written.
                    unsafe {
                        kernel(
                            a.as_ptr().add((row0 + r) * kp),
                            kp,
                            kb,
                            self.w.as_ptr().add(p * NR * kp),
                            self.scale.as_ptr().add(p * NR),
                            self.corr.as_ptr().add(p * nb * NR),
                            sx.as_ptr().add((row0 + r) * nb),
                            ob.as_mut_ptr().add(r * n + p * NR),
                            n,
                            (rows - r).min(MR),
                            cols,
                        )
                    };
                    r += MR;
                }
            }
        });
        out
    }
}

/// Quantizes one row to u8 (value / scale + 128), one scale per `kb` values; `a` is
/// `k` rounded up to a multiple of `kb` long (the tail stays 128, i.e. zero).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
unsafe fn quantize_row(x: &[f32], a: &mut [u8], scales: &mut [f32], kb: usize) {
    // SAFETY: the caller holds a `Vnni` (the CPU has the features enabled above); every load
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
            let sc = if max > 0.0 { max / 127.0 } else { 1.0 };
            let inv = 1.0 / sc;
            let vinv = _mm512_set1_ps(inv);
            for i in (0..n16).step_by(16) {
                // Rounds to nearest even (the default rounding mode), as round_ties_even.
                let q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb.as_ptr().add(i)), vinv));
                let b = _mm512_cvtepi32_epi8(_mm512_add_epi32(q, off));
                _mm_storeu_si128(ab.as_mut_ptr().add(i) as *mut __m128i, b);
            }
            for (d, &v) in ab[n16..].iter_mut().zip(&xb[n16..]) {
                *d = ((v * inv).round_ties_even() as i32 + 128) as u8;
            }
            *s = sc;
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn quantize_row(_: &[f32], _: &mut [u8], _: &mut [f32], _: usize) {
    unreachable!()
}

/// `MR` rows × `NR` columns: `out[r][c] = scale[c] · Σ_blocks sx[r][b] · (Σ a·w − corr[b][c])`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(a: *const u8, kp: usize, kb: usize, w: *const i8, scale: *const f32, corr: *const i32, sx: *const f32, out: *mut f32, ldo: usize, rows: usize, cols: usize) {
    // SAFETY: the caller holds a `Vnni` and passes pointers to buffers holding `rows` rows of
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

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel(_: *const u8, _: usize, _: usize, _: *const i8, _: *const f32, _: *const i32, _: *const f32, _: *mut f32, _: usize, _: usize, _: usize) {
    unreachable!()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_matmul_is_close_to_f32() {
        let Some(vnni) = crate::test_support::required(Vnni::new(), "the int8 kernel (AVX-512 VNNI)") else { return };
        let (m, k, n) = (13, 44, 37);
        let f = |i: usize, s: f32| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * s;
        let w: Vec<f32> = (0..n * k).map(|i| f(i, 0.1)).collect();
        let x: Vec<f32> = (0..m * k).map(|i| f(i + 17, 2.0)).collect();
        for block in [0, 8, 16, 100] {
            let y = PackedI8::new(vnni, &w, n, k, block).matmul(&x, m);
            for i in 0..m {
                for j in 0..n {
                    let exact: f32 = (0..k).map(|t| x[i * k + t] * w[j * k + t]).sum();
                    assert!((y[i * n + j] - exact).abs() < 0.02, "block {block}, {i},{j}: {} vs {exact}", y[i * n + j]);
                }
            }
        }
    }
}

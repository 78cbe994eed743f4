//! The AVX-512 kernels of [`super::conv3x3`].
//!
//! Work is split into jobs of [`NT`] consecutive 4×4 output tiles (row-major
//! over the tile grid). A job, in its thread's scratch:
//! 1. transforms its tiles' 6×6 input patches, 16 channels per vector:
//!    `V[36][NT][k]`;
//! 2. multiplies, for each of the 36 positions, `V[p]` (`NT × k`) by the
//!    prepared `U[p]` (`k × n`) into `M[p]` (`NT × n`), with register-blocked
//!    micro-kernels (6×64, 8×48, 12×32, 12×16 outputs);
//! 3. transforms `M` back into 4×4 outputs, 16 channels per vector, adds the
//!    bias and residuals, applies the PReLU and writes the pixels inside the
//!    frame.

use std::arch::x86_64::*;
use std::cell::RefCell;

use super::{Input, Par, Residual, Weights, LANES};

/// Tiles per job: a multiple of every micro-kernel's row count.
const NT: usize = 24;

thread_local! {
    /// `V` then `M` of the job running on this thread.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// The output, written by jobs at disjoint pixels.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: every job writes only the pixels of its own tiles.
unsafe impl Sync for OutPtr {}
unsafe impl Send for OutPtr {}

/// # Safety
/// AVX-512F must be available; shapes are those checked by `conv3x3`.
pub(super) unsafe fn conv3x3(
    inputs: &[Input<'_>],
    (h, w): (usize, usize),
    wts: &Weights<'_>,
    residuals: &[Residual<'_>],
    out: &mut [f32],
    par: Par<'_>,
) {
    let tiles = h.div_ceil(4) * w.div_ceil(4);
    let jobs = tiles.div_ceil(NT);
    let out = OutPtr(out.as_mut_ptr());
    let run = move |j: usize| {
        let out = out;
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let need = 36 * NT * (wts.k + wts.n);
            if s.len() < need {
                s.resize(need, 0.0);
            }
            let (v, m) = s.split_at_mut(36 * NT * wts.k);
            // SAFETY: the caller checked AVX-512F and the shapes; job `j`
            // writes only its own tiles' pixels of `out`.
            unsafe { job(j, inputs, (h, w), wts, residuals, out.0, v, m) };
        });
    };
    par(jobs, &run);
}

#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn job(
    j: usize,
    inputs: &[Input<'_>],
    (h, w): (usize, usize),
    wts: &Weights<'_>,
    residuals: &[Residual<'_>],
    out: *mut f32,
    v: &mut [f32],
    m: &mut [f32],
) {
    let tw = w.div_ceil(4);
    let tiles = h.div_ceil(4) * tw;
    let t0 = j * NT;
    let nt = (tiles - t0).min(NT);
    let (k, n) = (wts.k, wts.n);
    for t in 0..nt {
        let tile = t0 + t;
        input_tile(inputs, (h, w), (tile / tw, tile % tw), k, t, v);
    }
    for p in 0..36 {
        let vp = v.as_ptr().add(p * NT * k);
        let up = wts.u.as_ptr().add(p * k * n);
        let mp = m.as_mut_ptr().add(p * NT * n);
        let mut n0 = 0;
        while n0 < n {
            let (a, b, c) = (vp, up.add(n0), mp.add(n0));
            n0 += match n - n0 {
                64.. => gemm::<6, 4>(nt, k, n, a, b, c),
                48 => gemm::<8, 3>(nt, k, n, a, b, c),
                32 => gemm::<12, 2>(nt, k, n, a, b, c),
                _ => gemm::<12, 1>(nt, k, n, a, b, c),
            };
        }
    }
    let epi = Epilogue {
        bias: wts.bias,
        slope: wts.slope,
        residuals,
        out,
        hw: (h, w),
        n,
    };
    for t in 0..nt {
        let tile = t0 + t;
        epi.tile(m, t, (tile / tw, tile % tw));
    }
}

/// `Bᵀ·z` of F(4, 3).
#[target_feature(enable = "avx512f")]
#[inline]
fn bt(z: [__m512; 6]) -> [__m512; 6] {
    let (four, five, two) = (
        _mm512_set1_ps(4.0),
        _mm512_set1_ps(5.0),
        _mm512_set1_ps(2.0),
    );
    let s12 = _mm512_add_ps(z[1], z[2]);
    let s34 = _mm512_add_ps(z[3], z[4]);
    let d12 = _mm512_sub_ps(z[1], z[2]);
    let d43 = _mm512_sub_ps(z[4], z[3]);
    let d31 = _mm512_sub_ps(z[3], z[1]);
    let d42 = _mm512_sub_ps(z[4], z[2]);
    [
        // 4 z0 − 5 z2 + z4
        _mm512_fmadd_ps(four, z[0], _mm512_fnmadd_ps(five, z[2], z[4])),
        // −4 (z1 + z2) + z3 + z4
        _mm512_fnmadd_ps(four, s12, s34),
        // 4 (z1 − z2) − z3 + z4
        _mm512_fmadd_ps(four, d12, d43),
        // 2 (z3 − z1) + z4 − z2
        _mm512_fmadd_ps(two, d31, d42),
        // −2 (z3 − z1) + z4 − z2
        _mm512_fnmadd_ps(two, d31, d42),
        // 4 z1 − 5 z3 + z5
        _mm512_fmadd_ps(four, z[1], _mm512_fnmadd_ps(five, z[3], z[5])),
    ]
}

/// `Aᵀ·m` of F(4, 3).
#[target_feature(enable = "avx512f")]
#[inline]
fn at(m: [__m512; 6]) -> [__m512; 4] {
    let (two, four, eight) = (
        _mm512_set1_ps(2.0),
        _mm512_set1_ps(4.0),
        _mm512_set1_ps(8.0),
    );
    let s12 = _mm512_add_ps(m[1], m[2]);
    let d12 = _mm512_sub_ps(m[1], m[2]);
    let s34 = _mm512_add_ps(m[3], m[4]);
    let d34 = _mm512_sub_ps(m[3], m[4]);
    [
        _mm512_add_ps(_mm512_add_ps(m[0], s12), s34),
        _mm512_fmadd_ps(two, d34, d12),
        _mm512_fmadd_ps(four, s34, s12),
        _mm512_add_ps(_mm512_fmadd_ps(eight, d34, d12), m[5]),
    ]
}

/// Writes tile `(ty, tx)`'s transformed input as row `t` of every `V[p]`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn input_tile(
    inputs: &[Input<'_>],
    (h, w): (usize, usize),
    (ty, tx): (usize, usize),
    k: usize,
    t: usize,
    v: &mut [f32],
) {
    let (y0, x0) = (4 * ty as isize - 1, 4 * tx as isize - 1);
    let ok = |i: isize, lim: usize| i >= 0 && (i as usize) < lim;
    let rows: [bool; 6] = std::array::from_fn(|r| ok(y0 + r as isize, h));
    let cols: [bool; 6] = std::array::from_fn(|c| ok(x0 + c as isize, w));
    let vp = v.as_mut_ptr();
    let mut kbase = 0;
    for inp in inputs {
        let c = inp.c;
        for g in (0..c).step_by(LANES) {
            let mut tmp = [[_mm512_setzero_ps(); 6]; 6];
            for r in 0..6 {
                let mut z = [_mm512_setzero_ps(); 6];
                if rows[r] {
                    let row = inp
                        .data
                        .as_ptr()
                        .add((y0 + r as isize) as usize * w * c + g);
                    for (cx, zc) in z.iter_mut().enumerate() {
                        if cols[cx] {
                            *zc = _mm512_loadu_ps(row.add((x0 + cx as isize) as usize * c));
                        }
                    }
                }
                tmp[r] = bt(z);
            }
            for jx in 0..6 {
                let col = bt(tmp.map(|row| row[jx]));
                for (i, val) in col.into_iter().enumerate() {
                    _mm512_storeu_ps(vp.add(((i * 6 + jx) * NT + t) * k + kbase + g), val);
                }
            }
        }
        kbase += c;
    }
}

/// `C[rows × NR·16] = A[rows × k] · B[k × NR·16]` for the job's `nt` rows in
/// blocks of `MR`; row strides `k` (A) and `n` (B, C). Returns the columns done.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn gemm<const MR: usize, const NR: usize>(
    nt: usize,
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
) -> usize {
    for r0 in (0..nt).step_by(MR) {
        micro::<MR, NR>(k, n, a.add(r0 * k), b, c.add(r0 * n));
    }
    NR * LANES
}

#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn micro<const MR: usize, const NR: usize>(
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
) {
    let mut acc = [[_mm512_setzero_ps(); NR]; MR];
    for kk in 0..k {
        let bp = b.add(kk * n);
        let bv: [__m512; NR] = std::array::from_fn(|j| _mm512_loadu_ps(bp.add(j * LANES)));
        for (i, row) in acc.iter_mut().enumerate() {
            let av = _mm512_set1_ps(*a.add(i * k + kk));
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = _mm512_fmadd_ps(av, bv[j], *cell);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            _mm512_storeu_ps(c.add(i * n + j * LANES), *cell);
        }
    }
}

/// Output transform, bias, residuals, PReLU and store.
struct Epilogue<'a> {
    bias: &'a [f32],
    slope: &'a [f32],
    residuals: &'a [Residual<'a>],
    out: *mut f32,
    hw: (usize, usize),
    n: usize,
}

impl Epilogue<'_> {
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn tile(&self, m: &[f32], t: usize, (ty, tx): (usize, usize)) {
        let (h, w) = self.hw;
        let n = self.n;
        let (oy, ox) = (4 * ty, 4 * tx);
        let mp = m.as_ptr();
        let zero = _mm512_setzero_ps();
        for g in (0..n).step_by(LANES) {
            let load = |p: usize| _mm512_loadu_ps(mp.add((p * NT + t) * n + g));
            // tmp[r][j] = Σ_i Aᵀ[r][i]·M[i][j]
            let cols: [[__m512; 4]; 6] =
                std::array::from_fn(|j| at(std::array::from_fn(|i| load(i * 6 + j))));
            let tmp: [[__m512; 6]; 4] = std::array::from_fn(|r| cols.map(|col| col[r]));
            let bias = _mm512_loadu_ps(self.bias.as_ptr().add(g));
            let slope = _mm512_loadu_ps(self.slope.as_ptr().add(g));
            for (r, row) in tmp.iter().enumerate() {
                if oy + r >= h {
                    break;
                }
                let vals = at(*row);
                for (cx, &val) in vals.iter().enumerate() {
                    if ox + cx >= w {
                        break;
                    }
                    let idx = ((oy + r) * w + ox + cx) * n + g;
                    let mut y = _mm512_add_ps(val, bias);
                    for res in self.residuals {
                        let rv = _mm512_loadu_ps(res.data.as_ptr().add(idx));
                        y = _mm512_fmadd_ps(_mm512_set1_ps(res.scale), rv, y);
                    }
                    let neg = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(y, zero);
                    y = _mm512_mask_mul_ps(y, neg, y, slope);
                    _mm512_storeu_ps(self.out.add(idx), y);
                }
            }
        }
    }
}

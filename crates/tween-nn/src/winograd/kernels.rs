//! The kernels of [`super::conv3x3`], written once over [`Simd`] and
//! compiled for AVX-512F and for AVX2 + FMA (`entry_*`).
//!
//! Everything below the entry points is `#[inline(always)]` and calls the
//! vector operations directly, never from closures: a closure here would
//! not carry the entry point's target features, and the intrinsics in it
//! would become calls (measured: a third slower).
//!
//! Work is split into jobs of [`NT`] consecutive 4×4 output tiles (row-major
//! over the tile grid). A job, in its thread's scratch:
//! 1. transforms its tiles' 6×6 input patches, a vector of channels at a
//!    time: `V[36][NT][k]`;
//! 2. multiplies, for each of the 36 positions, `V[p]` (`NT × k`) by the
//!    prepared `U[p]` (`k × n`) into `M[p]` (`NT × n`), with register-blocked
//!    micro-kernels (AVX-512: 6×64, 8×48, 12×32, 12×16 outputs; AVX2: 6×16);
//! 3. transforms `M` back into 4×4 outputs, adds the bias and residuals,
//!    applies the PReLU and writes the pixels inside the frame.

use std::arch::x86_64::{__m256, __m512};
use std::cell::RefCell;

use super::simd::Simd;
use super::{Input, Isa, Par, Residual, Weights, LANES};

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

/// One layer's operands.
struct Layer<'a> {
    inputs: &'a [Input<'a>],
    hw: (usize, usize),
    wts: &'a Weights<'a>,
    residuals: &'a [Residual<'a>],
    out: OutPtr,
}

/// # Safety
/// The CPU must have `isa`; shapes are those checked by `conv3x3`.
pub(super) unsafe fn conv3x3(
    isa: Isa,
    inputs: &[Input<'_>],
    (h, w): (usize, usize),
    wts: &Weights<'_>,
    residuals: &[Residual<'_>],
    out: &mut [f32],
    par: Par<'_>,
) {
    let tiles = h.div_ceil(4) * w.div_ceil(4);
    let jobs = tiles.div_ceil(NT);
    let layer = Layer {
        inputs,
        hw: (h, w),
        wts,
        residuals,
        out: OutPtr(out.as_mut_ptr()),
    };
    let run = |j: usize| {
        SCRATCH.with(|s| {
            let mut s = s.borrow_mut();
            let need = 36 * NT * (wts.k + wts.n);
            if s.len() < need {
                s.resize(need, 0.0);
            }
            let (v, m) = s.split_at_mut(36 * NT * wts.k);
            // SAFETY: the caller checked the CPU and the shapes; job `j`
            // writes only its own tiles' pixels of `out`.
            unsafe {
                match isa {
                    Isa::Avx512 => entry_avx512(&layer, j, v, m),
                    Isa::Avx2 => entry_avx2(&layer, j, v, m),
                }
            }
        });
    };
    par(jobs, &run);
}

#[target_feature(enable = "avx512f")]
unsafe fn entry_avx512(l: &Layer<'_>, j: usize, v: &mut [f32], m: &mut [f32]) {
    job::<__m512>(l, j, v, m)
}

#[target_feature(enable = "avx2,fma")]
unsafe fn entry_avx2(l: &Layer<'_>, j: usize, v: &mut [f32], m: &mut [f32]) {
    job::<__m256>(l, j, v, m)
}

#[inline(always)]
unsafe fn job<V: Simd>(l: &Layer<'_>, j: usize, v: &mut [f32], m: &mut [f32]) {
    let (h, w) = l.hw;
    let tw = w.div_ceil(4);
    let tiles = h.div_ceil(4) * tw;
    let t0 = j * NT;
    let nt = (tiles - t0).min(NT);
    let (k, n) = (l.wts.k, l.wts.n);
    for t in 0..nt {
        let tile = t0 + t;
        input_tile::<V>(l.inputs, l.hw, (tile / tw, tile % tw), k, t, v);
    }
    for p in 0..36 {
        let vp = v.as_ptr().add(p * NT * k);
        let up = l.wts.u.as_ptr().add(p * k * n);
        let mp = m.as_mut_ptr().add(p * NT * n);
        let mut n0 = 0;
        while n0 < n {
            let (a, b, c) = (vp, up.add(n0), mp.add(n0));
            n0 += if V::W == 16 {
                match n - n0 {
                    64.. => gemm::<V, 6, 4>(nt, k, n, a, b, c),
                    48 => gemm::<V, 8, 3>(nt, k, n, a, b, c),
                    32 => gemm::<V, 12, 2>(nt, k, n, a, b, c),
                    _ => gemm::<V, 12, 1>(nt, k, n, a, b, c),
                }
            } else {
                // 16 registers: 12 accumulators, 2 of B, 1 broadcast.
                gemm::<V, 6, 2>(nt, k, n, a, b, c)
            };
        }
    }
    for t in 0..nt {
        let tile = t0 + t;
        output_tile::<V>(l, m, t, (tile / tw, tile % tw));
    }
}

/// `Bᵀ·z` of F(4, 3).
#[inline(always)]
unsafe fn bt<V: Simd>(z: [V; 6]) -> [V; 6] {
    let (four, five, two) = (V::splat(4.0), V::splat(5.0), V::splat(2.0));
    let s12 = V::add(z[1], z[2]);
    let s34 = V::add(z[3], z[4]);
    let d12 = V::sub(z[1], z[2]);
    let d43 = V::sub(z[4], z[3]);
    let d31 = V::sub(z[3], z[1]);
    let d42 = V::sub(z[4], z[2]);
    [
        // 4 z0 − 5 z2 + z4
        V::fmadd(four, z[0], V::fnmadd(five, z[2], z[4])),
        // −4 (z1 + z2) + z3 + z4
        V::fnmadd(four, s12, s34),
        // 4 (z1 − z2) − z3 + z4
        V::fmadd(four, d12, d43),
        // 2 (z3 − z1) + z4 − z2
        V::fmadd(two, d31, d42),
        // −2 (z3 − z1) + z4 − z2
        V::fnmadd(two, d31, d42),
        // 4 z1 − 5 z3 + z5
        V::fmadd(four, z[1], V::fnmadd(five, z[3], z[5])),
    ]
}

/// `Aᵀ·m` of F(4, 3).
#[inline(always)]
unsafe fn at<V: Simd>(m: [V; 6]) -> [V; 4] {
    let (two, four, eight) = (V::splat(2.0), V::splat(4.0), V::splat(8.0));
    let s12 = V::add(m[1], m[2]);
    let d12 = V::sub(m[1], m[2]);
    let s34 = V::add(m[3], m[4]);
    let d34 = V::sub(m[3], m[4]);
    [
        V::add(V::add(m[0], s12), s34),
        V::fmadd(two, d34, d12),
        V::fmadd(four, s34, s12),
        V::add(V::fmadd(eight, d34, d12), m[5]),
    ]
}

/// Writes tile `(ty, tx)`'s transformed input as row `t` of every `V[p]`.
#[inline(always)]
unsafe fn input_tile<V: Simd>(
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
        for g in (0..c).step_by(V::W) {
            let mut tmp = [[V::zero(); 6]; 6];
            for r in 0..6 {
                let mut z = [V::zero(); 6];
                if rows[r] {
                    let row = inp
                        .data
                        .as_ptr()
                        .add((y0 + r as isize) as usize * w * c + g);
                    for (cx, zc) in z.iter_mut().enumerate() {
                        if cols[cx] {
                            *zc = V::load(row.add((x0 + cx as isize) as usize * c));
                        }
                    }
                }
                tmp[r] = bt(z);
            }
            for jx in 0..6 {
                let mut z = [V::zero(); 6];
                for (zr, row) in z.iter_mut().zip(&tmp) {
                    *zr = row[jx];
                }
                let col = bt(z);
                for (i, val) in col.into_iter().enumerate() {
                    V::store(vp.add(((i * 6 + jx) * NT + t) * k + kbase + g), val);
                }
            }
        }
        kbase += c;
    }
}

/// `C[rows × NR·W] = A[rows × k] · B[k × NR·W]` for the job's `nt` rows in
/// blocks of `MR`; row strides `k` (A) and `n` (B, C). Returns the columns done.
#[inline(always)]
unsafe fn gemm<V: Simd, const MR: usize, const NR: usize>(
    nt: usize,
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
) -> usize {
    for r0 in (0..nt).step_by(MR) {
        micro::<V, MR, NR>(k, n, a.add(r0 * k), b, c.add(r0 * n));
    }
    NR * V::W
}

#[inline(always)]
unsafe fn micro<V: Simd, const MR: usize, const NR: usize>(
    k: usize,
    n: usize,
    a: *const f32,
    b: *const f32,
    c: *mut f32,
) {
    let mut acc = [[V::zero(); NR]; MR];
    for kk in 0..k {
        let bp = b.add(kk * n);
        let mut bv = [V::zero(); NR];
        for (j, b) in bv.iter_mut().enumerate() {
            *b = V::load(bp.add(j * V::W));
        }
        for (i, row) in acc.iter_mut().enumerate() {
            let av = V::splat(*a.add(i * k + kk));
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = V::fmadd(av, bv[j], *cell);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            V::store(c.add(i * n + j * V::W), *cell);
        }
    }
}

/// Output transform of row `t` of `M` (tile `(ty, tx)`), bias, residuals,
/// PReLU and store.
#[inline(always)]
unsafe fn output_tile<V: Simd>(l: &Layer<'_>, m: &[f32], t: usize, (ty, tx): (usize, usize)) {
    let (h, w) = l.hw;
    let n = l.wts.n;
    let (oy, ox) = (4 * ty, 4 * tx);
    let mp = m.as_ptr();
    let zero = V::zero();
    debug_assert!(n.is_multiple_of(LANES));
    for g in (0..n).step_by(V::W) {
        // tmp[r][j] = Σ_i Aᵀ[r][i]·M[i][j]
        let mut tmp = [[zero; 6]; 4];
        for j in 0..6 {
            let mut z = [zero; 6];
            for (i, zi) in z.iter_mut().enumerate() {
                *zi = V::load(mp.add(((i * 6 + j) * NT + t) * n + g));
            }
            let col = at(z);
            for (row, v) in tmp.iter_mut().zip(col) {
                row[j] = v;
            }
        }
        let bias = V::load(l.wts.bias.as_ptr().add(g));
        let slope = V::load(l.wts.slope.as_ptr().add(g));
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
                let mut y = V::add(val, bias);
                for res in l.residuals {
                    let rv = V::load(res.data.as_ptr().add(idx));
                    y = V::fmadd(V::splat(res.scale), rv, y);
                }
                // PReLU: max(y, 0) + slope·min(y, 0).
                y = V::fmadd(slope, V::min(y, zero), V::max(y, zero));
                V::store(l.out.0.add(idx), y);
            }
        }
    }
}

//! AVX2+FMA version of the full-resolution warp-and-blend of one output row
//! of 8-bit RGB, eight pixels per step; the plain version is
//! `crate::warp::pixel`, which it must match (a test compares them).
//!
//! The time-t fields come as coarse rows plus horizontal taps and are
//! gathered; each bilinear tap of a frame is a 32-bit gather at the pixel's
//! byte offset (R, G, B and one byte beyond, shifted away). Every gather
//! index is clamped inside its slice by construction.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// One output row to render (see `crate::warp::render`).
pub(crate) struct RowJob<'a> {
    pub a: &'a [u8],
    pub b: &'a [u8],
    pub w: usize,
    pub h: usize,
    pub y: usize,
    pub t: f32,
    /// Coarse rows of motion (full-resolution pixels) and of the weight of `b`.
    pub mu: &'a [f32],
    pub mv: &'a [f32],
    pub al: &'a [f32],
    /// Horizontal taps into the coarse rows for each output column.
    pub ti0: &'a [i32],
    pub ti1: &'a [i32],
    pub tf: &'a [f32],
}

/// Renders the first `w / 8 * 8` pixels of the row into `out` (3 bytes per
/// pixel) and returns how many pixels it did. Returns 0, doing nothing, if
/// the CPU lacks AVX2/FMA or the sizes do not suit the kernel.
pub(crate) fn render_row(job: &RowJob<'_>, out: &mut [u8]) -> usize {
    let n = job.w / 8 * 8;
    let len = job.w * job.h * 3;
    let ok = is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && n > 0
        && len >= 4
        && len < i32::MAX as usize
        && job.a.len() == len
        && job.b.len() == len
        && job.y < job.h
        && !job.mu.is_empty()
        && job.mv.len() == job.mu.len()
        && job.al.len() == job.mu.len()
        && job.ti0.len() >= n
        && job.ti1.len() >= n
        && job.tf.len() >= n
        && out.len() >= n * 3;
    if !ok {
        return 0;
    }
    // SAFETY: the features were detected above; every load below is either
    // a plain load of 8 elements at x < n <= the checked slice lengths, or a
    // gather whose indices are clamped to [0, len) of the gathered slice
    // (field rows: index min'd with len - 1; frames: byte offset of a clamped
    // pixel, min'd with len - 4 so that the 4-byte read stays inside).
    unsafe { render_row_avx2(job, out, n) };
    n
}

#[target_feature(enable = "avx2,fma")]
unsafe fn render_row_avx2(job: &RowJob<'_>, out: &mut [u8], n: usize) {
    let (w, h) = (job.w, job.h);
    let zero = _mm256_setzero_ps();
    let one = _mm256_set1_ps(1.0);
    let t = _mm256_set1_ps(job.t);
    let t1 = _mm256_set1_ps(1.0 - job.t);
    let yf = _mm256_set1_ps(job.y as f32);
    let wmax = _mm256_set1_ps(w as f32 - 1.0);
    let hmax = _mm256_set1_ps(h as f32 - 1.0);
    let last_field = _mm256_set1_epi32(job.mu.len() as i32 - 1);
    let steps = _mm256_setr_ps(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0);
    let mut x = 0;
    while x < n {
        let i0 = _mm256_min_epi32(
            _mm256_loadu_si256(job.ti0.as_ptr().add(x) as *const __m256i),
            last_field,
        );
        let i1 = _mm256_min_epi32(
            _mm256_loadu_si256(job.ti1.as_ptr().add(x) as *const __m256i),
            last_field,
        );
        let i0 = _mm256_max_epi32(i0, _mm256_setzero_si256());
        let i1 = _mm256_max_epi32(i1, _mm256_setzero_si256());
        let fx = _mm256_loadu_ps(job.tf.as_ptr().add(x));
        let field = |row: &[f32]| {
            let p = _mm256_i32gather_ps::<4>(row.as_ptr(), i0);
            let q = _mm256_i32gather_ps::<4>(row.as_ptr(), i1);
            _mm256_fmadd_ps(fx, _mm256_sub_ps(q, p), p)
        };
        let mu = field(job.mu);
        let mv = field(job.mv);
        let al = field(job.al);
        let xf = _mm256_add_ps(_mm256_set1_ps(x as f32), steps);
        let ax = _mm256_fnmadd_ps(t, mu, xf);
        let ay = _mm256_fnmadd_ps(t, mv, yf);
        let bx = _mm256_fmadd_ps(t1, mu, xf);
        let by = _mm256_fmadd_ps(t1, mv, yf);
        let inside = |px: __m256, py: __m256| {
            let m = _mm256_min_ps(
                _mm256_min_ps(px, py),
                _mm256_min_ps(_mm256_sub_ps(wmax, px), _mm256_sub_ps(hmax, py)),
            );
            _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(m, one), zero), one)
        };
        let mut wa = _mm256_mul_ps(_mm256_sub_ps(one, al), inside(ax, ay));
        let mut wb = _mm256_mul_ps(al, inside(bx, by));
        let s = _mm256_add_ps(wa, wb);
        let good = _mm256_cmp_ps::<_CMP_GT_OQ>(s, _mm256_set1_ps(1e-4));
        let inv = _mm256_div_ps(one, _mm256_blendv_ps(one, s, good));
        wa = _mm256_blendv_ps(_mm256_sub_ps(one, al), _mm256_mul_ps(wa, inv), good);
        wb = _mm256_blendv_ps(al, _mm256_mul_ps(wb, inv), good);
        let ca = sample(job.a, w, h, ax, ay);
        let cb = sample(job.b, w, h, bx, by);
        let mut lanes = [[0i32; 8]; 3];
        for c in 0..3 {
            let v = _mm256_fmadd_ps(wa, ca[c], _mm256_mul_ps(wb, cb[c]));
            let v = _mm256_min_ps(_mm256_max_ps(v, zero), _mm256_set1_ps(255.0));
            let v = _mm256_cvttps_epi32(_mm256_add_ps(v, _mm256_set1_ps(0.5)));
            _mm256_storeu_si256(lanes[c].as_mut_ptr() as *mut __m256i, v);
        }
        let dst = &mut out[x * 3..x * 3 + 24];
        for i in 0..8 {
            dst[i * 3] = lanes[0][i] as u8;
            dst[i * 3 + 1] = lanes[1][i] as u8;
            dst[i * 3 + 2] = lanes[2][i] as u8;
        }
        x += 8;
    }
}

/// Bilinear, clamp-to-border RGB samples of an 8-bit frame at 8 positions.
#[target_feature(enable = "avx2,fma")]
unsafe fn sample(img: &[u8], w: usize, h: usize, px: __m256, py: __m256) -> [__m256; 3] {
    let zero = _mm256_setzero_ps();
    // max(v, 0) first: a NaN coordinate becomes 0.
    let cx = _mm256_min_ps(_mm256_max_ps(px, zero), _mm256_set1_ps(w as f32 - 1.0));
    let cy = _mm256_min_ps(_mm256_max_ps(py, zero), _mm256_set1_ps(h as f32 - 1.0));
    let x0 = _mm256_cvttps_epi32(cx);
    let y0 = _mm256_cvttps_epi32(cy);
    let fx = _mm256_sub_ps(cx, _mm256_cvtepi32_ps(x0));
    let fy = _mm256_sub_ps(cy, _mm256_cvtepi32_ps(y0));
    let one = _mm256_set1_epi32(1);
    let x1 = _mm256_min_epi32(_mm256_add_epi32(x0, one), _mm256_set1_epi32(w as i32 - 1));
    let y1 = _mm256_min_epi32(_mm256_add_epi32(y0, one), _mm256_set1_epi32(h as i32 - 1));
    let wv = _mm256_set1_epi32(w as i32);
    let three = _mm256_set1_epi32(3);
    let r0 = _mm256_mullo_epi32(y0, wv);
    let r1 = _mm256_mullo_epi32(y1, wv);
    let last = _mm256_set1_epi32(img.len() as i32 - 4);
    let base = img.as_ptr() as *const i32;
    let tap = |row: __m256i, col: __m256i| {
        let off = _mm256_mullo_epi32(_mm256_add_epi32(row, col), three);
        let safe = _mm256_min_epi32(off, last);
        let shift = _mm256_slli_epi32::<3>(_mm256_sub_epi32(off, safe));
        let d = _mm256_srlv_epi32(_mm256_i32gather_epi32::<1>(base, safe), shift);
        let m = _mm256_set1_epi32(0xff);
        [
            _mm256_cvtepi32_ps(_mm256_and_si256(d, m)),
            _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<8>(d), m)),
            _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<16>(d), m)),
        ]
    };
    let (p00, p01) = (tap(r0, x0), tap(r0, x1));
    let (p10, p11) = (tap(r1, x0), tap(r1, x1));
    let mut outc = [zero; 3];
    for c in 0..3 {
        let top = _mm256_fmadd_ps(fx, _mm256_sub_ps(p01[c], p00[c]), p00[c]);
        let bot = _mm256_fmadd_ps(fx, _mm256_sub_ps(p11[c], p10[c]), p10[c]);
        outc[c] = _mm256_fmadd_ps(fy, _mm256_sub_ps(bot, top), top);
    }
    outc
}

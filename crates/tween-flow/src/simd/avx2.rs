//! AVX2+FMA patch-residual kernel: eight patch columns per vector, rows
//! streamed so that each source row is loaded and interpolated horizontally
//! once. All `unsafe` of the crate lives here.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::{PatchSums, Source, Template};

/// Safe entry point: checks the CPU features and the bounds the vector loads
/// rely on, then runs the kernel.
pub(super) fn patch_sums(src: &Source<'_>, tpl: &Template<'_>) -> PatchSums {
    let p = tpl.p;
    assert!(p % 8 == 0 && p > 0);
    assert!(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"));
    // Highest element read: row p, column p (the `+1` load of the last chunk).
    assert!(src.base + p * src.stride + p < src.img.len());
    assert!(tpl.t.len() >= p * p && tpl.gx.len() >= p * p && tpl.gy.len() >= p * p);
    // SAFETY: the features were detected just above, and the asserts bound
    // every load: source loads read elements base + r·stride + c .. +8 for
    // r <= p, c + 8 <= p (+1 for the right neighbour), template loads read
    // r·p + c .. +8 < p².
    unsafe { patch_sums_avx2(src, tpl) }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn patch_sums_avx2(src: &Source<'_>, tpl: &Template<'_>) -> PatchSums {
    let p = tpl.p;
    let img = src.img.as_ptr();
    let fx = _mm256_set1_ps(src.fx);
    let fy = _mm256_set1_ps(src.fy);
    let mut sd = _mm256_setzero_ps();
    let mut sd2 = _mm256_setzero_ps();
    let mut sgx = _mm256_setzero_ps();
    let mut sgy = _mm256_setzero_ps();
    let mut c0 = 0;
    while c0 < p {
        // All loads in this loop are bounded by the asserts of `patch_sums`.
        macro_rules! hl {
            ($r:expr) => {{
                let ptr = img.add(src.base + $r * src.stride + c0);
                let a = _mm256_loadu_ps(ptr);
                let b = _mm256_loadu_ps(ptr.add(1));
                _mm256_fmadd_ps(fx, _mm256_sub_ps(b, a), a)
            }};
        }
        let mut prev = hl!(0);
        for r in 0..p {
            let next = hl!(r + 1);
            let val = _mm256_fmadd_ps(fy, _mm256_sub_ps(next, prev), prev);
            let i = r * p + c0;
            let d = _mm256_sub_ps(val, _mm256_loadu_ps(tpl.t.as_ptr().add(i)));
            sd = _mm256_add_ps(sd, d);
            sd2 = _mm256_fmadd_ps(d, d, sd2);
            sgx = _mm256_fmadd_ps(_mm256_loadu_ps(tpl.gx.as_ptr().add(i)), d, sgx);
            sgy = _mm256_fmadd_ps(_mm256_loadu_ps(tpl.gy.as_ptr().add(i)), d, sgy);
            prev = next;
        }
        c0 += 8;
    }
    PatchSums {
        d: hsum(sd),
        d2: hsum(sd2),
        gx: hsum(sgx),
        gy: hsum(sgy),
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn hsum(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps(v, 1);
    let s = _mm_add_ps(lo, hi);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    _mm_cvtss_f32(s)
}

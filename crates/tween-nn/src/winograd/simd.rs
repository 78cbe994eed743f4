//! The vector operations the Winograd kernels use, for AVX-512F (`__m512`,
//! 16 lanes) and AVX2 + FMA (`__m256`, 8 lanes).
//!
//! Every method is `#[inline(always)]` and only ever called from code that
//! is itself inlined into a `#[target_feature]` entry point of the matching
//! instruction set (`kernels::entry`), where the intrinsics compile to
//! single instructions.

use std::arch::x86_64::*;

/// One register of f32 lanes.
///
/// # Safety
/// Implementations call intrinsics of their instruction set: use only where
/// the CPU has it (inside the matching `#[target_feature]` function).
pub(super) unsafe trait Simd: Copy {
    /// Lanes per register.
    const W: usize;
    unsafe fn zero() -> Self;
    unsafe fn splat(v: f32) -> Self;
    unsafe fn load(p: *const f32) -> Self;
    unsafe fn store(p: *mut f32, v: Self);
    unsafe fn add(a: Self, b: Self) -> Self;
    unsafe fn sub(a: Self, b: Self) -> Self;
    /// `a·b + c`
    unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self;
    /// `c − a·b`
    unsafe fn fnmadd(a: Self, b: Self, c: Self) -> Self;
    unsafe fn min(a: Self, b: Self) -> Self;
    unsafe fn max(a: Self, b: Self) -> Self;
}

// SAFETY: used only inside `#[target_feature(enable = "avx512f")]` code.
unsafe impl Simd for __m512 {
    const W: usize = 16;
    #[inline(always)]
    unsafe fn zero() -> Self {
        _mm512_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        _mm512_set1_ps(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        _mm512_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self) {
        _mm512_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        _mm512_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        _mm512_sub_ps(a, b)
    }
    #[inline(always)]
    unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
        _mm512_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn fnmadd(a: Self, b: Self, c: Self) -> Self {
        _mm512_fnmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn min(a: Self, b: Self) -> Self {
        _mm512_min_ps(a, b)
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        _mm512_max_ps(a, b)
    }
}

// SAFETY: used only inside `#[target_feature(enable = "avx2,fma")]` code.
unsafe impl Simd for __m256 {
    const W: usize = 8;
    #[inline(always)]
    unsafe fn zero() -> Self {
        _mm256_setzero_ps()
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        _mm256_set1_ps(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        _mm256_loadu_ps(p)
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self) {
        _mm256_storeu_ps(p, v)
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        _mm256_add_ps(a, b)
    }
    #[inline(always)]
    unsafe fn sub(a: Self, b: Self) -> Self {
        _mm256_sub_ps(a, b)
    }
    #[inline(always)]
    unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
        _mm256_fmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn fnmadd(a: Self, b: Self, c: Self) -> Self {
        _mm256_fnmadd_ps(a, b, c)
    }
    #[inline(always)]
    unsafe fn min(a: Self, b: Self) -> Self {
        _mm256_min_ps(a, b)
    }
    #[inline(always)]
    unsafe fn max(a: Self, b: Self) -> Self {
        _mm256_max_ps(a, b)
    }
}

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

/// Implements [`Simd`] for a register type from its intrinsics' names.
macro_rules! simd {
    ($t:ty, $w:expr, $zero:ident, $splat:ident, $load:ident, $store:ident, $add:ident,
     $sub:ident, $fmadd:ident, $fnmadd:ident, $min:ident, $max:ident) => {
        unsafe impl Simd for $t {
            const W: usize = $w;
            #[inline(always)]
            unsafe fn zero() -> Self {
                $zero()
            }
            #[inline(always)]
            unsafe fn splat(v: f32) -> Self {
                $splat(v)
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> Self {
                $load(p)
            }
            #[inline(always)]
            unsafe fn store(p: *mut f32, v: Self) {
                $store(p, v)
            }
            #[inline(always)]
            unsafe fn add(a: Self, b: Self) -> Self {
                $add(a, b)
            }
            #[inline(always)]
            unsafe fn sub(a: Self, b: Self) -> Self {
                $sub(a, b)
            }
            #[inline(always)]
            unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
                $fmadd(a, b, c)
            }
            #[inline(always)]
            unsafe fn fnmadd(a: Self, b: Self, c: Self) -> Self {
                $fnmadd(a, b, c)
            }
            #[inline(always)]
            unsafe fn min(a: Self, b: Self) -> Self {
                $min(a, b)
            }
            #[inline(always)]
            unsafe fn max(a: Self, b: Self) -> Self {
                $max(a, b)
            }
        }
    };
}

// SAFETY (both): used only inside `#[target_feature]` code of the matching
// instruction set: "avx512f" for `__m512`, "avx2,fma" for `__m256`.
simd!(
    __m512,
    16,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_add_ps,
    _mm512_sub_ps,
    _mm512_fmadd_ps,
    _mm512_fnmadd_ps,
    _mm512_min_ps,
    _mm512_max_ps
);
simd!(
    __m256,
    8,
    _mm256_setzero_ps,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_add_ps,
    _mm256_sub_ps,
    _mm256_fmadd_ps,
    _mm256_fnmadd_ps,
    _mm256_min_ps,
    _mm256_max_ps
);

//! Run-time choice of the SIMD kernels (`is_x86_feature_detected!`), and the
//! patch-residual kernel of the inverse search in its plain version beside
//! the AVX2+FMA one (`avx2.rs`); the full-resolution warp has its AVX2 version
//! in `warp_avx2.rs` and its plain one in `crate::warp`. Tests run both
//! versions of each and check that they agree.
//!
//! The kernel samples the second image bilinearly at a patch displaced by a
//! sub-pixel offset (one fraction `fx, fy` for the whole patch, since the patch
//! moves by pure translation), subtracts the template and accumulates what one
//! Gauss-Newton step needs.

// `p % 8 == 0` rather than `is_multiple_of` (Rust 1.87): the workspace supports 1.80.
#![allow(clippy::manual_is_multiple_of)]

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod warp_avx2;

/// Sums over a patch of the residual `d = I1(x + u) − T(x)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PatchSums {
    /// Σ d
    pub d: f32,
    /// Σ d²
    pub d2: f32,
    /// Σ gx·d (gx: template x-gradient, mean-removed)
    pub gx: f32,
    /// Σ gy·d
    pub gy: f32,
}

/// Where to read the displaced patch: `img[base + r·stride + c]` is the
/// top-left neighbour of patch pixel `(c, r)`; `fx, fy` in [0, 1) are the
/// bilinear fractions.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub img: &'a [f32],
    pub stride: usize,
    pub base: usize,
    pub fx: f32,
    pub fy: f32,
}

/// The template patch (`p`×`p`, row-major) and its mean-removed gradients.
#[derive(Clone, Copy, Debug)]
pub struct Template<'a> {
    pub t: &'a [f32],
    pub gx: &'a [f32],
    pub gy: &'a [f32],
    pub p: usize,
}

/// Which implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    /// The fastest kernels this CPU supports, or the scalar ones when
    /// `allow_simd` is false.
    pub fn detect(allow_simd: bool) -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if allow_simd && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Kernel::Avx2;
            }
        }
        let _ = allow_simd;
        Kernel::Scalar
    }

    /// Residual sums of `tpl` against the displaced patch of `src`.
    ///
    /// Panics if the patch (with its extra bilinear row and column) does not
    /// lie inside `src.img`, or if the template slices are shorter than `p²`.
    #[inline]
    pub fn patch_sums(self, src: &Source<'_>, tpl: &Template<'_>) -> PatchSums {
        let p = tpl.p;
        let n = p * p;
        assert!(tpl.t.len() >= n && tpl.gx.len() >= n && tpl.gy.len() >= n);
        assert!(
            src.base + p * src.stride + p < src.img.len(),
            "patch outside the image"
        );
        match self {
            Kernel::Scalar => patch_sums_scalar(src, tpl),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 if p % 8 == 0 => avx2::patch_sums(src, tpl),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => patch_sums_scalar(src, tpl),
        }
    }
}

/// The plain version: the reference the SIMD one is checked against.
pub fn patch_sums_scalar(src: &Source<'_>, tpl: &Template<'_>) -> PatchSums {
    let p = tpl.p;
    let (fx, fy) = (src.fx, src.fy);
    let hlerp = |r: usize, out: &mut [f32; 32]| {
        let row = &src.img[src.base + r * src.stride..][..p + 1];
        for c in 0..p {
            out[c] = row[c] + fx * (row[c + 1] - row[c]);
        }
    };
    let (mut prev, mut next) = ([0.0f32; 32], [0.0f32; 32]);
    hlerp(0, &mut prev);
    let mut s = PatchSums::default();
    for r in 0..p {
        hlerp(r + 1, &mut next);
        for c in 0..p {
            let val = prev[c] + fy * (next[c] - prev[c]);
            let i = r * p + c;
            let d = val - tpl.t[i];
            s.d += d;
            s.d2 += d * d;
            s.gx += tpl.gx[i] * d;
            s.gy += tpl.gy[i] * d;
        }
        std::mem::swap(&mut prev, &mut next);
    }
    s
}

/// Largest patch size the kernels accept.
pub const MAX_PATCH: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo(i: usize) -> f32 {
        let x = (i as f32 * 12.9898).sin() * 43758.547;
        (x - x.floor()) * 255.0
    }

    #[test]
    fn simd_and_scalar_agree() {
        let (w, h) = (64usize, 48usize);
        let img: Vec<f32> = (0..w * h).map(pseudo).collect();
        for p in [8usize, 16] {
            let n = p * p;
            let t: Vec<f32> = (0..n).map(|i| pseudo(i + 7777)).collect();
            let gx: Vec<f32> = (0..n).map(|i| pseudo(i + 999) - 128.0).collect();
            let gy: Vec<f32> = (0..n).map(|i| pseudo(i + 4242) - 128.0).collect();
            let tpl = Template {
                t: &t,
                gx: &gx,
                gy: &gy,
                p,
            };
            for (k, &(x, y, fx, fy)) in [
                (0usize, 0usize, 0.0f32, 0.0f32),
                (3, 5, 0.25, 0.75),
                (40, 30, 0.9, 0.1),
            ]
            .iter()
            .enumerate()
            {
                let src = Source {
                    img: &img,
                    stride: w,
                    base: y * w + x,
                    fx,
                    fy,
                };
                let a = patch_sums_scalar(&src, &tpl);
                let b = Kernel::detect(true).patch_sums(&src, &tpl);
                for (va, vb) in [(a.d, b.d), (a.d2, b.d2), (a.gx, b.gx), (a.gy, b.gy)] {
                    let tol = 1e-4 * va.abs().max(vb.abs()).max(1000.0);
                    assert!((va - vb).abs() <= tol, "case {k} p={p}: {a:?} vs {b:?}");
                }
            }
        }
    }
}

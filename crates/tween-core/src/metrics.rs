//! Quality metrics: PSNR over RGB samples and SSIM (Wang et al. 2004) on luma.
//!
//! Both take two [`Frame`]s of the same shape (size and sample depth).
//! [`psnr`] and [`ssim`] panic on a shape mismatch (a programming error in
//! callers that produced the frames); [`try_psnr`] and [`try_ssim`] return a
//! [`MetricsError`] instead, for frames that come from outside (decoded files).
//!
//! SSIM follows the reference implementation of Wang, Bovik, Sheikh and
//! Simoncelli, "Image quality assessment: from error visibility to structural
//! similarity", IEEE TIP 2004: an 11×11 Gaussian window with σ = 1.5, K1 = 0.01,
//! K2 = 0.03, dynamic range L of the sample depth, computed on BT.601 luma
//! (Y = 0.299 R + 0.587 G + 0.114 B), averaged over the "valid" part of the SSIM
//! map (window centres at least 5 pixels from every border, as MATLAB's
//! `filter2(..., 'valid')`). Images narrower or shorter than 11 pixels are
//! handled by clamping the window at the borders instead.

use crate::frame::{Frame, Pixels};
use rayon::prelude::*;

/// Errors of the `try_` metric functions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    #[error("frames differ in shape: {a_w}x{a_h} and {b_w}x{b_h} (or in sample depth)")]
    ShapeMismatch {
        a_w: u32,
        a_h: u32,
        b_w: u32,
        b_h: u32,
    },
}

fn check_shape(a: &Frame, b: &Frame) -> Result<(), MetricsError> {
    if a.same_shape(b) {
        Ok(())
    } else {
        Err(MetricsError::ShapeMismatch {
            a_w: a.width(),
            a_h: a.height(),
            b_w: b.width(),
            b_h: b.height(),
        })
    }
}

/// Peak signal-to-noise ratio in dB over all R, G and B samples, with peak 255
/// for 8-bit frames and 65535 for 16-bit frames.
///
/// Identical frames give `f64::INFINITY` (the mean squared error is zero);
/// callers that average PSNR over frames should cap it (tween-eval caps at 100 dB).
///
/// # Panics
/// When the frames differ in size or sample depth; see [`try_psnr`].
pub fn psnr(a: &Frame, b: &Frame) -> f64 {
    try_psnr(a, b).expect("psnr of frames of different shapes")
}

/// [`psnr`], returning an error instead of panicking on a shape mismatch.
pub fn try_psnr(a: &Frame, b: &Frame) -> Result<f64, MetricsError> {
    check_shape(a, b)?;
    let (sse, peak) = match (a.pixels(), b.pixels()) {
        (Pixels::U8(x), Pixels::U8(y)) => (sum_squared_error(x, y), 255.0),
        (Pixels::U16(x), Pixels::U16(y)) => (sum_squared_error(x, y), 65535.0),
        _ => unreachable!("same_shape checked the depth"),
    };
    let n = a.sample_count();
    if n == 0 || sse == 0.0 {
        return Ok(f64::INFINITY);
    }
    let mse = sse / n as f64;
    Ok(10.0 * (peak * peak / mse).log10())
}

fn sum_squared_error<T: Copy + Into<f64> + Sync>(x: &[T], y: &[T]) -> f64 {
    // Chunks keep the exact integer-valued partial sums in f64 without loss
    // (65535² · 4096 < 2^53).
    x.par_chunks(4096)
        .zip(y.par_chunks(4096))
        .map(|(cx, cy)| {
            cx.iter()
                .zip(cy)
                .map(|(&p, &q)| {
                    let d = p.into() - q.into();
                    d * d
                })
                .sum::<f64>()
        })
        .sum()
}

/// Structural similarity (mean SSIM) on BT.601 luma, in [-1, 1]; 1 for
/// identical frames. See the module documentation for the exact definition.
///
/// # Panics
/// When the frames differ in size or sample depth; see [`try_ssim`].
pub fn ssim(a: &Frame, b: &Frame) -> f64 {
    try_ssim(a, b).expect("ssim of frames of different shapes")
}

/// [`ssim`], returning an error instead of panicking on a shape mismatch.
pub fn try_ssim(a: &Frame, b: &Frame) -> Result<f64, MetricsError> {
    check_shape(a, b)?;
    let (w, h) = (a.width() as usize, a.height() as usize);
    if w == 0 || h == 0 {
        return Ok(1.0);
    }
    let (x, y) = (luma(a), luma(b));
    Ok(ssim_luma(&x, &y, w, h))
}

/// Luma in 0..=1 (BT.601 weights), one value per pixel.
fn luma(f: &Frame) -> Vec<f32> {
    const WR: f32 = 0.299;
    const WG: f32 = 0.587;
    const WB: f32 = 0.114;
    match f.pixels() {
        Pixels::U8(v) => v
            .par_chunks_exact(3)
            .map(|p| (WR * p[0] as f32 + WG * p[1] as f32 + WB * p[2] as f32) / 255.0)
            .collect(),
        Pixels::U16(v) => v
            .par_chunks_exact(3)
            .map(|p| (WR * p[0] as f32 + WG * p[1] as f32 + WB * p[2] as f32) / 65535.0)
            .collect(),
    }
}

const RADIUS: usize = 5;
const WINDOW: usize = 2 * RADIUS + 1;
const SIGMA: f64 = 1.5;
const C1: f64 = 0.01 * 0.01; // (K1·L)² with L = 1 (luma is normalised to 0..=1)
const C2: f64 = 0.03 * 0.03; // (K2·L)²

fn gaussian_window() -> [f64; WINDOW] {
    let mut g = [0.0; WINDOW];
    for (i, v) in g.iter_mut().enumerate() {
        let d = i as f64 - RADIUS as f64;
        *v = (-d * d / (2.0 * SIGMA * SIGMA)).exp();
    }
    let s: f64 = g.iter().sum();
    g.iter_mut().for_each(|v| *v /= s);
    g
}

/// Mean SSIM of two luma planes of `w`×`h`. The separable Gaussian runs over
/// the five moment planes (x, y, x², y², xy): horizontally one input row at a
/// time, then vertically one output row at a time, rows in parallel; both
/// passes are plain multiply-adds over contiguous slices, which vectorise.
/// Moments are kept in f64: variances are differences of nearly equal
/// moments, and f32 there would cost ~1e-4 of SSIM on flat areas (C2 is 9e-4).
fn ssim_luma(x: &[f32], y: &[f32], w: usize, h: usize) -> f64 {
    let g = gaussian_window();
    // Output window centres: the valid region when the image is large enough,
    // otherwise every pixel with clamped (edge-replicated) borders.
    let (cx0, cx1) = if w >= WINDOW {
        (RADIUS, w - RADIUS)
    } else {
        (0, w)
    };
    let (cy0, cy1) = if h >= WINDOW {
        (RADIUS, h - RADIUS)
    } else {
        (0, h)
    };
    let ow = cx1 - cx0;
    let clamp = |i: isize, n: usize| i.clamp(0, n as isize - 1) as usize;
    // Source column of each tap position: padded row index p ↦ column.
    let cols: Vec<usize> = (0..ow + 2 * RADIUS)
        .map(|p| clamp((cx0 + p) as isize - RADIUS as isize, w))
        .collect();

    // Horizontal pass: row r of `planes` holds the 5 filtered moments, plane after plane.
    let mut planes = vec![0.0f64; h * 5 * ow];
    planes.par_chunks_mut(5 * ow).enumerate().for_each_init(
        || vec![0.0f64; 5 * (ow + 2 * RADIUS)],
        |src, (r, out)| {
            let (xr, yr) = (&x[r * w..(r + 1) * w], &y[r * w..(r + 1) * w]);
            let pw = ow + 2 * RADIUS;
            for (p, &c) in cols.iter().enumerate() {
                let (a, b) = (xr[c] as f64, yr[c] as f64);
                src[p] = a;
                src[pw + p] = b;
                src[2 * pw + p] = a * a;
                src[3 * pw + p] = b * b;
                src[4 * pw + p] = a * b;
            }
            for j in 0..5 {
                let (o, sj) = (&mut out[j * ow..(j + 1) * ow], &src[j * pw..(j + 1) * pw]);
                for (k, &gk) in g.iter().enumerate() {
                    for (acc, &v) in o.iter_mut().zip(&sj[k..k + ow]) {
                        *acc += gk * v;
                    }
                }
            }
        },
    );

    let total: f64 = (cy0..cy1)
        .into_par_iter()
        .map_init(
            || vec![0.0f64; 5 * ow],
            |acc, r| {
                acc.fill(0.0);
                for (k, &gk) in g.iter().enumerate() {
                    let row = clamp(r as isize + k as isize - RADIUS as isize, h);
                    for (a, &v) in acc
                        .iter_mut()
                        .zip(&planes[row * 5 * ow..(row + 1) * 5 * ow])
                    {
                        *a += gk * v;
                    }
                }
                (0..ow)
                    .map(|c| {
                        ssim_from_moments([
                            acc[c],
                            acc[ow + c],
                            acc[2 * ow + c],
                            acc[3 * ow + c],
                            acc[4 * ow + c],
                        ])
                    })
                    .sum::<f64>()
            },
        )
        .sum();
    total / ((cy1 - cy0) * ow) as f64
}

/// SSIM of one window from its weighted moments [μx, μy, E x², E y², E xy].
fn ssim_from_moments(m: [f64; 5]) -> f64 {
    let (mx, my) = (m[0], m[1]);
    let vx = m[2] - mx * mx;
    let vy = m[3] - my * my;
    let cxy = m[4] - mx * my;
    ((2.0 * mx * my + C1) * (2.0 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random bytes (xorshift), no dependency needed.
    fn noise_frame(w: u32, h: u32, seed: u64) -> Frame {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let data = (0..w as usize * h as usize * 3)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 24) as u8
            })
            .collect();
        Frame::from_u8(w, h, data)
    }

    /// A smooth frame (gradients) with samples kept in 40..=215 so that adding
    /// ±d noise with d ≤ 40 never clips.
    fn smooth_frame(w: u32, h: u32) -> Frame {
        let mut data = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h {
            for x in 0..w {
                let fx = x as f32 / w as f32;
                let fy = y as f32 / h as f32;
                data.push((40.0 + 175.0 * fx) as u8);
                data.push((40.0 + 175.0 * fy) as u8);
                data.push((40.0 + 87.0 * (fx + fy)) as u8);
            }
        }
        Frame::from_u8(w, h, data)
    }

    /// Adds ±d to every sample, the sign pseudo-random: MSE is exactly d².
    fn with_sign_noise(f: &Frame, d: u8, seed: u64) -> Frame {
        let signs = noise_frame(f.width(), f.height(), seed);
        let (Pixels::U8(v), Pixels::U8(s)) = (f.pixels(), signs.pixels()) else {
            unreachable!()
        };
        let out = v
            .iter()
            .zip(s)
            .map(|(&p, &r)| {
                if r & 1 == 0 {
                    p.saturating_add(d)
                } else {
                    p.saturating_sub(d)
                }
            })
            .collect();
        Frame::from_u8(f.width(), f.height(), out)
    }

    /// Direct (non-separable, unoptimised) SSIM over the valid region.
    fn ssim_reference(a: &Frame, b: &Frame) -> f64 {
        let (w, h) = (a.width() as usize, a.height() as usize);
        let (x, y) = (luma(a), luma(b));
        let g = gaussian_window();
        let mut sum = 0.0;
        let mut n = 0;
        for r in RADIUS..h - RADIUS {
            for c in RADIUS..w - RADIUS {
                let mut m = [0.0f64; 5];
                for dy in 0..WINDOW {
                    for dx in 0..WINDOW {
                        let wgt = g[dy] * g[dx];
                        let i = (r + dy - RADIUS) * w + c + dx - RADIUS;
                        let (p, q) = (x[i] as f64, y[i] as f64);
                        m[0] += wgt * p;
                        m[1] += wgt * q;
                        m[2] += wgt * p * p;
                        m[3] += wgt * q * q;
                        m[4] += wgt * p * q;
                    }
                }
                sum += ssim_from_moments(m);
                n += 1;
            }
        }
        sum / n as f64
    }

    #[test]
    fn identical_frames() {
        let a = noise_frame(40, 30, 1);
        assert_eq!(psnr(&a, &a), f64::INFINITY);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-9);
        let h = Frame::from_u16(4, 4, vec![1234; 48]);
        assert_eq!(psnr(&h, &h), f64::INFINITY);
    }

    #[test]
    fn psnr_of_known_noise() {
        let a = smooth_frame(64, 48);
        // MSE = 5² → 10·log10(255²/25) = 34.1514 dB.
        let b = with_sign_noise(&a, 5, 7);
        assert!(
            (psnr(&a, &b) - 34.151_404_2).abs() < 1e-6,
            "{}",
            psnr(&a, &b)
        );
        // 16-bit: every sample off by 257 (= 1 in 8-bit units) → 48.1308 dB.
        let x = Frame::from_u16(2, 2, vec![1000; 12]);
        let y = Frame::from_u16(2, 2, vec![1257; 12]);
        assert!((psnr(&x, &y) - 20.0 * (65535.0f64 / 257.0).log10()).abs() < 1e-9);
    }

    #[test]
    fn ssim_of_flat_frames_has_closed_form() {
        // Constant frames: σ = 0, so SSIM = (2ab + C1) / (a² + b² + C1).
        let a = Frame::from_u8(20, 20, vec![100; 1200]);
        let b = Frame::from_u8(20, 20, vec![120; 1200]);
        let (p, q) = (100.0 / 255.0, 120.0 / 255.0);
        let expected = (2.0 * p * q + C1) / (p * p + q * q + C1);
        assert!(
            (ssim(&a, &b) - expected).abs() < 1e-6,
            "{} vs {expected}",
            ssim(&a, &b)
        );
    }

    #[test]
    fn ssim_matches_direct_reference() {
        let a = noise_frame(37, 29, 3);
        let b = with_sign_noise(&smooth_frame(37, 29), 20, 5).blend(&a, 0.5);
        let fast = ssim(&a, &b);
        let slow = ssim_reference(&a, &b);
        assert!((fast - slow).abs() < 1e-5, "{fast} vs {slow}");
    }

    #[test]
    fn monotonic_with_degradation() {
        let a = smooth_frame(96, 64).blend(&noise_frame(96, 64, 9), 0.2);
        let mut last = (f64::INFINITY, 1.0 + 1e-9);
        for d in [1u8, 3, 8, 20, 40] {
            let b = with_sign_noise(&a, d, 11);
            let (p, s) = (psnr(&a, &b), ssim(&a, &b));
            assert!(
                p < last.0 && s < last.1,
                "d={d}: psnr {p} ssim {s} after {last:?}"
            );
            last = (p, s);
        }
        assert!(
            last.1 < 0.5,
            "heavy noise should drop SSIM well below 1: {}",
            last.1
        );
    }

    #[test]
    fn tiny_frames_use_clamped_window() {
        let a = noise_frame(5, 3, 2);
        assert!((ssim(&a, &a) - 1.0).abs() < 1e-9);
        assert!(ssim(&a, &noise_frame(5, 3, 4)) < 0.9);
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let a = noise_frame(4, 4, 1);
        let b = noise_frame(4, 5, 1);
        assert!(matches!(
            try_psnr(&a, &b),
            Err(MetricsError::ShapeMismatch { b_h: 5, .. })
        ));
        assert!(try_ssim(&a, &Frame::from_u16(4, 4, vec![0; 48])).is_err());
    }
}

//! High-quality separable resampling of RGB [`Frame`]s with the Lanczos3 kernel.
//!
//! [`resize`] takes any source size to any target size, up or down, and keeps
//! the sample depth (8-bit stays 8-bit, 16-bit stays 16-bit). When shrinking,
//! the kernel is stretched by the reduction ratio (support 3·ratio source
//! pixels) so that it low-passes instead of aliasing.
//!
//! The convolution is `fast_image_resize` (Lanczos3, SIMD kernels picked by
//! CPU at run time, rows spread over rayon): measured in the same run by
//! `cargo run --release -p tween-core --example resample_speed`, it is 3–6×
//! faster on 8-bit frames and 1.6× on 16-bit ones than our own separable f32
//! resampler (which it replaced; kept in the example as the baseline), at the
//! same round-trip PSNR (within 0.15 dB) and 54 dB agreement on 8-bit output;
//! the tests below check it against a plain f64 Lanczos3 written here.
//!
//! [`Light::Gamma`] (the default) filters the encoded samples as they are;
//! [`Light::Linear`] decodes them with the sRGB transfer function first and
//! encodes the result again. The default was chosen by measurement (same
//! example): on shrink-by-k → enlarge-by-k round trips (k = 2, 3, 4) filtering
//! the encoded samples scored 1–2.7 dB higher PSNR against the original on a
//! generated scene and on a photograph, and within 0.1 dB on a large smooth
//! photograph; it is also the domain the neural upscalers work in.

use crate::frame::{Frame, Pixels};
use fast_image_resize as fir;
use rayon::prelude::*;

/// Largest side [`resize`] produces or accepts, in pixels.
pub const MAX_SIDE: u32 = 1 << 16;

/// Why a resize was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResampleError {
    /// The source frame has no pixels.
    #[error("cannot resize a {width}x{height} frame: it has no pixels")]
    EmptySource { width: u32, height: u32 },
    /// The requested size has no pixels.
    #[error("cannot resize to {width}x{height}: the target size has no pixels")]
    EmptyTarget { width: u32, height: u32 },
    /// The requested size is larger than [`MAX_SIDE`] on a side.
    #[error("cannot resize to {width}x{height}: a side exceeds {max} pixels")]
    TooLarge { width: u32, height: u32, max: u32 },
    /// The resampling library refused the buffers (a bug: sizes are checked first).
    #[error("resampling failed: {0}")]
    Backend(String),
}

/// Which values the filter averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Light {
    /// The encoded (gamma-compressed) sample values as stored.
    #[default]
    Gamma,
    /// Linear light: samples decoded with the sRGB transfer function, filtered,
    /// and encoded again.
    Linear,
}

/// Settings of [`resize_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResizeOptions {
    pub light: Light,
}

/// Resizes `frame` to `width × height` with Lanczos3, filtering the encoded
/// samples (see [`Light`]). The output has the input's sample depth.
pub fn resize(frame: &Frame, width: u32, height: u32) -> Result<Frame, ResampleError> {
    resize_with(frame, width, height, &ResizeOptions::default())
}

/// [`resize`] with explicit [`ResizeOptions`].
pub fn resize_with(
    frame: &Frame,
    width: u32,
    height: u32,
    options: &ResizeOptions,
) -> Result<Frame, ResampleError> {
    let (sw, sh) = (frame.width(), frame.height());
    if sw == 0 || sh == 0 {
        return Err(ResampleError::EmptySource {
            width: sw,
            height: sh,
        });
    }
    if width == 0 || height == 0 {
        return Err(ResampleError::EmptyTarget { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE || sw > MAX_SIDE || sh > MAX_SIDE {
        return Err(ResampleError::TooLarge {
            width: width.max(sw),
            height: height.max(sh),
            max: MAX_SIDE,
        });
    }
    if (sw, sh) == (width, height) {
        return Ok(frame.clone());
    }
    let (sw, sh) = (sw as usize, sh as usize);
    let n_out = width as usize * height as usize * 3;
    let out = match (frame.pixels(), options.light) {
        (Pixels::U8(src), Light::Gamma) => {
            let mut out = vec![0u8; n_out];
            convolve(src, &mut out, sw, sh, width, height, fir::PixelType::U8x3)?;
            Frame::from_u8(width, height, out)
        }
        (Pixels::U16(src), Light::Gamma) => {
            let mut out = vec![0u16; n_out];
            convolve(src, &mut out, sw, sh, width, height, fir::PixelType::U16x3)?;
            Frame::from_u16(width, height, out)
        }
        (Pixels::U8(src), Light::Linear) => {
            // 8-bit sRGB decodes to 16-bit linear light (fine enough that every
            // 8-bit code comes back exactly), which the fast 16-bit path filters.
            let decode: Vec<u16> = (0..=255u32)
                .map(|s| (srgb_to_linear(s as f32 / 255.0) * 65535.0 + 0.5) as u16)
                .collect();
            let lin: Vec<u16> = src.par_iter().map(|&s| decode[s as usize]).collect();
            let mut out = vec![0u16; n_out];
            convolve(&lin, &mut out, sw, sh, width, height, fir::PixelType::U16x3)?;
            let encode = linear16_to_srgb8_table();
            Frame::from_u8(
                width,
                height,
                out.par_iter().map(|&v| encode[v as usize]).collect(),
            )
        }
        (Pixels::U16(src), Light::Linear) => {
            let decode: Vec<f32> = (0..=65535u32)
                .map(|s| srgb_to_linear(s as f32 / 65535.0))
                .collect();
            let lin: Vec<f32> = src.par_iter().map(|&s| decode[s as usize]).collect();
            let mut out = vec![0f32; n_out];
            convolve(&lin, &mut out, sw, sh, width, height, fir::PixelType::F32x3)?;
            Frame::from_u16(
                width,
                height,
                out.par_iter()
                    // `as` saturates: the Lanczos overshoot is clamped.
                    .map(|&v| (linear_to_srgb(v.clamp(0.0, 1.0)) * 65535.0 + 0.5) as u16)
                    .collect(),
            )
        }
    };
    Ok(out)
}

/// Lanczos3 from `src` (`sw × sh` interleaved RGB) into `dst` (`dw × dh`).
fn convolve<T: bytemuck::Pod>(
    src: &[T],
    dst: &mut [T],
    sw: usize,
    sh: usize,
    dw: u32,
    dh: u32,
    pixel_type: fir::PixelType,
) -> Result<(), ResampleError> {
    let backend = |e: &dyn std::fmt::Display| ResampleError::Backend(e.to_string());
    let src =
        fir::images::ImageRef::new(sw as u32, sh as u32, bytemuck::cast_slice(src), pixel_type)
            .map_err(|e| backend(&e))?;
    let mut dst =
        fir::images::Image::from_slice_u8(dw, dh, bytemuck::cast_slice_mut(dst), pixel_type)
            .map_err(|e| backend(&e))?;
    let options = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    fir::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| backend(&e))
}

/// sRGB decoding (IEC 61966-2-1), `v` in 0..=1.
pub fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// sRGB encoding (IEC 61966-2-1), `v` in 0..=1.
pub fn linear_to_srgb(v: f32) -> f32 {
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// 16-bit linear light → 8-bit sRGB code, for every 16-bit value.
fn linear16_to_srgb8_table() -> Vec<u8> {
    (0..=65535u32)
        .map(|i| (linear_to_srgb(i as f32 / 65535.0) * 255.0 + 0.5) as u8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb8(w: u32, h: u32, mut f: impl FnMut(u32, u32, usize) -> u8) -> Frame {
        let mut v = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                for c in 0..3 {
                    v.push(f(x, y, c));
                }
            }
        }
        Frame::from_u8(w, h, v)
    }

    fn sample(f: &Frame, x: u32, y: u32, c: usize) -> f64 {
        let i = (y as usize * f.width() as usize + x as usize) * 3 + c;
        match f.pixels() {
            Pixels::U8(v) => v[i] as f64,
            Pixels::U16(v) => v[i] as f64,
        }
    }

    /// A deterministic texture: smooth gradients, sines and a little noise.
    fn texture(w: u32, h: u32) -> Frame {
        let mut seed = 0x2545_f491u32;
        rgb8(w, h, |x, y, c| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let (xf, yf) = (x as f64, y as f64);
            let v = 128.0
                + 60.0 * ((xf * 0.21 + c as f64).sin() * (yf * 0.13).cos())
                + 30.0 * ((xf + 2.0 * yf) * 0.05).sin()
                + (seed % 17) as f64
                - 8.0;
            v.clamp(0.0, 255.0) as u8
        })
    }

    /// The Lanczos kernel with three lobes: `sinc(x)·sinc(x/3)` for |x| < 3.
    fn lanczos3(x: f64) -> f64 {
        let x = x.abs();
        if x < 1e-12 {
            1.0
        } else if x >= 3.0 {
            0.0
        } else {
            let px = std::f64::consts::PI * x;
            3.0 * px.sin() * (px / 3.0).sin() / (px * px)
        }
    }

    /// Per output index, (source index, weight) pairs: the kernel centred on
    /// the output pixel's centre mapped into the source, stretched by the
    /// reduction ratio when shrinking, cut at the borders and renormalised.
    fn plain_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f64)>> {
        let ratio = src as f64 / dst as f64;
        let stretch = ratio.max(1.0);
        (0..dst)
            .map(|i| {
                let centre = (i as f64 + 0.5) * ratio;
                let w: Vec<(usize, f64)> = (0..src)
                    .map(|j| (j, lanczos3((j as f64 + 0.5 - centre) / stretch)))
                    .filter(|&(_, w)| w != 0.0)
                    .collect();
                let sum: f64 = w.iter().map(|p| p.1).sum();
                w.into_iter().map(|(j, x)| (j, x / sum)).collect()
            })
            .collect()
    }

    /// A plain separable Lanczos3 in f64, the reference for the fast one.
    fn plain_resize(f: &Frame, w: u32, h: u32) -> Vec<f64> {
        let (sw, sh) = (f.width() as usize, f.height() as usize);
        let (hw, vw) = (plain_weights(sw, w as usize), plain_weights(sh, h as usize));
        let mut tmp = vec![0.0; sh * w as usize * 3];
        for y in 0..sh {
            for (x, taps) in hw.iter().enumerate() {
                for c in 0..3 {
                    tmp[(y * w as usize + x) * 3 + c] = taps
                        .iter()
                        .map(|&(j, k)| k * sample(f, j as u32, y as u32, c))
                        .sum();
                }
            }
        }
        let mut out = vec![0.0; (w * h * 3) as usize];
        for (y, taps) in vw.iter().enumerate() {
            for x in 0..w as usize * 3 {
                out[y * w as usize * 3 + x] = taps
                    .iter()
                    .map(|&(j, k)| k * tmp[j * w as usize * 3 + x])
                    .sum();
            }
        }
        out
    }

    #[test]
    fn matches_a_plain_lanczos3() {
        let f = texture(45, 31);
        let f16 = Frame::from_u16(
            45,
            31,
            match f.pixels() {
                Pixels::U8(v) => v.iter().map(|&s| s as u16 * 257 + 3).collect(),
                _ => unreachable!(),
            },
        );
        for (w, h) in [
            (90, 62),
            (101, 77),
            (20, 13),
            (7, 40),
            (1, 1),
            (3, 2),
            (45, 90),
        ] {
            // 8-bit: the fast path rounds its intermediate rows to 8 bits, so
            // the result may be off by one step plus a little; 16-bit: one
            // step plus a little.
            for (src, max, tol) in [(&f, 255.0, 1.5), (&f16, 65535.0, 2.0)] {
                let want = plain_resize(src, w, h);
                let got = resize(src, w, h).unwrap();
                let worst = want
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        let g = sample(&got, (i / 3) as u32 % w, (i / 3) as u32 / w, i % 3);
                        (g - v.clamp(0.0, max)).abs()
                    })
                    .fold(0.0f64, f64::max);
                assert!(worst <= tol, "45x31 -> {w}x{h} (max {max}): off by {worst}");
            }
        }
    }

    #[test]
    fn constant_image_stays_constant() {
        for (w, h) in [(37, 23), (100, 60)] {
            let f = rgb8(w, h, |_, _, c| [10u8, 128, 250][c]);
            for (nw, nh) in [(91, 47), (13, 7), (1, 1), (200, 3)] {
                for light in [Light::Gamma, Light::Linear] {
                    let g = resize_with(&f, nw, nh, &ResizeOptions { light }).unwrap();
                    let want: Vec<u8> = (0..nw * nh).flat_map(|_| [10u8, 128, 250]).collect();
                    assert_eq!(
                        g.pixels(),
                        &Pixels::U8(want),
                        "{w}x{h} -> {nw}x{nh} {light:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn linear_ramp_stays_a_ramp_inside() {
        // f(x) = 20 + 2x; at output x the source position is (x+0.5)·r − 0.5.
        // Normalised Lanczos3 reproduces a linear function away from the
        // borders up to a position error of at most 0.02 pixel (its first
        // moment is not exactly zero at fractional offsets), plus rounding.
        let f = rgb8(64, 8, |x, _, _| (20 + 2 * x) as u8);
        let f16 = Frame::from_u16(
            64,
            8,
            (0..64 * 8)
                .flat_map(|i| [(5000 + 700 * (i % 64)) as u16; 3])
                .collect(),
        );
        for nw in [160u32, 41] {
            let r = 64.0 / nw as f64;
            let g = resize(&f, nw, 8).unwrap();
            let g16 = resize(&f16, nw, 8).unwrap();
            let margin = (3.0 * r.max(1.0) / r).ceil() as u32 + 1;
            for x in margin..nw - margin {
                let pos = (x as f64 + 0.5) * r - 0.5;
                let want = 20.0 + 2.0 * pos;
                let got = sample(&g, x, 4, 1);
                assert!(
                    (got - want).abs() <= 0.02 * 2.0 + 0.5,
                    "x {x}: {got} vs {want}"
                );
                let want16 = 5000.0 + 700.0 * pos;
                let got16 = sample(&g16, x, 4, 0);
                assert!(
                    (got16 - want16).abs() <= 0.02 * 700.0 + 0.5,
                    "x {x}: {got16} vs {want16}"
                );
            }
        }
    }

    fn box_down(f: &Frame, k: u32) -> Frame {
        let (w, h) = (f.width() / k, f.height() / k);
        rgb8(w, h, |x, y, c| {
            let mut s = 0.0;
            for dy in 0..k {
                for dx in 0..k {
                    s += sample(f, x * k + dx, y * k + dy, c);
                }
            }
            (s / (k * k) as f64).round() as u8
        })
    }

    #[test]
    fn integer_upscale_then_box_down_returns_close_to_original() {
        let f = texture(48, 36);
        for k in [2u32, 3, 4] {
            let up = resize(&f, 48 * k, 36 * k).unwrap();
            let back = box_down(&up, k);
            let psnr = crate::metrics::psnr(&f, &back);
            assert!(psnr > 33.0, "x{k}: PSNR {psnr:.1} dB");
        }
    }

    #[test]
    fn sixteen_bit_keeps_depth_and_precision() {
        let f = texture(40, 30);
        let f16 = Frame::from_u16(
            40,
            30,
            match f.pixels() {
                Pixels::U8(v) => v.iter().map(|&s| s as u16 * 257).collect(),
                _ => unreachable!(),
            },
        );
        let g8 = resize(&f, 97, 71).unwrap();
        let g16 = resize(&f16, 97, 71).unwrap();
        assert!(g16.is_high_depth());
        assert_eq!((g16.width(), g16.height()), (97, 71));
        // The same filter at both depths: the 16-bit result is the 8-bit one
        // with more precision.
        let d = crate::metrics::psnr(&g8, &g16.to_u8());
        assert!(d > 50.0, "8-bit and 16-bit results differ: {d:.1} dB");
        let linear = resize_with(
            &f16,
            97,
            71,
            &ResizeOptions {
                light: Light::Linear,
            },
        )
        .unwrap();
        assert!(linear.is_high_depth());
    }

    #[test]
    fn tiny_and_odd_sizes_work() {
        let one = rgb8(1, 1, |_, _, c| [7u8, 77, 177][c]);
        let big = resize(&one, 5, 3).unwrap();
        assert_eq!(big.pixels(), &Pixels::U8([7u8, 77, 177].repeat(15)));
        let f = texture(7, 5);
        let small = resize(&f, 1, 1).unwrap();
        // Shrinking to one pixel averages (a positive-weighted centre-heavy mean):
        // the result lies within the source's range.
        for c in 0..3 {
            let vals: Vec<f64> = (0..35).map(|i| sample(&f, i % 7, i / 7, c)).collect();
            let (lo, hi) = vals
                .iter()
                .fold((255.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
            let got = sample(&small, 0, 0, c);
            assert!(got >= lo && got <= hi);
        }
        for (w, h) in [(3, 11), (2, 2), (13, 1)] {
            let g = resize(&f, w, h).unwrap();
            assert_eq!(
                (g.width(), g.height(), g.sample_count()),
                (w, h, (w * h * 3) as usize)
            );
        }
    }

    #[test]
    fn same_size_is_the_identity() {
        let f = texture(9, 4);
        assert_eq!(resize(&f, 9, 4).unwrap(), f);
    }

    #[test]
    fn zero_sizes_are_errors() {
        let f = texture(4, 4);
        assert_eq!(
            resize(&f, 0, 5),
            Err(ResampleError::EmptyTarget {
                width: 0,
                height: 5
            })
        );
        let empty = Frame::from_u8(0, 3, Vec::new());
        let e = resize(&empty, 4, 4).unwrap_err();
        assert_eq!(
            e,
            ResampleError::EmptySource {
                width: 0,
                height: 3
            }
        );
        assert!(e.to_string().contains("0x3"), "{e}");
        assert!(matches!(
            resize(&f, MAX_SIDE + 1, 2),
            Err(ResampleError::TooLarge { .. })
        ));
    }

    #[test]
    fn srgb_curves_invert_each_other() {
        for i in 0..=255 {
            let v = i as f32 / 255.0;
            assert!((linear_to_srgb(srgb_to_linear(v)) - v).abs() < 1e-5);
        }
        let t = linear16_to_srgb8_table();
        for i in 0..=255u32 {
            let lin = srgb_to_linear(i as f32 / 255.0);
            assert_eq!(t[(lin * 65535.0 + 0.5) as usize] as u32, i);
        }
    }
}

//! Colour correction of an enhanced (upscaled, restored) frame against the
//! source it was made from, as SeedVR and StableSR do after their networks
//! (`color_fix.py`: `adain_color_fix`, `wavelet_color_fix`).
//!
//! - [`ColorFix::Adain`]: per channel, the enhanced frame's mean and standard
//!   deviation are matched to the source's (adaptive instance normalisation;
//!   unbiased variance plus ε = 1e-5 on samples in 0..=1, as the reference).
//! - [`ColorFix::Wavelet`]: the enhanced frame's high-frequency bands plus the
//!   source's low-frequency band (`wavelet_reconstruction`). The bands come
//!   from five repeated blurs with the 3×3 kernel `[1 2 1]ᵀ[1 2 1]/16`, dilated
//!   by 1, 2, 4, 8 and 16 pixels, borders replicated; the low band is what is
//!   left after the five blurs, the high bands sum to the frame minus it. As
//!   the blur is linear, `high(E) + low(S) = E − low(E − S)`, which is how it
//!   is computed here (one cascade instead of two).
//!
//! The source may be smaller than the enhanced frame: it is first resized to
//! the enhanced frame's size with [`crate::resample::resize`]. The output has
//! the enhanced frame's size and sample depth.

use crate::frame::{Frame, Pixels};
use crate::resample::{resize, ResampleError};
use rayon::prelude::*;

/// Which colour correction to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorFix {
    /// Leave the enhanced frame as it is.
    None,
    /// Match per-channel mean and standard deviation to the source.
    Adain,
    /// Keep the enhanced frame's detail, take the source's low frequencies.
    #[default]
    Wavelet,
}

/// Why a colour fix failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ColorFixError {
    /// The source could not be brought to the enhanced frame's size.
    #[error("colour fix: cannot resize the source: {0}")]
    Resample(#[from] ResampleError),
    /// The enhanced frame has no pixels.
    #[error("colour fix: the enhanced frame is {width}x{height}, it has no pixels")]
    Empty { width: u32, height: u32 },
}

/// A colour-fix name that is not one of `none`, `adain`, `wavelet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown colour fix '{0}' (choose none, adain or wavelet)")]
pub struct ParseColorFixError(pub String);

impl std::str::FromStr for ColorFix {
    type Err = ParseColorFixError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(ColorFix::None),
            "adain" => Ok(ColorFix::Adain),
            "wavelet" => Ok(ColorFix::Wavelet),
            _ => Err(ParseColorFixError(s.to_string())),
        }
    }
}

impl std::fmt::Display for ColorFix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ColorFix::None => "none",
            ColorFix::Adain => "adain",
            ColorFix::Wavelet => "wavelet",
        })
    }
}

/// Number of wavelet levels (dilations 1, 2, 4, 8, 16), as SeedVR.
pub const WAVELET_LEVELS: u32 = 5;

/// ε added to the variance in AdaIN, on samples in 0..=1, as the reference.
const ADAIN_EPS: f64 = 1e-5;

impl ColorFix {
    /// Corrects `enhanced`'s colours against `source` (any size; resized to
    /// `enhanced`'s first). The result has `enhanced`'s size and depth.
    pub fn apply(self, enhanced: &Frame, source: &Frame) -> Result<Frame, ColorFixError> {
        let (w, h) = (enhanced.width(), enhanced.height());
        if w == 0 || h == 0 {
            return Err(ColorFixError::Empty {
                width: w,
                height: h,
            });
        }
        if self == ColorFix::None {
            return Ok(enhanced.clone());
        }
        let resized;
        let source = if (source.width(), source.height()) == (w, h) {
            source
        } else {
            resized = resize(source, w, h)?;
            &resized
        };
        let content = enhanced.to_f32();
        let style = source.to_f32();
        let fixed = match self {
            ColorFix::None => unreachable!("returned above"),
            ColorFix::Adain => adain(&content, &style),
            ColorFix::Wavelet => wavelet(&content, &style, w as usize, h as usize),
        };
        Ok(from_unit(&fixed, enhanced))
    }
}

/// Per-channel mean and standard deviation (unbiased variance + ε).
fn mean_std(samples: &[f32]) -> [(f64, f64); 3] {
    let n = (samples.len() / 3) as f64;
    let mut out = [(0.0, 0.0); 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mean = samples
            .iter()
            .skip(c)
            .step_by(3)
            .map(|&v| v as f64)
            .sum::<f64>()
            / n;
        let ss: f64 = samples
            .iter()
            .skip(c)
            .step_by(3)
            .map(|&v| (v as f64 - mean).powi(2))
            .sum();
        let var = if n > 1.0 { ss / (n - 1.0) } else { 0.0 };
        *o = (mean, (var + ADAIN_EPS).sqrt());
    }
    out
}

/// AdaIN: `(x − μ_content) / σ_content · σ_style + μ_style`, per channel.
fn adain(content: &[f32], style: &[f32]) -> Vec<f32> {
    let (c, s) = (mean_std(content), mean_std(style));
    let gain: [f32; 3] = std::array::from_fn(|i| (s[i].1 / c[i].1) as f32);
    let bias: [f32; 3] = std::array::from_fn(|i| (s[i].0 - c[i].0 * s[i].1 / c[i].1) as f32);
    let mut out = content.to_vec();
    out.par_chunks_mut(3).for_each(|px| {
        for i in 0..3 {
            px[i] = px[i] * gain[i] + bias[i];
        }
    });
    out
}

/// `content − low(content − style)`: content's high bands, style's low band.
fn wavelet(content: &[f32], style: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut diff: Vec<f32> = content.iter().zip(style).map(|(a, b)| a - b).collect();
    let low = low_band(&mut diff, w, h);
    content.iter().zip(low).map(|(c, l)| c - l).collect()
}

/// The low band after [`WAVELET_LEVELS`] dilated blurs of interleaved RGB
/// samples (the buffer is used as scratch).
fn low_band(img: &mut Vec<f32>, w: usize, h: usize) -> Vec<f32> {
    let mut tmp = vec![0.0f32; img.len()];
    for level in 0..WAVELET_LEVELS {
        let d = 1usize << level;
        blur_rows(img, &mut tmp, w, d);
        blur_columns(&tmp, img, w, h, d);
    }
    std::mem::take(img)
}

/// `[1 2 1]/4` along each row with taps `d` pixels apart, edges replicated.
fn blur_rows(src: &[f32], dst: &mut [f32], w: usize, d: usize) {
    dst.par_chunks_mut(w * 3)
        .zip(src.par_chunks(w * 3))
        .for_each(|(out, row)| {
            for x in 0..w {
                let (l, r) = (x.saturating_sub(d), (x + d).min(w - 1));
                for c in 0..3 {
                    out[x * 3 + c] =
                        0.25 * row[l * 3 + c] + 0.5 * row[x * 3 + c] + 0.25 * row[r * 3 + c];
                }
            }
        });
}

/// `[1 2 1]/4` down each column with taps `d` rows apart, edges replicated.
fn blur_columns(src: &[f32], dst: &mut [f32], w: usize, h: usize, d: usize) {
    let n = w * 3;
    dst.par_chunks_mut(n).enumerate().for_each(|(y, out)| {
        let (u, v) = (y.saturating_sub(d), (y + d).min(h - 1));
        let (up, mid, down) = (&src[u * n..][..n], &src[y * n..][..n], &src[v * n..][..n]);
        for i in 0..n {
            out[i] = 0.25 * up[i] + 0.5 * mid[i] + 0.25 * down[i];
        }
    });
}

/// Samples in 0..=1 back to `like`'s depth, rounded and clamped.
fn from_unit(samples: &[f32], like: &Frame) -> Frame {
    let (w, h) = (like.width(), like.height());
    // `as` from f32 saturates, so the clamp to the sample range is built in.
    match like.pixels() {
        Pixels::U8(_) => Frame::from_u8(
            w,
            h,
            samples.iter().map(|&v| (v * 255.0 + 0.5) as u8).collect(),
        ),
        Pixels::U16(_) => Frame::from_u16(
            w,
            h,
            samples
                .iter()
                .map(|&v| (v * 65535.0 + 0.5) as u16)
                .collect(),
        ),
    }
}

#[cfg(test)]
#[path = "colorfix_tests.rs"]
mod tests;

//! The separable Lanczos3 resampler written for tween before it switched to
//! `fast_image_resize`: f32 weights precomputed per output row/column, a
//! horizontal pass into an f32 intermediate, a vertical pass, rayon over rows.
//! Kept here as the baseline that decision was measured against.

use rayon::prelude::*;
use tween_core::{Frame, Pixels};

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

struct Weights {
    taps: usize,
    starts: Vec<usize>,
    coeffs: Vec<f32>,
}

impl Weights {
    fn new(src_len: usize, dst_len: usize) -> Weights {
        let ratio = src_len as f64 / dst_len as f64;
        let stretch = ratio.max(1.0);
        let support = 3.0 * stretch;
        let mut windows: Vec<(usize, Vec<f64>)> = Vec::with_capacity(dst_len);
        for i in 0..dst_len {
            let centre = (i as f64 + 0.5) * ratio - 0.5;
            let first = (centre - support).ceil() as i64;
            let last = (centre + support).floor() as i64;
            let clamp = |j: i64| j.clamp(0, src_len as i64 - 1) as usize;
            let (lo, hi) = (clamp(first), clamp(last));
            let mut w = vec![0.0f64; hi - lo + 1];
            for j in first..=last {
                w[clamp(j) - lo] += lanczos3((j as f64 - centre) / stretch);
            }
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|x| *x /= sum);
            windows.push((lo, w));
        }
        let taps = windows.iter().map(|(_, w)| w.len()).max().unwrap_or(1);
        let mut starts = Vec::with_capacity(dst_len);
        let mut coeffs = vec![0.0f32; dst_len * taps];
        for (i, (lo, w)) in windows.into_iter().enumerate() {
            let start = lo.min(src_len - taps);
            let off = lo - start;
            for (k, x) in w.into_iter().enumerate() {
                coeffs[i * taps + off + k] = x as f32;
            }
            starts.push(start);
        }
        Weights {
            taps,
            starts,
            coeffs,
        }
    }

    fn get(&self, i: usize) -> (usize, &[f32]) {
        (
            self.starts[i],
            &self.coeffs[i * self.taps..(i + 1) * self.taps],
        )
    }
}

fn horizontal<T: Copy + Send + Sync>(
    src: &[T],
    src_w: usize,
    weights: &Weights,
    to_f32: impl Fn(T) -> f32 + Sync,
) -> Vec<f32> {
    let dst_w = weights.starts.len();
    let rows = src.len() / (src_w * 3);
    let mut tmp = vec![0.0f32; rows * dst_w * 3];
    tmp.par_chunks_mut(dst_w * 3)
        .zip(src.par_chunks(src_w * 3))
        .for_each_init(
            || Vec::with_capacity(src_w * 4),
            |line: &mut Vec<f32>, (out, row)| {
                line.clear();
                line.extend(
                    row.chunks_exact(3)
                        .flat_map(|p| [to_f32(p[0]), to_f32(p[1]), to_f32(p[2]), 0.0]),
                );
                for (x, px) in out.chunks_exact_mut(3).enumerate() {
                    let (start, w) = weights.get(x);
                    let taps = &line[start * 4..(start + w.len()) * 4];
                    let mut acc = [0.0f32; 4];
                    for (s, &k) in taps.chunks_exact(4).zip(w) {
                        for c in 0..4 {
                            acc[c] += s[c] * k;
                        }
                    }
                    px.copy_from_slice(&acc[..3]);
                }
            },
        );
    tmp
}

fn vertical<T: Copy + Default + Send>(
    tmp: &[f32],
    weights: &Weights,
    dst_w: usize,
    from_f32: impl Fn(f32) -> T + Sync,
) -> Vec<T> {
    let row_len = dst_w * 3;
    let dst_h = weights.starts.len();
    let mut out = vec![T::default(); dst_h * row_len];
    out.par_chunks_mut(row_len).enumerate().for_each_init(
        || vec![0.0f32; row_len],
        |acc, (y, out_row)| {
            let (start, w) = weights.get(y);
            acc.iter_mut().for_each(|a| *a = 0.0);
            for (k, &wk) in w.iter().enumerate() {
                let row = &tmp[(start + k) * row_len..(start + k + 1) * row_len];
                for (a, &s) in acc.iter_mut().zip(row) {
                    *a += s * wk;
                }
            }
            for (o, &a) in out_row.iter_mut().zip(acc.iter()) {
                *o = from_f32(a);
            }
        },
    );
    out
}

/// Lanczos3 on the encoded samples, borders replicated.
pub fn resize(frame: &Frame, width: u32, height: u32) -> Frame {
    let sw = frame.width() as usize;
    let hw = Weights::new(sw, width as usize);
    let vw = Weights::new(frame.height() as usize, height as usize);
    match frame.pixels() {
        Pixels::U8(src) => {
            let tmp = horizontal(src, sw, &hw, |s: u8| s as f32);
            Frame::from_u8(
                width,
                height,
                vertical(&tmp, &vw, width as usize, |v| (v + 0.5) as u8),
            )
        }
        Pixels::U16(src) => {
            let tmp = horizontal(src, sw, &hw, |s: u16| s as f32);
            Frame::from_u16(
                width,
                height,
                vertical(&tmp, &vw, width as usize, |v| (v + 0.5) as u16),
            )
        }
    }
}

//! Full-resolution rendering: the time-t motion and blend weight (flow
//! resolution) are upsampled bilinearly per output row, both frames are
//! backward-warped (bilinear, clamp-to-border) and blended. A sample that
//! would come from outside a frame (content entering or leaving the picture)
//! is taken from the other frame instead.

use crate::time_flow::TimeFlow;
use rayon::prelude::*;

/// A sample type of [`tween_core::Pixels`].
pub trait Sample: Copy + Send + Sync {
    const MAX: f32;
    fn to_f32(self) -> f32;
    fn from_f32(v: f32) -> Self;
}

impl Sample for u8 {
    const MAX: f32 = 255.0;
    #[inline]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline]
    fn from_f32(v: f32) -> Self {
        (v.clamp(0.0, <Self as Sample>::MAX) + 0.5) as u8 // NaN casts to 0
    }
}

impl Sample for u16 {
    const MAX: f32 = 65535.0;
    #[inline]
    fn to_f32(self) -> f32 {
        self as f32
    }
    #[inline]
    fn from_f32(v: f32) -> Self {
        (v.clamp(0.0, <Self as Sample>::MAX) + 0.5) as u16
    }
}

/// Bilinear neighbours along one axis of a centre-aligned upsampling by `k`.
#[derive(Clone, Copy)]
struct Tap {
    i0: usize,
    i1: usize,
    f: f32,
}

fn taps(n_out: usize, n_in: usize, k: f32) -> Vec<Tap> {
    (0..n_out)
        .map(|o| {
            let s = ((o as f32 + 0.5) / k - 0.5).clamp(0.0, (n_in - 1) as f32);
            let i0 = s as usize;
            Tap { i0, i1: (i0 + 1).min(n_in - 1), f: s - i0 as f32 }
        })
        .collect()
}

/// Bilinear RGB sample of an interleaved `w`×`h` image, clamp-to-border.
#[inline]
fn sample_rgb<T: Sample>(img: &[T], w: usize, h: usize, x: f32, y: f32) -> [f32; 3] {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let (r0, r1) = (y0 * w, y1 * w);
    let (p00, p01, p10, p11) = ((r0 + x0) * 3, (r0 + x1) * 3, (r1 + x0) * 3, (r1 + x1) * 3);
    let mut out = [0.0f32; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let a = img[p00 + c].to_f32();
        let b = img[p01 + c].to_f32();
        let cc = img[p10 + c].to_f32();
        let d = img[p11 + c].to_f32();
        let top = a + fx * (b - a);
        let bot = cc + fx * (d - cc);
        *o = top + fy * (bot - top);
    }
    out
}

/// How far inside the picture a sample position is, as a weight in [0, 1]
/// (1 from the outermost pixel centres inwards, 0 one pixel outside).
#[inline]
fn inside(x: f32, y: f32, w: usize, h: usize) -> f32 {
    let m = x.min(y).min(w as f32 - 1.0 - x).min(h as f32 - 1.0 - y);
    (m + 1.0).clamp(0.0, 1.0)
}

/// Renders the frame at `t` from `a` and `b` (interleaved RGB, `w`×`h`) and
/// the time-t motion, whose grid is `2^shift` times coarser.
pub fn render<T: Sample>(a: &[T], b: &[T], w: usize, h: usize, tf: &TimeFlow, shift: u32, t: f32) -> Vec<T> {
    let k = (1u32 << shift) as f32;
    let (fw, fh) = (tf.motion.w, tf.motion.h);
    let xt = taps(w, fw, k);
    let yt = taps(h, fh, k);
    let mut out: Vec<T> = vec![T::from_f32(0.0); w * h * 3];
    out.par_chunks_mut(w * 3).enumerate().for_each(|(y, row)| {
        // Vertical pass on the coarse fields for this row; motion in full-res pixels.
        let ty = yt[y];
        let lerp_row = |d: &[f32], scale: f32| -> Vec<f32> {
            let (r0, r1) = (&d[ty.i0 * fw..][..fw], &d[ty.i1 * fw..][..fw]);
            r0.iter().zip(r1).map(|(&p, &q)| scale * (p + ty.f * (q - p))).collect()
        };
        let mu = lerp_row(&tf.motion.u, k);
        let mv = lerp_row(&tf.motion.v, k);
        let al = lerp_row(&tf.alpha.data, 1.0);
        let yf = y as f32;
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let tx = xt[x];
            let m_u = mu[tx.i0] + tx.f * (mu[tx.i1] - mu[tx.i0]);
            let m_v = mv[tx.i0] + tx.f * (mv[tx.i1] - mv[tx.i0]);
            let alpha = al[tx.i0] + tx.f * (al[tx.i1] - al[tx.i0]);
            let xf = x as f32;
            let (ax, ay) = (xf - t * m_u, yf - t * m_v);
            let (bx, by) = (xf + (1.0 - t) * m_u, yf + (1.0 - t) * m_v);
            let mut wa = (1.0 - alpha) * inside(ax, ay, w, h);
            let mut wb = alpha * inside(bx, by, w, h);
            let s = wa + wb;
            if s > 1e-4 {
                wa /= s;
                wb /= s;
            } else {
                (wa, wb) = (1.0 - alpha, alpha);
            }
            let mut acc = [0.0f32; 3];
            if wa > 0.0 {
                let ca = sample_rgb(a, w, h, ax, ay);
                for c in 0..3 {
                    acc[c] += wa * ca[c];
                }
            }
            if wb > 0.0 {
                let cb = sample_rgb(b, w, h, bx, by);
                for c in 0..3 {
                    acc[c] += wb * cb[c];
                }
            }
            for c in 0..3 {
                px[c] = T::from_f32(acc[c]);
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{FlowField, Plane};

    #[test]
    fn zero_motion_is_a_blend() {
        let (w, h) = (5, 4);
        let a: Vec<u8> = (0..w * h * 3).map(|i| (i * 3) as u8).collect();
        let b: Vec<u8> = (0..w * h * 3).map(|i| (200 - i) as u8).collect();
        let tf = TimeFlow { motion: FlowField::zeros(3, 2), alpha: Plane::filled(3, 2, 0.25) };
        let out = render(&a, &b, w, h, &tf, 1, 0.25);
        for i in 0..out.len() {
            let want = 0.75 * a[i] as f32 + 0.25 * b[i] as f32;
            assert!((out[i] as f32 - want).abs() <= 0.5 + 1e-3, "{i}: {} vs {want}", out[i]);
        }
    }

    #[test]
    fn garbage_motion_never_panics_or_leaves_range() {
        let a = vec![65535u16; 4 * 3 * 3];
        let mut m = FlowField::zeros(2, 2);
        m.u = vec![f32::MAX, f32::NAN, -1e30, 0.0];
        let tf = TimeFlow { motion: m, alpha: Plane::filled(2, 2, f32::NAN) };
        let out = render(&a, &a, 4, 3, &tf, 1, 0.5);
        assert_eq!(out.len(), 36);
    }
}

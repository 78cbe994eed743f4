//! Full-resolution rendering: the time-t motion and blend weight (flow
//! resolution) are upsampled bilinearly per output row, both frames are
//! backward-warped (bilinear, clamp-to-border) and blended. A sample that
//! would come from outside a frame (content entering or leaving the picture)
//! is taken from the other frame instead.

use crate::simd::Kernel;
use crate::time_flow::TimeFlow;
use rayon::prelude::*;

/// A sample type of [`tween_core::Pixels`].
pub trait Sample: Copy + Send + Sync {
    const MAX: f32;
    fn to_f32(self) -> f32;
    fn from_f32(v: f32) -> Self;
    /// The samples as bytes when they are 8-bit (the SIMD path handles those).
    fn as_u8(s: &[Self]) -> Option<&[u8]>;
    fn as_u8_mut(s: &mut [Self]) -> Option<&mut [u8]>;
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
    fn as_u8(s: &[Self]) -> Option<&[u8]> {
        Some(s)
    }
    fn as_u8_mut(s: &mut [Self]) -> Option<&mut [u8]> {
        Some(s)
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
    fn as_u8(_: &[Self]) -> Option<&[u8]> {
        None
    }
    fn as_u8_mut(_: &mut [Self]) -> Option<&mut [u8]> {
        None
    }
}

/// Bilinear neighbours along one axis of a centre-aligned upsampling by `k`,
/// as three arrays (first index, second index, fraction).
fn taps(n_out: usize, n_in: usize, k: f32) -> (Vec<i32>, Vec<i32>, Vec<f32>) {
    let (mut i0s, mut i1s, mut fs) = (vec![], vec![], vec![]);
    for o in 0..n_out {
        let s = ((o as f32 + 0.5) / k - 0.5).clamp(0.0, (n_in - 1) as f32);
        let i0 = s as usize;
        i0s.push(i0 as i32);
        i1s.push((i0 + 1).min(n_in - 1) as i32);
        fs.push(s - i0 as f32);
    }
    (i0s, i1s, fs)
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

/// One output pixel at `(x, y)` given the time-t motion `(m_u, m_v)` in
/// full-resolution pixels and the weight `alpha` of `b`: the plain version
/// that the SIMD row kernel must match.
#[allow(clippy::too_many_arguments)]
#[inline]
fn pixel<T: Sample>(
    a: &[T],
    b: &[T],
    w: usize,
    h: usize,
    x: usize,
    y: usize,
    t: f32,
    m: (f32, f32, f32),
) -> [f32; 3] {
    let (m_u, m_v, alpha) = m;
    let (xf, yf) = (x as f32, y as f32);
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
    let ca = sample_rgb(a, w, h, ax, ay);
    let cb = sample_rgb(b, w, h, bx, by);
    [
        wa * ca[0] + wb * cb[0],
        wa * ca[1] + wb * cb[1],
        wa * ca[2] + wb * cb[2],
    ]
}

/// Renders the frame at `t` from `a` and `b` (interleaved RGB, `w`×`h`) and
/// the time-t motion, whose grid is `2^shift` times coarser. `simd` allows
/// the AVX2 row kernel (8-bit samples only).
#[allow(clippy::too_many_arguments)]
pub fn render<T: Sample>(
    a: &[T],
    b: &[T],
    w: usize,
    h: usize,
    tf: &TimeFlow,
    shift: u32,
    t: f32,
    simd: Kernel,
) -> Vec<T> {
    let k = (1u32 << shift) as f32;
    let (fw, fh) = (tf.motion.w, tf.motion.h);
    let (ti0, ti1, tfr) = taps(w, fw, k);
    let (yi0, yi1, yfr) = taps(h, fh, k);
    let mut out: Vec<T> = vec![T::from_f32(0.0); w * h * 3];
    out.par_chunks_mut(w * 3).enumerate().for_each(|(y, row)| {
        // Vertical pass on the coarse fields for this row; motion in full-res pixels.
        let (r0, r1, fy) = (yi0[y] as usize, yi1[y] as usize, yfr[y]);
        let lerp_row = |d: &[f32], scale: f32| -> Vec<f32> {
            let (p0, p1) = (&d[r0 * fw..][..fw], &d[r1 * fw..][..fw]);
            p0.iter()
                .zip(p1)
                .map(|(&p, &q)| scale * (p + fy * (q - p)))
                .collect()
        };
        let mu = lerp_row(&tf.motion.u, k);
        let mv = lerp_row(&tf.motion.v, k);
        let al = lerp_row(&tf.alpha.data, 1.0);
        let done = simd_row(
            simd,
            a,
            b,
            w,
            h,
            y,
            t,
            (&mu, &mv, &al),
            (&ti0, &ti1, &tfr),
            row,
        );
        for x in done..w {
            let (i0, i1, f) = (ti0[x] as usize, ti1[x] as usize, tfr[x]);
            let m = (
                mu[i0] + f * (mu[i1] - mu[i0]),
                mv[i0] + f * (mv[i1] - mv[i0]),
                al[i0] + f * (al[i1] - al[i0]),
            );
            let c = pixel(a, b, w, h, x, y, t, m);
            for ch in 0..3 {
                row[x * 3 + ch] = T::from_f32(c[ch]);
            }
        }
    });
    out
}

/// Runs the SIMD row kernel where it applies; returns how many leading
/// pixels of the row it rendered (0 when it did not run).
#[allow(clippy::too_many_arguments)]
fn simd_row<T: Sample>(
    simd: Kernel,
    a: &[T],
    b: &[T],
    w: usize,
    h: usize,
    y: usize,
    t: f32,
    fields: (&[f32], &[f32], &[f32]),
    taps: (&[i32], &[i32], &[f32]),
    row: &mut [T],
) -> usize {
    #[cfg(target_arch = "x86_64")]
    if simd == Kernel::Avx2 {
        if let (Some(a), Some(b), Some(out)) = (T::as_u8(a), T::as_u8(b), T::as_u8_mut(row)) {
            let job = crate::simd::warp_avx2::RowJob {
                a,
                b,
                w,
                h,
                y,
                t,
                mu: fields.0,
                mv: fields.1,
                al: fields.2,
                ti0: taps.0,
                ti1: taps.1,
                tf: taps.2,
            };
            return crate::simd::warp_avx2::render_row(&job, out);
        }
    }
    let _ = (simd, a, b, w, h, y, t, fields, taps, row);
    0
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
        let tf = TimeFlow {
            motion: FlowField::zeros(3, 2),
            alpha: Plane::filled(3, 2, 0.25),
        };
        let out = render(&a, &b, w, h, &tf, 1, 0.25, Kernel::Scalar);
        for i in 0..out.len() {
            let want = 0.75 * a[i] as f32 + 0.25 * b[i] as f32;
            assert!(
                (out[i] as f32 - want).abs() <= 0.5 + 1e-3,
                "{i}: {} vs {want}",
                out[i]
            );
        }
    }

    #[test]
    fn simd_rows_match_the_plain_pixels() {
        let (w, h) = (37, 11);
        let a: Vec<u8> = (0..w * h * 3).map(|i| ((i * 37) % 251) as u8).collect();
        let b: Vec<u8> = (0..w * h * 3).map(|i| ((i * 91 + 7) % 253) as u8).collect();
        let (fw, fh) = (10, 3);
        let mut m = FlowField::zeros(fw, fh);
        for k in 0..fw * fh {
            m.u[k] = ((k * 13) % 7) as f32 - 3.0;
            m.v[k] = ((k * 5) % 9) as f32 * 0.7 - 2.5;
        }
        let alpha = Plane {
            w: fw,
            h: fh,
            data: (0..fw * fh).map(|k| (k % 5) as f32 / 4.0).collect(),
        };
        let tf = TimeFlow { motion: m, alpha };
        for t in [0.3f32, 0.5] {
            let plain = render(&a, &b, w, h, &tf, 2, t, Kernel::Scalar);
            let fast = render(&a, &b, w, h, &tf, 2, t, Kernel::detect(true));
            for (i, (p, q)) in plain.iter().zip(&fast).enumerate() {
                assert!((*p as i32 - *q as i32).abs() <= 1, "sample {i}: {p} vs {q}");
            }
        }
    }

    #[test]
    fn garbage_motion_never_panics_or_leaves_range() {
        let a = vec![65535u16; 4 * 3 * 3];
        let mut m = FlowField::zeros(2, 2);
        m.u = vec![f32::MAX, f32::NAN, -1e30, 0.0];
        let tf = TimeFlow {
            motion: m,
            alpha: Plane::filled(2, 2, f32::NAN),
        };
        let out = render(&a, &a, 4, 3, &tf, 1, 0.5, Kernel::detect(true));
        assert_eq!(out.len(), 36);
    }
}

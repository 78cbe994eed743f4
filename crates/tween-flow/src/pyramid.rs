//! Grayscale `f32` pyramids, built once per frame.
//!
//! A frame is converted straight to the finest flow scale (luma averaged over
//! `2^shift`-pixel blocks, on a 0..255 scale whatever the sample depth), the
//! second frame of a pair is matched to the first in mean and contrast (so a
//! global brightness change does not read as motion), and each level is then
//! halved down to the coarsest. Every level keeps a border-replicated padded
//! copy (patch search reads outside the picture without bounds checks per
//! pixel) and its gradients (the template side of the inverse search).

use crate::field::Plane;
use rayon::prelude::*;
use tween_core::{Frame, Pixels};

/// Border width of [`Level::padded`], in pixels of the level.
pub const PAD: usize = 20;

/// One pyramid level.
pub struct Level {
    pub img: Plane,
    /// `img` with [`PAD`] replicated pixels on every side, row stride `stride`.
    pub padded: Vec<f32>,
    pub stride: usize,
    pub gx: Plane,
    pub gy: Plane,
}

impl Level {
    fn new(img: Plane) -> Level {
        let (w, h) = (img.w, img.h);
        let stride = w + 2 * PAD;
        let mut padded = vec![0.0f32; stride * (h + 2 * PAD)];
        padded
            .par_chunks_mut(stride)
            .enumerate()
            .for_each(|(py, row)| {
                let y = py.saturating_sub(PAD).min(h - 1);
                let src = &img.data[y * w..(y + 1) * w];
                row[..PAD].fill(src[0]);
                row[PAD..PAD + w].copy_from_slice(src);
                row[PAD + w..].fill(src[w - 1]);
            });
        let (gx, gy) = img.gradients();
        Level {
            img,
            padded,
            stride,
            gx,
            gy,
        }
    }

    /// Index into [`Level::padded`] of picture position `(x, y)`; valid for
    /// `-PAD <= x < w + PAD` and likewise for `y`.
    #[inline]
    pub fn padded_index(&self, x: isize, y: isize) -> usize {
        (y + PAD as isize) as usize * self.stride + (x + PAD as isize) as usize
    }
}

/// Levels from finest (index 0, the finest flow scale) to coarsest.
pub struct Pyramid {
    pub levels: Vec<Level>,
}

impl Pyramid {
    /// Builds `n_levels` levels (at least one) from the finest plane.
    pub fn build(finest: Plane, n_levels: usize) -> Pyramid {
        let mut planes = vec![finest];
        while planes.len() < n_levels.max(1) {
            let next = planes.last().expect("at least one level").downsample2();
            planes.push(next);
        }
        Pyramid {
            levels: planes.into_iter().map(Level::new).collect(),
        }
    }
}

/// Rec. 601 luma weights on a 0..255 scale, for 8-bit and 16-bit samples.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// Luma of `frame` averaged over blocks of `2^shift`×`2^shift` pixels (partial
/// blocks at the right and bottom edges), size rounded up.
pub fn luma_at_scale(frame: &Frame, shift: u32) -> Plane {
    match frame.pixels() {
        Pixels::U8(d) => luma_blocks(
            d,
            frame.width() as usize,
            frame.height() as usize,
            shift,
            1.0,
        ),
        Pixels::U16(d) => luma_blocks(
            d,
            frame.width() as usize,
            frame.height() as usize,
            shift,
            255.0 / 65535.0,
        ),
    }
}

fn luma_blocks<T: Copy + Into<f32> + Sync>(
    data: &[T],
    w: usize,
    h: usize,
    shift: u32,
    scale: f32,
) -> Plane {
    let k = 1usize << shift;
    let (wo, ho) = (w.div_ceil(k), h.div_ceil(k));
    let mut out = Plane::new(wo, ho);
    let weights = LUMA.map(|c| c * scale);
    out.data
        .par_chunks_mut(wo)
        .enumerate()
        .for_each(|(yo, row)| {
            let (y0, y1) = (yo * k, ((yo + 1) * k).min(h));
            for y in y0..y1 {
                let src = &data[y * w * 3..(y + 1) * w * 3];
                for (x, px) in src.chunks_exact(3).enumerate() {
                    let l = weights[0] * px[0].into()
                        + weights[1] * px[1].into()
                        + weights[2] * px[2].into();
                    row[x >> shift] += l;
                }
            }
            let rows = (y1 - y0) as f32;
            for (xo, o) in row.iter_mut().enumerate() {
                let cols = (((xo + 1) * k).min(w) - xo * k) as f32;
                *o /= rows * cols;
            }
        });
    out
}

/// Maps `target` to the mean and contrast of `reference` (gain clamped to
/// 0.5..2 so that a scene change is not stretched into noise).
pub fn match_photometry(reference: &Plane, target: &mut Plane) {
    let (mr, sr) = reference.mean_std();
    let (mt, st) = target.mean_std();
    let gain = if sr > 1e-3 && st > 1e-3 {
        (sr / st).clamp(0.5, 2.0)
    } else {
        1.0
    };
    target
        .data
        .par_iter_mut()
        .for_each(|v| *v = (*v - mt) * gain + mr);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_averages_blocks_for_both_depths() {
        let data8: Vec<u8> = (0..5 * 3 * 3).map(|i| (i * 5) as u8).collect();
        let f8 = Frame::from_u8(5, 3, data8.clone());
        let f16 = Frame::from_u16(5, 3, data8.iter().map(|&v| v as u16 * 257).collect());
        let (p8, p16) = (luma_at_scale(&f8, 1), luma_at_scale(&f16, 1));
        assert_eq!((p8.w, p8.h), (3, 2));
        for (a, b) in p8.data.iter().zip(&p16.data) {
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
        // Bottom-right block is the single pixel (4, 2).
        let px = &data8[(2 * 5 + 4) * 3..][..3];
        let l = LUMA[0] * px[0] as f32 + LUMA[1] * px[1] as f32 + LUMA[2] * px[2] as f32;
        assert!((p8.at(2, 1) - l).abs() < 1e-3);
    }

    #[test]
    fn padding_replicates_the_border() {
        let lvl = Level::new(Plane {
            w: 2,
            h: 1,
            data: vec![3.0, 7.0],
        });
        assert_eq!(lvl.padded[lvl.padded_index(-(PAD as isize), -3)], 3.0);
        assert_eq!(lvl.padded[lvl.padded_index(5, 4)], 7.0);
    }

    #[test]
    fn photometry_removes_gain_and_offset() {
        let a = Plane {
            w: 4,
            h: 1,
            data: vec![10.0, 50.0, 90.0, 30.0],
        };
        let mut b = Plane {
            w: 4,
            h: 1,
            data: a.data.iter().map(|v| v * 1.2 + 5.0).collect(),
        };
        match_photometry(&a, &mut b);
        for (x, y) in a.data.iter().zip(&b.data) {
            assert!((x - y).abs() < 1e-3);
        }
    }
}

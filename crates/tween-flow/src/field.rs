//! Dense single-channel `f32` planes and two-channel flow fields, with the
//! clamp-to-border bilinear sampling and the centre-aligned resizing that the
//! pyramid, the refinement and the renderer share.
//!
//! Coordinates are pixel centres: pixel `(x, y)` sits at `(x, y)`. A plane that
//! is `k` times smaller maps its pixel `xs` to `(xs + 0.5)·k − 0.5` of the
//! larger one.

use rayon::prelude::*;

/// A single-channel image, rows top to bottom, no padding.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    pub w: usize,
    pub h: usize,
    pub data: Vec<f32>,
}

impl Plane {
    /// A plane of zeros.
    pub fn new(w: usize, h: usize) -> Plane {
        Plane {
            w,
            h,
            data: vec![0.0; w * h],
        }
    }

    /// A plane filled with `value`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn filled(w: usize, h: usize, value: f32) -> Plane {
        Plane {
            w,
            h,
            data: vec![value; w * h],
        }
    }

    #[inline]
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        self.data[y * self.w + x]
    }

    /// Bilinear sample at `(x, y)`, clamped to the border. Non-finite
    /// coordinates read the top-left pixel rather than producing NaN.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let (x0, x1, fx) = axis(x, self.w);
        let (y0, y1, fy) = axis(y, self.h);
        let r0 = &self.data[y0 * self.w..];
        let r1 = &self.data[y1 * self.w..];
        let top = r0[x0] + fx * (r0[x1] - r0[x0]);
        let bot = r1[x0] + fx * (r1[x1] - r1[x0]);
        top + fy * (bot - top)
    }

    /// Mean and standard deviation of the samples.
    pub fn mean_std(&self) -> (f32, f32) {
        let n = self.data.len().max(1) as f64;
        let (s, s2) = self.data.iter().fold((0.0f64, 0.0f64), |(s, s2), &v| {
            (s + v as f64, s2 + (v as f64) * (v as f64))
        });
        let mean = s / n;
        let var = (s2 / n - mean * mean).max(0.0);
        (mean as f32, var.sqrt() as f32)
    }

    /// Half the size (rounded up), each output the mean of its 2x2 block (fewer
    /// samples at an odd right or bottom edge).
    pub fn downsample2(&self) -> Plane {
        let (w2, h2) = (self.w.div_ceil(2), self.h.div_ceil(2));
        let mut out = Plane::new(w2, h2);
        out.data
            .par_chunks_mut(w2)
            .enumerate()
            .for_each(|(y, row)| {
                let ya = 2 * y;
                let yb = (2 * y + 1).min(self.h - 1);
                let ra = &self.data[ya * self.w..(ya + 1) * self.w];
                let rb = &self.data[yb * self.w..(yb + 1) * self.w];
                for (x, o) in row.iter_mut().enumerate() {
                    let xa = 2 * x;
                    let xb = (2 * x + 1).min(self.w - 1);
                    *o = 0.25 * (ra[xa] + ra[xb] + rb[xa] + rb[xb]);
                }
            });
        out
    }

    /// Central-difference gradients `(d/dx, d/dy)`, one-sided at the border.
    pub fn gradients(&self) -> (Plane, Plane) {
        let (w, h) = (self.w, self.h);
        let mut gx = Plane::new(w, h);
        let mut gy = Plane::new(w, h);
        gx.data
            .par_chunks_mut(w)
            .zip(gy.data.par_chunks_mut(w))
            .enumerate()
            .for_each(|(y, (rx, ry))| {
                let row = &self.data[y * w..(y + 1) * w];
                let up = &self.data[y.saturating_sub(1) * w..][..w];
                let dn = &self.data[(y + 1).min(h - 1) * w..][..w];
                for x in 0..w {
                    let l = row[x.saturating_sub(1)];
                    let r = row[(x + 1).min(w - 1)];
                    rx[x] = 0.5 * (r - l);
                    ry[x] = 0.5 * (dn[x] - up[x]);
                }
            });
        (gx, gy)
    }
}

/// Integer neighbours and fraction of a clamped coordinate along one axis.
#[inline]
fn axis(c: f32, n: usize) -> (usize, usize, f32) {
    let max = (n - 1) as f32;
    let c = if c.is_finite() {
        c.clamp(0.0, max)
    } else {
        0.0
    };
    let i0 = c as usize; // c >= 0, truncation is floor
    let i1 = (i0 + 1).min(n - 1);
    (i0, i1, c - i0 as f32)
}

/// A dense motion field: `(u, v)` displacement in pixels of its own grid.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowField {
    pub w: usize,
    pub h: usize,
    pub u: Vec<f32>,
    pub v: Vec<f32>,
}

impl FlowField {
    /// Zero motion everywhere.
    pub fn zeros(w: usize, h: usize) -> FlowField {
        FlowField {
            w,
            h,
            u: vec![0.0; w * h],
            v: vec![0.0; w * h],
        }
    }

    /// Bilinear sample of both components, clamped to the border.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> (f32, f32) {
        let (x0, x1, fx) = axis(x, self.w);
        let (y0, y1, fy) = axis(y, self.h);
        let lerp2 = |d: &[f32]| {
            let (a, b) = (d[y0 * self.w + x0], d[y0 * self.w + x1]);
            let (c, e) = (d[y1 * self.w + x0], d[y1 * self.w + x1]);
            let top = a + fx * (b - a);
            top + fy * (c + fx * (e - c) - top)
        };
        (lerp2(&self.u), lerp2(&self.v))
    }

    /// Resampled onto a `w`×`h` grid that is `factor` times finer (or coarser,
    /// below 1), with the vectors scaled by the same factor.
    pub fn resized(&self, w: usize, h: usize, factor: f32) -> FlowField {
        let mut out = FlowField::zeros(w, h);
        let inv = 1.0 / factor;
        out.u
            .par_chunks_mut(w)
            .zip(out.v.par_chunks_mut(w))
            .enumerate()
            .for_each(|(y, (ru, rv))| {
                let sy = (y as f32 + 0.5) * inv - 0.5;
                for x in 0..w {
                    let sx = (x as f32 + 0.5) * inv - 0.5;
                    let (u, v) = self.sample(sx, sy);
                    ru[x] = u * factor;
                    rv[x] = v * factor;
                }
            });
        out
    }

    /// Replaces any non-finite vector by zero motion (a last line of defence:
    /// nothing downstream may see NaN).
    pub fn sanitize(&mut self) {
        for (u, v) in self.u.iter_mut().zip(self.v.iter_mut()) {
            if !(u.is_finite() && v.is_finite()) {
                *u = 0.0;
                *v = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_is_exact_on_pixels_and_clamped_outside() {
        let p = Plane {
            w: 2,
            h: 2,
            data: vec![0.0, 1.0, 2.0, 3.0],
        };
        assert_eq!(p.sample(1.0, 1.0), 3.0);
        assert_eq!(p.sample(0.5, 0.5), 1.5);
        assert_eq!(p.sample(-5.0, 9.0), 2.0);
        assert_eq!(p.sample(f32::NAN, 0.0), 0.0);
    }

    #[test]
    fn downsample_handles_odd_sizes() {
        let p = Plane {
            w: 3,
            h: 1,
            data: vec![1.0, 3.0, 5.0],
        };
        let d = p.downsample2();
        assert_eq!((d.w, d.h), (2, 1));
        assert_eq!(d.data, vec![2.0, 5.0]);
    }

    #[test]
    fn resize_scales_constant_flow() {
        let mut f = FlowField::zeros(4, 3);
        f.u.fill(1.5);
        f.v.fill(-0.5);
        let r = f.resized(8, 6, 2.0);
        assert!(r.u.iter().all(|&u| (u - 3.0).abs() < 1e-6));
        assert!(r.v.iter().all(|&v| (v + 1.0).abs() < 1e-6));
    }
}

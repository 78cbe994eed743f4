//! Inverse search of DIS (Kroeger et al., "Fast Optical Flow using Dense
//! Inverse Search", ECCV 2016): on a regular grid of square patches of the
//! first image, each patch's translation into the second image is found by
//! inverse-compositional Gauss-Newton steps (the Hessian comes from the
//! template, so it is computed once per patch). Residuals are mean-normalised
//! per patch, so a local brightness offset does not bias the match.

use crate::field::FlowField;
use crate::pyramid::{Level, PAD};
use crate::simd::{Kernel, PatchSums, Source, Template};
use rayon::prelude::*;

/// Patch origins covering a `w`×`h` level (the last row and column are pulled
/// in so that every pixel is covered).
#[derive(Clone, Debug)]
pub struct PatchGrid {
    pub xs: Vec<usize>,
    pub ys: Vec<usize>,
    pub p: usize,
}

impl PatchGrid {
    /// Requires `w >= p` and `h >= p`.
    pub fn new(w: usize, h: usize, p: usize, stride: usize) -> PatchGrid {
        PatchGrid {
            xs: origins(w, p, stride),
            ys: origins(h, p, stride),
            p,
        }
    }
}

fn origins(n: usize, p: usize, stride: usize) -> Vec<usize> {
    let last = n - p;
    let mut v: Vec<usize> = (0..=last).step_by(stride).collect();
    if v.last() != Some(&last) {
        v.push(last);
    }
    v
}

/// The result for one patch: its translation, the mean residual at that
/// translation (the local brightness offset between the images) and the
/// mean-normalised SSD there.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PatchFlow {
    pub u: f32,
    pub v: f32,
    pub mean_diff: f32,
    pub ssd: f32,
}

/// Searches every patch of `grid` (row-major, `xs.len()` per row), starting
/// from the best of a few candidates around `init`, then lets neighbouring
/// patches offer their results (spatial propagation, in the manner of DIS).
pub fn search(
    l0: &Level,
    l1: &Level,
    init: &FlowField,
    grid: &PatchGrid,
    iterations: usize,
    kernel: Kernel,
) -> Vec<PatchFlow> {
    let nx = grid.xs.len();
    let ny = grid.ys.len();
    let mut out = vec![PatchFlow::default(); nx * ny];
    out.par_chunks_mut(nx)
        .zip(grid.ys.par_iter())
        .for_each(|(row, &y)| {
            let mut ctx = PatchCtx::new(l0, l1, grid.p, kernel);
            let mut left: Option<(f32, f32)> = None;
            for (slot, &x) in row.iter_mut().zip(&grid.xs) {
                ctx.load(x, y);
                let c = (grid.p as f32 - 1.0) * 0.5;
                let (cx, cy) = (x as f32 + c, y as f32 + c);
                let pf = grid.p as f32;
                let first = init.sample(cx, cy);
                let cands = [
                    init.sample(cx - pf, cy),
                    init.sample(cx + pf, cy),
                    init.sample(cx, cy - pf),
                    init.sample(cx, cy + pf),
                    left.unwrap_or(first),
                    (0.0, 0.0),
                ];
                *slot = ctx.search(first, &cands, iterations);
                left = Some((slot.u, slot.v));
            }
        });
    // One propagation pass: each patch tries its four neighbours' results.
    let prev = out.clone();
    out.par_chunks_mut(nx)
        .zip(grid.ys.par_iter())
        .enumerate()
        .for_each(|(j, (row, &y))| {
            let mut ctx = PatchCtx::new(l0, l1, grid.p, kernel);
            for (i, (slot, &x)) in row.iter_mut().zip(&grid.xs).enumerate() {
                let at = |ii: usize, jj: usize| (prev[jj * nx + ii].u, prev[jj * nx + ii].v);
                let me = at(i, j);
                let cands = [
                    if i > 0 { at(i - 1, j) } else { me },
                    if i + 1 < nx { at(i + 1, j) } else { me },
                    if j > 0 { at(i, j - 1) } else { me },
                    if j + 1 < ny { at(i, j + 1) } else { me },
                ];
                if cands
                    .iter()
                    .all(|c| (c.0 - me.0).abs() + (c.1 - me.1).abs() < 0.25)
                {
                    continue;
                }
                ctx.load(x, y);
                let found = ctx.search(me, &cands, iterations / 2 + 1);
                if found.ssd < slot.ssd {
                    *slot = found;
                }
            }
        });
    out
}

/// One patch's template, its mean-removed gradients and inverse Hessian,
/// with buffers reused from patch to patch.
struct PatchCtx<'a> {
    l0: &'a Level,
    l1: &'a Level,
    p: usize,
    kernel: Kernel,
    buf: Vec<f32>,
    inv: (f32, f32, f32),
    origin: (f32, f32),
}

impl<'a> PatchCtx<'a> {
    fn new(l0: &'a Level, l1: &'a Level, p: usize, kernel: Kernel) -> Self {
        PatchCtx {
            l0,
            l1,
            p,
            kernel,
            buf: vec![0.0; 3 * p * p],
            inv: (0.0, 0.0, 0.0),
            origin: (0.0, 0.0),
        }
    }

    /// Takes the template at origin `(x, y)` of the first image.
    fn load(&mut self, x: usize, y: usize) {
        let p = self.p;
        let n = p * p;
        let nf = n as f32;
        let w = self.l0.img.w;
        let (t, rest) = self.buf.split_at_mut(n);
        let (gx, gy) = rest.split_at_mut(n);
        for r in 0..p {
            let at = (y + r) * w + x;
            t[r * p..(r + 1) * p].copy_from_slice(&self.l0.img.data[at..at + p]);
            gx[r * p..(r + 1) * p].copy_from_slice(&self.l0.gx.data[at..at + p]);
            gy[r * p..(r + 1) * p].copy_from_slice(&self.l0.gy.data[at..at + p]);
        }
        // Mean-removed template gradients: Σ g·(d − mean d) = Σ g·d then.
        let mgx = gx.iter().sum::<f32>() / nf;
        let mgy = gy.iter().sum::<f32>() / nf;
        let (mut hxx, mut hxy, mut hyy) = (0.0f32, 0.0f32, 0.0f32);
        for (a, b) in gx.iter_mut().zip(gy.iter_mut()) {
            *a -= mgx;
            *b -= mgy;
            hxx += *a * *a;
            hxy += *a * *b;
            hyy += *b * *b;
        }
        // Damping: a patch without texture (gradients below ~0.5 grey levels
        // per pixel) barely moves from where it starts.
        let lambda = 0.25 * nf;
        hxx += lambda;
        hyy += lambda;
        let det = hxx * hyy - hxy * hxy;
        self.inv = (hyy / det, -hxy / det, hxx / det);
        self.origin = (x as f32, y as f32);
    }

    /// A displacement moved so that the displaced patch (and its bilinear
    /// neighbour) stays inside the padding of the second image.
    fn clamp(&self, (u, v): (f32, f32)) -> (f32, f32) {
        let lo = 1.0 - PAD as f32;
        let hi_x = (self.l1.img.w + PAD - self.p - 2) as f32;
        let hi_y = (self.l1.img.h + PAD - self.p - 2) as f32;
        let (x0, y0) = self.origin;
        let (u, v) = if u.is_finite() && v.is_finite() {
            (u, v)
        } else {
            (0.0, 0.0)
        };
        ((x0 + u).clamp(lo, hi_x) - x0, (y0 + v).clamp(lo, hi_y) - y0)
    }

    fn eval(&self, (u, v): (f32, f32)) -> PatchSums {
        let n = self.p * self.p;
        let (sx, sy) = (self.origin.0 + u, self.origin.1 + v);
        let (ix, iy) = (sx.floor(), sy.floor());
        let src = Source {
            img: &self.l1.padded,
            stride: self.l1.stride,
            base: self.l1.padded_index(ix as isize, iy as isize),
            fx: sx - ix,
            fy: sy - iy,
        };
        let tpl = Template {
            t: &self.buf[..n],
            gx: &self.buf[n..2 * n],
            gy: &self.buf[2 * n..],
            p: self.p,
        };
        self.kernel.patch_sums(&src, &tpl)
    }

    fn ssd(&self, s: &PatchSums) -> f32 {
        s.d2 - s.d * s.d / (self.p * self.p) as f32
    }

    /// Starts from `first` unless a candidate matches clearly better, then
    /// runs inverse-compositional Gauss-Newton steps. A result worse than its
    /// start, or that wandered more than a patch away, is dropped.
    fn search(&self, first: (f32, f32), cands: &[(f32, f32)], iterations: usize) -> PatchFlow {
        let nf = (self.p * self.p) as f32;
        let mut start = self.clamp(first);
        let mut s0 = self.eval(start);
        let mut best = self.ssd(&s0);
        for &c in cands {
            let c = self.clamp(c);
            if (c.0 - start.0).abs() + (c.1 - start.1).abs() < 0.25 {
                continue;
            }
            let s = self.eval(c);
            if self.ssd(&s) < 0.9 * best {
                (start, s0, best) = (c, s, self.ssd(&s));
            }
        }
        let (i11, i12, i22) = self.inv;
        let mut uv = start;
        let mut s = s0;
        for it in 0..iterations {
            if it > 0 {
                s = self.eval(uv);
            }
            let du = i11 * s.gx + i12 * s.gy;
            let dv = i12 * s.gx + i22 * s.gy;
            uv = self.clamp((uv.0 - du, uv.1 - dv));
            if du * du + dv * dv < 1e-4 {
                break;
            }
        }
        let last = self.eval(uv);
        let moved = (uv.0 - start.0).powi(2) + (uv.1 - start.1).powi(2);
        if self.ssd(&last) <= best && moved <= nf {
            PatchFlow {
                u: uv.0,
                v: uv.1,
                mean_diff: last.d / nf,
                ssd: self.ssd(&last),
            }
        } else {
            PatchFlow {
                u: start.0,
                v: start.1,
                mean_diff: s0.d / nf,
                ssd: best,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Plane;
    use crate::pyramid::Pyramid;

    fn texture(w: usize, h: usize, dx: f32, dy: f32) -> Plane {
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f32 - dx, y as f32 - dy);
                p.data[y * w + x] = 128.0
                    + 50.0 * (0.31 * fx + 0.2 * fy).sin()
                    + 40.0 * (0.17 * fx - 0.37 * fy).cos();
            }
        }
        p
    }

    #[test]
    fn grid_covers_the_level() {
        let g = PatchGrid::new(21, 8, 8, 4);
        assert_eq!(g.xs, vec![0, 4, 8, 12, 13]);
        assert_eq!(g.ys, vec![0]);
    }

    #[test]
    fn finds_a_subpixel_translation() {
        let (w, h) = (48, 40);
        let a = Pyramid::build(texture(w, h, 0.0, 0.0), 1);
        let b = Pyramid::build(texture(w, h, 1.6, -0.7), 1);
        let grid = PatchGrid::new(w, h, 8, 8);
        let init = FlowField::zeros(w, h);
        for simd in [false, true] {
            let k = Kernel::detect(simd);
            let res = search(&a.levels[0], &b.levels[0], &init, &grid, 30, k);
            // Interior patches (away from the replicated border).
            let nx = grid.xs.len();
            for j in 1..grid.ys.len() - 1 {
                for i in 1..nx - 1 {
                    let r = res[j * nx + i];
                    assert!((r.u - 1.6).abs() < 0.1 && (r.v + 0.7).abs() < 0.1, "{r:?}");
                }
            }
        }
    }
}

//! Densification of DIS: every pixel's flow is the average of the flows of
//! the patches that cover it, each weighted by how well that patch's flow
//! explains this pixel, `1 / max(1, |I1(x+u) − I0(x) − offset|²)`, where
//! `offset` is the patch's mean residual (its local brightness change). The
//! square (DIS uses the plain magnitude) keeps a patch that straddles a
//! motion boundary from spreading its flow over the pixels it does not fit.

use crate::field::FlowField;
use crate::patch_search::{PatchFlow, PatchGrid};
use crate::pyramid::{Level, PAD};
use rayon::prelude::*;

/// Dense flow of the level from the per-patch flows of [`crate::patch_search::search`].
pub fn densify(l0: &Level, l1: &Level, grid: &PatchGrid, patches: &[PatchFlow]) -> FlowField {
    let (w, h) = (l0.img.w, l0.img.h);
    let p = grid.p;
    let nx = grid.xs.len();
    let mut out = FlowField::zeros(w, h);
    let lo = 1.0 - PAD as f32;
    let hi_x = (w + PAD - p - 2) as f32;
    let hi_y = (h + PAD - 2) as f32;
    out.u
        .par_chunks_mut(w)
        .zip(out.v.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (ru, rv))| {
            let mut acc_w = vec![0.0f32; w];
            let i0_row = &l0.img.data[y * w..(y + 1) * w];
            for (j, &py) in grid.ys.iter().enumerate() {
                if !(py <= y && y < py + p) {
                    continue;
                }
                for (i, &px) in grid.xs.iter().enumerate() {
                    let pf = patches[j * nx + i];
                    let sx = (px as f32 + pf.u).clamp(lo, hi_x);
                    let sy = (y as f32 + pf.v).clamp(lo, hi_y);
                    let (ix, iy) = (sx.floor(), sy.floor());
                    let (fx, fy) = (sx - ix, sy - iy);
                    let top = &l1.padded[l1.padded_index(ix as isize, iy as isize)..][..p + 1];
                    let bot = &l1.padded[l1.padded_index(ix as isize, iy as isize + 1)..][..p + 1];
                    for c in 0..p {
                        let t = top[c] + fx * (top[c + 1] - top[c]);
                        let b = bot[c] + fx * (bot[c + 1] - bot[c]);
                        let val = t + fy * (b - t);
                        let x = px + c;
                        let d = (val - i0_row[x] - pf.mean_diff).abs();
                        let wt = 1.0 / (d * d).max(1.0);
                        acc_w[x] += wt;
                        ru[x] += wt * pf.u;
                        rv[x] += wt * pf.v;
                    }
                }
            }
            for x in 0..w {
                // Every pixel is covered by at least one patch, so acc_w >= some
                // positive weight; guard anyway.
                let inv = if acc_w[x] > 0.0 { 1.0 / acc_w[x] } else { 0.0 };
                ru[x] *= inv;
                rv[x] *= inv;
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Plane;
    use crate::pyramid::Pyramid;

    #[test]
    fn uniform_patch_flow_gives_uniform_dense_flow() {
        let img = Plane {
            w: 19,
            h: 13,
            data: (0..19 * 13).map(|i| (i % 7) as f32 * 9.0).collect(),
        };
        let a = Pyramid::build(img.clone(), 1);
        let b = Pyramid::build(img, 1);
        let grid = PatchGrid::new(19, 13, 8, 4);
        let pf = vec![
            PatchFlow {
                u: 0.75,
                v: -2.0,
                mean_diff: 0.0,
                ssd: 0.0
            };
            grid.xs.len() * grid.ys.len()
        ];
        let f = densify(&a.levels[0], &b.levels[0], &grid, &pf);
        assert!(f.u.iter().all(|&u| (u - 0.75).abs() < 1e-5));
        assert!(f.v.iter().all(|&v| (v + 2.0).abs() < 1e-5));
    }
}

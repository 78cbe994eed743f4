//! Motion at an intermediate time t, at the flow resolution.
//!
//! Both flows are forward-splatted to time t: a pixel `x` of the first frame
//! lands at `x + t·F01(x)` carrying its motion `F01(x)`; a pixel `y` of the
//! second lands at `y + (1−t)·F10(y)` carrying `−F10(y)`. Splats are weighted
//! by forward/backward consistency, so pixels that are about to be covered
//! (or were just uncovered) lose to the ones that stay visible. Places no
//! splat reaches are filled by push-pull interpolation. Then each position
//! checks where its motion leads in both frames to decide which frame shows
//! it: the weight of the second frame is `alpha`.

use crate::field::{FlowField, Plane};
use crate::occlusion::tolerance;
use rayon::prelude::*;

/// Weight of a splat from a pixel that failed the consistency check: it only
/// matters where nothing better lands.
const FLOOR: f32 = 0.01;
/// Accumulated splat weight below which a position is a hole.
const HOLE: f32 = 0.05;

/// The motion (first → second frame, pixels of the flow level) of whatever is
/// at each position at time t, and how much of the second frame to use there.
pub struct TimeFlow {
    pub motion: FlowField,
    pub alpha: Plane,
}

/// Splats `flow` (from the frame whose consistency is `conf`) moved by
/// `step·flow`, carrying `sign·flow`. Returns weighted sums and weights.
fn splat(flow: &FlowField, conf: &Plane, step: f32, sign: f32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (w, h) = (flow.w, flow.h);
    let (mut su, mut sv, mut sw) = (
        vec![0.0f32; w * h],
        vec![0.0f32; w * h],
        vec![0.0f32; w * h],
    );
    for y in 0..h {
        for x in 0..w {
            let k = y * w + x;
            let (u, v) = (flow.u[k], flow.v[k]);
            let (tx, ty) = (x as f32 + step * u, y as f32 + step * v);
            if !(tx > -1.0 && tx < w as f32 && ty > -1.0 && ty < h as f32) {
                continue;
            }
            let c = conf.data[k] + FLOOR;
            let (fx0, fy0) = (tx.floor(), ty.floor());
            let (fx, fy) = (tx - fx0, ty - fy0);
            let (ix, iy) = (fx0 as isize, fy0 as isize);
            for (dy, wy) in [(0isize, 1.0 - fy), (1, fy)] {
                let yy = iy + dy;
                if yy < 0 || yy >= h as isize {
                    continue;
                }
                for (dx, wx) in [(0isize, 1.0 - fx), (1, fx)] {
                    let xx = ix + dx;
                    if xx < 0 || xx >= w as isize {
                        continue;
                    }
                    let j = yy as usize * w + xx as usize;
                    let wt = c * wx * wy;
                    su[j] += wt * sign * u;
                    sv[j] += wt * sign * v;
                    sw[j] += wt;
                }
            }
        }
    }
    (su, sv, sw)
}

/// Fills positions whose weight is below [`HOLE`] from a coarser copy
/// (push-pull). `u`, `v` hold weighted means, `wt` the weights.
fn push_pull(u: &mut [f32], v: &mut [f32], wt: &[f32], w: usize, h: usize) {
    if wt.iter().all(|&x| x >= HOLE) {
        return;
    }
    if w == 1 && h == 1 {
        if wt[0] <= 0.0 {
            u[0] = 0.0;
            v[0] = 0.0;
        }
        return;
    }
    let (w2, h2) = (w.div_ceil(2), h.div_ceil(2));
    let (mut cu, mut cv, mut cw) = (
        vec![0.0f32; w2 * h2],
        vec![0.0f32; w2 * h2],
        vec![0.0f32; w2 * h2],
    );
    for y in 0..h {
        for x in 0..w {
            let (k, j) = (y * w + x, (y / 2) * w2 + x / 2);
            cu[j] += wt[k] * u[k];
            cv[j] += wt[k] * v[k];
            cw[j] += wt[k];
        }
    }
    for j in 0..w2 * h2 {
        if cw[j] > 0.0 {
            cu[j] /= cw[j];
            cv[j] /= cw[j];
        }
    }
    push_pull(&mut cu, &mut cv, &cw, w2, h2);
    for y in 0..h {
        for x in 0..w {
            let k = y * w + x;
            if wt[k] < HOLE {
                let (pu, pv) = (cu[(y / 2) * w2 + x / 2], cv[(y / 2) * w2 + x / 2]);
                let s = wt[k] / HOLE;
                u[k] = s * u[k] + (1.0 - s) * pu;
                v[k] = s * v[k] + (1.0 - s) * pv;
            }
        }
    }
}

/// Motion and blend weights at time `t` from the two flows and their
/// consistencies (all at the flow resolution).
pub fn at_time(f01: &FlowField, c0: &Plane, f10: &FlowField, c1: &Plane, t: f32) -> TimeFlow {
    let (w, h) = (f01.w, f01.h);
    let ((au, av, aw), (bu, bv, bw)) =
        rayon::join(|| splat(f01, c0, t, 1.0), || splat(f10, c1, 1.0 - t, -1.0));
    let mut motion = FlowField::zeros(w, h);
    let mut wt = vec![0.0f32; w * h];
    for k in 0..w * h {
        let s = aw[k] + bw[k];
        wt[k] = s;
        if s > 0.0 {
            motion.u[k] = (au[k] + bu[k]) / s;
            motion.v[k] = (av[k] + bv[k]) / s;
        }
    }
    push_pull(&mut motion.u, &mut motion.v, &wt, w, h);
    motion.sanitize();

    let mut alpha = Plane::new(w, h);
    alpha
        .data
        .par_chunks_mut(w)
        .enumerate()
        .for_each(|(y, row)| {
            for (x, a) in row.iter_mut().enumerate() {
                let k = y * w + x;
                let (mu, mv) = (motion.u[k], motion.v[k]);
                let (px, py) = (x as f32, y as f32);
                let (u0, v0) = f01.sample(px - t * mu, py - t * mv);
                let (u1, v1) = f10.sample(px + (1.0 - t) * mu, py + (1.0 - t) * mv);
                let tol = tolerance(2.0 * (mu * mu + mv * mv));
                let e0 = (u0 - mu).powi(2) + (v0 - mv).powi(2);
                let e1 = (u1 + mu).powi(2) + (v1 + mv).powi(2);
                let vis0 = (-e0 / tol).exp() + 1e-3;
                let vis1 = (-e1 / tol).exp() + 1e-3;
                let (w0, w1) = ((1.0 - t) * vis0, t * vis1);
                *a = w1 / (w0 + w1);
            }
        });
    TimeFlow { motion, alpha }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_motion_stays_uniform_with_plain_weights() {
        let (w, h) = (12, 9);
        let mut f01 = FlowField::zeros(w, h);
        let mut f10 = FlowField::zeros(w, h);
        f01.u.fill(2.0);
        f10.u.fill(-2.0);
        let ones = Plane::filled(w, h, 1.0);
        let tf = at_time(&f01, &ones, &f10, &ones, 0.25);
        assert!(
            tf.motion.u.iter().all(|&u| (u - 2.0).abs() < 1e-4),
            "{:?}",
            tf.motion.u
        );
        assert!(tf.alpha.data.iter().all(|&a| (a - 0.25).abs() < 1e-3));
    }

    #[test]
    fn push_pull_fills_every_hole() {
        let (w, h) = (5, 3);
        let mut u = vec![0.0; 15];
        let mut v = vec![0.0; 15];
        let mut wt = vec![0.0; 15];
        u[7] = 3.0;
        wt[7] = 1.0;
        push_pull(&mut u, &mut v, &wt, w, h);
        assert!(u.iter().all(|&x| (x - 3.0).abs() < 1e-5), "{u:?}");
    }
}

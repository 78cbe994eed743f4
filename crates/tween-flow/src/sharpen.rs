//! Sharpening of motion boundaries. Patch search, densification and the
//! smoothness of the refinement all drag a moving object's flow a few pixels
//! out over the background around it (a halo that the renderer turns into a
//! ring of smeared background). Where the flow varies nearby, each pixel
//! tries the flows of its neighbours at a few distances and keeps the one
//! that matches a small window of the two frames best, so the boundary moves
//! back to where the picture says it is. A neighbour's flow is only tried
//! where the other direction's flow undoes it (both frames agree on it),
//! which keeps aliased or flat texture from growing wrong islands.

use crate::field::{FlowField, Plane};
use rayon::prelude::*;

/// Distances, in pixels of the flow level, at which neighbours' flows are tried.
const REACH: [isize; 2] = [3, 6];
/// Squared flow difference (pixels of the flow level) below which a
/// neighbour's flow is not worth trying.
const DISTINCT: f32 = 0.25;
/// Per-sample truncation of the absolute difference (grey levels): one
/// occluded or mixed sample must not decide the match.
const TRUNC: f32 = 24.0;
/// A candidate must beat the pixel's own flow by this factor of the cost
/// and by [`SLACK`] (sum over the window, grey levels): in flat regions
/// every flow matches and noise must not decide.
const MARGIN: f32 = 0.8;
const SLACK: f32 = 18.0; // 2 grey levels per sample of the 3x3 window
/// Half-size of the matching window.
const WIN: usize = 1;

/// Matching cost of moving the (2·WIN+1)² window around `(x, y)` of `i0` by
/// `(u, v)` into `i1`.
#[inline]
fn cost(i0: &Plane, i1: &Plane, x: usize, y: usize, u: f32, v: f32) -> f32 {
    let (w, h) = (i0.w, i0.h);
    let mut s = 0.0;
    for yy in y.saturating_sub(WIN)..(y + WIN + 1).min(h) {
        for xx in x.saturating_sub(WIN)..(x + WIN + 1).min(w) {
            let d = i1.sample(xx as f32 + u, yy as f32 + v) - i0.data[yy * w + xx];
            s += d.abs().min(TRUNC);
        }
    }
    s
}

/// `flow` (from `i0` to `i1`, both at the flow resolution; `bwd` is the flow
/// from `i1` to `i0`) with each pixel near a motion boundary given the
/// consistent neighbouring flow that matches best.
pub fn sharpen(flow: &FlowField, bwd: &FlowField, i0: &Plane, i1: &Plane) -> FlowField {
    let (w, h) = (flow.w, flow.h);
    let mut out = flow.clone();
    out.u
        .par_chunks_mut(w)
        .zip(out.v.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (ru, rv))| {
            for x in 0..w {
                let k = y * w + x;
                let (u0, v0) = (flow.u[k], flow.v[k]);
                let mut own: Option<f32> = None;
                let mut best = (f32::INFINITY, u0, v0);
                for r in REACH {
                    for (dx, dy) in [
                        (-r, 0),
                        (r, 0),
                        (0, -r),
                        (0, r),
                        (-r, -r),
                        (r, -r),
                        (-r, r),
                        (r, r),
                    ] {
                        let (xx, yy) = (x as isize + dx, y as isize + dy);
                        if xx < 0 || yy < 0 || xx >= w as isize || yy >= h as isize {
                            continue;
                        }
                        let j = yy as usize * w + xx as usize;
                        let (u, v) = (flow.u[j], flow.v[j]);
                        if (u - u0).powi(2) + (v - v0).powi(2) < DISTINCT {
                            continue;
                        }
                        let (bu, bv) = bwd.sample(x as f32 + u, y as f32 + v);
                        let e = (u + bu).powi(2) + (v + bv).powi(2);
                        if e > crate::occlusion::tolerance(u * u + v * v + bu * bu + bv * bv) {
                            continue;
                        }
                        let c = cost(i0, i1, x, y, u, v);
                        if c < best.0 {
                            best = (c, u, v);
                        }
                        if own.is_none() {
                            own = Some(cost(i0, i1, x, y, u0, v0));
                        }
                    }
                }
                if let Some(c0) = own {
                    if best.0 < MARGIN * c0 - SLACK {
                        ru[x] = best.1;
                        rv[x] = best.2;
                    }
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_halo_of_foreground_flow_is_pulled_back_to_the_edge() {
        // A bright square moving +2 in x over a still, textured background;
        // the flow says +2 for two columns beyond the square's trailing
        // (left) edge, background that both frames show.
        let (w, h) = (32, 24);
        let bg = |x: i32, y: i32| ((x * 37 + y * 91) % 53) as f32 * 3.0;
        let fg = |x: i32, y: i32| 200.0 + ((x * 13 + y * 7) % 11) as f32;
        let pix = |x: i32, y: i32, t: i32| {
            if (8 + 2 * t..16 + 2 * t).contains(&x) && (8..16).contains(&y) {
                fg(x - 2 * t, y)
            } else {
                bg(x, y)
            }
        };
        let plane = |t: i32| Plane {
            w,
            h,
            data: (0..w * h)
                .map(|k| pix((k % w) as i32, (k / w) as i32, t))
                .collect(),
        };
        let (i0, i1) = (plane(0), plane(1));
        let mut f = FlowField::zeros(w, h);
        for y in 8..16 {
            for x in 6..16 {
                f.u[y * w + x] = 2.0;
            }
        }
        let mut b = FlowField::zeros(w, h);
        for y in 8..16 {
            for x in 10..18 {
                b.u[y * w + x] = -2.0;
            }
        }
        let out = sharpen(&f, &b, &i0, &i1);
        for y in 9..15 {
            assert_eq!(out.u[y * w + 6], 0.0, "row {y}");
            assert_eq!(out.u[y * w + 7], 0.0, "row {y}");
            assert_eq!(out.u[y * w + 12], 2.0, "row {y}");
        }
    }
}

//! Occlusion as disagreement between the two flows. A pixel whose forward
//! flow is not undone by the backward flow where it lands (or that lands
//! outside the picture) is probably not visible in the other frame; its flow
//! is then refilled from consistent, similar-looking neighbours.

use crate::field::{FlowField, Plane};
use rayon::prelude::*;

/// Tolerance of a flow disagreement, in squared pixels of the flow level:
/// a constant part and a part that grows with the motion.
#[inline]
pub fn tolerance(m2: f32) -> f32 {
    0.5 + 0.02 * m2
}

/// Confidence in [0, 1] that each pixel of the source of `fwd` is visible in
/// the target frame: `exp(−|fwd(x) + bwd(x + fwd(x))|² / tolerance)`, and 0
/// where `x + fwd(x)` leaves the picture.
pub fn consistency(fwd: &FlowField, bwd: &FlowField) -> Plane {
    let (w, h) = (fwd.w, fwd.h);
    let mut out = Plane::new(w, h);
    let (xmax, ymax) = (w as f32 - 0.5, h as f32 - 0.5);
    out.data.par_chunks_mut(w).enumerate().for_each(|(y, row)| {
        for (x, c) in row.iter_mut().enumerate() {
            let k = y * w + x;
            let (u, v) = (fwd.u[k], fwd.v[k]);
            let (tx, ty) = (x as f32 + u, y as f32 + v);
            if !(tx > -0.5 && tx < xmax && ty > -0.5 && ty < ymax) {
                *c = 0.0;
                continue;
            }
            let (bu, bv) = bwd.sample(tx, ty);
            let e = (u + bu).powi(2) + (v + bv).powi(2);
            *c = (-e / tolerance(u * u + v * v + bu * bu + bv * bv)).exp();
        }
    });
    out
}

/// Consistency below which a pixel's flow is replaced.
const OCCLUDED: f32 = 0.5;

/// Replaces the flow of pixels that failed the consistency check (mostly
/// background about to be covered or just uncovered, whose flow is often
/// dragged along by the occluder) by an average of consistent flows nearby,
/// weighted by confidence, distance and similarity of grey level in `img`
/// (the source frame at the flow resolution): occluded content is
/// background, and it looks like the background next to it.
pub fn fill_occluded(flow: &FlowField, conf: &Plane, img: &Plane) -> FlowField {
    const R: isize = 16;
    const STEP: usize = 4;
    let (w, h) = (flow.w, flow.h);
    let inv_c = 1.0 / (2.0 * 10.0f32 * 10.0);
    let inv_s = 1.0 / (2.0 * (R as f32 * 0.5).powi(2));
    let mut out = flow.clone();
    out.u
        .par_chunks_mut(w)
        .zip(out.v.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (ru, rv))| {
            for x in 0..w {
                let k = y * w + x;
                let c = conf.data[k];
                if c >= OCCLUDED {
                    continue;
                }
                let g = img.data[k];
                let (mut sw, mut su, mut sv) = (0.0f32, 0.0f32, 0.0f32);
                for dy in (-R..=R).step_by(STEP) {
                    let yy = y as isize + dy;
                    if yy < 0 || yy >= h as isize {
                        continue;
                    }
                    for dx in (-R..=R).step_by(STEP) {
                        let xx = x as isize + dx;
                        if xx < 0 || xx >= w as isize {
                            continue;
                        }
                        let j = yy as usize * w + xx as usize;
                        let cn = conf.data[j];
                        if cn < OCCLUDED {
                            continue;
                        }
                        let dg = img.data[j] - g;
                        let wt =
                            cn * (-(dg * dg) * inv_c - (dx * dx + dy * dy) as f32 * inv_s).exp();
                        sw += wt;
                        su += wt * flow.u[j];
                        sv += wt * flow.v[j];
                    }
                }
                if sw > 1e-6 {
                    let keep = c / OCCLUDED;
                    ru[x] = keep * ru[x] + (1.0 - keep) * su / sw;
                    rv[x] = keep * rv[x] + (1.0 - keep) * sv / sw;
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opposite_flows_are_consistent_and_leaving_pixels_are_not() {
        let mut f = FlowField::zeros(10, 4);
        let mut b = FlowField::zeros(10, 4);
        f.u.fill(2.0);
        b.u.fill(-2.0);
        let c = consistency(&f, &b);
        assert!((c.at(3, 1) - 1.0).abs() < 1e-6);
        assert_eq!(c.at(9, 1), 0.0); // lands at x = 11, outside
        b.u.fill(1.0);
        assert!(consistency(&f, &b).at(3, 1) < 0.01);
    }

    #[test]
    fn occluded_flow_follows_the_similar_looking_neighbours() {
        let (w, h) = (12, 5);
        // Left half bright and moving +1, right half dark and moving +3;
        // pixel 6 is dark, inconsistent, and carries the bright side's motion.
        let img = Plane {
            w,
            h,
            data: (0..w * h)
                .map(|k| if k % w < 6 { 200.0 } else { 50.0 })
                .collect(),
        };
        let mut f = FlowField::zeros(w, h);
        for k in 0..w * h {
            f.u[k] = if k % w < 7 { 1.0 } else { 3.0 };
        }
        let mut conf = Plane::filled(w, h, 1.0);
        for y in 0..h {
            conf.data[y * w + 6] = 0.0;
        }
        let out = fill_occluded(&f, &conf, &img);
        assert!(
            (out.u[2 * w + 6] - 3.0).abs() < 0.01,
            "{}",
            out.u[2 * w + 6]
        );
        assert_eq!(out.u[2 * w + 2], 1.0);
    }
}

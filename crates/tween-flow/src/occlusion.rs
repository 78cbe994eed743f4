//! Occlusion as disagreement between the two flows. A pixel whose forward
//! flow is not undone by the backward flow where it lands (or that lands
//! outside the picture) is probably not visible in the other frame.

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
}

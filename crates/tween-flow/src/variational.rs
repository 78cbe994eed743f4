//! Variational refinement of a dense flow (the last step of DIS per level;
//! energy of Brox et al. 2004 as used by OpenCV's `VariationalRefinement`):
//! robust (Charbonnier) brightness constancy + gradient constancy (immune to
//! additive brightness changes) + total-variation-like smoothness, linearised
//! around the current flow and solved for an increment with a few
//! fixed-point iterations of successive over-relaxation (Gauss-Seidel order).

use crate::field::{FlowField, Plane};
use rayon::prelude::*;

/// Weights and iteration counts of the refinement.
#[derive(Clone, Copy, Debug)]
pub struct RefineParams {
    pub fixed_point: usize,
    pub sor: usize,
    pub alpha: f32,
    pub gamma: f32,
    pub delta: f32,
}

const OMEGA: f32 = 1.6;
const ZETA2: f32 = 0.01; // ζ², normalisation of the data terms and damping
const EPS2: f32 = 1e-6; // ε² of the Charbonnier penalty

/// Linearisation of the data terms around the flow at entry.
struct Derivatives {
    ix: Plane,
    iy: Plane,
    iz: Plane,
    ixx: Plane,
    ixy: Plane,
    iyy: Plane,
    ixz: Plane,
    iyz: Plane,
    /// 1 / (ix² + iy² + ζ²), 1 / (ixx² + ixy² + ζ²), 1 / (iyy² + ixy² + ζ²).
    inv_n: Vec<f32>,
    inv_nx: Vec<f32>,
    inv_ny: Vec<f32>,
}

fn derivatives(i0: &Plane, i1: &Plane, flow: &FlowField) -> Derivatives {
    let (w, h) = (i0.w, i0.h);
    let mut avg = Plane::new(w, h);
    let mut iz = Plane::new(w, h);
    avg.data
        .par_chunks_mut(w)
        .zip(iz.data.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (ra, rz))| {
            for x in 0..w {
                let k = y * w + x;
                let warped = i1.sample(x as f32 + flow.u[k], y as f32 + flow.v[k]);
                ra[x] = 0.5 * (warped + i0.data[k]);
                rz[x] = warped - i0.data[k];
            }
        });
    let (ix, iy) = avg.gradients();
    let (ixz, iyz) = iz.gradients();
    let (ixx, ixy) = ix.gradients();
    let (_, iyy) = iy.gradients();
    let n = w * h;
    let inv_n = (0..n)
        .map(|k| 1.0 / (ix.data[k].powi(2) + iy.data[k].powi(2) + ZETA2))
        .collect();
    let inv_nx = (0..n)
        .map(|k| 1.0 / (ixx.data[k].powi(2) + ixy.data[k].powi(2) + ZETA2))
        .collect();
    let inv_ny = (0..n)
        .map(|k| 1.0 / (iyy.data[k].powi(2) + ixy.data[k].powi(2) + ZETA2))
        .collect();
    Derivatives {
        ix,
        iy,
        iz,
        ixx,
        ixy,
        iyy,
        ixz,
        iyz,
        inv_n,
        inv_nx,
        inv_ny,
    }
}

/// Refines `flow` (pixels of this level) between `i0` and `i1` in place.
pub fn refine(i0: &Plane, i1: &Plane, flow: &mut FlowField, prm: &RefineParams) {
    let (w, h) = (i0.w, i0.h);
    if prm.fixed_point == 0 || prm.sor == 0 || w < 2 || h < 2 {
        return;
    }
    let d = derivatives(i0, i1, flow);
    let n = w * h;
    let (mut du, mut dv) = (vec![0.0f32; n], vec![0.0f32; n]);
    let (mut a11, mut a12, mut a22) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
    let (mut b1, mut b2) = (vec![0.0f32; n], vec![0.0f32; n]);
    // Smoothness weight of the edge to the right (sh) and below (sv) of each pixel.
    let (mut sh, mut sv) = (vec![0.0f32; n], vec![0.0f32; n]);
    let (gamma2, delta2, alpha2) = (prm.gamma * 0.5, prm.delta * 0.5, prm.alpha * 0.5);

    for _ in 0..prm.fixed_point {
        // Data terms, with the robust weights at the current increment.
        for k in 0..n {
            let (ix, iy, iz) = (d.ix.data[k], d.iy.data[k], d.iz.data[k]);
            let inv_n = d.inv_n[k];
            let r = iz + ix * du[k] + iy * dv[k];
            let wt = delta2 * inv_n / (r * r * inv_n + EPS2).sqrt();
            let (mut m11, mut m12, mut m22) =
                (wt * ix * ix + ZETA2, wt * ix * iy, wt * iy * iy + ZETA2);
            let (mut v1, mut v2) = (-wt * iz * ix, -wt * iz * iy);

            let (ixx, ixy, iyy) = (d.ixx.data[k], d.ixy.data[k], d.iyy.data[k]);
            let (ixz, iyz) = (d.ixz.data[k], d.iyz.data[k]);
            let (inx, iny) = (d.inv_nx[k], d.inv_ny[k]);
            let rx = ixz + ixx * du[k] + ixy * dv[k];
            let ry = iyz + ixy * du[k] + iyy * dv[k];
            let wg = gamma2 / (rx * rx * inx + ry * ry * iny + EPS2).sqrt();
            let (wx, wy) = (wg * inx, wg * iny);
            m11 += wx * ixx * ixx + wy * ixy * ixy;
            m12 += wx * ixx * ixy + wy * ixy * iyy;
            m22 += wx * ixy * ixy + wy * iyy * iyy;
            v1 -= wx * ixx * ixz + wy * ixy * iyz;
            v2 -= wx * ixy * ixz + wy * iyy * iyz;
            (a11[k], a12[k], a22[k], b1[k], b2[k]) = (m11, m12, m22, v1, v2);
        }
        // Smoothness weights from the gradient of flow + increment.
        for y in 0..h {
            for x in 0..w {
                let k = y * w + x;
                let (u, v) = (flow.u[k] + du[k], flow.v[k] + dv[k]);
                let (mut ux, mut vx, mut uy, mut vy) = (0.0, 0.0, 0.0, 0.0);
                if x + 1 < w {
                    ux = flow.u[k + 1] + du[k + 1] - u;
                    vx = flow.v[k + 1] + dv[k + 1] - v;
                }
                if y + 1 < h {
                    uy = flow.u[k + w] + du[k + w] - u;
                    vy = flow.v[k + w] + dv[k + w] - v;
                }
                let s = alpha2 / (ux * ux + uy * uy + vx * vx + vy * vy + EPS2).sqrt();
                sh[k] = if x + 1 < w { s } else { 0.0 };
                sv[k] = if y + 1 < h { s } else { 0.0 };
            }
        }
        // Fold what stays fixed during the sweeps: the smoothness pull
        // towards the neighbours' current flow goes into b, the diagonal is
        // inverted once.
        for y in 0..h {
            for x in 0..w {
                let k = y * w + x;
                let (u, v) = (flow.u[k], flow.v[k]);
                let (mut sw, mut su, mut svv) = (0.0f32, 0.0f32, 0.0f32);
                let mut edge = |e: f32, j: usize| {
                    sw += e;
                    su += e * (flow.u[j] - u);
                    svv += e * (flow.v[j] - v);
                };
                if x + 1 < w {
                    edge(sh[k], k + 1);
                }
                if x > 0 {
                    edge(sh[k - 1], k - 1);
                }
                if y + 1 < h {
                    edge(sv[k], k + w);
                }
                if y > 0 {
                    edge(sv[k - w], k - w);
                }
                b1[k] += su;
                b2[k] += svv;
                a11[k] = 1.0 / (a11[k] + sw);
                a22[k] = 1.0 / (a22[k] + sw);
            }
        }
        // Red-black SOR sweeps on the increment: pixels of one colour only
        // depend on the other colour, so a row's updates are independent.
        for _ in 0..prm.sor {
            for colour in 0..2 {
                for y in 0..h {
                    let mut x = (y + colour) % 2;
                    while x < w {
                        let k = y * w + x;
                        let (mut pu, mut pv) = (0.0f32, 0.0f32);
                        if x + 1 < w {
                            pu += sh[k] * du[k + 1];
                            pv += sh[k] * dv[k + 1];
                        }
                        if x > 0 {
                            pu += sh[k - 1] * du[k - 1];
                            pv += sh[k - 1] * dv[k - 1];
                        }
                        if y + 1 < h {
                            pu += sv[k] * du[k + w];
                            pv += sv[k] * dv[k + w];
                        }
                        if y > 0 {
                            pu += sv[k - w] * du[k - w];
                            pv += sv[k - w] * dv[k - w];
                        }
                        let nu = (b1[k] + pu - a12[k] * dv[k]) * a11[k];
                        let u_new = du[k] + OMEGA * (nu - du[k]);
                        let nv = (b2[k] + pv - a12[k] * u_new) * a22[k];
                        dv[k] += OMEGA * (nv - dv[k]);
                        du[k] = u_new;
                        x += 2;
                    }
                }
            }
        }
    }
    for k in 0..n {
        let (a, b) = (du[k], dv[k]);
        if a.is_finite() && b.is_finite() {
            flow.u[k] += a;
            flow.v[k] += b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texture(w: usize, h: usize, dx: f32) -> Plane {
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let fx = x as f32 - dx;
                p.data[y * w + x] =
                    128.0 + 60.0 * (0.4 * fx + 0.3 * y as f32).sin() + 30.0 * (0.23 * fx).cos();
            }
        }
        p
    }

    #[test]
    fn refinement_moves_a_noisy_flow_closer() {
        let (w, h) = (40, 32);
        let (a, b) = (texture(w, h, 0.0), texture(w, h, 1.0));
        let mut f = FlowField::zeros(w, h);
        for (k, u) in f.u.iter_mut().enumerate() {
            *u = 1.0 + 0.3 * ((k * 7919 % 13) as f32 / 6.0 - 1.0);
        }
        let before: f32 = f.u.iter().map(|u| (u - 1.0).abs()).sum::<f32>() / (w * h) as f32;
        let prm = RefineParams {
            fixed_point: 5,
            sor: 5,
            alpha: 20.0,
            gamma: 10.0,
            delta: 5.0,
        };
        refine(&a, &b, &mut f, &prm);
        let err: f32 = (8..h - 8)
            .flat_map(|y| (8..w - 8).map(move |x| y * w + x))
            .map(|k| (f.u[k] - 1.0).abs() + f.v[k].abs())
            .sum::<f32>()
            / ((w - 16) * (h - 16)) as f32;
        assert!(err < 0.5 * before, "mean error {err}, before {before}");
    }

    #[test]
    fn flat_images_keep_zero_flow() {
        let a = Plane::filled(16, 16, 80.0);
        let mut f = FlowField::zeros(16, 16);
        let prm = RefineParams {
            fixed_point: 3,
            sor: 5,
            alpha: 20.0,
            gamma: 10.0,
            delta: 5.0,
        };
        refine(&a, &a, &mut f, &prm);
        assert!(f.u.iter().chain(&f.v).all(|&x| x == 0.0));
    }
}

//! The weight side of F(4×4, 3×3): `U = G·g·Gᵀ` per channel pair, laid out
//! `[36][k][n]` for the kernels, with the epilogue's bias and slopes padded
//! alongside.

use super::padded;

/// `G` of F(4, 3) with interpolation points 0, ±1, ±2 and ∞ (Lavin & Gray).
const G: [[f64; 3]; 6] = [
    [1.0 / 4.0, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
    [0.0, 0.0, 1.0],
];

/// A layer's weights ready for [`super::conv3x3`].
#[derive(Clone, Debug)]
pub struct Prepared {
    /// `[36][k][n]`.
    pub u: Vec<f32>,
    /// Padded input channels (the sum over the inputs' padded counts).
    pub k: usize,
    /// Padded output channels.
    pub n: usize,
    /// `[n]`, zero past the real outputs.
    pub bias: Vec<f32>,
    /// `[n]`, PReLU slopes (1 = identity).
    pub slope: Vec<f32>,
}

impl Prepared {
    /// The borrowed form [`super::conv3x3`] takes.
    pub fn weights(&self) -> super::Weights<'_> {
        super::Weights {
            u: &self.u,
            k: self.k,
            n: self.n,
            bias: &self.bias,
            slope: &self.slope,
        }
    }
}

/// Transforms torch-layout weights `[o, Σ real_in, 3, 3]`.
///
/// `real_in` lists each input's real channel count; each is padded to a
/// multiple of [`super::LANES`] in the kernels' layout. `out_scale`
/// multiplies output channel `oc`'s weights and bias (a folded `× beta` or
/// `× 0.2`); `slope` is the activation per output channel (`None`: identity).
pub fn prepare(
    weight: &[f32],
    o: usize,
    real_in: &[usize],
    bias: &[f32],
    out_scale: Option<&[f32]>,
    slope: Option<&[f32]>,
) -> Prepared {
    let cin: usize = real_in.iter().sum();
    assert_eq!(weight.len(), o * cin * 9, "weight is not [o, Σ in, 3, 3]");
    assert_eq!(bias.len(), o, "bias is not [o]");
    let k: usize = real_in.iter().map(|&c| padded(c)).sum();
    let n = padded(o);
    let mut u = vec![0.0f32; 36 * k * n];
    let mut src_base = 0;
    let mut dst_base = 0;
    for &rc in real_in {
        for ic in 0..rc {
            let kk = dst_base + ic;
            for oc in 0..o {
                let s = out_scale.map_or(1.0, |s| s[oc]) as f64;
                let g = &weight[(oc * cin + src_base + ic) * 9..][..9];
                // t = G·g (6×3), then U = t·Gᵀ (6×6).
                let mut t = [[0.0f64; 3]; 6];
                for (i, row) in t.iter_mut().enumerate() {
                    for (b, cell) in row.iter_mut().enumerate() {
                        *cell = (0..3).map(|a| G[i][a] * g[a * 3 + b] as f64).sum();
                    }
                }
                for i in 0..6 {
                    for j in 0..6 {
                        let v: f64 = (0..3).map(|b| t[i][b] * G[j][b]).sum();
                        u[((i * 6 + j) * k + kk) * n + oc] = (v * s) as f32;
                    }
                }
            }
        }
        src_base += rc;
        dst_base += padded(rc);
    }
    let mut b = vec![0.0f32; n];
    let mut sl = vec![1.0f32; n];
    for oc in 0..o {
        b[oc] = bias[oc] * out_scale.map_or(1.0, |s| s[oc]);
        if let Some(s) = slope {
            sl[oc] = s[oc];
        }
    }
    Prepared {
        u,
        k,
        n,
        bias: b,
        slope: sl,
    }
}

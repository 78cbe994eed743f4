//! Procedural, periodic RGB textures: the "film" that the synthetic cameras look at.
//!
//! A texture is generated once into a grid of texels and then sampled
//! bilinearly with wrap-around, so it is a continuous function of position:
//! a frame rendered at any time (any sub-pixel offset) is an exact sample of
//! the same scene, which is what makes the held-out frames true ground truth.
//!
//! The content is meant to be hard and natural-looking for motion estimation:
//! multi-octave value noise (fine detail down to ~1.5 px), large soft colour
//! gradients from a palette (the "photographic" part), patches of slanted
//! stripes and of checkerboard, and a few dark blobs. Every component is
//! periodic over the texture, so wrapping leaves no seam.

use rayon::prelude::*;

/// A periodic RGB texture; texel values are 8-bit, sampling returns 0..=1.
#[derive(Clone, Debug)]
pub struct Texture {
    w: usize,
    h: usize,
    texels: Vec<u8>,
}

/// What a texture looks like; the same style and seed always give the same texture.
#[derive(Clone, Debug)]
pub struct TextureStyle {
    pub seed: u64,
    /// Size of the coarsest noise cell, in texels.
    pub base_cell: f32,
    /// Four colours the low-frequency gradient field runs through.
    pub palette: [[f32; 3]; 4],
    /// Share of the area covered by stripes and by checkerboard (0..1 each).
    pub stripes: f32,
    pub checker: f32,
}

impl TextureStyle {
    /// A style with a palette and pattern mix chosen from the seed.
    pub fn from_seed(seed: u64, base_cell: f32) -> Self {
        const PALETTES: [[[f32; 3]; 4]; 4] = [
            // dusk: deep blue, violet, orange, pale yellow
            [
                [0.10, 0.14, 0.35],
                [0.45, 0.25, 0.50],
                [0.90, 0.50, 0.20],
                [0.98, 0.90, 0.60],
            ],
            // forest: dark green, moss, ochre, sky
            [
                [0.06, 0.20, 0.10],
                [0.30, 0.45, 0.15],
                [0.75, 0.60, 0.30],
                [0.60, 0.80, 0.95],
            ],
            // stone and brick
            [
                [0.20, 0.18, 0.17],
                [0.55, 0.30, 0.22],
                [0.70, 0.66, 0.60],
                [0.92, 0.88, 0.80],
            ],
            // sea
            [
                [0.02, 0.10, 0.25],
                [0.05, 0.40, 0.50],
                [0.55, 0.80, 0.80],
                [0.95, 0.95, 0.90],
            ],
        ];
        let pick = (hash(seed, 1, 2, 3) * 4.0) as usize % 4;
        TextureStyle {
            seed,
            base_cell,
            palette: PALETTES[pick],
            stripes: 0.15 + 0.2 * hash(seed, 4, 5, 6),
            checker: 0.1 + 0.15 * hash(seed, 7, 8, 9),
        }
    }
}

/// A hash of integer lattice coordinates to 0..1 (SplitMix64 finaliser).
pub(crate) fn hash(seed: u64, x: i64, y: i64, z: i64) -> f32 {
    let mut v = seed
        ^ (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ (z as u64).wrapping_mul(0x1656_67B1_9E37_79F9);
    v = (v ^ (v >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    v = (v ^ (v >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    v ^= v >> 31;
    (v >> 40) as f32 / (1u64 << 24) as f32
}

fn smooth(t: f32) -> f32 {
    t * t * t * (t * (t * 6.0 - 15.0) + 10.0)
}

/// The random values at the corners of one periodic noise grid of `nx`×`ny` cells.
struct Lattice {
    nx: usize,
    ny: usize,
    vals: Vec<f32>,
}

impl Lattice {
    fn new(seed: u64, salt: i64, nx: f32, ny: f32) -> Lattice {
        let (nx, ny) = (nx.round().max(1.0) as usize, ny.round().max(1.0) as usize);
        let vals = (0..nx * ny)
            .map(|i| hash(seed, (i % nx) as i64, (i / nx) as i64, salt))
            .collect();
        Lattice { nx, ny, vals }
    }

    /// Value noise at texture coordinates (u, v) in 0..1; 0..1, periodic.
    #[inline]
    fn at(&self, u: f32, v: f32) -> f32 {
        let (x, y) = (u * self.nx as f32, v * self.ny as f32);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (smooth(x - x0), smooth(y - y0));
        let ix = (x0 as usize).min(self.nx - 1);
        let iy = (y0 as usize).min(self.ny - 1);
        let ix1 = if ix + 1 == self.nx { 0 } else { ix + 1 };
        let iy1 = if iy + 1 == self.ny { 0 } else { iy + 1 };
        let (r0, r1) = (iy * self.nx, iy1 * self.nx);
        let v = &self.vals;
        let top = v[r0 + ix] + (v[r0 + ix1] - v[r0 + ix]) * fx;
        let bot = v[r1 + ix] + (v[r1 + ix1] - v[r1 + ix]) * fx;
        top + (bot - top) * fy
    }
}

/// A fractal sum of periodic value-noise octaves, each twice as fine as the last.
struct Fbm {
    octaves: Vec<(f32, Lattice)>,
    norm: f32,
}

impl Fbm {
    fn new(seed: u64, cells: (f32, f32), octaves: u32, gain: f32) -> Fbm {
        let octaves: Vec<(f32, Lattice)> = (0..octaves)
            .map(|o| {
                let k = (1u32 << o) as f32;
                (
                    gain.powi(o as i32),
                    Lattice::new(seed, o as i64, cells.0 * k, cells.1 * k),
                )
            })
            .collect();
        let norm = octaves.iter().map(|o| o.0).sum();
        Fbm { octaves, norm }
    }

    /// ~0..1 (values cluster around 0.5 as octaves add up).
    #[inline]
    fn at(&self, u: f32, v: f32) -> f32 {
        self.octaves
            .iter()
            .map(|(a, l)| a * l.at(u, v))
            .sum::<f32>()
            / self.norm
    }
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn ramp(p: &[[f32; 3]; 4], t: f32) -> [f32; 3] {
    let s = (t.clamp(0.0, 1.0) * 3.0).min(2.999_9);
    let i = s as usize;
    lerp3(p[i], p[i + 1], s - i as f32)
}

/// 0 below `edge`, 1 a little above it: a fairly sharp boundary in noise.
fn mask(x: f32, edge: f32) -> f32 {
    ((x - edge) / 0.015).clamp(0.0, 1.0)
}

impl Texture {
    /// Generates a `w`×`h`-texel texture (rows in parallel).
    pub fn generate(w: usize, h: usize, style: &TextureStyle) -> Texture {
        let s = style.seed;
        let cells = (w as f32 / style.base_cell, h as f32 / style.base_cell);
        let big = ((cells.0 / 3.0).max(1.0), (cells.1 / 3.0).max(1.0));
        // Octaves down to ~3 texels per cell.
        let octaves = ((style.base_cell / 3.0).log2().floor() as u32 + 1).clamp(1, 7);
        let detail = Fbm::new(s, cells, octaves, 0.72);
        let tone = Fbm::new(s ^ 0xA5, big, 3, 0.5);
        // Masks are single octaves (evenly spread values), so coverage ≈ share.
        let stripe_mask = Lattice::new(s ^ 0x51, 7, big.0 * 1.5, big.1 * 1.5);
        let checker_mask = Lattice::new(s ^ 0xC4, 8, big.0 * 1.5, big.1 * 1.5);
        let blobs = Lattice::new(s ^ 0xB0, 9, cells.0 * 0.8, cells.1 * 0.8);
        let blob_tone = Lattice::new(s ^ 0xB1, 10, cells.0 * 0.8, cells.1 * 0.8);
        // Stripes: an integer number of cycles across the texture in x and y.
        let sx = (w as f32 / (style.base_cell * 0.3)).round().max(1.0);
        let sign = if hash(s, 3, 1, 4) < 0.5 { 1.0 } else { -1.0 };
        let sy = (h as f32 / (style.base_cell * 0.6)).round().max(1.0) * sign;
        let even = |x: f32| (x.round().max(2.0) / 2.0).round() * 2.0;
        let (cx, cy) = (
            even(w as f32 / style.base_cell * 3.0),
            even(h as f32 / style.base_cell * 3.0),
        );
        let mut texels = vec![0u8; w * h * 3];
        texels
            .par_chunks_mut(w * 3)
            .enumerate()
            .for_each(|(ty, row)| {
                let v = (ty as f32 + 0.5) / h as f32;
                for tx in 0..w {
                    let u = (tx as f32 + 0.5) / w as f32;
                    let d = detail.at(u, v);
                    let tn = tone.at(u, v);
                    let mut c = ramp(&style.palette, (tn - 0.5) * 2.4 + 0.5);
                    // Contrast-stretched fractal detail modulates the colour.
                    let lum = (0.6 + 2.2 * (d - 0.5)).clamp(0.08, 1.25);
                    c = c.map(|x| x * lum);
                    let m_st = mask(stripe_mask.at(u, v), 1.0 - style.stripes);
                    if m_st > 0.0 {
                        let ph = std::f32::consts::TAU * (sx * u + sy * v);
                        let st = 0.5 + 0.5 * ph.sin();
                        let ink = ramp(&style.palette, 1.0 - tn);
                        c = lerp3(c, lerp3(c.map(|x| x * 0.4 + 0.1), ink, st), m_st * 0.9);
                    }
                    let m_ch = mask(checker_mask.at(u, v), 1.0 - style.checker);
                    if m_ch > 0.0 {
                        let on = ((u * cx).floor() as i64 + (v * cy).floor() as i64) & 1;
                        let k = if on == 1 { 0.9 } else { 0.1 };
                        c = lerp3(c, [k * lum.min(1.0), k, k * 0.95], m_ch * 0.85);
                    }
                    // Blobs with hard edges, lit or dark, tinted from the palette.
                    let b = mask(blobs.at(u, v), 0.8);
                    if b > 0.0 {
                        let bt = blob_tone.at(u, v);
                        let tint = ramp(&style.palette, bt).map(|x| x * (0.35 + 0.65 * lum));
                        c = lerp3(c, tint, b);
                    }
                    for (k, x) in c.iter().enumerate() {
                        row[tx * 3 + k] = (x.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
                    }
                }
            });
        Texture { w, h, texels }
    }

    pub fn width(&self) -> usize {
        self.w
    }

    pub fn height(&self) -> usize {
        self.h
    }

    /// Bilinear sample at texel coordinates (texel centres at integer + 0.5),
    /// wrapping around at the edges; RGB in 0..=1.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let (x, y) = (x - 0.5, y - 0.5);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let wrap = |i: f32, n: usize| {
            let i = i as i64;
            if (0..n as i64).contains(&i) {
                i as usize
            } else {
                i.rem_euclid(n as i64) as usize
            }
        };
        let (xi0, yi0) = (wrap(x0, self.w), wrap(y0, self.h));
        let xi1 = if xi0 + 1 == self.w { 0 } else { xi0 + 1 };
        let yi1 = if yi0 + 1 == self.h { 0 } else { yi0 + 1 };
        let t = &self.texels;
        let (r0, r1) = (yi0 * self.w, yi1 * self.w);
        let mut out = [0.0f32; 3];
        for (k, o) in out.iter_mut().enumerate() {
            let a = t[(r0 + xi0) * 3 + k] as f32;
            let b = t[(r0 + xi1) * 3 + k] as f32;
            let c = t[(r1 + xi0) * 3 + k] as f32;
            let d = t[(r1 + xi1) * 3 + k] as f32;
            let top = a + (b - a) * fx;
            let bot = c + (d - c) * fx;
            *o = (top + (bot - top) * fy) * (1.0 / 255.0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = Texture::generate(64, 48, &TextureStyle::from_seed(1, 16.0));
        let b = Texture::generate(64, 48, &TextureStyle::from_seed(1, 16.0));
        let c = Texture::generate(64, 48, &TextureStyle::from_seed(2, 16.0));
        assert_eq!(a.texels, b.texels);
        assert_ne!(a.texels, c.texels);
    }

    #[test]
    fn sampling_wraps_without_seam_and_hits_texels() {
        let t = Texture::generate(32, 32, &TextureStyle::from_seed(5, 8.0));
        // At texel centres the sample is the texel itself.
        let s = t.sample(3.5, 7.5);
        assert!((s[0] * 255.0 - t.texels[(7 * 32 + 3) * 3] as f32).abs() < 1e-3);
        // Periodic: one period away is the same value.
        let (p, q) = (t.sample(10.25, 4.75), t.sample(10.25 + 32.0, 4.75 - 64.0));
        assert!(p.iter().zip(q).all(|(a, b)| (a - b).abs() < 1e-5));
    }

    #[test]
    fn has_detail_and_contrast() {
        let t = Texture::generate(128, 128, &TextureStyle::from_seed(9, 32.0));
        let luma: Vec<f32> = t
            .texels
            .chunks(3)
            .map(|p| p.iter().map(|&v| v as f32).sum::<f32>() / 3.0)
            .collect();
        let mean = luma.iter().sum::<f32>() / luma.len() as f32;
        let var = luma.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / luma.len() as f32;
        let grad = luma.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f32>() / luma.len() as f32;
        assert!(var.sqrt() > 20.0, "contrast {}", var.sqrt());
        assert!(grad > 3.0, "fine detail {grad}");
    }
}

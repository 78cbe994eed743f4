//! Test helpers: a procedural colour texture that can be rendered exactly at
//! any sub-pixel offset, scenes of a panning background with a moving sprite,
//! and PSNR.

#![allow(dead_code)]

use tween_core::{Frame, Pixels};

/// A smooth colour texture: per channel a sum of oriented sinusoids with
/// periods from about 6 to 120 pixels. `seed` picks another texture.
#[derive(Clone, Debug)]
pub struct Texture {
    waves: Vec<[f32; 6]>, // kx, ky, phase, amp_r, amp_g, amp_b
    base: [f32; 3],
}

impl Texture {
    pub fn new(seed: u32) -> Texture {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(12345);
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s % 10_000) as f32 / 10_000.0
        };
        // Periods spread log-uniformly over 6..120 px, more energy at long
        // periods (roughly the falling spectrum of natural pictures).
        let waves = (0..12)
            .map(|i| {
                let period = 6.0 * 20f32.powf(i as f32 / 11.0) * (0.85 + 0.3 * rnd());
                let ang = rnd() * std::f32::consts::TAU;
                let k = std::f32::consts::TAU / period;
                let amp = 15.0 * (period / 30.0).powf(0.4);
                let ch = |r: f32| amp * (0.3 + 0.7 * r);
                [
                    k * ang.cos(),
                    k * ang.sin(),
                    rnd() * std::f32::consts::TAU,
                    ch(rnd()),
                    ch(rnd()),
                    ch(rnd()),
                ]
            })
            .collect();
        Texture {
            waves,
            base: [
                100.0 + 40.0 * rnd(),
                100.0 + 40.0 * rnd(),
                100.0 + 40.0 * rnd(),
            ],
        }
    }

    /// RGB on a 0..255 scale at a real-valued position.
    pub fn at(&self, x: f32, y: f32) -> [f32; 3] {
        let mut c = self.base;
        for w in &self.waves {
            let s = (w[0] * x + w[1] * y + w[2]).sin();
            c[0] += w[3] * s;
            c[1] += w[4] * s;
            c[2] += w[5] * s;
        }
        c
    }
}

/// A textured disc moving over a panning textured background.
#[derive(Clone, Debug)]
pub struct Scene {
    pub bg: Texture,
    /// Background displacement from time 0 to time 1.
    pub pan: (f32, f32),
    pub sprite: Option<Sprite>,
    /// Multiplies every sample of the picture at time 1 (1 = no change).
    pub gain_at_1: f32,
}

#[derive(Clone, Debug)]
pub struct Sprite {
    pub tex: Texture,
    pub radius: f32,
    pub start: (f32, f32),
    pub motion: (f32, f32),
}

impl Scene {
    /// The exact picture at time `t` (the gain is interpolated linearly).
    pub fn render(&self, w: u32, h: u32, t: f32) -> Vec<f32> {
        let mut out = Vec::with_capacity(w as usize * h as usize * 3);
        let gain = 1.0 + (self.gain_at_1 - 1.0) * t;
        for y in 0..h {
            for x in 0..w {
                let (xf, yf) = (x as f32, y as f32);
                let mut c = self.bg.at(xf - t * self.pan.0, yf - t * self.pan.1);
                if let Some(s) = &self.sprite {
                    let (cx, cy) = (s.start.0 + t * s.motion.0, s.start.1 + t * s.motion.1);
                    let d = ((xf - cx).powi(2) + (yf - cy).powi(2)).sqrt();
                    let cover = (s.radius - d + 0.5).clamp(0.0, 1.0);
                    if cover > 0.0 {
                        let sc = s.tex.at(xf - cx, yf - cy);
                        for i in 0..3 {
                            c[i] = c[i] * (1.0 - cover) + sc[i] * cover;
                        }
                    }
                }
                out.extend(c.iter().map(|v| (v * gain).clamp(0.0, 255.0)));
            }
        }
        out
    }

    pub fn frame_u8(&self, w: u32, h: u32, t: f32) -> Frame {
        let d = self
            .render(w, h, t)
            .iter()
            .map(|v| (v + 0.5) as u8)
            .collect();
        Frame::from_u8(w, h, d)
    }

    pub fn frame_u16(&self, w: u32, h: u32, t: f32) -> Frame {
        let d = self
            .render(w, h, t)
            .iter()
            .map(|v| (v * 257.0 + 0.5) as u16)
            .collect();
        Frame::from_u16(w, h, d)
    }
}

/// A background panning by `pan`, no sprite, no brightness change.
pub fn pan_scene(seed: u32, pan: (f32, f32)) -> Scene {
    Scene {
        bg: Texture::new(seed),
        pan,
        sprite: None,
        gain_at_1: 1.0,
    }
}

/// PSNR in dB of two frames of the same shape (samples scaled to 0..1).
pub fn psnr(a: &Frame, b: &Frame) -> f64 {
    assert!(a.same_shape(b));
    let (x, y) = (a.to_f32(), b.to_f32());
    let mse: f64 = x
        .iter()
        .zip(&y)
        .map(|(p, q)| ((p - q) as f64).powi(2))
        .sum::<f64>()
        / x.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (1.0 / mse).log10()
    }
}

/// Largest absolute sample difference, on a 0..255 scale.
pub fn max_diff_255(a: &Frame, b: &Frame) -> f32 {
    let (x, y) = (a.to_f32(), b.to_f32());
    x.iter()
        .zip(&y)
        .map(|(p, q)| (p - q).abs() * 255.0)
        .fold(0.0, f32::max)
}

pub fn samples_u8(f: &Frame) -> &[u8] {
    match f.pixels() {
        Pixels::U8(v) => v,
        Pixels::U16(_) => panic!("expected 8-bit samples"),
    }
}

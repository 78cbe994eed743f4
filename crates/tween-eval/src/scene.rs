//! A synthetic scene and its renderer: a textured background seen through a
//! moving camera (pan, zoom, rotation), textured opaque sprites moving on
//! their own paths in front of it, and a global brightness gain.
//!
//! Every parameter is a smooth function of time `t`, measured in ground-truth
//! frames (the doubled rate), and rendering samples continuous functions
//! (bilinear textures, analytic shape coverage), so [`Scene::render`] at any
//! `t` is the exact frame at that instant. Each pixel averages a 2×2 grid of
//! sub-samples; sprite edges are anti-aliased from their signed distance.

use crate::texture::Texture;
use rayon::prelude::*;
use std::sync::Arc;
use tween_core::Frame;

/// How screen pixels map to background texture positions over time.
#[derive(Clone, Debug, Default)]
pub struct Camera {
    /// Translation, screen pixels per frame.
    pub pan: (f64, f64),
    /// Rotation, radians per frame, about the screen centre.
    pub spin: f64,
    /// Log-zoom oscillation: zoom(t) = exp(amp · sin(2π t / period)).
    pub zoom_amp: f64,
    pub zoom_period: f64,
    /// Log-zoom drift per frame (added to the oscillation).
    pub zoom_rate: f64,
}

impl Camera {
    /// The affine map screen → world at time t as (a, b, c, d, e, f):
    /// world = (a·x + b·y + c, d·x + e·y + f).
    fn affine(&self, t: f64, cx: f64, cy: f64) -> [f64; 6] {
        let mut logz = self.zoom_rate * t;
        if self.zoom_period > 0.0 {
            logz += self.zoom_amp * (std::f64::consts::TAU * t / self.zoom_period).sin();
        }
        let inv = (-logz).exp();
        let (s, c) = (self.spin * t).sin_cos();
        let (a, b, d, e) = (c * inv, -s * inv, s * inv, c * inv);
        let (tx, ty) = (cx + self.pan.0 * t, cy + self.pan.1 * t);
        [a, b, tx - a * cx - b * cy, d, e, ty - d * cx - e * cy]
    }
}

/// The outline of a sprite.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    Ellipse {
        rx: f64,
        ry: f64,
    },
    /// A box with half-sizes and corner radius.
    RoundedBox {
        hx: f64,
        hy: f64,
        r: f64,
    },
}

impl Shape {
    /// Signed distance (pixels, negative inside) at local position (x, y).
    fn distance(&self, x: f64, y: f64) -> f64 {
        match *self {
            Shape::Ellipse { rx, ry } => {
                let k = ((x / rx).powi(2) + (y / ry).powi(2)).sqrt();
                (k - 1.0) * rx.min(ry)
            }
            Shape::RoundedBox { hx, hy, r } => {
                let qx = x.abs() - hx + r;
                let qy = y.abs() - hy + r;
                let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
                outside + qx.max(qy).min(0.0) - r
            }
        }
    }

    fn bound(&self) -> f64 {
        match *self {
            Shape::Ellipse { rx, ry } => rx.max(ry),
            Shape::RoundedBox { hx, hy, .. } => (hx * hx + hy * hy).sqrt(),
        }
    }
}

/// An opaque textured shape on a path: centre(t) = origin + drift·t +
/// (amp.0·sin(freq.0·t + phase.0), amp.1·sin(freq.1·t + phase.1)), turning by
/// `spin` radians per frame.
#[derive(Clone, Debug)]
pub struct Sprite {
    pub shape: Shape,
    pub texture: Arc<Texture>,
    pub origin: (f64, f64),
    pub drift: (f64, f64),
    pub amp: (f64, f64),
    pub freq: (f64, f64),
    pub phase: (f64, f64),
    pub spin: f64,
}

impl Sprite {
    fn centre(&self, t: f64) -> (f64, f64) {
        (
            self.origin.0 + self.drift.0 * t + self.amp.0 * (self.freq.0 * t + self.phase.0).sin(),
            self.origin.1 + self.drift.1 * t + self.amp.1 * (self.freq.1 * t + self.phase.1).sin(),
        )
    }
}

/// Brightness gain(t) = base + amp · sin(2π t / period) (period 0: constant).
#[derive(Clone, Copy, Debug)]
pub struct Gain {
    pub base: f64,
    pub amp: f64,
    pub period: f64,
}

impl Default for Gain {
    fn default() -> Self {
        Gain {
            base: 1.0,
            amp: 0.0,
            period: 0.0,
        }
    }
}

impl Gain {
    fn at(&self, t: f64) -> f64 {
        if self.period > 0.0 {
            self.base + self.amp * (std::f64::consts::TAU * t / self.period).sin()
        } else {
            self.base
        }
    }
}

/// One scene: background, camera, sprites (drawn in order, later on top), gain.
#[derive(Clone, Debug)]
pub struct Scene {
    pub background: Arc<Texture>,
    /// Texels per screen pixel at zoom 1 (textures are finer than the screen).
    pub texel_scale: f64,
    pub camera: Camera,
    pub sprites: Vec<Sprite>,
    pub gain: Gain,
}

/// Sub-sample offsets inside a pixel (2×2 grid).
const SUB: [(f64, f64); 4] = [(-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)];

struct PlacedSprite<'a> {
    sprite: &'a Sprite,
    centre: (f64, f64),
    cos: f64,
    sin: f64,
    bound: f64,
}

impl Scene {
    /// The frame at time `t` (in ground-truth frames), `w`×`h`, 8-bit RGB.
    pub fn render(&self, t: f64, w: u32, h: u32) -> Frame {
        let (wu, hu) = (w as usize, h as usize);
        let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
        let m = self.camera.affine(t, cx, cy);
        let ts = self.texel_scale;
        let gain = self.gain.at(t) as f32;
        let placed: Vec<PlacedSprite> = self
            .sprites
            .iter()
            .map(|s| {
                let (sin, cos) = (-s.spin * t).sin_cos();
                PlacedSprite {
                    sprite: s,
                    centre: s.centre(t),
                    cos,
                    sin,
                    bound: s.shape.bound() + 2.0,
                }
            })
            .collect();
        let mut data = vec![0u8; wu * hu * 3];
        data.par_chunks_mut(wu * 3)
            .enumerate()
            .for_each(|(py, row)| {
                let y = py as f64 + 0.5;
                // Sprites whose bounding circle touches this row.
                let near: Vec<&PlacedSprite> = placed
                    .iter()
                    .filter(|p| (p.centre.1 - y).abs() <= p.bound)
                    .collect();
                for px in 0..wu {
                    let x = px as f64 + 0.5;
                    let mut acc = [0.0f32; 3];
                    for &(ox, oy) in &SUB {
                        let (sx, sy) = (x + ox, y + oy);
                        let wx = (m[0] * sx + m[1] * sy + m[2]) * ts;
                        let wy = (m[3] * sx + m[4] * sy + m[5]) * ts;
                        let mut c = self.background.sample(wx as f32, wy as f32);
                        for p in &near {
                            let (dx, dy) = (sx - p.centre.0, sy - p.centre.1);
                            if dx.abs() > p.bound {
                                continue;
                            }
                            let lx = p.cos * dx - p.sin * dy;
                            let ly = p.sin * dx + p.cos * dy;
                            // Coverage ramps over one sub-sample (half a pixel).
                            let alpha = (0.5 - 2.0 * p.sprite.shape.distance(lx, ly))
                                .clamp(0.0, 1.0) as f32;
                            if alpha > 0.0 {
                                let sc =
                                    p.sprite.texture.sample((lx * ts) as f32, (ly * ts) as f32);
                                for k in 0..3 {
                                    c[k] += (sc[k] - c[k]) * alpha;
                                }
                            }
                        }
                        for k in 0..3 {
                            acc[k] += c[k];
                        }
                    }
                    for k in 0..3 {
                        let v = acc[k] * 0.25 * gain;
                        row[px * 3 + k] = (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
                    }
                }
            });
        Frame::from_u8(w, h, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::TextureStyle;

    fn scene(camera: Camera) -> Scene {
        Scene {
            background: Arc::new(Texture::generate(96, 64, &TextureStyle::from_seed(3, 16.0))),
            texel_scale: 2.0,
            camera,
            sprites: vec![],
            gain: Gain::default(),
        }
    }

    #[test]
    fn integer_pan_is_an_exact_shift() {
        let s = scene(Camera {
            pan: (2.0, 1.0),
            ..Camera::default()
        });
        let (a, b) = (s.render(0.0, 40, 30), s.render(1.0, 40, 30));
        let (ta, tb) = (a.to_f32(), b.to_f32());
        for y in 0..29 {
            for x in 0..38 {
                for k in 0..3 {
                    let p = tb[(y * 40 + x) * 3 + k];
                    let q = ta[((y + 1) * 40 + x + 2) * 3 + k];
                    assert!((p - q).abs() <= 1.0 / 255.0 + 1e-6, "({x},{y})");
                }
            }
        }
    }

    #[test]
    fn sprite_is_opaque_inside_and_absent_outside() {
        let mut s = scene(Camera::default());
        let tex = Arc::new(Texture::generate(8, 8, &TextureStyle::from_seed(1, 4.0)));
        s.sprites.push(Sprite {
            shape: Shape::RoundedBox {
                hx: 8.0,
                hy: 6.0,
                r: 2.0,
            },
            texture: tex,
            origin: (20.0, 15.0),
            drift: (0.0, 0.0),
            amp: (0.0, 0.0),
            freq: (0.0, 0.0),
            phase: (0.0, 0.0),
            spin: 0.0,
        });
        let with = s.render(0.0, 40, 30);
        s.sprites.clear();
        let without = s.render(0.0, 40, 30);
        let px = |f: &Frame, x: usize, y: usize| f.to_f32()[(y * 40 + x) * 3];
        assert_eq!(px(&with, 1, 1), px(&without, 1, 1));
        assert_ne!(with, without);
        assert!(
            Shape::RoundedBox {
                hx: 8.0,
                hy: 6.0,
                r: 2.0
            }
            .distance(0.0, 0.0)
                < -5.9
        );
        assert!((Shape::Ellipse { rx: 4.0, ry: 4.0 }.distance(6.0, 0.0) - 2.0).abs() < 1e-9);
    }
}

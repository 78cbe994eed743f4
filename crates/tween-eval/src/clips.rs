//! The evaluation clips: which scene each [`ClipKind`] renders, at any size and length.
//!
//! A clip of `n` input frames is rendered at twice the input rate: ground-truth
//! frames 0..2n, where the even frames 2k form the input and the odd frames
//! 2k+1 are held out for the interpolators to re-create. Motion is stated in
//! pixels per ground-truth frame at 1280 pixels wide and scales with the width,
//! so a small test clip is a shrunk copy of the full-size one.

use crate::scene::{Camera, Gain, Scene, Shape, Sprite};
use crate::texture::{hash, Texture, TextureStyle};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tween_core::Frame;

/// The kinds of motion evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClipKind {
    /// The camera translates diagonally (~15 px per input frame at 1280 wide).
    Pan,
    /// The camera zooms in and out around the centre.
    Zoom,
    /// The camera turns about the centre (~12 px per input frame at the corners).
    Rotation,
    /// Textured opaque shapes on their own paths occlude a slowly panning background.
    Sprites,
    /// A slow pan while the global brightness rises and falls.
    Brightness,
    /// Two different scenes; the cut falls after the held-out frame that ends
    /// the first one, so that repeating the earlier source frame is the right call.
    SceneCut,
    /// Rotation, zoom, sprites and brightness change together.
    Combined,
}

impl ClipKind {
    /// Every kind, in report order.
    pub const ALL: [ClipKind; 7] = [
        ClipKind::Pan,
        ClipKind::Zoom,
        ClipKind::Rotation,
        ClipKind::Sprites,
        ClipKind::Brightness,
        ClipKind::SceneCut,
        ClipKind::Combined,
    ];

    /// The name used in file names, tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ClipKind::Pan => "pan",
            ClipKind::Zoom => "zoom",
            ClipKind::Rotation => "rotation",
            ClipKind::Sprites => "sprites",
            ClipKind::Brightness => "brightness",
            ClipKind::SceneCut => "scene-cut",
            ClipKind::Combined => "combined",
        }
    }

    /// Parses a [`ClipKind::name`]; also accepts the short forms `rotate` and `cut`.
    pub fn from_name(s: &str) -> Option<ClipKind> {
        match s {
            "rotate" => Some(ClipKind::Rotation),
            "cut" => Some(ClipKind::SceneCut),
            _ => ClipKind::ALL.into_iter().find(|k| k.name() == s),
        }
    }
}

impl std::fmt::Display for ClipKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Texels per screen pixel of the generated textures.
const TEXEL_SCALE: f64 = 2.0;

/// A renderable clip: one or more scenes, each from its first ground-truth frame on.
#[derive(Clone, Debug)]
pub struct Clip {
    pub kind: ClipKind,
    pub width: u32,
    pub height: u32,
    /// Number of input frames; the ground truth has twice as many.
    pub input_frames: u32,
    /// (first ground-truth frame, scene), sorted by frame.
    pub scenes: Vec<(u32, Scene)>,
}

impl Clip {
    /// Builds the clip of `kind` at `width`×`height` with `input_frames` input frames.
    pub fn new(kind: ClipKind, width: u32, height: u32, input_frames: u32, seed: u64) -> Clip {
        let b = Builder {
            w: width as f64,
            h: height as f64,
            s: width as f64 / 1280.0,
            seed,
        };
        let n = input_frames;
        let scenes = match kind {
            ClipKind::Pan => vec![(
                0,
                b.scene(
                    1,
                    Camera {
                        pan: (7.3, 2.9),
                        ..Camera::default()
                    },
                ),
            )],
            ClipKind::Zoom => vec![(
                0,
                b.scene(
                    2,
                    Camera {
                        zoom_amp: 0.3,
                        zoom_period: 180.0,
                        zoom_rate: 0.0,
                        ..Camera::default()
                    },
                ),
            )],
            ClipKind::Rotation => {
                vec![(
                    0,
                    b.scene(
                        3,
                        Camera {
                            spin: 0.45f64.to_radians(),
                            ..Camera::default()
                        },
                    ),
                )]
            }
            ClipKind::Sprites => {
                let mut s = b.scene(
                    4,
                    Camera {
                        pan: (2.1, -0.8),
                        ..Camera::default()
                    },
                );
                s.sprites = b.sprites(40, 6);
                vec![(0, s)]
            }
            ClipKind::Brightness => {
                let mut s = b.scene(
                    5,
                    Camera {
                        pan: (3.2, 1.1),
                        ..Camera::default()
                    },
                );
                s.gain = Gain {
                    base: 0.68,
                    amp: 0.32,
                    period: 64.0,
                };
                vec![(0, s)]
            }
            ClipKind::SceneCut => {
                // Input frame n/2 is the first of the second scene: ground-truth
                // frames before 2·(n/2) — including the held-out one just before
                // it — belong to the first scene.
                let cut = 2 * (n / 2).max(1);
                let a = b.scene(
                    6,
                    Camera {
                        pan: (6.3, 0.9),
                        ..Camera::default()
                    },
                );
                let mut c = b.scene(
                    7,
                    Camera {
                        pan: (-3.5, 2.5),
                        spin: 0.2f64.to_radians(),
                        ..Camera::default()
                    },
                );
                c.sprites = b.sprites(70, 2);
                vec![(0, a), (cut, c)]
            }
            ClipKind::Combined => {
                let mut s = b.scene(
                    8,
                    Camera {
                        pan: (1.5, 0.7),
                        spin: 0.3f64.to_radians(),
                        zoom_amp: 0.2,
                        zoom_period: 150.0,
                        ..Camera::default()
                    },
                );
                s.sprites = b.sprites(80, 4);
                s.gain = Gain {
                    base: 0.8,
                    amp: 0.2,
                    period: 90.0,
                };
                vec![(0, s)]
            }
        };
        Clip {
            kind,
            width,
            height,
            input_frames: n,
            scenes,
        }
    }

    /// Ground-truth frame `f` (0..2·input_frames): frame 2k is input frame k.
    pub fn frame(&self, f: u32) -> Frame {
        let scene = &self
            .scenes
            .iter()
            .rev()
            .find(|(start, _)| *start <= f)
            .unwrap_or(&self.scenes[0])
            .1;
        scene.render(f as f64, self.width, self.height)
    }

    /// Number of ground-truth frames (2 · input frames).
    pub fn ground_truth_frames(&self) -> u32 {
        2 * self.input_frames
    }
}

/// Scene construction at one size.
struct Builder {
    w: f64,
    h: f64,
    /// Motion scale: width / 1280.
    s: f64,
    seed: u64,
}

impl Builder {
    fn texture(&self, salt: u64, w_px: f64, h_px: f64, cell_px: f64) -> Arc<Texture> {
        let tw = (w_px * TEXEL_SCALE).round().max(8.0) as usize;
        let th = (h_px * TEXEL_SCALE).round().max(8.0) as usize;
        let cell = (cell_px * TEXEL_SCALE) as f32;
        let seed = self.seed.wrapping_mul(1_000_003).wrapping_add(salt);
        Arc::new(Texture::generate(
            tw,
            th,
            &TextureStyle::from_seed(seed, cell.max(6.0)),
        ))
    }

    /// A scene over a background that repeats every 1.5 screens, motion scaled.
    fn scene(&self, salt: u64, mut camera: Camera) -> Scene {
        camera.pan = (camera.pan.0 * self.s, camera.pan.1 * self.s);
        let cell = (self.w / 10.0).max(8.0);
        Scene {
            background: self.texture(salt, self.w * 1.5, self.h * 1.5, cell),
            texel_scale: TEXEL_SCALE,
            camera,
            sprites: Vec::new(),
            gain: Gain::default(),
        }
    }

    /// `count` sprites on oscillating paths that stay on screen, peak speed
    /// up to ~9 px per ground-truth frame at 1280 wide.
    fn sprites(&self, salt: u64, count: u64) -> Vec<Sprite> {
        (0..count)
            .map(|i| {
                let r = |k: i64| hash(self.seed ^ salt, i as i64, k, 17) as f64;
                let size = self.h * (0.07 + 0.09 * r(0));
                let shape = if i % 2 == 0 {
                    Shape::Ellipse {
                        rx: size,
                        ry: size * (0.6 + 0.4 * r(1)),
                    }
                } else {
                    Shape::RoundedBox {
                        hx: size,
                        hy: size * (0.5 + 0.4 * r(1)),
                        r: size * 0.2,
                    }
                };
                let texture = self.texture(
                    salt * 100 + i,
                    size * 2.5,
                    size * 2.5,
                    (size / 3.0).max(4.0),
                );
                let amp = (self.w * (0.15 + 0.2 * r(2)), self.h * (0.1 + 0.2 * r(3)));
                let speed = 9.0 * self.s * (0.5 + 0.5 * r(4));
                // Peak speed amp·freq; split it between the axes.
                let freq = (speed / amp.0.max(1.0) * 0.8, speed / amp.1.max(1.0) * 0.6);
                Sprite {
                    shape,
                    texture,
                    origin: (self.w * (0.3 + 0.4 * r(5)), self.h * (0.3 + 0.4 * r(6))),
                    drift: (0.0, 0.0),
                    amp,
                    freq,
                    phase: (std::f64::consts::TAU * r(7), std::f64::consts::TAU * r(8)),
                    spin: (r(9) - 0.5) * 0.02,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ClipKind::ALL {
            assert_eq!(ClipKind::from_name(k.name()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
        assert_eq!(ClipKind::from_name("cut"), Some(ClipKind::SceneCut));
        assert_eq!(ClipKind::from_name("rotate"), Some(ClipKind::Rotation));
        assert_eq!(ClipKind::from_name("spin"), None);
    }

    #[test]
    fn scene_cut_keeps_the_last_held_out_frame_in_the_first_scene() {
        let c = Clip::new(ClipKind::SceneCut, 64, 36, 6, 1);
        assert_eq!(c.scenes[1].0, 6);
        // Frame 5 (held out) continues scene one; frame 6 (input 3) is scene two.
        let (f4, f5, f6) = (c.frame(4), c.frame(5), c.frame(6));
        let p = tween_core::metrics::psnr;
        assert!(
            p(&f4, &f5) > p(&f5, &f6) + 3.0,
            "{} {}",
            p(&f4, &f5),
            p(&f5, &f6)
        );
    }
}

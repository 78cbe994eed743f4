//! RIFE IFNet v4.x as a [`tween_core::Interpolator`]: frames in, frames out.
//!
//! RIFE v4 takes the timestep as an input, so every t in (0, 1) is rendered
//! directly ([`Timesteps::Any`]); nothing is reached by recursion.
//!
//! Per pair, [`Interpolator::prepare`] turns both frames (8- or 16-bit RGB,
//! interleaved) into `[1, 3, ph, pw]` float32 in [0, 1], zero-padded on the
//! right and bottom to the [`PadPolicy`]'s multiple. Each
//! [`PreparedPair::render`] runs the network at t, crops `[:h, :w]` and
//! converts back to the frame's depth.
//!
//! Output samples are **rounded to nearest** (after a clamp to [0, 1]), which
//! is what a video wants. Practical-RIFE's own u8 output truncates
//! (`(out * 255).byte()`); the conformance tests keep that rule for their
//! comparison, the interpolator does not.
//!
//! ```no_run
//! use tween_nn::engine::{Runtime, RuntimeConfig};
//! use tween_nn::interpolator::{PadPolicy, RifeInterpolator, RifeOptions};
//!
//! let sd = tween_nn::load(std::path::Path::new("flownet.pkl"))?;
//! let tween_nn::Architecture::Rife(config) = tween_nn::detect_strict(&sd)? else {
//!     panic!("not RIFE weights");
//! };
//! let rt = Runtime::load(&RuntimeConfig::default())?;
//! let opts = RifeOptions { pad: PadPolicy::Practical, ..RifeOptions::default() };
//! let interp = RifeInterpolator::new(&config, &sd, &rt, opts)?;
//! # Ok::<(), tween_nn::NnError>(())
//! ```

use tween_core::interpolate::check_pair;
use tween_core::{Frame, InterpolateError, Interpolator, Pixels, PreparedPair, Timesteps};

use crate::arch::rife::Config;
use crate::engine::{Array, Device, Precision, Runtime, SessionConfig};
use crate::error::NnError;
use crate::model::rife::Rife;
use crate::state_dict::StateDict;

/// The scales RIFE v4 accepts (Practical-RIFE `--scale`). Every block works
/// at its usual fraction of the frame divided by `scale`: 0.5 estimates flow
/// on coarser grids (faster, for 4K), 2 and 4 on finer ones.
pub const SCALES: [f32; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// How far frames are zero-padded (right and bottom) before the network.
///
/// The result depends on the padding (border effects reach the whole frame
/// through the coarsest block), so a comparison with a reference must use the
/// same policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PadPolicy {
    /// The least the network needs: `2^(blocks+1) / scale`, i.e. `64/scale`
    /// for v4.25/v4.26 (with the feature encoder) and `32/scale` for v4.6
    /// (vs-rife pads this way, with a floor of 64 and 32 at scale > 1).
    #[default]
    Minimal,
    /// Practical-RIFE `inference_video.py`: `max(128, int(128 / scale))`
    /// (720p becomes 1280x768; 270x480 at scale 0.5 becomes 512x512).
    Practical,
}

impl PadPolicy {
    /// "minimal" or "practical".
    pub fn as_str(self) -> &'static str {
        match self {
            PadPolicy::Minimal => "minimal",
            PadPolicy::Practical => "practical",
        }
    }
}

/// Options of a [`RifeInterpolator`].
#[derive(Debug, Clone, PartialEq)]
pub struct RifeOptions {
    /// Flow scale: one of [`SCALES`]. 1 for video up to 1080p; 0.5 for 4K
    /// (coarser flow, faster); 2 or 4 for small or detailed frames.
    pub scale: f32,
    /// Padding before the network.
    pub pad: PadPolicy,
    /// ONNX Runtime intra-op threads; `None` means every core.
    pub threads: Option<usize>,
    /// The float type of the network's convolutions (`--precision`): fp32
    /// everywhere; fp16 only on a GPU (`cuda` feature); see
    /// [`crate::model::rife::Rife::with_precision`].
    pub precision: Precision,
}

impl Default for RifeOptions {
    fn default() -> Self {
        RifeOptions {
            scale: 1.0,
            pad: PadPolicy::Minimal,
            threads: None,
            precision: Precision::Fp32,
        }
    }
}

impl RifeOptions {
    /// Fails unless `scale` is one of [`SCALES`] and `threads` is not 0.
    pub fn validate(&self) -> Result<(), NnError> {
        if !SCALES.contains(&self.scale) {
            return Err(NnError::BadInput {
                reason: format!(
                    "RIFE scale must be one of 0.25, 0.5, 1, 2, 4 (got {})",
                    self.scale
                ),
            });
        }
        if self.threads == Some(0) {
            return Err(NnError::BadInput {
                reason: "RIFE threads must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The multiple H and W are padded to for `config` at `options`.
pub fn pad_multiple(config: &Config, scale: f32, pad: PadPolicy) -> usize {
    let minimal = Rife::min_multiple(config, scale);
    match pad {
        PadPolicy::Minimal => minimal,
        PadPolicy::Practical => {
            // Python's int() truncates toward zero.
            let practical = 128usize.max((128.0 / scale) as usize);
            // For v4.6 and v4.25 the minimal multiple always divides it; a
            // config with more blocks could need more.
            lcm(practical, minimal)
        }
    }
}

/// `n` rounded up to a multiple of `m`.
fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}

fn lcm(a: usize, b: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    a / gcd(a, b) * b
}

/// RIFE IFNet v4.x behind the [`Interpolator`] contract.
#[derive(Debug)]
pub struct RifeInterpolator {
    net: Rife,
    options: RifeOptions,
    name: String,
}

impl RifeInterpolator {
    /// Holds `weights` to `config`'s exact key list and checks `options`.
    /// The name (for logs) is `rife-v4.25`, `rife-v4.6` or `rife-v4.x`.
    pub fn new(
        config: &Config,
        weights: &StateDict,
        runtime: &Runtime,
        options: RifeOptions,
    ) -> Result<Self, NnError> {
        options.validate()?;
        let session = SessionConfig {
            device: Device::Cpu,
            intra_threads: options.threads,
        };
        let net =
            Rife::load(config, weights, runtime, session)?.with_precision(options.precision)?;
        let name = match config.preset() {
            Some(p) => format!("rife-{p}"),
            None => "rife-v4.x".into(),
        };
        Ok(RifeInterpolator { net, options, name })
    }

    /// Replaces the name used in logs and errors (e.g. a model store name).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn options(&self) -> &RifeOptions {
        &self.options
    }

    /// The multiple frames are padded to.
    pub fn pad_multiple(&self) -> usize {
        pad_multiple(self.net.config(), self.options.scale, self.options.pad)
    }

    /// The padded (height, width) for a `width`x`height` frame.
    pub fn padded_size(&self, width: u32, height: u32) -> (usize, usize) {
        let m = self.pad_multiple();
        (round_up(height as usize, m), round_up(width as usize, m))
    }

    fn backend(&self, e: NnError) -> InterpolateError {
        InterpolateError::Backend(format!("{}: {e}", self.name))
    }
}

impl Interpolator for RifeInterpolator {
    fn name(&self) -> &str {
        &self.name
    }

    fn timesteps(&self) -> Timesteps {
        Timesteps::Any
    }

    fn prepare<'a>(
        &'a self,
        a: &'a Frame,
        b: &'a Frame,
    ) -> Result<Box<dyn PreparedPair + 'a>, InterpolateError> {
        check_pair(a, b)?;
        let (ph, pw) = self.padded_size(a.width(), a.height());
        Ok(Box::new(RifePair {
            interp: self,
            img0: to_padded_nchw(a, ph, pw),
            img1: to_padded_nchw(b, ph, pw),
            width: a.width(),
            height: a.height(),
            high_depth: a.is_high_depth(),
        }))
    }
}

/// Both frames, padded, ready for any number of timesteps.
struct RifePair<'a> {
    interp: &'a RifeInterpolator,
    img0: Array,
    img1: Array,
    width: u32,
    height: u32,
    high_depth: bool,
}

impl PreparedPair for RifePair<'_> {
    fn render(&self, t: f64) -> Result<Frame, InterpolateError> {
        if !(t > 0.0 && t < 1.0) {
            return Err(InterpolateError::BadTimestep { t });
        }
        let r = self
            .interp
            .net
            .forward(
                self.img0.view(),
                self.img1.view(),
                t as f32,
                self.interp.options.scale,
            )
            .map_err(|e| self.interp.backend(e))?;
        from_padded_nchw(&r.out, self.width, self.height, self.high_depth)
            .map_err(|e| self.interp.backend(e))
    }
}

/// Interleaved RGB → `[1, 3, ph, pw]` in [0, 1], zeros right and bottom.
pub fn to_padded_nchw(frame: &Frame, ph: usize, pw: usize) -> Array {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    assert!(ph >= h && pw >= w, "padded size smaller than the frame");
    let mut a = Array::zeros(&[1, 3, ph, pw]);
    let plane = ph * pw;
    fn fill<T: Copy>(
        dst: &mut [f32],
        src: &[T],
        w: usize,
        h: usize,
        pw: usize,
        plane: usize,
        norm: impl Fn(T) -> f32,
    ) {
        for y in 0..h {
            let row = &src[y * w * 3..(y + 1) * w * 3];
            for (x, px) in row.chunks_exact(3).enumerate() {
                let i = y * pw + x;
                dst[i] = norm(px[0]);
                dst[plane + i] = norm(px[1]);
                dst[2 * plane + i] = norm(px[2]);
            }
        }
    }
    match frame.pixels() {
        Pixels::U8(v) => fill(&mut a.data, v, w, h, pw, plane, |s| f32::from(s) / 255.0),
        Pixels::U16(v) => fill(&mut a.data, v, w, h, pw, plane, |s| f32::from(s) / 65535.0),
    }
    a
}

/// `out[:, :, :height, :width]` → interleaved RGB at the frame's depth,
/// clamped to [0, 1] and rounded to nearest.
pub fn from_padded_nchw(
    out: &Array,
    width: u32,
    height: u32,
    high_depth: bool,
) -> Result<Frame, NnError> {
    let (w, h) = (width as usize, height as usize);
    let &[1, 3, ph, pw] = out.shape.as_slice() else {
        return Err(NnError::BadInput {
            reason: format!("RIFE output is {:?}, expected [1, 3, H, W]", out.shape),
        });
    };
    if ph < h || pw < w {
        return Err(NnError::BadInput {
            reason: format!("RIFE output is {ph}x{pw}, smaller than the {h}x{w} frame"),
        });
    }
    let plane = ph * pw;
    let sample = |c: usize, i: usize| out.data[c * plane + i].clamp(0.0, 1.0);
    let mut samples = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let i = y * pw + x;
            samples.extend([sample(0, i), sample(1, i), sample(2, i)]);
        }
    }
    // f32::clamp passes NaN through; `as` maps NaN to 0.
    Ok(if high_depth {
        Frame::from_u16(
            width,
            height,
            samples
                .iter()
                .map(|&v| (v * 65535.0 + 0.5) as u16)
                .collect(),
        )
    } else {
        Frame::from_u8(
            width,
            height,
            samples.iter().map(|&v| (v * 255.0 + 0.5) as u8).collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_multiples_match_the_conformance_cases() {
        let (v6, v25) = (Config::v4_6(), Config::v4_25());
        // Minimal: 32/scale (v4.6), 64/scale (v4.25).
        assert_eq!(pad_multiple(&v6, 1.0, PadPolicy::Minimal), 32);
        assert_eq!(pad_multiple(&v25, 1.0, PadPolicy::Minimal), 64);
        assert_eq!(pad_multiple(&v25, 0.5, PadPolicy::Minimal), 128);
        assert_eq!(pad_multiple(&v25, 4.0, PadPolicy::Minimal), 16);
        assert_eq!(pad_multiple(&v6, 0.25, PadPolicy::Minimal), 128);
        // Practical-RIFE video: max(128, int(128/scale)), both versions.
        for c in [&v6, &v25] {
            assert_eq!(pad_multiple(c, 1.0, PadPolicy::Practical), 128);
            assert_eq!(pad_multiple(c, 0.5, PadPolicy::Practical), 256);
            assert_eq!(pad_multiple(c, 0.25, PadPolicy::Practical), 512);
            assert_eq!(pad_multiple(c, 2.0, PadPolicy::Practical), 128);
            assert_eq!(pad_multiple(c, 4.0, PadPolicy::Practical), 128);
        }
        // The padded sizes the README's cases name.
        let m = pad_multiple(&v25, 0.5, PadPolicy::Practical);
        assert_eq!((round_up(270, m), round_up(480, m)), (512, 512));
        let m = pad_multiple(&v6, 1.0, PadPolicy::Practical);
        assert_eq!((round_up(270, m), round_up(480, m)), (384, 512));
        let m = pad_multiple(&v6, 1.0, PadPolicy::Minimal);
        assert_eq!((round_up(270, m), round_up(480, m)), (288, 480));
        let m = pad_multiple(&v25, 0.5, PadPolicy::Minimal);
        assert_eq!((round_up(256, m), round_up(448, m)), (256, 512));
    }

    #[test]
    fn scales_are_validated() {
        for s in SCALES {
            let o = RifeOptions {
                scale: s,
                ..RifeOptions::default()
            };
            assert!(o.validate().is_ok());
        }
        for s in [0.0, 0.3, 3.0, 8.0, -1.0, f32::NAN] {
            let o = RifeOptions {
                scale: s,
                ..RifeOptions::default()
            };
            let e = o.validate().unwrap_err().to_string();
            assert!(e.contains("0.25, 0.5, 1, 2, 4"), "{e}");
        }
    }

    #[test]
    fn nchw_round_trip_keeps_every_sample_and_pads_with_zeros() {
        let (w, h) = (5u32, 3u32);
        let data: Vec<u8> = (0..w * h * 3).map(|i| (i * 17 % 256) as u8).collect();
        let f = Frame::from_u8(w, h, data);
        let a = to_padded_nchw(&f, 4, 8);
        assert_eq!(a.shape, [1, 3, 4, 8]);
        // Padding is zero: row 3 and columns 5..8 of every plane.
        for c in 0..3 {
            for y in 0..4 {
                for x in 0..8 {
                    if y >= 3 || x >= 5 {
                        assert_eq!(a.data[c * 32 + y * 8 + x], 0.0);
                    }
                }
            }
        }
        assert_eq!(from_padded_nchw(&a, w, h, false).unwrap(), f);

        let data16: Vec<u16> = (0..w * h * 3).map(|i| (i * 4099 % 65536) as u16).collect();
        let f16 = Frame::from_u16(w, h, data16);
        let a16 = to_padded_nchw(&f16, 3, 5);
        assert_eq!(from_padded_nchw(&a16, w, h, true).unwrap(), f16);
    }

    #[test]
    fn output_is_clamped_and_rounded_to_nearest() {
        let out = Array::new(
            vec![1, 3, 1, 2],
            vec![-0.1, 0.5, 1.2, 0.998, f32::NAN, 127.6 / 255.0],
        )
        .unwrap();
        let f = from_padded_nchw(&out, 2, 1, false).unwrap();
        // Pixel 0: (R, G, B) = (-0.1, 1.2, NaN); pixel 1: (0.5, 0.998, 127.6/255).
        assert_eq!(f.pixels(), &Pixels::U8(vec![0, 255, 0, 128, 254, 128]));
    }

    /// Every RIFE conformance case through the interpolator (padding chosen
    /// by its `PadPolicy`, not given): our rounded u8 against the reference's
    /// truncated u8 may only differ by rounding, 0 or +1 (the f32 tolerance,
    /// 1e-3, is a quarter level). A wrong pad size moves values by up to 0.8.
    /// Needs ONNX Runtime (scripts/fetch-onnxruntime.sh) and the conformance
    /// data, like the tests under tests/nn.
    #[test]
    fn every_conformance_case_through_the_interpolator() {
        use crate::engine::RuntimeConfig;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = std::env::var_os("TWEEN_CONFORMANCE_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("../../../shared/conformance"));
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let set = ["TWEEN_ORT_LIB", "ORT_DYLIB_PATH"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        let library = (!set).then(|| root.join("../../target/onnxruntime/libonnxruntime.so"));
        let rt = Runtime::load(&RuntimeConfig { library }).unwrap_or_else(|e| panic!("{e}"));
        let png = |rel: &str| {
            let img = image::open(dir.join(rel)).unwrap().to_rgb8();
            Frame::from_u8(img.width(), img.height(), img.into_raw())
        };
        let mut n = 0;
        for case in m["cases"].as_array().unwrap() {
            if case["family"] != "rife" {
                continue;
            }
            let id = case["id"].as_str().unwrap();
            let model = &m["models"][case["model"].as_str().unwrap()];
            let sd = crate::load(&dir.join(model["weights"]["pkl"].as_str().unwrap())).unwrap();
            let config = match case["version"].as_str().unwrap() {
                "4.6" => Config::v4_6(),
                _ => Config::v4_25(),
            };
            let o = &case["options"];
            let pad = match o["pad_policy"].as_str().unwrap() {
                "minimal" => PadPolicy::Minimal,
                "practical_rife_video" => PadPolicy::Practical,
                other => panic!("{id}: pad policy {other}"),
            };
            let opts = RifeOptions {
                scale: o["scale"].as_f64().unwrap() as f32,
                pad,
                threads: None,
                precision: Precision::Fp32,
            };
            let interp = RifeInterpolator::new(&config, &sd, &rt, opts).unwrap();
            let (a, b) = (
                png(case["inputs"]["frame0"].as_str().unwrap()),
                png(case["inputs"]["frame1"].as_str().unwrap()),
            );
            let padded = interp.padded_size(a.width(), a.height());
            let want = (
                o["padded_size"][0].as_u64().unwrap() as usize,
                o["padded_size"][1].as_u64().unwrap() as usize,
            );
            assert_eq!(padded, want, "{id}: padded size");
            let got = interp
                .prepare(&a, &b)
                .unwrap()
                .render(o["timestep"].as_f64().unwrap())
                .unwrap();
            let reference = png(case["outputs"]["out_u8_png"]["path"].as_str().unwrap());
            let (Pixels::U8(g), Pixels::U8(r)) = (got.pixels(), reference.pixels()) else {
                panic!("{id}: 8-bit in, 8-bit out");
            };
            assert_eq!(g.len(), r.len(), "{id}");
            for (i, (&g, &r)) in g.iter().zip(r).enumerate() {
                assert!(
                    g == r || g == r + 1,
                    "{id}: sample {i}: ours {g} (rounded), reference {r} (truncated)"
                );
            }
            n += 1;
        }
        assert_eq!(n, 10);
    }
}

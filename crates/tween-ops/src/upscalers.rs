//! Which upscaler a `--upscale-model` name means, built and checked before
//! any output is touched, and the colour fix that follows it.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tween_core::colorfix::ColorFix;
use tween_core::{Frame, Upscaler};
use tween_nn::engine::{Runtime, RuntimeConfig};
use tween_nn::{NeuralUpscaler, SrModel, UpscaleOptions};

use crate::OpsError;

/// The upscalers this build knows, for help and error messages.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "lanczos",
        "Lanczos3 resampling, the default; needs no weights",
    ),
    (
        "RealESRGAN_x4plus",
        "Real-ESRGAN RRDBNet ×4 (--weights RealESRGAN_x4plus.pth)",
    ),
    (
        "RealESRGAN_x2plus",
        "Real-ESRGAN RRDBNet ×2 (--weights RealESRGAN_x2plus.pth)",
    ),
    (
        "RealESRGAN_x4plus_anime_6B",
        "Real-ESRGAN RRDBNet 6 blocks ×4, for anime",
    ),
    (
        "realesr-general-x4v3",
        "SRVGGNetCompact ×4, general; --denoise 0..1 blends its wdn twin",
    ),
    (
        "realesr-animevideov3",
        "SRVGGNetCompact ×4, for anime video",
    ),
    ("any", "whatever Real-ESRGAN network the --weights hold"),
];

/// How frames are enlarged: `--scale`, `--model`, `--tile`, `--color-fix`…
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpscaleSpec {
    /// Output size = input × scale (1..=8); a network of another native
    /// scale is followed by Lanczos (Real-ESRGAN's `--outscale`).
    pub scale: u32,
    /// `lanczos` (default) or a Real-ESRGAN model name (see [`KNOWN`]).
    pub model: String,
    /// Weights of a Real-ESRGAN model (.pth with params_ema/params, or .safetensors).
    pub weights: Option<PathBuf>,
    /// Tile size in input pixels (0: whole frames); bounds the memory of big frames.
    pub tile: usize,
    /// Context around each tile.
    pub tile_pad: usize,
    /// Reflect padding before the network.
    pub pre_pad: usize,
    /// realesr-general-x4v3: denoise strength 0..1 (1 = the plain model).
    pub denoise: Option<f64>,
    /// The wdn twin's weights (default: derived from --weights' name).
    pub denoise_weights: Option<PathBuf>,
    /// Colour correction of the result against its source.
    pub color_fix: ColorFixName,
    /// ONNX Runtime threads (default: all cores).
    pub threads: Option<usize>,
}

impl Default for UpscaleSpec {
    fn default() -> Self {
        UpscaleSpec {
            scale: 2,
            model: "lanczos".into(),
            weights: None,
            tile: 0,
            tile_pad: 10,
            pre_pad: 0,
            denoise: None,
            denoise_weights: None,
            color_fix: ColorFixName::None,
            threads: None,
        }
    }
}

/// `--color-fix`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorFixName {
    #[default]
    None,
    /// Per-channel mean and standard deviation matched to the source.
    Adain,
    /// The source's low frequencies with the result's high frequencies.
    Wavelet,
}

impl From<ColorFixName> for ColorFix {
    fn from(c: ColorFixName) -> Self {
        match c {
            ColorFixName::None => ColorFix::None,
            ColorFixName::Adain => ColorFix::Adain,
            ColorFixName::Wavelet => ColorFix::Wavelet,
        }
    }
}

/// An upscaler and the colour fix after it: one frame in, the enlarged,
/// corrected frame out.
pub struct UpscaleStage {
    upscaler: Box<dyn Upscaler>,
    color_fix: ColorFix,
}

impl UpscaleStage {
    pub fn name(&self) -> &str {
        self.upscaler.name()
    }

    pub fn scale(&self) -> u32 {
        self.upscaler.scale()
    }

    /// Upscales `frame` and corrects its colour against it.
    pub fn apply(&self, frame: &Frame) -> Result<Frame, OpsError> {
        let big = self
            .upscaler
            .upscale(frame)
            .map_err(|e| OpsError::Stopped {
                path: PathBuf::from(self.upscaler.name()),
                what: "upscaling",
                message: e.to_string(),
            })?;
        self.color_fix
            .apply(&big, frame)
            .map_err(|e| OpsError::Stopped {
                path: PathBuf::from(self.upscaler.name()),
                what: "colour fix",
                message: e.to_string(),
            })
    }
}

impl UpscaleSpec {
    /// Checks the options that need no file: the scale and the denoise strength.
    pub fn check(&self) -> Result<(), OpsError> {
        let spec = self;
        if !(1..=8).contains(&spec.scale) {
            return Err(OpsError::Params(format!(
                "--scale must be between 1 and 8 (got {})",
                spec.scale
            )));
        }
        if let Some(d) = spec.denoise {
            if !(0.0..=1.0).contains(&d) {
                return Err(OpsError::Params(format!(
                    "--denoise must be between 0 and 1 (got {d})"
                )));
            }
        }
        Ok(())
    }
}

/// Builds the upscaler `spec` names, or says why not: scale checked,
/// weights read and held to the model's architecture, ONNX Runtime loaded.
pub fn build_upscaler(spec: &UpscaleSpec) -> Result<UpscaleStage, OpsError> {
    spec.check()?;
    let upscaler: Box<dyn Upscaler> = match spec.model.as_str() {
        "lanczos" | "classical" => {
            if spec.weights.is_some() || spec.denoise.is_some() {
                return Err(OpsError::Params(format!(
                    "--weights and --denoise are for Real-ESRGAN models, not --model {}",
                    spec.model
                )));
            }
            Box::new(tween_core::LanczosUpscaler::new(spec.scale))
        }
        name => {
            SrModel::parse(name).map_err(|_| unknown(name))?;
            let weights = spec.weights.as_deref().ok_or_else(|| {
                OpsError::Model(format!(
                    "--model {name} needs weights: pass --weights PATH (the official .pth or a .safetensors)"
                ))
            })?;
            if !weights.is_file() {
                return Err(OpsError::Model(format!(
                    "--weights {}: no such file",
                    weights.display()
                )));
            }
            let runtime = Runtime::load(&RuntimeConfig::default()).map_err(|e| {
                OpsError::Model(format!("--model {name} runs on ONNX Runtime: {e}"))
            })?;
            crate::interpolators::log_runtime(&runtime);
            let options = UpscaleOptions {
                tile: spec.tile,
                tile_pad: spec.tile_pad,
                pre_pad: spec.pre_pad,
                threads: spec.threads,
                scale: Some(spec.scale),
                resize: Some(Arc::new(|f: &Frame, w, h| {
                    tween_core::resample::resize(f, w, h).map_err(|e| e.to_string())
                })),
                denoise: spec.denoise,
                denoise_weights: spec.denoise_weights.clone(),
                ..UpscaleOptions::default()
            };
            Box::new(
                NeuralUpscaler::from_file(name, weights, &runtime, options)
                    .map_err(|e| OpsError::Model(e.to_string()))?,
            )
        }
    };
    Ok(UpscaleStage {
        upscaler,
        color_fix: spec.color_fix.into(),
    })
}

fn unknown(name: &str) -> OpsError {
    let list: Vec<String> = KNOWN.iter().map(|(n, d)| format!("  {n}: {d}")).collect();
    OpsError::Model(format!(
        "unknown upscaling model '{name}'; this build has:\n{}",
        list.join("\n")
    ))
}

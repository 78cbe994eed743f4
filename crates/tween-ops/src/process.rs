//! Interpolation then upscaling in one streamed pass (`tween process`), and
//! upscaling alone (`tween upscale`) of videos and images. No intermediate
//! file is written: each output frame is interpolated at the source
//! resolution, upscaled, colour-corrected and encoded as it comes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tween_core::{Blend, Progress};

use crate::interpolate::interpolate_with;
use crate::{
    build_upscaler, EncodeOptions, InterpolateRequest, Limits, ModelSpec, OpsError, Report,
    SceneCut, UpscaleSpec,
};

/// The interpolation half of `process`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Interpolation {
    /// Multiply the frame rate (2, 4, 8, 16…); default 2 when `fps` is not given.
    pub factor: Option<u32>,
    /// Or resample to this exact rate.
    pub fps: Option<String>,
    pub model: ModelSpec,
    pub scene_cut: SceneCut,
    pub scene_threshold: f64,
}

impl Default for Interpolation {
    fn default() -> Self {
        Interpolation {
            factor: None,
            fps: None,
            model: ModelSpec::default(),
            scene_cut: SceneCut::default(),
            scene_threshold: tween_core::scene::DEFAULT_SCENE_THRESHOLD,
        }
    }
}

/// `tween process` (and `tween upscale` of a video, with no interpolation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessRequest {
    pub input: PathBuf,
    pub output: PathBuf,
    /// `None`: keep the frame rate.
    #[serde(default)]
    pub interpolate: Option<Interpolation>,
    /// `None`: keep the size.
    #[serde(default)]
    pub upscale: Option<UpscaleSpec>,
    #[serde(default)]
    pub encode: EncodeOptions,
    #[serde(default)]
    pub overwrite: bool,
    /// Largest frames and longest output accepted.
    #[serde(default)]
    pub limits: Limits,
    /// Deinterlace the source (libavfilter bwdif, one frame per frame) before
    /// anything else; without it interlaced input is read as it is, with a warning.
    #[serde(default)]
    pub deinterlace: bool,
}

impl ProcessRequest {
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        ProcessRequest {
            input: input.into(),
            output: output.into(),
            interpolate: None,
            upscale: None,
            encode: EncodeOptions::default(),
            overwrite: false,
            limits: Limits::default(),
            deinterlace: false,
        }
    }

    /// The equivalent `interpolate` request (its rate fields unused when
    /// there is no interpolation).
    fn as_interpolate(&self) -> InterpolateRequest {
        let i = self.interpolate.clone().unwrap_or_default();
        InterpolateRequest {
            input: self.input.clone(),
            output: self.output.clone(),
            factor: i.factor,
            fps: i.fps,
            model: i.model,
            scene_cut: i.scene_cut,
            scene_threshold: i.scene_threshold,
            encode: self.encode.clone(),
            overwrite: self.overwrite,
            limits: self.limits,
            deinterlace: self.deinterlace,
        }
    }
}

/// Runs `tween process`. Images (by extension) are upscaled as images.
pub fn process(req: &ProcessRequest, progress: &dyn Progress) -> Result<Report, OpsError> {
    if req.interpolate.is_none() && req.upscale.is_none() {
        return Err(OpsError::Params(
            "nothing to do: ask for --interpolate, --upscale or both".into(),
        ));
    }
    if crate::stills::is_image(&req.input) {
        return match (&req.interpolate, &req.upscale) {
            (None, Some(spec)) => crate::stills::upscale_image(req, spec, progress),
            _ => Err(OpsError::Params(format!(
                "{}: is a still image; it can be upscaled, not interpolated (see `tween pair` for two images)",
                req.input.display()
            ))),
        };
    }
    let ireq = req.as_interpolate();
    ireq.check()?;
    // Sizes and length from the headers before a decoder or model is built.
    let scale = match &req.upscale {
        Some(spec) => {
            spec.check()?;
            spec.scale
        }
        None => 1,
    };
    let asked = match &req.interpolate {
        Some(_) => Some(ireq.output_rate()?),
        None => None,
    };
    let what = match req.upscale {
        Some(_) => format!("upscaling by {scale}"),
        None => "interpolation".to_string(),
    };
    crate::limits::check_video_job(&req.input, &req.limits, asked, scale, &what)?;
    // Models first: a bad model or weight file writes nothing.
    let interp = match &req.interpolate {
        Some(i) => Some(crate::build_interpolator(&i.model)?),
        None => None,
    };
    let stage = req.upscale.as_ref().map(build_upscaler).transpose()?;
    let rate = match interp {
        Some(_) => Some(ireq.output_rate()?),
        None => None,
    };
    let blend = Blend;
    let interp_ref: &dyn tween_core::Interpolator = match &interp {
        Some(b) => b.as_ref(),
        None => &blend,
    };
    match &stage {
        Some(s) => {
            tracing::info!(upscaler = s.name(), scale = s.scale(), "upscaling");
            interpolate_with(&ireq, rate, interp_ref, &mut |f| s.apply(f), progress)
        }
        None => interpolate_with(&ireq, rate, interp_ref, &mut |f| Ok(f.clone()), progress),
    }
}

/// `tween upscale`: a video or an image, enlarged.
pub fn upscale(
    input: &Path,
    output: &Path,
    spec: &UpscaleSpec,
    encode: &EncodeOptions,
    overwrite: bool,
    progress: &dyn Progress,
) -> Result<Report, OpsError> {
    process(
        &ProcessRequest {
            upscale: Some(spec.clone()),
            encode: encode.clone(),
            overwrite,
            ..ProcessRequest::new(input, output)
        },
        progress,
    )
}

//! The sizes every operation holds its inputs and outputs to, checked from
//! headers and the request before a frame is decoded or a model is built:
//! a small file that declares a huge picture, or a request whose output
//! would be a gigantic frame or millions of frames, is refused with the
//! figures and the option that raises the limit.
//!
//! One definition for the CLI (`--max-input-pixels`, `--max-pixels`,
//! `--max-frames`) and the server's workers (the defaults).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tween_core::{OutputRate, Rational, Timeline};
use tween_video::VideoInfo;

use crate::OpsError;

/// How large an operation may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Most pixels (width × height) of one decoded input frame or image.
    pub max_input_pixels: u64,
    /// Most pixels of one output frame (after upscaling).
    pub max_output_pixels: u64,
    /// Most frames one output video may have.
    pub max_output_frames: u64,
}

/// 2^26 pixels (8192 × 8192; 8K UHD fits).
pub const DEFAULT_MAX_INPUT_PIXELS: u64 = 1 << 26;
/// 2^28 pixels (16384 × 16384).
pub const DEFAULT_MAX_OUTPUT_PIXELS: u64 = 1 << 28;
/// Two million frames: 9 hours at 60 fps, a 2-hour film at 24 fps × 8.
pub const DEFAULT_MAX_OUTPUT_FRAMES: u64 = 2_000_000;
/// Output rates above this get a warning: no display shows them.
const WARN_OUTPUT_FPS: f64 = 1000.0;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_pixels: DEFAULT_MAX_INPUT_PIXELS,
            max_output_pixels: DEFAULT_MAX_OUTPUT_PIXELS,
            max_output_frames: DEFAULT_MAX_OUTPUT_FRAMES,
        }
    }
}

/// A request or input over a [`Limits`] bound. Every message names the file,
/// the size found, the limit and the option that raises it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    #[error(
        "{}: {width}x{height} is {} pixels, more than the input limit of {limit} \
         (raise it with --max-input-pixels if you mean it)",
        path.display(), *width as u64 * *height as u64
    )]
    InputTooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        limit: u64,
    },
    #[error(
        "{}: {what} would make {width}x{height} frames ({pixels} pixels), more than the output \
         limit of {limit} (raise it with --max-pixels if you mean it)",
        path.display()
    )]
    OutputTooLarge {
        path: PathBuf,
        what: String,
        width: u64,
        height: u64,
        pixels: u128,
        limit: u64,
    },
    #[error(
        "{}: would write about {frames} frames at {rate} fps ({seconds:.1} s of video, \
         {raw_gib:.1} GiB of raw pixels), more than the limit of {limit} frames \
         (raise it with --max-frames if you mean it)",
        path.display()
    )]
    TooManyFrames {
        path: PathBuf,
        frames: u64,
        rate: String,
        seconds: f64,
        raw_gib: f64,
        limit: u64,
    },
}

impl Limits {
    /// Checks that no limit is zero (a zero limit would refuse everything).
    pub fn check(&self) -> Result<(), OpsError> {
        for (name, v) in [
            ("--max-input-pixels", self.max_input_pixels),
            ("--max-pixels", self.max_output_pixels),
            ("--max-frames", self.max_output_frames),
        ] {
            if v == 0 {
                return Err(OpsError::Params(format!(
                    "{name} must be at least 1 (got 0)"
                )));
            }
        }
        Ok(())
    }

    /// The bounds for still images read for an operation.
    pub fn image_limits(&self) -> tween_video::ImageLimits {
        tween_video::ImageLimits {
            max_pixels: self.max_input_pixels,
            ..tween_video::ImageLimits::default()
        }
    }

    /// `path`'s frames, `width`×`height`, are within the input limit.
    pub fn check_input(&self, path: &Path, width: u32, height: u32) -> Result<(), LimitError> {
        if width as u64 * height as u64 > self.max_input_pixels {
            return Err(LimitError::InputTooLarge {
                path: path.to_path_buf(),
                width,
                height,
                limit: self.max_input_pixels,
            });
        }
        Ok(())
    }

    /// Frames of `width`×`height` input pixels, enlarged `scale` times
    /// (`what` says by what), are within the output limit. Also checks
    /// the input.
    pub fn check_output(
        &self,
        path: &Path,
        width: u32,
        height: u32,
        scale: u32,
        what: &str,
    ) -> Result<(), LimitError> {
        self.check_input(path, width, height)?;
        let (w, h) = (width as u64 * scale as u64, height as u64 * scale as u64);
        let pixels = w as u128 * h as u128;
        if pixels > self.max_output_pixels as u128 {
            return Err(LimitError::OutputTooLarge {
                path: path.to_path_buf(),
                what: what.to_string(),
                width: w,
                height: h,
                pixels,
                limit: self.max_output_pixels,
            });
        }
        Ok(())
    }

    /// About `frames` output frames of `pixels` pixels each at `rate` (made
    /// from `path`) are within the frame limit. Logs the estimate, and warns
    /// of rates no display shows.
    pub fn check_frames(
        &self,
        path: &Path,
        frames: u64,
        rate: Rational,
        pixels: u64,
    ) -> Result<(), LimitError> {
        let fps = rate.to_f64();
        let seconds = if fps > 0.0 { frames as f64 / fps } else { 0.0 };
        let raw_gib = frames as f64 * pixels as f64 * 3.0 / (1u64 << 30) as f64;
        tracing::info!(
            input = %path.display(), frames, %rate, seconds, raw_gib,
            "estimated output"
        );
        if fps > WARN_OUTPUT_FPS {
            tracing::warn!(
                input = %path.display(), %rate, frames,
                "the output rate is above {WARN_OUTPUT_FPS} fps, more than any display shows"
            );
        }
        if frames > self.max_output_frames {
            return Err(LimitError::TooManyFrames {
                path: path.to_path_buf(),
                frames,
                rate: rate.to_string(),
                seconds,
                raw_gib,
                limit: self.max_output_frames,
            });
        }
        Ok(())
    }
}

/// Checks the size a still image's header declares (PNG, JPEG, WebP, BMP,
/// TIFF) against the input limit, reading nothing but the header; its width
/// and height. `Ok(None)` when `path` is not such an image (a video, or a
/// format only FFmpeg reads).
pub(crate) fn check_image_header(
    path: &Path,
    limits: &Limits,
) -> Result<Option<(u32, u32)>, OpsError> {
    let unbounded = tween_video::ImageLimits {
        max_side: u32::MAX,
        max_pixels: u64::MAX,
    };
    match tween_video::check_image_header(path, &unbounded)? {
        Some((w, h)) => {
            limits.check_input(path, w, h)?;
            Ok(Some((w, h)))
        }
        None => Ok(None),
    }
}

/// Probes `path` with its size checked against the input limit: a still
/// image's header first, without FFmpeg (whose probe decodes the whole
/// picture to learn its pixel format); a video's from FFmpeg's headers,
/// which decodes at most a frame. Headers only: the frame count may be an
/// estimate from the duration, which is enough for a limit and spares a
/// demux of the whole file before the job reads it again.
pub(crate) fn probe_checked(path: &Path, limits: &Limits) -> Result<VideoInfo, OpsError> {
    check_image_header(path, limits)?;
    let info = tween_video::probe_headers(path)?;
    limits.check_input(path, info.width, info.height)?;
    Ok(info)
}

/// The checks of a video job before a decoder or model is built: the
/// input's size, its frames enlarged `scale` times (`what` says by what
/// option), and the number of frames it would write at `rate` (`None`:
/// the source's rate). Returns the input's description.
pub(crate) fn check_video_job(
    input: &Path,
    limits: &Limits,
    rate: Option<OutputRate>,
    scale: u32,
    what: &str,
) -> Result<VideoInfo, OpsError> {
    limits.check()?;
    let info = probe_checked(input, limits)?;
    limits.check_output(input, info.width, info.height, scale, what)?;
    let rate_out = match rate {
        Some(r) => r
            .resolve(info.frame_rate)
            .map_err(|e| OpsError::Params(e.to_string()))?,
        None => info.frame_rate,
    };
    match info.frame_count {
        Some(n) => {
            let frames = Timeline::expected_outputs(info.frame_rate, rate_out, n);
            let pixels = info.width as u64 * info.height as u64 * (scale as u64).pow(2);
            limits.check_frames(input, frames, rate_out, pixels)?;
        }
        None => tracing::warn!(
            input = %input.display(),
            "the input declares no frame count; the output's length cannot be estimated"
        ),
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bound_names_the_file_the_figures_and_the_option() {
        let l = Limits::default();
        let p = Path::new("in.png");
        l.check_input(p, 8192, 8192).unwrap();
        let e = l.check_input(p, 16000, 16000).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("in.png") && m.contains("16000x16000"), "{m}");
        assert!(
            m.contains("--max-input-pixels") && m.contains("67108864"),
            "{m}"
        );

        l.check_output(p, 4096, 4096, 4, "upscaling by 4").unwrap();
        let e = l
            .check_output(p, 8192, 8192, 8, "upscaling by 8")
            .unwrap_err();
        assert!(matches!(
            e,
            LimitError::OutputTooLarge {
                width: 65536,
                height: 65536,
                ..
            }
        ));
        let m = e.to_string();
        assert!(
            m.contains("upscaling by 8") && m.contains("--max-pixels"),
            "{m}"
        );
        // Products that overflow 64 bits are still refused.
        let huge = Limits {
            max_input_pixels: u64::MAX,
            ..l
        };
        assert!(huge.check_output(p, u32::MAX, u32::MAX, 8, "x").is_err());

        let rate = Rational::new(25_000_000, 1);
        l.check_frames(p, 2_000_000, rate, 64 * 64).unwrap();
        let e = l.check_frames(p, 10_000_000, rate, 64 * 64).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("10000000 frames") && m.contains("--max-frames"),
            "{m}"
        );
        assert!(m.contains("0.4 s"), "{m}");

        let raised = Limits {
            max_output_frames: 20_000_000,
            ..l
        };
        raised.check_frames(p, 10_000_000, rate, 64 * 64).unwrap();
        assert!(Limits {
            max_output_pixels: 0,
            ..l
        }
        .check()
        .is_err());
    }
}

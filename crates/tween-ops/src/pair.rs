//! Two still images → a video of the motion between them (and the frames as
//! a zip): `tween pair A.png B.png -o OUT.mp4`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tween_core::{Frame, Progress, Rational};
use tween_video::VideoWriter;

use crate::transition::{between_for_passes, fit, in_betweens, ResizeMode};
use crate::{EncodeOptions, Limits, ModelSpec, OpsError, PendingOutput, Report};

/// `tween pair`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairRequest {
    pub first: PathBuf,
    pub second: PathBuf,
    /// The video (.mp4, .mkv, …).
    pub output: PathBuf,
    /// 2^passes − 1 frames between the images (1..=6); default 3.
    #[serde(default)]
    pub passes: Option<u32>,
    /// Or exactly this many frames in all, both images included (≥ 2).
    #[serde(default)]
    pub frames: Option<u64>,
    /// Rate of the video; default 25.
    #[serde(default = "default_fps")]
    pub fps: String,
    #[serde(default)]
    pub model: ModelSpec,
    /// Images of different sizes: refuse (default) or resize the second.
    #[serde(default)]
    pub resize: ResizeMode,
    /// Also write every frame as a PNG into this zip.
    #[serde(default)]
    pub frames_zip: Option<PathBuf>,
    #[serde(default)]
    pub encode: EncodeOptions,
    #[serde(default)]
    pub overwrite: bool,
    /// Largest images and frames accepted.
    #[serde(default)]
    pub limits: Limits,
}

fn default_fps() -> String {
    "25".into()
}

impl PairRequest {
    pub fn new(
        first: impl Into<PathBuf>,
        second: impl Into<PathBuf>,
        output: impl Into<PathBuf>,
    ) -> Self {
        PairRequest {
            first: first.into(),
            second: second.into(),
            output: output.into(),
            passes: None,
            frames: None,
            fps: default_fps(),
            model: ModelSpec::default(),
            resize: ResizeMode::default(),
            frames_zip: None,
            encode: EncodeOptions::default(),
            overwrite: false,
            limits: Limits::default(),
        }
    }

    /// Frames between the two images, from `passes` or `frames`.
    pub fn between(&self) -> Result<u64, OpsError> {
        match (self.passes, self.frames) {
            (Some(_), Some(_)) => Err(OpsError::Params(
                "give --passes or --frames, not both".into(),
            )),
            (_, Some(n)) if n < 2 => Err(OpsError::Params(format!(
                "--frames counts both images, so it must be at least 2 (got {n})"
            ))),
            (_, Some(n)) if n > 10_000 => Err(OpsError::Params(format!(
                "--frames must be at most 10000 (got {n})"
            ))),
            (_, Some(n)) => Ok(n - 2),
            (p, None) => between_for_passes(p.unwrap_or(3)),
        }
    }

    /// Both images' headers checked against the limits (nothing is
    /// decoded); the first one's description.
    fn checked_inputs(&self) -> Result<tween_video::VideoInfo, OpsError> {
        self.limits.check()?;
        let first = crate::limits::probe_checked(&self.first, &self.limits)?;
        crate::limits::probe_checked(&self.second, &self.limits)?;
        // The video is the first image's size (the second is fitted to it).
        self.limits
            .check_output(&self.first, first.width, first.height, 1, "pair")?;
        Ok(first)
    }

    fn rate(&self) -> Result<Rational, OpsError> {
        self.fps
            .parse::<Rational>()
            .ok()
            .filter(|r| r.is_positive())
            .ok_or_else(|| {
                OpsError::Params(format!("--fps: '{}' is not a positive rate", self.fps))
            })
    }
}

/// How long and how much memory a pair job will take, roughly, before it runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub output_frames: u64,
    /// Peak working memory, bytes.
    pub memory_bytes: u64,
    /// Wall-clock seconds on this machine's class of CPU.
    pub seconds: f64,
}

/// Estimates `req` from the image headers (nothing is decoded). The
/// per-pixel costs are measured figures of the interpolators on a 2-core
/// machine (README, "Speed"): classical flow ~25 ns/pixel per pair plus
/// ~6 ns/pixel per frame; RIFE ~1.6 µs/pixel per frame on CPU.
pub fn estimate_pair(req: &PairRequest) -> Result<Estimate, OpsError> {
    let between = req.between()?;
    req.rate()?;
    let info = req.checked_inputs()?;
    let pixels = info.width as f64 * info.height as f64;
    let frames = between + 2;
    let (per_pair, per_frame, bytes_per_pixel) = match req.model.name.as_str() {
        "blend" => (0.0, 2e-9, 16.0),
        "classical" | "flow" | "dis" => (25e-9, 6e-9, 120.0),
        _ => (0.0, 1.6e-6, 700.0),
    };
    // Encoding: x264 medium runs ~50 fps at 720p on 2 cores.
    let encode = 20e-9 * pixels * frames as f64;
    Ok(Estimate {
        output_frames: frames,
        memory_bytes: (pixels * bytes_per_pixel) as u64 + (300 << 20),
        seconds: per_pair * pixels + per_frame * pixels * between as f64 + encode,
    })
}

/// Runs `tween pair`.
pub fn pair(req: &PairRequest, progress: &dyn Progress) -> Result<Report, OpsError> {
    let between = req.between()?;
    let rate = req.rate()?;
    req.encode.check()?;
    let info = req.checked_inputs()?;
    let interp = crate::build_interpolator(&req.model)?;
    let inputs = [req.first.as_path(), req.second.as_path()];
    let video = PendingOutput::new(&req.output, req.overwrite, &inputs)?;
    let zip = match &req.frames_zip {
        Some(z) => Some(PendingOutput::new(z, req.overwrite, &inputs)?),
        None => None,
    };
    let a = crate::stills::read_frame(&req.first)?;
    let b = fit(
        crate::stills::read_frame(&req.second)?,
        &a,
        req.resize,
        &req.second,
        &req.first,
    )?;
    let mut writer = VideoWriter::create(
        video.temp_path(),
        &req.encode.settings(&info, &a, rate),
        None,
    )?;
    let mut zipper = zip
        .as_ref()
        .map(|z| FrameZip::create(z.temp_path()))
        .transpose()?;
    let started = Instant::now();
    progress.start(Some(between + 2));
    let mut index = 0u64;
    let mut put = |f: &Frame| -> Result<(), OpsError> {
        writer.write(f)?;
        if let Some(z) = zipper.as_mut() {
            z.add(index, f)?;
        }
        index += 1;
        if progress.advance(1) {
            Ok(())
        } else {
            Err(OpsError::Cancelled)
        }
    };
    let result = put(&a)
        .and_then(|()| in_betweens(interp.as_ref(), &a, &b, between, &mut |f| put(&f)))
        .and_then(|()| put(&b));
    progress.finish();
    result.map_err(|e| video.own(e))?;
    // The zip is completed first, so that a cancel during the video's flush
    // (asked by `finish`) leaves neither output; once the video is in place
    // the zip follows it without another question.
    if let (Some(z), Some(pending)) = (zipper, zip.as_ref()) {
        z.finish().map_err(|e| pending.own(e))?;
    }
    let mut outputs = vec![video.finish(writer, progress)?];
    if let Some(pending) = zip {
        outputs.push(pending.commit()?);
    }
    Ok(Report {
        outputs,
        frames: between + 2,
        interpolated: between,
        rate: Some(rate.to_string()),
        seconds: started.elapsed().as_secs_f64(),
        ..Report::default()
    })
}

/// PNG frames streamed into a zip (stored, not deflated: PNG is compressed).
struct FrameZip {
    path: PathBuf,
    zip: zip::ZipWriter<std::io::BufWriter<std::fs::File>>,
}

impl FrameZip {
    fn create(path: &Path) -> Result<Self, OpsError> {
        let file =
            std::fs::File::create(path).map_err(|e| OpsError::io(path, "cannot create", e))?;
        Ok(FrameZip {
            path: path.to_path_buf(),
            zip: zip::ZipWriter::new(std::io::BufWriter::new(file)),
        })
    }

    fn add(&mut self, index: u64, frame: &Frame) -> Result<(), OpsError> {
        let png = crate::stills::png_bytes(frame, &self.path)?;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(false);
        let err = |e: std::io::Error| OpsError::io(&self.path, "cannot write", e);
        self.zip
            .start_file(format!("frame_{index:05}.png"), options)
            .map_err(|e| err(std::io::Error::other(e)))?;
        self.zip.write_all(&png).map_err(err)
    }

    fn finish(self) -> Result<(), OpsError> {
        let path = self.path;
        let mut inner = self
            .zip
            .finish()
            .map_err(|e| OpsError::io(&path, "cannot finish", std::io::Error::other(e)))?;
        inner
            .flush()
            .map_err(|e| OpsError::io(&path, "cannot finish", e))
    }
}

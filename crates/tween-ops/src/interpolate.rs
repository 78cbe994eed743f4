//! Interpolating a video: decode → plan/interpolate → encode, streamed, into
//! a temporary file renamed at the end; audio, subtitles and colour tags kept.

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tween_core::pipeline::{self, PipelineConfig, PipelineError, SourceFrame};
use tween_core::{
    CoreError, Frame, Interpolator, OutputRate, Progress, Rational, SceneCutPolicy, SceneDetector,
    Timeline,
};
use tween_video::{Passthrough, ReadOptions, TimedFrame, VideoError, VideoReader, VideoWriter};

use crate::{EncodeOptions, Limits, ModelSpec, OpsError, PendingOutput, Report};

/// What to do at a scene cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SceneCut {
    /// Repeat the nearer frame (default): a cut is never smeared.
    #[default]
    Hold,
    /// Cross-fade across the cut.
    Blend,
    /// Interpolate anyway.
    Interpolate,
}

impl From<SceneCut> for SceneCutPolicy {
    fn from(s: SceneCut) -> Self {
        match s {
            SceneCut::Hold => SceneCutPolicy::Hold,
            SceneCut::Blend => SceneCutPolicy::Blend,
            SceneCut::Interpolate => SceneCutPolicy::Interpolate,
        }
    }
}

/// `tween interpolate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterpolateRequest {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Multiply the frame rate (2, 4, 8, 16 or any integer ≥ 2); default 2.
    #[serde(default)]
    pub factor: Option<u32>,
    /// Or resample to this exact rate ("60", "59.94", "60000/1001"); wins over `factor`.
    #[serde(default)]
    pub fps: Option<String>,
    #[serde(default)]
    pub model: ModelSpec,
    #[serde(default)]
    pub scene_cut: SceneCut,
    /// Cut score above which frames are not interpolated (0..1).
    #[serde(default = "default_threshold")]
    pub scene_threshold: f64,
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

fn default_threshold() -> f64 {
    tween_core::scene::DEFAULT_SCENE_THRESHOLD
}

impl InterpolateRequest {
    /// A request with every option at its default.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        InterpolateRequest {
            input: input.into(),
            output: output.into(),
            factor: None,
            fps: None,
            model: ModelSpec::default(),
            scene_cut: SceneCut::default(),
            scene_threshold: default_threshold(),
            encode: EncodeOptions::default(),
            overwrite: false,
            limits: Limits::default(),
            deinterlace: false,
        }
    }

    /// The output rate asked for, checked.
    pub fn output_rate(&self) -> Result<OutputRate, OpsError> {
        output_rate(self.factor, self.fps.as_deref())
    }

    /// Checks every option that needs no file.
    pub fn check(&self) -> Result<(), OpsError> {
        self.output_rate()?;
        if !(0.0..=1.0).contains(&self.scene_threshold) {
            return Err(OpsError::Params(format!(
                "--scene-threshold must be between 0 and 1 (got {})",
                self.scene_threshold
            )));
        }
        self.limits.check()?;
        self.encode.check()
    }
}

/// `--factor` / `--fps` as an [`OutputRate`], checked (default: factor 2).
pub fn output_rate(factor: Option<u32>, fps: Option<&str>) -> Result<OutputRate, OpsError> {
    let rate = match (fps, factor) {
        (Some(fps), _) => OutputRate::Fps(
            fps.parse::<Rational>()
                .map_err(|e| OpsError::Params(format!("--fps: {e}")))?,
        ),
        (None, Some(f)) => OutputRate::Factor(f),
        (None, None) => OutputRate::Factor(2),
    };
    rate.validate().map_err(|e| OpsError::Params(e.to_string()))
}

/// Runs `tween interpolate`: checks the input's size and the output's
/// length against the limits, builds the model (before anything is
/// written), then streams the video through it.
pub fn interpolate(req: &InterpolateRequest, progress: &dyn Progress) -> Result<Report, OpsError> {
    req.check()?;
    let rate = Some(req.output_rate()?);
    crate::limits::check_video_job(&req.input, &req.limits, rate, 1, "interpolation")?;
    let interp = crate::build_interpolator(&req.model)?;
    interpolate_with(
        req,
        Some(req.output_rate()?),
        interp.as_ref(),
        &mut |f: &Frame| Ok(f.clone()),
        progress,
    )
}

/// A per-frame step after interpolation (upscaling in `process`).
pub(crate) type FrameStage<'a> = dyn FnMut(&Frame) -> Result<Frame, OpsError> + Send + 'a;

/// The streaming core shared by `interpolate`, `process` and `upscale`:
/// every output frame goes through `stage` before it is encoded. `rate`
/// `None` keeps the source rate (no interpolation; one frame is enough).
pub(crate) fn interpolate_with(
    req: &InterpolateRequest,
    rate: Option<OutputRate>,
    interp: &dyn Interpolator,
    stage: &mut FrameStage<'_>,
    progress: &dyn Progress,
) -> Result<Report, OpsError> {
    let pending = PendingOutput::new(&req.output, req.overwrite, &[&req.input])?;
    let input = &req.input;
    let options = ReadOptions {
        deinterlace: req.deinterlace,
    };
    let mut reader = VideoReader::open_with(input, options)?;
    let info = reader.info().clone();
    let head = read_head(&mut reader, 2)?;
    let needed = if rate.is_some() { 2 } else { 1 };
    if head.len() < needed {
        return Err(OpsError::Input(format!(
            "{}: {}",
            input.display(),
            if head.is_empty() {
                "the video has no frames".to_string()
            } else {
                "the video has only 1 frame; interpolation needs at least 2".to_string()
            }
        )));
    }
    let rate_in = info.frame_rate;
    let rate_out = match rate {
        Some(r) => r
            .resolve(rate_in)
            .map_err(|e| OpsError::Params(e.to_string()))?,
        None => rate_in,
    };
    let start = head[0].time;
    // The encoder is opened on the first staged frame, so that its size is
    // the stage's output size (upscaled in `process`).
    let first_out = stage(&head[0].frame)?;
    let settings = req.encode.settings(&info, &first_out, rate_out);
    let passthrough = Some(Passthrough {
        source: input.clone(),
        video_start: start,
    });
    let mut writer = VideoWriter::create(pending.temp_path(), &settings, passthrough)
        .map_err(|e| pending.own(e))?;

    let mut cfg = PipelineConfig::new(rate_in, rate_out);
    cfg.scene_cut = req.scene_cut.into();
    cfg.scene_detector = SceneDetector::new(req.scene_threshold);
    progress.start(
        info.frame_count
            .map(|n| Timeline::expected_outputs(rate_in, rate_out, n)),
    );
    tracing::info!(input = %input.display(), %rate_in, %rate_out, model = interp.name(), "interpolating");
    let started = Instant::now();
    let source = head.into_iter().map(Ok).chain(reader).map(|r| {
        r.map(|tf| SourceFrame {
            frame: tf.frame,
            time: tf.time,
        })
        .map_err(OpsError::from)
    });
    // The first output frame is the first source frame, already staged once.
    let mut first_out = Some(first_out);
    let result = pipeline::run(
        &cfg,
        interp,
        source,
        |f| {
            let staged = match first_out.take() {
                Some(done) => done,
                None => stage(f)?,
            };
            writer.write(&staged).map_err(|e| pending.own(e))
        },
        progress,
    );
    // The flush and the commit still heed a cancel; the bar stays until they end.
    let done = result
        .map_err(|e| pipeline_error(e, input, "interpolation"))
        .and_then(|stats| Ok((stats, pending.finish(writer, progress)?)));
    progress.finish();
    let (stats, path) = done?;
    Ok(Report {
        outputs: vec![path],
        frames: stats.output_frames,
        interpolated: stats.interpolated_frames,
        scene_cuts: stats.scene_cuts,
        rate: Some(rate_out.to_string()),
        seconds: started.elapsed().as_secs_f64(),
        info: None,
    })
}

/// Reads up to `n` frames from the start of a video.
pub(crate) fn read_head(reader: &mut VideoReader, n: usize) -> Result<Vec<TimedFrame>, VideoError> {
    reader.by_ref().take(n).collect()
}

/// A pipeline error as an [`OpsError`]: cancellation stays recognisable,
/// source and sink errors keep their own message.
pub(crate) fn pipeline_error(
    e: PipelineError<OpsError>,
    input: &std::path::Path,
    what: &'static str,
) -> OpsError {
    match e {
        PipelineError::Core(CoreError::Cancelled) => OpsError::Cancelled,
        PipelineError::Source(e) | PipelineError::Sink(e) => e,
        PipelineError::Core(e) => OpsError::Stopped {
            path: input.to_path_buf(),
            what,
            message: e.to_string(),
        },
    }
}

//! Chaining clips: clip 1, a generated transition from its last frame to the
//! first frame of clip 2, clip 2, … in one video at one rate.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tween_core::pipeline::{self, PipelineConfig, SourceFrame};
use tween_core::{Frame, Interpolator, Progress, Rational, Timeline};
use tween_video::{AudioPlan, VideoInfo, VideoReader, VideoWriter, WriterEnd};

use crate::interpolate::{pipeline_error, read_head};
use crate::transition::{between_for_passes, fit, in_betweens, ResizeMode};
use crate::{EncodeOptions, Limits, ModelSpec, OpsError, PendingOutput, Report, SceneCut};

/// `tween chain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainRequest {
    /// Two or more clips, in order.
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    /// A transition of 2^passes − 1 frames at each join (1..=6).
    #[serde(default = "default_passes")]
    pub passes: u32,
    /// Output rate ("30", "60000/1001"); default: the first clip's. Clips at
    /// other rates are resampled to it (interpolated).
    #[serde(default)]
    pub fps: Option<String>,
    #[serde(default)]
    pub model: ModelSpec,
    /// Clips of another size than the first: refuse (default) or resize.
    #[serde(default)]
    pub resize: ResizeMode,
    #[serde(default)]
    pub scene_cut: SceneCut,
    #[serde(default)]
    pub encode: EncodeOptions,
    #[serde(default)]
    pub overwrite: bool,
    /// Largest frames and longest output accepted.
    #[serde(default)]
    pub limits: Limits,
}

fn default_passes() -> u32 {
    2
}

impl ChainRequest {
    pub fn new(inputs: Vec<PathBuf>, output: impl Into<PathBuf>) -> Self {
        ChainRequest {
            inputs,
            output: output.into(),
            passes: default_passes(),
            fps: None,
            model: ModelSpec::default(),
            resize: ResizeMode::default(),
            scene_cut: SceneCut::default(),
            encode: EncodeOptions::default(),
            overwrite: false,
            limits: Limits::default(),
        }
    }
}

/// Runs `tween chain`.
pub fn chain(req: &ChainRequest, progress: &dyn Progress) -> Result<Report, OpsError> {
    if req.inputs.len() < 2 {
        return Err(OpsError::Params(format!(
            "chain needs at least 2 clips (got {})",
            req.inputs.len()
        )));
    }
    let between = between_for_passes(req.passes)?;
    let fps = match &req.fps {
        Some(f) => Some(
            f.parse::<Rational>()
                .ok()
                .filter(|r| r.is_positive())
                .ok_or_else(|| OpsError::Params(format!("--fps: '{f}' is not a positive rate")))?,
        ),
        None => None,
    };
    req.encode.check()?;
    req.limits.check()?;
    // Every clip is probed, its size checked, before a model is built or
    // anything is written.
    let infos = req
        .inputs
        .iter()
        .map(|p| crate::limits::probe_checked(p, &req.limits))
        .collect::<Result<Vec<VideoInfo>, _>>()?;
    let rate_out = fps.unwrap_or(infos[0].frame_rate);
    let total: Option<u64> = infos
        .iter()
        .map(|i| {
            i.frame_count
                .map(|n| Timeline::expected_outputs(i.frame_rate, rate_out, n))
        })
        .sum::<Option<u64>>()
        .map(|n| n + between * (infos.len() as u64 - 1));
    // Every frame is the first clip's size.
    let (width, height) = (infos[0].width, infos[0].height);
    req.limits
        .check_output(&req.inputs[0], width, height, 1, "chain")?;
    if let Some(n) = total {
        let pixels = width as u64 * height as u64;
        req.limits.check_frames(&req.output, n, rate_out, pixels)?;
    }
    let interp = crate::build_interpolator(&req.model)?;
    let inputs: Vec<&std::path::Path> = req.inputs.iter().map(|p| p.as_path()).collect();
    let pending = PendingOutput::new(&req.output, req.overwrite, &inputs)?;
    progress.start(total);
    let started = Instant::now();
    let result = write_chain(
        req,
        interp.as_ref(),
        &infos,
        rate_out,
        between,
        &pending,
        progress,
    )
    .map_err(|e| pending.own(e))
    .and_then(|counts| Ok((counts, pending.commit_unless_cancelled(progress)?)));
    progress.finish();
    let ((frames, interpolated, scene_cuts), path) = result?;
    Ok(Report {
        outputs: vec![path],
        frames,
        interpolated,
        scene_cuts,
        rate: Some(rate_out.to_string()),
        seconds: started.elapsed().as_secs_f64(),
        info: None,
    })
}

/// Writes every clip and transition; returns (frames, interpolated, scene cuts).
fn write_chain(
    req: &ChainRequest,
    interp: &dyn Interpolator,
    infos: &[VideoInfo],
    rate_out: Rational,
    between: u64,
    pending: &PendingOutput,
    progress: &dyn Progress,
) -> Result<(u64, u64, u64), OpsError> {
    let first_path = &req.inputs[0];
    let mut writer: Option<VideoWriter> = None;
    // The shape every frame is brought to: the first clip's first frame.
    let mut like: Option<Frame> = None;
    let mut last: Option<Frame> = None;
    let (mut frames, mut interpolated, mut scene_cuts) = (0u64, 0u64, 0u64);
    // One audio track: each clip's audio under its frames (from its first
    // frame's time), silence under transitions and clips without audio.
    let with_audio: Vec<PathBuf> = req
        .inputs
        .iter()
        .zip(infos)
        .filter(|(_, i)| i.audio_streams > 0)
        .map(|(p, _)| p.clone())
        .collect();
    let audio = if with_audio.is_empty() {
        AudioPlan::None
    } else {
        AudioPlan::Cued(with_audio)
    };
    for (path, info) in req.inputs.iter().zip(infos) {
        let mut reader = VideoReader::open(path)?;
        let head = read_head(&mut reader, 1)?;
        let Some(first) = head.into_iter().next() else {
            return Err(OpsError::Input(format!(
                "{}: the video has no frames",
                path.display()
            )));
        };
        let shape = like.get_or_insert_with(|| first.frame.clone()).clone();
        let w = match writer.as_mut() {
            Some(w) => w,
            None => writer.insert(VideoWriter::create_with_audio(
                pending.temp_path(),
                &req.encode.settings(info, &shape, rate_out),
                audio.clone(),
            )?),
        };
        let start = fit(first.frame, &shape, req.resize, path, first_path)?;
        if let Some(prev) = last.take() {
            w.start_audio_segment(None, Rational::ZERO)?;
            in_betweens(interp, &prev, &start, between, &mut |f| {
                w.write(&f)?;
                frames += 1;
                interpolated += 1;
                if progress.advance(1) {
                    Ok(())
                } else {
                    Err(OpsError::Cancelled)
                }
            })?;
        }
        // The clip itself, resampled to the output rate; its last source
        // frame is kept for the next transition.
        let last_seen = Mutex::new(None::<Frame>);
        let source = std::iter::once(Ok((start, first.time)))
            .chain(reader.map(|r| {
                let tf = r?;
                Ok((
                    fit(tf.frame, &shape, req.resize, path, first_path)?,
                    tf.time,
                ))
            }))
            .map(|r: Result<(Frame, Rational), OpsError>| {
                r.map(|(frame, time)| {
                    *last_seen.lock().expect("no panics while held") = Some(frame.clone());
                    SourceFrame { frame, time }
                })
            });
        let audio_source = (info.audio_streams > 0).then_some(path.as_path());
        w.start_audio_segment(audio_source, first.time)?;
        let mut cfg = PipelineConfig::new(info.frame_rate, rate_out);
        cfg.scene_cut = req.scene_cut.into();
        let stats = pipeline::run(
            &cfg,
            interp,
            source,
            |f| w.write(f).map_err(OpsError::from),
            progress,
        )
        .map_err(|e| pipeline_error(e, path, "chaining"))?;
        frames += stats.output_frames;
        interpolated += stats.interpolated_frames;
        scene_cuts += stats.scene_cuts;
        last = last_seen.into_inner().unwrap_or(None);
    }
    let end = writer
        .expect("at least one clip was written")
        .finish_unless(&|| !progress.advance(0))?;
    if end == WriterEnd::Stopped {
        return Err(OpsError::Cancelled);
    }
    Ok((frames, interpolated, scene_cuts))
}

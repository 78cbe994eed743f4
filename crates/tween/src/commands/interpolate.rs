//! `tween interpolate`: decode → plan/interpolate → encode, streamed, into a
//! temporary file renamed at the end.

use std::time::Instant;

use anyhow::{bail, Context, Result};
use tween_core::pipeline::{self, PipelineConfig, SourceFrame};
use tween_core::{OutputRate, Progress, Rational, SceneCutPolicy, SceneDetector, Timeline};
use tween_nn::PadPolicy;
use tween_video::{EncodeSettings, Passthrough, VideoReader, VideoWriter};

use crate::args::{InterpolateArgs, PadPolicyArg, SceneCutArg};
use crate::interpolators::ModelRequest;
use crate::output::PendingOutput;
use crate::progress::{ctrl_c_flag, BarProgress};

/// Options checked before any file is opened.
struct Checked {
    rate: OutputRate,
    scene_cut: SceneCutPolicy,
    codec: String,
}

fn check(args: &InterpolateArgs) -> Result<Checked> {
    let rate = match (&args.fps, args.factor) {
        (Some(fps), _) => OutputRate::Fps(fps.parse::<Rational>().context("--fps")?),
        (None, Some(f)) => OutputRate::Factor(f),
        (None, None) => OutputRate::Factor(2),
    }
    .validate()?;
    if !(0.0..=1.0).contains(&args.scene_threshold) {
        bail!(
            "--scene-threshold must be between 0 and 1 (got {})",
            args.scene_threshold
        );
    }
    let codec = tween_video::resolve_codec(&args.encode.codec)?.to_string();
    let scene_cut = match args.scene_cut {
        SceneCutArg::Hold => SceneCutPolicy::Hold,
        SceneCutArg::Blend => SceneCutPolicy::Blend,
        SceneCutArg::Interpolate => SceneCutPolicy::Interpolate,
    };
    Ok(Checked {
        rate,
        scene_cut,
        codec,
    })
}

pub fn run(args: InterpolateArgs, quiet: bool) -> Result<()> {
    let checked = check(&args)?;
    // The interpolator is built (weights read and checked, ONNX Runtime
    // loaded) before the output is touched: a bad model writes nothing.
    let interp = crate::interpolators::build(&ModelRequest {
        name: &args.model,
        weights: args.weights.as_deref(),
        scale: args.scale,
        pad: args.pad_policy.map(|p| match p {
            PadPolicyArg::Minimal => PadPolicy::Minimal,
            PadPolicyArg::Practical => PadPolicy::Practical,
        }),
        models_dir: args.models_dir.as_deref(),
        threads: args.threads,
    })?;
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .ok();
    }
    let pending = PendingOutput::new(&args.output, args.overwrite, &[&args.input])?;
    let input = &args.input;

    let mut reader = VideoReader::open(input)?;
    let info = reader.info().clone();
    // Interpolation needs two frames: read them before anything is written.
    let mut head = Vec::with_capacity(2);
    for item in reader.by_ref().take(2) {
        head.push(item?);
    }
    match head.len() {
        0 => bail!("{}: the video has no frames", input.display()),
        1 => bail!(
            "{}: the video has only 1 frame; interpolation needs at least 2",
            input.display()
        ),
        _ => {}
    }
    let rate_in = info.frame_rate;
    let rate_out = checked.rate.resolve(rate_in)?;
    let start = head[0].time;
    let first = &head[0].frame;
    let settings = EncodeSettings {
        codec: checked.codec.clone(),
        crf: args.encode.crf,
        preset: args.encode.preset.clone(),
        frame_rate: rate_out,
        width: first.width(),
        height: first.height(),
        high_depth: match args.encode.bit_depth.as_deref() {
            Some("10") => true,
            Some(_) => false,
            None => first.is_high_depth(),
        },
        color: info.color,
        chroma: info.chroma,
    };
    let passthrough = Some(Passthrough {
        source: input.clone(),
        video_start: start,
    });
    let mut writer = VideoWriter::create(pending.temp_path(), &settings, passthrough)?;

    let mut cfg = PipelineConfig::new(rate_in, rate_out);
    cfg.scene_cut = checked.scene_cut;
    cfg.scene_detector = SceneDetector::new(args.scene_threshold);

    let progress = BarProgress::new(quiet, ctrl_c_flag());
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
    });
    let result = pipeline::run(
        &cfg,
        interp.as_ref(),
        source,
        |f| writer.write(f),
        &progress,
    );
    progress.finish();
    let stats = result.with_context(|| format!("{}: interpolation stopped", input.display()))?;
    writer.finish()?;
    let path = pending.commit()?;
    let secs = started.elapsed().as_secs_f64();
    if !quiet {
        eprintln!(
            "wrote {}: {} frames at {} fps ({} interpolated, {} scene cuts held) in {:.1}s, {:.1} fps",
            path.display(),
            stats.output_frames,
            fmt_rate(rate_out),
            stats.interpolated_frames,
            stats.scene_cuts,
            secs,
            stats.output_frames as f64 / secs.max(1e-9)
        );
    }
    Ok(())
}

fn fmt_rate(r: Rational) -> String {
    if r.den() == 1 {
        r.to_string()
    } else {
        format!("{} ({:.3})", r, r.to_f64())
    }
}

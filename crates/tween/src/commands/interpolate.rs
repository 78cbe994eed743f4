//! `tween interpolate`: the arguments as a [`tween_ops::InterpolateRequest`],
//! run with a progress bar and Ctrl-C.

use anyhow::Result;
use tween_ops::{
    EncodeOptions, InterpolateRequest, ModelSpec, PadPolicyName, ResizeMode, SceneCut,
};

use crate::args::{EncodeArgs, InterpolateArgs, ModelArgs, PadPolicyArg, ResizeArg, SceneCutArg};
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: InterpolateArgs, quiet: bool) -> Result<()> {
    crate::threads::init(args.threads);
    let req = InterpolateRequest {
        input: args.input,
        output: args.output,
        factor: args.factor,
        fps: args.fps,
        model: model_spec(&args.model, args.threads),
        scene_cut: scene_cut(args.scene_cut),
        scene_threshold: args.scene_threshold,
        encode: encode_options(&args.encode)?,
        overwrite: args.overwrite,
        limits: args.limits.limits(),
        deinterlace: args.deinterlace,
    };
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let report = tween_ops::interpolate(&req, &progress)?;
    if !quiet {
        eprintln!(
            "wrote {}: {} frames at {} fps ({} interpolated, {} scene cuts held) in {:.1}s, {:.1} fps",
            report.outputs[0].display(),
            report.frames,
            report.rate.as_deref().map(fmt_rate).unwrap_or_default(),
            report.interpolated,
            report.scene_cuts,
            report.seconds,
            report.fps()
        );
    }
    Ok(())
}

/// `--model` and its companions.
pub fn model_spec(m: &ModelArgs, threads: Option<usize>) -> ModelSpec {
    ModelSpec {
        name: m.model.clone(),
        weights: m.weights.clone(),
        scale: m.scale,
        pad_policy: m.pad_policy.map(|p| match p {
            PadPolicyArg::Minimal => PadPolicyName::Minimal,
            PadPolicyArg::Practical => PadPolicyName::Practical,
        }),
        models_dir: m.models_dir.clone(),
        threads,
        precision: m.precision.clone(),
    }
}

/// `--scene-cut`.
pub fn scene_cut(s: SceneCutArg) -> SceneCut {
    match s {
        SceneCutArg::Hold => SceneCut::Hold,
        SceneCutArg::Blend => SceneCut::Blend,
        SceneCutArg::Interpolate => SceneCut::Interpolate,
    }
}

/// `--resize`.
pub fn resize_mode(r: ResizeArg) -> ResizeMode {
    match r {
        ResizeArg::Error => ResizeMode::Error,
        ResizeArg::Fit => ResizeMode::Fit,
    }
}

/// `--codec`, `--crf`, `--preset`, `--bit-depth`; `--crf` is checked here,
/// before anything is opened, against the codec's range.
pub fn encode_options(e: &EncodeArgs) -> Result<EncodeOptions> {
    check_crf_arg(&e.codec, e.crf)?;
    Ok(EncodeOptions {
        codec: e.codec.clone(),
        crf: e.crf,
        preset: e.preset.clone(),
        bit_depth: e.bit_depth.as_deref().and_then(|d| d.parse().ok()),
        profile: None,
    })
}

/// A `--crf` the user gave must fit the codec: its range, and only for
/// codecs that have one (FFV1 and rawvideo are lossless).
pub fn check_crf_arg(codec: &str, crf: Option<u8>) -> Result<()> {
    if let (Some(v), None) = (crf, tween_ops::crf_range(codec)?) {
        anyhow::bail!(
            "--crf {v}: the {} codec is lossless and takes no --crf; leave it out",
            tween_video::resolve_codec(codec)?
        );
    }
    Ok(tween_ops::check_crf(codec, crf)?)
}

/// "60000/1001 (59.940)" for fractional rates, "60" for whole ones.
pub fn fmt_rate(r: &str) -> String {
    match r.parse::<tween_core::Rational>() {
        Ok(q) if q.den() != 1 => format!("{} ({:.3})", q, q.to_f64()),
        _ => r.to_string(),
    }
}

//! `tween process IN -o OUT --interpolate 2x --upscale 2x [--target-fps 60]`.

use anyhow::{bail, Result};
use tween_ops::{Interpolation, ProcessRequest};

use crate::args::{ProcessArgs, ProcessOpts};
use crate::commands::interpolate::{encode_options, model_spec, scene_cut};
use crate::commands::upscale::upscale_spec;
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: ProcessArgs, quiet: bool) -> Result<()> {
    crate::threads::init(args.opts.threads);
    let req = ProcessRequest {
        overwrite: args.overwrite,
        ..request(&args.opts, args.input, args.output)?
    };
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let report = tween_ops::process(&req, &progress)?;
    crate::commands::say_wrote(&report, quiet);
    Ok(())
}

/// `2x`, `2` or `x2` as 2.
fn factor(flag: &str, v: &str) -> Result<u32> {
    let digits = v
        .trim()
        .trim_end_matches(['x', 'X'])
        .trim_start_matches(['x', 'X']);
    match digits.parse::<u32>() {
        Ok(n) => Ok(n),
        Err(_) => bail!("{flag} takes a factor such as 2x or 4x (got '{v}')"),
    }
}

/// The options as a [`ProcessRequest`] for one input.
pub fn request(
    o: &ProcessOpts,
    input: std::path::PathBuf,
    output: std::path::PathBuf,
) -> Result<ProcessRequest> {
    let interpolate = match (&o.interpolate, &o.target_fps) {
        (None, None) => None,
        (f, fps) => Some(Interpolation {
            factor: f
                .as_deref()
                .map(|v| factor("--interpolate", v))
                .transpose()?,
            fps: fps.clone(),
            model: model_spec(&o.model, o.threads),
            scene_cut: scene_cut(o.scene_cut),
            scene_threshold: o.scene_threshold,
        }),
    };
    let upscale = o
        .upscale
        .as_deref()
        .map(|v| -> Result<_> {
            Ok(upscale_spec(
                factor("--upscale", v)?,
                &o.upscale_model,
                o.upscale_weights.clone(),
                &o.tiles,
                o.threads,
            ))
        })
        .transpose()?;
    Ok(ProcessRequest {
        interpolate,
        upscale,
        encode: encode_options(&o.encode)?,
        limits: o.limits.limits(),
        deinterlace: o.deinterlace,
        ..ProcessRequest::new(input, output)
    })
}

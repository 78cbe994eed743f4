//! `tween upscale IN -o OUT --scale 2|4 [--model …] [--tile …] [--color-fix …]`.

use anyhow::Result;
use tween_ops::{ColorFixName, UpscaleSpec};

use crate::args::{ColorFixArg, TileArgs, UpscaleArgs};
use crate::commands::interpolate::encode_options;
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: UpscaleArgs, quiet: bool) -> Result<()> {
    crate::threads::init(args.threads);
    let spec = upscale_spec(
        args.scale,
        &args.model,
        args.weights.clone(),
        &args.tiles,
        args.threads,
    );
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let req = tween_ops::ProcessRequest {
        upscale: Some(spec),
        encode: encode_options(&args.encode)?,
        overwrite: args.overwrite,
        limits: args.limits.limits(),
        deinterlace: args.deinterlace,
        ..tween_ops::ProcessRequest::new(&args.input, &args.output)
    };
    let report = tween_ops::process(&req, &progress)?;
    crate::commands::say_wrote(&report, quiet);
    Ok(())
}

/// The upscaler options as a [`UpscaleSpec`].
pub fn upscale_spec(
    scale: u32,
    model: &str,
    weights: Option<std::path::PathBuf>,
    t: &TileArgs,
    threads: Option<usize>,
) -> UpscaleSpec {
    UpscaleSpec {
        scale,
        model: model.to_string(),
        weights,
        tile: t.tile,
        tile_pad: t.tile_pad,
        pre_pad: t.pre_pad,
        denoise: t.denoise,
        denoise_weights: t.denoise_weights.clone(),
        color_fix: match t.color_fix {
            ColorFixArg::None => ColorFixName::None,
            ColorFixArg::Adain => ColorFixName::Adain,
            ColorFixArg::Wavelet => ColorFixName::Wavelet,
        },
        threads,
    }
}

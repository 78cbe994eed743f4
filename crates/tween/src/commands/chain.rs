//! `tween chain A.mp4 B.mp4 [C.mp4 …] -o OUT.mp4`.

use anyhow::Result;
use tween_ops::ChainRequest;

use crate::args::ChainArgs;
use crate::commands::interpolate::{encode_options, model_spec, resize_mode, scene_cut};
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: ChainArgs, quiet: bool) -> Result<()> {
    crate::threads::init(args.threads);
    let req = ChainRequest {
        passes: args.passes,
        fps: args.fps,
        model: model_spec(&args.model, args.threads),
        resize: resize_mode(args.resize),
        scene_cut: scene_cut(args.scene_cut),
        encode: encode_options(&args.encode)?,
        overwrite: args.overwrite,
        limits: args.limits.limits(),
        ..ChainRequest::new(args.inputs, args.output)
    };
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let report = tween_ops::chain(&req, &progress)?;
    crate::commands::say_wrote(&report, quiet);
    Ok(())
}

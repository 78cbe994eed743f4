//! `tween pair A.png B.png -o OUT.mp4`.

use anyhow::{bail, Result};
use tween_ops::PairRequest;

use crate::args::PairArgs;
use crate::commands::interpolate::{encode_options, model_spec, resize_mode};
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: PairArgs, quiet: bool) -> Result<()> {
    if let Some(zip) = &args.frames_zip {
        if tween_ops::same_destination(zip, &args.output) {
            bail!(
                "--frames-zip {} and -o {} name the same file; give the frames zip its own name",
                zip.display(),
                args.output.display()
            );
        }
    }
    crate::threads::init(args.threads);
    let req = PairRequest {
        passes: args.passes,
        frames: args.frames,
        fps: args.fps,
        model: model_spec(&args.model, args.threads),
        resize: resize_mode(args.resize),
        frames_zip: args.frames_zip,
        encode: encode_options(&args.encode)?,
        overwrite: args.overwrite,
        limits: args.limits.limits(),
        ..PairRequest::new(args.first, args.second, args.output)
    };
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let report = tween_ops::pair(&req, &progress)?;
    crate::commands::say_wrote(&report, quiet);
    Ok(())
}

//! `tween reencode IN -o OUT`: delivery encoding, H.264 high profile by default.

use anyhow::Result;
use tween_ops::{ColorChoice, ReencodeRequest};

use crate::args::{ColorArg, ReencodeArgs};
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: ReencodeArgs, quiet: bool) -> Result<()> {
    crate::commands::interpolate::check_crf_arg(&args.codec, args.crf)?;
    // 18 unless given, for the codecs that take a crf.
    let crf = match tween_ops::crf_range(&args.codec)? {
        Some(_) => Some(args.crf.unwrap_or(18)),
        None => None,
    };
    let req = ReencodeRequest {
        input: args.input,
        output: args.output,
        codec: args.codec,
        profile: Some(args.profile),
        pix_fmt: args.pix_fmt,
        crf,
        preset: args.preset,
        color: match args.color {
            ColorArg::Bt709 => ColorChoice::Bt709,
            ColorArg::Source => ColorChoice::Source,
        },
        overwrite: args.overwrite,
    };
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let report = tween_ops::reencode(&req, &progress)?;
    crate::commands::say_wrote(&report, quiet);
    if let (false, Some(info)) = (quiet, &report.info) {
        eprintln!("{}", serde_json::to_string_pretty(info)?);
    }
    Ok(())
}

//! `tween extract IN --start N --end M -o DIR`.

use anyhow::Result;
use tween_ops::ExtractRequest;

use crate::args::ExtractArgs;

pub fn run(args: ExtractArgs, quiet: bool) -> Result<()> {
    let req = ExtractRequest {
        input: args.input,
        output_dir: args.output,
        start: args.start,
        end: args.end.unwrap_or(args.start),
        ends_only: args.ends_only,
        overwrite: args.overwrite,
    };
    let report = tween_ops::extract(&req)?;
    if !quiet {
        for path in &report.outputs {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

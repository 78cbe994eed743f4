//! `tween batch IN_DIR -o OUT_DIR [process options]`: one output per input,
//! finished outputs skipped, a summary at the end.

use anyhow::{bail, Result};
use tween_ops::{BatchEvent, BatchOp, BatchRequest, FileOutcome};

use crate::args::BatchArgs;
use crate::progress::{ctrl_c_flag, BarProgress};

pub fn run(args: BatchArgs, quiet: bool) -> Result<()> {
    crate::threads::init(args.opts.threads);
    let template =
        crate::commands::process::request(&args.opts, Default::default(), Default::default())?;
    let req = BatchRequest {
        input_dir: args.input_dir,
        output_dir: args.output,
        op: BatchOp::Process(template),
        extension: args.ext,
        overwrite: args.overwrite,
    };
    let progress = BarProgress::new(quiet, ctrl_c_flag());
    let summary = tween_ops::batch(&req, &progress, &mut |event| match event {
        BatchEvent::Started {
            index,
            total,
            input,
        } if !quiet => {
            eprintln!("[{}/{total}] {}", index + 1, input.display());
        }
        BatchEvent::Finished { input, outcome } => match outcome {
            FileOutcome::Done {
                output,
                frames,
                seconds,
            } if !quiet => {
                eprintln!(
                    "  done: {} ({frames} frames, {seconds:.1}s)",
                    output.display()
                )
            }
            FileOutcome::Skipped { output } if !quiet => {
                eprintln!("  skipped: {} is already finished", output.display())
            }
            FileOutcome::Failed { error } => eprintln!("  failed: {}: {error}", input.display()),
            _ => {}
        },
        _ => {}
    })?;
    eprintln!(
        "batch: {} done, {} skipped, {} failed in {:.1}s{}",
        summary.done(),
        summary.skipped(),
        summary.failed(),
        summary.seconds,
        if summary.cancelled {
            " (interrupted: run again to resume)"
        } else {
            ""
        }
    );
    if summary.cancelled {
        bail!("interrupted: the outputs reported done above are complete; run again to resume");
    }
    if summary.failed() > 0 {
        bail!(
            "{} of {} files failed (see above)",
            summary.failed(),
            summary.files.len()
        );
    }
    Ok(())
}

//! `tween eval`: quality and speed on generated ground truth, or (`--real DIR`)
//! on held-out frames of real footage, against FFmpeg minterpolate and plain
//! blending, each run as a child process.

use anyhow::{bail, Context, Result};
use tween_eval::real::REAL_REPORT_FILE;
use tween_eval::{ClipKind, EvalConfig, RealConfig};

use crate::args::EvalArgs;
use crate::stdout::outln;

pub fn run(args: EvalArgs) -> Result<()> {
    if let Some(dir) = &args.real {
        return run_real(dir, &args);
    }
    let (w, h) = parse_size(&args.size)?;
    let mut cfg = EvalConfig::new(&args.out);
    cfg.width = w;
    cfg.height = h;
    cfg.frames = args.frames;
    cfg.keep_intermediates = args.keep;
    cfg.tween_binary = Some(std::env::current_exe().context("cannot find the tween executable")?);
    if !args.clips.is_empty() {
        cfg.clips = args
            .clips
            .iter()
            .map(|c| {
                ClipKind::from_name(c).with_context(|| {
                    let names: Vec<&str> = ClipKind::ALL.iter().map(|k| k.name()).collect();
                    format!("unknown clip '{c}'; known: {}", names.join(", "))
                })
            })
            .collect::<Result<_>>()?;
    }
    cfg.validate()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create the folder", args.out.display()))?;
    let report = tween_eval::run(&cfg)?;
    crate::stdout::line(report.table().trim_end())?;
    outln!("report: {}", args.out.join("report.json").display());
    if args.out.join("worst.png").exists() {
        outln!("worst frame: {}", args.out.join("worst.png").display());
    }
    Ok(())
}

/// `tween eval --real DIR`: held-out frames of real footage.
fn run_real(dir: &std::path::Path, args: &EvalArgs) -> Result<()> {
    let mut cfg = RealConfig::new(dir, &args.out);
    cfg.sequences = args.seq.clone();
    cfg.keep_intermediates = args.keep;
    cfg.tween_binary = Some(std::env::current_exe().context("cannot find the tween executable")?);
    let report = tween_eval::run_real(&cfg)?;
    crate::stdout::line(report.table().trim_end())?;
    outln!("report: {}", args.out.join(REAL_REPORT_FILE).display());
    Ok(())
}

fn parse_size(s: &str) -> Result<(u32, u32)> {
    let parsed = s
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)));
    match parsed {
        Some(wh) => Ok(wh),
        None => bail!("--size '{s}': expected WIDTHxHEIGHT, for example 1280x720"),
    }
}

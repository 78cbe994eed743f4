//! One module per subcommand.

pub mod batch;
pub mod chain;
pub mod eval;
pub mod extract;
pub mod interpolate;
pub mod models;
pub mod pair;
pub mod probe;
pub mod process;
pub mod reencode;
pub mod serve;
pub mod upscale;

/// The closing line of a command that wrote files.
pub fn say_wrote(report: &tween_ops::Report, quiet: bool) {
    if quiet {
        return;
    }
    let names: Vec<String> = report
        .outputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let rate = report
        .rate
        .as_deref()
        .map(|r| format!(" at {} fps", interpolate::fmt_rate(r)))
        .unwrap_or_default();
    eprintln!(
        "wrote {}: {} frames{rate} ({} interpolated) in {:.1}s, {:.1} fps",
        names.join(", "),
        report.frames,
        report.interpolated,
        report.seconds,
        report.fps()
    );
}

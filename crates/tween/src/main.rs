//! The `tween` command: clap arguments in, checked options, then the
//! library crates do the work. Errors end here as `anyhow` with the file and
//! the problem named, and a non-zero exit.

mod args;
mod commands;
mod progress;
mod stdout;
mod threads;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let result = match cli.command {
        args::Command::Interpolate(a) => commands::interpolate::run(a, cli.quiet),
        args::Command::Upscale(a) => commands::upscale::run(a, cli.quiet),
        args::Command::Process(a) => commands::process::run(a, cli.quiet),
        args::Command::Batch(a) => commands::batch::run(a, cli.quiet),
        args::Command::Pair(a) => commands::pair::run(a, cli.quiet),
        args::Command::Chain(a) => commands::chain::run(a, cli.quiet),
        args::Command::Extract(a) => commands::extract::run(a, cli.quiet),
        args::Command::Reencode(a) => commands::reencode::run(a, cli.quiet),
        args::Command::Eval(a) => commands::eval::run(a),
        args::Command::Probe(a) => commands::probe::run(a),
        args::Command::Models(a) => commands::models::run(a),
        args::Command::Serve(a) => commands::serve::run(a),
    };
    finish(result)
}

/// The exit: 0 on success; 130 (as shells report SIGINT) after Ctrl-C,
/// SIGTERM or SIGHUP, saying truthfully what became of the output; 0 and
/// silence when standard output was a pipe closed early (`| head`); 1 with
/// the error otherwise.
fn finish(result: anyhow::Result<()>) -> std::process::ExitCode {
    const INTERRUPTED: u8 = 130;
    match result {
        Ok(()) if progress::interrupted() => {
            eprintln!("interrupted after the output was already complete: it was kept (see above)");
            std::process::ExitCode::from(INTERRUPTED)
        }
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if stdout::is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) if is_cancelled(&e) => {
            eprintln!(
                "interrupted: stopped before the output was complete; \
                 nothing was written under its name and no temporary file is left"
            );
            std::process::ExitCode::from(INTERRUPTED)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            if progress::interrupted() {
                std::process::ExitCode::from(INTERRUPTED)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}

/// Whether `e` is an operation's cancellation.
fn is_cancelled(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| matches!(c.downcast_ref(), Some(tween_ops::OpsError::Cancelled)))
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TWEEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .init();
}

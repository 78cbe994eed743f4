//! The `tween` command: clap arguments in, checked options, then the
//! library crates do the work. Errors end here as `anyhow` with the file and
//! the problem named, and a non-zero exit.

mod args;
mod commands;
mod progress;
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
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
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

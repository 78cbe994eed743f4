//! `tween serve`: the REST API, web UI and job workers (tween-server).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

/// Run the web UI and REST API with a job queue and worker threads.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Only this machine (127.0.0.1) unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Folder for the job database, uploads, results and temporary files.
    #[arg(long, env = "TWEEN_DATA_DIR", default_value = "tween-data")]
    pub data_dir: PathBuf,
    /// Folder jobs may read inputs from by path ({"path": "…"}); none: uploads only.
    #[arg(long, env = "TWEEN_INPUT_DIR")]
    pub input_dir: Option<PathBuf>,
    /// Jobs run at the same time (worker threads).
    #[arg(long, env = "TWEEN_WORKERS", default_value_t = 1)]
    pub workers: usize,
    /// Threads each job may use (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Require this token for the API and the UI (Authorization: Bearer, or log in).
    #[arg(long, env = "TWEEN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest upload, MiB.
    #[arg(long, default_value_t = 2048)]
    pub max_upload_mb: u64,
    /// Largest video or image width accepted.
    #[arg(long, default_value_t = 7680)]
    pub max_width: u32,
    /// Largest video or image height accepted.
    #[arg(long, default_value_t = 4320)]
    pub max_height: u32,
    /// Longest video accepted, seconds.
    #[arg(long, default_value_t = 3600.0)]
    pub max_duration_s: f64,
    /// Jobs one client may have queued or running at once.
    #[arg(long, default_value_t = 8)]
    pub max_jobs_per_client: u64,
    /// Finished jobs, their results and unused uploads are removed after this many hours.
    #[arg(long, default_value_t = 72.0)]
    pub retention_hours: f64,
    /// Imported models folder (default: $TWEEN_MODELS_DIR, else the user data folder).
    #[arg(long)]
    pub models_dir: Option<PathBuf>,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if a.workers == 0 {
        anyhow::bail!("--workers must be at least 1");
    }
    if a.retention_hours.is_nan() || a.retention_hours <= 0.0 {
        anyhow::bail!("--retention-hours must be more than 0");
    }
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("{}: cannot create the data folder", a.data_dir.display()))?;
    if let Some(d) = &a.input_dir {
        if !d.is_dir() {
            anyhow::bail!("{}: the input folder does not exist", d.display());
        }
    }
    let models_dir = tween_nn::ModelStore::resolve_dir(a.models_dir.as_deref()).ok();
    let config = tween_server::ServerConfig {
        bind: a.bind,
        data_dir: a.data_dir,
        input_dir: a.input_dir,
        workers: a.workers,
        threads_per_job: a.threads.unwrap_or(0),
        token: a.token.filter(|t| !t.is_empty()),
        limits: tween_server::Limits {
            max_upload_bytes: a.max_upload_mb.saturating_mul(1024 * 1024),
            max_width: a.max_width,
            max_height: a.max_height,
            max_duration_s: a.max_duration_s,
            max_jobs_per_client: a.max_jobs_per_client,
        },
        retention: Duration::from_secs_f64(a.retention_hours * 3600.0),
        models_dir,
    };
    if !config.bind.ip().is_loopback() {
        tracing::warn!(
            "listening on {} — reachable from other machines",
            config.bind
        );
        if config.token.is_none() {
            eprintln!(
                "warning: --bind {} without --token: anyone who can reach it can run jobs",
                config.bind
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(tween_server::serve(config))?;
    Ok(())
}

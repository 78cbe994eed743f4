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
    /// Another host name (or NAME:PORT) the server answers for, e.g. its LAN
    /// name or a reverse proxy's; repeatable. Always allowed: localhost,
    /// 127.0.0.1, [::1] and the address a connection came in on.
    #[arg(
        long = "allowed-host",
        value_name = "HOST",
        env = "TWEEN_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,
    /// Seconds a client has to send a request's headers (also the longest
    /// idle time of a connection between requests).
    #[arg(long, default_value_t = 30.0)]
    pub header_timeout_s: f64,
    /// Longest pause, in seconds, while a request body arrives.
    #[arg(long, default_value_t = 60.0)]
    pub body_timeout_s: f64,
    /// Connections open at once, in all.
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
    /// Connections open at once from one client address.
    #[arg(long, default_value_t = 64)]
    pub max_connections_per_client: usize,
    /// Wrong tokens one client address may send per minute before it must wait.
    #[arg(long, default_value_t = 5)]
    pub max_failed_logins: u32,
}

/// Seconds as a timeout: above 0 and at most a day.
fn timeout(flag: &str, secs: f64) -> anyhow::Result<Duration> {
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        anyhow::bail!("{flag} must be a number of seconds above 0 and at most 86400, not {secs}");
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if a.workers == 0 {
        anyhow::bail!("--workers must be at least 1");
    }
    if a.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1 (leave it out to use all cores)");
    }
    if a.token.as_deref().is_some_and(|t| t.trim().is_empty()) {
        anyhow::bail!(
            "--token (or TWEEN_TOKEN) is empty; give a real token, or leave it out for a server without one"
        );
    }
    let retention = tween_server::config::retention_from_hours(a.retention_hours)?;
    let header_timeout = timeout("--header-timeout-s", a.header_timeout_s)?;
    let body_timeout = timeout("--body-timeout-s", a.body_timeout_s)?;
    if a.max_upload_mb == 0 || a.max_upload_mb > u64::MAX / (1024 * 1024) {
        anyhow::bail!(
            "--max-upload-mb must be at least 1 and fit in bytes, not {}",
            a.max_upload_mb
        );
    }
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
        token: a.token,
        limits: tween_server::Limits {
            max_upload_bytes: a.max_upload_mb * 1024 * 1024,
            max_width: a.max_width,
            max_height: a.max_height,
            max_duration_s: a.max_duration_s,
            max_jobs_per_client: a.max_jobs_per_client,
            max_failed_logins: a.max_failed_logins,
            login_window: Duration::from_secs(60),
        },
        retention,
        models_dir,
        allowed_hosts: a.allowed_hosts,
        header_timeout,
        body_timeout,
        max_connections: a.max_connections,
        max_connections_per_client: a.max_connections_per_client,
    };
    config.validate()?;
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "{}: cannot create the data folder",
            config.data_dir.display()
        )
    })?;
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

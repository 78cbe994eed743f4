//! The server's settings, checked before anything starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Limits on what clients may ask for; each breach is a clear 4xx.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest upload, bytes (413 `too_large`).
    pub max_upload_bytes: u64,
    /// Largest video/image width and height (422 `too_large_video`).
    pub max_width: u32,
    pub max_height: u32,
    /// Longest video, seconds (422 `too_large_video`).
    pub max_duration_s: f64,
    /// Queued + running jobs per client (429 `too_many_jobs`).
    pub max_jobs_per_client: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 2048 * 1024 * 1024,
            max_width: 7680,
            max_height: 4320,
            max_duration_s: 3600.0,
            max_jobs_per_client: 8,
        }
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen; 127.0.0.1 unless the operator says otherwise.
    pub bind: SocketAddr,
    /// Jobs database, uploads, results, temporary files.
    pub data_dir: PathBuf,
    /// Folder `{"path": …}` inputs may name files in (none: refused).
    pub input_dir: Option<PathBuf>,
    /// Worker threads running jobs.
    pub workers: usize,
    /// Threads each job's operation may use (0: the operation's default).
    pub threads_per_job: usize,
    /// Token the API and UI require, if any.
    pub token: Option<String>,
    pub limits: Limits,
    /// Finished jobs, results and unused uploads are removed after this.
    pub retention: Duration,
    /// Folder of imported models (`tween models`), if any.
    pub models_dir: Option<PathBuf>,
}

impl ServerConfig {
    /// Defaults around `data_dir`: 127.0.0.1:8080, one worker, no token.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            input_dir: None,
            workers: 1,
            threads_per_job: 0,
            token: None,
            limits: Limits::default(),
            retention: Duration::from_secs(72 * 3600),
            models_dir: None,
        }
    }
}

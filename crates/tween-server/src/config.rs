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
    /// Wrong tokens one client may present per `login_window` before its
    /// attempts are refused (429 `too_many_attempts`) until the window ends.
    pub max_failed_logins: u32,
    pub login_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 2048 * 1024 * 1024,
            max_width: 7680,
            max_height: 4320,
            max_duration_s: 3600.0,
            max_jobs_per_client: 8,
            max_failed_logins: 5,
            login_window: Duration::from_secs(60),
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
    /// Host names (or `name:port`) requests may carry in `Host`, besides
    /// localhost, 127.0.0.1, [::1] and the address the connection came in on.
    pub allowed_hosts: Vec<String>,
    /// Time a client has to send a request's headers (and the most a
    /// connection may sit idle between requests).
    pub header_timeout: Duration,
    /// Longest pause allowed while a request body arrives.
    pub body_timeout: Duration,
    /// Open connections in all (more are closed at once).
    pub max_connections: usize,
    /// Open connections from one client address.
    pub max_connections_per_client: usize,
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
            allowed_hosts: Vec::new(),
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            max_connections: 512,
            max_connections_per_client: 64,
        }
    }

    /// Refuses settings that cannot work or would silently disable a limit;
    /// the error names the `tween serve` flag.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |flag: &'static str, message: String| Err(ConfigError { flag, message });
        if self.workers == 0 {
            return bad("--workers", "must be at least 1".into());
        }
        if let Some(t) = &self.token {
            if t.trim().is_empty() {
                return bad(
                    "--token",
                    "is empty; give a real token, or leave --token (and TWEEN_TOKEN) out for a server without one".into(),
                );
            }
        }
        let l = &self.limits;
        if l.max_upload_bytes == 0 {
            return bad("--max-upload-mb", "must be at least 1".into());
        }
        if l.max_width == 0 {
            return bad("--max-width", "must be at least 1".into());
        }
        if l.max_height == 0 {
            return bad("--max-height", "must be at least 1".into());
        }
        if !(l.max_duration_s.is_finite() && l.max_duration_s > 0.0) {
            return bad(
                "--max-duration-s",
                format!(
                    "must be a number of seconds above 0, not {}",
                    l.max_duration_s
                ),
            );
        }
        if l.max_jobs_per_client == 0 {
            return bad("--max-jobs-per-client", "must be at least 1".into());
        }
        if l.max_failed_logins == 0 || l.login_window.is_zero() {
            return bad("--max-failed-logins", "must be at least 1".into());
        }
        if self.retention.is_zero() || self.retention > MAX_RETENTION {
            return bad(
                "--retention-hours",
                format!(
                    "must be above 0 and at most {} hours",
                    MAX_RETENTION.as_secs() / 3600
                ),
            );
        }
        if self.header_timeout.is_zero() {
            return bad("--header-timeout-s", "must be above 0".into());
        }
        if self.body_timeout.is_zero() {
            return bad("--body-timeout-s", "must be above 0".into());
        }
        if self.max_connections == 0 {
            return bad("--max-connections", "must be at least 1".into());
        }
        if self.max_connections_per_client == 0 {
            return bad("--max-connections-per-client", "must be at least 1".into());
        }
        for h in &self.allowed_hosts {
            if h.is_empty() || h.contains(['/', ' ', ',']) || h.chars().any(|c| c.is_control()) {
                return bad(
                    "--allowed-host",
                    format!(
                        "{h:?} is not a host name (e.g. tween.example.org or 192.168.1.5:8080)"
                    ),
                );
            }
        }
        Ok(())
    }
}

/// The longest retention accepted (about 100 years).
pub const MAX_RETENTION: Duration = Duration::from_secs(876_000 * 3600);

/// A setting `serve` refuses, with the flag that sets it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag} {message}")]
pub struct ConfigError {
    pub flag: &'static str,
    pub message: String,
}

/// Hours as a retention period; refuses NaN, infinities, ≤ 0 and absurd values.
pub fn retention_from_hours(hours: f64) -> Result<Duration, ConfigError> {
    let err = || ConfigError {
        flag: "--retention-hours",
        message: format!(
            "must be a number of hours above 0 and at most {}, not {hours}",
            MAX_RETENTION.as_secs() / 3600
        ),
    };
    if !(hours.is_finite() && hours > 0.0) {
        return Err(err());
    }
    let d = Duration::try_from_secs_f64(hours * 3600.0).map_err(|_| err())?;
    if d > MAX_RETENTION || d.is_zero() {
        return Err(err());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_name_their_flag() {
        let ok = ServerConfig::new("d");
        assert!(ok.validate().is_ok());
        let check = |f: &dyn Fn(&mut ServerConfig), flag: &str| {
            let mut c = ServerConfig::new("d");
            f(&mut c);
            let e = c.validate().unwrap_err();
            assert_eq!(e.flag, flag, "{e}");
        };
        check(&|c| c.token = Some(String::new()), "--token");
        check(&|c| c.token = Some("  ".into()), "--token");
        check(&|c| c.workers = 0, "--workers");
        check(&|c| c.limits.max_duration_s = f64::NAN, "--max-duration-s");
        check(
            &|c| c.limits.max_duration_s = f64::INFINITY,
            "--max-duration-s",
        );
        check(&|c| c.limits.max_duration_s = -1.0, "--max-duration-s");
        check(&|c| c.limits.max_upload_bytes = 0, "--max-upload-mb");
        check(
            &|c| c.limits.max_jobs_per_client = 0,
            "--max-jobs-per-client",
        );
        check(&|c| c.retention = Duration::ZERO, "--retention-hours");
        check(&|c| c.max_connections = 0, "--max-connections");
        check(&|c| c.allowed_hosts = vec!["a b".into()], "--allowed-host");
        for h in [f64::INFINITY, f64::NAN, -1.0, 0.0, 1e300] {
            assert_eq!(
                retention_from_hours(h).unwrap_err().flag,
                "--retention-hours"
            );
        }
        assert_eq!(
            retention_from_hours(2.0).unwrap(),
            Duration::from_secs(7200)
        );
    }
}

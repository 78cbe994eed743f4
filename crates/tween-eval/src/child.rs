//! Running a child process and measuring it: wall-clock seconds, and peak
//! resident memory from `wait4`'s rusage (`ru_maxrss`, KiB on Linux).
//!
//! The child's stdout and stderr go to a log file, so that a chatty child can
//! never block on a full pipe while we wait for it.

use crate::error::EvalError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What a finished child cost.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildStats {
    /// From just before spawning to the moment it was reaped.
    pub wall_s: f64,
    /// Peak resident set size of the child (and of its reaped descendants), KiB.
    pub peak_rss_kib: u64,
    /// `None` when it exited with status 0, else a description ("exit status 1",
    /// "killed by signal 9").
    pub failure: Option<String>,
}

/// Spawns `cmd` with stdin closed and stdout+stderr appended to `log`, waits
/// for it with `wait4` and returns its cost. A non-zero exit is reported in
/// [`ChildStats::failure`], not as an error; errors are for failing to start.
pub fn run_measured(cmd: &mut Command, log: &Path) -> Result<ChildStats, EvalError> {
    let out = File::create(log).map_err(EvalError::io(log))?;
    let err = out.try_clone().map_err(EvalError::io(log))?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let program = PathBuf::from(cmd.get_program());
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|source| EvalError::Spawn { program, source })?;
    let (status, rusage) = rusage_wait::wait(child.id()).map_err(|source| EvalError::Io {
        path: log.to_path_buf(),
        source,
    })?;
    let wall_s = start.elapsed().as_secs_f64();
    // `child` was reaped by wait4; dropping a std Child neither waits nor kills.
    drop(child);
    Ok(ChildStats {
        wall_s,
        peak_rss_kib: rusage.max_rss_kib,
        failure: rusage_wait::describe(status),
    })
}

/// The last `max` bytes of a log file, for error messages.
pub fn log_tail(log: &Path, max: usize) -> String {
    match std::fs::read(log) {
        Ok(bytes) => {
            let start = bytes.len().saturating_sub(max);
            String::from_utf8_lossy(&bytes[start..]).trim().to_string()
        }
        Err(_) => String::new(),
    }
}

/// The only unsafe code of the crate: `wait4` and the status macros.
mod rusage_wait {
    pub struct Usage {
        pub max_rss_kib: u64,
    }

    /// Waits for process `pid` (a child of ours) and returns its raw wait
    /// status and resource usage.
    pub fn wait(pid: u32) -> std::io::Result<(libc::c_int, Usage)> {
        let pid = pid as libc::pid_t;
        let mut status: libc::c_int = 0;
        // SAFETY: rusage is a plain C struct for which all-zero bytes is a valid value.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: `status` and `ru` are valid, exclusively borrowed
            // out-pointers for the duration of the call; `pid` is our child,
            // which nothing else in this process waits for.
            let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
            if r == pid {
                break;
            }
            let e = std::io::Error::last_os_error();
            if r == -1 && e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // ru_maxrss is in KiB on Linux (bytes on macOS).
        let max_rss = ru.ru_maxrss.max(0) as u64;
        let max_rss_kib = if cfg!(target_os = "macos") {
            max_rss / 1024
        } else {
            max_rss
        };
        Ok((status, Usage { max_rss_kib }))
    }

    /// `None` for a clean exit, else what happened.
    pub fn describe(status: libc::c_int) -> Option<String> {
        if libc::WIFEXITED(status) {
            match libc::WEXITSTATUS(status) {
                0 => None,
                c => Some(format!("exit status {c}")),
            }
        } else if libc::WIFSIGNALED(status) {
            Some(format!("killed by signal {}", libc::WTERMSIG(status)))
        } else {
            Some(format!("wait status {status:#x}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_time_memory_and_exit_status() {
        let dir = std::env::temp_dir().join(format!("tween-eval-child-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("ok.log");
        // A shell that touches ~40 MiB of memory, sleeps a little and says hello.
        let ok = run_measured(
            Command::new("sh").args(["-c", "head -c 40000000 /dev/zero | tr '\\0' a > /dev/null; x=$(head -c 20000000 /dev/zero | tr '\\0' b); sleep 0.2; echo hello"]),
            &log,
        )
        .unwrap();
        assert_eq!(ok.failure, None);
        assert!(ok.wall_s >= 0.2, "{}", ok.wall_s);
        assert!(ok.peak_rss_kib > 1000, "{}", ok.peak_rss_kib);
        assert_eq!(log_tail(&log, 100), "hello");
        let bad = run_measured(
            Command::new("sh").args(["-c", "echo oops >&2; exit 3"]),
            &dir.join("bad.log"),
        )
        .unwrap();
        assert_eq!(bad.failure.as_deref(), Some("exit status 3"));
        assert_eq!(log_tail(&dir.join("bad.log"), 100), "oops");
        let missing = run_measured(&mut Command::new("/nonexistent/tween"), &dir.join("m.log"));
        assert!(matches!(missing, Err(EvalError::Spawn { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

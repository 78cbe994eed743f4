//! Running a child process and measuring it: wall-clock seconds, and peak
//! resident memory sampled from `/proc/PID/status` (`VmHWM`, the high-water
//! mark of the child's own address space) every 10 ms while it runs.
//!
//! `wait4`'s `ru_maxrss` is not used for memory: Linux seeds it at `exec` with
//! the high-water mark of the address space being replaced, which after a
//! vfork-style spawn is this (parent) process's, so it reports the evaluator's
//! own size whenever that is larger than the child's.
//!
//! The child's stdout and stderr go to a log file, so that a chatty child can
//! never block on a full pipe while we wait for it.

use crate::error::EvalError;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a finished child cost.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildStats {
    /// From just before spawning to the moment it was reaped.
    pub wall_s: f64,
    /// Peak resident set size of the child's own address space, KiB (0 when
    /// it ended before the first sample).
    pub peak_rss_kib: u64,
    /// `None` when it exited with status 0, else a description ("exit status 1",
    /// "killed by signal 9").
    pub failure: Option<String>,
}

/// Spawns `cmd` with stdin closed and stdout+stderr appended to `log`, waits
/// for it with `waitpid` and returns its cost. A non-zero exit is reported in
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
    let pid = child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while !stop.load(Ordering::Acquire) {
                peak = peak.max(vm_hwm_kib(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        })
    };
    let waited = reap::wait(pid);
    // Stop sampling before the pid can be reused by another process.
    stop.store(true, Ordering::Release);
    let peak_rss_kib = sampler.join().unwrap_or(0);
    let status = waited.map_err(|source| EvalError::Io {
        path: log.to_path_buf(),
        source,
    })?;
    let wall_s = start.elapsed().as_secs_f64();
    // `child` was reaped by waitpid; dropping a std Child neither waits nor kills.
    drop(child);
    Ok(ChildStats {
        wall_s,
        peak_rss_kib,
        failure: reap::describe(status),
    })
}

/// `VmHWM` of a live process, KiB; `None` once it has exited (a zombie has no
/// address space) or when /proc is unavailable.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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

/// The only unsafe code of the crate: `waitpid` and the status macros.
mod reap {
    /// Waits for process `pid` (a child of ours) and returns its raw wait status.
    pub fn wait(pid: u32) -> std::io::Result<libc::c_int> {
        let pid = pid as libc::pid_t;
        let mut status: libc::c_int = 0;
        loop {
            // SAFETY: `status` is a valid, exclusively borrowed out-pointer for
            // the duration of the call; `pid` is our child, which nothing else
            // in this process waits for.
            let r = unsafe { libc::waitpid(pid, &mut status, 0) };
            if r == pid {
                return Ok(status);
            }
            let e = std::io::Error::last_os_error();
            if r == -1 && e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
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
        // The shell holds a 20 MB variable.
        assert!(ok.peak_rss_kib > 15_000, "{}", ok.peak_rss_kib);
        assert_eq!(log_tail(&log, 100), "hello");
        let bad = run_measured(
            Command::new("sh").args(["-c", "echo oops >&2; exit 3"]),
            &dir.join("bad.log"),
        )
        .unwrap();
        assert_eq!(bad.failure.as_deref(), Some("exit status 3"));
        assert_eq!(log_tail(&dir.join("bad.log"), 100), "oops");
        // A small child of a large parent reports its own size, not the parent's.
        let ballast = vec![1u8; 300 << 20];
        let small = run_measured(
            Command::new("sh").args(["-c", "sleep 0.3"]),
            &dir.join("s.log"),
        )
        .unwrap();
        assert!(ballast.iter().step_by(4096).all(|&b| b == 1));
        assert!(small.peak_rss_kib < 50_000, "{} KiB", small.peak_rss_kib);
        let missing = run_measured(&mut Command::new("/nonexistent/tween"), &dir.join("m.log"));
        assert!(matches!(missing, Err(EvalError::Spawn { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

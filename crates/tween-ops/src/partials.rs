//! The temporary names outputs are written under, `.NAME.partial-PID.EXT`
//! beside the final `NAME` (EXT is NAME's extension, so FFmpeg picks the
//! container from it), and the clean-up of those a dead process left behind.

use std::path::{Path, PathBuf};

/// The temporary name of `name` for process `pid`.
pub(crate) fn partial_name(name: &str, pid: u32) -> String {
    let ext = Path::new(name)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    format!(".{name}.partial-{pid}{ext}")
}

/// The final name and the PID a temporary name was made from, when `file`
/// is exactly such a name (the inverse of [`partial_name`]).
pub(crate) fn parse_partial(file: &str) -> Option<(&str, u32)> {
    let rest = file.strip_prefix('.')?;
    let at = rest.rfind(".partial-")?;
    let (name, tail) = (&rest[..at], &rest[at + ".partial-".len()..]);
    let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
    if name.is_empty() || digits == 0 || digits > 10 {
        return None;
    }
    let pid: u32 = tail[..digits].parse().ok()?;
    (pid > 0 && partial_name(name, pid) == file).then_some((name, pid))
}

/// Whether a process with this id exists (on Unix: `kill(pid, 0)`; a
/// process of another user counts as alive). Elsewhere every process
/// counts as alive, so nothing is ever removed.
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: signal 0 only checks that the process exists and may be signalled.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Removes the temporary outputs in `dir` left by processes that no longer
/// run (killed, crashed, power lost): only entries named exactly
/// `.NAME.partial-PID.EXT` whose PID is not a live process, and only plain
/// files or the folders multi-file outputs are written into (never a
/// symbolic link). Returns what was removed; failures are logged and skipped.
pub(crate) fn clean_stale(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((_, pid)) = name.to_str().and_then(parse_partial) else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let result = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_file() => std::fs::remove_file(&path),
            Ok(m) if m.file_type().is_dir() => std::fs::remove_dir_all(&path),
            _ => continue,
        };
        match result {
            Ok(()) => {
                tracing::info!(path = %path.display(), pid, "removed the temporary output of a process that no longer runs");
                removed.push(path);
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "could not remove a stale temporary output: {e}")
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_lookalikes_do_not_parse() {
        assert_eq!(partial_name("out.mp4", 42), ".out.mp4.partial-42.mp4");
        assert_eq!(
            parse_partial(".out.mp4.partial-42.mp4"),
            Some(("out.mp4", 42))
        );
        assert_eq!(
            parse_partial(".a.partial-1.b.mkv.partial-7.mkv"),
            Some(("a.partial-1.b.mkv", 7))
        );
        assert_eq!(parse_partial(".noext.partial-9"), Some(("noext", 9)));
        for other in [
            "out.mp4",
            ".out.mp4.partial-42.mkv",
            ".out.mp4.partial-42",
            ".out.mp4.partial-.mp4",
            ".out.mp4.partial-0.mp4",
            ".out.mp4.partial-42.mp4.bak",
            "out.mp4.partial-42.mp4",
            "..partial-3",
            ".out.mp4.partial-x42.mp4",
        ] {
            assert_eq!(parse_partial(other), None, "{other}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_dead_processes_partials_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dead = dead_pid();
        let live = std::process::id();
        let names = [
            partial_name("a.mp4", dead),
            partial_name("b.mp4", live),
            "keep.mp4".to_string(),
            format!(".c.mp4.partial-{dead}.mkv"),
        ];
        for n in &names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let seg_dir = dir.path().join(partial_name("d.m3u8", dead));
        std::fs::create_dir(&seg_dir).unwrap();
        std::fs::write(seg_dir.join("d0.ts"), b"x").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("precious"), b"x").unwrap();
        let link = dir.path().join(partial_name("e.mp4", dead));
        std::os::unix::fs::symlink(outside.path(), &link).unwrap();

        let removed = clean_stale(dir.path());
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(!dir.path().join(&names[0]).exists() && !seg_dir.exists());
        for n in &names[1..] {
            assert!(dir.path().join(n).exists(), "{n} was removed");
        }
        assert!(link.symlink_metadata().is_ok() && outside.path().join("precious").exists());
    }

    /// The id of a process that has exited (and been reaped).
    #[cfg(unix)]
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_alive(pid));
        pid
    }
}

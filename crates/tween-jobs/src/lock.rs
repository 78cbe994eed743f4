//! One data folder, one server: an advisory lock on `DATA/tween.lock`, taken
//! before the queue touches anything (requeueing, clearing `tmp/`) and held
//! for as long as the queue lives. The OS releases it when the process ends,
//! however it ends, so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::JobsError;

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "tween.lock";

/// A held lock on a data folder; released when dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

impl DataDirLock {
    /// Locks `data_dir` (created if missing), or says who holds it.
    pub fn acquire(data_dir: &Path) -> Result<Self, JobsError> {
        std::fs::create_dir_all(data_dir)
            .map_err(JobsError::io(data_dir, "cannot create the data folder"))?;
        let path = data_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(JobsError::io(&path, "cannot open the lock file"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty());
                return Err(JobsError::DataDirInUse {
                    path: data_dir.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(JobsError::io(&path, "cannot lock the data folder")(e))
            }
        }
        // Who holds it, for the message a second server prints.
        let _ = file.set_len(0);
        let _ = writeln!(file, "pid {}", std::process::id());
        Ok(DataDirLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused_until_the_first_goes() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path()).unwrap();
        let e = DataDirLock::acquire(dir.path()).unwrap_err();
        assert_eq!(e.code(), "data_dir_in_use");
        let text = e.to_string();
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        drop(first);
        DataDirLock::acquire(dir.path()).unwrap();
    }
}

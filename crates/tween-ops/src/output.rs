//! Writing outputs safely: work goes to a temporary name beside the final
//! one (same folder, same extension so the container is chosen right) and is
//! renamed only when complete. An error, a panic or a cancel leaves nothing
//! under the final name, and the temporary file is removed.

use std::path::{Path, PathBuf};

use crate::OpsError;

/// An output being written.
#[derive(Debug)]
pub struct PendingOutput {
    final_path: PathBuf,
    temp_path: PathBuf,
    done: bool,
}

impl PendingOutput {
    /// Checks that `final_path` can be written (its folder exists; it does
    /// not exist unless `overwrite`; it is not one of `inputs`) and picks the
    /// temporary name.
    pub fn new(final_path: &Path, overwrite: bool, inputs: &[&Path]) -> Result<Self, OpsError> {
        let shown = final_path.display();
        let name = final_path
            .file_name()
            .ok_or_else(|| OpsError::Output(format!("{shown}: the output needs a file name")))?;
        let parent = match final_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(OpsError::Output(format!(
                "{shown}: the output folder {} does not exist",
                parent.display()
            )));
        }
        if final_path.is_dir() {
            return Err(OpsError::Output(format!(
                "{shown}: is a folder, not a file name"
            )));
        }
        if inputs.iter().any(|input| same_file(input, final_path)) {
            return Err(OpsError::Output(format!(
                "{shown}: the output would replace the input; choose another name"
            )));
        }
        if final_path.exists() && !overwrite {
            return Err(OpsError::Output(format!(
                "{shown}: already exists (use --overwrite to replace it)"
            )));
        }
        let ext = final_path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let temp_path = parent.join(format!(
            ".{}.partial-{}{}",
            name.to_string_lossy(),
            std::process::id(),
            ext
        ));
        Ok(PendingOutput {
            final_path: final_path.to_path_buf(),
            temp_path,
            done: false,
        })
    }

    /// Where the writer should write.
    pub fn temp_path(&self) -> &Path {
        &self.temp_path
    }

    /// The name the output gets when committed.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Moves the finished file to its final name.
    pub fn commit(mut self) -> Result<PathBuf, OpsError> {
        std::fs::rename(&self.temp_path, &self.final_path).map_err(|e| {
            OpsError::io(
                &self.final_path,
                "could not move the finished file into place",
                e,
            )
        })?;
        self.done = true;
        Ok(self.final_path.clone())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

/// True when `a` and `b` name the same existing file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_missing_folder_existing_file_and_input() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope/out.mp4");
        let e = PendingOutput::new(&missing, false, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let existing = dir.path().join("out.mp4");
        std::fs::write(&existing, b"x").unwrap();
        let e = PendingOutput::new(&existing, false, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--overwrite"), "{e}");
        let e = PendingOutput::new(&existing, true, &[&existing])
            .unwrap_err()
            .to_string();
        assert!(e.contains("replace the input"), "{e}");
    }

    #[test]
    fn temp_is_removed_unless_committed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.mkv");
        let p = PendingOutput::new(&out, false, &[]).unwrap();
        assert!(p.temp_path().to_string_lossy().ends_with(".mkv"));
        std::fs::write(p.temp_path(), b"half").unwrap();
        let temp = p.temp_path().to_path_buf();
        drop(p);
        assert!(!temp.exists() && !out.exists());
        let p = PendingOutput::new(&out, false, &[]).unwrap();
        std::fs::write(p.temp_path(), b"whole").unwrap();
        p.commit().unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"whole");
    }
}

//! Writing outputs safely: work goes to a temporary name beside the final
//! one (`.NAME.partial-PID.EXT`: same folder, same extension so the
//! container is chosen right) and is moved into place only when complete.
//! An error, a panic or a cancel leaves nothing under the final name, and
//! the temporary file is removed.
//!
//! Multi-file outputs (an HLS playlist `.m3u8`, a DASH manifest `.mpd`, each
//! with its segments) are written into a temporary folder of that name; on
//! commit the segments are moved beside the final name first and the
//! playlist last, so a playlist never names a segment that is not there.
//!
//! Without `overwrite` nothing that exists is ever replaced, not even a file
//! that appeared while the work ran; with it, only regular files are.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tween_core::Progress;
use tween_video::{VideoWriter, WriterEnd};

use crate::destination::{not_regular, resolve};
use crate::partials::{clean_stale, partial_name};
use crate::OpsError;

/// An output being written.
#[derive(Debug)]
pub struct PendingOutput {
    final_path: PathBuf,
    /// Where the writer writes (inside `temp_dir` for multi-file outputs).
    temp_path: PathBuf,
    /// The temporary folder of a multi-file output.
    temp_dir: Option<PathBuf>,
    overwrite: bool,
    /// This output's entry in [`CLAIMS`].
    claim: PathBuf,
    done: bool,
}

/// The destinations of the outputs this process is writing: two outputs of
/// one run (or of two jobs) naming the same file would share a temporary name.
static CLAIMS: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// The folders whose stale temporaries this process has already removed.
static CLEANED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Whether `path` names an output FFmpeg writes as several files (a playlist
/// or manifest and its segments).
pub fn is_multi_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("m3u8") || e.eq_ignore_ascii_case("mpd"))
}

impl PendingOutput {
    /// Checks that `final_path` can be written (it has a file name with an
    /// extension; its folder exists; nothing stands there unless
    /// `overwrite`, and then only a regular file; it is not one of `inputs`
    /// nor another output this process is writing), removes the temporaries
    /// that dead processes left in its folder, and picks the temporary name.
    pub fn new(final_path: &Path, overwrite: bool, inputs: &[&Path]) -> Result<Self, OpsError> {
        let shown = final_path.display();
        let name = final_path
            .file_name()
            .ok_or_else(|| OpsError::Output(format!("{shown}: the output needs a file name")))?;
        if final_path.extension().is_none_or(|e| e.is_empty()) {
            return Err(OpsError::Output(format!(
                "{shown}: the output name has no extension, so its format is unknown; \
                 add one, e.g. {}.mp4",
                name.to_string_lossy().trim_end_matches('.')
            )));
        }
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
        if inputs.iter().any(|input| same_file(input, final_path)) {
            return Err(OpsError::Output(format!(
                "{shown}: the output would replace the input; choose another name"
            )));
        }
        check_replaceable(final_path, overwrite, "already exists")?;
        let claim = resolve(final_path);
        {
            let mut claims = CLAIMS.lock().unwrap_or_else(|p| p.into_inner());
            if !claims
                .get_or_insert_with(HashSet::new)
                .insert(claim.clone())
            {
                return Err(OpsError::Output(format!(
                    "{shown}: this file is already being written as another output \
                     (two outputs name the same file); choose different names"
                )));
            }
        }
        // From here on, dropping `pending` releases the claim.
        let mut pending = PendingOutput {
            final_path: final_path.to_path_buf(),
            temp_path: PathBuf::new(),
            temp_dir: None,
            overwrite,
            claim,
            done: false,
        };
        clean_stale_once(&parent);
        let temp = parent.join(partial_name(&name.to_string_lossy(), std::process::id()));
        // Something under our own temporary name is a leftover of an earlier
        // process that had this PID: no live writer of this process owns it.
        remove_entry(&temp);
        if is_multi_file(final_path) {
            std::fs::create_dir(&temp).map_err(|e| {
                OpsError::io(
                    final_path,
                    "cannot create the temporary folder beside it",
                    e,
                )
            })?;
            pending.temp_path = temp.join(name);
            pending.temp_dir = Some(temp);
        } else {
            pending.temp_path = temp;
        }
        Ok(pending)
    }

    /// Where the writer should write.
    pub fn temp_path(&self) -> &Path {
        &self.temp_path
    }

    /// The name the output gets when committed.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// `e` with every mention of the temporary name replaced by the final
    /// one, so that messages name the file the user asked for.
    pub fn own(&self, e: impl Into<OpsError>) -> OpsError {
        let mut e = e.into();
        let fix = |p: &mut PathBuf| {
            let inside = match &self.temp_dir {
                Some(d) => p.starts_with(d),
                None => *p == self.temp_path,
            };
            if inside {
                *p = self.final_path.clone();
            }
        };
        match &mut e {
            OpsError::Io { path, .. } => fix(path),
            OpsError::Video(v) => {
                if let Some(p) = v.path_mut() {
                    fix(p)
                }
            }
            _ => {}
        }
        e
    }

    /// Finishes `writer` (flushes the encoder, writes the rest of the
    /// passthrough streams and the trailer) and moves the output into place,
    /// unless `progress` cancels first: it is asked between the packets of
    /// the flush and once more right before anything is moved. A cancelled
    /// output is removed, and the result is [`OpsError::Cancelled`].
    pub fn finish(self, writer: VideoWriter, progress: &dyn Progress) -> Result<PathBuf, OpsError> {
        match writer.finish_unless(&|| !progress.advance(0)) {
            Ok(WriterEnd::Complete) => self.commit_unless_cancelled(progress),
            Ok(WriterEnd::Stopped) => Err(OpsError::Cancelled),
            Err(e) => Err(self.own(e)),
        }
    }

    /// [`commit`](Self::commit), unless `progress` has been cancelled
    /// (`advance(0)` returns `false`): then the output is removed and the
    /// result is [`OpsError::Cancelled`].
    pub fn commit_unless_cancelled(self, progress: &dyn Progress) -> Result<PathBuf, OpsError> {
        if !progress.advance(0) {
            return Err(OpsError::Cancelled);
        }
        self.commit()
    }

    /// Moves the finished output to its final name (for multi-file outputs:
    /// every segment, then the playlist). Without `overwrite`, a file that
    /// appeared under one of the names meanwhile is not replaced: the
    /// commit fails naming it and nothing is moved.
    pub fn commit(mut self) -> Result<PathBuf, OpsError> {
        match self.temp_dir.clone() {
            None => place(&self.temp_path, &self.final_path, self.overwrite)?,
            Some(dir) => self.commit_folder(&dir)?,
        }
        self.done = true;
        Ok(self.final_path.clone())
    }

    fn commit_folder(&self, dir: &Path) -> Result<(), OpsError> {
        let parent = self.final_path.parent().unwrap_or(Path::new("."));
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let listing = std::fs::read_dir(dir)
            .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
            .map_err(|e| OpsError::io(&self.final_path, "cannot list the finished segments", e));
        let names: Vec<std::ffi::OsString> = listing?;
        let playlist = self.final_path.file_name().expect("checked in new");
        if !names.iter().any(|n| n == playlist) {
            return Err(OpsError::Output(format!(
                "{}: the muxer finished without writing the playlist",
                self.final_path.display()
            )));
        }
        let segments: Vec<_> = names.iter().filter(|n| *n != playlist).collect();
        // Every name is checked before anything moves.
        for seg in &segments {
            check_replaceable(
                &parent.join(seg),
                self.overwrite,
                "is in the way of a segment",
            )?;
        }
        check_replaceable(&self.final_path, self.overwrite, "already exists")?;
        let mut moved = Vec::new();
        for seg in segments {
            let to = parent.join(seg);
            let existed = to.symlink_metadata().is_ok();
            if let Err(e) = place(&dir.join(seg), &to, self.overwrite) {
                // Segments without their playlist are of no use: take back
                // those this commit created.
                for m in moved {
                    let _ = std::fs::remove_file(m);
                }
                return Err(e);
            }
            if !existed {
                moved.push(to);
            }
        }
        place(&self.temp_path, &self.final_path, self.overwrite)?;
        let _ = std::fs::remove_dir(dir);
        Ok(())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.done {
            match &self.temp_dir {
                Some(d) => {
                    let _ = std::fs::remove_dir_all(d);
                }
                None if !self.temp_path.as_os_str().is_empty() => {
                    let _ = std::fs::remove_file(&self.temp_path);
                }
                None => {}
            }
        }
        let mut claims = CLAIMS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = claims.as_mut() {
            c.remove(&self.claim);
        }
    }
}

/// Fails when something stands at `path` that may not be replaced: anything
/// without `overwrite` (`what` says how that reads), a folder always, and
/// with `overwrite` anything but a regular file (a symbolic link, a FIFO, a
/// device: `--overwrite` replaces files, never what a name points to).
fn check_replaceable(path: &Path, overwrite: bool, what: &str) -> Result<(), OpsError> {
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(OpsError::io(path, "cannot check what is there", e)),
    };
    if meta.is_dir() {
        return Err(OpsError::Output(format!(
            "{shown}: is a folder, not a file name"
        )));
    }
    if !overwrite {
        return Err(OpsError::Output(format!(
            "{shown}: {what} (use --overwrite to replace it)"
        )));
    }
    match not_regular(path, meta.file_type()) {
        Some(kind) => Err(OpsError::Output(format!(
            "{shown}: is {kind}; --overwrite replaces only regular files, \
             so remove it yourself or choose another name"
        ))),
        None => Ok(()),
    }
}

/// Moves `from` to `to`. Without `overwrite` it never replaces anything: a
/// hard link fails if `to` exists (where links are not supported, a check
/// and a rename are used instead).
fn place(from: &Path, to: &Path, overwrite: bool) -> Result<(), OpsError> {
    let moved = if overwrite {
        check_replaceable(to, true, "")?;
        std::fs::rename(from, to)
    } else {
        match std::fs::hard_link(from, to) {
            Ok(()) => std::fs::remove_file(from),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(OpsError::Output(format!(
                    "{}: appeared while tween was working and was not replaced \
                     (use --overwrite to replace it)",
                    to.display()
                )))
            }
            Err(_) => {
                check_replaceable(to, false, "appeared while tween was working")?;
                std::fs::rename(from, to)
            }
        }
    };
    moved.map_err(|e| OpsError::io(to, "could not move the finished file into place", e))
}

/// Removes a file or a folder (not following a symbolic link) if there is one.
fn remove_entry(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// [`clean_stale`] on `dir`, once per folder per process.
fn clean_stale_once(dir: &Path) {
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let first = CLEANED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_or_insert_with(HashSet::new)
        .insert(key);
    if first {
        clean_stale(dir);
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
#[path = "output_tests.rs"]
mod tests;

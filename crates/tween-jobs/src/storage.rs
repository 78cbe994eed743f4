//! Where files live: an object store (a local folder now; S3 could take its
//! place) rooted at the data folder, with `uploads/ID/input.EXT`,
//! `results/JOBID/NAME` and `tmp/`. Work is written under `tmp/` and moved to
//! its final key only when complete, so nothing half-written ever carries a
//! final name. Keys are built here from generated ids and checked names
//! only; nothing a client sends becomes a path.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{GetOptions, GetRange, GetResult, ObjectStore, ObjectStoreExt};

use crate::error::JobsError;
use crate::model::{JobId, UploadId};

/// The file store.
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    store: Arc<LocalFileSystem>,
}

impl Storage {
    /// Opens the store in `root`, creating `uploads/`, `results/` and `tmp/`.
    pub fn open(root: &Path) -> Result<Self, JobsError> {
        for sub in ["uploads", "results", "tmp"] {
            let dir = root.join(sub);
            std::fs::create_dir_all(&dir).map_err(JobsError::io(&dir, "cannot create folder"))?;
        }
        let root = root
            .canonicalize()
            .map_err(JobsError::io(root, "cannot open the data folder"))?;
        let store = LocalFileSystem::new_with_prefix(&root)?;
        Ok(Storage {
            root,
            store: Arc::new(store),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The object store itself (for streaming reads).
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// A fresh private folder under `tmp/` for work in progress.
    pub fn tmp_dir(&self, name: &str) -> Result<PathBuf, JobsError> {
        let dir = self.root.join("tmp").join(checked_name(name)?);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(JobsError::io(&dir, "cannot clear folder"))?;
        }
        std::fs::create_dir_all(&dir).map_err(JobsError::io(&dir, "cannot create folder"))?;
        Ok(dir)
    }

    /// A path under `tmp/` for a file being received.
    pub fn tmp_file(&self, name: &str) -> Result<PathBuf, JobsError> {
        Ok(self.root.join("tmp").join(checked_name(name)?))
    }

    /// The key of an upload: `uploads/ID/input.EXT`.
    pub fn upload_key(id: &UploadId, ext: &str) -> String {
        if ext.is_empty() {
            format!("uploads/{id}/input")
        } else {
            format!("uploads/{id}/input.{ext}")
        }
    }

    /// The key of a result file.
    pub fn result_key(job: &JobId, name: &str) -> Result<String, JobsError> {
        Ok(format!("results/{job}/{}", checked_name(name)?))
    }

    /// The local file behind a key (the local store reads files in place).
    pub fn local_path(&self, key: &str) -> Result<PathBuf, JobsError> {
        Ok(self.store.path_to_filesystem(&Key::parse(key)?)?)
    }

    /// Moves a finished file from `tmp/` to its final key (blocking).
    pub fn commit_file(&self, tmp: &Path, key: &str) -> Result<u64, JobsError> {
        let from = self.key_of(tmp)?;
        let to = Key::parse(key)?;
        futures_executor::block_on(async {
            self.store.rename(&from, &to).await?;
            Ok::<_, JobsError>(self.store.head(&to).await?.size)
        })
    }

    /// Moves every finished file of `dir` (under `tmp/`) to `results/JOB/`,
    /// returning (name, size) for each, sorted by name. Hidden files (partial
    /// outputs) and folders are left behind.
    pub fn commit_results(&self, job: &JobId, dir: &Path) -> Result<Vec<(String, u64)>, JobsError> {
        let mut names = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(JobsError::io(dir, "cannot list outputs"))?;
        for entry in entries {
            let entry = entry.map_err(JobsError::io(dir, "cannot list outputs"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_file() || checked_name(&name).is_err() {
                continue;
            }
            names.push(name);
        }
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let size = self.commit_file(&dir.join(&name), &Self::result_key(job, &name)?)?;
            out.push((name, size));
        }
        Ok(out)
    }

    /// Removes everything under a key prefix (blocking).
    pub fn delete_prefix(&self, prefix: &str) -> Result<(), JobsError> {
        let folder = self.root.join(prefix);
        let prefix = Key::parse(prefix)?;
        let deleted = futures_executor::block_on(async {
            let mut list = self.store.list(Some(&prefix));
            while let Some(meta) = list.next().await {
                let meta = meta?;
                match self.store.delete(&meta.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(JobsError::from(e)),
                }
            }
            Ok(())
        });
        // The emptied folder (`results/JOB`, `uploads/ID`) goes too; the
        // top-level folders stay.
        if folder.starts_with(&self.root)
            && folder.components().count() > self.root.components().count() + 1
        {
            let _ = std::fs::remove_dir(&folder);
        }
        deleted
    }

    /// Size of the object at `key`, None when there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, JobsError> {
        match self.store.head(&Key::parse(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads `key`, or the bytes `range` of it.
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> Result<GetResult, JobsError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        Ok(self.store.get_opts(&Key::parse(key)?, options).await?)
    }

    fn key_of(&self, local: &Path) -> Result<Key, JobsError> {
        let rel = local.strip_prefix(&self.root).map_err(|_| JobsError::Io {
            path: local.to_path_buf(),
            action: "is outside the data folder",
            source: std::io::Error::other("outside the data folder"),
        })?;
        Ok(Key::from_iter(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        ))
    }
}

/// A single plain file name: no separators, not `.`/`..`, not hidden, not empty.
pub fn checked_name(name: &str) -> Result<&str, JobsError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0', ':'])
        && name.chars().all(|c| !c.is_control());
    if ok {
        Ok(name)
    } else {
        Err(JobsError::UnknownInput {
            field: "file".into(),
            message: format!("{name:?} is not a plain file name"),
        })
    }
}

/// The extension to store an upload under: the client name's extension,
/// lower-case, letters and digits only, at most 8 characters; else none.
pub fn safe_extension(client_name: &str) -> String {
    let base = client_name.rsplit(['/', '\\']).next().unwrap_or("");
    match base.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && !ext.is_empty()
                && ext.len() <= 8
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            ext.to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_extensions_cannot_climb() {
        assert!(checked_name("result.mp4").is_ok());
        for bad in [
            "../x",
            "..",
            ".",
            "a/b",
            "a\\b",
            "",
            ".hidden",
            "/etc/passwd",
        ] {
            assert!(checked_name(bad).is_err(), "{bad}");
        }
        assert_eq!(safe_extension("../../etc/passwd"), "");
        assert_eq!(safe_extension("clip.MP4"), "mp4");
        assert_eq!(safe_extension("x.tar/../../y"), "");
        assert_eq!(safe_extension("a.b c"), "");
        assert_eq!(safe_extension("..\\..\\win.ini"), "ini");
    }

    #[test]
    fn results_move_from_tmp_and_partials_stay_behind() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(dir.path()).unwrap();
        let job = JobId::new();
        let work = s.tmp_dir(job.as_str()).unwrap();
        std::fs::write(work.join("result.mp4"), b"12345").unwrap();
        std::fs::write(work.join(".result.mp4.partial-1.mp4"), b"12").unwrap();
        let out = s.commit_results(&job, &work).unwrap();
        assert_eq!(out, vec![("result.mp4".to_string(), 5)]);
        let key = Storage::result_key(&job, "result.mp4").unwrap();
        let local = s.local_path(&key).unwrap();
        assert_eq!(std::fs::read(&local).unwrap(), b"12345");
        assert!(local.starts_with(s.root().join("results")));
        assert!(!work.join("result.mp4").exists());
        s.delete_prefix(&format!("results/{job}")).unwrap();
        assert!(!local.exists());
    }
}

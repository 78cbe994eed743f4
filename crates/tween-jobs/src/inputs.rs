//! Turning an input reference into a file: an upload, a file inside the
//! allowed input folder, or a result of a finished job. Paths from clients
//! must stay inside the input folder, after symlinks too.

use std::path::{Component, Path, PathBuf};

use crate::error::JobsError;
use crate::model::{JobId, JobState, UploadId};
use crate::params::InputRef;
use crate::storage::{checked_name, Storage};
use crate::store::JobStore;

/// Resolves inputs for validation (at submit) and for runs.
#[derive(Debug, Clone)]
pub struct InputResolver {
    /// The folder `{"path": …}` inputs are relative to (canonical), if any.
    pub input_dir: Option<PathBuf>,
}

impl InputResolver {
    pub fn new(input_dir: Option<&Path>) -> Result<Self, JobsError> {
        let input_dir = match input_dir {
            Some(d) => Some(
                d.canonicalize()
                    .map_err(JobsError::io(d, "cannot open the input folder"))?,
            ),
            None => None,
        };
        Ok(InputResolver { input_dir })
    }

    /// The local file `input` names. `field` names it in errors.
    pub fn resolve(
        &self,
        store: &JobStore,
        storage: &Storage,
        field: &str,
        input: &InputRef,
    ) -> Result<PathBuf, JobsError> {
        match input {
            InputRef::Upload { upload } => {
                let unknown = || JobsError::UnknownInput {
                    field: field.to_string(),
                    message: format!("no upload {upload:?}"),
                };
                let id = UploadId::parse(upload).ok_or_else(unknown)?;
                let u = store.get_upload(&id)?.ok_or_else(unknown)?;
                storage.local_path(&u.stored)
            }
            InputRef::Path { path } => self.inside_input_dir(field, path),
            InputRef::Job { job, file } => {
                let unknown = |m: String| JobsError::UnknownInput {
                    field: field.to_string(),
                    message: m,
                };
                let id = JobId::parse(job).ok_or_else(|| unknown(format!("no job {job:?}")))?;
                let j = store
                    .get(&id)?
                    .ok_or_else(|| unknown(format!("no job {job:?}")))?;
                if j.state != JobState::Done {
                    return Err(unknown(format!(
                        "job {job} is {}, not done",
                        j.state.as_str()
                    )));
                }
                let name = checked_name(file)
                    .map_err(|_| unknown(format!("{file:?} is not a plain file name")))?;
                if !j.results.iter().any(|r| r.name == name) {
                    return Err(unknown(format!("job {job} has no result {file:?}")));
                }
                storage.local_path(&Storage::result_key(&id, name)?)
            }
        }
    }

    fn inside_input_dir(&self, field: &str, rel: &str) -> Result<PathBuf, JobsError> {
        let denied = |m: String| JobsError::PathNotAllowed {
            field: field.to_string(),
            message: m,
        };
        let Some(root) = &self.input_dir else {
            return Err(denied(
                "the server has no input folder (start it with --input-dir)".into(),
            ));
        };
        let p = Path::new(rel);
        if rel.contains('\0') || p.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(denied(format!(
                "{rel:?} must be a relative path inside the input folder, without `..`"
            )));
        }
        let full = root.join(p);
        let real = full.canonicalize().map_err(|_| JobsError::UnknownInput {
            field: field.to_string(),
            message: format!("{rel:?} does not exist in the input folder"),
        })?;
        if !real.starts_with(root) {
            return Err(denied(format!("{rel:?} leads outside the input folder")));
        }
        if !real.is_file() {
            return Err(JobsError::UnknownInput {
                field: field.to_string(),
                message: format!("{rel:?} is not a file"),
            });
        }
        Ok(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_input_folder() {
        let data = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(inputs.path().join("a.mp4"), b"x").unwrap();
        std::fs::create_dir(inputs.path().join("sub")).unwrap();
        std::fs::write(inputs.path().join("sub/b.mp4"), b"x").unwrap();
        std::fs::write(outside.path().join("secret"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), inputs.path().join("link"))
            .unwrap();
        let store = JobStore::open(&data.path().join("jobs.db")).unwrap();
        let storage = Storage::open(data.path()).unwrap();
        let r = InputResolver::new(Some(inputs.path())).unwrap();
        let path = |p: &str| InputRef::Path { path: p.into() };
        assert!(r.resolve(&store, &storage, "input", &path("a.mp4")).is_ok());
        assert!(r
            .resolve(&store, &storage, "input", &path("sub/b.mp4"))
            .is_ok());
        for bad in ["../a.mp4", "sub/../../x", "/etc/passwd", "link"] {
            let e = r
                .resolve(&store, &storage, "input", &path(bad))
                .unwrap_err();
            assert_eq!(e.code(), "path_not_allowed", "{bad}: {e}");
        }
        let e = r
            .resolve(&store, &storage, "input", &path("missing.mp4"))
            .unwrap_err();
        assert_eq!(e.code(), "unknown_input");
        let none = InputResolver::new(None).unwrap();
        assert_eq!(
            none.resolve(&store, &storage, "input", &path("a.mp4"))
                .unwrap_err()
                .code(),
            "path_not_allowed"
        );
        let e = r
            .resolve(
                &store,
                &storage,
                "first",
                &InputRef::Upload {
                    upload: "u_../../x".into(),
                },
            )
            .unwrap_err();
        assert_eq!(e.code(), "unknown_input");
        assert!(e.to_string().starts_with("first:"));
    }
}

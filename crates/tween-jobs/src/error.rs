//! Errors of the job queue.

use std::path::PathBuf;

/// A parameter a client sent cannot be used; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParamError {
    pub field: String,
    pub message: String,
}

impl ParamError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ParamError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// What went wrong in the store, the storage or input resolution.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobsError {
    #[error("job database {}: {source}", path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("storage: {0}")]
    Storage(#[from] object_store::Error),
    #[error("storage key: {0}")]
    Key(#[from] object_store::path::Error),
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Params(#[from] ParamError),
    /// A `{"path": …}` input that is absolute, climbs out with `..`, or
    /// resolves outside the input folder (or no input folder is set).
    #[error("{field}: {message}")]
    PathNotAllowed { field: String, message: String },
    /// An input that names an upload, job or file that does not exist.
    #[error("{field}: {message}")]
    UnknownInput { field: String, message: String },
    #[error("no job {0}")]
    JobNotFound(String),
    #[error("no upload {0}")]
    UploadNotFound(String),
    /// The job is done, failed or cancelled already.
    #[error("job {id} is {state} and cannot be cancelled")]
    NotCancellable { id: String, state: &'static str },
    /// Another process (another `tween serve`) holds the data folder's lock.
    #[error("{}: the data folder is in use by another tween server{}; stop it or choose another --data-dir", path.display(), holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    DataDirInUse {
        path: PathBuf,
        holder: Option<String>,
    },
    /// The client already has as many jobs queued or running as allowed.
    #[error("you have {active} jobs queued or running; this server allows {max} at a time. Wait for one to finish or cancel one")]
    TooManyJobs { active: u64, max: u64 },
    /// Deleting a job that is still queued or running.
    #[error("job {id} is {state}; cancel it before deleting it")]
    NotDeletable { id: String, state: &'static str },
}

impl JobsError {
    pub(crate) fn db(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> JobsError + '_ {
        move |source| JobsError::Database {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
    ) -> impl FnOnce(std::io::Error) -> JobsError {
        let path = path.into();
        move |source| JobsError::Io {
            path,
            action,
            source,
        }
    }

    /// A stable snake_case code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            JobsError::Database { .. }
            | JobsError::Storage(_)
            | JobsError::Key(_)
            | JobsError::Io { .. } => "internal",
            JobsError::Params(_) => "bad_params",
            JobsError::PathNotAllowed { .. } => "path_not_allowed",
            JobsError::UnknownInput { .. } => "unknown_input",
            JobsError::JobNotFound(_) | JobsError::UploadNotFound(_) => "not_found",
            JobsError::NotCancellable { .. } => "not_cancellable",
            JobsError::NotDeletable { .. } => "not_deletable",
            JobsError::DataDirInUse { .. } => "data_dir_in_use",
            JobsError::TooManyJobs { .. } => "too_many_jobs",
        }
    }
}

/// Why a job run failed: a stable code and a readable message, as the
/// runner reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct JobError {
    pub code: String,
    pub message: String,
}

impl JobError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        JobError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// The run stopped because the job was cancelled (or the server is stopping).
    pub fn cancelled() -> Self {
        JobError::new("cancelled", "cancelled")
    }

    pub fn is_cancelled(&self) -> bool {
        self.code == "cancelled"
    }
}

impl From<JobsError> for JobError {
    fn from(e: JobsError) -> Self {
        JobError::new(e.code(), e.to_string())
    }
}

//! The error type of tween-eval: what can stop an evaluation as a whole.
//!
//! A method that fails on one clip (non-zero exit, wrong frame count, frames
//! out of step with the source) does not stop the run: it is recorded in the
//! report as that method's error for that clip. `EvalError` is for what makes
//! the evaluation itself impossible: a bad configuration, a missing FFmpeg, an
//! unwritable output folder.

use std::path::PathBuf;

/// Errors that end [`crate::run`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start {program}: {source}")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} failed ({status}); log: {log}\n{stderr_tail}")]
    ChildFailed {
        what: String,
        status: String,
        log: PathBuf,
        stderr_tail: String,
    },
    #[error("{path}: {message}")]
    Decode { path: PathBuf, message: String },
    #[error("writing {path}: {message}")]
    Png { path: PathBuf, message: String },
    #[error("report JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl EvalError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> EvalError {
        let path = path.into();
        move |source| EvalError::Io { path, source }
    }
}

//! The one error type of the operations. Every message names the file or the
//! option it is about; [`OpsError::code`] gives a stable code for the API.

use std::path::PathBuf;

use tween_video::VideoError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpsError {
    /// An option has a value the operation cannot use.
    #[error("{0}")]
    Params(String),
    /// An input cannot be used (unreadable, too short, sizes differ…); the
    /// message names the file.
    #[error("{0}")]
    Input(String),
    /// The output cannot be written where asked; the message names it.
    #[error("{0}")]
    Output(String),
    /// The model named cannot be built (unknown, weights missing or of the
    /// wrong architecture, ONNX Runtime missing).
    #[error("{0}")]
    Model(String),
    /// Decoding or encoding failed.
    #[error(transparent)]
    Video(#[from] VideoError),
    /// An input or the output would be larger than the operation's
    /// [`Limits`](crate::Limits) allow.
    #[error(transparent)]
    Limit(#[from] crate::LimitError),
    /// Interpolation or upscaling failed partway; names the input.
    #[error("{}: {what} stopped: {message}", path.display())]
    Stopped {
        path: PathBuf,
        what: &'static str,
        message: String,
    },
    /// The caller cancelled the run (Ctrl-C, a cancelled job).
    #[error("cancelled")]
    Cancelled,
    /// A file operation failed.
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
}

impl OpsError {
    /// A stable snake_case code for machines (the API's error bodies).
    pub fn code(&self) -> &'static str {
        match self {
            OpsError::Params(_) => "bad_params",
            OpsError::Input(_) => "bad_input",
            OpsError::Output(_) => "output_error",
            OpsError::Model(_) => "model_error",
            OpsError::Limit(_) => "too_large",
            OpsError::Video(e) => match e {
                VideoError::ImageTooLarge { .. } => "too_large",
                VideoError::NotFound { .. }
                | VideoError::NotMedia { .. }
                | VideoError::InputRefused { .. }
                | VideoError::NoVideoStream { .. }
                | VideoError::UnsupportedCodec { .. }
                | VideoError::Corrupt { .. }
                | VideoError::Decode { .. } => "bad_input",
                VideoError::UnknownCodec { .. } | VideoError::Settings { .. } => "bad_params",
                _ => "encode_error",
            },
            OpsError::Stopped { .. } => "processing_error",
            OpsError::Cancelled => "cancelled",
            OpsError::Io { .. } => "io_error",
        }
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: &'static str,
        source: std::io::Error,
    ) -> Self {
        OpsError::Io {
            path: path.into(),
            action,
            source,
        }
    }
}

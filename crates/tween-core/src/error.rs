//! Errors of the planner and pipeline.

use crate::interpolate::InterpolateError;

/// What can go wrong while planning or running the pipeline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    #[error("invalid option: {0}")]
    InvalidOption(String),
    #[error("frame {index} is {actual_w}x{actual_h}, expected {expected_w}x{expected_h}")]
    FrameSize {
        index: u64,
        expected_w: u32,
        expected_h: u32,
        actual_w: u32,
        actual_h: u32,
    },
    #[error("source timestamps go backwards at frame {index}")]
    NonMonotonicTimestamps { index: u64 },
    #[error("interpolation failed: {0}")]
    Interpolate(#[from] InterpolateError),
    #[error("cancelled")]
    Cancelled,
    #[error("{stage} stage failed: {message}")]
    Stage {
        stage: &'static str,
        message: String,
    },
}

//! The upscaler trait: one frame in, one larger frame out.
//!
//! Implementations: the classical resampler in this crate (no weights) and the
//! neural Real-ESRGAN family in tween-nn. Upscalers work frame by frame and
//! keep no state between frames, so one instance serves a whole video and is
//! shared between threads.

use crate::Frame;

/// Why an upscale failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpscaleError {
    /// The frame is empty or too large for this upscaler.
    #[error("cannot upscale a {width}x{height} frame: {reason}")]
    BadFrame {
        width: u32,
        height: u32,
        reason: String,
    },
    /// The engine (ONNX Runtime, tiling) failed.
    #[error("{0}")]
    Backend(String),
}

/// Enlarges frames by a fixed integer factor.
pub trait Upscaler: Send + Sync {
    /// A short name for logs and reports ("lanczos3", "realesrgan-x4plus").
    fn name(&self) -> &str;
    /// The factor every output has: output = input × `scale()` on each axis.
    fn scale(&self) -> u32;
    /// Upscales one frame. The sample depth of the output is the input's.
    fn upscale(&self, frame: &Frame) -> Result<Frame, UpscaleError>;
}

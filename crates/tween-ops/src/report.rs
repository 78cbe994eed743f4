//! What a finished operation did.

use std::path::PathBuf;

use serde::Serialize;

/// The result of an operation: the files it wrote and what it took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Files written, under their final names.
    pub outputs: Vec<PathBuf>,
    /// Frames written (to the video, or as images).
    pub frames: u64,
    /// Frames made by interpolation.
    pub interpolated: u64,
    /// Scene cuts held instead of interpolated.
    pub scene_cuts: u64,
    /// Output frame rate, as an exact rational ("60000/1001"), for videos.
    pub rate: Option<String>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Extra facts for the front end (for `reencode`: the result's encoding).
    pub info: Option<serde_json::Value>,
}

impl Report {
    /// Output frames per second of wall-clock time.
    pub fn fps(&self) -> f64 {
        self.frames as f64 / self.seconds.max(1e-9)
    }
}

//! Frames by index out of a video, as PNG files: `tween extract IN --start N
//! --end M -o DIR`.

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tween_video::VideoReader;

use crate::{OpsError, PendingOutput, Report};

/// `tween extract`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtractRequest {
    pub input: PathBuf,
    /// Folder the PNGs go into (it must exist).
    pub output_dir: PathBuf,
    /// First frame, 0-based.
    pub start: u64,
    /// Last frame, 0-based, included.
    pub end: u64,
    /// Only the frames at `start` and `end`, not those between.
    #[serde(default)]
    pub ends_only: bool,
    #[serde(default)]
    pub overwrite: bool,
}

impl ExtractRequest {
    /// The file frame `index` is written to.
    pub fn file_for(&self, index: u64) -> PathBuf {
        self.output_dir.join(format!("frame_{index:06}.png"))
    }

    fn wanted(&self, index: u64) -> bool {
        if self.ends_only {
            index == self.start || index == self.end
        } else {
            (self.start..=self.end).contains(&index)
        }
    }
}

/// Runs `tween extract`. All PNGs appear together at the end, or none does.
pub fn extract(req: &ExtractRequest) -> Result<Report, OpsError> {
    if req.start > req.end {
        return Err(OpsError::Params(format!(
            "--start ({}) must not be after --end ({})",
            req.start, req.end
        )));
    }
    if !req.output_dir.is_dir() {
        return Err(OpsError::Output(format!(
            "{}: the output folder does not exist",
            req.output_dir.display()
        )));
    }
    let started = Instant::now();
    let reader = VideoReader::open(&req.input)?;
    if let Some(n) = reader.info().frame_count {
        // Headers can be off by a frame or two; only a clear overshoot is
        // refused before decoding (the exact check is below).
        if req.end >= n + 2 {
            return Err(OpsError::Params(format!(
                "{}: --end {} is past the last frame (the video has about {n} frames, 0..{})",
                req.input.display(),
                req.end,
                n.saturating_sub(1)
            )));
        }
    }
    let mut pending = Vec::new();
    let mut seen = 0u64;
    for (index, item) in (0u64..).zip(reader) {
        if index > req.end {
            break;
        }
        let tf = item?;
        seen = index + 1;
        if !req.wanted(index) {
            continue;
        }
        let out = PendingOutput::new(&req.file_for(index), req.overwrite, &[&req.input])?;
        let png = crate::stills::png_bytes(&tf.frame, out.final_path())?;
        std::fs::write(out.temp_path(), png)
            .map_err(|e| OpsError::io(out.final_path(), "cannot write", e))?;
        pending.push(out);
    }
    if seen <= req.end {
        return Err(OpsError::Params(format!(
            "{}: --end {} is past the last frame (the video has {seen} frames, 0..{})",
            req.input.display(),
            req.end,
            seen.saturating_sub(1)
        )));
    }
    let outputs = pending
        .into_iter()
        .map(PendingOutput::commit)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        frames: outputs.len() as u64,
        outputs,
        seconds: started.elapsed().as_secs_f64(),
        ..Report::default()
    })
}

//! Progress and cancellation, handed in by whoever runs the pipeline (the CLI
//! draws a bar, the server updates job state).

/// Receives progress; returning `false` from [`Progress::advance`] cancels the run.
pub trait Progress: Send + Sync {
    /// Called once, with the number of output frames when it is known.
    fn start(&self, total_frames: Option<u64>);
    /// `frames` more output frames were written. Return `false` to cancel.
    fn advance(&self, frames: u64) -> bool;
    /// Called once when the run ends, successfully or not.
    fn finish(&self) {}
}

/// Progress that reports nothing and never cancels.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total_frames: Option<u64>) {}
    fn advance(&self, _frames: u64) -> bool {
        true
    }
}

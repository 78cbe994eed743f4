//! The CLI's progress: an indicatif bar with frames, fps and ETA, and
//! Ctrl-C turned into a clean cancellation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tween_core::Progress;

/// A progress bar that also reports cancellation requested by Ctrl-C.
pub struct BarProgress {
    bar: ProgressBar,
    cancel: Arc<AtomicBool>,
}

impl BarProgress {
    pub fn new(quiet: bool, cancel: Arc<AtomicBool>) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if quiet {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        BarProgress { bar, cancel }
    }
}

impl Progress for BarProgress {
    fn start(&self, total_frames: Option<u64>) {
        let style = match total_frames {
            Some(n) => {
                self.bar.set_length(n);
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} frames {per_sec} ETA {eta}",
                )
            }
            None => {
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos} frames {per_sec}")
            }
        };
        self.bar
            .set_style(style.expect("valid template").progress_chars("=> "));
    }

    fn advance(&self, frames: u64) -> bool {
        // `advance(0)` only asks whether to go on (the flush and commit ask it).
        if frames == 0 {
            return !self.cancel.load(Ordering::Relaxed);
        }
        // Past an estimated total (frame counts in headers are estimates), grow it.
        if let Some(len) = self.bar.length() {
            if self.bar.position() + frames > len {
                self.bar.set_length(self.bar.position() + frames);
            }
        }
        self.bar.inc(frames);
        !self.cancel.load(Ordering::Relaxed)
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Set once Ctrl-C (or SIGTERM, SIGHUP) has been received.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether the run was interrupted: `main` then says what became of the
/// output (removed, or already complete and kept) and exits with 130.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Installs a handler for Ctrl-C (SIGINT), SIGTERM and SIGHUP that sets the
/// returned flag, so the run stops at the next frame, or during the
/// encoder's final flush, and cleans up (once per process). Whether the
/// output was still removed is known only when the run returns: the
/// handler promises nothing, `main` reports what happened.
pub fn ctrl_c_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // Fails only if a handler is already installed (a second command in-process).
    let _ = ctrlc::set_handler(move || {
        INTERRUPTED.store(true, Ordering::SeqCst);
        f.store(true, Ordering::SeqCst);
        eprintln!("\ninterrupted: stopping");
    });
    flag
}

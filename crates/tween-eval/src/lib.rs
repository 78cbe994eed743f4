//! tween-eval: quality and speed of tween against FFmpeg's `minterpolate`
//! (motion-compensated) and a cross-fade, on generated clips whose in-between
//! frames are known exactly. The library behind `tween eval`.
//!
//! For each clip ([`ClipKind`]) the scene is rendered at twice the input rate;
//! the even frames are encoded losslessly as the 30 fps input, the odd frames
//! are held out. Each method runs as a child process (wall time and peak RSS
//! sampled from /proc), its output is decoded and frame 2k+1 is scored
//! (PSNR over RGB, SSIM on luma) against held-out frame 2k+1.
//!
//! ```no_run
//! let mut cfg = tween_eval::EvalConfig::new("eval-out");
//! cfg.tween_binary = Some(std::env::current_exe().unwrap());
//! let report = tween_eval::run(&cfg)?;
//! report.print_table();
//! report.write_json(&cfg.out_dir.join("report.json"))?;
//! # Ok::<(), tween_eval::EvalError>(())
//! ```

pub mod align;
pub mod child;
pub mod clips;
pub mod decode;
pub mod error;
pub mod real;
pub mod report;
mod runner;
pub mod scene;
pub mod texture;
pub mod worst;

pub use clips::{Clip, ClipKind};
pub use error::EvalError;
pub use real::{run_real, RealConfig, RealReport, RealScore, RealSequence, RealWorst};
pub use report::{
    ClipReport, EvalReport, Method, MethodResult, MethodSummary, TargetCheck, TargetStatus,
    WorstFrame,
};
pub use runner::MAX_MISSING_TAIL;

use std::path::PathBuf;

/// What to evaluate and where.
#[derive(Clone, Debug)]
pub struct EvalConfig {
    /// Frame size (default 1280x720; the fps target is stated at that size).
    pub width: u32,
    pub height: u32,
    /// Input frames per clip (default 40); the ground truth has twice as many.
    pub frames: u32,
    /// Clips to run, in order (default: all).
    pub clips: Vec<ClipKind>,
    /// Working folder: one sub-folder per clip (inputs, outputs, logs),
    /// `report.json` and `worst.png` are written here by [`run`].
    pub out_dir: PathBuf,
    /// The `tween` executable; `None` runs the baselines only.
    pub tween_binary: Option<PathBuf>,
    /// Run the minterpolate and blend baselines (default true).
    pub baselines: bool,
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    /// Keep the input and output videos (logs are always kept).
    pub keep_intermediates: bool,
    /// Seed of the procedural textures and sprite paths.
    pub seed: u64,
}

impl EvalConfig {
    /// The defaults, writing under `out_dir`, with no tween binary set.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        EvalConfig {
            width: 1280,
            height: 720,
            frames: 40,
            clips: ClipKind::ALL.to_vec(),
            out_dir: out_dir.into(),
            tween_binary: None,
            baselines: true,
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
            keep_intermediates: false,
            seed: 1,
        }
    }

    /// The methods this configuration runs, in report order.
    pub fn methods(&self) -> Vec<Method> {
        let mut m = Vec::new();
        if self.tween_binary.is_some() {
            m.push(Method::Tween);
        }
        if self.baselines {
            m.extend([Method::Minterpolate, Method::Blend]);
        }
        m
    }

    /// Checks the configuration before any work starts.
    pub fn validate(&self) -> Result<(), EvalError> {
        let bad = |m: String| Err(EvalError::InvalidConfig(m));
        if self.width < 32 || self.height < 32 || (self.width | self.height) & 1 != 0 {
            return bad(format!(
                "size {}x{}: width and height must be even and at least 32",
                self.width, self.height
            ));
        }
        if self.width > 7680 || self.height > 4320 {
            return bad(format!(
                "size {}x{} is larger than 7680x4320",
                self.width, self.height
            ));
        }
        if self.frames < 3 {
            return bad(format!(
                "{} input frames per clip: at least 3 are needed",
                self.frames
            ));
        }
        if self.clips.is_empty() {
            return bad("no clips selected".into());
        }
        if self.methods().is_empty() {
            return bad("nothing to run: no tween binary and baselines off".into());
        }
        Ok(())
    }
}

/// Runs the evaluation: every clip through every method, then the summary,
/// the targets, `report.json` and (when tween ran) `worst.png` in `out_dir`.
pub fn run(cfg: &EvalConfig) -> Result<EvalReport, EvalError> {
    cfg.validate()?;
    std::fs::create_dir_all(&cfg.out_dir).map_err(EvalError::io(&cfg.out_dir))?;
    let mut clips = Vec::new();
    let mut worst: Option<runner::WorstCandidate> = None;
    for &kind in &cfg.clips {
        let (report, candidate) =
            runner::run_clip(cfg, kind, worst.as_ref().map(|w| w.tween_psnr_db))?;
        clips.push(report);
        if candidate.is_some() {
            worst = candidate;
        }
    }
    let methods = cfg.methods();
    let overall = methods
        .iter()
        .filter_map(|&m| report::summarise(&clips, m, None))
        .collect();
    let targets = report::targets(&clips, cfg.width, cfg.height);
    let worst_frame = match worst {
        Some(w) => {
            let png = "worst.png";
            worst::write_png(
                &cfg.out_dir.join(png),
                &w.truth,
                &w.tween,
                w.minterpolate.as_ref(),
            )?;
            Some(WorstFrame {
                clip: w.clip,
                frame: w.frame,
                tween_psnr_db: w.tween_psnr_db,
                minterpolate_psnr_db: w.minterpolate_psnr_db,
                png: png.into(),
                panels: worst::PANELS.iter().map(|s| s.to_string()).collect(),
            })
        }
        None => None,
    };
    let report = EvalReport {
        width: cfg.width,
        height: cfg.height,
        input_frames: cfg.frames,
        input_fps: decode::INPUT_FPS,
        factor: 2,
        psnr_cap_db: report::PSNR_CAP_DB,
        clips,
        overall,
        targets,
        worst: worst_frame,
    };
    report.write_json(&cfg.out_dir.join("report.json"))?;
    Ok(report)
}

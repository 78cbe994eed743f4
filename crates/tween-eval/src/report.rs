//! The evaluation report: per-clip and overall results of each method, the
//! project's targets with PASS/MISS, a fixed-width table and `report.json`.
//!
//! PSNR of identical frames is infinite; every per-frame PSNR is capped at
//! [`PSNR_CAP_DB`] before averaging (and so that the JSON holds only numbers).
//! Averages are over frames ("mean over all scored frames"), not over clips.

use crate::clips::ClipKind;
use crate::error::EvalError;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// Per-frame PSNR values above this (identical frames: infinity) count as this.
pub const PSNR_CAP_DB: f64 = 100.0;

/// The project's targets, as stated for `tween eval`.
pub const TARGET_PSNR_GAIN_DB: f64 = 1.5;
pub const TARGET_SPEEDUP: f64 = 5.0;
pub const TARGET_FPS_720P: f64 = 30.0;

/// The interpolation methods compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The `tween interpolate` command.
    Tween,
    /// FFmpeg's motion-compensated `minterpolate` (mci, aobmc, bidir, vsbmc).
    Minterpolate,
    /// FFmpeg's `minterpolate=mi_mode=blend`: a cross-fade.
    Blend,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Tween => "tween",
            Method::Minterpolate => "minterpolate",
            Method::Blend => "blend",
        }
    }
}

/// One method on one clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    pub method: Method,
    /// Why this method has no scores on this clip (failed run, wrong frame
    /// count or size, frames out of step with the source); `None` when scored.
    pub error: Option<String>,
    pub wall_s: Option<f64>,
    pub peak_rss_mib: Option<f64>,
    pub output_frames: Option<usize>,
    /// Output frames per wall-clock second.
    pub fps: Option<f64>,
    /// Mean PSNR of output frame 2k against input frame k (infinite, capped,
    /// for a lossless passthrough; ~50 dB through FFmpeg's YUV 4:4:4 filters).
    /// See [`crate::align`] for the alignment check it is part of.
    pub source_psnr_db: Option<f64>,
    pub psnr_db: Option<f64>,
    pub ssim: Option<f64>,
    /// Per scored frame, in the order of [`ClipReport::scored_frames`].
    pub frame_psnr_db: Vec<f64>,
    pub frame_ssim: Vec<f64>,
}

/// All methods on one clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipReport {
    pub clip: ClipKind,
    /// Ground-truth indices (odd) of the held-out frames scored, the same for
    /// every method: those every successful method produced.
    pub scored_frames: Vec<u32>,
    pub methods: Vec<MethodResult>,
}

/// One method over all clips it succeeded on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodSummary {
    pub method: Method,
    pub clips_ok: usize,
    pub clips_failed: usize,
    pub scored_frames: usize,
    pub psnr_db: Option<f64>,
    pub ssim: Option<f64>,
    pub wall_s: f64,
    pub output_frames: usize,
    pub fps: Option<f64>,
    pub peak_rss_mib: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetStatus {
    Pass,
    Miss,
    /// Not measurable in this run (a method missing or failed, another size).
    NotApplicable,
}

/// One of the project's targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    pub name: String,
    pub value: Option<f64>,
    /// The value must be at least this.
    pub target: f64,
    pub unit: String,
    pub status: TargetStatus,
    pub note: Option<String>,
}

/// The tween frame with the lowest PSNR, saved as a picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorstFrame {
    pub clip: ClipKind,
    /// Ground-truth frame index (odd).
    pub frame: u32,
    pub tween_psnr_db: f64,
    pub minterpolate_psnr_db: Option<f64>,
    /// File name of the PNG, relative to the report.
    pub png: String,
    /// Panels of the PNG from left to right.
    pub panels: Vec<String>,
}

/// Everything `tween eval` measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub width: u32,
    pub height: u32,
    pub input_frames: u32,
    pub input_fps: u32,
    pub factor: u32,
    pub psnr_cap_db: f64,
    pub clips: Vec<ClipReport>,
    pub overall: Vec<MethodSummary>,
    pub targets: Vec<TargetCheck>,
    pub worst: Option<WorstFrame>,
}

fn mean(v: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (s, n) = v
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Summary of `method` over the clips where it succeeded and, when `with` is
/// given, where that other method succeeded too.
pub(crate) fn summarise(
    clips: &[ClipReport],
    method: Method,
    with: Option<Method>,
) -> Option<MethodSummary> {
    let ok = |c: &ClipReport, m: Method| {
        c.methods
            .iter()
            .find(|r| r.method == m)
            .is_some_and(|r| r.error.is_none())
    };
    let results: Vec<&MethodResult> = clips
        .iter()
        .filter(|c| match with {
            Some(w) => ok(c, w),
            None => true,
        })
        .filter_map(|c| c.methods.iter().find(|r| r.method == method))
        .collect();
    if results.is_empty() {
        return None;
    }
    let good: Vec<&&MethodResult> = results.iter().filter(|r| r.error.is_none()).collect();
    let wall_s: f64 = good.iter().filter_map(|r| r.wall_s).sum();
    let output_frames: usize = good.iter().filter_map(|r| r.output_frames).sum();
    Some(MethodSummary {
        method,
        clips_ok: good.len(),
        clips_failed: results.len() - good.len(),
        scored_frames: good.iter().map(|r| r.frame_psnr_db.len()).sum(),
        psnr_db: mean(good.iter().flat_map(|r| r.frame_psnr_db.iter().copied())),
        ssim: mean(good.iter().flat_map(|r| r.frame_ssim.iter().copied())),
        wall_s,
        output_frames,
        fps: (wall_s > 0.0).then(|| output_frames as f64 / wall_s),
        peak_rss_mib: good.iter().filter_map(|r| r.peak_rss_mib).reduce(f64::max),
    })
}

fn check(
    name: &str,
    value: Option<f64>,
    target: f64,
    unit: &str,
    note: Option<String>,
) -> TargetCheck {
    let status = match value {
        Some(v) if note.is_none() => {
            if v >= target {
                TargetStatus::Pass
            } else {
                TargetStatus::Miss
            }
        }
        _ => TargetStatus::NotApplicable,
    };
    TargetCheck {
        name: name.into(),
        value,
        target,
        unit: unit.into(),
        status,
        note,
    }
}

/// The three targets, measured on the clips where both tween and minterpolate succeeded.
pub(crate) fn targets(clips: &[ClipReport], width: u32, height: u32) -> Vec<TargetCheck> {
    let t = summarise(clips, Method::Tween, Some(Method::Minterpolate));
    let m = summarise(clips, Method::Minterpolate, Some(Method::Tween));
    let missing = || Some("needs tween and minterpolate results on the same clips".to_string());
    let both = |f: &dyn Fn(&MethodSummary, &MethodSummary) -> Option<f64>| match (&t, &m) {
        (Some(t), Some(m)) if t.clips_ok > 0 => f(t, m),
        _ => None,
    };
    let gain = both(&|t, m| Some(t.psnr_db? - m.psnr_db?));
    let speed = both(&|t, m| Some(t.fps? / m.fps?));
    let fps = summarise(clips, Method::Tween, None).and_then(|s| s.fps);
    let size_note = ((width, height) != (1280, 720))
        .then(|| format!("the target is for 1280x720; this run is {width}x{height}"));
    vec![
        check(
            "tween PSNR - minterpolate PSNR",
            gain,
            TARGET_PSNR_GAIN_DB,
            "dB",
            gain.is_none().then(missing).flatten(),
        ),
        check(
            "tween speed / minterpolate speed",
            speed,
            TARGET_SPEEDUP,
            "x",
            speed.is_none().then(missing).flatten(),
        ),
        check(
            "tween output fps at 1280x720 2x",
            fps,
            TARGET_FPS_720P,
            "fps",
            if fps.is_none() {
                Some("no tween results".into())
            } else {
                size_note
            },
        ),
    ]
}

fn opt(v: Option<f64>, width: usize, prec: usize) -> String {
    match v {
        Some(x) => format!("{x:>width$.prec$}"),
        None => format!("{:>width$}", "-"),
    }
}

impl EvalReport {
    /// The report as a fixed-width text table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "tween eval: {}x{}, {} input frames per clip at {} fps, {}x; PSNR/SSIM on held-out frames only",
            self.width, self.height, self.input_frames, self.input_fps, self.factor
        );
        let header = format!(
            "{:<11} {:<13} {:>8} {:>7} {:>8} {:>8} {:>9} {:>6}",
            "clip", "method", "PSNR dB", "SSIM", "wall s", "fps", "peak MiB", "frames"
        );
        let _ = writeln!(s, "{header}\n{}", "-".repeat(header.len()));
        for c in &self.clips {
            for (i, r) in c.methods.iter().enumerate() {
                let clip = if i == 0 { c.clip.name() } else { "" };
                let _ = write!(s, "{:<11} {:<13} ", clip, r.method.name());
                match &r.error {
                    None => {
                        let _ = writeln!(
                            s,
                            "{} {} {} {} {} {:>6}",
                            opt(r.psnr_db, 8, 2),
                            opt(r.ssim, 7, 4),
                            opt(r.wall_s, 8, 2),
                            opt(r.fps, 8, 1),
                            opt(r.peak_rss_mib, 9, 1),
                            c.scored_frames.len()
                        );
                    }
                    Some(e) => {
                        let _ = writeln!(s, "FAILED: {}", e.lines().next().unwrap_or(""));
                    }
                }
            }
        }
        let _ = writeln!(s, "{}", "-".repeat(header.len()));
        for (i, o) in self.overall.iter().enumerate() {
            let failed = if o.clips_failed > 0 {
                format!("  ({} clip(s) failed)", o.clips_failed)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{:<11} {:<13} {} {} {} {} {} {:>6}{failed}",
                if i == 0 { "overall" } else { "" },
                o.method.name(),
                opt(o.psnr_db, 8, 2),
                opt(o.ssim, 7, 4),
                opt(Some(o.wall_s), 8, 2),
                opt(o.fps, 8, 1),
                opt(o.peak_rss_mib, 9, 1),
                o.scored_frames
            );
        }
        let _ = writeln!(s, "\ntargets:");
        for t in &self.targets {
            let value = match t.value {
                Some(v) if t.unit == "dB" => format!("{v:+.2} dB"),
                Some(v) => format!("{v:.2} {}", t.unit),
                None => "-".into(),
            };
            let status = match t.status {
                TargetStatus::Pass => "PASS",
                TargetStatus::Miss => "MISS",
                TargetStatus::NotApplicable => "N/A",
            };
            let target = if t.unit == "dB" {
                format!(">= {:+} dB", t.target)
            } else {
                format!(">= {} {}", t.target, t.unit)
            };
            let note = t
                .note
                .as_deref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {:<34} {:>12}   target {:<12} {status}{note}",
                t.name, value, target
            );
        }
        if let Some(w) = &self.worst {
            let _ = writeln!(
                s,
                "\nworst tween frame: {} frame {} at {:.2} dB -> {} [{}]",
                w.clip,
                w.frame,
                w.tween_psnr_db,
                w.png,
                w.panels.join(" | ")
            );
        }
        s
    }

    /// Prints [`EvalReport::table`] to standard output.
    pub fn print_table(&self) {
        print!("{}", self.table());
    }

    /// Writes the report as pretty JSON.
    pub fn write_json(&self, path: &Path) -> Result<(), EvalError> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").map_err(EvalError::io(path))
    }

    /// Reads a report written by [`EvalReport::write_json`].
    pub fn read_json(path: &Path) -> Result<EvalReport, EvalError> {
        let text = std::fs::read_to_string(path).map_err(EvalError::io(path))?;
        Ok(serde_json::from_str(&text)?)
    }
}

//! Real footage: 2x interpolation scored on held-out frames of camera clips,
//! in the layout and protocol of `shared/eval/real` (DAVIS): `DIR/<seq>/00000.jpg …`
//! (JPEG or PNG, in file-name order).
//!
//! Each frame is decoded once (to 8-bit RGB); the even frames become the
//! 30 fps input, written losslessly as the synthetic eval writes its inputs
//! ([`encode_input`]), and the odd frames between two inputs are held out and
//! scored. tween and FFmpeg's minterpolate run as measured child processes;
//! minterpolate emits nothing for the last interval, so its input gets the last
//! frame once more (`tpad`), as the protocol says. The blend baseline is
//! computed here: `(a + b + 1) >> 1` per RGB sample.
//!
//! PSNR (RGB, peak 255) pools the squared error over all held-out frames of a
//! sequence, and over all sequences for the ALL row. SSIM (luma, σ = 1.5, see
//! [`tween_core::metrics::ssim`]) is the mean of the per-frame values.

use crate::align::Alignment;
use crate::child::{log_tail, run_measured};
use crate::decode::{decode_frames, encode_input, probe_size, INPUT_FILE, INPUT_FPS};
use crate::error::EvalError;
use crate::report::Method;
use crate::runner::{ffmpeg_command, minterpolate_filter, tween_command};
use crate::worst;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tween_core::metrics::ssim;
use tween_core::{Frame, Pixels};

/// File name of the JSON report, in the output folder.
pub const REAL_REPORT_FILE: &str = "real.json";

/// What to evaluate and where.
#[derive(Clone, Debug)]
pub struct RealConfig {
    /// Folder of sequences: `dir/<seq>/` holds the frames.
    pub dir: PathBuf,
    /// Sequences to run (default: every sub-folder with frames, by name).
    pub sequences: Vec<String>,
    /// Working folder: `real/<seq>/` (input, outputs, logs), `real.json` and
    /// `worst-<seq>.png`.
    pub out_dir: PathBuf,
    /// The `tween` executable; `None` runs the baselines only.
    pub tween_binary: Option<PathBuf>,
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
    /// Keep the input and output videos (logs are always kept).
    pub keep_intermediates: bool,
}

impl RealConfig {
    pub fn new(dir: impl Into<PathBuf>, out_dir: impl Into<PathBuf>) -> Self {
        RealConfig {
            dir: dir.into(),
            sequences: Vec::new(),
            out_dir: out_dir.into(),
            tween_binary: None,
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
            keep_intermediates: false,
        }
    }
}

/// One method on one sequence (or, in [`RealReport::all`], on all of them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealScore {
    pub method: Method,
    /// Why this method has no scores here; `None` when scored.
    pub error: Option<String>,
    /// Wall-clock seconds of the child process (none for blend, computed in process).
    pub wall_s: Option<f64>,
    /// PSNR of the MSE pooled over all scored frames (infinite MSE 0 is capped at 100 dB).
    pub psnr_db: Option<f64>,
    /// Mean of the per-frame SSIM values.
    pub ssim: Option<f64>,
    /// Sum of squared errors and number of samples behind `psnr_db`.
    pub sse: f64,
    pub samples: u64,
    pub frame_psnr_db: Vec<f64>,
    pub frame_ssim: Vec<f64>,
}

/// The tween frame with the lowest PSNR of a sequence, saved as a picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealWorst {
    /// Source frame index (odd).
    pub frame: u32,
    pub tween_psnr_db: f64,
    pub minterpolate_psnr_db: Option<f64>,
    /// File name of the PNG, relative to the report.
    pub png: String,
    pub panels: Vec<String>,
}

/// All methods on one sequence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealSequence {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub source_frames: usize,
    pub input_frames: usize,
    /// Source frame indices (odd) scored for every method.
    pub scored_frames: Vec<u32>,
    pub methods: Vec<RealScore>,
    pub worst: Option<RealWorst>,
}

/// Everything `tween eval --real` measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealReport {
    pub dir: PathBuf,
    pub input_fps: u32,
    pub factor: u32,
    pub sequences: Vec<RealSequence>,
    /// Each method pooled over the sequences where it succeeded.
    pub all: Vec<RealScore>,
}

fn psnr_of(sse: f64, samples: u64) -> Option<f64> {
    (samples > 0).then(|| {
        if sse == 0.0 {
            crate::report::PSNR_CAP_DB
        } else {
            10.0 * (255.0f64 * 255.0 * samples as f64 / sse).log10()
        }
    })
}

fn bytes(f: &Frame) -> &[u8] {
    match f.pixels() {
        Pixels::U8(b) => b,
        Pixels::U16(_) => unreachable!("real footage is decoded to 8-bit RGB"),
    }
}

fn sse(a: &Frame, b: &Frame) -> f64 {
    bytes(a)
        .par_chunks(1 << 16)
        .zip(bytes(b).par_chunks(1 << 16))
        .map(|(x, y)| {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| {
                    let d = p as i64 - q as i64;
                    (d * d) as u64
                })
                .sum::<u64>()
        })
        .sum::<u64>() as f64
}

impl RealScore {
    fn failed(method: Method, wall_s: Option<f64>, error: String) -> Self {
        RealScore {
            method,
            error: Some(error),
            wall_s,
            psnr_db: None,
            ssim: None,
            sse: 0.0,
            samples: 0,
            frame_psnr_db: Vec::new(),
            frame_ssim: Vec::new(),
        }
    }

    /// Scores `outputs[i]` against `held[i]`.
    fn scored(method: Method, wall_s: Option<f64>, outputs: &[Frame], held: &[Frame]) -> Self {
        let per: Vec<(f64, u64, f64)> = outputs
            .iter()
            .zip(held)
            .map(|(o, t)| (sse(o, t), bytes(t).len() as u64, ssim(o, t)))
            .collect();
        let sse: f64 = per.iter().map(|p| p.0).sum();
        let samples: u64 = per.iter().map(|p| p.1).sum();
        let frame_ssim: Vec<f64> = per.iter().map(|p| p.2).collect();
        RealScore {
            method,
            error: None,
            wall_s,
            psnr_db: psnr_of(sse, samples),
            ssim: mean(&frame_ssim),
            sse,
            samples,
            frame_psnr_db: per.iter().filter_map(|p| psnr_of(p.0, p.1)).collect(),
            frame_ssim,
        }
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The sequences of `cfg.dir` to run, as (name, frame files in order).
fn sequences(cfg: &RealConfig) -> Result<Vec<(String, Vec<PathBuf>)>, EvalError> {
    let entries = std::fs::read_dir(&cfg.dir).map_err(EvalError::io(&cfg.dir))?;
    let mut found = Vec::new();
    for e in entries {
        let path = e.map_err(EvalError::io(&cfg.dir))?.path();
        if !path.is_dir() {
            continue;
        }
        let mut frames: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(EvalError::io(&path))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                    ["jpg", "jpeg", "png"].contains(&x.to_ascii_lowercase().as_str())
                })
            })
            .collect();
        if frames.is_empty() {
            continue;
        }
        frames.sort();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        found.push((name, frames));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    if !cfg.sequences.is_empty() {
        for want in &cfg.sequences {
            if !found.iter().any(|(n, _)| n == want) {
                let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
                return Err(EvalError::InvalidConfig(format!(
                    "{}: no sequence '{want}' (sequences: {})",
                    cfg.dir.display(),
                    names.join(", ")
                )));
            }
        }
        found.retain(|(n, _)| cfg.sequences.contains(n));
    }
    if found.is_empty() {
        return Err(EvalError::InvalidConfig(format!(
            "{}: no sequence folders with .jpg or .png frames",
            cfg.dir.display()
        )));
    }
    Ok(found)
}

/// Decodes every file once to 8-bit RGB; all must have the first one's size.
fn decode_all(files: &[PathBuf]) -> Result<Vec<Frame>, EvalError> {
    let frames: Vec<Frame> = files
        .par_iter()
        .map(|p| {
            let img = image::open(p).map_err(|e| EvalError::Decode {
                path: p.clone(),
                message: e.to_string(),
            })?;
            let rgb = img.into_rgb8();
            Ok(Frame::from_u8(rgb.width(), rgb.height(), rgb.into_raw()))
        })
        .collect::<Result<_, EvalError>>()?;
    if let Some((i, f)) = frames
        .iter()
        .enumerate()
        .find(|(_, f)| !f.same_shape(&frames[0]))
    {
        return Err(EvalError::Decode {
            path: files[i].clone(),
            message: format!(
                "{}x{}, but {} is {}x{}",
                f.width(),
                f.height(),
                files[0].display(),
                frames[0].width(),
                frames[0].height()
            ),
        });
    }
    Ok(frames)
}

/// Runs every sequence through tween, minterpolate and blend; writes
/// `real.json` and the worst-frame pictures in `cfg.out_dir`.
pub fn run_real(cfg: &RealConfig) -> Result<RealReport, EvalError> {
    let seqs = sequences(cfg)?;
    std::fs::create_dir_all(&cfg.out_dir).map_err(EvalError::io(&cfg.out_dir))?;
    let mut out = Vec::new();
    for (name, files) in seqs {
        out.push(run_sequence(cfg, &name, &files)?);
    }
    let methods: Vec<Method> = out
        .first()
        .map(|s| s.methods.iter().map(|m| m.method).collect())
        .unwrap_or_default();
    let all = methods
        .iter()
        .map(|&m| {
            let ok: Vec<&RealScore> = out
                .iter()
                .filter_map(|s| s.methods.iter().find(|r| r.method == m))
                .filter(|r| r.error.is_none())
                .collect();
            let sse = ok.iter().map(|r| r.sse).sum();
            let samples = ok.iter().map(|r| r.samples).sum();
            let frame_psnr_db: Vec<f64> = ok.iter().flat_map(|r| r.frame_psnr_db.clone()).collect();
            let frame_ssim: Vec<f64> = ok.iter().flat_map(|r| r.frame_ssim.clone()).collect();
            RealScore {
                method: m,
                error: ok
                    .is_empty()
                    .then(|| "failed on every sequence".to_string()),
                wall_s: ok.iter().map(|r| r.wall_s).sum(),
                psnr_db: psnr_of(sse, samples),
                ssim: mean(&frame_ssim),
                sse,
                samples,
                frame_psnr_db,
                frame_ssim,
            }
        })
        .collect();
    let report = RealReport {
        dir: cfg.dir.clone(),
        input_fps: INPUT_FPS,
        factor: 2,
        sequences: out,
        all,
    };
    report.write_json(&cfg.out_dir.join(REAL_REPORT_FILE))?;
    Ok(report)
}

fn run_sequence(
    cfg: &RealConfig,
    name: &str,
    files: &[PathBuf],
) -> Result<RealSequence, EvalError> {
    tracing::info!(sequence = name, "decoding {} frames", files.len());
    let frames = decode_all(files)?;
    if frames.len() < 3 {
        return Err(EvalError::InvalidConfig(format!(
            "{}: {} frame(s); at least 3 are needed (two inputs and the one between)",
            cfg.dir.join(name).display(),
            frames.len()
        )));
    }
    let (w, h) = (frames[0].width(), frames[0].height());
    let n_in = frames.len().div_ceil(2);
    let inputs: Vec<Frame> = frames.iter().step_by(2).cloned().collect();
    // Odd frames with an input on each side: 1, 3, …, 2·n_in − 3.
    let held: Vec<Frame> = (0..n_in - 1).map(|k| frames[2 * k + 1].clone()).collect();
    drop(frames);
    let dir = cfg.out_dir.join("real").join(name);
    std::fs::create_dir_all(&dir).map_err(EvalError::io(&dir))?;
    let input = dir.join(INPUT_FILE);
    encode_input(
        &cfg.ffmpeg,
        &input,
        &dir.join("encode.log"),
        (w, h),
        n_in as u32,
        |i| inputs[i as usize].clone(),
    )?;

    let mut methods = Vec::new();
    let mut outputs: Vec<(Method, Vec<Frame>)> = Vec::new();
    let runs: Vec<(Method, &str)> = cfg
        .tween_binary
        .iter()
        .map(|_| (Method::Tween, "tween.nut"))
        .chain([(Method::Minterpolate, "mi.nut")])
        .collect();
    for (method, file) in runs {
        let output = dir.join(file);
        let mut cmd = match method {
            Method::Tween => tween_command(
                cfg.tween_binary.as_deref().expect("only run with a binary"),
                &input,
                &output,
            ),
            _ => ffmpeg_command(
                &cfg.ffmpeg,
                // The last interval needs one more input frame: repeat the last one.
                &format!("tpad=stop=1:stop_mode=clone,{}", minterpolate_filter()),
                &input,
                &output,
            ),
        };
        tracing::info!(sequence = name, method = method.name(), "running");
        let log = dir.join(format!("{}.log", method.name()));
        let stats = run_measured(&mut cmd, &log)?;
        let result = match &stats.failure {
            Some(f) => Err(format!("{f}: {}", log_tail(&log, 400))),
            None => read_output(cfg, method, &output, &dir, (w, h), &inputs, held.len()),
        };
        match result {
            Ok(frames) => {
                methods.push(RealScore::scored(
                    method,
                    Some(stats.wall_s),
                    &frames,
                    &held,
                ));
                outputs.push((method, frames));
            }
            Err(e) => {
                tracing::warn!(sequence = name, method = method.name(), "{e}");
                methods.push(RealScore::failed(method, Some(stats.wall_s), e));
            }
        }
        if !cfg.keep_intermediates {
            let _ = std::fs::remove_file(&output);
        }
    }
    if !cfg.keep_intermediates {
        let _ = std::fs::remove_file(&input);
    }
    let blend: Vec<Frame> = (0..held.len())
        .map(|k| {
            let (a, b) = (bytes(&inputs[k]), bytes(&inputs[k + 1]));
            let mixed = a
                .iter()
                .zip(b)
                .map(|(&x, &y)| ((x as u16 + y as u16 + 1) >> 1) as u8)
                .collect();
            Frame::from_u8(w, h, mixed)
        })
        .collect();
    methods.push(RealScore::scored(Method::Blend, None, &blend, &held));

    let worst = write_worst(cfg, name, &methods, &outputs, &held)?;
    Ok(RealSequence {
        name: name.to_string(),
        width: w,
        height: h,
        source_frames: files.len(),
        input_frames: n_in,
        scored_frames: (0..held.len()).map(|k| 2 * k as u32 + 1).collect(),
        methods,
        worst,
    })
}

/// Decodes an output, checks its size and that it is in step with the inputs,
/// and returns its frames 1, 3, …, 2·`held` − 1.
fn read_output(
    cfg: &RealConfig,
    method: Method,
    output: &Path,
    dir: &Path,
    size: (u32, u32),
    inputs: &[Frame],
    held: usize,
) -> Result<Vec<Frame>, String> {
    let got = probe_size(&cfg.ffprobe, output).map_err(|e| e.to_string())?;
    if got != size {
        return Err(format!(
            "output is {}x{}, expected {}x{}",
            got.0, got.1, size.0, size.1
        ));
    }
    let mut alignment = Alignment::default();
    let mut frames = Vec::with_capacity(held);
    let log = dir.join(format!("{}-decode.log", method.name()));
    // Frames past the last input (minterpolate's padded interval) are not looked at.
    let last = 2 * (inputs.len() - 1);
    let count = decode_frames(&cfg.ffmpeg, output, &log, size, |j, f| {
        if j > last {
            return false;
        }
        alignment.observe(j, &f, inputs);
        if j % 2 == 1 {
            frames.push(f);
        }
        true
    })
    .map_err(|e| e.to_string())?;
    if frames.len() < held {
        return Err(format!(
            "{count} output frames for {} inputs: held-out frame {} is missing",
            inputs.len(),
            2 * frames.len() + 1
        ));
    }
    alignment.verdict()?;
    Ok(frames)
}

/// Writes `worst-<name>.png` (truth | tween | minterpolate) on tween's worst frame.
fn write_worst(
    cfg: &RealConfig,
    name: &str,
    methods: &[RealScore],
    outputs: &[(Method, Vec<Frame>)],
    held: &[Frame],
) -> Result<Option<RealWorst>, EvalError> {
    let frames_of = |m: Method| outputs.iter().find(|o| o.0 == m).map(|o| &o.1);
    let score_of = |m: Method| methods.iter().find(|s| s.method == m && s.error.is_none());
    let (Some(tween), Some(score)) = (frames_of(Method::Tween), score_of(Method::Tween)) else {
        return Ok(None);
    };
    let Some((k, &p)) = score
        .frame_psnr_db
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
    else {
        return Ok(None);
    };
    let png = format!("worst-{name}.png");
    let mi = frames_of(Method::Minterpolate);
    worst::write_png(
        &cfg.out_dir.join(&png),
        &held[k],
        &tween[k],
        mi.map(|f| &f[k]),
    )?;
    Ok(Some(RealWorst {
        frame: 2 * k as u32 + 1,
        tween_psnr_db: p,
        minterpolate_psnr_db: score_of(Method::Minterpolate).map(|s| s.frame_psnr_db[k]),
        png,
        panels: worst::PANELS.iter().map(|s| s.to_string()).collect(),
    }))
}

impl RealReport {
    /// Per-sequence PSNR / SSIM of each method, and the ALL row, as text.
    pub fn table(&self) -> String {
        let methods: Vec<Method> = self.all.iter().map(|m| m.method).collect();
        let width = self
            .sequences
            .iter()
            .map(|s| s.name.len())
            .max()
            .unwrap_or(0)
            .max(8);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "tween eval --real {}: even frames in at {} fps, {}x; odd frames held out \
             (PSNR: pooled MSE over RGB; SSIM: luma, mean over frames)",
            self.dir.display(),
            self.input_fps,
            self.factor
        );
        let mut header = format!("{:<width$} {:>6}", "clip", "frames");
        for m in &methods {
            let _ = write!(header, " {:>15} {:>6}", format!("{} dB", m.name()), "SSIM");
        }
        let _ = writeln!(s, "{header}\n{}", "-".repeat(header.len()));
        let row = |s: &mut String, name: &str, frames: usize, scores: &[&RealScore]| {
            let _ = write!(s, "{name:<width$} {frames:>6}");
            for r in scores {
                match (r.psnr_db, r.ssim) {
                    (Some(p), Some(q)) => {
                        let _ = write!(s, " {p:>15.3} {q:>6.4}");
                    }
                    _ => {
                        let _ = write!(s, " {:>15} {:>6}", "FAILED", "-");
                    }
                }
            }
            let _ = writeln!(s);
        };
        for q in &self.sequences {
            let scores: Vec<&RealScore> = q.methods.iter().collect();
            row(&mut s, &q.name, q.scored_frames.len(), &scores);
        }
        let _ = writeln!(s, "{}", "-".repeat(header.len()));
        let frames = self.sequences.iter().map(|q| q.scored_frames.len()).sum();
        row(&mut s, "ALL", frames, &self.all.iter().collect::<Vec<_>>());
        for q in &self.sequences {
            for r in q.methods.iter().filter(|r| r.error.is_some()) {
                let e = r.error.as_deref().unwrap_or("");
                let _ = writeln!(
                    s,
                    "{} {} FAILED: {}",
                    q.name,
                    r.method.name(),
                    e.lines().next().unwrap_or("")
                );
            }
            if let Some(w) = &q.worst {
                let _ = writeln!(
                    s,
                    "worst tween frame of {}: {} at {:.2} dB -> {}",
                    q.name, w.frame, w.tween_psnr_db, w.png
                );
            }
        }
        s
    }

    /// Writes the report as pretty JSON.
    pub fn write_json(&self, path: &Path) -> Result<(), EvalError> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").map_err(EvalError::io(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tween-eval-real-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn png(path: &Path, w: u32, h: u32, v: u8) {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([v, v, v]));
        img.save(path).unwrap();
    }

    #[test]
    fn psnr_pools_the_squared_error_not_the_decibels() {
        // Frame errors of MSE 1 and 100: pooled MSE 50.5, not the mean of 48.1 and 28.1 dB.
        let pooled = psnr_of(1.0 * 3.0 + 100.0 * 3.0, 6).unwrap();
        assert!((pooled - 10.0 * (255.0f64 * 255.0 / 50.5).log10()).abs() < 1e-12);
        assert_eq!(psnr_of(0.0, 6), Some(crate::report::PSNR_CAP_DB));
        assert_eq!(psnr_of(0.0, 0), None);
    }

    #[test]
    fn sequences_are_image_folders_by_name_and_sizes_must_agree() {
        let d = temp_dir("seqs");
        for s in ["b", "a"] {
            std::fs::create_dir_all(d.join(s)).unwrap();
            png(&d.join(s).join("00001.png"), 4, 4, 10);
            png(&d.join(s).join("00000.PNG"), 4, 4, 20);
        }
        std::fs::create_dir_all(d.join("empty")).unwrap();
        std::fs::write(d.join("a").join("notes.txt"), "x").unwrap();
        let mut cfg = RealConfig::new(&d, d.join("out"));
        let found = sequences(&cfg).unwrap();
        let names: Vec<&str> = found.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(found[0].1.len(), 2);
        assert!(found[0].1[0].ends_with("00000.PNG"));
        cfg.sequences = vec!["b".into()];
        assert_eq!(sequences(&cfg).unwrap().len(), 1);
        cfg.sequences = vec!["c".into()];
        let e = sequences(&cfg).unwrap_err().to_string();
        assert!(e.contains("'c'") && e.contains("a, b"), "{e}");

        png(&d.join("b").join("00002.png"), 6, 4, 30);
        let files = &sequences(&RealConfig::new(&d, d.join("out"))).unwrap()[1].1;
        let e = decode_all(files).unwrap_err().to_string();
        assert!(e.contains("00002.png") && e.contains("6x4"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! One clip through every method: render and encode the input, run tween,
//! minterpolate and blend as measured child processes, decode their outputs,
//! check frame count and alignment, and score the held-out frames.

use crate::align::Alignment;
use crate::child::{log_tail, run_measured, ChildStats};
use crate::clips::{Clip, ClipKind};
use crate::decode::{decode_frames, encode_input, probe_size, INPUT_FILE, INPUT_FPS};
use crate::error::EvalError;
use crate::report::{ClipReport, Method, MethodResult, PSNR_CAP_DB};
use crate::EvalConfig;
use std::path::{Path, PathBuf};
use std::process::Command;
use tween_core::metrics::{psnr, ssim};
use tween_core::Frame;

/// An output may lack up to this many frames at its end: FFmpeg 5.1's
/// minterpolate keeps its look-ahead frames at end of stream (it writes 2n−3
/// or 2n−4 frames for n inputs) and tween writes 2n−1. Held-out frames missing from any
/// successful method are left out of the scores of all methods.
pub const MAX_MISSING_TAIL: usize = 4;

/// The tween frame with the lowest PSNR on a clip, with what is needed for the picture.
pub(crate) struct WorstCandidate {
    pub clip: ClipKind,
    pub frame: u32,
    pub tween_psnr_db: f64,
    pub minterpolate_psnr_db: Option<f64>,
    pub truth: Frame,
    pub tween: Frame,
    pub minterpolate: Option<Frame>,
}

/// A method's run and raw per-frame scores, before the common frame set is known.
struct Scored {
    method: Method,
    output: PathBuf,
    error: Option<String>,
    stats: Option<ChildStats>,
    output_frames: Option<usize>,
    source_psnr_db: Option<f64>,
    /// (PSNR, SSIM) per held-out index k (ground-truth frame 2k+1).
    frames: Vec<Option<(f64, f64)>>,
}

fn cap(p: f64) -> f64 {
    p.min(PSNR_CAP_DB)
}

/// `tween interpolate INPUT -o OUTPUT` at 2x into uncompressed RGB.
pub(crate) fn tween_command(bin: &Path, input: &Path, output: &Path) -> Command {
    let mut c = Command::new(bin);
    c.arg("interpolate").arg(input).arg("-o").arg(output);
    c.args([
        "--factor",
        "2",
        "--codec",
        "rawvideo",
        "--overwrite",
        "--quiet",
    ]);
    c
}

/// `ffmpeg -i INPUT -vf FILTER` into uncompressed RGB.
pub(crate) fn ffmpeg_command(ffmpeg: &Path, filter: &str, input: &Path, output: &Path) -> Command {
    let mut c = Command::new(ffmpeg);
    c.args(["-hide_banner", "-nostdin", "-y", "-v", "warning", "-i"])
        .arg(input);
    c.args(["-vf", filter, "-c:v", "rawvideo", "-pix_fmt", "rgb24"])
        .arg(output);
    c
}

/// The motion-compensated minterpolate baseline at twice the input rate.
pub(crate) fn minterpolate_filter() -> String {
    format!(
        "minterpolate=fps={}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1",
        2 * INPUT_FPS
    )
}

fn command(cfg: &EvalConfig, method: Method, input: &Path, output: &Path) -> Option<Command> {
    let ffmpeg = |filter: String| ffmpeg_command(&cfg.ffmpeg, &filter, input, output);
    let fps = 2 * INPUT_FPS;
    match method {
        Method::Tween => cfg
            .tween_binary
            .as_ref()
            .map(|bin| tween_command(bin, input, output)),
        Method::Minterpolate => Some(ffmpeg(minterpolate_filter())),
        Method::Blend => Some(ffmpeg(format!("minterpolate=fps={fps}:mi_mode=blend"))),
    }
}

/// Runs every configured method on clip `kind`. `worst_so_far` is the lowest
/// tween PSNR seen on earlier clips: a worse frame here is returned for the picture.
pub(crate) fn run_clip(
    cfg: &EvalConfig,
    kind: ClipKind,
    worst_so_far: Option<f64>,
) -> Result<(ClipReport, Option<WorstCandidate>), EvalError> {
    let n = cfg.frames as usize;
    let clip = Clip::new(kind, cfg.width, cfg.height, cfg.frames, cfg.seed);
    let dir = cfg.out_dir.join(kind.name());
    std::fs::create_dir_all(&dir).map_err(EvalError::io(&dir))?;
    let input = dir.join(INPUT_FILE);
    tracing::info!(
        clip = kind.name(),
        "rendering and encoding {n} input frames"
    );
    let mut sources = Vec::with_capacity(n);
    encode_input(
        &cfg.ffmpeg,
        &input,
        &dir.join("encode.log"),
        (cfg.width, cfg.height),
        cfg.frames,
        |i| {
            let f = clip.frame(2 * i);
            sources.push(f.clone());
            f
        },
    )?;
    // The held-out frame after the last input frame has no pair: never rendered or scored.
    let held: Vec<Frame> = (0..n - 1).map(|k| clip.frame(2 * k as u32 + 1)).collect();

    let mut scored = Vec::new();
    for method in cfg.methods() {
        let file = match method {
            Method::Tween => "tween.nut",
            Method::Minterpolate => "mi.nut",
            Method::Blend => "blend.nut",
        };
        let output = dir.join(file);
        let Some(mut cmd) = command(cfg, method, &input, &output) else {
            continue;
        };
        tracing::info!(clip = kind.name(), method = method.name(), "running");
        let log = dir.join(format!("{}.log", method.name()));
        let stats = run_measured(&mut cmd, &log)?;
        let mut s = Scored {
            method,
            output,
            error: None,
            stats: Some(stats.clone()),
            output_frames: None,
            source_psnr_db: None,
            frames: vec![None; n - 1],
        };
        if let Some(f) = &stats.failure {
            s.error = Some(format!("{f}: {}", log_tail(&log, 400)));
        } else if let Err(e) = score(cfg, &mut s, &dir, &sources, &held) {
            s.error = Some(e);
        }
        if let Some(e) = &s.error {
            tracing::warn!(clip = kind.name(), method = method.name(), "{e}");
        }
        scored.push(s);
    }

    // Held-out frames every successful method produced.
    let common: Vec<usize> = (0..n - 1)
        .filter(|&k| {
            scored
                .iter()
                .filter(|s| s.error.is_none())
                .all(|s| s.frames[k].is_some())
        })
        .collect();
    let methods = scored.iter().map(|s| method_result(s, &common)).collect();
    let report = ClipReport {
        clip: kind,
        scored_frames: common.iter().map(|&k| 2 * k as u32 + 1).collect(),
        methods,
    };

    let worst = worst_candidate(cfg, kind, &scored, &common, &held, &dir, worst_so_far)?;
    if !cfg.keep_intermediates {
        for path in std::iter::once(input).chain(scored.iter().map(|s| s.output.clone())) {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok((report, worst))
}

/// Decodes `s.output`, checks size, frame count and alignment, scores held-out frames.
fn score(
    cfg: &EvalConfig,
    s: &mut Scored,
    dir: &Path,
    sources: &[Frame],
    held: &[Frame],
) -> Result<(), String> {
    let n = sources.len();
    let size = probe_size(&cfg.ffprobe, &s.output).map_err(|e| e.to_string())?;
    if size != (cfg.width, cfg.height) {
        return Err(format!(
            "output is {}x{}, expected {}x{}",
            size.0, size.1, cfg.width, cfg.height
        ));
    }
    let log = dir.join(format!("{}-decode.log", s.method.name()));
    let mut alignment = Alignment::default();
    let frames = &mut s.frames;
    let count = decode_frames(&cfg.ffmpeg, &s.output, &log, size, |j, f| {
        alignment.observe(j, &f, sources);
        if j % 2 == 1 && j / 2 < held.len() {
            let t = &held[j / 2];
            frames[j / 2] = Some((cap(psnr(&f, t)), ssim(&f, t)));
        }
        true
    })
    .map_err(|e| e.to_string())?;
    s.output_frames = Some(count);
    s.source_psnr_db = alignment.in_step_psnr();
    let expected = 2 * n;
    if count > expected || count + MAX_MISSING_TAIL < expected {
        return Err(format!(
            "frame count mismatch: {count} output frames for {n} inputs, expected {expected} (at least {})",
            expected - MAX_MISSING_TAIL
        ));
    }
    alignment.verdict().map(|_| ())
}

fn method_result(s: &Scored, common: &[usize]) -> MethodResult {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let ok = s.error.is_none();
    let scores: Vec<(f64, f64)> = if ok {
        common.iter().filter_map(|&k| s.frames[k]).collect()
    } else {
        Vec::new()
    };
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let frame_psnr_db: Vec<f64> = scores.iter().map(|p| p.0).collect();
    let frame_ssim: Vec<f64> = scores.iter().map(|p| p.1).collect();
    let wall_s = s.stats.as_ref().map(|st| st.wall_s);
    MethodResult {
        method: s.method,
        error: s.error.clone(),
        wall_s,
        peak_rss_mib: s.stats.as_ref().map(|st| mib(st.peak_rss_kib)),
        output_frames: s.output_frames,
        fps: match (s.output_frames, wall_s) {
            (Some(c), Some(w)) if w > 0.0 && ok => Some(c as f64 / w),
            _ => None,
        },
        source_psnr_db: s.source_psnr_db,
        psnr_db: mean(&frame_psnr_db),
        ssim: mean(&frame_ssim),
        frame_psnr_db,
        frame_ssim,
    }
}

/// When this clip's worst tween frame is worse than `worst_so_far`, decodes
/// that frame again from the tween and minterpolate outputs.
fn worst_candidate(
    cfg: &EvalConfig,
    clip: ClipKind,
    scored: &[Scored],
    common: &[usize],
    held: &[Frame],
    dir: &Path,
    worst_so_far: Option<f64>,
) -> Result<Option<WorstCandidate>, EvalError> {
    let ok = |m: Method| scored.iter().find(|s| s.method == m && s.error.is_none());
    let Some(tween) = ok(Method::Tween) else {
        return Ok(None);
    };
    let Some((k, p)) = common
        .iter()
        .filter_map(|&k| tween.frames[k].map(|(p, _)| (k, p)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return Ok(None);
    };
    if worst_so_far.is_some_and(|w| p >= w) {
        return Ok(None);
    }
    let size = (cfg.width, cfg.height);
    let grab = |s: &Scored| -> Result<Option<Frame>, EvalError> {
        let mut found = None;
        let log = dir.join(format!("{}-worst.log", s.method.name()));
        decode_frames(&cfg.ffmpeg, &s.output, &log, size, |j, f| {
            if j == 2 * k + 1 {
                found = Some(f);
                return false;
            }
            true
        })?;
        Ok(found)
    };
    let Some(tween_frame) = grab(tween)? else {
        return Ok(None);
    };
    let mi = ok(Method::Minterpolate);
    Ok(Some(WorstCandidate {
        clip,
        frame: 2 * k as u32 + 1,
        tween_psnr_db: p,
        minterpolate_psnr_db: mi.and_then(|m| m.frames[k].map(|x| x.0)),
        truth: held[k].clone(),
        tween: tween_frame,
        minterpolate: match mi {
            Some(m) => grab(m)?,
            None => None,
        },
    }))
}

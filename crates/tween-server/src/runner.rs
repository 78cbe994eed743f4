//! The real job runner: each kind's parameters mapped to a tween-ops
//! request, run on a worker thread with the job's progress; plus the checks
//! and estimates that need the inputs' headers (run from spawn_blocking).

use std::path::{Path, PathBuf};

use tween_jobs::{
    Job, JobContext, JobError, JobOutput, JobQueue, JobRunner, ParamError, Params, UpscaleStep,
};
use tween_ops::{
    ChainRequest, ColorChoice, ColorFixName, EncodeOptions, ExtractRequest, InterpolateRequest,
    Interpolation, ModelSpec, OpsError, PairRequest, ProcessRequest, ReencodeRequest, ResizeMode,
    SceneCut, UpscaleSpec,
};

use crate::error::ApiError;

/// Runs jobs with tween-ops.
#[derive(Debug, Clone, Default)]
pub struct OpsRunner {
    /// Where imported models live (`--model NAME`).
    pub models_dir: Option<PathBuf>,
    /// Threads per job (None: the operation's default, all cores).
    pub threads: Option<usize>,
}

impl JobRunner for OpsRunner {
    fn run(&self, _job: &Job, ctx: &JobContext<'_>) -> Result<JobOutput, JobError> {
        let out = ctx.out_dir();
        let progress = ctx.progress();
        let report = match ctx.params() {
            Params::Extract(p) => {
                let input = ctx.input("input", &p.input)?;
                let req = ExtractRequest {
                    input,
                    output_dir: out.to_path_buf(),
                    start: p.start,
                    end: p.end,
                    ends_only: true,
                    overwrite: true,
                };
                progress.start(Some(if p.start == p.end { 1 } else { 2 }));
                let report = tween_ops::extract(&req).map_err(|e| job_error(e, out))?;
                name_ends(&req, out)?;
                progress.advance(report.frames);
                progress.finish();
                report
            }
            Params::Pair(p) => {
                let mut req = PairRequest::new(
                    ctx.input("first", &p.first)?,
                    ctx.input("second", &p.second)?,
                    out.join("result.mp4"),
                );
                req.passes = p.passes;
                req.frames = p.frames;
                req.fps = p.fps.clone();
                req.model = self.model(&p.model);
                req.resize = resize(&p.resize);
                req.frames_zip = Some(out.join("frames.zip"));
                req.overwrite = true;
                tween_ops::pair(&req, progress).map_err(|e| job_error(e, out))?
            }
            Params::Chain(p) => {
                let inputs = p
                    .inputs
                    .iter()
                    .enumerate()
                    .map(|(i, r)| ctx.input(&format!("inputs[{i}]"), r))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut req = ChainRequest::new(inputs, out.join("result.mp4"));
                req.passes = p.passes;
                req.fps = p.fps.clone();
                req.model = self.model(&p.model);
                req.overwrite = true;
                tween_ops::chain(&req, progress).map_err(|e| job_error(e, out))?
            }
            Params::Interpolate(p) => {
                let input = ctx.input("input", &p.input)?;
                let output = out.join("result.mp4");
                let scene_cut = scene_cut(&p.scene_cut);
                match &p.upscale {
                    None => {
                        let mut req = InterpolateRequest::new(input, output);
                        req.factor = p.factor;
                        req.fps = p.fps.clone();
                        req.model = self.model(&p.model);
                        req.scene_cut = scene_cut;
                        req.overwrite = true;
                        tween_ops::interpolate(&req, progress).map_err(|e| job_error(e, out))?
                    }
                    Some(step) => {
                        let mut req = ProcessRequest::new(input, output);
                        req.interpolate = Some(Interpolation {
                            factor: p.factor,
                            fps: p.fps.clone(),
                            model: self.model(&p.model),
                            scene_cut,
                            ..Interpolation::default()
                        });
                        req.upscale = Some(self.upscale_spec(step));
                        req.overwrite = true;
                        tween_ops::process(&req, progress).map_err(|e| job_error(e, out))?
                    }
                }
            }
            Params::Upscale(p) => {
                let input = ctx.input("input", &p.input)?;
                let name = if is_image(&input) {
                    "result.png"
                } else {
                    "result.mp4"
                };
                let spec = self.upscale_spec(&UpscaleStep {
                    scale: p.scale,
                    model: p.model.clone(),
                    tile: p.tile,
                    color_fix: p.color_fix.clone(),
                });
                tween_ops::upscale(
                    &input,
                    &out.join(name),
                    &spec,
                    &EncodeOptions::default(),
                    true,
                    progress,
                )
                .map_err(|e| job_error(e, out))?
            }
            Params::Reencode(p) => {
                let mut req =
                    ReencodeRequest::new(ctx.input("input", &p.input)?, out.join("result.mp4"));
                req.codec = p.codec.clone();
                req.profile = Some(p.profile.clone()).filter(|s| !s.is_empty());
                req.pix_fmt = p.pix_fmt.clone();
                req.crf = Some(p.crf.min(63) as u8);
                req.preset = Some(p.preset.clone()).filter(|s| !s.is_empty());
                req.color = match p.color.as_str() {
                    "bt709" => ColorChoice::Bt709,
                    "source" => ColorChoice::Source,
                    other => {
                        return Err(JobError::new(
                            "bad_params",
                            format!("color: must be bt709 or source, not {other:?}"),
                        ))
                    }
                };
                req.overwrite = true;
                tween_ops::reencode(&req, progress).map_err(|e| job_error(e, out))?
            }
        };
        Ok(JobOutput { info: report.info })
    }
}

impl OpsRunner {
    fn model(&self, name: &str) -> ModelSpec {
        let mut m = ModelSpec::named(name);
        m.models_dir = self.models_dir.clone();
        m.threads = self.threads;
        m
    }

    fn upscale_spec(&self, s: &UpscaleStep) -> UpscaleSpec {
        UpscaleSpec {
            scale: s.scale,
            model: s.model.clone(),
            tile: s.tile as usize,
            color_fix: match s.color_fix.as_str() {
                "adain" => ColorFixName::Adain,
                "wavelet" => ColorFixName::Wavelet,
                _ => ColorFixName::None,
            },
            threads: self.threads,
            ..UpscaleSpec::default()
        }
    }
}

/// Extract writes `frame_NNNNNN.png`; the API promises `start.png` and `end.png`.
fn name_ends(req: &ExtractRequest, out: &Path) -> Result<(), JobError> {
    let io = |e: std::io::Error| {
        JobError::new("io_error", format!("cannot name the extracted frames: {e}"))
    };
    let start = req.file_for(req.start);
    let end = req.file_for(req.end);
    std::fs::copy(&start, out.join("start.png")).map_err(io)?;
    std::fs::rename(&end, out.join("end.png")).map_err(io)?;
    if start.exists() {
        std::fs::remove_file(&start).map_err(io)?;
    }
    Ok(())
}

fn resize(s: &str) -> ResizeMode {
    if s == "fit" {
        ResizeMode::Fit
    } else {
        ResizeMode::Error
    }
}

fn scene_cut(s: &str) -> SceneCut {
    match s {
        "blend" => SceneCut::Blend,
        "interpolate" => SceneCut::Interpolate,
        _ => SceneCut::Hold,
    }
}

fn is_image(p: &Path) -> bool {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "png" | "jpg" | "jpeg" | "webp" | "bmp" | "tif" | "tiff"
    )
}

/// An operation's error as a job error; the server's folders are not shown.
fn job_error(e: OpsError, out: &Path) -> JobError {
    if matches!(e, OpsError::Cancelled) {
        return JobError::cancelled();
    }
    let mut message = e.to_string().replace(&format!("{}/", out.display()), "");
    if let Some(data) = out.parent().and_then(Path::parent) {
        message = message.replace(&data.display().to_string(), "<data>");
    }
    JobError::new(e.code(), message)
}

/// Checks that need the inputs' headers: extract's frame range, pair's sizes.
pub fn precheck(queue: &JobQueue, params: &Params) -> Result<(), ApiError> {
    let bad = |field: &str, m: String| {
        ApiError::from(tween_jobs::JobsError::from(ParamError::new(field, m)))
    };
    match params {
        Params::Extract(p) => {
            let path = queue.resolve("input", &p.input)?;
            let info = tween_ops::media_info(&path).map_err(|e| {
                ApiError::unprocessable("unreadable_input", format!("input: {}", shown(&e, &path)))
            })?;
            if let Some(frames) = info.frames {
                if p.end >= frames {
                    return Err(bad(
                        "end",
                        format!(
                            "must be below the number of frames ({frames}), not {}",
                            p.end
                        ),
                    ));
                }
            }
        }
        Params::Pair(p) if p.resize == "error" => {
            let a = queue.resolve("first", &p.first)?;
            let b = queue.resolve("second", &p.second)?;
            let ia = tween_ops::media_info(&a).map_err(|e| {
                ApiError::unprocessable("unreadable_input", format!("first: {}", shown(&e, &a)))
            })?;
            let ib = tween_ops::media_info(&b).map_err(|e| {
                ApiError::unprocessable("unreadable_input", format!("second: {}", shown(&e, &b)))
            })?;
            if (ia.width, ia.height) != (ib.width, ib.height) {
                return Err(ApiError::unprocessable(
                    "size_mismatch",
                    format!(
                        "The first image is {}x{} and the second {}x{}; use resize \"fit\" to resize the second.",
                        ia.width, ia.height, ib.width, ib.height
                    ),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn shown(e: &OpsError, path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    e.to_string().replace(&path.display().to_string(), &name)
}

/// Output frames, memory and time of a pair or interpolate job.
pub fn estimate(queue: &JobQueue, params: &Params) -> Result<crate::jobs::Estimate, ApiError> {
    let ops = |e: OpsError| ApiError::unprocessable(e.code(), e.to_string());
    match params {
        Params::Pair(p) => {
            let mut req = PairRequest::new(
                queue.resolve("first", &p.first)?,
                queue.resolve("second", &p.second)?,
                "x.mp4",
            );
            req.passes = p.passes;
            req.frames = p.frames;
            req.fps = p.fps.clone();
            req.model = ModelSpec::named(&p.model);
            let e = tween_ops::estimate_pair(&req).map_err(ops)?;
            Ok(crate::jobs::Estimate {
                output_frames: e.output_frames,
                memory_bytes: e.memory_bytes,
                seconds: e.seconds,
            })
        }
        Params::Interpolate(p) => {
            let path = queue.resolve("input", &p.input)?;
            let info = tween_ops::media_info(&path).map_err(ops)?;
            let frames_in = info.frames.unwrap_or(0);
            let out_rate = match (&p.fps, p.factor) {
                (Some(f), _) => parse_rate(f).unwrap_or(info.fps_float * 2.0),
                (None, f) => info.fps_float * f.unwrap_or(2) as f64,
            };
            let output_frames =
                (frames_in as f64 * out_rate / info.fps_float.max(1e-9)).round() as u64;
            let pixels = info.width as f64 * info.height as f64;
            // The same measured per-pixel costs as tween-ops' estimate_pair.
            let (per_pair, per_frame, bytes_per_pixel) = match p.model.as_str() {
                "blend" => (0.0, 2e-9, 16.0),
                "classical" => (25e-9, 6e-9, 120.0),
                _ => (0.0, 1.6e-6, 700.0),
            };
            let seconds = per_pair * pixels * frames_in as f64
                + per_frame * pixels * output_frames as f64
                + 20e-9 * pixels * output_frames as f64;
            Ok(crate::jobs::Estimate {
                output_frames,
                memory_bytes: (pixels * bytes_per_pixel) as u64 + (300 << 20),
                seconds,
            })
        }
        _ => Err(ApiError::unprocessable(
            "bad_params",
            "kind: estimates are made for pair and interpolate jobs",
        )),
    }
}

fn parse_rate(s: &str) -> Option<f64> {
    match s.split_once('/') {
        Some((n, d)) => Some(n.trim().parse::<f64>().ok()? / d.trim().parse::<f64>().ok()?),
        None => s.trim().parse().ok(),
    }
}

//! The streaming pipeline: decode → plan/interpolate → encode, three threads
//! joined by bounded channels. Memory holds at most `channel_bound` frames on
//! each side plus the current pair, whatever the clip's length or the factor.

use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver, Sender};

use crate::bisect::Bisector;
use crate::frame::Frame;
use crate::interpolate::{Interpolator, Timesteps};
use crate::plan::{Step, Timeline};
use crate::progress::Progress;
use crate::rational::Rational;
use crate::scene::{SceneCutPolicy, SceneDetector, Thumbnail};
use crate::CoreError;

/// A decoded source frame and its exact presentation time in seconds.
#[derive(Debug, Clone)]
pub struct SourceFrame {
    pub frame: Frame,
    pub time: Rational,
}

/// How the pipeline runs.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Nominal source rate (the last frame lasts 1/rate_in).
    pub rate_in: Rational,
    /// Output rate.
    pub rate_out: Rational,
    pub scene_cut: SceneCutPolicy,
    pub scene_detector: SceneDetector,
    /// Frames buffered between stages (each side).
    pub channel_bound: usize,
    /// Halvings for midpoint-only interpolators (t is rounded to 1/2^depth).
    pub bisect_depth: u32,
}

impl PipelineConfig {
    pub fn new(rate_in: Rational, rate_out: Rational) -> Self {
        PipelineConfig {
            rate_in,
            rate_out,
            scene_cut: SceneCutPolicy::default(),
            scene_detector: SceneDetector::default(),
            channel_bound: 4,
            bisect_depth: 6,
        }
    }
}

/// What a finished run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    pub source_frames: u64,
    pub output_frames: u64,
    pub interpolated_frames: u64,
    pub scene_cuts: u64,
    /// Source frames dropped because their timestamp did not advance.
    pub dropped_frames: u64,
    /// Time of the first source frame (output frame 0), seconds.
    pub start_time: Option<Rational>,
}

/// Why a run stopped. `E` is the error type of the source and sink.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError<E: std::error::Error + 'static> {
    #[error(transparent)]
    Source(E),
    #[error(transparent)]
    Sink(E),
    #[error(transparent)]
    Core(#[from] CoreError),
}

struct Held {
    frame: Arc<Frame>,
    time: Rational,
    thumb: Thumbnail,
}

/// Runs the pipeline: pulls frames from `source` on one thread, pushes output
/// frames into `sink` on another, and interpolates on the calling thread.
pub fn run<S, K, E>(
    cfg: &PipelineConfig,
    interp: &dyn Interpolator,
    source: S,
    mut sink: K,
    progress: &dyn Progress,
) -> Result<RunStats, PipelineError<E>>
where
    S: Iterator<Item = Result<SourceFrame, E>> + Send,
    K: FnMut(&Frame) -> Result<(), E> + Send,
    E: std::error::Error + Send + 'static,
{
    let bound = cfg.channel_bound.max(1);
    let (src_tx, src_rx) = bounded::<Result<SourceFrame, E>>(bound);
    let (out_tx, out_rx) = bounded::<Arc<Frame>>(bound);
    std::thread::scope(|scope| {
        let decoder = scope.spawn(move || {
            for item in source {
                let failed = item.is_err();
                if src_tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
        let encoder = scope.spawn(move || -> Result<(), E> {
            for frame in out_rx.iter() {
                sink(&frame)?;
            }
            Ok(())
        });
        let result = plan_and_render(cfg, interp, src_rx, out_tx, progress);
        // The planner has dropped its channel ends: both threads wind down.
        let sink_result = encoder.join().expect("encoder thread panicked");
        decoder.join().expect("decoder thread panicked");
        match (result, sink_result) {
            (_, Err(e)) => Err(PipelineError::Sink(e)),
            (r, Ok(())) => r,
        }
    })
}

fn plan_and_render<E: std::error::Error + 'static>(
    cfg: &PipelineConfig,
    interp: &dyn Interpolator,
    src_rx: Receiver<Result<SourceFrame, E>>,
    out_tx: Sender<Arc<Frame>>,
    progress: &dyn Progress,
) -> Result<RunStats, PipelineError<E>> {
    let mut timeline = Timeline::new(cfg.rate_in, cfg.rate_out)?;
    let mut stats = RunStats::default();
    let mut prev: Option<Held> = None;
    let mut emit = |frame: Arc<Frame>, stats: &mut RunStats| -> Result<(), PipelineError<E>> {
        // A closed channel means the sink failed; its error is reported by `run`.
        out_tx.send(frame).map_err(|_| CoreError::Stage {
            stage: "encode",
            message: "stopped".into(),
        })?;
        stats.output_frames += 1;
        if progress.advance(1) {
            Ok(())
        } else {
            Err(CoreError::Cancelled.into())
        }
    };
    for item in src_rx.iter() {
        let sf = item.map_err(PipelineError::Source)?;
        let index = stats.source_frames;
        stats.source_frames += 1;
        if let Some(p) = &prev {
            if !sf.frame.same_shape(&p.frame) {
                return Err(CoreError::FrameSize {
                    index,
                    expected_w: p.frame.width(),
                    expected_h: p.frame.height(),
                    actual_w: sf.frame.width(),
                    actual_h: sf.frame.height(),
                }
                .into());
            }
            if sf.time <= p.time {
                tracing::warn!(index, time = %sf.time, "timestamp does not advance; frame dropped");
                stats.dropped_frames += 1;
                continue;
            }
        }
        let cur = Held {
            thumb: Thumbnail::of(&sf.frame),
            frame: Arc::new(sf.frame),
            time: sf.time,
        };
        if let Some(p) = prev.take() {
            render_interval(
                cfg,
                interp,
                &mut timeline,
                &p,
                Some(&cur),
                &mut stats,
                &mut emit,
            )?;
        }
        prev = Some(cur);
    }
    if let Some(p) = prev.take() {
        render_interval(cfg, interp, &mut timeline, &p, None, &mut stats, &mut emit)?;
    }
    stats.start_time = timeline.start();
    Ok(stats)
}

fn render_interval<E: std::error::Error + 'static>(
    cfg: &PipelineConfig,
    interp: &dyn Interpolator,
    timeline: &mut Timeline,
    a: &Held,
    b: Option<&Held>,
    stats: &mut RunStats,
    emit: &mut impl FnMut(Arc<Frame>, &mut RunStats) -> Result<(), PipelineError<E>>,
) -> Result<(), PipelineError<E>> {
    let steps = timeline.interval(a.time, b.map(|h| h.time));
    let between = steps.iter().any(|s| matches!(s, Step::Between(_)));
    let cut = match b {
        Some(b) if between => cfg.scene_detector.is_cut(&a.thumb, &b.thumb),
        _ => false,
    };
    if cut {
        stats.scene_cuts += 1;
        tracing::debug!(time = %a.time, "scene cut");
    }
    let policy = if cut {
        cfg.scene_cut
    } else {
        SceneCutPolicy::Interpolate
    };
    let mut prepared = None;
    let mut bisector = None;
    for step in steps {
        let frame = match (step, b) {
            (Step::Source | Step::HoldLast, _) | (Step::Between(_), None) => a.frame.clone(),
            (Step::Between(t), Some(b)) => match policy {
                SceneCutPolicy::Hold => {
                    if t <= 0.5 {
                        a.frame.clone()
                    } else {
                        b.frame.clone()
                    }
                }
                SceneCutPolicy::Blend => Arc::new(a.frame.blend(&b.frame, t as f32)),
                SceneCutPolicy::Interpolate => {
                    stats.interpolated_frames += 1;
                    match interp.timesteps() {
                        Timesteps::Any => {
                            if prepared.is_none() {
                                prepared = Some(
                                    interp
                                        .prepare(&a.frame, &b.frame)
                                        .map_err(CoreError::from)?,
                                );
                            }
                            let pair = prepared.as_ref().expect("prepared above");
                            Arc::new(pair.render(t).map_err(CoreError::from)?)
                        }
                        Timesteps::MidpointOnly => {
                            let bis = bisector.get_or_insert_with(|| {
                                Bisector::new(
                                    interp,
                                    a.frame.clone(),
                                    b.frame.clone(),
                                    cfg.bisect_depth,
                                )
                            });
                            bis.render(t).map_err(CoreError::from)?
                        }
                    }
                }
            },
        };
        emit(frame, stats)?;
    }
    Ok(())
}

//! The streaming pipeline end to end with in-memory sources and sinks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tween_core::pipeline::{run, PipelineConfig, PipelineError, SourceFrame};
use tween_core::{Blend, CoreError, Frame, NoProgress, Progress, Rational, SceneCutPolicy};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct TestError(String);

fn textured(seed: f32, v: u8) -> Frame {
    let (w, h) = (64u32, 36u32);
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let l =
                0.5 + 0.4 * ((x as f32 * 0.3 * seed).sin() * (y as f32 * 0.21 + seed * 3.0).cos());
            px.extend([(l * v as f32) as u8, (l * 200.0) as u8, 40]);
        }
    }
    Frame::from_u8(w, h, px)
}

fn source(
    frames: Vec<Frame>,
    rate: Rational,
) -> impl Iterator<Item = Result<SourceFrame, TestError>> + Send {
    frames.into_iter().enumerate().map(move |(i, frame)| {
        Ok(SourceFrame {
            frame,
            time: Rational::from_int(i as i64).checked_div(rate).unwrap(),
        })
    })
}

#[test]
fn factor_two_emits_twice_the_frames_in_order() {
    let r = Rational::from_int(25);
    let frames: Vec<Frame> = (0..5).map(|i| textured(1.0, 100 + i * 30)).collect();
    let out = Mutex::new(Vec::new());
    let cfg = PipelineConfig::new(r, r.mul_int(2).unwrap());
    let stats = run(
        &cfg,
        &Blend,
        source(frames.clone(), r),
        |f: &Frame| {
            out.lock().unwrap().push(f.clone());
            Ok(())
        },
        &NoProgress,
    )
    .unwrap();
    let out = out.into_inner().unwrap();
    assert_eq!(out.len(), 10);
    assert_eq!(stats.output_frames, 10);
    assert_eq!(stats.interpolated_frames, 4);
    assert_eq!(out[0], frames[0]);
    assert_eq!(out[2], frames[1]);
    assert_eq!(out[1], frames[0].blend(&frames[1], 0.5));
    assert_eq!(out[9], frames[4], "the last slot holds the last frame");
    assert_eq!(stats.start_time, Some(Rational::ZERO));
}

#[test]
fn scene_cut_holds_nearer_frame_by_default_and_blends_on_request() {
    let r = Rational::from_int(10);
    let frames = vec![
        textured(1.0, 200),
        textured(1.0, 210),
        textured(5.7, 10),
        textured(5.7, 20),
    ];
    let collect = |policy| {
        let mut cfg = PipelineConfig::new(r, r.mul_int(4).unwrap());
        cfg.scene_cut = policy;
        let out = Mutex::new(Vec::new());
        let stats = run(
            &cfg,
            &Blend,
            source(frames.clone(), r),
            |f: &Frame| {
                out.lock().unwrap().push(f.clone());
                Ok(())
            },
            &NoProgress,
        )
        .unwrap();
        (stats, out.into_inner().unwrap())
    };
    let (stats, out) = collect(SceneCutPolicy::Hold);
    assert_eq!(stats.scene_cuts, 1);
    // Pair 1→2 is the cut: outputs 4..8 are frame 1 (t = 0, 0.25, 0.5) then frame 2 (t = 0.75).
    assert_eq!(
        &out[4..7],
        &[frames[1].clone(), frames[1].clone(), frames[1].clone()]
    );
    assert_eq!(out[7], frames[2]);
    // Other pairs are interpolated.
    assert_eq!(out[2], frames[0].blend(&frames[1], 0.5));
    let (_, out) = collect(SceneCutPolicy::Blend);
    assert_eq!(out[5], frames[1].blend(&frames[2], 0.25));
}

#[test]
fn sink_error_stops_the_run_and_is_reported() {
    let r = Rational::from_int(25);
    let frames: Vec<Frame> = (0..50).map(|_| textured(1.0, 100)).collect();
    let written = AtomicU64::new(0);
    let err = run(
        &PipelineConfig::new(r, r.mul_int(2).unwrap()),
        &Blend,
        source(frames, r),
        |_: &Frame| {
            if written.fetch_add(1, Ordering::SeqCst) == 3 {
                Err(TestError("disk full".into()))
            } else {
                Ok(())
            }
        },
        &NoProgress,
    )
    .unwrap_err();
    assert!(
        matches!(err, PipelineError::Sink(TestError(ref m)) if m == "disk full"),
        "{err:?}"
    );
    assert_eq!(written.load(Ordering::SeqCst), 4);
}

#[test]
fn source_error_is_reported() {
    let r = Rational::from_int(25);
    let items: Vec<Result<SourceFrame, TestError>> = vec![
        Ok(SourceFrame {
            frame: textured(1.0, 1),
            time: Rational::ZERO,
        }),
        Err(TestError("corrupt packet in in.mp4".into())),
    ];
    let err = run(
        &PipelineConfig::new(r, r.mul_int(2).unwrap()),
        &Blend,
        items.into_iter(),
        |_: &Frame| Ok(()),
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, PipelineError::Source(_)), "{err:?}");
}

struct CancelAfter(AtomicU64);
impl Progress for CancelAfter {
    fn start(&self, _: Option<u64>) {}
    fn advance(&self, _: u64) -> bool {
        self.0.fetch_sub(1, Ordering::SeqCst) > 1
    }
}

#[test]
fn progress_can_cancel() {
    let r = Rational::from_int(25);
    let frames: Vec<Frame> = (0..20).map(|_| textured(1.0, 100)).collect();
    let err = run(
        &PipelineConfig::new(r, r.mul_int(2).unwrap()),
        &Blend,
        source(frames, r),
        |_: &Frame| Ok(()),
        &CancelAfter(AtomicU64::new(5)),
    )
    .unwrap_err();
    assert!(
        matches!(err, PipelineError::Core(CoreError::Cancelled)),
        "{err:?}"
    );
}

#[test]
fn a_frame_of_another_size_is_an_error() {
    let r = Rational::from_int(25);
    let items = vec![
        Ok(SourceFrame {
            frame: textured(1.0, 1),
            time: Rational::ZERO,
        }),
        Ok(SourceFrame {
            frame: Frame::from_u8(2, 2, vec![0; 12]),
            time: Rational::new(1, 25),
        }),
    ];
    let err = run::<_, _, TestError>(
        &PipelineConfig::new(r, r.mul_int(2).unwrap()),
        &Blend,
        items.into_iter(),
        |_: &Frame| Ok(()),
        &NoProgress,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PipelineError::Core(CoreError::FrameSize { index: 1, .. })
        ),
        "{err:?}"
    );
}

#[test]
fn repeated_timestamps_are_dropped() {
    let r = Rational::from_int(10);
    let items = vec![
        Ok(SourceFrame {
            frame: textured(1.0, 1),
            time: Rational::ZERO,
        }),
        Ok(SourceFrame {
            frame: textured(1.0, 2),
            time: Rational::ZERO,
        }),
        Ok(SourceFrame {
            frame: textured(1.0, 3),
            time: Rational::new(1, 10),
        }),
    ];
    let stats = run::<_, _, TestError>(
        &PipelineConfig::new(r, r.mul_int(2).unwrap()),
        &Blend,
        items.into_iter(),
        |_: &Frame| Ok(()),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(stats.dropped_frames, 1);
    assert_eq!(stats.output_frames, 4);
}

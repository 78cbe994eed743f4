//! In-between frames of one pair at evenly spaced times: the frames `pair`
//! puts between two images and `chain` puts at the join of two clips.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tween_core::bisect::Bisector;
use tween_core::{Frame, Interpolator, Timesteps};

use crate::OpsError;

/// What to do when two inputs differ in size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResizeMode {
    /// Refuse, naming both sizes (default).
    #[default]
    Error,
    /// Resize the later input to the first one's size (Lanczos3; the aspect
    /// ratio follows the first input).
    Fit,
}

/// Halvings allowed for midpoint-only interpolators.
const BISECT_DEPTH: u32 = 8;

/// Renders `count` frames between `a` and `b` at t = k/(count+1), k = 1..=count,
/// handing each to `emit` in order; stops at the first error `emit` returns.
pub(crate) fn in_betweens(
    interp: &dyn Interpolator,
    a: &Frame,
    b: &Frame,
    count: u64,
    emit: &mut dyn FnMut(Frame) -> Result<(), OpsError>,
) -> Result<(), OpsError> {
    let backend = |e: tween_core::InterpolateError| OpsError::Stopped {
        path: "transition".into(),
        what: "interpolation",
        message: e.to_string(),
    };
    let times = (1..=count).map(|k| k as f64 / (count + 1) as f64);
    match interp.timesteps() {
        Timesteps::MidpointOnly => {
            let mut bisector = Bisector::new(
                interp,
                Arc::new(a.clone()),
                Arc::new(b.clone()),
                BISECT_DEPTH,
            );
            for t in times {
                emit(bisector.render(t).map_err(backend)?.as_ref().clone())?;
            }
        }
        _ => {
            let prepared = interp.prepare(a, b).map_err(backend)?;
            for t in times {
                emit(prepared.render(t).map_err(backend)?)?;
            }
        }
    }
    Ok(())
}

/// `frame` shaped like `like` (size and sample depth): itself when it
/// already is; resized when `mode` allows, else an error naming both sizes
/// and `what`. Depth is always converted (8-bit ↔ 16-bit).
pub(crate) fn fit(
    frame: Frame,
    like: &Frame,
    mode: ResizeMode,
    what: &std::path::Path,
    first: &std::path::Path,
) -> Result<Frame, OpsError> {
    let frame = match (like.is_high_depth(), frame.is_high_depth()) {
        (false, true) => frame.to_u8(),
        (true, false) => widen(&frame),
        _ => frame,
    };
    let (width, height) = (like.width(), like.height());
    if frame.width() == width && frame.height() == height {
        return Ok(frame);
    }
    match mode {
        ResizeMode::Fit => tween_core::resample::resize(&frame, width, height)
            .map_err(|e| OpsError::Input(format!("{}: {e}", what.display()))),
        ResizeMode::Error => Err(OpsError::Input(format!(
            "{} is {}x{} but {} is {}x{}; inputs must have the same size \
             (or ask for resize \"fit\" / --resize fit to scale it to the first)",
            what.display(),
            frame.width(),
            frame.height(),
            first.display(),
            width,
            height
        ))),
    }
}

/// An 8-bit frame as 16-bit full range (v × 257, so 255 → 65535).
fn widen(frame: &Frame) -> Frame {
    match frame.pixels() {
        tween_core::Pixels::U8(v) => Frame::from_u16(
            frame.width(),
            frame.height(),
            v.iter().map(|&x| x as u16 * 257).collect(),
        ),
        tween_core::Pixels::U16(_) => frame.clone(),
    }
}

/// The number of in-between frames `passes` halvings make: 2^passes − 1.
pub(crate) fn between_for_passes(passes: u32) -> Result<u64, OpsError> {
    if !(1..=6).contains(&passes) {
        return Err(OpsError::Params(format!(
            "--passes must be between 1 and 6 (got {passes})"
        )));
    }
    Ok((1u64 << passes) - 1)
}

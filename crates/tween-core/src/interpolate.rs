//! The interpolator contract shared by the classical (tween-flow) and neural
//! (tween-nn) implementations.
//!
//! An interpolator first *prepares* a pair of frames (the classical one computes
//! optical flow in both directions there, once), then *renders* any number of
//! in-between frames from the prepared pair. Rendering one frame at a time keeps
//! memory independent of the factor.

use crate::frame::Frame;

/// Which timesteps an interpolator can render directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timesteps {
    /// Any t in (0, 1).
    Any,
    /// Only t = 0.5; the planner reaches other timesteps by bisection.
    MidpointOnly,
}

/// Errors raised by interpolators.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InterpolateError {
    #[error("frames differ in shape: {a_w}x{a_h} and {b_w}x{b_h} (or in sample depth)")]
    ShapeMismatch {
        a_w: u32,
        a_h: u32,
        b_w: u32,
        b_h: u32,
    },
    #[error("timestep {t} is outside (0, 1)")]
    BadTimestep { t: f64 },
    #[error("this interpolator only renders t = 0.5, asked for {t}")]
    MidpointOnly { t: f64 },
    #[error("{0}")]
    Backend(String),
}

/// Makes in-between frames. Implementations are shared between threads.
pub trait Interpolator: Send + Sync {
    /// A short name for logs and reports ("dis-flow", "rife-v4.25").
    fn name(&self) -> &str;
    /// Which timesteps [`PreparedPair::render`] accepts.
    fn timesteps(&self) -> Timesteps;
    /// Does the per-pair work (for example optical flow) once.
    fn prepare<'a>(
        &'a self,
        a: &'a Frame,
        b: &'a Frame,
    ) -> Result<Box<dyn PreparedPair + 'a>, InterpolateError>;
}

/// A pair of frames ready to be rendered at any supported timestep.
pub trait PreparedPair: Send {
    /// The frame at time `t` in (0, 1) between the pair's first and second frame.
    fn render(&self, t: f64) -> Result<Frame, InterpolateError>;
}

/// Checks the common preconditions of [`Interpolator::prepare`].
pub fn check_pair(a: &Frame, b: &Frame) -> Result<(), InterpolateError> {
    if a.same_shape(b) {
        Ok(())
    } else {
        Err(InterpolateError::ShapeMismatch {
            a_w: a.width(),
            a_h: a.height(),
            b_w: b.width(),
            b_h: b.height(),
        })
    }
}

/// The trivial interpolator: a cross-fade. The baseline in `tween eval` and
/// the `--scene-cut blend` policy.
#[derive(Debug, Default, Clone, Copy)]
pub struct Blend;

struct BlendPair<'a> {
    a: &'a Frame,
    b: &'a Frame,
}

impl Interpolator for Blend {
    fn name(&self) -> &str {
        "blend"
    }
    fn timesteps(&self) -> Timesteps {
        Timesteps::Any
    }
    fn prepare<'a>(
        &'a self,
        a: &'a Frame,
        b: &'a Frame,
    ) -> Result<Box<dyn PreparedPair + 'a>, InterpolateError> {
        check_pair(a, b)?;
        Ok(Box::new(BlendPair { a, b }))
    }
}

impl PreparedPair for BlendPair<'_> {
    fn render(&self, t: f64) -> Result<Frame, InterpolateError> {
        if !(t > 0.0 && t < 1.0) {
            return Err(InterpolateError::BadTimestep { t });
        }
        Ok(self.a.blend(self.b, t as f32))
    }
}

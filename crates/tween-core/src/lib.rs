//! tween-core: the types every other tween crate speaks, and the parts of the
//! pipeline that need no codec and no model: the planner (which source pair and
//! which timestep for each output frame), scene-cut detection, the streaming
//! pipeline, progress/cancellation, and quality metrics.

pub mod error;
pub mod frame;
pub mod interpolate;
pub mod metrics;
pub mod progress;
pub mod rational;

pub use error::CoreError;
pub use frame::{Frame, Pixels};
pub use interpolate::{InterpolateError, Interpolator, PreparedPair, Timesteps};
pub use progress::{NoProgress, Progress};
pub use rational::Rational;

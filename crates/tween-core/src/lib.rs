//! tween-core: the types every other tween crate speaks, and the parts of the
//! pipeline that need no codec and no model: the planner (which source pair and
//! which timestep for each output frame), scene-cut detection, the streaming
//! pipeline, progress/cancellation, and quality metrics.

pub mod bisect;
pub mod colorfix;
pub mod error;
pub mod frame;
pub mod interpolate;
pub mod lanczos;
pub mod metrics;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod rational;
pub mod resample;
pub mod scene;
pub mod upscale;

pub use colorfix::ColorFix;
pub use error::CoreError;
pub use frame::{Frame, Pixels};
pub use interpolate::{Blend, InterpolateError, Interpolator, PreparedPair, Timesteps};
pub use lanczos::LanczosUpscaler;
pub use pipeline::{PipelineConfig, PipelineError, RunStats, SourceFrame};
pub use plan::{OutputRate, Step, Timeline};
pub use progress::{NoProgress, Progress};
pub use rational::Rational;
pub use resample::{resize, ResampleError};
pub use scene::{SceneCutPolicy, SceneDetector};
pub use upscale::{UpscaleError, Upscaler};

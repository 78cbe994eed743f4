//! tween-ops: the operations every tween front end runs — the CLI's commands
//! and the server's workers call the same functions.
//!
//! Each operation takes a plain request (serde, so a job queue can store it),
//! checks every option before it opens a file, builds its model before it
//! touches the output, streams frames with bounded memory, reports progress
//! through [`tween_core::Progress`] (whose `advance` returning `false`
//! cancels), and writes each output under a temporary name that is renamed
//! only when complete ([`PendingOutput`]).

mod encode;
mod error;
mod interpolate;
mod interpolators;
mod output;
mod report;

pub use encode::EncodeOptions;
pub use error::OpsError;
pub use interpolate::{interpolate, output_rate, InterpolateRequest, SceneCut};
pub use interpolators::{build_interpolator, ModelSpec, PadPolicyName, KNOWN as KNOWN_INTERPOLATORS};
pub use output::PendingOutput;
pub use report::Report;

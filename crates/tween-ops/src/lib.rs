//! tween-ops: the operations every tween front end runs — the CLI's commands
//! and the server's workers call the same functions.
//!
//! Each operation takes a plain request (serde, so a job queue can store it),
//! checks every option before it opens a file, builds its model before it
//! touches the output, streams frames with bounded memory, reports progress
//! through [`tween_core::Progress`] (whose `advance` returning `false`
//! cancels), and writes each output under a temporary name that is renamed
//! only when complete ([`PendingOutput`]).

mod batch;
mod chain;
mod destination;
mod encode;
mod error;
mod extract;
mod info;
mod interpolate;
mod interpolators;
mod limits;
mod output;
mod pair;
mod partials;
mod process;
mod reencode;
mod report;
mod stills;
mod transition;
mod upscalers;

pub use batch::{batch, BatchEvent, BatchOp, BatchRequest, BatchSummary, FileOutcome};
pub use chain::{chain, ChainRequest};
pub use encode::{check_crf, crf_range, EncodeOptions};
pub use error::OpsError;
pub use extract::{extract, ExtractRequest};
pub use info::{media_info, MediaInfo};
pub use interpolate::{interpolate, output_rate, InterpolateRequest, SceneCut};
pub use interpolators::{
    build_interpolator, ModelSpec, PadPolicyName, KNOWN as KNOWN_INTERPOLATORS,
};
pub use limits::{
    LimitError, Limits, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_OUTPUT_FRAMES,
    DEFAULT_MAX_OUTPUT_PIXELS,
};
pub use destination::same_destination;
pub use output::{is_multi_file, PendingOutput};
pub use pair::{estimate_pair, pair, Estimate, PairRequest};
pub use process::{process, upscale, Interpolation, ProcessRequest};
pub use reencode::{reencode, ColorChoice, ReencodeRequest};
pub use report::Report;
pub use transition::ResizeMode;
pub use upscalers::{
    build_upscaler, ColorFixName, UpscaleSpec, UpscaleStage, KNOWN as KNOWN_UPSCALERS,
};

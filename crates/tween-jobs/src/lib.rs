//! The job queue behind `tween serve`: jobs and uploads in SQLite (they
//! survive restarts; a job interrupted mid-run is queued again), files in an
//! object store rooted at the data folder (`uploads/`, `results/JOB/`,
//! `tmp/`), a pool of worker threads that run jobs through a [`JobRunner`],
//! live progress and events per job, retention clean-up.
//!
//! No HTTP here: the server crate puts an API in front of [`JobQueue`].

mod error;
mod inputs;
mod live;
mod lock;
mod metrics;
mod model;
mod params;
mod queue;
pub mod retention;
mod storage;
mod store;
mod worker;

pub use error::{JobError, JobsError, ParamError};
pub use inputs::InputResolver;
pub use live::{JobEvent, Live, StopReason};
pub use lock::{DataDirLock, LOCK_FILE};
pub use metrics::{Histogram, JobMetrics, DURATION_BUCKETS};
pub use model::{
    now_ms, rfc3339, ErrorInfo, Job, JobId, JobKind, JobProgress, JobState, ResultFile, Upload,
    UploadId,
};
pub use params::{
    ChainParams, ExtractParams, InputRef, InterpolateParams, PairParams, Params, ReencodeParams,
    UpscaleParams, UpscaleStep,
};
pub use queue::{JobQueue, QueueConfig};
pub use storage::{checked_name, safe_extension, Storage};
pub use store::JobStore;
pub use worker::{content_type, JobContext, JobOutput, JobRunner, WorkerPool};

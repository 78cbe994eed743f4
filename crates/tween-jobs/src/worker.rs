//! The worker pool: N plain threads (never the async runtime) take jobs from
//! the queue and run them through a [`JobRunner`]. A run writes into a
//! private folder under `tmp/`; its files move to `results/JOB/` only when it
//! succeeded.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tween_core::Progress;

use crate::error::JobError;
use crate::live::{JobEvent, StopFlag, StopReason};
use crate::model::{ErrorInfo, Job, JobId, JobProgress, JobState, ResultFile};
use crate::params::{InputRef, Params};
use crate::queue::JobQueue;

/// What a successful run reports besides its files.
#[derive(Debug, Clone, Default)]
pub struct JobOutput {
    /// Facts about the result, shown as the job's `info`.
    pub info: Option<serde_json::Value>,
}

/// Runs one job. Implemented by the server with the real operations.
pub trait JobRunner: Send + Sync + 'static {
    /// Runs `job`, writing its results into `ctx.out_dir()`, reporting to
    /// `ctx.progress()` and returning [`JobError::cancelled`] when that says stop.
    fn run(&self, job: &Job, ctx: &JobContext<'_>) -> Result<JobOutput, JobError>;
}

/// What a run gets: its typed parameters, inputs, output folder, progress.
pub struct JobContext<'a> {
    queue: &'a JobQueue,
    params: Params,
    out_dir: PathBuf,
    progress: &'a RunProgress<'a>,
}

impl JobContext<'_> {
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The local file of an input (`field` names it in errors).
    pub fn input(&self, field: &str, input: &InputRef) -> Result<PathBuf, JobError> {
        Ok(self.queue.resolve(field, input)?)
    }

    /// The folder results go in (plain names; hidden files are ignored).
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// Progress and cancellation for the operation.
    pub fn progress(&self) -> &dyn Progress {
        self.progress
    }

    pub fn is_cancelled(&self) -> bool {
        self.progress.stop.get().is_some()
    }
}

/// Progress of one run: live events, throttled database writes, metrics.
struct RunProgress<'a> {
    queue: &'a JobQueue,
    id: JobId,
    stop: Arc<StopFlag>,
    state: Mutex<Counts>,
}

struct Counts {
    done: u64,
    total: Option<u64>,
    started: Instant,
    last_saved: Option<Instant>,
    last_sent: Option<Instant>,
}

const SAVE_EVERY: Duration = Duration::from_millis(250);
const SEND_EVERY: Duration = Duration::from_millis(100);

impl RunProgress<'_> {
    fn snapshot(&self) -> JobProgress {
        let c = self.state.lock().unwrap_or_else(|p| p.into_inner());
        JobProgress::compute(c.done, c.total, c.started.elapsed().as_secs_f64())
    }

    fn report(&self, force: bool) {
        let now = Instant::now();
        let (p, save, send) = {
            let mut c = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let p = JobProgress::compute(c.done, c.total, c.started.elapsed().as_secs_f64());
            let save = force || c.last_saved.is_none_or(|t| now - t >= SAVE_EVERY);
            let send = force || c.last_sent.is_none_or(|t| now - t >= SEND_EVERY);
            if save {
                c.last_saved = Some(now);
            }
            if send {
                c.last_sent = Some(now);
            }
            (p, save, send)
        };
        if send {
            self.queue
                .live
                .publish(&self.id, JobEvent::Progress(p.clone()));
        }
        if save {
            if let Err(e) = self.queue.store.set_progress(&self.id, &p) {
                tracing::warn!(job = %self.id, "cannot save progress: {e}");
            }
        }
    }
}

impl Progress for RunProgress<'_> {
    fn start(&self, total_frames: Option<u64>) {
        {
            let mut c = self.state.lock().unwrap_or_else(|p| p.into_inner());
            c.total = total_frames;
        }
        self.report(true);
    }

    fn advance(&self, frames: u64) -> bool {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).done += frames;
        self.queue.metrics.add_frames(frames);
        self.report(false);
        self.stop.get().is_none()
    }

    fn finish(&self) {
        self.report(true);
    }
}

/// Running worker threads.
pub struct WorkerPool {
    queue: Arc<JobQueue>,
    stopping: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool")
            .field("threads", &self.threads.len())
            .finish()
    }
}

impl WorkerPool {
    /// Starts `workers` threads (at least one).
    pub fn start(queue: Arc<JobQueue>, runner: Arc<dyn JobRunner>, workers: usize) -> Self {
        let stopping = Arc::new(AtomicBool::new(false));
        let threads = (0..workers.max(1))
            .map(|i| {
                let queue = queue.clone();
                let runner = runner.clone();
                let stopping = stopping.clone();
                std::thread::Builder::new()
                    .name(format!("tween-worker-{i}"))
                    .spawn(move || worker_loop(&queue, runner.as_ref(), &stopping))
                    .expect("spawn worker thread")
            })
            .collect();
        WorkerPool {
            queue,
            stopping,
            threads,
        }
    }

    pub fn size(&self) -> usize {
        self.threads.len()
    }

    /// Stops taking jobs, interrupts running ones (they go back to the
    /// queue) and waits for the threads.
    pub fn shutdown(mut self) {
        self.stop_threads();
    }

    fn stop_threads(&mut self) {
        self.stopping.store(true, Ordering::Release);
        self.queue.live.stop_all(StopReason::Interrupt);
        self.queue.notify();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.stop_threads();
    }
}

fn worker_loop(queue: &JobQueue, runner: &dyn JobRunner, stopping: &AtomicBool) {
    let mut seen = 0;
    while !stopping.load(Ordering::Acquire) {
        match queue.store.claim_next() {
            Ok(Some(job)) => {
                if stopping.load(Ordering::Acquire) {
                    let _ = queue.store.requeue(&job.id);
                    break;
                }
                run_one(queue, runner, job);
            }
            Ok(None) => queue.wait(&mut seen, Duration::from_millis(500)),
            Err(e) => {
                tracing::error!("cannot take a job: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

fn run_one(queue: &JobQueue, runner: &dyn JobRunner, job: Job) {
    let id = job.id.clone();
    let stop = queue.live.start(&id);
    queue
        .live
        .publish(&id, JobEvent::State(Box::new(job.clone())));
    tracing::info!(job = %id, kind = job.kind.as_str(), attempt = job.attempts, "job started");
    let began = Instant::now();
    let outcome = prepare_and_run(queue, runner, &job, &stop);
    let seconds = began.elapsed().as_secs_f64();
    let saved = match outcome {
        Ok((output, progress, dir)) => {
            let r = finish(queue, &job, &output, &progress, &dir);
            let _ = std::fs::remove_dir_all(&dir);
            r
        }
        Err((e, dir)) => {
            if let Some(dir) = dir {
                let _ = std::fs::remove_dir_all(&dir);
            }
            if e.is_cancelled() && stop.get() == Some(StopReason::Interrupt) {
                tracing::info!(job = %id, "job interrupted; queued again");
                queue.store.requeue(&id)
            } else if e.is_cancelled() {
                tracing::info!(job = %id, "job cancelled");
                queue.store.end(&id, JobState::Cancelled, None)
            } else {
                tracing::warn!(job = %id, code = %e.code, "job failed: {}", e.message);
                queue.metrics.add_error(&e.code);
                queue.store.end(
                    &id,
                    JobState::Failed,
                    Some(&ErrorInfo {
                        code: e.code.clone(),
                        message: e.message.clone(),
                    }),
                )
            }
        }
    };
    if let Err(e) = saved {
        tracing::error!(job = %id, "cannot record the end of the job: {e}");
    }
    queue.metrics.observe_duration(job.kind, seconds);
    match queue.store.get(&id) {
        Ok(Some(job)) => queue.live.end(&id, job),
        _ => queue.live.gc(),
    }
}

type RunOk = (JobOutput, JobProgress, PathBuf);
type RunErr = (JobError, Option<PathBuf>);

fn prepare_and_run(
    queue: &JobQueue,
    runner: &dyn JobRunner,
    job: &Job,
    stop: &Arc<StopFlag>,
) -> Result<RunOk, RunErr> {
    let params = Params::parse(job.kind, &job.params)
        .map_err(|e| (JobError::new("bad_params", e.to_string()), None))?;
    let dir = queue
        .storage
        .tmp_dir(job.id.as_str())
        .map_err(|e| (JobError::from(e), None))?;
    let progress = RunProgress {
        queue,
        id: job.id.clone(),
        stop: stop.clone(),
        state: Mutex::new(Counts {
            done: 0,
            total: None,
            started: Instant::now(),
            last_saved: None,
            last_sent: None,
        }),
    };
    let ctx = JobContext {
        queue,
        params,
        out_dir: dir.clone(),
        progress: &progress,
    };
    let result = catch_unwind(AssertUnwindSafe(|| runner.run(job, &ctx)));
    let result = match result {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            Err(JobError::new(
                "internal",
                format!("the worker stopped unexpectedly: {msg}"),
            ))
        }
    };
    match result {
        Ok(output) => Ok((output, progress.snapshot(), dir)),
        Err(e) => Err((e, Some(dir))),
    }
}

fn finish(
    queue: &JobQueue,
    job: &Job,
    output: &JobOutput,
    progress: &JobProgress,
    dir: &Path,
) -> Result<(), crate::JobsError> {
    let files = match queue.storage.commit_results(&job.id, dir) {
        Ok(files) => files,
        Err(e) => {
            queue.metrics.add_error("io_error");
            return queue.store.end(
                &job.id,
                JobState::Failed,
                Some(&ErrorInfo {
                    code: "io_error".into(),
                    message: format!("cannot store the results: {e}"),
                }),
            );
        }
    };
    let results: Vec<ResultFile> = files
        .into_iter()
        .map(|(name, size)| ResultFile {
            content_type: content_type(&name).to_string(),
            url: format!("/api/jobs/{}/results/{name}", job.id),
            name,
            size,
        })
        .collect();
    queue
        .store
        .finish(&job.id, &results, output.info.as_ref(), progress)
}

/// The media type of a result, from its extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "mkv" => "video/x-matroska",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "zip" => "application/zip",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

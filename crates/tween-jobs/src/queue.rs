//! The queue as front ends see it: submit, look up, cancel, delete, watch.
//! It joins the store (durable state), the storage (files), the live state
//! (progress, events, stop flags) and a wake-up for idle workers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;

use crate::error::JobsError;
use crate::inputs::InputResolver;
use crate::live::{JobEvent, Live, StopReason};
use crate::lock::DataDirLock;
use crate::metrics::JobMetrics;
use crate::model::{Job, JobId, JobKind, JobState, Upload, UploadId};
use crate::params::{InputRef, Params};
use crate::storage::Storage;
use crate::store::JobStore;

/// Where the queue keeps its things.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// Holds `jobs.db`, `uploads/`, `results/`, `tmp/`.
    pub data_dir: PathBuf,
    /// The folder `{"path": …}` inputs may come from; None refuses them.
    pub input_dir: Option<PathBuf>,
}

/// The job queue.
#[derive(Debug)]
pub struct JobQueue {
    pub store: JobStore,
    pub storage: Storage,
    pub live: Live,
    pub metrics: JobMetrics,
    resolver: InputResolver,
    wake: (Mutex<u64>, Condvar),
    /// Held while the queue lives: no second queue opens this data folder.
    _lock: DataDirLock,
}

impl JobQueue {
    /// Opens the queue: locks the data folder (refused with
    /// [`JobsError::DataDirInUse`] while another process holds it, before
    /// anything is touched), then jobs left running by a previous process go
    /// back to the queue, and its temporary files are removed.
    pub fn open(config: &QueueConfig) -> Result<Arc<Self>, JobsError> {
        let lock = DataDirLock::acquire(&config.data_dir)?;
        let storage = Storage::open(&config.data_dir)?;
        let store = JobStore::open(&storage.root().join("jobs.db"))?;
        let requeued = store.requeue_interrupted()?;
        if requeued > 0 {
            tracing::info!(
                requeued,
                "jobs interrupted by the last shutdown are queued again"
            );
        }
        let queue = JobQueue {
            store,
            storage,
            live: Live::default(),
            metrics: JobMetrics::default(),
            resolver: InputResolver::new(config.input_dir.as_deref())?,
            wake: (Mutex::new(0), Condvar::new()),
            _lock: lock,
        };
        crate::retention::clean_tmp(&queue, Duration::ZERO)?;
        Ok(Arc::new(queue))
    }

    /// Checks and queues a job.
    pub fn submit(
        &self,
        kind: JobKind,
        params: &serde_json::Value,
        client: &str,
    ) -> Result<Job, JobsError> {
        let typed = Params::parse(kind, params)?;
        for (field, input) in typed.inputs() {
            self.resolve(&field, input)?;
        }
        let job = self
            .store
            .insert(&JobId::new(), kind, &typed.to_value(), client)?;
        self.notify();
        Ok(job)
    }

    /// Checks and queues a job unless `client` already has `max_active`
    /// jobs queued or running ([`JobsError::TooManyJobs`]); the count and
    /// the insert are one statement, so a burst cannot slip past the limit.
    pub fn submit_limited(
        &self,
        kind: JobKind,
        params: &serde_json::Value,
        client: &str,
        max_active: u64,
    ) -> Result<Job, JobsError> {
        let typed = Params::parse(kind, params)?;
        for (field, input) in typed.inputs() {
            self.resolve(&field, input)?;
        }
        let job = self.store.insert_limited(
            &JobId::new(),
            kind,
            &typed.to_value(),
            client,
            max_active,
        )?;
        self.notify();
        Ok(job)
    }

    /// The local file an input names.
    pub fn resolve(&self, field: &str, input: &InputRef) -> Result<PathBuf, JobsError> {
        self.resolver
            .resolve(&self.store, &self.storage, field, input)
    }

    /// A job, with live progress when it is running.
    pub fn get(&self, id: &JobId) -> Result<Job, JobsError> {
        let mut job = self
            .store
            .get(id)?
            .ok_or_else(|| JobsError::JobNotFound(id.to_string()))?;
        if job.state == JobState::Running {
            if let Some(p) = self.live.progress(id) {
                job.progress = p;
            }
        }
        Ok(job)
    }

    pub fn list(&self, state: Option<JobState>, limit: usize) -> Result<Vec<Job>, JobsError> {
        let mut jobs = self.store.list(state, limit)?;
        for job in jobs.iter_mut().filter(|j| j.state == JobState::Running) {
            if let Some(p) = self.live.progress(&job.id) {
                job.progress = p;
            }
        }
        Ok(jobs)
    }

    /// Cancels a job: a queued one at once, a running one when its worker
    /// notices (within a frame or two).
    pub fn cancel(&self, id: &JobId) -> Result<Job, JobsError> {
        if self.store.cancel_if_queued(id)? {
            let job = self.get(id)?;
            self.live.end(id, job.clone());
            return Ok(job);
        }
        let job = self.get(id)?;
        match job.state {
            JobState::Running => {
                self.live.stop(id, StopReason::Cancel);
                Ok(job)
            }
            s => Err(JobsError::NotCancellable {
                id: id.to_string(),
                state: s.as_str(),
            }),
        }
    }

    /// Deletes a finished job and its results.
    pub fn delete(&self, id: &JobId) -> Result<(), JobsError> {
        let job = self.get(id)?;
        if !job.state.is_terminal() {
            return Err(JobsError::NotDeletable {
                id: id.to_string(),
                state: job.state.as_str(),
            });
        }
        self.storage.delete_prefix(&format!("results/{id}"))?;
        self.store.delete(id)
    }

    /// Events of a job from now on.
    pub fn subscribe(&self, id: &JobId) -> broadcast::Receiver<JobEvent> {
        self.live.subscribe(id)
    }

    /// Jobs waiting for a worker.
    pub fn queue_length(&self) -> Result<u64, JobsError> {
        Ok(self
            .store
            .count_by_state()?
            .into_iter()
            .find(|(s, _)| *s == JobState::Queued)
            .map_or(0, |c| c.1))
    }

    /// Stores a received file (now under `tmp/`) as an upload.
    pub fn add_upload(
        &self,
        tmp: &Path,
        id: &UploadId,
        client_name: &str,
        kind: &str,
        info: serde_json::Value,
        client: &str,
    ) -> Result<Upload, JobsError> {
        let ext = crate::storage::safe_extension(client_name);
        let key = Storage::upload_key(id, &ext);
        let size = self.storage.commit_file(tmp, &key)?;
        let upload = Upload {
            id: id.clone(),
            name: display_name(client_name),
            size,
            kind: kind.to_string(),
            info,
            created_at: String::new(),
            stored: key,
            client: client.to_string(),
        };
        self.store.insert_upload(&upload)?;
        self.get_upload(id)
    }

    pub fn get_upload(&self, id: &UploadId) -> Result<Upload, JobsError> {
        self.store
            .get_upload(id)?
            .ok_or_else(|| JobsError::UploadNotFound(id.to_string()))
    }

    /// Wakes idle workers: there is work.
    pub fn notify(&self) {
        let (lock, cv) = &self.wake;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        cv.notify_all();
    }

    /// Waits until notified or `timeout` passes.
    pub(crate) fn wait(&self, seen: &mut u64, timeout: Duration) {
        let (lock, cv) = &self.wake;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        if *guard != *seen {
            *seen = *guard;
            return;
        }
        let (guard, _) = cv
            .wait_timeout(guard, timeout)
            .unwrap_or_else(|p| p.into_inner());
        *seen = *guard;
    }
}

/// The client's file name as display text: its last component, printable
/// characters only, at most 200 characters. Never used as a path.
fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.is_empty() {
        "upload".into()
    } else {
        clean
    }
}

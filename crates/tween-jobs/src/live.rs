//! What only memory holds: the progress of running jobs as it happens, a
//! broadcast channel per job for event streams, and cancel flags.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use crate::model::{Job, JobId, JobProgress};

/// An event of one job.
#[derive(Debug, Clone)]
pub enum JobEvent {
    Progress(JobProgress),
    /// The whole job, on every change of state.
    State(Box<Job>),
}

/// Why a run should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The client cancelled the job.
    Cancel,
    /// The server is stopping: the job goes back to the queue.
    Interrupt,
}

/// A running job's stop flag.
#[derive(Debug, Default)]
pub struct StopFlag(AtomicU8);

impl StopFlag {
    pub fn get(&self) -> Option<StopReason> {
        match self.0.load(Ordering::Acquire) {
            1 => Some(StopReason::Cancel),
            2 => Some(StopReason::Interrupt),
            _ => None,
        }
    }

    pub fn set(&self, reason: StopReason) {
        let v = match reason {
            StopReason::Cancel => 1,
            StopReason::Interrupt => 2,
        };
        // A cancel is not turned into an interrupt: the client asked first.
        let _ = self
            .0
            .compare_exchange(0, v, Ordering::AcqRel, Ordering::Acquire);
    }
}

struct Entry {
    tx: broadcast::Sender<JobEvent>,
    progress: Option<JobProgress>,
    stop: Option<Arc<StopFlag>>,
    cancel_requested: bool,
}

impl Entry {
    fn new() -> Self {
        Entry {
            tx: broadcast::channel(64).0,
            progress: None,
            stop: None,
            cancel_requested: false,
        }
    }
}

/// Live state of all jobs that are running or watched.
#[derive(Default)]
pub struct Live {
    entries: Mutex<HashMap<JobId, Entry>>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("jobs", &self.lock().len())
            .finish()
    }
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, HashMap<JobId, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Events of one job from now on.
    pub fn subscribe(&self, id: &JobId) -> broadcast::Receiver<JobEvent> {
        self.lock()
            .entry(id.clone())
            .or_insert_with(Entry::new)
            .tx
            .subscribe()
    }

    /// A worker starts `id`; returns its stop flag (already set when a cancel
    /// came in between claiming and starting).
    pub fn start(&self, id: &JobId) -> Arc<StopFlag> {
        let mut map = self.lock();
        let entry = map.entry(id.clone()).or_insert_with(Entry::new);
        let flag = Arc::new(StopFlag::default());
        if entry.cancel_requested {
            flag.set(StopReason::Cancel);
        }
        entry.stop = Some(flag.clone());
        entry.progress = Some(JobProgress::default());
        flag
    }

    /// Sends an event to everyone watching `id`.
    pub fn publish(&self, id: &JobId, event: JobEvent) {
        let mut map = self.lock();
        if let JobEvent::Progress(p) = &event {
            if let Some(e) = map.get_mut(id) {
                e.progress = Some(p.clone());
            }
        }
        if let Some(e) = map.get(id) {
            let _ = e.tx.send(event);
        }
    }

    /// The run of `id` ended: the final state goes out and the entry is dropped.
    pub fn end(&self, id: &JobId, job: Job) {
        if let Some(e) = self.lock().remove(id) {
            let _ = e.tx.send(JobEvent::State(Box::new(job)));
        }
    }

    /// Progress of a running job, when a worker has it.
    pub fn progress(&self, id: &JobId) -> Option<JobProgress> {
        self.lock().get(id).and_then(|e| e.progress.clone())
    }

    /// Asks the run of `id` to stop.
    pub fn stop(&self, id: &JobId, reason: StopReason) {
        let mut map = self.lock();
        let entry = map.entry(id.clone()).or_insert_with(Entry::new);
        match &entry.stop {
            Some(flag) => flag.set(reason),
            None => entry.cancel_requested |= reason == StopReason::Cancel,
        }
    }

    /// Asks every run to stop.
    pub fn stop_all(&self, reason: StopReason) {
        for e in self.lock().values() {
            if let Some(flag) = &e.stop {
                flag.set(reason);
            }
        }
    }

    /// Sum of the speeds of running jobs, frames per second.
    pub fn total_fps(&self) -> f64 {
        self.lock()
            .values()
            .filter(|e| e.stop.is_some())
            .filter_map(|e| e.progress.as_ref().map(|p| p.fps))
            .sum()
    }

    /// Entries held (jobs running or watched), for tests and metrics.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Drops the entry of `id` if nobody runs or watches it.
    pub fn forget_idle(&self, id: &JobId) {
        let mut map = self.lock();
        if map
            .get(id)
            .is_some_and(|e| e.stop.is_none() && e.tx.receiver_count() == 0 && !e.cancel_requested)
        {
            map.remove(id);
        }
    }

    /// Drops entries nobody runs or watches any more.
    pub fn gc(&self) {
        self.lock()
            .retain(|_, e| e.stop.is_some() || e.tx.receiver_count() > 0);
    }
}

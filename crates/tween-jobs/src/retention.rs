//! Retention: finished jobs and their results, and uploads no queued or
//! running job needs, are removed after the retention period; leftovers in
//! `tmp/` of runs that are not running any more are removed too.

use std::time::{Duration, SystemTime};

use crate::error::JobsError;
use crate::model::now_ms;
use crate::queue::JobQueue;

/// What one clean-up removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    pub jobs: usize,
    pub uploads: usize,
    pub tmp: usize,
}

/// Removes what is older than `retention`; `tmp/` entries not touched for
/// `tmp_age` (and not belonging to a running job) go too.
pub fn cleanup(
    queue: &JobQueue,
    retention: Duration,
    tmp_age: Duration,
) -> Result<Cleaned, JobsError> {
    let before = now_ms() - retention.as_millis() as i64;
    let mut cleaned = Cleaned::default();
    for id in queue.store.finished_before(before)? {
        queue.storage.delete_prefix(&format!("results/{id}"))?;
        queue.store.delete(&id)?;
        cleaned.jobs += 1;
    }
    let active = queue.store.active_params()?;
    for upload in queue.store.uploads_before(before)? {
        if active.iter().any(|p| p.contains(upload.id.as_str())) {
            continue;
        }
        queue
            .storage
            .delete_prefix(&format!("uploads/{}", upload.id))?;
        queue.store.delete_upload(&upload.id)?;
        cleaned.uploads += 1;
    }
    cleaned.tmp = clean_tmp(queue, tmp_age)?;
    queue.live.gc();
    if cleaned != Cleaned::default() {
        tracing::info!(?cleaned, "retention clean-up");
    }
    Ok(cleaned)
}

/// Removes `tmp/` entries older than `age` that no running job owns.
pub fn clean_tmp(queue: &JobQueue, age: Duration) -> Result<usize, JobsError> {
    let tmp = queue.storage.root().join("tmp");
    let running = queue.store.running()?;
    let mut removed = 0;
    let entries = std::fs::read_dir(&tmp).map_err(JobsError::io(&tmp, "cannot list"))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if running.iter().any(|id| id.as_str() == name) {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        if modified.elapsed().unwrap_or(Duration::MAX) < age {
            continue;
        }
        let path = entry.path();
        let r = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match r {
            Ok(()) => removed += 1,
            Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
        }
    }
    Ok(removed)
}

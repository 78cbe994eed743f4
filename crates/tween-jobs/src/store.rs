//! Jobs and uploads in SQLite. Every change is one statement (or one
//! transaction), so a crash leaves each job in a state it really had; a
//! `running` job found at start-up was interrupted and goes back to the queue.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::JobsError;
use crate::model::{
    now_ms, rfc3339, ErrorInfo, Job, JobId, JobKind, JobProgress, JobState, ResultFile, Upload,
    UploadId,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    client TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    fps REAL NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    results TEXT NOT NULL DEFAULT '[]',
    info TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, seq);
CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    kind TEXT NOT NULL,
    info TEXT NOT NULL,
    stored TEXT NOT NULL,
    client TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
";

const JOB_COLUMNS: &str = "id, kind, state, params, client, created_at, started_at, finished_at, \
     done, total, fps, error_code, error_message, results, info, attempts";

/// The job database.
pub struct JobStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobStore")
            .field("path", &self.path)
            .finish()
    }
}

impl JobStore {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, JobsError> {
        let conn = Connection::open(path).map_err(JobsError::db(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(JobsError::db(path))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(JobsError::db(path))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(JobsError::db(path))?;
        conn.execute_batch(SCHEMA).map_err(JobsError::db(path))?;
        Ok(JobStore {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn err(&self) -> impl FnOnce(rusqlite::Error) -> JobsError + '_ {
        JobsError::db(&self.path)
    }

    /// Adds a queued job.
    pub fn insert(
        &self,
        id: &JobId,
        kind: JobKind,
        params: &serde_json::Value,
        client: &str,
    ) -> Result<Job, JobsError> {
        self.conn()
            .execute(
                "INSERT INTO jobs (id, kind, state, params, client, created_at) VALUES (?1, ?2, 'queued', ?3, ?4, ?5)",
                params![id.as_str(), kind.as_str(), params.to_string(), client, now_ms()],
            )
            .map_err(self.err())?;
        self.get(id)?
            .ok_or_else(|| JobsError::JobNotFound(id.to_string()))
    }

    /// Adds a queued job unless `client` has `max_active` queued or running
    /// already: one INSERT … SELECT … WHERE count < max, atomic in SQLite.
    pub fn insert_limited(
        &self,
        id: &JobId,
        kind: JobKind,
        params: &serde_json::Value,
        client: &str,
        max_active: u64,
    ) -> Result<Job, JobsError> {
        let max = i64::try_from(max_active).unwrap_or(i64::MAX);
        let added = self
            .conn()
            .execute(
                "INSERT INTO jobs (id, kind, state, params, client, created_at) \
                 SELECT ?1, ?2, 'queued', ?3, ?4, ?5 \
                 WHERE (SELECT COUNT(*) FROM jobs WHERE client = ?4 AND state IN ('queued', 'running')) < ?6",
                params![id.as_str(), kind.as_str(), params.to_string(), client, now_ms(), max],
            )
            .map_err(self.err())?;
        if added == 0 {
            return Err(JobsError::TooManyJobs {
                active: self.count_active(client)?,
                max: max_active,
            });
        }
        self.get(id)?
            .ok_or_else(|| JobsError::JobNotFound(id.to_string()))
    }

    pub fn get(&self, id: &JobId) -> Result<Option<Job>, JobsError> {
        self.conn()
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                [id.as_str()],
                job_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Jobs newest first, optionally in one state.
    pub fn list(&self, state: Option<JobState>, limit: usize) -> Result<Vec<Job>, JobsError> {
        let conn = self.conn();
        let limit = limit.min(10_000) as i64;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE (?1 IS NULL OR state = ?1) ORDER BY seq DESC LIMIT ?2"
            ))
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![state.map(|s| s.as_str()), limit], job_from_row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Takes the oldest queued job and marks it running, in one statement (so
    /// two workers, or two processes, never take the same job).
    pub fn claim_next(&self) -> Result<Option<Job>, JobsError> {
        self.conn()
            .query_row(
                &format!(
                    "UPDATE jobs SET state = 'running', started_at = ?1, attempts = attempts + 1, done = 0, fps = 0 \
                     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT 1) \
                     RETURNING {JOB_COLUMNS}"
                ),
                [now_ms()],
                job_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Saves progress of a running job.
    pub fn set_progress(&self, id: &JobId, p: &JobProgress) -> Result<(), JobsError> {
        self.conn()
            .execute(
                "UPDATE jobs SET done = ?2, total = ?3, fps = ?4 WHERE id = ?1 AND state = 'running'",
                params![id.as_str(), p.done as i64, p.total.map(|t| t as i64), p.fps],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// A running job finished with these results.
    pub fn finish(
        &self,
        id: &JobId,
        results: &[ResultFile],
        info: Option<&serde_json::Value>,
        p: &JobProgress,
    ) -> Result<(), JobsError> {
        let results = serde_json::to_string(results).unwrap_or_else(|_| "[]".into());
        self.conn()
            .execute(
                "UPDATE jobs SET state = 'done', finished_at = ?2, results = ?3, info = ?4, done = ?5, total = ?6, fps = ?7 \
                 WHERE id = ?1",
                params![
                    id.as_str(),
                    now_ms(),
                    results,
                    info.map(|v| v.to_string()),
                    p.done as i64,
                    p.total.map(|t| t as i64),
                    p.fps
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// A job failed (or was cancelled: `state` Cancelled, error None).
    pub fn end(
        &self,
        id: &JobId,
        state: JobState,
        error: Option<&ErrorInfo>,
    ) -> Result<(), JobsError> {
        self.conn()
            .execute(
                "UPDATE jobs SET state = ?2, finished_at = ?3, error_code = ?4, error_message = ?5 WHERE id = ?1",
                params![
                    id.as_str(),
                    state.as_str(),
                    now_ms(),
                    error.map(|e| e.code.as_str()),
                    error.map(|e| e.message.as_str())
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Cancels a job if it is still queued; true when it was.
    pub fn cancel_if_queued(&self, id: &JobId) -> Result<bool, JobsError> {
        let n = self
            .conn()
            .execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?2 WHERE id = ?1 AND state = 'queued'",
                params![id.as_str(), now_ms()],
            )
            .map_err(self.err())?;
        Ok(n == 1)
    }

    /// Puts a running job back in the queue (the server is stopping).
    pub fn requeue(&self, id: &JobId) -> Result<(), JobsError> {
        self.conn()
            .execute(
                "UPDATE jobs SET state = 'queued', started_at = NULL, done = 0, fps = 0 WHERE id = ?1 AND state = 'running'",
                [id.as_str()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// At start-up: every job left `running` was interrupted; queue it again.
    /// Returns how many.
    pub fn requeue_interrupted(&self) -> Result<usize, JobsError> {
        self.conn()
            .execute(
                "UPDATE jobs SET state = 'queued', started_at = NULL, done = 0, fps = 0 WHERE state = 'running'",
                [],
            )
            .map_err(self.err())
    }

    /// Queued + running jobs of one client.
    pub fn count_active(&self, client: &str) -> Result<u64, JobsError> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM jobs WHERE client = ?1 AND state IN ('queued', 'running')",
                [client],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(self.err())
    }

    /// How many jobs are in each state (every state listed).
    pub fn count_by_state(&self) -> Result<Vec<(JobState, u64)>, JobsError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")
            .map_err(self.err())?;
        let rows: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<Result<_, _>>()
            .map_err(self.err())?;
        Ok(JobState::ALL
            .into_iter()
            .map(|s| {
                let n = rows
                    .iter()
                    .find(|(name, _)| name == s.as_str())
                    .map_or(0, |r| r.1);
                (s, n as u64)
            })
            .collect())
    }

    pub fn delete(&self, id: &JobId) -> Result<(), JobsError> {
        self.conn()
            .execute("DELETE FROM jobs WHERE id = ?1", [id.as_str()])
            .map_err(self.err())?;
        Ok(())
    }

    /// Terminal jobs that finished before `before_ms`.
    pub fn finished_before(&self, before_ms: i64) -> Result<Vec<JobId>, JobsError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ?1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([before_ms], |r| Ok(JobId(r.get(0)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The parameters of queued and running jobs (to keep their inputs).
    pub fn active_params(&self) -> Result<Vec<String>, JobsError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT params FROM jobs WHERE state IN ('queued', 'running')")
            .map_err(self.err())?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Ids of running jobs.
    pub fn running(&self) -> Result<Vec<JobId>, JobsError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id FROM jobs WHERE state = 'running'")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| Ok(JobId(r.get(0)?)))
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    pub fn insert_upload(&self, u: &Upload) -> Result<(), JobsError> {
        self.conn()
            .execute(
                "INSERT INTO uploads (id, name, size, kind, info, stored, client, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    u.id.as_str(),
                    u.name,
                    u.size as i64,
                    u.kind,
                    u.info.to_string(),
                    u.stored,
                    u.client,
                    now_ms()
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    pub fn get_upload(&self, id: &UploadId) -> Result<Option<Upload>, JobsError> {
        self.conn()
            .query_row(
                "SELECT id, name, size, kind, info, stored, client, created_at FROM uploads WHERE id = ?1",
                [id.as_str()],
                upload_from_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Uploads made before `before_ms`.
    pub fn uploads_before(&self, before_ms: i64) -> Result<Vec<Upload>, JobsError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, name, size, kind, info, stored, client, created_at FROM uploads WHERE created_at < ?1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([before_ms], upload_from_row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    pub fn delete_upload(&self, id: &UploadId) -> Result<(), JobsError> {
        self.conn()
            .execute("DELETE FROM uploads WHERE id = ?1", [id.as_str()])
            .map_err(self.err())?;
        Ok(())
    }
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<Job> {
    let kind: String = r.get(1)?;
    let state: String = r.get(2)?;
    let params: String = r.get(3)?;
    let done: i64 = r.get(8)?;
    let total: Option<i64> = r.get(9)?;
    let fps: f64 = r.get(10)?;
    let error_code: Option<String> = r.get(11)?;
    let error_message: Option<String> = r.get(12)?;
    let results: String = r.get(13)?;
    let info: Option<String> = r.get(14)?;
    let started: Option<i64> = r.get(6)?;
    let finished: Option<i64> = r.get(7)?;
    let bad = |col: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("unknown {what}").into(),
        )
    };
    let kind = JobKind::parse(&kind).ok_or_else(|| bad(1, "job kind"))?;
    let state = JobState::parse(&state).ok_or_else(|| bad(2, "job state"))?;
    let total = total.map(|t| t as u64);
    let mut progress = JobProgress::compute(done as u64, total, 0.0);
    progress.fps = fps;
    if fps > 0.0 {
        progress.eta_s = total.map(|t| t.saturating_sub(done as u64) as f64 / fps);
    }
    Ok(Job {
        id: JobId(r.get(0)?),
        kind,
        state,
        params: serde_json::from_str(&params).unwrap_or(serde_json::Value::Null),
        client: r.get(4)?,
        created_at: rfc3339(r.get(5)?),
        started_at: started.map(rfc3339),
        finished_at: finished.map(rfc3339),
        progress,
        error: error_code.map(|code| ErrorInfo {
            code,
            message: error_message.unwrap_or_default(),
        }),
        results: serde_json::from_str(&results).unwrap_or_default(),
        info: info.and_then(|s| serde_json::from_str(&s).ok()),
        attempts: r.get::<_, i64>(15)? as u32,
    })
}

fn upload_from_row(r: &Row<'_>) -> rusqlite::Result<Upload> {
    let info: String = r.get(4)?;
    Ok(Upload {
        id: UploadId(r.get(0)?),
        name: r.get(1)?,
        size: r.get::<_, i64>(2)? as u64,
        kind: r.get(3)?,
        info: serde_json::from_str(&info).unwrap_or(serde_json::Value::Null),
        stored: r.get(5)?,
        client: r.get(6)?,
        created_at: rfc3339(r.get(7)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> (tempfile::TempDir, JobStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = JobStore::open(&dir.path().join("jobs.db")).unwrap();
        (dir, s)
    }

    #[test]
    fn claim_takes_oldest_queued_once() {
        let (_d, s) = store();
        let a = JobId::new();
        let b = JobId::new();
        s.insert(&a, JobKind::Extract, &json!({"x": 1}), "c1")
            .unwrap();
        s.insert(&b, JobKind::Pair, &json!({}), "c1").unwrap();
        let first = s.claim_next().unwrap().unwrap();
        assert_eq!(first.id, a);
        assert_eq!(first.state, JobState::Running);
        assert_eq!(first.attempts, 1);
        assert_eq!(first.params, json!({"x": 1}));
        assert_eq!(s.claim_next().unwrap().unwrap().id, b);
        assert!(s.claim_next().unwrap().is_none());
        assert_eq!(s.count_active("c1").unwrap(), 2);
    }

    #[test]
    fn interrupted_jobs_are_requeued_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        let id = JobId::new();
        {
            let s = JobStore::open(&path).unwrap();
            s.insert(&id, JobKind::Interpolate, &json!({}), "c")
                .unwrap();
            s.claim_next().unwrap().unwrap();
            s.set_progress(&id, &JobProgress::compute(10, Some(20), 1.0))
                .unwrap();
        }
        let s = JobStore::open(&path).unwrap();
        assert_eq!(s.requeue_interrupted().unwrap(), 1);
        let job = s.get(&id).unwrap().unwrap();
        assert_eq!(job.state, JobState::Queued);
        assert_eq!(job.progress.done, 0);
        let again = s.claim_next().unwrap().unwrap();
        assert_eq!(again.attempts, 2);
    }

    #[test]
    fn cancel_only_while_queued_and_terminal_states_stick() {
        let (_d, s) = store();
        let id = JobId::new();
        s.insert(&id, JobKind::Upscale, &json!({}), "c").unwrap();
        assert!(s.cancel_if_queued(&id).unwrap());
        assert!(!s.cancel_if_queued(&id).unwrap());
        let job = s.get(&id).unwrap().unwrap();
        assert_eq!(job.state, JobState::Cancelled);
        assert!(job.finished_at.is_some());
        let counts = s.count_by_state().unwrap();
        assert_eq!(
            counts
                .iter()
                .find(|c| c.0 == JobState::Cancelled)
                .unwrap()
                .1,
            1
        );
        assert_eq!(
            counts.iter().find(|c| c.0 == JobState::Queued).unwrap().1,
            0
        );
    }

    #[test]
    fn finish_and_fail_are_kept() {
        let (_d, s) = store();
        let a = JobId::new();
        s.insert(&a, JobKind::Reencode, &json!({}), "c").unwrap();
        s.claim_next().unwrap();
        let r = ResultFile {
            name: "result.mp4".into(),
            size: 9,
            content_type: "video/mp4".into(),
            url: "/x".into(),
        };
        s.finish(
            &a,
            std::slice::from_ref(&r),
            Some(&json!({"codec": "h264"})),
            &JobProgress::compute(5, Some(5), 1.0),
        )
        .unwrap();
        let job = s.get(&a).unwrap().unwrap();
        assert_eq!(job.state, JobState::Done);
        assert_eq!(job.results, vec![r]);
        assert_eq!(job.info, Some(json!({"codec": "h264"})));
        assert_eq!(job.progress.fraction, Some(1.0));
        let b = JobId::new();
        s.insert(&b, JobKind::Reencode, &json!({}), "c").unwrap();
        s.claim_next().unwrap();
        s.end(
            &b,
            JobState::Failed,
            Some(&ErrorInfo {
                code: "bad_input".into(),
                message: "x.mp4: no video".into(),
            }),
        )
        .unwrap();
        let job = s.get(&b).unwrap().unwrap();
        assert_eq!(job.error.unwrap().code, "bad_input");
        assert_eq!(s.list(Some(JobState::Failed), 10).unwrap().len(), 1);
        assert_eq!(s.list(None, 10).unwrap()[0].id, b, "newest first");
    }
}

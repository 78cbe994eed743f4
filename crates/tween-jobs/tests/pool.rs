//! The worker pool end to end with a small runner that writes a text file
//! frame by frame: results move from tmp/ to results/ only on success,
//! cancels stop a run, a shutdown puts the running job back in the queue,
//! a panic fails the job without killing the worker.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tween_jobs::{
    Job, JobContext, JobError, JobKind, JobOutput, JobQueue, JobRunner, JobState, Params,
    QueueConfig, WorkerPool,
};

/// Writes one line per "frame" into `out.txt`, `delay` apart; panics on inputs named `panic.mp4`.
struct LineWriter {
    frames: u64,
    delay: Duration,
}

impl JobRunner for LineWriter {
    fn run(&self, _job: &Job, ctx: &JobContext<'_>) -> Result<JobOutput, JobError> {
        let Params::Reencode(p) = ctx.params() else {
            return Err(JobError::new("bad_params", "reencode only"));
        };
        let input = ctx.input("input", &p.input)?;
        if input.ends_with("panic.mp4") {
            panic!("boom");
        }
        let progress = ctx.progress();
        progress.start(Some(self.frames));
        let partial = ctx.out_dir().join(".out.txt.partial");
        let mut text = String::new();
        for i in 0..self.frames {
            std::thread::sleep(self.delay);
            text.push_str(&format!("frame {i}\n"));
            std::fs::write(&partial, &text).unwrap();
            if !progress.advance(1) {
                return Err(JobError::cancelled());
            }
        }
        std::fs::rename(&partial, ctx.out_dir().join("out.txt")).unwrap();
        progress.finish();
        Ok(JobOutput {
            info: Some(json!({"lines": self.frames})),
        })
    }
}

fn open(data: &Path, inputs: &Path) -> Arc<JobQueue> {
    JobQueue::open(&QueueConfig {
        data_dir: data.to_path_buf(),
        input_dir: Some(inputs.to_path_buf()),
    })
    .unwrap()
}

fn wait(queue: &JobQueue, id: &tween_jobs::JobId, secs: u64, ok: impl Fn(&Job) -> bool) -> Job {
    let t0 = Instant::now();
    loop {
        let job = queue.get(id).unwrap();
        if ok(&job) {
            return job;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "timed out: {job:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::write(inputs.join("a.mp4"), b"x").unwrap();
    std::fs::write(inputs.join("panic.mp4"), b"x").unwrap();
    (dir, data, inputs)
}

#[test]
fn results_are_committed_and_progress_reported() {
    let (_d, data, inputs) = setup();
    let queue = open(&data, &inputs);
    let pool = WorkerPool::start(
        queue.clone(),
        Arc::new(LineWriter {
            frames: 5,
            delay: Duration::from_millis(5),
        }),
        2,
    );
    let job = queue
        .submit(JobKind::Reencode, &json!({"input": {"path": "a.mp4"}}), "c")
        .unwrap();
    let mut events = queue.subscribe(&job.id);
    let done = wait(&queue, &job.id, 10, |j| j.state.is_terminal());
    assert_eq!(done.state, JobState::Done, "{done:?}");
    assert_eq!(done.progress.done, 5);
    assert_eq!(done.info, Some(json!({"lines": 5})));
    assert_eq!(done.results.len(), 1);
    assert_eq!(done.results[0].name, "out.txt");
    assert_eq!(
        done.results[0].url,
        format!("/api/jobs/{}/results/out.txt", job.id)
    );
    let text = std::fs::read_to_string(data.join("results").join(job.id.as_str()).join("out.txt"))
        .unwrap();
    assert_eq!(text.lines().count(), 5);
    assert!(!data
        .join("results")
        .join(job.id.as_str())
        .join(".out.txt.partial")
        .exists());
    // The last event is the final state. The store says Done just before
    // the worker publishes that event, so wait (bounded) for it to arrive.
    let mut last = None;
    let t0 = Instant::now();
    loop {
        while let Ok(e) = events.try_recv() {
            last = Some(e);
        }
        let is_state = matches!(last, Some(tween_jobs::JobEvent::State(_)));
        if is_state || t0.elapsed() > Duration::from_secs(5) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    match last {
        Some(tween_jobs::JobEvent::State(j)) => assert_eq!(j.state, JobState::Done),
        other => panic!("last event: {other:?}"),
    }
    assert_eq!(queue.metrics.frames(), 5);
    pool.shutdown();
}

#[test]
fn cancel_stops_a_run_and_a_panic_fails_only_its_job() {
    let (_d, data, inputs) = setup();
    let queue = open(&data, &inputs);
    let pool = WorkerPool::start(
        queue.clone(),
        Arc::new(LineWriter {
            frames: 10_000,
            delay: Duration::from_millis(1),
        }),
        1,
    );
    let boom = queue
        .submit(
            JobKind::Reencode,
            &json!({"input": {"path": "panic.mp4"}}),
            "c",
        )
        .unwrap();
    let failed = wait(&queue, &boom.id, 10, |j| j.state.is_terminal());
    assert_eq!(failed.state, JobState::Failed);
    let err = failed.error.unwrap();
    assert_eq!(err.code, "internal");
    assert!(err.message.contains("boom"), "{}", err.message);
    let long = queue
        .submit(JobKind::Reencode, &json!({"input": {"path": "a.mp4"}}), "c")
        .unwrap();
    wait(&queue, &long.id, 10, |j| {
        j.state == JobState::Running && j.progress.done > 3
    });
    let t0 = Instant::now();
    queue.cancel(&long.id).unwrap();
    let cancelled = wait(&queue, &long.id, 10, |j| j.state.is_terminal());
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "cancel took {:?}",
        t0.elapsed()
    );
    assert!(cancelled.results.is_empty());
    assert!(!data.join("results").join(long.id.as_str()).exists());
    assert_eq!(
        queue.cancel(&long.id).unwrap_err().code(),
        "not_cancellable"
    );
    assert_eq!(queue.metrics.errors().get("internal"), Some(&1));
    pool.shutdown();
}

#[test]
fn shutdown_requeues_the_running_job_and_a_new_pool_finishes_it() {
    let (_d, data, inputs) = setup();
    let queue = open(&data, &inputs);
    let pool = WorkerPool::start(
        queue.clone(),
        Arc::new(LineWriter {
            frames: 10_000,
            delay: Duration::from_millis(1),
        }),
        1,
    );
    let job = queue
        .submit(JobKind::Reencode, &json!({"input": {"path": "a.mp4"}}), "c")
        .unwrap();
    let waiting = queue
        .submit(JobKind::Reencode, &json!({"input": {"path": "a.mp4"}}), "c")
        .unwrap();
    wait(&queue, &job.id, 10, |j| {
        j.state == JobState::Running && j.progress.done > 3
    });
    pool.shutdown();
    assert_eq!(queue.get(&job.id).unwrap().state, JobState::Queued);
    assert_eq!(queue.get(&waiting.id).unwrap().state, JobState::Queued);
    drop(queue);
    let queue = open(&data, &inputs);
    assert!(
        std::fs::read_dir(data.join("tmp"))
            .unwrap()
            .next()
            .is_none(),
        "tmp/ cleaned at start-up"
    );
    let pool = WorkerPool::start(
        queue.clone(),
        Arc::new(LineWriter {
            frames: 3,
            delay: Duration::from_millis(1),
        }),
        1,
    );
    let again = wait(&queue, &job.id, 10, |j| j.state.is_terminal());
    assert_eq!(again.state, JobState::Done);
    assert_eq!(again.attempts, 2);
    assert_eq!(
        wait(&queue, &waiting.id, 10, |j| j.state.is_terminal()).state,
        JobState::Done
    );
    pool.shutdown();
}

#[test]
fn retention_removes_old_jobs_uploads_and_tmp_leftovers() {
    let (_d, data, inputs) = setup();
    let queue = open(&data, &inputs);
    let pool = WorkerPool::start(
        queue.clone(),
        Arc::new(LineWriter {
            frames: 1,
            delay: Duration::ZERO,
        }),
        1,
    );
    let job = queue
        .submit(JobKind::Reencode, &json!({"input": {"path": "a.mp4"}}), "c")
        .unwrap();
    wait(&queue, &job.id, 10, |j| j.state == JobState::Done);
    pool.shutdown();
    let tmp = queue.storage.tmp_file("upload-u_1").unwrap();
    std::fs::write(&tmp, b"upload").unwrap();
    let id = tween_jobs::UploadId::new();
    queue
        .add_upload(&tmp, &id, "clip.mp4", "video", json!({}), "c")
        .unwrap();
    std::fs::write(queue.storage.tmp_file("stale").unwrap(), b"x").unwrap();
    // A long retention keeps everything.
    let kept = tween_jobs::retention::cleanup(
        &queue,
        Duration::from_secs(3600),
        Duration::from_secs(3600),
    )
    .unwrap();
    assert_eq!(kept, tween_jobs::retention::Cleaned::default());
    std::thread::sleep(Duration::from_millis(20));
    let gone =
        tween_jobs::retention::cleanup(&queue, Duration::from_millis(1), Duration::ZERO).unwrap();
    assert_eq!((gone.jobs, gone.uploads, gone.tmp), (1, 1, 1));
    assert!(queue.get(&job.id).is_err());
    assert!(!data.join("results").join(job.id.as_str()).exists());
    assert!(queue.get_upload(&id).is_err());
    assert!(std::fs::read_dir(data.join("uploads"))
        .unwrap()
        .next()
        .is_none());
}

//! `GET /metrics` in Prometheus text format, and the middleware that counts
//! responses by status.

use std::fmt::Write;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tween_jobs::DURATION_BUCKETS;

use crate::error::ApiResult;
use crate::state::AppState;

/// Counts every response by status.
pub async fn count_responses(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    *state
        .responses
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(res.status().as_u16())
        .or_default() += 1;
    res
}

/// The metrics.
#[utoipa::path(get, path = "/metrics", tag = "metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn render(State(state): State<AppState>) -> ApiResult<Response> {
    let q = &state.queue;
    let mut out = String::new();
    let counts = q.store.count_by_state()?;
    out.push_str("# HELP tween_jobs Jobs in the database by state.\n# TYPE tween_jobs gauge\n");
    for (s, n) in &counts {
        let _ = writeln!(out, "tween_jobs{{state=\"{}\"}} {n}", s.as_str());
    }
    let queued = counts
        .iter()
        .find(|c| c.0 == tween_jobs::JobState::Queued)
        .map_or(0, |c| c.1);
    out.push_str(
        "# HELP tween_queue_length Jobs waiting for a worker.\n# TYPE tween_queue_length gauge\n",
    );
    let _ = writeln!(out, "tween_queue_length {queued}");
    out.push_str("# HELP tween_workers Worker threads.\n# TYPE tween_workers gauge\n");
    let _ = writeln!(out, "tween_workers {}", state.workers);
    out.push_str("# HELP tween_frames_processed_total Frames written by jobs since start.\n# TYPE tween_frames_processed_total counter\n");
    let _ = writeln!(out, "tween_frames_processed_total {}", q.metrics.frames());
    out.push_str("# HELP tween_processing_fps Frames per second of the running jobs together.\n# TYPE tween_processing_fps gauge\n");
    let _ = writeln!(out, "tween_processing_fps {:.3}", q.live.total_fps());
    out.push_str("# HELP tween_job_duration_seconds Run time of jobs that ended.\n# TYPE tween_job_duration_seconds histogram\n");
    for (kind, h) in q.metrics.durations() {
        for (i, le) in DURATION_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "tween_job_duration_seconds_bucket{{kind=\"{kind}\",le=\"{le}\"}} {}",
                h.buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "tween_job_duration_seconds_bucket{{kind=\"{kind}\",le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(
            out,
            "tween_job_duration_seconds_sum{{kind=\"{kind}\"}} {}",
            h.sum
        );
        let _ = writeln!(
            out,
            "tween_job_duration_seconds_count{{kind=\"{kind}\"}} {}",
            h.count
        );
    }
    out.push_str(
        "# HELP tween_errors_total Failed jobs by error code.\n# TYPE tween_errors_total counter\n",
    );
    for (code, n) in q.metrics.errors() {
        let _ = writeln!(out, "tween_errors_total{{code=\"{code}\"}} {n}");
    }
    out.push_str("# HELP tween_http_requests_total HTTP responses by status.\n# TYPE tween_http_requests_total counter\n");
    let responses = state
        .responses
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    for (status, n) in responses {
        let _ = writeln!(out, "tween_http_requests_total{{status=\"{status}\"}} {n}");
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

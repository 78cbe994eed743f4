//! `GET /api/jobs/{id}/events`: Server-Sent Events. `state` (the whole job)
//! first and on every change of state, `progress` as frames are written, a
//! keep-alive comment every 15 s; the stream ends after a terminal state.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tween_jobs::{Job, JobEvent};

use crate::error::ApiResult;
use crate::jobs::job_id;
use crate::state::AppState;

/// Streams a job's events.
#[utoipa::path(get, path = "/api/jobs/{id}/events", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream: `state` (job object) and `progress` events", content_type = "text/event-stream"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let id = job_id(&id)?;
    // An unknown id is answered from the database alone: nothing is kept
    // for it. A finished job has one event to send and needs no channel.
    let job = state.queue.get(&id)?;
    let (rx, job) = if job.state.is_terminal() {
        (None, job)
    } else {
        // Subscribe, then read the job again: no change can fall in between.
        let rx = state.queue.subscribe(&id);
        match state.queue.get(&id) {
            Ok(job) => (Some(rx), job),
            Err(e) => {
                drop(rx);
                state.queue.live.forget_idle(&id);
                return Err(e.into());
            }
        }
    };
    let events = futures_util::stream::unfold(Some((rx, Some(job))), next_event);
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keepalive"),
    ))
}

type Cursor = Option<(Option<broadcast::Receiver<JobEvent>>, Option<Job>)>;

async fn next_event(cursor: Cursor) -> Option<(Result<Event, Infallible>, Cursor)> {
    let (rx, first) = cursor?;
    if let Some(job) = first {
        let last = job.state.is_terminal() || rx.is_none();
        return Some((Ok(state_event(&job)), (!last).then_some((rx, None))));
    }
    let mut rx = rx?;
    loop {
        match rx.recv().await {
            Ok(JobEvent::Progress(p)) => {
                let e = Event::default()
                    .event("progress")
                    .json_data(&p)
                    .unwrap_or_default();
                return Some((Ok(e), Some((Some(rx), None))));
            }
            Ok(JobEvent::State(job)) => {
                let last = job.state.is_terminal();
                return Some((Ok(state_event(&job)), (!last).then_some((Some(rx), None))));
            }
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return None,
        }
    }
}

fn state_event(job: &Job) -> Event {
    Event::default()
        .event("state")
        .json_data(job)
        .unwrap_or_default()
}

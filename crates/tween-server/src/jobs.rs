//! `/api/jobs`: create (checked, queued), list, get, cancel, delete, results;
//! `/api/estimate`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use tween_jobs::{checked_name, Job, JobId, JobKind, JobState, Params};

use crate::client::Client;
use crate::error::{ApiError, ApiResult};
use crate::runner;
use crate::state::AppState;

/// What `POST /api/jobs` and `POST /api/estimate` take.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewJob {
    /// extract, pair, chain, interpolate, upscale or reencode.
    pub kind: String,
    /// The kind's parameters (see the API contract).
    #[schema(value_type = Object)]
    #[serde(default)]
    pub params: Value,
}

pub(crate) fn kind_of(kind: &str) -> ApiResult<JobKind> {
    JobKind::parse(kind).ok_or_else(|| {
        ApiError::unprocessable(
            "bad_params",
            format!(
                "kind: {kind:?} is not one of extract, pair, chain, interpolate, upscale, reencode"
            ),
        )
    })
}

pub(crate) fn job_id(id: &str) -> ApiResult<JobId> {
    JobId::parse(id).ok_or_else(|| ApiError::not_found(format!("No job {id:?}.")))
}

/// Queues a job.
#[utoipa::path(post, path = "/api/jobs", tag = "jobs", request_body = NewJob,
    responses((status = 201, body = Job),
              (status = 403, description = "`path_not_allowed`", body = crate::error::ErrorBody),
              (status = 422, description = "`bad_params`, `unknown_input`, `size_mismatch`", body = crate::error::ErrorBody),
              (status = 429, description = "`too_many_jobs`", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<NewJob>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let kind = kind_of(&body.kind)?;
    let queue = state.queue.clone();
    let max = state.config.limits.max_jobs_per_client;
    let job = tokio::task::spawn_blocking(move || {
        let typed = Params::parse(kind, &body.params).map_err(tween_jobs::JobsError::from)?;
        runner::precheck(&queue, &typed)?;
        // Counted and queued in one statement: a burst cannot pass the limit.
        Ok::<_, ApiError>(queue.submit_limited(kind, &body.params, &client.0, max)?)
    })
    .await??;
    tracing::info!(job = %job.id, kind = kind.as_str(), "job queued");
    Ok((StatusCode::CREATED, Json(job)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only jobs in this state.
    pub state: Option<String>,
    /// At most this many (default 50).
    pub limit: Option<usize>,
}

/// Jobs, newest first.
#[utoipa::path(get, path = "/api/jobs", tag = "jobs", params(ListQuery), responses((status = 200, body = Vec<Job>)))]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<Job>>> {
    let filter = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "bad_params",
                format!("state: {s:?} is not one of queued, running, done, failed, cancelled"),
            )
        })?),
    };
    Ok(Json(state.queue.list(filter, q.limit.unwrap_or(50))?))
}

/// One job, with live progress.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    Ok(Json(state.queue.get(&job_id(&id)?)?))
}

/// Cancels a queued job at once, a running one within a frame or two.
#[utoipa::path(post, path = "/api/jobs/{id}/cancel", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 409, description = "`not_cancellable`", body = crate::error::ErrorBody)))]
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    Ok(Json(state.queue.cancel(&job_id(&id)?)?))
}

/// Deletes a finished job and its results.
#[utoipa::path(delete, path = "/api/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 204), (status = 409, description = "`not_deletable`", body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = job_id(&id)?;
    let queue = state.queue.clone();
    tokio::task::spawn_blocking(move || queue.delete(&id)).await??;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ResultQuery {
    /// 1: send as an attachment (Content-Disposition).
    pub download: Option<String>,
}

/// A result file (HTTP Range supported).
#[utoipa::path(get, path = "/api/jobs/{id}/results/{name}", tag = "jobs",
    params(("id" = String, Path), ("name" = String, Path), ResultQuery),
    responses((status = 200, description = "The file"), (status = 206, description = "Part of it"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn result(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    Query(q): Query<ResultQuery>,
    headers: HeaderMap,
) -> ApiResult<Response<Body>> {
    let id = job_id(&id)?;
    let missing = || ApiError::not_found(format!("Job {id} has no result {name:?}."));
    let name = checked_name(&name).map_err(|_| missing())?;
    let job = state.queue.get(&id)?;
    let file = job
        .results
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(missing)?;
    let key = tween_jobs::Storage::result_key(&id, name)?;
    let attach = matches!(q.download.as_deref(), Some("1" | "true")).then_some(name);
    crate::download::serve(&state, &key, &file.content_type, &headers, attach).await
}

/// What a job would produce, before running it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Estimate {
    pub output_frames: u64,
    pub memory_bytes: u64,
    pub seconds: f64,
}

/// Estimates output frames, memory and time (pair, interpolate).
#[utoipa::path(post, path = "/api/estimate", tag = "jobs", request_body = NewJob,
    responses((status = 200, body = Estimate), (status = 422, body = crate::error::ErrorBody)))]
pub async fn estimate(
    State(state): State<AppState>,
    Json(body): Json<NewJob>,
) -> ApiResult<Json<Estimate>> {
    let kind = kind_of(&body.kind)?;
    let queue = state.queue.clone();
    let e = tokio::task::spawn_blocking(move || {
        let typed = Params::parse(kind, &body.params).map_err(tween_jobs::JobsError::from)?;
        runner::estimate(&queue, &typed)
    })
    .await??;
    Ok(Json(e))
}

//! `POST /api/uploads` (multipart, streamed to `tmp/` with the size limit
//! counted as it arrives), `GET /api/uploads/{id}`, `GET /api/uploads/{id}/file`.
//! The client's file name is metadata only; the stored name is generated.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use tokio::io::AsyncWriteExt;
use tween_jobs::{Upload, UploadId};

use crate::client::Client;
use crate::error::{ApiError, ApiResult};
use crate::limits;
use crate::media;
use crate::state::AppState;

/// Uploads one file (multipart field `file`).
#[utoipa::path(post, path = "/api/uploads", tag = "uploads",
    request_body(content_type = "multipart/form-data", description = "One field `file`"),
    responses((status = 201, body = Upload),
              (status = 413, description = "`too_large`", body = crate::error::ErrorBody),
              (status = 422, description = "`too_large_video`, `unreadable_input`", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Upload>)> {
    let max = state.config.limits.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max.saturating_add(64 * 1024)) {
        return Err(limits::too_large(max));
    }
    let id = UploadId::new();
    let tmp = state.queue.storage.tmp_file(&format!("upload-{id}"))?;
    let received = receive(&mut multipart, &tmp, max).await;
    let (name, size) = match received {
        Ok(v) => v,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
    };
    let queue = state.queue.clone();
    let lim = state.config.limits.clone();
    let client = client.0;
    let made = tokio::task::spawn_blocking(move || {
        let done = media::inspect(&tmp, &name)
            .map_err(|m| ApiError::unprocessable("unreadable_input", m))
            .and_then(|i| {
                limits::check_media(&lim, &name, &i)?;
                Ok(i)
            })
            .and_then(|i| Ok(queue.add_upload(&tmp, &id, &name, i.kind, i.info, &client)?));
        if done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        done
    })
    .await??;
    tracing::info!(upload = %made.id, size, "upload stored");
    Ok((StatusCode::CREATED, Json(made)))
}

/// Streams the `file` field into `tmp`, stopping at `max` bytes.
async fn receive(
    multipart: &mut Multipart,
    tmp: &std::path::Path,
    max: u64,
) -> ApiResult<(String, u64)> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            limits::too_large(max)
        } else {
            ApiError::bad_request(
                "bad_upload",
                format!("The upload could not be read: {}", e.body_text()),
            )
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("upload").to_string();
        let mut file = tokio::fs::File::create(tmp)
            .await
            .map_err(ApiError::internal)?;
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            size += chunk.len() as u64;
            if size > max {
                return Err(limits::too_large(max));
            }
            file.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        file.flush().await.map_err(ApiError::internal)?;
        file.sync_all().await.map_err(ApiError::internal)?;
        if size == 0 {
            return Err(ApiError::unprocessable(
                "unreadable_input",
                format!("{name} is empty"),
            ));
        }
        return Ok((name, size));
    }
    Err(ApiError::bad_request(
        "bad_upload",
        "The form has no field named `file`.",
    ))
}

fn upload_id(id: &str) -> ApiResult<UploadId> {
    UploadId::parse(id).ok_or_else(|| ApiError::not_found(format!("No upload {id:?}.")))
}

/// An upload's description.
#[utoipa::path(get, path = "/api/uploads/{id}", tag = "uploads",
    params(("id" = String, Path)), responses((status = 200, body = Upload), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Upload>> {
    Ok(Json(state.queue.get_upload(&upload_id(&id)?)?))
}

/// The uploaded file itself (for previews); supports Range.
#[utoipa::path(get, path = "/api/uploads/{id}/file", tag = "uploads",
    params(("id" = String, Path)), responses((status = 200, description = "The file"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response<Body>> {
    let upload = state.queue.get_upload(&upload_id(&id)?)?;
    let ct = tween_jobs::content_type(&upload.stored);
    crate::download::serve(&state, &upload.stored, ct, &headers, None).await
}

//! The server's one error type, which is also a response: a status and a
//! stable JSON body `{"error":{"code":…,"message":…}}`. Internal details are
//! logged, never sent.

use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use tween_jobs::JobsError;

/// An API error.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `bad_params`, `too_large`, `unauthorized`.
    pub code: String,
    /// A readable sentence.
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// A server-side failure: logged in full, reported as `internal`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server could not complete the request; see its log.",
        )
    }
}

impl From<JobsError> for ApiError {
    fn from(e: JobsError) -> Self {
        let status = match e.code() {
            "bad_params" | "unknown_input" => StatusCode::UNPROCESSABLE_ENTITY,
            "path_not_allowed" => StatusCode::FORBIDDEN,
            "not_found" => StatusCode::NOT_FOUND,
            "not_cancellable" | "not_deletable" => StatusCode::CONFLICT,
            "too_many_jobs" => StatusCode::TOO_MANY_REQUESTS,
            _ => return ApiError::internal(e),
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

/// Makes every error response the JSON body `{"error":{"code","message"}}`:
/// what axum itself answers (malformed JSON, a wrong content type, 405,
/// an empty 416) is rewritten with a code from its status; its text, when
/// there is one, becomes the message. 5xx texts are not passed on.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(res.headers()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (code, fallback) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "The request could not be read."),
        StatusCode::NOT_FOUND => ("not_found", "Nothing here."),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", ""),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "The request took too long to arrive."),
        StatusCode::LENGTH_REQUIRED => ("length_required", "Send a Content-Length."),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "The request body is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "The request body has the wrong content type.",
        ),
        StatusCode::RANGE_NOT_SATISFIABLE => (
            "range_not_satisfiable",
            "The requested range is outside the file.",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ("bad_params", "The request body is not valid."),
        StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "Too many requests."),
        s if s.is_server_error() => (
            "internal",
            "The server could not complete the request; see its log.",
        ),
        _ => ("error", "The request failed."),
    };
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        let allow = parts
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        format!("This route does not take that method; it takes {allow}.")
    } else if text.is_empty() || status.is_server_error() {
        fallback.to_string()
    } else {
        text
    };
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

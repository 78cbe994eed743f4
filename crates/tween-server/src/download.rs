//! Sending a stored file, with HTTP Range (so a <video> element can seek)
//! and, on request, a Content-Disposition with its name.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::TryStreamExt;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Streams the object at `key`.
pub async fn serve(
    state: &AppState,
    key: &str,
    content_type: &str,
    headers: &HeaderMap,
    attachment: Option<&str>,
) -> ApiResult<Response<Body>> {
    let storage = &state.queue.storage;
    let size = storage.size(key).await?.ok_or_else(|| {
        ApiError::not_found("The file is gone (removed by retention or deleted).")
    })?;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) => match parse_range(r, size) {
            Some(r) => Some(r),
            None => {
                return Response::builder()
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                    .body(Body::empty())
                    .map_err(ApiError::internal)
            }
        },
        None => None,
    };
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT_RANGES, "bytes");
    if let Some(name) = attachment {
        let value = format!(
            "attachment; filename=\"{}\"",
            name.replace(['"', '\\'], "_")
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            builder = builder.header(header::CONTENT_DISPOSITION, v);
        }
    }
    if size == 0 {
        return builder.body(Body::empty()).map_err(ApiError::internal);
    }
    let got = storage.get(key, range.clone()).await?;
    let stream = got.into_stream().map_err(std::io::Error::other);
    let builder = match range {
        Some(r) => builder
            .status(StatusCode::PARTIAL_CONTENT)
            .header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end - 1),
            )
            .header(header::CONTENT_LENGTH, r.end - r.start),
        None => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_LENGTH, size),
    };
    builder
        .body(Body::from_stream(stream))
        .map_err(ApiError::internal)
}

/// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, as a half-open range
/// within `size`; None when it cannot be satisfied.
fn parse_range(v: &str, size: u64) -> Option<std::ops::Range<u64>> {
    let spec = v.trim().strip_prefix("bytes=")?;
    let first = spec.split(',').next()?.trim();
    let (a, b) = first.split_once('-')?;
    let r = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        size.saturating_sub(n)..size
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            size
        } else {
            (b.parse::<u64>().ok()? + 1).min(size)
        };
        start..end
    };
    (r.start < r.end && r.start < size).then_some(r)
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(0..10));
        assert_eq!(parse_range("bytes=90-", 100), Some(90..100));
        assert_eq!(parse_range("bytes=-10", 100), Some(90..100));
        assert_eq!(parse_range("bytes=95-200", 100), Some(95..100));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}

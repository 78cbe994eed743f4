//! The limits a client can run into, each a clear 4xx: upload size (413
//! `too_large`), video dimensions and duration (422 `too_large_video`), jobs
//! queued or running per client (429 `too_many_jobs`).

use axum::http::StatusCode;

use crate::config::Limits;
use crate::error::ApiError;
use crate::media::Inspected;

pub fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "The upload is larger than this server accepts ({}).",
            human_bytes(max)
        ),
    )
}

/// Size and duration of an upload against the limits.
pub fn check_media(limits: &Limits, name: &str, i: &Inspected) -> Result<(), ApiError> {
    if i.width > limits.max_width || i.height > limits.max_height {
        return Err(ApiError::unprocessable(
            "too_large_video",
            format!(
                "{name} is {}x{}; this server accepts at most {}x{}.",
                i.width, i.height, limits.max_width, limits.max_height
            ),
        ));
    }
    if let Some(d) = i.duration_s {
        if d > limits.max_duration_s {
            return Err(ApiError::unprocessable(
                "too_large_video",
                format!(
                    "{name} lasts {d:.1} s; this server accepts at most {} s.",
                    limits.max_duration_s
                ),
            ));
        }
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

//! The web UI: every file in `crates/tween-server/ui/` is embedded in the
//! binary at build time (rust-embed; adding a file needs no code change)
//! and served from `/`. Nothing comes from a CDN.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(rust_embed::RustEmbed)]
#[folder = "ui/"]
struct Assets;

/// Serves `/` (index.html) and the UI's files; unknown paths get a JSON 404.
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path) {
        Some(file) if !path.starts_with("api/") => {
            let mime = mime_of(path);
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                file.data.into_owned(),
            )
                .into_response()
        }
        _ => ApiError::not_found(format!("Nothing at {}.", uri.path())).into_response(),
    }
}

fn mime_of(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Names of the embedded files (for tests and the log).
pub fn files() -> Vec<String> {
    Assets::iter().map(|f| f.into_owned()).collect()
}

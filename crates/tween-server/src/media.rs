//! What an uploaded file is (video or image) and its facts, read from its
//! headers by tween-ops. Blocking: handlers call it through spawn_blocking.

use std::path::Path;

use serde_json::{json, Value};

/// A probed upload.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// "video" or "image".
    pub kind: &'static str,
    pub width: u32,
    pub height: u32,
    pub duration_s: Option<f64>,
    pub info: Value,
}

/// Probes `path`; the error is a readable sentence (without the server's path).
pub fn inspect(path: &Path, shown_name: &str) -> Result<Inspected, String> {
    let m = tween_ops::media_info(path).map_err(|e| {
        let text = e
            .to_string()
            .replace(&path.display().to_string(), shown_name);
        format!("{shown_name} cannot be read as a video or image: {text}")
    })?;
    let still = m.container.ends_with("_pipe")
        || m.container == "image2"
        || (m.frames == Some(1)
            && matches!(
                m.video_codec.as_str(),
                "png" | "mjpeg" | "webp" | "bmp" | "tiff"
            ));
    if still {
        let has_alpha = [
            "rgba", "bgra", "argb", "abgr", "ya", "yuva", "gbrap", "pal8",
        ]
        .iter()
        .any(|p| m.pix_fmt.starts_with(p));
        Ok(Inspected {
            kind: "image",
            width: m.width,
            height: m.height,
            duration_s: None,
            info: json!({"width": m.width, "height": m.height, "has_alpha": has_alpha, "bit_depth": m.bit_depth}),
        })
    } else {
        Ok(Inspected {
            kind: "video",
            width: m.width,
            height: m.height,
            duration_s: m.duration_s,
            info: serde_json::to_value(&m).unwrap_or(Value::Null),
        })
    }
}

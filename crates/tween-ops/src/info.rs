//! What a media file holds, as plain data for front ends (the web UI's info
//! panel, `reencode`'s report).

use std::path::Path;

use serde::Serialize;
use tween_video::{ColorRange, VideoInfo};

use crate::OpsError;

/// A video's facts, in the units people read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaInfo {
    pub width: u32,
    pub height: u32,
    /// Exact rate, "30000/1001".
    pub fps: String,
    pub fps_float: f64,
    pub frames: Option<u64>,
    pub duration_s: Option<f64>,
    pub container: String,
    pub video_codec: String,
    pub profile: Option<String>,
    pub pix_fmt: String,
    pub bit_depth: u8,
    pub bit_rate: Option<u64>,
    /// H.273 codes: 1 = BT.709, 2 = unspecified, 6 = BT.601, 9 = BT.2020.
    pub color_primaries: u32,
    pub color_transfer: u32,
    pub color_matrix: u32,
    /// "limited", "full" or "unspecified".
    pub color_range: &'static str,
    pub audio_codec: Option<String>,
    pub audio_streams: u32,
    pub subtitle_streams: u32,
}

impl From<&VideoInfo> for MediaInfo {
    fn from(v: &VideoInfo) -> Self {
        MediaInfo {
            width: v.width,
            height: v.height,
            fps: v.frame_rate.to_string(),
            fps_float: v.frame_rate.to_f64(),
            frames: v.frame_count,
            duration_s: v.duration.map(|d| d.to_f64()),
            container: v.container.clone(),
            video_codec: v.codec.clone(),
            profile: v.profile.clone(),
            pix_fmt: v.pixel_format.clone(),
            bit_depth: v.bit_depth,
            bit_rate: v.bit_rate,
            color_primaries: v.color.primaries,
            color_transfer: v.color.transfer,
            color_matrix: v.color.matrix,
            color_range: match v.color.range {
                ColorRange::Limited => "limited",
                ColorRange::Full => "full",
                _ => "unspecified",
            },
            audio_codec: v.audio_codec.clone(),
            audio_streams: v.audio_streams,
            subtitle_streams: v.subtitle_streams,
        }
    }
}

/// Probes `path` (headers only; nothing is decoded). A still image's size
/// is checked against the default input limit from its own header first:
/// FFmpeg's probe decodes an image whole.
pub fn media_info(path: &Path) -> Result<MediaInfo, OpsError> {
    crate::limits::check_image_header(path, &crate::Limits::default())?;
    Ok(MediaInfo::from(&tween_video::probe(path)?))
}

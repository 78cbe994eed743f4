//! Encoder options as a user gives them, and the encoder settings they make
//! for a given source.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use tween_core::{Frame, Rational};
use tween_video::{EncodeSettings, VideoInfo};

use crate::OpsError;

/// How the output video is encoded (`--codec`, `--crf`, `--preset`, `--bit-depth`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncodeOptions {
    /// libx264 (default), libx265, av1, vp9, ffv1, rawvideo and their aliases.
    pub codec: String,
    /// Constant rate factor; the codec's default when `None`.
    pub crf: Option<u8>,
    /// Encoder preset; the codec's default when `None`.
    pub preset: Option<String>,
    /// 8 or 10; `None` keeps the source's (10 for sources of more than 8 bits).
    pub bit_depth: Option<u8>,
    /// Encoder profile (x264/x265 only: `high`, `main`…); the encoder's choice when `None`.
    pub profile: Option<String>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            codec: "libx264".into(),
            crf: None,
            preset: None,
            bit_depth: None,
            profile: None,
        }
    }
}

impl EncodeOptions {
    /// Checks the options without opening anything.
    pub fn check(&self) -> Result<(), OpsError> {
        tween_video::resolve_codec(&self.codec)?;
        match self.bit_depth {
            None | Some(8) | Some(10) => {}
            Some(d) => {
                return Err(OpsError::Params(format!(
                    "--bit-depth must be 8 or 10 (got {d})"
                )))
            }
        }
        check_crf(&self.codec, self.crf)
    }

    /// Encoder settings for frames shaped like `first` at `rate`, keeping the
    /// source's colour tags and chroma layout.
    pub fn settings(&self, info: &VideoInfo, first: &Frame, rate: Rational) -> EncodeSettings {
        EncodeSettings {
            codec: self.codec.clone(),
            crf: self.crf,
            preset: self.preset.clone(),
            profile: self.profile.clone(),
            frame_rate: rate,
            width: first.width(),
            height: first.height(),
            high_depth: match self.bit_depth {
                Some(d) => d > 8,
                None => first.is_high_depth(),
            },
            color: info.color,
            chroma: info.chroma,
        }
    }
}

/// The `--crf` values `codec`'s encoder accepts: x264 and x265 0–51, AV1
/// (SVT-AV1, libaom) and VP9 0–63; `None` for encoders without a constant
/// rate factor (FFV1 and rawvideo are lossless).
pub fn crf_range(codec: &str) -> Result<Option<RangeInclusive<u8>>, OpsError> {
    Ok(match tween_video::resolve_codec(codec)? {
        "libx264" | "libx265" => Some(0..=51),
        "libsvtav1" | "libaom-av1" | "libvpx-vp9" => Some(0..=63),
        _ => None,
    })
}

/// Refuses a `crf` outside `codec`'s range, naming the option and the
/// range. Encoders without a crf ignore it (the CLI refuses it there).
pub fn check_crf(codec: &str, crf: Option<u8>) -> Result<(), OpsError> {
    match (crf, crf_range(codec)?) {
        (Some(v), Some(range)) if !range.contains(&v) => Err(OpsError::Params(format!(
            "--crf {v} is out of range for {}: it accepts {} to {} (lower is better quality)",
            tween_video::resolve_codec(codec)?,
            range.start(),
            range.end()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod crf_tests {
    use super::*;

    #[test]
    fn crf_ranges_follow_the_codec() {
        assert!(check_crf("libx264", Some(51)).is_ok());
        let e = check_crf("h264", Some(52)).unwrap_err().to_string();
        assert!(e.contains("--crf 52") && e.contains("0 to 51"), "{e}");
        assert!(check_crf("x265", Some(60)).is_err());
        assert!(check_crf("vp9", Some(63)).is_ok() && check_crf("vp9", Some(64)).is_err());
        assert_eq!(crf_range("ffv1").unwrap(), None);
    }
}

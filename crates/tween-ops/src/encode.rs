//! Encoder options as a user gives them, and the encoder settings they make
//! for a given source.

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
        if let Some(crf) = self.crf {
            if crf > 63 {
                return Err(OpsError::Params(format!(
                    "--crf must be between 0 and 63 (got {crf})"
                )));
            }
        }
        Ok(())
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

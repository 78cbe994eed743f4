//! Re-encoding a video for delivery: H.264 high profile, 4:2:0, CRF 18,
//! preset medium, BT.709 tags by default; audio and subtitles kept.

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tween_core::Progress;
use tween_video::{Chroma, ColorTags, EncodeSettings, Passthrough, VideoReader, VideoWriter};

use crate::{OpsError, PendingOutput, Report};

/// The colour tags the re-encoded video carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    /// BT.709 primaries, transfer and matrix, limited range (default).
    #[default]
    Bt709,
    /// Whatever the source says.
    Source,
}

/// `tween reencode`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReencodeRequest {
    pub input: PathBuf,
    pub output: PathBuf,
    pub codec: String,
    pub profile: Option<String>,
    /// yuv420p, yuv422p, yuv444p, or their 10-bit forms (yuv420p10le…).
    pub pix_fmt: String,
    pub crf: Option<u8>,
    pub preset: Option<String>,
    pub color: ColorChoice,
    pub overwrite: bool,
}

impl Default for ReencodeRequest {
    fn default() -> Self {
        ReencodeRequest {
            input: PathBuf::new(),
            output: PathBuf::new(),
            codec: "libx264".into(),
            profile: Some("high".into()),
            pix_fmt: "yuv420p".into(),
            crf: Some(18),
            preset: Some("medium".into()),
            color: ColorChoice::Bt709,
            overwrite: false,
        }
    }
}

impl ReencodeRequest {
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        ReencodeRequest {
            input: input.into(),
            output: output.into(),
            ..Default::default()
        }
    }

    /// The chroma layout and depth `pix_fmt` names.
    fn layout(&self) -> Result<(Chroma, bool), OpsError> {
        let (base, high) = match self.pix_fmt.strip_suffix("10le") {
            Some(b) => (b, true),
            None => (self.pix_fmt.as_str(), false),
        };
        let chroma = match base {
            "yuv420p" => Chroma::Yuv420,
            "yuv422p" => Chroma::Yuv422,
            "yuv444p" => Chroma::Yuv444,
            _ => {
                return Err(OpsError::Params(format!(
                    "--pix-fmt must be yuv420p, yuv422p, yuv444p or their 10-bit forms \
                     (yuv420p10le…); got '{}'",
                    self.pix_fmt
                )))
            }
        };
        Ok((chroma, high))
    }
}

/// Runs `tween reencode`.
pub fn reencode(req: &ReencodeRequest, progress: &dyn Progress) -> Result<Report, OpsError> {
    let (chroma, high_depth) = req.layout()?;
    crate::encode::check_crf(&req.codec, req.crf)?;
    let pending = PendingOutput::new(&req.output, req.overwrite, &[&req.input])?;
    let mut reader = VideoReader::open(&req.input)?;
    let info = reader.info().clone();
    let first = reader.next().transpose()?.ok_or_else(|| {
        OpsError::Input(format!("{}: the video has no frames", req.input.display()))
    })?;
    let settings = EncodeSettings {
        codec: req.codec.clone(),
        crf: req.crf,
        preset: req.preset.clone(),
        profile: req.profile.clone(),
        frame_rate: info.frame_rate,
        width: first.frame.width(),
        height: first.frame.height(),
        high_depth,
        color: match req.color {
            ColorChoice::Bt709 => ColorTags::BT709,
            ColorChoice::Source => info.color,
        },
        chroma,
    };
    let passthrough = Passthrough {
        source: req.input.clone(),
        video_start: first.time,
    };
    let mut writer = VideoWriter::create(pending.temp_path(), &settings, Some(passthrough))
        .map_err(|e| pending.own(e))?;
    progress.start(info.frame_count);
    let started = Instant::now();
    // The flush and the commit still heed a cancel; the bar stays until they end.
    let done = copy_frames(first.frame, reader, &mut writer, progress)
        .map_err(|e| pending.own(e))
        .and_then(|frames| Ok((frames, pending.finish(writer, progress)?)));
    progress.finish();
    let (frames, path) = done?;
    // The output is in place: failing to describe it does not fail the run.
    // A playlist or manifest is not probed (only self-contained files are opened).
    let info = if crate::is_multi_file(&path) {
        None
    } else {
        crate::media_info(&path)
            .inspect_err(|e| {
                tracing::warn!("{}: written, but cannot be described: {e}", path.display())
            })
            .ok()
    };
    Ok(Report {
        outputs: vec![path],
        frames,
        rate: Some(settings.frame_rate.to_string()),
        seconds: started.elapsed().as_secs_f64(),
        info: info.map(|i| serde_json::to_value(i).unwrap_or_default()),
        ..Report::default()
    })
}

/// Writes `first` and the rest of `reader`; stops when `progress` cancels.
fn copy_frames(
    first: tween_core::Frame,
    reader: VideoReader,
    writer: &mut VideoWriter,
    progress: &dyn Progress,
) -> Result<u64, OpsError> {
    let mut frames = 0;
    for frame in std::iter::once(Ok(first)).chain(reader.map(|r| r.map(|tf| tf.frame))) {
        writer.write(&frame?)?;
        frames += 1;
        if !progress.advance(1) {
            return Err(OpsError::Cancelled);
        }
    }
    Ok(frames)
}

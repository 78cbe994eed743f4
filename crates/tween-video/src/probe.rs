//! What a video file holds: size, rate, timing, codec, colour, other streams.

use crate::color::{tags_from_params, Chroma, ColorTags};
use crate::error::VideoError;
use crate::ffi::avformat::{params_of, pix_desc_depth, pix_desc_flags};
use crate::time::{from_ff, ts_to_seconds};
use ffmpeg_next::format::{context::Input, Pixel};
use ffmpeg_next::{ffi, media};
use std::path::{Path, PathBuf};
use tween_core::Rational;

/// Description of a video file, from its container and video stream headers.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    pub path: PathBuf,
    /// FFmpeg's demuxer name, e.g. `"mov,mp4,m4a,3gp,3g2,mj2"` or `"matroska,webm"`.
    pub container: String,
    pub width: u32,
    pub height: u32,
    /// Average frame rate, falling back to the stream's base rate (25 if neither is known).
    pub frame_rate: Rational,
    /// Time base of the video stream's timestamps.
    pub time_base: Rational,
    /// Presentation time of the first video frame the container announces, seconds.
    pub start_time: Rational,
    /// Duration in seconds (video stream, else container), when known.
    pub duration: Option<Rational>,
    /// Number of frames: the container's count, else estimated from the duration.
    pub frame_count: Option<u64>,
    /// Codec name, e.g. `"h264"`.
    pub codec: String,
    /// FFmpeg pixel format name, e.g. `"yuv420p10le"`.
    pub pixel_format: String,
    /// Bits per sample (8, 10, 12, 16).
    pub bit_depth: u8,
    pub chroma: Chroma,
    pub color: ColorTags,
    pub audio_streams: u32,
    pub subtitle_streams: u32,
    /// Codec of the first audio stream, e.g. `"aac"`.
    pub audio_codec: Option<String>,
    /// The video codec's profile, e.g. `"High"`, when the file says.
    pub profile: Option<String>,
    /// Video bit rate in bits per second (stream, else container), when known.
    pub bit_rate: Option<u64>,
    /// Display rotation in degrees as FFmpeg reports it (ffprobe's
    /// `rotation`, counter-clockwise), when the stream has a display matrix.
    pub rotation: Option<f64>,
    /// Sample (pixel) aspect ratio when it is known and not square.
    pub sample_aspect_ratio: Option<Rational>,
    /// Whether the frames hold two interlaced fields, as the stream declares.
    pub field_order: FieldOrder,
}

/// How the lines of a video's frames were captured.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldOrder {
    /// The stream does not say (most progressive files).
    #[default]
    Unknown,
    Progressive,
    /// Interlaced, top field first.
    TopFirst,
    /// Interlaced, bottom field first.
    BottomFirst,
}

impl FieldOrder {
    pub fn is_interlaced(self) -> bool {
        matches!(self, FieldOrder::TopFirst | FieldOrder::BottomFirst)
    }

    fn from_ff(f: ffi::AVFieldOrder) -> Self {
        use ffi::AVFieldOrder::*;
        match f {
            AV_FIELD_PROGRESSIVE => FieldOrder::Progressive,
            // Stored and displayed orders can differ (TB/BT); what matters
            // for deinterlacing is which field is displayed first.
            AV_FIELD_TT | AV_FIELD_TB => FieldOrder::TopFirst,
            AV_FIELD_BB | AV_FIELD_BT => FieldOrder::BottomFirst,
            _ => FieldOrder::Unknown,
        }
    }
}

impl std::fmt::Display for FieldOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FieldOrder::Unknown => "unknown (progressive assumed)",
            FieldOrder::Progressive => "progressive",
            FieldOrder::TopFirst => "interlaced, top field first",
            FieldOrder::BottomFirst => "interlaced, bottom field first",
        })
    }
}

/// Describes the video of `path` from its headers alone: where the
/// container keeps no frame count, the count is estimated from the duration
/// (see [`probe`] for the exact one). Reads no more of the file than opening
/// it does, so checks before a job starts cost the same for any length.
pub fn probe_headers(path: &Path) -> Result<VideoInfo, VideoError> {
    open_described(path).map(|(_, _, info)| info)
}

/// The opened file, its main video stream and that stream's description.
fn open_described(path: &Path) -> Result<(Input, usize, VideoInfo), VideoError> {
    let ictx = open_input(path)?;
    let index = video_stream_index(&ictx, path)?;
    let info = describe(&ictx, index, path);
    Ok((ictx, index, info))
}

/// Reads the headers of `path` and describes its video. When the container
/// keeps no frame count (Matroska, WebM, NUT, raw streams), the video's
/// packets are counted by demuxing the file (nothing is decoded), so the
/// count is exact rather than estimated from a duration, and the duration
/// is where the last frame ends.
pub fn probe(path: &Path) -> Result<VideoInfo, VideoError> {
    let (mut ictx, index, mut info) = open_described(path)?;
    let counted = ictx.stream(index).is_some_and(|s| s.frames() > 0);
    if !counted {
        if let Some(scan) = scan_packets(&mut ictx, index) {
            info.frame_count = Some(scan.packets);
            if let Some(end) = scan.end_ts.and_then(|ts| ts_to_seconds(ts, info.time_base)) {
                if let Some(d) = end.checked_sub(info.start_time).filter(|d| d.is_positive()) {
                    info.duration = Some(d);
                }
            }
        }
    }
    Ok(info)
}

/// What a demux-only pass over a video stream found.
struct PacketScan {
    packets: u64,
    /// The latest `pts + duration` (stream ticks), where packets have both.
    end_ts: Option<i64>,
}

/// Counts the packets (one per frame) of stream `index`, to the end of the
/// file; `None` when the demuxer fails before the end (then the estimate
/// from the headers stands).
fn scan_packets(ictx: &mut Input, index: usize) -> Option<PacketScan> {
    let mut scan = PacketScan {
        packets: 0,
        end_ts: None,
    };
    loop {
        // A fresh packet each time: `av_read_frame` does not release what
        // the packet held, so reusing one keeps every packet's data alive
        // (the whole file, by the end).
        let mut packet = ffmpeg_next::Packet::empty();
        match packet.read(ictx) {
            Ok(()) => {}
            Err(ffmpeg_next::Error::Eof) => break,
            Err(_) => return None,
        }
        if packet.stream() != index || packet.size() == 0 {
            continue;
        }
        scan.packets += 1;
        if let Some(pts) = packet.pts() {
            let end = pts.saturating_add(packet.duration().max(0));
            scan.end_ts = Some(scan.end_ts.map_or(end, |e| e.max(end)));
        }
    }
    (scan.packets > 0).then_some(scan)
}

/// The path as FFmpeg should see it: `file:` is prefixed when the name holds
/// a `:`, which FFmpeg would otherwise take for a protocol (`clip:1.mp4`).
pub(crate) fn ffmpeg_path(path: &Path) -> Option<String> {
    let s = path.to_str()?;
    Some(if s.contains(':') && !s.starts_with("file:") {
        format!("file:{s}")
    } else {
        s.to_string()
    })
}

/// Whether `path` is an image-sequence pattern (`frames/%04d.png`).
fn is_pattern(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains('%'))
}

/// Opens `path` for demuxing, with errors that name the file. FFmpeg may
/// open the file itself and nothing it names (no playlists, lists, external
/// references or URLs): see [`crate::input_policy`]. A name holding `%` is an
/// image-sequence pattern only when no file of that literal name exists.
pub(crate) fn open_input(path: &Path) -> Result<Input, VideoError> {
    crate::init_ffmpeg();
    let pb = || path.to_path_buf();
    let pattern = is_pattern(path) && std::fs::symlink_metadata(path).is_err();
    if !pattern {
        match std::fs::metadata(path) {
            Err(_) => return Err(VideoError::NotFound { path: pb() }),
            Ok(m) if m.is_dir() => {
                return Err(VideoError::NotMedia {
                    path: pb(),
                    reason: "it is a folder".into(),
                })
            }
            Ok(m) if m.len() == 0 => {
                return Err(VideoError::NotMedia {
                    path: pb(),
                    reason: "the file is empty".into(),
                })
            }
            Ok(_) => {}
        }
    }
    let Some(name) = ffmpeg_path(path) else {
        return Err(VideoError::NotMedia {
            path: pb(),
            reason: "the path is not valid UTF-8".into(),
        });
    };
    crate::input_policy::open(path, &name, pattern)
}

/// Index of the main video stream (cover art does not count as video).
pub(crate) fn video_stream_index(ictx: &Input, path: &Path) -> Result<usize, VideoError> {
    let is_real_video = |s: &ffmpeg_next::format::stream::Stream| {
        s.parameters().medium() == media::Type::Video
            && !s
                .disposition()
                .contains(ffmpeg_next::format::stream::Disposition::ATTACHED_PIC)
    };
    if let Some(best) = ictx.streams().best(media::Type::Video) {
        if is_real_video(&best) {
            return Ok(best.index());
        }
    }
    ictx.streams()
        .find(is_real_video)
        .map(|s| s.index())
        .ok_or_else(|| VideoError::NoVideoStream {
            path: path.to_path_buf(),
        })
}

fn valid_rate(r: ffmpeg_next::Rational) -> Option<Rational> {
    from_ff(r).filter(|r| r.is_positive())
}

/// Builds the [`VideoInfo`] of stream `index`.
pub(crate) fn describe(ictx: &Input, index: usize, path: &Path) -> VideoInfo {
    let st = ictx
        .stream(index)
        .expect("index comes from video_stream_index");
    let params = st.parameters();
    let p = params_of(&params);
    let time_base = valid_rate(st.time_base()).unwrap_or(Rational::new(1, 90000));
    let frame_rate = valid_rate(st.avg_frame_rate())
        .or_else(|| valid_rate(st.rate()))
        .unwrap_or_else(|| {
            tracing::warn!("{}: frame rate unknown, assuming 25", path.display());
            Rational::from_int(25)
        });
    let av_tb = Rational::new(1, ffi::AV_TIME_BASE as i64);
    let start_time = match st.start_time() {
        t if t != ffi::AV_NOPTS_VALUE => ts_to_seconds(t, time_base),
        _ => match crate::ffi::avformat::input_start_time(ictx) {
            t if t != ffi::AV_NOPTS_VALUE => ts_to_seconds(t, av_tb),
            _ => None,
        },
    }
    .unwrap_or(Rational::ZERO);
    let duration = match st.duration() {
        d if d > 0 => ts_to_seconds(d, time_base),
        _ => match ictx.duration() {
            d if d > 0 => ts_to_seconds(d, av_tb),
            _ => None,
        },
    };
    let frame_count = match st.frames() {
        n if n > 0 => Some(n as u64),
        _ => duration
            .and_then(|d| d.checked_mul(frame_rate))
            .map(|n| n.round())
            .filter(|&n| n > 0)
            .map(|n| n as u64),
    };
    let display = crate::display::SourceDisplay::read(ictx, index);
    let pix = crate::ffi::avformat::pixel_from_raw(p.format);
    let (bit_depth, chroma) = depth_and_chroma(pix);
    let count = |kind| {
        ictx.streams()
            .filter(|s| s.parameters().medium() == kind)
            .count() as u32
    };
    VideoInfo {
        path: path.to_path_buf(),
        container: ictx.format().name().to_string(),
        width: p.width.max(0) as u32,
        height: p.height.max(0) as u32,
        frame_rate,
        time_base,
        start_time,
        duration,
        frame_count,
        codec: params.id().name().to_string(),
        pixel_format: pix.map_or_else(
            || "unknown".to_string(),
            |f| f.descriptor().map_or("unknown", |d| d.name()).to_string(),
        ),
        bit_depth,
        chroma,
        color: tags_from_params(p),
        audio_streams: count(media::Type::Audio),
        subtitle_streams: count(media::Type::Subtitle),
        audio_codec: ictx
            .streams()
            .find(|s| s.parameters().medium() == media::Type::Audio)
            .map(|s| s.parameters().id().name().to_string()),
        profile: crate::ffi::avformat::profile_name(p),
        bit_rate: match p.bit_rate {
            b if b > 0 => Some(b as u64),
            _ => Some(ictx.bit_rate()).filter(|&b| b > 0).map(|b| b as u64),
        },
        rotation: display.rotation(),
        sample_aspect_ratio: display.sar.and_then(from_ff),
        field_order: FieldOrder::from_ff(crate::ffi::display::field_order(p)),
    }
}

/// When the video stream should end (seconds), from what the file declares
/// about the video stream itself: its duration, its Matroska `DURATION` tag,
/// or the container duration when the video is the only stream. Used to tell
/// a truncated file from a complete one when the demuxer only reports EOF.
pub(crate) fn declared_video_end(ictx: &Input, index: usize, info: &VideoInfo) -> Option<Rational> {
    let st = ictx.stream(index)?;
    let stream_duration = match st.duration() {
        d if d > 0 => ts_to_seconds(d, info.time_base),
        _ => st
            .metadata()
            .get("DURATION")
            .and_then(crate::time::parse_hms),
    };
    let duration = match stream_duration {
        Some(d) => d,
        None if ictx.nb_streams() == 1 => info.duration?,
        None => return None,
    };
    info.start_time.checked_add(duration)
}

/// Bit depth and chroma layout of a pixel format.
pub(crate) fn depth_and_chroma(pix: Option<Pixel>) -> (u8, Chroma) {
    let Some(d) = pix.and_then(|p| p.descriptor()) else {
        return (8, Chroma::Yuv420);
    };
    let flags = pix_desc_flags(d.as_ptr());
    let depth = pix_desc_depth(d.as_ptr()).max(1);
    let chroma = if flags & (ffi::AV_PIX_FMT_FLAG_RGB | ffi::AV_PIX_FMT_FLAG_PAL) as u64 != 0 {
        Chroma::Rgb
    } else if d.nb_components() <= 2 {
        Chroma::Gray
    } else {
        match (d.log2_chroma_w(), d.log2_chroma_h()) {
            (0, 0) => Chroma::Yuv444,
            (1, 0) => Chroma::Yuv422,
            _ => Chroma::Yuv420,
        }
    };
    (depth, chroma)
}

//! Decoding the main video stream of a file to RGB frames with exact
//! timestamps.

use crate::color::{tags_from_frame, ColorTags, UNSPECIFIED};
use crate::convert::ToRgb;
use crate::deinterlace::{Deinterlacer, Pulled};
use crate::error::VideoError;
use crate::ffi::display::frame_is_interlaced;
use crate::probe::{
    declared_video_end, describe, open_input, video_stream_index, FieldOrder, VideoInfo,
};
use crate::time::{ts_to_seconds, GridSnap};
use ffmpeg_next::codec::threading;
use ffmpeg_next::format::context::Input;
use ffmpeg_next::util::error::EAGAIN;
use ffmpeg_next::{decoder, frame, Error, Packet};
use std::path::Path;
use tween_core::{Frame, Rational};

/// A decoded frame and its presentation time.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedFrame {
    pub frame: Frame,
    /// Presentation time in seconds: the decoder's best-effort timestamp ×
    /// the stream time base, exactly; derived from the frame rate (one frame
    /// after the previous) when the file has no timestamp for the frame or
    /// one that does not come after the previous frame's. Timestamps a coarse container
    /// time base rounded (Matroska's milliseconds) are put back on the exact
    /// frame-rate grid, as long as every frame so far lies within that
    /// rounding of it (see `GridSnap`); variable-rate streams keep theirs.
    pub time: Rational,
}

/// How a [`VideoReader`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Deinterlace every frame (libavfilter `bwdif`, one frame per frame)
    /// before it becomes RGB. Without it, interlaced input is read as it
    /// is, with a warning.
    pub deinterlace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    Draining,
    Done,
}

/// Decodes a file's video to RGB frames, in presentation order.
///
/// 8-bit sources give [`tween_core::Pixels::U8`] frames, deeper sources
/// [`tween_core::Pixels::U16`]. Every frame has the size in [`VideoInfo`]
/// (should the stream change size midway, later frames are scaled to it).
/// After the first error the iterator ends.
pub struct VideoReader {
    info: VideoInfo,
    ictx: Input,
    index: usize,
    decoder: decoder::Video,
    to_rgb: ToRgb,
    stream_tags: ColorTags,
    state: State,
    last_time: Option<Rational>,
    /// Puts timestamps the container rounded back on the frame-rate grid.
    snap: GridSnap,
    /// Where the file says the video ends, to detect truncation.
    declared_end: Option<Rational>,
    decoded: frame::Video,
    deinterlacer: Option<Deinterlacer>,
    /// Whether the warning about frames flagged interlaced was given.
    warned_interlaced: bool,
    /// Set at the first timestamp that does not advance: later frames are
    /// timed from the frame rate.
    untrusted_times: bool,
}

impl VideoReader {
    /// Opens `path` and prepares the decoder of its main video stream.
    pub fn open(path: &Path) -> Result<Self, VideoError> {
        Self::open_with(path, ReadOptions::default())
    }

    /// Opens `path` with `options` (deinterlacing).
    pub fn open_with(path: &Path, options: ReadOptions) -> Result<Self, VideoError> {
        let ictx = open_input(path)?;
        let index = video_stream_index(&ictx, path)?;
        let info = describe(&ictx, index, path);
        let st = ictx
            .stream(index)
            .expect("index comes from video_stream_index");
        let unsupported = || VideoError::UnsupportedCodec {
            path: path.to_path_buf(),
            codec: info.codec.clone(),
        };
        let mut ctx = ffmpeg_next::codec::Context::from_parameters(st.parameters())
            .map_err(|_| unsupported())?;
        ctx.set_threading(threading::Config {
            kind: threading::Type::Frame,
            count: 0,
            ..Default::default()
        });
        let decoder = ctx.decoder().video().map_err(|e| match e {
            Error::DecoderNotFound => unsupported(),
            e => VideoError::Decode {
                path: path.to_path_buf(),
                reason: format!("cannot open the decoder: {e}"),
            },
        })?;
        if info.width == 0 || info.height == 0 {
            return Err(VideoError::Corrupt {
                path: path.to_path_buf(),
                detail: "the video size is unknown".into(),
            });
        }
        let to_rgb = ToRgb::new(info.width, info.height, info.bit_depth > 8);
        let mut info = info;
        let deinterlacer = options
            .deinterlace
            .then(|| Deinterlacer::new(st.time_base()));
        if options.deinterlace {
            tracing::info!(
                "{}: deinterlacing ({}) with bwdif",
                path.display(),
                info.field_order
            );
            info.field_order = FieldOrder::Progressive;
        } else if info.field_order.is_interlaced() {
            tracing::warn!(
                "{}: the video is {}; its fields will be treated as whole frames \
                 (use --deinterlace)",
                path.display(),
                info.field_order
            );
        }
        let warned_interlaced = info.field_order.is_interlaced();
        let declared_end = declared_video_end(&ictx, index, &info);
        Ok(VideoReader {
            snap: GridSnap::new(info.frame_rate, info.time_base),
            declared_end,
            stream_tags: info.color,
            info,
            ictx,
            index,
            decoder,
            to_rgb,
            state: State::Reading,
            last_time: None,
            decoded: frame::Video::empty(),
            deinterlacer,
            warned_interlaced,
            untrusted_times: false,
        })
    }

    pub fn info(&self) -> &VideoInfo {
        &self.info
    }

    /// The file being decoded.
    pub fn path(&self) -> &Path {
        &self.info.path
    }

    fn fail(&mut self, err: VideoError) -> Option<Result<TimedFrame, VideoError>> {
        self.state = State::Done;
        Some(Err(err))
    }

    fn corrupt(&self, detail: String) -> VideoError {
        VideoError::Corrupt {
            path: self.info.path.clone(),
            detail,
        }
    }

    fn where_(&self) -> String {
        match self.last_time {
            Some(t) => format!("after the frame at {:.3} s", t.to_f64()),
            None => "before the first frame".to_string(),
        }
    }

    /// At the end: some demuxers (Matroska) report a file cut short as a
    /// plain end of file. Compare with the duration the file declares.
    fn check_complete(&self) -> Result<(), VideoError> {
        let Some(end) = self.declared_end else {
            return Ok(());
        };
        let step = self.info.frame_rate.recip().unwrap_or(Rational::ZERO);
        let reached = match self.last_time {
            Some(t) => t.checked_add(step).unwrap_or(t),
            None => self.info.start_time,
        };
        // Half a second or three frames of slack, whichever is more.
        let slack = std::cmp::max(
            Rational::new(1, 2),
            step.mul_int(3).unwrap_or(Rational::ZERO),
        );
        let short = end.checked_sub(reached).unwrap_or(Rational::ZERO);
        if short > slack {
            return Err(self.corrupt(format!(
                "the video stops at {:.3} s but the file declares {:.3} s: it is truncated",
                reached.to_f64(),
                end.to_f64()
            )));
        }
        Ok(())
    }

    fn emit_or_stop(&mut self) -> Result<TimedFrame, VideoError> {
        let r = self.emit();
        if r.is_err() {
            self.state = State::Done;
        }
        r
    }

    fn deinterlace_failed(&mut self, e: Error) -> Option<Result<TimedFrame, VideoError>> {
        let err = VideoError::Decode {
            path: self.info.path.clone(),
            reason: format!("deinterlacing failed {}: {e}", self.where_()),
        };
        self.fail(err)
    }

    /// Converts the frame in `self.decoded`.
    fn emit(&mut self) -> Result<TimedFrame, VideoError> {
        // Frames out of the deinterlacer carry the best-effort time as pts.
        let ts = match self.deinterlacer {
            Some(_) => self.decoded.pts(),
            None => self.decoded.timestamp(),
        };
        if self.deinterlacer.is_none()
            && !self.warned_interlaced
            && frame_is_interlaced(&self.decoded)
        {
            self.warned_interlaced = true;
            tracing::warn!(
                "{}: frames are flagged interlaced {}; their fields will be treated as \
                 whole frames (use --deinterlace)",
                self.info.path.display(),
                self.where_()
            );
        }
        // Where the file gives no time, the frame follows the one before it
        // by one frame duration. From the first time that does not advance
        // (pts written in decode order, lost on remuxing) the file's times
        // are not trusted: every later frame is timed that way. No frame is
        // dropped.
        let derived = match self.last_time {
            Some(t) => self
                .info
                .frame_rate
                .recip()
                .and_then(|step| t.checked_add(step)),
            None => Some(self.info.start_time),
        }
        .unwrap_or(Rational::ZERO);
        let stamped = ts
            .and_then(|ts| ts_to_seconds(ts, self.info.time_base))
            .map(|t| self.snap.snap(t));
        let time = match stamped {
            _ if self.untrusted_times => derived,
            Some(t) if self.last_time.is_none_or(|last| t > last) => t,
            Some(t) => {
                self.untrusted_times = true;
                tracing::warn!(
                    "{}: the frame stamped {:.3} s does not come after the one before; \
                     timing it and every later frame from the frame rate instead",
                    self.info.path.display(),
                    t.to_f64()
                );
                derived
            }
            None => self.snap.snap(derived),
        };
        let mut tags = tags_from_frame(crate::ffi::avformat::frame_of(&self.decoded));
        if tags.matrix == UNSPECIFIED {
            tags.matrix = self.stream_tags.matrix;
        }
        if tags.range == crate::color::ColorRange::Unspecified {
            tags.range = self.stream_tags.range;
        }
        let frame = self
            .to_rgb
            .convert(&self.decoded, tags)
            .map_err(|e| VideoError::Decode {
                path: self.info.path.clone(),
                reason: format!(
                    "converting the frame at {:.3} s to RGB failed: {e}",
                    time.to_f64()
                ),
            })?;
        self.last_time = Some(time);
        Ok(TimedFrame { frame, time })
    }
}

impl Iterator for VideoReader {
    type Item = Result<TimedFrame, VideoError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.state == State::Done {
                return None;
            }
            if let Some(d) = self.deinterlacer.as_mut() {
                match d.pull(&mut self.decoded) {
                    Ok(Pulled::Frame) => return Some(self.emit_or_stop()),
                    Ok(Pulled::NeedMore) => {}
                    Ok(Pulled::End) => {
                        self.state = State::Done;
                        return self.check_complete().err().map(Err);
                    }
                    Err(e) => return self.deinterlace_failed(e),
                }
            }
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) if self.deinterlacer.is_some() => {
                    let d = self.deinterlacer.as_mut().expect("checked");
                    if let Err(e) = d.push(&mut self.decoded) {
                        return self.deinterlace_failed(e);
                    }
                    continue;
                }
                Ok(()) => {
                    let r = self.emit();
                    if r.is_err() {
                        self.state = State::Done;
                    }
                    return Some(r);
                }
                Err(Error::Eof) => {
                    if let Some(d) = self.deinterlacer.as_mut() {
                        // The filter holds the last frame until told the end.
                        if let Err(e) = d.flush() {
                            return self.deinterlace_failed(e);
                        }
                        continue;
                    }
                    self.state = State::Done;
                    return self.check_complete().err().map(Err);
                }
                Err(Error::InvalidData) => {
                    let err = self.corrupt(format!("damaged video data {}", self.where_()));
                    return self.fail(err);
                }
                Err(Error::Other { errno: EAGAIN }) if self.state == State::Reading => {}
                Err(Error::Other { errno: EAGAIN }) => {
                    // Draining never asks for more input; stop rather than spin.
                    self.state = State::Done;
                    return None;
                }
                Err(e) => {
                    let err = VideoError::Decode {
                        path: self.info.path.clone(),
                        reason: format!("{e} {}", self.where_()),
                    };
                    return self.fail(err);
                }
            }
            let mut packet = Packet::empty();
            match packet.read(&mut self.ictx) {
                Ok(()) if packet.stream() == self.index => {
                    match self.decoder.send_packet(&packet) {
                        Ok(()) => {}
                        Err(Error::InvalidData) => {
                            // Decoders resync at the next keyframe; a damaged packet
                            // is reported in the log but does not end the video.
                            tracing::warn!(
                                "{}: skipped a damaged video packet {}",
                                self.info.path.display(),
                                self.where_()
                            );
                        }
                        Err(e) => {
                            let err = VideoError::Decode {
                                path: self.info.path.clone(),
                                reason: format!("{e} {}", self.where_()),
                            };
                            return self.fail(err);
                        }
                    }
                }
                Ok(()) => {}
                Err(Error::Eof) => {
                    self.state = State::Draining;
                    if let Err(e) = self.decoder.send_eof() {
                        let err = VideoError::Decode {
                            path: self.info.path.clone(),
                            reason: e.to_string(),
                        };
                        return self.fail(err);
                    }
                }
                Err(Error::InvalidData) => {
                    let err =
                        self.corrupt(format!("the demuxer found invalid data {}", self.where_()));
                    return self.fail(err);
                }
                Err(e) => {
                    let err = self.corrupt(format!("reading failed {}: {e}", self.where_()));
                    return self.fail(err);
                }
            }
        }
    }
}

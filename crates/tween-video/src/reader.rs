//! Decoding the main video stream of a file to RGB frames with exact
//! timestamps.

use crate::color::{tags_from_frame, ColorTags, UNSPECIFIED};
use crate::convert::ToRgb;
use crate::error::VideoError;
use crate::probe::{declared_video_end, describe, open_input, video_stream_index, VideoInfo};
use crate::time::ts_to_seconds;
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
    /// the stream time base, exactly; derived from the frame rate when the
    /// file has no timestamp for the frame.
    pub time: Rational,
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
    /// Where the file says the video ends, to detect truncation.
    declared_end: Option<Rational>,
    decoded: frame::Video,
}

impl VideoReader {
    /// Opens `path` and prepares the decoder of its main video stream.
    pub fn open(path: &Path) -> Result<Self, VideoError> {
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
        let declared_end = declared_video_end(&ictx, index, &info);
        Ok(VideoReader {
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

    /// Converts the frame in `self.decoded`.
    fn emit(&mut self) -> Result<TimedFrame, VideoError> {
        let time = self
            .decoded
            .timestamp()
            .and_then(|ts| ts_to_seconds(ts, self.info.time_base))
            .or_else(|| {
                let step = self.info.frame_rate.recip()?;
                match self.last_time {
                    Some(t) => t.checked_add(step),
                    None => Some(self.info.start_time),
                }
            })
            .unwrap_or(Rational::ZERO);
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
            match self.decoder.receive_frame(&mut self.decoded) {
                Ok(()) => {
                    let r = self.emit();
                    if r.is_err() {
                        self.state = State::Done;
                    }
                    return Some(r);
                }
                Err(Error::Eof) => {
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

//! Video I/O through the FFmpeg libraries, in process (`ffmpeg-next`).
//!
//! - [`probe`] reads what a file holds ([`VideoInfo`]);
//! - [`VideoReader`] decodes the best video stream to RGB [`Frame`]s with exact
//!   rational timestamps, converting with the file's own colour matrix and range;
//! - [`VideoWriter`] encodes RGB frames (H.264 by default, also H.265, AV1, VP9,
//!   FFV1), writes colour tags, and copies the audio and subtitle streams of a
//!   source file into the output, in sync, interleaved as it goes — or, with
//!   [`AudioPlan::Concat`]/[`AudioPlan::Cued`], writes one audio track made of
//!   segments of several files ([`AudioSegment`]), encoded as it goes.
//! - [`read_image`] reads a still image (PNG, JPEG, WebP, BMP, TIFF) into a
//!   [`Frame`] and an optional [`Alpha`] plane; [`write_png`] writes one atomically.
//!
//! Every failure is a [`VideoError`] that names the file and the problem.
//!
//! [`Frame`]: tween_core::Frame

mod audio_concat;
mod audio_convert;
mod audio_plan;
mod audio_source;
mod audio_transcode;
mod codec;
mod color;
mod convert;
mod deinterlace;
mod display;
mod error;
mod ffi;
mod input_policy;
mod passthrough;
mod probe;
mod reader;
mod sample_fifo;
mod still;
mod subtitle_transcode;
mod time;
mod writer;

pub use audio_concat::AudioSegment;
pub use audio_plan::AudioPlan;
pub use codec::resolve_codec;
pub use color::{Chroma, ColorRange, ColorTags};
pub use error::VideoError;
pub use probe::{probe, probe_headers, FieldOrder, VideoInfo};
pub use reader::{ReadOptions, TimedFrame, VideoReader};
pub use still::{
    check_image_header, encode_png, read_image, read_image_with_limits, write_png, Alpha,
    AlphaSamples, ImageLimits, StillImage,
};
pub use writer::{EncodeSettings, Passthrough, VideoWriter, WriterEnd};

use std::sync::Once;

/// Initialises FFmpeg once per process and quiets its log to errors only, so
/// that a command's output stays clean.
pub(crate) fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // `init` only registers devices/network on FFmpeg 5; it cannot fail in
        // a way that matters to file I/O, so its result is ignored.
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Error);
    });
}

#[cfg(test)]
mod tests {
    /// Readers and writers move to pipeline threads.
    #[test]
    fn reader_and_writer_are_send() {
        fn is_send<T: Send>() {}
        is_send::<crate::VideoReader>();
        is_send::<crate::VideoWriter>();
        is_send::<crate::VideoError>();
    }
}

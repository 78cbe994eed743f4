//! Stream fields and side data that decide how players show a picture:
//! display matrix, sample aspect ratio, HDR mastering/light-level blocks,
//! field order. `ffmpeg-next` reads stream side data but cannot add any.

use ffmpeg_next::{ffi, format};

/// The display rotation of `matrix` in degrees, as FFmpeg reports it
/// (`av_display_rotation_get`, counter-clockwise; ffprobe's `rotation`).
pub(crate) fn rotation_of(matrix: &[i32; 9]) -> f64 {
    // SAFETY: av_display_rotation_get reads exactly 9 int32 values.
    unsafe { ffi::av_display_rotation_get(matrix.as_ptr()) }
}

/// Adds a side-data block of `kind` holding `data` to an output stream
/// (before the header is written). False when FFmpeg could not allocate it.
pub(crate) fn add_stream_side_data(
    ost: &mut format::stream::StreamMut,
    kind: ffi::AVPacketSideDataType,
    data: &[u8],
) -> bool {
    // SAFETY: `ost` borrows a live stream of an output context we own
    // mutably; av_stream_new_side_data returns a buffer of `data.len()`
    // bytes owned by the stream (or NULL), which we fill completely.
    unsafe {
        let dst = ffi::av_stream_new_side_data(ost.as_mut_ptr(), kind, data.len() as _);
        if dst.is_null() {
            return false;
        }
        std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
    }
    true
}

/// Sets the sample aspect ratio an output stream declares (the container's
/// field; the codec parameters get it from the encoder).
pub(crate) fn set_stream_sar(ost: &mut format::stream::StreamMut, sar: ffmpeg_next::Rational) {
    // SAFETY: `ost` borrows a live stream; sample_aspect_ratio is a plain field.
    unsafe { (*ost.as_mut_ptr()).sample_aspect_ratio = sar.into() };
}

/// The sample aspect ratio of stream `index`, as FFmpeg judges it from the
/// container and the codec (`av_guess_sample_aspect_ratio`); 0/1 when unknown.
pub(crate) fn guess_sar(ictx: &format::context::Input, index: usize) -> ffmpeg_next::Rational {
    // SAFETY: an Input wraps a valid, opened AVFormatContext and `index` is
    // below nb_streams (callers got it from the context); the function only
    // reads the context and the stream. A NULL frame is allowed.
    unsafe {
        let ctx = ictx.as_ptr() as *mut ffi::AVFormatContext;
        let st = *(*ctx).streams.add(index);
        ffi::av_guess_sample_aspect_ratio(ctx, st, std::ptr::null_mut()).into()
    }
}

/// How the fields of a stream's frames are ordered, from its codec parameters.
pub(crate) fn field_order(p: &ffi::AVCodecParameters) -> ffi::AVFieldOrder {
    p.field_order
}

/// Whether a decoded frame says it holds two interlaced fields.
pub(crate) fn frame_is_interlaced(f: &ffmpeg_next::frame::Video) -> bool {
    super::avformat::frame_of(f).interlaced_frame != 0
}

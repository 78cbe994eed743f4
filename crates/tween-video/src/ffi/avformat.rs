//! libavformat/libavcodec queries that `ffmpeg-next` lacks: whether a muxer
//! can hold a codec, and raw access to a few stream fields.

use ffmpeg_next::{ffi, format};

/// Whether the output format can store `codec`: `Some(true/false)`, or
/// `None` when the muxer does not say (then only writing the header tells).
pub(crate) fn query_codec(fmt: &format::Output, codec: ffmpeg_next::codec::Id) -> Option<bool> {
    // SAFETY: `fmt.as_ptr()` is a static AVOutputFormat owned by libavformat;
    // avformat_query_codec only reads it. FF_COMPLIANCE_NORMAL is 0.
    let r = unsafe { ffi::avformat_query_codec(fmt.as_ptr(), codec.into(), 0) };
    match r {
        1 => Some(true),
        0 => Some(false),
        _ => None,
    }
}

/// The muxer's default codec for audio (e.g. AAC for mp4, Opus/Vorbis for webm).
pub(crate) fn default_audio_codec(fmt: &format::Output) -> ffmpeg_next::codec::Id {
    // SAFETY: as above, a static AVOutputFormat read-only.
    unsafe { (*fmt.as_ptr()).audio_codec.into() }
}

/// The muxer's default subtitle codec (mov_text for mp4, ass for mkv, webvtt for webm).
pub(crate) fn default_subtitle_codec(fmt: &format::Output) -> ffmpeg_next::codec::Id {
    // SAFETY: as above, a static AVOutputFormat read-only.
    unsafe { (*fmt.as_ptr()).subtitle_codec.into() }
}

/// Codec parameters of a stream, read-only.
/// The name of the profile `p` declares ("High", "Main 10"), if any.
pub(crate) fn profile_name(p: &ffi::AVCodecParameters) -> Option<String> {
    if p.profile == ffi::FF_PROFILE_UNKNOWN {
        return None;
    }
    // SAFETY: avcodec_profile_name only reads static tables; it returns NULL
    // for unknown pairs and otherwise a static NUL-terminated string.
    let name = unsafe { ffi::avcodec_profile_name(p.codec_id, p.profile) };
    if name.is_null() {
        return None;
    }
    // SAFETY: non-NULL, static and NUL-terminated (see above).
    let s = unsafe { std::ffi::CStr::from_ptr(name) };
    Some(s.to_string_lossy().into_owned())
}

pub(crate) fn params_of(p: &ffmpeg_next::codec::Parameters) -> &ffi::AVCodecParameters {
    // SAFETY: a Parameters value always wraps a valid AVCodecParameters (it is
    // allocated by avcodec_parameters_alloc or borrowed from a live stream) and
    // the returned reference cannot outlive `p`.
    unsafe { &*p.as_ptr() }
}

/// A decoded frame's raw fields, read-only.
pub(crate) fn frame_of(f: &ffmpeg_next::frame::Video) -> &ffi::AVFrame {
    // SAFETY: a frame::Video always wraps a valid AVFrame allocated by
    // av_frame_alloc; the reference cannot outlive `f`.
    unsafe { &*f.as_ptr() }
}

/// Sets the colour fields of an (unopened) encoder context.
pub(crate) fn set_encoder_color(
    enc: &mut ffmpeg_next::encoder::video::Video,
    primaries: ffi::AVColorPrimaries,
    transfer: ffi::AVColorTransferCharacteristic,
    matrix: ffi::AVColorSpace,
    range: ffi::AVColorRange,
) {
    // SAFETY: the encoder wraps a valid AVCodecContext that we own mutably;
    // these are plain enum fields read by avcodec_open2 and the encoder.
    unsafe {
        let ctx = &mut *enc.as_mut_ptr();
        ctx.color_primaries = primaries;
        ctx.color_trc = transfer;
        ctx.colorspace = matrix;
        ctx.color_range = range;
    }
}

/// The `flags` of a pixel format descriptor (AV_PIX_FMT_FLAG_*).
pub(crate) fn pix_desc_flags(desc: *const ffi::AVPixFmtDescriptor) -> u64 {
    if desc.is_null() {
        return 0;
    }
    // SAFETY: non-null descriptors come from av_pix_fmt_desc_get and point into
    // libavutil's static table, valid for the life of the process.
    unsafe { (*desc).flags }
}

/// Bit depth of the first component of a pixel format (8 for yuv420p, 10 for
/// yuv420p10le), 0 when unknown.
pub(crate) fn pix_desc_depth(desc: *const ffi::AVPixFmtDescriptor) -> u8 {
    if desc.is_null() {
        return 0;
    }
    // SAFETY: as in pix_desc_flags; comp has 4 entries, entry 0 always exists.
    unsafe { (*desc).comp[0].depth.clamp(0, 255) as u8 }
}

/// The pixel format whose raw value is `raw` (as stored in
/// AVCodecParameters::format), found by walking FFmpeg's descriptor table so
/// that no integer is turned into a Rust enum unchecked.
pub(crate) fn pixel_from_raw(raw: i32) -> Option<ffmpeg_next::format::Pixel> {
    if raw < 0 {
        return None;
    }
    let mut desc = std::ptr::null();
    loop {
        // SAFETY: av_pix_fmt_desc_next takes null or a pointer it returned
        // before, and returns pointers into libavutil's static table (null at
        // the end). av_pix_fmt_desc_get_id maps such a pointer to its enum
        // value, a valid AVPixelFormat produced by the C library itself.
        unsafe {
            desc = ffi::av_pix_fmt_desc_next(desc);
            if desc.is_null() {
                return None;
            }
            let id = ffi::av_pix_fmt_desc_get_id(desc);
            if id as i32 == raw {
                return Some(id.into());
            }
        }
    }
}

/// Clears the codec tag of an output stream so the muxer picks its own (the
/// source container's tag may mean nothing in the output container).
pub(crate) fn clear_codec_tag(ost: &mut ffmpeg_next::format::stream::StreamMut) {
    set_codec_tag(ost, 0);
}

/// Sets the codec tag (FourCC, `MKTAG` order) of an output stream.
pub(crate) fn set_codec_tag(ost: &mut ffmpeg_next::format::stream::StreamMut, tag: u32) {
    // SAFETY: `ost` borrows a live stream of an output context; its codecpar
    // is a valid AVCodecParameters and codec_tag a plain integer field.
    unsafe { (*ost.parameters().as_mut_ptr()).codec_tag = tag };
}

/// The container's start time in AV_TIME_BASE units (AV_NOPTS_VALUE when unknown).
pub(crate) fn input_start_time(ictx: &ffmpeg_next::format::context::Input) -> i64 {
    // SAFETY: an Input always wraps a valid, opened AVFormatContext.
    unsafe { (*ictx.as_ptr()).start_time }
}

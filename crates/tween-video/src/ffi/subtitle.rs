//! Subtitle codec calls that `ffmpeg-next` 9 does not wrap usefully: the
//! text/bitmap property of a codec, the ASS header a text encoder needs, the
//! decoder's packet time base, and `avcodec_encode_subtitle`'s byte count
//! (the wrapper drops it).

use ffmpeg_next::{codec, ffi, Error};
use std::os::raw::c_int;

/// Whether `id` is a text subtitle codec (subrip, ass, mov_text, webvtt…).
pub(crate) fn is_text_subtitle(id: codec::Id) -> bool {
    // SAFETY: avcodec_descriptor_get accepts any codec id and returns null or
    // a pointer into libavcodec's static descriptor table.
    unsafe {
        let d = ffi::avcodec_descriptor_get(id.into());
        !d.is_null() && (*d).props & ffi::AV_CODEC_PROP_TEXT_SUB != 0
    }
}

/// Tells a decoder the time base of the packets it gets (needed for the
/// subtitle timing fields).
pub(crate) fn set_pkt_timebase(ctx: &mut codec::Context, tb: ffmpeg_next::Rational) {
    // SAFETY: `ctx` wraps a valid AVCodecContext owned mutably here; the
    // field is a plain AVRational read by avcodec_open2 and decoders.
    unsafe { (*ctx.as_mut_ptr()).pkt_timebase = tb.into() };
}

/// Copies the decoder's ASS subtitle header to the (unopened) encoder, as the
/// FFmpeg command line does; text encoders refuse to open without it.
pub(crate) fn copy_subtitle_header(
    dec: &codec::Context,
    enc: &mut codec::Context,
) -> Result<(), Error> {
    // SAFETY: both contexts are valid. The header is `size` bytes owned by the
    // decoder; we allocate size+1 zeroed bytes with av_mallocz (so the copy is
    // NUL-terminated, as encoders expect) and hand ownership to the encoder
    // context, whose avcodec_free_context frees it with av_freep.
    unsafe {
        let d = &*dec.as_ptr();
        if d.subtitle_header.is_null() || d.subtitle_header_size <= 0 {
            return Ok(());
        }
        let size = d.subtitle_header_size as usize;
        let buf = ffi::av_mallocz(size + 1) as *mut u8;
        if buf.is_null() {
            return Err(Error::Other {
                errno: ffmpeg_next::util::error::ENOMEM,
            });
        }
        std::ptr::copy_nonoverlapping(d.subtitle_header, buf, size);
        let e = &mut *enc.as_mut_ptr();
        e.subtitle_header = buf;
        e.subtitle_header_size = size as c_int;
    }
    Ok(())
}

/// Encodes `sub` into `buf`, returning the number of bytes written.
pub(crate) fn encode_subtitle(
    enc: &mut codec::Context,
    sub: &ffmpeg_next::Subtitle,
    buf: &mut [u8],
) -> Result<usize, Error> {
    let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: `enc` is an opened subtitle encoder context, `sub` a valid
    // AVSubtitle filled by a decoder, and `buf` is writable for `len` bytes;
    // the encoder writes at most `len` bytes and returns the count or an error.
    let r = unsafe {
        ffi::avcodec_encode_subtitle(enc.as_mut_ptr(), buf.as_mut_ptr(), len, sub.as_ptr())
    };
    if r < 0 {
        Err(Error::from(r))
    } else {
        Ok(r as usize)
    }
}

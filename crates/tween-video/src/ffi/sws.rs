//! swscale colour-space details: which YUV↔RGB matrix and which ranges a
//! scaling context uses (`sws_setColorspaceDetails`). Without this swscale
//! converts every YUV input as BT.601 limited range.

use ffmpeg_next::ffi;
use ffmpeg_next::software::scaling;
use std::os::raw::c_int;

/// One side of a conversion: its matrix (H.273 code) and whether it is full range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Side {
    pub matrix: u32,
    pub full_range: bool,
}

/// Sets the matrix and range of both sides of `ctx`. Returns false when
/// swscale refuses (it does for YUV→YUV conversions between matrices).
pub(crate) fn set_colorspace_details(ctx: &mut scaling::Context, src: Side, dst: Side) -> bool {
    // sws_getCoefficients maps out-of-table values to its default itself, but
    // keep the argument in range of c_int explicitly.
    let src_matrix = src.matrix.min(255) as c_int;
    let dst_matrix = dst.matrix.min(255) as c_int;
    // SAFETY: `ctx` owns a valid, initialised SwsContext for as long as the
    // borrow lasts. sws_getCoefficients returns a pointer into a static table
    // of 4 ints (never null, it falls back to the default entry), which is what
    // sws_setColorspaceDetails reads; it copies the values, keeping no pointer.
    // Brightness 0, contrast and saturation 1.0 (16.16 fixed point) are the
    // neutral values.
    unsafe {
        let inv_table = ffi::sws_getCoefficients(src_matrix);
        let table = ffi::sws_getCoefficients(dst_matrix);
        ffi::sws_setColorspaceDetails(
            ctx.as_mut_ptr(),
            inv_table,
            src.full_range as c_int,
            table,
            dst.full_range as c_int,
            0,
            1 << 16,
            1 << 16,
        ) >= 0
    }
}

/// A scaling context that may move to another thread.
pub(crate) struct Scaler(pub scaling::Context);

// SAFETY: an SwsContext holds no thread-local state and no reference to the
// thread that made it; FFmpeg only forbids using one context from two threads
// at once. `Scaler` owns its context exclusively and gives access only through
// `&mut self`, so moving it between threads is sound (ffmpeg-next leaves the
// impl out only because the wrapper holds a raw pointer).
unsafe impl Send for Scaler {}

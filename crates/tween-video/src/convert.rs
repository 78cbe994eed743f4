//! Pixel conversion with swscale between decoded/encoded pictures and tween's
//! interleaved RGB [`Frame`], honouring the colour matrix and range.

use crate::color::{ColorRange, ColorTags};
use crate::ffi::sws::{set_colorspace_details, Scaler, Side};
use ffmpeg_next::format::Pixel;
use ffmpeg_next::frame;
use ffmpeg_next::software::scaling::{self, Flags};
use tween_core::{Frame, Pixels};

/// Bicubic with accurate rounding and full chroma interpolation: the best
/// swscale offers for same-size YUV↔RGB conversions.
fn flags() -> Flags {
    Flags::BICUBIC | Flags::ACCURATE_RND | Flags::FULL_CHR_H_INT | Flags::FULL_CHR_H_INP
}

/// Whether `fmt` is an RGB format, i.e. no YUV matrix applies.
pub(crate) fn is_rgb_like(fmt: Pixel) -> bool {
    let flags = fmt
        .descriptor()
        .map_or(0, |d| crate::ffi::avformat::pix_desc_flags(d.as_ptr()));
    flags & ffmpeg_next::ffi::AV_PIX_FMT_FLAG_RGB as u64 != 0
}

/// Whether `fmt` is one of the deprecated full-range "J" formats.
fn is_jpeg_format(fmt: Pixel) -> bool {
    matches!(
        fmt,
        Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P | Pixel::YUVJ440P | Pixel::YUVJ411P
    )
}

/// Key of a scaling context: rebuilt when the input changes mid-stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    format: Pixel,
    width: u32,
    height: u32,
    tags: ColorTags,
}

/// Converts decoded pictures to RGB frames of a fixed size and depth.
pub(crate) struct ToRgb {
    width: u32,
    height: u32,
    high_depth: bool,
    ctx: Option<(Key, Scaler)>,
    out: frame::Video,
}

impl ToRgb {
    pub(crate) fn new(width: u32, height: u32, high_depth: bool) -> Self {
        let fmt = if high_depth {
            Pixel::RGB48LE
        } else {
            Pixel::RGB24
        };
        ToRgb {
            width,
            height,
            high_depth,
            ctx: None,
            out: frame::Video::new(fmt, width, height),
        }
    }

    /// Converts `src`, whose colour tags are `tags` (frame tags, falling back to
    /// the stream's).
    pub(crate) fn convert(
        &mut self,
        src: &frame::Video,
        tags: ColorTags,
    ) -> Result<Frame, ffmpeg_next::Error> {
        let key = Key {
            format: src.format(),
            width: src.width(),
            height: src.height(),
            tags,
        };
        if self.ctx.as_ref().map(|(k, _)| *k) != Some(key) {
            let dst_fmt = self.out.format();
            let mut ctx = scaling::Context::get(
                key.format,
                key.width,
                key.height,
                dst_fmt,
                self.width,
                self.height,
                flags(),
            )?;
            if !is_rgb_like(key.format) {
                let full = is_jpeg_format(key.format) || tags.range == ColorRange::Full;
                let matrix = tags.effective_matrix(key.width, key.height);
                let src_side = Side {
                    matrix,
                    full_range: full,
                };
                let dst_side = Side {
                    matrix,
                    full_range: true,
                };
                if !set_colorspace_details(&mut ctx, src_side, dst_side) {
                    tracing::warn!(
                        "swscale refused colour details {src_side:?}; converting with its defaults"
                    );
                }
            }
            self.ctx = Some((key, Scaler(ctx)));
        }
        let (_, ctx) = self.ctx.as_mut().expect("context was just set");
        ctx.0.run(src, &mut self.out)?;
        Ok(self.to_frame())
    }

    fn to_frame(&self) -> Frame {
        let (w, h) = (self.width as usize, self.height as usize);
        let stride = self.out.stride(0);
        let data = self.out.data(0);
        if self.high_depth {
            let mut v = Vec::with_capacity(w * h * 3);
            for row in data.chunks(stride).take(h) {
                v.extend(
                    row[..w * 6]
                        .chunks_exact(2)
                        .map(|b| u16::from_le_bytes([b[0], b[1]])),
                );
            }
            Frame::from_u16(self.width, self.height, v)
        } else {
            let mut v = Vec::with_capacity(w * h * 3);
            for row in data.chunks(stride).take(h) {
                v.extend_from_slice(&row[..w * 3]);
            }
            Frame::from_u8(self.width, self.height, v)
        }
    }
}

/// Converts RGB frames to an encoder's pixel format.
pub(crate) struct FromRgb {
    ctx8: Option<Scaler>,
    ctx16: Option<Scaler>,
    src8: frame::Video,
    src16: frame::Video,
    dst_format: Pixel,
    width: u32,
    height: u32,
    /// Matrix and range of the encoded side (unused for RGB targets).
    dst: Side,
}

impl FromRgb {
    pub(crate) fn new(width: u32, height: u32, dst_format: Pixel, dst: Side) -> Self {
        FromRgb {
            ctx8: None,
            ctx16: None,
            src8: frame::Video::new(Pixel::RGB24, width, height),
            src16: frame::Video::new(Pixel::RGB48LE, width, height),
            dst_format,
            width,
            height,
            dst,
        }
    }

    /// Converts `f` (already checked to be width×height) into a new encoder frame.
    pub(crate) fn convert(&mut self, f: &Frame) -> Result<frame::Video, ffmpeg_next::Error> {
        let (w, h) = (self.width as usize, self.height as usize);
        let high = f.is_high_depth();
        let (src, slot) = if high {
            (&mut self.src16, &mut self.ctx16)
        } else {
            (&mut self.src8, &mut self.ctx8)
        };
        let stride = src.stride(0);
        let data = src.data_mut(0);
        match f.pixels() {
            Pixels::U8(v) => {
                for (row, line) in data.chunks_mut(stride).zip(v.chunks_exact(w * 3)).take(h) {
                    row[..w * 3].copy_from_slice(line);
                }
            }
            Pixels::U16(v) => {
                for (row, line) in data.chunks_mut(stride).zip(v.chunks_exact(w * 3)).take(h) {
                    for (b, s) in row[..w * 6].chunks_exact_mut(2).zip(line) {
                        b.copy_from_slice(&s.to_le_bytes());
                    }
                }
            }
        }
        if slot.is_none() {
            let mut ctx = scaling::Context::get(
                src.format(),
                self.width,
                self.height,
                self.dst_format,
                self.width,
                self.height,
                flags(),
            )?;
            if !is_rgb_like(self.dst_format) {
                let src_side = Side {
                    matrix: self.dst.matrix,
                    full_range: true,
                };
                if !set_colorspace_details(&mut ctx, src_side, self.dst) {
                    tracing::warn!(
                        "swscale refused colour details {:?}; converting with its defaults",
                        self.dst
                    );
                }
            }
            *slot = Some(Scaler(ctx));
        }
        let ctx = slot.as_mut().expect("context was just set");
        let mut out = frame::Video::new(self.dst_format, self.width, self.height);
        ctx.0.run(src, &mut out)?;
        Ok(out)
    }
}

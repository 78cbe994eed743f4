//! Still images: reading PNG, JPEG, WebP, BMP and TIFF files into a [`Frame`]
//! plus an optional [`Alpha`] plane, and writing PNG (8 or 16-bit, with alpha
//! when given) atomically.
//!
//! - 8-bit images read as [`Pixels::U8`], 16-bit ones (PNG, TIFF) as
//!   [`Pixels::U16`] (full range); gray images are expanded to RGB; float
//!   images (rare in these formats) are quantised to 16 bits.
//! - The format is recognised from the file's content, not its extension.
//! - Decompression bombs are refused: the size in the header is checked against
//!   [`ImageLimits`] before any pixel is decoded, and the decoder's allocations
//!   are capped through `image::Limits`.
//! - [`write_png`] writes to a temporary name beside the final one
//!   (`.NAME.partial-PID-N.png`) and renames it only when complete; on any error the
//!   temporary file is removed.
//!
//! Every failure is a [`VideoError`] naming the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageReader};
use tween_core::{Frame, Pixels};

use crate::VideoError;

/// The alpha (opacity) plane of an image: one sample per pixel, rows top to
/// bottom, 8 or 16 bits like the frame it belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct Alpha {
    width: u32,
    height: u32,
    samples: AlphaSamples,
}

/// The samples of an [`Alpha`] plane.
#[derive(Clone, PartialEq, Eq)]
pub enum AlphaSamples {
    U8(Vec<u8>),
    U16(Vec<u16>),
}

impl std::fmt::Debug for Alpha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let depth = match self.samples {
            AlphaSamples::U8(_) => 8,
            AlphaSamples::U16(_) => 16,
        };
        write!(f, "Alpha({}x{}, {depth}-bit)", self.width, self.height)
    }
}

impl Alpha {
    /// An alpha plane; `None` when the sample count is not `width × height`.
    pub fn new(width: u32, height: u32, samples: AlphaSamples) -> Option<Alpha> {
        let n = match &samples {
            AlphaSamples::U8(v) => v.len(),
            AlphaSamples::U16(v) => v.len(),
        };
        (n == width as usize * height as usize).then_some(Alpha {
            width,
            height,
            samples,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn samples(&self) -> &AlphaSamples {
        &self.samples
    }

    /// True when every pixel is fully opaque (the plane can be dropped).
    pub fn is_opaque(&self) -> bool {
        match &self.samples {
            AlphaSamples::U8(v) => v.iter().all(|&a| a == u8::MAX),
            AlphaSamples::U16(v) => v.iter().all(|&a| a == u16::MAX),
        }
    }

    /// The plane as a gray RGB frame (R = G = B = alpha), so that it can go
    /// through anything that takes frames (an upscaler, a resize).
    pub fn to_gray_frame(&self) -> Frame {
        match &self.samples {
            AlphaSamples::U8(v) => Frame::from_u8(
                self.width,
                self.height,
                v.iter().flat_map(|&a| [a; 3]).collect(),
            ),
            AlphaSamples::U16(v) => Frame::from_u16(
                self.width,
                self.height,
                v.iter().flat_map(|&a| [a; 3]).collect(),
            ),
        }
    }

    /// An alpha plane from a gray frame (the rounded mean of R, G and B, which
    /// are equal for a frame made by [`Alpha::to_gray_frame`]).
    pub fn from_gray_frame(frame: &Frame) -> Alpha {
        let samples = match frame.pixels() {
            Pixels::U8(v) => AlphaSamples::U8(
                v.chunks_exact(3)
                    .map(|p| ((p[0] as u32 + p[1] as u32 + p[2] as u32 + 1) / 3) as u8)
                    .collect(),
            ),
            Pixels::U16(v) => AlphaSamples::U16(
                v.chunks_exact(3)
                    .map(|p| ((p[0] as u32 + p[1] as u32 + p[2] as u32 + 1) / 3) as u16)
                    .collect(),
            ),
        };
        Alpha {
            width: frame.width(),
            height: frame.height(),
            samples,
        }
    }

    /// The same plane with 8-bit samples (16-bit ones rounded).
    fn to_u8(&self) -> Vec<u8> {
        match &self.samples {
            AlphaSamples::U8(v) => v.clone(),
            AlphaSamples::U16(v) => v
                .iter()
                .map(|&a| ((a as u32 * 255 + 32767) / 65535) as u8)
                .collect(),
        }
    }

    /// The same plane with 16-bit samples (8-bit ones scaled by 257).
    fn to_u16(&self) -> Vec<u16> {
        match &self.samples {
            AlphaSamples::U8(v) => v.iter().map(|&a| a as u16 * 257).collect(),
            AlphaSamples::U16(v) => v.clone(),
        }
    }
}

/// A decoded still image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StillImage {
    /// The colour picture.
    pub frame: Frame,
    /// The opacity, when the file has an alpha channel (same size and depth).
    pub alpha: Option<Alpha>,
}

/// The largest image [`read_image_with_limits`] decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageLimits {
    /// Longest side, in pixels.
    pub max_side: u32,
    /// Most pixels (width × height).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    /// 32768 pixels a side and 2^28 pixels (16384 × 16384) in all.
    fn default() -> Self {
        ImageLimits {
            max_side: 32_768,
            max_pixels: 1 << 28,
        }
    }
}

/// Reads a still image with the default [`ImageLimits`].
pub fn read_image(path: &Path) -> Result<StillImage, VideoError> {
    read_image_with_limits(path, &ImageLimits::default())
}

/// Reads a still image (PNG, JPEG, WebP, BMP, TIFF; the format is taken from
/// the content), refusing images larger than `limits`.
pub fn read_image_with_limits(path: &Path, limits: &ImageLimits) -> Result<StillImage, VideoError> {
    let p = path.to_path_buf();
    let io_err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => VideoError::NotFound { path: p.clone() },
        _ => VideoError::NotAnImage {
            path: p.clone(),
            reason: e.to_string(),
        },
    };
    let mut reader = ImageReader::open(path)
        .map_err(io_err)?
        .with_guessed_format()
        .map_err(io_err)?;
    if reader.format().is_none() {
        return Err(VideoError::NotAnImage {
            path: p,
            reason: "not a PNG, JPEG, WebP, BMP or TIFF image".into(),
        });
    }
    reader.limits(decoder_caps(limits));
    let decoder = reader
        .into_decoder()
        .map_err(|e| image_error(path, e, limits))?;
    let (w, h) = decoder.dimensions();
    check_size(path, w, h, limits)?;
    let img = DynamicImage::from_decoder(decoder).map_err(|e| image_error(path, e, limits))?;
    Ok(to_still(img))
}

/// The size a still image's header declares, checked against `limits`;
/// nothing but the header is read. `Ok(None)` when the file is not a PNG,
/// JPEG, WebP, BMP or TIFF image (a video, or a format only FFmpeg reads).
pub fn check_image_header(
    path: &Path,
    limits: &ImageLimits,
) -> Result<Option<(u32, u32)>, VideoError> {
    let p = path.to_path_buf();
    let io_err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => VideoError::NotFound { path: p.clone() },
        _ => VideoError::NotAnImage {
            path: p.clone(),
            reason: e.to_string(),
        },
    };
    // From the content alone: a video named .png is not a PNG.
    let file = File::open(path).map_err(io_err)?;
    let mut reader = ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(io_err)?;
    if reader.format().is_none() {
        return Ok(None);
    }
    let gif = reader.format() == Some(image::ImageFormat::Gif);
    reader.limits(decoder_caps(limits));
    let (w, h) = match reader.into_dimensions() {
        Ok(d) => d,
        // GIF is read by FFmpeg, not compiled in here: its screen size is
        // the 4 bytes after the signature.
        Err(ImageError::Unsupported(_)) if gif => gif_size(path)?,
        // Another format recognised but not compiled in: FFmpeg's to read.
        Err(ImageError::Unsupported(_)) => return Ok(None),
        Err(e) => return Err(image_error(path, e, limits)),
    };
    check_size(path, w, h, limits)?;
    Ok(Some((w, h)))
}

/// A GIF's logical screen size (`GIF89a`, then width and height, 16-bit LE).
fn gif_size(path: &Path) -> Result<(u32, u32), VideoError> {
    let mut head = [0u8; 10];
    File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map_err(|_| VideoError::Corrupt {
            path: path.to_path_buf(),
            detail: "the GIF header ends early".into(),
        })?;
    let w = u16::from_le_bytes([head[6], head[7]]);
    let h = u16::from_le_bytes([head[8], head[9]]);
    Ok((w.into(), h.into()))
}

/// The `image` crate's allocation caps for images within `limits`.
fn decoder_caps(limits: &ImageLimits) -> image::Limits {
    let mut caps = image::Limits::default();
    caps.max_image_width = Some(limits.max_side);
    caps.max_image_height = Some(limits.max_side);
    // Room for the widest decoded layout (RGBA, 16 bits) plus the decoder's own buffers.
    caps.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    caps
}

fn check_size(path: &Path, w: u32, h: u32, limits: &ImageLimits) -> Result<(), VideoError> {
    let too_large = |why: String| VideoError::ImageTooLarge {
        path: path.to_path_buf(),
        detail: format!("{w}x{h} pixels, {why}"),
    };
    if w == 0 || h == 0 {
        return Err(VideoError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("the image is {w}x{h}, it has no pixels"),
        });
    }
    if w.max(h) > limits.max_side {
        return Err(too_large(format!(
            "more than {} on a side",
            limits.max_side
        )));
    }
    if w as u64 * h as u64 > limits.max_pixels {
        return Err(too_large(format!(
            "more than {} pixels in all",
            limits.max_pixels
        )));
    }
    Ok(())
}

/// Maps the `image` crate's errors to ours, naming the file.
fn image_error(path: &Path, e: ImageError, limits: &ImageLimits) -> VideoError {
    let path = path.to_path_buf();
    match e {
        ImageError::Limits(e) => VideoError::ImageTooLarge {
            path,
            detail: format!(
                "{e}: at most {} pixels a side and {} pixels in all",
                limits.max_side, limits.max_pixels
            ),
        },
        ImageError::Unsupported(e) => VideoError::NotAnImage {
            path,
            reason: e.to_string(),
        },
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            VideoError::Corrupt {
                path,
                detail: "the image data ends early".into(),
            }
        }
        e => VideoError::Corrupt {
            path,
            detail: e.to_string(),
        },
    }
}

fn to_still(img: DynamicImage) -> StillImage {
    let (w, h) = (img.width(), img.height());
    let color = img.color();
    let high = color.bytes_per_pixel() / color.channel_count() > 1;
    match (high, color.has_alpha()) {
        (false, false) => StillImage {
            frame: Frame::from_u8(w, h, img.into_rgb8().into_raw()),
            alpha: None,
        },
        (true, false) => StillImage {
            frame: Frame::from_u16(w, h, img.into_rgb16().into_raw()),
            alpha: None,
        },
        (false, true) => {
            let (rgb, a) = split_alpha(img.into_rgba8().into_raw());
            StillImage {
                frame: Frame::from_u8(w, h, rgb),
                alpha: Alpha::new(w, h, AlphaSamples::U8(a)),
            }
        }
        (true, true) => {
            let (rgb, a) = split_alpha(img.into_rgba16().into_raw());
            StillImage {
                frame: Frame::from_u16(w, h, rgb),
                alpha: Alpha::new(w, h, AlphaSamples::U16(a)),
            }
        }
    }
}

/// Interleaved RGBA samples as RGB and alpha.
fn split_alpha<T: Copy>(rgba: Vec<T>) -> (Vec<T>, Vec<T>) {
    let rgb = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let a = rgba.chunks_exact(4).map(|p| p[3]).collect();
    (rgb, a)
}

/// `frame` (and `alpha`, when given) encoded as PNG into `out`; `path` only
/// names the file in errors. The bit depth is the frame's (8 or 16); an
/// alpha plane of the other depth is converted.
pub fn encode_png(
    out: impl Write,
    path: &Path,
    frame: &Frame,
    alpha: Option<&Alpha>,
) -> Result<(), VideoError> {
    let (w, h) = (frame.width(), frame.height());
    let settings = |reason: String| VideoError::Settings {
        path: path.to_path_buf(),
        reason,
    };
    if w == 0 || h == 0 {
        return Err(settings(format!("the frame is {w}x{h}, it has no pixels")));
    }
    if let Some(a) = alpha {
        if (a.width, a.height) != (w, h) {
            return Err(settings(format!(
                "the alpha plane is {}x{} but the frame is {w}x{h}",
                a.width, a.height
            )));
        }
    }
    let (bytes, color): (Vec<u8>, ExtendedColorType) = match (frame.pixels(), alpha) {
        (Pixels::U8(v), None) => (v.clone(), ExtendedColorType::Rgb8),
        (Pixels::U8(v), Some(a)) => (interleave(v, &a.to_u8()), ExtendedColorType::Rgba8),
        (Pixels::U16(v), None) => (ne_bytes(v), ExtendedColorType::Rgb16),
        (Pixels::U16(v), Some(a)) => (
            ne_bytes(&interleave(v, &a.to_u16())),
            ExtendedColorType::Rgba16,
        ),
    };
    PngEncoder::new_with_quality(out, CompressionType::Default, FilterType::Adaptive)
        .write_image(&bytes, w, h, color)
        .map_err(|e| VideoError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Writes `frame` (and `alpha`, when given) as a PNG at `path`, atomically:
/// the file appears complete under its name or not at all. The bit depth is
/// the frame's (8 or 16); an alpha plane of the other depth is converted.
pub fn write_png(path: &Path, frame: &Frame, alpha: Option<&Alpha>) -> Result<(), VideoError> {
    // Checked (and encoded) before any file is created.
    let mut png = Vec::new();
    encode_png(&mut png, path, frame, alpha)?;
    let write_err = |reason: String| VideoError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let name = path.file_name().ok_or_else(|| VideoError::Settings {
        path: path.to_path_buf(),
        reason: "the output path names no file".into(),
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(VideoError::OutputDirMissing {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
        });
    }
    let (tmp_path, file) = create_partial(dir, &name.to_string_lossy()).map_err(|e| {
        write_err(format!(
            "cannot create a temporary file in {}: {e}",
            dir.display()
        ))
    })?;
    let guard = RemoveOnDrop(Some(tmp_path.clone()));
    {
        let mut out = BufWriter::new(&file);
        out.write_all(&png).map_err(|e| write_err(e.to_string()))?;
        out.flush().map_err(|e| write_err(e.to_string()))?;
    }
    file.sync_all().map_err(|e| write_err(e.to_string()))?;
    drop(file);
    std::fs::rename(&tmp_path, path).map_err(|e| write_err(e.to_string()))?;
    guard.disarm();
    Ok(())
}

/// Creates `.NAME.partial-PID-N.png` in `dir` (the first N free), the
/// project's name for unfinished outputs.
fn create_partial(dir: &Path, name: &str) -> std::io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let p = dir.join(format!(".{name}.partial-{pid}-{n}.png"));
        match File::options().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Removes the temporary file unless disarmed (on error, on panic).
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// RGB + A → RGBA.
fn interleave<T: Copy>(rgb: &[T], a: &[T]) -> Vec<T> {
    rgb.chunks_exact(3)
        .zip(a)
        .flat_map(|(p, &a)| [p[0], p[1], p[2], a])
        .collect()
}

/// 16-bit samples as native-endian bytes (what `PngEncoder` expects).
fn ne_bytes(v: &[u16]) -> Vec<u8> {
    v.iter().flat_map(|s| s.to_ne_bytes()).collect()
}

#[cfg(test)]
#[path = "still_tests.rs"]
mod tests;

//! Still images for the operations: reading one as a frame, encoding frames
//! as PNG.

use std::path::Path;

use tween_core::{Frame, Pixels};
use tween_video::VideoReader;

use crate::OpsError;

/// The picture of an image file (PNG, JPEG, WebP, BMP, TIFF…) as a frame;
/// 16-bit images stay 16-bit.
pub(crate) fn read_frame(path: &Path) -> Result<Frame, OpsError> {
    let mut reader = VideoReader::open(path)?;
    match reader.next() {
        Some(item) => Ok(item?.frame),
        None => Err(OpsError::Input(format!(
            "{}: holds no picture",
            path.display()
        ))),
    }
}

/// `frame` as PNG bytes (8 or 16 bits per sample, as the frame has).
pub(crate) fn png_bytes(frame: &Frame, for_file: &Path) -> Result<Vec<u8>, OpsError> {
    let mut out = std::io::Cursor::new(Vec::new());
    let (w, h) = (frame.width(), frame.height());
    let result = match frame.pixels() {
        Pixels::U8(v) => image::write_buffer_with_format(
            &mut out,
            v,
            w,
            h,
            image::ExtendedColorType::Rgb8,
            image::ImageFormat::Png,
        ),
        Pixels::U16(v) => {
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_ne_bytes()).collect();
            image::write_buffer_with_format(
                &mut out,
                &bytes,
                w,
                h,
                image::ExtendedColorType::Rgb16,
                image::ImageFormat::Png,
            )
        }
    };
    result
        .map_err(|e| OpsError::Output(format!("{}: cannot encode PNG: {e}", for_file.display())))?;
    Ok(out.into_inner())
}

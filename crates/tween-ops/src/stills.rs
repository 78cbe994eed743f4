//! Still images for the operations: reading one as a frame, encoding frames
//! as PNG.

use std::path::Path;

use tween_core::Frame;
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
    let mut out = Vec::new();
    tween_video::encode_png(&mut out, for_file, frame, None)?;
    Ok(out)
}

/// Extensions taken as still images.
const IMAGE_EXTS: &[&str] = &["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"];

/// Whether `path` names a still image (by its extension).
pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Upscales one image file into a PNG.
pub(crate) fn upscale_image(
    req: &crate::ProcessRequest,
    spec: &crate::UpscaleSpec,
    progress: &dyn tween_core::Progress,
) -> Result<crate::Report, OpsError> {
    let started = std::time::Instant::now();
    let ext = req
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if !ext.eq_ignore_ascii_case("png") {
        return Err(OpsError::Params(format!(
            "{}: an upscaled image is written as PNG; name the output .png",
            req.output.display()
        )));
    }
    // The sizes from the header, before the model is built or a pixel decoded.
    req.limits.check()?;
    spec.check()?;
    let size = crate::limits::check_image_header(&req.input, &req.limits)?;
    if let Some((w, h)) = size {
        let what = format!("upscaling by {}", spec.scale);
        req.limits
            .check_output(&req.input, w, h, spec.scale, &what)?;
    }
    let stage = crate::build_upscaler(spec)?;
    let pending = crate::PendingOutput::new(&req.output, req.overwrite, &[&req.input])?;
    let image = tween_video::read_image_with_limits(&req.input, &req.limits.image_limits())?;
    let big = stage.apply(&image.frame)?;
    // Alpha is enlarged on its own, with Lanczos: networks are trained on colour.
    let alpha = match &image.alpha {
        Some(a) if !a.is_opaque() => {
            let gray = tween_core::resample::resize(&a.to_gray_frame(), big.width(), big.height())
                .map_err(|e| OpsError::Input(format!("{}: alpha: {e}", req.input.display())))?;
            Some(tween_video::Alpha::from_gray_frame(&gray))
        }
        _ => None,
    };
    tween_video::write_png(pending.temp_path(), &big, alpha.as_ref())
        .map_err(|e| pending.own(e))?;
    Ok(crate::Report {
        outputs: vec![pending.commit_unless_cancelled(progress)?],
        frames: 1,
        seconds: started.elapsed().as_secs_f64(),
        ..crate::Report::default()
    })
}

//! What players need from the source's video stream to show the output as
//! they showed the input: the display rotation (phone videos), the sample
//! aspect ratio (DVD and broadcast sources), and the HDR mastering-display
//! and content-light-level metadata. The writer copies them from the
//! passthrough source onto its new video stream.

use crate::ffi::display::{add_stream_side_data, guess_sar, rotation_of, set_stream_sar};
use ffmpeg_next::codec::packet::side_data::Type as SideType;
use ffmpeg_next::{ffi, format};
use std::path::Path;

/// The display properties of a source video stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SourceDisplay {
    /// The display matrix (rotation, mirroring), translation removed;
    /// `None` when the stream has none.
    pub matrix: Option<[i32; 9]>,
    /// Sample aspect ratio when it is known and not square.
    pub sar: Option<ffmpeg_next::Rational>,
    /// `AVMasteringDisplayMetadata`, as the source stream holds it.
    pub mastering: Option<Vec<u8>>,
    /// `AVContentLightMetadata`, as the source stream holds it.
    pub light_level: Option<Vec<u8>>,
}

impl SourceDisplay {
    /// Reads stream `index` of an open input.
    pub(crate) fn read(ictx: &format::context::Input, index: usize) -> Self {
        let mut d = SourceDisplay::default();
        let Some(st) = ictx.stream(index) else {
            return d;
        };
        for sd in st.side_data() {
            match sd.kind() {
                SideType::DisplayMatrix => d.matrix = matrix_from(sd.data()),
                SideType::MasteringDisplayMetadata => d.mastering = Some(sd.data().to_vec()),
                SideType::ContentLightLevel => d.light_level = Some(sd.data().to_vec()),
                _ => {}
            }
        }
        let sar = guess_sar(ictx, index);
        if sar.numerator() > 0 && sar.denominator() > 0 && sar.numerator() != sar.denominator() {
            d.sar = Some(sar);
        }
        d
    }

    /// Reads the main video stream of `path`; an empty description when the
    /// file cannot be opened (the passthrough reports that error itself).
    pub(crate) fn of_file(path: &Path) -> Self {
        let Ok(ictx) = crate::probe::open_input(path) else {
            return SourceDisplay::default();
        };
        match crate::probe::video_stream_index(&ictx, path) {
            Ok(index) => SourceDisplay::read(&ictx, index),
            Err(_) => SourceDisplay::default(),
        }
    }

    /// The display rotation in degrees as FFmpeg reports it (ffprobe's
    /// `rotation`), when there is a display matrix.
    pub(crate) fn rotation(&self) -> Option<f64> {
        self.matrix.as_ref().map(rotation_of)
    }

    /// Sets what the encoder must know before it opens: the aspect ratio.
    pub(crate) fn apply_to_encoder(&self, enc: &mut ffmpeg_next::encoder::video::Video) {
        if let Some(sar) = self.sar {
            enc.set_aspect_ratio(sar);
        }
    }

    /// Adds the stream-level properties to the new output stream (before
    /// the header is written). The display matrix keeps its rotation and
    /// mirroring but not the source's translation (in pixels of the source
    /// size), so it stays right when the frame size changed (upscaling).
    /// Returns the names of the blocks FFmpeg could not allocate.
    pub(crate) fn apply_to_stream(&self, ost: &mut format::stream::StreamMut) -> Vec<&'static str> {
        let mut failed = Vec::new();
        if let Some(sar) = self.sar {
            set_stream_sar(ost, sar);
        }
        if let Some(m) = self.matrix {
            let bytes: Vec<u8> = m.iter().flat_map(|v| v.to_ne_bytes()).collect();
            if !add_stream_side_data(
                ost,
                ffi::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX,
                &bytes,
            ) {
                failed.push("display matrix");
            }
        }
        let blocks = [
            (
                &self.mastering,
                ffi::AVPacketSideDataType::AV_PKT_DATA_MASTERING_DISPLAY_METADATA,
                "mastering display metadata",
            ),
            (
                &self.light_level,
                ffi::AVPacketSideDataType::AV_PKT_DATA_CONTENT_LIGHT_LEVEL,
                "content light level",
            ),
        ];
        for (data, kind, name) in blocks {
            if let Some(data) = data {
                if !add_stream_side_data(ost, kind, data) {
                    failed.push(name);
                }
            }
        }
        failed
    }
}

/// A display matrix from side-data bytes (9 native-endian int32), its
/// translation (entries 6 and 7) set to zero.
fn matrix_from(data: &[u8]) -> Option<[i32; 9]> {
    if data.len() < 36 {
        return None;
    }
    let mut m = [0i32; 9];
    for (i, v) in m.iter_mut().enumerate() {
        *v = i32::from_ne_bytes(data[i * 4..i * 4 + 4].try_into().ok()?);
    }
    m[6] = 0;
    m[7] = 0;
    Some(m)
}

#[cfg(test)]
#[path = "display_tests.rs"]
mod tests;

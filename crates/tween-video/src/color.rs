//! Colour description of a video (ITU-T H.273 codes, which are FFmpeg's enum
//! values) and the choice of conversion matrix when a file says nothing.

use ffmpeg_next::ffi;

/// Quantisation range of the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorRange {
    /// The file does not say (YUV is then taken as limited, RGB as full).
    #[default]
    Unspecified,
    /// "TV"/"MPEG" range: 16..=235 luma for 8 bits.
    Limited,
    /// "PC"/"JPEG" range: 0..=255.
    Full,
}

/// Colour primaries, transfer characteristics and matrix coefficients as
/// ITU-T H.273 code points (1 = BT.709, 2 = unspecified, 5/6 = BT.601,
/// 9 = BT.2020 …), plus the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColorTags {
    pub primaries: u32,
    pub transfer: u32,
    pub matrix: u32,
    pub range: ColorRange,
}

/// H.273 code for "unspecified".
pub(crate) const UNSPECIFIED: u32 = 2;
const BT709: u32 = 1;
const BT601: u32 = 6; // SMPTE 170M, same coefficients as BT.470BG (5)

impl Default for ColorTags {
    fn default() -> Self {
        ColorTags::UNSPECIFIED
    }
}

impl ColorTags {
    /// Nothing known.
    pub const UNSPECIFIED: ColorTags = ColorTags {
        primaries: UNSPECIFIED,
        transfer: UNSPECIFIED,
        matrix: UNSPECIFIED,
        range: ColorRange::Unspecified,
    };

    /// BT.709 primaries, transfer and matrix, limited range (HD video).
    pub const BT709: ColorTags = ColorTags {
        primaries: BT709,
        transfer: BT709,
        matrix: BT709,
        range: ColorRange::Limited,
    };

    /// The matrix used to convert between YUV and RGB: the tagged one, or when
    /// untagged what players assume: BT.709 for HD sizes, BT.601 below.
    pub fn effective_matrix(&self, width: u32, height: u32) -> u32 {
        match self.matrix {
            UNSPECIFIED | 3 => default_matrix(width, height),
            m => m,
        }
    }
}

/// BT.709 from 1280 wide or 576+ lines up, BT.601 below (players do the same).
pub(crate) fn default_matrix(width: u32, height: u32) -> u32 {
    if width >= 1280 || height > 576 {
        BT709
    } else {
        BT601
    }
}

/// Chroma layout of a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Chroma {
    #[default]
    Yuv420,
    Yuv422,
    Yuv444,
    Rgb,
    Gray,
}

pub(crate) fn range_from_ff(r: ffi::AVColorRange) -> ColorRange {
    match r {
        ffi::AVColorRange::AVCOL_RANGE_MPEG => ColorRange::Limited,
        ffi::AVColorRange::AVCOL_RANGE_JPEG => ColorRange::Full,
        _ => ColorRange::Unspecified,
    }
}

pub(crate) fn range_to_ff(r: ColorRange) -> ffi::AVColorRange {
    match r {
        ColorRange::Limited => ffi::AVColorRange::AVCOL_RANGE_MPEG,
        ColorRange::Full => ffi::AVColorRange::AVCOL_RANGE_JPEG,
        ColorRange::Unspecified => ffi::AVColorRange::AVCOL_RANGE_UNSPECIFIED,
    }
}

/// H.273 colour primaries code → FFmpeg enum (unknown codes → unspecified).
pub(crate) fn primaries_to_ff(code: u32) -> ffi::AVColorPrimaries {
    use ffi::AVColorPrimaries::*;
    match code {
        1 => AVCOL_PRI_BT709,
        4 => AVCOL_PRI_BT470M,
        5 => AVCOL_PRI_BT470BG,
        6 => AVCOL_PRI_SMPTE170M,
        7 => AVCOL_PRI_SMPTE240M,
        8 => AVCOL_PRI_FILM,
        9 => AVCOL_PRI_BT2020,
        10 => AVCOL_PRI_SMPTE428,
        11 => AVCOL_PRI_SMPTE431,
        12 => AVCOL_PRI_SMPTE432,
        22 => AVCOL_PRI_EBU3213,
        _ => AVCOL_PRI_UNSPECIFIED,
    }
}

/// H.273 transfer characteristics code → FFmpeg enum (unknown → unspecified).
pub(crate) fn transfer_to_ff(code: u32) -> ffi::AVColorTransferCharacteristic {
    use ffi::AVColorTransferCharacteristic::*;
    match code {
        1 => AVCOL_TRC_BT709,
        4 => AVCOL_TRC_GAMMA22,
        5 => AVCOL_TRC_GAMMA28,
        6 => AVCOL_TRC_SMPTE170M,
        7 => AVCOL_TRC_SMPTE240M,
        8 => AVCOL_TRC_LINEAR,
        9 => AVCOL_TRC_LOG,
        10 => AVCOL_TRC_LOG_SQRT,
        11 => AVCOL_TRC_IEC61966_2_4,
        12 => AVCOL_TRC_BT1361_ECG,
        13 => AVCOL_TRC_IEC61966_2_1,
        14 => AVCOL_TRC_BT2020_10,
        15 => AVCOL_TRC_BT2020_12,
        16 => AVCOL_TRC_SMPTE2084,
        17 => AVCOL_TRC_SMPTE428,
        18 => AVCOL_TRC_ARIB_STD_B67,
        _ => AVCOL_TRC_UNSPECIFIED,
    }
}

/// H.273 matrix coefficients code → FFmpeg enum (unknown → unspecified).
pub(crate) fn matrix_to_ff(code: u32) -> ffi::AVColorSpace {
    use ffi::AVColorSpace::*;
    match code {
        0 => AVCOL_SPC_RGB,
        1 => AVCOL_SPC_BT709,
        4 => AVCOL_SPC_FCC,
        5 => AVCOL_SPC_BT470BG,
        6 => AVCOL_SPC_SMPTE170M,
        7 => AVCOL_SPC_SMPTE240M,
        8 => AVCOL_SPC_YCGCO,
        9 => AVCOL_SPC_BT2020_NCL,
        10 => AVCOL_SPC_BT2020_CL,
        11 => AVCOL_SPC_SMPTE2085,
        12 => AVCOL_SPC_CHROMA_DERIVED_NCL,
        13 => AVCOL_SPC_CHROMA_DERIVED_CL,
        14 => AVCOL_SPC_ICTCP,
        _ => AVCOL_SPC_UNSPECIFIED,
    }
}

/// Tags of a stream's codec parameters.
pub(crate) fn tags_from_params(p: &ffi::AVCodecParameters) -> ColorTags {
    ColorTags {
        primaries: p.color_primaries as u32,
        transfer: p.color_trc as u32,
        matrix: p.color_space as u32,
        range: range_from_ff(p.color_range),
    }
}

/// Tags of a decoded frame.
pub(crate) fn tags_from_frame(f: &ffi::AVFrame) -> ColorTags {
    ColorTags {
        primaries: f.color_primaries as u32,
        transfer: f.color_trc as u32,
        matrix: f.colorspace as u32,
        range: range_from_ff(f.color_range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_ffmpeg_enums() {
        for code in [1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 22] {
            assert_eq!(primaries_to_ff(code) as u32, code);
        }
        for code in 1..=18 {
            if code != 2 && code != 3 {
                assert_eq!(transfer_to_ff(code) as u32, code);
            }
        }
        for code in [0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] {
            assert_eq!(matrix_to_ff(code) as u32, code);
        }
        assert_eq!(primaries_to_ff(99) as u32, UNSPECIFIED);
    }

    #[test]
    fn untagged_matrix_follows_the_size() {
        assert_eq!(ColorTags::UNSPECIFIED.effective_matrix(1920, 1080), 1);
        assert_eq!(ColorTags::UNSPECIFIED.effective_matrix(640, 480), 6);
        assert_eq!(ColorTags::BT709.effective_matrix(640, 480), 1);
    }
}

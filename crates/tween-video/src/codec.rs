//! Which encoder a codec name means, and how each encoder is set up: pixel
//! format (from the chroma wish, the depth and the frame size) and options.

use crate::color::Chroma;
use crate::error::VideoError;
use ffmpeg_next::format::Pixel;

/// Names accepted by [`resolve_codec`], for error messages.
const KNOWN: &str = "h264/x264/libx264, h265/hevc/x265/libx265, av1/libsvtav1/libaom-av1, vp9/libvpx-vp9, ffv1, rawvideo";

/// The FFmpeg encoder a user-facing codec name means (case-insensitive):
/// `h264`/`x264` → `libx264` (also for an empty name), `h265`/`hevc`/`x265`
/// → `libx265`, `av1` → `libsvtav1` (or `libaom-av1` when this FFmpeg lacks
/// SVT-AV1), `vp9` → `libvpx-vp9`, `ffv1` (lossless), `rawvideo`
/// (uncompressed RGB, for measurements that must not pay for a codec). Fails, before any work starts,
/// for unknown names and encoders missing from this FFmpeg build.
pub fn resolve_codec(name: &str) -> Result<&'static str, VideoError> {
    crate::init_ffmpeg();
    let lower = name.trim().to_ascii_lowercase();
    let candidates: &[&'static str] = match lower.as_str() {
        "" | "h264" | "x264" | "libx264" | "avc" => &["libx264"],
        "h265" | "hevc" | "x265" | "libx265" => &["libx265"],
        "av1" => &["libsvtav1", "libaom-av1"],
        "libsvtav1" | "svtav1" | "svt-av1" => &["libsvtav1"],
        "libaom-av1" | "libaom" | "aom" => &["libaom-av1"],
        "vp9" | "libvpx-vp9" | "vpx-vp9" => &["libvpx-vp9"],
        "ffv1" => &["ffv1"],
        "rawvideo" | "raw" => &["rawvideo"],
        _ => &[],
    };
    candidates
        .iter()
        .copied()
        .find(|c| ffmpeg_next::encoder::find_by_name(c).is_some())
        .ok_or_else(|| VideoError::UnknownCodec {
            name: name.to_string(),
            known: KNOWN.to_string(),
        })
}

/// How one encoder will be opened.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub encoder: &'static str,
    pub pixel: Pixel,
    /// Encoder private options (crf, preset, …).
    pub options: Vec<(&'static str, String)>,
    /// Keyframe interval, when the codec needs one set.
    pub gop: Option<u32>,
}

impl Plan {
    /// Whether the encoded pictures are RGB (no YUV matrix, full range).
    pub(crate) fn is_rgb(&self) -> bool {
        crate::convert::is_rgb_like(self.pixel)
    }
}

fn yuv(chroma: Chroma, high: bool) -> Pixel {
    match (chroma, high) {
        (Chroma::Yuv420, false) => Pixel::YUV420P,
        (Chroma::Yuv420, true) => Pixel::YUV420P10LE,
        (Chroma::Yuv422, false) => Pixel::YUV422P,
        (Chroma::Yuv422, true) => Pixel::YUV422P10LE,
        (Chroma::Yuv444 | Chroma::Rgb, false) => Pixel::YUV444P,
        (Chroma::Yuv444 | Chroma::Rgb, true) => Pixel::YUV444P10LE,
        (Chroma::Gray, false) => Pixel::GRAY8,
        (Chroma::Gray, true) => Pixel::GRAY10LE,
    }
}

/// Picks the pixel format: the wished chroma where the encoder and the frame
/// size allow it, else the nearest that keeps the exact size (4:4:4 for odd
/// sizes), 10-bit when asked and supported.
fn choose_pixel(
    encoder: &'static str,
    supported: &[Pixel],
    chroma: Chroma,
    high: bool,
    width: u32,
    height: u32,
) -> Option<Pixel> {
    if encoder == "ffv1" {
        // Lossless RGB. FFmpeg 5.1's FFV1 has no 8-bit gbrp; bgr0 is its
        // 8-bit RGB format (stored as planes internally, still lossless).
        return Some(if high { Pixel::GBRP16LE } else { Pixel::BGRZ });
    }
    if encoder == "rawvideo" {
        // Uncompressed, exactly tween's own sample layout.
        return Some(if high { Pixel::RGB48LE } else { Pixel::RGB24 });
    }
    let mut wish = chroma;
    let (odd_w, odd_h) = (width & 1 == 1, height & 1 == 1);
    if matches!(wish, Chroma::Yuv420) && (odd_w || odd_h) || matches!(wish, Chroma::Yuv422) && odd_w
    {
        tracing::warn!(
            "{width}x{height} is odd-sized: encoding 4:4:4 chroma to keep the exact size"
        );
        wish = Chroma::Yuv444;
    }
    let ok = |p: Pixel| supported.is_empty() || supported.contains(&p);
    let mut order = vec![yuv(wish, high)];
    if high {
        order.push(yuv(wish, false));
    }
    if wish != Chroma::Yuv444 && wish != Chroma::Rgb {
        // Gray or 4:2:2 that the encoder lacks: fall back to 4:2:0 when the
        // size allows, else 4:4:4.
        if !odd_w && !odd_h {
            order.extend([yuv(Chroma::Yuv420, high), yuv(Chroma::Yuv420, false)]);
        }
        order.extend([yuv(Chroma::Yuv444, high), yuv(Chroma::Yuv444, false)]);
    }
    let chosen = order.into_iter().find(|&p| ok(p))?;
    if high
        && !matches!(
            chosen,
            Pixel::YUV420P10LE | Pixel::YUV422P10LE | Pixel::YUV444P10LE | Pixel::GRAY10LE
        )
    {
        tracing::warn!("{encoder} in this FFmpeg cannot encode 10-bit; writing 8-bit");
    }
    Some(chosen)
}

/// The encoder setup for `encoder` (a name from [`resolve_codec`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan(
    encoder: &'static str,
    crf: Option<u8>,
    preset: Option<&str>,
    profile: Option<&str>,
    chroma: Chroma,
    high: bool,
    width: u32,
    height: u32,
) -> Option<Plan> {
    let codec = ffmpeg_next::encoder::find_by_name(encoder)?;
    let supported: Vec<Pixel> = codec
        .video()
        .ok()
        .and_then(|v| v.formats().map(|f| f.collect()))
        .unwrap_or_default();
    let pixel = choose_pixel(encoder, &supported, chroma, high, width, height)?;
    let crf_or = |d: u8| crf.unwrap_or(d).to_string();
    let preset_or = |d: &str| preset.unwrap_or(d).to_string();
    let (mut options, gop) = match encoder {
        "libx264" => (
            vec![("crf", crf_or(18)), ("preset", preset_or("medium"))],
            None,
        ),
        "libx265" => (
            vec![
                ("crf", crf_or(20)),
                ("preset", preset_or("medium")),
                ("x265-params", "log-level=error".into()),
            ],
            None,
        ),
        "libsvtav1" => (vec![("crf", crf_or(30)), ("preset", preset_or("8"))], None),
        "libaom-av1" => (
            vec![
                ("crf", crf_or(30)),
                ("cpu-used", preset_or("6")),
                ("row-mt", "1".into()),
            ],
            None,
        ),
        "libvpx-vp9" => (
            vec![
                ("crf", crf_or(31)),
                ("cpu-used", preset_or("4")),
                ("row-mt", "1".into()),
                ("deadline", "good".into()),
            ],
            None,
        ),
        "ffv1" => (
            vec![("level", "3".into()), ("slicecrc", "1".into())],
            Some(1),
        ),
        "rawvideo" => (Vec::new(), Some(1)),
        _ => (Vec::new(), None),
    };
    if let (Some(p), "libx264" | "libx265") = (profile, encoder) {
        options.push(("profile", p.to_string()));
    }
    Some(Plan {
        encoder,
        pixel,
        options,
        gop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve() {
        assert_eq!(resolve_codec("").unwrap(), "libx264");
        assert_eq!(resolve_codec("H264").unwrap(), "libx264");
        assert_eq!(resolve_codec("hevc").unwrap(), "libx265");
        assert_eq!(resolve_codec("x265").unwrap(), "libx265");
        assert_eq!(resolve_codec("vp9").unwrap(), "libvpx-vp9");
        assert_eq!(resolve_codec("ffv1").unwrap(), "ffv1");
        assert_eq!(resolve_codec("raw").unwrap(), "rawvideo");
        assert!(resolve_codec("av1").unwrap().contains("av1"));
        let err = resolve_codec("divx-turbo").unwrap_err();
        assert!(err.to_string().contains("divx-turbo"), "{err}");
    }

    #[test]
    fn odd_sizes_get_444_and_depth_is_kept() {
        let p = plan("libx264", None, None, None, Chroma::Yuv420, false, 321, 240).unwrap();
        assert_eq!(p.pixel, Pixel::YUV444P);
        let p = plan("libx264", None, None, None, Chroma::Yuv420, true, 320, 240).unwrap();
        assert_eq!(p.pixel, Pixel::YUV420P10LE);
        let p = plan("ffv1", Some(0), None, None, Chroma::Yuv420, true, 3, 3).unwrap();
        assert_eq!(p.pixel, Pixel::GBRP16LE);
        assert!(p.is_rgb());
        let p = plan(
            "libx264",
            Some(23),
            Some("fast"),
            Some("high"),
            Chroma::Yuv420,
            false,
            64,
            64,
        )
        .unwrap();
        assert!(p.options.contains(&("crf", "23".to_string())));
        assert!(p.options.contains(&("preset", "fast".to_string())));
        assert!(p.options.contains(&("profile", "high".to_string())));
    }
}

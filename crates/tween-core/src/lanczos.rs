//! The classical upscaler: Lanczos3 resampling by an integer factor, no
//! weights, no network. The baseline every neural upscaler is compared with,
//! and the fallback when none is installed.

use crate::frame::Frame;
use crate::resample::{resize_with, ResizeOptions, MAX_SIDE};
use crate::upscale::{UpscaleError, Upscaler};

/// Enlarges frames `scale`× on each side with Lanczos3 ([`crate::resample`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanczosUpscaler {
    /// The factor on each side (1 copies the frame).
    pub scale: u32,
    /// How samples are filtered (encoded values by default).
    pub options: ResizeOptions,
}

impl LanczosUpscaler {
    /// A Lanczos3 upscaler by `scale` with the default [`ResizeOptions`].
    pub fn new(scale: u32) -> Self {
        LanczosUpscaler {
            scale,
            options: ResizeOptions::default(),
        }
    }
}

impl Upscaler for LanczosUpscaler {
    fn name(&self) -> &str {
        "lanczos3"
    }

    fn scale(&self) -> u32 {
        self.scale
    }

    fn upscale(&self, frame: &Frame) -> Result<Frame, UpscaleError> {
        let (w, h) = (frame.width(), frame.height());
        let bad = |reason: String| UpscaleError::BadFrame {
            width: w,
            height: h,
            reason,
        };
        if self.scale == 0 {
            return Err(bad("the scale factor is 0".into()));
        }
        if w == 0 || h == 0 {
            return Err(bad("it has no pixels".into()));
        }
        let (ow, oh) = (w as u64 * self.scale as u64, h as u64 * self.scale as u64);
        if ow > MAX_SIDE as u64 || oh > MAX_SIDE as u64 {
            return Err(bad(format!(
                "{}x would make it {ow}x{oh}, more than {MAX_SIDE} pixels a side",
                self.scale
            )));
        }
        resize_with(frame, ow as u32, oh as u32, &self.options).map_err(|e| bad(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pixels;

    #[test]
    fn enlarges_by_the_factor_and_keeps_depth() {
        let f = Frame::from_u16(5, 3, (0..45).map(|i| i * 1000).collect());
        for s in [1u32, 2, 3, 4] {
            let up = LanczosUpscaler::new(s).upscale(&f).unwrap();
            assert_eq!((up.width(), up.height()), (5 * s, 3 * s));
            assert!(up.is_high_depth());
        }
        assert_eq!(LanczosUpscaler::new(1).upscale(&f).unwrap(), f);
    }

    #[test]
    fn flat_colour_stays_flat() {
        let f = Frame::from_u8(6, 4, [9u8, 99, 199].repeat(24));
        let up = LanczosUpscaler::new(4).upscale(&f).unwrap();
        assert_eq!(up.pixels(), &Pixels::U8([9u8, 99, 199].repeat(24 * 16)));
    }

    #[test]
    fn bad_inputs_are_errors_naming_the_size() {
        let f = Frame::from_u8(2, 2, vec![0; 12]);
        let e = LanczosUpscaler::new(0).upscale(&f).unwrap_err();
        assert!(
            e.to_string().contains("2x2") && e.to_string().contains("scale"),
            "{e}"
        );
        let e = LanczosUpscaler::new(2)
            .upscale(&Frame::from_u8(0, 5, vec![]))
            .unwrap_err();
        assert!(e.to_string().contains("0x5"), "{e}");
        let wide = Frame::from_u8(20_000, 1, vec![0; 60_000]);
        let e = LanczosUpscaler::new(4).upscale(&wide).unwrap_err();
        assert!(e.to_string().contains("80000x4"), "{e}");
    }

    #[test]
    fn is_an_upscaler_object() {
        let u: Box<dyn Upscaler> = Box::new(LanczosUpscaler::new(2));
        assert_eq!((u.name(), u.scale()), ("lanczos3", 2));
    }
}

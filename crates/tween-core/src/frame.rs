//! A decoded picture: interleaved RGB, 8 or 16 bits per sample.
//!
//! 8-bit sources decode to [`Pixels::U8`]; sources of more than 8 bits (10-bit
//! video, 16-bit PNG) decode to [`Pixels::U16`] using the full 0..=65535 range,
//! so that 10-bit video stays 10-bit through the pipeline.

/// Sample storage of a [`Frame`], interleaved `R G B R G B …`, rows top to bottom,
/// no padding between rows.
#[derive(Clone, PartialEq, Eq)]
pub enum Pixels {
    U8(Vec<u8>),
    U16(Vec<u16>),
}

impl std::fmt::Debug for Pixels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pixels::U8(v) => write!(f, "U8({} samples)", v.len()),
            Pixels::U16(v) => write!(f, "U16({} samples)", v.len()),
        }
    }
}

/// One RGB picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    width: u32,
    height: u32,
    pixels: Pixels,
}

impl Frame {
    /// Number of interleaved channels (RGB).
    pub const CHANNELS: usize = 3;

    /// A frame from 8-bit RGB samples. Panics if `data.len() != width*height*3`
    /// (a programming error, not an input error: decoders size their buffers).
    pub fn from_u8(width: u32, height: u32, data: Vec<u8>) -> Self {
        assert_eq!(
            data.len(),
            width as usize * height as usize * Self::CHANNELS
        );
        Frame {
            width,
            height,
            pixels: Pixels::U8(data),
        }
    }

    /// A frame from 16-bit RGB samples (full 0..=65535 range).
    pub fn from_u16(width: u32, height: u32, data: Vec<u16>) -> Self {
        assert_eq!(
            data.len(),
            width as usize * height as usize * Self::CHANNELS
        );
        Frame {
            width,
            height,
            pixels: Pixels::U16(data),
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn pixels(&self) -> &Pixels {
        &self.pixels
    }

    /// True when samples are 16-bit.
    pub fn is_high_depth(&self) -> bool {
        matches!(self.pixels, Pixels::U16(_))
    }

    /// width × height × 3.
    pub fn sample_count(&self) -> usize {
        self.width as usize * self.height as usize * Self::CHANNELS
    }

    /// True when both frames have the same size and sample depth.
    pub fn same_shape(&self, other: &Frame) -> bool {
        self.width == other.width
            && self.height == other.height
            && self.is_high_depth() == other.is_high_depth()
    }

    /// Samples as f32 in 0..=1, interleaved RGB (used by metrics and tests).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.pixels {
            Pixels::U8(v) => v.iter().map(|&s| s as f32 / 255.0).collect(),
            Pixels::U16(v) => v.iter().map(|&s| s as f32 / 65535.0).collect(),
        }
    }

    /// The same picture with 8-bit samples (16-bit samples are rounded).
    pub fn to_u8(&self) -> Frame {
        match &self.pixels {
            Pixels::U8(_) => self.clone(),
            Pixels::U16(v) => Frame::from_u8(
                self.width,
                self.height,
                v.iter()
                    .map(|&s| ((s as u32 * 255 + 32767) / 65535) as u8)
                    .collect(),
            ),
        }
    }

    /// Pixel-wise blend `(1-t)·self + t·other`; both frames must have the same shape.
    pub fn blend(&self, other: &Frame, t: f32) -> Frame {
        assert!(
            self.same_shape(other),
            "blend of frames of different shapes"
        );
        let (w0, w1) = (1.0 - t, t);
        match (&self.pixels, &other.pixels) {
            (Pixels::U8(a), Pixels::U8(b)) => Frame::from_u8(
                self.width,
                self.height,
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| (x as f32 * w0 + y as f32 * w1 + 0.5) as u8)
                    .collect(),
            ),
            (Pixels::U16(a), Pixels::U16(b)) => Frame::from_u16(
                self.width,
                self.height,
                a.iter()
                    .zip(b)
                    .map(|(&x, &y)| (x as f32 * w0 + y as f32 * w1 + 0.5) as u16)
                    .collect(),
            ),
            _ => unreachable!("same_shape checked the depth"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blend_midpoint_rounds() {
        let a = Frame::from_u8(1, 1, vec![0, 100, 255]);
        let b = Frame::from_u8(1, 1, vec![255, 101, 255]);
        assert_eq!(a.blend(&b, 0.5).pixels(), &Pixels::U8(vec![128, 101, 255]));
        assert_eq!(a.blend(&b, 0.0), a);
    }

    #[test]
    fn to_u8_maps_full_range() {
        let f = Frame::from_u16(1, 1, vec![0, 65535, 32896]);
        assert_eq!(f.to_u8().pixels(), &Pixels::U8(vec![0, 255, 128]));
    }
}

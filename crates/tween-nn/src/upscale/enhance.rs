//! `RealESRGANer.enhance` (Real-ESRGAN `realesrgan/utils.py`) over a
//! [`Frame`], tile by tile: each tile's input is read from the frame through
//! the reflect-pad index maps (the padded image is never built), run, and
//! its kept part handed to a [`Sink`]. Memory beyond the input frame and the
//! sink's output is one tile's input and output (and the engine's working
//! set for one tile), whatever the frame size.
//!
//! Input samples become `x / 255` (8-bit) or `x / 65535` (16-bit) in
//! float32, exactly as `img.astype(float32) / max_range`. Real-ESRGAN picks
//! 16-bit from the data (`max > 256`); here the frame's sample depth decides.

use tween_core::{Frame, Pixels};

use super::tile::{tiles, Geometry, Tile};
use crate::engine::{Array, ArrayView};
use crate::error::NnError;
use crate::model::sr::SrNet;

/// Where the kept part of each tile's output goes.
pub trait Sink {
    /// `tile` was run; its output is `out` (`[1, 3, th·s, tw·s]`). Copy
    /// `out[.., tile.keep_y, tile.keep_x]` to `tile.out_y × tile.out_x`.
    fn put(&mut self, tile: &Tile, out: &Array);
}

/// The float output, unclamped, planar `[3, H·s, W·s]` (`post_process()`'s
/// result, what the conformance `out_f32.npy` holds).
#[derive(Debug, Clone)]
pub struct F32Sink {
    pub h: usize,
    pub w: usize,
    pub data: Vec<f32>,
}

impl F32Sink {
    pub fn new(geo: &Geometry) -> Self {
        let (h, w) = geo.out_size();
        F32Sink {
            h,
            w,
            data: vec![0.0; 3 * h * w],
        }
    }
}

impl Sink for F32Sink {
    fn put(&mut self, t: &Tile, out: &Array) {
        let (oh, ow) = (out.shape[2], out.shape[3]);
        for c in 0..3 {
            for (ky, y) in t.keep_y.clone().zip(t.out_y.clone()) {
                let src = c * oh * ow + ky * ow;
                let dst = c * self.h * self.w + y * self.w;
                self.data[dst + t.out_x.start..dst + t.out_x.end]
                    .copy_from_slice(&out.data[src + t.keep_x.start..src + t.keep_x.end]);
            }
        }
    }
}

/// The output frame: interleaved RGB of the input's depth, each sample
/// `round_half_even(clamp(x, 0, 1) · max)` (`clamp_(0, 1)`, then numpy's
/// `(x * 255.0).round()`, in float32).
#[derive(Debug)]
pub struct FrameSink {
    w: usize,
    pixels: Pixels,
}

impl FrameSink {
    /// An output of `geo.out_size()`, 16-bit when `high_depth`.
    pub fn new(geo: &Geometry, high_depth: bool) -> Self {
        let (h, w) = geo.out_size();
        let n = 3 * h * w;
        let pixels = if high_depth {
            Pixels::U16(vec![0; n])
        } else {
            Pixels::U8(vec![0; n])
        };
        FrameSink { w, pixels }
    }

    pub fn into_frame(self) -> Frame {
        let w = self.w as u32;
        match self.pixels {
            Pixels::U8(v) => {
                let h = (v.len() / 3 / self.w.max(1)) as u32;
                Frame::from_u8(w, h, v)
            }
            Pixels::U16(v) => {
                let h = (v.len() / 3 / self.w.max(1)) as u32;
                Frame::from_u16(w, h, v)
            }
        }
    }
}

/// `(clamp(v, 0, 1) · max).round()` with numpy's half-to-even.
fn quantize(v: f32, max: f32) -> f32 {
    (v.clamp(0.0, 1.0) * max).round_ties_even()
}

impl Sink for FrameSink {
    fn put(&mut self, t: &Tile, out: &Array) {
        let (oh, ow) = (out.shape[2], out.shape[3]);
        let plane = oh * ow;
        let w = self.w;
        for (ky, y) in t.keep_y.clone().zip(t.out_y.clone()) {
            for (kx, x) in t.keep_x.clone().zip(t.out_x.clone()) {
                let src = ky * ow + kx;
                let dst = 3 * (y * w + x);
                for c in 0..3 {
                    let v = out.data[c * plane + src];
                    match &mut self.pixels {
                        Pixels::U8(p) => p[dst + c] = quantize(v, 255.0) as u8,
                        Pixels::U16(p) => p[dst + c] = quantize(v, 65535.0) as u16,
                    }
                }
            }
        }
    }
}

/// Runs `net` over `frame` as `RealESRGANer.enhance` does (pre_pad, mod
/// pad, tiles of `tile` with `tile_pad` context, `tile == 0` for the whole
/// frame at once), handing every tile's kept output to `sink`.
pub fn enhance(
    net: &SrNet,
    frame: &Frame,
    pre_pad: usize,
    tile: usize,
    tile_pad: usize,
    sink: &mut dyn Sink,
) -> Result<(), NnError> {
    let geo = Geometry::new(
        frame.height() as usize,
        frame.width() as usize,
        pre_pad,
        net.scale(),
    );
    let (rows, cols) = (geo.rows(), geo.cols());
    let mut input = Vec::new();
    for t in tiles(&geo, tile, tile_pad) {
        let shape = [1, 3, t.in_y.len(), t.in_x.len()];
        read_tile(
            frame,
            &rows[t.in_y.clone()],
            &cols[t.in_x.clone()],
            &mut input,
        );
        let out = net.forward(ArrayView::new(&shape, &input)?)?;
        sink.put(&t, &out);
    }
    Ok(())
}

/// Fills `buf` with the planar `[3, rows, cols]` float input read from
/// `frame` at the given source rows and columns.
fn read_tile(frame: &Frame, rows: &[usize], cols: &[usize], buf: &mut Vec<f32>) {
    let fw = frame.width() as usize;
    let (th, tw) = (rows.len(), cols.len());
    buf.clear();
    buf.resize(3 * th * tw, 0.0);
    let (r, rest) = buf.split_at_mut(th * tw);
    let (g, b) = rest.split_at_mut(th * tw);
    macro_rules! fill {
        ($p:expr, $max:expr) => {
            for (ty, &sy) in rows.iter().enumerate() {
                let row = &$p[3 * sy * fw..3 * (sy + 1) * fw];
                for (tx, &sx) in cols.iter().enumerate() {
                    let i = ty * tw + tx;
                    r[i] = f32::from(row[3 * sx]) / $max;
                    g[i] = f32::from(row[3 * sx + 1]) / $max;
                    b[i] = f32::from(row[3 * sx + 2]) / $max;
                }
            }
        };
    }
    match frame.pixels() {
        Pixels::U8(p) => fill!(p, 255.0f32),
        Pixels::U16(p) => fill!(p, 65535.0f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_to_even_after_the_clamp() {
        assert_eq!(quantize(0.25, 2.0), 0.0); // 0.5 → 0
        assert_eq!(quantize(0.75, 2.0), 2.0); // 1.5 → 2
        assert_eq!(quantize(0.5, 255.0), 128.0); // 127.5 → 128
        assert_eq!(quantize(-0.3, 255.0), 0.0);
        assert_eq!(quantize(1.7, 65535.0), 65535.0);
    }

    #[test]
    fn tiles_read_through_the_reflect_maps() {
        let f = Frame::from_u8(3, 1, vec![0, 0, 0, 51, 51, 51, 255, 255, 255]);
        let mut buf = Vec::new();
        read_tile(&f, &[0], &[1, 2, 1, 0], &mut buf);
        assert_eq!(&buf[..4], &[0.2, 1.0, 0.2, 0.0]);
        assert_eq!(buf.len(), 12);
    }
}

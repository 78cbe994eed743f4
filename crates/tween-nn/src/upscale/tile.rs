//! The geometry of `RealESRGANer.enhance` (Real-ESRGAN `realesrgan/utils.py`),
//! as exact integer arithmetic: the reflect pads (`pre_pad`, then the mod pad
//! for net scales 2 and 1), the tile grid of `tile_process`, and where each
//! tile's output lands once the pads are cropped off again.
//!
//! All coordinates are rows/columns of the *padded* input unless named
//! `out_*`. Ranges are half-open.

use std::ops::Range;

/// The padded canvas one frame is run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// The frame's size.
    pub h: usize,
    pub w: usize,
    /// `pre_pad`: reflect rows/columns added at the bottom/right first.
    pub pre_pad: usize,
    /// The mod pad added after it, so the padded size is a multiple of
    /// `mod_scale` (2 for net scale 2, 4 for net scale 1, else none).
    pub mod_pad_h: usize,
    pub mod_pad_w: usize,
    /// The network's scale.
    pub scale: usize,
}

impl Geometry {
    pub fn new(h: usize, w: usize, pre_pad: usize, scale: usize) -> Self {
        let mod_scale = match scale {
            2 => 2,
            1 => 4,
            _ => 1,
        };
        let up = |n: usize| (mod_scale - (n + pre_pad) % mod_scale) % mod_scale;
        Geometry {
            h,
            w,
            pre_pad,
            mod_pad_h: up(h),
            mod_pad_w: up(w),
            scale,
        }
    }

    /// Height and width after both pads.
    pub fn padded(&self) -> (usize, usize) {
        (
            self.h + self.pre_pad + self.mod_pad_h,
            self.w + self.pre_pad + self.mod_pad_w,
        )
    }

    /// The output size once the pads are cropped: the frame's size × scale.
    pub fn out_size(&self) -> (usize, usize) {
        (self.h * self.scale, self.w * self.scale)
    }

    /// For every padded row, the frame row it reads.
    pub fn rows(&self) -> Vec<usize> {
        source_map(self.h, self.pre_pad, self.mod_pad_h)
    }

    /// For every padded column, the frame column it reads.
    pub fn cols(&self) -> Vec<usize> {
        source_map(self.w, self.pre_pad, self.mod_pad_w)
    }
}

/// `F.pad(·, (0, p), 'reflect')` index: `i` past the end of `n` samples
/// mirrors about the last one without repeating it (`n, n+1 → n-2, n-3`).
/// Pads of `n` or more (which torch refuses) keep folding back and forth.
pub fn reflect(i: usize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let k = i % period;
    if k < n {
        k
    } else {
        period - k
    }
}

/// The frame index of every padded index: reflect by `pre` on `n`, then by
/// `modp` on `n + pre` (the second pad mirrors the already padded signal).
fn source_map(n: usize, pre: usize, modp: usize) -> Vec<usize> {
    (0..n + pre + modp)
        .map(|i| reflect(reflect(i, n + pre), n))
        .collect()
}

/// One model run of `tile_process` (or the whole canvas when not tiling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// The input crop (the tile grown by `tile_pad`, clipped to the canvas).
    pub in_y: Range<usize>,
    pub in_x: Range<usize>,
    /// The part of the model's output for this crop that is kept.
    pub keep_y: Range<usize>,
    pub keep_x: Range<usize>,
    /// Where the kept part lands in the final (pads cropped) output. Same
    /// extent as `keep_*`; empty when the tile lies wholly in the pads.
    pub out_y: Range<usize>,
    pub out_x: Range<usize>,
}

impl Tile {
    /// True when nothing of this tile survives the final crop.
    pub fn is_empty(&self) -> bool {
        self.out_y.is_empty() || self.out_x.is_empty()
    }
}

/// The tiles of `tile_process` over `geo`'s padded canvas, row by row:
/// `tiles_x = ceil(W / tile)`; tile `(y, x)` covers
/// `[x·tile, min(x·tile + tile, W))`, is run on that range grown by
/// `tile_pad` each side and clipped to the canvas, and its output is cut to
/// the un-grown range (`(start − start_pad)·scale`, width `(end − start)·scale`)
/// and pasted at `start·scale`. `tile == 0` is one run on the whole canvas
/// (`process`). Each tile is then clipped to the final output, which drops
/// the pads (`post_process`); tiles lying wholly in the pads are left out.
pub fn tiles(geo: &Geometry, tile: usize, tile_pad: usize) -> Vec<Tile> {
    let (ph, pw) = geo.padded();
    let (oh, ow) = geo.out_size();
    let s = geo.scale;
    let spans = |n: usize| -> Vec<(Range<usize>, Range<usize>)> {
        if tile == 0 {
            return vec![(0..n, 0..n)];
        }
        (0..n.div_ceil(tile))
            .map(|i| {
                let start = i * tile;
                let end = (start + tile).min(n);
                let pad = start.saturating_sub(tile_pad)..(end + tile_pad).min(n);
                (start..end, pad)
            })
            .collect()
    };
    let clip = |core: &Range<usize>, pad: &Range<usize>, limit: usize| {
        let out = core.start * s..(core.end * s).min(limit);
        let k0 = (core.start - pad.start) * s;
        let keep = k0..k0 + out.end.saturating_sub(out.start);
        (out, keep)
    };
    let mut v = Vec::new();
    for (cy, py) in spans(ph) {
        for (cx, px) in spans(pw) {
            let (out_y, keep_y) = clip(&cy, &py, oh);
            let (out_x, keep_x) = clip(&cx, &px, ow);
            let t = Tile {
                in_y: py.clone(),
                in_x: px,
                keep_y,
                keep_x,
                out_y,
                out_x,
            };
            if !t.is_empty() {
                v.push(t);
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_mirrors_without_repeating_the_edge() {
        let m: Vec<usize> = (0..8).map(|i| reflect(i, 5)).collect();
        assert_eq!(m, [0, 1, 2, 3, 4, 3, 2, 1]);
        assert_eq!(reflect(9, 5), 1);
        assert_eq!(reflect(3, 1), 0);
    }

    #[test]
    fn mod_pad_reflects_the_pre_padded_signal() {
        // 61 + pre_pad 10 = 71 → mod pad 1 for scale 2; padded row 71
        // mirrors row 69 of the pre-padded signal, i.e. frame row 51.
        let g = Geometry::new(61, 79, 10, 2);
        assert_eq!((g.mod_pad_h, g.mod_pad_w), (1, 1));
        assert_eq!(g.padded(), (72, 90));
        let rows = g.rows();
        assert_eq!(rows[60], 60);
        assert_eq!(rows[61], 59);
        assert_eq!(rows[70], 50);
        assert_eq!(rows[71], 51);
        assert_eq!(Geometry::new(61, 79, 0, 1).padded(), (64, 80));
        assert_eq!(Geometry::new(61, 79, 0, 4).padded(), (61, 79));
    }

    #[test]
    fn tiles_follow_tile_process() {
        // 40 wide, tile 16, pad 2, scale 4: spans [0,16) [16,32) [32,40).
        let g = Geometry::new(8, 40, 0, 4);
        let t = tiles(&g, 16, 2);
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].in_x, 14..34);
        assert_eq!(t[1].keep_x, 8..72);
        assert_eq!(t[1].out_x, 64..128);
        assert_eq!(t[2].in_x, 30..40);
        assert_eq!(t[2].keep_x, 8..40);
        assert_eq!(t[2].out_x, 128..160);
        assert_eq!(t[0].in_y, 0..8);
    }

    #[test]
    fn pads_are_cropped_and_tiles_in_them_dropped() {
        // 20 + pre_pad 10 = 30, tile 10: the third column of tiles is all pad.
        let g = Geometry::new(20, 20, 10, 2);
        let t = tiles(&g, 10, 2);
        assert_eq!(t.len(), 4);
        assert!(t.iter().all(|t| t.out_x.end <= 40 && t.out_y.end <= 40));
        let whole = tiles(&g, 0, 10);
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].in_x, 0..30);
        assert_eq!(whole[0].keep_x, 0..40);
    }

    #[test]
    fn kept_parts_cover_the_output_exactly_once() {
        for (h, w, pp, s, tile, tp) in [
            (61, 79, 10, 2, 16, 2),
            (64, 80, 0, 4, 32, 10),
            (7, 5, 3, 1, 4, 4),
        ] {
            let g = Geometry::new(h, w, pp, s);
            let (oh, ow) = g.out_size();
            let mut hits = vec![0u8; oh * ow];
            for t in tiles(&g, tile, tp) {
                assert_eq!(t.keep_y.len(), t.out_y.len());
                assert!(t.keep_y.end <= t.in_y.len() * s && t.keep_x.end <= t.in_x.len() * s);
                for y in t.out_y.clone() {
                    for x in t.out_x.clone() {
                        hits[y * ow + x] += 1;
                    }
                }
            }
            assert!(hits.iter().all(|&n| n == 1), "{h}x{w} pp{pp} x{s} t{tile}");
        }
    }
}

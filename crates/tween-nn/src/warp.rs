//! The RIFE warp as plain CPU kernels: Practical-RIFE `warplayer.warp`, i.e.
//! `grid_sample(bilinear, border, align_corners=True)` in pixel space — `x`
//! sampled at (x + fx, y + fy), clamped to the image.
//!
//! - [`warp`]: one warp (rayon over rows); the reference the others are
//!   tested against. The ONNX graph form is [`crate::onnx::GraphBuilder::warp`]
//!   (ORT's CPU GridSample is about 3x slower at 720p).
//! - `rife_input` / `rife_merge` (crate-private): an IFBlock's whole input
//!   and IFNet's final blend, fused, behind tween's ONNX Runtime operators
//!   ([`crate::engine::warp_op`]); they run on ORT's thread pool.

use rayon::prelude::*;

use crate::engine::{Array, ArrayView};
use crate::error::NnError;

/// Warps `x` `[N, C, H, W]` by `flow` `[N, 2, H, W]` (dx, dy in pixels).
pub fn warp(x: ArrayView<'_>, flow: ArrayView<'_>) -> Result<Array, NnError> {
    let &[n, c, h, w] = x.shape else {
        return Err(NnError::BadInput {
            reason: format!("warp: x must be [N, C, H, W], got {:?}", x.shape),
        });
    };
    if flow.shape != [n, 2, h, w] {
        return Err(NnError::BadInput {
            reason: format!(
                "warp: flow must be [{n}, 2, {h}, {w}], got {:?}",
                flow.shape
            ),
        });
    }
    let mut out = Array::zeros(x.shape);
    if out.data.is_empty() {
        return Ok(out);
    }
    let plane = h * w;
    let (xmax, ymax) = ((w - 1) as f32, (h - 1) as f32);
    // One task per (image, output row): every channel of that row.
    out.data
        .par_chunks_mut(c * plane)
        .enumerate()
        .for_each(|(b, img)| {
            let src = &x.data[b * c * plane..(b + 1) * c * plane];
            let fl = &flow.data[b * 2 * plane..(b + 1) * 2 * plane];
            let mut rows: Vec<&mut [f32]> = img.chunks_mut(w).collect();
            // rows[ch * h + y]; regroup so that one task owns row y of every channel.
            let mut by_y: Vec<Vec<&mut [f32]>> = (0..h).map(|_| Vec::with_capacity(c)).collect();
            for (i, r) in rows.drain(..).enumerate() {
                by_y[i % h].push(r);
            }
            by_y.into_par_iter().enumerate().for_each(|(y, mut dst)| {
                for xi in 0..w {
                    let i = y * w + xi;
                    let sx = (xi as f32 + fl[i]).clamp(0.0, xmax);
                    let sy = (y as f32 + fl[plane + i]).clamp(0.0, ymax);
                    let (x0, y0) = (sx.floor(), sy.floor());
                    let (wx, wy) = (sx - x0, sy - y0);
                    let (x0, y0) = (x0 as usize, y0 as usize);
                    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                    let (a, bb) = (y0 * w, y1 * w);
                    for (ch, row) in dst.iter_mut().enumerate() {
                        let s = &src[ch * plane..(ch + 1) * plane];
                        let top = s[a + x0] * (1.0 - wx) + s[a + x1] * wx;
                        let bot = s[bb + x0] * (1.0 - wx) + s[bb + x1] * wx;
                        row[xi] = top * (1.0 - wy) + bot * wy;
                    }
                }
            });
        });
    Ok(out)
}

/// A borrowed `[1, C, H, W]` plane set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Planes<'a> {
    pub data: &'a [f32],
    pub c: usize,
    pub h: usize,
    pub w: usize,
}

/// Where an extra input of [`rife_input`] lives relative to the full frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extra {
    /// `[1, C, 1, 1]`, the same everywhere (the timestep).
    Broadcast,
    /// At `1/up` of the frame: read through `F.interpolate(scale_factor=up,
    /// bilinear, align_corners=False)` (1: the frame's own size).
    Up(usize),
}

/// The coordinate `F.interpolate(…, align_corners=False)` reads for output
/// `dst` when enlarging by `up`: `(dst + 0.5)/up − 0.5`, clamped to `[0, n−1]`.
#[inline(always)]
fn up_coord(dst: usize, up: usize, n: usize) -> f32 {
    (((dst as f32 + 0.5) / up as f32) - 0.5).clamp(0.0, (n - 1) as f32)
}

/// The full-frame points (and weights) that `F.interpolate(scale_factor =
/// 1/down, bilinear, align_corners=False)` reads for output `o`: the point
/// itself at `down = 1`; for an even `down`, the two around `(o + 0.5)·down − 0.5`,
/// half each.
#[inline(always)]
fn down_points(o: usize, down: usize) -> [(usize, f32); 2] {
    if down == 1 {
        [(o, 1.0), (o, 0.0)]
    } else {
        let p = down * o + down / 2;
        [(p - 1, 0.5), (p, 0.5)]
    }
}

/// A row-parallel executor: calls `f(row)` for every row in `0..rows`.
pub(crate) type ParFor<'a> = &'a dyn Fn(usize, &(dyn Fn(usize) + Sync));

/// Output rows written from several threads, each row by one thread only.
struct RowsOut {
    ptr: *mut f32,
    len: usize,
}
// SAFETY: tasks write disjoint index sets (one output row of every channel
// each), and the buffer outlives the parallel loop that uses it.
unsafe impl Sync for RowsOut {}
unsafe impl Send for RowsOut {}

impl RowsOut {
    /// # Safety
    /// `i < len`, and no other thread touches index `i` during the loop.
    #[inline(always)]
    unsafe fn set(&self, i: usize, v: f32) {
        debug_assert!(i < self.len);
        *self.ptr.add(i) = v;
    }
}

/// Bilinear taps: four flat indices into a plane and their weights.
#[derive(Clone, Copy, Default)]
struct Taps {
    i: [u32; 4],
    w: [f32; 4],
}

impl Taps {
    /// The taps of a point (sx, sy) clamped to `[0, w−1]×[0, h−1]`, as
    /// `grid_sample(bilinear, border, align_corners=True)` reads them, with
    /// every weight multiplied by `k`. A NaN coordinate reads pixel 0.
    #[inline(always)]
    fn at(sx: f32, sy: f32, h: usize, w: usize, k: f32) -> Taps {
        let sx = sx.clamp(0.0, (w - 1) as f32);
        let sy = sy.clamp(0.0, (h - 1) as f32);
        // Truncation is the floor of these non-negative values, without the
        // libm call `floor` is on baseline x86-64; `as` saturates (NaN → 0),
        // so the indices stay inside the plane, and a NaN weight stays NaN.
        let (x0, y0) = ((sx as usize).min(w - 1), (sy as usize).min(h - 1));
        let (wx, wy) = (sx - x0 as f32, sy - y0 as f32);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        Taps {
            i: [
                (y0 * w + x0) as u32,
                (y0 * w + x1) as u32,
                (y1 * w + x0) as u32,
                (y1 * w + x1) as u32,
            ],
            w: [
                (1.0 - wx) * (1.0 - wy) * k,
                wx * (1.0 - wy) * k,
                (1.0 - wx) * wy * k,
                wx * wy * k,
            ],
        }
    }

    /// The (weighted) sampled value of `plane`.
    #[inline(always)]
    fn read(&self, plane: &[f32]) -> f32 {
        plane[self.i[0] as usize] * self.w[0]
            + plane[self.i[1] as usize] * self.w[1]
            + plane[self.i[2] as usize] * self.w[2]
            + plane[self.i[3] as usize] * self.w[3]
    }
}

/// Per-axis taps of `F.interpolate(scale_factor = up)`: for each output
/// coordinate, (i0, i1, λ) into the small axis of length `n`.
fn up_axis(len: usize, up: usize, n: usize) -> Vec<(usize, usize, f32)> {
    (0..len)
        .map(|d| {
            let s = up_coord(d, up, n);
            let i0 = s.floor();
            let l = s - i0;
            let i0 = i0 as usize;
            (i0, (i0 + 1).min(n - 1), l)
        })
        .collect()
}

/// The input of one IFBlock in one pass, at `1/down` of the frame:
///
/// `cat(warp(w₀, flow[:, :2]), warp(w₁, flow[:, 2:4]), …, extras…)` resized
/// by `1/down`, then (with `flow_out`) `resize(flow, 1/down) / down` — what
/// IFNet_HDv3 builds at full resolution and then shrinks, computed only at
/// the points the shrink reads. Without a flow the `warped` inputs are read
/// as they are (block 0). `down` is 1 or even. Each output row is made
/// channel by channel (one plane streamed at a time).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rife_input(
    flow: Option<Planes<'_>>,
    warped: &[Planes<'_>],
    extras: &[(Planes<'_>, Extra)],
    flow_out: bool,
    (h, w): (usize, usize),
    down: usize,
    out: &mut [f32],
    par: ParFor<'_>,
) {
    let (oh, ow) = (h / down, w / down);
    let plane = h * w;
    for p in flow.iter().chain(warped) {
        assert!(
            p.h == h && p.w == w && p.data.len() == p.c * plane,
            "rife_input: plane size"
        );
    }
    let channels: usize = warped.iter().map(|p| p.c).sum::<usize>()
        + extras.iter().map(|(p, _)| p.c).sum::<usize>()
        + if flow_out { 4 } else { 0 };
    assert_eq!(out.len(), channels * oh * ow, "rife_input: output size");
    let oplane = oh * ow;
    let npts = if down == 1 { 1 } else { 2 };
    // The full-frame columns (and weights) each output column reads.
    let cols: Vec<(usize, f32)> = (0..ow)
        .flat_map(|o| down_points(o, down).into_iter().take(npts))
        .collect();
    // Per enlarged extra: its column taps over the full width.
    let ex_cols: Vec<Option<Vec<(usize, usize, f32)>>> = extras
        .iter()
        .map(|(p, e)| match *e {
            Extra::Up(u) if u > 1 => Some(up_axis(w, u, p.w)),
            _ => None,
        })
        .collect();
    let dst = RowsOut {
        ptr: out.as_mut_ptr(),
        len: out.len(),
    };
    let row = |oy: usize| {
        let mut acc = vec![0.0f32; channels * ow];
        let mut taps = [
            vec![Taps::default(); ow * npts],
            vec![Taps::default(); ow * npts],
        ];
        for &(py, wy) in &down_points(oy, down)[..npts] {
            let r = py * w;
            let mut ch = 0;
            if let Some(f) = flow {
                let d = f.data;
                for (j, &(px, wx)) in cols.iter().enumerate() {
                    let i = r + px;
                    let (x, y) = (px as f32, py as f32);
                    let k = wy * wx;
                    taps[0][j] = Taps::at(x + d[i], y + d[plane + i], h, w, k);
                    taps[1][j] = Taps::at(x + d[2 * plane + i], y + d[3 * plane + i], h, w, k);
                }
            }
            for (k, src) in warped.iter().enumerate() {
                for c in 0..src.c {
                    let s = &src.data[c * plane..(c + 1) * plane];
                    let a = &mut acc[ch * ow..(ch + 1) * ow];
                    if flow.is_some() {
                        let t = &taps[k % 2];
                        for (ox, a) in a.iter_mut().enumerate() {
                            for tp in &t[ox * npts..(ox + 1) * npts] {
                                *a += tp.read(s);
                            }
                        }
                    } else {
                        for (ox, a) in a.iter_mut().enumerate() {
                            for &(px, wx) in &cols[ox * npts..(ox + 1) * npts] {
                                *a += wy * wx * s[r + px];
                            }
                        }
                    }
                    ch += 1;
                }
            }
            for ((src, kind), ecols) in extras.iter().zip(&ex_cols) {
                let sp = src.h * src.w;
                for c in 0..src.c {
                    let s = &src.data[c * sp..(c + 1) * sp];
                    let a = &mut acc[ch * ow..(ch + 1) * ow];
                    match (*kind, ecols) {
                        (Extra::Broadcast, _) => a.iter_mut().for_each(|a| *a += wy * s[0]),
                        (_, Some(ecols)) => {
                            let sy = up_coord(
                                py,
                                match *kind {
                                    Extra::Up(u) => u,
                                    Extra::Broadcast => 1,
                                },
                                src.h,
                            );
                            let y0 = sy.floor();
                            let ly = sy - y0;
                            let y0 = y0 as usize;
                            let y1 = (y0 + 1).min(src.h - 1);
                            let (r0, r1) = (
                                &s[y0 * src.w..(y0 + 1) * src.w],
                                &s[y1 * src.w..(y1 + 1) * src.w],
                            );
                            for (ox, a) in a.iter_mut().enumerate() {
                                for &(px, wx) in &cols[ox * npts..(ox + 1) * npts] {
                                    let (x0, x1, lx) = ecols[px];
                                    let top = r0[x0] * (1.0 - lx) + r0[x1] * lx;
                                    let bot = r1[x0] * (1.0 - lx) + r1[x1] * lx;
                                    *a += wy * wx * (top * (1.0 - ly) + bot * ly);
                                }
                            }
                        }
                        (Extra::Up(_), None) => {
                            for (ox, a) in a.iter_mut().enumerate() {
                                for &(px, wx) in &cols[ox * npts..(ox + 1) * npts] {
                                    *a += wy * wx * s[r + px];
                                }
                            }
                        }
                    }
                    ch += 1;
                }
            }
            if let (true, Some(f)) = (flow_out, flow) {
                let inv = 1.0 / down as f32;
                for c in 0..4 {
                    let s = &f.data[c * plane..(c + 1) * plane];
                    let a = &mut acc[ch * ow..(ch + 1) * ow];
                    for (ox, a) in a.iter_mut().enumerate() {
                        for &(px, wx) in &cols[ox * npts..(ox + 1) * npts] {
                            *a += wy * wx * inv * s[r + px];
                        }
                    }
                    ch += 1;
                }
            }
        }
        for c in 0..channels {
            let base = c * oplane + oy * ow;
            for (ox, &v) in acc[c * ow..(c + 1) * ow].iter().enumerate() {
                // SAFETY: row `oy` of every channel belongs to this call only.
                unsafe { dst.set(base + ox, v) };
            }
        }
    };
    par(oh, &row);
}

/// IFNet_HDv3's last step at full resolution, in one pass: `m =
/// sigmoid(resize(mask_logit, up))`, `out = warp(img0, flow[:, :2])·m +
/// warp(img1, flow[:, 2:4])·(1 − m)`. Writes `out` `[1, 3, h, w]` and `m`
/// `[1, 1, h, w]`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rife_merge(
    flow: Planes<'_>,
    img0: Planes<'_>,
    img1: Planes<'_>,
    mask: Planes<'_>,
    up: usize,
    out: &mut [f32],
    mask_out: &mut [f32],
    par: ParFor<'_>,
) {
    let (h, w) = (flow.h, flow.w);
    let plane = h * w;
    let c = img0.c;
    for p in [flow, img0, img1] {
        assert!(
            p.h == h && p.w == w && p.data.len() == p.c * plane,
            "rife_merge: plane size"
        );
    }
    assert_eq!(out.len(), c * plane, "rife_merge: output size");
    assert_eq!(mask_out.len(), plane, "rife_merge: mask size");
    let mcols = up_axis(w, up, mask.w);
    let dst = RowsOut {
        ptr: out.as_mut_ptr(),
        len: out.len(),
    };
    let mdst = RowsOut {
        ptr: mask_out.as_mut_ptr(),
        len: mask_out.len(),
    };
    let row = |y: usize| {
        let sy = up_coord(y, up, mask.h);
        let y0 = sy.floor();
        let ly = sy - y0;
        let y0 = y0 as usize;
        let y1 = (y0 + 1).min(mask.h - 1);
        let (r0, r1) = (
            &mask.data[y0 * mask.w..(y0 + 1) * mask.w],
            &mask.data[y1 * mask.w..(y1 + 1) * mask.w],
        );
        let f = flow.data;
        let mut m = vec![0.0f32; w];
        let mut t0 = vec![Taps::default(); w];
        let mut t1 = vec![Taps::default(); w];
        for x in 0..w {
            let (x0, x1, lx) = mcols[x];
            let top = r0[x0] * (1.0 - lx) + r0[x1] * lx;
            let bot = r1[x0] * (1.0 - lx) + r1[x1] * lx;
            let logit = top * (1.0 - ly) + bot * ly;
            m[x] = 1.0 / (1.0 + (-logit).exp());
            let i = y * w + x;
            let (fx, fy) = (x as f32, y as f32);
            t0[x] = Taps::at(fx + f[i], fy + f[plane + i], h, w, 1.0);
            t1[x] = Taps::at(fx + f[2 * plane + i], fy + f[3 * plane + i], h, w, 1.0);
            // SAFETY: row `y` belongs to this call only.
            unsafe { mdst.set(i, m[x]) };
        }
        for ch in 0..c {
            let s0 = &img0.data[ch * plane..(ch + 1) * plane];
            let s1 = &img1.data[ch * plane..(ch + 1) * plane];
            for x in 0..w {
                let a = t0[x].read(s0) * m[x];
                let b = t1[x].read(s1) * (1.0 - m[x]);
                // SAFETY: row `y` of every channel belongs to this call only.
                unsafe { dst.set(ch * plane + y * w + x, a + b) };
            }
        }
    };
    par(h, &row);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_flow_is_identity_and_shifts_clamp_at_the_border() {
        let x: Vec<f32> = (0..12).map(|v| v as f32).collect(); // [1,1,3,4]
        let zero = vec![0.0; 24];
        let id = warp(
            ArrayView::new(&[1, 1, 3, 4], &x).unwrap(),
            ArrayView::new(&[1, 2, 3, 4], &zero).unwrap(),
        )
        .unwrap();
        assert_eq!(id.data, x);
        let mut f = vec![0.0; 24];
        f[..12].fill(1.5); // dx = 1.5 everywhere
        let s = warp(
            ArrayView::new(&[1, 1, 3, 4], &x).unwrap(),
            ArrayView::new(&[1, 2, 3, 4], &f).unwrap(),
        )
        .unwrap();
        assert_eq!(&s.data[..4], &[1.5, 2.5, 3.0, 3.0]);
    }

    /// `F.interpolate(x, scale_factor=s, bilinear, align_corners=False)` for
    /// one plane, written out plainly (s = 1/down or up).
    fn resize(x: &[f32], h: usize, w: usize, oh: usize, ow: usize) -> Vec<f32> {
        let coord = |d: usize, n: usize, on: usize| {
            let s = ((d as f32 + 0.5) * n as f32 / on as f32 - 0.5).clamp(0.0, (n - 1) as f32);
            let i0 = s.floor() as usize;
            (i0, (i0 + 1).min(n - 1), s - i0 as f32)
        };
        let mut out = vec![0.0; oh * ow];
        for y in 0..oh {
            let (y0, y1, ly) = coord(y, h, oh);
            for xx in 0..ow {
                let (x0, x1, lx) = coord(xx, w, ow);
                let top = x[y0 * w + x0] * (1.0 - lx) + x[y0 * w + x1] * lx;
                let bot = x[y1 * w + x0] * (1.0 - lx) + x[y1 * w + x1] * lx;
                out[y * ow + xx] = top * (1.0 - ly) + bot * ly;
            }
        }
        out
    }

    fn pattern(n: usize, k: f32, amp: f32) -> Vec<f32> {
        (0..n).map(|i| (i as f32 * k).sin() * amp).collect()
    }

    fn pl(data: &[f32], c: usize, h: usize, w: usize) -> Planes<'_> {
        Planes { data, c, h, w }
    }

    fn seq(n: usize, f: &(dyn Fn(usize) + Sync)) {
        (0..n).for_each(f)
    }

    /// The fused block input equals the long way round: full-size warps,
    /// enlarged extras, concatenation, then the shrink (and flow / down).
    #[test]
    fn rife_input_equals_warp_concat_then_resize() {
        for w in [24usize, 56] {
            rife_input_matches_at(16, w);
        }
    }

    fn rife_input_matches_at(h: usize, w: usize) {
        let p = h * w;
        let flow = pattern(4 * p, 0.37, 4.0); // up to ±4 px, past the borders
        let img0 = pattern(3 * p, 0.11, 1.0);
        let img1 = pattern(3 * p, 0.23, 1.0);
        let f0 = pattern(2 * p, 0.05, 1.0);
        let f1 = pattern(2 * p, 0.07, 1.0);
        let t = [0.3f32];
        for (down, up) in [(1usize, 2usize), (2, 4), (4, 8), (2, 1)] {
            let (eh, ew) = (h / up, w / up);
            let extra = pattern(2 * eh * ew, 0.9, 2.0);
            let s2 = [1, 2, h, w];
            let (fl, flv) = (
                pl(&flow, 4, h, w),
                ArrayView::new(&s2, &flow[..2 * p]).unwrap(),
            );
            let flv1 = ArrayView::new(&s2, &flow[2 * p..]).unwrap();
            let warped = [
                pl(&img0, 3, h, w),
                pl(&img1, 3, h, w),
                pl(&f0, 2, h, w),
                pl(&f1, 2, h, w),
            ];
            let extras = [
                (pl(&t, 1, 1, 1), Extra::Broadcast),
                (pl(&extra, 2, eh, ew), Extra::Up(up)),
            ];
            let (oh, ow) = (h / down, w / down);
            let mut got = vec![0.0; 17 * oh * ow];
            rife_input(
                Some(fl),
                &warped,
                &extras,
                true,
                (h, w),
                down,
                &mut got,
                &seq,
            );
            // The long way.
            let mut full: Vec<Vec<f32>> = Vec::new();
            for (k, (x, c)) in [(&img0, 3), (&img1, 3), (&f0, 2), (&f1, 2)]
                .into_iter()
                .enumerate()
            {
                let sc = [1, c, h, w];
                let v = ArrayView::new(&sc, x).unwrap();
                let wv = warp(v, if k % 2 == 0 { flv } else { flv1 }).unwrap();
                full.extend(wv.data.chunks(p).map(<[f32]>::to_vec));
            }
            full.push(vec![0.3; p]);
            full.extend(extra.chunks(eh * ew).map(|e| resize(e, eh, ew, h, w)));
            let mut want: Vec<f32> = full.iter().flat_map(|f| resize(f, h, w, oh, ow)).collect();
            for c in 0..4 {
                let r = resize(&flow[c * p..(c + 1) * p], h, w, oh, ow);
                want.extend(r.iter().map(|v| v / down as f32));
            }
            let d = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(d < 1e-5, "down {down}, up {up}: max abs {d}");
        }
        // Block 0: no flow, no warps, no flow channels.
        let warped = [pl(&img0, 3, h, w)];
        let mut got = vec![0.0; 3 * (h / 4) * (w / 4)];
        rife_input(None, &warped, &[], false, (h, w), 4, &mut got, &seq);
        let want: Vec<f32> = img0
            .chunks(p)
            .flat_map(|c| resize(c, h, w, h / 4, w / 4))
            .collect();
        let d = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(d < 1e-6, "block 0: max abs {d}");
    }

    /// The fused merge equals warp, enlarge, sigmoid and blend done apart.
    #[test]
    fn rife_merge_equals_warps_and_blend() {
        let (h, w) = (12usize, 20usize);
        let p = h * w;
        let flow = pattern(4 * p, 0.31, 3.0);
        let img0 = pattern(3 * p, 0.13, 1.0);
        let img1 = pattern(3 * p, 0.17, 1.0);
        for up in [1usize, 2, 4] {
            let mask = pattern(p / (up * up), 0.7, 3.0);
            let (mut out, mut m) = (vec![0.0; 3 * p], vec![0.0; p]);
            rife_merge(
                pl(&flow, 4, h, w),
                pl(&img0, 3, h, w),
                pl(&img1, 3, h, w),
                pl(&mask, 1, h / up, w / up),
                up,
                &mut out,
                &mut m,
                &seq,
            );
            let (s2, s3) = ([1, 2, h, w], [1, 3, h, w]);
            let (fl0, fl1) = (&flow[..2 * p], &flow[2 * p..]);
            let v0 = ArrayView::new(&s3, &img0).unwrap();
            let v1 = ArrayView::new(&s3, &img1).unwrap();
            let w0 = warp(v0, ArrayView::new(&s2, fl0).unwrap()).unwrap();
            let w1 = warp(v1, ArrayView::new(&s2, fl1).unwrap()).unwrap();
            let logit = resize(&mask, h / up, w / up, h, w);
            for i in 0..p {
                let mm = 1.0 / (1.0 + (-logit[i]).exp());
                assert!((m[i] - mm).abs() < 1e-6, "up {up}: mask at {i}");
                for c in 0..3 {
                    let want = w0.data[c * p + i] * mm + w1.data[c * p + i] * (1.0 - mm);
                    let got = out[c * p + i];
                    assert!(
                        (got - want).abs() < 1e-5,
                        "up {up}: out {c} at {i}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

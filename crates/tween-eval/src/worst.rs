//! The picture of the worst tween frame: panels side by side (ground truth |
//! tween | minterpolate), each under a small label drawn with a built-in
//! 5×7 pixel font, written as PNG.

use crate::error::EvalError;
use std::path::Path;
use tween_core::{Frame, Pixels};

/// Panel labels, left to right, as recorded in the report.
pub const PANELS: [&str; 3] = ["ground truth", "tween", "minterpolate"];

const GAP: usize = 4;

/// 5×7 glyphs for the letters the labels use; each row is 5 bits, MSB left.
fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        _ => [0; 7],
    }
}

/// Composes `panels` (all the same size; a missing one is left black) under
/// their labels into one RGB image: returns (width, height, bytes).
pub fn compose(panels: &[(&str, Option<&Frame>)]) -> (usize, usize, Vec<u8>) {
    let first = panels
        .iter()
        .find_map(|p| p.1)
        .expect("at least one panel has a frame");
    let (pw, ph) = (first.width() as usize, first.height() as usize);
    // Text scale: 1 for small frames, larger for big ones.
    let scale = (pw / 320).clamp(1, 4);
    let bar = (7 + 4) * scale;
    let n = panels.len();
    let (w, h) = (n * pw + (n - 1) * GAP, bar + ph);
    let mut img = vec![32u8; w * h * 3];
    for (i, (label, frame)) in panels.iter().enumerate() {
        let x0 = i * (pw + GAP);
        draw_text(
            &mut img,
            w,
            (x0 + 2 * scale, x0 + pw),
            2 * scale,
            scale,
            label,
        );
        if let Some(f) = frame {
            let f = f.to_u8();
            let Pixels::U8(src) = f.pixels() else {
                unreachable!("to_u8 gives 8-bit samples")
            };
            for y in 0..ph.min(f.height() as usize) {
                let dst = ((bar + y) * w + x0) * 3;
                let row = &src[y * f.width() as usize * 3..][..pw.min(f.width() as usize) * 3];
                img[dst..dst + row.len()].copy_from_slice(row);
            }
        } else {
            for y in bar..h {
                img[(y * w + x0) * 3..(y * w + x0 + pw) * 3].fill(0);
            }
        }
    }
    (w, h, img)
}

/// Draws `text` from x0 on, clipped before x_end.
fn draw_text(
    img: &mut [u8],
    w: usize,
    (x0, x_end): (usize, usize),
    y0: usize,
    scale: usize,
    text: &str,
) {
    for (ci, c) in text.chars().enumerate() {
        let g = glyph(c);
        for (gy, bits) in g.iter().enumerate() {
            for gx in 0..5 {
                if bits & (0x10 >> gx) == 0 {
                    continue;
                }
                for sy in 0..scale {
                    for sx in 0..scale {
                        let x = x0 + (ci * 6 + gx) * scale + sx;
                        let y = y0 + gy * scale + sy;
                        if x < x_end.min(w) && (y * w + x) * 3 + 2 < img.len() {
                            img[(y * w + x) * 3..][..3].fill(240);
                        }
                    }
                }
            }
        }
    }
}

/// Writes ground truth | tween | minterpolate (black when absent) to `path` as PNG.
pub fn write_png(
    path: &Path,
    truth: &Frame,
    tween: &Frame,
    minterpolate: Option<&Frame>,
) -> Result<(), EvalError> {
    let (w, h, bytes) = compose(&[
        (PANELS[0], Some(truth)),
        (PANELS[1], Some(tween)),
        (PANELS[2], minterpolate),
    ]);
    image::save_buffer_with_format(
        path,
        &bytes,
        w as u32,
        h as u32,
        image::ExtendedColorType::Rgb8,
        image::ImageFormat::Png,
    )
    .map_err(|e| EvalError::Png {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_sit_side_by_side_under_labels() {
        let a = Frame::from_u8(20, 10, vec![200; 600]);
        let b = Frame::from_u8(20, 10, vec![100; 600]);
        let (w, h, img) = compose(&[
            ("ground truth", Some(&a)),
            ("tween", Some(&b)),
            ("minterpolate", None),
        ]);
        assert_eq!((w, h), (3 * 20 + 2 * GAP, 11 + 10));
        let px = |x: usize, y: usize| img[(y * w + x) * 3];
        assert_eq!(px(5, 15), 200);
        assert_eq!(px(20 + GAP + 5, 15), 100);
        assert_eq!(px(2 * (20 + GAP) + 5, 15), 0);
        // Some label pixels are lit in the bar.
        assert!((0..11).any(|y| (0..w).any(|x| px(x, y) == 240)));
        assert!(PANELS
            .iter()
            .all(|l| l.chars().all(|c| c == ' ' || glyph(c) != [0; 7])));
    }
}

use super::*;
use crate::metrics::psnr;

fn sample(f: &Frame, i: usize) -> f64 {
    match f.pixels() {
        Pixels::U8(v) => v[i] as f64 / 255.0,
        Pixels::U16(v) => v[i] as f64 / 65535.0,
    }
}

/// A deterministic mid-range texture (stays clear of 0 and 255 so that the
/// colour shifts below do not clip).
fn texture(w: u32, h: u32) -> Frame {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f64, y as f64);
            for c in 0..3 {
                let s = 120.0
                    + 40.0 * ((xf * 0.11 + c as f64 * 1.7).sin() * (yf * 0.07).cos())
                    + 20.0 * ((xf - 1.5 * yf) * 0.23 + c as f64).sin()
                    + 15.0 * (yf / h as f64 - 0.5)
                    + 10.0 * c as f64;
                v.push(s.round() as u8);
            }
        }
    }
    Frame::from_u8(w, h, v)
}

/// An "enhanced" frame: the source enlarged 2× plus fine detail that the
/// source does not have (a ±12 pseudo-random pattern, different per channel).
fn enhanced_of(src: &Frame) -> Frame {
    let (w, h) = (src.width() * 2, src.height() * 2);
    let up = resize(src, w, h).unwrap();
    let Pixels::U8(v) = up.pixels() else {
        unreachable!()
    };
    let mut seed = 0x1234_5678u32;
    let detailed = v
        .iter()
        .map(|&s| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (s as i32 + (seed % 25) as i32 - 12).clamp(0, 255) as u8
        })
        .collect();
    Frame::from_u8(w, h, detailed)
}

/// Channel gains and offsets, as a network's colour drift.
fn shifted(f: &Frame) -> Frame {
    let (gain, offset) = ([0.85, 1.1, 0.9], [30.0, -35.0, 25.0]);
    let Pixels::U8(v) = f.pixels() else {
        unreachable!()
    };
    let out = v
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            (s as f64 * gain[i % 3] + offset[i % 3])
                .round()
                .clamp(0.0, 255.0) as u8
        })
        .collect();
    Frame::from_u8(f.width(), f.height(), out)
}

fn channel_means(f: &Frame) -> [f64; 3] {
    let n = (f.sample_count() / 3) as f64;
    std::array::from_fn(|c| {
        (c..f.sample_count())
            .step_by(3)
            .map(|i| sample(f, i))
            .sum::<f64>()
            / n
    })
}

#[test]
fn fixes_pull_the_colour_back_and_keep_the_detail() {
    let src = texture(96, 64);
    let clean = enhanced_of(&src);
    let drifted = shifted(&clean);
    let src_up = resize(&src, clean.width(), clean.height()).unwrap();
    let want = channel_means(&clean);
    let before = channel_means(&drifted);
    let psnr_before = psnr(&drifted, &clean);
    // Replacing the frame by the enlarged source would fix the colour and
    // lose the detail: the fixes must do better than that.
    let psnr_source_only = psnr(&src_up, &clean);
    for fix in [ColorFix::Adain, ColorFix::Wavelet] {
        let fixed = fix.apply(&drifted, &src).unwrap();
        assert!(fixed.same_shape(&clean));
        let after = channel_means(&fixed);
        for c in 0..3 {
            let (eb, ea) = ((before[c] - want[c]).abs(), (after[c] - want[c]).abs());
            assert!(eb > 0.03, "channel {c}: the test shift is too small ({eb})");
            assert!(
                ea < 0.2 * eb,
                "{fix}: channel {c} mean error {eb:.4} -> {ea:.4}"
            );
        }
        let p = psnr(&fixed, &clean);
        assert!(
            p > psnr_before + 10.0,
            "{fix}: PSNR {psnr_before:.1} -> {p:.1} dB"
        );
        assert!(
            p > psnr_source_only + 3.0,
            "{fix}: {p:.1} dB is no better than the enlarged source ({psnr_source_only:.1} dB)"
        );
    }
}

#[test]
fn none_returns_the_frame_unchanged() {
    let src = texture(20, 10);
    let e = shifted(&enhanced_of(&src));
    assert_eq!(ColorFix::None.apply(&e, &src).unwrap(), e);
}

#[test]
fn wavelet_of_a_frame_against_itself_is_the_identity() {
    let f = texture(33, 17);
    assert_eq!(ColorFix::Wavelet.apply(&f, &f).unwrap(), f);
}

#[test]
fn adain_matches_mean_and_std_of_the_source() {
    let src = texture(50, 40);
    let e = shifted(&enhanced_of(&src));
    let fixed = ColorFix::Adain.apply(&e, &src).unwrap();
    let src_up = resize(&src, e.width(), e.height()).unwrap();
    let (a, b) = (mean_std(&fixed.to_f32()), mean_std(&src_up.to_f32()));
    for c in 0..3 {
        assert!(
            (a[c].0 - b[c].0).abs() < 1e-3,
            "mean {c}: {:?} vs {:?}",
            a[c],
            b[c]
        );
        assert!(
            (a[c].1 - b[c].1).abs() < 2e-3,
            "std {c}: {:?} vs {:?}",
            a[c],
            b[c]
        );
    }
}

/// The separable blur equals the 3×3 dilated kernel applied in 2-D with
/// replicated borders, as the reference (`F.pad(replicate)` + `F.conv2d`).
#[test]
fn separable_blur_equals_the_dilated_3x3_kernel() {
    let (w, h) = (23usize, 9usize);
    let img: Vec<f32> = texture(w as u32, h as u32).to_f32();
    let k = [[1.0f32, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]];
    for d in [1usize, 2, 4, 8, 16] {
        let mut tmp = vec![0.0; img.len()];
        let mut got = vec![0.0; img.len()];
        blur_rows(&img, &mut tmp, w, d);
        blur_columns(&tmp, &mut got, w, h, d);
        for y in 0..h as i64 {
            for x in 0..w as i64 {
                for c in 0..3 {
                    let mut want = 0.0;
                    for (j, row) in k.iter().enumerate() {
                        for (i, &kv) in row.iter().enumerate() {
                            let yy =
                                (y + (j as i64 - 1) * d as i64).clamp(0, h as i64 - 1) as usize;
                            let xx =
                                (x + (i as i64 - 1) * d as i64).clamp(0, w as i64 - 1) as usize;
                            want += kv / 16.0 * img[(yy * w + xx) * 3 + c];
                        }
                    }
                    let g = got[(y as usize * w + x as usize) * 3 + c];
                    assert!(
                        (g - want).abs() < 1e-6,
                        "d {d} ({x},{y},{c}): {g} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn output_keeps_the_enhanced_depth_and_size() {
    let src = texture(30, 20);
    let e8 = shifted(&enhanced_of(&src));
    let Pixels::U8(v) = e8.pixels() else {
        unreachable!()
    };
    let e16 = Frame::from_u16(
        e8.width(),
        e8.height(),
        v.iter().map(|&s| s as u16 * 257).collect(),
    );
    for fix in [ColorFix::Adain, ColorFix::Wavelet] {
        let out = fix.apply(&e16, &src).unwrap();
        assert!(out.is_high_depth());
        assert_eq!((out.width(), out.height()), (60, 40));
        // The same fix at both depths gives the same picture.
        let out8 = fix.apply(&e8, &src).unwrap();
        assert!(psnr(&out.to_u8(), &out8) > 45.0);
    }
}

#[test]
fn names_parse_and_print() {
    for fix in [ColorFix::None, ColorFix::Adain, ColorFix::Wavelet] {
        assert_eq!(fix.to_string().parse::<ColorFix>().unwrap(), fix);
    }
    assert_eq!("Wavelet".parse::<ColorFix>().unwrap(), ColorFix::Wavelet);
    let e = "histogram".parse::<ColorFix>().unwrap_err();
    assert!(
        e.to_string().contains("'histogram'") && e.to_string().contains("adain"),
        "{e}"
    );
}

#[test]
fn empty_frames_are_errors() {
    let empty = Frame::from_u8(0, 4, Vec::new());
    let src = texture(4, 4);
    assert!(matches!(
        ColorFix::Wavelet.apply(&empty, &src),
        Err(ColorFixError::Empty {
            width: 0,
            height: 4
        })
    ));
    let e = ColorFix::Adain.apply(&src, &empty).unwrap_err();
    assert!(
        matches!(
            e,
            ColorFixError::Resample(ResampleError::EmptySource { .. })
        ),
        "{e}"
    );
}

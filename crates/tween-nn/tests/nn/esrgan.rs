//! Real-ESRGAN on every conformance case of family "esrgan" the manifest
//! lists (new vectors are checked without code changes): `raw` cases run
//! `model(x)`, the others `RealESRGANer.enhance` with the case's tile,
//! tile_pad, pre_pad and DNI. `out_f32` must be within 1e-3 (RRDBNet: 1e-3 ·
//! max(1, max|ref|)); the u8 PNG within 1 level on at most 0.1% of samples.
//!
//! Set `TWEEN_ESRGAN_CAND=DIR` to also write the outputs under DIR at the
//! manifest's paths, for `compare.py --cand DIR`.

use std::path::{Path, PathBuf};

use tween_core::{Frame, Pixels, Upscaler};
use tween_nn::engine::{Array, SessionConfig};
use tween_nn::model::sr::{Convs, SrNet};
use tween_nn::upscale::dni::dni;
use tween_nn::upscale::{NeuralUpscaler, UpscaleOptions};
use tween_nn::{detect_strict, Architecture, StateDict};

use crate::helpers::{conformance_dir, manifest, runtime};
use crate::npy::{max_abs, read, write};

/// A conformance PNG as a frame (8-bit RGB).
pub fn png_frame(rel: &str) -> Frame {
    let img = image::open(conformance_dir().join(rel)).unwrap().to_rgb8();
    Frame::from_u8(img.width(), img.height(), img.into_raw())
}

/// The model's weights as the case wants them (DNI-blended when it says so).
fn weights(m: &serde_json::Value, case: &serde_json::Value) -> StateDict {
    let dir = conformance_dir();
    let path_of = |id: &str| dir.join(m["models"][id]["weights"]["pth"].as_str().unwrap());
    let o = &case["options"];
    match o["dni_models"].as_array() {
        Some(ids) => {
            let w: Vec<f64> = o["dni_weight"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            assert!((w[0] + w[1] - 1.0).abs() < 1e-12, "DNI weights {w:?}");
            let a = tween_nn::load(&path_of(ids[0].as_str().unwrap())).unwrap();
            let b = tween_nn::load(&path_of(ids[1].as_str().unwrap())).unwrap();
            dni(&a, &b, w[0]).unwrap()
        }
        None => tween_nn::load(&path_of(case["model"].as_str().unwrap())).unwrap(),
    }
}

fn as_array(f: &Frame) -> Array {
    let (w, h) = (f.width() as usize, f.height() as usize);
    let mut a = Array::zeros(&[1, 3, h, w]);
    let Pixels::U8(p) = f.pixels() else {
        panic!("8-bit input expected")
    };
    for i in 0..h * w {
        for c in 0..3 {
            a.data[c * h * w + i] = f32::from(p[3 * i + c]) / 255.0;
        }
    }
    a
}

fn u8_diff(got: &Frame, png: &Path) -> (u8, usize, usize) {
    let want = image::open(png).unwrap().to_rgb8();
    assert_eq!(
        (got.width(), got.height()),
        want.dimensions(),
        "{}",
        png.display()
    );
    let Pixels::U8(p) = got.pixels() else {
        panic!("8-bit output expected")
    };
    let mut worst = 0u8;
    let mut differ = 0;
    for (a, b) in p.iter().zip(want.as_raw()) {
        worst = worst.max(a.abs_diff(*b));
        differ += usize::from(a != b);
    }
    (worst, differ, p.len())
}

fn cand(rel: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("TWEEN_ESRGAN_CAND")?;
    let p = Path::new(&dir).join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    Some(p)
}

#[test]
fn every_esrgan_case_matches_the_reference() {
    let dir = conformance_dir();
    let m = manifest();
    let rt = runtime();
    let mut cases = 0;
    for case in m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["family"] == "esrgan")
    {
        if case.get("duplicate_of").is_some_and(|d| !d.is_null()) {
            continue;
        }
        let id = case["id"].as_str().unwrap();
        let sd = weights(&m, case);
        let arch = detect_strict(&sd).unwrap_or_else(|e| panic!("{id}: {e}"));
        let rrdb = matches!(arch, Architecture::Rrdbnet(_));
        let frame = png_frame(case["inputs"]["image"].as_str().unwrap());
        let o = &case["options"];
        let outs = &case["outputs"];
        let exp = read(&dir.join(outs["out_f32"]["path"].as_str().unwrap()));
        let tol = if rrdb {
            1e-3 * exp.data.iter().fold(1.0f32, |a, v| a.max(v.abs()))
        } else {
            1e-3
        };
        let session = SessionConfig::default();
        let (shape, got, upscaler) = if o["pipeline"] == "raw" {
            // The ONNX Conv graph here (the default where AVX-512F is
            // missing); the enhance cases below run the session's default.
            let net = SrNet::load_with(&arch, &sd, &rt, session.clone(), Convs::Standard).unwrap();
            let x = as_array(&frame);
            let y = net
                .forward(x.view())
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            let d = max_abs(&y.data, &exp.data);
            eprintln!("{id}: standard convs: out_f32 max abs {d:e} (tol {tol:e})");
            assert!(
                d <= tol,
                "{id}: standard convs: out_f32 max abs {d} > {tol}"
            );
            let net = SrNet::load(&arch, &sd, &rt, session).unwrap();
            let y = net
                .forward(x.view())
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            (y.shape, y.data, None)
        } else {
            let opt = |k: &str| o[k].as_u64().unwrap() as usize;
            let opts = UpscaleOptions {
                tile: opt("tile"),
                tile_pad: opt("tile_pad"),
                pre_pad: opt("pre_pad"),
                scale: Some(o["outscale"].as_u64().unwrap() as u32),
                ..UpscaleOptions::default()
            };
            let up = NeuralUpscaler::from_state_dict(id, &arch, &sd, &rt, opts)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            let f = up
                .enhance_f32(&frame)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            (vec![1, 3, f.h, f.w], f.data, Some(up))
        };
        assert_eq!(shape, exp.shape, "{id}: shape");
        assert!(got.iter().all(|v| v.is_finite()), "{id}: non-finite output");
        let d = max_abs(&got, &exp.data);
        eprintln!("{id}: out_f32 max abs {d:e} (tol {tol:e})");
        assert!(d <= tol, "{id}: out_f32 max abs {d} > {tol}");
        if let Some(p) = cand(outs["out_f32"]["path"].as_str().unwrap()) {
            write(&p, &shape, &got);
        }
        if let Some(up) = upscaler {
            let png = &outs["out_u8_png"];
            let out = up.upscale(&frame).unwrap_or_else(|e| panic!("{id}: {e}"));
            let (worst, differ, n) = u8_diff(&out, &dir.join(png["path"].as_str().unwrap()));
            eprintln!("{id}: u8 max diff {worst}, {differ} of {n} samples differ");
            assert!(
                worst <= 1 && differ as f64 <= 1e-3 * n as f64,
                "{id}: u8 {worst} / {differ} of {n}"
            );
            if let Some(p) = cand(png["path"].as_str().unwrap()) {
                let Pixels::U8(px) = out.pixels() else {
                    unreachable!()
                };
                image::save_buffer(&p, px, out.width(), out.height(), image::ColorType::Rgb8)
                    .unwrap();
            }
        }
        cases += 1;
    }
    assert!(cases >= 14, "only {cases} esrgan cases in the manifest");
}

/// `model(x)` through the 16-bit path: a frame of `v·257` reads as exactly
/// `v/255`, so the 16-bit output rounds the same floats (within one 8-bit
/// level of the reference PNG once scaled down).
#[test]
fn sixteen_bit_frames_stay_sixteen_bit_and_match_the_eight_bit_reference() {
    let dir = conformance_dir();
    let m = manifest();
    let case = m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "esrgan_realesr-animevideov3_img_61x79_enhance_t16_tp2_pp0")
        .expect("the animevideov3 tiled case");
    let sd = weights(&m, case);
    let opts = UpscaleOptions {
        tile: 16,
        tile_pad: 2,
        ..UpscaleOptions::default()
    };
    let arch = detect_strict(&sd).unwrap();
    let up = NeuralUpscaler::from_state_dict("animevideov3", &arch, &sd, &runtime(), opts).unwrap();
    let f8 = png_frame(case["inputs"]["image"].as_str().unwrap());
    let Pixels::U8(p) = f8.pixels() else {
        unreachable!()
    };
    let f16 = Frame::from_u16(
        f8.width(),
        f8.height(),
        p.iter().map(|&v| u16::from(v) * 257).collect(),
    );
    let out = up.upscale(&f16).unwrap();
    assert!(out.is_high_depth());
    let want = image::open(dir.join(case["outputs"]["out_u8_png"]["path"].as_str().unwrap()))
        .unwrap()
        .to_rgb8();
    let Pixels::U16(q) = out.pixels() else {
        unreachable!()
    };
    let worst = q
        .iter()
        .zip(want.as_raw())
        .map(|(&a, &b)| (f64::from(a) / 257.0 - f64::from(b)).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 1.0, "16-bit output is {worst} 8-bit levels off");
    // And the 16-bit output carries finer levels than 8 bits would.
    assert!(q.iter().any(|&v| v % 257 != 0));
}

/// With tile_pad at least the receptive field, tiles see all the context the
/// whole frame gives, so tiled equals untiled (up to float rounding).
#[test]
fn tiles_with_enough_context_equal_the_whole_frame() {
    let dir = conformance_dir();
    let sd = tween_nn::load(&dir.join("weights/esrgan/realesr-animevideov3.pth")).unwrap();
    let arch = detect_strict(&sd).unwrap();
    let frame = png_frame("images/esrgan/img_61x79.png");
    let run = |tile, tile_pad| {
        let opts = UpscaleOptions {
            tile,
            tile_pad,
            pre_pad: 10,
            ..UpscaleOptions::default()
        };
        NeuralUpscaler::from_state_dict("a", &arch, &sd, &runtime(), opts)
            .unwrap()
            .enhance_f32(&frame)
            .unwrap()
            .data
    };
    let whole = run(0, 10);
    // 18 convs of 3x3: a receptive radius of 18 input pixels.
    let d = max_abs(&run(24, 18), &whole);
    assert!(d < 1e-4, "tiled with full context differs by {d}");
    let seams = max_abs(&run(24, 2), &whole);
    assert!(seams > 1e-2, "tile_pad 2 should leave seams, got {seams}");
}

/// The ×1 RRDBNet (pixel-unshuffle 4, SpaceToDepth with permuted weights
/// here) equals the same weights run as a ×4 net on the input unshuffled in
/// torch's order (`out[c·16 + i·4 + j, y, x] = in[c, 4y + i, 4x + j]`).
#[test]
fn x1_rrdbnet_unshuffles_in_torch_order() {
    use tween_nn::arch::rrdbnet::Config;
    use tween_nn::model::rrdbnet::Rrdbnet;
    let x1 = Config {
        num_in_ch: 3,
        num_out_ch: 3,
        num_feat: 16,
        num_block: 1,
        num_grow_ch: 8,
        scale: 1,
    };
    let x4 = Config {
        num_in_ch: 48,
        scale: 4,
        ..x1
    };
    let mut seed = 12345u32;
    let mut rnd = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    let mut sd = StateDict::new();
    for (k, shape) in x1.expected_keys() {
        let n: usize = shape.iter().product();
        let data = (0..n).map(|_| rnd() * 0.3).collect();
        sd.insert(
            k,
            tween_nn::Tensor {
                shape,
                dtype: tween_nn::DType::F32,
                data,
            },
        );
    }
    let rt = runtime();
    let session = SessionConfig::default();
    let convs = Convs::for_session(&session);
    let a = Rrdbnet::load(&x1, &sd, &rt, session.clone(), convs).unwrap();
    let b = Rrdbnet::load(&x4, &sd, &rt, session, convs).unwrap();
    let (h, w) = (8, 12);
    let x: Vec<f32> = (0..3 * h * w).map(|_| rnd() + 0.5).collect();
    let (uh, uw) = (h / 4, w / 4);
    let mut u = vec![0.0; x.len()];
    for c in 0..3 {
        for i in 0..4 {
            for j in 0..4 {
                for y in 0..uh {
                    for xx in 0..uw {
                        u[((c * 16 + i * 4 + j) * uh + y) * uw + xx] =
                            x[(c * h + 4 * y + i) * w + 4 * xx + j];
                    }
                }
            }
        }
    }
    let ya = a
        .forward(tween_nn::engine::ArrayView::new(&[1, 3, h, w], &x).unwrap())
        .unwrap();
    let yb = b
        .forward(tween_nn::engine::ArrayView::new(&[1, 48, uh, uw], &u).unwrap())
        .unwrap();
    assert_eq!(ya.shape, [1, 3, h, w]);
    assert_eq!(ya.shape, yb.shape);
    let d = max_abs(&ya.data, &yb.data);
    assert!(d < 1e-5, "×1 and unshuffled ×4 differ by {d}");
    // And the input really matters (the comparison is not of constants).
    assert!(ya.data.iter().any(|&v| (v - ya.data[0]).abs() > 1e-3));
    // Sizes that are not multiples of 4 are refused.
    let odd = vec![0.0; 3 * 6 * 6];
    let e = a
        .forward(tween_nn::engine::ArrayView::new(&[1, 3, 6, 6], &odd).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("multiples of 4"), "{e}");
}

//! RIFE IFNet forward on the conformance cases (family "rife"): load the
//! weights, pad the PNG pair as the case says, run, crop, compare
//! out (≤ 1e-3), flow (≤ 5e-3 px) and mask (≤ 1e-3), and the truncated u8 PNG.

use std::time::Instant;

use tween_nn::arch::rife::Config;
use tween_nn::engine::{Array, SessionConfig};
use tween_nn::model::rife::Rife;

use crate::helpers::{conformance_dir, manifest, runtime};
use crate::npy::{max_abs, read};

/// A PNG as `[1, 3, ph, pw]` float32 in [0, 1], zero-padded right/bottom.
fn load_padded(rel: &str, ph: usize, pw: usize) -> (Array, usize, usize) {
    let img = image::open(conformance_dir().join(rel)).unwrap().to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut a = Array::zeros(&[1, 3, ph, pw]);
    for (x, y, p) in img.enumerate_pixels() {
        for c in 0..3 {
            a.data[c * ph * pw + y as usize * pw + x as usize] = f32::from(p[c]) / 255.0;
        }
    }
    (a, h, w)
}

/// `a[:, :, :h, :w]`.
fn crop(a: &Array, h: usize, w: usize) -> Vec<f32> {
    let (c, ph, pw) = (a.shape[1], a.shape[2], a.shape[3]);
    let mut out = Vec::with_capacity(c * h * w);
    for ch in 0..c {
        for y in 0..h {
            let row = ch * ph * pw + y * pw;
            out.extend_from_slice(&a.data[row..row + w]);
        }
    }
    out
}

#[test]
fn every_rife_case_matches_the_reference() {
    let dir = conformance_dir();
    let m = manifest();
    let rt = runtime();
    let mut cases = 0;
    for case in m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["family"] == "rife")
    {
        let id = case["id"].as_str().unwrap();
        let model = &m["models"][case["model"].as_str().unwrap()];
        let sd = tween_nn::load(&dir.join(model["weights"]["pkl"].as_str().unwrap())).unwrap();
        let config = match case["version"].as_str().unwrap() {
            "4.6" => Config::v4_6(),
            _ => Config::v4_25(),
        };
        let net = Rife::load(&config, &sd, &rt, SessionConfig::default()).unwrap();
        let o = &case["options"];
        let ph = o["padded_size"][0].as_u64().unwrap() as usize;
        let pw = o["padded_size"][1].as_u64().unwrap() as usize;
        let (t, scale) = (
            o["timestep"].as_f64().unwrap() as f32,
            o["scale"].as_f64().unwrap() as f32,
        );
        let (a, h, w) = load_padded(case["inputs"]["frame0"].as_str().unwrap(), ph, pw);
        let (b, _, _) = load_padded(case["inputs"]["frame1"].as_str().unwrap(), ph, pw);
        let t0 = Instant::now();
        let r = net
            .forward(a.view(), b.view(), t, scale)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let first = t0.elapsed();
        let outs = &case["outputs"];
        let check = |key: &str, got: &Array, tol: f32| {
            if outs[key].is_null() {
                return;
            }
            let exp = read(&dir.join(outs[key]["path"].as_str().unwrap()));
            let d = max_abs(&crop(got, h, w), &exp.data);
            eprintln!("{id} {key}: max abs {d:e}");
            assert!(d <= tol, "{id} {key}: max abs {d} > {tol}");
        };
        check("out_f32", &r.out, 1e-3);
        check("flow_f32", &r.flow, 5e-3);
        check("mask_f32", &r.mask, 1e-3);
        // u8: (out * 255).byte() truncation; allow ±1 where out sits on a boundary.
        let png = image::open(dir.join(outs["out_u8_png"]["path"].as_str().unwrap()))
            .unwrap()
            .to_rgb8();
        let out = crop(&r.out, h, w);
        let mut off = 0usize;
        for (x, y, p) in png.enumerate_pixels() {
            for c in 0..3 {
                let v = (out[c * h * w + y as usize * w + x as usize] * 255.0) as u8;
                if v.abs_diff(p[c]) > 1 {
                    panic!("{id}: u8 at ({x},{y},{c}) {v} vs {}", p[c]);
                }
                off += usize::from(v != p[c]);
            }
        }
        eprintln!(
            "{id}: {} of {} u8 values differ by 1; first run {first:?}",
            off,
            3 * h * w
        );
        cases += 1;
    }
    assert_eq!(cases, 10);
}

#[test]
fn bad_sizes_are_typed_errors() {
    let dir = conformance_dir();
    let sd = tween_nn::load(&dir.join("weights/rife_v4.6/flownet.pkl")).unwrap();
    let net = Rife::load(&Config::v4_6(), &sd, &runtime(), SessionConfig::default()).unwrap();
    let a = Array::zeros(&[1, 3, 48, 64]);
    let err = net.forward(a.view(), a.view(), 0.5, 1.0).unwrap_err();
    assert!(err.to_string().contains("multiples of 32"), "{err}");
    let wrong = Config::v4_25();
    assert!(Rife::load(&wrong, &sd, &runtime(), SessionConfig::default()).is_err());
}

/// IFNet v4.25 at 720p (padded 1280x768, scale 1): ms per frame.
/// `cargo test -- --ignored bench_rife_720p --nocapture` (with optimisation).
#[test]
#[ignore = "timing, not a check; run with --ignored --nocapture"]
fn bench_rife_720p() {
    let dir = conformance_dir();
    let sd = tween_nn::load(&dir.join("weights/rife_v4.25/flownet.pkl")).unwrap();
    let net = Rife::load(&Config::v4_25(), &sd, &runtime(), SessionConfig::default()).unwrap();
    let (h, w) = (768, 1280);
    let a = Array::new(
        vec![1, 3, h, w],
        (0..3 * h * w).map(|i| (i % 255) as f32 / 255.0).collect(),
    )
    .unwrap();
    let b = Array::new(
        vec![1, 3, h, w],
        (0..3 * h * w)
            .map(|i| ((i + 7) % 255) as f32 / 255.0)
            .collect(),
    )
    .unwrap();
    let t0 = Instant::now();
    net.forward(a.view(), b.view(), 0.5, 1.0).unwrap();
    eprintln!(
        "first frame (graph build + session + run): {:?}",
        t0.elapsed()
    );
    let reps = 3;
    let t0 = Instant::now();
    for _ in 0..reps {
        net.forward(a.view(), b.view(), 0.5, 1.0).unwrap();
    }
    eprintln!(
        "IFNet v4.25 1280x768 scale 1: {:.0} ms/frame",
        t0.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
}

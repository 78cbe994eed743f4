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

/// tween's fused operators (the CPU path) and the standard-op graph (what a
/// GPU provider runs: GridSample, Resize, Concat) give the same frames, for
/// both versions, on a conformance pair at scales 1 and 0.5; scale 2 has no
/// fused form and must still build (standard ops).
#[test]
fn fused_and_standard_graphs_agree() {
    use tween_nn::engine::{ArrayView, Engine, OrtEngine};
    use tween_nn::model::rife::{build_graph_with, GraphOptions};
    let dir = conformance_dir();
    let rt = runtime();
    let (ph, pw) = (256, 512);
    let (a, _, _) = load_padded("images/rife/shift_256x448/frame0.png", ph, pw);
    let (b, _, _) = load_padded("images/rife/shift_256x448/frame1.png", ph, pw);
    let t = [0.3f32];
    for (version, config) in [("4.25", Config::v4_25()), ("4.6", Config::v4_6())] {
        let sd = tween_nn::load(&dir.join(format!("weights/rife_v{version}/flownet.pkl"))).unwrap();
        for scale in [1.0f32, 0.5] {
            let run = |opts: &GraphOptions| {
                let g = build_graph_with(&config, &sd, ph, pw, scale, opts).unwrap();
                let e = OrtEngine::new(&rt, &g, &SessionConfig::default()).unwrap();
                let tv = ArrayView::new(&[1, 1, 1, 1], &t).unwrap();
                e.run(&[a.view(), b.view(), tv]).unwrap()
            };
            let standard = run(&GraphOptions::standard());
            let variants = [
                ("fused", GraphOptions::default().without_winograd()),
                ("fused+winograd", GraphOptions::default()),
            ];
            for (what, opts) in variants {
                if opts.winograd {
                    if !tween_nn::winograd::supported() {
                        eprintln!("{what}: skipped, no AVX-512F");
                        continue;
                    }
                    let g = build_graph_with(&config, &sd, ph, pw, scale, &opts).unwrap();
                    let n = g.nodes.iter().filter(|n| n.op_type == "Conv3x3W").count();
                    assert_eq!(n, 9 * config.blocks.len(), "v{version}: Winograd nodes");
                }
                let fused = run(&opts);
                for (k, name) in ["out", "flow", "mask"].iter().enumerate() {
                    assert_eq!(fused[k].shape, standard[k].shape);
                    let d = max_abs(&fused[k].data, &standard[k].data);
                    eprintln!("v{version} scale {scale} {name}: {what} vs standard max abs {d:e}");
                    assert!(d < 1e-4, "v{version} scale {scale} {name} {what}: {d}");
                }
            }
        }
        // Scale 2: block scales 8 … 0.5, standard ops only.
        let g = build_graph_with(&config, &sd, ph, pw, 2.0, &GraphOptions::default()).unwrap();
        assert!(
            g.nodes.iter().all(|n| n.domain.is_empty()),
            "v{version}: scale 2 uses standard ops"
        );
    }
}

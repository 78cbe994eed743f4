//! The engine on the op conformance vectors (manifest cases of family "op"):
//! bilinear resize (down and up 2–16x), the RIFE warp (ONNX GridSample and
//! the CPU kernel), pixel_unshuffle. Tolerance 1e-5 max abs.

use std::time::Instant;

use tween_nn::engine::{ArrayView, Engine, OrtEngine, SessionConfig};
use tween_nn::onnx::GraphBuilder;
use tween_nn::NnError;

use crate::helpers::{conformance_dir, manifest, runtime};
use crate::npy::{max_abs, read, Npy};

const TOL: f32 = 1e-5;

fn op_cases() -> Vec<serde_json::Value> {
    manifest()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["family"] == "op")
        .cloned()
        .collect()
}

fn npy(rel: &serde_json::Value) -> Npy {
    read(&conformance_dir().join(rel.as_str().unwrap()))
}

fn engine(g: GraphBuilder) -> OrtEngine {
    OrtEngine::new(&runtime(), &g.finish().unwrap(), &SessionConfig::default()).unwrap()
}

/// Runs one op case through a graph made by `build` from the input shapes.
fn check(
    case: &serde_json::Value,
    inputs: &[&str],
    build: impl Fn(&mut GraphBuilder, &[String]) -> String,
) {
    let id = case["id"].as_str().unwrap();
    let arrays: Vec<Npy> = inputs.iter().map(|k| npy(&case["inputs"][k])).collect();
    let mut g = GraphBuilder::new(id);
    let names: Vec<String> = inputs
        .iter()
        .zip(&arrays)
        .map(|(k, a)| g.input(k, &a.shape))
        .collect();
    let y = build(&mut g, &names);
    g.output(&y, "out");
    let e = engine(g);
    let views: Vec<ArrayView> = arrays
        .iter()
        .map(|a| ArrayView::new(&a.shape, &a.data).unwrap())
        .collect();
    let out = e.run(&views).unwrap_or_else(|err| panic!("{id}: {err}"));
    let expected = npy(&case["outputs"]["out_f32"]["path"]);
    assert_eq!(out[0].shape, expected.shape, "{id}: shape");
    let d = max_abs(&out[0].data, &expected.data);
    eprintln!("{id}: max abs {d:e}");
    assert!(d <= TOL, "{id}: max abs {d} > {TOL}");
}

#[test]
fn every_op_case_matches_the_reference() {
    let cases = op_cases();
    assert_eq!(cases.len(), 10);
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        if let Some(rest) = id.strip_prefix("op_interp_") {
            let s: f32 = match rest.split_at(if rest.starts_with("down") { 4 } else { 2 }) {
                ("down", n) => 1.0 / n.parse::<f32>().unwrap(),
                ("up", n) => n.parse().unwrap(),
                _ => panic!("{id}"),
            };
            check(case, &["x"], |g, v| g.resize_bilinear(&v[0], s));
        } else if id == "op_warp" {
            check(case, &["x", "flow"], |g, v| g.warp(&v[0], &v[1]));
        } else if id == "op_pixel_unshuffle2" {
            check(case, &["x"], |g, v| g.pixel_unshuffle(&v[0], 2));
        } else {
            panic!("unknown op case {id}");
        }
    }
}

#[test]
fn the_cpu_warp_kernel_matches_the_reference() {
    let case = op_cases()
        .into_iter()
        .find(|c| c["id"] == "op_warp")
        .unwrap();
    let (x, flow) = (npy(&case["inputs"]["x"]), npy(&case["inputs"]["flow"]));
    let out = tween_nn::warp::warp(
        ArrayView::new(&x.shape, &x.data).unwrap(),
        ArrayView::new(&flow.shape, &flow.data).unwrap(),
    )
    .unwrap();
    let expected = npy(&case["outputs"]["out_f32"]["path"]);
    let d = max_abs(&out.data, &expected.data);
    assert!(d <= TOL, "max abs {d}");
}

#[test]
fn pixel_shuffle_inverts_pixel_unshuffle() {
    let shape = [1, 2, 4, 6];
    let data: Vec<f32> = (0..48).map(|v| v as f32).collect();
    let mut g = GraphBuilder::new("roundtrip");
    let x = g.input("x", &shape);
    let u = g.pixel_unshuffle(&x, 2);
    let y = g.pixel_shuffle(&u, 2);
    g.output(&y, "y");
    let out = engine(g)
        .run(&[ArrayView::new(&shape, &data).unwrap()])
        .unwrap();
    assert_eq!(out[0].data, data);
}

#[test]
fn wrong_inputs_are_typed_errors() {
    let mut g = GraphBuilder::new("id");
    let x = g.input("x", &[1, 1, 2, 2]);
    let y = g.sigmoid(&x);
    g.output(&y, "y");
    let e = engine(g);
    assert!(matches!(e.run(&[]), Err(NnError::BadInput { .. })));
    let bad = [0.0f32; 3];
    assert!(matches!(
        e.run(&[ArrayView::new(&[1, 1, 1, 3], &bad).unwrap()]),
        Err(NnError::Runtime { .. })
    ));
    assert!(matches!(
        ArrayView::new(&[1, 1, 2, 2], &bad),
        Err(NnError::BadInput { .. })
    ));
}

#[test]
fn cuda_without_the_feature_is_a_typed_error() {
    if cfg!(feature = "cuda") {
        return;
    }
    let mut g = GraphBuilder::new("id");
    let x = g.input("x", &[1]);
    let y = g.sigmoid(&x);
    g.output(&y, "y");
    let cfg = SessionConfig {
        device: tween_nn::engine::Device::Cuda { id: 0 },
        intra_threads: Some(1),
    };
    let err = OrtEngine::new(&runtime(), &g.finish().unwrap(), &cfg).unwrap_err();
    assert_eq!(
        err.to_string(),
        "CUDA support not compiled in; rebuild with --features cuda"
    );
}

/// Timings at 720p (1280x768, the padded size): ORT Resize down/up, ORT
/// GridSample warp vs the CPU kernel. `cargo test --release -- --ignored bench_720p --nocapture`.
#[test]
#[ignore = "timing, not a check; run with --release --ignored --nocapture"]
fn bench_720p() {
    let (h, w) = (768, 1280);
    let n = 3 * h * w;
    let x: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0)
        .collect();
    let flow: Vec<f32> = (0..2 * h * w)
        .map(|i| ((i * 31) % 200) as f32 / 10.0 - 10.0)
        .collect();
    let xs = [1, 3, h, w];
    let fs = [1, 2, h, w];
    let time = |name: &str, f: &mut dyn FnMut()| {
        f();
        let reps = 10;
        let t0 = Instant::now();
        for _ in 0..reps {
            f();
        }
        eprintln!(
            "{name}: {:.2} ms",
            t0.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    };
    let mut g = GraphBuilder::new("warp");
    let (a, b) = (g.input("x", &xs), g.input("flow", &fs));
    let y = g.warp(&a, &b);
    g.output(&y, "y");
    let e = engine(g);
    eprintln!("threads: {}", e.threads());
    let xv = ArrayView::new(&xs, &x).unwrap();
    let fv = ArrayView::new(&fs, &flow).unwrap();
    time("ORT GridSample warp 3ch 1280x768", &mut || {
        e.run(&[xv, fv]).unwrap();
    });
    time("CPU kernel warp 3ch 1280x768", &mut || {
        tween_nn::warp::warp(xv, fv).unwrap();
    });
    for s in [0.0625f32, 0.5, 2.0] {
        let mut g = GraphBuilder::new("resize");
        let shape = if s > 1.0 { [1, 3, h / 2, w / 2] } else { xs };
        let a = g.input("x", &shape);
        let y = g.resize_bilinear(&a, s);
        g.output(&y, "y");
        let e = engine(g);
        let v = ArrayView::new(&shape, &x[..shape.iter().product()]).unwrap();
        time(
            &format!("ORT Resize x{s} from {}x{}", shape[3], shape[2]),
            &mut || {
                e.run(&[v]).unwrap();
            },
        );
    }
}

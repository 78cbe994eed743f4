//! The quality cost of fp16 and bf16 for RIFE IFNet, against fp32.
//!
//! ONNX Runtime's CPU provider has no fp16/bf16 convolution kernels here, so
//! the reduced precisions are *emulated*: the weights and every convolution-
//! side activation (conv/deconv outputs, the ResConv products and sums, each
//! block's and the encoder's input) are rounded to fp16 or bf16 and back
//! (`GraphOptions::emulate_precision`), and the convolutions accumulate in
//! fp32 — what a GPU's fp16 convolution with fp32 accumulation stores. Warps,
//! resizes and the final blend stay fp32, as in tween's fp16 graph.
//!
//! ```text
//! cargo run --release --example rife_precision -p tween-nn -- [CONFORMANCE_DIR]
//! ```
//!
//! For every RIFE conformance case (seeded random weights, real image pairs):
//! max |out − out_fp32|, PSNR of out against fp32 (peak 1), and the share of
//! 8-bit output samples that change.

use std::path::PathBuf;

use tween_nn::arch::rife::Config;
use tween_nn::engine::{
    Array, ArrayView, Engine, OrtEngine, Precision, Runtime, RuntimeConfig, SessionConfig,
};
use tween_nn::model::rife::{build_graph_with, GraphOptions};

fn load_padded(path: &std::path::Path, ph: usize, pw: usize) -> (Array, usize, usize) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut a = Array::zeros(&[1, 3, ph, pw]);
    for (x, y, p) in img.enumerate_pixels() {
        for c in 0..3 {
            a.data[c * ph * pw + y as usize * pw + x as usize] = f32::from(p[c]) / 255.0;
        }
    }
    (a, h, w)
}

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

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("TWEEN_CONFORMANCE_DIR").map(PathBuf::from))
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        });
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("manifest.json"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join("manifest.json").display())),
    )
    .expect("manifest.json");
    let rt = Runtime::load(&RuntimeConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let session = SessionConfig::default();
    println!("case | precision | max |Δout| | PSNR vs fp32 (dB) | 8-bit samples changed");
    let mut worst = [(0.0f32, f64::INFINITY); 2];
    for case in m["cases"].as_array().expect("cases") {
        if case["family"] != "rife" || case.get("duplicate_of").is_some_and(|d| !d.is_null()) {
            continue;
        }
        let id = case["id"].as_str().expect("id");
        let model = &m["models"][case["model"].as_str().expect("model")];
        let sd = tween_nn::load(&dir.join(model["weights"]["pkl"].as_str().expect("pkl")))
            .unwrap_or_else(|e| panic!("{e}"));
        let config = Config::from_state_dict(&sd).unwrap_or_else(|e| panic!("{e}"));
        let o = &case["options"];
        let ph = o["padded_size"][0].as_u64().expect("ph") as usize;
        let pw = o["padded_size"][1].as_u64().expect("pw") as usize;
        let t = [o["timestep"].as_f64().expect("t") as f32];
        let scale = o["scale"].as_f64().expect("scale") as f32;
        let (a, h, w) = load_padded(
            &dir.join(case["inputs"]["frame0"].as_str().expect("f0")),
            ph,
            pw,
        );
        let (b, _, _) = load_padded(
            &dir.join(case["inputs"]["frame1"].as_str().expect("f1")),
            ph,
            pw,
        );
        let run = |opts: &GraphOptions| -> Vec<f32> {
            let g = build_graph_with(&config, &sd, ph, pw, scale, opts)
                .unwrap_or_else(|e| panic!("{e}"));
            let e = OrtEngine::new(&rt, &g, &session).unwrap_or_else(|e| panic!("{id}: {e}"));
            let tv = ArrayView::new(&[1, 1, 1, 1], &t).expect("t");
            let out = e
                .run(&[a.view(), b.view(), tv])
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            crop(&out[0], h, w)
        };
        let fp32 = run(&GraphOptions::default());
        for (k, p) in [Precision::Fp16, Precision::Bf16].into_iter().enumerate() {
            let got = run(&GraphOptions::default().with_precision(p, true));
            let max = fp32
                .iter()
                .zip(&got)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            let mse = fp32
                .iter()
                .zip(&got)
                .map(|(x, y)| f64::from(x - y).powi(2))
                .sum::<f64>()
                / fp32.len() as f64;
            let psnr = if mse == 0.0 {
                f64::INFINITY
            } else {
                -10.0 * mse.log10()
            };
            let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            let changed = fp32
                .iter()
                .zip(&got)
                .filter(|(x, y)| q(**x) != q(**y))
                .count();
            println!(
                "{id} | {p} | {max:.2e} | {psnr:.1} | {:.3}%",
                100.0 * changed as f64 / fp32.len() as f64
            );
            worst[k].0 = worst[k].0.max(max);
            worst[k].1 = worst[k].1.min(psnr);
        }
    }
    println!(
        "worst: fp16 max {:.2e}, PSNR {:.1} dB; bf16 max {:.2e}, PSNR {:.1} dB",
        worst[0].0, worst[0].1, worst[1].0, worst[1].1
    );
}

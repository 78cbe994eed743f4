//! One 3×3 convolution layer (+ LeakyReLU) at the shapes Real-ESRGAN and
//! RIFE spend their time in: ONNX Runtime's Conv (NCHW, MLAS) against
//! tween's Winograd F(4×4, 3×3) kernels (channels-last) for every
//! instruction set this CPU has (AVX-512F, AVX2 + FMA), same thread count,
//! median of N runs after a warm-up, in one run.
//!
//! ```text
//! cargo run --release --example winograd_speed -p tween-nn -- [--threads 2] [--reps 5]
//! ```
//!
//! GFLOP/s counts a direct convolution's 2·9·cin·cout multiply-adds per pixel
//! for both, so the Winograd figure can exceed the CPU's fp32 peak.

use std::time::Instant;

use rayon::prelude::*;
use tween_nn::engine::{Array, Engine, OrtEngine, Runtime, RuntimeConfig, SessionConfig};
use tween_nn::onnx::GraphBuilder;
use tween_nn::winograd::{self, Input, Isa};
use tween_nn::{DType, Tensor};

fn noise(seed: u64, len: usize, amp: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 23) as f32 - 1.0) * amp
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut threads = 2;
    let mut reps = 5;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--threads" => threads = it.next().ok_or("--threads N")?.parse()?,
            "--reps" => reps = it.next().ok_or("--reps N")?.parse()?,
            "--bench" => {}
            o => return Err(format!("unknown argument {o}").into()),
        }
    }
    let isas = Isa::available();
    if isas.is_empty() {
        return Err("neither AVX-512F nor AVX2 + FMA: the Winograd kernels do not run here".into());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let rt = Runtime::load(&RuntimeConfig::default())?;
    let session = SessionConfig {
        intra_threads: Some(threads),
        ..SessionConfig::default()
    };
    // (what, h, w, inputs' channels, outputs)
    let layers: [(&str, usize, usize, &[usize], usize); 6] = [
        ("SRVGG body 640x360", 360, 640, &[64], 64),
        ("RRDB conv2 256x256", 256, 256, &[64, 32], 32),
        ("RRDB conv5 256x256", 256, 256, &[64, 32, 32, 32, 32], 64),
        ("RRDB conv_hr 1024x1024", 1024, 1024, &[64], 64),
        ("RIFE v4.25 block3", 192, 320, &[64], 64),
        ("RIFE v4.25 block0", 24, 40, &[192], 192),
    ];
    println!("{threads} threads, median of {reps}");
    for (what, h, w, ins, o) in layers {
        let cin: usize = ins.iter().sum();
        let flop = 2.0 * 9.0 * (cin * o * h * w) as f64;
        let weight = noise(1, o * cin * 9, 1.0 / (9.0 * cin as f32).sqrt());
        let bias = noise(2, o, 0.1);
        // ONNX Runtime: one Conv + LeakyRelu over the concatenated input.
        let mut g = GraphBuilder::new("conv");
        let x = g.input("x", &[1, cin, h, w]);
        let wt = g.weight(
            &Tensor {
                shape: vec![o, cin, 3, 3],
                dtype: DType::F32,
                data: weight.clone(),
            },
            "w",
        );
        let b = g.weight(
            &Tensor {
                shape: vec![o],
                dtype: DType::F32,
                data: bias.clone(),
            },
            "b",
        );
        let y = g.conv(&x, &wt, &b, 1, 1);
        let y = g.leaky_relu(&y, 0.2);
        g.output(&y, "y");
        let engine = OrtEngine::new(&rt, &g.finish()?, &session)?;
        let xin = Array::new(vec![1, cin, h, w], noise(3, cin * h * w, 1.0))?;
        let ort_ms = time(reps, || {
            engine.run(&[xin.view()]).expect("ORT run");
        });
        // Winograd, channels-last, the inputs kept apart.
        let prepared = winograd::prepare(&weight, o, ins, &bias, None, Some(&vec![0.2; o]));
        let bufs: Vec<Vec<f32>> = ins
            .iter()
            .enumerate()
            .map(|(i, &c)| noise(4 + i as u64, h * w * c, 1.0))
            .collect();
        let inputs: Vec<Input> = bufs
            .iter()
            .zip(ins)
            .map(|(d, &c)| Input { data: d, c })
            .collect();
        let mut out = vec![0.0f32; h * w * prepared.n];
        let par = |n: usize, f: &(dyn Fn(usize) + Sync)| {
            pool.install(|| (0..n).into_par_iter().for_each(f))
        };
        let mut line = format!(
            "{what:<24} ORT {ort_ms:8.2} ms ({:4.0} GFLOP/s)",
            flop / ort_ms / 1e6
        );
        for &isa in &isas {
            let ms = time(reps, || {
                winograd::conv3x3_with(
                    isa,
                    &inputs,
                    (h, w),
                    &prepared.weights(),
                    &[],
                    &mut out,
                    &par,
                )
                .expect("winograd");
            });
            line += &format!(
                "   {isa:?} {ms:7.2} ms ({:4.0} GFLOP/s) {:.2}x",
                flop / ms / 1e6,
                ort_ms / ms
            );
        }
        println!("{line}");
    }
    Ok(())
}

//! RIFE IFNet speed: ms per frame at 1280×720 (padded to 1280×768, the
//! minimal multiple of 64), median of N runs after one warm-up run, and in
//! the same run the PyTorch reference forward (`scripts/bench-rife-pytorch.py`,
//! run as a child process) when a Python with torch is found.
//!
//! ```text
//! cargo run --release --example rife_speed -p tween-nn -- \
//!     [--weights flownet.pkl] [--threads 2] [--reps 5] [--size 1280x720] \
//!     [--scale 1] [--precision fp32|bf16|fp16] [--python PATH | --no-torch] \
//!     [--profile PREFIX] [--standard]
//! ```
//!
//! `--standard` also times, in the same run, the graph in standard ONNX ops
//! only (GridSample warps, full-size Resize and Concat: what IFNet_HDv3
//! writes, and what a GPU provider runs) against tween's fused CPU graph.
//!
//! Without `--weights`, random weights of IFNet v4.25's shapes are built here
//! (the speed does not depend on the values); the PyTorch side gets the same
//! tensors through a temporary `.safetensors` file. The Python is `--python`,
//! else `$TWEEN_TORCH_PYTHON`, else `python3`; when it cannot import torch,
//! only tween's figures are printed. `--profile PREFIX` writes ONNX Runtime's
//! per-node profile of the timed runs (see `tween_nn::engine::PROFILE_ENV`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use tween_nn::arch::rife::Config;
use tween_nn::engine::Precision;
use tween_nn::engine::{
    Array, ArrayView, Engine, OrtEngine, Runtime, RuntimeConfig, SessionConfig, PROFILE_ENV,
};
use tween_nn::model::rife::{build_graph_with, GraphOptions, Rife};
use tween_nn::{DType, StateDict, Tensor};

struct Args {
    weights: Option<PathBuf>,
    threads: usize,
    reps: usize,
    size: (usize, usize),
    scale: f32,
    precision: Precision,
    python: Option<String>,
    torch: bool,
    profile: Option<String>,
    standard: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        weights: None,
        threads: 2,
        reps: 5,
        size: (1280, 720),
        scale: 1.0,
        precision: Precision::Fp32,
        python: std::env::var("TWEEN_TORCH_PYTHON").ok(),
        torch: true,
        profile: None,
        standard: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--weights" => a.weights = Some(val()?.into()),
            "--threads" => a.threads = val()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--reps" => a.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--scale" => a.scale = val()?.parse().map_err(|e| format!("--scale: {e}"))?,
            "--size" => {
                let v = val()?;
                let (w, h) = v.split_once('x').ok_or("--size is WxH")?;
                a.size = (
                    w.parse().map_err(|e| format!("--size: {e}"))?,
                    h.parse().map_err(|e| format!("--size: {e}"))?,
                );
            }
            "--precision" => a.precision = val()?.parse().map_err(|e| format!("{e}"))?,
            "--python" => a.python = Some(val()?),
            "--no-torch" => a.torch = false,
            "--profile" => a.profile = Some(val()?),
            "--standard" => a.standard = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.reps == 0 || a.threads == 0 {
        return Err("--reps and --threads must be at least 1".into());
    }
    Ok(a)
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (v >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Random weights of `config`'s shapes: convs uniform in ±1/√fan_in,
/// biases small, ResConv betas 1 (as initialised).
fn random_weights(config: &Config) -> StateDict {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut sd = StateDict::new();
    for (key, shape) in config.expected_keys() {
        let n: usize = shape.iter().product();
        let data = if key.ends_with(".beta") {
            vec![1.0; n]
        } else if key.ends_with(".bias") {
            (0..n).map(|_| (rng.next() - 0.5) * 0.02).collect()
        } else {
            let fan_in: usize = shape[1..].iter().product();
            let a = 1.0 / (fan_in as f32).sqrt();
            (0..n).map(|_| (rng.next() * 2.0 - 1.0) * a).collect()
        };
        sd.insert(
            key,
            Tensor {
                shape,
                dtype: DType::F32,
                data,
            },
        );
    }
    sd
}

/// A minimal `.safetensors` writer (f32 only) for the PyTorch child.
fn write_safetensors(sd: &StateDict, path: &Path) -> std::io::Result<()> {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    for (k, t) in sd.iter() {
        let len = t.data.len() * 4;
        header.insert(
            k.to_string(),
            serde_json::json!({"dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    let mut h = serde_json::to_vec(&header).expect("json");
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut bytes = (h.len() as u64).to_le_bytes().to_vec();
    bytes.extend(h);
    for (_, t) in sd.iter() {
        for v in &t.data {
            bytes.extend(v.to_le_bytes());
        }
    }
    std::fs::write(path, bytes)
}

/// A smooth textured frame moved by `shift` pixels: something for the flow
/// to find (the speed does not depend on it).
fn frame(h: usize, w: usize, ph: usize, pw: usize, shift: f32) -> Array {
    let mut a = Array::zeros(&[1, 3, ph, pw]);
    for c in 0..3 {
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f32 + shift, y as f32);
                let v = 0.5
                    + 0.25 * ((fx * 0.031 + c as f32).sin() * (fy * 0.017).cos())
                    + 0.2 * ((fx * 0.005 + fy * 0.007).sin());
                a.data[c * ph * pw + y * pw + x] = v.clamp(0.0, 1.0);
            }
        }
    }
    a
}

/// This process's CPU time (user + system) in ms, from /proc (Linux), for
/// comparisons on a busy machine; `None` elsewhere.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0) // USER_HZ is 100 on Linux
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("rife_speed: {e}");
            std::process::exit(2);
        }
    };
    if let Some(p) = &args.profile {
        // Read by every session built after this point.
        std::env::set_var(PROFILE_ENV, p);
    }
    let (sd, label) = match &args.weights {
        Some(p) => (
            tween_nn::load(p).unwrap_or_else(|e| panic!("{e}")),
            p.display().to_string(),
        ),
        None => (
            random_weights(&Config::v4_25()),
            "random v4.25 weights".into(),
        ),
    };
    let config = Config::from_state_dict(&sd).unwrap_or_else(|e| panic!("{e}"));
    let rt = Runtime::load(&RuntimeConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let session = SessionConfig {
        intra_threads: Some(args.threads),
        ..SessionConfig::default()
    };
    let net = Rife::load(&config, &sd, &rt, session.clone())
        .unwrap_or_else(|e| panic!("{e}"))
        .with_precision(args.precision)
        .unwrap_or_else(|e| panic!("{e}"));
    let (w, h) = args.size;
    let m = Rife::min_multiple(&config, args.scale);
    let (ph, pw) = (h.div_ceil(m) * m, w.div_ceil(m) * m);
    let (a, b) = (frame(h, w, ph, pw, 0.0), frame(h, w, ph, pw, 6.0));
    println!(
        "{} ({label}), {w}x{h} padded to {pw}x{ph}, scale {}, {}, {} threads, median of {}",
        config.describe(),
        args.scale,
        args.precision,
        args.threads,
        args.reps
    );

    let t0 = Instant::now();
    net.forward(a.view(), b.view(), 0.5, args.scale)
        .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "tween: first frame (graph, session, run) {:.0} ms",
        t0.elapsed().as_secs_f64() * 1e3
    );
    let cpu0 = cpu_ms();
    let times: Vec<f64> = (0..args.reps)
        .map(|_| {
            let t0 = Instant::now();
            net.forward(a.view(), b.view(), 0.5, args.scale)
                .unwrap_or_else(|e| panic!("{e}"));
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let ours = median(times.clone());
    println!(
        "tween: {ours:.1} ms/frame (runs: {})",
        times
            .iter()
            .map(|t| format!("{t:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let our_cpu = cpu0.zip(cpu_ms()).map(|(a, b)| (b - a) / args.reps as f64);
    if let Some(c) = our_cpu {
        println!(
            "tween: {c:.0} ms CPU time per frame (all threads, mean; the wall time is what counts, this is for a busy machine)"
        );
    }
    if args.standard {
        let g = build_graph_with(&config, &sd, ph, pw, args.scale, &GraphOptions::standard())
            .unwrap_or_else(|e| panic!("{e}"));
        let e = OrtEngine::new(&rt, &g, &session).unwrap_or_else(|e| panic!("{e}"));
        let t = [0.5f32];
        let tv = ArrayView::new(&[1, 1, 1, 1], &t).expect("timestep");
        e.run(&[a.view(), b.view(), tv])
            .unwrap_or_else(|e| panic!("{e}"));
        let st: Vec<f64> = (0..args.reps)
            .map(|_| {
                let t0 = Instant::now();
                e.run(&[a.view(), b.view(), tv])
                    .unwrap_or_else(|e| panic!("{e}"));
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let sm = median(st.clone());
        println!(
            "tween, standard ONNX ops (GridSample, full-size Resize/Concat): {sm:.1} ms/frame (runs: {}); fused is {:.2}x faster",
            st.iter().map(|t| format!("{t:.0}")).collect::<Vec<_>>().join(", "),
            sm / ours
        );
    }
    if args.profile.is_some() {
        for p in net.end_profiling().unwrap_or_else(|e| panic!("{e}")) {
            println!("profile: {p}");
        }
    }

    if !args.torch {
        return;
    }
    let python = args.python.clone().unwrap_or_else(|| "python3".into());
    let has_torch = Command::new(&python)
        .args(["-c", "import torch"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_torch {
        println!("pytorch: not available ({python} cannot import torch); tween's figures only");
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let weights = match &args.weights {
        Some(p) => p.clone(),
        None => {
            let p = tmp.path().join("random_v4.25.safetensors");
            write_safetensors(&sd, &p).expect("write weights");
            p
        }
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench-rife-pytorch.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(["--weights".as_ref(), weights.as_os_str()])
        .args([
            "--size",
            &format!("{pw}x{ph}"),
            "--threads",
            &args.threads.to_string(),
            "--reps",
            &args.reps.to_string(),
            "--scale",
            &args.scale.to_string(),
        ])
        .output()
        .expect("run the PyTorch benchmark");
    if !out.status.success() {
        println!(
            "pytorch: the reference failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(torch_ms) = text
        .lines()
        .find_map(|l| l.strip_prefix("median_ms "))
        .and_then(|v| v.trim().parse::<f64>().ok())
    else {
        println!("pytorch: no median_ms line in its output:\n{text}");
        return;
    };
    let torch_cpu = text
        .lines()
        .find_map(|l| l.strip_prefix("median_cpu_ms "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    for l in text.lines().filter(|l| !l.starts_with("median_")) {
        println!("pytorch: {l}");
    }
    println!("pytorch: {torch_ms:.1} ms/frame");
    println!(
        "ratio: tween is {:.2}x PyTorch's speed ({torch_ms:.1} / {ours:.1} ms)",
        torch_ms / ours
    );
    if let (Some(tc), Some(oc)) = (torch_cpu, our_cpu) {
        println!(
            "ratio of CPU time per frame: {:.2}x ({tc:.0} / {oc:.0} ms)",
            tc / oc
        );
    }
}

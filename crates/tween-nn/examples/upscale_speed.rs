//! Real-ESRGAN network speed, fp32 on the CPU: SRVGGNetCompact
//! (realesr-general-x4v3: 32 convs, 64 features, ×4) on a 640×360 frame and
//! RRDBNet (RealESRGAN_x4plus: 23 blocks, 64 features, ×4) on a 256×256
//! tile; `model(x)` only, median of N runs after one warm-up run.
//!
//! ```text
//! cargo run --release --example upscale_speed -p tween-nn -- \
//!     [--threads 2] [--reps 5] [--only srvgg|rrdb] [--standard] [--pytorch [--python PATH]]
//! ```
//!
//! The weights are random, of the official shapes, made here (the speed does
//! not depend on the values; they are scaled as BasicSR initialises them so
//! activations stay in range and no denormals appear). `--pytorch` also runs
//! `scripts/bench-esrgan-pytorch.py` (the same shapes, the upstream module
//! definitions, `torch.set_num_threads(threads)`) in the same run and prints
//! the ratio; the Python is `--python`, else `$TWEEN_TORCH_PYTHON`, else
//! `python3`. `--standard` times the ONNX Conv graph instead of the
//! Winograd one (the default on CPUs with AVX-512F).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use tween_nn::arch::{rrdbnet, srvgg};
use tween_nn::engine::{Array, Runtime, RuntimeConfig, SessionConfig};
use tween_nn::model::sr::{Convs, SrNet};
use tween_nn::{Architecture, DType, StateDict, Tensor};

struct Args {
    threads: usize,
    reps: usize,
    only: Option<String>,
    pytorch: bool,
    python: String,
    standard: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        threads: 2,
        reps: 5,
        only: None,
        pytorch: false,
        standard: false,
        python: std::env::var("TWEEN_TORCH_PYTHON").unwrap_or_else(|_| "python3".into()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--threads" => a.threads = val()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--reps" => a.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--only" => a.only = Some(val()?),
            "--pytorch" => a.pytorch = true,
            "--standard" => a.standard = true,
            "--python" => a.python = val()?,
            "--bench" => {} // cargo bench passes this
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.reps == 0 || a.threads == 0 {
        return Err("--reps and --threads must be at least 1".into());
    }
    Ok(a)
}

/// A small deterministic normal generator (xorshift + Box–Muller).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 + 0.5) / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// Random weights for `keys`: convs He-normal × `gain`, biases and PReLU
/// slopes small constants.
fn random_weights(keys: &[(String, Vec<usize>)], gain: f32) -> StateDict {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut sd = StateDict::new();
    for (k, shape) in keys {
        let n: usize = shape.iter().product();
        let data = if shape.len() == 4 {
            let std = (2.0 / (shape[1] * shape[2] * shape[3]) as f32).sqrt() * gain;
            (0..n).map(|_| rng.normal() * std).collect()
        } else if k.ends_with(".bias") {
            vec![0.01; n]
        } else {
            vec![0.25; n] // PReLU slopes
        };
        sd.insert(
            k.clone(),
            Tensor {
                shape: shape.clone(),
                dtype: DType::F32,
                data,
            },
        );
    }
    sd
}

/// CPU time of this process (all threads), user + system, in ms, from
/// `/proc/self/stat` (Linux; `None` elsewhere). On a loaded machine it is
/// the fairer comparison: wall time there measures the other processes too.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0) // USER_HZ is 100 on Linux
}

/// Median wall ms and median CPU ms (all threads) of `reps` runs.
fn median_ms(net: &SrNet, h: usize, w: usize, reps: usize) -> (f64, Option<f64>) {
    let x = Array::new(
        vec![1, 3, h, w],
        (0..3 * h * w)
            .map(|i| ((i * 7919) % 255) as f32 / 255.0)
            .collect(),
    )
    .unwrap();
    let t0 = Instant::now();
    let y = net.forward(x.view()).expect("forward");
    eprintln!(
        "  first run (session warm-up): {:.0} ms, output {:?}",
        t0.elapsed().as_secs_f64() * 1e3,
        y.shape
    );
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..reps {
        let (t0, c0) = (Instant::now(), cpu_ms());
        net.forward(x.view()).expect("forward");
        wall.push(t0.elapsed().as_secs_f64() * 1e3);
        if let (Some(c0), Some(c1)) = (c0, cpu_ms()) {
            cpu.push(c1 - c0);
        }
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[reps / 2], cpu.get(cpu.len() / 2).copied())
}

/// Runs the PyTorch side; returns `(name, wall ms, cpu ms)` from its
/// `NAME WALL_MS CPU_MS` lines.
fn pytorch(a: &Args) -> Result<Vec<(String, f64, f64)>, String> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench-esrgan-pytorch.py");
    let mut cmd = Command::new(&a.python);
    cmd.arg(&script).args([
        "--threads",
        &a.threads.to_string(),
        "--reps",
        &a.reps.to_string(),
    ]);
    if let Some(o) = &a.only {
        cmd.args(["--only", o]);
    }
    let out = cmd.output().map_err(|e| format!("{}: {e}", a.python))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let n = f.next()?.to_string();
            Some((n, f.next()?.parse().ok()?, f.next()?.parse().ok()?))
        })
        .collect())
}

fn main() {
    let a = parse().unwrap_or_else(|e| {
        eprintln!("upscale_speed: {e}");
        std::process::exit(2)
    });
    let rt = Runtime::load(&RuntimeConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let session = SessionConfig {
        intra_threads: Some(a.threads),
        ..SessionConfig::default()
    };
    let cases: [(&str, Architecture, f32, usize, usize); 2] = [
        (
            "srvgg",
            Architecture::Srvgg(srvgg::Config::general_x4v3()),
            1.0,
            360,
            640,
        ),
        (
            "rrdb",
            Architecture::Rrdbnet(rrdbnet::Config::x4plus()),
            0.1,
            256,
            256,
        ),
    ];
    let mut ours = Vec::new();
    for (name, arch, gain, h, w) in cases {
        if a.only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let sd = random_weights(&arch.expected_keys(), gain);
        let t0 = Instant::now();
        let convs = if a.standard {
            Convs::Standard
        } else {
            Convs::for_session(&session)
        };
        let net = SrNet::load_with(&arch, &sd, &rt, session.clone(), convs).expect("load");
        eprintln!(
            "{name}: {} at {w}x{h}, built in {:.0} ms",
            arch.describe(),
            t0.elapsed().as_secs_f64() * 1e3
        );
        let (ms, cpu) = median_ms(&net, h, w, a.reps);
        let cpu_text = cpu.map(|c| format!(", {c:.0} ms CPU")).unwrap_or_default();
        println!(
            "tween   {name:5} {w}x{h}: {ms:8.0} ms wall{cpu_text} (median of {}, {} threads, fp32, {convs:?} convs)",
            a.reps, a.threads
        );
        ours.push((name, ms, cpu));
    }
    if !a.pytorch {
        return;
    }
    match pytorch(&a) {
        Ok(theirs) => {
            for (name, ms, cpu) in &ours {
                if let Some((_, tw, tc)) = theirs.iter().find(|(n, _, _)| n == name) {
                    let cpu_ratio = cpu
                        .map(|c| format!(", {:.2}x less CPU time", tc / c))
                        .unwrap_or_default();
                    println!(
                        "pytorch {name:5}: {tw:8.0} ms wall, {tc:.0} ms CPU → tween is {:.2}x faster (wall){cpu_ratio}",
                        tw / ms
                    );
                }
            }
        }
        Err(e) => eprintln!("PyTorch side failed: {e}"),
    }
}

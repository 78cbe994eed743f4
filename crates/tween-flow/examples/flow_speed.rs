//! Times `prepare` + `render(0.5)` of the flow interpolator on a generated
//! 1280x720 8-bit pair (a panning colour texture with a moving disc) and
//! prints the median of several runs per preset.
//!
//! `cargo run --release --example flow_speed -p tween-flow [-- WIDTH HEIGHT RUNS]`
//! Threads: `RAYON_NUM_THREADS` (the target machine has 2 cores).

use std::time::Instant;
use tween_core::{Frame, Interpolator};
use tween_flow::{FlowConfig, FlowInterpolator};

fn pixel(x: f32, y: f32, t: f32) -> [f32; 3] {
    let (bx, by) = (x - 9.0 * t, y + 4.0 * t);
    let mut c = [120.0f32, 110.0, 130.0];
    for i in 0..10 {
        let k = std::f32::consts::TAU / (6.0 * 1.4f32.powi(i));
        let a = 0.9 * i as f32 + 0.3;
        let s = (k * (bx * a.cos() + by * a.sin()) + i as f32).sin() * (8.0 + 2.0 * i as f32);
        c[0] += s;
        c[1] += s * (0.5 + 0.05 * i as f32);
        c[2] -= s * 0.4;
    }
    let (cx, cy) = (500.0 + 40.0 * t, 360.0 - 20.0 * t);
    if (x - cx).powi(2) + (y - cy).powi(2) < 120.0f32.powi(2) {
        let v = 128.0 + 80.0 * ((x - cx) * 0.21).sin() * ((y - cy) * 0.17).cos();
        c = [v, 255.0 - v, 0.5 * v];
    }
    c
}

fn frame(w: u32, h: u32, t: f32) -> Frame {
    let mut d = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            d.extend(
                pixel(x as f32, y as f32, t)
                    .iter()
                    .map(|v| v.clamp(0.0, 255.0) as u8),
            );
        }
    }
    Frame::from_u8(w, h, d)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (w, h, runs) = (
        args.first().copied().unwrap_or(1280),
        args.get(1).copied().unwrap_or(720),
        args.get(2).copied().unwrap_or(15) as usize,
    );
    let (a, b) = (frame(w, h, 0.0), frame(w, h, 1.0));
    println!(
        "{w}x{h} u8, {} rayon threads, median of {runs} runs",
        rayon::current_num_threads()
    );
    for (name, cfg) in [
        ("fast", FlowConfig::fast()),
        ("default", FlowConfig::default()),
        (
            "no-soft",
            FlowConfig {
                soften: false,
                ..FlowConfig::default()
            },
        ),
        ("quality", FlowConfig::quality()),
    ] {
        let interp = FlowInterpolator::new(cfg).expect("preset is valid");
        let (mut prep, mut rend, mut total) = (vec![], vec![], vec![]);
        for _ in 0..runs + 2 {
            let t0 = Instant::now();
            let pair = interp.prepare(&a, &b).expect("same shapes");
            let t1 = Instant::now();
            let out = pair.render(0.5).expect("t in (0, 1)");
            let t2 = Instant::now();
            std::hint::black_box(out);
            prep.push((t1 - t0).as_secs_f64() * 1e3);
            rend.push((t2 - t1).as_secs_f64() * 1e3);
            total.push((t2 - t0).as_secs_f64() * 1e3);
        }
        let skip = |v: Vec<f64>| v[2..].to_vec(); // warm-up runs
        println!(
            "{name:>8}: prepare {:6.2} ms  render(0.5) {:6.2} ms  total {:6.2} ms",
            median(skip(prep)),
            median(skip(rend)),
            median(skip(total))
        );
    }
}

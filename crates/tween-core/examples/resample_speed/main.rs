//! Speed and quality of `tween_core::resample` against baselines, in one run.
//!
//! ```text
//! cargo run --release -p tween-core --example resample_speed [-- IMAGE...]
//! ```
//!
//! 1. Speed: 1280×720 → 2560×1440 (and back down), 8-bit and 16-bit, median of
//!    several runs, on 1 and 2 rayon threads: `tween_core::resample` (which runs
//!    `fast_image_resize`) against our own earlier separable f32 resampler
//!    (`own_f32.rs`, rayon) and the `image` crate's `imageops::resize`
//!    (Lanczos3, single-threaded).
//! 2. Agreement of the f32 resampler and `tween_core::resample` (PSNR).
//! 3. Quality: PSNR of shrink-by-k → enlarge-by-k round trips against the
//!    original, filtering encoded samples (`Light::Gamma`) or linear light
//!    (`Light::Linear`), on a generated scene and on any IMAGE given.

mod own_f32;

use std::hint::black_box;
use std::time::Instant;

use tween_core::metrics::psnr;
use tween_core::resample::{resize_with, Light, ResizeOptions};
use tween_core::{Frame, Pixels};

/// A generated 8-bit scene: gradients, hard-edged disks, fine stripes, noise.
fn scene(w: u32, h: u32) -> Frame {
    let mut seed = 0x9e37_79b9u32;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    let disks: Vec<(f32, f32, f32, [f32; 3])> = (0..40)
        .map(|_| {
            let x = (rnd() % w) as f32;
            let y = (rnd() % h) as f32;
            let r = (rnd() % (h / 6).max(2)) as f32 + 3.0;
            let c = [
                (rnd() % 256) as f32,
                (rnd() % 256) as f32,
                (rnd() % 256) as f32,
            ];
            (x, y, r, c)
        })
        .collect();
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (xf, yf) = (x as f32, y as f32);
            let mut px = [
                255.0 * xf / w as f32,
                255.0 * yf / h as f32,
                128.0 + 100.0 * (xf * 0.3).sin() * (yf * 0.2).cos(),
            ];
            for &(dx, dy, r, c) in &disks {
                if (xf - dx).powi(2) + (yf - dy).powi(2) < r * r {
                    px = c;
                }
            }
            let n = (rnd() % 9) as f32 - 4.0;
            for c in px {
                v.push((c + n).clamp(0.0, 255.0) as u8);
            }
        }
    }
    Frame::from_u8(w, h, v)
}

fn to_u16(f: &Frame) -> Frame {
    match f.pixels() {
        Pixels::U8(v) => Frame::from_u16(
            f.width(),
            f.height(),
            v.iter().map(|&s| s as u16 * 257).collect(),
        ),
        Pixels::U16(_) => f.clone(),
    }
}

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[runs / 2]
}

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

fn speed(src: &Frame, dw: u32, dh: u32, runs: usize) {
    let (sw, sh) = (src.width(), src.height());
    let depth = if src.is_high_depth() { "u16" } else { "u8" };
    println!("\n{sw}x{sh} -> {dw}x{dh} {depth}, median of {runs} runs (ms):");
    let gamma = ResizeOptions {
        light: Light::Gamma,
    };
    let linear = ResizeOptions {
        light: Light::Linear,
    };
    for threads in [1usize, 2] {
        let p = pool(threads);
        let ours = p.install(|| {
            median_ms(runs, || {
                black_box(resize_with(src, dw, dh, &gamma).unwrap());
            })
        });
        let ours_lin = p.install(|| {
            median_ms(runs, || {
                black_box(resize_with(src, dw, dh, &linear).unwrap());
            })
        });
        let own = p.install(|| {
            median_ms(runs, || {
                black_box(own_f32::resize(src, dw, dh));
            })
        });
        println!(
            "  {threads} thread(s): tween gamma {ours:7.1}   tween linear {ours_lin:7.1}   own f32 separable {own:7.1}   ratio own/tween {:4.1}",
            own / ours
        );
    }
    let img_ms = median_ms(runs.min(5), || {
        black_box(image_resize(src, dw, dh));
    });
    println!("  image::imageops::resize Lanczos3 (1 thread): {img_ms:7.1}");
}

fn image_resize(src: &Frame, dw: u32, dh: u32) -> usize {
    use image::imageops::{resize, FilterType};
    match src.pixels() {
        Pixels::U8(v) => {
            let b = image::RgbImage::from_raw(src.width(), src.height(), v.clone()).unwrap();
            resize(&b, dw, dh, FilterType::Lanczos3).len()
        }
        Pixels::U16(v) => {
            let b = image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(
                src.width(),
                src.height(),
                v.clone(),
            )
            .unwrap();
            resize(&b, dw, dh, FilterType::Lanczos3).len()
        }
    }
}

fn round_trips(name: &str, f: &Frame) {
    println!(
        "\nround trips on {name} ({}x{}): PSNR vs original (dB)",
        f.width(),
        f.height()
    );
    println!("  factor   gamma   linear   linear-gamma   own f32 (gamma)");
    for k in [2u32, 3, 4] {
        let (w, h) = (f.width() / k * k, f.height() / k * k);
        let crop = crop(f, w, h);
        let mut res = [0.0f64; 2];
        for (i, light) in [Light::Gamma, Light::Linear].into_iter().enumerate() {
            let o = ResizeOptions { light };
            let down = resize_with(&crop, w / k, h / k, &o).unwrap();
            let up = resize_with(&down, w, h, &o).unwrap();
            res[i] = psnr(&crop, &up);
        }
        let own_rt = psnr(
            &crop,
            &own_f32::resize(&own_f32::resize(&crop, w / k, h / k), w, h),
        );
        println!(
            "  x{k}     {:7.2}  {:7.2}  {:+7.2}        {own_rt:7.2}",
            res[0],
            res[1],
            res[1] - res[0]
        );
    }
}

fn crop(f: &Frame, w: u32, h: u32) -> Frame {
    let Pixels::U8(v) = f.to_u8().pixels().clone() else {
        unreachable!()
    };
    let fw = f.width() as usize;
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as usize {
        out.extend_from_slice(&v[y * fw * 3..(y * fw + w as usize) * 3]);
    }
    Frame::from_u8(w, h, out)
}

fn agreement(src: &Frame, dw: u32, dh: u32) {
    let ours = resize_with(src, dw, dh, &ResizeOptions::default()).unwrap();
    let theirs = own_f32::resize(src, dw, dh);
    println!(
        "agreement tween vs own f32 {}x{} -> {dw}x{dh} {}: PSNR {:.2} dB",
        src.width(),
        src.height(),
        if src.is_high_depth() { "u16" } else { "u8" },
        psnr(&ours, &theirs)
    );
}

fn main() {
    let hd = scene(1280, 720);
    agreement(&hd, 2560, 1440);
    agreement(&to_u16(&hd), 2560, 1440);
    agreement(&hd, 997, 403);
    agreement(&hd, 5, 3);
    speed(&hd, 2560, 1440, 15);
    speed(&to_u16(&hd), 2560, 1440, 9);
    let uhd = scene(2560, 1440);
    speed(&uhd, 1280, 720, 15);

    round_trips("the generated scene", &hd);
    for path in std::env::args().skip(1) {
        let img = image::open(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .into_rgb8();
        let (w, h) = img.dimensions();
        round_trips(&path, &Frame::from_u8(w, h, img.into_raw()));
    }
}

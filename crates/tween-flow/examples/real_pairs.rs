//! Fast iteration loop on real footage: for every sequence folder of `IN`
//! (`IN/<seq>/00000.png, 00001.png, ...`, the 30 fps inputs of the 2x
//! protocol in shared/eval/real/README.md), interpolates the middle of each
//! consecutive pair with the default preset and writes it as
//! `OUT/<seq>/<2m+1>.png`. With `TRUTH` (`TRUTH/<seq>/00001.png, ...`, the
//! held-out frames as PNG) it also prints pooled RGB PSNR per sequence and
//! over all, how many pairs the default scene-cut detector calls a cut, and the time spent in `prepare` + `render`.
//!
//! `cargo run --release -p tween-flow --example real_pairs -- IN OUT [TRUTH]`

use std::path::Path;
use std::time::Instant;
use tween_core::scene::{SceneDetector, Thumbnail};
use tween_core::{Frame, Interpolator, Pixels};
use tween_flow::FlowInterpolator;

fn load(p: &Path) -> Option<Frame> {
    let img = image::open(p).ok()?.to_rgb8();
    let (w, h) = img.dimensions();
    Some(Frame::from_u8(w, h, img.into_raw()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (inp, out) = (Path::new(&args[0]), Path::new(&args[1]));
    let truth = args.get(2).map(Path::new);
    let interp = FlowInterpolator::default();
    let detector = SceneDetector::default();
    let mut seqs: Vec<_> = std::fs::read_dir(inp)
        .expect("IN is a folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    seqs.sort();
    let (mut all_sse, mut all_n, mut secs) = (0f64, 0f64, 0f64);
    for dir in seqs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        std::fs::create_dir_all(out.join(&name)).expect("OUT is writable");
        let (mut sse, mut n) = (0f64, 0f64);
        let (mut m, mut cuts) = (0, 0);
        while let (Some(a), Some(b)) = (
            load(&dir.join(format!("{m:05}.png"))),
            load(&dir.join(format!("{:05}.png", m + 1))),
        ) {
            let (ta, tb) = (Thumbnail::of(&a), Thumbnail::of(&b));
            if detector.is_cut(&ta, &tb) {
                cuts += 1;
            }
            let t0 = Instant::now();
            let mid = interp.prepare(&a, &b).unwrap().render(0.5).unwrap();
            secs += t0.elapsed().as_secs_f64();
            let Pixels::U8(px) = mid.pixels() else {
                unreachable!()
            };
            let k = 2 * m + 1;
            image::RgbImage::from_raw(mid.width(), mid.height(), px.to_vec())
                .unwrap()
                .save(out.join(&name).join(format!("{k:05}.png")))
                .unwrap();
            if let Some(t) = truth.and_then(|t| load(&t.join(&name).join(format!("{k:05}.png")))) {
                let Pixels::U8(tp) = t.pixels() else {
                    unreachable!()
                };
                for (p, q) in px.iter().zip(tp) {
                    let d = *p as f64 - *q as f64;
                    sse += d * d;
                }
                n += px.len() as f64;
            }
            m += 1;
        }
        if n > 0.0 {
            println!(
                "{name:16} {:8.3}  scene cuts {cuts}",
                10.0 * (65025.0 / (sse / n)).log10()
            );
        }
        all_sse += sse;
        all_n += n;
    }
    if all_n > 0.0 {
        println!(
            "{:16} {:8.3}",
            "ALL",
            10.0 * (65025.0 / (all_sse / all_n)).log10()
        );
    }
    println!("interpolation time {secs:.2} s");
}

//! Calibration of the scene-cut score on real footage: for folders of frames
//! (`DIR/<seq>/00000.png ...`), prints the largest score between frames of
//! the same shot `gap` frames apart (gap 1 and 2: the 2x protocol's input
//! pairs and twice their motion) and the smallest score between frames of two
//! different sequences (real cuts), against the default threshold.
//!
//! `cargo run --release -p tween-flow --example cut_scores -- DIR`

use std::path::Path;
use tween_core::scene::{cut_score, Thumbnail, DEFAULT_SCENE_THRESHOLD};
use tween_core::Frame;

fn load(p: &Path) -> Option<Frame> {
    let img = image::open(p).ok()?.to_rgb8();
    let (w, h) = img.dimensions();
    Some(Frame::from_u8(w, h, img.into_raw()))
}

fn main() {
    let dir = std::env::args().nth(1).expect("DIR");
    let mut seqs: Vec<_> = std::fs::read_dir(&dir)
        .expect("DIR is a folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    seqs.sort();
    let thumbs: Vec<(String, Vec<Thumbnail>)> = seqs
        .iter()
        .map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().to_string();
            let t = (0..)
                .map_while(|m| load(&d.join(format!("{m:05}.png"))))
                .map(|f| Thumbnail::of(&f))
                .collect();
            (name, t)
        })
        .collect();
    println!("threshold {DEFAULT_SCENE_THRESHOLD}");
    for (name, t) in &thumbs {
        for gap in [1, 2] {
            let s: Vec<f64> = (0..t.len().saturating_sub(gap))
                .map(|i| cut_score(&t[i], &t[i + gap]))
                .collect();
            let max = s.iter().cloned().fold(0.0, f64::max);
            let over = s.iter().filter(|&&v| v > DEFAULT_SCENE_THRESHOLD).count();
            println!("{name:16} gap {gap}: max {max:.3}, {over}/{} over", s.len());
        }
    }
    let mut min = (f64::MAX, String::new());
    let mut under = 0;
    let mut total = 0;
    for (i, (na, ta)) in thumbs.iter().enumerate() {
        for (nb, tb) in thumbs.iter().skip(i + 1) {
            for k in (0..ta.len().min(tb.len())).step_by(4) {
                let s = cut_score(&ta[k], &tb[k]);
                total += 1;
                if s <= DEFAULT_SCENE_THRESHOLD {
                    under += 1;
                }
                if s < min.0 {
                    min = (s, format!("{na}/{k} vs {nb}/{k}"));
                }
            }
        }
    }
    println!(
        "different shots: min {:.3} ({}), {under}/{total} missed",
        min.0, min.1
    );
}

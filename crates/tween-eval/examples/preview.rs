//! Renders the first input frame of every clip as PNG, to look at the scenes:
//! `cargo run --release -p tween-eval --example preview -- OUT_DIR [WIDTH HEIGHT]`.

use tween_core::Pixels;
use tween_eval::{Clip, ClipKind};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).map(String::as_str).unwrap_or("preview"));
    let w: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(640);
    let h: u32 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(360);
    std::fs::create_dir_all(&out).expect("create output folder");
    for kind in ClipKind::ALL {
        let t = std::time::Instant::now();
        let clip = Clip::new(kind, w, h, 40, 1);
        let built = t.elapsed();
        for f in [0u32, 41] {
            let t = std::time::Instant::now();
            let frame = clip.frame(f);
            let Pixels::U8(px) = frame.pixels() else {
                unreachable!()
            };
            let path = out.join(format!("{}-{f:02}.png", kind.name()));
            image::save_buffer(&path, px, w, h, image::ExtendedColorType::Rgb8).expect("write png");
            println!("{kind}: build {built:?}, frame {f} {:?}", t.elapsed());
        }
    }
}

use tween_eval::{Clip, ClipKind};
fn main() {
    let t = std::time::Instant::now();
    let c = Clip::new(ClipKind::Sprites, 1280, 720, 12, 1);
    println!("build {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let a = c.frame(0); let b = c.frame(1);
    println!("2 frames {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for _ in 0..5 { std::hint::black_box(tween_core::metrics::ssim(&a, &b)); }
    println!("ssim x5 {:?}", t.elapsed());
    let t = std::time::Instant::now();
    for _ in 0..5 { std::hint::black_box(tween_core::metrics::psnr(&a, &b)); }
    println!("psnr x5 {:?}", t.elapsed());
}

mod common;
use common::*;
use tween_core::{Frame, Interpolator};
use tween_flow::{FlowConfig, FlowInterpolator};
fn ppm(path: &str, f: &Frame) {
    let mut d = format!("P6\n{} {}\n255\n", f.width(), f.height()).into_bytes();
    d.extend(f.to_u8().to_f32().iter().map(|v| (v * 255.0 + 0.5) as u8));
    std::fs::write(path, d).unwrap();
}
#[test]
fn dbg() {
    let (w, h) = (256u32, 192u32);
    let scene = Scene {
        bg: Texture::new(7),
        pan: (-4.0, 2.0),
        sprite: Some(Sprite { tex: Texture::new(99), radius: 28.0, start: (90.0, 100.0), motion: (24.0, -10.0) }),
        gain_at_1: 1.0,
    };
    let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let truth = scene.frame_u8(w, h, 0.5);
    for (name, cfg) in [("def", FlowConfig::default()), ("q", FlowConfig::quality())] {
        let out = FlowInterpolator::new(cfg).unwrap().prepare(&a, &b).unwrap().render(0.5).unwrap();
        eprintln!("{name}: {:.2}", psnr(&out, &truth));
        ppm(&format!("/tmp/out_{name}.ppm"), &out);
        // error image
        let e: Vec<u8> = out.to_f32().iter().zip(truth.to_f32()).map(|(p, q)| (((p - q).abs() * 4.0).min(1.0) * 255.0) as u8).collect();
        ppm(&format!("/tmp/err_{name}.ppm"), &Frame::from_u8(w, h, e));
    }
    ppm("/tmp/truth.ppm", &truth);
    let it = FlowInterpolator::default();
    let f01 = it.flow(&a, &b).unwrap();
    let f10 = it.flow(&b, &a).unwrap();
    let n = (w * h) as usize;
    let mut img = vec![0u8; n * 3];
    for k in 0..n {
        let (x, y) = ((k % w as usize) as f32, (k / w as usize) as f32);
        let (u, v) = (f01.u[k], f01.v[k]);
        let kk = ((y + v).round().clamp(0.0, h as f32 - 1.0) as usize) * w as usize + (x + u).round().clamp(0.0, w as f32 - 1.0) as usize;
        let e = ((u + f10.u[kk]).powi(2) + (v + f10.v[kk]).powi(2)).sqrt();
        img[k * 3] = (128.0 + 4.0 * u).clamp(0.0, 255.0) as u8;
        img[k * 3 + 1] = (128.0 + 4.0 * v).clamp(0.0, 255.0) as u8;
        img[k * 3 + 2] = (e * 40.0).clamp(0.0, 255.0) as u8;
    }
    ppm("/tmp/f01.ppm", &Frame::from_u8(w, h, img.clone()));
    for k in 0..n {
        img[k * 3] = (128.0 - 4.0 * f10.u[k]).clamp(0.0, 255.0) as u8;
        img[k * 3 + 1] = (128.0 - 4.0 * f10.v[k]).clamp(0.0, 255.0) as u8;
        img[k*3+2] = 0;
    }
    ppm("/tmp/f10.ppm", &Frame::from_u8(w, h, img));
    ppm("/tmp/a.ppm", &a);
}

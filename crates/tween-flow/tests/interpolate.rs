//! Interpolation quality and robustness on generated scenes with exactly
//! known in-between frames. Tolerances are stated next to each assertion.

mod common;

use common::{max_diff_255, pan_scene, psnr, samples_u8, Scene, Sprite, Texture};
use tween_core::{interpolate::Blend, Frame, InterpolateError, Interpolator, Timesteps};
use tween_flow::{FlowConfig, FlowInterpolator};

fn mid(interp: &dyn Interpolator, a: &Frame, b: &Frame, t: f64) -> Frame {
    interp.prepare(a, b).unwrap().render(t).unwrap()
}

fn report(name: &str, flow: f64, blend: f64) {
    eprintln!("{name}: flow {flow:.2} dB, blend {blend:.2} dB");
}

#[test]
fn translation_midpoint_and_quarter() {
    let (w, h) = (256, 192);
    let scene = pan_scene(1, (6.5, -3.0));
    let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let interp = FlowInterpolator::default();
    for t in [0.5f32, 0.25] {
        let truth = scene.frame_u8(w, h, t);
        let p_flow = psnr(&mid(&interp, &a, &b, t as f64), &truth);
        let p_blend = psnr(&a.blend(&b, t), &truth);
        report(&format!("translation t={t}"), p_flow, p_blend);
        // Seen: 49.0 / 50.3 dB against 26.1 / 28.9 dB for the blend.
        assert!(p_flow >= 45.0, "t={t}: {p_flow:.2} dB");
        assert!(
            p_flow >= p_blend + 15.0,
            "t={t}: flow {p_flow:.2} vs blend {p_blend:.2}"
        );
    }
}

#[test]
fn translation_on_a_coarser_flow_grid() {
    // 640x360 computes flow at half resolution (the path 1280x720 takes at a quarter).
    let (w, h) = (640, 360);
    let scene = pan_scene(2, (13.0, 5.0));
    let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let truth = scene.frame_u8(w, h, 0.5);
    let p_flow = psnr(&mid(&FlowInterpolator::default(), &a, &b, 0.5), &truth);
    let p_blend = psnr(&a.blend(&b, 0.5), &truth);
    report("translation 640x360 t=0.5", p_flow, p_blend);
    // Seen: 50.6 dB against 24.3 dB for the blend.
    assert!(p_flow >= 45.0, "{p_flow:.2} dB");
}

fn occlusion_scene() -> Scene {
    Scene {
        bg: Texture::new(7),
        pan: (-4.0, 2.0),
        sprite: Some(Sprite {
            tex: Texture::new(99),
            radius: 28.0,
            start: (90.0, 100.0),
            motion: (24.0, -10.0),
        }),
        gain_at_1: 1.0,
    }
}

#[test]
fn moving_sprite_over_moving_background() {
    let (w, h) = (256, 192);
    let scene = occlusion_scene();
    let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let truth = scene.frame_u8(w, h, 0.5);
    let out = mid(&FlowInterpolator::default(), &a, &b, 0.5);
    let (p_flow, p_blend) = (psnr(&out, &truth), psnr(&a.blend(&b, 0.5), &truth));
    report("occlusion t=0.5", p_flow, p_blend);
    // Seen: 36.0 dB against 29.7 dB for the blend.
    assert!(
        p_flow >= p_blend + 5.0,
        "flow {p_flow:.2} vs blend {p_blend:.2}"
    );
    assert!(p_flow >= 34.0, "{p_flow:.2} dB");
    assert!(out.to_f32().iter().all(|v| v.is_finite()));
}

#[test]
fn sprite_edges_do_not_drag_the_background() {
    // Same scene: the boundary sharpening keeps the sprite's flow from
    // bleeding over the background around it. Seen: 36.86 dB (36.0 dB
    // before the sharpening and the squared densification weights).
    let (w, h) = (256, 192);
    let scene = occlusion_scene();
    let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let truth = scene.frame_u8(w, h, 0.5);
    let p = psnr(&mid(&FlowInterpolator::default(), &a, &b, 0.5), &truth);
    assert!(p >= 36.5, "{p:.2} dB");
}

#[test]
fn brightness_change_does_not_bend_the_flow() {
    let (w, h) = (192, 160);
    let mut scene = pan_scene(3, (5.0, 2.5));
    let a = scene.frame_u8(w, h, 0.0);
    scene.gain_at_1 = 1.2;
    let b = scene.frame_u8(w, h, 1.0);
    let flow = FlowInterpolator::default().flow(&a, &b).unwrap();
    // Mean end-point error over the interior (16 px margin), in pixels.
    let (mut err, mut n) = (0.0f64, 0usize);
    for y in 16..h as usize - 16 {
        for x in 16..w as usize - 16 {
            let k = y * w as usize + x;
            err += (((flow.u[k] - 5.0).powi(2) + (flow.v[k] - 2.5).powi(2)) as f64).sqrt();
            n += 1;
        }
    }
    let epe = err / n as f64;
    eprintln!("brightness 1.2x: mean end-point error {epe:.3} px");
    // Seen: 0.013 px.
    assert!(epe < 0.2, "mean end-point error {epe:.3} px");
    // The truth at t = 0.5 has gain 1.1, what a cross-fade of the aligned
    // frames gives.
    scene.gain_at_1 = 1.2;
    let truth = scene.frame_u8(w, h, 0.5);
    let out = mid(&FlowInterpolator::default(), &a, &b, 0.5);
    let (p_flow, p_blend) = (psnr(&out, &truth), psnr(&a.blend(&b, 0.5), &truth));
    report("brightness 1.2x t=0.5", p_flow, p_blend);
    // Seen: 40.7 dB against 32.3 dB (clipping at 255 limits both).
    assert!(
        p_flow >= 38.0 && p_flow >= p_blend + 6.0,
        "flow {p_flow:.2} vs blend {p_blend:.2}"
    );
}

#[test]
fn flat_frames_give_the_flat_colour() {
    for (w, h) in [(64u32, 48u32), (33, 17)] {
        let a = Frame::from_u8(w, h, [40u8, 120, 200].repeat((w * h) as usize));
        let out = mid(&FlowInterpolator::default(), &a, &a, 0.5);
        assert_eq!(out, a, "{w}x{h}");
        let b = Frame::from_u8(w, h, [80u8, 160, 240].repeat((w * h) as usize));
        let out = mid(&FlowInterpolator::default(), &a, &b, 0.5);
        assert!(
            samples_u8(&out).chunks(3).all(|p| p == [60, 140, 220]),
            "{w}x{h}"
        );
    }
}

#[test]
fn odd_and_tiny_sizes_work_for_every_preset() {
    let scene = pan_scene(5, (2.0, 1.0));
    for cfg in [
        FlowConfig::default(),
        FlowConfig::fast(),
        FlowConfig::quality(),
    ] {
        let interp = FlowInterpolator::new(cfg).unwrap();
        for (w, h) in [
            (1u32, 1u32),
            (2, 2),
            (7, 5),
            (33, 17),
            (17, 33),
            (9, 64),
            (65, 9),
        ] {
            let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
            for t in [0.1, 0.5, 0.9] {
                let out = mid(&interp, &a, &b, t);
                assert_eq!((out.width(), out.height()), (w, h));
                assert!(!out.is_high_depth());
                // Never further from the truth than the worse input frame is.
                let truth = scene.frame_u8(w, h, t as f32);
                let worst = max_diff_255(&a, &truth).max(max_diff_255(&b, &truth));
                assert!(max_diff_255(&out, &truth) <= worst + 2.0, "{w}x{h} t={t}");
            }
        }
    }
}

#[test]
fn u16_matches_u8() {
    let (w, h) = (96, 64);
    let scene = occlusion_scene();
    let interp = FlowInterpolator::default();
    let (a8, b8) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let (a16, b16) = (scene.frame_u16(w, h, 0.0), scene.frame_u16(w, h, 1.0));
    let o8 = mid(&interp, &a8, &b8, 0.5);
    let o16 = mid(&interp, &a16, &b16, 0.5);
    assert!(o16.is_high_depth());
    // Same picture up to 8-bit rounding of the inputs: within 1 dB of PSNR
    // against each other at 45 dB or more.
    let p = psnr(&o16.to_u8(), &o8);
    assert!(p >= 45.0, "u16 vs u8: {p:.2} dB");
}

#[test]
fn simd_and_scalar_pipelines_agree() {
    let (w, h) = (128, 96);
    let scene = occlusion_scene();
    let (a, b) = (scene.frame_u8(w, h, 0.0), scene.frame_u8(w, h, 1.0));
    let fast = FlowInterpolator::new(FlowConfig::default()).unwrap();
    let plain = FlowInterpolator::new(FlowConfig {
        simd: false,
        ..FlowConfig::default()
    })
    .unwrap();
    let (o1, o2) = (mid(&fast, &a, &b, 0.5), mid(&plain, &a, &b, 0.5));
    let p = psnr(&o1, &o2);
    assert!(p >= 50.0, "SIMD vs scalar: {p:.2} dB");
}

#[test]
fn contract_errors() {
    let interp = FlowInterpolator::default();
    assert_eq!(interp.timesteps(), Timesteps::Any);
    let a = Frame::from_u8(8, 8, vec![0; 192]);
    let b = Frame::from_u8(8, 4, vec![0; 96]);
    assert!(matches!(
        interp.prepare(&a, &b).err(),
        Some(InterpolateError::ShapeMismatch { .. })
    ));
    let c = Frame::from_u16(8, 8, vec![0; 192]);
    assert!(matches!(
        interp.prepare(&a, &c).err(),
        Some(InterpolateError::ShapeMismatch { .. })
    ));
    let pair = interp.prepare(&a, &a).unwrap();
    for t in [0.0, 1.0, -0.5, f64::NAN] {
        assert!(matches!(
            pair.render(t),
            Err(InterpolateError::BadTimestep { .. })
        ));
    }
    let _ = Blend; // the baseline used in the comparisons above
}

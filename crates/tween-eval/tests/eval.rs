//! Integration tests of tween-eval: the synthetic ground truth, the metrics on
//! it, and small end-to-end runs through FFmpeg with a fake `tween` (a shell
//! script that answers `tween interpolate` with FFmpeg's blend).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tween_core::metrics::{psnr, ssim};
use tween_core::Frame;
use tween_eval::{Clip, ClipKind, EvalConfig, EvalReport, Method, TargetStatus};

/// A fresh folder under the system temp dir, removed by the caller on success.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tween-eval-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes an executable fake `tween` that checks its arguments and runs
/// FFmpeg's blend, with `extra_filter` appended to the filter chain.
fn fake_tween(dir: &Path, extra_filter: &str) -> PathBuf {
    let path = dir.join("fake-tween");
    let script = format!(
        r#"#!/bin/sh
# fake tween: interpolate IN -o OUT --factor 2 --codec rawvideo --overwrite --quiet
[ "$1" = interpolate ] && [ "$3" = -o ] || {{ echo "bad arguments: $*" >&2; exit 2; }}
[ "$*" = "interpolate $2 -o $4 --factor 2 --codec rawvideo --overwrite --quiet" ] || {{ echo "bad flags: $*" >&2; exit 2; }}
exec ffmpeg -hide_banner -nostdin -y -v error -i "$2" -vf "minterpolate=fps=60:mi_mode=blend{extra_filter}" -c:v rawvideo -pix_fmt rgb24 "$4"
"#
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `f` moved by (dx, dy) pixels with bilinear sampling: out(x, y) = f(x + dx, y + dy).
fn shifted(f: &Frame, dx: f64, dy: f64) -> Frame {
    let (w, h) = (f.width() as usize, f.height() as usize);
    let src = f.to_f32();
    let at = |x: isize, y: isize, k: usize| {
        src[((y.clamp(0, h as isize - 1) as usize) * w + x.clamp(0, w as isize - 1) as usize) * 3
            + k]
    };
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (x as f64 + dx, y as f64 + dy);
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = ((sx - x0) as f32, (sy - y0) as f32);
            let (x0, y0) = (x0 as isize, y0 as isize);
            for k in 0..3 {
                let top = at(x0, y0, k) * (1.0 - fx) + at(x0 + 1, y0, k) * fx;
                let bot = at(x0, y0 + 1, k) * (1.0 - fx) + at(x0 + 1, y0 + 1, k) * fx;
                out.push(((top * (1.0 - fy) + bot * fy) * 255.0 + 0.5) as u8);
            }
        }
    }
    Frame::from_u8(w as u32, h as u32, out)
}

/// The central region of a frame, away from borders that shifts pull in.
fn crop(f: &Frame, m: u32) -> Frame {
    let (w, h) = (f.width(), f.height());
    let src = f.to_u8();
    let tween_core::Pixels::U8(p) = src.pixels() else {
        unreachable!()
    };
    let mut out = Vec::new();
    for y in m..h - m {
        let row = (y * w) as usize * 3;
        out.extend_from_slice(&p[row + m as usize * 3..row + (w - m) as usize * 3]);
    }
    Frame::from_u8(w - 2 * m, h - 2 * m, out)
}

#[test]
fn synthesis_is_deterministic() {
    for kind in [ClipKind::Sprites, ClipKind::Combined] {
        let a = Clip::new(kind, 96, 54, 4, 7);
        let b = Clip::new(kind, 96, 54, 4, 7);
        assert_eq!(a.frame(3), b.frame(3), "{kind}");
        assert_ne!(
            a.frame(3),
            Clip::new(kind, 96, 54, 4, 8).frame(3),
            "{kind}: the seed matters"
        );
        assert_ne!(a.frame(2), a.frame(3), "{kind}: frames move");
    }
}

#[test]
fn pan_held_out_frame_lies_half_way() {
    // 320 wide: 1.825 px right, 0.725 px down per ground-truth frame.
    let clip = Clip::new(ClipKind::Pan, 320, 180, 4, 1);
    let v = (7.3 * 320.0 / 1280.0, 2.9 * 320.0 / 1280.0);
    let (f0, f1, f2) = (clip.frame(0), clip.frame(1), clip.frame(2));
    let score = |a: &Frame| psnr(&crop(a, 8), &crop(&f1, 8));
    let half = score(&shifted(&f0, v.0, v.1));
    let from_next = score(&shifted(&f2, -v.0, -v.1));
    let none = score(&f0);
    let full = score(&shifted(&f0, 2.0 * v.0, 2.0 * v.1));
    assert!(
        half > 30.0 && from_next > 30.0,
        "half-way shift matches: {half:.2} / {from_next:.2} dB"
    );
    assert!(
        half > none + 8.0 && half > full + 8.0,
        "half {half:.2}, none {none:.2}, full {full:.2}"
    );
}

#[test]
fn blend_scores_below_the_truth_on_moving_clips() {
    for kind in [
        ClipKind::Pan,
        ClipKind::Zoom,
        ClipKind::Rotation,
        ClipKind::Sprites,
        ClipKind::Combined,
    ] {
        let clip = Clip::new(kind, 320, 180, 4, 1);
        let (f2, f3, f4) = (clip.frame(2), clip.frame(3), clip.frame(4));
        assert_eq!(psnr(&f3, &f3), f64::INFINITY);
        let blend = f2.blend(&f4, 0.5);
        let (p, s) = (psnr(&blend, &f3), ssim(&blend, &f3));
        assert!(
            p < 36.0 && s < 0.99,
            "{kind}: blend scores {p:.2} dB / {s:.4}"
        );
    }
}

#[test]
fn end_to_end_with_fake_tween() {
    let dir = temp_dir("e2e");
    let mut cfg = EvalConfig::new(dir.join("out"));
    (cfg.width, cfg.height, cfg.frames) = (128, 72, 6);
    cfg.tween_binary = Some(fake_tween(&dir, ""));
    let t = std::time::Instant::now();
    let report = tween_eval::run(&cfg).unwrap();
    eprintln!(
        "{}\n(took {:.1} s)",
        report.table(),
        t.elapsed().as_secs_f64()
    );

    assert_eq!(report.clips.len(), ClipKind::ALL.len());
    for c in &report.clips {
        // 6 inputs: held-out frames 1,3,..,9 (11 has no pair); minterpolate
        // writes 9 frames (2n-3), so 1,3,5,7 are common to every method.
        assert_eq!(c.scored_frames, vec![1, 3, 5, 7], "{}", c.clip);
        let methods: Vec<Method> = c.methods.iter().map(|m| m.method).collect();
        assert_eq!(
            methods,
            [Method::Tween, Method::Minterpolate, Method::Blend]
        );
        for m in &c.methods {
            assert_eq!(m.error, None, "{} {:?}", c.clip, m.method);
            assert_eq!(m.frame_psnr_db.len(), 4);
            let p = m.psnr_db.unwrap();
            assert!(
                (10.0..=100.0).contains(&p),
                "{} {:?}: {p}",
                c.clip,
                m.method
            );
            assert!(m.source_psnr_db.unwrap() > 40.0, "source passthrough");
            assert!(
                m.wall_s.unwrap() > 0.0 && m.peak_rss_mib.unwrap() > 1.0 && m.fps.unwrap() > 0.0
            );
        }
        // The fake tween is the blend baseline: same frames, same scores.
        assert_eq!(c.methods[0].frame_psnr_db, c.methods[2].frame_psnr_db);
    }
    // Targets: computed, and the fps one does not apply at 128x72.
    assert_eq!(report.targets.len(), 3);
    assert!(report.targets[0].value.is_some() && report.targets[1].value.is_some());
    assert_eq!(report.targets[2].status, TargetStatus::NotApplicable);

    // The worst tween frame was written, three panels wide with a label bar.
    let worst = report.worst.as_ref().expect("worst frame");
    assert_eq!(worst.panels, ["ground truth", "tween", "minterpolate"]);
    let png = image::open(cfg.out_dir.join(&worst.png)).unwrap();
    assert_eq!((png.width(), png.height()), (3 * 128 + 2 * 4, 72 + 11));
    let min_psnr = report
        .clips
        .iter()
        .flat_map(|c| c.methods[0].frame_psnr_db.iter().copied())
        .fold(f64::MAX, f64::min);
    assert_eq!(worst.tween_psnr_db, min_psnr);

    // report.json round-trips, and the intermediates were cleaned up.
    let back = EvalReport::read_json(&cfg.out_dir.join("report.json")).unwrap();
    assert_eq!(back, report);
    assert!(!cfg.out_dir.join("pan").join("in.nut").exists());
    assert!(cfg.out_dir.join("pan").join("tween.log").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn misaligned_or_failing_tween_is_reported_not_scored() {
    let dir = temp_dir("misaligned");
    let mut cfg = EvalConfig::new(dir.join("out"));
    (cfg.width, cfg.height, cfg.frames) = (128, 72, 6);
    cfg.clips = vec![ClipKind::Pan];
    // One frame too many at the start: frame 2k is no longer input frame k.
    cfg.tween_binary = Some(fake_tween(
        &dir,
        ",tpad=start=1:start_mode=clone,setpts=N/60/TB",
    ));
    let report = tween_eval::run(&cfg).unwrap();
    let tween = &report.clips[0].methods[0];
    let err = tween.error.as_deref().unwrap_or_default();
    assert!(
        err.contains("out of step"),
        "{err:?} (source PSNR {:?})",
        tween.source_psnr_db
    );
    assert!(tween.frame_psnr_db.is_empty() && tween.psnr_db.is_none());
    // The baselines are still scored, the worst-frame picture needs tween.
    assert!(report.clips[0].methods[1].psnr_db.is_some());
    assert!(report.worst.is_none());
    assert!(report.table().contains("FAILED: output frames out of step"));

    // A binary that cannot run at all is an error of the run itself.
    cfg.tween_binary = Some(dir.join("missing-tween"));
    assert!(matches!(
        tween_eval::run(&cfg),
        Err(tween_eval::EvalError::Spawn { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_configurations_are_refused_before_work() {
    let mut cfg = EvalConfig::new(std::env::temp_dir().join("tween-eval-never-created"));
    cfg.width = 127;
    assert!(matches!(
        tween_eval::run(&cfg),
        Err(tween_eval::EvalError::InvalidConfig(_))
    ));
    cfg.width = 128;
    cfg.frames = 2;
    assert!(cfg.validate().is_err());
    cfg.frames = 6;
    cfg.baselines = false;
    assert!(cfg.validate().is_err(), "nothing to run");
}

//! `tween eval --real DIR` through the real binary: a folder of two generated
//! sequences (a texture panning by 2 pixels per frame, one as JPEG, one as PNG).

mod helpers;

use helpers::{ffmpeg, run_tween};
use std::path::Path;

const W: usize = 96;
const H: usize = 64;

/// A smooth colour texture, sampled at (x + dx, y).
fn texture(dx: f64) -> Vec<u8> {
    let mut v = Vec::with_capacity(W * H * 3);
    for y in 0..H {
        for x in 0..W {
            let (x, y) = (x as f64 + dx, y as f64);
            let a = (x * 0.31 + y * 0.12).sin();
            let b = (y * 0.27 - x * 0.09).sin();
            let c = (x * 0.05 + y * 0.21).cos();
            for (wa, wb, wc) in [(60.0, 40.0, 20.0), (30.0, 60.0, 25.0), (45.0, 20.0, 55.0)] {
                v.push((128.0 + wa * a + wb * b + wc * c).round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    v
}

/// Writes `frames` frames of the panning texture as dir/00000.EXT ...
fn write_sequence(dir: &Path, ext: &str, frames: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let raw = dir.with_extension("rgb");
    let bytes: Vec<u8> = (0..frames).flat_map(|i| texture(2.0 * i as f64)).collect();
    std::fs::write(&raw, bytes).unwrap();
    let size = format!("{W}x{H}");
    let pattern = dir.join(format!("%05d.{ext}"));
    ffmpeg(&[
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        &size,
        "-i",
        raw.to_str().unwrap(),
        "-q:v",
        "2",
        "-start_number",
        "0",
        pattern.to_str().unwrap(),
    ]);
    std::fs::remove_file(raw).unwrap();
}

#[test]
fn eval_real_scores_jpeg_and_png_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    write_sequence(&real.join("pan-jpeg"), "jpg", 5);
    write_sequence(&real.join("pan-png"), "png", 5);
    let out = tmp.path().join("out");
    let run = run_tween(&[
        "eval",
        "--real",
        real.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for name in ["pan-jpeg", "pan-png", "ALL"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(name)),
            "no {name} row:\n{stdout}"
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("real.json")).unwrap()).unwrap();
    let seqs = report["sequences"].as_array().unwrap();
    let names: Vec<&str> = seqs.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["pan-jpeg", "pan-png"]);
    let score = |m: &serde_json::Value, method: &str, key: &str| -> f64 {
        let r = m["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["method"] == method)
            .unwrap_or_else(|| panic!("no {method} in {m}"));
        assert!(r["error"].is_null(), "{method}: {}", r["error"]);
        let v = r[key].as_f64().unwrap();
        assert!(v.is_finite(), "{method} {key} = {v}");
        v
    };
    for s in seqs {
        // 5 frames: inputs 0, 2, 4; held out 1, 3.
        assert_eq!(s["input_frames"], 3);
        assert_eq!(s["scored_frames"], serde_json::json!([1, 3]));
        for m in ["tween", "minterpolate", "blend"] {
            let ssim = score(s, m, "ssim");
            assert!((-1.0..=1.0).contains(&ssim), "{m} SSIM {ssim}");
            score(s, m, "psnr_db");
        }
        // A pure pan: motion compensation beats a cross-fade by a wide margin.
        let (t, b) = (score(s, "tween", "psnr_db"), score(s, "blend", "psnr_db"));
        assert!(
            t > b + 3.0,
            "{}: tween {t:.2} dB, blend {b:.2} dB",
            s["name"]
        );
        assert!(score(s, "tween", "ssim") > score(s, "blend", "ssim"));
        let png = out.join(s["worst"]["png"].as_str().unwrap());
        let img = image_size(&png);
        // Three panels of 96x64 side by side under a label bar.
        assert!(img.0 >= 3 * W as u32 && img.1 > H as u32, "{img:?}");
    }
    // ALL pools the MSE of both sequences: it lies between theirs.
    let all = report["all"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "tween")
        .unwrap();
    let p: Vec<f64> = seqs.iter().map(|s| score(s, "tween", "psnr_db")).collect();
    let pooled = all["psnr_db"].as_f64().unwrap();
    assert!(pooled >= p[0].min(p[1]) - 1e-9 && pooled <= p[0].max(p[1]) + 1e-9);
    assert_eq!(all["frame_psnr_db"].as_array().unwrap().len(), 4);

    // --seq picks one sequence; an unknown one is an error naming the folder.
    let one = run_tween(&[
        "eval",
        "--real",
        real.to_str().unwrap(),
        "--seq",
        "pan-png",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(one.status.success());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("real.json")).unwrap()).unwrap();
    assert_eq!(report["sequences"].as_array().unwrap().len(), 1);
    let bad = run_tween(&[
        "eval",
        "--real",
        real.to_str().unwrap(),
        "--seq",
        "nope",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("nope") && err.contains("pan-jpeg"), "{err}");
}

/// Width and height of a PNG, from its IHDR chunk.
fn image_size(png: &Path) -> (u32, u32) {
    let b = std::fs::read(png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
    let be = |o: usize| u32::from_be_bytes(b[o..o + 4].try_into().unwrap());
    (be(16), be(20))
}

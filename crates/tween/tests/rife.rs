//! `tween interpolate --model rife-…` end to end on tiny clips made by the
//! ffmpeg CLI, with the conformance set's seeded random weights: the pictures
//! are meaningless, but the frame count, the exact rate, the audio, the depth
//! and the model routes (file, store) must all be right.

mod helpers;

use std::path::Path;
use std::process::Output;

use helpers::*;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(out: Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{what} failed:\n{err}");
    err
}

#[test]
fn rife_v4_25_doubles_the_rate_and_keeps_audio() {
    let d = tempfile::tempdir().unwrap();
    // 6 frames at 12 fps, with a sine track.
    let input = make_clip(d.path(), "in.mp4", "64x48", "12", "0.5", true, &[]);
    let out = d.path().join("out.mp4");
    let w = weights("rife_v4.25/flownet.pkl");
    let err = ok(
        tween()
            .args(["interpolate", s(&input), "-o", s(&out), "-v"])
            .args([
                "--model",
                "rife-v4.25",
                "--weights",
                s(&w),
                "--threads",
                "2",
            ])
            .output()
            .unwrap(),
        "rife-v4.25",
    );
    // The detected version is logged at info level.
    assert!(err.contains("detected RIFE IFNet v4.25"), "{err}");
    let (pi, po) = (probe(&input), probe(&out));
    assert_eq!(frames(&pi), 6);
    assert_eq!(frames(&po), 12);
    assert_eq!(video_stream(&po)["avg_frame_rate"], "24/1");
    assert_eq!(video_stream(&po)["width"], 64);
    assert_eq!(video_stream(&po)["height"], 48);
    assert_eq!(count_type(&po, "audio"), 1, "audio kept");
    assert_eq!(listing(d.path()), vec!["in.mp4", "out.mp4"]);
}

#[test]
fn rife_v4_6_ten_bit_practical_padding_from_the_store() {
    let d = tempfile::tempdir().unwrap();
    let extra = [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p10le",
    ];
    // Odd-ish size: 96x64 pads to 256x256 at scale 0.5 (practical).
    let input = make_clip(d.path(), "in.mkv", "96x64", "10", "0.4", false, &extra);
    let store = d.path().join("store");
    let w = weights("rife_v4.6/flownet.pkl");
    ok(
        tween()
            .args(["models", "--models-dir", s(&store), "import", s(&w)])
            .args(["--name", "my-rife"])
            .output()
            .unwrap(),
        "models import",
    );
    let out = d.path().join("out.mkv");
    ok(
        tween()
            .args(["interpolate", s(&input), "-o", s(&out), "--quiet"])
            .args(["--model", "my-rife", "--models-dir", s(&store)])
            .args([
                "--scale",
                "0.5",
                "--pad-policy",
                "practical",
                "--factor",
                "3",
            ])
            .output()
            .unwrap(),
        "my-rife",
    );
    let (pi, po) = (probe(&input), probe(&out));
    assert_eq!(frames(&pi), 4);
    assert_eq!(frames(&po), 12);
    let v = video_stream(&po);
    assert_eq!(v["avg_frame_rate"], "30/1");
    assert_eq!(v["pix_fmt"], "yuv420p10le", "10-bit stays 10-bit");

    // The same store model named by version, and `rife` taking any version.
    for (model, weights_arg) in [("rife-v4.6", None), ("rife", Some(s(&w)))] {
        let out = d.path().join(format!("{model}.mkv"));
        let mut cmd = tween();
        cmd.args(["interpolate", s(&input), "-o", s(&out), "--quiet"])
            .args(["--model", model]);
        match weights_arg {
            Some(w) => cmd.args(["--weights", w]),
            None => {
                // Import under the version's name, as `tween models import` defaults.
                ok(
                    tween()
                        .args(["models", "--models-dir", s(&store), "import", s(&w)])
                        .output()
                        .unwrap(),
                    "models import (default name)",
                );
                cmd.args(["--models-dir", s(&store)])
            }
        };
        ok(cmd.output().unwrap(), model);
        assert_eq!(frames(&probe(&out)), 8, "{model}");
    }
}

#[test]
fn precision_is_checked_before_anything_is_written() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x48", "12", "0.3", false, &[]);
    let out = d.path().join("out.mp4");
    let w = weights("rife_v4.25/flownet.pkl");
    let before = listing(d.path());
    for (extra, says) in [
        (
            vec![
                "--model",
                "rife-v4.25",
                "--weights",
                s(&w),
                "--precision",
                "fp16",
            ],
            "no float16 Conv kernel",
        ),
        (
            vec![
                "--model",
                "rife-v4.25",
                "--weights",
                s(&w),
                "--precision",
                "fp64",
            ],
            "fp32, bf16 or fp16",
        ),
        (vec!["--precision", "fp32"], "are for RIFE models"),
    ] {
        let o = tween()
            .args(["interpolate", s(&input), "-o", s(&out)])
            .args(&extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && err.contains(says),
            "{extra:?}: {err}"
        );
        assert_eq!(listing(d.path()), before, "{extra:?} wrote something");
    }
    // fp32 is the default and may be named.
    ok(
        tween()
            .args([
                "interpolate",
                s(&input),
                "-o",
                s(&out),
                "--model",
                "rife-v4.25",
            ])
            .args(["--weights", s(&w), "--precision", "fp32", "--threads", "2"])
            .output()
            .unwrap(),
        "fp32",
    );
    assert_eq!(frames(&probe(&out)), 8);
}

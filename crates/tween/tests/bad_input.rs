//! Bad input: a clear error naming the file and the problem, a non-zero exit,
//! and nothing written under the output name (nor any temporary left over).

mod helpers;

use std::path::Path;

use helpers::*;

/// Runs `tween interpolate` with `args`, asserts failure with every `needles`
/// in stderr, and that the folder holds exactly `before` afterwards.
fn fails(dir: &Path, args: &[&str], needles: &[&str]) {
    fails_env(dir, &[], args, needles)
}

/// [`fails`] with extra environment variables.
fn fails_env(dir: &Path, env: &[(&str, &str)], args: &[&str], needles: &[&str]) {
    let before = listing(dir);
    let out = tween()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("tween runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "tween {args:?} succeeded; stderr: {err}"
    );
    for n in needles {
        assert!(
            err.contains(n),
            "tween {args:?}: stderr lacks {n:?}:\n{err}"
        );
    }
    assert_eq!(listing(dir), before, "tween {args:?} left files behind");
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

#[test]
fn missing_file() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("nothere.mp4");
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["nothere.mp4"],
    );
}

#[test]
fn not_a_video() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("notes.mp4");
    std::fs::write(&input, "these are my notes, not a video\n".repeat(50)).unwrap();
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["notes.mp4"],
    );
}

#[test]
fn audio_only_file_has_no_video() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("tone.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "1",
        "-c:a",
        "aac",
        input.to_str().unwrap(),
    ]);
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["tone.m4a", "video"],
    );
}

#[test]
fn truncated_video() {
    let d = tempfile::tempdir().unwrap();
    let full = make_clip(d.path(), "full.mp4", "160x120", "24", "2", true, &[]);
    let bytes = std::fs::read(&full).unwrap();
    let input = d.path().join("cut.mp4");
    std::fs::write(&input, &bytes[..bytes.len() / 2]).unwrap();
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["cut.mp4"],
    );
}

#[test]
fn corrupt_video() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("noise.mkv");
    let mut state = 0x1234_5678u32;
    let noise: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    std::fs::write(&input, noise).unwrap();
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["noise.mkv"],
    );
}

#[test]
fn zero_frame_video() {
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("empty.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:rate=10",
        "-frames:v",
        "0",
        "-c:v",
        "ffv1",
        input.to_str().unwrap(),
    ]);
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["empty.mkv"],
    );
}

#[test]
fn one_frame_video() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "single.mp4", "64x64", "10", "0.1", false, &[]);
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["single.mp4", "only 1 frame"],
    );
}

#[test]
fn output_folder_missing() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let out = d.path().join("no/such/folder/out.mp4");
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["does not exist"],
    );
}

#[test]
fn existing_output_needs_overwrite() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let out = d.path().join("out.mp4");
    std::fs::write(&out, b"precious").unwrap();
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&out)],
        &["out.mp4", "--overwrite"],
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
}

#[test]
fn unknown_codec() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &[
            "interpolate",
            &s(&input),
            "-o",
            &s(&out),
            "--codec",
            "nosuchcodec",
        ],
        &["nosuchcodec"],
    );
}

#[test]
fn factor_zero_and_one() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let out = d.path().join("out.mp4");
    for f in ["0", "1"] {
        fails(
            d.path(),
            &["interpolate", &s(&input), "-o", &s(&out), "--factor", f],
            &["--factor"],
        );
    }
}

#[test]
fn fps_not_positive() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let out = d.path().join("out.mp4");
    for f in ["0", "-30", "abc", "1/0"] {
        fails(
            d.path(),
            &[
                "interpolate",
                &s(&input),
                "-o",
                &s(&out),
                &format!("--fps={f}"),
            ],
            &["--fps"],
        );
    }
}

#[test]
fn unknown_model() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let out = d.path().join("out.mp4");
    fails(
        d.path(),
        &[
            "interpolate",
            &s(&input),
            "-o",
            &s(&out),
            "--model",
            "magic",
        ],
        &["magic", "classical"],
    );
}

#[test]
fn input_is_never_modified() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "64x64", "10", "0.5", false, &[]);
    let before = std::fs::read(&input).unwrap();
    fails(
        d.path(),
        &["interpolate", &s(&input), "-o", &s(&input), "--overwrite"],
        &["replace the input"],
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

/// `interpolate IN -o OUT --models-dir <empty> ARGS…` for the RIFE cases.
fn rife_args(d: &Path, extra: &[&str]) -> (Vec<String>, String) {
    let input = make_clip(d, "in.mp4", "64x48", "10", "0.5", false, &[]);
    let out = d.join("out.mp4");
    let mut args = vec![
        "interpolate".to_string(),
        s(&input),
        "-o".into(),
        s(&out),
        "--models-dir".into(),
        s(&d.join("no-models")),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    (args, s(&out))
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn rife_weights_file_missing() {
    let d = tempfile::tempdir().unwrap();
    let missing = s(&d.path().join("nothere.pkl"));
    let (args, _) = rife_args(d.path(), &["--model", "rife-v4.25", "--weights", &missing]);
    fails(d.path(), &strs(&args), &["nothere.pkl", "--weights"]);
}

#[test]
fn rife_weights_of_another_architecture() {
    let d = tempfile::tempdir().unwrap();
    let esrgan = s(&weights("esrgan/rrdb_x2_b2.pth"));
    let (args, _) = rife_args(d.path(), &["--model", "rife-v4.25", "--weights", &esrgan]);
    fails(
        d.path(),
        &strs(&args),
        &["rrdb_x2_b2.pth", "RRDBNet", "not RIFE"],
    );
}

#[test]
fn rife_version_mismatch() {
    let d = tempfile::tempdir().unwrap();
    let v46 = s(&weights("rife_v4.6/flownet.pkl"));
    let (args, _) = rife_args(d.path(), &["--model", "rife-v4.25", "--weights", &v46]);
    fails(
        d.path(),
        &strs(&args),
        &[
            "flownet.pkl",
            "RIFE IFNet v4.6",
            "--model rife-v4.25",
            "use --model rife-v4.6",
        ],
    );
    let v425 = s(&weights("rife_v4.25/flownet.safetensors"));
    let (args, _) = rife_args(d.path(), &["--model", "rife-v4.6", "--weights", &v425]);
    fails(d.path(), &strs(&args), &["v4.25", "use --model rife-v4.25"]);
}

#[test]
fn rife_without_weights_or_imported_model() {
    let d = tempfile::tempdir().unwrap();
    let (args, _) = rife_args(d.path(), &["--model", "rife-v4.25"]);
    fails(
        d.path(),
        &strs(&args),
        &[
            "--model rife-v4.25 needs weights",
            "--weights",
            "tween models import",
        ],
    );
}

#[test]
fn rife_bad_scale_and_misplaced_options() {
    let d = tempfile::tempdir().unwrap();
    let w = s(&weights("rife_v4.25/flownet.pkl"));
    for scale in ["3", "0", "-1"] {
        let (args, _) = rife_args(
            d.path(),
            &[
                "--model",
                "rife-v4.25",
                "--weights",
                &w,
                &format!("--scale={scale}"),
            ],
        );
        fails(d.path(), &strs(&args), &["--scale"]);
    }
    let (args, _) = rife_args(d.path(), &["--model", "classical", "--weights", &w]);
    fails(d.path(), &strs(&args), &["--weights", "classical"]);
    let (args, _) = rife_args(d.path(), &["--model", "blend", "--pad-policy", "practical"]);
    fails(d.path(), &strs(&args), &["--pad-policy", "blend"]);
}

#[test]
fn rife_without_onnx_runtime() {
    let d = tempfile::tempdir().unwrap();
    let w = s(&weights("rife_v4.25/flownet.pkl"));
    let (args, _) = rife_args(d.path(), &["--model", "rife-v4.25", "--weights", &w]);
    fails_env(
        d.path(),
        &[("TWEEN_ORT_LIB", "/nonexistent/libonnxruntime.so")],
        &strs(&args),
        &[
            "ONNX Runtime library not found",
            "/nonexistent/libonnxruntime.so",
            "fetch-onnxruntime.sh",
        ],
    );
}

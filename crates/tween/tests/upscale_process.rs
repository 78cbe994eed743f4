//! `tween upscale`, `process` and `batch` end to end on generated clips:
//! sizes, frame counts, audio and colour tags kept, no intermediate file,
//! resumed batches, and the bad inputs of issue 4.

mod helpers;

use std::path::Path;

use helpers::*;

fn size_of(p: &serde_json::Value) -> (u64, u64) {
    let v = video_stream(p);
    (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
}

#[test]
fn upscale_doubles_a_video_keeping_frames_audio_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_clip(
        dir.path(),
        "src.mp4",
        "160x90",
        "25",
        "1",
        true,
        &[
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-colorspace",
            "bt709",
        ],
    );
    let out = dir.path().join("big.mp4");
    let o = run_tween(&[
        "upscale",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--scale",
        "2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    assert_eq!(size_of(&p), (320, 180));
    assert_eq!(frames(&p), 25);
    assert_eq!(count_type(&p, "audio"), 1);
    assert_eq!(video_stream(&p)["color_primaries"], "bt709");
    // The picture is the source's, enlarged: compare with FFmpeg's Lanczos.
    let reference = dir.path().join("ref.mp4");
    ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-vf",
        "scale=320:180:flags=lanczos",
        "-c:v",
        "libx264",
        "-qp",
        "0",
        reference.to_str().unwrap(),
    ]);
    let d = mean_abs_diff(&rgb_frame(&out, 12), &rgb_frame(&reference, 12));
    assert!(d < 3.0, "mean difference to FFmpeg's Lanczos: {d}");
}

#[test]
fn upscale_an_image_to_png() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48",
        "-frames:v",
        "1",
        src.to_str().unwrap(),
    ]);
    let out = dir.path().join("a4.png");
    let o = run_tween(&[
        "upscale",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--scale",
        "4",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(size_of(&probe(&out)), (256, 192));
    // Not PNG: refused before anything is written.
    let o = run_tween(&[
        "upscale",
        src.to_str().unwrap(),
        "-o",
        dir.path().join("a.jpg").to_str().unwrap(),
    ]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains(".png"));
}

#[test]
fn process_interpolates_then_upscales_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_clip(dir.path(), "src.mkv", "128x72", "25", "1", true, &[]);
    let out = dir.path().join("out.mkv");
    let o = run_tween(&[
        "process",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--interpolate",
        "2x",
        "--upscale",
        "2x",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    assert_eq!(size_of(&p), (256, 144));
    assert_eq!(video_stream(&p)["r_frame_rate"], "50/1");
    assert_eq!(frames(&p), 50);
    assert_eq!(count_type(&p, "audio"), 1);
    // Nothing but the input and the output: no intermediate file.
    assert_eq!(listing(dir.path()), ["out.mkv", "src.mkv"]);
    // --target-fps instead of a factor.
    let out2 = dir.path().join("out2.mp4");
    let o = run_tween(&[
        "process",
        src.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "--target-fps",
        "60",
        "--upscale",
        "2x",
        "--color-fix",
        "adain",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(video_stream(&probe(&out2))["r_frame_rate"], "60/1");
    // Nothing asked: a clear error.
    let o = run_tween(&[
        "process",
        src.to_str().unwrap(),
        "-o",
        dir.path().join("x.mp4").to_str().unwrap(),
    ]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("nothing to do"));
}

fn batch(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "batch",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ];
    args.extend(extra);
    run_tween(&args)
}

#[test]
fn batch_does_every_file_skips_finished_ones_and_reports_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let output = dir.path().join("out");
    std::fs::create_dir(&input).unwrap();
    make_clip(&input, "a.mp4", "96x64", "25", "0.4", true, &[]);
    make_clip(&input, "c.mkv", "96x64", "25", "0.4", false, &[]);
    std::fs::write(input.join("b.mp4"), b"this is not a video").unwrap();
    std::fs::write(input.join("notes.txt"), b"ignored").unwrap();
    let o = batch(&input, &output, &["--interpolate", "2x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success(),
        "one file failed: the exit status says so\n{err}"
    );
    assert!(err.contains("2 done, 0 skipped, 1 failed"), "{err}");
    assert!(err.contains("b.mp4"), "the bad file is named: {err}");
    assert_eq!(listing(&output), [".tween-batch.json", "a.mp4", "c.mp4"]);
    assert_eq!(frames(&probe(&output.join("a.mp4"))), 20);
    let before = std::fs::metadata(output.join("a.mp4"))
        .unwrap()
        .modified()
        .unwrap();
    // Again: the finished outputs are skipped, not redone.
    let o = batch(&input, &output, &["--interpolate", "2x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("0 done, 2 skipped, 1 failed"), "{err}");
    assert_eq!(
        std::fs::metadata(output.join("a.mp4"))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
    // Other options: the outputs no longer match and are redone.
    std::fs::remove_file(input.join("b.mp4")).unwrap();
    let o = batch(&input, &output, &["--interpolate", "4x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && err.contains("2 done, 0 skipped, 0 failed"),
        "{err}"
    );
    assert_eq!(frames(&probe(&output.join("a.mp4"))), 40);
}

#[test]
fn a_killed_batch_resumes_without_redoing_finished_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let output = dir.path().join("out");
    std::fs::create_dir(&input).unwrap();
    make_clip(&input, "1.mp4", "96x64", "25", "0.4", false, &[]);
    // Long enough to be killed in the middle of it.
    make_clip(&input, "2.mp4", "640x360", "25", "20", false, &[]);
    let mut child = tween()
        .args([
            "batch",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--interpolate",
            "2x",
            "--threads",
            "1",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first file is finished and the second is being written.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let names = listing(&output_or_empty(&output));
        if names.iter().any(|n| n == "1.mp4")
            && names.iter().any(|n| n.starts_with(".2.mp4.partial-"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "batch did not get to file 2: {names:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL: no clean-up runs
    child.wait().unwrap();
    assert!(
        !output.join("2.mp4").exists(),
        "never a half-written output under the final name"
    );
    let first = std::fs::metadata(output.join("1.mp4"))
        .unwrap()
        .modified()
        .unwrap();
    let o = batch(&input, &output, &["--interpolate", "2x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && err.contains("1 done, 1 skipped, 0 failed"),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(output.join("1.mp4"))
            .unwrap()
            .modified()
            .unwrap(),
        first
    );
    assert_eq!(frames(&probe(&output.join("2.mp4"))), 1000);
    // The killed run's temporary file is gone.
    assert_eq!(listing(&output), [".tween-batch.json", "1.mp4", "2.mp4"]);
}

fn output_or_empty(p: &Path) -> std::path::PathBuf {
    if p.is_dir() {
        p.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

#[test]
fn bad_upscale_inputs_get_clear_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_clip(dir.path(), "src.mp4", "64x48", "25", "0.2", false, &[]);
    let s = src.to_str().unwrap();
    let out = dir.path().join("o.mp4");
    let o_ = out.to_str().unwrap();
    let rife = weights("rife_v4.25/flownet.pkl");
    let esrgan = weights("esrgan/realesr-animevideov3.pth");
    let garbage = dir.path().join("garbage.png");
    std::fs::write(&garbage, b"\x89PNG\r\n\x1a\n but then nothing sensible").unwrap();
    let g_out = dir.path().join("g.png");
    let sub = dir.path().join("sub");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["upscale", s, "-o", o_, "--scale", "0"],
            "--scale must be between 1 and 8",
        ),
        (
            vec!["upscale", s, "-o", o_, "--scale", "9"],
            "--scale must be between 1 and 8",
        ),
        (
            vec![
                "upscale",
                s,
                "-o",
                o_,
                "--model",
                "RealESRGAN_x4plus",
                "--weights",
                rife.to_str().unwrap(),
            ],
            "flownet.pkl",
        ),
        (
            vec![
                "upscale",
                s,
                "-o",
                o_,
                "--model",
                "RealESRGAN_x4plus",
                "--weights",
                esrgan.to_str().unwrap(),
            ],
            "realesr-animevideov3.pth",
        ),
        (
            vec![
                "upscale",
                s,
                "-o",
                o_,
                "--model",
                "realesr-animevideov3",
                "--weights",
                esrgan.to_str().unwrap(),
                "--tile",
                "8",
                "--tile-pad",
                "10",
            ],
            "smaller than its padding",
        ),
        (
            vec!["upscale", s, "-o", o_, "--model", "no-such-model"],
            "unknown upscaling model",
        ),
        (
            vec![
                "upscale",
                garbage.to_str().unwrap(),
                "-o",
                g_out.to_str().unwrap(),
            ],
            "garbage.png",
        ),
        (
            vec![
                "batch",
                dir.path().to_str().unwrap(),
                "-o",
                sub.to_str().unwrap(),
                "--upscale",
                "2x",
            ],
            "inside the input folder",
        ),
    ];
    let before = listing(dir.path());
    for (args, says) in cases {
        let o = run_tween(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(err.contains(says), "{args:?}: expected '{says}' in: {err}");
        assert_eq!(
            listing(dir.path()),
            before,
            "{args:?} left something behind"
        );
    }
}

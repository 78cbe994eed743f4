//! Real files as containers and cameras write them, end to end: Matroska's
//! rounded timestamps, streams without timestamps, exact probe counts, and
//! what players show (rotation, pixel shape, interlacing, long audio).

mod helpers;

use helpers::*;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(args: &[&str]) -> std::process::Output {
    let out = run_tween(args);
    assert!(
        out.status.success(),
        "tween {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap()
}

/// 2x of a 30 fps clip stored in NUT (exact timestamps), Matroska and WebM
/// (milliseconds): the same 60 frames, every source frame passed through
/// bit-exact, every in-between at exactly t = 0.5.
#[test]
fn millisecond_containers_interpolate_exactly_like_exact_ones() {
    let d = tempfile::tempdir().unwrap();
    let (w, h) = (96, 64);
    let base = make_clip(
        d.path(),
        "base.nut",
        "96x64",
        "30",
        "1",
        false,
        &["-c:v", "ffv1", "-pix_fmt", "bgr0"],
    );
    let mkv = d.path().join("in.mkv");
    ffmpeg(&["-i", s(&base), "-c", "copy", s(&mkv)]);
    let webm = d.path().join("in.webm");
    ffmpeg(&[
        "-i",
        s(&base),
        "-c:v",
        "libvpx-vp9",
        "-lossless",
        "1",
        "-pix_fmt",
        "gbrp",
        "-deadline",
        "realtime",
        s(&webm),
    ]);
    let src = rgb_frames(&base, w, h);
    assert_eq!(src.len(), 30);
    for input in [&base, &mkv, &webm] {
        assert_eq!(
            rgb_frames(input, w, h),
            src,
            "{}: lossless copy",
            input.display()
        );
        let out = d.path().join(format!(
            "out_{}.mkv",
            input.extension().unwrap().to_str().unwrap()
        ));
        ok(&[
            "interpolate",
            s(input),
            "-o",
            s(&out),
            "--factor",
            "2",
            "--model",
            "blend",
            "--codec",
            "ffv1",
            "--quiet",
        ]);
        let got = rgb_frames(&out, w, h);
        let name = input.display();
        assert_eq!(got.len(), 60, "{name}: 2 × 30 frames");
        for k in 0..30 {
            assert!(
                got[2 * k] == src[k],
                "{name}: output {} is not source frame {k}",
                2 * k
            );
        }
        for k in 0..29 {
            let mid: Vec<u8> = src[k]
                .iter()
                .zip(&src[k + 1])
                .map(|(&a, &b)| (a as u16 + b as u16).div_ceil(2) as u8)
                .collect();
            let dev = max_diff(&got[2 * k + 1], &mid);
            assert!(
                dev <= 1,
                "{name}: in-between {} is off t = 0.5 by up to {dev}",
                2 * k + 1
            );
        }
    }
}

fn probe_frames(path: &Path) -> String {
    let out = ok(&["probe", s(path)]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("frames:").map(|v| v.trim().to_string()))
        .expect("a frames line")
}

#[test]
fn probe_reports_exact_frame_counts() {
    let d = tempfile::tempdir().unwrap();
    for name in ["a.nut", "b.mkv", "c.mp4"] {
        let clip = make_clip(d.path(), name, "64x48", "30", "1", false, &[]);
        assert_eq!(probe_frames(&clip), "30", "{name}");
        assert_eq!(frames(&probe(&clip)), 30, "{name} really has 30");
    }
}

#[test]
fn a_raw_stream_without_timestamps_is_interpolated_whole() {
    let d = tempfile::tempdir().unwrap();
    // Annex B H.264 with B-frames: no packet carries a pts or a dts.
    let raw = make_clip(
        d.path(),
        "clip.h264",
        "64x48",
        "30",
        "1",
        false,
        &["-c:v", "libx264", "-bf", "2"],
    );
    assert_eq!(probe_frames(&raw), "30");
    let out = d.path().join("out.mp4");
    ok(&["interpolate", s(&raw), "-o", s(&out), "--quiet"]);
    let po = probe(&out);
    assert_eq!(frames(&po), 60);
    assert_eq!(video_stream(&po)["avg_frame_rate"], "60/1");
}

#[test]
fn a_remux_with_decode_order_times_keeps_every_frame() {
    let d = tempfile::tempdir().unwrap();
    let src = make_clip(
        d.path(),
        "src.mkv",
        "64x48",
        "30",
        "1",
        false,
        &["-bf", "2"],
    );
    let broken = d.path().join("broken.mkv");
    ffmpeg(&[
        "-i",
        s(&src),
        "-c",
        "copy",
        "-bsf:v",
        "setts=pts=DTS",
        s(&broken),
    ]);
    let out = d.path().join("out.mkv");
    let run = ok(&["interpolate", s(&broken), "-o", s(&out), "--model", "blend"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!err.contains("dropped"), "{err}");
    // Every source frame is kept; the first few times are the decoder's
    // guesses, so the clip may end a frame or two later than 1 s.
    let n = frames(&probe(&out));
    assert!((60..=62).contains(&n), "{n} frames from 30");
}

fn rotation(p: &serde_json::Value) -> Option<f64> {
    video_stream(p)["side_data_list"]
        .as_array()?
        .iter()
        .find(|s| s["side_data_type"] == "Display Matrix")
        .and_then(|s| s["rotation"].as_f64())
}

#[test]
fn upscaling_keeps_rotation_and_pixel_shape() {
    let d = tempfile::tempdir().unwrap();
    let plain = make_clip(
        d.path(),
        "plain.mp4",
        "64x48",
        "25",
        "0.4",
        false,
        &["-aspect", "16:9"],
    );
    let phone = d.path().join("phone.mp4");
    ffmpeg(&[
        "-i",
        s(&plain),
        "-c",
        "copy",
        "-metadata:s:v",
        "rotate=90",
        s(&phone),
    ]);
    let pi = probe(&phone);
    let want = rotation(&pi).expect("the input is rotated");
    assert_eq!(video_stream(&pi)["sample_aspect_ratio"], "4:3");
    let out = d.path().join("big.mp4");
    ok(&[
        "upscale",
        s(&phone),
        "-o",
        s(&out),
        "--scale",
        "2",
        "--quiet",
    ]);
    let po = probe(&out);
    let v = video_stream(&po);
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(128), Some(96))
    );
    assert_eq!(rotation(&po), Some(want));
    assert_eq!(v["sample_aspect_ratio"], "4:3");
    assert_eq!(v["display_aspect_ratio"], "16:9");
    let text = String::from_utf8_lossy(&ok(&["probe", s(&out)]).stdout).into_owned();
    assert!(text.contains("rotation:") && text.contains("4/3"), "{text}");
}

#[test]
fn interlaced_input_is_named_and_deinterlaced_on_request() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("interlaced.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=96x64:rate=50",
        "-t",
        "0.4",
        "-vf",
        "tinterlace=mode=interleave_top,setfield=tff",
        "-c:v",
        "ffv1",
        "-field_order",
        "tt",
        s(&src),
    ]);
    let text = String::from_utf8_lossy(&ok(&["probe", s(&src)]).stdout).into_owned();
    assert!(text.contains("interlaced, top field first"), "{text}");
    let out = d.path().join("out.mkv");
    let run = ok(&["interpolate", s(&src), "-o", s(&out), "--model", "blend"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("interlaced") && err.contains("--deinterlace"),
        "{err}"
    );
    let out2 = d.path().join("out2.mkv");
    let run = ok(&[
        "interpolate",
        s(&src),
        "-o",
        s(&out2),
        "--model",
        "blend",
        "--deinterlace",
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!err.contains("WARN"), "{err}");
    assert_eq!(frames(&probe(&out2)), frames(&probe(&out)));
}

#[test]
fn audio_longer_than_the_video_is_kept() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("in.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-t",
        "2",
        "-i",
        "testsrc2=size=64x48:rate=25",
        "-f",
        "lavfi",
        "-t",
        "3",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        s(&src),
    ]);
    let out = d.path().join("out.mp4");
    ok(&[
        "interpolate",
        s(&src),
        "-o",
        s(&out),
        "--model",
        "blend",
        "--quiet",
    ]);
    let po = probe(&out);
    assert_eq!(frames(&po), 100);
    let audio = po["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .expect("audio kept");
    let secs = stream_duration(audio);
    assert!((secs - 3.0).abs() < 0.05, "audio lasts {secs} s");
}

//! `tween interpolate` end to end on real files made by the ffmpeg CLI,
//! checked with ffprobe: frame counts, exact rates, audio sync, depth,
//! colour tags, odd sizes, VFR, scene cuts and Ctrl-C.

mod helpers;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use helpers::*;

fn ok(args: &[&str]) {
    let out = run_tween(args);
    assert!(
        out.status.success(),
        "tween {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn factor_two_keeps_audio_in_sync_and_rate_exact() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "320x240", "24", "2", true, &[]);
    let out = d.path().join("out.mp4");
    ok(&[
        "interpolate",
        s(&input),
        "-o",
        s(&out),
        "--factor",
        "2",
        "--quiet",
    ]);
    let (pi, po) = (probe(&input), probe(&out));
    let vs = video_stream(&po);
    assert_eq!(vs["avg_frame_rate"], "48/1");
    assert_eq!(frames(&po), 2 * frames(&pi));
    assert_eq!(count_type(&po, "audio"), 1, "audio kept");
    let frame = 1.0 / 48.0;
    let dv = stream_duration(vs) - stream_duration(video_stream(&pi));
    assert!(dv.abs() <= frame + 1e-6, "video duration off by {dv}");
    assert!(
        (duration(&po) - duration(&pi)).abs() <= frame + 1e-6,
        "{} vs {}",
        duration(&po),
        duration(&pi)
    );
    let audio = |p: &serde_json::Value| {
        let a = p["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .unwrap()
            .clone();
        (
            a["start_time"].as_str().unwrap().parse::<f64>().unwrap(),
            stream_duration(&a),
        )
    };
    let (ai, ao) = (audio(&pi), audio(&po));
    assert!((ai.0 - ao.0).abs() <= frame, "audio start {ai:?} vs {ao:?}");
    assert!(
        (ai.1 - ao.1).abs() <= frame,
        "audio duration {ai:?} vs {ao:?}"
    );
    assert_eq!(
        listing(d.path()),
        vec!["in.mp4", "out.mp4"],
        "no temporary left"
    );
}

#[test]
fn factor_four_and_no_audio_in_no_audio_out() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mkv", "128x96", "25", "1", false, &[]);
    let out = d.path().join("out.mkv");
    ok(&[
        "interpolate",
        s(&input),
        "-o",
        s(&out),
        "--factor",
        "4",
        "--quiet",
    ]);
    let po = probe(&out);
    assert_eq!(video_stream(&po)["avg_frame_rate"], "100/1");
    assert_eq!(frames(&po), 100);
    assert_eq!(count_type(&po, "audio"), 0);
}

#[test]
fn ntsc_film_to_ntsc_sixty() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "in.mp4", "160x90", "24000/1001", "2", true, &[]);
    let out = d.path().join("out.mp4");
    ok(&[
        "interpolate",
        s(&input),
        "-o",
        s(&out),
        "--fps",
        "59.94",
        "--quiet",
    ]);
    let (pi, po) = (probe(&input), probe(&out));
    assert_eq!(video_stream(&po)["avg_frame_rate"], "60000/1001");
    let n = frames(&pi);
    assert_eq!(frames(&po), (n * 5).div_ceil(2));
}

#[test]
fn ten_bit_stays_ten_bit_and_colour_tags_are_copied() {
    let d = tempfile::tempdir().unwrap();
    let tags = [
        "-pix_fmt",
        "yuv420p10le",
        "-color_primaries",
        "bt2020",
        "-color_trc",
        "smpte2084",
        "-colorspace",
        "bt2020nc",
        "-color_range",
        "tv",
    ];
    let mut extra = vec!["-c:v", "libx264", "-preset", "ultrafast"];
    extra.extend(tags);
    let input = make_clip(d.path(), "hdr.mkv", "160x96", "30", "1", false, &extra);
    let out = d.path().join("out.mkv");
    ok(&["interpolate", s(&input), "-o", s(&out), "--quiet"]);
    let po = probe(&out);
    let v = video_stream(&po);
    assert_eq!(v["pix_fmt"], "yuv420p10le");
    assert_eq!(v["color_primaries"], "bt2020");
    assert_eq!(v["color_transfer"], "smpte2084");
    assert_eq!(v["color_space"], "bt2020nc");
    assert_eq!(v["color_range"], "tv");
    // Asked otherwise: 8-bit out of a 10-bit source, tags still copied.
    let out8 = d.path().join("out8.mkv");
    ok(&[
        "interpolate",
        s(&input),
        "-o",
        s(&out8),
        "--bit-depth",
        "8",
        "--quiet",
    ]);
    let p8 = probe(&out8);
    assert_eq!(video_stream(&p8)["pix_fmt"], "yuv420p");
    assert_eq!(video_stream(&p8)["color_primaries"], "bt2020");
}

#[test]
fn odd_sizes_work_end_to_end() {
    let d = tempfile::tempdir().unwrap();
    // testsrc2 rounds sizes to even: crop after converting to 4:4:4.
    let input = make_clip(
        d.path(),
        "odd.mkv",
        "162x98",
        "20",
        "1",
        false,
        &["-vf", "format=yuv444p,crop=161:97:0:0", "-c:v", "ffv1"],
    );
    let v = video_stream(&probe(&input)).clone();
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(161), Some(97)),
        "test input is odd-sized"
    );
    let out = d.path().join("out.mp4");
    ok(&["interpolate", s(&input), "-o", s(&out), "--quiet"]);
    let po = probe(&out);
    let v = video_stream(&po);
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(161), Some(97))
    );
    assert_eq!(frames(&po), 40);
}

#[test]
fn vfr_input_lands_on_a_constant_rate() {
    let d = tempfile::tempdir().unwrap();
    let cfr = make_clip(
        d.path(),
        "cfr.mkv",
        "96x64",
        "20",
        "2",
        false,
        &["-c:v", "ffv1"],
    );
    // Drop every third frame and keep the real timestamps: a VFR file.
    let vfr = d.path().join("vfr.mkv");
    ffmpeg(&[
        "-i",
        s(&cfr),
        "-vf",
        "select='not(eq(mod(n\\,3)\\,2))'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "ffv1",
        s(&vfr),
    ]);
    let out = d.path().join("out.mkv");
    ok(&[
        "interpolate",
        s(&vfr),
        "-o",
        s(&out),
        "--fps",
        "40",
        "--quiet",
    ]);
    let po = probe(&out);
    assert_eq!(video_stream(&po)["avg_frame_rate"], "40/1");
    let got = frames(&po) as i64;
    // 2 s at 40 fps, give or take the last source frame's length.
    assert!((got - 80).abs() <= 2, "{got} frames");
}

/// Raw RGB frames of a video, through the ffmpeg CLI.
fn raw_frames(path: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    let out = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-i",
            s(path),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout.chunks(w * h * 3).map(|c| c.to_vec()).collect()
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).abs())
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn scene_cuts_are_held_not_smeared() {
    let d = tempfile::tempdir().unwrap();
    let a = make_clip(
        d.path(),
        "a.mkv",
        "128x96",
        "10",
        "1",
        false,
        &["-c:v", "ffv1"],
    );
    let b = d.path().join("b.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=size=128x96:rate=10",
        "-t",
        "1",
        "-c:v",
        "ffv1",
        s(&b),
    ]);
    let cut = d.path().join("cut.mkv");
    ffmpeg(&[
        "-i",
        s(&a),
        "-i",
        s(&b),
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1[v]",
        "-map",
        "[v]",
        "-c:v",
        "ffv1",
        s(&cut),
    ]);
    let out = d.path().join("out.mkv");
    ok(&[
        "interpolate",
        s(&cut),
        "-o",
        s(&out),
        "--codec",
        "ffv1",
        "--quiet",
    ]);
    let src = raw_frames(&cut, 128, 96);
    let res = raw_frames(&out, 128, 96);
    assert_eq!(src.len(), 20);
    assert_eq!(res.len(), 40);
    // Output 18 is source 9 (last of clip a, lossless through FFV1); output 19
    // lies between source 9 and 10 (first of b) and must be held as 9, exactly.
    assert!(mean_abs_diff(&res[18], &src[9]) < mean_abs_diff(&res[18], &src[10]) / 10.0);
    assert_eq!(
        res[19], res[18],
        "the frame at the cut is not a copy of the earlier shot"
    );
    assert!(mean_abs_diff(&res[20], &src[10]) < mean_abs_diff(&res[20], &src[9]) / 10.0);
    // Elsewhere frames are interpolated: output 17 differs from both neighbours.
    assert!(mean_abs_diff(&res[17], &res[16]) > 0.5 && mean_abs_diff(&res[17], &res[18]) > 0.5);
}

#[test]
fn ctrl_c_and_sigterm_leave_nothing_behind() {
    let d = tempfile::tempdir().unwrap();
    let input = make_clip(d.path(), "long.mp4", "640x360", "30", "20", true, &[]);
    let out = d.path().join("out.mp4");
    for signal in ["-INT", "-TERM"] {
        let mut child = tween()
            .args(["interpolate", s(&input), "-o", s(&out), "--factor", "4"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the temporary output exists (work has started), then interrupt.
        let t0 = Instant::now();
        while listing(d.path()).len() < 2 && t0.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        let status = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out_status = child.wait().unwrap();
        assert!(
            !out_status.success(),
            "a run stopped by {signal} must not report success"
        );
        assert_eq!(
            listing(d.path()),
            vec!["long.mp4"],
            "{signal}: nothing under the output name, no temporary"
        );
    }
}

//! `tween extract`, `pair`, `chain` and `reencode` end to end on clips made
//! by the ffmpeg CLI, read back with ffprobe/ffmpeg.

mod helpers;

use helpers::*;

#[test]
fn extract_writes_the_frames_asked_for_and_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let clip = make_clip(dir.path(), "a.mp4", "160x120", "25", "1", false, &[]);
    let out = dir.path().join("frames");
    std::fs::create_dir(&out).unwrap();
    let o = run_tween(&[
        "extract",
        clip.to_str().unwrap(),
        "--start",
        "3",
        "--end",
        "20",
        "--ends-only",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(listing(&out), ["frame_000003.png", "frame_000020.png"]);
    // Each PNG is that frame of the video (same decoder, same conversion).
    for (i, name) in [(3, "frame_000003.png"), (20, "frame_000020.png")] {
        let ours = rgb_frame(&out.join(name), 0);
        let theirs = rgb_frame(&clip, i);
        let d = mean_abs_diff(&ours, &theirs);
        assert!(d < 0.6, "frame {i}: mean difference {d}");
        // …and not a neighbour (testsrc2 moves every frame).
        let other = rgb_frame(&clip, i + 1);
        assert!(
            mean_abs_diff(&ours, &other) > 2.0 * d + 0.5,
            "frame {i} looks like {}",
            i + 1
        );
    }
    // A range writes every frame; past the end writes nothing and says so.
    let range = dir.path().join("range");
    std::fs::create_dir(&range).unwrap();
    let o = run_tween(&[
        "extract",
        clip.to_str().unwrap(),
        "--start",
        "22",
        "--end",
        "24",
        "-o",
        range.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        listing(&range),
        ["frame_000022.png", "frame_000023.png", "frame_000024.png"]
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (start, end, says) in [
        ("20", "25", "past the last frame"),
        ("10", "5", "must not be after"),
    ] {
        let o = run_tween(&[
            "extract",
            clip.to_str().unwrap(),
            "--start",
            start,
            "--end",
            end,
            "-o",
            empty.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && err.contains(says),
            "{start}..{end}: {err}"
        );
        assert!(listing(&empty).is_empty(), "{:?}", listing(&empty));
    }
}

fn png(dir: &std::path::Path, name: &str, src: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        src,
        "-frames:v",
        "1",
        p.to_str().unwrap(),
    ]);
    p
}

#[test]
fn pair_makes_the_motion_between_two_images() {
    let dir = tempfile::tempdir().unwrap();
    let a = png(dir.path(), "a.png", "testsrc2=size=192x108:rate=25");
    // The second image: the same picture 8 px to the right.
    let b = dir.path().join("b.png");
    ffmpeg(&[
        "-i",
        a.to_str().unwrap(),
        "-vf",
        "crop=184:108:0:0,pad=192:108:8:0:color=black",
        b.to_str().unwrap(),
    ]);
    let out = dir.path().join("p.mkv");
    let zip = dir.path().join("p.zip");
    let o = run_tween(&[
        "pair",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--passes",
        "2",
        "--fps",
        "10",
        "--frames-zip",
        zip.to_str().unwrap(),
        "--codec",
        "ffv1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    assert_eq!(frames(&p), 5, "2 passes: 3 frames between the two images");
    assert_eq!(video_stream(&p)["r_frame_rate"], "10/1");
    // FFV1 is lossless: the ends are the images themselves.
    assert_eq!(rgb_frame(&out, 0), rgb_frame(&a, 0));
    assert_eq!(rgb_frame(&out, 4), rgb_frame(&b, 0));
    // The middle is the picture shifted by ~4 px: closer to that than to either end.
    let mid = rgb_frame(&out, 2);
    let half = dir.path().join("half.png");
    ffmpeg(&[
        "-i",
        a.to_str().unwrap(),
        "-vf",
        "crop=188:108:0:0,pad=192:108:4:0:color=black",
        half.to_str().unwrap(),
    ]);
    let (d_half, d_a, d_b) = (
        mean_abs_diff(&mid, &rgb_frame(&half, 0)),
        mean_abs_diff(&mid, &rgb_frame(&a, 0)),
        mean_abs_diff(&mid, &rgb_frame(&b, 0)),
    );
    assert!(
        d_half < d_a && d_half < d_b,
        "middle frame: {d_half} to the half shift, {d_a}/{d_b} to the ends"
    );
    let listing_zip = std::process::Command::new("unzip")
        .arg("-Z1")
        .arg(&zip)
        .output();
    if let Ok(l) = listing_zip {
        let names = String::from_utf8_lossy(&l.stdout);
        assert_eq!(names.lines().count(), 5, "{names}");
    }
    // An exact frame count.
    let out2 = dir.path().join("p2.mp4");
    let o = run_tween(&[
        "pair",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "--frames",
        "12",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(frames(&probe(&out2)), 12);
}

#[test]
fn pair_refuses_images_of_different_sizes_unless_asked_to_fit() {
    let dir = tempfile::tempdir().unwrap();
    let a = png(dir.path(), "a.png", "testsrc2=size=160x90:rate=25");
    let b = png(dir.path(), "b.png", "testsrc2=size=200x100:rate=25");
    let out = dir.path().join("p.mp4");
    let before = listing(dir.path());
    let o = run_tween(&[
        "pair",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("200x100") && err.contains("160x90") && err.contains("b.png"),
        "{err}"
    );
    assert_eq!(listing(dir.path()), before, "nothing written");
    let o = run_tween(&[
        "pair",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--resize",
        "fit",
        "--passes",
        "1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    assert_eq!(
        (
            video_stream(&p)["width"].as_u64(),
            video_stream(&p)["height"].as_u64()
        ),
        (Some(160), Some(90))
    );
    assert_eq!(frames(&p), 3);
}

#[test]
fn chain_joins_clips_with_a_transition_at_the_output_rate() {
    let dir = tempfile::tempdir().unwrap();
    let red = solid_clip(dir.path(), "red.mp4", "red", "128x72", "25", 10);
    // At another rate: resampled to the first clip's 25 fps (12 frames at 30 → 10 at 25).
    let blue = solid_clip(dir.path(), "blue.mp4", "blue", "128x72", "30", 12);
    let out = dir.path().join("c.mkv");
    let o = run_tween(&[
        "chain",
        red.to_str().unwrap(),
        blue.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--passes",
        "2",
        "--model",
        "blend",
        "--codec",
        "ffv1",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    assert_eq!(video_stream(&p)["r_frame_rate"], "25/1");
    assert_eq!(frames(&p), 10 + 3 + 10);
    let px = |i: u64| {
        let f = rgb_frame(&out, i);
        (f[0] as i32, f[2] as i32)
    };
    let (r9, b9) = px(9);
    let (r13, b13) = px(13);
    assert!(r9 > 200 && b9 < 50, "last red frame: {r9},{b9}");
    assert!(r13 < 50 && b13 > 200, "first blue frame: {r13},{b13}");
    // The transition goes from red to blue, a quarter of the way per frame.
    let reds: Vec<i32> = (10..13).map(|i| px(i).0).collect();
    assert!(
        reds[0] > reds[1] && reds[1] > reds[2],
        "red falls through the transition: {reds:?}"
    );
    assert!(
        (reds[1] - (r9 + r13) / 2).abs() < 20,
        "the middle is half way: {reds:?}"
    );
}

#[test]
fn chain_needs_two_clips_and_refuses_a_bad_one_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_clip(dir.path(), "a.mp4", "128x72", "25", "0.4", false, &[]);
    let bad = dir.path().join("bad.mp4");
    std::fs::write(&bad, b"not a video at all").unwrap();
    let out = dir.path().join("c.mp4");
    let before = listing(dir.path());
    let o = run_tween(&[
        "chain",
        a.to_str().unwrap(),
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("bad.mp4"), "{err}");
    assert_eq!(listing(dir.path()), before);
    let o = run_tween(&["chain", a.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let b = make_clip(dir.path(), "b.mp4", "160x90", "25", "0.4", false, &[]);
    let o = run_tween(&[
        "chain",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("160x90") && err.contains("--resize fit"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn reencode_gives_h264_high_yuv420p_bt709_and_keeps_audio() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_clip(
        dir.path(),
        "src.mkv",
        "320x240",
        "25",
        "1",
        true,
        &[
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv444p",
            "-profile:v",
            "high444",
        ],
    );
    let out = dir.path().join("r.mp4");
    let o = run_tween(&[
        "reencode",
        src.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    let v = video_stream(&p);
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["profile"], "High");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["color_primaries"], "bt709");
    assert_eq!(v["color_transfer"], "bt709");
    assert_eq!(v["color_space"], "bt709");
    assert_eq!(frames(&p), 25);
    assert_eq!(count_type(&p, "audio"), 1);
    // The report shows the result's encoding.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("\"profile\": \"High\""), "{err}");
}

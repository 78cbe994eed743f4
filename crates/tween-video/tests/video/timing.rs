//! Timestamps as containers store them: Matroska/WebM round to
//! milliseconds (put back on the exact frame grid), real variable rates
//! (kept as stored), streams without timestamps (derived, no frame lost),
//! and exact frame counts from `probe`.

use crate::helpers::*;
use tween_core::Rational;
use tween_video::{probe, VideoReader};

fn times(path: &std::path::Path) -> Vec<Rational> {
    VideoReader::open(path)
        .unwrap()
        .map(|f| f.unwrap().time)
        .collect()
}

fn grid(n: i64, rate: Rational) -> Vec<Rational> {
    (0..n)
        .map(|k| Rational::from_int(k).checked_div(rate).unwrap())
        .collect()
}

#[test]
fn millisecond_timestamps_of_mkv_and_webm_land_on_the_exact_grid() {
    let d = tmp();
    let thirty = Rational::from_int(30);
    let ntsc = Rational::new(30000, 1001);
    let cases = [
        ("a.mkv", "30", thirty, &["-c:v", "ffv1"][..]),
        (
            "b.webm",
            "30",
            thirty,
            &["-c:v", "libvpx-vp9", "-deadline", "realtime"][..],
        ),
        ("c.mkv", "30000/1001", ntsc, &["-c:v", "ffv1"][..]),
    ];
    for (name, rate, exact, extra) in cases {
        let clip = p(&d, name);
        make_clip(&clip, "64x48", rate, "1.5", false, extra);
        let stored = ffprobe_frame_times(&clip);
        let n = stored.len() as i64;
        // The container really rounded them (else this test proves nothing).
        assert_ne!(
            stored,
            grid(n, exact),
            "{name}: stored times are not rounded"
        );
        assert_eq!(times(&clip), grid(n, exact), "{name}");
    }
}

#[test]
fn real_variable_rate_keeps_its_stored_timestamps() {
    let d = tmp();
    let cfr = p(&d, "cfr.mkv");
    make_clip(&cfr, "64x48", "30", "1", false, &["-c:v", "ffv1"]);
    // Phone-like jitter: frame n at n·33 ms plus 0, 4, 8 ms in turn, so the
    // second frame is already off any 1/30 s grid by more than the rounding.
    let vfr = p(&d, "vfr.mkv");
    ffmpeg(&[
        "-i",
        cfr.to_str().unwrap(),
        "-vf",
        "setpts=(N*33+mod(N\\,3)*4)/1000/TB",
        "-fps_mode",
        "vfr",
        "-enc_time_base:v",
        "1:1000",
        "-c:v",
        "ffv1",
        vfr.to_str().unwrap(),
    ]);
    let stored = ffprobe_frame_times(&vfr);
    assert_eq!(
        stored[1],
        Rational::new(37, 1000),
        "the jitter is in the file"
    );
    assert_eq!(times(&vfr), stored);
}

#[test]
fn a_stream_without_timestamps_loses_no_frame() {
    let d = tmp();
    // A raw H.264 elementary stream with B-frames: no packet has a pts or dts.
    let raw = p(&d, "clip.h264");
    make_clip(
        &raw,
        "64x48",
        "30",
        "1",
        false,
        &["-c:v", "libx264", "-bf", "2", "-preset", "ultrafast"],
    );
    let got = times(&raw);
    assert_eq!(got.len(), 30, "every frame decoded");
    assert_eq!(got, grid(30, Rational::from_int(30)));
    assert_eq!(probe(&raw).unwrap().frame_count, Some(30));
}

#[test]
fn presentation_times_written_in_decode_order_lose_no_frame() {
    let d = tmp();
    let src = p(&d, "src.mkv");
    make_clip(
        &src,
        "64x48",
        "30",
        "1",
        false,
        &["-c:v", "libx264", "-bf", "2", "-preset", "ultrafast"],
    );
    // A remux that lost the presentation times: each packet stamped with
    // its decode time, so reordered frames come out with repeated times.
    let broken = p(&d, "dts_as_pts.mkv");
    ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-c",
        "copy",
        "-bsf:v",
        "setts=pts=DTS",
        broken.to_str().unwrap(),
    ]);
    let stored = ffprobe_frame_times(&broken);
    assert!(
        stored.windows(2).any(|w| w[1] <= w[0]),
        "the file repeats a time: {stored:?}"
    );
    let got = times(&broken);
    assert_eq!(got.len(), 30, "every frame kept");
    assert!(got.windows(2).all(|w| w[1] > w[0]), "{got:?}");
}

#[test]
fn probe_counts_frames_exactly_in_every_container() {
    let d = tmp();
    for name in ["a.nut", "b.mkv", "c.mp4", "d.webm"] {
        let clip = p(&d, name);
        let extra: &[&str] = if name.ends_with(".webm") {
            &["-c:v", "libvpx-vp9", "-deadline", "realtime"]
        } else if name.ends_with(".mp4") {
            &["-c:v", "libx264"]
        } else {
            &["-c:v", "ffv1"]
        };
        make_clip(&clip, "64x48", "30", "1", false, extra);
        assert_eq!(probe(&clip).unwrap().frame_count, Some(30), "{name}");
    }
    // 29.97 fps over 2 s: 60 frames, though 2.002 s × 29.97 rounds to 60 too.
    let ntsc = p(&d, "ntsc.nut");
    make_clip(&ntsc, "64x48", "30000/1001", "2", false, &["-c:v", "ffv1"]);
    let info = probe(&ntsc).unwrap();
    assert_eq!(info.frame_count, Some(60));
    assert_eq!(info.duration, Some(Rational::new(60 * 1001, 30000)));
}

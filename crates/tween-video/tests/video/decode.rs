//! Probing and decoding: metadata, colour matrix and range, depth, timestamps.

use crate::helpers::*;
use tween_core::{Pixels, Rational};
use tween_video::{probe, Chroma, ColorRange, VideoReader};

#[test]
fn probe_reports_size_rate_duration_codec_and_streams() {
    let dir = tmp();
    let clip = p(&dir, "clip.mp4");
    make_clip(
        &clip,
        "320x240",
        "24",
        "2",
        true,
        &["-pix_fmt", "yuv420p", "-c:v", "libx264", "-c:a", "aac"],
    );
    let info = probe(&clip).unwrap();
    assert_eq!((info.width, info.height), (320, 240));
    assert_eq!(info.frame_rate, Rational::from_int(24));
    assert_eq!(info.frame_count, Some(48));
    assert_eq!(info.codec, "h264");
    assert_eq!(info.pixel_format, "yuv420p");
    assert_eq!(info.bit_depth, 8);
    assert_eq!(info.chroma, Chroma::Yuv420);
    assert_eq!((info.audio_streams, info.subtitle_streams), (1, 0));
    assert!(info.container.contains("mp4"), "{}", info.container);
    let d = info.duration.unwrap().to_f64();
    assert!((d - 2.0).abs() < 0.05, "duration {d}");
    assert_eq!(info.start_time, Rational::ZERO);
}

/// Untagged SD video: BT.601 limited, like every player and the ffmpeg command.
#[test]
fn decoded_pixels_match_ffmpeg_for_untagged_bt601() {
    let dir = tmp();
    let clip = p(&dir, "sd.mp4");
    make_clip(
        &clip,
        "320x240",
        "24",
        "0.5",
        false,
        &["-pix_fmt", "yuv420p", "-c:v", "libx264", "-qp", "0"],
    );
    let mut r = VideoReader::open(&clip).unwrap();
    let first = r.next().unwrap().unwrap();
    assert!(matches!(first.frame.pixels(), Pixels::U8(_)));
    let ours = samples(&first.frame);
    let cli = cli_first_frame(&clip, "rgb24", None);
    let (mean, max) = diff(&ours, &cli);
    assert!(mean < 0.5 && max <= 4.0, "mean {mean} max {max}");
}

/// BT.709-tagged video decodes with the BT.709 matrix: close to the ffmpeg
/// command (which follows the tags) and clearly unlike a BT.601 reading.
#[test]
fn decoding_follows_the_bt709_matrix_tag() {
    let dir = tmp();
    let clip = p(&dir, "hd.mkv");
    make_clip(
        &clip,
        "320x240",
        "24",
        "0.5",
        false,
        &[
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-qp",
            "0",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-colorspace",
            "bt709",
        ],
    );
    let info = probe(&clip).unwrap();
    assert_eq!(
        (info.color.primaries, info.color.transfer, info.color.matrix),
        (1, 1, 1)
    );
    let ours = samples(
        &VideoReader::open(&clip)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .frame,
    );
    let cli = cli_first_frame(&clip, "rgb24", None);
    let (mean, max) = diff(&ours, &cli);
    assert!(
        mean < 0.5 && max <= 4.0,
        "vs bt709 reading: mean {mean} max {max}"
    );
    let as601 = cli_first_frame(&clip, "rgb24", Some("scale=in_color_matrix=bt601"));
    let (mean601, _) = diff(&ours, &as601);
    assert!(
        mean601 > 2.0,
        "a BT.601 reading should differ clearly, mean {mean601}"
    );
}

/// Full-range video (yuvj / tagged pc) keeps its range.
#[test]
fn decoding_follows_the_full_range_tag() {
    let dir = tmp();
    let clip = p(&dir, "full.mp4");
    make_clip(
        &clip,
        "320x240",
        "24",
        "0.5",
        false,
        &[
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-qp",
            "0",
            "-color_range",
            "pc",
        ],
    );
    assert_eq!(probe(&clip).unwrap().color.range, ColorRange::Full);
    let ours = samples(
        &VideoReader::open(&clip)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .frame,
    );
    let cli = cli_first_frame(&clip, "rgb24", None);
    let (mean, max) = diff(&ours, &cli);
    assert!(mean < 0.5 && max <= 4.0, "mean {mean} max {max}");
    let as_limited = cli_first_frame(&clip, "rgb24", Some("scale=in_range=tv"));
    assert!(
        diff(&ours, &as_limited).0 > 2.0,
        "a limited-range reading should differ clearly"
    );
}

#[test]
fn ten_bit_video_decodes_to_16_bit_frames() {
    let dir = tmp();
    let clip = p(&dir, "ten.mkv");
    make_clip(
        &clip,
        "320x240",
        "24",
        "0.5",
        false,
        &["-pix_fmt", "yuv420p10le", "-c:v", "libx264", "-qp", "0"],
    );
    let info = probe(&clip).unwrap();
    assert_eq!(
        (info.bit_depth, info.pixel_format.as_str()),
        (10, "yuv420p10le")
    );
    let first = VideoReader::open(&clip).unwrap().next().unwrap().unwrap();
    let Pixels::U16(v) = first.frame.pixels() else {
        panic!("10-bit must decode to U16")
    };
    assert!(v.iter().any(|&s| s > 65000), "full 16-bit range is used");
    let (mean, max) = diff(
        &samples(&first.frame),
        &cli_first_frame(&clip, "rgb48le", None),
    );
    assert!(mean < 0.5 && max <= 4.0, "mean {mean} max {max}");
}

#[test]
fn timestamps_are_exact_rationals_at_ntsc_rates() {
    let dir = tmp();
    let clip = p(&dir, "ntsc.mp4");
    make_clip(
        &clip,
        "64x48",
        "24000/1001",
        "1",
        false,
        &["-c:v", "libx264"],
    );
    let info = probe(&clip).unwrap();
    assert_eq!(info.frame_rate, Rational::new(24000, 1001));
    let times: Vec<Rational> = VideoReader::open(&clip)
        .unwrap()
        .map(|f| f.unwrap().time)
        .collect();
    assert_eq!(times.len(), 24);
    for (k, t) in times.iter().enumerate() {
        assert_eq!(*t, Rational::new(k as i64 * 1001, 24000), "frame {k}");
    }
}

/// Variable frame rate: the timestamps are reported as they are in the file.
#[test]
fn variable_frame_rate_timestamps_are_kept() {
    let dir = tmp();
    let clip = p(&dir, "vfr.mkv");
    // 10 frames 0.1 s apart, then frames 0.3 s apart.
    make_clip(
        &clip,
        "64x48",
        "10",
        "2",
        false,
        &[
            "-vf",
            "setpts='if(lt(N,10),N/10,1+(N-10)*3/10)/TB'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "ffv1",
        ],
    );
    let ours: Vec<Rational> = VideoReader::open(&clip)
        .unwrap()
        .map(|f| f.unwrap().time)
        .collect();
    assert_eq!(ours, ffprobe_frame_times(&clip));
    assert_eq!(ours[1].checked_sub(ours[0]), Some(Rational::new(1, 10)));
    assert_eq!(ours[11].checked_sub(ours[10]), Some(Rational::new(3, 10)));
}

#[test]
fn a_single_png_decodes_as_one_frame() {
    let dir = tmp();
    let png = p(&dir, "one.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=40x20",
        "-vf",
        "format=rgb24,crop=33:17:0:0",
        "-frames:v",
        "1",
        png.to_str().unwrap(),
    ]);
    let frames: Vec<_> = VideoReader::open(&png)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (frames[0].frame.width(), frames[0].frame.height()),
        (33, 17)
    );
    let (mean, _) = diff(
        &samples(&frames[0].frame),
        &cli_first_frame(&png, "rgb24", None),
    );
    assert!(mean < 0.01, "RGB input passes unchanged, mean {mean}");
}

#[test]
fn an_image_sequence_pattern_decodes() {
    let dir = tmp();
    let pattern = p(&dir, "f%03d.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=32x24:rate=5",
        "-frames:v",
        "4",
        pattern.to_str().unwrap(),
    ]);
    let frames: Vec<_> = VideoReader::open(&pattern)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(frames.len(), 4);
}

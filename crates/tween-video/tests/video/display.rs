//! What players show must survive a re-encode: display rotation, sample
//! aspect ratio, font attachments, audio longer than the video; interlaced
//! input is detected and can be deinterlaced.

use crate::helpers::*;
use crate::passthrough::reencode;
use std::path::Path;
use tween_core::{Frame, Pixels, Rational};
use tween_video::{
    probe, EncodeSettings, FieldOrder, Passthrough, ReadOptions, VideoReader, VideoWriter,
};

fn video(j: &serde_json::Value) -> &serde_json::Value {
    streams(j, "video")[0]
}

/// The rotation ffprobe reads from the video stream's display matrix.
fn rotation(path: &Path) -> Option<f64> {
    let j = ffprobe(path);
    video(&j)["side_data_list"]
        .as_array()?
        .iter()
        .find(|s| s["side_data_type"] == "Display Matrix")
        .map(|s| s["rotation"].as_f64().unwrap())
}

/// Writes every frame of `src`, scaled ×2 by pixel repetition (as an upscale
/// changes the size), into `out` with `src` as the passthrough source.
fn write_doubled(src: &Path, out: &Path) {
    let reader = VideoReader::open(src).unwrap();
    let info = reader.info().clone();
    let s = EncodeSettings {
        preset: Some("ultrafast".into()),
        ..EncodeSettings::new(info.width * 2, info.height * 2, info.frame_rate)
    };
    let pass = Passthrough {
        source: src.to_path_buf(),
        video_start: Rational::ZERO,
    };
    let mut w = VideoWriter::create(out, &s, Some(pass)).unwrap();
    for f in reader {
        let f = f.unwrap().frame;
        let (w0, h0) = (f.width() as usize, f.height() as usize);
        let Pixels::U8(px) = f.pixels() else {
            panic!("8-bit source")
        };
        let mut big = vec![0u8; w0 * h0 * 12];
        for y in 0..h0 * 2 {
            for x in 0..w0 * 2 {
                let src_i = ((y / 2) * w0 + x / 2) * 3;
                let dst_i = (y * w0 * 2 + x) * 3;
                big[dst_i..dst_i + 3].copy_from_slice(&px[src_i..src_i + 3]);
            }
        }
        w.write(&Frame::from_u8(f.width() * 2, f.height() * 2, big))
            .unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn display_rotation_is_kept_also_when_the_size_changes() {
    let d = tmp();
    let plain = p(&d, "plain.mp4");
    make_clip(&plain, "64x48", "25", "0.4", false, &["-c:v", "libx264"]);
    // A phone video: the picture is shown turned by 90°.
    let phone = p(&d, "phone.mp4");
    ffmpeg(&[
        "-i",
        plain.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v",
        "rotate=90",
        phone.to_str().unwrap(),
    ]);
    let want = rotation(&phone).expect("the input has a display matrix");
    assert_eq!(probe(&phone).unwrap().rotation, Some(want));
    for name in ["same.mp4", "same.mov"] {
        let out = p(&d, name);
        reencode(&phone, &out, Rational::ZERO).unwrap();
        assert_eq!(rotation(&out), Some(want), "{name}");
    }
    let big = p(&d, "big.mp4");
    write_doubled(&phone, &big);
    let j = ffprobe(&big);
    assert_eq!(video(&j)["width"], 128);
    assert_eq!(rotation(&big), Some(want));
    // A plain source gets no rotation.
    let out = p(&d, "unrotated.mp4");
    reencode(&plain, &out, Rational::ZERO).unwrap();
    assert_eq!(rotation(&out), None);
}

#[test]
fn sample_aspect_ratio_is_kept_in_the_stream_and_the_bitstream() {
    let d = tmp();
    // 64x48 storage shown as 16:9: pixels 4:3 wide (a DVD-style anamorphic frame).
    for (src_name, out_name) in [("wide.mkv", "out.mkv"), ("wide.mp4", "out.mp4")] {
        let src = p(&d, src_name);
        make_clip(
            &src,
            "64x48",
            "25",
            "0.4",
            false,
            &["-c:v", "libx264", "-aspect", "16:9"],
        );
        assert_eq!(
            probe(&src).unwrap().sample_aspect_ratio,
            Some(Rational::new(4, 3))
        );
        let out = p(&d, out_name);
        reencode(&src, &out, Rational::ZERO).unwrap();
        let j = ffprobe(&out);
        assert_eq!(video(&j)["sample_aspect_ratio"], "4:3", "{out_name}");
        assert_eq!(video(&j)["display_aspect_ratio"], "16:9", "{out_name}");
        // The H.264 VUI says so too: the raw stream, without its container.
        let raw = p(&d, "raw.h264");
        ffmpeg(&[
            "-i",
            out.to_str().unwrap(),
            "-c",
            "copy",
            "-f",
            "h264",
            raw.to_str().unwrap(),
        ]);
        assert_eq!(video(&ffprobe(&raw))["sample_aspect_ratio"], "4:3");
    }
}

#[test]
fn font_attachments_go_to_mkv_outputs() {
    let d = tmp();
    let plain = p(&d, "plain.mkv");
    make_clip(&plain, "64x48", "25", "0.4", false, &["-c:v", "libx264"]);
    let font = p(&d, "Subtitle Font.ttf");
    let bytes: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&font, &bytes).unwrap();
    let src = p(&d, "fonts.mkv");
    ffmpeg(&[
        "-i",
        plain.to_str().unwrap(),
        "-attach",
        font.to_str().unwrap(),
        "-metadata:s:t",
        "mimetype=application/x-truetype-font",
        "-c",
        "copy",
        src.to_str().unwrap(),
    ]);
    let out = p(&d, "out.mkv");
    reencode(&src, &out, Rational::ZERO).unwrap();
    let j = ffprobe(&out);
    let att = streams(&j, "attachment");
    assert_eq!(att.len(), 1, "{j}");
    assert_eq!(att[0]["tags"]["filename"], "Subtitle Font.ttf");
    assert_eq!(att[0]["tags"]["mimetype"], "application/x-truetype-font");
    // The font itself, byte for byte.
    let dumped = p(&d, "dumped.ttf");
    let _ = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-dump_attachment:t:0"])
        .arg(&dumped)
        .arg("-i")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(std::fs::read(&dumped).unwrap(), bytes);
    // An mp4 cannot hold it: left out, the video still written.
    let mp4 = p(&d, "out.mp4");
    reencode(&src, &mp4, Rational::ZERO).unwrap();
    assert!(streams(&ffprobe(&mp4), "attachment").is_empty());
}

#[test]
fn audio_longer_than_the_video_is_kept_whole() {
    let d = tmp();
    let src = p(&d, "long_audio.mkv");
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
        src.to_str().unwrap(),
    ]);
    for name in ["out.mkv", "out.mp4"] {
        let out = p(&d, name);
        assert_eq!(reencode(&src, &out, Rational::ZERO).unwrap(), 50);
        let probe_json = ffprobe_packets_end(&out, "a:0");
        assert!(
            (probe_json - 3.0).abs() < 0.05,
            "{name}: the audio ends at {probe_json} s"
        );
        let v = ffprobe_packets_end(&out, "v:0");
        assert!((v - 2.0).abs() < 0.05, "{name}: the video ends at {v} s");
    }
}

/// Where the last packet of a stream ends, seconds (pts + duration).
fn ffprobe_packets_end(path: &Path, stream: &str) -> f64 {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-of", "csv=p=0", "-select_streams", stream])
        .args(["-show_entries", "packet=pts_time,duration_time"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split(',');
            let pts: f64 = it.next()?.parse().ok()?;
            let dur: f64 = it.next()?.parse().ok()?;
            Some(pts + dur)
        })
        .fold(0.0, f64::max)
}

#[test]
fn interlaced_input_is_detected_and_deinterlaced_on_request() {
    let d = tmp();
    // 50 progressive frames per second, then woven into 25 interlaced
    // frames, top field first (the top field from even frames).
    let p50 = p(&d, "p50.mkv");
    // Fast motion (8 % of the width per frame), as in sport footage.
    make_clip(
        &p50,
        "128x96",
        "50",
        "1",
        false,
        &[
            "-vf",
            "scroll=horizontal=0.08",
            "-c:v",
            "ffv1",
            "-pix_fmt",
            "yuv444p",
        ],
    );
    let src = p(&d, "interlaced.mkv");
    ffmpeg(&[
        "-i",
        p50.to_str().unwrap(),
        "-vf",
        "tinterlace=mode=interleave_top,setfield=tff",
        "-c:v",
        "ffv1",
        "-field_order",
        "tt",
        src.to_str().unwrap(),
    ]);
    let info = probe(&src).unwrap();
    assert_eq!(info.field_order, FieldOrder::TopFirst);
    assert!(info.field_order.is_interlaced());
    let woven: Vec<_> = VideoReader::open(&src)
        .unwrap()
        .map(|f| f.unwrap())
        .collect();
    let reader = VideoReader::open_with(&src, ReadOptions { deinterlace: true }).unwrap();
    assert_eq!(reader.info().field_order, FieldOrder::Progressive);
    let clean: Vec<_> = reader.map(|f| f.unwrap()).collect();
    assert_eq!(clean.len(), woven.len(), "one frame per frame");
    let times = |v: &[tween_video::TimedFrame]| v.iter().map(|f| f.time).collect::<Vec<_>>();
    assert_eq!(times(&clean), times(&woven));
    // Against the progressive frame the top field came from: the woven
    // frame has the next moment's lines in between, the deinterlaced one
    // lines interpolated from the top field.
    let truth: Vec<_> = VideoReader::open(&p50)
        .unwrap()
        .map(|f| f.unwrap())
        .collect();
    let (k, t) = (5, &truth[10].frame);
    let (woven_err, _) = diff(&samples(&woven[k].frame), &samples(t));
    let (clean_err, _) = diff(&samples(&clean[k].frame), &samples(t));
    assert!(
        clean_err < woven_err / 2.0,
        "mean error {woven_err:.2} woven, {clean_err:.2} deinterlaced"
    );
    // A progressive file says so.
    let prog = p(&d, "progressive.mkv");
    make_clip(&prog, "64x48", "25", "0.2", false, &["-c:v", "ffv1"]);
    assert!(!probe(&prog).unwrap().field_order.is_interlaced());
}

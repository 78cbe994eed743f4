//! Audio and subtitle passthrough: copied or converted, in sync, with the
//! right duration.

use crate::helpers::*;
use std::path::Path;
use tween_core::Rational;
use tween_video::{EncodeSettings, Passthrough, VideoError, VideoReader, VideoWriter};

/// Re-encodes the video frames of `src` from `start` seconds on into `out`,
/// passing the other streams through.
pub(crate) fn reencode(src: &Path, out: &Path, start: Rational) -> Result<u64, VideoError> {
    let reader = VideoReader::open(src)?;
    let info = reader.info().clone();
    let s = EncodeSettings {
        preset: Some("ultrafast".into()),
        ..EncodeSettings::new(info.width, info.height, info.frame_rate)
    };
    let mut w = VideoWriter::create(
        out,
        &s,
        Some(Passthrough {
            source: src.to_path_buf(),
            video_start: start,
        }),
    )?;
    for f in reader {
        let f = f?;
        if f.time >= start {
            w.write(&f.frame)?;
        }
    }
    let n = w.frames_written();
    w.finish()?;
    Ok(n)
}

fn audio_start_and_duration(j: &serde_json::Value) -> (f64, f64) {
    let a = streams(j, "audio")[0];
    (num(&a["start_time"]), num(&a["duration"]))
}

#[test]
fn aac_audio_is_copied_in_sync_and_the_duration_kept() {
    let dir = tmp();
    let src = p(&dir, "src.mp4");
    make_clip(
        &src,
        "160x120",
        "24",
        "2",
        true,
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
    );
    let out = p(&dir, ".out.partial-7.mp4");
    assert_eq!(reencode(&src, &out, Rational::ZERO).unwrap(), 48);
    let (i, o) = (ffprobe(&src), ffprobe(&out));
    let a = streams(&o, "audio");
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["codec_name"], "aac");
    let (d_in, d_out) = (num(&i["format"]["duration"]), num(&o["format"]["duration"]));
    assert!(
        (d_in - d_out).abs() <= 1.0 / 24.0,
        "duration in {d_in} out {d_out}"
    );
    let (s_in, _) = audio_start_and_duration(&i);
    let (s_out, _) = audio_start_and_duration(&o);
    let v_in = num(&streams(&i, "video")[0]["start_time"]);
    let v_out = num(&streams(&o, "video")[0]["start_time"]);
    assert!(
        ((s_out - v_out) - (s_in - v_in)).abs() < 0.002,
        "A/V offset in {} out {}",
        s_in - v_in,
        s_out - v_out
    );
    assert_eq!(streams(&o, "video")[0]["avg_frame_rate"], "24/1");
}

/// Starting the output 1 s into the source: audio is shifted with the video.
#[test]
fn a_later_video_start_shifts_the_audio_with_it() {
    let dir = tmp();
    let src = p(&dir, "src.mkv");
    make_clip(
        &src,
        "160x120",
        "24",
        "2",
        true,
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "libopus"],
    );
    let out = p(&dir, "late.mkv");
    let n = reencode(&src, &out, Rational::ONE).unwrap();
    assert_eq!(n, 24);
    let o = ffprobe(&out);
    let d = num(&o["format"]["duration"]);
    assert!((d - 1.0).abs() <= 1.0 / 24.0 + 0.01, "duration {d}");
    let a = streams(&o, "audio")[0];
    assert_eq!(a["codec_name"], "opus");
    let s = num(&a["start_time"]);
    assert!(s.abs() < 0.03, "audio starts with the video, at {s}");
}

/// PCM audio and SubRip subtitles cannot go into MP4 as they are: they are
/// converted to AAC and mov_text.
#[test]
fn pcm_and_subrip_are_converted_for_mp4() {
    let dir = tmp();
    let srt = p(&dir, "subs.srt");
    std::fs::write(
        &srt,
        "1\n00:00:00,500 --> 00:00:01,200\nHello\n\n2\n00:00:01,300 --> 00:00:01,900\nWorld\n",
    )
    .unwrap();
    let src = p(&dir, "src.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100",
        "-i",
        srt.to_str().unwrap(),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-map",
        "2:s",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "pcm_s16le",
        "-c:s",
        "srt",
        src.to_str().unwrap(),
    ]);
    let out = p(&dir, "conv.mp4");
    reencode(&src, &out, Rational::ZERO).unwrap();
    let o = ffprobe(&out);
    assert_eq!(streams(&o, "audio")[0]["codec_name"], "aac");
    assert_eq!(streams(&o, "subtitle")[0]["codec_name"], "mov_text");
    let d = num(&o["format"]["duration"]);
    assert!((d - 2.0).abs() <= 1.0 / 25.0 + 0.03, "duration {d}");
    let (s, ad) = audio_start_and_duration(&o);
    assert!(
        s.abs() < 0.03 && (ad - 2.0).abs() < 0.07,
        "audio start {s} duration {ad}"
    );
    // The subtitle text and timing survive.
    let text = String::from_utf8(ffmpeg_stdout(&[
        "-i",
        out.to_str().unwrap(),
        "-map",
        "0:s",
        "-f",
        "srt",
        "-",
    ]))
    .unwrap();
    assert!(text.contains("Hello") && text.contains("World"), "{text}");
    assert!(text.contains("00:00:00,500 --> 00:00:01,200"), "{text}");
}

/// Subtitles stay as they are in MKV.
#[test]
fn subtitles_are_copied_into_mkv() {
    let dir = tmp();
    let srt = p(&dir, "subs.srt");
    std::fs::write(&srt, "1\n00:00:00,200 --> 00:00:00,800\nHi\n").unwrap();
    let src = p(&dir, "src.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48:rate=25",
        "-i",
        srt.to_str().unwrap(),
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:s",
        "srt",
        src.to_str().unwrap(),
    ]);
    let out = p(&dir, "copy.mkv");
    reencode(&src, &out, Rational::ZERO).unwrap();
    let o = ffprobe(&out);
    assert_eq!(streams(&o, "subtitle")[0]["codec_name"], "subrip");
    assert!(streams(&o, "audio").is_empty());
}

#[test]
fn no_audio_in_means_no_audio_out() {
    let dir = tmp();
    let src = p(&dir, "silent.mp4");
    make_clip(
        &src,
        "64x48",
        "24",
        "1",
        false,
        &["-c:v", "libx264", "-preset", "ultrafast"],
    );
    let out = p(&dir, "silent-out.mp4");
    reencode(&src, &out, Rational::ZERO).unwrap();
    let o = ffprobe(&out);
    assert_eq!(o["streams"].as_array().unwrap().len(), 1);
}

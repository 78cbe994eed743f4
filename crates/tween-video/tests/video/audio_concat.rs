//! One audio track concatenated from segments of several files
//! (`AudioPlan::Concat` and `AudioPlan::Cued`): where each tone lands, the
//! silences, the total length, the codec per container, the channel layout.
//! The output is decoded back by the ffmpeg command to 48 kHz mono PCM and
//! measured per window: RMS (tone or silence) and zero crossings (frequency).

use crate::helpers::*;
use std::path::Path;
use tween_core::{Frame, Rational};
use tween_video::{AudioPlan, AudioSegment, EncodeSettings, VideoError, VideoWriter};

const RATE: f64 = 48_000.0;

/// A 160x120 testsrc2 clip of `secs` seconds at 25 fps with the audio of
/// the lavfi source `audio` (none if `None`), encoded with `acodec`.
fn clip(path: &Path, secs: &str, audio: Option<&str>, acodec: &str) {
    let mut args = vec!["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25"];
    if let Some(a) = audio {
        args.extend(["-f", "lavfi", "-i", a, "-c:a", acodec]);
    }
    args.extend(["-t", secs, "-c:v", "libx264", "-preset", "ultrafast"]);
    args.push(path.to_str().unwrap());
    ffmpeg(&args);
}

/// The first audio stream of `path` as 48 kHz mono f32 samples.
fn pcm(path: &Path) -> Vec<f32> {
    let raw = ffmpeg_stdout(&[
        "-i",
        path.to_str().unwrap(),
        "-map",
        "0:a:0",
        "-ac",
        "1",
        "-ar",
        "48000",
        "-f",
        "f32le",
        "-",
    ]);
    raw.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn window(pcm: &[f32], t0: f64, t1: f64) -> &[f32] {
    let a = ((t0 * RATE) as usize).min(pcm.len());
    let b = ((t1 * RATE) as usize).min(pcm.len());
    &pcm[a..b]
}

fn rms(w: &[f32]) -> f64 {
    (w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len().max(1) as f64).sqrt()
}

/// Frequency from the zero crossings of a window (a pure tone crosses twice per period).
fn freq(w: &[f32]) -> f64 {
    let crossings = w
        .windows(2)
        .filter(|p| (p[0] < 0.0) != (p[1] < 0.0))
        .count();
    crossings as f64 / 2.0 / (w.len() as f64 / RATE)
}

/// `t0..t1` holds a tone of `hz` (±2 %), loud throughout (every 50 ms slice).
fn assert_tone(pcm: &[f32], t0: f64, t1: f64, hz: f64) {
    let w = window(pcm, t0, t1);
    assert!(
        !w.is_empty(),
        "{t0}..{t1}: past the end ({} s)",
        pcm.len() as f64 / RATE
    );
    let f = freq(w);
    assert!(
        (f - hz).abs() < hz * 0.02,
        "{t0}..{t1}: {f:.1} Hz, wanted {hz}"
    );
    for s in w.chunks(2400) {
        assert!(rms(s) > 0.03, "{t0}..{t1}: a quiet slice (RMS {})", rms(s));
    }
}

fn assert_silent(pcm: &[f32], t0: f64, t1: f64) {
    let w = window(pcm, t0, t1);
    assert!(!w.is_empty(), "{t0}..{t1}: past the end");
    let r = rms(w);
    assert!(r < 0.002, "{t0}..{t1}: RMS {r}, wanted silence");
}

/// Time of the first sample after `after` louder than a tenth of the tone's peak.
fn onset(pcm: &[f32], after: f64) -> f64 {
    let i = (after * RATE) as usize;
    let k = pcm[i..]
        .iter()
        .position(|x| x.abs() > 0.012)
        .expect("a tone after that time");
    (i + k) as f64 / RATE
}

/// Time just after the last sample in `t0..t1` louder than a tenth of the tone's peak.
fn offset(pcm: &[f32], t0: f64, t1: f64) -> f64 {
    let i = (t0 * RATE) as usize;
    let k = window(pcm, t0, t1)
        .iter()
        .rposition(|x| x.abs() > 0.012)
        .expect("a tone in that range");
    (i + k + 1) as f64 / RATE
}

fn settings(rate: i64, codec: &str) -> EncodeSettings {
    EncodeSettings {
        codec: codec.into(),
        preset: Some(if codec == "libx264" { "ultrafast" } else { "8" }.into()),
        ..EncodeSettings::new(64, 48, Rational::from_int(rate))
    }
}

fn grey() -> Frame {
    Frame::from_u8(64, 48, vec![128; 64 * 48 * 3])
}

fn write_frames(w: &mut VideoWriter, n: usize) {
    for _ in 0..n {
        w.write(&grey()).unwrap();
    }
}

fn audio_stream(path: &Path) -> serde_json::Value {
    let j = ffprobe(path);
    let a = streams(&j, "audio");
    assert_eq!(a.len(), 1, "one audio stream");
    a[0].clone()
}

/// Source A: stereo, 440 Hz for its first second, 660 Hz after (AAC in MP4).
/// Source B: mono 880 Hz at 44.1 kHz (Opus in Matroska).
/// Source N: no audio.
fn sources(
    dir: &tempfile::TempDir,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (a, b, n) = (p(dir, "a.mp4"), p(dir, "b.mkv"), p(dir, "n.mp4"));
    let expr = "aevalsrc=0.125*sin(2*PI*if(lt(t\\,1)\\,440\\,660)*t)|0.125*sin(2*PI*if(lt(t\\,1)\\,440\\,660)*t):s=48000";
    clip(&a, "3", Some(expr), "aac");
    clip(
        &b,
        "2",
        Some("sine=frequency=880:sample_rate=44100"),
        "libopus",
    );
    clip(&n, "1", None, "");
    (a, b, n)
}

/// Fixed segments: A from 1 s (so 660 Hz, not 440), silence, a file without
/// audio, then B from 0.5 s for 2 s although only 1.5 s remain (padded).
#[test]
fn fixed_segments_land_where_planned_with_silence_between() {
    let dir = tmp();
    let (a, b, n) = sources(&dir);
    let seg = |src: Option<&Path>, from: Rational, dur: Rational| AudioSegment {
        source: src.map(Path::to_path_buf),
        from,
        duration: dur,
    };
    let half = Rational::new(1, 2);
    let plan = AudioPlan::Concat(vec![
        seg(Some(&a), Rational::ONE, Rational::ONE),
        AudioSegment::silence(half),
        seg(Some(&n), Rational::ZERO, half),
        seg(Some(&b), half, Rational::from_int(2)),
    ]);
    let out = p(&dir, "out.mp4");
    let mut w = VideoWriter::create_with_audio(&out, &settings(25, "libx264"), plan).unwrap();
    write_frames(&mut w, 100); // 4 s
                               // Fixed segments cannot be re-cued.
    assert!(matches!(
        w.start_audio_segment(None, Rational::ZERO),
        Err(VideoError::Settings { .. })
    ));
    w.finish().unwrap();

    let s = audio_stream(&out);
    assert_eq!(s["codec_name"], "aac");
    assert_eq!(s["channels"], 2, "stereo: source A is stereo");
    assert_eq!(s["sample_rate"], "48000");
    let d = num(&s["duration"]);
    assert!((d - 4.0).abs() <= 0.04, "audio duration {d}, video 4 s");
    let pcm = pcm(&out);
    let len = pcm.len() as f64 / RATE;
    assert!((len - 4.0).abs() <= 0.04, "decoded audio {len} s");
    assert_tone(&pcm, 0.03, 0.97, 660.0);
    assert_silent(&pcm, 1.04, 1.96);
    assert_tone(&pcm, 2.03, 3.47, 880.0);
    assert_silent(&pcm, 3.54, 3.98);
    // Onsets to within 5 ms: the tone starts at 0 and B starts at 2 s.
    let first = onset(&pcm, 0.0);
    assert!(first < 0.002, "A starts at {first}");
    let second = onset(&pcm, 1.5);
    assert!((second - 2.0).abs() < 0.002, "B starts at {second}");
    // …and A is cut at 1 s, B ends where its source ends (0.5 s + 1.5 s).
    let a_end = offset(&pcm, 0.5, 1.5);
    assert!((a_end - 1.0).abs() < 0.002, "A ends at {a_end}");
    let b_end = offset(&pcm, 3.0, 4.0);
    assert!((b_end - 3.5).abs() < 0.002, "B ends at {b_end}");
}

/// Cued segments follow the frames written: B under 30 frames at 24 fps,
/// silence under 6, A (from 0: 440 Hz) under 24. WebM gets Opus.
#[test]
fn cued_segments_start_under_the_next_frame_and_webm_gets_opus() {
    let dir = tmp();
    let (a, b, _) = sources(&dir);
    let plan = AudioPlan::Cued(vec![a.clone(), b.clone()]);
    let out = p(&dir, "out.webm");
    let mut w = VideoWriter::create_with_audio(&out, &settings(24, "vp9"), plan).unwrap();
    w.start_audio_segment(Some(&b), Rational::ZERO).unwrap();
    write_frames(&mut w, 30);
    w.start_audio_segment(None, Rational::ZERO).unwrap();
    write_frames(&mut w, 6);
    w.start_audio_segment(Some(&a), Rational::ZERO).unwrap();
    write_frames(&mut w, 24);
    w.finish().unwrap();

    let s = audio_stream(&out);
    assert_eq!(s["codec_name"], "opus");
    let pcm = pcm(&out);
    let len = pcm.len() as f64 / RATE;
    assert!(
        (len - 2.5).abs() <= 1.0 / 24.0,
        "decoded audio {len} s, video 2.5 s"
    );
    assert_tone(&pcm, 0.03, 1.22, 880.0);
    assert_silent(&pcm, 1.28, 1.47);
    assert_tone(&pcm, 1.53, 2.47, 440.0);
    let second = onset(&pcm, 1.3);
    assert!((second - 1.5).abs() < 0.002, "A starts at {second}");
    let b_end = offset(&pcm, 1.0, 1.4);
    assert!((b_end - 1.25).abs() < 0.002, "B ends at {b_end}");
}

/// No source with audio: no audio stream at all. Only mono sources: mono.
#[test]
fn no_audio_means_no_stream_and_mono_sources_stay_mono() {
    let dir = tmp();
    let (_, b, n) = sources(&dir);
    let silent = p(&dir, "silent.mkv");
    let plan = AudioPlan::Concat(vec![
        AudioSegment {
            source: Some(n.clone()),
            from: Rational::ZERO,
            duration: Rational::ONE,
        },
        AudioSegment::silence(Rational::ONE),
    ]);
    let mut w = VideoWriter::create_with_audio(&silent, &settings(25, "libx264"), plan).unwrap();
    write_frames(&mut w, 50);
    w.start_audio_segment(None, Rational::ZERO).unwrap(); // no track: nothing to do
    w.finish().unwrap();
    assert!(streams(&ffprobe(&silent), "audio").is_empty());

    let mono = p(&dir, "mono.mkv");
    let plan = AudioPlan::Cued(vec![n, b.clone()]);
    let mut w = VideoWriter::create_with_audio(&mono, &settings(25, "libx264"), plan).unwrap();
    w.start_audio_segment(Some(&b), Rational::ZERO).unwrap();
    write_frames(&mut w, 25);
    w.finish().unwrap();
    let s = audio_stream(&mono);
    assert_eq!(s["codec_name"], "aac");
    assert_eq!(s["channels"], 1);
    let pcm = pcm(&mono);
    assert_tone(&pcm, 0.03, 0.97, 880.0);
}

/// A segment naming a missing file fails before anything is written, naming it.
#[test]
fn a_missing_source_is_named() {
    let dir = tmp();
    let gone = p(&dir, "gone.mp4");
    let out = p(&dir, "out.mp4");
    let plan = AudioPlan::Concat(vec![AudioSegment {
        source: Some(gone.clone()),
        from: Rational::ZERO,
        duration: Rational::ONE,
    }]);
    let err = VideoWriter::create_with_audio(&out, &settings(25, "libx264"), plan)
        .err()
        .expect("a missing source is an error");
    assert!(
        matches!(&err, VideoError::NotFound { path } if *path == gone),
        "{err}"
    );
    assert!(!out.exists(), "no half-written output");
}

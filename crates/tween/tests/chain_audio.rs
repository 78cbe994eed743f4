//! `tween chain` keeps the clips' audio: each clip's audio under its frames,
//! silence under the transitions and under clips without audio, the track as
//! long as the video. The output's audio is decoded back by the ffmpeg CLI
//! and measured per window: RMS (tone or silence), zero crossings (frequency)
//! and where the tones start and stop.

mod helpers;

use helpers::*;

const RATE: f64 = 48_000.0;

fn window(pcm: &[f32], t0: f64, t1: f64) -> &[f32] {
    let a = ((t0 * RATE) as usize).min(pcm.len());
    let b = ((t1 * RATE) as usize).min(pcm.len());
    &pcm[a..b]
}

fn rms(w: &[f32]) -> f64 {
    (w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / w.len().max(1) as f64).sqrt()
}

/// A pure tone crosses zero twice per period.
fn freq(w: &[f32]) -> f64 {
    let crossings = w
        .windows(2)
        .filter(|p| (p[0] < 0.0) != (p[1] < 0.0))
        .count();
    crossings as f64 / 2.0 / (w.len() as f64 / RATE)
}

fn assert_tone(pcm: &[f32], t0: f64, t1: f64, hz: f64) {
    let w = window(pcm, t0, t1);
    assert!(w.len() > 2400, "{t0}..{t1}: past the end");
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
    assert!(w.len() > 2400, "{t0}..{t1}: past the end");
    let r = rms(w);
    assert!(r < 0.002, "{t0}..{t1}: RMS {r}, wanted silence");
}

/// Time of the first sample in `t0..t1` louder than a tenth of the tone's peak.
fn onset(pcm: &[f32], t0: f64, t1: f64) -> f64 {
    let k = window(pcm, t0, t1)
        .iter()
        .position(|x| x.abs() > 0.012)
        .unwrap_or_else(|| panic!("no tone in {t0}..{t1}"));
    t0 + k as f64 / RATE
}

/// Time just after the last sample in `t0..t1` louder than that.
fn offset(pcm: &[f32], t0: f64, t1: f64) -> f64 {
    let k = window(pcm, t0, t1)
        .iter()
        .rposition(|x| x.abs() > 0.012)
        .unwrap_or_else(|| panic!("no tone in {t0}..{t1}"));
    t0 + (k + 1) as f64 / RATE
}

/// A (440 Hz, 25 fps, 2 s), B (no audio, 25 fps, 1 s), C (880 Hz, 30 fps,
/// 1.5 s, resampled to 25 fps): 2^2 − 1 = 3 transition frames at each join.
#[test]
fn chain_puts_each_clips_audio_under_its_frames_and_silence_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let a = tone_clip(dir.path(), "a.mp4", "128x72", "25", "2", 440);
    let b = make_clip(dir.path(), "b.mp4", "128x72", "25", "1", false, &[]);
    let c = tone_clip(dir.path(), "c.mp4", "128x72", "30", "1.5", 880);
    let out = dir.path().join("chain.mp4");
    let o = run_tween(&[
        "chain",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        c.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--passes",
        "2",
        "--model",
        "blend",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let p = probe(&out);
    assert_eq!(count_type(&p, "audio"), 1, "one audio stream");
    let total = frames(&p);
    let c_frames = total - 50 - 3 - 25 - 3;
    assert!(
        (37..=38).contains(&c_frames),
        "C has {c_frames} frames at 25 fps"
    );
    let frame = 1.0 / 25.0;
    let video_secs = total as f64 * frame;
    let audio = p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .unwrap();
    let audio_secs = stream_duration(audio);
    assert!(
        (audio_secs - video_secs).abs() <= frame,
        "audio {audio_secs} s, video {video_secs} s"
    );
    let pcm = audio_pcm_mono(&out);
    let decoded = pcm.len() as f64 / RATE;
    assert!(
        (decoded - video_secs).abs() <= frame,
        "decoded audio {decoded} s, video {video_secs} s"
    );

    // Where things are in the output: A [0, 2), transition [2, 2.12),
    // B [2.12, 3.12), transition [3.12, 3.24), C [3.24, end).
    let c_start = 81.0 * frame;
    assert_tone(&pcm, 0.03, 1.97, 440.0);
    assert_silent(&pcm, 2.02, c_start - 0.02);
    assert_tone(&pcm, c_start + 0.03, video_secs - 0.03, 880.0);
    // A's tone starts at 0 and stops where its frames stop; C's starts under
    // its first frame (to a couple of milliseconds, well within one frame).
    let a_on = onset(&pcm, 0.0, 1.0);
    assert!(a_on < 0.002, "A's tone starts at {a_on}");
    let a_off = offset(&pcm, 1.0, 3.0);
    assert!((a_off - 2.0).abs() < 0.005, "A's tone stops at {a_off}");
    let c_on = onset(&pcm, 2.5, video_secs);
    assert!(
        (c_on - c_start).abs() < 0.005,
        "C's tone starts at {c_on}, its first frame at {c_start}"
    );
}

/// Clips without audio: no audio stream at all.
#[test]
fn chain_of_clips_without_audio_has_no_audio_stream() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_clip(dir.path(), "a.mp4", "128x72", "25", "0.4", false, &[]);
    let b = make_clip(dir.path(), "b.mp4", "128x72", "25", "0.4", false, &[]);
    let out = dir.path().join("chain.mp4");
    let o = run_tween(&[
        "chain",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        "blend",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = probe(&out);
    assert_eq!(count_type(&p, "audio"), 0);
    assert_eq!(frames(&p), 10 + 3 + 10);
}

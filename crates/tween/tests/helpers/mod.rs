//! Helpers shared by the CLI tests: make inputs with the ffmpeg CLI, run the
//! tween binary, read outputs back with ffprobe.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tween() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tween"))
}

/// Runs tween with `args`, returning its output.
pub fn run_tween(args: &[&str]) -> Output {
    tween().args(args).output().expect("tween runs")
}

/// Runs the ffmpeg CLI quietly; panics if it fails (test set-up).
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test clip: testsrc2 picture, optional sine audio, libx264 unless `extra` says otherwise.
pub fn make_clip(
    dir: &Path,
    name: &str,
    size: &str,
    rate: &str,
    seconds: &str,
    audio: bool,
    extra: &[&str],
) -> PathBuf {
    let path = dir.join(name);
    let src = format!("testsrc2=size={size}:rate={rate}");
    let mut args: Vec<&str> = vec!["-f", "lavfi", "-i", &src];
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    args.extend(["-t", seconds]);
    let has_codec = extra.contains(&"-c:v");
    if !has_codec {
        args.extend([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ]);
    }
    args.extend(extra);
    if audio {
        args.extend(["-c:a", "aac", "-shortest"]);
    }
    let p = path.to_str().unwrap().to_string();
    args.push(&p);
    ffmpeg(&args);
    path
}

/// ffprobe's JSON for streams and format.
pub fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
            "-count_frames",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn video_stream(p: &serde_json::Value) -> &serde_json::Value {
    p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .expect("a video stream")
}

pub fn count_type(p: &serde_json::Value, kind: &str) -> usize {
    p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == kind)
        .count()
}

pub fn frames(p: &serde_json::Value) -> u64 {
    video_stream(p)["nb_read_frames"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

pub fn duration(p: &serde_json::Value) -> f64 {
    p["format"]["duration"].as_str().unwrap().parse().unwrap()
}

pub fn stream_duration(s: &serde_json::Value) -> f64 {
    s["duration"]
        .as_str()
        .map(|d| d.parse().unwrap())
        .unwrap_or(f64::NAN)
}

/// Files in `dir` (names), to prove nothing partial was left behind.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The shared conformance data (`$TWEEN_CONFORMANCE_DIR`, else
/// `<repo>/../shared/conformance`): seeded random RIFE and ESRGAN weights.
pub fn conformance_dir() -> PathBuf {
    std::env::var_os("TWEEN_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
        })
}

/// A conformance weight file, e.g. `rife_v4.25/flownet.pkl`; panics if absent.
pub fn weights(rel: &str) -> PathBuf {
    let p = conformance_dir().join("weights").join(rel);
    assert!(
        p.is_file(),
        "{} not found (set TWEEN_CONFORMANCE_DIR)",
        p.display()
    );
    p
}

/// Frame `index` (0-based, decode order = presentation order for our clips)
/// of a video or image as packed RGB24, decoded by the ffmpeg CLI.
pub fn rgb_frame(path: &Path, index: u64) -> Vec<u8> {
    let select = format!("select=eq(n\\,{index})");
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-vf",
            &select,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            // tween-video's conversion: exact chroma interpolation.
            "-sws_flags",
            "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "ffmpeg frame {index} of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Mean absolute difference of two equally long sample buffers.
pub fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "buffers differ in length");
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as i64 - y as i64).unsigned_abs())
        .sum();
    sum as f64 / a.len() as f64
}

/// A solid-colour clip (`color` as FFmpeg names it), no audio.
pub fn solid_clip(
    dir: &Path,
    name: &str,
    color: &str,
    size: &str,
    rate: &str,
    frames: u32,
) -> PathBuf {
    let path = dir.join(name);
    let src = format!("color=c={color}:size={size}:rate={rate}");
    let n = frames.to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &src,
        "-frames:v",
        &n,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-qp",
        "0",
        "-pix_fmt",
        "yuv444p",
        path.to_str().unwrap(),
    ]);
    path
}

/// A testsrc2 clip with a `hz` sine tone (48 kHz mono AAC) as long as the video.
pub fn tone_clip(
    dir: &Path,
    name: &str,
    size: &str,
    rate: &str,
    seconds: &str,
    hz: u32,
) -> PathBuf {
    let path = dir.join(name);
    let video = format!("testsrc2=size={size}:rate={rate}");
    let audio = format!("sine=frequency={hz}:sample_rate=48000");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &video,
        "-f",
        "lavfi",
        "-i",
        &audio,
        "-t",
        seconds,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        path.to_str().unwrap(),
    ]);
    path
}

/// The first audio stream of `path` decoded by the ffmpeg CLI to 48 kHz mono f32 samples.
pub fn audio_pcm_mono(path: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "f32le", "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg audio of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Every frame of a `w`×`h` video as packed RGB24, in order, decoded by the
/// ffmpeg CLI in one run (with the conversion flags of [`rgb_frame`]).
pub fn rgb_frames(path: &Path, w: usize, h: usize) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-sws_flags",
            "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg frames of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(w * h * 3)
        .map(|c| c.to_vec())
        .collect()
}

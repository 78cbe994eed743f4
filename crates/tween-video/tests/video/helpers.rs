//! Helpers of the tween-video integration tests: making inputs with the
//! `ffmpeg` command, reading answers of `ffprobe`, comparing pictures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use tween_core::{Frame, Pixels, Rational};

/// Runs `ffmpeg -y -v error -nostdin ARGS…` and panics when it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-nostdin"])
        .args(args)
        .output()
        .expect("the ffmpeg command is installed");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs ffmpeg and returns its stdout (raw frames).
pub fn ffmpeg_stdout(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin"])
        .args(args)
        .output()
        .expect("the ffmpeg command is installed");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `ffprobe -show_streams -show_format` as JSON.
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(path)
        .output()
        .expect("the ffprobe command is installed");
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe writes JSON")
}

/// The streams of `kind` ("video", "audio", "subtitle") in an ffprobe answer.
pub fn streams<'a>(probe: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == kind)
        .collect()
}

/// A JSON string field parsed as f64 ("2.000000").
pub fn num(v: &serde_json::Value) -> f64 {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or(v.as_f64())
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Best-effort timestamps of every video frame according to ffprobe, as exact
/// rationals (`best_effort_timestamp` × the stream time base).
pub fn ffprobe_frame_times(path: &Path) -> Vec<Rational> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-select_streams",
            "v:0",
            "-show_entries",
        ])
        .arg("frame=best_effort_timestamp:stream=time_base")
        .arg(path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tb: Rational = v["streams"][0]["time_base"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            tb.mul_int(f["best_effort_timestamp"].as_i64().unwrap())
                .unwrap()
        })
        .collect()
}

/// A fresh temporary folder.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn p(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// testsrc2 video (and optionally a 440 Hz sine) of `secs` seconds.
pub fn make_clip(path: &Path, size: &str, rate: &str, secs: &str, audio: bool, extra: &[&str]) {
    let src = format!("testsrc2=size={size}:rate={rate}");
    let mut args = vec!["-f", "lavfi", "-i", &src];
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    args.extend(["-t", secs]);
    args.extend(extra);
    let p = path.to_str().unwrap();
    args.push(p);
    ffmpeg(&args);
}

/// Samples of a frame as f64 in 0..=255.
pub fn samples(f: &Frame) -> Vec<f64> {
    match f.pixels() {
        Pixels::U8(v) => v.iter().map(|&s| s as f64).collect(),
        Pixels::U16(v) => v.iter().map(|&s| s as f64 / 257.0).collect(),
    }
}

/// Mean and max absolute difference of two sample lists (0..=255 scale).
pub fn diff(a: &[f64], b: &[f64]) -> (f64, f64) {
    assert_eq!(a.len(), b.len(), "sample counts differ");
    let mut sum = 0.0;
    let mut max: f64 = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = (x - y).abs();
        sum += d;
        max = max.max(d);
    }
    (sum / a.len() as f64, max)
}

/// PSNR in dB on the 0..=255 scale.
pub fn psnr(a: &[f64], b: &[f64]) -> f64 {
    let mse = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>() / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// The first frame of `path` as decoded by the ffmpeg command, rgb24 or rgb48le.
pub fn cli_first_frame(path: &Path, pix_fmt: &str, vf: Option<&str>) -> Vec<f64> {
    let mut args: Vec<&str> = vec!["-i", path.to_str().unwrap(), "-frames:v", "1"];
    if let Some(vf) = vf {
        args.extend(["-vf", vf]);
    }
    args.extend([
        "-sws_flags",
        "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp",
        "-pix_fmt",
        pix_fmt,
        "-f",
        "rawvideo",
        "-",
    ]);
    let raw = ffmpeg_stdout(&args);
    if pix_fmt == "rgb48le" {
        raw.chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as f64 / 257.0)
            .collect()
    } else {
        raw.iter().map(|&b| b as f64).collect()
    }
}

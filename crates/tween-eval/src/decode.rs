//! Moving frames in and out of video files through the `ffmpeg` and `ffprobe`
//! command-line tools: write the input clip losslessly (uncompressed RGB, so
//! that no method pays for a codec in its timing) from a pipe, probe an output's size, and read an output back frame by frame.

use crate::child::log_tail;
use crate::error::EvalError;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use tween_core::{Frame, Pixels};

/// Frame rate of the input clips.
pub const INPUT_FPS: u32 = 30;

/// File name of each clip's input: NUT keeps exact 1/30 s timestamps.
pub const INPUT_FILE: &str = "in.nut";

/// Encodes `count` frames of `w`×`h`, produced one at a time by `frame(i)`, as
/// an uncompressed RGB (rawvideo in NUT) file at [`INPUT_FPS`]. FFmpeg's messages go to `log`.
///
/// Use a container with exact timestamps ([`INPUT_FILE`], NUT): Matroska
/// stores milliseconds, so 30 fps becomes 0, 33, 67, 100 ms … and the
/// in-between of a pair sits at t = 0.485, 0.5 or 0.515 instead of 0.5. That
/// jitter moves every motion-compensated frame off the ground truth by 1.5 % of
/// the motion and flips hold-the-earlier-frame decisions at scene cuts.
pub fn encode_input(
    ffmpeg: &Path,
    out: &Path,
    log: &Path,
    (w, h): (u32, u32),
    count: u32,
    mut frame: impl FnMut(u32) -> Frame,
) -> Result<(), EvalError> {
    let log_file = File::create(log).map_err(EvalError::io(log))?;
    let size = format!("{w}x{h}");
    let rate = INPUT_FPS.to_string();
    let mut child = Command::new(ffmpeg)
        .args(["-hide_banner", "-nostdin", "-y", "-v", "warning"])
        .args([
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", &size, "-r", &rate, "-i", "-",
        ])
        .args(["-c:v", "rawvideo", "-pix_fmt", "rgb24"])
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|source| EvalError::Spawn {
            program: ffmpeg.to_path_buf(),
            source,
        })?;
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let mut write_err = None;
    for i in 0..count {
        let f = frame(i);
        let Pixels::U8(bytes) = f.pixels() else {
            unreachable!("scenes render 8-bit frames")
        };
        if let Err(e) = stdin.write_all(bytes) {
            write_err = Some(e);
            break;
        }
    }
    drop(stdin);
    let status = child.wait().map_err(EvalError::io(out))?;
    if !status.success() || write_err.is_some() {
        return Err(EvalError::ChildFailed {
            what: format!("encoding {}", out.display()),
            status: status.to_string(),
            log: log.to_path_buf(),
            stderr_tail: log_tail(log, 2000),
        });
    }
    Ok(())
}

/// Width and height of the first video stream of `path`.
pub fn probe_size(ffprobe: &Path, path: &Path) -> Result<(u32, u32), EvalError> {
    let out = Command::new(ffprobe)
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EvalError::Spawn {
            program: ffprobe.to_path_buf(),
            source,
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let bad = || EvalError::Decode {
        path: path.to_path_buf(),
        message: format!(
            "ffprobe found no video size (status {}): {}{}",
            out.status,
            text.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    };
    let line = text.lines().next().ok_or_else(bad)?;
    let (w, h) = line.trim().split_once(',').ok_or_else(bad)?;
    Ok((
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    ))
}

/// Decodes every frame of `path` (expected `w`×`h`) to 8-bit RGB, in order,
/// with no frame dropped or duplicated (`-fps_mode passthrough`), calling
/// `each(index, frame)`; returns the number of frames. Stops early, without
/// error, when `each` returns `false`.
pub fn decode_frames(
    ffmpeg: &Path,
    path: &Path,
    log: &Path,
    (w, h): (u32, u32),
    mut each: impl FnMut(usize, Frame) -> bool,
) -> Result<usize, EvalError> {
    let log_file = File::create(log).map_err(EvalError::io(log))?;
    let mut child = Command::new(ffmpeg)
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args([
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .map_err(|source| EvalError::Spawn {
            program: ffmpeg.to_path_buf(),
            source,
        })?;
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let frame_bytes = w as usize * h as usize * 3;
    let mut count = 0;
    let mut stopped = false;
    let result = loop {
        let mut buf = vec![0u8; frame_bytes];
        match read_full(&mut stdout, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) if n < frame_bytes => {
                break Err(format!(
                    "stream ends inside frame {count} ({n} of {frame_bytes} bytes)"
                ))
            }
            Ok(_) => {
                if !each(count, Frame::from_u8(w, h, buf)) {
                    stopped = true;
                    break Ok(());
                }
                count += 1;
            }
            Err(e) => break Err(format!("reading decoded frames: {e}")),
        }
    };
    drop(stdout);
    if stopped {
        // We closed the pipe early: FFmpeg dies of EPIPE, which is expected.
        let _ = child.kill();
        let _ = child.wait();
        return Ok(count);
    }
    let status = child.wait().map_err(EvalError::io(path))?;
    if let Err(message) = result {
        return Err(EvalError::Decode {
            path: path.to_path_buf(),
            message,
        });
    }
    if !status.success() {
        return Err(EvalError::ChildFailed {
            what: format!("decoding {}", path.display()),
            status: status.to_string(),
            log: log.to_path_buf(),
            stderr_tail: log_tail(log, 2000),
        });
    }
    Ok(count)
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

//! Bad inputs and outputs give a VideoError that names the file and the problem.

use crate::helpers::*;
use tween_core::Rational;
use tween_video::{probe, resolve_codec, EncodeSettings, VideoError, VideoReader, VideoWriter};

fn open_err(path: &std::path::Path) -> VideoError {
    let e1 = probe(path).expect_err("probe must fail");
    let e2 = VideoReader::open(path).err().expect("open must fail");
    assert_eq!(e1.to_string(), e2.to_string());
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        e1.to_string().contains(name),
        "message names the file: {e1}"
    );
    assert_eq!(e1.path(), Some(path));
    e1
}

#[test]
fn missing_file() {
    let dir = tmp();
    let e = open_err(&p(&dir, "nope.mp4"));
    assert!(matches!(e, VideoError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("not found"), "{e}");
}

#[test]
fn text_file_is_not_a_video() {
    let dir = tmp();
    let f = p(&dir, "notes.mp4");
    std::fs::write(&f, "just some words, not a video at all\n".repeat(50)).unwrap();
    let e = open_err(&f);
    assert!(
        matches!(
            e,
            VideoError::NotMedia { .. } | VideoError::NoVideoStream { .. }
        ),
        "{e:?}"
    );
}

#[test]
fn audio_only_file_has_no_video_stream() {
    let dir = tmp();
    let f = p(&dir, "tone.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        "1",
        "-c:a",
        "aac",
        f.to_str().unwrap(),
    ]);
    let e = open_err(&f);
    assert!(matches!(e, VideoError::NoVideoStream { .. }), "{e:?}");
    assert!(e.to_string().contains("has no video stream"), "{e}");
}

#[test]
fn random_bytes_are_refused() {
    let dir = tmp();
    let f = p(&dir, "noise.mkv");
    let mut s: u32 = 12345;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            s = s.wrapping_mul(1103515245).wrapping_add(12345);
            (s >> 16) as u8
        })
        .collect();
    std::fs::write(&f, bytes).unwrap();
    open_err(&f);
}

/// Decoding everything a reader gives: Ok(frame count) or the first error.
fn decode_count(path: &std::path::Path) -> Result<usize, VideoError> {
    let mut n = 0;
    for f in VideoReader::open(path)? {
        f?;
        n += 1;
    }
    Ok(n)
}

/// A file cut in half never reads as a shorter, complete video.
#[test]
fn truncated_files_are_reported() {
    let dir = tmp();
    for (name, extra) in [
        ("plain.mp4", vec![]),
        ("fast.mp4", vec!["-movflags", "+faststart"]),
        ("clip.mkv", vec![]),
        (
            "clip.webm",
            vec![
                "-c:v",
                "libvpx-vp9",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
            ],
        ),
    ] {
        let full = p(&dir, name);
        let mut args = vec!["-g", "10"];
        if !name.ends_with("webm") {
            args.extend(["-c:v", "libx264", "-preset", "ultrafast"]);
        }
        args.extend(extra.iter());
        make_clip(&full, "160x120", "24", "2", false, &args);
        let bytes = std::fs::read(&full).unwrap();
        let cut = p(&dir, &format!("cut-{name}"));
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        match decode_count(&cut) {
            Ok(n) => panic!("{name}: truncated file decoded as {n} frames without an error"),
            Err(e) => {
                eprintln!("{name}: {e}");
                assert!(e.to_string().contains("cut-"), "{e}");
                assert!(
                    matches!(
                        e,
                        VideoError::NotMedia { .. }
                            | VideoError::Corrupt { .. }
                            | VideoError::Decode { .. }
                    ),
                    "{e:?}"
                );
            }
        }
    }
}

#[test]
fn unknown_codec_is_refused_before_anything_is_written() {
    let dir = tmp();
    let e = resolve_codec("realvideo9").unwrap_err();
    assert!(
        matches!(e, VideoError::UnknownCodec { .. }) && e.to_string().contains("realvideo9"),
        "{e}"
    );
    let out = p(&dir, "x.mp4");
    let mut s = EncodeSettings::new(64, 48, Rational::from_int(24));
    s.codec = "realvideo9".into();
    assert!(VideoWriter::create(&out, &s, None).is_err());
    assert!(!out.exists());
}

#[test]
fn missing_output_folder() {
    let dir = tmp();
    let out = p(&dir, "no/such/folder/out.mp4");
    let e = VideoWriter::create(
        &out,
        &EncodeSettings::new(64, 48, Rational::from_int(24)),
        None,
    )
    .err()
    .unwrap();
    assert!(matches!(e, VideoError::OutputDirMissing { .. }), "{e:?}");
    assert!(
        e.to_string().contains("does not exist") && e.to_string().contains("out.mp4"),
        "{e}"
    );
}

#[test]
fn unknown_container_and_codec_container_mismatch() {
    let dir = tmp();
    let e = VideoWriter::create(
        &p(&dir, "out.notaformat"),
        &EncodeSettings::new(64, 48, Rational::from_int(24)),
        None,
    )
    .err()
    .unwrap();
    assert!(matches!(e, VideoError::Container { .. }), "{e:?}");
    let e = VideoWriter::create(
        &p(&dir, "out.webm"),
        &EncodeSettings::new(64, 48, Rational::from_int(24)),
        None,
    )
    .err()
    .unwrap();
    assert!(
        matches!(e, VideoError::Container { .. }),
        "h264 in webm: {e:?}"
    );
    assert!(!p(&dir, "out.webm").exists());
}

/// A video with no frames neither hangs nor panics.
#[test]
fn zero_frame_video_does_not_hang() {
    let dir = tmp();
    let out = p(&dir, "empty.mkv");
    let w = VideoWriter::create(
        &out,
        &EncodeSettings::new(64, 48, Rational::from_int(24)),
        None,
    )
    .unwrap();
    w.finish().unwrap();
    if let Ok(r) = VideoReader::open(&out) {
        let frames: Vec<_> = r.collect();
        assert!(frames.iter().all(|f| f.is_err()) || frames.is_empty());
    }
}

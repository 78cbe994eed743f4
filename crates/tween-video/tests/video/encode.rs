//! Encoding: codecs, exact frame rates, colour tags, depth, odd sizes, FFV1.

use crate::helpers::*;
use tween_core::{Frame, Pixels, Rational};
use tween_video::{probe, resolve_codec, ColorTags, EncodeSettings, VideoReader, VideoWriter};

/// Every frame of `path`.
fn decode_all(path: &std::path::Path) -> Vec<Frame> {
    VideoReader::open(path)
        .unwrap()
        .map(|f| f.unwrap().frame)
        .collect()
}

fn encode(path: &std::path::Path, settings: &EncodeSettings, frames: &[Frame]) {
    let mut w = VideoWriter::create(path, settings, None).unwrap();
    for f in frames {
        w.write(f).unwrap();
    }
    assert_eq!(w.frames_written(), frames.len() as u64);
    w.finish().unwrap();
}

/// A lossy round trip keeps the picture: PSNR > 30 dB (4:2:0 chroma on the
/// sharp colour edges of testsrc2 costs a few dB) and, what a wrong matrix or
/// range would break, no colour bias: each channel's mean stays within 1.0.
fn assert_faithful(a: &Frame, b: &Frame) {
    let (sa, sb) = (samples(a), samples(b));
    let q = psnr(&sa, &sb);
    assert!(q > 30.0, "round trip PSNR {q}");
    for c in 0..3 {
        let mean = |s: &[f64]| s.iter().skip(c).step_by(3).sum::<f64>() / (s.len() / 3) as f64;
        let bias = mean(&sa) - mean(&sb);
        assert!(bias.abs() < 1.0, "channel {c} bias {bias}");
    }
}

/// Deterministic noise, the worst case for a lossy codec and a fair test of a lossless one.
fn noise_u8(w: u32, h: u32, seed: u32) -> Frame {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
    let v = (0..w * h * 3)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 24) as u8
        })
        .collect();
    Frame::from_u8(w, h, v)
}

fn noise_u16(w: u32, h: u32, seed: u32) -> Frame {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(7);
    let v = (0..w * h * 3)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 16) as u16
        })
        .collect();
    Frame::from_u16(w, h, v)
}

/// H.264 at 60000/1001 with BT.709 tags: exact rate, tags written, faithful pixels.
#[test]
fn h264_output_has_the_exact_rate_tags_and_pixels() {
    let dir = tmp();
    let src = p(&dir, "src.mp4");
    make_clip(
        &src,
        "320x240",
        "24",
        "1",
        false,
        &["-pix_fmt", "yuv420p", "-c:v", "libx264", "-qp", "0"],
    );
    let frames = decode_all(&src);
    let out = p(&dir, ".out.partial-1.mp4");
    let mut s = EncodeSettings::new(320, 240, Rational::new(60000, 1001));
    s.color = ColorTags::BT709;
    encode(&out, &s, &frames);

    let probe_json = ffprobe(&out);
    let v = streams(&probe_json, "video")[0];
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["avg_frame_rate"], "60000/1001");
    assert_eq!(v["r_frame_rate"], "60000/1001");
    assert_eq!(v["nb_frames"], frames.len().to_string());
    assert_eq!(v["color_space"], "bt709");
    assert_eq!(v["color_primaries"], "bt709");
    assert_eq!(v["color_transfer"], "bt709");
    assert_eq!(v["color_range"], "tv");
    let dur = num(&probe_json["format"]["duration"]);
    assert!(
        (dur - 24.0 * 1001.0 / 60000.0).abs() < 0.002,
        "duration {dur}"
    );
    assert!(
        streams(&probe_json, "audio").is_empty(),
        "no audio in, no audio out"
    );

    let back = decode_all(&out);
    assert_eq!(back.len(), frames.len());
    for (a, b) in frames.iter().zip(&back) {
        assert_faithful(a, b);
    }
    let info = probe(&out).unwrap();
    assert_eq!(info.frame_rate, Rational::new(60000, 1001));
    assert_eq!(info.color, ColorTags::BT709);
}

#[test]
fn integer_rates_are_exact_in_mkv_too() {
    let dir = tmp();
    let out = p(&dir, "rate.mkv");
    let frames: Vec<Frame> = (0..10).map(|i| noise_u8(64, 48, i)).collect();
    encode(
        &out,
        &EncodeSettings::new(64, 48, Rational::from_int(30)),
        &frames,
    );
    let j = ffprobe(&out);
    assert_eq!(streams(&j, "video")[0]["avg_frame_rate"], "30/1");
    assert_eq!(streams(&j, "video")[0]["r_frame_rate"], "30/1");
}

#[test]
fn ten_bit_stays_ten_bit() {
    let dir = tmp();
    let src = p(&dir, "ten.mkv");
    make_clip(
        &src,
        "320x240",
        "24",
        "0.5",
        false,
        &["-pix_fmt", "yuv420p10le", "-c:v", "libx264", "-qp", "0"],
    );
    let frames = decode_all(&src);
    assert!(frames[0].is_high_depth());
    let out = p(&dir, "out10.mp4");
    let mut s = EncodeSettings::new(320, 240, Rational::from_int(24));
    s.high_depth = true;
    encode(&out, &s, &frames);
    let j = ffprobe(&out);
    assert_eq!(streams(&j, "video")[0]["pix_fmt"], "yuv420p10le");
    let back = decode_all(&out);
    assert!(back[0].is_high_depth());
    assert_faithful(&frames[3], &back[3]);
}

/// Odd sizes keep their exact size (4:4:4 chroma instead of 4:2:0).
#[test]
fn odd_sizes_work_end_to_end() {
    let dir = tmp();
    let src = p(&dir, "odd.mkv");
    make_clip(
        &src,
        "330x250",
        "24",
        "0.5",
        false,
        &["-vf", "format=yuv444p,crop=321:241:0:0", "-c:v", "ffv1"],
    );
    let info = probe(&src).unwrap();
    assert_eq!((info.width, info.height), (321, 241));
    let frames = decode_all(&src);
    assert_eq!((frames[0].width(), frames[0].height()), (321, 241));
    let out = p(&dir, "odd.mp4");
    encode(
        &out,
        &EncodeSettings::new(321, 241, Rational::from_int(24)),
        &frames,
    );
    let j = ffprobe(&out);
    let v = streams(&j, "video")[0];
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(321), Some(241))
    );
    assert_eq!(v["pix_fmt"], "yuv444p");
    let back = decode_all(&out);
    assert_eq!((back[0].width(), back[0].height()), (321, 241));
    assert_faithful(&frames[0], &back[0]);
}

/// FFV1 in MKV and rawvideo in NUT are lossless RGB, 8 and 16 bits (the
/// evaluation relies on rawvideo).
#[test]
fn ffv1_and_rawvideo_are_lossless_rgb() {
    let dir = tmp();
    let cases = [
        ("ffv1", "mkv", "bgr0", "gbrp16le"),
        ("rawvideo", "nut", "rgb24", "rgb48le"),
    ];
    for ((codec, ext, fmt8, fmt16), high) in cases.iter().flat_map(|c| [(c, false), (c, true)]) {
        let out = p(&dir, &format!("{codec}{}.{ext}", if high { 16 } else { 8 }));
        let frames: Vec<Frame> = (0..3)
            .map(|i| {
                if high {
                    noise_u16(37, 21, i)
                } else {
                    noise_u8(37, 21, i)
                }
            })
            .collect();
        let mut s = EncodeSettings::new(37, 21, Rational::from_int(25));
        s.codec = codec.to_string();
        s.high_depth = high;
        encode(&out, &s, &frames);
        let j = ffprobe(&out);
        assert_eq!(
            streams(&j, "video")[0]["pix_fmt"],
            if high { *fmt16 } else { *fmt8 }
        );
        let back = decode_all(&out);
        assert_eq!(
            back, frames,
            "{codec} (high depth {high}) must round-trip exactly"
        );
    }
}

/// The other codecs open with their defaults and write a playable stream.
#[test]
fn hevc_and_vp9_encode() {
    let dir = tmp();
    let frames: Vec<Frame> = (0..5).map(|i| noise_u8(64, 48, i)).collect();
    for (codec, file, name) in [("hevc", "h.mp4", "hevc"), ("vp9", "v.webm", "vp9")] {
        let out = p(&dir, file);
        let mut s = EncodeSettings::new(64, 48, Rational::from_int(24));
        s.codec = codec.into();
        s.preset = if codec == "hevc" {
            Some("ultrafast".into())
        } else {
            Some("8".into())
        };
        encode(&out, &s, &frames);
        let j = ffprobe(&out);
        assert_eq!(streams(&j, "video")[0]["codec_name"], name);
        if codec == "hevc" {
            // Apple's players and Safari play `hvc1` only.
            assert_eq!(streams(&j, "video")[0]["codec_tag_string"], "hvc1");
        }
        assert_eq!(decode_all(&out).len(), 5);
    }
}

/// The top-level boxes of an MP4 file, in order.
fn top_level_boxes(path: &std::path::Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    let mut boxes = Vec::new();
    let mut at = 0usize;
    while at + 8 <= data.len() {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        boxes.push(String::from_utf8_lossy(&data[at + 4..at + 8]).into_owned());
        let size = match size {
            1 => u64::from_be_bytes(data[at + 8..at + 16].try_into().unwrap()) as usize,
            0 => data.len() - at,
            s => s,
        };
        assert!(size >= 8, "box of size {size} at {at}");
        at += size;
    }
    boxes
}

/// MP4 and MOV files carry their index before the media (fast start), so
/// players and browsers begin before the whole file has arrived.
#[test]
fn mp4_and_mov_start_fast() {
    let dir = tmp();
    let frames: Vec<Frame> = (0..4).map(|i| noise_u8(64, 48, i)).collect();
    for file in ["fs.mp4", "fs.mov"] {
        let out = p(&dir, file);
        let mut s = EncodeSettings::new(64, 48, Rational::from_int(24));
        s.preset = Some("ultrafast".into());
        encode(&out, &s, &frames);
        let boxes = top_level_boxes(&out);
        let pos = |b: &str| boxes.iter().position(|x| x == b);
        let (moov, mdat) = (pos("moov"), pos("mdat"));
        assert!(
            moov.is_some() && mdat.is_some() && moov < mdat,
            "{file}: boxes {boxes:?}"
        );
        assert_eq!(decode_all(&out).len(), 4);
    }
}

#[test]
fn crf_and_preset_are_applied() {
    let dir = tmp();
    let frames: Vec<Frame> = (0..3).map(|i| noise_u8(64, 48, i)).collect();
    let size = |crf: u8| {
        let out = p(&dir, &format!("crf{crf}.mp4"));
        let mut s = EncodeSettings::new(64, 48, Rational::from_int(24));
        s.crf = Some(crf);
        s.preset = Some("veryfast".into());
        encode(&out, &s, &frames);
        std::fs::metadata(&out).unwrap().len()
    };
    assert!(
        size(45) * 2 < size(5),
        "a higher CRF must give a much smaller file"
    );
    let mut s = EncodeSettings::new(64, 48, Rational::from_int(24));
    s.preset = Some("no-such-preset".into());
    let err = VideoWriter::create(&p(&dir, "bad.mp4"), &s, None)
        .err()
        .expect("bad preset is refused");
    assert!(err.to_string().contains("bad.mp4"), "{err}");
}

#[test]
fn codec_aliases_resolve() {
    assert_eq!(resolve_codec("x264").unwrap(), "libx264");
    assert_eq!(resolve_codec("libx265").unwrap(), "libx265");
    assert_eq!(resolve_codec("VP9").unwrap(), "libvpx-vp9");
    assert!(["libsvtav1", "libaom-av1"].contains(&resolve_codec("av1").unwrap()));
}

#[test]
fn frames_of_the_wrong_size_are_refused() {
    let dir = tmp();
    let out = p(&dir, "size.mp4");
    let mut w = VideoWriter::create(
        &out,
        &EncodeSettings::new(64, 48, Rational::from_int(24)),
        None,
    )
    .unwrap();
    let err = w.write(&noise_u8(32, 48, 1)).unwrap_err();
    assert!(err.to_string().contains("32x48"), "{err}");
    let _ = Pixels::U8(vec![]);
}

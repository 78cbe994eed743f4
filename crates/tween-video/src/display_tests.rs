//! HDR metadata copied from a source to the output. No FFmpeg 5.1 command
//! writes container-level mastering-display metadata, so the source is
//! made by the writer itself with the blocks given, checked with ffprobe,
//! and then used as a passthrough source like any camera file (copied into
//! MKV and MP4 outputs, which both store it).

use super::SourceDisplay;
use crate::writer::{EncodeSettings, Passthrough, VideoWriter};
use crate::AudioPlan;
use std::path::Path;
use std::process::Command;
use tween_core::{Frame, Rational};

/// `AVMasteringDisplayMetadata`: BT.2020 primaries, D65, 0.0001..1000 cd/m².
fn mastering() -> Vec<u8> {
    let r = |n: i32, d: i32| [n, d];
    let fields: Vec<[i32; 2]> = vec![
        r(34000, 50000), // red x, y
        r(16000, 50000),
        r(13250, 50000), // green
        r(34500, 50000),
        r(7500, 50000), // blue
        r(3000, 50000),
        r(15635, 50000), // white point
        r(16450, 50000),
        r(1, 10000), // min luminance
        r(1000, 1),  // max luminance
    ];
    let mut v: Vec<i32> = fields.concat();
    v.extend([1, 1]); // has_primaries, has_luminance
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

/// `AVContentLightMetadata`: MaxCLL 1000, MaxFALL 400.
fn light_level() -> Vec<u8> {
    [1000u32, 400]
        .iter()
        .flat_map(|x| x.to_ne_bytes())
        .collect()
}

fn side_data(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-select_streams",
            "v:0",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["streams"][0]["side_data_list"].clone()
}

fn has_hdr_blocks(path: &Path) {
    let sd = side_data(path);
    let list = sd
        .as_array()
        .unwrap_or_else(|| panic!("{}: no side data", path.display()));
    let kind = |k: &str| list.iter().find(|s| s["side_data_type"] == k);
    let md = kind("Mastering display metadata").expect("mastering display metadata");
    // Containers store the fractions with their own denominators.
    let value = |k: &str| -> f64 {
        let v = md[k].as_str().unwrap_or_else(|| panic!("{k} in {md}"));
        let (n, d) = v.split_once('/').unwrap();
        n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap()
    };
    assert_eq!(value("max_luminance"), 1000.0, "{md}");
    assert_eq!(value("red_x"), 0.68, "{md}");
    assert_eq!(value("white_point_y"), 0.329, "{md}");
    let cll = kind("Content light level metadata").expect("content light level");
    assert_eq!(cll["max_content"], 1000);
    assert_eq!(cll["max_average"], 400);
}

fn write(path: &Path, settings: &EncodeSettings, audio: AudioPlan, display: Option<SourceDisplay>) {
    let mut w = match display {
        Some(d) => VideoWriter::create_with_display(path, settings, audio, d).unwrap(),
        None => VideoWriter::create_with_audio(path, settings, audio).unwrap(),
    };
    let n = 3 * (settings.width * settings.height) as usize;
    let frame = Frame::from_u8(settings.width, settings.height, vec![90; n]);
    for _ in 0..3 {
        w.write(&frame).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn hdr_mastering_and_light_level_metadata_are_copied_from_the_source() {
    let d = tempfile::tempdir().unwrap();
    let mut s = EncodeSettings::new(64, 48, Rational::from_int(25));
    s.codec = "ffv1".into();
    let source = d.path().join("hdr.mkv");
    let hdr = SourceDisplay {
        mastering: Some(mastering()),
        light_level: Some(light_level()),
        ..SourceDisplay::default()
    };
    write(&source, &s, AudioPlan::None, Some(hdr));
    has_hdr_blocks(&source);
    // Read back as a source: the blocks are found ...
    let read = SourceDisplay::of_file(&source);
    assert!(read.mastering.is_some());
    assert_eq!(read.light_level.as_deref(), Some(&light_level()[..]));
    // ... and a new video of it (twice the size, as an upscale) keeps them.
    let mut big = EncodeSettings::new(64, 48, Rational::from_int(25));
    big.preset = Some("ultrafast".into());
    big.width = 128;
    big.height = 96;
    for name in ["out.mkv", "out.mp4"] {
        let out = d.path().join(name);
        let copy = AudioPlan::Copy(Passthrough {
            source: source.clone(),
            video_start: Rational::ZERO,
        });
        write(&out, &big, copy, None);
        has_hdr_blocks(&out);
    }
    // Without a source nothing is invented.
    let plain = d.path().join("plain.mkv");
    write(&plain, &s, AudioPlan::None, None);
    assert!(side_data(&plain).is_null());
}

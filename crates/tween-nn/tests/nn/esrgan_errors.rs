//! Bad requests to the Real-ESRGAN upscaler are typed errors that name the
//! file and the problem, before any frame runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tween_core::{Frame, UpscaleError, Upscaler};
use tween_nn::upscale::{NeuralUpscaler, UpscaleOptions};
use tween_nn::NnError;

use crate::helpers::{conformance_dir, runtime};

fn weights(name: &str) -> PathBuf {
    conformance_dir().join("weights/esrgan").join(name)
}

fn build(model: &str, file: &Path, opts: UpscaleOptions) -> Result<NeuralUpscaler, NnError> {
    NeuralUpscaler::from_file(model, file, &runtime(), opts)
}

#[test]
fn weights_of_the_wrong_architecture_name_the_file() {
    let cases = [
        // RIFE weights for an upscaler.
        (
            "RealESRGAN_x4plus",
            conformance_dir().join("weights/rife_v4.6/flownet.pkl"),
            "RIFE",
        ),
        (
            "any",
            conformance_dir().join("weights/rife_v4.6/flownet.pkl"),
            "RIFE",
        ),
        // The 6-block anime net is not x4plus (23 blocks).
        (
            "RealESRGAN_x4plus",
            weights("RealESRGAN_x4plus_anime_6B.pth"),
            "6 blocks",
        ),
        // An SRVGG net for an RRDBNet name, and the 32-conv one for the 16-conv one.
        (
            "RealESRGAN_x2plus",
            weights("realesr-animevideov3.pth"),
            "SRVGGNetCompact",
        ),
        (
            "realesr-animevideov3",
            weights("realesr-general-x4v3.pth"),
            "32 convs",
        ),
    ];
    for (model, file, found) in cases {
        let err = build(model, &file, UpscaleOptions::default()).unwrap_err();
        assert!(
            matches!(err, NnError::WrongArchitecture { .. }),
            "{model}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("wrong architecture"), "{msg}");
        assert!(msg.contains(&file.display().to_string()), "{msg}");
        assert!(msg.contains(model) && msg.contains(found), "{msg}");
    }
}

#[test]
fn the_right_names_load_and_any_detects() {
    let up = build(
        "realesr-animevideov3",
        &weights("realesr-animevideov3.safetensors"),
        UpscaleOptions::default(),
    )
    .unwrap();
    assert_eq!((up.name(), up.scale()), ("realesr-animevideov3", 4));
    let up = build(
        "RealESRGAN_x4plus_anime_6B",
        &weights("RealESRGAN_x4plus_anime_6B.pth"),
        UpscaleOptions::default(),
    )
    .unwrap();
    assert_eq!(up.scale(), 4);
    let up = build("any", &weights("rrdb_x2_b2.pth"), UpscaleOptions::default()).unwrap();
    assert_eq!((up.name(), up.scale()), ("rrdbnet-x2-b2", 2));
    let err = build(
        "RealESRGAN_x8",
        &weights("rrdb_x2_b2.pth"),
        UpscaleOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, NnError::UnknownModel { .. }), "{err}");
}

#[test]
fn tiles_smaller_than_their_padding_are_refused() {
    let opts = UpscaleOptions {
        tile: 8,
        tile_pad: 10,
        ..UpscaleOptions::default()
    };
    let err = build(
        "realesr-animevideov3",
        &weights("realesr-animevideov3.pth"),
        opts,
    )
    .unwrap_err();
    assert!(matches!(err, NnError::BadUpscaleOptions { .. }), "{err}");
    assert!(
        err.to_string().contains("smaller than its padding"),
        "{err}"
    );
    // x2 nets pixel-unshuffle by 2: odd tiles would give odd-sized inputs.
    let opts = UpscaleOptions {
        tile: 15,
        tile_pad: 2,
        ..UpscaleOptions::default()
    };
    let err = build("any", &weights("rrdb_x2_b2.pth"), opts).unwrap_err();
    assert!(err.to_string().contains("multiples of 2"), "{err}");
}

#[test]
fn scales_the_model_cannot_reach_are_refused_unless_a_resizer_is_given() {
    let file = weights("rrdb_x2_b2.pth");
    let opts = UpscaleOptions {
        scale: Some(4),
        ..UpscaleOptions::default()
    };
    let err = build("any", &file, opts).unwrap_err();
    assert!(err.to_string().contains("×4 needs a resize"), "{err}");
    let opts = UpscaleOptions {
        scale: Some(0),
        ..UpscaleOptions::default()
    };
    assert!(build("any", &file, opts).is_err());
    // With a (nearest-neighbour) resizer, ×4 from the ×2 net works.
    let nearest: tween_nn::upscale::Resizer = Arc::new(|f: &Frame, w: u32, h: u32| {
        let tween_core::Pixels::U8(p) = f.pixels() else {
            return Err("8-bit only".into());
        };
        let mut out = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = (x * f.width() / w, y * f.height() / h);
                let i = 3 * (sy * f.width() + sx) as usize;
                out.extend_from_slice(&p[i..i + 3]);
            }
        }
        Ok(Frame::from_u8(w, h, out))
    });
    let opts = UpscaleOptions {
        scale: Some(4),
        resize: Some(nearest),
        tile: 16,
        tile_pad: 4,
        ..UpscaleOptions::default()
    };
    let up = build("any", &file, opts).unwrap();
    let out = up
        .upscale(&Frame::from_u8(9, 7, vec![100; 9 * 7 * 3]))
        .unwrap();
    assert_eq!((out.width(), out.height(), up.scale()), (36, 28, 4));
}

#[test]
fn denoise_needs_general_x4v3_and_its_twin() {
    let opts = UpscaleOptions {
        denoise: Some(0.5),
        ..UpscaleOptions::default()
    };
    let err = build(
        "realesr-animevideov3",
        &weights("realesr-animevideov3.pth"),
        opts.clone(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("realesr-general-x4v3"), "{err}");
    // The twin is found beside the file by name; a missing one names its path.
    build(
        "realesr-general-x4v3",
        &weights("realesr-general-x4v3.pth"),
        opts.clone(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lonely = dir.path().join("realesr-general-x4v3.pth");
    std::fs::copy(weights("realesr-general-x4v3.pth"), &lonely).unwrap();
    let err = build("realesr-general-x4v3", &lonely, opts).unwrap_err();
    assert!(
        err.to_string().contains("realesr-general-wdn-x4v3.pth"),
        "{err}"
    );
}

#[test]
fn empty_frames_are_bad_frames() {
    let up = build(
        "realesr-animevideov3",
        &weights("realesr-animevideov3.pth"),
        UpscaleOptions::default(),
    )
    .unwrap();
    let err = up.upscale(&Frame::from_u8(0, 0, Vec::new())).unwrap_err();
    assert!(matches!(err, UpscaleError::BadFrame { .. }), "{err}");
    // Frames smaller than the pads still work (the reflect folds back).
    let opts = UpscaleOptions {
        pre_pad: 10,
        ..UpscaleOptions::default()
    };
    let up = build("any", &weights("rrdb_x2_b2.pth"), opts).unwrap();
    let out = up.upscale(&Frame::from_u8(3, 1, vec![7; 9])).unwrap();
    assert_eq!((out.width(), out.height()), (6, 2));
}

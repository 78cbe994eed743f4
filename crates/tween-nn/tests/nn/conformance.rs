//! Every conformance weight file loads with the manifest's key and parameter
//! counts and shapes, both containers agree, and detection names the right
//! architecture and config.

use std::time::Instant;

use tween_nn::{detect, detect_strict, load, load_detailed, Architecture, SourceFormat};

use crate::helpers::{conformance_dir, manifest};

#[test]
fn every_weight_file_matches_the_manifest() {
    let dir = conformance_dir();
    let m = manifest();
    let models = m["models"].as_object().unwrap();
    assert_eq!(models.len(), 7);
    let mut files = 0;
    for (id, model) in models {
        let expected_keys = model["keys"].as_object().unwrap();
        for (kind, rel) in model["weights"].as_object().unwrap() {
            if kind == "format" {
                continue;
            }
            let path = dir.join(rel.as_str().unwrap());
            let t0 = Instant::now();
            let l = load_detailed(&path).unwrap_or_else(|e| panic!("{id}: {e}"));
            eprintln!(
                "{id} {kind}: {} tensors in {:?}",
                l.state_dict.len(),
                t0.elapsed()
            );
            let sd = &l.state_dict;
            assert_eq!(
                sd.len() as u64,
                model["n_keys"].as_u64().unwrap(),
                "{id} {kind}: key count"
            );
            assert_eq!(
                sd.param_count() as u64,
                model["param_count"].as_u64().unwrap(),
                "{id} {kind}: params"
            );
            for (key, shape) in expected_keys {
                let key = key.strip_prefix("module.").unwrap_or(key);
                let t = sd
                    .get(key)
                    .unwrap_or_else(|| panic!("{id} {kind}: {key} missing"));
                let shape: Vec<usize> = shape
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_u64().unwrap() as usize)
                    .collect();
                assert_eq!(t.shape, shape, "{id} {kind}: {key}");
            }
            let family = model["family"].as_str().unwrap();
            match kind.as_str() {
                "safetensors" => assert_eq!(l.format, SourceFormat::Safetensors),
                _ => assert_eq!(l.format, SourceFormat::TorchZip),
            }
            if family == "rife" {
                assert!(l.stripped_module_prefix, "{id}: module. prefix");
            } else if kind != "safetensors" {
                let wrapper = if model["arch"] == "RRDBNet" {
                    "params_ema"
                } else {
                    "params"
                };
                assert_eq!(l.unwrapped.as_deref(), Some(wrapper), "{id}");
            }
            let arch = detect_strict(sd).unwrap_or_else(|e| panic!("{id} {kind}: {e}"));
            check_config(id, model, &arch);
            files += 1;
        }
    }
    assert_eq!(files, 10);
}

/// The detected config agrees with the manifest's `config`.
fn check_config(id: &str, model: &serde_json::Value, arch: &Architecture) {
    let cfg = &model["config"];
    let n = |k: &str| cfg[k].as_u64().unwrap() as usize;
    match arch {
        Architecture::Rife(c) => {
            assert_eq!(model["arch"], "IFNet_HDv3", "{id}");
            assert_eq!(c.blocks.len(), n("blocks"), "{id}");
            let version = model["version"].as_str().unwrap();
            assert_eq!(arch.preset(), Some(format!("v{version}").as_str()), "{id}");
            assert_eq!(c.encoder.is_some(), version == "4.25", "{id}");
        }
        Architecture::Rrdbnet(c) => {
            assert_eq!(model["arch"], "RRDBNet", "{id}");
            assert_eq!(
                (c.num_block, c.scale, c.num_feat, c.num_grow_ch),
                (n("num_block"), n("scale"), n("num_feat"), n("num_grow_ch"))
            );
        }
        Architecture::Srvgg(c) => {
            assert_eq!(model["arch"], "SRVGGNetCompact", "{id}");
            assert_eq!(
                (c.num_conv, c.upscale, c.num_feat),
                (n("num_conv"), n("upscale"), n("num_feat"))
            );
        }
        other => panic!("{id}: unexpected {other}"),
    }
    eprintln!("{id}: {arch}");
}

#[test]
fn pickle_and_safetensors_hold_identical_tensors() {
    let dir = conformance_dir().join("weights");
    for (a, b) in [
        ("rife_v4.25/flownet.pkl", "rife_v4.25/flownet.safetensors"),
        (
            "esrgan/RealESRGAN_x4plus_anime_6B.pth",
            "esrgan/RealESRGAN_x4plus_anime_6B.safetensors",
        ),
        (
            "esrgan/realesr-animevideov3.pth",
            "esrgan/realesr-animevideov3.safetensors",
        ),
    ] {
        let (a_sd, b_sd) = (load(&dir.join(a)).unwrap(), load(&dir.join(b)).unwrap());
        assert_eq!(a_sd.len(), b_sd.len(), "{a}");
        for (k, t) in a_sd.iter() {
            let u = b_sd.get(k).unwrap_or_else(|| panic!("{b}: {k} missing"));
            assert_eq!(t.shape, u.shape, "{k}");
            assert!(
                t.data
                    .iter()
                    .zip(&u.data)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{a}: {k} differs"
            );
        }
    }
}

#[test]
fn detection_tells_the_rife_versions_apart() {
    let dir = conformance_dir().join("weights");
    let v46 = detect(&load(&dir.join("rife_v4.6/flownet.pkl")).unwrap()).unwrap();
    let v425 = detect(&load(&dir.join("rife_v4.25/flownet.pkl")).unwrap()).unwrap();
    assert_eq!(
        v46.describe(),
        "RIFE IFNet v4.6: 4 blocks (c = 192/128/96/64), no encoder"
    );
    assert_eq!(
        v425.describe(),
        "RIFE IFNet v4.25/v4.26: 5 blocks (c = 192/128/96/64/32), encoder 16→4"
    );
    assert_eq!(v425.short_name(), "rife-v4.25");
}

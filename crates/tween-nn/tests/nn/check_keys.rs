//! The strict key check names every missing, unexpected and wrongly shaped key.

use tween_nn::arch::rife;
use tween_nn::{check, detect, load, NnError, StateDict, Tensor};

use crate::helpers::conformance_dir;

fn rife_v46() -> StateDict {
    load(&conformance_dir().join("weights/rife_v4.6/flownet.pkl")).unwrap()
}

#[test]
fn reports_missing_unexpected_and_wrong_shape_by_name() {
    let sd = rife_v46();
    let mut broken = StateDict::new();
    for (k, t) in sd.iter() {
        match k {
            "block2.convblock.3.beta" => {} // missing
            "block1.conv0.0.0.bias" => broken.insert(
                k.into(),
                Tensor {
                    shape: vec![63],
                    dtype: t.dtype,
                    data: vec![0.0; 63],
                },
            ),
            _ => broken.insert(k.into(), t.clone()),
        }
    }
    broken.insert(
        "teacher.weight".into(),
        Tensor {
            shape: vec![1],
            dtype: tween_nn::DType::F32,
            data: vec![0.0],
        },
    );
    let err = broken
        .check_keys("RIFE v4.6", &rife::Config::v4_6().expected_keys())
        .unwrap_err();
    let NnError::KeyMismatch {
        missing,
        unexpected,
        wrong_shape,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(missing, &["block2.convblock.3.beta"]);
    assert_eq!(unexpected, &["teacher.weight"]);
    assert_eq!(wrong_shape.len(), 1);
    assert_eq!(wrong_shape[0].key, "block1.conv0.0.0.bias");
    assert_eq!(
        (
            wrong_shape[0].expected.as_slice(),
            wrong_shape[0].actual.as_slice()
        ),
        (&[64][..], &[63][..])
    );
    let msg = err.to_string();
    for name in [
        "block2.convblock.3.beta",
        "teacher.weight",
        "block1.conv0.0.0.bias",
        "[64]",
        "[63]",
    ] {
        assert!(msg.contains(name), "{msg}");
    }
}

#[test]
fn v4_25_weights_do_not_pass_as_v4_6() {
    let sd = load(&conformance_dir().join("weights/rife_v4.25/flownet.pkl")).unwrap();
    let err = sd
        .check_keys("v4.6", &rife::Config::v4_6().expected_keys())
        .unwrap_err();
    let NnError::KeyMismatch {
        missing,
        unexpected,
        wrong_shape,
        ..
    } = err
    else {
        panic!()
    };
    assert!(missing.is_empty());
    assert_eq!(unexpected.len(), 38); // block4.* (30) and encode.* (8)
    assert!(wrong_shape
        .iter()
        .any(|m| m.key == "block0.conv0.0.0.weight" && m.actual == [96, 15, 3, 3]));
    // And the right config passes.
    check(&sd, &detect(&sd).unwrap()).unwrap();
}

//! Deep network interpolation (Wang et al., "Deep Network Interpolation for
//! Continuous Imagery Effect Transition", CVPR 2019), as `RealESRGANer.dni`
//! does it for `inference_realesrgan.py --denoise_strength s` with
//! realesr-general-x4v3: the weights of the model and its `-wdn-` twin are
//! blended key by key,
//!
//! ```text
//! w = s · w_x4v3 + (1 − s) · w_wdn        (dni_weight = [s, 1 − s])
//! ```
//!
//! in float32 (each product rounded, then the sum), so `s = 1` is the plain
//! model and `s = 0` the wdn one.

use crate::error::NnError;
use crate::state_dict::StateDict;
use crate::tensor::Tensor;

/// `s · a + (1 − s) · b`, key by key (`dni_weight[0] · a + dni_weight[1] · b`
/// with `dni_weight = [s, 1 − s]`). Both state dicts must hold the same keys
/// with the same shapes (the same architecture).
pub fn dni(a: &StateDict, b: &StateDict, s: f64) -> Result<StateDict, NnError> {
    if !(0.0..=1.0).contains(&s) {
        return Err(NnError::BadInput {
            reason: format!("denoise strength {s} is outside [0, 1]"),
        });
    }
    // torch multiplies a float32 tensor by a Python float in float32.
    let (wa, wb) = (s as f32, (1.0 - s) as f32);
    let mut out = StateDict::new();
    for (key, ta) in a.iter() {
        let tb = b.get(key).ok_or_else(|| NnError::BadInput {
            reason: format!("denoise blend: `{key}` is missing from the second network"),
        })?;
        if tb.shape != ta.shape {
            return Err(NnError::BadInput {
                reason: format!(
                    "denoise blend: `{key}` is {:?} in one network and {:?} in the other",
                    ta.shape, tb.shape
                ),
            });
        }
        let data = ta
            .data
            .iter()
            .zip(&tb.data)
            .map(|(&x, &y)| wa * x + wb * y)
            .collect();
        out.insert(
            key.to_string(),
            Tensor {
                shape: ta.shape.clone(),
                dtype: ta.dtype,
                data,
            },
        );
    }
    if let Some(extra) = b.keys().find(|k| a.get(k).is_none()) {
        return Err(NnError::BadInput {
            reason: format!("denoise blend: `{extra}` is only in the second network"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::DType;

    fn sd(v: &[f32]) -> StateDict {
        let mut s = StateDict::new();
        s.insert(
            "w".into(),
            Tensor {
                shape: vec![v.len()],
                dtype: DType::F32,
                data: v.to_vec(),
            },
        );
        s
    }

    #[test]
    fn blends_with_the_first_network_weighted_by_s() {
        let (a, b) = (sd(&[1.0, 4.0]), sd(&[3.0, 0.0]));
        assert_eq!(
            dni(&a, &b, 0.25).unwrap().get("w").unwrap().data,
            [2.5, 1.0]
        );
        assert_eq!(dni(&a, &b, 1.0).unwrap(), a);
        assert_eq!(dni(&a, &b, 0.0).unwrap(), b);
    }

    #[test]
    fn mismatched_networks_and_strengths_are_refused() {
        let (a, b) = (sd(&[1.0, 4.0]), sd(&[3.0]));
        assert!(dni(&a, &b, 0.5).unwrap_err().to_string().contains("`w`"));
        assert!(dni(&a, &a, 1.5).is_err());
    }
}

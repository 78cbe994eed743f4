//! Turning a pickled tensor (a strided view of a storage) into a [`Tensor`],
//! with every offset, stride and size checked against the storage's real
//! bytes before anything is allocated. Shared by the zip and legacy readers.

use std::path::Path;

use crate::error::NnError;
use crate::pickle::{StorageRef, TensorRef};
use crate::tensor::Tensor;

/// Builds the tensor `t` (named `key`) from its storage's bytes, `bytes`.
///
/// The view may not hold more elements than the storage (so a tiny storage
/// cannot expand into a huge allocation through zero strides), and its last
/// element must lie inside the storage.
pub(crate) fn materialize(
    path: &Path,
    key: &str,
    t: &TensorRef,
    bytes: &[u8],
) -> Result<Tensor, NnError> {
    let bad = |reason: String| NnError::BadTensor {
        path: path.to_path_buf(),
        key: key.to_string(),
        reason,
    };
    let esize = t.storage.dtype.size();
    let storage_numel = t.storage.numel;
    if bytes.len() / esize < storage_numel {
        return Err(bad(format!(
            "storage `{}` declares {} elements of {} but holds {} bytes",
            t.storage.key,
            storage_numel,
            t.storage.dtype,
            bytes.len()
        )));
    }
    let numel = t
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad(format!("shape {:?} overflows", t.shape)))?;
    if numel > storage_numel {
        return Err(bad(format!(
            "shape {:?} has {numel} elements, more than its storage's {storage_numel}",
            t.shape
        )));
    }
    let mut data = Vec::with_capacity(numel);
    if numel == 0 {
        return Ok(Tensor {
            shape: t.shape.clone(),
            dtype: t.storage.dtype,
            data,
        });
    }
    // Last element reached: offset + Σ (size-1)·stride, all checked.
    let last = t
        .shape
        .iter()
        .zip(&t.stride)
        .try_fold(t.offset, |acc, (&d, &s)| {
            (d - 1).checked_mul(s).and_then(|x| acc.checked_add(x))
        });
    match last {
        Some(last) if last < storage_numel => {}
        _ => {
            return Err(bad(format!(
                "view (offset {}, size {:?}, stride {:?}) reaches past the {storage_numel} elements of storage `{}`",
                t.offset, t.shape, t.stride, t.storage.key
            )))
        }
    }
    let dtype = t.storage.dtype;
    if is_contiguous(&t.shape, &t.stride) {
        let start = t.offset * esize;
        dtype.decode_into(&bytes[start..start + numel * esize], &mut data);
    } else {
        // General strided gather, one element at a time (rare in state dicts).
        let mut idx = vec![0usize; t.shape.len()];
        for _ in 0..numel {
            let off = t.offset + idx.iter().zip(&t.stride).map(|(i, s)| i * s).sum::<usize>();
            dtype.decode_into(&bytes[off * esize..(off + 1) * esize], &mut data);
            for d in (0..idx.len()).rev() {
                idx[d] += 1;
                if idx[d] < t.shape[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
    }
    Ok(Tensor {
        shape: t.shape.clone(),
        dtype,
        data,
    })
}

/// Row-major strides (dimensions of size 1 may carry any stride).
fn is_contiguous(shape: &[usize], stride: &[usize]) -> bool {
    let mut expect = 1;
    for (&d, &s) in shape.iter().zip(stride).rev() {
        if d != 1 && s != expect {
            return false;
        }
        expect *= d;
    }
    true
}

/// Where a container keeps its storages' bytes.
pub(crate) trait StorageBytes {
    /// The bytes of storage `s`, at least `s.numel` elements long.
    fn bytes(&mut self, s: &StorageRef) -> Result<&[u8], NnError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::StorageRef;
    use crate::tensor::DType;

    fn view(numel: usize, offset: usize, shape: &[usize], stride: &[usize]) -> TensorRef {
        TensorRef {
            storage: StorageRef {
                key: "0".into(),
                dtype: DType::F32,
                numel,
            },
            offset,
            shape: shape.to_vec(),
            stride: stride.to_vec(),
        }
    }

    fn bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn contiguous_strided_and_bounds() {
        let b = bytes(&[0., 1., 2., 3., 4., 5.]);
        let p = Path::new("t");
        let t = materialize(p, "k", &view(6, 0, &[2, 3], &[3, 1]), &b).unwrap();
        assert_eq!(t.data, [0., 1., 2., 3., 4., 5.]);
        let t = materialize(p, "k", &view(6, 0, &[3, 2], &[1, 3]), &b).unwrap(); // transposed
        assert_eq!(t.data, [0., 3., 1., 4., 2., 5.]);
        let t = materialize(p, "k", &view(6, 4, &[2], &[1]), &b).unwrap();
        assert_eq!(t.data, [4., 5.]);
        assert!(materialize(p, "k", &view(6, 5, &[2], &[1]), &b).is_err()); // past the end
        assert!(materialize(p, "k", &view(7, 0, &[7], &[1]), &b).is_err()); // storage short
        assert!(materialize(p, "k", &view(6, 0, &[1 << 40], &[0]), &b).is_err()); // expansion
        assert!(materialize(p, "k", &view(6, 0, &[usize::MAX, 2], &[1, 1]), &b).is_err());
        // overflow
    }
}

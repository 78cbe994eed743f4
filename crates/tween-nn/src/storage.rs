//! Turning a pickled tensor (a strided view of a storage) into a [`Tensor`],
//! with every offset, stride and size checked against the storage's real
//! bytes before anything is allocated. Shared by the zip and legacy readers.

use std::path::Path;

use crate::error::NnError;
use crate::pickle::{StorageRef, TensorRef};
use crate::tensor::Tensor;

/// How many elements of its storage the view `t` (named `key`) reaches:
/// one past its last element, 0 for an empty view. Checked on the declared
/// sizes alone, before anything is read: the view may not hold more
/// elements than its storage (so a tiny storage cannot expand into a huge
/// allocation through zero strides), and its last element must lie inside
/// the storage.
pub(crate) fn view_extent(path: &Path, key: &str, t: &TensorRef) -> Result<usize, NnError> {
    let bad = |reason: String| NnError::BadTensor {
        path: path.to_path_buf(),
        key: key.to_string(),
        reason,
    };
    let storage_numel = t.storage.numel;
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
    if numel == 0 {
        return Ok(0);
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
        Some(last) if last < storage_numel => Ok(last + 1),
        _ => Err(bad(format!(
            "view (offset {}, size {:?}, stride {:?}) reaches past the {storage_numel} elements of storage `{}`",
            t.offset, t.shape, t.stride, t.storage.key
        ))),
    }
}

/// Builds the tensor `t` (named `key`) from its storage's bytes, `bytes`,
/// which must reach as far as the view does ([`view_extent`]).
pub(crate) fn materialize(
    path: &Path,
    key: &str,
    t: &TensorRef,
    bytes: &[u8],
) -> Result<Tensor, NnError> {
    let extent = view_extent(path, key, t)?;
    let esize = t.storage.dtype.size();
    if bytes.len() / esize < extent {
        return Err(NnError::BadTensor {
            path: path.to_path_buf(),
            key: key.to_string(),
            reason: format!(
                "storage `{}` holds {} bytes, the view reaches element {extent} of {}",
                t.storage.key,
                bytes.len(),
                t.storage.dtype
            ),
        });
    }
    let numel: usize = t.shape.iter().product();
    let mut data = Vec::with_capacity(numel);
    if numel == 0 {
        return Ok(Tensor {
            shape: t.shape.clone(),
            dtype: t.storage.dtype,
            data,
        });
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
    /// The first `elements` elements of storage `s` (at most `s.numel`; the
    /// same count each time a storage is asked for): no more is read.
    fn bytes(&mut self, s: &StorageRef, elements: usize) -> Result<&[u8], NnError>;
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

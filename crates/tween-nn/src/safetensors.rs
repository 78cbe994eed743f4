//! `.safetensors` in and out, through the `safetensors` crate (which checks
//! the header, dtypes and offsets). Tensors keep the file's order.

use std::collections::HashMap;
use std::path::Path;

use ::safetensors::tensor::{Dtype, TensorView};
use ::safetensors::SafeTensors;

use crate::error::NnError;
use crate::state_dict::StateDict;
use crate::tensor::{DType, Tensor};

/// Reads a safetensors file held in `bytes` (read from `path`).
pub(crate) fn read(
    path: &Path,
    bytes: &[u8],
) -> Result<(StateDict, HashMap<String, String>), NnError> {
    let bad = |reason: String| NnError::Safetensors {
        path: path.to_path_buf(),
        reason,
    };
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| bad(e.to_string()))?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
    let mut named: Vec<(String, TensorView<'_>)> = st.tensors();
    // File order: by where the data lies.
    let infos = meta.tensors();
    named.sort_by_key(|(n, _)| infos.get(n).map_or(usize::MAX, |i| i.data_offsets.0));
    let mut sd = StateDict::new();
    for (name, view) in named {
        let dtype = match view.dtype() {
            Dtype::F32 => DType::F32,
            Dtype::F16 => DType::F16,
            Dtype::BF16 => DType::BF16,
            Dtype::F64 => DType::F64,
            Dtype::I64 => DType::I64,
            Dtype::I32 => DType::I32,
            Dtype::I16 => DType::I16,
            Dtype::I8 => DType::I8,
            Dtype::U8 => DType::U8,
            Dtype::BOOL => DType::Bool,
            other => {
                return Err(bad(format!(
                    "tensor `{name}` has dtype {other:?}, which tween does not read"
                )))
            }
        };
        let mut data = Vec::new();
        dtype.decode_into(view.data(), &mut data);
        sd.insert(
            name,
            Tensor {
                shape: view.shape().to_vec(),
                dtype,
                data,
            },
        );
    }
    Ok((sd, meta.metadata().clone().unwrap_or_default()))
}

/// Serialises `sd` as f32 safetensors with `metadata` in the header.
pub(crate) fn to_bytes(
    sd: &StateDict,
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>, NnError> {
    let raw: Vec<(String, Vec<u8>, &[usize])> = sd
        .iter()
        .map(|(k, t)| {
            (
                k.to_string(),
                t.data.iter().flat_map(|x| x.to_le_bytes()).collect(),
                t.shape.as_slice(),
            )
        })
        .collect();
    let views = raw
        .iter()
        .map(|(k, b, s)| {
            TensorView::new(Dtype::F32, s.to_vec(), b)
                .map(|v| (k.as_str(), v))
                .map_err(|e| NnError::Safetensors {
                    path: k.into(),
                    reason: e.to_string(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    ::safetensors::serialize(views, Some(metadata)).map_err(|e| NnError::Safetensors {
        path: "<memory>".into(),
        reason: e.to_string(),
    })
}

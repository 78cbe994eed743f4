//! `.safetensors` in and out, through the `safetensors` crate (which checks
//! the header, dtypes and offsets). Tensors keep the file's order.

use std::collections::HashMap;
use std::path::Path;

use std::fs::File;
use std::io::Read;

use ::safetensors::tensor::{Dtype, Metadata, TensorInfo, TensorView};
use ::safetensors::SafeTensors;

use crate::error::NnError;
use crate::state_dict::StateDict;
use crate::tensor::{DType, Tensor};

/// The largest header accepted. A state dict's is a few KB to a few hundred
/// KB (the crate itself stops at 100 MB).
pub(crate) const MAX_HEADER_BYTES: u64 = 16 << 20;

/// Reads the safetensors file `path`: its header first, alone — the length
/// checked against the file before it is read, every tensor's offsets
/// checked to follow one another and cover the file exactly, the declared
/// tensors (shapes and dtypes, no values) handed to `check` — and only then
/// the data.
pub(crate) fn read_file(
    path: &Path,
    check: &mut dyn FnMut(StateDict) -> Result<(), NnError>,
) -> Result<(StateDict, HashMap<String, String>), NnError> {
    let bad = |reason: String| NnError::Safetensors {
        path: path.to_path_buf(),
        reason,
    };
    let io = |e: std::io::Error| NnError::io(path, e);
    let mut file = File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut len = [0u8; 8];
    file.read_exact(&mut len)
        .map_err(|_| bad("shorter than its 8-byte header length".into()))?;
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER_BYTES {
        return Err(NnError::TooLarge {
            path: path.to_path_buf(),
            what: "its header".into(),
            size: n,
            limit: MAX_HEADER_BYTES,
        });
    }
    if n > file_len - 8 {
        return Err(bad(format!(
            "the header declares {n} bytes, the file holds {} after the length",
            file_len - 8
        )));
    }
    let mut header = vec![0u8; n as usize];
    file.read_exact(&mut header).map_err(io)?;
    let meta: Metadata =
        serde_json::from_slice(&header).map_err(|e| bad(format!("header: {e}")))?;
    let data_len = meta.data_len() as u64;
    if 8 + n + data_len != file_len {
        return Err(bad(format!(
            "the tensors' offsets cover {data_len} bytes, the file holds {} after the header",
            file_len - 8 - n
        )));
    }
    let mut declared = StateDict::new();
    for (name, info) in by_offset(&meta) {
        declared.insert(
            name.to_string(),
            Tensor {
                shape: info.shape.clone(),
                dtype: dtype(path, &name, info.dtype)?,
                data: Vec::new(),
            },
        );
    }
    crate::state_dict::precheck(path, &declared, &mut |d| check(d.clone()))?;
    drop(declared);
    let bytes = crate::state_dict::read_whole(path)?;
    read(path, &bytes)
}

/// The tensors of `meta`, in file order.
fn by_offset(meta: &Metadata) -> Vec<(String, &TensorInfo)> {
    let mut v: Vec<(String, &TensorInfo)> = meta.tensors().into_iter().collect();
    v.sort_by_key(|(_, i)| i.data_offsets.0);
    v
}

/// Our dtype for a safetensors one; the ones tween does not read are refused.
fn dtype(path: &Path, name: &str, d: Dtype) -> Result<DType, NnError> {
    Ok(match d {
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
            return Err(NnError::Safetensors {
                path: path.to_path_buf(),
                reason: format!("tensor `{name}` has dtype {other:?}, which tween does not read"),
            })
        }
    })
}

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
        let dtype = dtype(path, &name, view.dtype())?;
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

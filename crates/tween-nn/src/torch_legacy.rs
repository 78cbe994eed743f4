//! The legacy torch format (before 1.6, still readable by `torch.load`): a
//! stream of pickles — magic number, protocol version, system info, the
//! object, the list of storage keys — then, per key in that order, an i64
//! element count and the storage's raw bytes.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::NnError;
use crate::pickle::{self, StorageRef, Value};
use crate::state_dict::fault;
use crate::storage::StorageBytes;

/// The first pickle of a legacy file: protocol 2, `LONG1` 0x1950a86a20f9469cfc6c, STOP.
pub(crate) const MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

/// A parsed legacy file: its bytes and where each storage lies in them.
pub(crate) struct TorchLegacy {
    path: PathBuf,
    data: Vec<u8>,
    ranges: HashMap<String, Range<usize>>,
}

impl TorchLegacy {
    pub(crate) fn parse(path: &Path, data: Vec<u8>) -> Result<(Value, TorchLegacy), NnError> {
        let bad = |reason: String| NnError::BadArchive {
            path: path.to_path_buf(),
            reason,
        };
        let mut pos = MAGIC.len();
        let (version, p) = pickle::unpickle(&data, pos).map_err(|f| fault(path, f))?;
        if version != Value::Int(1001) {
            return Err(bad(format!(
                "legacy protocol version {version:?}, expected 1001"
            )));
        }
        let (sys_info, p) = pickle::unpickle(&data, p).map_err(|f| fault(path, f))?;
        if let Value::Dict(pairs) = &sys_info {
            let little = pairs
                .iter()
                .find(|(k, _)| *k == Value::Str("little_endian".into()));
            if matches!(little, Some((_, Value::Bool(false)))) {
                return Err(bad(
                    "big-endian file (only little-endian is supported)".into()
                ));
            }
        }
        let (root, p) = pickle::unpickle(&data, p).map_err(|f| fault(path, f))?;
        let (keys, p) = pickle::unpickle(&data, p).map_err(|f| fault(path, f))?;
        pos = p;
        let Value::List(keys) = keys else {
            return Err(bad("storage key list is not a list".into()));
        };
        // Element sizes come from the storages the pickle declared.
        let mut esize = HashMap::new();
        collect_storages(&root, &mut esize);
        let mut ranges = HashMap::new();
        for key in keys {
            let Value::Str(key) = key else {
                return Err(bad("storage key is not a string".into()));
            };
            let Some(&size) = esize.get(&key) else {
                return Err(bad(format!("storage {key} is listed but never used")));
            };
            let Some(head) = data.get(pos..pos + 8) else {
                return Err(bad(format!("truncated before storage {key}")));
            };
            let numel = i64::from_le_bytes(head.try_into().expect("8 bytes"));
            let len = usize::try_from(numel)
                .ok()
                .and_then(|n| n.checked_mul(size))
                .filter(|&len| len <= data.len() - pos - 8)
                .ok_or_else(|| {
                    bad(format!(
                        "storage {key} declares {numel} elements, more than the file holds"
                    ))
                })?;
            ranges.insert(key, pos + 8..pos + 8 + len);
            pos += 8 + len;
        }
        Ok((
            root,
            TorchLegacy {
                path: path.to_path_buf(),
                data,
                ranges,
            },
        ))
    }
}

fn collect_storages(v: &Value, out: &mut HashMap<String, usize>) {
    match v {
        Value::Tensor(t) => {
            out.insert(t.storage.key.clone(), t.storage.dtype.size());
        }
        Value::Storage(s) => {
            out.insert(s.key.clone(), s.dtype.size());
        }
        Value::Tuple(items) | Value::List(items) => {
            items.iter().for_each(|i| collect_storages(i, out))
        }
        Value::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
            collect_storages(k, out);
            collect_storages(v, out);
        }),
        _ => {}
    }
}

impl StorageBytes for TorchLegacy {
    fn bytes(&mut self, s: &StorageRef, _elements: usize) -> Result<&[u8], NnError> {
        // Already in memory: the whole range (materialize checks it reaches far enough).
        let r = self.ranges.get(&s.key).ok_or_else(|| NnError::BadArchive {
            path: self.path.clone(),
            reason: format!("storage {} has no data in the file", s.key),
        })?;
        Ok(&self.data[r.clone()])
    }
}

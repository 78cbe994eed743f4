//! [`StateDict`]: the ordered name → tensor map every weight file becomes,
//! [`load`] (format sniffed from the bytes, not the extension), unwrapping of
//! `params_ema` / `params` / `state_dict` / `model` nesting and the `module.`
//! prefix, and the strict key check.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::error::{NnError, ShapeMismatch};
use crate::pickle::{Fault, TensorRef, Value};
use crate::storage::{materialize, view_extent, StorageBytes};
use crate::tensor::{DType, Tensor};
use crate::{safetensors, torch_legacy, torch_zip};

/// The container a state dict was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SourceFormat {
    /// `torch.save` since 1.6 (`.pth`, `.pkl`, `.pt`).
    TorchZip,
    /// `torch.save` before 1.6 (magic-number pickle stream).
    TorchLegacy,
    Safetensors,
}

/// Ordered map of tensor name → [`Tensor`], in file order. Two state dicts
/// are equal when they hold the same names with equal tensors, in any order.
#[derive(Debug, Clone, Default)]
pub struct StateDict {
    entries: Vec<(String, Tensor)>,
    index: HashMap<String, usize>,
}

impl StateDict {
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts or replaces `name` (a replaced entry keeps its position).
    pub fn insert(&mut self, name: String, t: Tensor) {
        match self.index.get(&name) {
            Some(&i) => self.entries[i].1 = t,
            None => {
                self.index.insert(name.clone(), self.entries.len());
                self.entries.push((name, t));
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.index.get(name).map(|&i| &self.entries[i].1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.entries.iter().map(|(k, t)| (k.as_str(), t))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// Total number of values over all tensors.
    pub fn param_count(&self) -> usize {
        self.entries.iter().map(|(_, t)| t.numel()).sum()
    }

    /// The source dtypes present, most frequent first (`[F32]` for most files).
    pub fn dtypes(&self) -> Vec<DType> {
        let mut counts: Vec<(DType, usize)> = Vec::new();
        for (_, t) in &self.entries {
            match counts.iter_mut().find(|(d, _)| *d == t.dtype) {
                Some((_, n)) => *n += 1,
                None => counts.push((t.dtype, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        counts.into_iter().map(|(d, _)| d).collect()
    }

    /// Compares the keys and shapes with `expected` exactly: any missing,
    /// unexpected or wrongly shaped key is an error that lists them all.
    /// (PyTorch's non-strict loading would run random weights instead.)
    pub fn check_keys<S: AsRef<str>>(
        &self,
        architecture: &str,
        expected: &[(S, Vec<usize>)],
    ) -> Result<(), NnError> {
        let mut missing = Vec::new();
        let mut wrong_shape = Vec::new();
        for (name, shape) in expected {
            match self.get(name.as_ref()) {
                None => missing.push(name.as_ref().to_string()),
                Some(t) if &t.shape != shape => wrong_shape.push(ShapeMismatch {
                    key: name.as_ref().to_string(),
                    expected: shape.clone(),
                    actual: t.shape.clone(),
                }),
                Some(_) => {}
            }
        }
        let known: std::collections::HashSet<&str> =
            expected.iter().map(|(n, _)| n.as_ref()).collect();
        let unexpected: Vec<String> = self
            .keys()
            .filter(|k| !known.contains(k))
            .map(str::to_string)
            .collect();
        if missing.is_empty() && unexpected.is_empty() && wrong_shape.is_empty() {
            return Ok(());
        }
        Err(NnError::KeyMismatch {
            architecture: architecture.to_string(),
            missing,
            unexpected,
            wrong_shape,
        })
    }
}

impl PartialEq for StateDict {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, t)| other.get(k) == Some(t))
    }
}

/// A state dict and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state_dict: StateDict,
    pub format: SourceFormat,
    /// The wrapper key the tensors were found under (`params_ema`, …), if any.
    pub unwrapped: Option<String>,
    /// Whether a DDP `module.` prefix was stripped (keys without it dropped).
    pub stripped_module_prefix: bool,
    /// safetensors header metadata (empty for torch files).
    pub metadata: HashMap<String, String>,
}

/// The most bytes of tensor values a weight file may make (as f32), and the
/// most bytes of storage it may have read: 1 GiB, 16 times Real-ESRGAN
/// x4plus. Checked on the sizes the file declares, before any is read.
pub const MAX_TENSOR_BYTES: u64 = 1 << 30;
/// The largest legacy torch or safetensors file read (they are read whole).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// Reads the weights in `path`: a torch zip or legacy pickle, or safetensors,
/// recognised by their first bytes.
pub fn load(path: &Path) -> Result<StateDict, NnError> {
    load_detailed(path).map(|l| l.state_dict)
}

/// [`load`], also saying which container and wrappers were found.
pub fn load_detailed(path: &Path) -> Result<Loaded, NnError> {
    read_weights(path, &mut |_| Ok(()))
}

/// Reads `path` like [`load`], but first runs `check` on what the file
/// declares — every key with its shape and dtype, and no values (each
/// [`Tensor::data`] is empty) — and reads the tensor data only when it
/// passes. Weights of another network, or a small file declaring
/// gigabytes, are refused having read only the header (safetensors) or the
/// pickle (torch).
///
/// ```no_run
/// let path = std::path::Path::new("RealESRGAN_x4plus.pth");
/// let (sd, arch) = tween_nn::load_verified(path, tween_nn::detect_strict)?;
/// # Ok::<(), tween_nn::NnError>(())
/// ```
pub fn load_verified<T>(
    path: &Path,
    check: impl FnOnce(&StateDict) -> Result<T, NnError>,
) -> Result<(StateDict, T), NnError> {
    let mut check = Some(check);
    let mut verdict = None;
    let loaded = read_weights(path, &mut |declared| {
        let check = check.take().expect("the check runs once");
        verdict = Some(check(declared)?);
        Ok(())
    })?;
    let verdict = verdict.expect("read_weights runs the check before it returns Ok");
    Ok((loaded.state_dict, verdict))
}

/// What [`load_verified`] runs on the declared keys and shapes.
pub(crate) type Precheck<'a> = dyn FnMut(&StateDict) -> Result<(), NnError> + 'a;

/// The one reader behind [`load_detailed`] and [`load_verified`]: `check`
/// runs on the declared keys and shapes before any tensor data is read.
pub(crate) fn read_weights(path: &Path, check: &mut Precheck<'_>) -> Result<Loaded, NnError> {
    let mut head = [0u8; 16];
    let n = {
        let mut f = std::fs::File::open(path).map_err(|e| NnError::io(path, e))?;
        read_up_to(&mut f, &mut head).map_err(|e| NnError::io(path, e))?
    };
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") {
        let (root, mut zip) = torch_zip::TorchZip::open(path)?;
        from_pickle(path, root, &mut zip, SourceFormat::TorchZip, check)
    } else if head.starts_with(&torch_legacy::MAGIC[..4]) {
        let data = read_whole(path)?;
        if !data.starts_with(torch_legacy::MAGIC) {
            return Err(NnError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
        let (root, mut legacy) = torch_legacy::TorchLegacy::parse(path, data)?;
        from_pickle(path, root, &mut legacy, SourceFormat::TorchLegacy, check)
    } else if head.len() >= 9 && head[8] == b'{' {
        let (state_dict, metadata) = safetensors::read_file(path, &mut |declared| {
            let (declared, _) = strip_module_prefix(declared);
            check(&declared)
        })?;
        let (state_dict, stripped) = strip_module_prefix(state_dict);
        Ok(Loaded {
            state_dict,
            format: SourceFormat::Safetensors,
            unwrapped: None,
            stripped_module_prefix: stripped,
            metadata,
        })
    } else {
        Err(NnError::UnknownFormat {
            path: path.to_path_buf(),
        })
    }
}

/// The whole of `path`, refused unread above [`MAX_FILE_BYTES`].
pub(crate) fn read_whole(path: &Path) -> Result<Vec<u8>, NnError> {
    let size = std::fs::metadata(path)
        .map_err(|e| NnError::io(path, e))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(NnError::TooLarge {
            path: path.to_path_buf(),
            what: "the file".into(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut data = Vec::with_capacity(size as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES).read_to_end(&mut data))
        .map_err(|e| NnError::io(path, e))?;
    Ok(data)
}

/// The tensor values `declared` would make (f32) checked against
/// [`MAX_TENSOR_BYTES`], then `check` run on it: before any data is read.
pub(crate) fn precheck(
    path: &Path,
    declared: &StateDict,
    check: &mut Precheck<'_>,
) -> Result<(), NnError> {
    let values = declared
        .iter()
        .try_fold(0u64, |sum, (_, t)| {
            t.shape
                .iter()
                .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
                .and_then(|n| n.checked_mul(4))
                .and_then(|b| sum.checked_add(b))
        })
        .unwrap_or(u64::MAX);
    if values > MAX_TENSOR_BYTES {
        return Err(NnError::TooLarge {
            path: path.to_path_buf(),
            what: format!("the values of its {} tensors (as f32)", declared.len()),
            size: values,
            limit: MAX_TENSOR_BYTES,
        });
    }
    check(declared)
}

fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Wrapper keys, in the order the official loaders prefer them.
const WRAPPERS: [&str; 4] = ["params_ema", "params", "state_dict", "model"];

fn from_pickle(
    path: &Path,
    root: Value,
    store: &mut dyn StorageBytes,
    format: SourceFormat,
    check: &mut Precheck<'_>,
) -> Result<Loaded, NnError> {
    let no_sd = |reason: String| NnError::NoStateDict {
        path: path.to_path_buf(),
        reason,
    };
    let mut dict = match root {
        Value::Dict(pairs) => pairs,
        other => {
            return Err(no_sd(format!(
                "the pickle holds a {} rather than a dict",
                kind(&other)
            )))
        }
    };
    let mut unwrapped: Option<String> = None;
    // Up to two levels, e.g. {"model": {"state_dict": {...}}}.
    for _ in 0..2 {
        let pick = WRAPPERS.iter().find_map(|w| {
            dict.iter()
                .position(|(k, v)| matches!((k, v), (Value::Str(s), Value::Dict(_)) if s == w))
        });
        let Some(i) = pick else { break };
        let (Value::Str(w), Value::Dict(inner)) = dict.swap_remove(i) else {
            unreachable!("matched above")
        };
        unwrapped = Some(match unwrapped {
            Some(outer) => format!("{outer}.{w}"),
            None => w,
        });
        dict = inner;
    }
    let mut tensors: Vec<(String, TensorRef)> = Vec::new();
    for (k, v) in dict {
        if let (Value::Str(k), Value::Tensor(t)) = (k, v) {
            tensors.push((k, *t));
        }
    }
    if tensors.is_empty() {
        return Err(no_sd(format!(
            "no tensors{}",
            unwrapped
                .as_deref()
                .map(|w| format!(" under `{w}`"))
                .unwrap_or_default()
        )));
    }
    let (tensors, stripped) = strip_prefix_list(tensors);
    // Everything is checked on the declared sizes before a byte of storage
    // is read: each view inside its storage, the totals, then `check`.
    let mut declared = StateDict::new();
    let mut needed: HashMap<&str, (usize, usize)> = HashMap::new();
    for (key, t) in &tensors {
        let extent = view_extent(path, key, t)?;
        let need = needed.entry(t.storage.key.as_str()).or_insert((0, 0));
        need.0 = need.0.max(extent);
        need.1 = t.storage.dtype.size();
        declared.insert(
            key.clone(),
            Tensor {
                shape: t.shape.clone(),
                dtype: t.storage.dtype,
                data: Vec::new(),
            },
        );
    }
    let read: u64 = needed
        .values()
        .map(|&(n, size)| n as u64 * size as u64)
        .fold(0u64, u64::saturating_add);
    if read > MAX_TENSOR_BYTES {
        return Err(NnError::TooLarge {
            path: path.to_path_buf(),
            what: format!("the storage its {} tensors use", tensors.len()),
            size: read,
            limit: MAX_TENSOR_BYTES,
        });
    }
    precheck(path, &declared, check)?;
    drop(declared);
    let needed: HashMap<String, usize> = needed
        .into_iter()
        .map(|(k, (n, _))| (k.to_string(), n))
        .collect();
    let mut sd = StateDict::new();
    for (key, t) in tensors {
        let bytes = store.bytes(&t.storage, needed[&t.storage.key])?;
        let tensor = materialize(path, &key, &t, bytes)?;
        sd.insert(key, tensor);
    }
    Ok(Loaded {
        state_dict: sd,
        format,
        unwrapped,
        stripped_module_prefix: stripped,
        metadata: HashMap::new(),
    })
}

/// As the official RIFE loaders do: when any key contains `module.`, keep only
/// those keys, with `module.` removed.
fn strip_prefix_list<T>(items: Vec<(String, T)>) -> (Vec<(String, T)>, bool) {
    if !items.iter().any(|(k, _)| k.contains("module.")) {
        return (items, false);
    }
    let kept = items
        .into_iter()
        .filter(|(k, _)| k.contains("module."))
        .map(|(k, t)| (k.replace("module.", ""), t))
        .collect();
    (kept, true)
}

fn strip_module_prefix(sd: StateDict) -> (StateDict, bool) {
    let (items, stripped) = strip_prefix_list(sd.entries);
    let mut out = StateDict::new();
    for (k, t) in items {
        out.insert(k, t);
    }
    (out, stripped)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::None => "None",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "str",
        Value::Bytes(_) => "bytes",
        Value::Tuple(_) => "tuple",
        Value::List(_) => "list",
        Value::Dict(_) => "dict",
        Value::Global(_) => "class",
        Value::Storage(_) => "storage",
        Value::Tensor(_) => "tensor",
    }
}

/// A VM fault as a typed error naming the file.
pub(crate) fn fault(path: &Path, f: Fault) -> NnError {
    let path = path.to_path_buf();
    match f {
        Fault::RefusedGlobal { global, offset } => NnError::RefusedGlobal {
            path,
            global,
            offset: offset as u64,
        },
        Fault::RefusedOpcode { opcode, offset } => NnError::RefusedOpcode {
            path,
            opcode,
            offset: offset as u64,
        },
        Fault::Bad { reason, offset } => NnError::BadPickle {
            path,
            offset: offset as u64,
            reason,
        },
        Fault::TooLarge {
            size,
            limit,
            offset,
        } => NnError::TooLarge {
            path,
            what: format!("what its pickle builds by byte {offset} (memo and DUP copies included)"),
            size: size as u64,
            limit: limit as u64,
        },
    }
}

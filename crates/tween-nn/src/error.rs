//! The one error type of tween-nn: data, not prose. Every variant names the
//! file (or model) and the offending key, global or shape, so a caller can map
//! it (HTTP status, retry or not) without parsing a message.

use std::path::PathBuf;

/// A key whose shape differs from what the architecture expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeMismatch {
    pub key: String,
    pub expected: Vec<usize>,
    pub actual: Vec<usize>,
}

impl std::fmt::Display for ShapeMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (expected {:?}, found {:?})",
            self.key, self.expected, self.actual
        )
    }
}

/// Everything that can go wrong reading, checking or storing weights.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NnError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: not a weight file tween can read (expected a torch .pth/.pkl or a .safetensors file)", path.display())]
    UnknownFormat { path: PathBuf },

    /// The pickle names a Python global outside the allowlist (`os.system`,
    /// `builtins.eval`, …). Nothing is executed; the file is refused.
    #[error("{}: refused: the pickle references `{global}` (byte {offset}); only the globals a torch state dict needs are allowed", path.display())]
    RefusedGlobal {
        path: PathBuf,
        global: String,
        offset: u64,
    },

    /// An opcode the restricted unpickler does not implement (on purpose or unknown).
    #[error("{}: refused: pickle opcode 0x{opcode:02x} at byte {offset} is not allowed in a weight file", path.display())]
    RefusedOpcode {
        path: PathBuf,
        opcode: u8,
        offset: u64,
    },

    /// The pickle is well-formed up to `offset` but does not make sense there.
    #[error("{}: bad pickle at byte {offset}: {reason}", path.display())]
    BadPickle {
        path: PathBuf,
        offset: u64,
        reason: String,
    },

    /// The container (zip or legacy stream) is damaged or incomplete.
    #[error("{}: damaged torch archive: {reason}", path.display())]
    BadArchive { path: PathBuf, reason: String },

    /// A tensor's declared storage, offset, shape or strides do not fit its data.
    #[error("{}: tensor `{key}`: {reason}", path.display())]
    BadTensor {
        path: PathBuf,
        key: String,
        reason: String,
    },

    /// A declared size above a safety limit; nothing of that size was allocated.
    #[error("{}: {what} is {size} bytes, over the limit of {limit}", path.display())]
    TooLarge {
        path: PathBuf,
        what: String,
        size: u64,
        limit: u64,
    },

    #[error("{}: bad safetensors file: {reason}", path.display())]
    Safetensors { path: PathBuf, reason: String },

    /// The file parsed, but holds no dictionary of tensors where one was expected.
    #[error("{}: no state dict found: {reason}", path.display())]
    NoStateDict { path: PathBuf, reason: String },

    /// The keys match none of the architectures tween knows.
    #[error("unknown architecture: {reason} (first keys: {})", sample_keys.join(", "))]
    UnknownArchitecture {
        reason: String,
        sample_keys: Vec<String>,
    },

    /// The weights do not match the architecture's exact key/shape list.
    #[error("weights do not match {architecture}: {} missing [{}], {} unexpected [{}], {} wrongly shaped [{}]",
        missing.len(), list(missing), unexpected.len(), list(unexpected), wrong_shape.len(),
        wrong_shape.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", "))]
    KeyMismatch {
        architecture: String,
        missing: Vec<String>,
        unexpected: Vec<String>,
        wrong_shape: Vec<ShapeMismatch>,
    },

    #[error("model `{name}` already exists in {} (use --overwrite to replace it)", dir.display())]
    ModelExists { name: String, dir: PathBuf },

    #[error("no model named `{name}` in {}", dir.display())]
    ModelNotFound { name: String, dir: PathBuf },

    #[error("invalid model name `{name}`: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("{}: bad model manifest: {reason}", path.display())]
    BadManifest { path: PathBuf, reason: String },

    #[error("no models folder: set --models-dir or TWEEN_MODELS_DIR (no user data folder found)")]
    NoModelsDir,

    /// No ONNX Runtime shared library at any of the places looked at.
    #[error("ONNX Runtime library not found (looked at: {}); run scripts/fetch-onnxruntime.sh and set ORT_DYLIB_PATH (or TWEEN_ORT_LIB) to the path it prints",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    RuntimeNotFound { searched: Vec<PathBuf> },

    /// The library exists but could not be loaded (not a library, wrong version).
    #[error("{}: cannot load ONNX Runtime: {reason} (run scripts/fetch-onnxruntime.sh for a known-good build)", path.display())]
    RuntimeLoad { path: PathBuf, reason: String },

    /// ONNX Runtime refused a graph or failed while running it.
    #[error("ONNX Runtime, {context}: {reason}")]
    Runtime { context: String, reason: String },

    /// An execution provider that this build does not include.
    #[error("{backend} support not compiled in; rebuild with --features {feature}")]
    BackendNotCompiled {
        backend: &'static str,
        feature: &'static str,
    },

    /// A graph that cannot be built as asked (bad sizes for the model, no outputs).
    #[error("graph `{graph}`: {reason}")]
    Graph { graph: String, reason: String },

    /// Inputs that do not match what the graph or model takes.
    #[error("bad input: {reason}")]
    BadInput { reason: String },

    /// The weight file holds a different network than the model asked for.
    #[error("{}: weights of the wrong architecture for model `{model}`: expected {expected}, found {found}", path.display())]
    WrongArchitecture {
        path: PathBuf,
        model: String,
        expected: String,
        found: String,
    },

    /// A model name no upscaler answers to.
    #[error("unknown upscaling model `{name}` (known: {})", known.join(", "))]
    UnknownModel {
        name: String,
        known: Vec<&'static str>,
    },

    /// Upscaler options the model cannot honour (tile smaller than its
    /// padding, a scale it cannot reach, denoise on a model without a twin).
    #[error("model `{model}`: {reason}")]
    BadUpscaleOptions { model: String, reason: String },
}

/// At most 20 names, then a count, so an error stays readable.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(", … {} more", names.len() - SHOWN));
    }
    s
}

impl NnError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        NnError::Io {
            path: path.into(),
            source,
        }
    }
}

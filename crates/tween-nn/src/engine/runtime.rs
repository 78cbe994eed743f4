//! Finding and loading the ONNX Runtime shared library.
//!
//! The library is looked for, first match wins:
//! 1. [`RuntimeConfig::library`] (an explicit path, e.g. from a CLI flag);
//! 2. `$TWEEN_ORT_LIB`;
//! 3. `$ORT_DYLIB_PATH` (the `ort` crate's own variable);
//! 4. `onnxruntime/libonnxruntime.so` or `target/onnxruntime/libonnxruntime.so`
//!    in the executable's folder or one of its four parents (where
//!    `scripts/fetch-onnxruntime.sh` puts it in a checkout).
//!
//! A path named explicitly (1–3) that does not exist is an error, never a
//! silent fall-through. Nothing is downloaded, ever.
//!
//! ONNX Runtime allows one environment per process, so the loaded library and
//! its environment are process-wide: the first successful [`Runtime::load`]
//! decides the library, later calls share it (and report its path).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;

use crate::error::NnError;

/// The file name of the library on this platform.
pub const LIBRARY_NAME: &str = if cfg!(windows) {
    "onnxruntime.dll"
} else if cfg!(target_os = "macos") {
    "libonnxruntime.dylib"
} else {
    "libonnxruntime.so"
};

/// How to find the runtime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// An explicit library path; overrides the environment variables.
    pub library: Option<PathBuf>,
}

/// The loaded ONNX Runtime: a handle to its (process-wide) environment.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) env: Environment,
    library: PathBuf,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("library", &self.library)
            .finish()
    }
}

static LOADED: OnceLock<Runtime> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

impl Runtime {
    /// Finds and loads the library (once per process), or says how to get it.
    pub fn load(config: &RuntimeConfig) -> Result<Runtime, NnError> {
        if let Some(rt) = LOADED.get() {
            return Ok(rt.clone());
        }
        let _guard = LOADING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rt) = LOADED.get() {
            return Ok(rt.clone());
        }
        let library = locate(config)?;
        let builder = ort::init_from(&library).map_err(|e| NnError::RuntimeLoad {
            path: library.clone(),
            reason: e.to_string(),
        })?;
        let env = builder
            .with_name("tween")
            .with_telemetry(false)
            .build()
            .map_err(|e| NnError::RuntimeLoad {
                path: library.clone(),
                reason: e.to_string(),
            })?;
        Ok(LOADED.get_or_init(|| Runtime { env, library }).clone())
    }

    /// The library file in use.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// ONNX Runtime's build description (branch, commit, flags).
    pub fn build_info(&self) -> &'static str {
        ort::info()
    }
}

/// The library path [`Runtime::load`] would use, or the typed error saying
/// where it looked and how to fetch it.
pub fn locate(config: &RuntimeConfig) -> Result<PathBuf, NnError> {
    let explicit = config.library.clone().or_else(|| {
        ["TWEEN_ORT_LIB", "ORT_DYLIB_PATH"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let candidates = match explicit {
        Some(p) => vec![p],
        None => beside_executable(),
    };
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or(NnError::RuntimeNotFound {
            searched: candidates,
        })
}

fn beside_executable() -> Vec<PathBuf> {
    let Ok(exe) = std::env::current_exe() else {
        return Vec::new();
    };
    exe.ancestors()
        .skip(1)
        .take(5)
        .flat_map(|d| {
            [
                d.join("onnxruntime").join(LIBRARY_NAME),
                d.join("target/onnxruntime").join(LIBRARY_NAME),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_explicit_library_is_a_typed_error_that_says_how_to_fetch_it() {
        let cfg = RuntimeConfig {
            library: Some("/nonexistent/libonnxruntime.so".into()),
        };
        let err = locate(&cfg).unwrap_err();
        assert!(matches!(&err, NnError::RuntimeNotFound { searched } if searched.len() == 1));
        let msg = err.to_string();
        assert!(msg.contains("scripts/fetch-onnxruntime.sh"), "{msg}");
        assert!(msg.contains("/nonexistent/libonnxruntime.so"), "{msg}");
    }
}

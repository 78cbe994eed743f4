//! The model store: a folder of `<name>.safetensors` files, each with a
//! `<name>.json` manifest (hashes, detected architecture, where it came from).
//! Files are written under a temporary name and renamed into place, the
//! manifest last, so a model is either fully there or not at all.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::detect::{detect_strict, Architecture};
use crate::error::NnError;
use crate::state_dict::{load_detailed, read_weights, read_whole, SourceFormat, StateDict};
use crate::tensor::DType;

/// Manifest format written by this version.
const MANIFEST_VERSION: u32 = 1;
/// Environment variable naming the models folder.
pub const MODELS_DIR_ENV: &str = "TWEEN_MODELS_DIR";

/// What `<name>.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub name: String,
    /// The stored weights, relative to the store: `<name>.safetensors` (f32).
    pub file: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub architecture: Architecture,
    pub description: String,
    pub tensors: usize,
    pub parameters: usize,
    pub source: Source,
    /// RFC 3339, UTC.
    pub imported_at: String,
    pub tween_version: String,
}

/// The file a model was imported from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub format: SourceFormat,
    /// Wrapper key the tensors were under (`params_ema`, …).
    pub unwrapped: Option<String>,
    /// Whether the DDP `module.` prefix was stripped.
    pub stripped_module_prefix: bool,
    /// Element types in the source, most frequent first (stored as f32).
    pub dtypes: Vec<DType>,
}

/// Options for [`ModelStore::import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Model name (default: the file stem, or the architecture's short name
    /// for generic stems such as `flownet`).
    pub name: Option<String>,
    /// Replace a model of the same name.
    pub overwrite: bool,
}

/// The outcome of [`ModelStore::verify`]: OK when `problems` is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyReport {
    pub name: String,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// [`ModelStore::list`]: each name with its manifest, or why it is unreadable.
pub type Listing = Vec<(String, Result<Manifest, NnError>)>;

/// A models folder.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// A store in `dir` (created on the first import).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ModelStore { dir: dir.into() }
    }

    /// `explicit`, else `$TWEEN_MODELS_DIR`, else the user data folder
    /// (`$XDG_DATA_HOME/tween/models` or `~/.local/share/tween/models`).
    pub fn resolve_dir(explicit: Option<&Path>) -> Result<PathBuf, NnError> {
        if let Some(d) = explicit {
            return Ok(d.to_path_buf());
        }
        if let Some(d) = std::env::var_os(MODELS_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(d));
        }
        dirs::data_dir()
            .map(|d| d.join("tween").join("models"))
            .ok_or(NnError::NoModelsDir)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn manifest_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Reads `src`, checks it strictly against its detected architecture and
    /// stores it as f32 safetensors with a manifest.
    pub fn import(&self, src: &Path, opts: &ImportOptions) -> Result<Manifest, NnError> {
        if let Some(n) = &opts.name {
            validate_name(n)?;
        }
        // The architecture is checked on the declared keys and shapes, before
        // any tensor data is read (or the file hashed).
        let mut detected = None;
        let loaded = read_weights(src, &mut |declared| {
            detected = Some(detect_strict(declared)?);
            Ok(())
        })?;
        let (src_sha, src_size) = sha256_file(src)?;
        let sd = &loaded.state_dict;
        let arch = detected.expect("read_weights ran the check");
        let name = match &opts.name {
            Some(n) => n.clone(),
            None => default_name(src, &arch),
        };
        validate_name(&name)?;
        let file = format!("{name}.safetensors");
        let weights_path = self.dir.join(&file);
        let manifest_path = self.manifest_path(&name);
        if !opts.overwrite && (weights_path.exists() || manifest_path.exists()) {
            return Err(NnError::ModelExists {
                name,
                dir: self.dir.clone(),
            });
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| NnError::io(&self.dir, e))?;

        let meta = HashMap::from([
            ("format".to_string(), "pt".to_string()),
            ("tween.architecture".to_string(), arch.describe()),
            ("tween.source_sha256".to_string(), src_sha.clone()),
        ]);
        let bytes = crate::safetensors::to_bytes(sd, meta)?;
        let sha256 = hex(&Sha256::digest(&bytes));
        let src_name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let manifest = Manifest {
            manifest_version: MANIFEST_VERSION,
            name: name.clone(),
            file,
            sha256,
            size_bytes: bytes.len() as u64,
            description: arch.describe(),
            architecture: arch,
            tensors: sd.len(),
            parameters: sd.param_count(),
            source: Source {
                file_name: src_name,
                sha256: src_sha,
                size_bytes: src_size,
                format: loaded.format,
                unwrapped: loaded.unwrapped.clone(),
                stripped_module_prefix: loaded.stripped_module_prefix,
                dtypes: sd.dtypes(),
            },
            imported_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now())
                .to_string(),
            tween_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        write_atomic(&self.dir, &weights_path, &bytes, opts.overwrite)?;
        write_atomic(&self.dir, &manifest_path, &json, true)?;
        Ok(manifest)
    }

    /// Every manifest in the store, by name; a manifest that does not parse
    /// is listed with its error.
    pub fn list(&self) -> Result<Listing, NnError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(NnError::io(&self.dir, e)),
        };
        let mut names: Vec<String> = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| NnError::io(&self.dir, e))?;
            let fname = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = fname.strip_suffix(".json") {
                if !stem.starts_with('.') {
                    names.push(stem.to_string());
                }
            }
        }
        names.sort();
        Ok(names
            .into_iter()
            .map(|n| (n.clone(), self.manifest(&n)))
            .collect())
    }

    /// The manifest of `name`.
    pub fn manifest(&self, name: &str) -> Result<Manifest, NnError> {
        validate_name(name)?;
        let path = self.manifest_path(name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(NnError::ModelNotFound {
                    name: name.into(),
                    dir: self.dir.clone(),
                })
            }
            Err(e) => return Err(NnError::io(&path, e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| NnError::BadManifest {
            path,
            reason: e.to_string(),
        })
    }

    /// Re-hashes and re-parses `name`, and checks it against its manifest.
    /// Errors only when the model does not exist; everything else is a problem
    /// in the report.
    pub fn verify(&self, name: &str) -> Result<VerifyReport, NnError> {
        let mut problems = Vec::new();
        let manifest = match self.manifest(name) {
            Ok(m) => m,
            Err(e @ (NnError::ModelNotFound { .. } | NnError::InvalidName { .. })) => {
                return Err(e)
            }
            Err(e) => {
                problems.push(e.to_string());
                return Ok(VerifyReport {
                    name: name.into(),
                    problems,
                });
            }
        };
        if manifest.name != name || manifest.file != format!("{name}.safetensors") {
            problems.push(format!(
                "manifest names `{}` / `{}`, not `{name}`",
                manifest.name, manifest.file
            ));
            return Ok(VerifyReport {
                name: name.into(),
                problems,
            });
        }
        let path = self.dir.join(&manifest.file);
        match sha256_file(&path) {
            Err(e) => problems.push(e.to_string()),
            Ok((sha, size)) => {
                if size != manifest.size_bytes {
                    problems.push(format!(
                        "size is {size} bytes, the manifest says {}",
                        manifest.size_bytes
                    ));
                }
                if sha != manifest.sha256 {
                    problems.push(format!(
                        "sha256 is {sha}, the manifest says {}",
                        manifest.sha256
                    ));
                }
                match load_detailed(&path) {
                    Err(e) => problems.push(format!("does not parse: {e}")),
                    Ok(l) => problems.extend(check_contents(&l.state_dict, &manifest)),
                }
            }
        }
        Ok(VerifyReport {
            name: name.into(),
            problems,
        })
    }

    /// [`verify`](Self::verify) for every model in the store.
    pub fn verify_all(&self) -> Result<Vec<VerifyReport>, NnError> {
        self.list()?
            .into_iter()
            .map(|(n, _)| self.verify(&n))
            .collect()
    }

    /// Loads `name` after checking its hash against the manifest.
    pub fn load(&self, name: &str) -> Result<(StateDict, Manifest), NnError> {
        let manifest = self.manifest(name)?;
        let path = self.dir.join(format!("{name}.safetensors"));
        let bytes = read_whole(&path)?;
        let sha = hex(&Sha256::digest(&bytes));
        if sha != manifest.sha256 {
            return Err(NnError::BadManifest {
                path,
                reason: format!(
                    "sha256 {sha} differs from the manifest's {}",
                    manifest.sha256
                ),
            });
        }
        let (sd, _) = crate::safetensors::read(&path, &bytes)?;
        crate::detect::check(&sd, &manifest.architecture)?;
        Ok((sd, manifest))
    }
}

/// What a stored file must hold to agree with its manifest.
fn check_contents(sd: &StateDict, m: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    match detect_strict(sd) {
        Err(e) => problems.push(e.to_string()),
        Ok(a) if a != m.architecture => problems.push(format!(
            "holds {}, the manifest says {}",
            a.describe(),
            m.architecture.describe()
        )),
        Ok(_) => {}
    }
    if sd.len() != m.tensors || sd.param_count() != m.parameters {
        problems.push(format!(
            "{} tensors / {} parameters, the manifest says {} / {}",
            sd.len(),
            sd.param_count(),
            m.tensors,
            m.parameters
        ));
    }
    let bad: Vec<&str> = sd
        .iter()
        .filter(|(_, t)| t.data.iter().any(|x| !x.is_finite()))
        .map(|(k, _)| k)
        .collect();
    if !bad.is_empty() {
        problems.push(format!("non-finite values in {}", bad.join(", ")));
    }
    problems
}

/// Letters, digits, `.`, `_`, `-`; not starting with `.`; at most 100 bytes.
fn validate_name(name: &str) -> Result<(), NnError> {
    let reason = if name.is_empty() || name.len() > 100 {
        "must be 1 to 100 characters"
    } else if name.starts_with('.') {
        "must not start with `.`"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        "may hold only letters, digits, `.`, `_` and `-`"
    } else {
        return Ok(());
    };
    Err(NnError::InvalidName {
        name: name.into(),
        reason: reason.into(),
    })
}

/// The file stem, or the architecture's short name when the stem says
/// nothing (`flownet`, `model`, …) or is not a valid name.
fn default_name(src: &Path, arch: &Architecture) -> String {
    let stem = src
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let generic = matches!(
        stem.as_str(),
        "flownet" | "model" | "weights" | "net" | "checkpoint"
    );
    if generic || validate_name(&stem).is_err() {
        arch.short_name()
    } else {
        stem
    }
}

fn sha256_file(path: &Path) -> Result<(String, u64), NnError> {
    let mut f = File::open(path).map_err(|e| NnError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| NnError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex(&h.finalize()), size))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `bytes` to a temporary file in `dir`, syncs it, and renames it to
/// `dest` (refusing to replace an existing `dest` unless `replace`).
fn write_atomic(dir: &Path, dest: &Path, bytes: &[u8], replace: bool) -> Result<(), NnError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".tween-import-")
        .tempfile_in(dir)
        .map_err(|e| NnError::io(dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| NnError::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| NnError::io(tmp.path(), e))?;
    let persisted = if replace {
        tmp.persist(dest)
    } else {
        tmp.persist_noclobber(dest)
    };
    persisted.map_err(|e| NnError::io(dest, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_name("rife-v4.25").is_ok());
        for bad in ["", ".hidden", "a/b", "../x", "a b", &"x".repeat(101)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}

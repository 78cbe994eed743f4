//! Which interpolator a `--model` name means, built and checked before any
//! output is touched: weights read and held to their architecture, the RIFE
//! version checked against the one named, ONNX Runtime found and loaded.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tween_core::{Blend, Interpolator};
use tween_nn::arch::rife::Config;
use tween_nn::engine::{Runtime, RuntimeConfig};
use tween_nn::{
    Architecture, ModelStore, NnError, PadPolicy, RifeInterpolator, RifeOptions, StateDict,
};

use crate::OpsError;

type Result<T> = std::result::Result<T, OpsError>;

macro_rules! bail {
    ($($arg:tt)*) => { return Err(OpsError::Model(format!($($arg)*))) };
}

/// The interpolators this build knows, for help and error messages.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "classical",
        "optical flow (DIS-style, occlusion-aware), the default; needs no weights",
    ),
    (
        "blend",
        "cross-fade of the two frames; fast, ghosts on motion",
    ),
    (
        "rife-v4.25",
        "RIFE IFNet v4.25 (ONNX Runtime); --weights flownet.pkl, or an imported model of that name",
    ),
    (
        "rife-v4.26",
        "RIFE IFNet v4.26 (the v4.25 network, other weights); --weights or an imported model",
    ),
    (
        "rife-v4.6",
        "RIFE IFNet v4.6 (ONNX Runtime); --weights flownet.pkl, or an imported model of that name",
    ),
    ("rife", "RIFE IFNet, any v4 version the --weights hold"),
    (
        "NAME",
        "a RIFE model imported with `tween models import` (see `tween models list`)",
    ),
];

/// RIFE's padding policy, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PadPolicyName {
    /// The multiple the network needs (64/scale for v4.25, 32/scale for v4.6).
    Minimal,
    /// Practical-RIFE's inference_video.py: a multiple of max(128, 128/scale).
    Practical,
}

/// Which interpolator to build: `--model` and its companions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSpec {
    pub name: String,
    pub weights: Option<PathBuf>,
    pub scale: Option<f32>,
    pub pad_policy: Option<PadPolicyName>,
    pub models_dir: Option<PathBuf>,
    pub threads: Option<usize>,
    /// RIFE's float type: "fp32" (default), "fp16", "bf16" — where the
    /// hardware runs it (ONNX Runtime's CPU provider: fp32 only).
    pub precision: Option<String>,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::named("classical")
    }
}

impl ModelSpec {
    /// A model by name with every option at its default.
    pub fn named(name: &str) -> Self {
        ModelSpec {
            name: name.to_string(),
            weights: None,
            scale: None,
            pad_policy: None,
            models_dir: None,
            threads: None,
            precision: None,
        }
    }
}

/// The RIFE version a `--model` name promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// `rife`: whatever the weights hold.
    Any,
    /// A preset of [`Config::preset`] (`v4.25` also stands for v4.26).
    Preset(&'static str),
}

fn named_version(name: &str) -> Option<Version> {
    match name {
        "rife" => Some(Version::Any),
        "rife-v4.25" | "rife-v4.26" => Some(Version::Preset("v4.25")),
        "rife-v4.6" => Some(Version::Preset("v4.6")),
        _ => None,
    }
}

/// Builds the interpolator `req` names, or says why not: weights read and
/// checked, ONNX Runtime loaded, before any output is touched.
pub fn build_interpolator(req: &ModelSpec) -> Result<Box<dyn Interpolator>> {
    let name = req.name.as_str();
    let classical: Option<Box<dyn Interpolator>> = match name {
        "classical" | "flow" | "dis" => Some(Box::new(tween_flow::FlowInterpolator::default())),
        "blend" => Some(Box::new(Blend)),
        _ => None,
    };
    if let Some(interp) = classical {
        if req.weights.is_some() {
            bail!("--weights is for RIFE models; --model {name} takes no weights");
        }
        if req.scale.is_some() || req.pad_policy.is_some() || req.precision.is_some() {
            bail!("--scale, --pad-policy and --precision are for RIFE models, not --model {name}");
        }
        return Ok(interp);
    }

    let options = RifeOptions {
        scale: req.scale.unwrap_or(1.0),
        pad: match req.pad_policy {
            None => PadPolicy::default(),
            Some(PadPolicyName::Minimal) => PadPolicy::Minimal,
            Some(PadPolicyName::Practical) => PadPolicy::Practical,
        },
        threads: req.threads,
        precision: match req.precision.as_deref() {
            None => tween_nn::engine::Precision::Fp32,
            Some(p) => p
                .parse()
                .map_err(|e| OpsError::Params(format!("--precision: {e}")))?,
        },
    };
    if !tween_nn::interpolator::SCALES.contains(&options.scale) {
        bail!(
            "--scale must be 0.25, 0.5, 1, 2 or 4 (got {})",
            options.scale
        );
    }

    let (config, weights, label) = match (named_version(name), req.weights.as_deref()) {
        (Some(version), Some(path)) => {
            let (config, sd) = rife_from_file(path, name, version)?;
            let label = match version {
                Version::Any => config
                    .preset()
                    .map_or_else(|| "rife-v4.x".to_string(), |p| format!("rife-{p}")),
                Version::Preset(_) => name.to_string(),
            };
            (config, sd, label)
        }
        (version, None) => match from_store(req)? {
            Some((arch, sd)) => {
                let config = rife_config(arch, &format!("model `{name}`"), name)?;
                if let Some(v) = version {
                    check_version(&config, v, &format!("model `{name}`"), name)?;
                }
                tracing::info!(model = name, "RIFE weights: {}", config.describe());
                (config, sd, name.to_string())
            }
            None if version.is_some() => bail!(
                "--model {name} needs weights: pass --weights PATH (flownet.pkl, .pth or \
                 .safetensors), or import them once with `tween models import FILE --name {name}`"
            ),
            None => {
                let list: Vec<String> = KNOWN.iter().map(|(n, d)| format!("  {n}: {d}")).collect();
                bail!(
                    "unknown model '{name}' (not built in, and not in the models folder); \
                     this build has:\n{}",
                    list.join("\n")
                )
            }
        },
        (None, Some(_)) => bail!(
            "--weights goes with --model rife, rife-v4.25, rife-v4.26 or rife-v4.6 \
             (got --model {name})"
        ),
    };

    let runtime = Runtime::load(&RuntimeConfig::default())
        .map_err(|e| OpsError::Model(format!("--model {name} runs on ONNX Runtime: {e}")))?;
    log_runtime(&runtime);
    let interp = RifeInterpolator::new(&config, &weights, &runtime, options)
        .map_err(|e| OpsError::Model(format!("--model {name}: {e}")))?
        .with_name(label);
    Ok(Box::new(interp))
}

/// Reads `path`, holds it to its detected architecture, and checks it is the
/// RIFE version `name` promises.
fn rife_from_file(path: &Path, name: &str, version: Version) -> Result<(Config, StateDict)> {
    let what = path.display().to_string();
    if !path.is_file() {
        bail!("--weights {what}: no such file");
    }
    // The architecture is checked on the declared keys and shapes before any
    // tensor data is read. NnError's message names the file, except
    // detect_strict's (keys only), which gets the file in front.
    let (sd, arch) =
        tween_nn::load_verified(path, tween_nn::detect_strict).map_err(|e| match e {
            NnError::KeyMismatch { .. } | NnError::UnknownArchitecture { .. } => {
                OpsError::Model(format!("--weights {what}: {e}"))
            }
            e => flat(e),
        })?;
    let config = rife_config(arch, &what, name)?;
    check_version(&config, version, &what, name)?;
    tracing::info!(weights = %what, "detected {}", config.describe());
    Ok((config, sd))
}

fn rife_config(arch: Architecture, what: &str, name: &str) -> Result<Config> {
    match arch {
        Architecture::Rife(c) => Ok(c),
        other => bail!(
            "{what} holds {} weights ({}), not RIFE IFNet; --model {name} needs RIFE \
             weights such as flownet.pkl",
            other.family(),
            other.describe()
        ),
    }
}

fn check_version(config: &Config, version: Version, what: &str, name: &str) -> Result<()> {
    let Version::Preset(want) = version else {
        return Ok(());
    };
    if config.preset() == Some(want) {
        return Ok(());
    }
    let hint = match config.preset() {
        Some(p) => format!("use --model rife-{p}, or --model rife for any version"),
        None => "use --model rife to run a RIFE v4 variant of another shape".to_string(),
    };
    bail!(
        "{what} holds {}, but --model {name} is RIFE {}; {hint}",
        config.describe(),
        if want == "v4.25" { "v4.25/v4.26" } else { want }
    )
}

/// An [`NnError`] as one message: its `Display` already names the file and
/// includes its cause.
fn flat(e: NnError) -> OpsError {
    OpsError::Model(e.to_string())
}

/// The model `req.name` in the models folder, if there is one: `Ok(None)`
/// when it is simply not there (or no folder can be named); a damaged model
/// is an error.
fn from_store(req: &ModelSpec) -> Result<Option<(Architecture, StateDict)>> {
    let dir = match ModelStore::resolve_dir(req.models_dir.as_deref()) {
        Ok(d) => d,
        Err(NnError::NoModelsDir) => return Ok(None),
        Err(e) => return Err(flat(e)),
    };
    let store = ModelStore::new(&dir);
    match store.load(&req.name) {
        Ok((sd, manifest)) => Ok(Some((manifest.architecture, sd))),
        Err(NnError::ModelNotFound { .. } | NnError::InvalidName { .. }) => Ok(None),
        Err(e) => Err(OpsError::Model(format!(
            "loading model `{}` from {}: {e}",
            req.name,
            dir.display()
        ))),
    }
}

/// Logs the ONNX Runtime library and the kernels of the CPU's 3×3
/// convolutions (tween's Winograd ones where the CPU has AVX-512F or AVX2).
pub(crate) fn log_runtime(runtime: &Runtime) {
    let convs = match tween_nn::winograd::Isa::best() {
        Some(isa) => format!("Winograd ({isa:?})"),
        None => "ONNX Conv".to_string(),
    };
    tracing::info!(library = %runtime.library().display(), cpu_convs = %convs, "ONNX Runtime loaded");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names() {
        assert_eq!(named_version("rife"), Some(Version::Any));
        assert_eq!(named_version("rife-v4.26"), Some(Version::Preset("v4.25")));
        assert_eq!(named_version("rife-v4.6"), Some(Version::Preset("v4.6")));
        assert_eq!(named_version("my-model"), None);
    }

    #[test]
    fn classical_models_refuse_rife_options() {
        let req = ModelSpec {
            scale: Some(0.5),
            ..ModelSpec::named("blend")
        };
        let e = build_interpolator(&req).err().unwrap().to_string();
        assert!(e.contains("--scale"), "{e}");
    }

    #[test]
    fn bad_scale_is_refused_before_anything_is_read() {
        let req = ModelSpec {
            weights: Some(PathBuf::from("/nonexistent/flownet.pkl")),
            scale: Some(3.0),
            ..ModelSpec::named("rife-v4.25")
        };
        let e = build_interpolator(&req).err().unwrap().to_string();
        assert!(e.contains("--scale must be"), "{e}");
    }
}

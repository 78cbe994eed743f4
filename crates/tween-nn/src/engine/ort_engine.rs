//! [`OrtEngine`]: one ONNX Runtime session over a graph built in Rust.

use std::borrow::Cow;
use std::sync::Mutex;

use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;

use super::{cuda, warp_op, Array, ArrayView, Device, Engine, Runtime, SessionConfig};
use crate::error::NnError;
use crate::onnx::Model;

/// Set to a path prefix to have every session write an ONNX Runtime profile
/// (`PREFIX_<date>.json`, Chrome trace format; one event per node run) when
/// [`OrtEngine::end_profiling`] is called or the session is dropped. A
/// development aid (`examples/rife_speed.rs --profile`); off when unset.
pub const PROFILE_ENV: &str = "TWEEN_ORT_PROFILE";

/// An ONNX Runtime session. Runs are serialised (ORT's `run` takes the
/// session mutably in `ort`); parallelism comes from the intra-op threads.
pub struct OrtEngine {
    session: Mutex<Session>,
    inputs: Vec<String>,
    outputs: Vec<String>,
    threads: usize,
    profiling: bool,
}

impl std::fmt::Debug for OrtEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrtEngine")
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("threads", &self.threads)
            .finish()
    }
}

fn ort_err<R>(context: &str) -> impl Fn(ort::Error<R>) -> NnError + '_ {
    move |e| NnError::Runtime {
        context: context.to_string(),
        reason: e.to_string(),
    }
}

impl OrtEngine {
    /// Builds a session for `model`.
    pub fn new(rt: &Runtime, model: &Model, config: &SessionConfig) -> Result<Self, NnError> {
        Self::from_bytes(rt, &model.encode(), config)
    }

    /// Builds a session from a serialized ModelProto.
    pub fn from_bytes(rt: &Runtime, bytes: &[u8], config: &SessionConfig) -> Result<Self, NnError> {
        let threads = config.threads();
        let b = Session::builder(&rt.env).map_err(ort_err("session options"))?;
        let b = match config.device {
            Device::Cpu => b,
            Device::Cuda { id } => cuda::with_cuda(b, id)?,
        };
        let mut b = b
            .with_intra_threads(threads)
            .map_err(ort_err("intra-op threads"))?
            .with_inter_threads(1)
            .map_err(ort_err("inter-op threads"))?;
        b = b
            .with_operators(warp_op::domain().map_err(ort_err("tween operators"))?)
            .map_err(ort_err("tween operators"))?;
        let profile = std::env::var_os(PROFILE_ENV).filter(|v| !v.is_empty());
        let profiling = profile.is_some();
        if let Some(prefix) = profile {
            b = b
                .with_profiling(std::path::PathBuf::from(prefix))
                .map_err(ort_err("profiling"))?;
        }
        let session = b
            .commit_from_memory(bytes)
            .map_err(ort_err("loading the graph"))?;
        let inputs = session
            .inputs()
            .iter()
            .map(|o| o.name().to_string())
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(|o| o.name().to_string())
            .collect();
        Ok(OrtEngine {
            session: Mutex::new(session),
            inputs,
            outputs,
            threads,
            profiling,
        })
    }

    /// Ends profiling (see [`PROFILE_ENV`]) and returns the profile file's
    /// path; `None` when this session was not profiling.
    pub fn end_profiling(&self) -> Result<Option<String>, NnError> {
        if !self.profiling {
            return Ok(None);
        }
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        session
            .end_profiling()
            .map(Some)
            .map_err(ort_err("end profiling"))
    }

    /// The intra-op thread count this session was built with.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Engine for OrtEngine {
    fn input_names(&self) -> &[String] {
        &self.inputs
    }

    fn output_names(&self) -> &[String] {
        &self.outputs
    }

    fn run(&self, inputs: &[ArrayView<'_>]) -> Result<Vec<Array>, NnError> {
        if inputs.len() != self.inputs.len() {
            return Err(NnError::BadInput {
                reason: format!(
                    "the graph takes {} inputs ({}), got {}",
                    self.inputs.len(),
                    self.inputs.join(", "),
                    inputs.len()
                ),
            });
        }
        let mut feed: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = Vec::with_capacity(inputs.len());
        for (name, a) in self.inputs.iter().zip(inputs) {
            let t = TensorRef::from_array_view((a.shape.to_vec(), a.data))
                .map_err(ort_err(&format!("input `{name}`")))?;
            feed.push((Cow::Borrowed(name.as_str()), t.into()));
        }
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let out = session.run(feed).map_err(ort_err("run"))?;
        self.outputs
            .iter()
            .map(|name| {
                let (shape, data) = out[name.as_str()]
                    .try_extract_tensor::<f32>()
                    .map_err(ort_err(&format!("output `{name}`")))?;
                Ok(Array {
                    shape: shape.iter().map(|&d| d as usize).collect(),
                    data: data.to_vec(),
                })
            })
            .collect()
    }
}

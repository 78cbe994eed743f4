//! Inference engines. [`Engine`] is what a model runs on: named float32
//! inputs in, float32 outputs out. [`OrtEngine`] is ONNX Runtime (CPU, or
//! CUDA with `--features cuda`), loaded at run time from a shared library
//! that [`Runtime::load`] finds (see [`runtime`]). Every session also has
//! tween's own CPU operators (domain `com.tween`, [`warp_op`]) registered.
//! [`Precision`] names a graph's float type; setting [`PROFILE_ENV`] makes
//! sessions write ONNX Runtime profiles.
//!
//! ```no_run
//! use tween_nn::engine::{Engine, OrtEngine, Runtime, RuntimeConfig, SessionConfig, ArrayView};
//! use tween_nn::onnx::GraphBuilder;
//!
//! let rt = Runtime::load(&RuntimeConfig::default())?;
//! let mut g = GraphBuilder::new("half");
//! let x = g.input("x", &[1, 3, 64, 64]);
//! let y = g.resize_bilinear(&x, 0.5);
//! g.output(&y, "y");
//! let engine = OrtEngine::new(&rt, &g.finish()?, &SessionConfig::default())?;
//! let data = vec![0.5f32; 3 * 64 * 64];
//! let out = engine.run(&[ArrayView::new(&[1, 3, 64, 64], &data)?])?;
//! assert_eq!(out[0].shape, [1, 3, 32, 32]);
//! # Ok::<(), tween_nn::NnError>(())
//! ```

mod cuda;
mod ort_engine;
mod precision;
pub mod runtime;
pub mod warp_op;
pub mod winograd_op;

pub use ort_engine::{OrtEngine, PROFILE_ENV};
pub use precision::Precision;
pub use runtime::{Runtime, RuntimeConfig};

use crate::error::NnError;

/// An owned float32 array, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Array {
    /// Fails when `data.len()` is not the product of `shape`.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Self, NnError> {
        check_len(&shape, data.len())?;
        Ok(Array { shape, data })
    }

    pub fn zeros(shape: &[usize]) -> Self {
        Array {
            shape: shape.to_vec(),
            data: vec![0.0; shape.iter().product()],
        }
    }

    pub fn view(&self) -> ArrayView<'_> {
        ArrayView {
            shape: &self.shape,
            data: &self.data,
        }
    }
}

/// A borrowed float32 array, row-major.
#[derive(Debug, Clone, Copy)]
pub struct ArrayView<'a> {
    pub shape: &'a [usize],
    pub data: &'a [f32],
}

impl<'a> ArrayView<'a> {
    /// Fails when `data.len()` is not the product of `shape`.
    pub fn new(shape: &'a [usize], data: &'a [f32]) -> Result<Self, NnError> {
        check_len(shape, data.len())?;
        Ok(ArrayView { shape, data })
    }
}

fn check_len(shape: &[usize], len: usize) -> Result<(), NnError> {
    let n: usize = shape.iter().product();
    if n != len {
        return Err(NnError::BadInput {
            reason: format!("shape {shape:?} holds {n} values, data has {len}"),
        });
    }
    Ok(())
}

/// Something that runs one graph: inputs in the graph's input order, outputs
/// in its output order. Shared between threads; implementations serialise
/// runs where the backend needs it.
pub trait Engine: Send + Sync {
    fn input_names(&self) -> &[String];
    fn output_names(&self) -> &[String];
    fn run(&self, inputs: &[ArrayView<'_>]) -> Result<Vec<Array>, NnError>;
}

/// Where a session runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Device {
    #[default]
    Cpu,
    /// The CUDA execution provider on GPU `id` (needs `--features cuda` and
    /// an onnxruntime-gpu library).
    Cuda { id: i32 },
}

/// Per-session settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionConfig {
    pub device: Device,
    /// Intra-op threads; `None` means every core
    /// (`std::thread::available_parallelism`).
    pub intra_threads: Option<usize>,
}

impl SessionConfig {
    /// The thread count a session will use.
    pub fn threads(&self) -> usize {
        self.intra_threads
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

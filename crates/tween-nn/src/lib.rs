//! tween-nn: the neural side of tween. This first part reads weights safely
//! (torch zip and legacy pickles through a restricted unpickler, and
//! safetensors), recognises the architecture from keys and shapes, holds
//! weights to each architecture's exact key list, and keeps a verified model
//! store. Inference runs on ONNX Runtime ([`engine`], loaded at run time from
//! the library `scripts/fetch-onnxruntime.sh` fetches) over graphs written in
//! Rust from the weights ([`onnx`]); [`model::rife`] is RIFE IFNet v4.x, and
//! [`RifeInterpolator`] puts it behind `tween_core::Interpolator`.
//! [`model::rrdbnet`] and [`model::srvgg`] are Real-ESRGAN's networks, and
//! [`NeuralUpscaler`] runs them as `RealESRGANer.enhance` does (pads, tiles,
//! denoise blend) behind `tween_core::Upscaler` ([`upscale`]).
//!
//! ```no_run
//! let sd = tween_nn::load(std::path::Path::new("flownet.pkl"))?;
//! let arch = tween_nn::detect_strict(&sd)?;
//! println!("{arch}: {} tensors, {} parameters", sd.len(), sd.param_count());
//! # Ok::<(), tween_nn::NnError>(())
//! ```

pub mod arch;
pub mod detect;
pub mod engine;
pub mod error;
pub mod interpolator;
pub mod model;
pub mod onnx;
mod pickle;
mod safetensors;
pub mod state_dict;
mod storage;
pub mod store;
pub mod tensor;
mod torch_legacy;
mod torch_zip;
pub mod upscale;
pub mod warp;
pub mod winograd;

pub use detect::{check, detect, detect_strict, Architecture};
pub use error::{NnError, ShapeMismatch};
pub use interpolator::{PadPolicy, RifeInterpolator, RifeOptions};
pub use state_dict::{load, load_detailed, load_verified, Loaded, SourceFormat, StateDict};
pub use store::{ImportOptions, Manifest, ModelStore, VerifyReport};
pub use tensor::{DType, Tensor};
pub use upscale::{NeuralUpscaler, SrModel, UpscaleOptions};

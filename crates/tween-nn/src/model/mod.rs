//! Forward passes: one architecture per file, each building its ONNX graph
//! from the checkpoint's weights and running it on an [`crate::engine::Engine`].

pub mod rife;
pub mod rrdbnet;
pub mod sr;
pub mod srvgg;

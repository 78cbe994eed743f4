//! ONNX graphs written in Rust from loaded weights: a protobuf encoder for
//! the subset of `onnx.proto` tween needs ([`proto`]) and a shape-tracking
//! graph builder ([`builder`]). No `.onnx` files, no Python, no protoc.

pub mod builder;
pub mod proto;

pub use builder::{GraphBuilder, OPSET};
pub use proto::Model;

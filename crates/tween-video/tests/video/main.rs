//! Integration tests of tween-video, one binary. Inputs are made with the
//! `ffmpeg` command in temporary folders; outputs are checked with `ffprobe`
//! and by decoding them back.

mod audio_concat;
mod decode;
mod display;
mod encode;
mod errors;
mod helpers;
mod input_policy;
mod passthrough;
mod timing;

//! The few FFmpeg calls that `ffmpeg-next` does not wrap. All `unsafe` code of
//! the crate lives under this module, one `// SAFETY:` comment per block.

pub(crate) mod avformat;
pub(crate) mod display;
pub(crate) mod subtitle;
pub(crate) mod sws;

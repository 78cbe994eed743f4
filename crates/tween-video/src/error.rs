//! The one error type of tween-video: every variant names the file it is
//! about and says what went wrong in plain words.

use std::path::PathBuf;

/// An error while probing, decoding or encoding a video.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// The input file does not exist.
    #[error("{}: file not found", path.display())]
    NotFound { path: PathBuf },

    /// FFmpeg could not open the file as media at all (not a video, corrupt
    /// header, unknown format).
    #[error("{}: not a video file FFmpeg can read ({reason})", path.display())]
    NotMedia { path: PathBuf, reason: String },

    /// The file is not a still image in a format tween reads (PNG, JPEG,
    /// WebP, BMP, TIFF), or it cannot be opened.
    #[error("{}: not an image tween can read ({reason})", path.display())]
    NotAnImage { path: PathBuf, reason: String },

    /// The image is larger than the decoding limits (a guard against
    /// decompression bombs).
    #[error("{}: the image is too large to decode ({detail})", path.display())]
    ImageTooLarge { path: PathBuf, detail: String },

    /// The file is of a kind tween refuses to open because FFmpeg would read
    /// other files or URLs it names (a playlist, a concat list, an external
    /// reference), or the file asked FFmpeg to open another resource.
    #[error("{}: refused: {reason}", path.display())]
    InputRefused { path: PathBuf, reason: String },

    /// The file opened but holds no video stream (an audio file, a subtitle file).
    #[error("{}: has no video stream", path.display())]
    NoVideoStream { path: PathBuf },

    /// No decoder for the file's video codec.
    #[error("{}: video codec '{codec}' cannot be decoded by this FFmpeg build", path.display())]
    UnsupportedCodec { path: PathBuf, codec: String },

    /// The file ended early or holds damaged data; reading stopped here.
    #[error("{}: the file is truncated or corrupt ({detail})", path.display())]
    Corrupt { path: PathBuf, detail: String },

    /// The decoder failed on the stream.
    #[error("{}: decoding failed ({reason})", path.display())]
    Decode { path: PathBuf, reason: String },

    /// The encoder name is not one tween knows, or this FFmpeg lacks it.
    #[error("unknown or unavailable video codec '{name}' (known: {known})")]
    UnknownCodec { name: String, known: String },

    /// The folder the output should go into does not exist.
    #[error("{}: cannot create the output: folder {} does not exist", path.display(), dir.display())]
    OutputDirMissing { path: PathBuf, dir: PathBuf },

    /// The output container (from the file extension) is unknown or cannot
    /// hold the chosen video codec.
    #[error("{}: cannot write this container: {reason}", path.display())]
    Container { path: PathBuf, reason: String },

    /// The encoder settings are not usable (zero size, bad frame rate, …).
    #[error("{}: invalid encode settings: {reason}", path.display())]
    Settings { path: PathBuf, reason: String },

    /// A frame handed to the writer does not match the video's size.
    #[error("{}: frame {index} is {got_width}x{got_height} but the video is {width}x{height}", path.display())]
    FrameSize {
        path: PathBuf,
        index: u64,
        got_width: u32,
        got_height: u32,
        width: u32,
        height: u32,
    },

    /// An audio or subtitle stream of the passthrough source cannot be put in
    /// the output container, not even by converting it.
    #[error("{}: stream #{index} of {} cannot be stored: {detail}", path.display(), source_path.display())]
    StreamNotSupported {
        path: PathBuf,
        source_path: PathBuf,
        index: usize,
        detail: String,
    },

    /// Encoding failed.
    #[error("{}: encoding failed ({reason})", path.display())]
    Encode { path: PathBuf, reason: String },

    /// Writing the output file failed (disk full, permission, muxer error).
    #[error("{}: writing failed ({reason})", path.display())]
    Write { path: PathBuf, reason: String },
}

/// `match`es a [`VideoError`] (a reference to one) on whether it names a
/// file: `$some` with `$path` bound to the path field, or `$none`. One list
/// for [`VideoError::path`] and [`VideoError::path_mut`], exhaustive, so a
/// new variant must say which it is.
macro_rules! by_path {
    ($e:expr, $path:ident => $some:expr, $none:expr) => {{
        use VideoError::*;
        match $e {
            NotFound { path: $path }
            | NotMedia { path: $path, .. }
            | InputRefused { path: $path, .. }
            | NotAnImage { path: $path, .. }
            | ImageTooLarge { path: $path, .. }
            | NoVideoStream { path: $path }
            | UnsupportedCodec { path: $path, .. }
            | Corrupt { path: $path, .. }
            | Decode { path: $path, .. }
            | OutputDirMissing { path: $path, .. }
            | Container { path: $path, .. }
            | Settings { path: $path, .. }
            | FrameSize { path: $path, .. }
            | StreamNotSupported { path: $path, .. }
            | Encode { path: $path, .. }
            | Write { path: $path, .. } => $some,
            UnknownCodec { .. } => $none,
        }
    }};
}

impl VideoError {
    /// The file the error is about (the output for writer errors), when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        by_path!(self, path => Some(path.as_path()), None)
    }

    /// The same path, to be changed (e.g. a temporary name replaced by the
    /// name the user asked for).
    pub fn path_mut(&mut self) -> Option<&mut PathBuf> {
        by_path!(self, path => Some(path), None)
    }
}

//! What audio goes beside the video a [`VideoWriter`] writes: none, the
//! streams of one source copied ([`Passthrough`]), or one track concatenated
//! from segments of several files ([`AudioSegment`]).
//!
//! [`VideoWriter`]: crate::VideoWriter

use crate::audio_concat::{AudioConcat, AudioSegment, ConcatSpec};
use crate::error::VideoError;
use crate::passthrough::PassthroughMux;
use crate::writer::Passthrough;
use ffmpeg_next::format;
use std::path::{Path, PathBuf};
use tween_core::Rational;

/// The audio of an output video.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AudioPlan {
    /// No audio (nor subtitle) stream.
    #[default]
    None,
    /// The audio and subtitle streams of one source, copied (or converted
    /// where the container needs it) in sync with the video.
    Copy(Passthrough),
    /// One audio track: these segments one after another from output time 0,
    /// cut or padded at the end to the length of the video. No audio stream
    /// when no segment's source has audio.
    Concat(Vec<AudioSegment>),
    /// One audio track whose segments are started while frames are written,
    /// with [`VideoWriter::start_audio_segment`]: each plays under the frames
    /// written after it started, until the next one starts or the video
    /// ends; silence before the first. The list names every file that will
    /// be started (it fixes the channel layout: stereo unless every one is
    /// mono); no audio stream when none of them has audio.
    ///
    /// [`VideoWriter::start_audio_segment`]: crate::VideoWriter::start_audio_segment
    Cued(Vec<PathBuf>),
}

impl From<Option<Passthrough>> for AudioPlan {
    fn from(p: Option<Passthrough>) -> Self {
        p.map_or(AudioPlan::None, AudioPlan::Copy)
    }
}

/// The streams being written beside the video.
pub(crate) enum AudioMux {
    Copy(PassthroughMux),
    Concat(Box<AudioConcat>),
}

impl AudioMux {
    /// Adds the output streams for `plan` (before the header is written).
    pub(crate) fn open(
        plan: AudioPlan,
        octx: &mut format::context::Output,
        out: &Path,
    ) -> Result<Option<Self>, VideoError> {
        Ok(match plan {
            AudioPlan::None => None,
            AudioPlan::Copy(p) => Some(AudioMux::Copy(PassthroughMux::open(&p, octx, out)?)),
            AudioPlan::Concat(segs) => AudioConcat::open(ConcatSpec::Fixed(&segs), octx, out)?
                .map(|c| AudioMux::Concat(Box::new(c))),
            AudioPlan::Cued(files) => AudioConcat::open(ConcatSpec::Cued(&files), octx, out)?
                .map(|c| AudioMux::Concat(Box::new(c))),
        })
    }

    pub(crate) fn after_header(&mut self, octx: &format::context::Output) {
        match self {
            AudioMux::Copy(m) => m.after_header(octx),
            AudioMux::Concat(c) => c.after_header(octx),
        }
    }

    /// Writes what belongs before output time `limit` (seconds).
    pub(crate) fn pump(
        &mut self,
        octx: &mut format::context::Output,
        limit: Rational,
        out: &Path,
    ) -> Result<(), VideoError> {
        match self {
            AudioMux::Copy(m) => m.pump(octx, limit, out),
            AudioMux::Concat(c) => c.pump(octx, limit),
        }
    }

    /// Writes the rest: for [`AudioPlan::Copy`] all that remains of the
    /// source (also after the video ends), else up to `end` (the end of the
    /// video).
    pub(crate) fn finish(
        &mut self,
        octx: &mut format::context::Output,
        end: Rational,
        out: &Path,
    ) -> Result<(), VideoError> {
        match self {
            AudioMux::Copy(m) => m.finish(octx, out),
            AudioMux::Concat(c) => c.finish(octx, end),
        }
    }

    /// Starts a cued segment at output time `at`.
    pub(crate) fn cue(
        &mut self,
        at: Rational,
        source: Option<&Path>,
        from: Rational,
        out: &Path,
    ) -> Result<(), VideoError> {
        match self {
            AudioMux::Concat(c) => c.cue(at, source, from),
            AudioMux::Copy(_) => Err(VideoError::Settings {
                path: out.to_path_buf(),
                reason: "audio segments need a writer created with AudioPlan::Cued".into(),
            }),
        }
    }
}

//! Audio and subtitle streams of a source file, muxed into the output next
//! to the new video: stream copy where the container can hold the codec,
//! re-encoding where it cannot, pumped packet by packet as the video advances
//! so that memory stays flat whatever the length.

use crate::audio_transcode::AudioTranscode;
use crate::error::VideoError;
use crate::ffi::avformat::{
    clear_codec_tag, default_audio_codec, default_subtitle_codec, query_codec,
};
use crate::ffi::subtitle::is_text_subtitle;
use crate::probe::open_input;
use crate::subtitle_transcode::SubtitleTranscode;
use crate::time::{from_ff, seconds_to_ts, ts_to_seconds};
use crate::writer::Passthrough;
use ffmpeg_next::format::stream::Disposition;
use ffmpeg_next::{codec, encoder, ffi, format, media, Error, Packet};
use std::path::{Path, PathBuf};
use tween_core::Rational;

enum Kind {
    Copy,
    Audio(Box<AudioTranscode>),
    Subtitle(Box<SubtitleTranscode>),
}

struct Map {
    out_index: usize,
    in_tb: Rational,
    out_tb: ffmpeg_next::Rational,
    kind: Kind,
}

/// The source being read alongside the encoder.
pub(crate) struct PassthroughMux {
    source: PathBuf,
    ictx: format::context::Input,
    offset: Rational,
    maps: Vec<Option<Map>>,
    pending: Option<Packet>,
    eof: bool,
}

fn not_supported(
    out: &Path,
    source: &Path,
    index: usize,
    codec: codec::Id,
    container: &str,
    reason: String,
) -> VideoError {
    VideoError::StreamNotSupported {
        path: out.to_path_buf(),
        source_path: source.to_path_buf(),
        index,
        detail: format!("a {container} file cannot hold {} ({reason})", codec.name()),
    }
}

/// What to do with stream `id` of kind `medium` in `fmt`: `None` to copy, or
/// the codec to convert to.
fn conversion(fmt: &format::Output, medium: media::Type, id: codec::Id) -> Option<codec::Id> {
    if query_codec(fmt, id) != Some(false) {
        return None;
    }
    if medium == media::Type::Audio {
        if query_codec(fmt, codec::Id::AAC) != Some(false)
            && encoder::find(codec::Id::AAC).is_some()
        {
            return Some(codec::Id::AAC);
        }
        return Some(default_audio_codec(fmt));
    }
    // mp4 declares no default subtitle codec: try the text formats in turn.
    [
        default_subtitle_codec(fmt),
        codec::Id::MOV_TEXT,
        codec::Id::ASS,
        codec::Id::SUBRIP,
        codec::Id::WEBVTT,
    ]
    .into_iter()
    .find(|&c| {
        c != codec::Id::None && query_codec(fmt, c) == Some(true) && encoder::find(c).is_some()
    })
    .or(Some(codec::Id::None))
}

impl PassthroughMux {
    /// Opens the source and adds one output stream per audio/subtitle stream.
    pub(crate) fn open(
        p: &Passthrough,
        octx: &mut format::context::Output,
        out: &Path,
    ) -> Result<Self, VideoError> {
        let mut ictx = open_input(&p.source)?;
        let fmt = octx.format();
        let container = fmt.name().to_string();
        let mut maps = Vec::new();
        for ist in ictx.streams() {
            let params = ist.parameters();
            let medium = params.medium();
            if medium == media::Type::Attachment {
                copy_attachment(&ist, octx, &container, &p.source, out)?;
                maps.push(None);
                continue;
            }
            let wanted = matches!(medium, media::Type::Audio | media::Type::Subtitle)
                && !ist.disposition().contains(Disposition::ATTACHED_PIC);
            if !wanted {
                maps.push(None);
                continue;
            }
            let id = params.id();
            let in_tb = from_ff(ist.time_base()).unwrap_or(Rational::new(1, 90000));
            let err =
                |reason: String| not_supported(out, &p.source, ist.index(), id, &container, reason);
            let (out_index, kind) = match conversion(&fmt, medium, id) {
                None => {
                    let mut ost = octx
                        .add_stream(encoder::find(codec::Id::None))
                        .map_err(|e| err(e.to_string()))?;
                    ost.set_parameters(ist.parameters());
                    clear_codec_tag(&mut ost);
                    ost.set_time_base(ist.time_base());
                    ost.set_metadata(ist.metadata().to_owned());
                    (ost.index(), Kind::Copy)
                }
                Some(codec::Id::None) => {
                    return Err(err("the container has no codec to convert it to".into()))
                }
                Some(target) if medium == media::Type::Audio => {
                    tracing::warn!(
                        "{}: audio stream #{} ({}) cannot go into {container}; re-encoding it as {}",
                        p.source.display(),
                        ist.index(),
                        id.name(),
                        target.name()
                    );
                    let t =
                        AudioTranscode::new(&ist, octx, target, p.video_start).map_err(|e| {
                            err(format!("converting it to {} failed: {e}", target.name()))
                        })?;
                    (t.out_index(), Kind::Audio(Box::new(t)))
                }
                Some(target) => {
                    if !is_text_subtitle(id) || !is_text_subtitle(target) {
                        return Err(err(format!(
                            "bitmap subtitles cannot be converted to {}; choose an .mkv output",
                            target.name()
                        )));
                    }
                    tracing::warn!(
                        "{}: subtitle stream #{} ({}) is converted to {} for {container}",
                        p.source.display(),
                        ist.index(),
                        id.name(),
                        target.name()
                    );
                    let t = SubtitleTranscode::new(&ist, octx, target).map_err(|e| {
                        err(format!("converting it to {} failed: {e}", target.name()))
                    })?;
                    (t.out_index(), Kind::Subtitle(Box::new(t)))
                }
            };
            maps.push(Some(Map {
                out_index,
                in_tb,
                out_tb: ffmpeg_next::Rational::new(1, 1),
                kind,
            }));
        }
        // Start near the video start instead of reading hours of audio to skip.
        let skip_to = p
            .video_start
            .checked_sub(Rational::from_int(2))
            .unwrap_or(Rational::ZERO);
        if skip_to.is_positive() {
            if let Some(ts) = seconds_to_ts(skip_to, Rational::new(1, ffi::AV_TIME_BASE as i64)) {
                if ictx.seek(ts, ..ts).is_err() {
                    tracing::warn!(
                        "{}: cannot seek; reading the audio from the start",
                        p.source.display()
                    );
                }
            }
        }
        Ok(PassthroughMux {
            source: p.source.clone(),
            ictx,
            offset: p.video_start,
            maps,
            pending: None,
            eof: false,
        })
    }

    /// Reads the output time bases the muxer chose when writing the header.
    pub(crate) fn after_header(&mut self, octx: &format::context::Output) {
        for m in self.maps.iter_mut().flatten() {
            m.out_tb = octx
                .stream(m.out_index)
                .expect("stream was added")
                .time_base();
            match &mut m.kind {
                Kind::Audio(t) => t.set_out_time_base(m.out_tb),
                Kind::Subtitle(t) => t.set_out_time_base(m.out_tb),
                Kind::Copy => {}
            }
        }
    }

    /// Writes source packets whose output time is at most `limit` seconds.
    pub(crate) fn pump(
        &mut self,
        octx: &mut format::context::Output,
        limit: Rational,
        out: &Path,
    ) -> Result<(), VideoError> {
        self.pump_until(octx, Some(limit), out)
    }

    /// Writes source packets whose output time is at most `limit` seconds,
    /// or all that remain for `None`.
    fn pump_until(
        &mut self,
        octx: &mut format::context::Output,
        limit: Option<Rational>,
        out: &Path,
    ) -> Result<(), VideoError> {
        loop {
            let mut packet = match self.pending.take() {
                Some(p) => p,
                None if self.eof => return Ok(()),
                None => {
                    let mut p = Packet::empty();
                    match p.read(&mut self.ictx) {
                        Ok(()) => p,
                        Err(Error::Eof) => {
                            self.eof = true;
                            return Ok(());
                        }
                        Err(Error::InvalidData) => continue,
                        Err(e) => {
                            return Err(VideoError::Corrupt {
                                path: self.source.clone(),
                                detail: format!("reading its audio/subtitles failed: {e}"),
                            })
                        }
                    }
                }
            };
            let Some(Some(map)) = self.maps.get_mut(packet.stream()) else {
                continue;
            };
            let secs = |ts: Option<i64>| {
                ts.and_then(|ts| ts_to_seconds(ts, map.in_tb))
                    .and_then(|t| t.checked_sub(self.offset))
            };
            let start = secs(packet.dts().or(packet.pts()));
            if let (Some(t), Some(limit)) = (start, limit) {
                if t > limit {
                    self.pending = Some(packet);
                    return Ok(());
                }
            }
            // Drop what ends before the first output frame.
            let end = secs(packet.pts().map(|p| p + packet.duration().max(0)));
            if end.is_some_and(|e| e < Rational::ZERO) {
                continue;
            }
            let write_err = |e: Error| VideoError::Write {
                path: out.to_path_buf(),
                reason: format!("passthrough stream: {e}"),
            };
            match &mut map.kind {
                Kind::Copy => {
                    let out_tb = from_ff(map.out_tb).unwrap_or(map.in_tb);
                    let pts = secs(packet.pts()).and_then(|t| seconds_to_ts(t, out_tb));
                    let dts = secs(packet.dts()).and_then(|t| seconds_to_ts(t, out_tb));
                    let in_tb = crate::time::to_ff(map.in_tb).unwrap_or(map.out_tb);
                    let duration = packet.duration().max(0);
                    packet.set_pts(pts);
                    packet.set_dts(dts);
                    packet.set_duration(if duration > 0 {
                        duration.rescale_to(in_tb, map.out_tb)
                    } else {
                        0
                    });
                    packet.set_stream(map.out_index);
                    packet.set_position(-1);
                    packet.write_interleaved(octx).map_err(write_err)?;
                }
                Kind::Audio(t) => t.send(&packet, octx).map_err(write_err)?,
                Kind::Subtitle(t) => t
                    .send(&packet, self.offset, map.in_tb, octx)
                    .map_err(write_err)?,
            }
        }
    }

    /// Writes everything that remains, also what plays after the end of the
    /// video (audio longer than the video is kept whole, as `ffmpeg -c copy`
    /// keeps it), and flushes the re-encoders.
    pub(crate) fn finish(
        &mut self,
        octx: &mut format::context::Output,
        out: &Path,
    ) -> Result<(), VideoError> {
        self.pump_until(octx, None, out)?;
        for m in self.maps.iter_mut().flatten() {
            if let Kind::Audio(t) = &mut m.kind {
                t.flush(octx).map_err(|e| VideoError::Write {
                    path: out.to_path_buf(),
                    reason: format!("audio: {e}"),
                })?;
            }
        }
        Ok(())
    }
}

/// Copies an attachment stream (a font the subtitles use, cover images) to
/// a Matroska output; other containers cannot hold attachments, so it is
/// left out there with a warning. Attachments have no packets: the file is
/// the stream's extradata, named by its `filename`/`mimetype` tags.
fn copy_attachment(
    ist: &format::stream::Stream,
    octx: &mut format::context::Output,
    container: &str,
    source: &Path,
    out: &Path,
) -> Result<(), VideoError> {
    let name = ist
        .metadata()
        .get("filename")
        .unwrap_or("unnamed")
        .to_string();
    if container != "matroska" {
        tracing::warn!(
            "{}: attachment '{name}' (stream #{}) is left out: a {container} file cannot hold \
             attachments (choose an .mkv output to keep it)",
            source.display(),
            ist.index()
        );
        return Ok(());
    }
    let mut ost = octx
        .add_stream(encoder::find(codec::Id::None))
        .map_err(|e| VideoError::StreamNotSupported {
            path: out.to_path_buf(),
            source_path: source.to_path_buf(),
            index: ist.index(),
            detail: format!("attachment '{name}': {e}"),
        })?;
    ost.set_parameters(ist.parameters());
    clear_codec_tag(&mut ost);
    ost.set_metadata(ist.metadata().to_owned());
    Ok(())
}

trait RescaleTo {
    fn rescale_to(self, from: ffmpeg_next::Rational, to: ffmpeg_next::Rational) -> i64;
}

impl RescaleTo for i64 {
    fn rescale_to(self, from: ffmpeg_next::Rational, to: ffmpeg_next::Rational) -> i64 {
        use ffmpeg_next::Rescale;
        self.rescale(from, to)
    }
}

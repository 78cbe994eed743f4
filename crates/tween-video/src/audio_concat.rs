//! One audio track made of segments of several files, one after another:
//! each segment plays a source's first audio stream from a given source time
//! for a given output duration (silence where the source has no audio or
//! ends early, cut where it runs longer). Everything is converted to one
//! format (48 kHz; stereo unless every source is mono), queued sample-exactly
//! and encoded as the video advances, so memory stays flat on long clips.

use crate::audio_source::{audio_channels, SegmentSource, TrackFormat};
use crate::error::VideoError;
use crate::ffi::avformat::{default_audio_codec, query_codec};
use crate::sample_fifo::SampleFifo;
use crate::time::seconds_to_ts;
use ffmpeg_next::util::error::EAGAIN;
use ffmpeg_next::{codec, encoder, format, frame, ChannelLayout, Error, Packet};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use tween_core::Rational;

/// The rate of every concatenated track (the nearest the encoder takes).
const TRACK_RATE: i32 = 48_000;

/// One stretch of a concatenated audio track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioSegment {
    /// The file whose first audio stream plays here; `None` (or a file
    /// without audio) is silence.
    pub source: Option<PathBuf>,
    /// Source time (seconds) where the segment starts, e.g. the time of the
    /// clip's first video frame.
    pub from: Rational,
    /// Length in the output, seconds; the source is cut or padded with
    /// silence to it.
    pub duration: Rational,
}

impl AudioSegment {
    /// `duration` seconds of silence.
    pub fn silence(duration: Rational) -> Self {
        AudioSegment {
            source: None,
            from: Rational::ZERO,
            duration,
        }
    }
}

/// A segment placed on the output, in track samples; `end` is `None` while
/// a cued segment is still open.
#[derive(Debug, Clone)]
struct Placed {
    source: Option<PathBuf>,
    from: Rational,
    start: i64,
    end: Option<i64>,
}

/// What the track is made of.
pub(crate) enum ConcatSpec<'a> {
    /// Every segment known now, played from output time 0.
    Fixed(&'a [AudioSegment]),
    /// Segments started as the video is written ([`AudioConcat::cue`]); the
    /// files that will be named.
    Cued(&'a [PathBuf]),
}

/// The track being encoded beside the video.
pub(crate) struct AudioConcat {
    out: PathBuf,
    track: TrackFormat,
    encoder: encoder::Audio,
    out_index: usize,
    out_tb: ffmpeg_next::Rational,
    frame_size: usize,
    fifo: SampleFifo,
    segs: VecDeque<Placed>,
    /// The source of the front segment once opened (`None`: silence).
    source: Option<SegmentSource>,
    opened: bool,
    cued: bool,
}

/// The codec for the track: AAC where the container takes it (mp4, mov,
/// mkv), else the container's own default (Opus or Vorbis for webm).
fn track_codec(fmt: &format::Output) -> Option<codec::Id> {
    if query_codec(fmt, codec::Id::AAC) != Some(false) && encoder::find(codec::Id::AAC).is_some() {
        return Some(codec::Id::AAC);
    }
    let d = default_audio_codec(fmt);
    (d != codec::Id::None && query_codec(fmt, d) != Some(false) && encoder::find(d).is_some())
        .then_some(d)
}

fn nearest_rate(codec: &ffmpeg_next::codec::Audio, want: i32) -> i32 {
    match codec.rates() {
        Some(rates) => rates.min_by_key(|r| (r - want).abs()).unwrap_or(want),
        None => want,
    }
}

fn samples_at(seconds: Rational, rate: i32) -> Option<i64> {
    seconds_to_ts(seconds, Rational::new(1, rate as i64))
}

impl AudioConcat {
    /// Adds the track's output stream; `None` (and no stream) when no source
    /// has audio.
    pub(crate) fn open(
        spec: ConcatSpec<'_>,
        octx: &mut format::context::Output,
        out: &Path,
    ) -> Result<Option<Self>, VideoError> {
        let settings_err = |reason: String| VideoError::Settings {
            path: out.to_path_buf(),
            reason,
        };
        let mut sources: Vec<&Path> = match &spec {
            ConcatSpec::Fixed(segs) => segs.iter().filter_map(|s| s.source.as_deref()).collect(),
            ConcatSpec::Cued(files) => files.iter().map(|p| p.as_path()).collect(),
        };
        sources.sort();
        sources.dedup();
        let mut channels = Vec::new();
        for s in &sources {
            if let Some(c) = audio_channels(s)? {
                channels.push(c);
            }
        }
        if channels.is_empty() {
            tracing::debug!("{}: no source has audio; no audio stream", out.display());
            return Ok(None);
        }
        let want_channels = if channels.iter().all(|&c| c == 1) {
            1
        } else {
            2
        };
        let container = octx.format().name().to_string();
        let id = track_codec(&octx.format()).ok_or_else(|| VideoError::Container {
            path: out.to_path_buf(),
            reason: format!("a {container} file cannot hold audio"),
        })?;
        let enc_err = |e: Error| VideoError::Encode {
            path: out.to_path_buf(),
            reason: format!("cannot open the {} audio encoder: {e}", id.name()),
        };
        let codec = encoder::find(id)
            .ok_or(Error::EncoderNotFound)
            .and_then(|c| c.audio())
            .map_err(enc_err)?;
        let layout = codec
            .channel_layouts()
            .map(|l| l.best(want_channels))
            .unwrap_or_else(|| ChannelLayout::default(want_channels));
        let rate = nearest_rate(&codec, TRACK_RATE);
        let sample = codec
            .formats()
            .and_then(|mut f| f.next())
            .ok_or_else(|| enc_err(Error::EncoderNotFound))?;
        let mut ctx = codec::Context::new_with_codec(*codec)
            .encoder()
            .audio()
            .map_err(enc_err)?;
        if octx.format().flags().contains(format::Flags::GLOBAL_HEADER) {
            ctx.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        ctx.set_rate(rate);
        ctx.set_channel_layout(layout);
        ctx.set_channels(layout.channels());
        ctx.set_format(sample);
        ctx.set_bit_rate(96_000 * layout.channels().clamp(1, 6) as usize);
        ctx.set_time_base((1, rate));
        let encoder = ctx.open_as(codec).map_err(enc_err)?;
        let out_index = {
            let mut ost = octx.add_stream(codec).map_err(|e| VideoError::Write {
                path: out.to_path_buf(),
                reason: format!("cannot add the audio stream: {e}"),
            })?;
            ost.set_parameters(&encoder);
            ost.set_time_base((1, rate));
            ost.index()
        };
        let frame_size = match encoder.frame_size() as usize {
            0 => 1024,
            n => n,
        };
        let track = TrackFormat {
            rate,
            layout,
            sample,
        };
        let (segs, cued) = match spec {
            ConcatSpec::Fixed(list) => {
                let mut placed = VecDeque::new();
                let mut t = Rational::ZERO;
                for (i, s) in list.iter().enumerate() {
                    if s.duration < Rational::ZERO {
                        return Err(settings_err(format!(
                            "audio segment {i} has a negative duration ({})",
                            s.duration
                        )));
                    }
                    let end = t
                        .checked_add(s.duration)
                        .ok_or_else(|| settings_err("audio segments too long".into()))?;
                    let (Some(a), Some(b)) = (samples_at(t, rate), samples_at(end, rate)) else {
                        return Err(settings_err("audio segments too long".into()));
                    };
                    placed.push_back(Placed {
                        source: s.source.clone(),
                        from: s.from,
                        start: a,
                        end: Some(b),
                    });
                    t = end;
                }
                (placed, false)
            }
            ConcatSpec::Cued(_) => (VecDeque::new(), true),
        };
        Ok(Some(AudioConcat {
            out: out.to_path_buf(),
            fifo: SampleFifo::new(sample, layout.channels().max(1) as usize),
            track,
            encoder,
            out_index,
            out_tb: ffmpeg_next::Rational::new(1, rate),
            frame_size,
            segs,
            source: None,
            opened: false,
            cued,
        }))
    }

    /// Reads the output time base the muxer chose when writing the header.
    pub(crate) fn after_header(&mut self, octx: &format::context::Output) {
        self.out_tb = octx
            .stream(self.out_index)
            .expect("stream was added")
            .time_base();
    }

    /// Encodes and writes the track up to `limit` seconds of output time
    /// (whole encoder frames only, so that a later cue can still cut there).
    pub(crate) fn pump(
        &mut self,
        octx: &mut format::context::Output,
        limit: Rational,
    ) -> Result<(), VideoError> {
        let Some(target) = samples_at(limit, self.track.rate) else {
            return Ok(());
        };
        self.fill(target)?;
        while self.fifo.len() >= self.frame_size as i64
            && self.fifo.start() + self.frame_size as i64 <= target
        {
            self.encode(octx, self.frame_size)?;
        }
        Ok(())
    }

    /// From output time `at` on, plays `source` from its time `from`
    /// (silence for `None`); the segment playing before ends there.
    pub(crate) fn cue(
        &mut self,
        at: Rational,
        source: Option<&Path>,
        from: Rational,
    ) -> Result<(), VideoError> {
        if !self.cued {
            return Err(VideoError::Settings {
                path: self.out.clone(),
                reason: "the audio segments were fixed when the writer was created".into(),
            });
        }
        let at = samples_at(at, self.track.rate)
            .unwrap_or(i64::MAX)
            .max(self.fifo.start());
        self.fifo.truncate(at);
        if let Some(last) = self.segs.back_mut() {
            if last.end.is_none() {
                last.end = Some(at.max(last.start));
            }
        }
        self.segs.push_back(Placed {
            source: source.map(Path::to_path_buf),
            from,
            start: at,
            end: None,
        });
        Ok(())
    }

    /// Writes the rest of the track, cut or padded to `end` (the end of the
    /// video), and flushes the encoder.
    pub(crate) fn finish(
        &mut self,
        octx: &mut format::context::Output,
        end: Rational,
    ) -> Result<(), VideoError> {
        let target = samples_at(end, self.track.rate)
            .unwrap_or(0)
            .max(self.fifo.start());
        // A second at a time, so that a long tail never sits in memory whole.
        let step = self.track.rate as i64;
        while self.fifo.end() < target {
            let next = target.min(self.fifo.end() + step);
            self.fill(next)?;
            while self.fifo.len() >= self.frame_size as i64
                && self.fifo.start() + self.frame_size as i64 <= next
            {
                self.encode(octx, self.frame_size)?;
            }
        }
        self.fifo.truncate(target);
        while self.fifo.len() > 0 {
            let n = (self.fifo.len() as usize).min(self.frame_size);
            self.encode(octx, n)?;
        }
        self.encoder.send_eof().map_err(|e| self.encode_err(e))?;
        self.write_packets(octx)
    }

    /// Queues samples until the queue reaches output sample `target`.
    fn fill(&mut self, target: i64) -> Result<(), VideoError> {
        while self.fifo.end() < target {
            let now = self.fifo.end();
            let Some(seg) = self.segs.front() else {
                // Past every segment (or before the first cue): silence.
                self.fifo.push_silence(target - now);
                break;
            };
            let (start, end) = (seg.start, seg.end);
            if end.is_some_and(|e| now >= e) {
                self.segs.pop_front();
                self.source = None;
                self.opened = false;
                continue;
            }
            if now < start {
                self.fifo.push_silence(start.min(target) - now);
                continue;
            }
            let goal = end.map_or(target, |e| e.min(target));
            if !self.opened {
                self.opened = true;
                self.source = match &seg.source {
                    Some(p) => SegmentSource::open(p, seg.from, self.track)?,
                    None => None,
                };
            }
            let Some(src) = self.source.as_mut() else {
                self.fifo.push_silence(goal - now);
                continue;
            };
            match src.peek()? {
                // The source ended: silence for the rest of the segment.
                None => self.source = None,
                // Its next frame starts later than needed now: keep it.
                Some(rel) if start + rel > now && start + rel >= goal => {
                    self.fifo.push_silence(goal - now)
                }
                Some(rel) => {
                    self.fifo.place(start + rel, src.held(), end);
                    src.consume();
                }
            }
        }
        Ok(())
    }

    fn encode_err(&self, e: Error) -> VideoError {
        VideoError::Encode {
            path: self.out.clone(),
            reason: format!("audio: {e}"),
        }
    }

    /// Encodes the first `n` queued samples as one frame.
    fn encode(&mut self, octx: &mut format::context::Output, n: usize) -> Result<(), VideoError> {
        let mut f = frame::Audio::new(self.track.sample, n, self.track.layout);
        f.set_rate(self.track.rate as u32);
        f.set_pts(Some(self.fifo.start()));
        self.fifo.pop_into(&mut f, n);
        self.encoder
            .send_frame(&f)
            .map_err(|e| self.encode_err(e))?;
        self.write_packets(octx)
    }

    fn write_packets(&mut self, octx: &mut format::context::Output) -> Result<(), VideoError> {
        let mut packet = Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(Error::Other { errno: EAGAIN }) | Err(Error::Eof) => return Ok(()),
                Err(e) => return Err(self.encode_err(e)),
            }
            packet.set_stream(self.out_index);
            packet.rescale_ts(ffmpeg_next::Rational::new(1, self.track.rate), self.out_tb);
            packet.set_position(-1);
            packet
                .write_interleaved(octx)
                .map_err(|e| VideoError::Write {
                    path: self.out.clone(),
                    reason: format!("audio: {e}"),
                })?;
        }
    }
}

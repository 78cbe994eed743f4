//! One source of a concatenated audio track: the first audio stream of a
//! file, decoded from a given source time and converted (abuffer → automatic
//! resample/format/layout conversion → abuffersink) to the track's format,
//! one frame at a time, each with its position relative to that start.

use crate::audio_convert::{converter, input_layout};
use crate::error::VideoError;
use crate::probe::open_input;
use crate::time::{seconds_to_ts, ts_to_seconds};
use ffmpeg_next::format::stream::Disposition;
use ffmpeg_next::{
    codec, decoder, ffi, filter, format, frame, media, ChannelLayout, Error, Packet,
};
use std::path::{Path, PathBuf};
use tween_core::Rational;

/// The format every segment is converted to before it is queued for the encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TrackFormat {
    pub rate: i32,
    pub layout: ChannelLayout,
    pub sample: format::Sample,
}

/// Positions within this many samples of where the previous frame ended are
/// taken as contiguous: container timestamps are rounded (Matroska to the
/// millisecond) and must not open gaps or overlaps of a few samples.
const SNAP: i64 = 480;

/// Index and channel count of the first audio stream (cover art aside).
pub(crate) fn first_audio_stream(ictx: &format::context::Input) -> Option<(usize, u16)> {
    ictx.streams()
        .find(|s| {
            s.parameters().medium() == media::Type::Audio
                && !s.disposition().contains(Disposition::ATTACHED_PIC)
        })
        .map(|s| {
            let params = s.parameters();
            let p = crate::ffi::avformat::params_of(&params);
            let channels = match p.ch_layout.nb_channels {
                n if n > 0 => n,
                _ => p.channels,
            };
            (s.index(), channels.clamp(1, u16::MAX as i32) as u16)
        })
}

/// The channel count of the first audio stream of `path`, `None` when the file has none.
pub(crate) fn audio_channels(path: &Path) -> Result<Option<u16>, VideoError> {
    let ictx = open_input(path)?;
    Ok(first_audio_stream(&ictx).map(|(_, c)| c))
}

/// A source being decoded for one segment.
pub(crate) struct SegmentSource {
    path: PathBuf,
    ictx: format::context::Input,
    stream: usize,
    in_tb: Rational,
    decoder: decoder::Audio,
    from: Rational,
    track: TrackFormat,
    /// Built from the first decoded frame: its rate, format and layout.
    graph: Option<Graph>,
    decoded: frame::Audio,
    held: frame::Audio,
    /// Position (track samples from `from`) of the held frame, if one is held.
    held_at: Option<i64>,
    next_expected: Option<i64>,
    /// Input pts (source samples from `from`) expected for the next decoded frame.
    next_in_pts: Option<i64>,
    eof: bool,
    flushed: bool,
}

struct Graph {
    graph: filter::Graph,
    in_rate: i64,
    out_tb: Rational,
}

impl SegmentSource {
    /// Opens `path` to play it from source time `from`; `None` when the file
    /// has no audio stream.
    pub(crate) fn open(
        path: &Path,
        from: Rational,
        track: TrackFormat,
    ) -> Result<Option<Self>, VideoError> {
        let mut ictx = open_input(path)?;
        let Some((stream, _)) = first_audio_stream(&ictx) else {
            return Ok(None);
        };
        let ist = ictx.stream(stream).expect("index from first_audio_stream");
        let in_tb = crate::time::from_ff(ist.time_base()).unwrap_or(Rational::new(1, 90000));
        let decode_err = |e: Error| VideoError::Decode {
            path: path.to_path_buf(),
            reason: format!("cannot open its audio decoder: {e}"),
        };
        let mut ctx = codec::Context::from_parameters(ist.parameters())
            .map_err(decode_err)?
            .decoder();
        ctx.set_packet_time_base(ist.time_base());
        let decoder = ctx.audio().map_err(|e| match e {
            Error::DecoderNotFound => VideoError::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: ist.parameters().id().name().to_string(),
            },
            e => decode_err(e),
        })?;
        // Start near `from` instead of decoding everything before it.
        let skip_to = from
            .checked_sub(Rational::from_int(2))
            .unwrap_or(Rational::ZERO);
        if skip_to.is_positive() {
            if let Some(ts) = seconds_to_ts(skip_to, Rational::new(1, ffi::AV_TIME_BASE as i64)) {
                if ictx.seek(ts, ..ts).is_err() {
                    tracing::warn!(
                        "{}: cannot seek; reading the audio from the start",
                        path.display()
                    );
                }
            }
        }
        Ok(Some(SegmentSource {
            path: path.to_path_buf(),
            ictx,
            stream,
            in_tb,
            decoder,
            from,
            track,
            graph: None,
            decoded: frame::Audio::empty(),
            held: frame::Audio::empty(),
            held_at: None,
            next_expected: None,
            next_in_pts: None,
            eof: false,
            flushed: false,
        }))
    }

    /// Position (track samples after `from`, negative before it) of the next
    /// converted frame, decoding as much as needed; `None` at the end.
    pub(crate) fn peek(&mut self) -> Result<Option<i64>, VideoError> {
        loop {
            if let Some(at) = self.held_at {
                return Ok(Some(at));
            }
            if self.pull_filtered()? {
                continue;
            }
            if self.flushed {
                return Ok(None);
            }
            if self.pull_decoded()? {
                continue;
            }
            if self.eof {
                self.flush()?;
                continue;
            }
            self.read_packet()?;
        }
    }

    /// The frame [`peek`](Self::peek) announced.
    pub(crate) fn held(&self) -> &frame::Audio {
        &self.held
    }

    /// Done with the held frame.
    pub(crate) fn consume(&mut self) {
        self.held_at = None;
    }

    fn corrupt(&self, e: Error) -> VideoError {
        VideoError::Corrupt {
            path: self.path.clone(),
            detail: format!("reading its audio failed: {e}"),
        }
    }

    fn filter_err(&self, e: Error) -> VideoError {
        VideoError::Decode {
            path: self.path.clone(),
            reason: format!("converting its audio failed: {e}"),
        }
    }

    /// Reads one packet and hands it to the decoder if it is ours.
    fn read_packet(&mut self) -> Result<(), VideoError> {
        let mut p = Packet::empty();
        match p.read(&mut self.ictx) {
            Ok(()) => {}
            Err(Error::Eof) => {
                self.eof = true;
                return Ok(());
            }
            Err(Error::InvalidData) => return Ok(()),
            Err(e) => return Err(self.corrupt(e)),
        }
        if p.stream() != self.stream {
            return Ok(());
        }
        match self.decoder.send_packet(&p) {
            // A damaged packet is skipped; the gap becomes silence.
            Ok(()) | Err(Error::InvalidData) => Ok(()),
            Err(Error::Other { errno }) if errno == ffmpeg_next::util::error::EAGAIN => Ok(()),
            Err(e) => Err(self.corrupt(e)),
        }
    }

    /// Moves one decoded frame into the filter graph; false if none was ready.
    fn pull_decoded(&mut self) -> Result<bool, VideoError> {
        if self.decoder.receive_frame(&mut self.decoded).is_err() {
            return Ok(false);
        }
        if self.decoded.samples() == 0 {
            return Ok(true);
        }
        if self.graph.is_none() {
            let g = self.build_graph().map_err(|e| self.filter_err(e))?;
            self.graph = Some(g);
        }
        let in_rate = self.graph.as_ref().expect("built above").in_rate;
        // Source time → samples after `from`, at the source rate.
        let pts = self
            .decoded
            .timestamp()
            .and_then(|ts| ts_to_seconds(ts, self.in_tb))
            .and_then(|t| t.checked_sub(self.from))
            .and_then(|t| seconds_to_ts(t, Rational::new(1, in_rate)))
            .or(self.next_in_pts);
        self.next_in_pts = pts.map(|p| p + self.decoded.samples() as i64);
        self.decoded.set_pts(pts);
        let graph = &mut self.graph.as_mut().expect("built above").graph;
        let added = graph
            .get("in")
            .expect("built in build_graph")
            .source()
            .add(&self.decoded);
        added.map_err(|e| self.filter_err(e))?;
        Ok(true)
    }

    /// Takes one converted frame from the graph; false if none was ready.
    fn pull_filtered(&mut self) -> Result<bool, VideoError> {
        let Some(g) = self.graph.as_mut() else {
            return Ok(false);
        };
        let got = g
            .graph
            .get("out")
            .expect("built in build_graph")
            .sink()
            .frame(&mut self.held);
        if got.is_err() {
            return Ok(false);
        }
        let n = self.held.samples() as i64;
        if n == 0 {
            return Ok(true);
        }
        let rate = Rational::from_int(self.track.rate as i64);
        let at = self
            .held
            .pts()
            .and_then(|p| g.out_tb.mul_int(p))
            .and_then(|t| t.checked_mul(rate))
            .map(|s| s.round());
        let at = match (at, self.next_expected) {
            (Some(a), Some(e)) if (a - e).abs() <= SNAP => e,
            (Some(a), _) => a,
            (None, Some(e)) => e,
            (None, None) => 0,
        };
        self.next_expected = Some(at + n);
        self.held_at = Some(at);
        Ok(true)
    }

    /// At the end of the file: drains the decoder and the graph.
    fn flush(&mut self) -> Result<(), VideoError> {
        self.flushed = true;
        let _ = self.decoder.send_eof();
        while self.pull_decoded()? {}
        if let Some(g) = self.graph.as_mut() {
            let r = g.graph.get("in").expect("built").source().flush();
            r.map_err(|e| self.filter_err(e))?;
        }
        Ok(())
    }

    fn build_graph(&self) -> Result<Graph, Error> {
        let f = &self.decoded;
        let rate = f.rate().max(1);
        let channels = f.channels().max(1) as i32;
        let layout = input_layout(f.channel_layout(), channels);
        let mut graph = converter(
            (rate, f.format(), layout),
            (self.track.sample, self.track.layout, self.track.rate as u32),
        )?;
        let out_tb = {
            let mut out = graph.get("out").expect("added above");
            crate::time::from_ff(out.sink().time_base())
                .unwrap_or(Rational::new(1, self.track.rate as i64))
        };
        Ok(Graph {
            graph,
            in_rate: rate as i64,
            out_tb,
        })
    }
}

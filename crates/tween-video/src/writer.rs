//! Encoding RGB frames to a video file, with colour tags, an exact frame
//! rate, and the audio/subtitle streams of a source file muxed back in.

use crate::audio_plan::{AudioMux, AudioPlan};
use crate::codec::{plan, resolve_codec, Plan};
use crate::color::{
    matrix_to_ff, primaries_to_ff, range_to_ff, transfer_to_ff, Chroma, ColorRange, ColorTags,
};
use crate::convert::FromRgb;
use crate::display::SourceDisplay;
use crate::error::VideoError;
use crate::ffi::avformat::{query_codec, set_codec_tag, set_encoder_color};
use crate::ffi::sws::Side;
use crate::probe::ffmpeg_path;
use crate::time::{to_ff, ts_to_seconds};
use ffmpeg_next::util::error::{EAGAIN, EINVAL};
use ffmpeg_next::{codec, encoder, format, Dictionary, Error, Packet};
use std::path::{Path, PathBuf};
use tween_core::{Frame, Rational};

/// How to encode the video stream.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeSettings {
    /// Codec name, resolved by [`resolve_codec`] (`libx264` when empty).
    pub codec: String,
    /// Constant-quality value; the codec's default when `None` (x264 18, x265 20,
    /// AV1 30, VP9 31; ignored by FFV1, which is lossless).
    pub crf: Option<u8>,
    /// Speed preset (`medium` for x264/x265, a number for AV1/VP9).
    pub preset: Option<String>,
    /// Encoder profile (x264: `high`, `main`, `baseline`, `high10`, `high444`;
    /// x265: `main`, `main10`…); the encoder's choice when `None`.
    pub profile: Option<String>,
    pub frame_rate: Rational,
    pub width: u32,
    pub height: u32,
    /// Encode 10 bits per sample (16-bit RGB for FFV1).
    pub high_depth: bool,
    /// Tags written to the stream; the matrix and range also drive the RGB→YUV conversion.
    pub color: ColorTags,
    /// Chroma layout wished; odd sizes and encoder limits may change it.
    pub chroma: Chroma,
}

impl EncodeSettings {
    /// H.264 (libx264, CRF 18, preset medium), 8-bit 4:2:0, untagged colour.
    pub fn new(width: u32, height: u32, frame_rate: Rational) -> Self {
        EncodeSettings {
            codec: "libx264".into(),
            crf: None,
            preset: None,
            profile: None,
            frame_rate,
            width,
            height,
            high_depth: false,
            color: ColorTags::UNSPECIFIED,
            chroma: Chroma::Yuv420,
        }
    }
}

/// Audio and subtitle streams to copy from a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passthrough {
    pub source: PathBuf,
    /// Input time (seconds) of output frame 0: a source packet at input time
    /// `t` is written at output time `t - video_start`.
    pub video_start: Rational,
}

/// Writes frames to a video file. Call [`VideoWriter::finish`] at the end:
/// a writer dropped without it leaves an incomplete file.
pub struct VideoWriter {
    path: PathBuf,
    octx: format::context::Output,
    encoder: encoder::video::Encoder,
    plan: Plan,
    from_rgb: FromRgb,
    stream_index: usize,
    enc_tb: ffmpeg_next::Rational,
    ost_tb: ffmpeg_next::Rational,
    ost_tb_exact: Rational,
    width: u32,
    height: u32,
    frame_rate: Rational,
    frames: u64,
    audio: Option<AudioMux>,
}

fn settings_err(path: &Path, reason: impl Into<String>) -> VideoError {
    VideoError::Settings {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Removes a half-created output; the error that caused it is what matters.
fn discard(path: &Path) {
    let _ = std::fs::remove_file(path);
}

impl VideoWriter {
    /// Checks everything (codec, container, passthrough streams), creates the
    /// file and writes its header. The container follows the extension of `path`.
    pub fn create(
        path: &Path,
        settings: &EncodeSettings,
        passthrough: Option<Passthrough>,
    ) -> Result<Self, VideoError> {
        Self::create_with_audio(path, settings, passthrough.into())
    }

    /// As [`create`](Self::create), with any [`AudioPlan`]: none, the streams
    /// of one source, or one track concatenated from segments of several.
    pub fn create_with_audio(
        path: &Path,
        settings: &EncodeSettings,
        audio: AudioPlan,
    ) -> Result<Self, VideoError> {
        // What players need from the source's video stream: rotation,
        // aspect ratio, HDR metadata (read from the passthrough source).
        let display = match &audio {
            AudioPlan::Copy(p) => SourceDisplay::of_file(&p.source),
            _ => SourceDisplay::default(),
        };
        Self::create_with_display(path, settings, audio, display)
    }

    /// As [`create_with_audio`](Self::create_with_audio), with the display
    /// properties given instead of read from the passthrough source.
    pub(crate) fn create_with_display(
        path: &Path,
        settings: &EncodeSettings,
        audio: AudioPlan,
        display: SourceDisplay,
    ) -> Result<Self, VideoError> {
        crate::init_ffmpeg();
        let name = resolve_codec(&settings.codec)?;
        if settings.width == 0 || settings.height == 0 {
            return Err(settings_err(
                path,
                format!("frame size {}x{} is empty", settings.width, settings.height),
            ));
        }
        let fps = settings.frame_rate;
        let (Some(ff_fps), true) = (to_ff(fps), fps.is_positive()) else {
            return Err(settings_err(
                path,
                format!("frame rate {fps} is not a positive fraction of 32-bit integers"),
            ));
        };
        let ff_tb = ffmpeg_next::Rational::new(ff_fps.denominator(), ff_fps.numerator());
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(VideoError::OutputDirMissing {
                path: path.to_path_buf(),
                dir,
            });
        }
        let plan = plan(
            name,
            settings.crf,
            settings.preset.as_deref(),
            settings.profile.as_deref(),
            settings.chroma,
            settings.high_depth,
            settings.width,
            settings.height,
        )
        .ok_or_else(|| {
            settings_err(
                path,
                format!(
                    "{name} supports no pixel format usable for {}x{}",
                    settings.width, settings.height
                ),
            )
        })?;
        let ffname =
            ffmpeg_path(path).ok_or_else(|| settings_err(path, "the path is not valid UTF-8"))?;
        let container_err = |reason: String| VideoError::Container {
            path: path.to_path_buf(),
            reason,
        };
        // Asked first, so that FFmpeg does not log its own complaint naming the file.
        if !has_muxer_for(&ffname) {
            return Err(container_err(format!(
                "no container format for the extension '{}'",
                path.extension().and_then(|e| e.to_str()).unwrap_or("")
            )));
        }
        let mut octx = format::output(&ffname).map_err(|e| match e {
            Error::InvalidData | Error::Other { errno: EINVAL } | Error::MuxerNotFound => {
                container_err(format!(
                    "no container format for the extension '{}'",
                    path.extension().and_then(|e| e.to_str()).unwrap_or("")
                ))
            }
            e => VideoError::Write {
                path: path.to_path_buf(),
                reason: format!("cannot create the file: {e}"),
            },
        })?;
        let result = Self::setup(
            path,
            &mut octx,
            settings,
            plan,
            (ff_tb, ff_fps),
            audio,
            &display,
        );
        match result {
            Ok((encoder, plan, stream_index, audio)) => {
                let ost_tb = octx
                    .stream(stream_index)
                    .expect("stream was added")
                    .time_base();
                let ost_tb_exact =
                    crate::time::from_ff(ost_tb).unwrap_or(fps.recip().expect("fps is positive"));
                let dst = Side {
                    matrix: settings
                        .color
                        .effective_matrix(settings.width, settings.height),
                    full_range: settings.color.range == ColorRange::Full,
                };
                Ok(VideoWriter {
                    path: path.to_path_buf(),
                    from_rgb: FromRgb::new(settings.width, settings.height, plan.pixel, dst),
                    octx,
                    encoder,
                    plan,
                    stream_index,
                    enc_tb: ff_tb,
                    ost_tb,
                    ost_tb_exact,
                    width: settings.width,
                    height: settings.height,
                    frame_rate: fps,
                    frames: 0,
                    audio,
                })
            }
            Err(e) => {
                drop(octx);
                discard(path);
                Err(e)
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn setup(
        path: &Path,
        octx: &mut format::context::Output,
        s: &EncodeSettings,
        plan: Plan,
        (tb, fps): (ffmpeg_next::Rational, ffmpeg_next::Rational),
        audio: AudioPlan,
        display: &SourceDisplay,
    ) -> Result<(encoder::video::Encoder, Plan, usize, Option<AudioMux>), VideoError> {
        let codec =
            encoder::find_by_name(plan.encoder).ok_or_else(|| VideoError::UnknownCodec {
                name: plan.encoder.into(),
                known: String::new(),
            })?;
        let container = octx.format().name().to_string();
        if query_codec(&octx.format(), codec.id()) == Some(false) {
            return Err(VideoError::Container {
                path: path.to_path_buf(),
                reason: format!("a {container} file cannot hold {} video", codec.id().name()),
            });
        }
        let enc_err = |e: Error| VideoError::Encode {
            path: path.to_path_buf(),
            reason: format!("cannot open {}: {e}", plan.encoder),
        };
        let mut enc = codec::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(enc_err)?;
        enc.set_width(s.width);
        enc.set_height(s.height);
        enc.set_format(plan.pixel);
        enc.set_time_base(tb);
        enc.set_frame_rate(Some(fps));
        enc.set_bit_rate(0); // constant quality: VP9/AOM switch to it only without a bit rate
        if let Some(g) = plan.gop {
            enc.set_gop(g);
        }
        let (matrix, range) = if plan.is_rgb() {
            (0, ColorRange::Full)
        } else {
            (
                s.color.matrix,
                if s.color.range == ColorRange::Full {
                    ColorRange::Full
                } else {
                    ColorRange::Limited
                },
            )
        };
        display.apply_to_encoder(&mut enc);
        set_encoder_color(
            &mut enc,
            primaries_to_ff(s.color.primaries),
            transfer_to_ff(s.color.transfer),
            matrix_to_ff(matrix),
            range_to_ff(range),
        );
        if octx.format().flags().contains(format::Flags::GLOBAL_HEADER) {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut opts = Dictionary::new();
        for (k, v) in &plan.options {
            opts.set(k, v);
        }
        let encoder = enc
            .open_as_with(codec, opts)
            .map_err(|e| VideoError::Encode {
                path: path.to_path_buf(),
                reason: format!(
                    "{} refused the settings ({e}); check the preset and crf",
                    plan.encoder
                ),
            })?;
        let stream_index = {
            let mut ost = octx.add_stream(codec).map_err(|e| VideoError::Write {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            ost.set_parameters(&encoder);
            if codec.id() == codec::Id::HEVC && is_quicktime(&container) {
                // `hvc1` (parameter sets in the sample description only), the
                // tag Apple's players and Safari require; FFmpeg's default
                // `hev1` does not play there.
                set_codec_tag(&mut ost, u32::from_le_bytes(*b"hvc1"));
            }
            ost.set_time_base(tb);
            ost.set_avg_frame_rate(fps);
            ost.set_rate(fps);
            // Warnings name the source: `path` is the output's temporary name.
            let source = match &audio {
                AudioPlan::Copy(p) => p.source.display().to_string(),
                _ => "the source".to_string(),
            };
            for block in display.apply_to_stream(&mut ost) {
                tracing::warn!("{source}: its {block} could not be kept in the output");
            }
            if let (Some(angle), false) = (display.rotation(), is_quicktime(&container)) {
                tracing::warn!(
                    "{source}: is displayed rotated ({angle:.0}°); the rotation goes to the output \
                     as stream metadata, which {container} files may not store (an .mp4 or .mov \
                     output keeps it)"
                );
            }
            ost.index()
        };
        let mux = AudioMux::open(audio, octx, path)?;
        let mut header = Dictionary::new();
        if is_quicktime(&container) {
            // The index (moov) before the media, so that a browser or player
            // starts before the whole file has arrived; FFmpeg moves it when
            // the trailer is written, while the file still has its temporary name.
            header.set("movflags", "+faststart");
        }
        segmented_output_options(&container, path, &mut header);
        octx.write_header_with(header)
            .map_err(|e| VideoError::Write {
                path: path.to_path_buf(),
                reason: format!("the {container} muxer refused the streams: {e}"),
            })?;
        let mut mux = mux;
        if let Some(m) = mux.as_mut() {
            m.after_header(octx);
        }
        Ok((encoder, plan, stream_index, mux))
    }

    /// Frames written so far.
    pub fn frames_written(&self) -> u64 {
        self.frames
    }

    /// With [`AudioPlan::Cued`]: the frames written from now on play
    /// `source`'s first audio stream from its time `from` (seconds; e.g. the
    /// time of the clip's first frame), or silence for `None`; the segment
    /// started before ends here, exactly under the next frame. Does nothing
    /// when the writer has no audio track (no source had audio); an error
    /// with [`AudioPlan::Copy`] or [`AudioPlan::Concat`].
    pub fn start_audio_segment(
        &mut self,
        source: Option<&Path>,
        from: Rational,
    ) -> Result<(), VideoError> {
        let at = Rational::from_int(self.frames as i64)
            .checked_div(self.frame_rate)
            .unwrap_or(Rational::ZERO);
        match self.audio.as_mut() {
            Some(mux) => mux.cue(at, source, from, &self.path),
            None => Ok(()),
        }
    }

    /// Encodes one frame (8- or 16-bit RGB of the video's size).
    pub fn write(&mut self, frame: &Frame) -> Result<(), VideoError> {
        if frame.width() != self.width || frame.height() != self.height {
            return Err(VideoError::FrameSize {
                path: self.path.clone(),
                index: self.frames,
                got_width: frame.width(),
                got_height: frame.height(),
                width: self.width,
                height: self.height,
            });
        }
        let mut pic = self
            .from_rgb
            .convert(frame)
            .map_err(|e| VideoError::Encode {
                path: self.path.clone(),
                reason: format!(
                    "converting frame {} to {:?} failed: {e}",
                    self.frames, self.plan.pixel
                ),
            })?;
        pic.set_pts(Some(self.frames as i64));
        self.encoder
            .send_frame(&pic)
            .map_err(|e| self.encode_err(e))?;
        self.frames += 1;
        self.drain()
    }

    fn encode_err(&self, e: Error) -> VideoError {
        VideoError::Encode {
            path: self.path.clone(),
            reason: format!("{} failed at frame {}: {e}", self.plan.encoder, self.frames),
        }
    }

    fn write_err(&self, e: Error) -> VideoError {
        VideoError::Write {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    /// Writes every packet the encoder has ready, then the passthrough packets
    /// up to the time the video has reached.
    fn drain(&mut self) -> Result<(), VideoError> {
        self.drain_unless(&|| false).map(|_| ())
    }

    /// [`drain`](Self::drain), asking `stop` before each packet (the encoder
    /// produces one per call, which during the final flush can take long);
    /// returns [`WriterEnd::Stopped`] as soon as it says yes.
    fn drain_unless(&mut self, stop: &dyn Fn() -> bool) -> Result<WriterEnd, VideoError> {
        let mut packet = Packet::empty();
        let mut reached = None;
        loop {
            if stop() {
                return Ok(WriterEnd::Stopped);
            }
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(Error::Other { errno: EAGAIN }) | Err(Error::Eof) => break,
                Err(e) => return Err(self.encode_err(e)),
            }
            // libx264 (and others) return packets without a duration; the
            // muxer then derives the rate from timestamp gaps, wrongly for the
            // last frame. One frame is one tick of the encoder time base.
            if packet.duration() <= 0 {
                packet.set_duration(1);
            }
            packet.set_stream(self.stream_index);
            packet.rescale_ts(self.enc_tb, self.ost_tb);
            packet.set_position(-1);
            if let Some(dts) = packet.dts().or(packet.pts()) {
                reached = ts_to_seconds(dts, self.ost_tb_exact);
            }
            packet
                .write_interleaved(&mut self.octx)
                .map_err(|e| self.write_err(e))?;
        }
        if let (Some(t), Some(mux)) = (reached, self.audio.as_mut()) {
            mux.pump(&mut self.octx, t, &self.path)?;
        }
        Ok(WriterEnd::Complete)
    }

    /// Flushes the encoder, writes the rest of the passthrough streams (up to
    /// the end of the video) and the container trailer.
    pub fn finish(self) -> Result<(), VideoError> {
        self.finish_unless(&|| false).map(|_| ())
    }

    /// [`finish`](Self::finish), asking `stop` between the packets of the
    /// encoder's flush (an encoder with lookahead holds dozens of frames, so
    /// the flush can take long) and before the trailer. When it says yes,
    /// the writer stops there and returns [`WriterEnd::Stopped`]: the file
    /// is incomplete and the caller discards it.
    pub fn finish_unless(mut self, stop: &dyn Fn() -> bool) -> Result<WriterEnd, VideoError> {
        tracing::info!(
            frames = self.frames,
            "all frames sent; flushing the encoder (it still holds its lookahead)"
        );
        self.encoder.send_eof().map_err(|e| self.encode_err(e))?;
        if self.drain_unless(stop)? == WriterEnd::Stopped {
            return Ok(WriterEnd::Stopped);
        }
        let end = Rational::from_int(self.frames as i64)
            .checked_div(self.frame_rate)
            .unwrap_or(Rational::ZERO);
        if let Some(mut mux) = self.audio.take() {
            mux.finish(&mut self.octx, end, &self.path)?;
        }
        if stop() {
            return Ok(WriterEnd::Stopped);
        }
        tracing::debug!(path = %self.path.display(), "writing the container trailer");
        self.octx.write_trailer().map_err(|e| self.write_err(e))?;
        Ok(WriterEnd::Complete)
    }
}

/// How [`VideoWriter::finish_unless`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum WriterEnd {
    /// The file is complete.
    Complete,
    /// Stopped on request before the end: the file is incomplete.
    Stopped,
}

/// Whether FFmpeg has a muxer for this file name (chosen by its extension).
fn has_muxer_for(name: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(name) else {
        return false;
    };
    // SAFETY: a valid C string; null format name and MIME type mean "guess
    // from the file name", as avformat_alloc_output_context2 does.
    !unsafe { ffmpeg_next::ffi::av_guess_format(std::ptr::null(), c.as_ptr(), std::ptr::null()) }
        .is_null()
}

/// Options for the muxers that write a playlist or manifest and segments
/// beside it (the caller writes them all into a folder of their own and
/// moves them into place when complete): HLS lists every segment (FFmpeg's
/// default keeps only the last 5, for live streams) as a finished VOD
/// playlist; DASH segments are named after the manifest (FFmpeg's default
/// `init-stream0.m4s`, `chunk-stream0-00001.m4s` would collide between two
/// outputs in one folder).
fn segmented_output_options(container: &str, path: &Path, opts: &mut Dictionary) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match container {
        "hls" => {
            opts.set("hls_list_size", "0");
            opts.set("hls_playlist_type", "vod");
            // `%` would be read as a number pattern.
            let seg = path.with_file_name(format!("{}%d.ts", stem.replace('%', "%%")));
            if let Some(seg) = seg.to_str() {
                opts.set("hls_segment_filename", seg);
            }
        }
        "dash" => {
            // `$` starts a template identifier; `$$` is a literal one.
            let stem = stem.replace('$', "$$");
            opts.set(
                "init_seg_name",
                &format!("{stem}-init-$RepresentationID$.$ext$"),
            );
            opts.set(
                "media_seg_name",
                &format!("{stem}-chunk-$RepresentationID$-$Number%05d$.$ext$"),
            );
        }
        _ => {}
    }
}

/// MP4 and QuickTime muxers (FFmpeg names them "mp4", "mov", "ipod", …).
fn is_quicktime(muxer: &str) -> bool {
    muxer
        .split(',')
        .any(|m| matches!(m, "mp4" | "mov" | "ipod" | "m4v"))
}

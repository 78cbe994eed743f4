//! Re-encoding one audio stream of the passthrough source when the output
//! container cannot hold its codec (PCM or Vorbis into MP4 → AAC, AAC into
//! WebM → Opus/Vorbis). Decoder → aformat/frame-size filter → encoder.

use crate::audio_convert::{converter, input_layout};
use crate::time::{seconds_to_ts, ts_to_seconds};
use ffmpeg_next::util::error::EAGAIN;
use ffmpeg_next::{codec, decoder, encoder, filter, format, frame, Error, Packet};
use tween_core::Rational;

/// One audio stream being re-encoded.
pub(crate) struct AudioTranscode {
    decoder: decoder::Audio,
    graph: filter::Graph,
    encoder: encoder::Audio,
    in_tb: Rational,
    rate: i32,
    offset: Rational,
    out_index: usize,
    out_tb: ffmpeg_next::Rational,
    decoded: frame::Audio,
    filtered: frame::Audio,
}

fn nearest_rate(codec: &ffmpeg_next::codec::Audio, want: i32) -> i32 {
    match codec.rates() {
        Some(rates) => rates.min_by_key(|r| (r - want).abs()).unwrap_or(want),
        None => want,
    }
}

impl AudioTranscode {
    /// Adds the output stream for `ist`, encoded with `target`.
    pub(crate) fn new(
        ist: &format::stream::Stream,
        octx: &mut format::context::Output,
        target: codec::Id,
        offset: Rational,
    ) -> Result<Self, Error> {
        let mut decoder = codec::Context::from_parameters(ist.parameters())?
            .decoder()
            .audio()?;
        decoder.set_parameters(ist.parameters())?;
        let codec = encoder::find(target)
            .ok_or(Error::EncoderNotFound)?
            .audio()?;
        let channels = decoder.channels().max(1) as i32;
        let in_layout = input_layout(decoder.channel_layout(), channels);
        let out_layout = codec
            .channel_layouts()
            .map(|l| l.best(channels))
            .unwrap_or(in_layout);
        let rate = nearest_rate(&codec, decoder.rate() as i32);
        let sample_fmt = codec
            .formats()
            .and_then(|mut f| f.next())
            .ok_or(Error::EncoderNotFound)?;
        let global = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);

        let mut ctx = codec::Context::new_with_codec(*codec).encoder().audio()?;
        if global {
            ctx.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        ctx.set_rate(rate);
        ctx.set_channel_layout(out_layout);
        ctx.set_channels(out_layout.channels());
        ctx.set_format(sample_fmt);
        ctx.set_bit_rate(96_000 * out_layout.channels().clamp(1, 6) as usize);
        ctx.set_time_base((1, rate));
        let encoder = ctx.open_as(codec)?;

        let out_index = {
            let mut ost = octx.add_stream(codec)?;
            ost.set_parameters(&encoder);
            ost.set_time_base((1, rate));
            ost.set_metadata(ist.metadata().to_owned());
            ost.index()
        };

        let mut graph = converter(
            (decoder.rate(), decoder.format(), in_layout),
            (encoder.format(), encoder.channel_layout(), encoder.rate()),
        )?;
        if !codec
            .capabilities()
            .contains(codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE)
        {
            graph
                .get("out")
                .expect("added above")
                .sink()
                .set_frame_size(encoder.frame_size());
        }

        let in_tb = crate::time::from_ff(ist.time_base())
            .unwrap_or(Rational::new(1, decoder.rate().max(1) as i64));
        Ok(AudioTranscode {
            rate: decoder.rate() as i32,
            decoder,
            graph,
            encoder,
            in_tb,
            offset,
            out_index,
            out_tb: ffmpeg_next::Rational::new(1, rate),
            decoded: frame::Audio::empty(),
            filtered: frame::Audio::empty(),
        })
    }

    /// Index of the output stream.
    pub(crate) fn out_index(&self) -> usize {
        self.out_index
    }

    /// Records the output stream's time base once the header is written.
    pub(crate) fn set_out_time_base(&mut self, tb: ffmpeg_next::Rational) {
        self.out_tb = tb;
    }

    /// Decodes, converts and encodes one source packet.
    pub(crate) fn send(
        &mut self,
        packet: &Packet,
        octx: &mut format::context::Output,
    ) -> Result<(), Error> {
        match self.decoder.send_packet(packet) {
            Ok(()) | Err(Error::InvalidData) => {}
            Err(e) => return Err(e),
        }
        self.pull_decoded(octx)
    }

    fn pull_decoded(&mut self, octx: &mut format::context::Output) -> Result<(), Error> {
        while self.decoder.receive_frame(&mut self.decoded).is_ok() {
            // Source time → output time (minus the video start) in samples.
            let pts = self
                .decoded
                .timestamp()
                .and_then(|ts| ts_to_seconds(ts, self.in_tb))
                .and_then(|t| t.checked_sub(self.offset))
                .and_then(|t| seconds_to_ts(t, Rational::new(1, self.rate as i64)));
            self.decoded.set_pts(pts);
            self.graph
                .get("in")
                .expect("built in new")
                .source()
                .add(&self.decoded)?;
            self.pull_filtered(octx)?;
        }
        Ok(())
    }

    fn pull_filtered(&mut self, octx: &mut format::context::Output) -> Result<(), Error> {
        while self
            .graph
            .get("out")
            .expect("built in new")
            .sink()
            .frame(&mut self.filtered)
            .is_ok()
        {
            self.encoder.send_frame(&self.filtered)?;
            self.write_packets(octx)?;
        }
        Ok(())
    }

    fn write_packets(&mut self, octx: &mut format::context::Output) -> Result<(), Error> {
        let mut packet = Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(Error::Other { errno: EAGAIN }) | Err(Error::Eof) => return Ok(()),
                Err(e) => return Err(e),
            }
            packet.set_stream(self.out_index);
            packet.rescale_ts(
                ffmpeg_next::Rational::new(1, self.encoder.rate() as i32),
                self.out_tb,
            );
            packet.write_interleaved(octx)?;
        }
    }

    /// Drains decoder, filter and encoder at the end.
    pub(crate) fn flush(&mut self, octx: &mut format::context::Output) -> Result<(), Error> {
        self.decoder.send_eof()?;
        self.pull_decoded(octx)?;
        self.graph
            .get("in")
            .expect("built in new")
            .source()
            .flush()?;
        self.pull_filtered(octx)?;
        self.encoder.send_eof()?;
        self.write_packets(octx)
    }
}

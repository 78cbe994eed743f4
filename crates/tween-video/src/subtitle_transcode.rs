//! Converting a text subtitle stream to the output container's text format
//! (SubRip/ASS into MP4 → mov_text, mov_text into MKV → ASS, → WebVTT for
//! WebM), one event at a time.

use crate::ffi::subtitle::{copy_subtitle_header, encode_subtitle, set_pkt_timebase};
use crate::time::{from_ff, seconds_to_ts, ts_to_seconds};
use ffmpeg_next::{codec, decoder, encoder, format, Error, Packet, Rescale, Subtitle};
use tween_core::Rational;

/// One text subtitle stream being converted.
pub(crate) struct SubtitleTranscode {
    decoder: decoder::Subtitle,
    encoder: encoder::subtitle::Encoder,
    out_index: usize,
    out_tb: ffmpeg_next::Rational,
    buf: Vec<u8>,
}

const MS: ffmpeg_next::Rational = ffmpeg_next::Rational(1, 1000);

impl SubtitleTranscode {
    /// Adds the output stream for `ist`, converted to `target`.
    pub(crate) fn new(
        ist: &format::stream::Stream,
        octx: &mut format::context::Output,
        target: codec::Id,
    ) -> Result<Self, Error> {
        let mut dctx = codec::Context::from_parameters(ist.parameters())?;
        set_pkt_timebase(&mut dctx, ist.time_base());
        let decoder = dctx.decoder().subtitle()?;
        let codec = encoder::find(target).ok_or(Error::EncoderNotFound)?;
        let mut ectx = codec::Context::new_with_codec(codec);
        copy_subtitle_header(&decoder, &mut ectx)?;
        let mut ectx = ectx.encoder().subtitle()?;
        ectx.set_time_base(MS);
        let encoder = ectx.open_as(codec)?;
        let out_index = {
            let mut ost = octx.add_stream(codec)?;
            ost.set_parameters(&*encoder);
            ost.set_time_base(MS);
            ost.set_metadata(ist.metadata().to_owned());
            ost.index()
        };
        Ok(SubtitleTranscode {
            decoder,
            encoder,
            out_index,
            out_tb: MS,
            buf: vec![0; 1 << 16],
        })
    }

    pub(crate) fn out_index(&self) -> usize {
        self.out_index
    }

    pub(crate) fn set_out_time_base(&mut self, tb: ffmpeg_next::Rational) {
        self.out_tb = tb;
    }

    /// Converts one source packet (timestamps in `in_tb`, shifted by `offset` seconds).
    pub(crate) fn send(
        &mut self,
        packet: &Packet,
        offset: Rational,
        in_tb: Rational,
        octx: &mut format::context::Output,
    ) -> Result<(), Error> {
        let mut sub = Subtitle::new();
        if !self.decoder.decode(packet, &mut sub)? {
            return Ok(());
        }
        let Some(pts) = packet.pts() else {
            return Ok(());
        };
        // Event start: packet time + display delay, minus the video start.
        let start_ms = sub.start();
        let mut end_ms = sub.end();
        if end_ms <= start_ms && packet.duration() > 0 {
            let in_ff = crate::time::to_ff(in_tb).unwrap_or(MS);
            end_ms = start_ms + packet.duration().rescale(in_ff, MS) as u32;
        }
        let start = ts_to_seconds(pts, in_tb)
            .and_then(|t| t.checked_add(Rational::new(start_ms as i64, 1000)))
            .and_then(|t| t.checked_sub(offset));
        let out_tb = from_ff(self.out_tb).unwrap_or(Rational::new(1, 1000));
        let Some(out_pts) = start.and_then(|t| seconds_to_ts(t, out_tb)) else {
            return Ok(());
        };
        sub.set_start(0);
        sub.set_end(end_ms.saturating_sub(start_ms));
        let n = encode_subtitle(&mut self.encoder, &sub, &mut self.buf)?;
        if n == 0 {
            return Ok(());
        }
        let mut out = Packet::copy(&self.buf[..n]);
        out.set_pts(Some(out_pts));
        out.set_dts(Some(out_pts));
        out.set_duration((end_ms.saturating_sub(start_ms) as i64).rescale(MS, self.out_tb));
        out.set_stream(self.out_index);
        out.write_interleaved(octx)
    }
}

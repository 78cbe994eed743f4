//! A queue of audio samples with an absolute position: what has been placed
//! on the output track and not yet encoded. Samples are kept as raw bytes in
//! the track's sample format (one byte queue per plane), so any format the
//! encoder takes works without conversion code here.

use ffmpeg_next::{format, frame};
use std::collections::VecDeque;

pub(crate) struct SampleFifo {
    planes: Vec<VecDeque<u8>>,
    /// Bytes of one sample in one plane.
    stride: usize,
    silence: u8,
    /// Track position of the first queued sample.
    start: i64,
    len: i64,
}

impl SampleFifo {
    pub(crate) fn new(sample: format::Sample, channels: usize) -> Self {
        let (planes, stride) = if sample.is_planar() {
            (channels, sample.bytes())
        } else {
            (1, sample.bytes() * channels)
        };
        SampleFifo {
            planes: (0..planes).map(|_| VecDeque::new()).collect(),
            stride,
            // Unsigned 8-bit audio is centred on 128; every other format on 0.
            silence: if matches!(sample, format::Sample::U8(_)) {
                0x80
            } else {
                0
            },
            start: 0,
            len: 0,
        }
    }

    pub(crate) fn start(&self) -> i64 {
        self.start
    }

    pub(crate) fn len(&self) -> i64 {
        self.len
    }

    /// Position just after the last queued sample.
    pub(crate) fn end(&self) -> i64 {
        self.start + self.len
    }

    pub(crate) fn push_silence(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let bytes = n as usize * self.stride;
        for p in &mut self.planes {
            p.resize(p.len() + bytes, self.silence);
        }
        self.len += n;
    }

    /// Places `frame` (same format as the queue) at track position `at`:
    /// what falls before the end of the queue is dropped, a gap before it is
    /// filled with silence, and nothing goes past `limit`.
    pub(crate) fn place(&mut self, at: i64, frame: &frame::Audio, limit: Option<i64>) {
        let n = frame.samples() as i64;
        let limit = limit.unwrap_or(i64::MAX);
        if at > self.end() {
            self.push_silence(at.min(limit) - self.end());
        }
        let skip = (self.end() - at).max(0);
        let take = (n - skip).min(limit - self.end());
        if take <= 0 {
            return;
        }
        let (from, to) = (
            skip as usize * self.stride,
            (skip + take) as usize * self.stride,
        );
        for (i, p) in self.planes.iter_mut().enumerate() {
            p.extend(&frame.data(i)[from..to]);
        }
        self.len += take;
    }

    /// Drops every sample at or after position `at` (never the encoded past).
    pub(crate) fn truncate(&mut self, at: i64) {
        let keep = (at - self.start).clamp(0, self.len);
        for p in &mut self.planes {
            p.truncate(keep as usize * self.stride);
        }
        self.len = keep;
    }

    /// Moves the first `n` samples into `frame` (allocated for at least `n`).
    pub(crate) fn pop_into(&mut self, frame: &mut frame::Audio, n: usize) {
        let n = n.min(self.len as usize);
        let bytes = n * self.stride;
        for (i, p) in self.planes.iter_mut().enumerate() {
            let dst = &mut frame.data_mut(i)[..bytes];
            for (d, s) in dst.iter_mut().zip(p.drain(..bytes)) {
                *d = s;
            }
        }
        self.start += n as i64;
        self.len -= n as i64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffmpeg_next::format::sample::Type;
    use ffmpeg_next::ChannelLayout;

    fn frame_of(values: &[f32]) -> frame::Audio {
        let mut f = frame::Audio::new(
            format::Sample::F32(Type::Planar),
            values.len(),
            ChannelLayout::MONO,
        );
        for (d, v) in f.data_mut(0).chunks_exact_mut(4).zip(values) {
            d.copy_from_slice(&v.to_ne_bytes());
        }
        f
    }

    fn popped(q: &mut SampleFifo, n: usize) -> Vec<f32> {
        let mut f = frame::Audio::new(format::Sample::F32(Type::Planar), n, ChannelLayout::MONO);
        let got = n.min(q.len() as usize);
        q.pop_into(&mut f, n);
        f.data(0)[..got * 4]
            .chunks_exact(4)
            .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }

    #[test]
    fn frames_are_placed_by_position_with_gaps_overlaps_and_limits() {
        let mut q = SampleFifo::new(format::Sample::F32(Type::Planar), 1);
        q.push_silence(2);
        // Overlapping the queue: its first sample is dropped.
        q.place(1, &frame_of(&[1.0, 2.0, 3.0]), None);
        // A gap of one sample is silence; the limit cuts the frame.
        q.place(5, &frame_of(&[4.0, 5.0, 6.0]), Some(7));
        assert_eq!(q.end(), 7);
        assert_eq!(popped(&mut q, 3), [0.0, 0.0, 2.0]);
        assert_eq!(q.start(), 3);
        q.truncate(6);
        assert_eq!(popped(&mut q, 10), [3.0, 0.0, 4.0]);
        assert_eq!((q.start(), q.len()), (6, 0));
        // Entirely before the end: nothing.
        q.place(2, &frame_of(&[9.0]), None);
        assert_eq!(q.end(), 6);
    }
}

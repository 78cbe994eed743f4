//! Checking that an output is in step with its source before scoring it.
//!
//! At 2x, output frame 2k must be source frame k (every method passes source
//! frames through, losslessly or through an RGB → YUV 4:4:4 → RGB round trip).
//! An output shifted by a frame or two (an extra or missing frame at the start,
//! another timestamp policy) would be scored against the wrong ground truth.
//! An absolute threshold cannot tell a shift on slow motion from a lossy
//! passthrough, so the check is relative: each output frame is compared with
//! the source frames at ground-truth offsets −2..=2, and the output is out of
//! step when some non-zero offset matches better, on average, than offset 0.

use crate::report::PSNR_CAP_DB;
use tween_core::metrics::psnr;
use tween_core::Frame;

/// How much better (dB) another offset must match for the output to count as shifted.
pub const SHIFT_MARGIN_DB: f64 = 1.0;

const OFFSETS: [i64; 5] = [-2, -1, 0, 1, 2];

/// Mean PSNR of output frames against the source frame at each offset.
#[derive(Debug, Default)]
pub struct Alignment {
    sums: [f64; 5],
    counts: [usize; 5],
}

impl Alignment {
    /// Compares output frame `j` with the source frames `sources[(j + d) / 2]`
    /// for each offset d that lands on a source frame.
    pub fn observe(&mut self, j: usize, frame: &Frame, sources: &[Frame]) {
        for (i, d) in OFFSETS.iter().enumerate() {
            let g = j as i64 + d;
            if g < 0 || g % 2 != 0 || (g / 2) as usize >= sources.len() {
                continue;
            }
            self.sums[i] += psnr(frame, &sources[(g / 2) as usize]).min(PSNR_CAP_DB);
            self.counts[i] += 1;
        }
    }

    fn mean(&self, i: usize) -> Option<f64> {
        (self.counts[i] > 0).then(|| self.sums[i] / self.counts[i] as f64)
    }

    /// Mean PSNR of output frame 2k against source frame k.
    pub fn in_step_psnr(&self) -> Option<f64> {
        self.mean(2)
    }

    /// `Ok(mean PSNR at offset 0)`, or a message naming the offset that fits better.
    pub fn verdict(&self) -> Result<f64, String> {
        let Some(own) = self.in_step_psnr() else {
            return Err("no output frame lines up with a source frame".into());
        };
        for (i, d) in OFFSETS.iter().enumerate() {
            if let Some(m) = self.mean(i) {
                if *d != 0 && m > own + SHIFT_MARGIN_DB {
                    return Err(format!(
                        "output frames out of step with the source: output frame 2k+({}) matches input \
                         frame k at {m:.1} dB, frame 2k only at {own:.1} dB",
                        -d
                    ));
                }
            }
        }
        Ok(own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(v: u8) -> Frame {
        Frame::from_u8(4, 4, vec![v; 48])
    }

    /// Sources 0, 20, 40 …; an ideal 2x output is 0, 10, 20, 30, 40 ….
    fn sources() -> Vec<Frame> {
        (0..5).map(|k| flat(20 * k)).collect()
    }

    #[test]
    fn in_step_output_passes() {
        let src = sources();
        let mut a = Alignment::default();
        for j in 0..9 {
            a.observe(j, &flat(10 * j as u8), &src);
        }
        assert_eq!(a.verdict(), Ok(PSNR_CAP_DB));
    }

    #[test]
    fn output_late_by_one_frame_is_caught() {
        let src = sources();
        let mut a = Alignment::default();
        // A duplicated first frame: output j shows ground-truth frame j − 1.
        for j in 0..9 {
            a.observe(j, &flat(10 * (j as u8).saturating_sub(1)), &src);
        }
        let e = a.verdict().unwrap_err();
        assert!(e.contains("2k+(1)"), "{e}");
    }
}
